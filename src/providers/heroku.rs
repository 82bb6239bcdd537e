//! Heroku: the account behind the token (`GET /account`), the token's OAuth
//! authorization and scope (`GET /oauth/authorizations`, which only a
//! `global` token may read), the apps it reaches, the teams with the user's
//! role, and each app's pipeline stage (`production`, `staging`,
//! `development`, `review`) from the pipeline couplings.

use super::http::{RequestSpec, Response, Session};
use super::str_at;
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use serde_json::Value;
use std::collections::HashMap;

/// The Heroku provider.
pub struct Heroku;

const HOST: &str = "api.heroku.com";

const ACCOUNT: RequestSpec = RequestSpec::get(
    HOST,
    "heroku.account",
    "/account",
    "is the token live, and whose",
);
const AUTHORIZATIONS: RequestSpec = RequestSpec::get(
    HOST,
    "heroku.oauth-authorizations",
    "/oauth/authorizations",
    "the token's OAuth authorization: scope, description, expiry (readable by global tokens only)",
);
const APPS: RequestSpec = RequestSpec::get(HOST, "heroku.apps", "/apps", "apps it reaches");
const COUPLINGS: RequestSpec = RequestSpec::get(
    HOST,
    "heroku.pipeline-couplings",
    "/pipeline-couplings",
    "each app's pipeline stage: production, staging, development or review",
);
const TEAMS: RequestSpec = RequestSpec::get(
    HOST,
    "heroku.teams",
    "/teams",
    "teams and the user's role in each",
);

static REQUESTS: [RequestSpec; 5] = [ACCOUNT, AUTHORIZATIONS, APPS, COUPLINGS, TEAMS];

fn get(session: &Session<'_>, spec: &RequestSpec, token: &Token<'_>) -> Result<Response, Verdict> {
    super::get(
        session,
        spec,
        vec![
            super::bearer(token),
            ("accept", "application/vnd.heroku+json; version=3".into()),
        ],
        None,
        None,
    )
}

/// What an OAuth scope allows.
pub fn scope_capabilities(scope: &str) -> Vec<Capability> {
    match scope {
        "global" => vec![
            Capability::DeleteInfra,
            Capability::DeleteData,
            Capability::Deploy,
            Capability::WriteSecrets,
            Capability::ManageAccess,
            Capability::ReadData,
        ],
        "write-protected" => vec![
            Capability::DeleteInfra,
            Capability::DeleteData,
            Capability::Deploy,
            Capability::WriteSecrets,
            Capability::ReadData,
        ],
        "write" => vec![
            Capability::DeleteInfra,
            Capability::DeleteData,
            Capability::Deploy,
            Capability::ReadData,
        ],
        "read-protected" => vec![Capability::WriteSecrets, Capability::ReadData],
        "read" => vec![Capability::ReadData],
        _ => vec![],
    }
}

/// A pipeline stage as a tier.
fn stage_tier(stage: &str) -> Tier {
    match stage {
        "production" => Tier::Production,
        "staging" => Tier::Staging,
        "development" | "review" => Tier::Development,
        other => Tier::from_name(other).unwrap_or(Tier::Unknown),
    }
}

