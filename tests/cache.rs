//! The incremental cache (`src/cache.rs`): a run with the cache prints what a run
//! without it prints, in every format and for any `--jobs`; it reuses what did not
//! change and judges again what did (a file whose neighbour changed included); a damaged,
//! foreign or planted cache is ignored; a cache directory that cannot be written only
//! costs speed; two runs at once leave a valid cache; `backlint clean` removes it.

mod common;

use assert_cmd::Command;
use common::copy_tree;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the sample project, a cache directory and a key file of its own.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("shop");
        std::fs::create_dir_all(&project).unwrap();
        copy_tree(&repo().join("fixtures/projects/shop"), &project);
        let _ = std::fs::remove_dir_all(project.join("target"));
        // Sources last modified an hour ago, as a checkout's usually are: the cache then
        // knows them by size and modification time without reading them.
        age(&project);
        Sandbox { dir }
    }

    fn project(&self) -> PathBuf {
        self.dir.path().join("shop")
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    fn key(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("key-{name}"))
    }

    /// backlint on the project with the preview rules, with the cache in `cache()` and
    /// the key `key`, plus `args`: (stdout, "N reused, M analysed").
    fn run_with(&self, key: &str, args: &[&str]) -> (String, String) {
        let (out, err) = self.run_full(key, args);
        (
            out,
            stat(&err, "cache: ").unwrap_or_else(|| "no cache".into()),
        )
    }

    /// The same: (stdout, standard error).
    fn run_full(&self, key: &str, args: &[&str]) -> (String, String) {
        let out = Command::cargo_bin("backlint")
            .unwrap()
            .current_dir(self.project())
            .env("NO_COLOR", "1")
            .env("BACKLINT_CACHE_KEY", self.key(key))
            .env("BACKLINT_CACHE_STATS", "1")
            .env_remove("BACKLINT_CACHE_DIR")
            .args(["--preview", "--exit-zero"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// A run with the cache in `cache()`: (stdout, "N reused, M analysed", "N reused, M
    /// made" of the project pass's stored results).
    fn run_project(&self, args: &[&str]) -> (String, String, String) {
        let dir = self.cache();
        let mut all = vec!["--cache-dir", dir.to_str().unwrap()];
        all.extend_from_slice(args);
        let (out, err) = self.run_full("a", &all);
        let files = stat(&err, "cache: ").unwrap_or_default();
        let project = stat(&err, "cache-project: ").unwrap_or_default();
        (out, files, project)
    }

    fn run(&self, args: &[&str]) -> (String, String) {
        let dir = self.cache();
        let dir = dir.to_str().unwrap();
        let mut all = vec!["--cache-dir", dir];
        all.extend_from_slice(args);
        self.run_with("a", &all)
    }

    fn fresh(&self, args: &[&str]) -> String {
        let mut all = vec!["--no-cache"];
        all.extend_from_slice(args);
        self.run_with("a", &all).0
    }
}

/// The rest of the first line of `err` starting with `prefix`.
fn stat(err: &str, prefix: &str) -> Option<String> {
    err.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .map(str::to_string)
}

fn age(dir: &Path) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            age(&p);
        } else {
            let f = std::fs::File::options().write(true).open(&p).unwrap();
            f.set_modified(then).unwrap();
        }
    }
}

const FORMATS: &[&str] = &["human", "concise", "json", "sarif", "github"];

#[test]
fn a_warm_run_prints_what_a_run_without_the_cache_prints() {
    let s = Sandbox::new();
    let (_, first) = s.run(&["--format", "json"]);
    assert!(first.starts_with("0 reused"), "{first}");
    for format in FORMATS {
        for jobs in ["1", "2"] {
            let args = ["--format", format, "-j", jobs];
            let (warm, stats) = s.run(&args);
            assert!(stats.ends_with(" 0 analysed"), "{format} -j{jobs}: {stats}");
            assert_eq!(warm, s.fresh(&args), "{format} -j{jobs}");
        }
    }
    let args = ["--message-format", "json"];
    assert_eq!(s.run(&args).0, s.fresh(&args));
}

