//! Markdown summary for pull requests. (Stub: see issue 5.)

use super::Report;
use std::io::Write;

/// Writes the report as Markdown.
pub fn write_markdown(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "# blastradius\n\n{} findings", report.summary.findings)
}
