//! PyPI: API tokens are macaroons (`pypi-` + base64 of a libmacaroons v2
//! binary), and their caveats say offline what they may upload to: every
//! project of the user, or a list of projects; until when; and whether it is
//! a short-lived trusted-publishing token. PyPI has no read-only endpoint to
//! tell whether a token is live (scanners that check use a deliberately
//! failing upload, a write), so nothing is ever sent.

use super::http::{RequestSpec, Session};
use super::{b64_decode_lenient, rfc3339_from_unix, unix_is_past, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use serde_json::Value;

/// The PyPI provider.
pub struct PyPi;

/// What a token's caveats restrict it to.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Macaroon {
    /// The macaroon's location (`pypi.org`, `test.pypi.org`).
    pub location: String,
    /// `Some` when limited to these projects (names or ids).
    pub projects: Option<Vec<String>>,
    /// The user the token is bound to (user-wide tokens).
    pub user: Option<String>,
    /// Set for trusted-publishing (OIDC) tokens.
    pub oidc_publisher: Option<String>,
    /// Expiry, Unix seconds.
    pub expires: Option<i64>,
    /// Caveats not understood, counted.
    pub unknown_caveats: usize,
}

/// Reads one unsigned LEB128 varint.
fn varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = *data.get(*pos)?;
        *pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Reads one v2 field: `(type, data)`; the end-of-section marker is type 0
/// with no length.
fn field<'a>(data: &'a [u8], pos: &mut usize) -> Option<(u64, &'a [u8])> {
    let kind = varint(data, pos)?;
    if kind == 0 {
        return Some((0, &[]));
    }
    let len = usize::try_from(varint(data, pos)?).ok()?;
    let end = pos.checked_add(len)?;
    let bytes = data.get(*pos..end)?;
    *pos = end;
    Some((kind, bytes))
}

const LOCATION: u64 = 1;
const IDENTIFIER: u64 = 2;

