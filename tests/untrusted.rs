//! backlint on hostile checkouts: a pull request's code that tries to make backlint run
//! its programs (a toolchain file naming a script toolchain, cargo configuration with a
//! `rustc`, wrapper, runner, environment and alias, a build script, a proc macro, a git
//! diff driver and filter) or read files outside the checkout (member globs leaving it,
//! symbolic links out of it). Every program of the checkout writes a marker file at an
//! absolute path in the test's temporary directory; no marker may appear, and the
//! checkout's own finding must still be reported.
//!
//! Each checkout is run three ways: plain `backlint` in it, the documented CI invocation
//! (`backlint --format sarif --output …`), and `cargo-backlint backlint` invoked directly
//! as cargo would. PATH starts with a directory holding a `cargo` and a `rustc` that
//! write the marker too, and `$CARGO` names that `cargo`: backlint must never run them.
//! Then the output side: text from the checkout cannot attack the terminal or the log.

#![cfg(unix)]

use assert_cmd::Command;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

/// The rules of the findings below: preview rules (none of them has met the promotion bar yet),
/// off by default; exact codes select them.
const RULES: &str = "--extend-select=BL101,BL201,BL401,BL502,BL601";

/// The checkout's finding: BL101 in `src/main.rs`, line 4.
const MAIN: &str = "mod db;\nfn main() {}\n\nasync fn lookup(pool: &sqlx::PgPool, name: &str) {\n    \
let _ = sqlx::query(&format!(\"SELECT * FROM users WHERE name = '{name}'\")).fetch_all(pool).await;\n}\n";
const MAIN_FINDING: &str = "src/main.rs:5:";

/// Findings outside the checkout, which must never be reported.
const OUTSIDE: &str = "pub async fn stolen(pool: &sqlx::PgPool, who: &str) {\n    \
let _ = sqlx::query(&format!(\"DELETE FROM t WHERE who = '{who}'\")).execute(pool).await;\n}\n\
pub fn secret(password: &str) {\n    tracing::info!(\"password {password}\");\n}\n";

struct Hostile {
    dir: tempfile::TempDir,
}

impl Hostile {
    fn new() -> Hostile {
        let h = Hostile {
            dir: tempfile::tempdir().unwrap(),
        };
        h.write(
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        );
        h.write("src/main.rs", MAIN);
        h.write("src/db.rs", "pub fn ok() {}\n");
        // The decoy programs first on PATH.
        h.script_at(&h.decoys().join("cargo"));
        h.script_at(&h.decoys().join("rustc"));
        h
    }

    fn base(&self) -> PathBuf {
        std::fs::canonicalize(self.dir.path()).unwrap()
    }

    fn checkout(&self) -> PathBuf {
        self.base().join("checkout")
    }

    fn marker(&self) -> PathBuf {
        self.base().join("pwned")
    }

    fn decoys(&self) -> PathBuf {
        self.base().join("decoys")
    }

    fn write(&self, rel: &str, text: &str) {
        write_file(&self.checkout().join(rel), text);
    }

    /// A shell script that appends its name and arguments to the marker file.
    fn script(&self) -> String {
        format!(
            "#!/bin/sh\necho \"$0 $*\" >> '{}'\ncat >/dev/null 2>&1 || true\n",
            self.marker().display()
        )
    }

