//! gitleaks / betterleaks rule files: the real default configurations load,
//! and a small tree scanned with them (and with the team config found at its
//! root) gives the hand-verified findings, allow-lists included.

mod support;

use blastradius::detectors::DetectorSet;
use blastradius::gitleaks::{self, LoadOptions};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use support::{all_output, blastradius, json, root, scan};

const GITLEAKS: &str = "fixtures/rules/gitleaks-8.30-default.toml";
const BETTERLEAKS: &str = "fixtures/rules/betterleaks-default.toml";
const TREE: &str = "fixtures/gitleaks-tree";

fn fixture(rel: &str) -> PathBuf {
    root().join(rel)
}

#[test]
fn default_rule_files_load_and_report_what_was_carried_over() {
    let natives = DetectorSet::load_native(&[] as &[PathBuf]).expect("built-in detectors");
    for (file, rules) in [(GITLEAKS, 222), (BETTERLEAKS, 412)] {
        let loaded = gitleaks::load_rules(
            &fixture(file),
            &LoadOptions {
                natives: &natives,
                confine_to: None,
            },
        )
        .unwrap_or_else(|e| panic!("{file}: {e}"));
        let s = &loaded.stats;
        eprintln!(
            "{file}: {} rules: {} loaded fully, {} partly, {} not at all ({} composite components)",
            s.total, s.full, s.partly, s.not_at_all, s.components
        );
        for (why, n) in &s.partly_reasons {
            eprintln!("  partly: {n} × {why}");
        }
        for (id, why) in &s.not_loaded {
            eprintln!("  not loaded: {id}: {why}");
        }
        assert_eq!(s.total, rules, "{file}");
        assert_eq!(
            s.full + s.partly + s.not_at_all + s.disabled,
            rules,
            "{file}"
        );
        assert!(s.not_at_all <= 5, "{file}: {:?}", s.not_loaded);
        assert_eq!(loaded.detectors.len(), s.full + s.partly);
        // Every loaded rule is namespaced and has a provider.
        let ns = format!("{}:", loaded.summary.format.namespace());
        for d in &loaded.detectors {
            assert!(d.id.starts_with(&ns), "{}", d.id);
            assert!(!d.provider.is_empty(), "{}", d.id);
        }
    }
    // Both at once, on top of the built-in detectors: one set, ids unique,
    // composite requirements resolved.
    let files: Vec<(PathBuf, Option<PathBuf>)> =
        vec![(fixture(GITLEAKS), None), (fixture(BETTERLEAKS), None)];
    let set = gitleaks::build_set(natives, &files).expect("both default configs together");
    assert!(set.set.detectors().len() > 222 + 412);
    // gitleaks files carry no Expr: no warning. betterleaks: one, once.
    assert!(
        set.files[0].warnings.is_empty(),
        "{:?}",
        set.files[0].warnings
    );
    let expr: Vec<&String> = set.files[1]
        .warnings
        .iter()
        .filter(|w| w.contains("Expr"))
        .collect();
    assert_eq!(expr.len(), 1, "{:?}", set.files[1].warnings);
}

/// The expected findings of the fixture tree: (path, line, detector). `AGE`
/// stands for the age secret key, which a built-in detector may claim.
const AGE: &str = "(age)";

fn expected(easypost: &str) -> Vec<(&'static str, u64, String)> {
    [
        ("deploy/acme.keystore", 1, "gitleaks:acme-keystore"),
        ("deploy/production.env", 2, "github.classic-pat"),
        ("deploy/production.env", 3, "gitleaks:acme-api-key"),
        ("deploy/production.env", 5, "gitleaks:acme-internal-token"),
        ("deploy/production.env", 6, AGE),
        ("deploy/production.env", 7, easypost),
        ("deploy/production.env", 9, "gitleaks:acme-webhook"),
        ("deploy/production.env", 10, "gitleaks:acme-api-key"),
        ("src/settings.py", 3, "gitleaks:acme-api-key"),
        ("testdata/sample.env", 3, AGE),
    ]
    .into_iter()
    .map(|(p, l, d)| (p, l, d.to_string()))
    .collect()
}

