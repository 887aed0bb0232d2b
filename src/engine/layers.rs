//! The engine side of layer checking (BL401): each file's references to other modules
//! and crates, collected in the per-file pass, and the workspace's layer map (configured
//! or inferred) that settles them in the project pass.

use crate::config::{LayerMode, LayerSettings, Settings};
use crate::engine::cx::{Condition, Deferred, FileMeta};
use crate::engine::index::crate_ident;
use crate::engine::source::SourceFile;
use crate::engine::usemap::{absolutize, path_names, UseMap};
use crate::engine::walk::is_test_item;
use crate::finding::{Finding, Region};
use crate::model::layers::{
    db_crates, is_db_crate, is_error_type_name, Conventional, DATA_MODULES, DB_DATA_MODULES,
    DOMAIN_MODULES, ERROR_MODULES, GROUP_MODULES, HTTP_CRATES, STATE_EXTRACTORS,
};
use crate::model::sql::names_a_table;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use syn::visit::Visit;

/// How a reference is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefKind {
    /// A leaf of a `use` tree (or its `*`), or a path of several names in code.
    Path,
    /// A single-name path in code (`find(..)`, or a local binding that shadows an
    /// imported module).
    Bare,
    /// A path in the state parameter of a function (`State<PgPool>`).
    State { handler: String, wrapper: String },
}

/// One reference from a module to a path outside it.
#[derive(Debug, Clone)]
pub struct LayerRef {
    /// The referencing crate (normalized).
    pub krate: Option<String>,
    /// The referencing module (`["crate", "handlers", "user"]`).
    pub module: Vec<String>,
    /// The path referred to, absolute (`crate::…`, `other_crate::…`, `sqlx::…`).
    pub target: Vec<String>,
    pub kind: RefKind,
}

/// What a reference breaks, in the layer map's terms; the rule words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breach {
    /// A layer uses a layer it may not.
    Layer {
        /// The referencing module, as shown.
        src: String,
        from: String,
        /// The path as written (resolved), and where it really lives when that is a
        /// re-export.
        target: String,
        real: Option<String>,
        to: String,
        /// The layers `from` may use.
        allowed: Vec<String>,
        /// The layers between `from` and `to`, when `to` is below.
        between: Vec<String>,
        upward: bool,
        /// A repository calling a function of its service (dependency inversion allows
        /// only its types and traits).
        inverted: bool,
    },
    /// A layer uses an external crate that only other layers may use.
    Crate {
        src: String,
        from: String,
        target: String,
        krate: String,
        owners: Vec<String>,
        /// In a handler's state parameter: (handler, wrapper).
        state: Option<(String, String)>,
    },
    /// Two modules declared independent reference each other.
    Independent {
        src: String,
        target: String,
        modules: (String, String),
    },
}

/// A file's part of the layer index: its modules and re-exports.
#[derive(Debug, Default, Clone)]
pub struct FileLayers {
    pub krate: Option<String>,
    /// The file's module and the inline modules declared in it (test modules excluded).
    pub modules: Vec<Vec<String>>,
    /// `pub use` re-exports: (path it creates, path it stands for).
    pub reexports: Vec<(Vec<String>, Vec<String>)>,
    /// The configured layer whose `paths` globs match the file.
    pub path_layer: Option<usize>,
}

/// Collects a file's modules, re-exports and candidate references. References are
/// returned as deferred findings of `meta`, settled by [`LayerMap::settle`].
pub fn collect(
    file: &syn::File,
    src: &SourceFile,
    meta: &FileMeta,
    uses: &UseMap,
    settings: &Settings,
    rule: &'static crate::rules::RuleMeta,
) -> (FileLayers, Vec<Deferred>) {
    let krate = meta.krate.as_deref().map(crate_ident);
    let cfg = &settings.layers;
    let path_layer = meta.path_layer;
    let mut restricted: HashSet<String> = db_crates()
        .chain(HTTP_CRATES.iter().copied())
        .map(str::to_string)
        .collect();
    for l in &cfg.layers {
        restricted.extend(l.allow_crates.iter().cloned());
    }
    let mut c = Collector {
        src,
        uses,
        settings,
        krate: krate.clone(),
        file_module: &meta.module,
        crate_layer: krate.as_deref().is_some_and(|k| crate_layer(k).is_some())
            && crates_are_layered(settings.workspace_crates.iter().map(String::as_str)),
        module: meta.module.clone(),
        path_layer,
        restricted,
        recording: false,
        state: None,
        out: FileLayers {
            krate,
            path_layer,
            ..FileLayers::default()
        },
        refs: Vec::new(),
        rule,
    };
    if meta.test {
        return (c.out, Vec::new());
    }
    c.enter_module();
    for item in &file.items {
        c.visit_item(item);
    }
    (c.out, c.refs)
}

