//! `blastradius.toml`: the policy file. Unknown keys and invalid values are
//! errors that name the file, the line and the key (with the closest valid
//! key when there is one), so a typo never silently weakens a CI gate.
//!
//! ```toml
//! fail_on = 70                      # findings scoring >= 70 fail the run
//! baseline = ".blastradius-baseline.json"
//!
//! [rules.BR031]                     # per-rule overrides
//! points = 6                        # or: enabled = false
//!
//! [[allow]]                         # accepted findings, each with a reason
//! path = "fixtures/**"              # and/or detector, provider, fingerprint
//! reason = "test fixtures, test-mode keys only"
//! expires = 2026-06-30              # optional: stops applying after this day
//!
//! [[require]]                       # token-scope requirements (BR100-BR103)
//! provider = "railway"              # optional selectors: provider, detector, path
//! max_breadth = "project"
//!
//! [agents]
//! deny_lists = [".claude/settings.json"]  # which agent deny-lists count
//! ```
//!
//! The schema is checked here; [`crate::policy`] compiles it against the
//! loaded detectors and applies it to findings.

use crate::error::ConfigError;
use crate::exposure::{AGENT_IGNORE_FILES, CLAUDE_SETTINGS};
use crate::model::Capability;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file's contents.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Findings scoring at or above this fail the run (0-100).
    #[serde(default, deserialize_with = "de_threshold")]
    pub fail_on: Option<u8>,
    /// Extra detector files, relative to the config file.
    #[serde(default)]
    pub detectors: Vec<PathBuf>,
    /// Walk settings.
    #[serde(default)]
    pub scan: ScanConfig,
    /// Baseline file used when `--baseline` is not given, relative to the
    /// config file.
    pub baseline: Option<PathBuf>,
    /// Per-rule overrides, by rule id (`[rules.BR031]`).
    #[serde(default)]
    pub rules: BTreeMap<RuleId, RuleConfig>,
    /// Allow-list entries (`[[allow]]`).
    #[serde(default)]
    pub allow: Vec<Spanned<AllowEntry>>,
    /// Token-scope requirements (`[[require]]`).
    #[serde(default)]
    pub require: Vec<Spanned<Requirement>>,
    /// Which agent deny-lists count.
    #[serde(default)]
    pub agents: AgentsConfig,
    /// `--home`: more credential files to read (`[home] extra_paths`).
    #[serde(default)]
    pub home: HomeConfig,
    /// The file this was read from (`None` for defaults).
    #[serde(skip)]
    pub path: Option<PathBuf>,
    /// The file's text, to turn spans into line numbers.
    #[serde(skip)]
    text: String,
}

/// `[home]`: what `--home` reads besides the built-in stores.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeConfig {
    /// Files (or directories, meaning their files) to read: `~/…` or
    /// relative to `$HOME`, or absolute.
    #[serde(default)]
    pub extra_paths: Vec<String>,
}

/// `[scan]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    /// Largest file searched, in bytes.
    pub max_file_size: Option<u64>,
}

/// A known rule id, as a `[rules.…]` key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RuleId(pub &'static str);

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match crate::scoring::rule(&s) {
            Some(r) => Ok(RuleId(r.id)),
            None => {
                let ids: Vec<&str> = crate::scoring::RULES.iter().map(|r| r.id).collect();
                Err(de::Error::custom(format!(
                    "unknown rule `{s}`{}; `blastradius explain` lists the rules",
                    did_you_mean(&s, &ids)
                )))
            }
        }
    }
}

/// `[rules.BRnnn]`: turn a rule off or change its points.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// `false` makes the rule add no points (its reasons stay listed).
    pub enabled: Option<bool>,
    /// Points the rule adds instead of its default (0-100).
    #[serde(default, deserialize_with = "de_threshold")]
    pub points: Option<u8>,
}

