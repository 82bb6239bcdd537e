//! Supabase: three families of credentials.
//!
//! - Project API keys. The legacy ones are JWTs whose `role` claim decides
//!   everything, offline: `anon` is public by design (row level security
//!   applies), `service_role` bypasses row level security and can delete
//!   every row, storage object and auth user. `sb_publishable_` keys are
//!   like `anon`, `sb_secret_` keys like `service_role`. Their API host is
//!   the project's own (`<ref>.supabase.co`), which the request catalog
//!   cannot declare: they are judged offline only.
//! - `sbp_` Management API personal access tokens: every permission on
//!   every organization and project of the user. Read-only calls list the
//!   organizations, the projects and each project's branches (the default
//!   branch is production, the others previews).

use super::http::{RequestSpec, Response, Session};
use super::str_at;
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use base64::Engine as _;
use serde_json::Value;

/// The Supabase provider.
pub struct Supabase;

const HOST: &str = "api.supabase.com";

const PROJECTS: RequestSpec = RequestSpec::get(
    HOST,
    "supabase.projects",
    "/v1/projects",
    "is the management token live, and the projects it reaches",
);
const ORGANIZATIONS: RequestSpec = RequestSpec::get(
    HOST,
    "supabase.organizations",
    "/v1/organizations",
    "organizations it reaches",
);
const BRANCHES: RequestSpec = RequestSpec::get(
    HOST,
    "supabase.branches",
    "/v1/projects/{ref}/branches",
    "each project's branches: the default (production) and previews",
);

static REQUESTS: [RequestSpec; 3] = [PROJECTS, ORGANIZATIONS, BRANCHES];

/// Most projects whose branches are read.
const MAX_PROJECTS: usize = 10;

/// The claims of a legacy project key (a JWT).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct KeyClaims {
    /// `role`: `anon` or `service_role`.
    pub role: String,
    /// `ref`: the project reference.
    pub project_ref: Option<String>,
    /// `iss`: `supabase`, or `supabase-demo` for the CLI's local keys.
    pub issuer: String,
    /// `exp`, Unix seconds.
    pub expires: Option<i64>,
}

/// Decodes a JWT's payload (no signature check). `None` when it is not a
/// JWT or has no `role` claim.
pub fn decode_jwt(secret: &str) -> Option<KeyClaims> {
    let mut parts = secret.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: Value = serde_json::from_slice(&raw).ok()?;
    Some(KeyClaims {
        role: claims.get("role")?.as_str()?.to_string(),
        project_ref: claims
            .get("ref")
            .and_then(Value::as_str)
            .map(str::to_string),
        issuer: claims
            .get("iss")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        expires: claims.get("exp").and_then(Value::as_i64),
    })
}

/// Which credential a secret is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `sbp_`: a Management API personal access token.
    Management,
    /// `sb_secret_`: a secret project key.
    Secret,
    /// `sb_publishable_`: a publishable project key.
    Publishable,
    /// A legacy JWT project key, with its claims.
    Jwt(KeyClaims),
    /// Not recognised.
    Other,
}

/// Classifies a Supabase credential.
pub fn kind_of(secret: &str) -> Kind {
    if secret.starts_with("sbp_") {
        Kind::Management
    } else if secret.starts_with("sb_secret_") {
        Kind::Secret
    } else if secret.starts_with("sb_publishable_") {
        Kind::Publishable
    } else if let Some(c) = decode_jwt(secret) {
        Kind::Jwt(c)
    } else {
        Kind::Other
    }
}

