//! Per-file import resolution: which full path a name in this file stands for.

use rustc_hash::FxHashMap as HashMap;
use syn::{Item, UseTree};

/// Aliases and glob imports of one file, resolved against the file's module path.
#[derive(Debug, Default)]
pub struct UseMap {
    /// `alias` → full path segments (`query` → `sqlx::query`).
    aliases: HashMap<String, Vec<String>>,
    /// Prefixes imported with `*` (`diesel::prelude`).
    globs: Vec<Vec<String>>,
    /// The module this file is (`crate::handlers::user` → `["crate", "handlers", "user"]`).
    module: Vec<String>,
    /// Items defined in the file at module level (functions, types, modules).
    local_items: HashMap<String, Vec<String>>,
    /// Names imported into a module nested in the file (`mod wire { pub use a::b as c; }`):
    /// `crate::…::wire::c` → `a::b`, so that `wire::c` resolves through the re-export.
    nested: HashMap<Vec<String>, Vec<String>>,
    /// Names the file's own module imports: a module nested in the file (a test module
    /// importing `std::thread::sleep`) does not rebind them for the file's code.
    top_names: std::collections::HashSet<String>,
}

impl UseMap {
    /// Builds the map from the file's items (`use` declarations at any module level of the
    /// file, `extern crate … as …`, and locally defined items).
    pub fn build(items: &[Item], module: &[String]) -> Self {
        let mut map = UseMap {
            module: module.to_vec(),
            ..UseMap::default()
        };
        map.collect(items, &mut module.to_vec());
        map
    }

    /// Collects the items of `module` (one path, extended and truncated in place: a
    /// clone per nested module would cost the square of the nesting in memory).
    fn collect(&mut self, items: &[Item], module: &mut Vec<String>) {
        // Modules nested deeper than this in one file are not looked into (as elsewhere).
        if module.len() > self.module.len() + 64 {
            return;
        }
        let top = module.len() == self.module.len();
        for item in items {
            match item {
                Item::Use(u) => {
                    let mut prefix = Vec::new();
                    self.add_tree(&u.tree, &mut prefix, module);
                }
                Item::ExternCrate(e) => {
                    if let Some((_, alias)) = &e.rename {
                        self.aliases
                            .insert(alias.to_string(), vec![e.ident.to_string()]);
                    }
                }
                Item::Mod(m) => {
                    let name = m.ident.to_string();
                    module.push(name.clone());
                    if top {
                        self.local_items.insert(name, module.clone());
                    }
                    if let Some((_, inner)) = &m.content {
                        self.collect(inner, module);
                    }
                    module.pop();
                }
                _ => {
                    if !top {
                        continue;
                    }
                    let ident = match item {
                        Item::Fn(f) => &f.sig.ident,
                        Item::Struct(s) => &s.ident,
                        Item::Enum(e) => &e.ident,
                        Item::Trait(t) => &t.ident,
                        Item::Type(t) => &t.ident,
                        Item::Const(c) => &c.ident,
                        Item::Static(s) => &s.ident,
                        Item::Union(u) => &u.ident,
                        _ => continue,
                    };
                    let mut path = module.clone();
                    path.push(ident.to_string());
                    self.local_items.insert(ident.to_string(), path);
                }
            }
        }
    }

    /// Records `use full as name;` declared in `module`.
    fn bind(&mut self, name: String, full: Vec<String>, module: &[String]) {
        if module.len() > self.module.len() {
            let mut key = module.to_vec();
            key.push(name.clone());
            self.nested.insert(key, full.clone());
            if self.top_names.contains(&name) {
                return;
            }
        } else {
            self.top_names.insert(name.clone());
        }
        self.aliases.insert(name, full);
    }

