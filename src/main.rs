//! The `blastradius` binary: parse, run, map to an exit status.
use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    install_panic_hook();
    let cli = blastradius::cli::Cli::parse();
    match blastradius::app::run(cli) {
        Ok(blastradius::app::ExitStatus::Clean) => ExitCode::SUCCESS,
        Ok(blastradius::app::ExitStatus::Failed) => ExitCode::from(1),
        Err(err) => {
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("blastradius: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// A panic (a bug) prints one fixed line with its location and its message
/// with every long word redacted — a panic message may hold a secret — and
/// exits 2 at once, from whichever thread panicked. The raw message is never
/// printed.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_string());
        let place = info
            .location()
            .map_or_else(|| "unknown place".to_string(), |l| l.to_string());
        // Not `eprintln!`: a closed stderr must not panic inside the hook.
        let _ = writeln!(
            std::io::stderr(),
            "blastradius: internal error at {place}: {} (this is a bug; please report it)",
            blastradius::secret::redact_runs(&payload, 8)
        );
        std::process::exit(2);
    }));
}
