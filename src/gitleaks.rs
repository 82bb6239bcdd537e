//! gitleaks and betterleaks rule files as detectors.
//!
//! A team moving from gitleaks keeps its `.gitleaks.toml` (or
//! `.betterleaks.toml`): every rule becomes a [`Detector`] like the built-in
//! ones, its id namespaced (`gitleaks:aws-access-token`,
//! `betterleaks:aws-access-token`), its keywords in the shared prefilter, its
//! allow-lists checked by the matcher.
//!
//! What maps how:
//!
//! - `regex` is Go RE2 syntax, translated by [`re2::translate`]; what cannot
//!   be translated is an error naming the rule. `secretGroup`, `entropy`
//!   (the secret's entropy must *exceed* it), `keywords` (any one is
//!   enough), `path` (path-only rules too), `tags`, `skipReport` and
//!   composite rules (`[[rules.required]]`, `withinLines`, `withinColumns`)
//!   keep their gitleaks meaning.
//! - Allow-lists, global (`[allowlist]`, `[[allowlists]]` with
//!   `targetRules`) and per rule (`[rules.allowlist]`, `[[rules.allowlists]]`):
//!   `regexes`, `paths`, `stopwords`, `commits`, `regexTarget`
//!   (`secret`/`match`/`line`) and `condition` (`OR`/`AND`). A workspace scan
//!   has no commit, so `commits` never allows anything; they are kept.
//! - `[extend]`: `path` loads another rules file first (relative to the
//!   extending file) and merges as gitleaks does; `disabledRules` drops rules
//!   of the extended file. `useDefault = true` means *blastradius' built-in
//!   detectors*: they are always on, so it changes nothing, and gitleaks' own
//!   default rules are not embedded (load them with `--rules` or
//!   `[extend] path`). A file found at the scanned root may only extend files
//!   inside that directory.
//! - betterleaks `validate`, `filter` and `prefilter` are Expr programs,
//!   which are not run. The plain ones (an entropy threshold, `matchesAny`
//!   over a list of regexes, `containsAny` over words) are translated into
//!   the entropy gate and allow-lists ([`expr`]); the rest are left out —
//!   rules load without them and the file's summary says so once.
//! - Provider: the rule id's prefix (`github-pat` → `github`) when it names
//!   a provider blastradius knows, which then introspects the token and
//!   lends the worst case of its built-in detectors; otherwise `generic`
//!   (detection only). Built-in detectors win where both find overlapping
//!   secrets, so a token is reported once.

pub mod expr;
pub mod re2;

use crate::detectors::{
    AllowCondition, AllowList, AllowTarget, Detector, DetectorSet, KeywordMatch, LazyRegex,
    Requirement, SecretGroup, PRIORITY_GENERIC_RULE, PRIORITY_RULE,
};
use crate::model::{Breadth, Capability};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::{Table, Value};

/// The provider name of rules whose id names no known provider.
pub const GENERIC_PROVIDER: &str = "generic";

/// Names of the rules files picked up at a scanned root.
pub const AUTO_FILES: [&str; 2] = [".gitleaks.toml", ".betterleaks.toml"];

/// How deep `[extend] path` chains may go.
const MAX_EXTEND_DEPTH: usize = 8;

/// Compiled size limit of one rule's regex.
const REGEX_SIZE_LIMIT: usize = 32 * 1024 * 1024;

/// A rules file that cannot be used. Each names the file, and the rule or
/// line where that applies.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The file could not be read.
    #[error("cannot read rules file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not valid TOML.
    #[error("rules file {path}: line {line}, column {column}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A rule cannot be used.
    #[error("rules file {path}: {rule}: {reason}")]
    Rule {
        /// The file.
        path: PathBuf,
        /// The rule and its line (`rule "aws-access-token" (line 120)`).
        rule: String,
        /// What is wrong.
        reason: String,
    },
    /// Something else in the file cannot be used.
    #[error("rules file {path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// Which tool's format a file is written for; it namespaces rule ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// gitleaks (`.gitleaks.toml`).
    Gitleaks,
    /// betterleaks (`.betterleaks.toml`, or Expr `filter`/`validate` keys).
    Betterleaks,
}

impl Dialect {
    /// The rule id namespace: `gitleaks` or `betterleaks`.
    pub fn namespace(self) -> &'static str {
        match self {
            Dialect::Gitleaks => "gitleaks",
            Dialect::Betterleaks => "betterleaks",
        }
    }
}

/// One rules file in use, as the report's summary names it.
#[derive(Clone, Debug, Serialize)]
pub struct RuleFileSummary {
    /// The file, as given or as found at the scanned root.
    pub path: String,
    /// `gitleaks` or `betterleaks`.
    pub format: Dialect,
    /// Found at a scanned root (rather than given with `--rules`).
    pub picked_up: bool,
    /// Files it extends (`[extend] path`), in load order.
    pub extends: Vec<String>,
    /// Detectors it added.
    pub rules: usize,
    /// What could not be carried over, once per kind.
    pub warnings: Vec<String>,
}

/// How many rules of a file loaded, and why not all fully.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LoadStats {
    /// Rules in the file (after `[extend]` merging).
    pub total: usize,
    /// Loaded with everything they say.
    pub full: usize,
    /// Loaded without something (an Expr program); see `partly_reasons`.
    pub partly: usize,
    /// Not loaded; see `not_loaded`.
    pub not_at_all: usize,
    /// Dropped by `disabledRules`.
    pub disabled: usize,
    /// Composite-rule components (`skipReport`), counted in `full`/`partly`.
    pub components: usize,
    /// Why rules loaded partly, with counts.
    pub partly_reasons: BTreeMap<String, usize>,
    /// Each rule not loaded, with the reason.
    pub not_loaded: Vec<(String, String)>,
}

/// One loaded rules file.
#[derive(Debug)]
pub struct LoadedRules {
    /// Its rules as detectors.
    pub detectors: Vec<Detector>,
    /// What the report says about it.
    pub summary: RuleFileSummary,
    /// Load statistics.
    pub stats: LoadStats,
}

/// Options of [`load_rules`].
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions<'a> {
    /// The detectors already loaded (built-in and `--detectors`): their
    /// providers are the known ones.
    pub natives: &'a [Detector],
    /// For a file found at a scanned root: `[extend] path` must stay inside
    /// this directory.
    pub confine_to: Option<&'a Path>,
}

/// Every detector in use and the rules files they came from.
#[derive(Debug)]
pub struct RuleSet {
    /// Native detectors first, then every loaded rule.
    pub set: DetectorSet,
    /// The rules files used, for the report's summary.
    pub files: Vec<RuleFileSummary>,
    /// Per-file load statistics, in the same order.
    pub stats: Vec<LoadStats>,
}

impl RuleSet {
    /// Every warning of every file, prefixed with the file, for stderr.
    pub fn warnings(&self) -> Vec<String> {
        self.files
            .iter()
            .flat_map(|f| f.warnings.iter().map(move |w| format!("{}: {w}", f.path)))
            .collect()
    }
}

/// The rules files to use: each `--rules` file, then `.gitleaks.toml` and
/// `.betterleaks.toml` at each scanned root (unless `pick_up` is off), each
/// file once.
pub fn rule_files(
    explicit: &[PathBuf],
    roots: &[&Path],
    pick_up: bool,
) -> Vec<(PathBuf, Option<PathBuf>)> {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut out = Vec::new();
    let key = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    for f in explicit {
        if seen.insert(key(f)) {
            out.push((f.clone(), None));
        }
    }
    if pick_up {
        for root in roots {
            for name in AUTO_FILES {
                let f = root.join(name);
                if f.is_file() && seen.insert(key(&f)) {
                    out.push((f, Some(root.to_path_buf())));
                }
            }
        }
    }
    out
}

/// Loads `natives` plus the rules of every file in `files` (from
/// [`rule_files`]) into one set. A rule id already loaded from an earlier
/// file is skipped, with a warning.
pub fn build_set(
    natives: Vec<Detector>,
    files: &[(PathBuf, Option<PathBuf>)],
) -> Result<RuleSet, RulesError> {
    let mut loaded = Vec::new();
    for (path, root) in files {
        loaded.push(load_rules(
            path,
            &LoadOptions {
                natives: &natives,
                confine_to: root.as_deref(),
            },
        )?);
    }
    let mut all = natives;
    let mut ids: HashSet<String> = all.iter().map(|d| d.id.clone()).collect();
    let mut summaries = Vec::new();
    let mut stats = Vec::new();
    for mut l in loaded {
        let before = l.detectors.len();
        let mut dropped: HashSet<String> = HashSet::new();
        l.detectors.retain(|d| {
            let fresh = !ids.contains(&d.id);
            if !fresh {
                dropped.insert(d.id.clone());
            }
            fresh
        });
        if !dropped.is_empty() {
            // Components a kept rule needs cannot go: keep the earlier one.
            l.summary.warnings.push(format!(
                "{} rules were already loaded from an earlier rules file and are used from there",
                before - l.detectors.len()
            ));
        }
        ids.extend(l.detectors.iter().map(|d| d.id.clone()));
        l.summary.rules = l.detectors.len();
        all.extend(l.detectors);
        summaries.push(l.summary);
        stats.push(l.stats);
    }
    let set = DetectorSet::from_detectors(all).map_err(|e| RulesError::File {
        path: files.first().map(|f| f.0.clone()).unwrap_or_default(),
        reason: e.to_string(),
    })?;
    Ok(RuleSet {
        set,
        files: summaries,
        stats,
    })
}

