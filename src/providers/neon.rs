//! Neon: `GET /api/v2/auth` says which kind of API key it is (personal,
//! organization, or project-scoped) and for which account or project; the
//! projects it reaches and each project's branches follow. The default
//! branch is the production branch, and protected branches are treated as
//! production too. Neon API keys never expire.

use super::http::{RequestSpec, Response, Session};
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use serde_json::Value;

/// The Neon provider.
pub struct Neon;

const HOST: &str = "console.neon.tech";

const AUTH: RequestSpec = RequestSpec::get(
    HOST,
    "neon.auth",
    "/api/v2/auth",
    "is the key live, and its kind: personal, organization or project-scoped",
);
const ME: RequestSpec = RequestSpec::get(
    HOST,
    "neon.users-me",
    "/api/v2/users/me",
    "a personal key's user",
);
const ME_ORGS: RequestSpec = RequestSpec::get(
    HOST,
    "neon.users-me-organizations",
    "/api/v2/users/me/organizations",
    "organizations a personal key's user belongs to",
);
const ORG: RequestSpec = RequestSpec::get(
    HOST,
    "neon.organization",
    "/api/v2/organizations/{org_id}",
    "an organization key's organization",
);
const PROJECTS: RequestSpec = RequestSpec::get(
    HOST,
    "neon.projects",
    "/api/v2/projects",
    "projects the key reaches",
);
const PROJECT: RequestSpec = RequestSpec::get(
    HOST,
    "neon.project",
    "/api/v2/projects/{project_id}",
    "a project-scoped key's project",
);
const BRANCHES: RequestSpec = RequestSpec::get(
    HOST,
    "neon.branches",
    "/api/v2/projects/{project_id}/branches",
    "branches of each project: default (production) and protected flags",
);

static REQUESTS: [RequestSpec; 7] = [AUTH, ME, ME_ORGS, ORG, PROJECTS, PROJECT, BRANCHES];

/// Most organizations whose projects are listed, and projects whose
/// branches are read.
const MAX_ORGS: usize = 5;
const MAX_BRANCH_LOOKUPS: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Personal,
    Organization,
    Project,
}

fn get(
    session: &Session<'_>,
    spec: &RequestSpec,
    token: &Token<'_>,
    path: Option<String>,
    query: Option<String>,
) -> Result<Response, Verdict> {
    super::get(
        session,
        spec,
        vec![super::bearer(token), ("accept", "application/json".into())],
        path,
        query,
    )
}

/// The JSON body of a 200 response, if any.
fn ok_json(r: &Response) -> Option<Value> {
    r.json().filter(|_| r.status == 200)
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or_default()
}

