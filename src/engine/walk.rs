//! The per-file walk: one traversal of the syntax tree with a scope stack, dispatching
//! every expression and macro to the enabled rules' hooks.

use crate::config::Settings;
use crate::engine::facts::FileFacts;
use crate::engine::flow::{Built, Class, Dep, Flow, Part, Prov};
use crate::engine::macros::{parse_macro, ParsedMacro};
use crate::engine::pattern::{pattern_names, typed_pattern_names};
use crate::engine::scope::{Binding, ElemPath, Mutation, MutationKind, Origin, ScopeKind, Scopes};
use crate::engine::source::SourceFile;
use crate::engine::usemap::UseMap;
use crate::finding::{Finding, Label, Region};
use crate::model::sql::BUILDER_CLOSURE_METHODS;
use crate::model::values::ITER_ADAPTORS;
use crate::rules::{Rule, RuleMeta};
use proc_macro2::Span;
use std::cell::RefCell;
use std::collections::HashMap;
use syn::visit::{self, Visit};
use syn::{Expr, Macro};
use typed_arena::Arena;

/// Parsed macro bodies of one file, each parsed once, living as long as the syntax tree.
pub struct MacroCache<'ast> {
    arena: &'ast Arena<ParsedMacro>,
    map: RefCell<HashMap<*const Macro, &'ast ParsedMacro>>,
}

impl<'ast> MacroCache<'ast> {
    pub fn new(arena: &'ast Arena<ParsedMacro>) -> Self {
        MacroCache {
            arena,
            map: RefCell::new(HashMap::new()),
        }
    }

    pub fn get(&self, mac: &'ast Macro) -> &'ast ParsedMacro {
        let key = mac as *const Macro;
        if let Some(p) = self.map.borrow().get(&key) {
            return p;
        }
        let parsed: &'ast ParsedMacro = self.arena.alloc(parse_macro(mac));
        self.map.borrow_mut().insert(key, parsed);
        parsed
    }
}

/// A macro invocation with its parsed body, as given to rules.
#[derive(Clone, Copy)]
pub struct MacroRef<'ast> {
    pub mac: &'ast Macro,
    pub parsed: &'ast ParsedMacro,
}

/// Where a file sits in the workspace.
#[derive(Debug, Clone, Default)]
pub struct FileMeta {
    /// The package the file belongs to, when known.
    pub krate: Option<String>,
    /// Module path (`["crate", "handlers", "user"]`).
    pub module: Vec<String>,
    /// Test-only file: under `tests/` or `benches/`, or in a test-support crate.
    pub test: bool,
}

