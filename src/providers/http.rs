//! The only way a provider module can reach the network.
//!
//! Every request is declared in a provider's catalog ([`RequestSpec`]); the
//! client refuses anything that is not: the host comes from the catalog (so a
//! token only ever goes to its own provider), the scheme is HTTPS, redirects
//! are never followed, GraphQL documents must be the catalog's own `query`
//! documents, and POSTs are allowed only for GraphQL queries and the few
//! documented read-only POST APIs. Each introspection chain runs against a
//! deadline; 429 `Retry-After` is honoured only within it.

use crate::error::ConfigError;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// HTTP method of a catalog request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// HEAD.
    Head,
    /// POST: only for GraphQL queries and documented read-only APIs.
    Post,
}

impl Method {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
        }
    }
}

/// What kind of request a catalog entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// A plain REST read (GET or HEAD).
    Rest,
    /// A GraphQL `query` document, sent verbatim with variables.
    GraphQl {
        /// The whole document.
        document: &'static str,
    },
    /// A POST that changes nothing (AWS STS `GetCallerIdentity`, IAM
    /// simulation, token minting), with the reason it is safe.
    ReadOnlyPost {
        /// Why this POST changes nothing.
        why: &'static str,
    },
}

/// One request a provider module may send.
#[derive(Clone, Copy, Debug)]
pub struct RequestSpec {
    /// Catalog id, `provider.name`.
    pub id: &'static str,
    /// The method.
    pub method: Method,
    /// The provider's host; requests go nowhere else.
    pub host: &'static str,
    /// Path template; `{name}` matches one non-empty path segment.
    pub path: &'static str,
    /// REST, GraphQL query or read-only POST.
    pub kind: RequestKind,
    /// What it learns.
    pub purpose: &'static str,
}

impl RequestSpec {
    /// A plain REST `GET` to `host` (for the catalogs' `const` entries).
    pub const fn get(
        host: &'static str,
        id: &'static str,
        path: &'static str,
        purpose: &'static str,
    ) -> RequestSpec {
        RequestSpec {
            id,
            method: Method::Get,
            host,
            path,
            kind: RequestKind::Rest,
            purpose,
        }
    }

    /// Whether this request is read-only by construction; the reason if not.
    pub fn check_read_only(&self) -> Result<(), String> {
        match (self.method, self.kind) {
            (Method::Get | Method::Head, RequestKind::Rest) => Ok(()),
            (Method::Post, RequestKind::GraphQl { document }) => graphql_is_query_only(document),
            (Method::Post, RequestKind::ReadOnlyPost { why }) if !why.is_empty() => Ok(()),
            (m, k) => Err(format!("{} {:?} is not a read-only request", m.as_str(), k)),
        }
    }

    fn path_matches(&self, path: &str) -> bool {
        let want: Vec<&str> = self.path.split('/').collect();
        let got: Vec<&str> = path.split('/').collect();
        want.len() == got.len()
            && want.iter().zip(&got).all(|(w, g)| {
                // `{name}` matches one segment; `{name}:verb` (Google's
                // custom methods) one segment ending in `:verb`.
                match w.strip_prefix('{').and_then(|r| r.split_once('}')) {
                    Some((_, suffix)) if suffix.is_empty() || suffix.starts_with(':') => {
                        g.strip_suffix(suffix).is_some_and(|v| {
                            !v.is_empty()
                                && !v.contains(['?', '#'])
                                && (suffix.is_empty() || !v.contains(':'))
                        })
                    }
                    _ => w == g,
                }
            })
    }
}

