//! The cargo workspace: packages, their target roots, and each file's crate and module
//! path (`src/handlers/user.rs` → `crate::handlers::user`).

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Package {
    pub name: String,
    /// The package version (`0.1.0`); empty when read without cargo.
    pub version: String,
    pub manifest_dir: PathBuf,
    /// Crate root files of the package's targets (`src/lib.rs`, `src/main.rs`, …).
    pub roots: Vec<PathBuf>,
    /// Names of the package's dependencies (all kinds).
    pub dependencies: Vec<String>,
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
    /// A command-line tool: it parses arguments and serves no requests, so what it prints
    /// to stdout is its output to the user who ran it.
    pub fn is_cli(&self) -> bool {
        let has = |list: &[&str]| self.dependencies.iter().any(|d| list.contains(&d.as_str()));
        has(CLI_CRATES) && !has(SERVER_CRATES)
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
    #[error("package ID specification `{spec}` did not match any packages in the workspace {root} (members: {members})")]
    NoSuchPackage {
        spec: String,
        root: String,
        members: String,
    },
    #[error("`{spec}` is not a valid package ID specification: {message}")]
    BadSpec { spec: String, message: String },
}

/// Which workspace members to analyze: cargo's `-p/--package`, `--workspace` and
/// `--exclude`. With no `--package`, every member is analyzed, wherever in the
/// workspace backlint runs (cargo itself would pick the current package).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `-p SPEC`: a name, `name@version`, or a glob over names (`api-*`).
    pub packages: Vec<String>,
    /// `--exclude SPEC`, same forms.
    pub exclude: Vec<String>,
}

impl Selection {
    pub fn is_all(&self) -> bool {
        self.packages.is_empty() && self.exclude.is_empty()
    }

