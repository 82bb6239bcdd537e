//! What the database modules (PostgreSQL, MySQL/MariaDB, Redis, MongoDB)
//! share: connection URL parsing, host → provider and environment hints,
//! placeholder detection, the catalog of statements they may run (and the
//! check that every one is read-only), redaction of driver errors, and a
//! hard deadline around every connection.
//!
//! A database credential is found either as a whole connection URL (the
//! URL is the secret: it carries host, user and password together, and its
//! redacted form shows neither the password nor half of it) or as a bare
//! password beside its settings (`PGPASSWORD` with `PGHOST`, Rails
//! `database.yml`, docker-compose `environment:`, JDBC `password=`), where
//! the password is the secret and the settings are read from the file.

use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use crate::providers::Token;
use crate::secret::{redact, Secret};
use std::collections::BTreeSet;
use std::sync::mpsc;
use std::time::Duration;

/// The kind of a statement in a database module's catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatementKind {
    /// SQL text sent verbatim.
    Sql,
    /// A Redis command (arguments in `{}` are filled in at run time).
    Redis,
}

/// One statement or command a database module may run. Like HTTP requests
/// ([`crate::providers::http::RequestSpec`]), every one is declared here,
/// printed by `blastradius requests`, and checked to be read-only.
#[derive(Clone, Copy, Debug)]
pub struct StatementSpec {
    /// Catalog id, `provider.name`.
    pub id: &'static str,
    /// SQL or command text; `{name}` marks a value filled in at run time.
    pub text: &'static str,
    /// SQL or Redis command.
    pub kind: StatementKind,
    /// What it learns.
    pub purpose: &'static str,
}

impl StatementSpec {
    /// Whether this statement is read-only by construction; the reason if not.
    pub fn check_read_only(&self) -> Result<(), String> {
        match self.kind {
            StatementKind::Sql => sql_is_read_only(self.text),
            StatementKind::Redis => redis_is_read_only(self.text),
        }
    }
}

/// Whether a SQL statement is one of the read-only forms the database
/// modules use: `SELECT` (no `INTO`, no `FOR UPDATE`, no data-modifying
/// CTE), `SHOW`, `BEGIN`/`START TRANSACTION READ ONLY`, `ROLLBACK`.
pub fn sql_is_read_only(sql: &str) -> Result<(), String> {
    // String literals ('DELETE' as a privilege name) are data, not keywords.
    let mut unquoted = String::with_capacity(sql.len());
    let mut in_literal = false;
    for c in sql.chars() {
        if c == '\'' {
            in_literal = !in_literal;
            unquoted.push_str("''");
        } else if !in_literal {
            unquoted.push(c);
        }
    }
    if in_literal {
        return Err(format!("unterminated string literal: {sql}"));
    }
    let norm: String = unquoted
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase();
    if norm.contains(';') {
        return Err(format!("more than one statement: {sql}"));
    }
    let words: Vec<&str> = norm
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    const WRITES: [&str; 24] = [
        "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "DROP", "TRUNCATE", "ALTER", "CREATE",
        "GRANT", "REVOKE", "COPY", "INTO", "LOCK", "VACUUM", "REINDEX", "CLUSTER", "CALL", "DO",
        "EXECUTE", "SET", "RENAME", "REPLACE", "LOAD",
    ];
    let first = words.first().copied().unwrap_or_default();
    match first {
        "SELECT" | "SHOW" => {
            if let Some(w) = words.iter().find(|w| WRITES.contains(w)) {
                return Err(format!("{w} in a read statement: {sql}"));
            }
            if norm.contains("FOR UPDATE") || norm.contains("FOR SHARE") {
                return Err(format!("row locks: {sql}"));
            }
            // pg_terminate_backend, pg_cancel_backend, pg_reload_conf, …
            let side_effects = [
                "PG_TERMINATE",
                "PG_CANCEL",
                "PG_RELOAD",
                "PG_ROTATE",
                "SET_CONFIG",
                "NEXTVAL",
                "SETVAL",
                "LO_",
                "PG_SLEEP",
                "DBLINK",
            ];
            if let Some(f) = side_effects.iter().find(|f| norm.contains(*f)) {
                return Err(format!("function with side effects ({f}): {sql}"));
            }
            Ok(())
        }
        _ if norm == "BEGIN TRANSACTION READ ONLY"
            || norm == "START TRANSACTION READ ONLY"
            || norm == "ROLLBACK" =>
        {
            Ok(())
        }
        _ => Err(format!("not a read-only statement: {sql}")),
    }
}

