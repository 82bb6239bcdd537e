//! AWS access keys against a real AWS API emulator (moto in server mode,
//! started by `scripts/test-services.sh start`), reached through the
//! standard `AWS_ENDPOINT_URL`: users with admin, delete-bucket-only and
//! read-only policies, created in moto with boto3 by the test itself. And
//! canary keys: reported with no request sent, checked against the
//! emulator's request log and the redirect server's.
//!
//! Without the emulator these tests fail, saying what to install and run.

mod support;

use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use support::*;

/// Serialises the tests that read moto's request log.
static MOTO: Mutex<()> = Mutex::new(());

/// A key id of canarytokens.org's account 052310077262 (built with the
/// documented key-id encoding; not a real key).
const CANARY_KEY_ID: &str = "AKIAAYLPMN5HGVNDZEIH";

fn services() -> HashMap<String, String> {
    let dir = std::env::var_os("BLASTRADIUS_SERVICES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("blastradius-services"));
    let file = dir.join("env");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|_| {
        panic!(
            "the AWS emulator is not running ({} is missing).\n\
             Start it with `scripts/test-services.sh start` (it installs what is missing, \
             including `pip install 'moto[server]' boto3`).",
            file.display()
        )
    });
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn moto_url(env: &HashMap<String, String>) -> String {
    env.get("BR_MOTO_URL")
        .cloned()
        .expect("BR_MOTO_URL missing from the services env file: restart scripts/test-services.sh")
}

/// Creates IAM users in moto with boto3; returns each one's key pair.
fn create_users(moto: &str) -> Value {
    let suffix = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            % 1_000_000
    );
    let script = r#"
import json, sys, boto3
url, suffix = sys.argv[1], sys.argv[2]
iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
def doc(actions):
    return json.dumps({"Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
out = {}
# admin: a customer-managed policy attached to the user
admin = f"admin-{suffix}"
iam.create_user(UserName=admin)
arn = iam.create_policy(PolicyName=f"everything-{suffix}", PolicyDocument=doc("*"))["Policy"]["Arn"]
iam.attach_user_policy(UserName=admin, PolicyArn=arn)
# deleter: an inline policy allowing s3:DeleteBucket only
deleter = f"deleter-{suffix}"
iam.create_user(UserName=deleter)
iam.put_user_policy(UserName=deleter, PolicyName="delete-bucket", PolicyDocument=doc(["s3:DeleteBucket"]))
# reader: read-only through a group's inline policy
reader = f"reader-{suffix}"
iam.create_user(UserName=reader)
iam.create_group(GroupName=f"readers-{suffix}")
iam.put_group_policy(GroupName=f"readers-{suffix}", PolicyName="read",
                     PolicyDocument=doc(["s3:Get*", "s3:List*", "dynamodb:Scan"]))
iam.add_user_to_group(GroupName=f"readers-{suffix}", UserName=reader)
for name, user in [("admin", admin), ("deleter", deleter), ("reader", reader)]:
    k = iam.create_access_key(UserName=user)["AccessKey"]
    out[name] = {"user": user, "id": k["AccessKeyId"], "secret": k["SecretAccessKey"]}
print(json.dumps(out))
"#;
    let out = Command::new("python3")
        .args(["-c", script, moto, &suffix])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "creating users in moto failed (is boto3 installed? `pip install boto3`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from the boto3 script")
}

fn write_pair(dir: &std::path::Path, sub: &str, id: &str, secret: &str) {
    let d = dir.join(sub);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join(".env"),
        format!("AWS_ACCESS_KEY_ID={id}\nAWS_SECRET_ACCESS_KEY={secret}\n"),
    )
    .unwrap();
}

