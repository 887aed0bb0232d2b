//! Builder values followed through one function body: a constructor call or struct
//! literal chosen by the rule, and every method called on it — in the same chain
//! (`Cookie::build(..).secure(false)`), or later through the local binding that holds it
//! (`let mut c = Cookie::new(..); c.set_secure(false);`, `cors = cors.allow_any_origin();`)
//! — each with the dev-only gates of the code it sits in (`#[cfg(debug_assertions)]`,
//! `if cfg!(debug_assertions)`, `if config.dev_mode`).
//!
//! Flow-insensitive within the function: the steps of a builder are listed in source
//! order with the `if`/`match` arms they are in; rules read them as [`Candidates`]. Nested items (inner
//! functions, impls) are left to their own `check_fn`.

use crate::engine::cx::Cx;
use crate::engine::resolve::{is_self_alias, unwrap_all, unwrap_once, Peel};
use crate::model::names::words;
use proc_macro2::{Span, TokenStream, TokenTree};
use std::collections::HashMap;
use syn::visit::{self, Visit};
use syn::{Attribute, Expr, ExprCall, ExprMethodCall, ExprStruct};

/// Why a piece of code may not run in production. Combined with `|`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gate {
    /// Compiled only into debug builds or dev features: `#[cfg(debug_assertions)]`,
    /// `if cfg!(debug_assertions)`, `#[cfg(feature = "dev")]`.
    pub dev_build: bool,
    /// Taken only when a runtime flag says development, debug, local or insecure mode
    /// (`if config.dev_mode`, `if !is_production`, a `match` arm `Env::Development`).
    pub dev_flag: bool,
    /// Taken depending on whether the server speaks HTTPS (`if config.https`,
    /// `if !tls_enabled`): a transport setting, not a choice of the code.
    pub transport: bool,
}

impl Gate {
    pub const NONE: Gate = Gate {
        dev_build: false,
        dev_flag: false,
        transport: false,
    };

    pub fn or(self, o: Gate) -> Gate {
        Gate {
            dev_build: self.dev_build || o.dev_build,
            dev_flag: self.dev_flag || o.dev_flag,
            transport: self.transport || o.transport,
        }
    }

    fn and(self, o: Gate) -> Gate {
        Gate {
            dev_build: self.dev_build && o.dev_build,
            dev_flag: self.dev_flag && o.dev_flag,
            transport: self.transport && o.transport,
        }
    }
}

/// What a builder starts from.
#[derive(Debug, Clone, Copy)]
pub enum Root<'ast> {
    Call(&'ast ExprCall),
    Struct(&'ast ExprStruct),
}

impl Root<'_> {
    pub fn span(&self) -> Span {
        match self {
            Root::Call(c) => syn::spanned::Spanned::span(c),
            Root::Struct(s) => syn::spanned::Spanned::span(s),
        }
    }
}

/// Something done to a builder after its construction.
#[derive(Debug, Clone, Copy)]
pub enum StepKind<'ast> {
    /// `.method(args)`
    Method(&'ast ExprMethodCall),
    /// `builder.field = value` (options structs).
    Field(&'ast syn::Ident, &'ast Expr),
}

#[derive(Debug, Clone)]
pub struct Step<'ast> {
    pub kind: StepKind<'ast>,
    pub gate: Gate,
    pub branch: Branch,
}

/// The `if`/`match` arms a piece of code is in: (branching expression, arm) pairs from
/// the outermost.
pub type Branch = Vec<(u32, u16)>;

/// Whether two pieces of code can never both run: they are in different arms of the
/// same `if` or `match`.
pub fn exclusive(a: &Branch, b: &Branch) -> bool {
    a.iter()
        .any(|(id, arm)| b.iter().any(|(id2, arm2)| id == id2 && arm != arm2))
}

/// The values a setting may hold at the end of a function, each with what set it: a
/// later setting replaces an earlier one only when it runs whenever the earlier one ran
/// (it is in the same arms or outside them), so `if a { x = 1 } else { x = 2 }` keeps
/// both and `x = 1; if c { x = 2 }` keeps both too.
#[derive(Debug, Clone)]
pub struct Candidates<T> {
    pub live: Vec<(T, Branch)>,
}

impl<T> Candidates<T> {
    pub fn new(initial: T, branch: Branch) -> Self {
        Candidates {
            live: vec![(initial, branch)],
        }
    }

