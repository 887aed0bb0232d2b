//! BL503 `jwt-validation-disabled`: a JWT decoded without verifying its signature, or an
//! HMAC key for JWTs that is empty.

use crate::engine::builders::{attrs_gate, cond_gate};
use crate::engine::cx::Cx;
use crate::engine::resolve::{is_self_alias, trace, unwrap_all, At, Peel, Traced};
use crate::engine::usemap::path_names;
use crate::model::jwt::{
    hmac_key_constructor, insecure_decode_fn, names_unverified, DISABLE_SIGNATURE_METHOD,
    JSONWEBTOKEN_CRATES, JWT_AUTHORIZER_CRATE, JWT_AUTHORIZER_DISABLE_METHOD,
    JWT_AUTHORIZER_SIGNATURE_FIELD,
};
use crate::model::types::type_name;
use crate::model::values::TEXT_PRESERVING_METHODS;
use crate::rules::{Rule, RuleMeta};
use proc_macro2::Span;
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Lit};

crate::declare_rule! {
    pub static META = {
        code: "BL503",
        name: "jwt-validation-disabled",
        category: SecurityConfig,
        severity: Error,
        cwe: [347, 345],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "a JWT decoded without verifying its signature (`dangerous::insecure_decode`, `insecure_disable_signature_validation()`, …) or an empty HMAC key for JWTs",
    }
}

pub struct JwtValidationDisabled;

const HELP_DECODE: &str = "verify the token: `jsonwebtoken::decode::<Claims>(token, &key, &Validation::new(Algorithm::..))`; to choose the key first, read the header with `decode_header` (or only the issuer into a type named `Unverified…`), then verify with that key";

const HELP_KEY: &str =
    "load a random secret of at least 32 bytes from configuration and refuse to start without it";

impl Rule for JwtValidationDisabled {
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
        // Tests decode their own tokens to look at the claims; debug-only code never ships.
        if cx.scopes.in_test() || attrs_gate(attrs).dev_build {
            return;
        }
        // `impl UnverifiedClaims { fn decode(..) }`, `fn decode_unverified(..)`: the code
        // says the claims are unverified, to whoever uses them.
        let self_unverified = cx
            .scopes
            .self_ty()
            .and_then(type_name)
            .is_some_and(|s| names_unverified(&s.ident.to_string()));
        if self_unverified || names_unverified(&sig.ident.to_string()) {
            return;
        }
        let mut params = HashMap::new();
        for input in &sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                if let syn::Pat::Ident(i) = &*t.pat {
                    params.insert(i.ident.to_string(), &*t.ty);
                }
            }
        }
        let mut finder = Finder {
            cx,
            debug: 0,
            lets: HashMap::new(),
            params,
            found: Vec::new(),
        };
        finder.visit_block(body);
        let found = std::mem::take(&mut finder.found);
        for (span, message) in found {
            cx.report(&META, span, message).help = Some(HELP_DECODE.into());
        }
    }

    fn check_expr<'ast>(&self, cx: &mut Cx<'_, 'ast>, expr: &'ast Expr) {
        if cx.scopes.in_test() {
            return;
        }
        let Expr::Call(call) = expr else { return };
        let Expr::Path(p) = &*call.func else { return };
        let path = cx.resolve(&p.path);
        let Some(ctor) = hmac_key_constructor(&path) else {
            return;
        };
        let Some(arg) = call.args.first() else { return };
        let Some(why) = empty_key(cx, arg, At::HERE, 0) else {
            return;
        };
        let effect = if ctor.starts_with("EncodingKey") {
            "anyone can sign tokens with it that the service accepts"
        } else {
            "anyone can sign tokens that verify with it"
        };
        cx.report(
            &META,
            arg.span(),
            format!("`{ctor}` is given an empty HMAC key ({why}): {effect}"),
        )
        .help = Some(HELP_KEY.into());
    }
}

