//! The per-file walk: one traversal of the syntax tree with a scope stack, dispatching
//! every expression and macro to the enabled rules' hooks.

use crate::config::Settings;
use crate::engine::cx::{Cx, FileMeta, ItemRef, MacroCache, MacroRef};
use crate::engine::facts::FileFacts;
use crate::engine::flow::Class;
use crate::engine::pattern::{pattern_names, typed_pattern_names};
use crate::engine::scope::{Binding, ElemPath, Mutation, MutationKind, Origin, ScopeKind, Scopes};
use crate::engine::source::SourceFile;
use crate::engine::usemap::UseMap;
use crate::model::sql::BUILDER_CLOSURE_METHODS;
use crate::model::values::ITER_ADAPTORS;
use crate::rules::Rule;
use syn::visit::{self, Visit};
use syn::{Expr, Macro};

pub struct Walker<'a, 'ast> {
    pub cx: Cx<'a, 'ast>,
    rules: &'a [&'a dyn Rule],
    /// The receiver of the iterator adaptor whose closure argument is being visited.
    closure_iter: Option<&'ast Expr>,
    /// Set while visiting the closure of `push_values(items, |b, item| ..)`: `items`.
    closure_values: Option<&'ast Expr>,
    /// Macros being visited inside one another.
    macro_depth: usize,
}

/// Macros nested deeper than this inside one another are not parsed: each parse reads
/// the whole body, nested macros included, so the cost grows with the square of the
/// nesting.
const MAX_MACRO_NESTING: usize = 32;

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
            cx: Cx::new(src, file, uses, facts, macros, settings, scopes),
            rules,
            closure_iter: None,
            closure_values: None,
            macro_depth: 0,
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
                part: pn.part,
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
                            part: pn.part,
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
                        part: false,
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
        self.cx.taint_exit_fn();
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
            // `#[cfg(feature = "test_mode")] let client = ..;`: a statement compiled only
            // for tests is test code.
            self.in_test_if(stmt_attrs(stmt), |w| w.visit_stmt(stmt));
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
        let taint = self.cx.taint_eval(value);
        self.cx.scopes.mutate(
            &name,
            Mutation {
                kind,
                value: Some(value),
                class,
                taint,
                span: syn::spanned::Spanned::span(value),
            },
        );
    }
}

/// The outer attributes of a statement (`#[cfg(..)] let x = ..;`, `#[cfg(..)] call();`);
/// an item's are its own business.
pub fn stmt_attrs(stmt: &syn::Stmt) -> &[syn::Attribute] {
    match stmt {
        syn::Stmt::Local(l) => &l.attrs,
        syn::Stmt::Macro(m) => &m.attrs,
        syn::Stmt::Expr(e, _) => expr_attrs(e),
        syn::Stmt::Item(_) => &[],
    }
}

/// The outer attributes of a statement's expression (`#[cfg(..)] call();`).
fn expr_attrs(e: &Expr) -> &[syn::Attribute] {
    match e {
        Expr::Call(x) => &x.attrs,
        Expr::MethodCall(x) => &x.attrs,
        Expr::Macro(x) => &x.attrs,
        Expr::Block(x) => &x.attrs,
        Expr::If(x) => &x.attrs,
        Expr::Match(x) => &x.attrs,
        Expr::Assign(x) => &x.attrs,
        Expr::Await(x) => &x.attrs,
        Expr::Try(x) => &x.attrs,
        Expr::ForLoop(x) => &x.attrs,
        Expr::While(x) => &x.attrs,
        Expr::Loop(x) => &x.attrs,
        _ => &[],
    }
}

/// Whether attributes mark test-only code: `#[test]`, `#[tokio::test]`, `#[rstest]`,
/// `#[sqlx::test]`, `#[cfg(test)]` (also inside `all(..)` and `any(..)`), and `#[cfg]`
/// on a feature that only tests enable (`feature = "testing"`, `feature = "test-utils"`).
pub fn is_test_item(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let last = a.path().segments.last().map(|s| s.ident.to_string());
        match last.as_deref() {
            Some("test" | "rstest" | "test_case" | "quickcheck" | "proptest") => true,
            Some("cfg") => match &a.meta {
                syn::Meta::List(l) => cfg_is_test(l.tokens.clone()),
                _ => false,
            },
            _ => false,
        }
    })
}

