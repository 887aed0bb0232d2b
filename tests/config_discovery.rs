//! Where a run finds its configuration: upward from the root of each input's cargo
//! workspace (`backlint.toml`, `.backlint.toml`, `[workspace.metadata.backlint]`),
//! `--config FILE` for everything, `--isolated` for none; and `backlint init`.

mod common;
use common::write;

use assert_cmd::Command;
use common::copy_tree;
use predicates::prelude::*;
use std::path::Path;

/// The binary in `dir`, concise, with nothing selected beyond the configuration.
fn bare(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("backlint").unwrap();
    c.current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["--format", "concise"])
        .write_stdin("");
    c
}

/// [`bare`] with the rules the tests rely on added to the configured selection: they
/// are preview rules (none of them has met the promotion bar yet), off by default; exact codes
/// select them.
fn backlint(dir: &Path) -> Command {
    let mut c = bare(dir);
    c.arg("--extend-select=BL101,BL201,BL401,BL502,BL601");
    c
}

const BAD: &str = "use sqlx::PgPool;\n\
pub async fn f(pool: &PgPool, name: &str) {\n    \
let q = format!(\"SELECT * FROM users WHERE name = '{name}'\");\n    \
sqlx::query(&q).fetch_all(pool).await;\n}\n";

fn package(dir: &Path, name: &str) {
    write(
        dir,
        "Cargo.toml",
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
    );
    write(dir, "src/lib.rs", BAD);
}

/// A repository holding two independent workspaces: `billing` (virtual, configured to
/// ignore BL101 in its root) and `search` (a single package, not configured).
fn monorepo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let billing = d.path().join("billing");
    write(
        &billing,
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\n",
    );
    write(&billing, "backlint.toml", "ignore = [\"BL101\"]\n");
    package(&billing.join("crates/invoices"), "invoices");
    // A member's own file is not the workspace's configuration.
    write(
        &billing.join("crates/invoices"),
        "backlint.toml",
        "select = [\"BL999\"]\n",
    );
    package(&d.path().join("search"), "search");
    d
}

#[test]
fn each_workspace_uses_the_configuration_above_its_root() {
    let d = monorepo();
    // From a member directory: the workspace root's configuration, as from the root.
    backlint(&d.path().join("billing/crates/invoices"))
        .assert()
        .code(0)
        .stdout("");
    backlint(&d.path().join("billing")).assert().code(0);
    // Files of both workspaces in one run (a pre-commit run in the repository root):
    // each file gets its own workspace's configuration.
    backlint(d.path())
        .args(["billing/crates/invoices/src/lib.rs", "search/src/lib.rs"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::starts_with("search/src/lib.rs:4:17: BL101")
                .and(predicate::str::contains("billing/").not()),
        );
    // A configuration above both workspaces serves both.
    write(d.path(), "backlint.toml", "ignore = [\"BL101\"]\n");
    backlint(d.path())
        .args(["search/src/lib.rs"])
        .assert()
        .code(0);
}

#[test]
fn config_flag_applies_to_every_input_and_isolated_to_none() {
    let d = monorepo();
    write(
        d.path(),
        "strict.toml",
        "select = [\"BL1\"]\npreview = true\n",
    );
    bare(d.path())
        .args(["--config", "strict.toml", "billing", "search"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("billing/crates/invoices/src/lib.rs:4:17: BL101")
                .and(predicate::str::contains("search/src/lib.rs:4:17: BL101")),
        );
    backlint(&d.path().join("billing"))
        .arg("--isolated")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "crates/invoices/src/lib.rs:4:17: BL101",
        ));
    backlint(d.path())
        .args(["--config", "missing.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.toml"));
    backlint(d.path())
        .args(["--config", "strict.toml", "--isolated"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

#[test]
fn broken_configuration_of_one_workspace_names_its_file() {
    let d = monorepo();
    write(
        &d.path().join("search"),
        "backlint.toml",
        "selct = [\"BL1\"]\n",
    );
    backlint(d.path())
        .args(["billing/crates/invoices/src/lib.rs", "search/src/lib.rs"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("search/backlint.toml").and(predicate::str::contains("selct")),
        );
}

/// `path:line:col CODE` of each concise line.
fn locations(out: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| l.split(" [").next().unwrap().to_string())
        .collect()
}

#[test]
fn init_writes_the_inferred_layers_as_a_configuration_with_the_same_findings() {
    let d = tempfile::tempdir().unwrap();
    let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects/shop");
    copy_tree(&shop, d.path());
    let inferred = bare(d.path()).args(["--select", "BL401"]).output().unwrap();
    assert_eq!(locations(&inferred.stdout).len(), 10);

    // From a subdirectory: the file goes to the workspace root.
    Command::cargo_bin("backlint")
        .unwrap()
        .current_dir(d.path().join("src/handlers"))
        .arg("init")
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "with the inferred layers web → service → persistence",
        ));
    let text = std::fs::read_to_string(d.path().join("backlint.toml")).unwrap();
    for line in [
        "[[layers]]\nname = \"web\"\nmodules = [\"crate::handlers\"]\nallow-crates = [\"axum\"]",
        "name = \"service\"\nmodules = [\"crate::services\"]\nallow-crates = [\"axum\", \"sqlx\"]",
        "name = \"persistence\"\nmodules = [\"crate::repositories\"]\nmay-use = [\"service\"]",
        "mode = \"strict\"",
        "# select = [",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    // The written configuration is valid and reports what the inference reported.
    let configured = bare(d.path()).args(["--select", "BL401"]).output().unwrap();
    assert_eq!(configured.status.code(), Some(1));
    assert!(
        configured.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&configured.stderr)
    );
    assert_eq!(locations(&configured.stdout), locations(&inferred.stdout));
    assert!(String::from_utf8_lossy(&configured.stdout).contains("(layer web)"));

    // An existing file is kept unless --force; --stdout writes nothing.
    let before = std::fs::read_to_string(d.path().join("backlint.toml")).unwrap();
    Command::cargo_bin("backlint")
        .unwrap()
        .current_dir(d.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "already exists; `backlint init --force`",
        ));
    Command::cargo_bin("backlint")
        .unwrap()
        .current_dir(d.path())
        .args(["init", "--stdout"])
        .assert()
        .code(0)
        .stdout(before.clone());
    Command::cargo_bin("backlint")
        .unwrap()
        .current_dir(d.path())
        .args(["init", "--force"])
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(d.path().join("backlint.toml")).unwrap(),
        before
    );
}

#[test]
fn init_without_layers_writes_a_commented_example_that_is_valid() {
    let d = tempfile::tempdir().unwrap();
    package(d.path(), "reports");
    Command::cargo_bin("backlint")
        .unwrap()
        .current_dir(d.path())
        .arg("init")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("no layers inferred"));
    let text = std::fs::read_to_string(d.path().join("backlint.toml")).unwrap();
    assert!(text.contains("# [[layers]]\n# name = \"web\""), "{text}");
    assert!(
        text.lines().all(|l| l.is_empty() || l.starts_with('#')),
        "{text}"
    );
    backlint(d.path())
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("src/lib.rs:4:17: BL101"));
    Command::cargo_bin("backlint")
        .unwrap()
        .current_dir(d.path())
        .args(["init", "nowhere"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a directory"));
}
