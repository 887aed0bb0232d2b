//! Per-file taint: the symbolic value of an expression ([`Eval`]), and the walker's hooks
//! that record function summaries, checks and sinks.

use super::{
    union, Atom, CallRet, Callee, FnKey, FnSummary, Frame, Guard, Root, SinkArg, SinkFlow, Source,
    SourceKind, Taint,
};
use crate::engine::cx::{Condition, Cx};
use crate::engine::macros::ArgRef;
use crate::engine::resolve::At;
use crate::engine::scope::{Binding, Origin};
use crate::model::taint::{self as m, Kinds};
use std::cell::Cell;
use std::sync::Arc;
use syn::spanned::Spanned;
use syn::{Expr, Type};

/// Expressions evaluated per query before the answer is "nothing known".
const BUDGET: u32 = 512;
/// Nesting of the evaluation (bindings, calls, wrappers) before it gives up.
const MAX_DEPTH: u32 = 48;

/// The name a type is known by for taint: through references, `Option`, and the
/// extractor wrappers (`Json<Upload>` → `Upload`, `Path<u64>` → `u64`).
pub fn type_name(ty: &Type) -> Option<String> {
    let mut ty = ty;
    for _ in 0..8 {
        match ty {
            Type::Reference(r) => ty = &r.elem,
            Type::Paren(p) => ty = &p.elem,
            Type::Group(g) => ty = &g.elem,
            Type::Path(tp) => {
                let seg = tp.path.segments.last()?;
                let name = seg.ident.to_string();
                let wrapper = matches!(
                    name.as_str(),
                    "Option"
                        | "Json"
                        | "Query"
                        | "Form"
                        | "Path"
                        | "Data"
                        | "Valid"
                        | "Validated"
                        | "Garde"
                        | "LenientForm"
                        | "Box"
                        | "Arc"
                        | "Extension"
                );
                match crate::model::types::first_type_arg(seg) {
                    Some(inner) if wrapper => ty = inner,
                    _ => return Some(name),
                }
            }
            _ => return None,
        }
    }
    None
}

/// The name of a type as written, through references (`web::Form<T>` → `Form`).
pub fn outer_type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Reference(r) => outer_type_name(&r.elem),
        Type::Paren(p) => outer_type_name(&p.elem),
        Type::Group(g) => outer_type_name(&g.elem),
        Type::Path(tp) => tp.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The evaluation of expressions of the function being walked, at one point of it.
pub struct Eval<'c, 'a, 'ast> {
    cx: &'c Cx<'a, 'ast>,
    frame: &'c Frame,
    /// Byte offset of the point being judged (for checks that hold in a region).
    offset: usize,
    budget: Cell<u32>,
}

impl<'c, 'a, 'ast> Eval<'c, 'a, 'ast> {
    pub fn new(cx: &'c Cx<'a, 'ast>, frame: &'c Frame, offset: usize) -> Self {
        Eval {
            cx,
            frame,
            offset,
            budget: Cell::new(BUDGET),
        }
    }

    /// What reaches the value of `e`, with its names resolved at `at`.
    pub fn expr(&self, e: &'ast Expr, at: At, depth: u32) -> Taint {
        let left = self.budget.get();
        if left == 0 || depth > MAX_DEPTH {
            return Vec::new();
        }
        self.budget.set(left - 1);
        let mut t = self.value(e, at, depth + 1);
        // A secret read here is a source beside whatever else the value carries (request
        // data in `body.password`).
        if let Some(s) = self.secret(e, at) {
            union(&mut t, s);
        }
        t
    }

    fn value(&self, e: &'ast Expr, at: At, d: u32) -> Taint {
        match e {
            Expr::Path(p) => match p.path.get_ident() {
                Some(id) if p.qself.is_none() => {
                    match self.cx.scopes.resolve(&id.to_string(), at) {
                        Some(b) => self.binding(b, d),
                        None => Vec::new(),
                    }
                }
                _ => Vec::new(),
            },
            Expr::Paren(x) => self.expr(&x.expr, at, d),
            Expr::Group(x) => self.expr(&x.expr, at, d),
            Expr::Reference(x) => self.expr(&x.expr, at, d),
            Expr::Try(x) => self.expr(&x.expr, at, d),
            Expr::Await(x) => self.expr(&x.base, at, d),
            Expr::Unary(u) => match u.op {
                syn::UnOp::Deref(_) => self.expr(&u.expr, at, d),
                _ => Vec::new(),
            },
            Expr::Cast(c) => mark(self.expr(&c.expr, at, d), |a| a.numeric = true),
            Expr::Field(f) => {
                let t = self.expr(&f.base, at, d);
                match &f.member {
                    syn::Member::Named(n) => {
                        let n = n.to_string();
                        let kinds = self.field_guards(&f.base, &n, at);
                        t.into_iter()
                            .filter_map(|mut a| {
                                if !super::read_field(&mut a.fields, &mut a.in_fields, &n) {
                                    return None;
                                }
                                a.kinds |= kinds;
                                // A field of a struct this file declares: its type decides.
                                if a.fields.len() == 1 {
                                    let fty =
                                        a.ty.as_deref()
                                            .and_then(|t| self.cx.facts.field_type(t, &n))
                                            .and_then(type_name);
                                    if let Some(fty) = fty {
                                        if crate::model::types::is_number_type(&fty) {
                                            a.numeric = true;
                                        } else if m::is_parsed_safe_type(&fty) {
                                            return None;
                                        }
                                    }
                                }
                                Some(a)
                            })
                            .collect()
                    }
                    // `body.0` of an extractor: the payload itself.
                    syn::Member::Unnamed(_) => t,
                }
            }
            Expr::Binary(b) => {
                use syn::BinOp::*;
                match b.op {
                    Add(_) | AddAssign(_) => {
                        let mut t = self.expr(&b.left, at, d);
                        union(&mut t, self.expr(&b.right, at, d));
                        t
                    }
                    Sub(_) | Mul(_) | Div(_) | Rem(_) | Shl(_) | Shr(_) | BitAnd(_) | BitOr(_)
                    | BitXor(_) => {
                        let mut t = self.expr(&b.left, at, d);
                        union(&mut t, self.expr(&b.right, at, d));
                        mark(t, |a| a.numeric = true)
                    }
                    _ => Vec::new(),
                }
            }
            Expr::MethodCall(mc) => self.method(mc, at, d),
            Expr::Call(c) => self.call(c, at, d),
            Expr::Macro(mac) => self.mac(&mac.mac, at, d),
            Expr::If(i) => {
                let mut t = block_tail(&i.then_branch)
                    .map(|e| self.expr(e, at, d))
                    .unwrap_or_default();
                if let Some((_, e)) = &i.else_branch {
                    union(&mut t, self.expr(e, at, d));
                }
                t
            }
            Expr::Match(mt) => {
                let mut t = Vec::new();
                for arm in &mt.arms {
                    union(&mut t, self.expr(&arm.body, at, d));
                }
                t
            }
            Expr::Block(b) => block_tail(&b.block)
                .map(|e| self.expr(e, at, d))
                .unwrap_or_default(),
            Expr::Unsafe(b) => block_tail(&b.block)
                .map(|e| self.expr(e, at, d))
                .unwrap_or_default(),
            Expr::Tuple(t) => self.all(t.elems.iter(), at, d),
            Expr::Array(a) => self.all(a.elems.iter(), at, d),
            Expr::Struct(s) => {
                let mut t = Vec::new();
                for f in &s.fields {
                    let v = self.expr(&f.expr, at, d);
                    match &f.member {
                        syn::Member::Named(n) => {
                            let n = n.to_string();
                            union(&mut t, mark(v, |a| a.in_fields.insert(0, n.clone())));
                        }
                        syn::Member::Unnamed(_) => union(&mut t, v),
                    }
                }
                if let Some(rest) = &s.rest {
                    union(&mut t, self.expr(rest, at, d));
                }
                t
            }
            Expr::Index(i) => self.expr(&i.expr, at, d),
            _ => Vec::new(),
        }
    }

    /// A secret read here (a field, a getter, an exposed secret, a header), when a spec
    /// that follows secrets is enabled: the second kind of source.
    fn secret(&self, e: &'ast Expr, at: At) -> Option<Taint> {
        let find = self.cx.taint.secrets?;
        if !matches!(
            e,
            Expr::Field(_) | Expr::MethodCall(_) | Expr::Index(_) | Expr::Path(_)
        ) {
            return None;
        }
        let shown = find(self.cx, e, at)?;
        let k = &self.frame.key;
        let handler = match &k.owner {
            Some(o) => format!("{o}::{}", k.name),
            None => k.name.clone(),
        };
        Some(vec![Atom::new(Root::Source(Arc::new(Source {
            kind: SourceKind::Secret,
            path: self.cx.src.display.clone(),
            line: e.span().start().line,
            handler,
            param: shown,
        })))])
    }

