//! `--home`: the credential stores in $HOME that an agent running as the
//! user can read. (Stub: see issue 6.)

use crate::detectors::DetectorSet;
use crate::scan::{ScanOptions, ScanOutput};
use std::path::Path;

/// Scans the known credential stores under `home`; paths show as `~/…`.
pub fn scan_home(home: &Path, detectors: &DetectorSet, opts: &ScanOptions) -> ScanOutput {
    let _ = (home, detectors, opts);
    ScanOutput::default()
}
