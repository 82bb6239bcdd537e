//! A workspace with many distinct provider tokens and a replay scenario
//! that answers for all of them slowly: the introspection load test and
//! benchmark (`examples/introspection_bench.rs`) share it.
#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;

/// `n` distinct GitHub classic tokens with valid checksums.
pub fn github_tokens(n: usize) -> Vec<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            let random: String = (0..30)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    ALPHABET[(seed % ALPHABET.len() as u64) as usize] as char
                })
                .collect();
            let sum = blastradius::detectors::gates::base62(crc32fast::hash(random.as_bytes()), 6);
            format!("ghp_{random}{sum}")
        })
        .collect()
}

/// Writes every token twice, in two files (the second copy must not cost a
/// second request chain).
pub fn write_workspace(dir: &Path, tokens: &[String]) {
    for (i, t) in tokens.iter().enumerate() {
        let sub = dir.join(format!("svc{:03}", i));
        std::fs::create_dir_all(&sub).expect("create workspace");
        std::fs::write(sub.join(".env"), format!("GITHUB_TOKEN={t}\n")).expect("write .env");
        std::fs::write(sub.join("deploy.sh"), format!("export GH_TOKEN={t}\n"))
            .expect("write deploy.sh");
    }
}

/// GitHub's live answers (from `fixtures/http/providers/github.json`),
/// each delayed by `delay_ms`.
pub fn github_scenario(root: &Path, delay_ms: u64) -> Value {
    let path = root.join("fixtures/http/providers/github.json");
    let text = std::fs::read_to_string(&path).expect("read github fixture");
    let fixture: Value = serde_json::from_str(&text).expect("github fixture is JSON");
    let mut routes = fixture["cases"]["live"]["routes"].clone();
    for r in routes.as_array_mut().expect("routes") {
        r["delay_ms"] = delay_ms.into();
    }
    serde_json::json!({ "routes": routes })
}

/// How many requests carried each token: every token should appear in the
/// same number (its one chain).
pub fn requests_per_token(requests: &[super::replay::Recorded], tokens: &[String]) -> Vec<usize> {
    tokens
        .iter()
        .map(|t| {
            requests
                .iter()
                .filter(|r| r.headers.iter().any(|(_, v)| v.contains(t.as_str())))
                .count()
        })
        .collect()
}
