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
            rule_files,
        }) => {
            let set = load_rule_files(&detector_files, &rule_files, &[])?.set;
            list_detectors(&set, format, &mut std::io::stdout().lock())?;
            Ok(ExitStatus::Clean)
        }
        Command::Detectors(DetectorsCommand::Check { files, rule_files }) => {
            let set = load_rule_files(&files, &rule_files, &[])?.set;
            let report = check::check_all(&set);
            let problems = &report.problems;
            let mut out = std::io::stdout().lock();
            for w in &report.warnings {
                writeln!(out, "warning: {w}")?;
            }
            for p in problems {
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
        Command::Completions { shell } => {
            crate::docgen::completions(shell, &mut std::io::stdout().lock())?;
            Ok(ExitStatus::Clean)
        }
        Command::Man { out_dir } => {
            let mut out = std::io::stdout().lock();
            match out_dir {
                None => crate::docgen::man(&mut out)?,
                Some(dir) => {
                    for page in crate::docgen::man_pages(&dir)? {
                        writeln!(out, "wrote {}", page.display())?;
                    }
                }
            }
            Ok(ExitStatus::Clean)
        }
        Command::Init { dir, force } => {
            crate::init::init(&dir, force, &mut std::io::stdout().lock())?;
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

/// The standard variable that points AWS SDKs at another endpoint; only a
/// loopback emulator is accepted.
pub const AWS_ENDPOINT_ENV: &str = "AWS_ENDPOINT_URL";

fn aws_endpoint_from_env() -> Result<Option<url::Url>> {
    match std::env::var_os(AWS_ENDPOINT_ENV) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => http::parse_aws_endpoint(&v.to_string_lossy())
            .map(Some)
            .map_err(|e| anyhow::anyhow!("{AWS_ENDPOINT_ENV} refused: {e}")),
    }
}

fn scan_command(args: &ScanArgs) -> Result<ExitStatus> {
    let redirect = redirect_from_env()?;
    let aws_endpoint = aws_endpoint_from_env()?;
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
    // With --staged, git lists the staged files while the detectors load.
    let (loaded, staged) = std::thread::scope(|s| {
        let staged = args
            .staged
            .then(|| s.spawn(|| crate::staged::list_staged(&args.paths)));
        let loaded = load_detectors(args, &detector_files);
        let staged = staged.map(|h| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        (loaded, staged)
    });
    let (detectors, rule_files) = loaded?;
    let opts = scan::ScanOptions {
        max_file_size: args
            .max_file_size
            .or(config.scan.max_file_size)
            .unwrap_or(10 * 1024 * 1024),
        follow_symlinks: args.follow_symlinks,
        threads: 0,
    };
    let policy =
        crate::policy::Policy::new(&config, &detectors, time::OffsetDateTime::now_utc().date())?;
    let started = std::time::Instant::now();
    let machine = !matches!(args.format, crate::report::Format::Table);
    let progress = crate::progress::Progress::start(
        crate::progress::wanted(machine, args.quiet),
        "reading files",
    );
    let mut scanned = if let Some(staged) = staged {
        crate::staged::scan_listed(staged?, &detectors, &opts)?
    } else if let Some(base) = &args.diff {
        diff_scan(args, base, &detectors, &opts)?
    } else {
        scan::scan_paths(&args.paths, &detectors, &opts)
    };
    let history = if args.history {
        let dir = first_dir.unwrap_or(std::path::Path::new("."));
        let h = crate::history::scan_history(dir, &detectors, &opts)?;
        Some(merge_history(&mut scanned, h, &detectors))
    } else {
        None
    };
    if args.home {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .context("--home: HOME is not set")?;
        scanned.merge(crate::home::scan_home(
            &home,
            &config.home.extra_paths,
            &detectors,
            &opts,
        ));
    }
    let budget = Duration::from_secs_f64(args.timeout);
    let http = if args.offline {
        None
    } else {
        Some(Http::new(HttpOptions {
            request_timeout: budget.min(Duration::from_secs(10)),
            connect_timeout: budget.min(Duration::from_secs(5)),
            redirect,
            aws_endpoint,
            ..HttpOptions::default()
        })?)
    };
    for c in &mut scanned.candidates {
        policy.filter_exposure(&mut c.exposure);
    }
    debug_panic_hook(&scanned);
    if args.verbose {
        note_scan(&scanned, detectors.detectors().len(), started.elapsed());
    }
    progress.phase(if args.offline {
        "scoring (offline)"
    } else {
        "asking providers, read-only"
    });
    let mut findings = assess::assess(
        &scanned.candidates,
        &detectors,
        &assess::AssessOptions {
            http: http.as_ref(),
            chain_budget: budget,
            // Chains in flight at once; each provider host is further
            // bounded by `http::PER_HOST`.
            concurrency: 64,
        },
    );
    if let Some(h) = &history {
        for f in &mut findings {
            if f.exposure.location == crate::exposure::Location::History {
                f.gate.commit = h.commit_of(&f.path, &f.fingerprint).map(str::to_string);
            }
        }
    }
    policy.apply(&mut findings);
    // A baseline named on the command line must exist; one named in the
    // config may not exist yet (before the first --write-baseline): without
    // it nothing is accepted, so the gate only gets stricter.
    let baseline = match (&args.baseline, &config.baseline) {
        (Some(p), _) => Some(p),
        (None, Some(p)) if p.exists() => Some(p),
        _ => None,
    };
    if let Some(path) = baseline {
        crate::baseline::apply(path, &mut findings)?;
    }
    if let Some(path) = &args.write_baseline {
        crate::baseline::write(path, &findings)?;
    }
    progress.finish();
    if args.verbose {
        eprintln!(
            "blastradius: {} findings, done in {:.2?}",
            findings.len(),
            started.elapsed()
        );
    }
    let mut report = Report::new(findings, &scanned, fail_on);
    report.summary.rule_files = rule_files;
    match &args.output {
        Some(path) => {
            let mut f = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            write_report(args, &report, &mut f, false)?;
        }
        None => {
            let stdout = std::io::stdout();
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => stdout.is_terminal() && !no_color(),
            };
            let mut lock = stdout.lock();
            write_report(args, &report, &mut lock, color)?;
            lock.flush()?;
        }
    }
    Ok(if report.summary.failed {
        ExitStatus::Failed
    } else {
        ExitStatus::Clean
    })
}

/// Debug builds only: `BLASTRADIUS_DEBUG_PANIC=1` panics with the first
/// secret found in the message, so the tests can prove that the binary's
/// panic hook never prints a secret. Release builds have no such hook.
#[cfg(debug_assertions)]
fn debug_panic_hook(scanned: &scan::ScanOutput) {
    if std::env::var_os("BLASTRADIUS_DEBUG_PANIC").is_some_and(|v| v == "1") {
        if let Some(c) = scanned.candidates.first() {
            panic!(
                "BLASTRADIUS_DEBUG_PANIC: forced panic holding {}",
                c.secret.expose()
            );
        }
    }
}

#[cfg(not(debug_assertions))]
fn debug_panic_hook(_: &scan::ScanOutput) {}

/// `NO_COLOR` set to anything but the empty string (no-color.org).
fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The report; with `--agent-view` the agent's view instead; nothing for a
/// passing `--quiet` table.
fn write_report(args: &ScanArgs, report: &Report, out: &mut dyn Write, color: bool) -> Result<()> {
    if args.agent_view {
        let view = crate::agent_view::build(&args.paths, &report.findings);
        return crate::agent_view::write(&view, args.format, color, out);
    }
    if args.quiet && args.format == crate::report::Format::Table && !report.summary.failed {
        return Ok(());
    }
    report.write(args.format, out, color)?;
    Ok(())
}

/// `--verbose`: what was searched and what was skipped, on stderr.
fn note_scan(scanned: &scan::ScanOutput, detectors: usize, elapsed: Duration) {
    eprintln!(
        "blastradius: {detectors} detectors; {} files, {} bytes searched in {elapsed:.2?}; {} candidate secrets",
        scanned.files_scanned,
        scanned.bytes_scanned,
        scanned.candidates.len()
    );
    for s in &scanned.skipped_files {
        let detail = s
            .detail
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        eprintln!("blastradius: skipped {} ({:?}{detail})", s.path, s.reason);
    }
}

/// `--diff BASE`: the changed files of each scanned directory; plain files
/// named on the command line are scanned as they are.
fn diff_scan(
    args: &ScanArgs,
    base: &str,
    detectors: &DetectorSet,
    opts: &scan::ScanOptions,
) -> Result<scan::ScanOutput> {
    let mut out = scan::ScanOutput::default();
    for p in &args.paths {
        if p.is_dir() {
            out.merge(crate::diff::scan_diff(p, base, detectors, opts)?);
        } else {
            out.merge(scan::scan_paths(std::slice::from_ref(p), detectors, opts));
        }
    }
    Ok(out)
}

/// Adds history candidates to a scan, except those already found at the
/// same path in the workspace (the same secret, reported once), and returns
/// what is left of the history scan (the commits).
fn merge_history(
    scanned: &mut scan::ScanOutput,
    mut history: crate::history::HistoryScan,
    detectors: &DetectorSet,
) -> crate::history::HistoryScan {
    let key = |c: &scan::Candidate| {
        (
            c.secret.fingerprint(&detectors.get(c.detector).id),
            c.path.clone(),
        )
    };
    let present: std::collections::HashSet<(String, String)> =
        scanned.candidates.iter().map(key).collect();
    let mut out = std::mem::take(&mut history.output);
    out.candidates.retain(|c| !present.contains(&key(c)));
    scanned.merge(out);
    history
}

/// Built-in detectors, the config's and `--detectors` files, and gitleaks
/// rules: `--rules` files, then `.gitleaks.toml` / `.betterleaks.toml` at
/// each scanned directory unless `--no-gitleaks-config`. Returns the rules
/// files used, for the report's summary; their warnings go to stderr.
fn load_detectors(
    args: &ScanArgs,
    detector_files: &[PathBuf],
) -> Result<(DetectorSet, Vec<crate::gitleaks::RuleFileSummary>)> {
    let roots: Vec<&std::path::Path> = if args.no_gitleaks_config {
        Vec::new()
    } else {
        args.paths
            .iter()
            .filter(|p| p.is_dir())
            .map(PathBuf::as_path)
            .collect()
    };
    let loaded = load_rule_files(detector_files, &args.rule_files, &roots)?;
    for w in loaded.warnings() {
        eprintln!("blastradius: warning: {w}");
    }
    Ok((loaded.set, loaded.files))
}

/// Native detectors plus the rules of `rule_files` and of the rules files
/// found at `roots`.
fn load_rule_files(
    detector_files: &[PathBuf],
    rule_files: &[PathBuf],
    roots: &[&std::path::Path],
) -> Result<crate::gitleaks::RuleSet> {
    let natives = DetectorSet::load_native(detector_files).context("loading detectors")?;
    let files = crate::gitleaks::rule_files(rule_files, roots, true);
    crate::gitleaks::build_set(natives, &files).context("loading gitleaks rules")
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
                        "tags": d.tags,
                        "reports": d.report,
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
                .set_header(vec!["id", "provider", "name", "introspection", "origin"]);
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
                    d.origin.as_str(),
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
    writeln!(
        out,
        "\nEvery statement or command the database modules can run, inside a read-only \
         transaction where the database has them (all read-only):\n"
    )?;
    for (provider, st) in providers::statement_catalog() {
        let ok = if st.check_read_only().is_ok() {
            "read-only"
        } else {
            "NOT READ-ONLY"
        };
        writeln!(out, "{provider:<8} {}  [{}] {ok}", st.text, st.id)?;
        writeln!(out, "         {}", st.purpose)?;
    }
    Ok(())
}
