//! Walk and detect: every file an agent could read under the scanned paths,
//! searched in parallel, each file read once into a per-thread buffer.
//!
//! The walk includes git-ignored and hidden files (an agent can `cat` a
//! `.env.production`), includes `.git/config` (remote URLs carry tokens) but
//! not the rest of `.git/`, never opens anything but a regular file, and
//! counts and names whatever it skips. Memory held across files is the
//! candidates found and a bounded list of skipped paths.

use crate::context::{tier_hint, variable_name, TierHint};
use crate::detectors::{DetectorSet, RawMatch};
use crate::exposure::{AgentDenyLists, Exposure, GitStatus, GitView, Location};
use crate::secret::Secret;
use ignore::{WalkBuilder, WalkState};
use serde::Serialize;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// How many skipped paths are named in the summary; the rest are counted.
pub const MAX_NAMED_SKIPS: usize = 200;

/// Walk settings.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Files larger than this are skipped and counted as `too_large`.
    pub max_file_size: u64,
    /// Follow symbolic links (loops are detected and counted).
    pub follow_symlinks: bool,
    /// Walker threads; 0 means one per core.
    pub threads: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_size: 10 * 1024 * 1024,
            follow_symlinks: false,
            threads: 0,
        }
    }
}

/// A secret found in a file, with its place and exposure.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// Index of the detector in the [`DetectorSet`].
    pub detector: usize,
    /// The secret (redacted in every output).
    pub secret: Secret,
    /// Path relative to the scanned root, `/`-separated; `~/…` for home.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Who can read it.
    pub exposure: Exposure,
    /// The variable or key it is assigned to.
    pub variable: Option<String>,
    /// The environment its surroundings point at.
    pub tier_hint: Option<TierHint>,
    /// An inline allow comment on its line or the line above.
    pub allowed: Option<crate::allow::InlineAllow>,
    /// The text around the secret (the whole file when it is small), for
    /// providers that need the other half of a pair or a setting kept in the
    /// same file (a Twilio account SID, a Datadog site, a kubeconfig's
    /// server). Held as a [`Secret`] so that it never prints.
    pub context: Option<std::sync::Arc<Secret>>,
}

/// Files up to this size are kept whole as a candidate's context.
const CONTEXT_WHOLE_FILE: usize = 64 * 1024;
/// Bytes kept on each side of a secret found in a larger file.
const CONTEXT_WINDOW: usize = 8 * 1024;

/// Why a file was not searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Contains NUL bytes (and no UTF-16 byte-order mark).
    Binary,
    /// Larger than the size limit.
    TooLarge,
    /// Could not be opened or read.
    Unreadable,
    /// A FIFO, socket or device: never opened.
    Special,
    /// A symbolic link that loops.
    SymlinkLoop,
    /// A symbolic link, not followed (`--follow-symlinks` follows them).
    Symlink,
}

/// Counts of skipped files by reason.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct SkipCounts {
    /// Binary files.
    pub binary: u64,
    /// Files over the size limit.
    pub too_large: u64,
    /// Unreadable files and directories.
    pub unreadable: u64,
    /// FIFOs, sockets, devices.
    pub special: u64,
    /// Symlink loops.
    pub symlink_loop: u64,
    /// Symlinks not followed.
    pub symlink: u64,
}

/// One named skipped file.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SkippedFile {
    /// Its path, as findings show paths.
    pub path: String,
    /// Why.
    pub reason: SkipReason,
    /// The error, for unreadable files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What a scan found.
#[derive(Debug, Default)]
pub struct ScanOutput {
    /// The candidate secrets.
    pub candidates: Vec<Candidate>,
    /// Files searched.
    pub files_scanned: u64,
    /// Bytes searched.
    pub bytes_scanned: u64,
    /// Skipped files by reason.
    pub skipped: SkipCounts,
    /// The first [`MAX_NAMED_SKIPS`] skipped files, named.
    pub skipped_files: Vec<SkippedFile>,
}

impl ScanOutput {
    /// Adds another scan's results to this one.
    pub fn merge(&mut self, other: ScanOutput) {
        self.candidates.extend(other.candidates);
        self.files_scanned += other.files_scanned;
        self.bytes_scanned += other.bytes_scanned;
        let (s, o) = (&mut self.skipped, other.skipped);
        s.binary += o.binary;
        s.too_large += o.too_large;
        s.unreadable += o.unreadable;
        s.special += o.special;
        s.symlink_loop += o.symlink_loop;
        s.symlink += o.symlink;
        let room = MAX_NAMED_SKIPS.saturating_sub(self.skipped_files.len());
        self.skipped_files
            .extend(other.skipped_files.into_iter().take(room));
    }
}

