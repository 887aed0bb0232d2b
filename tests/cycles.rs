//! Every recursive analysis is bounded: cycles and long chains of every kind complete
//! with the findings next to them still reported, never a crash.
//!
//! Kinds: self-referencing `let`s of every shape, deep shadow chains, mutually recursive
//! private helpers and a function calling itself, `pub use` cycles across modules and
//! across crates (two workspace members re-exporting each other), type alias cycles,
//! recursive `macro_rules!`.

mod common;
use common::write;

use assert_cmd::Command;
use std::path::Path;

/// Runs backlint with every rule on `dir`, asserting it completes with findings (exit 1),
/// and returns the concise report.
fn run(dir: &Path) -> String {
    let o = Command::cargo_bin("backlint")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["--preview", "--isolated", "--format", "concise"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        !err.contains("panicked") && !err.contains("overflow"),
        "{err}"
    );
    out
}

const MANIFEST_A: &str = "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
[dependencies]\nb = { path = \"../b\" }\nsqlx = \"0.8\"\n";
const MANIFEST_B: &str = "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
[dependencies]\na = { path = \"../a\" }\n";

const LIB_A: &str = r#"pub mod x;
pub mod y;
pub use b::Thing as Other;
pub use crate::x::Foo;
pub type Alias = Alias2;
pub type Alias2 = Alias;
pub type Selfish = Selfish;
macro_rules! again { ($($t:tt)*) => { again!($($t)*) } }
macro_rules! ping { ($e:expr) => { pong!($e) } }
macro_rules! pong { ($e:expr) => { ping!($e) } }
fn helper(s: &str) -> String { helper2(s) }
fn helper2(s: &str) -> String { helper(s) }
fn itself(s: &str) -> String { itself(s) }
pub async fn run(pool: &sqlx::PgPool, sql: &str, password: &str) {
    let q = helper(sql);
    let q2 = itself(&q);
    let (x, y) = (sql, q2.as_str());
    let (x, y) = (y, x);
    let password = password;
    let password = (password);
    let password = { password };
    let pw: Alias = password.into();
    again!(1);
    ping!(2);
    tracing::info!("pw {}", password);
    sqlx::query(x).execute(pool).await.ok();
    sqlx::query(&format!("SELECT {}", q)).execute(pool).await.ok();
    let _ = (pw, y);
}
"#;

#[test]
fn reexport_alias_macro_and_call_cycles_complete() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    write(
        root,
        "Cargo.toml",
        "[workspace]\nmembers = [\"a\", \"b\"]\n",
    );
    write(root, "a/Cargo.toml", MANIFEST_A);
    write(root, "b/Cargo.toml", MANIFEST_B);
    write(root, "a/src/lib.rs", LIB_A);
    write(
        root,
        "a/src/x.rs",
        "pub use crate::y::Foo;\npub use super::y::*;\n",
    );
    write(
        root,
        "a/src/y.rs",
        "pub use crate::x::Foo;\npub use super::x::*;\npub use b::*;\n",
    );
    write(
        root,
        "b/src/lib.rs",
        "pub use a::Other as Thing;\npub use a::*;\npub struct Login { pub password: Thing }\n",
    );
    let out = run(root);
    assert!(out.contains("a/src/lib.rs:25:29: BL201"), "{out}");
    assert!(out.contains("a/src/lib.rs:27:17: BL101"), "{out}");
}

/// A parameter shadowed by every shape of self-referencing `let`, in one function each,
/// followed by a finding that must survive.
#[test]
fn self_referencing_lets_of_every_shape_complete() {
    let shapes = [
        "let s = s;",
        "let s = (s);",
        "let s = { s };",
        "let s = &*s;",
        "let s = s.trim();",
        "let s = s.clone();",
        "let s = s.as_str();",
        "let s = s.to_string();",
        "let s = f(s);",
        "let s = [s][0];",
        "let s = if s.is_empty() { s } else { s };",
        "let s = match s { s => s };",
        "let s = s.get(0..).unwrap_or(s);",
        "let s = format!(\"{s}\");",
        "let (s, t) = (s, s);",
        "let (s, t) = (t, s);",
        "let Some(s) = Some(s) else { return };",
        "let s = s.iter().map(|s| s).collect::<String>();",
        "let mut s = s; s = s;",
        "let mut s = s.to_string(); s.push_str(&s.clone());",
        "if let Some(s) = Some(s) { let s = s; }",
        "while let Some(s) = Some(s) { let s = s; break; }",
        "for s in s.lines() { let s = s; }",
    ];
    // Shapes after which `s` holds no request text (a closure, an empty string built
    // from itself): they must complete, and have nothing to report.
    let harmless = [
        "let s = || s;",
        "let mut s = String::new(); s += &s.clone();",
    ];
    let mut text = String::from("use sqlx::PgPool;\n");
    for (i, shape) in shapes.iter().chain(&harmless).enumerate() {
        text.push_str(&format!(
            "pub async fn f{i}(pool: &PgPool, s: &str, t: &str) {{ {shape} \
             sqlx::query(&format!(\"SELECT {{}}\", s)).execute(pool).await.ok(); }}\n"
        ));
    }
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "shapes.rs", &text);
    let out = run(d.path());
    // Every function keeps its SQL finding on its own line (a shape may hide nothing).
    for (i, shape) in harmless.iter().enumerate() {
        let line = shapes.len() + i + 2;
        assert!(
            !out.contains(&format!("shapes.rs:{line}:")),
            "a finding for `{shape}`:\n{out}"
        );
    }
    for (i, shape) in shapes.iter().enumerate() {
        let line = i + 2;
        assert!(
            out.contains(&format!("shapes.rs:{line}:")),
            "no finding for `{shape}`:\n{out}"
        );
    }
}

/// 5,000 `let s = s;` in one function and 1,000 nested blocks each shadowing.
#[test]
fn deep_shadow_chains_complete() {
    let mut text = String::from("use sqlx::PgPool;\npub async fn long(pool: &PgPool, s: &str) {\n");
    for _ in 0..5000 {
        text.push_str("let s = s; let s = (s);\n");
    }
    text.push_str("sqlx::query(s).execute(pool).await.ok();\n}\n");
    text.push_str("pub async fn deep(pool: &PgPool, s: &str) {\n");
    for _ in 0..1000 {
        text.push_str("{ let s = &*s;\n");
    }
    text.push_str("sqlx::query(&format!(\"SELECT {s}\")).execute(pool).await.ok();\n");
    for _ in 0..1000 {
        text.push('}');
    }
    text.push_str("\n}\npub async fn caller(pool: &PgPool, id: &str) {\n    long(pool, &format!(\"DELETE FROM t WHERE id = '{id}'\")).await;\n}\n");
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "deep.rs", &text);
    let out = run(d.path());
    // The SQL built inside the innermost block, and the built SQL passed to `long`,
    // whose parameter reaches `sqlx::query` through 10,000 rebindings: past the bound the
    // chain is "unknown", so only the first is certain.
    assert!(out.contains("deep.rs:6006:"), "{out}");
}
