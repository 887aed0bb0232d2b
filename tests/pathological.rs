//! Pathological inputs through the real binary, each in a temporary directory next to a
//! file with a known BL101 finding: the run must report a clean BL001 finding or an error
//! with exit status 2, never panic, and still report the other file's finding.

mod common;
use common::write;

use assert_cmd::Command;
use std::path::Path;
use std::process::Output;

/// The binary with the rule of [`BAD`] selected: BL101 is a preview rule (it has not met
/// the promotion bar yet), off by default; an exact code selects it.
fn backlint() -> Command {
    let mut c = Command::cargo_bin("backlint").unwrap();
    c.env("NO_COLOR", "1")
        .write_stdin("")
        .arg("--extend-select=BL101");
    c
}

/// The finding of [`BAD`] in concise format, after the file name.
const BAD_FINDING: &str = ":4:17: BL101";
const BAD: &str = "use sqlx::PgPool;\n\
async fn f(pool: &PgPool, name: &str) {\n    \
let q = format!(\"SELECT * FROM users WHERE name = '{name}'\");\n    \
sqlx::query(&q).fetch_all(pool).await;\n}\n";

/// A directory holding `bad.rs`.
fn dir_with_bad() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "bad.rs", BAD);
    d
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// At most 2,000 characters of `s`, for assertion messages.
fn clip(s: &str) -> String {
    s.chars().take(2000).collect()
}

/// Runs backlint in `dir` with `args`, asserting no panic, the exit status, and that
/// `bad.rs`'s finding is reported (with its position in the concise and human formats).
fn run(dir: &Path, args: &[&str], code: i32) -> Output {
    let o = backlint().current_dir(dir).args(args).output().unwrap();
    let (out, err) = (stdout(&o), stderr(&o));
    assert!(!err.contains("panicked"), "{}", clip(&err));
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        clip(&out),
        clip(&err)
    );
    let reported = if args.contains(&"concise") {
        out.contains(&format!("bad.rs{BAD_FINDING}"))
    } else if args.contains(&"human") {
        out.contains("bad.rs:4:17")
    } else {
        out.contains("bad.rs") && out.contains("BL101")
    };
    assert!(reported, "{}", clip(&out));
    o
}

#[test]
fn ten_thousand_levels_of_nesting() {
    let d = dir_with_bad();
    let n = 10_000;
    let nest =
        |open: &str, mid: &str, close: &str| format!("{}{mid}{}", open.repeat(n), close.repeat(n));
    let files = [
        (
            "parens.rs",
            format!("fn f() -> i32 {{ {} }}\n", nest("(", "1", ")")),
        ),
        (
            "blocks.rs",
            format!("fn f() -> i32 {}\n", nest("{", "1", "}")),
        ),
        (
            "sum.rs",
            format!("fn f(x: i32) -> i32 {{ {} }}\n", vec!["x"; n].join(" + ")),
        ),
        (
            "calls.rs",
            format!("fn f() {{ {}; }}\n", nest("g(", "1", ")")),
        ),
        (
            "methods.rs",
            format!("fn f(x: S) {{ x{}; }}\n", ".a()".repeat(n)),
        ),
        (
            "unary.rs",
            format!("fn f(x: bool) -> bool {{ {}x }}\n", "!".repeat(n)),
        ),
        (
            "closures.rs",
            format!("fn f() {{ let c = {}1; }}\n", "|| ".repeat(n)),
        ),
        (
            "elseif.rs",
            format!(
                "fn f(x: i32) {{ if x == 0 {{}} {}}}\n",
                "else if x == 1 {} ".repeat(n)
            ),
        ),
        (
            "types.rs",
            format!("type T = {};\n", nest("Vec<", "i32", ">")),
        ),
        ("refs.rs", format!("type T = {}i32;\n", "&".repeat(n))),
        (
            "fnptrs.rs",
            format!("type T = {}i32;\n", "fn() -> ".repeat(n)),
        ),
        (
            "patterns.rs",
            format!("fn f() {{ let {} = 1; }}\n", nest("(", "x", ",)")),
        ),
        (
            "patrefs.rs",
            format!("fn f(x: &i32) {{ let {}y = x; }}\n", "&".repeat(n)),
        ),
        (
            "modules.rs",
            format!("{}\n", nest("mod a { ", "fn f() {}", " }")),
        ),
        (
            "attrs.rs",
            format!("#[cfg({})]\nfn f() {{}}\n", nest("all(", "unix", ")")),
        ),
        (
            "macros.rs",
            format!(
                "fn f(x: &str) {{ sqlx::query(&{}); }}\n",
                nest("format!(\"{}\", ", "x", ")")
            ),
        ),
        (
            "vec.rs",
            format!("fn f() {{ let v = {}; }}\n", nest("vec![", "1", "]")),
        ),
    ];
    for (name, text) in &files {
        write(d.path(), name, text);
    }
    let o = run(d.path(), &[".", "--format", "concise"], 1);
    // Each file is analyzed, or reported as too deep: never dropped.
    let out = stdout(&o);
    for (name, _) in &files {
        for line in out.lines().filter(|l| l.starts_with(name)) {
            assert!(
                line.contains("BL001") && line.contains("too deeply")
                    || line.contains("macros.rs") && line.contains("BL101"),
                "{line}"
            );
        }
    }
    assert!(out.contains("macros.rs:1:"), "{out}");
}

