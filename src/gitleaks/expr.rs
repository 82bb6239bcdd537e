//! The plain part of betterleaks `filter` / `prefilter` expressions.
//!
//! betterleaks writes its filters as [Expr](https://expr-lang.org) programs.
//! blastradius does not run programs from a rules file. Most filters,
//! though, are a disjunction of a few plain tests that gitleaks expresses as
//! data — an entropy threshold, a list of regexes, a list of stop-words —
//! and those are recognised here:
//!
//! ```text
//! entropy(finding["secret"]) <= 3.5               -> entropy gate (exclusive)
//! entropy(finding["secret"]) < 3.5                -> entropy gate (inclusive)
//! matchesAny(finding["secret"|"match"|"line"], [`re`, …])   -> allow-list regexes
//! matchesAny(get(attributes, "path", ""), [`re`, …])        -> allow-list paths
//! matchesAny((attributes["path"] ?? ""), [`re`, …])        -> allow-list paths
//! containsAny(finding["secret"], ["word", …])              -> allow-list stop-words
//! ```
//!
//! (each optionally written `filter.entropy(…)` and so on.) A filter drops a
//! finding when any of its `||` terms is true, so a term that is not
//! recognised can be left out safely: the filter then drops fewer findings,
//! never more. Whatever is left out is counted and reported.

/// What a regex list is matched against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The secret.
    Secret,
    /// The whole regex match.
    Match,
    /// The line(s) of the match.
    Line,
    /// The file path.
    Path,
}

/// One recognised `||` term.
#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    /// Drop when the secret's entropy is below (`inclusive`: `<`) or at or
    /// below (`<=`) the threshold.
    Entropy {
        /// The threshold.
        threshold: f64,
        /// `true` for `<=` (the gitleaks meaning of `entropy = N`).
        at_or_below: bool,
    },
    /// Drop when any of the (Go syntax) regexes matches the subject.
    MatchesAny(Subject, Vec<String>),
    /// Drop when the secret contains any of the words.
    ContainsAny(Vec<String>),
}

/// A filter split into recognised terms and the number of terms left out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    /// The terms understood.
    pub terms: Vec<Term>,
    /// Terms not understood (left out).
    pub dropped: usize,
}

/// Splits `src` into its top-level `||` terms and recognises each.
///
/// A program may start with `let name = …;` bindings: they are skipped, and
/// the terms that use them are not recognised (so they are left out).
pub fn parse_filter(src: &str) -> Parsed {
    let unparsed = Parsed {
        terms: Vec::new(),
        dropped: 1,
    };
    let Some(tokens) = tokenize(src) else {
        return unparsed;
    };
    // Statements at top level; the value is the last one that is not a `let`.
    let mut depth = 0i32;
    let mut start = 0;
    let mut value: Option<&[Tok]> = None;
    let mut skipped = 0;
    for (i, t) in tokens
        .iter()
        .enumerate()
        .chain(std::iter::once((tokens.len(), &Tok::Punct(";"))))
    {
        match t {
            Tok::Punct("(" | "[" | "{") => depth += 1,
            Tok::Punct(")" | "]" | "}") => depth -= 1,
            Tok::Punct(";") if depth == 0 => {
                let stmt = &tokens[start..i];
                start = i + 1;
                match stmt.first() {
                    None => {}
                    Some(Tok::Ident(kw)) if kw == "let" => {}
                    Some(_) if value.replace(stmt).is_some() => skipped += 1,
                    Some(_) => {}
                }
            }
            _ => {}
        }
    }
    let Some(value) = value else {
        return unparsed;
    };
    let mut out = Parsed {
        terms: Vec::new(),
        dropped: skipped,
    };
    split_or(value, &mut out);
    out
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Punct(&'static str),
}

fn tokenize(src: &str) -> Option<Vec<Tok>> {
    const PUNCT: [&str; 32] = [
        "||", "&&", "??", "<=", ">=", "==", "!=", "<", ">", "!", "(", ")", "[", "]", ",", ".", ";",
        ":", "+", "-", "*", "/", "%", "=", "{", "}", "?", "|", "&", "^", "~", "#",
    ];
    let b = src.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if src[i..].starts_with("//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'`' {
            let end = src[i + 1..].find('`')? + i + 1;
            out.push(Tok::Str(src[i + 1..end].to_string()));
            i = end + 1;
        } else if c == b'"' || c == b'\'' {
            let mut s = String::new();
            let mut chars = src[i + 1..].char_indices();
            loop {
                let (j, ch) = chars.next()?;
                if ch as u32 == u32::from(c) {
                    i = i + 1 + j + 1;
                    break;
                }
                if ch == '\\' {
                    let (_, e) = chars.next()?;
                    s.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        other => other,
                    });
                } else {
                    s.push(ch);
                }
            }
            out.push(Tok::Str(s));
        } else if c.is_ascii_digit() {
            let st = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            out.push(Tok::Num(src[st..i].parse().ok()?));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let st = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(src[st..i].to_string()));
        } else {
            let p = PUNCT.iter().find(|p| src[i..].starts_with(**p))?;
            out.push(Tok::Punct(p));
            i += p.len();
        }
    }
    Some(out)
}

