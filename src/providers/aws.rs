//! AWS access keys.
//!
//! Offline: the key kind from its prefix (`AKIA` long-term, `ASIA`
//! temporary, `ABIA` STS bearer, `ACCA` context-specific), the account id
//! decoded from the key id, and the known canary-token accounts
//! (canarytokens.org and look-alikes): a canary key is reported without
//! any network call, because any call alerts its owner (rule BR060).
//!
//! Online, every call a SigV4-signed read-only POST of the AWS query API
//! (signed by the `aws-sigv4` crate): STS `GetCallerIdentity` (who), IAM
//! `SimulatePrincipalPolicy` for destructive actions (what), and where the
//! simulation is not allowed, the principal's own policies (attached and
//! inline, of the user, its groups, or the role) evaluated here for the same
//! actions. `ListAccountAliases` names the account (`acme-prod` is a hint).
//!
//! The key pair is two strings: the detector's secret is the secret access
//! key (or a session token), and the key id is read from the same file.

use super::http::{Call, Method, RequestKind, RequestSpec, Response, Session};
use super::{unexpected, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use crate::secret::{redact, Secret};
use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

/// The AWS module.
#[derive(Debug)]
pub struct Aws;

const WHY_QUERY: &str = "an AWS query-API read action (Get*/List*/Simulate*): it changes nothing";

const fn post(id: &'static str, host: &'static str, purpose: &'static str) -> RequestSpec {
    RequestSpec {
        id,
        method: Method::Post,
        host,
        path: "/",
        kind: RequestKind::ReadOnlyPost { why: WHY_QUERY },
        purpose,
    }
}

const STS: &str = "sts.amazonaws.com";
const IAM: &str = "iam.amazonaws.com";

const CALLER: RequestSpec = post(
    "aws.sts.GetCallerIdentity",
    STS,
    "who the key belongs to (needs no permission)",
);
const SIMULATE: RequestSpec = post(
    "aws.iam.SimulatePrincipalPolicy",
    IAM,
    "whether the principal may run each destructive action (simulated, not run)",
);
const ALIASES: RequestSpec = post(
    "aws.iam.ListAccountAliases",
    IAM,
    "the account's alias (an environment hint)",
);
const USER_ATTACHED: RequestSpec = post(
    "aws.iam.ListAttachedUserPolicies",
    IAM,
    "managed policies attached to the user",
);
const USER_INLINE: RequestSpec = post(
    "aws.iam.ListUserPolicies",
    IAM,
    "the user's inline policies",
);
const USER_POLICY: RequestSpec = post("aws.iam.GetUserPolicy", IAM, "an inline policy of the user");
const USER_GROUPS: RequestSpec = post("aws.iam.ListGroupsForUser", IAM, "the user's groups");
const GROUP_ATTACHED: RequestSpec = post(
    "aws.iam.ListAttachedGroupPolicies",
    IAM,
    "managed policies attached to a group",
);
const GROUP_INLINE: RequestSpec = post(
    "aws.iam.ListGroupPolicies",
    IAM,
    "a group's inline policies",
);
const GROUP_POLICY: RequestSpec =
    post("aws.iam.GetGroupPolicy", IAM, "an inline policy of a group");
const ROLE_ATTACHED: RequestSpec = post(
    "aws.iam.ListAttachedRolePolicies",
    IAM,
    "managed policies attached to the role",
);
const ROLE_INLINE: RequestSpec = post(
    "aws.iam.ListRolePolicies",
    IAM,
    "the role's inline policies",
);
const ROLE_POLICY: RequestSpec = post("aws.iam.GetRolePolicy", IAM, "an inline policy of the role");
const POLICY: RequestSpec = post(
    "aws.iam.GetPolicy",
    IAM,
    "a managed policy's default version",
);
const POLICY_VERSION: RequestSpec = post(
    "aws.iam.GetPolicyVersion",
    IAM,
    "a managed policy's document",
);

/// Every request the AWS module can send.
pub static REQUESTS: [RequestSpec; 15] = [
    CALLER,
    SIMULATE,
    ALIASES,
    USER_ATTACHED,
    USER_INLINE,
    USER_POLICY,
    USER_GROUPS,
    GROUP_ATTACHED,
    GROUP_INLINE,
    GROUP_POLICY,
    ROLE_ATTACHED,
    ROLE_INLINE,
    ROLE_POLICY,
    POLICY,
    POLICY_VERSION,
];

/// Destructive (and a few telling) actions, and what each means.
pub const ACTIONS: [(&str, Capability); 17] = [
    ("s3:DeleteBucket", Capability::DeleteData),
    ("s3:DeleteObject", Capability::DeleteData),
    ("rds:DeleteDBInstance", Capability::DeleteData),
    ("rds:DeleteDBCluster", Capability::DeleteData),
    ("dynamodb:DeleteTable", Capability::DeleteData),
    ("ec2:DeleteVolume", Capability::DeleteData),
    ("rds:DeleteDBSnapshot", Capability::DeleteBackups),
    ("ec2:DeleteSnapshot", Capability::DeleteBackups),
    ("backup:DeleteRecoveryPoint", Capability::DeleteBackups),
    ("ec2:TerminateInstances", Capability::DeleteInfra),
    ("cloudformation:DeleteStack", Capability::DeleteInfra),
    ("lambda:UpdateFunctionCode", Capability::Deploy),
    ("secretsmanager:GetSecretValue", Capability::WriteSecrets),
    ("iam:CreateAccessKey", Capability::ManageAccess),
    ("iam:AttachUserPolicy", Capability::ManageAccess),
    ("s3:GetObject", Capability::ReadData),
    ("dynamodb:Scan", Capability::ReadData),
];

/// Accounts that issue canary tokens (canarytokens.org and look-alikes).
/// Any API call with their keys alerts whoever planted them.
pub const CANARY_ACCOUNTS: [(&str, &str); 26] = [
    ("052310077262", "canarytokens.org"),
    ("171436882533", "canarytokens.org"),
    ("534261010715", "canarytokens.org"),
    ("595918472158", "canarytokens.org"),
    ("717712589309", "canarytokens.org"),
    ("819147034852", "canarytokens.org"),
    ("992382622183", "canarytokens.org"),
    ("730335385048", "canarytokens.org"),
    ("266735846894", "canarytokens.org"),
    ("893192397702", "canarytokens.org"),
    ("044858866125", "a canarytokens.org look-alike"),
    ("251535659677", "a canarytokens.org look-alike"),
    ("344043088457", "a canarytokens.org look-alike"),
    ("351906852752", "a canarytokens.org look-alike"),
    ("390477818340", "a canarytokens.org look-alike"),
    ("426127672474", "a canarytokens.org look-alike"),
    ("427150556519", "a canarytokens.org look-alike"),
    ("439872796651", "a canarytokens.org look-alike"),
    ("445142720921", "a canarytokens.org look-alike"),
    ("465867158099", "a canarytokens.org look-alike"),
    ("637958123769", "a canarytokens.org look-alike"),
    ("693412236332", "a canarytokens.org look-alike"),
    ("732624840810", "a canarytokens.org look-alike"),
    ("735421457923", "a canarytokens.org look-alike"),
    ("959235150393", "a canarytokens.org look-alike"),
    ("982842642351", "a canarytokens.org look-alike"),
];

/// The kind of key a key id names.
pub fn key_kind(key_id: &str) -> &'static str {
    match key_id.get(..4) {
        Some("AKIA") => "long-term access key (IAM user or root)",
        Some("ASIA") => "temporary access key (STS)",
        Some("ABIA") => "STS bearer token",
        Some("ACCA") => "context-specific credential",
        _ => "AWS access key",
    }
}

fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut bits: u64 = 0;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        bits = (bits << 5) | u64::from(v);
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    Some(out)
}

/// The account id a key id was issued in: base32 after the 4-character
/// prefix, the first six bytes big-endian, `(x & 0x7fffffffff80) >> 7`.
/// `None` for legacy `AKIAI…`/`AKIAJ…` keys, where the encoding differs.
pub fn account_id(key_id: &str) -> Option<String> {
    let raw = raw_account_id(key_id)?;
    (!matches!(key_id.as_bytes().get(4), Some(b'I' | b'J'))).then_some(raw)
}

fn raw_account_id(key_id: &str) -> Option<String> {
    let bytes = base32_decode(key_id.get(4..)?)?;
    if bytes.len() < 6 {
        return None;
    }
    let x = bytes[..6]
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    Some(format!("{:012}", (x & 0x7fff_ffff_ff80) >> 7))
}

/// The canary service a key id belongs to, if any (checked even for legacy
/// ids, where a match by chance is negligible).
pub fn canary(key_id: &str) -> Option<&'static str> {
    let acct = raw_account_id(key_id)?;
    CANARY_ACCOUNTS
        .iter()
        .find(|(a, _)| *a == acct)
        .map(|(_, who)| *who)
}

/// A key pair as found: the id, the secret and, for temporary keys, the
/// session token.
struct KeyPair {
    id: Option<String>,
    secret: Option<Secret>,
    session: Option<Secret>,
}