    fn all(&self, es: impl Iterator<Item = &'ast Expr>, at: At, d: u32) -> Taint {
        let mut t = Vec::new();
        for e in es {
            union(&mut t, self.expr(e, at, d));
        }
        t
    }

    /// What a local binding holds: its initializer (or the value it was destructured
    /// from), what was appended to it, a request input or a parameter; narrowed by its
    /// declared type and the checks it passed.
    pub fn binding(&self, b: &Binding<'ast>, d: u32) -> Taint {
        let mut t = match b.origin {
            Origin::Param => self.param(b),
            // `let (id, secret) = (a, b);`: each name holds its own position.
            Origin::Element(e, path) => match crate::engine::resolve::tuple_position(e, path) {
                Some(x) => self.expr(x, b.at(), d),
                // A position of a tuple the expression makes (`let (id, secret) = f()`).
                None if path.len > 0 => {
                    mark(self.expr(e, b.at(), d), |a| a.kinds |= m::PART_OF_VALUE)
                }
                None => self.expr(e, b.at(), d),
            },
            // `Err(e)`, `User { name, .. }`: a part of the value.
            Origin::Destructure(e) if b.part => {
                mark(self.expr(e, b.at(), d), |a| a.kinds |= m::PART_OF_VALUE)
            }
            Origin::Let(Some(e)) | Origin::Destructure(e) => self.expr(e, b.at(), d),
            _ => Vec::new(),
        };
        for mu in &b.mutations {
            union(&mut t, mu.taint.clone());
        }
        if t.is_empty() {
            return t;
        }
        if !matches!(b.origin, Origin::Param) {
            if let Some(name) = b.ty.and_then(type_name) {
                if crate::model::types::is_number_type(&name) {
                    t = mark(t, |a| a.numeric = true);
                } else if m::is_parsed_safe_type(&name) {
                    return Vec::new();
                } else if m::is_text_type(&name) {
                    // `let url: Url = q.url.parse()?`: text again, not a number.
                    t = mark(t, |a| a.numeric = false);
                }
            }
        }
        let kinds: Kinds = self
            .frame
            .guards
            .iter()
            .filter(|g| {
                g.seq == b.seq
                    && g.field.is_none()
                    && g.region.is_none_or(|(s, e)| (s..e).contains(&self.offset))
            })
            .fold(0, |k, g| k | g.kinds);
        if kinds != 0 {
            t = mark(t, |a| a.kinds |= kinds);
        }
        t
    }

    /// The checks made on field `field` of the binding `base` names (`q.name` checked,
    /// `q.path` not).
    fn field_guards(&self, base: &Expr, field: &str, at: At) -> Kinds {
        let base = crate::engine::resolve::unwrap_all(base, crate::engine::resolve::Peel::Syntax);
        let Some(b) = self.cx.scopes.resolve_expr(base, at) else {
            return 0;
        };
        self.frame
            .guards
            .iter()
            .filter(|g| {
                g.seq == b.seq
                    && g.field.as_deref() == Some(field)
                    && g.region.is_none_or(|(s, e)| (s..e).contains(&self.offset))
            })
            .fold(0, |k, g| k | g.kinds)
    }

    fn param(&self, b: &Binding<'ast>) -> Taint {
        if b.name == "self" {
            return Vec::new();
        }
        let Some((_, pos, ty)) = self.frame.params.iter().find(|(n, _, _)| *n == b.name) else {
            return Vec::new();
        };
        let root = if self.frame.inputs.contains(&b.name) {
            let start = b.span.start();
            Root::Source(Arc::new(Source {
                kind: SourceKind::Request,
                path: self.cx.src.display.clone(),
                line: start.line,
                handler: self.frame.handler.clone().unwrap_or_default(),
                param: b.name.clone(),
            }))
        } else {
            Root::Param(*pos)
        };
        let mut a = Atom::new(root);
        if let Some(k) = self.frame.input_kinds.iter().find(|(n, _)| *n == b.name) {
            a.kinds |= k.1;
        }
        if let Some(ty) = ty {
            if crate::model::types::is_number_type(ty) {
                a.numeric = true;
            } else if m::is_parsed_safe_type(ty) {
                return Vec::new();
            }
            a.ty = Some(ty.clone());
        }
        vec![a]
    }

    fn method(&self, mc: &'ast syn::ExprMethodCall, at: At, d: u32) -> Taint {
        let name = mc.method.to_string();
        let name = name.as_str();
        if m::NUMBER_METHODS.contains(&name) {
            return mark(self.expr(&mc.receiver, at, d), |a| a.numeric = true);
        }
        if m::BOUNDING_METHODS.contains(&name) {
            return mark(self.expr(&mc.receiver, at, d), |a| a.kinds |= m::BOUNDED);
        }
        if m::ARITHMETIC_METHODS.contains(&name) {
            let mut t = self.expr(&mc.receiver, at, d);
            for a in &mc.args {
                union(&mut t, self.expr(a, at, d));
            }
            return mark(t, |a| a.numeric = true);
        }
        if crate::model::values::BOUNDED_METHODS.contains(&name) {
            return Vec::new();
        }
        if name == "parse" {
            let target = mc.turbofish.as_ref().and_then(|t| {
                t.args.iter().find_map(|a| match a {
                    syn::GenericArgument::Type(t) => type_name(t),
                    _ => None,
                })
            });
            return match target {
                Some(t) if m::is_text_type(&t) => self.expr(&mc.receiver, at, d),
                Some(t) if !crate::model::types::is_number_type(&t) => Vec::new(),
                // A number, or a type given by the binding (checked there).
                _ => mark(self.expr(&mc.receiver, at, d), |a| a.numeric = true),
            };
        }
        if name == "file_name" && is_path_value(&self.cx.scopes, &mc.receiver, at, 0) {
            return mark(self.expr(&mc.receiver, at, d), |a| a.kinds |= m::FILE_NAME);
        }
        let own_type = self.cx.receiver_is_own_type(name, &mc.receiver);
        if m::is_carrying_method(name) && !own_type {
            let mut t = self.expr(&mc.receiver, at, d);
            if let Some(k) = closure_kinds(&mc.args) {
                t = mark(t, |a| {
                    a.kinds |= k.0;
                    a.numeric |= k.1;
                });
            }
            match name {
                // Headers the client's browser sets (`Referer`, `Host`): not chosen by a
                // third party for a victim.
                "headers" | "header" | "headers_mut" => t = mark(t, |a| a.kinds |= m::FROM_HEADER),
                // The request's own URI: a local path on this server.
                "uri" | "path_and_query" => t = mark(t, |a| a.kinds |= m::LOCAL_PATH),
                _ => {}
            }
            if m::ARG_CARRYING_METHODS.contains(&name) {
                // `TEMPLATE.replace("{key}", key)`: a value filled into the server's own
                // template (a route, a service URL) does not choose where it points.
                let template = matches!(name, "replace" | "replacen") && t.is_empty();
                for a in &mc.args {
                    if !matches!(a, Expr::Closure(_)) {
                        let mut v = self.expr(a, at, d);
                        if template {
                            v = mark(v, |x| x.kinds |= m::AFTER_FIXED_ORIGIN);
                        }
                        union(&mut t, v);
                    }
                }
            }
            return t;
        }
        // A method of the workspace, maybe: what it returns is settled from its summary.
        let recv = self.expr(&mc.receiver, at, d);
        let mut args = vec![recv];
        for a in &mc.args {
            args.push(self.expr(a, at, d));
        }
        if args.iter().all(|a| a.is_empty()) {
            return Vec::new();
        }
        let t = ret_atom(self.cx.method_callee(name, &mc.receiver), args);
        if crate::model::secrets::is_redacting_name(name) {
            return mark(t, |a| a.kinds |= m::HASHED);
        }
        t
    }