#[test]
fn an_edited_file_and_the_files_it_affects_are_judged_again() {
    let s = Sandbox::new();
    let before = s.run(&["--format", "concise"]).0;
    assert!(before.contains("BL201"), "{before}");
    // `NewUser`'s password is printed by its derived `Debug` in services/users.rs: a
    // hand-written `Debug` in models.rs removes that finding from the unchanged file.
    let models = s.project().join("src/models.rs");
    let mut text = std::fs::read_to_string(&models).unwrap();
    text.push_str(
        "\nimpl std::fmt::Debug for NewUser {\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\n        f.write_str(\"NewUser\")\n    }\n}\n",
    );
    std::fs::write(&models, text).unwrap();
    let (after, stats) = s.run(&["--format", "concise"]);
    assert_eq!(stats, "10 reused, 1 analysed");
    assert!(!after.contains("BL201"), "{after}");
    assert_eq!(after, s.fresh(&["--format", "concise"]));
}

/// The cache file: magic, signature, the head's length, the head (signed: every entry's
/// keys and the digest of its output), then the body (the outputs). Where the body
/// starts.
fn body_start(bytes: &[u8]) -> usize {
    48 + u64::from_le_bytes(bytes[40..48].try_into().unwrap()) as usize
}

#[test]
fn a_damaged_cache_is_ignored_and_rewritten() {
    let s = Sandbox::new();
    let expected = s.fresh(&["--format", "json"]);
    s.run(&["--format", "json"]);
    let file = s.cache().join("files.v1.bin");
    let bytes = std::fs::read(&file).unwrap();
    let flip = |at: usize| {
        let mut b = bytes.clone();
        b[at] ^= 0xff;
        b
    };
    for damaged in [
        bytes[..bytes.len() / 2].to_vec(),
        bytes[..bytes.len() - 1].to_vec(),
        b"garbage".to_vec(),
        Vec::new(),
        // In the head.
        flip(body_start(&bytes) - 1),
        flip(20),
    ] {
        std::fs::write(&file, &damaged).unwrap();
        let (out, stats) = s.run(&["--format", "json"]);
        assert_eq!(out, expected);
        assert!(stats.starts_with("0 reused"), "{stats}");
        // Rewritten: the next run reuses everything.
        let (out, stats) = s.run(&["--format", "json"]);
        assert_eq!(out, expected);
        assert!(stats.ends_with(" 0 analysed"), "{stats}");
    }
    // In the body: a damaged output does not match its signed digest. It is not used
    // (its file is analysed again when its result is needed) and it is dropped when the
    // cache is next written.
    for at in [body_start(&bytes), bytes.len() - 1] {
        std::fs::write(&file, flip(at)).unwrap();
        for edit in 0..2 {
            // A file edited: a result that is needed, or a cache to write.
            let models = s.project().join("src/models.rs");
            let text = std::fs::read_to_string(&models).unwrap();
            std::fs::write(
                &models,
                format!("{text}\npub fn extra_{at}_{edit}(a: &str) {{ println!(\"{{a}}\"); }}\n"),
            )
            .unwrap();
            let (out, _) = s.run(&["--format", "json"]);
            assert_eq!(out, s.fresh(&["--format", "json"]), "byte {at}");
        }
        let (out, stats) = s.run(&["--format", "json"]);
        assert_eq!(out, s.fresh(&["--format", "json"]), "byte {at}");
        assert_eq!(stats, "11 reused, 0 analysed", "byte {at}");
    }
}

#[test]
fn a_cache_made_without_this_machines_key_is_not_trusted() {
    let s = Sandbox::new();
    let dir = s.cache();
    let dir = dir.to_str().unwrap();
    s.run_with("a", &["--cache-dir", dir]);
    // Another key: a cache committed to a checkout, or written by someone else. (The
    // run rewrites it with key b.)
    let (_, stats) = s.run_with("b", &["--cache-dir", dir]);
    assert!(stats.starts_with("0 reused"), "{stats}");
    // The default place in a checkout: target/backlint, planted with key b's valid
    // cache, is not trusted by a run with key a either.
    let planted = s.project().join("target/backlint");
    std::fs::create_dir_all(&planted).unwrap();
    std::fs::copy(s.cache().join("files.v1.bin"), planted.join("files.v1.bin")).unwrap();
    let (_, stats) = s.run_with("a", &[]);
    assert!(stats.starts_with("0 reused"), "{stats}");
}

