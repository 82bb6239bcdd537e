//! What a detector's pattern looks like, read off its syntax tree without
//! compiling it: how many capture groups it has, which one is named
//! `secret`, and the literals one of which begins every match.
//!
//! The literals ("anchors") let the matcher skip the regex engine's search
//! entirely: the combined prefilter already reports where each literal
//! occurs, and the pattern is tried, anchored, only there. Compiling the
//! pattern itself is left until a file first needs it.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// At most this many anchor literals per pattern.
const MAX_ANCHORS: usize = 64;
/// Anchors are at least this long: shorter ones occur everywhere.
const MIN_ANCHOR: usize = 3;
/// Small classes (`[_-]`, `(?i)k`) are expanded into this many literals at
/// most; wider ones end the literal.
const MAX_CLASS: usize = 4;

/// What comes before a pattern's anchor literal, which the matcher checks
/// itself because an anchored search cannot see it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lead {
    /// Nothing: a match begins with the literal.
    #[default]
    None,
    /// `\b`: the byte before the literal is not a word byte.
    WordBoundary,
    /// `\b[a-z0-9_]*` (a variable name around a keyword): the match is
    /// extended back over the name.
    WordPrefix,
    /// `\b(?:[a-z0-9]+_)*` (the keyword begins a `_`-separated part of a
    /// name): the byte before is `_` or not a word byte; the match is
    /// extended back over the name.
    NamePart,
    /// `(?m)^[ \t]*`: only blanks (at least this many) stand between the
    /// start of the line and the literal.
    LineStart(u32),
}

/// The parts of a pattern the matcher needs before compiling it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Number of capture groups, the implicit whole-match group 0 included
    /// (as [`regex::bytes::Regex::captures_len`]).
    pub captures_len: usize,
    /// Index of the group named `secret`, if there is one.
    pub secret_group: Option<usize>,
    /// Lowercase literals one of which begins every match after its
    /// [`lead`](Self::lead) (ASCII case aside); empty when there are none
    /// worth searching for.
    pub anchors: Vec<String>,
    /// What the matcher checks before an anchor (with anchors only).
    pub lead: Lead,
    /// The pattern to try at each anchor, when it is not the whole pattern
    /// (the lead taken off).
    pub search: Option<String>,
}

/// Reads the shape of `pattern` (Rust regex syntax, as `regex::bytes`
/// parses it). The error is the parser's own message.
pub fn analyse(pattern: &str) -> Result<Shape, String> {
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string())?;
    let mut shape = Shape {
        captures_len: hir.properties().explicit_captures_len() + 1,
        secret_group: secret_group(&hir),
        ..Shape::default()
    };
    let subs: &[Hir] = match hir.kind() {
        HirKind::Concat(subs) => subs,
        _ => std::slice::from_ref(&hir),
    };
    let (lead, skip) = lead_of(subs);
    // Any other leading assertion (`^`, `\B`) cannot be checked by the
    // matcher, and leaves the pattern without anchors.
    let Some(set) = concat_prefixes(&subs[skip..]) else {
        return Ok(shape);
    };
    let mut lits: Vec<String> = set
        .into_iter()
        .map(|p| String::from_utf8_lossy(&p.bytes).into_owned())
        .collect();
    lits.sort();
    lits.dedup();
    // A literal that begins with another is covered by it.
    let mut kept: Vec<String> = Vec::with_capacity(lits.len());
    for l in lits {
        if !kept.iter().any(|k| l.starts_with(k.as_str())) {
            kept.push(l);
        }
    }
    if !kept.is_empty() && kept.len() <= MAX_ANCHORS && kept.iter().all(|l| l.len() >= MIN_ANCHOR) {
        shape.anchors = kept;
        shape.lead = lead;
        if matches!(lead, Lead::WordPrefix | Lead::NamePart | Lead::LineStart(_)) {
            shape.search = Some(Hir::concat(subs[skip..].to_vec()).to_string());
        }
    }
    Ok(shape)
}

