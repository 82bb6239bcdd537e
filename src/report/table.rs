//! The table for people: worst first, readable at 100 columns.

use super::{Finding, Report};
use crate::model::Tier;
use comfy_table::{presets::UTF8_HORIZONTAL_ONLY, Cell, CellAlignment, ContentArrangement, Table};
use std::io::Write;

/// Widest the table gets.
pub const WIDTH: u16 = 100;

fn environments(f: &Finding) -> String {
    if f.scope.environments.is_empty() {
        return if f.scope.assumed {
            "unknown (may reach production)".into()
        } else {
            "none listed".into()
        };
    }
    let mut envs = f.scope.environments.clone();
    envs.sort_by_key(|e| e.tier);
    let shown: Vec<String> = envs
        .iter()
        .take(3)
        .map(|e| {
            if e.tier == Tier::Unknown {
                e.name.clone()
            } else {
                format!("{} ({})", e.name, e.tier.as_str())
            }
        })
        .collect();
    let more = envs.len().saturating_sub(3);
    if more > 0 {
        format!("{} +{more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn capabilities(f: &Finding) -> String {
    if f.scope.capabilities.is_empty() {
        return "nothing destructive".into();
    }
    let list: Vec<&str> = f.scope.capabilities.iter().map(|c| c.as_str()).collect();
    let assumed = if f.scope.assumed { " (assumed)" } else { "" };
    format!("{}{assumed}", list.join(", "))
}

fn top_reasons(f: &Finding) -> String {
    let mut rs = f.reasons.clone();
    rs.sort_by(|a, b| b.points.cmp(&a.points));
    rs.iter()
        .filter(|r| r.points > 0)
        .take(3)
        .map(|r| format!("+{} {}", r.points, r.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes the table, the fixes and the summary line.
pub fn write_table(report: &Report, out: &mut dyn Write, color: bool) -> std::io::Result<()> {
    let s = &report.summary;
    if !report.findings.is_empty() {
        let mut table = Table::new();
        table
            .load_preset(UTF8_HORIZONTAL_ONLY)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(WIDTH)
            .set_header(vec!["#", "score", "where / token", "reaches / can / why"]);
        if !color {
            table.force_no_tty();
        }
        for (i, f) in report.findings.iter().enumerate() {
            let who = f
                .scope
                .identity
                .as_deref()
                .map(|i| format!("\n{i}"))
                .unwrap_or_default();
            table.add_row(vec![
                Cell::new(i + 1),
                Cell::new(format!("{}\n{}", f.score, f.severity.as_str()))
                    .set_alignment(CellAlignment::Right),
                Cell::new(format!(
                    "{}:{}\n{} {}\n{} · {}{who}",
                    f.path,
                    f.line,
                    f.provider,
                    f.scope.token_kind,
                    f.secret,
                    f.verification.status.as_str(),
                )),
                Cell::new(format!(
                    "env: {}\ncan: {}\n{}",
                    environments(f),
                    capabilities(f),
                    top_reasons(f)
                )),
            ]);
        }
        writeln!(out, "{table}")?;
        writeln!(out)?;
        for (i, f) in report.findings.iter().enumerate() {
            writeln!(
                out,
                "{}. fix {}:{} — {}",
                i + 1,
                f.path,
                f.line,
                f.remediation
            )?;
        }
        writeln!(out)?;
    }
    let b = &s.by_severity;
    let sk = &s.skipped;
    let skipped: Vec<String> = [
        (sk.binary, "binary"),
        (sk.too_large, "too large"),
        (sk.unreadable, "unreadable"),
        (sk.special, "special (FIFO, socket, device)"),
        (sk.symlink_loop, "symlink loop"),
        (sk.symlink, "symlink not followed"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    let skipped = if skipped.is_empty() {
        String::new()
    } else {
        format!("; skipped {}", skipped.join(", "))
    };
    let verdict = if s.failed {
        format!(
            "FAIL: a finding scores {} ≥ --fail-on {}",
            s.max_score, s.fail_on
        )
    } else {
        format!("pass: nothing scores ≥ --fail-on {}", s.fail_on)
    };
    writeln!(
        out,
        "{} findings ({} critical, {} high, {} medium, {} low) in {} files, {} bytes{skipped}. {verdict}",
        s.findings, b.critical, b.high, b.medium, b.low, s.files_scanned, s.bytes_scanned
    )?;
    let unreadable: Vec<&str> = s
        .skipped_files
        .iter()
        .filter(|f| f.reason == crate::scan::SkipReason::Unreadable)
        .map(|f| f.path.as_str())
        .take(5)
        .collect();
    if !unreadable.is_empty() {
        writeln!(out, "unreadable: {}", unreadable.join(", "))?;
    }
    Ok(())
}
