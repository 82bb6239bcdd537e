//! The policy: what `blastradius.toml` decides about findings once they are
//! scored. It
//!
//! - checks the token-scope requirements (`[[require]]`), adding one reason
//!   per violated requirement, each with its own rule id (BR100–BR103);
//! - applies the per-rule overrides (`[rules.BRnnn]`) and re-scores;
//! - marks findings matched by an `[[allow]]` entry as allowed, or notes an
//!   entry that would match but has expired;
//! - says which agent deny-list files count (`[agents] deny_lists`).
//!
//! The threshold and the baseline are applied by the report and
//! [`crate::baseline`].

use crate::config::{closest, BreadthLimit, Config, Date, PathGlob, Requirement};
use crate::detectors::DetectorSet;
use crate::error::ConfigError;
use crate::exposure::{Exposure, Location};
use crate::model::{Capability, Status, Tier};
use crate::report::{Allowed, AllowedBy, ExpiredAllow, Finding};
use crate::scoring::{self, Reason, RuleSetting, Severity};
use std::collections::HashMap;
use toml::Spanned;

/// A compiled policy.
#[derive(Debug, Default)]
pub struct Policy {
    settings: HashMap<&'static str, RuleSetting>,
    allow: Vec<AllowRule>,
    require: Vec<RequireRule>,
    deny_lists: Option<Vec<String>>,
    today: Option<time::Date>,
}

/// The selectors shared by allow entries and requirements.
#[derive(Debug, Default)]
struct Selector {
    path: Option<PathGlob>,
    detector: Option<String>,
    provider: Option<String>,
    fingerprint: Option<String>,
}

impl Selector {
    fn matches(&self, f: &Finding) -> bool {
        self.path.as_ref().is_none_or(|g| g.is_match(&f.path))
            && self.detector.as_ref().is_none_or(|d| *d == f.detector)
            && self.provider.as_ref().is_none_or(|p| *p == f.provider)
            && self
                .fingerprint
                .as_ref()
                .is_none_or(|p| *p == f.fingerprint)
    }

    /// "railway tokens in deploy/**", for messages.
    fn describe(&self) -> String {
        let what = match (&self.detector, &self.provider) {
            (Some(d), _) => format!("{d} tokens"),
            (None, Some(p)) => format!("{p} tokens"),
            (None, None) => "tokens".to_string(),
        };
        match &self.path {
            Some(g) => format!("{what} in {}", g.text),
            None => what,
        }
    }
}

#[derive(Debug)]
struct AllowRule {
    source: String,
    select: Selector,
    reason: String,
    expires: Option<Date>,
}

#[derive(Debug)]
struct RequireRule {
    select: Selector,
    reason: Option<String>,
    max_breadth: Option<BreadthLimit>,
    must_expire: bool,
    forbid_capabilities: Vec<Capability>,
    forbid_agent_readable_production: bool,
}

impl Policy {
    /// Compiles `config`, checking every provider and detector it names
    /// against the loaded detectors. Allow entries expire after `today`.
    pub fn new(
        config: &Config,
        detectors: &DetectorSet,
        today: time::Date,
    ) -> Result<Policy, ConfigError> {
        let ids: Vec<&str> = detectors
            .detectors()
            .iter()
            .map(|d| d.id.as_str())
            .collect();
        let mut providers: Vec<&str> = detectors
            .detectors()
            .iter()
            .map(|d| d.provider.as_str())
            .collect();
        providers.sort_unstable();
        providers.dedup();
        let check = |value: &Option<Spanned<String>>,
                     known: &[&str],
                     what: &str|
         -> Result<Option<String>, ConfigError> {
            let Some(v) = value else { return Ok(None) };
            if known.contains(&v.get_ref().as_str()) {
                return Ok(Some(v.get_ref().clone()));
            }
            let hint = closest(v.get_ref(), known)
                .map_or_else(String::new, |c| format!(" (did you mean `{c}`?)"));
            Err(config.error(
                v.span(),
                &format!(
                    "unknown {what} `{}`{hint}; `blastradius detectors list` shows them",
                    v.get_ref()
                ),
            ))
        };
        let mut allow = Vec::new();
        for (i, a) in config.allow.iter().enumerate() {
            let e = a.get_ref();
            allow.push(AllowRule {
                source: config.describe_allow(i),
                select: Selector {
                    path: e.path.clone(),
                    detector: check(&e.detector, &ids, "detector")?,
                    provider: check(&e.provider, &providers, "provider")?,
                    fingerprint: e.fingerprint.as_ref().map(|f| f.0.clone()),
                },
                reason: e.reason.0.clone(),
                expires: e.expires,
            });
        }
        let mut require = Vec::new();
        for r in &config.require {
            let Requirement {
                provider,
                detector,
                path,
                reason,
                max_breadth,
                must_expire,
                forbid_capabilities,
                forbid_agent_readable_production,
            } = r.get_ref();
            require.push(RequireRule {
                select: Selector {
                    path: path.clone(),
                    detector: check(detector, &ids, "detector")?,
                    provider: check(provider, &providers, "provider")?,
                    fingerprint: None,
                },
                reason: reason.clone(),
                max_breadth: *max_breadth,
                must_expire: *must_expire,
                forbid_capabilities: forbid_capabilities.clone(),
                forbid_agent_readable_production: *forbid_agent_readable_production,
            });
        }
        let settings = config
            .rules
            .iter()
            .filter_map(|(id, rc)| {
                let s = match (rc.enabled, rc.points) {
                    (Some(false), _) => RuleSetting::Disabled,
                    (_, Some(p)) => RuleSetting::Points(i32::from(p)),
                    _ => return None,
                };
                Some((id.0, s))
            })
            .collect();
        Ok(Policy {
            settings,
            allow,
            require,
            deny_lists: config
                .agents
                .deny_lists
                .as_ref()
                .map(|l| l.iter().map(|n| n.0.clone()).collect()),
            today: Some(today),
        })
    }

