//! Reading a cargo workspace from its manifests, without running cargo: the workspace
//! root, its members, and each member's targets as cargo's auto-discovery finds them.
//!
//! Nothing outside the workspace root is read: a member pattern, a path dependency or a
//! target path leading out of it is ignored (with a warning), and so is a member directory
//! or a target whose real path (symbolic links resolved) lies outside it.

use crate::workspace::{plain_package_id, CrateTarget, Package, Workspace, WorkspaceError};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use toml::{Table, Value};

/// A parsed Cargo.toml.
struct Manifest {
    /// Canonical path of the Cargo.toml.
    path: PathBuf,
    table: Table,
}

impl Manifest {
    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("/"))
    }

    fn workspace(&self) -> Option<&Table> {
        self.table.get("workspace").and_then(Value::as_table)
    }

    fn package(&self) -> Option<&Table> {
        self.table.get("package").and_then(Value::as_table)
    }
}

/// Reads and parses a Cargo.toml; the error names the file and, for TOML errors, the line.
fn read(path: &Path) -> Result<Manifest, WorkspaceError> {
    let bad = |message: String| WorkspaceError::Manifest {
        manifest: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let table = text
        .parse::<Table>()
        .map_err(|e| bad(toml_error(&text, &e)))?;
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    Ok(Manifest { path, table })
}

/// A TOML error as `line N: message` (one line).
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let line = text
                .as_bytes()
                .iter()
                .take(span.start)
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            format!("invalid TOML at line {line}: {message}")
        }
        None => format!("invalid TOML: {message}"),
    }
}

/// `path` with `.` and `..` resolved lexically (no file system access).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` (relative to `base`) when it lies inside `root`, lexically and once symbolic
/// links are resolved; `None` otherwise.
fn inside(root: &Path, base: &Path, path: &str) -> Option<PathBuf> {
    let p = normalize(&base.join(path));
    if !p.starts_with(root) {
        return None;
    }
    match std::fs::canonicalize(&p) {
        Ok(real) if real.starts_with(root) => Some(real),
        Ok(_) => None,
        // Not there (yet): lexically inside is all there is to check.
        Err(_) => Some(p),
    }
}

