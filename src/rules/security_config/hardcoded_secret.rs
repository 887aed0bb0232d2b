//! BL505 `hardcoded-secret`: a credential written in the source.
//!
//! Four shapes: a literal given to a secret-named binding, field, constant, setter or
//! default (`jwt_secret: "…".into()`); a literal given to a key constructor
//! (`EncodingKey::from_secret(b"…")`); a literal fallback of a secret environment variable
//! (`env::var("JWT_SECRET").unwrap_or("…")`); and, in any string literal, a token of a
//! well-known format or a connection URL with a password. Placeholders, labels, templates,
//! test and sample code are exempt; messages never print the secret.

use crate::engine::cx::{Cx, ItemRef, MacroRef};
use crate::engine::macros::MacroKind;
use crate::engine::resolve::{trace, unwrap_all, At, Peel, Traced};
use crate::engine::usemap::path_names;
use crate::model::credentials::DEFAULT_ATTRS;
use crate::model::credentials::{
    find_token, find_url_password, is_credential_setter, is_credential_type, is_env_reader,
    is_label_of, is_literal_secret_name, is_sample_name, key_fn, looks_generated, names_password,
    not_a_secret, redact, repeats_name, ENV_CHAIN_METHODS, FALLBACK_METHODS, KEY_INIT_CRATES,
};
use crate::model::names::words;
use crate::model::secrets::REDACTING_TYPES;
use crate::model::values::{COMPARE_METHODS, TEXT_PRESERVING_METHODS, WRAPPING_TYPES};
use crate::rules::{Rule, RuleMeta};
use proc_macro2::{Span, TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Lit};

crate::declare_rule! {
    pub static META = {
        code: "BL505",
        name: "hardcoded-secret",
        category: SecurityConfig,
        severity: Error,
        cwe: [798, 259, 321],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "a secret written in the source: a literal password, token or key (in a secret-named binding, field, constant or default, a key constructor, an environment fallback), a known token format, or a password in a connection URL",
    }
}

pub struct HardcodedSecret;

const HELP: &str = "load the secret at startup from the environment or a secrets manager (and fail when it is missing); the value is in the repository history: rotate it";
const HELP_FALLBACK: &str = "fail at startup when the variable is missing (`std::env::var(..)?` or `.expect(..)`), or generate a random secret for the process; never ship a default";
const HELP_URL: &str = "read the URL, or only its password, from the environment or a secrets manager; the password is in the repository history: rotate it";
const HELP_TOKEN: &str = "revoke the token (it is in the repository history) and load its replacement from the environment or a secrets manager";