    fn call(&self, c: &'ast syn::ExprCall, at: At, d: u32) -> Taint {
        let Expr::Path(p) = &*c.func else {
            return Vec::new();
        };
        let resolved = self.cx.resolve_memo(&p.path);
        let segs: Vec<&str> = resolved.iter().map(String::as_str).collect();
        let Some(&last) = segs.last() else {
            return Vec::new();
        };
        let first_arg = || {
            c.args
                .first()
                .map(|a| self.expr(a, at, d))
                .unwrap_or_default()
        };
        if let Some((_, k)) = m::CLEANING_FNS.iter().find(|(p, _)| ends_with(&segs, p)) {
            let k = *k;
            return mark(first_arg(), |a| a.kinds |= k);
        }
        if m::CARRYING_FNS.iter().any(|p| ends_with(&segs, p)) {
            return self.all(c.args.iter(), at, d);
        }
        // `std::cmp::min(n, MAX)`, `clamp(n, 1, MAX)`: bounded.
        if matches!(last, "min" | "clamp") && c.args.len() >= 2 {
            return mark(self.all(c.args.iter(), at, d), |a| a.kinds |= m::BOUNDED);
        }
        if segs.len() >= 2 {
            let owner = segs[segs.len() - 2];
            if crate::model::types::is_number_type(owner) {
                return mark(first_arg(), |a| a.numeric = true);
            }
            if m::is_parsed_safe_type(owner) {
                return Vec::new();
            }
        }
        // Tuple structs and variants wrap their arguments (`Some(x)`, `Json(x)`).
        if segs.len() == 1 && last.starts_with(|ch: char| ch.is_uppercase()) {
            return self.all(c.args.iter(), at, d);
        }
        let args: Vec<Taint> = c.args.iter().map(|a| self.expr(a, at, d)).collect();
        if args.iter().all(|a| a.is_empty()) {
            return Vec::new();
        }
        match self.callee(&p.path, &resolved) {
            // `safe_join(root, name)`, `sanitize_path(p)`: what it returns was checked.
            Some(callee) if m::is_checking_fn_name(&callee.name) => {
                mark(ret_atom(callee, args), |a| {
                    a.kinds |= m::VALIDATED | m::ALLOW_LIST
                })
            }
            // `mask(key)`, `sha256_hex(password)`: not the value any more.
            Some(callee) if crate::model::secrets::is_redacting_name(&callee.name) => {
                mark(ret_atom(callee, args), |a| a.kinds |= m::HASHED)
            }
            Some(callee) => ret_atom(callee, args),
            None => Vec::new(),
        }
    }

    /// The workspace function a path call may be, by name, `impl` type and module
    /// qualifier; `None` for a call into another crate.
    pub fn callee(&self, path: &syn::Path, resolved: &[String]) -> Option<Callee> {
        let mut segs: Vec<String> = resolved.to_vec();
        let first = segs.first()?.clone();
        let ws = &self.cx.settings.workspace_crates;
        let local_first = matches!(first.as_str(), "crate" | "self" | "super" | "Self")
            || ws.contains(&first)
            || segs.len() == 1
            || first.starts_with(|ch: char| ch.is_uppercase())
            || path.segments.len() == segs.len() && !ws.is_empty() && self.is_local_module(&first);
        if !local_first {
            return None;
        }
        let mut krate = self.cx.file.krate.clone();
        if ws.contains(&first) {
            krate = Some(first.clone());
        }
        while segs
            .first()
            .is_some_and(|s| matches!(s.as_str(), "crate" | "self" | "super") || ws.contains(s))
        {
            segs.remove(0);
        }
        let name = segs.pop()?;
        let mut owner = segs
            .last()
            .filter(|s| s.starts_with(|ch: char| ch.is_uppercase()))
            .cloned();
        if owner.is_some() {
            segs.pop();
        }
        if owner.as_deref() == Some("Self") {
            owner = self.cx.scopes.self_ty().and_then(type_name);
        }
        // A bare name the imports do not resolve (`get(id)`) is a function of the
        // calling module (or a glob import's, not followed): not any function of that
        // name in the workspace.
        if resolved.len() == 1 && path.segments.len() == 1 {
            segs = self.cx.taint_module();
            segs.retain(|s| s != "crate");
        }
        Some(Callee {
            name,
            owner,
            method: false,
            recv_ty: None,
            qual: segs,
            krate,
        })
    }

    /// Whether a lowercase path head names a module of this crate (not another crate):
    /// declared in the file, or a sibling module the file's crate has.
    fn is_local_module(&self, name: &str) -> bool {
        self.cx.facts.modules.contains(name)
    }

    /// The text a formatting macro writes (`write!` included).
    pub fn mac_text(&self, mac: &'ast syn::Macro, at: At) -> Taint {
        self.mac(mac, at, 0)
    }

    fn mac(&self, mac: &'ast syn::Macro, at: At, d: u32) -> Taint {
        let parsed = self.cx.macros.get(mac);
        if let Some(f) = parsed.format() {
            if !matches!(
                parsed.name.as_str(),
                "format" | "format_args" | "concat" | "write" | "writeln"
            ) {
                return Vec::new();
            }
            let fmt = f.fmt.as_ref().map(|l| l.value());
            let mut t = Vec::new();
            let mut seen = Vec::new();
            for ph in &f.placeholders {
                let mut part = match &ph.arg {
                    ArgRef::Arg(i) => {
                        seen.push(*i);
                        f.args
                            .get(*i)
                            .map(|a| self.expr(&a.expr, at, d))
                            .unwrap_or_default()
                    }
                    ArgRef::Capture(name) => match self.cx.scopes.resolve(name, at) {
                        Some(b) => self.binding(b, d),
                        None => Vec::new(),
                    },
                };
                // Placed after a fixed origin: the text before it decides where it points.
                if fmt
                    .as_deref()
                    .and_then(|s| s.get(..ph.start))
                    .is_some_and(fixed_origin)
                {
                    part = mark(part, |a| a.kinds |= m::AFTER_FIXED_ORIGIN);
                }
                union(&mut t, part);
            }
            for (i, a) in f.args.iter().enumerate() {
                if !seen.contains(&i) {
                    union(&mut t, self.expr(&a.expr, at, d));
                }
            }
            return t;
        }
        if parsed.name == "vec" || parsed.name == "concat" {
            let mut t = Vec::new();
            for e in parsed.exprs() {
                union(&mut t, self.expr(e, at, d));
                if parsed.name == "vec" && has_semicolon(mac) {
                    break;
                }
            }
            return t;
        }
        Vec::new()
    }
}

/// Whether the text before a placeholder (earlier placeholders included, as written)
/// fixes where the result points, so the placeholder's value cannot: a query or fragment
/// has begun (`…?token={}`), a scheme and host are followed by a path
/// (`https://api.example.com/{}`), a local path has begun (`/items/{}`, not `//`), or an
/// earlier value (the server's base URL) is followed by a path (`{base}/{}`).
pub fn fixed_origin(prefix: &str) -> bool {
    if prefix.contains('?') || prefix.contains('#') {
        return true;
    }
    if let Some(i) = prefix.find("://") {
        let rest = &prefix[i + 3..];
        return rest.find('/').is_some_and(|j| j > 0);
    }
    let mut chars = prefix.chars();
    match chars.next() {
        Some('/') => match chars.next() {
            // `/{tag}/{id}`: what follows a first value and a separator.
            Some('{') => prefix
                .find('}')
                .is_some_and(|j| prefix[j + 1..].contains('/')),
            Some(c) => c != '/' && c != '\\',
            None => false,
        },
        Some('{') => prefix
            .find('}')
            .is_some_and(|j| prefix[j + 1..].contains('/')),
        _ => false,
    }
}

fn has_semicolon(mac: &syn::Macro) -> bool {
    mac.tokens
        .clone()
        .into_iter()
        .any(|t| matches!(t, proc_macro2::TokenTree::Punct(p) if p.as_char() == ';'))
}

/// A value that is a path by its making (`Path::new(..)`, `PathBuf::from(..)`,
/// `x.as_path()`, `x.to_path_buf()`) or its declared type, through local bindings.
fn is_path_value(scopes: &crate::engine::scope::Scopes<'_>, e: &Expr, at: At, depth: u32) -> bool {
    if depth > 16 {
        return false;
    }
    match e {
        Expr::Call(c) => matches!(&*c.func, Expr::Path(p)
            if p.path.segments.iter().any(|s| s.ident == "Path" || s.ident == "PathBuf")),
        Expr::MethodCall(mc) => matches!(
            mc.method.to_string().as_str(),
            "as_path" | "to_path_buf" | "join" | "canonicalize"
        ),
        Expr::Reference(r) => is_path_value(scopes, &r.expr, at, depth + 1),
        Expr::Paren(p) => is_path_value(scopes, &p.expr, at, depth + 1),
        Expr::Path(_) => match scopes.resolve_expr(e, at) {
            Some(b) => {
                b.ty.and_then(type_name)
                    .is_some_and(|t| t == "Path" || t == "PathBuf")
                    || b.init()
                        .is_some_and(|i| is_path_value(scopes, i, b.at(), depth + 1))
            }
            None => false,
        },
        _ => false,
    }
}

fn ret_atom(callee: Callee, args: Vec<Taint>) -> Taint {
    vec![Atom::new(Root::Ret(Arc::new(CallRet { callee, args })))]
}

