//! PostgreSQL connection URLs and passwords: connect (TLS when the URL or
//! the server asks for it, rustls only), open a read-only transaction, read
//! the catalogs to learn what the role can destroy, roll back.
//!
//! What is learned and how it maps to capabilities:
//! - superuser, or membership in a cloud "superuser" role (`rds_superuser`,
//!   `cloudsqlsuperuser`, `azure_pg_admin`, `neon_superuser`, …): drop any
//!   database (`delete-data`), create roles (`manage-access`), and for a
//!   real superuser change the server's configuration (`deploy`);
//! - owner of a database or schema (directly or through a role): `DROP`
//!   (`delete-data`), the whole database;
//! - `CREATEROLE`: `manage-access`;
//! - owner of tables, or `DELETE`/`TRUNCATE` on them: `delete-data`, those
//!   tables;
//! - `SELECT` only: `read-data`.
//!
//! Every statement is in [`STATEMENTS`]; nothing else is ever sent.

use super::db::{self, DbTarget, Failure, StatementKind, StatementSpec};
use super::http::{RequestSpec, Session};
use super::{Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use std::time::Duration;

/// The PostgreSQL module.
#[derive(Debug)]
pub struct Postgres;

const fn sql(id: &'static str, text: &'static str, purpose: &'static str) -> StatementSpec {
    StatementSpec {
        id,
        text,
        kind: StatementKind::Sql,
        purpose,
    }
}

const BEGIN: StatementSpec = sql(
    "postgres.begin",
    "BEGIN TRANSACTION READ ONLY",
    "everything below runs in a read-only transaction",
);
const WHO: StatementSpec = sql(
    "postgres.who",
    "SELECT current_user::text, session_user::text, current_database()::text, version(), pg_is_in_recovery()",
    "who the role is, which database and server, and whether it is a read replica",
);
const ROLE: StatementSpec = sql(
    "postgres.role",
    "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    "the role's attributes: superuser, createrole, createdb, replication, bypassrls",
);
const MEMBERS: StatementSpec = sql(
    "postgres.memberships",
    "SELECT rolname::text FROM pg_roles WHERE pg_has_role(current_user, oid, 'MEMBER') AND rolname <> current_user ORDER BY 1 LIMIT 50",
    "roles it is a member of, directly or not (rds_superuser, cloudsqlsuperuser, pg_write_all_data, …)",
);
const DATABASES: StatementSpec = sql(
    "postgres.databases",
    "SELECT datname::text, pg_has_role(current_user, datdba, 'USAGE') FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1 LIMIT 200",
    "databases on the server and which it owns (an owner can DROP DATABASE)",
);
const TABLES: StatementSpec = sql(
    "postgres.tables",
    "SELECT count(*), count(*) FILTER (WHERE pg_has_role(current_user, c.relowner, 'USAGE')), count(*) FILTER (WHERE has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE')), count(*) FILTER (WHERE has_table_privilege(c.oid, 'SELECT')) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'",
    "how many tables it owns (DROP), may DELETE from or TRUNCATE, and may read",
);
const TABLE_EXAMPLES: StatementSpec = sql(
    "postgres.table-examples",
    "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND (pg_has_role(current_user, c.relowner, 'USAGE') OR has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE')) ORDER BY 1 LIMIT 5",
    "a few of the tables it can empty or drop, for the report",
);
const SCHEMAS: StatementSpec = sql(
    "postgres.schemas",
    "SELECT count(*) FROM pg_namespace WHERE pg_has_role(current_user, nspowner, 'USAGE') AND nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%'",
    "schemas it owns (an owner can DROP SCHEMA … CASCADE)",
);
const ROLLBACK: StatementSpec = sql(
    "postgres.rollback",
    "ROLLBACK",
    "ends the read-only transaction",
);

/// Every statement the PostgreSQL module runs, in order.
pub static STATEMENTS: [StatementSpec; 9] = [
    BEGIN,
    WHO,
    ROLE,
    MEMBERS,
    DATABASES,
    TABLES,
    TABLE_EXAMPLES,
    SCHEMAS,
    ROLLBACK,
];

/// Roles whose members are superusers in all but name on managed services.
const CLOUD_SUPERUSERS: [&str; 7] = [
    "rds_superuser",
    "cloudsqlsuperuser",
    "azure_pg_admin",
    "azure_superuser",
    "neon_superuser",
    "supabase_admin",
    "alloydbsuperuser",
];

/// The `application_name` our connections carry (visible in server logs).
pub const APPLICATION_NAME: &str = "blastradius";

/// What the catalogs said.
#[derive(Debug, Default)]
struct Learned {
    user: String,
    database: String,
    version: String,
    in_recovery: bool,
    superuser: bool,
    createrole: bool,
    createdb: bool,
    replication: bool,
    bypassrls: bool,
    members: Vec<String>,
    databases: Vec<(String, bool)>,
    tables: u64,
    tables_owned: u64,
    tables_deletable: u64,
    tables_readable: u64,
    examples: Vec<String>,
    schemas_owned: u64,
}

fn error_text(e: &postgres::Error) -> String {
    let mut s = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => e.to_string(),
    };
    let mut src = std::error::Error::source(e);
    if e.as_db_error().is_none() {
        while let Some(c) = src {
            s.push_str(": ");
            s.push_str(&c.to_string());
            src = c.source();
        }
    }
    s
}

