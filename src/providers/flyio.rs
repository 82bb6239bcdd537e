//! Fly.io: tokens are macaroons (`FlyV1 fm2_…[,fm2_…]`) whose caveats say,
//! offline, what they may do: the organization and its action mask, the apps
//! and theirs (read, write, create, delete, control), feature limits, and the
//! validity window. They are decoded here (base64, then MessagePack) without
//! any dependency and without checking signatures: decoding says what a token
//! would allow, not that it is still valid. `fo1_` tokens are OAuth user
//! tokens with the user's full access.
//!
//! Online, one read-only call lists the apps of the organization named in the
//! workspace (`FLY_ORG`, `org_slug`), or of the personal organization.

use super::http::{Call, Method, RequestKind, RequestSpec, Session};
use super::{unexpected, unknown_from, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use base64::Engine as _;
use serde_json::Value;

/// The Fly.io provider.
pub struct FlyIo;

const APPS: RequestSpec = RequestSpec {
    id: "flyio.apps",
    method: Method::Get,
    host: "api.machines.dev",
    path: "/v1/apps",
    kind: RequestKind::Rest,
    purpose: "is the token live, and the organization's apps",
};

static REQUESTS: [RequestSpec; 1] = [APPS];

/// The permission token's location; discharge tokens have others.
const PERMISSION_LOCATION: &str = "https://api.fly.io/v1";

/// Action bits of a Fly.io mask.
pub const READ: u16 = 1;
/// Write bit.
pub const WRITE: u16 = 2;
/// Create bit.
pub const CREATE: u16 = 4;
/// Delete bit.
pub const DELETE: u16 = 8;
/// Control bit (start, stop, signal machines).
pub const CONTROL: u16 = 16;
/// Every action.
pub const ALL: u16 = 31;

/// `rwcdC` notation of a mask.
pub fn mask_string(mask: u16) -> String {
    let mut s = String::new();
    for (bit, c) in [
        (READ, 'r'),
        (WRITE, 'w'),
        (CREATE, 'c'),
        (DELETE, 'd'),
        (CONTROL, 'C'),
    ] {
        if mask & bit != 0 {
            s.push(c);
        }
    }
    if s.is_empty() {
        s.push_str("none");
    }
    s
}

// ---------------------------------------------------------------- msgpack

/// A decoded MessagePack value (only what macaroons use).
#[derive(Debug, Clone, PartialEq)]
enum Mp {
    Nil,
    Bool(bool),
    Int(i128),
    Float,
    Bytes(Vec<u8>),
    Str(String),
    Array(Vec<Mp>),
    Map(Vec<(Mp, Mp)>),
    Ext,
}

impl Mp {
    fn int(&self) -> Option<i128> {
        match self {
            Mp::Int(i) => Some(*i),
            _ => None,
        }
    }
    fn u64(&self) -> Option<u64> {
        self.int().and_then(|i| u64::try_from(i).ok())
    }
    fn mask(&self) -> Option<u16> {
        self.int().and_then(|i| u16::try_from(i).ok())
    }
    fn array(&self) -> Option<&[Mp]> {
        match self {
            Mp::Array(a) => Some(a),
            _ => None,
        }
    }
    fn text(&self) -> Option<String> {
        match self {
            Mp::Str(s) => Some(s.clone()),
            Mp::Bytes(b) => String::from_utf8(b.clone()).ok(),
            _ => None,
        }
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    fn uint(&mut self, n: usize) -> Option<u64> {
        Some(
            self.take(n)?
                .iter()
                .fold(0u64, |a, b| (a << 8) | u64::from(*b)),
        )
    }
    fn len(&mut self, n: usize) -> Option<usize> {
        let l = usize::try_from(self.uint(n)?).ok()?;
        // Every element takes at least one byte: a longer claim is corrupt.
        (l <= self.buf.len().saturating_sub(self.pos)).then_some(l)
    }
    fn value(&mut self, depth: u32) -> Option<Mp> {
        if depth > 24 {
            return None;
        }
        let b = *self.take(1)?.first()?;
        Some(match b {
            0x00..=0x7f => Mp::Int(i128::from(b)),
            0x80..=0x8f => self.map(usize::from(b & 0x0f), depth)?,
            0x90..=0x9f => self.array(usize::from(b & 0x0f), depth)?,
            0xa0..=0xbf => self.str(usize::from(b & 0x1f))?,
            0xc0 => Mp::Nil,
            0xc2 => Mp::Bool(false),
            0xc3 => Mp::Bool(true),
            0xc4 => {
                let l = self.len(1)?;
                Mp::Bytes(self.take(l)?.to_vec())
            }
            0xc5 => {
                let l = self.len(2)?;
                Mp::Bytes(self.take(l)?.to_vec())
            }
            0xc6 => {
                let l = self.len(4)?;
                Mp::Bytes(self.take(l)?.to_vec())
            }
            0xc7..=0xc9 => {
                let l = self.len(1 << (b - 0xc7))?;
                self.take(l + 1)?;
                Mp::Ext
            }
            0xca => {
                self.take(4)?;
                Mp::Float
            }
            0xcb => {
                self.take(8)?;
                Mp::Float
            }
            0xcc..=0xcf => Mp::Int(i128::from(self.uint(1 << (b - 0xcc))?)),
            0xd0 => Mp::Int(i128::from(self.uint(1)? as u8 as i8)),
            0xd1 => Mp::Int(i128::from(self.uint(2)? as u16 as i16)),
            0xd2 => Mp::Int(i128::from(self.uint(4)? as u32 as i32)),
            0xd3 => Mp::Int(i128::from(self.uint(8)? as i64)),
            0xd4..=0xd8 => {
                self.take(1 + (1usize << (b - 0xd4)))?;
                Mp::Ext
            }
            0xd9 => {
                let l = self.len(1)?;
                self.str(l)?
            }
            0xda => {
                let l = self.len(2)?;
                self.str(l)?
            }
            0xdb => {
                let l = self.len(4)?;
                self.str(l)?
            }
            0xdc => {
                let l = self.len(2)?;
                self.array(l, depth)?
            }
            0xdd => {
                let l = self.len(4)?;
                self.array(l, depth)?
            }
            0xde => {
                let l = self.len(2)?;
                self.map(l, depth)?
            }
            0xdf => {
                let l = self.len(4)?;
                self.map(l, depth)?
            }
            0xe0..=0xff => Mp::Int(i128::from(b as i8)),
            0xc1 => return None,
        })
    }
    fn str(&mut self, n: usize) -> Option<Mp> {
        Some(Mp::Str(String::from_utf8(self.take(n)?.to_vec()).ok()?))
    }
    fn array(&mut self, n: usize, depth: u32) -> Option<Mp> {
        let mut v = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            v.push(self.value(depth + 1)?);
        }
        Some(Mp::Array(v))
    }
    fn map(&mut self, n: usize, depth: u32) -> Option<Mp> {
        let mut v = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            let k = self.value(depth + 1)?;
            let val = self.value(depth + 1)?;
            v.push((k, val));
        }
        Some(Mp::Map(v))
    }
}

