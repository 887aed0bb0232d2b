//! The GitHub Action's scripts (action.yml runs them) against a local directory laid
//! out like a GitHub release: archives made by the release workflow's own packing script
//! (.github/scripts/package-release.sh) from the binaries of this build, with their
//! SHA-256 files. `action/install.sh` installs from it and `action/run.sh` runs the
//! installed backlint on the sample project; an archive that does not match its
//! checksum is refused; a machine with no binary in the release falls back to `cargo
//! install --locked`, here a stub cargo that records how it was called.
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The release's target the tests install (whatever this machine is: the archive holds
/// this build's binaries).
const TARGET: &str = "x86_64-unknown-linux-musl";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The directory of this build's `backlint` and `cargo-backlint`.
fn bin_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_BIN_EXE_backlint")).parent().unwrap();
    assert!(Path::new(env!("CARGO_BIN_EXE_cargo-backlint")).starts_with(dir));
    dir.to_path_buf()
}

/// What the scripts need: bash, tar, gzip and a SHA-256 tool.
fn tools_missing() -> Option<String> {
    let has = |cmd: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {cmd}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let missing: Vec<&str> = ["bash", "tar", "gzip"]
        .into_iter()
        .filter(|c| !has(c))
        .collect();
    if !missing.is_empty() {
        return Some(missing.join(", "));
    }
    (!has("sha256sum") && !has("shasum")).then(|| "sha256sum or shasum".to_string())
}

