//! Shell completions and man pages, generated from the clap definition so
//! they never drift from the real flags.

use crate::cli::Cli;
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

/// Writes the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<()> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "blastradius", out);
    Ok(())
}

/// Writes the top-level man page (roff) to `out`.
pub fn man(out: &mut dyn Write) -> Result<()> {
    clap_mangen::Man::new(Cli::command())
        .render(out)
        .context("rendering the man page")
}

/// Writes one man page per command (`blastradius.1`, `blastradius-scan.1`,
/// …) into `dir`, creating it, and returns their paths.
pub fn man_pages(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir)
        .with_context(|| format!("writing man pages to {}", dir.display()))?;
    let mut written: Vec<std::path::PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("blastradius") && n.ends_with(".1"))
        })
        .collect();
    written.sort();
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_know_the_flags() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
        ] {
            let mut out = Vec::new();
            completions(shell, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            for flag in ["staged", "home", "agent-view", "fail-on"] {
                let written = match shell {
                    clap_complete::Shell::Fish => format!("-l {flag}"),
                    _ => format!("--{flag}"),
                };
                assert!(text.contains(&written), "{shell:?} lacks {written}");
            }
        }
    }

    #[test]
    fn man_pages_for_every_command() {
        let mut out = Vec::new();
        man(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(".TH blastradius"), "{text}");
        let dir = tempfile::tempdir().unwrap();
        let pages = man_pages(dir.path()).unwrap();
        let names: Vec<String> = pages
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        for n in [
            "blastradius.1",
            "blastradius-scan.1",
            "blastradius-init.1",
            "blastradius-detectors-list.1",
        ] {
            assert!(names.iter().any(|x| x == n), "{names:?}");
        }
        let scan = std::fs::read_to_string(dir.path().join("blastradius-scan.1")).unwrap();
        assert!(scan.contains("staged"));
    }
}
