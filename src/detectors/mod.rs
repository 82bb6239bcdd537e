//! Detectors are data: `detectors/*.toml`, embedded at build time, plus any
//! files the user adds. This module compiles them into one [`DetectorSet`]
//! that finds candidate secrets in a byte buffer: a combined Aho-Corasick
//! prefilter over every keyword of every detector, then each triggered
//! detector's regex, then its gates (entropy, checksum, placeholders).

pub mod check;
pub mod gates;
pub mod spec;

use crate::error::DetectorError;
use crate::model::{Breadth, Capability, Tier};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use gates::Checksum;
use regex::bytes::Regex;
use spec::{DetectorFile, DetectorSpec};
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/builtin_detectors.rs"));

/// A compiled detector.
#[derive(Debug)]
pub struct Detector {
    /// Unique id, e.g. `github.classic-pat`.
    pub id: String,
    /// Provider name, e.g. `github`.
    pub provider: String,
    /// Human name.
    pub name: String,
    /// Human name of the token kind.
    pub token_kind: String,
    /// Where it was loaded from (`builtin:github.toml` or a path).
    pub origin: String,
    /// Prefilter keywords (lowercase).
    pub keywords: Vec<String>,
    /// The compiled pattern.
    pub regex: Regex,
    /// The capture group holding the secret.
    pub secret_group: usize,
    /// Entropy gate.
    pub min_entropy: Option<f64>,
    /// Checksum gate.
    pub checksum: Option<Checksum>,
    /// Path filter.
    pub path: Option<regex::Regex>,
    /// Worst plausible capabilities when not introspected.
    pub capabilities: Vec<Capability>,
    /// Worst plausible breadth when not introspected.
    pub breadth: Breadth,
    /// Tier implied by the format.
    pub tier: Option<Tier>,
    /// Remediation for detection-only providers.
    pub remediation: Option<String>,
    /// Documented example values that are not secrets.
    pub ignore_values: Vec<String>,
    /// The path examples are tested under.
    pub example_path: String,
    /// Positive examples.
    pub examples: Vec<String>,
    /// Negative examples.
    pub negative_examples: Vec<String>,
}

/// A secret found in a buffer, before context is attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawMatch {
    /// Index of the detector in its [`DetectorSet`].
    pub detector: usize,
    /// Byte range of the secret.
    pub start: usize,
    /// End of the secret (exclusive).
    pub end: usize,
}

/// Why a regex match was dropped by a gate (for `detectors check` and tests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Entropy below the detector's minimum.
    Entropy,
    /// Checksum did not verify.
    Checksum,
    /// An obvious placeholder or documented example.
    Placeholder(&'static str),
}

impl Detector {
    /// Compiles a detector from its spec; `origin` says where it came from.
    pub fn compile(spec: DetectorSpec, origin: &str) -> Result<Self, DetectorError> {
        let invalid = |reason: String| DetectorError::Invalid {
            id: spec.id.clone(),
            reason,
        };
        let id_ok = !spec.id.is_empty()
            && spec
                .id
                .split(['.', '-', ':', '_'])
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()));
        if !id_ok {
            return Err(invalid(
                "id must be letters and digits joined by '.', '-', '_' or ':'".into(),
            ));
        }
        let regex = Regex::new(&spec.regex).map_err(|e| invalid(format!("bad regex: {e}")))?;
        let secret_group = match spec.secret_group {
            Some(g) => g,
            None => regex
                .capture_names()
                .position(|n| n == Some("secret"))
                .unwrap_or(1),
        };
        if secret_group >= regex.captures_len() {
            return Err(invalid(format!(
                "secret group {secret_group} does not exist (the regex has {} groups)",
                regex.captures_len() - 1
            )));
        }
        let checksum = spec
            .checksum
            .as_deref()
            .map(|c| Checksum::parse(c, &spec.id))
            .transpose()?;
        let path = spec
            .path
            .as_deref()
            .map(regex::Regex::new)
            .transpose()
            .map_err(|e| invalid(format!("bad path regex: {e}")))?;
        let keywords: Vec<String> = spec
            .keywords
            .iter()
            .map(|k| k.to_ascii_lowercase())
            .collect();
        if keywords.iter().any(|k| k.is_empty()) {
            return Err(invalid("empty keyword".into()));
        }
        Ok(Detector {
            token_kind: spec.token_kind.clone().unwrap_or_else(|| spec.name.clone()),
            origin: origin.to_string(),
            keywords,
            regex,
            secret_group,
            min_entropy: spec.min_entropy,
            checksum,
            path,
            capabilities: spec.capabilities,
            breadth: spec.breadth.unwrap_or(Breadth::Unknown),
            tier: spec.tier,
            remediation: spec.remediation,
            ignore_values: spec.ignore_values,
            example_path: spec
                .example_path
                .unwrap_or_else(|| "example.txt".to_string()),
            examples: spec.examples,
            negative_examples: spec.negative_examples,
            id: spec.id,
            provider: spec.provider,
            name: spec.name,
        })
    }

    /// Whether this detector searches a file at `rel_path`.
    pub fn applies_to(&self, rel_path: &str) -> bool {
        self.path.as_ref().is_none_or(|p| p.is_match(rel_path))
    }

    /// Runs the gates on a regex match; `None` means it is a candidate.
    pub fn reject(&self, secret: &[u8]) -> Option<Rejection> {
        if let Some(min) = self.min_entropy {
            if gates::shannon_entropy(secret) < min {
                return Some(Rejection::Entropy);
            }
        }
        let text = String::from_utf8_lossy(secret);
        if let Some(c) = self.checksum {
            if !c.verify(&text) {
                return Some(Rejection::Checksum);
            }
        }
        if self.ignore_values.iter().any(|v| v == &text) {
            return Some(Rejection::Placeholder("documented example value"));
        }
        gates::placeholder_reason(&text).map(Rejection::Placeholder)
    }
}

