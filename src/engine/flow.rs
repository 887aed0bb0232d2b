//! Value classification within a function: is a string value constant, bounded, or built
//! by interpolating something arbitrary? Follows `let` bindings, reassignments,
//! `push_str`/`+=`/`write!`, closures over iterators and `match` arms.
//!
//! The analysis is intra-procedural and deliberately conservative about what it calls
//! `Built`: only an interpolation it can see (`format!`, `+`, `push_str`, `join`, …) of a
//! value it cannot show to be constant or bounded.

use crate::engine::cx::MacroCache;
use crate::engine::facts::FileFacts;
use crate::engine::macros::{ArgRef, MacroKind};
use crate::engine::pattern::pattern_names;
use crate::engine::resolve::{declared_type, trace, unwrap_all, value_binding, At, Peel, Traced};
use crate::engine::scope::{Binding, ElemPath, MutationKind, Origin, Scopes};
use crate::engine::source::SourceFile;
use crate::model::names::{
    is_builder_output_method, is_camel_case, is_const_case, is_numeric_name,
    is_sql_escape_function, is_sql_identifier_name, is_static_str_method,
};
use crate::model::sql::SQL_ASSERTION_WRAPPERS;
use crate::model::types::{
    core_type_name, element_core_type_name, element_type, is_bounded, is_bounded_name, type_name,
};
use crate::model::values::{
    BOUNDED_METHODS, ELEMENT_PRESERVING_METHODS, GENERATED_VALUE_FNS, REPEAT_FNS,
    TRANSPARENT_METHODS,
};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Lit, ReturnType, Type, UnOp};

/// A condition under which an opaque value is in fact safe.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dep {
    /// The value is parameter `param` of function `func`, whose call sites (in this file,
    /// for a private function) all pass safe values.
    Param { func: String, param: String },
    /// The value is of type `0`, which is bounded (e.g. a fieldless enum) somewhere in
    /// the workspace.
    Type(String),
    /// The value is returned by function `0` of this file, whose returned text is safe.
    Returns(String),
    /// The value is parameter `param` of `func`, named like an SQL identifier (`table`,
    /// `column`): trusted unless a call site in this file passes a non-constant value.
    IdentParam { func: String, param: String },
}

/// Why a value is opaque: each opaque part (leaf) is safe if any of its alternatives
/// holds; `unconditional` parts can never be shown safe.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prov {
    pub unconditional: bool,
    pub leaves: Vec<Vec<Dep>>,
}

impl Prov {
    pub fn unconditional() -> Self {
        Prov {
            unconditional: true,
            leaves: Vec::new(),
        }
    }

    pub fn leaf(alternatives: Vec<Dep>) -> Self {
        if alternatives.is_empty() {
            return Prov::unconditional();
        }
        Prov {
            unconditional: false,
            leaves: vec![alternatives],
        }
    }

    fn merge(mut self, other: Prov) -> Prov {
        self.unconditional |= other.unconditional;
        if !self.unconditional {
            for l in other.leaves {
                if !self.leaves.contains(&l) && self.leaves.len() < 32 {
                    self.leaves.push(l);
                }
            }
        } else {
            self.leaves.clear();
        }
        self
    }
}

/// How a value was built from a part that is not known to be constant.
#[derive(Debug, Clone)]
pub struct Built {
    /// The interpolation: `format!`, `+`, `push_str`, `write!`, `join`, `concat`.
    pub via: &'static str,
    /// Source text of the non-constant part.
    pub culprit: String,
    /// Where the interpolation happens.
    pub span: Span,
    /// Why the interpolated part is opaque.
    pub prov: Prov,
    /// The conditions of the primary part alone (`prov` covers every part).
    pub own: Prov,
    /// Further interpolated parts merged into this value, each with its own conditions
    /// (reports name the first part that is not shown safe).
    pub more: Vec<Part>,
}

/// One interpolated part of a built value.
#[derive(Debug, Clone)]
pub struct Part {
    pub via: &'static str,
    pub culprit: String,
    pub span: Span,
    pub prov: Prov,
}

impl Built {
    /// Every interpolated part, the primary one first.
    pub fn parts(&self) -> Vec<Part> {
        let mut v = vec![Part {
            via: self.via,
            culprit: self.culprit.clone(),
            span: self.span,
            prov: self.own.clone(),
        }];
        v.extend(self.more.iter().cloned());
        v
    }
}

#[derive(Debug, Clone)]
pub enum Class {
    /// A literal, a constant, a bounded value (number, bool, enum), or built only from those.
    Safe,
    /// A value of unknown provenance, passed around as is.
    Opaque(Prov),
    /// A string built by interpolating a non-constant part.
    Built(Box<Built>),
}

impl Class {
    pub fn is_safe(&self) -> bool {
        matches!(self, Class::Safe)
    }

    /// Built from a part that no condition makes safe (nothing later can change the
    /// verdict, so evaluation may stop).
    pub fn is_certainly_built(&self) -> bool {
        matches!(self, Class::Built(b) if b.prov.unconditional)
    }

    /// An opaque value that no condition makes safe.
    pub fn opaque() -> Class {
        Class::Opaque(Prov::unconditional())
    }

