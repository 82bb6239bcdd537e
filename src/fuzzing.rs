//! Entry points for the `cargo fuzz` targets in `fuzz/` and for the stable
//! test that replays their corpus (`tests/fuzz_corpus.rs`); `docs/fuzzing.md`
//! says how to run them.
//!
//! Each function takes arbitrary bytes, runs one parser or decoder on them
//! through its public API and checks what is cheap to check: that nothing
//! panics (the fuzzer's main signal), that spans and positions lie inside
//! the input, and that decoding the same input twice agrees. Inputs that
//! must be text are skipped when they are not UTF-8: every real caller
//! reads text with `read_to_string` or gets it from a regex match on text.
//!
//! Decoders of base64 payloads are fed both ways: the raw bytes as the
//! token, or (selected by the first byte) the bytes as the decoded payload,
//! wrapped into a token of the right shape here, so that the fuzzer mutates
//! the binary or JSON structure instead of its base64 spelling.

use crate::config::Config;
use crate::detectors::spec::DetectorFile;
use crate::detectors::{check, Detector, DetectorSet, RawMatch};
use crate::exposure::{Exposure, GitStatus, Location};
use crate::gitleaks::{expr, re2};
use crate::home::{self, Format};
use crate::providers::{self, cloudflare, flyio, gitlab, kubernetes, pypi, sentry, supabase};
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use std::path::Path;
use std::sync::OnceLock;

/// The built-in detectors, compiled once per process.
fn builtin() -> &'static DetectorSet {
    static SET: OnceLock<DetectorSet> = OnceLock::new();
    SET.get_or_init(|| DetectorSet::builtin().expect("built-in detectors should compile"))
}

/// `data` as text, or `None` when it is not UTF-8.
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// A detector file (`detectors/<provider>.toml`, `--detectors`): parsed,
/// each detector compiled and assembled into a set as `detectors check`
/// loads them, then self-tested with [`check::check_all`] (which runs every
/// example through the matching pipeline).
///
/// The set holds only the file's own detectors (a `detectors check` run adds
/// the built-in ones, which would only slow each input down); the parsing
/// is `detectors::parse_file`'s, which is private.
///
/// Invariants: no panic; every detector of the set keeps its spec's id.
pub fn detector_file(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let Ok(file) = toml::from_str::<DetectorFile>(text) else {
        return;
    };
    let ids: Vec<String> = file.detectors.iter().map(|s| s.id.clone()).collect();
    let Ok(detectors) = file
        .detectors
        .into_iter()
        .map(|spec| Detector::compile(spec, "fuzz.toml"))
        .collect::<Result<Vec<_>, _>>()
    else {
        return;
    };
    let Ok(set) = DetectorSet::from_detectors(detectors) else {
        return;
    };
    let loaded: Vec<&str> = set.detectors().iter().map(|d| d.id.as_str()).collect();
    assert_eq!(loaded, ids, "detector ids changed while compiling");
    let report = check::check_all(&set);
    for line in report.problems.iter().chain(&report.warnings) {
        assert!(!line.is_empty(), "empty check message");
    }
}

/// `blastradius.toml`: [`Config::parse`], then compiled into a
/// [`Policy`](crate::policy::Policy) against the built-in detectors, as a
/// scan does.
///
/// Invariants: no panic; every `[[allow]]` entry's line lies in the file;
/// an error message names the file.
pub fn config(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let lines = text.matches('\n').count() + 1;
    let cfg = match Config::parse(text.to_string(), Path::new("fuzz/blastradius.toml")) {
        Ok(cfg) => cfg,
        Err(e) => {
            assert!(e.to_string().contains("blastradius.toml"), "{e}");
            return;
        }
    };
    for (i, a) in cfg.allow.iter().enumerate() {
        assert!(cfg.line_of(a.span().start) <= lines);
        assert!(!cfg.describe_allow(i).is_empty());
    }
    let today = time::macros::date!(2026 - 01 - 01);
    if let Err(e) = crate::policy::Policy::new(&cfg, builtin(), today) {
        assert!(e.to_string().contains("blastradius.toml"), "{e}");
    }
}

/// Relative paths the matcher target scans under: some built-in detectors
/// only apply to files with these names.
const MATCHER_PATHS: [&str; 8] = [
    ".kube/config",
    ".npmrc",
    ".aws/credentials",
    ".docker/config.json",
    "config/database.yml",
    ".netrc",
    "datadog.yaml",
    ".pypirc",
];

