//! BL701 `panic-in-handler`: a request handler that can panic — `.unwrap()`/`.expect()`
//! on a value that can fail, `panic!`/`todo!`/`unimplemented!`, or indexing and slicing
//! with request data.
//!
//! Handlers are found by [`crate::engine::handler`] (route attributes, extractor
//! parameters, registration on a router in the file); closures given to a routing
//! function are handlers too. Only the handler's own body is judged (with its closures),
//! not the functions it calls, nor detached tasks it spawns.
//!
//! `unwrap`s that cannot fail are not findings: on constants (`Regex::new("..")`,
//! `"..".parse()`), on poisoned-lock results (`m.lock().unwrap()`), on serde_json
//! serializers, on http response builders with constant headers, on `write!` into a
//! `String`, on a join handle (it re-raises a panic), after an `is_some()`/`is_ok()`
//! check of the same value, on the first item of `split(..)`.

use crate::engine::builders::peel;
use crate::engine::cx::{Condition, Cx};
use crate::engine::handler::{handler, param_extractor};
use crate::engine::macros::{json_values, parse_macro, ParsedMacro};
use crate::engine::pattern::{pattern_names, typed_pattern_names};
use crate::engine::resolve::{block_tail, is_self_alias, Peel};
use crate::engine::usemap::path_names;
use crate::model::errors::{
    is_infallible_call, is_pure_constructor, is_serializer, is_time_conversion, spawn_fn,
    states_invariant, CHILD_PIPES, CONSTANT_MACROS, INTERNAL_CALL_PATHS, MIDDLEWARE_VALUE_METHODS,
    PANICKING_METHODS, PANIC_MACROS, POISONING_LOCKS,
};
use crate::model::layers::is_db_crate;
use crate::model::names::is_const_case;
use crate::model::values::{PRESENCE_METHODS, SHAPE_METHODS, SPLIT_METHODS};
use crate::model::web::{ROUTING_FNS, VALIDATING_CRATES, VALIDATING_WRAPPERS};
use crate::rules::{Rule, RuleMeta};
use proc_macro2::Span;
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Lit, Pat, Type};
use typed_arena::Arena;

crate::declare_rule! {
    pub static META = {
        code: "BL701",
        name: "panic-in-handler",
        category: ErrorHandling,
        severity: Warning,
        cwe: [248, 754],
        precision: Medium,
        status: Preview,
        since: "0.1.0",
        summary: "a request handler that can panic: `.unwrap()`/`.expect()` on a fallible value, `panic!`/`todo!`/`unimplemented!`, or indexing and slicing with request data",
    }
}

pub struct PanicInHandler;

const HELP: &str = "return an error the framework turns into a response instead: `?` with an error type that implements `IntoResponse` (axum) or `ResponseError` (actix-web), `.ok_or(..)?` for an `Option`";
const HELP_INDEX: &str = "use `.get(..)` and turn `None` into a client error (`.get(i).ok_or(StatusCode::BAD_REQUEST)?`), or check the length or `is_char_boundary` first";

impl Rule for PanicInHandler {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_fn<'ast>(
        &self,
        cx: &mut Cx<'_, 'ast>,
        attrs: &'ast [syn::Attribute],
        sig: &'ast syn::Signature,
        body: &'ast syn::Block,
    ) {
        if cx.scopes.in_test() || cx.file.test {
            return;
        }
        let Some(h) = handler(cx, attrs, sig) else {
            return;
        };
        // rocket 0.5 (the version with `async` handlers) catches a handler's panic and
        // answers 500: like a panic-catching layer.
        if h.routed && sig.asyncness.is_some() && rocket_route(cx, attrs) {
            return;
        }
        let mut param_types = HashMap::new();
        let mut validated = Vec::new();
        for input in &sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                let validating = validating_extractor(cx, &t.ty);
                for pn in typed_pattern_names(&t.pat, &t.ty) {
                    if validating {
                        validated.push(pn.ident.to_string());
                    }
                    if let Some(ty) = pn.ty {
                        param_types.insert(pn.ident.to_string(), ty);
                    }
                }
            }
        }
        let name = format!("handler `{}`", sig.ident);
        let found = scan(cx, &name, h.inputs, param_types, |s| {
            s.validated.extend(validated);
            s.visit_block(body)
        });
        report(cx, found);
    }

    fn check_expr<'ast>(&self, cx: &mut Cx<'_, 'ast>, expr: &'ast Expr) {
        if cx.scopes.in_test() || cx.file.test {
            return;
        }
        // A closure given to a routing function: `get(|Path(id): Path<u32>| async move { .. })`.
        let args = match expr {
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return };
                let routing = cx.uses.candidates(&p.path).iter().any(|full| {
                    matches!(full.as_slice(), [c, .., r, f]
                        if (c == "axum" || c == "poem") && r == "routing"
                            && ROUTING_FNS.contains(&f.as_str()))
                });
                if !routing {
                    return;
                }
                &c.args
            }
            Expr::MethodCall(m) if m.method == "to" && cx.uses.imports_crate(&["actix_web"]) => {
                &m.args
            }
            _ => return,
        };
        for arg in args {
            let Expr::Closure(c) = arg else { continue };
            let mut inputs = Vec::new();
            let mut param_types = HashMap::new();
            for p in &c.inputs {
                let Pat::Type(pt) = p else { continue };
                let input = param_extractor(cx, &pt.ty).is_some_and(|e| e.input);
                for pn in typed_pattern_names(&pt.pat, &pt.ty) {
                    if input {
                        inputs.push(pn.ident.to_string());
                    }
                    if let Some(ty) = pn.ty {
                        param_types.insert(pn.ident.to_string(), ty);
                    }
                }
            }
            let found = scan(cx, "a handler closure", inputs, param_types, |s| {
                s.visit_expr(&c.body)
            });
            report(cx, found);
        }
    }
}

/// Whether a route attribute is rocket's: its path resolves to `rocket::…`, or it is a
/// bare `#[get(..)]` in a file that uses rocket and not actix-web.
fn rocket_route(cx: &Cx<'_, '_>, attrs: &[syn::Attribute]) -> bool {
    const VERBS: &[&str] = &[
        "get", "post", "put", "delete", "patch", "head", "options", "route",
    ];
    attrs.iter().any(|a| {
        let path = a.path();
        if !path
            .segments
            .last()
            .is_some_and(|s| VERBS.contains(&s.ident.to_string().as_str()))
        {
            return false;
        }
        // The file's imports are not scoped by module: a file that imports actix-web
        // too is taken as actix-web's.
        if cx.uses.imports_crate(&["actix_web", "ntex"]) {
            return false;
        }
        if path.segments.len() > 1 {
            return path.segments.first().is_some_and(|s| s.ident == "rocket");
        }
        cx.uses.imports_crate(&["rocket"])
    })
}

/// A validating extractor (`Valid<Json<T>>`, `ValidatedJson<T>`, a project's
/// `ValidationExtractor<T>`): the payload's required fields were checked.
fn validating_extractor(cx: &Cx<'_, '_>, ty: &Type) -> bool {
    let Type::Path(tp) = ty else { return false };
    let Some(last) = tp.path.segments.last() else {
        return false;
    };
    let name = last.ident.to_string();
    VALIDATING_WRAPPERS.contains(&name.as_str())
        || name.contains("Validat")
        || cx
            .resolve(&tp.path)
            .first()
            .is_some_and(|c| VALIDATING_CRATES.contains(&c.as_str()))
}

fn report(cx: &mut Cx<'_, '_>, found: Vec<(Span, String, &'static str, bool)>) {
    for (span, msg, help, weak) in found {
        // With a panic-catching layer anywhere in the workspace, a handler's panic is a
        // 500 response, not a dropped connection or a crash.
        let f = cx.report_when(&META, span, msg, Condition::UnlessPanicsCaught);
        f.help = Some(help.into());
        f.preview = weak;
    }
}

/// Runs `f` with a scanner of a handler body whose parameters `inputs` carry request data.
fn scan<'ast>(
    cx: &Cx<'_, 'ast>,
    handler: &str,
    inputs: Vec<String>,
    param_types: HashMap<String, &'ast Type>,
    f: impl for<'s> FnOnce(&mut Scan<'s, 'ast>),
) -> Vec<(Span, String, &'static str, bool)> {
    let macros = Arena::new();
    let exprs = Arena::new();
    // Numbers and other bounded values are not text a header could choke on.
    let raw = inputs
        .iter()
        .filter(|n| {
            !param_types
                .get(*n)
                .is_some_and(|t| crate::model::types::is_bounded(t, &|_| false))
        })
        .cloned()
        .collect();
    let mut s = Scan {
        cx,
        handler,
        macros: &macros,
        exprs: &exprs,
        tainted: inputs.iter().cloned().collect(),
        param_types,
        guarded: HashSet::new(),
        checked: HashSet::new(),
        buffers: HashSet::new(),
        handles: HashSet::new(),
        bounded: HashSet::new(),
        captures: HashSet::new(),
        builders: HashSet::new(),
        derive_builders: HashSet::new(),
        consts: HashSet::new(),
        conditions: HashSet::new(),
        validated: HashSet::new(),
        pieces: HashSet::new(),
        raw,
        inits: HashMap::new(),
        closure_tainted: false,
        helper: false,
        header_parses: HashSet::new(),
        budget: std::cell::Cell::new(0),
        found: Vec::new(),
    };
    f(&mut s);
    s.found
}

