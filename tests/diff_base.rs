//! `--diff-base REV` end to end, against real git repositories in temporary directories:
//! only findings on lines changed since the merge base of REV and HEAD are reported.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

/// The rules the tests rely on: preview rules (none of them has met the promotion bar yet), off
/// by default; exact codes select them.
const RULES: &str = "--extend-select=BL101,BL201,BL401,BL502,BL601";

/// BL101 at 4:17 (the `sqlx::query` call; the label is the `format!` on line 3).
const BAD: &str = "use sqlx::PgPool;\n\
async fn f(pool: &PgPool, name: &str) {\n    \
let q = format!(\"SELECT * FROM users WHERE name = '{name}'\");\n    \
sqlx::query(&q).fetch_all(pool).await;\n}\n";

/// Enough unflagged lines that a rename with a small edit is still detected as one.
const FILLER: &str = "\npub fn one() -> i32 {\n    1\n}\n\npub fn two() -> i32 {\n    2\n}\n\n\
pub fn three() -> i32 {\n    3\n}\n\npub fn four() -> i32 {\n    4\n}\n";

/// A second BL101, in a function of its own: flagged on its third line.
fn bad_fn(name: &str) -> String {
    format!(
        "\nasync fn {name}(pool: &sqlx::PgPool, n: &str) {{\n    \
let q = format!(\"SELECT * FROM t WHERE n = '{{n}}'\");\n    \
sqlx::query(&q).fetch_all(pool).await;\n}}\n"
    )
}

/// A stale suppression: BL002 at 2:8.
const MAIN: &str =
    "mod db;\nfn main() {\n    // backlint:allow(BL101): stale\n    let _x = 1;\n}\n";

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    fn write(&self, rel: &str, text: &str) {
        common::write(&self.root(), rel, text);
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root().join(rel)).unwrap()
    }

    fn git(&self, args: &[&str]) {
        let out = std::process::Command::new("git")
            .current_dir(self.root())
            .args(args)
            .envs(git_env(self.dir.path()))
            .output()
            .expect("git is installed");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// `backlint ARGS` (`--format concise` unless ARGS name one) in `rel` below the
    /// repository.
    fn backlint_in(&self, rel: &str, args: &[&str]) -> assert_cmd::assert::Assert {
        let mut c = Command::cargo_bin("backlint").unwrap();
        c.current_dir(self.root().join(rel))
            .envs(git_env(self.dir.path()))
            .env("NO_COLOR", "1")
            .arg(RULES);
        if !args.contains(&"--format") {
            c.args(["--format", "concise"]);
        }
        c.args(args).write_stdin("").assert()
    }

    fn backlint(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.backlint_in("", args)
    }
}

/// A git with no configuration but the repository's own, on any machine.
fn git_env(dir: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("GIT_AUTHOR_NAME", "Test".into()),
        ("GIT_AUTHOR_EMAIL", "test@example.com".into()),
        ("GIT_COMMITTER_NAME", "Test".into()),
        ("GIT_COMMITTER_EMAIL", "test@example.com".into()),
        ("GIT_CONFIG_NOSYSTEM", "1".into()),
        (
            "GIT_CONFIG_GLOBAL",
            dir.join("no-such-gitconfig").display().to_string(),
        ),
        ("GIT_CEILING_DIRECTORIES", dir.display().to_string()),
    ]
}

/// A crate with one BL101 (src/db.rs:4:17) and one BL002 (src/main.rs:3:8), committed
/// on `main`.
fn project() -> Project {
    let p = Project {
        dir: tempfile::tempdir().unwrap(),
    };
    p.write(
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    p.write(".gitignore", "/target\n");
    p.write("src/main.rs", MAIN);
    p.write("src/db.rs", &format!("{BAD}{FILLER}"));
    p.git(&["-c", "init.defaultBranch=main", "init", "-q"]);
    p.commit("initial");
    p.backlint(&[])
        .code(1)
        .stdout(predicate::str::contains("src/db.rs:4:17: BL101"))
        .stdout(predicate::str::contains("src/main.rs:3:8: BL002"));
    p
}

#[test]
fn unchanged_tree_reports_nothing() {
    let p = project();
    for rev in ["main", "HEAD"] {
        p.backlint(&["--diff-base", rev])
            .code(0)
            .stdout(predicate::str::contains("BL").not());
    }
    p.backlint(&["--diff-base", "HEAD", "--statistics"])
        .code(0)
        .stdout(predicate::str::contains("BL101").not());
    // As a cargo subcommand too.
    Command::cargo_bin("cargo-backlint")
        .unwrap()
        .current_dir(p.root())
        .envs(git_env(p.dir.path()))
        .args([
            "backlint",
            RULES,
            "--diff-base",
            "main",
            "--format",
            "concise",
        ])
        .write_stdin("")
        .assert()
        .code(0);
}

#[test]
fn only_a_finding_in_a_new_hunk_is_reported() {
    let p = project();
    let db = format!("{BAD}{FILLER}{}", bad_fn("g"));
    p.write("src/db.rs", &db);
    let line = db.lines().count() - 1;
    p.backlint(&["--diff-base", "main"])
        .code(1)
        .stdout(predicate::str::contains(format!(
            "src/db.rs:{line}:17: BL101"
        )))
        .stdout(predicate::str::contains("src/db.rs:4:17").not())
        .stdout(predicate::str::contains("BL002").not());
    // Statistics and the other formats count the filtered findings.
    p.backlint(&["--diff-base", "main", "--statistics"])
        .code(1)
        .stdout(predicate::str::contains("1  BL101"));
    let out = p
        .backlint(&["--diff-base", "main", "--format", "json"])
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["line"], line);
    // Staged and committed changes count the same.
    p.git(&["add", "src/db.rs"]);
    p.backlint(&["--diff-base", "main"]).code(1);
    p.git(&["checkout", "-q", "-b", "feature"]);
    p.commit("g");
    p.backlint(&["--diff-base", "main"])
        .code(1)
        .stdout(predicate::str::contains(format!(
            "src/db.rs:{line}:17: BL101"
        )));
    p.backlint(&["--diff-base", "HEAD"]).code(0);
}

