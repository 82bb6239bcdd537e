//! Safety rules: redirect refusal, no cross-host redirects, bounded retries
//! and timeouts, hostile files that neither hang nor fail the scan, and no
//! whole secret in any output or error.

mod support;

use serde_json::json;
use std::process::Command;
use std::time::{Duration, Instant};
use support::*;

/// A GitHub classic token with a valid checksum (made up).
const GH: &str = "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";

#[test]
fn non_loopback_redirects_are_refused_with_exit_2() {
    let dir = workspace_with("a.txt", "nothing here");
    for bad in [
        "http://10.1.2.3:80",
        "https://127.0.0.1:9",
        "http://example.com",
        "http://127.0.0.1.nip.io:80",
        "ftp://127.0.0.1",
    ] {
        let out = scan(&[dir.path().to_str().unwrap()], Some(bad));
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", all_output(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("BLASTRADIUS_API_REDIRECT refused"), "{err}");
        assert_eq!(err.lines().count(), 1, "one-line cause: {err}");
    }
}

#[test]
fn a_redirect_to_another_host_is_not_followed() {
    let server = replay::ReplayServer::start(json!({"routes": [
        {"method": "GET", "path": "/api.github.com/user", "status": 302,
         "headers": {"location": "http://127.0.0.1:9/evil.example.com/collect"}}
    ]}));
    let dir = workspace_with(".env", &format!("GITHUB_TOKEN={GH}\n"));
    let out = scan(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        Some(&server.url),
    );
    let report = json(&out);
    let f = finding(&report, ".env");
    assert_eq!(f["verification"]["status"], "unknown", "{f:#}");
    assert!(f["verification"]["detail"]
        .as_str()
        .unwrap()
        .contains("302"));
    let log = server.requests();
    assert_eq!(log.len(), 1, "only the one request: {log:?}");
}

#[test]
fn rate_limits_are_honoured_within_the_budget() {
    let server = replay::ReplayServer::start(json!({"routes": [
        {"method": "GET", "path": "/api.github.com/user", "responses": [
            {"status": 429, "headers": {"retry-after": "1"}, "json": {"message": "rate limited"}},
            {"status": 200, "headers": {"x-oauth-scopes": "read:user"}, "json": {"login": "octo", "type": "User"}}
        ]}
    ]}));
    let dir = workspace_with(".env", &format!("GITHUB_TOKEN={GH}\n"));
    let report = json(&scan(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        Some(&server.url),
    ));
    assert_eq!(finding(&report, ".env")["verification"]["status"], "live");

    // A Retry-After beyond the budget ends as unknown, promptly.
    let server = replay::ReplayServer::start(json!({"routes": [
        {"method": "GET", "path": "/api.github.com/user", "status": 429, "headers": {"retry-after": "3600"}}
    ]}));
    let start = Instant::now();
    let report = json(&scan(
        &[
            dir.path().to_str().unwrap(),
            "--format",
            "json",
            "--timeout",
            "5",
        ],
        Some(&server.url),
    ));
    assert!(start.elapsed() < Duration::from_secs(5));
    let f = finding(&report, ".env");
    assert_eq!(f["verification"]["status"], "unknown");
    assert!(f["verification"]["detail"]
        .as_str()
        .unwrap()
        .contains("429"));
}

#[test]
fn outages_and_garbage_end_as_unknown_never_live() {
    let dir = workspace_with(".env", &format!("GITHUB_TOKEN={GH}\n"));
    let cases = [
        json!({"status": 500, "json": {"message": "Server Error"}}),
        json!({"status": 503, "text": "upstream unavailable"}),
        json!({"status": 200, "headers": {"content-type": "text/html"}, "text": "<html>Attention Required! | Cloudflare</html>"}),
        json!({"status": 403, "headers": {"content-type": "text/html"}, "text": "<html>Request blocked</html>"}),
        json!({"status": 200, "json": {"unexpected": true}}),
        json!({"status": 200, "text": "{not json"}),
    ];
    for reply in cases {
        let mut route = reply.clone();
        route["method"] = json!("GET");
        route["path"] = json!("/api.github.com/user");
        let server = replay::ReplayServer::start(json!({"routes": [route]}));
        let report = json(&scan(
            &[dir.path().to_str().unwrap(), "--format", "json"],
            Some(&server.url),
        ));
        let f = finding(&report, ".env");
        assert_eq!(f["verification"]["status"], "unknown", "{reply}: {f:#}");
        // Unknown is scored on the worst plausible kind, so it still fails.
        assert!(f["score"].as_u64().unwrap() >= 70, "{reply}");
    }
}

