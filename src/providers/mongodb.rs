//! MongoDB connection URLs: offline only. The host names the provider
//! (Atlas) and hints at the environment; local and placeholder URLs are
//! scored low, like the other database URLs. No connection is made: the
//! read-only check (`connectionStatus` with `showPrivileges`) needs a
//! MongoDB driver this build does not carry, so a MongoDB URL is scored as
//! the worst plausible user (`root`/`dbOwner` can drop databases, and even
//! `readWrite` can drop collections).

use super::db;
use super::http::{RequestSpec, Session};
use super::{Provider, Token, Verdict};
use crate::model::ScopeFacts;

/// The MongoDB module (offline).
#[derive(Debug)]
pub struct MongoDb;

impl Provider for MongoDb {
    fn id(&self) -> &'static str {
        "mongodb"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &[]
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let t = db::target_of("mongodb", token);
        db::offline_facts(&t, &token.detector.token_kind, &token.detector.capabilities)
    }

    fn introspect(&self, _token: &Token<'_>, _session: &Session<'_>) -> Verdict {
        Verdict::skipped(
            "MongoDB URLs are not connected to (offline evidence only): scored as the worst plausible user",
        )
    }

    fn remediation(&self, token: &Token<'_>, _facts: &ScopeFacts) -> String {
        token.detector.remediation.clone().unwrap_or_else(|| {
            "Create a database user with only the roles the task needs, and rotate this password."
                .into()
        })
    }
}
