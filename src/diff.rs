//! `--diff-base REV`: the lines a branch changed, so that a pull-request check reports
//! only the findings on them.
//!
//! The semantics: the changes are those of `git diff $(git merge-base REV HEAD)`, that is
//! the working tree (committed, staged and unstaged changes alike) against the commit
//! where the current branch left REV. When REV is an ancestor of HEAD (a local `main`
//! the branch started from, `HEAD~3`) the merge base is REV itself and this is plain
//! `git diff REV`; when REV moved on after the branch started (`origin/main` in CI), the
//! merge base keeps the base's newer commits from counting as changes of the branch.
//! Untracked files that are not ignored count as changed throughout; renamed files
//! (detected with `-M`) count only for the lines the rename changed; deleted lines carry
//! no findings.
//!
//! The patch is read with a small state machine over `git diff --unified=0`: only the
//! `+++` line of each file and the `@@` hunk headers matter, and the lines of each hunk
//! are counted off so that an added line reading `++ b/x` or `@@ …` is never taken for a
//! header. `-z` does not change patch output, so names are decoded as git writes them:
//! C-quoted when they hold `"`, `\` or control characters, with a tab appended when they
//! hold a space (`core.quotepath=false` keeps other bytes as they are).
//!
//! git is the only program backlint runs, and it runs it so that nothing the checkout
//! holds can make git run another program: `--no-ext-diff` and `--no-textconv` (no diff
//! driver's `command` or `textconv`), `--attr-source` set to the empty tree (the
//! checkout's `.gitattributes` are not read, so no `filter=` driver's `clean` program
//! runs on its files), `core.fsmonitor=false` (no file-system-monitor hook),
//! `diff.external` unset and `GIT_EXTERNAL_DIFF` removed, no pager, no prompt, no lazy
//! fetch of missing objects, and without the system-wide configuration.

use crate::discover::display_path;
use crate::finding::Finding;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why the changed lines could not be found.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("--diff-base needs git, which could not be run: {0}")]
    NoGit(std::io::Error),
    #[error("--diff-base: {dir} is not in a git work tree: {git}")]
    NotARepository { dir: String, git: String },
    #[error("--diff-base: `{rev}` is not a revision")]
    NotARevision { rev: String },
    #[error("--diff-base: cannot find the merge base of `{rev}` and HEAD: {git}")]
    UnknownRevision { rev: String, git: String },
    #[error("--diff-base: `{rev}` and HEAD have no common ancestor")]
    NoMergeBase { rev: String },
    #[error("--diff-base: `git {command}` failed: {git}")]
    Git { command: String, git: String },
    #[error("--diff-base needs git 2.40 or later (for `--attr-source`, which keeps the checkout's .gitattributes from naming programs for git to run): {git}")]
    OldGit { git: String },
}

/// Inclusive 1-based line ranges.
type Ranges = Vec<(usize, usize)>;

/// What changed in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    /// A new, untracked file: every line.
    All,
    /// Inclusive 1-based line ranges of the new version, sorted and disjoint.
    Lines(Ranges),
}

/// The changed lines of every changed file, keyed by the path as findings display it.
#[derive(Debug, Default)]
pub struct ChangedLines {
    files: HashMap<String, Change>,
}