fn decode_msgpack(buf: &[u8]) -> Option<Mp> {
    let mut r = Reader { buf, pos: 0 };
    r.value(0)
}

// ---------------------------------------------------------------- caveats

/// What one token's caveats say.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FlyScope {
    /// Whether it is an OAuth user token (`fo1_`), not a macaroon.
    pub oauth_user: bool,
    /// Organization id and its action mask.
    pub organization: Option<(u64, u16)>,
    /// Apps (id, mask); id 0 means every app.
    pub apps: Vec<(u64, u16)>,
    /// The mask for everything else when apps are listed in an IfPresent caveat.
    pub otherwise: Option<u16>,
    /// Organization features and their masks (`deletion`, `membership`, …).
    pub features: Vec<(String, u16)>,
    /// Whether admin-only features (membership, billing, deletion) are excluded.
    pub no_admin_features: bool,
    /// GraphQL mutations it is limited to, when limited.
    pub mutations: Option<Vec<String>>,
    /// Volumes and machines it is limited to (their ids), when limited.
    pub limited_to: Vec<String>,
    /// The user id of an IsUser caveat.
    pub user: Option<u64>,
    /// Validity window (Unix seconds): the latest start and earliest end seen.
    pub not_before: Option<i64>,
    /// End of the validity window.
    pub not_after: Option<i64>,
    /// Third-party caveats (their locations): discharges the token needs.
    pub third_parties: Vec<String>,
    /// How many macaroons the bundle held.
    pub macaroons: usize,
}

