//! Configuration: `backlint.toml` (or `[workspace.metadata.backlint]` /
//! `[package.metadata.backlint]` in Cargo.toml) → [`Options`] → [`Settings`].

use crate::engine::index::crate_ident;
use crate::rules::{self, RuleMeta, Status};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The configuration file's contents, as written. Unknown keys are errors.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// Codes, prefixes or names of the rules to run (default: all stable rules).
    pub select: Option<Vec<String>>,
    /// Added to `select` (or to the default set).
    pub extend_select: Option<Vec<String>>,
    /// Codes, prefixes or names of rules not to run.
    pub ignore: Option<Vec<String>>,
    /// Run preview rules matched by prefixes too.
    pub preview: Option<bool>,
    /// Globs (relative to the configuration file) of files not to analyze.
    pub exclude: Option<Vec<String>>,
    /// Glob → rules not reported for matching files.
    pub per_file_ignores: Option<BTreeMap<String, Vec<String>>>,
    pub sql: Option<SqlOptions>,
    pub secrets: Option<SecretsOptions>,
    pub validation: Option<ValidationOptions>,
    /// Architectural layers, top to bottom (BL401).
    pub layers: Option<Vec<LayerOptions>>,
    pub layers_config: Option<LayersConfigOptions>,
    /// Groups of modules that must not reference each other (BL401).
    pub independent: Option<Vec<IndependentOptions>>,
}

/// One `[[layers]]` entry.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LayerOptions {
    pub name: String,
    /// Module path prefixes (`crate::handlers`, `app_api::routes`).
    pub modules: Option<Vec<String>>,
    /// File globs, relative to the configuration file (`src/sql/**`).
    pub paths: Option<Vec<String>>,
    /// Whole workspace members, by package name.
    pub crates: Option<Vec<String>>,
    /// External crates only this layer may use.
    pub allow_crates: Option<Vec<String>>,
    /// The layers this one may use, instead of what the mode allows.
    pub may_use: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LayersConfigOptions {
    /// Modules usable from every layer.
    pub shared: Option<Vec<String>>,
    /// `relaxed` (any lower layer, the default) or `strict` (only the next one).
    pub mode: Option<LayerMode>,
}

/// Which lower layers a layer may use.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LayerMode {
    #[default]
    Relaxed,
    Strict,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct IndependentOptions {
    pub modules: Vec<String>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ValidationOptions {
    /// Extra validating extractor types or validating functions, by path
    /// (`crate::extract::Checked`, `crate::input::sanitize`).
    pub validators: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SecretsOptions {
    /// Extra sensitive identifier words (`pin`, `ssn`, `signing_seed`).
    pub extra_names: Option<Vec<String>>,
    /// Types whose `Debug`/`Display` is known not to reveal the value
    /// (`crate::types::Redacted`).
    pub safe_types: Option<Vec<String>>,
    /// Types whose values are secrets however they are named (`crate::auth::ApiKey`).
    pub types: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SqlOptions {
    /// Extra functions whose first argument is SQL text (`crate::db::raw_query`).
    pub sinks: Option<Vec<String>>,
}

/// A configuration problem: which file, which key, what was expected.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid configuration in {path}: {message}")]
    Syntax { path: String, message: String },
    #[error("invalid configuration in {path}: key `{key}`: {message}")]
    Key {
        path: String,
        key: String,
        message: String,
    },
}

/// Where the options came from (for messages and relative globs).
#[derive(Debug, Clone, Default)]
pub struct LoadedOptions {
    pub options: Options,
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// Key prefix inside that file (`workspace.metadata.backlint.` for Cargo.toml).
    pub key_prefix: String,
}

impl LoadedOptions {
    pub fn base_dir(&self) -> PathBuf {
        self.path
            .as_ref()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("."))
    }

    fn display(&self) -> String {
        self.path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "command line".into())
    }
}

