//! A raw TCP server that misbehaves on purpose, for the failing-provider
//! tests: it reads one HTTP request per connection and then does whatever
//! the test asked — answers, truncates the body, streams a huge body, never
//! answers, or writes bytes that are not HTTP at all (which also makes a TLS
//! handshake fail). Every request is recorded.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server does once it has read a request.
#[derive(Clone, Debug)]
pub enum Fault {
    /// A complete response.
    Respond {
        /// HTTP status.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// Headers promising `declared` bytes, then only `body`, then close.
    Truncated {
        /// The Content-Length sent.
        declared: usize,
        /// What is actually sent.
        body: Vec<u8>,
    },
    /// A 200 with a JSON content type and a body of `size` bytes, streamed
    /// in chunks until the client hangs up.
    Huge {
        /// Content-Length.
        size: usize,
    },
    /// Reads the request, then never answers (until the server stops).
    Silent,
    /// Writes these raw bytes (no HTTP framing) and closes.
    Raw(Vec<u8>),
}

impl Fault {
    /// A complete JSON response.
    pub fn json(status: u16, body: &str) -> Fault {
        Fault::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// A complete HTML response.
    pub fn html(status: u16, body: &str) -> Fault {
        Fault::Respond {
            status,
            headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
            body: body.as_bytes().to_vec(),
        }
    }
}

/// One request the server read.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The request line, e.g. `GET /api.github.com/user HTTP/1.1`.
    pub line: String,
    /// The whole request head and body, lossily decoded.
    pub raw: String,
}

/// A running fault server; stops when dropped.
pub struct FaultServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The port.
    pub port: u16,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Bytes of body the server managed to write, over all connections.
    written: Arc<Mutex<u64>>,
}

impl FaultServer {
    /// Starts a server that answers every request with `pick(request line)`.
    pub fn start(pick: impl Fn(&str) -> Fault + Send + Sync + 'static) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let written = Arc::new(Mutex::new(0u64));
        let pick = Arc::new(pick);
        let (st, sn, wr) = (stop.clone(), seen.clone(), written.clone());
        std::thread::spawn(move || {
            while !st.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (st, sn, wr, pick) = (st.clone(), sn.clone(), wr.clone(), pick.clone());
                        std::thread::spawn(move || serve(stream, &*pick, &st, &sn, &wr));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        FaultServer {
            url: format!("http://127.0.0.1:{port}"),
            port,
            stop,
            seen,
            written,
        }
    }

    /// Every request read so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Body bytes written so far.
    pub fn written(&self) -> u64 {
        *self.written.lock().unwrap()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Reads one request head (and a Content-Length body, if any); `None` when
/// the peer sent something that is not HTTP (a TLS ClientHello) or closed.
fn read_request(stream: &mut TcpStream) -> Option<String> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.first().is_some_and(|b| !b.is_ascii_alphabetic()) {
            // A TLS record (0x16…) or other binary: not HTTP.
            return Some(String::from_utf8_lossy(&buf).into_owned());
        }
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = stream.read(&mut chunk).ok()?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(String::from_utf8_lossy(&buf).into_owned());
        }
        if buf.len() > 1 << 20 {
            return Some(String::from_utf8_lossy(&buf).into_owned());
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        401 => "Unauthorized",
        403 => "Forbidden",
        429 => "Too Many Requests",
        _ => "Status",
    }
}

fn serve(
    mut stream: TcpStream,
    pick: &(dyn Fn(&str) -> Fault + Send + Sync),
    stop: &AtomicBool,
    seen: &Mutex<Vec<Seen>>,
    written: &Mutex<u64>,
) {
    let _ = stream.set_nonblocking(false);
    let Some(raw) = read_request(&mut stream) else {
        return;
    };
    let line = raw.lines().next().unwrap_or_default().to_string();
    seen.lock().unwrap().push(Seen {
        line: line.clone(),
        raw,
    });
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    match pick(&line) {
        Fault::Respond {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-length: {}\r\nconnection: close\r\n",
                reason(status),
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
            *written.lock().unwrap() += body.len() as u64;
        }
        Fault::Truncated { declared, body } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {declared}\r\nconnection: close\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
            let _ = stream.flush();
            *written.lock().unwrap() += body.len() as u64;
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        Fault::Huge { size } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {size}\r\nconnection: close\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).is_err() {
                return;
            }
            // A JSON string that never ends, 64 KiB at a time.
            let mut chunk = vec![b'a'; 64 * 1024];
            chunk[..2].copy_from_slice(b"[\"");
            let mut sent = 0usize;
            while sent < size && !stop.load(Ordering::Relaxed) {
                let n = chunk.len().min(size - sent);
                if stream.write_all(&chunk[..n]).is_err() {
                    break;
                }
                sent += n;
                chunk[..2].copy_from_slice(b"aa");
            }
            *written.lock().unwrap() += sent as u64;
        }
        Fault::Silent => {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Fault::Raw(bytes) => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// How a bounded run of the binary ended.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
    /// Wall time.
    pub elapsed: Duration,
    /// Peak resident set of the process in KiB, when `/usr/bin/time` exists.
    pub peak_rss_kib: Option<u64>,
}

impl Run {
    /// stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&self.stdout),
                String::from_utf8_lossy(&self.stderr)
            )
        })
    }

    /// stdout and stderr, lossily decoded.
    pub fn text(&self) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&self.stdout),
            String::from_utf8_lossy(&self.stderr)
        )
    }
}

/// Runs `cmd` with stdout and stderr sent to files (so a large report cannot
/// fill a pipe and stall it), measuring its peak RSS with `/usr/bin/time`
/// when available; kills it and panics when it runs longer than `limit`.
pub fn run_bounded(cmd: &std::process::Command, limit: Duration) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let (out_path, err_path, rss_path) = (
        dir.path().join("stdout"),
        dir.path().join("stderr"),
        dir.path().join("rss"),
    );
    let time = std::path::Path::new("/usr/bin/time");
    let mut c = if time.exists() {
        let mut c = std::process::Command::new(time);
        c.arg("-f").arg("%M").arg("-o").arg(&rss_path);
        c.arg(cmd.get_program()).args(cmd.get_args());
        c
    } else {
        let mut c = std::process::Command::new(cmd.get_program());
        c.args(cmd.get_args());
        c
    };
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    if let Some(d) = cmd.get_current_dir() {
        c.current_dir(d);
    }
    c.stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    let start = std::time::Instant::now();
    let mut child = c.spawn().expect("spawn the binary");
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            // `/usr/bin/time` runs the binary as its child: kill that first.
            let children = format!("/proc/{0}/task/{0}/children", child.id());
            for pid in std::fs::read_to_string(children)
                .unwrap_or_default()
                .split_whitespace()
            {
                let _ = std::process::Command::new("kill")
                    .args(["-9", pid])
                    .status();
            }
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{:?} ran longer than {limit:?} (a hang); stderr so far:\n{}",
                cmd.get_args().collect::<Vec<_>>(),
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let peak_rss_kib = std::fs::read_to_string(&rss_path)
        .ok()
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()));
    Run {
        code: status.code(),
        stdout: std::fs::read(&out_path).unwrap(),
        stderr: std::fs::read(&err_path).unwrap(),
        elapsed,
        peak_rss_kib,
    }
}
