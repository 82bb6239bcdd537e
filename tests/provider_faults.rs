//! Failing providers the replay matrix cannot express, served by a raw TCP
//! server (`tests/support/fault.rs`): a connection closed mid-body, a 100 MB
//! body, a GraphQL answer with both `data` and `errors`, WAF pages, 429
//! forever, a server that never answers, redirects to another host, and TLS
//! handshakes that fail. Each must end as `unknown` with the cause in the
//! detail — never `live` — within the `--timeout` budget, with the exit
//! status of the score (an unknown token is scored as the worst plausible
//! kind, so it still fails the gate), never 2.

mod support;

use serde_json::Value;
use std::time::Duration;
use support::fault::{run_bounded, Fault, FaultServer, Run};
use support::*;

/// A GitHub classic token with a valid checksum (made up; as in tests/safety.rs).
const GH: &str = "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";
/// A Railway API token (a UUID; made up, as in fixtures/http/providers/railway.json).
const RAILWAY: &str = "7c3e9a1f-5b8d-4e2a-9f6c-0d4b8e2a7c15";
/// An AWS key pair (made up, as in fixtures/http/providers/aws.json).
const AWS_ID: &str = "AKIAQNZGKIQY56JQ7WMA";
const AWS_SECRET: &str = "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";

/// The `--timeout` every case runs with.
const BUDGET_SECS: u64 = 3;
/// Wall-time bound of one run: the budget plus process start-up and
/// scanning on a loaded two-core machine.
fn bound() -> Duration {
    Duration::from_secs(BUDGET_SECS + 7)
}

/// Scans `dir` with `env` set, JSON out, `--timeout BUDGET_SECS`.
fn scan_with(dir: &std::path::Path, env: &[(&str, &str)]) -> Run {
    let mut cmd = blastradius();
    cmd.args(["scan", "--format", "json", "--timeout"])
        .arg(BUDGET_SECS.to_string())
        .arg(dir);
    cmd.env_remove("AWS_ENDPOINT_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    // Any hang is caught well before the test harness would notice.
    run_bounded(&cmd, Duration::from_secs(60))
}

/// Checks one faulty run: the provider's finding is `unknown` with every
/// `causes` string in its detail, the run ended within the bound, and the
/// exit status follows the gate (1: the unknown token scores at or above 70).
fn expect_unknown(name: &str, run: &Run, provider: &str, causes: &[&str]) -> Value {
    let report = run.json();
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["provider"] == provider)
        .unwrap_or_else(|| panic!("{name}: no {provider} finding: {report:#}"))
        .clone();
    assert_eq!(f["verification"]["status"], "unknown", "{name}: {f:#}");
    let detail = f["verification"]["detail"].as_str().unwrap();
    for c in causes {
        assert!(
            detail.to_lowercase().contains(&c.to_lowercase()),
            "{name}: detail {detail:?} does not name the cause {c:?}"
        );
    }
    assert!(
        run.elapsed < bound(),
        "{name}: took {:?} with --timeout {BUDGET_SECS}",
        run.elapsed
    );
    assert!(
        f["score"].as_u64().unwrap() >= 70,
        "{name}: unknown is scored as the worst plausible kind: {f:#}"
    );
    assert_eq!(report["summary"]["failed"], true, "{name}");
    assert_eq!(run.code, Some(1), "{name}: {}", run.text());
    eprintln!("{name}: unknown after {:?} ({detail})", run.elapsed);
    f
}

fn github_case(name: &str, fault: Fault, causes: &[&str]) -> (Value, FaultServer) {
    let server = FaultServer::start(move |_| fault.clone());
    let dir = workspace_with(".env", &format!("GITHUB_TOKEN={GH}\n"));
    let run = scan_with(dir.path(), &[("BLASTRADIUS_API_REDIRECT", &server.url)]);
    assert!(!run.text().contains(GH), "{name}: the token leaked");
    let f = expect_unknown(name, &run, "github", causes);
    (f, server)
}

