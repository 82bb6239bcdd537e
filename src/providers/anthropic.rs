//! Anthropic: the key's kind from its prefix (`sk-ant-api03-` API key,
//! `sk-ant-admin01-` Admin API key). API keys: `GET /v1/models`, whose
//! `anthropic-organization-id` (and, when sent, `anthropic-workspace-id`)
//! response headers name where the key lives. Admin keys: the organization,
//! its workspaces and its members.

use super::http::{RequestSpec, Response, Session};
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, ScopeFacts};
use serde_json::Value;

/// The Anthropic provider.
pub struct Anthropic;

const HOST: &str = "api.anthropic.com";

const MODELS: RequestSpec = RequestSpec::get(
    HOST,
    "anthropic.models",
    "/v1/models",
    "is the API key live; its organization (anthropic-organization-id header)",
);
const ORG: RequestSpec = RequestSpec::get(
    HOST,
    "anthropic.admin-organization",
    "/v1/organizations/me",
    "admin key: is it live, and which organization",
);
const WORKSPACES: RequestSpec = RequestSpec::get(
    HOST,
    "anthropic.admin-workspaces",
    "/v1/organizations/workspaces",
    "admin key: the organization's workspaces",
);
const USERS: RequestSpec = RequestSpec::get(
    HOST,
    "anthropic.admin-users",
    "/v1/organizations/users",
    "admin key: the organization's members and their roles",
);

static REQUESTS: [RequestSpec; 4] = [MODELS, ORG, WORKSPACES, USERS];

fn is_admin(secret: &str) -> bool {
    secret.starts_with("sk-ant-admin")
}

fn is_oauth(secret: &str) -> bool {
    secret.starts_with("sk-ant-oat")
}

fn facts_for(admin: bool) -> ScopeFacts {
    let mut f = ScopeFacts::default();
    if admin {
        f.token_kind = "Admin API key".into();
        f.capabilities.extend([
            Capability::ManageAccess,
            Capability::DeleteInfra,
            Capability::ReadData,
        ]);
        f.breadth = Some(Breadth::Workspace);
        f.notes.push(
            "an Admin API key manages the whole organization: it can create, disable and delete API keys, \
             archive workspaces and remove members"
                .into(),
        );
    } else {
        f.token_kind = "API key".into();
        f.capabilities
            .extend([Capability::DeleteData, Capability::ReadData]);
        f.breadth = Some(Breadth::Project);
        f.notes.push(
            "an API key belongs to one workspace: it can read and delete that workspace's files and message \
             batches, and spend"
                .into(),
        );
    }
    f
}

fn get(
    session: &Session<'_>,
    spec: &RequestSpec,
    token: &Token<'_>,
    query: Option<&str>,
) -> Result<Response, Verdict> {
    super::get(
        session,
        spec,
        vec![
            ("x-api-key", token.secret.expose().to_string()),
            ("anthropic-version", "2023-06-01".into()),
        ],
        None,
        query.map(str::to_string),
    )
}

