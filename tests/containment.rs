//! Containment: a fault while analysing one file — a panic, a stack overflow, an abort —
//! becomes that file's `BL003 internal-error` finding; every other file's findings are
//! still reported, in every format, the same for any number of threads, and the run
//! exits with status 2. The faults come from the engine's test hook
//! (`BACKLINT_INTERNAL_FAULT=KIND:SUFFIX`, `src/engine/contain.rs`).

mod common;
use common::write;

use assert_cmd::Command;
use std::path::Path;

const FAULT: &str = "BACKLINT_INTERNAL_FAULT";

/// The rule of [`SQL`]'s finding: a preview rule (it has not met the promotion bar yet),
/// off by default; an exact code selects it.
const RULE: &str = "--extend-select=BL101";

/// A BL101 at line 3, column 17.
const SQL: &str = "use sqlx::PgPool;\n\
async fn find(pool: &PgPool, name: &str) {\n    \
sqlx::query(&format!(\"SELECT * FROM users WHERE name = '{name}'\")).fetch_all(pool).await.ok();\n}\n";

/// A directory of `n` files `src/mNN.rs`, each with one BL101, and `faulty` more files
/// (`src/faulty_K.rs`, also with a BL101 each) for the hook to fail on.
fn project(n: usize, faulty: usize) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for i in 0..n {
        write(d.path(), &format!("src/m{i:02}.rs"), SQL);
    }
    for k in 0..faulty {
        write(d.path(), &format!("src/faulty_{k}.rs"), SQL);
    }
    d
}

fn backlint(bin: &str, dir: &Path, fault: Option<&str>) -> Command {
    let mut c = Command::cargo_bin(bin).unwrap();
    c.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("BACKLINT_NO_WORKER")
        .env_remove("BACKLINT_WORKER")
        .write_stdin("");
    match fault {
        Some(f) => c.env(FAULT, f),
        None => c.env_remove(FAULT),
    };
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, fault: Option<&str>, args: &[&str]) -> Run {
    let o = backlint("backlint", dir, fault)
        .args(["--isolated", RULE])
        .args(args)
        .output()
        .unwrap();
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn json(r: &Run) -> Vec<serde_json::Value> {
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}:\n{}\nstderr:\n{}", r.stdout, r.stderr))
}

/// `(path, code)` of every finding of a `--format json` run, sorted as reported.
fn findings(r: &Run) -> Vec<(String, String)> {
    json(r)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// What a run with `faulty` faulty files out of `n + faulty` must report: a BL101 in each
/// good file, exactly one BL003 (and nothing else) in each faulty one.
fn expected(n: usize, faulty: usize) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = (0..faulty)
        .map(|k| (format!("src/faulty_{k}.rs"), "BL003".to_string()))
        .chain((0..n).map(|i| (format!("src/m{i:02}.rs"), "BL101".to_string())))
        .collect();
    v.sort();
    v
}

fn what(kind: &str) -> &'static str {
    match kind {
        "panic" => "internal error: the analysis panicked (injected fault",
        "overflow" => "internal error: stack overflow while analysing this file",
        _ => "internal error: the analysis process died with signal 6 (SIGABRT) while analysing this file",
    }
}