    pub fn set(&mut self, value: T, branch: Branch) {
        self.live
            .retain(|(_, b)| !(branch.len() <= b.len() && b[..branch.len()] == branch[..]));
        self.live.push((value, branch));
    }
}

/// One builder value and what the function does to it.
#[derive(Debug, Clone)]
pub struct Builder<'ast> {
    /// The root's path, resolved through the file's imports.
    pub path: Vec<String>,
    pub root: Root<'ast>,
    pub gate: Gate,
    pub branch: Branch,
    pub steps: Vec<Step<'ast>>,
}

/// The builders of one function body, and the last `let` initializer of each local
/// (for rules that look at what a variable passed to a builder method holds).
#[derive(Debug, Default)]
pub struct Body<'ast> {
    pub builders: Vec<Builder<'ast>>,
    pub lets: HashMap<String, (&'ast Expr, Gate)>,
}

impl<'ast> Body<'ast> {
    /// The value a local variable was initialized with (looking through `x` paths).
    pub fn init_of(&self, e: &'ast Expr) -> Option<(&'ast Expr, Gate)> {
        let Expr::Path(p) = peel(e) else { return None };
        let name = p.path.get_ident()?.to_string();
        self.lets.get(&name).copied()
    }
}

/// Collects the builders of a function body whose root (a call or struct literal path,
/// resolved through the imports) satisfies `is_root`. `attrs` are the function's own.
pub fn collect<'ast>(
    cx: &Cx<'_, 'ast>,
    attrs: &'ast [Attribute],
    body: &'ast syn::Block,
    is_root: &dyn Fn(&[String]) -> bool,
) -> Body<'ast> {
    let mut c = Collector {
        cx,
        is_root,
        out: Body::default(),
        bound: HashMap::new(),
        gates: vec![attrs_gate(attrs)],
        branch: Vec::new(),
        next_branch: 0,
        depth: 0,
    };
    c.visit_block(body);
    c.out
}

struct Collector<'c, 'a, 'ast> {
    cx: &'c Cx<'a, 'ast>,
    is_root: &'c dyn Fn(&[String]) -> bool,
    out: Body<'ast>,
    /// Local name → the builder it holds.
    bound: HashMap<String, usize>,
    gates: Vec<Gate>,
    branch: Branch,
    next_branch: u32,
    depth: usize,
}

impl<'ast> Collector<'_, '_, 'ast> {
    fn gate(&self) -> Gate {
        self.gates.iter().fold(Gate::NONE, |a, g| a.or(*g))
    }

    fn next_id(&mut self) -> u32 {
        self.next_branch += 1;
        self.next_branch
    }

    fn with_gate(&mut self, g: Gate, f: impl FnOnce(&mut Self)) {
        self.gates.push(g);
        f(self);
        self.gates.pop();
    }

    /// Visits a value expression and returns the builder it evaluates to, if any.
    fn value(&mut self, e: &'ast Expr) -> Option<usize> {
        if self.depth > 200 {
            return None;
        }
        self.depth += 1;
        let r = self.value_inner(e);
        self.depth -= 1;
        r
    }

