//! Linear: one GraphQL `query` (`viewer`, `organization`, `teams`) says whose
//! key it is, whether its user is a workspace admin, and which teams it sees.
//! A personal API key can be restricted (read-only, create issues, chosen
//! teams) but Linear exposes no way to read those restrictions: the key is
//! scored as its user could act, and says "permissions unknown".

use super::http::{Call, Method, RequestKind, RequestSpec, Session};
use super::{unexpected, unknown_from, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, ScopeFacts};
use serde_json::Value;

/// The Linear provider.
pub struct Linear;

const VIEWER: RequestSpec = RequestSpec {
    id: "linear.viewer",
    method: Method::Post,
    host: "api.linear.app",
    path: "/graphql",
    kind: RequestKind::GraphQl {
        document: "query BlastradiusViewer { viewer { id name email admin } organization { id name urlKey } teams(first: 50) { nodes { id key name } } }",
    },
    purpose: "is the key live, whose, is its user an admin, the workspace and the teams it sees",
};

static REQUESTS: [RequestSpec; 1] = [VIEWER];

/// Whether a GraphQL error is Linear's "not authenticated".
fn is_auth_error(err: &Value) -> bool {
    let code = err
        .pointer("/extensions/code")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = err
        .pointer("/extensions/type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let msg = err
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    code == "AUTHENTICATION_ERROR"
        || kind == "authentication error"
        || msg.contains("not authenticated")
        || msg.contains("authentication required")
}

impl Provider for Linear {
    fn id(&self) -> &'static str {
        "linear"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = super::detector_worst_case(token.detector);
        f.breadth = Some(Breadth::Workspace);
        f.capabilities.extend([
            Capability::DeleteData,
            Capability::DeleteInfra,
            Capability::ManageAccess,
            Capability::ReadData,
        ]);
        f.notes.push(
            "permissions unknown: a Linear key's restrictions cannot be read; scored as an admin's full-access key"
                .into(),
        );
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let secret = token.secret.expose();
        let oauth = secret.starts_with("lin_oauth_");
        let call = Call {
            // Personal API keys are sent bare; OAuth tokens as Bearer.
            headers: vec![(
                "authorization",
                if oauth {
                    format!("Bearer {secret}")
                } else {
                    secret.to_string()
                },
            )],
            ..Call::default()
        };
        let resp = match session.send(&VIEWER, call) {
            Ok(r) => r,
            Err(e) => return unknown_from(&e, VIEWER.id),
        };
        let Some(body) = resp.json() else {
            return unexpected(&resp, VIEWER.id);
        };
        // The viewer *and* errors about it (or the organization, or the whole
        // operation): a partial answer is not proof either way.
        if body.pointer("/data/viewer").is_some_and(Value::is_object) {
            let about_identity = body
                .get("errors")
                .and_then(Value::as_array)
                .and_then(|errs| {
                    errs.iter().find(|e| {
                        e.get("path")
                            .and_then(Value::as_array)
                            .and_then(|p| p.first())
                            .is_none_or(|f| f == "viewer" || f == "organization")
                    })
                });
            if let Some(e) = about_identity {
                let msg = e.get("message").and_then(Value::as_str).unwrap_or("");
                return Verdict::unknown(format!(
                    "{}: data came with GraphQL errors about it ({msg:?}), not proof of what the key is",
                    VIEWER.id
                ));
            }
        }
        let auth_error = body
            .get("errors")
            .and_then(Value::as_array)
            .and_then(|e| e.iter().find(|e| is_auth_error(e)));
        if matches!(resp.status, 200 | 400 | 401) {
            if let Some(e) = auth_error {
                let msg = e.get("message").and_then(Value::as_str).unwrap_or("");
                return Verdict::invalid(format!(
                    "Linear rejected the key (HTTP {}: {msg})",
                    resp.status
                ));
            }
        }
        let viewer = body.pointer("/data/viewer").filter(|v| v.is_object());
        let (200, Some(viewer)) = (resp.status, viewer) else {
            return unexpected(&resp, VIEWER.id);
        };
        let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let admin = viewer.get("admin").and_then(Value::as_bool).unwrap_or(true);
        let org = body
            .pointer("/data/organization")
            .cloned()
            .unwrap_or_default();
        let who = [s(viewer, "email"), s(viewer, "name")]
            .into_iter()
            .find(|x| !x.is_empty())
            .unwrap_or_else(|| "unknown user".into());
        let mut facts = self.offline(token);
        facts.token_kind = if oauth {
            "OAuth access token".into()
        } else {
            "personal API key".into()
        };
        facts.identity = Some(format!(
            "{who} in {} ({})",
            s(&org, "name"),
            if admin { "admin" } else { "member" }
        ));
        facts.permissions.push(format!(
            "user role: {}",
            if admin { "admin" } else { "member" }
        ));
        if !admin {
            facts.capabilities.remove(&Capability::ManageAccess);
            facts.capabilities.remove(&Capability::DeleteInfra);
        }
        let key = s(&org, "urlKey");
        if !key.is_empty() {
            facts.resources.push(format!("workspace {key}"));
        }
        let teams: Vec<String> = body
            .pointer("/data/teams/nodes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|t| s(t, "key"))
            .filter(|k| !k.is_empty())
            .collect();
        if !teams.is_empty() {
            facts
                .resources
                .push(format!("{} team(s): {}", teams.len(), teams.join(", ")));
        }
        facts.notes.clear();
        facts.notes.push(
            "permissions unknown: the key may be restricted (read-only, create issues, some teams) but Linear \
             offers no way to read that; scored as its user could act"
                .into(),
        );
        Verdict::live(format!("{} of {who}", facts.token_kind), facts)
    }

    fn remediation(&self, _token: &Token<'_>, _facts: &ScopeFacts) -> String {
        "Replace it with a personal API key restricted to Read (or Create issues) and to the teams the task needs \
         (Linear → Settings → Security & access → Personal API keys, https://linear.app/settings/account/security), \
         then revoke this one."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn authentication_errors_are_recognised() {
        assert!(is_auth_error(
            &json!({"message": "Authentication required, not authenticated",
            "extensions": {"type": "authentication error", "code": "AUTHENTICATION_ERROR"}})
        ));
        assert!(!is_auth_error(&json!({"message": "Entity not found"})));
    }

    #[test]
    fn the_document_is_a_query() {
        assert!(VIEWER.check_read_only().is_ok());
    }
}