impl Rule for HardcodedSecret {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_expr<'ast>(&self, cx: &mut Cx<'_, 'ast>, expr: &'ast Expr) {
        // The node's kind first: asking whether the code is exempt costs more.
        let candidate = matches!(
            expr,
            Expr::Struct(_) | Expr::Assign(_) | Expr::MethodCall(_) | Expr::Call(_)
        );
        if !candidate || exempt(cx) {
            return;
        }
        match expr {
            Expr::Struct(s) => check_struct_literal(cx, s),
            Expr::Assign(a) => {
                let name = match &*a.left {
                    Expr::Field(f) => match &f.member {
                        syn::Member::Named(i) => Some(i.to_string()),
                        syn::Member::Unnamed(_) => None,
                    },
                    Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
                    _ => None,
                };
                if let Some(name) = name {
                    check_named(cx, &name, &a.right, Context::Assign);
                }
            }
            Expr::MethodCall(m) => {
                check_fallback(cx, m);
                check_setter(cx, m);
            }
            Expr::Call(c) => {
                check_key_fn(cx, c);
                check_credential_type(cx, c);
            }
            _ => {}
        }
    }

    fn check_local<'ast>(&self, cx: &mut Cx<'_, 'ast>, local: &'ast syn::Local) {
        if exempt(cx) {
            return;
        }
        let Some(init) = &local.init else { return };
        let pat = match &local.pat {
            syn::Pat::Type(t) => &*t.pat,
            p => p,
        };
        if let syn::Pat::Ident(i) = pat {
            check_named(cx, &i.ident.to_string(), &init.expr, Context::Let);
        }
    }

    fn check_item<'ast>(&self, cx: &mut Cx<'_, 'ast>, item: ItemRef<'ast>) {
        if exempt(cx) {
            return;
        }
        let (ident, expr) = match item {
            ItemRef::Const(c) => (&c.ident, &*c.expr),
            ItemRef::Static(s) => (&s.ident, &*s.expr),
            ItemRef::ImplConst(c) => (&c.ident, &c.expr),
            ItemRef::TraitConst(c) => match &c.default {
                Some((_, e)) => (&c.ident, e),
                None => return,
            },
            ItemRef::Struct(s) => {
                check_field_defaults(cx, s);
                return;
            }
        };
        check_named(cx, &ident.to_string(), expr, Context::Const);
        // Macros of a constant outside functions are scanned by `check_macro`.
        let macros = cx.scopes.current_fn().is_some();
        Scan::new(cx, macros).visit_expr(expr);
    }

    fn check_macro<'ast>(&self, cx: &mut Cx<'_, 'ast>, mac: MacroRef<'ast>) {
        // Inside functions the body scan reaches macros; elsewhere (constants, statics,
        // `lazy_static!`) each macro is scanned here, its nested macros on their own.
        if cx.scopes.current_fn().is_some() || exempt(cx) {
            return;
        }
        Scan::new(cx, false).scan_macro(mac.mac);
    }

    fn check_fn<'ast>(
        &self,
        cx: &mut Cx<'_, 'ast>,
        _attrs: &'ast [syn::Attribute],
        sig: &'ast syn::Signature,
        body: &'ast syn::Block,
    ) {
        let name = sig.ident.to_string();
        if exempt(cx) || is_sample_name(&name) {
            return;
        }
        // `fn default_jwt_secret() -> String { "…".into() }` (a serde or clap default).
        if sig.inputs.is_empty() && body.stmts.len() == 1 {
            let ret = match &body.stmts[0] {
                syn::Stmt::Expr(Expr::Return(r), _) => r.expr.as_deref(),
                syn::Stmt::Expr(e, None) => Some(e),
                _ => None,
            };
            if let Some(ret) = ret {
                check_named(cx, &name, ret, Context::Returns);
            }
        }
        let mut scan = Scan::new(cx, true);
        for stmt in &body.stmts {
            scan.visit_stmt(stmt);
        }
    }
}

/// Whether the code being walked is test or sample code: `#[test]`, `#[cfg(test)]`,
/// `tests/`, test-support crates and modules, `examples/`, `benches/`, mocks, and
/// functions named for tests (`for_testing`, `mock_config`).
fn exempt(cx: &Cx<'_, '_>) -> bool {
    if cx.scopes.in_test() || cx.file.test {
        return true;
    }
    if cx.scopes.current_fn().is_some_and(is_sample_name) {
        return true;
    }
    cx.is_sample_file()
}

/// A literal a value comes down to.
struct Literal {
    text: String,
    /// The literal's own span.
    span: Span,
    /// An array of this many integer literals (`[0x1f, 0x8b, …]`).
    array: Option<usize>,
    /// The binding or constant the value was read from, when not written in place.
    via: Option<String>,
}