/// Splits at top-level `||`; a term wrapped in parentheses that itself
/// holds only `||` terms is split further.
fn split_or(tokens: &[Tok], out: &mut Parsed) {
    let mut depth = 0i32;
    let mut start = 0;
    let mut parts: Vec<&[Tok]> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t {
            Tok::Punct("(" | "[") => depth += 1,
            Tok::Punct(")" | "]") => depth -= 1,
            Tok::Punct("||") if depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&tokens[start..]);
    for part in parts {
        if let Some(inner) = strip_parens(part) {
            split_or(inner, out);
        } else if let Some(term) = term(part) {
            out.terms.push(term);
        } else {
            out.dropped += 1;
        }
    }
}

/// `( … )` spanning the whole slice.
fn strip_parens(t: &[Tok]) -> Option<&[Tok]> {
    if t.len() < 2 || t[0] != Tok::Punct("(") || t[t.len() - 1] != Tok::Punct(")") {
        return None;
    }
    let mut depth = 0;
    for (i, tok) in t.iter().enumerate() {
        match tok {
            Tok::Punct("(") => depth += 1,
            Tok::Punct(")") => {
                depth -= 1;
                if depth == 0 && i != t.len() - 1 {
                    return None;
                }
            }
            _ => {}
        }
    }
    Some(&t[1..t.len() - 1])
}

fn term(t: &[Tok]) -> Option<Term> {
    // Optional `filter.` namespace.
    let t = match t {
        [Tok::Ident(ns), Tok::Punct("."), rest @ ..] if ns == "filter" => rest,
        _ => t,
    };
    let (name, rest) = match t {
        [Tok::Ident(n), Tok::Punct("("), rest @ ..] => (n.as_str(), rest),
        _ => return None,
    };
    match name {
        "entropy" => {
            let rest = secret_ref(rest)?;
            match rest {
                [Tok::Punct(")"), Tok::Punct(op @ ("<=" | "<")), Tok::Num(n)] => {
                    Some(Term::Entropy {
                        threshold: *n,
                        at_or_below: *op == "<=",
                    })
                }
                _ => None,
            }
        }
        "matchesAny" => {
            let (subject, rest) = subject(rest)?;
            let list = string_list_then_close(rest)?;
            Some(Term::MatchesAny(subject, list))
        }
        "containsAny" => {
            let rest = secret_ref(rest)?;
            let list = string_list_then_close(rest)?;
            Some(Term::ContainsAny(list))
        }
        _ => None,
    }
}

/// `finding["secret"]`, returning what follows.
fn secret_ref(t: &[Tok]) -> Option<&[Tok]> {
    match subject(t)? {
        (Subject::Secret, rest) => Some(rest),
        _ => None,
    }
}

fn subject(t: &[Tok]) -> Option<(Subject, &[Tok])> {
    let field = |s: &str| match s {
        "secret" => Some(Subject::Secret),
        "match" => Some(Subject::Match),
        "line" => Some(Subject::Line),
        _ => None,
    };
    match t {
        [Tok::Ident(f), Tok::Punct("["), Tok::Str(s), Tok::Punct("]"), rest @ ..]
            if f == "finding" =>
        {
            Some((field(s)?, rest))
        }
        [Tok::Ident(g), Tok::Punct("("), Tok::Ident(a), Tok::Punct(","), Tok::Str(p), Tok::Punct(","), Tok::Str(d), Tok::Punct(")"), rest @ ..]
            if g == "get" && a == "attributes" && p == "path" && d.is_empty() =>
        {
            Some((Subject::Path, rest))
        }
        [Tok::Punct("("), Tok::Ident(a), Tok::Punct("["), Tok::Str(p), Tok::Punct("]"), Tok::Punct("??"), Tok::Str(d), Tok::Punct(")"), rest @ ..]
            if a == "attributes" && p == "path" && d.is_empty() =>
        {
            Some((Subject::Path, rest))
        }
        [Tok::Ident(a), Tok::Punct("["), Tok::Str(p), Tok::Punct("]"), rest @ ..]
            if a == "attributes" && p == "path" =>
        {
            Some((Subject::Path, rest))
        }
        _ => None,
    }
}