/// Loads one gitleaks/betterleaks rules file (and the files it extends).
pub fn load_rules(path: &Path, opts: &LoadOptions<'_>) -> Result<LoadedRules, RulesError> {
    let mut stack = Vec::new();
    let config = read_config(path, opts, &mut stack, 0)?;
    let mut extends = Vec::new();
    collect_extends(&config, &mut extends);
    let dialect = config.dialect;
    let mut stats = LoadStats::default();
    let mut warnings = config.all_warnings();
    let detectors = compile_config(config, opts, &mut stats)?;
    if !stats.not_loaded.is_empty() {
        let list: Vec<String> = stats
            .not_loaded
            .iter()
            .map(|(id, why)| format!("{id} ({why})"))
            .collect();
        warnings.push(format!(
            "{} rules not loaded: {}",
            stats.not_loaded.len(),
            list.join("; ")
        ));
    }
    Ok(LoadedRules {
        summary: RuleFileSummary {
            path: path.display().to_string(),
            format: dialect,
            picked_up: opts.confine_to.is_some(),
            extends,
            rules: detectors.len(),
            warnings,
        },
        detectors,
        stats,
    })
}

fn collect_extends(c: &RawConfig, out: &mut Vec<String>) {
    if let Some(base) = &c.base {
        collect_extends(base, out);
        out.push(base.path.display().to_string());
    }
}

// ---------------------------------------------------------------------------
// Reading: TOML to raw rules, and `[extend]`.

/// An allow-list as written (patterns still in Go syntax).
#[derive(Clone, Debug, Default)]
struct RawAllow {
    source: String,
    condition: Option<AllowCondition>,
    target: Option<AllowTarget>,
    regexes: Vec<String>,
    paths: Vec<String>,
    stopwords: Vec<String>,
    commits: Vec<String>,
    /// Global `[[allowlists]]` only: the rules it applies to (all if empty).
    target_rules: Vec<String>,
    /// Patterns come from an Expr filter: one that does not translate is
    /// left out rather than an error.
    from_expr: bool,
}

/// A rule as written.
#[derive(Clone, Debug, Default)]
struct RawRule {
    id: String,
    /// `path:line` of its `[[rules]]` header.
    origin: String,
    description: Option<String>,
    regex: Option<String>,
    secret_group: Option<usize>,
    /// Threshold and whether it is exclusive (`entropy`, `<=`).
    entropy: Option<(f64, bool)>,
    keywords: Vec<String>,
    path: Option<String>,
    tags: Vec<String>,
    allows: Vec<RawAllow>,
    required: Vec<Requirement>,
    skip_report: Option<bool>,
    specificity: Option<i64>,
    /// What was left out, one reason per kind.
    dropped: BTreeSet<String>,
}

/// Counts of betterleaks Expr programs in one file.
#[derive(Clone, Debug, Default)]
struct ExprCounts {
    validate: usize,
    filters_translated: usize,
    filters_partly: usize,
    filters_dropped: usize,
    global: Vec<String>,
}

#[derive(Debug)]
struct RawConfig {
    path: PathBuf,
    dialect: Dialect,
    base: Option<Box<RawConfig>>,
    use_default: bool,
    disabled: Vec<String>,
    allows: Vec<RawAllow>,
    rules: Vec<RawRule>,
    unknown_keys: BTreeSet<String>,
    expr: ExprCounts,
    notes: Vec<String>,
}