fn classify(e: &postgres::Error) -> Failure {
    use postgres::error::SqlState;
    let text = error_text(e);
    match e.code() {
        Some(c)
            if *c == SqlState::INVALID_PASSWORD
                || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            Failure::Auth(text)
        }
        _ => Failure::Other(text),
    }
}

fn cell(row: &postgres::SimpleQueryRow, i: usize) -> String {
    row.get(i).unwrap_or_default().to_string()
}

fn rows(
    client: &mut postgres::Client,
    spec: &StatementSpec,
) -> Result<Vec<postgres::SimpleQueryRow>, Failure> {
    let msgs = client
        .simple_query(spec.text)
        .map_err(|e| Failure::Other(format!("{}: {}", spec.id, error_text(&e))))?;
    Ok(msgs
        .into_iter()
        .filter_map(|m| match m {
            postgres::SimpleQueryMessage::Row(r) => Some(r),
            _ => None,
        })
        .collect())
}

fn connect(t: &DbTarget, timeout: Duration) -> Result<postgres::Client, Failure> {
    use postgres::config::SslMode;
    let mut cfg = postgres::Config::new();
    let user = t.user.clone().unwrap_or_else(|| "postgres".into());
    cfg.host(t.host.as_deref().unwrap_or("localhost"))
        .port(t.port.unwrap_or(5432))
        .user(&user)
        .password(t.password_str())
        .dbname(t.database.as_deref().unwrap_or(&user))
        .application_name(APPLICATION_NAME)
        .connect_timeout(timeout);
    let mode = t
        .param("sslmode")
        .or_else(|| t.param("ssl-mode"))
        .map(str::to_ascii_lowercase);
    let ssl_true = t.param("ssl").is_some_and(|v| v == "true" || v == "1");
    let (ssl, verify) = match mode.as_deref() {
        Some("disable") => (SslMode::Disable, false),
        Some("require") => (SslMode::Require, false),
        Some("verify-ca" | "verify-full") => (SslMode::Require, true),
        _ if ssl_true => (SslMode::Require, false),
        _ => (SslMode::Prefer, false),
    };
    cfg.ssl_mode(ssl);
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(db::rustls_config(verify));
    cfg.connect(tls).map_err(|e| classify(&e))
}

fn learn(t: &DbTarget, timeout: Duration) -> Result<Learned, Failure> {
    let mut client = connect(t, timeout)?;
    let mut l = Learned::default();
    rows(&mut client, &BEGIN)?;
    let result = (|| {
        if let Some(r) = rows(&mut client, &WHO)?.first() {
            l.user = cell(r, 0);
            l.database = cell(r, 2);
            l.version = cell(r, 3);
            l.in_recovery = cell(r, 4) == "t";
        }
        if let Some(r) = rows(&mut client, &ROLE)?.first() {
            l.superuser = cell(r, 0) == "t";
            l.createrole = cell(r, 1) == "t";
            l.createdb = cell(r, 2) == "t";
            l.replication = cell(r, 3) == "t";
            l.bypassrls = cell(r, 4) == "t";
        }
        l.members = rows(&mut client, &MEMBERS)?
            .iter()
            .map(|r| cell(r, 0))
            .collect();
        l.databases = rows(&mut client, &DATABASES)?
            .iter()
            .map(|r| (cell(r, 0), cell(r, 1) == "t"))
            .collect();
        if let Some(r) = rows(&mut client, &TABLES)?.first() {
            let n = |i| cell(r, i).parse().unwrap_or(0);
            l.tables = n(0);
            l.tables_owned = n(1);
            l.tables_deletable = n(2);
            l.tables_readable = n(3);
        }
        l.examples = rows(&mut client, &TABLE_EXAMPLES)?
            .iter()
            .map(|r| cell(r, 0))
            .collect();
        if let Some(r) = rows(&mut client, &SCHEMAS)?.first() {
            l.schemas_owned = cell(r, 0).parse().unwrap_or(0);
        }
        Ok(())
    })();
    let _ = rows(&mut client, &ROLLBACK);
    result.map(|()| l)
}