fn mark(mut t: Taint, f: impl Fn(&mut Atom)) -> Taint {
    for a in &mut t {
        f(a);
    }
    t
}

use super::path_ends_with as ends_with;

pub use crate::engine::resolve::block_tail;

// ---------------------------------------------------------------------------------------
// The walker's hooks.

impl<'a, 'ast> Cx<'a, 'ast> {
    /// The module the walker is in: the file's, with the inline modules around it.
    pub fn taint_module(&self) -> Vec<String> {
        self.file
            .module
            .iter()
            .chain(&self.taint.mods)
            .cloned()
            .collect()
    }

    /// A method call as a callee: its receiver's type when the binding service or the
    /// file's structs tell it.
    pub fn method_callee(&self, name: &str, recv: &Expr) -> Callee {
        Callee {
            name: name.to_string(),
            owner: None,
            method: true,
            recv_ty: self.receiver_type(name, recv),
            qual: Vec::new(),
            krate: self.file.krate.clone(),
        }
    }

    /// [`Cx::resolve`], remembering the last path asked about (each spec's sink finder
    /// asks about the same call in turn).
    pub fn resolve_memo(&self, path: &syn::Path) -> Vec<String> {
        let key = path as *const syn::Path as usize;
        if let Some((k, v)) = &*self.taint.resolved.borrow() {
            if *k == key {
                return v.clone();
            }
        }
        let v = self.resolve(path);
        *self.taint.resolved.borrow_mut() = Some((key, v.clone()));
        v
    }

    /// Whether a method's receiver is of a type the program names itself (a service in
    /// state, `BufferPool`): its methods are the program's, whatever their names.
    pub fn receiver_is_own_type(&self, method: &str, e: &Expr) -> bool {
        self.receiver_type(method, e).is_some_and(|t| {
            t.starts_with(|c: char| c.is_uppercase())
                && !m::is_raw_input_type(&t)
                && !matches!(
                    t.as_str(),
                    "Self" | "HashSet" | "BTreeSet" | "VecDeque" | "Regex" | "Client" | "Command"
                )
        })
    }

    /// The type of a method's receiver: `self`, a binding with a declared type, a field
    /// of `self` declared in this file.
    /// The type whose method `method` is: the wrapper's own (`web::Form::into_inner`), or
    /// for other methods what the wrapper derefs to (`web::Data<LogIndex>` → `LogIndex`).
    fn receiver_type(&self, method: &str, e: &Expr) -> Option<String> {
        let own = matches!(
            method,
            "into_inner" | "clone" | "as_ref" | "deref" | "to_owned" | "borrow" | "get_ref"
        );
        self.value_type(e, !own)
    }

    /// The type of a place: as written (`Form` of `web::Form<Signup>`), or, with `deref`,
    /// what its wrappers hold (`Signup`, for reading its fields).
    fn value_type(&self, e: &Expr, deref: bool) -> Option<String> {
        let name = |ty: &Type| {
            if deref {
                type_name(ty)
            } else {
                outer_type_name(ty)
            }
        };
        match e {
            Expr::Paren(p) => self.value_type(&p.expr, deref),
            Expr::Reference(r) => self.value_type(&r.expr, deref),
            Expr::Path(p) if p.path.is_ident("self") => self.scopes.self_ty().and_then(type_name),
            // Through rebindings (`let client = client;`) to the declared type.
            Expr::Path(p) => p.path.get_ident().and_then(|id| {
                crate::engine::resolve::declared_type(&self.scopes, &id.to_string(), At::HERE)
                    .and_then(name)
            }),
            Expr::Field(f) => {
                let owner = self.value_type(&f.base, true)?;
                let syn::Member::Named(n) = &f.member else {
                    return None;
                };
                self.facts.field_type(&owner, &n.to_string()).and_then(name)
            }
            _ => None,
        }
    }

    /// A function starts: its frame (parameters, whether it is a handler).
    pub fn taint_enter_fn(
        &mut self,
        attrs: &'ast [syn::Attribute],
        sig: &'ast syn::Signature,
        body: &'ast syn::Block,
    ) {
        if self.taint.specs.is_empty() {
            return;
        }
        let handler = crate::engine::handler::handler(self, attrs, sig);
        let mut params = Vec::new();
        let mut param_names = Vec::new();
        for (i, input) in sig.inputs.iter().enumerate() {
            let pos = u8::try_from(i).unwrap_or(u8::MAX);
            match input {
                syn::FnArg::Receiver(_) => {
                    param_names.push("self".to_string());
                }
                syn::FnArg::Typed(t) => {
                    let names = crate::engine::pattern::typed_pattern_names(&t.pat, &t.ty);
                    param_names.push(
                        names
                            .first()
                            .map_or_else(|| "_".to_string(), |n| n.ident.to_string()),
                    );
                    for pn in names {
                        params.push((pn.ident.to_string(), pos, pn.ty.and_then(type_name)));
                    }
                }
            }
        }
        let owner = self.scopes.self_ty().and_then(type_name);
        let live = (handler.is_some() && !self.scopes.in_test()) || !params.is_empty();
        let key = FnKey {
            krate: self.file.krate.clone(),
            owner,
            name: sig.ident.to_string(),
            method: sig.receiver().is_some(),
            module: self.taint_module(),
            path: self.src.display.clone(),
            line: sig.ident.span().start().line,
        };
        let (handler_name, inputs) = match handler {
            Some(h) if !self.scopes.in_test() => (Some(sig.ident.to_string()), h.inputs),
            _ => (None, Vec::new()),
        };
        // What a request input's own type guarantees.
        let mut input_kinds = Vec::new();
        let one_segment = self.uses.imports_crate(&["actix_web"]) && actix_single_segment(attrs);
        for input in &sig.inputs {
            let syn::FnArg::Typed(t) = input else {
                continue;
            };
            let outer = match &*t.ty {
                Type::Path(tp) => tp.path.segments.last().map(|s| s.ident.to_string()),
                _ => None,
            };
            let kinds = match outer.as_deref() {
                // rocket's `<path..>` segments: `..` and dot segments rejected.
                Some("PathBuf") => m::NO_TRAVERSAL,
                Some("HeaderMap" | "TypedHeader" | "HeaderValue" | "Host" | "Referer") => {
                    m::FROM_HEADER
                }
                Some("Uri" | "OriginalUri") => m::LOCAL_PATH,
                // actix-web: a route's one `{name}` segment holds no `/` (`%2F` stays
                // encoded), and `..` alone names a directory.
                Some("Path") if one_segment => m::NO_TRAVERSAL | m::PATH_SEGMENT,
                Some("Path") => m::PATH_SEGMENT,
                // Cookies the server signed or encrypted: it chose their values.
                Some("SignedCookieJar" | "PrivateCookieJar") => m::VALIDATED | m::ALLOW_LIST,
                _ => 0,
            };
            if kinds != 0 {
                for pn in crate::engine::pattern::typed_pattern_names(&t.pat, &t.ty) {
                    input_kinds.push((pn.ident.to_string(), kinds));
                }
            }
        }
        self.taint.frames.push(Frame {
            key,
            handler: handler_name,
            inputs,
            input_kinds,
            params,
            param_names,
            ret: Vec::new(),
            calls: Vec::new(),
            guards: Vec::new(),
            tails: tail_exprs(body),
            live,
        });
    }

    /// A function ends (its body's scope still open): what it returns, and its summary.
    pub fn taint_exit_fn(&mut self) {
        if self.taint.specs.is_empty() {
            return;
        }
        let Some(f) = self.taint.frames.pop() else {
            return;
        };
        if f.params.is_empty() && f.calls.is_empty() && f.ret.is_empty() {
            return;
        }
        self.taint.done.push(FnSummary {
            key: f.key,
            params: f.param_names,
            ret: f.ret,
            calls: f.calls,
        });
    }

    /// The taint of `e` at the walker's position.
    pub fn taint_eval(&self, e: &'ast Expr) -> Taint {
        let Some(frame) = self.taint.frames.last().filter(|f| f.live) else {
            return Vec::new();
        };
        let offset = self.src.region(e.span()).byte_start;
        Eval::new(self, frame, offset).expr(e, At::HERE, 0)
    }

    /// The taint of `e` at the walker's position, also in a function that cannot hold
    /// request data (a secret may be read there, or returned by what it calls).
    pub fn taint_eval_any(&self, e: &'ast Expr) -> Taint {
        let Some(frame) = self.taint.frames.last() else {
            return Vec::new();
        };
        let offset = self.src.region(e.span()).byte_start;
        Eval::new(self, frame, offset).expr(e, At::HERE, 0)
    }

