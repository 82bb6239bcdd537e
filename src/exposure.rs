//! Who can read a file: git's view (tracked, untracked, ignored) and the
//! agent deny-lists that hide it from some agents' file tools.
//!
//! Deny-lists are honoured where their agents honour them: `.cursorignore`
//! and `.aiexclude` in any directory (for that directory's subtree),
//! `.aiderignore`, `.geminiignore` and `.codeiumignore` at the project root,
//! Claude Code's `permissions.deny` `Read(...)` rules in the project's
//! `.claude/settings*.json`, and, for `$HOME`'s credential stores, the
//! `Read(~/…)` rules of the user's `~/.claude/settings.json`. A deny-list
//! only hides a file from the agent's file tools: a shell command still
//! reads it, so it lowers a finding's exposure but never removes it.
//!
//! Git's view is taken once per scanned root from `git ls-files`. Only the
//! untracked and ignored entries are kept, with wholly untracked or ignored
//! directories collapsed into one entry, so memory stays small even for very
//! large repositories: every other file in the work tree is tracked.

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

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

/// Files whose rules hide paths from an agent's file tools (gitignore
/// syntax), read at the scanned root: Cursor, Aider, Gemini CLI,
/// Windsurf/Codeium and Gemini Code Assist.
pub const AGENT_IGNORE_FILES: [&str; 5] = [
    ".cursorignore",
    ".aiderignore",
    ".geminiignore",
    ".codeiumignore",
    ".aiexclude",
];

/// The deny-list files that their agents also honour in subdirectories,
/// each for its own directory's subtree (like a nested `.gitignore`).
/// Aider, Gemini CLI and Windsurf read only the one at the project root.
pub const NESTED_IGNORE_FILES: [&str; 2] = [".cursorignore", ".aiexclude"];

/// Claude Code settings files whose `permissions.deny` `Read(...)` rules hide paths.
pub const CLAUDE_SETTINGS: [&str; 2] = [".claude/settings.json", ".claude/settings.local.json"];

/// Claude Code's user settings (relative to `$HOME`): their `Read(~/…)` and
/// `Read(//…)` rules apply to files in every directory, `$HOME` included.
pub const CLAUDE_USER_SETTINGS: &str = ".claude/settings.json";

type NamedList = (String, Gitignore);

/// The agent deny-lists that apply under a scanned root: the root's own
/// files, nested ones (looked up lazily, once per directory, only for files
/// that hold a finding), and Claude Code rules.
#[derive(Debug, Default)]
pub struct AgentDenyLists {
    root: PathBuf,
    /// Root-only lists and Claude Code rules.
    lists: Vec<NamedList>,
    /// [`NESTED_IGNORE_FILES`] by directory, the root's included.
    nested: Mutex<HashMap<(PathBuf, &'static str), Option<Gitignore>>>,
    nested_enabled: bool,
}

impl AgentDenyLists {
    /// Loads every deny-list file present at `root`. Unparseable lines are
    /// ignored, as the agents themselves do.
    pub fn load(root: &Path) -> AgentDenyLists {
        let mut lists = Vec::new();
        for name in AGENT_IGNORE_FILES {
            if NESTED_IGNORE_FILES.contains(&name) {
                continue;
            }
            if let Some(g) = ignore_file(root, name) {
                lists.push((name.to_string(), g));
            }
        }
        for name in CLAUDE_SETTINGS {
            lists.extend(
                claude_rules(&root.join(name), root, None)
                    .into_iter()
                    .map(|g| (name.to_string(), g)),
            );
        }
        AgentDenyLists {
            root: root.to_path_buf(),
            lists,
            nested: Mutex::default(),
            nested_enabled: true,
        }
    }

    /// The deny-lists that apply to files in `$HOME` itself (the credential
    /// stores): Claude Code's user settings' `Read(~/…)` and `Read(//…)`
    /// rules. Project deny-lists do not reach outside their project.
    pub fn for_home(home: &Path) -> AgentDenyLists {
        let shown = format!("~/{CLAUDE_USER_SETTINGS}");
        let lists = claude_rules(&home.join(CLAUDE_USER_SETTINGS), home, Some(home))
            .into_iter()
            .map(|g| (shown.clone(), g))
            .collect();
        AgentDenyLists {
            root: home.to_path_buf(),
            lists,
            nested: Mutex::default(),
            nested_enabled: false,
        }
    }

