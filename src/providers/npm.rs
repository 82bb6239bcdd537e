//! npm: `GET /-/whoami` says whose token it is; the token list
//! (`GET /-/npm/v1/tokens`) says whether it is read-only, a publish token or
//! an automation token (which bypasses two-factor authentication), and its
//! CIDR restriction, matched on the truncated token shown there. The
//! packages its owner maintains are its supply-chain reach.

use super::http::{Method, RequestKind, RequestSpec, Response, Session};
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use serde_json::Value;

/// The npm provider.
pub struct Npm;

const HOST: &str = "registry.npmjs.org";

const WHOAMI: RequestSpec = RequestSpec {
    id: "npm.whoami",
    method: Method::Get,
    host: HOST,
    path: "/-/whoami",
    kind: RequestKind::Rest,
    purpose: "is the token live, and whose",
};
const TOKENS: RequestSpec = RequestSpec {
    id: "npm.tokens",
    method: Method::Get,
    host: HOST,
    path: "/-/npm/v1/tokens",
    kind: RequestKind::Rest,
    purpose: "the token's kind: read-only, publish or automation, and CIDR restriction",
};
const USER: RequestSpec = RequestSpec {
    id: "npm.user",
    method: Method::Get,
    host: HOST,
    path: "/-/npm/v1/user",
    kind: RequestKind::Rest,
    purpose: "whether the owner requires two-factor authentication for writes",
};
const PACKAGES: RequestSpec = RequestSpec {
    id: "npm.maintained-packages",
    method: Method::Get,
    host: HOST,
    path: "/-/v1/search",
    kind: RequestKind::Rest,
    purpose: "packages the owner maintains (public search)",
};

static REQUESTS: [RequestSpec; 4] = [WHOAMI, TOKENS, USER, PACKAGES];

fn get(
    session: &Session<'_>,
    spec: &RequestSpec,
    token: &Token<'_>,
    query: Option<String>,
) -> Result<Response, Verdict> {
    super::get(session, spec, vec![super::bearer(token)], None, query)
}

/// The token-list entry for this token: its `key` is the SHA-512 of the
/// token (an exact match); failing that, its `token` field is the token's
/// first characters, which must be a prefix of the secret for one entry only.
fn own_entry<'a>(objects: &'a [Value], secret: &str) -> Option<&'a Value> {
    use sha2::{Digest, Sha512};
    let digest: String = Sha512::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if let Some(e) = objects.iter().find(|o| {
        o.get("key")
            .and_then(Value::as_str)
            .is_some_and(|k| k.eq_ignore_ascii_case(&digest))
    }) {
        return Some(e);
    }
    let matches: Vec<&Value> = objects
        .iter()
        .filter(|o| {
            o.get("token").and_then(Value::as_str).is_some_and(|t| {
                let shown = t.trim_end_matches(['…', '.']);
                shown.len() >= 4 && secret.starts_with(shown)
            })
        })
        .collect();
    (matches.len() == 1).then(|| matches[0])
}

