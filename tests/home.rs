//! `scan --home` end to end, with a fake `$HOME` holding a token in every
//! credential store the tool knows. Always offline.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// (path under $HOME, contents, the secret planted, expected detector id
/// prefix, expected line).
const STORES: &[(&str, &str, &str, &str, usize)] = &[
    (
        ".config/railway/config.json",
        "{\n  \"projects\": {},\n  \"user\": {\"token\": \"rw_Fe26.2.3b9d0c7e1f4a2b8c6d5e9f0a1b2c3d4e\"}\n}\n",
        "rw_Fe26.2.3b9d0c7e1f4a2b8c6d5e9f0a1b2c3d4e",
        "railway.cli-session",
        3,
    ),
    (
        ".railway/config.json",
        "{\"user\": {\"token\": \"c7a4e2f9-51d3-4b8e-a0c6-9e2d4f7b1a35\"}}",
        "c7a4e2f9-51d3-4b8e-a0c6-9e2d4f7b1a35",
        "railway.cli-session",
        1,
    ),
    (
        ".aws/credentials",
        "[default]\naws_access_key_id = AKIAWB5WKH7DNSIPZZ7F\naws_secret_access_key = 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\n",
        "PtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA+",
        "aws.credentials-file",
        3,
    ),
    (
        ".aws/config",
        "[profile staging]\nregion = eu-west-1\naws_access_key_id = ASIAWB5WKH7DNSIPZZ7F\naws_secret_access_key = 2O76UMFxFkM+R5Kjp1vRt/1fjORS+6ilI8ihN5KX\naws_session_token = IQoJb3JpZ2luX2VjEv5ZJr3J1TWDtkwtDDb/xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU8po/799NksnRH9ucAUsdMlHUvTCQCyEZDz+TddJ8HyS5SUkCnD8zRA9a9SkpXz9w3QlY7Zkuvqdt7s8St==\n",
        "IQoJb3JpZ2luX2VjEv5ZJr3J1TWDtkwtDDb/xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU8po/799NksnRH9ucAUsdMlHUvTCQCyEZDz+TddJ8HyS5SUkCnD8zRA9a9SkpXz9w3QlY7Zkuvqdt7s8St==",
        "aws.credentials-file-session",
        5,
    ),
    (
        ".config/gh/hosts.yml",
        "github.com:\n    users:\n        octocat:\n            oauth_token: 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\n    git_protocol: https\n    user: octocat\n",
        "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",
        "github.",
        4,
    ),
    (
        ".npmrc",
        "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=40034d66-0869-47a8-ad41-bed440e50454\n",
        "40034d66-0869-47a8-ad41-bed440e50454",
        "npm.",
        2,
    ),
    (
        ".pypirc",
        "[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmcHz5r1pY4OjE2jBMptUsGr7CmY-uCu3ZR1zTOlUcR64cXQLioDnkHIfxIq2HZ\n",
        "pypi-AgEIcHlwaS5vcmcHz5r1pY4OjE2jBMptUsGr7CmY-uCu3ZR1zTOlUcR64cXQLioDnkHIfxIq2HZ",
        "pypi.",
        6,
    ),
    (
        ".docker/config.json",
        // base64("acme:dckr_pat_t_PlJhx2jIclHkCiHp6bR1IqfEo")
        "{\n\t\"auths\": {\n\t\t\"https://index.docker.io/v1/\": {\n\t\t\t\"auth\": \"YWNtZTpkY2tyX3BhdF90X1BsSmh4MmpJY2xIa0NpSHA2YlIxSXFmRW8=\"\n\t\t}\n\t}\n}",
        "dckr_pat_t_PlJhx2jIclHkCiHp6bR1IqfEo",
        "dockerhub.",
        4,
    ),
    (
        ".kube/config",
        "apiVersion: v1\nkind: Config\ncontexts:\n- name: prod\n  context: {cluster: prod, user: admin}\nusers:\n- name: admin\n  user:\n    token: eyJhbGciOiJSUzI1NiIsImtpZCI6IkuI5aHUQPFeNBTxaQWk8JzFalHlsZfYcMMDktXP_tKsf2rcDkdfrUnW5gcF-H.a6ili8GjHEAD6_Wj9KfzjsQGMrb9h-ImB-LK777p\n",
        "eyJhbGciOiJSUzI1NiIsImtpZCI6IkuI5aHUQPFeNBTxaQWk8JzFalHlsZfYcMMDktXP_tKsf2rcDkdfrUnW5gcF-H.a6ili8GjHEAD6_Wj9KfzjsQGMrb9h-ImB-LK777p",
        "kubernetes.kubeconfig-token",
        9,
    ),
    (
        ".netrc",
        "machine api.heroku.com\n  login dev@acme.dev\n  password 1de49f14-5fda-4998-98c7-9fc35526f7ea\n",
        "1de49f14-5fda-4998-98c7-9fc35526f7ea",
        "heroku.",
        3,
    ),
    (
        ".config/stripe/config.toml",
        "color = ''\n\n[default]\ndevice_name = 'laptop'\nlive_mode_api_key = 'rk_live_51Hx9QmK2eZvKYlo2Rt5Yu8Io1Pa4Sd7Fg0Hj3Kl6Zx9Cv'\nlive_mode_pub_key = 'pk_live_51Hx9QmK2eZvKYlo2C8nT4rWb7yPq3LsD6fGh1JkM0nBvCxZ'\n",
        "rk_live_51Hx9QmK2eZvKYlo2Rt5Yu8Io1Pa4Sd7Fg0Hj3Kl6Zx9Cv",
        "stripe.live-key",
        5,
    ),
    (
        ".fly/config.yml",
        "access_token: fo1_52ryFlwRlOEVHzc0X0AWIRh-JUqBlIFXZ53Ncqe28_a\nmetrics_token: \"\"\n",
        "fo1_52ryFlwRlOEVHzc0X0AWIRh-JUqBlIFXZ53Ncqe28_a",
        "flyio.",
        1,
    ),
    (
        ".config/gcloud/application_default_credentials.json",
        "{\n  \"client_id\": \"764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com\",\n  \"refresh_token\": \"1//0gjY75FnCttn6kfaqDeMqG3omjMyXHCabM6JOF8EFd0Nhcy-1kGD2VD-eR1UYzaLiA-zNyD7CHLn-xC_1hsYgBds1ghx\",\n  \"type\": \"authorized_user\"\n}\n",
        "1//0gjY75FnCttn6kfaqDeMqG3omjMyXHCabM6JOF8EFd0Nhcy-1kGD2VD-eR1UYzaLiA-zNyD7CHLn-xC_1hsYgBds1ghx",
        "gcp.adc-refresh-token",
        3,
    ),
    (
        ".git-credentials",
        "https://octocat: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@github.com\n",
        "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",
        "github.classic-pat",
        1,
    ),
    (
        ".local/share/com.vercel.cli/auth.json",
        "{\n  \"// Note\": \"This is your Vercel credentials file. DO NOT SHARE!\",\n  \"token\": \"Vt0SXjMpu3uDxYYMfGmzWkpA\"\n}",
        "Vt0SXjMpu3uDxYYMfGmzWkpA",
        "vercel.",
        3,
    ),
    (
        ".config/netlify/config.json",
        "{\"userId\": \"5f1d\", \"users\": {\"5f1d\": {\"id\": \"5f1d\", \"name\": \"Dev\", \"auth\": {\"token\": \"nfp_ePcEJIukB4geqNfngAFTCloiADN5RpVI2XQW\"}}}}",
        "nfp_ePcEJIukB4geqNfngAFTCloiADN5RpVI2XQW",
        "netlify.",
        1,
    ),
    (
        ".supabase/access-token",
        "sbp_39988b886e7577496a2c8773e130f7eb19731662\n",
        "sbp_39988b886e7577496a2c8773e130f7eb19731662",
        "supabase.",
        1,
    ),
    (
        ".config/doctl/config.yaml",
        "access-token: dop_v1_b5e803b61ba4168160adb59261ff2d3c425c8d99d19bdd0b6cc60d5d32cbe540\ncontext: default\n",
        "dop_v1_b5e803b61ba4168160adb59261ff2d3c425c8d99d19bdd0b6cc60d5d32cbe540",
        "digitalocean.",
        1,
    ),
];

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn run(home: &Path, workspace: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blastradius"))
        .args(["scan", "--home", "--offline", "--format", "json"])
        .args(extra)
        .arg(workspace)
        .env("HOME", home)
        .env_remove("BLASTRADIUS_API_REDIRECT")
        .current_dir(workspace)
        .output()
        .expect("run blastradius")
}