/// What a rule sees of the file being walked.
pub struct Cx<'a, 'ast> {
    pub src: &'a SourceFile,
    pub file: &'a FileMeta,
    pub uses: &'a UseMap,
    pub facts: &'a FileFacts<'ast>,
    pub macros: &'a MacroCache<'ast>,
    pub settings: &'a Settings,
    pub scopes: Scopes<'ast>,
    findings: Vec<Finding>,
    /// Findings that stand unless their conditions are shown to hold.
    pending: Vec<(Finding, Prov)>,
    /// (function, parameter) → what its call sites in this file pass.
    callsites: HashMap<(String, String), CallSites>,
    /// Text-returning function → the class of what it returns.
    ret_classes: HashMap<String, Class>,
    /// Return accumulators of the enclosing functions (`None` for closures and functions
    /// that do not return text).
    ret_stack: Vec<Option<(String, Class)>>,
    /// Sinks given the result of a local function: findings if that function returns
    /// built SQL (known at the end of the file).
    pending_returns: Vec<PendingReturn>,
    /// Sinks given text built from conditionally-safe parts.
    pending_built: Vec<PendingBuilt>,
    /// Parameters a function passes straight to a sink: (function, parameter) → the sink.
    sink_params: HashMap<(String, String), (&'static RuleMeta, String)>,
    /// Call sites passing built text to a local function's parameter.
    built_args: Vec<BuiltArg>,
}

/// A call site passing built text to parameter `param` of local function `func`.
#[derive(Debug)]
struct BuiltArg {
    func: String,
    param: String,
    built: Box<crate::engine::flow::Built>,
    region: Region,
}

/// Renders a finding's message from the sink's name and the interpolated part.
pub type RenderBuilt = fn(sink: &str, part: &Part) -> String;

/// A sink given text built from conditionally-safe parts.
struct PendingBuilt {
    meta: &'static RuleMeta,
    region: Region,
    sink: String,
    built: Box<Built>,
    render: RenderBuilt,
    help: Option<String>,
}

/// A sink whose argument is the text returned by a local function.
#[derive(Debug)]
pub struct PendingReturn {
    pub meta: &'static RuleMeta,
    pub region: Region,
    /// The sink, as named in messages.
    pub sink: String,
    pub func: String,
    pub help: Option<String>,
}

/// How a provenance resolves with what is known at the end of a file.
enum Resolution {
    Safe,
    Stands,
    /// Safe if, for each entry, one of the named types is bounded in the workspace.
    Deferred(Vec<Vec<String>>),
}

/// What the call sites of one parameter pass: `unsafe_` when some argument is neither
/// safe nor a parameter of a caller; otherwise the callers' parameters it depends on.
#[derive(Debug, Default)]
struct CallSites {
    unsafe_: bool,
    deps: Vec<(String, String)>,
}

/// A finding that depends on types defined elsewhere in the workspace: it is dropped if,
/// for every entry, one of the named types is bounded.
#[derive(Debug, Clone)]
pub struct Deferred {
    pub finding: Finding,
    pub types: Vec<Vec<String>>,
}

impl<'a, 'ast> Cx<'a, 'ast> {
    /// A value-flow analysis over the current scope.
    pub fn flow(&self) -> Flow<'_, 'ast> {
        Flow::new(&self.scopes, self.facts, self.macros, self.src)
    }

    /// Resolves a path through the file's imports (`query` → `sqlx::query`).
    pub fn resolve(&self, path: &syn::Path) -> Vec<String> {
        self.uses.resolve(path)
    }

    /// Reports a finding of `meta` at `span`.
    pub fn report(&mut self, meta: &'static RuleMeta, span: Span, message: String) -> &mut Finding {
        let region = self.src.region(span);
        self.report_region(meta, region, message)
    }

    pub fn report_region(
        &mut self,
        meta: &'static RuleMeta,
        region: Region,
        message: String,
    ) -> &mut Finding {
        self.findings
            .push(Finding::new(meta, &self.src.display, region, message));
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }

    /// A secondary label at `span`.
    pub fn label(&self, span: Span, message: impl Into<String>) -> Label {
        Label {
            region: self.src.region(span),
            message: message.into(),
        }
    }

    /// Reports a finding that stands unless `prov`'s conditions hold: an unconditional
    /// one at once, otherwise once call sites (end of file) and workspace types (end of
    /// run) are known.
    pub fn report_unless(
        &mut self,
        meta: &'static RuleMeta,
        span: Span,
        message: String,
        prov: &Prov,
    ) -> &mut Finding {
        if prov.unconditional {
            return self.report(meta, span, message);
        }
        let f = Finding::new(meta, &self.src.display, self.src.region(span), message);
        self.pending.push((f, prov.clone()));
        let last = self.pending.len() - 1;
        &mut self.pending[last].0
    }

    /// The (function, parameter) pairs all of whose call sites in this file pass safe
    /// values, directly or through safe parameters of private callers (greatest fixed
    /// point, so recursion does not make a parameter unsafe).
    fn safe_params(&self) -> std::collections::HashSet<(String, String)> {
        let private = |f: &str| self.facts.fn_sigs.get(f).is_some_and(|s| !s.public);
        let mut safe: std::collections::HashSet<(String, String)> = self
            .callsites
            .iter()
            .filter(|((f, _), c)| !c.unsafe_ && private(f))
            .map(|(k, _)| k.clone())
            .collect();
        loop {
            let before = safe.len();
            let snapshot = safe.clone();
            safe.retain(|k| {
                self.callsites
                    .get(k)
                    .is_some_and(|c| c.deps.iter().all(|d| snapshot.contains(d)))
            });
            if safe.len() == before {
                return safe;
            }
        }
    }

