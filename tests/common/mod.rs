//! Shared by the test crates: fixture directories, `//~ CODE` annotations, copies of
//! fixture trees, files written into temporary directories.

// Each test crate that includes this module uses some of its helpers.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Writes `text` to `dir/rel`, creating the directories on the way; returns the path.
pub fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

/// The subdirectories of `fixtures/<rel>`, sorted.
pub fn fixture_dirs(rel: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// `(line, code)` pairs announced by `//~ CODE [CODE…]` comments.
pub fn annotations(text: &str) -> BTreeSet<(usize, String)> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(pos) = line.find("//~") {
            for code in line[pos + 3..].split_whitespace() {
                if code.starts_with("BL") {
                    out.insert((i + 1, code.trim_end_matches(',').to_string()));
                }
            }
        }
    }
    out
}

/// Copies the directory tree `from` into `to` (which exists), e.g. a fixture project into
/// a temporary directory a test may edit.
pub fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// `git` in `dir` with a fixed identity and dates, a `main` default branch and no
/// signing, independent of the machine's configuration.
pub fn git(dir: &Path) -> std::process::Command {
    let mut c = std::process::Command::new("git");
    c.current_dir(dir)
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "backlint tests")
        .env("GIT_AUTHOR_EMAIL", "tests@backlint.invalid")
        .env("GIT_COMMITTER_NAME", "backlint tests")
        .env("GIT_COMMITTER_EMAIL", "tests@backlint.invalid")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z");
    c
}
