//! Who can read a file: git's view (tracked, untracked, ignored) and the
//! agent deny-lists that hide it from some agents' file tools.
//!
//! Git's view is taken once per scanned root from `git ls-files`. Only the
//! untracked and ignored entries are kept, with wholly untracked or ignored
//! directories collapsed into one entry, so memory stays small even for very
//! large repositories: every other file in the work tree is tracked.

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Git's view of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GitStatus {
    /// In the index: every clone and every agent has it.
    Tracked,
    /// In the work tree, not in the index, not ignored.
    Untracked,
    /// Matched by an ignore rule (`.gitignore`, `info/exclude`, global excludes).
    Ignored,
    /// Not in a git work tree.
    None,
}

/// Where a file was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    /// Under a scanned path.
    Workspace,
    /// In a credential store under `$HOME`.
    Home,
    /// In git history.
    History,
}

/// A finding's exposure, as reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exposure {
    /// Git's view.
    pub git: GitStatus,
    /// Agent deny-list files that hide this file from some agents.
    pub agent_ignored_by: Vec<String>,
    /// Where it was found.
    pub location: Location,
}

/// Git's view of one work tree.
#[derive(Debug)]
pub struct GitView {
    top: PathBuf,
    untracked: HashSet<String>,
    ignored: HashSet<String>,
}

impl GitView {
    /// Asks git about the work tree containing `dir`; `None` when `dir` is
    /// not in a work tree or git is not installed.
    pub fn for_dir(dir: &Path) -> Option<GitView> {
        let top = git(dir, &["rev-parse", "--show-toplevel"])?;
        let top = PathBuf::from(
            String::from_utf8_lossy(&top)
                .trim_end_matches(['\n', '\r'])
                .to_string(),
        );
        let untracked = git(
            &top,
            &[
                "ls-files",
                "-z",
                "--others",
                "--exclude-standard",
                "--directory",
            ],
        )?;
        let ignored = git(
            &top,
            &[
                "ls-files",
                "-z",
                "--others",
                "--ignored",
                "--exclude-standard",
                "--directory",
            ],
        )?;
        let split = |bytes: Vec<u8>| -> HashSet<String> {
            bytes
                .split(|&b| b == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s).trim_end_matches('/').to_string())
                .collect()
        };
        Some(GitView {
            top: top.canonicalize().unwrap_or(top),
            untracked: split(untracked),
            ignored: split(ignored),
        })
    }

    /// Git's view of `path` (absolute, canonical).
    pub fn status(&self, path: &Path) -> GitStatus {
        let Ok(rel) = path.strip_prefix(&self.top) else {
            return GitStatus::None;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if rel == ".git/config" {
            return GitStatus::None;
        }
        let mut prefix = rel.as_str();
        loop {
            if self.ignored.contains(prefix) {
                return GitStatus::Ignored;
            }
            if self.untracked.contains(prefix) {
                return GitStatus::Untracked;
            }
            match prefix.rfind('/') {
                Some(i) => prefix = &prefix[..i],
                None => return GitStatus::Tracked,
            }
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// Files whose rules hide paths from an agent's file tools (gitignore syntax).
pub const AGENT_IGNORE_FILES: [&str; 4] = [
    ".cursorignore",
    ".aiderignore",
    ".geminiignore",
    ".codeiumignore",
];

/// Claude Code settings files whose `permissions.deny` `Read(...)` rules hide paths.
pub const CLAUDE_SETTINGS: [&str; 2] = [".claude/settings.json", ".claude/settings.local.json"];

/// The agent deny-lists found at a scanned root.
#[derive(Debug, Default)]
pub struct AgentDenyLists {
    lists: Vec<(String, Gitignore)>,
}

impl AgentDenyLists {
    /// Loads every deny-list file present at `root`. Unparseable lines are
    /// ignored, as the agents themselves do.
    pub fn load(root: &Path) -> AgentDenyLists {
        let mut lists = Vec::new();
        for name in AGENT_IGNORE_FILES {
            let file = root.join(name);
            if file.is_file() {
                let mut b = GitignoreBuilder::new(root);
                b.add(&file);
                if let Ok(g) = b.build() {
                    lists.push((name.to_string(), g));
                }
            }
        }
        for name in CLAUDE_SETTINGS {
            let Ok(text) = std::fs::read_to_string(root.join(name)) else {
                continue;
            };
            let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            let Some(deny) = json.pointer("/permissions/deny").and_then(|d| d.as_array()) else {
                continue;
            };
            let mut b = GitignoreBuilder::new(root);
            let mut any = false;
            for rule in deny.iter().filter_map(|r| r.as_str()) {
                if let Some(glob) = rule.strip_prefix("Read(").and_then(|r| r.strip_suffix(')')) {
                    let glob = glob
                        .strip_prefix("./")
                        .map_or(glob.to_string(), |g| format!("/{g}"));
                    any |= b.add_line(None, &glob).is_ok();
                }
            }
            if any {
                if let Ok(g) = b.build() {
                    lists.push((name.to_string(), g));
                }
            }
        }
        AgentDenyLists { lists }
    }

    /// The deny-list files that hide `path` (absolute, under the root).
    pub fn hiding(&self, path: &Path) -> Vec<String> {
        self.lists
            .iter()
            .filter(|(_, g)| g.matched_path_or_any_parents(path, false).is_ignore())
            .map(|(name, _)| name.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursorignore_and_claude_rules_hide_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".cursorignore"), ".env*\nsecrets/\n").unwrap();
        std::fs::create_dir(dir.path().join(".claude")).unwrap();
        std::fs::write(
            dir.path().join(".claude/settings.json"),
            r#"{"permissions": {"deny": ["Read(./.env.production)", "Bash(rm:*)"]}}"#,
        )
        .unwrap();
        let lists = AgentDenyLists::load(dir.path());
        assert_eq!(
            lists.hiding(&dir.path().join(".env.production")),
            vec![".cursorignore", ".claude/settings.json"]
        );
        assert_eq!(
            lists.hiding(&dir.path().join("secrets/a.txt")),
            vec![".cursorignore"]
        );
        assert!(lists.hiding(&dir.path().join("src/main.rs")).is_empty());
    }
}