/// The literal `e` comes down to: `"…"`, `b"…"`, `"…".to_string()`, `String::from("…")`,
/// `SecretString::new("…".into())`, `Some("…")`, an array of 16 or more integer literals,
/// or a local `let` or a constant of this file holding one.
fn literal_of<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, at: At, depth: u32) -> Option<Literal> {
    // Parentheses, references, derefs and `{ x }` blocks change nothing here.
    let e = unwrap_all(e, Peel::Syntax);
    if depth > 8 {
        return None;
    }
    match e {
        Expr::Lit(l) => {
            let text = match &l.lit {
                Lit::Str(s) => s.value(),
                Lit::ByteStr(b) => String::from_utf8_lossy(&b.value()).into_owned(),
                _ => return None,
            };
            Some(Literal {
                text,
                span: l.span(),
                array: None,
                via: None,
            })
        }
        Expr::Reference(r) => literal_of(cx, &r.expr, at, depth + 1),
        Expr::Paren(p) => literal_of(cx, &p.expr, at, depth + 1),
        Expr::Group(g) => literal_of(cx, &g.expr, at, depth + 1),
        Expr::MethodCall(m)
            if m.args.is_empty()
                && TEXT_PRESERVING_METHODS.contains(&m.method.to_string().as_str()) =>
        {
            literal_of(cx, &m.receiver, at, depth + 1)
        }
        Expr::Call(c) if c.args.len() == 1 => {
            let Expr::Path(p) = &*c.func else { return None };
            let segs: Vec<String> = path_names(&p.path);
            let wraps = match segs.as_slice() {
                [one] => one == "Some",
                [.., ty, f] => {
                    matches!(
                        f.as_str(),
                        "from" | "new" | "from_static" | "Borrowed" | "Owned"
                    ) && (WRAPPING_TYPES.contains(&ty.as_str())
                        || REDACTING_TYPES.contains(&ty.as_str()))
                }
                _ => false,
            };
            if !wraps {
                return None;
            }
            literal_of(cx, &c.args[0], at, depth + 1)
        }
        Expr::Array(a) => {
            let ints: Vec<u128> = a
                .elems
                .iter()
                .map(|e| match e {
                    Expr::Lit(syn::ExprLit {
                        lit: Lit::Int(i), ..
                    }) => i.base10_parse::<u128>().ok(),
                    _ => None,
                })
                .collect::<Option<_>>()?;
            if ints.len() < 16 {
                return None;
            }
            let distinct = {
                let mut v = ints.clone();
                v.sort_unstable();
                v.dedup();
                v.len()
            };
            let counting = ints.windows(2).all(|w| w[1] == w[0] + 1);
            if distinct < 4 || counting {
                return None;
            }
            Some(Literal {
                text: String::new(),
                span: a.span(),
                array: Some(ints.len()),
                via: None,
            })
        }
        Expr::Path(p) => {
            let ident = p.path.get_ident()?;
            let name = ident.to_string();
            let (inner, inner_at) = match cx.scopes.resolve(&name, at) {
                Some(b) => (b.alias_of()?, b.at()),
                None => (*cx.facts.const_values.get(&name)?, At::ITEM),
            };
            let mut lit = literal_of(cx, inner, inner_at, depth + 1)?;
            lit.via.get_or_insert(name);
            Some(lit)
        }
        Expr::Block(b) if b.block.stmts.len() == 1 => match &b.block.stmts[0] {
            syn::Stmt::Expr(e, None) => literal_of(cx, e, at, depth + 1),
            _ => None,
        },
        _ => None,
    }
}

