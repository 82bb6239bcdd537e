//! Baselines: accepted findings, by fingerprint, that do not fail the run.
//! (Stub: see issue 5.)

use crate::report::Finding;
use std::path::Path;

/// Marks findings listed in the baseline at `path`.
pub fn apply(path: &Path, findings: &mut [Finding]) -> anyhow::Result<()> {
    let _ = (path, findings);
    anyhow::bail!("--baseline is not implemented yet")
}

/// Writes the findings to `path` as a baseline.
pub fn write(path: &Path, findings: &[Finding]) -> anyhow::Result<()> {
    let _ = (path, findings);
    anyhow::bail!("--write-baseline is not implemented yet")
}