/// One `[[allow]]` entry: findings it matches do not fail the run. Every
/// selector given must match; at least one is required.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowEntry {
    /// Path glob, relative to the scanned root (`*` stays within a
    /// directory, `**` crosses them; a glob without `/` matches file names
    /// at any depth).
    pub path: Option<PathGlob>,
    /// Detector id.
    pub detector: Option<Spanned<String>>,
    /// Provider name.
    pub provider: Option<Spanned<String>>,
    /// Finding fingerprint (32 hex digits, from the JSON report).
    pub fingerprint: Option<Fingerprint>,
    /// Why it is accepted (required, shown with every finding it allows).
    pub reason: NonEmpty,
    /// The last day it applies; after it, findings fail again and the
    /// report says the entry expired.
    pub expires: Option<Date>,
}

/// One `[[require]]` entry: a token-scope requirement for the tokens its
/// selectors match (all tokens when none is given). Each violated
/// requirement adds a reason with its own rule id.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// Only tokens of this provider.
    pub provider: Option<Spanned<String>>,
    /// Only tokens found by this detector.
    pub detector: Option<Spanned<String>>,
    /// Only tokens in files matching this glob.
    pub path: Option<PathGlob>,
    /// Why the team requires it (added to the violation's message).
    pub reason: Option<String>,
    /// BR100: the widest breadth allowed.
    pub max_breadth: Option<BreadthLimit>,
    /// BR102: the token must have an expiry date.
    #[serde(default)]
    pub must_expire: bool,
    /// BR103: capabilities no matching token may have.
    #[serde(default)]
    pub forbid_capabilities: Vec<Capability>,
    /// BR101: a token that reaches production must not be agent-readable.
    #[serde(default)]
    pub forbid_agent_readable_production: bool,
}

impl Requirement {
    /// Whether the entry requires anything at all.
    pub fn is_empty(&self) -> bool {
        self.max_breadth.is_none()
            && !self.must_expire
            && self.forbid_capabilities.is_empty()
            && !self.forbid_agent_readable_production
    }
}

/// The widest breadth a requirement allows, widest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BreadthLimit {
    /// Anything.
    Account,
    /// A whole workspace, team or organisation at most.
    Workspace,
    /// Named projects or repositories at most.
    Project,
    /// One environment of one project.
    Environment,
}

impl BreadthLimit {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            BreadthLimit::Account => "account",
            BreadthLimit::Workspace => "workspace",
            BreadthLimit::Project => "project",
            BreadthLimit::Environment => "environment",
        }
    }
}

/// `[agents]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentsConfig {
    /// The agent deny-list files that count as hiding a file (lowering its
    /// exposure, and satisfying `forbid_agent_readable_production`). When
    /// absent, every known deny-list counts; `[]` trusts none.
    pub deny_lists: Option<Vec<DenyListName>>,
}

/// A known agent deny-list file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DenyListName(pub String);

impl<'de> Deserialize<'de> for DenyListName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let known: Vec<&str> = AGENT_IGNORE_FILES
            .iter()
            .chain(CLAUDE_SETTINGS.iter())
            .copied()
            .collect();
        if known.contains(&s.as_str()) {
            Ok(DenyListName(s))
        } else {
            Err(de::Error::custom(format!(
                "unknown agent deny-list `{s}`{}; known: {}",
                did_you_mean(&s, &known),
                known.join(", ")
            )))
        }
    }
}

/// A non-empty string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NonEmpty(pub String);

impl<'de> Deserialize<'de> for NonEmpty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().is_empty() {
            return Err(de::Error::custom("must not be empty"));
        }
        Ok(NonEmpty(s.trim().to_string()))
    }
}

/// A finding fingerprint: 32 lower-case hex digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint(pub String);

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?.to_ascii_lowercase();
        if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(de::Error::custom(
                "a fingerprint is 32 hex digits, as in the JSON report's `fingerprint`",
            ));
        }
        Ok(Fingerprint(s))
    }
}

/// A path glob, compiled.
#[derive(Clone, Debug)]
pub struct PathGlob {
    /// As written.
    pub text: String,
    matcher: globset::GlobMatcher,
    file_name_only: bool,
}

