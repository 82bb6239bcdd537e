//! `--diff BASE`: scan only the files that changed between `BASE` and the
//! working tree (modified, added, renamed, and untracked files that are not
//! ignored), so a pull-request check on a large repository takes seconds.
//! Uses the git binary: `git diff --name-only -z BASE` plus
//! `git ls-files --others --exclude-standard`.

use crate::detectors::DetectorSet;
use crate::exposure::{AgentDenyLists, Exposure, GitView, Location};
use crate::scan::{scan_files, ScanOptions, ScanOutput};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why the changed files could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// The base is not something git should be handed.
    #[error("--diff {0:?}: not a commit, branch or tag name")]
    BadBase(String),
    /// git could not be run.
    #[error("--diff: cannot run git: {0}")]
    Spawn(#[source] std::io::Error),
    /// git refused (unknown revision, not a repository).
    #[error("--diff {base}: git {what} failed: {message}")]
    Git {
        /// The base given.
        base: String,
        /// Which git command.
        what: &'static str,
        /// git's first line of error output.
        message: String,
    },
}

/// The files under `dir` that differ from `base` in the working tree, plus
/// untracked files that are not ignored, as paths relative to `dir`.
/// Deleted files are left out.
pub fn changed_files(dir: &Path, base: &str) -> Result<Vec<PathBuf>, DiffError> {
    if base.is_empty() || base.starts_with('-') || base.contains('\0') {
        return Err(DiffError::BadBase(base.to_string()));
    }
    let changed = git(
        dir,
        &[
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            "--relative",
            base,
            "--",
        ],
        base,
        "diff",
    )?;
    let untracked = git(
        dir,
        &["ls-files", "-z", "--others", "--exclude-standard"],
        base,
        "ls-files",
    )?;
    let mut files: Vec<PathBuf> = changed
        .split(|&b| b == 0)
        .chain(untracked.split(|&b| b == 0))
        .filter(|s| !s.is_empty())
        .map(|s| PathBuf::from(String::from_utf8_lossy(s).into_owned()))
        .filter(|rel| std::fs::symlink_metadata(dir.join(rel)).is_ok())
        .collect();
    files.sort();
    files.dedup();
    Ok(files)
}

/// Scans the files changed under `dir` since `base`, with the same exposure
/// (git status, agent deny-lists) a full scan of `dir` would give them.
pub fn scan_diff(
    dir: &Path,
    base: &str,
    detectors: &DetectorSet,
    opts: &ScanOptions,
) -> Result<ScanOutput, DiffError> {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let files: Vec<PathBuf> = changed_files(&dir, base)?
        .into_iter()
        .map(|rel| dir.join(rel))
        .collect();
    let mut out = scan_files(&files, &dir, "", detectors, opts);
    if !out.candidates.is_empty() {
        let git = GitView::for_dir(&dir);
        let agents = AgentDenyLists::load(&dir);
        for c in &mut out.candidates {
            let abs = dir.join(&c.path);
            c.exposure = Exposure {
                git: git
                    .as_ref()
                    .map_or(crate::exposure::GitStatus::None, |g| g.status(&abs)),
                agent_ignored_by: agents.hiding(&abs),
                location: Location::Workspace,
            };
        }
    }
    Ok(out)
}

fn git(dir: &Path, args: &[&str], base: &str, what: &'static str) -> Result<Vec<u8>, DiffError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(DiffError::Spawn)?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let message = stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no error message")
            .trim()
            .to_string();
        return Err(DiffError::Git {
            base: base.to_string(),
            what,
            message,
        });
    }
    Ok(out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn lists_changed_and_untracked_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        run(d, &["init", "-q"]);
        std::fs::write(d.join("old.txt"), "a").unwrap();
        std::fs::write(d.join("same.txt"), "a").unwrap();
        std::fs::write(d.join("gone.txt"), "a").unwrap();
        std::fs::write(d.join(".gitignore"), "ignored.env\n").unwrap();
        run(d, &["add", "."]);
        run(d, &["commit", "-q", "-m", "base"]);
        std::fs::write(d.join("old.txt"), "b").unwrap();
        std::fs::remove_file(d.join("gone.txt")).unwrap();
        std::fs::write(d.join("new.txt"), "n").unwrap();
        std::fs::write(d.join("ignored.env"), "n").unwrap();
        let files = changed_files(d, "HEAD").unwrap();
        assert_eq!(
            files,
            vec![PathBuf::from("new.txt"), PathBuf::from("old.txt")]
        );
    }

    #[test]
    fn bad_bases_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            changed_files(dir.path(), "--output=/tmp/x"),
            Err(DiffError::BadBase(_))
        ));
        run(dir.path(), &["init", "-q"]);
        let err = changed_files(dir.path(), "no-such-branch").unwrap_err();
        assert!(matches!(err, DiffError::Git { .. }), "{err}");
    }
}
