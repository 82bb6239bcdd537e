//! Reports: the JSON document (schema version 1) and the table for people.
//! Report types hold only redacted secrets, so no reporter can leak one.

mod markdown;
mod sarif;
mod table;
#[cfg(test)]
pub(crate) mod test_support;

use crate::context::TierHint;
use crate::exposure::Exposure;
use crate::model::{Capability, Environment, Status};
use crate::scan::{SkipCounts, SkippedFile};
use crate::scoring::{Reason, Severity};
use serde::Serialize;
use std::io::Write;

pub use table::write_table;

/// The JSON report's schema version.
pub const SCHEMA_VERSION: u32 = 1;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// JSON, schema version 1.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// Markdown, for a PR comment or $GITHUB_STEP_SUMMARY.
    Markdown,
}

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Always 1 for this layout.
    pub schema_version: u32,
    /// Tool name and version.
    pub tool: Tool,
    /// Totals.
    pub summary: Summary,
    /// Findings, worst first.
    pub findings: Vec<Finding>,
}

/// Tool name and version.
#[derive(Debug, Serialize)]
pub struct Tool {
    /// "blastradius".
    pub name: &'static str,
    /// The crate version.
    pub version: &'static str,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: "blastradius",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// Totals of a scan.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Files searched.
    pub files_scanned: u64,
    /// Bytes searched.
    pub bytes_scanned: u64,
    /// Number of findings.
    pub findings: usize,
    /// Highest score (0 when none).
    pub max_score: u8,
    /// The threshold.
    pub fail_on: u8,
    /// Whether any finding fails: it scores at or above the threshold and
    /// is neither allowed nor baselined.
    pub failed: bool,
    /// Findings that fail the run.
    pub failing: usize,
    /// Findings allowed inline or by the policy (listed, not failing).
    pub allowed: usize,
    /// Findings accepted by the baseline (listed, not failing).
    pub baselined: usize,
    /// Findings matched by a policy allow entry that has expired.
    pub expired_allows: usize,
    /// Skipped files by reason.
    pub skipped: SkipCounts,
    /// The first skipped files, named.
    pub skipped_files: Vec<SkippedFile>,
    /// Findings per severity.
    pub by_severity: BySeverity,
    /// The gitleaks/betterleaks rules files in use (`--rules`, or found at
    /// the scanned root), with what could not be carried over.
    pub rule_files: Vec<crate::gitleaks::RuleFileSummary>,
}

/// Findings per severity band.
#[derive(Debug, Default, Serialize)]
pub struct BySeverity {
    /// ≥ 90.
    pub critical: usize,
    /// 70–89.
    pub high: usize,
    /// 40–69.
    pub medium: usize,
    /// < 40.
    pub low: usize,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Detector id.
    pub detector: String,
    /// Provider name.
    pub provider: String,
    /// Path relative to the scanned root (`~/…` in $HOME).
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The redacted secret.
    pub secret: String,
    /// Stable fingerprint of detector + secret.
    pub fingerprint: String,
    /// Who can read it.
    pub exposure: Exposure,
    /// What the provider said.
    pub verification: VerificationOut,
    /// What the token is and reaches.
    pub scope: ScopeOut,
    /// 0–100.
    pub score: u8,
    /// Severity band.
    pub severity: Severity,
    /// The reasons that make up the score.
    pub reasons: Vec<Reason>,
    /// Which narrower token to use instead, and where.
    pub remediation: String,
    /// The variable or key it is assigned to.
    pub variable: Option<String>,
    /// The environment its surroundings point at.
    pub context_tier: Option<TierHint>,
    /// What the CI gate decided (flattened: `fails`, `allowed`, `baselined`,
    /// `baseline_score`, `expired_allows`, `commit`).
    #[serde(flatten)]
    pub gate: Gate,
}

/// What the CI gate decided about a finding. Serialized flat into the
/// finding's JSON object.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Gate {
    /// Whether this finding fails the run: it scores at or above the
    /// threshold and is neither allowed nor baselined.
    pub fails: bool,
    /// Why it is allowed (an inline comment or a policy `[[allow]]` entry);
    /// `null` when it is not. Allowed findings are listed, never hidden.
    pub allowed: Option<Allowed>,
    /// Whether `--baseline` accepted it (same fingerprint, score not higher).
    pub baselined: bool,
    /// The score recorded for its fingerprint in the baseline, when listed
    /// there; a score above it fails again.
    pub baseline_score: Option<u8>,
    /// Policy `[[allow]]` entries that would match but have expired.
    pub expired_allows: Vec<ExpiredAllow>,
    /// The commit that introduced it (`--history` findings).
    pub commit: Option<String>,
}