/// A private function a handler calls.
struct Helper<'ast> {
    sig: &'ast syn::Signature,
    block: &'ast syn::Block,
}

/// Walks a handler body in source order, tracking which locals derive from request data
/// and which values were checked before use.
struct Scan<'s, 'ast> {
    cx: &'s Cx<'s, 'ast>,
    handler: &'s str,
    macros: &'s Arena<ParsedMacro>,
    exprs: &'s Arena<Vec<Expr>>,
    /// Locals that derive from request data.
    tainted: HashSet<String>,
    /// Declared types of the parameters.
    param_types: HashMap<String, &'ast Type>,
    /// Places (`parts`, `q.items`) tested before: in a condition, a guard, an assertion,
    /// or by a length/shape method.
    guarded: HashSet<String>,
    /// Values `is_some()`/`is_ok()`/… was asked of (their token text).
    checked: HashSet<String>,
    /// Locals holding a `String`, `Vec<u8>` or `BytesMut` (`write!` into them cannot fail).
    buffers: HashSet<String>,
    /// Locals holding a join handle of a spawned task.
    handles: HashSet<String>,
    /// Loop variables bounded by a collection's length (`for i in 0..v.len()`).
    bounded: HashSet<String>,
    /// Locals holding regex captures (`caps.get(1)` of a matched group).
    captures: HashSet<String>,
    /// Locals holding an http response builder whose headers do not derive from the
    /// request.
    builders: HashSet<String>,
    /// Places named in a condition (`if existing.contains(&folder.id)`).
    conditions: HashSet<String>,
    /// Locals given to a checking function (`check_is_some(data.id.as_ref(), ..)?`,
    /// `principal.validate_session()?`): their parts were checked.
    validated: HashSet<String>,
    /// Locals holding the pieces of request text (`let parts: Vec<_> = h.split(' ').collect()`).
    pieces: HashSet<String>,
    /// Locals bound to a constant (`let header = "X-Clacks-Overhead";`).
    consts: HashSet<String>,
    /// Locals holding a derive_builder builder.
    derive_builders: HashSet<String>,
    /// Locals holding request text as it came (see [`Scan::raw`]).
    raw: HashSet<String>,
    /// The initializer of each local bound once by a `let` and never assigned (`None`
    /// once a second `let` or an assignment makes the name ambiguous): what a temporary
    /// holds (`let tmp = Regex::new(".."); tmp.unwrap()`).
    inits: HashMap<String, Option<&'s Expr>>,
    /// The closure being visited is an argument of a method of request data.
    closure_tainted: bool,
    /// Scanning a private helper a handler gives request data (its calls are not
    /// followed further).
    helper: bool,
    /// `.unwrap()`s (by position) of a header-safe text parsed into a header value
    /// given to `headers.insert(..)`.
    header_parses: HashSet<(usize, usize)>,
    /// Steps left to [`Scan::header_safe`]'s current question.
    budget: std::cell::Cell<u32>,
    found: Vec<(Span, String, &'static str, bool)>,
}

fn text(e: &impl quote::ToTokens) -> String {
    quote::ToTokens::to_token_stream(e).to_string()
}

/// The text of a value asked about, without the views and copies taken of it
/// (`a.group_by.as_ref()` is `a.group_by`).
fn value_text(e: &Expr) -> String {
    match e {
        Expr::MethodCall(m)
            if m.args.is_empty()
                && matches!(
                    m.method.to_string().as_str(),
                    "as_ref"
                        | "as_deref"
                        | "as_mut"
                        | "as_deref_mut"
                        | "clone"
                        | "cloned"
                        | "copied"
                        | "to_owned"
                        | "err"
                        | "ok"
                        | "into_inner"
                ) =>
        {
            value_text(&m.receiver)
        }
        Expr::Paren(p) => value_text(&p.expr),
        Expr::Reference(r) => value_text(&r.expr),
        // `(v).strip_prefix(p)` is `v.strip_prefix(p)`.
        Expr::MethodCall(m) if m.turbofish.is_none() => format!(
            "{} . {} ({})",
            value_text(&m.receiver),
            m.method,
            text(&m.args)
        ),
        _ => text(e),
    }
}

/// The fallible call a shape check makes safe: `s.starts_with(p)` → `s.strip_prefix(p)`,
/// `m.contains_key(k)` → `m.get(k)`.
fn checked_counterpart(method: &str) -> Option<&'static [&'static str]> {
    Some(match method {
        "starts_with" => &["strip_prefix"],
        "ends_with" => &["strip_suffix"],
        "contains_key" => &["get", "get_mut", "remove"],
        "contains" => &["split_once", "find", "rsplit_once", "rfind"],
        _ => return None,
    })
}

/// The place an expression reads (`q.items` for `&q.items`, `parts` for `parts.clone()`).
fn place(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Field(f) => {
            let base = place(&f.base)?;
            Some(format!("{base}.{}", text(&f.member)))
        }
        Expr::Reference(r) => place(&r.expr),
        Expr::Paren(p) => place(&p.expr),
        Expr::Unary(u) => place(&u.expr),
        Expr::MethodCall(m)
            if m.args.is_empty()
                && matches!(
                    m.method.to_string().as_str(),
                    "clone"
                        | "as_str"
                        | "as_ref"
                        | "as_slice"
                        | "as_bytes"
                        | "into_inner"
                        | "trim"
                        | "deref"
                        | "to_string"
                        | "to_owned"
                ) =>
        {
            place(&m.receiver)
        }
        _ => None,
    }
}

/// The local an expression's place starts at.
fn root(e: &Expr) -> Option<String> {
    place(e).map(|p| p.split('.').next().unwrap_or_default().to_string())
}