#[test]
fn a_cache_directory_that_cannot_be_written_only_costs_speed() {
    let s = Sandbox::new();
    let expected = s.fresh(&["--format", "json"]);
    // A regular file where the directory would be: it cannot be created.
    let blocked = s.dir.path().join("blocked");
    std::fs::write(&blocked, "not a directory").unwrap();
    let blocked = blocked.join("cache");
    for _ in 0..2 {
        let (out, stats) = s.run_with(
            "a",
            &["--format", "json", "--cache-dir", blocked.to_str().unwrap()],
        );
        assert_eq!(out, expected);
        assert!(stats.starts_with("0 reused"), "{stats}");
    }
}

#[test]
fn a_deleted_file_leaves_the_cache() {
    let s = Sandbox::new();
    s.run(&[]);
    let file = s.cache().join("files.v1.bin");
    // Entries are stored under the file's absolute path (findings name it relative).
    let deleted = s.project().join("src/repositories/orders.rs");
    let path = std::fs::canonicalize(&deleted).unwrap();
    let stored = |p: &Path| {
        let bytes = std::fs::read(&file).unwrap();
        let p = p.to_str().unwrap().as_bytes();
        bytes.windows(p.len()).any(|w| w == p)
    };
    assert!(stored(&path));
    std::fs::remove_file(&deleted).unwrap();
    let (_, stats) = s.run(&[]);
    assert_eq!(stats, "10 reused, 0 analysed");
    assert!(
        !stored(&path),
        "the entry of the deleted file is still stored"
    );
}

#[test]
fn two_runs_at_once_leave_a_valid_cache() {
    let s = Sandbox::new();
    let expected = s.fresh(&["--format", "json"]);
    let bin = assert_cmd::cargo::cargo_bin("backlint");
    for _ in 0..3 {
        let _ = std::fs::remove_dir_all(s.cache());
        let children: Vec<_> = (0..4)
            .map(|_| {
                std::process::Command::new(&bin)
                    .current_dir(s.project())
                    .env("BACKLINT_CACHE_KEY", s.key("a"))
                    .args([
                        "--preview",
                        "--exit-zero",
                        "--format",
                        "json",
                        "--cache-dir",
                    ])
                    .arg(s.cache())
                    .stdout(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
        }
        let (out, stats) = s.run(&["--format", "json"]);
        assert_eq!(out, expected);
        assert!(stats.ends_with(" 0 analysed"), "{stats}");
    }
}

#[test]
fn clean_removes_the_cache_directory() {
    let s = Sandbox::new();
    s.run_with("a", &[]);
    let dir = s.project().join("target/backlint");
    assert!(dir.join("files.v1.bin").is_file());
    assert!(std::fs::read_to_string(dir.join(".gitignore"))
        .unwrap()
        .contains('*'));
    Command::cargo_bin("backlint")
        .unwrap()
        .current_dir(s.project())
        .arg("clean")
        .assert()
        .success();
    assert!(!dir.exists());
    // A directory holding anything else is left alone.
    let other = s.dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    Command::cargo_bin("backlint")
        .unwrap()
        .current_dir(s.project())
        .args(["clean", "--cache-dir"])
        .arg(&other)
        .assert()
        .code(2);
    assert!(other.join("notes.txt").is_file());
}

/// A checkout cannot choose where backlint writes: a `target` (or `target/backlint`)
/// that is a symbolic link turns the default cache off.
#[cfg(unix)]
#[test]
fn a_symlinked_target_directory_is_not_written_through() {
    let s = Sandbox::new();
    let outside = s.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    for link in ["target", "target/backlint"] {
        let _ = std::fs::remove_dir_all(s.project().join("target"));
        let _ = std::fs::remove_file(s.project().join("target"));
        let at = s.project().join(link);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&outside, &at).unwrap();
        let (_, stats) = s.run_with("a", &[]);
        assert_eq!(stats, "no cache", "{link}");
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0, "{link}");
    }
}

