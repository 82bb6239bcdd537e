//! Baselines: accepted findings, recorded by fingerprint with their score.
//!
//! `--write-baseline FILE` records every current finding; `--baseline FILE`
//! marks findings whose fingerprint is recorded there as `baselined`: still
//! listed, but they do not fail the run. A baselined finding whose score has
//! *risen* since (say, the token gained production reach) is not accepted
//! and fails again. The file holds fingerprints (one-way hashes), never
//! secrets, and is meant to be committed.

use crate::report::Finding;
use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// The baseline file's format version.
pub const VERSION: u32 = 1;

/// A baseline file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version, [`VERSION`].
    pub version: u32,
    /// The tool that wrote it.
    #[serde(default)]
    pub tool: String,
    /// The accepted findings.
    pub findings: Vec<Entry>,
}

/// One accepted finding.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The finding's fingerprint (detector + secret, hashed).
    pub fingerprint: String,
    /// Its score when accepted: a higher score later fails again.
    pub score: u8,
    /// Detector id (informative).
    #[serde(default)]
    pub detector: String,
    /// Where it was (informative: matching is by fingerprint only).
    #[serde(default)]
    pub path: String,
    /// Its line (informative).
    #[serde(default)]
    pub line: usize,
}

impl Baseline {
    /// The baseline of `findings`, sorted for stable diffs.
    pub fn of(findings: &[Finding]) -> Baseline {
        let mut entries: Vec<Entry> = findings
            .iter()
            .map(|f| Entry {
                fingerprint: f.fingerprint.clone(),
                score: f.score,
                detector: f.detector.clone(),
                path: f.path.clone(),
                line: f.line,
            })
            .collect();
        entries.sort();
        entries.dedup();
        Baseline {
            version: VERSION,
            tool: format!("blastradius {}", env!("CARGO_PKG_VERSION")),
            findings: entries,
        }
    }

    /// Marks the findings it accepts. A fingerprint recorded several times
    /// is accepted up to its highest recorded score.
    pub fn mark(&self, findings: &mut [Finding]) {
        let mut accepted: HashMap<&str, u8> = HashMap::new();
        for e in &self.findings {
            let s = accepted.entry(e.fingerprint.as_str()).or_insert(e.score);
            *s = (*s).max(e.score);
        }
        for f in findings {
            if let Some(&score) = accepted.get(f.fingerprint.as_str()) {
                f.gate.baseline_score = Some(score);
                f.gate.baselined = f.score <= score;
            }
        }
    }
}

/// Marks findings listed in the baseline at `path`.
pub fn apply(path: &Path, findings: &mut [Finding]) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading baseline {}", path.display()))?;
    // serde quotes the value it refused, which may be a secret: redacted.
    let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "baseline {} is not a blastradius baseline: {}",
            path.display(),
            crate::secret::redact_quoted(&e.to_string(), 12)
        )
    })?;
    if baseline.version != VERSION {
        bail!(
            "baseline {}: version {} is not supported (expected {VERSION})",
            path.display(),
            baseline.version
        );
    }
    baseline.mark(findings);
    Ok(())
}

/// Writes the findings to `path` as a baseline.
pub fn write(path: &Path, findings: &[Finding]) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(&Baseline::of(findings))?;
    text.push('\n');
    std::fs::write(path, text).with_context(|| format!("writing baseline {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(fp: &str, score: u8) -> Finding {
        let mut f = crate::report::test_support::finding();
        f.fingerprint = fp.to_string();
        f.score = score;
        f
    }

    #[test]
    fn round_trip_accepts_same_or_lower_scores_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("baseline.json");
        write(
            &p,
            &[finding("aa", 80), finding("aa", 60), finding("bb", 50)],
        )
        .unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("\"version\": 1"), "{text}");
        let mut now = [
            finding("aa", 80),
            finding("bb", 51),
            finding("cc", 10),
            finding("aa", 20),
        ];
        apply(&p, &mut now).unwrap();
        assert!(now[0].gate.baselined);
        assert_eq!(now[0].gate.baseline_score, Some(80));
        assert!(!now[1].gate.baselined, "score rose from 50 to 51");
        assert_eq!(now[1].gate.baseline_score, Some(50));
        assert!(!now[2].gate.baselined);
        assert_eq!(now[2].gate.baseline_score, None);
        assert!(now[3].gate.baselined);
    }

    #[test]
    fn bad_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.json");
        assert!(apply(&p, &mut []).is_err());
        std::fs::write(&p, "{\"version\": 2, \"findings\": []}").unwrap();
        let err = apply(&p, &mut []).unwrap_err().to_string();
        assert!(err.contains("version 2"), "{err}");
        std::fs::write(&p, "[]").unwrap();
        assert!(apply(&p, &mut []).is_err());
    }
}