/// Walks one function body (not nested items, which get their own call) for calls that
/// skip signature verification, outside debug-only branches.
struct Finder<'c, 'a, 'ast> {
    cx: &'c Cx<'a, 'ast>,
    /// Depth of enclosing debug-only branches (`if cfg!(debug_assertions) { .. }`).
    debug: u32,
    /// `let` bindings of the body by name (flow-insensitive): their initializers.
    lets: HashMap<String, &'ast Expr>,
    /// Typed parameters of the function.
    params: HashMap<String, &'ast syn::Type>,
    found: Vec<(Span, String)>,
}

impl<'c, 'a, 'ast> Finder<'c, 'a, 'ast> {
    fn imports(&self, crates: &[&str]) -> bool {
        self.cx.uses.imports_crate(crates)
    }

    fn check(&mut self, e: &'ast Expr) {
        match e {
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return };
                let path = self.cx.resolve(&p.path);
                let Some(func) = insecure_decode_fn(&path) else {
                    return;
                };
                if turbofish_unverified(&p.path) {
                    return;
                }
                self.found.push((
                    c.func.span(),
                    format!(
                        "`{func}` decodes the JWT without verifying its signature: its claims are whatever the sender wrote"
                    ),
                ));
            }
            Expr::MethodCall(m) => {
                let method = m.method.to_string();
                if method == DISABLE_SIGNATURE_METHOD
                    && (self.imports(JSONWEBTOKEN_CRATES) || self.is_validation(&m.receiver, 0))
                {
                    self.found.push((
                        m.method.span(),
                        format!(
                            "`Validation::{method}()` turns off signature verification: `decode` with this validation accepts any token, with any claims"
                        ),
                    ));
                } else if method == JWT_AUTHORIZER_DISABLE_METHOD
                    && m.args.is_empty()
                    && self.imports(&[JWT_AUTHORIZER_CRATE])
                {
                    self.found.push((
                        m.method.span(),
                        format!(
                            "`Validation::{method}()` turns off signature verification in `jwt-authorizer`: any token is accepted"
                        ),
                    ));
                }
            }
            Expr::Assign(a) => {
                let Expr::Field(f) = &*a.left else { return };
                if member_is(&f.member, JWT_AUTHORIZER_SIGNATURE_FIELD)
                    && is_false(&a.right)
                    && self.imports(&[JWT_AUTHORIZER_CRATE])
                {
                    self.found.push((
                        a.left.span(),
                        format!(
                            "`{JWT_AUTHORIZER_SIGNATURE_FIELD} = false` turns off signature verification in `jwt-authorizer`: any token is accepted"
                        ),
                    ));
                }
            }
            Expr::Struct(s) => {
                let path = self.cx.resolve(&s.path);
                let authorizer = path.first().is_some_and(|c| c == JWT_AUTHORIZER_CRATE)
                    || (path.last().is_some_and(|l| l == "Validation")
                        && self.imports(&[JWT_AUTHORIZER_CRATE]));
                if !authorizer {
                    return;
                }
                for fv in &s.fields {
                    if member_is(&fv.member, JWT_AUTHORIZER_SIGNATURE_FIELD) && is_false(&fv.expr) {
                        self.found.push((
                            fv.span(),
                            format!(
                                "`{JWT_AUTHORIZER_SIGNATURE_FIELD}: false` turns off signature verification in `jwt-authorizer`: any token is accepted"
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
    }

    /// Whether a receiver is a `Validation`: built by `Validation::new(..)` /
    /// `Validation::default()`, or a binding or parameter of that type.
    fn is_validation(&self, e: &'ast Expr, depth: u32) -> bool {
        if depth > 4 {
            return false;
        }
        match e {
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => {
                    let segs = &p.path.segments;
                    segs.len() >= 2 && segs[segs.len() - 2].ident == "Validation"
                }
                _ => false,
            },
            Expr::MethodCall(m) => self.is_validation(&m.receiver, depth + 1),
            Expr::Reference(r) => self.is_validation(&r.expr, depth + 1),
            Expr::Paren(p) => self.is_validation(&p.expr, depth + 1),
            Expr::Struct(s) => s
                .path
                .segments
                .last()
                .is_some_and(|l| l.ident == "Validation"),
            Expr::Path(p) => {
                let Some(name) = p.path.get_ident().map(|i| i.to_string()) else {
                    return false;
                };
                if let Some(ty) = self.params.get(&name) {
                    return type_name(ty).is_some_and(|s| s.ident == "Validation");
                }
                match self.lets.get(&name) {
                    Some(init) => self.is_validation(init, depth + 1),
                    None => false,
                }
            }
            _ => false,
        }
    }
}

impl<'c, 'a, 'ast> Visit<'ast> for Finder<'c, 'a, 'ast> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if attrs_gate(&l.attrs).dev_build {
            return;
        }
        let ident = match &l.pat {
            syn::Pat::Ident(i) => Some(&i.ident),
            syn::Pat::Type(t) => match &*t.pat {
                syn::Pat::Ident(i) => Some(&i.ident),
                _ => None,
            },
            _ => None,
        };
        if let Some(ident) = ident {
            let name = ident.to_string();
            // `let unverified = insecure_decode(..)`: named for what it is.
            if names_unverified(&name) {
                return;
            }
            if let Some(init) = &l.init {
                // `let validation = validation;` keeps the entry of the value it rebinds.
                if !is_self_alias(&name, &init.expr, Peel::Transparent) {
                    self.lets.insert(name, &init.expr);
                }
            }
        }
        visit::visit_local(self, l);
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        self.visit_expr(&i.cond);
        // Branches compiled only into debug builds (`if cfg!(debug_assertions)`).
        let (then_gate, else_gate) = cond_gate(&i.cond, 0);
        let (then_debug, else_debug) = (then_gate.dev_build, else_gate.dev_build);
        self.debug += u32::from(then_debug);
        self.visit_block(&i.then_branch);
        self.debug -= u32::from(then_debug);
        if let Some((_, els)) = &i.else_branch {
            self.debug += u32::from(else_debug);
            self.visit_expr(els);
            self.debug -= u32::from(else_debug);
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let parsed = self.cx.macros.get(m);
        for e in parsed.exprs() {
            self.visit_expr(e);
        }
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        if self.debug == 0 {
            self.check(e);
        }
        visit::visit_expr(self, e);
    }
}

fn member_is(m: &syn::Member, name: &str) -> bool {
    matches!(m, syn::Member::Named(i) if i == name)
}

fn is_false(e: &Expr) -> bool {
    matches!(e, Expr::Lit(l) if matches!(&l.lit, Lit::Bool(b) if !b.value))
}

/// `insecure_decode::<UnverifiedClaims>(..)`: the claims' type says they are unverified.
fn turbofish_unverified(path: &syn::Path) -> bool {
    let Some(last) = path.segments.last() else {
        return false;
    };
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return false;
    };
    a.args.iter().any(|g| match g {
        syn::GenericArgument::Type(t) => {
            type_name(t).is_some_and(|s| names_unverified(&s.ident.to_string()))
        }
        _ => false,
    })
}

/// Why a key expression is empty, if it is: an empty literal, an empty `String`/`Vec`, a
/// constant or `let` holding one, or an environment variable read with an empty fallback.
fn empty_key<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, at: At, depth: u32) -> Option<String> {
    // Parentheses, references, derefs and `{ x }` blocks change nothing here.
    let e = unwrap_all(e, Peel::Syntax);
    if depth > 6 {
        return None;
    }
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) if s.value().is_empty() => Some("an empty string".into()),
            Lit::ByteStr(s) if s.value().is_empty() => Some("an empty byte string".into()),
            _ => None,
        },
        Expr::Reference(r) => empty_key(cx, &r.expr, at, depth + 1),
        Expr::Paren(p) => empty_key(cx, &p.expr, at, depth + 1),
        Expr::Group(g) => empty_key(cx, &g.expr, at, depth + 1),
        Expr::Array(a) if a.elems.is_empty() => Some("an empty slice".into()),
        Expr::Repeat(r) if is_zero(&r.len) => Some("an empty array".into()),
        Expr::Macro(m) if m.mac.path.is_ident("vec") && m.mac.tokens.is_empty() => {
            Some("an empty `Vec`".into())
        }
        Expr::Call(c) if c.args.is_empty() => {
            let Expr::Path(p) = &*c.func else { return None };
            let segs: Vec<String> = path_names(&p.path);
            match segs
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice()
            {
                [.., "String" | "Vec", "new" | "default"] => Some("an empty value".into()),
                _ => None,
            }
        }
        Expr::MethodCall(m) => {
            let method = m.method.to_string();
            if TEXT_PRESERVING_METHODS.contains(&method.as_str()) {
                return empty_key(cx, &m.receiver, at, depth + 1);
            }
            let fallback_empty = match method.as_str() {
                "unwrap_or_default" => true,
                "unwrap_or" => m.args.first().is_some_and(is_empty_literal),
                "unwrap_or_else" => m.args.first().is_some_and(|a| match a {
                    Expr::Closure(c) => is_empty_literal(&c.body),
                    _ => false,
                }),
                _ => false,
            };
            if !fallback_empty {
                return None;
            }
            let var = env_var_name(cx, &m.receiver, at)?;
            Some(format!(
                "`{var}` with `{method}`, empty when the variable is unset"
            ))
        }
        Expr::Path(p) => {
            if let Some(ident) = p.path.get_ident() {
                let name = ident.to_string();
                if let Some(b) = cx.scopes.resolve(&name, at) {
                    return b
                        .alias_of()
                        .and_then(|init| empty_key(cx, init, b.at(), depth + 1));
                }
            }
            let last = p.path.segments.last()?.ident.to_string();
            let init = cx.facts.const_values.get(&last)?;
            empty_key(cx, init, At::ITEM, depth + 1)
        }
        _ => None,
    }
}

