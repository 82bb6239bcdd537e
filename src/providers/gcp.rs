//! Google Cloud: a service-account key file names its project and account
//! offline (`project_id`, `client_email`). Online, the key signs a JWT and
//! mints a short-lived access token (`POST oauth2.googleapis.com/token`, a
//! documented read-only POST: token minting changes nothing, though Google
//! logs it), then asks the project which destructive permissions the account
//! holds (`projects.testIamPermissions`, read-only: it only answers which of
//! the listed permissions the caller has) and reads the project's labels for
//! its environment. User credentials from `gcloud auth application-default
//! login` (a refresh token) are minted the same way and name their user.

use super::http::{Call, Method, RequestKind, RequestSpec, Response, Session};
use super::{unexpected, unknown_from, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use base64::Engine;
use regex::Regex;
use serde_json::{json, Value};
use std::sync::LazyLock;

/// The Google Cloud provider.
pub struct Gcp;

const TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
const CRM: &str = "cloudresourcemanager.googleapis.com";

const MINT: RequestSpec = RequestSpec {
    id: "gcp.mint-token",
    method: Method::Post,
    host: "oauth2.googleapis.com",
    path: "/token",
    kind: RequestKind::ReadOnlyPost {
        why: "exchanges the key's signed JWT (or a refresh token) for a one-hour access token; creates and changes \
              no resource",
    },
    purpose: "is the key live (a deleted or disabled key is refused)",
};
const TEST_PERMISSIONS: RequestSpec = RequestSpec {
    id: "gcp.test-iam-permissions",
    method: Method::Post,
    host: CRM,
    path: "/v1/projects/{project}:testIamPermissions",
    kind: RequestKind::ReadOnlyPost {
        why: "returns which of the listed permissions the caller holds on the project; changes nothing",
    },
    purpose: "which destructive permissions the account holds on its project",
};
const PROJECT: RequestSpec = RequestSpec {
    id: "gcp.project",
    method: Method::Get,
    host: CRM,
    path: "/v1/projects/{project}",
    kind: RequestKind::Rest,
    purpose: "the project's name and labels (environment)",
};
const USERINFO: RequestSpec = RequestSpec {
    id: "gcp.userinfo",
    method: Method::Get,
    host: "openidconnect.googleapis.com",
    path: "/v1/userinfo",
    kind: RequestKind::Rest,
    purpose: "the user behind application-default credentials",
};

static REQUESTS: [RequestSpec; 4] = [MINT, TEST_PERMISSIONS, PROJECT, USERINFO];

/// Permissions asked of the project, and what each allows.
const PERMISSIONS: [(&str, &[Capability]); 16] = [
    (
        "resourcemanager.projects.delete",
        &[Capability::DeleteInfra],
    ),
    (
        "resourcemanager.projects.setIamPolicy",
        &[Capability::ManageAccess],
    ),
    ("iam.serviceAccountKeys.create", &[Capability::ManageAccess]),
    ("storage.buckets.delete", &[Capability::DeleteData]),
    ("storage.objects.delete", &[Capability::DeleteData]),
    ("storage.objects.get", &[Capability::ReadData]),
    (
        "cloudsql.instances.delete",
        &[Capability::DeleteData, Capability::DeleteInfra],
    ),
    ("cloudsql.backupRuns.delete", &[Capability::DeleteBackups]),
    ("compute.disks.delete", &[Capability::DeleteData]),
    ("compute.snapshots.delete", &[Capability::DeleteBackups]),
    ("compute.instances.delete", &[Capability::DeleteInfra]),
    ("bigquery.datasets.delete", &[Capability::DeleteData]),
    ("bigquery.tables.getData", &[Capability::ReadData]),
    ("secretmanager.versions.access", &[Capability::WriteSecrets]),
    ("run.services.update", &[Capability::Deploy]),
    ("container.clusters.delete", &[Capability::DeleteInfra]),
];

/// What the credential file says.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct KeyFile {
    /// `service_account` or `authorized_user`.
    pub kind: String,
    /// `project_id` (or `quota_project_id` for user credentials).
    pub project: Option<String>,
    /// `client_email`.
    pub email: Option<String>,
    /// `private_key_id`.
    pub key_id: Option<String>,
    /// `client_id` (user credentials).
    pub client_id: Option<String>,
}