/// Reads options from an explicit file (`backlint.toml` or a `Cargo.toml`).
pub fn load_file(path: &Path) -> Result<LoadedOptions, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    if path.file_name().is_some_and(|n| n == "Cargo.toml") {
        return from_cargo_toml(path, &text).map(|o| {
            o.unwrap_or(LoadedOptions {
                options: Options::default(),
                path: Some(path.to_path_buf()),
                key_prefix: String::new(),
            })
        });
    }
    let options = parse_options(&text, path, "")?;
    Ok(LoadedOptions {
        options,
        path: Some(path.to_path_buf()),
        key_prefix: String::new(),
    })
}

/// Finds the configuration for a run starting in `start`: the nearest `backlint.toml`
/// (or `.backlint.toml`) in `start` or a parent directory, else the metadata table of the
/// nearest Cargo.toml that has one.
pub fn discover(start: &Path) -> Result<LoadedOptions, ConfigError> {
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    let mut dir = Some(start.as_path());
    while let Some(d) = dir {
        for name in ["backlint.toml", ".backlint.toml"] {
            let p = d.join(name);
            if p.is_file() {
                return load_file(&p);
            }
        }
        let cargo = d.join("Cargo.toml");
        if cargo.is_file() {
            if let Ok(text) = std::fs::read_to_string(&cargo) {
                if let Some(found) = from_cargo_toml(&cargo, &text)? {
                    return Ok(found);
                }
            }
        }
        dir = d.parent();
    }
    Ok(LoadedOptions::default())
}

fn from_cargo_toml(path: &Path, text: &str) -> Result<Option<LoadedOptions>, ConfigError> {
    // A Cargo.toml that does not parse is cargo's business; report only our own table.
    let Ok(value) = text.parse::<toml::Table>() else {
        return Ok(None);
    };
    for (section, prefix) in [
        ("workspace", "workspace.metadata.backlint"),
        ("package", "package.metadata.backlint"),
    ] {
        let table = value
            .get(section)
            .and_then(|s| s.get("metadata"))
            .and_then(|m| m.get("backlint"));
        if let Some(t) = table {
            let options = options_from_value(t.clone(), path, prefix)?;
            return Ok(Some(LoadedOptions {
                options,
                path: Some(path.to_path_buf()),
                key_prefix: format!("{prefix}."),
            }));
        }
    }
    Ok(None)
}

fn parse_options(text: &str, path: &Path, prefix: &str) -> Result<Options, ConfigError> {
    let de = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(de).map_err(|e| key_error(e, path, prefix))
}

fn options_from_value(
    value: toml::Value,
    path: &Path,
    prefix: &str,
) -> Result<Options, ConfigError> {
    serde_path_to_error::deserialize(value).map_err(|e| key_error(e, path, prefix))
}

fn key_error<E: std::fmt::Display>(
    e: serde_path_to_error::Error<E>,
    path: &Path,
    prefix: &str,
) -> ConfigError {
    let key = e.path().to_string();
    let inner = e.into_inner().to_string();
    // toml's messages carry a snippet; keep the first meaningful line and the location.
    let message = inner
        .lines()
        .filter(|l| {
            !l.trim().is_empty() && !l.trim_start().starts_with('|') && !l.contains(" --> ")
        })
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ");
    if key == "." || key.is_empty() {
        let full = if prefix.is_empty() {
            String::new()
        } else {
            prefix.to_string()
        };
        if full.is_empty() {
            return ConfigError::Syntax {
                path: path.display().to_string(),
                message,
            };
        }
        return ConfigError::Key {
            path: path.display().to_string(),
            key: full,
            message,
        };
    }
    let key = if prefix.is_empty() {
        key
    } else {
        format!("{prefix}.{key}")
    };
    ConfigError::Key {
        path: path.display().to_string(),
        key,
        message,
    }
}

/// Command-line overrides of the configuration.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub preview: bool,
    pub exclude: Vec<String>,
    pub jobs: Option<usize>,
}

/// The `[secrets]` options, validated: names as word lists, types by last segment.
#[derive(Debug, Clone, Default)]
pub struct SecretSettings {
    pub extra_names: Vec<Vec<String>>,
    pub safe_types: Vec<String>,
    pub types: Vec<String>,
}

