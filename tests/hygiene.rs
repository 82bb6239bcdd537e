//! Secret hygiene: plant secrets of several kinds (GitHub, Stripe, Railway,
//! Slack, a PostgreSQL URL with a password, an AWS key pair, credentials in
//! a fake `$HOME`), run every output format to stdout and to a file, every
//! mode (`--verbose`, `--explain-requests`, `--write-baseline`, `--staged`,
//! `--history`, `--diff`, `--home`), the error paths a user can trigger,
//! providers whose error bodies echo the token back, and a forced panic; then
//! search everything printed or written for any planted secret, whole.

mod support;

use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::fault::{run_bounded, Run};
use support::*;

const GH: &str = "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";
const STRIPE: &str = "sk_live_51Hx9QmK2eZvKYlo2C8nT4rWb7yPq3LsD6fGh1JkM0nBvCxZ";
const RAILWAY: &str = "7c3e9a1f-5b8d-4e2a-9f6c-0d4b8e2a7c15";
const SLACK: &str = "xoxb-857969552167-6967395166538-IdcJcMXyjMIwfjtTq6HSS9Fw";
const DB_PASSWORD: &str = "Zq8vT2pLm4Rk9wXc";
const AWS_ID: &str = "AKIAQNZGKIQY56JQ7WMA";
const AWS_SECRET: &str = "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";
const NETRC_PASSWORD: &str = "Hk4vR8zQw2LmX7pN3bT6";

fn db_url() -> String {
    format!("postgres://app:{DB_PASSWORD}@127.0.0.1:1/app_production")
}

/// Every planted secret, whole.
fn secrets() -> Vec<String> {
    vec![
        GH.into(),
        STRIPE.into(),
        RAILWAY.into(),
        SLACK.into(),
        DB_PASSWORD.into(),
        db_url(),
        AWS_SECRET.into(),
        NETRC_PASSWORD.into(),
    ]
}

fn write(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// The workspace: a git repository whose history, index and work tree all
/// hold secrets.
fn workspace(dir: &Path) {
    write(&dir.join(".env"), &format!("GITHUB_TOKEN={GH}\n"));
    write(
        &dir.join("config/production.env"),
        &format!("STRIPE_SECRET_KEY={STRIPE}\nDATABASE_URL={}\n", db_url()),
    );
    write(
        &dir.join("scripts/ops.sh"),
        &format!("#!/bin/sh\nexport RAILWAY_API_TOKEN={RAILWAY}\n"),
    );
    write(
        &dir.join("slack.env"),
        &format!("SLACK_BOT_TOKEN={SLACK}\n"),
    );
    write(
        &dir.join("deploy/aws.env"),
        &format!("AWS_ACCESS_KEY_ID={AWS_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n"),
    );
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "one"]);
    // The Slack token now lives only in history; ops.sh changes.
    std::fs::remove_file(dir.join("slack.env")).unwrap();
    write(
        &dir.join("scripts/ops.sh"),
        &format!("#!/bin/sh\nexport RAILWAY_API_TOKEN={RAILWAY}\necho done\n"),
    );
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "two"]);
    // A staged change.
    write(
        &dir.join(".env"),
        &format!("GITHUB_TOKEN={GH}\nSTRIPE_KEY={STRIPE}\n"),
    );
    git(dir, &["add", ".env"]);
}

/// A `$HOME` with credential stores.
fn home(dir: &Path) {
    write(
        &dir.join(".aws/credentials"),
        &format!("[default]\naws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n"),
    );
    write(
        &dir.join(".git-credentials"),
        &format!("https://octo:{GH}@github.com\n"),
    );
    write(
        &dir.join(".netrc"),
        &format!("machine db.internal.example login app password {NETRC_PASSWORD}\n"),
    );
}

/// Provider answers that echo the token back, in error bodies and in
/// error messages.
fn echoing_server() -> replay::ReplayServer {
    replay::ReplayServer::start(json!({"routes": [
        {"method": "GET", "path": "/api.github.com/user", "status": 401,
         "json": {"message": format!("Bad credentials: {GH}"), "token": GH}},
        {"method": "GET", "path": "/api.stripe.com/v1/account", "status": 500,
         "json": {"error": {"type": "api_error", "message": format!("Invalid API Key provided: {STRIPE}")}}},
        {"method": "POST", "path": "/backboard.railway.com/graphql/v2", "status": 200,
         "json": {"data": null, "errors": [{"message": format!("Problem processing token {RAILWAY}")}]}},
        {"method": "GET", "path": "/slack.com/api/auth.test", "status": 200,
         "json": {"ok": false, "error": format!("invalid_auth for {SLACK}")}},
        {"method": "POST", "path": "/", "status": 403, "headers": {"content-type": "text/xml"},
         "text": format!("<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>key {AWS_ID} secret {AWS_SECRET} rejected</Message></Error></ErrorResponse>")}
    ]}))
}

