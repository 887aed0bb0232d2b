//! Finding the files to analyze: the workspace's target source trees, or the paths given.
//! Honours `.gitignore`/`.ignore`, skips `target/` and hidden directories, applies
//! `exclude` globs, skips vendored crates, and never follows symbolic links while walking
//! (no loops, nothing outside the tree).

use crate::config::Settings;
use crate::engine::cx::FileMeta;
use crate::engine::{FileError, SourceJob};
use crate::model::names::is_test_package_name;
use crate::workspace::{self, CrateMap, Package};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use syn::Expr;

#[derive(Debug, Default)]
pub struct Discovery {
    pub jobs: Vec<SourceJob>,
    pub errors: Vec<FileError>,
    /// Things the user should know (e.g. a workspace member skipped).
    pub warnings: Vec<String>,
    /// The package and target of each file, when it has one.
    pub crates: CrateMap,
}

/// Where to look.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// Paths given on the command line (empty: the workspace of `cwd`).
    pub paths: Vec<PathBuf>,
    /// `--manifest-path`.
    pub manifest: Option<PathBuf>,
    /// `-p/--package`, `--exclude`: which workspace members.
    pub selection: workspace::Selection,
}

pub fn discover(target: &Target, settings: &Settings, cwd: &Path) -> Discovery {
    discover_with(target, settings, cwd, None)
}

