//! End-to-end tests of the real binary: exit codes, formats, configuration errors,
//! rule selection, suppressions, closed stdin, broken pipes, determinism.

mod common;
use common::write;

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::PathBuf;
use std::process::Stdio;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The rules the tests below rely on. They are preview rules (none of them has met the promotion
/// bar yet), off by default; exact codes select them.
const RULES: &str = "BL101,BL201,BL401,BL502,BL601";

/// The binary with nothing selected beyond the default (stable) rules: for subcommands,
/// `--select` and the default selection itself.
fn bare() -> Command {
    let mut c = Command::cargo_bin("backlint").unwrap();
    c.current_dir(repo()).env("NO_COLOR", "1").write_stdin("");
    c
}

/// The binary with [`RULES`] added to the configured selection.
fn backlint() -> Command {
    let mut c = bare();
    c.arg(format!("--extend-select={RULES}"));
    c
}

const BAD: &str = "use sqlx::PgPool;\n\
async fn f(pool: &PgPool, name: &str) {\n    \
let q = format!(\"SELECT * FROM users WHERE name = '{name}'\");\n    \
sqlx::query(&q).fetch_all(pool).await;\n}\n";

#[test]
fn sample_project_has_findings_and_exits_1() {
    backlint()
        .args(["fixtures/projects/shop", "--format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "fixtures/projects/shop/src/repositories/orders.rs:43:40: BL101 [sql-string-interpolation]",
        ))
        // Settled across files: `NewUser` (models.rs) derives Debug over `password`.
        .stdout(predicate::str::contains(
            "fixtures/projects/shop/src/services/users.rs:18:38: BL201 [secret-in-log] argument `new_user` is recorded with `Debug` on the span by `#[instrument]`: `NewUser` derives `Debug`, which prints its field `password`",
        ));
}

#[test]
fn clean_code_exits_0_and_exit_zero_overrides_findings() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "ok.rs", "fn main() { let x = 1; }\n");
    backlint()
        .arg(d.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No findings in 1 file."));
    write(d.path(), "bad.rs", BAD);
    backlint().arg(d.path()).assert().code(1);
    backlint().arg(d.path()).arg("--exit-zero").assert().code(0);
}

#[test]
fn config_errors_name_file_key_and_expectation() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.rs", "fn main() {}\n");
    write(d.path(), "backlint.toml", "[sql]\nsinkz = [\"x\"]\n");
    backlint()
        .arg(d.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("backlint.toml").and(predicate::str::contains("sinkz")));
    write(d.path(), "backlint.toml", "select = \"BL1\"\n");
    backlint()
        .arg(d.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`select`").and(predicate::str::contains("sequence")));
    write(d.path(), "backlint.toml", "select = [\"BL999\"]\n");
    backlint()
        .arg(d.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("BL999").and(predicate::str::contains("select")));
    write(
        d.path(),
        "backlint.toml",
        "[validation]\nvalidators = [\"crate::x::\"]\n",
    );
    backlint().arg(d.path()).assert().code(2).stderr(
        predicate::str::contains("validation.validators[0]").and(predicate::str::contains(
            "expected e.g. `crate::extract::Checked`",
        )),
    );
    write(d.path(), "backlint.toml", "select = [\n");
    backlint()
        .arg(d.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("backlint.toml"));
}

#[test]
fn cargo_metadata_table_is_read_and_validated() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.backlint]\nignore = [\"BL101\"]\n",
    );
    write(d.path(), "src/main.rs", BAD);
    backlint().arg(d.path()).assert().code(0);
    write(
        d.path(),
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[package.metadata.backlint]\nignor = [\"BL101\"]\n",
    );
    backlint().arg(d.path()).assert().code(2).stderr(
        predicate::str::contains("package.metadata.backlint")
            .and(predicate::str::contains("ignor")),
    );
}