/// A file touched (or checked out again) with the same contents is recognised by its
/// contents and reused; edited, it is analysed again.
#[test]
fn a_touched_file_is_reused_and_an_edited_one_is_not() {
    let s = Sandbox::new();
    s.run(&[]);
    let lib = s.project().join("src/main.rs");
    let text = std::fs::read(&lib).unwrap();
    std::fs::write(&lib, &text).unwrap();
    let (_, stats) = s.run(&[]);
    assert_eq!(stats, "11 reused, 0 analysed");
    let mut edited = text.clone();
    edited.extend_from_slice(b"\n// edited\n");
    std::fs::write(&lib, &edited).unwrap();
    let (_, stats) = s.run(&[]);
    assert_eq!(stats, "10 reused, 1 analysed");
}

/// With every file's result reused, the project pass's stored result is used too (the
/// files' results are not decoded): what is printed is what a run without the cache
/// prints, in every format and for any `--jobs`.
#[test]
fn a_run_with_nothing_changed_reuses_the_project_pass() {
    let s = Sandbox::new();
    let (_, _, project) = s.run_project(&["--format", "json"]);
    assert_eq!(project, "0 reused, 1 made");
    for format in FORMATS {
        for jobs in ["1", "2"] {
            let args = ["--format", format, "-j", jobs, "--statistics"];
            let (warm, files, project) = s.run_project(&args);
            assert_eq!(files, "11 reused, 0 analysed", "{format} -j{jobs}");
            assert_eq!(project, "1 reused, 0 made", "{format} -j{jobs}");
            assert_eq!(warm, s.fresh(&args), "{format} -j{jobs}");
        }
    }
    // The layer map is not stored: `--show-layers` runs the pass.
    let args = ["--show-layers"];
    let (out, _, project) = s.run_project(&args);
    assert_eq!(project, "0 reused, 1 made");
    assert_eq!(out, s.fresh(&args));
}

/// A change that leaves every file's result as it was (a comment appended) still
/// reuses the project pass; one that changes a result, adds or removes a file does not.
#[test]
fn the_project_pass_is_reused_only_while_every_result_is_the_same() {
    let s = Sandbox::new();
    let args = ["--format", "concise"];
    s.run_project(&args);
    let main = s.project().join("src/main.rs");
    let text = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, format!("{text}\n// a comment\n")).unwrap();
    let (out, files, project) = s.run_project(&args);
    assert_eq!(
        (files.as_str(), project.as_str()),
        ("10 reused, 1 analysed", "1 reused, 0 made")
    );
    assert_eq!(out, s.fresh(&args));
    // A result changed: a finding removed from an unchanged file (see
    // `an_edited_file_and_the_files_it_affects_are_judged_again`).
    let models = s.project().join("src/models.rs");
    let text = std::fs::read_to_string(&models).unwrap();
    std::fs::write(
        &models,
        format!("{text}\nimpl std::fmt::Debug for NewUser {{\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        f.write_str(\"NewUser\")\n    }}\n}}\n"),
    )
    .unwrap();
    let (out, files, project) = s.run_project(&args);
    assert_eq!(
        (files.as_str(), project.as_str()),
        ("10 reused, 1 analysed", "0 reused, 1 made")
    );
    assert_eq!(out, s.fresh(&args));
    // A file added: a handler whose SQL is built from request data.
    let added = s.project().join("src/handlers/search.rs");
    std::fs::write(
        &added,
        "pub async fn search(axum::extract::Query(q): axum::extract::Query<String>, pool: sqlx::PgPool) {\n    sqlx::query(&format!(\"SELECT * FROM t WHERE name = '{q}'\")).execute(&pool).await.unwrap();\n}\n",
    )
    .unwrap();
    let (out, files, project) = s.run_project(&args);
    assert_eq!(
        (files.as_str(), project.as_str()),
        ("11 reused, 1 analysed", "0 reused, 1 made")
    );
    assert!(out.contains("search.rs"), "{out}");
    assert_eq!(out, s.fresh(&args));
    // Removed again: the earlier key, whose result is still stored.
    std::fs::remove_file(&added).unwrap();
    let (out, files, project) = s.run_project(&args);
    assert_eq!(
        (files.as_str(), project.as_str()),
        ("11 reused, 0 analysed", "1 reused, 0 made")
    );
    assert_eq!(out, s.fresh(&args));
    // Another file removed: a set never seen, the pass runs.
    std::fs::remove_file(s.project().join("src/repositories/orders.rs")).unwrap();
    let (out, files, project) = s.run_project(&args);
    assert_eq!(
        (files.as_str(), project.as_str()),
        ("10 reused, 0 analysed", "0 reused, 1 made")
    );
    assert_eq!(out, s.fresh(&args));
}

