//! Database credentials against real servers: PostgreSQL, MariaDB and Redis
//! started on loopback by `scripts/test-services.sh start` (which `.ci/run`
//! calls). Each test makes roles of different power, scans a workspace that
//! holds their URLs, and checks what blastradius learned, the score
//! ordering, and — from the PostgreSQL statement log — that nothing but
//! read-only statements was run.
//!
//! Without the servers these tests fail, saying what to install and run.

mod support;

use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use support::*;

/// The env file written by `scripts/test-services.sh start`.
fn services() -> HashMap<String, String> {
    let dir = std::env::var_os("BLASTRADIUS_SERVICES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("blastradius-services"));
    let file = dir.join("env");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|_| {
        panic!(
            "the test database servers are not running ({} is missing).\n\
             Start them with `scripts/test-services.sh start` (it installs what is missing: \
             Debian packages postgresql, mariadb-server, redis-server, and `pip install 'moto[server]' boto3`).",
            file.display()
        )
    });
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn get<'a>(env: &'a HashMap<String, String>, key: &str) -> &'a str {
    env.get(key).unwrap_or_else(|| {
        panic!("{key} missing from the services env file: restart scripts/test-services.sh")
    })
}

/// A name unique to this test run, so tests can run again on the same servers.
fn unique(prefix: &str) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}_{}_{}", std::process::id(), t % 1_000_000_000)
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e} (is it installed?)"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs SQL as the PostgreSQL superuser over the server's Unix socket.
fn psql(env: &HashMap<String, String>, db: &str, sql: &str) {
    let psql = PathBuf::from(get(env, "BR_PG_BIN")).join("psql");
    let psql = if psql.exists() {
        psql
    } else {
        PathBuf::from("psql")
    };
    run(
        Command::new(psql)
            .args([
                "-h",
                get(env, "BR_PG_SOCKET_DIR"),
                "-p",
                get(env, "BR_PG_PORT"),
            ])
            .args([
                "-U",
                "postgres",
                "-d",
                db,
                "-v",
                "ON_ERROR_STOP=1",
                "-qtA",
                "-c",
                sql,
            ]),
        "psql",
    );
}

fn mariadb(env: &HashMap<String, String>, sql: &str) {
    let client = if Command::new("mariadb").arg("--version").output().is_ok() {
        "mariadb"
    } else {
        "mysql"
    };
    run(
        Command::new(client)
            .env("MYSQL_PWD", get(env, "BR_MYSQL_ADMIN_PASSWORD"))
            .args([
                "--protocol=TCP",
                "-h",
                "127.0.0.1",
                "-P",
                get(env, "BR_MYSQL_PORT"),
            ])
            .args(["-u", get(env, "BR_MYSQL_ADMIN_USER"), "-e", sql]),
        "mariadb client",
    );
}

fn redis_cli(env: &HashMap<String, String>, args: &[&str]) -> String {
    run(
        Command::new("redis-cli")
            .env("REDISCLI_AUTH", get(env, "BR_REDIS_PASSWORD"))
            .args(["-h", "127.0.0.1", "-p", get(env, "BR_REDIS_PORT")])
            .args(args),
        "redis-cli",
    )
}

/// Scans a workspace holding `files` (online unless `offline`) and returns
/// the report and how long it took.
fn scan_files(files: &[(&str, String)], extra: &[&str]) -> (Value, Duration, String) {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    let start = Instant::now();
    let out = blastradius()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let took = start.elapsed();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        out.status.code(),
        all_output(&out)
    );
    (json(&out), took, all_output(&out))
}

fn finding_for<'a>(report: &'a Value, identity_part: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["scope"]["identity"]
                .as_str()
                .is_some_and(|i| i.contains(identity_part))
        })
        .unwrap_or_else(|| panic!("no finding for {identity_part}: {report:#}"))
}