#[test]
fn select_and_ignore() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "bad.rs", BAD);
    // BL101 is a preview rule: off by default, on with `--preview`.
    bare().arg(d.path()).assert().code(0);
    bare().arg(d.path()).arg("--preview").assert().code(1);
    bare()
        .arg(d.path())
        .args(["--select", "BL0"])
        .assert()
        .code(0);
    bare()
        .arg(d.path())
        .args(["--select", "BL0", "--preview"])
        .assert()
        .code(0);
    backlint()
        .arg(d.path())
        .args(["--ignore", "sql-string-interpolation"])
        .assert()
        .code(0);
    // A prefix selects preview rules only with `--preview`; an exact code or name always.
    bare()
        .arg(d.path())
        .args(["--select", "BL1"])
        .assert()
        .code(0);
    bare()
        .arg(d.path())
        .args(["--select", "BL1", "--preview"])
        .assert()
        .code(1);
    bare()
        .arg(d.path())
        .args(["--select", "BL101"])
        .assert()
        .code(1);
    bare()
        .arg(d.path())
        .args(["--extend-select", "sql-string-interpolation"])
        .assert()
        .code(1);
    bare()
        .arg(d.path())
        .args(["--select", "BL7777"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--select").and(predicate::str::contains("BL7777")));
}

#[test]
fn suppressions_and_unused_allow() {
    let d = tempfile::tempdir().unwrap();
    let suppressed = BAD.replace(
        "    sqlx::query(&q)",
        "    // backlint:allow(BL101): name is validated upstream\n    sqlx::query(&q)",
    );
    write(d.path(), "a.rs", &suppressed);
    backlint().arg(d.path()).assert().code(0);
    let trailing = BAD.replace(
        "fetch_all(pool).await;",
        "fetch_all(pool).await; // backlint:allow(sql-string-interpolation)",
    );
    write(d.path(), "a.rs", &trailing);
    backlint().arg(d.path()).assert().code(0);
    write(
        d.path(),
        "a.rs",
        "fn f() {\n    // backlint:allow(BL101): stale\n    let x = 1;\n}\n",
    );
    backlint()
        .arg(d.path())
        .args(["--format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("a.rs:2:8: BL002 [unused-allow]"));
    write(
        d.path(),
        "a.rs",
        format!("// backlint:allow-file(BL101)\n{BAD}"),
    );
    backlint().arg(d.path()).assert().code(0);
}

#[test]
fn per_file_ignores_and_exclude() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "src/admin.rs", BAD);
    write(d.path(), "migrations/m1.rs", BAD);
    write(
        d.path(),
        "backlint.toml",
        "exclude = [\"migrations\"]\n[per-file-ignores]\n\"src/admin.rs\" = [\"BL101\"]\n",
    );
    backlint()
        .arg(d.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("in 1 file"));
}

#[test]
fn every_format_renders_the_finding() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.rs", BAD);
    for (format, needle) in [
        ("human", "error[BL101]"),
        ("concise", "a.rs:4:17: BL101"),
        ("json", "\"fingerprint\""),
        ("sarif", "primaryLocationLineHash"),
        ("github", "::error file="),
    ] {
        backlint()
            .current_dir(d.path())
            .args([".", "--format", format])
            .assert()
            .code(1)
            .stdout(predicate::str::contains(needle));
    }
}

#[test]
fn output_file_and_statistics() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.rs", BAD);
    let out = d.path().join("report.json");
    backlint()
        .arg(d.path().join("a.rs"))
        .args(["--format", "json", "--output"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout("");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v[0]["code"], "BL101");
    assert_eq!(v[0]["line"], 4);
    backlint()
        .arg(d.path())
        .arg("--statistics")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "1  BL101  sql-string-interpolation",
        ));
}