    /// The worse of two classes (`Built` > `Opaque` > `Safe`). Of two `Built`, an
    /// unconditional one wins; conditions of the same kind are merged.
    pub fn join(self, other: Class) -> Class {
        match (self, other) {
            (Class::Built(a), Class::Built(b)) => {
                if a.prov.unconditional {
                    Class::Built(a)
                } else if b.prov.unconditional {
                    Class::Built(b)
                } else {
                    let mut a = a;
                    let b = *b;
                    a.prov = a.prov.clone().merge(b.prov.clone());
                    if a.more.len() < 16 {
                        a.more.push(Part {
                            via: b.via,
                            culprit: b.culprit,
                            span: b.span,
                            prov: b.own,
                        });
                        a.more.extend(b.more);
                    }
                    Class::Built(a)
                }
            }
            (b @ Class::Built(_), _) | (_, b @ Class::Built(_)) => b,
            (Class::Opaque(a), Class::Opaque(b)) => Class::Opaque(a.merge(b)),
            (o @ Class::Opaque(_), _) | (_, o @ Class::Opaque(_)) => o,
            _ => Class::Safe,
        }
    }
}

const MAX_DEPTH: u32 = 24;

pub struct Flow<'c, 'ast> {
    scopes: &'c Scopes<'ast>,
    facts: &'c FileFacts<'ast>,
    macros: &'c MacroCache<'ast>,
    src: &'c SourceFile,
    /// Names bound during the analysis itself (closure parameters, a binding's value
    /// so far while its mutations are replayed).
    env: Vec<(String, Class)>,
    /// The point at which names resolve (see [`crate::engine::resolve`]).
    horizon: At,
    depth: u32,
}

impl<'c, 'ast> Flow<'c, 'ast> {
    pub fn new(
        scopes: &'c Scopes<'ast>,
        facts: &'c FileFacts<'ast>,
        macros: &'c MacroCache<'ast>,
        src: &'c SourceFile,
    ) -> Self {
        Flow {
            scopes,
            facts,
            macros,
            src,
            env: Vec::new(),
            horizon: At::HERE,
            depth: 0,
        }
    }

    /// Source text of an expression, on one line and shortened for messages.
    pub fn text(&self, span: Span) -> String {
        let raw = self.src.snippet(span);
        let mut s: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.is_empty() {
            s = "…".into();
        }
        if s.chars().count() > 60 {
            s = s.chars().take(57).collect::<String>() + "…";
        }
        s
    }

    fn built(&self, via: &'static str, culprit: String, span: Span, prov: Prov) -> Class {
        Class::Built(Box::new(Built {
            via,
            culprit,
            span,
            own: prov.clone(),
            prov,
            more: Vec::new(),
        }))
    }

    /// Turns the class of an interpolated part into the class of the result.
    fn interpolate(
        &self,
        part: Class,
        via: &'static str,
        culprit: impl FnOnce() -> String,
        span: Span,
    ) -> Class {
        match part {
            Class::Safe => Class::Safe,
            Class::Opaque(prov) => self.built(via, culprit(), span, prov),
            b @ Class::Built(_) => b,
        }
    }

    fn bounded_type(&self, ty: &Type) -> bool {
        is_bounded(ty, &|n| self.facts.fieldless_enums.contains(n))
    }

    /// Whether generic arguments name a bounded type (a number, a fieldless enum) and
    /// nothing else but inferred ones: `::<u64>`, `::<i64, _>`.
    fn turbofish_bounded(&self, args: &syn::AngleBracketedGenericArguments) -> bool {
        let mut any = false;
        for a in &args.args {
            match a {
                syn::GenericArgument::Type(Type::Infer(_)) => {}
                syn::GenericArgument::Type(ty) if self.bounded_type(ty) => any = true,
                syn::GenericArgument::Lifetime(_) => {}
                _ => return false,
            }
        }
        any
    }

    /// The class of a name in the current scope.
    pub fn name_class(&mut self, name: &str) -> Class {
        if let Some((_, c)) = self.env.iter().rev().find(|(n, _)| n == name) {
            return c.clone();
        }
        let scopes = self.scopes;
        if let Some(b) = value_binding(scopes, name, self.horizon) {
            // A local's own name is not evidence: its value's flow is followed instead
            // (parameters are judged by name in `binding_class`, as flow ends there).
            return self.binding_class(b);
        }
        if self.facts.consts.contains(name) || is_const_case(name) || is_sql_identifier_name(name) {
            return Class::Safe;
        }
        Class::opaque()
    }

    fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            return false;
        }
        self.depth += 1;
        true
    }

    /// The class of a binding's current value (initializer plus every mutation so far).
    pub fn binding_class(&mut self, b: &Binding<'ast>) -> Class {
        if !self.enter() {
            return Class::opaque();
        }
        // The binding's value is computed where it was declared: names bound since
        // (closure parameters bound by the analysis included) are not visible there.
        let saved = std::mem::replace(&mut self.horizon, b.at());
        let env = std::mem::take(&mut self.env);
        let c = self.binding_class_inner(b);
        self.env = env;
        self.horizon = saved;
        self.depth -= 1;
        c
    }

    fn binding_class_inner(&mut self, b: &Binding<'ast>) -> Class {
        if b.ty.is_some_and(|t| self.bounded_type(t)) {
            return Class::Safe;
        }
        let mut acc = match b.origin {
            Origin::Const => return Class::Safe,
            Origin::Param => {
                return if is_sql_identifier_name(&b.name) {
                    self.ident_param(b)
                } else {
                    Class::Opaque(self.param_prov(b, false))
                }
            }
            Origin::BuilderParam => return Class::opaque(),
            Origin::ClosureParam => {
                return match b.ty.and_then(core_type_name) {
                    Some(t) => Class::Opaque(Prov::leaf(vec![Dep::Type(t)])),
                    None => Class::opaque(),
                }
            }
            Origin::Let(None) => Class::Safe,
            Origin::Let(Some(init)) => self.class(init),
            Origin::Element(iter, path) => self.elem_class_at(iter, path),
            Origin::Destructure(src) => self.class(src),
        };
        for m in &b.mutations {
            let part = m.class.clone();
            let next = match m.kind {
                MutationKind::Assign | MutationKind::Write => part,
                MutationKind::Append | MutationKind::Push => {
                    let via = if m.kind == MutationKind::Append {
                        "+="
                    } else {
                        "push_str"
                    };
                    let at = m.value.map_or(m.span, |v| v.span());
                    self.interpolate(part, via, || self.text(at), at)
                }
            };
            acc = acc.join(next);
        }
        acc
    }

    /// A parameter named like an SQL identifier: safe unless its callers in this file say
    /// otherwise.
    fn ident_param(&self, b: &Binding<'ast>) -> Class {
        match self.scopes.current_fn() {
            Some(f) => Class::Opaque(Prov::leaf(vec![Dep::IdentParam {
                func: f.to_string(),
                param: b.name.clone(),
            }])),
            None => Class::Safe,
        }
    }

    /// Why a parameter (or, with `elem`, each of its elements) may be safe after all: its
    /// function's call sites all pass safe values, or its type is bounded elsewhere in the
    /// workspace.
    fn param_prov(&self, b: &Binding<'ast>, elem: bool) -> Prov {
        let mut alts = Vec::new();
        if let Some(f) = self.scopes.current_fn() {
            alts.push(Dep::Param {
                func: f.to_string(),
                param: b.name.clone(),
            });
        }
        let t = if elem {
            b.ty.and_then(element_core_type_name)
        } else {
            b.ty.and_then(core_type_name)
        };
        if let Some(t) = t {
            alts.push(Dep::Type(t));
        }
        Prov::leaf(alts)
    }

    /// The class of the elements of a binding holding a collection.
    fn binding_elem_class(&mut self, b: &Binding<'ast>, path: ElemPath) -> Class {
        if !self.enter() {
            return Class::opaque();
        }
        let saved = std::mem::replace(&mut self.horizon, b.at());
        let env = std::mem::take(&mut self.env);
        let mut acc = if let Some(elem) = b.ty.and_then(element_type) {
            if self.bounded_type(elem) {
                Class::Safe
            } else if matches!(b.origin, Origin::Param) {
                Class::Opaque(self.param_prov(b, true))
            } else {
                self.origin_elem_class(b, path)
            }
        } else {
            self.origin_elem_class(b, path)
        };
        if matches!(acc, Class::Opaque(_)) && is_sql_identifier_name(&b.name) {
            acc = if matches!(b.origin, Origin::Param) {
                self.ident_param(b)
            } else {
                Class::Safe
            };
        }
        for m in &b.mutations {
            acc = acc.join(m.class.clone());
        }
        self.env = env;
        self.horizon = saved;
        self.depth -= 1;
        acc
    }

    fn origin_elem_class(&mut self, b: &Binding<'ast>, path: ElemPath) -> Class {
        match b.origin {
            Origin::Const => Class::Safe,
            Origin::Param => Class::Opaque(self.param_prov(b, true)),
            Origin::ClosureParam | Origin::BuilderParam => Class::opaque(),
            Origin::Let(None) => Class::Safe,
            Origin::Let(Some(init)) => self.elem_class_at(init, path),
            Origin::Element(iter, p) => {
                // An element that is itself a collection: elements of elements.
                let _ = p;
                self.elem_class_at(iter, path)
            }
            Origin::Destructure(src) => self.elem_class_at(src, path),
        }
    }

    /// The class of a value.
    pub fn class(&mut self, e: &'ast Expr) -> Class {
        if !self.enter() {
            return Class::opaque();
        }
        let c = self.class_inner(e);
        self.depth -= 1;
        c
    }

    fn class_inner(&mut self, e: &'ast Expr) -> Class {
        match e {
            Expr::Lit(_) => Class::Safe,
            Expr::Path(p) => {
                let segs = &p.path.segments;
                if segs.len() == 1 && p.qself.is_none() {
                    let name = segs[0].ident.to_string();
                    return self.name_class(&name);
                }
                let last = segs.last().map(|s| s.ident.to_string()).unwrap_or_default();
                if is_const_case(&last) || is_camel_case(&last) || is_sql_identifier_name(&last) {
                    Class::Safe
                } else {
                    Class::opaque()
                }
            }
            Expr::Reference(r) => self.class(&r.expr),
            Expr::Paren(p) => self.class(&p.expr),
            Expr::Group(g) => self.class(&g.expr),
            Expr::Unary(u) => match u.op {
                UnOp::Deref(_) => self.class(&u.expr),
                _ => Class::Safe,
            },
            Expr::Cast(c) => {
                if self.bounded_type(&c.ty) {
                    Class::Safe
                } else {
                    self.class(&c.expr)
                }
            }
            Expr::Binary(b) => self.binary_class(b),
            Expr::Macro(m) => self.macro_class(&m.mac),
            Expr::Call(c) => self.call_class(c),
            Expr::MethodCall(m) => self.method_class(m),
            Expr::Field(f) => self.field_class(f),
            Expr::Index(i) => self.elem_class_at(&i.expr, ElemPath::default()),
            Expr::If(i) => {
                let a = self.block_class(&i.then_branch);
                let b = match &i.else_branch {
                    Some((_, e)) => self.class(e),
                    None => Class::Safe,
                };
                a.join(b)
            }
            Expr::Match(m) => {
                let mut acc = Class::Safe;
                for arm in &m.arms {
                    let c = self.with_pattern(&arm.pat, &m.expr, |f| f.class(&arm.body));
                    acc = acc.join(c);
                    if acc.is_certainly_built() {
                        break;
                    }
                }
                acc
            }
            Expr::Block(b) => self.block_class(&b.block),
            Expr::Unsafe(b) => self.block_class(&b.block),
            Expr::Tuple(t) => self.join_all(t.elems.iter()),
            Expr::Array(a) => self.join_all(a.elems.iter()),
            Expr::Try(t) => self.class(&t.expr),
            Expr::Range(_) | Expr::Closure(_) => Class::Safe,
            Expr::Return(_) | Expr::Break(_) | Expr::Continue(_) => Class::Safe,
            _ => Class::opaque(),
        }
    }

    fn join_all<'e>(&mut self, it: impl Iterator<Item = &'ast Expr>) -> Class {
        let mut acc = Class::Safe;
        for e in it {
            acc = acc.join(self.class(e));
            if acc.is_certainly_built() {
                break;
            }
        }
        acc
    }

    fn block_class(&mut self, b: &'ast syn::Block) -> Class {
        match b.stmts.last() {
            Some(syn::Stmt::Expr(e, None)) => self.class(e),
            Some(syn::Stmt::Macro(m)) if m.semi_token.is_none() => self.macro_class(&m.mac),
            _ => Class::Safe,
        }
    }

    /// Binds the names of `pat` (matched against `scrutinee`) for the analysis of `f`.
    fn with_pattern(
        &mut self,
        pat: &'ast syn::Pat,
        scrutinee: &'ast Expr,
        f: impl FnOnce(&mut Self) -> Class,
    ) -> Class {
        let names = pattern_names(pat);
        if names.is_empty() {
            return f(self);
        }
        let base = self.class(scrutinee);
        let n = names.len();
        for pn in names {
            let c = match pn.ty {
                Some(t) if self.bounded_type(t) => Class::Safe,
                _ => base.clone(),
            };
            self.env.push((pn.ident.to_string(), c));
        }
        let c = f(self);
        self.env.truncate(self.env.len() - n);
        c
    }

    fn is_stringy(&mut self, e: &'ast Expr) -> bool {
        match e {
            Expr::Lit(l) => matches!(l.lit, Lit::Str(_)),
            Expr::Macro(m) => m
                .mac
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "format" || s.ident == "concat"),
            Expr::MethodCall(m) => {
                matches!(
                    m.method.to_string().as_str(),
                    "to_string" | "to_owned" | "as_str"
                ) || (m.method == "clone" && self.is_stringy(&m.receiver))
            }
            Expr::Reference(r) => self.is_stringy(&r.expr),
            Expr::Paren(p) => self.is_stringy(&p.expr),
            Expr::Binary(b) => self.is_stringy(&b.left) || self.is_stringy(&b.right),
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => p.path.segments.iter().any(|s| s.ident == "String"),
                _ => false,
            },
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                match self.scopes.resolve(&name, self.horizon) {
                    Some(b) => {
                        b.ty.is_some_and(crate::model::types::is_string)
                            || match b.origin {
                                Origin::Let(Some(init)) => {
                                    if !self.enter() {
                                        return false;
                                    }
                                    let saved = std::mem::replace(&mut self.horizon, b.at());
                                    let r = self.is_stringy(init);
                                    self.horizon = saved;
                                    self.depth -= 1;
                                    r
                                }
                                _ => false,
                            }
                    }
                    None => false,
                }
            }
            _ => false,
        }
    }

    fn binary_class(&mut self, b: &'ast syn::ExprBinary) -> Class {
        if !matches!(b.op, BinOp::Add(_)) {
            return Class::Safe;
        }
        let l = self.class(&b.left);
        let r = self.class(&b.right);
        if l.is_safe() && r.is_safe() {
            return Class::Safe;
        }
        let stringy = self.is_stringy(&b.left) || self.is_stringy(&b.right);
        if !stringy {
            // `offset + limit`: numeric or unknown, but nothing shows string building.
            return l.join(r);
        }
        let span = b.span();
        let _ = span;
        let lc = self.interpolate(l, "+", || self.text(b.left.span()), b.left.span());
        let rc = self.interpolate(r, "+", || self.text(b.right.span()), b.right.span());
        lc.join(rc)
    }

    /// The class of a formatting macro's output.
    pub fn format_class(
        &mut self,
        fa: &'ast crate::engine::macros::FormatArgs,
        via: &'static str,
        span: Span,
    ) -> Class {
        if fa.fmt.is_none() {
            // A non-literal format string (`format!(concat!(..), ..)` or a value): the
            // arguments decide.
            let mut acc = Class::Safe;
            for a in &fa.args {
                let c = self.class(&a.expr);
                acc = acc.join(self.interpolate(c, via, || self.text(a.expr.span()), span));
            }
            return acc;
        }
        let mut acc = Class::Safe;
        let mut done_captures: Vec<&str> = Vec::new();
        // `{:032x}`, `{:o}`, `{:e}`: digits whatever the value (a hex trace id).
        let numeric: Vec<bool> = fa
            .fmt
            .as_ref()
            .map(|f| {
                crate::engine::macros::scan_format_string(&f.value())
                    .iter()
                    .map(|r| r.numeric)
                    .collect()
            })
            .unwrap_or_default();
        for (i, p) in fa.placeholders.iter().enumerate() {
            if numeric.get(i).copied().unwrap_or(false) {
                continue;
            }
            let c = match &p.arg {
                ArgRef::Arg(i) => match fa.args.get(*i) {
                    Some(a) => {
                        let c = self.class(&a.expr);
                        self.interpolate(c, via, || self.text(a.expr.span()), span)
                    }
                    None => Class::Safe,
                },
                ArgRef::Capture(name) => {
                    if done_captures.contains(&name.as_str()) {
                        continue;
                    }
                    done_captures.push(name);
                    let c = self.name_class(name);
                    self.interpolate(c, via, || name.clone(), span)
                }
            };
            acc = acc.join(c);
            if acc.is_certainly_built() {
                break;
            }
        }
        acc
    }

    fn macro_class(&mut self, mac: &'ast syn::Macro) -> Class {
        let parsed = self.macros.get(mac);
        match parsed.name.as_str() {
            "format" | "format_args" => match &parsed.kind {
                MacroKind::Format(fa) => self.format_class(fa, "format!", fa.span),
                _ => Class::opaque(),
            },
            "concat" => match &parsed.kind {
                MacroKind::Exprs(v) => {
                    let mut acc = Class::Safe;
                    for e in v {
                        let c = self.class(e);
                        acc = acc.join(self.interpolate(
                            c,
                            "concat!",
                            || self.text(e.span()),
                            mac.span(),
                        ));
                    }
                    acc
                }
                _ => Class::Safe,
            },
            "stringify" | "include_str" | "env" | "file" | "line" | "column" | "module_path"
            | "option_env" => Class::Safe,
            "vec" => match &parsed.kind {
                MacroKind::Exprs(v) => self.join_all(v.iter()),
                _ => Class::opaque(),
            },
            _ => Class::opaque(),
        }
    }

    fn call_class(&mut self, c: &'ast syn::ExprCall) -> Class {
        let Expr::Path(p) = &*c.func else {
            return Class::opaque();
        };
        // A generic function told to produce a number (`rand::random::<u64>()`), or a
        // function of a numeric type named through a qualified path (`<i64 as From<u8>>::from`).
        if p.path.segments.last().is_some_and(|s| match &s.arguments {
            syn::PathArguments::AngleBracketed(a) => self.turbofish_bounded(a),
            _ => false,
        }) || p.qself.as_ref().is_some_and(|q| self.bounded_type(&q.ty))
        {
            return Class::Safe;
        }
        let segs = crate::engine::usemap::path_names(&p.path);
        let last = segs.last().map(String::as_str).unwrap_or("");
        let owner = segs
            .len()
            .checked_sub(2)
            .and_then(|i| segs.get(i))
            .map(String::as_str);
        match (owner, last) {
            (
                Some("String" | "Cow" | "Box" | "Rc" | "Arc" | "str"),
                "from" | "from_str" | "new",
            )
            | (None, "Some" | "Ok" | "Cow" | "Borrowed" | "Owned")
            | (Some("Cow"), "Borrowed" | "Owned") => {
                return c.args.first().map_or(Class::Safe, |a| self.class(a));
            }
            (Some("String" | "Vec"), "new" | "with_capacity" | "default") => return Class::Safe,
            // A conversion into a bounded type: `char::from(b)`, `i64::try_from(n)`.
            (Some(t), _) if is_bounded_name(t) || self.facts.fieldless_enums.contains(t) => {
                return Class::Safe
            }
            // sqlx's `AssertSqlSafe(sql)` asserts, it does not sanitize: look through it.
            (_, f) if SQL_ASSERTION_WRAPPERS.contains(&f) => {
                return c.args.first().map_or(Class::Safe, |a| self.class(a));
            }
            // Clocks and identifiers generated by the program.
            (Some(_), f) if GENERATED_VALUE_FNS.contains(&f) => return Class::Safe,
            _ => {}
        }
        if is_sql_identifier_name(last) || is_camel_case(last) && segs.len() == 1 {
            // `table_name()`, or a tuple-struct / enum constructor.
            if is_sql_identifier_name(last) {
                return Class::Safe;
            }
            return self.join_all(c.args.iter());
        }
        if self.returns_bounded(last) || is_sql_escape_function(last) {
            return Class::Safe;
        }
        if self.facts.local_fn(&p.path).is_some() {
            return self.local_return(last);
        }
        Class::opaque()
    }

    /// The value returned by a text-returning function of this file: opaque until its
    /// return summary is known (end of file).
    fn local_return(&self, func: &str) -> Class {
        if self.facts.text_returns.contains(func) {
            Class::Opaque(Prov::leaf(vec![Dep::Returns(func.to_string())]))
        } else {
            Class::opaque()
        }
    }

    /// The parameter of the current function that `e` is, as is (through references,
    /// transparent methods such as `as_str()`, and `let` bindings that are not changed
    /// afterwards).
    pub fn param_of(&self, e: &'ast Expr) -> Option<String> {
        match trace(self.scopes, e, self.horizon, Peel::Transparent) {
            Traced::Binding(b) if matches!(b.origin, Origin::Param) && b.mutations.is_empty() => {
                Some(b.name.clone())
            }
            _ => None,
        }
    }

    /// Whether `e` is a tracing span context: the value of `.span_context()`, or a binding
    /// declared as a `SpanContext`.
    fn is_span_context(&self, e: &'ast Expr) -> bool {
        match trace(self.scopes, e, self.horizon, Peel::Transparent) {
            Traced::Expr(Expr::MethodCall(m), _) => m.method == "span_context" && m.args.is_empty(),
            Traced::Binding(b) => {
                b.ty.and_then(core_type_name)
                    .is_some_and(|t| t == "SpanContext")
            }
            _ => false,
        }
    }

    /// The local function whose returned value `e` is (through references, `as_str()`,
    /// `?`, and `let` bindings that are not changed afterwards).
    pub fn returned_by_local_call(&self, e: &'ast Expr) -> Option<String> {
        let (mut e, mut at) = (e, self.horizon);
        for _ in 0..crate::engine::resolve::MAX_STEPS {
            let (end, end_at) = trace(self.scopes, e, at, Peel::Transparent).expr()?;
            match end {
                Expr::Try(t) => {
                    (e, at) = (&t.expr, end_at);
                    continue;
                }
                Expr::MethodCall(m) if matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident("self")) =>
                {
                    let name = m.method.to_string();
                    return self.facts.text_returns.contains(&name).then_some(name);
                }
                Expr::Call(c) => {
                    let Expr::Path(p) = &*c.func else { return None };
                    let name = self.facts.local_fn(&p.path)?;
                    return self.facts.text_returns.contains(&name).then_some(name);
                }
                _ => return None,
            }
        }
        None
    }

    /// Whether a function of this file with this name returns a bounded value or a
    /// `&'static str`.
    fn returns_bounded(&self, name: &str) -> bool {
        let Some(ReturnType::Type(_, ty)) = self.facts.fn_returns.get(name).copied() else {
            return false;
        };
        if let Type::Reference(r) = &**ty {
            if r.lifetime.as_ref().is_some_and(|l| l.ident == "static")
                && type_name(&r.elem).is_some_and(|s| s.ident == "str")
            {
                return true;
            }
        }
        self.bounded_type(ty)
    }

    fn method_class(&mut self, m: &'ast syn::ExprMethodCall) -> Class {
        let name = m.method.to_string();
        let name = name.as_str();
        if BOUNDED_METHODS.contains(&name) {
            return Class::Safe;
        }
        // A tracing span context's ids (`span_context.trace_id()`): typed ids printed as
        // fixed-width hex, whatever the request carried.
        if matches!(name, "trace_id" | "span_id" | "trace_flags")
            && m.args.is_empty()
            && self.is_span_context(&m.receiver)
        {
            return Class::Safe;
        }
        if TRANSPARENT_METHODS.contains(&name) {
            return self.class(&m.receiver);
        }
        // A generic method told to produce a number: `s.parse::<i64>()`,
        // `rng.gen::<u32>()`, `row.get::<i64, _>(0)`.
        if m.turbofish
            .as_ref()
            .is_some_and(|t| self.turbofish_bounded(t))
        {
            return Class::Safe;
        }
        match name {
            "unwrap_or" | "unwrap_or_else" | "or" | "or_else" | "replace" | "replacen"
            | "map_or" | "format" | "to_rfc2822" | "date" | "time" | "date_naive" => {
                let mut acc = self.class(&m.receiver);
                for a in &m.args {
                    if !matches!(a, Expr::Closure(_)) {
                        acc = acc.join(self.class(a));
                    }
                }
                acc
            }
            // `s.parse::<i64>()`: a number (or an error).
            "parse" => Class::opaque(),
            // A random number drawn from a range: as safe as the range's ends.
            "gen_range" | "random_range" => self.join_all(m.args.iter()),
            "join" | "concat" => {
                let elems = self.elem_class_at(&m.receiver, ElemPath::default());
                self.interpolate(elems, "join", || self.text(m.receiver.span()), m.span())
            }
            _ => {
                let on_self = matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident("self"));
                if is_sql_identifier_name(name)
                    || is_static_str_method(name)
                    || is_numeric_name(name)
                    || self.returns_bounded(name)
                    || (is_builder_output_method(name) && !on_self)
                    || is_sql_escape_function(name)
                {
                    Class::Safe
                } else if on_self {
                    self.local_return(name)
                } else {
                    // A method of a value, given only constants, is as safe as the value
                    // (`mode.sqlite_keyword()` on a fieldless enum).
                    let args_safe = m
                        .args
                        .iter()
                        .all(|a| matches!(a, Expr::Closure(_)) || self.class(a).is_safe());
                    match self.class(&m.receiver) {
                        Class::Safe if args_safe => Class::Safe,
                        Class::Opaque(p) if args_safe && !p.unconditional => Class::Opaque(p),
                        _ => Class::opaque(),
                    }
                }
            }
        }
    }

    fn field_class(&mut self, f: &'ast syn::ExprField) -> Class {
        let syn::Member::Named(field) = &f.member else {
            // `pair.0`: a tuple element.
            return match self.class(&f.base) {
                Class::Safe => Class::Safe,
                Class::Opaque(p) => Class::Opaque(p),
                Class::Built(_) => Class::opaque(),
            };
        };
        let field = field.to_string();
        if is_sql_identifier_name(&field) || is_const_case(&field) {
            return Class::Safe;
        }
        if let Some(ty) = self.field_type(&f.base, &field) {
            if self.bounded_type(ty) {
                return Class::Safe;
            }
            return match core_type_name(ty) {
                Some(t) => Class::Opaque(Prov::leaf(vec![Dep::Type(t)])),
                None => Class::opaque(),
            };
        }
        if is_numeric_name(&field) {
            return Class::Safe;
        }
        if let Some(t) = self.base_type_name(&f.base) {
            if !self.facts.structs.contains_key(&t) {
                // A struct declared in another file: its field's type is known at the end
                // of the run.
                return Class::Opaque(Prov::leaf(vec![Dep::Type(format!("{t}.{field}"))]));
            }
        }
        // A field of a value is as safe as the value (a constant struct, a parameter
        // whose callers pass constants).
        match self.class(&f.base) {
            Class::Safe => Class::Safe,
            Class::Opaque(p) if !p.unconditional => Class::Opaque(p),
            _ => Class::opaque(),
        }
    }
    /// The declared type of a local or of `self` (the enclosing `impl`'s type).
    fn base_type(&self, base: &Expr) -> Option<&'ast Type> {
        let Expr::Path(p) = unwrap_all(base, Peel::Syntax) else {
            return None;
        };
        let name = p.path.get_ident()?.to_string();
        if name == "self" {
            self.scopes.self_ty()
        } else {
            declared_type(self.scopes, &name, self.horizon)
        }
    }

    /// The name of the declared type of a local or `self`.
    fn base_type_name(&self, base: &Expr) -> Option<String> {
        core_type_name(self.base_type(base)?)
    }

    /// The declared type of `base.field` when `base`'s type is a struct of this file.
    fn field_type(&self, base: &Expr, field: &str) -> Option<&'ast Type> {
        let seg = type_name(self.base_type(base)?)?;
        self.facts.field_type(&seg.ident.to_string(), field)
    }

    /// The class of the elements of a collection or iterator, at a tuple position.
    pub fn elem_class_at(&mut self, e: &'ast Expr, path: ElemPath) -> Class {
        if !self.enter() {
            return Class::opaque();
        }
        let c = self.elem_inner(e, path);
        self.depth -= 1;
        c
    }

    fn elem_inner(&mut self, e: &'ast Expr, path: ElemPath) -> Class {
        match e {
            Expr::Range(_) => Class::Safe,
            Expr::Array(a) => self.join_all(a.elems.iter()),
            Expr::Tuple(t) => match path.first() {
                Some(i) => t.elems.iter().nth(i).map_or(Class::Safe, |x| self.class(x)),
                None => self.join_all(t.elems.iter()),
            },
            Expr::Reference(r) => self.elem_class_at(&r.expr, path),
            // `let (clause, pattern) = match x { A => (" AND a = $2", ..), _ => ("", ..) };`:
            // a tuple position of each branch's value. A branch that leaves (`return`,
            // `continue`) gives nothing.
            Expr::Match(m) if path.first().is_some() => {
                let mut c = Class::Safe;
                for arm in &m.arms {
                    c = c.join(self.elem_class_at(&arm.body, path));
                }
                c
            }
            Expr::If(i) if path.first().is_some() => {
                let then = self.block_elem(&i.then_branch, path);
                match &i.else_branch {
                    Some((_, e)) => then.join(self.elem_class_at(e, path)),
                    None => then,
                }
            }
            Expr::Block(b) if path.first().is_some() => self.block_elem(&b.block, path),
            Expr::Return(_) | Expr::Continue(_) | Expr::Break(_) if path.first().is_some() => {
                Class::Safe
            }
            Expr::Paren(p) => self.elem_class_at(&p.expr, path),
            Expr::Group(g) => self.elem_class_at(&g.expr, path),
            Expr::Try(t) => self.elem_class_at(&t.expr, path),
            Expr::Lit(_) => Class::Safe,
            Expr::Path(p) => {
                let segs = &p.path.segments;
                if segs.len() == 1 {
                    let name = segs[0].ident.to_string();
                    if let Some((_, c)) = self.env.iter().rev().find(|(n, _)| *n == name) {
                        return c.clone();
                    }
                    let scopes = self.scopes;
                    if let Some(b) = value_binding(scopes, &name, self.horizon) {
                        return self.binding_elem_class(b, path);
                    }
                    if self.facts.consts.contains(&name) || is_const_case(&name) {
                        return Class::Safe;
                    }
                    if is_sql_identifier_name(&name) {
                        return Class::Safe;
                    }
                    return Class::opaque();
                }
                let last = segs.last().map(|s| s.ident.to_string()).unwrap_or_default();
                if is_const_case(&last) || is_sql_identifier_name(&last) {
                    Class::Safe
                } else {
                    Class::opaque()
                }
            }
            Expr::Macro(m) => {
                let parsed = self.macros.get(&m.mac);
                match (&parsed.name[..], &parsed.kind) {
                    ("vec", MacroKind::Exprs(v)) => self.join_all(v.iter()),
                    _ => self.class(e),
                }
            }
            Expr::Call(c) => {
                if let Expr::Path(p) = &*c.func {
                    let last = p.path.segments.last().map(|s| s.ident.to_string());
                    // `std::iter::repeat("?")`, `repeat_n(x, n)`: elements are `x`.
                    if last.as_deref().is_some_and(|f| REPEAT_FNS.contains(&f)) {
                        return c.args.first().map_or(Class::Safe, |a| self.class(a));
                    }
                    if matches!(last.as_deref(), Some("new" | "with_capacity" | "default"))
                        && c.args.iter().all(|a| matches!(a, Expr::Lit(_)))
                    {
                        return Class::Safe;
                    }
                }
                Class::opaque()
            }
            Expr::Field(f) => {
                if let syn::Member::Named(field) = &f.member {
                    let field = field.to_string();
                    if is_const_case(&field) || is_sql_identifier_name(&field) {
                        return Class::Safe;
                    }
                    if let Some(ty) = self.field_type(&f.base, &field) {
                        if element_type(ty).is_some_and(|t| self.bounded_type(t)) {
                            return Class::Safe;
                        }
                    }
                }
                Class::opaque()
            }
            Expr::MethodCall(m) => self.method_elem(m, path),
            _ => self.class(e),
        }
    }

    /// A tuple position of a block's value (its tail expression).
    fn block_elem(&mut self, b: &'ast syn::Block, path: ElemPath) -> Class {
        match b.stmts.last() {
            Some(syn::Stmt::Expr(e, None)) => self.elem_class_at(e, path),
            _ => Class::opaque(),
        }
    }

    fn method_elem(&mut self, m: &'ast syn::ExprMethodCall, path: ElemPath) -> Class {
        let name = m.method.to_string();
        match name.as_str() {
            "enumerate" => match path.first() {
                Some(0) => Class::Safe,
                Some(_) => self.elem_class_at(&m.receiver, path.rest()),
                None => self.elem_class_at(&m.receiver, path),
            },
            "zip" => match (path.first(), m.args.first()) {
                (Some(0), _) => self.elem_class_at(&m.receiver, path.rest()),
                (Some(_), Some(a)) => self.elem_class_at(a, path.rest()),
                _ => self.elems_of_both(m, path),
            },
            "chain" | "extend" => self.elems_of_both(m, path),
            "map" | "filter_map" | "flat_map" | "map_while" => match m.args.first() {
                Some(Expr::Closure(c)) => self.closure_result(c, &m.receiver),
                Some(other) => {
                    // `.map(Self::quote)` / `.map(ToString::to_string)`
                    let f = self.class(other);
                    let r = self.elem_class_at(&m.receiver, ElemPath::default());
                    if let Expr::Path(p) = other {
                        let last = p.path.segments.last().map(|s| s.ident.to_string());
                        if matches!(
                            last.as_deref(),
                            Some("to_string" | "to_owned" | "from" | "into")
                        ) {
                            return r;
                        }
                    }
                    f.join(r).join(Class::opaque())
                }
                None => Class::opaque(),
            },
            "split" | "split_whitespace" | "lines" | "chars" => self.class(&m.receiver),
            n if ELEMENT_PRESERVING_METHODS.contains(&n) => self.elem_class_at(&m.receiver, path),
            _ => match self.method_class(m) {
                Class::Safe => Class::Safe,
                c => c.join(Class::opaque()),
            },
        }
    }

    /// The elements of a receiver and of its first argument together.
    fn elems_of_both(&mut self, m: &'ast syn::ExprMethodCall, path: ElemPath) -> Class {
        let a = self.elem_class_at(&m.receiver, path);
        let b = m
            .args
            .first()
            .map_or(Class::Safe, |x| self.elem_class_at(x, path));
        a.join(b)
    }

    /// The class of a closure's result when called on the elements of `receiver`.
    fn closure_result(&mut self, c: &'ast syn::ExprClosure, receiver: &'ast Expr) -> Class {
        let mut pushed = 0;
        for input in &c.inputs {
            for pn in pattern_names(input) {
                let cls = match pn.ty {
                    Some(t) if self.bounded_type(t) => Class::Safe,
                    _ => self.elem_class_at(receiver, pn.path),
                };
                self.env.push((pn.ident.to_string(), cls));
                pushed += 1;
            }
        }
        let r = self.class(&c.body);
        self.env.truncate(self.env.len() - pushed);
        r
    }
}
