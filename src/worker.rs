//! The analysis in a supervised worker process, so that a fault no process survives — a
//! stack overflow, an abort — loses one file, not the run.
//!
//! A panic while analysing a file is caught in the process and becomes the file's `BL003
//! internal-error` finding (`engine::contain`). A stack overflow ends the process, and
//! with it every other file's findings. So `backlint` (the command line, for the commands
//! that analyse) runs itself again, [`std::env::current_exe`], as a worker with the same
//! arguments and the environment variable [`WORKER_ENV`] naming a plan file; the first
//! process only supervises:
//!
//! - The worker inherits standard input and output (the report goes straight to the
//!   terminal or pipe, colour detection unchanged) and writes its standard error to a
//!   pipe the supervisor reads; when the worker exits normally the supervisor copies it
//!   to its own standard error and exits with the worker's status.
//! - While analysing, the worker appends `begin PATH` / `end PATH` lines to a flight log
//!   in a private directory under the system's temporary directory. It writes its report
//!   only after the whole analysis, so a worker that dies has printed nothing.
//! - When the worker dies by a signal that means a fault (`SIGSEGV`, `SIGABRT`, …), the
//!   files in flight are the suspects: with one, it is the culprit; with several, each is
//!   analysed alone in a probe worker (same arguments, printing nothing) and those whose
//!   probe dies are the culprits (if none does, all of them are). The worker is run again
//!   with the culprits skipped: each is reported as BL003 with what killed the process,
//!   the rest is analysed as usual. At most [`MAX_RERUNS`] times; then, or when the
//!   worker died with no file in flight, the run ends with an internal error (exit 2).
//! - A signal from outside (`SIGINT`, `SIGTERM`, `SIGKILL`, `SIGHUP`, `SIGQUIT`,
//!   `SIGPIPE`) is nobody's file: the supervisor reports it and exits with 128 + its
//!   number.
//!
//! - When the supervisor's standard error is a terminal, the plan names it, and the
//!   worker draws its progress bar there ([`terminal`], [`crate::progress`]); the bar is
//!   cleared before the worker prints its report. A worker that dies leaves its bar's
//!   line behind, which the supervisor erases.
//!
//! When no worker can be started (no `current_exe`, no temporary directory, the spawn
//! fails) or on a platform without signals, the analysis runs in the process, as it does
//! with [`NO_WORKER_ENV`] set (for measuring the supervisor's cost).

use crate::engine::contain::{self, WorkerState};
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::PathBuf;

/// Set in a worker's environment: the path of its plan (JSON).
pub const WORKER_ENV: &str = "BACKLINT_WORKER";
/// Set to anything but empty or `0`: analyse in the process, without a worker.
pub const NO_WORKER_ENV: &str = "BACKLINT_NO_WORKER";
/// How many times the worker is run again after a fault before the run gives up.
pub const MAX_RERUNS: usize = 8;

/// What the supervisor asks of a worker.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Plan {
    /// The flight log to append to.
    flight: PathBuf,
    /// Files to report as BL003 instead of analysing them.
    skip: Vec<Skipped>,
    /// Analyse only this file and print nothing.
    probe: Option<String>,
    /// The terminal of the supervisor's standard error, for the progress bar.
    #[serde(default)]
    terminal: Option<PathBuf>,
}

/// The terminal a worker's plan names ([`Plan::terminal`]).
static TERMINAL: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// In a worker whose supervisor's standard error is a terminal: that terminal, opened
/// for the progress bar. `None` elsewhere, or when it cannot be opened.
#[cfg(unix)]
pub fn terminal() -> Option<std::fs::File> {
    use std::io::IsTerminal;
    let path = TERMINAL.get()?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .ok()?;
    file.is_terminal().then_some(file)
}

/// Whether this is a worker whose supervisor's standard error is a terminal.
pub fn has_terminal() -> bool {
    TERMINAL.get().is_some()
}