#[test]
fn a_provider_that_never_answers_makes_the_finding_unknown_in_bounded_time() {
    let server = replay::ReplayServer::start(json!({"routes": [
        {"method": "GET", "path": "/api.github.com/user", "delay_ms": 30000, "status": 200}
    ]}));
    let dir = workspace_with(".env", &format!("GITHUB_TOKEN={GH}\n"));
    let start = Instant::now();
    let out = scan(
        &[
            dir.path().to_str().unwrap(),
            "--format",
            "json",
            "--timeout",
            "2",
        ],
        Some(&server.url),
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let report = json(&out);
    let f = finding(&report, ".env");
    assert_eq!(f["verification"]["status"], "unknown");
    assert!(
        f["verification"]["detail"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{f:#}"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "warnings do not change the exit status; the unknown token still scores high"
    );
}

#[test]
fn fifos_symlink_loops_and_unreadable_files_neither_hang_nor_fail_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join(".env"), format!("GITHUB_TOKEN={GH}\n")).unwrap();
    assert!(Command::new("mkfifo")
        .arg(d.join("pipe"))
        .status()
        .unwrap()
        .success());
    std::os::unix::fs::symlink(d.join("loop-b"), d.join("loop-a")).unwrap();
    std::os::unix::fs::symlink(d.join("loop-a"), d.join("loop-b")).unwrap();
    std::fs::write(
        d.join("locked.env"),
        "STRIPE_KEY=sk_live_51Hx9QmK2eZvKYlo2C8nT4rWb7yPq3LsD6fGh1JkM0nBvCxZ\n",
    )
    .unwrap();
    std::fs::set_permissions(
        d.join("locked.env"),
        std::os::unix::fs::PermissionsExt::from_mode(0o000),
    )
    .unwrap();
    std::fs::write(
        d.join("binary.bin"),
        b"\x00\x01\x02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",
    )
    .unwrap();

    // Root reads any file: run without the capabilities that let it.
    let mut cmd = unprivileged();
    cmd.args(["scan", "--offline", "--format", "json", "--follow-symlinks"])
        .arg(d);
    let out = fault::run_bounded(&cmd, Duration::from_secs(20));
    assert_eq!(out.code, Some(1), "{}", out.text());
    let report = out.json();
    let s = &report["summary"]["skipped"];
    assert_eq!(s["special"], 1, "{report:#}");
    assert!(s["symlink_loop"].as_u64().unwrap() >= 1, "{report:#}");
    assert_eq!(s["unreadable"], 1, "{report:#}");
    assert_eq!(s["binary"], 1, "{report:#}");
    let named = report["summary"]["skipped_files"].to_string();
    assert!(
        named.contains("locked.env") && named.contains("pipe"),
        "{named}"
    );
    assert_eq!(finding(&report, ".env")["detector"], "github.classic-pat");

    // Without --follow-symlinks the loop is still detected and counted.
    let mut cmd = blastradius();
    cmd.args(["scan", "--offline", "--format", "json"]).arg(d);
    let report = fault::run_bounded(&cmd, Duration::from_secs(20)).json();
    assert!(
        report["summary"]["skipped"]["symlink_loop"]
            .as_u64()
            .unwrap()
            >= 1,
        "{report:#}"
    );
}

#[test]
fn placeholders_examples_bad_checksums_and_ids_are_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join(".env.example"),
        "RAILWAY_TOKEN=<your-railway-token>\nRAILWAY_API_TOKEN=00000000-0000-0000-0000-000000000000\n\
         GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nSTRIPE_SECRET_KEY=sk_live_...\n",
    )
    .unwrap();
    std::fs::write(d.join("railway.json"), r#"{"projectId": "3f2c1a9e-7b4d-4e8a-9c1f-5d6e7f8a9a1e", "serviceId": "6e0d8b3a-4c7f-4e1b-a9d2-7f5c3b1e8a06"}"#).unwrap();
    std::fs::write(
        d.join("config.env"),
        "RAILWAY_PROJECT_ID=3f2c1a9e-7b4d-4e8a-9c1f-5d6e7f8a9a1e\nRAILWAY_SERVICE_ID=6e0d8b3a-4c7f-4e1b-a9d2-7f5c3b1e8a06\n\
         RAILWAY_ENVIRONMENT_ID=b5c8e1a4-9d3f-4b7e-8a2c-6e0f4d9b3c17\n",
    )
    .unwrap();
    std::fs::write(d.join("docs.md"), "stripe.api_key = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'\npk_live_51Hx9QmK2eZvKYlo2C8nT4rWb7yPq3LsD6fGh1JkM0nBvCxZ\n").unwrap();
    // A GitHub-shaped string whose checksum is wrong: not a token, never sent.
    std::fs::write(
        d.join("test.py"),
        "TOKEN = 'ghp_Kq3vT8mZpL2xR9wN4bY7cH1dJ6fG0s0xhLrX'\n",
    )
    .unwrap();
    let server = replay::ReplayServer::start(json!({"routes": []}));
    let out = scan(
        &[d.to_str().unwrap(), "--format", "json"],
        Some(&server.url),
    );
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    assert_eq!(json(&out)["findings"], json!([]));
    assert!(server.requests().is_empty(), "nothing sent for non-tokens");
}

