//! Containment: a fault while analysing one file becomes that file's `BL003
//! internal-error` finding, and the rest of the run goes on.
//!
//! A panic is caught where the file is analysed (`engine::analyze_job_guarded`,
//! `check_source`). A stack overflow or an abort cannot be caught in the process: the
//! command line runs the analysis in a worker process it supervises (`crate::worker`).
//! This module holds the worker's side of that, installed once at its start
//! ([`install`]): the flight log (which files are being analysed, so that the supervisor
//! can tell which file brought the process down), the files to report instead of
//! analysing them (those that brought an earlier worker down), and the probe mode (analyse
//! one file only, to find out whether it is the one). Outside a worker, none of it is set.

use crate::config::Settings;
use crate::engine::source::SourceFile;
use crate::finding::Finding;
use crate::fingerprint::finding_fingerprint;
use crate::rules::meta::internal_error::INTERNAL_ERROR;
use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::sync::OnceLock;

/// The environment variable of the test hook, see [`fault_hook`].
pub const FAULT_ENV: &str = "BACKLINT_INTERNAL_FAULT";

/// What a worker process does besides the analysis, from the supervisor's plan.
#[derive(Debug, Default)]
pub struct WorkerState {
    /// The flight log: `begin PATH` and `end PATH` lines (PATH as a JSON string), each
    /// written with one unbuffered `write` to a file opened for appending.
    pub flight: Option<File>,
    /// Files not to analyse, with what went wrong when they were: each is reported as
    /// BL003.
    pub skip: HashMap<String, String>,
    /// Probe mode: analyse only this file (the others produce nothing).
    pub probe: Option<String>,
}

static WORKER: OnceLock<WorkerState> = OnceLock::new();

/// Makes this process a worker. Only the first call counts.
pub fn install(state: WorkerState) {
    let _ = WORKER.set(state);
}

/// Whether this process is a worker probing one file (it then prints nothing).
pub fn is_probe() -> bool {
    WORKER.get().is_some_and(|w| w.probe.is_some())
}

/// What the per-file pass does with a file before analysing it.
pub enum Before {
    Analyse,
    /// A probe of another file: produce nothing.
    Ignore,
    /// It brought an earlier worker down: report it without analysing it.
    Failed(&'static str),
}

/// The worker's decision for the file displayed as `display`, and its `begin` record in
/// the flight log when it is to be analysed.
pub fn before(display: &str) -> Before {
    let Some(w) = WORKER.get() else {
        return Before::Analyse;
    };
    // `WORKER` is a static: its strings live as long as the process.
    if let Some(what) = w.skip.get(display) {
        return Before::Failed(what);
    }
    if w.probe.as_deref().is_some_and(|p| p != display) {
        return Before::Ignore;
    }
    record(w, "begin", display);
    Before::Analyse
}

/// The file's `end` record in the flight log.
pub fn after(display: &str) {
    if let Some(w) = WORKER.get() {
        record(w, "end", display);
    }
}

fn record(w: &WorkerState, what: &str, display: &str) {
    if let Some(f) = &w.flight {
        let path = serde_json::to_string(display).unwrap_or_default();
        // One write per line: appends of concurrent threads do not interleave. A failed
        // write only loses the supervisor a clue.
        let _ = (&*f).write_all(format!("{what} {path}\n").as_bytes());
    }
}

/// The files a flight log shows begun and not ended, in log order.
pub fn in_flight(log: &str) -> Vec<String> {
    let mut open: Vec<String> = Vec::new();
    for line in log.lines() {
        let Some((what, path)) = line.split_once(' ') else {
            continue;
        };
        let Ok(path) = serde_json::from_str::<String>(path) else {
            continue;
        };
        match what {
            "begin" => open.push(path),
            "end" => {
                if let Some(i) = open.iter().position(|p| *p == path) {
                    open.remove(i);
                }
            }
            _ => {}
        }
    }
    open
}

/// The text of a panic's payload, on one line and not too long.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    let mut one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 300 {
        one_line = one_line.chars().take(300).collect::<String>() + "…";
    }
    one_line
}