/// The tier of a branch: the default branch is production, and so is a
/// protected one; others are named, or development (Neon's copy-on-write
/// branches for previews and development).
fn branch_tier(b: &Value) -> Tier {
    let flag = |k: &str| b.get(k).and_then(Value::as_bool).unwrap_or(false);
    if flag("default") || flag("primary") || flag("protected") {
        return Tier::Production;
    }
    Tier::from_name(s(b, "name")).unwrap_or(Tier::Development)
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Neon {
    /// Reads the branches of `projects` (id, name) into the facts.
    fn branches(
        &self,
        token: &Token<'_>,
        session: &Session<'_>,
        projects: &[(String, String)],
        facts: &mut ScopeFacts,
    ) {
        for (id, name) in projects.iter().take(MAX_BRANCH_LOOKUPS) {
            facts.resources.push(format!("project {name}"));
            let path = format!("/api/v2/projects/{id}/branches");
            let Some(j) = get(session, &BRANCHES, token, Some(path), None)
                .ok()
                .and_then(|r| ok_json(&r))
            else {
                facts.notes.push(format!("branches of {name} not readable"));
                continue;
            };
            for b in j
                .get("branches")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let tier = branch_tier(b);
                let mut label = format!("{name}/{}", s(b, "name"));
                if b.get("protected").and_then(Value::as_bool) == Some(true) {
                    label.push_str(" (protected)");
                }
                facts.environments.push(Environment { name: label, tier });
            }
        }
        if projects.len() > MAX_BRANCH_LOOKUPS {
            facts.resources.push(format!(
                "{} more project(s), branches not read",
                projects.len() - MAX_BRANCH_LOOKUPS
            ));
            for (_, name) in &projects[MAX_BRANCH_LOOKUPS..] {
                facts.resources.push(format!("project {name}"));
            }
        }
    }

    fn list_projects(
        &self,
        token: &Token<'_>,
        session: &Session<'_>,
        org: Option<&str>,
        out: &mut Vec<(String, String)>,
    ) -> bool {
        let q = match org {
            Some(o) => format!("limit=100&org_id={o}"),
            None => "limit=100".to_string(),
        };
        let Some(j) = get(session, &PROJECTS, token, None, Some(q))
            .ok()
            .and_then(|r| ok_json(&r))
        else {
            return false;
        };
        for p in j
            .get("projects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = s(p, "id").to_string();
            if valid_id(&id) && !out.iter().any(|(i, _)| *i == id) {
                let name = if s(p, "name").is_empty() {
                    id.clone()
                } else {
                    s(p, "name").to_string()
                };
                out.push((id, name));
            }
        }
        true
    }
}

