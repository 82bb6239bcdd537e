//! The incident, end to end: an admin's workspace token in an unrelated
//! script is found, introspected read-only against replayed Railway
//! responses, scored critical, and fails the run.

mod support;

use blastradius::providers::http::graphql_is_query_only;
use support::*;

const WORKSPACE_TOKEN: &str = "5e8c2f17-9a4b-4d3e-b1c6-7f2a9d0e3b84";
const PROJECT_TOKEN: &str = "a1d7e3f9-2c5b-4e8a-9d0c-6b3f1e7a2c59";

#[test]
fn workspace_token_in_unrelated_script_is_critical_and_fails_ci() {
    let repo = fixture_repo("incident");
    let server = replay("incident.json");
    let out = scan(
        &[repo.path().to_str().unwrap(), "--format", "json"],
        Some(&server.url),
    );
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let report = json(&out);
    let f = finding(&report, "scripts/domains.sh");
    assert_eq!(f["detector"], "railway.api-token");
    assert_eq!(f["line"], 3);
    assert_eq!(f["column"], 27);
    assert_eq!(f["verification"]["status"], "live");
    assert_eq!(f["scope"]["token_kind"], "workspace token");
    let caps: Vec<&str> = f["scope"]["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        caps.contains(&"delete-data") && caps.contains(&"delete-backups"),
        "{caps:?}"
    );
    let envs = f["scope"]["environments"].as_array().unwrap();
    assert!(
        envs.iter()
            .any(|e| e["tier"] == "production" && e["name"] == "billing-api/production"),
        "{envs:?}"
    );
    assert!(envs
        .iter()
        .any(|e| e["name"] == "billing-api/billing-api-pr-118" && e["tier"] == "development"));
    assert!(f["scope"]["resources"].as_array().unwrap().iter().any(|r| r
        .as_str()
        .unwrap()
        .starts_with("3 backup(s) of volume pg-data")));
    assert!(f["score"].as_u64().unwrap() >= 90, "{f:#}");
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["exposure"]["git"], "tracked");
    let sum: i64 = f["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["points"].as_i64().unwrap())
        .sum();
    assert_eq!(
        sum.min(100),
        f["score"].as_i64().unwrap(),
        "score is the sum of its reasons"
    );
    assert!(f["remediation"].as_str().unwrap().contains("project token"));
    assert_eq!(report["summary"]["failed"], true);
    assert_eq!(report["schema_version"], 1);
}

#[test]
fn staging_project_token_reports_staging_and_scores_lower() {
    let repo = fixture_repo("incident");
    let server = replay("incident.json");
    let report = json(&scan(
        &[repo.path().to_str().unwrap(), "--format", "json"],
        Some(&server.url),
    ));
    let staging = finding(&report, ".env.staging");
    let workspace = finding(&report, "scripts/domains.sh");
    assert_eq!(staging["verification"]["status"], "live");
    assert_eq!(staging["scope"]["token_kind"], "project token");
    assert_eq!(
        staging["scope"]["environments"],
        serde_json::json!([{"name": "billing-api/staging", "tier": "staging"}])
    );
    assert_eq!(staging["exposure"]["git"], "ignored");
    assert!(staging["score"].as_u64() < workspace["score"].as_u64());
    assert!(staging["score"].as_u64().unwrap() < 70, "{staging:#}");
    // Project and environment ids in the same file are not tokens.
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        2,
        "{report:#}"
    );
}

#[test]
fn offline_still_fails_on_the_worst_plausible_kind_and_says_why() {
    let repo = fixture_repo("incident");
    let out = scan(&[repo.path().to_str().unwrap(), "--format", "json"], None);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let report = json(&out);
    let f = finding(&report, "scripts/domains.sh");
    assert_eq!(f["verification"]["status"], "skipped");
    assert!(f["score"].as_u64().unwrap() >= 70);
    assert_eq!(f["scope"]["assumed"], true);
    let reasons = f["reasons"].to_string();
    assert!(
        reasons.contains("BR011") && reasons.contains("worst plausible"),
        "{reasons}"
    );
}

#[test]
fn only_read_only_requests_reach_the_provider_and_each_secret_is_checked_once() {
    let repo = fixture_repo("incident");
    let server = replay("incident.json");
    let _ = scan(
        &[repo.path().to_str().unwrap(), "--format", "json"],
        Some(&server.url),
    );
    let log = server.requests();
    assert!(!log.is_empty());
    for r in &log {
        assert_eq!(r.method, "POST");
        assert!(
            r.url.starts_with("/backboard.railway.com/graphql/v2"),
            "{}",
            r.url
        );
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let doc = body["query"].as_str().unwrap();
        graphql_is_query_only(doc).unwrap_or_else(|e| panic!("{e}: {doc}"));
        assert!(!doc.contains("mutation"), "{doc}");
    }
    // One classification chain per distinct secret: `me` at most once per token.
    let me_calls = log
        .iter()
        .filter(|r| r.body.contains("BlastradiusMe"))
        .count();
    assert!(me_calls <= 2, "{me_calls}");
    // The project token went out as a project token first.
    assert!(log.iter().any(|r| r
        .headers
        .iter()
        .any(|(n, v)| n == "project-access-token" && v == PROJECT_TOKEN)));
}

#[test]
fn no_whole_secret_in_any_output() {
    let repo = fixture_repo("incident");
    let server = replay("incident.json");
    for format in ["table", "json"] {
        let out = scan(
            &[repo.path().to_str().unwrap(), "--format", format],
            Some(&server.url),
        );
        let text = all_output(&out);
        for s in [WORKSPACE_TOKEN, PROJECT_TOKEN] {
            assert!(!text.contains(s), "{format} output contains a whole secret");
        }
        assert!(text.contains("5e8c…3b84"), "{format}: redacted form shown");
    }
    let file = repo.path().join("report.json");
    let out = scan(
        &[
            repo.path().to_str().unwrap(),
            "--format",
            "json",
            "--output",
            file.to_str().unwrap(),
        ],
        Some(&server.url),
    );
    assert_eq!(out.status.code(), Some(1));
    let written = std::fs::read_to_string(file).unwrap();
    assert!(written.contains("schema_version") && !written.contains(WORKSPACE_TOKEN));
}

#[test]
fn table_shows_the_worst_first_within_100_columns() {
    let repo = fixture_repo("incident");
    let server = replay("incident.json");
    let out = scan(&[repo.path().to_str().unwrap()], Some(&server.url));
    let text = String::from_utf8_lossy(&out.stdout);
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "line too wide: {line}");
    }
    let first = text
        .find("scripts/domains.sh")
        .expect("workspace token listed");
    let second = text.find(".env.staging").expect("project token listed");
    assert!(first < second, "worst first:\n{text}");
    assert!(
        text.contains("critical") && text.contains("delete-backups") && text.contains("FAIL"),
        "{text}"
    );
}
