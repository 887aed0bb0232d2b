//! `backlint init`: a commented starter `backlint.toml` for a workspace, with the layers
//! BL401 infers from its module and crate names written out as configuration, so that
//! the team can review and adjust them instead of relying on the inference.

use crate::engine::index::crate_ident;
use crate::engine::layers::LayerMap;
use crate::model::layers::{is_db_crate, HTTP_CRATES};
use std::fmt::Write;

/// The starter configuration. `layers` is the map BL401 built for the workspace;
/// `dependencies` the names of the workspace members' dependencies; `single_crate`
/// whether the workspace has one package (its modules are then written `crate::…`).
pub fn starter_config(layers: &LayerMap, dependencies: &[String], single_crate: bool) -> String {
    let mut s = String::from(HEADER);
    s += "\n";
    if layers.inferred && layers.is_active() {
        write_layers(&mut s, layers, dependencies, single_crate);
    } else {
        s += NO_LAYERS;
    }
    s
}

const HEADER: &str = r#"# backlint configuration, written by `backlint init`. Every key is optional.
# `backlint explain BL101` prints a rule's page; `backlint list-rules` lists the rules.

# Rules to run: codes (BL101), prefixes (BL1) or names. Default: every stable rule.
# select = ["BL0", "BL1", "BL2", "BL4"]
# ignore = ["BL002"]
# preview = false                  # also run preview rules (BL301) that `select` matches

# Files not to analyze, as globs relative to this file (.gitignore'd files, target/ and
# hidden directories are always skipped).
# exclude = ["migrations/**", "tests/fixtures/**"]

# [per-file-ignores]
# "src/bin/seed.rs" = ["BL101"]

# [sql]                            # BL101: your own functions that execute SQL text
# sinks = ["crate::db::raw_query"]

# [secrets]                        # BL201
# extra-names = ["pin", "ssn"]     # more identifier words that name secrets
# safe-types = ["crate::types::Redacted"]  # types whose Debug/Display hide the value
# types = ["crate::auth::ApiKey"]  # types whose values are secrets whatever their name

# [validation]                     # BL301: your validating extractors and functions
# validators = ["crate::extract::Checked"]
"#;

const NO_LAYERS: &str = r#"# Layers (BL401), top to bottom: a layer may use the layers below it, never the ones
# above. backlint found no service and persistence layer to infer them from, so BL401
# reports nothing until you declare them, for example:
#
# [[layers]]
# name = "web"
# modules = ["crate::handlers", "crate::routes"]
# allow-crates = ["axum"]          # only these layers may use these external crates
# [[layers]]
# name = "service"
# modules = ["crate::services"]
# [[layers]]
# name = "repository"
# modules = ["crate::repositories"]
# allow-crates = ["sqlx"]
# [layers-config]
# shared = ["crate::models", "crate::error"]   # usable from every layer
# mode = "relaxed"                 # any layer below (default); "strict": the next one only
"#;

fn write_layers(s: &mut String, map: &LayerMap, dependencies: &[String], single_crate: bool) {
    let module = |m: &str| -> String {
        match m.split_once("::") {
            Some((_, rest)) if single_crate => format!("crate::{rest}"),
            None if single_crate => "crate".to_string(),
            _ => m.to_string(),
        }
    };
    let mut deps: Vec<&String> = dependencies.iter().collect();
    deps.sort();
    deps.dedup();
    let http: Vec<&str> = deps
        .iter()
        .filter(|d| HTTP_CRATES.contains(&crate_ident(d).as_str()))
        .map(|d| d.as_str())
        .collect();
    let db: Vec<&str> = deps
        .iter()
        .filter(|d| is_db_crate(&crate_ident(d)))
        .map(|d| d.as_str())
        .collect();
    *s += "# Layers (BL401), top to bottom, as backlint inferred them from the module and crate\n\
           # names (`backlint --show-layers` shows the same). With this section the inference\n\
           # is off: what is written here is what BL401 checks. Review the modules, add the\n\
           # ones it could not recognise by name, and commit the file. One difference: the\n\
           # inference lets the web layer name the persistence layer's error types (errors\n\
           # are mapped centrally); written-out strict layers report those too.\n";
    let last = map.layers.len().saturating_sub(1);
    for (i, layer) in map.layers.iter().enumerate() {
        let mut modules = Vec::new();
        let mut crates = Vec::new();
        for m in &layer.members {
            if let Some(c) = m.strip_suffix(" (crate)") {
                crates.push(c.to_string());
            } else if !modules
                .iter()
                .any(|p: &String| module(m).starts_with(&format!("{p}::")))
            {
                modules.push(module(m));
            }
        }
        *s += "\n[[layers]]\n";
        let _ = writeln!(s, "name = \"{}\"", layer.name);
        if modules.is_empty() && crates.is_empty() {
            *s += "# (no module of this layer was found; list its modules here)\n";
            let _ = writeln!(s, "modules = []");
        }
        if !modules.is_empty() {
            let _ = writeln!(s, "modules = {}", toml_list(&modules));
        }
        if !crates.is_empty() {
            let _ = writeln!(s, "crates = {}", toml_list(&crates));
        }
        // As inferred: HTTP crates stay out of persistence, database crates out of web.
        if i == last && last > 0 {
            // As inferred: persistence may implement the service layer's ports and use its
            // types (dependency inversion).
            let _ = writeln!(
                s,
                "may-use = [\"{}\"]   # the service layer's ports and types (dependency inversion)",
                map.layers[last - 1].name
            );
        }
        let allowed: Vec<&str> = if i == 0 {
            http.clone()
        } else if i == last {
            db.clone()
        } else {
            http.iter().chain(&db).copied().collect()
        };
        if !allowed.is_empty() {
            let _ = writeln!(
                s,
                "allow-crates = {}   # only the layers listing a crate may use it",
                toml_list(&allowed)
            );
        }
    }
    let shared: Vec<String> = map.shared_modules().iter().map(|m| module(m)).collect();
    *s += "\n[layers-config]\n";
    *s += "mode = \"strict\"   # each layer uses only the next one; \"relaxed\": any layer below\n";
    if shared.is_empty() {
        *s += "# shared = [\"crate::models\", \"crate::error\"]   # usable from every layer\n";
    } else {
        let _ = writeln!(
            s,
            "# Error modules, and the persistence layer's data and error modules: usable from\n\
             # every layer.\nshared = {}",
            toml_list(&shared)
        );
    }
    *s += "\n# Modules that must not reference each other:\n\
           # [[independent]]\n\
           # modules = [\"crate::services::billing\", \"crate::services::catalog\"]\n";
}

fn toml_list<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|i| toml::Value::String(i.as_ref().to_string()).to_string())
        .collect();
    format!("[{}]", quoted.join(", "))
}