    /// The deny-list files that hide `path` (absolute, under the root), as
    /// paths relative to the root (`packages/api/.cursorignore`).
    ///
    /// For a nested kind, the deepest file with a rule matching the path
    /// decides, as with `.gitignore`: a `!negation` deeper down un-hides.
    pub fn hiding(&self, path: &Path) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if self.nested_enabled {
            if let Ok(rel) = path.strip_prefix(&self.root) {
                let mut dirs = vec![(self.root.clone(), String::new())];
                for part in rel.parent().into_iter().flat_map(Path::components) {
                    let (last, prefix) = dirs.last().cloned().unwrap_or_default();
                    let part = part.as_os_str().to_string_lossy();
                    dirs.push((last.join(&*part), format!("{prefix}{part}/")));
                }
                let mut cache = self.nested.lock().unwrap_or_else(|e| e.into_inner());
                for name in NESTED_IGNORE_FILES {
                    for (dir, prefix) in dirs.iter().rev() {
                        let g = cache
                            .entry((dir.clone(), name))
                            .or_insert_with(|| ignore_file(dir, name));
                        match g
                            .as_ref()
                            .map(|g| g.matched_path_or_any_parents(path, false))
                        {
                            Some(Match::Ignore(_)) => {
                                out.push(format!("{prefix}{name}"));
                                break;
                            }
                            Some(Match::Whitelist(_)) => break,
                            _ => {}
                        }
                    }
                }
            }
        }
        for (name, g) in &self.lists {
            if hides(g, path) && !out.contains(name) {
                out.push(name.clone());
            }
        }
        out
    }
}

fn hides(g: &Gitignore, path: &Path) -> bool {
    path.starts_with(g.path()) && g.matched_path_or_any_parents(path, false).is_ignore()
}

/// A gitignore-syntax file `name` in `dir`, when present and parseable.
fn ignore_file(dir: &Path, name: &str) -> Option<Gitignore> {
    let file = dir.join(name);
    if !file.is_file() {
        return None;
    }
    let mut b = GitignoreBuilder::new(dir);
    b.add(&file);
    b.build().ok()
}