/// [`discover`], with what files declare about their modules reused from `cache` while
/// they are unchanged (and recorded there).
pub fn discover_with(
    target: &Target,
    settings: &Settings,
    cwd: &Path,
    cache: Option<&crate::cache::Cache>,
) -> Discovery {
    let mut d = Discovery::default();
    // Manifests and files that may declare test-only modules are read on `--jobs`
    // threads.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs)
        .build()
        .ok();
    // Canonical once: every walked path below a canonical root is canonical too, so no
    // per-file system calls are needed to relate files, packages and the cwd.
    let cwd_canon = canonical(cwd);
    // Each file with its package (an index into `packages`).
    let mut files: BTreeMap<PathBuf, (FileMeta, Option<usize>)> = BTreeMap::new();
    let mut packages: Vec<Package> = Vec::new();
    if target.paths.is_empty() {
        let loaded = workspace::load(cwd, target.manifest.as_deref()).and_then(|mut ws| {
            d.warnings.append(&mut ws.warnings);
            if ws.packages.is_empty() {
                d.warnings.push(format!(
                    "the workspace {} has no members: nothing to analyze",
                    ws.root.display()
                ));
            }
            d.warnings.extend(target.selection.apply(&mut ws)?);
            Ok(ws)
        });
        match loaded {
            Ok(ws) => {
                let root = canonical(&ws.root);
                for pkg in &ws.packages {
                    let pkg = canonical_package(pkg);
                    let i = packages.len();
                    for dir in source_roots(&pkg) {
                        // The manifests' reader keeps targets inside the root; checked
                        // again here, on the path about to be walked.
                        if !canonical(&dir).starts_with(&root) {
                            d.warnings.push(format!(
                                "{} lies outside the workspace root {}; not analyzed",
                                dir.display(),
                                root.display()
                            ));
                            continue;
                        }
                        walk_within(&root, &dir, settings, &mut d, &mut |f| {
                            files.insert(f.to_path_buf(), (meta_for(f, Some(&pkg)), Some(i)));
                        });
                    }
                    packages.push(pkg);
                }
            }
            Err(workspace::WorkspaceError::NoManifest(_))
                if target.selection.is_all() && target.manifest.is_none() =>
            {
                // No Cargo.toml here or above: the directory tree is the project.
                let plain = plain_packages(&cwd_canon, pool.as_ref());
                let lookup = PlainPackages::new(&plain);
                walk(&cwd_canon, settings, &mut d, &mut |f| {
                    files.insert(f.to_path_buf(), lookup.meta_for(f, packages.len()));
                });
                packages.extend(plain);
            }
            Err(e @ workspace::WorkspaceError::NoSuchPackage { .. })
            | Err(e @ workspace::WorkspaceError::BadSpec { .. }) => d.errors.push(FileError {
                display: String::new(),
                message: e.to_string(),
            }),
            Err(e) => d.errors.push(FileError {
                display: match &e {
                    workspace::WorkspaceError::Manifest { manifest, .. } => {
                        display_path(Path::new(manifest), cwd, &cwd_canon)
                    }
                    _ => target
                        .manifest
                        .as_deref()
                        .map(|m| display_path(m, cwd, &cwd_canon))
                        .unwrap_or_else(|| ".".into()),
                },
                message: match e {
                    workspace::WorkspaceError::Manifest { message, .. } => message,
                    other => other.to_string(),
                },
            }),
        }
    } else {
        for p in &target.paths {
            let p = if p.is_absolute() {
                p.clone()
            } else {
                cwd.join(p)
            };
            match std::fs::metadata(&p) {
                Err(e) => d.errors.push(FileError {
                    display: display_path(&p, cwd, &cwd_canon),
                    message: format!("cannot access path: {e}"),
                }),
                Ok(m) if m.is_file() => {
                    let p = canonical(&p);
                    // Only a package at or above the file can hold it.
                    let plain = enclosing_package(p.parent().unwrap_or(&cwd_canon));
                    let meta = PlainPackages::new(&plain).meta_for(&p, packages.len());
                    files.insert(p.clone(), meta);
                    packages.extend(plain);
                }
                Ok(m) if !m.is_dir() => d.errors.push(FileError {
                    // A FIFO, socket or device: reading it could block or never end.
                    display: display_path(&p, cwd, &cwd_canon),
                    message: "not a regular file or directory".into(),
                }),
                Ok(_) => {
                    let p = canonical(&p);
                    let plain = plain_packages(&p, pool.as_ref());
                    let lookup = PlainPackages::new(&plain);
                    walk(&p, settings, &mut d, &mut |f| {
                        files.insert(f.to_path_buf(), lookup.meta_for(f, packages.len()));
                    });
                    packages.extend(plain);
                }
            }
        }
    }
    let facts = |p: &Path| match cache {
        Some(c) => c.module_facts(p, || test_only_mods(p)),
        None => test_only_mods(p),
    };
    mark_test_only_modules(&mut files, pool.as_ref(), &facts);
    for (path, (mut meta, pkg)) in files {
        meta.path_layer = settings.layer_of_file(&path);
        let display = display_path(&path, cwd, &cwd_canon);
        if let Some(pkg) = pkg.and_then(|i| packages.get(i)) {
            d.crates.insert(&display, &path, pkg);
        }
        d.jobs.push(SourceJob {
            display,
            path,
            meta,
        });
    }
    d.jobs.sort_by(|a, b| a.display.cmp(&b.display));
    d
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn canonical_package(p: &Package) -> Package {
    let dir = canonical(&p.manifest_dir);
    Package {
        name: p.name.clone(),
        id: p.id.clone(),
        version: p.version.clone(),
        targets: p
            .targets
            .iter()
            .map(|t| workspace::CrateTarget {
                src_path: dir.join(
                    t.src_path
                        .strip_prefix(&p.manifest_dir)
                        .unwrap_or(&t.src_path),
                ),
                ..t.clone()
            })
            .collect(),
        manifest_dir: dir,
        dependencies: p.dependencies.clone(),
        dev_only: p.dev_only.clone(),
    }
}

/// Directories (and single files) holding a package's sources: the directory of each
/// target root, except roots that sit directly in the package directory (`build.rs`),
/// which are taken alone.
fn source_roots(pkg: &Package) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for r in pkg.targets.iter().map(|t| &t.src_path) {
        let Some(dir) = r.parent() else { continue };
        let candidate = if dir == pkg.manifest_dir {
            r.clone()
        } else {
            dir.to_path_buf()
        };
        if !out.iter().any(|o| candidate.starts_with(o)) {
            out.retain(|o| !o.starts_with(&candidate));
            out.push(candidate);
        }
    }
    out.sort();
    out
}