    fn add_tree(&mut self, tree: &UseTree, prefix: &mut Vec<String>, module: &[String]) {
        match tree {
            UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.add_tree(&p.tree, prefix, module);
                prefix.pop();
            }
            UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name == "self" {
                    // `use a::b::{self}` imports `b`.
                    if let Some(last) = prefix.last().cloned() {
                        let full = absolutize(prefix, module);
                        self.bind(last, full, module);
                    }
                } else {
                    prefix.push(name.clone());
                    let full = absolutize(prefix, module);
                    prefix.pop();
                    self.bind(name, full, module);
                }
            }
            UseTree::Rename(r) => {
                let alias = r.rename.to_string();
                if alias == "_" {
                    return;
                }
                if r.ident == "self" {
                    let full = absolutize(prefix, module);
                    self.bind(alias, full, module);
                } else {
                    prefix.push(r.ident.to_string());
                    let full = absolutize(prefix, module);
                    prefix.pop();
                    self.bind(alias, full, module);
                }
            }
            UseTree::Glob(_) => {
                let full = absolutize(prefix, module);
                self.globs.push(full);
            }
            UseTree::Group(g) => {
                for t in &g.items {
                    self.add_tree(t, prefix, module);
                }
            }
        }
    }

    /// Resolves a path as written to its full path. Single names not imported explicitly
    /// resolve to themselves (or to a local item); see [`UseMap::candidates`] for globs.
    pub fn resolve(&self, path: &syn::Path) -> Vec<String> {
        let segs = path_names(path);
        if path.leading_colon.is_some() {
            return segs;
        }
        self.resolve_segments(&segs)
    }

    pub fn resolve_segments(&self, segs: &[String]) -> Vec<String> {
        let Some(first) = segs.first() else {
            return Vec::new();
        };
        let rest = &segs[1..];
        let mut out = match first.as_str() {
            "crate" | "self" | "super" => absolutize(segs, &self.module),
            _ => {
                if let Some(full) = self.aliases.get(first) {
                    full.clone()
                } else if let Some(local) = self.local_items.get(first) {
                    local.clone()
                } else {
                    vec![first.clone()]
                }
            }
        };
        if !matches!(first.as_str(), "crate" | "self" | "super") {
            out.extend(rest.iter().cloned());
        }
        // A name re-exported by a module nested in the file (bounded: chains of
        // re-exports are short).
        let mut steps = if self.nested.is_empty() { 0 } else { 4 };
        while steps > 0 {
            steps -= 1;
            let Some(k) = (1..=out.len())
                .rev()
                .find(|k| self.nested.contains_key(&out[..*k]))
            else {
                break;
            };
            let mut full = self.nested[&out[..k]].clone();
            full.extend(out[k..].iter().cloned());
            out = full;
        }
        out
    }

    /// Every full path a path may stand for: the resolved one, plus one per glob import
    /// when the first segment is not imported by name.
    pub fn candidates(&self, path: &syn::Path) -> Vec<Vec<String>> {
        let resolved = self.resolve(path);
        let mut out = vec![resolved];
        if let Some(first) = path.segments.first() {
            let name = first.ident.to_string();
            if path.leading_colon.is_none()
                && !self.aliases.contains_key(&name)
                && !self.local_items.contains_key(&name)
                && !matches!(name.as_str(), "crate" | "self" | "super" | "Self")
            {
                for g in &self.globs {
                    let mut p = g.clone();
                    p.extend(path.segments.iter().map(|s| s.ident.to_string()));
                    out.push(p);
                }
            }
        }
        out
    }

    /// Whether `name` is imported by name (`use a::name;`, `use a::b as name;`).
    pub fn is_alias(&self, name: &str) -> bool {
        self.aliases.contains_key(name)
    }

    /// The full path of an item or module declared at the file's module level.
    pub fn local_item(&self, name: &str) -> Option<&Vec<String>> {
        self.local_items.get(name)
    }

    /// Whether the file imports `path` or something under it, by name or glob
    /// (`diesel::prelude` for `use diesel::prelude::*;`), or globs one of its parents
    /// (`use diesel::*;` for `diesel::RunQueryDsl`).
    pub fn imports_path(&self, path: &[&str]) -> bool {
        let under =
            |p: &Vec<String>| p.len() >= path.len() && p.iter().zip(path).all(|(a, b)| a == b);
        let parent_glob =
            |g: &Vec<String>| g.len() < path.len() && g.iter().zip(path).all(|(a, b)| a == b);
        self.aliases.values().any(under)
            || self.globs.iter().any(under)
            || (path.len() > 1
                && self
                    .globs
                    .iter()
                    .any(|g| parent_glob(g) && g.len() == path.len() - 1))
    }

    /// Whether the file imports anything from one of these crates (by name, glob or a
    /// fully qualified use).
    pub fn imports_crate(&self, crates: &[&str]) -> bool {
        let hit = |p: &Vec<String>| p.first().is_some_and(|c| crates.contains(&c.as_str()));
        self.aliases.values().any(hit) || self.globs.iter().any(hit)
    }
}

