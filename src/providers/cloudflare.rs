//! Cloudflare: the credential's kind from its shape (`cfut_` user token,
//! `cfat_` account-owned token, legacy 40-character token, 37-hex Global API
//! Key, `v1.0-` Origin CA key). API tokens are verified read-only
//! (`/user/tokens/verify`, or `/accounts/{id}/tokens/verify` for
//! account-owned tokens) for their status and expiry; their policies are
//! read when the token itself holds *API Tokens Read*, otherwise the accounts
//! and zones it can see are listed instead.
//!
//! The Global API Key needs the account's email beside it and has every
//! permission of the user: it is reported as unscoped without any call.

use super::bearer_get as get;
use super::http::{RequestSpec, Response, Session};
use super::str_at;
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, ScopeFacts};
use serde_json::Value;

/// The Cloudflare provider.
pub struct Cloudflare;

const HOST: &str = "api.cloudflare.com";

const USER_VERIFY: RequestSpec = RequestSpec::get(
    HOST,
    "cloudflare.user-token-verify",
    "/client/v4/user/tokens/verify",
    "is the user API token live; its status and expiry",
);
const ACCOUNT_VERIFY: RequestSpec = RequestSpec::get(
    HOST,
    "cloudflare.account-token-verify",
    "/client/v4/accounts/{account_id}/tokens/verify",
    "is the account-owned API token live; its status and expiry",
);
const USER_TOKEN: RequestSpec = RequestSpec::get(
    HOST,
    "cloudflare.user-token",
    "/client/v4/user/tokens/{id}",
    "the user token's policies (needs API Tokens Read)",
);
const ACCOUNT_TOKEN: RequestSpec = RequestSpec::get(
    HOST,
    "cloudflare.account-token",
    "/client/v4/accounts/{account_id}/tokens/{id}",
    "the account token's policies (needs API Tokens Read)",
);
const ACCOUNTS: RequestSpec = RequestSpec::get(
    HOST,
    "cloudflare.accounts",
    "/client/v4/accounts",
    "accounts the token can see",
);
const ZONES: RequestSpec = RequestSpec::get(
    HOST,
    "cloudflare.zones",
    "/client/v4/zones",
    "zones (domains) the token can see",
);

static REQUESTS: [RequestSpec; 6] = [
    USER_VERIFY,
    ACCOUNT_VERIFY,
    USER_TOKEN,
    ACCOUNT_TOKEN,
    ACCOUNTS,
    ZONES,
];

/// The kind of a Cloudflare credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `cfut_`: a user-owned API token.
    UserToken,
    /// `cfat_`: an account-owned API token.
    AccountToken,
    /// A legacy 40-character API token (user- or account-owned).
    LegacyToken,
    /// The 37-hex Global API Key.
    GlobalKey,
    /// `v1.0-…`: an Origin CA key.
    OriginCa,
    /// `eyJhIjoi…`: a Cloudflare Tunnel token (account tag, tunnel id, secret).
    Tunnel,
}

/// Classifies a Cloudflare credential by its shape.
pub fn kind_of(secret: &str) -> Kind {
    if secret.starts_with("cfut_") {
        Kind::UserToken
    } else if secret.starts_with("cfat_") {
        Kind::AccountToken
    } else if secret.starts_with("v1.0-") {
        Kind::OriginCa
    } else if secret.starts_with("eyJhIjoi") {
        Kind::Tunnel
    } else if secret.len() == 37 && secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        Kind::GlobalKey
    } else {
        Kind::LegacyToken
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::UserToken => "user API token",
        Kind::AccountToken => "account API token",
        Kind::LegacyToken => "API token",
        Kind::GlobalKey => "Global API Key",
        Kind::OriginCa => "Origin CA key",
        Kind::Tunnel => "tunnel token",
    }
}

/// A tunnel token's account tag and tunnel id (base64 JSON `{"a","t","s"}`).
pub fn decode_tunnel(secret: &str) -> Option<(String, String)> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(secret.trim())
        .or_else(|_| {
            base64::engine::general_purpose::STANDARD_NO_PAD.decode(secret.trim_end_matches('='))
        })
        .ok()?;
    let v: Value = serde_json::from_slice(&raw).ok()?;
    Some((
        v.get("a")?.as_str()?.to_string(),
        v.get("t")?.as_str()?.to_string(),
    ))
}

