//! Provider modules: what each token is, read-only.
//!
//! Adding a provider is one new file plus one line in [`PROVIDERS`]. Each
//! module declares every request it can send ([`Provider::requests`]); the
//! HTTP client refuses anything else, and a test checks the whole catalog is
//! read-only. Providers without a module (detection only) are scored from
//! their detector's data.

pub mod github;
pub mod http;
pub mod railway;
pub mod stripe;

use crate::detectors::Detector;
use crate::model::{Breadth, ScopeFacts, Status};
use crate::secret::Secret;
use http::{HttpError, RequestSpec, Response, Session};

/// Every provider with a module. Adding one: a file and a line here.
pub static PROVIDERS: &[&dyn Provider] = &[&railway::Railway, &github::GitHub, &stripe::Stripe];

/// Finds the module for a provider name.
pub fn find(id: &str) -> Option<&'static dyn Provider> {
    PROVIDERS.iter().copied().find(|p| p.id() == id)
}

/// Every request of every provider, for `--explain-requests` and the
/// read-only test.
pub fn catalog() -> impl Iterator<Item = (&'static str, &'static RequestSpec)> {
    PROVIDERS
        .iter()
        .flat_map(|p| p.requests().iter().map(move |r| (p.id(), r)))
}

/// A distinct secret to assess, with what is known about it offline.
#[derive(Debug)]
pub struct Token<'a> {
    /// The secret.
    pub secret: &'a Secret,
    /// The detector that found it.
    pub detector: &'a Detector,
    /// Every variable or key name it was found under.
    pub variables: Vec<String>,
}

/// What introspection concluded.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// live, invalid, unknown or skipped.
    pub status: Status,
    /// One line on why.
    pub detail: String,
    /// What was learned; `None` means "use the offline worst case".
    pub facts: Option<Box<ScopeFacts>>,
}

impl Verdict {
    /// A live token with what was learned.
    pub fn live(detail: impl Into<String>, facts: ScopeFacts) -> Verdict {
        Verdict {
            status: Status::Live,
            detail: detail.into(),
            facts: Some(Box::new(facts)),
        }
    }

    /// A token the provider rejected.
    pub fn invalid(detail: impl Into<String>) -> Verdict {
        Verdict {
            status: Status::Invalid,
            detail: detail.into(),
            facts: None,
        }
    }

    /// The provider could not answer.
    pub fn unknown(detail: impl Into<String>) -> Verdict {
        Verdict {
            status: Status::Unknown,
            detail: detail.into(),
            facts: None,
        }
    }

    /// No call was made.
    pub fn skipped(detail: impl Into<String>) -> Verdict {
        Verdict {
            status: Status::Skipped,
            detail: detail.into(),
            facts: None,
        }
    }
}

/// A provider's offline knowledge and read-only introspection.
pub trait Provider: Sync {
    /// The provider name used by detectors (`railway`).
    fn id(&self) -> &'static str;

    /// Every request this module can send.
    fn requests(&self) -> &'static [RequestSpec];

    /// What the token's format and context say, as the worst plausible case
    /// for anything they do not settle (`assumed` set where so).
    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        detector_worst_case(token.detector)
    }

    /// Asks the provider, read-only, what the token is and reaches.
    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict;

    /// Which narrower token to mint instead, and where.
    fn remediation(&self, token: &Token<'_>, facts: &ScopeFacts) -> String;
}

/// The worst plausible scope of a token from its detector's data.
pub fn detector_worst_case(d: &Detector) -> ScopeFacts {
    ScopeFacts {
        token_kind: d.token_kind.clone(),
        capabilities: d.capabilities.iter().copied().collect(),
        breadth: Some(if d.breadth == Breadth::Unknown {
            Breadth::Account
        } else {
            d.breadth
        }),
        environments: d
            .tier
            .map(|tier| {
                vec![crate::model::Environment {
                    name: tier.as_str().to_string(),
                    tier,
                }]
            })
            .unwrap_or_default(),
        assumed: true,
        ..ScopeFacts::default()
    }
}

/// Maps a transport failure to an `unknown` verdict.
pub fn unknown_from(err: &HttpError, what: &str) -> Verdict {
    Verdict::unknown(format!("{what}: {err}"))
}

/// A response that is not a clear yes or no: `unknown`, with the cause.
/// Server errors, WAF pages (HTML) and unexpected statuses are never proof.
pub fn unexpected(resp: &Response, what: &str) -> Verdict {
    let kind = if resp
        .header("content-type")
        .is_some_and(|c| c.contains("html"))
    {
        " (an HTML page, not the API)"
    } else {
        ""
    };
    Verdict::unknown(format!("{what}: unexpected HTTP {}{kind}", resp.status))
}
