//! The CI gate, end to end through the built binary (`--offline`): every
//! `blastradius.toml` key, baselines (including a score that rises), inline
//! allows in several comment syntaxes, allow-entry expiry, SARIF validated
//! against the official 2.1.0 schema, the Markdown summary, `--diff` and
//! `--history`. Every run is checked for whole planted secrets in its output.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A Railway token in a Railway variable (no checksum; UUID in context).
const RAILWAY: &str = "3f2c1a9e-7b4d-4e8a-9c1f-5d6e7f8a9a1e";
/// A GitHub classic token with a valid checksum (from detectors/github.toml).
const GITHUB: &str = "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";
/// A Stripe test-mode key (from detectors/stripe.toml).
const STRIPE: &str = "sk_test_51Hx9QmK2eZvKYlo2Qw3Er4Ty5Ui6Op7As8Df9Gh0Jk";
/// A second Railway token, for a project-token variable.
const RAILWAY_2: &str = "8d1e5c0a-3b7f-4c2e-9a6d-1f0b7e3c5a92";
const SECRETS: [&str; 4] = [RAILWAY, GITHUB, STRIPE, RAILWAY_2];

fn railway_line() -> String {
    format!("RAILWAY_API_TOKEN={RAILWAY}\n")
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", self.stdout, self.stderr))
    }
}

/// Runs `blastradius ARGS` in `dir` with no network and a private HOME,
/// and checks that no planted secret appears whole in its output.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let home = dir.join(".test-home");
    std::fs::create_dir_all(&home).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_blastradius"))
        .args(args)
        .current_dir(dir)
        .env_remove("BLASTRADIUS_API_REDIRECT")
        .env("NO_COLOR", "1")
        .env("HOME", &home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run blastradius");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    for s in SECRETS {
        assert!(
            !run.stdout.contains(s) && !run.stderr.contains(s),
            "a whole secret reached the output of {args:?}"
        );
    }
    run
}

/// `scan --offline ARGS .` in `dir`.
fn scan(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["scan", "--offline"];
    all.extend_from_slice(args);
    all.push(".");
    run_in(dir, &all)
}

/// `scan --offline --format json ARGS .` in `dir`, as JSON, with the exit code.
fn scan_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let r = scan(dir, &all);
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    (r.code, r.json())
}

fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(p, text).unwrap();
}

fn config(dir: &Path, text: &str) {
    write(dir, "blastradius.toml", text);
}

fn findings(v: &Value) -> &Vec<Value> {
    v["findings"].as_array().unwrap()
}

fn finding<'a>(v: &'a Value, path: &str) -> &'a Value {
    findings(v)
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no finding in {path}: {v:#}"))
}

fn rules(f: &Value) -> Vec<String> {
    f["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap().to_string())
        .collect()
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir.join(".test-home"))
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {:?}", out);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn git_repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = workspace(files);
    std::fs::create_dir_all(dir.path().join(".test-home")).unwrap();
    write(dir.path(), ".gitignore", ".test-home/\n");
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "initial"]);
    dir
}

// ---------------------------------------------------------------- policy keys

#[test]
fn fail_on_key_sets_the_threshold_and_the_flag_wins() {
    let dir = workspace(&[("app.env", &format!("STRIPE_SECRET_KEY={STRIPE}\n"))]);
    let (code, v) = scan_json(dir.path(), &[]);
    let score = findings(&v)[0]["score"].as_u64().unwrap();
    assert!(score < 70, "{v:#}");
    assert_eq!(code, 0);
    config(dir.path(), &format!("fail_on = {score}\n"));
    let (code, v) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(v["summary"]["fail_on"], score);
    assert_eq!(v["summary"]["failed"], true);
    assert_eq!(findings(&v)[0]["fails"], true);
    let (code, v) = scan_json(dir.path(), &["--fail-on", "90"]);
    assert_eq!((code, &v["summary"]["fail_on"]), (0, &Value::from(90)));
}

