//! `--staged`: only what is being committed — the staged content (the
//! index, not the work tree) of the files added, copied or modified in the
//! index. Built for pre-commit hooks in big repositories: three short git
//! processes (`rev-parse`, `diff --cached --raw`, one `cat-file --batch` for
//! every blob), no walk of the work tree and no listing of the whole index,
//! so the cost follows the number of staged files, not the repository.

use crate::detectors::DetectorSet;
use crate::exposure::{AgentDenyLists, Exposure, GitStatus, Location};
use crate::scan::{self, ScanOptions, ScanOutput, SkipReason, SkippedFile};
use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A staged file: its path (relative to the top of the work tree) and the
/// object id of its staged content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagedFile {
    /// `/`-separated path from the top of the work tree.
    pub path: String,
    /// The blob's object id.
    pub oid: String,
}

fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(dir)
        .arg("--literal-pathspecs")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null());
    c
}

fn run_git(dir: &Path, args: &[&std::ffi::OsStr]) -> Result<Vec<u8>> {
    let out = git(dir)
        .args(args)
        .output()
        .context("--staged: running git (is it installed?)")?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!(
            "--staged: git {} failed: {}",
            args.first()
                .map(|a| a.to_string_lossy())
                .unwrap_or_default(),
            err.lines().next().unwrap_or("").trim()
        );
    }
    Ok(out.stdout)
}

/// The staged regular files (added, copied or modified in the index, not
/// deleted; symbolic links and submodules are not files), limited to
/// `pathspecs` when any are given. Paths are relative to the work tree's top.
pub fn staged_files(dir: &Path, pathspecs: &[PathBuf]) -> Result<Vec<StagedFile>> {
    let mut args: Vec<&std::ffi::OsStr> = [
        "diff",
        "--cached",
        "--raw",
        "-z",
        "--no-abbrev",
        "--no-renames",
        "--no-ext-diff",
        "--ignore-submodules",
        "--diff-filter=ACM",
    ]
    .iter()
    .map(std::ffi::OsStr::new)
    .collect();
    if !pathspecs.is_empty() {
        args.push("--".as_ref());
        args.extend(pathspecs.iter().map(|p| p.as_os_str()));
    }
    let raw = run_git(dir, &args)?;
    Ok(parse_raw(&raw))
}

/// Parses `git diff --raw -z --no-renames`: `:mode mode oid oid status\0path\0`.
fn parse_raw(raw: &[u8]) -> Vec<StagedFile> {
    let mut out = Vec::new();
    let mut fields = raw.split(|&b| b == 0);
    while let (Some(meta), Some(path)) = (fields.next(), fields.next()) {
        let meta = String::from_utf8_lossy(meta);
        let parts: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
        let [_, new_mode, _, new_oid, ..] = parts[..] else {
            continue;
        };
        // 100644 and 100755 are files; 120000 links, 160000 submodules.
        if !new_mode.starts_with("100") {
            continue;
        }
        out.push(StagedFile {
            path: String::from_utf8_lossy(path).into_owned(),
            oid: new_oid.to_string(),
        });
    }
    out
}

/// The staged files of the repository containing the current directory,
/// and its top directory: the git half of a `--staged` scan, which the
/// caller runs while the detectors load; [`scan_listed`] is the other half.
/// `paths` limit it like `git diff --cached -- PATHS`; the lone default `.`
/// means the whole index.
pub fn list_staged(paths: &[PathBuf]) -> Result<Staged> {
    let cwd = Path::new(".");
    let top = run_git(cwd, &["rev-parse".as_ref(), "--show-toplevel".as_ref()])
        .context("--staged needs a git repository")?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim_end_matches(['\n', '\r']));
    let pathspecs: &[PathBuf] = if paths.len() == 1 && paths[0] == Path::new(".") {
        &[]
    } else {
        paths
    };
    let files = staged_files(cwd, pathspecs)?;
    Ok(Staged { top, files })
}

/// What [`list_staged`] found.
#[derive(Debug)]
pub struct Staged {
    top: PathBuf,
    files: Vec<StagedFile>,
}

