//! The on-disk format of a detector file (`detectors/<provider>.toml`).
//!
//! ```toml
//! [[detector]]
//! id = "github.classic-pat"            # unique, `provider.kind`
//! provider = "github"                  # a provider module, or any name for detection only
//! name = "GitHub personal access token (classic)"
//! token_kind = "classic personal access token"
//! keywords = ["ghp_"]                  # every keyword appears in every match (prefilter)
//! regex = '''\b(ghp_[0-9A-Za-z]{36})\b'''
//! checksum = "github-crc32"            # optional named gate
//! min_entropy = 3.0                    # optional Shannon entropy gate (bits per char)
//! capabilities = ["delete-data"]       # worst plausible when not introspected
//! breadth = "account"                  # worst plausible breadth when not introspected
//! examples = ["GITHUB_TOKEN=ghp_…"]
//! negative_examples = ["ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]
//! ```

use crate::model::{Breadth, Capability, Tier};
use serde::Deserialize;

/// A detector file: a list of `[[detector]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorFile {
    /// The detectors in this file.
    #[serde(rename = "detector", default)]
    pub detectors: Vec<DetectorSpec>,
}

/// One detector as written in TOML.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorSpec {
    /// Unique id, `provider.kind` (lowercase, dots and dashes).
    pub id: String,
    /// The provider whose module introspects these tokens, or a name for
    /// detection-only providers.
    pub provider: String,
    /// Human name of the detector.
    pub name: String,
    /// Human name of the token kind, shown before introspection refines it.
    #[serde(default)]
    pub token_kind: Option<String>,
    /// Literal strings (case-insensitive) of which every match contains all;
    /// they feed the combined Aho-Corasick prefilter.
    pub keywords: Vec<String>,
    /// The pattern (Rust `regex` syntax). The secret is capture group
    /// `secret_group`, or the group named `secret`, or group 1.
    pub regex: String,
    /// Which capture group holds the secret.
    #[serde(default)]
    pub secret_group: Option<usize>,
    /// Minimum Shannon entropy of the secret, in bits per character.
    #[serde(default)]
    pub min_entropy: Option<f64>,
    /// A named checksum gate (`github-crc32`, `npm-crc32`).
    #[serde(default)]
    pub checksum: Option<String>,
    /// Only files whose relative path matches this regex are searched.
    #[serde(default)]
    pub path: Option<String>,
    /// Worst plausible capabilities when the token is not introspected.
    #[serde(default)]
    pub capabilities: Vec<Capability>,
    /// Worst plausible breadth when the token is not introspected.
    #[serde(default)]
    pub breadth: Option<Breadth>,
    /// The environment tier the format itself implies (e.g. test-mode keys).
    #[serde(default)]
    pub tier: Option<Tier>,
    /// How to replace this token with a narrower one, for detection-only
    /// providers (provider modules write their own).
    #[serde(default)]
    pub remediation: Option<String>,
    /// Values that look like secrets but are documented examples.
    #[serde(default)]
    pub ignore_values: Vec<String>,
    /// The relative path the examples are tested under, for detectors with
    /// a `path` filter.
    #[serde(default)]
    pub example_path: Option<String>,
    /// Strings in which this detector must find a secret.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Strings in which no detector may find a secret of this detector.
    #[serde(default)]
    pub negative_examples: Vec<String>,
}
