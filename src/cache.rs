//! The incremental cache: each file's per-file result (its findings after its own
//! suppressions, its deferred findings, its contribution to the project index, layer map
//! and taint summaries), stored on disk and reused while nothing it depends on changed.
//! The project pass always runs, on cached and fresh results alike, so a file whose
//! neighbours changed is judged again with them.
//!
//! - **Key.** An entry is used only when the file's contents (SHA-256), this build of
//!   backlint (`BACKLINT_BUILD_ID`, a hash of its sources made by `build.rs`), the
//!   effective configuration for the file, its displayed path and its place in the
//!   workspace (package, module path, test/tool flags) are all those it was made with.
//! - **Trust.** The file is authenticated with HMAC-SHA-256 under a key generated on this
//!   machine and kept outside the checkout (`$XDG_CACHE_HOME/backlint/key`, else
//!   `~/.cache/backlint/key`, or `$BACKLINT_CACHE_KEY`'s file): a cache file committed to
//!   a repository, or written by anyone without the key, is ignored. Without a key (no
//!   home directory) nothing is cached.
//! - **Safety.** Written to a temporary file in the cache directory, then renamed: two
//!   runs at once never leave a torn file (the last one wins). A truncated, garbage or
//!   foreign file is ignored and rewritten; a directory that cannot be created or
//!   written only costs speed. Entries of files that no longer exist are dropped when the
//!   cache is written, so its size follows the workspace's.

use crate::engine::cx::FileMeta;
use crate::engine::taint::shared;
use crate::engine::FileOutput;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// This build's identity (see `build.rs`).
pub const BUILD_ID: &str = env!("BACKLINT_BUILD_ID");

/// The cache file in the cache directory.
const FILE_NAME: &str = "files.v1.bin";
/// The cache file's first bytes.
const MAGIC: &[u8; 8] = b"BLCACHE1";
/// Overrides where the cache goes (as `--cache-dir`).
pub const DIR_ENV: &str = "BACKLINT_CACHE_DIR";
/// Overrides where the key is kept (a file path).
pub const KEY_ENV: &str = "BACKLINT_CACHE_KEY";

type HmacSha256 = Hmac<Sha256>;

/// One file's result as the cache file stores it (borrowed from the file read, or from
/// this run's fresh results when written).
#[derive(serde::Serialize, serde::Deserialize)]
struct Entry<'a> {
    path: &'a str,
    /// SHA-256 of the file's contents.
    content: [u8; 32],
    /// SHA-256 of everything else the result depends on (see [`Context`]).
    context: [u8; 32],
    /// The file's size and modification time when its contents were hashed: while both
    /// are the same, the contents are taken to be too (as build tools do), and the file
    /// is not read. `None` when the file was modified too recently to tell.
    stamp: Option<Stamp>,
    /// The [`FileOutput`], encoded.
    output: &'a [u8],
}

/// A file's size and modification time (nanoseconds since the epoch).
pub type Stamp = (u64, u128);

/// The stamp of a file, if its metadata can be read.
pub fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    let t = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some((m.len(), t.as_nanos()))
}

/// A stamp worth keeping: the file was last modified long enough ago that a later
/// change would give it another modification time.
fn settled(stamp: Option<Stamp>) -> Option<Stamp> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    stamp.filter(|&(_, t)| now.saturating_sub(t) > 2_000_000_000)
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Stored<'a> {
    build: &'a str,
    #[serde(borrow)]
    entries: Vec<Entry<'a>>,
}

/// An entry of the file read: its keys, and where its output is in the file's bytes.
struct Old {
    content: [u8; 32],
    context: [u8; 32],
    stamp: Option<Stamp>,
    output: std::ops::Range<usize>,
}

/// A result made in this run, or an old one whose stamp changed.
struct Fresh {
    content: [u8; 32],
    context: [u8; 32],
    stamp: Option<Stamp>,
    output: Vec<u8>,
}

