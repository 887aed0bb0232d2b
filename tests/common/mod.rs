//! Shared by the fixture harnesses: fixture directories and `//~ CODE` annotations.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

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