/// Every detector in use, with the combined keyword prefilter.
#[derive(Debug)]
pub struct DetectorSet {
    detectors: Vec<Detector>,
    prefilter: AhoCorasick,
    /// For each prefilter pattern, the detectors that list it.
    keyword_owners: Vec<Vec<usize>>,
    /// For each detector, the prefilter patterns of its keywords.
    detector_patterns: Vec<Vec<usize>>,
    /// Detectors with no keywords: always run.
    always: Vec<usize>,
}

impl DetectorSet {
    /// The built-in detectors only.
    pub fn builtin() -> Result<Self, DetectorError> {
        Self::load(&[] as &[&Path])
    }

    /// The built-in detectors plus the detector files at `extra`.
    pub fn load(extra: &[impl AsRef<Path>]) -> Result<Self, DetectorError> {
        let mut detectors = Vec::new();
        for (name, text) in BUILTIN_DETECTOR_FILES {
            detectors.extend(parse_file(text, name, &format!("builtin:{name}"))?);
        }
        for path in extra {
            let path = path.as_ref();
            let text = std::fs::read_to_string(path).map_err(|source| DetectorError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            let shown = path.display().to_string();
            detectors.extend(parse_file(&text, &shown, &shown)?);
        }
        Self::from_detectors(detectors)
    }

    /// Builds a set from compiled detectors; ids must be unique.
    pub fn from_detectors(detectors: Vec<Detector>) -> Result<Self, DetectorError> {
        let mut seen = std::collections::HashSet::new();
        for d in &detectors {
            if !seen.insert(d.id.as_str()) {
                return Err(DetectorError::Invalid {
                    id: d.id.clone(),
                    reason: "duplicate detector id".into(),
                });
            }
        }
        let mut patterns: Vec<String> = Vec::new();
        let mut keyword_owners: Vec<Vec<usize>> = Vec::new();
        let mut detector_patterns: Vec<Vec<usize>> = Vec::with_capacity(detectors.len());
        let mut always = Vec::new();
        let mut index_of: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        for (i, d) in detectors.iter().enumerate() {
            if d.keywords.is_empty() {
                always.push(i);
            }
            let mut mine = Vec::with_capacity(d.keywords.len());
            for k in &d.keywords {
                let p = *index_of.entry(k.clone()).or_insert_with(|| {
                    patterns.push(k.clone());
                    keyword_owners.push(Vec::new());
                    patterns.len() - 1
                });
                keyword_owners[p].push(i);
                mine.push(p);
            }
            detector_patterns.push(mine);
        }
        let prefilter = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| DetectorError::Invalid {
                id: "(prefilter)".into(),
                reason: e.to_string(),
            })?;
        Ok(DetectorSet {
            detectors,
            prefilter,
            keyword_owners,
            detector_patterns,
            always,
        })
    }

    /// Takes the detectors out, to extend them and build a new set.
    pub fn into_detectors(self) -> Vec<Detector> {
        self.detectors
    }

    /// All detectors, in load order.
    pub fn detectors(&self) -> &[Detector] {
        &self.detectors
    }

    /// The detector at `index`.
    pub fn get(&self, index: usize) -> &Detector {
        &self.detectors[index]
    }

    /// Finds every candidate secret in `data`, a file at `rel_path`.
    ///
    /// One pass of the prefilter decides which detectors can match at all;
    /// only those run their regex. A detector runs when all of its keywords
    /// occur in the buffer. Where two detectors find the same secret at the
    /// same place, the one loaded first wins.
    pub fn find(&self, rel_path: &str, data: &[u8], out: &mut Vec<RawMatch>) {
        let n_patterns = self.keyword_owners.len();
        let mut seen_pattern = vec![false; n_patterns];
        let mut remaining = n_patterns;
        for m in self.prefilter.find_overlapping_iter(data) {
            let p = m.pattern().as_usize();
            if !seen_pattern[p] {
                seen_pattern[p] = true;
                remaining -= 1;
                if remaining == 0 {
                    break;
                }
            }
        }
        if remaining == n_patterns && self.always.is_empty() {
            return;
        }
        let mut triggered: Vec<usize> = self.always.clone();
        for (p, owners) in self.keyword_owners.iter().enumerate() {
            if seen_pattern[p] {
                triggered.extend(owners.iter().copied());
            }
        }
        triggered.sort_unstable();
        triggered.dedup();
        let first = out.len();
        for i in triggered {
            let d = &self.detectors[i];
            let all_keywords = self.detector_patterns[i].iter().all(|&p| seen_pattern[p]);
            if !all_keywords || !d.applies_to(rel_path) {
                continue;
            }
            for caps in d.regex.captures_iter(data) {
                let Some(g) = caps.get(d.secret_group) else {
                    continue;
                };
                if g.is_empty() || d.reject(g.as_bytes()).is_some() {
                    continue;
                }
                let dup = out[first..]
                    .iter()
                    .any(|m| m.start == g.start() && m.end == g.end());
                if !dup {
                    out.push(RawMatch {
                        detector: i,
                        start: g.start(),
                        end: g.end(),
                    });
                }
            }
        }
    }
}

fn parse_file(text: &str, file: &str, origin: &str) -> Result<Vec<Detector>, DetectorError> {
    let parsed: DetectorFile = toml::from_str(text).map_err(|e| DetectorError::Parse {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    parsed
        .detectors
        .into_iter()
        .map(|spec| Detector::compile(spec, origin))
        .collect()
}