#[test]
fn explain_requests_lists_the_catalog_and_sends_nothing() {
    let server = replay::ReplayServer::start(json!({"routes": []}));
    let dir = workspace_with(".env", &format!("GITHUB_TOKEN={GH}\n"));
    let out = scan(
        &[dir.path().to_str().unwrap(), "--explain-requests"],
        Some(&server.url),
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "https://backboard.railway.com/graphql/v2",
        "https://api.github.com/user",
        "https://api.stripe.com/v1/account",
        "query BlastradiusMe",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    assert!(!text.contains("NOT READ-ONLY"));
    assert!(server.requests().is_empty());
}

#[test]
fn bad_input_is_a_one_line_exit_2() {
    let dir = workspace_with("blastradius.toml", "fail_on = 70\nthreshold = 3\n");
    let out = scan(&[dir.path().to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2") && err.contains("threshold"), "{err}");

    let out = scan(&["/definitely/not/here"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));

    let out = scan(&[dir.path().to_str().unwrap(), "--fail-on", "101"], None);
    assert_eq!(out.status.code(), Some(2));

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[detector]]\nid = \"x.y\"\nprovider = \"x\"\nname = \"n\"\nkeywords = [\"k\"]\nregex = \"(unclosed\"\n").unwrap();
    let out = scan(
        &[
            dir.path().to_str().unwrap(),
            "--config",
            "/dev/null",
            "--detectors",
            bad.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad regex"));
}

#[test]
fn secrets_in_error_bodies_are_scrubbed() {
    // A provider echoing the token back in an error must not leak it.
    let server = replay::ReplayServer::start(json!({"routes": [
        {"method": "GET", "path": "/api.github.com/user", "status": 200,
         "headers": {"x-oauth-scopes": "repo"}, "json": {"login": GH, "type": "User"}}
    ]}));
    let dir = workspace_with(".env", &format!("GITHUB_TOKEN={GH}\n"));
    for format in ["json", "table"] {
        let out = scan(
            &[dir.path().to_str().unwrap(), "--format", format],
            Some(&server.url),
        );
        assert!(!all_output(&out).contains(GH), "{format} leaked the token");
    }
}

#[test]
fn git_config_is_scanned_but_not_the_rest_of_git() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    git(
        dir.path(),
        &[
            "remote",
            "add",
            "origin",
            &format!("https://x-access-token:{GH}@github.com/acme/api.git"),
        ],
    );
    // A token inside .git/ objects or logs must not be reported: an agent reads the work tree.
    std::fs::write(
        dir.path().join(".git/description"),
        format!("GITHUB_TOKEN={GH}\n"),
    )
    .unwrap();
    let report = json(&scan(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        None,
    ));
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    assert_eq!(findings[0]["path"], ".git/config");
    assert_eq!(findings[0]["exposure"]["git"], "none");
}

#[test]
fn invalid_utf8_around_a_token_does_not_hide_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"\xff\xfe\xfd garbage \xc3\x28 ".to_vec();
    bytes.extend_from_slice(format!("token={GH}").as_bytes());
    bytes.extend_from_slice(b" \xe2\x82 more\n");
    std::fs::write(dir.path().join("mixed.txt"), bytes).unwrap();
    // UTF-16 with a byte-order mark is decoded, not skipped as binary.
    let utf16: Vec<u8> = std::iter::once(0xFEFFu16)
        .chain(
            "STRIPE_SECRET_KEY=sk_live_51Hx9QmK2eZvKYlo2C8nT4rWb7yPq3LsD6fGh1JkM0nBvCxZ\n"
                .to_string()
                .encode_utf16(),
        )
        .flat_map(|u| u.to_le_bytes())
        .collect();
    std::fs::write(dir.path().join("utf16.env"), utf16).unwrap();
    let report = json(&scan(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        None,
    ));
    assert_eq!(
        finding(&report, "mixed.txt")["detector"],
        "github.classic-pat"
    );
    assert_eq!(finding(&report, "utf16.env")["detector"], "stripe.live-key");
}

#[test]
fn files_over_the_size_limit_are_counted_and_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.log"), vec![b'a'; 4096]).unwrap();
    std::fs::write(dir.path().join("small.env"), format!("GITHUB_TOKEN={GH}\n")).unwrap();
    let report = json(&scan(
        &[
            dir.path().to_str().unwrap(),
            "--format",
            "json",
            "--max-file-size",
            "1000",
        ],
        None,
    ));
    assert_eq!(report["summary"]["skipped"]["too_large"], 1);
    assert!(report["summary"]["skipped_files"]
        .to_string()
        .contains("big.log"));
    assert_eq!(report["summary"]["files_scanned"], 1);
}

