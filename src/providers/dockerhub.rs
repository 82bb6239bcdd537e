//! Docker Hub: a personal (`dckr_pat_`) or organization (`dckr_oat_`) access
//! token logs in only with its user or organization name, which is looked
//! for in the same file (`docker login -u NAME`, `DOCKERHUB_USERNAME=…`).
//! The login (`POST /v2/users/login`, a documented read-only POST: it mints
//! a short-lived session token and changes nothing) returns a JWT whose
//! `scope` claim is the token's access level: `repo:admin` (read, write,
//! delete), `repo:write`, `repo:read` or `repo:public_read`. The session
//! token then lists the namespace's repositories.

use super::http::{Call, Method, RequestKind, RequestSpec, Session};
use super::{b64_decode_lenient, jwt_claims, unexpected, unknown_from, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, ScopeFacts};
use regex::Regex;
use serde_json::{json, Value};
use std::sync::LazyLock;

/// The Docker Hub provider.
pub struct DockerHub;

const HOST: &str = "hub.docker.com";

const LOGIN: RequestSpec = RequestSpec {
    id: "dockerhub.login",
    method: Method::Post,
    host: HOST,
    path: "/v2/users/login",
    kind: RequestKind::ReadOnlyPost {
        why: "logs in with the token to mint a short-lived session JWT whose scope claim is the token's access \
              level; creates and changes no resource",
    },
    purpose: "is the token live, and its access level (JWT scope claim)",
};
const REPOS: RequestSpec = RequestSpec {
    id: "dockerhub.repositories",
    method: Method::Get,
    host: HOST,
    path: "/v2/repositories/{namespace}/",
    kind: RequestKind::Rest,
    purpose: "repositories of the token's namespace",
};

static REQUESTS: [RequestSpec; 2] = [LOGIN, REPOS];

/// The user or organization name beside the token.
static USERNAME: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r#"docker\s+login\b[^\n]*?\s(?:-u|--username)[ =]["']?([A-Za-z0-9][A-Za-z0-9._-]{1,254})"#,
        r#"(?i)\bDOCKER(?:HUB)?_?(?:USER(?:NAME)?|LOGIN|ORG(?:ANI[SZ]ATION)?|NAMESPACE)["']?\s*[:=]\s*["']?([A-Za-z0-9][A-Za-z0-9._-]{1,254})"#,
        r#"(?i)["']?username["']?\s*[:=]\s*["']?([A-Za-z0-9][A-Za-z0-9._-]{1,254})"#,
    ]
    .iter()
    .filter_map(|r| Regex::new(r).ok())
    .collect()
});

/// The user name and secret to log in with: a `dckr_` token with the name
/// beside it, or a `~/.docker/config.json` `auth` value (base64 of
/// `user:secret`).
fn credentials(token: &Token<'_>) -> Option<(String, String)> {
    let secret = token.secret.expose();
    if secret.starts_with("dckr_") {
        return username(token).map(|u| (u, secret.to_string()));
    }
    let raw = String::from_utf8(b64_decode_lenient(secret)?).ok()?;
    let (user, pass) = raw.split_once(':')?;
    (!user.is_empty() && !pass.is_empty()).then(|| (user.to_string(), pass.to_string()))
}

fn username(token: &Token<'_>) -> Option<String> {
    USERNAME
        .iter()
        .find_map(|re| token.nearby(re))
        .filter(|u| !u.starts_with('$'))
}

/// Capabilities of the JWT scope claim's access level.
fn scope_capabilities(scope: &str) -> (Vec<Capability>, &'static str) {
    let words: Vec<&str> = scope.split([' ', ',']).collect();
    if words.contains(&"repo:admin") {
        (
            vec![
                Capability::DeleteData,
                Capability::DeleteInfra,
                Capability::PublishPackages,
                Capability::ReadData,
            ],
            "Read, Write, Delete",
        )
    } else if words.contains(&"repo:write") {
        (
            vec![Capability::PublishPackages, Capability::ReadData],
            "Read & Write",
        )
    } else if words.contains(&"repo:read") {
        (vec![Capability::ReadData], "Read-only")
    } else if words.contains(&"repo:public_read") {
        (Vec::new(), "Public Repo Read-only")
    } else {
        (Vec::new(), "")
    }
}