fn json_of(out: &Output) -> Value {
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "status {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn assert_no_secret(out: &Output, secrets: &[&str]) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for s in secrets {
        assert!(!all.contains(s), "a whole secret reached the output");
    }
}

#[test]
fn every_store_is_found_and_understood() {
    let home = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    for (path, text, ..) in STORES {
        write(home.path(), path, text);
    }
    let out = run(home.path(), ws.path(), &[]);
    let report = json_of(&out);
    let findings = report["findings"].as_array().unwrap();
    for (path, _, secret, detector, line) in STORES {
        let shown = format!("~/{path}");
        let f = findings
            .iter()
            .find(|f| f["path"] == shown.as_str())
            .unwrap_or_else(|| panic!("nothing found in {shown}: {findings:#?}"));
        let id = f["detector"].as_str().unwrap();
        assert!(
            id.starts_with(detector),
            "{shown}: detector {id}, expected {detector}"
        );
        assert_eq!(f["line"], *line, "{shown}");
        assert_eq!(f["exposure"]["location"], "home", "{shown}");
        assert_eq!(f["exposure"]["git"], "none", "{shown}");
        assert!(f["variable"].is_string(), "{shown}: no key recorded");
        let redacted = f["secret"].as_str().unwrap();
        assert!(
            redacted.contains('…') && secret.starts_with(redacted.split('…').next().unwrap()),
            "{shown}: {redacted}"
        );
        assert_eq!(f["verification"]["status"], "skipped");
    }
    // One finding per planted secret: nothing reported twice, nothing else.
    assert_eq!(findings.len(), STORES.len(), "{findings:#?}");
    let secrets: Vec<&str> = STORES.iter().map(|s| s.2).collect();
    assert_no_secret(&out, &secrets);
}