/// What happened to the cache in a run (for the benchmark and the tests).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub hits: usize,
    pub misses: usize,
}

/// The cache of one run: the entries read at its start, and those it made.
pub struct Cache {
    dir: PathBuf,
    key: Vec<u8>,
    /// The cache file as read (the entries' outputs are ranges of it).
    bytes: Vec<u8>,
    old: HashMap<String, Old>,
    fresh: Mutex<HashMap<String, Fresh>>,
    stats: Mutex<Stats>,
    /// The file read was absent, foreign or damaged (it is rewritten).
    stale: bool,
}

/// Where the cache lives by default: `target/backlint/` of the cargo workspace of `dir`,
/// or `.backlint_cache/` in `dir` when it is in none. `None` when that place (or the
/// `target` directory it is in) is a symbolic link: a checkout must not choose where
/// backlint writes.
pub fn default_dir(dir: &Path) -> Option<PathBuf> {
    let (base, parts): (PathBuf, &[&str]) = match crate::workspace::root_of(dir) {
        Some(root) if root.join("Cargo.toml").is_file() => (root, &["target", "backlint"]),
        _ => (dir.to_path_buf(), &[".backlint_cache"]),
    };
    let mut p = base;
    for part in parts {
        p.push(part);
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            return None;
        }
    }
    Some(p)
}

/// The machine's cache key: read, or made and stored on first use. `None` when there is
/// nowhere to keep it.
fn machine_key() -> Option<Vec<u8>> {
    let path = match std::env::var_os(KEY_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => {
            let base = std::env::var_os("XDG_CACHE_HOME")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME")
                        .or_else(|| std::env::var_os("LOCALAPPDATA"))
                        .filter(|v| !v.is_empty())
                        .map(|h| PathBuf::from(h).join(".cache"))
                })?;
            base.join("backlint").join("key")
        }
    };
    if let Ok(k) = std::fs::read(&path) {
        if k.len() == 32 {
            return Some(k);
        }
    }
    let mut k = vec![0u8; 32];
    getrandom::fill(&mut k).ok()?;
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    // Another run may make one at the same time: write ours aside, keep whichever lands.
    let tmp = dir.join(format!("key.{}.tmp", std::process::id()));
    std::fs::write(&tmp, &k).ok()?;
    let _ = std::fs::rename(&tmp, &path);
    let _ = std::fs::remove_file(&tmp);
    std::fs::read(&path).ok().filter(|k| k.len() == 32)
}

/// The context of one file: everything its result depends on besides its contents.
pub struct Context {
    settings: String,
}

impl Context {
    /// For the files analysed with `settings` (with the workspace's crates set).
    pub fn new(settings: &crate::config::Settings) -> Self {
        Context {
            settings: settings.analysis_identity(),
        }
    }

    /// The digest of a file's context (its result's key besides its contents).
    pub fn digest(&self, display: &str, meta: &FileMeta, ignored: &[&str]) -> [u8; 32] {
        let mut h = Sha256::new();
        for part in [
            BUILD_ID,
            &self.settings,
            display,
            &format!("{meta:?}"),
            &format!("{ignored:?}"),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.finalize().into()
    }
}

impl Cache {
    /// Opens the cache in `dir`: its entries when the file is this build's and carries
    /// this machine's signature, none otherwise. `None` when there is no key.
    pub fn open(dir: &Path) -> Option<Cache> {
        let key = machine_key()?;
        let mut cache = Cache {
            dir: dir.to_path_buf(),
            key,
            bytes: Vec::new(),
            old: HashMap::new(),
            fresh: Mutex::new(HashMap::new()),
            stats: Mutex::new(Stats::default()),
            stale: true,
        };
        if let Some((bytes, old)) = cache.read() {
            cache.bytes = bytes;
            cache.old = old;
            cache.stale = false;
        }
        Some(cache)
    }

