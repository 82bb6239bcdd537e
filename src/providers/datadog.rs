//! Datadog: an API key (32 hex) only submits data; an application key
//! (40 hex) reads and changes everything its user may, but only together
//! with an API key. The other key and the site (`datadoghq.eu`,
//! `us5.datadoghq.com`, …) are looked for in the same file. `GET
//! /api/v1/validate` checks the API key; with both keys `GET
//! /api/v2/current_user` names the user and their roles. Scoped application
//! keys' scopes cannot be read: they are scored as their user's role.

use super::http::{Call, Method, RequestKind, RequestSpec, Response, Session};
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, ScopeFacts};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// The Datadog provider.
pub struct Datadog;

/// Each Datadog site: its domain in the workspace, its API host.
const SITES: [(&str, &str); 7] = [
    ("datadoghq.com", "api.datadoghq.com"),
    ("us3.datadoghq.com", "api.us3.datadoghq.com"),
    ("us5.datadoghq.com", "api.us5.datadoghq.com"),
    ("datadoghq.eu", "api.datadoghq.eu"),
    ("ap1.datadoghq.com", "api.ap1.datadoghq.com"),
    ("ap2.datadoghq.com", "api.ap2.datadoghq.com"),
    ("ddog-gov.com", "api.ddog-gov.com"),
];

macro_rules! site_requests {
    ($($host:literal => $v:literal, $u:literal;)*) => {
        [$(
            RequestSpec {
                id: $v,
                method: Method::Get,
                host: $host,
                path: "/api/v1/validate",
                kind: RequestKind::Rest,
                purpose: "is the API key live (DD-API-KEY)",
            },
            RequestSpec {
                id: $u,
                method: Method::Get,
                host: $host,
                path: "/api/v2/current_user",
                kind: RequestKind::Rest,
                purpose: "with an application key: its user and roles",
            },
        )*]
    };
}

static REQUESTS: [RequestSpec; 14] = site_requests! {
    "api.datadoghq.com" => "datadog.validate", "datadog.current-user";
    "api.us3.datadoghq.com" => "datadog.us3-validate", "datadog.us3-current-user";
    "api.us5.datadoghq.com" => "datadog.us5-validate", "datadog.us5-current-user";
    "api.datadoghq.eu" => "datadog.eu-validate", "datadog.eu-current-user";
    "api.ap1.datadoghq.com" => "datadog.ap1-validate", "datadog.ap1-current-user";
    "api.ap2.datadoghq.com" => "datadog.ap2-validate", "datadog.ap2-current-user";
    "api.ddog-gov.com" => "datadog.gov-validate", "datadog.gov-current-user";
};

static SITE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:api\.|app\.)?((?:us3\.|us5\.|ap1\.|ap2\.)?datadoghq\.(?:com|eu)|ddog-gov\.com)\b").ok()
});
static APP_KEY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?:app(?:lication)?[_-]?key|dd-application-key)["']?\s*[:=]\s*["']?([a-f0-9]{40})\b"#).ok()
});
static API_KEY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?:api[_-]?key|dd-api-key)["']?\s*[:=]\s*["']?([a-f0-9]{32})\b"#).ok()
});