fn is_key_id(s: &str) -> bool {
    s.len() == 20
        && ["AKIA", "ASIA", "ABIA", "ACCA"].contains(&&s[..4])
        && s[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Every run of `len` characters of `class` in `text` that is not part of
/// a longer run, with its position.
fn runs(
    text: &str,
    len: std::ops::RangeInclusive<usize>,
    class: impl Fn(u8) -> bool,
) -> Vec<(usize, &str)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if class(b[i]) {
            let start = i;
            while i < b.len() && class(b[i]) {
                i += 1;
            }
            if len.contains(&(i - start)) {
                out.push((start, &text[start..i]));
            }
        } else {
            i += 1;
        }
    }
    out
}

fn nearest<'t>(candidates: &[(usize, &'t str)], at: usize) -> Option<&'t str> {
    candidates
        .iter()
        .min_by_key(|(p, _)| p.abs_diff(at))
        .map(|(_, s)| *s)
}

fn b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'/' || b == b'+' || b == b'='
}

fn key_pair(token: &Token<'_>) -> KeyPair {
    let value = token.secret.expose();
    let mut pair = KeyPair {
        id: None,
        secret: None,
        session: None,
    };
    if is_key_id(value) {
        pair.id = Some(value.to_string());
    } else if value.len() == 40 {
        pair.secret = Some(token.secret.clone());
    } else {
        pair.session = Some(token.secret.clone());
    }
    for ctx in &token.context {
        let text = ctx.expose();
        let at = text.find(value).unwrap_or(0);
        if pair.id.is_none() {
            let ids: Vec<(usize, &str)> = runs(text, 20..=20, |b| b.is_ascii_alphanumeric())
                .into_iter()
                .filter(|(_, s)| is_key_id(s))
                .collect();
            pair.id = nearest(&ids, at).map(str::to_string);
        }
        if pair.secret.is_none() {
            let secrets: Vec<(usize, &str)> = runs(text, 40..=40, b64)
                .into_iter()
                .filter(|(_, s)| {
                    s.bytes().any(|b| b.is_ascii_lowercase())
                        && s.bytes().any(|b| b.is_ascii_uppercase())
                        && !s.bytes().all(|b| b.is_ascii_hexdigit())
                })
                .collect();
            pair.secret = nearest(&secrets, at).map(Secret::new);
        }
        if pair.session.is_none() && pair.id.as_deref().is_some_and(|i| i.starts_with("ASIA")) {
            let tokens = runs(text, 100..=4096, b64);
            pair.session = nearest(&tokens, at).map(Secret::new);
        }
        if pair.id.is_some() && pair.secret.is_some() {
            break;
        }
    }
    pair
}