/// Just under the nesting limit (50,000), with the constructs costing the most stack per
/// level in the debug build: analyzed without overflowing the analysis stack.
#[test]
fn nesting_just_under_the_limit_is_analyzed() {
    let d = dir_with_bad();
    let n = 49_900;
    write(
        d.path(),
        "blocks.rs",
        format!("fn f() -> i32 {}1{}\n", "{".repeat(n), "}".repeat(n)),
    );
    let n = n / 2;
    write(
        d.path(),
        "async.rs",
        format!(
            "fn f() {{ {}1{}; }}\n",
            "async { ".repeat(n),
            " }".repeat(n)
        ),
    );
    let n = n * 2 / 3;
    write(
        d.path(),
        "generics.rs",
        format!("fn f(x: {}i32{}) {{}}\n", "Vec<".repeat(n), ">".repeat(n)),
    );
    let o = run(d.path(), &[".", "--format", "concise"], 1);
    assert!(!stdout(&o).contains("BL001"), "{}", stdout(&o));
}

#[test]
fn nesting_beyond_the_limit_is_reported_not_overflowed() {
    let d = dir_with_bad();
    let n = 200_000;
    write(
        d.path(),
        "deep.rs",
        format!(
            "fn f() -> i32 {{\n    {}1{}\n}}\n",
            "(".repeat(n),
            ")".repeat(n)
        ),
    );
    write(
        d.path(),
        "chain.rs",
        format!("fn f(x: i32) -> i32 {{ x{} }}\n", " + x".repeat(n)),
    );
    let o = run(d.path(), &[".", "--format", "concise"], 1);
    let out = stdout(&o);
    assert!(out.contains("deep.rs:2:") && out.contains("BL001"), "{out}");
    assert!(out.contains("chain.rs:1:"), "{out}");
    assert!(out.contains("nests too deeply"), "{out}");
}

