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
    let mut tiers: Vec<Tier> = f.scope.environments.iter().map(|e| e.tier).collect();
    tiers.sort();
    tiers.dedup();
    let groups: Vec<String> = tiers
        .iter()
        .map(|&t| {
            let names: Vec<&str> = f
                .scope
                .environments
                .iter()
                .filter(|e| e.tier == t)
                .map(|e| e.name.as_str())
                .collect();
            let more = names.len().saturating_sub(2);
            let shown = names[..names.len().min(2)].join(", ");
            let more = if more > 0 {
                format!(" +{more}")
            } else {
                String::new()
            };
            format!("{}: {shown}{more}", t.as_str())
        })
        .collect();
    groups.join("; ")
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
    rs.sort_by_key(|r| std::cmp::Reverse(r.points));
    rs.iter()
        .filter(|r| r.points > 0)
        .take(3)
        .map(|r| format!("+{} {}", r.points, r.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Wraps `text` at word boundaries to `WIDTH` columns; continuation lines
/// are indented by `indent` spaces.
fn wrap(text: &str, indent: usize) -> String {
    let width = usize::from(WIDTH);
    let mut out = String::new();
    let mut line_len = 0;
    for word in text.split(' ') {
        let len = word.chars().count();
        if line_len > 0 && line_len + 1 + len > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            line_len = indent;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += len;
    }
    out
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
            let text = format!("{}. fix {}:{} — {}", i + 1, f.path, f.line, f.remediation);
            writeln!(out, "{}", wrap(&text, 3))?;
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
    let summary = format!(
        "{} findings ({} critical, {} high, {} medium, {} low) in {} files, {} bytes{skipped}. {verdict}",
        s.findings, b.critical, b.high, b.medium, b.low, s.files_scanned, s.bytes_scanned
    );
    writeln!(out, "{}", wrap(&summary, 0))?;
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