/// Facts known from the key id alone.
fn offline_facts(token: &Token<'_>, pair: &KeyPair) -> ScopeFacts {
    let mut facts = super::detector_worst_case(token.detector);
    facts.breadth = Some(Breadth::Account);
    let Some(id) = &pair.id else {
        facts.token_kind = "AWS secret access key (its key id was not found beside it)".into();
        return facts;
    };
    facts.token_kind = key_kind(id).to_string();
    if let Some(who) = canary(id) {
        facts.token_kind = format!(
            "AWS {} — {}: issued by {who}",
            key_kind(id),
            crate::scoring::CANARY_MARK
        );
        facts.capabilities.clear();
        facts.assumed = false;
        facts.breadth = Some(Breadth::Environment);
        facts.notes.push(
            "a tripwire: any API call made with it alerts whoever planted it; it grants nothing. \
             blastradius made no call."
                .into(),
        );
    }
    match account_id(id) {
        Some(acct) => {
            facts.identity = Some(format!("key {} of account {acct}", redact(id)));
            facts.resources.push(format!("account {acct}"));
        }
        None => {
            facts.identity = Some(format!(
                "key {} (legacy id: account not decodable)",
                redact(id)
            ))
        }
    }
    facts
}

/// The value of every `<tag>` in `xml`, unescaped.
fn tags(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        let Some(j) = rest.find(&close) else { break };
        out.push(xml_unescape(&rest[..j]));
        rest = &rest[j + close.len()..];
    }
    out
}

fn tag(xml: &str, name: &str) -> Option<String> {
    tags(xml, name).into_iter().next()
}

fn xml_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A policy document from IAM: URL-encoded JSON (AWS) or plain JSON.
fn policy_json(doc: &str) -> Option<serde_json::Value> {
    let trimmed = doc.trim();
    let text = if trimmed.starts_with('{') {
        trimmed.to_string()
    } else {
        url::form_urlencoded::parse(format!("x={}", trimmed.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())?
    };
    serde_json::from_str(&text).ok()
}

fn wildcard_match(pattern: &str, action: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let a: Vec<char> = action.to_ascii_lowercase().chars().collect();
    fn go(p: &[char], a: &[char]) -> bool {
        match (p.first(), a.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], a) || (!a.is_empty() && go(p, &a[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &a[1..]),
            (Some(x), Some(y)) if x == y => go(&p[1..], &a[1..]),
            _ => false,
        }
    }
    go(&p, &a)
}

fn strings(v: Option<&serde_json::Value>) -> Vec<String> {
    match v {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Evaluates policy documents for `action`: an unconditional explicit
/// deny on every resource wins; otherwise any allow (on any resource,
/// with or without conditions) counts.
fn evaluate(policies: &[serde_json::Value], action: &str) -> bool {
    let statements = policies.iter().flat_map(|p| match p.get("Statement") {
        Some(serde_json::Value::Array(a)) => a.clone(),
        Some(s @ serde_json::Value::Object(_)) => vec![s.clone()],
        _ => Vec::new(),
    });
    let mut allowed = false;
    for s in statements {
        let matches = if s.get("NotAction").is_some() {
            !strings(s.get("NotAction"))
                .iter()
                .any(|p| wildcard_match(p, action))
        } else {
            strings(s.get("Action"))
                .iter()
                .any(|p| wildcard_match(p, action))
        };
        if !matches {
            continue;
        }
        match s.get("Effect").and_then(|e| e.as_str()) {
            Some("Allow") => allowed = true,
            Some("Deny") => {
                let everywhere = strings(s.get("Resource")).iter().any(|r| r == "*");
                if everywhere && s.get("Condition").is_none() {
                    return false;
                }
            }
            _ => {}
        }
    }
    allowed
}

/// The principal behind an STS ARN.
#[derive(Debug, PartialEq)]
enum Principal {
    Root,
    User(String),
    Role(String),
    Other,
}

fn principal(arn: &str) -> Principal {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    if resource == "root" {
        Principal::Root
    } else if let Some(u) = resource.strip_prefix("user/") {
        Principal::User(u.rsplit('/').next().unwrap_or(u).to_string())
    } else if let Some(r) = resource.strip_prefix("assumed-role/") {
        Principal::Role(r.split('/').next().unwrap_or(r).to_string())
    } else if let Some(r) = resource.strip_prefix("role/") {
        Principal::Role(r.rsplit('/').next().unwrap_or(r).to_string())
    } else {
        Principal::Other
    }
}

/// Signs and sends one query-API action.
struct Signer<'a> {
    session: &'a Session<'a>,
    key_id: String,
    secret: Secret,
    session_token: Option<Secret>,
}

impl Signer<'_> {
    fn send(&self, spec: &RequestSpec, params: &[(&str, &str)]) -> Result<Response, Verdict> {
        let action = spec.id.rsplit('.').next().unwrap_or_default();
        let version = if spec.host == STS {
            "2011-06-15"
        } else {
            "2010-05-08"
        };
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        body.append_pair("Action", action)
            .append_pair("Version", version);
        for (k, v) in params {
            body.append_pair(k, v);
        }
        let body = body.finish();
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let url = self.session.url_for(spec, spec.path, None);
        let service = spec.host.split('.').next().unwrap_or_default();
        let headers = self
            .sign(&url, service, content_type, &body)
            .map_err(|e| Verdict::unknown(format!("{}: could not sign: {e}", spec.id)))?;
        let call = Call {
            headers,
            body: Some((content_type, body)),
            ..Call::default()
        };
        super::send(self.session, spec, call)
    }

    fn sign(
        &self,
        url: &str,
        service: &str,
        content_type: &str,
        body: &str,
    ) -> Result<Vec<(&'static str, String)>, String> {
        use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
        let creds = aws_credential_types::Credentials::new(
            self.key_id.clone(),
            self.secret.expose().to_string(),
            self.session_token.as_ref().map(|s| s.expose().to_string()),
            None,
            "blastradius",
        );
        let identity: aws_smithy_runtime_api::client::identity::Identity = creds.into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name(service)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| e.to_string())?
            .into();
        let request = SignableRequest::new(
            "POST",
            url,
            [("content-type", content_type)].into_iter(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| e.to_string())?;
        let (instructions, _) = sign(request, &params)
            .map_err(|e| e.to_string())?
            .into_parts();
        let mut out = Vec::new();
        for (name, value) in instructions.headers() {
            let name: &'static str = match name.to_ascii_lowercase().as_str() {
                "authorization" => "authorization",
                "x-amz-date" => "x-amz-date",
                "x-amz-security-token" => "x-amz-security-token",
                "x-amz-content-sha256" => "x-amz-content-sha256",
                other => return Err(format!("unexpected signed header {other}")),
            };
            out.push((name, value.to_string()));
        }
        Ok(out)
    }
}

