//! The progress bar of a run on an interactive terminal: a spinner while the files are
//! looked for, then files parsed of files found, then the cross-file pass. Drawn on standard error with `indicatif`, cleared before the
//! report is printed, so that what a run prints is the same with or without it.
//!
//! [`wanted`] decides whether a run shows it; [`Progress::hidden`] costs nothing. The
//! analysis usually runs in a worker process whose standard error is a pipe to its
//! supervisor ([`crate::worker`]); the supervisor then names its terminal in the worker's
//! plan and the worker draws there ([`Terminal::Device`]).

use crate::report::Format;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// What decides whether a run shows the progress bar.
#[derive(Debug, Clone, Copy)]
pub struct When {
    /// Standard error is an interactive terminal (the supervisor's, for a worker).
    pub stderr_terminal: bool,
    /// The report's format.
    pub format: Format,
    /// `--quiet`.
    pub quiet: bool,
    /// `TERM=dumb`: a terminal that cannot move its cursor back.
    pub dumb_terminal: bool,
    /// The environment variable `CI` is set (to anything but empty, `0` or `false`).
    pub ci: bool,
}

impl When {
    /// The environment's part of the decision: `TERM` and `CI`.
    pub fn from_env(stderr_terminal: bool, format: Format, quiet: bool) -> When {
        let var = |name| std::env::var(name).unwrap_or_default();
        let ci = var("CI");
        When {
            stderr_terminal,
            format,
            quiet,
            dumb_terminal: var("TERM") == "dumb",
            ci: !ci.is_empty() && ci != "0" && !ci.eq_ignore_ascii_case("false"),
        }
    }
}

/// Whether a run shows the progress bar: only for a person watching a terminal, in the
/// formats meant for one (`human`, `concise`), unless `--quiet`, on a dumb terminal or in
/// CI.
pub fn wanted(w: &When) -> bool {
    w.stderr_terminal
        && matches!(w.format, Format::Human | Format::Concise)
        && !w.quiet
        && !w.dumb_terminal
        && !w.ci
}

/// Where the bar is drawn.
#[derive(Debug)]
pub enum Terminal {
    /// This process's standard error.
    Stderr,
    /// A terminal device opened for the bar (a worker drawing on its supervisor's
    /// terminal).
    #[cfg(unix)]
    Device(std::fs::File),
}

/// The progress of a run, or nothing ([`Progress::hidden`]). Shared by the analysis
/// threads: each file parsed advances it.
#[derive(Debug, Default)]
pub struct Progress(Option<ProgressBar>);

const PARSING: &str = "Parsing";
const CROSS_FILE: &str = "Cross-file pass";
/// Redraws per second at most: a run over thousands of files advances it far more often.
const REFRESH_HZ: u8 = 10;

impl Progress {
    /// No bar: every method does nothing.
    pub fn hidden() -> Progress {
        Progress(None)
    }

    /// A bar on `terminal`, at 0 of 0 files until [`Progress::found`] says how many.
    pub fn on(terminal: Terminal) -> Progress {
        let target = match terminal {
            Terminal::Stderr => ProgressDrawTarget::stderr_with_hz(REFRESH_HZ),
            #[cfg(unix)]
            Terminal::Device(file) => match file.try_clone() {
                Ok(read) => {
                    ProgressDrawTarget::term(console::Term::read_write_pair(read, file), REFRESH_HZ)
                }
                Err(_) => return Progress::hidden(),
            },
        };
        // Drawn only once styled.
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        bar.set_style(bar_style());
        bar.set_prefix(PARSING);
        bar.set_draw_target(target);
        Progress(Some(bar))
    }

    /// The files of a command are being looked for (a spinner: how many is not known
    /// yet).
    pub fn finding(&self) {
        if let Some(bar) = &self.0 {
            bar.set_style(spinner_style());
            bar.enable_steady_tick(Duration::from_millis(100));
        }
    }

    /// Whether a bar is shown.
    pub fn is_shown(&self) -> bool {
        self.0.is_some()
    }

    /// `files` more files were found (each run of a command adds its own).
    pub fn found(&self, files: usize) {
        if let Some(bar) = &self.0 {
            bar.disable_steady_tick();
            bar.set_style(bar_style());
            if bar.prefix() != PARSING {
                // The next command's files, after another's cross-file pass.
                bar.set_prefix(PARSING);
            }
            bar.inc_length(files as u64);
        }
    }

    /// One more file went through the per-file pass.
    pub fn parsed(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// Every file was parsed: the cross-file pass runs (the spinner turns meanwhile).
    pub fn cross_file(&self) {
        if let Some(bar) = &self.0 {
            bar.set_prefix(CROSS_FILE);
            bar.enable_steady_tick(Duration::from_millis(100));
        }
    }

    /// Removes the bar from the terminal (before the report is printed).
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// While parsing: files parsed of files found.
fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {prefix:>15} [{bar:30}] {pos}/{len} files  {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// While looking for the files.
fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner}   Finding files  {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn when(format: Format) -> When {
        When {
            stderr_terminal: true,
            format,
            quiet: false,
            dumb_terminal: false,
            ci: false,
        }
    }

    #[test]
    fn shown_on_a_terminal_in_the_formats_for_people() {
        assert!(wanted(&when(Format::Human)));
        assert!(wanted(&when(Format::Concise)));
    }

    #[test]
    fn never_in_machine_formats() {
        for format in [
            Format::Json,
            Format::Sarif,
            Format::Github,
            Format::CargoJson,
        ] {
            assert!(!wanted(&when(format)), "{format:?}");
        }
    }

    #[test]
    fn never_without_a_terminal_with_quiet_on_a_dumb_terminal_or_in_ci() {
        let base = when(Format::Human);
        assert!(!wanted(&When {
            stderr_terminal: false,
            ..base
        }));
        assert!(!wanted(&When {
            quiet: true,
            ..base
        }));
        assert!(!wanted(&When {
            dumb_terminal: true,
            ..base
        }));
        assert!(!wanted(&When { ci: true, ..base }));
    }

    #[test]
    fn a_hidden_bar_does_nothing() {
        let p = Progress::hidden();
        assert!(!p.is_shown());
        p.finding();
        p.found(3);
        p.parsed();
        p.cross_file();
        p.finish();
    }

    #[test]
    fn a_bar_counts_files_found_and_parsed() {
        // Drawn nowhere: `Progress::on` with a hidden target, to see the counting.
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        let p = Progress(Some(bar.clone()));
        p.finding();
        p.found(2);
        assert_eq!(bar.prefix(), PARSING);
        p.found(3);
        p.parsed();
        p.parsed();
        assert_eq!((bar.position(), bar.length()), (2, Some(5)));
        p.cross_file();
        assert_eq!(bar.prefix(), CROSS_FILE);
        p.finish();
        assert!(bar.is_finished());
    }
}