/// Turns what the catalogs said into scope facts.
fn facts_from(t: &DbTarget, l: &Learned) -> ScopeFacts {
    let mut caps = std::collections::BTreeSet::new();
    let mut perms = Vec::new();
    let cloud_super: Vec<&String> = l
        .members
        .iter()
        .filter(|m| CLOUD_SUPERUSERS.contains(&m.as_str()))
        .collect();
    let owned_dbs: Vec<&str> = l
        .databases
        .iter()
        .filter(|(_, owner)| *owner)
        .map(|(n, _)| n.as_str())
        .collect();
    let write_all = l.members.iter().any(|m| m == "pg_write_all_data");
    let read_all = l.members.iter().any(|m| m == "pg_read_all_data");
    let (kind, breadth) = if l.superuser {
        perms.push("SUPERUSER".to_string());
        caps.extend([
            Capability::DeleteData,
            Capability::ManageAccess,
            Capability::Deploy,
            Capability::ReadData,
        ]);
        ("PostgreSQL superuser", Breadth::Account)
    } else if !cloud_super.is_empty() {
        for m in &cloud_super {
            perms.push(format!("member of {m}"));
        }
        caps.extend([
            Capability::DeleteData,
            Capability::ManageAccess,
            Capability::ReadData,
        ]);
        ("PostgreSQL managed-service admin role", Breadth::Account)
    } else if !owned_dbs.is_empty() {
        caps.extend([Capability::DeleteData, Capability::ReadData]);
        ("PostgreSQL database owner", Breadth::Workspace)
    } else if l.tables_owned > 0 || l.tables_deletable > 0 || l.schemas_owned > 0 || write_all {
        caps.insert(Capability::DeleteData);
        if l.tables_readable > 0 || read_all {
            caps.insert(Capability::ReadData);
        }
        (
            if l.tables_owned > 0 || l.schemas_owned > 0 {
                "PostgreSQL role owning tables"
            } else {
                "PostgreSQL role with DELETE/TRUNCATE"
            },
            if write_all {
                Breadth::Workspace
            } else {
                Breadth::Project
            },
        )
    } else if l.tables_readable > 0 || read_all {
        caps.insert(Capability::ReadData);
        ("PostgreSQL read-only role", Breadth::Project)
    } else {
        ("PostgreSQL role without table access", Breadth::Environment)
    };
    if l.createrole {
        perms.push("CREATEROLE".into());
        caps.insert(Capability::ManageAccess);
    }
    if l.createdb {
        perms.push("CREATEDB".into());
    }
    if l.replication {
        perms.push("REPLICATION".into());
        caps.insert(Capability::ReadData);
    }
    if l.bypassrls {
        perms.push("BYPASSRLS".into());
    }
    for d in &owned_dbs {
        if !l.superuser {
            perms.push(format!("owner of database {d}"));
        }
    }
    if l.schemas_owned > 0 && !l.superuser {
        perms.push(format!("owner of {} schema(s)", l.schemas_owned));
    }
    if !l.superuser {
        if l.tables_owned > 0 {
            perms.push(format!(
                "owner of {} of {} tables (DROP)",
                l.tables_owned, l.tables
            ));
        }
        if l.tables_deletable > 0 {
            perms.push(format!(
                "DELETE/TRUNCATE on {} of {} tables",
                l.tables_deletable, l.tables
            ));
        }
        if l.tables_readable > 0 {
            perms.push(format!(
                "SELECT on {} of {} tables",
                l.tables_readable, l.tables
            ));
        }
    }
    for m in &l.members {
        if !CLOUD_SUPERUSERS.contains(&m.as_str()) && !m.starts_with("pg_database_owner") {
            perms.push(format!("member of {m}"));
        }
    }
    let mut resources: Vec<String> = Vec::new();
    if let Some(h) = &t.host {
        resources.push(format!("server {h}"));
    }
    if breadth == Breadth::Account {
        resources.extend(
            l.databases
                .iter()
                .take(10)
                .map(|(n, _)| format!("database {n}")),
        );
    } else {
        resources.push(format!("database {}", l.database));
    }
    resources.extend(l.examples.iter().map(|e| format!("table {e}")));
    let mut named = t.clone();
    named.database = Some(l.database.clone());
    named.user = Some(l.user.clone());
    let mut environments = db::environments(&named);
    if breadth == Breadth::Account {
        for (name, _) in &l.databases {
            if let Some(tier) = Tier::from_name(name) {
                let env = Environment {
                    name: format!("database {name} (named so)"),
                    tier,
                };
                if !environments.contains(&env) {
                    environments.push(env);
                }
            }
        }
        // A local fallback does not hold once real names say more.
        if environments.len() > 1 {
            environments.retain(|e| !e.name.starts_with("local database"));
        }
    }
    let mut notes = Vec::new();
    if let Some(p) = t.host.as_deref().and_then(db::host_provider) {
        notes.push(format!(
            "{p} host: backups and snapshots are kept by {p}, out of this role's reach"
        ));
    }
    if l.in_recovery {
        notes.push(
            "this server is a read replica (pg_is_in_recovery): writes fail here, \
             but the same role can do all of the above on the primary"
                .into(),
        );
    }
    let version = l.version.split(" on ").next().unwrap_or_default();
    if !version.is_empty() {
        notes.push(version.to_string());
    }
    let provider = t
        .host
        .as_deref()
        .and_then(db::host_provider)
        .map(|p| format!(" ({p})"))
        .unwrap_or_default();
    ScopeFacts {
        token_kind: kind.to_string(),
        identity: Some(format!(
            "role {} on {}:{}/{}{provider}",
            l.user,
            t.host.as_deref().unwrap_or("localhost"),
            t.port.unwrap_or(5432),
            l.database
        )),
        permissions: perms,
        capabilities: caps,
        environments,
        resources,
        expires_at: None,
        breadth: Some(breadth),
        assumed: false,
        notes,
    }
}