impl RawConfig {
    /// Warnings of this file (the extended files' are folded in).
    fn all_warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.use_default {
            out.push(
                "[extend] useDefault: blastradius' built-in detectors are always on; gitleaks' own \
                 default rules are not embedded (load them with --rules FILE or [extend] path)"
                    .to_string(),
            );
        }
        let mut unknown = BTreeSet::new();
        let mut expr = ExprCounts::default();
        let mut notes = Vec::new();
        let mut c = Some(self);
        while let Some(cfg) = c {
            unknown.extend(cfg.unknown_keys.iter().cloned());
            expr.validate += cfg.expr.validate;
            expr.filters_translated += cfg.expr.filters_translated;
            expr.filters_partly += cfg.expr.filters_partly;
            expr.filters_dropped += cfg.expr.filters_dropped;
            expr.global.extend(cfg.expr.global.iter().cloned());
            notes.extend(cfg.notes.iter().cloned());
            c = cfg.base.as_deref();
        }
        if !unknown.is_empty() {
            out.push(format!(
                "unknown keys ignored: {}",
                unknown.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        let left_out = expr.validate + expr.filters_partly + expr.filters_dropped;
        if left_out > 0 || !expr.global.is_empty() {
            let mut parts = Vec::new();
            if expr.validate > 0 {
                parts.push(format!(
                    "{} `validate` programs (blastradius verifies tokens with its own read-only provider modules)",
                    expr.validate
                ));
            }
            if expr.filters_dropped > 0 {
                parts.push(format!("{} `filter` programs", expr.filters_dropped));
            }
            if expr.filters_partly > 0 {
                parts.push(format!(
                    "part of {} `filter` programs (the terms that are not a plain entropy, regex or word test)",
                    expr.filters_partly
                ));
            }
            parts.extend(expr.global.iter().cloned());
            out.push(format!(
                "betterleaks Expr programs cannot be run; their rules are loaded without them. Left out: {}. \
                 Translated into entropy gates and allow-lists: {} plain `filter` programs",
                parts.join("; "),
                expr.filters_translated
            ));
        }
        out.extend(notes);
        out
    }
}

fn read_config(
    path: &Path,
    opts: &LoadOptions<'_>,
    stack: &mut Vec<PathBuf>,
    depth: usize,
) -> Result<RawConfig, RulesError> {
    let file_err = |reason: String| RulesError::File {
        path: path.to_path_buf(),
        reason,
    };
    let canonical = path.canonicalize().map_err(|source| RulesError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if stack.contains(&canonical) {
        return Err(file_err(
            "[extend] path: files extend each other in a cycle".into(),
        ));
    }
    if depth > MAX_EXTEND_DEPTH {
        return Err(file_err(format!(
            "[extend] path: more than {MAX_EXTEND_DEPTH} levels of extension"
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|source| RulesError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let doc: Table = toml::from_str(&text).map_err(|e| {
        let (line, column) = e.span().map_or((0, 0), |s| line_col(&text, s.start));
        RulesError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: redact_quoted(e.message().trim()),
        }
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let has_expr = doc.contains_key("betterleaksMinVersion")
        || doc.contains_key("filter")
        || doc.contains_key("prefilter")
        || doc
            .get("rules")
            .and_then(Value::as_array)
            .is_some_and(|rs| {
                rs.iter().any(|r| {
                    r.as_table().is_some_and(|t| {
                        t.contains_key("filter")
                            || t.contains_key("validate")
                            || t.contains_key("prefilter")
                    })
                })
            });
    let dialect = if name.contains("betterleaks") || has_expr {
        Dialect::Betterleaks
    } else {
        Dialect::Gitleaks
    };
    let shown = path.display().to_string();
    let mut cfg = RawConfig {
        path: path.to_path_buf(),
        dialect,
        base: None,
        use_default: false,
        disabled: Vec::new(),
        allows: Vec::new(),
        rules: Vec::new(),
        unknown_keys: BTreeSet::new(),
        expr: ExprCounts::default(),
        notes: Vec::new(),
    };
    let headers = rule_header_lines(&text);
    for (key, value) in &doc {
        match key.as_str() {
            "title" | "description" | "minVersion" | "betterleaksMinVersion" => {}
            "extend" => {
                let t = value
                    .as_table()
                    .ok_or_else(|| file_err("[extend] must be a table".into()))?;
                for (k, v) in t {
                    match k.as_str() {
                        "useDefault" => {
                            cfg.use_default = v
                                .as_bool()
                                .ok_or_else(|| file_err("[extend] useDefault must be true or false".into()))?
                        }
                        "disabledRules" => {
                            cfg.disabled = strings(v)
                                .ok_or_else(|| file_err("[extend] disabledRules must be a list of rule ids".into()))?
                        }
                        "path" => {
                            let rel = v
                                .as_str()
                                .ok_or_else(|| file_err("[extend] path must be a string".into()))?;
                            let base_path = path.parent().unwrap_or(Path::new(".")).join(rel);
                            if let Some(root) = opts.confine_to {
                                let inside = match (base_path.canonicalize(), root.canonicalize()) {
                                    (Ok(b), Ok(r)) => b.starts_with(r),
                                    _ => false,
                                };
                                if !inside {
                                    return Err(file_err(format!(
                                        "[extend] path {rel:?} is outside the scanned directory; a rules file found \
                                         there may only extend files inside it (pass the file with --rules to allow it)"
                                    )));
                                }
                            }
                            stack.push(canonical.clone());
                            let base = read_config(&base_path, opts, stack, depth + 1);
                            stack.pop();
                            cfg.base = Some(Box::new(base?));
                        }
                        "url" => cfg.notes.push(
                            "[extend] url is not supported (download the file and use [extend] path)".into(),
                        ),
                        other => {
                            cfg.unknown_keys.insert(format!("extend.{other}"));
                        }
                    }
                }
            }
            "allowlist" => {
                let t = value
                    .as_table()
                    .ok_or_else(|| file_err("[allowlist] must be a table".into()))?;
                cfg.allows.push(
                    raw_allow(t, "global [allowlist]".into(), true, &mut cfg.unknown_keys)
                        .map_err(file_err)?,
                );
            }
            "allowlists" => {
                let arr = value
                    .as_array()
                    .ok_or_else(|| file_err("[[allowlists]] must be an array of tables".into()))?;
                for (i, a) in arr.iter().enumerate() {
                    let t = a.as_table().ok_or_else(|| {
                        file_err("[[allowlists]] must be an array of tables".into())
                    })?;
                    cfg.allows.push(
                        raw_allow(
                            t,
                            format!("global [[allowlists]] #{}", i + 1),
                            true,
                            &mut cfg.unknown_keys,
                        )
                        .map_err(file_err)?,
                    );
                }
            }
            "prefilter" | "filter" => {
                let src = value
                    .as_str()
                    .ok_or_else(|| file_err(format!("{key} must be a string")))?;
                let parsed = expr::parse_filter(src);
                let (allows, _, untranslated) = expr_allows(&parsed, &format!("global {key}"));
                cfg.allows.extend(allows);
                let left = parsed.dropped + untranslated;
                if left > 0 {
                    cfg.expr
                        .global
                        .push(format!("{left} term(s) of the global `{key}`"));
                }
            }
            "rules" => {
                let arr = value
                    .as_array()
                    .ok_or_else(|| file_err("rules must be an array of [[rules]] tables".into()))?;
                let lines_ok = headers.len() == arr.len();
                for (i, r) in arr.iter().enumerate() {
                    let line = if lines_ok { Some(headers[i]) } else { None };
                    let origin = match line {
                        Some(l) => format!("{shown}:{l}"),
                        None => format!("{shown}:rules[{i}]"),
                    };
                    let t = r.as_table().ok_or_else(|| RulesError::Rule {
                        path: path.to_path_buf(),
                        rule: format!("[[rules]] #{}", i + 1),
                        reason: "must be a table".into(),
                    })?;
                    let rule = raw_rule(t, origin, line, path, &mut cfg)?;
                    cfg.rules.push(rule);
                }
            }
            other => {
                cfg.unknown_keys.insert(other.to_string());
            }
        }
    }
    Ok(cfg)
}

fn raw_rule(
    t: &Table,
    origin: String,
    line: Option<usize>,
    path: &Path,
    cfg: &mut RawConfig,
) -> Result<RawRule, RulesError> {
    let id = t
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let rule_name = match line {
        Some(l) => format!("rule {id:?} (line {l})"),
        None => format!("rule {id:?}"),
    };
    let err = |reason: String| RulesError::Rule {
        path: path.to_path_buf(),
        rule: rule_name.clone(),
        reason,
    };
    if id.is_empty() {
        return Err(err("missing id".into()));
    }
    if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(err(
            "an id cannot contain spaces or control characters".into()
        ));
    }
    let mut r = RawRule {
        id: id.clone(),
        origin,
        ..RawRule::default()
    };
    for (key, v) in t {
        let want = |what: &str| err(format!("`{key}` must be {what}"));
        match key.as_str() {
            "id" => {}
            "description" => {
                r.description = Some(v.as_str().ok_or_else(|| want("a string"))?.to_string())
            }
            "regex" => r.regex = Some(v.as_str().ok_or_else(|| want("a string"))?.to_string()),
            "path" => r.path = Some(v.as_str().ok_or_else(|| want("a string"))?.to_string()),
            "secretGroup" => {
                let g = v
                    .as_integer()
                    .filter(|g| *g >= 0)
                    .ok_or_else(|| want("a group number"))?;
                r.secret_group = usize::try_from(g).ok();
            }
            "entropy" => {
                let e = v
                    .as_float()
                    .or_else(|| v.as_integer().map(|i| i as f64))
                    .filter(|e| e.is_finite() && *e >= 0.0)
                    .ok_or_else(|| want("a number"))?;
                if e > 0.0 {
                    r.entropy = Some((e, true));
                }
            }
            "keywords" => r.keywords = strings(v).ok_or_else(|| want("a list of strings"))?,
            "tags" => r.tags = strings(v).ok_or_else(|| want("a list of strings"))?,
            "skipReport" => r.skip_report = Some(v.as_bool().ok_or_else(|| want("true or false"))?),
            "specificity" => {
                r.specificity = Some(v.as_integer().ok_or_else(|| want("an integer"))?)
            }
            "allowlist" => {
                let a = v.as_table().ok_or_else(|| want("a table"))?;
                r.allows.push(
                    raw_allow(
                        a,
                        format!("{id} [rules.allowlist]"),
                        false,
                        &mut cfg.unknown_keys,
                    )
                    .map_err(&err)?,
                );
            }
            "allowlists" => {
                let arr = v.as_array().ok_or_else(|| want("an array of tables"))?;
                for (i, a) in arr.iter().enumerate() {
                    let a = a.as_table().ok_or_else(|| want("an array of tables"))?;
                    r.allows.push(
                        raw_allow(
                            a,
                            format!("{id} [[rules.allowlists]] #{}", i + 1),
                            false,
                            &mut cfg.unknown_keys,
                        )
                        .map_err(&err)?,
                    );
                }
            }
            "required" => {
                let arr = v.as_array().ok_or_else(|| want("an array of tables"))?;
                for q in arr {
                    let q = q.as_table().ok_or_else(|| want("an array of tables"))?;
                    let rid = q
                        .get("id")
                        .and_then(Value::as_str)
                        .ok_or_else(|| err("[[rules.required]] needs an id".into()))?;
                    let within = |k: &str| -> Result<Option<usize>, RulesError> {
                        q.get(k)
                            .map(|v| {
                                v.as_integer()
                                    .and_then(|n| usize::try_from(n).ok())
                                    .ok_or_else(|| {
                                        err(format!(
                                            "[[rules.required]] {k} must be a whole number"
                                        ))
                                    })
                            })
                            .transpose()
                    };
                    for k in q.keys() {
                        if !matches!(k.as_str(), "id" | "withinLines" | "withinColumns") {
                            cfg.unknown_keys.insert(format!("rules.required.{k}"));
                        }
                    }
                    r.required.push(Requirement {
                        id: rid.to_string(),
                        within_lines: within("withinLines")?,
                        within_columns: within("withinColumns")?,
                    });
                }
            }
            "validate" => {
                cfg.expr.validate += 1;
                r.dropped.insert("`validate` program left out".into());
            }
            "filter" | "prefilter" => {
                let src = v.as_str().ok_or_else(|| want("a string"))?;
                let parsed = expr::parse_filter(src);
                let (allows, entropy, untranslated) = expr_allows(&parsed, &format!("{id} {key}"));
                let left = parsed.dropped + untranslated;
                let used = allows.len() + usize::from(entropy.is_some());
                r.allows.extend(allows);
                if let Some(e) = entropy {
                    r.entropy = Some(stricter(r.entropy, e));
                }
                if left == 0 {
                    cfg.expr.filters_translated += 1;
                } else if used > 0 {
                    cfg.expr.filters_partly += 1;
                    r.dropped
                        .insert(format!("part of `{key}` program left out"));
                } else {
                    cfg.expr.filters_dropped += 1;
                    r.dropped.insert(format!("`{key}` program left out"));
                }
            }
            other => {
                cfg.unknown_keys.insert(format!("rules.{other}"));
            }
        }
    }
    Ok(r)
}

/// The stricter of two entropy gates (`(threshold, exclusive)`).
fn stricter(a: Option<(f64, bool)>, b: (f64, bool)) -> (f64, bool) {
    match a {
        None => b,
        Some(a) if a.0 > b.0 || (a.0 == b.0 && a.1) => a,
        Some(_) => b,
    }
}

/// Allow-lists and an entropy gate from a parsed Expr filter, and how many
/// regexes did not translate.
fn expr_allows(p: &expr::Parsed, source: &str) -> (Vec<RawAllow>, Option<(f64, bool)>, usize) {
    let mut allows = Vec::new();
    let mut entropy = None;
    let mut bad = 0;
    for (i, term) in p.terms.iter().enumerate() {
        let source = format!("{source} term {}", i + 1);
        match term {
            expr::Term::Entropy {
                threshold,
                at_or_below,
            } => entropy = Some(stricter(entropy, (*threshold, *at_or_below))),
            expr::Term::MatchesAny(subject, list) => {
                let ok: Vec<String> = list
                    .iter()
                    .filter(|r| re2::translate(r).is_ok())
                    .cloned()
                    .collect();
                bad += list.len() - ok.len();
                if ok.is_empty() {
                    continue;
                }
                let mut a = RawAllow {
                    source,
                    from_expr: true,
                    ..RawAllow::default()
                };
                match subject {
                    expr::Subject::Path => a.paths = ok,
                    expr::Subject::Secret => a.regexes = ok,
                    expr::Subject::Match => {
                        a.regexes = ok;
                        a.target = Some(AllowTarget::Match);
                    }
                    expr::Subject::Line => {
                        a.regexes = ok;
                        a.target = Some(AllowTarget::Line);
                    }
                }
                allows.push(a);
            }
            expr::Term::ContainsAny(words) => allows.push(RawAllow {
                source,
                stopwords: words.clone(),
                from_expr: true,
                ..RawAllow::default()
            }),
        }
    }
    (allows, entropy, bad)
}

fn raw_allow(
    t: &Table,
    source: String,
    global: bool,
    unknown: &mut BTreeSet<String>,
) -> Result<RawAllow, String> {
    let mut a = RawAllow {
        source: source.clone(),
        ..RawAllow::default()
    };
    for (k, v) in t {
        let list = |v: &Value| {
            strings(v).ok_or_else(|| format!("{source}: `{k}` must be a list of strings"))
        };
        match k.as_str() {
            "description" => {}
            "regexes" => a.regexes = list(v)?,
            "paths" => a.paths = list(v)?,
            "stopwords" => a.stopwords = list(v)?,
            "commits" => a.commits = list(v)?,
            "targetRules" if global => a.target_rules = list(v)?,
            "condition" => {
                a.condition = Some(match v.as_str().map(str::to_ascii_uppercase).as_deref() {
                    Some("OR") => AllowCondition::Or,
                    Some("AND") => AllowCondition::And,
                    _ => return Err(format!("{source}: condition must be \"OR\" or \"AND\"")),
                })
            }
            "regexTarget" => {
                a.target = Some(match v.as_str().map(str::to_ascii_lowercase).as_deref() {
                    Some("secret") | Some("") => AllowTarget::Secret,
                    Some("match") => AllowTarget::Match,
                    Some("line") => AllowTarget::Line,
                    _ => {
                        return Err(format!(
                            "{source}: regexTarget must be \"secret\", \"match\" or \"line\""
                        ))
                    }
                })
            }
            other => {
                unknown.insert(format!(
                    "{}{other}",
                    if global {
                        "allowlist."
                    } else {
                        "rules.allowlist."
                    }
                ));
            }
        }
    }
    Ok(a)
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// 1-based line of every `[[rules]]` header, in order.
fn rule_header_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim_start();
            l.strip_prefix("[[")
                .and_then(|r| r.split_once("]]"))
                .is_some_and(|(name, _)| name.trim() == "rules")
        })
        .map(|(i, _)| i + 1)
        .collect()
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = 1 + memchr::memchr_iter(b'\n', before).count();
    let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (
        line,
        1 + String::from_utf8_lossy(&before[start..]).chars().count(),
    )
}

/// Redacts quoted values longer than eight characters in a parser message:
/// a rules file picked up from a repository could carry a secret in a
/// malformed value.
fn redact_quoted(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(start) = rest.find(['"', '\'', '`']) {
        let q = rest[start..].chars().next().unwrap_or('"');
        out.push_str(&rest[..=start]);
        let after = &rest[start + 1..];
        match after.find(q) {
            Some(end) => {
                let inner = &after[..end];
                if inner.chars().count() > 8 {
                    out.push_str(&crate::secret::redact(inner));
                } else {
                    out.push_str(inner);
                }
                out.push(q);
                rest = &after[end + 1..];
            }
            None => {
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------
// Merging `[extend]` and compiling rules into detectors.

/// gitleaks' merge: the extended file's rules (minus `disabledRules`), each
/// overridden field by field by a rule of the same id in the extending
/// file; then the extending file's own rules.
fn merge(cfg: &mut RawConfig, stats: &mut LoadStats) -> (Vec<RawRule>, Vec<RawAllow>) {
    let Some(base) = cfg.base.as_deref_mut() else {
        return (
            std::mem::take(&mut cfg.rules),
            std::mem::take(&mut cfg.allows),
        );
    };
    let (base_rules, base_allows) = merge(base, stats);
    let mut mine: Vec<Option<RawRule>> = std::mem::take(&mut cfg.rules)
        .into_iter()
        .map(Some)
        .collect();
    let index: HashMap<String, usize> = mine
        .iter()
        .enumerate()
        .map(|(i, r)| (r.as_ref().map(|r| r.id.clone()).unwrap_or_default(), i))
        .collect();
    let disabled: HashSet<&str> = cfg.disabled.iter().map(String::as_str).collect();
    let mut rules = Vec::new();
    for mut b in base_rules {
        if disabled.contains(b.id.as_str()) {
            stats.disabled += 1;
            continue;
        }
        if let Some(over) = index.get(&b.id).and_then(|&i| mine[i].take()) {
            if over.description.is_some() {
                b.description = over.description;
            }
            if over.entropy.is_some() {
                b.entropy = over.entropy;
            }
            if over.secret_group.is_some() {
                b.secret_group = over.secret_group;
            }
            if over.regex.is_some() {
                b.regex = over.regex;
                b.origin = over.origin;
            }
            if over.path.is_some() {
                b.path = over.path;
            }
            if over.skip_report.is_some() {
                b.skip_report = over.skip_report;
            }
            if !over.required.is_empty() {
                b.required = over.required;
            }
            b.tags.extend(over.tags);
            b.keywords.extend(over.keywords);
            b.allows.extend(over.allows);
            b.dropped.extend(over.dropped);
        }
        rules.push(b);
    }
    rules.extend(mine.into_iter().flatten());
    let mut allows = std::mem::take(&mut cfg.allows);
    allows.extend(base_allows);
    (rules, allows)
}

/// Compiles an allow-list from Go-syntax patterns.
fn compile_allow(a: &RawAllow) -> Result<AllowList, String> {
    let tr = |list: &[String]| -> Result<Vec<String>, String> {
        list.iter()
            .map(|r| re2::translate(r).map_err(|e| format!("{}: regex {r:?}: {e}", a.source)))
            .collect()
    };
    AllowList::new(
        a.source.clone(),
        a.condition.unwrap_or(AllowCondition::Or),
        a.target.unwrap_or(AllowTarget::Secret),
        &tr(&a.regexes)?,
        &tr(&a.paths)?,
        &a.stopwords,
        a.commits.clone(),
    )
    .map_err(|e| format!("{}: {e}", a.source))
}

/// The provider a rule id names, if blastradius knows it, with the worst
/// case its native detectors assume.
struct KnownProviders {
    worst: HashMap<String, (Vec<Capability>, Breadth)>,
}

impl KnownProviders {
    fn new(natives: &[Detector]) -> Self {
        let mut worst: HashMap<String, (Vec<Capability>, Breadth)> = HashMap::new();
        for p in crate::providers::PROVIDERS {
            worst
                .entry(p.id().to_string())
                .or_insert((Vec::new(), Breadth::Unknown));
        }
        for d in natives {
            let e = worst
                .entry(d.provider.clone())
                .or_insert((Vec::new(), Breadth::Unknown));
            for c in &d.capabilities {
                if !e.0.contains(c) {
                    e.0.push(*c);
                }
            }
            // `Breadth` orders from widest to narrowest, `Unknown` last.
            if d.breadth < e.1 {
                e.1 = d.breadth;
            }
        }
        for v in worst.values_mut() {
            v.0.sort();
        }
        KnownProviders { worst }
    }

    fn of(&self, rule_id: &str) -> Option<(&str, &(Vec<Capability>, Breadth))> {
        let prefix = rule_id
            .split(['-', '_', '.'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        self.worst
            .get_key_value(&prefix)
            .map(|(k, v)| (k.as_str(), v))
    }
}

fn compile_config(
    mut cfg: RawConfig,
    opts: &LoadOptions<'_>,
    stats: &mut LoadStats,
) -> Result<Vec<Detector>, RulesError> {
    let ns = cfg.dialect.namespace();
    let path = cfg.path.clone();
    let (rules, global) = merge(&mut cfg, stats);
    stats.total = rules.len() + stats.disabled;
    let file_err = |reason: String| RulesError::File {
        path: path.clone(),
        reason,
    };
    // Global allow-lists: compiled once, shared by every rule they target.
    let mut globals: Vec<(Arc<AllowList>, Vec<String>)> = Vec::new();
    for a in &global {
        match compile_allow(a) {
            Ok(list) => globals.push((Arc::new(list), a.target_rules.clone())),
            Err(_) if a.from_expr => {}
            Err(e) => return Err(file_err(e)),
        }
    }
    let known = KnownProviders::new(opts.natives);
    let ids: HashSet<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    // The regexes, compiled in parallel: with hundreds of rules this is most
    // of the load time.
    let mut compiled: Vec<Option<Result<Compiled, String>>> = rules
        .par_iter()
        .map(|r| {
            r.regex
                .as_deref()
                .filter(|go| !go.is_empty())
                .map(|go| compile_regex(go, &r.keywords))
        })
        .collect();
    // A later rule with the same id replaces an earlier one (as in gitleaks).
    let mut last_of: HashMap<&str, usize> = HashMap::new();
    for (i, r) in rules.iter().enumerate() {
        last_of.insert(r.id.as_str(), i);
    }
    let mut out = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        if last_of.get(r.id.as_str()) != Some(&i) {
            stats.not_at_all += 1;
            stats.not_loaded.push((
                r.id.clone(),
                format!(
                    "the rule at {} has the same id as a later one, which replaces it",
                    r.origin
                ),
            ));
            continue;
        }
        let rule_name = match r.origin.strip_prefix(&format!("{}:", path.display())) {
            Some(line) if line.bytes().all(|b| b.is_ascii_digit()) => {
                format!("rule {:?} (line {line})", r.id)
            }
            _ => format!("rule {:?} ({})", r.id, r.origin),
        };
        let err = |reason: String| RulesError::Rule {
            path: path.clone(),
            rule: rule_name.clone(),
            reason,
        };
        if r.regex.is_none() && r.path.is_none() {
            stats.not_at_all += 1;
            stats.not_loaded.push((
                r.id.clone(),
                "no regex and no path: it only adds to a rule of an extended config, and no loaded file defines it"
                    .into(),
            ));
            continue;
        }
        for q in &r.required {
            if !ids.contains(q.id.as_str()) {
                return Err(err(format!(
                    "[[rules.required]] names {:?}, which is not defined",
                    q.id
                )));
            }
        }
        let (regex, groups, prefix_max, anchors, anchor_word_start) = match compiled[i].take() {
            Some(Ok(c)) => (
                Some(c.regex),
                c.groups,
                c.prefix_max,
                c.anchors,
                c.word_start,
            ),
            Some(Err(e)) => return Err(err(e)),
            None => (None, 0, 0, Vec::new(), false),
        };
        if regex.is_none() && r.path.is_none() {
            stats.not_at_all += 1;
            stats
                .not_loaded
                .push((r.id.clone(), "empty regex and no path".into()));
            continue;
        }
        let secret_group = match (r.secret_group, &regex) {
            (Some(g), Some(_)) if g > 0 => {
                if g > groups {
                    return Err(err(format!(
                        "secretGroup {g} does not exist (the regex has {groups} groups)"
                    )));
                }
                SecretGroup::Index(g)
            }
            _ => SecretGroup::FirstNonEmpty,
        };
        let path_re = r
            .path
            .as_deref()
            .map(|p| {
                re2::translate(p)
                    .map_err(|e| err(format!("path cannot be translated from RE2: {e}")))
                    .and_then(|t| {
                        regex::Regex::new(&t)
                            .map_err(|e| err(format!("path does not compile: {e}")))
                    })
            })
            .transpose()?;
        let mut allow: Vec<Arc<AllowList>> = Vec::new();
        for a in &r.allows {
            match compile_allow(a) {
                Ok(list) => allow.push(Arc::new(list)),
                Err(_) if a.from_expr => {}
                Err(e) => return Err(err(e)),
            }
        }
        for (g, targets) in &globals {
            if targets.is_empty() || targets.iter().any(|t| t == &r.id) {
                allow.push(Arc::clone(g));
            }
        }
        let mut keywords: Vec<String> = r
            .keywords
            .iter()
            .map(|k| k.to_ascii_lowercase())
            .filter(|k| !k.is_empty())
            .collect();
        keywords.sort();
        keywords.dedup();
        let generic = r.id.starts_with("generic") || r.specificity == Some(0);
        let (provider, capabilities, breadth) = match known.of(&r.id) {
            Some((p, (caps, breadth))) => (p.to_string(), caps.clone(), *breadth),
            None => (GENERIC_PROVIDER.to_string(), Vec::new(), Breadth::Unknown),
        };
        let report = !r.skip_report.unwrap_or(false);
        if !report {
            stats.components += 1;
        }
        if r.dropped.is_empty() {
            stats.full += 1;
        } else {
            stats.partly += 1;
            for why in &r.dropped {
                *stats.partly_reasons.entry(why.clone()).or_default() += 1;
            }
        }
        out.push(Detector {
            id: format!("{ns}:{}", r.id),
            provider,
            name: r.description.clone().unwrap_or_else(|| r.id.clone()),
            token_kind: r.id.replace(['-', '_'], " "),
            origin: r.origin.clone(),
            builtin: false,
            keywords,
            keyword_match: KeywordMatch::Any,
            regex,
            prefix_max,
            anchors,
            lead: if anchor_word_start {
                crate::detectors::shape::Lead::WordBoundary
            } else {
                crate::detectors::shape::Lead::None
            },
            secret_group,
            min_entropy: r.entropy.map(|e| e.0),
            entropy_exclusive: r.entropy.is_some_and(|e| e.1),
            checksum: None,
            placeholder_gate: false,
            path: path_re,
            allow,
            priority: if generic {
                PRIORITY_GENERIC_RULE
            } else {
                PRIORITY_RULE
            },
            report,
            requires: r
                .required
                .iter()
                .map(|q| Requirement {
                    id: format!("{ns}:{}", q.id),
                    ..q.clone()
                })
                .collect(),
            tags: r.tags.clone(),
            capabilities,
            breadth,
            tier: None,
            remediation: None,
            ignore_values: Vec::new(),
            example_path: "example.txt".into(),
            examples: Vec::new(),
            negative_examples: Vec::new(),
        });
    }
    Ok(out)
}

/// A rule's regex, in the form it is searched with.
struct Compiled {
    regex: LazyRegex,
    groups: usize,
    prefix_max: usize,
    anchors: Vec<String>,
    word_start: bool,
}

/// Translates a rule's Go regex, in its faster search form when it has one
/// ([`search_form`]), and checks that Rust's `regex` accepts it; it is
/// compiled when first used.
fn compile_regex(go: &str, keywords: &[String]) -> Result<Compiled, String> {
    let lazy = |rust: String| {
        LazyRegex::new(rust, REGEX_SIZE_LIMIT).map_err(|e| format!("regex does not compile: {e}"))
    };
    let translate = |go: &str| {
        re2::translate_counting(go).map_err(|e| format!("regex cannot be translated from RE2: {e}"))
    };
    // Translate the rule's own pattern first, so errors point into it.
    let (rust, groups) = translate(go)?;
    Ok(match search_form(go, keywords) {
        Some(form) => {
            let (lean, _) = translate(&form.pattern)?;
            Compiled {
                regex: if form.anchors.is_empty() {
                    lazy(lean)?
                } else {
                    lazy(format!(r"\A(?:{lean})"))?
                },
                groups,
                prefix_max: form.prefix_max,
                anchors: form.anchors,
                word_start: form.word_start,
            }
        }
        None => Compiled {
            regex: lazy(rust)?,
            groups,
            prefix_max: 0,
            anchors: Vec::new(),
            word_start: false,
        },
    })
}

/// A faster way to search for a rule's matches (same matches).
#[derive(Debug, PartialEq, Eq)]
struct SearchForm {
    /// The Go pattern to search with.
    pattern: String,
    /// Length limit of the lazy `[\w.-]{0,N}?` prefix taken off, or 0.
    prefix_max: usize,
    /// Literals (lowercase) one of which begins every match; empty when
    /// there are none worth searching for.
    anchors: Vec<String>,
    /// The pattern began with `\b`, taken off `pattern` (anchored forms
    /// only): the matcher checks it.
    word_start: bool,
}

/// At most this many anchor literals per rule.
const MAX_ANCHORS: usize = 64;
/// Anchor literals are at least this long (shorter ones occur everywhere).
const MIN_ANCHOR: usize = 3;

/// How to search for `go` faster, if it has one of two shapes gitleaks
/// generates by the hundred:
///
/// - `(?i)[\w.-]{0,50}?(?:adafruit)…`: a leading lazy prefix that only adds
///   the variable name to the match but stops the regex engine from using a
///   literal prefilter. Searching without it finds the same keyword at the
///   same place (the prefix may be empty, and the leftmost match's prefix
///   belongs to the leftmost keyword that completes a match); the match is
///   then extended back over the name ([`Detector::prefix_max`]).
/// - `(?i)(?:access|auth|…)…`: a leading group whose every branch starts
///   with a plain literal, so a match can only start where the prefilter
///   sees one of those literals ([`Detector::anchors`]).
fn search_form(go: &str, keywords: &[String]) -> Option<SearchForm> {
    if top_level_alternation(go) {
        // `a|b`: the shapes above describe only the first alternative.
        return None;
    }
    let (flags, rest) = split_flags(go);
    let (mut prefix_max, mut rest) = lazy_word_prefix(rest);
    let mut pattern = format!("{flags}{rest}");
    if prefix_max > 0 {
        // `[\w.-]{0,50}?(?i:[\w.-]{0,50}?…)`: two prefixes in a row.
        if let Some(inner) = rest.strip_prefix("(?i:") {
            let (m, after) = lazy_word_prefix(inner);
            if m > 0 {
                prefix_max += m;
                pattern = format!("{flags}(?i:{after}");
                rest = &pattern[flags.len()..];
            }
        }
    }
    // A leading `\b` (no prefix before it) can be checked by the matcher.
    let bounded = rest.strip_prefix(r"\b").filter(|_| prefix_max == 0);
    let anchors: Vec<String> = if keywords.iter().all(|k| k.is_empty()) {
        // A rule without keywords runs on every file: not worth it.
        Vec::new()
    } else {
        let mut lits: Vec<String> = leading_literals(bounded.unwrap_or(rest))
            .unwrap_or_default()
            .iter()
            .map(|l| l.to_ascii_lowercase())
            .collect();
        lits.sort();
        lits.dedup();
        if lits.len() <= MAX_ANCHORS && lits.iter().all(|l| l.len() >= MIN_ANCHOR) {
            lits
        } else {
            Vec::new()
        }
    };
    if prefix_max == 0 && anchors.is_empty() {
        return None;
    }
    let word_start = bounded.is_some() && !anchors.is_empty();
    if word_start {
        pattern = format!("{flags}{}", bounded.unwrap_or(rest));
    }
    Some(SearchForm {
        pattern,
        prefix_max,
        anchors,
        word_start,
    })
}

/// A leading lazy `[\w.-]{0,N}?`: N (0 when there is none) and the rest.
fn lazy_word_prefix(go: &str) -> (usize, &str) {
    if let Some(r) = go.strip_prefix(r"[\w.-]{0,") {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        if let (Ok(n), Some(rest)) = (r[..digits].parse::<usize>(), r[digits..].strip_prefix("}?"))
        {
            if n > 0 {
                return (n, rest);
            }
        }
    }
    (0, go)
}

/// Whether `go` has a `|` outside every group and class (or cannot be
/// scanned).
fn top_level_alternation(go: &str) -> bool {
    let b = go.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' => {
                // Skip the class: a leading `^` and `]` are literal, as are
                // `[:name:]` parts.
                i += 1;
                if b.get(i) == Some(&b'^') {
                    i += 1;
                }
                if b.get(i) == Some(&b']') {
                    i += 1;
                }
                while i < b.len() && b[i] != b']' {
                    if b[i] == b'\\' {
                        i += 1;
                    } else if b[i] == b'[' && b.get(i + 1) == Some(&b':') {
                        match go[i..].find(":]") {
                            Some(e) => i += e + 1,
                            None => return true,
                        }
                    }
                    i += 1;
                }
            }
            b'(' => depth += 1,
            b')' => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return true,
            },
            b'|' if depth == 0 => return true,
            _ => {}
        }
        i += 1;
    }
    depth != 0
}

/// A leading `(?flags)` group (no colon) and the rest.
fn split_flags(go: &str) -> (&str, &str) {
    if let Some(r) = go.strip_prefix("(?") {
        let n = r
            .bytes()
            .take_while(|b| matches!(b, b'i' | b'm' | b's' | b'U' | b'-'))
            .count();
        if n > 0 && r.as_bytes().get(n) == Some(&b')') {
            return go.split_at(2 + n + 1);
        }
    }
    ("", go)
}

/// Literals one of which begins every match of `go`, when `go` starts
/// with a group: the group's alternatives expanded as far as they are plain
/// (literal characters, `\\`-escaped punctuation, small classes, nested
/// groups, optional parts, zero-width `\\b`); where a branch stops being
/// plain, what was expanded so far stands for it (at most 512).
fn leading_literals(go: &str) -> Option<Vec<String>> {
    let b = go.as_bytes();
    if b.first() != Some(&b'(') {
        return None;
    }
    let mut i = 0;
    let lits = expand_group(b, &mut i)?;
    // The group must not be optional or repeated zero times.
    if matches!(b.get(i), Some(b'?' | b'*' | b'{')) {
        return None;
    }
    let mut out: Vec<String> = lits.into_iter().map(|(l, _)| l).collect();
    out.dedup();
    (!out.is_empty()).then_some(out)
}

const MAX_EXPANSIONS: usize = 512;

/// A literal prefix, and whether it is still open (the pattern continues
/// plainly after it) or closed (cut short where the pattern stops being
/// plain).
type Prefix = (String, bool);

/// `(`…`)` at `b[*i]`: the prefixes of its alternation.
fn expand_group(b: &[u8], i: &mut usize) -> Option<Vec<Prefix>> {
    *i += 1;
    if b.get(*i) == Some(&b'?') {
        // `(?:`, `(?i:`, `(?-i:` (case does not matter here: literals
        // compare case-insensitively); named groups `(?P<name>`, `(?<name>`.
        let rest = &b[*i + 1..];
        let flags = rest.iter().take_while(|c| matches!(c, b'i' | b'-')).count();
        if rest.get(flags) == Some(&b':') {
            *i += 2 + flags;
        } else if rest.starts_with(b"P<") || rest.starts_with(b"<") {
            let close = rest.iter().position(|&c| c == b'>')?;
            *i += 2 + close;
        } else {
            return None;
        }
    }
    let mut all = Vec::new();
    loop {
        let (prefixes, cut) = expand_seq(b, i)?;
        if cut {
            skip_alternative(b, i)?;
        }
        all.extend(prefixes);
        if all.len() > MAX_EXPANSIONS {
            return None;
        }
        match b.get(*i) {
            Some(b'|') => *i += 1,
            Some(b')') => {
                *i += 1;
                return Some(all);
            }
            _ => return None,
        }
    }
}

/// Moves `*i` to the `|` or `)` that ends the current alternative.
fn skip_alternative(b: &[u8], i: &mut usize) -> Option<()> {
    let mut depth = 0usize;
    while let Some(&c) = b.get(*i) {
        match c {
            b'\\' => *i += 1,
            b'[' => {
                *i = skip_class(b, *i)?;
                continue;
            }
            b'(' => depth += 1,
            b')' if depth == 0 => return Some(()),
            b')' => depth -= 1,
            b'|' if depth == 0 => return Some(()),
            _ => {}
        }
        *i += 1;
    }
    None
}

/// The index after the class `[`…`]` that starts at `b[i]`.
fn skip_class(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    if b.get(i) == Some(&b'^') {
        i += 1;
    }
    if b.get(i) == Some(&b']') {
        i += 1;
    }
    while let Some(&c) = b.get(i) {
        match c {
            b']' => return Some(i + 1),
            b'\\' => i += 2,
            b'[' if b.get(i + 1) == Some(&b':') => {
                let end = b[i..].windows(2).position(|w| w == b":]")?;
                i += end + 2;
            }
            _ => i += 1,
        }
    }
    None
}

/// A sequence up to `|` or `)`: its literal prefixes, and whether it was
/// cut short (left at an atom that is not plain, with every prefix closed).
fn expand_seq(b: &[u8], i: &mut usize) -> Option<(Vec<Prefix>, bool)> {
    let mut out: Vec<Prefix> = vec![(String::new(), true)];
    let close_all = |out: Vec<Prefix>| -> (Vec<Prefix>, bool) {
        (out.into_iter().map(|(p, _)| (p, false)).collect(), true)
    };
    loop {
        let &c = b.get(*i)?;
        if !out.iter().any(|(_, open)| *open) {
            return Some(close_all(out));
        }
        let at = *i;
        // The atom's own prefixes (open: it was read to its end).
        let atom: Vec<Prefix> = match c {
            b'|' | b')' => return Some((out, false)),
            // Zero-width: nothing to add.
            b'\\' if matches!(b.get(*i + 1), Some(b'b' | b'B' | b'A')) => {
                *i += 2;
                continue;
            }
            b'^' => {
                *i += 1;
                continue;
            }
            b'(' => expand_group(b, i)?,
            b'[' => {
                let mut set = Vec::new();
                let mut j = *i + 1;
                let mut plain = true;
                while let Some(&c) = b.get(j) {
                    j += 1;
                    match c {
                        b']' if !set.is_empty() => break,
                        c if c.is_ascii_alphanumeric() || c == b'_' => {
                            set.push(((c as char).to_string(), true))
                        }
                        _ => {
                            plain = false;
                            break;
                        }
                    }
                }
                if !plain || set.len() > 16 {
                    return Some(close_all(out));
                }
                *i = j;
                set
            }
            b'\\' => match b.get(*i + 1) {
                Some(&e) if e.is_ascii_punctuation() => {
                    *i += 2;
                    vec![((e as char).to_string(), true)]
                }
                _ => return Some(close_all(out)),
            },
            c if c.is_ascii_alphanumeric()
                || matches!(c, b'_' | b'-' | b' ' | b'=' | b':' | b'/' | b'@' | b'%') =>
            {
                *i += 1;
                vec![((c as char).to_string(), true)]
            }
            _ => return Some(close_all(out)),
        };
        let optional = match b.get(*i) {
            Some(b'?') => {
                *i += 1;
                if b.get(*i) == Some(&b'?') {
                    *i += 1;
                }
                true
            }
            Some(b'*' | b'+' | b'{') => {
                // Repeated: the prefixes end before it.
                *i = at;
                return Some(close_all(out));
            }
            _ => false,
        };
        let mut next = Vec::new();
        for (prefix, open) in out {
            if !open {
                next.push((prefix, false));
                continue;
            }
            if optional {
                next.push((prefix.clone(), true));
            }
            for (piece, piece_open) in &atom {
                next.push((format!("{prefix}{piece}"), *piece_open));
            }
        }
        if next.len() > MAX_EXPANSIONS {
            return None;
        }
        out = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn load(path: &Path) -> Result<LoadedRules, RulesError> {
        load_rules(path, &LoadOptions::default())
    }

    #[test]
    fn search_forms_of_generated_shapes() {
        let kw = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let generic = r#"(?i)[\w.-]{0,50}?(?:access|auth|(?-i:[Aa]pi|API)|credential|creds|key|passw(?:or)?d|secret|token)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([\w.=-]{10,150})"#;
        let words = kw(&[
            "access",
            "api",
            "auth",
            "key",
            "credential",
            "creds",
            "passwd",
            "password",
            "secret",
            "token",
        ]);
        let form = search_form(generic, &words).unwrap();
        assert_eq!(form.prefix_max, 50);
        assert_eq!(
            form.anchors,
            [
                "access",
                "api",
                "auth",
                "credential",
                "creds",
                "key",
                "passwd",
                "password",
                "secret",
                "token"
            ]
        );
        assert!(form.pattern.starts_with("(?i)(?:access|auth|"));
        // Prefix only (no keywords: the rule runs everywhere anyway).
        let f = search_form(r"(?i)[\w.-]{0,50}?(?:adafruit)(?:x)", &[]).unwrap();
        assert_eq!((f.prefix_max, f.anchors.len()), (50, 0));
        // Anchored only.
        let f = search_form(r"(?i)(?:lob)(?:[ \t\w.-]{0,20})=", &kw(&["lob"])).unwrap();
        assert_eq!((f.prefix_max, f.anchors), (0, vec!["lob".to_string()]));
        // Literals too short to be worth it.
        assert_eq!(search_form(r"(?:ab|cd)x", &kw(&["ab"])), None);
        // Neither: a leading assertion, a top-level alternation, an optional group.
        assert_eq!(
            search_form(r"\A(ghp_[0-9a-zA-Z]{36})", &kw(&["ghp_"])),
            None
        );
        assert_eq!(
            search_form(
                r"(?i)[\w.-]{0,50}?(?:jira)x|\b(ATATT3[A-Za-z]{5})",
                &kw(&["jira", "atatt3"])
            ),
            None
        );
        assert_eq!(search_form(r"(?:abc)?def", &kw(&["abc"])), None);
        // Two prefixes in a row, and a group that stops being plain.
        let f = search_form(
            r"[\w.-]{0,50}?(?i:[\w.-]{0,50}?(?:cohere|CO_API_KEY)(?:[ \t\w.-]{0,20})[\s'\x22]{0,3})(?:=|>)",
            &kw(&["cohere", "co_api_key"]),
        )
        .unwrap();
        assert_eq!(f.prefix_max, 100);
        assert_eq!(f.anchors, ["co_api_key", "cohere"]);
        assert!(
            f.pattern.starts_with("(?i:(?:cohere|CO_API_KEY)"),
            "{}",
            f.pattern
        );
        assert_eq!(
            leading_literals(r"(?:\bAccountName\s*=|https://([a-z]+)\.blob|\b(?:azure[_\s]*)?(?:storage[_\s]*)?key)").unwrap(),
            ["AccountName", "https://", "key", "storage", "azure"]
        );
        assert_eq!(
            leading_literals(r"(?:ab|c(?:d|e)?f)x").unwrap(),
            ["ab", "cf", "cdf", "cef"]
        );
        assert_eq!(leading_literals(r"\b(?:ab)"), None);
        // A leading `\b` is checked by the matcher, before the anchored regex.
        let f = search_form(
            r"(?i)\b(?:AccountKey|(?:azure[_\s.-]*)?key)\b(.{3})",
            &kw(&["key"]),
        )
        .unwrap();
        assert_eq!(f.anchors, ["accountkey", "azure", "key"]);
        assert!(f.word_start);
        assert_eq!(
            f.pattern,
            r"(?i)(?:AccountKey|(?:azure[_\s.-]*)?key)\b(.{3})"
        );
        assert_eq!(leading_literals(r"(?:ab)+"), Some(vec!["ab".to_string()]));
        assert_eq!(leading_literals(r"(?:ab)*"), None);
        assert!(top_level_alternation("a|b"));
        assert!(!top_level_alternation(r"(a|b)[|]\|[[:alpha:]|]"));
    }

    /// The faster search forms find exactly what the rule's own pattern
    /// finds, on this crate's sources and some tricky lines.
    #[test]
    fn search_forms_find_the_same_matches() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut corpus: Vec<String> = vec![
            "my.very_long-prefix_name_that_goes_on_and_on_and_on_and_on_for_more_than_fifty_chars_api_key = \"Zx9Kq3vT8mZpL2xR9wN4\"".into(),
            "api_key=abcDEF1234567890xyz token: 'Q1w2E3r4T5y6U7i8O9p0' secret_key => \"aB3dE5gH7jK9mN1pQ3sT\"\n".into(),
            "keykeykey=0123456789abcdefXYZ\nAPI=notakeyvalue12345\npassword = 'hunter2hunter2hunter2'".into(),
            "x.adafruit_io_key = 'aio_0123456789abcdef0123456789abcd'  adafruit:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".into(),
        ];
        for dir in [
            "src",
            "src/detectors",
            "src/providers",
            "tests",
            "fixtures/gitleaks-tree/deploy",
        ] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                let p = e.unwrap().path();
                if p.is_file() {
                    corpus.push(String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned());
                }
            }
        }
        let (mut optimised, mut matches) = (0, 0);
        for (file, ns) in [
            ("fixtures/rules/gitleaks-8.30-default.toml", "gitleaks"),
            ("fixtures/rules/betterleaks-default.toml", "betterleaks"),
        ] {
            let loaded = load_rules(&root.join(file), &LoadOptions::default()).unwrap();
            let doc: Table =
                toml::from_str(&std::fs::read_to_string(root.join(file)).unwrap()).unwrap();
            let patterns: HashMap<String, String> = doc["rules"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|r| {
                    Some((
                        format!("{ns}:{}", r.get("id")?.as_str()?),
                        r.get("regex")?.as_str()?.to_string(),
                    ))
                })
                .collect();
            for d in loaded.detectors {
                if d.prefix_max == 0 && d.anchors.is_empty() {
                    continue;
                }
                optimised += 1;
                let plain = Detector {
                    regex: Some(LazyRegex::ready(
                        regex::bytes::Regex::new(&re2::translate(&patterns[&d.id]).unwrap())
                            .unwrap(),
                    )),
                    requires: Vec::new(),
                    report: true,
                    ..clone_rule(&d)
                };
                let id = d.id.clone();
                let fast = DetectorSet::from_detectors(vec![Detector {
                    requires: Vec::new(),
                    report: true,
                    ..d
                }])
                .unwrap();
                let slow = DetectorSet::from_detectors(vec![plain]).unwrap();
                for c in &corpus {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    fast.find("src/x.rs", c.as_bytes(), &mut a);
                    slow.find("src/x.rs", c.as_bytes(), &mut b);
                    assert_eq!(a, b, "{id}");
                    matches += a.len();
                }
            }
        }
        assert!(optimised > 200, "{optimised}");
        assert!(matches > 20, "{matches}");
    }

    fn clone_rule(d: &Detector) -> Detector {
        Detector {
            id: d.id.clone(),
            provider: d.provider.clone(),
            name: d.name.clone(),
            token_kind: d.token_kind.clone(),
            origin: d.origin.clone(),
            builtin: d.builtin,
            keywords: d.keywords.clone(),
            keyword_match: d.keyword_match,
            regex: None,
            prefix_max: 0,
            anchors: Vec::new(),
            lead: crate::detectors::shape::Lead::None,
            secret_group: d.secret_group,
            min_entropy: d.min_entropy,
            entropy_exclusive: d.entropy_exclusive,
            checksum: d.checksum,
            placeholder_gate: d.placeholder_gate,
            path: d.path.clone(),
            allow: d.allow.clone(),
            priority: d.priority,
            report: d.report,
            requires: d.requires.clone(),
            tags: d.tags.clone(),
            capabilities: d.capabilities.clone(),
            breadth: d.breadth,
            tier: d.tier,
            remediation: d.remediation.clone(),
            ignore_values: Vec::new(),
            example_path: d.example_path.clone(),
            examples: Vec::new(),
            negative_examples: Vec::new(),
        }
    }

    #[test]
    fn bad_regex_names_the_file_and_rule() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "r.toml",
            "title = 'x'\n\n[[rules]]\nid = 'ok'\nregex = 'a+'\n\n[[rules]]\nid = 'look'\nregex = 'a(?=b)'\n",
        );
        let e = load(&p).unwrap_err().to_string();
        assert!(
            e.contains("r.toml") && e.contains("\"look\"") && e.contains("line 7"),
            "{e}"
        );
        assert!(e.contains("look-ahead"), "{e}");
    }

    #[test]
    fn toml_errors_give_the_line_and_hide_long_values() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "r.toml",
            "[[rules]]\nid = 'x'\nentropy = \"sk_live_abcdefghijklmnop\"\n",
        );
        let e = load(&p).unwrap_err().to_string();
        assert!(
            e.contains("entropy") && e.contains("must be a number"),
            "{e}"
        );
        let p = write(dir.path(), "bad.toml", "[[rules]\nid = 'x'\n");
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
        assert_eq!(
            redact_quoted("invalid type: string \"sk_live_abcdefghijklmnop\", expected x"),
            "invalid type: string \"sk_l…mnop\", expected x"
        );
    }