/// The terminal device of this process's standard error, when it is one: the path the
/// worker opens to draw on it.
fn stderr_terminal() -> Option<PathBuf> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    // Linux names the device of each open file; elsewhere, the controlling terminal
    // (which a terminal on standard error nearly always is).
    match std::fs::read_link("/proc/self/fd/2") {
        Ok(path) if path.starts_with("/dev/") => Some(path),
        _ if cfg!(target_os = "linux") => None,
        _ => Some(PathBuf::from("/dev/tty")),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Skipped {
    /// The file's displayed path.
    path: String,
    /// What happened when it was analysed ("stack overflow").
    what: String,
}

/// How this process takes part in an analysing run.
#[derive(Debug, PartialEq, Eq)]
pub enum Role {
    /// A worker: the containment state is installed; analyse and report.
    Worker,
    /// Supervise a worker ([`supervise`]).
    Supervisor,
    /// Analyse in this process ([`NO_WORKER_ENV`]).
    InProcess,
}

/// This process's role, from its environment. A worker's plan is read and installed here.
pub fn role() -> Result<Role, String> {
    if let Some(path) = std::env::var_os(WORKER_ENV) {
        let path = PathBuf::from(path);
        let plan: Plan = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
            .map_err(|e| format!("cannot read the worker plan {}: {e}", path.display()))?;
        // Without its flight log, the worker still runs; the supervisor then cannot tell
        // which file a fault came from.
        if let Some(t) = plan.terminal {
            let _ = TERMINAL.set(t);
        }
        let flight = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&plan.flight)
            .ok();
        contain::install(WorkerState {
            flight,
            skip: plan.skip.into_iter().map(|s| (s.path, s.what)).collect(),
            probe: plan.probe,
        });
        return Ok(Role::Worker);
    }
    if std::env::var_os(NO_WORKER_ENV).is_some_and(|v| !v.is_empty() && v != "0") {
        return Ok(Role::InProcess);
    }
    Ok(Role::Supervisor)
}

/// Runs the analysis of `args` (this process's whole command line) in a worker, as the
/// module describes, and returns the exit status; `None` when no worker could be
/// started (the caller then analyses in its own process).
pub fn supervise(args: &[OsString]) -> Option<i32> {
    if !cfg!(unix) {
        return None;
    }
    let exe = std::env::current_exe().ok()?;
    let dir = TempDir::create().ok()?;
    let mut sup = Supervisor {
        exe,
        args: args.get(1..).unwrap_or_default().to_vec(),
        dir,
        spawned: 0,
    };
    let mut skip: Vec<Skipped> = Vec::new();
    let terminal = stderr_terminal();
    for run in 0..=MAX_RERUNS {
        let flight = sup.dir.0.join(format!("flight-{run}"));
        let plan = Plan {
            flight: flight.clone(),
            skip: skip.clone(),
            probe: None,
            terminal: terminal.clone(),
        };
        let out = match sup.spawn(&plan) {
            Ok(o) => o,
            Err(_) if run == 0 => return None,
            Err(e) => {
                eprintln!("error: cannot run backlint's analysis process again: {e}");
                return Some(crate::cli::EXIT_ERROR);
            }
        };
        let sig = match out.end {
            End::Exited(code) => {
                relay(&out.stderr);
                return Some(code);
            }
            End::Signal(sig) if !is_fault(sig) => {
                if terminal.is_some() {
                    clear_line();
                }
                relay(&out.stderr);
                eprintln!(
                    "error: backlint's analysis process was stopped by signal {}",
                    signal_text(sig)
                );
                return Some(128 + sig);
            }
            End::Signal(sig) => sig,
        };
        if terminal.is_some() {
            clear_line();
        }
        let what = describe(sig, &out.stderr);
        let log = std::fs::read_to_string(&flight).unwrap_or_default();
        let flying = contain::in_flight(&log);
        let culprits = match flying.as_slice() {
            [] => {
                eprintln!(
                    "error: internal error: {what} in backlint's analysis process, while no \
                     single file was being analysed; please report it at {}",
                    contain::issues_url()
                );
                return Some(crate::cli::EXIT_ERROR);
            }
            [one] => vec![Skipped {
                path: one.clone(),
                what,
            }],
            several => {
                let mut found: Vec<Skipped> = several
                    .iter()
                    .filter_map(|path| sup.probe(path, &skip))
                    .collect();
                if found.is_empty() {
                    // No file fails alone: each of them may be the one.
                    found = several
                        .iter()
                        .map(|path| Skipped {
                            path: path.clone(),
                            what: what.clone(),
                        })
                        .collect();
                }
                found
            }
        };
        skip.extend(culprits);
    }
    eprintln!(
        "error: internal error: backlint's analysis process died {} times, each time on \
         another file; please report it at {}",
        MAX_RERUNS + 1,
        contain::issues_url()
    );
    Some(crate::cli::EXIT_ERROR)
}

struct Supervisor {
    exe: PathBuf,
    args: Vec<OsString>,
    dir: TempDir,
    /// Workers started so far (each gets its own plan file).
    spawned: usize,
}

/// How a worker ended.
enum End {
    Exited(i32),
    Signal(i32),
}

struct Outcome {
    end: End,
    stderr: Vec<u8>,
}

