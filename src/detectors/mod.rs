//! Detectors are data: `detectors/*.toml`, embedded at build time, plus any
//! files the user adds, plus gitleaks/betterleaks rules ([`crate::gitleaks`]).
//! This module compiles them into one [`DetectorSet`] that finds candidate
//! secrets in a byte buffer: a combined Aho-Corasick prefilter over every
//! keyword of every detector, then each triggered detector's regex, then its
//! gates (entropy, checksum, placeholders) and allow-lists.
//!
//! Where detectors of different [priority](Detector::priority) find
//! overlapping secrets, only the highest-priority one is kept: a built-in
//! detector (which knows its provider) beats a loaded rule, and a specific
//! loaded rule beats a generic one.

pub mod check;
pub mod gates;
pub mod prefilter;
pub mod shape;
pub mod spec;

use crate::error::DetectorError;
use crate::model::{Breadth, Capability, Tier};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use gates::Checksum;
use regex::bytes::Regex;
use spec::{DetectorFile, DetectorSpec};
use std::path::Path;
use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/builtin_detectors.rs"));

/// Priority of built-in detectors and detectors from `--detectors` files.
pub const PRIORITY_NATIVE: u8 = 0;
/// Priority of loaded gitleaks/betterleaks rules.
pub const PRIORITY_RULE: u8 = 1;
/// Priority of loaded generic rules (`generic-api-key` and the like).
pub const PRIORITY_GENERIC_RULE: u8 = 2;

/// How a detector's keywords decide whether it runs on a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeywordMatch {
    /// Every keyword must occur (blastradius detector files).
    All,
    /// Any keyword is enough (gitleaks rules).
    Any,
}

/// Which part of a regex match is the secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretGroup {
    /// This capture group (0 is the whole match).
    Index(usize),
    /// The first capture group that matched something, or the whole match
    /// when there is none (gitleaks without `secretGroup`).
    FirstNonEmpty,
}

/// A composite-rule requirement: another detector (usually one that does
/// not report on its own) must also match in the same file, near enough.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// The id of the required detector.
    pub id: String,
    /// At most this many lines apart (any distance when `None`).
    pub within_lines: Option<usize>,
    /// At most this many columns apart (any distance when `None`).
    pub within_columns: Option<usize>,
}

/// How the checks of an [`AllowList`] combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllowCondition {
    /// Any one check allows the match.
    Or,
    /// Every non-empty check must allow it.
    And,
}

/// What an allow-list's regexes are matched against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllowTarget {
    /// The secret.
    Secret,
    /// The whole regex match.
    Match,
    /// The line(s) holding the match.
    Line,
}

/// A gitleaks-style allow-list: matches it allows are dropped before they
/// become candidates (like a gate), for one detector or a whole rules file.
#[derive(Debug)]
pub struct AllowList {
    /// Where it was defined, for diagnostics.
    pub source: String,
    /// How the checks combine.
    pub condition: AllowCondition,
    /// What [`regexes`](Self::regexes) are matched against.
    pub target: AllowTarget,
    /// Regexes (Rust syntax) of allowed secrets, matches or lines.
    pub regexes: Option<regex::bytes::RegexSet>,
    /// Regexes (Rust syntax) of allowed file paths.
    pub paths: Option<regex::RegexSet>,
    /// Case-insensitive words that allow a secret containing them.
    pub stopwords: Option<AhoCorasick>,
    /// Allowed commits. Kept for fidelity; a workspace scan has no commit,
    /// so this check never allows anything.
    pub commits: Vec<String>,
}

/// What an allow-list says about a whole file before any match is seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PathVerdict {
    /// Every match in this file is allowed: the detector need not run.
    AllowsAll,
    /// No match in this file can be allowed by this list.
    Never,
    /// Depends on the match; carries whether the path check passed.
    PerMatch(bool),
}

impl AllowList {
    /// Compiles an allow-list. `regexes` and `paths` are Rust-syntax
    /// patterns; the error names the pattern that does not compile.
    pub fn new(
        source: impl Into<String>,
        condition: AllowCondition,
        target: AllowTarget,
        regexes: &[String],
        paths: &[String],
        stopwords: &[String],
        commits: Vec<String>,
    ) -> Result<Self, String> {
        let regexes = if regexes.is_empty() {
            None
        } else {
            Some(
                regex::bytes::RegexSet::new(regexes)
                    .map_err(|_| first_bad(regexes, |r| regex::bytes::Regex::new(r).map(drop)))?,
            )
        };
        let paths = if paths.is_empty() {
            None
        } else {
            Some(
                regex::RegexSet::new(paths)
                    .map_err(|_| first_bad(paths, |r| regex::Regex::new(r).map(drop)))?,
            )
        };
        let words: Vec<&String> = stopwords.iter().filter(|w| !w.is_empty()).collect();
        let stopwords = if words.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .build(&words)
                    .map_err(|e| format!("stopwords: {e}"))?,
            )
        };
        if regexes.is_none() && paths.is_none() && stopwords.is_none() && commits.is_empty() {
            return Err(
                "an allow-list needs at least one of commits, paths, regexes or stopwords".into(),
            );
        }
        Ok(AllowList {
            source: source.into(),
            condition,
            target,
            regexes,
            paths,
            stopwords,
            commits,
        })
    }

    fn path_verdict(&self, path: &str) -> PathVerdict {
        let path_ok = self.paths.as_ref().map(|p| p.is_match(path));
        let others = self.regexes.is_some() || self.stopwords.is_some();
        match self.condition {
            AllowCondition::Or => match path_ok {
                Some(true) => PathVerdict::AllowsAll,
                _ if others => PathVerdict::PerMatch(false),
                _ => PathVerdict::Never,
            },
            AllowCondition::And => {
                if !self.commits.is_empty() || path_ok == Some(false) {
                    PathVerdict::Never
                } else if !others {
                    // Only paths, and they matched.
                    PathVerdict::AllowsAll
                } else {
                    PathVerdict::PerMatch(path_ok.unwrap_or(true))
                }
            }
        }
    }

    /// Whether this list allows a match, given the file's path verdict.
    fn allows(&self, path_ok: bool, secret: &[u8], whole: &[u8], line: &[u8]) -> bool {
        let regex_ok = || {
            self.regexes.as_ref().map(|r| {
                r.is_match(match self.target {
                    AllowTarget::Secret => secret,
                    AllowTarget::Match => whole,
                    AllowTarget::Line => line,
                })
            })
        };
        let stop_ok = || self.stopwords.as_ref().map(|s| s.is_match(secret));
        match self.condition {
            AllowCondition::Or => {
                path_ok || regex_ok().unwrap_or(false) || stop_ok().unwrap_or(false)
            }
            AllowCondition::And => {
                path_ok && regex_ok().unwrap_or(true) && stop_ok().unwrap_or(true)
            }
        }
    }
}