/// Who allowed a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AllowedBy {
    /// A `blastradius:allow`, `gitleaks:allow` or `trufflehog:ignore`
    /// comment on the line or the line above.
    Inline,
    /// An `[[allow]]` entry in `blastradius.toml`.
    Policy,
}

/// Why a finding is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allowed {
    /// An inline comment or the policy.
    pub by: AllowedBy,
    /// What allowed it: the marker (`gitleaks:allow`) or the policy entry
    /// (`blastradius.toml [[allow]] #2 (line 14)`).
    pub source: String,
    /// The reason given (required for policy entries, optional inline).
    pub reason: Option<String>,
    /// The last day a policy entry applies (`YYYY-MM-DD`).
    pub expires: Option<String>,
}

impl Allowed {
    /// The allowance of an inline comment.
    pub fn inline(a: &crate::allow::InlineAllow) -> Allowed {
        Allowed {
            by: AllowedBy::Inline,
            source: a.marker.to_string(),
            reason: a.reason.clone(),
            expires: None,
        }
    }
}

/// A policy allow entry that matches a finding but no longer applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiredAllow {
    /// The entry (`blastradius.toml [[allow]] #2 (line 14)`).
    pub source: String,
    /// Its reason.
    pub reason: String,
    /// The last day it applied (`YYYY-MM-DD`).
    pub expired: String,
}

/// Verification result.
#[derive(Debug, Clone, Serialize)]
pub struct VerificationOut {
    /// live, invalid, unknown or skipped.
    pub status: Status,
    /// Why.
    pub detail: String,
}

/// Scope as reported.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeOut {
    /// Kind of token.
    pub token_kind: String,
    /// Owner.
    pub identity: Option<String>,
    /// Provider permissions or scopes.
    pub permissions: Vec<String>,
    /// What it can do.
    pub capabilities: Vec<Capability>,
    /// Environments reached.
    pub environments: Vec<Environment>,
    /// Resources reached.
    pub resources: Vec<String>,
    /// Expiry (RFC 3339).
    pub expires_at: Option<String>,
    /// Whether this scope is the worst plausible case rather than observed.
    pub assumed: bool,
    /// Further observations.
    pub notes: Vec<String>,
}

impl Report {
    /// Assembles a report. Each finding's `fails` is decided here: at or
    /// above `fail_on`, and neither allowed nor baselined.
    pub fn new(mut findings: Vec<Finding>, scan: &crate::scan::ScanOutput, fail_on: u8) -> Report {
        for f in &mut findings {
            f.gate.fails = f.score >= fail_on && f.gate.allowed.is_none() && !f.gate.baselined;
        }
        let count = |p: fn(&Finding) -> bool| findings.iter().filter(|f| p(f)).count();
        let failing = count(|f| f.gate.fails);
        let allowed = count(|f| f.gate.allowed.is_some());
        let baselined = count(|f| f.gate.baselined);
        let expired_allows = count(|f| !f.gate.expired_allows.is_empty());
        let max_score = findings.iter().map(|f| f.score).max().unwrap_or(0);
        let mut by = BySeverity::default();
        for f in &findings {
            match f.severity {
                Severity::Critical => by.critical += 1,
                Severity::High => by.high += 1,
                Severity::Medium => by.medium += 1,
                Severity::Low => by.low += 1,
            }
        }
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool::default(),
            summary: Summary {
                files_scanned: scan.files_scanned,
                bytes_scanned: scan.bytes_scanned,
                findings: findings.len(),
                max_score,
                fail_on,
                failed: failing > 0,
                failing,
                allowed,
                baselined,
                expired_allows,
                skipped: scan.skipped.clone(),
                skipped_files: scan.skipped_files.clone(),
                by_severity: by,
                rule_files: Vec::new(),
            },
            findings,
        }
    }

    /// Writes the report in `format`.
    pub fn write(&self, format: Format, out: &mut dyn Write, color: bool) -> std::io::Result<()> {
        match format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut *out, self)?;
                writeln!(out)
            }
            Format::Table => write_table(self, out, color),
            Format::Sarif => sarif::write_sarif(self, out),
            Format::Markdown => markdown::write_markdown(self, out),
        }
    }
}