/// Where to report a bug.
pub fn issues_url() -> String {
    format!(
        "{}/issues",
        env!("CARGO_PKG_REPOSITORY").trim_end_matches('/')
    )
}

/// The BL003 finding of the file displayed as `display` with contents `text`: `what`
/// went wrong while analysing it ("stack overflow", "the analysis panicked (…)").
pub fn internal_error(display: &str, text: &str, what: &str) -> Finding {
    let src = SourceFile::new(display.to_string(), text.to_string());
    let region = src.line_region(1, 1);
    let mut f = Finding::new(
        &INTERNAL_ERROR,
        display,
        region,
        format!(
            "internal error: {what} while analysing this file, so it was not checked; \
             please report it, with this file, to backlint"
        ),
    );
    f.help = Some(format!(
        "this is a bug in backlint, not in your code: please report it at {} and attach \
         the file (or a part of it that still fails); until it is fixed, `exclude` in \
         backlint.toml skips the file",
        issues_url()
    ));
    f.fingerprint = finding_fingerprint(INTERNAL_ERROR.code, src.line_text(1), 1);
    f
}

/// Whether BL003 is to be reported for the file displayed as `display` (otherwise the
/// fault is an error of the run, on standard error).
pub fn reported(settings: &Settings, display: &str) -> bool {
    settings.is_enabled(INTERNAL_ERROR.code)
        && !settings
            .ignored_for_file(display)
            .contains(&INTERNAL_ERROR.code)
}

/// Test hook, for the containment tests only: with `BACKLINT_INTERNAL_FAULT` set to
/// `KIND:SUFFIX` (several separated by commas), analysing a file whose displayed path
/// ends with SUFFIX first fails as KIND says: `panic` panics, `overflow` recurses until
/// the stack overflows (a real stack overflow, which ends the process), `abort` calls
/// `std::process::abort`. backlint never sets it; nobody else should.
pub fn fault_hook(display: &str) {
    let Some(spec) = std::env::var_os(FAULT_ENV) else {
        return;
    };
    let spec = spec.to_string_lossy();
    for part in spec.split(',') {
        let Some((kind, suffix)) = part.split_once(':') else {
            continue;
        };
        if suffix.is_empty() || !display.ends_with(suffix) {
            continue;
        }
        match kind {
            "panic" => panic!("injected fault ({FAULT_ENV}) in {display}"),
            "overflow" => {
                std::hint::black_box(overflow(0));
            }
            "abort" => std::process::abort(),
            _ => {}
        }
    }
}

/// Unbounded recursion with a 4 kB frame: a real stack overflow, quickly even on the
/// analysis threads' large stacks.
#[inline(never)]
fn overflow(depth: usize) -> usize {
    let frame = std::hint::black_box([depth; 512]);
    if std::hint::black_box(depth) == usize::MAX {
        return frame[0];
    }
    overflow(depth + 1).wrapping_add(frame[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_is_begun_and_not_ended() {
        let log = "begin \"a.rs\"\nbegin \"b\\nc.rs\"\nend \"a.rs\"\nbegin \"d.rs\"\nbeg";
        assert_eq!(in_flight(log), ["b\nc.rs", "d.rs"]);
        assert!(in_flight("").is_empty());
    }

    #[test]
    fn the_finding_is_on_line_1() {
        let f = internal_error("x.rs", "\u{feff}fn a() {}\nfn b() {}\n", "stack overflow");
        assert_eq!(
            (f.region.line, f.region.column, f.region.end_column),
            (1, 1, 10)
        );
        assert!(f.region.validate("\u{feff}fn a() {}\nfn b() {}\n").is_ok());
        assert!(f
            .message
            .contains("stack overflow while analysing this file"));
        let f = internal_error("x.rs", "", "stack overflow");
        assert!(f.region.validate("").is_ok());
    }

    #[test]
    fn panic_messages_are_one_line() {
        let p: Box<dyn std::any::Any + Send> = Box::new(String::from("a\n  b"));
        assert_eq!(panic_message(&*p), "a b");
    }
}
