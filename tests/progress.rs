//! The progress bar: shown on an interactive terminal (a pseudo-terminal from util-linux's
//! `script`), never when standard error is a pipe, in the machine formats or with
//! `--quiet`, and never changing the report. When it is shown is decided by
//! `backlint::progress::wanted`, whose cases are unit tests beside it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const BIN: &str = env!("CARGO_BIN_EXE_backlint");
const PROJECT: &str = "fixtures/projects/shop";
/// What the bar shows: files parsed of files found (the sample project has 11).
const BAR: &str = "/11 files";

fn piped(args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(repo())
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_piped_run_prints_only_the_report() {
    for format in ["human", "concise", "json", "sarif", "github"] {
        let args = ["--preview", "--format", format, PROJECT];
        let out = piped(&args);
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(
            out.stderr.is_empty(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let quiet = piped(&[&args[..], &["--quiet"]].concat());
        assert_eq!(out.stdout, quiet.stdout, "{format}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains(BAR));
    }
}

/// util-linux's `script`, which runs a command on a pseudo-terminal and copies what it
/// writes there to its own standard output.
fn script() -> Option<&'static str> {
    let ok = Command::new("script")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some("script")
}

/// `backlint ARGS` on a pseudo-terminal (standard output and error both): what appeared
/// on it, `\r\n` as `\n`.
fn on_terminal(script: &str, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> String {
    let line: Vec<String> = std::iter::once(BIN)
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect();
    let out = Command::new(script)
        .current_dir(dir)
        .args(["--quiet", "--flush", "--return", "--command"])
        .arg(line.join(" "))
        .arg("/dev/null")
        .env("TERM", "xterm-256color")
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
}

/// The terminal's text once the bar is gone: what follows its last erasure.
fn after_the_bar(text: &str) -> &str {
    text.rsplit_once("\x1b[2K").map_or(text, |(_, rest)| rest)
}

#[test]
fn a_terminal_run_shows_progress_then_the_same_report() {
    let Some(script) = script() else {
        eprintln!("skipped: no `script` (util-linux) to run backlint on a pseudo-terminal");
        return;
    };
    for format in ["human", "concise"] {
        let args = ["--preview", "--format", format, PROJECT];
        let text = on_terminal(script, &args, &repo(), &[]);
        assert!(text.contains(BAR), "{format}: no progress bar:\n{text}");
        assert!(text.contains("Parsing ["), "{text}");
        // The bar was erased before the report, which is the piped run's.
        let piped = String::from_utf8(piped(&args).stdout).unwrap();
        assert_eq!(after_the_bar(&text), piped, "{format}");
    }
}

#[test]
fn a_terminal_run_shows_no_progress_in_machine_formats_or_when_quiet() {
    let Some(script) = script() else {
        eprintln!("skipped: no `script` (util-linux) to run backlint on a pseudo-terminal");
        return;
    };
    let concise = &["--preview", "--format", "concise", PROJECT][..];
    for (args, env) in [
        (&["--preview", "--format", "json", PROJECT][..], &[][..]),
        (&["--preview", "--format", "sarif", PROJECT], &[]),
        (&["--preview", "--format", "github", PROJECT], &[]),
        (&["--preview", "--message-format", "json", PROJECT], &[]),
        (
            &["--preview", "--format", "concise", "--quiet", PROJECT],
            &[],
        ),
        (concise, &[("TERM", "dumb")]),
        (concise, &[("CI", "true")]),
    ] {
        let text = on_terminal(script, args, &repo(), env);
        assert!(!text.contains(BAR), "{args:?} {env:?}:\n{text}");
        assert!(!text.contains('\x1b'), "{args:?} {env:?}:\n{text}");
        let piped = String::from_utf8(piped(args).stdout).unwrap();
        assert_eq!(text, piped, "{args:?}");
    }
}
