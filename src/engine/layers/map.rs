//! The project pass of layer checking: the workspace's layers, configured or inferred
//! from conventional names, and what each reference breaks.

use super::{Breach, FileLayers, LayerRef, RefKind};
use crate::config::{LayerMode, LayerSettings, Settings};
use crate::model::layers::{
    crate_layer, crates_are_layered, is_data_module, is_db_crate, is_error_type_name, Conventional,
    DATA_MODULES, DATA_MODULE_SUFFIXES, DB_DATA_MODULES, DOMAIN_MODULES, ERROR_MODULES,
    GROUP_MODULES, HTTP_CRATES, METRICS_MODULES,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Where a path belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Layer(usize),
    Shared,
    Unlayered,
}

/// A layer of the map.
#[derive(Debug, Clone)]
pub struct Layer {
    pub name: String,
    /// Modules (and crates) assigned to it, for `--show-layers`.
    pub members: BTreeSet<String>,
}

/// The workspace's layers and what they contain, configured or inferred.
#[derive(Debug, Default)]
pub struct LayerMap {
    pub layers: Vec<Layer>,
    /// The layers were inferred from conventional names.
    pub inferred: bool,
    mode: LayerMode,
    config: LayerSettings,
    /// Inferred: crates whose modules are layered, and crates that are layers.
    module_layered: HashSet<Option<String>>,
    /// Inferred: per crate, the modules that are layers (`crate::services`).
    roots: HashMap<Option<String>, BTreeMap<Vec<String>, Conventional>>,
    crate_layers: HashMap<String, Conventional>,
    /// Every module of every crate.
    modules: HashMap<Option<String>, HashSet<Vec<String>>>,
    /// Re-exports: (crate, path created) → path it stands for (absolute as written).
    reexports: HashMap<(Option<String>, Vec<String>), Vec<String>>,
    /// Modules that build or start an HTTP server: start-up wiring.
    wiring: HashSet<(Option<String>, Vec<String>)>,
    /// Modules whose file a configured `paths` glob matches.
    path_layers: HashMap<(Option<String>, Vec<String>), usize>,
    crates: HashSet<String>,
    /// Crates of the workspace that are not layered (inferred: why), for `--show-layers`.
    pub unlayered: BTreeMap<String, String>,
    /// Configured prefixes, crates and globs that matched nothing.
    pub warnings: Vec<String>,
    /// Inferred layers the workspace's own references do not follow (see
    /// [`LayerMap::judge_fit`]): how many references between layers there are and how
    /// many break the layering, and the same in modules. Nothing is then reported.
    pub misfit: Option<Fit>,
}

/// How well an inferred layering fits the references between its layers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fit {
    /// References from one layer to another.
    pub cross: usize,
    /// Of those, references that break the layering.
    pub breaking: usize,
    /// Modules with a reference to another layer.
    pub modules: usize,
    /// Of those, modules with a reference that breaks the layering.
    pub breaking_modules: usize,
}

impl Fit {
    /// Layers inferred from names are the project's architecture only when its code
    /// mostly follows them: at most a quarter of the references between layers, and at
    /// most two in five of the modules making them, break the layering. A workspace whose
    /// `api`, `db` or `service` modules are something else (a re-export facade, a cached
    /// domain layer, a protocol translation layer) breaks it everywhere.
    /// It is judged only with enough modules to judge it by ([`MIN_FIT_MODULES`]): in a
    /// small application a few breaking references are a large share by nature.
    pub fn fits(&self) -> bool {
        self.modules < MIN_FIT_MODULES
            || (self.breaking * 4 <= self.cross && self.breaking_modules * 5 <= self.modules * 2)
    }
}

/// How many modules with references to another layer an inferred layering needs before
/// the references are taken as evidence against it.
pub const MIN_FIT_MODULES: usize = 20;

impl LayerMap {
    pub fn new(files: Vec<FileLayers>, settings: &Settings) -> Self {
        let mut map = LayerMap {
            config: settings.layers.clone(),
            mode: settings.layers.mode,
            ..LayerMap::default()
        };
        for f in files {
            if let Some(k) = &f.krate {
                map.crates.insert(k.clone());
            }
            for m in &f.modules {
                if let Some(l) = f.path_layer {
                    map.path_layers.insert((f.krate.clone(), m.clone()), l);
                }
            }
            map.modules
                .entry(f.krate.clone())
                .or_default()
                .extend(f.modules);
            for m in f.wiring {
                map.wiring.insert((f.krate.clone(), m));
            }
            for (created, target) in f.reexports {
                map.reexports.insert((f.krate.clone(), created), target);
            }
        }
        if map.config.layers.is_empty() {
            map.infer();
        } else {
            map.configured();
        }
        map
    }

