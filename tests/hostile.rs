//! A hostile workspace, generated at test time (nothing binary is
//! committed): FIFOs, a unix socket, device files, symlink loops, symlinks
//! leading out of the scanned root, a 1 GiB sparse file, a 50 MB one-line
//! file, 10 000 nested directories (deeper than PATH_MAX), 100 000 tiny
//! files, an unreadable directory, file names that are not UTF-8 or hold a
//! newline, a token across the 64 KiB mark, NUL bytes around a token, and
//! UTF-16 files in both byte orders. One scan of the whole tree must finish
//! in bounded time and memory, find every planted token at its path, and
//! count and name everything it skipped. Files that vanish or change while
//! the scan runs must not crash it.

mod support;

use serde_json::Value;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::fault::{run_bounded, Run};

/// A GitHub classic token with a valid checksum (made up; as in tests/safety.rs).
const GH: &str = "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";
/// A Stripe live key (made up; as in tests/safety.rs), planted outside the root.
const STRIPE: &str = "sk_live_51Hx9QmK2eZvKYlo2C8nT4rWb7yPq3LsD6fGh1JkM0nBvCxZ";

/// How many directory levels `deep/` has.
const DEPTH: usize = 10_000;
/// How many tiny files `many/` holds.
const MANY: usize = 100_000;
/// The one-line file's size.
const LINE_BYTES: usize = 50 * 1000 * 1000;
/// A hang is caught here; the runs below take seconds.
const WATCHDOG: Duration = Duration::from_secs(120);
/// Peak RSS bound of a scan (debug build).
const MAX_RSS_KIB: u64 = 300 * 1024;

/// The binary; as root, with the capabilities that bypass file permissions
/// dropped (as in tests/safety.rs), so that `chmod 000` means unreadable.
fn binary() -> Command {
    let mut c = support::unprivileged();
    c.env_remove("AWS_ENDPOINT_URL").env("NO_COLOR", "1");
    c
}

fn write(path: &Path, content: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// Every finding at `path`.
fn findings_at<'a>(report: &'a Value, path: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == path)
        .collect()
}

/// The one finding at `path`, with its detector.
fn found<'a>(report: &'a Value, path: &str, detector: &str) -> &'a Value {
    let at = findings_at(report, path);
    assert_eq!(
        at.len(),
        1,
        "want one finding at {path:?}, got {}: {:#}",
        at.len(),
        report["findings"]
    );
    assert_eq!(at[0]["detector"], detector, "{path:?}");
    at[0]
}

/// Whether the summary names `path` as skipped for `reason`.
fn named_skip(report: &Value, path: &str, reason: &str) -> bool {
    report["summary"]["skipped_files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["path"] == path && s["reason"] == reason)
}

/// The hostile tree; what it should produce is asserted in the test.
struct Tree {
    /// The temporary directory holding `ws/` (scanned) and `outside/`.
    dir: tempfile::TempDir,
    /// Regular text files the scan must read.
    scannable: u64,
    /// FIFOs, sockets and devices made.
    special: u64,
    /// Whether device files could be made.
    devices: bool,
    /// Keeps the socket's listener open during the scan.
    _socket: std::os::unix::net::UnixListener,
}

impl Tree {
    fn ws(&self) -> PathBuf {
        self.dir.path().join("ws")
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        // Give back permissions and remove the 10 000 levels with rm (fts
        // walks any depth; a recursive remove may run out of descriptors).
        let ws = self.ws();
        let _ = std::fs::set_permissions(ws.join("locked"), PermissionsExt::from_mode(0o755));
        let _ = Command::new("rm").arg("-rf").arg(ws.join("deep")).status();
    }
}

/// A 50 MB line of minified JavaScript with `GITHUB_TOKEN="…"` in the
/// middle; returns it and the token's 1-based column.
fn minified_line() -> (Vec<u8>, usize) {
    let unit = b"function(a,b){return a*b+0x1f};";
    let mut data = Vec::with_capacity(LINE_BYTES + 64);
    data.extend_from_slice(b"!function(){");
    while data.len() < LINE_BYTES / 2 {
        data.extend_from_slice(unit);
    }
    data.extend_from_slice(b"var GITHUB_TOKEN=\"");
    let column = data.len() + 1;
    data.extend_from_slice(GH.as_bytes());
    data.extend_from_slice(b"\";");
    while data.len() < LINE_BYTES {
        data.extend_from_slice(unit);
    }
    data.extend_from_slice(b"}();\n");
    (data, column)
}

/// A temporary directory for a tree of 100 000 files: in `/dev/shm` when
/// it is there with room to spare (tmpfs: making and removing them takes
/// seconds, not the minutes a journaling file system on a virtual disk can
/// take; a container's default 64 MB `/dev/shm` is too small).
fn big_tempdir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    let avail_kib = Command::new("df")
        .args(["-Pk", "/dev/shm"])
        .output()
        .ok()
        .and_then(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            text.lines()
                .nth(1)?
                .split_whitespace()
                .nth(3)?
                .parse::<u64>()
                .ok()
        })
        .unwrap_or(0);
    if shm.is_dir() && avail_kib > 2 * 1024 * 1024 {
        if let Ok(d) = tempfile::Builder::new()
            .prefix("blastradius-hostile")
            .tempdir_in(shm)
        {
            return d;
        }
    }
    eprintln!(
        "note: /dev/shm missing or under 2 GiB free ({avail_kib} KiB): \
         building the tree in the temporary directory (slower)"
    );
    tempfile::tempdir().unwrap()
}