/// Whether a GraphQL document holds only `query` operations (no mutation,
/// no subscription), checked with a real GraphQL parser.
pub fn graphql_is_query_only(document: &str) -> Result<(), String> {
    use graphql_parser::query::{Definition, OperationDefinition};
    let doc = graphql_parser::parse_query::<String>(document)
        .map_err(|e| format!("GraphQL parse error: {e}"))?;
    if doc.definitions.is_empty() {
        return Err("empty GraphQL document".into());
    }
    for def in &doc.definitions {
        match def {
            Definition::Operation(OperationDefinition::Query(_)) | Definition::Fragment(_) => {}
            Definition::Operation(OperationDefinition::SelectionSet(_)) => {}
            Definition::Operation(OperationDefinition::Mutation(_)) => {
                return Err("GraphQL mutation".into())
            }
            Definition::Operation(OperationDefinition::Subscription(_)) => {
                return Err("GraphQL subscription".into())
            }
        }
    }
    Ok(())
}

/// Why a request produced no usable response.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpError {
    /// The chain's time budget ran out, or the request timed out.
    #[error("timed out")]
    Timeout,
    /// Could not connect (DNS, refused, TLS).
    #[error("could not connect: {0}")]
    Connect(String),
    /// Still rate-limited when the budget allowed no more waiting.
    #[error("rate limited (HTTP 429){}", retry_after.map(|s| format!(", Retry-After {s}s exceeds the time budget")).unwrap_or_default())]
    RateLimited {
        /// The provider's Retry-After, in seconds, when waiting for it
        /// would have exceeded the budget.
        retry_after: Option<u64>,
    },
    /// The body was larger than the limit.
    #[error("response larger than {0} bytes")]
    TooLarge(usize),
    /// The request is not in the catalog, or breaks a read-only rule.
    #[error("refused by the request catalog: {0}")]
    Refused(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// A response, with its body read (up to the limit). Its `Debug` shows the
/// header names and the body's length only: a provider may echo the token.
#[derive(Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// One call: the concrete path, query string, headers and GraphQL variables.
/// Its `Debug` redacts header values and the body (they carry the token).
#[derive(Default)]
pub struct Call {
    /// Concrete path; must match the spec's template.
    pub path: Option<String>,
    /// Query string without `?`.
    pub query: Option<String>,
    /// Request headers (credentials go here, never in the URL).
    pub headers: Vec<(&'static str, String)>,
    /// GraphQL variables.
    pub variables: Option<serde_json::Value>,
    /// The body of a read-only POST: content type and content. Only sent for
    /// [`RequestKind::ReadOnlyPost`] requests.
    pub body: Option<(&'static str, String)>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(n, v)| (*n, crate::secret::redact(v)))
            .collect();
        f.debug_struct("Call")
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("variables", &self.variables)
            .field(
                "body",
                &self
                    .body
                    .as_ref()
                    .map(|(t, b)| (*t, crate::secret::redact(b))),
            )
            .finish()
    }
}

/// Settings of the HTTP client.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Timeout of one request.
    pub request_timeout: Duration,
    /// Largest body read.
    pub max_body: usize,
    /// Loopback base URL that replaces `https://` (tests only).
    pub redirect: Option<url::Url>,
    /// Loopback endpoint for every AWS request (`AWS_ENDPOINT_URL`, for an
    /// emulator such as moto); checked by [`parse_aws_endpoint`].
    pub aws_endpoint: Option<url::Url>,
    /// Most requests in flight to one provider host at a time.
    pub per_host: usize,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            max_body: 4 * 1024 * 1024,
            redirect: None,
            aws_endpoint: None,
            per_host: PER_HOST,
        }
    }
}

/// Default bound on the requests in flight to one provider host: well
/// under the concurrency providers tolerate from one client (GitHub's
/// secondary limit is 100), and enough that a workspace with hundreds of
/// tokens for one provider is read in seconds.
pub const PER_HOST: usize = 48;

/// Bounds the requests in flight to each provider host.
#[derive(Debug, Default)]
struct HostLimiter {
    in_flight: std::sync::Mutex<std::collections::HashMap<&'static str, usize>>,
    freed: std::sync::Condvar,
}

/// A place in a host's quota, given back when dropped.
struct HostPermit<'a> {
    limiter: &'a HostLimiter,
    host: &'static str,
}

