//! Self-test of detectors: every example found by its own detector through
//! the real matching pipeline (prefilter, regex, gates), every negative
//! example found by none, every keyword present in every example (so the
//! prefilter can never hide a true positive). Used by the test suite and by
//! `blastradius detectors check` for users' own files.
//!
//! Built-in and `--detectors` detectors must carry examples. Loaded
//! gitleaks/betterleaks rules have none (the format has no place for them):
//! for those, a missing example is a warning, not a problem.

use super::DetectorSet;
use std::collections::BTreeMap;

/// What `detectors check` found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Failures: the check fails when there is any.
    pub problems: Vec<String>,
    /// Worth knowing, never a failure.
    pub warnings: Vec<String>,
}

/// Every problem found, one line each; empty when all is well.
pub fn check(set: &DetectorSet) -> Vec<String> {
    check_all(set).problems
}

/// Problems and warnings of every detector in `set`.
pub fn check_all(set: &DetectorSet) -> CheckReport {
    let mut report = CheckReport::default();
    let problems = &mut report.problems;
    // Loaded rules without examples, counted per origin file.
    let mut untested: BTreeMap<&str, usize> = BTreeMap::new();
    let mut found = Vec::new();
    for (i, d) in set.detectors().iter().enumerate() {
        if d.examples.is_empty() {
            if d.is_native() {
                problems.push(format!("{}: no examples", d.id));
            } else {
                let file = d
                    .origin
                    .rsplit_once(':')
                    .map_or(d.origin.as_str(), |(f, _)| f);
                *untested.entry(file).or_default() += 1;
            }
        }
        if d.keywords.is_empty() && d.report {
            let msg = format!(
                "{}: no keywords (the prefilter cannot skip files for it)",
                d.id
            );
            if d.is_native() {
                problems.push(msg);
            } else {
                report.warnings.push(msg);
            }
        }
        for ex in &d.examples {
            let lower = ex.to_ascii_lowercase();
            for k in &d.keywords {
                if !lower.contains(k.as_str()) {
                    problems.push(format!(
                        "{}: keyword {k:?} missing from example {ex:?}",
                        d.id
                    ));
                }
            }
            found.clear();
            set.find(&d.example_path, ex.as_bytes(), &mut found);
            if !found.iter().any(|m| m.detector == i) {
                let others: Vec<&str> = found
                    .iter()
                    .map(|m| set.get(m.detector).id.as_str())
                    .collect();
                problems.push(format!(
                    "{}: example not found: {ex:?} (found by: {others:?})",
                    d.id
                ));
            }
        }
        for ex in &d.negative_examples {
            found.clear();
            set.find(&d.example_path, ex.as_bytes(), &mut found);
            // Loaded rules may well find what a built-in detector refuses
            // (a bad checksum): only native detectors count here.
            for m in found.iter().filter(|m| set.get(m.detector).is_native()) {
                problems.push(format!(
                    "{}: negative example {ex:?} matched by {}",
                    d.id,
                    set.get(m.detector).id
                ));
            }
        }
    }
    for (file, n) in untested {
        report.warnings.push(format!(
            "{file}: {n} loaded rules have no examples (gitleaks rules carry none); only their syntax was checked"
        ));
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_detectors_pass_their_examples() {
        let set = DetectorSet::builtin().expect("built-in detectors load");
        let problems = check(&set);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn every_builtin_detector_has_a_provider_and_examples() {
        let set = DetectorSet::builtin().unwrap();
        for d in set.detectors() {
            assert!(!d.provider.is_empty(), "{}", d.id);
            assert!(!d.examples.is_empty(), "{}", d.id);
            assert!(
                d.id.starts_with(&format!("{}.", d.provider)),
                "{} is not namespaced by its provider",
                d.id
            );
        }
    }

    #[test]
    fn every_provider_module_has_a_detector() {
        let set = DetectorSet::builtin().unwrap();
        for p in crate::providers::PROVIDERS {
            assert!(
                set.detectors().iter().any(|d| d.provider == p.id()),
                "{} has no detector",
                p.id()
            );
        }
    }
}
