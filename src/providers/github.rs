//! GitHub: who the token belongs to, its scopes (classic and OAuth tokens),
//! its expiry, and what it reaches (repositories with the owner's role,
//! organisations, repository environments). Fine-grained tokens' permissions
//! cannot be read without write probes, so they are reported as unknown and
//! scored on the worst plausible case.

use super::http::{RequestSpec, Response, Session};
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use serde_json::Value;

/// The GitHub provider.
pub struct GitHub;

const HOST: &str = "api.github.com";

const USER: RequestSpec = RequestSpec::get(
    HOST,
    "github.user",
    "/user",
    "is it live, whose, its scopes (X-OAuth-Scopes) and expiry",
);
const REPOS: RequestSpec = RequestSpec::get(
    HOST,
    "github.user-repos",
    "/user/repos",
    "repositories reached, with the owner's role",
);
const ORGS: RequestSpec = RequestSpec::get(
    HOST,
    "github.org-memberships",
    "/user/memberships/orgs",
    "organisations and the owner's role in each",
);
const ENVIRONMENTS: RequestSpec = RequestSpec::get(
    HOST,
    "github.repo-environments",
    "/repos/{owner}/{repo}/environments",
    "deployment environments of writable repositories (production or not)",
);
const INSTALLATION_REPOS: RequestSpec = RequestSpec::get(
    HOST,
    "github.installation-repos",
    "/installation/repositories",
    "repositories an installation token (ghs_) reaches",
);

static REQUESTS: [RequestSpec; 5] = [USER, REPOS, ORGS, ENVIRONMENTS, INSTALLATION_REPOS];

/// Most repositories whose environments are read.
const MAX_ENV_LOOKUPS: usize = 10;

fn auth(token: &Token<'_>) -> Vec<(&'static str, String)> {
    vec![
        super::bearer(token),
        ("accept", "application/vnd.github+json".into()),
        ("x-github-api-version", "2022-11-28".into()),
    ]
}

fn get(
    session: &Session<'_>,
    spec: &RequestSpec,
    token: &Token<'_>,
    path: Option<String>,
    query: Option<&str>,
) -> Result<Response, Verdict> {
    super::get(session, spec, auth(token), path, query.map(str::to_string))
}

/// Capabilities granted by classic/OAuth scopes (providers.md §3).
fn scope_capabilities(scopes: &[String]) -> Vec<Capability> {
    let mut caps = Vec::new();
    for s in scopes {
        match s.as_str() {
            "repo" | "public_repo" => caps.extend([
                Capability::DeleteData,
                Capability::Deploy,
                Capability::ReadData,
            ]),
            "delete_repo" => caps.extend([Capability::DeleteInfra, Capability::DeleteData]),
            "admin:org" | "write:org" => {
                caps.extend([Capability::ManageAccess, Capability::DeleteInfra])
            }
            "workflow" => caps.extend([Capability::Deploy, Capability::WriteSecrets]),
            "write:packages" => caps.push(Capability::PublishPackages),
            "delete:packages" => caps.extend([Capability::DeleteData, Capability::PublishPackages]),
            "admin:repo_hook" | "admin:org_hook" => caps.push(Capability::Deploy),
            "admin:public_key" | "admin:gpg_key" | "admin:ssh_signing_key" | "admin:enterprise" => {
                caps.push(Capability::ManageAccess)
            }
            "codespace" => caps.push(Capability::WriteSecrets),
            "read:org" | "read:packages" | "user" | "read:user" | "user:email" => {
                caps.push(Capability::ReadData)
            }
            _ => {}
        }
    }
    if scopes.iter().any(|s| s == "repo") {
        // `repo` covers Actions secrets and environments of repositories.
        caps.push(Capability::WriteSecrets);
    }
    caps
}

/// `github-authentication-token-expiration` → RFC 3339.
fn parse_expiry(value: &str) -> Option<String> {
    let v = value.trim().replace(" UTC", " +0000");
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second] [offset_hour sign:mandatory][offset_minute]"
    );
    let t = time::OffsetDateTime::parse(&v, &fmt).ok()?;
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

impl GitHub {
    fn reach(&self, token: &Token<'_>, session: &Session<'_>, facts: &mut ScopeFacts) {
        if let Ok(r) = get(
            session,
            &REPOS,
            token,
            None,
            Some("per_page=100&sort=pushed"),
        ) {
            if let Some(repos) = r.json().and_then(|j| j.as_array().cloned()) {
                let admin = repos
                    .iter()
                    .filter(|r| r.pointer("/permissions/admin") == Some(&Value::Bool(true)))
                    .count();
                let push = repos
                    .iter()
                    .filter(|r| r.pointer("/permissions/push") == Some(&Value::Bool(true)))
                    .count();
                facts.resources.push(format!(
                    "{} repositories{} ({admin} as admin, {push} writable)",
                    repos.len(),
                    if repos.len() >= 100 { "+" } else { "" }
                ));
                if admin == 0 {
                    facts.capabilities.remove(&Capability::DeleteInfra);
                    facts
                        .notes
                        .push("admin of no repository: cannot delete repositories".into());
                }
                let writable: Vec<&str> = repos
                    .iter()
                    .filter(|r| r.pointer("/permissions/push") == Some(&Value::Bool(true)))
                    .filter_map(|r| r.get("full_name").and_then(Value::as_str))
                    .collect();
                for full in writable.iter().take(MAX_ENV_LOOKUPS) {
                    let path = format!("/repos/{full}/environments");
                    let Ok(resp) = get(session, &ENVIRONMENTS, token, Some(path), None) else {
                        continue;
                    };
                    let Some(envs) = resp.json().and_then(|j| j.get("environments").cloned())
                    else {
                        continue;
                    };
                    for env in envs.as_array().into_iter().flatten() {
                        let name = env.get("name").and_then(Value::as_str).unwrap_or_default();
                        facts.environments.push(Environment {
                            name: format!("{full}/{name}"),
                            tier: Tier::from_name(name).unwrap_or(Tier::Unknown),
                        });
                    }
                }
            }
        }
        if let Ok(r) = get(session, &ORGS, token, None, Some("per_page=100")) {
            if let Some(orgs) = r.json().and_then(|j| j.as_array().cloned()) {
                for o in orgs {
                    let login = o
                        .pointer("/organization/login")
                        .and_then(Value::as_str)
                        .unwrap_or("?");
                    let role = o.get("role").and_then(Value::as_str).unwrap_or("?");
                    facts.permissions.push(format!("org {login}: {role}"));
                    facts.resources.push(format!("organization {login}"));
                }
            }
        }
    }

