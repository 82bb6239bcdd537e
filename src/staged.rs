//! `--staged`: only the staged content (the index) of the files being
//! committed. (Stub: see issue 6.)

use crate::detectors::DetectorSet;
use crate::scan::{ScanOptions, ScanOutput};
use std::path::Path;

/// Scans the index of the repository containing `dir`.
pub fn scan_staged(
    dir: &Path,
    detectors: &DetectorSet,
    opts: &ScanOptions,
) -> anyhow::Result<ScanOutput> {
    let _ = (dir, detectors, opts);
    anyhow::bail!("--staged is not implemented yet")
}
