//! MySQL and MariaDB connection URLs and passwords: connect (TLS when the
//! URL asks for it or the host is PlanetScale; rustls only), open a
//! read-only transaction, read the user's grants, the server's read-only
//! flag and the databases it can see, roll back.
//!
//! `SHOW GRANTS FOR CURRENT_USER()` is parsed into capabilities: `ALL`,
//! `DROP` and `DELETE` ⇒ `delete-data` (of the whole server, one database or
//! some tables, by the grant's scope); `SUPER` ⇒ `deploy` (server
//! configuration); `GRANT OPTION` and `CREATE USER` ⇒ `manage-access`;
//! `SELECT` ⇒ `read-data`. The grant lines themselves are never reported
//! (MariaDB prints password hashes in them).

use super::db::{self, DbTarget, Failure, StatementKind, StatementSpec};
use super::http::{RequestSpec, Session};
use super::{Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use mysql::prelude::Queryable;
use std::collections::BTreeSet;
use std::time::Duration;

/// The MySQL/MariaDB module.
#[derive(Debug)]
pub struct MySql;

const fn sql(id: &'static str, text: &'static str, purpose: &'static str) -> StatementSpec {
    StatementSpec {
        id,
        text,
        kind: StatementKind::Sql,
        purpose,
    }
}

const DRIVER: StatementSpec = sql(
    "mysql.driver-setup",
    "SELECT @@max_allowed_packet",
    "sent by the driver itself right after connecting",
);
const BEGIN: StatementSpec = sql(
    "mysql.begin",
    "START TRANSACTION READ ONLY",
    "everything below runs in a read-only transaction",
);
const WHO: StatementSpec = sql(
    "mysql.who",
    "SELECT CURRENT_USER(), VERSION(), @@read_only, DATABASE()",
    "who the account is, the server version, and whether the server is read-only",
);
const GRANTS: StatementSpec = sql(
    "mysql.grants",
    "SHOW GRANTS FOR CURRENT_USER()",
    "the account's privileges and their scope",
);
const DATABASES: StatementSpec = sql(
    "mysql.databases",
    "SHOW DATABASES",
    "the databases the account can see",
);
const ROLLBACK: StatementSpec = sql(
    "mysql.rollback",
    "ROLLBACK",
    "ends the read-only transaction",
);

/// Every statement the MySQL module runs (or its driver sends), in order.
pub static STATEMENTS: [StatementSpec; 6] = [DRIVER, BEGIN, WHO, GRANTS, DATABASES, ROLLBACK];

/// One parsed `GRANT` line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Grant {
    privileges: Vec<String>,
    /// `*.*`, `db.*` or `db.table`, without quotes.
    scope: String,
    grant_option: bool,
}

impl Grant {
    fn breadth(&self) -> Breadth {
        if self.scope == "*.*" {
            Breadth::Account
        } else if self.scope.ends_with(".*") {
            Breadth::Workspace
        } else {
            Breadth::Project
        }
    }
}

/// Parses one line of `SHOW GRANTS`; role grants (`GRANT role TO user`)
/// come back with the role as the only "privilege" and an empty scope.
fn parse_grant(line: &str) -> Option<Grant> {
    let rest = line.trim().strip_prefix("GRANT ")?;
    let upper = rest.to_ascii_uppercase();
    let grant_option = upper.contains("WITH GRANT OPTION") || upper.contains("WITH ADMIN OPTION");
    let Some(on) = upper.find(" ON ") else {
        let to = upper.find(" TO ")?;
        return Some(Grant {
            privileges: vec![format!("ROLE {}", rest[..to].replace('`', ""))],
            scope: String::new(),
            grant_option,
        });
    };
    let to = upper[on..].find(" TO ").map(|i| on + i)?;
    let mut privileges = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in upper[..on].chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                privileges.push(cur.trim().to_string());
                cur.clear();
            }
            _ if depth == 0 => cur.push(c),
            _ => {}
        }
    }
    privileges.push(cur.trim().to_string());
    let scope = rest[on + 4..to]
        .trim()
        .trim_start_matches("TABLE ")
        .replace(['`', '"'], "");
    Some(Grant {
        privileges,
        scope,
        grant_option,
    })
}

/// `CURRENT_USER()`, `VERSION()`, `@@read_only`, `DATABASE()`.
type WhoRow = (Option<String>, Option<String>, Option<i64>, Option<String>);

/// What the server said.
#[derive(Debug, Default)]
struct Learned {
    user: String,
    version: String,
    read_only: bool,
    database: Option<String>,
    grants: Vec<Grant>,
    databases: Vec<String>,
}

fn error_text(e: &mysql::Error) -> String {
    match e {
        mysql::Error::MySqlError(m) => format!("{} ({})", m.message, m.code),
        other => other.to_string(),
    }
}