/// An AWS error response's code, if it is one.
fn error_code(resp: &Response) -> Option<String> {
    tag(&String::from_utf8_lossy(&resp.body), "Code")
}

/// What the principal's policies were found to allow.
struct Permissions {
    /// Allowed actions from the simulation or the documents.
    allowed: BTreeMap<&'static str, bool>,
    /// How it was learned.
    how: String,
}

fn simulate(signer: &Signer<'_>, arn: &str) -> Result<Option<Permissions>, Verdict> {
    let mut params: Vec<(String, String)> = vec![("PolicySourceArn".into(), arn.into())];
    for (i, (a, _)) in ACTIONS.iter().enumerate() {
        params.push((format!("ActionNames.member.{}", i + 1), a.to_string()));
    }
    let refs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let resp = signer.send(&SIMULATE, &refs)?;
    if resp.status != 200 {
        return Ok(None);
    }
    let xml = String::from_utf8_lossy(&resp.body);
    let names = tags(&xml, "EvalActionName");
    let decisions = tags(&xml, "EvalDecision");
    if names.is_empty() || names.len() != decisions.len() {
        return Ok(None);
    }
    let mut allowed = BTreeMap::new();
    for (name, decision) in names.iter().zip(&decisions) {
        if let Some((a, _)) = ACTIONS.iter().find(|(a, _)| a.eq_ignore_ascii_case(name)) {
            allowed.insert(*a, decision == "allowed");
        }
    }
    Ok(Some(Permissions {
        allowed,
        how: "IAM policy simulation (SimulatePrincipalPolicy)".into(),
    }))
}