struct Collector<'a> {
    src: &'a SourceFile,
    uses: &'a UseMap,
    settings: &'a Settings,
    krate: Option<String>,
    /// The file's module, and the (inline) module being walked.
    file_module: &'a [String],
    module: Vec<String>,
    path_layer: Option<usize>,
    /// The file's crate is a layer by its name, in a workspace layered by crate names.
    crate_layer: bool,
    /// External crates some layer may not use.
    restricted: HashSet<String>,
    /// The current module may be in a layer: its references are recorded.
    recording: bool,
    /// Inside the type of a state parameter: (function, wrapper).
    state: Option<(String, String)>,
    out: FileLayers,
    refs: Vec<Deferred>,
    rule: &'static crate::rules::RuleMeta,
}

impl Collector<'_> {
    fn enter_module(&mut self) {
        self.out.modules.push(self.module.clone());
        self.recording = may_be_layered(
            &self.settings.layers,
            self.krate.as_deref(),
            &self.module,
            self.path_layer,
            self.crate_layer,
        );
    }

    /// A `use`-tree or written path made absolute from the current module.
    fn absolute(&self, segs: &[String], in_use: bool) -> Vec<String> {
        let Some(first) = segs.first() else {
            return Vec::new();
        };
        match first.as_str() {
            "crate" | "self" | "super" => absolutize(segs, &self.module),
            _ if in_use => match self.uses.local_item(first) {
                // `use handlers::user;` next to `mod handlers;` (2018 paths).
                Some(local) if self.module == self.file_module => {
                    let mut p = local.clone();
                    p.extend(segs[1..].iter().cloned());
                    p
                }
                _ => segs.to_vec(),
            },
            _ => self.uses.resolve_segments(segs),
        }
    }

    /// Records a reference written from `start` to `end` when it may cross layers.
    fn record(
        &mut self,
        target: Vec<String>,
        start: proc_macro2::Span,
        end: proc_macro2::Span,
        kind: RefKind,
    ) {
        if !self.recording || target.len() < 2 {
            return;
        }
        let first = target[0].as_str();
        let internal = first == "crate"
            || self
                .settings
                .workspace_crates
                .iter()
                .any(|c| c == first && self.krate.as_deref() != Some(first));
        if internal {
            // An item of the referencing module itself: never another layer (its
            // submodules may be).
            if first == "crate"
                && target.len() == self.module.len() + 1
                && target.starts_with(&self.module)
            {
                return;
            }
        } else if !self.restricted.contains(first) {
            return;
        }
        let kind = match (&self.state, internal) {
            (Some((handler, wrapper)), false) => RefKind::State {
                handler: handler.clone(),
                wrapper: wrapper.clone(),
            },
            _ => kind,
        };
        let r = LayerRef {
            krate: self.krate.clone(),
            module: self.module.clone(),
            target,
            kind,
        };
        let region = self.span_region(start, end);
        self.refs.push(Deferred {
            finding: Finding::new(self.rule, &self.src.display, region, String::new()),
            cond: Condition::IfLayerViolation(Box::new(r)),
        });
    }

    fn span_region(&self, first: proc_macro2::Span, last: proc_macro2::Span) -> Region {
        let a = self.src.region(first);
        let b = self.src.region(last);
        Region {
            end_line: b.end_line,
            end_column: b.end_column,
            byte_end: b.byte_end,
            ..a
        }
    }

    fn use_tree(&mut self, tree: &syn::UseTree, prefix: &mut Vec<String>, public: bool) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(&p.tree, prefix, public);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                let (full, alias) = if name == "self" {
                    (prefix.clone(), prefix.last().cloned())
                } else {
                    let mut f = prefix.clone();
                    f.push(name.clone());
                    (f, Some(name))
                };
                self.use_leaf(full, alias, n.ident.span(), public);
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                if r.ident != "self" {
                    full.push(r.ident.to_string());
                }
                let alias = Some(r.rename.to_string()).filter(|a| a != "_");
                self.use_leaf(full, alias, r.rename.span(), public);
            }
            syn::UseTree::Glob(g) => {
                let full = self.absolute(prefix, true);
                let star = g.star_token.spans[0];
                self.record(full, star, star, RefKind::Path);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, prefix, public);
                }
            }
        }
    }

    fn use_leaf(
        &mut self,
        full: Vec<String>,
        alias: Option<String>,
        span: proc_macro2::Span,
        public: bool,
    ) {
        let mut full = self.absolute(&full, true);
        if full.len() == 1 {
            // `pub(crate) use page_clause;` re-exports a `macro_rules!` of this module.
            let mut local = self.module.clone();
            local.push(full[0].clone());
            full = local;
        }
        if public {
            if let Some(a) = &alias {
                let mut created = self.module.clone();
                created.push(a.clone());
                if created != full {
                    self.out.reexports.push((created, full.clone()));
                }
            }
        }
        self.record(full, span, span, RefKind::Path);
    }

    fn visit_fn(
        &mut self,
        attrs: &[syn::Attribute],
        sig: &syn::Signature,
        body: Option<&syn::Block>,
    ) {
        if is_test_item(attrs) {
            return;
        }
        for a in attrs {
            self.visit_attribute(a);
        }
        self.visit_generics(&sig.generics);
        for input in &sig.inputs {
            let syn::FnArg::Typed(t) = input else {
                continue;
            };
            self.visit_pat(&t.pat);
            let wrapper = state_wrapper(&t.ty);
            if let Some(w) = wrapper {
                self.state = Some((sig.ident.to_string(), w));
            }
            self.visit_type(&t.ty);
            self.state = None;
        }
        self.visit_return_type(&sig.output);
        if let Some(b) = body {
            self.visit_block(b);
        }
    }
}