    fn value_inner(&mut self, e: &'ast Expr) -> Option<usize> {
        let (root, calls) = chain(e);
        let gid = match root {
            Expr::Call(call) => {
                for a in &call.args {
                    self.visit_expr(a);
                }
                match &*call.func {
                    Expr::Path(p) => {
                        let path = self.cx.resolve(&p.path);
                        (self.is_root)(&path).then(|| {
                            self.out.builders.push(Builder {
                                path,
                                root: Root::Call(call),
                                gate: self.gate(),
                                branch: self.branch.clone(),
                                steps: Vec::new(),
                            });
                            self.out.builders.len() - 1
                        })
                    }
                    f => {
                        self.visit_expr(f);
                        None
                    }
                }
            }
            Expr::Struct(s) => {
                for f in &s.fields {
                    self.visit_expr(&f.expr);
                }
                if let Some(rest) = &s.rest {
                    self.visit_expr(rest);
                }
                let path = self.cx.resolve(&s.path);
                (self.is_root)(&path).then(|| {
                    self.out.builders.push(Builder {
                        path,
                        root: Root::Struct(s),
                        gate: self.gate(),
                        branch: self.branch.clone(),
                        steps: Vec::new(),
                    });
                    self.out.builders.len() - 1
                })
            }
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| self.bound.get(&i.to_string()).copied()),
            other => {
                self.visit_expr_plain(other);
                None
            }
        };
        for m in calls {
            for a in &m.args {
                self.visit_expr(a);
            }
            if let Some(g) = gid {
                let gate = self.gate();
                let branch = self.branch.clone();
                if let Some(b) = self.out.builders.get_mut(g) {
                    b.steps.push(Step {
                        kind: StepKind::Method(m),
                        gate,
                        branch,
                    });
                }
            }
        }
        gid
    }

    /// `visit_expr` without the chain handling (for roots that are not chains).
    fn visit_expr_plain(&mut self, e: &'ast Expr) {
        match e {
            Expr::MethodCall(_) | Expr::Call(_) | Expr::Struct(_) | Expr::Path(_) => {
                self.value(e);
            }
            _ => self.visit_expr(e),
        }
    }

    fn bind(&mut self, name: String, gid: Option<usize>) {
        match gid {
            Some(g) => {
                self.bound.insert(name, g);
            }
            None => {
                self.bound.remove(&name);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_, '_, 'ast> {
    // Nested items are checked on their own.
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_local(&mut self, l: &'ast syn::Local) {
        let g = attrs_gate(&l.attrs);
        self.with_gate(g, |c| {
            let Some(init) = &l.init else { return };
            let gid = c.value(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                c.visit_expr(diverge);
            }
            if let Some(name) = pat_ident(&l.pat) {
                let gate = c.gate();
                // `let origin = origin;` keeps the entry of the value it rebinds.
                if !is_self_alias(&name, &init.expr, Peel::Transparent) {
                    c.out.lets.insert(name.clone(), (&init.expr, gate));
                }
                c.bind(name, gid);
            }
        });
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        if self.depth > 200 {
            return;
        }
        let g = attrs_gate(expr_attrs(e));
        self.gates.push(g);
        self.depth += 1;
        match e {
            Expr::MethodCall(_) | Expr::Call(_) | Expr::Struct(_) | Expr::Path(_) => {
                self.value(e);
            }
            Expr::Assign(a) => {
                let gid = self.value(&a.right);
                match &*a.left {
                    Expr::Path(p) => {
                        if let Some(i) = p.path.get_ident() {
                            let gate = self.gate();
                            self.out.lets.insert(i.to_string(), (&a.right, gate));
                            self.bind(i.to_string(), gid);
                        }
                    }
                    Expr::Field(f) => {
                        let base = match unwrap_all(&f.base, Peel::Syntax) {
                            Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
                            _ => None,
                        };
                        let target = base.and_then(|b| self.bound.get(&b).copied());
                        if let (Some(t), syn::Member::Named(m)) = (target, &f.member) {
                            let gate = self.gate();
                            let branch = self.branch.clone();
                            if let Some(b) = self.out.builders.get_mut(t) {
                                b.steps.push(Step {
                                    kind: StepKind::Field(m, &a.right),
                                    gate,
                                    branch,
                                });
                            }
                        }
                    }
                    other => self.visit_expr(other),
                }
            }
            Expr::If(i) => {
                self.visit_expr(&i.cond);
                let (then_gate, else_gate) = cond_gate(&i.cond, 0);
                let id = self.next_id();
                self.branch.push((id, 0));
                self.with_gate(then_gate, |c| c.visit_block(&i.then_branch));
                self.branch.pop();
                if let Some((_, els)) = &i.else_branch {
                    self.branch.push((id, 1));
                    self.with_gate(else_gate, |c| c.visit_expr(els));
                    self.branch.pop();
                }
            }
            Expr::Match(m) => {
                self.visit_expr(&m.expr);
                let id = self.next_id();
                for (i, arm) in m.arms.iter().enumerate() {
                    let g = if pat_says_dev(&arm.pat) {
                        Gate {
                            dev_flag: true,
                            ..Gate::NONE
                        }
                    } else {
                        Gate::NONE
                    };
                    self.branch.push((id, i.min(u16::MAX as usize) as u16));
                    self.with_gate(g, |c| {
                        if let Some((_, guard)) = &arm.guard {
                            c.visit_expr(guard);
                        }
                        c.visit_expr(&arm.body);
                    });
                    self.branch.pop();
                }
            }
            _ => visit::visit_expr(self, e),
        }
        self.depth -= 1;
        self.gates.pop();
    }

    fn visit_stmt(&mut self, s: &'ast syn::Stmt) {
        if let syn::Stmt::Macro(m) = s {
            let g = attrs_gate(&m.attrs);
            self.with_gate(g, |c| c.visit_macro(&m.mac));
            return;
        }
        visit::visit_stmt(self, s);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let parsed = self.cx.macros.get(m);
        for e in parsed.exprs() {
            self.visit_expr(e);
        }
    }
}

/// Splits a method chain into its root and the calls applied to it, innermost first.
/// Parentheses, `?`, `.await` and references are looked through.
pub fn chain(e: &Expr) -> (&Expr, Vec<&ExprMethodCall>) {
    let mut calls = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            Expr::MethodCall(m) => {
                calls.push(m);
                cur = &m.receiver;
            }
            Expr::Paren(p) => cur = &p.expr,
            Expr::Try(t) => cur = &t.expr,
            Expr::Await(a) => cur = &a.base,
            other => match unwrap_once(other, Peel::Syntax) {
                Some(inner) => cur = inner,
                None => break,
            },
        }
    }
    calls.reverse();
    (cur, calls)
}

/// An expression without parentheses, references, derefs, groups and `{ x }` blocks
/// around it.
pub fn peel(e: &Expr) -> &Expr {
    unwrap_all(e, Peel::Syntax)
}

/// The span of a method call from its name to its closing parenthesis (`secure(false)`),
/// so that a finding starts on the line of the call, not of the chain's receiver.
pub fn call_span(m: &ExprMethodCall) -> Span {
    let start = m.method.span();
    start.join(m.paren_token.span.close()).unwrap_or(start)
}

/// The literal boolean an expression is (`true`, `false`, `Some(false)`).
pub fn lit_bool(e: &Expr) -> Option<bool> {
    match peel(e) {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Bool(b) => Some(b.value),
            _ => None,
        },
        Expr::Call(c) if c.args.len() == 1 => {
            let Expr::Path(p) = &*c.func else { return None };
            if p.path.is_ident("Some") {
                lit_bool(&c.args[0])
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether a closure always returns `true` (`|_, _| true`, `|_| { true }`).
pub fn closure_always_true(e: &Expr) -> bool {
    let Expr::Closure(c) = peel(e) else {
        return false;
    };
    match peel(&c.body) {
        Expr::Block(b) => match b.block.stmts.as_slice() {
            [syn::Stmt::Expr(tail, None)] => lit_bool(tail) == Some(true),
            _ => false,
        },
        body => lit_bool(body) == Some(true),
    }
}

fn pat_ident(p: &syn::Pat) -> Option<String> {
    match p {
        syn::Pat::Ident(i) => Some(i.ident.to_string()),
        syn::Pat::Type(t) => pat_ident(&t.pat),
        _ => None,
    }
}

/// The attributes of the expressions that carry them in statement position.
fn expr_attrs(e: &Expr) -> &[Attribute] {
    match e {
        Expr::Block(b) => &b.attrs,
        Expr::MethodCall(m) => &m.attrs,
        Expr::Call(c) => &c.attrs,
        Expr::Assign(a) => &a.attrs,
        Expr::If(i) => &i.attrs,
        Expr::Macro(m) => &m.attrs,
        Expr::Match(m) => &m.attrs,
        Expr::Unsafe(u) => &u.attrs,
        _ => &[],
    }
}

/// Words of a runtime flag that says the branch runs in development only.
const DEV_WORDS: &[&str] = &[
    "dev",
    "devel",
    "development",
    "debug",
    "local",
    "localhost",
    "insecure",
    "danger",
    "dangerous",
    "testing",
];

/// Words of a runtime flag that says production.
const PROD_WORDS: &[&str] = &["prod", "production", "release"];

/// Words of a flag that says whether the server speaks HTTPS.
const TRANSPORT_WORDS: &[&str] = &["https", "tls", "ssl", "secure"];

fn has_word(ws: &[String], set: &[&str]) -> bool {
    ws.iter().any(|w| set.contains(&w.as_str()))
}

/// `cfg` predicate tokens that hold in debug or dev-feature builds only:
/// `debug_assertions`, `feature = "dev"` — not under `not(..)`.
fn cfg_dev(ts: TokenStream) -> bool {
    let mut negated = false;
    let mut prev_feature = false;
    for t in ts {
        match t {
            TokenTree::Ident(i) => {
                if i == "debug_assertions" {
                    return true;
                }
                prev_feature = i == "feature";
                negated = i == "not";
            }
            TokenTree::Literal(l) if prev_feature => {
                let s = l.to_string();
                if has_word(&words(s.trim_matches('"')), DEV_WORDS) {
                    return true;
                }
            }
            TokenTree::Group(g) => {
                if !negated && cfg_dev(g.stream()) {
                    return true;
                }
                negated = false;
                prev_feature = false;
            }
            TokenTree::Punct(_) => {}
            _ => {
                negated = false;
                prev_feature = false;
            }
        }
    }
    false
}

/// The gate `#[cfg(..)]` attributes put on an item, statement or expression.
pub fn attrs_gate(attrs: &[Attribute]) -> Gate {
    let dev = attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && matches!(&a.meta, syn::Meta::List(l) if cfg_dev(l.tokens.clone()))
    });
    Gate {
        dev_build: dev,
        ..Gate::NONE
    }
}

/// The words naming a condition's flag: the last identifiers of paths, fields and
/// method calls (`config.server.dev_mode` → `dev`, `mode`; `env.is_production()`).
fn flag_words(e: &Expr) -> Vec<String> {
    match peel(e) {
        Expr::Path(p) => p
            .path
            .segments
            .iter()
            .flat_map(|s| words(&s.ident.to_string()))
            .collect(),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => words(&n.to_string()),
            syn::Member::Unnamed(_) => Vec::new(),
        },
        Expr::MethodCall(m) => {
            let mut w = words(&m.method.to_string());
            if w.iter().all(|x| x == "is" || x == "enabled") {
                w.extend(flag_words(&m.receiver));
            }
            w
        }
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => p
                .path
                .segments
                .last()
                .map(|s| words(&s.ident.to_string()))
                .unwrap_or_default(),
            _ => Vec::new(),
        },
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => words(&s.value()),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Whether an item is compiled only into debug builds or with a development feature
/// (`#[cfg(debug_assertions)]`, `#[cfg(feature = "dev")]`): never part of a release build.
pub fn is_dev_build_item(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && matches!(&a.meta, syn::Meta::List(l) if cfg_dev(l.tokens.clone()))
    })
}