    /// Resolves a provenance with this file's call sites and return summaries.
    fn resolve_prov(
        &self,
        prov: &Prov,
        safe_params: &std::collections::HashSet<(String, String)>,
    ) -> Resolution {
        if prov.unconditional {
            return Resolution::Stands;
        }
        let mut types = Vec::new();
        for leaf in &prov.leaves {
            let satisfied = leaf.iter().any(|d| match d {
                Dep::Param { func, param } => safe_params.contains(&(func.clone(), param.clone())),
                Dep::Returns(func) => matches!(self.ret_classes.get(func), Some(Class::Safe)),
                // Trusted by name unless some call site in this file passes a value that is
                // neither constant, nor another identifier-named parameter, nor a
                // parameter shown safe by its own callers.
                Dep::IdentParam { func, param } => {
                    match self.callsites.get(&(func.clone(), param.clone())) {
                        None => true,
                        Some(c) => {
                            !c.unsafe_
                                && c.deps.iter().all(|d| {
                                    safe_params.contains(d)
                                        || crate::model::names::is_sql_identifier_name(&d.1)
                                })
                        }
                    }
                }
                Dep::Type(_) => false,
            });
            if satisfied {
                continue;
            }
            let alts: Vec<String> = leaf
                .iter()
                .filter_map(|d| match d {
                    Dep::Type(t) if !self.facts.structs.contains_key(t) => Some(t.clone()),
                    _ => None,
                })
                .collect();
            if alts.is_empty() {
                return Resolution::Stands;
            }
            types.push(alts);
        }
        if types.is_empty() {
            Resolution::Safe
        } else {
            Resolution::Deferred(types)
        }
    }

    /// Findings, and those deferred to the end of the run. Parameter and return-value
    /// conditions are resolved here from the call sites and functions of this file.
    pub fn into_findings(mut self) -> (Vec<Finding>, Vec<Deferred>) {
        let safe_params = self.safe_params();
        let mut findings = std::mem::take(&mut self.findings);
        let mut deferred = Vec::new();
        let mut settle = |f: Finding, r: Resolution, findings: &mut Vec<Finding>| match r {
            Resolution::Safe => {}
            Resolution::Stands => findings.push(f),
            Resolution::Deferred(types) => deferred.push(Deferred { finding: f, types }),
        };
        for (f, prov) in std::mem::take(&mut self.pending) {
            let r = self.resolve_prov(&prov, &safe_params);
            settle(f, r, &mut findings);
        }
        for p in std::mem::take(&mut self.pending_built) {
            let r = self.resolve_prov(&p.built.prov, &safe_params);
            let part = self.standing_part(&p.built, &safe_params);
            let f = self.built_finding(p.meta, p.region, (p.render)(&p.sink, &part), &part, p.help);
            settle(f, r, &mut findings);
        }
        for p in std::mem::take(&mut self.pending_returns) {
            let Some(Class::Built(b)) = self.ret_classes.get(&p.func) else {
                continue;
            };
            let part = self.standing_part(b, &safe_params);
            let message = format!(
                "SQL passed to `{}` is built by `{}` with `{}` from `{}`",
                p.sink, p.func, part.via, part.culprit
            );
            let f = self.built_finding(p.meta, p.region, message, &part, p.help);
            let r = self.resolve_prov(&b.prov, &safe_params);
            settle(f, r, &mut findings);
        }
        for a in std::mem::take(&mut self.built_args) {
            let Some((meta, sink)) = self.sink_params.get(&(a.func.clone(), a.param.clone()))
            else {
                continue;
            };
            let part = self.standing_part(&a.built, &safe_params);
            let message = format!(
                "SQL passed to `{sink}` through `{}` is built with `{}` from `{}`",
                a.func, part.via, part.culprit
            );
            let f = self.built_finding(meta, a.region, message, &part, None);
            let r = self.resolve_prov(&a.built.prov, &safe_params);
            settle(f, r, &mut findings);
        }
        (findings, deferred)
    }