fn everything() -> [Capability; 6] {
    [
        Capability::DeleteData,
        Capability::DeleteInfra,
        Capability::Deploy,
        Capability::WriteSecrets,
        Capability::ManageAccess,
        Capability::ReadData,
    ]
}

/// What a permission group (by name, "Zone Write", "Workers R2 Storage
/// Write", …) allows.
pub fn permission_capabilities(name: &str) -> Vec<Capability> {
    let n = name.to_ascii_lowercase();
    let write = n.ends_with("write") || n.ends_with("edit") || n.contains(" write");
    let data_store = [
        "r2",
        "d1",
        "kv storage",
        "queues",
        "vectorize",
        "hyperdrive",
        "durable object",
        "images",
        "stream",
    ]
    .iter()
    .any(|k| n.contains(k));
    let mut caps = Vec::new();
    if !write {
        if data_store || n.contains("logs") {
            caps.push(Capability::ReadData);
        }
        return caps;
    }
    if data_store {
        caps.extend([Capability::DeleteData, Capability::ReadData]);
    }
    if n.contains("api tokens")
        || n.contains("member")
        || n.contains("access: ")
        || n.contains("user details")
        || n == "account settings write"
    {
        caps.push(Capability::ManageAccess);
    }
    if n == "zone write" || n.contains("workers scripts") || n.contains("pages") {
        caps.push(Capability::DeleteInfra);
    }
    if n.contains("workers scripts") || n.contains("secrets store") {
        caps.push(Capability::WriteSecrets);
    }
    if caps.is_empty() || n.contains("dns") || n.contains("workers") || n.contains("zone") {
        caps.push(Capability::Deploy);
    }
    caps
}

/// A Cloudflare envelope: `{"success": bool, "errors": [...], "result": …}`.
fn envelope(resp: &Response) -> Option<Value> {
    resp.json()
        .filter(|b| b.get("success").is_some_and(Value::is_boolean))
}

fn first_error(body: &Value) -> (i64, String) {
    (
        body.pointer("/errors/0/code")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        str_at(body, "/errors/0/message").to_string(),
    )
}

/// How a verify call ended.
enum Verify {
    Ok(Value),
    Rejected(String),
    Unclear(Verdict),
}

fn verify(
    session: &Session<'_>,
    spec: &RequestSpec,
    token: &Token<'_>,
    path: Option<String>,
) -> Verify {
    let resp = match get(session, spec, token, path, None) {
        Ok(r) => r,
        Err(v) => return Verify::Unclear(v),
    };
    let Some(body) = envelope(&resp) else {
        return Verify::Unclear(unexpected(&resp, spec.id));
    };
    if resp.status == 200 && body.get("success") == Some(&Value::Bool(true)) {
        return match body.get("result").filter(|r| r.get("status").is_some()) {
            Some(r) => Verify::Ok(r.clone()),
            None => Verify::Unclear(unexpected(&resp, spec.id)),
        };
    }
    let (code, message) = first_error(&body);
    // 1000 Invalid API Token, 6003/6111 invalid request headers, 10000 auth error.
    if matches!(resp.status, 400 | 401 | 403)
        && matches!(code, 1000 | 6003 | 6111 | 9106 | 9109 | 10000 | 10001)
    {
        return Verify::Rejected(format!("{code} {message}"));
    }
    Verify::Unclear(Verdict::unknown(format!(
        "{}: HTTP {} ({code} {message})",
        spec.id, resp.status
    )))
}

fn result_list(resp: &Response) -> Option<Vec<Value>> {
    let body = envelope(resp)?;
    if resp.status != 200 || body.get("success") != Some(&Value::Bool(true)) {
        return None;
    }
    body.get("result")?.as_array().cloned()
}