/// `, [ "a", "b", ] )` and nothing after.
fn string_list_then_close(t: &[Tok]) -> Option<Vec<String>> {
    let [Tok::Punct(","), Tok::Punct("["), rest @ ..] = t else {
        return None;
    };
    let mut list = Vec::new();
    let mut rest = rest;
    loop {
        match rest {
            [Tok::Str(s), Tok::Punct(","), r @ ..] => {
                list.push(s.clone());
                rest = r;
            }
            [Tok::Str(s), Tok::Punct("]"), Tok::Punct(")")] => {
                list.push(s.clone());
                return Some(list);
            }
            [Tok::Punct("]"), Tok::Punct(")")] => return Some(list),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_thresholds() {
        let p = parse_filter("entropy(finding[\"secret\"]) <= 3.8\n");
        assert_eq!(
            p.terms,
            [Term::Entropy {
                threshold: 3.8,
                at_or_below: true
            }]
        );
        let p = parse_filter("filter.entropy(finding[\"secret\"]) < 3.5");
        assert_eq!(
            p.terms,
            [Term::Entropy {
                threshold: 3.5,
                at_or_below: false
            }]
        );
        assert_eq!(p.dropped, 0);
    }

    #[test]
    fn global_filter_and_prefilter() {
        let f = r#"
(matchesAny(finding["secret"], [
  `(?i)^true|false|null$`,
  `^\$(?:\d+|{\d+})$`
]) || containsAny(finding["secret"], [
  "abcdefghijklmnopqrstuvwxyz",
  "014df517"
]))
"#;
        let p = parse_filter(f);
        assert_eq!(p.dropped, 0);
        assert_eq!(
            p.terms,
            [
                Term::MatchesAny(
                    Subject::Secret,
                    vec![r"(?i)^true|false|null$".into(), r"^\$(?:\d+|{\d+})$".into()]
                ),
                Term::ContainsAny(vec!["abcdefghijklmnopqrstuvwxyz".into(), "014df517".into()]),
            ]
        );
        let p = parse_filter("matchesAny(get(attributes, \"path\", \"\"), [\n `a\\.b`,\n `c$`\n])");
        assert_eq!(
            p.terms,
            [Term::MatchesAny(
                Subject::Path,
                vec![r"a\.b".into(), "c$".into()]
            )]
        );
        let p = parse_filter(
            "entropy(finding[\"secret\"]) <= 3\n|| matchesAny((attributes[\"path\"] ?? \"\"), [`x`])",
        );
        assert_eq!(p.terms.len(), 2);
        assert_eq!(
            p.terms[1],
            Term::MatchesAny(Subject::Path, vec!["x".into()])
        );
    }

    #[test]
    fn unknown_terms_are_dropped_and_counted() {
        let p = parse_filter(
            "filter.entropy(finding[\"secret\"]) < 3\n|| !filter.matchesAny(finding[\"secret\"], [\"[0-9]\"])",
        );
        assert_eq!(p.terms.len(), 1);
        assert_eq!(p.dropped, 1);
        let p = parse_filter("let x = 1; x > 0");
        assert!(p.terms.is_empty());
        assert_eq!(p.dropped, 1);
        let p = parse_filter("a && b || entropy(finding[\"secret\"]) < 2");
        assert_eq!(p.terms.len(), 1);
        assert_eq!(p.dropped, 1);
        let p = parse_filter("\"unterminated");
        assert_eq!(p.dropped, 1);
    }

    #[test]
    fn let_bindings_are_skipped_and_their_uses_dropped() {
        let p = parse_filter(
            r#"
// a comment
let ctx = finding["fragment_raw"][max(finding["match_start_idx"] - 150, 0):10];
let pre = filter.findMatch(ctx, `[\w.-]{0,50}$`);
entropy(finding["secret"]) <= 3.5
|| failsTokenEfficiency(finding["secret"])
|| (containsAny(finding["secret"], ["about", "abstract"]) || filter.matchesAny(pre, [`x`]))
|| matchesAny(finding["line"], [`--mount=type=secret,`])
|| (len(finding["secret"]) == 8 && matchesAny(finding["secret"], [`^[0-9a-f]{8}$`]))
"#,
        );
        assert_eq!(
            p.terms,
            [
                Term::Entropy {
                    threshold: 3.5,
                    at_or_below: true
                },
                Term::ContainsAny(vec!["about".into(), "abstract".into()]),
                Term::MatchesAny(Subject::Line, vec!["--mount=type=secret,".into()]),
            ]
        );
        assert_eq!(p.dropped, 3);
    }
}