/// Walks the directory (or file) `root`, given by the user or with no workspace.
fn walk(root: &Path, settings: &Settings, d: &mut Discovery, add: &mut dyn FnMut(&Path)) {
    if root.is_file() {
        add(root);
        return;
    }
    // A vendored tree named on the command line (the directory `cargo vendor` wrote, or
    // a crate in it) is what the user asked for; below any other root it is skipped.
    let keep_vendored = root.ancestors().any(is_vendored);
    let walker = walker(root)
        .parents(true)
        .filter_entry(move |e| e.depth() == 0 || !skipped_dir(e, keep_vendored))
        .build();
    collect(walker, settings, d, add);
}

/// Walks `src` (a directory or file inside the workspace root `root`): from the root
/// down, so the `.gitignore`s between them apply, and no ignore file above the root is
/// read.
fn walk_within(
    root: &Path,
    src: &Path,
    settings: &Settings,
    d: &mut Discovery,
    add: &mut dyn FnMut(&Path),
) {
    if src.is_file() {
        add(src);
        return;
    }
    let (root, src) = (root.to_path_buf(), src.to_path_buf());
    let walker = walker(&root)
        .parents(false)
        .filter_entry(move |e| {
            let p = e.path();
            // On the way down to `src`, or inside it.
            src.starts_with(p) || (p.starts_with(&src) && !skipped_dir(e, false))
        })
        .build();
    collect(walker, settings, d, add);
}

fn walker(root: &Path) -> ignore::WalkBuilder {
    let mut b = ignore::WalkBuilder::new(root);
    b.hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .sort_by_file_path(|a, b| a.cmp(b));
    b
}

/// A directory below a walk's root that is not the project's code: `target/`, and
/// vendored crates (a directory holding `.cargo-checksum.json`, as `cargo vendor` writes
/// them, or a `vendor/` directory holding crates).
fn skipped_dir(e: &ignore::DirEntry, keep_vendored: bool) -> bool {
    if !e.file_type().is_some_and(|t| t.is_dir()) {
        return false;
    }
    e.file_name() == "target" || (!keep_vendored && is_vendored(e.path()))
}

/// Does `dir` hold vendored crates (or is one)?
pub(crate) fn is_vendored(dir: &Path) -> bool {
    if dir.join(".cargo-checksum.json").is_file() {
        return true;
    }
    dir.file_name().is_some_and(|n| n == "vendor")
        && (dir.join("Cargo.toml").is_file()
            || std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .any(|c| {
                    c.file_type().is_ok_and(|t| t.is_dir())
                        && (c.path().join("Cargo.toml").is_file()
                            || c.path().join(".cargo-checksum.json").is_file())
                }))
}

fn collect(
    walker: ignore::Walk,
    settings: &Settings,
    d: &mut Discovery,
    add: &mut dyn FnMut(&Path),
) {
    for entry in walker {
        match entry {
            Ok(e) => {
                let path = e.path();
                if !e.file_type().is_some_and(|t| t.is_file())
                    || path.extension().is_none_or(|x| x != "rs")
                {
                    continue;
                }
                if settings.is_excluded(&settings.relative_to_base(path)) {
                    continue;
                }
                add(path);
            }
            Err(err) => {
                let (display, message) = walk_error(&err);
                d.errors.push(FileError { display, message });
            }
        }
    }
}

fn walk_error(err: &ignore::Error) -> (String, String) {
    match err {
        ignore::Error::WithPath { path, err } => (path.display().to_string(), err.to_string()),
        ignore::Error::WithDepth { err, .. } => walk_error(err),
        ignore::Error::WithLineNumber { err, .. } => walk_error(err),
        ignore::Error::Loop { child, ancestor } => (
            child.display().to_string(),
            format!("symbolic link loop back to {}", ancestor.display()),
        ),
        other => (String::new(), other.to_string()),
    }
}