/// The lead of a pattern made of `subs` in sequence, and how many of them
/// it takes.
fn lead_of(subs: &[Hir]) -> (Lead, usize) {
    // `[a-z0-9_]*` is a free run of name bytes; `(?:[a-z0-9]+_)*` ends
    // where a part of the name ends.
    let word_run = |h: Option<&Hir>| match h.map(Hir::kind) {
        Some(HirKind::Repetition(r))
            if r.min == 0 && r.max.is_none() && only_word_bytes(&r.sub) =>
        {
            match r.sub.kind() {
                HirKind::Class(_) => Some(Lead::WordPrefix),
                HirKind::Concat(parts) if matches!(parts.last().map(Hir::kind), Some(HirKind::Literal(l)) if l.0.ends_with(b"_")) => {
                    Some(Lead::NamePart)
                }
                _ => None,
            }
        }
        _ => None,
    };
    match subs.first().map(Hir::kind) {
        Some(HirKind::Look(Look::StartLF)) => match subs.get(1).map(Hir::kind) {
            Some(HirKind::Repetition(r)) if r.max.is_none() && only_blanks(&r.sub) => {
                (Lead::LineStart(r.min), 2)
            }
            _ => (Lead::LineStart(0), 1),
        },
        Some(HirKind::Look(l)) if is_word_start(*l) => match word_run(subs.get(1)) {
            Some(lead) => (lead, 2),
            None => (Lead::WordBoundary, 1),
        },
        _ => match word_run(subs.first()) {
            Some(lead) => (lead, 1),
            None => (Lead::None, 0),
        },
    }
}