/// Does `member` (canonical) belong to the workspace whose root manifest is `ws`?
fn lists_member(ws: &Manifest, member: &Path) -> bool {
    let root = ws.dir();
    if member == root {
        return true;
    }
    let Some(table) = ws.workspace() else {
        return false;
    };
    let strings = |key: &str| -> Vec<String> {
        table
            .get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let Ok(rel) = member.strip_prefix(root) else {
        return false;
    };
    let excluded = strings("exclude")
        .iter()
        .any(|e| member.starts_with(normalize(&root.join(e))));
    let members = strings("members");
    // A member named literally wins over `exclude`; one matched by a glob does not.
    let named = members.iter().any(|m| normalize(Path::new(m)) == rel);
    let globbed = members.iter().any(|m| {
        globset::GlobBuilder::new(&normalize(Path::new(m)).to_string_lossy())
            .literal_separator(true)
            .build()
            .is_ok_and(|g| g.compile_matcher().is_match(rel))
    });
    named || (!excluded && (globbed || is_path_dep_of_root(ws, member)))
}

/// Is `member` a path dependency of the root package (which makes it a member)?
fn is_path_dep_of_root(ws: &Manifest, member: &Path) -> bool {
    ws.package().is_some()
        && path_dependencies(ws, None)
            .iter()
            .any(|(base, p)| normalize(&base.join(p)) == member)
}

/// The root directory of the workspace that the package of `manifest` belongs to, and
/// its root manifest: as cargo finds it.
fn find_root(manifest: Manifest) -> Result<Manifest, WorkspaceError> {
    if manifest.workspace().is_some() {
        return Ok(manifest);
    }
    let dir = manifest.dir().to_path_buf();
    if let Some(rel) = manifest
        .package()
        .and_then(|p| p.get("workspace"))
        .and_then(Value::as_str)
    {
        let root_manifest = normalize(&dir.join(rel)).join("Cargo.toml");
        let root = read(&root_manifest)?;
        if root.workspace().is_none() {
            return Err(WorkspaceError::Manifest {
                manifest: manifest.path.display().to_string(),
                message: format!(
                    "`package.workspace` points at {}, which has no `[workspace]` table",
                    root.path.display()
                ),
            });
        }
        return Ok(root);
    }
    for d in dir.ancestors().skip(1) {
        let candidate = d.join("Cargo.toml");
        if !candidate.is_file() {
            continue;
        }
        // An unreadable manifest above is not this package's workspace.
        let Ok(parent) = read(&candidate) else {
            continue;
        };
        if parent.workspace().is_some() {
            // The nearest workspace decides: a member, or the package stands alone.
            if lists_member(&parent, &dir) {
                return Ok(parent);
            }
            break;
        }
    }
    Ok(manifest)
}

/// The root directory of the cargo workspace that `dir` belongs to (without cargo);
/// `None` without any Cargo.toml at or above `dir`.
pub fn root_of(dir: &Path) -> Option<PathBuf> {
    let manifest = crate::workspace::find_manifest(dir)?;
    let fallback = manifest.parent().map(Path::to_path_buf);
    match read(&manifest).and_then(find_root) {
        Ok(root) => Some(root.dir().to_path_buf()),
        Err(_) => fallback,
    }
}

/// Reads the workspace of `manifest` (an existing Cargo.toml).
pub fn load(manifest: &Path) -> Result<Workspace, WorkspaceError> {
    let start = read(manifest)?;
    let ws = find_root(start)?;
    let root = ws.dir().to_path_buf();
    let mut warnings = Vec::new();
    let mut members: BTreeSet<PathBuf> = BTreeSet::new();
    if ws.package().is_some() {
        members.insert(root.clone());
    }
    if let Some(table) = ws.workspace() {
        let mut list = |key: &str| -> Vec<String> {
            let Some(v) = table.get(key) else {
                return Vec::new();
            };
            match v.as_array() {
                Some(a) => a
                    .iter()
                    .filter_map(|v| match v.as_str() {
                        Some(s) => Some(s.to_string()),
                        None => {
                            warnings.push(format!(
                                "{}: `workspace.{key}` holds a non-string entry ({v}); ignored",
                                ws.path.display()
                            ));
                            None
                        }
                    })
                    .collect(),
                None => {
                    warnings.push(format!(
                        "{}: `workspace.{key}` must be an array of paths; ignored",
                        ws.path.display()
                    ));
                    Vec::new()
                }
            }
        };
        let patterns = list("members");
        let exclude: Vec<PathBuf> = list("exclude")
            .iter()
            .map(|e| normalize(&root.join(e)))
            .collect();
        for pattern in &patterns {
            // A member named literally wins over `exclude`; one matched by a glob does not.
            let literal = !pattern.contains(['*', '?', '[']);
            for dir in expand_member(&root, pattern, &mut warnings, &ws.path) {
                if literal || !exclude.iter().any(|e| dir.starts_with(e)) {
                    members.insert(dir);
                }
            }
        }
        // Path dependencies inside the root are members too (cargo's rule), transitively.
        let mut queue: Vec<PathBuf> = members.iter().cloned().collect();
        while let Some(dir) = queue.pop() {
            let Ok(m) = read(&dir.join("Cargo.toml")) else {
                continue;
            };
            for dep in path_dependencies(&m, Some(&ws)) {
                let Some(p) = inside(&root, &dep.0, &dep.1) else {
                    continue;
                };
                if p.join("Cargo.toml").is_file()
                    && !exclude.iter().any(|e| p.starts_with(e))
                    && members.insert(p.clone())
                {
                    queue.push(p);
                }
            }
        }
    }
    let mut packages = Vec::new();
    for dir in &members {
        let path = dir.join("Cargo.toml");
        let m = if dir == &root {
            Ok(Manifest {
                path: ws.path.clone(),
                table: ws.table.clone(),
            })
        } else {
            read(&path)
        };
        match m.and_then(|m| package(&m, &ws, &root, &mut warnings)) {
            Ok(Some(p)) => packages.push(p),
            Ok(None) => {}
            Err(e) => warnings.push(format!("{e}; this member is skipped")),
        }
    }
    packages.sort_by(|a, b| a.manifest_dir.cmp(&b.manifest_dir));
    Ok(Workspace {
        root,
        packages,
        warnings,
    })
}

/// The directories a `members` entry names: a path or a glob, relative to the root.
/// Entries leading outside the root are ignored with a warning.
fn expand_member(
    root: &Path,
    pattern: &str,
    warnings: &mut Vec<String>,
    manifest: &Path,
) -> Vec<PathBuf> {
    let outside = |warnings: &mut Vec<String>| {
        warnings.push(format!(
            "{}: workspace member `{pattern}` lies outside the workspace root {}; ignored",
            manifest.display(),
            root.display()
        ))
    };
    let lexical = normalize(&root.join(pattern));
    if !lexical.starts_with(root) {
        outside(warnings);
        return Vec::new();
    }
    let is_glob = pattern.contains(['*', '?', '[']);
    let mut dirs = if is_glob {
        let Ok(rel) = lexical.strip_prefix(root) else {
            return Vec::new();
        };
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let mut found = Vec::new();
        glob_dirs(root.to_path_buf(), &parts, &mut found);
        found.sort();
        found
    } else {
        vec![lexical]
    };
    let mut out = Vec::new();
    let mut escaped = false;
    for d in dirs.drain(..) {
        match std::fs::canonicalize(&d) {
            Ok(real) if real.starts_with(root) => {
                if real.join("Cargo.toml").is_file() {
                    out.push(real);
                } else if !is_glob {
                    warnings.push(format!(
                        "{}: workspace member `{pattern}` has no Cargo.toml; skipped",
                        manifest.display()
                    ));
                }
            }
            Ok(_) => escaped = true,
            Err(e) if !is_glob => warnings.push(format!(
                "{}: workspace member `{pattern}` cannot be read ({e}); skipped",
                manifest.display()
            )),
            Err(_) => {}
        }
    }
    if escaped {
        outside(warnings);
    }
    out
}

/// Directories below `dir` matching the glob components `parts` (`**` any depth).
/// Symbolic links are not followed into the match (their real paths are checked later).
fn glob_dirs(dir: PathBuf, parts: &[String], out: &mut Vec<PathBuf>) {
    let Some((first, rest)) = parts.split_first() else {
        out.push(dir);
        return;
    };
    if first == "**" {
        glob_dirs(dir.clone(), rest, out);
        for sub in subdirs(&dir) {
            glob_dirs(sub, parts, out);
        }
        return;
    }
    if !first.contains(['*', '?', '[']) {
        let next = dir.join(first);
        if next.is_dir() {
            glob_dirs(next, rest, out);
        }
        return;
    }
    let Ok(glob) = globset::Glob::new(first) else {
        return;
    };
    let matcher = glob.compile_matcher();
    for sub in subdirs(&dir) {
        if sub.file_name().is_some_and(|n| matcher.is_match(n)) {
            glob_dirs(sub, rest, out);
        }
    }
}

/// The subdirectories of `dir` (not hidden, not `target`), sorted.
fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            !n.starts_with('.') && n != "target"
        })
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

