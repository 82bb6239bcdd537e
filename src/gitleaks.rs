//! gitleaks / betterleaks rule files as detectors. (Stub: see issue 9.)

use crate::detectors::Detector;
use std::path::Path;

/// Loads a gitleaks/betterleaks TOML rule file as detectors.
pub fn load_rules(path: &Path) -> anyhow::Result<Vec<Detector>> {
    let _ = path;
    anyhow::bail!("--rules is not implemented yet")
}