    /// What the binding `name` holds at the walker's position (a format string's inline
    /// capture).
    pub fn taint_eval_name(&self, name: &str, span: proc_macro2::Span) -> Taint {
        let Some(frame) = self.taint.frames.last() else {
            return Vec::new();
        };
        let Some(b) = self.scopes.resolve(name, At::HERE) else {
            return Vec::new();
        };
        let offset = self.src.region(span).byte_start;
        Eval::new(self, frame, offset).binding(b, 1)
    }

    /// The taint of a macro's output (`write!(s, ..)`'s text) at the walker's position.
    pub fn taint_eval_mac(&self, mac: &'ast syn::Macro) -> Taint {
        let Some(frame) = self.taint.frames.last().filter(|f| f.live) else {
            return Vec::new();
        };
        let offset = self.src.region(mac.span()).byte_start;
        Eval::new(self, frame, offset).mac_text(mac, At::HERE)
    }

    /// Every expression, before its children: returns, checks, sinks and calls.
    pub fn taint_expr(&mut self, e: &'ast Expr) {
        if self.taint.specs.is_empty() || self.scopes.in_test() {
            return;
        }
        let live = self.taint.frames.last().is_some_and(|f| f.live);
        // A function that cannot hold request data may still return a secret: with a
        // spec that follows secrets, its returned values are evaluated (nothing else).
        if !live && self.taint.secrets.is_none() {
            return;
        }
        // A value the function returns: the leaves of its body's tail (through blocks,
        // `if` and `match`), evaluated where their own bindings are in scope.
        if self
            .taint
            .frames
            .last()
            .is_some_and(|f| f.tails.contains(&(e as *const Expr as usize)))
        {
            let t = self.taint_eval_any(e);
            if let Some(f) = self.taint.frames.last_mut() {
                union(&mut f.ret, t);
            }
        }
        if let Expr::Return(r) = e {
            if let Some(v) = &r.expr {
                let t = self.taint_eval_any(v);
                if let Some(f) = self.taint.frames.last_mut() {
                    union(&mut f.ret, t);
                }
            }
        }
        if !live {
            return;
        }
        match e {
            Expr::If(i) => self.record_if_guard(i),
            // `validate_name(&x)?;`, `x.validate()?`: the check holds after it.
            Expr::Try(t) => {
                // `let checked = check(&x); checked?;`: the check the local holds.
                let inner: &Expr = match &*t.expr {
                    Expr::Path(_) => match self
                        .scopes
                        .resolve_expr(&t.expr, At::HERE)
                        .and_then(|b| b.alias_of())
                    {
                        Some(init) => init,
                        None => &t.expr,
                    },
                    other => other,
                };
                if !matches!(inner, Expr::Call(_) | Expr::MethodCall(_)) {
                    return self.record_taint_call(e);
                }
                let (kinds, target) = self.check_kinds(inner, true, true);
                if kinds & (m::VALIDATED | m::ALLOW_LIST) != 0 {
                    let guards = self
                        .locals_in(target)
                        .into_iter()
                        .map(|(s, f)| (s, f, kinds))
                        .collect();
                    self.add_guards(guards, None);
                }
            }
            Expr::Match(mt) => self.record_match_guard(mt),
            Expr::Macro(mac) => {
                let name = mac
                    .mac
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                if m::ASSERTING_MACROS.contains(&name.as_str()) {
                    if let Ok(cond) = mac.mac.parse_body_with(
                        syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
                    ) {
                        if let Some(c) = cond.first() {
                            let guards = self.guards_of(c, true);
                            self.add_guards(guards, None);
                        }
                    }
                }
            }
            _ => {}
        }
        self.record_taint_call(e);
        let specs = self.taint.specs.clone();
        let mut sinks: Vec<SinkArg<'ast>> = Vec::new();
        for spec in specs {
            sinks.clear();
            (spec.sinks)(self, e, &mut sinks);
            for s in sinks.drain(..) {
                let t = self.taint_eval(s.arg);
                if t.is_empty() {
                    continue;
                }
                let func = self.taint.frames.last().map(|f| f.key.clone());
                let flow = SinkFlow {
                    code: spec.meta.code,
                    func,
                    sink: s.sink.clone(),
                    taint: t,
                };
                // Message and help are written once the project pass shows the finding
                // stands: most sinks given a parameter never see request data.
                self.report_when(
                    spec.meta,
                    s.span,
                    String::new(),
                    Condition::IfTainted(Box::new(flow)),
                );
            }
        }
    }