/// The built-in detector set over arbitrary bytes, through
/// [`DetectorSet::find`] and [`scan::find_candidates`](crate::scan::find_candidates).
/// A first byte below 8 selects one of a few file names some detectors are
/// tied to (and is not part of the file); otherwise the file is `app/.env`.
///
/// Invariants: no panic; every match span lies inside the input; the
/// candidates are the matches, in
/// file order, with the line of their start, a 1-based column and the
/// matched bytes as the secret.
pub fn matcher(data: &[u8]) {
    let (path, data) = match data.split_first() {
        Some((&b, rest)) if b < 8 => (MATCHER_PATHS[usize::from(b)], rest),
        _ => ("app/.env", data),
    };
    let set = builtin();
    let mut raw: Vec<RawMatch> = Vec::new();
    set.find(path, data, &mut raw);
    for m in &raw {
        assert!(
            m.start <= m.end && m.end <= data.len(),
            "span {m:?} outside input"
        );
        assert!(m.detector < set.detectors().len(), "detector index {m:?}");
    }
    let found = crate::scan::find_candidates(set, path, data, || Exposure {
        git: GitStatus::None,
        agent_ignored_by: Vec::new(),
        location: Location::Workspace,
    });
    assert_eq!(found.len(), raw.len(), "candidates differ from matches");
    // Candidates come in file order (a stable sort of the matches).
    raw.sort_by_key(|m| (m.start, m.end));
    let newlines: Vec<usize> = memchr::memchr_iter(b'\n', data).collect();
    for (c, m) in found.iter().zip(&raw) {
        assert_eq!(c.detector, m.detector);
        let line = 1 + newlines.partition_point(|&i| i < m.start);
        assert_eq!(c.line, line, "line of {m:?}");
        assert!(c.column >= 1);
        // `assert!`, not `assert_eq!`: a failure must not print the secret.
        let matched = String::from_utf8_lossy(&data[m.start..m.end]);
        assert!(c.secret.expose() == matched, "secret of {m:?}");
    }
}

/// JWTs: [`providers::jwt_claims`] and [`supabase::decode_jwt`]. A first byte
/// `0x00` makes the rest the payload of a JWT built here (base64url, with a
/// fixed header and signature); otherwise the whole input is the token.
///
/// Invariants: no panic; the claims are a JSON object; a Supabase key's
/// role is the generic decoder's `role` claim.
pub fn jwt(data: &[u8]) {
    let token = match data.split_first() {
        Some((0, payload)) => format!(
            "eyJhbGciOiJIUzI1NiJ9.{}.c2ln",
            URL_SAFE_NO_PAD.encode(payload)
        ),
        _ => match text(data) {
            Some(t) => t.to_string(),
            None => return,
        },
    };
    let claims = providers::jwt_claims(&token);
    if let Some(c) = &claims {
        assert!(c.is_object());
    }
    if let Some(k) = supabase::decode_jwt(&token) {
        let role = claims
            .as_ref()
            .and_then(|c| c.get("role"))
            .and_then(|r| r.as_str());
        assert_eq!(role, Some(k.role.as_str()), "{k:?}");
        assert_eq!(supabase::decode_jwt(&token), Some(k));
    }
}

/// Macaroons: [`flyio::decode`] and [`pypi::decode`]. The first byte selects
/// the form: `0` a `FlyV1 fm2_<base64>` token of the rest, `1` a
/// `pypi-<base64url>` token of the rest, `2` two Fly macaroons split at the
/// middle; otherwise the whole input is offered to both as the token.
///
/// Invariants: no panic; decoding is deterministic.
pub fn macaroon(data: &[u8]) {
    let (fly, pypi_token) = match data.split_first() {
        Some((0, rest)) => (Some(format!("FlyV1 fm2_{}", STANDARD.encode(rest))), None),
        Some((1, rest)) => (None, Some(format!("pypi-{}", URL_SAFE_NO_PAD.encode(rest)))),
        Some((2, rest)) => {
            let (a, b) = rest.split_at(rest.len() / 2);
            let token = format!(
                "FlyV1 fm2_{},fm2_{}",
                STANDARD_NO_PAD.encode(a),
                STANDARD_NO_PAD.encode(b)
            );
            (Some(token), None)
        }
        _ => match text(data) {
            Some(t) => (Some(t.to_string()), Some(t.to_string())),
            None => return,
        },
    };
    if let Some(t) = fly {
        let scope = flyio::decode(&t);
        assert_eq!(scope, flyio::decode(&t));
    }
    if let Some(t) = pypi_token {
        let m = pypi::decode(&t);
        assert_eq!(m, pypi::decode(&t));
    }
}

/// `n` in base 36 (lowercase), left-padded with zeros to `width` digits.
fn base36(mut n: u64, width: usize) -> String {
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(b"0123456789abcdefghijklmnopqrstuvwxyz"[(n % 36) as usize]);
        n /= 36;
    }
    while digits.len() < width {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).expect("base 36 digits are ASCII")
}