/// Reads the principal's own policy documents and evaluates them here.
fn read_policies(signer: &Signer<'_>, who: &Principal) -> Result<Option<Permissions>, Verdict> {
    let ok = |r: &Response| r.status == 200;
    let mut docs: Vec<serde_json::Value> = Vec::new();
    let mut managed: Vec<String> = Vec::new();
    let mut read_managed =
        |signer: &Signer<'_>, spec: &RequestSpec, key: &str, name: &str| -> Result<bool, Verdict> {
            let r = signer.send(spec, &[(key, name)])?;
            if !ok(&r) {
                return Ok(false);
            }
            managed.extend(tags(&String::from_utf8_lossy(&r.body), "PolicyArn"));
            Ok(true)
        };
    let mut inline = |signer: &Signer<'_>,
                      list: &RequestSpec,
                      get: &RequestSpec,
                      key: &str,
                      name: &str|
     -> Result<bool, Verdict> {
        let r = signer.send(list, &[(key, name)])?;
        if !ok(&r) {
            return Ok(false);
        }
        let names: Vec<String> = tags(&String::from_utf8_lossy(&r.body), "member");
        for p in names.iter().take(20) {
            let r = signer.send(get, &[(key, name), ("PolicyName", p)])?;
            if ok(&r) {
                if let Some(d) = tag(&String::from_utf8_lossy(&r.body), "PolicyDocument")
                    .and_then(|d| policy_json(&d))
                {
                    docs.push(d);
                }
            }
        }
        Ok(true)
    };
    let readable = match who {
        Principal::User(u) => {
            let a = read_managed(signer, &USER_ATTACHED, "UserName", u)?;
            let b = inline(signer, &USER_INLINE, &USER_POLICY, "UserName", u)?;
            let r = signer.send(&USER_GROUPS, &[("UserName", u)])?;
            if ok(&r) {
                for g in tags(&String::from_utf8_lossy(&r.body), "GroupName")
                    .iter()
                    .take(10)
                {
                    read_managed(signer, &GROUP_ATTACHED, "GroupName", g)?;
                    inline(signer, &GROUP_INLINE, &GROUP_POLICY, "GroupName", g)?;
                }
            }
            a || b
        }
        Principal::Role(role) => {
            let a = read_managed(signer, &ROLE_ATTACHED, "RoleName", role)?;
            let b = inline(signer, &ROLE_INLINE, &ROLE_POLICY, "RoleName", role)?;
            a || b
        }
        _ => false,
    };
    if !readable {
        return Ok(None);
    }
    managed.sort();
    managed.dedup();
    for arn in managed.iter().take(20) {
        let r = signer.send(&POLICY, &[("PolicyArn", arn)])?;
        if !ok(&r) {
            continue;
        }
        let Some(version) = tag(&String::from_utf8_lossy(&r.body), "DefaultVersionId") else {
            continue;
        };
        let r = signer.send(
            &POLICY_VERSION,
            &[("PolicyArn", arn), ("VersionId", &version)],
        )?;
        if ok(&r) {
            if let Some(d) =
                tag(&String::from_utf8_lossy(&r.body), "Document").and_then(|d| policy_json(&d))
            {
                docs.push(d);
            }
        }
    }
    let allowed = ACTIONS
        .iter()
        .map(|(a, _)| (*a, evaluate(&docs, a)))
        .collect();
    Ok(Some(Permissions {
        allowed,
        how: format!(
            "the principal's own policies ({} documents; permission boundaries, SCPs and resource policies not seen)",
            docs.len()
        ),
    }))
}

