//! Hugging Face: `GET /api/whoami-v2` says whose token it is, its role
//! (`read`, `write` or `fineGrained` with per-entity permissions) and the
//! organizations of its owner with the owner's role in each. Write access
//! deletes and force-pushes model, dataset and Space repositories, and a
//! pushed model is a supply-chain release.

use super::http::{Call, Method, RequestKind, RequestSpec, Session};
use super::{unexpected, unknown_from, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, ScopeFacts};
use serde_json::Value;

/// The Hugging Face provider.
pub struct HuggingFace;

const WHOAMI: RequestSpec = RequestSpec {
    id: "huggingface.whoami",
    method: Method::Get,
    host: "huggingface.co",
    path: "/api/whoami-v2",
    kind: RequestKind::Rest,
    purpose: "is the token live, whose, its role or fine-grained permissions, and organizations",
};

static REQUESTS: [RequestSpec; 1] = [WHOAMI];

/// What write access to repositories allows.
const REPO_WRITE: [Capability; 5] = [
    Capability::DeleteData,
    Capability::DeleteInfra,
    Capability::Deploy,
    Capability::WriteSecrets,
    Capability::PublishPackages,
];

/// Capabilities of fine-grained permission strings.
fn fine_grained_capabilities(perms: &[String]) -> Vec<Capability> {
    let mut caps = Vec::new();
    for p in perms {
        if p.starts_with("repo.") && p.ends_with(".write") || p == "repo.write" {
            caps.extend(REPO_WRITE);
        } else if p.starts_with("repo.") && p.ends_with(".read") {
            caps.push(Capability::ReadData);
        } else if p.starts_with("org.") && p.ends_with(".write") {
            caps.push(Capability::ManageAccess);
        } else if p.starts_with("inference.") || p.starts_with("user.webhooks") {
            caps.push(Capability::Deploy);
        }
    }
    caps
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

impl Provider for HuggingFace {
    fn id(&self) -> &'static str {
        "huggingface"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = super::detector_worst_case(token.detector);
        f.capabilities.extend(REPO_WRITE);
        f.capabilities.insert(Capability::ReadData);
        f.notes.push(
            "role unknown offline (read, write or fine-grained): scored as a write token".into(),
        );
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let call = Call {
            headers: vec![super::bearer(token)],
            ..Call::default()
        };
        let resp = match session.send(&WHOAMI, call) {
            Ok(r) => r,
            Err(e) => return unknown_from(&e, WHOAMI.id),
        };
        let body = resp.json();
        let who = match (resp.status, body) {
            (200, Some(b)) if b.get("name").and_then(Value::as_str).is_some() => b,
            (401, Some(b)) if b.get("error").is_some() => {
                let msg = b.get("error").and_then(Value::as_str).unwrap_or("");
                return Verdict::invalid(format!(
                    "Hugging Face rejected the token (HTTP 401: {msg})"
                ));
            }
            _ => return unexpected(&resp, WHOAMI.id),
        };
        let name = who.get("name").and_then(Value::as_str).unwrap_or("?");
        let kind = who.get("type").and_then(Value::as_str).unwrap_or("user");
        let access = who
            .pointer("/auth/accessToken")
            .cloned()
            .unwrap_or_default();
        let role = access.get("role").and_then(Value::as_str).unwrap_or("");
        let mut facts = ScopeFacts {
            identity: Some(format!("{name} ({kind})")),
            breadth: Some(Breadth::Account),
            ..ScopeFacts::default()
        };
        if let Some(d) = access.get("displayName").and_then(Value::as_str) {
            facts.notes.push(format!("token name {d:?}"));
        }
        let orgs: Vec<(String, String)> = who
            .get("orgs")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|o| {
                        let s = |k| o.get(k).and_then(Value::as_str).unwrap_or("?").to_string();
                        (s("name"), s("roleInOrg"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (org, r) in &orgs {
            facts.resources.push(format!("organization {org}"));
            facts.permissions.push(format!("org {org}: {r}"));
        }
        let org_admin = orgs.iter().any(|(_, r)| r == "admin");
        match role {
            "read" => {
                facts.token_kind = "read token".into();
                facts.capabilities.insert(Capability::ReadData);
                facts.permissions.insert(0, "role: read".into());
            }
            "write" => {
                facts.token_kind = "write token".into();
                facts.capabilities.extend(REPO_WRITE);
                facts.capabilities.insert(Capability::ReadData);
                if org_admin {
                    facts.capabilities.insert(Capability::ManageAccess);
                }
                facts.permissions.insert(0, "role: write".into());
            }
            "fineGrained" => {
                facts.token_kind = "fine-grained token".into();
                let fg = access.get("fineGrained").cloned().unwrap_or_default();
                let global = strings(fg.get("global"));
                facts
                    .capabilities
                    .extend(fine_grained_capabilities(&global));
                facts
                    .permissions
                    .extend(global.iter().map(|p| format!("global: {p}")));
                let scoped = fg
                    .get("scoped")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let mut broad = false;
                for s in &scoped {
                    let entity = s
                        .pointer("/entity/name")
                        .and_then(Value::as_str)
                        .unwrap_or("?");
                    let etype = s
                        .pointer("/entity/type")
                        .and_then(Value::as_str)
                        .unwrap_or("entity");
                    // A user or organization entity covers all its repositories.
                    broad |= matches!(etype, "user" | "org");
                    let perms = strings(s.get("permissions"));
                    facts.capabilities.extend(fine_grained_capabilities(&perms));
                    facts
                        .permissions
                        .push(format!("{etype} {entity}: {}", perms.join(", ")));
                    facts.resources.push(format!("{etype} {entity}"));
                }
                if !broad && !scoped.is_empty() {
                    facts.breadth = Some(Breadth::Project);
                }
            }
            other => {
                // A role we do not know: keep the worst plausible.
                let mut f = self.offline(token);
                f.identity = facts.identity.take();
                f.permissions = facts.permissions.clone();
                f.resources = facts.resources.clone();
                f.notes.push(format!(
                    "unknown token role {other:?}: scored as a write token"
                ));
                return Verdict::live(format!("token of {name}"), f);
            }
        }
        facts.notes.push("Hugging Face tokens do not expire".into());
        Verdict::live(format!("{} of {name}", facts.token_kind), facts)
    }

    fn remediation(&self, _token: &Token<'_>, facts: &ScopeFacts) -> String {
        let base = "Replace it with a fine-grained token limited to the repositories the task needs, read-only where \
                    possible (https://huggingface.co/settings/tokens/new?tokenType=fineGrained)";
        if facts.token_kind == "read token" {
            format!("{base}; a read token still reads every private repository of its owner.")
        } else {
            format!("{base}; then revoke this one (https://huggingface.co/settings/tokens).")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fine_grained_permissions_map() {
        let caps = fine_grained_capabilities(&["repo.write".into()]);
        assert!(caps.contains(&Capability::DeleteData));
        assert!(caps.contains(&Capability::PublishPackages));
        let caps = fine_grained_capabilities(&["repo.content.read".into()]);
        assert_eq!(caps, vec![Capability::ReadData]);
        assert!(
            fine_grained_capabilities(&["org.write".into()]).contains(&Capability::ManageAccess)
        );
    }
}
