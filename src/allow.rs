//! Inline allow comments: `blastradius:allow` (with an optional reason) on a
//! finding's line, or alone in a comment on the line above. `gitleaks:allow`
//! and `trufflehog:ignore` are honoured too, so teams moving over keep their
//! annotations. Allowed findings are still reported, marked as allowed; they
//! do not fail the run.

use crate::secret::Secret;

/// The markers recognised, in the order they are looked for.
pub const MARKERS: [&str; 3] = ["blastradius:allow", "gitleaks:allow", "trufflehog:ignore"];

/// Longest reason kept, in characters.
const MAX_REASON: usize = 200;

/// An inline allow annotation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineAllow {
    /// The marker found (one of [`MARKERS`]).
    pub marker: &'static str,
    /// The text after the marker, if any.
    pub reason: Option<String>,
}

/// Comment openers that make a line "comment only": a marker in such a line
/// also allows the line below it.
const COMMENT_OPENERS: [&str; 13] = [
    "#", "//", "--", "<!--", "/*", "*", ";", "%", "'", "{#", "{{/*", "rem ", "REM ",
];

/// The annotation that allows a finding on `line`, looking at `line` itself
/// and, when it holds nothing but a comment, the line above. `secret` is
/// scrubbed from the reason, so a reason can never carry the secret out.
pub fn find(line: &[u8], above: Option<&[u8]>, secret: &Secret) -> Option<InlineAllow> {
    let on_line = String::from_utf8_lossy(line);
    if let Some(a) = parse(&on_line, secret) {
        return Some(a);
    }
    let above = String::from_utf8_lossy(above?);
    let trimmed = above.trim_start();
    if COMMENT_OPENERS.iter().any(|o| trimmed.starts_with(o)) {
        return parse(trimmed, secret);
    }
    None
}

/// The first marker in `text` and the reason after it.
fn parse(text: &str, secret: &Secret) -> Option<InlineAllow> {
    let (marker, at) = MARKERS
        .iter()
        .filter_map(|m| text.find(m).map(|i| (*m, i)))
        .min_by_key(|&(_, i)| i)?;
    let rest = text[at + marker.len()..]
        .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '='));
    let mut reason = rest.trim_end();
    for closer in ["*/}}", "-->", "*/", "#}", "%}"] {
        if let Some(r) = reason.strip_suffix(closer) {
            reason = r.trim_end();
        }
    }
    if let Some(inner) = reason.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        reason = inner;
    }
    let reason = reason.trim_matches(|c: char| c.is_whitespace() || matches!(c, '"' | '\''));
    let reason = (!reason.is_empty()).then(|| {
        let cleaned = crate::secret::scrub(reason, &[secret]);
        if cleaned.chars().count() > MAX_REASON {
            let mut short: String = cleaned.chars().take(MAX_REASON).collect();
            short.push('…');
            short
        } else {
            cleaned
        }
    });
    Some(InlineAllow { marker, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> Secret {
        Secret::new("sk_test_51Hx9QmK2eZvKYlo2Qw3Er4Ty5Ui6Op7As8Df9Gh0Jk")
    }

    fn on(line: &str) -> Option<InlineAllow> {
        find(line.as_bytes(), None, &s())
    }

    #[test]
    fn markers_on_the_line_in_several_comment_syntaxes() {
        let a = on("KEY=x # blastradius:allow test fixture").unwrap();
        assert_eq!(a.marker, "blastradius:allow");
        assert_eq!(a.reason.as_deref(), Some("test fixture"));
        let a = on("const k = \"x\"; // blastradius:allow: rotated in March").unwrap();
        assert_eq!(a.reason.as_deref(), Some("rotated in March"));
        let a = on("key: x -- gitleaks:allow").unwrap();
        assert_eq!((a.marker, a.reason), ("gitleaks:allow", None));
        let a = on("<a href=x>k</a> <!-- blastradius:allow docs example -->").unwrap();
        assert_eq!(a.reason.as_deref(), Some("docs example"));
        let a = on("x /* trufflehog:ignore */").unwrap();
        assert_eq!((a.marker, a.reason), ("trufflehog:ignore", None));
        assert!(on("KEY=x # allow this").is_none());
    }

    #[test]
    fn comment_only_line_above_allows_the_next_line() {
        let l = b"KEY=x";
        assert!(find(l, Some(b"  # blastradius:allow demo key"), &s()).is_some());
        assert!(find(l, Some(b"<!-- gitleaks:allow -->"), &s()).is_some());
        assert!(find(l, Some(b"-- trufflehog:ignore"), &s()).is_some());
        // A marker trailing code on the line above applies to that line only.
        assert!(find(l, Some(b"OTHER=y # blastradius:allow"), &s()).is_none());
        assert!(find(l, None, &s()).is_none());
    }

    #[test]
    fn reasons_never_carry_the_secret() {
        let secret = s();
        let line = format!("# blastradius:allow old key {}", secret.expose());
        let a = find(b"KEY=x", Some(line.as_bytes()), &secret).unwrap();
        let reason = a.reason.unwrap();
        assert!(!reason.contains(secret.expose()), "{reason}");
        assert!(reason.contains(&secret.redacted()));
    }
}
