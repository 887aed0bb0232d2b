//! The cargo workspace: packages, their target roots, and each file's crate and module
//! path (`src/handlers/user.rs` → `crate::handlers::user`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Package {
    pub name: String,
    /// Cargo's package id (`path+file:///w/app#0.1.0`); made up in cargo's form for a
    /// package read without cargo.
    pub id: String,
    pub manifest_dir: PathBuf,
    /// The package's targets (`src/lib.rs`, `src/main.rs`, …).
    pub targets: Vec<CrateTarget>,
    /// Names of the package's dependencies (all kinds).
    pub dependencies: Vec<String>,
}

/// One target of a package, as `cargo metadata` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateTarget {
    pub name: String,
    /// `lib`, `bin`, `test`, `example`, `bench`, `custom-build`, …
    pub kind: Vec<String>,
    pub crate_types: Vec<String>,
    /// The crate root file.
    pub src_path: PathBuf,
    pub edition: String,
    pub doc: bool,
    pub doctest: bool,
    pub test: bool,
}

impl CrateTarget {
    /// A target of a package read without cargo, with cargo's defaults for its kind.
    fn plain(kind: &str, name: &str, src_path: PathBuf, edition: &str) -> Self {
        let lib = kind == "lib";
        CrateTarget {
            name: if lib {
                name.replace('-', "_")
            } else {
                name.to_string()
            },
            kind: vec![kind.to_string()],
            crate_types: vec![if lib { "lib" } else { "bin" }.to_string()],
            src_path,
            edition: edition.to_string(),
            doc: true,
            doctest: lib,
            test: true,
        }
    }
}

/// Command-line argument parsers: a package using one is a command-line tool...
const CLI_CRATES: &[&str] = &[
    "clap",
    "structopt",
    "argh",
    "pico-args",
    "lexopt",
    "bpaf",
    "gumdrop",
];
/// ...unless it also serves requests.
const SERVER_CRATES: &[&str] = &[
    "axum",
    "actix-web",
    "rocket",
    "warp",
    "poem",
    "tide",
    "tonic",
    "salvo",
    "loco-rs",
    "hyper",
];

impl Package {
    pub fn manifest_path(&self) -> PathBuf {
        self.manifest_dir.join("Cargo.toml")
    }

    /// The target whose crate `file` belongs to: the one it is the root of, else the one
    /// whose root's directory is the deepest containing it (a library's wins over a
    /// binary's).
    pub fn target_of(&self, file: &Path) -> Option<&CrateTarget> {
        self.target_index(file).map(|i| &self.targets[i])
    }

    fn target_index(&self, file: &Path) -> Option<usize> {
        if let Some(i) = self.targets.iter().position(|t| t.src_path == file) {
            return Some(i);
        }
        self.targets
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.src_path.parent().map(|d| (i, t, d)))
            .filter(|(_, _, d)| file.starts_with(d))
            .max_by_key(|(_, t, d)| (d.components().count(), t.src_path.ends_with("lib.rs")))
            .map(|(i, _, _)| i)
    }

    /// A command-line tool: it parses arguments and serves no requests, so what it prints
    /// to stdout is its output to the user who ran it.
    pub fn is_cli(&self) -> bool {
        let has = |list: &[&str]| self.dependencies.iter().any(|d| list.contains(&d.as_str()));
        has(CLI_CRATES) && !has(SERVER_CRATES)
    }
}

/// The package and target each analysed file belongs to, by its displayed path (what
/// cargo's message format names for each diagnostic).
#[derive(Debug, Clone, Default)]
pub struct CrateMap {
    packages: Vec<Package>,
    by_dir: HashMap<PathBuf, usize>,
    files: HashMap<String, (usize, Option<usize>)>,
}

impl CrateMap {
    /// Records that the file at `path`, displayed as `display`, belongs to `package`.
    pub fn insert(&mut self, display: &str, path: &Path, package: &Package) {
        let i = match self.by_dir.get(&package.manifest_dir) {
            Some(&i) => i,
            None => {
                self.packages.push(package.clone());
                self.by_dir
                    .insert(package.manifest_dir.clone(), self.packages.len() - 1);
                self.packages.len() - 1
            }
        };
        let target = self.packages[i].target_index(path);
        self.files.insert(display.to_string(), (i, target));
    }