/// Where a secret-named value is written, for the message.
#[derive(Clone, Copy)]
enum Context<'n> {
    Let,
    Assign,
    Const,
    /// A field of a struct literal of this type, in that type's `Default` impl or not.
    /// A field of a struct literal of type `ty`; `default` is the type whose
    /// `Default::default` builds it.
    Field {
        ty: Option<&'n str>,
        default: Option<&'n str>,
    },
    /// A credential type's constructor (`ClientSecret::new("…".into())`).
    Constructor(&'n str),
    Setter,
    Returns,
    /// `#[arg(default_value = "…")]` and the like.
    Attr(&'n str),
    /// `config`'s `.set_default("auth.jwt_secret", "…")`.
    ConfigDefault,
    /// The function a `#[serde(default = "f")]` names returns the literal.
    SerdeDefault(&'n str),
}

/// Whether a literal written for a secret-named `name` is a secret (not a placeholder,
/// label, template, path or sample), a token or URL left to the literal scan excepted.
fn named_value_is_secret(lit: &Literal, name: &str, constant: bool) -> bool {
    if lit.array.is_some() {
        return true;
    }
    let text = lit.text.as_str();
    if find_token(text).is_some() || find_url_password(text).is_some() {
        // Reported by the scan of literals, with a more precise message.
        return false;
    }
    not_a_secret(text).is_none()
        && !repeats_name(text, name)
        && !(constant && is_label_of(text, name))
        && (names_password(name) || looks_generated(text))
}

fn shown(lit: &Literal) -> String {
    match lit.array {
        Some(n) => format!("an array of {n} bytes"),
        None => redact(&lit.text),
    }
}

/// Reports a secret-named binding, field, constant, setter or default given a literal.
fn check_named<'ast>(cx: &mut Cx<'_, 'ast>, name: &str, value: &'ast Expr, ctx: Context<'_>) {
    if !is_literal_secret_name(name, &cx.settings.secrets.extra_names) {
        return;
    }
    if let Some(lit) = literal_of(cx, value, At::HERE, 0) {
        report_named(cx, name, &lit, value.span(), ctx);
    }
}

/// Reports `lit` written for the secret-named `name` (checked by the caller) unless it is
/// no secret; `value` is where the value is written (the literal's own span if inline).
fn report_named(cx: &mut Cx<'_, '_>, name: &str, lit: &Literal, value: Span, ctx: Context<'_>) {
    report_named_as(cx, name, name, lit, value, ctx);
}

/// [`report_named`] with the value checked as one for `checked` (`basic_auth`'s argument
/// is a password) and the message naming `name`.
fn report_named_as(
    cx: &mut Cx<'_, '_>,
    name: &str,
    checked: &str,
    lit: &Literal,
    value: Span,
    ctx: Context<'_>,
) {
    let extra = &cx.settings.secrets.extra_names;
    if let Some(via) = &lit.via {
        // A secret-named binding or constant is reported where it is written.
        if is_literal_secret_name(via, extra) || is_sample_name(via) {
            return;
        }
    }
    let constant = matches!(ctx, Context::Const) || lit.via.is_some();
    if !named_value_is_secret(lit, checked, constant) {
        return;
    }
    let what = shown(lit);
    let from = lit
        .via
        .as_ref()
        .map(|v| format!(" from `{v}`"))
        .unwrap_or_default();
    let message = match ctx {
        Context::Let | Context::Assign => {
            format!("hard-coded secret{from} assigned to `{name}` ({what})")
        }
        Context::Const => format!("`{name}` is a hard-coded secret ({what})"),
        Context::Field {
            default: Some(owner),
            ..
        } => format!("`{owner}::default()` sets `{name}` to a hard-coded secret{from} ({what})"),
        Context::Field {
            ty: Some(ty),
            default: None,
        } => format!("hard-coded secret{from} in field `{name}` of `{ty}` ({what})"),
        Context::Constructor(ctor) => {
            format!("hard-coded secret{from} given to `{ctor}` ({what})")
        }
        Context::Field { ty: None, .. } => {
            format!("hard-coded secret{from} in field `{name}` ({what})")
        }
        Context::Setter => format!("hard-coded secret{from} passed to `.{name}()` ({what})"),
        Context::Returns => format!("`{name}()` returns a hard-coded secret{from} ({what})"),
        Context::Attr(attr) => {
            format!("`#[{attr}(..)]` gives `{name}` a hard-coded default secret ({what})")
        }
        Context::ConfigDefault => {
            format!("hard-coded default secret{from} for configuration key `{name}` ({what})")
        }
        Context::SerdeDefault(f) => {
            format!("`#[serde(default = \"{f}\")]` gives `{name}` a hard-coded default secret{from} ({what})")
        }
    };
    let span = if lit.via.is_some() { value } else { lit.span };
    cx.report(&META, span, message).help = Some(HELP.into());
}

/// Fields of a struct literal: `Config { jwt_secret: "…".into(), .. }`.
fn check_struct_literal<'ast>(cx: &mut Cx<'_, 'ast>, s: &'ast syn::ExprStruct) {
    let self_name = cx.scopes.self_ty().and_then(|t| match t {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    });
    let ty = s.path.segments.last().map(|seg| seg.ident.to_string());
    let ty = match ty.as_deref() {
        Some("Self") => self_name.clone().or(ty),
        _ => ty,
    };
    if ty.as_deref().is_some_and(is_sample_name) {
        return;
    }
    let default = (cx.scopes.current_fn() == Some("default"))
        .then(|| self_name.clone().or_else(|| ty.clone()))
        .flatten();
    for f in &s.fields {
        if let syn::Member::Named(i) = &f.member {
            let ctx = Context::Field {
                ty: ty.as_deref(),
                default: default.as_deref(),
            };
            check_named(cx, &i.to_string(), &f.expr, ctx);
        }
    }
}