/// The dependency tables of a manifest: `[dependencies]`, dev-, build-, and the same under
/// each `[target.'cfg(..)']`.
fn dependency_tables(m: &Manifest) -> Vec<&Table> {
    dependency_tables_of(
        m,
        &[
            "dependencies",
            "dev-dependencies",
            "dev_dependencies",
            "build-dependencies",
            "build_dependencies",
        ],
    )
}

/// The dependency tables of the given kinds, top-level and under each target.
fn dependency_tables_of<'m>(m: &'m Manifest, kinds: &[&str]) -> Vec<&'m Table> {
    let mut out: Vec<&Table> = kinds
        .iter()
        .filter_map(|k| m.table.get(*k).and_then(Value::as_table))
        .collect();
    if let Some(targets) = m.table.get("target").and_then(Value::as_table) {
        for t in targets.values().filter_map(Value::as_table) {
            out.extend(
                kinds
                    .iter()
                    .filter_map(|k| t.get(*k).and_then(Value::as_table)),
            );
        }
    }
    out
}

/// The path dependencies of `m`, as (base directory, path); `workspace = true` ones
/// through the root's `[workspace.dependencies]` when `ws` is given.
fn path_dependencies(m: &Manifest, ws: Option<&Manifest>) -> Vec<(PathBuf, String)> {
    let ws_deps = ws
        .and_then(Manifest::workspace)
        .and_then(|w| w.get("dependencies"))
        .and_then(Value::as_table);
    let mut out = Vec::new();
    for table in dependency_tables(m) {
        for (name, spec) in table {
            if let Some(p) = spec.get("path").and_then(Value::as_str) {
                out.push((m.dir().to_path_buf(), p.to_string()));
            } else if spec.get("workspace").and_then(Value::as_bool) == Some(true) {
                if let (Some(w), Some(deps)) = (ws, ws_deps) {
                    if let Some(p) = deps
                        .get(name)
                        .and_then(|d| d.get("path"))
                        .and_then(Value::as_str)
                    {
                        out.push((w.dir().to_path_buf(), p.to_string()));
                    }
                }
            }
        }
    }
    out
}