/// Packages found by their Cargo.toml at or below `dir` and above it (no cargo needed),
/// with canonical paths; the manifests are read on `pool`'s threads when given.
pub(crate) fn plain_packages(dir: &Path, pool: Option<&rayon::ThreadPool>) -> Vec<Package> {
    let mut out = enclosing_package(dir);
    let keep_vendored = dir.ancestors().any(is_vendored);
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |e| e.depth() == 0 || !skipped_dir(e, keep_vendored))
        .build();
    let dirs: Vec<PathBuf> = walker
        .flatten()
        .filter(|e| e.file_name() == "Cargo.toml" && e.depth() > 0)
        .filter_map(|e| e.path().parent().map(Path::to_path_buf))
        .collect();
    let read = || -> Vec<Package> {
        use rayon::prelude::*;
        dirs.par_iter()
            .with_max_len(1)
            .map(|d| canonical_package(&workspace::package_for_dir(d)))
            .collect()
    };
    out.extend(match pool {
        Some(pool) => pool.install(read),
        None => read(),
    });
    out
}

/// The package of the nearest Cargo.toml at or above `dir` (no cargo needed).
fn enclosing_package(dir: &Path) -> Vec<Package> {
    workspace::find_manifest(dir)
        .and_then(|m| m.parent().map(workspace::package_for_dir))
        .map(|p| canonical_package(&p))
        .into_iter()
        .collect()
}

/// Cargo's target directories that hold no production code: integration tests,
/// benchmarks and example programs. Their files are analysed as test code.
fn is_non_production_dir(name: &std::ffi::OsStr) -> bool {
    name == "tests" || name == "benches" || name == "examples"
}

/// Whether a package lives inside another package's `tests/`, `benches/` or `examples/`
/// directory (a mock server or fixture crate under `crates/core/tests/mock-api/`), or in a
/// directory of the workspace named as a test suite (`phd-tests/framework/`,
/// `e2e/harness/`): all of it is test code. At most eight directories up.
fn nested_in_test_dir(manifest_dir: &Path) -> bool {
    manifest_dir
        .ancestors()
        .skip(1)
        .take(8)
        .filter(|a| {
            a.file_name()
                .is_some_and(|n| is_non_production_dir(n) || is_test_suite_dir(n))
        })
        .any(|a| a.parent().is_some_and(|p| p.join("Cargo.toml").is_file()))
}

/// A directory named as a test suite: `integration-tests`, `phd-tests`, `e2e`,
/// `test-utils`, `testing` (not `integration` alone: as likely third-party integrations;
/// nor `fixtures`, which holds sample projects a tool's own tests and users run on).
fn is_test_suite_dir(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| {
        let w = crate::model::names::words(n);
        w.iter()
            .any(|w| matches!(w.as_str(), "test" | "tests" | "testing"))
            || w.last().is_some_and(|w| w == "e2e")
    })
}

fn meta_for(file: &Path, pkg: Option<&Package>) -> FileMeta {
    let test_dir = |base: &Path| {
        file.strip_prefix(base).ok().is_some_and(|rel| {
            rel.components()
                .next()
                .is_some_and(|c| is_non_production_dir(c.as_os_str()))
        })
    };
    // `src/**/tests.rs` / `test.rs`: the module of a `#[cfg(test)] mod tests;`.
    let test_module = file
        .file_stem()
        .is_some_and(|s| s == "tests" || s == "test");
    match pkg {
        Some(p) => FileMeta {
            krate: Some(p.name.clone()),
            module: workspace::module_path(file, p),
            test: test_dir(&p.manifest_dir)
                || is_test_package_name(&p.name)
                || test_module
                || nested_in_test_dir(&p.manifest_dir),
            cli: p.is_cli(),
            tool: p.is_tool_file(file),
            build_script: p.is_build_script(file),
            path_layer: None,
        },
        None => FileMeta {
            krate: None,
            module: vec!["crate".into()],
            test: test_module
                || file
                    .components()
                    .any(|c| is_non_production_dir(c.as_os_str())),
            cli: false,
            tool: file.file_name().is_some_and(|n| n == "build.rs"),
            build_script: file.file_name().is_some_and(|n| n == "build.rs"),
            path_layer: None,
        },
    }
}