#[test]
fn context_is_understood() {
    let home = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    for (path, text, ..) in STORES {
        write(home.path(), path, text);
    }
    let report = json_of(&run(home.path(), ws.path(), &[]));
    let find = |path: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == format!("~/{path}").as_str())
            .cloned()
            .unwrap()
    };
    let aws = find(".aws/config");
    assert_eq!(aws["variable"], "staging.aws_session_token");
    assert_eq!(aws["context_tier"]["tier"], "staging");
    // The key id beside the session token says "temporary" (ASIA…).
    let kind = aws["scope"]["token_kind"].as_str().unwrap();
    assert!(kind.contains("temporary"), "{kind}");
    let npm = find(".npmrc");
    assert_eq!(npm["variable"], "//registry.npmjs.org/:_authToken");
    let netrc = find(".netrc");
    assert_eq!(netrc["variable"], "machine api.heroku.com password");
    let docker = find(".docker/config.json");
    assert_eq!(
        docker["variable"],
        "auths.\"https://index.docker.io/v1/\".auth"
    );
    assert_eq!(docker["column"], 13);
    let stripe = find(".config/stripe/config.toml");
    assert_eq!(stripe["context_tier"]["tier"], "production");
    let kube = find(".kube/config");
    assert_eq!(kube["variable"], "users.admin.user.token");
    assert_eq!(kube["context_tier"]["tier"], "production");
}

#[test]
fn home_is_not_scanned_without_the_flag_and_empty_home_is_clean() {
    let home = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    let out = run(home.path(), ws.path(), &[]);
    let report = json_of(&out);
    assert_eq!(report["summary"]["findings"], 0);
    assert_eq!(out.status.code(), Some(0));
    write(home.path(), ".npmrc", STORES[5].1);
    let out = Command::new(env!("CARGO_BIN_EXE_blastradius"))
        .args(["scan", "--offline", "--format", "json"])
        .arg(ws.path())
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert_eq!(json_of(&out)["summary"]["findings"], 0);
}

#[test]
fn claude_user_settings_deny_rules_are_recorded() {
    let home = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    write(home.path(), ".aws/credentials", STORES[2].1);
    write(
        home.path(),
        ".claude/settings.json",
        r#"{"permissions": {"deny": ["Read(~/.aws/**)"]}}"#,
    );
    let report = json_of(&run(home.path(), ws.path(), &[]));
    let f = &report["findings"][0];
    assert_eq!(
        f["exposure"]["agent_ignored_by"],
        serde_json::json!(["~/.claude/settings.json"])
    );
}

#[test]
fn config_extra_paths_are_read() {
    let home = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    write(
        home.path(),
        "secrets/deploy.env",
        "GITHUB_TOKEN=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\n",
    );
    write(
        ws.path(),
        "blastradius.toml",
        "[home]\nextra_paths = [\"~/secrets\"]\n",
    );
    let out = run(home.path(), ws.path(), &[]);
    let report = json_of(&out);
    assert_eq!(report["findings"][0]["path"], "~/secrets/deploy.env");
    assert_eq!(report["findings"][0]["exposure"]["location"], "home");
    assert_no_secret(&out, &["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"]);
}

#[test]
fn unreadable_and_special_stores_are_counted_not_fatal() {
    let home = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    let fifo = home.path().join(".aws/credentials");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        std::fs::create_dir(&fifo).unwrap();
    }
    let report = json_of(&run(home.path(), ws.path(), &[]));
    assert_eq!(report["summary"]["skipped"]["special"], 1);
}