fn is_zero(e: &Expr) -> bool {
    matches!(e, Expr::Lit(l) if matches!(&l.lit, Lit::Int(i) if i.base10_digits() == "0"))
}

/// `""`, `String::new()`, `"".to_string()`, `"".into()`, `Default::default()`.
fn is_empty_literal(e: &Expr) -> bool {
    match e {
        Expr::Lit(l) => matches!(&l.lit, Lit::Str(s) if s.value().is_empty()),
        Expr::MethodCall(m) => {
            matches!(
                m.method.to_string().as_str(),
                "to_string" | "to_owned" | "into"
            ) && is_empty_literal(&m.receiver)
        }
        Expr::Call(c) if c.args.is_empty() => match &*c.func {
            Expr::Path(p) => {
                let segs: Vec<String> = path_names(&p.path);
                matches!(
                    segs.iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .as_slice(),
                    [.., "String", "new" | "default"] | ["Default", "default"]
                )
            }
            _ => false,
        },
        Expr::Block(b) => match b.block.stmts.as_slice() {
            [syn::Stmt::Expr(e, None)] => is_empty_literal(e),
            _ => false,
        },
        _ => false,
    }
}

/// The variable an `env::var("NAME")` / `dotenvy::var("NAME")` call reads (`NAME`, or
/// the argument's text when it is not a literal).
fn env_var_name<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, at: At) -> Option<String> {
    // `let value = env::var("KEY"); value.unwrap_or_default()`: the local's value.
    let e = match trace(&cx.scopes, e, at, Peel::Syntax) {
        Traced::Expr(inner, _) => inner,
        _ => e,
    };
    let Expr::Call(c) = e else { return None };
    let Expr::Path(p) = &*c.func else { return None };
    let path = cx.resolve(&p.path);
    let is_env = matches!(
        path.iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["std", "env", "var"] | ["env", "var"] | ["dotenvy" | "dotenv", "var"]
    );
    if !is_env {
        return None;
    }
    match c.args.first() {
        Some(Expr::Lit(l)) => match &l.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        Some(other) => Some(cx.src.snippet(other.span()).to_string()),
        None => None,
    }
}