/// The segments of a path written in the configuration (`crate::db::raw_query`), when
/// every one is an identifier.
fn path_segments(s: &str) -> Option<Vec<String>> {
    let segs: Vec<String> = s.split("::").map(|p| p.trim().to_string()).collect();
    segs.iter()
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .then_some(segs)
}

/// A configured list of item paths (`crate::db::raw_query`), as path segments; an entry
/// that is not a path is an error naming `field[i]` and the `example` expected.
fn resolve_paths(
    entries: Option<&[String]>,
    field: &str,
    example: &str,
    file: &str,
    key: &dyn Fn(&str) -> String,
) -> Result<Vec<Vec<String>>, ConfigError> {
    let mut out = Vec::new();
    for (i, s) in entries.unwrap_or_default().iter().enumerate() {
        let segs = path_segments(s).ok_or_else(|| ConfigError::Key {
            path: file.to_string(),
            key: key(&format!("{field}[{i}]")),
            message: format!("`{s}` is not a path: expected e.g. `{example}`"),
        })?;
        out.push(segs);
    }
    Ok(out)
}

fn resolve_secrets(
    o: Option<&SecretsOptions>,
    file: &str,
    key: &dyn Fn(&str) -> String,
) -> Result<SecretSettings, ConfigError> {
    let mut out = SecretSettings::default();
    let Some(o) = o else { return Ok(out) };
    for (i, n) in o.extra_names.iter().flatten().enumerate() {
        let w = crate::model::names::words(n);
        if w.is_empty()
            || !n
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            return Err(ConfigError::Key {
                path: file.to_string(),
                key: key(&format!("secrets.extra-names[{i}]")),
                message: format!(
                    "`{n}` is not an identifier word: expected e.g. `pin` or `signing_seed`"
                ),
            });
        }
        out.extra_names.push(w);
    }
    for (field, list, dest) in [
        ("safe-types", &o.safe_types, &mut out.safe_types),
        ("types", &o.types, &mut out.types),
    ] {
        for (i, t) in list.iter().flatten().enumerate() {
            let segs = path_segments(t).ok_or_else(|| ConfigError::Key {
                path: file.to_string(),
                key: key(&format!("secrets.{field}[{i}]")),
                message: format!("`{t}` is not a type path: expected e.g. `crate::auth::ApiKey`"),
            })?;
            dest.extend(segs.last().cloned());
        }
    }
    Ok(out)
}

/// A module path prefix from the configuration: `crate::handlers` in every crate of the
/// workspace, or `app_api::handlers` in crate `app_api` only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModulePrefix {
    /// The crate it is limited to (normalized, `app_api`).
    pub krate: Option<String>,
    /// `["crate", "handlers"]`.
    pub path: Vec<String>,
    /// The configuration key it came from (`layers[0].modules[1]`), for messages.
    pub key: String,
}

impl ModulePrefix {
    /// Whether the module or item `path` of crate `krate` is this prefix or below it.
    pub fn matches(&self, krate: Option<&str>, path: &[String]) -> bool {
        (self.krate.is_none() || self.krate.as_deref() == krate) && path.starts_with(&self.path)
    }

    /// Whether code of `module` may fall under this prefix: the module is at or below
    /// it, or above it (its inline modules may be).
    pub fn relates(&self, krate: Option<&str>, module: &[String]) -> bool {
        (self.krate.is_none() || self.krate.as_deref() == krate)
            && (module.starts_with(&self.path) || self.path.starts_with(module))
    }

    pub fn display(&self) -> String {
        match &self.krate {
            Some(k) => format!("{k}::{}", self.path[1..].join("::"))
                .trim_end_matches("::")
                .to_string(),
            None => self.path.join("::"),
        }
    }
}

/// One configured layer, resolved.
#[derive(Debug, Clone)]
pub struct LayerDef {
    pub name: String,
    pub modules: Vec<ModulePrefix>,
    /// File globs (relative to the configuration's directory) and their keys.
    pub paths: Option<GlobSet>,
    pub path_keys: Vec<(String, String)>,
    /// Workspace members (normalized names) and their keys.
    pub crates: Vec<(String, String)>,
    /// External crates (normalized) only this layer (and others listing them) may use.
    pub allow_crates: Vec<String>,
    /// Indices of the layers this one may use, when given explicitly.
    pub may_use: Option<Vec<usize>>,
}