    /// A call of a workspace function given data derived from a parameter or a request:
    /// recorded for the project pass.
    fn record_taint_call(&mut self, e: &'ast Expr) {
        let call = match e {
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return };
                if p.path.segments.len() == 1
                    && p.path.segments[0]
                        .ident
                        .to_string()
                        .starts_with(|ch: char| ch.is_uppercase())
                {
                    return;
                }
                let Some(frame) = self.taint.frames.last() else {
                    return;
                };
                let ev = Eval::new(self, frame, self.src.region(e.span()).byte_start);
                let resolved = self.resolve_memo(&p.path);
                let Some(callee) = ev.callee(&p.path, &resolved) else {
                    return;
                };
                let args: Vec<Taint> = c.args.iter().map(|a| ev.expr(a, At::HERE, 0)).collect();
                if args.iter().all(|a| a.is_empty()) {
                    return;
                }
                CallRet { callee, args }
            }
            Expr::MethodCall(mc) => {
                let name = mc.method.to_string();
                if (m::is_carrying_method(&name)
                    || crate::model::values::BOUNDED_METHODS.contains(&name.as_str()))
                    && !self.receiver_is_own_type(&name, &mc.receiver)
                {
                    return;
                }
                let Some(frame) = self.taint.frames.last() else {
                    return;
                };
                let ev = Eval::new(self, frame, self.src.region(e.span()).byte_start);
                let mut args = vec![ev.expr(&mc.receiver, At::HERE, 0)];
                args.extend(mc.args.iter().map(|a| ev.expr(a, At::HERE, 0)));
                if args.iter().all(|a| a.is_empty()) {
                    return;
                }
                CallRet {
                    callee: self.method_callee(&name, &mc.receiver),
                    args,
                }
            }
            _ => return,
        };
        if let Some(f) = self.taint.frames.last_mut() {
            if f.calls.len() < 256 && !f.calls.contains(&call) {
                f.calls.push(call);
            }
        }
    }

    fn add_guards(
        &mut self,
        guards: Vec<(u32, Option<String>, Kinds)>,
        region: Option<(usize, usize)>,
    ) {
        if let Some(f) = self.taint.frames.last_mut() {
            for (seq, field, kinds) in guards {
                if f.guards.len() < 512 {
                    f.guards.push(Guard {
                        seq,
                        field,
                        kinds,
                        region,
                    });
                }
            }
        }
    }

    /// `if <check> { <leave> }`: the check holds after the `if`; `if <check> { .. }`
    /// with a positive check: it holds inside.
    fn record_if_guard(&mut self, i: &'ast syn::ExprIf) {
        if let Expr::Let(l) = &*i.cond {
            self.record_if_let_guard(i, l);
            return;
        }
        // Inside the branch the condition holds; in `else` it does not; after an `if`
        // whose branch always leaves, it does not either.
        let then = self.src.region(i.then_branch.span());
        let guards = self.guards_of(&i.cond, true);
        self.add_guards(guards, Some((then.byte_start, then.byte_end)));
        // `if n > MAX { n = MAX; }`: replaced when the condition held, so after the `if`
        // the value is one for which it did not.
        let after = if diverges(&i.then_branch) || assigns_checked(&i.then_branch, &i.cond) {
            Some(usize::MAX)
        } else {
            None
        };
        let else_end = i
            .else_branch
            .as_ref()
            .map(|(_, e)| self.src.region(e.span()).byte_end);
        if let Some(end) = after.or(else_end) {
            let guards = self.guards_of(&i.cond, false);
            self.add_guards(guards, Some((then.byte_end, end)));
        }
    }

    /// `if let Err(e) = check(&x) { <leave> }`: the check passed after the `if`;
    /// `if let Ok(..) = check(&x) { .. }`: it passed inside.
    fn record_if_let_guard(&mut self, i: &'ast syn::ExprIf, l: &'ast syn::ExprLet) {
        let variant = match &*l.pat {
            syn::Pat::TupleStruct(ts) => ts.path.segments.last().map(|s| s.ident.to_string()),
            syn::Pat::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        let passed_inside = match variant.as_deref() {
            Some("Ok" | "Some") => true,
            Some("Err" | "None") => false,
            _ => return,
        };
        let guards = self.check_guards(&l.expr, true, true);
        if guards.is_empty() {
            return;
        }
        let then = self.src.region(i.then_branch.span());
        if passed_inside {
            self.add_guards(guards, Some((then.byte_start, then.byte_end)));
        } else if diverges(&i.then_branch) {
            self.add_guards(guards, Some((then.byte_end, usize::MAX)));
        }
    }

    /// `match x { "a" | "b" => .., _ => return }`: an allow-list.
    fn record_match_guard(&mut self, mt: &'ast syn::ExprMatch) {
        // Inside an arm of literals, the value is one of them.
        let scrutinee = self.locals_in(&mt.expr);
        for arm in &mt.arms {
            if pat_is_literal(&arm.pat) {
                let r = self.src.region(arm.body.span());
                let guards = scrutinee
                    .iter()
                    .map(|(s, f)| (*s, f.clone(), m::ALLOW_LIST))
                    .collect();
                self.add_guards(guards, Some((r.byte_start, r.byte_end)));
            }
        }
        let mut literal_arms = 0;
        for arm in &mt.arms {
            if pat_is_literal(&arm.pat) {
                literal_arms += 1;
            } else if matches!(arm.pat, syn::Pat::Wild(_)) || matches!(&arm.pat, syn::Pat::Ident(_))
            {
                if !expr_diverges(&arm.body) {
                    return;
                }
            } else {
                return;
            }
        }
        if literal_arms == 0 {
            return;
        }
        let seqs = self.locals_in(&mt.expr);
        let r = self.src.region(mt.span());
        // Inside the arms, and after the `match` when its other arms leave.
        self.add_guards(
            seqs.into_iter()
                .map(|(s, f)| (s, f, m::ALLOW_LIST))
                .collect(),
            Some((r.byte_start, usize::MAX)),
        );
    }

    /// The local bindings an expression mentions, with the field taken from each when
    /// it is one (`q.name` → `q`, `name`).
    fn locals_in(&self, e: &Expr) -> Vec<(u32, Option<String>)> {
        struct V<'s, 'a, 'ast> {
            cx: &'s Cx<'a, 'ast>,
            out: Vec<(u32, Option<String>)>,
        }
        impl V<'_, '_, '_> {
            fn add(&mut self, p: &syn::ExprPath, field: Option<String>) {
                let Some(id) = p.path.get_ident() else { return };
                let mut b = self.cx.scopes.resolve(&id.to_string(), At::HERE);
                // A check of `arg` in `let arg = &name;` is a check of `name` too.
                for _ in 0..8 {
                    let Some(bind) = b else { break };
                    let entry = (bind.seq, field.clone());
                    if !self.out.contains(&entry) {
                        self.out.push(entry);
                    }
                    b = bind.alias_of().and_then(|init| {
                        let inner = crate::engine::resolve::unwrap_all(
                            init,
                            crate::engine::resolve::Peel::Transparent,
                        );
                        self.cx.scopes.resolve_expr(inner, bind.at())
                    });
                }
            }
        }
        impl<'v> syn::visit::Visit<'v> for V<'_, '_, '_> {
            fn visit_expr_path(&mut self, p: &'v syn::ExprPath) {
                self.add(p, None);
            }
            fn visit_expr_field(&mut self, f: &'v syn::ExprField) {
                let base = crate::engine::resolve::unwrap_all(
                    &f.base,
                    crate::engine::resolve::Peel::Syntax,
                );
                match (base, &f.member) {
                    (Expr::Path(p), syn::Member::Named(n)) if p.path.get_ident().is_some() => {
                        self.add(p, Some(n.to_string()))
                    }
                    _ => syn::visit::visit_expr_field(self, f),
                }
            }
            fn visit_expr_closure(&mut self, _: &'v syn::ExprClosure) {}
        }
        let mut v = V {
            cx: self,
            out: Vec::new(),
        };
        syn::visit::Visit::visit_expr(&mut v, e);
        v.out
    }

    /// The checks a condition establishes when it has the truth value `v` (false after
    /// `if cond { leave }`, true inside `if cond { .. }` and after `ensure!(cond)`), by the
    /// bindings (and fields) they check.
    fn guards_of(&self, cond: &Expr, v: bool) -> Vec<(u32, Option<String>, Kinds)> {
        let mut out = Vec::new();
        self.collect_guards(cond, v, &mut out, 0);
        out
    }

    fn collect_guards(
        &self,
        e: &Expr,
        v: bool,
        out: &mut Vec<(u32, Option<String>, Kinds)>,
        depth: u32,
    ) {
        if depth > 16 {
            return;
        }
        match e {
            Expr::Paren(p) => self.collect_guards(&p.expr, v, out, depth + 1),
            Expr::Group(g) => self.collect_guards(&g.expr, v, out, depth + 1),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
                self.collect_guards(&u.expr, !v, out, depth + 1)
            }
            // `a && b` true: both hold; `a || b` false: neither holds. Otherwise nothing
            // is known of either part.
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                if v {
                    self.collect_guards(&b.left, true, out, depth + 1);
                    self.collect_guards(&b.right, true, out, depth + 1);
                }
            }
            Expr::Binary(b) if matches!(b.op, syn::BinOp::Or(_)) => {
                if !v {
                    self.collect_guards(&b.left, false, out, depth + 1);
                    self.collect_guards(&b.right, false, out, depth + 1);
                } else {
                    // `x == "a" || x == "b"` true: what every alternative establishes.
                    let mut left = Vec::new();
                    let mut right = Vec::new();
                    self.collect_guards(&b.left, true, &mut left, depth + 1);
                    self.collect_guards(&b.right, true, &mut right, depth + 1);
                    for (seq, field, k) in left {
                        let common = right
                            .iter()
                            .filter(|(s2, f2, _)| *s2 == seq && *f2 == field)
                            .fold(0, |acc, (_, _, k2)| acc | (k & k2));
                        if common != 0 {
                            out.push((seq, field, common));
                        }
                    }
                }
            }
            // `let ok = check(..); if !ok { return }`: the check saved in a local.
            Expr::Path(_) => {
                if let Some(init) = self
                    .scopes
                    .resolve_expr(e, At::HERE)
                    .and_then(|b| b.alias_of())
                {
                    self.collect_guards(init, v, out, depth + 1);
                }
            }
            // `matches!(x.as_str(), "a" | "b")` true: an allow-list of literals.
            Expr::Macro(mac) if mac.mac.path.is_ident("matches") => {
                if v {
                    if let Some(scrutinee) = matches_scrutinee(&mac.mac) {
                        for (seq, field) in self.locals_in(&scrutinee) {
                            out.push((seq, field, m::ALLOW_LIST));
                        }
                    }
                }
            }
            _ => out.extend(self.check_guards(e, v, false)),
        }
    }

    /// What one check ([`Self::check_kinds`]) establishes, by the bindings it checks.
    fn check_guards(&self, e: &Expr, v: bool, result: bool) -> Vec<(u32, Option<String>, Kinds)> {
        let (kinds, target) = self.check_kinds(e, v, result);
        if kinds == 0 {
            return Vec::new();
        }
        self.locals_in(target)
            .into_iter()
            .map(|(seq, field)| (seq, field, kinds))
            .collect()
    }

    /// What one check establishes when it has the truth value `v`, and the expression
    /// holding the checked value. `result`: reached through `is_ok()`/`is_err()`/`?`, so
    /// `v` says whether the check passed whatever its name.
    fn check_kinds<'e>(&self, e: &'e Expr, v: bool, result: bool) -> (Kinds, &'e Expr)
    where
        'ast: 'e,
    {
        let none = (0, e);
        match e {
            Expr::Paren(p) => self.check_kinds(&p.expr, v, result),
            Expr::Try(t) => self.check_kinds(&t.expr, v, true),
            Expr::Await(a) => self.check_kinds(&a.base, v, result),
            Expr::Binary(b) => {
                use syn::BinOp::*;
                let fixed = |x: &Expr| is_literalish(x) || self.is_const(x);
                // The checked value: the side that is not a constant (the left one when
                // both are values: `n < limit`).
                let (value, left) = if fixed(&b.left) && !fixed(&b.right) {
                    (&*b.right, false)
                } else {
                    (&*b.left, true)
                };
                match b.op {
                    Eq(_) | Ne(_) => {
                        let equal = v == matches!(b.op, Eq(_));
                        // `sig == signature(&key, &url)`: the data is authenticated by a
                        // keyed signature the server computes.
                        let signed = [&*b.left, &*b.right]
                            .into_iter()
                            .find_map(|x| self.signature_call(x));
                        if !equal {
                            none
                        } else if let Some(call) = signed {
                            (m::VALIDATED | m::ALLOW_LIST, call)
                        } else if fixed(&b.right) || fixed(&b.left) {
                            (m::ALLOW_LIST, value)
                        } else if mentions_host(&b.left) || mentions_host(&b.right) {
                            (m::HOST_CHECKED, value)
                        } else {
                            none
                        }
                    }
                    // `n <= MAX` true, `n > MAX` false: bounded above.
                    Lt(_) | Le(_) if v == left => (m::BOUNDED, value),
                    Gt(_) | Ge(_) if v != left => (m::BOUNDED, value),
                    _ => none,
                }
            }
            Expr::MethodCall(mc) => {
                let name = mc.method.to_string();
                let arg0 = mc.args.first();
                let str_arg = arg0.and_then(str_literal);
                match name.as_str() {
                    // `(1..=MAX).contains(&n)`: bounded.
                    "contains" if v && is_range(&mc.receiver) => match arg0 {
                        Some(a) => (m::BOUNDED, a),
                        None => none,
                    },
                    // `url.host_str().map_or(false, |h| ALLOWED.contains(&h))`.
                    "map_or" | "is_some_and" | "is_ok_and" | "map_or_else"
                        if v && mc.args.iter().any(|a| self.closure_checks(a)) =>
                    {
                        let k = if mentions_host(&mc.receiver) {
                            m::ALLOW_LIST | m::HOST_CHECKED
                        } else {
                            m::ALLOW_LIST
                        };
                        (k, &mc.receiver)
                    }
                    "contains" | "contains_key" | "binary_search" | "any" | "iter"
                        if self.is_allow_list(&mc.receiver) =>
                    {
                        match arg0 {
                            Some(a) if v && (mentions_host(&mc.receiver) || mentions_host(a)) => {
                                (m::ALLOW_LIST | m::HOST_CHECKED, a)
                            }
                            Some(a) if v => (m::ALLOW_LIST, a),
                            _ => none,
                        }
                    }
                    // `name.contains("..")` false: no parent segment, no separator.
                    "contains" | "ends_with" | "starts_with"
                        if !v
                            && (str_arg
                                .as_deref()
                                .is_some_and(|s| s.contains("..") || s == "/" || s == "\\")
                                || arg0.is_some_and(is_separator)) =>
                    {
                        (m::NO_TRAVERSAL, &mc.receiver)
                    }
                    "starts_with" if v => match str_arg.as_deref() {
                        Some(s)
                            if s.contains("://")
                                && s[s.find("://").unwrap_or(0) + 3..].contains('/') =>
                        {
                            (m::HOST_CHECKED, &mc.receiver)
                        }
                        Some("/") => (m::LOCAL_PATH, &mc.receiver),
                        // `full.starts_with("/srv/files")`: under a fixed root.
                        Some(s) if s.starts_with('/') && s.len() > 1 && !s.contains("..") => {
                            (m::UNDER_ROOT, &mc.receiver)
                        }
                        Some(_) => none,
                        None if arg0.is_some_and(|a| matches!(a, Expr::Lit(_))) => {
                            (m::LOCAL_PATH, &mc.receiver)
                        }
                        None => (m::UNDER_ROOT, &mc.receiver),
                    },
                    "is_absolute" | "has_root" if !v => (m::NO_TRAVERSAL, &mc.receiver),
                    "is_relative" if v => (m::NO_TRAVERSAL, &mc.receiver),
                    "all" if v => {
                        if chain_has(&mc.receiver, "components") {
                            (m::NO_TRAVERSAL, &mc.receiver)
                        } else if chain_has(&mc.receiver, "chars")
                            || chain_has(&mc.receiver, "bytes")
                        {
                            (m::CHARSET, &mc.receiver)
                        } else {
                            none
                        }
                    }
                    "any" if !v => {
                        if chain_has(&mc.receiver, "components") {
                            (m::NO_TRAVERSAL, &mc.receiver)
                        } else if chain_has(&mc.receiver, "chars")
                            || chain_has(&mc.receiver, "bytes")
                        {
                            (m::CHARSET, &mc.receiver)
                        } else {
                            none
                        }
                    }
                    "is_match" if v => match arg0 {
                        Some(a) => (m::CHARSET, a),
                        None => none,
                    },
                    // `check(&x).is_ok()`, `x.validate().is_err()`: the check inside.
                    "is_ok" | "is_some" => self.check_kinds(&mc.receiver, v, true),
                    "is_err" | "is_none" => self.check_kinds(&mc.receiver, !v, true),
                    "unwrap_or" | "unwrap_or_default" => self.check_kinds(&mc.receiver, v, result),
                    n if m::is_checking_fn_name(n) || m::is_rejecting_fn_name(n) => {
                        if passed(n, v, result) {
                            (m::VALIDATED | m::ALLOW_LIST, e)
                        } else {
                            none
                        }
                    }
                    _ => none,
                }
            }
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => match p.path.segments.last() {
                    Some(seg) => {
                        let n = seg.ident.to_string();
                        if (m::is_checking_fn_name(&n) || m::is_rejecting_fn_name(&n))
                            && passed(&n, v, result)
                        {
                            (m::VALIDATED | m::ALLOW_LIST, e)
                        } else {
                            none
                        }
                    }
                    None => none,
                },
                _ => none,
            },
            _ => none,
        }
    }

    /// A closure whose body tests membership in an allow-list.
    fn closure_checks(&self, e: &Expr) -> bool {
        let Expr::Closure(c) = e else { return false };
        let mut body = &*c.body;
        while let Expr::Block(b) = body {
            match block_tail(&b.block) {
                Some(t) => body = t,
                None => return false,
            }
        }
        matches!(body, Expr::MethodCall(mc)
            if matches!(mc.method.to_string().as_str(), "contains" | "contains_key" | "ends_with" | "eq")
                && (self.is_allow_list(&mc.receiver) || mc.args.first().is_some_and(is_literalish)))
            || matches!(body, Expr::Binary(b) if matches!(b.op, syn::BinOp::Eq(_))
                && (is_literalish(&b.left) || is_literalish(&b.right) || self.is_const(&b.left) || self.is_const(&b.right)))
    }

    /// A call computing a signature or MAC of its arguments (`sign(..)`,
    /// `hmac_sha256(..)`, `signature(&key, &data)`), directly or through a local.
    fn signature_call<'e>(&self, e: &'e Expr) -> Option<&'e Expr>
    where
        'ast: 'e,
    {
        self.signature_call_at(e, At::HERE, 0)
    }

    fn signature_call_at<'e>(&self, e: &'e Expr, at: At, depth: u32) -> Option<&'e Expr>
    where
        'ast: 'e,
    {
        if depth > 16 {
            return None;
        }
        let inner = crate::engine::resolve::unwrap_all(e, crate::engine::resolve::Peel::Syntax);
        if let Some(b) = self.scopes.resolve_expr(inner, at) {
            return self.signature_call_at(b.alias_of()?, b.at(), depth + 1);
        }
        let is_sig = |name: &str| {
            let n = name.to_ascii_lowercase();
            n.contains("sign") || n.contains("hmac") || n.ends_with("_mac") || n == "mac"
        };
        match inner {
            Expr::Call(c) => match &*c.func {
                Expr::Path(p)
                    if p.path
                        .segments
                        .last()
                        .is_some_and(|s| is_sig(&s.ident.to_string())) =>
                {
                    Some(inner)
                }
                _ => None,
            },
            Expr::MethodCall(mc) if is_sig(&mc.method.to_string()) => Some(inner),
            _ => None,
        }
    }

    fn is_const(&self, e: &Expr) -> bool {
        match e {
            Expr::Path(p) => p.path.segments.last().is_some_and(|s| {
                let n = s.ident.to_string();
                n.chars()
                    .all(|c| c.is_uppercase() || c == '_' || c.is_ascii_digit())
                    && n.chars().any(|c| c.is_uppercase())
            }),
            Expr::Reference(r) => self.is_const(&r.expr),
            _ => false,
        }
    }

    /// A list of permitted values: a constant, a literal array, a collection named so.
    fn is_allow_list(&self, e: &Expr) -> bool {
        match e {
            Expr::Array(_) => true,
            Expr::Reference(r) => self.is_allow_list(&r.expr),
            Expr::Paren(p) => self.is_allow_list(&p.expr),
            Expr::MethodCall(mc) => self.is_allow_list(&mc.receiver),
            Expr::Path(p) => {
                self.is_const(e)
                    || p.path
                        .segments
                        .last()
                        .is_some_and(|s| m::is_allow_list_name(&s.ident.to_string()))
            }
            Expr::Field(f) => match &f.member {
                syn::Member::Named(n) => m::is_allow_list_name(&n.to_string()),
                _ => false,
            },
            _ => false,
        }
    }
}

