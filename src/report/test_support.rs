//! A realistic finding for the unit tests of reporters and the gate.

use super::{Finding, Gate, ScopeOut, VerificationOut};
use crate::exposure::{Exposure, GitStatus, Location};
use crate::model::{Capability, Environment, Status, Tier};
use crate::scoring::{self, Severity};

/// The Railway incident: a live workspace token reaching production that
/// can delete data and backups, committed to `scripts/domains.sh`.
pub fn finding() -> Finding {
    let reasons = vec![
        scoring::reason("BR001", "readable".into()),
        scoring::reason("BR010", "live".into()),
        scoring::reason("BR021", "workspace".into()),
        scoring::reason("BR030", "production".into()),
        scoring::reason("BR040", "delete".into()),
    ];
    let score = scoring::total(&reasons);
    Finding {
        detector: "railway.api-token".into(),
        provider: "railway".into(),
        path: "scripts/domains.sh".into(),
        line: 3,
        column: 17,
        secret: "3f2c…9a1e".into(),
        fingerprint: "0123456789abcdef0123456789abcdef".into(),
        exposure: Exposure {
            git: GitStatus::Tracked,
            agent_ignored_by: vec![],
            location: Location::Workspace,
        },
        verification: VerificationOut {
            status: Status::Live,
            detail: String::new(),
        },
        scope: ScopeOut {
            token_kind: "workspace token".into(),
            identity: Some("acme (workspace)".into()),
            permissions: vec![],
            capabilities: vec![Capability::DeleteData, Capability::DeleteBackups],
            environments: vec![Environment {
                name: "production".into(),
                tier: Tier::Production,
            }],
            resources: vec!["volume pg-data".into()],
            expires_at: None,
            assumed: false,
            notes: vec![],
        },
        score,
        severity: Severity::of(score),
        reasons,
        remediation: "Use a project token for staging.".into(),
        variable: Some("RAILWAY_API_TOKEN".into()),
        context_tier: None,
        gate: Gate::default(),
    }
}
