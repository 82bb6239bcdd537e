//! SARIF 2.1.0 output for GitHub code scanning.
//!
//! - One `reportingDescriptor` per scoring or policy rule ([`RULES`]), with
//!   the rule's documentation (what it means, why it matters, how to fix
//!   it) as help text.
//! - One result per finding. Its `ruleId` is the rule that adds the most
//!   points to the finding (BR012 for a rejected token), and its message
//!   gives the whole score, what the token reaches and can do, and the fix.
//! - `partialFingerprints` come from the finding fingerprint (detector +
//!   secret, hashed), plus one that also covers the path, so two places of
//!   one secret stay two alerts.
//! - `security-severity` (what GitHub shows as critical/high/medium/low) is
//!   the score divided by ten on each result, and on each rule the highest
//!   of its results (GitHub reads the rule's).
//! - Allowed and baselined findings carry `suppressions`; a baselined
//!   finding is `baselineState: unchanged`, one whose score rose `updated`.
//! - Only redacted secrets exist in a report, so none can reach SARIF.

use super::{AllowedBy, Finding, Report};
use crate::model::Status;
use crate::scoring::{Severity, RULES};
use serde_json::{json, Map, Value};
use std::io::Write;

/// The SARIF schema URI written into the document.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Writes the report as SARIF 2.1.0.
pub fn write_sarif(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_sarif(report))?;
    writeln!(out)
}

/// The SARIF document of a report.
pub fn to_sarif(report: &Report) -> Value {
    let rule_ids: Vec<&str> = report.findings.iter().map(rule_of).collect();
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            let worst = report
                .findings
                .iter()
                .zip(&rule_ids)
                .filter(|(_, id)| **id == r.id)
                .map(|(f, _)| f.score)
                .max();
            let severity = match worst {
                Some(score) => security_severity(score),
                None => format!("{:.1}", (f64::from(r.points.clamp(1, 40)) / 4.0)),
            };
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": format!("{}: {}", r.name, first_sentence(r.what))},
                "fullDescription": {"text": r.what},
                "help": {
                    "text": format!(
                        "What it means\n{}\n\nWhy it matters\n{}\n\nHow to fix it\n{}\n\n\
                         `blastradius explain {}` prints this.",
                        r.what, r.why, r.fix, r.id
                    ),
                    "markdown": format!(
                        "**What it means**\n\n{}\n\n**Why it matters**\n\n{}\n\n\
                         **How to fix it**\n\n{}\n\n`blastradius explain {}` prints this.",
                        r.what, r.why, r.fix, r.id
                    ),
                },
                "defaultConfiguration": {"level": "warning"},
                "properties": {
                    "tags": ["security", "secrets", "blast-radius"],
                    "precision": "high",
                    "security-severity": severity,
                    "points": r.points,
                },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .zip(&rule_ids)
        .map(|(f, id)| result(f, id))
        .collect();
    let s = &report.summary;
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": true}],
            "results": results,
            "properties": {
                "fail_on": s.fail_on,
                "failed": s.failed,
                "failing": s.failing,
                "allowed": s.allowed,
                "baselined": s.baselined,
                "files_scanned": s.files_scanned,
            },
        }],
    })
}

/// The rule a finding is filed under: its biggest reason.
fn rule_of(f: &Finding) -> &'static str {
    if f.verification.status == Status::Invalid {
        return "BR012";
    }
    // The first of the reasons with the most points.
    f.reasons
        .iter()
        .rev()
        .max_by_key(|r| r.points)
        .map_or("BR001", |r| r.rule)
}

fn security_severity(score: u8) -> String {
    format!("{:.1}", f64::from(score.max(1)) / 10.0)
}

fn level(f: &Finding) -> &'static str {
    if f.gate.fails {
        "error"
    } else if f.gate.allowed.is_some() || f.gate.baselined {
        "note"
    } else {
        match f.severity {
            Severity::Critical | Severity::High | Severity::Medium => "warning",
            Severity::Low => "note",
        }
    }
}

fn result(f: &Finding, rule_id: &str) -> Value {
    let rule_index = RULES.iter().position(|r| r.id == rule_id).unwrap_or(0);
    let mut location = Map::new();
    let mut artifact = Map::new();
    artifact.insert("uri".into(), Value::String(uri_reference(&f.path)));
    if !f.path.starts_with("~/") {
        artifact.insert("uriBaseId".into(), Value::String("%SRCROOT%".into()));
    }
    location.insert(
        "physicalLocation".into(),
        json!({
            "artifactLocation": artifact,
            "region": {"startLine": f.line.max(1), "startColumn": f.column.max(1)},
        }),
    );
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(rule_id));
    r.insert("ruleIndex".into(), json!(rule_index));
    r.insert("level".into(), json!(level(f)));
    r.insert("message".into(), json!({"text": message(f)}));
    r.insert("locations".into(), json!([location]));
    r.insert(
        "partialFingerprints".into(),
        json!({
            "blastradiusSecret/v1": f.fingerprint,
            "blastradiusLocation/v1": format!("{}:{}", f.fingerprint, f.path),
        }),
    );
    if f.gate.baseline_score.is_some() {
        let state = if f.gate.baselined {
            "unchanged"
        } else {
            "updated"
        };
        r.insert("baselineState".into(), json!(state));
    }
    let mut suppressions = Vec::new();
    if let Some(a) = &f.gate.allowed {
        let kind = match a.by {
            AllowedBy::Inline => "inSource",
            AllowedBy::Policy => "external",
        };
        let justification = match &a.reason {
            Some(reason) => format!("{}: {reason}", a.source),
            None => a.source.clone(),
        };
        suppressions.push(json!({
            "kind": kind,
            "status": "accepted",
            "justification": justification,
        }));
    }
    if f.gate.baselined {
        suppressions.push(json!({
            "kind": "external",
            "status": "accepted",
            "justification": format!(
                "in the baseline at score {}",
                f.gate.baseline_score.unwrap_or(f.score)
            ),
        }));
    }
    if !suppressions.is_empty() {
        r.insert("suppressions".into(), Value::Array(suppressions));
    }
    let reasons: Vec<Value> = f
        .reasons
        .iter()
        .map(|x| json!({"rule": x.rule, "points": x.points, "message": x.message}))
        .collect();
    r.insert(
        "properties".into(),
        json!({
            "security-severity": security_severity(f.score),
            "score": f.score,
            "severity": f.severity.as_str(),
            "fails": f.gate.fails,
            "detector": f.detector,
            "provider": f.provider,
            "secret": f.secret,
            "verification": f.verification.status.as_str(),
            "token_kind": f.scope.token_kind,
            "capabilities": f.scope.capabilities.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "environments": f.scope.environments.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            "location": f.exposure.location,
            "commit": f.gate.commit,
            "allowed": f.gate.allowed,
            "baselined": f.gate.baselined,
            "expired_allows": f.gate.expired_allows,
            "reasons": reasons,
            "remediation": f.remediation,
        }),
    );
    Value::Object(r)
}