impl ChangedLines {
    /// Asks git what changed since `rev` in the repository holding `cwd`.
    pub fn from_git(rev: &str, cwd: &Path) -> Result<Self, DiffError> {
        if rev.is_empty() || rev.starts_with('-') {
            return Err(DiffError::NotARevision { rev: rev.into() });
        }
        let top = match git(cwd, &["rev-parse", "--show-toplevel"])? {
            Ok(out) => PathBuf::from(String::from_utf8_lossy(&out).trim_end_matches(['\n', '\r'])),
            Err(git) => {
                return Err(DiffError::NotARepository {
                    dir: cwd.display().to_string(),
                    git,
                })
            }
        };
        // The empty tree, in the repository's hash: the source of attributes below.
        let empty_tree = match git(
            &top,
            &["hash-object", "-t", "tree", "--no-filters", "--stdin"],
        )? {
            Ok(out) => String::from_utf8_lossy(&out).trim().to_string(),
            Err(git) => {
                return Err(DiffError::Git {
                    command: "hash-object -t tree --no-filters --stdin".into(),
                    git,
                })
            }
        };
        let attr_source = format!("--attr-source={empty_tree}");
        let with_attrs = |args: &[&str]| -> Vec<String> {
            std::iter::once(attr_source.clone())
                .chain(args.iter().map(|a| a.to_string()))
                .collect()
        };
        let out = run_git(&top, &with_attrs(&["merge-base", rev, "HEAD"]))?;
        if first_line(&out.stderr).contains("--attr-source") {
            return Err(DiffError::OldGit {
                git: first_line(&out.stderr),
            });
        }
        let base = match out.status.code() {
            Some(0) => String::from_utf8_lossy(&out.stdout).trim().to_string(),
            // Exit 1 without a word: both exist, no common history.
            Some(1) if first_line(&out.stderr).is_empty() => {
                return Err(DiffError::NoMergeBase { rev: rev.into() })
            }
            _ => {
                return Err(DiffError::UnknownRevision {
                    rev: rev.into(),
                    git: first_line(&out.stderr),
                })
            }
        };
        let diff_args = [
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--unified=0",
            "-M",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            base.as_str(),
            "--",
        ];
        let patch = git(&top, &with_attrs(&diff_args))?.map_err(|git| DiffError::Git {
            command: diff_args.join(" "),
            git,
        })?;
        let untracked_args = ["ls-files", "-z", "--others", "--exclude-standard"];
        let untracked = git(&top, &with_attrs(&untracked_args))?.map_err(|git| DiffError::Git {
            command: untracked_args.join(" "),
            git,
        })?;

        // Findings show paths relative to the cwd as discovery reached them: below the
        // canonical cwd (or the cwd as given), else absolute and canonical.
        let top = std::fs::canonicalize(&top).unwrap_or(top);
        let cwd_canon = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
        let shown = |rel: &str| display_path(&top.join(rel), cwd, &cwd_canon);
        let mut files = HashMap::new();
        for (rel, ranges) in parse_patch(&patch) {
            if !ranges.is_empty() {
                files.insert(shown(&rel), Change::Lines(merge(ranges)));
            }
        }
        for rel in untracked.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            files.insert(shown(&String::from_utf8_lossy(rel)), Change::All);
        }
        Ok(ChangedLines { files })
    }

    /// Whether the finding's primary span touches a changed line.
    pub fn touches(&self, f: &Finding) -> bool {
        match self.files.get(&f.path) {
            None => false,
            Some(Change::All) => true,
            // A finding about the whole file (no line): any change to the file.
            Some(Change::Lines(_)) if f.region.line == 0 => true,
            Some(Change::Lines(ranges)) => {
                let (first, last) = (f.region.line, f.region.end_line.max(f.region.line));
                ranges.iter().any(|&(a, b)| a <= last && first <= b)
            }
        }
    }
}

/// Runs git in `dir`: `Ok(Ok(stdout))`, `Ok(Err(first line of stderr))` when git failed,
/// `Err` when git could not be started.
fn git<S: AsRef<std::ffi::OsStr>>(
    dir: &Path,
    args: &[S],
) -> Result<Result<Vec<u8>, String>, DiffError> {
    let out = run_git(dir, args)?;
    Ok(if out.status.success() {
        Ok(out.stdout)
    } else {
        let line = first_line(&out.stderr);
        Err(if line.is_empty() {
            out.status.to_string()
        } else {
            line
        })
    })
}

/// Runs git so that it cannot run anything else (see the module's documentation).
fn run_git<S: AsRef<std::ffi::OsStr>>(
    dir: &Path,
    args: &[S],
) -> Result<std::process::Output, DiffError> {
    Command::new("git")
        .arg("--no-pager")
        .arg("-C")
        .arg(dir)
        .args(["-c", "core.quotepath=false"])
        .args(["-c", "core.fsmonitor=false"])
        .args(["-c", "diff.external="])
        .args(["-c", "core.pager=cat"])
        .args(args)
        // A read-only look: never take the index lock to refresh it.
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_PAGER", "cat")
        .env_remove("GIT_EXTERNAL_DIFF")
        .env_remove("GIT_ASKPASS")
        .env_remove("SSH_ASKPASS")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(DiffError::NoGit)
}

fn first_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
}

