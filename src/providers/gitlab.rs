//! GitLab: the token's kind from its prefix, the user and organization ids a
//! routable token carries (decoded offline), and, for access tokens, read-only
//! calls for its scopes and expiry (`/personal_access_tokens/self`), its
//! owner (`/user`), the projects it reaches with the owner's access level, and
//! each project's environments with their `tier`.
//!
//! Only gitlab.com is asked. A self-managed instance's base URL would have to
//! come from the workspace, and the request catalog only declares fixed hosts:
//! tokens of self-managed instances are not sent anywhere by this module.

use super::http::{RequestSpec, Response, Session};
use super::str_at;
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use base64::Engine as _;
use serde_json::Value;

/// The GitLab provider.
pub struct GitLab;

const HOST: &str = "gitlab.com";

const TOKEN_SELF: RequestSpec = RequestSpec::get(
    HOST,
    "gitlab.token-self",
    "/api/v4/personal_access_tokens/self",
    "is the access token live, its scopes, expiry and owner id",
);
const USER: RequestSpec = RequestSpec::get(
    HOST,
    "gitlab.user",
    "/api/v4/user",
    "who owns it: a person, an admin, or a project/group access token's bot user",
);
const PROJECTS: RequestSpec = RequestSpec::get(
    HOST,
    "gitlab.projects",
    "/api/v4/projects",
    "projects it reaches, with the owner's access level in each",
);
const ENVIRONMENTS: RequestSpec = RequestSpec::get(
    HOST,
    "gitlab.project-environments",
    "/api/v4/projects/{id}/environments",
    "each reachable project's environments and their tier (production, staging, …)",
);

static REQUESTS: [RequestSpec; 4] = [TOKEN_SELF, USER, PROJECTS, ENVIRONMENTS];

/// Most projects whose environments are read.
const MAX_ENV_LOOKUPS: usize = 10;

/// What the routing payload of a routable GitLab token says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Routing {
    /// `o`: organization id.
    pub organization: Option<u64>,
    /// `u`: user id.
    pub user: Option<u64>,
    /// `c`: cell id.
    pub cell: Option<u64>,
    /// `g`: group id.
    pub group: Option<u64>,
    /// `p`: project id.
    pub project: Option<u64>,
    /// `t`: token type, verbatim.
    pub kind: Option<String>,
}

fn base36_value(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 13 {
        return None;
    }
    u64::from_str_radix(s, 36).ok()
}