/// The result message: score, token, reach, capabilities, reasons, fix.
fn message(f: &Finding) -> String {
    let mut reach: Vec<String> = f
        .scope
        .environments
        .iter()
        .map(|e| format!("{} ({})", e.name, e.tier.as_str()))
        .collect();
    if reach.is_empty() {
        reach.push(if f.scope.assumed {
            "unknown environments (may reach production)".into()
        } else {
            "no listed environment".into()
        });
    }
    let can = if f.scope.capabilities.is_empty() {
        "nothing destructive".to_string()
    } else {
        let caps: Vec<&str> = f.scope.capabilities.iter().map(|c| c.as_str()).collect();
        caps.join(", ")
    };
    let assumed = if f.scope.assumed { " (assumed)" } else { "" };
    let mut why: Vec<&crate::scoring::Reason> = f.reasons.iter().filter(|r| r.points > 0).collect();
    why.sort_by_key(|r| std::cmp::Reverse(r.points));
    let why: Vec<String> = why
        .iter()
        .map(|r| format!("+{} {} {}", r.points, r.rule, r.message))
        .collect();
    let commit = f
        .gate
        .commit
        .as_deref()
        .map_or_else(String::new, |c| format!(" Introduced in commit {c}."));
    format!(
        "Blast radius {}/100 ({}): {} {} {} ({}). Reaches {}; can {}{assumed}. Why: {}.{commit} Fix: {}",
        f.score,
        f.severity.as_str(),
        f.provider,
        f.scope.token_kind,
        f.secret,
        f.verification.status.as_str(),
        reach.join(", "),
        can,
        why.join("; "),
        f.remediation
    )
}

fn first_sentence(s: &str) -> &str {
    s.split_inclusive(". ").next().unwrap_or(s).trim_end()
}

/// A relative path as a URI reference: unreserved characters and `/` kept,
/// everything else percent-encoded.
fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::finding;
    use crate::report::Allowed;
    use crate::scan::ScanOutput;

    fn report(findings: Vec<Finding>) -> Report {
        Report::new(findings, &ScanOutput::default(), 70)
    }

    #[test]
    fn one_rule_per_lint_rule_and_results_point_at_them() {
        let doc = to_sarif(&report(vec![finding()]));
        let run = &doc["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), RULES.len());
        let r = &run["results"][0];
        assert_eq!(r["ruleId"], "BR040");
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], "BR040");
        assert_eq!(rules[idx]["properties"]["security-severity"], "8.6");
        assert!(rules[idx]["help"]["text"]
            .as_str()
            .unwrap()
            .contains("How to fix it"));
        assert_eq!(r["level"], "error");
        assert_eq!(
            r["partialFingerprints"]["blastradiusSecret/v1"],
            "0123456789abcdef0123456789abcdef"
        );
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert_eq!(
            (region["startLine"].as_u64(), region["startColumn"].as_u64()),
            (Some(3), Some(17))
        );
        let text = r["message"]["text"].as_str().unwrap();
        assert!(
            text.contains("86/100") && text.contains("production"),
            "{text}"
        );
    }

    #[test]
    fn allowed_and_baselined_results_are_suppressed_notes() {
        let mut a = finding();
        a.gate.allowed = Some(Allowed {
            by: AllowedBy::Inline,
            source: "gitleaks:allow".into(),
            reason: Some("fixture".into()),
            expires: None,
        });
        let mut b = finding();
        b.path = "b.sh".into();
        b.gate.baselined = true;
        b.gate.baseline_score = Some(95);
        let mut c = finding();
        c.path = "c with space.sh".into();
        c.gate.baseline_score = Some(50);
        let doc = to_sarif(&report(vec![a, b, c]));
        let rs = doc["runs"][0]["results"].as_array().unwrap();
        assert_eq!(rs[0]["level"], "note");
        assert_eq!(rs[0]["suppressions"][0]["kind"], "inSource");
        assert_eq!(rs[1]["baselineState"], "unchanged");
        assert_eq!(rs[1]["suppressions"][0]["kind"], "external");
        assert_eq!(rs[2]["baselineState"], "updated");
        assert_eq!(rs[2]["level"], "error");
        assert_eq!(
            rs[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "c%20with%20space.sh"
        );
    }
}
