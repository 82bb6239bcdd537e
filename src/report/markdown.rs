//! Markdown summary for a pull-request comment or `$GITHUB_STEP_SUMMARY`:
//! the verdict, counts by severity, each failing finding with what it
//! reaches, what it can do, why it scores what it scores and the fix, and
//! the rest (allowed, baselined, below the threshold) folded away.
//!
//! Text from the scanned files (paths, variable names) is escaped, so a
//! file name cannot inject Markdown or HTML into the comment.

use super::{Finding, Report};
use std::io::Write;

/// Most failing findings shown in full (GitHub comments are limited in size).
const MAX_FAILING: usize = 50;
/// Most other findings listed.
const MAX_OTHERS: usize = 100;

/// Writes the report as Markdown.
pub fn write_markdown(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let s = &report.summary;
    if s.failed {
        writeln!(
            out,
            "## blastradius: ❌ {} finding{} fail{} (`--fail-on {}`)\n",
            s.failing,
            plural(s.failing),
            if s.failing == 1 { "s" } else { "" },
            s.fail_on
        )?;
    } else {
        writeln!(
            out,
            "## blastradius: ✅ pass (nothing fails at `--fail-on {}`)\n",
            s.fail_on
        )?;
    }
    let b = &s.by_severity;
    writeln!(
        out,
        "| critical | high | medium | low | failing | allowed | baselined |"
    )?;
    writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|")?;
    writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} |\n",
        b.critical, b.high, b.medium, b.low, s.failing, s.allowed, s.baselined
    )?;
    let mut facts = vec![format!(
        "{} finding{} in {} file{} scanned",
        s.findings,
        plural(s.findings),
        s.files_scanned,
        plural(s.files_scanned as usize)
    )];
    if s.expired_allows > 0 {
        facts.push(format!(
            "⚠️ {} finding{} matched an expired allow entry",
            s.expired_allows,
            plural(s.expired_allows)
        ));
    }
    writeln!(out, "{}.\n", facts.join("; "))?;

    let failing: Vec<&Finding> = report.findings.iter().filter(|f| f.gate.fails).collect();
    if !failing.is_empty() {
        writeln!(out, "### Failing findings\n")?;
        for (i, f) in failing.iter().take(MAX_FAILING).enumerate() {
            write_finding(out, i + 1, f)?;
        }
        if failing.len() > MAX_FAILING {
            writeln!(
                out,
                "…and {} more failing findings (see the JSON or SARIF report).\n",
                failing.len() - MAX_FAILING
            )?;
        }
    }
    let others: Vec<&Finding> = report.findings.iter().filter(|f| !f.gate.fails).collect();
    if !others.is_empty() {
        writeln!(
            out,
            "<details><summary>{} other finding{} (allowed, baselined or below the threshold)</summary>\n",
            others.len(),
            plural(others.len())
        )?;
        writeln!(out, "| score | where | token | status |")?;
        writeln!(out, "|---:|---|---|---|")?;
        for f in others.iter().take(MAX_OTHERS) {
            writeln!(
                out,
                "| {} {} | {} | {} {} {} | {} |",
                f.score,
                f.severity.as_str(),
                code(&format!("{}:{}", f.path, f.line)),
                text(&f.provider),
                text(&f.scope.token_kind),
                code(&f.secret),
                text(&status(f)),
            )?;
        }
        if others.len() > MAX_OTHERS {
            writeln!(out, "\n…and {} more.", others.len() - MAX_OTHERS)?;
        }
        writeln!(out, "\n</details>\n")?;
    }
    writeln!(
        out,
        "<sub>blastradius {}. `blastradius explain BRnnn` documents each rule.</sub>",
        report.tool.version
    )
}