fn secs_from_now(secs: i64) -> Option<String> {
    let t = time::OffsetDateTime::now_utc() + time::Duration::seconds(secs);
    t.replace_nanosecond(0)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

impl Heroku {
    /// Reads the token's own authorization. `Some(scopes)` when found.
    fn authorization(
        &self,
        token: &Token<'_>,
        session: &Session<'_>,
        facts: &mut ScopeFacts,
    ) -> Option<Vec<String>> {
        let resp = get(session, &AUTHORIZATIONS, token).ok()?;
        let body = resp.json();
        match resp.status {
            200 => {}
            403 if body.as_ref().is_some_and(|b| b.get("id").is_some()) => {
                facts.notes.push(
                    "not a global token: it may not read OAuth authorizations; its exact scope cannot be read"
                        .into(),
                );
                facts.assumed = true;
                return Some(vec!["write-protected".into()]);
            }
            _ => return None,
        }
        let list = body?.as_array().cloned()?;
        let secret = token.secret.expose();
        let mine = list
            .iter()
            .find(|a| a.pointer("/access_token/token").and_then(Value::as_str) == Some(secret));
        match mine {
            Some(a) => {
                let desc = str_at(a, "/description");
                if !desc.is_empty() {
                    facts.permissions.push(format!("authorization \"{desc}\""));
                }
                facts.expires_at = a
                    .pointer("/access_token/expires_in")
                    .and_then(Value::as_i64)
                    .and_then(secs_from_now);
                let scopes: Vec<String> = a
                    .get("scope")
                    .and_then(Value::as_array)
                    .map(|s| {
                        s.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                Some(scopes)
            }
            None => {
                // Reading authorizations takes the global scope.
                facts.notes.push(
                    "may read OAuth authorizations, which takes the global scope (a CLI or API key token)".into(),
                );
                Some(vec!["global".into()])
            }
        }
    }
}

impl Provider for Heroku {
    fn id(&self) -> &'static str {
        "heroku"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = super::detector_worst_case(token.detector);
        f.token_kind = if token.secret.expose().starts_with("HRKU-") {
            "API token".into()
        } else {
            "API key or OAuth token".into()
        };
        f.capabilities.extend(scope_capabilities("global"));
        f.breadth = Some(Breadth::Account);
        f.notes
            .push("unverified: scored as a global-scope token (the CLI's default)".into());
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let resp = match get(session, &ACCOUNT, token) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let account = match resp.status {
            200 => match resp.json().filter(|a| a.get("email").is_some()) {
                Some(a) => a,
                None => return unexpected(&resp, ACCOUNT.id),
            },
            403 if resp
                .json()
                .is_some_and(|b| b.get("id").and_then(Value::as_str) == Some("forbidden")) =>
            {
                // Authenticated, but without the identity scope: `read` or `write`.
                let mut facts = self.offline(token);
                facts.capabilities.clear();
                facts.capabilities.extend(scope_capabilities("write"));
                facts.notes.clear();
                facts.notes.push(
                    "the token may not read the account (no global or identity scope): a `read` or `write` token; \
                     scored as `write`"
                        .into(),
                );
                return Verdict::live("API token without account access", facts);
            }
            401 if resp.json().is_some_and(|b| b.get("id").is_some()) => {
                return Verdict::invalid(format!(
                    "Heroku rejected the token (HTTP 401{})",
                    resp.json()
                        .and_then(|b| b
                            .get("id")
                            .and_then(Value::as_str)
                            .map(|s| format!(", {s}")))
                        .unwrap_or_default()
                ))
            }
            _ => return unexpected(&resp, ACCOUNT.id),
        };
        let mut facts = ScopeFacts {
            token_kind: self.offline(token).token_kind,
            breadth: Some(Breadth::Account),
            identity: Some(str_at(&account, "/email").to_string()),
            ..ScopeFacts::default()
        };
        let scopes = match self.authorization(token, session, &mut facts) {
            Some(s) => s,
            None => {
                facts.assumed = true;
                facts
                    .notes
                    .push("scope not readable; taken as global".into());
                vec!["global".into()]
            }
        };
        for s in &scopes {
            facts.capabilities.extend(scope_capabilities(s));
        }
        facts
            .permissions
            .splice(0..0, scopes.iter().map(|s| format!("scope {s}")));
        // Apps, and their pipeline stages.
        let mut apps: HashMap<String, String> = HashMap::new();
        if let Ok(r) = get(session, &APPS, token) {
            if let Some(list) = r
                .json()
                .filter(|_| r.status == 200)
                .and_then(|j| j.as_array().cloned())
            {
                for a in &list {
                    apps.insert(str_at(a, "/id").to_string(), str_at(a, "/name").to_string());
                }
                facts.resources.push(format!("{} apps", list.len()));
            }
        }
        let mut staged: Vec<String> = Vec::new();
        if let Ok(r) = get(session, &COUPLINGS, token) {
            if let Some(list) = r
                .json()
                .filter(|_| r.status == 200)
                .and_then(|j| j.as_array().cloned())
            {
                for c in &list {
                    let id = str_at(c, "/app/id");
                    let name = apps
                        .get(id)
                        .cloned()
                        .or_else(|| {
                            c.pointer("/app/name")
                                .and_then(Value::as_str)
                                .map(str::to_string)
                        })
                        .unwrap_or_else(|| id.to_string());
                    let stage = str_at(c, "/stage");
                    facts.environments.push(Environment {
                        name: format!("{name} ({stage})"),
                        tier: stage_tier(stage),
                    });
                    staged.push(id.to_string());
                }
            }
        }
        let mut names: Vec<(&String, &String)> = apps.iter().collect();
        names.sort_by(|a, b| a.1.cmp(b.1));
        for (id, name) in names {
            facts.resources.push(format!("app {name}"));
            if !staged.contains(id) {
                facts.environments.push(Environment {
                    name: name.clone(),
                    tier: Tier::from_name(name).unwrap_or(Tier::Unknown),
                });
            }
        }
        if let Ok(r) = get(session, &TEAMS, token) {
            if let Some(list) = r
                .json()
                .filter(|_| r.status == 200)
                .and_then(|j| j.as_array().cloned())
            {
                for t in &list {
                    facts.permissions.push(format!(
                        "team {}: {}",
                        str_at(t, "/name"),
                        str_at(t, "/role")
                    ));
                }
            }
        }
        if facts.capabilities.contains(&Capability::DeleteInfra) && !apps.is_empty() {
            facts.notes.push(
                "deleting an app destroys its Heroku Postgres and other add-ons with it".into(),
            );
        }
        facts.environments.sort();
        facts.environments.dedup();
        Verdict::live(
            format!(
                "{} of {} ({})",
                facts.token_kind,
                facts.identity.clone().unwrap_or_default(),
                scopes.join(", ")
            ),
            facts,
        )
    }

    fn remediation(&self, _token: &Token<'_>, _facts: &ScopeFacts) -> String {
        "Replace it with an OAuth authorization limited to the `read` or `write` scope and an expiry \
         (`heroku authorizations:create --scope read --expires-in 86400`, or https://dashboard.heroku.com/account/applications), \
         and keep production apps in a team the agent's user cannot administer; then revoke this token \
         (`heroku authorizations:revoke`)."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_map_to_tiers() {
        assert_eq!(stage_tier("production"), Tier::Production);
        assert_eq!(stage_tier("staging"), Tier::Staging);
        assert_eq!(stage_tier("review"), Tier::Development);
    }

    #[test]
    fn scopes_map_to_capabilities() {
        assert!(scope_capabilities("global").contains(&Capability::ManageAccess));
        assert!(!scope_capabilities("write").contains(&Capability::WriteSecrets));
        assert_eq!(scope_capabilities("read"), vec![Capability::ReadData]);
        assert!(scope_capabilities("identity").is_empty());
    }
}
