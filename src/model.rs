//! The shared vocabulary: capabilities, environment tiers, token breadth,
//! verification status and the scope a token was found to have.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// What a token can do, in the closed vocabulary of the JSON report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Delete databases, volumes, buckets, tables, repositories' contents.
    DeleteData,
    /// Delete backups, snapshots, recovery points.
    DeleteBackups,
    /// Delete projects, services, environments, apps, repositories, zones.
    DeleteInfra,
    /// Change running code or configuration.
    Deploy,
    /// Read or change secrets and environment variables.
    WriteSecrets,
    /// Create tokens, change members, roles, IAM.
    ManageAccess,
    /// Live payments, refunds, payouts.
    MoveMoney,
    /// Email, SMS, chat to customers or staff.
    SendMessages,
    /// Publish packages (supply chain).
    PublishPackages,
    /// Read customer data.
    ReadData,
}

impl Capability {
    /// Every capability, in report order.
    pub const ALL: [Capability; 10] = [
        Capability::DeleteData,
        Capability::DeleteBackups,
        Capability::DeleteInfra,
        Capability::Deploy,
        Capability::WriteSecrets,
        Capability::ManageAccess,
        Capability::MoveMoney,
        Capability::SendMessages,
        Capability::PublishPackages,
        Capability::ReadData,
    ];

    /// The kebab-case name used in reports and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::DeleteData => "delete-data",
            Capability::DeleteBackups => "delete-backups",
            Capability::DeleteInfra => "delete-infra",
            Capability::Deploy => "deploy",
            Capability::WriteSecrets => "write-secrets",
            Capability::ManageAccess => "manage-access",
            Capability::MoveMoney => "move-money",
            Capability::SendMessages => "send-messages",
            Capability::PublishPackages => "publish-packages",
            Capability::ReadData => "read-data",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An environment's tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Production: real users, real data.
    Production,
    /// Staging or pre-production.
    Staging,
    /// Development, preview or ephemeral environments.
    Development,
    /// Test mode or sandbox.
    Test,
    /// Not known.
    Unknown,
}

impl Tier {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Production => "production",
            Tier::Staging => "staging",
            Tier::Development => "development",
            Tier::Test => "test",
            Tier::Unknown => "unknown",
        }
    }

    /// Classifies an environment, file, directory or variable name.
    /// Returns `None` when the name says nothing about a tier.
    pub fn from_name(name: &str) -> Option<Tier> {
        let lower = name.to_ascii_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
        if has(&["production", "prod", "prd", "live"]) {
            Some(Tier::Production)
        } else if has(&["staging", "stage", "stg", "preprod", "uat"]) {
            Some(Tier::Staging)
        } else if has(&[
            "development",
            "dev",
            "develop",
            "preview",
            "local",
            "sandbox",
        ]) {
            Some(Tier::Development)
        } else if has(&["test", "tests", "testing", "qa"]) {
            Some(Tier::Test)
        } else {
            None
        }
    }
}

/// How much of an account a token reaches, from widest to narrowest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Breadth {
    /// Everything its owner can reach, across workspaces or organisations.
    Account,
    /// One whole workspace, team or organisation.
    Workspace,
    /// Several named projects or repositories.
    Project,
    /// One environment of one project.
    Environment,
    /// Not known; scored as the worst plausible breadth of its kind.
    Unknown,
}

/// The verification status of a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The provider accepted the token.
    Live,
    /// The provider rejected the token (revoked, expired, wrong).
    Invalid,
    /// The provider could not answer (network, outage, rate limit).
    Unknown,
    /// No call was made (`--offline`, or nothing to call).
    Skipped,
}

impl Status {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Invalid => "invalid",
            Status::Unknown => "unknown",
            Status::Skipped => "skipped",
        }
    }
}

/// An environment a token reaches.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Environment {
    /// The environment's name at the provider (may include its project).
    pub name: String,
    /// Its tier.
    pub tier: Tier,
}

/// What a token is and what it reaches: learned online, decoded offline, or
/// (when `assumed` is set) the worst plausible case for its format.
#[derive(Clone, Debug, Default)]
pub struct ScopeFacts {
    /// Human name of the token's kind ("workspace token").
    pub token_kind: String,
    /// Who or what owns it.
    pub identity: Option<String>,
    /// Provider-level permissions or scopes, verbatim.
    pub permissions: Vec<String>,
    /// What it can do.
    pub capabilities: BTreeSet<Capability>,
    /// Environments it reaches.
    pub environments: Vec<Environment>,
    /// Named resources it reaches (projects, volumes, repositories).
    pub resources: Vec<String>,
    /// Expiry as an RFC 3339 timestamp, when known.
    pub expires_at: Option<String>,
    /// How much of the account it reaches.
    pub breadth: Option<Breadth>,
    /// Set when these facts are the worst plausible case, not observed.
    pub assumed: bool,
    /// Extra observations for the finding's detail.
    pub notes: Vec<String>,
}

impl ScopeFacts {
    /// The highest tier among the reached environments.
    pub fn highest_tier(&self) -> Option<Tier> {
        self.environments.iter().map(|e| e.tier).min()
    }
}