/// The `Read(...)` deny rules of a Claude Code settings file, as gitignore
/// matchers: `//abs` from the filesystem root, `~/p` from `home` (when
/// given), `/p` and `./p` from `base` (the project root), and bare patterns
/// anywhere under `base`. With `home` given (user settings), only the
/// `~/` and `//` forms are kept: the others are relative to whichever
/// project the agent runs in.
fn claude_rules(settings: &Path, base: &Path, home: Option<&Path>) -> Vec<Gitignore> {
    let Ok(text) = std::fs::read_to_string(settings) else {
        return Vec::new();
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    let Some(deny) = json.pointer("/permissions/deny").and_then(|d| d.as_array()) else {
        return Vec::new();
    };
    let mut at_base = GitignoreBuilder::new(base);
    let mut at_home = home.map(GitignoreBuilder::new);
    let mut at_fs_root = GitignoreBuilder::new("/");
    let (mut n_base, mut n_home, mut n_root) = (0, 0, 0);
    for rule in deny.iter().filter_map(|r| r.as_str()) {
        let Some(glob) = rule.strip_prefix("Read(").and_then(|r| r.strip_suffix(')')) else {
            continue;
        };
        if let Some(abs) = glob.strip_prefix("//") {
            n_root += usize::from(at_fs_root.add_line(None, &format!("/{abs}")).is_ok());
        } else if let Some(rest) = glob.strip_prefix("~/") {
            if let Some(b) = at_home.as_mut() {
                n_home += usize::from(b.add_line(None, &format!("/{rest}")).is_ok());
            }
        } else if home.is_none() {
            let glob = glob
                .strip_prefix("./")
                .map_or(glob.to_string(), |g| format!("/{g}"));
            n_base += usize::from(at_base.add_line(None, &glob).is_ok());
        }
    }
    let mut out = Vec::new();
    for (n, b) in [
        (n_base, Some(at_base)),
        (n_home, at_home),
        (n_root, Some(at_fs_root)),
    ] {
        if let (true, Some(b)) = (n > 0, b) {
            out.extend(b.build().ok());
        }
    }
    out
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

    #[test]
    fn nested_cursorignore_and_aiexclude_apply_to_their_subtree() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("packages/api/config")).unwrap();
        std::fs::create_dir_all(root.join("packages/web")).unwrap();
        std::fs::write(root.join("packages/api/.cursorignore"), "config/\n").unwrap();
        std::fs::write(root.join("packages/.aiexclude"), "*.env\n").unwrap();
        // Aider reads only the root file: a nested one is not honoured.
        std::fs::write(root.join("packages/web/.aiderignore"), "*\n").unwrap();
        let lists = AgentDenyLists::load(root);
        assert_eq!(
            lists.hiding(&root.join("packages/api/config/prod.json")),
            vec!["packages/api/.cursorignore"]
        );
        assert_eq!(
            lists.hiding(&root.join("packages/api/.env")),
            vec!["packages/.aiexclude"]
        );
        assert!(lists.hiding(&root.join("packages/web/config/x")).is_empty());
        assert!(lists.hiding(&root.join("config/prod.json")).is_empty());
        // Cached: a second look gives the same answer.
        assert_eq!(
            lists.hiding(&root.join("packages/api/config/prod.json")),
            vec!["packages/api/.cursorignore"]
        );
    }

    #[test]
    fn a_deeper_negation_unhides_like_gitignore() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("svc")).unwrap();
        std::fs::write(root.join(".cursorignore"), "*.env\n").unwrap();
        std::fs::write(root.join("svc/.cursorignore"), "!prod.env\n").unwrap();
        let lists = AgentDenyLists::load(root);
        assert!(lists.hiding(&root.join("svc/prod.env")).is_empty());
        assert_eq!(
            lists.hiding(&root.join("svc/dev.env")),
            vec![".cursorignore"]
        );
    }

    #[test]
    fn claude_rule_forms_and_user_settings_for_home() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        std::fs::create_dir_all(home.join(".claude")).unwrap();
        std::fs::write(
            home.join(".claude/settings.json"),
            r#"{"permissions": {"deny": ["Read(~/.aws/**)", "Read(//etc/shadow)", "Read(./.env)", "Edit(~/.npmrc)"]}}"#,
        )
        .unwrap();
        let lists = AgentDenyLists::for_home(home);
        assert_eq!(
            lists.hiding(&home.join(".aws/credentials")),
            vec!["~/.claude/settings.json"]
        );
        assert!(lists.hiding(&home.join(".npmrc")).is_empty());
        assert!(lists.hiding(&home.join(".env")).is_empty());
        assert!(lists.hiding(Path::new("/etc/shadow")).len() == 1);
        // A project's own settings: `./` and bare patterns are project-relative.
        let proj = home.join("proj");
        std::fs::create_dir_all(proj.join(".claude")).unwrap();
        std::fs::write(
            proj.join(".claude/settings.local.json"),
            r#"{"permissions": {"deny": ["Read(**/secrets/**)", "Read(/deploy/*.env)"]}}"#,
        )
        .unwrap();
        let lists = AgentDenyLists::load(&proj);
        assert_eq!(
            lists.hiding(&proj.join("a/secrets/x.txt")),
            vec![".claude/settings.local.json"]
        );
        assert_eq!(lists.hiding(&proj.join("deploy/prod.env")).len(), 1);
        assert!(lists.hiding(&proj.join("x/deploy/prod.env")).is_empty());
    }

    #[test]
    fn paths_outside_the_root_are_never_hidden_and_never_panic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".cursorignore"), "*\n").unwrap();
        let lists = AgentDenyLists::load(dir.path());
        assert!(lists.hiding(Path::new("/somewhere/else")).is_empty());
    }
}
