//! End-to-end tests of the real binary: exit codes, formats, configuration errors,
//! rule selection, suppressions, closed stdin, broken pipes, determinism.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Stdio;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn backlint() -> Command {
    let mut c = Command::cargo_bin("backlint").unwrap();
    c.current_dir(repo()).env("NO_COLOR", "1").write_stdin("");
    c
}

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
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
    backlint()
        .arg(d.path())
        .args(["--select", "BL0"])
        .assert()
        .code(0);
    backlint()
        .arg(d.path())
        .args(["--ignore", "sql-string-interpolation"])
        .assert()
        .code(0);
    backlint()
        .arg(d.path())
        .args(["--select", "BL1"])
        .assert()
        .code(1);
    backlint()
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
        &format!("// backlint:allow-file(BL101)\n{BAD}"),
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
    backlint()
        .args(["explain", "BL101"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("## How to fix"));
    backlint()
        .args(["explain", "sql-string-interpolation"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("BL101"));
    backlint().args(["explain", "BL999"]).assert().code(2);
    backlint().arg("list-rules").assert().code(0).stdout(
        predicate::str::contains("BL101").and(predicate::str::contains("sql-string-interpolation")),
    );
    backlint()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
    backlint().arg("--no-such-flag").assert().code(2);
}

#[test]
fn cargo_subcommand_strips_its_name() {
    let mut c = Command::cargo_bin("cargo-backlint").unwrap();
    c.current_dir(repo())
        .args(["backlint", "fixtures/projects/shop", "--format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("BL101"));
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let run = |jobs: &str| {
        backlint()
            .args([
                "fixtures", "--format", "json", "--select", "BL1,BL0", "--jobs", jobs,
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
    write(
        d.path(),
        "deep.rs",
        &format!("fn f() -> i32 {{ {expr} }}\n"),
    );
    let sum = vec!["x"; depth].join(" + ");
    write(
        d.path(),
        "deep2.rs",
        &format!("fn g(x: i32) -> i32 {{ {sum} }}\n"),
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
fn workspace_mode_uses_cargo_metadata() {
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
fn cargo_is_run_through_the_cargo_variable_and_failures_fall_back() {
    // A `$CARGO` that cannot run: the workspace is walked as a directory, with a warning.
    backlint()
        .current_dir(repo().join("fixtures/projects/shop"))
        .env("CARGO", "/nonexistent/cargo")
        .args(["--format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "src/repositories/orders.rs:43:40: BL101",
        ))
        .stderr(
            predicate::str::contains("warning:").and(predicate::str::contains("cargo metadata")),
        );
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
    backlint().current_dir(d.path()).assert().code(0);
    backlint()
        .current_dir(d.path().join("app/src"))
        .args(["--select", "BL101", "--format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("main.rs:4:17: BL101"));
}

#[test]
fn show_layers_and_layer_statistics() {
    backlint()
        .args(["fixtures/projects/shop", "--show-layers"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("layers (inferred"))
        .stdout(predicate::str::contains("1. web:\n       shop::handlers\n"))
        .stdout(predicate::str::contains(
            "3. persistence:\n       shop::repositories\n",
        ));
    backlint()
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
    backlint()
        .current_dir(d.path())
        .args(["--select", "BL401", "--format", "concise"])
        .assert()
        .code(0);
    // Strict: only the next one.
    let d = layered_project(&format!("{base}[layers-config]\nmode = \"strict\"\n"));
    backlint()
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
    backlint()
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
    write(d.path(), "src/bad.rs", &format!("// a comment\n\n{BAD}"));
    backlint()
        .current_dir(d.path())
        .args(["src", "--baseline", "baseline.json"])
        .assert()
        .code(0);
    // The flagged line changed: reported again.
    write(
        d.path(),
        "src/bad.rs",
        &BAD.replace("sqlx::query(&q)", "sqlx::query(q.as_str())"),
    );
    backlint()
        .current_dir(d.path())
        .args(["src", "--baseline", "baseline.json", "--format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("BL101"));
    // A broken baseline names the file.
    std::fs::write(&base, "{").unwrap();
    backlint()
        .current_dir(d.path())
        .args(["src", "--baseline", "baseline.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid baseline baseline.json"));
}