    fn installation(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let resp = match get(
            session,
            &INSTALLATION_REPOS,
            token,
            None,
            Some("per_page=100"),
        ) {
            Ok(r) => r,
            Err(v) => return v,
        };
        match resp.status {
            200 => {
                let Some(body) = resp.json() else {
                    return unexpected(&resp, INSTALLATION_REPOS.id);
                };
                let mut facts = super::detector_worst_case(token.detector);
                facts.assumed = false;
                facts.token_kind = "installation token".into();
                facts.breadth = Some(Breadth::Workspace);
                let total = body.get("total_count").and_then(Value::as_u64).unwrap_or(0);
                let selection = body
                    .get("repository_selection")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                facts
                    .resources
                    .push(format!("{total} repositories ({selection})"));
                facts.notes.push("installation permissions cannot be read with the token; scored as the worst plausible".into());
                Verdict::live("installation token", facts)
            }
            401 => Verdict::invalid(
                "GitHub rejected the token (HTTP 401; installation tokens expire after an hour)",
            ),
            _ => unexpected(&resp, INSTALLATION_REPOS.id),
        }
    }
}

impl Provider for GitHub {
    fn id(&self) -> &'static str {
        "github"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let secret = token.secret.expose();
        if secret.starts_with("ghs_") {
            return self.installation(token, session);
        }
        let resp = match get(session, &USER, token, None, None) {
            Ok(r) => r,
            Err(v) => return v,
        };
        match resp.status {
            200 => {}
            401 => {
                return Verdict::invalid(
                    "GitHub rejected the token (HTTP 401: revoked, expired or wrong)",
                )
            }
            403 if resp.header("x-ratelimit-remaining") == Some("0") => {
                return Verdict::unknown(
                    "GitHub rate limit exhausted (HTTP 403, x-ratelimit-remaining: 0)",
                )
            }
            _ => return unexpected(&resp, USER.id),
        }
        let Some(user) = resp.json().filter(|u| u.get("login").is_some()) else {
            return unexpected(&resp, USER.id);
        };
        let login = user.get("login").and_then(Value::as_str).unwrap_or("?");
        let fine_grained = secret.starts_with("github_pat_");
        let scopes_header = resp.header("x-oauth-scopes");
        let mut facts = if fine_grained || scopes_header.is_none() {
            let mut f = super::detector_worst_case(token.detector);
            f.notes.push(
                "permissions unknown: a fine-grained token's permissions cannot be read without write probes; \
                 scored as the worst plausible"
                    .into(),
            );
            f
        } else {
            let scopes: Vec<String> = scopes_header
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let mut f = ScopeFacts {
                token_kind: token.detector.token_kind.clone(),
                capabilities: scope_capabilities(&scopes).into_iter().collect(),
                ..ScopeFacts::default()
            };
            if scopes.is_empty() {
                f.notes.push("no scopes: public, read-only access".into());
            }
            f.permissions = scopes;
            f
        };
        facts.breadth = Some(Breadth::Account);
        facts.identity = Some(format!(
            "{login} ({})",
            user.get("type").and_then(Value::as_str).unwrap_or("User")
        ));
        facts.expires_at = resp
            .header("github-authentication-token-expiration")
            .and_then(parse_expiry);
        if facts.expires_at.is_none() {
            facts.notes.push("never expires".into());
        }
        self.reach(token, session, &mut facts);
        facts.environments.sort();
        facts.environments.dedup();
        Verdict::live(format!("{} of {login}", facts.token_kind), facts)
    }

    fn remediation(&self, _token: &Token<'_>, facts: &ScopeFacts) -> String {
        if facts.token_kind.contains("installation") {
            return "Installation tokens expire within an hour; narrow the GitHub App's permissions and repository \
                    selection (Settings → GitHub Apps)."
                .into();
        }
        "Replace it with a fine-grained personal access token limited to the repositories the task needs, \
         read-only where possible, with an expiry (https://github.com/settings/personal-access-tokens/new); \
         then revoke this one (https://github.com/settings/tokens)."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_header_becomes_rfc3339() {
        assert_eq!(
            parse_expiry("2026-12-01 10:00:00 UTC").as_deref(),
            Some("2026-12-01T10:00:00Z")
        );
        assert_eq!(
            parse_expiry("2026-12-01 10:00:00 -0700").as_deref(),
            Some("2026-12-01T17:00:00Z")
        );
        assert_eq!(parse_expiry("soon"), None);
    }

    #[test]
    fn scopes_map_to_capabilities() {
        let caps = scope_capabilities(&["repo".into(), "delete_repo".into()]);
        assert!(caps.contains(&Capability::DeleteInfra));
        assert!(caps.contains(&Capability::DeleteData));
        assert!(scope_capabilities(&["read:user".into()])
            .iter()
            .all(|c| *c == Capability::ReadData));
    }
}