    fn configured(&mut self) {
        self.layers = self
            .config
            .layers
            .iter()
            .map(|l| Layer {
                name: l.name.clone(),
                members: BTreeSet::new(),
            })
            .collect();
        let all = self.all_modules();
        for (k, m) in &all {
            if let Class::Layer(i) = self.classify_config(k.as_deref(), m) {
                self.layers[i].members.insert(show_module(k.as_deref(), m));
            }
        }
        let cfg = &self.config;
        let mut warnings = Vec::new();
        let prefixes = cfg
            .layers
            .iter()
            .flat_map(|l| l.modules.iter())
            .chain(&cfg.shared)
            .chain(cfg.independent.iter().flatten());
        for p in prefixes {
            if !all.iter().any(|(k, m)| p.matches(k.as_deref(), m)) {
                warnings.push(format!(
                    "{}: key `{}`: `{}` matches no module of the analysed files",
                    cfg.file,
                    p.key,
                    p.display()
                ));
            }
        }
        for (i, l) in cfg.layers.iter().enumerate() {
            for (c, key) in &l.crates {
                if !self.crates.contains(c) {
                    warnings.push(format!(
                        "{}: key `{key}`: crate `{c}` is not among the analysed crates",
                        cfg.file
                    ));
                }
            }
            if l.paths.is_some() && !self.path_layers.values().any(|&x| x == i) {
                let globs: Vec<&str> = l.path_keys.iter().map(|(g, _)| g.as_str()).collect();
                warnings.push(format!(
                    "{}: key `layers[{i}].paths`: {} match no analysed file",
                    cfg.file,
                    globs.join(", ")
                ));
            }
        }
        self.warnings = warnings;
    }

    fn infer(&mut self) {
        self.inferred = true;
        self.mode = LayerMode::Strict;
        self.layers = Conventional::ALL
            .iter()
            .map(|l| Layer {
                name: l.name().to_string(),
                members: BTreeSet::new(),
            })
            .collect();
        // Workspace members whose name says they are the persistence layer (`database`,
        // `shop-db`): a crate whose own modules hold the service layer may have its
        // persistence layer there.
        let persistence_crates: Vec<String> = self
            .crates
            .iter()
            .filter(|c| crate_layer(c) == Some(Conventional::Persistence))
            .cloned()
            .collect();
        // Crates whose own modules form a service and a persistence layer, or a service
        // layer beside a persistence crate.
        let mut crates: Vec<&Option<String>> = self.modules.keys().collect();
        crates.sort();
        let mut layered = HashSet::new();
        for k in crates {
            let roots = layer_roots(&self.modules[k]);
            let mut found: HashSet<Conventional> = roots.values().copied().collect();
            self.roots.insert(k.clone(), roots);
            let name = k.clone().unwrap_or_else(|| "crate".into());
            let beside: Vec<&String> = persistence_crates
                .iter()
                .filter(|c| Some(c.as_str()) != k.as_deref())
                .collect();
            if found.contains(&Conventional::Service)
                && !found.contains(&Conventional::Persistence)
                && !beside.is_empty()
            {
                found.insert(Conventional::Persistence);
                for c in beside {
                    self.crate_layers
                        .insert(c.clone(), Conventional::Persistence);
                }
            }
            if found.contains(&Conventional::Service) && found.contains(&Conventional::Persistence)
            {
                layered.insert(k.clone());
            } else {
                let missing = if found.contains(&Conventional::Service) {
                    "no persistence layer"
                } else if found.contains(&Conventional::Persistence) {
                    "no service layer"
                } else {
                    "no service or persistence layer"
                };
                self.unlayered.insert(name, missing.to_string());
            }
        }
        self.module_layered = layered;
        // A persistence crate taken in above is a layer, not an unlayered crate.
        let taken: Vec<String> = self.crate_layers.keys().cloned().collect();
        for c in taken {
            self.unlayered.remove(&c);
        }
        // Workspace members that are layers by name.
        let by_name: Vec<(String, Conventional)> = self
            .crates
            .iter()
            .filter_map(|c| crate_layer(c).map(|l| (c.clone(), l)))
            .collect();
        if crates_are_layered(by_name.iter().map(|(c, _)| c.as_str())) {
            for (c, l) in by_name {
                self.unlayered.remove(&c);
                self.crate_layers.insert(c, l);
            }
        }
        let all = self.all_modules();
        for (k, m) in &all {
            if let Class::Layer(i) = self.classify_inferred(k.as_deref(), m, false) {
                if self.is_wiring(k.as_deref(), m, i) {
                    continue;
                }
                let shown = match k.as_deref().and_then(|c| self.crate_layers.get(c)) {
                    Some(_) if !self.module_layered.contains(k) => {
                        format!("{} (crate)", k.as_deref().unwrap_or("crate"))
                    }
                    _ => show_module(k.as_deref(), m),
                };
                self.layers[i].members.insert(shown);
            }
        }
    }