#[test]
fn explain_list_rules_and_version() {
    bare()
        .args(["explain", "BL101"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("## How to fix"));
    bare()
        .args(["explain", "sql-string-interpolation"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("BL101"));
    bare().args(["explain", "BL999"]).assert().code(2);
    bare().arg("list-rules").assert().code(0).stdout(
        predicate::str::contains("BL101").and(predicate::str::contains("sql-string-interpolation")),
    );
    bare()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
    bare().arg("--no-such-flag").assert().code(2);
}

#[test]
fn cargo_subcommand_strips_its_name() {
    let mut c = Command::cargo_bin("cargo-backlint").unwrap();
    c.current_dir(repo())
        .args(["backlint", "fixtures/projects/shop", "--format", "concise"])
        .arg(format!("--extend-select={RULES}"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("BL101"));
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let run = |jobs: &str| {
        bare()
            .args([
                "fixtures",
                "--format",
                "json",
                "--select",
                "BL1,BL0",
                "--preview",
                "--jobs",
                jobs,
            ])
            .output()
            .unwrap()
            .stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("2"));
    assert_eq!(one, run("4"));
}

#[test]
fn broken_pipe_exits_quietly() {
    let bin = assert_cmd::cargo::cargo_bin("backlint");
    let mut child = std::process::Command::new(bin)
        .current_dir(repo())
        .args(["fixtures", "--format", "json"])
        .arg(format!("--extend-select={RULES}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{:?} {stderr}",
        out.status
    );
}

#[test]
fn unreadable_and_invalid_files_do_not_lose_other_findings() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "bad.rs", BAD);
    std::fs::write(
        d.path().join("latin1.rs"),
        b"fn f() { let s = \"caf\xe9\"; }\n",
    )
    .unwrap();
    write(d.path(), "broken.rs", "fn main( {\n");
    backlint()
        .arg(d.path())
        .args(["--format", "concise"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("bad.rs:4:17: BL101")
                .and(predicate::str::contains("latin1.rs:1:1: BL001"))
                .and(
                    predicate::str::contains("broken.rs:1:").and(predicate::str::contains("BL001")),
                ),
        );
    let missing = d.path().join("missing.rs");
    backlint()
        .arg(d.path().join("bad.rs"))
        .arg(&missing)
        .args(["--format", "concise"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("BL101"))
        .stderr(predicate::str::contains("missing.rs"));
}

#[test]
fn deeply_nested_expression_does_not_overflow() {
    let d = tempfile::tempdir().unwrap();
    let depth = 5000;
    let expr = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
    write(d.path(), "deep.rs", format!("fn f() -> i32 {{ {expr} }}\n"));
    let sum = vec!["x"; depth].join(" + ");
    write(
        d.path(),
        "deep2.rs",
        format!("fn g(x: i32) -> i32 {{ {sum} }}\n"),
    );
    write(d.path(), "bad.rs", BAD);
    backlint()
        .arg(d.path())
        .args(["--format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("bad.rs:4:17: BL101"));
}

#[test]
fn workspace_mode_reads_the_manifests() {
    backlint()
        .current_dir(repo().join("fixtures/projects/shop"))
        .args(["--format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "src/repositories/orders.rs:43:40: BL101",
        ));
    backlint()
        .args([
            "--manifest-path",
            "fixtures/projects/shop/Cargo.toml",
            "--format",
            "concise",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "fixtures/projects/shop/src/repositories/users.rs",
        ));
}

/// A package inside a directory named as a test suite (`phd-tests/framework`,
/// `integration-tests/harness`, `e2e/support`) is test code; the same package elsewhere
/// in the workspace (`services/framework`) and a directory merely named `integration`
/// are not.
#[test]
fn packages_in_test_suite_directories_are_test_code() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "Cargo.toml", "[workspace]\nmembers = [\"*/*\"]\n");
    let client = "pub async fn fetch(url: &str) -> reqwest::Result<String> {\n    \
        reqwest::Client::new().get(url).send().await?.text().await\n}\n";
    for dir in [
        "phd-tests/framework",
        "integration-tests/harness",
        "e2e/support",
        "services/framework",
        "integration/slack",
    ] {
        let name = dir.replace('/', "-");
        write(
            &d.path().join(dir),
            "Cargo.toml",
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nreqwest = \"0.12\"\naxum = \"0.7\"\n"),
        );
        write(&d.path().join(dir), "src/lib.rs", client);
    }
    let out = backlint()
        .current_dir(d.path())
        .args(["--select", "BL601", "--format", "concise", "."])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut found: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(" BL601 "))
        .filter_map(|l| l.split("/src/").next())
        .collect();
    found.sort();
    assert_eq!(found, ["integration/slack", "services/framework"], "{text}");
}

#[test]
fn configured_sql_sinks() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "src/main.rs",
        "mod db;\nfn main() {}\nfn report(name: &str) {\n    db::raw_query(&format!(\"SELECT * FROM t WHERE n = '{name}'\"));\n}\n",
    );
    write(d.path(), "src/db.rs", "pub fn raw_query(sql: &str) {}\n");
    backlint().arg(d.path()).assert().code(0);
    write(
        d.path(),
        "backlint.toml",
        "[sql]\nsinks = [\"crate::db::raw_query\"]\n",
    );
    backlint()
        .arg(d.path())
        .args(["--format", "concise"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("main.rs:4:19: BL101")
                .and(predicate::str::contains("crate::db::raw_query")),
        );
    write(
        d.path(),
        "backlint.toml",
        "[sql]\nsinks = [\"crate::db::\"]\n",
    );
    backlint()
        .arg(d.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("sql.sinks[0]"));
}

#[test]
fn enum_types_are_resolved_across_files() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "src/models.rs",
        "pub enum JobStatus { Queued, Done }\npub enum Filter { Name(String), Any }\n",
    );
    write(
        d.path(),
        "src/repo.rs",
        "use sqlx::PgPool;\nuse crate::models::{Filter, JobStatus};\n\
         pub async fn by_status(pool: &PgPool, statuses: Option<&Vec<JobStatus>>, f: Filter) {\n    \
         if let Some(list) = statuses {\n        \
         let inlist = list.iter().map(|s| format!(\"'{s}'\")).collect::<Vec<_>>().join(\",\");\n        \
         sqlx::query(&format!(\"SELECT * FROM jobs WHERE status IN ({inlist})\")).fetch_all(pool).await.ok();\n    \
         }\n    \
         sqlx::query(&format!(\"SELECT * FROM jobs WHERE {f}\")).fetch_all(pool).await.ok();\n}\n",
    );
    // The fieldless enum is bounded; the enum carrying a String is not.
    backlint()
        .arg(d.path())
        .args(["--format", "concise"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("repo.rs:8:17: BL101")
                .and(predicate::str::contains("repo.rs:6:").not()),
        );
}

