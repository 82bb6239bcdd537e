//! The commands: resolve options, run the pipeline, write the report, and
//! choose the exit status.

use crate::cli::{Cli, Color, Command, DetectorsCommand, ListFormat, ScanArgs};
use crate::config::Config;
use crate::detectors::{check, DetectorSet};
use crate::error::ConfigError;
use crate::providers::http::{self, Http, HttpOptions, RequestKind};
use crate::report::Report;
use crate::{assess, providers, scan, scoring};
use anyhow::{bail, Context, Result};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

/// The environment variable that sends provider requests to a loopback server (tests).
pub const REDIRECT_ENV: &str = "BLASTRADIUS_API_REDIRECT";

/// Default `--fail-on`.
pub const DEFAULT_FAIL_ON: u8 = 70;

/// How the process should exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing at or above the threshold.
    Clean,
    /// At least one finding at or above the threshold.
    Failed,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitStatus> {
    match cli.command {
        Command::Scan(args) => scan_command(&args),
        Command::Detectors(DetectorsCommand::List {
            format,
            detector_files,
        }) => {
            let set = DetectorSet::load(&detector_files)?;
            list_detectors(&set, format, &mut std::io::stdout().lock())?;
            Ok(ExitStatus::Clean)
        }
        Command::Detectors(DetectorsCommand::Check { files }) => {
            let set = DetectorSet::load(&files)?;
            let problems = check::check(&set);
            let mut out = std::io::stdout().lock();
            for p in &problems {
                writeln!(out, "{p}")?;
            }
            writeln!(
                out,
                "{} detectors checked, {} problems",
                set.detectors().len(),
                problems.len()
            )?;
            Ok(if problems.is_empty() {
                ExitStatus::Clean
            } else {
                ExitStatus::Failed
            })
        }
        Command::Explain { rule } => {
            explain(rule.as_deref(), &mut std::io::stdout().lock())?;
            Ok(ExitStatus::Clean)
        }
        Command::Requests => {
            write_requests(&mut std::io::stdout().lock())?;
            Ok(ExitStatus::Clean)
        }
    }
}

fn redirect_from_env() -> Result<Option<url::Url>, ConfigError> {
    match std::env::var_os(REDIRECT_ENV) {
        None => Ok(None),
        Some(v) => http::parse_redirect(&v.to_string_lossy()).map(Some),
    }
}

fn scan_command(args: &ScanArgs) -> Result<ExitStatus> {
    let redirect = redirect_from_env()?;
    if args.explain_requests {
        write_requests(&mut std::io::stdout().lock())?;
        return Ok(ExitStatus::Clean);
    }
    for p in &args.paths {
        if std::fs::symlink_metadata(p).is_err() {
            return Err(ConfigError::MissingPath(p.clone()).into());
        }
    }
    let first_dir = args.paths.iter().find(|p| p.is_dir()).map(PathBuf::as_path);
    let config = Config::discover(args.config.as_deref(), first_dir)?;
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(DEFAULT_FAIL_ON);
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        bail!("--timeout must be a positive number of seconds");
    }
    let mut detector_files = config.detectors.clone();
    detector_files.extend(args.detector_files.iter().cloned());
    let detectors = load_detectors(args, &detector_files)?;
    let opts = scan::ScanOptions {
        max_file_size: args
            .max_file_size
            .or(config.scan.max_file_size)
            .unwrap_or(10 * 1024 * 1024),
        follow_symlinks: args.follow_symlinks,
        threads: 0,
    };
    let mut scanned = if args.staged {
        let dir = first_dir.unwrap_or(std::path::Path::new("."));
        crate::staged::scan_staged(dir, &detectors, &opts)?
    } else {
        scan::scan_paths(&args.paths, &detectors, &opts)
    };
    if args.home {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .context("--home: HOME is not set")?;
        scanned.merge(crate::home::scan_home(&home, &detectors, &opts));
    }
    let budget = Duration::from_secs_f64(args.timeout);
    let http = if args.offline {
        None
    } else {
        Some(Http::new(HttpOptions {
            request_timeout: budget.min(Duration::from_secs(10)),
            connect_timeout: budget.min(Duration::from_secs(5)),
            redirect,
            ..HttpOptions::default()
        })?)
    };
    let findings = assess::assess(
        &scanned.candidates,
        &detectors,
        &assess::AssessOptions {
            http: http.as_ref(),
            chain_budget: budget,
            concurrency: 16,
        },
    );
    let report = Report::new(findings, &scanned, fail_on);
    match &args.output {
        Some(path) => {
            let mut f = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            report.write(args.format, &mut f, false)?;
        }
        None => {
            let stdout = std::io::stdout();
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            let mut lock = stdout.lock();
            report.write(args.format, &mut lock, color)?;
            lock.flush()?;
        }
    }
    Ok(if report.summary.failed {
        ExitStatus::Failed
    } else {
        ExitStatus::Clean
    })
}