    /// Inferred layers: a service-layer module that builds or starts the HTTP server
    /// (`HttpServer::new`, `axum::serve`) is start-up wiring, the composition root that
    /// mounts the routes and builds the state; its references are not checked.
    fn is_wiring(&self, krate: Option<&str>, module: &[String], layer: usize) -> bool {
        self.inferred
            && layer == Conventional::Service as usize
            && self
                .wiring
                .contains(&(krate.map(str::to_string), module.to_vec()))
    }

    /// Every module of every crate, sorted.
    fn all_modules(&self) -> Vec<(Option<String>, Vec<String>)> {
        let mut all: Vec<(Option<String>, Vec<String>)> = self
            .modules
            .iter()
            .flat_map(|(k, ms)| ms.iter().map(move |m| (k.clone(), m.clone())))
            .collect();
        all.sort();
        all
    }

    /// Inferred layers: the modules the inference treats as shared (error and metrics
    /// modules of every layer, data and error modules of persistence), outermost first, as
    /// configuration prefixes (`shop::repositories::models`), for `backlint init`.
    pub fn shared_modules(&self) -> Vec<String> {
        if !self.inferred {
            return Vec::new();
        }
        let mut out: Vec<Vec<String>> = Vec::new();
        let mut shown = Vec::new();
        for (k, m) in self.all_modules() {
            // Shared as a referencing module (errors) or as a target (data, metrics).
            if self.classify_inferred(k.as_deref(), &m, true) != Class::Shared
                && self.classify_inferred(k.as_deref(), &m, false) != Class::Shared
            {
                continue;
            }
            let mut key = vec![k.clone().unwrap_or_else(|| "crate".into())];
            key.extend(m[1..].iter().cloned());
            if !out.iter().any(|o| key.starts_with(o)) {
                shown.push(show_module(k.as_deref(), &m));
                out.push(key);
            }
        }
        shown
    }

    /// Whether any layer is active.
    pub fn is_active(&self) -> bool {
        self.layers.iter().any(|l| !l.members.is_empty())
    }

    /// Where a module (`source`: a referencing one) or a referenced path belongs.
    fn classify(&self, krate: Option<&str>, path: &[String], source: bool) -> Class {
        if self.inferred {
            self.classify_inferred(krate, path, source)
        } else {
            self.classify_config(krate, path)
        }
    }