#[test]
fn cargo_is_never_run() {
    // A `$CARGO` and a PATH without cargo change nothing: the manifests are read directly.
    let empty = tempfile::tempdir().unwrap();
    backlint()
        .current_dir(repo().join("fixtures/projects/shop"))
        .env("CARGO", "/nonexistent/cargo")
        .env("PATH", empty.path())
        .args(["--format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "src/repositories/orders.rs:43:40: BL101",
        ))
        .stderr(predicate::str::contains("warning:").not());
}

#[test]
fn workspace_metadata_table_configures_the_run() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "Cargo.toml",
        "[workspace]\nmembers = [\"app\"]\n\n[workspace.metadata.backlint]\nselect = [\"BL0\"]\n",
    );
    write(
        d.path(),
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(d.path(), "app/src/main.rs", BAD);
    // `--preview` would run BL101 (a preview rule); the configured selection leaves it out.
    bare()
        .current_dir(d.path())
        .arg("--preview")
        .assert()
        .code(0);
    bare()
        .current_dir(d.path().join("app/src"))
        .args(["--select", "BL101", "--format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("main.rs:4:17: BL101"));
}

#[test]
fn show_layers_and_layer_statistics() {
    bare()
        .args(["fixtures/projects/shop", "--show-layers"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("layers (inferred"))
        .stdout(predicate::str::contains("1. web:\n       shop::handlers\n"))
        .stdout(predicate::str::contains(
            "3. persistence:\n       shop::repositories\n",
        ));
    bare()
        .args([
            "fixtures/projects/shop",
            "--statistics",
            "--select",
            "BL401",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("BL401  layer-violation"))
        .stdout(predicate::str::contains("web → persistence"))
        .stdout(predicate::str::contains("web → crate sqlx"));
}

const LAYERED: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\n",
    ),
    (
        "src/main.rs",
        "mod web;\nmod logic;\nmod sql;\nfn main() {}\n",
    ),
    (
        "src/web.rs",
        "pub fn show() -> i64 {\n    crate::sql::count()\n}\n",
    ),
    (
        "src/logic.rs",
        "pub fn total() -> i64 {\n    crate::sql::count()\n}\n",
    ),
    ("src/sql.rs", "pub fn count() -> i64 {\n    0\n}\n"),
];

fn layered_project(config: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (p, t) in LAYERED {
        write(d.path(), p, t);
    }
    write(d.path(), "backlint.toml", config);
    d
}

#[test]
fn configured_layers_modes_and_errors() {
    let base = "[[layers]]\nname = \"web\"\nmodules = [\"crate::web\"]\n\
                [[layers]]\nname = \"logic\"\nmodules = [\"crate::logic\"]\n\
                [[layers]]\nname = \"data\"\nmodules = [\"crate::sql\"]\n";
    // Relaxed (the default): the web layer may use any lower layer.
    let d = layered_project(base);
    bare()
        .current_dir(d.path())
        .args(["--select", "BL401", "--format", "concise"])
        .assert()
        .code(0);
    // Strict: only the next one.
    let d = layered_project(&format!("{base}[layers-config]\nmode = \"strict\"\n"));
    bare()
        .current_dir(d.path())
        .args(["--select", "BL401", "--format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "src/web.rs:2:5: BL401 [layer-violation] `crate::web` (layer web) uses `crate::sql::count` (layer data); web may use only logic",
        ));
    backlint()
        .current_dir(d.path())
        .arg("--show-layers")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("configured; strict"))
        .stdout(predicate::str::contains("2. logic:\n       app::logic\n"));
    // Errors name the file, the key and what was expected.
    let broken: &[(&str, &[&str])] = &[
        (
            "[[layers]]\nname = \"extra\"\nmodules = [\"crate::web\"]\n",
            &["layers[3].modules[0]", "already in layer `web`"],
        ),
        (
            "[[layers]]\nname = \"jobs\"\nmodules = [\"crate::jobs\"]\nmay-use = [\"nope\"]\n",
            &["layers[3].may-use[0]", "unknown layer `nope`"],
        ),
        (
            "[layers-config]\nmode = \"tight\"\n",
            &["layers-config.mode", "relaxed"],
        ),
    ];
    for (extra, expected) in broken {
        let d = layered_project(&format!("{base}{extra}"));
        let mut assert = backlint()
            .current_dir(d.path())
            .assert()
            .code(2)
            .stderr(predicate::str::contains("backlint.toml"));
        for e in *expected {
            assert = assert.stderr(predicate::str::contains(*e));
        }
    }
    // A module that matches nothing is reported, and the run goes on.
    let d = layered_project(&format!(
        "{base}[[layers]]\nname = \"jobs\"\nmodules = [\"crate::jobz\"]\n"
    ));
    bare()
        .current_dir(d.path())
        .args(["--select", "BL401"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "key `layers[3].modules[0]`: `crate::jobz` matches no module",
        ));
}

#[test]
fn baselines_match_by_fingerprint_not_line_number() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "src/bad.rs", BAD);
    let base = d.path().join("baseline.json");
    backlint()
        .current_dir(d.path())
        .args(["src", "--write-baseline", "baseline.json"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("wrote 1 finding(s) to baseline"));
    let text = std::fs::read_to_string(&base).unwrap();
    assert!(text.contains("\"code\": \"BL101\""), "{text}");
    backlint()
        .current_dir(d.path())
        .args(["src", "--baseline", "baseline.json"])
        .assert()
        .code(0);
    // Lines inserted above the finding: still accepted.
    write(d.path(), "src/bad.rs", format!("// a comment\n\n{BAD}"));
    backlint()
        .current_dir(d.path())
        .args(["src", "--baseline", "baseline.json"])
        .assert()
        .code(0);
    // The flagged line changed: reported again.
    write(
        d.path(),
        "src/bad.rs",
        BAD.replace("sqlx::query(&q)", "sqlx::query(q.as_str())"),
    );
    backlint()
        .current_dir(d.path())
        .args(["src", "--baseline", "baseline.json", "--format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("BL101"));
    // Paths are relative to the baseline file: it matches from any directory.
    assert!(text.contains("\"path\": \"src/bad.rs\""), "{text}");
    write(d.path(), "src/bad.rs", BAD);
    backlint()
        .current_dir(d.path().join("src"))
        .args([".", "--baseline", "../baseline.json"])
        .assert()
        .code(0);
    backlint()
        .current_dir(d.path().join("src"))
        .args([".", "--write-baseline", "../baseline.json"])
        .assert()
        .code(0);
    assert_eq!(std::fs::read_to_string(&base).unwrap(), text);
    // A broken baseline names the file.
    std::fs::write(&base, "{").unwrap();
    backlint()
        .current_dir(d.path())
        .args(["src", "--baseline", "baseline.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid baseline baseline.json"));
}

/// A crate as rust-analyzer runs `check.overrideCommand` in it: the command's working
/// directory is the workspace root. The text has non-ASCII characters before and inside
/// the flagged code, so code-point columns and byte offsets differ.
const DEMO_LIB: &str = "use sqlx::PgPool;\n\
// héllo\n\
async fn f(pool: &PgPool, name: &str) {\n    \
let q = format!(\"SELECT * FROM users WHERE name = 'é{name}'\");\n    \
sqlx::query(&q).fetch_all(pool).await;\n}\n";

fn demo_crate() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    write(d.path(), "src/lib.rs", DEMO_LIB);
    d
}

/// 1-based code-point column of byte offset `at` on its line.
fn column_of(text: &str, at: usize) -> usize {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..at].chars().count() + 1
}