fn build_tree() -> Tree {
    let dir = big_tempdir();
    let ws = dir.path().join("ws");
    let outside = dir.path().join("outside");
    let mut scannable = 0u64;
    let mut special = 0u64;

    // Plain tokens, at the top and just under the deep tree.
    write(&ws.join("top.env"), format!("GITHUB_TOKEN={GH}\n"));
    scannable += 1;

    // Special files: never opened.
    std::fs::create_dir_all(ws.join("special")).unwrap();
    assert!(Command::new("mkfifo")
        .arg(ws.join("special/pipe"))
        .status()
        .unwrap()
        .success());
    special += 1;
    let socket = std::os::unix::net::UnixListener::bind(ws.join("special/sock")).unwrap();
    special += 1;
    let mut devices = support::is_root();
    if devices {
        for (name, kind, major, minor) in [("null", "c", "1", "3"), ("loop", "b", "7", "0")] {
            let ok = Command::new("mknod")
                .arg(ws.join("special").join(name))
                .args([kind, major, minor])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ok {
                special += 1;
            } else {
                devices = false;
            }
        }
    }
    if !devices {
        eprintln!("note: mknod unavailable (not root, or no CAP_MKNOD): device files not tested");
    }

    // Symlinks: loops, and links leading out of the root.
    write(
        &outside.join("secret.env"),
        format!("STRIPE_SECRET_KEY={STRIPE}\n"),
    );
    let links = ws.join("links");
    std::fs::create_dir_all(&links).unwrap();
    std::os::unix::fs::symlink("loop-b", links.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", links.join("loop-b")).unwrap();
    std::os::unix::fs::symlink(".", links.join("self")).unwrap();
    std::os::unix::fs::symlink("../../outside", links.join("out-dir")).unwrap();
    std::os::unix::fs::symlink("../../outside/secret.env", links.join("out-file.env")).unwrap();

    // Too large: a 1 GiB sparse file (never read: bounded time) and a 50 MB line.
    std::fs::create_dir_all(ws.join("big")).unwrap();
    let sparse = std::fs::File::create(ws.join("big/sparse.log")).unwrap();
    sparse.set_len(1 << 30).unwrap();
    drop(sparse);
    write(&ws.join("big/minified.js"), minified_line().0);

    // 10 000 nested directories (far beyond PATH_MAX): built bottom-up in
    // chunks of 1 000 levels, each chunk renamed into the next one's bottom,
    // so no path ever handed to the kernel is longer than ~2 000 bytes.
    let deep = ws.join("deep");
    std::fs::create_dir_all(&deep).unwrap();
    let work = dir.path().join("build-deep");
    let chunk: PathBuf = std::iter::repeat_n("a", 999).collect();
    let mut cur = work.join("t0");
    std::fs::create_dir_all(cur.join(&chunk)).unwrap();
    for k in 1..DEPTH / 1000 {
        let next = work.join(format!("t{k}"));
        std::fs::create_dir_all(next.join(&chunk)).unwrap();
        std::fs::rename(&cur, next.join(&chunk).join("a")).unwrap();
        cur = next;
    }
    std::fs::rename(&cur, deep.join("a")).unwrap();
    write(
        &deep.join("a/a/shallow.env"),
        format!("GITHUB_TOKEN={GH}\n"),
    );
    scannable += 1;

    // 100 000 tiny files.
    for d in 0..MANY / 1000 {
        let sub = ws.join(format!("many/d{d:03}"));
        std::fs::create_dir_all(&sub).unwrap();
        for f in 0..1000 {
            std::fs::write(sub.join(format!("f{f:04}.txt")), b"nothing to see\n").unwrap();
        }
    }
    scannable += MANY as u64;

    // An unreadable directory holding a token.
    write(&ws.join("locked/inner.env"), format!("GITHUB_TOKEN={GH}\n"));
    std::fs::set_permissions(ws.join("locked"), PermissionsExt::from_mode(0o000)).unwrap();

    // Names that are not UTF-8, or hold a newline.
    let names = ws.join("names");
    std::fs::create_dir_all(&names).unwrap();
    std::fs::write(
        names.join(OsStr::from_bytes(b"bad-\xff\xfe.env")),
        format!("GITHUB_TOKEN={GH}\n"),
    )
    .unwrap();
    std::fs::write(names.join("new\nline.env"), format!("GITHUB_TOKEN={GH}\n")).unwrap();
    scannable += 2;

    // A token across the 64 KiB mark.
    let mut data = Vec::new();
    while data.len() < 65_536 - 200 {
        data.extend_from_slice(b"# padding line of an ordinary text file\n");
    }
    let prefix = b"GITHUB_TOKEN=";
    while data.len() + prefix.len() < 65_536 - 10 {
        data.push(b'#');
    }
    data.push(b'\n');
    data.truncate(65_536 - 10 - prefix.len() - 1);
    data.push(b'\n');
    data.extend_from_slice(prefix);
    assert_eq!(data.len(), 65_536 - 10);
    data.extend_from_slice(GH.as_bytes());
    data.extend_from_slice(b"\n# more padding\n");
    data.extend(std::iter::repeat_n(b'#', 70_000));
    data.push(b'\n');
    write(&ws.join("boundary.txt"), data);
    scannable += 1;

    // NUL bytes around a token: within the first 8 KiB the file is binary
    // (counted, named); past them it is text and the token is found.
    write(
        &ws.join("nul-early.dat"),
        format!("\0\0\0GITHUB_TOKEN={GH}\0\0\0\n"),
    );
    let mut late = "# text\n".repeat(2400).into_bytes();
    late.extend_from_slice(format!("\0\0{GH}\0\0\n").as_bytes());
    write(&ws.join("nul-late.txt"), late);
    scannable += 1;

    // UTF-16 with a byte-order mark, both byte orders.
    let text = format!("# settings\r\nGITHUB_TOKEN={GH}\r\n");
    let units: Vec<u16> = std::iter::once(0xFEFF).chain(text.encode_utf16()).collect();
    write(
        &ws.join("utf16le.env"),
        units
            .iter()
            .flat_map(|u| u.to_le_bytes())
            .collect::<Vec<u8>>(),
    );
    write(
        &ws.join("utf16be.env"),
        units
            .iter()
            .flat_map(|u| u.to_be_bytes())
            .collect::<Vec<u8>>(),
    );
    scannable += 2;

    Tree {
        dir,
        scannable,
        special,
        devices,
        _socket: socket,
    }
}

fn scan_json(args: &[&OsStr]) -> Run {
    let mut cmd = binary();
    cmd.args(["scan", "--offline", "--format", "json"])
        .args(args);
    let run = run_bounded(&cmd, WATCHDOG);
    assert!(
        matches!(run.code, Some(0 | 1)),
        "exit {:?}: {}",
        run.code,
        run.text()
    );
    run
}

#[test]
fn one_scan_of_a_hostile_tree_is_bounded_complete_and_counted() {
    let t0 = std::time::Instant::now();
    let tree = build_tree();
    eprintln!("tree built in {:?}", t0.elapsed());
    let ws = tree.ws();

    let run = scan_json(&[ws.as_os_str()]);
    eprintln!(
        "whole tree: {:?}, peak RSS {:?} KiB",
        run.elapsed, run.peak_rss_kib
    );
    let report = run.json();
    assert_eq!(run.code, Some(1), "the planted tokens fail the gate");
    let s = &report["summary"];
    let skipped = &s["skipped"];

    // Every planted token, at its path.
    found(&report, "top.env", "github.classic-pat");
    found(&report, "deep/a/a/shallow.env", "github.classic-pat");
    found(
        &report,
        "names/bad-\u{FFFD}\u{FFFD}.env",
        "github.classic-pat",
    );
    // A newline in a name is shown escaped: it cannot forge a line in a CI log.
    found(&report, "names/new\\nline.env", "github.classic-pat");
    let b = found(&report, "boundary.txt", "github.classic-pat");
    assert_eq!(b["column"], 1 + "GITHUB_TOKEN=".len(), "{b:#}");
    found(&report, "nul-late.txt", "github.classic-pat");
    found(&report, "utf16le.env", "github.classic-pat");
    found(&report, "utf16be.env", "github.classic-pat");
    // Nothing from outside the root, the skipped files or the locked directory.
    let all = report["findings"].to_string();
    assert!(!all.contains("outside") && !all.contains("out-"), "{all}");
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["provider"] != "stripe"),
        "a symlink out of the root was followed"
    );
    for path in [
        "big/minified.js",
        "big/sparse.log",
        "nul-early.dat",
        "locked/inner.env",
    ] {
        assert!(findings_at(&report, path).is_empty(), "{path} was read");
    }
    assert_eq!(report["findings"].as_array().unwrap().len(), 8, "{all}");

    // Counted: every readable file, and every skip by reason.
    assert_eq!(s["files_scanned"], tree.scannable, "{s:#}");
    assert_eq!(skipped["special"], tree.special, "{s:#}");
    assert_eq!(skipped["too_large"], 2, "{s:#}");
    assert_eq!(skipped["binary"], 1, "{s:#}");
    assert_eq!(skipped["symlink_loop"], 2, "{s:#}");
    assert_eq!(skipped["symlink"], 3, "{s:#}");
    // The locked directory, and the level where the path outgrows PATH_MAX.
    assert_eq!(skipped["unreadable"], 2, "{s:#}");
    // And named, with their reasons.
    for (path, reason) in [
        ("special/pipe", "special"),
        ("special/sock", "special"),
        ("big/sparse.log", "too_large"),
        ("big/minified.js", "too_large"),
        ("nul-early.dat", "binary"),
        ("links/loop-a", "symlink_loop"),
        ("links/loop-b", "symlink_loop"),
        ("links/out-dir", "symlink"),
        ("links/out-file.env", "symlink"),
        ("links/self", "symlink"),
        ("locked", "unreadable"),
    ] {
        assert!(named_skip(&report, path, reason), "{path} {reason}: {s:#}");
    }
    if tree.devices {
        assert!(named_skip(&report, "special/null", "special"), "{s:#}");
        assert!(named_skip(&report, "special/loop", "special"), "{s:#}");
    }
    let deep_skip = s["skipped_files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("deep/a/a/"))
        })
        .unwrap_or_else(|| panic!("the unreachable depth is not named: {s:#}"));
    assert_eq!(deep_skip["reason"], "unreadable", "{deep_skip:#}");

    // Bounded: time and memory.
    assert!(run.elapsed < Duration::from_secs(60), "{:?}", run.elapsed);
    match run.peak_rss_kib {
        Some(kib) => assert!(kib < MAX_RSS_KIB, "peak RSS {kib} KiB"),
        None => eprintln!("note: /usr/bin/time unavailable: peak RSS not measured"),
    }

    // The 50 MB line is read under a 64 MiB limit, in bounded time and
    // memory, and the token in its middle is found at the right column.
    let minified = ws.join("big/minified.js");
    let run = scan_json(&[
        OsStr::new("--max-file-size"),
        OsStr::new("67108864"),
        minified.as_os_str(),
    ]);
    eprintln!(
        "50 MB line: {:?}, peak RSS {:?} KiB",
        run.elapsed, run.peak_rss_kib
    );
    let report = run.json();
    assert_eq!(report["summary"]["files_scanned"], 1);
    let f = found(&report, "minified.js", "github.classic-pat");
    assert_eq!(f["line"], 1);
    assert_eq!(f["column"], minified_line().1);
    assert!(run.elapsed < Duration::from_secs(90), "{:?}", run.elapsed);
    match run.peak_rss_kib {
        Some(kib) => assert!(kib < MAX_RSS_KIB, "peak RSS {kib} KiB"),
        None => eprintln!("note: /usr/bin/time unavailable: peak RSS not measured"),
    }

    // With --follow-symlinks the links out of the root are followed (as
    // documented), and the loops are still detected and counted.
    let links = ws.join("links");
    let run = scan_json(&[OsStr::new("--follow-symlinks"), links.as_os_str()]);
    let report = run.json();
    let s = &report["summary"];
    found(&report, "out-dir/secret.env", "stripe.live-key");
    found(&report, "out-file.env", "stripe.live-key");
    assert!(s["skipped"]["symlink_loop"].as_u64().unwrap() >= 2, "{s:#}");
    assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
}