impl Cloudflare {
    /// Reads the token's policies into `facts`; false when not readable.
    fn policies(&self, policies: &[Value], facts: &mut ScopeFacts) {
        let mut account_wide = false;
        let mut all_accounts = false;
        let mut zones = 0;
        for p in policies {
            let allow = str_at(p, "/effect") != "deny";
            let groups: Vec<&str> = p
                .get("permission_groups")
                .and_then(Value::as_array)
                .map(|g| g.iter().map(|g| str_at(g, "/name")).collect())
                .unwrap_or_default();
            let resources: Vec<String> = p
                .get("resources")
                .and_then(Value::as_object)
                .map(|r| r.keys().cloned().collect())
                .unwrap_or_default();
            for r in &resources {
                if r == "com.cloudflare.api.account.*" || r.starts_with("com.cloudflare.api.user.")
                {
                    all_accounts = true;
                } else if r.starts_with("com.cloudflare.api.account.zone.") {
                    zones += 1;
                } else if r.starts_with("com.cloudflare.api.account.") {
                    account_wide = true;
                }
            }
            let scope = resources
                .iter()
                .map(|r| r.trim_start_matches("com.cloudflare.api.").to_string())
                .collect::<Vec<_>>()
                .join(", ");
            for g in &groups {
                facts.permissions.push(format!(
                    "{}{g} on {scope}",
                    if allow { "" } else { "deny " }
                ));
                if allow {
                    facts.capabilities.extend(permission_capabilities(g));
                }
            }
        }
        facts.breadth = Some(if all_accounts {
            Breadth::Account
        } else if account_wide {
            Breadth::Workspace
        } else if zones > 0 {
            Breadth::Project
        } else {
            Breadth::Workspace
        });
    }

    /// Lists visible accounts and zones (when the policies are not readable).
    fn visible(&self, token: &Token<'_>, session: &Session<'_>, facts: &mut ScopeFacts) {
        if let Ok(r) = get(session, &ACCOUNTS, token, None, Some("per_page=50")) {
            if let Some(list) = result_list(&r) {
                for a in &list {
                    facts
                        .resources
                        .push(format!("account {}", str_at(a, "/name")));
                }
                if list.len() > 1 {
                    facts.breadth = Some(Breadth::Account);
                }
            }
        }
        if let Ok(r) = get(session, &ZONES, token, None, Some("per_page=50")) {
            if let Some(list) = result_list(&r) {
                let total = envelope(&r)
                    .and_then(|b| {
                        b.pointer("/result_info/total_count")
                            .and_then(Value::as_u64)
                    })
                    .unwrap_or(list.len() as u64);
                facts.resources.push(format!("{total} zones"));
                for z in list.iter().take(20) {
                    facts.resources.push(format!("zone {}", str_at(z, "/name")));
                }
            }
        }
    }

    fn finish(
        &self,
        token: &Token<'_>,
        session: &Session<'_>,
        result: &Value,
        account: Option<(String, String)>,
        kind: Kind,
    ) -> Verdict {
        let status = str_at(result, "/status");
        if status != "active" {
            return Verdict::invalid(format!("Cloudflare reports the token as {status}"));
        }
        let id = str_at(result, "/id").to_string();
        let mut facts = ScopeFacts {
            token_kind: kind_name(kind).into(),
            expires_at: result
                .get("expires_on")
                .and_then(Value::as_str)
                .map(str::to_string),
            breadth: Some(Breadth::Workspace),
            ..ScopeFacts::default()
        };
        if facts.expires_at.is_none() {
            facts.notes.push("never expires".into());
        }
        facts.identity = Some(match &account {
            Some((_, name)) => format!("token {id} of account {name}"),
            None => format!("token {id}"),
        });
        let safe_id = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric());
        let details = match &account {
            _ if !safe_id => Err(Verdict::unknown("token id not usable in a path")),
            Some((acc, _)) => get(
                session,
                &ACCOUNT_TOKEN,
                token,
                Some(format!("/client/v4/accounts/{acc}/tokens/{id}")),
                None,
            ),
            None => get(
                session,
                &USER_TOKEN,
                token,
                Some(format!("/client/v4/user/tokens/{id}")),
                None,
            ),
        };
        let policies = details.ok().and_then(|r| {
            let body = envelope(&r)?;
            if r.status != 200 || body.get("success") != Some(&Value::Bool(true)) {
                return None;
            }
            body.pointer("/result/policies")?.as_array().cloned()
        });
        match policies {
            Some(p) if safe_id => {
                self.policies(&p, &mut facts);
                facts.notes.push(
                    "its policies are readable with the token itself: it holds API Tokens Read or Write".into(),
                );
            }
            _ => {
                facts.capabilities.extend(everything());
                facts.assumed = true;
                facts.notes.push(
                    "policies not readable (the token lacks API Tokens Read): permissions unknown, scored as the \
                     worst plausible; the accounts and zones it can see are listed instead"
                        .into(),
                );
                self.visible(token, session, &mut facts);
            }
        }
        Verdict::live(format!("{} {id}", facts.token_kind), facts)
    }
}