/// Anthropic's error type (`authentication_error`, `permission_error`, …).
fn error_type(resp: &Response) -> Option<String> {
    let body = resp.json()?;
    if body.get("type").and_then(Value::as_str) != Some("error") {
        return None;
    }
    body.pointer("/error/type")
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn data_list(resp: &Response) -> Option<Vec<Value>> {
    resp.json()?.get("data")?.as_array().cloned()
}

impl Anthropic {
    fn admin(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let resp = match get(session, &ORG, token, None) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let org = match resp.status {
            200 => match resp.json().filter(|o| o.get("id").is_some()) {
                Some(o) => o,
                None => return unexpected(&resp, ORG.id),
            },
            401 if error_type(&resp).is_some() => {
                return Verdict::invalid("Anthropic rejected the Admin API key (HTTP 401)")
            }
            _ => return unexpected(&resp, ORG.id),
        };
        let mut facts = facts_for(true);
        let name = org.get("name").and_then(Value::as_str).unwrap_or_default();
        let id = org.get("id").and_then(Value::as_str).unwrap_or_default();
        facts.identity = Some(format!("organization {name} ({id})"));
        if let Ok(r) = get(session, &WORKSPACES, token, Some("limit=100")) {
            if let Some(list) = data_list(&r).filter(|_| r.status == 200) {
                let active: Vec<&str> = list
                    .iter()
                    .filter(|w| w.get("archived_at").is_none_or(Value::is_null))
                    .filter_map(|w| w.get("name").and_then(Value::as_str))
                    .collect();
                facts.resources.push(format!("{} workspaces", active.len()));
                facts
                    .resources
                    .extend(active.iter().take(20).map(|n| format!("workspace {n}")));
            }
        }
        if let Ok(r) = get(session, &USERS, token, Some("limit=100")) {
            if let Some(list) = data_list(&r).filter(|_| r.status == 200) {
                let admins = list
                    .iter()
                    .filter(|u| u.get("role").and_then(Value::as_str) == Some("admin"))
                    .count();
                facts
                    .resources
                    .push(format!("{} members ({admins} admins)", list.len()));
            }
        }
        Verdict::live(format!("Admin API key of {name}"), facts)
    }
}

impl Provider for Anthropic {
    fn id(&self) -> &'static str {
        "anthropic"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        if is_oauth(token.secret.expose()) {
            let mut f = super::detector_worst_case(token.detector);
            f.token_kind = "OAuth token (Claude subscription)".into();
            f.notes.push(
                "an OAuth token acts as its user's Claude subscription (Claude Code), not an API workspace".into(),
            );
            return f;
        }
        let mut f = facts_for(is_admin(token.secret.expose()));
        f.assumed = true;
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        if is_oauth(token.secret.expose()) {
            return Verdict::skipped("OAuth tokens have no read-only identity call; no call made");
        }
        if is_admin(token.secret.expose()) {
            return self.admin(token, session);
        }
        let resp = match get(session, &MODELS, token, None) {
            Ok(r) => r,
            Err(v) => return v,
        };
        match resp.status {
            200 if data_list(&resp).is_some() => {
                let mut facts = facts_for(false);
                let org = resp.header("anthropic-organization-id").unwrap_or_default();
                let ws = resp.header("anthropic-workspace-id").unwrap_or_default();
                let mut who = Vec::new();
                if !org.is_empty() {
                    who.push(format!("organization {org}"));
                }
                if !ws.is_empty() {
                    who.push(format!("workspace {ws}"));
                    facts.resources.push(format!("workspace {ws}"));
                }
                if !who.is_empty() {
                    facts.identity = Some(who.join(", "));
                }
                Verdict::live(format!("API key ({})", who.join(", ")), facts)
            }
            401 if error_type(&resp).is_some() => {
                Verdict::invalid("Anthropic rejected the key (HTTP 401, authentication_error)")
            }
            403 if error_type(&resp).as_deref() == Some("permission_error") => {
                let mut facts = facts_for(false);
                facts.notes.push(
                    "the key may not list models (permission_error); it authenticated".into(),
                );
                Verdict::live("API key (restricted)", facts)
            }
            _ => unexpected(&resp, MODELS.id),
        }
    }

    fn remediation(&self, token: &Token<'_>, _facts: &ScopeFacts) -> String {
        if is_oauth(token.secret.expose()) {
            return "Log out of the session that created it (`claude /logout`, or revoke it in claude.ai settings) and                     keep subscription tokens out of the workspace; give automation an API key of a dedicated                     workspace with a spend limit instead."
                .into();
        }
        if is_admin(token.secret.expose()) {
            "Revoke this Admin API key (https://console.anthropic.com/settings/admin-keys) and never keep one where \
             an agent can read it; give the agent an API key of a dedicated workspace with a spend limit."
                .into()
        } else {
            "Replace it with an API key in a dedicated workspace for this task, with a workspace spend limit \
             (https://console.anthropic.com/settings/keys); then revoke this one."
                .into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_keys_are_told_apart() {
        assert!(is_admin("sk-ant-admin01-abc"));
        assert!(!is_admin("sk-ant-api03-abc"));
        assert!(facts_for(true)
            .capabilities
            .contains(&Capability::ManageAccess));
        assert!(!facts_for(false)
            .capabilities
            .contains(&Capability::ManageAccess));
    }
}