#[test]
fn editing_the_flagged_line_reports_the_old_finding() {
    let p = project();
    let edited = p
        .read("src/db.rs")
        .replace("sqlx::query(&q)", "sqlx::query(q.as_str())");
    p.write("src/db.rs", &edited);
    p.backlint(&["--diff-base", "main"])
        .code(1)
        .stdout(predicate::str::contains("src/db.rs:4:17: BL101"));
    // Editing only the labelled line (the `format!`) leaves the primary span unchanged.
    let labelled = p
        .read("src/db.rs")
        .replace("sqlx::query(q.as_str())", "sqlx::query(&q)");
    p.write("src/db.rs", &labelled.replace("FROM users", "FROM people"));
    p.backlint(&["--diff-base", "main"]).code(0);
}

#[test]
fn lines_inserted_above_the_old_finding_do_not_report_it() {
    let p = project();
    p.write(
        "src/db.rs",
        &format!("// moved down\n\n{}", p.read("src/db.rs")),
    );
    p.write(
        "src/main.rs",
        &MAIN.replace("mod db;\n", "mod db;\n// a comment\n"),
    );
    p.backlint(&[])
        .stdout(predicate::str::contains("src/db.rs:6:17: BL101"));
    p.backlint(&["--diff-base", "main"])
        .code(0)
        .stdout(predicate::str::contains("BL").not());
    // Deleting lines around it neither.
    p.write("src/db.rs", BAD);
    p.backlint(&["--diff-base", "main"]).code(0);
}

#[test]
fn unused_allows_follow_the_same_rule() {
    let p = project();
    p.write(
        "src/main.rs",
        &format!("{MAIN}fn h() {{\n    // backlint:allow(BL201): stale too\n    let _y = 2;\n}}\n"),
    );
    p.backlint(&["--diff-base", "main"])
        .code(1)
        .stdout(predicate::str::contains("src/main.rs:7:8: BL002"))
        .stdout(predicate::str::contains("src/main.rs:3:8").not());
}

#[test]
fn untracked_files_count_as_changed_and_ignored_ones_do_not() {
    let p = project();
    p.write("src/extra.rs", BAD);
    p.write("src/nested/deep.rs", BAD);
    p.backlint(&["--diff-base", "main"])
        .code(1)
        .stdout(predicate::str::contains("src/extra.rs:4:17: BL101"))
        .stdout(predicate::str::contains("src/nested/deep.rs:4:17: BL101"))
        .stdout(predicate::str::contains("src/db.rs").not());
    // Ignored by git (and so not analyzed either way): never reported.
    p.write(".gitignore", "/target\n/src/nested\n");
    p.backlint(&["--diff-base", "main"])
        .code(1)
        .stdout(predicate::str::contains("src/nested").not());
}

#[test]
fn runs_from_a_subdirectory_and_through_a_symlink() {
    let p = project();
    p.write("src/extra.rs", BAD);
    let db = format!("{}{}", p.read("src/db.rs"), bad_fn("g"));
    p.write("src/db.rs", &db);
    let line = db.lines().count() - 1;
    p.backlint_in("src", &["--diff-base", "main"])
        .code(1)
        .stdout(predicate::str::contains(format!("db.rs:{line}:17: BL101")))
        .stdout(predicate::str::contains("extra.rs:4:17: BL101"))
        .stdout(predicate::str::contains("db.rs:4:17").not());
    #[cfg(unix)]
    {
        let link = p.dir.path().join("link");
        std::os::unix::fs::symlink(p.root(), &link).unwrap();
        Command::cargo_bin("backlint")
            .unwrap()
            .current_dir(link.join("src"))
            .envs(git_env(p.dir.path()))
            .args([RULES, "--format", "concise", "--diff-base", "main"])
            .write_stdin("")
            .assert()
            .code(1)
            .stdout(predicate::str::contains(format!("db.rs:{line}:17: BL101")))
            .stdout(predicate::str::contains("db.rs:4:17").not());
    }
}