/// The package-level names of `m`'s dependencies (a renamed one by its `package`).
fn dependency_names(m: &Manifest, ws: &Manifest) -> Vec<String> {
    names_in(dependency_tables(m), ws)
}

/// The names of dependencies only `[dev-dependencies]` declare.
fn dev_only_names(m: &Manifest, ws: &Manifest) -> Vec<String> {
    let used = names_in(
        dependency_tables_of(
            m,
            &["dependencies", "build-dependencies", "build_dependencies"],
        ),
        ws,
    );
    names_in(
        dependency_tables_of(m, &["dev-dependencies", "dev_dependencies"]),
        ws,
    )
    .into_iter()
    .filter(|d| !used.contains(d))
    .collect()
}

fn names_in(tables: Vec<&Table>, ws: &Manifest) -> Vec<String> {
    let ws_deps = ws
        .workspace()
        .and_then(|w| w.get("dependencies"))
        .and_then(Value::as_table);
    let mut out = Vec::new();
    for table in tables {
        for (key, spec) in table {
            let renamed = spec.get("package").and_then(Value::as_str).or_else(|| {
                (spec.get("workspace").and_then(Value::as_bool) == Some(true))
                    .then(|| ws_deps.and_then(|d| d.get(key)))
                    .flatten()
                    .and_then(|d| d.get("package"))
                    .and_then(Value::as_str)
            });
            out.push(renamed.unwrap_or(key).to_string());
        }
    }
    out
}