/// A path's segments as written (`sqlx::query` → `["sqlx", "query"]`), unresolved.
pub fn path_names(p: &syn::Path) -> Vec<String> {
    p.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// Turns `crate::`/`self::`/`super::` paths into absolute `crate::…` paths; other paths
/// (external crates) are returned as written.
pub fn absolutize(segs: &[String], module: &[String]) -> Vec<String> {
    let Some(first) = segs.first() else {
        return Vec::new();
    };
    match first.as_str() {
        "crate" => segs.to_vec(),
        "self" => {
            let mut out = module.to_vec();
            out.extend(segs[1..].iter().cloned());
            out
        }
        "super" => {
            let mut base = module.to_vec();
            let mut i = 0;
            while segs.get(i).is_some_and(|s| s == "super") {
                if base.len() > 1 {
                    base.pop();
                }
                i += 1;
            }
            base.extend(segs[i..].iter().cloned());
            base
        }
        _ => segs.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(src: &str, module: &[&str]) -> UseMap {
        let file = syn::parse_file(src).unwrap();
        let module: Vec<String> = module.iter().map(|s| s.to_string()).collect();
        UseMap::build(&file.items, &module)
    }

    fn res(m: &UseMap, p: &str) -> String {
        let path: syn::Path = syn::parse_str(p).unwrap();
        m.resolve(&path).join("::")
    }

    #[test]
    fn a_nested_module_does_not_rebind_the_files_imports() {
        // Whichever comes first in the file.
        for src in [
            "use tokio::time::sleep;\n#[cfg(test)] mod tests { use std::thread::sleep; }",
            "#[cfg(test)] mod tests { use std::thread::sleep; }\nuse tokio::time::sleep;",
        ] {
            let m = map(src, &["crate", "handlers"]);
            assert_eq!(res(&m, "sleep"), "tokio::time::sleep", "{src}");
        }
        // A name only the nested module imports still resolves.
        let m = map("mod tests { use std::thread::sleep; }", &["crate"]);
        assert_eq!(res(&m, "sleep"), "std::thread::sleep");
    }

    #[test]
    fn names_re_exported_by_a_nested_module() {
        let m = map(
            "mod wire { pub use serde_json::to_value as encode; pub use serde_json; }\n\
             fn helper() {}",
            &["crate", "api"],
        );
        assert_eq!(res(&m, "wire::encode"), "serde_json::to_value");
        assert_eq!(
            res(&m, "wire::serde_json::to_string"),
            "serde_json::to_string"
        );
        assert_eq!(res(&m, "self::wire::encode"), "serde_json::to_value");
        assert_eq!(res(&m, "helper"), "crate::api::helper");
    }

    #[test]
    fn aliases_groups_renames_and_relative_paths() {
        let m = map(
            "use sqlx::{query, query_as as qa, postgres::{self, PgPool}};\n\
             use sqlx as db;\n\
             use super::repo::{self as r, find};\n\
             use crate::models::*;\n\
             mod inner;\n\
             fn helper() {}",
            &["crate", "handlers", "user"],
        );
        assert_eq!(res(&m, "query"), "sqlx::query");
        assert_eq!(res(&m, "qa"), "sqlx::query_as");
        assert_eq!(res(&m, "postgres::PgRow"), "sqlx::postgres::PgRow");
        assert_eq!(res(&m, "PgPool"), "sqlx::postgres::PgPool");
        assert_eq!(res(&m, "db::query"), "sqlx::query");
        assert_eq!(res(&m, "r::save"), "crate::handlers::repo::save");
        assert_eq!(res(&m, "find"), "crate::handlers::repo::find");
        assert_eq!(res(&m, "super::super::x"), "crate::x");
        assert_eq!(res(&m, "self::inner::f"), "crate::handlers::user::inner::f");
        assert_eq!(res(&m, "inner::f"), "crate::handlers::user::inner::f");
        assert_eq!(res(&m, "helper"), "crate::handlers::user::helper");
        assert_eq!(res(&m, "::sqlx::query"), "sqlx::query");
        let path: syn::Path = syn::parse_str("User").unwrap();
        let c: Vec<String> = m.candidates(&path).iter().map(|p| p.join("::")).collect();
        assert_eq!(c, vec!["User", "crate::models::User"]);
        assert!(m.imports_crate(&["sqlx"]));
        assert!(!m.imports_crate(&["diesel"]));
    }
}