    /// The first interpolated part of `b` that is not shown safe (the primary one if all
    /// are).
    fn standing_part(
        &self,
        b: &Built,
        safe_params: &std::collections::HashSet<(String, String)>,
    ) -> Part {
        let parts = b.parts();
        parts
            .iter()
            .find(|p| !matches!(self.resolve_prov(&p.prov, safe_params), Resolution::Safe))
            .unwrap_or(&parts[0])
            .clone()
    }

    /// A finding at a sink's argument, with a label where the text was built when that is
    /// on another line.
    fn built_finding(
        &self,
        meta: &'static RuleMeta,
        region: Region,
        message: String,
        part: &Part,
        help: Option<String>,
    ) -> Finding {
        let built = self.src.region(part.span);
        let labels = if built.line != region.line {
            vec![Label {
                region: built,
                message: format!("SQL built here with `{}`", part.via),
            }]
        } else {
            Vec::new()
        };
        Finding {
            labels,
            help,
            ..Finding::new(meta, &self.src.display, region, message)
        }
    }

    /// Reports a sink whose argument is text built by interpolation: at once when some
    /// part is unconditionally non-constant, else when the conditions are resolved.
    pub fn report_built(
        &mut self,
        meta: &'static RuleMeta,
        span: Span,
        sink: String,
        built: &Built,
        render: RenderBuilt,
        help: Option<String>,
    ) {
        let region = self.src.region(span);
        if built.prov.unconditional {
            let part = built
                .parts()
                .into_iter()
                .find(|p| p.prov.unconditional)
                .unwrap_or_else(|| built.parts().remove(0));
            let f = self.built_finding(meta, region, render(&sink, &part), &part, help);
            self.findings.push(f);
        } else {
            self.pending_built.push(PendingBuilt {
                meta,
                region,
                sink,
                built: Box::new(built.clone()),
                render,
                help,
            });
        }
    }

    /// Notes that the current function passes its parameter `param` straight to `sink`:
    /// call sites in this file that pass built text to it are findings.
    pub fn mark_sink_param(&mut self, meta: &'static RuleMeta, param: String, sink: String) {
        if let Some(func) = self.scopes.current_fn() {
            self.sink_params
                .entry((func.to_string(), param))
                .or_insert((meta, sink));
        }
    }

    /// Reports, at the end of the file, a sink whose argument is the text returned by
    /// local function `func`, if that function returns text built from non-constant data.
    pub fn report_if_returns_built(
        &mut self,
        meta: &'static RuleMeta,
        span: Span,
        sink: String,
        func: String,
        help: Option<String>,
    ) {
        let region = self.src.region(span);
        self.pending_returns.push(PendingReturn {
            meta,
            region,
            sink,
            func,
            help,
        });
    }

