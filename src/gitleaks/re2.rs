//! RE2 (Go `regexp`) syntax to Rust `regex` syntax.
//!
//! gitleaks and betterleaks rule files are written for Go's `regexp`
//! package. Most of that syntax means the same in Rust's `regex` crate, but
//! not all of it:
//!
//! | Go (RE2)                               | Rust `regex`                    | translation                        |
//! |----------------------------------------|---------------------------------|------------------------------------|
//! | `\w \d \s \b` are ASCII-only           | Unicode-aware                   | explicit ASCII classes, `(?-u:\b)` |
//! | `\Q…\E` quotes literal text            | not supported                   | each character escaped             |
//! | `\123` is an octal escape              | not supported                   | `\x{53}`                           |
//! | `\<`, `\>` are the characters `<`, `>` | word-boundary assertions        | `\x{3C}`, `\x{3E}`                 |
//! | `{` not starting `{n}`, `{n,}`, `{n,m}` is a literal | an error          | `\x{7B}`                           |
//! | `[` inside a class is a literal        | starts a nested class           | escaped                            |
//! | `&&`, `--`, `~~` inside a class are literals | set operations            | escaped                            |
//! | `\p{^Greek}`                           | `\P{Greek}`                     | rewritten                          |
//!
//! Lazy quantifiers (`*?`, `+?`, `??`, `{n,m}?`), flag groups (`(?i)`,
//! `(?i:…)`, `(?-i:…)`, `(?s)`, `(?m)`, `(?U)`), named groups and POSIX
//! classes (`[[:alnum:]]`) mean the same in both and are kept. What neither
//! engine supports — look-around, back-references, `\C`, possessive
//! quantifiers, unknown flags or escapes — is rejected with the reason; Go
//! rejects those patterns too, so they only occur in files gitleaks itself
//! would refuse.

use std::fmt::Write as _;

/// Why a Go pattern cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason} (at byte {offset})")]
pub struct TranslateError {
    /// Byte offset in the Go pattern.
    pub offset: usize,
    /// What is wrong.
    pub reason: String,
}

const WORD: &str = "0-9A-Za-z_";
const DIGIT: &str = "0-9";
const SPACE: &str = r"\t\n\x0C\r\x20";

/// Translates a Go `regexp` pattern into an equivalent Rust `regex` pattern.
pub fn translate(go: &str) -> Result<String, TranslateError> {
    translate_counting(go).map(|(rust, _)| rust)
}

/// [`translate`], and the number of capture groups of the pattern.
pub fn translate_counting(go: &str) -> Result<(String, usize), TranslateError> {
    Translator {
        src: go,
        chars: go.char_indices().collect(),
        pos: 0,
        out: String::with_capacity(go.len() + 16),
        groups: 0,
    }
    .run()
}

struct Translator<'a> {
    src: &'a str,
    chars: Vec<(usize, char)>,
    pos: usize,
    out: String,
    groups: usize,
}

/// One item inside a character class.
enum ClassItem {
    /// A single character (or the low end of a range).
    Char(char),
    /// Rendered class contents that need brackets outside a class (`0-9A-Za-z_`).
    Set(String),
    /// Rendered Rust syntax that stands alone anywhere (`[^0-9]`, `\p{L}`, `[:alpha:]`).
    Raw(String),
}

