//! The blast-radius score: the sum, capped at 100, of the points of the
//! reasons shown with a finding. Every reason is a documented rule
//! ([`RULES`], printed by `blastradius explain`).
//!
//! The score has five parts, each bounded so that the worst token found in
//! a neutral place scores at most 94 and a context mismatch still adds on
//! top of it: exposure (≤ 10), verification (≤ 12), breadth (≤ 16),
//! environment reach (≤ 16), destruction (≤ 40), context mismatch (6).

use crate::context::TierHint;
use crate::exposure::{Exposure, Location};
use crate::model::{Breadth, Capability, ScopeFacts, Status, Tier};
use serde::Serialize;

/// A documented scoring rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, `BR` + three digits.
    pub id: &'static str,
    /// Short kebab-case name.
    pub name: &'static str,
    /// Points it adds.
    pub points: i32,
    /// What it means.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

/// One reason in a finding's score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The rule id.
    pub rule: &'static str,
    /// Points added.
    pub points: i32,
    /// What was found.
    pub message: String,
}

/// A score with its reasons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Score {
    /// 0–100.
    pub total: u8,
    /// The reasons; their points sum to `total` (before the cap).
    pub reasons: Vec<Reason>,
}

/// Severity bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// < 40.
    Low,
    /// 40–69.
    Medium,
    /// 70–89.
    High,
    /// ≥ 90.
    Critical,
}

