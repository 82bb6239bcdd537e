//! PlanetScale: a service token (`pscale_tkn_…`) works only with its
//! 12-character id (`Authorization: <ID>:<TOKEN>`), which is looked for in
//! the same file (`PLANETSCALE_SERVICE_TOKEN_ID=…`, `--service-token-id …`).
//! With both, the organizations, databases and branches it can read are
//! listed; production branches are PlanetScale's own `production: true`.
//! A service token's permissions cannot be read without write probes, so it
//! keeps the worst plausible ones and says "permissions unknown". Database
//! passwords (`pscale_pw_`) and OAuth tokens are not introspected.

use super::http::{Call, RequestSpec, Response, Session};
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// The PlanetScale provider.
pub struct PlanetScale;

const HOST: &str = "api.planetscale.com";

const ORGS: RequestSpec = RequestSpec::get(
    HOST,
    "planetscale.organizations",
    "/v1/organizations",
    "is the service token live, and its organizations",
);
const DATABASES: RequestSpec = RequestSpec::get(
    HOST,
    "planetscale.databases",
    "/v1/organizations/{org}/databases",
    "databases it reaches",
);
const BRANCHES: RequestSpec = RequestSpec::get(
    HOST,
    "planetscale.branches",
    "/v1/organizations/{org}/databases/{db}/branches",
    "branches of each database, production or not",
);

static REQUESTS: [RequestSpec; 3] = [ORGS, DATABASES, BRANCHES];

const MAX_ORGS: usize = 5;
const MAX_BRANCH_LOOKUPS: usize = 10;

/// The service token id beside the token.
static TOKEN_ID: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?:service[_-]?token[_-]?id|pscale[_-]?token[_-]?id)["']?\s*(?:[:=]|\s)\s*["']?([a-z0-9]{12})\b"#,
    )
    .ok()
});

fn capabilities() -> [Capability; 6] {
    [
        Capability::DeleteData,
        Capability::DeleteBackups,
        Capability::DeleteInfra,
        Capability::Deploy,
        Capability::WriteSecrets,
        Capability::ManageAccess,
    ]
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or_default()
}

fn data(r: &Response) -> Option<Vec<Value>> {
    r.json()
        .filter(|_| r.status == 200)
        .and_then(|j| j.get("data").and_then(Value::as_array).cloned())
}

fn path_safe(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name != "."
        && name != ".."
}

impl PlanetScale {
    fn get(
        &self,
        session: &Session<'_>,
        spec: &RequestSpec,
        auth: &str,
        path: Option<String>,
    ) -> Result<Response, Verdict> {
        let call = Call {
            path,
            headers: vec![
                ("authorization", auth.to_string()),
                ("accept", "application/json".into()),
            ],
            ..Call::default()
        };
        super::send(session, spec, call)
    }
}