impl Translator<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).map(|&(_, c)| c)
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).map(|&(_, c)| c)
    }

    fn offset(&self) -> usize {
        self.chars.get(self.pos).map_or(self.src.len(), |&(o, _)| o)
    }

    fn rest(&self) -> &str {
        &self.src[self.offset()..]
    }

    fn err<T>(&self, reason: impl Into<String>) -> Result<T, TranslateError> {
        Err(TranslateError {
            offset: self.offset(),
            reason: reason.into(),
        })
    }

    fn run(mut self) -> Result<(String, usize), TranslateError> {
        while let Some(c) = self.peek() {
            match c {
                '\\' => self.escape_outside()?,
                '[' => self.class()?,
                '(' => self.group_open()?,
                '{' => self.brace(),
                '}' => {
                    self.out.push_str(r"\x7D");
                    self.pos += 1;
                }
                '*' | '+' | '?' => {
                    self.out.push(c);
                    self.pos += 1;
                    if self.peek() == Some('+') {
                        return self.err("possessive quantifiers are not supported by RE2");
                    }
                }
                _ => {
                    self.out.push(c);
                    self.pos += 1;
                }
            }
        }
        Ok((self.out, self.groups))
    }

    /// `{` starts a repetition only as `{n}`, `{n,}` or `{n,m}`; otherwise
    /// Go reads it as a literal brace.
    fn brace(&mut self) {
        if let Some(len) = repetition_len(self.rest()) {
            let rep = self.rest()[..len].to_string();
            self.out.push_str(&rep);
            self.pos += rep.chars().count();
            if self.peek() == Some('+') {
                // Go rejects `{n}+` too; let the Rust parser report it.
                self.out.push('+');
                self.pos += 1;
            }
        } else {
            self.out.push_str(r"\x7B");
            self.pos += 1;
        }
    }

    fn group_open(&mut self) -> Result<(), TranslateError> {
        self.pos += 1;
        if self.peek() != Some('?') {
            self.out.push('(');
            self.groups += 1;
            return Ok(());
        }
        // `(?` …
        match self.peek_at(1) {
            Some('P') if self.peek_at(2) == Some('<') => {
                self.pos += 3;
                self.group_name("(?P<")
            }
            Some('<') if !matches!(self.peek_at(2), Some('=' | '!')) => {
                self.pos += 2;
                self.group_name("(?P<")
            }
            Some('=' | '!') => self.err("look-ahead is not supported by RE2"),
            Some('<') => self.err("look-behind is not supported by RE2"),
            _ => {
                self.pos += 1;
                let start = self.pos;
                let mut flags = String::new();
                loop {
                    match self.peek() {
                        Some(c @ ('i' | 'm' | 's' | 'U' | '-')) => {
                            flags.push(c);
                            self.pos += 1;
                        }
                        Some(':') | Some(')') => break,
                        Some(c) => {
                            return self.err(format!(
                                "unknown flag {c:?} in group (RE2 knows i, m, s, U)"
                            ))
                        }
                        None => {
                            self.pos = start;
                            return self.err("unterminated flag group");
                        }
                    }
                }
                let close = self.peek().unwrap_or(')');
                self.pos += 1;
                if flags.is_empty() || flags.ends_with('-') || flags.matches('-').count() > 1 {
                    if flags.is_empty() && close == ':' {
                        self.out.push_str("(?:");
                        return Ok(());
                    }
                    return self.err(format!("invalid flag group (?{flags}{close}"));
                }
                let _ = write!(self.out, "(?{flags}{close}");
                Ok(())
            }
        }
    }

    fn group_name(&mut self, open: &str) -> Result<(), TranslateError> {
        let mut name = String::new();
        loop {
            match self.peek() {
                Some('>') => {
                    self.pos += 1;
                    break;
                }
                Some(c) if c.is_alphanumeric() || c == '_' => {
                    name.push(c);
                    self.pos += 1;
                }
                _ => return self.err("invalid capture group name"),
            }
        }
        if name.is_empty() {
            return self.err("empty capture group name");
        }
        self.groups += 1;
        let _ = write!(self.out, "{open}{name}>");
        Ok(())
    }

    fn escape_outside(&mut self) -> Result<(), TranslateError> {
        let Some(c) = self.peek_at(1) else {
            return self.err("trailing backslash");
        };
        match c {
            'b' => {
                self.out.push_str(r"(?-u:\b)");
                self.pos += 2;
            }
            'B' => {
                self.out.push_str(r"(?-u:\B)");
                self.pos += 2;
            }
            'A' | 'z' => {
                self.out.push('\\');
                self.out.push(c);
                self.pos += 2;
            }
            'Q' => {
                self.pos += 2;
                while let Some(ch) = self.peek() {
                    if ch == '\\' && self.peek_at(1) == Some('E') {
                        self.pos += 2;
                        return Ok(());
                    }
                    push_literal(&mut self.out, ch);
                    self.pos += 1;
                }
            }
            'E' => {
                // A stray `\E` ends nothing; Go ignores it.
                self.pos += 2;
            }
            _ => match self.escape_common()? {
                ClassItem::Char(ch) => push_literal(&mut self.out, ch),
                ClassItem::Raw(r) => self.out.push_str(&r),
                ClassItem::Set(r) => {
                    let _ = write!(self.out, "[{r}]");
                }
            },
        }
        Ok(())
    }

    /// Escapes valid both inside and outside a class. On entry `pos` is at
    /// the backslash.
    fn escape_common(&mut self) -> Result<ClassItem, TranslateError> {
        let start = self.pos;
        self.pos += 1;
        let Some(c) = self.peek() else {
            return self.err("trailing backslash");
        };
        self.pos += 1;
        let item = match c {
            'd' => ClassItem::Set(DIGIT.into()),
            'w' => ClassItem::Set(WORD.into()),
            's' => ClassItem::Set(SPACE.into()),
            'D' => ClassItem::Raw(format!("[^{DIGIT}]")),
            'W' => ClassItem::Raw(format!("[^{WORD}]")),
            'S' => ClassItem::Raw(format!("[^{SPACE}]")),
            'a' => ClassItem::Char('\x07'),
            'f' => ClassItem::Char('\x0C'),
            't' => ClassItem::Char('\t'),
            'n' => ClassItem::Char('\n'),
            'r' => ClassItem::Char('\r'),
            'v' => ClassItem::Char('\x0B'),
            'x' => ClassItem::Char(self.hex_escape()?),
            'p' | 'P' => ClassItem::Raw(self.unicode_class(c == 'P')?),
            '0'..='7' => {
                // Go: `\1`–`\7` alone are back-references (unsupported);
                // `\0` and two- or three-digit forms are octal.
                let mut digits = String::from(c);
                while digits.len() < 3 {
                    match self.peek() {
                        Some(d @ '0'..='7') => {
                            digits.push(d);
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                if c != '0' && digits.len() == 1 {
                    self.pos = start;
                    return self.err("back-references are not supported by RE2");
                }
                let v = u32::from_str_radix(&digits, 8).unwrap_or(0);
                ClassItem::Char(char::from_u32(v).unwrap_or('\0'))
            }
            '8' | '9' => {
                self.pos = start;
                return self.err("back-references are not supported by RE2");
            }
            'C' => {
                self.pos = start;
                return self.err(r"\C (any byte) is not supported");
            }
            'b' | 'B' | 'A' | 'z' | 'Q' | 'E' => {
                self.pos = start;
                return self.err(format!(r"\{c} is not allowed inside a character class"));
            }
            c if c.is_ascii() && !c.is_ascii_alphanumeric() => ClassItem::Char(c),
            c => {
                self.pos = start;
                return self.err(format!(r"unknown escape \{c}"));
            }
        };
        Ok(item)
    }

    /// After `\x`: `hh` or `{h…}`.
    fn hex_escape(&mut self) -> Result<char, TranslateError> {
        let digits: String = if self.peek() == Some('{') {
            self.pos += 1;
            let mut d = String::new();
            loop {
                match self.peek() {
                    Some('}') => {
                        self.pos += 1;
                        break;
                    }
                    Some(h) if h.is_ascii_hexdigit() => {
                        d.push(h);
                        self.pos += 1;
                    }
                    _ => return self.err(r"invalid \x{…} escape"),
                }
            }
            d
        } else {
            let mut d = String::new();
            for _ in 0..2 {
                match self.peek() {
                    Some(h) if h.is_ascii_hexdigit() => {
                        d.push(h);
                        self.pos += 1;
                    }
                    _ => return self.err(r"invalid \x escape"),
                }
            }
            d
        };
        u32::from_str_radix(&digits, 16)
            .ok()
            .filter(|_| !digits.is_empty() && digits.len() <= 8)
            .and_then(char::from_u32)
            .map_or_else(|| self.err(r"invalid \x escape"), Ok)
    }

    /// After `\p` or `\P`: `X` or `{Name}` or `{^Name}`.
    fn unicode_class(&mut self, negated: bool) -> Result<String, TranslateError> {
        let mut negated = negated;
        let name = if self.peek() == Some('{') {
            self.pos += 1;
            if self.peek() == Some('^') {
                negated = !negated;
                self.pos += 1;
            }
            let mut n = String::new();
            loop {
                match self.peek() {
                    Some('}') => {
                        self.pos += 1;
                        break;
                    }
                    Some(ch) if ch.is_ascii_alphanumeric() || ch == '_' => {
                        n.push(ch);
                        self.pos += 1;
                    }
                    _ => return self.err(r"invalid \p{…} class"),
                }
            }
            n
        } else {
            match self.peek() {
                Some(ch) if ch.is_ascii_alphabetic() => {
                    self.pos += 1;
                    ch.to_string()
                }
                _ => return self.err(r"invalid \p class"),
            }
        };
        if name.is_empty() {
            return self.err(r"empty \p{} class");
        }
        Ok(format!(r"\{}{{{name}}}", if negated { 'P' } else { 'p' }))
    }

    fn class(&mut self) -> Result<(), TranslateError> {
        let open = self.pos;
        self.pos += 1;
        let negated = self.peek() == Some('^');
        if negated {
            self.pos += 1;
        }
        let mut items: Vec<String> = Vec::new();
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                self.pos = open;
                return self.err("missing closing ]");
            };
            if c == ']' && !first {
                self.pos += 1;
                break;
            }
            first = false;
            // POSIX class `[:name:]` / `[:^name:]`.
            if c == '[' && self.peek_at(1) == Some(':') {
                let rest = &self.rest()[2..];
                if let Some(end) = rest.find(":]") {
                    let name = &rest[..end];
                    let bare = name.strip_prefix('^').unwrap_or(name);
                    if !POSIX_CLASSES.contains(&bare) {
                        return self.err(format!("unknown POSIX class [:{name}:]"));
                    }
                    items.push(format!("[:{name}:]"));
                    self.pos += 2 + name.chars().count() + 2;
                    continue;
                }
            }
            let lo = self.class_atom()?;
            // A range `lo-hi`, unless the `-` is the last character.
            // (After a class like `\d`, Go reads `-` as a literal.)
            if let (ClassItem::Char(lo), Some('-')) = (&lo, self.peek()) {
                if matches!(self.peek_at(1), Some(']') | None) {
                    let mut s = String::new();
                    push_literal(&mut s, *lo);
                    items.push(s);
                    continue;
                }
                let lo = *lo;
                self.pos += 1;
                let ClassItem::Char(hi) = self.class_atom()? else {
                    return self.err("a class like \\d cannot end a range");
                };
                if hi < lo {
                    return self.err(format!("invalid range {lo:?}-{hi:?}"));
                }
                let mut s = String::new();
                push_literal(&mut s, lo);
                s.push('-');
                push_literal(&mut s, hi);
                items.push(s);
            } else {
                match lo {
                    ClassItem::Char(ch) => {
                        let mut s = String::new();
                        push_literal(&mut s, ch);
                        items.push(s);
                    }
                    ClassItem::Raw(r) | ClassItem::Set(r) => items.push(r),
                }
            }
        }
        self.out.push('[');
        if negated {
            self.out.push('^');
        }
        for it in items {
            self.out.push_str(&it);
        }
        self.out.push(']');
        Ok(())
    }

    fn class_atom(&mut self) -> Result<ClassItem, TranslateError> {
        match self.peek() {
            Some('\\') => self.escape_common(),
            Some(c) => {
                self.pos += 1;
                Ok(ClassItem::Char(c))
            }
            None => self.err("missing closing ]"),
        }
    }
}

