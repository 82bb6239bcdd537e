//! SendGrid: `GET /v3/scopes` returns the key's exact scopes, so what it can
//! do is known, not assumed: `mail.send` sends email in the company's name,
//! `api_keys.*`/`teammates.*`/`subusers.*` writes manage access, `*.delete`
//! on templates, contacts and suppressions deletes data. The account's
//! username is read when the key may read it.

use super::http::{Method, RequestKind, RequestSpec, Response, Session};
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, ScopeFacts};
use serde_json::Value;

/// The SendGrid provider.
pub struct SendGrid;

const HOST: &str = "api.sendgrid.com";

const SCOPES: RequestSpec = RequestSpec {
    id: "sendgrid.scopes",
    method: Method::Get,
    host: HOST,
    path: "/v3/scopes",
    kind: RequestKind::Rest,
    purpose: "is the key live, and its exact scopes",
};
const USERNAME: RequestSpec = RequestSpec {
    id: "sendgrid.username",
    method: Method::Get,
    host: HOST,
    path: "/v3/user/username",
    kind: RequestKind::Rest,
    purpose: "the account the key belongs to (when it may read it)",
};
const ACCOUNT: RequestSpec = RequestSpec {
    id: "sendgrid.account",
    method: Method::Get,
    host: HOST,
    path: "/v3/user/account",
    kind: RequestKind::Rest,
    purpose: "the account type (free or paid) and reputation",
};

static REQUESTS: [RequestSpec; 3] = [SCOPES, USERNAME, ACCOUNT];

/// Scope families whose writes manage access.
const ACCESS: [&str; 5] = [
    "api_keys.",
    "teammates.",
    "subusers.",
    "sso.",
    "access_settings.",
];

/// Capabilities of SendGrid scopes.
pub fn scope_capabilities(scopes: &[String]) -> Vec<Capability> {
    let mut caps = Vec::new();
    for s in scopes {
        let write = s.ends_with(".create") || s.ends_with(".update") || s.ends_with(".delete");
        if s == "mail.send" || s.starts_with("mail.batch") || s.starts_with("marketing.") && write {
            caps.push(Capability::SendMessages);
        }
        if write && ACCESS.iter().any(|p| s.starts_with(p)) {
            caps.push(Capability::ManageAccess);
        }
        if s.ends_with(".delete") && !ACCESS.iter().any(|p| s.starts_with(p)) {
            caps.push(Capability::DeleteData);
        }
        if (s.starts_with("messages.")
            || s.starts_with("marketing.")
            || s.starts_with("email_activity"))
            && s.ends_with(".read")
        {
            caps.push(Capability::ReadData);
        }
    }
    caps
}

fn get(session: &Session<'_>, spec: &RequestSpec, token: &Token<'_>) -> Result<Response, Verdict> {
    super::bearer_get(session, spec, token, None, None)
}

fn first_error(body: &Value) -> Option<&str> {
    body.pointer("/errors/0/message").and_then(Value::as_str)
}

impl Provider for SendGrid {
    fn id(&self) -> &'static str {
        "sendgrid"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = super::detector_worst_case(token.detector);
        f.capabilities.extend([
            Capability::SendMessages,
            Capability::ManageAccess,
            Capability::DeleteData,
            Capability::ReadData,
        ]);
        f.notes
            .push("scopes unknown offline: scored as a full-access key".into());
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let resp = match get(session, &SCOPES, token) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let body = resp.json();
        let scopes = match (resp.status, &body) {
            (200, Some(b)) if b.get("scopes").is_some_and(Value::is_array) => {
                b.get("scopes").cloned().unwrap_or_default()
            }
            (401, Some(b)) if first_error(b).is_some() => {
                return Verdict::invalid(format!(
                    "SendGrid rejected the key (HTTP 401: {})",
                    first_error(b).unwrap_or_default()
                ))
            }
            (403, Some(b)) if first_error(b).is_some() => {
                // Authenticated, but the key may not even list its scopes.
                let mut f = self.offline(token);
                f.notes.push(format!(
                    "the key may not read its scopes (HTTP 403: {}); scored as the worst plausible",
                    first_error(b).unwrap_or_default()
                ));
                return Verdict::live("API key (scopes not readable)", f);
            }
            _ => return unexpected(&resp, SCOPES.id),
        };
        let scopes: Vec<String> = scopes
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        let full = scopes.iter().any(|s| s == "api_keys.create")
            && scopes.iter().any(|s| s == "mail.send")
            && scopes.len() > 100;
        let mut facts = ScopeFacts {
            token_kind: if full {
                "full-access API key".into()
            } else if scopes
                .iter()
                .all(|s| s == "mail.send" || s.ends_with(".read"))
            {
                "restricted API key".into()
            } else {
                "API key".into()
            },
            capabilities: scope_capabilities(&scopes).into_iter().collect(),
            breadth: Some(Breadth::Account),
            ..ScopeFacts::default()
        };
        if scopes.iter().any(|s| s == "user.username.read") {
            if let Ok(r) = get(session, &USERNAME, token) {
                if let Some(u) = r.json().filter(|_| r.status == 200).and_then(|j| {
                    j.get("username")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                }) {
                    facts.identity = Some(u);
                }
            }
        }
        if scopes.iter().any(|s| s == "user.account.read") {
            if let Ok(r) = get(session, &ACCOUNT, token) {
                if let Some(t) = r
                    .json()
                    .filter(|_| r.status == 200)
                    .and_then(|j| j.get("type").and_then(Value::as_str).map(str::to_string))
                {
                    facts.notes.push(format!("{t} account"));
                }
            }
        }
        if scopes.len() > 12 {
            let mut shown: Vec<String> = scopes
                .iter()
                .filter(|s| !s.ends_with(".read"))
                .take(12)
                .cloned()
                .collect();
            shown.push(format!("… {} scopes in all", scopes.len()));
            facts.permissions = shown;
        } else {
            facts.permissions = scopes;
        }
        facts.notes.push("SendGrid API keys do not expire".into());
        let who = facts.identity.clone().unwrap_or_else(|| "account".into());
        Verdict::live(format!("{} of {who}", facts.token_kind), facts)
    }

    fn remediation(&self, _token: &Token<'_>, facts: &ScopeFacts) -> String {
        if facts.token_kind == "restricted API key" {
            return "Keep restricted keys to the one scope the task needs (mail.send only if it must send), outside \
                    the workspace (https://app.sendgrid.com/settings/api_keys)."
                .into();
        }
        "Replace it with a Restricted Access key with only the scopes the task needs (no API key, teammate or \
         subuser management; mail.send only if it must send) at https://app.sendgrid.com/settings/api_keys, then \
         delete this key."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_map() {
        let caps = scope_capabilities(&["mail.send".into()]);
        assert_eq!(caps, vec![Capability::SendMessages]);
        let caps = scope_capabilities(&["api_keys.create".into(), "templates.delete".into()]);
        assert!(caps.contains(&Capability::ManageAccess));
        assert!(caps.contains(&Capability::DeleteData));
        assert!(scope_capabilities(&["stats.read".into()]).is_empty());
    }
}