/// A `[package]` field as a string, following `field.workspace = true` to
/// `[workspace.package]`.
fn package_field(m: &Manifest, ws: &Manifest, key: &str) -> Option<String> {
    let v = m.package()?.get(key)?;
    if let Some(s) = v.as_str() {
        return Some(s.to_string());
    }
    if v.get("workspace").and_then(Value::as_bool) == Some(true) {
        return ws
            .workspace()
            .and_then(|w| w.get("package"))
            .and_then(|p| p.get(key))
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    None
}

/// The package of member manifest `m`; `None` for a manifest without `[package]`.
fn package(
    m: &Manifest,
    ws: &Manifest,
    root: &Path,
    warnings: &mut Vec<String>,
) -> Result<Option<Package>, WorkspaceError> {
    if m.package().is_none() {
        if m.path != ws.path {
            warnings.push(format!(
                "{}: a workspace member without `[package]`; skipped",
                m.path.display()
            ));
        }
        return Ok(None);
    }
    let name = package_field(m, ws, "name").ok_or_else(|| WorkspaceError::Manifest {
        manifest: m.path.display().to_string(),
        message: "`package.name` is missing or not a string".into(),
    })?;
    let version = package_field(m, ws, "version").unwrap_or_else(|| "0.0.0".into());
    let edition = package_field(m, ws, "edition").unwrap_or_else(|| "2015".into());
    let dir = m.dir().to_path_buf();
    let targets = targets(m, &name, &edition, root, warnings);
    Ok(Some(Package {
        id: plain_package_id(&dir, &name, &version),
        version,
        name,
        targets,
        dependencies: dependency_names(m, ws),
        dev_only: dev_only_names(m, ws),
        manifest_dir: dir,
    }))
}

fn flag(t: &Table, key: &str) -> Option<bool> {
    t.get(key).and_then(Value::as_bool)
}

/// The package's targets, as cargo discovers them: lib, bins, examples, tests, benches,
/// build script. Target paths outside the workspace root are dropped with a warning.
fn targets(
    m: &Manifest,
    name: &str,
    edition: &str,
    root: &Path,
    warnings: &mut Vec<String>,
) -> Vec<CrateTarget> {
    let dir = m.dir();
    let pkg = m.package().cloned().unwrap_or_default();
    let mut out: Vec<CrateTarget> = Vec::new();
    let target_edition = |t: &Table| {
        t.get("edition")
            .and_then(Value::as_str)
            .unwrap_or(edition)
            .to_string()
    };

    // lib
    let lib = m.table.get("lib").and_then(Value::as_table);
    let lib_path = lib
        .and_then(|l| l.get("path"))
        .and_then(Value::as_str)
        .map(PathBuf::from)
        .or_else(|| {
            dir.join("src/lib.rs")
                .is_file()
                .then(|| "src/lib.rs".into())
        });
    if let Some(path) = lib_path {
        let l = lib.cloned().unwrap_or_default();
        let proc_macro = flag(&l, "proc-macro")
            .or_else(|| flag(&l, "proc_macro"))
            .unwrap_or(false);
        let crate_types: Vec<String> = if proc_macro {
            vec!["proc-macro".into()]
        } else {
            l.get("crate-type")
                .or_else(|| l.get("crate_type"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .filter(|v: &Vec<String>| !v.is_empty())
                .unwrap_or_else(|| vec!["lib".into()])
        };
        let target_name = l
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| name.replace('-', "_"));
        out.push(CrateTarget {
            name: target_name,
            kind: crate_types.clone(),
            crate_types,
            src_path: path,
            edition: target_edition(&l),
            doc: flag(&l, "doc").unwrap_or(true),
            doctest: flag(&l, "doctest").unwrap_or(true),
            test: flag(&l, "test").unwrap_or(true),
        });
    }

    // bins, examples, tests, benches
    for (kind, key, auto_key, dir_name) in [
        ("bin", "bin", "autobins", "src/bin"),
        ("example", "example", "autoexamples", "examples"),
        ("test", "test", "autotests", "tests"),
        ("bench", "bench", "autobenches", "benches"),
    ] {
        let explicit: Vec<Table> = m
            .table
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_table().cloned()).collect())
            .unwrap_or_default();
        let auto = flag(&pkg, auto_key).unwrap_or(true);
        let mut found: Vec<(String, PathBuf)> = Vec::new();
        if auto {
            if kind == "bin" && dir.join("src/main.rs").is_file() {
                found.push((name.to_string(), "src/main.rs".into()));
            }
            found.extend(auto_targets(dir, dir_name));
        }
        let defaults = |kind: &str| match kind {
            "bin" => (true, false, true),
            "test" => (false, false, true),
            _ => (false, false, false),
        };
        let mut named: Vec<CrateTarget> = Vec::new();
        for t in &explicit {
            let Some(tname) = t.get("name").and_then(Value::as_str) else {
                warnings.push(format!(
                    "{}: a `[[{key}]]` target without a name; ignored",
                    m.path.display()
                ));
                continue;
            };
            let path = match t.get("path").and_then(Value::as_str) {
                Some(p) => Some(PathBuf::from(p)),
                None => found
                    .iter()
                    .find(|(n, _)| n == tname)
                    .map(|(_, p)| p.clone())
                    .or_else(|| infer_path(dir, dir_name, tname, kind == "bin" && tname == name)),
            };
            let Some(path) = path else {
                warnings.push(format!(
                    "{}: no source file for `[[{key}]]` target `{tname}`; ignored",
                    m.path.display()
                ));
                continue;
            };
            let (doc, doctest, test) = defaults(kind);
            named.push(CrateTarget {
                name: tname.to_string(),
                kind: vec![kind.into()],
                crate_types: vec!["bin".into()],
                src_path: path,
                edition: target_edition(t),
                doc: flag(t, "doc").unwrap_or(doc),
                doctest,
                test: flag(t, "test").unwrap_or(test),
            });
        }
        // Auto-discovered targets not overridden by an explicit one (by name or path).
        for (tname, path) in found {
            if named.iter().any(|t| t.name == tname || t.src_path == path) {
                continue;
            }
            let (doc, doctest, test) = defaults(kind);
            named.push(CrateTarget {
                name: tname,
                kind: vec![kind.into()],
                crate_types: vec!["bin".into()],
                src_path: path,
                edition: edition.to_string(),
                doc,
                doctest,
                test,
            });
        }
        named.sort_by(|a, b| a.name.cmp(&b.name));
        out.extend(named);
    }

    // build script
    let build = match pkg.get("build") {
        Some(Value::String(p)) => Some(PathBuf::from(p)),
        Some(Value::Boolean(false)) => None,
        _ => dir.join("build.rs").is_file().then(|| "build.rs".into()),
    };
    if let Some(path) = build {
        out.push(CrateTarget {
            name: "build-script-build".into(),
            kind: vec!["custom-build".into()],
            crate_types: vec!["bin".into()],
            src_path: path,
            edition: edition.to_string(),
            doc: false,
            doctest: false,
            test: false,
        });
    }
    let mut kept = Vec::with_capacity(out.len());
    for t in out {
        let rel = t.src_path.to_string_lossy().into_owned();
        match inside(root, dir, &rel) {
            Some(p) => kept.push(CrateTarget { src_path: p, ..t }),
            None => warnings.push(format!(
                "{}: target `{}` at {} lies outside the workspace root {}; not analyzed",
                m.path.display(),
                t.name,
                t.src_path.display(),
                root.display()
            )),
        }
    }
    kept
}

