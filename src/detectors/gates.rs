//! Offline gates a candidate secret must pass: entropy, checksums and the
//! placeholder filter.

use crate::error::DetectorError;

/// A named checksum gate that a detector can require.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checksum {
    /// GitHub's 40-character tokens: the last six characters are the
    /// base62 CRC32 of the 30 random characters after the prefix.
    GithubCrc32,
    /// npm's `npm_` tokens use the same scheme as GitHub.
    NpmCrc32,
    /// GitLab routable tokens (`glpat-<base64url>.01.<len><crc>`): the last
    /// seven characters are the zero-padded base36 CRC32 of everything before
    /// them, prefix included.
    GitlabCrc32,
}

impl Checksum {
    /// Parses a checksum name from a detector file.
    pub fn parse(name: &str, detector: &str) -> Result<Self, DetectorError> {
        match name {
            "github-crc32" => Ok(Checksum::GithubCrc32),
            "npm-crc32" => Ok(Checksum::NpmCrc32),
            "gitlab-crc32" => Ok(Checksum::GitlabCrc32),
            other => Err(DetectorError::Invalid {
                id: detector.to_string(),
                reason: format!(
                    "unknown checksum {other:?} (known: github-crc32, npm-crc32, gitlab-crc32)"
                ),
            }),
        }
    }

    /// Whether `secret` carries a valid checksum.
    pub fn verify(self, secret: &str) -> bool {
        match self {
            Checksum::GithubCrc32 | Checksum::NpmCrc32 => prefixed_crc32_base62(secret),
            Checksum::GitlabCrc32 => suffixed_crc32_base36(secret),
        }
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Encodes `n` in base62 (`0-9A-Za-z`), left-padded with `0` to `width`.
pub fn base62(mut n: u32, width: usize) -> String {
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while digits.len() < width {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// `prefix_` + 30 random characters + 6-character base62 CRC32 of them.
fn prefixed_crc32_base62(secret: &str) -> bool {
    let Some((_, body)) = secret.split_once('_') else {
        return false;
    };
    if body.len() != 36 || !body.is_ascii() {
        return false;
    }
    let (random, check) = body.split_at(30);
    base62(crc32fast::hash(random.as_bytes()), 6) == check
}

/// Encodes `n` in base36 (`0-9a-z`), left-padded with `0` to `width`.
pub fn base36(mut n: u32, width: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(DIGITS[(n % 36) as usize]);
        n /= 36;
    }
    while digits.len() < width {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// Everything + 7-character zero-padded base36 CRC32 of everything before it
/// (GitLab's routable tokens).
fn suffixed_crc32_base36(secret: &str) -> bool {
    if !secret.is_ascii() || secret.len() < 16 {
        return false;
    }
    let (body, check) = secret.split_at(secret.len() - 7);
    check
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        && base36(crc32fast::hash(body.as_bytes()), 7) == check
}

/// Shannon entropy of `s` in bits per byte.
pub fn shannon_entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let len = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

/// Why a value is an obvious placeholder, or `None` when it looks real.
///
/// Catches template values (`your_token_here`, `<TOKEN>`, `${VAR}`), runs of
/// one character (`xxxx`, `0000`), sequential digits and words that real
/// tokens never contain.
pub fn placeholder_reason(value: &str) -> Option<&'static str> {
    let lower = value.to_ascii_lowercase();
    const WORDS: [&str; 12] = [
        "example",
        "placeholder",
        "your_",
        "your-",
        "yourtoken",
        "changeme",
        "redacted",
        "dummy",
        "sample",
        "xxxxxx",
        "token_here",
        "insert",
    ];
    if WORDS.iter().any(|w| lower.contains(w)) {
        return Some("placeholder text");
    }
    if value.contains(['<', '>', '{', '}', '$', '*']) {
        return Some("template syntax");
    }
    // The random part: what follows the last `_` prefix separator, or all.
    let body = value.rsplit_once('_').map_or(value, |(_, b)| b);
    let body: Vec<u8> = body.bytes().filter(|b| b.is_ascii_alphanumeric()).collect();
    if body.len() >= 8 {
        let first = body[0];
        let same = body.iter().filter(|&&b| b == first).count();
        if same * 10 >= body.len() * 6 {
            return Some("one repeated character");
        }
        let distinct = body.iter().collect::<std::collections::BTreeSet<_>>().len();
        if distinct <= 3 {
            return Some("too few distinct characters");
        }
        if body
            .windows(8)
            .any(|w| w == b"12345678" || w == b"abcdefgh" || w == b"ABCDEFGH")
        {
            return Some("sequential characters");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github_token(random: &str) -> String {
        format!(
            "ghp_{random}{}",
            base62(crc32fast::hash(random.as_bytes()), 6)
        )
    }

    #[test]
    fn github_checksum_accepts_real_and_rejects_tampered() {
        let t = github_token("Kq3vT8mZpL2xR9wN4bY7cH1dJ6fG0s");
        assert!(Checksum::GithubCrc32.verify(&t));
        let mut bad = t.clone();
        bad.replace_range(5..6, "Z");
        assert!(!Checksum::GithubCrc32.verify(&bad));
        assert!(!Checksum::GithubCrc32.verify("ghp_short"));
    }

    #[test]
    fn gitlab_checksum_accepts_real_and_rejects_tampered() {
        let body = "glpat-Vn3kQ8rT2mXw9LpZ4bYc7HdJ1fGs0aEuK5oPi6Ny.01.14";
        let t = format!("{body}{}", base36(crc32fast::hash(body.as_bytes()), 7));
        assert!(Checksum::GitlabCrc32.verify(&t));
        let bad = t.replacen("Vn3k", "Vn3j", 1);
        assert!(!Checksum::GitlabCrc32.verify(&bad));
        assert!(!Checksum::GitlabCrc32.verify("glpat-short"));
        assert_eq!(
            Checksum::parse("gitlab-crc32", "x").unwrap(),
            Checksum::GitlabCrc32
        );
    }

    #[test]
    fn base36_pads() {
        assert_eq!(base36(0, 7), "0000000");
        assert_eq!(base36(35, 2), "0z");
        assert_eq!(base36(36, 2), "10");
    }

    #[test]
    fn base62_pads() {
        assert_eq!(base62(0, 6), "000000");
        assert_eq!(base62(61, 2), "0z");
        assert_eq!(base62(62, 2), "10");
    }

    #[test]
    fn entropy_orders_random_above_repetitive() {
        assert!(shannon_entropy(b"aaaaaaaa") < 0.1);
        assert!(shannon_entropy(b"Kq3vT8mZpL2xR9wN") > 3.5);
    }

    #[test]
    fn placeholders_are_recognised() {
        for p in [
            "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
            "your_token_here",
            "00000000-0000-0000-0000-000000000000",
            "ghp_${GITHUB_TOKEN}",
            "sk_test_1234567890abcdefghij",
            "<RAILWAY_TOKEN>",
        ] {
            assert!(placeholder_reason(p).is_some(), "{p}");
        }
        for real in [
            "ghp_Kq3vT8mZpL2xR9wN4bY7cH1dJ6fG0s1a2b3c",
            "3f2c1a9e-7b4d-4e8a-9c1f-5d6e7f8a9a1e",
        ] {
            assert_eq!(placeholder_reason(real), None, "{real}");
        }
    }
}