    /// Whether the agent deny-list file `name` counts as hiding files.
    pub fn counts_deny_list(&self, name: &str) -> bool {
        self.deny_lists
            .as_ref()
            .is_none_or(|l| l.iter().any(|n| n == name))
    }

    /// Drops the deny-lists that do not count from an exposure, before the
    /// finding is scored.
    pub fn filter_exposure(&self, exposure: &mut Exposure) {
        exposure
            .agent_ignored_by
            .retain(|name| self.counts_deny_list(name));
    }

    /// Applies requirements, rule overrides and allow entries to findings,
    /// then re-sorts them worst first.
    pub fn apply(&self, findings: &mut [Finding]) {
        for f in findings.iter_mut() {
            self.apply_one(f);
        }
        findings.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then_with(|| a.path.cmp(&b.path))
                .then(a.line.cmp(&b.line))
                .then(a.column.cmp(&b.column))
        });
    }

    fn apply_one(&self, f: &mut Finding) {
        if f.verification.status != Status::Invalid {
            for r in &self.require {
                if r.select.matches(f) {
                    for v in violations(r, f) {
                        if !f.reasons.iter().any(|x| x.rule == v.rule) {
                            f.reasons.push(v);
                        }
                    }
                }
            }
        }
        f.score = scoring::apply_settings(&mut f.reasons, |id| self.settings.get(id).copied());
        f.severity = Severity::of(f.score);
        if f.gate.allowed.is_some() {
            return;
        }
        let mut expired = Vec::new();
        for a in self.allow.iter().filter(|a| a.select.matches(f)) {
            match (a.expires, self.today) {
                (Some(end), Some(today)) if today > end.0 => expired.push(ExpiredAllow {
                    source: a.source.clone(),
                    reason: a.reason.clone(),
                    expired: end.to_string(),
                }),
                _ => {
                    f.gate.allowed = Some(Allowed {
                        by: AllowedBy::Policy,
                        source: a.source.clone(),
                        reason: Some(a.reason.clone()),
                        expires: a.expires.map(|d| d.to_string()),
                    });
                    return;
                }
            }
        }
        f.gate.expired_allows = expired;
    }
}

/// How wide a finding's token is, from its breadth reason.
fn breadth(f: &Finding) -> Option<BreadthLimit> {
    f.reasons.iter().find_map(|r| match r.rule {
        "BR020" => Some(BreadthLimit::Account),
        "BR021" => Some(BreadthLimit::Workspace),
        "BR022" => Some(BreadthLimit::Project),
        "BR023" => Some(BreadthLimit::Environment),
        _ => None,
    })
}

