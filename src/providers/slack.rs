//! Slack: the token's kind from its prefix (bot, user, rotating, refresh,
//! app-level, legacy, incoming webhook URL), then `auth.test` for who and
//! which workspace, with the `x-oauth-scopes` response header for the scopes.
//!
//! Slack answers HTTP 200 for failures too: `{"ok": false, "error": …}`.
//! `invalid_auth`, `token_revoked`, `token_expired`, `account_inactive` and
//! `not_authed` are rejections; any other `ok:false` is not proof of
//! anything and ends as `unknown`.

use super::http::{Call, Method, RequestKind, RequestSpec, Session};
use super::{unexpected, unknown_from, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, ScopeFacts};
use serde_json::Value;

/// The Slack provider.
pub struct Slack;

const AUTH_TEST: RequestSpec = RequestSpec {
    id: "slack.auth-test",
    method: Method::Get,
    host: "slack.com",
    path: "/api/auth.test",
    kind: RequestKind::Rest,
    purpose: "is the token live, whose, which workspace, and its scopes (x-oauth-scopes)",
};

static REQUESTS: [RequestSpec; 1] = [AUTH_TEST];

/// Slack's answers that mean the token is dead.
const REJECTIONS: [&str; 6] = [
    "invalid_auth",
    "token_revoked",
    "token_expired",
    "account_inactive",
    "not_authed",
    "org_login_required",
];

/// The kind of a Slack credential, from its shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `xoxb-`: a bot token.
    Bot,
    /// `xoxp-`: a user token, acting as the person.
    User,
    /// `xoxe.xoxb-` / `xoxe.xoxp-`: a rotating (expiring) token.
    Rotating,
    /// `xoxe-`: a refresh token.
    Refresh,
    /// `xapp-`: an app-level token.
    App,
    /// `xoxa-`, `xoxr-`, `xoxs-`, `xoxo-`: legacy tokens.
    Legacy,
    /// `https://hooks.slack.com/…`: an incoming webhook URL.
    Webhook,
    /// Anything else.
    Other,
}

/// Classifies a Slack secret.
pub fn kind_of(secret: &str) -> Kind {
    if secret.contains("hooks.slack.com/") {
        Kind::Webhook
    } else if secret.starts_with("xoxe.xox") {
        Kind::Rotating
    } else if secret.starts_with("xoxe-") {
        Kind::Refresh
    } else if secret.starts_with("xoxb-") {
        Kind::Bot
    } else if secret.starts_with("xoxp-") {
        Kind::User
    } else if secret.starts_with("xapp-") {
        Kind::App
    } else if ["xoxa-", "xoxr-", "xoxs-", "xoxo-"]
        .iter()
        .any(|p| secret.starts_with(p))
    {
        Kind::Legacy
    } else {
        Kind::Other
    }
}

fn kind_name(kind: Kind, secret: &str) -> &'static str {
    match kind {
        Kind::Bot => "bot token",
        Kind::User => "user token",
        Kind::Rotating if secret.starts_with("xoxe.xoxb") => "rotating bot token",
        Kind::Rotating => "rotating user token",
        Kind::Refresh => "refresh token",
        Kind::App => "app-level token",
        Kind::Legacy => "legacy token",
        Kind::Webhook => "incoming webhook URL",
        Kind::Other => "Slack token",
    }
}

/// What the scopes in `x-oauth-scopes` allow.
pub fn scope_capabilities(scopes: &[String]) -> Vec<Capability> {
    let mut caps = Vec::new();
    for s in scopes {
        let s = s.as_str();
        if s.starts_with("admin") {
            caps.extend([
                Capability::ManageAccess,
                Capability::DeleteInfra,
                Capability::DeleteData,
                Capability::ReadData,
            ]);
            continue;
        }
        match s {
            "chat:write"
            | "chat:write.public"
            | "chat:write.customize"
            | "chat:write:bot"
            | "chat:write:user"
            | "incoming-webhook"
            | "im:write"
            | "mpim:write" => caps.push(Capability::SendMessages),
            "files:write" | "files:write:user" | "remote_files:write" => {
                caps.extend([Capability::DeleteData, Capability::SendMessages])
            }
            "channels:manage" | "channels:write" | "groups:write" => {
                caps.push(Capability::DeleteInfra)
            }
            "usergroups:write" => caps.push(Capability::ManageAccess),
            "client" | "post" => caps.extend([
                Capability::SendMessages,
                Capability::DeleteData,
                Capability::ReadData,
            ]),
            "read" => caps.push(Capability::ReadData),
            _ if s.ends_with(":history") || s == "files:read" || s == "users:read.email" => {
                caps.push(Capability::ReadData)
            }
            _ => {}
        }
    }
    caps
}