impl Provider for Cloudflare {
    fn id(&self) -> &'static str {
        "cloudflare"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let kind = kind_of(token.secret.expose());
        let mut f = super::detector_worst_case(token.detector);
        f.token_kind = kind_name(kind).into();
        match kind {
            Kind::GlobalKey => {
                f.capabilities.extend(everything());
                f.breadth = Some(Breadth::Account);
                f.assumed = false;
                f.notes.push(
                    "the Global API Key is unscoped: every permission of the user on every account and zone".into(),
                );
            }
            Kind::OriginCa => {
                f.capabilities.clear();
                f.capabilities.insert(Capability::Deploy);
                f.breadth = Some(Breadth::Account);
                f.assumed = false;
                f.notes
                    .push("an Origin CA key can only create and revoke origin certificates".into());
            }
            Kind::Tunnel => {
                f.breadth = Some(Breadth::Environment);
                if let Some((account, tunnel)) = decode_tunnel(token.secret.expose()) {
                    f.identity = Some(format!("tunnel {tunnel} of account {account}"));
                    f.assumed = false;
                }
                f.notes.push(
                    "a tunnel token lets its holder run a connector for the tunnel: traffic to the tunnel's \
                     hostnames can be served (or intercepted) by whoever runs it"
                        .into(),
                );
            }
            _ => {
                f.capabilities.extend(everything());
                f.notes.push(
                    "unverified: scored as a token with every permission; API tokens can be narrowed to \
                     permissions, accounts and zones"
                        .into(),
                );
            }
        }
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let kind = kind_of(token.secret.expose());
        match kind {
            Kind::GlobalKey => {
                return Verdict::skipped(
                    "the Global API Key is sent with its account's email; no call made",
                )
            }
            Kind::OriginCa => {
                return Verdict::skipped(
                    "Origin CA keys have no read-only identity call; no call made",
                )
            }
            Kind::Tunnel => {
                return Verdict::skipped("tunnel tokens are decoded offline; no call made")
            }
            _ => {}
        }
        let mut rejections = Vec::new();
        if kind != Kind::AccountToken {
            match verify(session, &USER_VERIFY, token, None) {
                Verify::Ok(r) => {
                    let k = if kind == Kind::LegacyToken {
                        Kind::UserToken
                    } else {
                        kind
                    };
                    return self.finish(token, session, &r, None, k);
                }
                Verify::Rejected(m) if kind == Kind::UserToken => {
                    return Verdict::invalid(format!("Cloudflare rejected the token ({m})"))
                }
                Verify::Rejected(m) => rejections.push(m),
                Verify::Unclear(v) => return v,
            }
        }
        // An account-owned token: verify it under the account it belongs to.
        let id_re = regex::Regex::new(
            r#"(?i)(?:account_id|accountid|cloudflare_account_id|cf_account_id)["']?\s*[:=]\s*["']?([0-9a-f]{32})\b"#,
        );
        let mut accounts: Vec<(String, String)> = id_re
            .ok()
            .and_then(|re| token.nearby(&re))
            .map(|id| vec![(id.to_ascii_lowercase(), String::new())])
            .unwrap_or_default();
        match get(session, &ACCOUNTS, token, None, Some("per_page=50")) {
            Ok(r) => {
                if let Some(list) = result_list(&r) {
                    for a in list {
                        let id = str_at(&a, "/id").to_string();
                        let name = str_at(&a, "/name").to_string();
                        match accounts.iter_mut().find(|(i, _)| *i == id) {
                            Some(e) => e.1 = name,
                            None => accounts.push((id, name)),
                        }
                    }
                } else if envelope(&r).is_none() {
                    return unexpected(&r, ACCOUNTS.id);
                }
            }
            Err(v) => return v,
        }
        for (acc, name) in accounts.iter().take(3) {
            if acc.is_empty() || !acc.bytes().all(|b| b.is_ascii_alphanumeric()) {
                continue;
            }
            let path = format!("/client/v4/accounts/{acc}/tokens/verify");
            match verify(session, &ACCOUNT_VERIFY, token, Some(path)) {
                Verify::Ok(r) => {
                    let label = if name.is_empty() {
                        acc.clone()
                    } else {
                        name.clone()
                    };
                    return self.finish(
                        token,
                        session,
                        &r,
                        Some((acc.clone(), label)),
                        Kind::AccountToken,
                    );
                }
                Verify::Rejected(m) => rejections.push(m),
                Verify::Unclear(v) => return v,
            }
        }
        if rejections.is_empty() {
            return Verdict::unknown(
                "an account-owned token, but no account id was found to verify it under",
            );
        }
        Verdict::invalid(format!(
            "Cloudflare rejected the token ({})",
            rejections.join("; ")
        ))
    }

    fn remediation(&self, token: &Token<'_>, _facts: &ScopeFacts) -> String {
        match kind_of(token.secret.expose()) {
            Kind::Tunnel => "Rotate the tunnel's token (Zero Trust → Networks → Tunnels → the tunnel → Refresh token) and \
                             keep it only where the connector runs."
                .into(),
            Kind::GlobalKey => "Never use the Global API Key outside the dashboard: roll it (My Profile → API Tokens → \
                                Global API Key → Change) and create an API token with only the permissions and zones \
                                the task needs (https://dash.cloudflare.com/profile/api-tokens)."
                .into(),
            _ => "Replace it with an API token limited to the permission groups (Read where possible), the one account \
                  and the zones the task needs, with an expiry and a client IP filter \
                  (https://dash.cloudflare.com/profile/api-tokens, or the account's API Tokens page for \
                  account-owned tokens); then roll or delete this one."
                .into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_shapes() {
        assert_eq!(kind_of("cfut_abc"), Kind::UserToken);
        assert_eq!(kind_of("cfat_abc"), Kind::AccountToken);
        assert_eq!(
            kind_of("0123456789abcdef0123456789abcdef01234"),
            Kind::GlobalKey
        );
        assert_eq!(kind_of("v1.0-abc"), Kind::OriginCa);
        let tunnel = "eyJhIjoiMDI0NDMzYmYzM2E5MmUxMTQxZDUyOWIwODQ4YmMzYjEiLCJ0IjoiOGJiODkwNDYtZTgxMS00YTk5LTk1YmUtZTAzMTJiZGNlNDM3IiwicyI6IlQxKzVQNDdOZndNTm5MeG5ybUdKNVhseDd3L0FraVZNeFd4U1NkbjRGRlU9In0=";
        assert_eq!(kind_of(tunnel), Kind::Tunnel);
        let (a, t) = decode_tunnel(tunnel).expect("decodes");
        assert_eq!(a, "024433bf33a92e1141d529b0848bc3b1");
        assert_eq!(t, "8bb89046-e811-4a99-95be-e0312bdce437");
        assert_eq!(
            kind_of("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-Ab"),
            Kind::LegacyToken
        );
    }

    #[test]
    fn permission_groups_map_to_capabilities() {
        assert!(permission_capabilities("Zone Write").contains(&Capability::DeleteInfra));
        assert!(
            permission_capabilities("Workers R2 Storage Write").contains(&Capability::DeleteData)
        );
        assert!(permission_capabilities("API Tokens Write").contains(&Capability::ManageAccess));
        assert_eq!(
            permission_capabilities("DNS Write"),
            vec![Capability::Deploy]
        );
        assert!(permission_capabilities("Zone Read").is_empty());
        assert_eq!(
            permission_capabilities("Workers R2 Storage Read"),
            vec![Capability::ReadData]
        );
    }
}
