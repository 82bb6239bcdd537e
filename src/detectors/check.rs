//! Self-test of detectors: every example found by its own detector through
//! the real matching pipeline (prefilter, regex, gates), every negative
//! example found by none, every keyword present in every example (so the
//! prefilter can never hide a true positive). Used by the test suite and by
//! `blastradius detectors check` for users' own files.

use super::DetectorSet;

/// Every problem found, one line each; empty when all is well.
pub fn check(set: &DetectorSet) -> Vec<String> {
    let mut problems = Vec::new();
    let mut found = Vec::new();
    for (i, d) in set.detectors().iter().enumerate() {
        if d.examples.is_empty() {
            problems.push(format!("{}: no examples", d.id));
        }
        if d.keywords.is_empty() {
            problems.push(format!(
                "{}: no keywords (the prefilter cannot skip files for it)",
                d.id
            ));
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
            for m in &found {
                problems.push(format!(
                    "{}: negative example {ex:?} matched by {}",
                    d.id,
                    set.get(m.detector).id
                ));
            }
        }
    }
    problems
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