/// Whether `hir` matches only ASCII letters, digits and `_` (and has no
/// capture group). The two non-ASCII case folds of `k` and `s` are
/// overlooked, as in [`class_bytes`].
fn only_word_bytes(hir: &Hir) -> bool {
    let word = |c: u32| {
        (c < 128 && ((c as u8).is_ascii_alphanumeric() || c == u32::from(b'_')))
            || c == 0x212A
            || c == 0x017F
    };
    match hir.kind() {
        HirKind::Literal(l) => l.0.iter().all(|&b| word(u32::from(b))),
        HirKind::Class(class) => class_all(class, word),
        HirKind::Repetition(r) => only_word_bytes(&r.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().all(only_word_bytes),
        _ => false,
    }
}

/// Whether `hir` is a class of spaces and tabs.
fn only_blanks(hir: &Hir) -> bool {
    let blank = |c: u32| c == u32::from(b' ') || c == u32::from(b'\t');
    match hir.kind() {
        HirKind::Class(class) => class_all(class, blank),
        HirKind::Literal(l) => l.0.iter().all(|&b| blank(u32::from(b))),
        _ => false,
    }
}

/// Whether every member of `class` (as a code point or byte value)
/// satisfies `member`.
fn class_all(class: &Class, member: impl Fn(u32) -> bool) -> bool {
    match class {
        Class::Unicode(u) => u
            .ranges()
            .iter()
            .all(|r| (r.start() as u32..=r.end() as u32).all(&member)),
        Class::Bytes(b) => b
            .ranges()
            .iter()
            .all(|r| (u32::from(r.start())..=u32::from(r.end())).all(&member)),
    }
}

/// The index of the capture group named `secret`.
fn secret_group(hir: &Hir) -> Option<usize> {
    match hir.kind() {
        HirKind::Capture(c) if c.name.as_deref() == Some("secret") => Some(c.index as usize),
        HirKind::Capture(c) => secret_group(&c.sub),
        HirKind::Repetition(r) => secret_group(&r.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().find_map(secret_group),
        _ => None,
    }
}

fn is_word_start(look: Look) -> bool {
    matches!(
        look,
        Look::WordAscii | Look::WordUnicode | Look::WordStartAscii | Look::WordStartUnicode
    )
}

/// A literal that begins a match; `exact` when it is the whole of what the
/// expression matched so far (so what follows may extend it).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Prefix {
    bytes: Vec<u8>,
    exact: bool,
}

impl Prefix {
    fn empty() -> Self {
        Prefix {
            bytes: Vec::new(),
            exact: true,
        }
    }
}

/// Literals (lowercased) one of which begins every match of `hir`, or
/// `None` when a match can begin with a zero-width assertion the matcher
/// cannot check.
fn prefixes(hir: &Hir) -> Option<Vec<Prefix>> {
    Some(match hir.kind() {
        HirKind::Empty => vec![Prefix::empty()],
        HirKind::Literal(lit) => vec![Prefix {
            bytes: lit.0.to_ascii_lowercase(),
            exact: true,
        }],
        HirKind::Class(class) => match class_bytes(class) {
            Some(bytes) => bytes
                .into_iter()
                .map(|b| Prefix {
                    bytes: vec![b],
                    exact: true,
                })
                .collect(),
            None => vec![Prefix {
                bytes: Vec::new(),
                exact: false,
            }],
        },
        // An assertion where a match begins sees the byte before it, which
        // an anchored search does not.
        HirKind::Look(_) => return None,
        HirKind::Capture(c) => prefixes(&c.sub)?,
        HirKind::Repetition(r) => {
            if r.min == 0 && r.max == Some(1) {
                // `(?:…)?`: its own literals, or none (what follows then
                // begins the match).
                let mut inner = prefixes(&r.sub)?;
                inner.push(Prefix::empty());
                inner
            } else if r.min == 0 {
                vec![Prefix {
                    bytes: Vec::new(),
                    exact: false,
                }]
            } else {
                let mut inner = prefixes(&r.sub)?;
                if r.max != Some(1) || r.min != 1 {
                    inner.iter_mut().for_each(|p| p.exact = false);
                }
                inner
            }
        }
        HirKind::Alternation(subs) => {
            let mut out = Vec::new();
            for s in subs {
                out.extend(prefixes(s)?);
                if out.len() > MAX_ANCHORS {
                    return Some(vec![Prefix {
                        bytes: Vec::new(),
                        exact: false,
                    }]);
                }
            }
            out
        }
        HirKind::Concat(subs) => concat_prefixes(subs)?,
    })
}

/// [`prefixes`] of a sequence of expressions.
fn concat_prefixes(subs: &[Hir]) -> Option<Vec<Prefix>> {
    let mut acc = vec![Prefix::empty()];
    for s in subs {
        if acc.iter().all(|p| !p.exact) {
            break;
        }
        if let HirKind::Look(_) = s.kind() {
            if acc.iter().any(|p| p.exact && p.bytes.is_empty()) {
                return None;
            }
            // Past the first byte the anchored search sees what the
            // assertion looks at: the regex checks it itself.
            continue;
        }
        let next = prefixes(s)?;
        let mut grown = Vec::new();
        for p in &acc {
            if !p.exact {
                grown.push(p.clone());
                continue;
            }
            for n in &next {
                let mut bytes = p.bytes.clone();
                bytes.extend_from_slice(&n.bytes);
                grown.push(Prefix {
                    bytes,
                    exact: n.exact,
                });
            }
        }
        if grown.len() > MAX_ANCHORS {
            acc.iter_mut().for_each(|p| p.exact = false);
            break;
        }
        acc = grown;
    }
    Some(acc)
}

/// The lowercase bytes a small class matches, ignoring the two non-ASCII
/// characters that Unicode case folding adds to `k` and `s` (KELVIN SIGN,
/// LATIN SMALL LETTER LONG S); `None` for a wide class or one with other
/// non-ASCII members.
fn class_bytes(class: &Class) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::new();
    let mut push = |b: u8| {
        let b = b.to_ascii_lowercase();
        if !out.contains(&b) {
            out.push(b);
        }
        out.len() <= MAX_CLASS
    };
    match class {
        Class::Unicode(u) => {
            for r in u.ranges() {
                if r.end() as u32 - r.start() as u32 > 64 {
                    return None;
                }
                for c in r.start()..=r.end() {
                    if c == '\u{212A}' || c == '\u{017F}' {
                        continue;
                    }
                    if !c.is_ascii() || !push(c as u8) {
                        return None;
                    }
                }
            }
        }
        Class::Bytes(b) => {
            for r in b.ranges() {
                if r.end() - r.start() > 64 {
                    return None;
                }
                for c in r.start()..=r.end() {
                    if !c.is_ascii() || !push(c) {
                        return None;
                    }
                }
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchors(p: &str) -> Vec<String> {
        analyse(p).unwrap().anchors
    }

    #[test]
    fn literal_prefixes_lowercased_and_case_folds_ignored() {
        assert_eq!(anchors(r"ghp_[A-Za-z0-9]{36}"), ["ghp_"]);
        assert_eq!(anchors(r"(?i)sk_live_[a-z0-9]{24}"), ["sk_live_"]);
        assert_eq!(
            anchors(r"(?:xox[bpa]|xapp)-[0-9]+"),
            ["xapp-", "xoxa-", "xoxb-", "xoxp-"]
        );
    }

    #[test]
    fn covered_literals_and_word_boundaries() {
        assert_eq!(anchors(r"\b(?:sk|sk_test)_[a-z]{8}"), ["sk_"]);
        let s = analyse(r"\bAKIA[0-9A-Z]{16}\b").unwrap();
        assert_eq!(
            (s.anchors, s.lead),
            (vec!["akia".to_string()], Lead::WordBoundary)
        );
    }

    #[test]
    fn no_anchors_where_a_match_can_start_anywhere() {
        assert!(anchors(r"[a-f0-9]{32}").is_empty());
        assert!(anchors(r"^token=[a-z]+").is_empty());
        assert_eq!(anchors(r"(?:export\s+)+API_KEY=\w+"), ["export"]);
        assert!(anchors(r"ab[0-9]").is_empty(), "too short to be worth it");
        assert!(anchors(r"\Bfoo_bar").is_empty());
    }

    #[test]
    fn variable_names_and_line_starts_are_leads() {
        let s = analyse(r"(?i)\b[a-z0-9_]*airtable[a-z0-9_]*key\s*=\s*(key[a-z]{4})").unwrap();
        assert_eq!(
            (s.anchors.clone(), s.lead),
            (vec!["airtable".to_string()], Lead::WordPrefix)
        );
        let search = s.search.unwrap();
        let re = regex::bytes::Regex::new(&search).unwrap();
        assert_eq!(re.captures_len(), s.captures_len, "{search}");
        let s =
            analyse(r"(?im)^[ \t]*(?://registry\.npmjs\.org/:)?_authToken[ \t]*=(\S+)").unwrap();
        assert_eq!(
            s.anchors,
            ["//registry.npmjs.org/:_authtoken", "_authtoken"]
        );
        assert_eq!(s.lead, Lead::LineStart(0));
        let s = analyse(r"(?m)^[ \t]+token:[ \t]*(\S+)").unwrap();
        assert_eq!(
            (s.anchors, s.lead),
            (vec!["token:".to_string()], Lead::LineStart(1))
        );
        assert_eq!(
            anchors(r"(?:export\s+)?API_KEY=\w+"),
            ["api_key=", "export"]
        );
        let s = analyse(r"(?-u)(?i)\b(?:[a-z0-9]+_)*(?:dd|datadog)_api_key=(\w+)").unwrap();
        assert_eq!(s.anchors, ["datadog_api_key=", "dd_api_key="]);
        assert_eq!(s.lead, Lead::NamePart);
    }

    #[test]
    fn capture_groups_and_the_secret_group() {
        let s = analyse(r"(a)(?P<secret>b)(c)").unwrap();
        assert_eq!((s.captures_len, s.secret_group), (4, Some(2)));
        assert_eq!(analyse(r"abc").unwrap().captures_len, 1);
        assert!(analyse(r"(unclosed").is_err());
    }
}