impl PathGlob {
    /// Compiles `text`; a leading `./` or `/` anchors it at the root.
    pub fn new(text: &str) -> Result<PathGlob, String> {
        let pattern = text
            .strip_prefix("./")
            .or_else(|| text.strip_prefix('/'))
            .unwrap_or(text);
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob `{text}`: {}", e.kind()))?;
        Ok(PathGlob {
            text: text.to_string(),
            matcher: glob.compile_matcher(),
            file_name_only: !text.contains('/'),
        })
    }

    /// Whether a finding's path (relative, `/`-separated) matches.
    pub fn is_match(&self, path: &str) -> bool {
        let path = path.strip_prefix("./").unwrap_or(path);
        if self.matcher.is_match(path) {
            return true;
        }
        self.file_name_only
            && self
                .matcher
                .is_match(path.rsplit('/').next().unwrap_or(path))
    }
}

impl<'de> Deserialize<'de> for PathGlob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PathGlob::new(&s).map_err(de::Error::custom)
    }
}

/// A calendar date, written as a TOML date (`2026-06-30`) or a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub time::Date);

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        write!(f, "{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
    }
}

impl Date {
    fn parse(s: &str) -> Result<Date, String> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(s.trim(), &format)
            .map(Date)
            .map_err(|_| format!("`{s}` is not a date like 2026-06-30"))
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date like 2026-06-30")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Date, E> {
                Date::parse(s).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Date, A::Error> {
                let dt =
                    toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
                match (dt.date, dt.time, dt.offset) {
                    (Some(_), None, None) => {
                        Date::parse(&dt.to_string()).map_err(de::Error::custom)
                    }
                    _ => Err(de::Error::custom(format!(
                        "`{dt}` is not a date like 2026-06-30 (no time of day)"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

fn de_threshold<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    let n = i64::deserialize(d)?;
    match u8::try_from(n) {
        Ok(v) if v <= 100 => Ok(Some(v)),
        _ => Err(de::Error::custom(format!(
            "{n} is out of range: must be 0-100"
        ))),
    }
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
        Config::parse(text, path)
    }

    /// Parses and validates the text of a config file; `path` names it in
    /// messages, and relative paths in it are resolved against its directory.
    pub fn parse(text: String, path: &Path) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: toml_message(&text, &e),
        })?;
        cfg.text = text;
        cfg.path = Some(path.to_path_buf());
        for (i, a) in cfg.allow.iter().enumerate() {
            let e = a.get_ref();
            if e.path.is_none()
                && e.detector.is_none()
                && e.provider.is_none()
                && e.fingerprint.is_none()
            {
                return Err(cfg.error(
                    a.span(),
                    &format!(
                        "[[allow]] #{}: give at least one of path, detector, provider, fingerprint",
                        i + 1
                    ),
                ));
            }
        }
        for (i, r) in cfg.require.iter().enumerate() {
            if r.get_ref().is_empty() {
                return Err(cfg.error(
                    r.span(),
                    &format!(
                        "[[require]] #{}: requires nothing; set max_breadth, must_expire, \
                         forbid_capabilities or forbid_agent_readable_production",
                        i + 1
                    ),
                ));
            }
        }
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        for d in &mut cfg.detectors {
            if d.is_relative() {
                *d = base.join(&*d);
            }
        }
        if let Some(b) = &mut cfg.baseline {
            if b.is_relative() {
                *b = base.join(&*b);
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

    /// The 1-based line of a byte offset in the file.
    pub fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    /// How an `[[allow]]` entry is named in reports: file, index and line.
    pub fn describe_allow(&self, index: usize) -> String {
        let name = self
            .path
            .as_deref()
            .and_then(Path::file_name)
            .map_or_else(|| FILE_NAME.into(), |n| n.to_string_lossy().into_owned());
        let line = self
            .allow
            .get(index)
            .map_or(0, |a| self.line_of(a.span().start));
        format!("{name} [[allow]] #{} (line {line})", index + 1)
    }

    /// An error about the value at `span`.
    pub fn error(&self, span: std::ops::Range<usize>, message: &str) -> ConfigError {
        ConfigError::Parse {
            path: self
                .path
                .clone()
                .unwrap_or_else(|| PathBuf::from(FILE_NAME)),
            message: format!("line {}: {message}", self.line_of(span.start)),
        }
    }
}

/// A TOML error as one line: `line N, column M: message`, with the closest
/// valid key or value when the message lists them.
fn toml_message(text: &str, e: &toml::de::Error) -> String {
    // A refused value is quoted in the message; it may be a secret.
    let msg = crate::secret::redact_quoted(&e.message().trim().replace('\n', " "), 12);
    let msg = format!("{msg}{}", suggestion_for(&msg));
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

/// For serde's "unknown field `x`, expected one of `a`, `b`" (and the same
/// for variants): " (did you mean `a`?)" when one is close.
fn suggestion_for(msg: &str) -> String {
    let Some(rest) = msg
        .strip_prefix("unknown field `")
        .or_else(|| msg.strip_prefix("unknown variant `"))
    else {
        return String::new();
    };
    let Some((word, expected)) = rest.split_once('`') else {
        return String::new();
    };
    let options: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(word, &options)
}

/// " (did you mean `x`?)" for the option closest to `word`, or "".
pub fn did_you_mean(word: &str, options: &[&str]) -> String {
    closest(word, options).map_or_else(String::new, |c| format!(" (did you mean `{c}`?)"))
}

/// The option closest to `word` by edit distance, when close enough to be a typo.
pub fn closest<'a>(word: &str, options: &[&'a str]) -> Option<&'a str> {
    let w = word.to_ascii_lowercase();
    options
        .iter()
        .map(|o| (levenshtein(&w, &o.to_ascii_lowercase()), *o))
        .filter(|&(d, o)| d > 0 || !o.eq(word))
        .min_by_key(|&(d, _)| d)
        .filter(|&(d, o)| d <= (o.chars().count().max(w.chars().count()) / 3).max(1))
        .map(|(_, o)| o)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, String> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        std::fs::write(&p, text).unwrap();
        Config::load(&p).map_err(|e| e.to_string())
    }

    #[test]
    fn unknown_keys_name_the_line_and_suggest() {
        let err = load("fail_on = 80\nfial_on = 3\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("fial_on"), "{err}");
        assert!(err.contains("did you mean `fail_on`?"), "{err}");
        let err = load("[[allow]]\npath = \"a\"\nreasn = \"x\"\n").unwrap_err();
        assert!(err.contains("line 3") && err.contains("`reason`"), "{err}");
        let err = load("[[require]]\nmax_bredth = \"project\"\n").unwrap_err();
        assert!(err.contains("did you mean `max_breadth`?"), "{err}");
    }

    #[test]
    fn valid_config_loads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        std::fs::write(
            &p,
            "fail_on = 80\ndetectors = [\"mine.toml\"]\nbaseline = \"b.json\"\n[scan]\nmax_file_size = 100\n",
        )
        .unwrap();
        let c = Config::load(&p).unwrap();
        assert_eq!(c.fail_on, Some(80));
        assert_eq!(c.detectors, vec![dir.path().join("mine.toml")]);
        assert_eq!(c.baseline, Some(dir.path().join("b.json")));
    }

    #[test]
    fn every_policy_key_parses() {
        let c = load(
            r#"
fail_on = 60
[rules.BR031]
enabled = false
[rules.br050]
points = 10
[[allow]]
path = "fixtures/**"
detector = "stripe.test-key"
provider = "stripe"
fingerprint = "0123456789abcdef0123456789ABCDEF"
reason = "fixtures"
expires = 2030-01-31
[[allow]]
provider = "github"
reason = "string date"
expires = "2001-02-03"
[[require]]
provider = "railway"
detector = "railway.api-token"
path = "deploy/**"
reason = "least privilege"
max_breadth = "project"
must_expire = true
forbid_capabilities = ["delete-backups"]
forbid_agent_readable_production = true
[agents]
deny_lists = [".cursorignore", ".claude/settings.json"]
"#,
        )
        .unwrap();
        assert_eq!(c.fail_on, Some(60));
        assert_eq!(
            c.rules[&RuleId("BR031")],
            RuleConfig {
                enabled: Some(false),
                points: None
            }
        );
        assert_eq!(c.rules[&RuleId("BR050")].points, Some(10));
        let a = c.allow[0].get_ref();
        assert!(a.path.as_ref().unwrap().is_match("fixtures/a/b.env"));
        assert_eq!(
            a.fingerprint.as_ref().unwrap().0,
            "0123456789abcdef0123456789abcdef"
        );
        assert_eq!(a.expires.unwrap().to_string(), "2030-01-31");
        assert_eq!(
            c.allow[1].get_ref().expires.unwrap().to_string(),
            "2001-02-03"
        );
        assert_eq!(
            c.describe_allow(1),
            "blastradius.toml [[allow]] #2 (line 14)"
        );
        let r = c.require[0].get_ref();
        assert_eq!(r.max_breadth, Some(BreadthLimit::Project));
        assert!(r.must_expire && r.forbid_agent_readable_production);
        assert_eq!(r.forbid_capabilities, vec![Capability::DeleteBackups]);
        assert_eq!(c.agents.deny_lists.as_ref().unwrap().len(), 2);
    }

    #[test]
    fn invalid_values_name_the_line() {
        for (text, line, needle) in [
            ("fail_on = 101\n", 1, "0-100"),
            (
                "\n[rules.BR999]\nenabled = false\n",
                2,
                "unknown rule `BR999`",
            ),
            ("[rules.BR031]\npoints = -1\n", 2, "0-100"),
            ("[rules.BR031]\npoits = 3\n", 2, "did you mean `points`?"),
            ("[[allow]]\npath = \"a\"\n", 1, "reason"),
            (
                "[[allow]]\npath = \"a\"\nreason = \"  \"\n",
                3,
                "must not be empty",
            ),
            ("[[allow]]\nreason = \"r\"\n", 1, "at least one of"),
            (
                "[[allow]]\npath = \"a[\"\nreason = \"r\"\n",
                2,
                "invalid glob",
            ),
            (
                "[[allow]]\nfingerprint = \"xyz\"\nreason = \"r\"\n",
                2,
                "32 hex",
            ),
            (
                "[[allow]]\npath = \"a\"\nreason = \"r\"\nexpires = \"soon\"\n",
                4,
                "not a date",
            ),
            (
                "[[allow]]\npath = \"a\"\nreason = \"r\"\nexpires = 2026-01-01T10:00:00Z\n",
                4,
                "no time of day",
            ),
            (
                "[[require]]\nprovider = \"railway\"\n",
                1,
                "requires nothing",
            ),
            (
                "[[require]]\nmax_breadth = \"projet\"\n",
                2,
                "did you mean `project`?",
            ),
            (
                "[[require]]\nforbid_capabilities = [\"delete-backup\"]\n",
                2,
                "did you mean `delete-backups`?",
            ),
            (
                "[agents]\ndeny_lists = [\".cursorignor\"]\n",
                2,
                "did you mean `.cursorignore`?",
            ),
        ] {
            let err = load(text).unwrap_err();
            assert!(err.contains(&format!("line {line}")), "{text:?}: {err}");
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn globs_without_slash_match_file_names_anywhere() {
        let g = PathGlob::new("*.env").unwrap();
        assert!(g.is_match("a/b/.env") == g.is_match(".env"));
        assert!(g.is_match("deploy/prod.env"));
        let g = PathGlob::new("fixtures/*.txt").unwrap();
        assert!(g.is_match("fixtures/a.txt"));
        assert!(!g.is_match("fixtures/x/a.txt"));
        assert!(!g.is_match("src/fixtures/a.txt"));
        let g = PathGlob::new("./docs/**").unwrap();
        assert!(g.is_match("docs/a/b.md"));
    }

    #[test]
    fn closest_suggests_only_near_misses() {
        assert_eq!(closest("fial_on", &["fail_on", "scan"]), Some("fail_on"));
        assert_eq!(closest("zzz", &["fail_on", "scan"]), None);
    }
}