/// 50 MB in one file: comments (which the suppression scan reads), doc comments and
/// string constants (which the parser keeps) around 2 MB of functions. Dense code costs
/// the parser about a hundred bytes of memory per byte of source, so 50 MB of it alone
/// would need gigabytes: that is measured by hand, not in the test suite.
#[test]
fn fifty_megabyte_file() {
    let d = dir_with_bad();
    let mut text = String::with_capacity(51 << 20);
    text.push_str("use sqlx::PgPool;\n");
    let filler = "a".repeat(100);
    let mut i = 0;
    while text.len() < 50 << 20 {
        if text.len() < 2 << 20 || i % 20 == 0 {
            text.push_str(&format!(
                "/// Returns the {i}th value.\npub fn value_{i}(x: u64) -> u64 {{\n    let y = x.wrapping_mul({i});\n    y ^ (y >> 7)\n}}\n\n"
            ));
        }
        for _ in 0..40 {
            text.push_str(&format!("// {filler} {i}\n"));
        }
        text.push_str(&format!(
            "/// {filler}\npub const TEXT_{i}: &str = \"{}\";\n",
            filler.repeat(10)
        ));
        i += 1;
    }
    // One finding at the very end.
    text.push_str(BAD.trim_start_matches("use sqlx::PgPool;\n"));
    let lines = text.lines().count();
    write(d.path(), "big.rs", &text);
    let o = run(d.path(), &[".", "--format", "concise"], 1);
    assert!(
        stdout(&o).contains(&format!("big.rs:{}:17: BL101", lines - 1)),
        "{}",
        clip(&stdout(&o))
    );
}

/// Many constants and handlers in one file (async functions taking an extractor): what
/// a rule asks of the file's text per function or per expression ("does it name an HTTP
/// client?", "is this function called or routed in its file?") must not scan the whole
/// text each time. Such scans fail only at the end of a file that names none of what they
/// look for, which made this file take half a minute in a release build and the 50 MB one
/// above many minutes. No handler is flagged.
#[test]
fn twenty_thousand_handlers_in_one_file() {
    let d = dir_with_bad();
    let mut text = String::from("use axum::extract::Path;\nuse sqlx::PgPool;\n");
    for i in 0..20_000 {
        text.push_str(&format!(
            "pub const LIMIT_{i}: u64 = {i};\n\
             pub async fn show_{i}(Path(id): Path<u64>) -> String {{\n    \
             let n = id.wrapping_mul(LIMIT_{i});\n    n.to_string()\n}}\n"
        ));
    }
    text.push_str(BAD.trim_start_matches("use sqlx::PgPool;\n"));
    let lines = text.lines().count();
    write(d.path(), "handlers.rs", &text);
    let o = run(d.path(), &[".", "--format", "concise"], 1);
    let out = stdout(&o);
    assert!(
        out.contains(&format!("handlers.rs:{}:17: BL101", lines - 1)),
        "{}",
        clip(&out)
    );
    assert_eq!(out.matches("handlers.rs:").count(), 1, "{}", clip(&out));
}

#[test]
fn one_megabyte_line() {
    let d = dir_with_bad();
    let pad = "x".repeat(1 << 20);
    let line = format!(
        "async fn f(pool: &PgPool, name: &str) {{ let _s = \"{pad}\"; let q = format!(\"SELECT * FROM users WHERE name = '{{name}}'\"); sqlx::query(&q).fetch_all(pool).await; }}\n"
    );
    let column = line.find("&q").unwrap() + 1;
    write(d.path(), "long.rs", format!("use sqlx::PgPool;\n{line}"));
    for format in ["concise", "human", "json", "sarif"] {
        let o = run(d.path(), &[".", "--format", format], 1);
        if format == "concise" {
            assert!(
                stdout(&o).contains(&format!("long.rs:2:{column}: BL101")),
                "{}",
                clip(&stdout(&o))
            );
        }
    }
}

#[test]
fn invalid_utf8_anywhere() {
    let d = dir_with_bad();
    write(
        d.path(),
        "late.rs",
        b"fn a() {}\n\nfn b() { let s = \"\xff\xfe\"; }\n",
    );
    write(d.path(), "cut.rs", b"fn a() {}\n// \xe6\x97");
    write(d.path(), "nul.rs", b"fn a() {}\0\0\0\n");
    let o = run(d.path(), &[".", "--format", "concise"], 1);
    let out = stdout(&o);
    assert!(out.contains("late.rs:3:1: BL001"), "{out}");
    assert!(out.contains("cut.rs:2:1: BL001"), "{out}");
    assert!(out.contains("nul.rs:1:") && out.contains("BL001"), "{out}");
    run(d.path(), &[".", "--format", "human"], 1);
    run(d.path(), &[".", "--format", "sarif"], 1);
}