fn live_facts(
    pair_id: &str,
    arn: &str,
    account: &str,
    who: &Principal,
    perms: Option<&Permissions>,
    aliases: &[String],
    worst: &ScopeFacts,
) -> ScopeFacts {
    let mut facts = ScopeFacts {
        token_kind: match who {
            Principal::Root => "root account access key".to_string(),
            Principal::User(_) => "IAM user access key".to_string(),
            Principal::Role(_) => "temporary role credentials".to_string(),
            Principal::Other => key_kind(pair_id).to_string(),
        },
        identity: Some(format!("{arn} (key {})", redact(pair_id))),
        breadth: Some(Breadth::Account),
        ..ScopeFacts::default()
    };
    facts.resources.push(format!("account {account}"));
    for a in aliases {
        facts.resources.push(format!("account alias {a}"));
        if let Some(tier) = Tier::from_name(a) {
            facts.environments.push(Environment {
                name: format!("account {a} (named so)"),
                tier,
            });
        }
    }
    if let Principal::User(u) | Principal::Role(u) = who {
        if let Some(tier) = Tier::from_name(u) {
            facts.environments.push(Environment {
                name: format!("principal {u} (named so)"),
                tier,
            });
        }
    }
    match (who, perms) {
        (Principal::Root, _) => {
            facts.capabilities = Capability::ALL
                .iter()
                .copied()
                .filter(|c| {
                    !matches!(
                        c,
                        Capability::MoveMoney
                            | Capability::SendMessages
                            | Capability::PublishPackages
                    )
                })
                .collect();
            facts
                .permissions
                .push("root user: every action in the account".into());
        }
        (_, Some(p)) => {
            let mut caps = BTreeSet::new();
            for (action, allowed) in &p.allowed {
                facts.permissions.push(format!(
                    "{action}: {}",
                    if *allowed { "allowed" } else { "denied" }
                ));
                if *allowed {
                    if let Some((_, c)) = ACTIONS.iter().find(|(a, _)| a == action) {
                        caps.insert(*c);
                    }
                }
            }
            facts.capabilities = caps;
            facts.notes.push(format!("learned from {}", p.how));
        }
        (_, None) => {
            facts.capabilities = worst.capabilities.clone();
            facts.assumed = true;
            facts.notes.push(
                "the key may not read its own permissions (no SimulatePrincipalPolicy, no IAM reads): \
                 scored as the worst plausible key"
                    .into(),
            );
        }
    }
    facts
}

