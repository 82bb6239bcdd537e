//! Twilio: an auth token works with its account SID (`AC…`), an API key
//! secret with its key SID (`SK…`), both looked for in the same file. The
//! account resource (`GET /2010-04-01/Accounts/{AC}.json`) says whether the
//! pair is live, the account's name, type (Trial or Full) and status. An API
//! key that may not read it (HTTP 403) is a live Standard or Restricted key;
//! one that may is a Main key with the account's full power.

use super::http::{Call, Method, RequestKind, RequestSpec, Session};
use super::{unexpected, unknown_from, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use base64::Engine;
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// The Twilio provider.
pub struct Twilio;

const ACCOUNT: RequestSpec = RequestSpec {
    id: "twilio.account",
    method: Method::Get,
    host: "api.twilio.com",
    path: "/2010-04-01/Accounts/{sid}",
    kind: RequestKind::Rest,
    purpose: "is the SID and secret pair live; the account's name, type (Trial or Full) and status",
};

static REQUESTS: [RequestSpec; 1] = [ACCOUNT];

static ACCOUNT_SID: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b(AC[0-9a-f]{32})\b").ok());
static KEY_SID: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b(SK[0-9a-fA-F]{32})\b").ok());

fn full_power() -> [Capability; 5] {
    [
        Capability::SendMessages,
        Capability::DeleteData,
        Capability::DeleteInfra,
        Capability::ManageAccess,
        Capability::ReadData,
    ]
}

/// What a 200 account body says.
fn read_account(facts: &mut ScopeFacts, acct: &Value) {
    let s = |k: &str| acct.get(k).and_then(Value::as_str).unwrap_or_default();
    let sid = s("sid");
    let name = s("friendly_name");
    facts.identity = Some(if name.is_empty() {
        sid.to_string()
    } else {
        format!("{name} ({sid})")
    });
    let kind = s("type");
    let tier = if kind.eq_ignore_ascii_case("trial") {
        Tier::Development
    } else {
        Tier::Production
    };
    facts.environments.push(Environment {
        name: format!("{} account", if kind.is_empty() { "Twilio" } else { kind }),
        tier,
    });
    let status = s("status");
    if !status.is_empty() && status != "active" {
        facts.notes.push(format!("account status: {status}"));
    }
    if kind.eq_ignore_ascii_case("trial") {
        facts
            .notes
            .push("trial account: sends only to verified numbers".into());
    }
    let owner = s("owner_account_sid");
    if !owner.is_empty() && owner != sid {
        facts.notes.push(format!("a subaccount of {owner}"));
    }
}

impl Provider for Twilio {
    fn id(&self) -> &'static str {
        "twilio"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = super::detector_worst_case(token.detector);
        f.capabilities.extend(full_power());
        let paired = ACCOUNT_SID.as_ref().and_then(|re| token.nearby(re));
        f.identity = paired.map(|sid| format!("account {sid}"));
        f.notes.push(
            "an auth token (or Main API key) has the account's full power: sends SMS and calls, releases numbers, \
             deletes recordings and messages, creates keys"
                .into(),
        );
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let secret = token.secret.expose();
        let account = ACCOUNT_SID.as_ref().and_then(|re| token.nearby(re));
        let key = KEY_SID.as_ref().and_then(|re| token.nearby(re));
        let Some(account) = account else {
            return Verdict::skipped(
                "no account SID (AC…) beside the secret: a Twilio secret cannot be checked without it",
            );
        };
        // An auth token pairs with its account SID; an API key secret with
        // its key SID. Try the account first, then the key.
        let mut users = vec![(account.clone(), false)];
        if let Some(k) = key {
            users.push((k, true));
        }
        let mut rejected = Vec::new();
        for (user, is_key) in users {
            let basic =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"));
            let call = Call {
                path: Some(format!("/2010-04-01/Accounts/{account}.json")),
                headers: vec![("authorization", format!("Basic {basic}"))],
                ..Call::default()
            };
            let resp = match session.send(&ACCOUNT, call) {
                Ok(r) => r,
                Err(e) => return unknown_from(&e, ACCOUNT.id),
            };
            let body = resp.json();
            let twilio_error = body
                .as_ref()
                .filter(|b| b.get("code").is_some())
                .and_then(|b| b.get("message").and_then(Value::as_str))
                .map(str::to_string);
            match (resp.status, &body) {
                (200, Some(acct))
                    if acct.get("sid").and_then(Value::as_str) == Some(account.as_str()) =>
                {
                    let mut facts = ScopeFacts {
                        token_kind: if is_key {
                            "Main API key"
                        } else {
                            "account auth token"
                        }
                        .into(),
                        breadth: Some(Breadth::Account),
                        capabilities: full_power().into_iter().collect(),
                        ..ScopeFacts::default()
                    };
                    read_account(&mut facts, acct);
                    facts.permissions.push("full account access".into());
                    facts.notes.push(
                        "full account access: sends SMS and calls, releases numbers, deletes recordings and \
                         messages, manages keys and subaccounts"
                            .into(),
                    );
                    return Verdict::live(
                        format!(
                            "{} of {}",
                            facts.token_kind,
                            facts.identity.clone().unwrap_or_default()
                        ),
                        facts,
                    );
                }
                (403, Some(_)) if is_key && twilio_error.is_some() => {
                    let mut facts = ScopeFacts {
                        token_kind: "Standard or Restricted API key".into(),
                        identity: Some(format!("key {user} of account {account}")),
                        breadth: Some(Breadth::Account),
                        capabilities: [
                            Capability::SendMessages,
                            Capability::DeleteData,
                            Capability::DeleteInfra,
                            Capability::ReadData,
                        ]
                        .into_iter()
                        .collect(),
                        assumed: true,
                        ..ScopeFacts::default()
                    };
                    facts.notes.push(
                        "authenticated but may not read the account: a Standard key (everything but keys and \
                         accounts) or a Restricted key (permissions unknown); scored as Standard"
                            .into(),
                    );
                    return Verdict::live("Standard or Restricted API key", facts);
                }
                (401, Some(_)) if twilio_error.is_some() => {
                    rejected.push(format!(
                        "{} {}",
                        if is_key { "key" } else { "account" },
                        "HTTP 401"
                    ));
                }
                _ => return unexpected(&resp, ACCOUNT.id),
            }
        }
        Verdict::invalid(format!(
            "Twilio rejected the secret with the SID(s) beside it ({})",
            rejected.join("; ")
        ))
    }

    fn remediation(&self, _token: &Token<'_>, facts: &ScopeFacts) -> String {
        let base = "Replace it with a Restricted API key granting only the resources the task needs \
                    (https://console.twilio.com/us1/account/keys-credentials/api-keys), or test credentials for \
                    development";
        if facts.token_kind == "account auth token" {
            format!("{base}; then rotate the auth token (Console → Account → API keys & tokens). Never give an agent the auth token.")
        } else {
            format!("{base}; then delete this key.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_are_found() {
        let text = "TWILIO_ACCOUNT_SID=AC0123456789abcdef0123456789abcdef\nTWILIO_API_KEY=SK0123456789ABCDEF0123456789abcdef\n";
        let ac = ACCOUNT_SID.as_ref().unwrap();
        let sk = KEY_SID.as_ref().unwrap();
        assert_eq!(
            &ac.captures(text).unwrap()[1],
            "AC0123456789abcdef0123456789abcdef"
        );
        assert_eq!(
            &sk.captures(text).unwrap()[1],
            "SK0123456789ABCDEF0123456789abcdef"
        );
        assert!(ac.captures("ACCOUNT=ACME").is_none());
    }
}