impl<'s, 'ast> Scan<'s, 'ast> {
    /// The initializer of a local bound once and never assigned (see [`Scan::inits`]).
    fn init_of(&self, name: &str) -> Option<&'s Expr> {
        self.inits.get(name).copied().flatten()
    }

    fn parsed(&self, mac: &syn::Macro) -> &'s ParsedMacro {
        self.macros.alloc(parse_macro(mac))
    }

    /// Whether an expression derives from request data.
    fn tainted(&self, e: &Expr) -> bool {
        self.tainted_at(e, 0)
    }

    fn tainted_at(&self, e: &Expr, depth: u32) -> bool {
        if depth > 48 || self.tainted.is_empty() {
            return false;
        }
        let d = depth + 1;
        match e {
            Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.tainted.contains(&i.to_string())),
            // An I/O result: what the database or a service returned.
            Expr::Await(_) => false,
            Expr::Lit(_) | Expr::Closure(_) => false,
            Expr::MethodCall(m) => self.tainted_at(&m.receiver, d),
            Expr::Call(c) => c.args.iter().any(|a| self.tainted_at(a, d)),
            Expr::Field(f) => self.tainted_at(&f.base, d),
            Expr::Index(i) => self.tainted_at(&i.expr, d) || self.tainted_at(&i.index, d),
            Expr::Reference(r) => self.tainted_at(&r.expr, d),
            Expr::Paren(p) => self.tainted_at(&p.expr, d),
            Expr::Unary(u) => self.tainted_at(&u.expr, d),
            Expr::Cast(c) => self.tainted_at(&c.expr, d),
            Expr::Try(t) => self.tainted_at(&t.expr, d),
            Expr::Binary(b) => self.tainted_at(&b.left, d) || self.tainted_at(&b.right, d),
            Expr::Range(r) => {
                r.start.as_ref().is_some_and(|s| self.tainted_at(s, d))
                    || r.end.as_ref().is_some_and(|s| self.tainted_at(s, d))
            }
            Expr::Tuple(t) => t.elems.iter().any(|x| self.tainted_at(x, d)),
            Expr::Array(a) => a.elems.iter().any(|x| self.tainted_at(x, d)),
            Expr::Macro(m) => {
                let parsed = self.parsed(&m.mac);
                if parsed.exprs().into_iter().any(|x| self.tainted_at(x, d)) {
                    return true;
                }
                parsed
                    .format()
                    .is_some_and(|f| f.captures().any(|c| self.tainted.contains(c)))
            }
            Expr::If(i) => {
                block_tail(&i.then_branch).is_some_and(|t| self.tainted_at(t, d))
                    || i.else_branch
                        .as_ref()
                        .is_some_and(|(_, e)| self.tainted_at(e, d))
            }
            Expr::Block(b) => block_tail(&b.block).is_some_and(|t| self.tainted_at(t, d)),
            Expr::Match(m) => {
                self.tainted_at(&m.expr, d) || m.arms.iter().any(|a| self.tainted_at(&a.body, d))
            }
            _ => false,
        }
    }

    fn bind(&mut self, pat: &Pat, tainted: bool) {
        for pn in pattern_names(pat) {
            let n = pn.ident.to_string();
            if tainted {
                self.tainted.insert(n);
            } else {
                self.tainted.remove(&n);
            }
        }
    }

    /// Records the places a condition tests.
    fn guard(&mut self, cond: &Expr) {
        struct Places<'g>(&'g mut HashSet<String>);
        impl<'v> Visit<'v> for Places<'_> {
            fn visit_expr(&mut self, e: &'v Expr) {
                // Unwrapping a value in a condition does not check it.
                if matches!(e, Expr::MethodCall(m)
                    if PANICKING_METHODS.contains(&m.method.to_string().as_str()))
                {
                    return;
                }
                if let Some(p) = place(e) {
                    self.0.insert(p);
                }
                if let Expr::MethodCall(m) = e {
                    if let Some(p) = place(&m.receiver) {
                        self.0.insert(p);
                    }
                }
                visit::visit_expr(self, e);
            }
        }
        let mut places = HashSet::new();
        Places(&mut places).visit_expr(cond);
        self.guarded.extend(places.iter().cloned());
        self.conditions.extend(places);
        // `if !matches!(b.kind, Some(_)) { return .. }` tests `b.kind`.
        struct Macros<'m>(Vec<&'m syn::Macro>);
        impl<'v> Visit<'v> for Macros<'v> {
            fn visit_macro(&mut self, m: &'v syn::Macro) {
                self.0.push(m);
            }
        }
        let mut macros = Macros(Vec::new());
        macros.visit_expr(cond);
        for m in macros.0 {
            let parsed = self.parsed(m);
            if matches!(parsed.name.as_str(), "matches" | "assert" | "debug_assert") {
                for e in parsed.exprs() {
                    self.guard(e);
                }
            }
        }
    }

    /// Whether a condition before named the place `e` reads (or a part of it: a
    /// condition on `state` alone says nothing of `state.users`).
    fn in_condition(&self, e: &Expr) -> bool {
        let Some(p) = place(e) else { return false };
        let part = format!("{p}.");
        self.conditions
            .iter()
            .any(|g| *g == p || g.starts_with(&part))
    }

    fn is_guarded(&self, e: &Expr) -> bool {
        let Some(p) = place(e) else { return false };
        self.guarded
            .iter()
            .any(|g| *g == p || p.starts_with(&format!("{g}.")) || g.starts_with(&format!("{p}.")))
    }

    /// Names bound from regex captures (`if let Some(caps) = RE.captures(s)`).
    fn note_captures(&mut self, pat: &Pat, src: &Expr) {
        if mentions_method(src, &["captures"]) {
            for pn in pattern_names(pat) {
                self.captures.insert(pn.ident.to_string());
            }
        }
    }

    fn flag(&mut self, span: Span, msg: String, help: &'static str) {
        self.found.push((span, msg, help, false));
    }

    /// A private function of the file given request data (`parse_token(&auth)`): its
    /// unwraps and indexing of that data panic the handler too. Only those findings are
    /// kept (the rest of the helper is judged as any function), one level deep.
    fn follow_helper(&mut self, c: &syn::ExprCall) {
        if self.helper {
            return;
        }
        let Expr::Path(p) = &*c.func else { return };
        let Some(f) = self.helper_fn(&p.path) else {
            return;
        };
        let mut inputs = Vec::new();
        let mut param_types = HashMap::new();
        for (arg, input) in c.args.iter().zip(&f.sig.inputs) {
            let syn::FnArg::Typed(t) = input else { return };
            if !self.tainted(arg) {
                continue;
            }
            for pn in typed_pattern_names(&t.pat, &t.ty) {
                inputs.push(pn.ident.to_string());
                if let Some(ty) = pn.ty {
                    param_types.insert(pn.ident.to_string(), ty);
                }
            }
        }
        if inputs.is_empty() {
            return;
        }
        let name = f.sig.ident.to_string();
        let label = format!("helper `{name}` (a handler gives it request data)");
        let found = scan(self.cx, &label, inputs, param_types, |s| {
            s.helper = true;
            s.visit_block(f.block)
        });
        self.found.extend(
            found
                .into_iter()
                .filter(|(_, msg, _, weak)| !weak && msg.contains("request data in")),
        );
    }

    /// The private function of the file a call path names: a free function `f`, or an
    /// associated function without `self` (`Self::f`, `T::f` of an inherent impl of the
    /// file), not test code.
    fn helper_fn(&self, path: &syn::Path) -> Option<Helper<'ast>> {
        let segs: Vec<String> = path_names(path);
        let (owner, name) = match segs.as_slice() {
            [f] => (None, f.as_str()),
            [t, f] => (Some(t.as_str()), f.as_str()),
            _ => return None,
        };
        let private = |vis: &syn::Visibility, attrs: &[syn::Attribute]| {
            matches!(vis, syn::Visibility::Inherited) && !crate::engine::walk::is_test_item(attrs)
        };
        let self_ty = self.cx.scopes.self_ty().and_then(|t| match t {
            Type::Path(tp) => tp.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        });
        for item in self.cx.facts.items {
            match item {
                syn::Item::Fn(f) if owner.is_none() && f.sig.ident == name => {
                    return private(&f.vis, &f.attrs).then_some(Helper {
                        sig: &f.sig,
                        block: &f.block,
                    });
                }
                syn::Item::Impl(imp) if owner.is_some() && imp.trait_.is_none() => {
                    let Type::Path(tp) = &*imp.self_ty else {
                        continue;
                    };
                    let ty = tp.path.segments.last().map(|s| s.ident.to_string());
                    let owner = owner.unwrap_or_default();
                    let matches_owner = ty.as_deref() == Some(owner)
                        || (owner == "Self" && ty.is_some() && ty == self_ty);
                    if !matches_owner {
                        continue;
                    }
                    for it in &imp.items {
                        let syn::ImplItem::Fn(f) = it else { continue };
                        if f.sig.ident == name && f.sig.receiver().is_none() {
                            return private(&f.vis, &f.attrs).then_some(Helper {
                                sig: &f.sig,
                                block: &f.block,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// A finding on weak evidence: the preview sub-check.
    fn flag_weak(&mut self, span: Span, msg: String, help: &'static str) {
        self.found.push((span, msg, help, true));
    }

    /// Whether `e` calls the file system, a process, an HTTP client or a database
    /// (`std::fs::read_to_string(..)`, `sqlx::query(..)…`): a failure the server does not
    /// control.
    fn io_call(&self, e: &Expr) -> bool {
        struct Find<'f, 's, 'ast>(&'f Scan<'s, 'ast>, bool);
        impl<'v> Visit<'v> for Find<'_, '_, '_> {
            fn visit_expr_call(&mut self, c: &'v syn::ExprCall) {
                if let Some(p) = self.0.call_path(c) {
                    let io = INTERNAL_CALL_PATHS.iter().any(|(prefix, _)| {
                        p.len() > prefix.len() && p.iter().zip(prefix.iter()).all(|(a, b)| a == b)
                    }) || p.len() > 1 && is_db_crate(&p[0]);
                    if io {
                        self.1 = true;
                    }
                }
                visit::visit_expr_call(self, c);
            }
            fn visit_expr_closure(&mut self, _: &'v syn::ExprClosure) {}
        }
        let mut f = Find(self, false);
        f.visit_expr(e);
        f.1
    }

    fn check_unwrap(&mut self, m: &syn::ExprMethodCall) {
        let method = m.method.to_string();
        if !PANICKING_METHODS.contains(&method.as_str()) {
            return;
        }
        // `.expect(..)` takes a message; `unwrap()` nothing. Anything else is another API.
        if (method == "unwrap" && !m.args.is_empty()) || (method == "expect" && m.args.len() != 1) {
            return;
        }
        if self.cannot_fail(&m.receiver) || self.header_parses.contains(&key(m.method.span())) {
            return;
        }
        // `.expect("HMAC takes a key of any size")`: the author's claim, as with
        // `unreachable!`, unless the value is request data or an I/O result.
        if let Some(Expr::Lit(l)) = m.args.first() {
            if let Lit::Str(msg) = &l.lit {
                if states_invariant(&msg.value())
                    && !self.tainted(&m.receiver)
                    && !mentions_await(&m.receiver)
                {
                    return;
                }
            }
        }
        let call = if method == "unwrap" {
            "`.unwrap()`".to_string()
        } else {
            "`.expect(..)`".to_string()
        };
        let builder = matches!(peel(&m.receiver), Expr::MethodCall(b)
            if b.method == "body" && self.builder_root(&b.receiver));
        let msg = if builder {
            format!(
                "{call} on a response builder in {}: a header value from the request that holds a control character makes `.body(..)` fail and the handler panic",
                self.handler
            )
        } else if self.tainted(&m.receiver) {
            format!(
                "{call} on request data in {}: a malformed request panics the handler instead of getting an error response",
                self.handler
            )
        } else if (mentions_await(&m.receiver) && !awaits_sync_primitive(&m.receiver))
            || self.io_call(&m.receiver)
        {
            format!(
                "{call} on the result of an I/O call in {}: a failure of the database, file system or service panics the handler instead of returning an error response",
                self.handler
            )
        } else {
            // Neither request data nor I/O: the value may well be an invariant the rule
            // cannot see (weak evidence, the preview sub-check).
            let msg = format!(
                "{call} in {}: a `None` or `Err` panics the handler instead of returning an error response",
                self.handler
            );
            self.flag_weak(m.method.span(), msg, HELP);
            return;
        };
        self.flag(m.method.span(), msg, HELP);
    }

    /// `e` followed through the locals bound once to a value (`let it = s.split('/');`
    /// → `s.split('/')`), without wrappers.
    fn through<'a>(&'a self, e: &'a Expr) -> &'a Expr {
        let mut e = peel(e);
        for _ in 0..8 {
            let next = match e {
                Expr::Path(p) => p
                    .path
                    .get_ident()
                    .and_then(|i| self.init_of(&i.to_string())),
                _ => None,
            };
            match next {
                Some(init) => e = peel(init),
                None => break,
            }
        }
        e
    }

    /// A value of a fieldless enum of the file (`tag` of `Path(tag): Path<Tag>`), also
    /// converted (`tag.clone().into()`): one of a closed set of keys.
    fn closed_key(&self, e: &Expr, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        match peel(e) {
            Expr::MethodCall(m)
                if m.args.is_empty()
                    && matches!(
                        m.method.to_string().as_str(),
                        "clone" | "into" | "as_ref" | "as_str" | "to_string" | "to_owned"
                    ) =>
            {
                self.closed_key(&m.receiver, depth + 1)
            }
            // `String::from(bucket)`, `Key::from(bucket)`.
            Expr::Call(c)
                if c.args.len() == 1
                    && matches!(&*c.func, Expr::Path(p)
                        if p.path.segments.last().is_some_and(|s| s.ident == "from")) =>
            {
                self.closed_key(&c.args[0], depth + 1)
            }
            Expr::Path(p) => {
                let Some(id) = p.path.get_ident() else {
                    return false;
                };
                let n = id.to_string();
                if let Some(ty) = self.param_types.get(&n) {
                    return crate::model::types::type_name(ty).is_some_and(|s| {
                        self.cx.facts.fieldless_enums.contains(&s.ident.to_string())
                    });
                }
                self.init_of(&n)
                    .is_some_and(|i| self.closed_key(i, depth + 1))
            }
            _ => false,
        }
    }

    /// An arithmetic of numbers: a sum or product with an integer literal
    /// (`state.interval + 10`), a cast, or an integer literal.
    fn numeric(&self, e: &Expr) -> bool {
        match peel(e) {
            Expr::Lit(l) => matches!(l.lit, Lit::Int(_)),
            Expr::Cast(_) => true,
            Expr::Binary(b) => {
                matches!(peel(&b.left), Expr::Lit(_))
                    || matches!(peel(&b.right), Expr::Lit(_))
                    || self.numeric(&b.left)
                    || self.numeric(&b.right)
            }
            Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.header_safe_name(&i.to_string(), 1)),
            _ => false,
        }
    }

    /// The collection an iterator or view walks (`v` of `v.iter()`, of `v.into_iter()`,
    /// of a local `let mut it = v.iter();`).
    fn collection<'a>(&'a self, e: &'a Expr) -> &'a Expr {
        let mut e = strip_views(e);
        for _ in 0..4 {
            // Through a local only when it holds a view (`let mut it = v.iter();`).
            let init = self.through(e);
            let next = strip_views(init);
            if std::ptr::eq(next, init) {
                break;
            }
            e = next;
        }
        e
    }

    /// A getter (`q.server()`, `q.server_ref()`, `q.get_server()`) of a local built
    /// with the setter of the same name given a value (`let q = Query::new(db).server(&s);`):
    /// the value is present by construction.
    fn set_by_builder(&self, getter: &syn::ExprMethodCall) -> bool {
        let mut getter = getter;
        while getter.args.is_empty()
            && matches!(
                getter.method.to_string().as_str(),
                "as_ref" | "as_deref" | "as_mut" | "clone" | "cloned" | "copied"
            )
        {
            match self.through(&getter.receiver) {
                Expr::MethodCall(inner) => getter = inner,
                _ => return false,
            }
        }
        if !getter.args.is_empty() {
            return false;
        }
        let name = getter.method.to_string();
        let field = name
            .strip_prefix("get_")
            .or_else(|| name.strip_suffix("_ref"))
            .or_else(|| name.strip_suffix("_mut"))
            .unwrap_or(&name);
        let Expr::Path(p) = peel(&getter.receiver) else {
            return false;
        };
        if p.path.get_ident().is_none() {
            return false;
        }
        let init = self.through(&getter.receiver);
        if std::ptr::eq(init, peel(&getter.receiver)) {
            return false;
        }
        let (_, calls) = crate::engine::builders::chain(init);
        calls.iter().any(|m| {
            m.method == field
                && m.args.len() == 1
                && !matches!(peel(&m.args[0]), Expr::Path(p) if p.path.is_ident("None"))
        })
    }

    /// Whether unwrapping `recv` cannot panic (or only re-raises an earlier panic),
    /// also when `recv` is a local holding such a value.
    fn cannot_fail(&self, recv: &Expr) -> bool {
        let mut recv = recv;
        for _ in 0..8 {
            if self.cannot_fail_here(recv) {
                return true;
            }
            let next = match peel(recv) {
                Expr::Path(p) => p
                    .path
                    .get_ident()
                    .and_then(|i| self.init_of(&i.to_string())),
                _ => None,
            };
            match next {
                Some(init) => recv = init,
                None => return false,
            }
        }
        false
    }

    fn cannot_fail_here(&self, recv: &Expr) -> bool {
        if self.checked.contains(&value_text(recv)) {
            return true;
        }
        if let Some(p) = place(recv) {
            if self.conditions.contains(&p) {
                return true;
            }
        }
        if root(recv).is_some_and(|r| self.validated.contains(&r)) {
            return true;
        }
        match peel(recv) {
            // `v.first()` after `if v.is_empty() { return .. }` (or a length check).
            Expr::MethodCall(mc)
                if matches!(
                    mc.method.to_string().as_str(),
                    "first"
                        | "last"
                        | "first_mut"
                        | "last_mut"
                        | "get"
                        | "get_mut"
                        | "max"
                        | "min"
                        | "pop"
                        | "next"
                ) && self.in_condition(self.collection(&mc.receiver)) =>
            {
                true
            }
            // `limits.get(tag.into())` of the server's own map, keyed by a value of a
            // closed enum: the keys are the configuration's, not the request's.
            Expr::MethodCall(mc)
                if matches!(mc.method.to_string().as_str(), "get" | "get_mut")
                    && mc.args.len() == 1
                    && !self.tainted(&mc.receiver)
                    && self.closed_key(&mc.args[0], 0) =>
            {
                true
            }
            // `(cfg.interval + 10).try_into()`: a number of the server's own, not the
            // request's, converted to another integer type.
            Expr::MethodCall(mc)
                if mc.method == "try_into"
                    && mc.args.is_empty()
                    && !self.tainted(&mc.receiver)
                    && !mentions_await(&mc.receiver)
                    && self.numeric(&mc.receiver) =>
            {
                true
            }
            // `q.server_ref()` of a value built with `.server(&s)`: the builder set it.
            Expr::MethodCall(mc) if self.set_by_builder(mc) => true,
            // `child.stdin.take()` of a process spawned with piped stdio.
            Expr::MethodCall(mc)
                if mc.method == "take"
                    && matches!(peel(&mc.receiver), Expr::Field(f)
                        if CHILD_PIPES.contains(&text(&f.member).as_str())) =>
            {
                true
            }
            // `caps.get(1)`, `caps.name("id")` of a regex match.
            Expr::MethodCall(mc)
                if matches!(mc.method.to_string().as_str(), "get" | "name")
                    && root(&mc.receiver).is_some_and(|r| self.captures.contains(&r))
                    && mc.args.iter().all(|a| self.constant(a)) =>
            {
                true
            }
            // A lookup of a constant key in a static table: `MODELS.get("alerts")`.
            Expr::MethodCall(mc)
                if mc.method == "get"
                    && matches!(peel(&mc.receiver), Expr::Path(p)
                        if p.path.segments.last().is_some_and(|s| is_const_case(&s.ident.to_string())))
                    && mc.args.iter().all(|a| self.constant(a)) =>
            {
                true
            }
            // Put there by a middleware: `req.extensions().get::<Session>()`, `id.identity()`.
            Expr::MethodCall(mc)
                if (mc.method == "get"
                    && matches!(self.through(&mc.receiver), Expr::MethodCall(r)
                        if r.method == "extensions" || r.method == "extensions_mut"))
                    || (mc.args.is_empty()
                        && MIDDLEWARE_VALUE_METHODS.contains(&mc.method.to_string().as_str())) =>
            {
                true
            }
            Expr::Await(a) => match peel(&a.base) {
                // A join handle: its error is the task's panic, re-raised.
                Expr::Call(c) => self.call_path(c).is_some_and(|p| spawn_fn(&p).is_some()),
                Expr::Path(p) => p
                    .path
                    .get_ident()
                    .is_some_and(|i| self.handles.contains(&i.to_string())),
                _ => false,
            },
            Expr::MethodCall(mc) => {
                let name = mc.method.to_string();
                if mc.args.is_empty() && POISONING_LOCKS.contains(&name.as_str()) {
                    return true;
                }
                // `now.checked_sub(one_day)`, on the server's own times.
                if is_time_conversion(&name)
                    && name.starts_with("checked_")
                    && mentions_method_or_fn(self.through(&mc.receiver), "now")
                    && !mc.args.iter().any(|a| self.tainted(a))
                {
                    return true;
                }
                // `s.split(':').next()`: `split` yields at least one item.
                if name == "next" {
                    if let Expr::MethodCall(inner) = self.through(&mc.receiver) {
                        if matches!(
                            inner.method.to_string().as_str(),
                            "split" | "splitn" | "rsplit" | "rsplitn" | "split_inclusive"
                        ) {
                            return true;
                        }
                    }
                }
                // `SystemTime::now().duration_since(UNIX_EPOCH)`: fails only before 1970.
                if name == "duration_since"
                    && mc.args.iter().any(|a| text(a).contains("UNIX_EPOCH"))
                {
                    return true;
                }
                if mc.method == "body" && self.builder_cannot_fail(&mc.receiver) {
                    return true;
                }
                // derive_builder: `FooBuilder::default().name(..).build()` fails only
                // when a field is left unset.
                if name == "build" && mc.args.is_empty() && self.derive_builder(&mc.receiver) {
                    return true;
                }
                // A compiled template (askama, sailfish): rendering fails only if a
                // `Display` implementation does.
                if mc.args.is_empty() && matches!(name.as_str(), "render" | "render_once") {
                    return true;
                }
                // `quoted.parse::<HeaderValue>()` of visible ASCII text.
                if name == "parse"
                    && mc.turbofish.as_ref().is_some_and(|t| {
                        t.args.iter().any(|a| {
                            matches!(a, syn::GenericArgument::Type(ty)
                                if crate::model::types::type_name(ty)
                                    .is_some_and(|s| s.ident == "HeaderValue"))
                        })
                    })
                    && self.header_safe(&mc.receiver, 0)
                {
                    return true;
                }
                let args_constant = mc.args.iter().all(|a| self.constant(a));
                (is_pure_constructor(&name) && self.constant(&mc.receiver) && args_constant)
                    || (self.constant_value(&mc.receiver, 0) && args_constant)
            }
            Expr::Call(c) => {
                let Some(path) = self.call_path(c) else {
                    return false;
                };
                if is_serializer(&path) {
                    return true;
                }
                // `HeaderValue::from_str(&uuid.to_string())`: text that is visible ASCII
                // whatever the request held.
                if matches!(path.as_slice(), [.., t, f] if t == "HeaderValue"
                        && matches!(f.as_str(), "from_str" | "try_from" | "from_maybe_shared"))
                    && c.args.len() == 1
                    && self.header_safe(&c.args[0], 0)
                {
                    return true;
                }
                if let [.., ty, f] = path.as_slice() {
                    if is_infallible_call(ty, f) {
                        return true;
                    }
                }
                // `OffsetDateTime::from_unix_timestamp(session.exp)`: not from the request.
                if path.last().is_some_and(|f| is_time_conversion(f))
                    && !c.args.iter().any(|a| self.tainted(a))
                {
                    return true;
                }
                path.last().is_some_and(|l| is_pure_constructor(l))
                    && !c.args.is_empty()
                    && c.args.iter().all(|a| self.constant(a))
            }
            Expr::Macro(m) => {
                // `write!(buf, ..)` into a `String`, `Vec<u8>` or `BytesMut` cannot fail.
                let parsed = self.parsed(&m.mac);
                matches!(parsed.name.as_str(), "write" | "writeln")
                    && parsed
                        .format()
                        .and_then(|f| f.target.as_ref())
                        .and_then(root)
                        .is_some_and(|t| self.buffers.contains(&t))
            }
            _ => false,
        }
    }

    /// An http `Response::builder()`/`Request::builder()` chain ending in `.body(..)`: it
    /// fails only on an invalid status or header, so only when one derives from the
    /// request.
    fn builder_cannot_fail(&self, chain: &Expr) -> bool {
        let (root, calls) = crate::engine::builders::chain(chain);
        if calls.iter().any(|m| m.args.iter().any(|a| self.raw(a, 0))) {
            return false;
        }
        match root {
            Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.builders.contains(&i.to_string())),
            e => is_http_builder_call(e),
        }
    }

    /// Whether a method chain starts at `Response::builder()`/`Request::builder()`.
    fn builder_root(&self, chain: &Expr) -> bool {
        is_http_builder_call(crate::engine::builders::chain(chain).0)
    }

    fn call_path(&self, c: &syn::ExprCall) -> Option<Vec<String>> {
        let Expr::Path(p) = &*c.func else { return None };
        Some(self.cx.resolve(&p.path))
    }

    /// A constant: a literal, a `const`, `None`, or a pure function of constants.
    fn constant(&self, e: &Expr) -> bool {
        self.constant_at(e, 0)
    }

    fn constant_at(&self, e: &Expr, depth: u32) -> bool {
        if depth > 16 {
            return false;
        }
        let d = depth + 1;
        match e {
            Expr::Lit(_) => true,
            Expr::Path(p) => {
                let last = p.path.segments.last().map(|s| s.ident.to_string());
                last.is_some_and(|l| {
                    l == "None"
                        || (p.path.segments.len() == 1 && self.consts.contains(&l))
                        || is_const_case(&l)
                        || (p.path.segments.len() == 1 && self.cx.facts.consts.contains(&l))
                        || (p.path.segments.len() > 1
                            && l.chars().next().is_some_and(char::is_uppercase))
                })
            }
            Expr::Reference(r) => self.constant_at(&r.expr, d),
            Expr::Paren(p) => self.constant_at(&p.expr, d),
            Expr::Unary(u) => self.constant_at(&u.expr, d),
            Expr::Cast(c) => self.constant_at(&c.expr, d),
            Expr::Binary(b) => self.constant_at(&b.left, d) && self.constant_at(&b.right, d),
            Expr::Tuple(t) => t.elems.iter().all(|x| self.constant_at(x, d)),
            Expr::Array(a) => a.elems.iter().all(|x| self.constant_at(x, d)),
            Expr::Call(c) => {
                matches!(&*c.func, Expr::Path(p)
                    if p.path.segments.last().is_some_and(|s| s.ident == "Some"
                        || is_pure_constructor(&s.ident.to_string())))
                    && c.args.iter().all(|x| self.constant_at(x, d))
            }
            Expr::MethodCall(m) => {
                self.constant_value(&m.receiver, d) && m.args.iter().all(|x| self.constant_at(x, d))
            }
            Expr::Macro(m) => {
                let parsed = self.parsed(&m.mac);
                CONSTANT_MACROS.contains(&parsed.name.as_str())
                    || (parsed.name == "format"
                        && parsed.format().is_some_and(|f| {
                            f.placeholders.is_empty()
                                || (f.captures().next().is_none()
                                    && f.args.iter().all(|a| self.constant_at(&a.expr, d)))
                        }))
            }
            _ => false,
        }
    }

    /// A value computed from literals alone (`"8080"`, `Duration::try_seconds(900)?`):
    /// methods of it are deterministic. Unlike an argument, a named constant or static
    /// does not count: its methods may read state (`POOL.get()`).
    fn constant_value(&self, e: &Expr, depth: u32) -> bool {
        if depth > 16 {
            return false;
        }
        match peel(e) {
            Expr::Lit(_) => true,
            Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.consts.contains(&i.to_string())),
            Expr::MethodCall(m) => {
                self.constant_value(&m.receiver, depth + 1)
                    && m.args.iter().all(|x| self.constant_at(x, depth + 1))
            }
            other => self.constant_at(other, depth + 1),
        }
    }

    /// Text a header value accepts whatever the request held: a literal of visible
    /// ASCII, a constant, a number, a UUID's text, a base64 or hex encoding, or a
    /// `format!` of such parts; also through the locals holding one.
    fn header_safe(&self, e: &Expr, depth: u32) -> bool {
        // A local's initializer may name the local again (`let v = format!("{v}{v}")` of
        // a parameter `v`): a budget of steps per question keeps that linear.
        if depth == 0 {
            self.budget.set(256);
        }
        let left = self.budget.get();
        if depth > 16 || left == 0 {
            return false;
        }
        self.budget.set(left - 1);
        let d = depth + 1;
        match peel(e) {
            Expr::Lit(l) => match &l.lit {
                Lit::Str(s) => visible_ascii(&s.value()),
                Lit::Int(_) | Lit::Float(_) | Lit::Bool(_) | Lit::Char(_) => true,
                _ => false,
            },
            Expr::Path(p) => match p.path.get_ident() {
                Some(id) => self.header_safe_name(&id.to_string(), d),
                None => p
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| is_const_case(&s.ident.to_string())),
            },
            Expr::Try(t) => self.uuid_value(&t.expr, d),
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                match name.as_str() {
                    "to_string" | "to_owned" | "clone" | "as_str" | "into" | "to_lowercase"
                    | "to_uppercase" | "trim" | "as_ref" => {
                        self.header_safe(&m.receiver, d) || self.uuid_value(&m.receiver, d)
                    }
                    "hyphenated" | "simple" | "urn" | "as_hyphenated" | "as_simple" => {
                        self.uuid_value(&m.receiver, d)
                    }
                    // Numbers: a length, a count, a duration in seconds, a timestamp.
                    "len" | "count" | "as_secs" | "as_millis" | "timestamp"
                    | "timestamp_millis" | "unix_timestamp" => m.args.is_empty(),
                    "encode" | "encode_upper" | "encode_hex" | "encode_hex_upper" | "to_hex" => {
                        self.encoder(&m.receiver) || name != "encode"
                    }
                    _ => false,
                }
            }
            Expr::Call(c) => {
                let Some(path) = self.call_path(c) else {
                    return false;
                };
                (matches!(
                    path.first().map(String::as_str),
                    Some("hex" | "base64" | "data_encoding" | "base16ct")
                ) && path.last().is_some_and(|f| f.starts_with("encode")))
                    || self.uuid_value(e, d)
            }
            Expr::Macro(m) => {
                let parsed = self.parsed(&m.mac);
                parsed.name == "format"
                    && parsed.format().is_some_and(|f| {
                        f.fmt.as_ref().is_some_and(|l| visible_ascii(&l.value()))
                            && f.captures().all(|c| self.header_safe_name(c, d))
                            && f.args.iter().all(|a| self.header_safe(&a.expr, d))
                    })
            }
            _ => false,
        }
    }

    /// A local or constant named `n` holding header-safe text (see [`Scan::header_safe`]).
    fn header_safe_name(&self, n: &str, d: u32) -> bool {
        if is_const_case(n) || self.consts.contains(n) || self.cx.facts.consts.contains(n) {
            return true;
        }
        if self
            .param_types
            .get(n)
            .and_then(|t| crate::model::types::type_name(t))
            .is_some_and(|s| is_ascii_type(&s.ident.to_string()))
        {
            return true;
        }
        self.init_of(n)
            .is_some_and(|init| self.header_safe(init, d))
    }

    /// A base64/hex engine (`STANDARD`, `general_purpose::URL_SAFE_NO_PAD`, `HEXLOWER`)
    /// from an encoding crate.
    fn encoder(&self, e: &Expr) -> bool {
        let Expr::Path(p) = peel(e) else { return false };
        let full = self.cx.resolve(&p.path);
        matches!(
            full.first().map(String::as_str),
            Some("base64" | "data_encoding" | "base64ct")
        )
    }

    /// A `Uuid` value: `Uuid::new_v4()`, `Uuid::parse_str(..)?`, a parameter or local of
    /// type `Uuid`.
    fn uuid_value(&self, e: &Expr, depth: u32) -> bool {
        if depth > 16 {
            return false;
        }
        match peel(e) {
            Expr::Call(c) => self.call_path(c).is_some_and(|p| {
                matches!(p.as_slice(), [.., t, f] if t == "Uuid"
                    && matches!(f.as_str(), "new_v4" | "now_v7" | "new_v7" | "now_v1" | "nil" | "max"))
            }),
            Expr::Try(t) => matches!(peel(&t.expr), Expr::Call(c) if self.call_path(c).is_some_and(|p| {
                matches!(p.as_slice(), [.., t, f] if t == "Uuid" && f.starts_with("parse"))
            })),
            Expr::Path(p) => {
                let Some(id) = p.path.get_ident() else {
                    return false;
                };
                let n = id.to_string();
                if self
                    .param_types
                    .get(&n)
                    .and_then(|t| crate::model::types::type_name(t))
                    .is_some_and(|s| s.ident == "Uuid")
                {
                    return true;
                }
                self.init_of(&n)
                    .is_some_and(|init| self.uuid_value(init, depth + 1))
            }
            _ => false,
        }
    }

    /// A derive_builder chain: rooted at `FooBuilder::default()`/`FooBuilder::new()`, or a
    /// local holding one.
    fn derive_builder(&self, chain: &Expr) -> bool {
        let mut e = chain;
        for _ in 0..64 {
            match peel(e) {
                Expr::MethodCall(m) => e = &m.receiver,
                Expr::Path(p) => {
                    return p
                        .path
                        .get_ident()
                        .is_some_and(|i| self.derive_builders.contains(&i.to_string()))
                }
                Expr::Call(c) => {
                    let Expr::Path(p) = &*c.func else {
                        return false;
                    };
                    let segs: Vec<String> = path_names(&p.path);
                    return matches!(segs.as_slice(), [.., t, f]
                        if t.ends_with("Builder") && t.len() > "Builder".len()
                            && (f == "default" || f == "new"));
                }
                _ => return false,
            }
        }
        false
    }

    /// Whether an expression carries request text as it came (a parameter, a field of
    /// one, a copy or a `format!` of it), as opposed to a value computed from it.
    fn raw(&self, e: &Expr, depth: u32) -> bool {
        if depth > 24 {
            return false;
        }
        match peel(e) {
            Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.raw.contains(&i.to_string())),
            Expr::Field(f) => self.raw(&f.base, depth + 1),
            Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "clone"
                        | "to_string"
                        | "to_owned"
                        | "as_str"
                        | "as_ref"
                        | "trim"
                        | "into"
                        | "as_deref"
                        | "into_inner"
                        | "to_lowercase"
                        | "to_uppercase"
                        | "get"
                        | "and_then"
                        | "map"
                        | "ok"
                        | "to_str"
                        | "unwrap"
                        | "expect"
                        | "unwrap_or"
                        | "unwrap_or_default"
                        | "unwrap_or_else"
                        | "as_bytes"
                        | "trim_start"
                        | "trim_end"
                        | "to_vec"
                        | "into_string"
                ) =>
            {
                self.raw(&m.receiver, depth + 1)
            }
            Expr::Binary(b) => self.raw(&b.left, depth + 1) || self.raw(&b.right, depth + 1),
            Expr::Macro(m) => {
                let parsed = self.parsed(&m.mac);
                parsed.name == "format"
                    && parsed.format().is_some_and(|f| {
                        f.captures().any(|c| self.raw.contains(c))
                            || f.args.iter().any(|a| self.raw(&a.expr, depth + 1))
                    })
            }
            _ => false,
        }
    }

    /// Pieces of request text: a local holding them, or a chain splitting it
    /// (`auth.split(' ').collect::<Vec<_>>()`).
    fn split_of_request(&self, e: &Expr) -> bool {
        if let Expr::Path(p) = peel(e) {
            return p
                .path
                .get_ident()
                .is_some_and(|i| self.pieces.contains(&i.to_string()));
        }
        let mut e = peel(e);
        let mut split = false;
        for _ in 0..64 {
            match e {
                Expr::MethodCall(m) => {
                    if SPLIT_METHODS.contains(&m.method.to_string().as_str()) {
                        split = true;
                    }
                    e = peel(&m.receiver);
                }
                Expr::Try(t) => e = peel(&t.expr),
                _ => break,
            }
        }
        // `let it = auth.split(' '); let parts: Vec<_> = it.collect();`
        if let Expr::Path(p) = e {
            if p.path
                .get_ident()
                .is_some_and(|i| self.pieces.contains(&i.to_string()))
            {
                return true;
            }
        }
        split && self.tainted(e)
    }

    fn check_index(&mut self, ix: &syn::ExprIndex) {
        let idx = peel(&ix.index);
        let slice = matches!(idx, Expr::Range(_));
        if let Expr::Range(r) = idx {
            let zero_start = r.start.as_ref().is_none_or(|s| is_zero(s));
            if zero_start && r.end.is_none() {
                return;
            }
        }
        let base_t = self.tainted(&ix.expr);
        let idx_t = self.tainted(idx);
        if !base_t && !idx_t {
            return;
        }
        // A string key: `serde_json::Value` indexing never panics; a map's does.
        if matches!(idx, Expr::Lit(l) if matches!(l.lit, Lit::Str(_))) && !self.is_map(&ix.expr) {
            return;
        }
        if self.is_guarded(&ix.expr) || self.is_guarded(idx) {
            return;
        }
        // Clamped (`..s.len().min(64)`) or a loop index bounded by a length.
        if mentions_method(idx, &["min", "clamp", "saturating_sub"]) {
            return;
        }
        if root(idx).is_some_and(|r| self.bounded.contains(&r)) {
            return;
        }
        // A constant position (`parts[1]`) panics on request data only if the indexed
        // value is request data as it came or the pieces it was split into; the result
        // of a call may be a fixed-size array or a non-empty list by construction.
        if !idx_t && !self.raw(&ix.expr, 0) && !self.split_of_request(&ix.expr) {
            return;
        }
        let what = text(&*ix.expr).replace(' ', "");
        let msg = if slice {
            format!(
                "slicing `{what}` with request data in {}: an out-of-range bound (or one inside a UTF-8 character) panics the handler",
                self.handler
            )
        } else {
            format!(
                "indexing `{what}` with request data in {}: an out-of-range index or a missing key panics the handler",
                self.handler
            )
        };
        self.flag(ix.bracket_token.span.open(), msg, HELP_INDEX);
    }

    /// A map indexed by key: a parameter declared as `HashMap`, `BTreeMap`, `HeaderMap`
    /// (also inside `Query<..>`).
    fn is_map(&self, e: &Expr) -> bool {
        let Some(p) = place(e) else { return false };
        let Some(ty) = self.param_types.get(&p) else {
            return false;
        };
        let Some(seg) = crate::model::types::type_name(ty) else {
            return false;
        };
        matches!(
            seg.ident.to_string().as_str(),
            "HashMap" | "BTreeMap" | "IndexMap" | "HeaderMap"
        )
    }
}