    fn read(&self) -> Option<(Vec<u8>, HashMap<String, Old>)> {
        let bytes = std::fs::read(self.dir.join(FILE_NAME)).ok()?;
        let rest = bytes.strip_prefix(MAGIC.as_slice())?;
        if rest.len() < 32 {
            return None;
        }
        let (tag, payload) = rest.split_at(32);
        let mut mac = HmacSha256::new_from_slice(&self.key).ok()?;
        mac.update(payload);
        mac.verify_slice(tag).ok()?;
        let stored: Stored = postcard::from_bytes(payload).ok()?;
        if stored.build != BUILD_ID {
            return None;
        }
        let base = bytes.as_ptr() as usize;
        let old = stored
            .entries
            .into_iter()
            .map(|e| {
                let at = e.output.as_ptr() as usize - base;
                let old = Old {
                    content: e.content,
                    context: e.context,
                    stamp: e.stamp,
                    output: at..at + e.output.len(),
                };
                (e.path.to_string(), old)
            })
            .collect();
        Some((bytes, old))
    }

    /// The stored result of the file at `path` (absolute) when its stamp is the one
    /// stored with it and it was made in this context: the file need not be read.
    pub fn lookup_unchanged(
        &self,
        path: &str,
        stamp: Option<Stamp>,
        context: &[u8; 32],
    ) -> Option<FileOutput> {
        let e = self.old.get(path)?;
        if stamp.is_none() || e.stamp != stamp || e.context != *context {
            return None;
        }
        let out = shared::decode::<FileOutput>(self.bytes.get(e.output.clone())?)?;
        self.count(true);
        Some(out)
    }

    /// The stored result of the file at `path` (absolute), if it was made from these
    /// contents in this context.
    pub fn lookup(
        &self,
        path: &str,
        bytes: &[u8],
        stamp: Option<Stamp>,
        context: [u8; 32],
    ) -> Lookup {
        let content: [u8; 32] = Sha256::digest(bytes).into();
        let hit = self
            .old
            .get(path)
            .filter(|e| e.content == content && e.context == context)
            .and_then(|e| {
                let bytes = self.bytes.get(e.output.clone())?;
                Some((e, bytes, shared::decode::<FileOutput>(bytes)?))
            });
        match hit {
            Some((e, bytes, output)) => {
                self.count(true);
                // The same contents with another stamp (touched, checked out again):
                // stored with the new one, so the next run need not read the file.
                let stamp = settled(stamp);
                if e.stamp != stamp {
                    self.fresh.lock().unwrap_or_else(|p| p.into_inner()).insert(
                        path.to_string(),
                        Fresh {
                            content,
                            context,
                            stamp,
                            output: bytes.to_vec(),
                        },
                    );
                }
                Lookup::Hit(Box::new(output))
            }
            None => {
                self.count(false);
                Lookup::Miss { content, context }
            }
        }
    }

    fn count(&self, hit: bool) {
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        if hit {
            stats.hits += 1;
        } else {
            stats.misses += 1;
        }
    }

    /// Stores a fresh result (`content`, `context` from the [`Lookup::Miss`]).
    pub fn store(
        &self,
        path: &str,
        content: [u8; 32],
        context: [u8; 32],
        stamp: Option<Stamp>,
        output: &FileOutput,
    ) {
        let Some(bytes) = shared::encode(output) else {
            return;
        };
        self.fresh.lock().unwrap_or_else(|p| p.into_inner()).insert(
            path.to_string(),
            Fresh {
                content,
                context,
                stamp: settled(stamp),
                output: bytes,
            },
        );
    }