fn caps(f: &Value) -> Vec<String> {
    f["scope"]["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

fn score(f: &Value) -> u64 {
    f["score"].as_u64().unwrap()
}

fn status(f: &Value) -> &str {
    f["verification"]["status"].as_str().unwrap()
}

#[test]
fn postgres_roles_superuser_owner_writer_reader() {
    let env = services();
    let port = get(&env, "BR_PG_PORT");
    let su = unique("br_su");
    let owner = unique("br_owner");
    let writer = unique("br_writer");
    let reader = unique("br_reader");
    let db = unique("br_app");
    let pw = |r: &str| format!("Pw{}x", &r[r.len() - 6..]);
    psql(
        &env,
        "postgres",
        &format!("CREATE ROLE {su} LOGIN SUPERUSER PASSWORD '{}'", pw(&su)),
    );
    psql(
        &env,
        "postgres",
        &format!("CREATE ROLE {owner} LOGIN PASSWORD '{}'", pw(&owner)),
    );
    psql(
        &env,
        "postgres",
        &format!("CREATE ROLE {writer} LOGIN PASSWORD '{}'", pw(&writer)),
    );
    psql(
        &env,
        "postgres",
        &format!("CREATE ROLE {reader} LOGIN PASSWORD '{}'", pw(&reader)),
    );
    psql(
        &env,
        "postgres",
        &format!("CREATE DATABASE {db} OWNER {owner}"),
    );
    psql(
        &env,
        &db,
        &format!(
            "SET ROLE {owner}; CREATE TABLE invoices (id int, total numeric); CREATE TABLE customers (id int); \
             GRANT SELECT, INSERT, UPDATE, DELETE ON invoices TO {writer}; GRANT SELECT ON customers TO {writer}; \
             GRANT SELECT ON invoices, customers TO {reader};"
        ),
    );
    let url = |r: &str| format!("postgres://{r}:{}@127.0.0.1:{port}/{db}", pw(r));
    let files = vec![
        (".env", format!("DATABASE_URL={}\n", url(&su))),
        ("app/.env", format!("DATABASE_URL={}\n", url(&owner))),
        (
            "worker/.env",
            format!("DATABASE_URL={}?sslmode=require\n", url(&writer)),
        ),
        ("reports/.env", format!("DATABASE_URL={}\n", url(&reader))),
    ];
    let (report, _, output) = scan_files(&files, &[]);
    for r in [&su, &owner, &writer, &reader] {
        assert!(!output.contains(&pw(r)), "a password reached the output");
    }
    let f_su = finding_for(&report, &format!("role {su} "));
    let f_owner = finding_for(&report, &format!("role {owner} "));
    let f_writer = finding_for(&report, &format!("role {writer} "));
    let f_reader = finding_for(&report, &format!("role {reader} "));
    for f in [f_su, f_owner, f_writer, f_reader] {
        assert_eq!(status(f), "live", "{f:#}");
        assert!(
            f["scope"]["identity"]
                .as_str()
                .unwrap()
                .contains("127.0.0.1"),
            "host shown"
        );
    }
    assert_eq!(f_su["scope"]["token_kind"], "PostgreSQL superuser");
    assert!(caps(f_su).contains(&"delete-data".into()));
    assert!(caps(f_su).contains(&"manage-access".into()));
    assert_eq!(f_owner["scope"]["token_kind"], "PostgreSQL database owner");
    assert!(caps(f_owner).contains(&"delete-data".into()));
    assert!(!caps(f_owner).contains(&"manage-access".into()));
    assert!(
        caps(f_writer).contains(&"delete-data".into()),
        "{f_writer:#}"
    );
    assert!(f_writer["scope"]["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p
            .as_str()
            .unwrap()
            .starts_with("DELETE/TRUNCATE on 1 of 2 tables")));
    assert_eq!(caps(f_reader), vec!["read-data".to_string()]);
    assert!(
        score(f_su) > score(f_owner)
            && score(f_owner) > score(f_writer)
            && score(f_writer) > score(f_reader),
        "scores: superuser {}, owner {}, writer {}, reader {}",
        score(f_su),
        score(f_owner),
        score(f_writer),
        score(f_reader)
    );
    // sslmode=require on a server with TLS: the connection was encrypted.
    if get(&env, "BR_PG_SSL") == "on" {
        let log = std::fs::read_to_string(get(&env, "BR_PG_LOG")).unwrap();
        assert!(
            log.lines().any(|l| l.contains(&format!("user={writer}"))
                && l.contains("connection authorized")
                && l.contains("SSL enabled")),
            "the sslmode=require connection was not encrypted"
        );
    }
}

/// Every statement our connections ran (application_name blastradius),
/// from the server's own log.
fn logged_statements(env: &HashMap<String, String>) -> Vec<String> {
    let log = std::fs::read_to_string(get(env, "BR_PG_LOG")).unwrap();
    log.lines()
        .filter(|l| l.contains("app=blastradius "))
        .filter_map(|l| {
            let (_, rest) = l.split_once("LOG:  ")?;
            if let Some(s) = rest.strip_prefix("statement: ") {
                Some(s.to_string())
            } else if rest.starts_with("execute ") {
                rest.split_once(": ").map(|(_, s)| s.to_string())
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn postgres_statement_log_holds_only_read_only_statements() {
    let env = services();
    let port = get(&env, "BR_PG_PORT");
    let role = unique("br_logged");
    psql(
        &env,
        "postgres",
        &format!(
            "CREATE ROLE {role} LOGIN CREATEROLE PASSWORD 'Lg7{}q'",
            &role[role.len() - 5..]
        ),
    );
    let url = format!(
        "postgres://{role}:Lg7{}q@127.0.0.1:{port}/postgres",
        &role[role.len() - 5..]
    );
    let (report, _, _) = scan_files(&[(".env", format!("DATABASE_URL={url}\n"))], &[]);
    let f = finding_for(&report, &format!("role {role} "));
    assert_eq!(status(f), "live");
    assert!(
        caps(f).contains(&"manage-access".into()),
        "CREATEROLE ⇒ manage-access: {f:#}"
    );
    let statements = logged_statements(&env);
    assert!(
        statements.len() >= 9,
        "the statement log holds too few of our statements ({}): is log_statement=all on?",
        statements.len()
    );
    for s in &statements {
        blastradius::providers::db::sql_is_read_only(s).unwrap_or_else(|e| {
            panic!("a statement that is not read-only reached the server: {e}")
        });
    }
    // Every one is in the module's declared catalog.
    let declared: Vec<&str> = blastradius::providers::statement_catalog()
        .map(|(_, s)| s.text)
        .collect();
    for s in &statements {
        assert!(declared.contains(&s.as_str()), "undeclared statement: {s}");
    }
}

#[test]
fn postgres_wrong_password_is_invalid_and_offline_connects_to_nothing() {
    let env = services();
    let port = get(&env, "BR_PG_PORT");
    let role = unique("br_nopass");
    psql(
        &env,
        "postgres",
        &format!("CREATE ROLE {role} LOGIN PASSWORD 'Right9pw'"),
    );
    let url = format!("postgres://{role}:Wr0ngPw7x@127.0.0.1:{port}/postgres");
    let (report, _, output) = scan_files(&[(".env", format!("DATABASE_URL={url}\n"))], &[]);
    let f = &report["findings"][0];
    assert_eq!(status(f), "invalid", "{f:#}");
    assert_eq!(f["severity"], "low");
    assert!(!output.contains("Wr0ngPw7x"));

    let offline_role = unique("br_offline");
    let url = format!("postgres://{offline_role}:Off9pwQx@127.0.0.1:{port}/postgres");
    let (report, _, _) = scan_files(&[(".env", format!("DATABASE_URL={url}\n"))], &["--offline"]);
    let f = &report["findings"][0];
    assert_eq!(status(f), "skipped");
    assert_eq!(
        f["severity"], "low",
        "a local database URL, not verified, is low: {f:#}"
    );
    let log = std::fs::read_to_string(get(&env, "BR_PG_LOG")).unwrap();
    assert!(
        !log.contains(&offline_role),
        "--offline connected to the server"
    );
}

#[test]
fn a_host_that_does_not_answer_is_unknown_within_the_timeout() {
    // Accepts TCP connections and never says a word.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let files = vec![
        (
            ".env",
            format!("DATABASE_URL=postgres://app:Qm7vX2pLr9@127.0.0.1:{port}/app\n"),
        ),
        (
            "b/.env",
            format!("DATABASE_URL=mysql://app:Qm7vX2pLr9@127.0.0.1:{port}/app\n"),
        ),
        (
            "c/.env",
            format!("REDIS_URL=redis://app:Qm7vX2pLr9@127.0.0.1:{port}\n"),
        ),
    ];
    let (report, took, _) = scan_files(&files, &["--timeout", "2"]);
    for f in report["findings"].as_array().unwrap() {
        assert_eq!(status(f), "unknown", "{f:#}");
    }
    assert_eq!(report["findings"].as_array().unwrap().len(), 3);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    drop(silent);
}

#[test]
fn mariadb_admin_owner_writer_reader() {
    let env = services();
    let port = get(&env, "BR_MYSQL_PORT");
    let db = unique("shop");
    let [admin, owner, writer, reader] =
        ["adm", "own", "wri", "rea"].map(|p| unique(&format!("br{p}")));
    let pw = |u: &str| format!("Mq{}z", &u[u.len() - 5..]);
    let mut sql = format!("CREATE DATABASE {db}; CREATE TABLE {db}.orders (id int); ");
    for u in [&admin, &owner, &writer, &reader] {
        sql.push_str(&format!(
            "CREATE USER '{u}'@'127.0.0.1' IDENTIFIED BY '{}'; ",
            pw(u)
        ));
    }
    sql.push_str(&format!(
        "GRANT ALL PRIVILEGES ON *.* TO '{admin}'@'127.0.0.1' WITH GRANT OPTION; \
         GRANT ALL PRIVILEGES ON {db}.* TO '{owner}'@'127.0.0.1'; \
         GRANT SELECT, INSERT, UPDATE, DELETE ON {db}.orders TO '{writer}'@'127.0.0.1'; \
         GRANT SELECT ON {db}.* TO '{reader}'@'127.0.0.1';"
    ));
    mariadb(&env, &sql);
    let url = |u: &str| format!("mysql://{u}:{}@127.0.0.1:{port}/{db}", pw(u));
    let files = vec![
        ("a/.env", format!("DATABASE_URL={}\n", url(&admin))),
        ("b/.env", format!("DATABASE_URL={}\n", url(&owner))),
        ("c/.env", format!("DATABASE_URL={}\n", url(&writer))),
        ("d/.env", format!("DATABASE_URL={}\n", url(&reader))),
    ];
    let (report, _, output) = scan_files(&files, &[]);
    for u in [&admin, &owner, &writer, &reader] {
        assert!(!output.contains(&pw(u)), "a password reached the output");
    }
    let f = |u: &str| finding_for(&report, &format!("{u}@127.0.0.1 on "));
    let (fa, fo, fw, fr) = (f(&admin), f(&owner), f(&writer), f(&reader));
    for x in [fa, fo, fw, fr] {
        assert_eq!(status(x), "live", "{x:#}");
    }
    assert!(caps(fa).contains(&"manage-access".into()) && caps(fa).contains(&"delete-data".into()));
    assert!(
        caps(fo).contains(&"delete-data".into()) && !caps(fo).contains(&"manage-access".into())
    );
    assert!(caps(fw).contains(&"delete-data".into()));
    assert_eq!(caps(fr), vec!["read-data".to_string()]);
    assert!(
        score(fa) > score(fo) && score(fo) > score(fw) && score(fw) > score(fr),
        "scores: admin {}, owner {}, writer {}, reader {}",
        score(fa),
        score(fo),
        score(fw),
        score(fr)
    );
}

#[test]
fn redis_default_user_outranks_read_only_acl_user() {
    let env = services();
    let port = get(&env, "BR_REDIS_PORT");
    let reader = unique("reader");
    redis_cli(
        &env,
        &["ACL", "SETUSER", &reader, "on", ">Rd9pwXq2", "~*", "+@read"],
    );
    let files = vec![
        (
            ".env",
            format!(
                "REDIS_URL=redis://default:{}@127.0.0.1:{port}/0\n",
                get(&env, "BR_REDIS_PASSWORD")
            ),
        ),
        (
            "ro/.env",
            format!("REDIS_URL=redis://{reader}:Rd9pwXq2@127.0.0.1:{port}/0\n"),
        ),
        (
            "bad/.env",
            format!("REDIS_URL=redis://{reader}:Wr0ngRd9x@127.0.0.1:{port}/0\n"),
        ),
    ];
    let (report, _, output) = scan_files(&files, &[]);
    assert!(!output.contains(get(&env, "BR_REDIS_PASSWORD")) && !output.contains("Rd9pwXq2"));
    let admin = finding_for(&report, "user default on");
    let ro = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "ro/.env")
        .unwrap();
    let bad = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "bad/.env")
        .unwrap();
    assert_eq!(status(admin), "live");
    assert_eq!(
        admin["scope"]["token_kind"], "Redis admin user",
        "{admin:#}"
    );
    for c in ["delete-data", "deploy", "manage-access"] {
        assert!(caps(admin).contains(&c.to_string()), "{c}: {admin:#}");
    }
    assert_eq!(status(ro), "live", "{ro:#}");
    assert!(!caps(ro).contains(&"manage-access".into()) && !caps(ro).contains(&"deploy".into()));
    assert!(
        score(admin) > score(ro),
        "{} vs {}",
        score(admin),
        score(ro)
    );
    assert_eq!(status(bad), "invalid", "{bad:#}");
}

#[test]
fn every_database_statement_is_declared_read_only_and_listed() {
    let mut n = 0;
    for (provider, s) in blastradius::providers::statement_catalog() {
        s.check_read_only()
            .unwrap_or_else(|e| panic!("{provider} {}: {e}", s.id));
        n += 1;
    }
    assert!(n >= 20, "only {n} statements declared");
    let out = blastradius().arg("requests").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for (_, s) in blastradius::providers::statement_catalog() {
        assert!(
            text.contains(s.text),
            "`blastradius requests` does not list {}",
            s.id
        );
    }
    assert!(!text.contains("NOT READ-ONLY"));
}

#[test]
fn placeholders_and_local_test_databases_score_low_offline() {
    let files = vec![
        (
            "README.md",
            "DATABASE_URL=postgres://postgres:postgres@db.internal:5432/app\n".to_string(),
        ),
        (
            "tests/.env.test",
            "DATABASE_URL=postgres://app:Tq8wLm3Zx@localhost:5432/app_test\n".to_string(),
        ),
        (
            ".env",
            "DATABASE_URL=postgres://app:Tq8wLm3Zx@db.prod.acme.io:5432/app\n".to_string(),
        ),
    ];
    let (report, _, _) = scan_files(&files, &["--offline"]);
    let by_path = |p: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == p)
            .unwrap_or_else(|| panic!("no finding in {p}: {report:#}"))
    };
    assert_eq!(by_path("README.md")["severity"], "low");
    assert_eq!(by_path("tests/.env.test")["severity"], "low");
    let prod = by_path(".env");
    assert!(score(prod) >= 70, "{prod:#}");
    assert!(
        prod["scope"]["environments"][0]["tier"] == "production",
        "{prod:#}"
    );
    assert!(prod["scope"]["identity"]
        .as_str()
        .unwrap()
        .contains("db.prod.acme.io"));
}