/// Text of visible ASCII characters, spaces and tabs: what a header value accepts.
fn visible_ascii(s: &str) -> bool {
    s.chars().all(|c| c == '\t' || (' '..='~').contains(&c))
}

/// Types whose text is visible ASCII: numbers, booleans, UUIDs.
fn is_ascii_type(name: &str) -> bool {
    crate::model::types::is_number_type(name) || name == "bool" || name == "Uuid"
}

/// A collection without the views taken of it (`v.iter()`, `v.as_slice()`).
fn strip_views(e: &Expr) -> &Expr {
    let mut e = peel(e);
    for _ in 0..8 {
        match e {
            Expr::MethodCall(m)
                if m.args.is_empty()
                    && matches!(
                        m.method.to_string().as_str(),
                        "iter"
                            | "iter_mut"
                            | "into_iter"
                            | "into_values"
                            | "into_keys"
                            | "as_slice"
                            | "as_ref"
                            | "chars"
                            | "keys"
                            | "values"
                    ) =>
            {
                e = peel(&m.receiver)
            }
            _ => break,
        }
    }
    e
}

/// A position in the file, to recognise a node visited again.
fn key(span: Span) -> (usize, usize) {
    (span.start().line, span.start().column)
}

fn is_zero(e: &Expr) -> bool {
    matches!(e, Expr::Lit(l) if matches!(&l.lit, Lit::Int(i) if i.base10_digits() == "0"))
}

