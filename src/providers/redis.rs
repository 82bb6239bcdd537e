//! Redis connection URLs and passwords: authenticate, ask who we are
//! (`ACL WHOAMI`), which server it is (`INFO server`, `INFO replication`),
//! and — where the user may run it (Redis ≥ 7, admin users) — whether the
//! user may run `FLUSHALL`, `FLUSHDB`, `CONFIG SET` and `ACL SETUSER`
//! (`ACL DRYRUN` checks a command against the ACL without running it).
//!
//! The `default` user of a server without ACLs can do everything: flush
//! every key (`delete-data`), reconfigure the server (`deploy`), and create
//! users (`manage-access`). A user that may not run `ACL DRYRUN` is not an
//! admin; whether it may flush keys cannot be learned read-only, so that is
//! scored as assumed. The protocol (RESP) is spoken directly over TCP (TLS
//! for `rediss://`, rustls), with a timeout on every read and write.

use super::db::{self, DbTarget, Failure, StatementKind, StatementSpec};
use super::http::{RequestSpec, Session};
use super::{Provider, Token, Verdict};
use crate::model::{Breadth, Capability, ScopeFacts};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The Redis module.
#[derive(Debug)]
pub struct Redis;

const fn cmd(id: &'static str, text: &'static str, purpose: &'static str) -> StatementSpec {
    StatementSpec {
        id,
        text,
        kind: StatementKind::Redis,
        purpose,
    }
}

const AUTH: StatementSpec = cmd(
    "redis.auth",
    "AUTH {user} {password}",
    "authenticates (the user is omitted for a password-only URL)",
);
const WHOAMI: StatementSpec = cmd(
    "redis.whoami",
    "ACL WHOAMI",
    "which ACL user the password belongs to",
);
const INFO_SERVER: StatementSpec = cmd(
    "redis.info-server",
    "INFO server",
    "server version and mode",
);
const INFO_REPLICATION: StatementSpec = cmd(
    "redis.info-replication",
    "INFO replication",
    "whether this is a primary or a replica",
);
const DRY_FLUSHALL: StatementSpec = cmd(
    "redis.dryrun-flushall",
    "ACL DRYRUN {user} FLUSHALL",
    "whether the user may delete every key (checked, not run)",
);
const DRY_FLUSHDB: StatementSpec = cmd(
    "redis.dryrun-flushdb",
    "ACL DRYRUN {user} FLUSHDB",
    "whether the user may delete a database's keys (checked, not run)",
);
const DRY_CONFIG: StatementSpec = cmd(
    "redis.dryrun-config",
    "ACL DRYRUN {user} CONFIG SET maxmemory 0",
    "whether the user may reconfigure the server (checked, not run)",
);
const DRY_ACL: StatementSpec = cmd(
    "redis.dryrun-acl",
    "ACL DRYRUN {user} ACL SETUSER blastradius-check",
    "whether the user may create users (checked, not run)",
);

/// Every command the Redis module sends, in order.
pub static STATEMENTS: [StatementSpec; 8] = [
    AUTH,
    WHOAMI,
    INFO_SERVER,
    INFO_REPLICATION,
    DRY_FLUSHALL,
    DRY_FLUSHDB,
    DRY_CONFIG,
    DRY_ACL,
];

/// A RESP reply.
#[derive(Debug, Clone, PartialEq)]
enum Reply {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<String>),
    Array(Vec<Reply>),
}

impl Reply {
    fn text(&self) -> String {
        match self {
            Reply::Simple(s) | Reply::Error(s) | Reply::Bulk(Some(s)) => s.clone(),
            Reply::Int(i) => i.to_string(),
            Reply::Bulk(None) => String::new(),
            Reply::Array(v) => v.iter().map(Reply::text).collect::<Vec<_>>().join(" "),
        }
    }
}

trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

struct Conn {
    io: BufReader<Box<dyn Stream>>,
}