/// Shared, thread-safe accumulator for one scan.
#[derive(Default)]
struct Collector {
    candidates: Mutex<Vec<Candidate>>,
    files: AtomicU64,
    bytes: AtomicU64,
    counts: [AtomicU64; 6],
    named: Mutex<Vec<SkippedFile>>,
}

impl Collector {
    fn skip(&self, path: String, reason: SkipReason, detail: Option<String>) {
        self.counts[reason as usize].fetch_add(1, Ordering::Relaxed);
        let mut named = self.named.lock().unwrap_or_else(|e| e.into_inner());
        if named.len() < MAX_NAMED_SKIPS {
            named.push(SkippedFile {
                path,
                reason,
                detail,
            });
        }
    }

    fn finish(self, out: &mut ScanOutput) {
        out.candidates.extend(
            self.candidates
                .into_inner()
                .unwrap_or_else(|e| e.into_inner()),
        );
        out.files_scanned += self.files.into_inner();
        out.bytes_scanned += self.bytes.into_inner();
        let [binary, too_large, unreadable, special, symlink_loop, symlink] =
            self.counts.map(AtomicU64::into_inner);
        let s = &mut out.skipped;
        s.binary += binary;
        s.too_large += too_large;
        s.unreadable += unreadable;
        s.special += special;
        s.symlink_loop += symlink_loop;
        s.symlink += symlink;
        let named = self.named.into_inner().unwrap_or_else(|e| e.into_inner());
        let room = MAX_NAMED_SKIPS.saturating_sub(out.skipped_files.len());
        out.skipped_files.extend(named.into_iter().take(room));
    }
}

/// The context shared by every file under one scanned root.
struct Root<'a> {
    dir: PathBuf,
    git: Option<GitView>,
    agents: AgentDenyLists,
    detectors: &'a DetectorSet,
    location: Location,
    display_prefix: &'a str,
}

impl Root<'_> {
    fn display(&self, abs: &Path) -> String {
        let rel = abs.strip_prefix(&self.dir).unwrap_or(abs);
        let rel = rel.to_string_lossy().replace('\\', "/");
        let rel = if rel.is_empty() {
            abs.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        } else {
            rel
        };
        format!("{}{}", self.display_prefix, printable(rel))
    }

    fn exposure(&self, abs: &Path) -> Exposure {
        Exposure {
            git: self.git.as_ref().map_or(GitStatus::None, |g| g.status(abs)),
            agent_ignored_by: self.agents.hiding(abs),
            location: self.location,
        }
    }
}

/// A path as reports show it: control characters (a newline, an escape)
/// written as escapes, so a hostile file name cannot forge lines in a CI
/// log (`::error::…` workflow commands) or drive the terminal.
fn printable(path: String) -> String {
    if !path.chars().any(char::is_control) {
        return path;
    }
    path.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Scans every path in `paths` (directories or files).
pub fn scan_paths(paths: &[PathBuf], detectors: &DetectorSet, opts: &ScanOptions) -> ScanOutput {
    let mut out = ScanOutput::default();
    for path in paths {
        let dir = path.canonicalize().unwrap_or_else(|_| path.clone());
        let base = if dir.is_file() {
            dir.parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| dir.clone())
        } else {
            dir.clone()
        };
        let root = Root {
            git: GitView::for_dir(&base),
            agents: AgentDenyLists::load(&base),
            dir: base,
            detectors,
            location: Location::Workspace,
            display_prefix: "",
        };
        walk(&dir, &root, opts).finish(&mut out);
    }
    out
}

/// Scans single files that live outside any workspace (credential stores),
/// showing each as `display_prefix` + its path relative to `base`.
pub fn scan_files(
    files: &[PathBuf],
    base: &Path,
    display_prefix: &str,
    detectors: &DetectorSet,
    opts: &ScanOptions,
) -> ScanOutput {
    let mut out = ScanOutput::default();
    let root = Root {
        dir: base.to_path_buf(),
        git: None,
        agents: AgentDenyLists::default(),
        detectors,
        location: Location::Home,
        display_prefix,
    };
    let collector = Collector::default();
    let mut buf = Vec::new();
    for f in files {
        if let Ok(md) = std::fs::symlink_metadata(f) {
            if md.is_file() || md.file_type().is_symlink() {
                scan_file(f, &root, opts, &collector, &mut buf);
            }
        }
    }
    collector.finish(&mut out);
    out
}

