//! `blastradius scan --agent-view`: the picture to look at before enabling
//! an agent — which files it can read, which an agent deny-list hides from
//! its file tools (still readable with a shell command), and which tokens
//! sit in each.

use crate::exposure::{AgentDenyLists, GitStatus, GitView};
use crate::report::{Finding, Format};
use anyhow::{bail, Result};
use ignore::WalkBuilder;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How many hidden files the table names before summarising.
const MAX_HIDDEN_SHOWN: usize = 40;

/// One readable file.
#[derive(Debug, Serialize)]
pub struct FileView {
    /// Path relative to the scanned root (`~/…` for home stores).
    pub path: String,
    /// Git's view.
    pub git: GitStatus,
    /// Deny-lists that hide it from some agents' file tools.
    pub agent_ignored_by: Vec<String>,
    /// The tokens in it.
    pub tokens: Vec<TokenView>,
}

/// A token in a file, as the view shows it (never the whole secret).
#[derive(Debug, Serialize)]
pub struct TokenView {
    /// 1-based line.
    pub line: usize,
    /// Provider.
    pub provider: String,
    /// Detector id.
    pub detector: String,
    /// Token kind.
    pub token_kind: String,
    /// The redacted secret.
    pub secret: String,
    /// Score and band.
    pub score: u8,
    /// Severity band.
    pub severity: crate::scoring::Severity,
}

/// What an agent running in one root can read.
#[derive(Debug, Serialize)]
pub struct RootView {
    /// The root, as given.
    pub root: String,
    /// Every regular file under it (outside `.git/`, except `.git/config`).
    pub files: Vec<FileView>,
}

/// The whole view.
#[derive(Debug, Serialize)]
pub struct AgentView {
    /// One entry per scanned path.
    pub roots: Vec<RootView>,
    /// Credential stores in `$HOME` holding tokens (with `--home`).
    pub home: Vec<FileView>,
}

fn token_view(f: &Finding) -> TokenView {
    TokenView {
        line: f.line,
        provider: f.provider.clone(),
        detector: f.detector.clone(),
        token_kind: f.scope.token_kind.clone(),
        secret: f.secret.clone(),
        score: f.score,
        severity: f.severity,
    }
}

/// Builds the view of `paths` from the scan's findings.
pub fn build(paths: &[PathBuf], findings: &[Finding]) -> AgentView {
    let mut by_path: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_path.entry(f.path.as_str()).or_default().push(f);
    }
    let mut roots = Vec::new();
    for p in paths {
        let abs = p.canonicalize().unwrap_or_else(|_| p.clone());
        let base = if abs.is_file() {
            abs.parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| abs.clone())
        } else {
            abs.clone()
        };
        let git = GitView::for_dir(&base);
        let agents = AgentDenyLists::load(&base);
        let mut files = Vec::new();
        let walker = WalkBuilder::new(&abs)
            .standard_filters(false)
            .filter_entry(|e| e.file_name() != ".git" || !e.file_type().is_some_and(|t| t.is_dir()))
            .build();
        let mut paths_found: Vec<PathBuf> = walker
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
            .map(|e| e.into_path())
            .collect();
        if base.join(".git/config").is_file() && abs.is_dir() {
            paths_found.push(base.join(".git/config"));
        }
        paths_found.sort();
        for file in paths_found {
            let rel = file
                .strip_prefix(&base)
                .unwrap_or(&file)
                .to_string_lossy()
                .replace('\\', "/");
            let tokens = by_path
                .get(rel.as_str())
                .map(|fs| fs.iter().map(|f| token_view(f)).collect())
                .unwrap_or_default();
            files.push(FileView {
                git: if rel == ".git/config" {
                    GitStatus::None
                } else {
                    git.as_ref().map_or(GitStatus::None, |g| g.status(&file))
                },
                agent_ignored_by: agents.hiding(&file),
                tokens,
                path: rel,
            });
        }
        roots.push(RootView {
            root: p.display().to_string(),
            files,
        });
    }
    let home = by_path
        .iter()
        .filter(|(p, _)| p.starts_with("~/"))
        .map(|(p, fs)| FileView {
            path: p.to_string(),
            git: GitStatus::None,
            agent_ignored_by: fs[0].exposure.agent_ignored_by.clone(),
            tokens: fs.iter().map(|f| token_view(f)).collect(),
        })
        .collect();
    AgentView { roots, home }
}

/// Writes the view as a table for people or as JSON.
pub fn write(view: &AgentView, format: Format, color: bool, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, view)?;
            writeln!(out)?;
            Ok(())
        }
        Format::Table => write_table(view, color, out),
        Format::Sarif | Format::Markdown => {
            bail!("--agent-view writes --format table or json")
        }
    }
}

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    fn severity(&self, score: u8, s: &str) -> String {
        match score {
            90.. => self.wrap("1;31", s),
            70..=89 => self.wrap("31", s),
            40..=69 => self.wrap("33", s),
            _ => s.to_string(),
        }
    }
}

fn token_line(t: &TokenView) -> String {
    format!("{} {} {}", t.provider, t.token_kind, t.secret)
}