#[test]
fn files_that_vanish_or_change_during_the_scan_do_not_break_it() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    // Files that stay put, with tokens.
    for i in 0..20 {
        write(
            &ws.join(format!("stable/s{i:02}.env")),
            format!("GITHUB_TOKEN={GH}\n"),
        );
    }
    let churn = ws.join("churn");
    std::fs::create_dir_all(&churn).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let worker = {
        let (stop, churn) = (stop.clone(), churn.clone());
        std::thread::spawn(move || {
            let mut round = 0u64;
            while !stop.load(Ordering::Relaxed) {
                for i in 0..300 {
                    let p = churn.join(format!("c{i:03}.env"));
                    // Deleted, rewritten, truncated, swapped for a FIFO, a
                    // directory or a symlink, between listing and reading.
                    let _ = std::fs::remove_file(&p);
                    let _ = std::fs::remove_dir(&p);
                    match (round + i) % 6 {
                        0 => {}
                        1 => {
                            let _ = std::fs::write(&p, format!("GITHUB_TOKEN={GH}\n"));
                        }
                        2 => {
                            let _ = std::fs::write(&p, "x".repeat(100_000));
                        }
                        3 => {
                            let _ = Command::new("mkfifo").arg(&p).status();
                        }
                        4 => {
                            let _ = std::fs::create_dir(&p);
                        }
                        _ => {
                            let _ = std::os::unix::fs::symlink("c000.env", &p);
                        }
                    }
                }
                round += 1;
            }
        })
    };
    for _ in 0..5 {
        let run = scan_json(&[ws.as_os_str()]);
        let report = run.json();
        assert_eq!(run.code, Some(1), "{}", run.text());
        for i in 0..20 {
            found(
                &report,
                &format!("stable/s{i:02}.env"),
                "github.classic-pat",
            );
        }
        assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
    }
    stop.store(true, Ordering::Relaxed);
    worker.join().unwrap();
}

#[test]
fn hostile_file_names_cannot_forge_log_lines_or_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "a\n::error file=x::forged\n.env",
        "b\r::warning::forged.env",
        "c\u{1b}[2J\u{1b}[31mred.env",
    ] {
        write(&dir.path().join(name), format!("GITHUB_TOKEN={GH}\n"));
    }
    for format in ["table", "markdown", "sarif", "json"] {
        let mut cmd = binary();
        cmd.args(["scan", "--offline", "--color", "never", "--format", format])
            .arg(dir.path());
        let run = run_bounded(&cmd, WATCHDOG);
        assert_eq!(run.code, Some(1), "{format}: {}", run.text());
        let out = String::from_utf8_lossy(&run.stdout);
        assert!(out.matches("forged").count() >= 2, "{format}: {out}");
        for line in out.split(['\n', '\r']) {
            assert!(
                !line.trim_start().starts_with("::"),
                "{format}: a file name forged a line: {line:?}"
            );
        }
        assert!(
            !out.contains('\u{1b}'),
            "{format}: an escape reached the output"
        );
    }
}
