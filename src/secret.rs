//! The one type that holds a raw secret, and the redaction every output uses.
//!
//! [`Secret`] never prints its value: `Debug` and `Display` show the redacted
//! form, so a secret that ends up in a log line, an error or a panic message
//! by accident is still not leaked. Code that must send the value to its
//! provider calls [`Secret::expose`] explicitly.

use sha2::{Digest, Sha256};
use std::fmt;

/// A raw secret found in a file. Its `Debug`/`Display` are redacted.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Secret(String);

impl Secret {
    /// Wraps a raw secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The raw value, for sending it to its own provider. Never print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The redacted form shown in reports: at most the first and last four
    /// characters with `…` between, fewer for short secrets.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }

    /// A stable fingerprint for this secret as found by `detector`: the same
    /// across runs, paths and machines, and not reversible to the secret.
    pub fn fingerprint(&self, detector: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"blastradius-fingerprint-v1\0");
        h.update(detector.as_bytes());
        h.update(b"\0");
        h.update(self.0.as_bytes());
        let digest = h.finalize();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Redacts `value`: keeps `min(4, len / 4)` characters at each end, so at
/// most half of a short secret and at most eight characters of a long one
/// are ever shown.
pub fn redact(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let keep = (chars.len() / 4).min(4);
    if keep == 0 {
        return "…".to_string();
    }
    let head: String = chars[..keep].iter().collect();
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("{head}…{tail}")
}

/// Redacts every run of at least `min` non-whitespace characters in `text`
/// (see [`redact`]), for text that may hold a secret nobody knows about: a
/// panic message. Secrets hold no whitespace, so none survives whole unless
/// it is shorter than `min`.
pub fn redact_runs(text: &str, min: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= min {
            out.push_str(&redact(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut run, &mut out);
            out.push(c);
        } else {
            run.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Redacts the contents of every double-quoted string of at least `min`
/// characters in `text`. Parser errors quote the value they refused
/// (`invalid type: string "…"`), and that value may be a secret pasted into
/// the wrong place.
pub fn redact_quoted(text: &str, min: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('"') else {
            // An unterminated quote: treat the rest as its contents.
            return out + &redact_runs(after, min);
        };
        let inner = &after[..close];
        if inner.chars().count() >= min {
            out.push_str(&redact(inner));
        } else {
            out.push_str(inner);
        }
        out.push('"');
        rest = &after[close + 1..];
    }
    out + rest
}

/// Replaces every occurrence of any of `secrets` in `text` by its redacted
/// form. Used on text that comes from outside (provider error bodies) before
/// it reaches a report.
pub fn scrub(text: &str, secrets: &[&Secret]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if !s.expose().is_empty() && out.contains(s.expose()) {
            out = out.replace(s.expose(), &s.redacted());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_secrets_show_four_and_four() {
        assert_eq!(
            redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            "ghp_…6789"
        );
    }

    #[test]
    fn short_secrets_show_less() {
        assert_eq!(redact("abcdefgh"), "ab…gh");
        assert_eq!(redact("abc"), "…");
        assert_eq!(redact(""), "…");
    }

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("sk_live_0123456789abcdefghijklmnop");
        assert!(!format!("{s:?}").contains(s.expose()));
        assert!(!format!("{s}").contains(s.expose()));
        assert!(!format!("{:?}", Some(&s)).contains("0123456789abcdef"));
    }

    #[test]
    fn fingerprint_is_stable_and_depends_on_detector() {
        let s = Secret::new("value-1234567890");
        assert_eq!(s.fingerprint("a"), s.fingerprint("a"));
        assert_ne!(s.fingerprint("a"), s.fingerprint("b"));
        assert_eq!(s.fingerprint("a").len(), 32);
    }

    #[test]
    fn redact_runs_leaves_no_long_word_whole() {
        let text = "forced panic holding 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 and \
                    postgres://app:Zq8vT2pLm4Rk9wXc@db.acme.io/app at index 3";
        let out = redact_runs(text, 8);
        assert!(!out.contains("Kq3vT8mZpL2xR9wN4bY7cH1dJ6fG0s0xh"), "{out}");
        assert!(!out.contains("Zq8vT2pLm4Rk9wXc"), "{out}");
        assert!(
            out.starts_with("forced panic holding ghp_…hLrr and "),
            "{out}"
        );
        assert!(out.ends_with(" at index 3"), "{out}");
    }

    #[test]
    fn redact_quoted_hides_refused_values() {
        let msg =
            "invalid type: string \"sk_live_51Hx9QmK2eZvKYlo2C8nT4rWb\", expected u8 at \"short\"";
        let out = redact_quoted(msg, 12);
        assert_eq!(
            out,
            "invalid type: string \"sk_l…4rWb\", expected u8 at \"short\""
        );
        assert!(!redact_quoted("eof in \"ghp_Kq3vT8mZpL2xR9wN4bY7 x", 12).contains("Kq3vT8mZpL2x"));
    }

    #[test]
    fn scrub_removes_whole_secrets() {
        let s = Secret::new("3f2c1a9e-0000-4000-8000-1234567890ab");
        let text = format!("error: token {} rejected", s.expose());
        let out = scrub(&text, &[&s]);
        assert!(!out.contains(s.expose()));
        assert!(out.contains("3f2c…90ab"));
    }
}