fn resource_set(body: &Mp) -> Vec<(Mp, u16)> {
    match body {
        Mp::Map(entries) => entries
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.mask()?)))
            .collect(),
        _ => Vec::new(),
    }
}

fn apply_caveats(list: &[Mp], scope: &mut FlyScope, permission: bool, depth: u32) {
    if depth > 4 {
        return;
    }
    for pair in list.chunks(2) {
        let [typ, body] = pair else { continue };
        let Some(typ) = typ.u64() else { continue };
        let fields = body.array().unwrap_or(&[]);
        match typ {
            // ValidityWindow applies to discharges too.
            4 => {
                if let (Some(nb), Some(na)) = (
                    fields.first().and_then(Mp::int),
                    fields.get(1).and_then(Mp::int),
                ) {
                    let (nb, na) = (nb as i64, na as i64);
                    scope.not_before = Some(scope.not_before.map_or(nb, |x| x.max(nb)));
                    scope.not_after = Some(scope.not_after.map_or(na, |x| x.min(na)));
                }
            }
            _ if !permission => {}
            0 => {
                if let (Some(id), Some(mask)) = (
                    fields.first().and_then(Mp::u64),
                    fields.get(1).and_then(Mp::mask),
                ) {
                    scope.organization = Some(match scope.organization {
                        Some((old, m)) if old == id => (id, m & mask),
                        _ => (id, mask),
                    });
                }
            }
            3 => {
                if let Some(set) = fields.first() {
                    for (k, m) in resource_set(set) {
                        if let Some(id) = k.u64() {
                            scope.apps.push((id, m));
                        }
                    }
                }
            }
            2 | 7 | 16 => {
                if let Some(set) = fields.first() {
                    for (k, m) in resource_set(set) {
                        let id = k.text().unwrap_or_default();
                        let what = match typ {
                            2 => "volume",
                            7 => "machine",
                            _ => "cluster",
                        };
                        scope.limited_to.push(format!(
                            "{what} {}: {}",
                            if id.is_empty() { "*" } else { &id },
                            mask_string(m)
                        ));
                    }
                }
            }
            5 => {
                if let Some(set) = fields.first() {
                    for (k, m) in resource_set(set) {
                        scope.features.push((k.text().unwrap_or_default(), m));
                    }
                }
            }
            6 => {
                let list: Vec<String> = fields
                    .first()
                    .and_then(Mp::array)
                    .map(|a| a.iter().filter_map(Mp::text).collect())
                    .unwrap_or_default();
                scope.mutations = Some(list);
            }
            10 => scope.user = fields.first().and_then(Mp::u64),
            11 => {
                if let Some(loc) = fields.first().and_then(Mp::text) {
                    scope.third_parties.push(loc);
                }
            }
            13 => {
                if let Some(inner) = fields.first().and_then(Mp::array) {
                    apply_caveats(inner, scope, permission, depth + 1);
                }
                if let Some(e) = fields.get(1).and_then(Mp::mask) {
                    scope.otherwise = Some(scope.otherwise.map_or(e, |x| x & e));
                }
            }
            22 => scope.no_admin_features = true,
            _ => {}
        }
    }
}