/// `ClientSecret::new("…".to_string())`, `ApiKey::from("…")`: a credential type built
/// from a literal (redacting wrappers such as `SecretString` are seen through instead).
fn check_credential_type<'ast>(cx: &mut Cx<'_, 'ast>, c: &'ast syn::ExprCall) {
    let Expr::Path(p) = &*c.func else { return };
    let segs = &p.path.segments;
    if c.args.len() != 1 || segs.len() < 2 {
        return;
    }
    let ty = segs[segs.len() - 2].ident.to_string();
    let f = segs[segs.len() - 1].ident.to_string();
    if !matches!(f.as_str(), "new" | "from" | "from_static")
        || !crate::model::names::is_camel_case(&ty)
        || REDACTING_TYPES.contains(&ty.as_str())
        || WRAPPING_TYPES.contains(&ty.as_str())
        || !is_credential_type(&ty, &cx.settings.secrets.extra_names)
    {
        return;
    }
    let ctor = format!("{ty}::{f}");
    check_named(cx, &ty, &c.args[0], Context::Constructor(&ctor));
}

/// `.password("…")`, `.with_api_key("…")`, `.bearer_auth("…")`, `.basic_auth(user,
/// Some("…"))`, and `config`'s `.set_default("auth.jwt_secret", "…")`.
fn check_setter<'ast>(cx: &mut Cx<'_, 'ast>, m: &'ast syn::ExprMethodCall) {
    let method = m.method.to_string();
    let extra = &cx.settings.secrets.extra_names;
    let (name, value, ctx) = match (method.as_str(), m.args.len()) {
        ("basic_auth", 2) => ("password".to_string(), &m.args[1], Context::Setter),
        ("set_default" | "set_override", 2) => {
            let Some(key) = literal_of(cx, &m.args[0], At::HERE, 0) else {
                return;
            };
            let last = key.text.rsplit('.').next().unwrap_or("").to_string();
            (last, &m.args[1], Context::ConfigDefault)
        }
        (_, 1) if is_credential_setter(&method, extra) => {
            (method.clone(), &m.args[0], Context::Setter)
        }
        _ => return,
    };
    let shown_name = if matches!(ctx, Context::Setter) {
        method.as_str()
    } else {
        name.as_str()
    };
    let checked = match method.as_str() {
        "bearer_auth" => "token",
        "basic_auth" => "password",
        _ => name.as_str(),
    };
    if !is_literal_secret_name(checked, extra) {
        return;
    }
    let Some(lit) = literal_of(cx, value, At::HERE, 0) else {
        return;
    };
    report_named_as(cx, shown_name, checked, &lit, value.span(), ctx);
}

/// A literal written where it is used as a key: sample values (`"test-key"`) aside, even
/// a placeholder (`"secret"`, `"changeme"`) is the key.
fn used_as_key(lit: &Literal) -> bool {
    if lit.array.is_some() {
        return true;
    }
    let t = lit.text.trim();
    let sample = words(&t.to_lowercase()).iter().any(|w| {
        matches!(
            w.as_str(),
            "test" | "tests" | "testing" | "example" | "dummy" | "fake" | "mock" | "sample"
        )
    });
    let filler = t.chars().count() >= 8 && one_char(t);
    !t.is_empty() && !sample && !filler
}

/// Whether a text repeats one character (`"xxxxxxxx"`).
fn one_char(t: &str) -> bool {
    let mut chars = t.chars();
    match chars.next() {
        Some(first) => chars.all(|c| c == first),
        None => true,
    }
}

/// `EncodingKey::from_secret(b"…")`, `Hmac::<Sha256>::new_from_slice(b"…")`,
/// `cookie::Key::from(&[..])`: a key made from bytes written in the source.
fn check_key_fn<'ast>(cx: &mut Cx<'_, 'ast>, c: &'ast syn::ExprCall) {
    let Expr::Path(p) = &*c.func else { return };
    let path = cx.resolve(&p.path);
    let arg_index = match key_fn(&path) {
        Some(k) => k.arg,
        // A type alias of a RustCrypto type (`type HmacSha256 = Hmac<Sha256>`).
        None if path.last().is_some_and(|l| l == "new_from_slice")
            && cx.uses.imports_crate(KEY_INIT_CRATES) =>
        {
            0
        }
        None => return,
    };
    let Some(arg) = c.args.iter().nth(arg_index) else {
        return;
    };
    let Some(lit) = literal_of(cx, arg, At::HERE, 0) else {
        return;
    };
    let extra = &cx.settings.secrets.extra_names;
    if let Some(via) = &lit.via {
        if is_sample_name(via) {
            return;
        }
        // Reported where the secret-named constant or binding is written.
        if is_literal_secret_name(via, extra) && named_value_is_secret(&lit, via, true) {
            return;
        }
    }
    if !used_as_key(&lit) || (lit.array.is_none() && find_token(&lit.text).is_some()) {
        return;
    }
    let shown_path = path
        .iter()
        .rev()
        .take(2)
        .rev()
        .cloned()
        .collect::<Vec<_>>()
        .join("::");
    let from = lit
        .via
        .as_ref()
        .map(|v| format!(" from `{v}`"))
        .unwrap_or_default();
    let message = format!(
        "hard-coded key{from} given to `{shown_path}` ({})",
        shown(&lit)
    );
    let span = if lit.via.is_some() {
        arg.span()
    } else {
        lit.span
    };
    cx.report(&META, span, message).help = Some(HELP.into());
}