/// A SQL string literal that names no table (`SELECT 1`, `SELECT version()`).
fn is_probe_sql(e: &syn::Expr) -> bool {
    let e = match e {
        syn::Expr::Reference(r) => &*r.expr,
        e => e,
    };
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(s),
        ..
    }) = e
    else {
        return false;
    };
    !names_a_table(&s.value())
}

/// `State<..>`, `web::Data<..>`, `Extension<..>`: the wrapper's name.
fn state_wrapper(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let name = last.ident.to_string();
    (STATE_EXTRACTORS.contains(&name.as_str())
        && matches!(last.arguments, syn::PathArguments::AngleBracketed(_)))
    .then_some(name)
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            syn::Item::Trait(t) => &t.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Static(s) => &s.attrs,
            syn::Item::Macro(m) => &m.attrs,
            _ => &[],
        };
        if is_test_item(attrs) {
            return;
        }
        // In a module no layer can hold, only its modules and re-exports matter: the
        // walk stays at item level.
        if !self.recording && !matches!(item, syn::Item::Mod(_) | syn::Item::Use(_)) {
            return;
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        let Some((_, items)) = &m.content else {
            return;
        };
        let saved = (self.module.clone(), self.recording);
        self.module.push(m.ident.to_string());
        self.enter_module();
        for item in items {
            self.visit_item(item);
        }
        (self.module, self.recording) = saved;
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let public = !matches!(u.vis, syn::Visibility::Inherited);
        let mut prefix = Vec::new();
        if u.leading_colon.is_some() {
            prefix.push(String::new());
        }
        self.use_tree(&u.tree, &mut prefix, public);
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.visit_fn(&f.attrs, &f.sig, Some(&f.block));
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.visit_fn(&f.attrs, &f.sig, Some(&f.block));
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        self.visit_fn(&f.attrs, &f.sig, f.default.as_ref());
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        // `sqlx::query("SELECT 1")`: a liveness probe touches no table.
        let probe = self.recording && call.args.first().is_some_and(is_probe_sql);
        if let (true, syn::Expr::Path(p)) = (probe, &*call.func) {
            let db = p.path.segments.first().is_some_and(|f| {
                let full = self.uses.resolve_segments(&[f.ident.to_string()]);
                is_db_crate(&full[0])
            });
            if db {
                for a in &call.args {
                    self.visit_expr(a);
                }
                return;
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        // Nothing below a path can be recorded in a module that is not.
        if !self.recording {
            return;
        }
        let segs = path_names(path);
        if let (Some(first), Some(last)) = (path.segments.first(), path.segments.last()) {
            let skip = segs[0] == "Self"
                || (segs.len() == 1
                    && self.uses.local_item(&segs[0]).is_none()
                    && !self.uses.is_alias(&segs[0]));
            if !skip {
                let kind = if segs.len() == 1 {
                    RefKind::Bare
                } else {
                    RefKind::Path
                };
                let target = if path.leading_colon.is_some() {
                    segs
                } else {
                    self.absolute(&segs, false)
                };
                self.record(target, first.ident.span(), last.ident.span(), kind);
            }
        }
        syn::visit::visit_path(self, path);
    }
}

/// Whether a module may be in a layer, as far as one file can tell: configured layers
/// match it (or an independence contract names it); inferred layers need a
/// conventional name in its path, or its crate to be a layer (`crate_layer`).
fn may_be_layered(
    cfg: &LayerSettings,
    krate: Option<&str>,
    module: &[String],
    path_layer: Option<usize>,
    crate_layer: bool,
) -> bool {
    if cfg
        .independent
        .iter()
        .flatten()
        .any(|p| p.relates(krate, module))
    {
        return true;
    }
    if !cfg.layers.is_empty() {
        return path_layer.is_some()
            || cfg.layers.iter().any(|l| {
                l.crates.iter().any(|(c, _)| Some(c.as_str()) == krate)
                    || l.modules.iter().any(|p| p.relates(krate, module))
            });
    }
    module
        .iter()
        .skip(1)
        .any(|s| Conventional::of_module(s).is_some())
        || crate_layer
}

/// Whether the workspace's crates are layers by name: a service crate and a persistence
/// crate among them (`shop-service`, `shop-db`).
pub fn crates_are_layered<'a>(crates: impl Iterator<Item = &'a str>) -> bool {
    let found: BTreeSet<Conventional> = crates.filter_map(crate_layer).collect();
    found.contains(&Conventional::Service) && found.contains(&Conventional::Persistence)
}