impl Provider for Aws {
    fn id(&self) -> &'static str {
        "aws"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        offline_facts(token, &key_pair(token))
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let pair = key_pair(token);
        let Some(id) = pair.id.clone() else {
            return Verdict::skipped("no access key id beside the secret: nothing to verify with");
        };
        if let Some(who) = canary(&id) {
            return Verdict::skipped(format!(
                "canary token issued by {who}: no call made (any call would alert its owner)"
            ));
        }
        let Some(secret) = pair.secret.clone() else {
            return Verdict::skipped(
                "no secret access key beside the key id: nothing to verify with",
            );
        };
        if id.starts_with("ASIA") && pair.session.is_none() {
            return Verdict::unknown(
                "a temporary (ASIA) key without its session token cannot be verified",
            );
        }
        let signer = Signer {
            session,
            key_id: id.clone(),
            secret,
            session_token: pair.session.clone(),
        };
        let resp = match signer.send(&CALLER, &[]) {
            Ok(r) => r,
            Err(v) => return v,
        };
        match (resp.status, error_code(&resp).as_deref()) {
            (200, _) => {}
            (
                400 | 401 | 403,
                Some(
                    c @ ("InvalidClientTokenId"
                    | "SignatureDoesNotMatch"
                    | "ExpiredToken"
                    | "AccessDenied"
                    | "InvalidAccessKeyId"),
                ),
            ) if c != "AccessDenied" || resp.status == 403 => {
                return Verdict::invalid(format!("AWS rejected the key: {c}"));
            }
            _ => return unexpected(&resp, CALLER.id),
        }
        let xml = String::from_utf8_lossy(&resp.body).into_owned();
        let (Some(arn), Some(account)) = (tag(&xml, "Arn"), tag(&xml, "Account")) else {
            return Verdict::unknown("GetCallerIdentity answered without an ARN");
        };
        let who = principal(&arn);
        let aliases = match signer.send(&ALIASES, &[]) {
            Ok(r) if r.status == 200 => tags(&String::from_utf8_lossy(&r.body), "member"),
            _ => Vec::new(),
        };
        let source = match &who {
            Principal::User(_) => Some(arn.clone()),
            Principal::Role(r) => Some(format!("arn:aws:iam::{account}:role/{r}")),
            _ => None,
        };
        // The key is live from here on: a failure below only means its
        // permissions are not known, and it is scored as the worst case.
        let mut perms = None;
        let mut trouble = Vec::new();
        if who != Principal::Root {
            if let Some(src) = &source {
                match simulate(&signer, src) {
                    Ok(p) => perms = p,
                    Err(v) => trouble.push(v.detail),
                }
            }
            if perms.is_none() && trouble.is_empty() {
                match read_policies(&signer, &who) {
                    Ok(p) => perms = p,
                    Err(v) => trouble.push(v.detail),
                }
            }
        }
        let worst = offline_facts(token, &pair);
        let mut facts = live_facts(&id, &arn, &account, &who, perms.as_ref(), &aliases, &worst);
        facts.notes.extend(trouble);
        Verdict::live(format!("GetCallerIdentity: {arn}"), facts)
    }

    fn remediation(&self, token: &Token<'_>, facts: &ScopeFacts) -> String {
        if facts.token_kind.contains(crate::scoring::CANARY_MARK) {
            return "This is a canary token: leave it if your team planted it as a tripwire, and make sure \
                    no agent or script ever uses it. If nobody knows why it is here, ask your security team."
                .into();
        }
        let _ = token;
        "Deactivate and delete this access key in IAM. Give the agent short-lived credentials instead \
         (a role assumed for the task with a least-privilege policy, or `aws sso login`), with no \
         Delete* actions on production resources and no iam:* rights."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_decode() {
        assert_eq!(
            account_id("ASIAQNZGKIQY56JQ7WML").as_deref(),
            Some("029608264753")
        );
        assert_eq!(account_id("AKIAIOSFODNN7EXAMPLE"), None);
    }

    /// A key id in `account`, built by the documented encoding.
    pub(crate) fn key_id_for(prefix: &str, account: u64) -> String {
        let x = (account << 7) | 0x35;
        let mut bytes: Vec<u8> = (0..6).rev().map(|i| (x >> (8 * i)) as u8).collect();
        bytes.extend_from_slice(&[0x5a, 0x3c, 0x91, 0x07]);
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let mut bits = 0u64;
        let mut n = 0;
        let mut out = String::from(prefix);
        for b in bytes {
            bits = (bits << 8) | u64::from(b);
            n += 8;
            while n >= 5 {
                n -= 5;
                out.push(alphabet[((bits >> n) & 31) as usize] as char);
            }
        }
        out
    }

    #[test]
    fn canary_accounts_are_recognised() {
        let id = key_id_for("AKIA", 52_310_077_262);
        assert_eq!(id.len(), 20);
        assert_eq!(account_id(&id).as_deref(), Some("052310077262"));
        assert_eq!(canary(&id), Some("canarytokens.org"));
        assert_eq!(canary("ASIAQNZGKIQY56JQ7WML"), None);
    }

    #[test]
    fn every_request_is_a_read_action() {
        for r in &REQUESTS {
            r.check_read_only().unwrap();
            let action = r.id.rsplit('.').next().unwrap();
            assert!(
                ["Get", "List", "Simulate"]
                    .iter()
                    .any(|p| action.starts_with(p)),
                "{action} is not a read action"
            );
        }
    }

    #[test]
    fn policies_evaluate() {
        let admin =
            serde_json::json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        let s3 = serde_json::json!({"Statement": {"Effect": "Allow", "Action": ["s3:Delete*"], "Resource": "*"}});
        let deny = serde_json::json!({"Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]});
        assert!(evaluate(
            std::slice::from_ref(&admin),
            "rds:DeleteDBInstance"
        ));
        assert!(evaluate(std::slice::from_ref(&s3), "s3:DeleteBucket"));
        assert!(!evaluate(&[s3], "rds:DeleteDBInstance"));
        assert!(!evaluate(&[admin, deny], "s3:DeleteBucket"));
        assert_eq!(
            policy_json("%7B%22Statement%22%3A%5B%5D%7D").unwrap(),
            serde_json::json!({"Statement": []})
        );
    }

    #[test]
    fn principals() {
        assert_eq!(
            principal("arn:aws:iam::123456789012:user/ci/deploy"),
            Principal::User("deploy".into())
        );
        assert_eq!(
            principal("arn:aws:sts::123456789012:assumed-role/Admin/session"),
            Principal::Role("Admin".into())
        );
        assert_eq!(principal("arn:aws:iam::123456789012:root"), Principal::Root);
    }
}