/// Every full secret in the tree, which must never reach any output.
fn tree_secrets() -> Vec<String> {
    let mut out = Vec::new();
    for f in [
        "deploy/production.env",
        "src/settings.py",
        "testdata/sample.env",
        "docs/webhooks.md",
    ] {
        let text = std::fs::read_to_string(fixture(TREE).join(f)).unwrap();
        for word in text.split(|c: char| c.is_whitespace() || "=\"`".contains(c)) {
            if word.len() >= 20 && !word.contains(' ') && !word.starts_with('#') {
                out.push(word.trim_end_matches('.').to_string());
            }
        }
    }
    out
}

fn findings(v: &Value) -> Vec<(String, u64, String)> {
    let mut out: Vec<(String, u64, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["detector"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn check_tree(args: &[&str], easypost: &str) -> Value {
    let tree = fixture(TREE);
    let mut all = vec![tree.to_str().unwrap(), "--format", "json"];
    all.extend_from_slice(args);
    let out = scan(&all, None);
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    let v = json(&out);
    let got = findings(&v);
    let mut want = expected(easypost);
    want.sort();
    assert_eq!(got.len(), want.len(), "got {got:#?}");
    for ((gp, gl, gd), (wp, wl, wd)) in got.iter().zip(&want) {
        assert_eq!((gp.as_str(), *gl), (*wp, *wl), "got {got:#?}");
        if wd == AGE {
            // A built-in detector, or the rule of the default config.
            assert!(
                !gd.contains(':') || gd.ends_with(":age-secret-key"),
                "{gp}:{gl} found by {gd}"
            );
        } else {
            assert_eq!(gd, wd, "{gp}:{gl}");
        }
    }
    // The GitHub token is reported once, by the built-in detector; the
    // one with a bad checksum (line 12) not at all, by nothing.
    assert!(!got.iter().any(|(_, _, d)| d.ends_with("github-pat")));
    assert!(!got
        .iter()
        .any(|(p, l, _)| p == "deploy/production.env" && *l == 12));
    // Loaded rules name a provider: a known one, or `generic`.
    for f in v["findings"].as_array().unwrap() {
        let d = f["detector"].as_str().unwrap();
        if d.starts_with("gitleaks:acme") {
            assert_eq!(f["provider"], "generic", "{d}");
            assert_eq!(f["verification"]["status"], "skipped");
        }
    }
    let text = all_output(&out);
    for s in tree_secrets() {
        assert!(!text.contains(&s), "a whole secret reached the output: {s}");
    }
    v
}

/// Hand-verified, line by line (see the files under fixtures/gitleaks-tree):
///
/// - `deploy/production.env`: 2 GitHub token (built-in wins over
///   `gitleaks:github-pat`), 3 team rule, 4 allowed by the rule's stop-word
///   `sandbox`, 5 path-restricted team rule (`.env`), 6 age key, 7 EasyPost
///   (default config), 8 disabled by `disabledRules`, 9 webhook rule from the
///   extended `rules/base.toml`, 10 the demo key (its AND allow-list needs a
///   `.md` path too), 12 a GitHub token with a bad checksum: not a token.
/// - `src/settings.py`: 2 allowed by the line allow-list (`# fixture-only`),
///   3 reported, 4 below the entropy threshold, 5 not a `.env` file.
/// - `testdata/sample.env`: 2 allowed by the team file's global path
///   allow-list, 3 the age key (a default rule: the team list does not apply).
/// - `docs/webhooks.md`: webhook allowed by the allow-list the team file adds
///   to the extended rule, demo key allowed (AND: `.md` and `^acme_live_demo`),
///   internal token not searched (`path = '\.env$'`).
/// - `deploy/acme.keystore`: the path-only team rule.
#[test]
fn tree_with_the_gitleaks_default_and_the_team_config() {
    let v = check_tree(
        &["--rules", fixture(GITLEAKS).to_str().unwrap()],
        "gitleaks:easypost-api-token",
    );
    let files = v["summary"]["rule_files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["picked_up"], false);
    assert_eq!(files[1]["picked_up"], true);
    assert!(files[1]["path"]
        .as_str()
        .unwrap()
        .ends_with(".gitleaks.toml"));
    assert!(files[1]["extends"][0]
        .as_str()
        .unwrap()
        .ends_with("rules/base.toml"));
    assert!(files[1]["warnings"][0]
        .as_str()
        .unwrap()
        .contains("useDefault"));
}

#[test]
fn tree_with_the_betterleaks_default_and_the_team_config() {
    let tree = fixture(TREE);
    check_tree(
        &["--rules", fixture(BETTERLEAKS).to_str().unwrap()],
        "betterleaks:easypost-api-token",
    );
    // The Expr warning is printed once for the file, not once per rule.
    let out = scan(
        &[
            tree.to_str().unwrap(),
            "--format",
            "json",
            "--rules",
            fixture(BETTERLEAKS).to_str().unwrap(),
        ],
        None,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("Expr programs cannot be run").count(),
        1,
        "{stderr}"
    );
    let v = json(&out);
    let warned: Vec<&Value> = v["summary"]["rule_files"][0]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w.as_str().unwrap().contains("Expr"))
        .collect();
    assert_eq!(warned.len(), 1);
}

#[test]
fn tree_with_both_defaults_reports_each_secret_once() {
    check_tree(
        &[
            "--rules",
            fixture(GITLEAKS).to_str().unwrap(),
            "--rules",
            fixture(BETTERLEAKS).to_str().unwrap(),
        ],
        "gitleaks:easypost-api-token",
    );
}

#[test]
fn no_gitleaks_config_ignores_the_team_file() {
    let tree = fixture(TREE);
    let out = scan(
        &[
            tree.to_str().unwrap(),
            "--format",
            "json",
            "--no-gitleaks-config",
        ],
        None,
    );
    let v = json(&out);
    assert!(v["summary"]["rule_files"].as_array().unwrap().is_empty());
    let got = findings(&v);
    assert!(
        got.iter().all(|(_, _, d)| !d.starts_with("gitleaks:")),
        "{got:?}"
    );
    assert!(got
        .iter()
        .any(|(p, l, d)| p == "deploy/production.env" && *l == 2 && d == "github.classic-pat"));
}

#[test]
fn detectors_list_and_check_include_loaded_rules() {
    let out = blastradius()
        .args(["detectors", "list", "--format", "json", "--rules"])
        .arg(fixture(GITLEAKS))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    let list = json(&out);
    let by_id: BTreeMap<&str, &Value> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["id"].as_str().unwrap(), d))
        .collect();
    let age = by_id["gitleaks:age-secret-key"];
    assert!(age["origin"]
        .as_str()
        .unwrap()
        .contains("gitleaks-8.30-default.toml:"));
    assert_eq!(by_id["gitleaks:github-pat"]["provider"], "github");
    assert_eq!(by_id["gitleaks:github-pat"]["introspection"], true);
    assert!(by_id.keys().any(|id| id.starts_with("github.")));

    let out = blastradius()
        .args(["detectors", "check", "--rules"])
        .arg(fixture(BETTERLEAKS))
        .output()
        .unwrap();
    let text = all_output(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("have no examples"), "{text}");
    assert!(text.contains(", 0 problems"), "{text}");
}

#[test]
fn a_bad_rule_is_an_exit_2_error_naming_file_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("team.toml");
    std::fs::write(
        &rules,
        "title = 't'\n\n[[rules]]\nid = 'backref'\nregex = '''(a)\\1'''\n",
    )
    .unwrap();
    let out = scan(
        &[
            dir.path().to_str().unwrap(),
            "--rules",
            rules.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("team.toml") && err.contains("\"backref\"") && err.contains("line 3"),
        "{err}"
    );
    assert!(err.contains("back-references"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