impl Conn {
    fn open(t: &DbTarget, timeout: Duration) -> Result<Conn, String> {
        let host = t.host.clone().unwrap_or_else(|| "localhost".into());
        let port = t.port.unwrap_or(6379);
        let addrs: Vec<_> = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| format!("could not resolve {host}: {e}"))?
            .collect();
        let start = Instant::now();
        let mut last = format!("no address for {host}");
        let mut tcp = None;
        for a in addrs {
            let left = timeout.saturating_sub(start.elapsed());
            if left.is_zero() {
                break;
            }
            match TcpStream::connect_timeout(&a, left) {
                Ok(s) => {
                    tcp = Some(s);
                    break;
                }
                Err(e) => last = format!("could not connect to {a}: {e}"),
            }
        }
        let tcp = tcp.ok_or(last)?;
        tcp.set_read_timeout(Some(timeout))
            .map_err(|e| e.to_string())?;
        tcp.set_write_timeout(Some(timeout))
            .map_err(|e| e.to_string())?;
        let stream: Box<dyn Stream> = if t.tls_scheme {
            let insecure = t
                .param("ssl_cert_reqs")
                .is_some_and(|v| v.eq_ignore_ascii_case("none"));
            let config = std::sync::Arc::new(db::rustls_config(!insecure));
            let name = rustls::pki_types::ServerName::try_from(host.clone())
                .map_err(|e| format!("bad TLS server name {host}: {e}"))?;
            let conn =
                rustls::ClientConnection::new(config, name).map_err(|e| format!("TLS: {e}"))?;
            Box::new(rustls::StreamOwned::new(conn, tcp))
        } else {
            Box::new(tcp)
        };
        Ok(Conn {
            io: BufReader::new(stream),
        })
    }

    fn call(&mut self, args: &[&str]) -> Result<Reply, String> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        let w = self.io.get_mut();
        w.write_all(&out).map_err(|e| format!("write: {e}"))?;
        w.flush().map_err(|e| format!("write: {e}"))?;
        self.read(0)
    }

    fn line(&mut self) -> Result<String, String> {
        let mut buf = Vec::new();
        (&mut self.io)
            .take(64 * 1024)
            .read_until(b'\n', &mut buf)
            .map_err(|e| format!("read: {e}"))?;
        if !buf.ends_with(b"\r\n") {
            return Err("connection closed or not Redis".into());
        }
        buf.truncate(buf.len() - 2);
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    fn read(&mut self, depth: usize) -> Result<Reply, String> {
        if depth > 4 {
            return Err("reply nested too deeply".into());
        }
        let l = self.line()?;
        let (kind, rest) = l.split_at(l.len().min(1));
        match kind {
            "+" => Ok(Reply::Simple(rest.into())),
            "-" => Ok(Reply::Error(rest.into())),
            ":" => rest
                .parse()
                .map(Reply::Int)
                .map_err(|_| "bad integer".into()),
            "$" => {
                let n: i64 = rest.parse().map_err(|_| "bad bulk length")?;
                if n < 0 {
                    return Ok(Reply::Bulk(None));
                }
                if n > 1 << 20 {
                    return Err("bulk reply too large".into());
                }
                let mut buf = vec![0; n as usize + 2];
                self.io
                    .read_exact(&mut buf)
                    .map_err(|e| format!("read: {e}"))?;
                buf.truncate(n as usize);
                Ok(Reply::Bulk(Some(
                    String::from_utf8_lossy(&buf).into_owned(),
                )))
            }
            "*" => {
                let n: i64 = rest.parse().map_err(|_| "bad array length")?;
                let mut v = Vec::new();
                for _ in 0..n.clamp(0, 64) {
                    v.push(self.read(depth + 1)?);
                }
                Ok(Reply::Array(v))
            }
            _ => Err("not a Redis server (unexpected reply)".into()),
        }
    }
}

/// What the server said.
#[derive(Debug, Default)]
struct Learned {
    /// The ACL user, when the server said.
    user: Option<String>,
    /// The server has no password for the default user.
    no_auth_needed: bool,
    version: String,
    role: String,
    /// Redis < 6: no ACL at all, the one password is everything.
    no_acl: bool,
    /// `ACL WHOAMI` was refused.
    whoami_refused: bool,
    /// `ACL DRYRUN` results, `None` when it could not be asked.
    flushall: Option<bool>,
    flushdb: Option<bool>,
    config: Option<bool>,
    acl: Option<bool>,
}