/// `env::var("JWT_SECRET").unwrap_or("…")`, `.unwrap_or_else(|_| "…".into())`,
/// `option_env!("API_KEY").unwrap_or("…")`: a secret used whenever the variable is unset.
fn check_fallback<'ast>(cx: &mut Cx<'_, 'ast>, m: &'ast syn::ExprMethodCall) {
    let method = m.method.to_string();
    if !FALLBACK_METHODS.contains(&method.as_str()) || m.args.len() != 1 {
        return;
    }
    let mut r: &Expr = &m.receiver;
    let mut at = At::HERE;
    let var = loop {
        // A local holding the read (`let value = env::var("KEY");`): its value.
        if let Traced::Expr(inner, inner_at) = trace(&cx.scopes, r, at, Peel::Syntax) {
            (r, at) = (inner, inner_at);
        }
        match r {
            Expr::MethodCall(mc) if ENV_CHAIN_METHODS.contains(&mc.method.to_string().as_str()) => {
                r = &mc.receiver;
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return };
                if !is_env_reader(&cx.resolve(&p.path)) {
                    return;
                }
                let Some(lit) = c.args.first().and_then(|a| literal_of(cx, a, at, 0)) else {
                    return;
                };
                break lit.text;
            }
            Expr::Macro(mac) if mac.mac.path.is_ident("option_env") => {
                let Ok(lit) = mac.mac.parse_body::<syn::LitStr>() else {
                    return;
                };
                break lit.value();
            }
            _ => return,
        }
    };
    if !is_literal_secret_name(&var, &cx.settings.secrets.extra_names) {
        return;
    }
    let fallback = match &m.args[0] {
        Expr::Closure(c) => &*c.body,
        e => e,
    };
    let Some(lit) = literal_of(cx, fallback, At::HERE, 0) else {
        return;
    };
    if let Some(via) = &lit.via {
        // A secret-named constant is reported where it is written (a placeholder one,
        // not reported there, is reported here: it is the secret when the variable is
        // unset).
        let extra = &cx.settings.secrets.extra_names;
        if is_literal_secret_name(via, extra) && named_value_is_secret(&lit, via, true) {
            return;
        }
    }
    if lit.array.is_none() {
        let t = lit.text.trim();
        let path_or_name =
            not_a_secret(t).is_some_and(|why| matches!(why, "path" | "env var name" | "text"));
        if !used_as_key(&lit) || path_or_name {
            return;
        }
    }
    let message = format!(
        "`{var}` falls back to a hard-coded secret ({}) when the variable is unset",
        shown(&lit)
    );
    let span = if lit.via.is_some() {
        m.args[0].span()
    } else {
        lit.span
    };
    cx.report(&META, span, message).help = Some(HELP_FALLBACK.into());
}

/// `#[arg(long, env = "JWT_SECRET", default_value = "…")] jwt_secret: String` and
/// `#[default("…")]` (smart-default) on secret-named fields; any such default is also
/// scanned for tokens and URL passwords.
fn check_field_defaults<'ast>(cx: &mut Cx<'_, 'ast>, s: &'ast syn::ItemStruct) {
    if is_sample_name(&s.ident.to_string()) {
        return;
    }
    for field in &s.fields {
        let Some(ident) = &field.ident else { continue };
        for attr in &field.attrs {
            let Some(attr_name) = attr.path().segments.last().map(|s| s.ident.to_string()) else {
                continue;
            };
            if attr_name == "serde" {
                check_serde_default(cx, &ident.to_string(), attr);
                continue;
            }
            if !DEFAULT_ATTRS.contains(&attr_name.as_str()) {
                continue;
            }
            for value in default_values(attr) {
                Scan::new(cx, false).scan_lit(&value);
                let Lit::Str(text) = &value else { continue };
                let name = ident.to_string();
                if !is_literal_secret_name(&name, &cx.settings.secrets.extra_names) {
                    continue;
                }
                let literal = Literal {
                    text: text.value(),
                    span: text.span(),
                    array: None,
                    via: None,
                };
                report_named(cx, &name, &literal, text.span(), Context::Attr(&attr_name));
            }
        }
    }
}