/// `DIR/*.rs` and `DIR/*/main.rs` under the package directory, as (name, relative path).
fn auto_targets(pkg_dir: &Path, dir_name: &str) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(pkg_dir.join(dir_name)) else {
        return out;
    };
    for e in entries.flatten() {
        let fname = e.file_name().to_string_lossy().into_owned();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_file() {
            if let Some(stem) = fname.strip_suffix(".rs") {
                out.push((stem.to_string(), Path::new(dir_name).join(&fname)));
            }
        } else if ft.is_dir() && e.path().join("main.rs").is_file() {
            out.push((
                fname.clone(),
                Path::new(dir_name).join(&fname).join("main.rs"),
            ));
        }
    }
    out.sort();
    out
}

/// Where cargo looks for a named target without `path`.
fn infer_path(pkg_dir: &Path, dir_name: &str, name: &str, main: bool) -> Option<PathBuf> {
    let candidates = [
        Path::new(dir_name).join(format!("{name}.rs")),
        Path::new(dir_name).join(name).join("main.rs"),
    ];
    candidates
        .into_iter()
        .find(|c| pkg_dir.join(c).is_file())
        .or_else(|| (main && pkg_dir.join("src/main.rs").is_file()).then(|| "src/main.rs".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn names(ws: &Workspace) -> Vec<String> {
        ws.packages.iter().map(|p| p.name.clone()).collect()
    }

    #[test]
    fn members_globs_exclude_path_deps_and_inheritance() {
        let d = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(d.path()).unwrap();
        write(
            &root,
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\", \"../*\", \"/etc\"]\nexclude = [\"crates/old\"]\n\
             [workspace.package]\nversion = \"2.1.0\"\nedition = \"2021\"\n\
             [workspace.dependencies]\nshared = { path = \"libs/shared\" }\n",
        );
        write(
            &root,
            "crates/api/Cargo.toml",
            "[package]\nname = \"api\"\nversion.workspace = true\nedition.workspace = true\n\
             autotests = false\n[dependencies]\nshared.workspace = true\n\
             db = { package = \"store-pg\", path = \"../../libs/store\" }\n[[bin]]\nname = \"admin\"\n",
        );
        write(&root, "crates/api/src/lib.rs", "");
        write(&root, "crates/api/src/main.rs", "");
        write(&root, "crates/api/src/bin/admin/main.rs", "");
        write(&root, "crates/api/src/bin/tool.rs", "");
        write(&root, "crates/api/tests/it.rs", "");
        write(&root, "crates/api/examples/demo.rs", "");
        write(&root, "crates/api/build.rs", "");
        write(
            &root,
            "crates/old/Cargo.toml",
            "[package]\nname = \"old\"\n",
        );
        write(&root, "crates/broken/Cargo.toml", "[package\nname = 1\n");
        write(
            &root,
            "libs/shared/Cargo.toml",
            "[package]\nname = \"shared\"\n",
        );
        write(
            &root,
            "libs/store/Cargo.toml",
            "[package]\nname = \"store-pg\"\n",
        );
        let ws = load(&root.join("crates/api/Cargo.toml")).unwrap();
        assert_eq!(ws.root, root);
        assert_eq!(names(&ws), ["api", "shared", "store-pg"]);
        assert!(
            ws.warnings.iter().any(|w| w.contains("`../*`")),
            "{:?}",
            ws.warnings
        );
        assert!(
            ws.warnings.iter().any(|w| w.contains("`/etc`")),
            "{:?}",
            ws.warnings
        );
        assert!(
            ws.warnings
                .iter()
                .any(|w| w.contains("crates/broken/Cargo.toml") && w.contains("line 1")),
            "{:?}",
            ws.warnings
        );
        let api = &ws.packages[0];
        assert_eq!(
            (api.version.as_str(), api.id.contains("#2.1.0")),
            ("2.1.0", true)
        );
        let t: Vec<(String, String)> = api
            .targets
            .iter()
            .map(|t| {
                let rel = t.src_path.strip_prefix(&api.manifest_dir).unwrap();
                (t.kind[0].clone(), format!("{}={}", t.name, rel.display()))
            })
            .collect();
        let t: Vec<String> = t.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
        assert_eq!(
            t,
            [
                "lib:api=src/lib.rs",
                "bin:admin=src/bin/admin/main.rs",
                "bin:api=src/main.rs",
                "bin:tool=src/bin/tool.rs",
                "example:demo=examples/demo.rs",
                "custom-build:build-script-build=build.rs",
            ]
        );
        assert!(api.targets.iter().all(|t| t.edition == "2021"));
        assert!(api.dependencies.contains(&"store-pg".to_string()));
        assert!(api.dependencies.contains(&"shared".to_string()));
        // From the root, the same workspace.
        let again = load(&root.join("Cargo.toml")).unwrap();
        assert_eq!(names(&again), names(&ws));
    }

    #[test]
    fn a_package_not_listed_by_the_workspace_above_stands_alone() {
        let d = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(d.path()).unwrap();
        write(&root, "Cargo.toml", "[workspace]\nmembers = [\"a\"]\n");
        write(&root, "a/Cargo.toml", "[package]\nname = \"a\"\n");
        write(&root, "b/Cargo.toml", "[package]\nname = \"b\"\n");
        write(&root, "b/src/lib.rs", "");
        let ws = load(&root.join("b/Cargo.toml")).unwrap();
        assert_eq!(ws.root, root.join("b"));
        assert_eq!(names(&ws), ["b"]);
        assert_eq!(root_of(&root.join("a")), Some(root.clone()));
        assert_eq!(root_of(&root.join("b/src")), Some(root.join("b")));
    }

    #[test]
    fn a_broken_root_manifest_is_an_error_naming_file_and_line() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            "Cargo.toml",
            "[package]\nname = \"x\"\nversion = 1.0.0\n",
        );
        let err = load(&d.path().join("Cargo.toml")).unwrap_err().to_string();
        assert!(
            err.contains("Cargo.toml") && err.contains("line 3"),
            "{err}"
        );
    }
}