/// `text` with every planted secret cut short, safe to print.
fn redact_all(text: &str) -> String {
    let mut t = text.to_string();
    for s in secrets() {
        t = t.replace(&s, &format!("{}…(planted)", &s[..6]));
    }
    t
}

/// One run to audit.
struct Case {
    label: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// The exit codes it may end with.
    codes: &'static [i32],
    /// Files it writes, audited too.
    files: Vec<PathBuf>,
}

fn case(label: &str, args: &[&str], codes: &'static [i32]) -> Case {
    Case {
        label: label.into(),
        args: args.iter().map(|s| s.to_string()).collect(),
        env: Vec::new(),
        codes,
        files: Vec::new(),
    }
}

impl Case {
    fn env(mut self, k: &str, v: &str) -> Case {
        self.env.push((k.into(), v.into()));
        self
    }

    fn file(mut self, p: &Path) -> Case {
        self.files.push(p.to_path_buf());
        self
    }
}

#[test]
fn no_planted_secret_appears_whole_in_any_output_file_or_error() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    workspace(&ws);
    let fake_home = tmp.path().join("home");
    home(&fake_home);
    let out_dir = tmp.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let server = echoing_server();
    let w = ws.to_str().unwrap().to_string();
    let o = |name: &str| out_dir.join(name);
    let os = |name: &str| o(name).to_str().unwrap().to_string();

    // Error-path inputs, each holding a secret where a careless message
    // would quote it.
    let bad_config = tmp.path().join("bad-config.toml");
    write(
        &bad_config,
        &format!("fail_on = 70\nthreshold = \"{GH}\"\n"),
    );
    let bad_value = tmp.path().join("bad-value.toml");
    write(&bad_value, &format!("fail_on = \"{STRIPE}\"\n"));
    let bad_baseline = tmp.path().join("bad-baseline.json");
    write(
        &bad_baseline,
        &format!("{{\"version\": \"{GH}\", \"findings\": [\"{RAILWAY}\""),
    );
    let typed_baseline = tmp.path().join("typed-baseline.json");
    write(
        &typed_baseline,
        &format!("{{\"tool\": 1, \"findings\": \"{SLACK}\"}}"),
    );

    let online = &[0, 1][..];
    let mut cases = Vec::new();
    for format in ["table", "json", "sarif", "markdown"] {
        cases.push(case(
            &format!("{format} to stdout"),
            &["scan", &w, "--format", format],
            online,
        ));
        let file = o(&format!("report.{format}"));
        cases.push(
            case(
                &format!("{format} to a file"),
                &[
                    "scan",
                    &w,
                    "--format",
                    format,
                    "--output",
                    file.to_str().unwrap(),
                ],
                online,
            )
            .file(&file),
        );
        cases.push(case(
            &format!("{format} offline, verbose"),
            &["scan", &w, "--format", format, "--offline", "--verbose"],
            online,
        ));
    }
    cases.push(case(
        "explain requests",
        &["scan", &w, "--explain-requests"],
        &[0],
    ));
    cases.push(
        case(
            "write baseline",
            &[
                "scan",
                &w,
                "--format",
                "json",
                "--write-baseline",
                &os("baseline.json"),
            ],
            online,
        )
        .file(&o("baseline.json")),
    );
    cases.push(case(
        "staged",
        &["scan", &w, "--staged", "--verbose"],
        online,
    ));
    cases.push(case(
        "history",
        &["scan", &w, "--history", "--format", "json", "--verbose"],
        online,
    ));
    cases.push(case(
        "history, sarif",
        &["scan", &w, "--history", "--format", "sarif"],
        online,
    ));
    cases.push(case(
        "diff",
        &["scan", &w, "--diff", "HEAD~1", "--verbose"],
        online,
    ));
    cases.push(
        case(
            "home",
            &["scan", &w, "--home", "--format", "json", "--verbose"],
            online,
        )
        .env("HOME", fake_home.to_str().unwrap()),
    );
    cases.push(
        case(
            "home, table",
            &["scan", &w, "--home", "--agent-view"],
            online,
        )
        .env("HOME", fake_home.to_str().unwrap()),
    );
    cases.push(case(
        "bad config key",
        &["scan", &w, "--config", bad_config.to_str().unwrap()],
        &[2],
    ));
    cases.push(case(
        "bad config value",
        &["scan", &w, "--config", bad_value.to_str().unwrap()],
        &[2],
    ));
    cases.push(case(
        "malformed baseline",
        &["scan", &w, "--baseline", bad_baseline.to_str().unwrap()],
        &[2],
    ));
    cases.push(case(
        "mistyped baseline",
        &["scan", &w, "--baseline", typed_baseline.to_str().unwrap()],
        &[2],
    ));
    cases.push(case("refused redirect", &["scan", &w], &[2]).env(
        "BLASTRADIUS_API_REDIRECT",
        &format!("http://x-access-token:{GH}@10.0.0.1:80"),
    ));
    cases.push(
        case("refused redirect, not a URL", &["scan", &w], &[2])
            .env("BLASTRADIUS_API_REDIRECT", &format!("{STRIPE}@evil")),
    );
    cases.push(case("refused AWS endpoint", &["scan", &w], &[2]).env(
        "AWS_ENDPOINT_URL",
        &format!("https://{AWS_ID}:{AWS_SECRET}@evil.example.com"),
    ));
    cases.push(
        case("forced panic", &["scan", &w, "--offline"], &[2]).env("BLASTRADIUS_DEBUG_PANIC", "1"),
    );
    cases.push(
        case(
            "forced panic, home",
            &["scan", &w, "--offline", "--home", "--format", "json"],
            &[2],
        )
        .env("BLASTRADIUS_DEBUG_PANIC", "1")
        .env("HOME", fake_home.to_str().unwrap()),
    );

    let run_case = |c: &Case| -> Run {
        let mut cmd = blastradius();
        cmd.args(&c.args)
            .current_dir(&ws)
            .env("BLASTRADIUS_API_REDIRECT", &server.url)
            .env("AWS_ENDPOINT_URL", &server.url)
            .env("HOME", tmp.path().join("empty-home"));
        for (k, v) in &c.env {
            cmd.env(k, v);
        }
        run_bounded(&cmd, Duration::from_secs(120))
    };
    let queue = std::sync::Mutex::new(cases.iter().collect::<Vec<_>>());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some(c) = queue.lock().unwrap().pop() else {
                    break;
                };
                let run = run_case(c);
                results.lock().unwrap().push((c, run));
            });
        }
    });
    let results = results.into_inner().unwrap();
    assert_eq!(results.len(), cases.len());

    let mut leaks = Vec::new();
    let mut audited = 0usize;
    for (c, run) in &results {
        let text = run.text();
        if !run.code.is_some_and(|code| c.codes.contains(&code)) {
            leaks.push(format!(
                "{}: exit {:?}, want {:?}:\n{}",
                c.label,
                run.code,
                c.codes,
                redact_all(&text)
            ));
        }
        let mut outputs = vec![(format!("{} (stdout+stderr)", c.label), text)];
        for f in &c.files {
            let content = std::fs::read(f)
                .unwrap_or_else(|e| panic!("{}: {} not written: {e}", c.label, f.display()));
            assert!(!content.is_empty(), "{}: {} is empty", c.label, f.display());
            outputs.push((
                format!("{} ({})", c.label, f.display()),
                String::from_utf8_lossy(&content).into_owned(),
            ));
        }
        for (what, text) in outputs {
            audited += text.len();
            for s in secrets() {
                if let Some(at) = text.find(&s) {
                    let from = text[..at]
                        .char_indices()
                        .rev()
                        .nth(120)
                        .map_or(0, |(i, _)| i);
                    leaks.push(format!(
                        "{what}: contains {}…(planted), after: {:?}",
                        &s[..6],
                        redact_all(&text[from..at])
                    ));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));

    // The runs did what they claim, so the audit covered real output.
    let by = |label: &str| &results.iter().find(|(c, _)| c.label == label).unwrap().1;
    let panic = String::from_utf8_lossy(&by("forced panic").stderr).into_owned();
    assert!(
        panic.starts_with("blastradius: internal error at src/app.rs:"),
        "{panic}"
    );
    assert_eq!(panic.lines().count(), 1, "one line: {panic}");
    let report = by("json to stdout").json();
    let providers: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["provider"].as_str().unwrap())
        .collect();
    for p in ["github", "stripe", "railway", "aws", "postgres"] {
        assert!(providers.contains(&p), "no {p} finding: {providers:?}");
    }
    let history = by("history").json();
    assert!(
        history["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["provider"] == "slack"),
        "the Slack token in history was not found"
    );
    let home = by("home").json();
    assert!(
        home["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"].as_str().is_some_and(|p| p.starts_with("~/"))),
        "nothing found in the fake HOME"
    );
    assert!(
        !server.requests().is_empty(),
        "the echoing provider was never asked"
    );
    eprintln!(
        "audited {} runs, {audited} bytes of output and files",
        results.len()
    );
}

#[test]
fn the_panic_hook_exits_2_and_redacts_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("db.env"),
        &format!("DATABASE_URL={}\n", db_url()),
    );
    for format in ["table", "json"] {
        let out = Command::new(env!("CARGO_BIN_EXE_blastradius"))
            .args(["scan", "--offline", "--format", format])
            .arg(dir.path())
            .env("BLASTRADIUS_DEBUG_PANIC", "1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let text = all_output(&out);
        assert!(text.contains("internal error"), "{text}");
        assert!(!text.contains(DB_PASSWORD), "{text}");
        assert!(
            !text.contains("panicked at"),
            "the default hook ran: {text}"
        );
    }
}
