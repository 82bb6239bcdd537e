//! From candidates to findings: decode offline, introspect each distinct
//! secret once (concurrently, bounded), score, and attach the remediation.

use crate::detectors::DetectorSet;
use crate::model::{ScopeFacts, Status};
use crate::providers::http::Http;
use crate::providers::{self, Token, Verdict};
use crate::report::{Finding, ScopeOut, VerificationOut};
use crate::scan::Candidate;
use crate::scoring::{self, Severity};
use crate::secret::{scrub, Secret};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// How to introspect.
#[derive(Debug)]
pub struct AssessOptions<'a> {
    /// `None` means `--offline`: no network call at all.
    pub http: Option<&'a Http>,
    /// Time budget of one token's whole request chain.
    pub chain_budget: Duration,
    /// Tokens introspected at once.
    pub concurrency: usize,
}

/// Most file contexts kept per distinct secret.
const MAX_CONTEXTS: usize = 4;

/// One distinct secret: its provider, detector and every name it was found under.
struct Distinct<'a> {
    secret: &'a Secret,
    detector: usize,
    variables: Vec<String>,
    context: Vec<&'a Secret>,
}

/// Turns candidates into scored findings, worst first.
pub fn assess(
    candidates: &[Candidate],
    detectors: &DetectorSet,
    opts: &AssessOptions<'_>,
) -> Vec<Finding> {
    // One entry per (provider, secret): introspection runs once per secret.
    let mut index: HashMap<(&str, &str), usize> = HashMap::new();
    let mut distinct: Vec<Distinct<'_>> = Vec::new();
    let mut which: Vec<usize> = Vec::with_capacity(candidates.len());
    for c in candidates {
        let provider = detectors.get(c.detector).provider.as_str();
        let i = *index
            .entry((provider, c.secret.expose()))
            .or_insert_with(|| {
                distinct.push(Distinct {
                    secret: &c.secret,
                    detector: c.detector,
                    variables: Vec::new(),
                    context: Vec::new(),
                });
                distinct.len() - 1
            });
        if let Some(v) = &c.variable {
            if !distinct[i].variables.contains(v) {
                distinct[i].variables.push(v.clone());
            }
        }
        if let Some(ctx) = c.context.as_deref() {
            let seen = distinct[i].context.iter().any(|s| std::ptr::eq(*s, ctx));
            if !seen && distinct[i].context.len() < MAX_CONTEXTS {
                distinct[i].context.push(ctx);
            }
        }
        which.push(i);
    }
    let tokens: Vec<Token<'_>> = distinct
        .iter()
        .map(|d| Token {
            secret: d.secret,
            detector: detectors.get(d.detector),
            variables: d.variables.clone(),
            context: d.context.clone(),
        })
        .collect();
    let verdicts = introspect_all(&tokens, opts);
    let mut findings: Vec<Finding> = candidates
        .iter()
        .zip(&which)
        .map(|(c, &i)| build(c, detectors.get(c.detector), &tokens[i], &verdicts[i]))
        .collect();
    findings.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.path.cmp(&b.path))
            .then(a.line.cmp(&b.line))
    });
    findings
}

fn introspect_all(tokens: &[Token<'_>], opts: &AssessOptions<'_>) -> Vec<Verdict> {
    let results: Vec<Mutex<Option<Verdict>>> = tokens.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = |http: &Http| loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(token) = tokens.get(i) else { break };
        let verdict = match providers::find(&token.detector.provider) {
            // Only what a built-in detector matched is ever sent anywhere: a
            // repository's own detector or rule file could otherwise label any
            // string (another provider's secret) as, say, a GitHub token.
            Some(_) if !token.detector.is_builtin() => Verdict::skipped(format!(
                "found by {} ({}): only tokens matched by built-in detectors are sent to their provider",
                token.detector.id, token.detector.origin
            )),
            Some(p) => {
                let session = http.session(opts.chain_budget);
                p.introspect(token, &session)
            }
            None => Verdict::skipped(format!(
                "no read-only introspection for {} yet",
                token.detector.provider
            )),
        };
        *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(verdict);
    };
    match opts.http {
        None => {
            return tokens
                .iter()
                .map(|_| Verdict::skipped("offline: no network call made"))
                .collect()
        }
        Some(http) => {
            let workers = opts.concurrency.clamp(1, tokens.len().max(1));
            std::thread::scope(|s| {
                for _ in 0..workers {
                    s.spawn(|| work(http));
                }
            });
        }
    }
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| Verdict::unknown("not introspected"))
        })
        .collect()
}

/// One finding: `own` is the detector that found this occurrence (the
/// finding's id and fingerprint), `token` the distinct secret it shares with
/// other occurrences (introspection and scope).
fn build(
    c: &Candidate,
    own: &crate::detectors::Detector,
    token: &Token<'_>,
    verdict: &Verdict,
) -> Finding {
    let provider = providers::find(&token.detector.provider);
    let offline = provider.map_or_else(
        || providers::detector_worst_case(token.detector),
        |p| p.offline(token),
    );
    let mut facts: ScopeFacts = match (&verdict.facts, verdict.status) {
        (Some(f), _) => (**f).clone(),
        (None, Status::Invalid) => ScopeFacts {
            token_kind: offline.token_kind.clone(),
            ..ScopeFacts::default()
        },
        (None, _) => offline,
    };
    if verdict.status == Status::Invalid {
        facts.capabilities.clear();
    }
    let score = scoring::score(&c.exposure, c.tier_hint.as_ref(), verdict.status, &facts);
    let remediation = match provider {
        Some(p) => p.remediation(token, &facts),
        None => token.detector.remediation.clone().unwrap_or_else(|| {
            "Revoke it, and keep its replacement out of the agent's reach (a secret manager or CI secrets), \
             scoped to what the task needs."
                .into()
        }),
    };
    let secrets = [token.secret];
    let clean = |s: &str| scrub(s, &secrets);
    Finding {
        detector: own.id.clone(),
        provider: token.detector.provider.clone(),
        path: c.path.clone(),
        line: c.line,
        column: c.column,
        secret: c.secret.redacted(),
        fingerprint: c.secret.fingerprint(&own.id),
        exposure: c.exposure.clone(),
        verification: VerificationOut {
            status: verdict.status,
            detail: clean(&verdict.detail),
        },
        scope: ScopeOut {
            token_kind: clean(&facts.token_kind),
            identity: facts.identity.as_deref().map(clean),
            permissions: facts.permissions.iter().map(|s| clean(s)).collect(),
            capabilities: facts.capabilities.iter().copied().collect(),
            environments: facts.environments.clone(),
            resources: facts.resources.iter().map(|s| clean(s)).collect(),
            expires_at: facts.expires_at.clone(),
            assumed: facts.assumed,
            notes: facts.notes.iter().map(|s| clean(s)).collect(),
        },
        score: score.total,
        severity: Severity::of(score.total),
        reasons: score.reasons,
        remediation,
        variable: c.variable.clone(),
        context_tier: c.tier_hint.clone(),
        gate: crate::report::Gate {
            allowed: c.allowed.as_ref().map(crate::report::Allowed::inline),
            ..Default::default()
        },
    }
}