/// Marks as test code the files of modules their parent declares only for tests
/// (`#[cfg(test)] mod fixtures;`, `#[cfg(any(test, feature = "testing"))] pub mod
/// testing;`), and the files of their submodules.
fn mark_test_only_modules(
    files: &mut BTreeMap<PathBuf, (FileMeta, Option<usize>)>,
    pool: Option<&rayon::ThreadPool>,
    facts: &(dyn Fn(&Path) -> TestMods + Sync),
) {
    // The files that may declare others' modules (`mod.rs`, `lib.rs`, `main.rs`, and
    // `a.rs` beside a directory `a/` of files) are read first, in parallel; a parent
    // found only on disk is read when needed.
    let dirs: std::collections::HashSet<&Path> = files.keys().filter_map(|p| p.parent()).collect();
    let owners: Vec<&PathBuf> = files
        .keys()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n == "mod.rs" || n == "lib.rs" || n == "main.rs")
                || dirs.contains(p.with_extension("").as_path())
        })
        .collect();
    let read = || -> HashMap<PathBuf, TestMods> {
        use rayon::prelude::*;
        owners
            .par_iter()
            .with_max_len(1)
            .map(|p| ((*p).clone(), facts(p)))
            .collect()
    };
    let mut declared = match pool {
        Some(pool) => pool.install(read),
        None => read(),
    };
    let mut test: HashMap<PathBuf, bool> = HashMap::new();
    let paths: Vec<PathBuf> = files.keys().cloned().collect();
    for path in &paths {
        if is_test_module_file(path, files, &mut declared, &mut test, facts, 0) {
            if let Some((meta, _)) = files.get_mut(path) {
                meta.test = true;
            }
        }
    }
}

/// Whether the file is test code: marked so already, or the module of a test-only
/// declaration in its parent file, or below one. Parents are found by the file layout
/// (`a/b.rs` or `a/b/mod.rs` is declared in `a.rs`, `a/mod.rs`, or the crate root
/// `a/lib.rs` / `a/main.rs`), or by a `#[path = ".."]` attribute in a `mod.rs`, `lib.rs`
/// or `main.rs` of a directory above.
fn is_test_module_file(
    path: &Path,
    files: &BTreeMap<PathBuf, (FileMeta, Option<usize>)>,
    declared: &mut HashMap<PathBuf, TestMods>,
    memo: &mut HashMap<PathBuf, bool>,
    facts: &dyn Fn(&Path) -> TestMods,
    depth: usize,
) -> bool {
    if let Some(&t) = memo.get(path) {
        return t;
    }
    let Some((meta, _)) = files.get(path) else {
        return false;
    };
    if meta.test {
        return true;
    }
    if depth > 64 {
        return false;
    }
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    if matches!(stem, "lib" | "main" | "build") {
        memo.insert(path.to_path_buf(), false);
        return false;
    }
    // `#[cfg(test)] #[path = "tests/api.rs"] mod api_tests;` in a directory above.
    let mut up = path.parent();
    for _ in 0..3 {
        let Some(dir) = up else { break };
        let rel = path
            .strip_prefix(dir)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        for owner in ["mod.rs", "lib.rs", "main.rs"].map(|f| dir.join(f)) {
            if owner == path || !files.contains_key(&owner) {
                continue;
            }
            let mods = declared
                .entry(owner.clone())
                .or_insert_with(|| facts(&owner));
            if mods.paths.iter().any(|p| p.trim_start_matches("./") == rel) {
                memo.insert(path.to_path_buf(), true);
                return true;
            }
        }
        up = dir.parent();
    }
    // The module's name and the directory whose owner declares it.
    let (name, dir) = if stem == "mod" {
        let Some(dir) = path.parent() else {
            return false;
        };
        match (dir.file_name().and_then(|n| n.to_str()), dir.parent()) {
            (Some(n), Some(up)) => (n.to_string(), up.to_path_buf()),
            _ => return false,
        }
    } else {
        match path.parent() {
            Some(dir) => (stem.to_string(), dir.to_path_buf()),
            None => return false,
        }
    };
    let mut owners = vec![dir.join("mod.rs"), dir.join("lib.rs"), dir.join("main.rs")];
    if let (Some(n), Some(up)) = (dir.file_name(), dir.parent()) {
        let mut file = n.to_os_string();
        file.push(".rs");
        owners.push(up.join(file));
    }
    // The parent among the files analysed, else on disk (a run given only some files,
    // as a pre-commit hook does).
    let owner = match owners.iter().find(|o| files.contains_key(*o)) {
        Some(o) => Some(o.clone()),
        None => owners.into_iter().find(|o| o.is_file()),
    };
    let Some(owner) = owner else {
        memo.insert(path.to_path_buf(), false);
        return false;
    };
    let mods = declared
        .entry(owner.clone())
        .or_insert_with(|| facts(&owner));
    let t = mods.names.contains(&name)
        || is_test_module_file(&owner, files, declared, memo, facts, depth + 1);
    memo.insert(path.to_path_buf(), t);
    t
}

