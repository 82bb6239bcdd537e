//! Provider modules against replayed, realistic responses: live, revoked,
//! and what each learns.

mod support;

use serde_json::json;
use support::*;

const GH: &str = "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";
const STRIPE_LIVE: &str = "sk_live_51Hx9QmK2eZvKYlo2C8nT4rWb7yPq3LsD6fGh1JkM0nBvCxZ";
const STRIPE_TEST: &str = "sk_test_51Hx9QmK2eZvKYlo2Qw3Er4Ty5Ui6Op7As8Df9Gh0Jk";
const RAILWAY_ACCOUNT: &str = "7c3e9a1f-5b8d-4e2a-9f6c-0d4b8e2a7c15";

fn one_file(name: &str, content: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), content).unwrap();
    dir
}

#[test]
fn github_classic_token_scopes_reach_and_expiry() {
    let server = replay::ReplayServer::start(json!({"routes": [
        {"method": "GET", "path": "/api.github.com/user", "header": ["authorization", format!("Bearer {GH}")],
         "headers": {"x-oauth-scopes": "repo, workflow, delete_repo", "github-authentication-token-expiration": "2027-01-31 12:00:00 UTC",
                     "x-ratelimit-remaining": "4999"},
         "json": {"login": "octo-admin", "id": 583231, "type": "User"}},
        {"method": "GET", "path": "/api.github.com/user/repos", "json": [
            {"full_name": "acme/api", "permissions": {"admin": true, "maintain": true, "push": true, "triage": true, "pull": true}},
            {"full_name": "acme/docs", "permissions": {"admin": false, "maintain": false, "push": true, "triage": true, "pull": true}}]},
        {"method": "GET", "path": "/api.github.com/repos/acme/api/environments", "json": {"total_count": 2, "environments": [
            {"id": 1, "name": "production", "protection_rules": [{"type": "required_reviewers"}]}, {"id": 2, "name": "staging", "protection_rules": []}]}},
        {"method": "GET", "path": "/api.github.com/repos/acme/docs/environments", "json": {"total_count": 0, "environments": []}},
        {"method": "GET", "path": "/api.github.com/user/memberships/orgs", "json": [{"role": "admin", "state": "active", "organization": {"login": "acme"}}]}
    ]}));
    let dir = one_file(".env.staging", &format!("GITHUB_TOKEN={GH}\n"));
    let out = scan(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        Some(&server.url),
    );
    let report = json(&out);
    let f = finding(&report, ".env.staging");
    assert_eq!(f["verification"]["status"], "live");
    assert_eq!(f["scope"]["identity"], "octo-admin (User)");
    assert_eq!(f["scope"]["expires_at"], "2027-01-31T12:00:00Z");
    assert_eq!(
        f["scope"]["permissions"],
        json!(["repo", "workflow", "delete_repo", "org acme: admin"])
    );
    let caps = f["scope"]["capabilities"].to_string();
    assert!(
        caps.contains("delete-infra") && caps.contains("delete-data") && caps.contains("deploy"),
        "{caps}"
    );
    assert!(f["scope"]["environments"]
        .to_string()
        .contains("acme/api/production"));
    // Found in a staging file, reaches production: the context mismatch counts.
    assert!(f["reasons"].to_string().contains("BR050"), "{f:#}");
    // Every request is a GET to api.github.com.
    for r in server.requests() {
        assert_eq!(r.method, "GET");
        assert!(r.url.starts_with("/api.github.com/"));
    }
}

#[test]
fn github_revoked_token_is_invalid_and_low() {
    let server = replay::ReplayServer::start(json!({"routes": [
        {"method": "GET", "path": "/api.github.com/user", "status": 401,
         "json": {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}}
    ]}));
    let dir = one_file("ci.sh", &format!("export GH_TOKEN={GH}\n"));
    let out = scan(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        Some(&server.url),
    );
    assert_eq!(out.status.code(), Some(0));
    let f = finding(&json(&out), "ci.sh").clone();
    assert_eq!(f["verification"]["status"], "invalid");
    assert_eq!(f["severity"], "low");
    assert_eq!(f["scope"]["capabilities"], json!([]));
}

#[test]
fn stripe_live_and_test_keys() {
    let server = replay::ReplayServer::start(json!({"routes": [
        {"method": "GET", "path": "/api.stripe.com/v1/account", "header": ["authorization", format!("Bearer {STRIPE_LIVE}")],
         "headers": {"request-id": "req_Lk2Jh5Gf8Ds1", "stripe-version": "2024-06-20"},
         "json": {"id": "acct_1Nu8Qz2eZvKYlo2C", "object": "account", "email": "billing@acme.test", "charges_enabled": true,
                  "settings": {"dashboard": {"display_name": "Acme Inc"}}}},
        {"method": "GET", "path": "/api.stripe.com/v1/account", "header": ["authorization", format!("Bearer {STRIPE_TEST}")],
         "json": {"id": "acct_1Nu8Qz2eZvKYlo2C", "object": "account", "settings": {"dashboard": {"display_name": "Acme Inc"}}}}
    ]}));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("live.env"),
        format!("STRIPE_SECRET_KEY={STRIPE_LIVE}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("test.env"),
        format!("STRIPE_SECRET_KEY={STRIPE_TEST}\n"),
    )
    .unwrap();
    let report = json(&scan(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        Some(&server.url),
    ));
    let live = finding(&report, "live.env");
    let test = finding(&report, "test.env");
    assert_eq!(live["verification"]["status"], "live");
    assert_eq!(
        live["scope"]["identity"],
        "Acme Inc (acct_1Nu8Qz2eZvKYlo2C)"
    );
    assert!(live["scope"]["capabilities"]
        .to_string()
        .contains("move-money"));
    assert!(!test["scope"]["capabilities"]
        .to_string()
        .contains("move-money"));
    assert_eq!(test["scope"]["environments"][0]["tier"], "test");
    assert!(
        test["score"].as_u64() < live["score"].as_u64(),
        "test mode below live mode"
    );
}

