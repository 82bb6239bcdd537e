//! Sentry: organization tokens (`sntrys_`) carry their organization, instance
//! URL and region in a base64 JSON payload, readable offline; their scope is
//! fixed to CI work (releases and source maps). User tokens (`sntryu_`, and
//! legacy 64-hex tokens) are asked `GET /api/0/`, which answers with the
//! token's scopes and user, then which organizations and projects they reach.
//! Self-hosted Sentry instances are never contacted: their host is not in
//! the request catalog.

use super::bearer_get as get;
use super::http::{Method, RequestKind, RequestSpec, Session};
use super::{b64_decode_lenient, unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, ScopeFacts};
use serde_json::Value;

/// The Sentry provider.
pub struct Sentry;

const HOST: &str = "sentry.io";

const INDEX: RequestSpec = RequestSpec {
    id: "sentry.api-index",
    method: Method::Get,
    host: HOST,
    path: "/api/0/",
    kind: RequestKind::Rest,
    purpose: "is the token live, its scopes and its user",
};
const ORGS: RequestSpec = RequestSpec {
    id: "sentry.organizations",
    method: Method::Get,
    host: HOST,
    path: "/api/0/organizations/",
    kind: RequestKind::Rest,
    purpose: "organizations the token's user belongs to",
};
const PROJECTS: RequestSpec = RequestSpec {
    id: "sentry.org-projects",
    method: Method::Get,
    host: HOST,
    path: "/api/0/organizations/{org}/projects/",
    kind: RequestKind::Rest,
    purpose: "projects of each organization",
};

static REQUESTS: [RequestSpec; 3] = [INDEX, ORGS, PROJECTS];

/// Most organizations whose projects are listed.
const MAX_ORGS: usize = 5;

/// What an organization token's payload says.
#[derive(Debug, PartialEq, Eq)]
pub struct OrgToken {
    /// Organization slug.
    pub org: String,
    /// Instance URL (`https://sentry.io` or a self-hosted one).
    pub url: String,
    /// Region URL, when given.
    pub region_url: Option<String>,
}

/// Decodes `sntrys_<base64 JSON>_<secret>`.
pub fn decode_org_token(secret: &str) -> Option<OrgToken> {
    let rest = secret.strip_prefix("sntrys_")?;
    let (payload, _secret) = rest.rsplit_once('_')?;
    let v: Value = serde_json::from_slice(&b64_decode_lenient(payload)?).ok()?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Some(OrgToken {
        org: s("org")?,
        url: s("url").unwrap_or_else(|| "https://sentry.io".into()),
        region_url: s("region_url").filter(|r| !r.is_empty()),
    })
}

/// Whether a URL is Sentry's SaaS (where the catalog's host answers).
fn is_saas(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|h| h == "sentry.io" || h.ends_with(".sentry.io"))
}

/// Capabilities of Sentry scopes (docs.sentry.io/api/permissions).
fn scope_capabilities(scopes: &[String]) -> Vec<Capability> {
    let mut caps = Vec::new();
    for s in scopes {
        match s.as_str() {
            "project:admin" => caps.extend([Capability::DeleteInfra, Capability::DeleteData]),
            "org:admin" => caps.extend([
                Capability::DeleteInfra,
                Capability::DeleteData,
                Capability::ManageAccess,
            ]),
            "member:admin" | "member:write" | "team:admin" | "org:integrations" => {
                caps.push(Capability::ManageAccess)
            }
            "event:admin" => caps.push(Capability::DeleteData),
            "project:write" | "org:write" => caps.push(Capability::Deploy),
            "event:read" | "project:read" | "org:read" => caps.push(Capability::ReadData),
            _ => {}
        }
    }
    caps
}

fn is_org_token(secret: &str) -> bool {
    secret.starts_with("sntrys_")
}