fn base36(mut n: u64, width: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    while n > 0 {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn parse_routing(payload: &[u8]) -> Option<Routing> {
    let text = std::str::from_utf8(payload).ok()?;
    let mut r = Routing::default();
    let mut any = false;
    for line in text.split('\n') {
        let (k, v) = line.split_once(':')?;
        match k {
            "o" => r.organization = Some(base36_value(v)?),
            "u" => r.user = Some(base36_value(v)?),
            "c" => r.cell = Some(base36_value(v)?),
            "g" => r.group = Some(base36_value(v)?),
            "p" => r.project = Some(base36_value(v)?),
            "t" if !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric()) => {
                r.kind = Some(v.to_string())
            }
            _ => return None,
        }
        any = true;
    }
    any.then_some(r)
}

/// Decodes a routable token (`glpat-<base64url>.01.<len><crc>`, or the
/// unversioned `glpat-<base64url>.<len><crc>`): checks its CRC32 and returns
/// the routing payload. `None` when the token is not routable or is damaged.
pub fn decode_routable(secret: &str) -> Option<Routing> {
    if !secret.is_ascii() || secret.len() < 20 {
        return None;
    }
    let (before, crc) = secret.split_at(secret.len() - 7);
    if base36(u64::from(crc32fast::hash(before.as_bytes())), 7) != crc {
        return None;
    }
    let dash = before.find('-')?;
    let rest = &before[dash + 1..];
    let parts: Vec<&str> = rest.split('.').collect();
    let (b64, len) = match parts.as_slice() {
        [b64, version, len] if version.len() == 2 => (*b64, *len),
        [b64, len] => (*b64, *len),
        _ => return None,
    };
    if len.len() != 2 || base36_value(len)? != b64.len() as u64 {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64)
        .ok()?;
    let (&last, body) = bytes.split_last()?;
    let n = usize::from(last);
    // Current order: 16 random bytes, the payload, the payload's length.
    if body.len() > 16 && body.len() - 16 == n {
        if let Some(r) = parse_routing(&body[16..]) {
            return Some(r);
        }
    }
    // Earlier order: the payload, 16 random bytes, their count (16).
    if n == 16 && body.len() > 16 {
        return parse_routing(&body[..body.len() - 16]);
    }
    None
}

/// The token kind from its prefix, and whether the API can introspect it.
fn kind_of(secret: &str) -> (&'static str, bool) {
    let table: [(&str, &str, bool); 12] = [
        ("glpat-", "personal, project or group access token", true),
        ("gldt-", "deploy token", false),
        ("glrt-", "runner authentication token", false),
        ("glcbt-", "CI/CD job token", false),
        ("glptt-", "pipeline trigger token", false),
        ("glft-", "feed token", false),
        ("glimt-", "incoming mail token", false),
        ("glagent-", "Kubernetes agent token", false),
        ("gloas-", "OAuth application secret", false),
        ("glsoat-", "SCIM token", false),
        ("glffct-", "feature flag client token", false),
        ("GR1348941", "runner registration token", false),
    ];
    table
        .iter()
        .find(|(p, _, _)| secret.starts_with(p))
        .map(|(_, k, api)| (*k, *api))
        .unwrap_or(("access token (no prefix)", true))
}

fn auth(token: &Token<'_>) -> Vec<(&'static str, String)> {
    vec![("private-token", token.secret.expose().to_string())]
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

/// GitLab's `expires_at` (a date) as RFC 3339.
fn expiry(v: &Value) -> Option<String> {
    let date = v.get("expires_at")?.as_str()?;
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(date.get(..10)?, &fmt).ok()?;
    d.midnight()
        .assume_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// An environment `tier` as reported by GitLab.
fn tier_of(tier: &str, name: &str) -> Tier {
    match tier {
        "production" => Tier::Production,
        "staging" => Tier::Staging,
        "testing" => Tier::Test,
        "development" => Tier::Development,
        _ => Tier::from_name(name).unwrap_or(Tier::Unknown),
    }
}

fn level_name(level: u64) -> &'static str {
    match level {
        50.. => "Owner",
        40..=49 => "Maintainer",
        30..=39 => "Developer",
        20..=29 => "Reporter",
        15..=19 => "Planner",
        5..=14 => "Guest",
        _ => "no access",
    }
}

/// What the token's scopes allow, given the owner's highest access level
/// (50 Owner, 40 Maintainer, 30 Developer, 20 Reporter, 10 Guest).
pub fn scope_capabilities(scopes: &[String], level: u64, admin: bool) -> Vec<Capability> {
    let mut caps = Vec::new();
    for s in scopes {
        match s.as_str() {
            "api" => {
                caps.push(Capability::ReadData);
                if level >= 30 {
                    caps.extend([Capability::Deploy, Capability::DeleteData]);
                }
                if level >= 40 {
                    caps.extend([Capability::WriteSecrets, Capability::ManageAccess]);
                }
                if level >= 50 {
                    caps.push(Capability::DeleteInfra);
                }
                if admin {
                    caps.extend([
                        Capability::DeleteInfra,
                        Capability::DeleteData,
                        Capability::ManageAccess,
                        Capability::WriteSecrets,
                    ]);
                }
            }
            "write_repository" => {
                caps.push(Capability::ReadData);
                if level >= 30 {
                    caps.extend([Capability::DeleteData, Capability::Deploy]);
                }
            }
            "write_registry" | "write_virtual_registry" if level >= 30 => {
                caps.push(Capability::Deploy)
            }
            "create_runner" | "manage_runner" if level >= 40 => caps.push(Capability::WriteSecrets),
            "k8s_proxy" if level >= 30 => caps.push(Capability::Deploy),
            "sudo" | "admin_mode" if admin => caps.extend([
                Capability::DeleteInfra,
                Capability::DeleteData,
                Capability::ManageAccess,
                Capability::WriteSecrets,
            ]),
            "read_api"
            | "read_repository"
            | "read_registry"
            | "read_user"
            | "read_virtual_registry" => caps.push(Capability::ReadData),
            _ => {}
        }
    }
    caps
}

impl GitLab {
    /// Projects and environments the token reaches; returns the highest
    /// access level seen, or `None` when the projects could not be read.
    fn reach(
        &self,
        token: &Token<'_>,
        session: &Session<'_>,
        facts: &mut ScopeFacts,
    ) -> Option<u64> {
        let resp = get(
            session,
            &PROJECTS,
            token,
            None,
            Some("membership=true&min_access_level=10&per_page=100&order_by=last_activity_at"),
        )
        .ok()?;
        if resp.status != 200 {
            facts.notes.push(format!(
                "projects not readable (HTTP {}); the owner's role is taken as Owner",
                resp.status
            ));
            return None;
        }
        let projects = resp.json().and_then(|j| j.as_array().cloned())?;
        let mut levels: Vec<(u64, String, String)> = projects
            .iter()
            .map(|p| {
                let project = p
                    .pointer("/permissions/project_access/access_level")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                let group = p
                    .pointer("/permissions/group_access/access_level")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                let id = p
                    .get("id")
                    .map(|v| match v {
                        Value::Number(n) => n.to_string(),
                        other => other.as_str().unwrap_or_default().to_string(),
                    })
                    .unwrap_or_default();
                (
                    project.max(group),
                    id,
                    str_at(p, "/path_with_namespace").to_string(),
                )
            })
            .collect();
        levels.sort_by_key(|l| std::cmp::Reverse(l.0));
        let max = levels.first().map_or(0, |l| l.0);
        let owned = levels.iter().filter(|l| l.0 >= 50).count();
        let maintained = levels.iter().filter(|l| l.0 >= 40).count();
        facts.resources.push(format!(
            "{} projects{} ({owned} as Owner, {maintained} as Maintainer or above)",
            levels.len(),
            if levels.len() >= 100 { "+" } else { "" }
        ));
        for (level, _, name) in levels.iter().take(20) {
            facts
                .permissions
                .push(format!("project {name}: {}", level_name(*level)));
        }
        for (_, id, name) in levels.iter().filter(|l| l.0 >= 30).take(MAX_ENV_LOOKUPS) {
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let path = format!("/api/v4/projects/{id}/environments");
            let Ok(resp) = get(
                session,
                &ENVIRONMENTS,
                token,
                Some(path),
                Some("per_page=100&states=available"),
            ) else {
                continue;
            };
            let Some(envs) = resp.json().and_then(|j| j.as_array().cloned()) else {
                continue;
            };
            for env in envs {
                let ename = str_at(&env, "/name");
                facts.environments.push(Environment {
                    name: format!("{name}/{ename}"),
                    tier: tier_of(str_at(&env, "/tier"), ename),
                });
            }
        }
        Some(max)
    }
}

impl Provider for GitLab {
    fn id(&self) -> &'static str {
        "gitlab"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let secret = token.secret.expose();
        let mut f = super::detector_worst_case(token.detector);
        let (kind, _) = kind_of(secret);
        f.token_kind = kind.to_string();
        if secret.starts_with("glpat-") {
            f.capabilities.extend([
                Capability::DeleteData,
                Capability::DeleteInfra,
                Capability::Deploy,
                Capability::WriteSecrets,
                Capability::ManageAccess,
                Capability::ReadData,
            ]);
            f.breadth = Some(Breadth::Account);
            f.notes.push(
                "unverified: scored as a personal access token with the `api` scope of a project owner".into(),
            );
        }
        if let Some(r) = decode_routable(secret) {
            let mut who = Vec::new();
            if let Some(u) = r.user {
                who.push(format!("user id {u}"));
            }
            if let Some(o) = r.organization {
                who.push(format!("organization id {o}"));
            }
            if let Some(g) = r.group {
                who.push(format!("group id {g}"));
            }
            if let Some(p) = r.project {
                who.push(format!("project id {p}"));
            }
            if !who.is_empty() {
                f.identity = Some(who.join(", "));
            }
            f.notes
                .push("routable token: owner ids decoded offline, checksum valid".into());
        }
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let secret = token.secret.expose();
        let (kind, api) = kind_of(secret);
        if !api {
            return Verdict::skipped(format!(
                "GitLab has no read-only API call that identifies a {kind}"
            ));
        }
        let resp = match get(session, &TOKEN_SELF, token, None, None) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let body = resp.json();
        let error = body
            .as_ref()
            .and_then(|b| b.get("error").or_else(|| b.get("message")))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let data = match (resp.status, body) {
            (200, Some(b)) if b.get("scopes").is_some_and(Value::is_array) => b,
            (401, Some(_)) => {
                return Verdict::invalid(format!(
                    "GitLab rejected the token (HTTP 401{}: revoked, expired or wrong)",
                    if error.is_empty() {
                        String::new()
                    } else {
                        format!(" {error}")
                    }
                ))
            }
            (403, Some(_)) if error == "insufficient_scope" => {
                // Live, but without `api`/`read_api`: repository or registry scopes only.
                let mut f = self.offline(token);
                f.capabilities.clear();
                f.capabilities.extend([
                    Capability::DeleteData,
                    Capability::Deploy,
                    Capability::ReadData,
                ]);
                f.breadth = Some(Breadth::Account);
                f.notes.clear();
                f.notes.push(
                    "the token has no API scope (insufficient_scope): only repository or registry scopes, \
                     which cannot be read; scored as write_repository (force-push, branch deletion)"
                        .into(),
                );
                return Verdict::live("access token without an API scope", f);
            }
            _ => return unexpected(&resp, TOKEN_SELF.id),
        };
        if data.get("revoked") == Some(&Value::Bool(true))
            || data.get("active") == Some(&Value::Bool(false))
        {
            return Verdict::invalid("GitLab reports the token as revoked or inactive");
        }
        let scopes: Vec<String> = data
            .get("scopes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let mut facts = ScopeFacts {
            token_kind: "personal access token".into(),
            expires_at: expiry(&data),
            breadth: Some(Breadth::Account),
            ..ScopeFacts::default()
        };
        if facts.expires_at.is_none() {
            facts.notes.push("never expires".into());
        }
        let name = str_at(&data, "/name").to_string();
        let mut admin = false;
        let mut username = String::new();
        if let Ok(r) = get(session, &USER, token, None, None) {
            if let Some(u) = r
                .json()
                .filter(|u| r.status == 200 && u.get("username").is_some())
            {
                username = str_at(&u, "/username").to_string();
                admin = u.get("is_admin") == Some(&Value::Bool(true));
                if u.get("bot") == Some(&Value::Bool(true)) {
                    if username.starts_with("group_") {
                        facts.token_kind = "group access token".into();
                        facts.breadth = Some(Breadth::Workspace);
                    } else {
                        facts.token_kind = "project access token".into();
                        facts.breadth = Some(Breadth::Project);
                    }
                }
            }
        }
        facts.identity = Some(match (username.is_empty(), name.is_empty()) {
            (false, false) => format!("{username} (token \"{name}\")"),
            (false, true) => username.clone(),
            (true, _) => format!(
                "user id {}",
                data.get("user_id")
                    .map(Value::to_string)
                    .unwrap_or_default()
            ),
        });
        if admin {
            facts
                .notes
                .push("the owner is a GitLab administrator".into());
        }
        if let Some(r) = decode_routable(token.secret.expose()) {
            facts.notes.push(format!(
                "routable token: user id {}, organization id {} (decoded offline)",
                r.user.map_or_else(|| "?".into(), |u| u.to_string()),
                r.organization.map_or_else(|| "?".into(), |o| o.to_string()),
            ));
        }
        let level = match self.reach(token, session, &mut facts) {
            Some(l) => l,
            None => {
                facts.assumed = true;
                50
            }
        };
        facts.capabilities = scope_capabilities(&scopes, level, admin)
            .into_iter()
            .collect();
        if scopes.iter().any(|s| s == "api") && level < 50 && !admin {
            facts
                .notes
                .push("owner of no project: cannot delete projects".into());
        }
        facts
            .permissions
            .splice(0..0, scopes.iter().map(|s| format!("scope {s}")));
        facts.environments.sort();
        facts.environments.dedup();
        Verdict::live(
            format!("{} ({})", facts.token_kind, scopes.join(", ")),
            facts,
        )
    }

    fn remediation(&self, token: &Token<'_>, facts: &ScopeFacts) -> String {
        let secret = token.secret.expose();
        if !secret.starts_with("glpat-") {
            let (kind, _) = kind_of(secret);
            return format!(
                "Rotate this {kind} and keep its replacement in CI/CD variables (masked, protected), out of the \
                 workspace. For API access give the agent a project access token with `read_api` and the Reporter \
                 role (project → Settings → Access tokens)."
            );
        }
        let narrow = if facts.token_kind.contains("project access") {
            "Keep project access tokens to the Reporter role and `read_api`/`read_repository` scopes where the task \
             only reads, with an expiry (project → Settings → Access tokens)."
        } else {
            "Replace it with a project access token for the one project the task needs, with the `read_api` or \
             `read_repository` scope, the Reporter or Developer role and an expiry (project → Settings → Access \
             tokens); then revoke this one at https://gitlab.com/-/user_settings/personal_access_tokens."
        };
        narrow.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a routable token the way GitLab does (current byte order).
    fn routable(payload: &str, versioned: bool) -> String {
        let mut raw: Vec<u8> = (0u8..16)
            .map(|i| i.wrapping_mul(37).wrapping_add(11))
            .collect();
        raw.extend_from_slice(payload.as_bytes());
        raw.push(payload.len() as u8);
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw);
        let len = base36(b64.len() as u64, 2);
        let body = if versioned {
            format!("glpat-{b64}.01.{len}")
        } else {
            format!("glpat-{b64}.{len}")
        };
        format!(
            "{body}{}",
            base36(u64::from(crc32fast::hash(body.as_bytes())), 7)
        )
    }

    #[test]
    fn routable_token_yields_user_and_organization() {
        let t = routable("c:1\no:1\nu:2bq", true);
        let r = decode_routable(&t).expect("decodes");
        assert_eq!(r.organization, Some(1));
        assert_eq!(r.user, Some(3014)); // base36 "2bq"
        assert_eq!(r.cell, Some(1));
        let t = routable("o:a\nu:z", false);
        let r = decode_routable(&t).expect("unversioned decodes");
        assert_eq!((r.organization, r.user), (Some(10), Some(35)));
    }

    #[test]
    fn detector_example_decodes() {
        let r = decode_routable("glpat-eDqa4jXQUUCslOXnKom_5mM6MQpvOjEKdTozNmoN.01.140xzvmx4")
            .expect("decodes");
        assert_eq!(
            (r.cell, r.organization, r.user),
            (Some(1), Some(1), Some(4123))
        );
    }

    #[test]
    fn earlier_byte_order_decodes() {
        let payload = "o:1\nu:k";
        let mut raw = payload.as_bytes().to_vec();
        raw.extend((0u8..16).map(|i| i.wrapping_mul(13)));
        raw.push(16);
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw);
        let body = format!("glpat-{b64}.01.{}", base36(b64.len() as u64, 2));
        let t = format!(
            "{body}{}",
            base36(u64::from(crc32fast::hash(body.as_bytes())), 7)
        );
        let r = decode_routable(&t).expect("decodes");
        assert_eq!((r.organization, r.user), (Some(1), Some(20)));
    }

    #[test]
    fn damaged_or_legacy_tokens_do_not_decode() {
        let t = routable("o:1\nu:2bq", true);
        let mut chars: Vec<char> = t.chars().collect();
        chars[10] = if chars[10] == 'x' { 'y' } else { 'x' };
        let flipped: String = chars.into_iter().collect();
        assert!(decode_routable(&flipped).is_none());
        assert!(decode_routable("glpat-xxxxxxxxxxxxxxxxxxxx").is_none());
        assert!(decode_routable("").is_none());
        assert!(decode_routable("glpat-é.01.1z0000000").is_none());
    }

    #[test]
    fn kinds_come_from_prefixes() {
        assert!(kind_of("glpat-abc").1);
        assert_eq!(kind_of("gldt-abc").0, "deploy token");
        assert!(!kind_of("glrt-abc").1);
        assert_eq!(kind_of("GR1348941abc").0, "runner registration token");
    }

    #[test]
    fn scopes_and_roles_map_to_capabilities() {
        let api = vec!["api".to_string()];
        let owner = scope_capabilities(&api, 50, false);
        assert!(owner.contains(&Capability::DeleteInfra));
        let dev = scope_capabilities(&api, 30, false);
        assert!(!dev.contains(&Capability::DeleteInfra));
        assert!(!dev.contains(&Capability::ManageAccess));
        assert!(dev.contains(&Capability::DeleteData));
        let read = scope_capabilities(&["read_api".into(), "read_repository".into()], 50, false);
        assert!(read.iter().all(|c| *c == Capability::ReadData));
    }

    #[test]
    fn tiers_follow_gitlab() {
        assert_eq!(tier_of("production", "x"), Tier::Production);
        assert_eq!(tier_of("testing", "x"), Tier::Test);
        assert_eq!(tier_of("other", "review/feature-1"), Tier::Unknown);
        assert_eq!(tier_of("other", "stage"), Tier::Staging);
    }

    #[test]
    fn expiry_is_a_date() {
        let v: Value = serde_json::json!({"expires_at": "2026-08-15"});
        assert_eq!(expiry(&v).as_deref(), Some("2026-08-15T00:00:00Z"));
        assert_eq!(expiry(&serde_json::json!({"expires_at": null})), None);
    }
}