fn write_files_with_tokens(files: &[&FileView], p: &Paint, out: &mut dyn Write) -> Result<()> {
    let width = files
        .iter()
        .flat_map(|f| {
            f.tokens
                .iter()
                .map(move |t| f.path.len() + 1 + t.line.to_string().len())
        })
        .max()
        .unwrap_or(0)
        .clamp(10, 48);
    let mut rows: Vec<(&FileView, &TokenView)> = files
        .iter()
        .flat_map(|f| f.tokens.iter().map(move |t| (*f, t)))
        .collect();
    rows.sort_by(|a, b| {
        b.1.score
            .cmp(&a.1.score)
            .then_with(|| a.0.path.cmp(&b.0.path))
    });
    for (f, t) in rows {
        let hidden = if f.agent_ignored_by.is_empty() {
            "readable by every agent".to_string()
        } else {
            format!("hidden by {}", f.agent_ignored_by.join(", "))
        };
        let place = format!("{}:{}", f.path, t.line);
        writeln!(
            out,
            "  {}  {place:<width$}  {}  {}",
            p.severity(
                t.score,
                &format!("{:>3} {:<8}", t.score, t.severity.as_str())
            ),
            token_line(t),
            p.dim(&format!("({hidden})")),
        )?;
    }
    Ok(())
}

fn write_table(view: &AgentView, color: bool, out: &mut dyn Write) -> Result<()> {
    let p = Paint(color);
    for root in &view.roots {
        let total = root.files.len();
        let count = |s: GitStatus| root.files.iter().filter(|f| f.git == s).count();
        let hidden: Vec<&FileView> = root
            .files
            .iter()
            .filter(|f| !f.agent_ignored_by.is_empty())
            .collect();
        writeln!(out, "{}", p.bold(&format!("Agent view of {}", root.root)))?;
        writeln!(
            out,
            "  {total} files an agent can read ({} tracked, {} untracked, {} git-ignored, {} outside git)",
            count(GitStatus::Tracked),
            count(GitStatus::Untracked),
            count(GitStatus::Ignored),
            count(GitStatus::None),
        )?;
        writeln!(
            out,
            "  {} hidden from some agents' file tools by a deny-list (a shell command still reads them)",
            hidden.len()
        )?;
        if !hidden.is_empty() {
            writeln!(out, "\n{}", p.bold("Hidden by a deny-list"))?;
            for f in hidden.iter().take(MAX_HIDDEN_SHOWN) {
                let tokens = match f.tokens.len() {
                    0 => String::new(),
                    1 => "  1 token".into(),
                    n => format!("  {n} tokens"),
                };
                writeln!(
                    out,
                    "  {:<40} {}{tokens}",
                    f.path,
                    p.dim(&f.agent_ignored_by.join(", "))
                )?;
            }
            if hidden.len() > MAX_HIDDEN_SHOWN {
                writeln!(
                    out,
                    "  … and {} more (--format json lists every file)",
                    hidden.len() - MAX_HIDDEN_SHOWN
                )?;
            }
        }
        let with_tokens: Vec<&FileView> =
            root.files.iter().filter(|f| !f.tokens.is_empty()).collect();
        writeln!(out, "\n{}", p.bold("Tokens an agent can read"))?;
        if with_tokens.is_empty() {
            writeln!(out, "  none found")?;
        } else {
            write_files_with_tokens(&with_tokens, &p, out)?;
        }
        writeln!(out)?;
    }
    if !view.home.is_empty() {
        writeln!(
            out,
            "{}",
            p.bold("Credential stores in $HOME (an agent running as you reads them too)")
        )?;
        let files: Vec<&FileView> = view.home.iter().collect();
        write_files_with_tokens(&files, &p, out)?;
        writeln!(out)?;
    }
    writeln!(
        out,
        "{}",
        p.dim("Run `blastradius scan` for what each token can destroy and how to replace it.")
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_readable_hidden_and_token_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(".cursorignore"), ".env*\n").unwrap();
        std::fs::write(root.join(".env.production"), "X=1\n").unwrap();
        std::fs::create_dir(root.join("src")).unwrap();
        std::fs::write(root.join("src/main.rs"), "fn main() {}\n").unwrap();
        std::fs::create_dir_all(root.join(".git/objects")).unwrap();
        std::fs::write(root.join(".git/objects/x"), "blob").unwrap();
        let view = build(&[root.to_path_buf()], &[]);
        let files: Vec<&str> = view.roots[0]
            .files
            .iter()
            .map(|f| f.path.as_str())
            .collect();
        assert_eq!(files, [".cursorignore", ".env.production", "src/main.rs"]);
        assert_eq!(view.roots[0].files[1].agent_ignored_by, [".cursorignore"]);
        let mut out = Vec::new();
        write(&view, Format::Table, false, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("3 files an agent can read"), "{text}");
        assert!(text.contains("1 hidden from some agents"), "{text}");
        assert!(text.contains(".env.production"), "{text}");
        assert!(!text.contains('\x1b'));
        assert!(write(&view, Format::Sarif, false, &mut Vec::new()).is_err());
    }
}