/// Sorts and joins overlapping or adjacent ranges.
fn merge(mut ranges: Ranges) -> Ranges {
    ranges.sort_unstable();
    let mut out: Ranges = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match out.last_mut() {
            Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// The files of a `git diff --unified=0` patch (new names, repository-relative) with the
/// inclusive line ranges each hunk adds or modifies in the new version. Deleted files
/// are left out; files without hunks (pure renames, mode changes, binaries) have none.
pub fn parse_patch(patch: &[u8]) -> Vec<(String, Ranges)> {
    let mut files: Vec<(Option<String>, Ranges)> = Vec::new();
    // Lines still to come in the current hunk, old and new side.
    let (mut old_left, mut new_left) = (0usize, 0usize);
    for line in patch.split(|&b| b == b'\n') {
        if old_left > 0 || new_left > 0 {
            let counted = match line.first() {
                Some(b'-') => {
                    old_left = old_left.saturating_sub(1);
                    true
                }
                Some(b'+') => {
                    new_left = new_left.saturating_sub(1);
                    true
                }
                Some(b' ') => {
                    old_left = old_left.saturating_sub(1);
                    new_left = new_left.saturating_sub(1);
                    true
                }
                Some(b'\\') => true, // "\ No newline at end of file"
                _ => {
                    // Malformed: the hunk is over; read the line as a header.
                    old_left = 0;
                    new_left = 0;
                    false
                }
            };
            if counted {
                continue;
            }
        }
        if line.starts_with(b"diff --git ") {
            files.push((None, Vec::new()));
        } else if let Some(name) = line.strip_prefix(b"+++ ") {
            if let Some(file) = files.last_mut() {
                file.0 = new_name(name);
            }
        } else if line.starts_with(b"@@ ") {
            if let Some(h) = parse_hunk_header(line) {
                old_left = h.old_count;
                new_left = h.new_count;
                if let (Some(file), Some(range)) = (files.last_mut(), h.new_range()) {
                    file.1.push(range);
                }
            }
        }
    }
    files
        .into_iter()
        .filter_map(|(name, ranges)| Some((name?, ranges)))
        .collect()
}

/// The name on a `+++ ` line: `None` for `/dev/null` (a deleted file).
fn new_name(raw: &[u8]) -> Option<String> {
    // Git appends a tab to a name holding a space (a name holding a tab is quoted).
    let raw = raw.strip_suffix(b"\t").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    if raw == b"/dev/null" {
        return None;
    }
    let name = if raw.first() == Some(&b'"') {
        unquote(raw)?
    } else {
        raw.to_vec()
    };
    let name = name.strip_prefix(b"b/")?;
    Some(String::from_utf8_lossy(name).into_owned())
}

/// Decodes git's C-style quoting: `"b/a\"b\tc\303\251"`.
fn unquote(raw: &[u8]) -> Option<Vec<u8>> {
    let inner = raw.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let c = inner[i];
        i += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let e = *inner.get(i)?;
        i += 1;
        out.push(match e {
            b'a' => 0x07,
            b'b' => 0x08,
            b't' => b'\t',
            b'n' => b'\n',
            b'v' => 0x0b,
            b'f' => 0x0c,
            b'r' => b'\r',
            b'0'..=b'7' => {
                let digits = inner.get(i - 1..i + 2)?;
                i += 2;
                let mut v = 0u32;
                for &d in digits {
                    if !(b'0'..=b'7').contains(&d) {
                        return None;
                    }
                    v = v * 8 + u32::from(d - b'0');
                }
                u8::try_from(v).ok()?
            }
            other => other, // `\"`, `\\`
        });
    }
    Some(out)
}

/// A hunk header `@@ -a[,b] +c[,d] @@ …`: counts default to 1 when omitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HunkHeader {
    pub old_start: usize,
    pub old_count: usize,
    pub new_start: usize,
    pub new_count: usize,
}

impl HunkHeader {
    /// The inclusive range of new-version lines the hunk adds or modifies; `None` for a
    /// pure deletion (`+c,0`).
    pub fn new_range(&self) -> Option<(usize, usize)> {
        (self.new_count > 0).then(|| (self.new_start, self.new_start + self.new_count - 1))
    }
}

pub fn parse_hunk_header(line: &[u8]) -> Option<HunkHeader> {
    let line = std::str::from_utf8(line.strip_prefix(b"@@ ")?).ok()?;
    let (ranges, _) = line.split_once(" @@")?;
    let (old, new) = ranges.split_once(' ')?;
    let (old_start, old_count) = side(old.strip_prefix('-')?)?;
    let (new_start, new_count) = side(new.strip_prefix('+')?)?;
    Some(HunkHeader {
        old_start,
        old_count,
        new_start,
        new_count,
    })
}

