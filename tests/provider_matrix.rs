//! Every provider module, against replayed responses: the cases each
//! provider's scenario file declares (`fixtures/http/providers/*.json`), plus
//! fault cases derived from its live case — rate-limited then answered,
//! rate-limited beyond the budget, 5xx, malformed body, and too slow — which
//! must end as `live` (the first) or `unknown` (the rest), never a crash.
//!
//! Scenario file:
//! ```json
//! {"provider": "github", "file": ".env", "content": "GITHUB_TOKEN=ghp_…\n",
//!  "cases": {"live": {"routes": [...], "expect": {"status": "live", "token_kind": "…",
//!                     "capabilities_include": ["delete-data"], "capabilities_exclude": [],
//!                     "tiers_include": ["production"], "identity_contains": "…"}},
//!            "invalid": {"routes": [...], "expect": {"status": "invalid"}}}}
//! ```
//! `live` and `invalid` are required; any other case name is allowed
//! (`insufficient_scope`, `admin`, …).

mod support;

use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::*;

fn scenarios() -> Vec<(PathBuf, Value)> {
    let dir = root().join("fixtures/http/providers");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, v)
        })
        .collect()
}

/// Runs one case; returns the finding for the scenario's file.
fn run_case(
    scenario: &Value,
    routes: &Value,
    extra: &[&str],
) -> (Value, Duration, Vec<replay::Recorded>) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(scenario["file"].as_str().unwrap());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, scenario["content"].as_str().unwrap()).unwrap();
    let server = replay::ReplayServer::start(json!({ "routes": routes }));
    let mut args = vec![dir.path().to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let start = Instant::now();
    let out = scan(&args, Some(&server.url));
    let took = start.elapsed();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        out.status.code(),
        all_output(&out)
    );
    let report = json(&out);
    let provider = scenario["provider"].as_str().unwrap();
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["provider"] == provider)
        .unwrap_or_else(|| panic!("no {provider} finding: {report:#}"))
        .clone();
    (f, took, server.requests())
}

fn check_expect(name: &str, f: &Value, expect: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    let mut fail = |m: String| errs.push(format!("{name}: {m}\n  finding: {f}"));
    if let Some(s) = expect.get("status") {
        if &f["verification"]["status"] != s {
            fail(format!("status {} != {s}", f["verification"]["status"]));
        }
    }
    if let Some(k) = expect.get("token_kind") {
        if &f["scope"]["token_kind"] != k {
            fail(format!("token_kind {} != {k}", f["scope"]["token_kind"]));
        }
    }
    let caps = f["scope"]["capabilities"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for c in expect
        .get("capabilities_include")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if !caps.contains(c) {
            fail(format!("missing capability {c}"));
        }
    }
    for c in expect
        .get("capabilities_exclude")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if caps.contains(c) {
            fail(format!("unexpected capability {c}"));
        }
    }
    let tiers: Vec<&Value> = f["scope"]["environments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["tier"])
        .collect();
    for t in expect
        .get("tiers_include")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if !tiers.contains(&t) {
            fail(format!("no environment of tier {t}"));
        }
    }
    if let Some(s) = expect.get("identity_contains").and_then(Value::as_str) {
        if !f["scope"]["identity"]
            .as_str()
            .unwrap_or_default()
            .contains(s)
        {
            fail(format!("identity does not contain {s:?}"));
        }
    }
    if let Some(s) = expect.get("expires_at") {
        if &f["scope"]["expires_at"] != s {
            fail(format!("expires_at {} != {s}", f["scope"]["expires_at"]));
        }
    }
    if let Some(min) = expect.get("score_at_least").and_then(Value::as_u64) {
        if f["score"].as_u64().unwrap_or(0) < min {
            fail(format!("score {} < {min}", f["score"]));
        }
    }
    if let Some(max) = expect.get("score_below").and_then(Value::as_u64) {
        if f["score"].as_u64().unwrap_or(0) >= max {
            fail(format!("score {} >= {max}", f["score"]));
        }
    }
    errs
}

/// Every route of `routes` answering with `reply` instead.
fn all_routes(routes: &Value, reply: Value) -> Value {
    Value::Array(
        routes
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let mut r = r.clone();
                let o = r.as_object_mut().unwrap();
                for k in ["responses", "status", "headers", "json", "text", "delay_ms"] {
                    o.remove(k);
                }
                o.insert("responses".into(), json!([reply.clone()]));
                r
            })
            .collect(),
    )
}

/// The live routes, each first answering 429 with a short Retry-After.
fn rate_limited_once(routes: &Value) -> Value {
    Value::Array(
        routes
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let mut r = r.clone();
                let o = r.as_object_mut().unwrap();
                let first: Vec<Value> = match o.remove("responses") {
                    Some(Value::Array(rs)) => rs,
                    _ => {
                        let mut single = serde_json::Map::new();
                        for k in ["status", "headers", "json", "text", "delay_ms"] {
                            if let Some(v) = o.remove(k) {
                                single.insert(k.into(), v);
                            }
                        }
                        vec![Value::Object(single)]
                    }
                };
                let mut rs = vec![json!({"status": 429, "headers": {"retry-after": "1"}, "json": {"message": "slow down"}})];
                rs.extend(first);
                o.insert("responses".into(), Value::Array(rs));
                r
            })
            .collect(),
    )
}