fn write_finding(out: &mut dyn Write, n: usize, f: &Finding) -> std::io::Result<()> {
    writeln!(
        out,
        "**{n}. {} — {} {}** · {} {} {} ({})\n",
        code(&format!("{}:{}", f.path, f.line)),
        f.score,
        f.severity.as_str(),
        text(&f.provider),
        text(&f.scope.token_kind),
        code(&f.secret),
        f.verification.status.as_str(),
    )?;
    let mut reach: Vec<String> = f
        .scope
        .environments
        .iter()
        .map(|e| format!("{} ({})", text(&e.name), e.tier.as_str()))
        .collect();
    if reach.is_empty() {
        reach.push(if f.scope.assumed {
            "unknown environments: may reach production".into()
        } else {
            "no listed environment".into()
        });
    }
    let resources = if f.scope.resources.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = f.scope.resources.iter().take(5).map(|r| text(r)).collect();
        format!("; {}", list.join(", "))
    };
    writeln!(out, "- **Reaches:** {}{resources}", reach.join(", "))?;
    let can = if f.scope.capabilities.is_empty() {
        "nothing destructive".to_string()
    } else {
        let caps: Vec<&str> = f.scope.capabilities.iter().map(|c| c.as_str()).collect();
        let assumed = if f.scope.assumed { " (assumed)" } else { "" };
        format!("{}{assumed}", caps.join(", "))
    };
    writeln!(out, "- **Can:** {can}")?;
    let mut why: Vec<&crate::scoring::Reason> = f.reasons.iter().filter(|r| r.points > 0).collect();
    why.sort_by_key(|r| std::cmp::Reverse(r.points));
    let why: Vec<String> = why
        .iter()
        .map(|r| format!("+{} `{}` {}", r.points, r.rule, text(&r.message)))
        .collect();
    writeln!(out, "- **Why:** {}", why.join("; "))?;
    if let Some(c) = &f.gate.commit {
        writeln!(out, "- **Introduced in:** {}", code(c))?;
    }
    if let Some(b) = f.gate.baseline_score {
        writeln!(
            out,
            "- **Baseline:** accepted at score {b}, now {}: it fails again",
            f.score
        )?;
    }
    for e in &f.gate.expired_allows {
        writeln!(
            out,
            "- **Expired allow:** {} ended on {} ({})",
            text(&e.source),
            e.expired,
            text(&e.reason)
        )?;
    }
    writeln!(out, "- **Fix:** {}\n", text(&f.remediation))
}

/// Why a non-failing finding does not fail.
fn status(f: &Finding) -> String {
    if let Some(a) = &f.gate.allowed {
        let reason = a
            .reason
            .as_deref()
            .map_or_else(String::new, |r| format!(": {r}"));
        return format!("allowed by {}{reason}", a.source);
    }
    if f.gate.baselined {
        return "baselined".into();
    }
    "below the threshold".into()
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Escapes Markdown and HTML in plain text (and keeps table cells whole).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A code span that survives backticks and pipes in its content.
fn code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ").replace('|', "\\|");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest > 0 || s.starts_with('`') || s.ends_with('`') {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::finding;
    use crate::report::{Allowed, AllowedBy};
    use crate::scan::ScanOutput;

    fn render(findings: Vec<Finding>) -> String {
        let report = Report::new(findings, &ScanOutput::default(), 70);
        let mut out = Vec::new();
        write_markdown(&report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn failing_findings_show_reach_capabilities_and_fix() {
        let mut allowed = finding();
        allowed.path = "docs/<b>x|y</b>.md".into();
        allowed.gate.allowed = Some(Allowed {
            by: AllowedBy::Inline,
            source: "blastradius:allow".into(),
            reason: Some("docs example".into()),
            expires: None,
        });
        let md = render(vec![finding(), allowed]);
        assert!(md.contains("❌ 1 finding fails"), "{md}");
        assert!(md.contains("| 0 | 2 | 0 | 0 | 1 | 1 | 0 |"), "{md}");
        assert!(
            md.contains("**Reaches:** production (production); volume pg-data"),
            "{md}"
        );
        assert!(md.contains("**Can:** delete-data, delete-backups"), "{md}");
        assert!(
            md.contains("**Fix:** Use a project token for staging."),
            "{md}"
        );
        assert!(
            md.contains("allowed by blastradius:allow: docs example"),
            "{md}"
        );
        assert!(md.contains("`docs/<b>x\\|y</b>.md:3`"), "{md}");
    }

    #[test]
    fn a_clean_run_passes() {
        let md = render(vec![]);
        assert!(md.contains("✅ pass"), "{md}");
        assert!(!md.contains("Failing findings"));
    }

    #[test]
    fn text_cannot_inject_html_or_break_tables() {
        assert_eq!(text("<script>|*x*"), "&lt;script&gt;\\|\\*x\\*");
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code("ab"), "`ab`");
    }
}