/// Percent-encodes a user name for a query string.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Provider for Npm {
    fn id(&self) -> &'static str {
        "npm"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = super::detector_worst_case(token.detector);
        f.capabilities
            .extend([Capability::PublishPackages, Capability::DeleteData]);
        f.environments = vec![Environment {
            name: "registry.npmjs.org (the public registry)".into(),
            tier: Tier::Production,
        }];
        f.notes.push(
            "kind unknown offline (read-only, publish, automation or granular): scored as an automation token, \
             which publishes without two-factor authentication"
                .into(),
        );
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let resp = match get(session, &WHOAMI, token, None) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let body = resp.json();
        let user = match (resp.status, &body) {
            (200, Some(b)) if b.get("username").and_then(Value::as_str).is_some() => b
                .get("username")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            (401, Some(b)) if b.get("error").is_some() || b.get("message").is_some() => {
                return Verdict::invalid(
                    "npm rejected the token (HTTP 401: revoked, expired or wrong)",
                )
            }
            _ => return unexpected(&resp, WHOAMI.id),
        };
        let mut facts = self.offline(token);
        facts.identity = Some(user.clone());
        facts.breadth = Some(Breadth::Account);
        let mut kind_known = false;
        match get(session, &TOKENS, token, Some("perPage=100".into())) {
            Ok(r) if r.status == 200 => {
                let objects = r
                    .json()
                    .and_then(|j| j.get("objects").and_then(Value::as_array).cloned())
                    .unwrap_or_default();
                if let Some(e) = own_entry(&objects, token.secret.expose()) {
                    kind_known = true;
                    let flag = |k: &str| e.get(k).and_then(Value::as_bool).unwrap_or(false);
                    let (readonly, automation) = (flag("readonly"), flag("automation"));
                    facts.assumed = false;
                    facts.notes.clear();
                    if readonly {
                        facts.token_kind = "read-only token".into();
                        facts.capabilities = [Capability::ReadData].into_iter().collect();
                        facts.permissions.push("read-only".into());
                    } else {
                        facts.token_kind = if automation {
                            "automation token (bypasses two-factor authentication)".into()
                        } else {
                            "publish token".into()
                        };
                        facts.capabilities = [
                            Capability::PublishPackages,
                            Capability::DeleteData,
                            Capability::ReadData,
                        ]
                        .into_iter()
                        .collect();
                        facts.permissions.push(if automation {
                            "publish (automation)".into()
                        } else {
                            "publish".into()
                        });
                    }
                    match e.get("cidr_whitelist").and_then(Value::as_array) {
                        Some(c) if !c.is_empty() => {
                            let list: Vec<&str> = c.iter().filter_map(Value::as_str).collect();
                            facts
                                .notes
                                .push(format!("usable only from {}", list.join(", ")));
                        }
                        _ => {}
                    }
                }
            }
            Ok(r) => facts.notes.push(format!(
                "token list not readable (HTTP {}): granular tokens cannot read it",
                r.status
            )),
            Err(v) => facts
                .notes
                .push(format!("token list not readable: {}", v.detail)),
        }
        if !kind_known {
            facts.token_kind = "token (kind unknown: publish or granular)".into();
            facts.notes.push(
                "permissions unknown: not found in the token list; a granular token's packages and expiry cannot \
                 be read with it"
                    .into(),
            );
        }
        if facts.capabilities.contains(&Capability::PublishPackages) {
            if let Ok(r) = get(session, &USER, token, None) {
                let mode = r.json().filter(|_| r.status == 200).and_then(|j| {
                    j.pointer("/tfa/mode")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
                if mode.as_deref() == Some("auth-and-writes")
                    && !facts.token_kind.starts_with("automation")
                {
                    facts.notes.push(
                        "the owner requires two-factor authentication for writes: publishing with this token needs \
                         a one-time password unless it is an automation or bypass-2FA granular token"
                            .into(),
                    );
                }
            }
            let q = format!("text=maintainer:{}&size=250", encode(&user));
            if let Ok(r) = get(session, &PACKAGES, token, Some(q)) {
                if let Some(j) = r.json().filter(|_| r.status == 200) {
                    let names: Vec<&str> = j
                        .get("objects")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|o| o.pointer("/package/name").and_then(Value::as_str))
                        .collect();
                    let total = j
                        .get("total")
                        .and_then(Value::as_u64)
                        .unwrap_or(names.len() as u64);
                    if total > 0 {
                        facts.resources.push(format!(
                            "{total} package(s) maintained: {}",
                            names
                                .iter()
                                .take(10)
                                .copied()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                }
            }
        }
        Verdict::live(format!("{} of {user}", facts.token_kind), facts)
    }

    fn remediation(&self, _token: &Token<'_>, facts: &ScopeFacts) -> String {
        if facts.token_kind == "read-only token" {
            return "Read-only: prefer a granular token limited to the packages the task installs, with an expiry \
                    (https://www.npmjs.com/settings/~/tokens/granular-access-tokens/new)."
                .into();
        }
        "Publish from CI with trusted publishing (provenance), or mint a granular access token limited to the one \
         package, with an expiry and two-factor authentication kept on \
         (https://www.npmjs.com/settings/~/tokens/granular-access-tokens/new); then revoke this token (npm token revoke)."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn own_entry_matches_a_unique_prefix() {
        let secret = "npm_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAbCd";
        let objects = vec![
            json!({"token": "npm_Ab3d…", "readonly": false}),
            json!({"token": "npm_Zz9y…", "readonly": true}),
        ];
        assert_eq!(own_entry(&objects, secret).unwrap()["readonly"], false);
        let ambiguous = vec![json!({"token": "npm_Ab3d"}), json!({"token": "npm_Ab3dE"})];
        assert!(own_entry(&ambiguous, secret).is_none());
        assert!(own_entry(&[json!({"token": "npm"})], secret).is_none());
        // The key (SHA-512 of the token) wins over an ambiguous prefix.
        use sha2::{Digest, Sha512};
        let key: String = Sha512::digest(secret.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let keyed = vec![
            json!({"token": "npm_Ab", "key": "00", "readonly": true}),
            json!({"token": "npm_Ab", "key": key, "readonly": false}),
        ];
        assert_eq!(own_entry(&keyed, secret).unwrap()["readonly"], false);
    }

    #[test]
    fn user_names_are_encoded() {
        assert_eq!(encode("alice"), "alice");
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }
}