#[test]
fn every_provider_module_has_a_scenario_file() {
    let names: Vec<String> = scenarios()
        .iter()
        .map(|(_, v)| v["provider"].as_str().unwrap().to_string())
        .collect();
    // Modules that send no HTTP request (database connections, offline
    // decoders) are tested elsewhere (tests/databases.rs,
    // tests/offline_providers.rs).
    for p in blastradius::providers::PROVIDERS
        .iter()
        .filter(|p| !p.requests().is_empty())
    {
        assert!(
            names.iter().any(|n| n == p.id()),
            "no fixtures/http/providers scenario for {}",
            p.id()
        );
    }
}

/// A test job: returns the errors it found.
type Job<'a> = Box<dyn FnOnce() -> Vec<String> + Send + 'a>;

/// Runs `jobs` on a few threads (each job runs the binary and a replay
/// server; the machine may have only two cores) and gathers their errors.
fn run_jobs(jobs: Vec<Job<'_>>) -> Vec<String> {
    let queue = std::sync::Mutex::new(jobs);
    let errors = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let Some(job) = queue.lock().unwrap().pop() else {
                    break;
                };
                let errs = job();
                errors.lock().unwrap().extend(errs);
            });
        }
    });
    errors.into_inner().unwrap()
}

#[test]
fn declared_cases_end_as_expected() {
    let all = scenarios();
    let mut jobs: Vec<Job<'_>> = Vec::new();
    for (path, sc) in &all {
        assert!(
            sc["cases"].get("live").is_some() && sc["cases"].get("invalid").is_some(),
            "{} needs live and invalid cases",
            path.display()
        );
        for (name, case) in sc["cases"].as_object().unwrap() {
            jobs.push(Box::new(move || {
                let (f, _, log) = run_case(sc, &case["routes"], &[]);
                let mut errs =
                    check_expect(&format!("{} {name}", sc["provider"]), &f, &case["expect"]);
                for r in &log {
                    if !(r.method == "GET" || r.method == "HEAD" || r.method == "POST") {
                        errs.push(format!(
                            "{} {name}: {} is not read-only",
                            sc["provider"], r.method
                        ));
                    }
                }
                errs
            }));
        }
    }
    let errors = run_jobs(jobs);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// Turns a scenario's live routes into a faulty provider's.
type Fault = Box<dyn Fn(&Value) -> Value + Sync>;

#[test]
fn faults_end_as_unknown_or_live_never_a_crash() {
    let all = scenarios();
    let faults: Vec<(&str, Fault, &str)> = vec![
        ("429 then answered", Box::new(rate_limited_once), "live"),
        (
            "429 beyond the budget",
            Box::new(|r: &Value| {
                all_routes(
                    r,
                    json!({"status": 429, "headers": {"retry-after": "3600"}}),
                )
            }),
            "unknown",
        ),
        (
            "500",
            Box::new(|r: &Value| {
                all_routes(
                    r,
                    json!({"status": 500, "json": {"message": "Internal Server Error"}}),
                )
            }),
            "unknown",
        ),
        (
            "502 twice",
            Box::new(|r: &Value| all_routes(r, json!({"status": 502, "text": "Bad Gateway"}))),
            "unknown",
        ),
        (
            "malformed body",
            Box::new(|r: &Value| {
                all_routes(
                    r,
                    json!({"status": 200, "text": "{\"data\": [unterminated"}),
                )
            }),
            "unknown",
        ),
        (
            "HTML from a WAF",
            Box::new(|r: &Value| {
                all_routes(
                    r,
                    json!({"status": 403, "headers": {"content-type": "text/html"}, "text": "<html><title>Access denied</title></html>"}),
                )
            }),
            "unknown",
        ),
        (
            "slow",
            Box::new(|r: &Value| {
                all_routes(r, json!({"status": 200, "delay_ms": 6000, "json": {}}))
            }),
            "unknown",
        ),
    ];
    let faults = &faults;
    let mut jobs: Vec<Job<'_>> = Vec::new();
    for (_, sc) in &all {
        let live = &sc["cases"]["live"]["routes"];
        for (name, make, want) in faults {
            let routes = make(live);
            jobs.push(Box::new(move || {
                let (f, took, _) = run_case(sc, &routes, &["--timeout", "3"]);
                let mut errs = Vec::new();
                if f["verification"]["status"] != *want {
                    errs.push(format!(
                        "{} {name}: status {} (want {want}): {f}",
                        sc["provider"], f["verification"]["status"]
                    ));
                }
                // The chain budget is 3 s; allow for process start-up on a loaded machine.
                if took > Duration::from_secs(12) {
                    errs.push(format!("{} {name}: took {took:?}", sc["provider"]));
                }
                errs
            }));
        }
    }
    let errors = run_jobs(jobs);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}