/// Settings and the manifest are part of every file's key, and so of the project
/// pass's: changed, nothing stored is used.
#[test]
fn a_changed_configuration_or_manifest_invalidates_the_stored_results() {
    let s = Sandbox::new();
    let args = ["--format", "concise"];
    let before = s.run_project(&args).0;
    assert!(before.contains("BL201"), "{before}");
    let config = s.project().join("backlint.toml");
    std::fs::write(&config, "ignore = [\"BL201\"]\n").unwrap();
    let (out, files, project) = s.run_project(&args);
    assert_eq!(
        (files.as_str(), project.as_str()),
        ("0 reused, 11 analysed", "0 reused, 1 made")
    );
    assert!(!out.contains("BL201"), "{out}");
    assert_eq!(out, s.fresh(&args));
    std::fs::remove_file(&config).unwrap();
    let (out, _, project) = s.run_project(&args);
    assert_eq!(project, "1 reused, 0 made");
    assert_eq!(out, before);
    let manifest = s.project().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("name = \"shop\"", "name = \"store\""),
    )
    .unwrap();
    let (out, files, project) = s.run_project(&args);
    assert_eq!(
        (files.as_str(), project.as_str()),
        ("0 reused, 11 analysed", "0 reused, 1 made")
    );
    assert_eq!(out, s.fresh(&args));
}

/// The stored project-pass result is under the cache file's signature (its digest is
/// in the signed head): changed by anyone without the key (to hide a finding), it is not
/// used, and the pass runs; a changed head makes the whole file ignored.
#[test]
fn a_tampered_project_result_is_not_trusted() {
    let s = Sandbox::new();
    let args = ["--format", "concise"];
    let expected = s.fresh(&args);
    assert!(expected.contains("BL201"), "{expected}");
    s.run_project(&args);
    let file = s.cache().join("files.v1.bin");
    let bytes = std::fs::read(&file).unwrap();
    // The project pass's result is stored after the files' results: the last `BL201`
    // is in it.
    let at = bytes
        .windows(5)
        .rposition(|w| w == b"BL201")
        .expect("a stored finding");
    assert!(at > body_start(&bytes));
    let mut tampered = bytes.clone();
    tampered[at + 4] = b'9';
    std::fs::write(&file, &tampered).unwrap();
    let (out, files, project) = s.run_project(&args);
    assert_eq!(
        (files.as_str(), project.as_str()),
        ("11 reused, 0 analysed", "0 reused, 1 made")
    );
    assert_eq!(out, expected);
    // The head: a path changed.
    let bytes = std::fs::read(&file).unwrap();
    let mut tampered = bytes.clone();
    let at = bytes
        .windows(7)
        .position(|w| w == b"main.rs")
        .expect("a stored path");
    assert!(at < body_start(&bytes));
    tampered[at] = b'n';
    std::fs::write(&file, &tampered).unwrap();
    let (out, files, project) = s.run_project(&args);
    assert_eq!(
        (files.as_str(), project.as_str()),
        ("0 reused, 11 analysed", "0 reused, 1 made")
    );
    assert_eq!(out, expected);
}
