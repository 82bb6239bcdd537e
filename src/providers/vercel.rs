//! Vercel: the token's kind from its prefix (and its CRC32 checksum);
//! `GET /v5/user/tokens/current` for the token's scopes (the user's whole
//! account, or named teams) and expiry; the user, the teams with the user's
//! role, and each team's projects. Every project has a production
//! environment and preview deployments; custom environments are listed where
//! a project has them.

use super::http::{Call, RequestSpec, Response, Session};
use super::str_at;
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use serde_json::Value;

/// The Vercel provider.
pub struct Vercel;

const HOST: &str = "api.vercel.com";

const TOKEN: RequestSpec = RequestSpec::get(
    HOST,
    "vercel.token-current",
    "/v5/user/tokens/current",
    "is the token live, its scopes (account or teams) and expiry",
);
const USER: RequestSpec = RequestSpec::get(HOST, "vercel.user", "/v2/user", "whose token it is");
const TEAMS: RequestSpec = RequestSpec::get(
    HOST,
    "vercel.teams",
    "/v2/teams",
    "teams it reaches, with the user's role in each",
);
const PROJECTS: RequestSpec = RequestSpec::get(
    HOST,
    "vercel.projects",
    "/v9/projects",
    "projects of the account or of each team, with their production deployments",
);

static REQUESTS: [RequestSpec; 4] = [TOKEN, USER, TEAMS, PROJECTS];

/// Most teams whose projects are listed.
const MAX_TEAMS: usize = 10;

fn kind_of(secret: &str) -> &'static str {
    match secret.get(..4) {
        Some("vcp_") => "personal access token",
        Some("vci_") => "integration token",
        Some("vca_") => "app access token",
        Some("vcr_") => "app refresh token",
        Some("vck_") => "AI Gateway key",
        _ => "access token",
    }
}