/// `(line, column, end_line, end_column)` of every finding in each format.
fn positions(dir: &Path, file: &str) -> Vec<(String, Vec<[u64; 4]>)> {
    let mut out = Vec::new();
    let json = stdout(&run(dir, &[".", "--format", "json"], 1));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let of = |f: &serde_json::Value, k: &str| f[k].as_u64().unwrap();
    out.push((
        "json".to_string(),
        v.as_array()
            .unwrap()
            .iter()
            .filter(|f| f["path"] == file)
            .map(|f| {
                [
                    of(f, "line"),
                    of(f, "column"),
                    of(f, "end_line"),
                    of(f, "end_column"),
                ]
            })
            .collect(),
    ));
    let sarif = stdout(&run(dir, &[".", "--format", "sarif"], 1));
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    out.push((
        "sarif".to_string(),
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["locations"][0]["physicalLocation"])
            .filter(|l| l["artifactLocation"]["uri"] == file)
            .map(|l| {
                let r = &l["region"];
                let g = |k: &str| r[k].as_u64().unwrap();
                [
                    g("startLine"),
                    g("startColumn"),
                    g("endLine"),
                    g("endColumn"),
                ]
            })
            .collect(),
    ));
    let concise = stdout(&run(dir, &[".", "--format", "concise"], 1));
    out.push((
        "concise".to_string(),
        concise
            .lines()
            .filter_map(|l| l.strip_prefix(&format!("{file}:")))
            .map(|l| {
                let mut it = l.split(':');
                let line = it.next().unwrap().parse().unwrap();
                let col = it.next().unwrap().parse().unwrap();
                [line, col, 0, 0]
            })
            .collect(),
    ));
    out
}

#[test]
fn crlf_and_bom_do_not_move_findings() {
    let lf = dir_with_bad();
    write(lf.path(), "a.rs", BAD);
    let reference = positions(lf.path(), "a.rs");
    assert_eq!(reference[0].1, [[4, 17, 4, 19]], "{reference:?}");
    for (name, text) in [
        ("crlf", BAD.replace('\n', "\r\n").into_bytes()),
        ("bom", [&b"\xef\xbb\xbf"[..], BAD.as_bytes()].concat()),
        (
            "bom+crlf",
            [&b"\xef\xbb\xbf"[..], BAD.replace('\n', "\r\n").as_bytes()].concat(),
        ),
    ] {
        let d = dir_with_bad();
        write(d.path(), "a.rs", &text);
        assert_eq!(positions(d.path(), "a.rs"), reference, "{name}");
        let human = stdout(&run(d.path(), &[".", "--format", "human"], 1));
        assert!(human.contains("a.rs:4:17"), "{name}: {human}");
        assert!(!human.contains('\r'), "{name}: {human:?}");
    }
}

#[test]
fn columns_count_code_points_after_tabs_and_wide_characters() {
    let d = dir_with_bad();
    let prefix = "\t\t/* 日本語 🦀🦀 é */ ";
    let text = BAD.replace("    sqlx::query(&q)", &format!("{prefix}sqlx::query(&q)"));
    write(d.path(), "a.rs", &text);
    let column = (prefix.chars().count() + "sqlx::query(".len() + 1) as u64;
    for (format, found) in positions(d.path(), "a.rs") {
        assert_eq!(found.len(), 1, "{format}");
        assert_eq!(found[0][..2], [4, column], "{format}");
        if format != "concise" {
            assert_eq!(found[0][2..], [4, column + 2], "{format}");
        }
    }
    let human = stdout(&run(d.path(), &[".", "--format", "human"], 1));
    assert!(human.contains(&format!("a.rs:4:{column}")), "{human}");
}