fn learn(t: &DbTarget, timeout: Duration) -> Result<Learned, Failure> {
    let tls = {
        let mode = t
            .param("ssl-mode")
            .or_else(|| t.param("sslmode"))
            .unwrap_or_default()
            .to_ascii_uppercase();
        let flag = |k: &str| t.param(k).is_some_and(|v| v == "true" || v == "1");
        let planetscale = t
            .host
            .as_deref()
            .is_some_and(|h| h.ends_with(".psdb.cloud"));
        if mode.starts_with("VERIFY") || t.param("sslaccept") == Some("strict") || planetscale {
            Some(true)
        } else if mode == "REQUIRED"
            || mode == "REQUIRE"
            || flag("ssl")
            || flag("tls")
            || flag("usessl")
        {
            Some(false)
        } else {
            None
        }
    };
    let mut opts = mysql::OptsBuilder::new()
        .ip_or_hostname(Some(t.host.clone().unwrap_or_else(|| "localhost".into())))
        .tcp_port(t.port.unwrap_or(3306))
        .user(t.user.clone().or(Some("root".into())))
        .pass(Some(t.password_str().to_string()))
        .db_name(t.database.clone().filter(|d| !d.is_empty()))
        .prefer_socket(false)
        .tcp_connect_timeout(Some(timeout))
        .read_timeout(Some(timeout))
        .write_timeout(Some(timeout));
    if let Some(verify) = tls {
        opts = opts.ssl_opts(Some(
            mysql::SslOpts::default().with_danger_accept_invalid_certs(!verify),
        ));
    }
    let mut conn = mysql::Conn::new(opts).map_err(|e| match &e {
        mysql::Error::MySqlError(m) if m.code == 1045 => Failure::Auth(error_text(&e)),
        _ => Failure::Other(error_text(&e)),
    })?;
    let q = |e: mysql::Error, spec: &StatementSpec| {
        Failure::Other(format!("{}: {}", spec.id, error_text(&e)))
    };
    conn.query_drop(BEGIN.text).map_err(|e| q(e, &BEGIN))?;
    let result = (|| {
        let mut l = Learned::default();
        let who: Option<WhoRow> = conn.query_first(WHO.text).map_err(|e| q(e, &WHO))?;
        if let Some((user, version, ro, database)) = who {
            l.user = user.unwrap_or_default();
            l.version = version.unwrap_or_default();
            l.read_only = ro == Some(1);
            l.database = database;
        }
        let grants: Vec<String> = conn.query(GRANTS.text).map_err(|e| q(e, &GRANTS))?;
        l.grants = grants.iter().filter_map(|g| parse_grant(g)).collect();
        l.databases = conn.query(DATABASES.text).map_err(|e| q(e, &DATABASES))?;
        Ok(l)
    })();
    let _ = conn.query_drop(ROLLBACK.text);
    result
}

const SYSTEM_DBS: [&str; 4] = ["information_schema", "mysql", "performance_schema", "sys"];

