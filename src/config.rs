//! `blastradius.toml`: the policy file. Unknown keys are errors that name the
//! line, so a typo never silently weakens a CI gate.

use crate::error::ConfigError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file's contents.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Findings scoring at or above this fail the run.
    pub fail_on: Option<u8>,
    /// Extra detector files, relative to the config file.
    #[serde(default)]
    pub detectors: Vec<PathBuf>,
    /// Walk settings.
    #[serde(default)]
    pub scan: ScanConfig,
}

/// `[scan]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    /// Largest file searched, in bytes.
    pub max_file_size: Option<u64>,
}

/// The default file name.
pub const FILE_NAME: &str = "blastradius.toml";

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut cfg: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: toml_message(&text, &e),
        })?;
        if cfg.fail_on.is_some_and(|f| f > 100) {
            return Err(ConfigError::Parse {
                path: path.to_path_buf(),
                message: "fail_on must be 0-100".into(),
            });
        }
        let base = path.parent().unwrap_or(Path::new("."));
        for d in &mut cfg.detectors {
            if d.is_relative() {
                *d = base.join(&*d);
            }
        }
        Ok(cfg)
    }

    /// `--config FILE`, else `./blastradius.toml`, else the first scanned
    /// directory's `blastradius.toml`, else defaults.
    pub fn discover(
        explicit: Option<&Path>,
        first_root: Option<&Path>,
    ) -> Result<Config, ConfigError> {
        if let Some(p) = explicit {
            return Config::load(p);
        }
        let candidates = [
            Some(PathBuf::from(FILE_NAME)),
            first_root.map(|r| r.join(FILE_NAME)),
        ];
        for c in candidates.into_iter().flatten() {
            if c.is_file() {
                return Config::load(&c);
            }
        }
        Ok(Config::default())
    }
}

/// A TOML error as one line: `line N, column M: message`.
fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim().to_string();
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {col}: {msg}")
        }
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        std::fs::write(&p, "fail_on = 80\nfial_on = 3\n").unwrap();
        let err = Config::load(&p).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("fial_on"), "{err}");
    }

    #[test]
    fn valid_config_loads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        std::fs::write(
            &p,
            "fail_on = 80\ndetectors = [\"mine.toml\"]\n[scan]\nmax_file_size = 100\n",
        )
        .unwrap();
        let c = Config::load(&p).unwrap();
        assert_eq!(c.fail_on, Some(80));
        assert_eq!(c.detectors, vec![dir.path().join("mine.toml")]);
    }
}