/// The text of a string or char literal, through references.
pub fn str_literal(e: &Expr) -> Option<String> {
    match e {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => Some(s.value()),
            syn::Lit::Char(c) => Some(c.value().to_string()),
            _ => None,
        },
        Expr::Reference(r) => str_literal(&r.expr),
        _ => None,
    }
}

fn is_literalish(e: &Expr) -> bool {
    match e {
        Expr::Lit(_) => true,
        Expr::Reference(r) => is_literalish(&r.expr),
        Expr::Call(c) => c.args.iter().all(is_literalish) && !c.args.is_empty(),
        _ => false,
    }
}

/// `std::path::MAIN_SEPARATOR`, `'/'`, `std::path::is_separator`.
fn is_separator(e: &Expr) -> bool {
    match e {
        Expr::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "MAIN_SEPARATOR" || s.ident == "is_separator"),
        Expr::Reference(r) => is_separator(&r.expr),
        _ => false,
    }
}

/// Whether a method chain calls `name` (`p.components().any(..)`).
fn chain_has(e: &Expr, name: &str) -> bool {
    let mut e = e;
    for _ in 0..16 {
        match e {
            Expr::MethodCall(mc) => {
                if mc.method == name {
                    return true;
                }
                e = &mc.receiver;
            }
            Expr::Reference(r) => e = &r.expr,
            Expr::Paren(p) => e = &p.expr,
            Expr::Try(t) => e = &t.expr,
            _ => return false,
        }
    }
    false
}