/// For each kind of fault, one faulty file among several: the others' findings, one
/// BL003 naming the fault, exit 2, in human, json and sarif, the same at -j1 and -j2.
#[test]
fn each_kind_of_fault_loses_only_its_file() {
    let d = project(5, 1);
    for kind in ["panic", "overflow", "abort"] {
        let fault = format!("{kind}:faulty_0.rs");
        let j1 = run(d.path(), Some(&fault), &["--format", "json", "-j1", "."]);
        assert_eq!(j1.code, 2, "{kind}: {}", j1.stderr);
        assert_eq!(findings(&j1), expected(5, 1), "{kind}");
        let internal = json(&j1)
            .into_iter()
            .find(|f| f["code"] == "BL003")
            .unwrap();
        assert_eq!(internal["line"], 1, "{kind}");
        assert_eq!(internal["rule"], "internal-error");
        let message = internal["message"].as_str().unwrap();
        assert!(message.contains(what(kind)), "{kind}: {message}");
        assert!(message.contains("please report it"), "{message}");
        assert!(
            internal["help"]
                .as_str()
                .unwrap()
                .contains("https://github.com/backlint/backlint/issues"),
            "{internal}"
        );
        // Nothing of a crashed worker reaches the output: no runtime message, no
        // report printed twice.
        assert!(!j1.stderr.contains("overflowed"), "{kind}: {}", j1.stderr);
        for format in ["json", "human", "sarif", "concise", "github"] {
            let a = run(d.path(), Some(&fault), &["--format", format, "-j1", "."]);
            let b = run(d.path(), Some(&fault), &["--format", format, "-j2", "."]);
            assert_eq!(a.code, 2, "{kind} {format}: {}", a.stderr);
            assert_eq!(b.code, 2, "{kind} {format}: {}", b.stderr);
            assert_eq!(a.stdout, b.stdout, "{kind} {format}: -j1 and -j2 differ");
            // One BL003 (in SARIF, one result: the rule's page is in the log's catalogue).
            let n = if format == "sarif" {
                let log: serde_json::Value = serde_json::from_str(&a.stdout).unwrap();
                log["runs"][0]["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["ruleId"] == "BL003")
                    .count()
            } else {
                a.stdout.matches("BL003").count()
            };
            assert_eq!(n, 1, "{kind} {format}:\n{}", a.stdout);
            match format {
                "human" => {
                    assert!(
                        a.stdout.contains("error[BL003]: internal error"),
                        "{}",
                        a.stdout
                    );
                    assert!(a.stdout.contains("faulty_0.rs:1:1"), "{}", a.stdout);
                    assert_eq!(a.stdout.matches("error[BL101]").count(), 5, "{}", a.stdout);
                    assert!(
                        a.stdout
                            .contains("Found 6 findings (6 errors, 0 warnings) in 6 files."),
                        "{}",
                        a.stdout
                    );
                }
                "sarif" => {
                    let log: serde_json::Value = serde_json::from_str(&a.stdout).unwrap();
                    let run = &log["runs"][0];
                    let results = run["results"].as_array().unwrap();
                    assert_eq!(results.len(), 6);
                    let r = results.iter().find(|r| r["ruleId"] == "BL003").unwrap();
                    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
                    let i = r["ruleIndex"].as_u64().unwrap() as usize;
                    assert_eq!(rules[i]["id"], "BL003");
                    assert_eq!(
                        r["locations"][0]["physicalLocation"]["region"]["startLine"],
                        1
                    );
                    assert!(r["partialFingerprints"]["primaryLocationLineHash"].is_string());
                }
                _ => {}
            }
        }
    }
}

/// Two faulty files of different kinds: both reported, in one run's output, whatever
/// the thread count.
#[test]
fn two_faulty_files() {
    let d = project(6, 2);
    let fault = "overflow:faulty_0.rs,abort:faulty_1.rs";
    let mut outputs = Vec::new();
    for jobs in ["-j1", "-j2", "-j4"] {
        let r = run(d.path(), Some(fault), &["--format", "json", jobs, "."]);
        assert_eq!(r.code, 2, "{jobs}: {}", r.stderr);
        assert_eq!(findings(&r), expected(6, 2), "{jobs}");
        let messages: Vec<String> = json(&r)
            .iter()
            .filter(|f| f["code"] == "BL003")
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect();
        assert!(messages[0].contains(what("overflow")), "{messages:?}");
        assert!(messages[1].contains(what("abort")), "{messages:?}");
        outputs.push(r.stdout);
    }
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
}

/// A fault while many files are in flight (eight threads on a hundred files, the faulty
/// one large so that the others keep coming): the supervisor probes the files that
/// were in flight and blames only the faulty one.
#[test]
fn a_fault_among_many_files_in_flight() {
    let d = project(100, 0);
    let mut big = String::new();
    for i in 0..400 {
        big += &SQL.replace("fn find(", &format!("fn find_{i}("));
    }
    write(d.path(), "src/m50_faulty.rs", &big);
    for kind in ["overflow", "abort"] {
        let fault = format!("{kind}:m50_faulty.rs");
        let many = run(d.path(), Some(&fault), &["--format", "json", "-j8", "."]);
        let one = run(d.path(), Some(&fault), &["--format", "json", "-j1", "."]);
        assert_eq!(many.code, 2, "{}", many.stderr);
        assert_eq!(many.stdout, one.stdout);
        let f = findings(&many);
        assert_eq!(f.len(), 101, "{f:?}");
        assert_eq!(
            f.iter().filter(|(_, c)| c == "BL003").collect::<Vec<_>>(),
            [&("src/m50_faulty.rs".to_string(), "BL003".to_string())]
        );
    }
}

/// A worker that keeps dying (here on more files than the supervisor reruns it) ends
/// the run with an internal error: exit 2, no report.
#[test]
fn reruns_are_bounded() {
    let d = project(2, 12);
    let r = run(
        d.path(),
        Some("abort:.rs"),
        &["--format", "json", "-j1", "."],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("error: internal error: backlint's analysis process died 9 times"),
        "{}",
        r.stderr
    );
}

/// What goes to standard error is printed once, from the worker that completed, also
/// when earlier workers died; `--statistics`, `--output`, baselines and the
/// `cargo-backlint` binary work through the worker.
#[test]
fn options_work_through_the_worker() {
    let d = project(3, 1);
    let fault = Some("overflow:faulty_0.rs");
    // --statistics with json: the counts go to standard error.
    let r = run(d.path(), fault, &["--format", "json", "--statistics", "."]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.matches("total in 4 files").count(),
        1,
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("BL003  internal-error"), "{}", r.stderr);
    // --statistics alone.
    let r = run(d.path(), fault, &["--statistics", "."]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains("     1  BL003  internal-error"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("     3  BL101"), "{}", r.stdout);
    // --output FILE.
    let out = d.path().join("report.json");
    let r = run(
        d.path(),
        fault,
        &["--format", "json", "--output", out.to_str().unwrap(), "."],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written.matches("\"BL003\"").count(), 1, "{written}");
    assert_eq!(written.matches("\"BL101\"").count(), 3, "{written}");
    // --write-baseline records the findings but not the internal error, which a baseline
    // then does not hide.
    let base = d.path().join("baseline.json");
    let r = run(
        d.path(),
        fault,
        &["--write-baseline", base.to_str().unwrap(), "."],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr.matches("wrote 3 finding(s) to baseline").count(),
        1,
        "{}",
        r.stderr
    );
    let r = run(
        d.path(),
        fault,
        &[
            "--format",
            "json",
            "--baseline",
            base.to_str().unwrap(),
            ".",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        findings(&r),
        [("src/faulty_0.rs".to_string(), "BL003".to_string())]
    );
    // cargo-backlint, as cargo runs it.
    let o = backlint("cargo-backlint", d.path(), fault)
        .args(["backlint", "--isolated", RULE, "--format", "json", "."])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let r = Run {
        code: 2,
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    assert_eq!(findings(&r), expected(3, 1));
}

/// `--exit-zero` does not hide an internal error; without a fault the exit status is as
/// before.
#[test]
fn exit_status() {
    let d = project(2, 1);
    let r = run(d.path(), Some("panic:faulty_0.rs"), &["--exit-zero", "."]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(run(d.path(), None, &["--exit-zero", "."]).code, 0);
    assert_eq!(run(d.path(), None, &["."]).code, 1);
    let clean = tempfile::tempdir().unwrap();
    write(clean.path(), "src/lib.rs", "pub fn f() {}\n");
    assert_eq!(run(clean.path(), None, &["."]).code, 0);
}

/// With BL003 not selected, the fault is an error of the run on standard error: still
/// exit 2, still the other findings.
#[test]
fn unselected_bl003_is_an_error_on_stderr() {
    let d = project(2, 1);
    let r = run(
        d.path(),
        Some("overflow:faulty_0.rs"),
        &["--select", "BL101", "--format", "json", "."],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(findings(&r).len(), 2, "{}", r.stdout);
    assert_eq!(
        r.stderr
            .matches(
                "error: src/faulty_0.rs: internal error: stack overflow while analysing this file"
            )
            .count(),
        1,
        "{}",
        r.stderr
    );
}

/// In one process (`BACKLINT_NO_WORKER`, or no temporary directory for the worker's
/// files), a panic is still contained.
#[test]
fn in_process_panics_are_contained() {
    let d = project(2, 1);
    for (var, value) in [
        ("BACKLINT_NO_WORKER", "1".to_string()),
        ("TMPDIR", d.path().join("missing").display().to_string()),
    ] {
        let o = backlint("backlint", d.path(), Some("panic:faulty_0.rs"))
            .env(var, &value)
            .args(["--isolated", RULE, "--format", "json", "."])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{var}");
        let r = Run {
            code: 2,
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        };
        assert_eq!(findings(&r), expected(2, 1), "{var}");
    }
}

/// The library's `check` reports a panic as BL003 too.
#[test]
fn library_check_reports_bl003() {
    let d = project(2, 0);
    write(d.path(), "src/lib_injected_fault.rs", SQL);
    // Only this test of this crate analyses in process, and only this file's name matches.
    std::env::set_var(FAULT, "panic:lib_injected_fault.rs");
    let settings = backlint::config::Settings::resolve(
        &backlint::config::LoadedOptions::default(),
        &backlint::config::Overrides {
            extend_select: vec!["BL101".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let target = backlint::discover::Target {
        paths: vec![d.path().to_path_buf()],
        ..Default::default()
    };
    let report = backlint::check(&settings, &target, d.path());
    let codes: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.path.rsplit('/').next().unwrap(), f.code))
        .collect();
    assert_eq!(
        codes,
        [
            ("lib_injected_fault.rs", "BL003"),
            ("m00.rs", "BL101"),
            ("m01.rs", "BL101")
        ]
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

/// Commands that do not analyse never become or start a worker.
#[test]
fn other_commands_do_not_run_a_worker() {
    let d = tempfile::tempdir().unwrap();
    for args in [
        vec!["explain", "BL003"],
        vec!["list-rules"],
        vec!["--help"],
        vec!["init", "--stdout"],
    ] {
        // A worker would fail on this plan; these commands never read it.
        backlint("backlint", d.path(), None)
            .env("BACKLINT_WORKER", d.path().join("no-plan.json"))
            .args(&args)
            .assert()
            .code(0);
    }
    backlint("backlint", d.path(), None)
        .env("BACKLINT_WORKER", d.path().join("no-plan.json"))
        .arg(".")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot read the worker plan"));
}

/// `--diff-base` through the worker: findings on unchanged lines are dropped, but not an
/// internal error, since its file was not checked at all.
#[test]
fn diff_base_keeps_internal_errors() {
    let d = project(2, 1);
    let git = |args: &[&str]| {
        let o = std::process::Command::new("git")
            .current_dir(d.path())
            .args(args)
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", d.path().join("no-such-gitconfig"))
            .env("GIT_CEILING_DIRECTORIES", d.path())
            .output()
            .expect("git is installed");
        assert!(o.status.success(), "git {args:?}: {o:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "start"]);
    write(d.path(), "src/m01.rs", SQL.replace("users", "accounts"));
    let r = run(
        d.path(),
        Some("overflow:faulty_0.rs"),
        &["--format", "json", "--diff-base", "HEAD", "."],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        findings(&r),
        [
            ("src/faulty_0.rs".to_string(), "BL003".to_string()),
            ("src/m01.rs".to_string(), "BL101".to_string())
        ]
    );
}

/// A reader that goes away: the worker ends quietly, as backlint in one process does,
/// also after a rerun.
#[test]
fn broken_pipe_after_a_fault_exits_quietly() {
    let d = project(3, 1);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("backlint"))
        .current_dir(d.path())
        .env(FAULT, "abort:faulty_0.rs")
        .args(["--isolated", RULE, "--format", "json", "."])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}
