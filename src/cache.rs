//! The incremental cache: each file's per-file result (its findings after its own
//! suppressions, its deferred findings, its contribution to the project index, layer map
//! and taint summaries), stored on disk and reused while nothing it depends on changed.
//! The project pass runs on cached and fresh results alike, so a file whose neighbours
//! changed is judged again with them.
//!
//! - **Whole runs.** The project pass's result (the findings and warnings before any
//!   output filter) is stored too, keyed by a digest of this build, the settings, and
//!   every file's path, context and stored result (each entry keeps the SHA-256 of its
//!   encoded result). When a run's files all have a result whose digests give a stored
//!   key — nothing changed, or the changes left every file's result as it was (a
//!   comment appended) — that result is used: the files' results are not decoded and
//!   the project pass does not run. A file added, removed, renamed, or with another
//!   result, other settings, another build: another key, and the pass runs.
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

use crate::discover::TestMods;
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
    /// SHA-256 of the output (what the whole-run key is made of, and what the output
    /// read is checked against).
    digest: [u8; 32],
    /// Where the encoded [`FileOutput`] is in the file's body: (offset, length).
    output: (u64, u64),
}

/// The project pass's result of a run (see [`ProjectOutput`]), under the key made of
/// everything it depends on ([`Cache::project_key`]).
#[derive(serde::Serialize, serde::Deserialize)]
struct ProjectEntry {
    key: [u8; 32],
    /// SHA-256 of the output.
    digest: [u8; 32],
    /// Where the encoded [`ProjectOutput`] is in the file's body: (offset, length).
    output: (u64, u64),
}

/// What the project pass of a run produced: its findings before any output filter
/// (baseline, changed lines) and its warnings.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ProjectOutput {
    pub findings: Vec<crate::finding::Finding>,
    pub warnings: Vec<String>,
}

/// What discovery read in a file that may declare modules (its test-only `mod x;`
/// declarations), stored with the file's stamp: reused, without reading the file, while
/// the stamp is the same.
#[derive(serde::Serialize, serde::Deserialize)]
struct FactEntry<'a> {
    path: &'a str,
    stamp: Stamp,
    facts: TestMods,
}

/// How many whole-run results are kept (those of this run's configurations first, then
/// the most recent others: a run on some files, as a pre-commit hook makes, does not
/// drop the whole workspace's).
const MAX_PROJECTS: usize = 4;

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
    /// Whole-run results, the most recently used first.
    projects: Vec<ProjectEntry>,
    #[serde(borrow)]
    facts: Vec<FactEntry<'a>>,
    /// The length of the body that follows.
    body: u64,
}

/// An entry of the file read: its keys, and where its output is in the file's body.
struct Old {
    content: [u8; 32],
    context: [u8; 32],
    stamp: Option<Stamp>,
    digest: [u8; 32],
    output: std::ops::Range<usize>,
}

/// A result made in this run, or an old one whose stamp changed.
struct Fresh {
    content: [u8; 32],
    context: [u8; 32],
    stamp: Option<Stamp>,
    digest: [u8; 32],
    output: Vec<u8>,
}

/// A stored result found for a file, not decoded yet ([`Cache::decode`]).
#[derive(Debug, Clone)]
pub struct Reused {
    /// SHA-256 of the encoded result.
    pub digest: [u8; 32],
    output: std::ops::Range<usize>,
}

/// What happened to the cache in a run (for the benchmark and the tests).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub hits: usize,
    pub misses: usize,
    /// Runs (configurations) whose stored project-pass result was used.
    pub projects_reused: usize,
    /// Runs whose project pass ran with every file's result known (and stored it).
    pub projects_made: usize,
}

/// The cache of one run: the entries read at its start, and those it made.
pub struct Cache {
    dir: PathBuf,
    key: Vec<u8>,
    /// The cache file, open since its head was read (a file written meanwhile is
    /// another file: this one's body stays as it was).
    file: Mutex<Option<std::fs::File>>,
    /// Where its body starts, and its length.
    body_at: u64,
    body_len: usize,
    /// The body, read when a stored output is needed.
    body: std::sync::OnceLock<Option<Vec<u8>>>,
    /// A stored output did not match its digest, or the body could not be read: the
    /// file is rewritten.
    damaged: std::sync::atomic::AtomicBool,
    old: HashMap<String, Old>,
    fresh: Mutex<HashMap<String, Fresh>>,
    /// Whole-run results read: key, digest, range of the body.
    projects: Vec<([u8; 32], [u8; 32], std::ops::Range<usize>)>,
    /// Keys of the whole-run results this run used, and those it made.
    used_projects: Mutex<Vec<[u8; 32]>>,
    made_projects: Mutex<Vec<([u8; 32], Vec<u8>)>>,
    /// Discovery's facts read, and those found in this run.
    facts: HashMap<String, (Stamp, TestMods)>,
    fresh_facts: Mutex<HashMap<String, (Stamp, TestMods)>>,
    stats: Mutex<Stats>,
    /// Stored project-pass results may be used ([`Cache::keep_layer_maps`]).
    reuse_projects: bool,
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
    /// The digest of this build and the settings (the part all files share).
    shared: [u8; 32],
}