/// The conventional layer a crate's name says it is (`shop-api` → web), when its words
/// name exactly one.
pub fn crate_layer(name: &str) -> Option<Conventional> {
    let words: Vec<&str> = name.split(['-', '_']).filter(|w| !w.is_empty()).collect();
    let mut found: BTreeSet<Conventional> = BTreeSet::new();
    // The first word is usually the application's name (`shop-db`), unless it is alone.
    let skip = usize::from(words.len() > 1);
    for (i, w) in words.iter().enumerate().skip(skip) {
        if let Some(l) = Conventional::of_module(w) {
            found.insert(l);
        }
        if let Some(next) = words.get(i + 1) {
            if let Some(l) = Conventional::of_module(&format!("{w}_{next}")) {
                found.insert(l);
            }
        }
    }
    (found.len() == 1)
        .then(|| found.into_iter().next())
        .flatten()
}

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
    /// Modules whose file a configured `paths` glob matches.
    path_layers: HashMap<(Option<String>, Vec<String>), usize>,
    crates: HashSet<String>,
    /// Crates of the workspace that are not layered (inferred: why), for `--show-layers`.
    pub unlayered: BTreeMap<String, String>,
    /// Configured prefixes, crates and globs that matched nothing.
    pub warnings: Vec<String>,
}

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
        // Crates whose own modules form a service and a persistence layer.
        let mut crates: Vec<&Option<String>> = self.modules.keys().collect();
        crates.sort();
        let mut layered = HashSet::new();
        for k in crates {
            let roots = layer_roots(&self.modules[k]);
            let found: HashSet<Conventional> = roots.values().copied().collect();
            self.roots.insert(k.clone(), roots);
            let name = k.clone().unwrap_or_else(|| "crate".into());
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
        if (source && error)
            || (l == Conventional::Persistence && (error || DATA_MODULES.contains(&below)))
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

    /// Settles a reference: what it breaks, if anything.
    pub fn settle(&self, r: &LayerRef) -> Option<Breach> {
        let from = r.krate.as_deref();
        let from_class = self.classify(from, &r.module, true);
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
                "  shared: error modules in every layer ({}), data modules inside persistence ({})\n",
                ERROR_MODULES.join(", "),
                DATA_MODULES.join(", ")
            );
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