macro_rules! require_tools {
    () => {
        if let Some(missing) = tools_missing() {
            eprintln!("skipped: the action's scripts need {missing}, which this machine lacks");
            return;
        }
    };
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A release directory: `{dir}/v{VERSION}/backlint-v{VERSION}-{TARGET}.tar.gz` and its
/// `.sha256`, made by the release workflow's script.
fn release(dir: &Path) {
    let out = Command::new("bash")
        .arg(repo().join(".github/scripts/package-release.sh"))
        .arg(VERSION)
        .arg(TARGET)
        .arg(bin_dir())
        .arg(dir.join(format!("v{VERSION}")))
        .arg(repo().join("README.md"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

/// The release directory of this build, made once for the tests of this file (packing
/// the unoptimized binaries takes seconds). The tests only read it.
fn shared_release() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("action-release");
        let _ = std::fs::remove_dir_all(&dir);
        release(&dir);
        dir
    })
}

fn archive(dir: &Path) -> PathBuf {
    dir.join(format!("v{VERSION}/backlint-v{VERSION}-{TARGET}.tar.gz"))
}

/// A stub cargo: records its directory and arguments in `log`, and "installs" this
/// build's binaries into `--root`.
fn stub_cargo(dir: &Path) -> (PathBuf, PathBuf) {
    let log = dir.join("cargo.log");
    let stub = dir.join("cargo");
    std::fs::write(
        &stub,
        format!(
            "#!/usr/bin/env bash\n\
             printf '%s\\n' \"$PWD\" \"$@\" > '{log}'\n\
             root=\n\
             while [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\n\
             mkdir -p \"$root/bin\"\n\
             cp '{bin}/backlint' '{bin}/cargo-backlint' \"$root/bin/\"\n",
            log = log.display(),
            bin = bin_dir().display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&stub).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&stub, perms).unwrap();
    (stub, log)
}

/// `action/install.sh` as action.yml runs it (the action's source is this repository),
/// installing into `{tmp}/bin`, GitHub's files in `tmp`.
fn install(tmp: &Path, releases: &str, env: &[(&str, &str)]) -> Output {
    let runner = tmp.join("runner");
    std::fs::create_dir_all(&runner).unwrap();
    let (cargo, _) = stub_cargo(tmp);
    let mut cmd = Command::new("bash");
    cmd.arg(repo().join("action/install.sh"))
        .current_dir(tmp)
        .env("BACKLINT_SOURCE", repo())
        .env("BACKLINT_RELEASES", releases)
        .env("BACKLINT_TARGET", TARGET)
        .env("BACKLINT_INSTALL_DIR", tmp.join("bin"))
        .env("BACKLINT_CARGO", &cargo)
        .env("RUNNER_TEMP", &runner)
        .env("GITHUB_OUTPUT", tmp.join("github-output"))
        .env("GITHUB_PATH", tmp.join("github-path"))
        .env_remove("BACKLINT_VERSION")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// `action/run.sh` from `workspace` (GitHub's workspace: the repository root) with the
/// action's inputs.
fn run(tmp: &Path, workspace: &Path, inputs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("bash");
    cmd.arg(repo().join("action/run.sh"))
        .current_dir(tmp)
        .env("GITHUB_WORKSPACE", workspace)
        .env("BACKLINT_BIN", tmp.join("bin/backlint"))
        .env("GITHUB_OUTPUT", tmp.join("run-output"))
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_EVENT_NAME")
        .env_remove("GITHUB_BASE_REF")
        .stdin(Stdio::null());
    for (k, v) in inputs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn installs_the_release_archive_and_runs_on_the_sample_project() {
    require_tools!();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // A file:// URL, as a mirror would be given; no version: the action's own.
    let url = format!("file://{}", shared_release().display());
    let out = install(t, &url, &[]);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("Checksum verified"), "{log}");
    assert!(
        log.contains(&format!("backlint {VERSION}")),
        "no `backlint --version`: {log}"
    );
    assert!(!t.join("cargo.log").exists(), "cargo was run: {log}");
    let installed = t.join("bin/backlint");
    assert!(installed.is_file() && t.join("bin/cargo-backlint").is_file());
    assert_eq!(
        read(&t.join("github-output")),
        format!("path={}\nversion={VERSION}\n", installed.display())
    );
    assert_eq!(
        read(&t.join("github-path")).trim(),
        t.join("bin").display().to_string()
    );

    // The installed binary on the sample project, from the repository root, in the
    // action's default format (GitHub annotations) and as SARIF.
    let shop = [
        ("INPUT_ARGS", "--preview"),
        ("INPUT_WORKING_DIRECTORY", "fixtures/projects/shop"),
        ("INPUT_DIFF_BASE", "auto"),
    ];
    let out = run(t, &repo(), &shop);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("::error file=fixtures/projects/shop/src/repositories/orders.rs,line=43,"),
        "{log}"
    );
    assert!(!log.contains("--diff-base"), "not a pull request: {log}");
    assert_eq!(read(&t.join("run-output")), "exit-code=1\n");

    std::fs::remove_file(t.join("run-output")).unwrap();
    let sarif = t.join("report.sarif");
    let sarif_path = sarif.display().to_string();
    let out = run(
        t,
        &repo(),
        &[
            &shop[..],
            &[
                ("INPUT_FORMAT", "sarif"),
                ("INPUT_SARIF_FILE", sarif_path.as_str()),
                ("INPUT_SARIF_CATEGORY", "shop"),
            ],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = read(&sarif);
    assert!(report.contains("\"ruleId\": \"BL101\""), "{report}");
    assert!(
        report.contains("\"uri\": \"fixtures/projects/shop/src/repositories/orders.rs\""),
        "{report}"
    );
    assert!(report.contains("\"id\": \"shop/\""), "{report}");
    assert_eq!(
        read(&t.join("run-output")),
        format!("exit-code=1\nsarif-file={sarif_path}\n")
    );
}

#[test]
fn an_archive_that_does_not_match_its_checksum_is_refused() {
    require_tools!();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let releases = t.join("releases");
    std::fs::create_dir_all(releases.join(format!("v{VERSION}"))).unwrap();
    std::fs::copy(archive(shared_release()), archive(&releases)).unwrap();
    let sum = PathBuf::from(format!("{}.sha256", archive(&releases).display()));
    std::fs::copy(
        format!("{}.sha256", archive(shared_release()).display()),
        &sum,
    )
    .unwrap();
    let good = read(&sum);
    std::fs::write(&sum, format!("{}{}", "0".repeat(64), &good[64..])).unwrap();
    let out = install(t, &releases.display().to_string(), &[]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("checksum mismatch"), "{log}");
    assert!(!t.join("bin/backlint").exists(), "installed anyway: {log}");
    assert!(!t.join("cargo.log").exists(), "built instead: {log}");
    assert_eq!(read(&t.join("github-output")), "");

    // The checksum's file missing: refused too.
    std::fs::remove_file(&sum).unwrap();
    let out = install(t, &releases.display().to_string(), &[]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("refusing to install"), "{log}");
    assert!(!t.join("bin/backlint").exists(), "{log}");
}

#[test]
fn a_machine_without_a_release_binary_falls_back_to_cargo_install() {
    require_tools!();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let releases = shared_release().display().to_string();

    // The action's own version: built from the action's source.
    let out = install(
        t,
        &releases,
        &[("BACKLINT_TARGET", "riscv64gc-unknown-linux-gnu")],
    );
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("No release archive"), "{log}");
    let calls = read(&t.join("cargo.log"));
    let lines: Vec<&str> = calls.lines().collect();
    let root = repo().display().to_string();
    assert!(
        matches!(lines.as_slice(), [cwd, "install", "--locked", "--root", _, "--path", path]
            if !cwd.starts_with(&root) && *path == root),
        "{calls}"
    );
    assert!(t.join("bin/backlint").is_file(), "{log}");
    assert!(read(&t.join("github-output")).contains(&format!("version={VERSION}\n")));

    // Another version, with no archive for it: built from crates.io.
    std::fs::remove_file(t.join("cargo.log")).unwrap();
    let out = install(t, &releases, &[("BACKLINT_VERSION", "v0.0.1")]);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    let calls = read(&t.join("cargo.log"));
    let lines: Vec<&str> = calls.lines().collect();
    assert!(
        matches!(
            lines.as_slice(),
            [
                _,
                "install",
                "--locked",
                "--root",
                _,
                "--version",
                "=0.0.1",
                "backlint"
            ]
        ),
        "{calls}"
    );

    // A machine the release workflow builds nothing for, and no cargo.
    let out = install(
        t,
        &releases,
        &[
            ("BACKLINT_TARGET", "riscv64gc-unknown-linux-gnu"),
            ("BACKLINT_CARGO", "/nonexistent/cargo"),
        ],
    );
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("no cargo to build it"), "{log}");
}

/// Runs `git args` in `dir` (see [`common::git`]), which must succeed.
fn git(dir: &Path, args: &[&str]) {
    let out = common::git(dir).args(args).output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
}

#[test]
fn on_a_pull_request_only_the_changed_lines_are_reported() {
    require_tools!();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::create_dir_all(t.join("bin")).unwrap();
    for bin in ["backlint", "cargo-backlint"] {
        std::fs::copy(bin_dir().join(bin), t.join("bin").join(bin)).unwrap();
    }
    // A pull request's checkout: the base branch as origin/main, a commit on top.
    let ws = t.join("workspace");
    std::fs::create_dir_all(ws.join("src")).unwrap();
    std::fs::write(
        ws.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    let bad = |name: &str| {
        format!(
            "pub async fn {name}(pool: &sqlx::PgPool, id: &str) {{\n    \
             let q = format!(\"SELECT * FROM t WHERE id = '{{id}}'\");\n    \
             let _ = sqlx::query(&q).execute(pool).await;\n}}\n"
        )
    };
    std::fs::write(ws.join("src/lib.rs"), bad("old")).unwrap();
    git(&ws, &["init", "-q"]);
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-q", "-m", "base"]);
    git(&ws, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    git(&ws, &["checkout", "-q", "-b", "feature"]);
    std::fs::write(
        ws.join("src/lib.rs"),
        format!("{}\n{}", bad("old"), bad("new")),
    )
    .unwrap();
    git(&ws, &["commit", "-q", "-am", "change"]);

    let inputs = [
        ("INPUT_ARGS", "--select BL101"),
        ("INPUT_FORMAT", "concise"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_BASE_REF", "main"),
    ];
    let out = run(t, &ws, &inputs);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("--diff-base origin/main"), "{log}");
    let findings: Vec<&str> = log.lines().filter(|l| l.contains(" BL101 ")).collect();
    assert_eq!(findings.len(), 1, "{log}");
    assert!(findings[0].starts_with("src/lib.rs:8:"), "{log}");

    // diff-base false: the whole workspace.
    let out = run(
        t,
        &ws,
        &[&inputs[..], &[("INPUT_DIFF_BASE", "false")]].concat(),
    );
    let log = text(&out);
    assert_eq!(
        log.lines().filter(|l| l.contains(" BL101 ")).count(),
        2,
        "{log}"
    );

    // A shallow checkout of the pull request's branch alone (as actions/checkout makes
    // it): the script fetches the base branch and the history.
    let clone = t.join("clone");
    let url = format!("file://{}", ws.display());
    git(
        t,
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--single-branch",
            "--branch",
            "feature",
            &url,
            clone.to_str().unwrap(),
        ],
    );
    let out = run(t, &clone, &inputs);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("Fetching the history"), "{log}");
    let findings: Vec<&str> = log.lines().filter(|l| l.contains(" BL101 ")).collect();
    assert_eq!(findings.len(), 1, "{log}");
    assert!(findings[0].starts_with("src/lib.rs:8:"), "{log}");
}

/// The targets of the release workflow's build matrix (`- target: TRIPLE` lines).
fn release_targets() -> Vec<String> {
    let yml = read(&repo().join(".github/workflows/release.yml"));
    yml.lines()
        .filter_map(|l| l.trim().strip_prefix("- target: "))
        .map(|t| t.trim().to_string())
        .collect()
}

#[test]
fn the_release_install_script_and_binstall_agree_on_targets_and_names() {
    let targets = release_targets();
    assert_eq!(
        targets,
        [
            "x86_64-unknown-linux-musl",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "aarch64-apple-darwin",
            "x86_64-pc-windows-msvc",
        ]
    );
    // install.sh maps each runner machine to one of them.
    let install = read(&repo().join("action/install.sh"));
    for t in &targets {
        assert!(install.contains(&format!(") target={t} ;;")), "{t}");
    }

    // `cargo binstall` finds the archives release.yml publishes, and the binaries in them.
    let manifest: toml::Value = toml::from_str(&read(&repo().join("Cargo.toml"))).unwrap();
    let package = &manifest["package"];
    let binstall = &package["metadata"]["binstall"];
    let repository = package["repository"].as_str().unwrap();
    for t in &targets {
        let windows = t.contains("windows");
        let fmt = binstall
            .get("overrides")
            .and_then(|o| o.get(t.as_str()))
            .and_then(|o| o.get("pkg-fmt"))
            .or(binstall.get("pkg-fmt"))
            .and_then(|f| f.as_str())
            .unwrap();
        assert_eq!(fmt, if windows { "zip" } else { "tgz" }, "{t}");
        let suffix = if windows { ".zip" } else { ".tar.gz" };
        let expand = |template: &str, bin: &str| {
            template
                .replace("{ repo }", repository)
                .replace("{ name }", "backlint")
                .replace("{ version }", VERSION)
                .replace("{ target }", t)
                .replace("{ archive-suffix }", suffix)
                .replace("{ bin }", bin)
                .replace("{ binary-ext }", if windows { ".exe" } else { "" })
        };
        let name = format!("backlint-v{VERSION}-{t}");
        assert_eq!(
            expand(binstall["pkg-url"].as_str().unwrap(), ""),
            format!(
                "https://github.com/backlint/backlint/releases/download/v{VERSION}/{name}{suffix}"
            )
        );
        for bin in ["backlint", "cargo-backlint"] {
            let exe = if windows { ".exe" } else { "" };
            assert_eq!(
                expand(binstall["bin-dir"].as_str().unwrap(), bin),
                format!("{name}/{bin}{exe}")
            );
        }
    }
    // install.sh's default releases are the same place.
    assert!(install.contains(&format!(
        "releases=${{BACKLINT_RELEASES:-{repository}/releases/download}}"
    )));
}

/// The names of a top-level mapping's keys in action.yml (`inputs`, `outputs`).
fn action_keys(section: &str) -> Vec<String> {
    let yml = read(&repo().join("action.yml"));
    yml.lines()
        .skip_while(|l| *l != format!("{section}:"))
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(':'))
        .filter(|k| !k.starts_with(' '))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_readme_documents_the_actions_inputs_outputs_and_hooks() {
    let readme = read(&repo().join("README.md"));
    let inputs = action_keys("inputs");
    assert_eq!(inputs.len(), 9, "{inputs:?}");
    for input in &inputs {
        assert!(readme.contains(&format!("`{input}`")), "input {input}");
    }
    let outputs = action_keys("outputs");
    assert_eq!(outputs, ["version", "exit-code", "sarif-file"]);
    for output in &outputs {
        assert!(readme.contains(&format!("`{output}`")), "output {output}");
    }
    assert!(readme.contains("uses: backlint/backlint@v0"));
    let hooks = read(&repo().join(".pre-commit-hooks.yaml"));
    for id in [
        "backlint",
        "backlint-workspace",
        "backlint-system",
        "backlint-workspace-system",
    ] {
        assert!(hooks.contains(&format!("- id: {id}\n")), "{id}");
        assert!(readme.contains(&format!("id: {id}")), "{id}");
    }
    assert!(hooks.contains("language: system"));
}