impl Context {
    /// For the files analysed with `settings` (with the workspace's crates set).
    pub fn new(settings: &crate::config::Settings) -> Self {
        let mut h = Sha256::new();
        for part in [BUILD_ID, &settings.analysis_identity()] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        Context {
            shared: h.finalize().into(),
        }
    }

    /// The digest of a file's context (its result's key besides its contents).
    pub fn digest(&self, display: &str, meta: &FileMeta, ignored: &[&str]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.shared);
        for part in [display, &format!("{meta:?}"), &format!("{ignored:?}")] {
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
            file: Mutex::new(None),
            body_at: 0,
            body_len: 0,
            body: std::sync::OnceLock::new(),
            damaged: std::sync::atomic::AtomicBool::new(false),
            old: HashMap::new(),
            fresh: Mutex::new(HashMap::new()),
            projects: Vec::new(),
            used_projects: Mutex::new(Vec::new()),
            made_projects: Mutex::new(Vec::new()),
            facts: HashMap::new(),
            fresh_facts: Mutex::new(HashMap::new()),
            stats: Mutex::new(Stats::default()),
            reuse_projects: true,
            stale: true,
        };
        if let Some(read) = cache.read() {
            cache.file = Mutex::new(Some(read.file));
            cache.body_at = read.body_at;
            cache.body_len = read.body_len;
            cache.old = read.old;
            cache.projects = read.projects;
            cache.facts = read.facts;
            cache.stale = false;
        }
        Some(cache)
    }

    /// Reads the file's head (its body is read when needed): `None` unless it carries
    /// this machine's signature, is this build's, and is whole.
    fn read(&self) -> Option<Read> {
        use std::io::Read as _;
        let mut file = std::fs::File::open(self.dir.join(FILE_NAME)).ok()?;
        let size = file.metadata().ok()?.len();
        let mut start = [0u8; 48];
        file.read_exact(&mut start).ok()?;
        let (magic, rest) = start.split_at(MAGIC.len());
        if magic != MAGIC {
            return None;
        }
        let (tag, len) = rest.split_at(32);
        let head_len = u64::from_le_bytes(len.try_into().ok()?);
        if head_len > size.saturating_sub(48) {
            return None;
        }
        let mut head = vec![0u8; usize::try_from(head_len).ok()?];
        file.read_exact(&mut head).ok()?;
        let mut mac = HmacSha256::new_from_slice(&self.key).ok()?;
        mac.update(len);
        mac.update(&head);
        mac.verify_slice(tag).ok()?;
        let stored: Stored = postcard::from_bytes(&head).ok()?;
        let body_at = 48 + head_len;
        // A file cut short (or grown) is not this one.
        if stored.build != BUILD_ID || body_at.checked_add(stored.body) != Some(size) {
            return None;
        }
        let body_len = usize::try_from(stored.body).ok()?;
        let range = |(at, len): (u64, u64)| -> Option<std::ops::Range<usize>> {
            let at = usize::try_from(at).ok()?;
            let end = at.checked_add(usize::try_from(len).ok()?)?;
            (end <= body_len).then_some(at..end)
        };
        let projects = stored
            .projects
            .iter()
            .map(|p| Some((p.key, p.digest, range(p.output)?)))
            .collect::<Option<Vec<_>>>()?;
        let facts = stored
            .facts
            .into_iter()
            .map(|f| (f.path.to_string(), (f.stamp, f.facts)))
            .collect();
        let old = stored
            .entries
            .into_iter()
            .map(|e| {
                let old = Old {
                    content: e.content,
                    context: e.context,
                    stamp: e.stamp,
                    digest: e.digest,
                    output: range(e.output)?,
                };
                Some((e.path.to_string(), old))
            })
            .collect::<Option<HashMap<_, _>>>()?;
        Some(Read {
            file,
            body_at,
            body_len,
            old,
            projects,
            facts,
        })
    }

    /// The file's body, read once when first needed.
    fn body(&self) -> Option<&[u8]> {
        self.body
            .get_or_init(|| {
                let body = self.read_at(self.body_at, self.body_len);
                if body.is_none() {
                    self.damage();
                }
                body
            })
            .as_deref()
    }

    fn read_at(&self, at: u64, len: usize) -> Option<Vec<u8>> {
        use std::io::{Read as _, Seek as _};
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let file = file.as_mut()?;
        file.seek(std::io::SeekFrom::Start(at)).ok()?;
        let mut out = vec![0u8; len];
        file.read_exact(&mut out).ok()?;
        Some(out)
    }

    /// A stored output, checked against its digest (which the signature covers).
    fn output(&self, range: &std::ops::Range<usize>, digest: &[u8; 32]) -> Option<&[u8]> {
        let out = self.body()?.get(range.clone())?;
        if Sha256::digest(out).as_slice() != digest {
            self.damage();
            return None;
        }
        Some(out)
    }

    fn damage(&self) {
        self.damaged
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// What discovery learns from the file at `path` (canonical): stored while the
    /// file's stamp is the one stored with it, else `compute`d (and recorded).
    pub fn module_facts(&self, path: &Path, compute: impl FnOnce() -> TestMods) -> TestMods {
        let key = path.to_string_lossy();
        // Taken before the file is read: a change while it is read gives it another.
        let now = stamp(path);
        if let (Some(now), Some((then, facts))) = (now, self.facts.get(key.as_ref())) {
            if now == *then {
                return facts.clone();
            }
        }
        let facts = compute();
        if let Some(now) = settled(now) {
            self.fresh_facts
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key.into_owned(), (now, facts.clone()));
        }
        facts
    }

    /// The stored result of the file at `path` (absolute) when its stamp is the one
    /// stored with it and it was made in this context: the file need not be read. Not
    /// decoded yet ([`Cache::decode`]).
    pub fn lookup_unchanged(
        &self,
        path: &str,
        stamp: Option<Stamp>,
        context: &[u8; 32],
    ) -> Option<Reused> {
        let e = self.old.get(path)?;
        if stamp.is_none() || e.stamp != stamp || e.context != *context {
            return None;
        }
        self.count(true);
        Some(Reused {
            digest: e.digest,
            output: e.output.clone(),
        })
    }

    /// Decodes a stored result. `None` when it cannot be read or does not decode (the
    /// file is then analysed again).
    pub fn decode(&self, r: &Reused) -> Option<FileOutput> {
        let out = shared::decode::<FileOutput>(self.output(&r.output, &r.digest)?);
        if out.is_none() {
            self.damage();
        }
        out
    }

    /// The digest of a file's contents (its key with the context).
    pub fn content_digest(bytes: &[u8]) -> [u8; 32] {
        Sha256::digest(bytes).into()
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
        let content = Self::content_digest(bytes);
        let miss = || {
            self.count(false);
            Lookup::Miss { content, context }
        };
        let Some(e) = self
            .old
            .get(path)
            .filter(|e| e.content == content && e.context == context)
        else {
            return miss();
        };
        // The same contents with another stamp (touched, checked out again): stored
        // with the new one, so the next run need not read the file.
        let stamp = settled(stamp);
        if e.stamp != stamp {
            let Some(bytes) = self.output(&e.output, &e.digest) else {
                return miss();
            };
            self.fresh.lock().unwrap_or_else(|p| p.into_inner()).insert(
                path.to_string(),
                Fresh {
                    content,
                    context,
                    stamp,
                    digest: e.digest,
                    output: bytes.to_vec(),
                },
            );
        }
        self.count(true);
        Lookup::Hit(Reused {
            digest: e.digest,
            output: e.output.clone(),
        })
    }

    fn count(&self, hit: bool) {
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        if hit {
            stats.hits += 1;
        } else {
            stats.misses += 1;
        }
    }

    /// Stores a fresh result (`content`, `context` from the [`Lookup::Miss`]); returns
    /// the digest of its encoding.
    pub fn store(
        &self,
        path: &str,
        content: [u8; 32],
        context: [u8; 32],
        stamp: Option<Stamp>,
        output: &FileOutput,
    ) -> Option<[u8; 32]> {
        let bytes = shared::encode(output)?;
        let digest: [u8; 32] = Sha256::digest(&bytes).into();
        self.fresh.lock().unwrap_or_else(|p| p.into_inner()).insert(
            path.to_string(),
            Fresh {
                content,
                context,
                stamp: settled(stamp),
                digest,
                output: bytes,
            },
        );
        Some(digest)
    }

    /// The key of a run's project-pass result: this build, the run's settings (its
    /// analysis identity) and, in order, each file's path, context digest and result
    /// digest.
    pub fn project_key<'f>(
        settings: &crate::config::Settings,
        files: impl IntoIterator<Item = (&'f str, &'f [u8; 32], &'f [u8; 32])>,
    ) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"project\0");
        h.update(BUILD_ID.as_bytes());
        h.update([0]);
        h.update(settings.analysis_identity().as_bytes());
        h.update([0]);
        for (path, context, digest) in files {
            h.update((path.len() as u64).to_le_bytes());
            h.update(path.as_bytes());
            h.update(context);
            h.update(digest);
        }
        h.finalize().into()
    }

    /// For a run that wants the layer map (`--show-layers`): a stored project-pass
    /// result holds none, so none is used (they are still stored).
    pub fn keep_layer_maps(&mut self) {
        self.reuse_projects = false;
    }

    /// The stored project-pass result under `key`, if any (and it decodes).
    pub fn project(&self, key: &[u8; 32]) -> Option<ProjectOutput> {
        if !self.reuse_projects {
            return None;
        }
        let (_, digest, range) = self.projects.iter().find(|(k, _, _)| k == key)?;
        // Only this part of the body is read.
        let bytes = self.read_at(self.body_at + range.start as u64, range.len())?;
        if Sha256::digest(&bytes).as_slice() != digest {
            self.damage();
            return None;
        }
        let out = shared::decode::<ProjectOutput>(&bytes)?;
        self.used_projects
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(*key);
        self.stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .projects_reused += 1;
        Some(out)
    }

    /// Stores a project-pass result under `key`.
    pub fn store_project(&self, key: [u8; 32], output: &ProjectOutput) {
        let Some(bytes) = shared::encode(output) else {
            return;
        };
        self.made_projects
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((key, bytes));
        self.stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .projects_made += 1;
    }

    pub fn stats(&self) -> Stats {
        *self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the cache back when anything changed: this run's results, and the earlier
    /// entries of files that still exist (whether this run saw them or not: a run on
    /// some files keeps the others'). Failures are ignored (a cache that cannot be
    /// written only costs speed).
    pub fn save(self) {
        fn take<T: Default>(m: &Mutex<T>) -> T {
            std::mem::take(&mut *m.lock().unwrap_or_else(|p| p.into_inner()))
        }
        let fresh = take(&self.fresh);
        let made = take(&self.made_projects);
        let used = take(&self.used_projects);
        let fresh_facts = take(&self.fresh_facts);
        let mut changed = self.stale
            || self.damaged.load(std::sync::atomic::Ordering::Relaxed)
            || !fresh.is_empty()
            || !made.is_empty()
            || !fresh_facts.is_empty();
        // The earlier entries of files that still exist (whether this run saw them or
        // not).
        let kept: Vec<(&String, &Old)> = self
            .old
            .iter()
            .filter(|(path, _)| !fresh.contains_key(*path))
            .filter(|(path, _)| {
                let there = Path::new(path).is_file();
                // The file is gone: its entry goes too.
                changed |= !there;
                there
            })
            .collect();
        if !changed {
            return;
        }
        // Every output, checked against its digest, in the order of the entries.
        let entry = |path, content, context, stamp, digest| Entry {
            path,
            content,
            context,
            stamp,
            digest,
            output: (0, 0),
        };
        let mut files: Vec<(Entry, &[u8])> = kept
            .into_iter()
            .filter_map(|(path, e)| {
                let out = self.output(&e.output, &e.digest)?;
                Some((entry(path, e.content, e.context, e.stamp, e.digest), out))
            })
            .collect();
        for (path, e) in &fresh {
            files.push((
                entry(path, e.content, e.context, e.stamp, e.digest),
                &e.output,
            ));
        }
        files.sort_by(|a, b| a.0.path.cmp(b.0.path));
        let mut body: Vec<&[u8]> = Vec::with_capacity(files.len() + MAX_PROJECTS);
        let mut at = 0u64;
        let mut place = |out: &[u8]| {
            let r = (at, out.len() as u64);
            at += out.len() as u64;
            r
        };
        let mut entries: Vec<Entry> = Vec::with_capacity(files.len());
        for (mut e, out) in files {
            e.output = place(out);
            entries.push(e);
            body.push(out);
        }
        // Whole-run results: this run's (made, then used), then the others as they were.
        let mut projects: Vec<ProjectEntry> = Vec::new();
        let made = made
            .iter()
            .map(|(key, out)| (*key, Sha256::digest(out).into(), out.as_slice()));
        let old = used
            .iter()
            .filter_map(|k| self.projects.iter().find(|(o, _, _)| o == k))
            .chain(self.projects.iter())
            .filter_map(|(key, digest, range)| Some((*key, *digest, self.output(range, digest)?)));
        for (key, digest, out) in made.chain(old) {
            if projects.len() == MAX_PROJECTS || projects.iter().any(|p| p.key == key) {
                continue;
            }
            projects.push(ProjectEntry {
                key,
                digest,
                output: place(out),
            });
            body.push(out);
        }
        // Discovery's facts: this run's, and the earlier ones of files that still exist.
        let mut facts: Vec<FactEntry> = fresh_facts
            .iter()
            .map(|(path, (stamp, facts))| FactEntry {
                path,
                stamp: *stamp,
                facts: facts.clone(),
            })
            .collect();
        for (path, (stamp, f)) in &self.facts {
            if !fresh_facts.contains_key(path) && Path::new(path).is_file() {
                facts.push(FactEntry {
                    path,
                    stamp: *stamp,
                    facts: f.clone(),
                });
            }
        }
        facts.sort_by(|a, b| a.path.cmp(b.path));
        let stored = Stored {
            build: BUILD_ID,
            entries,
            projects,
            facts,
            body: at,
        };
        let Ok(head) = postcard::to_stdvec(&stored) else {
            return;
        };
        let len = (head.len() as u64).to_le_bytes();
        let Ok(mut mac) = HmacSha256::new_from_slice(&self.key) else {
            return;
        };
        mac.update(&len);
        mac.update(&head);
        let tag = mac.finalize().into_bytes();
        let _ = write_atomically(&self.dir, &tag, &len, &head, &body);
    }
}