impl HostLimiter {
    /// Waits for a place among the `limit` requests to `host`, until
    /// `deadline`; `None` when the deadline passes first.
    fn acquire(
        &self,
        host: &'static str,
        limit: usize,
        deadline: Instant,
    ) -> Option<HostPermit<'_>> {
        let mut map = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let n = map.entry(host).or_insert(0);
            if *n < limit.max(1) {
                *n += 1;
                return Some(HostPermit {
                    limiter: self,
                    host,
                });
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            map = self
                .freed
                .wait_timeout(map, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

impl Drop for HostPermit<'_> {
    fn drop(&mut self) {
        let mut map = self
            .limiter
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(self.host) {
            *n = n.saturating_sub(1);
        }
        drop(map);
        self.limiter.freed.notify_one();
    }
}

/// Validates a `BLASTRADIUS_API_REDIRECT` value: an `http://` URL on a
/// loopback address, with no path, query or credentials.
pub fn parse_redirect(value: &str) -> Result<url::Url, ConfigError> {
    let refuse = |why: &str| ConfigError::Redirect(format!("{:?}: {why}", shown_value(value)));
    let url = url::Url::parse(value).map_err(|e| refuse(&e.to_string()))?;
    if url.scheme() != "http" {
        return Err(refuse("scheme must be http"));
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(refuse("no credentials, query or fragment allowed"));
    }
    if !matches!(url.path(), "" | "/") {
        return Err(refuse("no path allowed"));
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    if !loopback {
        return Err(refuse("host is not a loopback address"));
    }
    Ok(url)
}

/// A refused endpoint value as an error shows it: any user info (before an
/// `@`) replaced by `…`, and every long word redacted, so a value that
/// carries a credential never prints it whole.
fn shown_value(value: &str) -> String {
    let (scheme, rest) = match value.find("://") {
        Some(i) => value.split_at(i + 3),
        None => ("", value),
    };
    let authority = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let rest = match rest[..authority].rfind('@') {
        Some(at) => format!("…{}", &rest[at..]),
        None => rest.to_string(),
    };
    let mut out = String::new();
    let mut word = String::new();
    for c in scheme.chars().chain(rest.chars()) {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '~' | '%') {
            word.push(c);
            continue;
        }
        out.push_str(&crate::secret::redact_runs(&word, 16));
        word.clear();
        out.push(c);
    }
    out + &crate::secret::redact_runs(&word, 16)
}

/// Validates an `AWS_ENDPOINT_URL` value: an `http://` or `https://` URL on
/// a loopback address (an emulator such as moto), with no credentials,
/// query or fragment. Anything else is refused, like
/// `BLASTRADIUS_API_REDIRECT`, so a hostile environment cannot divert AWS
/// keys to another host.
pub fn parse_aws_endpoint(value: &str) -> Result<url::Url, String> {
    let refuse = |why: &str| format!("{:?}: {why}", shown_value(value));
    let url = url::Url::parse(value).map_err(|e| refuse(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("scheme must be http or https"));
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(refuse("no credentials, query or fragment allowed"));
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    if !loopback {
        return Err(refuse(
            "only a loopback emulator is allowed (blastradius sends real keys only to AWS itself)",
        ));
    }
    Ok(url)
}

/// Whether `host` is an AWS API host (the ones `AWS_ENDPOINT_URL` replaces).
pub fn is_aws_host(host: &str) -> bool {
    host.ends_with(".amazonaws.com")
}

/// The HTTP client shared by every provider.
#[derive(Debug)]
pub struct Http {
    client: reqwest::blocking::Client,
    opts: HttpOptions,
    hosts: HostLimiter,
}

impl Http {
    /// Builds the client: rustls, no redirects, HTTPS only unless redirected
    /// to loopback for tests.
    pub fn new(opts: HttpOptions) -> anyhow::Result<Http> {
        let client = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .https_only(opts.redirect.is_none() && opts.aws_endpoint.is_none())
            .connect_timeout(opts.connect_timeout)
            .timeout(None)
            .user_agent(concat!(
                "blastradius/",
                env!("CARGO_PKG_VERSION"),
                " (read-only token introspection)"
            ))
            .build()?;
        Ok(Http {
            client,
            opts,
            hosts: HostLimiter::default(),
        })
    }

    /// Starts an introspection chain that must end by `budget` from now.
    pub fn session(&self, budget: Duration) -> Session<'_> {
        Session {
            http: self,
            deadline: Instant::now() + budget,
            sent: std::cell::Cell::new(0),
        }
    }

    /// The URL a request goes to.
    pub fn url_for(&self, spec: &RequestSpec, path: &str, query: Option<&str>) -> String {
        let q = query.map(|q| format!("?{q}")).unwrap_or_default();
        if let Some(endpoint) = self
            .opts
            .aws_endpoint
            .as_ref()
            .filter(|_| is_aws_host(spec.host))
        {
            return format!("{}{path}{q}", endpoint.as_str().trim_end_matches('/'));
        }
        match &self.opts.redirect {
            Some(base) => format!(
                "{}/{}{path}{q}",
                base.as_str().trim_end_matches('/'),
                spec.host
            ),
            None => format!("https://{}{path}{q}", spec.host),
        }
    }
}

/// One token's introspection chain, bounded by a deadline.
#[derive(Debug)]
pub struct Session<'a> {
    http: &'a Http,
    deadline: Instant,
    sent: std::cell::Cell<u32>,
}

impl Session<'_> {
    /// How many requests this chain has sent.
    pub fn requests_sent(&self) -> u32 {
        self.sent.get()
    }

