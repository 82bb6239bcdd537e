//! DigitalOcean: the token's kind from its prefix (`dop_v1_` personal access
//! token, `doo_v1_` OAuth token, `dor_v1_` refresh token); `GET /v2/account`
//! for the account and team; projects with their `environment`
//! (Production, Staging, Development) and the resources in each.
//!
//! A token's scopes (read, read+write, or custom `resource:action` scopes)
//! cannot be read: DigitalOcean has no introspection endpoint, and finding
//! them would take write probes. The finding says "permissions unknown" and
//! keeps the worst plausible capabilities.

use super::bearer_get as get;
use super::http::{RequestSpec, Response, Session};
use super::str_at;
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use serde_json::Value;

/// The DigitalOcean provider.
pub struct DigitalOcean;

const HOST: &str = "api.digitalocean.com";

const ACCOUNT: RequestSpec = RequestSpec::get(
    HOST,
    "digitalocean.account",
    "/v2/account",
    "is the token live; the account and its team",
);
const PROJECTS: RequestSpec = RequestSpec::get(
    HOST,
    "digitalocean.projects",
    "/v2/projects",
    "projects and their environment (Production, Staging, Development)",
);
const PROJECT_RESOURCES: RequestSpec = RequestSpec::get(
    HOST,
    "digitalocean.project-resources",
    "/v2/projects/{id}/resources",
    "what each project holds (databases, volumes, droplets, apps)",
);

static REQUESTS: [RequestSpec; 3] = [ACCOUNT, PROJECTS, PROJECT_RESOURCES];

/// Most projects whose resources are listed.
const MAX_PROJECTS: usize = 10;

fn kind_of(secret: &str) -> &'static str {
    if secret.starts_with("dop_v1_") {
        "personal access token"
    } else if secret.starts_with("doo_v1_") {
        "OAuth token"
    } else if secret.starts_with("dor_v1_") {
        "OAuth refresh token"
    } else {
        "API token"
    }
}

fn full_access() -> [Capability; 6] {
    [
        Capability::DeleteData,
        Capability::DeleteBackups,
        Capability::DeleteInfra,
        Capability::Deploy,
        Capability::WriteSecrets,
        Capability::ReadData,
    ]
}

/// DigitalOcean's error id (`unauthorized`, `forbidden`, …).
fn error_id(resp: &Response) -> Option<String> {
    resp.json()?
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn environment_tier(env: &str, name: &str) -> Tier {
    match env.to_ascii_lowercase().as_str() {
        "production" => Tier::Production,
        "staging" => Tier::Staging,
        "development" => Tier::Development,
        _ => Tier::from_name(name).unwrap_or(Tier::Unknown),
    }
}

impl DigitalOcean {
    fn projects(&self, token: &Token<'_>, session: &Session<'_>, facts: &mut ScopeFacts) {
        let Ok(resp) = get(session, &PROJECTS, token, None, Some("per_page=100")) else {
            facts.notes.push("projects not readable".into());
            return;
        };
        let Some(list) = resp
            .json()
            .filter(|_| resp.status == 200)
            .and_then(|j| j.get("projects").and_then(Value::as_array).cloned())
        else {
            facts
                .notes
                .push(format!("projects not readable (HTTP {})", resp.status));
            return;
        };
        facts.resources.push(format!("{} projects", list.len()));
        let mut ordered: Vec<(Tier, &Value)> = list
            .iter()
            .map(|p| {
                (
                    environment_tier(str_at(p, "/environment"), str_at(p, "/name")),
                    p,
                )
            })
            .collect();
        ordered.sort_by_key(|(t, _)| *t);
        for (tier, p) in &ordered {
            let name = str_at(p, "/name");
            facts.environments.push(Environment {
                name: name.to_string(),
                tier: *tier,
            });
        }
        for (_, p) in ordered.iter().take(MAX_PROJECTS) {
            let id = str_at(p, "/id");
            let name = str_at(p, "/name");
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                continue;
            }
            let Ok(r) = get(
                session,
                &PROJECT_RESOURCES,
                token,
                Some(format!("/v2/projects/{id}/resources")),
                Some("per_page=100"),
            ) else {
                continue;
            };
            let Some(res) = r
                .json()
                .filter(|_| r.status == 200)
                .and_then(|j| j.get("resources").and_then(Value::as_array).cloned())
            else {
                continue;
            };
            let mut kinds: Vec<String> = Vec::new();
            for item in &res {
                let urn = str_at(item, "/urn");
                let kind = urn.split(':').nth(1).unwrap_or("?");
                let label = match kind {
                    "dbaas" => "database",
                    "volume" => "volume",
                    "droplet" => "droplet",
                    "app" => "app",
                    "space" => "space",
                    "kubernetes" => "kubernetes cluster",
                    "domain" => "domain",
                    "loadbalancer" => "load balancer",
                    other => other,
                };
                kinds.push(label.to_string());
            }
            kinds.sort();
            let mut summary: Vec<String> = Vec::new();
            for k in &kinds {
                if summary.iter().any(|s| s.ends_with(&format!(" {k}"))) {
                    continue;
                }
                let n = kinds.iter().filter(|x| *x == k).count();
                summary.push(format!("{n} {k}"));
            }
            if !summary.is_empty() {
                facts
                    .resources
                    .push(format!("project {name}: {}", summary.join(", ")));
            }
        }
    }
}