const POSIX_CLASSES: [&str; 14] = [
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// Writes `c` so that Rust reads it as that literal character anywhere.
fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || (!c.is_ascii() && !c.is_whitespace() && !c.is_control()) {
        out.push(c);
    } else {
        let _ = write!(out, r"\x{{{:X}}}", u32::from(c));
    }
}

/// Length in bytes of a Go repetition `{n}`, `{n,}` or `{n,m}` at the start
/// of `s`, if it is one.
fn repetition_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 1;
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > st
    };
    if !digits(&mut i) {
        return None;
    }
    if b.get(i) == Some(&b',') {
        i += 1;
        digits(&mut i);
    }
    (b.get(i) == Some(&b'}')).then_some(i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::bytes::Regex;

    fn rust(go: &str) -> Regex {
        let t = translate(go).unwrap_or_else(|e| panic!("{go}: {e}"));
        Regex::new(&t).unwrap_or_else(|e| panic!("{go} -> {t}: {e}"))
    }

    fn finds(go: &str, hay: &str) -> Option<String> {
        rust(go)
            .find(hay.as_bytes())
            .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
    }

    #[test]
    fn perl_classes_are_ascii_only() {
        assert_eq!(finds(r"\w+", "été_x9"), Some("t".into()));
        assert_eq!(finds(r"\d+", "٣4"), Some("4".into()));
        assert_eq!(finds(r"[\w.-]+", "a.b-c d"), Some("a.b-c".into()));
        assert_eq!(finds(r"\s", "a\u{85}b c"), Some(" ".into()));
        assert_eq!(finds(r"[^\s]+", "  xy z"), Some("xy".into()));
        assert_eq!(finds(r"\W", "abcé"), Some("é".into()));
        assert_eq!(finds(r"[\W\d]+", "ab-9c"), Some("-9".into()));
    }

    #[test]
    fn word_boundary_is_ascii() {
        // In Go `é` is not a word character, so `\bx` matches after it.
        assert_eq!(finds(r"\bx1", "éx1"), Some("x1".into()));
        assert_eq!(finds(r"\bx1\b", "ax1"), None);
    }

    #[test]
    fn case_insensitive_forms_are_kept() {
        assert_eq!(finds(r"(?i)abc", "xABCx"), Some("ABC".into()));
        assert_eq!(
            finds(r"\b(p8e-(?i)[a-z0-9]{4})", "p8e-AbC1"),
            Some("p8e-AbC1".into())
        );
        assert_eq!(finds(r"(?i:a)B", "AB"), Some("AB".into()));
        assert_eq!(finds(r"(?i:a)B", "Ab"), None);
        assert_eq!(finds(r"(?i)(?-i:AB)c", "ABC"), Some("ABC".into()));
        assert_eq!(finds(r"(?i)(?-i:AB)c", "abC"), None);
        assert_eq!(finds(r"(?is)a.b", "A\nb"), Some("A\nb".into()));
    }

    #[test]
    fn anchors_and_end_of_text() {
        assert_eq!(finds(r"abc\z", "abc\n"), None);
        assert_eq!(finds(r"abc\z", "xabc"), Some("abc".into()));
        assert_eq!(finds(r"\Aab", "ab"), Some("ab".into()));
        assert_eq!(finds(r"(?m)^b$", "a\nb\nc"), Some("b".into()));
    }

    #[test]
    fn posix_classes() {
        assert_eq!(
            finds(r"\b(pat[[:alnum:]]{3}\.x)\b", "pat9aZ.x"),
            Some("pat9aZ.x".into())
        );
        assert_eq!(finds(r"[[:^digit:]]+", "12ab3"), Some("ab".into()));
        assert!(translate(r"[[:nope:]]").is_err());
    }

    #[test]
    fn lazy_quantifiers_stay_lazy() {
        assert_eq!(finds(r"a.*?b", "axxbyyb"), Some("axxb".into()));
        assert_eq!(finds(r"[\w.-]{0,50}?key", "my.key"), Some("my.key".into()));
        assert_eq!(finds(r"(?U)a.*b", "axxbyyb"), Some("axxb".into()));
        assert_eq!(finds(r"a{2,3}?", "aaaa"), Some("aa".into()));
    }

    #[test]
    fn literal_braces_are_escaped() {
        assert_eq!(
            finds(r"^\${(?:[A-Z_]+)}$", "${HOME}"),
            Some("${HOME}".into())
        );
        assert_eq!(
            finds(r"^\{\{[ \t]*\w+[ \t]*}}$", "{{ x }}"),
            Some("{{ x }}".into())
        );
        assert_eq!(finds(r"a{,2}", "a{,2}"), Some("a{,2}".into()));
        assert_eq!(finds(r"^\{\d{0,2}}$", "{12}"), Some("{12}".into()));
        assert_eq!(finds(r"x{2}", "xxx"), Some("xx".into()));
    }

    #[test]
    fn quoted_text_octal_and_punctuation() {
        assert_eq!(finds(r"\Qa.b*c\E+", "a.b*cc"), Some("a.b*cc".into()));
        assert_eq!(finds(r"\101\x42\x{43}", "ABC"), Some("ABC".into()));
        assert_eq!(finds(r"\<tag\>", "<tag>"), Some("<tag>".into()));
        assert_eq!(finds(r"\_\-\/\#", "_-/#"), Some("_-/#".into()));
        assert_eq!(finds(r"\p{^Greek}+", "αab"), Some("ab".into()));
        assert_eq!(finds(r"\pL+", "1été"), Some("été".into()));
    }

    #[test]
    fn classes_with_rust_set_operators_and_brackets() {
        assert_eq!(finds(r"[[a]+", "x[a["), Some("[a[".into()));
        assert_eq!(finds(r"[a&&b]+", "a&&b"), Some("a&&b".into()));
        assert_eq!(finds(r"[a~~b]+", "~a"), Some("~a".into()));
        assert_eq!(finds(r"[]a]+", "]a"), Some("]a".into()));
        assert_eq!(finds(r"[-a]+", "-a"), Some("-a".into()));
        assert_eq!(finds(r"[a-]+", "a-"), Some("a-".into()));
        assert_eq!(finds(r"[\x60'\s]+", "`' "), Some("`' ".into()));
        assert_eq!(finds(r"[a-c\-]+", "b-c"), Some("b-c".into()));
    }

    #[test]
    fn named_groups_and_group_count() {
        let re = rust(r"(?P<a>x)(?<b>y)");
        assert_eq!(re.capture_names().flatten().collect::<Vec<_>>(), ["a", "b"]);
        for go in [r"(?P<a>x)(?<b>y)(z)(?:w)(?i:v)[(]\(", r"a", r"((a)|(?:b))"] {
            let (_, n) = translate_counting(go).unwrap();
            assert_eq!(n + 1, rust(go).captures_len(), "{go}");
        }
    }

    #[test]
    fn unsupported_syntax_is_rejected_with_a_reason() {
        for (go, why) in [
            (r"a(?=b)", "look-ahead"),
            (r"(?<=a)b", "look-behind"),
            (r"(a)\1", "back-references"),
            (r"a\C", r"\C"),
            (r"(?x)a b", "unknown flag"),
            (r"a*+", "possessive"),
            (r"[a", "missing closing"),
            (r"\k", "unknown escape"),
            (r"[z-a]", "invalid range"),
        ] {
            let e = translate(go).expect_err(go);
            assert!(e.reason.contains(why), "{go}: {e}");
        }
    }
}