/// Parses a libmacaroons v2 binary macaroon into its location and the
/// identifiers of its caveats.
fn parse_v2(data: &[u8]) -> Option<(String, Vec<Vec<u8>>)> {
    if data.first() != Some(&2) {
        return None;
    }
    let mut pos = 1;
    let mut location = String::new();
    // Header section: optional location, identifier, end.
    loop {
        match field(data, &mut pos)? {
            (0, _) => break,
            (LOCATION, v) => location = String::from_utf8_lossy(v).into_owned(),
            (IDENTIFIER, _) => {}
            _ => return None,
        }
    }
    // Caveats, each ended by an end marker; an empty section ends them.
    let mut caveats = Vec::new();
    loop {
        let mut id: Option<Vec<u8>> = None;
        let mut fields = 0;
        loop {
            match field(data, &mut pos)? {
                (0, _) => break,
                (IDENTIFIER, v) => id = Some(v.to_vec()),
                (LOCATION | 4, _) => {}
                _ => return None,
            }
            fields += 1;
        }
        if fields == 0 {
            break;
        }
        caveats.push(id?);
    }
    // The signature follows; it cannot be checked offline.
    matches!(field(data, &mut pos)?, (6, s) if !s.is_empty()).then_some((location, caveats))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Decodes a `pypi-` token's caveats (warehouse `macaroons/caveats`).
pub fn decode(secret: &str) -> Option<Macaroon> {
    let body = secret.strip_prefix("pypi-")?;
    let (location, caveats) = parse_v2(&b64_decode_lenient(body)?)?;
    let mut m = Macaroon {
        location,
        ..Macaroon::default()
    };
    let restrict = |list: Vec<String>, m: &mut Macaroon| {
        let p = m.projects.get_or_insert_with(Vec::new);
        for name in list {
            if !p.contains(&name) {
                p.push(name);
            }
        }
    };
    for c in caveats {
        let Ok(v) = serde_json::from_slice::<Value>(&c) else {
            m.unknown_caveats += 1;
            continue;
        };
        match &v {
            // Current caveats: [tag, ...].
            Value::Array(a) => match a.first().and_then(Value::as_u64) {
                Some(0) => {
                    let exp = a.get(1).and_then(Value::as_i64);
                    m.expires = match (m.expires, exp) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
                Some(1) => restrict(strings(a.get(1).unwrap_or(&Value::Null)), &mut m),
                Some(2) => {
                    // Project ids: only counted when names are not given.
                    if m.projects.is_none() {
                        let ids = strings(a.get(1).unwrap_or(&Value::Null));
                        restrict(ids.into_iter().map(|i| format!("id {i}")).collect(), &mut m);
                    }
                }
                Some(3) => m.user = a.get(1).and_then(Value::as_str).map(str::to_string),
                Some(4) => {
                    m.oidc_publisher = Some(
                        a.get(1)
                            .and_then(Value::as_str)
                            .unwrap_or("trusted publisher")
                            .to_string(),
                    )
                }
                _ => m.unknown_caveats += 1,
            },
            // Legacy caveats: {"version": 1, "permissions": ...}, {"exp", "nbf"}.
            Value::Object(o) => {
                if let Some(p) = o.get("permissions") {
                    match p {
                        Value::String(s) if s == "user" => {}
                        Value::Object(po) => {
                            restrict(strings(po.get("projects").unwrap_or(&Value::Null)), &mut m)
                        }
                        _ => m.unknown_caveats += 1,
                    }
                } else if let Some(exp) = o.get("exp").and_then(Value::as_i64) {
                    m.expires = Some(m.expires.map_or(exp, |e| e.min(exp)));
                } else {
                    m.unknown_caveats += 1;
                }
            }
            _ => m.unknown_caveats += 1,
        }
    }
    Some(m)
}

impl Provider for PyPi {
    fn id(&self) -> &'static str {
        "pypi"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &[]
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let Some(m) = decode(token.secret.expose()) else {
            let mut f = super::detector_worst_case(token.detector);
            f.capabilities.insert(Capability::PublishPackages);
            f.notes.push(
                "not a decodable PyPI macaroon: scored as a user-wide upload token, the worst it can be"
                    .into(),
            );
            return f;
        };
        let test = m.location.contains("test.pypi.org");
        let index = if m.location.is_empty() {
            "pypi.org".to_string()
        } else {
            m.location.clone()
        };
        let mut f = ScopeFacts {
            capabilities: [Capability::PublishPackages].into_iter().collect(),
            environments: vec![Environment {
                name: index.clone(),
                tier: if test { Tier::Test } else { Tier::Production },
            }],
            expires_at: m.expires.and_then(rfc3339_from_unix),
            ..ScopeFacts::default()
        };
        let site = if test { "TestPyPI" } else { "PyPI" };
        match (&m.oidc_publisher, &m.projects) {
            (Some(_), _) => {
                f.token_kind = format!("{site} trusted-publishing token (short-lived)");
                f.breadth = Some(Breadth::Project);
                f.notes
                    .push("minted by trusted publishing (OIDC); valid for minutes".into());
            }
            (None, Some(projects)) => {
                f.token_kind = format!("{site} API token (project-scoped)");
                f.breadth = Some(Breadth::Project);
                f.resources
                    .extend(projects.iter().map(|p| format!("project {p}")));
                f.permissions
                    .extend(projects.iter().map(|p| format!("upload to {p}")));
            }
            (None, None) => {
                f.token_kind = format!("{site} API token (user-wide)");
                f.breadth = Some(Breadth::Account);
                f.permissions
                    .push("upload to every project of its user".into());
                if let Some(u) = &m.user {
                    f.identity = Some(format!("user {u}"));
                }
            }
        }
        if m.unknown_caveats > 0 {
            f.notes.push(format!(
                "{} caveat(s) not understood; they can only narrow the token",
                m.unknown_caveats
            ));
        }
        f.notes.push(
            "API tokens upload releases; deleting releases or projects needs the web UI".into(),
        );
        f.notes.push(
            "PyPI has no read-only endpoint to check a token: whether it is revoked is unknown"
                .into(),
        );
        f
    }

    fn introspect(&self, token: &Token<'_>, _session: &Session<'_>) -> Verdict {
        if let Some(exp) = decode(token.secret.expose()).and_then(|m| m.expires) {
            if unix_is_past(exp) {
                return Verdict::invalid(format!(
                    "expired {} (macaroon caveat); nothing sent",
                    rfc3339_from_unix(exp).unwrap_or_default()
                ));
            }
        }
        Verdict::skipped("PyPI has no read-only endpoint; offline evidence only (macaroon caveats)")
    }

    fn remediation(&self, _token: &Token<'_>, facts: &ScopeFacts) -> String {
        let base = "Publish from CI with trusted publishing (https://docs.pypi.org/trusted-publishers/) so no \
                    long-lived token exists";
        if facts.breadth == Some(Breadth::Account) {
            format!(
                "{base}; otherwise replace this user-wide token with one scoped to the single project the task \
                 publishes (https://pypi.org/manage/account/token/) and revoke this one."
            )
        } else {
            format!(
                "{base}; keep project-scoped tokens out of the workspace and revoke this one when done \
                 (https://pypi.org/manage/account/)."
            )
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::Engine;

    fn put_field(out: &mut Vec<u8>, kind: u8, data: &[u8]) {
        out.push(kind);
        let mut n = data.len();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
        out.extend_from_slice(data);
    }

    /// A v2 macaroon with these first-party caveats, as a `pypi-` token.
    pub(crate) fn token(location: &str, caveats: &[&str]) -> String {
        let mut b = vec![2u8];
        put_field(&mut b, 1, location.as_bytes());
        put_field(&mut b, 2, b"9f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b");
        b.push(0);
        for c in caveats {
            put_field(&mut b, 2, c.as_bytes());
            b.push(0);
        }
        b.push(0);
        put_field(&mut b, 6, &[0x5a; 32]);
        format!(
            "pypi-{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
        )
    }

    #[test]
    fn prefix_matches_the_documented_form() {
        assert!(token("pypi.org", &[]).starts_with("pypi-AgEIcHlwaS5vcmc"));
        assert!(token("test.pypi.org", &[]).starts_with("pypi-AgENdGVzdC5weXBpLm9yZw"));
    }

    #[test]
    fn user_wide_legacy_token() {
        let t = token("pypi.org", &[r#"{"version": 1, "permissions": "user"}"#]);
        let m = decode(&t).unwrap();
        assert_eq!(m.location, "pypi.org");
        assert_eq!(m.projects, None);
        assert_eq!(m.expires, None);
    }

    #[test]
    fn project_scoped_tokens_legacy_and_current() {
        let t = token(
            "pypi.org",
            &[r#"{"version": 1, "permissions": {"projects": ["acme-sdk"]}}"#],
        );
        assert_eq!(decode(&t).unwrap().projects, Some(vec!["acme-sdk".into()]));
        let t = token(
            "pypi.org",
            &[
                r#"[1,["acme-sdk","acme-cli"]]"#,
                r#"[2,["0b5e1f3c-1111-4222-8333-444455556666"]]"#,
                r#"[0,1700000000,1690000000]"#,
            ],
        );
        let m = decode(&t).unwrap();
        assert_eq!(
            m.projects,
            Some(vec!["acme-sdk".to_string(), "acme-cli".to_string()])
        );
        assert_eq!(m.expires, Some(1_700_000_000));
    }

    #[test]
    fn user_bound_and_trusted_publishing() {
        let m = decode(&token(
            "pypi.org",
            &[r#"[3,"7e1d0c5a-aaaa-4bbb-8ccc-dddddddddddd"]"#],
        ))
        .unwrap();
        assert_eq!(
            m.user.as_deref(),
            Some("7e1d0c5a-aaaa-4bbb-8ccc-dddddddddddd")
        );
        let m = decode(&token(
            "pypi.org",
            &[r#"[4,"publisher-id"]"#, r#"[1,["acme-sdk"]]"#],
        ))
        .unwrap();
        assert!(m.oidc_publisher.is_some());
    }

    #[test]
    fn garbage_is_not_a_macaroon() {
        assert_eq!(
            decode("pypi-AgEIcHlwaS5vcmcHz5r1pY4OjE2jBMptUsGr7CmY"),
            None
        );
        assert_eq!(decode("pypi-!!!"), None);
        assert_eq!(decode("npm_abc"), None);
        // Truncated: header only.
        let t = token("pypi.org", &[]);
        assert_eq!(decode(&t[..20]), None);
    }

    #[test]
    fn varints_longer_than_one_byte() {
        let long = format!(r#"[1,["{}"]]"#, "p".repeat(300));
        let m = decode(&token("pypi.org", &[&long])).unwrap();
        assert_eq!(m.projects.unwrap()[0].len(), 300);
    }
}
