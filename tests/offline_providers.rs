//! Providers that make no request (PyPI macaroons, kubeconfigs) and the
//! pair halves other providers read from the same file: offline evidence is
//! decoded and scored, nothing is sent, and a missing half means `skipped`,
//! never a guess.

mod support;

use base64::Engine;
use serde_json::{json, Value};
use support::*;

/// Scans `files` (name, content) in a temporary directory; `None` runs
/// `--offline`, otherwise against a replay server with `routes`.
fn scan_files(files: &[(&str, &str)], routes: Option<Value>) -> (Value, Vec<replay::Recorded>) {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    let root = dir.path().to_str().unwrap();
    match routes {
        None => {
            let out = scan(&[root, "--format", "json"], None);
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{}",
                all_output(&out)
            );
            (json(&out), Vec::new())
        }
        Some(routes) => {
            let server = replay::ReplayServer::start(json!({ "routes": routes }));
            let out = scan(&[root, "--format", "json"], Some(&server.url));
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{}",
                all_output(&out)
            );
            (json(&out), server.requests())
        }
    }
}

fn by_provider<'a>(report: &'a Value, provider: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["provider"] == provider)
        .unwrap_or_else(|| panic!("no {provider} finding: {report:#}"))
}

fn caps(f: &Value) -> Vec<String> {
    f["scope"]["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------- PyPI

fn put_field(out: &mut Vec<u8>, kind: u8, data: &[u8]) {
    out.push(kind);
    let mut n = data.len();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
    out.extend_from_slice(data);
}

/// A `pypi-` token: a libmacaroons v2 macaroon with these caveats.
fn pypi_token(caveats: &[&str]) -> String {
    let mut b = vec![2u8];
    put_field(&mut b, 1, b"pypi.org");
    put_field(&mut b, 2, b"0b3e9f5c-7a1d-4c2e-8f6a-1d2c3b4a5e6f");
    b.push(0);
    for c in caveats {
        put_field(&mut b, 2, c.as_bytes());
        b.push(0);
    }
    b.push(0);
    put_field(
        &mut b,
        6,
        &[
            0x3c, 0x91, 0x5e, 0x07, 0xa2, 0x44, 0xd8, 0x6b, 0x19, 0xf0, 0x2d, 0x8e, 0x73, 0xc5,
            0x0a, 0xb6, 0x58, 0xe1, 0x9f, 0x26, 0x4d, 0x7b, 0xc3, 0x12, 0x8a, 0xf4, 0x61, 0x0e,
            0xd7, 0x35, 0x9c, 0x4f,
        ],
    );
    format!(
        "pypi-{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
    )
}

#[test]
fn pypi_project_token_is_decoded_offline_and_nothing_is_sent() {
    let token = pypi_token(&[
        r#"[1,["acme-sdk"]]"#,
        r#"[2,["5d1f2a3b-9c8d-4e7f-a6b5-c4d3e2f1a0b9"]]"#,
        r#"[0,4102444800,1700000000]"#,
    ]);
    let file = format!("[pypi]\nusername = __token__\npassword = {token}\n");
    for routes in [None, Some(json!([]))] {
        let online = routes.is_some();
        let (report, log) = scan_files(
            &[
                (".env.publish", &format!("PYPI_API_TOKEN={token}\n")),
                ("pkg/.pypirc", &file),
            ],
            routes,
        );
        assert!(log.is_empty(), "PyPI must never be contacted: {log:?}");
        let f = by_provider(&report, "pypi");
        assert_eq!(f["verification"]["status"], "skipped", "{f:#}");
        if online {
            assert!(f["verification"]["detail"]
                .as_str()
                .unwrap()
                .contains("no read-only endpoint"));
        }
        assert_eq!(f["scope"]["token_kind"], "PyPI API token (project-scoped)");
        assert_eq!(f["scope"]["resources"], json!(["project acme-sdk"]));
        assert_eq!(f["scope"]["expires_at"], "2100-01-01T00:00:00Z");
        assert_eq!(f["scope"]["assumed"], false);
        assert_eq!(caps(f), vec!["publish-packages"]);
        assert!(
            !report.to_string().contains(&token),
            "the whole token leaked"
        );
    }
}

#[test]
fn pypi_user_wide_token_scores_above_a_project_token() {
    let user = pypi_token(&[r#"{"version": 1, "permissions": "user"}"#]);
    let project = pypi_token(&[r#"{"version": 1, "permissions": {"projects": ["acme-sdk"]}}"#]);
    let (report, _) = scan_files(
        &[
            ("a.env", &format!("PYPI_TOKEN={user}\n")),
            ("b.env", &format!("PYPI_TOKEN={project}\n")),
        ],
        None,
    );
    let find = |path: &str| finding(&report, path).clone();
    let (u, p) = (find("a.env"), find("b.env"));
    assert_eq!(u["scope"]["token_kind"], "PyPI API token (user-wide)");
    assert_eq!(p["scope"]["token_kind"], "PyPI API token (project-scoped)");
    assert!(
        u["score"].as_u64() > p["score"].as_u64(),
        "{} vs {}",
        u["score"],
        p["score"]
    );
}

#[test]
fn pypi_expired_token_is_invalid_without_a_request() {
    let token = pypi_token(&[r#"[0,1600000000,1590000000]"#, r#"[1,["acme-sdk"]]"#]);
    let (report, log) = scan_files(
        &[(".env", &format!("PYPI_API_TOKEN={token}\n"))],
        Some(json!([])),
    );
    assert!(log.is_empty());
    let f = by_provider(&report, "pypi");
    assert_eq!(f["verification"]["status"], "invalid", "{f:#}");
    assert!(f["verification"]["detail"]
        .as_str()
        .unwrap()
        .contains("expired 2020-09-13"));
    assert_eq!(f["severity"], "low");
}

// ---------------------------------------------------------- Kubernetes

/// Throwaway test credentials (openssl req -x509, used nowhere else): a
/// certificate with `O=system:masters, CN=kubernetes-admin` valid until
/// 2126, and its key, as kubeconfig `*-data` values.
const ADMIN_CERT: &str = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURTekNDQWpPZ0F3SUJBZ0lVWkZZUHVKWklmbk81YjVRRGw4bUp6SzlEMk1jd0RRWUpLb1pJaHZjTkFRRUwKQlFBd05ERVhNQlVHQTFVRUNnd09jM2x6ZEdWdE9tMWhjM1JsY25NeEdUQVhCZ05WQkFNTUVHdDFZbVZ5Ym1WMApaWE10WVdSdGFXNHdJQmNOTWpZeE1USXhNVEkxTWpNMVdoZ1BNakV5TmpFd01qZ3hNalV5TXpWYU1EUXhGekFWCkJnTlZCQW9NRG5ONWMzUmxiVHB0WVhOMFpYSnpNUmt3RndZRFZRUUREQkJyZFdKbGNtNWxkR1Z6TFdGa2JXbHUKTUlJQklqQU5CZ2txaGtpRzl3MEJBUUVGQUFPQ0FROEFNSUlCQ2dLQ0FRRUF0VEl0Z0ZsUmtzZ0xGNGpCNThkdQoyeXA5ZllpT0dLaFZlQ0grSG1vZytuOVRCd2poSDVYU28rZ1F6QzJSUE5xdFN4cldHY2N6UWlpMm91L29MN3BIClg0eU56WHBzT1I5cTUxQnk2cUZnZlVQS09uSzdKRGZGL25iVkEyZUE5QlZyaGxOaUxHc05NZ0ZuQ2dHUUd0MU4KdkcxQXhFaGpydlBtU0NSTzlycUNZQnpJeXZWMDgwY1hFaFROU0hSVE1rM0duK0RKTzRkbzVZMlZtcFR0U2J2eQpYb2JtcEFCQU9XUFZtcHdwTnc5bGtQNWt0N1FkTTdFU3lSc3BLdEdJdERSY0RYZ3FqbWlBQzJybTZ6Zk5jSkZQClJjOGtFRmZCNUxUd3JGQWlVVWJCMDg2UXl6cU5nc3ZsbThkNmdpNW44V20wd2htTnRjNDdwaENMcE9UYVNpdXcKSlFJREFRQUJvMU13VVRBZEJnTlZIUTRFRmdRVVRLbUlqNXZVdFJudjZ1NTl4ZGpqRlF6MjY5c3dId1lEVlIwagpCQmd3Rm9BVVRLbUlqNXZVdFJudjZ1NTl4ZGpqRlF6MjY5c3dEd1lEVlIwVEFRSC9CQVV3QXdFQi96QU5CZ2txCmhraUc5dzBCQVFzRkFBT0NBUUVBc21IRVBGSW5sRUlicVMwQWhBNklZS0FnVU1qcUsyUGhpK05zU1ZGaTFEZHAKUFpiMEZLOTJWTnZ4czNpQnBONkc1YVZEK0JlTUI4TlRtT1ozSlhVMXBoL3VSQit2Z2tPdVFIN2VuWVIzd3BFYgp6UXFQSFdLV1h6aVA1NE1lZnRBVTh5QjY0aUNCNjEyakNqQ201UHJkeUVRcWVmUzZlb0dxenFBSUVGeXIrMEZaCk5PNTI2SHo1K1p4VHhaMG52MWdBKzl1QmI5b1cwWGloR0haT2xjSGh5RExoaFdmaE5SMzJ3dmZBdmdTa0s0MWYKUDZrZ2VqOTVWT0JzbTN0TWdMTUVkMzhsM1BDSVF5WGNnd3JpeHVsblhWb1JkeVM5RUYwcWFEeWg0ZWNiTThQbwpnbHpFeGd1UE9kaUU3SG5LOWlWaVdPV1hGSVpHZUUvRGtySHl4cDNzaEE9PQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==";
const ADMIN_KEY: &str = "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2QUlCQURBTkJna3Foa2lHOXcwQkFRRUZBQVNDQktZd2dnU2lBZ0VBQW9JQkFRQzFNaTJBV1ZHU3lBc1gKaU1IbngyN2JLbjE5aUk0WXFGVjRJZjRlYWlENmYxTUhDT0VmbGRLajZCRE1MWkU4MnExTEd0WVp4ek5DS0xhaQo3K2d2dWtkZmpJM05lbXc1SDJyblVITHFvV0I5UThvNmNyc2tOOFgrZHRVRFo0RDBGV3VHVTJJc2F3MHlBV2NLCkFaQWEzVTI4YlVERVNHT3U4K1pJSkU3MnVvSmdITWpLOVhUelJ4Y1NGTTFJZEZNeVRjYWY0TWs3aDJqbGpaV2EKbE8xSnUvSmVodWFrQUVBNVk5V2FuQ2szRDJXUS9tUzN0QjB6c1JMSkd5a3EwWWkwTkZ3TmVDcU9hSUFMYXVicgpOODF3a1U5Rnp5UVFWOEhrdFBDc1VDSlJSc0hUenBETE9vMkN5K1dieDNxQ0xtZnhhYlRDR1kyMXpqdW1FSXVrCjVOcEtLN0FsQWdNQkFBRUNnZjhtd0ZSNjNwOVRoUFRhVTZVa3JNSkluUTI1aXpyWWl5ZThTWWpQZUdNVkw2WFMKRzFRS0xVQ2ZUVUpLYUhSblQxMUFjcnpYUm9MdjQwVXNFNkxVa2tJeGJSM21sQWdSTDJidGtZY0NKd0U3eVFPMgovRktKckdQcngvNUdmQnhZRnp5bnZhMkJVbVBBRGd5N1Z4bzZwSm03Y3FJbldGUDVWckFwUFpxbHFiMjRVQkxGCk1TOFpJWnVkMXptT0doMTY2aVR5YWg2TTBlVnhYQkJQSDJnR3psTVhvSGhWQ0kxdnJsSjd4eUlLMVNoQmxlM20KRWI0blNzbytsTmdOQXpGZU9mVW1RaW9HbkJ5cHQvRkFxTnlFU25nQW1INmMzZ0dXaTE1Q2o0SkdjZ0RnMUhqcAo5WTF0eWJnV21PWGFGVEg3YWs0SFFtcy9jT3puRmsvdkx5WFg2UkVDZ1lFQTlHUllsWXIwMkxwZ09OSm5tMVZGCmxybnZwZWl0bmUzVHdyM1htQmp1RE44NjVsU1NUQi82di9sbWhpSkQ5NHRSNjhOTFBaZlJ0dE1JMExmWTM2cXoKSUtyVHhBUWFEM0JOc1RmRkx5RlRBeUhZUVdzS2E4YWRNcjk2UEJOSTVIbzc1NG1Td3hTSUpGT0FYSkZYMnUwdwprWnpTbUFFOXFsczcwNmtlZ1gvUnZmRUNnWUVBdmMxb2U5dTkvZzk0aVVKQnNhSngrc1lhNlFxbzhxY0tjMk4zClc0R2pWMXgwbjNxcUcveERvM2ovVWhoMlZROE85MFkrSVRLQThEOGx6ZVVINHQvTTNCeXA4cWRyQlBTL00zK0oKZHVqVktONng3b2VPUGNkYWs1YXFqMWJBOGd3SVFUK2pSYkdrRmdhQm9SblhmOXJMRldIREhXcG9BMmtxTjB4eQo5Nk9BOFhVQ2dZQU5zbVlJazQ0ZmEycWpKSityNC82UGNRSk9ZUmtCNWVkZFhiaHNqTkVpcFl3dWhvVGdnVlpUClZnMzU3SWUwb3ZsSFpsMmNLUnNXelFNTWQ1RlBEOGtVUnA2eHVLMGhPbUVRVXBqWmlGdVhyRmpyYWExZTF2WE8KZDA3SmVTYzNydVlXbHU1RHdxM1NvMTlwVUxnRXpCQlJ5T0ZBcGFrb0dBN2xVUEFsdjkwb2NRS0JnUUNIcjRkcApQQjhudCtHZ3BsZ1dhQjM1ZTVRVFUwYVNLYTVEN1RDUG55NnBMblJFNmtrZnRvaVlIZERRM0tJRGpyOVJNTXNMCnFuSVl6ZHYxeEN5T0dSWDNxUm9wV1Z3ZGIrWWNKNm1hOHpvbmZJUlJGR0V3Y3dxaWhjd3Fxb2RHd2lsSWsvamgKd3V1ZHYwcitZMTMyamZBdXVmUGxYSU05SlBwRURBZ0lWci9BWFFLQmdRRGFlN0xBNzJZejZubnNoT2czZ01pUApvKzNpL2x5bC85Yk9nUGhLT3ZrbVljUjhqT3k2YTRFYzZNWVcwR042TXQrVllnai9HckttTUYxUlMwaWhKTVBhCnpVdFdlRXNCUmpqbE0xbjJpUDhndzVUQ2hsa1FSRHJQZUdKSjY0c1hiWUJMUm9sTzhkL0hpQTQ5WUVxNkRXUzcKVzRpNWdHKzVTaWhYU3ZaODFwRzR3Zz09Ci0tLS0tRU5EIFBSSVZBVEUgS0VZLS0tLS0K";

fn kubeconfig(user: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: LS0tLS1CRUdJTg==\n    server: https://prod-eks-1.acme.internal:6443\n  name: prod-eks-1\ncontexts:\n- context:\n    cluster: prod-eks-1\n    user: admin\n    namespace: payments\n  name: admin@prod\ncurrent-context: admin@prod\nusers:\n- name: admin\n  user:\n{user}"
    )
}

#[test]
fn system_masters_certificate_is_cluster_admin_and_nothing_is_sent() {
    let config = kubeconfig(&format!(
        "    client-certificate-data: {ADMIN_CERT}\n    client-key-data: {ADMIN_KEY}\n"
    ));
    for routes in [None, Some(json!([]))] {
        let (report, log) = scan_files(&[("infra/prod-kubeconfig.yaml", &config)], routes.clone());
        assert!(log.is_empty(), "no request to the API server: {log:?}");
        let f = by_provider(&report, "kubernetes");
        assert_eq!(f["verification"]["status"], "skipped", "{f:#}");
        if routes.is_some() {
            assert!(f["verification"]["detail"]
                .as_str()
                .unwrap()
                .contains("host pinning"));
        }
        assert_eq!(
            f["scope"]["token_kind"],
            "client certificate key (system:masters: cluster-admin)"
        );
        assert!(f["scope"]["identity"]
            .as_str()
            .unwrap()
            .contains("kubernetes-admin"));
        assert_eq!(f["scope"]["assumed"], false);
        assert!(f["scope"]["expires_at"]
            .as_str()
            .unwrap()
            .starts_with("2126-"));
        let envs = f["scope"]["environments"].to_string();
        assert!(
            envs.contains("admin@prod") && envs.contains("production"),
            "{envs}"
        );
        assert!(
            caps(f).contains(&"delete-data".to_string())
                && caps(f).contains(&"manage-access".to_string())
        );
        assert!(f["scope"]["resources"]
            .to_string()
            .contains("https://prod-eks-1.acme.internal:6443"));
        assert!(f["score"].as_u64().unwrap() >= 80, "{}", f["score"]);
        assert!(!report.to_string().contains(ADMIN_KEY));
    }
}

fn jwt(claims: Value) -> String {
    let e = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        e(&json!({"alg": "RS256", "kid": "k8s-2025"})),
        e(&claims),
        "Qm9yZWQgc2lnbmF0dXJlIGJ5dGVzIGZvciBhIHRlc3QgdG9rZW4gb25seQ_Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Jh0Ig9Fe8Dc7Ba6"
    )
}

#[test]
fn service_account_tokens_name_their_account() {
    let legacy = jwt(json!({
        "iss": "kubernetes/serviceaccount",
        "kubernetes.io/serviceaccount/namespace": "kube-system",
        "kubernetes.io/serviceaccount/secret.name": "argocd-manager-token-x7k2p",
        "kubernetes.io/serviceaccount/service-account.name": "argocd-manager",
        "kubernetes.io/serviceaccount/service-account.uid": "c7d47069-5128-46f7-bc72-8d8f42e6f64f",
        "sub": "system:serviceaccount:kube-system:argocd-manager"
    }));
    let config = kubeconfig(&format!("    token: {legacy}\n"));
    let (report, log) = scan_files(&[("infra/prod-kubeconfig.yaml", &config)], Some(json!([])));
    assert!(log.is_empty());
    let f = by_provider(&report, "kubernetes");
    assert_eq!(f["verification"]["status"], "skipped");
    assert_eq!(
        f["scope"]["token_kind"],
        "service account token (legacy secret, never expires)"
    );
    assert_eq!(
        f["scope"]["identity"],
        "service account kube-system:argocd-manager"
    );
    assert_eq!(f["scope"]["assumed"], true);
    assert_eq!(f["scope"]["expires_at"], Value::Null);
    assert!(f["scope"]["notes"]
        .to_string()
        .contains("permissions unknown"));
}

#[test]
fn expired_kubeconfig_token_is_invalid_without_a_request() {
    let bound = jwt(json!({
        "aud": ["https://kubernetes.default.svc"],
        "exp": 1700000000, "iat": 1699996400, "nbf": 1699996400,
        "iss": "https://kubernetes.default.svc.cluster.local",
        "kubernetes.io": {"namespace": "ci", "serviceaccount": {"name": "deployer", "uid": "0f3c6a1e-2b4d-4e8f-9a7c-5d6e7f8a9b0c"}},
        "sub": "system:serviceaccount:ci:deployer"
    }));
    let config = kubeconfig(&format!("    token: {bound}\n"));
    let (report, log) = scan_files(&[("infra/prod-kubeconfig.yaml", &config)], Some(json!([])));
    assert!(log.is_empty());
    let f = by_provider(&report, "kubernetes");
    assert_eq!(f["verification"]["status"], "invalid", "{f:#}");
    assert!(f["verification"]["detail"]
        .as_str()
        .unwrap()
        .contains("expired 2023-11-14"));
    // Offline, the same token is only skipped, scored on what it says.
    let (report, _) = scan_files(&[("infra/prod-kubeconfig.yaml", &config)], None);
    let f = by_provider(&report, "kubernetes");
    assert_eq!(f["verification"]["status"], "skipped");
    assert_eq!(f["scope"]["identity"], "service account ci:deployer");
    assert_eq!(f["scope"]["expires_at"], "2023-11-14T22:13:20Z");
}

// --------------------------------------------------------------- pairs

#[test]
fn a_missing_pair_half_means_skipped_and_nothing_sent() {
    let files: [(&str, &str, &str); 4] = [
        (
            "twilio",
            "twilio.env",
            "TWILIO_AUTH_TOKEN=6f1c9e2a4b7d3f8e0a5c1b9d7e3f2a4c\n",
        ),
        (
            "planetscale",
            "ps.env",
            "PLANETSCALE_SERVICE_TOKEN=pscale_tkn_Qm3vT8zLp2XrN9wB4yK7cH1dJ6fG0sA5eU2iO8aRt4\n",
        ),
        (
            "dockerhub",
            "hub.env",
            "DOCKERHUB_TOKEN=dckr_pat_w745DAnUS1xj7_3HCqC3kGqeHzo\n",
        ),
        (
            "datadog",
            "dd.env",
            "DD_APP_KEY=3c9f1e7a5b2d8c4e6f0a1b3c5d7e9f2a4b6c8d0e\n",
        ),
    ];
    for (provider, name, content) in files {
        let (report, log) = scan_files(&[(name, content)], Some(json!([])));
        assert!(log.is_empty(), "{provider}: {log:?}");
        let f = by_provider(&report, provider);
        assert_eq!(f["verification"]["status"], "skipped", "{provider}: {f:#}");
        // Scored on the worst plausible case, never waved through.
        assert!(
            f["score"].as_u64().unwrap() >= 40,
            "{provider}: {}",
            f["score"]
        );
    }
}

#[test]
fn datadog_application_key_with_its_api_key_names_user_and_roles() {
    let api = "0b7e4c1a9d3f5e2b8c6a4d0f1e3b5c7a";
    let app = "3c9f1e7a5b2d8c4e6f0a1b3c5d7e9f2a4b6c8d0e";
    let content = format!("DD_SITE=us5.datadoghq.com\nDD_API_KEY={api}\nDD_APP_KEY={app}\n");
    let routes = json!([
        {"method": "GET", "path": "/api.us5.datadoghq.com/api/v1/validate", "header": ["dd-api-key", api], "json": {"valid": true}},
        {"method": "GET", "path": "/api.us5.datadoghq.com/api/v2/current_user", "header": ["dd-application-key", app],
         "json": {"data": {"type": "users", "id": "a1b2c3d4-0000-4000-8000-1234567890ab",
                           "attributes": {"name": "Ops", "handle": "ops@acme.test", "email": "ops@acme.test", "status": "Active", "disabled": false},
                           "relationships": {"roles": {"data": [{"type": "roles", "id": "r-admin"}]}}},
                  "included": [{"type": "roles", "id": "r-admin", "attributes": {"name": "Datadog Admin Role", "user_count": 3}}]}}
    ]);
    let (report, log) = scan_files(&[("deploy/datadog.env", &content)], Some(routes));
    let app_finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["detector"] == "datadog.app-key")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(
        app_finding["verification"]["status"], "live",
        "{app_finding:#}"
    );
    assert_eq!(
        app_finding["scope"]["identity"],
        "ops@acme.test on us5.datadoghq.com"
    );
    assert_eq!(
        app_finding["scope"]["permissions"],
        json!(["role: Datadog Admin Role"])
    );
    assert!(caps(app_finding).contains(&"manage-access".to_string()));
    let api_finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["detector"] == "datadog.api-key")
        .unwrap();
    assert_eq!(api_finding["verification"]["status"], "live");
    assert!(
        caps(api_finding).is_empty(),
        "an API key alone only submits data"
    );
    assert!(
        log.iter()
            .all(|r| r.method == "GET" && r.url.starts_with("/api.us5.datadoghq.com/")),
        "{log:?}"
    );
}

#[test]
fn twilio_standard_api_key_is_live_with_its_sids() {
    let ac = "AC4f9b2c7e1a3d5f8b0c6e2a4d7f9b1c3e";
    let sk = "SK8e2a6c4f0b9d1e3a5c7f2b4d6e8a0c9f";
    let secret = "Zr4Tq8Wm2Xk6Yp0Vn3Bs7Cd1Fg5Hj9Lu";
    let content =
        format!("TWILIO_ACCOUNT_SID={ac}\nTWILIO_API_KEY={sk}\nTWILIO_API_SECRET={secret}\n");
    let basic = |user: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"))
        )
    };
    let path = format!("/api.twilio.com/2010-04-01/Accounts/{ac}.json");
    let routes = json!([
        {"method": "GET", "path": path, "header": ["authorization", basic(ac)], "status": 401,
         "json": {"code": 20003, "message": "Authentication Error - invalid username", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}},
        {"method": "GET", "path": path, "header": ["authorization", basic(sk)], "status": 403,
         "json": {"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 403}}
    ]);
    let (report, log) = scan_files(&[(".env", &content)], Some(routes));
    let f = by_provider(&report, "twilio");
    assert_eq!(f["verification"]["status"], "live", "{f:#}");
    assert_eq!(f["scope"]["token_kind"], "Standard or Restricted API key");
    assert!(!caps(f).contains(&"manage-access".to_string()));
    assert_eq!(log.len(), 2, "account SID first, then the key SID");
}

// ------------------------------------------- offline halves of online providers

fn sentry_org_token(payload: &str) -> String {
    format!(
        "sntrys_{}_{}",
        base64::engine::general_purpose::STANDARD.encode(payload),
        "Xq7Lm2Vn9Bc4Kd8Hf1Jg6Tz3Wr5Ys0Pa2Ue7Io4Ah9R"
    )
}

#[test]
fn sentry_org_token_names_org_and_instance_offline() {
    let token = sentry_org_token(
        r#"{"iat":1731000000.5,"url":"https://sentry.io","region_url":"https://de.sentry.io","org":"acme"}"#,
    );
    let (report, _) = scan_files(&[(".env", &format!("SENTRY_AUTH_TOKEN={token}\n"))], None);
    let f = by_provider(&report, "sentry");
    assert_eq!(
        f["scope"]["identity"],
        "organization acme at https://sentry.io"
    );
    assert_eq!(f["scope"]["permissions"], json!(["org:ci"]));
    assert_eq!(f["scope"]["assumed"], false);
    assert!(f["scope"]["notes"]
        .to_string()
        .contains("https://de.sentry.io"));
    assert!(caps(f).is_empty(), "CI tokens cannot delete: {f:#}");
}

#[test]
fn self_hosted_sentry_is_never_contacted() {
    let token = sentry_org_token(
        r#"{"iat":1731000000.5,"url":"https://sentry.acme.internal","region_url":"","org":"acme"}"#,
    );
    let (report, log) = scan_files(
        &[(".env", &format!("SENTRY_AUTH_TOKEN={token}\n"))],
        Some(json!([])),
    );
    assert!(log.is_empty(), "{log:?}");
    let f = by_provider(&report, "sentry");
    assert_eq!(f["verification"]["status"], "skipped");
    assert!(f["verification"]["detail"]
        .as_str()
        .unwrap()
        .contains("sentry.acme.internal"));
}

#[test]
fn gcp_key_file_names_project_and_account_offline() {
    let key = "-----BEGIN PRIVATE KEY-----\\nMIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC7VJTUt9Us8cKj\\nMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\\nNMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ\\n-----END PRIVATE KEY-----\\n";
    let file = format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"acme-staging-204611\",\n  \"private_key_id\": \"4f2c9a1e7b3d5f8a0c6e2b4d9f1a3c5e7b0d2f4a\",\n  \"private_key\": \"{key}\",\n  \"client_email\": \"ci-runner@acme-staging-204611.iam.gserviceaccount.com\",\n  \"client_id\": \"103958270641827365019\",\n  \"token_uri\": \"https://oauth2.googleapis.com/token\"\n}}\n"
    );
    let (report, _) = scan_files(&[("ci/sa.json", &file)], None);
    let f = by_provider(&report, "gcp");
    assert_eq!(f["scope"]["token_kind"], "service account key");
    assert_eq!(
        f["scope"]["identity"],
        "ci-runner@acme-staging-204611.iam.gserviceaccount.com"
    );
    assert_eq!(
        f["scope"]["resources"],
        json!(["project acme-staging-204611"])
    );
    assert!(f["scope"]["environments"].to_string().contains("staging"));
    assert_eq!(f["scope"]["assumed"], true);
}