    fn classify_config(&self, krate: Option<&str>, path: &[String]) -> Class {
        let cfg = &self.config;
        if cfg.shared.iter().any(|p| p.matches(krate, path)) {
            return Class::Shared;
        }
        let best = cfg
            .layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.modules.iter().map(move |p| (i, p)))
            .filter(|(_, p)| p.matches(krate, path))
            .max_by_key(|(_, p)| (p.path.len(), p.krate.is_some()));
        if let Some((i, _)) = best {
            return Class::Layer(i);
        }
        // The file of the module (or of the item's module) a `paths` glob matched.
        let k = krate.map(str::to_string);
        let by_file = (1..=path.len())
            .rev()
            .find_map(|n| self.path_layers.get(&(k.clone(), path[..n].to_vec())));
        if let Some(&i) = by_file {
            return Class::Layer(i);
        }
        match cfg
            .layers
            .iter()
            .position(|l| l.crates.iter().any(|(c, _)| Some(c.as_str()) == krate))
        {
            Some(i) => Class::Layer(i),
            None => Class::Unlayered,
        }
    }

    fn classify_inferred(&self, krate: Option<&str>, path: &[String], source: bool) -> Class {
        let k = krate.map(str::to_string);
        let root = self
            .module_layered
            .contains(&k)
            .then(|| {
                self.roots.get(&k).and_then(|roots| {
                    (2..=path.len()).find_map(|n| roots.get(&path[..n]).map(|l| (n - 1, *l)))
                })
            })
            .flatten()
            .or_else(|| {
                let l = krate.and_then(|c| self.crate_layers.get(c))?;
                Some((0, *l))
            });
        let Some((i, l)) = root else {
            return Class::Unlayered;
        };
        // The module right below the layer: an error module maps the errors of every
        // layer (its references are not checked); the persistence layer's data and
        // error modules are shared.
        let below = path.get(i + 1).map(String::as_str).unwrap_or("");
        let error = ERROR_MODULES.contains(&below);
        // Metrics (counters, gauges) are cross-cutting: any layer may name them.
        let metrics = !source && METRICS_MODULES.contains(&below);
        if (source && error)
            || metrics
            || (l == Conventional::Persistence && (error || is_data_module(below)))
        {
            Class::Shared
        } else {
            Class::Layer(l as usize)
        }
    }

    /// A target path as (crate, `crate::…` path), or `None` for an external crate.
    fn internal(
        &self,
        from: Option<&str>,
        target: &[String],
    ) -> Option<(Option<String>, Vec<String>)> {
        let first = target.first()?;
        if first == "crate" {
            return Some((from.map(str::to_string), target.to_vec()));
        }
        if self.crates.contains(first) && from != Some(first.as_str()) {
            let mut p = vec!["crate".to_string()];
            p.extend(target[1..].iter().cloned());
            return Some((Some(first.clone()), p));
        }
        None
    }

    /// Follows `pub use` re-exports to where an item really lives: an internal
    /// (crate, path), or the external path it re-exports.
    fn follow(
        &self,
        krate: Option<String>,
        path: Vec<String>,
    ) -> Result<(Option<String>, Vec<String>), Vec<String>> {
        let mut cur = (krate, path);
        for _ in 0..8 {
            let found = (2..=cur.1.len()).rev().find_map(|n| {
                self.reexports
                    .get(&(cur.0.clone(), cur.1[..n].to_vec()))
                    .map(|t| (n, t))
            });
            let Some((n, t)) = found else { break };
            let mut next = t.clone();
            next.extend(cur.1[n..].iter().cloned());
            match self.internal(cur.0.as_deref(), &next) {
                Some(i) if i == cur => break,
                Some(i) => cur = i,
                None => return Err(next),
            }
        }
        Ok(cur)
    }

    /// Judges inferred layers against the workspace's references (every reference of
    /// every file): when the code does not follow them ([`Fit::fits`]), they are not its
    /// architecture, nothing is reported, and a warning says so. Configured layers are
    /// the user's word and are not judged.
    pub fn judge_fit<'r>(&mut self, refs: impl Iterator<Item = &'r LayerRef>) {
        if !self.inferred || !self.is_active() {
            return;
        }
        let mut fit = Fit::default();
        let mut modules = HashSet::new();
        let mut breaking = HashSet::new();
        for r in refs {
            if !self.crosses(r) {
                continue;
            }
            fit.cross += 1;
            let m = (r.krate.as_deref(), r.module.as_slice());
            modules.insert(m);
            if matches!(self.settle(r), Some(Breach::Layer { .. })) {
                fit.breaking += 1;
                breaking.insert(m);
            }
        }
        fit.modules = modules.len();
        fit.breaking_modules = breaking.len();
        if fit.fits() {
            return;
        }
        self.warnings.push(format!(
            "the layers inferred from module names do not fit this workspace: {} of {} references between them break the layering, from {} of {} modules; BL401 reports nothing until the layers are configured (`[layers]`, see `backlint init` and `--show-layers`)",
            fit.breaking, fit.cross, fit.breaking_modules, fit.modules
        ));
        self.misfit = Some(fit);
    }

    /// Whether a reference goes from one layer to another layer of the workspace (an
    /// internal path, both ends classified, start-up wiring excluded): the references
    /// an inferred layering is judged on ([`LayerMap::conformance`]).
    pub fn crosses(&self, r: &LayerRef) -> bool {
        let from = r.krate.as_deref();
        let Class::Layer(f) = self.source_class(r) else {
            return false;
        };
        let Some((tk, tp)) = self.internal(from, &r.target) else {
            return false;
        };
        let Ok((rk, rp)) = self.follow(tk, tp) else {
            return false;
        };
        matches!(self.classify(rk.as_deref(), &rp, false), Class::Layer(t) if t != f)
    }

    /// Where a referencing module belongs; start-up wiring is in no layer.
    fn source_class(&self, r: &LayerRef) -> Class {
        let from = r.krate.as_deref();
        match self.classify(from, &r.module, true) {
            Class::Layer(f) if self.is_wiring(from, &r.module, f) => Class::Unlayered,
            c => c,
        }
    }

    /// Settles a reference: what it breaks, if anything (nothing when the inferred
    /// layers do not fit the workspace).
    pub fn breach(&self, r: &LayerRef) -> Option<Breach> {
        if self.misfit.is_some() {
            return None;
        }
        self.settle(r)
    }

    /// What a reference breaks in the layer map, if anything.
    fn settle(&self, r: &LayerRef) -> Option<Breach> {
        let from = r.krate.as_deref();
        let from_class = self.source_class(r);
        let written = r.target.join("::");
        let Some((tk, tp)) = self.internal(from, &r.target) else {
            let Class::Layer(f) = from_class else {
                return None;
            };
            return self.external(r, f, &r.target, &r.module.join("::"));
        };
        let src = if tk.as_deref() != from {
            show_module(from, &r.module)
        } else {
            r.module.join("::")
        };
        // Independence contracts hold whatever the layers.
        for group in &self.config.independent {
            let a = group.iter().find(|p| p.matches(from, &r.module));
            let b = group.iter().find(|p| p.matches(tk.as_deref(), &tp));
            if let (Some(a), Some(b)) = (a, b) {
                if a != b {
                    return Some(Breach::Independent {
                        src,
                        target: written,
                        modules: (a.display(), b.display()),
                    });
                }
            }
        }
        let Class::Layer(f) = from_class else {
            return None;
        };
        let (rk, rp) = match self.follow(tk.clone(), tp.clone()) {
            Ok(real) => real,
            // Re-exported from an external crate.
            Err(ext) => return self.external(r, f, &ext, &src),
        };
        let Class::Layer(t) = self.classify(rk.as_deref(), &rp, false) else {
            return None;
        };
        if self.allowed(f, t) && !(self.inverted(f, t) && self.is_free_fn(rk.as_deref(), &rp)) {
            return None;
        }
        // A binding that shadows an imported module (`Ok(folders) => folders.len()`).
        if r.kind == RefKind::Bare && self.modules.get(&rk).is_some_and(|ms| ms.contains(&rp)) {
            return None;
        }
        // Errors are mapped centrally: the web layer may name a repository's error type.
        if self.inferred
            && f == Conventional::Web as usize
            && t == Conventional::Persistence as usize
            && rp.iter().any(|s| is_error_type_name(s))
        {
            return None;
        }
        let real = ((rk.as_ref(), &rp) != (tk.as_ref(), &tp)).then(|| {
            if rk.as_deref() == from {
                rp.join("::")
            } else {
                show_module(rk.as_deref(), &rp)
            }
        });
        let names = |range: &mut dyn Iterator<Item = usize>| -> Vec<String> {
            range.map(|i| self.layers[i].name.clone()).collect()
        };
        Some(Breach::Layer {
            src,
            from: self.layers[f].name.clone(),
            target: written,
            real,
            to: self.layers[t].name.clone(),
            allowed: names(&mut (0..self.layers.len()).filter(|&x| x != f && self.allowed(f, x))),
            between: names(&mut ((f + 1)..t)),
            upward: t < f,
            inverted: self.inverted(f, t),
        })
    }

    fn external(&self, r: &LayerRef, f: usize, path: &[String], src: &str) -> Option<Breach> {
        let c = path.first()?.as_str();
        let fname = &self.layers[f].name;
        let owners: Vec<String> = if self.inferred {
            let web = Conventional::Web as usize;
            let persistence = Conventional::Persistence as usize;
            if f == web && is_db_crate(c) {
                vec![self.layers[persistence].name.clone()]
            } else if f == persistence && HTTP_CRATES.contains(&c) {
                vec![self.layers[web].name.clone()]
            } else {
                return None;
            }
        } else {
            let owners: Vec<String> = self
                .config
                .layers
                .iter()
                .filter(|l| l.allow_crates.iter().any(|a| a == c))
                .map(|l| l.name.clone())
                .collect();
            if owners.is_empty() || owners.contains(fname) {
                return None;
            }
            owners
        };
        if path
            .get(1)
            .is_some_and(|m| DB_DATA_MODULES.contains(&(c, m.as_str())))
        {
            // `sqlx::types::Uuid`: a plain value type re-exported by the client.
            return None;
        }
        Some(Breach::Crate {
            src: src.to_string(),
            from: fname.clone(),
            target: path.join("::"),
            krate: c.to_string(),
            owners,
            state: match &r.kind {
                RefKind::State { handler, wrapper } => Some((handler.clone(), wrapper.clone())),
                _ => None,
            },
        })
    }

    fn allowed(&self, f: usize, t: usize) -> bool {
        if f == t {
            return true;
        }
        if let Some(may) = self.config.layers.get(f).and_then(|l| l.may_use.as_ref()) {
            if !self.inferred {
                return may.contains(&t);
            }
        }
        if self.inverted(f, t) {
            return true;
        }
        match self.mode {
            LayerMode::Relaxed => t > f,
            LayerMode::Strict => t == f + 1,
        }
    }

    /// Inferred layers allow dependency inversion: a repository implements the ports and
    /// returns the types its service defines (it still may not call service functions).
    fn inverted(&self, f: usize, t: usize) -> bool {
        self.inferred
            && f == Conventional::Persistence as usize
            && t == Conventional::Service as usize
    }

    /// Whether a path names a free function (`loyalty::tier_for_points`), not a module,
    /// a type, a trait or a type's associated item.
    fn is_free_fn(&self, krate: Option<&str>, path: &[String]) -> bool {
        let lower = |s: &String| {
            s.chars()
                .next()
                .is_some_and(|c| c.is_lowercase() || c == '_')
        };
        let n = path.len();
        n >= 2
            && lower(&path[n - 1])
            && (n == 2 || lower(&path[n - 2]))
            && !self
                .modules
                .get(&krate.map(str::to_string))
                .is_some_and(|ms| ms.contains(path))
    }

    /// `--show-layers`: the layers and their modules.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        let how = if self.inferred {
            "inferred from module and crate names; strict: each layer uses only the next one"
        } else {
            match self.mode {
                LayerMode::Relaxed => "configured; relaxed: a layer may use any layer below it",
                LayerMode::Strict => "configured; strict: each layer uses only the next one",
            }
        };
        s += &format!("layers ({how}), top to bottom:\n");
        for (i, l) in self.layers.iter().enumerate() {
            s += &format!("  {}. {}", i + 1, l.name);
            if let Some(may) = self.config.layers.get(i).and_then(|d| d.may_use.as_ref()) {
                let names: Vec<&str> = may.iter().map(|&x| self.layers[x].name.as_str()).collect();
                s += &format!(" (may use: {})", names.join(", "));
            }
            if l.members.is_empty() {
                s += ": (no modules)\n";
            } else {
                s += ":\n";
                // A module's submodules are in its layer unless listed elsewhere.
                let mut shown: Vec<&String> = Vec::new();
                for m in &l.members {
                    if !shown.iter().any(|p| m.starts_with(&format!("{p}::"))) {
                        s += &format!("       {m}\n");
                        shown.push(m);
                    }
                }
            }
        }
        if !self.config.shared.is_empty() {
            let names: Vec<String> = self.config.shared.iter().map(|p| p.display()).collect();
            s += &format!("  shared: {}\n", names.join(", "));
        } else if self.inferred {
            s += &format!(
                "  shared: error modules in every layer ({}), metrics modules ({}), data modules inside persistence ({}, names ending in {})\n",
                ERROR_MODULES.join(", "),
                METRICS_MODULES.join(", "),
                DATA_MODULES.join(", "),
                DATA_MODULE_SUFFIXES.join(", ")
            );
            let mut wiring: Vec<String> = self
                .all_modules()
                .into_iter()
                .filter(|(k, m)| {
                    matches!(self.classify_inferred(k.as_deref(), m, false), Class::Layer(i) if self.is_wiring(k.as_deref(), m, i))
                })
                .map(|(k, m)| show_module(k.as_deref(), &m))
                .collect();
            wiring.sort();
            if !wiring.is_empty() {
                s += &format!(
                    "  start-up wiring (builds the HTTP server; not checked): {}\n",
                    wiring.join(", ")
                );
            }
        }
        for g in &self.config.independent {
            let names: Vec<String> = g.iter().map(|p| p.display()).collect();
            s += &format!("  independent: {}\n", names.join(", "));
        }
        for (c, why) in &self.unlayered {
            s += &format!("  not layered: {c} ({why})\n");
        }
        if !self.is_active() {
            s += "no layers found: BL401 reports nothing\n";
        }
        if let Some(f) = &self.misfit {
            s += &format!(
                "these inferred layers do not fit the workspace: {} of {} references between them break the layering, from {} of {} modules; BL401 reports nothing until the layers are configured\n",
                f.breaking, f.cross, f.breaking_modules, f.modules
            );
        }
        s
    }
}

