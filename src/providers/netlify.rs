//! Netlify: personal access tokens have no scopes — every token has its
//! user's full access. Read-only calls learn whose token it is, the team
//! accounts with the user's role, and the sites it reaches. Every site has a
//! production context (its published deploy) and deploy-preview and
//! branch-deploy contexts.

use super::http::{RequestSpec, Response, Session};
use super::str_at;
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use serde_json::Value;

/// The Netlify provider.
pub struct Netlify;

const HOST: &str = "api.netlify.com";

const USER: RequestSpec = RequestSpec::get(
    HOST,
    "netlify.user",
    "/api/v1/user",
    "is the token live, and whose",
);
const ACCOUNTS: RequestSpec = RequestSpec::get(
    HOST,
    "netlify.accounts",
    "/api/v1/accounts",
    "team accounts it reaches, with the user's role",
);
const SITES: RequestSpec = RequestSpec::get(
    HOST,
    "netlify.sites",
    "/api/v1/sites",
    "sites it reaches and their production deploys",
);

static REQUESTS: [RequestSpec; 3] = [USER, ACCOUNTS, SITES];

fn full_access() -> [Capability; 6] {
    [
        Capability::DeleteInfra,
        Capability::DeleteData,
        Capability::Deploy,
        Capability::WriteSecrets,
        Capability::ManageAccess,
        Capability::ReadData,
    ]
}

fn get(
    session: &Session<'_>,
    spec: &RequestSpec,
    token: &Token<'_>,
    query: Option<&str>,
) -> Result<Response, Verdict> {
    super::bearer_get(session, spec, token, None, query)
}

/// A site's contexts: production, deploy previews and branch deploys.
fn site_environments(site: &Value, facts: &mut ScopeFacts) {
    let name = str_at(site, "/name");
    let published = site.get("published_deploy").is_some_and(|d| !d.is_null());
    facts.environments.push(Environment {
        name: format!("{name}/production"),
        tier: Tier::Production,
    });
    facts.environments.push(Environment {
        name: format!("{name}/deploy-preview"),
        tier: Tier::Development,
    });
    let branch = str_at(site, "/build_settings/repo_branch");
    facts.resources.push(format!(
        "site {name}{}{}",
        if published { " (published)" } else { "" },
        if branch.is_empty() {
            String::new()
        } else {
            format!(", production branch {branch}")
        }
    ));
}

impl Provider for Netlify {
    fn id(&self) -> &'static str {
        "netlify"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = super::detector_worst_case(token.detector);
        f.token_kind = "personal access token".into();
        f.capabilities.extend(full_access());
        f.breadth = Some(Breadth::Account);
        f.notes.push(
            "Netlify tokens have no scopes: every token has its user's full access to every team and site".into(),
        );
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let resp = match get(session, &USER, token, None) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let user = match resp.status {
            200 => match resp.json().filter(|u| u.get("id").is_some()) {
                Some(u) => u,
                None => return unexpected(&resp, USER.id),
            },
            401 if !resp
                .header("content-type")
                .is_some_and(|c| c.contains("html")) =>
            {
                return Verdict::invalid(
                    "Netlify rejected the token (HTTP 401: revoked, expired or wrong)",
                )
            }
            _ => return unexpected(&resp, USER.id),
        };
        let mut facts = self.offline(token);
        facts.assumed = false;
        facts.notes.retain(|n| n.starts_with("Netlify tokens"));
        let email = str_at(&user, "/email");
        let full_name = str_at(&user, "/full_name");
        facts.identity = Some(if full_name.is_empty() {
            email.to_string()
        } else {
            format!("{full_name} ({email})")
        });
        if let Ok(r) = get(session, &ACCOUNTS, token, None) {
            if let Some(list) = r
                .json()
                .filter(|_| r.status == 200)
                .and_then(|j| j.as_array().cloned())
            {
                let me = str_at(&user, "/id");
                let mut owner = false;
                for a in &list {
                    let name = str_at(a, "/name");
                    let owners = a.get("owner_ids").and_then(Value::as_array);
                    let is_owner = owners.is_none_or(|o| o.iter().any(|i| i.as_str() == Some(me)));
                    owner |= is_owner;
                    facts.permissions.push(format!(
                        "team {name}: {}",
                        if is_owner { "Owner" } else { "member" }
                    ));
                }
                if !owner {
                    facts.capabilities.remove(&Capability::ManageAccess);
                }
            }
        }
        match get(session, &SITES, token, Some("filter=all&per_page=100")) {
            Ok(r) => match r
                .json()
                .filter(|_| r.status == 200)
                .and_then(|j| j.as_array().cloned())
            {
                Some(sites) => {
                    facts.resources.push(format!(
                        "{} sites{}",
                        sites.len(),
                        if sites.len() >= 100 { "+" } else { "" }
                    ));
                    for s in &sites {
                        site_environments(s, &mut facts);
                    }
                }
                None => facts
                    .notes
                    .push(format!("sites not readable (HTTP {})", r.status)),
            },
            Err(v) => facts
                .notes
                .push(format!("sites not readable: {}", v.detail)),
        }
        facts.environments.sort();
        facts.environments.dedup();
        Verdict::live(
            format!(
                "personal access token of {}",
                facts.identity.clone().unwrap_or_default()
            ),
            facts,
        )
    }

    fn remediation(&self, _token: &Token<'_>, _facts: &ScopeFacts) -> String {
        "Netlify tokens cannot be scoped. Keep this one out of the agent's reach: deploy from CI with the site's \
         build hooks or a deploy-only workflow, create any replacement with an expiry \
         (https://app.netlify.com/user/applications#personal-access-tokens), and revoke this one."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_have_production_and_previews() {
        let mut f = ScopeFacts::default();
        let site = serde_json::json!({"name": "shop", "published_deploy": {"context": "production"},
            "build_settings": {"repo_branch": "main"}});
        site_environments(&site, &mut f);
        assert_eq!(f.environments[0].tier, Tier::Production);
        assert_eq!(f.environments[1].tier, Tier::Development);
        assert!(f.resources[0].contains("published"));
    }
}