#[test]
fn message_format_json_is_cargos_json_for_rust_analyzer() {
    use cargo_metadata::diagnostic::{Diagnostic, DiagnosticLevel};
    use cargo_metadata::Message;

    let d = demo_crate();
    let out = backlint()
        .current_dir(d.path())
        .args(["--message-format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();

    // Every line parses as cargo_metadata's `Message` (what rust-analyzer tries first).
    let messages: Vec<Message> = Message::parse_stream(stdout.as_bytes())
        .map(Result::unwrap)
        .collect();
    assert_eq!(messages.len(), 2, "{stdout}");
    let Message::CompilerMessage(m) = &messages[0] else {
        panic!("not a compiler message: {:?}", messages[0]);
    };
    let Message::BuildFinished(done) = messages.last().unwrap() else {
        panic!("the last line is not build-finished: {stdout}");
    };
    assert!(!done.success);

    assert!(m.package_id.repr.contains("demo"), "{}", m.package_id);
    assert_eq!(m.target.name, "demo");
    assert!(m.target.is_lib());
    assert!(m.target.src_path.ends_with("src/lib.rs"));

    let diag = &m.message;
    assert_eq!(diag.code.as_ref().unwrap().code, "backlint::BL101");
    assert_eq!(diag.level, DiagnosticLevel::Error);
    assert!(diag.message.contains("sqlx::query"), "{}", diag.message);

    // The primary span: `&q` on line 5, located by bytes and by code-point columns.
    let primary: Vec<_> = diag.spans.iter().filter(|s| s.is_primary).collect();
    assert_eq!(primary.len(), 1);
    let p = primary[0];
    let at = DEMO_LIB.find("&q)").unwrap();
    assert_eq!(p.file_name, "src/lib.rs");
    assert_eq!((p.byte_start as usize, p.byte_end as usize), (at, at + 2));
    assert_eq!(&DEMO_LIB[p.byte_start as usize..p.byte_end as usize], "&q");
    assert_eq!((p.line_start, p.line_end), (5, 5));
    assert_eq!((p.column_start, p.column_end), (17, 19));
    assert_eq!(p.text[0].text, "    sqlx::query(&q).fetch_all(pool).await;");
    assert_eq!(
        (p.text[0].highlight_start, p.text[0].highlight_end),
        (17, 19)
    );

    // The secondary span: where the SQL was built, after an `é` on an earlier line and
    // with one inside it (its byte end is one past its code-point end).
    let s = diag.spans.iter().find(|s| !s.is_primary).unwrap();
    let built = "format!(\"SELECT * FROM users WHERE name = 'é{name}'\")";
    let at = DEMO_LIB.find(built).unwrap();
    assert_eq!(s.label.as_deref(), Some("SQL built here with `format!`"));
    assert_eq!(&DEMO_LIB[s.byte_start as usize..s.byte_end as usize], built);
    assert_eq!((s.line_start, s.line_end), (4, 4));
    assert_eq!(s.column_start, column_of(DEMO_LIB, at));
    assert_eq!(s.column_end, s.column_start + built.chars().count());
    assert_eq!(s.byte_end as usize - s.byte_start as usize, built.len());

    // The help is a span-less `help` child; the rendering is plain text.
    assert_eq!(diag.children.len(), 1);
    assert_eq!(diag.children[0].level, DiagnosticLevel::Help);
    assert!(diag.children[0].spans.is_empty());
    let rendered = diag.rendered.as_deref().unwrap();
    assert!(rendered.starts_with("error[BL101]: SQL passed to `sqlx::query`"));
    assert!(rendered.contains("src/lib.rs:5:17"), "{rendered}");
    assert!(!rendered.contains('\u{1b}'), "colours in {rendered}");

    // The fields rust-analyzer reads, by name, on the raw lines; and the `message`
    // alone is a rustc diagnostic (the other form rust-analyzer accepts).
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let raw = &lines[0];
    assert_eq!(raw["reason"], "compiler-message");
    assert!(raw["package_id"].is_string());
    assert!(raw["manifest_path"]
        .as_str()
        .unwrap()
        .ends_with("Cargo.toml"));
    let msg = &raw["message"];
    assert_eq!(msg["level"], "error");
    assert_eq!(msg["code"]["code"], "backlint::BL101");
    assert!(msg["rendered"].is_string());
    let span = &msg["spans"][0];
    for (field, want) in [
        ("file_name", serde_json::json!("src/lib.rs")),
        ("byte_start", serde_json::json!(p.byte_start)),
        ("byte_end", serde_json::json!(p.byte_end)),
        ("line_start", serde_json::json!(5)),
        ("line_end", serde_json::json!(5)),
        ("column_start", serde_json::json!(17)),
        ("column_end", serde_json::json!(19)),
        ("is_primary", serde_json::json!(true)),
    ] {
        assert_eq!(span[field], want, "{field}");
    }
    let alone: Diagnostic = serde_json::from_value(msg.clone()).unwrap();
    assert_eq!(&alone, diag);
    assert_eq!(
        lines.last().unwrap(),
        &serde_json::json!({ "reason": "build-finished", "success": false })
    );
}

#[test]
fn message_format_json_without_a_package_and_without_findings() {
    use cargo_metadata::Message;

    // No Cargo.toml: the package fields are stand-ins that still parse.
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.rs", BAD);
    let out = backlint()
        .current_dir(d.path())
        .args([".", "--message-format=json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let messages: Vec<Message> = Message::parse_stream(out.stdout.as_slice())
        .map(Result::unwrap)
        .collect();
    let Message::CompilerMessage(m) = &messages[0] else {
        panic!("not a compiler message: {:?}", messages[0]);
    };
    assert_eq!(m.message.spans[0].file_name, "a.rs");
    assert!(m.target.src_path.ends_with("a.rs"));
    assert!(matches!(messages[1], Message::BuildFinished(_)));

    // Nothing found: only `build-finished`, successful, and exit 0.
    write(d.path(), "a.rs", "fn main() {}\n");
    backlint()
        .current_dir(d.path())
        .args([".", "--message-format", "json"])
        .assert()
        .code(0)
        .stdout("{\"reason\":\"build-finished\",\"success\":true}\n");
}

#[test]
fn message_format_names_and_conflict_with_format() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.rs", BAD);
    let run = |args: &[&str]| {
        let out = backlint()
            .current_dir(d.path())
            .arg(".")
            .args(args)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    assert_eq!(
        run(&["--message-format", "short"]),
        run(&["--format", "concise"])
    );
    assert_eq!(
        run(&["--message-format", "human"]),
        run(&["--format", "human"])
    );
    let (_, ansi) = run(&["--message-format", "json-diagnostic-rendered-ansi"]);
    assert!(ansi.contains("\\u001b["), "{ansi}");
    backlint()
        .current_dir(d.path())
        .args([".", "--message-format", "json", "--format", "json"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("--message-format")
                .and(predicate::str::contains("cannot be used with")),
        );
}

/// The README's root-cause sample is what backlint prints on `fixtures/projects/causes`,
/// and `--show-all` lists every place of the cause.
#[test]
fn readme_root_cause_sample_is_current() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = &readme[readme.find("### Root causes").expect("section")..];
    let block = section
        .split("```text\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("a text block");
    let out = bare()
        .current_dir(repo().join("fixtures/projects/causes"))
        .args(["--select", "BL201", "--preview"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.starts_with(block),
        "README sample is stale; the output is:\n{out}"
    );
    let all = bare()
        .current_dir(repo().join("fixtures/projects/causes"))
        .args([
            "--select",
            "BL201",
            "--preview",
            "--show-all",
            "--format",
            "concise",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let all = String::from_utf8(all).unwrap();
    assert_eq!(
        all.lines().filter(|l| l.starts_with("  src/")).count(),
        4,
        "{all}"
    );
    assert!(!all.contains("more (`--show-all`"), "{all}");
}