fn info_field(info: &str, key: &str) -> String {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn learn(t: &DbTarget, timeout: Duration) -> Result<Learned, Failure> {
    let mut c = Conn::open(t, timeout).map_err(Failure::Other)?;
    let mut l = Learned::default();
    let pw = t.password_str();
    let auth = match t.user.as_deref().filter(|u| !u.is_empty()) {
        Some(u) => c.call(&["AUTH", u, pw]),
        None => c.call(&["AUTH", pw]),
    }
    .map_err(Failure::Other)?;
    match auth {
        Reply::Simple(_) => {}
        Reply::Error(e)
            if e.contains("without any password configured")
                || e.contains("no password is set") =>
        {
            l.no_auth_needed = true;
        }
        Reply::Error(e)
            if e.starts_with("WRONGPASS")
                || e.contains("invalid password")
                || e.contains("invalid username-password") =>
        {
            return Err(Failure::Auth(e));
        }
        other => return Err(Failure::Other(format!("AUTH: {}", other.text()))),
    }
    match c.call(&["ACL", "WHOAMI"]).map_err(Failure::Other)? {
        Reply::Bulk(Some(u)) | Reply::Simple(u) => l.user = Some(u),
        Reply::Error(e) if e.starts_with("NOPERM") => l.whoami_refused = true,
        Reply::Error(e) if e.contains("unknown command") || e.contains("unknown subcommand") => {
            l.no_acl = true;
        }
        _ => {}
    }
    if let Reply::Bulk(Some(info)) = c.call(&["INFO", "server"]).map_err(Failure::Other)? {
        l.version = info_field(&info, "redis_version");
    }
    if let Reply::Bulk(Some(info)) = c.call(&["INFO", "replication"]).map_err(Failure::Other)? {
        l.role = info_field(&info, "role");
    }
    if let Some(user) = l.user.clone() {
        let mut dry = |args: &[&str]| -> Result<Option<bool>, Failure> {
            let mut full = vec!["ACL", "DRYRUN", user.as_str()];
            full.extend_from_slice(args);
            Ok(match c.call(&full).map_err(Failure::Other)? {
                Reply::Simple(s) if s == "OK" => Some(true),
                // A bulk string explains why the user may not run it.
                Reply::Bulk(Some(_)) => Some(false),
                _ => None,
            })
        };
        l.flushall = dry(&["FLUSHALL"])?;
        if l.flushall.is_some() {
            l.flushdb = dry(&["FLUSHDB"])?;
            l.config = dry(&["CONFIG", "SET", "maxmemory", "0"])?;
            l.acl = dry(&["ACL", "SETUSER", "blastradius-check"])?;
        }
    }
    Ok(l)
}

fn facts_from(t: &DbTarget, l: &Learned) -> ScopeFacts {
    let mut caps = std::collections::BTreeSet::new();
    let mut perms = Vec::new();
    let mut notes = Vec::new();
    let mut assumed = false;
    let user = l.user.clone().unwrap_or_else(|| {
        t.user
            .clone()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "default".into())
    });
    let (kind, breadth) = if l.flushall.is_some() {
        for (what, allowed) in [
            ("FLUSHALL", l.flushall),
            ("FLUSHDB", l.flushdb),
            ("CONFIG SET", l.config),
            ("ACL SETUSER", l.acl),
        ] {
            if let Some(a) = allowed {
                perms.push(format!("{what}: {}", if a { "allowed" } else { "denied" }));
            }
        }
        if l.flushall == Some(true) || l.flushdb == Some(true) {
            caps.insert(Capability::DeleteData);
        }
        if l.config == Some(true) {
            caps.insert(Capability::Deploy);
        }
        if l.acl == Some(true) {
            caps.insert(Capability::ManageAccess);
        }
        caps.insert(Capability::ReadData);
        if l.acl == Some(true) {
            ("Redis admin user", Breadth::Account)
        } else {
            ("Redis user (checked with ACL DRYRUN)", Breadth::Workspace)
        }
    } else if l.no_acl || (l.user.as_deref() == Some("default") && !l.whoami_refused) {
        // No ACL (Redis < 6), or the default user that may run ACL commands
        // but not DRYRUN (Redis 6): all commands.
        perms.push("all commands (no ACL restrictions known)".into());
        caps.extend([
            Capability::DeleteData,
            Capability::Deploy,
            Capability::ManageAccess,
            Capability::ReadData,
        ]);
        ("Redis default user", Breadth::Account)
    } else {
        perms.push("ACL-restricted: ACL commands refused (not an admin)".into());
        notes.push(
            "whether this user may FLUSHALL or DEL cannot be learned without admin rights: \
             deleting keys is assumed"
                .into(),
        );
        assumed = true;
        caps.extend([Capability::DeleteData, Capability::ReadData]);
        ("Redis ACL-restricted user", Breadth::Workspace)
    };
    if l.no_auth_needed {
        notes.push(
            "the server asks for no password: anyone who can reach it has all of this".into(),
        );
    }
    if l.role == "slave" || l.role == "replica" {
        notes.push("this server is a replica: writes go to its primary".into());
    }
    if !l.version.is_empty() {
        notes.push(format!("Redis {}", l.version));
    }
    if let Some(p) = t.host.as_deref().and_then(db::host_provider) {
        notes.push(format!("{p} host"));
    }
    ScopeFacts {
        token_kind: kind.into(),
        identity: Some(format!(
            "user {user} on {}:{}",
            t.host.as_deref().unwrap_or("localhost"),
            t.port.unwrap_or(6379)
        )),
        permissions: perms,
        capabilities: caps,
        environments: db::environments(t),
        resources: t.host.iter().map(|h| format!("server {h}")).collect(),
        expires_at: None,
        breadth: Some(breadth),
        assumed,
        notes,
    }
}