    pub fn stats(&self) -> Stats {
        *self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the cache back when anything changed: this run's results, and the earlier
    /// entries of files that still exist (whether this run saw them or not: a run on
    /// some files keeps the others'). Failures are ignored (a cache that cannot be
    /// written only costs speed).
    pub fn save(self) {
        let fresh = self.fresh.into_inner().unwrap_or_else(|p| p.into_inner());
        let mut changed = self.stale || !fresh.is_empty();
        let mut entries: Vec<Entry> = Vec::with_capacity(fresh.len() + self.old.len());
        for (path, e) in &self.old {
            if fresh.contains_key(path) {
                continue;
            }
            if !Path::new(path).is_file() {
                // The file is gone: its entry goes too.
                changed = true;
                continue;
            }
            if let Some(output) = self.bytes.get(e.output.clone()) {
                entries.push(Entry {
                    path,
                    content: e.content,
                    context: e.context,
                    stamp: e.stamp,
                    output,
                });
            }
        }
        if !changed {
            return;
        }
        for (path, e) in &fresh {
            entries.push(Entry {
                path,
                content: e.content,
                context: e.context,
                stamp: e.stamp,
                output: &e.output,
            });
        }
        entries.sort_by(|a, b| a.path.cmp(b.path));
        let stored = Stored {
            build: BUILD_ID,
            entries,
        };
        let Ok(payload) = postcard::to_stdvec(&stored) else {
            return;
        };
        let Ok(mut mac) = HmacSha256::new_from_slice(&self.key) else {
            return;
        };
        mac.update(&payload);
        let tag = mac.finalize().into_bytes();
        let _ = write_atomically(&self.dir, &tag, &payload);
    }
}

/// The result of [`Cache::lookup`].
pub enum Lookup {
    Hit(Box<FileOutput>),
    Miss {
        content: [u8; 32],
        context: [u8; 32],
    },
}

/// Writes the cache file through a temporary file and a rename, with a `.gitignore`
/// beside it (as other tools' caches have).
fn write_atomically(dir: &Path, tag: &[u8], payload: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        let _ = std::fs::write(
            &ignore,
            "# Created by backlint: the incremental cache.\n*\n",
        );
    }
    let tmp = dir.join(format!("{FILE_NAME}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut bytes = Vec::with_capacity(MAGIC.len() + tag.len() + payload.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(tag);
        bytes.extend_from_slice(payload);
        std::fs::write(&tmp, &bytes)?;
        std::fs::rename(&tmp, dir.join(FILE_NAME))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `backlint clean`: removes the cache directory. Only a directory holding backlint's
/// cache file (or nothing at all) is removed.
pub fn clean(dir: &Path) -> std::io::Result<bool> {
    if !dir.exists() {
        return Ok(false);
    }
    let ours = std::fs::read_dir(dir)?.flatten().all(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name == FILE_NAME || name == ".gitignore" || name.starts_with(&format!("{FILE_NAME}."))
    });
    if !ours {
        return Err(std::io::Error::other(format!(
            "{} holds files that are not backlint's cache; not removed",
            dir.display()
        )));
    }
    std::fs::remove_dir_all(dir)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache file of another build (an older backlint), correctly signed, is not read.
    #[test]
    fn a_cache_of_another_build_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        std::env::set_var(KEY_ENV, dir.path().join("key"));
        let key = machine_key().unwrap();
        let write = |build: &str| {
            let stored = Stored {
                build,
                entries: vec![Entry {
                    path: "/w/src/lib.rs",
                    content: [1; 32],
                    context: [2; 32],
                    stamp: None,
                    output: &[0, 0, 0],
                }],
            };
            let payload = postcard::to_stdvec(&stored).unwrap();
            let mut mac = HmacSha256::new_from_slice(&key).unwrap();
            mac.update(&payload);
            write_atomically(dir.path(), &mac.finalize().into_bytes(), &payload).unwrap();
        };
        write(BUILD_ID);
        assert_eq!(Cache::open(dir.path()).unwrap().old.len(), 1);
        write("0.0.1-0123456789abcdef");
        let c = Cache::open(dir.path()).unwrap();
        assert!(c.old.is_empty() && c.stale);
    }
}