fn caps(f: &Value) -> Vec<String> {
    f["scope"]["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

fn by_path<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no finding at {path}: {report:#}"))
}

#[test]
fn admin_outranks_delete_bucket_outranks_read_only() {
    let env = services();
    let moto = moto_url(&env);
    let _guard = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    let users = create_users(&moto);
    let dir = tempfile::tempdir().unwrap();
    for who in ["admin", "deleter", "reader"] {
        write_pair(
            dir.path(),
            who,
            users[who]["id"].as_str().unwrap(),
            users[who]["secret"].as_str().unwrap(),
        );
    }
    let out = blastradius()
        .env("AWS_ENDPOINT_URL", &moto)
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let text = all_output(&out);
    for who in ["admin", "deleter", "reader"] {
        assert!(
            !text.contains(users[who]["secret"].as_str().unwrap()),
            "a secret access key reached the output"
        );
    }
    let report = json(&out);
    let admin = by_path(&report, "admin/.env");
    let deleter = by_path(&report, "deleter/.env");
    let reader = by_path(&report, "reader/.env");
    for (f, who) in [(admin, "admin"), (deleter, "deleter"), (reader, "reader")] {
        assert_eq!(f["verification"]["status"], "live", "{f:#}");
        let user = users[who]["user"].as_str().unwrap();
        assert!(
            f["scope"]["identity"]
                .as_str()
                .unwrap()
                .contains(&format!("user/{user}")),
            "{f:#}"
        );
        assert_eq!(f["scope"]["assumed"], false, "{f:#}");
    }
    for c in [
        "delete-data",
        "delete-backups",
        "delete-infra",
        "manage-access",
    ] {
        assert!(
            caps(admin).contains(&c.to_string()),
            "admin lacks {c}: {admin:#}"
        );
    }
    assert_eq!(
        caps(deleter),
        vec!["delete-data".to_string()],
        "{deleter:#}"
    );
    assert!(deleter["scope"]["permissions"]
        .as_array()
        .unwrap()
        .contains(&json!("s3:DeleteBucket: allowed")));
    assert_eq!(caps(reader), vec!["read-data".to_string()], "{reader:#}");
    let score = |f: &Value| f["score"].as_u64().unwrap();
    assert!(
        score(admin) > score(deleter) && score(deleter) > score(reader),
        "scores: admin {}, delete-bucket {}, read-only {}",
        score(admin),
        score(deleter),
        score(reader)
    );
    assert_eq!(admin["severity"], "critical", "{admin:#}");
}

#[test]
fn unknown_keys_are_invalid_at_the_emulator() {
    let env = services();
    let moto = moto_url(&env);
    let dir = tempfile::tempdir().unwrap();
    // moto answers GetCallerIdentity for any key; a key it does not know is
    // its default identity, so this checks the signing round trip only.
    write_pair(
        dir.path(),
        "x",
        "AKIAQNZGKIQY56JQ7WMA",
        "PtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA+",
    );
    let out = blastradius()
        .env("AWS_ENDPOINT_URL", &moto)
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report = json(&out);
    let f = by_path(&report, "x/.env");
    assert!(
        matches!(
            f["verification"]["status"].as_str(),
            Some("live" | "invalid")
        ),
        "{f:#}"
    );
}

#[test]
fn canary_keys_are_reported_without_any_request() {
    let env = services();
    let moto = moto_url(&env);
    let moto_log = PathBuf::from(env.get("BR_MOTO_LOG").expect("BR_MOTO_LOG"));
    let _guard = MOTO.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    write_pair(
        dir.path(),
        "ci",
        CANARY_KEY_ID,
        "r8Kd2mQx/Lp4Vt7Wz1Ns9Bc3Fg6Hj0Ky5Ue2Io8A",
    );
    let lines_before = std::fs::read_to_string(&moto_log).unwrap().lines().count();
    // Both ways out are watched: the emulator (AWS_ENDPOINT_URL) and the
    // redirect server.
    let server = replay::ReplayServer::start(json!({ "routes": [] }));
    let out = blastradius()
        .env("AWS_ENDPOINT_URL", &moto)
        .env("BLASTRADIUS_API_REDIRECT", &server.url)
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report = json(&out);
    let f = by_path(&report, "ci/.env");
    assert_eq!(f["verification"]["status"], "skipped", "{f:#}");
    assert!(f["scope"]["token_kind"]
        .as_str()
        .unwrap()
        .contains("canary token"));
    assert!(f["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["rule"] == "BR060"));
    assert_eq!(f["severity"], "low");
    assert!(f["scope"]["identity"]
        .as_str()
        .unwrap()
        .contains("052310077262"));
    assert!(
        server.requests().is_empty(),
        "a request reached the redirect server"
    );
    let lines_after = std::fs::read_to_string(&moto_log).unwrap().lines().count();
    assert_eq!(lines_before, lines_after, "a request reached the emulator");

    // Offline too, and the rule is documented.
    let out = blastradius().arg("explain").arg("BR060").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("canary"));
}

#[test]
fn the_observers_do_see_a_normal_key() {
    // The control for the canary test: the same setup, a non-canary key,
    // and the redirect server records its calls.
    let server = replay::ReplayServer::start(json!({ "routes": [] }));
    let dir = tempfile::tempdir().unwrap();
    write_pair(
        dir.path(),
        "ci",
        "AKIAQNZGKIQY56JQ7WMA",
        "r8Kd2mQx/Lp4Vt7Wz1Ns9Bc3Fg6Hj0Ky5Ue2Io8A",
    );
    let out = scan(
        &[dir.path().to_str().unwrap(), "--format", "json"],
        Some(&server.url),
    );
    let report = json(&out);
    let f = by_path(&report, "ci/.env");
    assert_eq!(f["verification"]["status"], "unknown", "{f:#}");
    let reqs = server.requests();
    assert!(!reqs.is_empty());
    assert!(reqs
        .iter()
        .all(|r| r.method == "POST" && r.url == "/sts.amazonaws.com/"));
    assert!(reqs[0].body.contains("Action=GetCallerIdentity"));
    // Signed with SigV4, and the secret is not in what was sent in clear.
    assert!(reqs[0].headers.iter().any(|(n, v)| n == "authorization"
        && v.starts_with("AWS4-HMAC-SHA256 Credential=AKIAQNZGKIQY56JQ7WMA/")));
    assert!(
        !reqs[0].body.contains("r8Kd2mQx")
            && !reqs[0].headers.iter().any(|(_, v)| v.contains("r8Kd2mQx"))
    );
}

#[test]
fn aws_endpoint_url_must_be_loopback() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        "https://sts.amazonaws.com.evil.example",
        "http://10.0.0.1:5000",
        "http://user:pw@127.0.0.1:5000",
    ] {
        let out = blastradius()
            .env("AWS_ENDPOINT_URL", bad)
            .arg("scan")
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", all_output(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("AWS_ENDPOINT_URL"));
    }
}