    /// The package of the file displayed as `display`, and its target when one holds it.
    pub fn get(&self, display: &str) -> Option<(&Package, Option<&CrateTarget>)> {
        let &(i, t) = self.files.get(display)?;
        let p = &self.packages[i];
        Some((p, t.map(|t| &p.targets[t])))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub root: PathBuf,
    pub packages: Vec<Package>,
}

/// Why the workspace could not be read with cargo.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("no Cargo.toml in {0} or any parent directory")]
    NoManifest(String),
    #[error("`cargo metadata` failed for {manifest}: {message}")]
    Cargo { manifest: String, message: String },
}

/// The nearest Cargo.toml in `dir` or a parent.
pub fn find_manifest(dir: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    dir.ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|p| p.is_file())
}

/// Reads the workspace containing `dir` with `cargo metadata --no-deps` (through `$CARGO`
/// when set), or of an explicit manifest.
pub fn load(dir: &Path, manifest: Option<&Path>) -> Result<Workspace, WorkspaceError> {
    let manifest = match manifest {
        Some(m) => m.to_path_buf(),
        None => find_manifest(dir)
            .ok_or_else(|| WorkspaceError::NoManifest(dir.display().to_string()))?,
    };
    let mut cmd = cargo_metadata::MetadataCommand::new();
    cmd.no_deps().manifest_path(&manifest);
    let meta = cmd.exec().map_err(|e| WorkspaceError::Cargo {
        manifest: manifest.display().to_string(),
        message: first_line(&e.to_string()),
    })?;
    let members: std::collections::HashSet<_> = meta.workspace_members.iter().collect();
    let mut packages: Vec<Package> = meta
        .packages
        .iter()
        .filter(|p| members.contains(&p.id))
        .map(|p| Package {
            name: p.name.to_string(),
            id: p.id.repr.clone(),
            manifest_dir: p
                .manifest_path
                .parent()
                .map(|d| d.as_std_path().to_path_buf())
                .unwrap_or_default(),
            targets: p
                .targets
                .iter()
                .map(|t| CrateTarget {
                    name: t.name.clone(),
                    kind: t.kind.iter().map(|k| k.to_string()).collect(),
                    crate_types: t.crate_types.iter().map(|k| k.to_string()).collect(),
                    src_path: t.src_path.as_std_path().to_path_buf(),
                    edition: t.edition.as_str().to_string(),
                    doc: t.doc,
                    doctest: t.doctest,
                    test: t.test,
                })
                .collect(),
            dependencies: p.dependencies.iter().map(|d| d.name.clone()).collect(),
        })
        .collect();
    packages.sort_by(|a, b| a.manifest_dir.cmp(&b.manifest_dir));
    Ok(Workspace {
        root: meta.workspace_root.as_std_path().to_path_buf(),
        packages,
    })
}

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .trim_start_matches("error: ")
        .to_string()
}

/// A package guessed from a directory's Cargo.toml without cargo (plain directory mode).
pub fn package_for_dir(manifest_dir: &Path) -> Package {
    let table = std::fs::read_to_string(manifest_dir.join("Cargo.toml"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok());
    let dependencies = table
        .iter()
        .flat_map(|t| {
            ["dependencies", "dev-dependencies", "build-dependencies"]
                .into_iter()
                .filter_map(|k| t.get(k).and_then(|d| d.as_table()))
                .flat_map(|d| d.keys().cloned())
        })
        .collect();
    let field = |key: &str| {
        table
            .as_ref()
            .and_then(|t| t.get("package"))
            .and_then(|p| p.get(key))
            .and_then(|v| v.as_str().map(str::to_string))
    };
    let name = field("name").unwrap_or_else(|| {
        manifest_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    // `version.workspace = true` and the like are not strings: cargo's default then.
    let version = field("version").unwrap_or_else(|| "0.0.0".into());
    let edition = field("edition").unwrap_or_else(|| "2015".into());
    let mut targets: Vec<CrateTarget> = [("lib", "src/lib.rs"), ("bin", "src/main.rs")]
        .into_iter()
        .map(|(kind, r)| CrateTarget::plain(kind, &name, manifest_dir.join(r), &edition))
        .collect();
    // Only the roots that exist, when any does (a binary-only package has no library).
    if targets.iter().any(|t| t.src_path.is_file()) {
        targets.retain(|t| t.src_path.is_file());
    }
    Package {
        id: plain_package_id(manifest_dir, &name, &version),
        name,
        manifest_dir: manifest_dir.to_path_buf(),
        targets,
        dependencies,
    }
}

/// A package id in cargo's form for path packages: `path+file:///w/app#app@0.1.0`.
pub fn plain_package_id(manifest_dir: &Path, name: &str, version: &str) -> String {
    let dir = manifest_dir.to_string_lossy().replace('\\', "/");
    let dir = if dir.starts_with('/') {
        dir
    } else {
        format!("/{dir}")
    };
    let mut url = String::with_capacity(dir.len());
    for b in dir.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' | b':' => {
                url.push(b as char)
            }
            _ => url.push_str(&format!("%{b:02X}")),
        }
    }
    format!("path+file://{url}#{name}@{version}")
}