    fn script_at(&self, path: &Path) {
        write_file(path, &self.script());
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn env(&self, c: &mut Command) {
        let path = std::env::join_paths(std::iter::once(self.decoys()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .unwrap();
        c.current_dir(self.checkout())
            .env("PATH", path)
            .env("CARGO", self.decoys().join("cargo"))
            .env("RUSTC", self.decoys().join("rustc"))
            .env_remove("CARGO_MANIFEST_DIR")
            .env_remove("RUSTUP_TOOLCHAIN")
            .env("NO_COLOR", "1");
    }

    /// Runs the three invocations with `extra` arguments; returns their outputs
    /// (stdout, or the SARIF file) and stderrs.
    fn run_all(&self, extra: &[&str]) -> Vec<(String, String, String)> {
        let mut outs = Vec::new();
        let sarif = self.base().join("out.sarif");
        for (name, bin, pre) in [
            ("backlint", "backlint", vec!["--format", "concise"]),
            ("ci", "backlint", vec!["--format", "sarif", "--output"]),
            (
                "cargo-backlint",
                "cargo-backlint",
                vec!["backlint", "--format", "concise"],
            ),
        ] {
            let mut c = Command::cargo_bin(bin).unwrap();
            self.env(&mut c);
            c.args(&pre);
            if name == "ci" {
                c.arg(&sarif);
            }
            c.arg(RULES).args(extra);
            let o = c.output().unwrap();
            let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
            assert!(!stderr.contains("panicked"), "{name}: {stderr}");
            assert_eq!(o.status.code(), Some(1), "{name}: {stderr}");
            let out = if name == "ci" {
                std::fs::read_to_string(&sarif).unwrap()
            } else {
                String::from_utf8_lossy(&o.stdout).into_owned()
            };
            outs.push((name.to_string(), out, stderr));
        }
        outs
    }

    /// Runs everything and checks: no marker, the checkout's finding reported in each.
    fn assert_safe(&self, extra: &[&str]) -> Vec<(String, String, String)> {
        let outs = self.run_all(extra);
        assert!(
            !self.marker().exists(),
            "a program of the checkout ran: {}",
            std::fs::read_to_string(self.marker()).unwrap_or_default()
        );
        for (name, out, err) in &outs {
            if name == "ci" {
                let v: serde_json::Value = serde_json::from_str(out).unwrap();
                let results = v["runs"][0]["results"].as_array().unwrap();
                assert!(
                    results.iter().any(|r| r["ruleId"] == "BL101"
                        && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                            == "src/main.rs"),
                    "{name}: {out}"
                );
            } else {
                assert!(
                    out.contains(MAIN_FINDING) && out.contains("BL101"),
                    "{name}: {out}\n{err}"
                );
            }
        }
        outs
    }
}

fn write_file(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn toolchain_file_naming_a_script_toolchain() {
    let h = Hostile::new();
    // rustup takes an absolute path (and refuses a relative one); a CI checkout's path
    // is predictable.
    let evil = h.checkout().join("evil");
    h.write(
        "rust-toolchain.toml",
        &format!("[toolchain]\npath = \"{}\"\n", evil.display()),
    );
    h.script_at(&h.checkout().join("evil/bin/cargo"));
    h.script_at(&h.checkout().join("evil/bin/rustc"));
    h.assert_safe(&[]);
}

#[test]
fn legacy_toolchain_file() {
    let h = Hostile::new();
    let evil = h.checkout().join("evil");
    h.write(
        "rust-toolchain",
        &format!("[toolchain]\npath = \"{}\"\n", evil.display()),
    );
    h.script_at(&h.checkout().join("evil/bin/cargo"));
    h.script_at(&h.checkout().join("evil/bin/rustc"));
    h.assert_safe(&[]);
}

#[test]
fn cargo_configuration_with_programs() {
    let h = Hostile::new();
    let evil = h.checkout().join("tools/evil.sh");
    h.script_at(&evil);
    let e = evil.display();
    h.write(
        ".cargo/config.toml",
        &format!(
            "[build]\nrustc = \"{e}\"\nrustc-wrapper = \"{e}\"\nrustc-workspace-wrapper = \"{e}\"\n\
             [env]\nRUSTC_WRAPPER = \"{e}\"\nCARGO = \"{e}\"\n\
             [alias]\nbacklint = \"run --quiet\"\nb = \"backlint\"\n\
             [target.x86_64-unknown-linux-gnu]\nrunner = \"{e}\"\nlinker = \"{e}\"\n\
             [target.aarch64-unknown-linux-gnu]\nrunner = \"{e}\"\n"
        ),
    );
    h.write(".cargo/config", "[build]\nrustc = \"/bin/false\"\n");
    h.assert_safe(&[]);
}

#[test]
fn build_script_and_proc_macro() {
    let h = Hostile::new();
    let m = h.marker();
    let m = m.display();
    h.write(
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\nbuild = \"build.rs\"\n\
         [dependencies]\nderive-evil = { path = \"derive-evil\" }\n[build-dependencies]\ncc = \"1\"\n",
    );
    h.write(
        "build.rs",
        &format!("fn main() {{\n    std::fs::write(\"{m}\", \"build.rs\").ok();\n}}\n"),
    );
    h.write(
        "derive-evil/Cargo.toml",
        "[package]\nname = \"derive-evil\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[lib]\nproc-macro = true\n",
    );
    h.write(
        "derive-evil/src/lib.rs",
        &format!(
            "use proc_macro::TokenStream;\n#[proc_macro_derive(Evil)]\npub fn evil(_: TokenStream) -> TokenStream {{\n    \
             std::fs::write(\"{m}\", \"proc macro\").ok();\n    TokenStream::new()\n}}\n"
        ),
    );
    h.write(
        "src/db.rs",
        "#[derive(derive_evil::Evil)]\npub struct Row;\nsqlx::query_as!(Row, \"SELECT 1\");\n",
    );
    let outs = h.assert_safe(&[]);
    let (_, out, _) = &outs[0];
    assert!(!out.contains("BL001"), "{out}");
}

#[test]
fn members_and_links_leading_out_of_the_checkout_are_not_followed() {
    let h = Hostile::new();
    // A findings-rich crate next to the checkout.
    let outside = h.base().join("sibling");
    write_file(
        &outside.join("Cargo.toml"),
        "[package]\nname = \"sibling\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write_file(&outside.join("src/lib.rs"), OUTSIDE);
    write_file(&outside.join("src/more.rs"), OUTSIDE);
    h.write(
        "Cargo.toml",
        &format!(
            "[workspace]\nmembers = [\"../*\", \"{}\", \"crates/*\", \"crates/../../sibling\"]\n\n\
             [package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
             [dependencies]\nsibling = {{ path = \"../sibling\" }}\n",
            outside.display()
        ),
    );
    // A member directory that is a link out, and links out inside the sources.
    std::fs::create_dir_all(h.checkout().join("crates")).unwrap();
    symlink(&outside, h.checkout().join("crates/linked")).unwrap();
    symlink(outside.join("src"), h.checkout().join("src/stolen")).unwrap();
    symlink(
        outside.join("src/lib.rs"),
        h.checkout().join("src/stolen.rs"),
    )
    .unwrap();
    // A target whose path leads out.
    h.write(
        "crates/inner/Cargo.toml",
        "[package]\nname = \"inner\"\nversion = \"0.1.0\"\n[lib]\npath = \"../../../sibling/src/lib.rs\"\n\
         [[bin]]\nname = \"x\"\npath = \"/etc/hostname\"\n",
    );
    for (name, out, err) in h.assert_safe(&[]) {
        // Every finding is in the checkout's own `src/main.rs`.
        let places: Vec<String> = if name == "ci" {
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            v["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].to_string()
                })
                .collect()
        } else {
            out.lines().map(str::to_string).collect()
        };
        assert!(!places.is_empty(), "{name}: {out}");
        for p in &places {
            assert!(p.contains("src/main.rs"), "{name}: {p}");
        }
        assert!(
            !out.contains("sibling") && !out.contains("stolen"),
            "{name}: {out}"
        );
        assert!(
            err.contains("`../*`") && err.contains("outside the workspace root"),
            "{name}: {err}"
        );
    }
}

#[test]
fn vendored_crates_are_not_the_projects_code() {
    let h = Hostile::new();
    h.write(
        "vendor/evil/Cargo.toml",
        "[package]\nname = \"evil\"\nversion = \"1.0.0\"\n",
    );
    h.write("vendor/evil/.cargo-checksum.json", "{\"files\":{}}");
    h.write("vendor/evil/src/lib.rs", OUTSIDE);
    h.write("src/third_party/.cargo-checksum.json", "{\"files\":{}}");
    h.write("src/third_party/lib.rs", OUTSIDE);
    // A module named `vendor` is the project's code.
    h.write("src/vendor/mod.rs", "pub fn list() {}\n");
    for (name, out, _) in h.assert_safe(&[]) {
        assert!(
            !out.contains("vendor/evil") && !out.contains("third_party"),
            "{name}: {out}"
        );
    }
    // Without any Cargo.toml, the directory walk skips them too.
    std::fs::remove_file(h.checkout().join("Cargo.toml")).unwrap();
    let mut c = Command::cargo_bin("backlint").unwrap();
    h.env(&mut c);
    let o = c.args(["--format", "concise", RULES]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(MAIN_FINDING), "{out}");
    assert!(
        !out.contains("vendor/evil") && !out.contains("third_party"),
        "{out}"
    );
    // Named on the command line, a vendored tree is walked: the user asked for it.
    let mut c = Command::cargo_bin("backlint").unwrap();
    h.env(&mut c);
    let o = c
        .args(["--format", "concise", RULES, "vendor"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("vendor/evil/src/lib.rs"), "{out}");
}

/// `git` in `dir` with the test's own global configuration.
fn git(h: &Hostile, global: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .current_dir(h.checkout())
        .args(args)
        .env("GIT_CONFIG_GLOBAL", global)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git is installed");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn diff_base_runs_no_driver_or_filter_the_checkout_names() {
    let h = Hostile::new();
    let driver = h.base().join("driver.sh");
    h.script_at(&driver);
    let d = driver.display();
    let global = h.base().join("gitconfig");
    write_file(
        &global,
        &format!(
            "[diff \"evil\"]\n\tcommand = {d} command\n\ttextconv = {d} textconv\n\
             [filter \"evil\"]\n\tclean = {d} clean\n\tsmudge = {d} smudge\n\tprocess = {d} process\n\
             [merge \"evil\"]\n\tdriver = {d} merge\n[core]\n\tfsmonitor = {d}\n\tpager = {d}\n\
             [diff]\n\texternal = {d}\n[pager]\n\tdiff = {d}\n"
        ),
    );
    // The repository is set up with a harmless global configuration.
    let setup = h.base().join("setup-gitconfig");
    write_file(&setup, "");
    h.write("src/main.rs", "mod db;\nfn main() {}\n");
    git(&h, &setup, &["init", "-q"]);
    git(&h, &setup, &["add", "."]);
    git(&h, &setup, &["commit", "-qm", "base"]);
    git(&h, &setup, &["branch", "base"]);
    // The pull request: the finding, and attributes naming the drivers for every file.
    h.write(".gitattributes", "* diff=evil filter=evil merge=evil\n");
    h.write("src/main.rs", MAIN);
    git(&h, &setup, &["add", "."]);
    git(&h, &setup, &["commit", "-qm", "pr"]);
    // And an uncommitted change on top, which git must read (and would filter).
    let mut changed = MAIN.to_string();
    changed.push_str("// edited\n");
    h.write("src/main.rs", &changed);
    let sarif = h.base().join("diff.sarif");
    let sarif_arg = sarif.display().to_string();
    for (bin, pre) in [
        ("backlint", vec!["--format", "concise"]),
        ("cargo-backlint", vec!["backlint", "--format", "concise"]),
        (
            "backlint",
            vec!["--format", "sarif", "--output", &sarif_arg],
        ),
    ] {
        let mut c = Command::cargo_bin(bin).unwrap();
        h.env(&mut c);
        let o = c
            .env("GIT_CONFIG_GLOBAL", &global)
            .args(&pre)
            .args([RULES, "--diff-base", "base"])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{bin} {pre:?}: {out}\n{err}");
        let out = if pre.contains(&"sarif") {
            std::fs::read_to_string(&sarif).unwrap()
        } else {
            out
        };
        assert!(
            out.contains(MAIN_FINDING) || out.contains("\"startLine\": 5"),
            "{bin} {pre:?}: {out}\n{err}"
        );
        assert!(
            !h.marker().exists(),
            "git ran a program the checkout named: {}",
            std::fs::read_to_string(h.marker()).unwrap_or_default()
        );
    }
}

/// The escapes fixture: line 6 holds ESC, BEL, a bidi override and a workflow command.
fn escapes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/untrusted/escapes.rs")
}

fn render(args: &[&str]) -> String {
    let o = Command::cargo_bin("backlint")
        .unwrap()
        .current_dir(escapes().parent().unwrap())
        .args(["escapes.rs", "--color", "never", RULES])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    String::from_utf8(o.stdout).unwrap()
}

/// No control character but line feeds (and none of the bidi controls) in `s`.
fn assert_inert(what: &str, s: &str) {
    for c in s.chars() {
        let bad = (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(!bad, "{what}: {c:?} in {s:?}");
    }
}

#[test]
fn human_and_concise_show_escapes_visibly() {
    let human = render(&[]);
    assert_inert("human", &human);
    // The snippet and the message: control pictures and `�`.
    assert!(
        human.contains(
            "sqlx::query(&format!(\"SELECT ␛[2J {}\", name.replace(\"␛]0;owned␇�%0A\", \""
        ),
        "{human}"
    );
    assert!(
        human.contains("from `name.replace(\"␛]0;owned␇�%0A\", \" ::error::injected\")`"),
        "{human}"
    );
    // The carets still start under the call (column 17 of line 6).
    assert!(human.contains("6 │       sqlx::query"), "{human}");
    assert!(human.contains("  │ ╭─────────────────^"), "{human}");
    let concise = render(&["--format", "concise"]);
    assert_inert("concise", &concise);
    assert!(concise.starts_with("escapes.rs:6:17: BL101"), "{concise}");
    assert!(concise.contains("␛]0;owned␇�"), "{concise}");
}

#[test]
fn json_renders_escaped_text_and_keeps_data() {
    let out = render(&["--message-format", "json"]);
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let rendered = first["message"]["rendered"].as_str().unwrap();
    assert_inert("rendered", rendered);
    assert!(rendered.contains("␛[2J"), "{rendered}");
    // The message and spans are data: the raw text, JSON-escaped; columns unchanged.
    let message = first["message"]["message"].as_str().unwrap();
    assert!(message.contains("\u{1b}]0;owned\u{7}\u{202e}"), "{message}");
    let span = &first["message"]["spans"][0];
    assert_eq!(
        (span["line_start"].as_u64(), span["column_start"].as_u64()),
        (Some(6), Some(17))
    );
    let plain = render(&["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(
        (v[0]["line"].as_u64(), v[0]["column"].as_u64()),
        (Some(6), Some(17))
    );
}

#[test]
fn github_commands_cannot_be_injected() {
    let out = render(&["--format", "github"]);
    assert_inert("github", &out);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(
        lines[0].starts_with("::error file=escapes.rs,line=6,"),
        "{out}"
    );
    // `%` escaped (so `%0A` stays text), controls visible, nothing starting a new command.
    assert!(lines[0].contains("␛]0;owned␇�%250A"), "{out}");
    assert!(!out.contains("\n::error::injected"), "{out}");
}

#[test]
fn file_names_with_escapes_are_shown_escaped() {
    let d = tempfile::tempdir().unwrap();
    let name = "a\u{1b}[2J,b:c\u{202e}.rs";
    write_file(&d.path().join(name), MAIN);
    for format in ["human", "concise", "github"] {
        let o = Command::cargo_bin("backlint")
            .unwrap()
            .current_dir(d.path())
            .args(["--format", format, "--color", "never", RULES, "."])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1));
        let out = String::from_utf8(o.stdout).unwrap();
        assert_inert(format, &out);
        assert!(out.contains("a␛[2J"), "{format}: {out}");
        if format == "github" {
            assert!(out.contains("file=a␛[2J%2Cb%3Ac�.rs,line=5,"), "{out}");
        }
    }
}
