//! `scan --staged`: the index, not the work tree. Always offline.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const TOKEN: &str = "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";
const OTHER: &str = "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";

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.hooksPath=/dev/null",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    std::fs::write(dir.path().join("README.md"), "hello\n").unwrap();
    git(dir.path(), &["add", "README.md"]);
    git(dir.path(), &["commit", "-q", "-m", "init"]);
    dir
}

fn staged_scan(dir: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blastradius"))
        .args(["scan", "--staged", "--offline", "--format", "json"])
        .args(extra)
        .current_dir(dir)
        .env_remove("BLASTRADIUS_API_REDIRECT")
        .output()
        .expect("run blastradius")
}

fn report(out: &Output) -> Value {
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "status {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !all.contains(TOKEN) && !all.contains(OTHER),
        "a whole secret reached the output"
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_index_is_scanned_not_the_work_tree() {
    let dir = repo();
    let p = dir.path();
    // Staged with a token, then the token removed in the work tree only.
    std::fs::write(
        p.join("deploy.sh"),
        format!("export GITHUB_TOKEN={TOKEN}\n"),
    )
    .unwrap();
    git(p, &["add", "deploy.sh"]);
    std::fs::write(p.join("deploy.sh"), "export GITHUB_TOKEN=$GITHUB_TOKEN\n").unwrap();
    // A token in the work tree only, never staged.
    std::fs::write(p.join("notes.txt"), format!("token {OTHER}\n")).unwrap();
    std::fs::write(p.join("README.md"), format!("hello {OTHER}\n")).unwrap();

    let r = report(&staged_scan(p, &[]));
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["path"], "deploy.sh");
    assert_eq!(findings[0]["line"], 1);
    assert_eq!(findings[0]["detector"], "github.classic-pat");
    assert_eq!(findings[0]["exposure"]["git"], "tracked");
    assert_eq!(r["summary"]["files_scanned"], 1);
}

#[test]
fn a_clean_index_passes_even_with_a_dirty_work_tree() {
    let dir = repo();
    let p = dir.path();
    std::fs::write(p.join("app.py"), "print('hi')\n").unwrap();
    git(p, &["add", "app.py"]);
    std::fs::write(p.join("app.py"), format!("TOKEN = '{TOKEN}'\n")).unwrap();
    let out = staged_scan(p, &[]);
    assert_eq!(report(&out)["summary"]["findings"], 0);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn deletions_renames_subdirs_binaries_and_pathspecs() {
    let dir = repo();
    let p = dir.path();
    std::fs::create_dir_all(p.join("svc/api")).unwrap();
    std::fs::write(p.join("svc/api/.env"), format!("GITHUB_TOKEN={TOKEN}\n")).unwrap();
    std::fs::write(p.join("old.txt"), "nothing\n").unwrap();
    git(p, &["add", "."]);
    git(p, &["commit", "-q", "-m", "two"]);
    // Staged: a deletion, a rename (with the token moving), a binary.
    git(p, &["rm", "-q", "old.txt"]);
    git(p, &["mv", "svc/api/.env", "svc/api/.env.staging"]);
    let mut bin = vec![0u8, 1, 2];
    bin.extend_from_slice(OTHER.as_bytes());
    std::fs::write(p.join("blob.bin"), bin).unwrap();
    git(p, &["add", "blob.bin"]);

    let r = report(&staged_scan(p, &[]));
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["path"], "svc/api/.env.staging");
    assert_eq!(findings[0]["context_tier"]["tier"], "staging");
    assert_eq!(r["summary"]["skipped"]["binary"], 1);

    // From a subdirectory, paths are still shown from the top; a pathspec
    // limits the scan.
    let r = report(&staged_scan(&p.join("svc"), &[]));
    assert_eq!(r["findings"][0]["path"], "svc/api/.env.staging");
    let r = report(&staged_scan(p, &["README.md"]));
    assert_eq!(r["summary"]["findings"], 0);
}

#[test]
fn outside_a_repository_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = staged_scan(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--staged"), "{err}");
}

/// A pre-commit hook must stay fast in a big repository: the cost follows
/// the staged files, not the repository. 20,000 committed files, 10 staged.
#[test]
fn cost_follows_the_staged_files_not_the_repository() {
    let dir = repo();
    let p = dir.path();
    for d in 0..100 {
        let sub = p.join(format!("pkg{d}"));
        std::fs::create_dir(&sub).unwrap();
        for f in 0..200 {
            std::fs::write(sub.join(format!("m{f}.rs")), format!("fn f{f}() {{}}\n")).unwrap();
        }
    }
    git(p, &["add", "."]);
    git(p, &["commit", "-q", "-m", "big"]);
    for i in 0..10 {
        std::fs::write(p.join(format!("pkg{i}/m0.rs")), format!("// change {i}\n")).unwrap();
    }
    std::fs::write(
        p.join("pkg0/m1.rs"),
        format!("const T: &str = \"{TOKEN}\";\n"),
    )
    .unwrap();
    git(p, &["add", "-u"]);
    // Warm up (page cache, binary), then take the best of three.
    report(&staged_scan(p, &[]));
    let best = (0..3)
        .map(|_| {
            let t = Instant::now();
            let r = report(&staged_scan(p, &[]));
            assert_eq!(r["summary"]["files_scanned"], 11);
            assert_eq!(r["summary"]["findings"], 1);
            t.elapsed()
        })
        .min()
        .unwrap();
    eprintln!("--staged, 11 staged files in a 20,000-file repository: {best:?}");
    // Generous for slow CI machines and debug builds; measured figures are
    // in docs/where-to-run.md.
    assert!(best < Duration::from_secs(2), "{best:?}");
}