#[test]
fn a_connection_closed_mid_body_is_unknown() {
    let (_, server) = github_case(
        "truncated body",
        Fault::Truncated {
            declared: 4096,
            body: br#"{"login": "octo", "id": 1, "ty"#.to_vec(),
        },
        &["github", "reading the response"],
    );
    assert_eq!(server.seen().len(), 1, "no retry of a broken body");
}

#[test]
fn a_100_mb_body_is_cut_at_the_limit_fast_and_in_little_memory() {
    let size = 100 << 20;
    let server = FaultServer::start(move |_| Fault::Huge { size });
    let dir = workspace_with(".env", &format!("GITHUB_TOKEN={GH}\n"));
    let run = scan_with(dir.path(), &[("BLASTRADIUS_API_REDIRECT", &server.url)]);
    expect_unknown(
        "100 MB body",
        &run,
        "github",
        &["response larger than 4194304 bytes"],
    );
    // The client hung up after its 4 MiB limit: the server could not write
    // anywhere near 100 MB (socket buffers hold a few MB at most).
    std::thread::sleep(Duration::from_millis(200));
    let written = server.written();
    assert!(written < 32 << 20, "the client read {written} bytes");
    assert!(
        run.elapsed < Duration::from_secs(BUDGET_SECS),
        "{:?}",
        run.elapsed
    );
    if let Some(kib) = run.peak_rss_kib {
        eprintln!(
            "100 MB body: peak RSS {} MiB, server wrote {written} bytes",
            kib / 1024
        );
        assert!(kib < 96 * 1024, "peak RSS {kib} KiB");
    } else {
        eprintln!("note: /usr/bin/time missing, peak RSS not measured");
    }
}

#[test]
fn waf_pages_are_unknown() {
    let page = "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head>\
                <body>Sorry, you have been blocked</body></html>";
    github_case(
        "200 with an HTML WAF page",
        Fault::html(200, page),
        &["github", "HTML"],
    );
    github_case(
        "403 with an HTML WAF page",
        Fault::html(403, page),
        &["github", "403", "HTML"],
    );
}

#[test]
fn rate_limited_forever_ends_within_the_budget() {
    for retry_after in [Some("1"), None, Some("0")] {
        let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
        if let Some(r) = retry_after {
            headers.push(("retry-after".into(), r.into()));
        }
        let fault = Fault::Respond {
            status: 429,
            headers,
            body: br#"{"message": "API rate limit exceeded"}"#.to_vec(),
        };
        let (f, server) = github_case(
            &format!("429 forever, Retry-After {retry_after:?}"),
            fault,
            &["github", "429"],
        );
        if retry_after == Some("0") {
            // The retries ran out, not the budget: the detail must not say otherwise.
            let detail = f["verification"]["detail"].as_str().unwrap();
            assert!(!detail.contains("exceeds the time budget"), "{detail}");
        }
        let n = server.seen().len();
        assert!((1..=4).contains(&n), "{n} requests: retries are bounded");
    }
}

