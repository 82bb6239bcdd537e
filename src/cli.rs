//! The command line (clap derive). Parsing only; `app` does the work.

use crate::report::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// What could an AI coding agent that reads these files destroy?
#[derive(Debug, Parser)]
#[command(name = "blastradius", version, about, max_term_width = 100)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find tokens an agent could read, learn read-only what they can destroy, score them.
    Scan(ScanArgs),
    /// The built-in and loaded detectors.
    #[command(subcommand)]
    Detectors(DetectorsCommand),
    /// What a scoring rule means, why it matters and how to fix it.
    Explain {
        /// A rule id such as BR040 (omit to list every rule).
        rule: Option<String>,
    },
    /// Every request a provider module can send (nothing is sent).
    Requests,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command to a directory.
    Man {
        /// Write blastradius.1, blastradius-scan.1, … into DIR instead.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
    /// Write a starter blastradius.toml, a pre-commit entry and a GitHub workflow.
    Init {
        /// The repository to set up.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Overwrite files that already exist.
        #[arg(long)]
        force: bool,
    },
}

/// `scan` options.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// No network at all: offline evidence only.
    #[arg(long)]
    pub offline: bool,
    /// Findings scoring at or above SCORE fail the run (0-100) [default: 70].
    #[arg(long, value_name = "SCORE", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub fail_on: Option<u8>,
    /// Configuration file [default: ./blastradius.toml when present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Extra detector files (TOML, same format as the built-in ones).
    #[arg(long = "detectors", value_name = "FILE")]
    pub detector_files: Vec<PathBuf>,
    /// Skip files larger than this many bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_file_size: Option<u64>,
    /// Follow symbolic links (loops are detected and counted).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Time budget in seconds for one token's whole request chain.
    #[arg(long, value_name = "SECS", default_value_t = 20.0)]
    pub timeout: f64,
    /// Print every request the scan could send, then exit without scanning.
    #[arg(long)]
    pub explain_requests: bool,
    /// Also scan the credential stores in $HOME an agent running as you can read.
    #[arg(long)]
    pub home: bool,
    /// Only what `git add` has staged (the index, not the work tree): for pre-commit.
    #[arg(long)]
    pub staged: bool,
    /// Findings listed in this baseline file do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the current findings to FILE as a baseline.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Only files changed between BASE (a commit, branch or tag) and the
    /// working tree, plus untracked files: for pull-request checks.
    #[arg(long, value_name = "BASE", conflicts_with_all = ["staged", "history"])]
    pub diff: Option<String>,
    /// Also scan every blob reachable from the git refs (what `git log -p` shows).
    #[arg(long)]
    pub history: bool,
    /// gitleaks/betterleaks rule files to load (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub rule_files: Vec<PathBuf>,
    /// Do not pick up .gitleaks.toml / .betterleaks.toml at the scanned root.
    #[arg(long)]
    pub no_gitleaks_config: bool,
    /// Colour in the table.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// List which files an agent can read, which a deny-list hides, and the
    /// tokens in each, instead of the findings report.
    #[arg(long)]
    pub agent_view: bool,
    /// Print nothing when the run passes (table output); no progress or notes.
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,
    /// Notes on stderr: what was loaded, skipped files, time per phase.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// When to colour output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `detectors` subcommands.
#[derive(Debug, Subcommand)]
pub enum DetectorsCommand {
    /// List detectors.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
        /// Extra detector files to load.
        #[arg(long = "detectors", value_name = "FILE")]
        detector_files: Vec<PathBuf>,
        /// gitleaks/betterleaks rule files to load (repeatable).
        #[arg(long = "rules", value_name = "FILE")]
        rule_files: Vec<PathBuf>,
    },
    /// Check detector files: every example must match, every negative example must not.
    Check {
        /// Detector files to check besides the built-in ones.
        files: Vec<PathBuf>,
        /// gitleaks/betterleaks rule files to load and check (repeatable);
        /// their rules carry no examples, which is a warning, not a failure.
        #[arg(long = "rules", value_name = "FILE")]
        rule_files: Vec<PathBuf>,
    },
}

/// Formats of `detectors list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table.
    Table,
    /// JSON array.
    Json,
}