impl Severity {
    /// The band of a score.
    pub fn of(score: u8) -> Severity {
        match score {
            90.. => Severity::Critical,
            70..=89 => Severity::High,
            40..=69 => Severity::Medium,
            _ => Severity::Low,
        }
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

macro_rules! rule {
    ($id:literal, $name:literal, $points:expr, $what:literal, $why:literal, $fix:literal) => {
        Rule {
            id: $id,
            name: $name,
            points: $points,
            what: $what,
            why: $why,
            fix: $fix,
        }
    };
}

/// Every scoring rule.
pub static RULES: &[Rule] = &[
    rule!("BR001", "agent-readable", 10,
        "The token sits in a file an AI coding agent working here can read: in the workspace (git-tracked, untracked or git-ignored alike) or in a credential store in $HOME.",
        "Agents search the workspace when they are stuck. A git-ignored .env file is no protection: the agent can cat it, and will use what it finds.",
        "Move the token out of the agent's reach: a secret manager, CI secrets, or an environment the agent does not inherit. Give the agent only a narrow token for its task."),
    rule!("BR002", "agent-deny-listed", 4,
        "The file is hidden from some agents' file tools by a deny-list (.cursorignore, .aiderignore, .geminiignore, .codeiumignore, Claude Code permissions.deny Read rules).",
        "A deny-list lowers the exposure but does not remove it: a shell command (cat, grep, env) still reads the file.",
        "Keep the deny-list, and also move the token out of the workspace."),
    rule!("BR010", "verified-live", 12,
        "The provider accepted the token on a read-only call: it works today.",
        "A live token is a loaded gun, not a historical leak.",
        "Revoke or rotate it after replacing it with a narrower one."),
    rule!("BR011", "unverified", 8,
        "The token was not verified (--offline, or the provider could not answer). It is scored as the worst plausible token of its format.",
        "An unverified token must not pass silently: if it is live, it is as dangerous as its format allows.",
        "Run without --offline where the provider is reachable to learn what it really is, or replace it."),
    rule!("BR012", "rejected", 0,
        "The provider rejected the token: revoked, expired or mistyped.",
        "It cannot do harm today, but it shows where tokens are kept, and a rotated token's successor often lands in the same place.",
        "Delete it from the file."),
    rule!("BR020", "account-wide", 16,
        "The token acts as a whole account: everything its owner can reach, across workspaces or organisations.",
        "An account token has no project, environment or operation scoping. A token made \"to manage custom domains\" can delete production.",
        "Mint a token scoped to the one project and environment the task needs, and revoke this one."),
    rule!("BR021", "workspace-wide", 14,
        "The token reaches a whole workspace, team or organisation.",
        "Every project in the workspace, production included, is in reach.",
        "Use a project- or environment-scoped token instead."),
    rule!("BR022", "multi-project", 9,
        "The token is limited to named projects or repositories.",
        "Narrower than an account, but every listed project is in reach.",
        "Limit it to the one project the task needs."),
    rule!("BR023", "single-environment", 5,
        "The token reaches exactly one environment of one project.",
        "This is the narrowest kind most providers offer.",
        "Make sure the environment is the one the task needs, not production."),
    rule!("BR030", "reaches-production", 16,
        "The token reaches a production environment (a primary environment, an environment named production, live mode).",
        "Production holds real users' data; mistakes there are incidents.",
        "Give agents tokens for staging or development environments only."),
    rule!("BR031", "reach-unknown", 12,
        "Which environments the token reaches is not known; it may reach production.",
        "Unknown reach is scored close to production reach so that it cannot pass silently.",
        "Verify the token (run without --offline) or replace it with an environment-scoped one."),
    rule!("BR032", "reaches-staging", 7,
        "The token reaches staging environments, not production.",
        "Staging is often shared and sometimes holds copies of production data.",
        "Scope the token to the single environment the task needs."),
    rule!("BR033", "reaches-dev-or-test", 3,
        "The token reaches only development, preview or test-mode environments.",
        "Little real harm is possible there.",
        "Nothing urgent; keep it out of production contexts."),
    rule!("BR040", "delete-data-and-backups", 34,
        "The token can delete data and its backups (for example Railway volumeDelete, which wipes a volume and every backup stored with it).",
        "Deleting data and its backups is unrecoverable: this is the nine-second production outage.",
        "Replace it with a token that cannot delete volumes, databases or backups; keep backups outside the token's reach."),
    rule!("BR041", "delete-data", 26,
        "The token can delete data: databases, volumes, buckets, tables, repositories' contents.",
        "Deleted data may be restorable from backups, at the cost of an outage.",
        "Use a read-only or deploy-only token."),
    rule!("BR042", "move-money", 26,
        "The token can move money: live payments, refunds, payouts.",
        "Money moved is hard to bring back.",
        "Use a test-mode key or a restricted key without write access to payments."),
    rule!("BR043", "delete-infra", 20,
        "The token can delete infrastructure: projects, services, environments, apps, repositories, zones.",
        "Deleted infrastructure takes the service down until it is rebuilt.",
        "Use a token without admin rights."),
    rule!("BR044", "manage-access", 20,
        "The token can manage access: create tokens, change members, roles or IAM.",
        "Access management turns one leaked token into persistent access for whoever holds it.",
        "Use a token without admin or IAM rights."),
    rule!("BR045", "publish-packages", 20,
        "The token can publish packages.",
        "A malicious release reaches every user of the package: a supply-chain incident.",
        "Use trusted publishing from CI, or a token scoped to one package."),
    rule!("BR046", "deploy-or-secrets", 14,
        "The token can change running code or configuration, or read and change secrets and environment variables.",
        "A deploy or a changed variable changes what runs in front of users.",
        "Use a read-only token where the task only reads."),
    rule!("BR047", "send-messages", 12,
        "The token can send email, SMS or chat messages to customers or staff.",
        "Messages sent in your name cannot be unsent (phishing, spam, leaks).",
        "Use a token limited to a sandbox or to reading."),
    rule!("BR048", "read-data", 8,
        "The token can read customer data.",
        "Reading is not destroying, but data an agent reads can leak into logs, prompts and commits.",
        "Use a token without access to customer data."),
    rule!("BR049", "more-capabilities", 2,
        "Each further destructive capability beyond the worst one (at most three counted).",
        "More ways to do harm, more ways for an agent to stumble into one.",
        "Narrow the token's scopes to what the task needs."),
    rule!("BR050", "context-mismatch", 6,
        "The token was found in a staging, development or test context (file name, directory or variable name) but reaches production.",
        "The agent was not meant to touch production: a task on staging that holds a production-capable token is how production gets deleted by mistake.",
        "Replace it with a token for the environment its context names."),
    // BR100–BR199: the policy's token-scope requirements ([[require]] in
    // blastradius.toml). They add points only where a policy asks for them.
    rule!("BR100", "broader-than-policy", 25,
        "The token is broader than the policy allows for it: a [[require]] entry in blastradius.toml sets max_breadth (account > workspace > project > environment) for its provider, detector or path, and this token reaches more. Unverified tokens are judged by the worst plausible kind of their format.",
        "The team decided that tokens of this kind must be narrow here (\"Railway tokens in this repository must be project tokens\"); a broader one reaches projects and environments the task never needed.",
        "Replace it with a token of the allowed breadth (a project or environment token), and revoke this one."),
    rule!("BR101", "production-token-agent-readable", 25,
        "The token reaches production (or, unverified, may reach it) and an agent can read it: it is not hidden by any agent deny-list the policy counts ([[require]] forbid_agent_readable_production).",
        "A production-capable token in an agent's reach is how a task on staging ends with production deleted.",
        "Move the token out of the workspace (a secret manager, CI secrets), or hide the file with a deny-list the policy counts ([agents] deny_lists) and replace the token with a non-production one."),
    rule!("BR102", "token-without-expiry", 25,
        "The policy requires this token to expire ([[require]] must_expire) and it has no expiry date, or its expiry is not known because it was not verified.",
        "A token that never expires stays dangerous long after the task that needed it, in every copy, backup and history that holds it.",
        "Mint a token with an expiry date (for GitHub, a fine-grained token with an expiration) and revoke this one."),
    rule!("BR103", "forbidden-capability", 25,
        "The token has a capability the policy forbids ([[require]] forbid_capabilities), for example delete-backups.",
        "The team decided that no token in reach of an agent may do this at all, whatever else it can do.",
        "Replace it with a token without that permission; keep such tokens out of the workspace."),
    rule!("BR060", "canary-token", 0,
        "The key belongs to a known canary-token account (canarytokens.org or a look-alike): it grants nothing, and any API call made with it alerts whoever planted it. blastradius recognises it offline, from the account id encoded in the key id, and sends nothing.",
        "A canary is a tripwire, not a credential: its only power is to raise an alarm. An agent that finds and tries it triggers an incident response for your team.",
        "Leave it if your team planted it, and make sure no agent, script or CI job uses it; if nobody knows why it is there, ask your security team before deleting it."),
];

/// Marks a canary token in [`ScopeFacts::token_kind`]: such findings are
/// scored by exposure and rule BR060 only.
pub const CANARY_MARK: &str = "canary token";

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// A reason for rule `id` with the rule's default points (0 for an unknown id).
pub fn reason(id: &'static str, message: String) -> Reason {
    let points = rule(id).map_or(0, |r| r.points);
    Reason {
        rule: id,
        points,
        message,
    }
}

/// The destructive classes, worst first: the rule and the capabilities it
/// covers. A class applies when the token has any of them, except BR040,
/// which needs both data and backups.
const CLASSES: [(&str, &[Capability]); 9] = [
    (
        "BR040",
        &[Capability::DeleteData, Capability::DeleteBackups],
    ),
    ("BR041", &[Capability::DeleteData]),
    ("BR042", &[Capability::MoveMoney]),
    ("BR043", &[Capability::DeleteInfra]),
    ("BR044", &[Capability::ManageAccess]),
    ("BR045", &[Capability::PublishPackages]),
    ("BR046", &[Capability::Deploy, Capability::WriteSecrets]),
    ("BR047", &[Capability::SendMessages]),
    ("BR048", &[Capability::ReadData]),
];

/// Scores one finding.
pub fn score(
    exposure: &Exposure,
    hint: Option<&TierHint>,
    status: Status,
    facts: &ScopeFacts,
) -> Score {
    let mut reasons = Vec::new();
    if exposure.location == Location::Home {
        reasons.push(reason(
            "BR001",
            "in a credential store in $HOME that an agent running as you can read".into(),
        ));
    } else if exposure.location == Location::History {
        reasons.push(reason(
            "BR001",
            "in git history: `git log -p` shows it to an agent in the workspace".into(),
        ));
    } else if !exposure.agent_ignored_by.is_empty() {
        reasons.push(reason(
            "BR002",
            format!(
                "hidden from some agents by {}, still readable by a shell command",
                exposure.agent_ignored_by.join(", ")
            ),
        ));
    } else {
        let git = match exposure.git {
            crate::exposure::GitStatus::Tracked => "committed to git",
            crate::exposure::GitStatus::Untracked => "untracked",
            crate::exposure::GitStatus::Ignored => "git-ignored, still readable",
            crate::exposure::GitStatus::None => "not in git",
        };
        reasons.push(reason(
            "BR001",
            format!("readable by an agent in the workspace ({git})"),
        ));
    }
    if facts.token_kind.contains(CANARY_MARK) {
        reasons.push(reason(
            "BR060",
            format!("{}; no call was made", facts.token_kind),
        ));
        return finish(reasons);
    }
    match status {
        Status::Live => reasons.push(reason("BR010", "the provider accepted it".into())),
        Status::Invalid => {
            reasons.push(reason("BR012", "the provider rejected it".into()));
            return finish(reasons);
        }
        Status::Unknown | Status::Skipped => reasons.push(reason(
            "BR011",
            format!(
                "not verified ({}); scored as the worst plausible {}",
                status.as_str(),
                facts.token_kind
            ),
        )),
    }
    let assumed = if facts.assumed { " (assumed)" } else { "" };
    match facts.breadth.unwrap_or(Breadth::Account) {
        Breadth::Account | Breadth::Unknown => reasons.push(reason(
            "BR020",
            format!("{}: account-wide{assumed}", facts.token_kind),
        )),
        Breadth::Workspace => reasons.push(reason(
            "BR021",
            format!("{}: a whole workspace{assumed}", facts.token_kind),
        )),
        Breadth::Project => reasons.push(reason(
            "BR022",
            format!("{}: limited to named projects", facts.token_kind),
        )),
        Breadth::Environment => reasons.push(reason(
            "BR023",
            format!("{}: one environment", facts.token_kind),
        )),
    }
    let tier = facts.highest_tier().filter(|t| *t != Tier::Unknown);
    let names = |t: Tier| -> String {
        let list: Vec<&str> = facts
            .environments
            .iter()
            .filter(|e| e.tier == t)
            .map(|e| e.name.as_str())
            .take(3)
            .collect();
        list.join(", ")
    };
    match tier {
        Some(Tier::Production) => reasons.push(reason(
            "BR030",
            format!("reaches production: {}", names(Tier::Production)),
        )),
        Some(Tier::Staging) => reasons.push(reason(
            "BR032",
            format!("reaches staging only: {}", names(Tier::Staging)),
        )),
        Some(t @ (Tier::Development | Tier::Test)) => reasons.push(reason(
            "BR033",
            format!("reaches {} only: {}", t.as_str(), names(t)),
        )),
        _ => reasons.push(reason(
            "BR031",
            "environments unknown: may reach production".into(),
        )),
    }
    let caps = &facts.capabilities;
    let top = CLASSES.iter().find(|(id, covers)| {
        if *id == "BR040" {
            covers.iter().all(|c| caps.contains(c))
        } else {
            covers.iter().any(|c| caps.contains(c))
        }
    });
    if let Some((id, covered)) = top {
        let mut r = reason(id, describe(covered, caps, assumed));
        if matches!(tier, Some(Tier::Development | Tier::Test)) {
            r.points /= 2;
            r.message
                .push_str(" — in non-production environments only, points halved");
        }
        reasons.push(r);
        let extra: Vec<&str> = caps
            .iter()
            .filter(|c| !covered.contains(c))
            .map(|c| c.as_str())
            .collect();
        if !extra.is_empty() {
            let n = extra.len().min(3) as i32;
            let mut r = reason("BR049", format!("also: {}", extra.join(", ")));
            r.points *= n;
            reasons.push(r);
        }
    }
    if let Some(h) = hint {
        let mismatch = matches!(h.tier, Tier::Staging | Tier::Development | Tier::Test)
            && tier == Some(Tier::Production)
            && !facts.assumed;
        if mismatch {
            reasons.push(reason(
                "BR050",
                format!(
                    "found in a {} context ({}) but reaches production",
                    h.tier.as_str(),
                    h.source
                ),
            ));
        }
    }
    finish(reasons)
}

fn describe(
    covered: &[Capability],
    caps: &std::collections::BTreeSet<Capability>,
    assumed: &str,
) -> String {
    let present: Vec<&str> = covered
        .iter()
        .filter(|c| caps.contains(c))
        .map(|c| c.as_str())
        .collect();
    format!("can {}{assumed}", present.join(" and "))
}

fn finish(reasons: Vec<Reason>) -> Score {
    Score {
        total: total(&reasons),
        reasons,
    }
}

/// The score of `reasons`: the sum of their points, capped to 0–100.
pub fn total(reasons: &[Reason]) -> u8 {
    let sum: i32 = reasons.iter().map(|r| r.points).sum();
    sum.clamp(0, 100) as u8
}

/// A policy's setting for one rule (`[rules.BRnnn]` in `blastradius.toml`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleSetting {
    /// The rule adds no points; its reasons stay listed with 0 points.
    Disabled,
    /// The rule adds these points instead of its default. A reason that
    /// counts the rule several times (BR049) or halves it (non-production
    /// destruction) is scaled in proportion.
    Points(i32),
}

/// Applies per-rule settings to `reasons` (each reason's message says what
/// the policy changed) and returns the new total.
pub fn apply_settings(reasons: &mut [Reason], setting: impl Fn(&str) -> Option<RuleSetting>) -> u8 {
    for r in reasons.iter_mut() {
        match setting(r.rule) {
            None => {}
            Some(RuleSetting::Disabled) => {
                r.points = 0;
                r.message.push_str(" [rule disabled by policy]");
            }
            Some(RuleSetting::Points(p)) => {
                let default = rule(r.rule).map_or(0, |d| d.points);
                r.points = if default == 0 {
                    p
                } else {
                    r.points * p / default
                };
                r.message
                    .push_str(&format!(" [{} set to {p} points by policy]", r.rule));
            }
        }
    }
    total(reasons)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposure::GitStatus;
    use crate::model::Environment;

    fn exposure() -> Exposure {
        Exposure {
            git: GitStatus::Tracked,
            agent_ignored_by: vec![],
            location: Location::Workspace,
        }
    }

    fn facts(breadth: Breadth, tier: Tier, caps: &[Capability]) -> ScopeFacts {
        ScopeFacts {
            token_kind: "token".into(),
            breadth: Some(breadth),
            environments: vec![Environment {
                name: "e".into(),
                tier,
            }],
            capabilities: caps.iter().copied().collect(),
            ..ScopeFacts::default()
        }
    }

    use Capability::*;
    const ADMIN: &[Capability] = &[
        DeleteData,
        DeleteBackups,
        DeleteInfra,
        Deploy,
        WriteSecrets,
        ManageAccess,
    ];

    fn total(status: Status, f: &ScopeFacts) -> u8 {
        score(&exposure(), None, status, f).total
    }

    #[test]
    fn railway_incident_is_critical() {
        let s = score(
            &exposure(),
            None,
            Status::Live,
            &facts(Breadth::Workspace, Tier::Production, ADMIN),
        );
        assert!(s.total >= 90, "{s:?}");
        assert_eq!(Severity::of(s.total), Severity::Critical);
        assert_eq!(
            s.total as i32,
            s.reasons.iter().map(|r| r.points).sum::<i32>()
        );
    }

    #[test]
    fn staging_context_reaching_production_scores_higher() {
        let f = facts(Breadth::Account, Tier::Production, ADMIN);
        let staging = TierHint {
            tier: Tier::Staging,
            source: "file".into(),
        };
        let prod = TierHint {
            tier: Tier::Production,
            source: "file".into(),
        };
        let a = score(&exposure(), Some(&staging), Status::Live, &f).total;
        let b = score(&exposure(), Some(&prod), Status::Live, &f).total;
        assert!(a > b, "{a} vs {b}");
    }

    #[test]
    fn live_beats_unknown_beats_invalid() {
        let f = facts(Breadth::Workspace, Tier::Production, ADMIN);
        let (l, u, i) = (
            total(Status::Live, &f),
            total(Status::Unknown, &f),
            total(Status::Invalid, &f),
        );
        assert!(l > u && u > i, "{l} {u} {i}");
        assert_eq!(Severity::of(i), Severity::Low);
    }

    #[test]
    fn test_mode_is_below_live_mode() {
        let live = facts(
            Breadth::Account,
            Tier::Production,
            &[MoveMoney, DeleteData, ReadData],
        );
        let test = facts(Breadth::Account, Tier::Test, &[DeleteData, ReadData]);
        assert!(total(Status::Live, &test) < total(Status::Live, &live));
    }

    #[test]
    fn narrower_tokens_score_lower() {
        let t = |b| total(Status::Live, &facts(b, Tier::Production, ADMIN));
        assert!(t(Breadth::Environment) < t(Breadth::Project));
        assert!(t(Breadth::Project) < t(Breadth::Workspace));
        assert!(t(Breadth::Workspace) < t(Breadth::Account));
        let c = |caps: &[Capability]| {
            total(
                Status::Live,
                &facts(Breadth::Account, Tier::Production, caps),
            )
        };
        assert!(c(&[ReadData]) < c(&[Deploy]));
        assert!(c(&[Deploy]) < c(&[DeleteData]));
    }

    #[test]
    fn deny_listed_lowers_but_never_zero() {
        let f = facts(Breadth::Account, Tier::Production, ADMIN);
        let mut hidden = exposure();
        hidden.agent_ignored_by = vec![".cursorignore".into()];
        let a = score(&hidden, None, Status::Live, &f);
        assert!(a.total < total(Status::Live, &f));
        assert!(a.reasons[0].points > 0);
    }

    #[test]
    fn every_rule_is_documented_and_unique() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        for r in RULES {
            assert!(r.id.starts_with("BR") && r.id.len() == 5);
            assert!(!r.what.is_empty() && !r.why.is_empty() && !r.fix.is_empty());
        }
    }

    #[test]
    fn worst_case_stays_under_the_cap() {
        let all: Vec<Capability> = Capability::ALL.to_vec();
        let s = score(
            &exposure(),
            None,
            Status::Live,
            &facts(Breadth::Account, Tier::Production, &all),
        );
        assert!(s.reasons.iter().map(|r| r.points).sum::<i32>() <= 94);
    }
}
