//! SARIF 2.1.0 output for GitHub code scanning. (Stub: see issue 5.)

use super::Report;
use std::io::Write;

/// Writes the report as SARIF 2.1.0.
pub fn write_sarif(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let _ = report;
    writeln!(out, "{{\"version\": \"2.1.0\", \"runs\": []}}")
}