    /// The time left in this chain's budget (zero when it has run out).
    pub fn time_left(&self) -> Duration {
        self.remaining().unwrap_or(Duration::ZERO)
    }

    /// The URL a request would go to (after any redirect), for signing.
    pub fn url_for(&self, spec: &RequestSpec, path: &str, query: Option<&str>) -> String {
        self.http.url_for(spec, path, query)
    }

    fn remaining(&self) -> Option<Duration> {
        self.deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// Sends `call` as the catalog request `spec`, retrying a 429 within
    /// the deadline and a 502/503/504 once.
    pub fn send(&self, spec: &RequestSpec, call: Call) -> Result<Response, HttpError> {
        spec.check_read_only().map_err(HttpError::Refused)?;
        let path = call.path.as_deref().unwrap_or(spec.path);
        if !spec.path_matches(path) {
            return Err(HttpError::Refused(format!(
                "path {path} does not match {}",
                spec.path
            )));
        }
        if let (RequestKind::ReadOnlyPost { .. }, Some((_, body))) = (spec.kind, &call.body) {
            check_query_action(spec, body).map_err(HttpError::Refused)?;
        }
        let url = self.http.url_for(spec, path, call.query.as_deref());
        let body = match spec.kind {
            RequestKind::GraphQl { document } => {
                let mut b = serde_json::json!({ "query": document });
                if let Some(v) = &call.variables {
                    b["variables"] = v.clone();
                }
                Some(("application/json", b.to_string()))
            }
            RequestKind::ReadOnlyPost { .. } => call.body.clone(),
            RequestKind::Rest => None,
        };
        let mut server_retry_used = false;
        let mut rate_retries = 0;
        loop {
            let Some(remaining) = self.remaining() else {
                return Err(HttpError::Timeout);
            };
            let method = match spec.method {
                Method::Get => reqwest::Method::GET,
                Method::Head => reqwest::Method::HEAD,
                Method::Post => reqwest::Method::POST,
            };
            let mut req = self
                .http
                .client
                .request(method, &url)
                .timeout(remaining.min(self.http.opts.request_timeout));
            for (name, value) in &call.headers {
                req = req.header(*name, value);
            }
            if let Some((content_type, b)) = &body {
                req = req.header("content-type", *content_type).body(b.clone());
            }
            // The place is held until the body is read (or this attempt
            // ends), and given up while waiting to retry.
            let Some(permit) =
                self.http
                    .hosts
                    .acquire(spec.host, self.http.opts.per_host, self.deadline)
            else {
                return Err(HttpError::Timeout);
            };
            self.sent.set(self.sent.get() + 1);
            let resp = match req.send() {
                Ok(r) => r,
                Err(e) if e.is_timeout() => return Err(HttpError::Timeout),
                Err(e) if e.is_connect() => return Err(HttpError::Connect(error_chain(&e))),
                Err(e) => return Err(HttpError::Other(error_chain(&e))),
            };
            let status = resp.status().as_u16();
            let headers: Vec<(String, String)> = resp
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            if status == 429 {
                let retry_after = headers
                    .iter()
                    .find(|(n, _)| n == "retry-after")
                    .and_then(|(_, v)| v.trim().parse::<u64>().ok());
                let wait = Duration::from_secs(retry_after.unwrap_or(1));
                let fits = self
                    .remaining()
                    .is_some_and(|r| r > wait + Duration::from_millis(200));
                if rate_retries < 3 && fits {
                    rate_retries += 1;
                    drop(permit);
                    std::thread::sleep(wait);
                    continue;
                }
                // Retry-After is named only when it is what the budget could
                // not fit (not when the retries ran out).
                return Err(HttpError::RateLimited {
                    retry_after: retry_after.filter(|_| !fits),
                });
            }
            if matches!(status, 502..=504) && !server_retry_used {
                server_retry_used = true;
                let pause = Duration::from_millis(300);
                if self.remaining().is_some_and(|r| r > pause * 2) {
                    drop(permit);
                    std::thread::sleep(pause);
                    continue;
                }
            }
            let limit = self.http.opts.max_body;
            let mut body = Vec::new();
            use std::io::Read;
            let read = resp.take(limit as u64 + 1).read_to_end(&mut body);
            match read {
                Ok(_) if body.len() > limit => return Err(HttpError::TooLarge(limit)),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    return Err(HttpError::Timeout)
                }
                Err(e) => return Err(HttpError::Other(format!("reading the response: {e}"))),
            }
            drop(permit);
            return Ok(Response {
                status,
                headers,
                body,
            });
        }
    }
}

