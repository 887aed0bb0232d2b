//! Local bindings of a function body, as the resilience rules' own visitors see them,
//! and what a method call's receiver chain starts from: `cmd.output()` where `cmd` is
//! `std::process::Command::new(..)`, `rx.recv()` where `rx` comes from
//! `std::sync::mpsc::channel()`, `self.pool.get()` where the field is an `r2d2::Pool`.

use crate::engine::cx::Cx;
use crate::engine::pattern::{pattern_names, typed_pattern_names};
use crate::engine::resolve::{unwrap_once, Peel};
use crate::model::types::first_type_arg;
use crate::model::types::SHARING_WRAPPERS;
use syn::{Expr, Type};

/// What a local name is bound to, as far as receivers are concerned.
#[derive(Clone, Copy)]
pub enum Bind<'ast> {
    /// `let x = init;`
    Init(&'ast Expr),
    /// Element `i` of a destructured tuple: `let (tx, rx) = channel();`.
    Elem(&'ast Expr, usize),
    /// A parameter or `let` with a written type.
    Typed(&'ast Type),
    /// Anything else (closure parameters, match arms): hides outer bindings.
    Unknown,
}

/// Where a receiver chain starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Root {
    /// A call of a function by its resolved path (`std::process::Command::new`).
    Fn(Vec<String>),
    /// A value of a type, by its resolved path (a typed parameter, a struct field).
    Type(Vec<String>),
    /// Element `i` of the tuple returned by a function (`std::sync::mpsc::channel`).
    Elem(Vec<String>, usize),
    Unknown,
}

/// A receiver chain: its root and the methods called on the way (root first).
pub struct Chain {
    pub root: Root,
    pub methods: Vec<String>,
    /// The first name the chain passes through from its end (`pool` in
    /// `state.pool.get()`).
    pub name: Option<String>,
}

/// The scopes of local bindings of the body being scanned.
#[derive(Default)]
pub struct Locals<'ast> {
    /// Each scope's bindings with their declaration order: following a binding's
    /// initializer sees only what was declared before it (`let cmd = cmd.arg(x)` reads
    /// the previous `cmd`).
    scopes: Vec<Vec<(String, u32, Bind<'ast>)>>,
    seq: u32,
    /// The `Self` type of the enclosing `impl`, by name.
    pub self_ty: Option<String>,
}

impl<'ast> Locals<'ast> {
    pub fn new(self_ty: Option<String>) -> Self {
        Locals {
            scopes: Vec::new(),
            seq: 0,
            self_ty,
        }
    }

    pub fn push(&mut self) {
        self.scopes.push(Vec::new());
    }

    pub fn pop(&mut self) {
        self.scopes.pop();
    }

    pub fn bind(&mut self, name: String, b: Bind<'ast>) {
        if self.scopes.is_empty() {
            self.push();
        }
        self.seq += 1;
        let seq = self.seq;
        if let Some(s) = self.scopes.last_mut() {
            s.push((name, seq, b));
        }
    }

    /// Binds a function's parameters with their written types.
    pub fn bind_params(&mut self, sig: &'ast syn::Signature) {
        for input in &sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                for pn in typed_pattern_names(&t.pat, &t.ty) {
                    let bind = match pn.ty {
                        Some(ty) => Bind::Typed(ty),
                        None => Bind::Unknown,
                    };
                    self.bind(pn.ident.to_string(), bind);
                }
            }
        }
    }

    /// Binds the names of a pattern whose value is not tracked (closure parameters).
    pub fn bind_pat_unknown(&mut self, pat: &'ast syn::Pat) {
        for pn in pattern_names(pat) {
            let b = match pn.ty {
                Some(ty) => Bind::Typed(ty),
                None => Bind::Unknown,
            };
            self.bind(pn.ident.to_string(), b);
        }
    }

    /// Binds the names of a `let`.
    pub fn bind_local(&mut self, l: &'ast syn::Local) {
        for pn in pattern_names(&l.pat) {
            let b = match (pn.ty, &l.init) {
                (Some(ty), _) => Bind::Typed(ty),
                (None, Some(init)) if pn.path.len == 0 && !pn.part => Bind::Init(&init.expr),
                (None, Some(init)) if pn.path.len == 1 && !pn.part => match pn.path.first() {
                    Some(i) => Bind::Elem(&init.expr, i),
                    None => Bind::Unknown,
                },
                _ => Bind::Unknown,
            };
            self.bind(pn.ident.to_string(), b);
        }
    }

    /// The initializer of the local `name` is bound to (`let name = init;`), if any.
    pub fn init_of(&self, name: &str) -> Option<&'ast Expr> {
        match self.lookup_before(name, u32::MAX)? {
            (_, Bind::Init(init)) => Some(init),
            _ => None,
        }
    }

    /// The binding of `name` declared before `horizon`, with its declaration order.
    fn lookup_before(&self, name: &str, horizon: u32) -> Option<(u32, Bind<'ast>)> {
        self.scopes.iter().rev().find_map(|s| {
            s.iter()
                .rev()
                .find(|(n, seq, _)| *seq < horizon && n == name)
                .map(|(_, seq, b)| (*seq, *b))
        })
    }

    /// The resolved path of a type, looking through references and the wrappers a value
    /// is shared in (`&Arc<r2d2::Pool<M>>`, `web::Data<DbPool>`, `State<Pool>`).
    pub fn type_path(&self, cx: &Cx<'_, 'ast>, ty: &Type) -> Option<Vec<String>> {
        match ty {
            Type::Reference(r) => self.type_path(cx, &r.elem),
            Type::Paren(p) => self.type_path(cx, &p.elem),
            Type::Group(g) => self.type_path(cx, &g.elem),
            Type::Path(p) => {
                let seg = p.path.segments.last()?;
                if SHARING_WRAPPERS.contains(&seg.ident.to_string().as_str()) {
                    if let Some(inner) = first_type_arg(seg) {
                        return self.type_path(cx, inner);
                    }
                }
                Some(cx.resolve(&p.path))
            }
            _ => None,
        }
    }

    /// The chain of method calls `e` ends, back to its root.
    pub fn chain(&self, cx: &Cx<'_, 'ast>, e: &'ast Expr) -> Chain {
        let mut methods = Vec::new();
        let mut name = None;
        let root = self.chain_root(cx, e, u32::MAX, &mut methods, &mut name, 0);
        methods.reverse();
        Chain {
            root,
            methods,
            name,
        }
    }

    fn chain_root(
        &self,
        cx: &Cx<'_, 'ast>,
        e: &'ast Expr,
        horizon: u32,
        methods: &mut Vec<String>,
        name: &mut Option<String>,
        depth: usize,
    ) -> Root {
        if depth > 24 {
            return Root::Unknown;
        }
        match e {
            Expr::MethodCall(m) => {
                methods.push(m.method.to_string());
                self.chain_root(cx, &m.receiver, horizon, methods, name, depth + 1)
            }
            Expr::Try(t) => self.chain_root(cx, &t.expr, horizon, methods, name, depth + 1),
            Expr::Await(a) => self.chain_root(cx, &a.base, horizon, methods, name, depth + 1),
            Expr::Paren(p) => self.chain_root(cx, &p.expr, horizon, methods, name, depth + 1),
            Expr::Reference(r) => self.chain_root(cx, &r.expr, horizon, methods, name, depth + 1),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                self.chain_root(cx, &u.expr, horizon, methods, name, depth + 1)
            }
            Expr::Block(_) => match unwrap_once(e, Peel::Syntax) {
                Some(inner) => self.chain_root(cx, inner, horizon, methods, name, depth + 1),
                None => Root::Unknown,
            },
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => Root::Fn(cx.resolve(&p.path)),
                _ => Root::Unknown,
            },
            Expr::Path(p) => {
                let Some(ident) = p.path.get_ident() else {
                    return Root::Unknown;
                };
                let id = ident.to_string();
                if name.is_none() {
                    *name = Some(id.clone());
                }
                match self.lookup_before(&id, horizon) {
                    Some((seq, Bind::Init(init))) => {
                        self.chain_root(cx, init, seq, methods, name, depth + 1)
                    }
                    Some((seq, Bind::Elem(init, i))) => {
                        let mut m = Vec::new();
                        let mut n = None;
                        match self.chain_root(cx, init, seq, &mut m, &mut n, depth + 1) {
                            Root::Fn(p) if m.is_empty() => Root::Elem(p, i),
                            _ => Root::Unknown,
                        }
                    }
                    Some((_, Bind::Typed(ty))) => self
                        .type_path(cx, ty)
                        .map(Root::Type)
                        .unwrap_or(Root::Unknown),
                    _ => Root::Unknown,
                }
            }
            Expr::Field(f) => {
                let syn::Member::Named(field) = &f.member else {
                    return Root::Unknown;
                };
                if name.is_none() {
                    *name = Some(field.to_string());
                }
                let owner = match &*f.base {
                    Expr::Path(p) if p.path.is_ident("self") => self.self_ty.clone(),
                    base => {
                        let mut m = Vec::new();
                        let mut n = None;
                        match self.chain_root(cx, base, horizon, &mut m, &mut n, depth + 1) {
                            Root::Type(t) if m.is_empty() => t.last().cloned(),
                            _ => None,
                        }
                    }
                };
                let ty = owner.and_then(|o| cx.facts.field_type(&o, &field.to_string()));
                match ty.and_then(|t| self.type_path(cx, t)) {
                    Some(p) => Root::Type(p),
                    None => Root::Unknown,
                }
            }
            _ => Root::Unknown,
        }
    }
}

/// The name of the `Self` type of the `impl` being walked.
pub fn self_ty_name(cx: &Cx<'_, '_>) -> Option<String> {
    cx.scopes
        .self_ty()
        .and_then(crate::model::types::type_name)
        .map(|s| s.ident.to_string())
}