/// Routable tokens: [`gitlab::decode_routable`], [`sentry::decode_org_token`]
/// and [`cloudflare::decode_tunnel`]. The first byte selects the form: `0` a
/// `glpat-` token with a valid length and CRC around the rest, `1` a
/// `sntrys_` token of the rest, `2` a tunnel token of the rest; otherwise the
/// whole input is offered to all three as the token.
///
/// Invariants: no panic; decoding is deterministic; a GitLab token built
/// here whose payload holds `c:1` style pairs is read back.
pub fn routable(data: &[u8]) {
    let mut tokens: Vec<(u8, String)> = Vec::new();
    match data.split_first() {
        Some((0, rest)) => {
            let b64 = URL_SAFE_NO_PAD.encode(rest);
            if b64.len() < 36 * 36 {
                let before = format!("glpat-{b64}.01.{}", base36(b64.len() as u64, 2));
                let crc = base36(u64::from(crc32fast::hash(before.as_bytes())), 7);
                tokens.push((0, format!("{before}{crc}")));
            }
        }
        Some((1, rest)) => tokens.push((1, format!("sntrys_{}_c2VjcmV0", STANDARD.encode(rest)))),
        Some((2, rest)) => tokens.push((2, STANDARD.encode(rest))),
        _ => {
            let Some(t) = text(data) else { return };
            tokens.extend((0..3).map(|k| (k, t.to_string())));
        }
    }
    for (kind, t) in tokens {
        match kind {
            0 => assert_eq!(gitlab::decode_routable(&t), gitlab::decode_routable(&t)),
            1 => assert_eq!(sentry::decode_org_token(&t), sentry::decode_org_token(&t)),
            _ => assert_eq!(cloudflare::decode_tunnel(&t), cloudflare::decode_tunnel(&t)),
        }
    }
}

/// kubeconfig: the `--home` store parser for `~/.kube/config` (YAML), and
/// the certificate reader: [`kubernetes::parse_certificate`] on the raw
/// bytes as DER, and [`kubernetes::certificate_from_data`] on every value
/// the parser extracts.
///
/// Invariants: no panic; every extracted non-empty value's line lies in the
/// file (YAML line breaks) and its column is 1-based; its variable starts
/// with `users.`.
pub fn kubeconfig(data: &[u8]) {
    if let Some(info) = kubernetes::parse_certificate(data) {
        assert_eq!(kubernetes::parse_certificate(data), Some(info));
    }
    let Some(text) = text(data) else { return };
    // YAML ends a line at `\n`, `\r\n` or a lone `\r`.
    let lines = text.replace("\r\n", "\n").split(['\n', '\r']).count();
    for (value, variable, line, column) in home::extract_for_fuzzing(Format::Kubeconfig, text) {
        assert!(variable.starts_with("users."), "{variable}");
        // An empty value (dropped by the caller) may sit at the end of
        // the stream, a line past the last one.
        if !value.trim().is_empty() {
            assert!(line >= 1 && line <= lines, "line {line} of {lines}");
        }
        assert!(column >= 1);
        let _ = kubernetes::certificate_from_data(&value);
    }
}

/// A repetition `{0}` or `{0,0}` (any number of zeros).
fn zero_repetition() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"\{0+(?:,0+)?\}").expect("constant regex"))
}

/// Gitleaks support: the RE2 → Rust regex translator
/// ([`re2::translate_counting`]) and the Expr filter parser
/// ([`expr::parse_filter`]), both on the whole input.
///
/// Invariants: no panic; a translation that Rust's regex parser accepts has
/// as many capture groups as the translator counted (fewer only when a
/// group is repeated zero times, which Go still counts).
pub fn gitleaks_regex(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok((rust, groups)) = re2::translate_counting(text) {
        // A zero size limit stops right after parsing, as `LazyRegex` does.
        let parsed = regex::bytes::RegexBuilder::new(&rust).size_limit(0).build();
        if let Err(regex::Error::Syntax(_)) = parsed {
            return;
        }
        if let Ok(re) = regex::bytes::RegexBuilder::new(&rust)
            .size_limit(1 << 16)
            .build()
        {
            // Rust's regex drops groups repeated zero times (`(a){0}`) from
            // its count when no group follows them; Go counts them, and
            // gitleaks' `secretGroup` numbers groups as Go does.
            let rust_groups = re.captures_len() - 1;
            assert!(rust_groups <= groups, "{text:?} -> {rust:?}");
            if !zero_repetition().is_match(&rust) {
                assert_eq!(rust_groups, groups, "{text:?} -> {rust:?}");
            }
        }
    }
    let _ = expr::parse_filter(text);
}