/// How [`db::introspect`] checks a postgres credential.
const PROBE: db::Probe<Learned> = db::Probe {
    engine: "postgres",
    learn,
    facts: facts_from,
    detail: |l| {
        format!(
            "connected as {} (read-only transaction, catalog queries only)",
            l.user
        )
    },
    refused: "credentials",
    failed_to: "read the catalogs",
};

impl Provider for Postgres {
    fn id(&self) -> &'static str {
        "postgres"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &[]
    }

    fn statements(&self) -> &'static [StatementSpec] {
        &STATEMENTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let t = db::target_of("postgres", token);
        db::offline_facts(&t, &token.detector.token_kind, &token.detector.capabilities)
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        db::introspect(&PROBE, token, session)
    }

    fn remediation(&self, _token: &Token<'_>, facts: &ScopeFacts) -> String {
        let what = if facts.capabilities.contains(&Capability::DeleteData) {
            "This role can drop or empty data."
        } else {
            "Keep database credentials out of the agent's files."
        };
        format!(
            "{what} Give the agent a role made for its task instead (for example \
             `CREATE ROLE agent LOGIN PASSWORD '…'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO agent;` \
             on a non-production database), keep this URL in a secret manager, and rotate its \
             password (`ALTER ROLE … PASSWORD '…'`)."
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_statement_is_read_only() {
        for s in &STATEMENTS {
            s.check_read_only()
                .unwrap_or_else(|e| panic!("{}: {e}", s.id));
        }
    }

    fn target() -> DbTarget {
        db::parse_url("postgres://app:Xk29fLq8@db.internal:5432/app").unwrap()
    }

    #[test]
    fn superuser_outranks_owner_outranks_writer_outranks_reader() {
        let t = target();
        let su = facts_from(
            &t,
            &Learned {
                superuser: true,
                ..Learned::default()
            },
        );
        let owner = facts_from(
            &t,
            &Learned {
                databases: vec![("app".into(), true)],
                tables: 3,
                tables_owned: 3,
                tables_deletable: 3,
                tables_readable: 3,
                ..Learned::default()
            },
        );
        let writer = facts_from(
            &t,
            &Learned {
                tables: 3,
                tables_deletable: 2,
                tables_readable: 3,
                ..Learned::default()
            },
        );
        let reader = facts_from(
            &t,
            &Learned {
                tables: 3,
                tables_readable: 3,
                ..Learned::default()
            },
        );
        assert!(su.capabilities.contains(&Capability::ManageAccess));
        assert!(owner.capabilities.contains(&Capability::DeleteData));
        assert!(writer.capabilities.contains(&Capability::DeleteData));
        assert!(!reader.capabilities.contains(&Capability::DeleteData));
        assert!(reader.capabilities.contains(&Capability::ReadData));
        let exposure = crate::exposure::Exposure {
            git: crate::exposure::GitStatus::Tracked,
            agent_ignored_by: Vec::new(),
            location: crate::exposure::Location::Workspace,
        };
        let score = |f: &ScopeFacts| {
            crate::scoring::score(&exposure, None, crate::model::Status::Live, f).total
        };
        assert!(
            score(&su) > score(&owner),
            "{} {}",
            score(&su),
            score(&owner)
        );
        assert!(score(&owner) > score(&writer));
        assert!(score(&writer) > score(&reader));
    }

    #[test]
    fn cloud_superuser_roles_count() {
        let f = facts_from(
            &target(),
            &Learned {
                members: vec!["rds_superuser".into()],
                ..Learned::default()
            },
        );
        assert!(f.capabilities.contains(&Capability::DeleteData));
        assert!(f.permissions.iter().any(|p| p.contains("rds_superuser")));
    }
}