/// Decodes a token (`FlyV1 fm2_…,fm2_…`, a bare `fm2_…` list, or `fo1_…`).
/// `None` when it is not a decodable Fly.io token.
pub fn decode(secret: &str) -> Option<FlyScope> {
    let s = secret.trim();
    let s = s
        .strip_prefix("FlyV1")
        .map(str::trim_start)
        .unwrap_or(s)
        .trim();
    if s.starts_with("fo1_") {
        return Some(FlyScope {
            oauth_user: true,
            ..FlyScope::default()
        });
    }
    let mut scope = FlyScope::default();
    for part in s.split(',') {
        let (label, b64) = part.trim().split_once('_')?;
        if !matches!(label, "fm2" | "fm1r" | "fm1a") {
            return None;
        }
        let b64 = b64.trim_end_matches('=');
        let raw = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(b64)
            .ok()?;
        let Some(Mp::Array(fields)) = decode_msgpack(&raw) else {
            return None;
        };
        let [_nonce, location, caveats, _tail] = fields.as_slice() else {
            return None;
        };
        let location = location.text()?;
        let permission = location == PERMISSION_LOCATION || label == "fm1r";
        apply_caveats(caveats.array()?, &mut scope, permission, 0);
        scope.macaroons += 1;
    }
    (scope.macaroons > 0).then_some(scope)
}

impl FlyScope {
    /// The mask that applies to app operations.
    fn app_mask(&self) -> u16 {
        let org = self.organization.map_or(ALL, |o| o.1);
        if self.apps.is_empty() {
            org & self.otherwise.unwrap_or(ALL)
        } else {
            org & self.apps.iter().fold(0, |a, (_, m)| a | m)
        }
    }

    /// The mask that applies to organization-level operations.
    fn org_mask(&self) -> u16 {
        self.organization.map_or(ALL, |o| o.1) & self.otherwise.unwrap_or(ALL)
    }

    fn feature_mask(&self, name: &str) -> u16 {
        if self.no_admin_features && matches!(name, "membership" | "billing" | "deletion") {
            return if name == "deletion" { 0 } else { READ };
        }
        self.features
            .iter()
            .find(|(f, _)| f == name || f.is_empty())
            .map_or(ALL, |(_, m)| *m)
    }

    /// What the caveats allow, in the report's vocabulary.
    pub fn capabilities(&self) -> Vec<Capability> {
        if self.oauth_user {
            return vec![
                Capability::DeleteInfra,
                Capability::DeleteData,
                Capability::Deploy,
                Capability::WriteSecrets,
                Capability::ManageAccess,
                Capability::ReadData,
            ];
        }
        if self.mutations.as_ref().is_some_and(Vec::is_empty) {
            return Vec::new();
        }
        let app = self.app_mask();
        let org = self.org_mask();
        let mut caps = Vec::new();
        if app & DELETE != 0 {
            caps.extend([Capability::DeleteInfra, Capability::DeleteData]);
        }
        if app & (WRITE | CREATE | CONTROL) != 0 {
            caps.extend([Capability::Deploy, Capability::WriteSecrets]);
        }
        if app & READ != 0 {
            caps.push(Capability::ReadData);
        }
        if org & (WRITE | CREATE) != 0 && self.feature_mask("membership") & (WRITE | CREATE) != 0 {
            caps.push(Capability::ManageAccess);
        }
        caps
    }

    /// How much it reaches.
    pub fn breadth(&self) -> Breadth {
        if self.oauth_user {
            Breadth::Account
        } else if self.apps.iter().any(|(id, _)| *id != 0) {
            Breadth::Project
        } else if self.organization.is_some() {
            Breadth::Workspace
        } else {
            Breadth::Account
        }
    }

