//! The per-file pass of layer checking: a file's modules, `pub use` re-exports and the
//! references that may cross layers.

use super::{FileLayers, LayerRef, RefKind};
use crate::config::{LayerSettings, Settings};
use crate::engine::cx::{Condition, Deferred, FileMeta};
use crate::engine::index::crate_ident;
use crate::engine::source::SourceFile;
use crate::engine::usemap::{absolutize, path_names, UseMap};
use crate::engine::walk::is_test_item;
use crate::finding::{Finding, Region};
use crate::model::layers::{
    crate_layer, crates_are_layered, is_db_crate, Conventional, HTTP_CRATES, SERVER_BUILDERS,
    STATE_EXTRACTORS,
};
use crate::model::sql::names_a_table;
use syn::visit::Visit;

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
    let path_layer = meta.path_layer;
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
    // Tests, and build scripts (programs of their own, run at build time: generating
    // query code from a database is not the web layer using persistence).
    if meta.test || meta.build_script {
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

    /// An external crate some layer may not use: a database or HTTP crate, or one a
    /// configured layer's `allow-crates` names.
    fn restricted(&self, name: &str) -> bool {
        is_db_crate(name)
            || HTTP_CRATES.contains(&name)
            || self
                .settings
                .layers
                .layers
                .iter()
                .any(|l| l.allow_crates.iter().any(|c| c == name))
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
        } else if !self.restricted(first) {
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

/// A resolved path to an HTTP crate's server builder (`actix_web::HttpServer::new`,
/// `axum::serve`).
fn builds_server(target: &[String]) -> bool {
    let n = target.len();
    n >= 2
        && HTTP_CRATES.contains(&target[0].as_str())
        && SERVER_BUILDERS.contains(&(target[n - 2].as_str(), target[n - 1].as_str()))
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
        // Modules nested deeper than this in one file are not looked into (recording
        // each one's path would cost the square of the nesting).
        if self.module.len() > self.file_module.len() + 64 {
            return;
        }
        let recording = self.recording;
        self.module.push(m.ident.to_string());
        self.enter_module();
        for item in items {
            self.visit_item(item);
        }
        self.module.pop();
        self.recording = recording;
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
                if builds_server(&target) && !self.out.wiring.contains(&self.module) {
                    self.out.wiring.push(self.module.clone());
                }
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