#[test]
fn rule_overrides_disable_rules_and_change_points() {
    let dir = workspace(&[("scripts/domains.sh", &railway_line())]);
    let (code, v) = scan_json(dir.path(), &[]);
    let before = findings(&v)[0]["score"].as_u64().unwrap();
    assert_eq!(code, 1);
    config(dir.path(), "[rules.BR040]\nenabled = false\n");
    let (code, v) = scan_json(dir.path(), &[]);
    let f = &findings(&v)[0];
    assert_eq!(f["score"].as_u64().unwrap(), before - 34, "{f:#}");
    assert_eq!(code, 0, "{f:#}");
    let br040 = f["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "BR040")
        .unwrap();
    assert_eq!(br040["points"], 0);
    assert!(br040["message"]
        .as_str()
        .unwrap()
        .contains("disabled by policy"));
    config(dir.path(), "[rules.BR031]\npoints = 20\n");
    let (_, v) = scan_json(dir.path(), &[]);
    let f = &findings(&v)[0];
    assert_eq!(f["score"].as_u64().unwrap(), before + 8);
    assert_eq!(f["severity"], "critical");
    let total: i64 = f["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["points"].as_i64().unwrap())
        .sum();
    assert_eq!(
        total,
        f["score"].as_i64().unwrap(),
        "score is the sum of its reasons"
    );
}

#[test]
fn allow_entries_match_by_path_detector_provider_and_fingerprint() {
    let dir = workspace(&[("deploy/domains.sh", &railway_line())]);
    let (_, v) = scan_json(dir.path(), &[]);
    let fingerprint = findings(&v)[0]["fingerprint"].as_str().unwrap().to_string();
    for selector in [
        "path = \"deploy/**\"".to_string(),
        "path = \"*.sh\"".to_string(),
        "detector = \"railway.api-token\"".to_string(),
        "provider = \"railway\"".to_string(),
        format!("fingerprint = \"{fingerprint}\""),
    ] {
        config(
            dir.path(),
            &format!("[[allow]]\n{selector}\nreason = \"custom domains only, rotating in Q3\"\n"),
        );
        let (code, v) = scan_json(dir.path(), &[]);
        assert_eq!(code, 0, "{selector}: {v:#}");
        assert_eq!(
            v["summary"]["findings"], 1,
            "allowed findings are still listed"
        );
        assert_eq!(v["summary"]["allowed"], 1);
        let a = &findings(&v)[0]["allowed"];
        assert_eq!(a["by"], "policy", "{selector}");
        assert_eq!(a["reason"], "custom domains only, rotating in Q3");
        assert!(a["source"]
            .as_str()
            .unwrap()
            .contains("[[allow]] #1 (line 1)"));
    }
    // Every selector given must match.
    config(
        dir.path(),
        "[[allow]]\nprovider = \"railway\"\npath = \"other/**\"\nreason = \"r\"\n",
    );
    let (code, v) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(findings(&v)[0]["allowed"].is_null());
}

#[test]
fn expired_allow_entries_stop_applying_and_the_report_says_so() {
    let dir = workspace(&[("domains.sh", &railway_line())]);
    config(
        dir.path(),
        "[[allow]]\nprovider = \"railway\"\nreason = \"temporary\"\nexpires = 2000-01-31\n",
    );
    let (code, v) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1, "{v:#}");
    let f = &findings(&v)[0];
    assert!(f["allowed"].is_null());
    assert_eq!(f["expired_allows"][0]["expired"], "2000-01-31");
    assert_eq!(f["expired_allows"][0]["reason"], "temporary");
    assert_eq!(v["summary"]["expired_allows"], 1);
    let table = scan(dir.path(), &[]);
    assert!(
        table
            .stdout
            .contains("expired on 2000-01-31 and no longer applies"),
        "{}",
        table.stdout
    );
    let md = scan(dir.path(), &["--format", "markdown"]);
    assert!(md.stdout.contains("Expired allow"), "{}", md.stdout);
    // The same entry with a future date applies.
    config(
        dir.path(),
        "[[allow]]\nprovider = \"railway\"\nreason = \"temporary\"\nexpires = \"2999-12-31\"\n",
    );
    let (code, v) = scan_json(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(findings(&v)[0]["allowed"]["expires"], "2999-12-31");
}

#[test]
fn requirements_add_reasons_with_their_own_rule_ids() {
    let dir = workspace(&[
        ("infra/domains.sh", &railway_line()),
        ("ci/gh.env", &format!("GITHUB_TOKEN={GITHUB}\n")),
        ("test/stripe.env", &format!("STRIPE_SECRET_KEY={STRIPE}\n")),
    ]);
    config(
        dir.path(),
        r#"
[[require]]
provider = "railway"
max_breadth = "project"
reason = "Railway tokens in this repository must be project tokens"

[[require]]
forbid_agent_readable_production = true

[[require]]
provider = "github"
must_expire = true

[[require]]
forbid_capabilities = ["delete-backups"]
"#,
    );
    let (code, v) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let railway = rules(finding(&v, "infra/domains.sh"));
    for id in ["BR100", "BR101", "BR103"] {
        assert!(railway.contains(&id.to_string()), "{id}: {railway:?}");
    }
    assert!(!railway.contains(&"BR102".to_string()));
    let gh = rules(finding(&v, "ci/gh.env"));
    assert!(gh.contains(&"BR102".to_string()), "{gh:?}");
    assert!(gh.contains(&"BR101".to_string()), "{gh:?}");
    assert!(
        !gh.contains(&"BR103".to_string()),
        "no delete-backups: {gh:?}"
    );
    // A test-mode key reaches no production: no requirement applies.
    let stripe = rules(finding(&v, "test/stripe.env"));
    assert!(stripe.iter().all(|r| !r.starts_with("BR1")), "{stripe:?}");
    let msg = finding(&v, "infra/domains.sh")["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "BR100")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("must be project tokens"), "{msg}");
    // Each rule is documented.
    for id in ["BR100", "BR101", "BR102", "BR103"] {
        let r = run_in(dir.path(), &["explain", id]);
        assert_eq!(r.code, 0);
        assert!(r.stdout.contains("How to fix it"), "{}", r.stdout);
    }
}

#[test]
fn a_violated_requirement_fails_an_otherwise_passing_token() {
    let dir = workspace(&[("app.env", &format!("STRIPE_SECRET_KEY={STRIPE}\n"))]);
    assert_eq!(scan(dir.path(), &[]).code, 0);
    config(
        dir.path(),
        "[[require]]\ndetector = \"stripe.test-key\"\nmax_breadth = \"project\"\n",
    );
    let (code, v) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1, "{v:#}");
    assert!(rules(&findings(&v)[0]).contains(&"BR100".to_string()));
}

#[test]
fn agents_deny_lists_choose_which_deny_lists_count() {
    let dir = workspace(&[
        ("secrets/domains.sh", &railway_line()),
        (".cursorignore", "secrets/\n"),
    ]);
    let (_, v) = scan_json(dir.path(), &[]);
    let f = &findings(&v)[0];
    assert_eq!(f["exposure"]["agent_ignored_by"][0], ".cursorignore");
    assert!(rules(f).contains(&"BR002".to_string()));
    let hidden_score = f["score"].as_u64().unwrap();
    config(
        dir.path(),
        "[agents]\ndeny_lists = [\".claude/settings.json\"]\n\n[[require]]\nforbid_agent_readable_production = true\n",
    );
    let (_, v) = scan_json(dir.path(), &[]);
    let f = &findings(&v)[0];
    assert_eq!(f["exposure"]["agent_ignored_by"], Value::Array(vec![]));
    assert!(rules(f).contains(&"BR001".to_string()));
    assert!(rules(f).contains(&"BR101".to_string()));
    assert!(f["score"].as_u64().unwrap() > hidden_score);
    // With the default (every deny-list counts) the requirement holds.
    config(
        dir.path(),
        "[[require]]\nforbid_agent_readable_production = true\n",
    );
    let (_, v) = scan_json(dir.path(), &[]);
    assert!(!rules(&findings(&v)[0]).contains(&"BR101".to_string()));
}

#[test]
fn invalid_policies_exit_2_naming_file_line_and_key() {
    let dir = workspace(&[("a.sh", &railway_line())]);
    for (text, needles) in [
        (
            "fail_on = 80\nfial_on = 3\n",
            &["line 2", "fial_on", "did you mean `fail_on`?"][..],
        ),
        ("[[allow]]\npath = \"a.sh\"\n", &["line 1", "reason"][..]),
        (
            "[[allow]]\npath = \"a.sh\"\nreason = \"x\"\nexpires = \"someday\"\n",
            &["line 4", "not a date"][..],
        ),
        (
            "[rules.BR404]\nenabled = false\n",
            &["line 1", "unknown rule `BR404`"][..],
        ),
        (
            "[[require]]\nprovider = \"railwy\"\nmust_expire = true\n",
            &["line 2", "did you mean `railway`?"][..],
        ),
        (
            "[agents]\ndeny_list = []\n",
            &["line 2", "did you mean `deny_lists`?"][..],
        ),
    ] {
        config(dir.path(), text);
        let r = scan(dir.path(), &[]);
        assert_eq!(r.code, 2, "{text:?}: {}", r.stderr);
        assert!(r.stderr.contains("blastradius.toml"), "{}", r.stderr);
        for n in needles {
            assert!(r.stderr.contains(n), "{text:?}: {n:?} not in {}", r.stderr);
        }
        assert_eq!(
            r.stderr.trim_end().lines().count(),
            1,
            "one line: {}",
            r.stderr
        );
    }
}

#[test]
fn config_flag_and_baseline_key_are_honoured() {
    let dir = workspace(&[("a.sh", &railway_line())]);
    write(
        dir.path(),
        "policy/gate.toml",
        "baseline = \"accepted.json\"\n",
    );
    // Before the first --write-baseline the configured file does not exist:
    // nothing is accepted yet, and that is not an error.
    let r = scan(
        dir.path(),
        &[
            "--config",
            "policy/gate.toml",
            "--write-baseline",
            "policy/accepted.json",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let (code, v) = scan_json(dir.path(), &["--config", "policy/gate.toml"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(findings(&v)[0]["baselined"], true);
}

// ------------------------------------------------------------------- baselines

#[test]
fn baseline_round_trip_and_a_score_that_rises_fails_again() {
    let dir = workspace(&[
        ("secrets/domains.sh", &railway_line()),
        (".cursorignore", "secrets/\n"),
    ]);
    let r = scan(dir.path(), &["--write-baseline", "baseline.json"]);
    assert_eq!(r.code, 1, "writing a baseline does not change the verdict");
    let text = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    for s in SECRETS {
        assert!(!text.contains(s), "the baseline holds no secret");
    }
    let b: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(b["version"], 1);
    let recorded = b["findings"][0]["score"].as_u64().unwrap();

    let (code, v) = scan_json(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 0, "{v:#}");
    let f = &findings(&v)[0];
    assert_eq!(f["baselined"], true);
    assert_eq!(f["baseline_score"], recorded);
    assert_eq!(v["summary"]["baselined"], 1);
    assert_eq!(
        v["summary"]["findings"], 1,
        "baselined findings are still listed"
    );
    let table = scan(dir.path(), &["--baseline", "baseline.json"]);
    assert!(table.stdout.contains("baselined"), "{}", table.stdout);

    // A new token is not in the baseline.
    write(dir.path(), "ci.env", &format!("GITHUB_TOKEN={GITHUB}\n"));
    let (code, v) = scan_json(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(code, 1);
    assert_eq!(finding(&v, "ci.env")["baselined"], false);
    std::fs::remove_file(dir.path().join("ci.env")).unwrap();

    // The deny-list goes away: the same token is now more exposed.
    std::fs::remove_file(dir.path().join(".cursorignore")).unwrap();
    let (code, v) = scan_json(dir.path(), &["--baseline", "baseline.json"]);
    let f = &findings(&v)[0];
    assert!(f["score"].as_u64().unwrap() > recorded, "{f:#}");
    assert_eq!(f["baselined"], false);
    assert_eq!(f["baseline_score"], recorded);
    assert_eq!(code, 1, "a baselined finding whose score rose fails again");
    let table = scan(dir.path(), &["--baseline", "baseline.json"]);
    assert!(table.stdout.contains("it fails again"), "{}", table.stdout);
}

#[test]
fn a_missing_or_broken_baseline_is_an_error() {
    let dir = workspace(&[("a.sh", &railway_line())]);
    let r = scan(dir.path(), &["--baseline", "nope.json"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("nope.json"), "{}", r.stderr);
    write(dir.path(), "bad.json", "{\"version\": 1}");
    assert_eq!(scan(dir.path(), &["--baseline", "bad.json"]).code, 2);
}

// --------------------------------------------------------------- inline allows

#[test]
fn inline_allows_in_several_comment_syntaxes() {
    let dir = workspace(&[
        (
            "hash.sh",
            &format!("RAILWAY_API_TOKEN={RAILWAY} # blastradius:allow rotated, docs only\n"),
        ),
        (
            "slashes.js",
            &format!("const RAILWAY_API_TOKEN = \"{RAILWAY}\"; // gitleaks:allow\n"),
        ),
        (
            "dashes.sql",
            &format!(
                "-- blastradius:allow seed data for local dev\nRAILWAY_API_TOKEN='{RAILWAY}'\n"
            ),
        ),
        (
            "docs.md",
            &format!("<!-- trufflehog:ignore -->\n    RAILWAY_API_TOKEN={RAILWAY}\n"),
        ),
        ("plain.env", &railway_line()),
    ]);
    let (code, v) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1, "plain.env is not allowed");
    assert_eq!(v["summary"]["findings"], 5);
    assert_eq!(v["summary"]["allowed"], 4);
    assert_eq!(v["summary"]["failing"], 1);
    let allowed = |p: &str| finding(&v, p)["allowed"].clone();
    assert_eq!(allowed("hash.sh")["by"], "inline");
    assert_eq!(allowed("hash.sh")["source"], "blastradius:allow");
    assert_eq!(allowed("hash.sh")["reason"], "rotated, docs only");
    assert_eq!(allowed("slashes.js")["source"], "gitleaks:allow");
    assert!(allowed("slashes.js")["reason"].is_null());
    assert_eq!(allowed("dashes.sql")["reason"], "seed data for local dev");
    assert_eq!(allowed("docs.md")["source"], "trufflehog:ignore");
    assert!(allowed("plain.env").is_null());
    assert_eq!(finding(&v, "hash.sh")["fails"], false);
    std::fs::remove_file(dir.path().join("plain.env")).unwrap();
    let (code, _) = scan_json(dir.path(), &[]);
    assert_eq!(code, 0, "allowed findings do not fail the run");
}

// ----------------------------------------------------------------------- SARIF

fn sarif_validator() -> jsonschema::Validator {
    let schema_path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(doc: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
}

#[test]
fn sarif_validates_against_the_schema_and_github_rules() {
    let dir = workspace(&[
        ("scripts/domains.sh", &railway_line()),
        ("dir with space/gh.env", &format!("GITHUB_TOKEN={GITHUB}\n")),
        (
            "fixtures/stripe.env",
            &format!("STRIPE_SECRET_KEY={STRIPE} # gitleaks:allow test fixture\n"),
        ),
    ]);
    scan(dir.path(), &["--write-baseline", "b.json"]);
    write(
        dir.path(),
        "new.sh",
        &format!("export RAILWAY_TOKEN=\"{RAILWAY_2}\"\n"),
    );
    let r = scan(
        dir.path(),
        &[
            "--format",
            "sarif",
            "--baseline",
            "b.json",
            "--output",
            "out.sarif",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let text = std::fs::read_to_string(dir.path().join("out.sarif")).unwrap();
    for s in SECRETS {
        assert!(!text.contains(s), "a whole secret reached the SARIF file");
    }
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_valid_sarif(&doc);

    // What GitHub code scanning needs from an upload.
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for id in ["BR001", "BR040", "BR050", "BR100", "BR103"] {
        assert!(ids.contains(&id), "{id}");
    }
    for rule in rules {
        let sev: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&sev));
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
        assert!(rule["shortDescription"]["text"].as_str().unwrap().len() <= 1024);
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    for res in results {
        let id = res["ruleId"].as_str().unwrap();
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], id);
        assert!(["error", "warning", "note", "none"].contains(&res["level"].as_str().unwrap()));
        assert!(!res["message"]["text"].as_str().unwrap().is_empty());
        let loc = &res["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"].as_str().is_some());
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
        assert_eq!(
            res["partialFingerprints"]["blastradiusSecret/v1"]
                .as_str()
                .unwrap()
                .len(),
            32
        );
    }
    let by_uri = |uri: &str| {
        results
            .iter()
            .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri)
            .unwrap_or_else(|| panic!("{uri}"))
    };
    let railway = by_uri("scripts/domains.sh");
    assert_eq!(railway["ruleId"], "BR040");
    assert_eq!(railway["baselineState"], "unchanged");
    assert_eq!(railway["level"], "note");
    assert_eq!(by_uri("new.sh")["level"], "error");
    assert_eq!(
        by_uri("dir%20with%20space/gh.env")["baselineState"],
        "unchanged"
    );
    let stripe = by_uri("fixtures/stripe.env");
    assert_eq!(stripe["suppressions"][0]["kind"], "inSource");
    assert!(stripe["suppressions"][0]["justification"]
        .as_str()
        .unwrap()
        .contains("test fixture"));
    let rule = &rules[by_uri("new.sh")["ruleIndex"].as_u64().unwrap() as usize];
    let sev: f64 = rule["properties"]["security-severity"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(sev >= 7.0, "GitHub shows it as high or critical: {sev}");
}

#[test]
fn sarif_of_a_clean_run_is_valid() {
    let dir = workspace(&[("README.md", "nothing here\n")]);
    let r = scan(dir.path(), &["--format", "sarif"]);
    assert_eq!(r.code, 0);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_valid_sarif(&doc);
    assert_eq!(doc["runs"][0]["results"], Value::Array(vec![]));
}

// -------------------------------------------------------------------- Markdown

#[test]
fn markdown_summary_lists_failing_findings_with_reach_capabilities_and_fix() {
    let dir = workspace(&[
        ("scripts/domains.sh", &railway_line()),
        (
            "fixtures/stripe.env",
            &format!("STRIPE_SECRET_KEY={STRIPE} # blastradius:allow test fixture\n"),
        ),
    ]);
    let r = scan(dir.path(), &["--format", "markdown"]);
    assert_eq!(r.code, 1);
    let md = &r.stdout;
    assert!(md.contains("## blastradius: ❌ 1 finding fails"), "{md}");
    assert!(md.contains("| critical | high | medium | low |"), "{md}");
    assert!(md.contains("### Failing findings"), "{md}");
    assert!(md.contains("`scripts/domains.sh:1`"), "{md}");
    assert!(
        md.contains("**Reaches:** unknown environments: may reach production"),
        "{md}"
    );
    assert!(md.contains("**Can:** delete-data, delete-backups"), "{md}");
    assert!(md.contains("**Fix:** "), "{md}");
    assert!(
        md.contains("allowed by blastradius:allow: test fixture"),
        "{md}"
    );
    assert!(md.contains("3f2c…9a1e"), "{md}");
}

// ------------------------------------------------------------------------ diff

#[test]
fn diff_scans_only_files_changed_since_base() {
    let dir = git_repo(&[("old.env", &railway_line()), ("app.sh", "echo hello\n")]);
    write(
        dir.path(),
        "app.sh",
        &format!("echo hello\nexport GITHUB_TOKEN={GITHUB}\n"),
    );
    write(
        dir.path(),
        "new/stripe.env",
        &format!("STRIPE_SECRET_KEY={STRIPE}\n"),
    );
    let (_, full) = scan_json(dir.path(), &[]);
    assert_eq!(full["summary"]["findings"], 3);
    let (code, v) = scan_json(dir.path(), &["--diff", "HEAD"]);
    let paths: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert!(paths.contains(&"app.sh") && paths.contains(&"new/stripe.env"));
    assert_eq!(code, 1);
    assert_eq!(finding(&v, "app.sh")["exposure"]["git"], "tracked");
    assert_eq!(
        finding(&v, "new/stripe.env")["exposure"]["git"],
        "untracked"
    );
    assert_eq!(v["summary"]["files_scanned"], 2);
    // Nothing changed since the working tree's own state.
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "more"]);
    let (code, v) = scan_json(dir.path(), &["--diff", "HEAD"]);
    assert_eq!((code, &v["summary"]["findings"]), (0, &Value::from(0)));
    let (_, v) = scan_json(dir.path(), &["--diff", "HEAD~1"]);
    assert_eq!(v["summary"]["findings"], 2);
    // A base git does not know, or one that looks like an option, is an error.
    let r = scan(dir.path(), &["--diff", "no-such-branch"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no-such-branch"), "{}", r.stderr);
    let r = scan(dir.path(), &["--diff=--output=x"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

// --------------------------------------------------------------------- history

#[test]
fn history_finds_a_token_committed_then_deleted() {
    let dir = git_repo(&[("README.md", "# app\n")]);
    write(dir.path(), "deploy/domains.sh", &railway_line());
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "add domain script"]);
    let introduced = git(dir.path(), &["rev-parse", "HEAD"]);
    write(
        dir.path(),
        "deploy/domains.sh",
        &format!("# v2\n{}", railway_line()),
    );
    git(dir.path(), &["commit", "-q", "-am", "edit"]);
    std::fs::remove_file(dir.path().join("deploy/domains.sh")).unwrap();
    git(dir.path(), &["commit", "-q", "-am", "remove the token"]);

    let (code, v) = scan_json(dir.path(), &[]);
    assert_eq!(
        (code, &v["summary"]["findings"]),
        (0, &Value::from(0)),
        "{v:#}"
    );

    let (code, v) = scan_json(dir.path(), &["--history"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(
        v["summary"]["findings"], 1,
        "each secret once per path: {v:#}"
    );
    let f = finding(&v, "deploy/domains.sh");
    assert_eq!(f["exposure"]["location"], "history");
    assert_eq!(f["commit"], introduced.as_str());
    assert_eq!(f["line"], 1);
    let table = scan(dir.path(), &["--history"]);
    assert!(table.stdout.contains(&introduced), "{}", table.stdout);
    let sarif = scan(dir.path(), &["--history", "--format", "sarif"]);
    assert_valid_sarif(&serde_json::from_str(&sarif.stdout).unwrap());
}

#[test]
fn history_does_not_repeat_tokens_still_in_the_workspace() {
    let dir = git_repo(&[("deploy/domains.sh", &railway_line())]);
    let (_, v) = scan_json(dir.path(), &["--history"]);
    assert_eq!(v["summary"]["findings"], 1, "{v:#}");
    assert_eq!(findings(&v)[0]["exposure"]["location"], "workspace");
}

#[test]
fn history_outside_a_repository_is_an_error() {
    let dir = workspace(&[("a.txt", "x\n")]);
    let r = scan(dir.path(), &["--history"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--history"), "{}", r.stderr);
}
