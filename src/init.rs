//! `blastradius init`: a starter `blastradius.toml`, a pre-commit entry and
//! a GitHub Actions workflow, so a repository is set up in one command.
//! Nothing is overwritten without `--force`: when any file exists, nothing
//! at all is written and the error names every file in the way.

use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The starter policy file.
pub const CONFIG: &str = r#"# blastradius policy. Run `blastradius explain` for every scoring rule.
#
# Findings scoring at or above this fail `blastradius scan` (exit status 1):
# 90+ critical, 70-89 high, 40-69 medium, below 40 low.
fail_on = 70

# Accept a finding on purpose, with a reason (and optionally an expiry date):
# [[allow]]
# path = "fixtures/**"
# reason = "test fixtures, test-mode keys only"

# More credential files for `blastradius scan --home` to read:
# [home]
# extra_paths = ["~/.config/acme/credentials.json"]
"#;

/// The pre-commit configuration (a local hook: it uses the installed
/// `blastradius`, so it needs no repository URL).
pub const PRE_COMMIT: &str = r#"# pre-commit (https://pre-commit.com): pip install pre-commit && pre-commit install
# Scans only what is being committed, offline, and refuses the commit when a
# token's blast radius is at or above fail_on (blastradius.toml).
repos:
  - repo: local
    hooks:
      - id: blastradius
        name: blastradius
        entry: blastradius scan --staged --offline
        language: system
        pass_filenames: false
        require_serial: true
"#;

/// The GitHub Actions workflow: changed files on pull requests, the whole
/// tree and its history every week, a summary on the run page and SARIF for
/// code scanning.
pub fn workflow() -> String {
    WORKFLOW.replace("{VERSION}", env!("CARGO_PKG_VERSION"))
}

const WORKFLOW: &str = r#"# blastradius: what could an AI agent destroy with the tokens in this repository?
name: blastradius

on:
  pull_request:
  schedule:
    - cron: "17 6 * * 1"
  workflow_dispatch:

permissions:
  contents: read

jobs:
  scan:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write
    steps:
      - uses: actions/checkout@v5
        with:
          fetch-depth: 0
      - name: Install blastradius
        run: cargo install --locked blastradius --version {VERSION}
      - name: Scan
        shell: bash
        env:
          EVENT: ${{ github.event_name }}
          BASE_REF: ${{ github.base_ref }}
        run: |
          args=(scan .)
          if [ "$EVENT" = pull_request ]; then
            args+=(--diff "origin/$BASE_REF")
          else
            args+=(--history)
          fi
          status=0
          blastradius "${args[@]}" --format sarif --output blastradius.sarif || [ $? -eq 1 ]
          blastradius "${args[@]}" --format markdown --output blastradius.md || status=$?
          cat blastradius.md >> "$GITHUB_STEP_SUMMARY"
          exit "$status"
      - name: Upload SARIF to code scanning
        if: ${{ !cancelled() && hashFiles('blastradius.sarif') != '' }}
        uses: github/codeql-action/upload-sarif@v4
        with:
          sarif_file: blastradius.sarif
          category: blastradius
"#;

/// The files `init` writes, relative to the repository.
pub fn files() -> Vec<(PathBuf, String)> {
    vec![
        (PathBuf::from(crate::config::FILE_NAME), CONFIG.to_string()),
        (
            PathBuf::from(".pre-commit-config.yaml"),
            PRE_COMMIT.to_string(),
        ),
        (
            PathBuf::from(".github/workflows/blastradius.yml"),
            workflow(),
        ),
    ]
}

/// Writes the starter files into `dir`; refuses, writing nothing, when any
/// exists and `force` is not set.
pub fn init(dir: &Path, force: bool, out: &mut dyn Write) -> Result<()> {
    if !dir.is_dir() {
        bail!("init: {} is not a directory", dir.display());
    }
    let files = files();
    let existing: Vec<String> = files
        .iter()
        .filter(|(p, _)| dir.join(p).exists())
        .map(|(p, _)| p.display().to_string())
        .collect();
    if !existing.is_empty() && !force {
        bail!(
            "init: {} already exist{}; nothing was written (use --force to overwrite)",
            existing.join(", "),
            if existing.len() == 1 { "s" } else { "" }
        );
    }
    for (rel, text) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        let verb = if existing.contains(&rel.display().to_string()) {
            "overwrote"
        } else {
            "wrote"
        };
        writeln!(out, "{verb} {}", rel.display())?;
    }
    writeln!(
        out,
        "\nNext:\n  blastradius scan              # what an agent here could destroy\n  \
         pip install pre-commit && pre-commit install   # scan every commit\n  \
         git add {} .pre-commit-config.yaml .github/workflows/blastradius.yml",
        crate::config::FILE_NAME
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_then_refuses_then_forces() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        init(dir.path(), false, &mut out).unwrap();
        for (rel, text) in files() {
            assert_eq!(
                std::fs::read_to_string(dir.path().join(&rel)).unwrap(),
                text
            );
        }
        std::fs::write(dir.path().join(".pre-commit-config.yaml"), "mine").unwrap();
        let err = init(dir.path(), false, &mut Vec::new())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--force") && err.contains("blastradius.toml"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join(".pre-commit-config.yaml")).unwrap(),
            "mine"
        );
        let mut out = Vec::new();
        init(dir.path(), true, &mut out).unwrap();
        assert!(String::from_utf8(out)
            .unwrap()
            .contains("overwrote .pre-commit-config.yaml"));
    }

    #[test]
    fn the_starter_config_is_valid() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("blastradius.toml");
        std::fs::write(&p, CONFIG).unwrap();
        let c = crate::config::Config::load(&p).unwrap();
        assert_eq!(c.fail_on, Some(70));
    }

    #[test]
    fn the_workflow_pins_this_version() {
        assert!(workflow().contains(&format!("--version {}", env!("CARGO_PKG_VERSION"))));
    }
}
