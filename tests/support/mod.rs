//! Shared helpers for the CLI tests: the built binary, fixture repositories,
//! and the provider replay server.
#![allow(dead_code)]

pub mod fault;
pub mod load;
pub mod replay;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A command running the built binary with a clean environment.
pub fn blastradius() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_blastradius"));
    c.env_remove("BLASTRADIUS_API_REDIRECT")
        .env("NO_COLOR", "1");
    c
}

/// A temporary workspace holding one file (its directories made).
pub fn workspace_with(file: &str, content: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(file);
    std::fs::create_dir_all(path.parent().expect("a file in a directory")).expect("mkdir");
    std::fs::write(path, content).expect("write the file");
    dir
}

/// Whether the tests run as root.
pub fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("run id");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// The built binary without the capabilities that let root read any file
/// (through `setpriv`), so that `chmod 000` means unreadable; the plain
/// binary for other users. No redirect in its environment.
pub fn unprivileged() -> Command {
    let bin = env!("CARGO_BIN_EXE_blastradius");
    let mut c = if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--bounding-set=-dac_override,-dac_read_search", "--", bin]);
        c
    } else {
        Command::new(bin)
    };
    c.env_remove("BLASTRADIUS_API_REDIRECT");
    c
}

/// Runs `scan ARGS` against the replay server at `redirect` (or offline
/// when `None`, adding `--offline`).
pub fn scan(args: &[&str], redirect: Option<&str>) -> Output {
    let mut c = blastradius();
    c.arg("scan").args(args);
    match redirect {
        Some(url) => {
            c.env("BLASTRADIUS_API_REDIRECT", url);
        }
        None => {
            c.arg("--offline");
        }
    }
    c.output().expect("run blastradius")
}

/// stdout as JSON.
pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// stdout and stderr together, for leak checks.
pub fn all_output(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        let name = if name == "dot-gitignore" {
            ".gitignore".into()
        } else {
            name
        };
        let dest = to.join(name);
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Runs git in `dir` with a fixed identity.
pub fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .expect("git runs")
        .status
        .success();
    assert!(ok, "git {args:?} failed");
}

/// Copies `fixtures/NAME` into a temporary git repository (with
/// `dot-gitignore` as its `.gitignore`) and commits what is not ignored.
pub fn fixture_repo(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("fixtures").join(name), dir.path());
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "fixture"]);
    dir
}

/// Starts the replay server on a scenario in `fixtures/http/`.
pub fn replay(name: &str) -> replay::ReplayServer {
    replay::ReplayServer::from_file(&root().join("fixtures/http").join(name))
}

/// The finding at `path` (first one).
pub fn finding<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no finding at {path}: {report:#}"))
}