    /// Records the classes of the arguments of a call to a function of this file.
    fn record_call(
        &mut self,
        func: &str,
        args: &'ast syn::punctuated::Punctuated<Expr, syn::Token![,]>,
        method: bool,
    ) {
        let Some(sig) = self.facts.fn_sigs.get(func) else {
            return;
        };
        // Public functions are recorded too: their in-file call sites are evidence
        // against names (`IdentParam`), though not enough to prove parameters safe.
        if method && !sig.has_self {
            return;
        }
        let params = sig.params.clone();
        for (arg, param) in args.iter().zip(params) {
            let Some(param) = param else { continue };
            let class = self.flow().class(arg);
            if let Class::Built(b) = &class {
                self.built_args.push(BuiltArg {
                    func: func.to_string(),
                    param: param.clone(),
                    built: b.clone(),
                    region: self.src.region(syn::spanned::Spanned::span(arg)),
                });
            }
            let e = self.callsites.entry((func.to_string(), param)).or_default();
            match class {
                Class::Safe => {}
                Class::Opaque(prov) if !prov.unconditional => {
                    for leaf in prov.leaves {
                        let dep = leaf.into_iter().find_map(|d| match d {
                            Dep::Param { func, param } => Some((func, param)),
                            Dep::Type(_) | Dep::Returns(_) => None,
                            // Trusted by name: not evidence of unsafe input.
                            Dep::IdentParam { func, param } => Some((func, param)),
                        });
                        match dep {
                            Some(d) => e.deps.push(d),
                            None => e.unsafe_ = true,
                        }
                    }
                }
                _ => e.unsafe_ = true,
            }
        }
    }
}

pub struct Walker<'a, 'ast> {
    pub cx: Cx<'a, 'ast>,
    rules: &'a [&'a dyn Rule],
    /// The receiver of the iterator adaptor whose closure argument is being visited.
    closure_iter: Option<&'ast Expr>,
    /// Set while visiting the closure of `push_values(items, |b, item| ..)`: `items`.
    closure_values: Option<&'ast Expr>,
}