fn base62(mut n: u32, width: usize) -> String {
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    while n > 0 {
        out.push(DIGITS[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Whether a new-format token's last six characters are the base62 CRC32 of
/// the body between the prefix and them. `None` for legacy tokens.
pub fn checksum_ok(secret: &str) -> Option<bool> {
    if !secret.is_ascii() || secret.len() != 60 || !secret.starts_with("vc") {
        return None;
    }
    if secret.as_bytes().get(3) != Some(&b'_') {
        return None;
    }
    let body = &secret[4..54];
    let check = &secret[54..];
    Some(base62(crc32fast::hash(body.as_bytes()), 6) == check)
}

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

/// What a team role allows (Owner, Member, Developer, Billing, Viewer, …).
fn role_capabilities(role: &str) -> Vec<Capability> {
    match role.to_ascii_uppercase().as_str() {
        "OWNER" => full_access().to_vec(),
        "MEMBER" | "PROJECT_ADMIN" => vec![
            Capability::DeleteInfra,
            Capability::DeleteData,
            Capability::Deploy,
            Capability::WriteSecrets,
            Capability::ReadData,
        ],
        "DEVELOPER" | "CONTRIBUTOR" => vec![
            Capability::Deploy,
            Capability::WriteSecrets,
            Capability::ReadData,
        ],
        "BILLING" => vec![],
        _ => vec![Capability::ReadData],
    }
}

/// Milliseconds since the epoch as RFC 3339.
fn ms_to_rfc3339(ms: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(ms / 1000).ok()?;
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

fn get(
    session: &Session<'_>,
    spec: &RequestSpec,
    token: &Token<'_>,
    query: Option<String>,
) -> Result<Response, Verdict> {
    let call = Call {
        query,
        headers: vec![super::bearer(token)],
        ..Call::default()
    };
    super::send(session, spec, call)
}

/// Adds a project's environments: production, preview, and custom ones.
fn project_environments(owner: &str, p: &Value, facts: &mut ScopeFacts) {
    let name = str_at(p, "/name");
    let label = if owner.is_empty() {
        name.to_string()
    } else {
        format!("{owner}/{name}")
    };
    let live = p
        .pointer("/targets/production")
        .is_some_and(|t| !t.is_null())
        || p.get("latestDeployments")
            .and_then(Value::as_array)
            .is_some_and(|d| d.iter().any(|d| str_at(d, "/target") == "production"));
    facts.environments.push(Environment {
        name: format!("{label}/production"),
        tier: Tier::Production,
    });
    facts.environments.push(Environment {
        name: format!("{label}/preview"),
        tier: Tier::Development,
    });
    for env in p
        .get("customEnvironments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let slug = str_at(env, "/slug");
        let tier = match str_at(env, "/type") {
            "production" => Tier::Production,
            "development" => Tier::Development,
            _ => Tier::from_name(slug).unwrap_or(Tier::Staging),
        };
        facts.environments.push(Environment {
            name: format!("{label}/{slug}"),
            tier,
        });
    }
    facts.resources.push(format!(
        "project {label}{}",
        if live {
            " (deployed to production)"
        } else {
            ""
        }
    ));
}

impl Vercel {
    fn projects(
        &self,
        token: &Token<'_>,
        session: &Session<'_>,
        team: Option<(&str, &str)>,
        facts: &mut ScopeFacts,
    ) {
        let query = match team {
            Some((id, _)) if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => return,
            Some((id, _)) => format!("teamId={id}&limit=100"),
            None => "limit=100".to_string(),
        };
        let owner = team.map_or("", |t| t.1);
        let Ok(resp) = get(session, &PROJECTS, token, Some(query)) else {
            facts
                .notes
                .push(format!("projects of {owner} not readable"));
            return;
        };
        let Some(list) = resp
            .json()
            .filter(|_| resp.status == 200)
            .and_then(|b| b.get("projects").and_then(Value::as_array).cloned())
        else {
            facts.notes.push(format!(
                "projects of {} not readable (HTTP {})",
                if owner.is_empty() {
                    "the account"
                } else {
                    owner
                },
                resp.status
            ));
            return;
        };
        for p in &list {
            project_environments(owner, p, facts);
        }
    }
}

impl Provider for Vercel {
    fn id(&self) -> &'static str {
        "vercel"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let secret = token.secret.expose();
        let mut f = super::detector_worst_case(token.detector);
        f.token_kind = kind_of(secret).into();
        f.capabilities.extend(full_access());
        f.breadth = Some(Breadth::Account);
        if checksum_ok(secret) == Some(true) {
            f.notes.push("checksum valid".into());
        }
        if secret.starts_with("vck_") {
            f.capabilities.clear();
            f.capabilities.insert(Capability::ReadData);
            f.breadth = Some(Breadth::Workspace);
            f.notes.push(
                "an AI Gateway key only calls models through the gateway, billed to its team"
                    .into(),
            );
            return f;
        }
        f.notes.push(
            "unverified: scored as a full-account token (Vercel tokens have no per-operation scopes)".into(),
        );
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let secret = token.secret.expose();
        if secret.starts_with("vck_") {
            return Verdict::skipped(
                "AI Gateway keys have no read-only identity call; no call made",
            );
        }
        if secret.starts_with("vcr_") {
            return Verdict::skipped(
                "a refresh token is only usable with the app's client secret; no call made",
            );
        }
        let resp = match get(session, &TOKEN, token, None) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let body = resp.json();
        let data = match (resp.status, body) {
            (200, Some(b)) if b.get("token").is_some_and(Value::is_object) => b,
            (401 | 403, Some(b)) if b.get("error").is_some_and(Value::is_object) => {
                let code = str_at(&b, "/error/code");
                let invalid = resp.status == 401
                    || b.pointer("/error/invalidToken") == Some(&Value::Bool(true));
                if invalid {
                    return Verdict::invalid(format!(
                        "Vercel rejected the token (HTTP {}{})",
                        resp.status,
                        if code.is_empty() {
                            String::new()
                        } else {
                            format!(", {code}")
                        }
                    ));
                }
                return unexpected(&resp, TOKEN.id);
            }
            _ => return unexpected(&resp, TOKEN.id),
        };
        let t = &data["token"];
        let mut facts = ScopeFacts {
            token_kind: kind_of(token.secret.expose()).into(),
            ..ScopeFacts::default()
        };
        let name = str_at(t, "/name");
        if !name.is_empty() {
            facts.permissions.push(format!("token \"{name}\""));
        }
        facts.expires_at = t
            .get("expiresAt")
            .and_then(Value::as_i64)
            .and_then(ms_to_rfc3339);
        if facts.expires_at.is_none() {
            facts.notes.push("never expires".into());
        }
        let scopes = t
            .get("scopes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let user_scope = scopes.is_empty() || scopes.iter().any(|s| str_at(s, "/type") == "user");
        let team_ids: Vec<String> = scopes
            .iter()
            .filter(|s| str_at(s, "/type") == "team")
            .map(|s| str_at(s, "/teamId").to_string())
            .collect();
        for s in &scopes {
            match str_at(s, "/type") {
                "team" => facts
                    .permissions
                    .push(format!("scope team {}", str_at(s, "/teamId"))),
                other => facts.permissions.push(format!("scope {other}")),
            }
        }
        facts.breadth = Some(if user_scope {
            Breadth::Account
        } else {
            Breadth::Workspace
        });
        // Who.
        if let Ok(r) = get(session, &USER, token, None) {
            if let Some(u) = r
                .json()
                .filter(|u| r.status == 200 && u.get("user").is_some())
            {
                let username = str_at(&u, "/user/username");
                let email = str_at(&u, "/user/email");
                facts.identity = Some(if email.is_empty() {
                    username.to_string()
                } else {
                    format!("{username} ({email})")
                });
            }
        }
        // Teams and roles.
        let mut teams: Vec<(String, String, String)> = Vec::new();
        let mut teams_read = false;
        if let Ok(r) = get(session, &TEAMS, token, Some("limit=100".into())) {
            if let Some(list) = r
                .json()
                .filter(|_| r.status == 200)
                .and_then(|b| b.get("teams").and_then(Value::as_array).cloned())
            {
                teams_read = true;
                for team in list {
                    let id = str_at(&team, "/id").to_string();
                    if !user_scope && !team_ids.contains(&id) {
                        continue;
                    }
                    teams.push((
                        id,
                        str_at(&team, "/slug").to_string(),
                        str_at(&team, "/membership/role").to_string(),
                    ));
                }
            }
        }
        let mut caps: Vec<Capability> = Vec::new();
        if user_scope {
            // The personal account: its owner can do everything to it.
            caps.extend(full_access());
            self.projects(token, session, None, &mut facts);
        }
        if !teams_read {
            caps.extend(full_access());
            facts.assumed = true;
            facts
                .notes
                .push("teams not readable: the role is taken as Owner".into());
            for id in &team_ids {
                self.projects(token, session, Some((id, id)), &mut facts);
            }
        }
        for (id, slug, role) in teams.iter().take(MAX_TEAMS) {
            facts.permissions.push(format!("team {slug}: {role}"));
            caps.extend(role_capabilities(role));
            self.projects(token, session, Some((id, slug)), &mut facts);
        }
        facts.capabilities = caps.into_iter().collect();
        facts.environments.sort();
        facts.environments.dedup();
        let who = facts.identity.clone().unwrap_or_default();
        Verdict::live(format!("{} of {who}", facts.token_kind), facts)
    }

    fn remediation(&self, _token: &Token<'_>, facts: &ScopeFacts) -> String {
        let base = "Vercel tokens cannot be limited to operations: scope the replacement to the one team the task \
                    needs, with an expiry (https://vercel.com/account/settings/tokens), and give agents preview \
                    deployments only; then revoke this token.";
        if facts.breadth == Some(Breadth::Account) {
            format!("This token reaches your whole account. {base}")
        } else {
            base.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_is_base62_crc32_of_the_body() {
        let body = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0hIj3kLm6nOp";
        assert_eq!(body.len(), 50);
        let t = format!("vcp_{body}{}", base62(crc32fast::hash(body.as_bytes()), 6));
        assert_eq!(checksum_ok(&t), Some(true));
        let bad = t.replacen("Ab3d", "Ab3e", 1);
        assert_eq!(checksum_ok(&bad), Some(false));
        assert_eq!(checksum_ok("abcdefghijklmnopqrstuvwx"), None);
    }

    #[test]
    fn roles_map_to_capabilities() {
        assert!(role_capabilities("OWNER").contains(&Capability::ManageAccess));
        assert!(!role_capabilities("MEMBER").contains(&Capability::ManageAccess));
        assert!(role_capabilities("MEMBER").contains(&Capability::DeleteInfra));
        assert_eq!(role_capabilities("VIEWER"), vec![Capability::ReadData]);
    }

    #[test]
    fn projects_have_production_and_preview() {
        let mut f = ScopeFacts::default();
        let p = serde_json::json!({"name": "web", "targets": {"production": {"id": "dpl_1"}},
            "customEnvironments": [{"slug": "staging", "type": "preview"}]});
        project_environments("acme", &p, &mut f);
        let tiers: Vec<Tier> = f.environments.iter().map(|e| e.tier).collect();
        assert_eq!(
            tiers,
            vec![Tier::Production, Tier::Development, Tier::Staging]
        );
        assert_eq!(
            f.resources,
            vec!["project acme/web (deployed to production)"]
        );
    }

    #[test]
    fn expiry_in_milliseconds() {
        assert_eq!(
            ms_to_rfc3339(1_786_000_000_000).as_deref(),
            Some("2026-08-06T07:06:40Z")
        );
    }
}
