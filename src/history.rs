//! `--history`: every blob reachable from any ref, each searched once,
//! because an agent can run `git log -p`. Uses the git binary (`git rev-list
//! --objects --all`, `git cat-file --batch-check` and `--batch`); no pack
//! file is parsed here.
//!
//! A secret found in several versions of a file is reported once, at the
//! path where it was first committed, with the commit that introduced it.

use crate::detectors::DetectorSet;
use crate::exposure::{Exposure, GitStatus, Location};
use crate::scan::{find_candidates, Candidate, ScanOptions, ScanOutput, SkipReason, SkippedFile};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Bytes of blob content searched at once, in parallel.
const BATCH_BYTES: usize = 32 * 1024 * 1024;

/// Why history could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// git could not be run.
    #[error("--history: cannot run git: {0}")]
    Io(#[from] std::io::Error),
    /// git refused.
    #[error("--history: git {what} failed in {dir}: {message}")]
    Git {
        /// Which git command.
        what: &'static str,
        /// The directory.
        dir: String,
        /// git's first line of error output.
        message: String,
    },
    /// git's output was not what `--batch` promises.
    #[error("--history: unexpected output from git cat-file: {0}")]
    Protocol(String),
}

/// What a history scan found.
#[derive(Debug, Default)]
pub struct HistoryScan {
    /// The candidates (location `history`), one per detector, secret and path.
    pub output: ScanOutput,
    /// The commit that introduced each candidate, by (path, fingerprint).
    pub commits: HashMap<(String, String), String>,
}

impl HistoryScan {
    /// The commit that introduced the finding at `path` with `fingerprint`.
    pub fn commit_of(&self, path: &str, fingerprint: &str) -> Option<&str> {
        self.commits
            .get(&(path.to_string(), fingerprint.to_string()))
            .map(String::as_str)
    }
}

/// What searching one blob gave: a skip, or candidates with the blob's id.
type Searched = (Option<SkippedFile>, Vec<(String, Candidate)>);

/// One blob to search.
struct Blob {
    sha: String,
    path: String,
}

/// Scans every blob reachable from the refs of the repository containing `dir`.
pub fn scan_history(
    dir: &Path,
    detectors: &DetectorSet,
    opts: &ScanOptions,
) -> Result<HistoryScan, HistoryError> {
    let listed = git_output(dir, &["rev-list", "--objects", "--all"], "rev-list")?;
    let mut objects: Vec<Blob> = Vec::new();
    let mut seen = HashSet::new();
    for line in listed.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        let Some((sha, path)) = line.split_once(' ') else {
            continue; // commits carry no path
        };
        if !path.is_empty() && seen.insert(sha.to_string()) {
            objects.push(Blob {
                sha: sha.to_string(),
                path: path.to_string(),
            });
        }
    }
    let mut out = ScanOutput::default();
    let blobs = select_blobs(dir, objects, opts.max_file_size, &mut out)?;
    let mut found: Vec<(String, Candidate)> = Vec::new();
    read_blobs(dir, &blobs, |batch| {
        let results: Vec<Searched> = batch
            .par_iter()
            .map(|(blob, data)| search(blob, data, detectors))
            .collect();
        for ((_, data), (skip, cands)) in batch.iter().zip(results) {
            match skip {
                Some(s) => skip_named(&mut out, s),
                None => {
                    out.files_scanned += 1;
                    out.bytes_scanned += data.len() as u64;
                }
            }
            found.extend(cands);
        }
    })?;
    let wanted: HashSet<&str> = found.iter().map(|(sha, _)| sha.as_str()).collect();
    let introduced = if wanted.is_empty() {
        HashMap::new()
    } else {
        introducing_commits(dir, &wanted)?
    };
    // Keep, per detector + secret + path, the version committed first.
    let order = |sha: &str| introduced.get(sha).map_or(usize::MAX, |(_, i)| *i);
    found.sort_by_key(|(sha, _)| order(sha));
    let mut kept: HashSet<(usize, String, String)> = HashSet::new();
    let mut commits = HashMap::new();
    for (sha, c) in found {
        let key = (c.detector, c.secret.expose().to_string(), c.path.clone());
        if !kept.insert(key) {
            continue;
        }
        if let Some((commit, _)) = introduced.get(&sha) {
            let fp = c.secret.fingerprint(&detectors.get(c.detector).id);
            commits.insert((c.path.clone(), fp), commit.clone());
        }
        out.candidates.push(c);
    }
    Ok(HistoryScan {
        output: out,
        commits,
    })
}

fn skip_named(out: &mut ScanOutput, s: SkippedFile) {
    match s.reason {
        SkipReason::Binary => out.skipped.binary += 1,
        SkipReason::TooLarge => out.skipped.too_large += 1,
        _ => out.skipped.unreadable += 1,
    }
    if out.skipped_files.len() < crate::scan::MAX_NAMED_SKIPS {
        out.skipped_files.push(s);
    }
}