/// `#[serde(default = "initial_admin_password")] admin_password: String`: the function
/// (of this file) the attribute names returns a literal for a secret-named field. A
/// function named for a secret itself is checked where it is defined.
fn check_serde_default<'ast>(cx: &mut Cx<'_, 'ast>, field: &str, attr: &'ast syn::Attribute) {
    if !is_literal_secret_name(field, &cx.settings.secrets.extra_names) {
        return;
    }
    let mut target = None;
    let _ = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("default") && meta.input.peek(syn::Token![=]) {
            if let Ok(Lit::Str(s)) = meta.value()?.parse::<Lit>() {
                target = Some(s.value());
            }
        } else if meta.input.peek(syn::Token![=]) {
            let _: Expr = meta.value()?.parse()?;
        } else if meta.input.peek(syn::token::Paren) {
            let _: proc_macro2::Group = meta.input.parse()?;
        }
        Ok(())
    });
    let Some(path) = target else { return };
    // Only a function of this file, named by its bare name.
    if path.contains("::") || is_literal_secret_name(&path, &cx.settings.secrets.extra_names) {
        return;
    }
    let items: &'ast [syn::Item] = cx.facts.items;
    let Some(f) = items.iter().find_map(|i| match i {
        syn::Item::Fn(f) if f.sig.ident == path.as_str() && f.sig.inputs.is_empty() => Some(f),
        _ => None,
    }) else {
        return;
    };
    if is_sample_name(&path) {
        return;
    }
    let ret = match f.block.stmts.as_slice() {
        [syn::Stmt::Expr(Expr::Return(r), _)] => r.expr.as_deref(),
        [syn::Stmt::Expr(e, None)] => Some(e),
        _ => None,
    };
    if let Some(ret) = ret {
        if let Some(lit) = literal_of(cx, ret, At::HERE, 0) {
            report_named(cx, field, &lit, ret.span(), Context::SerdeDefault(&path));
        }
    }
}

/// The literal defaults an attribute gives: `default_value = "…"`, `default_value_t =
/// "…"`, `default = "…"` inside a list, `#[default = "…"]`, `#[default("…")]`.
fn default_values(attr: &syn::Attribute) -> Vec<Lit> {
    let mut out = Vec::new();
    match &attr.meta {
        syn::Meta::NameValue(nv) if attr.path().is_ident("default") => {
            if let Expr::Lit(l) = &nv.value {
                out.push(l.lit.clone());
            }
        }
        syn::Meta::List(list) if attr.path().is_ident("default") => {
            if let Ok(Expr::Lit(l)) = syn::parse2::<Expr>(list.tokens.clone()) {
                out.push(l.lit);
            }
        }
        syn::Meta::List(_) => {
            let _ = attr.parse_nested_meta(|meta| {
                let key = meta
                    .path
                    .get_ident()
                    .map(|i| i.to_string())
                    .unwrap_or_default();
                if meta.input.peek(syn::Token![=]) {
                    let v: Expr = meta.value()?.parse()?;
                    if matches!(
                        key.as_str(),
                        "default_value" | "default_value_t" | "default"
                    ) {
                        if let Expr::Lit(l) = v {
                            out.push(l.lit);
                        }
                    }
                } else if meta.input.peek(syn::token::Paren) {
                    let _: proc_macro2::Group = meta.input.parse()?;
                }
                Ok(())
            });
        }
        _ => {}
    }
    out
}

/// A walk over a function body or a constant's value looking at every string literal for
/// known token formats and URL passwords. Nested items are left to their own hooks;
/// comparisons, test-named calls and struct literals, and assertions are skipped.
struct Scan<'c, 'a, 'ast> {
    cx: &'c mut Cx<'a, 'ast>,
    /// Whether to enter macros (inside functions; elsewhere `check_macro` sees each).
    macros: bool,
}