#[test]
fn stripe_rejected_key_is_invalid() {
    let server = replay::ReplayServer::start(json!({"routes": [
        {"method": "GET", "path": "/api.stripe.com/v1/account", "status": 401,
         "json": {"error": {"message": "Invalid API Key provided: sk_live_****CvCxZ", "type": "invalid_request_error"}}}
    ]}));
    let dir = one_file("live.env", &format!("STRIPE_SECRET_KEY={STRIPE_LIVE}\n"));
    let f = finding(
        &json(&scan(
            &[dir.path().to_str().unwrap(), "--format", "json"],
            Some(&server.url),
        )),
        "live.env",
    )
    .clone();
    assert_eq!(f["verification"]["status"], "invalid");
}

#[test]
fn railway_account_token_admin_vs_member_and_revoked() {
    let path = "/backboard.railway.com/graphql/v2";
    let bearer = format!("Bearer {RAILWAY_ACCOUNT}");
    let project = json!({"id": "p1", "name": "shop", "primaryEnvironmentId": "e1",
        "environments": {"edges": [{"node": {"id": "e1", "name": "prod-eu", "isEphemeral": false, "canAccess": true, "meta": null}}]},
        "volumes": {"edges": [{"node": {"id": "v1", "name": "mysql-data", "volumeInstances": {"edges": [
            {"node": {"id": "vi1", "environmentId": "e1", "mountPath": "/var/lib/mysql", "sizeMB": 1000}}]}}}]}});
    let scenario = |role: &str| {
        json!({"routes": [
            {"method": "POST", "path": path, "header": ["authorization", bearer], "body_contains": "BlastradiusMe",
             "json": {"data": {"me": {"id": "u1", "email": "dev@acme.test", "name": "Dev", "workspaces": [{"id": "w1", "name": "acme"}]}}}},
            {"method": "POST", "path": path, "body_contains": "BlastradiusProjects(", "json": {"data": {"projects": {"edges": [{"node": project}]}}}},
            {"method": "POST", "path": path, "body_contains": "BlastradiusWorkspaceMembers", "json": {"data": {"workspace": {"id": "w1", "name": "acme",
                "members": [{"id": "u0", "email": "boss@acme.test", "role": "ADMIN"}, {"id": "u1", "email": "dev@acme.test", "role": role}]}}}},
            {"method": "POST", "path": path, "body_contains": "BlastradiusBackups", "json": {"data": {"volumeInstanceBackupList": []}}}
        ]})
    };
    let dir = one_file(
        "deploy.sh",
        &format!("RAILWAY_API_TOKEN={RAILWAY_ACCOUNT}\n"),
    );
    let run = |role: &str| {
        let server = replay::ReplayServer::start(scenario(role));
        let report = json(&scan(
            &[dir.path().to_str().unwrap(), "--format", "json"],
            Some(&server.url),
        ));
        finding(&report, "deploy.sh").clone()
    };
    let admin = run("ADMIN");
    assert_eq!(admin["scope"]["token_kind"], "account token");
    assert_eq!(
        admin["scope"]["permissions"],
        json!(["workspace acme: ADMIN"])
    );
    assert!(admin["scope"]["capabilities"]
        .to_string()
        .contains("delete-backups"));
    assert_eq!(
        admin["scope"]["environments"],
        json!([{"name": "shop/prod-eu", "tier": "production"}])
    );
    assert!(admin["score"].as_u64().unwrap() >= 90);
    let member = run("MEMBER");
    assert!(
        !member["scope"]["capabilities"]
            .to_string()
            .contains("delete"),
        "{member:#}"
    );
    assert!(member["score"].as_u64() < admin["score"].as_u64());

    let revoked = replay::ReplayServer::start(json!({"routes": [
        {"method": "POST", "path": path, "json": {"data": null, "errors": [{"message": "Not Authorized", "extensions": {"code": "UNAUTHORIZED"}}]}}
    ]}));
    let report = json(&scan(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        Some(&revoked.url),
    ));
    let f = finding(&report, "deploy.sh");
    assert_eq!(f["verification"]["status"], "invalid", "{f:#}");
    assert_eq!(
        revoked.requests().len(),
        3,
        "me, apiToken, projectToken: then it stops"
    );
}