fn walk(start: &Path, root: &Root<'_>, opts: &ScanOptions) -> Collector {
    let collector = Collector::default();
    let mut builder = WalkBuilder::new(start);
    builder
        .standard_filters(false)
        .follow_links(opts.follow_symlinks)
        .threads(opts.threads);
    builder.build_parallel().run(|| {
        let collector = &collector;
        let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let (path, is_loop) = describe_walk_error(&err);
                    let shown = path
                        .as_deref()
                        .map_or_else(|| "(unknown)".to_string(), |p| root.display(p));
                    let reason = if is_loop {
                        SkipReason::SymlinkLoop
                    } else {
                        SkipReason::Unreadable
                    };
                    collector.skip(shown, reason, (!is_loop).then(|| err.to_string()));
                    return WalkState::Continue;
                }
            };
            let path = entry.path();
            let Some(ft) = entry.file_type() else {
                return WalkState::Continue;
            };
            if ft.is_dir() {
                if entry.file_name() == ".git" {
                    let config = path.join("config");
                    if config.is_file() {
                        scan_file(&config, root, opts, collector, &mut buf);
                    }
                    return WalkState::Skip;
                }
                return WalkState::Continue;
            }
            if entry.file_name() == ".git" {
                // A gitdir pointer file of a worktree or submodule.
                return WalkState::Continue;
            }
            scan_file(path, root, opts, collector, &mut buf);
            WalkState::Continue
        })
    });
    collector
}

fn describe_walk_error(err: &ignore::Error) -> (Option<PathBuf>, bool) {
    match err {
        ignore::Error::WithPath { path, err } => {
            let (_, is_loop) = describe_walk_error(err);
            (Some(path.clone()), is_loop)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            describe_walk_error(err)
        }
        ignore::Error::Loop { child, .. } => (Some(child.clone()), true),
        ignore::Error::Io(e) => (None, e.raw_os_error() == Some(libc::ELOOP)),
        _ => (None, false),
    }
}

fn scan_file(
    path: &Path,
    root: &Root<'_>,
    opts: &ScanOptions,
    collector: &Collector,
    buf: &mut Vec<u8>,
) {
    let shown = || root.display(path);
    let mut md = match std::fs::symlink_metadata(path) {
        Ok(md) => md,
        Err(e) => return collector.skip(shown(), SkipReason::Unreadable, Some(e.to_string())),
    };
    if md.file_type().is_symlink() {
        // A link to a file is read only with --follow-symlinks (as links to
        // directories are walked only then); the target is checked below
        // like any file, and re-checked on the open handle.
        match std::fs::metadata(path) {
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return collector.skip(shown(), SkipReason::SymlinkLoop, None)
            }
            Ok(target) if opts.follow_symlinks => md = target,
            Err(e) if opts.follow_symlinks => {
                return collector.skip(shown(), SkipReason::Unreadable, Some(e.to_string()))
            }
            _ => return collector.skip(shown(), SkipReason::Symlink, None),
        }
    }
    let ft = md.file_type();
    if ft.is_fifo()
        || ft.is_socket()
        || ft.is_block_device()
        || ft.is_char_device()
        || !ft.is_file()
    {
        return collector.skip(shown(), SkipReason::Special, None);
    }
    if md.len() > opts.max_file_size {
        return collector.skip(shown(), SkipReason::TooLarge, None);
    }
    match read_regular_file(path, opts.max_file_size, buf) {
        Ok(ReadResult::Data) => {}
        Ok(ReadResult::NotRegular) => return collector.skip(shown(), SkipReason::Special, None),
        Ok(ReadResult::TooLarge) => return collector.skip(shown(), SkipReason::TooLarge, None),
        Err(e) => return collector.skip(shown(), SkipReason::Unreadable, Some(e.to_string())),
    }
    let data: std::borrow::Cow<'_, [u8]> = match decode_utf16(buf) {
        Some(decoded) => decoded.into_bytes().into(),
        None if memchr::memchr(0, &buf[..buf.len().min(8192)]).is_some() => {
            return collector.skip(shown(), SkipReason::Binary, None);
        }
        None => buf.as_slice().into(),
    };
    collector.files.fetch_add(1, Ordering::Relaxed);
    collector
        .bytes
        .fetch_add(buf.len() as u64, Ordering::Relaxed);
    let rel = shown();
    let found = find_candidates(root.detectors, &rel, &data, || root.exposure(path));
    if !found.is_empty() {
        collector
            .candidates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(found);
    }
}