impl Supervisor {
    /// Runs a worker with `plan` to its end. A probe gets no standard input or output.
    fn spawn(&mut self, plan: &Plan) -> std::io::Result<Outcome> {
        use std::io::Read;
        use std::process::{Command, Stdio};
        self.spawned += 1;
        let plan_path = self.dir.0.join(format!("plan-{}.json", self.spawned));
        std::fs::write(&plan_path, serde_json::to_vec(plan).unwrap_or_default())?;
        let mut cmd = Command::new(&self.exe);
        cmd.args(&self.args)
            .env(WORKER_ENV, &plan_path)
            .stderr(Stdio::piped());
        if plan.probe.is_some() {
            cmd.stdin(Stdio::null()).stdout(Stdio::null());
        }
        let mut child = cmd.spawn()?;
        // Read while the worker runs (it blocks when the pipe is full), until it closes
        // its end by exiting.
        let mut stderr = Vec::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = pipe.read_to_end(&mut stderr);
        }
        let status = child.wait()?;
        let end = match (status.code(), exit_signal(&status)) {
            (Some(code), _) => End::Exited(code),
            (None, Some(sig)) => End::Signal(sig),
            (None, None) => End::Exited(crate::cli::EXIT_ERROR),
        };
        Ok(Outcome { end, stderr })
    }

    /// Analyses the file displayed as `path` alone: what killed the worker, if something
    /// did.
    fn probe(&mut self, path: &str, skip: &[Skipped]) -> Option<Skipped> {
        let plan = Plan {
            flight: self.dir.0.join(format!("probe-{}", self.spawned + 1)),
            skip: skip.to_vec(),
            probe: Some(path.to_string()),
            terminal: None,
        };
        let out = self.spawn(&plan).ok()?;
        match out.end {
            End::Signal(sig) if is_fault(sig) => Some(Skipped {
                path: path.to_string(),
                what: describe(sig, &out.stderr),
            }),
            _ => None,
        }
    }
}

#[cfg(unix)]
fn exit_signal(status: &std::process::ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(status)
}

#[cfg(not(unix))]
fn exit_signal(_: &std::process::ExitStatus) -> Option<i32> {
    None
}

/// Signals sent from outside (the user, a time limit, the terminal, the system out of
/// memory), as opposed to the process's own faults. Same numbers on Linux and macOS.
fn is_fault(sig: i32) -> bool {
    !matches!(sig, 1 | 2 | 3 | 9 | 13 | 15)
}

fn signal_text(sig: i32) -> String {
    let name = match sig {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        #[cfg(target_os = "linux")]
        7 => "SIGBUS",
        #[cfg(target_os = "linux")]
        31 => "SIGSYS",
        _ => return sig.to_string(),
    };
    format!("{sig} ({name})")
}

/// What killed a worker, from its signal and what the Rust runtime printed before.
fn describe(sig: i32, stderr: &[u8]) -> String {
    let needle = b"has overflowed its stack";
    if stderr.windows(needle.len()).any(|w| w == needle) {
        "stack overflow".into()
    } else {
        format!("the analysis process died with signal {}", signal_text(sig))
    }
}

/// Erases the terminal line a dead worker's progress bar was drawn on.
fn clear_line() {
    use std::io::Write;
    let _ = std::io::stderr().write_all(b"\r\x1b[2K");
}

fn relay(stderr: &[u8]) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(stderr);
}

/// A private directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn create() -> std::io::Result<TempDir> {
        let base = std::env::temp_dir();
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut last = None;
        for i in 0..16u32 {
            let dir = base.join(format!(
                "backlint-{}-{:x}",
                std::process::id(),
                stamp.wrapping_add(i)
            ));
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            match builder.create(&dir) {
                Ok(()) => return Ok(TempDir(dir)),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no temporary directory")))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overflow_is_named_from_the_runtime_message() {
        let err =
            b"\nthread '<unnamed>' has overflowed its stack\nfatal runtime error: stack overflow\n";
        assert_eq!(describe(6, err), "stack overflow");
        assert_eq!(
            describe(6, b""),
            "the analysis process died with signal 6 (SIGABRT)"
        );
        assert!(is_fault(11) && is_fault(6) && !is_fault(2) && !is_fault(15));
    }

    #[test]
    fn plans_round_trip() {
        let plan = Plan {
            flight: "/tmp/x".into(),
            skip: vec![Skipped {
                path: "a\nb.rs".into(),
                what: "stack overflow".into(),
            }],
            probe: None,
            terminal: Some("/dev/pts/0".into()),
        };
        let back: Plan = serde_json::from_slice(&serde_json::to_vec(&plan).unwrap()).unwrap();
        assert_eq!(back.skip[0].path, "a\nb.rs");
        assert_eq!(back.terminal, Some(PathBuf::from("/dev/pts/0")));
    }
}