impl<'a, 'ast> Walker<'a, 'ast> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        src: &'a SourceFile,
        file: &'a FileMeta,
        uses: &'a UseMap,
        facts: &'a FileFacts<'ast>,
        macros: &'a MacroCache<'ast>,
        settings: &'a Settings,
        rules: &'a [&'a dyn Rule],
    ) -> Self {
        let mut scopes = Scopes::default();
        if file.test {
            scopes.enter_test();
        }
        Walker {
            cx: Cx {
                src,
                file,
                uses,
                facts,
                macros,
                settings,
                scopes,
                findings: Vec::new(),
                pending: Vec::new(),
                callsites: HashMap::new(),
                ret_classes: HashMap::new(),
                ret_stack: Vec::new(),
                pending_returns: Vec::new(),
                pending_built: Vec::new(),
                sink_params: HashMap::new(),
                built_args: Vec::new(),
            },
            rules,
            closure_iter: None,
            closure_values: None,
        }
    }

    fn bind_pat(&mut self, pat: &'ast syn::Pat, origin_for: impl Fn(ElemPath) -> Origin<'ast>) {
        let simple = matches!(pat, syn::Pat::Ident(_) | syn::Pat::Type(_));
        for pn in pattern_names(pat) {
            let origin = origin_for(pn.path);
            let origin = match origin {
                Origin::Let(init) if !simple => match init {
                    Some(e) if pn.path.len > 0 => Origin::Element(e, pn.path),
                    Some(e) => Origin::Destructure(e),
                    None => Origin::Let(None),
                },
                o => o,
            };
            let seq = self.cx.scopes.next_seq();
            self.cx.scopes.bind(Binding {
                name: pn.ident.to_string(),
                seq,
                span: pn.ident.span(),
                origin,
                ty: pn.ty,
                mutations: Vec::new(),
            });
        }
    }

    fn bind_fn_params(&mut self, sig: &'ast syn::Signature) {
        for input in &sig.inputs {
            match input {
                syn::FnArg::Typed(t) => {
                    for pn in typed_pattern_names(&t.pat, &t.ty) {
                        let seq = self.cx.scopes.next_seq();
                        self.cx.scopes.bind(Binding {
                            name: pn.ident.to_string(),
                            seq,
                            span: pn.ident.span(),
                            origin: Origin::Param,
                            ty: pn.ty,
                            mutations: Vec::new(),
                        });
                    }
                }
                syn::FnArg::Receiver(r) => {
                    let seq = self.cx.scopes.next_seq();
                    self.cx.scopes.bind(Binding {
                        name: "self".into(),
                        seq,
                        span: r.self_token.span,
                        origin: Origin::Param,
                        ty: None,
                        mutations: Vec::new(),
                    });
                }
            }
        }
    }

    fn walk_fn(&mut self, sig: &'ast syn::Signature, body: &'ast syn::Block) {
        let name = sig.ident.to_string();
        self.cx
            .scopes
            .enter_fn(name.clone(), sig.asyncness.is_some());
        self.bind_fn_params(sig);
        let summarize = self.cx.facts.text_returns.contains(&name);
        self.cx
            .ret_stack
            .push(summarize.then(|| (name.clone(), Class::Safe)));
        // The body's block, with its scope kept open to classify the tail expression.
        self.cx.scopes.push(ScopeKind::Block);
        self.visit_stmts(&body.stmts);
        if summarize {
            if let Some(syn::Stmt::Expr(tail, None)) = body.stmts.last() {
                let c = self.cx.flow().class(tail);
                self.add_return(c);
            }
        }
        self.cx.scopes.pop();
        if let Some(Some((name, class))) = self.cx.ret_stack.pop() {
            let entry = self.cx.ret_classes.entry(name).or_insert(Class::Safe);
            *entry = std::mem::replace(entry, Class::Safe).join(class);
        }
        self.cx.scopes.exit_fn();
    }

    fn add_return(&mut self, c: Class) {
        if let Some(Some((_, acc))) = self.cx.ret_stack.last_mut() {
            *acc = std::mem::replace(acc, Class::Safe).join(c);
        }
    }

    fn visit_stmts(&mut self, stmts: &'ast [syn::Stmt]) {
        for stmt in stmts {
            if let syn::Stmt::Item(syn::Item::Const(c)) = stmt {
                self.bind_const(&c.ident);
            } else if let syn::Stmt::Item(syn::Item::Static(s)) = stmt {
                self.bind_const(&s.ident);
            }
            self.visit_stmt(stmt);
        }
    }

    fn record_mutation(&mut self, e: &'ast Expr) {
        let (name, kind, value) = match e {
            Expr::Assign(a) => (target_name(&a.left), MutationKind::Assign, &*a.right),
            Expr::Binary(b) if matches!(b.op, syn::BinOp::AddAssign(_)) => {
                (target_name(&b.left), MutationKind::Append, &*b.right)
            }
            Expr::MethodCall(m) => {
                let arg = match m.method.to_string().as_str() {
                    "push_str" | "push" | "extend" | "append" | "push_back" | "insert" => {
                        m.args.last()
                    }
                    "insert_str" => m.args.iter().nth(1),
                    _ => None,
                };
                match arg {
                    Some(arg) => (target_name(&m.receiver), MutationKind::Push, arg),
                    None => return,
                }
            }
            _ => return,
        };
        let Some(name) = name else { return };
        if self.cx.scopes.lookup(&name).is_none() {
            return;
        }
        let class = self.cx.flow().class(value);
        self.cx.scopes.mutate(
            &name,
            Mutation {
                kind,
                value: Some(value),
                class,
                span: syn::spanned::Spanned::span(value),
            },
        );
    }
}

/// Whether attributes mark test-only code: `#[test]`, `#[tokio::test]`, `#[rstest]`,
/// `#[sqlx::test]`, `#[cfg(test)]` (also inside `all(..)`).
pub fn is_test_item(attrs: &[syn::Attribute]) -> bool {
    /// `test` appears, and not under `not(..)`.
    fn mentions_test(ts: proc_macro2::TokenStream) -> bool {
        let mut negated = false;
        for t in ts {
            match t {
                proc_macro2::TokenTree::Ident(i) => {
                    if i == "test" {
                        return true;
                    }
                    negated = i == "not";
                }
                proc_macro2::TokenTree::Group(g) => {
                    if !negated && mentions_test(g.stream()) {
                        return true;
                    }
                    negated = false;
                }
                _ => negated = false,
            }
        }
        false
    }
    attrs.iter().any(|a| {
        let last = a.path().segments.last().map(|s| s.ident.to_string());
        match last.as_deref() {
            Some("test" | "rstest" | "test_case" | "quickcheck" | "proptest") => true,
            Some("cfg") => match &a.meta {
                syn::Meta::List(l) => mentions_test(l.tokens.clone()),
                _ => false,
            },
            _ => false,
        }
    })
}