/// Searches one blob; binary blobs are skipped and named.
fn search(blob: &Blob, data: &[u8], detectors: &DetectorSet) -> Searched {
    if memchr::memchr(0, &data[..data.len().min(8192)]).is_some() {
        let skip = SkippedFile {
            path: format!("{} ({})", blob.path, short(&blob.sha)),
            reason: SkipReason::Binary,
            detail: None,
        };
        return (Some(skip), Vec::new());
    }
    let cands = find_candidates(detectors, &blob.path, data, || Exposure {
        git: GitStatus::Tracked,
        agent_ignored_by: Vec::new(),
        location: Location::History,
    });
    (
        None,
        cands.into_iter().map(|c| (blob.sha.clone(), c)).collect(),
    )
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// Keeps the blobs among `objects` (trees are dropped) no larger than `max`;
/// larger ones are counted as too large. Returns each blob with its size.
fn select_blobs(
    dir: &Path,
    objects: Vec<Blob>,
    max: u64,
    out: &mut ScanOutput,
) -> Result<Vec<(Blob, usize)>, HistoryError> {
    let mut child = spawn(
        dir,
        &[
            "cat-file",
            "--batch-check=%(objectname) %(objecttype) %(objectsize)",
        ],
    )?;
    let stdin = child.stdin.take();
    let shas: Vec<String> = objects.iter().map(|o| o.sha.clone()).collect();
    let writer = std::thread::spawn(move || feed(stdin, &shas));
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| HistoryError::Protocol("no stdout".into()))?;
    let mut lines = BufReader::new(stdout).lines();
    let mut blobs = Vec::new();
    for obj in objects {
        let line = lines
            .next()
            .ok_or_else(|| HistoryError::Protocol("output ended early".into()))??;
        let mut parts = line.split(' ');
        let (sha, kind, size) = (parts.next(), parts.next(), parts.next());
        if sha != Some(obj.sha.as_str()) {
            return Err(HistoryError::Protocol(format!("expected {}", obj.sha)));
        }
        if kind != Some("blob") {
            continue;
        }
        let size: u64 = size.and_then(|s| s.parse().ok()).unwrap_or(u64::MAX);
        if size > max {
            skip_named(
                out,
                SkippedFile {
                    path: format!("{} ({})", obj.path, short(&obj.sha)),
                    reason: SkipReason::TooLarge,
                    detail: None,
                },
            );
            continue;
        }
        blobs.push((obj, size as usize));
    }
    finish(child, writer, dir, "cat-file --batch-check")?;
    Ok(blobs)
}

/// Streams the blobs' contents through `git cat-file --batch`, handing them
/// to `each_batch` in batches of about [`BATCH_BYTES`].
fn read_blobs(
    dir: &Path,
    blobs: &[(Blob, usize)],
    mut each_batch: impl FnMut(&[(&Blob, Vec<u8>)]),
) -> Result<(), HistoryError> {
    if blobs.is_empty() {
        return Ok(());
    }
    let mut child = spawn(dir, &["cat-file", "--batch"])?;
    let stdin = child.stdin.take();
    let shas: Vec<String> = blobs.iter().map(|(b, _)| b.sha.clone()).collect();
    let writer = std::thread::spawn(move || feed(stdin, &shas));
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| HistoryError::Protocol("no stdout".into()))?;
    let mut reader = BufReader::new(stdout);
    let mut batch: Vec<(&Blob, Vec<u8>)> = Vec::new();
    let mut batch_bytes = 0;
    let mut header = String::new();
    for (blob, _) in blobs {
        header.clear();
        reader.read_line(&mut header)?;
        let mut parts = header.trim_end().split(' ');
        let (sha, kind, size) = (parts.next(), parts.next(), parts.next());
        if sha != Some(blob.sha.as_str()) || kind != Some("blob") {
            return Err(HistoryError::Protocol(format!(
                "expected blob {}, got {:?}",
                blob.sha,
                header.trim_end()
            )));
        }
        let size: usize = size
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| HistoryError::Protocol("bad size".into()))?;
        let mut data = vec![0; size + 1];
        reader.read_exact(&mut data)?;
        data.pop(); // the newline after the content
        batch_bytes += size;
        batch.push((blob, data));
        if batch_bytes >= BATCH_BYTES {
            each_batch(&batch);
            batch.clear();
            batch_bytes = 0;
        }
    }
    if !batch.is_empty() {
        each_batch(&batch);
    }
    finish(child, writer, dir, "cat-file --batch")
}