/// Whether `e` calls one of `methods` anywhere.
fn mentions_method(e: &Expr, methods: &[&str]) -> bool {
    struct Find<'m>(&'m [&'m str], bool);
    impl<'v> Visit<'v> for Find<'_> {
        fn visit_expr_method_call(&mut self, m: &'v syn::ExprMethodCall) {
            if self.0.contains(&m.method.to_string().as_str()) {
                self.1 = true;
            }
            visit::visit_expr_method_call(self, m);
        }
    }
    let mut f = Find(methods, false);
    f.visit_expr(e);
    f.1
}

/// Whether `e` calls a function or method named `name` (`Utc::now()`, `x.now()`).
fn mentions_method_or_fn(e: &Expr, name: &str) -> bool {
    struct Find<'n>(&'n str, bool);
    impl<'v> Visit<'v> for Find<'_> {
        fn visit_expr_call(&mut self, c: &'v syn::ExprCall) {
            if let Expr::Path(p) = &*c.func {
                if p.path.segments.last().is_some_and(|s| s.ident == self.0) {
                    self.1 = true;
                }
            }
            visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'v syn::ExprMethodCall) {
            if m.method == self.0 {
                self.1 = true;
            }
            visit::visit_expr_method_call(self, m);
        }
    }
    let mut f = Find(name, false);
    f.visit_expr(e);
    f.1
}