/// The gates of the two branches of `if cond`: (then, else).
pub fn cond_gate(cond: &Expr, depth: usize) -> (Gate, Gate) {
    if depth > 32 {
        return (Gate::NONE, Gate::NONE);
    }
    let dev_flag = Gate {
        dev_flag: true,
        ..Gate::NONE
    };
    let transport = Gate {
        transport: true,
        ..Gate::NONE
    };
    match peel(cond) {
        Expr::Macro(m) => {
            let name = m.mac.path.segments.last().map(|s| s.ident.to_string());
            match name.as_deref() {
                Some("cfg") => {
                    if cfg_dev(m.mac.tokens.clone()) {
                        (
                            Gate {
                                dev_build: true,
                                ..Gate::NONE
                            },
                            Gate::NONE,
                        )
                    } else if is_not_debug(m.mac.tokens.clone()) {
                        (
                            Gate::NONE,
                            Gate {
                                dev_build: true,
                                ..Gate::NONE
                            },
                        )
                    } else {
                        (Gate::NONE, Gate::NONE)
                    }
                }
                Some("matches") => {
                    let ws: Vec<String> = m
                        .mac
                        .tokens
                        .clone()
                        .into_iter()
                        .filter_map(|t| match t {
                            TokenTree::Ident(i) => Some(i.to_string()),
                            _ => None,
                        })
                        .flat_map(|s| words(&s))
                        .collect();
                    word_gate(&ws, dev_flag, transport)
                }
                _ => (Gate::NONE, Gate::NONE),
            }
        }
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
            let (t, e) = cond_gate(&u.expr, depth + 1);
            (e, t)
        }
        Expr::Binary(b) => match b.op {
            syn::BinOp::And(_) => {
                let (lt, le) = cond_gate(&b.left, depth + 1);
                let (rt, re) = cond_gate(&b.right, depth + 1);
                (lt.or(rt), le.and(re))
            }
            syn::BinOp::Or(_) => {
                let (lt, le) = cond_gate(&b.left, depth + 1);
                let (rt, re) = cond_gate(&b.right, depth + 1);
                (lt.and(rt), le.or(re))
            }
            syn::BinOp::Eq(_) | syn::BinOp::Ne(_) => {
                let mut ws = flag_words(&b.left);
                ws.extend(flag_words(&b.right));
                let (t, e) = word_gate(&ws, dev_flag, transport);
                if matches!(b.op, syn::BinOp::Ne(_)) {
                    (e, t)
                } else {
                    (t, e)
                }
            }
            _ => (Gate::NONE, Gate::NONE),
        },
        Expr::Let(_) => (Gate::NONE, Gate::NONE),
        e => word_gate(&flag_words(e), dev_flag, transport),
    }
}