fn rfc3339(secs: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

fn service_role_capabilities() -> [Capability; 3] {
    [
        Capability::DeleteData,
        Capability::ReadData,
        Capability::ManageAccess,
    ]
}

fn management_capabilities() -> [Capability; 7] {
    [
        Capability::DeleteData,
        Capability::DeleteBackups,
        Capability::DeleteInfra,
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
    path: Option<String>,
) -> Result<Response, Verdict> {
    super::bearer_get(session, spec, token, path, None)
}

fn branch_tier(b: &Value) -> Tier {
    if b.get("is_default") == Some(&Value::Bool(true)) {
        return Tier::Production;
    }
    let name = str_at(b, "/name");
    let git = str_at(b, "/git_branch");
    Tier::from_name(name)
        .or_else(|| Tier::from_name(git))
        .unwrap_or(if b.get("persistent") == Some(&Value::Bool(true)) {
            Tier::Staging
        } else {
            Tier::Development
        })
}

impl Provider for Supabase {
    fn id(&self) -> &'static str {
        "supabase"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = super::detector_worst_case(token.detector);
        match kind_of(token.secret.expose()) {
            Kind::Management => {
                f.token_kind = "Management API personal access token".into();
                f.capabilities.extend(management_capabilities());
                f.breadth = Some(Breadth::Account);
                f.notes.push(
                    "a classic management token has every permission on every organization and project of its \
                     user, current and future: deleting a project deletes its database and backups"
                        .into(),
                );
            }
            Kind::Secret => {
                f.token_kind = "secret project key".into();
                f.capabilities.clear();
                f.capabilities.extend(service_role_capabilities());
                f.breadth = Some(Breadth::Project);
                f.assumed = false;
                f.notes.push(
                    "a secret key bypasses row level security: it can delete every row, storage object and auth user \
                     of its project"
                        .into(),
                );
            }
            Kind::Publishable => {
                f.token_kind = "publishable project key".into();
                f.capabilities.clear();
                f.breadth = Some(Breadth::Project);
                f.assumed = false;
                f.notes
                    .push("public by design: row level security decides what it can do".into());
            }
            Kind::Jwt(c) => {
                f.breadth = Some(Breadth::Project);
                f.assumed = false;
                f.expires_at = c.expires.and_then(rfc3339);
                if let Some(r) = &c.project_ref {
                    f.identity = Some(format!("project {r}"));
                    f.resources
                        .push(format!("project {r} (https://{r}.supabase.co)"));
                }
                f.permissions.push(format!("role {}", c.role));
                f.capabilities.clear();
                match c.role.as_str() {
                    "service_role" => {
                        f.token_kind = "service_role key (legacy JWT)".into();
                        f.capabilities.extend(service_role_capabilities());
                        f.notes.push(
                            "service_role bypasses row level security: it can delete every row, storage object and \
                             auth user of the project"
                                .into(),
                        );
                    }
                    "anon" => {
                        f.token_kind = "anon key (legacy JWT)".into();
                        f.notes.push(
                            "the anon key is public by design: row level security decides what it can do".into(),
                        );
                    }
                    other => {
                        f.token_kind = format!("project JWT with role {other}");
                        f.capabilities.extend(service_role_capabilities());
                        f.assumed = true;
                    }
                }
                if c.issuer == "supabase-demo" {
                    f.capabilities.clear();
                    f.environments = vec![Environment {
                        name: "local (supabase start)".into(),
                        tier: Tier::Development,
                    }];
                    f.notes.push(
                        "the Supabase CLI's public demo key: it only works against a local stack"
                            .into(),
                    );
                }
            }
            Kind::Other => {}
        }
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        match kind_of(token.secret.expose()) {
            Kind::Management => {}
            Kind::Jwt(c) => {
                let now = time::OffsetDateTime::now_utc().unix_timestamp();
                if let Some(exp) = c.expires.filter(|e| *e < now) {
                    return Verdict::invalid(format!(
                        "expired: the key's exp claim is {}",
                        rfc3339(exp).unwrap_or_default()
                    ));
                }
                return Verdict::skipped(
                    "project keys are judged offline: their API host is the project's own, which the request \
                     catalog does not declare",
                );
            }
            _ => {
                return Verdict::skipped(
                    "project keys are judged offline: their API host is the project's own, which the request \
                     catalog does not declare",
                )
            }
        }
        let resp = match get(session, &PROJECTS, token, None) {
            Ok(r) => r,
            Err(v) => return v,
        };
        let projects = match resp.status {
            200 => match resp.json().and_then(|j| j.as_array().cloned()) {
                Some(p) => p,
                None => return unexpected(&resp, PROJECTS.id),
            },
            401 if !resp
                .header("content-type")
                .is_some_and(|c| c.contains("html")) =>
            {
                return Verdict::invalid(
                    "Supabase rejected the token (HTTP 401: revoked, expired or wrong)",
                )
            }
            _ => return unexpected(&resp, PROJECTS.id),
        };
        let mut facts = self.offline(token);
        facts.assumed = false;
        facts.notes.push(
            "scoped management tokens (beta) cannot be told apart read-only; scored as a classic token".into(),
        );
        let mut orgs: Vec<(String, String)> = Vec::new();
        if let Ok(r) = get(session, &ORGANIZATIONS, token, None) {
            if let Some(list) = r
                .json()
                .filter(|_| r.status == 200)
                .and_then(|j| j.as_array().cloned())
            {
                orgs = list
                    .iter()
                    .map(|o| (str_at(o, "/id").to_string(), str_at(o, "/name").to_string()))
                    .collect();
            }
        }
        if !orgs.is_empty() {
            let names: Vec<&str> = orgs.iter().map(|(_, n)| n.as_str()).collect();
            facts.identity = Some(format!("organizations {}", names.join(", ")));
            facts
                .permissions
                .extend(names.iter().map(|n| format!("organization {n}")));
        }
        facts.resources.push(format!("{} projects", projects.len()));
        for (i, p) in projects.iter().enumerate() {
            let name = str_at(p, "/name");
            let project_ref = str_at(p, "/ref");
            let project_ref = if project_ref.is_empty() {
                str_at(p, "/id")
            } else {
                project_ref
            };
            let status = str_at(p, "/status");
            facts.resources.push(format!(
                "project {name} ({project_ref}{})",
                if status.is_empty() {
                    String::new()
                } else {
                    format!(", {status}")
                }
            ));
            let mut branched = false;
            if i < MAX_PROJECTS
                && !project_ref.is_empty()
                && project_ref.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                let path = format!("/v1/projects/{project_ref}/branches");
                if let Ok(r) = get(session, &BRANCHES, token, Some(path)) {
                    if let Some(list) = r
                        .json()
                        .filter(|_| r.status == 200)
                        .and_then(|j| j.as_array().cloned())
                    {
                        for b in &list {
                            branched = true;
                            facts.environments.push(Environment {
                                name: format!("{name}/{}", str_at(b, "/name")),
                                tier: branch_tier(b),
                            });
                        }
                    }
                }
            }
            if !branched {
                facts.environments.push(Environment {
                    name: name.to_string(),
                    tier: Tier::from_name(name).unwrap_or(Tier::Unknown),
                });
            }
        }
        facts.environments.sort();
        facts.environments.dedup();
        Verdict::live(
            format!("management token ({} projects)", projects.len()),
            facts,
        )
    }

    fn remediation(&self, token: &Token<'_>, _facts: &ScopeFacts) -> String {
        match kind_of(token.secret.expose()) {
            Kind::Management => "Revoke it (https://supabase.com/dashboard/account/tokens) and, where a management token \
                                 is really needed, create a scoped token limited to one project and the permissions the \
                                 task needs, with an expiry; agents rarely need the Management API at all."
                .into(),
            Kind::Jwt(c) if c.role == "anon" => {
                "The anon key is public by design; make sure every table has row level security enabled.".into()
            }
            Kind::Publishable => {
                "Publishable keys are public by design; make sure every table has row level security enabled.".into()
            }
            _ => "Never give an agent the service_role or secret key: use the publishable (anon) key with row level \
                  security and a user session, or a database role limited to the tables the task needs; rotate this \
                  key (project → Settings → API Keys, https://supabase.com/dashboard/project/_/settings/api-keys)."
                .into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        let e = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.{}",
            e(r#"{"alg":"HS256","typ":"JWT"}"#),
            e(claims),
            e("sig")
        )
    }

    #[test]
    fn service_role_and_anon_are_told_apart() {
        let sr = jwt(
            r#"{"iss":"supabase","ref":"abcdefghijklmnopqrst","role":"service_role","iat":1700000000,"exp":2015576000}"#,
        );
        let c = decode_jwt(&sr).expect("decodes");
        assert_eq!(c.role, "service_role");
        assert_eq!(c.project_ref.as_deref(), Some("abcdefghijklmnopqrst"));
        assert_eq!(c.expires, Some(2_015_576_000));
        let anon = jwt(r#"{"iss":"supabase","ref":"x","role":"anon"}"#);
        assert!(matches!(kind_of(&anon), Kind::Jwt(c) if c.role == "anon"));
        assert_eq!(kind_of("sbp_0123"), Kind::Management);
        assert_eq!(kind_of("sb_secret_abc"), Kind::Secret);
        assert_eq!(kind_of("sb_publishable_abc"), Kind::Publishable);
        assert_eq!(kind_of("not.a.jwt"), Kind::Other);
        assert!(decode_jwt("a.b").is_none());
        assert!(decode_jwt(&jwt(r#"{"sub":"x"}"#)).is_none());
    }

    #[test]
    fn branches_map_to_tiers() {
        let main = serde_json::json!({"name": "main", "is_default": true});
        let preview =
            serde_json::json!({"name": "feat-login", "is_default": false, "persistent": false});
        let staging =
            serde_json::json!({"name": "staging", "is_default": false, "persistent": true});
        assert_eq!(branch_tier(&main), Tier::Production);
        assert_eq!(branch_tier(&preview), Tier::Development);
        assert_eq!(branch_tier(&staging), Tier::Staging);
    }
}