/// Whether `e` is the awaited result of a task-synchronisation primitive, which fails
/// only when its other side is gone: `sem.acquire().await`, `rx.recv().await`,
/// `tx.send(v).await` (a channel's, with an argument, unlike an HTTP request's
/// `send()`), `rx.await` of a oneshot receiver.
fn awaits_sync_primitive(e: &Expr) -> bool {
    let Expr::Await(a) = peel(e) else {
        return false;
    };
    match peel(&a.base) {
        Expr::Path(_) | Expr::Field(_) => true,
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            matches!(
                name.as_str(),
                "acquire"
                    | "acquire_owned"
                    | "acquire_many"
                    | "recv"
                    | "changed"
                    | "notified"
                    | "wait"
                    | "closed"
                    | "reserve"
            ) || (name == "send" && !m.args.is_empty())
        }
        _ => false,
    }
}

/// Whether `e` awaits anything (an I/O result).
fn mentions_await(e: &Expr) -> bool {
    struct Find(bool);
    impl<'v> Visit<'v> for Find {
        fn visit_expr_await(&mut self, _: &'v syn::ExprAwait) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'v syn::ExprClosure) {}
    }
    let mut f = Find(false);
    f.visit_expr(e);
    f.0
}

/// A `String` initializer: `String::new()`, `String::with_capacity(..)`, `format!(..)`.
fn is_string_init(e: &Expr) -> bool {
    match peel(e) {
        // `String::new()`, and the growable byte buffers whose writers cannot fail
        // (`Vec<u8>`'s `io::Write`, `BytesMut`'s `fmt::Write`).
        Expr::Call(c) => matches!(&*c.func, Expr::Path(p)
            if p.path.segments.len() == 2
                && matches!(p.path.segments[0].ident.to_string().as_str(), "String" | "BytesMut" | "Vec")),
        Expr::Macro(m) => m.mac.path.is_ident("format"),
        Expr::MethodCall(m) => m.method == "to_string" || m.method == "to_owned",
        _ => false,
    }
}

