//! Provider modules: what each token is, read-only.
//!
//! Adding a provider is one new file plus one line in [`PROVIDERS`]. Each
//! module declares every request it can send ([`Provider::requests`]); the
//! HTTP client refuses anything else, and a test checks the whole catalog is
//! read-only. Providers without a module (detection only) are scored from
//! their detector's data.

pub mod anthropic;
pub mod aws;
pub mod cloudflare;
pub mod datadog;
pub mod db;
pub mod digitalocean;
pub mod dockerhub;
pub mod flyio;
pub mod gcp;
pub mod github;
pub mod gitlab;
pub mod heroku;
pub mod http;
pub mod huggingface;
pub mod kubernetes;
pub mod linear;
pub mod mongodb;
pub mod mysql;
pub mod neon;
pub mod netlify;
pub mod npm;
pub mod openai;
pub mod planetscale;
pub mod postgres;
pub mod pypi;
pub mod railway;
pub mod redis;
pub mod render;
pub mod sendgrid;
pub mod sentry;
pub mod slack;
pub mod stripe;
pub mod supabase;
pub mod twilio;
pub mod vercel;

use crate::detectors::Detector;
use crate::model::{Breadth, ScopeFacts, Status};
use crate::secret::Secret;
use http::{HttpError, RequestSpec, Response, Session};

/// Every provider with a module. Adding one: a file and a line here.
pub static PROVIDERS: &[&dyn Provider] = &[
    &railway::Railway,
    &github::GitHub,
    &stripe::Stripe,
    &postgres::Postgres,
    &mysql::MySql,
    &redis::Redis,
    &aws::Aws,
    &mongodb::MongoDb,
    &neon::Neon,
    &planetscale::PlanetScale,
    &npm::Npm,
    &pypi::PyPi,
    &dockerhub::DockerHub,
    &huggingface::HuggingFace,
    &twilio::Twilio,
    &sendgrid::SendGrid,
    &datadog::Datadog,
    &sentry::Sentry,
    &linear::Linear,
    &gcp::Gcp,
    &kubernetes::Kubernetes,
    &gitlab::GitLab,
    &slack::Slack,
    &openai::OpenAi,
    &anthropic::Anthropic,
    &vercel::Vercel,
    &netlify::Netlify,
    &heroku::Heroku,
    &flyio::FlyIo,
    &render::Render,
    &digitalocean::DigitalOcean,
    &cloudflare::Cloudflare,
    &supabase::Supabase,
];

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
    /// The text of the files it was found in (or a window around it), for
    /// the other half of a pair or a setting kept beside it (a Twilio account
    /// SID, a Datadog site). Never print it: it may hold other secrets.
    pub context: Vec<&'a Secret>,
}

impl Token<'_> {
    /// The first capture group of `re` in the token's surroundings, if any.
    pub fn nearby(&self, re: &regex::Regex) -> Option<String> {
        self.context.iter().find_map(|c| {
            re.captures(c.expose())
                .and_then(|m| m.get(1))
                .map(|g| g.as_str().to_string())
        })
    }
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

    /// Every SQL statement or command this module can run over a database
    /// connection (database modules only; HTTP modules have none).
    fn statements(&self) -> &'static [db::StatementSpec] {
        &[]
    }
}

/// Every statement of every database module, for `blastradius requests`
/// and the read-only test.
pub fn statement_catalog() -> impl Iterator<Item = (&'static str, &'static db::StatementSpec)> {
    PROVIDERS
        .iter()
        .flat_map(|p| p.statements().iter().map(move |s| (p.id(), s)))
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

/// The `Authorization: Bearer` header most providers take. The one place a
/// token is formatted into a header value for them.
pub fn bearer(token: &Token<'_>) -> (&'static str, String) {
    ("authorization", format!("Bearer {}", token.secret.expose()))
}

/// Sends `call` as the catalog request `spec`; a transport failure (timeout,
/// refused, rate limit beyond the budget) becomes an `unknown` verdict.
pub fn send(
    session: &Session<'_>,
    spec: &RequestSpec,
    call: http::Call,
) -> Result<Response, Verdict> {
    session
        .send(spec, call)
        .map_err(|e| unknown_from(&e, spec.id))
}

/// Sends the catalog request `spec` with `headers`, at `path` (its path
/// template filled in; `None` for the spec's own path) with `query`: the
/// plain GET of most REST providers.
pub fn get(
    session: &Session<'_>,
    spec: &RequestSpec,
    headers: Vec<(&'static str, String)>,
    path: Option<String>,
    query: Option<String>,
) -> Result<Response, Verdict> {
    let call = http::Call {
        path,
        query,
        headers,
        ..http::Call::default()
    };
    send(session, spec, call)
}

/// [`get`] with the token as a Bearer header, the authentication of most
/// REST providers.
pub fn bearer_get(
    session: &Session<'_>,
    spec: &RequestSpec,
    token: &Token<'_>,
    path: Option<String>,
    query: Option<&str>,
) -> Result<Response, Verdict> {
    get(
        session,
        spec,
        vec![bearer(token)],
        path,
        query.map(str::to_string),
    )
}

/// The string at a JSON pointer, or "" when absent.
pub fn str_at<'a>(v: &'a serde_json::Value, ptr: &str) -> &'a str {
    v.pointer(ptr)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
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

/// Decodes base64 in any of its common spellings: standard or URL-safe
/// alphabet, padded or not, ignoring surrounding whitespace.
pub fn b64_decode_lenient(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    use base64::Engine;
    let t = s.trim().trim_end_matches('=');
    URL_SAFE_NO_PAD
        .decode(t)
        .or_else(|_| STANDARD_NO_PAD.decode(t))
        .ok()
}

/// The claims of a JWT, decoded without verifying its signature (offline
/// evidence only: the provider decides whether the token is valid).
pub fn jwt_claims(token: &str) -> Option<serde_json::Value> {
    let mut parts = token.trim().split('.');
    let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&b64_decode_lenient(payload)?).ok()?;
    v.is_object().then_some(v)
}

/// A Unix time in seconds as an RFC 3339 timestamp (UTC).
pub fn rfc3339_from_unix(secs: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// Whether a Unix time in seconds is in the past.
pub fn unix_is_past(secs: i64) -> bool {
    secs < time::OffsetDateTime::now_utc().unix_timestamp()
}
