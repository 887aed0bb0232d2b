//! `cargo backlint` as users run it: the real cargo, finding the `cargo-backlint` binary
//! on PATH, in the layouts of `fixtures/workspaces/` (a virtual workspace, a member
//! directory, a nested workspace, a single package) and in a plain directory.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/workspaces")
}

/// A directory holding only `cargo-backlint`, put first on PATH.
fn bin_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        let exe = format!("cargo-backlint{}", std::env::consts::EXE_SUFFIX);
        std::fs::copy(env!("CARGO_BIN_EXE_cargo-backlint"), d.path().join(exe)).unwrap();
        d
    })
    .path()
}

/// `cargo backlint ARGS` in `dir`, through the cargo that runs these tests, with the
/// rules the fixtures' findings come from: preview rules (none of them has met the promotion bar
/// yet), off by default; exact codes select them.
fn cargo_backlint(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let path = std::env::join_paths(std::iter::once(bin_dir().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let out = Command::new(cargo)
        .arg("backlint")
        .args(["--format", "concise", "--color", "never"])
        .arg("--extend-select=BL101,BL201,BL401,BL502,BL601")
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        // The test harness's own cargo variables must not leak into the run.
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CARGO_TARGET_DIR")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The files with findings, as `path:line` (absolute paths shortened to their fixture
/// part, so the test does not depend on where the repository is).
fn flagged(stdout: &str) -> Vec<String> {
    let mut v: Vec<String> = stdout
        .lines()
        .filter_map(|l| {
            let mut parts = l.splitn(3, ':');
            let (path, line) = (parts.next()?, parts.next()?);
            let path = path
                .split_once("fixtures/workspaces/")
                .map_or(path, |(_, rest)| rest);
            Some(format!("{path}:{line}"))
        })
        .collect();
    v.sort();
    v
}

const API: &str = "crates/orders-api/src/lib.rs:6";
const STORE: &str = "crates/orders-store/src/lib.rs:4";

#[test]
fn virtual_workspace_root_lints_every_member_but_not_a_nested_workspace() {
    let (code, out, err) = cargo_backlint(&fixtures().join("virtual"), &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(flagged(&out), [API, STORE], "{out}");
}

#[test]
fn member_directory_lints_the_whole_workspace() {
    let dir = fixtures().join("virtual/crates/orders-api");
    let (code, out, err) = cargo_backlint(&dir, &[]);
    assert_eq!(code, 1, "{err}");
    // Below the current directory: relative; the sibling member: its full path.
    assert_eq!(
        flagged(&out),
        ["src/lib.rs:6", &format!("virtual/{STORE}")],
        "{out}"
    );
    // `--workspace` is cargo's spelling of the default.
    let (_, again, _) = cargo_backlint(&dir, &["--workspace"]);
    assert_eq!(again, out);
}

#[test]
fn package_and_exclude_select_members_like_cargo() {
    let root = fixtures().join("virtual");
    let (code, out, _) = cargo_backlint(&root, &["-p", "orders-store"]);
    assert_eq!((code, flagged(&out)), (1, vec![STORE.to_string()]));
    let (_, out, _) = cargo_backlint(&root, &["--package", "orders-api@0.4.0"]);
    assert_eq!(flagged(&out), [API]);
    let (_, out, _) = cargo_backlint(&root, &["-p", "orders-api", "-p", "orders-store"]);
    assert_eq!(flagged(&out), [API, STORE]);
    let (_, out, _) = cargo_backlint(&root, &["-p", "orders-*"]);
    assert_eq!(flagged(&out), [API, STORE]);
    let (_, out, _) = cargo_backlint(&root, &["--workspace", "--exclude", "orders-api"]);
    assert_eq!(flagged(&out), [STORE]);

    let (code, out, err) = cargo_backlint(&root, &["-p", "billing"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("package ID specification `billing` did not match any packages")
            && err.contains("orders-api, orders-store"),
        "{err}"
    );
    let (code, _, err) = cargo_backlint(&root, &["--exclude", "billing"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("excluded package `billing` is not a member"),
        "{err}"
    );
    let (code, _, err) = cargo_backlint(&root, &["-p", "orders-api", "crates"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be combined with paths"), "{err}");
}

#[test]
fn nested_workspace_is_its_own_project() {
    let root = fixtures().join("virtual");
    let (code, out, err) = cargo_backlint(&root.join("tools/migrate"), &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(flagged(&out), ["crates/migrate-core/src/lib.rs:5"]);
    // `--manifest-path` picks it from outside, paths relative to the current directory.
    let (code, out, _) = cargo_backlint(&root, &["--manifest-path", "tools/migrate/Cargo.toml"]);
    assert_eq!(code, 1);
    assert_eq!(
        flagged(&out),
        ["tools/migrate/crates/migrate-core/src/lib.rs:5"]
    );
    let (code, _, err) = cargo_backlint(&root, &["--manifest-path", "nowhere/Cargo.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("nowhere/Cargo.toml"), "{err}");
}

#[test]
fn single_package_and_plain_directory() {
    let (code, out, err) = cargo_backlint(&fixtures().join("single"), &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(flagged(&out), ["src/main.rs:5"]);

    // No Cargo.toml here or above: the directory tree is walked.
    let plain = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(fixtures().join("single/src/main.rs")).unwrap();
    std::fs::create_dir_all(plain.path().join("jobs")).unwrap();
    std::fs::write(plain.path().join("jobs/ledger.rs"), src).unwrap();
    let (code, out, err) = cargo_backlint(plain.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(flagged(&out), ["jobs/ledger.rs:5"]);
    assert!(err.is_empty(), "{err}");
    let (code, _, err) = cargo_backlint(plain.path(), &["-p", "ledger"]);
    assert_eq!(code, 2);
    assert!(err.contains("no Cargo.toml"), "{err}");
}

#[test]
fn cargo_backlint_help_and_version() {
    let (code, out, _) = cargo_backlint(&fixtures(), &["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("backlint "), "{out}");
    let (code, out, _) = cargo_backlint(&fixtures(), &["--help"]);
    assert_eq!(code, 0);
    for flag in ["--manifest-path", "--package", "--workspace", "--exclude"] {
        assert!(out.contains(flag), "{flag} missing from --help");
    }
}