/// The modules a file declares without a body (`mod x;`) behind a test-only attribute:
/// by name, and by `#[path]` when it has one.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct TestMods {
    names: Vec<String>,
    paths: Vec<String>,
}

fn test_only_mods(file: &Path) -> TestMods {
    let mut out = TestMods::default();
    let Ok(text) = std::fs::read_to_string(file) else {
        return out;
    };
    // Only files that could hold such a declaration are parsed: a `mod name;` with a
    // `cfg` attribute shortly before it.
    if !has_cfg_mod_declaration(&text) {
        return out;
    }
    for m in bodyless_mods(&text) {
        if !crate::engine::walk::is_test_item(&m.attrs) {
            continue;
        }
        let path = m.attrs.iter().find_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        });
        match path {
            Some(p) => out.paths.push(p),
            None => out
                .names
                .push(syn::ext::IdentExt::unraw(&m.ident).to_string()),
        }
    }
    out
}

/// The file's top-level `mod name;` declarations with their outer attributes, found in
/// its tokens (lexing is several times cheaper than parsing the whole file; only the
/// declarations are parsed). A file that does not lex has none.
fn bodyless_mods(text: &str) -> Vec<syn::ItemMod> {
    use proc_macro2::{Delimiter, TokenTree};
    let Ok(tokens) = text.parse::<proc_macro2::TokenStream>() else {
        return Vec::new();
    };
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    // Where the current item's outer attributes and visibility begin.
    let mut start = 0;
    let mut i = 0;
    while i < trees.len() {
        match &trees[i] {
            // `#[..]`: an outer attribute (`#![..]`, an inner one, ends the item).
            TokenTree::Punct(p) if p.as_char() == '#' => match trees.get(i + 1) {
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket => i += 2,
                _ => {
                    i += 1;
                    start = i;
                }
            },
            TokenTree::Ident(id) if id == "pub" => {
                i += 1;
                if let Some(TokenTree::Group(g)) = trees.get(i) {
                    if g.delimiter() == Delimiter::Parenthesis {
                        i += 1;
                    }
                }
            }
            TokenTree::Ident(id) if id == "mod" => {
                let declared = matches!(
                    (trees.get(i + 1), trees.get(i + 2)),
                    (Some(TokenTree::Ident(_)), Some(TokenTree::Punct(p))) if p.as_char() == ';'
                );
                if declared {
                    let item: proc_macro2::TokenStream =
                        trees[start..i + 3].iter().cloned().collect();
                    if let Ok(m) = syn::parse2::<syn::ItemMod>(item) {
                        out.push(m);
                    }
                    i += 3;
                } else {
                    i += 1;
                }
                start = i;
            }
            _ => {
                i += 1;
                start = i;
            }
        }
    }
    out
}