/// Whether an expression looks at a URL's host (`url.host_str()`, `uri.host()`,
/// `url.domain()`).
fn mentions_host(e: &Expr) -> bool {
    ["host_str", "host", "domain", "authority"]
        .iter()
        .any(|h| chain_has(e, h))
}

fn pat_is_literal(p: &syn::Pat) -> bool {
    match p {
        syn::Pat::Lit(_) => true,
        syn::Pat::Or(o) => o.cases.iter().all(pat_is_literal),
        syn::Pat::Paren(x) => pat_is_literal(&x.pat),
        _ => false,
    }
}

/// Whether a block always leaves: `return`, `bail!`, `continue`, `break`, `Err(..)?`.
pub fn diverges(b: &syn::Block) -> bool {
    b.stmts.iter().any(|s| match s {
        syn::Stmt::Expr(e, _) => expr_diverges(e),
        syn::Stmt::Macro(mac) => mac
            .mac
            .path
            .segments
            .last()
            .is_some_and(|s| m::DIVERGING_MACROS.contains(&s.ident.to_string().as_str())),
        _ => false,
    })
}

fn expr_diverges(e: &Expr) -> bool {
    match e {
        Expr::Return(_) | Expr::Break(_) | Expr::Continue(_) => true,
        Expr::Macro(mac) => mac
            .mac
            .path
            .segments
            .last()
            .is_some_and(|s| m::DIVERGING_MACROS.contains(&s.ident.to_string().as_str())),
        Expr::Try(t) => matches!(&*t.expr, Expr::Call(c)
            if matches!(&*c.func, Expr::Path(p) if p.path.is_ident("Err"))),
        Expr::Block(b) => diverges(&b.block),
        Expr::Paren(p) => expr_diverges(&p.expr),
        _ => false,
    }
}

/// Whether a check named `name` passed, given the truth value `v` of its call (or, for a
/// `Result`, of its success): `is_valid(x)` true, `is_blocked(x)` false.
fn passed(name: &str, v: bool, result: bool) -> bool {
    if result || !m::is_rejecting_fn_name(name) {
        v
    } else {
        !v
    }
}

/// The value a `matches!(value, pattern)` tests.
fn matches_scrutinee(mac: &syn::Macro) -> Option<Expr> {
    let mut before = proc_macro2::TokenStream::new();
    for t in mac.tokens.clone() {
        if matches!(&t, proc_macro2::TokenTree::Punct(p) if p.as_char() == ',') {
            return syn::parse2(before).ok();
        }
        before.extend(std::iter::once(t));
    }
    None
}

/// What the closure given to an adaptor does to each element (`.map(|t| escape(t))`,
/// `.map(|s| s.parse::<u32>())`): the cleaning functions it calls, whether it parses to a
/// number.
fn closure_kinds(
    args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
) -> Option<(Kinds, bool)> {
    struct V {
        kinds: Kinds,
        numeric: bool,
    }
    impl<'v> syn::visit::Visit<'v> for V {
        fn visit_expr_call(&mut self, c: &'v syn::ExprCall) {
            if let Expr::Path(p) = &*c.func {
                let segs: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                for (pat, k) in m::CLEANING_FNS {
                    let n = pat.len().min(segs.len());
                    if n > 0
                        && segs[segs.len() - n..]
                            .iter()
                            .zip(&pat[pat.len() - n..])
                            .all(|(a, b)| a == b)
                    {
                        self.kinds |= k;
                    }
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, mc: &'v syn::ExprMethodCall) {
            if mc.method == "parse" {
                let numeric = mc.turbofish.as_ref().is_some_and(|t| {
                    t.args.iter().any(|a| {
                        matches!(a, syn::GenericArgument::Type(t)
                        if type_name(t).is_some_and(|n| crate::model::types::is_number_type(&n)))
                    })
                });
                self.numeric |= numeric;
            }
            syn::visit::visit_expr_method_call(self, mc);
        }
    }
    let c = args.iter().find_map(|a| match a {
        Expr::Closure(c) => Some(c),
        _ => None,
    })?;
    let mut v = V {
        kinds: 0,
        numeric: false,
    };
    syn::visit::Visit::visit_expr(&mut v, &c.body);
    (v.kinds != 0 || v.numeric).then_some((v.kinds, v.numeric))
}

fn is_range(e: &Expr) -> bool {
    match e {
        Expr::Range(_) => true,
        Expr::Paren(p) => is_range(&p.expr),
        Expr::Reference(r) => is_range(&r.expr),
        _ => false,
    }
}

/// Whether a block assigns a local that the condition tests (`if n > MAX { n = MAX }`).
fn assigns_checked(b: &syn::Block, cond: &Expr) -> bool {
    fn assigns(b: &syn::Block, cond_text: &str, depth: u32) -> bool {
        depth < 8
            && b.stmts.iter().any(|s| match s {
                syn::Stmt::Expr(Expr::Assign(a), _) => crate::engine::walk::target_name(&a.left)
                    .is_some_and(|n| {
                        cond_text
                            .split(|c: char| !c.is_alphanumeric() && c != '_')
                            .any(|w| w == n)
                    }),
                syn::Stmt::Expr(Expr::Block(inner), _) => {
                    assigns(&inner.block, cond_text, depth + 1)
                }
                _ => false,
            })
    }
    let cond_text = quote::ToTokens::to_token_stream(cond).to_string();
    assigns(b, &cond_text, 0)
}

/// The expressions a body's value comes from: its tail, through blocks, `if`/`else`,
/// `match` arms and parentheses (their addresses, for the walker to recognise).
fn tail_exprs(body: &syn::Block) -> Vec<usize> {
    fn add(e: &Expr, out: &mut Vec<usize>, depth: u32) {
        if depth > 32 || out.len() > 256 {
            return;
        }
        match e {
            Expr::Block(b) => {
                if let Some(t) = block_tail(&b.block) {
                    add(t, out, depth + 1);
                }
            }
            Expr::Unsafe(b) => {
                if let Some(t) = block_tail(&b.block) {
                    add(t, out, depth + 1);
                }
            }
            Expr::If(i) => {
                if let Some(t) = block_tail(&i.then_branch) {
                    add(t, out, depth + 1);
                }
                if let Some((_, el)) = &i.else_branch {
                    add(el, out, depth + 1);
                }
            }
            Expr::Match(mt) => {
                for arm in &mt.arms {
                    add(&arm.body, out, depth + 1);
                }
            }
            Expr::Paren(p) => add(&p.expr, out, depth + 1),
            _ => out.push(e as *const Expr as usize),
        }
    }
    let mut out = Vec::new();
    if let Some(t) = block_tail(body) {
        add(t, &mut out, 0);
    }
    out
}

/// Whether an actix-web route attribute (`#[get("/files/{name}")]`) has exactly one
/// dynamic segment, matched by the default pattern (no `{name:regex}`, no tail match).
fn actix_single_segment(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let Some(last) = a.path().segments.last() else {
            return false;
        };
        if !crate::model::web::ROUTE_ATTRS.contains(&last.ident.to_string().as_str()) {
            return false;
        }
        let syn::Meta::List(l) = &a.meta else {
            return false;
        };
        let Some(route) = l
            .tokens
            .clone()
            .into_iter()
            .find_map(|t| syn::parse2::<syn::LitStr>(t.into()).ok())
        else {
            return false;
        };
        let route = route.value();
        let dynamic: Vec<&str> = route
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .collect();
        dynamic.len() == 1 && !dynamic[0].contains(':')
    })
}