#[test]
fn a_repository_detector_cannot_send_strings_to_a_provider() {
    // A hostile detector file labels any long string as a GitHub token; it is
    // reported, but never sent anywhere.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("evil.toml"),
        r#"[[detector]]
id = "github.anything"
provider = "github"
name = "anything"
keywords = ["secret"]
regex = '''secret=([A-Za-z0-9/+]{40})'''
"#,
    )
    .unwrap();
    std::fs::write(d.join("blastradius.toml"), "detectors = [\"evil.toml\"]\n").unwrap();
    std::fs::write(
        d.join("app.env"),
        "secret=Qm7vTz2LrX9pK4wN8bY1cH6dJ3fG5sA0eR7tU2iO\n",
    )
    .unwrap();
    let server = replay::ReplayServer::start(json!({"routes": []}));
    let out = scan(
        &[d.to_str().unwrap(), "--format", "json"],
        Some(&server.url),
    );
    let report = json(&out);
    let f = finding(&report, "app.env");
    assert_eq!(f["verification"]["status"], "skipped", "{f:#}");
    assert!(
        server.requests().is_empty(),
        "nothing sent: {:?}",
        server.requests()
    );
}

/// A repository's detector file cannot pass for a built-in one by its name:
/// only detectors embedded at build time have their matches introspected.
#[test]
fn a_repository_detector_file_named_like_a_builtin_is_never_sent() {
    let dir = workspace_with(
        "builtin:github.toml",
        r#"[[detector]]
id = "evil.any"
provider = "github"
name = "anything labelled a GitHub token"
keywords = ["xyzzy"]
regex = '''xyzzy=(\S+)'''
examples = ["xyzzy=abcdefghijklmnopqrstuvwxyz"]
"#,
    );
    std::fs::write(
        dir.path().join("blastradius.toml"),
        "detectors = [\"builtin:github.toml\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("notes.txt"),
        "xyzzy=Zq8rT2mW9xL4vB7nK1pS6dF3hJ0cG5aY\n",
    )
    .unwrap();
    let server = replay::ReplayServer::start(json!({"routes": []}));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blastradius"))
        .current_dir(dir.path())
        .args(["scan", "--format", "json", "."])
        .env("BLASTRADIUS_API_REDIRECT", &server.url)
        .output()
        .unwrap();
    let report = json(&out);
    let f = finding(&report, "notes.txt");
    assert_eq!(f["detector"], "evil.any", "{report:#}");
    assert!(
        f["verification"]["detail"]
            .as_str()
            .unwrap()
            .contains("only tokens matched by built-in detectors"),
        "{f:#}"
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}