impl Sentry {
    fn reach(&self, token: &Token<'_>, session: &Session<'_>, facts: &mut ScopeFacts) {
        let Ok(resp) = get(session, &ORGS, token, None, Some("member=1")) else {
            return;
        };
        let Some(orgs) = resp.json().and_then(|j| j.as_array().cloned()) else {
            facts
                .notes
                .push(format!("organizations not readable (HTTP {})", resp.status));
            return;
        };
        let slugs: Vec<String> = orgs
            .iter()
            .filter_map(|o| o.get("slug").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        for slug in slugs.iter().take(MAX_ORGS) {
            facts.resources.push(format!("organization {slug}"));
            let path = format!("/api/0/organizations/{slug}/projects/");
            let Ok(r) = get(session, &PROJECTS, token, Some(path), None) else {
                continue;
            };
            if let Some(projects) = r.json().and_then(|j| j.as_array().cloned()) {
                let names: Vec<&str> = projects
                    .iter()
                    .filter_map(|p| p.get("slug").and_then(Value::as_str))
                    .collect();
                facts.resources.push(format!(
                    "{} project(s) in {slug}: {}",
                    names.len(),
                    names
                        .iter()
                        .take(10)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        if slugs.len() > MAX_ORGS {
            facts.resources.push(format!(
                "{} more organization(s) not listed",
                slugs.len() - MAX_ORGS
            ));
        }
    }
}

impl Provider for Sentry {
    fn id(&self) -> &'static str {
        "sentry"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let secret = token.secret.expose();
        if let Some(o) = decode_org_token(secret) {
            let mut f = ScopeFacts {
                token_kind: "organization auth token (CI: releases and source maps)".into(),
                identity: Some(format!("organization {} at {}", o.org, o.url)),
                permissions: vec!["org:ci".into()],
                breadth: Some(Breadth::Workspace),
                resources: vec![format!("organization {}", o.org)],
                ..ScopeFacts::default()
            };
            if let Some(r) = &o.region_url {
                f.notes.push(format!("data region {r}"));
            }
            f.notes.push(
                "organization tokens have a fixed scope: create releases and upload source maps; they cannot \
                 delete projects or read events"
                    .into(),
            );
            return f;
        }
        let mut f = super::detector_worst_case(token.detector);
        let worst: Vec<String> = ["org:admin", "project:admin", "member:admin", "event:admin"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        f.capabilities.extend(scope_capabilities(&worst));
        if is_org_token(secret) {
            f.notes
                .push("organization token payload not decodable: scored as a user token".into());
        } else {
            f.notes.push(
                "user token: scopes are chosen at creation; unverified, scored as an admin's token"
                    .into(),
            );
        }
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let secret = token.secret.expose();
        let org_token = decode_org_token(secret);
        if let Some(o) = &org_token {
            if !is_saas(&o.url) {
                return Verdict::skipped(format!(
                    "self-hosted Sentry at {}: not contacted (only sentry.io is in the request catalog)",
                    o.url
                ));
            }
        }
        let resp = match get(session, &INDEX, token, None, None) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let body = resp.json();
        match (resp.status, &body) {
            (200, Some(b)) if b.get("version").is_some() => {}
            (401, Some(b)) if b.get("detail").is_some() => {
                let detail = b.get("detail").and_then(Value::as_str).unwrap_or("");
                return Verdict::invalid(format!("Sentry rejected the token (HTTP 401: {detail})"));
            }
            _ => return unexpected(&resp, INDEX.id),
        }
        let b = body.unwrap_or_default();
        let Some(scopes) = b.pointer("/auth/scopes").and_then(Value::as_array) else {
            // 200 without auth: the token was not accepted as a credential.
            return Verdict::invalid("Sentry did not accept the token (no auth in the API index)");
        };
        let scopes: Vec<String> = scopes
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        let mut facts = self.offline(token);
        facts.assumed = false;
        if org_token.is_none() {
            facts.token_kind = "user auth token".into();
            facts.breadth = Some(Breadth::Account);
            facts.capabilities = scope_capabilities(&scopes).into_iter().collect();
            facts.notes.clear();
            let user = ["/user/email", "/user/username", "/user/name"]
                .iter()
                .find_map(|p| {
                    b.pointer(p)
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                })
                .unwrap_or("unknown user");
            facts.identity = Some(format!("{user} (user)"));
            if scopes.iter().any(|s| s.ends_with(":read")) {
                self.reach(token, session, &mut facts);
            }
        } else {
            facts.capabilities = scope_capabilities(&scopes).into_iter().collect();
        }
        facts.permissions = scopes;
        facts.notes.push("Sentry tokens do not expire".into());
        Verdict::live(
            format!(
                "{} of {}",
                facts.token_kind,
                facts.identity.clone().unwrap_or_default()
            ),
            facts,
        )
    }

    fn remediation(&self, _token: &Token<'_>, facts: &ScopeFacts) -> String {
        if facts.token_kind.starts_with("organization") {
            return "Organization tokens are already CI-scoped; keep them in CI secrets, not the workspace, and revoke \
                    this one (Sentry → Settings → Auth Tokens, https://sentry.io/orgredirect/organizations/:orgslug/settings/auth-tokens/)."
                .into();
        }
        "Replace it with an organization auth token for CI (releases, source maps), or a user token with read-only \
         scopes (project:read, event:read) if the task only reads (https://sentry.io/settings/account/api/auth-tokens/); \
         then revoke this one."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    pub(crate) fn org_token(payload: &str) -> String {
        format!(
            "sntrys_{}_{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(payload),
            "kX3p9QmL2vN8rT5wY1zB4cD7fG0hJ6sA9eU2iO5aR8t"
        )
    }

    #[test]
    fn org_token_payload_decodes() {
        let t = org_token(
            r#"{"iat":1712345678.9,"url":"https://sentry.io","region_url":"https://us.sentry.io","org":"acme"}"#,
        );
        let o = decode_org_token(&t).unwrap();
        assert_eq!(o.org, "acme");
        assert_eq!(o.url, "https://sentry.io");
        assert_eq!(o.region_url.as_deref(), Some("https://us.sentry.io"));
        assert!(is_saas(&o.url));
    }

    #[test]
    fn self_hosted_is_not_saas() {
        let t = org_token(
            r#"{"iat":1,"url":"https://sentry.acme.internal","region_url":"","org":"acme"}"#,
        );
        let o = decode_org_token(&t).unwrap();
        assert!(!is_saas(&o.url));
        assert_eq!(o.region_url, None);
        assert!(!is_saas("https://sentry.io.evil.com"));
    }

    #[test]
    fn undecodable_payloads() {
        assert_eq!(decode_org_token("sntrys_notbase64!!_secret"), None);
        assert_eq!(
            decode_org_token(&org_token(r#"{"url":"https://sentry.io"}"#)),
            None
        );
        assert_eq!(decode_org_token("sntryu_abc"), None);
    }

    #[test]
    fn scopes_map() {
        let caps = scope_capabilities(&["project:admin".into(), "member:admin".into()]);
        assert!(caps.contains(&Capability::DeleteInfra));
        assert!(caps.contains(&Capability::ManageAccess));
        assert!(scope_capabilities(&["org:ci".into()]).is_empty());
    }
}
