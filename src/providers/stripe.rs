//! Stripe: live or test mode and secret or restricted key come from the
//! prefix; `GET /v1/account` tells whether the key is live and whose it is.
//! Restricted keys' permissions have no read-only endpoint: they are scored
//! as the unrestricted key they might be, and say so.

use super::http::{Call, Method, RequestKind, RequestSpec, Session};
use super::{unexpected, unknown_from, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use serde_json::Value;

/// The Stripe provider.
pub struct Stripe;

const ACCOUNT: RequestSpec = RequestSpec {
    id: "stripe.account",
    method: Method::Get,
    host: "api.stripe.com",
    path: "/v1/account",
    kind: RequestKind::Rest,
    purpose: "is the key live, and which account it belongs to",
};

static REQUESTS: [RequestSpec; 1] = [ACCOUNT];

fn is_live_mode(secret: &str) -> bool {
    secret.contains("_live_")
}

fn kind(secret: &str) -> &'static str {
    match (secret.starts_with("rk_"), is_live_mode(secret)) {
        (false, true) => "live secret key",
        (false, false) => "test secret key",
        (true, true) => "live restricted key",
        (true, false) => "test restricted key",
    }
}

impl Provider for Stripe {
    fn id(&self) -> &'static str {
        "stripe"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let secret = token.secret.expose();
        let live = is_live_mode(secret);
        let mut f = ScopeFacts {
            token_kind: kind(secret).into(),
            breadth: Some(Breadth::Account),
            assumed: true,
            ..ScopeFacts::default()
        };
        if live {
            f.capabilities.extend([
                Capability::MoveMoney,
                Capability::DeleteData,
                Capability::ReadData,
            ]);
            f.environments.push(Environment {
                name: "live mode".into(),
                tier: Tier::Production,
            });
        } else {
            f.capabilities
                .extend([Capability::DeleteData, Capability::ReadData]);
            f.environments.push(Environment {
                name: "test mode".into(),
                tier: Tier::Test,
            });
            f.notes
                .push("test mode: cannot touch live payments or live data".into());
        }
        if secret.starts_with("rk_") {
            f.notes.push(
                "restricted key: its permissions cannot be read without write probes; scored as an unrestricted key".into(),
            );
        } else {
            // Mode and kind are certain from the prefix.
            f.assumed = false;
        }
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let call = Call {
            headers: vec![super::bearer(token)],
            ..Call::default()
        };
        let resp = match session.send(&ACCOUNT, call) {
            Ok(r) => r,
            Err(e) => return unknown_from(&e, ACCOUNT.id),
        };
        let body = resp.json();
        let stripe_error = body
            .as_ref()
            .and_then(|b| b.pointer("/error/message"))
            .and_then(Value::as_str);
        let mut facts = self.offline(token);
        match (resp.status, &body) {
            (200, Some(acct)) if acct.get("id").is_some() => {
                let id = acct.get("id").and_then(Value::as_str).unwrap_or("?");
                let name = acct
                    .pointer("/settings/dashboard/display_name")
                    .or_else(|| acct.pointer("/business_profile/name"))
                    .or_else(|| acct.get("email"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                facts.identity = Some(if name.is_empty() {
                    id.to_string()
                } else {
                    format!("{name} ({id})")
                });
                if acct.get("charges_enabled") == Some(&Value::Bool(true)) {
                    facts.notes.push("charges enabled".into());
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
            (401, Some(_)) => Verdict::invalid(format!(
                "Stripe rejected the key (HTTP 401{})",
                stripe_error.map(|m| format!(": {m}")).unwrap_or_default()
            )),
            (403, Some(_)) if stripe_error.is_some_and(|m| m.contains("permission")) => {
                // A restricted key without account read: valid, but narrow.
                let acct = stripe_error
                    .and_then(|m| m.split("account '").nth(1))
                    .and_then(|rest| rest.split('\'').next())
                    .unwrap_or("?");
                facts.identity = Some(format!("account {acct}"));
                facts
                    .notes
                    .push("cannot read the account object (restricted)".into());
                Verdict::live(
                    format!("{} (restricted, account {acct})", facts.token_kind),
                    facts,
                )
            }
            _ => unexpected(&resp, ACCOUNT.id),
        }
    }

    fn remediation(&self, token: &Token<'_>, _facts: &ScopeFacts) -> String {
        if is_live_mode(token.secret.expose()) {
            "Never give an agent a live key. Use a test-mode key, or a restricted key (rk_) with only the \
             resources the task needs (https://dashboard.stripe.com/apikeys); roll this key."
                .into()
        } else {
            "Test-mode key: low risk. Prefer a restricted test key with only the resources the task needs \
             (https://dashboard.stripe.com/test/apikeys)."
                .into()
        }
    }
}
