//! A local HTTP server that replays realistic provider responses, for tests
//! and demos: `BLASTRADIUS_API_REDIRECT=http://127.0.0.1:PORT` sends every
//! provider request for `https://HOST/PATH` to `http://127.0.0.1:PORT/HOST/PATH`.
//!
//! Scenarios are JSON files (`fixtures/http/*.json`):
//! ```json
//! {"routes": [{"method": "POST", "path": "/backboard.railway.com/graphql/v2",
//!              "header": ["authorization", "Bearer 3f2c…"], "body_contains": "BlastradiusMe",
//!              "responses": [{"status": 429, "headers": {"retry-after": "1"}},
//!                            {"status": 200, "json": {"data": {}}}]}]}
//! ```
//! A route's responses are served in order, the last one repeating. A route
//! may give a single response inline (`status`, `headers`, `json`/`text`,
//! `delay_ms`). Unmatched requests get a 404. Every request is recorded.
#![allow(dead_code)]

use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One recorded request.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Method.
    pub method: String,
    /// `/HOST/PATH?QUERY`.
    pub url: String,
    /// Headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: String,
}

#[derive(Clone, Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
}

#[derive(Debug)]
struct Route {
    method: String,
    path: String,
    header: Option<(String, String)>,
    body_contains: Option<String>,
    replies: Vec<Reply>,
    served: usize,
}

fn reply_from(v: &Value) -> Reply {
    let mut headers: Vec<(String, String)> = v
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .map(|(k, v)| {
                    (
                        k.to_ascii_lowercase(),
                        v.as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let body = if let Some(j) = v.get("json") {
        if !headers.iter().any(|(k, _)| k == "content-type") {
            headers.push((
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            ));
        }
        j.to_string().into_bytes()
    } else if let Some(t) = v.get("text").and_then(Value::as_str) {
        t.as_bytes().to_vec()
    } else if let Some(n) = v.get("repeat_bytes").and_then(Value::as_u64) {
        vec![b'x'; n as usize]
    } else {
        Vec::new()
    };
    Reply {
        status: v.get("status").and_then(Value::as_u64).unwrap_or(200) as u16,
        headers,
        body,
        delay: Duration::from_millis(v.get("delay_ms").and_then(Value::as_u64).unwrap_or(0)),
    }
}

fn routes_from(scenario: &Value) -> Vec<Route> {
    let list = scenario
        .get("routes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    list.iter()
        .map(|r| {
            let replies = match r.get("responses").and_then(Value::as_array) {
                Some(rs) => rs.iter().map(reply_from).collect(),
                None => vec![reply_from(r)],
            };
            Route {
                method: r
                    .get("method")
                    .and_then(Value::as_str)
                    .unwrap_or("GET")
                    .to_string(),
                path: r
                    .get("path")
                    .and_then(Value::as_str)
                    .unwrap_or("/")
                    .to_string(),
                header: r.get("header").and_then(Value::as_array).map(|h| {
                    (
                        h[0].as_str().unwrap_or_default().to_ascii_lowercase(),
                        h[1].as_str().unwrap_or_default().to_string(),
                    )
                }),
                body_contains: r
                    .get("body_contains")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                replies,
                served: 0,
            }
        })
        .collect()
}

/// A running replay server; stops when dropped.
pub struct ReplayServer {
    server: Arc<tiny_http::Server>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    log: Arc<Mutex<Vec<Recorded>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ReplayServer {
    /// Serves the scenario in a JSON file.
    pub fn from_file(path: &std::path::Path) -> ReplayServer {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        ReplayServer::start(serde_json::from_str(&text).expect("scenario is JSON"))
    }

    /// Serves a scenario.
    pub fn start(scenario: Value) -> ReplayServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind loopback"));
        let url = format!(
            "http://{}",
            server.server_addr().to_ip().expect("ip listener")
        );
        let log = Arc::new(Mutex::new(Vec::new()));
        let routes = Arc::new(Mutex::new(routes_from(&scenario)));
        let (srv, lg) = (server.clone(), log.clone());
        let thread = std::thread::spawn(move || {
            for mut req in srv.incoming_requests() {
                let mut body = String::new();
                let _ = req.as_reader().read_to_string(&mut body);
                let rec = Recorded {
                    method: req.method().as_str().to_string(),
                    url: req.url().to_string(),
                    headers: req
                        .headers()
                        .iter()
                        .map(|h| {
                            (
                                h.field.as_str().as_str().to_ascii_lowercase(),
                                h.value.as_str().to_string(),
                            )
                        })
                        .collect(),
                    body,
                };
                lg.lock().unwrap().push(rec.clone());
                let reply = {
                    let mut rs = routes.lock().unwrap();
                    let path = rec.url.split('?').next().unwrap_or_default();
                    let found = rs.iter_mut().find(|r| {
                        r.method.eq_ignore_ascii_case(&rec.method)
                            && r.path == path
                            && r.header.as_ref().is_none_or(|(n, v)| {
                                rec.headers.iter().any(|(hn, hv)| hn == n && hv == v)
                            })
                            && r.body_contains
                                .as_ref()
                                .is_none_or(|b| rec.body.contains(b.as_str()))
                    });
                    match found {
                        Some(r) => {
                            let i = r.served.min(r.replies.len() - 1);
                            r.served += 1;
                            r.replies[i].clone()
                        }
                        None => Reply {
                            status: 404,
                            headers: vec![("content-type".into(), "application/json".into())],
                            body: br#"{"message":"Not Found (no replay route)"}"#.to_vec(),
                            delay: Duration::ZERO,
                        },
                    }
                };
                std::thread::spawn(move || {
                    std::thread::sleep(reply.delay);
                    let mut resp =
                        tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
                    for (k, v) in &reply.headers {
                        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
                            resp.add_header(h);
                        }
                    }
                    let _ = req.respond(resp);
                });
            }
        });
        ReplayServer {
            server,
            url,
            log,
            thread: Some(thread),
        }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
