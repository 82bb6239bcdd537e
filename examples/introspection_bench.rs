//! Times introspection under load: `N` distinct GitHub tokens (each in two
//! files) against a loopback fake of GitHub's API that answers every
//! request after `DELAY_MS`. Prints the wall time, the requests per token
//! and the most requests in flight at once.
//!
//! ```sh
//! cargo build --release
//! cargo run --release --example introspection_bench -- target/release/blastradius [N [DELAY_MS]]
//! ```
#![allow(clippy::print_stdout)] // a benchmark: printing the figures is its job

#[path = "../tests/support/load.rs"]
mod load;
#[path = "../tests/support/replay.rs"]
mod replay;

use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let binary = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "target/release/blastradius".into()),
    );
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let delay_ms: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));

    let tokens = load::github_tokens(n);
    let dir =
        std::env::temp_dir().join(format!("blastradius-introspection-{}", std::process::id()));
    load::write_workspace(&dir, &tokens);
    let server = replay::ReplayServer::start(load::github_scenario(root, delay_ms));

    let started = Instant::now();
    let out = std::process::Command::new(&binary)
        .args(["scan", "--format", "json", "--timeout", "60"])
        .arg(&dir)
        .env("BLASTRADIUS_API_REDIRECT", &server.url)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", binary.display()));
    let wall = started.elapsed();
    let _ = std::fs::remove_dir_all(&dir);

    let requests = server.requests();
    let per_token = load::requests_per_token(&requests, &tokens);
    let (min, max) = (
        per_token.iter().min().copied().unwrap_or(0),
        per_token.iter().max().copied().unwrap_or(0),
    );
    println!(
        "introspection: {n} distinct tokens (each found twice), {delay_ms} ms per request: \
         {:.2} s wall, {} requests ({min}–{max} per token), at most {} in flight, exit {:?}",
        wall.as_secs_f64(),
        requests.len(),
        server.max_in_flight(),
        out.status.code()
    );
}