/// Whether a `cfg` predicate (`#[cfg(..)]`, `cfg!(..)`) holds only in tests or with a
/// test-only feature: `test`, `feature = "testing"`; `all(..)` when one of its parts
/// does, `any(..)` when every part does (`any(test, feature = "test-utils")`, not
/// `any(test, feature = "postgres")`); never `not(..)`.
pub fn cfg_is_test(ts: proc_macro2::TokenStream) -> bool {
    syn::parse2::<syn::Meta>(ts).is_ok_and(|m| cfg_meta_is_test(&m, 0))
}

fn cfg_meta_is_test(m: &syn::Meta, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match m {
        syn::Meta::Path(p) => p.is_ident("test"),
        syn::Meta::NameValue(nv) => {
            nv.path.is_ident("feature")
                && matches!(&nv.value, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. })
                    if crate::model::names::is_test_feature_name(&s.value()))
        }
        syn::Meta::List(l) => {
            let Ok(parts) = l.parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            ) else {
                return false;
            };
            if l.path.is_ident("all") {
                parts.iter().any(|p| cfg_meta_is_test(p, depth + 1))
            } else if l.path.is_ident("any") {
                !parts.is_empty() && parts.iter().all(|p| cfg_meta_is_test(p, depth + 1))
            } else {
                false
            }
        }
    }
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
        self.in_test_if(&f.attrs, |w| {
            w.check_fn(&f.attrs, &f.sig, &f.block);
            w.walk_fn(&f.sig, &f.block)
        });
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.in_test_if(&f.attrs, |w| {
            w.check_fn(&f.attrs, &f.sig, &f.block);
            w.walk_fn(&f.sig, &f.block)
        });
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        self.in_test_if(&i.attrs, |w| {
            w.cx.scopes.enter_impl(&i.self_ty);
            for r in w.rules {
                r.check_impl(&mut w.cx, i);
            }
            visit::visit_item_impl(w, i);
            w.cx.scopes.exit_impl();
        });
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.cx.taint.mods.push(m.ident.to_string());
        self.in_test_if(&m.attrs, |w| visit::visit_item_mod(w, m));
        self.cx.taint.mods.pop();
    }

    fn visit_item_const(&mut self, c: &'ast syn::ItemConst) {
        self.in_test_if(&c.attrs, |w| {
            w.check_item(ItemRef::Const(c));
            visit::visit_item_const(w, c)
        });
    }

    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        self.in_test_if(&s.attrs, |w| {
            w.check_item(ItemRef::Static(s));
            visit::visit_item_static(w, s)
        });
    }

    fn visit_impl_item_const(&mut self, c: &'ast syn::ImplItemConst) {
        self.in_test_if(&c.attrs, |w| {
            w.check_item(ItemRef::ImplConst(c));
            visit::visit_impl_item_const(w, c)
        });
    }

    fn visit_trait_item_const(&mut self, c: &'ast syn::TraitItemConst) {
        self.in_test_if(&c.attrs, |w| {
            w.check_item(ItemRef::TraitConst(c));
            visit::visit_trait_item_const(w, c)
        });
    }

    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        self.in_test_if(&s.attrs, |w| {
            w.check_item(ItemRef::Struct(s));
            visit::visit_item_struct(w, s)
        });
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(body) = &f.default {
            self.check_fn(&f.attrs, &f.sig, body);
            self.walk_fn(&f.sig, body);
        }
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.cx.scopes.push(ScopeKind::Block);
        self.visit_stmts(&b.stmts);
        self.cx.scopes.pop();
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        for r in self.rules {
            r.check_local(&mut self.cx, l);
        }
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
                    if let Some(name) = self.cx.facts.local_fn(&p.path) {
                        self.cx.record_call(&name, &c.args, false);
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
        self.cx.taint_expr(e);
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
        if self.macro_depth >= MAX_MACRO_NESTING {
            return;
        }
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
                                taint: self.cx.taint_eval_mac(m),
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
        self.macro_depth += 1;
        for e in parsed.exprs() {
            self.visit_expr(e);
        }
        self.macro_depth -= 1;
    }
}

impl<'a, 'ast> Walker<'a, 'ast> {
    fn check_fn(
        &mut self,
        attrs: &'ast [syn::Attribute],
        sig: &'ast syn::Signature,
        body: &'ast syn::Block,
    ) {
        for r in self.rules {
            r.check_fn(&mut self.cx, attrs, sig, body);
        }
        self.cx.taint_enter_fn(attrs, sig, body);
    }

    fn check_item(&mut self, item: ItemRef<'ast>) {
        for r in self.rules {
            r.check_item(&mut self.cx, item);
        }
    }

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
            part: false,
        });
    }
}
