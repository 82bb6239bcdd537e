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
    fn scrub_removes_whole_secrets() {
        let s = Secret::new("3f2c1a9e-0000-4000-8000-1234567890ab");
        let text = format!("error: token {} rejected", s.expose());
        let out = scrub(&text, &[&s]);
        assert!(!out.contains(s.expose()));
        assert!(out.contains("3f2c…90ab"));
    }
}