    #[test]
    fn extend_merges_overrides_and_disables() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "base.toml",
            r#"
[[rules]]
id = "acme-key"
regex = '''acme_[a-z0-9]{8}'''
keywords = ["acme_"]

[[rules]]
id = "noisy"
regex = '''noise\d+'''
"#,
        );
        let p = write(
            dir.path(),
            ".gitleaks.toml",
            r#"
[extend]
path = "base.toml"
useDefault = true
disabledRules = ["noisy"]

[[rules]]
id = "acme-key"
[[rules.allowlists]]
stopwords = ["test"]

[[rules]]
id = "partial-only"
[rules.allowlist]
regexes = ['''x''']
"#,
        );
        let l = load(&p).unwrap();
        let ids: Vec<&str> = l.detectors.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["gitleaks:acme-key"]);
        assert_eq!(l.detectors[0].allow.len(), 1);
        assert!(l.detectors[0].origin.contains("base.toml"));
        assert_eq!(l.stats.disabled, 1);
        assert_eq!(l.stats.not_at_all, 1);
        assert_eq!(l.summary.extends.len(), 1);
        assert!(l.summary.warnings.iter().any(|w| w.contains("useDefault")));
        assert!(l
            .summary
            .warnings
            .iter()
            .any(|w| w.contains("partial-only")));
    }

    #[test]
    fn picked_up_files_cannot_extend_outside_the_root() {
        let outside = tempfile::tempdir().unwrap();
        write(
            outside.path(),
            "base.toml",
            "[[rules]]\nid='a'\nregex='a'\n",
        );
        let root = tempfile::tempdir().unwrap();
        let rel = outside.path().join("base.toml");
        let p = write(
            root.path(),
            ".gitleaks.toml",
            &format!("[extend]\npath = {:?}\n", rel.display().to_string()),
        );
        let e = load_rules(
            &p,
            &LoadOptions {
                natives: &[],
                confine_to: Some(root.path()),
            },
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("outside the scanned directory"),
            "{e}"
        );
        assert!(load(&p).is_ok());
    }

    #[test]
    fn extend_cycles_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.toml", "[extend]\npath = 'b.toml'\n");
        let p = write(dir.path(), "b.toml", "[extend]\npath = 'a.toml'\n");
        assert!(load(&p).unwrap_err().to_string().contains("cycle"));
    }

    #[test]
    fn betterleaks_expressions_become_gates_or_are_reported_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "x.toml",
            r#"