/// The site named in the token's surroundings (default `datadoghq.com`).
fn site(token: &Token<'_>) -> &'static str {
    let found = SITE
        .as_ref()
        .and_then(|re| token.nearby(re))
        .map(|s| s.to_ascii_lowercase());
    SITES
        .iter()
        .map(|(domain, _)| *domain)
        .find(|d| found.as_deref() == Some(*d))
        .unwrap_or("datadoghq.com")
}

fn specs(site: &str) -> (&'static RequestSpec, &'static RequestSpec) {
    let i = SITES.iter().position(|(d, _)| *d == site).unwrap_or(0);
    (&REQUESTS[2 * i], &REQUESTS[2 * i + 1])
}

fn is_app_key(secret: &str) -> bool {
    secret.len() == 40
}

/// Capabilities of Datadog's managed roles; custom roles are taken as admin.
fn role_capabilities(roles: &[String]) -> (Vec<Capability>, bool) {
    let mut caps = Vec::new();
    let mut known = true;
    for r in roles {
        let l = r.to_ascii_lowercase();
        if l.contains("read only") || l.contains("read-only") {
            caps.push(Capability::ReadData);
        } else if l.contains("standard") {
            caps.extend([
                Capability::DeleteData,
                Capability::DeleteInfra,
                Capability::Deploy,
                Capability::ReadData,
            ]);
        } else {
            known &= l.contains("admin");
            caps.extend(admin());
        }
    }
    (caps, known)
}

fn admin() -> [Capability; 6] {
    [
        Capability::DeleteData,
        Capability::DeleteInfra,
        Capability::Deploy,
        Capability::WriteSecrets,
        Capability::ManageAccess,
        Capability::ReadData,
    ]
}

fn send(
    session: &Session<'_>,
    spec: &RequestSpec,
    api_key: &str,
    app_key: Option<&str>,
) -> Result<Response, Verdict> {
    let mut headers = vec![("dd-api-key", api_key.to_string())];
    if let Some(a) = app_key {
        headers.push(("dd-application-key", a.to_string()));
    }
    let call = Call {
        headers,
        ..Call::default()
    };
    super::send(session, spec, call)
}

impl Provider for Datadog {
    fn id(&self) -> &'static str {
        "datadog"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = super::detector_worst_case(token.detector);
        let site = site(token);
        f.resources.push(format!("site {site}"));
        if is_app_key(token.secret.expose()) {
            f.token_kind = "application key".into();
            f.capabilities.extend(admin());
            f.notes.push(
                "permissions unknown offline: an application key acts with its user's role (or its scopes); scored \
                 as an admin's"
                    .into(),
            );
        } else {
            f.token_kind = "API key".into();
            f.capabilities.clear();
            f.assumed = false;
            f.notes.push(
                "an API key alone submits metrics, logs and events; reading or deleting needs an application key"
                    .into(),
            );
        }
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let secret = token.secret.expose();
        let site = site(token);
        let (validate, current_user) = specs(site);
        let (api_key, app_key) = if is_app_key(secret) {
            match API_KEY.as_ref().and_then(|re| token.nearby(re)) {
                Some(k) => (k, Some(secret.to_string())),
                None => {
                    return Verdict::skipped(
                        "an application key needs an API key to be checked, and none was found beside it",
                    )
                }
            }
        } else {
            (
                secret.to_string(),
                APP_KEY.as_ref().and_then(|re| token.nearby(re)),
            )
        };
        let resp = match send(session, validate, &api_key, None) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let body = resp.json();
        match (resp.status, &body) {
            (200, Some(b)) if b.get("valid") == Some(&Value::Bool(true)) => {}
            (403 | 401, Some(b))
                if b.get("errors").is_some() || b.get("valid") == Some(&Value::Bool(false)) =>
            {
                return if is_app_key(secret) {
                    Verdict::unknown(format!(
                        "the API key beside the application key is rejected on {site}; the application key cannot be checked"
                    ))
                } else {
                    Verdict::invalid(format!(
                        "Datadog ({site}) rejected the API key (HTTP {})",
                        resp.status
                    ))
                };
            }
            _ => return unexpected(&resp, validate.id),
        }
        let mut facts = self.offline(token);
        facts.breadth = Some(Breadth::Workspace);
        if !is_app_key(secret) {
            facts.identity = Some(format!("organization on {site}"));
            if app_key.is_some() {
                facts.notes.push(
                    "an application key sits beside it: together they read and change what its user may (see \
                     that finding)"
                        .into(),
                );
            }
            return Verdict::live(format!("API key ({site})"), facts);
        }
        let resp = match send(session, current_user, &api_key, Some(secret)) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let user = match (resp.status, resp.json()) {
            (200, Some(u)) if u.pointer("/data/attributes").is_some() => u,
            (403 | 401, Some(b)) if b.get("errors").is_some() => {
                return Verdict::unknown(format!(
                    "Datadog refused the application key (HTTP {}): revoked, or scoped without user access",
                    resp.status
                ));
            }
            _ => return unexpected(&resp, current_user.id),
        };
        let attr = |k: &str| {
            user.pointer(&format!("/data/attributes/{k}"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let who = [attr("email"), attr("handle"), attr("name")]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or_else(|| "unknown user".into());
        let roles: Vec<String> = user
            .get("included")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|i| i.get("type").and_then(Value::as_str) == Some("roles"))
            .filter_map(|i| i.pointer("/attributes/name").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        let mut app_facts = ScopeFacts {
            token_kind: "application key".into(),
            identity: Some(format!("{who} on {site}")),
            breadth: Some(Breadth::Workspace),
            resources: vec![format!("site {site}")],
            ..ScopeFacts::default()
        };
        let (caps, known) = role_capabilities(&roles);
        if roles.is_empty() || !known {
            app_facts.capabilities.extend(admin());
            app_facts.assumed = true;
            app_facts
                .notes
                .push("roles not readable or custom: scored as admin".into());
        } else {
            app_facts.capabilities.extend(caps);
        }
        app_facts.permissions = roles.iter().map(|r| format!("role: {r}")).collect();
        app_facts.notes.push(
            "permissions partly unknown: a scoped application key may do less than its user's roles allow, and \
             its scopes cannot be read"
                .into(),
        );
        Verdict::live(format!("{} of {who}", app_facts.token_kind), app_facts)
    }

    fn remediation(&self, token: &Token<'_>, _facts: &ScopeFacts) -> String {
        if is_app_key(token.secret.expose()) {
            "Replace it with a scoped application key (only the scopes the task needs, e.g. dashboards_read, \
             monitors_read) owned by a service account with a read-only role (Organization Settings → Application \
             Keys, https://app.datadoghq.com/organization-settings/application-keys); then revoke this key."
                .into()
        } else {
            "API keys only submit data; keep it in the agent's runtime secrets rather than the workspace, and never \
             next to an application key (https://app.datadoghq.com/organization-settings/api-keys)."
                .into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_follow_sites() {
        for (domain, host) in SITES {
            let (v, u) = specs(domain);
            assert_eq!(v.host, host);
            assert_eq!(u.host, host);
            assert_eq!(v.path, "/api/v1/validate");
        }
    }

    #[test]
    fn companions_and_site_are_found() {
        let text = "DD_SITE=datadoghq.eu\nDD_API_KEY=0123456789abcdef0123456789abcdef\nDD_APP_KEY=0123456789abcdef0123456789abcdef01234567\n";
        assert_eq!(
            &SITE.as_ref().unwrap().captures(text).unwrap()[1],
            "datadoghq.eu"
        );
        assert_eq!(
            &APP_KEY.as_ref().unwrap().captures(text).unwrap()[1],
            "0123456789abcdef0123456789abcdef01234567"
        );
        assert_eq!(
            &API_KEY.as_ref().unwrap().captures(text).unwrap()[1],
            "0123456789abcdef0123456789abcdef"
        );
        let us5 = "url: https://app.us5.datadoghq.com/dashboard";
        assert_eq!(
            &SITE.as_ref().unwrap().captures(us5).unwrap()[1],
            "us5.datadoghq.com"
        );
    }

    #[test]
    fn roles_map() {
        let (caps, known) = role_capabilities(&["Datadog Read Only Role".into()]);
        assert_eq!(caps, vec![Capability::ReadData]);
        assert!(known);
        let (caps, known) = role_capabilities(&["Platform Team".into()]);
        assert!(caps.contains(&Capability::ManageAccess));
        assert!(!known);
    }
}