/// The modules of a crate that are inferred layers: a module with a conventional name
/// directly below the crate root, below a grouping module (`crate::infrastructure`), or
/// below a module that groups several layers (`crate::application::{service,
/// repository}`, `features::user::{controllers, usecases, repositories}`). A module so
/// named elsewhere (`crate::metrics::service`) is not a layer; neither is one that
/// itself groups several layers.
fn layer_roots(modules: &HashSet<Vec<String>>) -> BTreeMap<Vec<String>, Conventional> {
    let conv = |m: &[String]| m.last().and_then(|s| Conventional::of_module(s));
    let mut child_layers: HashMap<&[String], BTreeSet<Conventional>> = HashMap::new();
    for m in modules {
        if m.len() >= 2 {
            if let Some(l) = conv(m) {
                child_layers.entry(&m[..m.len() - 1]).or_default().insert(l);
            }
        }
    }
    // A service beside another layer: `utilities::{http, storage}` is no architecture.
    let is_group = |m: &[String]| {
        child_layers
            .get(m)
            .is_some_and(|ls| ls.len() >= 2 && ls.contains(&Conventional::Service))
    };
    let mut roots = BTreeMap::new();
    for m in modules {
        let Some(l) = conv(m) else { continue };
        // The domain is the core every layer may use, its repository traits and domain
        // services included.
        let in_domain = m[..m.len() - 1]
            .iter()
            .any(|s| DOMAIN_MODULES.contains(&s.as_str()));
        if m.len() < 2 || is_group(m) || in_domain {
            continue;
        }
        // `application` names start-up code as often as a service layer: it is one only
        // as a directory of submodules (`application::{orders, billing}`), not as a
        // single file (`src/application.rs` that builds the server and the state).
        if m.last().is_some_and(|s| s == "application")
            && !modules
                .iter()
                .any(|o| o.len() > m.len() && o.starts_with(m))
        {
            continue;
        }
        let parent = &m[..m.len() - 1];
        let placed = parent.len() == 1
            || is_group(parent)
            || parent
                .last()
                .is_some_and(|p| GROUP_MODULES.contains(&p.as_str()));
        if placed {
            roots.insert(m.clone(), l);
        }
    }
    roots
}