impl Provider for Slack {
    fn id(&self) -> &'static str {
        "slack"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let secret = token.secret.expose();
        let kind = kind_of(secret);
        let mut f = super::detector_worst_case(token.detector);
        f.token_kind = kind_name(kind, secret).into();
        match kind {
            Kind::Webhook => {
                // Certain from the format: it can post to one channel, nothing else.
                f.capabilities.clear();
                f.capabilities.insert(Capability::SendMessages);
                f.breadth = Some(Breadth::Environment);
                f.assumed = false;
                f.notes
                    .push("an incoming webhook can only post messages to its one channel".into());
            }
            Kind::User | Kind::Legacy => f.notes.push(
                "unverified: a user token acts as the person, with whatever scopes were granted"
                    .into(),
            ),
            Kind::Refresh => f.notes.push(
                "a refresh token mints new access tokens together with the app's client secret"
                    .into(),
            ),
            _ => {}
        }
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let secret = token.secret.expose();
        let kind = kind_of(secret);
        match kind {
            Kind::Webhook => {
                return Verdict::skipped(
                    "an incoming webhook can only be checked by posting to it; no call made",
                )
            }
            Kind::Refresh => {
                return Verdict::skipped(
                    "a refresh token is only usable with the app's client secret; no call made",
                )
            }
            Kind::App => {
                return Verdict::skipped(
                    "app-level tokens have no read-only identity call; no call made",
                )
            }
            _ => {}
        }
        let call = Call {
            headers: vec![("authorization", format!("Bearer {secret}"))],
            ..Call::default()
        };
        let resp = match session.send(&AUTH_TEST, call) {
            Ok(r) => r,
            Err(e) => return unknown_from(&e, AUTH_TEST.id),
        };
        let Some(body) = resp
            .json()
            .filter(|b| b.get("ok").is_some_and(Value::is_boolean))
        else {
            return unexpected(&resp, AUTH_TEST.id);
        };
        if resp.status != 200 {
            return unexpected(&resp, AUTH_TEST.id);
        }
        let str_of = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default();
        if body.get("ok") != Some(&Value::Bool(true)) {
            let error = str_of("error");
            if REJECTIONS.contains(&error) {
                return Verdict::invalid(format!("Slack rejected the token ({error})"));
            }
            return Verdict::unknown(format!(
                "{}: Slack answered ok:false ({error})",
                AUTH_TEST.id
            ));
        }
        let scopes: Option<Vec<String>> = resp.header("x-oauth-scopes").map(|h| {
            h.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        });
        let mut facts = match &scopes {
            Some(list) => ScopeFacts {
                token_kind: kind_name(kind, secret).into(),
                capabilities: scope_capabilities(list).into_iter().collect(),
                permissions: list.clone(),
                ..ScopeFacts::default()
            },
            None => {
                let mut f = self.offline(token);
                f.notes.push(
                    "scopes unknown: Slack sent no x-oauth-scopes header; scored as the worst plausible".into(),
                );
                f
            }
        };
        let is_bot = body.get("bot_id").is_some_and(|b| !b.is_null());
        if kind == Kind::Other || kind == Kind::Legacy {
            facts.token_kind = if is_bot { "bot token" } else { "user token" }.into();
        }
        let enterprise = body.get("is_enterprise_install") == Some(&Value::Bool(true));
        facts.breadth = Some(if enterprise {
            Breadth::Account
        } else {
            Breadth::Workspace
        });
        let team = str_of("team");
        let user = str_of("user");
        let url = str_of("url");
        facts.identity = Some(format!(
            "{user} in {team}{}",
            if url.is_empty() {
                String::new()
            } else {
                format!(" ({url})")
            }
        ));
        facts.resources.push(format!("workspace {team}"));
        if enterprise {
            facts
                .notes
                .push("installed on a whole Enterprise Grid organization".into());
        }
        if matches!(kind, Kind::User) || (!is_bot && kind != Kind::Bot) {
            facts
                .notes
                .push("acts as the person: messages and deletions appear as theirs".into());
        }
        if kind == Kind::Rotating {
            facts
                .notes
                .push("rotating token: expires within 12 hours of being issued".into());
        }
        Verdict::live(format!("{} of {user} in {team}", facts.token_kind), facts)
    }

    fn remediation(&self, token: &Token<'_>, _facts: &ScopeFacts) -> String {
        match kind_of(token.secret.expose()) {
            Kind::Webhook => "Regenerate the webhook URL (app → Incoming Webhooks) and keep it in a secret store; \
                              an agent that reads it can post as your app to that channel."
                .into(),
            _ => "Replace it with a bot token from a dedicated Slack app with only the scopes the task needs \
                  (no chat:write, files:write or admin scopes unless required) and token rotation enabled \
                  (https://api.slack.com/apps → OAuth & Permissions); then revoke this one."
                .into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_prefixes() {
        assert_eq!(kind_of("xoxb-1-2-abc"), Kind::Bot);
        assert_eq!(kind_of("xoxp-1-2-abc"), Kind::User);
        assert_eq!(kind_of("xoxe.xoxp-1-abc"), Kind::Rotating);
        assert_eq!(kind_of("xoxe-1-abc"), Kind::Refresh);
        assert_eq!(kind_of("xapp-1-A1-2-abc"), Kind::App);
        assert_eq!(kind_of("xoxs-1-abc"), Kind::Legacy);
        assert_eq!(
            kind_of("https://hooks.slack.com/services/T000/B000/XXXX"),
            Kind::Webhook
        );
    }

    #[test]
    fn scopes_map_to_capabilities() {
        let caps = scope_capabilities(&["chat:write".into(), "channels:read".into()]);
        assert_eq!(caps, vec![Capability::SendMessages]);
        let caps = scope_capabilities(&["admin.users:write".into()]);
        assert!(caps.contains(&Capability::ManageAccess));
        let caps = scope_capabilities(&["files:write".into(), "channels:history".into()]);
        assert!(caps.contains(&Capability::DeleteData));
        assert!(caps.contains(&Capability::ReadData));
    }
}