/// What [`Cache::read`] found.
struct Read {
    file: std::fs::File,
    body_at: u64,
    body_len: usize,
    old: HashMap<String, Old>,
    projects: Vec<([u8; 32], [u8; 32], std::ops::Range<usize>)>,
    facts: HashMap<String, (Stamp, TestMods)>,
}

/// The result of [`Cache::lookup`].
pub enum Lookup {
    Hit(Reused),
    Miss {
        content: [u8; 32],
        context: [u8; 32],
    },
}

/// Writes the cache file — its magic, signature, head length, head, then the body's
/// parts — through a temporary file and a rename, with a `.gitignore` beside it (as
/// other tools' caches have).
fn write_atomically(
    dir: &Path,
    tag: &[u8],
    len: &[u8],
    head: &[u8],
    body: &[&[u8]],
) -> std::io::Result<()> {
    use std::io::Write;
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
        let mut file = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        for part in [MAGIC.as_slice(), tag, len, head]
            .into_iter()
            .chain(body.iter().copied())
        {
            file.write_all(part)?;
        }
        file.into_inner().map_err(|e| e.into_error())?;
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
            let out: &[u8] = &[0, 0, 0];
            let stored = Stored {
                build,
                entries: vec![Entry {
                    path: "/w/src/lib.rs",
                    content: [1; 32],
                    context: [2; 32],
                    stamp: None,
                    digest: Sha256::digest(out).into(),
                    output: (0, 3),
                }],
                projects: Vec::new(),
                facts: Vec::new(),
                body: 3,
            };
            let head = postcard::to_stdvec(&stored).unwrap();
            let len = (head.len() as u64).to_le_bytes();
            let mut mac = HmacSha256::new_from_slice(&key).unwrap();
            mac.update(&len);
            mac.update(&head);
            let tag = mac.finalize().into_bytes();
            write_atomically(dir.path(), &tag, &len, &head, &[out]).unwrap();
        };
        write(BUILD_ID);
        assert_eq!(Cache::open(dir.path()).unwrap().old.len(), 1);
        write("0.0.1-0123456789abcdef");
        let c = Cache::open(dir.path()).unwrap();
        assert!(c.old.is_empty() && c.stale);
    }
}