    fn kind(&self) -> &'static str {
        if self.oauth_user {
            "user token (OAuth)"
        } else if self.apps.iter().any(|(id, _)| *id != 0) {
            "app-scoped token (deploy token)"
        } else if self.app_mask() == READ {
            "read-only organization token"
        } else if self.organization.is_some() {
            "organization token"
        } else {
            "macaroon token"
        }
    }

    fn permissions(&self) -> Vec<String> {
        let mut p = Vec::new();
        if let Some((id, m)) = self.organization {
            p.push(format!("organization {id}: {}", mask_string(m)));
        }
        for (id, m) in &self.apps {
            if *id == 0 {
                p.push(format!("every app: {}", mask_string(*m)));
            } else {
                p.push(format!("app {id}: {}", mask_string(*m)));
            }
        }
        if let Some(e) = self.otherwise {
            p.push(format!("everything else: {}", mask_string(e)));
        }
        for (f, m) in &self.features {
            p.push(format!(
                "feature {}: {}",
                if f.is_empty() { "*" } else { f },
                mask_string(*m)
            ));
        }
        if self.no_admin_features {
            p.push("no admin features (membership, billing, deletion)".into());
        }
        if let Some(m) = &self.mutations {
            p.push(format!("only mutations: {}", m.join(", ")));
        }
        p.extend(self.limited_to.iter().cloned());
        p
    }
}