/// Built-in detectors, the config's and `--detectors` files, and gitleaks rules.
fn load_detectors(args: &ScanArgs, detector_files: &[PathBuf]) -> Result<DetectorSet> {
    let set = DetectorSet::load(detector_files).context("loading detectors")?;
    if args.rule_files.is_empty() {
        return Ok(set);
    }
    let mut all = set.into_detectors();
    for f in &args.rule_files {
        all.extend(
            crate::gitleaks::load_rules(f)
                .with_context(|| format!("loading rules from {}", f.display()))?,
        );
    }
    Ok(DetectorSet::from_detectors(all)?)
}

fn list_detectors(set: &DetectorSet, format: ListFormat, out: &mut dyn Write) -> Result<()> {
    match format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = set
                .detectors()
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "id": d.id,
                        "provider": d.provider,
                        "name": d.name,
                        "token_kind": d.token_kind,
                        "keywords": d.keywords,
                        "introspection": providers::find(&d.provider).is_some(),
                        "origin": d.origin,
                        "examples": d.examples.len(),
                        "negative_examples": d.negative_examples.len(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list)?;
            writeln!(out)?;
        }
        ListFormat::Table => {
            let mut t = comfy_table::Table::new();
            t.load_preset(comfy_table::presets::UTF8_HORIZONTAL_ONLY)
                .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
                .set_width(100)
                .set_header(vec!["id", "provider", "name", "introspection"]);
            for d in set.detectors() {
                let intro = if providers::find(&d.provider).is_some() {
                    "read-only"
                } else {
                    "detection only"
                };
                t.add_row(vec![
                    d.id.as_str(),
                    d.provider.as_str(),
                    d.name.as_str(),
                    intro,
                ]);
            }
            writeln!(out, "{t}")?;
            writeln!(out, "{} detectors", set.detectors().len())?;
        }
    }
    Ok(())
}

fn explain(rule: Option<&str>, out: &mut dyn Write) -> Result<()> {
    match rule {
        None => {
            for r in scoring::RULES {
                writeln!(
                    out,
                    "{}  {:<26} +{:<3} {}",
                    r.id,
                    r.name,
                    r.points,
                    first_sentence(r.what)
                )?;
            }
        }
        Some(id) => {
            let Some(r) = scoring::rule(id) else {
                let known: Vec<&str> = scoring::RULES.iter().map(|r| r.id).collect();
                bail!("unknown rule {id:?}; rules are {}", known.join(", "));
            };
            writeln!(out, "{} {} (+{} points)\n", r.id, r.name, r.points)?;
            writeln!(out, "What it means\n  {}\n", r.what)?;
            writeln!(out, "Why it matters\n  {}\n", r.why)?;
            writeln!(out, "How to fix it\n  {}", r.fix)?;
        }
    }
    Ok(())
}

fn first_sentence(s: &str) -> &str {
    s.split_inclusive(". ").next().unwrap_or(s).trim_end()
}

/// Prints the request catalog: every request every provider can send.
pub fn write_requests(out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "Every request blastradius can send (all read-only; nothing is sent by this command):\n"
    )?;
    for (provider, r) in providers::catalog() {
        let ok = if r.check_read_only().is_ok() {
            "read-only"
        } else {
            "NOT READ-ONLY"
        };
        writeln!(
            out,
            "{provider:<8} {:<5} https://{}{}  [{}] {ok}",
            r.method.as_str(),
            r.host,
            r.path,
            r.id
        )?;
        writeln!(out, "         {}", r.purpose)?;
        if let RequestKind::GraphQl { document } = r.kind {
            writeln!(out, "         {document}")?;
        }
    }
    Ok(())
}