/// The `[[layers]]`, `[layers-config]` and `[[independent]]` options, resolved.
#[derive(Debug, Clone, Default)]
pub struct LayerSettings {
    /// Top to bottom; empty: layers are inferred.
    pub layers: Vec<LayerDef>,
    pub shared: Vec<ModulePrefix>,
    pub mode: LayerMode,
    pub independent: Vec<Vec<ModulePrefix>>,
    /// The configuration file, for messages.
    pub file: String,
}

fn parse_prefix(s: &str, key: String, file: &str) -> Result<ModulePrefix, ConfigError> {
    let segs = path_segments(&crate_ident(s)).filter(|p| !p[1..].iter().any(|x| x == "crate"));
    let Some(segs) = segs else {
        return Err(ConfigError::Key {
            path: file.to_string(),
            key,
            message: format!(
                "`{s}` is not a module path: expected e.g. `crate::handlers` or `app_api::routes`"
            ),
        });
    };
    let (krate, rest) = match segs[0].as_str() {
        "crate" => (None, &segs[1..]),
        _ => (Some(segs[0].clone()), &segs[1..]),
    };
    let mut path = vec!["crate".to_string()];
    path.extend(rest.iter().cloned());
    Ok(ModulePrefix { krate, path, key })
}

fn resolve_layers(
    o: &Options,
    file: &str,
    key: &dyn Fn(&str) -> String,
) -> Result<LayerSettings, ConfigError> {
    let err = |k: String, message: String| ConfigError::Key {
        path: file.to_string(),
        key: k,
        message,
    };
    let mut out = LayerSettings {
        file: file.to_string(),
        mode: o
            .layers_config
            .as_ref()
            .and_then(|c| c.mode)
            .unwrap_or_default(),
        ..LayerSettings::default()
    };
    let list = o.layers.as_deref().unwrap_or_default();
    let names: Vec<&str> = list.iter().map(|l| l.name.trim()).collect();
    for (i, l) in list.iter().enumerate() {
        let k = |f: &str| key(&format!("layers[{i}].{f}"));
        let name = l.name.trim();
        if name.is_empty() {
            return Err(err(k("name"), "expected a non-empty layer name".into()));
        }
        if names[..i].contains(&name) {
            return Err(err(k("name"), format!("layer `{name}` is declared twice")));
        }
        let mut def = LayerDef {
            name: name.to_string(),
            modules: Vec::new(),
            paths: None,
            path_keys: Vec::new(),
            crates: Vec::new(),
            allow_crates: Vec::new(),
            may_use: None,
        };
        for (j, m) in l.modules.iter().flatten().enumerate() {
            def.modules
                .push(parse_prefix(m, k(&format!("modules[{j}]")), file)?);
        }
        if let Some(paths) = &l.paths {
            let mut b = GlobSetBuilder::new();
            for (j, g) in paths.iter().enumerate() {
                let glob = Glob::new(g).map_err(|e| {
                    err(
                        k(&format!("paths[{j}]")),
                        format!("invalid glob `{g}`: {}", e.kind()),
                    )
                })?;
                b.add(glob);
                def.path_keys.push((g.clone(), k(&format!("paths[{j}]"))));
            }
            def.paths = Some(b.build().map_err(|e| err(k("paths"), e.to_string()))?);
        }
        for (j, c) in l.crates.iter().flatten().enumerate() {
            def.crates
                .push((crate_ident(c.trim()), k(&format!("crates[{j}]"))));
        }
        for c in l.allow_crates.iter().flatten() {
            def.allow_crates.push(crate_ident(c.trim()));
        }
        if let Some(may) = &l.may_use {
            let mut idx = Vec::new();
            for (j, n) in may.iter().enumerate() {
                match names.iter().position(|x| x == &n.trim()) {
                    Some(p) => idx.push(p),
                    None => {
                        return Err(err(
                            k(&format!("may-use[{j}]")),
                            format!(
                                "unknown layer `{n}`: expected one of {}",
                                names
                                    .iter()
                                    .map(|n| format!("`{n}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ))
                    }
                }
            }
            def.may_use = Some(idx);
        }
        if def.modules.is_empty() && def.paths.is_none() && def.crates.is_empty() {
            return Err(err(
                key(&format!("layers[{i}]")),
                format!("layer `{name}` has no members: expected `modules`, `paths` or `crates`"),
            ));
        }
        out.layers.push(def);
    }
    // A module or crate may belong to one layer only.
    let mut seen: Vec<(&ModulePrefix, &str)> = Vec::new();
    for l in &out.layers {
        for m in &l.modules {
            if let Some((other, layer)) = seen
                .iter()
                .find(|(p, _)| p.krate == m.krate && p.path == m.path)
            {
                return Err(err(
                    m.key.clone(),
                    format!(
                        "`{}` is already in layer `{layer}` ({}): a module belongs to one layer",
                        m.display(),
                        other.key
                    ),
                ));
            }
            seen.push((m, &l.name));
        }
    }
    let mut crates: Vec<(&str, &str, &str)> = Vec::new();
    for l in &out.layers {
        for (c, k) in &l.crates {
            if let Some((_, layer, other)) = crates.iter().find(|(x, _, _)| x == c) {
                return Err(err(
                    k.clone(),
                    format!("crate `{c}` is already in layer `{layer}` ({other})"),
                ));
            }
            crates.push((c, &l.name, k));
        }
    }
    let cfg = o.layers_config.as_ref();
    for (j, m) in cfg
        .and_then(|c| c.shared.as_ref())
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = parse_prefix(m, key(&format!("layers-config.shared[{j}]")), file)?;
        if let Some((other, layer)) = seen
            .iter()
            .find(|(x, _)| x.krate == p.krate && x.path == p.path)
        {
            return Err(err(
                p.key.clone(),
                format!(
                    "`{}` is in layer `{layer}` ({}) and cannot also be shared",
                    p.display(),
                    other.key
                ),
            ));
        }
        out.shared.push(p);
    }
    for (i, ind) in o.independent.iter().flatten().enumerate() {
        if ind.modules.len() < 2 {
            return Err(err(
                key(&format!("independent[{i}].modules")),
                "expected at least two modules that must not reference each other".into(),
            ));
        }
        let mut group = Vec::new();
        for (j, m) in ind.modules.iter().enumerate() {
            group.push(parse_prefix(
                m,
                key(&format!("independent[{i}].modules[{j}]")),
                file,
            )?);
        }
        out.independent.push(group);
    }
    Ok(out)
}

/// Everything the engine needs, resolved once.
#[derive(Debug, Clone)]
pub struct Settings {
    enabled: Vec<&'static str>,
    pub sql_sinks: Vec<Vec<String>>,
    /// Configured validating extractors and functions (`[validation] validators`), as
    /// path segments.
    pub validators: Vec<Vec<String>>,
    pub secrets: SecretSettings,
    /// BL401's layers (configured; inferred when empty).
    pub layers: LayerSettings,
    /// Normalized names of the workspace's crates being analyzed (set by the engine).
    pub workspace_crates: Vec<String>,
    exclude: GlobSet,
    per_file_ignores: Vec<(GlobSet, Vec<&'static str>)>,
    /// Directory that relative globs are relative to (canonical).
    pub base_dir: PathBuf,
    /// The current directory when the settings were made (canonical).
    cwd: PathBuf,
    pub jobs: usize,
    /// `--preview`: preview rules run when prefixes select them, and the preview
    /// sub-checks of stable rules (findings marked [`Finding::preview`]) are reported.
    pub preview: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::resolve(&LoadedOptions::default(), &Overrides::default())
            .unwrap_or_else(|_| unreachable!("the default configuration is valid"))
    }
}

impl Settings {
    /// Resolves options and command-line overrides into settings, validating every value.
    pub fn resolve(loaded: &LoadedOptions, cli: &Overrides) -> Result<Settings, ConfigError> {
        let o = &loaded.options;
        let file = loaded.display();
        let key = |k: &str| format!("{}{k}", loaded.key_prefix);
        let all = rules::all_meta();
        let preview = cli.preview || o.preview.unwrap_or(false);

        let check = |entries: &[String], k: &str, from_cli: bool| -> Result<(), ConfigError> {
            for e in entries {
                if matching(&all, e, true).is_empty() {
                    return Err(ConfigError::Key {
                        path: if from_cli { "command line".into() } else { file.clone() },
                        key: if from_cli { format!("--{k}") } else { key(k) },
                        message: format!(
                            "unknown rule selector `{e}`: expected a rule code (BL101), a code prefix (BL1) or a rule name (sql-string-interpolation)"
                        ),
                    });
                }
            }
            Ok(())
        };
        if let Some(s) = &o.select {
            check(s, "select", false)?;
        }
        if let Some(s) = &o.extend_select {
            check(s, "extend-select", false)?;
        }
        if let Some(s) = &o.ignore {
            check(s, "ignore", false)?;
        }
        if let Some(s) = &cli.select {
            check(s, "select", true)?;
        }
        check(&cli.extend_select, "extend-select", true)?;
        check(&cli.ignore, "ignore", true)?;

        let mut enabled: Vec<&'static str> = match cli.select.as_ref().or(o.select.as_ref()) {
            Some(sel) => sel
                .iter()
                .flat_map(|e| matching(&all, e, preview))
                .map(|m| m.code)
                .collect(),
            None => all
                .iter()
                .filter(|m| preview || m.status == Status::Stable)
                .map(|m| m.code)
                .collect(),
        };
        for e in o.extend_select.iter().flatten().chain(&cli.extend_select) {
            enabled.extend(matching(&all, e, preview).iter().map(|m| m.code));
        }
        let ignored: Vec<&'static str> = o
            .ignore
            .iter()
            .flatten()
            .chain(&cli.ignore)
            .flat_map(|e| matching(&all, e, true))
            .map(|m| m.code)
            .collect();
        enabled.retain(|c| !ignored.contains(c));
        enabled.sort_unstable();
        enabled.dedup();

        let sql_sinks = resolve_paths(
            o.sql.as_ref().and_then(|s| s.sinks.as_deref()),
            "sql.sinks",
            "crate::db::raw_query",
            &file,
            &key,
        )?;
        let validators = resolve_paths(
            o.validation.as_ref().and_then(|v| v.validators.as_deref()),
            "validation.validators",
            "crate::extract::Checked",
            &file,
            &key,
        )?;

        let secrets = resolve_secrets(o.secrets.as_ref(), &file, &key)?;
        let layers = resolve_layers(o, &file, &key)?;

        let mut exclude = GlobSetBuilder::new();
        for (i, g) in o.exclude.iter().flatten().chain(&cli.exclude).enumerate() {
            let glob = Glob::new(g).map_err(|e| ConfigError::Key {
                path: file.clone(),
                key: key(&format!("exclude[{i}]")),
                message: format!("invalid glob `{g}`: {}", e.kind()),
            })?;
            exclude.add(glob);
            // `dir` also excludes everything below it.
            if !g.ends_with("**") {
                if let Ok(glob) = Glob::new(&format!("{}/**", g.trim_end_matches('/'))) {
                    exclude.add(glob);
                }
            }
        }
        let exclude = exclude.build().map_err(|e| ConfigError::Key {
            path: file.clone(),
            key: key("exclude"),
            message: e.to_string(),
        })?;

        let mut per_file_ignores = Vec::new();
        for (pattern, codes) in o.per_file_ignores.iter().flatten() {
            let k = key(&format!("per-file-ignores.\"{pattern}\""));
            let glob = Glob::new(pattern).map_err(|e| ConfigError::Key {
                path: file.clone(),
                key: k.clone(),
                message: format!("invalid glob `{pattern}`: {}", e.kind()),
            })?;
            let set = GlobSetBuilder::new()
                .add(glob)
                .build()
                .map_err(|e| ConfigError::Key {
                    path: file.clone(),
                    key: k.clone(),
                    message: e.to_string(),
                })?;
            let mut resolved = Vec::new();
            for c in codes {
                let m = matching(&all, c, true);
                if m.is_empty() {
                    return Err(ConfigError::Key {
                        path: file.clone(),
                        key: k.clone(),
                        message: format!(
                            "unknown rule selector `{c}`: expected a rule code, prefix or name"
                        ),
                    });
                }
                resolved.extend(m.iter().map(|m| m.code));
            }
            per_file_ignores.push((set, resolved));
        }

        let jobs = cli
            .jobs
            .filter(|&j| j > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let base = loaded.base_dir();
        let cwd = std::env::current_dir().unwrap_or_default();
        let base = std::fs::canonicalize(cwd.join(&base)).unwrap_or(base);
        Ok(Settings {
            enabled,
            sql_sinks,
            validators,
            secrets,
            layers,
            workspace_crates: Vec::new(),
            exclude,
            per_file_ignores,
            base_dir: base,
            cwd: std::fs::canonicalize(&cwd).unwrap_or(cwd),
            jobs,
            preview,
        })
    }

    pub fn is_enabled(&self, code: &str) -> bool {
        self.enabled.contains(&code)
    }

    /// The enabled rules, in code order.
    pub fn enabled_rules(&self) -> Vec<&'static RuleMeta> {
        rules::all_meta()
            .into_iter()
            .filter(|m| self.is_enabled(m.code))
            .collect()
    }

    /// Whether a file (path relative to the configuration's directory) is excluded.
    pub fn is_excluded(&self, rel: &Path) -> bool {
        self.exclude.is_match(rel)
    }

    /// Whether `code` is ignored for the file displayed as `display`.
    pub fn is_ignored_for_file(&self, display: &str, code: &str) -> bool {
        self.ignored_for_file(display).contains(&code)
    }

    /// The codes `[per-file-ignores]` silences for the file displayed as `display`.
    /// What a file's per-file result depends on in these settings (the incremental
    /// cache's key, with the file's own ignores and place): every option the analysis
    /// reads, not the thread count.
    pub fn analysis_identity(&self) -> String {
        format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}|{}",
            self.enabled,
            self.sql_sinks,
            self.validators,
            self.secrets,
            self.layers,
            self.workspace_crates,
            self.preview,
            self.base_dir.display(),
        )
    }

    pub fn ignored_for_file(&self, display: &str) -> Vec<&'static str> {
        if self.per_file_ignores.is_empty() {
            return Vec::new();
        }
        let rel = self.relative(display);
        self.per_file_ignores
            .iter()
            .filter(|(set, _)| set.is_match(&rel))
            .flat_map(|(_, codes)| codes.iter().copied())
            .collect()
    }

    /// A displayed path (relative to the current directory) made relative to the
    /// configuration's directory.
    pub fn relative(&self, display: &str) -> PathBuf {
        let p = Path::new(display);
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.cwd.join(p)
        };
        self.relative_to_base(&normalize(&abs))
    }

    /// An absolute path made relative to the configuration's directory.
    pub fn relative_to_base(&self, abs: &Path) -> PathBuf {
        abs.strip_prefix(&self.base_dir)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| abs.to_path_buf())
    }

    /// The configured layer whose `paths` globs match a file (absolute path).
    pub fn layer_of_file(&self, abs: &Path) -> Option<usize> {
        if self.layers.layers.iter().all(|l| l.paths.is_none()) {
            return None;
        }
        let rel = self.relative_to_base(abs);
        self.layers
            .layers
            .iter()
            .position(|l| l.paths.as_ref().is_some_and(|g| g.is_match(&rel)))
    }

    pub fn with_jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    pub fn with_rules(mut self, codes: &[&'static str]) -> Self {
        self.enabled = codes.to_vec();
        self
    }

    /// These settings with the preview sub-checks reported or not.
    pub fn with_preview(mut self, preview: bool) -> Self {
        self.preview = preview;
        self
    }

    /// Whether a finding is reported: a preview sub-check's only with `--preview`.
    pub fn reports(&self, f: &crate::finding::Finding) -> bool {
        self.preview || !f.preview
    }
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// The rules a selector names: an exact code or name (preview rules included), or a code
/// prefix / `ALL` (preview rules only when `preview`).
fn matching(all: &[&'static RuleMeta], sel: &str, preview: bool) -> Vec<&'static RuleMeta> {
    let sel = sel.trim();
    if let Some(m) = all
        .iter()
        .find(|m| m.code.eq_ignore_ascii_case(sel) || m.name.eq_ignore_ascii_case(sel))
    {
        return vec![*m];
    }
    let up = sel.to_ascii_uppercase();
    if up.is_empty() {
        return Vec::new();
    }
    all.iter()
        .filter(|m| up == "ALL" || m.code.starts_with(&up))
        .filter(|m| preview || m.status == Status::Stable)
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(text: &str) -> Result<Options, ConfigError> {
        parse_options(text, Path::new("backlint.toml"), "")
    }

    #[test]
    fn unknown_key_names_file_and_key() {
        let e = opts("[sql]\nsinkz = []\n").unwrap_err().to_string();
        assert!(e.contains("backlint.toml"), "{e}");
        assert!(e.contains("sql"), "{e}");
        assert!(e.contains("sinkz"), "{e}");
    }

    #[test]
    fn wrong_type_names_key_and_expectation() {
        let e = opts("select = \"BL1\"\n").unwrap_err().to_string();
        assert!(e.contains("`select`"), "{e}");
        assert!(e.contains("sequence"), "{e}");
    }

    #[test]
    fn selection_by_prefix_code_and_name() {
        let resolve = |text: &str, cli: &Overrides| {
            let loaded = LoadedOptions {
                options: opts(text).unwrap(),
                ..Default::default()
            };
            Settings::resolve(&loaded, cli).unwrap()
        };
        // By default only the stable rules run: the meta rules, not the preview BL101.
        let s = resolve("", &Overrides::default());
        assert!(s.is_enabled("BL001") && s.is_enabled("BL002") && s.is_enabled("BL003"));
        assert!(!s.is_enabled("BL101"));
        // A prefix selects the stable rules it matches; `ignore` takes a name.
        let s = resolve(
            "select = [\"BL0\"]\nignore = [\"parse-error\"]\n",
            &Overrides::default(),
        );
        assert!(s.is_enabled("BL002") && s.is_enabled("BL003"));
        assert!(!s.is_enabled("BL001"));
        assert!(!s.is_enabled("BL101"));
        // A prefix selects preview rules only with `preview`, from the file or the command line.
        let s = resolve("select = [\"BL1\"]\n", &Overrides::default());
        assert!(!s.is_enabled("BL101"));
        assert!(!s.is_enabled("BL001"));
        let s = resolve(
            "select = [\"BL1\"]\npreview = true\n",
            &Overrides::default(),
        );
        assert!(s.is_enabled("BL101"));
        assert!(!s.is_enabled("BL001"));
        let preview = Overrides {
            preview: true,
            ..Default::default()
        };
        assert!(resolve("select = [\"BL1\"]\n", &preview).is_enabled("BL101"));
        // An exact code or name selects a preview rule without `preview`.
        let s = resolve(
            "select = [\"BL101\", \"secret-in-log\"]\n",
            &Overrides::default(),
        );
        assert!(s.is_enabled("BL101") && s.is_enabled("BL201"));
        assert!(!s.is_enabled("BL401") && !s.is_enabled("BL001"));
        let extend = Overrides {
            extend_select: vec!["layer-violation".into()],
            ..Default::default()
        };
        let s = resolve("", &extend);
        assert!(s.is_enabled("BL401") && s.is_enabled("BL001"));
        assert!(!s.is_enabled("BL101"));
        let bad = LoadedOptions {
            options: opts("select = [\"BL9\"]\n").unwrap(),
            ..Default::default()
        };
        let e = Settings::resolve(&bad, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("BL9") && e.contains("select"), "{e}");
    }
}