static FIELD: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        "type",
        "project_id",
        "quota_project_id",
        "client_email",
        "private_key_id",
        "client_id",
        "client_secret",
    ]
    .iter()
    .filter_map(|k| {
        Regex::new(&format!(r#""{k}"\s*:\s*"([^"\\]{{1,300}})""#))
            .ok()
            .map(|r| (*k, r))
    })
    .collect()
});

/// A field of the JSON credential beside the secret.
fn field(token: &Token<'_>, name: &str) -> Option<String> {
    FIELD
        .iter()
        .find(|(k, _)| *k == name)
        .and_then(|(_, re)| token.nearby(re))
}

/// Reads the credential file around the secret.
pub fn key_file(token: &Token<'_>) -> KeyFile {
    let kind = field(token, "type").unwrap_or_default();
    let user = kind == "authorized_user";
    KeyFile {
        project: if user {
            field(token, "quota_project_id")
        } else {
            field(token, "project_id")
        },
        email: field(token, "client_email"),
        key_id: field(token, "private_key_id"),
        client_id: field(token, "client_id"),
        kind,
    }
}

/// A project id usable in a path: lowercase letters, digits and hyphens.
fn project_ok(p: &str) -> bool {
    (4..=40).contains(&p.len())
        && p.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The DER bytes of a PEM private key, accepting JSON-escaped newlines.
pub fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let text = pem.replace("\\n", "\n").replace("\\r", "");
    let body: String = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("-----") && !l.is_empty())
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