/// Whether a Redis command is one of the read-only ones the Redis module
/// uses: `AUTH`, `ACL WHOAMI`, `ACL DRYRUN` (which checks a command against
/// the ACL without running it), `INFO`, `PING`.
pub fn redis_is_read_only(command: &str) -> Result<(), String> {
    let words: Vec<String> = command
        .split_whitespace()
        .map(|w| w.to_ascii_uppercase())
        .collect();
    match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["AUTH", ..] | ["PING"] | ["ACL", "WHOAMI"] => Ok(()),
        ["INFO", section] if !section.is_empty() => Ok(()),
        ["ACL", "DRYRUN", _, _, ..] => Ok(()),
        _ => Err(format!("not a read-only Redis command: {command}")),
    }
}

/// A database connection's settings, from a URL or from settings found
/// beside a password.
#[derive(Clone)]
pub struct DbTarget {
    /// `postgres`, `mysql`, `redis`, `mongodb`.
    pub engine: &'static str,
    /// Whether TLS was asked for by the scheme (`rediss://`, `+srv`).
    pub tls_scheme: bool,
    /// User name, when given.
    pub user: Option<String>,
    /// The password (never printed).
    pub password: Option<Secret>,
    /// First host, when given.
    pub host: Option<String>,
    /// Port, when given.
    pub port: Option<u16>,
    /// Database name (or Redis database number), when given.
    pub database: Option<String>,
    /// Query parameters, keys lower-case.
    pub params: Vec<(String, String)>,
}

impl std::fmt::Debug for DbTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DbTarget({})", self.display())
    }
}

impl DbTarget {
    /// A target with nothing set.
    pub fn empty(engine: &'static str) -> DbTarget {
        DbTarget {
            engine,
            tls_scheme: false,
            user: None,
            password: None,
            host: None,
            port: None,
            database: None,
            params: Vec::new(),
        }
    }

    /// A query parameter (case-insensitive name).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `user@host:port/db`, without the password.
    pub fn display(&self) -> String {
        let mut s = String::new();
        if let Some(u) = &self.user {
            s.push_str(u);
            s.push('@');
        }
        s.push_str(self.host.as_deref().unwrap_or("(no host)"));
        if let Some(p) = self.port {
            s.push_str(&format!(":{p}"));
        }
        if let Some(d) = &self.database {
            s.push('/');
            s.push_str(d);
        }
        s
    }

    /// Whether the host is this machine.
    pub fn is_loopback(&self) -> bool {
        self.host.as_deref().is_some_and(is_loopback_host)
    }

    /// The password as a string (empty when absent).
    pub fn password_str(&self) -> &str {
        self.password.as_ref().map_or("", Secret::expose)
    }
}

/// Whether `host` names this machine.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a connection URL: `scheme://[user[:password]@]host[:port][,host2…][/db][?params]`,
/// also behind `jdbc:` and with SQLAlchemy-style `+driver` suffixes.
pub fn parse_url(url: &str) -> Option<DbTarget> {
    let url = url.trim().trim_end_matches(['.', ',', ';', ')']);
    let url = url.strip_prefix("jdbc:").unwrap_or(url);
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let base = scheme.split('+').next().unwrap_or_default();
    let engine = match base {
        "postgres" | "postgresql" | "pgsql" => "postgres",
        "mysql" | "mariadb" | "mysqlx" => "mysql",
        "redis" | "rediss" | "valkey" | "valkeys" => "redis",
        "mongodb" => "mongodb",
        _ => return None,
    };
    let mut t = DbTarget::empty(engine);
    t.tls_scheme = matches!(base, "rediss" | "valkeys") || scheme.ends_with("+srv");
    let (before_query, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (before_query, None),
    };
    let (userinfo, hosts) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    if let Some(u) = userinfo {
        match u.split_once(':') {
            Some((user, pw)) => {
                if !user.is_empty() {
                    t.user = Some(percent_decode(user));
                }
                t.password = Some(Secret::new(percent_decode(pw)));
            }
            None if !u.is_empty() => t.user = Some(percent_decode(u)),
            None => {}
        }
    }
    let first = hosts.split(',').next().unwrap_or_default();
    let (host, port) = if let Some(rest) = first.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, p)) => (h.to_string(), p.strip_prefix(':')),
            None => (rest.to_string(), None),
        }
    } else {
        match first.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (first.to_string(), None),
        }
    };
    if !host.is_empty() {
        t.host = Some(percent_decode(&host).to_ascii_lowercase());
    }
    t.port = port.and_then(|p| p.parse().ok());
    if let Some(p) = path {
        let db = percent_decode(p.trim_matches('/'));
        if !db.is_empty() {
            t.database = Some(db);
        }
    }
    if let Some(q) = query {
        for pair in q.split(['&', ';']) {
            if let Some((k, v)) = pair.split_once('=') {
                t.params
                    .push((k.to_ascii_lowercase(), percent_decode(&v.replace('+', " "))));
            }
        }
    }
    if t.password.is_none() {
        if let Some(pw) = t.param("password").map(str::to_string) {
            t.password = Some(Secret::new(pw));
        }
    }
    if t.user.is_none() {
        t.user = t
            .param("user")
            .or_else(|| t.param("username"))
            .map(str::to_string);
    }
    Some(t)
}