fn show_module(krate: Option<&str>, path: &[String]) -> String {
    match krate {
        Some(k) if path.len() > 1 => format!("{k}::{}", path[1..].join("::")),
        Some(k) => k.to_string(),
        None => path.join("::"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots(modules: &[&str]) -> Vec<(String, &'static str)> {
        let set: HashSet<Vec<String>> = modules
            .iter()
            .map(|m| m.split("::").map(str::to_string).collect())
            .collect();
        layer_roots(&set)
            .into_iter()
            .map(|(m, l)| (m.join("::"), l.name()))
            .collect()
    }

    #[test]
    fn layers_are_inferred_where_an_architecture_places_them() {
        // Top-level layers; a `service` inside `metrics` is none.
        assert_eq!(
            roots(&[
                "crate",
                "crate::controllers",
                "crate::db",
                "crate::metrics",
                "crate::metrics::service"
            ]),
            vec![
                ("crate::controllers".into(), "web"),
                ("crate::db".into(), "persistence")
            ]
        );
        // A module grouping a service with a repository is no layer itself.
        assert_eq!(
            roots(&[
                "crate::api::handlers",
                "crate::application",
                "crate::application::service",
                "crate::application::repository",
            ]),
            vec![
                ("crate::application::repository".into(), "persistence"),
                ("crate::application::service".into(), "service"),
            ]
        );
        // `application` is a service layer only as a directory of submodules.
        assert_eq!(
            roots(&["crate::api", "crate::application", "crate::biz"]),
            vec![
                ("crate::api".into(), "web"),
                ("crate::biz".into(), "service")
            ]
        );
        assert_eq!(
            roots(&["crate::application", "crate::application::orders"]),
            vec![("crate::application".into(), "service")]
        );
        // Below grouping modules; never inside the domain core.
        assert_eq!(
            roots(&[
                "crate::infrastructure::repositories",
                "crate::interfaces::api",
                "crate::domain::repositories",
                "crate::utilities::http",
                "crate::utilities::storage",
            ]),
            vec![
                ("crate::infrastructure::repositories".into(), "persistence"),
                ("crate::interfaces::api".into(), "web"),
            ]
        );
    }

    /// A crate with `handlers`, `services` and `repositories`, `n` modules in each, and
    /// references: every handler module uses its service, every service module its
    /// repository, and the first `broken` handler modules also use a repository.
    fn layered(n: usize, broken: usize) -> (LayerMap, Vec<LayerRef>) {
        let path = |s: &str| -> Vec<String> { s.split("::").map(str::to_string).collect() };
        let mut modules = vec![path("crate")];
        let mut refs = Vec::new();
        let r = |from: &str, to: &str| LayerRef {
            krate: Some("app".into()),
            module: path(from),
            target: path(to),
            kind: RefKind::Path,
        };
        for layer in ["handlers", "services", "repositories"] {
            modules.push(path(&format!("crate::{layer}")));
            for i in 0..n {
                modules.push(path(&format!("crate::{layer}::m{i}")));
            }
        }
        for i in 0..n {
            refs.push(r(
                &format!("crate::handlers::m{i}"),
                &format!("crate::services::m{i}::run"),
            ));
            refs.push(r(
                &format!("crate::services::m{i}"),
                &format!("crate::repositories::m{i}::Repo"),
            ));
            if i < broken {
                refs.push(r(
                    &format!("crate::handlers::m{i}"),
                    &format!("crate::repositories::m{i}::Repo"),
                ));
            }
        }
        let file = FileLayers {
            krate: Some("app".into()),
            modules,
            ..FileLayers::default()
        };
        let mut map = LayerMap::new(vec![file], &Settings::default());
        map.judge_fit(refs.iter());
        (map, refs)
    }

    #[test]
    fn inferred_layers_the_code_does_not_follow_report_nothing() {
        // A few handlers skipping the service layer: the layering fits, they are reported.
        let (map, refs) = layered(12, 3);
        assert!(map.inferred && map.misfit.is_none(), "{:?}", map.misfit);
        assert_eq!(refs.iter().filter(|r| map.breach(r).is_some()).count(), 3);
        assert!(map.warnings.is_empty());
        // Most handlers do: the names are not this workspace's architecture.
        let (map, refs) = layered(12, 9);
        let fit = map.misfit.expect("judged a misfit");
        assert_eq!(
            (fit.breaking, fit.cross, fit.breaking_modules, fit.modules),
            (9, 33, 9, 24)
        );
        assert!(refs.iter().all(|r| map.breach(r).is_none()));
        assert!(
            map.warnings[0].contains("9 of 33 references"),
            "{:?}",
            map.warnings
        );
        assert!(map.describe().contains("do not fit the workspace"));
        // A small application is not judged by its share of breaking references.
        let (map, refs) = layered(5, 4);
        assert!(map.misfit.is_none());
        assert_eq!(refs.iter().filter(|r| map.breach(r).is_some()).count(), 4);
    }

    #[test]
    fn crates_are_layers_by_their_name_words() {
        assert_eq!(crate_layer("shop-api"), Some(Conventional::Web));
        assert_eq!(crate_layer("shop_db"), Some(Conventional::Persistence));
        assert_eq!(crate_layer("db"), Some(Conventional::Persistence));
        assert_eq!(crate_layer("myapp-use-cases"), Some(Conventional::Service));
        assert_eq!(
            crate_layer("lemmy_db_schema"),
            Some(Conventional::Persistence)
        );
        assert_eq!(crate_layer("api"), Some(Conventional::Web));
        assert_eq!(crate_layer("shop-api-db"), None);
        // Outbound clients are not the web layer.
        assert_eq!(crate_layer("shop_http_client"), None);
        assert_eq!(crate_layer("shop-api-client"), None);
        assert_eq!(
            crate_layer("shop-db-client"),
            Some(Conventional::Persistence)
        );
        assert_eq!(crate_layer("kanidm_proto"), None);
        assert!(crates_are_layered(
            ["shop-api", "shop-service", "shop-db"].into_iter()
        ));
        assert!(!crates_are_layered(
            ["lemmy_api", "lemmy_db_schema"].into_iter()
        ));
    }
}