fn first_bad(patterns: &[String], compile: impl Fn(&str) -> Result<(), regex::Error>) -> String {
    for p in patterns {
        if let Err(e) = compile(p) {
            return format!("bad regex {p:?}: {e}");
        }
    }
    "regex set too large".into()
}

/// The `regex` crate's default compiled size limit.
const DEFAULT_SIZE_LIMIT: usize = 10 * (1 << 20);

/// A regex compiled when first used. Loaded rule files bring hundreds of
/// patterns, most of which never see a keyword in a given repository; their
/// syntax is checked when they are loaded, and only the ones that run are
/// compiled.
#[derive(Debug)]
pub struct LazyRegex {
    source: String,
    size_limit: usize,
    cell: std::sync::OnceLock<Option<Regex>>,
}

impl LazyRegex {
    /// An already compiled regex.
    pub fn ready(regex: Regex) -> Self {
        LazyRegex {
            source: regex.as_str().to_string(),
            size_limit: 0,
            cell: std::sync::OnceLock::from(Some(regex)),
        }
    }

    /// A pattern known to be valid (a built-in one, checked by the test
    /// suite), compiled on first use with the default size limit.
    pub fn trusted(source: String) -> Self {
        LazyRegex {
            source,
            size_limit: DEFAULT_SIZE_LIMIT,
            cell: std::sync::OnceLock::new(),
        }
    }

    /// A pattern (Rust syntax) to compile on first use with this compiled
    /// size limit. Its syntax is checked now; the error says what is wrong.
    pub fn new(source: String, size_limit: usize) -> Result<Self, regex::Error> {
        // A zero size limit stops compilation right after parsing: what is
        // left to fail later is only the size limit itself.
        if let Err(e @ regex::Error::Syntax(_)) = regex::bytes::RegexBuilder::new(&source)
            .size_limit(0)
            .build()
        {
            return Err(e);
        }
        Ok(LazyRegex {
            source,
            size_limit,
            cell: std::sync::OnceLock::new(),
        })
    }

    /// The compiled regex; `None` if it exceeds its size limit (such a
    /// detector finds nothing).
    pub fn get(&self) -> Option<&Regex> {
        self.cell
            .get_or_init(|| {
                regex::bytes::RegexBuilder::new(&self.source)
                    .size_limit(self.size_limit)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    /// The pattern.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The leftmost match in `haystack` (none if the regex cannot be
    /// compiled). For a detector with [`anchors`](Detector::anchors) the
    /// pattern is anchored at the start of `haystack`.
    pub fn find<'h>(&self, haystack: &'h [u8]) -> Option<regex::bytes::Match<'h>> {
        self.get()?.find(haystack)
    }
}

/// A compiled detector.
#[derive(Debug)]
pub struct Detector {
    /// Unique id, e.g. `github.classic-pat` or `gitleaks:aws-access-token`.
    pub id: String,
    /// Provider name, e.g. `github`: it decides which module introspects.
    pub provider: String,
    /// Human name.
    pub name: String,
    /// Human name of the token kind.
    pub token_kind: String,
    /// Where it was loaded from (`builtin:github.toml`, a path, `path:line`).
    pub origin: String,
    /// Embedded at build time (not read from any file): only these
    /// detectors' matches are sent to a provider. Never derived from
    /// [`origin`](Self::origin), which a file's name can imitate.
    pub(crate) builtin: bool,
    /// Prefilter keywords (lowercase).
    pub keywords: Vec<String>,
    /// Whether all keywords or any keyword must occur for it to run.
    pub keyword_match: KeywordMatch,
    /// The pattern; `None` for a path-only rule, which reports every
    /// (text) file its [`path`](Self::path) matches.
    pub regex: Option<LazyRegex>,
    /// The pattern began with a lazy `[\w.-]{0,N}?` (gitleaks' way of
    /// including the variable name in the match), which was taken off
    /// [`regex`](Self::regex) because it defeats the regex engine's
    /// literal prefilter: each match is extended back over at most N
    /// `[A-Za-z0-9_.-]` bytes instead, which yields the same matches.
    pub prefix_max: usize,
    /// Literals (lowercase) one of which begins every match. When there are
    /// any, [`regex`](Self::regex) is anchored at its start (`\A`) and tried
    /// at each place the prefilter saw one of them (case-insensitively)
    /// instead of searching the whole buffer. Keywords still decide whether
    /// the detector runs at all.
    pub anchors: Vec<String>,
    /// With [`anchors`](Self::anchors): what the matcher checks before an
    /// anchor, which the anchored regex cannot see (a leading `\b`, the
    /// start of a line, the variable name around a keyword).
    pub lead: shape::Lead,
    /// Which part of a match is the secret.
    pub secret_group: SecretGroup,
    /// Entropy gate.
    pub min_entropy: Option<f64>,
    /// When set, the entropy must exceed [`min_entropy`](Self::min_entropy)
    /// rather than reach it (gitleaks' `entropy`).
    pub entropy_exclusive: bool,
    /// Checksum gate.
    pub checksum: Option<Checksum>,
    /// Whether blastradius' placeholder filter applies (built-in and
    /// `--detectors` detectors; loaded rules rely on their allow-lists).
    pub placeholder_gate: bool,
    /// Path filter.
    pub path: Option<regex::Regex>,
    /// Allow-lists; matches they allow are dropped.
    pub allow: Vec<Arc<AllowList>>,
    /// Lower wins where matches overlap ([`PRIORITY_NATIVE`],
    /// [`PRIORITY_RULE`], [`PRIORITY_GENERIC_RULE`]).
    pub priority: u8,
    /// Whether its matches are reported; `false` for composite-rule
    /// components that only serve [`requires`](Self::requires).
    pub report: bool,
    /// Other detectors that must match nearby for a match to count.
    pub requires: Vec<Requirement>,
    /// Free-form tags (from gitleaks `tags`).
    pub tags: Vec<String>,
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

/// How far back a match of a `\b[a-z0-9_]*keyword…` pattern is extended
/// over the variable name around its keyword.
const WORD_PREFIX_MAX: usize = 256;

/// Longest secret a path-only rule reports: the start of the file.
const PATH_ONLY_SPAN: usize = 64 * 1024;

impl Detector {
    /// Compiles a detector from a user's or a repository's file; `origin`
    /// says where it came from.
    pub fn compile(spec: DetectorSpec, origin: &str) -> Result<Self, DetectorError> {
        Self::compile_as(spec, origin, false)
    }