impl Provider for DockerHub {
    fn id(&self) -> &'static str {
        "dockerhub"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = super::detector_worst_case(token.detector);
        f.capabilities.extend([
            Capability::DeleteData,
            Capability::DeleteInfra,
            Capability::PublishPackages,
            Capability::ReadData,
        ]);
        if let Some((u, _)) = credentials(token) {
            f.identity = Some(u);
        }
        f.notes.push(
            "access level unknown offline: scored as Read, Write, Delete (deletes and overwrites images)".into(),
        );
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let Some((user, password)) = credentials(token) else {
            return Verdict::skipped(
                "no Docker Hub user or organization name beside the token (docker login -u, DOCKERHUB_USERNAME): \
                 a token cannot be checked without it",
            );
        };
        let body = json!({ "username": user, "password": password }).to_string();
        let call = Call {
            headers: vec![("accept", "application/json".into())],
            body: Some(("application/json", body)),
            ..Call::default()
        };
        let resp = match session.send(&LOGIN, call) {
            Ok(r) => r,
            Err(e) => return unknown_from(&e, LOGIN.id),
        };
        let json = resp.json();
        let jwt = match (resp.status, &json) {
            (200, Some(b)) if b.get("token").and_then(Value::as_str).is_some() => {
                b.get("token").and_then(Value::as_str).unwrap_or_default().to_string()
            }
            (401, Some(b)) if b.get("login_2fa_token").is_some() => {
                return Verdict::live(
                    "valid credentials that need a second factor: an account password, not an access token",
                    self.offline(token),
                )
            }
            (401, Some(b)) if b.get("detail").is_some() => {
                return Verdict::invalid(format!(
                    "Docker Hub rejected the token for {user} (HTTP 401: {})",
                    b.get("detail").and_then(Value::as_str).unwrap_or_default()
                ))
            }
            _ => return unexpected(&resp, LOGIN.id),
        };
        let Some(claims) = jwt_claims(&jwt) else {
            return Verdict::unknown("dockerhub.login: the session token is not a readable JWT");
        };
        let scope = claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let (caps, level) = scope_capabilities(scope);
        let hub = claims
            .get("https://hub.docker.com")
            .cloned()
            .unwrap_or_default();
        let hub_user = hub
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or(&user)
            .to_string();
        let org = password.starts_with("dckr_oat_");
        let pat = password.starts_with("dckr_pat_");
        let mut facts = ScopeFacts {
            token_kind: if org {
                "organization access token".into()
            } else if pat {
                "personal access token".into()
            } else {
                "account password (docker login)".into()
            },
            identity: Some(hub_user.clone()),
            capabilities: caps.into_iter().collect(),
            breadth: Some(if org {
                Breadth::Workspace
            } else {
                Breadth::Account
            }),
            ..ScopeFacts::default()
        };
        if level.is_empty() {
            let mut f = self.offline(token);
            f.identity = Some(hub_user.clone());
            f.notes.push(format!(
                "unrecognised access level {scope:?}: scored as the worst plausible"
            ));
            return Verdict::live(format!("{} of {hub_user}", f.token_kind), f);
        }
        facts.permissions.push(format!("{level} ({scope})"));
        facts.notes.push(
            "the token's own expiry is not in the session token; set one when replacing it".into(),
        );
        if level != "Public Repo Read-only" {
            let ns: String = hub_user
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            if !ns.is_empty() && ns != "." && ns != ".." {
                let call = Call {
                    path: Some(format!("/v2/repositories/{ns}/")),
                    query: Some("page_size=100".into()),
                    headers: vec![("authorization", format!("Bearer {jwt}"))],
                    ..Call::default()
                };
                if let Some(j) = session
                    .send(&REPOS, call)
                    .ok()
                    .filter(|r| r.status == 200)
                    .and_then(|r| r.json())
                {
                    let repos: Vec<(String, bool)> = j
                        .get("results")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|r| {
                            (
                                r.get("name")
                                    .and_then(Value::as_str)
                                    .unwrap_or("?")
                                    .to_string(),
                                r.get("is_private")
                                    .and_then(Value::as_bool)
                                    .unwrap_or(false),
                            )
                        })
                        .collect();
                    let private = repos.iter().filter(|(_, p)| *p).count();
                    let names: Vec<&str> = repos.iter().take(10).map(|(n, _)| n.as_str()).collect();
                    let total = j
                        .get("count")
                        .and_then(Value::as_u64)
                        .unwrap_or(repos.len() as u64);
                    facts.resources.push(format!(
                        "{total} repositories in {ns} ({private} private): {}",
                        names.join(", ")
                    ));
                }
            }
        }
        Verdict::live(
            format!("{} of {hub_user} ({level})", facts.token_kind),
            facts,
        )
    }

    fn remediation(&self, _token: &Token<'_>, _facts: &ScopeFacts) -> String {
        "Replace it with a personal access token at the Read-only level (pull) or Read & Write (push), never Read, \
         Write, Delete, with an expiry (https://app.docker.com/settings/personal-access-tokens); for CI, an \
         organization access token limited to the repositories it pushes; then revoke this one."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_levels_map() {
        let (caps, level) = scope_capabilities("repo:admin");
        assert!(caps.contains(&Capability::DeleteData));
        assert_eq!(level, "Read, Write, Delete");
        let (caps, _) = scope_capabilities("repo:write");
        assert!(
            caps.contains(&Capability::PublishPackages) && !caps.contains(&Capability::DeleteData)
        );
        assert_eq!(
            scope_capabilities("repo:public_read").1,
            "Public Repo Read-only"
        );
        assert_eq!(scope_capabilities("openid").1, "");
    }

    #[test]
    fn docker_config_auth_values_carry_user_and_secret() {
        use base64::Engine;
        let auth = base64::engine::general_purpose::STANDARD
            .encode("acmebot:dckr_pat_w745DAnUS1xj7_3HCqC3kGqeHzo");
        let raw = String::from_utf8(b64_decode_lenient(&auth).unwrap()).unwrap();
        assert_eq!(
            raw.split_once(':'),
            Some(("acmebot", "dckr_pat_w745DAnUS1xj7_3HCqC3kGqeHzo"))
        );
    }

    #[test]
    fn usernames_are_found() {
        let find = |text: &str| {
            USERNAME
                .iter()
                .find_map(|re| re.captures(text).map(|c| c[1].to_string()))
        };
        assert_eq!(
            find("echo $T | docker login -u acmebot --password-stdin").as_deref(),
            Some("acmebot")
        );
        assert_eq!(
            find("DOCKERHUB_USERNAME=acmebot\n").as_deref(),
            Some("acmebot")
        );
        assert_eq!(find("DOCKER_USER: \"ci-bot\"").as_deref(), Some("ci-bot"));
        assert_eq!(find("DOCKERHUB_TOKEN=dckr_pat_x"), None);
    }
}