impl Provider for Neon {
    fn id(&self) -> &'static str {
        "neon"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = super::detector_worst_case(token.detector);
        f.capabilities.extend([
            Capability::DeleteData,
            Capability::DeleteBackups,
            Capability::DeleteInfra,
            Capability::Deploy,
            Capability::WriteSecrets,
            Capability::ManageAccess,
        ]);
        f.notes.push(
            "kind unknown offline (personal, organization or project-scoped): scored as a personal key, which \
             deletes projects with their history"
                .into(),
        );
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let resp = match get(session, &AUTH, token, None, None) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let body = resp.json();
        let auth = match (resp.status, body) {
            (200, Some(b)) if b.get("auth_method").and_then(Value::as_str).is_some() => b,
            (401, Some(b)) if b.get("message").is_some() => {
                return Verdict::invalid(format!(
                    "Neon rejected the key (HTTP 401: {})",
                    s(&b, "message")
                ))
            }
            _ => return unexpected(&resp, AUTH.id),
        };
        let method = s(&auth, "auth_method");
        let account = s(&auth, "account_id").to_string();
        let project_id = s(&auth, "project_id").to_string();
        let kind = if !project_id.is_empty() || method.contains("project") {
            Kind::Project
        } else if method == "api_key_org" {
            Kind::Organization
        } else {
            Kind::Personal
        };
        let mut facts = ScopeFacts::default();
        let mut projects: Vec<(String, String)> = Vec::new();
        match kind {
            Kind::Project => {
                facts.token_kind = "project-scoped API key".into();
                facts.breadth = Some(Breadth::Project);
                facts.capabilities.extend([
                    Capability::DeleteData,
                    Capability::Deploy,
                    Capability::WriteSecrets,
                ]);
                facts.notes.push(
                    "a project-scoped key cannot delete its project, but deletes and resets branches (their data) \
                     and reads or resets role passwords"
                        .into(),
                );
                let mut name = project_id.clone();
                if valid_id(&project_id) {
                    let path = format!("/api/v2/projects/{project_id}");
                    if let Some(j) = get(session, &PROJECT, token, Some(path), None)
                        .ok()
                        .and_then(|r| ok_json(&r))
                    {
                        let n = j
                            .pointer("/project/name")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        if !n.is_empty() {
                            name = n.to_string();
                        }
                    }
                    projects.push((project_id.clone(), name.clone()));
                }
                facts.identity = Some(format!("project {name}"));
            }
            Kind::Organization => {
                facts.token_kind = "organization API key".into();
                facts.breadth = Some(Breadth::Workspace);
                let mut org_name = account.clone();
                if valid_id(&account) {
                    let path = format!("/api/v2/organizations/{account}");
                    if let Some(j) = get(session, &ORG, token, Some(path), None)
                        .ok()
                        .and_then(|r| ok_json(&r))
                    {
                        if !s(&j, "name").is_empty() {
                            org_name = s(&j, "name").to_string();
                        }
                    }
                    self.list_projects(token, session, Some(&account), &mut projects);
                }
                facts.identity = Some(format!("organization {org_name}"));
                facts
                    .permissions
                    .push("admin of the organization's projects".into());
            }
            Kind::Personal => {
                facts.token_kind = "personal API key".into();
                facts.breadth = Some(Breadth::Account);
                let me = get(session, &ME, token, None, None)
                    .ok()
                    .and_then(|r| ok_json(&r));
                let who = me
                    .as_ref()
                    .map(|m| {
                        if s(m, "email").is_empty() {
                            s(m, "name").to_string()
                        } else {
                            s(m, "email").to_string()
                        }
                    })
                    .filter(|w| !w.is_empty())
                    .unwrap_or_else(|| account.clone());
                facts.identity = Some(format!("{who} (personal)"));
                self.list_projects(token, session, None, &mut projects);
                if let Some(j) = get(session, &ME_ORGS, token, None, None)
                    .ok()
                    .and_then(|r| ok_json(&r))
                {
                    let orgs: Vec<(String, String)> = j
                        .get("organizations")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|o| (s(o, "id").to_string(), s(o, "name").to_string()))
                        .filter(|(id, _)| valid_id(id))
                        .collect();
                    for (id, name) in orgs.iter().take(MAX_ORGS) {
                        facts.resources.push(format!("organization {name}"));
                        self.list_projects(token, session, Some(id), &mut projects);
                    }
                }
            }
        }
        if kind != Kind::Project {
            facts.capabilities.extend([
                Capability::DeleteData,
                Capability::DeleteBackups,
                Capability::DeleteInfra,
                Capability::Deploy,
                Capability::WriteSecrets,
                Capability::ManageAccess,
            ]);
            facts.notes.push(
                "deleting a project deletes its branches and their whole history (the restore window): data and \
                 backups together"
                    .into(),
            );
        }
        self.branches(token, session, &projects, &mut facts);
        facts.environments.sort();
        facts.environments.dedup();
        facts.notes.push("Neon API keys do not expire".into());
        Verdict::live(
            format!("{} ({} project(s))", facts.token_kind, projects.len()),
            facts,
        )
    }

    fn remediation(&self, _token: &Token<'_>, facts: &ScopeFacts) -> String {
        if facts.breadth == Some(Breadth::Project) {
            return "Already project-scoped. For an agent, prefer a database role with only the privileges the task \
                    needs on a non-production branch, and keep this key out of the workspace."
                .into();
        }
        "Replace it with a project-scoped API key for the one project the task needs (organization Settings → API \
         keys → Create new → Project-scoped, https://console.neon.tech/app/settings/api-keys), and point the agent at \
         a non-default branch; then revoke this key."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn branch_tiers() {
        assert_eq!(
            branch_tier(&json!({"name": "main", "default": true})),
            Tier::Production
        );
        assert_eq!(
            branch_tier(&json!({"name": "release", "protected": true})),
            Tier::Production
        );
        assert_eq!(
            branch_tier(&json!({"name": "staging", "default": false})),
            Tier::Staging
        );
        assert_eq!(
            branch_tier(&json!({"name": "preview/pr-12"})),
            Tier::Development
        );
        assert_eq!(branch_tier(&json!({"name": "br-x"})), Tier::Development);
    }

    #[test]
    fn ids_are_path_safe() {
        assert!(valid_id("spring-example-302709"));
        assert!(!valid_id("../x"));
        assert!(!valid_id(""));
    }
}
