//! OpenAI: the key's kind from its prefix (project, service account, admin,
//! legacy user key); for API keys `GET /v1/models`, whose response headers
//! name the organization and project; for admin keys the organization's
//! projects and users. A project key's permission level (All, Restricted,
//! Read only) cannot be read without write probes: it is scored as "All".

use super::http::{RequestSpec, Response, Session};
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, ScopeFacts};
use serde_json::Value;

/// The OpenAI provider.
pub struct OpenAi;

const HOST: &str = "api.openai.com";

const MODELS: RequestSpec = RequestSpec::get(HOST,
    "openai.models",
    "/v1/models",
    "is the API key live; its organization and project (openai-organization, openai-project headers)"
);
const PROJECTS: RequestSpec = RequestSpec::get(
    HOST,
    "openai.admin-projects",
    "/v1/organization/projects",
    "admin key: is it live, and the organization's projects",
);
const USERS: RequestSpec = RequestSpec::get(
    HOST,
    "openai.admin-users",
    "/v1/organization/users",
    "admin key: the organization's members and their roles",
);

static REQUESTS: [RequestSpec; 3] = [MODELS, PROJECTS, USERS];

/// The kind of an OpenAI key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `sk-proj-`: a project API key.
    Project,
    /// `sk-svcacct-`: a service account's key (one project).
    ServiceAccount,
    /// `sk-admin-`: an organization admin key.
    Admin,
    /// Legacy `sk-…` user key.
    Legacy,
}

/// Classifies an OpenAI key by its prefix.
pub fn kind_of(secret: &str) -> Kind {
    if secret.starts_with("sk-proj-") {
        Kind::Project
    } else if secret.starts_with("sk-svcacct-") {
        Kind::ServiceAccount
    } else if secret.starts_with("sk-admin-") {
        Kind::Admin
    } else {
        Kind::Legacy
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Project => "project API key",
        Kind::ServiceAccount => "service account key",
        Kind::Admin => "admin API key",
        Kind::Legacy => "legacy user API key",
    }
}

fn facts_for(kind: Kind) -> ScopeFacts {
    let mut f = ScopeFacts {
        token_kind: kind_name(kind).into(),
        ..ScopeFacts::default()
    };
    match kind {
        Kind::Admin => {
            f.capabilities.extend([
                Capability::ManageAccess,
                Capability::DeleteInfra,
                Capability::ReadData,
            ]);
            f.breadth = Some(Breadth::Workspace);
            f.notes.push(
                "an admin key manages the whole organization: it can create and delete API keys, \
                 archive projects and remove users"
                    .into(),
            );
        }
        Kind::Project | Kind::ServiceAccount => {
            f.capabilities
                .extend([Capability::DeleteData, Capability::ReadData]);
            f.breadth = Some(Breadth::Project);
            f.assumed = true;
            f.notes.push(
                "permission level unknown (All, Restricted or Read only cannot be read without write probes); \
                 scored as All: it can delete files, assistants, vector stores and fine-tuned models, and spend"
                    .into(),
            );
        }
        Kind::Legacy => {
            f.capabilities
                .extend([Capability::DeleteData, Capability::ReadData]);
            f.breadth = Some(Breadth::Account);
            f.assumed = true;
            f.notes.push(
                "a legacy user key acts for its user in every organization and project the user belongs to".into(),
            );
        }
    }
    f
}

fn get(
    session: &Session<'_>,
    spec: &RequestSpec,
    token: &Token<'_>,
    query: Option<&str>,
) -> Result<Response, Verdict> {
    super::bearer_get(session, spec, token, None, query)
}

/// OpenAI's error object: `(code, message)`.
fn error_of(resp: &Response) -> Option<(String, String)> {
    let body = resp.json()?;
    let e = body.get("error")?;
    let code = e
        .get("code")
        .and_then(Value::as_str)
        .or_else(|| e.get("type").and_then(Value::as_str))
        .unwrap_or_default()
        .to_string();
    let message = e
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Some((code, message))
}

fn is_list(resp: &Response) -> Option<Value> {
    resp.json()
        .filter(|b| b.get("data").is_some_and(Value::is_array))
}