    /// Compiles a detector; `builtin` for the files embedded at build time.
    fn compile_as(spec: DetectorSpec, origin: &str, builtin: bool) -> Result<Self, DetectorError> {
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
        let shape = shape::analyse(&spec.regex).map_err(|e| invalid(format!("bad regex: {e}")))?;
        let secret_group = spec.secret_group.or(shape.secret_group).unwrap_or(1);
        if secret_group >= shape.captures_len {
            return Err(invalid(format!(
                "secret group {secret_group} does not exist (the regex has {} groups)",
                shape.captures_len - 1
            )));
        }
        // With anchors the pattern is only tried where one of them occurs,
        // anchored there.
        let source = if shape.anchors.is_empty() {
            spec.regex.clone()
        } else {
            format!(r"\A(?:{})", shape.search.as_deref().unwrap_or(&spec.regex))
        };
        // Built-in patterns are proven by the test suite and compiled when a
        // file first needs them (start-up stays fast for `--staged`); a
        // user's detector file is compiled now, so its errors show at once.
        let regex = if builtin {
            LazyRegex::trusted(source)
        } else {
            LazyRegex::ready(Regex::new(&source).map_err(|e| invalid(format!("bad regex: {e}")))?)
        };
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
            builtin,
            keywords,
            keyword_match: KeywordMatch::All,
            regex: Some(regex),
            prefix_max: match shape.lead {
                shape::Lead::WordPrefix | shape::Lead::NamePart => WORD_PREFIX_MAX,
                _ => 0,
            },
            lead: shape.lead,
            anchors: shape.anchors,
            secret_group: SecretGroup::Index(secret_group),
            min_entropy: spec.min_entropy,
            entropy_exclusive: false,
            checksum,
            placeholder_gate: true,
            path,
            allow: Vec::new(),
            priority: PRIORITY_NATIVE,
            report: true,
            requires: Vec::new(),
            tags: Vec::new(),
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

    /// Whether this detector is built in (embedded at build time), as opposed
    /// to loaded from a user's or a repository's file. Only built-in
    /// detectors' matches are introspected.
    pub fn is_builtin(&self) -> bool {
        self.builtin
    }

    /// Whether this detector searches a file at `rel_path`.
    pub fn applies_to(&self, rel_path: &str) -> bool {
        self.path.as_ref().is_none_or(|p| p.is_match(rel_path))
    }

    /// Runs the gates on a regex match; `None` means it is a candidate.
    pub fn reject(&self, secret: &[u8]) -> Option<Rejection> {
        if let Some(min) = self.min_entropy {
            let h = gates::shannon_entropy(secret);
            if h < min || (self.entropy_exclusive && h <= min) {
                return Some(Rejection::Entropy);
            }
        }
        if self.checksum.is_none() && self.ignore_values.is_empty() && !self.placeholder_gate {
            return None;
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
        if !self.placeholder_gate {
            return None;
        }
        gates::placeholder_reason(&text).map(Rejection::Placeholder)
    }

    /// Whether this detector came from a built-in or `--detectors` file
    /// (rather than a loaded gitleaks/betterleaks rule).
    pub fn is_native(&self) -> bool {
        self.priority == PRIORITY_NATIVE
    }
}

/// Every detector in use, with the combined keyword prefilter.
#[derive(Debug)]
pub struct DetectorSet {
    detectors: Vec<Detector>,
    /// Every keyword and anchor, ASCII case-insensitively, reporting every
    /// occurrence (overlapping ones included).
    prefilter: prefilter::Prefilter,
    /// For each prefilter pattern, the detectors that list it.
    keyword_owners: Vec<Vec<usize>>,
    /// For each detector, the prefilter patterns of its keywords.
    detector_patterns: Vec<Vec<usize>>,
    /// For each detector, the prefilter patterns of its anchors.
    detector_anchors: Vec<Vec<usize>>,
    /// Reporting detectors with no keywords: always run.
    always: Vec<usize>,
    /// Every distinct allow-list, for the per-file path verdicts.
    allowlists: Vec<Arc<AllowList>>,
    /// For each detector, indices into `allowlists`.
    detector_allow: Vec<Vec<usize>>,
    /// For each detector, its requirements resolved to detector indices.
    requirements: Vec<Vec<Resolved>>,
    /// Whether any two detectors differ in priority (else overlap
    /// resolution reduces to dropping identical spans).
    mixed_priorities: bool,
    /// For each prefilter pattern, whether an anchored detector owns it
    /// (its occurrences are recorded).
    anchor_pattern: Vec<bool>,
    /// Whether any pattern is an anchor pattern.
    collect_hits: bool,
}

/// A [`Requirement`] with the required detector's index: (index,
/// within_lines, within_columns).
type Resolved = (usize, Option<usize>, Option<usize>);

/// A match found by one detector, before overlaps are resolved.
#[derive(Clone, Copy, Debug)]
struct Found {
    detector: usize,
    start: usize,
    end: usize,
    priority: u8,
    /// A path-only rule's match: the file itself, exempt from overlaps.
    whole_file: bool,
    /// Not a secret: a native detector recognised the format and its
    /// checksum proved it fake. Never reported, but lower-priority matches
    /// overlapping it are dropped too (and never sent to a provider).
    proven_fake: bool,
}

/// Per-call state of [`DetectorSet::find`].
struct FindCtx<'a> {
    rel_path: &'a str,
    data: &'a [u8],
    /// Path verdict per allow-list, computed on first use.
    verdicts: Vec<Option<PathVerdict>>,
    /// Offsets of every `\n`, computed on first use (composite rules).
    newlines: Option<Vec<usize>>,
    /// Matches of required detectors, computed on first use.
    required: Vec<(usize, Vec<Found>)>,
    /// Occurrences of anchor patterns: (pattern, start).
    hits: Vec<(usize, usize)>,
}

impl FindCtx<'_> {
    /// 0-based line and byte column of `pos`.
    fn line_col(&mut self, pos: usize) -> (usize, usize) {
        let data = self.data;
        let nl = self
            .newlines
            .get_or_insert_with(|| memchr::memchr_iter(b'\n', data).collect());
        let line = nl.partition_point(|&i| i < pos);
        let start = if line == 0 { 0 } else { nl[line - 1] + 1 };
        (line, pos - start)
    }
}

impl DetectorSet {
    /// The built-in detectors only.
    pub fn builtin() -> Result<Self, DetectorError> {
        Self::load(&[] as &[&Path])
    }