/// The module path of `file` inside `package`: relative to the directory of the crate
/// root that contains it (the deepest one; a library root wins over a binary's).
pub fn module_path(file: &Path, package: &Package) -> Vec<String> {
    let mut module = vec!["crate".to_string()];
    let base = match package.target_of(file) {
        Some(t) if t.src_path == file => return module,
        Some(t) => t
            .src_path
            .parent()
            .unwrap_or(&package.manifest_dir)
            .to_path_buf(),
        None => package.manifest_dir.join("src"),
    };
    let Ok(rel) = file.strip_prefix(&base) else {
        return module;
    };
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    for (i, p) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if last {
            let stem = p.strip_suffix(".rs").unwrap_or(p);
            if stem != "mod" && stem != "lib" && stem != "main" {
                module.push(stem.to_string());
            }
        } else {
            module.push(p.clone());
        }
    }
    module
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> Package {
        let t = |kind: &str, name: &str, path: &str| {
            CrateTarget::plain(kind, name, path.into(), "2021")
        };
        Package {
            name: "app".into(),
            id: "path+file:///w/app#0.1.0".into(),
            manifest_dir: "/w/app".into(),
            targets: vec![
                t("lib", "app", "/w/app/src/lib.rs"),
                t("bin", "app", "/w/app/src/main.rs"),
                t("bin", "tool", "/w/app/src/bin/tool.rs"),
            ],
            dependencies: Vec::new(),
        }
    }

    #[test]
    fn module_paths_from_layout() {
        let pkg = app();
        let m = |f: &str| module_path(Path::new(f), &pkg).join("::");
        assert_eq!(m("/w/app/src/lib.rs"), "crate");
        assert_eq!(m("/w/app/src/handlers/user.rs"), "crate::handlers::user");
        assert_eq!(m("/w/app/src/handlers/mod.rs"), "crate::handlers");
        assert_eq!(m("/w/app/src/bin/tool.rs"), "crate");
        assert_eq!(m("/w/app/src/bin/tool/helpers.rs"), "crate::tool::helpers");
    }

    #[test]
    fn files_belong_to_the_target_whose_root_directory_holds_them() {
        let pkg = app();
        let t = |f: &str| pkg.target_of(Path::new(f)).map(|t| t.name.as_str());
        assert_eq!(t("/w/app/src/main.rs"), Some("app"));
        assert_eq!(t("/w/app/src/handlers/user.rs"), Some("app"));
        assert_eq!(
            pkg.target_of(Path::new("/w/app/src/handlers/user.rs"))
                .map(|t| t.kind.clone()),
            Some(vec!["lib".to_string()])
        );
        assert_eq!(t("/w/app/src/bin/tool/helpers.rs"), Some("tool"));
        assert_eq!(t("/elsewhere/x.rs"), None);
    }

    #[test]
    fn plain_package_ids_have_cargos_form() {
        assert_eq!(
            plain_package_id(Path::new("/w/my app"), "my-app", "0.1.0"),
            "path+file:///w/my%20app#my-app@0.1.0"
        );
    }
}