/// The settings kept beside a bare password, read from the file it was
/// found in: `PGHOST=`/`host:`/`DB_HOST=` and friends, and JDBC URLs.
pub fn target_from_context(engine: &'static str, token: &Token<'_>) -> DbTarget {
    let password = token.secret.expose();
    let mut t = DbTarget::empty(engine);
    t.password = Some(token.secret.clone());
    for ctx in &token.context {
        let text = ctx.expose();
        // A URL (JDBC or not) that carries this very password.
        for word in text.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`')) {
            if word.contains("://") && word.contains(password) {
                if let Some(u) = parse_url(word) {
                    if u.password_str() == password && u.host.is_some() {
                        return DbTarget {
                            engine,
                            password: Some(token.secret.clone()),
                            ..u
                        };
                    }
                }
            }
        }
        let Some(at) = text.find(password) else {
            continue;
        };
        // The block the password sits in: from the previous unindented line
        // to the next one (a YAML section), or the whole file for env files.
        let block = block_around(text, at);
        let get = |names: &[&str]| -> Option<String> { setting(block, names) };
        let prefix: &[&str] = match engine {
            "postgres" => &["PG", "POSTGRES_", "DB_", "DATABASE_"],
            "mysql" => &["MYSQL_", "MARIADB_", "DB_", "DATABASE_"],
            "redis" => &["REDIS_"],
            _ => &["DB_"],
        };
        let names = |suffixes: &[&str]| -> Vec<String> {
            let mut v: Vec<String> = suffixes.iter().map(|s| s.to_string()).collect();
            for p in prefix {
                for s in suffixes {
                    v.push(format!("{p}{}", s.to_ascii_uppercase()));
                }
            }
            v
        };
        let as_refs = |v: &[String]| -> Option<String> {
            let refs: Vec<&str> = v.iter().map(String::as_str).collect();
            get(&refs)
        };
        t.host = as_refs(&names(&["host", "hostname", "server"])).map(|h| h.to_ascii_lowercase());
        t.port = as_refs(&names(&["port"])).and_then(|p| p.parse().ok());
        t.user = as_refs(&names(&["user", "username"]));
        t.database = as_refs(&names(&["database", "db", "dbname", "name"]));
        if t.host.is_some() {
            return t;
        }
    }
    t
}

/// The lines of `text` around byte `at` that belong to the same block: for
/// indented YAML, from the enclosing unindented line to the next one;
/// otherwise the whole text.
fn block_around(text: &str, at: usize) -> &str {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let indented = text[line_start..].starts_with([' ', '\t']);
    if !indented {
        return text;
    }
    let mut start = 0;
    let mut pos = line_start;
    while pos > 0 {
        let prev = text[..pos - 1].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[prev..pos - 1];
        if !line.is_empty() && !line.starts_with([' ', '\t', '#']) {
            start = prev;
            break;
        }
        pos = prev;
    }
    let mut end = text.len();
    let mut p = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
    while p < text.len() {
        let next = text[p..].find('\n').map_or(text.len(), |i| p + i + 1);
        let line = &text[p..next];
        if !line.trim().is_empty() && !line.starts_with([' ', '\t', '#']) {
            end = p;
            break;
        }
        p = next;
    }
    &text[start..end]
}

/// The value of the first setting named one of `names` (`NAME=value`,
/// `name: value`, `- NAME=value`), case-sensitive for upper-case names.
fn setting(block: &str, names: &[&str]) -> Option<String> {
    for line in block.lines() {
        let l = line
            .trim()
            .trim_start_matches("- ")
            .trim_start_matches("export ");
        let Some(idx) = l.find(['=', ':']) else {
            continue;
        };
        let key = l[..idx].trim().trim_matches(['"', '\'']);
        if !names.iter().any(|n| {
            if n.chars().any(|c| c.is_ascii_lowercase()) {
                key.eq_ignore_ascii_case(n)
            } else {
                key == *n
            }
        }) {
            continue;
        }
        let v = l[idx + 1..]
            .trim()
            .trim_matches(['"', '\''])
            .split(" #")
            .next()
            .unwrap_or_default()
            .trim();
        if !v.is_empty() && !v.contains(['$', '<', '{']) {
            return Some(v.to_string());
        }
    }
    None
}

/// The managed-database provider a host belongs to, if any.
pub fn host_provider(host: &str) -> Option<&'static str> {
    let h = host.to_ascii_lowercase();
    let ends = |s: &str| h.ends_with(s);
    Some(match () {
        _ if ends(".supabase.co") || ends(".supabase.com") => "Supabase",
        _ if ends(".neon.tech") => "Neon",
        _ if ends(".rlwy.net") || ends(".railway.internal") || ends(".railway.app") => "Railway",
        _ if ends(".render.com") || h.starts_with("dpg-") || h.starts_with("red-") => "Render",
        _ if ends(".rds.amazonaws.com") => "AWS RDS",
        _ if ends(".cache.amazonaws.com") => "AWS ElastiCache",
        _ if ends(".psdb.cloud") => "PlanetScale",
        _ if ends(".mongodb.net") => "MongoDB Atlas",
        _ if ends(".upstash.io") => "Upstash",
        _ if ends(".database.azure.com") || ends(".cache.windows.net") => "Azure",
        _ if ends(".aivencloud.com") => "Aiven",
        _ if ends(".db.ondigitalocean.com") => "DigitalOcean",
        _ if ends(".redis-cloud.com") || ends(".redislabs.com") => "Redis Cloud",
        _ if ends(".cockroachlabs.cloud") => "CockroachDB Cloud",
        _ => return None,
    })
}

/// Environment hints from the host, database and user names (`prod`,
/// `staging`, … — hints, not proof), or "local" for a loopback host.
pub fn environments(t: &DbTarget) -> Vec<Environment> {
    let mut out = Vec::new();
    let mut push = |what: &str, name: &str| {
        if let Some(tier) = Tier::from_name(name) {
            let env = Environment {
                name: format!("{what} {name} (named so)"),
                tier,
            };
            if !out.contains(&env) {
                out.push(env);
            }
        }
    };
    if let Some(h) = &t.host {
        // Only the labels before the registered domain say anything
        // (`db.prod` of `db.prod.acme.io`); an IP address says nothing.
        if h.parse::<std::net::IpAddr>().is_err() {
            let labels: Vec<&str> = h.split('.').collect();
            let keep = labels.len().saturating_sub(2).max(1);
            push("host", &labels[..keep].join("."));
        }
    }
    if let Some(d) = &t.database {
        push("database", d);
    }
    if let Some(u) = &t.user {
        push("user", u);
    }
    if out.is_empty() && t.is_loopback() {
        out.push(Environment {
            name: format!(
                "local database on {}",
                t.host.as_deref().unwrap_or("localhost")
            ),
            tier: Tier::Development,
        });
    }
    out
}

/// Passwords that are defaults or documentation, not secrets.
const PLACEHOLDER_PASSWORDS: [&str; 18] = [
    "password",
    "passw0rd",
    "pass",
    "secret",
    "postgres",
    "mysql",
    "root",
    "admin",
    "changeme",
    "change_me",
    "test",
    "example",
    "mysecretpassword",
    "pw",
    "pwd",
    "dev",
    "local",
    "redis",
];

/// Why these settings are an obvious placeholder (documentation or a
/// well-known default password), or `None` when they look real.
pub fn placeholder(t: &DbTarget) -> Option<&'static str> {
    let pw = t.password_str().to_ascii_lowercase();
    let host = t.host.as_deref().unwrap_or_default();
    if [
        "host",
        "hostname",
        "your-host",
        "server",
        "db-host",
        "dbhost",
    ]
    .contains(&host)
        || host.ends_with(".example")
        || host.ends_with(".invalid")
    {
        return Some("a placeholder host name");
    }
    if PLACEHOLDER_PASSWORDS.contains(&pw.as_str()) || pw == t.user.as_deref().unwrap_or("\0") {
        return Some("a well-known default or placeholder password");
    }
    if pw.starts_with("your") || pw.chars().all(|c| c == '*' || c == 'x') {
        return Some("a placeholder password");
    }
    None
}

/// The facts known before connecting: who and where, environment hints,
/// and the worst plausible capabilities of `engine` (unless local or a
/// placeholder, which are scored as what they are).
pub fn offline_facts(t: &DbTarget, kind: &str, worst: &[Capability]) -> ScopeFacts {
    let mut facts = ScopeFacts {
        token_kind: kind.to_string(),
        identity: Some(t.display()),
        environments: environments(t),
        assumed: true,
        ..ScopeFacts::default()
    };
    if let Some(h) = &t.host {
        facts.resources.push(format!("host {h}"));
        if let Some(p) = host_provider(h) {
            facts.notes.push(format!("{p} host (from its name)"));
        }
    } else {
        facts.notes.push(
            "no host found beside the password: nothing can be connected to, \
             scored as the worst plausible credential"
                .into(),
        );
    }
    if let Some(why) = placeholder(t) {
        facts.notes.push(format!("looks like {why}: scored low"));
        facts.breadth = Some(Breadth::Environment);
        facts.environments.clear();
        facts.token_kind = format!("{kind} (placeholder)");
        return facts;
    }
    if t.is_loopback() {
        // A database on the machine the agent runs on: its own copy.
        facts.breadth = Some(Breadth::Environment);
        facts.capabilities = [Capability::DeleteData].into_iter().collect();
        facts
            .notes
            .push("a local database: it reaches only this machine".into());
        return facts;
    }
    facts.breadth = Some(Breadth::Account);
    facts.capabilities = worst.iter().copied().collect::<BTreeSet<_>>();
    facts
}

/// Removes the password (raw and URL-encoded) and any URL holding it from
/// text that comes from a driver or a server.
pub fn scrub(text: &str, t: &DbTarget, token: &Secret) -> String {
    let mut out = text.replace(token.expose(), &token.redacted());
    let pw = t.password_str();
    if pw.len() >= 2 {
        out = out.replace(pw, &redact(pw));
        let enc: String = url::form_urlencoded::byte_serialize(pw.as_bytes()).collect();
        if enc != pw {
            out = out.replace(&enc, &redact(pw));
        }
    }
    out
}

/// Why learning failed.
pub enum Failure {
    /// The server refused the credentials: the finding is `invalid`.
    Auth(String),
    /// Anything else (network, TLS, protocol): the finding is `unknown`.
    Other(String),
}

/// What a database module supplies to [`introspect`]: how to learn what a
/// credential can do once connected, and how to describe it.
pub struct Probe<L> {
    /// The engine name the target is parsed for (`postgres`, `mysql`, `redis`).
    pub engine: &'static str,
    /// Connects and learns, read-only, with this I/O timeout.
    pub learn: fn(&DbTarget, Duration) -> Result<L, Failure>,
    /// The scope facts of what was learned.
    pub facts: fn(&DbTarget, &L) -> ScopeFacts,
    /// The live verdict's detail ("connected as … (read-only …)").
    pub detail: fn(&L) -> String,
    /// What an authentication failure refused ("credentials", "password").
    pub refused: &'static str,
    /// What another failure prevented ("read the grants").
    pub failed_to: &'static str,
}

/// The shared introspection of every database module: skip targets without
/// a host and placeholders, connect under the chain's deadline (at most
/// 15 s) on a thread that is abandoned if the host never answers, and map
/// the outcome to a verdict with every driver message scrubbed of the
/// credential.
pub fn introspect<L: Send + 'static>(
    probe: &Probe<L>,
    token: &Token<'_>,
    session: &crate::providers::http::Session<'_>,
) -> crate::providers::Verdict {
    use crate::providers::Verdict;
    let t = target_of(probe.engine, token);
    if t.host.is_none() {
        return Verdict::skipped("no host beside the password: nothing to connect to");
    }
    if let Some(why) = placeholder(&t) {
        return Verdict::skipped(format!("{why}: not connected to"));
    }
    let budget = session.time_left().min(Duration::from_secs(15));
    if budget.is_zero() {
        return Verdict::unknown("no time left to connect");
    }
    let io_timeout = budget.min(Duration::from_secs(5));
    let target = t.clone();
    let learn = probe.learn;
    let clean = |s: &str| scrub(s, &t, token.secret);
    match bounded(budget, move || learn(&target, io_timeout)) {
        Outcome::TimedOut => Verdict::unknown(format!(
            "{} did not answer within {}s",
            t.display(),
            budget.as_secs_f32()
        )),
        Outcome::Done(Err(Failure::Auth(e))) => Verdict::invalid(format!(
            "the server refused the {}: {}",
            probe.refused,
            clean(&e)
        )),
        Outcome::Done(Err(Failure::Other(e))) => {
            Verdict::unknown(format!("could not {}: {}", probe.failed_to, clean(&e)))
        }
        Outcome::Done(Ok(l)) => Verdict::live(clean(&(probe.detail)(&l)), (probe.facts)(&t, &l)),
    }
}

/// Why a connection attempt ended.
#[derive(Debug)]
pub enum Outcome<T> {
    /// It finished in time.
    Done(T),
    /// It did not finish within the deadline.
    TimedOut,
}

/// Runs `f` on its own thread and waits at most `budget` for it. A driver
/// stuck on a host that does not answer is abandoned (its thread ends with
/// the process); the caller gets [`Outcome::TimedOut`] in time.
pub fn bounded<T: Send + 'static>(
    budget: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Outcome<T> {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("blastradius-db".into())
        .spawn(move || {
            let _ = tx.send(f());
        });
    if spawned.is_err() {
        return Outcome::TimedOut;
    }
    match rx.recv_timeout(budget) {
        Ok(v) => Outcome::Done(v),
        Err(_) => Outcome::TimedOut,
    }
}

/// The TLS settings for a database connection. `verify` follows libpq's
/// `verify-ca`/`verify-full` (and MySQL's `VERIFY_*`): the server
/// certificate is checked against the web PKI roots. Without it (`require`,
/// `prefer`, the defaults of libpq and of most drivers) the connection is
/// encrypted but the certificate is not checked, as libpq does.
pub fn rustls_config(verify: bool) -> rustls::ClientConfig {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|_| {
            rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_protocol_versions(rustls::DEFAULT_VERSIONS)
                .expect("default TLS versions are supported")
        });
    if verify {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(std::sync::Arc::new(NoVerify(provider)))
            .with_no_client_auth()
    }
}

/// Encrypts without checking the certificate (libpq `sslmode=require`).
#[derive(Debug)]
struct NoVerify(std::sync::Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The target of a token: the URL itself, or the settings beside a bare
/// password.
pub fn target_of(engine: &'static str, token: &Token<'_>) -> DbTarget {
    match parse_url(token.secret.expose()) {
        Some(t) if t.password.is_some() => t,
        _ => target_from_context(engine, token),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let t = parse_url(
            "postgresql://app:p%40ss@db.prod.internal:6543/app_production?sslmode=require",
        )
        .unwrap();
        assert_eq!(t.engine, "postgres");
        assert_eq!(t.user.as_deref(), Some("app"));
        assert_eq!(t.password_str(), "p@ss");
        assert_eq!(t.host.as_deref(), Some("db.prod.internal"));
        assert_eq!(t.port, Some(6543));
        assert_eq!(t.database.as_deref(), Some("app_production"));
        assert_eq!(t.param("sslmode"), Some("require"));
        let r = parse_url("rediss://:s3cr3t@red-abc.upstash.io:6379").unwrap();
        assert!(r.tls_scheme);
        assert_eq!(r.user, None);
        assert_eq!(r.password_str(), "s3cr3t");
        let j = parse_url("jdbc:mysql://db.internal:3306/shop?user=shop&password=Zq8v2Lk").unwrap();
        assert_eq!(j.engine, "mysql");
        assert_eq!(j.user.as_deref(), Some("shop"));
        assert_eq!(j.password_str(), "Zq8v2Lk");
        let m = parse_url("postgres://u:pw@[::1]:5433/x").unwrap();
        assert_eq!(m.host.as_deref(), Some("::1"));
        assert!(m.is_loopback());
        assert!(parse_url("http://u:p@h/").is_none());
    }

    #[test]
    fn hints_from_names() {
        let t = parse_url("postgres://app:Xk29fLq@db.staging.acme.io/app_production").unwrap();
        let envs = environments(&t);
        assert!(envs.iter().any(|e| e.tier == Tier::Production));
        let local = parse_url("postgres://app:Xk29fLq@localhost/app").unwrap();
        assert_eq!(environments(&local)[0].tier, Tier::Development);
        assert_eq!(
            host_provider("ep-x-123.us-east-2.aws.neon.tech"),
            Some("Neon")
        );
        assert_eq!(host_provider("roundhouse.proxy.rlwy.net"), Some("Railway"));
        assert_eq!(host_provider("db.abcd.supabase.co"), Some("Supabase"));
    }

    #[test]
    fn placeholders() {
        let p = parse_url("postgres://user:password@host:5432/db").unwrap();
        assert!(placeholder(&p).is_some());
        let real = parse_url("postgres://app:Xk29fLq8@db.acme.io/app").unwrap();
        assert!(placeholder(&real).is_none());
    }

    #[test]
    fn read_only_checks() {
        for ok in [
            "SELECT current_user",
            "SHOW GRANTS FOR CURRENT_USER()",
            "BEGIN TRANSACTION READ ONLY",
            "START TRANSACTION READ ONLY",
            "ROLLBACK",
            "SELECT has_table_privilege(c.oid, 'DELETE') FROM pg_class c",
        ] {
            assert!(sql_is_read_only(ok).is_ok(), "{ok}");
        }
        for bad in [
            "DROP TABLE x",
            "SELECT 1; DROP TABLE x",
            "SELECT 'a'; DROP TABLE x",
            "SELECT has_table_privilege(1, 'DELETE')) FROM x; DELETE FROM t",
            "SELECT * INTO t FROM x",
            "SELECT * FROM t FOR UPDATE",
            "SELECT pg_terminate_backend(1)",
            "BEGIN",
            "SET ROLE postgres",
            "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
        ] {
            assert!(sql_is_read_only(bad).is_err(), "{bad}");
        }
        assert!(redis_is_read_only("ACL DRYRUN {user} FLUSHALL").is_ok());
        assert!(redis_is_read_only("FLUSHALL").is_err());
        assert!(redis_is_read_only("CONFIG SET x y").is_err());
        assert!(redis_is_read_only("ACL SETUSER x on").is_err());
    }

    #[test]
    fn settings_beside_a_password() {
        let yaml = "default: &default\n  adapter: postgresql\n\ndevelopment:\n  <<: *default\n  host: localhost\n  password: devpw\n\nproduction:\n  <<: *default\n  host: db.prod.acme.io\n  username: app\n  database: app_production\n  password: Qm7vX2pL\n";
        let at = yaml.find("Qm7vX2pL").unwrap();
        let block = block_around(yaml, at);
        assert_eq!(
            setting(block, &["host"]).as_deref(),
            Some("db.prod.acme.io")
        );
        assert_eq!(setting(block, &["username"]).as_deref(), Some("app"));
        let env = "PGHOST=db.internal\nPGUSER=app\nPGPASSWORD=Qm7vX2pL\n";
        assert_eq!(setting(env, &["PGHOST"]).as_deref(), Some("db.internal"));
    }

    #[test]
    fn scrub_removes_password_forms() {
        let t = parse_url("postgres://app:p%40ss-w0rd@h/db").unwrap();
        let s = Secret::new("postgres://app:p%40ss-w0rd@h/db");
        let text = "error p@ss-w0rd and p%40ss-w0rd in postgres://app:p%40ss-w0rd@h/db";
        let out = scrub(text, &t, &s);
        assert!(
            !out.contains("p@ss-w0rd") && !out.contains("p%40ss-w0rd"),
            "{out}"
        );
    }
}
