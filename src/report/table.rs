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

/// The three heaviest reasons, plus the ones a reader must always see: why
/// a token was not verified or was rejected, and a context mismatch.
fn top_reasons(f: &Finding) -> String {
    const ALWAYS: [&str; 3] = ["BR011", "BR012", "BR050"];
    let mut rs = f.reasons.clone();
    rs.sort_by_key(|r| std::cmp::Reverse(r.points));
    let mut shown: Vec<&crate::scoring::Reason> =
        rs.iter().filter(|r| r.points > 0).take(3).collect();
    for r in rs.iter().filter(|r| ALWAYS.contains(&r.rule)) {
        if !shown.iter().any(|s| s.rule == r.rule) {
            shown.push(r);
        }
    }
    shown
        .iter()
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

/// "allowed" / "baselined" under the score of a finding that does not fail.
fn gate_mark(f: &Finding) -> &'static str {
    if f.gate.allowed.is_some() {
        "\nallowed"
    } else if f.gate.baselined {
        "\nbaselined"
    } else {
        ""
    }
}

/// What the gate says about a finding, one line each.
fn gate_notes(f: &Finding) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(a) = &f.gate.allowed {
        let reason = a
            .reason
            .as_deref()
            .map_or_else(String::new, |r| format!(": {r}"));
        notes.push(format!("allowed by {}{reason}", a.source));
    }
    for e in &f.gate.expired_allows {
        notes.push(format!(
            "{} expired on {} and no longer applies ({})",
            e.source, e.expired, e.reason
        ));
    }
    match f.gate.baseline_score {
        Some(b) if f.gate.baselined => notes.push(format!("baselined (accepted at score {b})")),
        Some(b) => notes.push(format!(
            "in the baseline at score {b}, now {}: it fails again",
            f.score
        )),
        None => {}
    }
    if let Some(c) = &f.gate.commit {
        notes.push(format!("introduced in commit {c}"));
    }
    notes
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
                Cell::new(format!(
                    "{}\n{}{}",
                    f.score,
                    f.severity.as_str(),
                    gate_mark(f)
                ))
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
            for note in gate_notes(f) {
                // Wrapped as if indented, then indented (wrap drops leading spaces).
                let wrapped = wrap(&format!("\u{0}\u{0}\u{0}{note}"), 3);
                writeln!(out, "{}", wrapped.replacen("\u{0}\u{0}\u{0}", "   ", 1))?;
            }
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
    let accepted: Vec<String> = [(s.allowed, "allowed"), (s.baselined, "baselined")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    let accepted = if accepted.is_empty() {
        String::new()
    } else {
        format!(" ({} not counted)", accepted.join(", "))
    };
    let verdict = if s.failed {
        let worst = report
            .findings
            .iter()
            .filter(|f| f.gate.fails)
            .map(|f| f.score)
            .max()
            .unwrap_or(s.max_score);
        format!(
            "FAIL: {} finding{} score ≥ --fail-on {} (worst {worst}){accepted}",
            s.failing,
            if s.failing == 1 { "" } else { "s" },
            s.fail_on
        )
    } else {
        format!("pass: nothing fails at --fail-on {}{accepted}", s.fail_on)
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
