//! The file's call graph, computed on demand: which functions of the file name which
//! others (calls, `self.method(..)`, function values), and which are handed to a router
//! (`get(list_users)`, `web::get().to(index)`). Rules use it to tell request handlers
//! and the helpers only they call from startup code.

use crate::model::web::ROUTING_FNS;
use proc_macro2::{TokenStream, TokenTree};
use std::collections::{HashMap, HashSet};
use syn::visit::{self, Visit};
use syn::{Attribute, ImplItem, Item, Signature, TraitItem};

/// A function or method defined in the file.
#[derive(Debug, Clone, Copy)]
pub struct FnItem<'ast> {
    pub sig: &'ast Signature,
    pub attrs: &'ast [Attribute],
    /// Callable from other files (any `pub`, or a trait method).
    pub public: bool,
    /// Test code (`#[test]`, inside `#[cfg(test)]`).
    pub test: bool,
}

/// Who references whom among the file's functions.
#[derive(Default)]
pub struct FileCalls<'ast> {
    /// Every definition of each function name.
    pub fns: HashMap<String, Vec<FnItem<'ast>>>,
    /// Name → the functions whose bodies reference it (by bare name, `Self::name`,
    /// `self.name(..)`, or inside a macro); `""` for references outside any function.
    pub callers: HashMap<String, HashSet<String>>,
    /// Names given to a router's method functions: `get(h)`, `post(h)`, `.to(h)`.
    pub routed: HashSet<String>,
}

impl std::fmt::Debug for FileCalls<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileCalls")
            .field("fns", &self.fns.len())
            .field("callers", &self.callers)
            .field("routed", &self.routed)
            .finish()
    }
}

impl<'ast> FileCalls<'ast> {
    pub fn build(items: &'ast [Item]) -> Self {
        let mut c = FileCalls::default();
        c.items(items, false, 0);
        c
    }

    fn items(&mut self, items: &'ast [Item], test: bool, depth: usize) {
        if depth > 64 {
            return;
        }
        for item in items {
            match item {
                Item::Fn(f) => {
                    let public = !matches!(f.vis, syn::Visibility::Inherited);
                    self.func(&f.sig, &f.attrs, public, test, Some(&f.block));
                }
                Item::Impl(imp) => {
                    let test = test || crate::engine::walk::is_test_item(&imp.attrs);
                    for it in &imp.items {
                        if let ImplItem::Fn(m) = it {
                            let public = imp.trait_.is_some()
                                || !matches!(m.vis, syn::Visibility::Inherited);
                            self.func(&m.sig, &m.attrs, public, test, Some(&m.block));
                        }
                    }
                }
                Item::Trait(t) => {
                    for it in &t.items {
                        if let TraitItem::Fn(m) = it {
                            self.func(&m.sig, &m.attrs, true, test, m.default.as_ref());
                        }
                    }
                }
                Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        let test = test || crate::engine::walk::is_test_item(&m.attrs);
                        self.items(inner, test, depth + 1);
                    }
                }
                other => {
                    let mut r = Refs {
                        calls: self,
                        caller: String::new(),
                        depth: 0,
                    };
                    r.visit_item(other);
                }
            }
        }
    }

    fn func(
        &mut self,
        sig: &'ast Signature,
        attrs: &'ast [Attribute],
        public: bool,
        test: bool,
        body: Option<&'ast syn::Block>,
    ) {
        let name = sig.ident.to_string();
        let test = test || crate::engine::walk::is_test_item(attrs);
        self.fns.entry(name.clone()).or_default().push(FnItem {
            sig,
            attrs,
            public,
            test,
        });
        if let Some(body) = body {
            let mut r = Refs {
                calls: self,
                caller: name,
                depth: 0,
            };
            r.visit_block(body);
        }
    }

    fn note(&mut self, callee: String, caller: &str) {
        self.callers
            .entry(callee)
            .or_default()
            .insert(caller.to_string());
    }

    /// Whether every definition of `name` is test code.
    pub fn is_test_fn(&self, name: &str) -> bool {
        self.fns
            .get(name)
            .is_some_and(|v| !v.is_empty() && v.iter().all(|f| f.test))
    }
}

/// Collects the references of one function body.
struct Refs<'r, 'ast> {
    calls: &'r mut FileCalls<'ast>,
    caller: String,
    depth: usize,
}

impl Refs<'_, '_> {
    fn tokens(&mut self, ts: TokenStream, depth: usize) {
        if depth > 64 {
            return;
        }
        for t in ts {
            match t {
                TokenTree::Ident(i) => {
                    let caller = self.caller.clone();
                    self.calls.note(i.to_string(), &caller);
                }
                TokenTree::Group(g) => self.tokens(g.stream(), depth + 1),
                _ => {}
            }
        }
    }
}

/// The function a handler argument names: `list_users`, `handlers::list_users`,
/// `Self::list`.
fn handler_name(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Whether a method chain starts at a router function (`get(a).post(b)`,
/// `web::get().to(h)`, `web::resource("/").to(h)`).
fn on_router(e: &syn::Expr) -> bool {
    let mut cur = e;
    for _ in 0..32 {
        match cur {
            syn::Expr::MethodCall(m) => cur = &m.receiver,
            syn::Expr::Call(c) => {
                return matches!(&*c.func, syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| {
                    let n = s.ident.to_string();
                    ROUTING_FNS.contains(&n.as_str()) || n == "resource"
                }));
            }
            _ => return false,
        }
    }
    false
}

impl<'ast> Visit<'ast> for Refs<'_, 'ast> {
    fn visit_item(&mut self, i: &'ast Item) {
        // Items nested in a body are not the file's functions; their references count
        // for the enclosing function.
        if let Item::Fn(f) = i {
            self.visit_block(&f.block);
            return;
        }
        visit::visit_item(self, i);
    }

    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        if self.depth > 256 {
            return;
        }
        self.depth += 1;
        match e {
            syn::Expr::Path(p) => {
                let segs = &p.path.segments;
                // `f`, `Self::f`, `self::f`, and `Type::f` (an associated function of a
                // type, possibly of this file: the graph is by name).
                let local = segs.len() == 1
                    || (segs.len() == 2
                        && (segs[0].ident == "self"
                            || crate::model::names::is_camel_case(&segs[0].ident.to_string())));
                if let (true, Some(last)) = (local, segs.last()) {
                    let caller = self.caller.clone();
                    self.calls.note(last.ident.to_string(), &caller);
                }
            }
            syn::Expr::Call(c) => {
                if let syn::Expr::Path(p) = &*c.func {
                    let is_router = p
                        .path
                        .segments
                        .last()
                        .is_some_and(|s| ROUTING_FNS.contains(&s.ident.to_string().as_str()));
                    if is_router {
                        if let Some(h) = c.args.iter().last().and_then(handler_name) {
                            self.calls.routed.insert(h);
                        }
                    }
                }
            }
            syn::Expr::MethodCall(m) => {
                if matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident("self")) {
                    let caller = self.caller.clone();
                    self.calls.note(m.method.to_string(), &caller);
                }
                if ROUTING_FNS.contains(&m.method.to_string().as_str()) && on_router(&m.receiver) {
                    if let Some(h) = m.args.iter().last().and_then(handler_name) {
                        self.calls.routed.insert(h);
                    }
                }
            }
            _ => {}
        }
        visit::visit_expr(self, e);
        self.depth -= 1;
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.tokens(m.tokens.clone(), 0);
    }
}