/// Whether the text has a body-less `mod name;` within a few lines after a `cfg`
/// (a cheap test before parsing the file).
fn has_cfg_mod_declaration(text: &str) -> bool {
    let mut from = 0;
    while let Some(i) = text[from..].find("mod ") {
        let at = from + i;
        from = at + 4;
        let rest = text[from..].trim_start();
        let ident_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '#'))
            .unwrap_or(rest.len());
        if ident_len == 0 || !rest[ident_len..].trim_start().starts_with(';') {
            continue;
        }
        let mut before = at.saturating_sub(300);
        while !text.is_char_boundary(before) {
            before -= 1;
        }
        // A test-only `cfg` names a test, e2e or mock feature (`is_test_feature_name`).
        let window = text[before..at].to_ascii_lowercase();
        if window.contains("cfg")
            && (window.contains("test") || window.contains("e2e") || window.contains("mock"))
        {
            return true;
        }
    }
    false
}

/// The packages found without cargo, by manifest directory, to find the innermost one
/// holding a file by walking up from the file: a tree of vendored crates has hundreds of
/// packages and tens of thousands of files.
struct PlainPackages<'a> {
    packages: &'a [Package],
    by_dir: HashMap<&'a Path, usize>,
}

impl<'a> PlainPackages<'a> {
    fn new(packages: &'a [Package]) -> Self {
        // Of two packages with one directory, the later counts.
        let by_dir = packages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.manifest_dir.as_path(), i))
            .collect();
        PlainPackages { packages, by_dir }
    }

    /// The meta of a (canonical) file from the innermost package containing it, and that
    /// package's index counted from `offset`.
    fn meta_for(&self, file: &Path, offset: usize) -> (FileMeta, Option<usize>) {
        let pkg = file
            .ancestors()
            .skip(1)
            .find_map(|dir| self.by_dir.get(dir).map(|&i| (i, &self.packages[i])));
        (
            meta_for(file, pkg.map(|(_, p)| p)),
            pkg.map(|(i, _)| offset + i),
        )
    }
}

/// A path as shown in reports: relative to the current directory when below it,
/// `/`-separated.
pub fn display_path(path: &Path, cwd: &Path, cwd_canon: &Path) -> String {
    let rel = path
        .strip_prefix(cwd_canon)
        .or_else(|_| path.strip_prefix(cwd))
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf());
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// `path` relative to the directory `base` (both absolute), `/`-separated, with `..`
/// where it lies outside `base`; a relative `path` is returned as it is.
pub fn relative_to(path: &Path, base: &Path) -> String {
    let rel: PathBuf = if path.is_absolute() {
        let a: Vec<_> = path.components().collect();
        let b: Vec<_> = base.components().collect();
        let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
        let mut r = PathBuf::new();
        for _ in common..b.len() {
            r.push("..");
        }
        for c in &a[common..] {
            r.push(c);
        }
        r
    } else {
        path.to_path_buf()
    };
    rel.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cfg_mod_declarations_are_found_cheaply() {
        assert!(has_cfg_mod_declaration("#[cfg(test)]\nmod tests;\n"));
        assert!(has_cfg_mod_declaration(
            "pub mod db;\n#[cfg(any(test, feature = \"testing\"))]\npub mod testing ;"
        ));
        assert!(!has_cfg_mod_declaration(
            "pub mod db;\n#[cfg(test)]\nmod tests {}\n"
        ));
        assert!(!has_cfg_mod_declaration("pub mod db;\npub mod api;\n"));
        assert!(!has_cfg_mod_declaration("// ünïcödé\nmod "));
    }
}