/// The first commit (oldest first, across all refs) whose changes add each
/// wanted blob, with its position in that order.
fn introducing_commits(
    dir: &Path,
    wanted: &HashSet<&str>,
) -> Result<HashMap<String, (String, usize)>, HistoryError> {
    let mut child = spawn(
        dir,
        &[
            "log",
            "--all",
            "--reverse",
            "--format=%x01%H",
            "--raw",
            "--no-abbrev",
            "--no-renames",
        ],
    )?;
    drop(child.stdin.take());
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| HistoryError::Protocol("no stdout".into()))?;
    let mut found: HashMap<String, (String, usize)> = HashMap::new();
    let mut commit = String::new();
    let mut index = 0;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        if let Some(c) = line.strip_prefix('\u{1}') {
            commit = c.to_string();
            index += 1;
        } else if let Some(raw) = line.strip_prefix(':') {
            // ":100644 100644 <old> <new> M\tpath"
            if let Some(new) = raw.split(' ').nth(3) {
                if wanted.contains(new) && !found.contains_key(new) {
                    found.insert(new.to_string(), (commit.clone(), index));
                    if found.len() == wanted.len() {
                        break;
                    }
                }
            }
        }
    }
    // Everything needed has been read: stop git rather than read the rest.
    let _ = child.kill();
    let _ = child.wait();
    Ok(found)
}

fn spawn(dir: &Path, args: &[&str]) -> Result<Child, HistoryError> {
    Ok(Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?)
}

fn feed(stdin: Option<std::process::ChildStdin>, shas: &[String]) -> std::io::Result<()> {
    let Some(stdin) = stdin else { return Ok(()) };
    let mut w = std::io::BufWriter::new(stdin);
    for s in shas {
        w.write_all(s.as_bytes())?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

fn finish(
    child: Child,
    writer: std::thread::JoinHandle<std::io::Result<()>>,
    dir: &Path,
    what: &'static str,
) -> Result<(), HistoryError> {
    let out = child.wait_with_output()?;
    let _ = writer.join();
    if out.status.success() {
        Ok(())
    } else {
        Err(git_error(dir, what, &out.stderr))
    }
}

fn git_output(dir: &Path, args: &[&str], what: &'static str) -> Result<Vec<u8>, HistoryError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null())
        .output()?;
    if !out.status.success() {
        return Err(git_error(dir, what, &out.stderr));
    }
    Ok(out.stdout)
}

fn git_error(dir: &Path, what: &'static str, stderr: &[u8]) -> HistoryError {
    let stderr = String::from_utf8_lossy(stderr);
    HistoryError::Git {
        what,
        dir: dir.display().to_string(),
        message: stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no error message")
            .trim()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    const TOKEN: &str = "sk_test_51Hx9QmK2eZvKYlo2Qw3Er4Ty5Ui6Op7As8Df9Gh0Jk";

    #[test]
    fn finds_deleted_secrets_once_with_the_introducing_commit() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q"]);
        std::fs::write(d.join("README"), "hello\n").unwrap();
        git(d, &["add", "."]);
        git(d, &["commit", "-q", "-m", "first"]);
        std::fs::write(d.join("app.env"), format!("STRIPE_SECRET_KEY={TOKEN}\n")).unwrap();
        git(d, &["add", "."]);
        git(d, &["commit", "-q", "-m", "add key"]);
        let introducing = git(d, &["rev-parse", "HEAD"]).trim().to_string();
        // A second version of the file that still holds the key.
        std::fs::write(
            d.join("app.env"),
            format!("# config\nSTRIPE_SECRET_KEY={TOKEN}\n"),
        )
        .unwrap();
        git(d, &["commit", "-q", "-am", "edit"]);
        std::fs::remove_file(d.join("app.env")).unwrap();
        git(d, &["commit", "-q", "-am", "remove key"]);
        std::fs::write(d.join("bin.dat"), b"\0\x01binary").unwrap();
        git(d, &["add", "."]);
        git(d, &["commit", "-q", "-m", "binary"]);

        let detectors = DetectorSet::builtin().unwrap();
        let h = scan_history(d, &detectors, &ScanOptions::default()).unwrap();
        let c = &h.output.candidates;
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].path, "app.env");
        assert_eq!(c[0].line, 1);
        assert_eq!(c[0].exposure.location, Location::History);
        let fp = c[0].secret.fingerprint(&detectors.get(c[0].detector).id);
        assert_eq!(h.commit_of("app.env", &fp), Some(introducing.as_str()));
        assert_eq!(h.output.skipped.binary, 1);
        assert!(h.output.files_scanned >= 3);
    }

    #[test]
    fn not_a_repository_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let detectors = DetectorSet::builtin().unwrap();
        let err = scan_history(dir.path(), &detectors, &ScanOptions::default()).unwrap_err();
        assert!(matches!(err, HistoryError::Git { .. }), "{err}");
    }
}