#[test]
fn a_server_that_never_answers_ends_within_the_timeout() {
    let (_, server) = github_case("never answers", Fault::Silent, &["github", "timed out"]);
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn redirects_to_another_host_are_not_followed() {
    let evil = FaultServer::start(|_| Fault::json(200, r#"{"login": "stolen", "type": "User"}"#));
    for status in [301, 302, 307, 308] {
        let location = format!("{}/evil.example.com/collect", evil.url);
        let fault = Fault::Respond {
            status,
            headers: vec![("location".into(), location)],
            body: Vec::new(),
        };
        let (_, server) = github_case(
            &format!("redirect {status}"),
            fault,
            &["github", &status.to_string()],
        );
        assert_eq!(server.seen().len(), 1, "{status}");
    }
    assert!(
        evil.seen().is_empty(),
        "a redirect was followed: {:?}",
        evil.seen()
    );
}

#[test]
fn graphql_data_with_errors_is_never_live() {
    // Railway answers the classifying query with the field *and* errors
    // about it (a partial result): whether the token is an account token,
    // and what it reaches, is not established.
    let bodies = [
        r#"{"data": {"me": {"id": "u1", "email": "ops@acme.test", "name": "Ops", "workspaces": null}},
            "errors": [{"message": "Problem processing request", "path": ["me", "workspaces"]}]}"#,
        r#"{"data": {"me": {"id": "u1", "email": "ops@acme.test", "name": "Ops", "workspaces": [{"id": "w1", "name": "acme"}]}},
            "errors": [{"message": "Internal server error"}]}"#,
        r#"{"data": {"me": {"id": "u1", "email": null, "name": null, "workspaces": []}},
            "errors": [{"message": "Not Authorized", "path": ["me", "email"]}]}"#,
    ];
    for body in bodies {
        let server = FaultServer::start(move |_| Fault::json(200, body));
        let dir = workspace_with("scripts/ops.sh", &format!("RAILWAY_API_TOKEN={RAILWAY}\n"));
        let run = scan_with(dir.path(), &[("BLASTRADIUS_API_REDIRECT", &server.url)]);
        assert!(!run.text().contains(RAILWAY), "the token leaked");
        expect_unknown(
            "GraphQL data with errors",
            &run,
            "railway",
            &["railway.me", "errors"],
        );
    }
}

#[test]
fn linear_data_with_errors_is_never_live_nor_invalid() {
    // The viewer came back, but with an authentication error about it: a
    // contradiction, so neither `live` nor `invalid`.
    let key = "lin_api_p4AusYjmn95HYeMpeNm0zDFZigUgyZYtLB4QsKUE";
    let body = r#"{"data": {"viewer": {"id": "u1", "name": "Ops", "email": "ops@acme.test", "admin": null},
                    "organization": null, "teams": {"nodes": []}},
        "errors": [{"message": "Authentication required, not authenticated", "path": ["organization"],
                    "extensions": {"type": "authentication error", "code": "AUTHENTICATION_ERROR"}}]}"#;
    let server = FaultServer::start(move |_| Fault::json(200, body));
    let dir = workspace_with(".env", &format!("LINEAR_API_KEY={key}\n"));
    let run = scan_with(dir.path(), &[("BLASTRADIUS_API_REDIRECT", &server.url)]);
    assert!(!run.text().contains(key), "the key leaked");
    expect_unknown(
        "Linear data with errors",
        &run,
        "linear",
        &["linear", "errors"],
    );
}

#[test]
fn tls_handshake_failures_are_unknown_with_the_cause() {
    let plaintext =
        b"HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: 5\r\n\r\n<ok/>".to_vec();
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7 + 3) as u8).collect();
    for (name, bytes) in [("plaintext HTTP", plaintext), ("garbage", garbage)] {
        let server = FaultServer::start(move |_| Fault::Raw(bytes.clone()));
        let dir = workspace_with(
            ".env",
            &format!("AWS_ACCESS_KEY_ID={AWS_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n"),
        );
        let endpoint = format!("https://127.0.0.1:{}", server.port);
        let run = scan_with(dir.path(), &[("AWS_ENDPOINT_URL", &endpoint)]);
        let text = run.text();
        assert!(!text.contains(AWS_SECRET), "{name}: a key leaked");
        let f = expect_unknown(&format!("TLS to {name}"), &run, "aws", &["connect"]);
        let detail = f["verification"]["detail"].as_str().unwrap().to_lowercase();
        assert!(
            [
                "tls",
                "ssl",
                "handshake",
                "certificate",
                "corrupt",
                "invalid"
            ]
            .iter()
            .any(|w| detail.contains(w)),
            "{name}: the TLS failure is not named: {detail}"
        );
        let seen = server.seen();
        assert!(!seen.is_empty(), "{name}: the client never connected");
        assert!(
            seen.iter().all(|s| !s.raw.contains(AWS_SECRET)),
            "{name}: the secret went out in clear"
        );
    }
}