impl<'c, 'a, 'ast> Scan<'c, 'a, 'ast> {
    fn new(cx: &'c mut Cx<'a, 'ast>, macros: bool) -> Self {
        Scan { cx, macros }
    }

    fn scan_text(&mut self, text: &str, span: Span) {
        if let Some(t) = find_token(text) {
            let message = if t.prefix.is_empty() {
                format!("{} written in the source ({} chars)", t.format.what, t.len)
            } else {
                format!(
                    "{} written in the source (`{}…`, {} chars)",
                    t.format.what, t.prefix, t.len
                )
            };
            self.cx.report(&META, span, message).help = Some(HELP_TOKEN.into());
        } else if let Some(u) = find_url_password(text) {
            let of = if u.user.is_empty() {
                String::new()
            } else {
                format!(" of user `{}`", u.user)
            };
            let message = format!(
                "password{of} written in the `{}://` URL for `{}` ({} chars)",
                u.scheme, u.host, u.password_len
            );
            self.cx.report(&META, span, message).help = Some(HELP_URL.into());
        }
    }

    fn scan_lit(&mut self, lit: &Lit) {
        match lit {
            Lit::Str(s) => self.scan_text(&s.value(), s.span()),
            Lit::ByteStr(b) => {
                let text = String::from_utf8_lossy(&b.value()).into_owned();
                self.scan_text(&text, b.span());
            }
            _ => {}
        }
    }

    fn scan_tokens(&mut self, ts: TokenStream, depth: u32) {
        if depth > 32 {
            return;
        }
        for t in ts {
            match t {
                TokenTree::Literal(l) => self.scan_lit(&Lit::new(l)),
                TokenTree::Group(g) => self.scan_tokens(g.stream(), depth + 1),
                _ => {}
            }
        }
    }

    /// A macro's literals: its format string and arguments, or every literal token of a
    /// macro whose body is not understood (`json!`, `lazy_static!`).
    fn scan_macro(&mut self, mac: &'ast syn::Macro) {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if name.starts_with("assert") || name.starts_with("debug_assert") || is_sample_name(&name) {
            return;
        }
        let parsed = self.cx.macros.get(mac);
        match &parsed.kind {
            MacroKind::Format(f) => {
                if let Some(fmt) = &f.fmt {
                    self.scan_text(&fmt.value(), fmt.span());
                }
            }
            MacroKind::Log(l) => {
                if let Some(fmt) = l.format.as_ref().and_then(|f| f.fmt.as_ref()) {
                    self.scan_text(&fmt.value(), fmt.span());
                }
            }
            MacroKind::Exprs(_) => {}
            MacroKind::Opaque => {
                self.scan_tokens(mac.tokens.clone(), 0);
                return;
            }
        }
        // Nested macros are entered only inside functions (`self.macros`); elsewhere the
        // walker gives each to `check_macro`.
        for e in parsed.exprs() {
            self.visit_expr(e);
        }
    }
}

impl<'c, 'a, 'ast> Visit<'ast> for Scan<'c, 'a, 'ast> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}

    fn visit_lit(&mut self, lit: &'ast Lit) {
        self.scan_lit(lit);
    }

    fn visit_pat(&mut self, _: &'ast syn::Pat) {}

    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        if matches!(b.op, syn::BinOp::Eq(_) | syn::BinOp::Ne(_)) {
            return;
        }
        visit::visit_expr_binary(self, b);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if COMPARE_METHODS.contains(&m.method.to_string().as_str())
            || is_sample_name(&m.method.to_string())
        {
            self.visit_expr(&m.receiver);
            return;
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            if p.path
                .segments
                .iter()
                .any(|s| is_sample_name(&s.ident.to_string()))
            {
                return;
            }
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_struct(&mut self, s: &'ast syn::ExprStruct) {
        if s.path
            .segments
            .iter()
            .any(|seg| is_sample_name(&seg.ident.to_string()))
        {
            return;
        }
        visit::visit_expr_struct(self, s);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let syn::Pat::Ident(i) = &l.pat {
            if is_sample_name(&i.ident.to_string()) {
                return;
            }
        }
        visit::visit_local(self, l);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if self.macros {
            self.scan_macro(mac);
        }
    }
}