enum ReadResult {
    Data,
    NotRegular,
    TooLarge,
}

/// Opens without blocking (a FIFO swapped in after the check cannot hang the
/// scan), re-checks that the handle is a regular file, and reads at most
/// `max + 1` bytes into `buf`.
fn read_regular_file(path: &Path, max: u64, buf: &mut Vec<u8>) -> std::io::Result<ReadResult> {
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let md = file.metadata()?;
    if !md.is_file() {
        return Ok(ReadResult::NotRegular);
    }
    buf.clear();
    file.take(max + 1).read_to_end(buf)?;
    if buf.len() as u64 > max {
        return Ok(ReadResult::TooLarge);
    }
    Ok(ReadResult::Data)
}

/// Decodes a UTF-16 file that starts with a byte-order mark. Text that
/// merely starts with those two bytes (Latin-1, binary) is left alone:
/// UTF-16 text of the kind that holds tokens is mostly ASCII, so a good share
/// of its bytes are zero.
fn decode_utf16(data: &[u8]) -> Option<String> {
    let le = match data {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let sample = &data[2..data.len().min(514)];
    let zeros = sample.iter().filter(|&&b| b == 0).count();
    if sample.len() < 2 || zeros * 5 < sample.len() {
        return None;
    }
    let units = data[2..].chunks_exact(2).map(|c| {
        if le {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    Some(
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

/// Runs the detectors over one buffer and attaches place and context to each
/// secret found. `exposure` is only computed when something is found.
pub fn find_candidates(
    detectors: &DetectorSet,
    rel_path: &str,
    data: &[u8],
    exposure: impl FnOnce() -> Exposure,
) -> Vec<Candidate> {
    let mut raw: Vec<RawMatch> = Vec::new();
    detectors.find(rel_path, data, &mut raw);
    if raw.is_empty() {
        return Vec::new();
    }
    let exposure = exposure();
    let whole = (data.len() <= CONTEXT_WHOLE_FILE)
        .then(|| std::sync::Arc::new(Secret::new(String::from_utf8_lossy(data).into_owned())));
    // In file order, so that lines and columns are counted once over the
    // file rather than from its start for every match (a file with
    // thousands of tokens would otherwise cost quadratic time).
    raw.sort_by_key(|m| (m.start, m.end));
    let mut lines = LineCounter::default();
    // The last context window cut from a large file, shared with the next
    // matches that lie well inside it: thousands of tokens in one file cost
    // about twice the file, not a window each.
    let mut window: Option<(usize, usize, std::sync::Arc<Secret>)> = None;
    raw.into_iter()
        .map(|m| {
            let (line, line_start, column) = lines.advance(data, m.start);
            // What the variable name and an inline allow comment are read
            // from: the match's line, at most LINE_WINDOW bytes either side.
            let near_start = line_start.max(m.start.saturating_sub(LINE_WINDOW));
            let prefix = String::from_utf8_lossy(&data[near_start..m.start]);
            let variable = variable_name(&prefix);
            let hint = tier_hint(rel_path, variable.as_deref());
            let secret = Secret::new(String::from_utf8_lossy(&data[m.start..m.end]).into_owned());
            let window_end = m.end.saturating_add(LINE_WINDOW).min(data.len());
            let line_end = memchr::memchr(b'\n', &data[m.start..window_end])
                .map_or(window_end, |i| m.start + i);
            let above = line_start.checked_sub(1).map(|nl| {
                let from = nl.saturating_sub(LINE_WINDOW);
                let start = memchr::memrchr(b'\n', &data[from..nl]).map_or(from, |i| from + i + 1);
                &data[start..nl]
            });
            let allowed = crate::allow::find(&data[near_start..line_end], above, &secret);
            Candidate {
                detector: m.detector,
                secret,
                path: rel_path.to_string(),
                line,
                column,
                exposure: exposure.clone(),
                variable,
                tier_hint: hint,
                allowed,
                context: Some(whole.clone().unwrap_or_else(|| {
                    let margin = CONTEXT_WINDOW / 2;
                    match &window {
                        Some((from, to, text))
                            if m.start.saturating_sub(margin) >= *from
                                && (m.end + margin).min(data.len()) <= *to =>
                        {
                            text.clone()
                        }
                        _ => {
                            let from = m.start.saturating_sub(CONTEXT_WINDOW);
                            let to = m.end.saturating_add(CONTEXT_WINDOW).min(data.len());
                            let text = std::sync::Arc::new(Secret::new(
                                String::from_utf8_lossy(&data[from..to]).into_owned(),
                            ));
                            window = Some((from, to, text.clone()));
                            text
                        }
                    }
                })),
            }
        })
        .collect()
}

/// How far around a match its line is read for the variable name and an
/// inline allow comment: a minified file's single line can be megabytes.
const LINE_WINDOW: usize = 4096;

/// Line and column of positions visited in increasing order, counted
/// incrementally (line 0 stands for "not started": the first call makes it
/// line 1).
#[derive(Default)]
struct LineCounter {
    /// Bytes before this position are counted.
    pos: usize,
    /// 1-based line at `pos`.
    line: usize,
    /// Where that line starts.
    line_start: usize,
    /// Characters from `line_start` to `pos`.
    chars: usize,
}

impl LineCounter {
    /// The 1-based line of `to`, where that line starts, and the 1-based
    /// column (in characters) of `to`; `to` is never before the last one.
    fn advance(&mut self, data: &[u8], to: usize) -> (usize, usize, usize) {
        self.line = self.line.max(1);
        let span = &data[self.pos..to];
        if let Some(last) = memchr::memrchr(b'\n', span) {
            self.line += memchr::memchr_iter(b'\n', span).count();
            self.line_start = self.pos + last + 1;
            self.chars = 0;
            self.pos = self.line_start;
        }
        self.chars += String::from_utf8_lossy(&data[self.pos..to]).chars().count();
        self.pos = to;
        (self.line, self.line_start, self.chars + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposure::{GitStatus, Location};

    fn exposure() -> Exposure {
        Exposure {
            git: GitStatus::Tracked,
            agent_ignored_by: Vec::new(),
            location: Location::Workspace,
        }
    }

    #[test]
    fn lines_and_columns_are_counted_incrementally() {
        let data = "ab\ncé d\n\nxyz".as_bytes();
        let mut lines = LineCounter::default();
        assert_eq!(lines.advance(data, 1), (1, 0, 2));
        assert_eq!(lines.advance(data, 3), (2, 3, 1));
        // After the two-byte é: the column counts characters.
        assert_eq!(lines.advance(data, 7), (2, 3, 4));
        assert_eq!(lines.advance(data, 7), (2, 3, 4));
        assert_eq!(lines.advance(data, 10), (4, 10, 1));
        assert_eq!(lines.advance(data, 12), (4, 10, 3));
    }

    #[test]
    fn thousands_of_tokens_in_one_file_get_their_own_lines() {
        let set = DetectorSet::builtin().unwrap();
        let token = "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";
        let many = format!("GITHUB_TOKEN={token}\n").repeat(2000);
        let found = find_candidates(&set, ".env", many.as_bytes(), exposure);
        assert_eq!(found.len(), 2000);
        assert!(found
            .iter()
            .enumerate()
            .all(|(i, c)| c.line == i + 1 && c.column == 14));
        // One line: columns grow, the line stays 1.
        let one = format!("GITHUB_TOKEN={token} ").repeat(500);
        let found = find_candidates(&set, ".env", one.as_bytes(), exposure);
        assert_eq!(found.len(), 500);
        let step = "GITHUB_TOKEN=".len() + token.len() + 1;
        assert!(found
            .iter()
            .enumerate()
            .all(|(i, c)| c.line == 1 && c.column == 14 + i * step));
    }

    #[test]
    fn context_windows_of_a_large_file_are_shared_by_nearby_matches() {
        let set = DetectorSet::builtin().unwrap();
        let token = "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";
        let data = format!("GITHUB_TOKEN={token}\n").repeat(3000);
        assert!(data.len() > CONTEXT_WHOLE_FILE);
        let found = find_candidates(&set, ".env", data.as_bytes(), exposure);
        assert_eq!(found.len(), 3000);
        let mut windows: Vec<*const Secret> = found
            .iter()
            .map(|c| std::sync::Arc::as_ptr(c.context.as_ref().unwrap()))
            .collect();
        windows.dedup();
        assert!(
            windows.len() <= 1 + data.len() / (CONTEXT_WINDOW / 2),
            "{}",
            windows.len()
        );
        // Each match still has its secret and half a window around it.
        for c in &found {
            let text = c.context.as_ref().unwrap().expose();
            assert!(text.contains(token));
        }
    }
}
