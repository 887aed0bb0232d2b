//! The cargo workspace: packages, their target roots, and each file's crate and module
//! path (`src/handlers/user.rs` → `crate::handlers::user`).

use crate::model::names::is_cli_name;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Package {
    pub name: String,
    /// The package id in cargo's form (`path+file:///w/app#0.1.0`).
    pub id: String,
    /// The package version (`0.1.0`; `0.0.0` when the manifest gives none).
    pub version: String,
    pub manifest_dir: PathBuf,
    /// The package's targets (`src/lib.rs`, `src/main.rs`, …).
    pub targets: Vec<CrateTarget>,
    /// Names of the package's dependencies (all kinds).
    pub dependencies: Vec<String>,
    /// Those of them that only its tests, examples and benchmarks use (named only in
    /// `[dev-dependencies]`): a test harness's `clap` makes no command-line tool.
    pub dev_only: Vec<String>,
}

/// One target of a package, as cargo describes it (read from the manifest and the
/// package's layout, as cargo's target auto-discovery finds them).
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
    /// to stdout is its output to the user who ran it. A package named as one (`foo-cli`,
    /// `foo_cli`, `cli`, `mycli`) is one whatever it depends on: a command-line client of
    /// a service may well depend on the service's gRPC or HTTP library.
    pub fn is_cli(&self) -> bool {
        let has = |list: &[&str]| self.runtime_dependencies().any(|d| list.contains(&d));
        is_cli_name(&self.name) || (has(CLI_CRATES) && !has(SERVER_CRATES))
    }

    /// The dependencies its own code (library, binaries, build script) may use.
    fn runtime_dependencies(&self) -> impl Iterator<Item = &str> {
        self.dependencies
            .iter()
            .filter(|d| !self.dev_only.contains(d))
            .map(String::as_str)
    }

    /// Whether the package depends on a web framework or server library.
    pub fn is_server(&self) -> bool {
        self.runtime_dependencies()
            .any(|d| SERVER_CRATES.contains(&d))
    }

    /// Whether a file is the package's build script (`build.rs`, or the `custom-build`
    /// target's source): compiled and run apart from the package's code.
    pub fn is_build_script(&self, file: &Path) -> bool {
        file.strip_prefix(&self.manifest_dir)
            .is_ok_and(|r| r == Path::new("build.rs"))
            || self
                .targets
                .iter()
                .any(|t| t.src_path == file && t.kind.iter().any(|k| k == "custom-build"))
    }

    /// Whether `file` is part of no service: the package's build script, a command-line
    /// tool, a command-line module or binary of any package (`src/cli.rs`, files under
    /// `src/cli/`, a binary named as a command-line tool (`src/bin/cli.rs`, `shop-cli`):
    /// subcommands that run once and exit, beside a server's own code), or (in a package
    /// that depends on no web framework) a developer task binary (an `xtask` package, a
    /// code generator (`*-codegen`, a `codegen` binary), a package in a `tools/`, `tasks/`
    /// or `scripts/` directory, a binary in such a directory) or a binary under
    /// `src/bin/`.
    pub fn is_tool_file(&self, file: &Path) -> bool {
        let rel = file.strip_prefix(&self.manifest_dir).ok();
        let build_script = self.is_build_script(file);
        let cli_module = rel
            .is_some_and(|r| r == Path::new("src/cli.rs") || r.starts_with("src/cli/"))
            || self
                .target_of(file)
                .is_some_and(|t| t.kind.iter().any(|k| k == "bin") && is_cli_name(&t.name));
        if build_script || cli_module || self.is_cli() {
            return true;
        }
        if self.is_server() {
            return false;
        }
        const TOOL_DIRS: &[&str] = &["tools", "tasks", "scripts", "xtask"];
        let dir_name = |d: Option<&Path>| {
            d.and_then(|d| d.file_name())
                .and_then(|n| n.to_str())
                .is_some_and(|n| TOOL_DIRS.contains(&n))
        };
        // A code generator run by hand (`iana-codegen`, a `schema_codegen` binary).
        let codegen = |name: &str| name.split(['-', '_']).any(|w| w == "codegen");
        let task_package = self.name == "xtask"
            || self.name.starts_with("xtask-")
            || codegen(&self.name)
            || self
                .target_of(file)
                .is_some_and(|t| t.kind.iter().any(|k| k == "bin") && codegen(&t.name))
            || dir_name(Some(&self.manifest_dir))
            || dir_name(self.manifest_dir.parent());
        let tool_dir = rel
            .and_then(|r| r.components().next())
            .and_then(|c| c.as_os_str().to_str())
            .is_some_and(|c| TOOL_DIRS.contains(&c));
        let bin_helper = rel.is_some_and(|r| r.starts_with("src/bin"))
            || self.target_of(file).is_some_and(|t| {
                t.kind.iter().any(|k| k == "bin")
                    && t.src_path
                        .strip_prefix(&self.manifest_dir)
                        .is_ok_and(|r| r.starts_with("src/bin"))
            });
        task_package || tool_dir || bin_helper
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
        let i = self.package_index(package);
        let target = self.packages[i].target_index(path);
        self.files.insert(display.to_string(), (i, target));
    }

    fn package_index(&mut self, package: &Package) -> usize {
        if let Some(&i) = self.by_dir.get(&package.manifest_dir) {
            return i;
        }
        self.packages.push(package.clone());
        self.by_dir
            .insert(package.manifest_dir.clone(), self.packages.len() - 1);
        self.packages.len() - 1
    }

    /// Adds another run's files (inputs of another configuration).
    pub fn extend(&mut self, other: CrateMap) {
        for (display, (i, t)) in other.files {
            let j = self.package_index(&other.packages[i]);
            self.files.insert(display, (j, t));
        }
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
    /// Members skipped and entries ignored while reading the manifests.
    pub warnings: Vec<String>,
}

