//! Replays the fuzz targets' seed corpus (`fuzz/corpus/<target>/`) and every
//! input that once crashed one (`fuzz/regressions/<target>/`) through the
//! same `blastradius::fuzzing` functions the fuzzers call, so regressions are
//! caught by a plain `cargo test` on the stable toolchain.

use std::path::{Path, PathBuf};

/// A fuzz target's entry point.
type Target = fn(&[u8]);

/// Each fuzz target's name (its directory name) and entry point.
const TARGETS: &[(&str, Target)] = &[
    ("detector_file", blastradius::fuzzing::detector_file),
    ("config", blastradius::fuzzing::config),
    ("matcher", blastradius::fuzzing::matcher),
    ("jwt", blastradius::fuzzing::jwt),
    ("macaroon", blastradius::fuzzing::macaroon),
    ("routable", blastradius::fuzzing::routable),
    ("kubeconfig", blastradius::fuzzing::kubeconfig),
    ("gitleaks_regex", blastradius::fuzzing::gitleaks_regex),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files directly under `dir`, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .map(|e| e.expect("reading a corpus directory").path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

/// Runs every file of `fuzz/<kind>/<target>/` through `target`; returns how
/// many ran.
fn replay(kind: &str, name: &str, target: Target) -> usize {
    let dir = fuzz_dir().join(kind).join(name);
    let started = std::time::Instant::now();
    let inputs = files(&dir);
    for file in &inputs {
        let data = std::fs::read(file).expect("reading a corpus file");
        let outcome = std::panic::catch_unwind(|| target(&data));
        assert!(outcome.is_ok(), "{} panicked", file.display());
    }
    eprintln!(
        "{kind}/{name}: {} inputs in {:?}",
        inputs.len(),
        started.elapsed()
    );
    inputs.len()
}

/// One test per target (they run in parallel): its seeds, then its past
/// crash inputs.
macro_rules! replay_tests {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            let name = stringify!($name);
            let target = TARGETS
                .iter()
                .find(|(t, _)| *t == name)
                .map(|&(_, f)| f)
                .expect("listed in TARGETS");
            assert!(replay("corpus", name, target) > 0, "fuzz/corpus/{name} is empty");
            replay("regressions", name, target);
        }
    )*};
}

replay_tests!(
    detector_file,
    config,
    matcher,
    jwt,
    macaroon,
    routable,
    kubeconfig,
    gitleaks_regex
);

/// Every directory under `fuzz/corpus` and `fuzz/regressions` is a target
/// listed here (so no input is silently skipped).
#[test]
fn every_directory_is_a_target() {
    for kind in ["corpus", "regressions"] {
        let Ok(rd) = std::fs::read_dir(fuzz_dir().join(kind)) else {
            continue;
        };
        for dir in rd.map(|e| e.expect("reading fuzz directory").path()) {
            let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            assert!(
                TARGETS.iter().any(|(t, _)| *t == name),
                "{}: no fuzz target named {name:?}",
                dir.display()
            );
        }
    }
}