filter = '''
(matchesAny(finding["secret"], [`^true$`]) || containsAny(finding["secret"], ["abcdefgh"]))
'''
[[rules]]
id = "one"
regex = '''one_(\w{10})'''
keywords = ["one_"]
filter = '''entropy(finding["secret"]) <= 3.0'''
validate = '''http.get("https://example.com")'''

[[rules]]
id = "two"
regex = '''two_(\w{10})'''
keywords = ["two_"]
filter = '''
entropy(finding["secret"]) < 2.5
|| someUnknownCall(finding)
'''
"#,
        );
        let l = load(&p).unwrap();
        assert_eq!(l.summary.format, Dialect::Betterleaks);
        assert_eq!(l.detectors[0].id, "betterleaks:one");
        assert_eq!(l.detectors[0].min_entropy, Some(3.0));
        assert!(l.detectors[0].entropy_exclusive);
        assert_eq!(l.detectors[1].min_entropy, Some(2.5));
        assert!(!l.detectors[1].entropy_exclusive);
        // The global filter: one regex list and one stop-word list.
        assert_eq!(l.detectors[0].allow.len(), 2);
        assert_eq!(l.stats.partly, 2);
        let expr_warnings: Vec<&String> = l
            .summary
            .warnings
            .iter()
            .filter(|w| w.contains("Expr"))
            .collect();
        assert_eq!(expr_warnings.len(), 1, "{:?}", l.summary.warnings);
        assert!(expr_warnings[0].contains("1 `validate`"));
    }

    #[test]
    fn providers_come_from_the_rule_id_prefix() {
        let natives = DetectorSet::builtin().unwrap().into_detectors();
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "r.toml",
            "[[rules]]\nid='github-pat'\nregex='ghp_[0-9a-zA-Z]{36}'\n[[rules]]\nid='gitlabx-pat'\nregex='glx'\n",
        );
        let l = load_rules(
            &p,
            &LoadOptions {
                natives: &natives,
                confine_to: None,
            },
        )
        .unwrap();
        assert_eq!(l.detectors[0].provider, "github");
        assert!(!l.detectors[0].capabilities.is_empty());
        assert_eq!(l.detectors[0].breadth, Breadth::Account);
        assert_eq!(l.detectors[1].provider, GENERIC_PROVIDER);
    }
}
