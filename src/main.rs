//! The `blastradius` binary: parse, run, map to an exit status.
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
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