impl Provider for DigitalOcean {
    fn id(&self) -> &'static str {
        "digitalocean"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = super::detector_worst_case(token.detector);
        let secret = token.secret.expose();
        if !secret.starts_with("do") || secret.get(3..7) != Some("_v1_") {
            // A Spaces key or other credential: the detector's worst case.
            return f;
        }
        f.token_kind = kind_of(secret).into();
        f.capabilities.extend(full_access());
        f.breadth = Some(Breadth::Workspace);
        f.notes.push(
            "permissions unknown: a DigitalOcean token's scopes cannot be read without write probes; scored as \
             read+write, which can destroy droplets, databases, volumes and their snapshots and backups"
                .into(),
        );
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let secret = token.secret.expose();
        if !secret.starts_with("do") || secret.get(3..7) != Some("_v1_") {
            return Verdict::skipped(
                "Spaces keys sign S3 requests with their key id; no read-only call is made",
            );
        }
        if secret.starts_with("dor_v1_") {
            return Verdict::skipped(
                "a refresh token is only usable with the OAuth app's client secret; no call made",
            );
        }
        let resp = match get(session, &ACCOUNT, token, None, None) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let mut facts = self.offline(token);
        facts.assumed = true;
        match resp.status {
            200 => {
                let Some(acct) = resp.json().and_then(|j| j.get("account").cloned()) else {
                    return unexpected(&resp, ACCOUNT.id);
                };
                let email = str_at(&acct, "/email");
                let team = str_at(&acct, "/team/name");
                facts.identity = Some(if team.is_empty() {
                    email.to_string()
                } else {
                    format!("{email} (team {team})")
                });
                let status = str_at(&acct, "/status");
                if !status.is_empty() && status != "active" {
                    facts.notes.push(format!("account status: {status}"));
                }
            }
            401 if error_id(&resp).is_some() => {
                return Verdict::invalid(
                    "DigitalOcean rejected the token (HTTP 401: revoked, expired or wrong)",
                )
            }
            403 if error_id(&resp).as_deref() == Some("forbidden") => {
                facts.notes.push(
                    "a custom-scoped token without account:read; it authenticated, but its other scopes are unknown"
                        .into(),
                );
            }
            _ => return unexpected(&resp, ACCOUNT.id),
        }
        self.projects(token, session, &mut facts);
        facts.environments.sort();
        facts.environments.dedup();
        Verdict::live(
            format!(
                "{} of {}",
                facts.token_kind,
                facts
                    .identity
                    .clone()
                    .unwrap_or_else(|| "an unknown account".into())
            ),
            facts,
        )
    }

    fn remediation(&self, _token: &Token<'_>, _facts: &ScopeFacts) -> String {
        "Replace it with a custom-scoped token limited to the resources and actions the task needs (no `delete` \
         scopes), read-only where possible, with an expiry (https://cloud.digitalocean.com/account/api/tokens); keep \
         production resources in a separate team; then revoke this token."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_environments_map_to_tiers() {
        assert_eq!(environment_tier("Production", "web"), Tier::Production);
        assert_eq!(environment_tier("Staging", "web"), Tier::Staging);
        assert_eq!(environment_tier("", "web-dev"), Tier::Development);
        assert_eq!(environment_tier("", "web"), Tier::Unknown);
    }

    #[test]
    fn kinds_from_prefixes() {
        assert_eq!(kind_of("dop_v1_abc"), "personal access token");
        assert_eq!(kind_of("doo_v1_abc"), "OAuth token");
        assert_eq!(kind_of("dor_v1_abc"), "OAuth refresh token");
    }
}