    /// Keeps the selected packages. A `--package` spec matching no member is an error,
    /// as in cargo; an `--exclude` spec matching none is a warning (returned).
    pub fn apply(&self, ws: &mut Workspace) -> Result<Vec<String>, WorkspaceError> {
        let mut warnings = Vec::new();
        let matchers = |specs: &[String]| -> Result<Vec<(String, Spec)>, WorkspaceError> {
            specs
                .iter()
                .map(|s| Ok((s.clone(), Spec::parse(s)?)))
                .collect()
        };
        let include = matchers(&self.packages)?;
        let exclude = matchers(&self.exclude)?;
        for (text, spec) in &include {
            if !ws.packages.iter().any(|p| spec.matches(p)) {
                return Err(WorkspaceError::NoSuchPackage {
                    spec: text.clone(),
                    root: ws.root.display().to_string(),
                    members: ws
                        .packages
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
        for (text, spec) in &exclude {
            if !ws.packages.iter().any(|p| spec.matches(p)) {
                warnings.push(format!(
                    "excluded package `{text}` is not a member of the workspace {}",
                    ws.root.display()
                ));
            }
        }
        ws.packages.retain(|p| {
            (include.is_empty() || include.iter().any(|(_, s)| s.matches(p)))
                && !exclude.iter().any(|(_, s)| s.matches(p))
        });
        Ok(warnings)
    }
}

/// One package ID specification: `name`, `name@version` (a version prefix: `api@1`
/// matches 1.2.0), or a glob over names.
#[derive(Debug)]
struct Spec {
    name: globset::GlobMatcher,
    version: Option<String>,
}

impl Spec {
    fn parse(text: &str) -> Result<Spec, WorkspaceError> {
        let bad = |message: String| WorkspaceError::BadSpec {
            spec: text.to_string(),
            message,
        };
        // `path+file:///…#name@1.0` and `…#name`: keep the fragment.
        let body = text.rsplit_once('#').map_or(text, |(_, f)| f);
        let (name, version) = match body.split_once('@') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        if name.is_empty() {
            return Err(bad("the package name is empty".into()));
        }
        let name = globset::Glob::new(name)
            .map_err(|e| bad(e.kind().to_string()))?
            .compile_matcher();
        Ok(Spec { name, version })
    }

    fn matches(&self, p: &Package) -> bool {
        let name_matches = self.name.is_match(&p.name)
            || self.name.is_match(p.name.replace('-', "_"))
            || self.name.is_match(p.name.replace('_', "-"));
        name_matches
            && self
                .version
                .as_deref()
                .is_none_or(|v| p.version == v || p.version.starts_with(&format!("{v}.")))
    }
}

/// The nearest Cargo.toml in `dir` or a parent.
pub fn find_manifest(dir: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    dir.ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|p| p.is_file())
}

/// The root directory of the cargo workspace that `dir` belongs to, found without cargo:
/// the nearest Cargo.toml at or above `dir` is the package; its workspace root is the
/// nearest directory at or above it whose Cargo.toml has a `[workspace]` table (a nested
/// workspace is its own root), else the package itself. `None` without any Cargo.toml.
pub fn root_of(dir: &Path) -> Option<PathBuf> {
    let package = find_manifest(dir)?;
    let package_dir = package.parent()?.to_path_buf();
    let root = package_dir
        .ancestors()
        .find(|d| {
            std::fs::read_to_string(d.join("Cargo.toml"))
                .ok()
                .and_then(|t| t.parse::<toml::Table>().ok())
                .is_some_and(|t| t.contains_key("workspace"))
        })
        .map(Path::to_path_buf);
    Some(root.unwrap_or(package_dir))
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
            version: p.version.to_string(),
            manifest_dir: p
                .manifest_path
                .parent()
                .map(|d| d.as_std_path().to_path_buf())
                .unwrap_or_default(),
            roots: p
                .targets
                .iter()
                .map(|t| t.src_path.as_std_path().to_path_buf())
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
    let name = table
        .and_then(|t| {
            t.get("package")
                .and_then(|p| p.get("name"))
                .and_then(|n| n.as_str().map(str::to_string))
        })
        .unwrap_or_else(|| {
            manifest_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    let mut roots = Vec::new();
    for r in ["src/lib.rs", "src/main.rs"] {
        roots.push(manifest_dir.join(r));
    }
    Package {
        name,
        version: String::new(),
        manifest_dir: manifest_dir.to_path_buf(),
        roots,
        dependencies,
    }
}

/// The module path of `file` inside `package`: relative to the directory of the crate
/// root that contains it (the deepest one; a library root wins over a binary's).
pub fn module_path(file: &Path, package: &Package) -> Vec<String> {
    let mut module = vec!["crate".to_string()];
    if package.roots.iter().any(|r| r == file) {
        return module;
    }
    let best = package
        .roots
        .iter()
        .filter_map(|r| r.parent().map(|d| (r, d)))
        .filter(|(_, d)| file.starts_with(d))
        .max_by_key(|(r, d)| (d.components().count(), r.ends_with("lib.rs")));
    let base = match best {
        Some((_, d)) => d.to_path_buf(),
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

    #[test]
    fn module_paths_from_layout() {
        let pkg = Package {
            name: "app".into(),
            version: "0.1.0".into(),
            manifest_dir: "/w/app".into(),
            roots: vec![
                "/w/app/src/lib.rs".into(),
                "/w/app/src/main.rs".into(),
                "/w/app/src/bin/tool.rs".into(),
            ],
            dependencies: Vec::new(),
        };
        let m = |f: &str| module_path(Path::new(f), &pkg).join("::");
        assert_eq!(m("/w/app/src/lib.rs"), "crate");
        assert_eq!(m("/w/app/src/handlers/user.rs"), "crate::handlers::user");
        assert_eq!(m("/w/app/src/handlers/mod.rs"), "crate::handlers");
        assert_eq!(m("/w/app/src/bin/tool.rs"), "crate");
        assert_eq!(m("/w/app/src/bin/tool/helpers.rs"), "crate::tool::helpers");
    }

    fn ws(names: &[(&str, &str)]) -> Workspace {
        Workspace {
            root: "/w".into(),
            packages: names
                .iter()
                .map(|(n, v)| Package {
                    name: n.to_string(),
                    version: v.to_string(),
                    manifest_dir: format!("/w/{n}").into(),
                    roots: Vec::new(),
                    dependencies: Vec::new(),
                })
                .collect(),
        }
    }

    fn selected(sel: Selection) -> Result<Vec<String>, String> {
        let mut w = ws(&[
            ("api", "1.2.0"),
            ("api-admin", "0.3.1"),
            ("store_pg", "0.1.0"),
        ]);
        sel.apply(&mut w).map_err(|e| e.to_string())?;
        Ok(w.packages.into_iter().map(|p| p.name).collect())
    }

    #[test]
    fn package_specs_select_like_cargo() {
        let sel = |p: &[&str], x: &[&str]| Selection {
            packages: p.iter().map(|s| s.to_string()).collect(),
            exclude: x.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(selected(sel(&[], &[])).unwrap().len(), 3);
        assert_eq!(selected(sel(&["api"], &[])).unwrap(), ["api"]);
        assert_eq!(selected(sel(&["api@1"], &[])).unwrap(), ["api"]);
        assert_eq!(selected(sel(&["api@1.2.0"], &[])).unwrap(), ["api"]);
        assert_eq!(selected(sel(&["api-*"], &[])).unwrap(), ["api-admin"]);
        assert_eq!(selected(sel(&["store-pg"], &[])).unwrap(), ["store_pg"]);
        assert_eq!(
            selected(sel(&["path+file:///w/api#api@1.2.0"], &[])).unwrap(),
            ["api"]
        );
        assert_eq!(selected(sel(&[], &["api*"])).unwrap(), ["store_pg"]);
        assert_eq!(
            selected(sel(&["api", "store_pg"], &["store_pg"])).unwrap(),
            ["api"]
        );
        let err = selected(sel(&["web"], &[])).unwrap_err();
        assert!(err.contains("`web` did not match any packages"), "{err}");
        assert!(err.contains("api, api-admin, store_pg"), "{err}");
        assert!(selected(sel(&["api@2"], &[])).is_err());
        assert!(selected(sel(&["[api"], &[]))
            .unwrap_err()
            .contains("not a valid"));
    }
}