impl<'s, 'ast> Visit<'s> for Scan<'s, 'ast> {
    // Nested items are judged on their own.
    fn visit_item(&mut self, _: &'s syn::Item) {}

    fn visit_local(&mut self, l: &'s syn::Local) {
        let Some(init) = &l.init else {
            self.bind(&l.pat, false);
            return;
        };
        self.visit_expr(&init.expr);
        if let Some((_, diverge)) = &init.diverge {
            self.visit_expr(diverge);
        }
        let tainted = self.tainted(&init.expr);
        self.bind(&l.pat, tainted);
        let pat = match &l.pat {
            Pat::Type(t) => &*t.pat,
            p => p,
        };
        if let Pat::Ident(pi) = pat {
            let name = pi.ident.to_string();
            // `let x = (x);` keeps what is known of `x`.
            if init.diverge.is_none() && is_self_alias(&name, &init.expr, Peel::Syntax) {
                return;
            }
            let once = init.diverge.is_none() && !self.inits.contains_key(&name);
            self.inits.insert(name.clone(), once.then_some(&*init.expr));
            let typed_string = matches!(&l.pat, Pat::Type(t)
                if crate::model::types::type_name(&t.ty)
                    .is_some_and(|s| s.ident == "String" || s.ident == "BytesMut" || s.ident == "Vec"));
            if is_string_init(&init.expr)
                || typed_string
                || root(&init.expr).is_some_and(|r| self.buffers.contains(&r))
            {
                self.buffers.insert(name.clone());
            } else {
                self.buffers.remove(&name);
            }
            if let Expr::Call(c) = peel(&init.expr) {
                if self.call_path(c).is_some_and(|p| spawn_fn(&p).is_some()) {
                    self.handles.insert(name.clone());
                }
            }
            if mentions_method(&init.expr, &["captures"]) {
                self.captures.insert(name.clone());
            }
            if self.builder_cannot_fail(&init.expr) {
                self.builders.insert(name.clone());
            }
            if self.derive_builder(&init.expr) {
                self.derive_builders.insert(name.clone());
            }
            if self.split_of_request(&init.expr) {
                self.pieces.insert(name.clone());
            } else {
                self.pieces.remove(&name);
            }
            if self.constant(&init.expr) {
                self.consts.insert(name.clone());
            } else {
                self.consts.remove(&name);
            }
            if self.raw(&init.expr, 0) {
                self.raw.insert(name);
            } else {
                self.raw.remove(&name);
            }
        }
        // `let Some(x) = opt else { .. }` tests `opt`.
        if init.diverge.is_some() {
            self.guard(&init.expr);
        }
    }

    fn visit_expr_if(&mut self, i: &'s syn::ExprIf) {
        self.visit_expr(&i.cond);
        self.guard(&i.cond);
        self.visit_block(&i.then_branch);
        if let Some((_, e)) = &i.else_branch {
            self.visit_expr(e);
        }
    }

    fn visit_expr_let(&mut self, l: &'s syn::ExprLet) {
        self.visit_expr(&l.expr);
        let t = self.tainted(&l.expr);
        self.bind(&l.pat, t);
        self.note_captures(&l.pat, &l.expr);
        // `if let Err(e) = res { return .. }` then `res.unwrap()`.
        if let Pat::TupleStruct(ts) = &*l.pat {
            if ts
                .path
                .segments
                .last()
                .is_some_and(|s| matches!(s.ident.to_string().as_str(), "Err" | "Ok" | "Some"))
            {
                self.checked.insert(value_text(&l.expr));
            }
        }
    }

    fn visit_expr_assign(&mut self, a: &'s syn::ExprAssign) {
        visit::visit_expr_assign(self, a);
        // `resp = resp.header(k, v)`: still a builder if `v` is not request data.
        if let Some(name) = crate::engine::walk::target_name(&a.left) {
            self.inits.insert(name.clone(), None);
            if self.builders.contains(&name) && !self.builder_cannot_fail(&a.right) {
                self.builders.remove(&name);
            }
            let t = self.tainted(&a.right);
            if t {
                self.tainted.insert(name);
            }
        }
    }

    fn visit_expr_while(&mut self, w: &'s syn::ExprWhile) {
        self.visit_expr(&w.cond);
        self.guard(&w.cond);
        self.visit_block(&w.body);
    }

    fn visit_expr_match(&mut self, m: &'s syn::ExprMatch) {
        self.visit_expr(&m.expr);
        self.guard(&m.expr);
        let t = self.tainted(&m.expr);
        for arm in &m.arms {
            self.bind(&arm.pat, t);
            self.note_captures(&arm.pat, &m.expr);
            if let Some((_, g)) = &arm.guard {
                self.guard(g);
                self.visit_expr(g);
            }
            self.visit_expr(&arm.body);
        }
    }

    fn visit_expr_for_loop(&mut self, f: &'s syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        let t = self.tainted(&f.expr);
        self.bind(&f.pat, t);
        if let (Expr::Range(_), Pat::Ident(pi)) = (peel(&f.expr), &*f.pat) {
            if mentions_method(&f.expr, &["len"]) {
                self.bounded.insert(pi.ident.to_string());
            }
        }
        // `for (i, x) in v.iter().enumerate()`: `i` is within `v`.
        if let (Pat::Tuple(t), Expr::MethodCall(mc)) = (&*f.pat, peel(&f.expr)) {
            if mc.method == "enumerate" {
                if let Some(Pat::Ident(pi)) = t.elems.first() {
                    self.bounded.insert(pi.ident.to_string());
                }
            }
        }
        self.visit_block(&f.body);
    }

    fn visit_expr_closure(&mut self, c: &'s syn::ExprClosure) {
        let t = std::mem::take(&mut self.closure_tainted);
        for p in &c.inputs {
            self.bind(p, t);
        }
        self.visit_expr(&c.body);
    }

    fn visit_expr_call(&mut self, c: &'s syn::ExprCall) {
        // A detached task's panic does not reach the handler.
        let path = self.call_path(c);
        if path.as_ref().and_then(|p| spawn_fn(p)) == Some(false) {
            return;
        }
        visit::visit_expr_call(self, c);
        self.follow_helper(c);
        if path
            .as_ref()
            .and_then(|p| p.last())
            .is_some_and(|f| crate::model::web::is_checking_fn(f))
        {
            for a in &c.args {
                if let Some(r) = root(a) {
                    self.validated.insert(r);
                }
                // `let role = f.role.as_ref(); ensure_role(role)?` checks `f` too.
                if let Some(r) = root(self.through(a)) {
                    self.validated.insert(r);
                }
            }
        }
    }

    fn visit_expr_method_call(&mut self, m: &'s syn::ExprMethodCall) {
        self.visit_expr(&m.receiver);
        self.check_unwrap(m);
        let name = m.method.to_string();
        if PRESENCE_METHODS.contains(&name.as_str()) {
            self.checked.insert(value_text(&m.receiver));
        }
        if crate::model::web::is_checking_fn(&name) {
            for e in std::iter::once(&*m.receiver).chain(m.args.iter()) {
                if let Some(r) = root(e) {
                    self.validated.insert(r);
                }
            }
        }
        if let Some(counterparts) = checked_counterpart(&name) {
            let recv = value_text(&m.receiver);
            let args = text(&m.args);
            for c in counterparts {
                self.checked.insert(format!("{recv} . {c} ({args})"));
            }
        }
        if SHAPE_METHODS.contains(&name.as_str()) {
            if let Some(p) = place(&m.receiver) {
                self.guarded.insert(p);
            }
        }
        // `headers.insert(k, id.to_string().parse().unwrap())`: parsed into a header
        // value.
        if matches!(
            name.as_str(),
            "insert" | "append" | "header" | "insert_header" | "append_header"
        ) {
            for a in &m.args {
                if let Expr::MethodCall(u) = peel(a) {
                    if PANICKING_METHODS.contains(&u.method.to_string().as_str()) {
                        if let Expr::MethodCall(p) = peel(&u.receiver) {
                            if p.method == "parse" && self.header_safe(&p.receiver, 0) {
                                self.header_parses.insert(key(u.method.span()));
                            }
                        }
                    }
                }
            }
        }
        let t = self.tainted(&m.receiver);
        for a in &m.args {
            self.closure_tainted = t && matches!(a, Expr::Closure(_));
            self.visit_expr(a);
            self.closure_tainted = false;
        }
    }

    fn visit_expr_index(&mut self, ix: &'s syn::ExprIndex) {
        self.visit_expr(&ix.expr);
        self.visit_expr(&ix.index);
        self.check_index(ix);
    }

    fn visit_macro(&mut self, mac: &'s syn::Macro) {
        let parsed = self.parsed(mac);
        let name = parsed.name.as_str();
        if PANIC_MACROS.contains(&name) && name != "unreachable" {
            let msg = match name {
                "todo" | "unimplemented" => format!(
                    "`{name}!()` in {}: every request that reaches it panics",
                    self.handler
                ),
                _ => format!(
                    "`{name}!` in {}: the request panics instead of getting an error response",
                    self.handler
                ),
            };
            let span = mac
                .path
                .segments
                .first()
                .map(|s| s.ident.span())
                .unwrap_or_else(|| mac.span());
            self.flag(span, msg, HELP);
        }
        if matches!(
            name,
            "assert" | "assert_eq" | "assert_ne" | "ensure" | "debug_assert" | "debug_assert_eq"
        ) {
            for e in parsed.exprs() {
                self.guard(e);
            }
        }
        if name == "json" {
            let values: &'s Vec<Expr> = self.exprs.alloc(json_values(&mac.tokens));
            for e in values {
                self.visit_expr(e);
            }
            return;
        }
        for e in parsed.exprs() {
            self.visit_expr(e);
        }
    }
}

/// `Response::builder()` / `Request::builder()` (http, axum, hyper re-exports).
fn is_http_builder_call(e: &Expr) -> bool {
    let Expr::Call(c) = e else { return false };
    let Expr::Path(p) = &*c.func else {
        return false;
    };
    let segs = path_names(&p.path);
    matches!(segs.as_slice(), [.., t, b] if (t == "Response" || t == "Request") && b == "builder")
}