/// Whether this process can read files whatever their permissions (root).
fn reads_everything(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let p = write(dir, "probe", "x");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::read(&p).is_ok();
    std::fs::remove_file(&p).unwrap();
    readable
}

#[test]
fn unreadable_files_and_directories() {
    use std::os::unix::fs::PermissionsExt;
    let d = dir_with_bad();
    let file = write(d.path(), "secret.rs", BAD);
    let sub = write(d.path(), "locked/inner.rs", BAD);
    let locked = sub.parent().unwrap().to_path_buf();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = reads_everything(d.path());
    let o = backlint()
        .current_dir(d.path())
        .args([".", "--format", "concise"])
        .output()
        .unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!("bad.rs{BAD_FINDING}")));
    if privileged {
        // Permissions do not stop this process (root): everything is analyzed.
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stdout(&o).contains(&format!("secret.rs{BAD_FINDING}")));
        assert!(stdout(&o).contains(&format!("locked/inner.rs{BAD_FINDING}")));
    } else {
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("secret.rs: cannot read file"),
            "{}",
            stderr(&o)
        );
        assert!(stderr(&o).contains("locked"), "{}", stderr(&o));
    }
}

/// A file whose reading fails whoever reads it: process memory at address 0.
#[cfg(target_os = "linux")]
#[test]
fn a_file_that_fails_to_read() {
    let d = dir_with_bad();
    let o = run(
        d.path(),
        &["bad.rs", "/proc/self/mem", "--format", "concise"],
        2,
    );
    assert!(
        stderr(&o).contains("mem: cannot read file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn fifos_and_directories_named_like_sources() {
    let d = dir_with_bad();
    let fifo = d.path().join("pipe.rs");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    write(d.path(), "dir.rs/inner.rs", BAD);
    // Walked: the FIFO is not a regular file and is never opened (it would block).
    let o = run(d.path(), &[".", "--format", "concise"], 1);
    assert!(stdout(&o).contains(&format!("dir.rs/inner.rs{BAD_FINDING}")));
    // Named: an error, the other paths are still analyzed.
    let o = run(
        d.path(),
        &["pipe.rs", "bad.rs", "dir.rs", "--format", "concise"],
        2,
    );
    assert!(
        stderr(&o).contains("pipe.rs: not a regular file"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains(&format!("dir.rs/inner.rs{BAD_FINDING}")));
}

#[test]
fn symbolic_link_loops() {
    use std::os::unix::fs::symlink;
    let d = dir_with_bad();
    symlink("b.rs", d.path().join("a.rs")).unwrap();
    symlink("a.rs", d.path().join("b.rs")).unwrap();
    std::fs::create_dir(d.path().join("sub")).unwrap();
    symlink("..", d.path().join("sub/up")).unwrap();
    symlink(d.path(), d.path().join("sub/root")).unwrap();
    // Walked: links are not followed, so there is no loop.
    run(d.path(), &[".", "--format", "concise"], 1);
    // Named: the loop is an error.
    let o = run(d.path(), &["a.rs", "bad.rs", "--format", "concise"], 2);
    assert!(
        stderr(&o).contains("a.rs: cannot access path"),
        "{}",
        stderr(&o)
    );
    // A link to a directory containing itself, named: walked once.
    let o = run(d.path(), &["sub/root", "--format", "concise"], 1);
    assert_eq!(stdout(&o).matches("BL101").count(), 1, "{}", stdout(&o));
}

#[test]
fn empty_workspace() {
    let d = dir_with_bad();
    write(d.path(), "Cargo.toml", "[workspace]\nmembers = []\n");
    let o = backlint()
        .current_dir(d.path())
        .args(["--format", "concise"])
        .output()
        .unwrap();
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("no members"), "{}", stderr(&o));
    // Named, the directory is walked.
    run(d.path(), &[".", "--format", "concise"], 1);
}

#[test]
fn manifest_that_does_not_parse() {
    let d = dir_with_bad();
    write(
        d.path(),
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = 0.1.0\n",
    );
    // A broken root manifest is an error naming the file and the line.
    let o = backlint()
        .current_dir(d.path())
        .args(["--format", "concise"])
        .output()
        .unwrap();
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Cargo.toml") && stderr(&o).contains("line 3"),
        "{}",
        stderr(&o)
    );
    // Named, the directory is walked.
    run(d.path(), &[".", "--format", "concise"], 1);
    let o = backlint()
        .current_dir(d.path())
        .args(["--manifest-path", "Cargo.toml", "--format", "concise"])
        .output()
        .unwrap();
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // A broken member manifest: a warning naming it, the other members analysed.
    write(
        d.path(),
        "Cargo.toml",
        "[workspace]\nmembers = [\"a\", \"b\"]\n",
    );
    write(
        d.path(),
        "a/Cargo.toml",
        "[package]\nname = \"a\"\nversion = \"0.1.0\"\n",
    );
    write(d.path(), "a/src/lib.rs", BAD);
    write(d.path(), "b/Cargo.toml", "[package\n");
    write(d.path(), "b/src/lib.rs", BAD);
    let o = backlint()
        .current_dir(d.path())
        .args(["--format", "concise"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("a/src/lib.rs"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("b/src/lib.rs"), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("warning:") && stderr(&o).contains("b/Cargo.toml"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn cargo_missing_or_broken_changes_nothing() {
    let d = dir_with_bad();
    write(
        d.path(),
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(d.path(), "src/lib.rs", "mod bad;\n");
    write(d.path(), "src/bad.rs", BAD);
    let empty = tempfile::tempdir().unwrap();
    for (name, cargo) in [
        ("not on PATH", None),
        ("a directory", Some(d.path().join("src"))),
        ("missing", Some(d.path().join("no-such-cargo"))),
    ] {
        let mut c = backlint();
        c.current_dir(d.path())
            .env("PATH", empty.path())
            .args(["--format", "concise"]);
        match cargo {
            Some(p) => c.env("CARGO", p),
            None => c.env_remove("CARGO"),
        };
        let o = c.output().unwrap();
        assert!(!stderr(&o).contains("panicked"), "{name}: {}", stderr(&o));
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        assert!(
            stdout(&o).contains(&format!("src/bad.rs{BAD_FINDING}")),
            "{name}"
        );
        assert!(stderr(&o).is_empty(), "{name}: {}", stderr(&o));
    }
}

/// Many functions sharing a name across files without manifests (`Builder::new` in each),
/// called on one another's results: each call may be any of them, so following every
/// flow multiplies at each level. The taint engine's resolution is bounded: the run ends
/// and still reports the other file's finding.
#[test]
fn calls_on_calls_of_a_shared_name() {
    let d = dir_with_bad();
    for i in 0..12 {
        write(
            d.path(),
            &format!("builder_{i}.rs"),
            "pub struct Builder;\n\
             impl Builder {\n    \
             pub fn new(part: String, other: String) -> String { format!(\"{part}{other}\") }\n\
             }\n",
        );
    }
    let depth = 14;
    let nested = format!(
        "{}q.name{}",
        "Builder::new(".repeat(depth),
        ", q.name.clone())".repeat(depth)
    );
    write(
        d.path(),
        "handler.rs",
        format!(
            "use axum::extract::Query;\n\
             #[derive(serde::Deserialize)]\n\
             pub struct Params {{ pub name: String }}\n\
             pub async fn search(Query(q): Query<Params>, pool: sqlx::PgPool) {{\n    \
             let text = {nested};\n    \
             let _ = sqlx::query(&text).execute(&pool).await;\n\
             }}\n"
        ),
    );
    run(d.path(), &[".", "--preview", "--format", "concise"], 1);
}
