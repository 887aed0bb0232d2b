//! The pre-commit hooks end to end, with `pre-commit` itself (from PyPI): a throw-away
//! consumer repository references this repository's hooks by path and commit, and
//! `pre-commit run --all-files` fails on a bad file and passes on a good one. The
//! `language: system` hooks run this build's `backlint`, put first on PATH.
//!
//! What pre-commit installs is this working tree as it is: the tracked and untracked
//! (not ignored) files are committed to a scratch repository with fixed dates, so the
//! same tree gives the same commit and pre-commit's environment (a `cargo install` of
//! backlint) is reused across runs. The first run builds backlint in release mode.

mod common;

use common::git;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PRE_COMMIT: &str = "pre-commit==4.7.0";

fn scratch() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pre-commit")
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `pre-commit` in a virtual environment of its own, installed once.
fn pre_commit() -> PathBuf {
    let venv = scratch().join("venv");
    let bin = venv.join(if cfg!(windows) { "Scripts" } else { "bin" });
    let exe = bin.join("pre-commit");
    let marker = venv.join(PRE_COMMIT);
    if !marker.exists() {
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        ok(Command::new(python).args(["-m", "venv"]).arg(&venv));
        ok(Command::new(bin.join("python")).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            PRE_COMMIT,
        ]));
        std::fs::write(&marker, "").unwrap();
    }
    exe
}

/// This working tree committed to a scratch repository; returns (path, commit).
fn hooks_repository() -> (PathBuf, String) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dest = scratch().join("backlint-src");
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::create_dir_all(&dest).unwrap();
    let files = ok(git(repo).args([
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
    ]));
    for rel in files.split('\0').filter(|f| !f.is_empty()) {
        let from = repo.join(rel);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = dest.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
    }
    ok(git(&dest).arg("init").arg("-q"));
    ok(git(&dest).args(["add", "-A"]));
    ok(git(&dest).args(["commit", "-q", "-m", "snapshot"]));
    let rev = ok(git(&dest).args(["rev-parse", "HEAD"]));
    (dest, rev.trim().to_string())
}

const GOOD: &str = "use sqlx::PgPool;\n\n\
pub async fn find(pool: &PgPool, name: &str) -> Result<Vec<(i64,)>, sqlx::Error> {\n    \
sqlx::query_as(\"SELECT id FROM users WHERE name = $1\")\n        \
.bind(name)\n        .fetch_all(pool)\n        .await\n}\n";

const BAD: &str = "use sqlx::PgPool;\n\n\
pub async fn find(pool: &PgPool, name: &str) -> Result<Vec<(i64,)>, sqlx::Error> {\n    \
let sql = format!(\"SELECT id FROM users WHERE name = '{name}'\");\n    \
sqlx::query_as(&sql).fetch_all(pool).await\n}\n";

fn consumer(hook_repo: &Path, rev: &str, hook: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(git(d).arg("init").arg("-q"));
    std::fs::write(
        d.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: {hook}\n",
            hook_repo.display()
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("Cargo.toml"),
        "[package]\nname = \"accounts\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nsqlx = \"0.8\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(d.join("src")).unwrap();
    std::fs::write(d.join("src/lib.rs"), "pub mod users;\n").unwrap();
    std::fs::write(d.join("src/users.rs"), GOOD).unwrap();
    ok(git(d).args(["add", "-A"]));
    dir
}

/// `PATH` with this build's `backlint` first, for the `language: system` hooks.
fn path_with_backlint() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_backlint")).parent().unwrap();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&rest)))
        .unwrap()
}

fn pre_commit_run(exe: &Path, dir: &Path) -> (bool, String) {
    let out = run(Command::new(exe)
        .current_dir(dir)
        .env("PATH", path_with_backlint())
        .args(["run", "--all-files", "--color", "never"])
        .env("PRE_COMMIT_HOME", scratch().join("home"))
        // pre-commit's `cargo install` builds here, so a rebuild is incremental.
        .env("CARGO_TARGET_DIR", scratch().join("cargo-target"))
        // The hook's speed does not matter here: a quicker, smaller build.
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env_remove("CARGO_MANIFEST_DIR")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("NO_COLOR", "1"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn hooks_fail_on_a_bad_file_and_pass_on_a_good_one() {
    let exe = pre_commit();
    let (hooks, rev) = hooks_repository();
    // The `-system` hooks run the `backlint` on PATH (this build's), the others build
    // it.
    for hook in [
        "backlint",
        "backlint-workspace",
        "backlint-system",
        "backlint-workspace-system",
    ] {
        let repo = consumer(&hooks, &rev, hook);
        let (passed, out) = pre_commit_run(&exe, repo.path());
        assert!(passed, "{hook} failed on clean code:\n{out}");
        assert!(out.contains("Passed"), "{out}");

        std::fs::write(repo.path().join("src/users.rs"), BAD).unwrap();
        ok(git(repo.path()).args(["add", "-A"]));
        let (passed, out) = pre_commit_run(&exe, repo.path());
        assert!(!passed, "{hook} passed on SQL built with format!:\n{out}");
        assert!(out.contains("Failed"), "{out}");
        assert!(
            out.contains("BL101") && out.contains("src/users.rs"),
            "{hook} output does not show the finding:\n{out}"
        );
    }
}