fn b64url(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

/// Signs `header.claims` with RS256.
pub fn sign_jwt(der: &[u8], header: &Value, claims: &Value) -> Option<String> {
    use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
    let key = RsaKeyPair::from_pkcs8(der)
        .or_else(|_| RsaKeyPair::from_der(der))
        .ok()?;
    let input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let mut sig = vec![0u8; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .ok()?;
    Some(format!("{input}.{}", b64url(&sig)))
}

/// Percent-encodes a form value.
fn form(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The tier a project's id and labels name.
fn project_tier(project: &str, labels: Option<&Value>) -> Tier {
    let from_labels = labels.and_then(Value::as_object).and_then(|l| {
        ["env", "environment", "stage", "tier"]
            .iter()
            .filter_map(|k| l.get(*k).and_then(Value::as_str))
            .find_map(Tier::from_name)
    });
    from_labels
        .or_else(|| Tier::from_name(project))
        .unwrap_or(Tier::Unknown)
}

enum Minted {
    Token(String),
    Done(Verdict),
}

impl Gcp {
    fn mint(&self, token: &Token<'_>, key: &KeyFile, session: &Session<'_>) -> Minted {
        let secret = token.secret.expose();
        let body = if secret.contains("PRIVATE KEY") {
            let Some(email) = key.email.as_deref() else {
                return Minted::Done(Verdict::skipped(
                    "no client_email beside the private key: the key cannot be checked without it",
                ));
            };
            let Some(der) = pem_der(secret) else {
                return Minted::Done(Verdict::skipped("the private key is not readable PEM"));
            };
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let mut header = json!({"alg": "RS256", "typ": "JWT"});
            if let Some(kid) = &key.key_id {
                header["kid"] = json!(kid);
            }
            let claims = json!({
                "iss": email,
                "scope": "https://www.googleapis.com/auth/cloud-platform",
                "aud": TOKEN_URI,
                "iat": now,
                "exp": now + 600,
            });
            let Some(jwt) = sign_jwt(&der, &header, &claims) else {
                return Minted::Done(Verdict::skipped(
                    "the private key is not a usable RSA key: not checked",
                ));
            };
            format!(
                "grant_type={}&assertion={jwt}",
                form("urn:ietf:params:oauth:grant-type:jwt-bearer")
            )
        } else {
            let (Some(id), Some(client_secret)) =
                (key.client_id.as_deref(), field(token, "client_secret"))
            else {
                return Minted::Done(Verdict::skipped(
                    "no client_id and client_secret beside the refresh token: not checked",
                ));
            };
            format!(
                "grant_type=refresh_token&client_id={}&client_secret={}&refresh_token={}",
                form(id),
                form(&client_secret),
                form(secret)
            )
        };
        let call = Call {
            body: Some(("application/x-www-form-urlencoded", body)),
            ..Call::default()
        };
        let resp = match session.send(&MINT, call) {
            Ok(r) => r,
            Err(e) => return Minted::Done(unknown_from(&e, MINT.id)),
        };
        let json = resp.json();
        match (resp.status, &json) {
            (200, Some(b)) if b.get("access_token").and_then(Value::as_str).is_some() => {
                Minted::Token(
                    b.get("access_token")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                )
            }
            (400 | 401, Some(b)) if b.get("error").is_some() => {
                let error = b.get("error").and_then(Value::as_str).unwrap_or_default();
                let why = b
                    .get("error_description")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let lower = why.to_ascii_lowercase();
                let rejected = error == "invalid_client"
                    || error == "unauthorized_client"
                    || (error == "invalid_grant"
                        && [
                            "signature",
                            "not found",
                            "revoked",
                            "expired",
                            "disabled",
                            "deleted",
                        ]
                        .iter()
                        .any(|w| lower.contains(w)));
                if rejected {
                    Minted::Done(Verdict::invalid(format!(
                        "Google refused to mint a token (HTTP {}: {error}: {why})",
                        resp.status
                    )))
                } else {
                    Minted::Done(Verdict::unknown(format!(
                        "gcp.mint-token: HTTP {} {error}: {why}",
                        resp.status
                    )))
                }
            }
            _ => Minted::Done(unexpected(&resp, MINT.id)),
        }
    }

    fn bearer(access: &str) -> Vec<(&'static str, String)> {
        vec![("authorization", format!("Bearer {access}"))]
    }

    fn test_permissions(
        &self,
        session: &Session<'_>,
        access: &str,
        project: &str,
    ) -> Result<Response, Verdict> {
        let perms: Vec<&str> = PERMISSIONS.iter().map(|(p, _)| *p).collect();
        let call = Call {
            path: Some(format!("/v1/projects/{project}:testIamPermissions")),
            headers: Self::bearer(access),
            body: Some((
                "application/json",
                json!({ "permissions": perms }).to_string(),
            )),
            ..Call::default()
        };
        session
            .send(&TEST_PERMISSIONS, call)
            .map_err(|e| unknown_from(&e, TEST_PERMISSIONS.id))
    }
}

impl Provider for Gcp {
    fn id(&self) -> &'static str {
        "gcp"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let key = key_file(token);
        let mut f = super::detector_worst_case(token.detector);
        for (_, caps) in PERMISSIONS {
            f.capabilities.extend(caps.iter().copied());
        }
        if key.kind == "authorized_user" || !token.secret.expose().contains("PRIVATE KEY") {
            f.token_kind = "user credentials (application-default refresh token)".into();
            f.breadth = Some(Breadth::Account);
        } else {
            f.token_kind = "service account key".into();
            f.breadth = Some(Breadth::Project);
        }
        if let Some(e) = &key.email {
            f.identity = Some(e.clone());
        }
        if let Some(p) = &key.project {
            f.resources.push(format!("project {p}"));
            let tier = project_tier(p, None);
            if tier != Tier::Unknown {
                f.environments = vec![Environment {
                    name: p.clone(),
                    tier,
                }];
            }
        }
        f.notes.push(
            "roles unknown offline: scored as an owner of its project (a key often carries Editor or Owner); roles \
             granted on other projects or the organization cannot be seen from the key"
                .into(),
        );
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let key = key_file(token);
        let access = match self.mint(token, &key, session) {
            Minted::Token(t) => t,
            Minted::Done(v) => return v,
        };
        let mut facts = self.offline(token);
        let user = key.kind == "authorized_user" || !token.secret.expose().contains("PRIVATE KEY");
        if user {
            let call = Call {
                headers: Self::bearer(&access),
                ..Call::default()
            };
            if let Some(email) = session
                .send(&USERINFO, call)
                .ok()
                .filter(|r| r.status == 200)
                .and_then(|r| r.json())
                .and_then(|j| j.get("email").and_then(Value::as_str).map(str::to_string))
            {
                facts.identity = Some(format!("{email} (user)"));
            }
        }
        facts.notes.clear();
        let Some(project) = key.project.clone().filter(|p| project_ok(p)) else {
            facts.notes.push(
                "no project beside the credential: permissions unknown, scored as the worst plausible".into(),
            );
            return Verdict::live(format!("{} (live)", facts.token_kind), facts);
        };
        match self.test_permissions(session, &access, &project) {
            Ok(r) if r.status == 200 && r.json().is_some_and(|j| j.is_object()) => {
                let held: Vec<String> = r
                    .json()
                    .and_then(|j| j.get("permissions").cloned())
                    .and_then(|p| p.as_array().cloned())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                facts.assumed = false;
                facts.capabilities.clear();
                for (perm, caps) in PERMISSIONS {
                    if held.iter().any(|h| h == perm) {
                        facts.capabilities.extend(caps.iter().copied());
                    }
                }
                if held.is_empty() {
                    facts.notes.push(format!(
                        "none of the tested destructive permissions on {project}; roles on other projects or the \
                         organization are not visible"
                    ));
                }
                facts.permissions = held;
            }
            Ok(r) => facts.notes.push(format!(
                "permissions on {project} not testable (HTTP {}): scored as the worst plausible",
                r.status
            )),
            Err(v) => facts.notes.push(format!(
                "permissions on {project} not testable ({}): scored as the worst plausible",
                v.detail
            )),
        }
        let call = Call {
            path: Some(format!("/v1/projects/{project}")),
            headers: Self::bearer(&access),
            ..Call::default()
        };
        let details = session
            .send(&PROJECT, call)
            .ok()
            .filter(|r| r.status == 200)
            .and_then(|r| r.json());
        let tier = project_tier(&project, details.as_ref().and_then(|d| d.get("labels")));
        facts.environments = vec![Environment {
            name: project.clone(),
            tier,
        }];
        if let Some(d) = &details {
            if let Some(state) = d.get("lifecycleState").and_then(Value::as_str) {
                if state != "ACTIVE" {
                    facts.notes.push(format!("project state {state}"));
                }
            }
        }
        if !user {
            facts
                .notes
                .push("service account keys do not expire unless an expiry policy is set".into());
        }
        Verdict::live(
            format!(
                "{} of {}",
                facts.token_kind,
                facts.identity.clone().unwrap_or_default()
            ),
            facts,
        )
    }

    fn remediation(&self, _token: &Token<'_>, facts: &ScopeFacts) -> String {
        if facts.token_kind.starts_with("user") {
            return "Application-default credentials act as you everywhere: run `gcloud auth application-default \
                    revoke` in the agent's environment and give it a service account with only the predefined roles \
                    it needs, impersonated for short-lived tokens \
                    (https://cloud.google.com/iam/docs/service-account-impersonation)."
                .into();
        }
        "Delete this key (IAM → Service accounts → Keys, https://console.cloud.google.com/iam-admin/serviceaccounts) and \
         use Workload Identity Federation or short-lived impersonation instead; grant the account only the predefined \
         roles the task needs on one non-production project, never Owner or Editor."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_with_json_escapes_decodes() {
        let pem = "-----BEGIN PRIVATE KEY-----\\nTUlJ\\nQUJD\\n-----END PRIVATE KEY-----\\n";
        assert_eq!(pem_der(pem).unwrap(), b"MIIABC");
    }

    #[test]
    fn tiers_from_labels_then_id() {
        assert_eq!(
            project_tier("acme-381422", Some(&json!({"env": "prod"}))),
            Tier::Production
        );
        assert_eq!(project_tier("acme-staging", None), Tier::Staging);
        assert_eq!(project_tier("acme-381422", None), Tier::Unknown);
    }

    #[test]
    fn project_ids_are_path_safe() {
        assert!(project_ok("acme-prod-381422"));
        assert!(!project_ok("../../x"));
        assert!(!project_ok("example.com:proj"));
    }

    #[test]
    fn form_encoding() {
        assert_eq!(
            form("urn:ietf:params:oauth:grant-type:jwt-bearer"),
            "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
        );
    }

    #[test]
    fn signs_with_a_real_key() {
        let der = pem_der(TEST_KEY).unwrap();
        let jwt = sign_jwt(&der, &json!({"alg": "RS256"}), &json!({"iss": "a"})).unwrap();
        assert_eq!(jwt.split('.').count(), 3);
        assert!(sign_jwt(b"not a key", &json!({}), &json!({})).is_none());
    }

    /// A throwaway 2048-bit test key (openssl genpkey), as it appears in a
    /// key file's JSON (escaped newlines). It signs nothing real.
    const TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----\\nMIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQClIWUxcAxVXTyi\\nLXoHvkqo6z8fAf24GHZyso598JCVHgemcNPuwHE3J5FV9UFlv1ODv6C1ypJXoLpJ\\nz0dfbyguJSxPN8ldqX8QczHSjQ7gy6m3Z1MRFaLzY7ZE2JTLWhsptXe8jBoZ/F0A\\nsFluc45L2loxL0uJCl3cPYvRTt/nduUUNk4RWaeup0gR8eLUoxJhB6qBzcNVlBh+\\niuC8ndrMKjER+An54khRV2AHgBC66v3wyE7kWVI5jfTJ9PzCT3wp5ck+Fv+NwZpi\\nRF/sazkHWUS7kCD33JPzTenrQHNwpW99IPMefQEKru8I01EAdYS85ZWeZhn34HkS\\nO1Cy9IJzAgMBAAECggEAAcq5euOw4Tztm1hBUpPa4oy0TCVXjVJdTVmpAy6DmyKk\\nHvHAKFSX8JXHgCEfsGIhnrSLIr3hKv3trOmzaBKK4z6jBZ8LhS6BgvpaXY21+MmC\\nUiEBvUCOBUnH4LpgRE6k1yXcIpnQmgdA3nDgyjqLHkFEfkkkRDHub8/j1FsglzXm\\nHJqNTmAx7iIb8q2msil7gDKbt/YQVOIs309W6NohTPW6dUyMl8B4pPgfflGbBdit\\njgTUTAkDqOsEeVrAhlkeDzPw0RhqB0yAPJhRc4QtTygskZ4OUFBVRWBG8REn8X98\\ny/A9LUfXDiCJLwBEjnfdKQ8nOuKE1S+Ss4VCK1Wz4QKBgQDXROVlEnr8xfvfTciz\\n75c7KIHS5YMYdBWaKkiQQKgOQ/4mU5oy6DFh3dLKYxjq5/HimHe86iOdqvknjQ+m\\nK4Z7qlgaTDGEBN3DigIF/Q77W4F4IPH5gBn52EkgVCPSFC2+jglZtfbybTBAVMAB\\nKab7pJjd21CAVB2xx+UtHw380wKBgQDEX+fkCr+ZknEvP0uqbqvZfusGQwl3mpPC\\nfTg3VlQtNkScCtuhFb9le5S8maDM3kzGnuk0X5wbaczgTW7kFPbPyWhb9Vpea5oI\\nPxJHRqrWa0tE2YIKiXdG/ynew8Xu8I+VTYMRwHh/TFkxijdZLGOEgMI0W82HBwbp\\n7xkdi21f4QKBgQCVW8EJmoPoo/l42wA5EDBOpHFHAWUu70QZveKw65tuonBQ6Uqg\\nrYetznm1YIJmYd3rCTxyv8VMXNcYQQAtnB9n6C3OuTTV04aGaFe1Dfp6Heg7kCgz\\no1Tii9VY7+gWl1eR0fzc2KrpUybaS7MYW2z3RiGmNMeq8jHUKsxwvQ44bwKBgQCu\\nGjmFvOHSTjt7ICr9l9FUq2nDy3uBRtLqBArrROasjwiVMCs4zgc6+i4MaEhgWlbH\\nYexwOrQ0ucCivQQrw0pvPqn/na/ZNp0B4qlZ+BVOtSGukQjyPp45m9CLaBb8mNs0\\nC9zAyFwMwKvzeA9KSEiTGXUU5q95n4lJrmod/5ehAQKBgQCJ3EXMS4XGT9nYnWf5\\nyO2eLMEOXFOslMdgkmWGSxDJFRlCCAhUO24bSJusp3rYHUEE0HMML7Ljx0bkduw+\\n+4xVzoYIhNdB5+MN/2aypQJFRHXCYk3a5WJu0mONIvyhzYeN2V/VGnFH+aiLuYEt\\nWxYQd/fV4VJzmDdtwAlR99oJLQ==\\n-----END PRIVATE KEY-----\\n";
}