fn rfc3339(secs: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

fn facts_from(scope: &FlyScope) -> ScopeFacts {
    let mut f = ScopeFacts {
        token_kind: scope.kind().into(),
        capabilities: scope.capabilities().into_iter().collect(),
        breadth: Some(scope.breadth()),
        permissions: scope.permissions(),
        expires_at: scope.not_after.and_then(rfc3339),
        ..ScopeFacts::default()
    };
    if let Some((id, _)) = scope.organization {
        f.identity = Some(format!("organization id {id}"));
    }
    if let Some(u) = scope.user {
        f.identity = Some(match f.identity {
            Some(i) => format!("{i}, user id {u}"),
            None => format!("user id {u}"),
        });
    }
    if f.capabilities.contains(&Capability::DeleteData) {
        f.notes.push(
            "the action mask includes delete: apps and their volumes (Fly Postgres data included) can be destroyed"
                .into(),
        );
    }
    if !scope.oauth_user {
        f.notes.push(
            "caveats decoded offline from the macaroon; signatures are not checked offline".into(),
        );
    }
    f
}

fn auth_header(secret: &str) -> String {
    let s = secret.trim();
    if s.starts_with("fo1_") {
        return format!("Bearer {s}");
    }
    let bundle = s.strip_prefix("FlyV1").unwrap_or(s);
    let parts: Vec<&str> = bundle.split(',').map(str::trim).collect();
    format!("FlyV1 {}", parts.join(","))
}

impl Provider for FlyIo {
    fn id(&self) -> &'static str {
        "flyio"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        match decode(token.secret.expose()) {
            Some(scope) => {
                let mut f = facts_from(&scope);
                if scope.oauth_user {
                    f.assumed = true;
                    f.notes.push(
                        "an OAuth user token has its user's full access to every organization"
                            .into(),
                    );
                }
                f
            }
            None => {
                let mut f = super::detector_worst_case(token.detector);
                f.notes
                    .push("the token could not be decoded; scored as the worst plausible".into());
                f
            }
        }
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let secret = token.secret.expose();
        let scope = decode(secret);
        if let Some(na) = scope.as_ref().and_then(|s| s.not_after) {
            if na < time::OffsetDateTime::now_utc().unix_timestamp() {
                return Verdict::invalid(format!(
                    "expired: its validity window ended {}",
                    rfc3339(na).unwrap_or_default()
                ));
            }
        }
        let slug_re = regex::Regex::new(
            r#"(?i)\b(?:FLY_ORG|org_slug|fly_org_slug)["']?\s*[:=]\s*["']?([a-z0-9][a-z0-9-]{0,62})"#,
        );
        let slug = slug_re
            .ok()
            .and_then(|re| token.nearby(&re))
            .unwrap_or_else(|| "personal".to_string());
        let call = Call {
            query: Some(format!("org_slug={slug}")),
            headers: vec![("authorization", auth_header(secret))],
            ..Call::default()
        };
        let resp = match session.send(&APPS, call) {
            Ok(r) => r,
            Err(e) => return unknown_from(&e, APPS.id),
        };
        match resp.status {
            200 => {
                let Some(body) = resp
                    .json()
                    .filter(|b| b.get("apps").is_some_and(Value::is_array))
                else {
                    return unexpected(&resp, APPS.id);
                };
                let mut facts = self.offline(token);
                facts.assumed = scope.is_none();
                let apps = body["apps"].as_array().cloned().unwrap_or_default();
                facts
                    .resources
                    .push(format!("{} apps in organization {slug}", apps.len()));
                for app in &apps {
                    let name = app.get("name").and_then(Value::as_str).unwrap_or_default();
                    facts.resources.push(format!("app {name}"));
                    facts.environments.push(Environment {
                        name: name.to_string(),
                        tier: Tier::from_name(name).unwrap_or(Tier::Unknown),
                    });
                }
                if facts.identity.is_none() {
                    facts.identity = Some(format!("organization {slug}"));
                } else if let Some(i) = facts.identity.as_mut() {
                    i.push_str(&format!(" ({slug})"));
                }
                Verdict::live(format!("{} ({} apps)", facts.token_kind, apps.len()), facts)
            }
            401 if !resp
                .header("content-type")
                .is_some_and(|c| c.contains("html")) =>
            {
                Verdict::invalid("Fly.io rejected the token (HTTP 401: revoked, expired or wrong)")
            }
            _ => unexpected(&resp, APPS.id),
        }
    }

    fn remediation(&self, _token: &Token<'_>, facts: &ScopeFacts) -> String {
        let base = "Mint a deploy token for the one app the task needs with a short expiry \
                    (`fly tokens create deploy -a APP --expiry 24h`), or attenuate this one without the delete bit \
                    (`fly tokens attenuate`); revoke the broad token (`fly tokens revoke`, https://fly.io/dashboard → Tokens).";
        if facts.breadth == Some(Breadth::Project) {
            format!("Already limited to named apps; keep it to non-production apps and read-only where possible. {base}")
        } else {
            base.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny MessagePack writer for the tests.
    fn arr(n: usize) -> Vec<u8> {
        assert!(n < 16);
        vec![0x90 | n as u8]
    }
    fn uint(v: u64) -> Vec<u8> {
        if v < 128 {
            vec![v as u8]
        } else if v <= u64::from(u32::MAX) {
            let mut b = vec![0xce];
            b.extend_from_slice(&(v as u32).to_be_bytes());
            b
        } else {
            let mut b = vec![0xcf];
            b.extend_from_slice(&v.to_be_bytes());
            b
        }
    }
    fn str_(s: &str) -> Vec<u8> {
        let mut b = vec![0xa0 | s.len() as u8];
        b.extend_from_slice(s.as_bytes());
        b
    }
    fn bin(v: &[u8]) -> Vec<u8> {
        let mut b = vec![0xc4, v.len() as u8];
        b.extend_from_slice(v);
        b
    }
    fn map1(k: Vec<u8>, v: Vec<u8>) -> Vec<u8> {
        let mut b = vec![0x81];
        b.extend(k);
        b.extend(v);
        b
    }
    fn macaroon(location: &str, caveats: &[(u64, Vec<u8>)]) -> Vec<u8> {
        let mut m = arr(4);
        m.extend(arr(3));
        m.extend(bin(b"kid"));
        m.extend(bin(&[7; 16]));
        m.push(0xc2);
        m.extend(str_(location));
        m.push(0xdc);
        m.extend_from_slice(&((caveats.len() * 2) as u16).to_be_bytes());
        for (t, body) in caveats {
            m.extend(uint(*t));
            m.extend(body.clone());
        }
        m.extend(bin(&[9; 32]));
        m
    }
    fn token(parts: &[Vec<u8>]) -> String {
        let list: Vec<String> = parts
            .iter()
            .map(|p| {
                format!(
                    "fm2_{}",
                    base64::engine::general_purpose::STANDARD.encode(p)
                )
            })
            .collect();
        format!("FlyV1 {}", list.join(","))
    }

    fn org_caveat(id: u64, mask: u64) -> (u64, Vec<u8>) {
        let mut b = arr(2);
        b.extend(uint(id));
        b.extend(uint(mask));
        (0, b)
    }
    fn validity(nb: u64, na: u64) -> (u64, Vec<u8>) {
        let mut b = arr(2);
        b.extend(uint(nb));
        b.extend(uint(na));
        (4, b)
    }

    #[test]
    fn org_token_with_delete_bit() {
        let perm = macaroon(
            PERMISSION_LOCATION,
            &[org_caveat(1234, 31), validity(1_700_000_000, 2_000_000_000)],
        );
        let discharge = macaroon(
            "https://api.fly.io/aaa/v1",
            &[validity(1_700_000_000, 1_900_000_000)],
        );
        let s = decode(&token(&[perm, discharge])).expect("decodes");
        assert_eq!(s.organization, Some((1234, 31)));
        assert_eq!(s.not_after, Some(1_900_000_000));
        assert_eq!(s.macaroons, 2);
        let caps = s.capabilities();
        assert!(caps.contains(&Capability::DeleteData));
        assert!(caps.contains(&Capability::ManageAccess));
        assert_eq!(s.breadth(), Breadth::Workspace);
        assert_eq!(mask_string(31), "rwcdC");
    }

    #[test]
    fn deploy_token_limited_to_one_app_without_delete() {
        let mut apps = arr(1);
        apps.extend(map1(
            uint(987_654),
            uint(u64::from(READ | WRITE | CREATE | CONTROL)),
        ));
        let mut if_present = arr(2);
        let mut inner = arr(2);
        inner.extend(uint(3));
        inner.extend(apps);
        if_present.extend(inner);
        if_present.extend(uint(u64::from(READ)));
        let perm = macaroon(
            PERMISSION_LOCATION,
            &[org_caveat(1234, 31), (13, if_present), (22, arr(0))],
        );
        let s = decode(&token(&[perm])).expect("decodes");
        assert_eq!(s.apps, vec![(987_654, 23)]);
        assert_eq!(s.otherwise, Some(READ));
        assert!(s.no_admin_features);
        let caps = s.capabilities();
        assert!(!caps.contains(&Capability::DeleteData));
        assert!(!caps.contains(&Capability::ManageAccess));
        assert!(caps.contains(&Capability::Deploy));
        assert_eq!(s.breadth(), Breadth::Project);
        assert_eq!(s.kind(), "app-scoped token (deploy token)");
    }

    #[test]
    fn read_only_token() {
        let perm = macaroon(PERMISSION_LOCATION, &[org_caveat(1, u64::from(READ))]);
        let s = decode(&token(&[perm])).expect("decodes");
        assert_eq!(s.capabilities(), vec![Capability::ReadData]);
        assert_eq!(s.kind(), "read-only organization token");
    }

    #[test]
    fn oauth_user_tokens_and_garbage() {
        assert!(
            decode("fo1_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").is_some_and(|s| s.oauth_user)
        );
        assert!(decode("FlyV1 fm2_!!!!").is_none());
        assert!(decode("FlyV1 zz_AAAA").is_none());
        // Truncated MessagePack never panics.
        let perm = macaroon(PERMISSION_LOCATION, &[org_caveat(1, 31)]);
        for cut in 0..perm.len() {
            let _ = decode(&token(&[perm[..cut].to_vec()]));
        }
        // A huge claimed length is refused, not allocated.
        assert!(decode_msgpack(&[0xdd, 0xff, 0xff, 0xff, 0xff]).is_none());
    }

    #[test]
    fn msgpack_scalars() {
        assert_eq!(decode_msgpack(&[0xd0, 0xff]), Some(Mp::Int(-1)));
        assert_eq!(decode_msgpack(&[0xcd, 0x01, 0x00]), Some(Mp::Int(256)));
        assert_eq!(decode_msgpack(&[0xe0]), Some(Mp::Int(-32)));
        assert_eq!(
            decode_msgpack(&[0xa2, b'h', b'i']),
            Some(Mp::Str("hi".into()))
        );
        assert_eq!(decode_msgpack(&[0xc1]), None);
    }
}