/// The reasons a finding violates one requirement.
fn violations(r: &RequireRule, f: &Finding) -> Vec<Reason> {
    let why = r
        .reason
        .as_deref()
        .map_or_else(String::new, |w| format!(" ({w})"));
    let who = r.select.describe();
    let unverified = f.verification.status != Status::Live;
    let mut out = Vec::new();
    if let (Some(limit), Some(actual)) = (r.max_breadth, breadth(f)) {
        if actual < limit {
            let assumed = if f.scope.assumed {
                ", assumed: not verified"
            } else {
                ""
            };
            out.push(scoring::reason(
                "BR100",
                format!(
                    "{} is {}-wide{assumed}; the policy allows {who} at most {}-wide{why}",
                    f.scope.token_kind,
                    actual.as_str(),
                    limit.as_str()
                ),
            ));
        }
    }
    if r.forbid_agent_readable_production && f.exposure.agent_ignored_by.is_empty() {
        let production = f
            .scope
            .environments
            .iter()
            .any(|e| e.tier == Tier::Production)
            || f.reasons.iter().any(|x| x.rule == "BR030");
        let maybe = f.reasons.iter().any(|x| x.rule == "BR031");
        if production || maybe {
            let reach = if production {
                "reaches production"
            } else {
                "may reach production (not verified)"
            };
            let place = match f.exposure.location {
                Location::Home => "in a credential store in $HOME",
                Location::History => "in git history",
                Location::Workspace => "in the workspace",
            };
            out.push(scoring::reason(
                "BR101",
                format!(
                    "{reach} and is agent-readable {place}, not hidden by a counted deny-list; \
                     the policy forbids that for {who}{why}"
                ),
            ));
        }
    }
    if r.must_expire && f.scope.expires_at.is_none() {
        let detail = if unverified {
            "its expiry is not known (not verified)"
        } else {
            "it has no expiry date"
        };
        out.push(scoring::reason(
            "BR102",
            format!("{detail}; the policy requires {who} to expire{why}"),
        ));
    }
    let forbidden: Vec<&str> = r
        .forbid_capabilities
        .iter()
        .filter(|c| f.scope.capabilities.contains(c))
        .map(|c| c.as_str())
        .collect();
    if !forbidden.is_empty() {
        let assumed = if f.scope.assumed { " (assumed)" } else { "" };
        out.push(scoring::reason(
            "BR103",
            format!(
                "can {}{assumed}, which the policy forbids for {who}{why}",
                forbidden.join(", ")
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::finding;

    fn policy(toml_text: &str, today: time::Date) -> Policy {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("blastradius.toml");
        std::fs::write(&p, toml_text).unwrap();
        let config = Config::load(&p).unwrap();
        let detectors = DetectorSet::builtin().unwrap();
        Policy::new(&config, &detectors, today).unwrap()
    }

    const TODAY: time::Date = time::macros::date!(2026 - 03 - 01);

    fn rules(f: &Finding) -> Vec<&'static str> {
        f.reasons.iter().map(|r| r.rule).collect()
    }

    #[test]
    fn each_requirement_adds_its_own_rule() {
        let p = policy(
            r#"
[[require]]
provider = "railway"
max_breadth = "project"
[[require]]
forbid_agent_readable_production = true
[[require]]
must_expire = true
[[require]]
forbid_capabilities = ["delete-backups", "move-money"]
reason = "backups are sacred"
"#,
            TODAY,
        );
        let mut fs = [finding()];
        let before = fs[0].score;
        p.apply(&mut fs);
        let f = &fs[0];
        for id in ["BR100", "BR101", "BR102", "BR103"] {
            assert!(rules(f).contains(&id), "{id}: {:?}", f.reasons);
        }
        assert_eq!(f.score, 100.min(before + 100));
        let br103 = f.reasons.iter().find(|r| r.rule == "BR103").unwrap();
        assert!(
            br103.message.contains("delete-backups"),
            "{}",
            br103.message
        );
        assert!(br103.message.contains("backups are sacred"));
        assert!(!br103.message.contains("move-money"));
    }

    #[test]
    fn requirements_that_hold_add_nothing() {
        let p = policy(
            r#"
[[require]]
provider = "github"
must_expire = true
[[require]]
max_breadth = "workspace"
[[require]]
forbid_capabilities = ["move-money"]
[[require]]
path = "other/**"
forbid_agent_readable_production = true
"#,
            TODAY,
        );
        let mut fs = [finding()];
        let before = fs[0].score;
        p.apply(&mut fs);
        assert_eq!(fs[0].score, before);
        assert!(rules(&fs[0]).iter().all(|r| !r.starts_with("BR1")));
        // A counted deny-list satisfies the agent-readable requirement.
        let p = policy(
            "[[require]]\nforbid_agent_readable_production = true\n",
            TODAY,
        );
        let mut f = finding();
        f.exposure.agent_ignored_by = vec![".cursorignore".into()];
        let mut fs = [f];
        p.apply(&mut fs);
        assert!(!rules(&fs[0]).contains(&"BR101"));
    }

    #[test]
    fn rejected_tokens_violate_nothing() {
        let p = policy("[[require]]\nmust_expire = true\n", TODAY);
        let mut f = finding();
        f.verification.status = Status::Invalid;
        let mut fs = [f];
        p.apply(&mut fs);
        assert!(!rules(&fs[0]).contains(&"BR102"));
    }

    #[test]
    fn rule_overrides_rescore() {
        let p = policy(
            "[rules.BR040]\nenabled = false\n[rules.BR030]\npoints = 2\n",
            TODAY,
        );
        let mut fs = [finding()];
        let before = fs[0].score;
        p.apply(&mut fs);
        let f = &fs[0];
        assert_eq!(f.score, before - 34 - 16 + 2);
        assert_eq!(f.severity, Severity::of(f.score));
        let br040 = f.reasons.iter().find(|r| r.rule == "BR040").unwrap();
        assert_eq!(br040.points, 0);
        assert!(br040.message.contains("disabled by policy"));
    }

    #[test]
    fn allow_entries_match_by_every_selector_and_expire() {
        for sel in [
            "path = \"scripts/*.sh\"",
            "path = \"domains.sh\"",
            "detector = \"railway.api-token\"",
            "provider = \"railway\"",
            "fingerprint = \"0123456789ABCDEF0123456789abcdef\"",
        ] {
            let p = policy(
                &format!("[[allow]]\n{sel}\nreason = \"accepted\"\nexpires = 2026-03-01\n"),
                TODAY,
            );
            let mut fs = [finding()];
            p.apply(&mut fs);
            let a = fs[0]
                .gate
                .allowed
                .as_ref()
                .unwrap_or_else(|| panic!("{sel}"));
            assert_eq!(a.by, AllowedBy::Policy);
            assert_eq!(a.reason.as_deref(), Some("accepted"));
            assert_eq!(a.expires.as_deref(), Some("2026-03-01"));
            assert!(a.source.contains("[[allow]] #1 (line 1)"), "{}", a.source);
        }
        let p = policy(
            "[[allow]]\nprovider = \"railway\"\nreason = \"old\"\nexpires = 2026-02-28\n",
            TODAY,
        );
        let mut fs = [finding()];
        p.apply(&mut fs);
        assert!(fs[0].gate.allowed.is_none());
        assert_eq!(fs[0].gate.expired_allows.len(), 1);
        assert_eq!(fs[0].gate.expired_allows[0].expired, "2026-02-28");
        let p = policy(
            "[[allow]]\nprovider = \"railway\"\npath = \"elsewhere/**\"\nreason = \"x\"\n",
            TODAY,
        );
        let mut fs = [finding()];
        p.apply(&mut fs);
        assert!(fs[0].gate.allowed.is_none());
    }

    #[test]
    fn unknown_providers_and_detectors_are_errors_with_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("blastradius.toml");
        std::fs::write(
            &p,
            "[[require]]\nmust_expire = true\nprovider = \"railwy\"\n",
        )
        .unwrap();
        let config = Config::load(&p).unwrap();
        let err = Policy::new(&config, &DetectorSet::builtin().unwrap(), TODAY)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("did you mean `railway`?"), "{err}");
        std::fs::write(
            &p,
            "[[allow]]\ndetector = \"stripe.tset-key\"\nreason = \"r\"\n",
        )
        .unwrap();
        let config = Config::load(&p).unwrap();
        let err = Policy::new(&config, &DetectorSet::builtin().unwrap(), TODAY)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2") && err.contains("stripe.test-key"),
            "{err}"
        );
    }

    #[test]
    fn deny_lists_that_do_not_count_are_dropped() {
        let p = policy(
            "[agents]\ndeny_lists = [\".claude/settings.json\"]\n",
            TODAY,
        );
        let mut e = finding().exposure;
        e.agent_ignored_by = vec![".cursorignore".into(), ".claude/settings.json".into()];
        p.filter_exposure(&mut e);
        assert_eq!(e.agent_ignored_by, vec![".claude/settings.json"]);
        let all = Policy::default();
        assert!(all.counts_deny_list(".cursorignore"));
    }
}