impl Provider for PlanetScale {
    fn id(&self) -> &'static str {
        "planetscale"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = super::detector_worst_case(token.detector);
        let secret = token.secret.expose();
        if secret.starts_with("pscale_pw_") {
            f.token_kind = "database password".into();
            f.breadth = Some(Breadth::Environment);
            f.capabilities
                .extend([Capability::DeleteData, Capability::ReadData]);
            f.notes.push(
                "a database password's role (reader, writer, admin) is not known offline: scored as admin of its \
                 branch"
                    .into(),
            );
            return f;
        }
        f.capabilities.extend(capabilities());
        f.notes.push(
            "permissions unknown: a service token's permissions cannot be read without write probes; scored as \
             the worst plausible (delete databases, branches and backups)"
                .into(),
        );
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let secret = token.secret.expose();
        if secret.starts_with("pscale_pw_") {
            return Verdict::skipped(
                "a database password: checking it needs a MySQL connection, which is not made",
            );
        }
        if !secret.starts_with("pscale_tkn_") {
            return Verdict::skipped("only service tokens are introspected; OAuth tokens are not");
        }
        let Some(id) = TOKEN_ID.as_ref().and_then(|re| token.nearby(re)) else {
            return Verdict::skipped(
                "service token id not found beside the token (PLANETSCALE_SERVICE_TOKEN_ID): not verified",
            );
        };
        let auth = format!("{id}:{secret}");
        let resp = match self.get(session, &ORGS, &auth, None) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let body = resp.json();
        let orgs = match (resp.status, &body) {
            (200, Some(b)) if b.get("data").is_some_and(Value::is_array) => {
                data(&resp).unwrap_or_default()
            }
            (401, Some(b)) if b.get("message").is_some() || b.get("code").is_some() => {
                return Verdict::invalid(format!(
                    "PlanetScale rejected the service token (HTTP 401: {})",
                    s(b, "message")
                ))
            }
            _ => return unexpected(&resp, ORGS.id),
        };
        let mut facts = self.offline(token);
        facts.token_kind = "service token".into();
        facts.breadth = Some(Breadth::Workspace);
        facts.identity = Some(format!("service token {id}"));
        let names: Vec<String> = orgs
            .iter()
            .map(|o| s(o, "name").to_string())
            .filter(|n| path_safe(n))
            .collect();
        if names.is_empty() {
            facts.notes.push(
                "no organization readable: the token lacks read access (read_organization)".into(),
            );
        }
        let mut lookups = 0;
        for org in names.iter().take(MAX_ORGS) {
            facts.resources.push(format!("organization {org}"));
            let path = format!("/v1/organizations/{org}/databases");
            let dbs = match self.get(session, &DATABASES, &auth, Some(path)) {
                Ok(r) => match data(&r) {
                    Some(d) => d,
                    None => {
                        facts.notes.push(format!(
                            "databases of {org} not readable (HTTP {}): the token lacks read_databases",
                            r.status
                        ));
                        continue;
                    }
                },
                Err(_) => continue,
            };
            for db in dbs.iter().map(|d| s(d, "name")).filter(|n| path_safe(n)) {
                facts.resources.push(format!("database {org}/{db}"));
                if lookups >= MAX_BRANCH_LOOKUPS {
                    continue;
                }
                lookups += 1;
                let path = format!("/v1/organizations/{org}/databases/{db}/branches");
                let Ok(r) = self.get(session, &BRANCHES, &auth, Some(path)) else {
                    continue;
                };
                for b in data(&r).unwrap_or_default() {
                    let production = b.get("production").and_then(Value::as_bool) == Some(true);
                    let tier = if production {
                        Tier::Production
                    } else {
                        Tier::from_name(s(&b, "name")).unwrap_or(Tier::Development)
                    };
                    facts.environments.push(Environment {
                        name: format!("{db}/{}", s(&b, "name")),
                        tier,
                    });
                }
            }
        }
        facts.environments.sort();
        facts.environments.dedup();
        facts.notes.push("service tokens do not expire".into());
        Verdict::live(format!("service token {id}"), facts)
    }

    fn remediation(&self, token: &Token<'_>, _facts: &ScopeFacts) -> String {
        if token.secret.expose().starts_with("pscale_pw_") {
            return "Give the agent a password with the reader role on a development branch, never an admin \
                    password for a production branch (database → Settings → Passwords); delete this one."
                .into();
        }
        "Replace it with a service token granted only the read permissions the task needs, on the one database it \
         needs, and never delete_production_branch or delete_backups (organization Settings → Service tokens, \
         https://app.planetscale.com/~/settings/service-tokens); then delete this token."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_id_is_found_beside_the_token() {
        let re = TOKEN_ID.as_ref().unwrap();
        let text =
            "PLANETSCALE_SERVICE_TOKEN_ID=k3m9x2p7q1wz\nPLANETSCALE_SERVICE_TOKEN=pscale_tkn_x\n";
        assert_eq!(&re.captures(text).unwrap()[1], "k3m9x2p7q1wz");
        let cli = "pscale db list --service-token-id k3m9x2p7q1wz --service-token $T";
        assert_eq!(&re.captures(cli).unwrap()[1], "k3m9x2p7q1wz");
        assert!(re
            .captures("PLANETSCALE_SERVICE_TOKEN=pscale_tkn_abc")
            .is_none());
    }

    #[test]
    fn names_are_path_safe() {
        assert!(path_safe("acme-db"));
        assert!(!path_safe("../x"));
        assert!(!path_safe("a/b"));
    }
}