/// The local variable an assignment or mutating call targets (`x`, `&mut x`, `*x`).
pub fn target_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Reference(r) => target_name(&r.expr),
        Expr::Unary(u) => target_name(&u.expr),
        Expr::Paren(p) => target_name(&p.expr),
        _ => None,
    }
}

impl<'a, 'ast> Visit<'ast> for Walker<'a, 'ast> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        for a in &f.attrs {
            self.visit_attribute(a);
        }
        self.in_test_if(&f.attrs, |w| w.walk_fn(&f.sig, &f.block));
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.in_test_if(&f.attrs, |w| w.walk_fn(&f.sig, &f.block));
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        self.in_test_if(&i.attrs, |w| {
            w.cx.scopes.enter_impl(&i.self_ty);
            visit::visit_item_impl(w, i);
            w.cx.scopes.exit_impl();
        });
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.in_test_if(&m.attrs, |w| visit::visit_item_mod(w, m));
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(body) = &f.default {
            self.walk_fn(&f.sig, body);
        }
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.cx.scopes.push(ScopeKind::Block);
        self.visit_stmts(&b.stmts);
        self.cx.scopes.pop();
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        let init = l.init.as_ref().map(|i| &*i.expr);
        if let Some(i) = &l.init {
            self.visit_expr(&i.expr);
            if let Some((_, diverge)) = &i.diverge {
                self.visit_expr(diverge);
            }
        }
        self.bind_pat(&l.pat, |_| Origin::Let(init));
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        self.record_mutation(e);
        match e {
            Expr::Call(c) => {
                if let Expr::Path(p) = &*c.func {
                    let segs = &p.path.segments;
                    let local = segs.len() == 1
                        || (segs.len() == 2
                            && (segs[0].ident == "Self" || segs[0].ident == "self"));
                    if let (true, Some(last)) = (local, segs.last()) {
                        self.cx.record_call(&last.ident.to_string(), &c.args, false);
                    }
                }
            }
            Expr::MethodCall(m) => {
                if matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident("self")) {
                    self.cx.record_call(&m.method.to_string(), &m.args, true);
                }
            }
            _ => {}
        }
        for r in self.rules {
            r.check_expr(&mut self.cx, e);
        }
        match e {
            Expr::Return(r) => {
                if let Some(e) = &r.expr {
                    if matches!(self.cx.ret_stack.last(), Some(Some(_))) {
                        let c = self.cx.flow().class(e);
                        self.add_return(c);
                    }
                }
                visit::visit_expr(self, e);
            }
            Expr::Closure(c) => {
                self.cx.ret_stack.push(None);
                let iter = self.closure_iter.take();
                let values = self.closure_values.take();
                self.cx.scopes.push(ScopeKind::Closure);
                let is_async = c.asyncness.is_some();
                if is_async {
                    self.cx.scopes.enter_async(true);
                }
                for (i, input) in c.inputs.iter().enumerate() {
                    match (values, iter) {
                        (Some(_), _) if i == 0 => self.bind_pat(input, |_| Origin::BuilderParam),
                        (Some(it), _) | (None, Some(it)) => {
                            self.bind_pat(input, |p| Origin::Element(it, p))
                        }
                        (None, None) => self.bind_pat(input, |_| Origin::ClosureParam),
                    }
                }
                self.visit_expr(&c.body);
                if is_async {
                    self.cx.scopes.exit_async();
                }
                self.cx.scopes.pop();
                self.cx.ret_stack.pop();
            }
            Expr::ForLoop(f) => {
                self.visit_expr(&f.expr);
                self.cx.scopes.push(ScopeKind::Block);
                let iter: &'ast Expr = &f.expr;
                self.bind_pat(&f.pat, |p| Origin::Element(iter, p));
                self.visit_block(&f.body);
                self.cx.scopes.pop();
            }
            Expr::Match(m) => {
                self.visit_expr(&m.expr);
                let scrutinee: &'ast Expr = &m.expr;
                for arm in &m.arms {
                    self.cx.scopes.push(ScopeKind::Block);
                    self.bind_pat(&arm.pat, |_| Origin::Destructure(scrutinee));
                    if let Some((_, g)) = &arm.guard {
                        self.visit_expr(g);
                    }
                    self.visit_expr(&arm.body);
                    self.cx.scopes.pop();
                }
            }
            Expr::If(i) => {
                self.cx.scopes.push(ScopeKind::Block);
                self.visit_expr(&i.cond);
                self.visit_block(&i.then_branch);
                self.cx.scopes.pop();
                if let Some((_, els)) = &i.else_branch {
                    self.visit_expr(els);
                }
            }
            Expr::While(w) => {
                self.cx.scopes.push(ScopeKind::Block);
                self.visit_expr(&w.cond);
                self.visit_block(&w.body);
                self.cx.scopes.pop();
            }
            Expr::Let(l) => {
                self.visit_expr(&l.expr);
                let src: &'ast Expr = &l.expr;
                self.bind_pat(&l.pat, |_| Origin::Destructure(src));
            }
            Expr::Async(a) => {
                self.cx.scopes.enter_async(true);
                self.cx.scopes.push(ScopeKind::Closure);
                self.visit_block(&a.block);
                self.cx.scopes.pop();
                self.cx.scopes.exit_async();
            }
            Expr::MethodCall(m) => {
                self.visit_expr(&m.receiver);
                let method = m.method.to_string();
                let adaptor = ITER_ADAPTORS.contains(&method.as_str());
                let values = BUILDER_CLOSURE_METHODS.contains(&method.as_str());
                for arg in &m.args {
                    if matches!(arg, Expr::Closure(_)) {
                        if adaptor {
                            self.closure_iter = Some(&m.receiver);
                        } else if values {
                            self.closure_values = m.args.first();
                        }
                    }
                    self.visit_expr(arg);
                    self.closure_iter = None;
                    self.closure_values = None;
                }
            }
            _ => visit::visit_expr(self, e),
        }
    }

    fn visit_macro(&mut self, m: &'ast Macro) {
        let parsed = self.cx.macros.get(m);
        if let Some(fa) = parsed.format() {
            if matches!(parsed.name.as_str(), "write" | "writeln") {
                if let Some(name) = fa.target.as_ref().and_then(target_name) {
                    if self.cx.scopes.lookup(&name).is_some() {
                        let class = self.cx.flow().format_class(fa, "write!", fa.span);
                        self.cx.scopes.mutate(
                            &name,
                            Mutation {
                                kind: MutationKind::Write,
                                value: None,
                                class,
                                span: fa.span,
                            },
                        );
                    }
                }
            }
        }
        let mref = MacroRef { mac: m, parsed };
        for r in self.rules {
            r.check_macro(&mut self.cx, mref);
        }
        for e in parsed.exprs() {
            self.visit_expr(e);
        }
    }
}

impl<'a, 'ast> Walker<'a, 'ast> {
    /// Runs `f` inside test context when the attributes mark test-only code.
    fn in_test_if(&mut self, attrs: &[syn::Attribute], f: impl FnOnce(&mut Self)) {
        let test = is_test_item(attrs);
        if test {
            self.cx.scopes.enter_test();
        }
        f(self);
        if test {
            self.cx.scopes.exit_test();
        }
    }

    fn bind_const(&mut self, ident: &'ast syn::Ident) {
        let seq = self.cx.scopes.next_seq();
        self.cx.scopes.bind(Binding {
            name: ident.to_string(),
            seq,
            span: ident.span(),
            origin: Origin::Const,
            ty: None,
            mutations: Vec::new(),
        });
    }
}
