//! Serves a replay scenario so `blastradius` can be tried against realistic
//! provider responses without reaching any provider:
//!
//! ```sh
//! cargo run --example replay -- fixtures/http/incident.json
//! # prints http://127.0.0.1:PORT; then, in another shell:
//! BLASTRADIUS_API_REDIRECT=http://127.0.0.1:PORT cargo run --release -- scan fixtures/incident
//! ```
#![allow(clippy::print_stdout)] // a tiny CLI: printing the URL is its job

#[path = "../tests/support/replay.rs"]
mod replay;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: replay SCENARIO.json");
        std::process::exit(2);
    };
    let server = replay::ReplayServer::from_file(std::path::Path::new(&path));
    println!("{}", server.url);
    loop {
        std::thread::park();
    }
}