    /// The built-in detectors plus the detector files at `extra`.
    pub fn load(extra: &[impl AsRef<Path>]) -> Result<Self, DetectorError> {
        Self::from_detectors(Self::load_native(extra)?)
    }

    /// The built-in detectors plus the detector files at `extra`, compiled
    /// but not yet assembled into a set (to add loaded rules to them).
    pub fn load_native(extra: &[impl AsRef<Path>]) -> Result<Vec<Detector>, DetectorError> {
        let mut detectors = Vec::new();
        for (name, text) in BUILTIN_DETECTOR_FILES {
            detectors.extend(parse_file(text, name, &format!("builtin:{name}"), true)?);
        }
        for path in extra {
            let path = path.as_ref();
            let text = std::fs::read_to_string(path).map_err(|source| DetectorError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            let shown = path.display().to_string();
            detectors.extend(parse_file(&text, &shown, &shown, false)?);
        }
        Ok(detectors)
    }

    /// Builds a set from compiled detectors; ids must be unique and every
    /// requirement must name a detector of the set.
    pub fn from_detectors(detectors: Vec<Detector>) -> Result<Self, DetectorError> {
        let mut index_of_id = std::collections::HashMap::new();
        for (i, d) in detectors.iter().enumerate() {
            if index_of_id.insert(d.id.as_str(), i).is_some() {
                return Err(DetectorError::Invalid {
                    id: d.id.clone(),
                    reason: "duplicate detector id".into(),
                });
            }
        }
        let mut requirements = Vec::with_capacity(detectors.len());
        for d in &detectors {
            let mut reqs = Vec::with_capacity(d.requires.len());
            for r in &d.requires {
                let Some(&j) = index_of_id.get(r.id.as_str()) else {
                    return Err(DetectorError::Invalid {
                        id: d.id.clone(),
                        reason: format!("requires {:?}, which is not loaded", r.id),
                    });
                };
                reqs.push((j, r.within_lines, r.within_columns));
            }
            requirements.push(reqs);
        }
        let mut patterns: Vec<String> = Vec::new();
        let mut keyword_owners: Vec<Vec<usize>> = Vec::new();
        let mut detector_patterns: Vec<Vec<usize>> = Vec::with_capacity(detectors.len());
        let mut always = Vec::new();
        let mut index_of: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        let mut allowlists: Vec<Arc<AllowList>> = Vec::new();
        let mut allow_index: std::collections::HashMap<*const AllowList, usize> =
            std::collections::HashMap::new();
        let mut detector_allow = Vec::with_capacity(detectors.len());
        for (i, d) in detectors.iter().enumerate() {
            detector_allow.push(
                d.allow
                    .iter()
                    .map(|a| {
                        *allow_index.entry(Arc::as_ptr(a)).or_insert_with(|| {
                            allowlists.push(Arc::clone(a));
                            allowlists.len() - 1
                        })
                    })
                    .collect::<Vec<_>>(),
            );
            let mut mine = Vec::with_capacity(d.keywords.len());
            if d.report && d.keywords.is_empty() {
                always.push(i);
            }
            for k in &d.keywords {
                let p = *index_of.entry(k.clone()).or_insert_with(|| {
                    patterns.push(k.clone());
                    keyword_owners.push(Vec::new());
                    patterns.len() - 1
                });
                // Components are only run for the rules that require them,
                // but their keywords are watched for too.
                if d.report {
                    keyword_owners[p].push(i);
                }
                mine.push(p);
            }
            detector_patterns.push(mine);
        }
        let mut detector_anchors = Vec::with_capacity(detectors.len());
        for d in &detectors {
            let mut mine = Vec::with_capacity(d.anchors.len());
            for a in &d.anchors {
                let a = a.to_ascii_lowercase();
                let p = *index_of.entry(a.clone()).or_insert_with(|| {
                    patterns.push(a);
                    keyword_owners.push(Vec::new());
                    patterns.len() - 1
                });
                mine.push(p);
            }
            detector_anchors.push(mine);
        }
        let mut anchor_pattern = vec![false; patterns.len()];
        for &p in detector_anchors.iter().flatten() {
            anchor_pattern[p] = true;
        }
        let collect_hits = anchor_pattern.contains(&true);
        let prefilter =
            prefilter::Prefilter::new(&patterns).map_err(|e| DetectorError::Invalid {
                id: "(prefilter)".into(),
                reason: e.to_string(),
            })?;
        let mixed_priorities = detectors
            .iter()
            .any(|d| d.priority != detectors[0].priority);
        Ok(DetectorSet {
            detectors,
            prefilter,
            keyword_owners,
            detector_patterns,
            detector_anchors,
            always,
            allowlists,
            detector_allow,
            requirements,
            mixed_priorities,
            anchor_pattern,
            collect_hits,
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

    /// How many keyword and anchor occurrences the prefilter reports in
    /// `data` (for benchmarks).
    pub fn prefilter_hits(&self, data: &[u8]) -> usize {
        let mut n = 0;
        self.prefilter.scan(data, |_, _| {
            n += 1;
            true
        });
        n
    }

    /// Finds every candidate secret in `data`, a file at `rel_path`.
    ///
    /// One pass of the prefilter decides which detectors can match at all;
    /// only those run their regex. A detector runs when all of its keywords
    /// occur in the buffer (any of them, for loaded gitleaks rules). Where
    /// detectors of different priority find overlapping secrets, only the
    /// highest-priority match is kept; where two detectors of the same
    /// priority find the same secret at the same place, the one loaded
    /// first wins.
    pub fn find(&self, rel_path: &str, data: &[u8], out: &mut Vec<RawMatch>) {
        let n_patterns = self.keyword_owners.len();
        let mut seen_pattern = vec![false; n_patterns];
        let mut remaining = n_patterns;
        let mut hits = Vec::new();
        self.prefilter.scan(data, |p, start| {
            if self.collect_hits && self.anchor_pattern[p] {
                hits.push((p, start));
            }
            if !seen_pattern[p] {
                seen_pattern[p] = true;
                remaining -= 1;
            }
            remaining > 0 || self.collect_hits
        });
        // Anchor occurrences grouped by pattern, each group in file order.
        hits.sort_unstable();
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
        let mut ctx = FindCtx {
            rel_path,
            data,
            verdicts: Vec::new(),
            newlines: None,
            required: Vec::new(),
            hits,
        };
        let mut found: Vec<Found> = Vec::new();
        for i in triggered {
            let d = &self.detectors[i];
            if d.keyword_match == KeywordMatch::All
                && !self.detector_patterns[i].iter().all(|&p| seen_pattern[p])
            {
                continue;
            }
            // A required detector none of whose keywords occurs cannot match.
            if self.requirements[i].iter().any(|&(j, _, _)| {
                let theirs = &self.detector_patterns[j];
                !theirs.is_empty() && !theirs.iter().any(|&p| seen_pattern[p])
            }) {
                continue;
            }
            let first = found.len();
            self.run_detector(i, &mut ctx, &mut found);
            if !self.requirements[i].is_empty() && found.len() > first {
                let mine: Vec<Found> = found.drain(first..).collect();
                for f in mine {
                    if self.requirements_met(i, &f, &mut ctx) {
                        found.push(f);
                    }
                }
            }
        }
        self.resolve(found, out);
    }

    /// Runs one detector over the buffer, gates and allow-lists included.
    fn run_detector(&self, i: usize, ctx: &mut FindCtx<'_>, sink: &mut Vec<Found>) {
        let d = &self.detectors[i];
        if !d.applies_to(ctx.rel_path) {
            return;
        }
        // Allow-lists still undecided for this file, with their path check.
        let mut live: Vec<(&AllowList, bool)> = Vec::new();
        if !self.detector_allow[i].is_empty() {
            if ctx.verdicts.is_empty() {
                ctx.verdicts = vec![None; self.allowlists.len()];
            }
            for &a in &self.detector_allow[i] {
                let list = &self.allowlists[a];
                let verdict =
                    *ctx.verdicts[a].get_or_insert_with(|| list.path_verdict(ctx.rel_path));
                match verdict {
                    PathVerdict::AllowsAll => return,
                    PathVerdict::Never => {}
                    PathVerdict::PerMatch(path_ok) => live.push((list, path_ok)),
                }
            }
        }
        let data = ctx.data;
        let Some(lazy) = &d.regex else {
            let mut end = data.len().min(PATH_ONLY_SPAN);
            // Do not cut a UTF-8 character in two.
            while end > 0 && end < data.len() && data[end] & 0xC0 == 0x80 {
                end -= 1;
            }
            while end > 0 && data[end - 1].is_ascii_whitespace() {
                end -= 1;
            }
            if end > 0 && d.path.is_some() {
                sink.push(Found {
                    detector: i,
                    start: 0,
                    end,
                    priority: d.priority,
                    whole_file: true,
                    proven_fake: false,
                });
            }
            return;
        };
        let Some(re) = lazy.get() else {
            return;
        };
        let mine = &self.detector_anchors[i];
        let mut last_end = 0;
        if mine.is_empty() {
            for caps in re.captures_iter(data) {
                let groups = |g: usize| caps.get(g).map(|m| (m.start(), m.end()));
                last_end = self.consider(i, &live, data, (groups, caps.len()), 0, last_end, sink);
            }
            return;
        }
        let mut starts: Vec<usize> = Vec::new();
        for &p in mine {
            let from = ctx.hits.partition_point(|&(q, _)| q < p);
            let to = ctx.hits.partition_point(|&(q, _)| q <= p);
            starts.extend(ctx.hits[from..to].iter().map(|&(_, s)| s));
        }
        if mine.len() > 1 {
            starts.sort_unstable();
            starts.dedup();
        }
        let mut locs = re.capture_locations();
        for h in starts {
            if h < last_end || !lead_holds(d.lead, data, h) {
                continue;
            }
            // `captures_read` reuses one set of slots: no allocation per try.
            if re.captures_read(&mut locs, &data[h..]).is_some() {
                let groups = |g: usize| locs.get(g);
                last_end = self.consider(i, &live, data, (groups, locs.len()), h, last_end, sink);
            }
        }
    }

    /// Gates and allow-lists for one regex match: `groups` gives each
    /// capture group's span relative to `offset` (group 0 is the match), and
    /// how many groups there are. Returns where the match ends.
    #[allow(clippy::too_many_arguments)]
    fn consider(
        &self,
        i: usize,
        live: &[(&AllowList, bool)],
        data: &[u8],
        (caps, n_groups): (impl Fn(usize) -> Option<(usize, usize)>, usize),
        offset: usize,
        last_end: usize,
        sink: &mut Vec<Found>,
    ) -> usize {
        let d = &self.detectors[i];
        let Some((whole_start, whole_end)) = caps(0) else {
            return last_end;
        };
        let whole_end = offset + whole_end;
        let mut whole_start = offset + whole_start;
        if d.prefix_max > 0 {
            let floor = whole_start.saturating_sub(d.prefix_max).max(last_end);
            while whole_start > floor
                && matches!(data[whole_start - 1], b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' | b'_' | b'.' | b'-')
            {
                whole_start -= 1;
            }
        }
        let group = |(s, e): (usize, usize)| (offset + s, offset + e);
        let (start, end) = match d.secret_group {
            SecretGroup::Index(n) => match caps(n) {
                Some(g) => group(g),
                None => return whole_end,
            },
            SecretGroup::FirstNonEmpty => {
                match (1..n_groups).filter_map(&caps).find(|(s, e)| e > s) {
                    Some(g) => group(g),
                    None => trim_newlines(data, whole_start, whole_end),
                }
            }
        };
        if start >= end {
            return whole_end;
        }
        let secret = &data[start..end];
        if let Some(why) = d.reject(secret) {
            if why == Rejection::Checksum && self.mixed_priorities {
                sink.push(Found {
                    detector: i,
                    start,
                    end,
                    priority: d.priority,
                    whole_file: false,
                    proven_fake: true,
                });
            }
            return whole_end;
        }
        if !live.is_empty() {
            let line = line_span(data, whole_start, whole_end);
            let whole = &data[whole_start..whole_end];
            if live
                .iter()
                .any(|(a, path_ok)| a.allows(*path_ok, secret, whole, line))
            {
                return whole_end;
            }
        }
        sink.push(Found {
            detector: i,
            start,
            end,
            priority: d.priority,
            whole_file: false,
            proven_fake: false,
        });
        whole_end
    }

    /// Whether every requirement of detector `i` has a match near `f`.
    fn requirements_met(&self, i: usize, f: &Found, ctx: &mut FindCtx<'_>) -> bool {
        let (line, col) = ctx.line_col(f.start);
        for &(j, within_lines, within_columns) in &self.requirements[i] {
            let k = match ctx.required.iter().position(|(d, _)| *d == j) {
                Some(k) => k,
                None => {
                    let mut matches = Vec::new();
                    self.run_detector(j, ctx, &mut matches);
                    ctx.required.push((j, matches));
                    ctx.required.len() - 1
                }
            };
            let candidates: Vec<usize> = ctx.required[k]
                .1
                .iter()
                .filter(|m| !m.proven_fake)
                .map(|m| m.start)
                .collect();
            let near = candidates.into_iter().any(|start| {
                let (l, c) = ctx.line_col(start);
                within_lines.is_none_or(|n| l.abs_diff(line) <= n)
                    && within_columns.is_none_or(|n| c.abs_diff(col) <= n)
            });
            if !near {
                return false;
            }
        }
        true
    }

    /// Drops matches that overlap a higher-priority match and repeats of
    /// the same span, keeping the order in which they were found.
    fn resolve(&self, found: Vec<Found>, out: &mut Vec<RawMatch>) {
        let mut seen: std::collections::HashSet<(usize, usize)> = std::collections::HashSet::new();
        let push = |f: &Found, out: &mut Vec<RawMatch>| {
            out.push(RawMatch {
                detector: f.detector,
                start: f.start,
                end: f.end,
            })
        };
        if !self.mixed_priorities || found.iter().all(|f| f.priority == found[0].priority) {
            for f in found.iter().filter(|f| !f.proven_fake) {
                if seen.insert((f.start, f.end)) {
                    push(f, out);
                }
            }
            return;
        }
        let mut keep = vec![false; found.len()];
        let mut tiers: Vec<u8> = found.iter().map(|f| f.priority).collect();
        tiers.sort_unstable();
        tiers.dedup();
        // Spans kept from higher-priority tiers, sorted by start, with the
        // running maximum of their ends.
        let mut kept_spans: Vec<(usize, usize)> = Vec::new();
        for tier in tiers {
            kept_spans.sort_unstable();
            let mut max_end = Vec::with_capacity(kept_spans.len());
            let mut m = 0;
            for &(_, e) in &kept_spans {
                m = m.max(e);
                max_end.push(m);
            }
            let overlaps = |s: usize, e: usize| {
                let n = kept_spans.partition_point(|&(ks, _)| ks < e);
                n > 0 && max_end[n - 1] > s
            };
            let mut new_spans = Vec::new();
            for (k, f) in found.iter().enumerate() {
                if f.priority != tier {
                    continue;
                }
                if !f.whole_file && overlaps(f.start, f.end) {
                    continue;
                }
                if f.proven_fake {
                    new_spans.push((f.start, f.end));
                    continue;
                }
                if seen.insert((f.start, f.end)) {
                    keep[k] = true;
                    if !f.whole_file {
                        new_spans.push((f.start, f.end));
                    }
                }
            }
            kept_spans.extend(new_spans);
        }
        for (f, k) in found.iter().zip(keep) {
            if k {
                push(f, out);
            }
        }
    }
}

/// Whether an ASCII word boundary (`(?-u:\b)`) is at `pos`.
fn word_boundary(data: &[u8], pos: usize) -> bool {
    let before = pos.checked_sub(1).is_some_and(|p| is_word_byte(data[p]));
    let after = data.get(pos).is_some_and(|&b| is_word_byte(b));
    before != after
}

/// Whether what a pattern needs before its anchor at `pos` is there.
fn lead_holds(lead: shape::Lead, data: &[u8], pos: usize) -> bool {
    match lead {
        shape::Lead::None | shape::Lead::WordPrefix => true,
        shape::Lead::WordBoundary => word_boundary(data, pos),
        shape::Lead::NamePart => pos == 0 || data[pos - 1] == b'_' || !is_word_byte(data[pos - 1]),
        shape::Lead::LineStart(min) => line_start(data, pos, min),
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether only spaces and tabs, at least `min` of them, stand between the
/// start of the line and `pos`.
fn line_start(data: &[u8], pos: usize, min: u32) -> bool {
    let blanks = data[..pos]
        .iter()
        .rev()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    let at = pos - blanks;
    (at == 0 || data[at - 1] == b'\n') && blanks >= min as usize
}

/// `start..end` without leading and trailing newlines.
fn trim_newlines(data: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    while start < end && matches!(data[start], b'\n' | b'\r') {
        start += 1;
    }
    while end > start && matches!(data[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    (start, end)
}

/// The line(s) holding `start..end`, without the final newline.
fn line_span(data: &[u8], start: usize, end: usize) -> &[u8] {
    let ls = memchr::memrchr(b'\n', &data[..start]).map_or(0, |i| i + 1);
    let le = memchr::memchr(b'\n', &data[end..]).map_or(data.len(), |i| end + i);
    &data[ls..le.max(end)]
}

fn parse_file(
    text: &str,
    file: &str,
    origin: &str,
    builtin: bool,
) -> Result<Vec<Detector>, DetectorError> {
    let parsed: DetectorFile = toml::from_str(text).map_err(|e| DetectorError::Parse {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    parsed
        .detectors
        .into_iter()
        .map(|spec| Detector::compile_as(spec, origin, builtin))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal loaded-rule-like detector.
    fn rule(id: &str, regex: &str, priority: u8) -> Detector {
        let mut d = native(id, regex);
        d.priority = priority;
        d.keyword_match = KeywordMatch::Any;
        d.secret_group = SecretGroup::FirstNonEmpty;
        d.placeholder_gate = false;
        d
    }

    fn native(id: &str, regex: &str) -> Detector {
        Detector::compile(
            DetectorSpec {
                id: id.into(),
                provider: "test".into(),
                name: id.into(),
                token_kind: None,
                keywords: vec![],
                regex: regex.into(),
                secret_group: Some(0),
                min_entropy: None,
                checksum: None,
                path: None,
                capabilities: vec![],
                breadth: None,
                tier: None,
                remediation: None,
                ignore_values: vec![],
                example_path: None,
                examples: vec![],
                negative_examples: vec![],
            },
            "test",
        )
        .unwrap()
    }

    fn ids(set: &DetectorSet, path: &str, data: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        set.find(path, data.as_bytes(), &mut out);
        out.iter()
            .map(|m| {
                (
                    set.get(m.detector).id.clone(),
                    data[m.start..m.end].to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn higher_priority_wins_on_overlap_not_just_identical_spans() {
        let set = DetectorSet::from_detectors(vec![
            native("n.tok", r"tok_[a-z0-9]{8}"),
            rule("r:tok", r"key=(tok_[a-z0-9]{8}\w*)", PRIORITY_RULE),
            rule("r:generic", r"key=(\w+)", PRIORITY_GENERIC_RULE),
            rule("r:other", r"other=(\w+)", PRIORITY_RULE),
        ])
        .unwrap();
        assert_eq!(
            ids(&set, "a", "key=tok_ab12cd34zz other=q1w2e3"),
            [
                ("n.tok".into(), "tok_ab12cd34".into()),
                ("r:other".into(), "q1w2e3".into())
            ]
        );
        // Without the native match, the specific rule beats the generic one.
        assert_eq!(
            ids(&set, "a", "key=tok_ab12"),
            [("r:generic".into(), "tok_ab12".into())]
        );
    }

    #[test]
    fn a_native_checksum_failure_also_silences_loaded_rules() {
        let mut gh = native("github.classic-pat", r"\b(ghp_[0-9A-Za-z]{36})\b");
        gh.checksum = Some(Checksum::GithubCrc32);
        gh.secret_group = SecretGroup::Index(1);
        let set = DetectorSet::from_detectors(vec![
            gh,
            rule("gitleaks:github-pat", r"ghp_[0-9a-zA-Z]{36}", PRIORITY_RULE),
            rule("gitleaks:other", r"zz_[0-9a-zA-Z]{8}", PRIORITY_RULE),
        ])
        .unwrap();
        let random = "Kq3vT8mZpL2xR9wN4bY7cH1dJ6fG0s";
        let good = format!(
            "ghp_{random}{}",
            gates::base62(crc32fast::hash(random.as_bytes()), 6)
        );
        let bad = format!("ghp_{random}AAAAAA");
        let found = ids(&set, "f", &format!("{good} {bad} zz_a1b2c3d4"));
        assert_eq!(
            found,
            [
                ("github.classic-pat".into(), good.clone()),
                ("gitleaks:other".into(), "zz_a1b2c3d4".into())
            ]
        );
    }

    #[test]
    fn same_priority_overlaps_are_kept_identical_spans_dropped() {
        let set = DetectorSet::from_detectors(vec![
            rule("a:x", r"(ab)cd", PRIORITY_RULE),
            rule("b:x", r"(ab)cd", PRIORITY_RULE),
            rule("c:x", r"a(bc)d", PRIORITY_RULE),
        ])
        .unwrap();
        assert_eq!(
            ids(&set, "f", "abcd"),
            [("a:x".into(), "ab".into()), ("c:x".into(), "bc".into())]
        );
    }

    #[test]
    fn first_non_empty_group_or_whole_match() {
        let set = DetectorSet::from_detectors(vec![rule("r:alt", r"x=(\d+)|y=([a-z]+)|zz\d\n", 1)])
            .unwrap();
        assert_eq!(
            ids(&set, "f", "y=abc x=12 zz9\n"),
            [
                ("r:alt".into(), "abc".into()),
                ("r:alt".into(), "12".into()),
                ("r:alt".into(), "zz9".into())
            ]
        );
    }

    #[test]
    fn allow_lists_by_target_condition_and_path() {
        let mk = |cond, target, regexes: &[&str], paths: &[&str], stop: &[&str]| {
            Arc::new(
                AllowList::new(
                    "t",
                    cond,
                    target,
                    &regexes.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                    &paths.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                    &stop.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                    vec![],
                )
                .unwrap(),
            )
        };
        let mut d = rule("r:k", r"k=(\w+)", 1);
        d.allow = vec![
            mk(
                AllowCondition::Or,
                AllowTarget::Secret,
                &["^fake"],
                &[],
                &["dummy"],
            ),
            mk(AllowCondition::Or, AllowTarget::Line, &["# ok$"], &[], &[]),
            mk(
                AllowCondition::And,
                AllowTarget::Match,
                &["^k=t"],
                &[r"\.md$"],
                &[],
            ),
            mk(
                AllowCondition::Or,
                AllowTarget::Secret,
                &[],
                &["^vendor/"],
                &[],
            ),
        ];
        let set = DetectorSet::from_detectors(vec![d]).unwrap();
        let text = "k=fake1 k=aDUMMYb k=real1 # ok\nk=tok k=real2\n";
        assert_eq!(ids(&set, "src/a.rs", text).len(), 2);
        assert_eq!(
            ids(&set, "README.md", text),
            [("r:k".into(), "real2".into())]
        );
        assert!(ids(&set, "vendor/x.rs", text).is_empty());
        assert!(AllowList::new(
            "t",
            AllowCondition::Or,
            AllowTarget::Secret,
            &[],
            &[],
            &[],
            vec![]
        )
        .is_err());
    }

    #[test]
    fn and_condition_with_commits_never_allows_in_a_workspace() {
        let list = AllowList::new(
            "t",
            AllowCondition::And,
            AllowTarget::Secret,
            &["x".into()],
            &[],
            &[],
            vec!["abc123".into()],
        )
        .unwrap();
        assert_eq!(list.path_verdict("a"), PathVerdict::Never);
    }

    #[test]
    fn composite_rules_need_their_components_nearby() {
        let mut component = rule("r:id", r"ID=(\w+)", 1);
        component.report = false;
        let mut primary = rule("r:secret", r"SECRET=(\w+)", 1);
        primary.requires = vec![Requirement {
            id: "r:id".into(),
            within_lines: Some(1),
            within_columns: None,
        }];
        let set = DetectorSet::from_detectors(vec![component, primary]).unwrap();
        assert_eq!(
            ids(&set, "f", "ID=abc\nSECRET=s3cr3t\n"),
            [("r:secret".into(), "s3cr3t".into())]
        );
        assert!(ids(&set, "f", "ID=abc\n\n\nSECRET=s3cr3t\n").is_empty());
        assert!(ids(&set, "f", "SECRET=s3cr3t\n").is_empty());
        let mut orphan = rule("r:o", "o", 1);
        orphan.requires = vec![Requirement {
            id: "r:missing".into(),
            within_lines: None,
            within_columns: None,
        }];
        assert!(DetectorSet::from_detectors(vec![orphan]).is_err());
    }

    #[test]
    fn exclusive_entropy_drops_the_threshold_itself() {
        let mut d = rule("r:e", r"v=(\w+)", 1);
        d.min_entropy = Some(3.0);
        // Eight distinct characters: exactly 3 bits.
        assert_eq!(d.reject(b"abcdefgh"), None);
        d.entropy_exclusive = true;
        assert_eq!(d.reject(b"abcdefgh"), Some(Rejection::Entropy));
    }

    #[test]
    fn lazy_regexes_check_syntax_now_and_compile_later() {
        assert!(LazyRegex::new("a(".into(), 1 << 20).is_err());
        assert!(LazyRegex::new("x{2,1}".into(), 1 << 20).is_err());
        let big = LazyRegex::new(r"(?i)[\w.-]{0,50}?key\w{10,150}".into(), 1 << 24).unwrap();
        assert!(big.cell.get().is_none());
        assert_eq!(big.find(b"my.key0123456789").map(|m| m.start()), Some(0));
        // Over its size limit: finds nothing rather than failing a scan.
        let tiny = LazyRegex::new(r"\w{100}".into(), 10).unwrap();
        assert!(tiny.find(&[b'a'; 100]).is_none());
    }

    #[test]
    fn any_keyword_mode_runs_on_one_keyword() {
        let mut d = rule("r:kw", r"(tok\w+)", 1);
        d.keywords = vec!["tok".into(), "other".into()];
        let mut all = native("n.kw", r"(zed\w+)");
        all.keywords = vec!["zed".into(), "missing".into()];
        let set = DetectorSet::from_detectors(vec![d, all]).unwrap();
        assert_eq!(ids(&set, "f", "tokABC zedABC").len(), 1);
    }
}
