//! The small things people expect from a CLI: `init`, completions, the man
//! page, `--agent-view`, `--quiet`, `--verbose`, colour and progress only
//! where they belong. Always offline.

use std::path::Path;
use std::process::{Command, Output};

const TOKEN: &str = "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";

fn bin(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blastradius"))
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("NO_COLOR")
        .env_remove("BLASTRADIUS_API_REDIRECT")
        .output()
        .unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn init_writes_three_files_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(&["init"], dir.path());
    assert!(out.status.success(), "{:?}", text(&out));
    for f in [
        "blastradius.toml",
        ".pre-commit-config.yaml",
        ".github/workflows/blastradius.yml",
    ] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    // The starter config is picked up by a scan as it is.
    let out = bin(&["scan", "--offline", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let out = bin(&["init"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("--force"));
    assert!(bin(&["init", "--force"], dir.path()).status.success());
}

#[test]
fn completions_and_man_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(&["completions", "bash"], dir.path());
    assert!(out.status.success());
    assert!(text(&out).0.contains("--agent-view"));
    let out = bin(&["man"], dir.path());
    assert!(out.status.success());
    assert!(text(&out).0.starts_with(".ie") || text(&out).0.contains(".TH"));
    let out = bin(&["man", "--out-dir", "man"], dir.path());
    assert!(out.status.success());
    assert!(dir.path().join("man/blastradius-scan.1").is_file());
    assert_eq!(
        bin(&["completions", "tcsh"], dir.path()).status.code(),
        Some(2)
    );
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".cursorignore"), ".env*\n").unwrap();
    std::fs::write(
        dir.path().join(".env.production"),
        format!("GITHUB_TOKEN={TOKEN}\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("main.py"), "print('hi')\n").unwrap();
    dir
}

#[test]
fn agent_view_lists_files_hidden_files_and_tokens() {
    let dir = workspace();
    let out = bin(&["scan", "--agent-view", "--offline", "."], dir.path());
    let (stdout, stderr) = text(&out);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    assert!(stdout.contains("3 files an agent can read"), "{stdout}");
    assert!(
        stdout.contains("1 hidden from some agents' file tools"),
        "{stdout}"
    );
    assert!(stdout.contains(".env.production:1"), "{stdout}");
    assert!(stdout.contains("ghp_…"), "{stdout}");
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    assert!(!stdout.contains('\x1b'), "no colour into a pipe");

    let out = bin(
        &["scan", "--agent-view", "--offline", "--format", "json", "."],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = v["roots"][0]["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    let env = files
        .iter()
        .find(|f| f["path"] == ".env.production")
        .unwrap();
    assert_eq!(env["agent_ignored_by"][0], ".cursorignore");
    assert_eq!(env["tokens"][0]["provider"], "github");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(TOKEN));
}

#[test]
fn quiet_verbose_and_colour() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "nothing here\n").unwrap();
    // Quiet and passing: nothing at all.
    let out = bin(&["scan", "--quiet", "--offline", "."], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out), (String::new(), String::new()));
    // Verbose: notes on stderr, the report on stdout unchanged.
    let out = bin(
        &["scan", "--verbose", "--offline", "--format", "json", "."],
        dir.path(),
    );
    let (stdout, stderr) = text(&out);
    assert!(
        stderr.contains("detectors;") && stderr.contains("files"),
        "{stderr}"
    );
    serde_json::from_str::<serde_json::Value>(&stdout).unwrap();
    assert!(bin(&["scan", "-q", "-v", "."], dir.path()).status.code() == Some(2));
    // Quiet still shows a failing report.
    let ws = workspace();
    let out = bin(
        &["scan", "--quiet", "--offline", "--fail-on", "1", "."],
        ws.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).0.contains(".env.production"));
    // --color always colours even into a pipe; never and NO_COLOR do not.
    let out = bin(
        &[
            "scan",
            "--agent-view",
            "--color",
            "always",
            "--offline",
            ".",
        ],
        ws.path(),
    );
    assert!(text(&out).0.contains('\x1b'));
    let out = Command::new(env!("CARGO_BIN_EXE_blastradius"))
        .args(["scan", "--agent-view", "--offline", "."])
        .current_dir(ws.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!text(&out).0.contains('\x1b'));
    // No progress line when stderr is not a terminal (as here).
    assert!(!text(&out).1.contains("blastradius: reading files"));
}

#[test]
fn a_missing_path_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(&["scan", "--offline", "no-such-dir"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let (_, stderr) = text(&out);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no-such-dir"));
}
