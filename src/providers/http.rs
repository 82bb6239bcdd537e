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
        /// The provider's Retry-After, in seconds.
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

/// A response, with its body read (up to the limit).
#[derive(Debug, Clone)]
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
#[derive(Debug, Default)]
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
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            max_body: 4 * 1024 * 1024,
            redirect: None,
            aws_endpoint: None,
        }
    }
}

/// Validates a `BLASTRADIUS_API_REDIRECT` value: an `http://` URL on a
/// loopback address, with no path, query or credentials.
pub fn parse_redirect(value: &str) -> Result<url::Url, ConfigError> {
    let refuse = |why: &str| ConfigError::Redirect(format!("{value:?}: {why}"));
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

/// Validates an `AWS_ENDPOINT_URL` value: an `http://` or `https://` URL on
/// a loopback address (an emulator such as moto), with no credentials,
/// query or fragment. Anything else is refused, like
/// `BLASTRADIUS_API_REDIRECT`, so a hostile environment cannot divert AWS
/// keys to another host.
pub fn parse_aws_endpoint(value: &str) -> Result<url::Url, String> {
    let refuse = |why: &str| format!("{value:?}: {why}");
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
        Ok(Http { client, opts })
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
                    std::thread::sleep(wait);
                    continue;
                }
                return Err(HttpError::RateLimited { retry_after });
            }
            if matches!(status, 502..=504) && !server_retry_used {
                server_retry_used = true;
                let pause = Duration::from_millis(300);
                if self.remaining().is_some_and(|r| r > pause * 2) {
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
