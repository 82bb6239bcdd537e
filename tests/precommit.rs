//! The hooks in `.pre-commit-hooks.yaml`, run by the real `pre-commit`
//! (from PyPI) in a temporary repository: a commit with a live-looking token
//! is refused, a clean one goes through.
//!
//! These tests need `pre-commit` on PATH (`pip install pre-commit`) and fail
//! without it: a CI that silently skipped them would prove nothing.
//! `language_rust_hook_builds_and_blocks` also builds blastradius with
//! `cargo install` as pre-commit does for users; it is slow the first time,
//! so it is `#[ignore]`d and run explicitly in CI
//! (`cargo test --test precommit -- --include-ignored`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TOKEN: &str = "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";

fn require_pre_commit() {
    let ok = Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "pre-commit is not installed: install pre-commit (pip install pre-commit) to run the \
         pre-commit hook tests"
    );
}

struct Env {
    _dirs: Vec<tempfile::TempDir>,
    hooks: PathBuf,
    repo: PathBuf,
    store: PathBuf,
    path: std::ffi::OsString,
}

fn git(dir: &Path, args: &[&str], env: &Env) -> Output {
    Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", &env.store)
        .env("PATH", &env.path)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("BLASTRADIUS_API_REDIRECT")
        .output()
        .expect("git")
}

fn ok(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A hook repository holding this crate's `.pre-commit-hooks.yaml` (and,
/// for the `language: rust` hook, the crate itself), and a consumer
/// repository whose `.pre-commit-config.yaml` uses `hook_id`.
fn setup(hook_id: &str, with_crate: bool) -> Env {
    require_pre_commit();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_blastradius"))
        .parent()
        .unwrap();
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut env = Env {
        hooks: dirs[0].path().to_path_buf(),
        repo: dirs[1].path().to_path_buf(),
        store: dirs[2].path().to_path_buf(),
        path,
        _dirs: Vec::new(),
    };
    if !with_crate {
        // The system hook must find the binary on PATH and nowhere else.
        env.path = std::env::join_paths(
            std::iter::once(bin_dir.to_path_buf()).chain(
                std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                    .filter(|p| !p.join("blastradius").exists()),
            ),
        )
        .unwrap();
    }
    std::fs::copy(
        manifest.join(".pre-commit-hooks.yaml"),
        env.hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    if with_crate {
        for f in ["Cargo.toml", "Cargo.lock", "build.rs", "README.md"] {
            if manifest.join(f).exists() {
                std::fs::copy(manifest.join(f), env.hooks.join(f)).unwrap();
            }
        }
        for d in ["src", "detectors"] {
            copy_dir(&manifest.join(d), &env.hooks.join(d));
        }
    }
    ok(git(&env.hooks, &["init", "-q"], &env), "git init (hooks)");
    ok(git(&env.hooks, &["add", "-A"], &env), "git add (hooks)");
    ok(
        git(&env.hooks, &["commit", "-q", "-m", "hooks"], &env),
        "git commit (hooks)",
    );
    let rev =
        String::from_utf8(ok(git(&env.hooks, &["rev-parse", "HEAD"], &env), "rev-parse").stdout)
            .unwrap();
    ok(git(&env.repo, &["init", "-q"], &env), "git init (repo)");
    std::fs::write(
        env.repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: {hook_id}\n",
            env.hooks.display(),
            rev.trim()
        ),
    )
    .unwrap();
    let install = Command::new("pre-commit")
        .arg("install")
        .current_dir(&env.repo)
        .env("PRE_COMMIT_HOME", &env.store)
        .env("PATH", &env.path)
        .output()
        .unwrap();
    ok(install, "pre-commit install");
    ok(
        git(&env.repo, &["add", ".pre-commit-config.yaml"], &env),
        "git add config",
    );
    env._dirs = dirs;
    env
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn commit(env: &Env, file: &str, text: &str) -> Output {
    std::fs::write(env.repo.join(file), text).unwrap();
    ok(git(&env.repo, &["add", file], env), "git add");
    git(&env.repo, &["commit", "-m", "change"], env)
}

fn check_blocks_and_passes(env: &Env) {
    // A clean commit goes through (the hook ran: it is named in the output).
    let out = commit(env, "app.py", "print('hello')\n");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "clean commit refused:\n{text}");
    assert!(
        text.contains("blastradius"),
        "the hook did not run:\n{text}"
    );

    // A live-looking GitHub token is refused, and named without the secret.
    let out = commit(env, "deploy.sh", &format!("export GITHUB_TOKEN={TOKEN}\n"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "commit with a token went through:\n{text}"
    );
    assert!(text.contains("deploy.sh"), "{text}");
    assert!(text.contains("ghp_…"), "{text}");
    assert!(
        !text.contains(TOKEN),
        "a whole secret reached the hook output"
    );
    let log = git(&env.repo, &["log", "--format=%s"], env);
    assert_eq!(String::from_utf8_lossy(&log.stdout).lines().count(), 1);

    // Unstaging the token and committing a clean edit of the same file passes.
    std::fs::write(
        env.repo.join("deploy.sh"),
        "export GITHUB_TOKEN=$GITHUB_TOKEN\n",
    )
    .unwrap();
    ok(git(&env.repo, &["add", "deploy.sh"], env), "git add");
    let out = git(&env.repo, &["commit", "-m", "clean"], env);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn system_hook_blocks_a_token_and_passes_a_clean_commit() {
    let env = setup("blastradius-system", false);
    check_blocks_and_passes(&env);
}

#[test]
#[ignore = "builds blastradius with cargo install (minutes); run with --include-ignored"]
fn language_rust_hook_builds_and_blocks() {
    let env = setup("blastradius", true);
    // Let pre-commit's `cargo install` share compiled dependencies between
    // runs instead of starting from nothing in a temporary directory.
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/precommit-install");
    let out = Command::new("pre-commit")
        .args(["install-hooks"])
        .current_dir(&env.repo)
        .env("PRE_COMMIT_HOME", &env.store)
        .env("PATH", &env.path)
        .env("CARGO_TARGET_DIR", &shared)
        .output()
        .unwrap();
    ok(out, "pre-commit install-hooks (cargo install)");
    // The built binary must be the hook's, not ours on PATH.
    let env = Env {
        path: std::env::join_paths(
            std::env::split_paths(&env.path).filter(|p| !p.join("blastradius").exists()),
        )
        .unwrap(),
        ..env
    };
    check_blocks_and_passes(&env);
}
