//! Introspection under load: many distinct tokens for one provider, each
//! found twice, against a slow provider fake. Every distinct secret gets
//! exactly one request chain, and the requests in flight to the provider
//! host stay within the documented bound. (How long it takes is measured
//! by `examples/introspection_bench.rs`, not asserted here.)

mod support;

use support::{load, replay::ReplayServer};

#[test]
fn one_chain_per_distinct_secret_and_bounded_concurrency_per_host() {
    let tokens = load::github_tokens(60);
    let dir = tempfile::tempdir().expect("tempdir");
    load::write_workspace(dir.path(), &tokens);
    let server = ReplayServer::start(load::github_scenario(&support::root(), 40));
    let out = support::scan(
        &[
            "--format",
            "json",
            "--timeout",
            "60",
            dir.path().to_str().expect("utf-8 path"),
        ],
        Some(&server.url),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(
        findings.len(),
        2 * tokens.len(),
        "each token is found in both files"
    );
    let not_live: Vec<_> = findings
        .iter()
        .filter(|f| f["verification"]["status"] != "live")
        .map(|f| f["verification"].to_string())
        .collect();
    assert!(
        not_live.is_empty(),
        "{} of {} not live, e.g. {:?}; {} requests, at most {} in flight",
        not_live.len(),
        findings.len(),
        not_live.first(),
        server.requests().len(),
        server.max_in_flight()
    );

    let requests = server.requests();
    let per_token = load::requests_per_token(&requests, &tokens);
    // The live scenario's chain: /user, /user/repos, one repository's
    // environments, /user/memberships/orgs.
    assert!(
        per_token.iter().all(|&n| n == 4),
        "requests per token: {per_token:?}"
    );
    assert_eq!(requests.len(), 4 * tokens.len());
    let most = server.max_in_flight();
    assert!(
        (2..=blastradius::providers::http::PER_HOST).contains(&most),
        "at most {} requests in flight to one host, and more than one: {most}",
        blastradius::providers::http::PER_HOST
    );
}
