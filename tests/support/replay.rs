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
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
///
/// Plain `std::net`: one thread per connection, requests on a kept-alive
/// connection answered in turn, each after its reply's delay. (A server
/// library that answers from other threads than it reads on stalled now and
/// then under dozens of concurrent connections.)
pub struct ReplayServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    addr: std::net::SocketAddr,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<Recorded>>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Requests being answered now, and the most at any time.
    in_flight: Arc<(AtomicUsize, AtomicUsize)>,
}

/// What one connection's thread shares with the server.
#[derive(Clone)]
struct Shared {
    log: Arc<Mutex<Vec<Recorded>>>,
    routes: Arc<Mutex<Vec<Route>>>,
    in_flight: Arc<(AtomicUsize, AtomicUsize)>,
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
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let shared = Shared {
            log: Arc::new(Mutex::new(Vec::new())),
            routes: Arc::new(Mutex::new(routes_from(&scenario))),
            in_flight: Arc::new((AtomicUsize::new(0), AtomicUsize::new(0))),
        };
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sh) = (stop.clone(), shared.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let sh = sh.clone();
                std::thread::spawn(move || serve_connection(stream, &sh));
            }
        });
        ReplayServer {
            url: format!("http://{addr}"),
            addr,
            stop,
            log: shared.log,
            thread: Some(thread),
            in_flight: shared.in_flight,
        }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    /// The most requests that were being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.in_flight.1.load(Ordering::SeqCst)
    }
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accepting thread so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Answers the requests of one connection in turn until the client closes
/// it or asks to.
fn serve_connection(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = stream.set_nodelay(true);
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut writer = write_half;
    while let Some((rec, close)) = read_request(&mut reader) {
        let now = shared.in_flight.0.fetch_add(1, Ordering::SeqCst) + 1;
        shared.in_flight.1.fetch_max(now, Ordering::SeqCst);
        shared.log.lock().unwrap().push(rec.clone());
        let reply = pick_reply(&shared.routes, &rec);
        std::thread::sleep(reply.delay);
        let mut head = format!(
            "HTTP/1.1 {} {}\r\ncontent-length: {}\r\n",
            reply.status,
            reason(reply.status),
            reply.body.len()
        );
        for (k, v) in &reply.headers {
            if k != "content-length" && k != "connection" {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        head.push_str(if close {
            "connection: close\r\n\r\n"
        } else {
            "\r\n"
        });
        // One write: a head and body written apart wait on each other
        // (Nagle's algorithm against the client's delayed ACK).
        let mut message = head.into_bytes();
        message.extend_from_slice(&reply.body);
        let ok = writer
            .write_all(&message)
            .and_then(|()| writer.flush())
            .is_ok();
        shared.in_flight.0.fetch_sub(1, Ordering::SeqCst);
        if !ok || close {
            return;
        }
    }
}

/// Reads one request: its record and whether the client asked to close the
/// connection after it. `None` at the end of the connection.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(Recorded, bool)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let url = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end_matches(['\r', '\n']);
        if h.is_empty() {
            break;
        }
        if let Some((name, value)) = h.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let len: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body).ok()?;
    let close = header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    Some((
        Recorded {
            method,
            url,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        },
        close,
    ))
}

/// The reply of the first route that matches `rec`, or a 404.
fn pick_reply(routes: &Mutex<Vec<Route>>, rec: &Recorded) -> Reply {
    let mut rs = routes.lock().unwrap();
    let path = rec.url.split('?').next().unwrap_or_default();
    let found = rs.iter_mut().find(|r| {
        r.method.eq_ignore_ascii_case(&rec.method)
            && r.path == path
            && r.header
                .as_ref()
                .is_none_or(|(n, v)| rec.headers.iter().any(|(hn, hv)| hn == n && hv == v))
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
}

/// The reason phrase of a status code (any will do for the client).
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
