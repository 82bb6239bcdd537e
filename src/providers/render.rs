//! Render: API keys carry no readable scope. Classic keys have their user's
//! full access to every workspace; scoped keys (early access) cannot be
//! introspected. Read-only calls learn the workspaces (owners) the key
//! reaches, its services and Postgres databases, and the projects'
//! environments (with their protection status), whose names give the tier.

use super::http::{RequestSpec, Response, Session};
use super::str_at;
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use serde_json::Value;
use std::collections::HashMap;

/// The Render provider.
pub struct Render;

const HOST: &str = "api.render.com";

const OWNERS: RequestSpec = RequestSpec::get(
    HOST,
    "render.owners",
    "/v1/owners",
    "is the key live, and which workspaces (owners) it reaches",
);
const SERVICES: RequestSpec = RequestSpec::get(
    HOST,
    "render.services",
    "/v1/services",
    "services it reaches",
);
const POSTGRES: RequestSpec = RequestSpec::get(
    HOST,
    "render.postgres",
    "/v1/postgres",
    "Postgres databases it reaches",
);
const PROJECTS: RequestSpec = RequestSpec::get(
    HOST,
    "render.projects",
    "/v1/projects",
    "projects it reaches",
);
const ENVIRONMENTS: RequestSpec = RequestSpec::get(
    HOST,
    "render.environments",
    "/v1/environments",
    "each project's environments and whether they are protected",
);

static REQUESTS: [RequestSpec; 5] = [OWNERS, SERVICES, POSTGRES, PROJECTS, ENVIRONMENTS];

/// Most projects whose environments are read.
const MAX_PROJECTS: usize = 10;

fn full_access() -> [Capability; 5] {
    [
        Capability::DeleteInfra,
        Capability::DeleteData,
        Capability::Deploy,
        Capability::WriteSecrets,
        Capability::ReadData,
    ]
}

fn get(
    session: &Session<'_>,
    spec: &RequestSpec,
    token: &Token<'_>,
    query: String,
) -> Result<Response, Verdict> {
    super::get(
        session,
        spec,
        vec![super::bearer(token), ("accept", "application/json".into())],
        None,
        Some(query),
    )
}

/// Render lists are `[{"<kind>": {…}, "cursor": "…"}]`; returns the objects.
fn unwrap_list(resp: &Response, key: &str) -> Option<Vec<Value>> {
    if resp.status != 200 {
        return None;
    }
    let list = resp.json()?.as_array()?.clone();
    Some(list.iter().filter_map(|i| i.get(key).cloned()).collect())
}

impl Provider for Render {
    fn id(&self) -> &'static str {
        "render"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = super::detector_worst_case(token.detector);
        f.token_kind = "API key".into();
        f.capabilities.extend(full_access());
        f.breadth = Some(Breadth::Account);
        f.notes.push(
            "permissions unknown: Render API keys carry no readable scope; a classic key has its user's full \
             access to every workspace"
                .into(),
        );
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let resp = match get(session, &OWNERS, token, "limit=100".into()) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let owners = match resp.status {
            200 => match resp.json().and_then(|j| j.as_array().cloned()) {
                Some(list) => list
                    .iter()
                    .filter_map(|o| o.get("owner").cloned())
                    .collect::<Vec<_>>(),
                None => return unexpected(&resp, OWNERS.id),
            },
            401 if !resp
                .header("content-type")
                .is_some_and(|c| c.contains("html")) =>
            {
                return Verdict::invalid("Render rejected the key (HTTP 401: revoked or wrong)")
            }
            _ => return unexpected(&resp, OWNERS.id),
        };
        let mut facts = self.offline(token);
        facts.assumed = true;
        let names: Vec<String> = owners
            .iter()
            .map(|o| {
                let name = str_at(o, "/name");
                let email = str_at(o, "/email");
                match str_at(o, "/type") {
                    "user" if !email.is_empty() => format!("{name} ({email})"),
                    t if !t.is_empty() => format!("{name} ({t})"),
                    _ => name.to_string(),
                }
            })
            .collect();
        facts.identity = Some(names.join(", "));
        facts.breadth = Some(if owners.len() > 1 {
            Breadth::Account
        } else {
            Breadth::Workspace
        });
        for n in &names {
            facts.permissions.push(format!("workspace {n}"));
        }
        // Projects and their environments.
        let mut env_tier: HashMap<String, (String, Tier)> = HashMap::new();
        if let Ok(r) = get(session, &PROJECTS, token, "limit=100".into()) {
            if let Some(projects) = unwrap_list(&r, "project") {
                for p in projects.iter().take(MAX_PROJECTS) {
                    let pname = str_at(p, "/name").to_string();
                    let pid = str_at(p, "/id");
                    if !pid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                        continue;
                    }
                    let Ok(er) = get(
                        session,
                        &ENVIRONMENTS,
                        token,
                        format!("projectId={pid}&limit=100"),
                    ) else {
                        continue;
                    };
                    for e in unwrap_list(&er, "environment").unwrap_or_default() {
                        let ename = str_at(&e, "/name");
                        let protected = str_at(&e, "/protectedStatus") == "protected";
                        let tier = Tier::from_name(ename).unwrap_or(if protected {
                            Tier::Production
                        } else {
                            Tier::Unknown
                        });
                        let label = format!(
                            "{pname}/{ename}{}",
                            if protected { " (protected)" } else { "" }
                        );
                        env_tier.insert(str_at(&e, "/id").to_string(), (label.clone(), tier));
                        facts.environments.push(Environment { name: label, tier });
                    }
                }
            }
        }
        let mut services = 0;
        if let Ok(r) = get(session, &SERVICES, token, "limit=100".into()) {
            if let Some(list) = unwrap_list(&r, "service") {
                services = list.len();
                for s in &list {
                    let name = str_at(s, "/name");
                    let kind = str_at(s, "/type");
                    facts.resources.push(format!("service {name} ({kind})"));
                    if !env_tier.contains_key(str_at(s, "/environmentId")) {
                        if let Some(t) = Tier::from_name(name) {
                            facts.environments.push(Environment {
                                name: name.to_string(),
                                tier: t,
                            });
                        }
                    }
                }
            }
        }
        if let Ok(r) = get(session, &POSTGRES, token, "limit=100".into()) {
            if let Some(list) = unwrap_list(&r, "postgres") {
                for d in &list {
                    let name = str_at(d, "/name");
                    let env = env_tier
                        .get(str_at(d, "/environmentId"))
                        .map(|(l, _)| format!(" in {l}"))
                        .unwrap_or_default();
                    facts.resources.push(format!("postgres {name}{env}"));
                }
                if list.is_empty() {
                    facts.notes.push("no Postgres database in reach".into());
                }
            }
        }
        facts.environments.sort();
        facts.environments.dedup();
        Verdict::live(
            format!("API key ({} workspaces, {services} services)", owners.len()),
            facts,
        )
    }

    fn remediation(&self, _token: &Token<'_>, _facts: &ScopeFacts) -> String {
        "Render keys cannot be narrowed unless your workspace has scoped API keys: create one limited to the one \
         workspace and the resources the task needs, read-only where possible \
         (https://dashboard.render.com/u/settings#api-keys), keep production in a protected environment, and \
         revoke this key."
            .into()
    }
}