/// Why the workspace could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("no Cargo.toml in {0} or any parent directory")]
    NoManifest(String),
    #[error("{manifest}: {message}")]
    Manifest { manifest: String, message: String },
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

/// The root directory of the cargo workspace that `dir` belongs to, found as cargo finds
/// it (see [`crate::manifest`]); `None` without any Cargo.toml at or above `dir`.
pub fn root_of(dir: &Path) -> Option<PathBuf> {
    crate::manifest::root_of(dir)
}

/// Reads the workspace containing `dir`, or of an explicit manifest, from the manifests
/// (cargo is never run).
pub fn load(dir: &Path, manifest: Option<&Path>) -> Result<Workspace, WorkspaceError> {
    let manifest = match manifest {
        Some(m) if m.is_file() => m.to_path_buf(),
        Some(m) => {
            return Err(WorkspaceError::Manifest {
                manifest: m.display().to_string(),
                message: "no such manifest file".into(),
            })
        }
        None => find_manifest(dir)
            .ok_or_else(|| WorkspaceError::NoManifest(dir.display().to_string()))?,
    };
    crate::manifest::load(&manifest)
}

/// A package guessed from a directory's Cargo.toml without cargo (plain directory mode).
pub fn package_for_dir(manifest_dir: &Path) -> Package {
    let table = std::fs::read_to_string(manifest_dir.join("Cargo.toml"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok());
    let names = |kinds: &[&str]| -> Vec<String> {
        table
            .iter()
            .flat_map(|t| {
                kinds
                    .iter()
                    .filter_map(|k| t.get(*k).and_then(|d| d.as_table()))
                    .flat_map(|d| d.keys().cloned())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let dependencies = names(&["dependencies", "dev-dependencies", "build-dependencies"]);
    let used = names(&["dependencies", "build-dependencies"]);
    let dev_only = names(&["dev-dependencies"])
        .into_iter()
        .filter(|d| !used.contains(d))
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
        version,
        name,
        manifest_dir: manifest_dir.to_path_buf(),
        targets,
        dependencies,
        dev_only,
    }
}

/// A package id in cargo's form for path packages: `path+file:///w/app#0.1.0` when the
/// directory is named as the package, else `path+file:///w/my-app#app@0.1.0`.
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
    if manifest_dir.file_name().is_some_and(|n| n == name) {
        format!("path+file://{url}#{version}")
    } else {
        format!("path+file://{url}#{name}@{version}")
    }
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
            version: "0.1.0".into(),
            manifest_dir: "/w/app".into(),
            targets: vec![
                t("lib", "app", "/w/app/src/lib.rs"),
                t("bin", "app", "/w/app/src/main.rs"),
                t("bin", "tool", "/w/app/src/bin/tool.rs"),
            ],
            dependencies: Vec::new(),
            dev_only: Vec::new(),
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
    fn tool_files_are_build_scripts_tasks_and_helper_binaries_of_non_servers() {
        let mut pkg = app();
        let tool = |pkg: &Package, f: &str| pkg.is_tool_file(Path::new(f));
        assert!(tool(&pkg, "/w/app/build.rs"));
        assert!(tool(&pkg, "/w/app/src/bin/tool.rs"));
        assert!(tool(&pkg, "/w/app/src/bin/tool/helpers.rs"));
        assert!(tool(&pkg, "/w/app/tools/gen.rs"));
        assert!(!tool(&pkg, "/w/app/src/main.rs"));
        assert!(!tool(&pkg, "/w/app/src/handlers/user.rs"));
        pkg.dependencies = vec!["axum".into()];
        assert!(tool(&pkg, "/w/app/build.rs"));
        assert!(!tool(&pkg, "/w/app/src/bin/tool.rs"));
        pkg.dependencies = vec!["reqwest".into()];
        pkg.name = "xtask".into();
        assert!(tool(&pkg, "/w/app/src/main.rs"));
        pkg.name = "gen".into();
        pkg.manifest_dir = "/w/tools/gen".into();
        assert!(tool(&pkg, "/w/tools/gen/src/main.rs"));
    }

    #[test]
    fn command_line_packages_and_modules_are_tools_even_beside_a_server() {
        for name in ["cli", "shop-cli", "shop_cli", "opscli", "Shop-CLI"] {
            assert!(is_cli_name(name), "{name}");
        }
        for name in ["client", "clinic", "cli-utils", "shop-client", "api"] {
            assert!(!is_cli_name(name), "{name}");
        }
        let mut pkg = app();
        let tool = |pkg: &Package, f: &str| pkg.is_tool_file(Path::new(f));
        // A command-line client of the service, with the service's own libraries.
        pkg.dependencies = vec!["tonic".into(), "reqwest".into()];
        assert!(!pkg.is_cli());
        pkg.name = "shop-cli".into();
        assert!(pkg.is_cli());
        assert!(tool(&pkg, "/w/app/src/main.rs"));
        assert!(tool(&pkg, "/w/app/src/commands/sync.rs"));
        // A server's subcommands that run once and exit.
        pkg.name = "app".into();
        pkg.dependencies = vec!["axum".into(), "clap".into()];
        assert!(pkg.is_server() && !pkg.is_cli());
        assert!(tool(&pkg, "/w/app/src/cli.rs"));
        assert!(tool(&pkg, "/w/app/src/cli/mod.rs"));
        assert!(tool(&pkg, "/w/app/src/cli/import.rs"));
        assert!(!tool(&pkg, "/w/app/src/main.rs"));
        assert!(!tool(&pkg, "/w/app/src/client.rs"));
        assert!(!tool(&pkg, "/w/app/src/handlers/cli.rs"));
        assert!(!tool(&pkg, "/w/app/src/bin/tool.rs"));
        pkg.targets.push(CrateTarget::plain(
            "bin",
            "cli",
            "/w/app/src/bin/cli.rs".into(),
            "2021",
        ));
        assert!(tool(&pkg, "/w/app/src/bin/cli.rs"));
    }

    #[test]
    fn plain_package_ids_have_cargos_form() {
        assert_eq!(
            plain_package_id(Path::new("/w/my app"), "my-app", "0.1.0"),
            "path+file:///w/my%20app#my-app@0.1.0"
        );
        assert_eq!(
            plain_package_id(Path::new("/w/app"), "app", "0.1.0"),
            "path+file:///w/app#0.1.0"
        );
    }

    fn ws(names: &[(&str, &str)]) -> Workspace {
        Workspace {
            root: "/w".into(),
            packages: names
                .iter()
                .map(|(n, v)| Package {
                    name: n.to_string(),
                    id: format!("path+file:///w/{n}#{v}"),
                    version: v.to_string(),
                    manifest_dir: format!("/w/{n}").into(),
                    targets: Vec::new(),
                    dependencies: Vec::new(),
                    dev_only: Vec::new(),
                })
                .collect(),
            warnings: Vec::new(),
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