#[test]
fn renamed_files_report_only_their_changed_lines() {
    let p = project();
    p.git(&["mv", "src/db.rs", "src/store.rs"]);
    p.write("src/main.rs", &MAIN.replace("mod db;", "mod store;"));
    let store = format!("{}{}", p.read("src/store.rs"), bad_fn("g"));
    p.write("src/store.rs", &store);
    let line = store.lines().count() - 1;
    p.backlint(&["--diff-base", "main"])
        .code(1)
        .stdout(predicate::str::contains(format!(
            "src/store.rs:{line}:17: BL101"
        )))
        .stdout(predicate::str::contains("src/store.rs:4:17").not());
}

#[test]
#[cfg(unix)]
fn names_with_spaces_quotes_and_accents_despite_the_repositorys_config() {
    let p = project();
    for name in ["src/odd name.rs", "src/q\"uote.rs", "src/café.rs"] {
        p.write(name, FILLER);
    }
    p.commit("odd names");
    // Settings that change what `git diff` prints, in the repository's own config.
    for (key, value) in [
        ("diff.noprefix", "true"),
        ("diff.mnemonicPrefix", "true"),
        ("color.ui", "always"),
        ("core.quotepath", "true"),
        ("diff.relative", "true"),
    ] {
        p.git(&["config", key, value]);
    }
    for name in ["src/odd name.rs", "src/q\"uote.rs", "src/café.rs"] {
        p.write(name, &format!("{BAD}{FILLER}"));
    }
    p.backlint(&["--diff-base", "main"])
        .code(1)
        .stdout(predicate::str::contains("src/odd name.rs:4:17: BL101"))
        .stdout(predicate::str::contains("src/q\"uote.rs:4:17: BL101"))
        .stdout(predicate::str::contains("src/café.rs:4:17: BL101"))
        .stdout(predicate::str::contains("src/db.rs").not());
    p.backlint_in("src", &["--diff-base", "main"])
        .code(1)
        .stdout(predicate::str::contains("odd name.rs:4:17: BL101"));
}

#[test]
fn changes_on_the_base_after_the_branch_left_it_do_not_count() {
    let p = project();
    p.git(&["checkout", "-q", "-b", "feature"]);
    p.write("src/extra.rs", BAD);
    p.commit("feature work");
    // `main` moves on: it edits the flagged line.
    p.git(&["checkout", "-q", "main"]);
    let edited = p
        .read("src/db.rs")
        .replace("sqlx::query(&q)", "sqlx::query(q.as_str())");
    p.write("src/db.rs", &edited);
    p.commit("main moves on");
    p.git(&["checkout", "-q", "feature"]);
    // `git diff main` would show src/db.rs:4 as changed; the merge base does not.
    p.backlint(&["--diff-base", "main"])
        .code(1)
        .stdout(predicate::str::contains("src/extra.rs:4:17: BL101"))
        .stdout(predicate::str::contains("src/db.rs").not());
}

#[test]
fn a_bad_revision_exits_2_naming_it() {
    let p = project();
    p.backlint(&["--diff-base", "no-such-branch"])
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("`no-such-branch`")
                .and(predicate::str::contains("fatal:"))
                .and(predicate::str::contains("panicked").not()),
        );
    p.backlint(&["--diff-base=-p"])
        .code(2)
        .stderr(predicate::str::contains("`-p` is not a revision"));
    // Unrelated history: no merge base.
    p.git(&["checkout", "-q", "--orphan", "other"]);
    p.commit("unrelated");
    p.backlint(&["--diff-base", "main"])
        .code(2)
        .stderr(predicate::str::contains(
            "`main` and HEAD have no common ancestor",
        ));
}

#[test]
fn outside_a_repository_or_without_git_exits_2() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.rs"), BAD).unwrap();
    let run = || {
        let mut c = Command::cargo_bin("backlint").unwrap();
        c.current_dir(d.path())
            .envs(git_env(d.path()))
            .args(["--diff-base", "main"])
            .write_stdin("");
        c
    };
    run().assert().code(2).stderr(
        predicate::str::contains("is not in a git work tree")
            .and(predicate::str::contains("not a git repository")),
    );
    let empty = tempfile::tempdir().unwrap();
    run()
        .env("PATH", empty.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--diff-base needs git, which could not be run",
        ));
}

#[test]
fn diff_base_conflicts_with_writing_a_baseline() {
    let p = project();
    p.backlint(&["--diff-base", "main", "--write-baseline", "b.json"])
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
    // With a baseline: the baseline first, then the diff.
    p.backlint(&["--write-baseline", "b.json"]).code(0);
    p.write("src/extra.rs", BAD);
    p.backlint(&["--baseline", "b.json", "--diff-base", "main"])
        .code(1)
        .stdout(predicate::str::contains("src/extra.rs:4:17: BL101"));
}
