//! The cargo workspace: packages, their target roots, and each file's crate and module
//! path (`src/handlers/user.rs` → `crate::handlers::user`).

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Package {
    pub name: String,
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
}
