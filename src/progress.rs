//! A progress line on stderr for long scans: the phase and the time spent,
//! redrawn in place. Only on a terminal, never with machine-readable output,
//! never with `--quiet`, and only once a scan has taken longer than a
//! moment, so quick runs and pipes see nothing at all.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Nothing is drawn before this.
const DELAY: Duration = Duration::from_millis(400);
const TICK: Duration = Duration::from_millis(100);
const FRAMES: [char; 8] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧'];

struct Shared {
    phase: Mutex<String>,
    done: AtomicBool,
}

/// A running progress line (inert when disabled).
pub struct Progress {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Whether a progress line may be drawn: stderr is a terminal that can
/// redraw a line, and the output is for people.
pub fn wanted(machine_output: bool, quiet: bool) -> bool {
    !machine_output
        && !quiet
        && std::io::stderr().is_terminal()
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

impl Progress {
    /// Starts the line (a no-op unless `enabled`).
    pub fn start(enabled: bool, phase: &str) -> Progress {
        let shared = Arc::new(Shared {
            phase: Mutex::new(phase.to_string()),
            done: AtomicBool::new(false),
        });
        let thread = enabled.then(|| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || draw(&shared))
        });
        Progress { shared, thread }
    }

    /// Names the current phase.
    pub fn phase(&self, phase: &str) {
        *self.shared.phase.lock().unwrap_or_else(|e| e.into_inner()) = phase.to_string();
    }

    /// Stops and erases the line.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.shared.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

fn draw(shared: &Shared) {
    let start = Instant::now();
    let mut drawn = false;
    let mut frame = 0;
    while !shared.done.load(Ordering::Relaxed) {
        std::thread::sleep(TICK);
        let elapsed = start.elapsed();
        if elapsed < DELAY || shared.done.load(Ordering::Relaxed) {
            continue;
        }
        let phase = shared
            .phase
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2K{} blastradius: {phase} {:.1}s",
            FRAMES[frame % FRAMES.len()],
            elapsed.as_secs_f64()
        );
        let _ = err.flush();
        drawn = true;
        frame += 1;
    }
    if drawn {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_output_and_quiet_never_get_a_progress_line() {
        assert!(!wanted(true, false));
        assert!(!wanted(false, true));
    }

    #[test]
    fn a_disabled_progress_starts_no_thread() {
        let p = Progress::start(false, "scanning");
        assert!(p.thread.is_none());
        p.phase("assessing");
        p.finish();
    }
}