/// How [`db::introspect`] checks a redis credential.
const PROBE: db::Probe<Learned> = db::Probe {
    engine: "redis",
    learn,
    facts: facts_from,
    detail: |l| {
        format!(
            "authenticated as {} (read-only commands only)",
            l.user.as_deref().unwrap_or("an ACL-restricted user")
        )
    },
    refused: "password",
    failed_to: "ask the server",
};

impl Provider for Redis {
    fn id(&self) -> &'static str {
        "redis"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &[]
    }

    fn statements(&self) -> &'static [StatementSpec] {
        &STATEMENTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let t = db::target_of("redis", token);
        db::offline_facts(&t, &token.detector.token_kind, &token.detector.capabilities)
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        db::introspect(&PROBE, token, session)
    }

    fn remediation(&self, _token: &Token<'_>, _facts: &ScopeFacts) -> String {
        "Give the agent its own ACL user limited to the keys and commands its task needs \
         (for example `ACL SETUSER agent on >… ~app:* +@read -@dangerous`), never the default \
         user, keep this URL in a secret manager, and rotate the password."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_read_only() {
        for s in &STATEMENTS {
            s.check_read_only()
                .unwrap_or_else(|e| panic!("{}: {e}", s.id));
        }
    }

    #[test]
    fn default_user_outranks_restricted_user() {
        let t = db::parse_url("redis://:Jq7wE2rT9y@cache.internal:6379").unwrap();
        let admin = facts_from(
            &t,
            &Learned {
                user: Some("default".into()),
                flushall: Some(true),
                flushdb: Some(true),
                config: Some(true),
                acl: Some(true),
                ..Learned::default()
            },
        );
        let reader = facts_from(
            &t,
            &Learned {
                whoami_refused: true,
                ..Learned::default()
            },
        );
        assert!(admin.capabilities.contains(&Capability::ManageAccess));
        assert!(!reader.capabilities.contains(&Capability::ManageAccess));
        assert!(!reader.capabilities.contains(&Capability::Deploy));
    }
}