impl OpenAi {
    fn admin(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let resp = match get(session, &PROJECTS, token, Some("limit=100")) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let list = match resp.status {
            200 => match is_list(&resp) {
                Some(l) => l,
                None => return unexpected(&resp, PROJECTS.id),
            },
            401 if error_of(&resp).is_some() => {
                return Verdict::invalid("OpenAI rejected the admin key (HTTP 401)")
            }
            _ => return unexpected(&resp, PROJECTS.id),
        };
        let mut facts = facts_for(Kind::Admin);
        let projects: Vec<&Value> = list
            .get("data")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let active: Vec<&str> = projects
            .iter()
            .filter(|p| p.get("status").and_then(Value::as_str) != Some("archived"))
            .filter_map(|p| p.get("name").and_then(Value::as_str))
            .collect();
        facts.resources.push(format!("{} projects", active.len()));
        facts
            .resources
            .extend(active.iter().take(20).map(|n| format!("project {n}")));
        if let Ok(r) = get(session, &USERS, token, Some("limit=100")) {
            if let Some(users) = is_list(&r).filter(|_| r.status == 200) {
                let all = users
                    .get("data")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let owners = all
                    .iter()
                    .filter(|u| u.get("role").and_then(Value::as_str) == Some("owner"))
                    .count();
                facts
                    .resources
                    .push(format!("{} members ({owners} owners)", all.len()));
            }
        }
        let org = resp.header("openai-organization").unwrap_or_default();
        if !org.is_empty() {
            facts.identity = Some(format!("organization {org}"));
        }
        Verdict::live(format!("admin API key ({} projects)", active.len()), facts)
    }
}

impl Provider for OpenAi {
    fn id(&self) -> &'static str {
        "openai"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = facts_for(kind_of(token.secret.expose()));
        f.assumed = true;
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let kind = kind_of(token.secret.expose());
        if kind == Kind::Admin {
            return self.admin(token, session);
        }
        let resp = match get(session, &MODELS, token, None) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let mut facts = facts_for(kind);
        let org = resp
            .header("openai-organization")
            .unwrap_or_default()
            .to_string();
        let project = resp
            .header("openai-project")
            .unwrap_or_default()
            .to_string();
        let mut who = Vec::new();
        if !org.is_empty() {
            who.push(format!("organization {org}"));
        }
        if !project.is_empty() {
            who.push(format!("project {project}"));
            facts.resources.push(format!("project {project}"));
        }
        if !who.is_empty() {
            facts.identity = Some(who.join(", "));
        }
        match resp.status {
            200 if is_list(&resp).is_some() => {
                Verdict::live(format!("{} ({})", facts.token_kind, who.join(", ")), facts)
            }
            401 => match error_of(&resp) {
                Some((code, _)) => Verdict::invalid(format!(
                    "OpenAI rejected the key (HTTP 401{})",
                    if code.is_empty() {
                        String::new()
                    } else {
                        format!(", {code}")
                    }
                )),
                None => unexpected(&resp, MODELS.id),
            },
            403 => match error_of(&resp) {
                Some((_, message))
                    if message.contains("insufficient permissions")
                        || message.contains("Missing scopes") =>
                {
                    facts.notes.push(
                        "a restricted key: it cannot list models; which other permissions it holds cannot be \
                         read without write probes"
                            .into(),
                    );
                    Verdict::live(format!("{} (restricted)", facts.token_kind), facts)
                }
                _ => unexpected(&resp, MODELS.id),
            },
            _ => unexpected(&resp, MODELS.id),
        }
    }

    fn remediation(&self, token: &Token<'_>, _facts: &ScopeFacts) -> String {
        match kind_of(token.secret.expose()) {
            Kind::Admin => "Never leave an admin key where an agent can read it: revoke it \
                            (https://platform.openai.com/settings/organization/admin-keys) and give the agent a \
                            project key with Restricted permissions instead."
                .into(),
            _ => "Replace it with a project key (or a service account key) for one project, with Restricted \
                  permissions limited to the endpoints the task calls and a project budget \
                  (https://platform.openai.com/api-keys); then revoke this one."
                .into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_prefixes() {
        assert_eq!(kind_of("sk-proj-abc"), Kind::Project);
        assert_eq!(kind_of("sk-svcacct-abc"), Kind::ServiceAccount);
        assert_eq!(kind_of("sk-admin-abc"), Kind::Admin);
        assert_eq!(kind_of("sk-abc"), Kind::Legacy);
    }

    #[test]
    fn admin_keys_manage_access() {
        let f = facts_for(Kind::Admin);
        assert!(f.capabilities.contains(&Capability::ManageAccess));
        let f = facts_for(Kind::Project);
        assert!(!f.capabilities.contains(&Capability::ManageAccess));
        assert!(f.assumed);
    }
}