fn word_gate(ws: &[String], dev_flag: Gate, transport: Gate) -> (Gate, Gate) {
    if has_word(ws, TRANSPORT_WORDS) {
        (transport, transport)
    } else if has_word(ws, DEV_WORDS) {
        (dev_flag, Gate::NONE)
    } else if has_word(ws, PROD_WORDS) {
        (Gate::NONE, dev_flag)
    } else {
        (Gate::NONE, Gate::NONE)
    }
}

/// `cfg!(not(debug_assertions))`.
fn is_not_debug(ts: TokenStream) -> bool {
    let toks: Vec<TokenTree> = ts.into_iter().collect();
    matches!(toks.as_slice(), [TokenTree::Ident(n), TokenTree::Group(g)]
        if n == "not" && g.stream().into_iter().any(|t| matches!(t, TokenTree::Ident(i) if i == "debug_assertions")))
}

/// A `match` arm pattern naming a development environment (`Env::Dev`, `"development"`).
pub fn pat_says_dev(p: &syn::Pat) -> bool {
    let ws: Vec<String> = match p {
        syn::Pat::Path(pp) => pp
            .path
            .segments
            .last()
            .map(|s| words(&s.ident.to_string()))
            .unwrap_or_default(),
        syn::Pat::Ident(i) if i.subpat.is_none() => {
            // A binding, not a variant, unless written like one.
            let s = i.ident.to_string();
            if crate::model::names::is_camel_case(&s) {
                words(&s)
            } else {
                Vec::new()
            }
        }
        syn::Pat::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => words(&s.value()),
            _ => Vec::new(),
        },
        syn::Pat::TupleStruct(t) => t
            .path
            .segments
            .last()
            .map(|s| words(&s.ident.to_string()))
            .unwrap_or_default(),
        syn::Pat::Or(o) => return o.cases.iter().all(pat_says_dev),
        _ => Vec::new(),
    };
    has_word(&ws, DEV_WORDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gates(src: &str) -> (Gate, Gate) {
        let e: Expr = syn::parse_str(src).unwrap();
        cond_gate(&e, 0)
    }

    #[test]
    fn conditions() {
        assert!(gates("cfg!(debug_assertions)").0.dev_build);
        assert!(gates("cfg!(not(debug_assertions))").1.dev_build);
        assert!(!gates("cfg!(not(debug_assertions))").0.dev_build);
        assert!(gates("config.dev_mode").0.dev_flag);
        assert!(gates("!config.is_production()").0.dev_flag);
        assert!(gates("env == Environment::Development").0.dev_flag);
        assert!(gates("env != Environment::Development").1.dev_flag);
        // `||` with a non-dev condition is not a gate.
        assert_eq!(
            gates("cfg!(debug_assertions) || origins.is_empty()").0,
            Gate::NONE
        );
        assert!(
            gates("cfg!(debug_assertions) && origins.is_empty()")
                .0
                .dev_build
        );
        assert!(gates("!state.https").1.transport);
        assert_eq!(gates("origins.is_empty()"), (Gate::NONE, Gate::NONE));
    }

    #[test]
    fn cfg_attributes() {
        let f: syn::ItemFn = syn::parse_str("#[cfg(debug_assertions)] fn a() {}").unwrap();
        assert!(attrs_gate(&f.attrs).dev_build);
        let f: syn::ItemFn = syn::parse_str("#[cfg(not(debug_assertions))] fn a() {}").unwrap();
        assert!(!attrs_gate(&f.attrs).dev_build);
        let f: syn::ItemFn = syn::parse_str("#[cfg(feature = \"dev-cors\")] fn a() {}").unwrap();
        assert!(attrs_gate(&f.attrs).dev_build);
        let f: syn::ItemFn = syn::parse_str("#[cfg(feature = \"metrics\")] fn a() {}").unwrap();
        assert!(!attrs_gate(&f.attrs).dev_build);
    }

    #[test]
    fn closures_and_bools() {
        let e: Expr = syn::parse_str("|_, _| true").unwrap();
        assert!(closure_always_true(&e));
        let e: Expr = syn::parse_str("|o, _| o.as_bytes().ends_with(b\".example.com\")").unwrap();
        assert!(!closure_always_true(&e));
        let e: Expr = syn::parse_str("Some(false)").unwrap();
        assert_eq!(lit_bool(&e), Some(false));
    }
}