/// A form-encoded body of the AWS query protocol (`Action=…&…`) must name
/// exactly the action of its catalog entry (the last part of its id,
/// `aws.iam.ListUserPolicies`), so a module cannot send another action
/// under a read-only entry.
fn check_query_action(spec: &RequestSpec, body: &str) -> Result<(), String> {
    let actions: Vec<String> = url::form_urlencoded::parse(body.as_bytes())
        .filter(|(k, _)| k.eq_ignore_ascii_case("action"))
        .map(|(_, v)| v.into_owned())
        .collect();
    if actions.is_empty() {
        return Ok(());
    }
    let declared = spec.id.rsplit('.').next().unwrap_or_default();
    if actions.len() == 1 && actions[0] == declared {
        Ok(())
    } else {
        Err(format!(
            "body action {actions:?} is not the catalog entry's action {declared:?}"
        ))
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_must_be_loopback_http() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.9.9.9:1",
            "http://localhost:9",
            "http://[::1]:80/",
        ] {
            assert!(parse_redirect(ok).is_ok(), "{ok}");
        }
        for bad in [
            "https://127.0.0.1:8080",
            "http://10.0.0.1:80",
            "http://example.com",
            "http://127.0.0.1.evil.com",
            "http://user:pw@127.0.0.1:1",
            "http://127.0.0.1:1/prefix",
            "file:///etc/passwd",
            "",
        ] {
            assert!(parse_redirect(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_of_calls_and_responses_never_shows_the_token() {
        let token = "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";
        let call = Call {
            headers: vec![("authorization", format!("Bearer {token}"))],
            body: Some((
                "application/x-www-form-urlencoded",
                format!("token={token}"),
            )),
            ..Call::default()
        };
        let resp = Response {
            status: 401,
            headers: vec![("content-type".into(), "application/json".into())],
            body: format!("{{\"message\": \"bad token {token}\"}}").into_bytes(),
        };
        for shown in [
            format!("{call:?}"),
            format!("{resp:?}"),
            format!("{call:#?}"),
        ] {
            assert!(!shown.contains(token), "{shown}");
        }
    }

    #[test]
    fn refused_values_never_show_a_credential() {
        let gh = "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";
        for value in [
            format!("http://x-access-token:{gh}@10.0.0.1:80"),
            format!("{gh}@evil"),
            format!("https://evil.example.com/{gh}"),
            gh.to_string(),
        ] {
            let e = parse_redirect(&value).unwrap_err().to_string();
            assert!(!e.contains(gh), "{e}");
            let e = parse_aws_endpoint(&value).unwrap_err();
            assert!(!e.contains(gh), "{e}");
        }
        let e = parse_redirect("http://10.1.2.3:80")
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"http://10.1.2.3:80\""), "{e}");
    }

    #[test]
    fn requests_in_flight_per_host_are_bounded() {
        let limiter = HostLimiter::default();
        let now = std::sync::atomic::AtomicUsize::new(0);
        let most = std::sync::atomic::AtomicUsize::new(0);
        let deadline = Instant::now() + Duration::from_secs(30);
        std::thread::scope(|s| {
            for i in 0..24 {
                let (limiter, now, most) = (&limiter, &now, &most);
                s.spawn(move || {
                    let host = if i % 2 == 0 { "a.example" } else { "b.example" };
                    let permit = limiter.acquire(host, 3, deadline).unwrap();
                    if host == "a.example" {
                        let n = now.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                        most.fetch_max(n, std::sync::atomic::Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                        now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    drop(permit);
                });
            }
        });
        assert_eq!(most.into_inner(), 3);
        // A full host and a passed deadline: no place.
        let held: Vec<_> = (0..2)
            .map(|_| limiter.acquire("c.example", 2, deadline).unwrap())
            .collect();
        assert!(limiter.acquire("c.example", 2, Instant::now()).is_none());
        drop(held);
    }

    #[test]
    fn graphql_mutations_are_refused() {
        assert!(graphql_is_query_only("query A { me { id } }").is_ok());
        assert!(graphql_is_query_only("{ me { id } }").is_ok());
        assert!(graphql_is_query_only("mutation { volumeDelete(volumeId: \"x\") }").is_err());
        assert!(graphql_is_query_only("query A { me { id } } mutation B { x }").is_err());
        assert!(graphql_is_query_only("subscription { logs }").is_err());
        assert!(graphql_is_query_only("not graphql").is_err());
    }

    #[test]
    fn path_templates_match_one_segment() {
        let spec = RequestSpec {
            id: "t",
            method: Method::Get,
            host: "api.example.com",
            path: "/repos/{owner}/{repo}/environments",
            kind: RequestKind::Rest,
            purpose: "",
        };
        assert!(spec.path_matches("/repos/acme/api/environments"));
        assert!(!spec.path_matches("/repos/acme/api/x/environments"));
        assert!(!spec.path_matches("/repos//api/environments"));
        assert!(!spec.path_matches("/user"));
        let verb = RequestSpec {
            path: "/v1/projects/{project}:testIamPermissions",
            ..spec
        };
        assert!(verb.path_matches("/v1/projects/acme-prod:testIamPermissions"));
        assert!(!verb.path_matches("/v1/projects/:testIamPermissions"));
        assert!(!verb.path_matches("/v1/projects/acme:setIamPolicy"));
        assert!(!verb.path_matches("/v1/projects/a:b:testIamPermissions"));
    }
}