fn facts_from(t: &DbTarget, l: &Learned) -> ScopeFacts {
    let mut caps = BTreeSet::new();
    let mut perms = Vec::new();
    let mut breadth = Breadth::Environment;
    let mut destructive_breadth: Option<Breadth> = None;
    let mut admin = false;
    for g in &l.grants {
        let mut shown = Vec::new();
        for p in &g.privileges {
            let p = p.as_str();
            let all = p == "ALL" || p == "ALL PRIVILEGES";
            let destroy = all || p == "DROP" || p == "DELETE";
            if destroy {
                caps.insert(Capability::DeleteData);
                destructive_breadth =
                    Some(destructive_breadth.map_or(g.breadth(), |b| b.min(g.breadth())));
            }
            if all || p == "SELECT" {
                caps.insert(Capability::ReadData);
            }
            if p == "SUPER" || (all && g.scope == "*.*") {
                caps.insert(Capability::Deploy);
                admin = true;
            }
            if p == "CREATE USER" || (all && g.scope == "*.*") {
                caps.insert(Capability::ManageAccess);
            }
            if p != "USAGE" {
                shown.push(p.to_string());
                breadth = breadth.min(g.breadth());
            }
        }
        if g.grant_option && !g.scope.is_empty() {
            caps.insert(Capability::ManageAccess);
            shown.push("GRANT OPTION".into());
        }
        if !shown.is_empty() {
            if g.scope.is_empty() {
                perms.push(shown.join(", "));
            } else {
                perms.push(format!("{} ON {}", shown.join(", "), g.scope));
            }
        }
    }
    let breadth = destructive_breadth.unwrap_or(breadth);
    let kind = if admin {
        "MySQL administrator"
    } else if destructive_breadth == Some(Breadth::Workspace)
        || destructive_breadth == Some(Breadth::Account)
    {
        "MySQL account with DROP/DELETE on whole databases"
    } else if caps.contains(&Capability::DeleteData) {
        "MySQL account with DELETE/DROP on tables"
    } else if caps.contains(&Capability::ReadData) {
        "MySQL read-only account"
    } else {
        "MySQL account without privileges"
    };
    let user_dbs: Vec<&String> = l
        .databases
        .iter()
        .filter(|d| !SYSTEM_DBS.contains(&d.as_str()))
        .collect();
    let mut named = t.clone();
    if let Some(d) = &l.database {
        named.database = Some(d.clone());
    }
    let mut environments = db::environments(&named);
    for d in &user_dbs {
        if let Some(tier) = Tier::from_name(d) {
            let env = Environment {
                name: format!("database {d} (named so)"),
                tier,
            };
            if !environments.contains(&env) {
                environments.push(env);
            }
        }
    }
    if environments.len() > 1 {
        environments.retain(|e| !e.name.starts_with("local database"));
    }
    let mut notes = Vec::new();
    if l.read_only {
        notes.push("the server is read-only (@@read_only, a replica): writes go to its primary, where this account has the same grants".into());
    }
    if !l.version.is_empty() {
        notes.push(format!("server {}", l.version));
    }
    if let Some(p) = t.host.as_deref().and_then(db::host_provider) {
        notes.push(format!("{p} host"));
    }
    let mut resources: Vec<String> = t.host.iter().map(|h| format!("server {h}")).collect();
    resources.extend(user_dbs.iter().take(10).map(|d| format!("database {d}")));
    ScopeFacts {
        token_kind: kind.into(),
        identity: Some(format!(
            "{} on {}:{}",
            l.user,
            t.host.as_deref().unwrap_or("localhost"),
            t.port.unwrap_or(3306)
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

/// How [`db::introspect`] checks a mysql credential.
const PROBE: db::Probe<Learned> = db::Probe {
    engine: "mysql",
    learn,
    facts: facts_from,
    detail: |l| {
        format!(
            "connected as {} (read-only transaction, SHOW/SELECT only)",
            l.user
        )
    },
    refused: "credentials",
    failed_to: "read the grants",
};

impl Provider for MySql {
    fn id(&self) -> &'static str {
        "mysql"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &[]
    }

    fn statements(&self) -> &'static [StatementSpec] {
        &STATEMENTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let t = db::target_of("mysql", token);
        db::offline_facts(&t, &token.detector.token_kind, &token.detector.capabilities)
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        db::introspect(&PROBE, token, session)
    }

    fn remediation(&self, _token: &Token<'_>, _facts: &ScopeFacts) -> String {
        "Give the agent an account made for its task (for example \
         `CREATE USER 'agent'@'%' IDENTIFIED BY '…'; GRANT SELECT ON app.* TO 'agent'@'%';` on a \
         non-production database), keep this URL in a secret manager, and rotate its password."
            .into()
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

    #[test]
    fn parses_grants() {
        let g = parse_grant("GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` IDENTIFIED BY PASSWORD '*AB12' WITH GRANT OPTION").unwrap();
        assert_eq!(g.privileges, vec!["ALL PRIVILEGES"]);
        assert_eq!(g.scope, "*.*");
        assert!(g.grant_option);
        let g = parse_grant(
            "GRANT SELECT, INSERT, UPDATE (name, email), DELETE ON `shop`.`orders` TO `w`@`%`",
        )
        .unwrap();
        assert_eq!(g.privileges, vec!["SELECT", "INSERT", "UPDATE", "DELETE"]);
        assert_eq!(g.scope, "shop.orders");
        let r = parse_grant("GRANT `app_role` TO `u`@`%`").unwrap();
        assert_eq!(r.privileges, vec!["ROLE app_role"]);
    }

    #[test]
    fn admin_outranks_owner_outranks_writer_outranks_reader() {
        let t = db::parse_url("mysql://u:Xk29fLq8@db.internal/shop").unwrap();
        let facts = |lines: &[&str]| {
            facts_from(
                &t,
                &Learned {
                    grants: lines.iter().filter_map(|l| parse_grant(l)).collect(),
                    ..Learned::default()
                },
            )
        };
        let admin = facts(&["GRANT ALL PRIVILEGES ON *.* TO `a`@`%` WITH GRANT OPTION"]);
        let owner = facts(&[
            "GRANT USAGE ON *.* TO `o`@`%`",
            "GRANT ALL PRIVILEGES ON `shop`.* TO `o`@`%`",
        ]);
        let writer = facts(&["GRANT SELECT, INSERT, DELETE ON `shop`.`orders` TO `w`@`%`"]);
        let reader = facts(&["GRANT SELECT ON `shop`.* TO `r`@`%`"]);
        assert!(admin.capabilities.contains(&Capability::ManageAccess));
        assert!(owner.capabilities.contains(&Capability::DeleteData));
        assert!(writer.capabilities.contains(&Capability::DeleteData));
        assert_eq!(
            reader.capabilities.iter().copied().collect::<Vec<_>>(),
            vec![Capability::ReadData]
        );
        let exposure = crate::exposure::Exposure {
            git: crate::exposure::GitStatus::Tracked,
            agent_ignored_by: Vec::new(),
            location: crate::exposure::Location::Workspace,
        };
        let score = |f: &ScopeFacts| {
            crate::scoring::score(&exposure, None, crate::model::Status::Live, f).total
        };
        assert!(score(&admin) > score(&owner));
        assert!(score(&owner) > score(&writer));
        assert!(score(&writer) > score(&reader));
    }
}