fn side(s: &str) -> Option<(usize, usize)> {
    match s.split_once(',') {
        Some((start, count)) => Some((start.parse().ok()?, count.parse().ok()?)),
        None => Some((s.parse().ok()?, 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(line: &str) -> Option<HunkHeader> {
        parse_hunk_header(line.as_bytes())
    }

    #[test]
    fn hunk_headers_with_and_without_counts() {
        let x = h("@@ -3 +3,2 @@").unwrap();
        assert_eq!(
            (x.old_start, x.old_count, x.new_start, x.new_count),
            (3, 1, 3, 2)
        );
        assert_eq!(x.new_range(), Some((3, 4)));
        let x = h("@@ -10,2 +12 @@ fn main() {").unwrap();
        assert_eq!((x.old_count, x.new_start, x.new_count), (2, 12, 1));
        assert_eq!(x.new_range(), Some((12, 12)));
        // Pure deletion: nothing in the new version.
        let x = h("@@ -5,2 +4,0 @@").unwrap();
        assert_eq!(x.new_range(), None);
        assert_eq!(h("@@ -1,2 +0,0 @@").unwrap().new_range(), None);
        // Pure addition to an empty or new file.
        assert_eq!(h("@@ -0,0 +1,3 @@").unwrap().new_range(), Some((1, 3)));
        for bad in [
            "@@ -1 +x @@",
            "@@ 1 2 @@",
            "@@@ -1 -1 +1 @@@",
            "@@ -1 +1",
            "",
        ] {
            assert_eq!(h(bad), None, "{bad}");
        }
    }

    #[test]
    fn patch_files_ranges_and_names() {
        let patch = b"diff --git a/src/a.rs b/src/a.rs\n\
index 1..2 100644\n\
--- a/src/a.rs\n\
+++ b/src/a.rs\n\
@@ -3 +3,2 @@ fn f() {\n\
-old\n\
+++ b/not/a/header\n\
+@@ -1 +99 @@\n\
@@ -9,2 +10,0 @@\n\
-x\n\
-y\n\
diff --git a/gone.rs b/gone.rs\n\
deleted file mode 100644\n\
--- a/gone.rs\n\
+++ /dev/null\n\
@@ -1 +0,0 @@\n\
-z\n\
diff --git a/old name.rs b/new name.rs\n\
similarity index 90%\n\
rename from old name.rs\n\
rename to new name.rs\n\
--- a/old name.rs\t\n\
+++ b/new name.rs\t\n\
@@ -1 +1 @@\n\
-a\n\
\\ No newline at end of file\n\
+b\n\
\\ No newline at end of file\n\
diff --git a/moved.rs b/moved.rs2\n\
similarity index 100%\n\
rename from moved.rs\n\
rename to moved.rs2\n\
diff --git \"a/q\\\"t\\303\\251.rs\" \"b/q\\\"t\\303\\251.rs\"\n\
--- \"a/q\\\"t\\303\\251.rs\"\n\
+++ \"b/q\\\"t\\303\\251.rs\"\n\
@@ -0,0 +1 @@\n\
+new\n";
        assert_eq!(
            parse_patch(patch),
            vec![
                ("src/a.rs".to_string(), vec![(3, 4)]),
                ("new name.rs".to_string(), vec![(1, 1)]),
                ("q\"té.rs".to_string(), vec![(1, 1)]),
            ]
        );
    }

    #[test]
    fn unquote_escapes() {
        assert_eq!(
            unquote(br#""b/a\\b\tc\"d\303\251""#).unwrap(),
            "b/a\\b\tc\"dé".as_bytes()
        );
        assert_eq!(unquote(br#""b/\9""#).unwrap(), b"b/9");
        assert_eq!(unquote(br#""b/\30""#), None);
        assert_eq!(unquote(b"b/x"), None);
    }

    #[test]
    fn ranges_merge_and_touch() {
        assert_eq!(
            merge(vec![(5, 6), (1, 2), (3, 3), (9, 9), (2, 3)]),
            vec![(1, 3), (5, 6), (9, 9)]
        );
        let mut c = ChangedLines::default();
        c.files.insert("a.rs".into(), Change::Lines(vec![(4, 5)]));
        c.files.insert("new.rs".into(), Change::All);
        let meta = crate::rules::all_meta()[0];
        let at = |path: &str, line, end_line| {
            let region = crate::finding::Region {
                line,
                end_line,
                ..Default::default()
            };
            Finding::new(meta, path, region, String::new())
        };
        assert!(c.touches(&at("a.rs", 4, 4)));
        assert!(c.touches(&at("a.rs", 2, 4)));
        assert!(c.touches(&at("a.rs", 5, 0)));
        assert!(!c.touches(&at("a.rs", 3, 3)));
        assert!(!c.touches(&at("a.rs", 6, 8)));
        assert!(c.touches(&at("new.rs", 100, 100)));
        assert!(!c.touches(&at("other.rs", 4, 4)));
    }
}