/// Scans the staged blobs of what [`list_staged`] found.
pub fn scan_listed(
    staged: Staged,
    detectors: &DetectorSet,
    opts: &ScanOptions,
) -> Result<ScanOutput> {
    let Staged { top, files } = staged;
    let mut out = ScanOutput::default();
    if files.is_empty() {
        return Ok(out);
    }
    let agents = AgentDenyLists::load(&top);
    let exposure_of = |path: &str| Exposure {
        git: GitStatus::Tracked,
        agent_ignored_by: agents.hiding(&top.join(path)),
        location: Location::Workspace,
    };
    read_blobs(&top, &files, opts.max_file_size, |file, blob| match blob {
        Blob::TooLarge => skip(&mut out, &file.path, SkipReason::TooLarge, None),
        Blob::Missing => skip(
            &mut out,
            &file.path,
            SkipReason::Unreadable,
            Some("staged blob missing".into()),
        ),
        Blob::Data(data) => {
            if memchr::memchr(0, &data[..data.len().min(8192)]).is_some() {
                return skip(&mut out, &file.path, SkipReason::Binary, None);
            }
            out.files_scanned += 1;
            out.bytes_scanned += data.len() as u64;
            out.candidates
                .extend(scan::find_candidates(detectors, &file.path, data, || {
                    exposure_of(&file.path)
                }));
        }
    })?;
    Ok(out)
}

fn skip(out: &mut ScanOutput, path: &str, reason: SkipReason, detail: Option<String>) {
    match reason {
        SkipReason::TooLarge => out.skipped.too_large += 1,
        SkipReason::Binary => out.skipped.binary += 1,
        _ => out.skipped.unreadable += 1,
    }
    if out.skipped_files.len() < scan::MAX_NAMED_SKIPS {
        out.skipped_files.push(SkippedFile {
            path: path.to_string(),
            reason,
            detail,
        });
    }
}

/// One blob read from `git cat-file --batch`.
enum Blob<'a> {
    Data(&'a [u8]),
    TooLarge,
    Missing,
}

/// Streams every file's staged blob through one `git cat-file --batch`.
/// Blobs over `max` bytes are read past, never held in memory.
fn read_blobs(
    top: &Path,
    files: &[StagedFile],
    max: u64,
    mut each: impl FnMut(&StagedFile, Blob<'_>),
) -> Result<()> {
    let mut child = git(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("--staged: running git cat-file")?;
    let mut stdin = child.stdin.take().context("git cat-file stdin")?;
    let request: String = files.iter().map(|f| format!("{}\n", f.oid)).collect();
    // Written from another thread: git answers while it reads, and a full
    // pipe in both directions would block both sides.
    let writer = std::thread::spawn(move || {
        let r = stdin.write_all(request.as_bytes());
        drop(stdin);
        r
    });
    let mut reader = BufReader::new(child.stdout.take().context("git cat-file stdout")?);
    let mut header = Vec::new();
    let mut buf = Vec::new();
    for file in files {
        header.clear();
        if reader.read_until(b'\n', &mut header)? == 0 {
            bail!("--staged: git cat-file ended early");
        }
        let text = String::from_utf8_lossy(&header);
        let mut parts = text.split_whitespace();
        let (Some(_oid), Some(kind), Some(size)) = (parts.next(), parts.next(), parts.next())
        else {
            each(file, Blob::Missing);
            continue;
        };
        let size: u64 = size.parse().context("--staged: git cat-file header")?;
        if kind != "blob" {
            std::io::copy(&mut (&mut reader).take(size + 1), &mut std::io::sink())?;
            each(file, Blob::Missing);
            continue;
        }
        if size > max {
            std::io::copy(&mut (&mut reader).take(size + 1), &mut std::io::sink())?;
            each(file, Blob::TooLarge);
            continue;
        }
        buf.clear();
        (&mut reader).take(size).read_to_end(&mut buf)?;
        let mut newline = [0u8; 1];
        reader.read_exact(&mut newline)?;
        each(file, Blob::Data(&buf));
    }
    drop(reader);
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("--staged: writer thread panicked"))?
        .context("--staged: writing to git cat-file")?;
    child.wait().context("--staged: waiting for git cat-file")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_raw_diff_records() {
        let oid = "a".repeat(40);
        let z = "0".repeat(40);
        let raw = format!(
            ":000000 100644 {z} {oid} A\0new file.txt\0:100644 100755 {oid} {oid} M\0bin/run\0:000000 120000 {z} {oid} A\0link\0:000000 160000 {z} {oid} A\0sub\0"
        );
        let files = parse_raw(raw.as_bytes());
        assert_eq!(
            files,
            vec![
                StagedFile {
                    path: "new file.txt".into(),
                    oid: oid.clone()
                },
                StagedFile {
                    path: "bin/run".into(),
                    oid
                },
            ]
        );
        assert!(parse_raw(b"").is_empty());
    }
}
