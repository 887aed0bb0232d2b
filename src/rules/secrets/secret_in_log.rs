//! BL201 `secret-in-log`: a credential reaching a log, a print, a panic message or a
//! tracing span.
//!
//! A value is a secret by its name (`user.password`, `accessToken`), by its origin
//! (`.expose_secret()`, the `Authorization` header, a typed credential extractor, a
//! configured type), or through a `let`/format/concatenation of one. With `Debug`, a
//! value also leaks when its type prints headers (`HeaderMap`, `Request`) or derives
//! `Debug` over a secret field somewhere in the workspace (settled after the index is
//! built).

use crate::engine::cx::{Condition, Cx, DebugType, MacroRef};
use crate::engine::index::{collect_type_names, path_crate, type_is_not_secret, visit_type_paths};
use crate::engine::macros::{ArgRef, FormatArgs};
use crate::engine::resolve::{declared_type, is_self_alias, tuple_position, unwrap_all, At, Peel};
use crate::engine::scope::Origin;
use crate::engine::taint::{Root, Shape, SinkFlow, SourceKind, Spec};
use crate::model::logs::{self, LogSink, LogSite, Output};
use crate::model::names::{is_camel_case, is_const_case, words};
use crate::model::secrets::{
    is_redacting_name, is_secret_header, is_secret_name, is_strong_secret_name, is_token_only_name,
    may_be_strong_secret_name, names_a_reference, CREDENTIAL_TYPES, EXPOSE_METHODS, FORMAT_MACROS,
    HEADER_DUMP_TYPES, PROTOCOL_TOKEN_WORDS, REDACTING_TYPES, TRANSPARENT_FIELDS,
    TRANSPARENT_METHODS,
};
use crate::rules::{Rule, RuleMeta};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Type};

crate::declare_rule! {
    pub static META = {
        code: "BL201",
        name: "secret-in-log",
        category: Secrets,
        severity: Error,
        cwe: [532, 312],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "a secret (password, token, key, credential header, exposed secret, or a struct deriving Debug over one) reaching a log, print, panic message or tracing span",
    }
}

pub struct SecretInLog;

/// The taint specification: secrets ([`SourceKind::Secret`], read where [`secret_read`]
/// says) followed through bindings, calls and return values to the log sinks of
/// [`crate::model::logs`], which the rule's hooks find (they are macros and attributes,
/// not calls); a hash, a length or a count of a secret is not the secret, nor is a part
/// a pattern takes out of a value holding one (`Err(e)`, a position of a returned tuple).
pub static SPEC: Spec = Spec {
    meta: &META,
    follows: SourceKind::Secret,
    secrets: Some(secret_read),
    shape: Shape::Text,
    clears: crate::model::taint::HASHED | crate::model::taint::PART_OF_VALUE,
    sinks: no_call_sinks,
    effect: "writes it where operators, log pipelines and support staff read it",
    help: HELP,
    source: None,
};

/// The log sinks are found by the rule's hooks (macros, attributes), not among calls.
fn no_call_sinks<'ast>(
    _: &Cx<'_, 'ast>,
    _: &'ast Expr,
    _: &mut Vec<crate::engine::taint::SinkArg<'ast>>,
) {
}

/// Where a secret is read, for the taint engine: a binding, field or getter named as a
/// credential (strong names only: `password`, `api_key`, not `token`), an exposed secret
/// (`.expose_secret()` of a value named as one), a credential header (`headers.get(AUTHORIZATION)`). The value
/// shown in messages, or `None` (the engine follows bindings, calls and the rest).
fn secret_read<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, at: At) -> Option<String> {
    if cx.scopes.in_test() {
        return None;
    }
    let extra = &cx.settings.secrets.extra_names;
    let strong = |n: &str| {
        (!extra.is_empty() || may_be_strong_secret_name(n)) && is_strong_secret_name(n, extra)
    };
    // Cheap tests first: most values read are none of these.
    let may = match e {
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => {
                let n = n.to_string();
                !TRANSPARENT_FIELDS.contains(&n.as_str()) && strong(&n)
            }
            syn::Member::Unnamed(_) => false,
        },
        // A binding named as a secret (`db_password`), not one that holds another value
        // (the engine follows that).
        Expr::Path(p) => {
            p.qself.is_none() && p.path.get_ident().is_some_and(|i| strong(&i.to_string()))
        }
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            EXPOSE_METHODS.contains(&name.as_str())
                || matches!(
                    name.as_str(),
                    "get" | "get_all" | "header" | "get_header" | "typed_get"
                )
                || strong(&name)
        }
        Expr::Index(i) => header_key(&i.index).is_some(),
        _ => false,
    };
    if !may {
        return None;
    }
    let ana = Ana { cx };
    let why = ana.secret(e, at, 0)?;
    // Beyond its function, an exposed value counts when its name says credential
    // (`db_password.expose_secret()`), not when it names something else kept in a
    // wrapper (`ssh_username.expose_secret()`, `redis_uri.expose_secret()`).
    if let (Kind::Exposed, Expr::MethodCall(m)) = (&why.kind, e) {
        if expr_name(&m.receiver).is_some_and(|n| !is_secret_name(&n, extra)) {
            return None;
        }
    }
    let shown = ana.text(e.span());
    (!why.weak() && why.source == shown).then_some(shown)
}

const HELP: &str = "log a redacted or hashed form (or only that it is present), or keep the value in `secrecy::SecretString` so that `Debug` prints `[REDACTED]`";
const HELP_INSTRUMENT: &str = "add the argument to `#[instrument(skip(..))]` (or use `skip_all` and record safe fields with `fields(..)`)";
const HELP_RET: &str = "remove `ret` from `#[instrument(..)]` (keep `err` if errors should be recorded), or return the secret in a redacting type";
const HELP_DEBUG_TYPE: &str = "wrap the secret field in `secrecy::SecretString` (or implement `Debug` by hand and leave it out), or log only the fields you need";
const HELP_HEADERS: &str =
    "log only the headers you need, or redact `Authorization` and `Cookie` before logging";

/// Crates whose `Request`/`Parts` types print their headers with `Debug`.
const HTTP_CRATES: &[&str] = &[
    "http",
    "axum",
    "axum_core",
    "hyper",
    "actix_web",
    "poem",
    "rocket",
    "tide",
    "warp",
    "reqwest",
    "tower_http",
    "salvo",
];

const MAX_DEPTH: u32 = 16;

impl Rule for SecretInLog {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn taint(&self) -> Option<&'static Spec> {
        Some(&SPEC)
    }

    fn check_macro<'ast>(&self, cx: &mut Cx<'_, 'ast>, mac: MacroRef<'ast>) {
        if cx.scopes.in_test() {
            return;
        }
        let mut sinks = Vec::new();
        logs::macro_log_sinks(cx, mac, &mut sinks);
        check_sinks(cx, sinks);
    }

    fn check_expr<'ast>(&self, cx: &mut Cx<'_, 'ast>, expr: &'ast Expr) {
        if cx.scopes.in_test() {
            return;
        }
        let mut sinks = Vec::new();
        logs::expr_log_sinks(cx, expr, &mut sinks);
        check_sinks(cx, sinks);
    }

    fn check_fn<'ast>(
        &self,
        cx: &mut Cx<'_, 'ast>,
        attrs: &'ast [syn::Attribute],
        sig: &'ast syn::Signature,
        _body: &'ast syn::Block,
    ) {
        if cx.scopes.in_test() {
            return;
        }
        let mut sinks = Vec::new();
        logs::fn_log_sinks(cx, attrs, sig, &mut sinks);
        check_sinks(cx, sinks);
    }
}

/// Checks each value given to a log sink ([`crate::model::logs`]).
fn check_sinks<'ast>(cx: &mut Cx<'_, 'ast>, sinks: Vec<LogSink<'ast>>) {
    for s in sinks {
        let (sink, out) = (s.sink.as_str(), s.out);
        match s.site {
            LogSite::Value { expr, debug, field } => {
                check_value(cx, expr, debug, sink, out, field.as_deref());
            }
            LogSite::Format(fa) => check_format(cx, fa, sink, out),
            LogSite::Detached { expr, debug, field } => {
                check_detached(cx, &expr, debug, field.as_deref(), sink, out)
            }
            LogSite::Argument { name, span, ty } => check_argument(cx, &name, span, ty, sink),
            LogSite::Return { span, sig } => check_instrument_ret(cx, span, sig),
        }
    }
}

/// How a secret was recognised, for the message.
#[derive(Debug, Clone)]
enum Kind {
    /// Its name (`password`, `user.api_key`, `creds.token()`); `true` when the name is
    /// unambiguous (`password`, `api_key`), `false` for weak names (`token`, `creds`).
    Name(bool),
    /// `.expose_secret()` of a redacting wrapper.
    Exposed,
    /// The value of a credential header (`authorization`, `cookie`).
    Header(String),
    /// A value of a credential type (`Authorization<Bearer>`, a configured type).
    Typed(String),
    /// Every header of a request (iterating a `HeaderMap`).
    AllHeaders,
}

/// A secret found in an expression: the expression that holds it (`shown`) and, when the
/// secret came from elsewhere (a `let`, a `format!`), the original.
#[derive(Debug, Clone)]
struct Why {
    source: String,
    kind: Kind,
}

impl Why {
    /// Resting on a weak name only (`token`, `creds`): the preview sub-check.
    fn weak(&self) -> bool {
        match &self.kind {
            Kind::Name(strong) => !strong,
            // A webhook's signature authenticates one payload; it reveals no key.
            Kind::Header(h) => h.split('-').any(|w| w == "signature" || w == "sig"),
            _ => false,
        }
    }
}

/// Reports a leak; one resting on a weak name only is the preview sub-check.
fn report_why(cx: &mut Cx<'_, '_>, span: Span, msg: String, why: &Why, help: &str) {
    let f = cx.report(&META, span, msg);
    f.help = Some(help.into());
    f.preview = why.weak();
}

/// What `Debug` of a value prints beyond the value's name.
enum DebugLeak {
    /// Every header of a request or response.
    Headers,
    /// A credential type.
    Credential(String),
    /// A type of the workspace, known to leak only after the index is built.
    Type(DebugType),
}

struct Ana<'c, 'a, 'ast> {
    cx: &'c Cx<'a, 'ast>,
}

impl<'c, 'a, 'ast> Ana<'c, 'a, 'ast> {
    fn text(&self, span: Span) -> String {
        self.cx.flow().text(span)
    }

    fn extra(&self) -> &[Vec<String>] {
        &self.cx.settings.secrets.extra_names
    }

    /// Whether a name says its value is a secret; in code speaking a protocol whose
    /// tokens are no credentials (a GSS-API negotiation, a lexer), `token` does not.
    fn secret_name(&self, name: &str) -> bool {
        is_secret_name(name, self.extra())
            && !(is_token_only_name(name, self.extra()) && self.protocol_context())
    }

    /// The enclosing function's or `impl`'s name says it speaks a protocol whose tokens
    /// are no credentials (`negotiate`, `GssAuthenticator`, `Lexer`).
    fn protocol_context(&self) -> bool {
        let says = |n: &str| {
            words(n)
                .iter()
                .any(|w| PROTOCOL_TOKEN_WORDS.contains(&w.as_str()))
        };
        if self.cx.scopes.current_fn().is_some_and(says) {
            return true;
        }
        let mut names = Vec::new();
        if let Some(t) = self.cx.scopes.self_ty() {
            collect_type_names(t, &mut names, 0);
        }
        names.iter().any(|n| says(n))
    }

    /// Whether a secret name is strong evidence (`password`, `api_key`) rather than weak
    /// (`token`, `creds`, `cookie`): findings on weak names are the preview sub-check.
    fn strong_name(&self, name: &str) -> bool {
        is_strong_secret_name(name, self.extra())
    }

    /// Whether a declared type says the value is no credential (bool, numbers, hashes,
    /// redacting wrappers, cancellation tokens).
    fn exempt_type(&self, ty: &Type) -> bool {
        // A `&'static str` is a label written in the source (`"password"`), not a
        // credential received at run time.
        if let Type::Reference(r) = ty {
            if r.lifetime.as_ref().is_some_and(|l| l.ident == "static")
                && matches!(&*r.elem, Type::Path(p) if p.path.is_ident("str"))
            {
                return true;
            }
        }
        if crate::model::types::is_bounded(ty, &|n| self.cx.facts.fieldless_enums.contains(n)) {
            return true;
        }
        let mut names = Vec::new();
        collect_type_names(ty, &mut names, 0);
        names.iter().any(|n| {
            type_is_not_secret(n)
                || REDACTING_TYPES.contains(&n.as_str())
                || self.cx.settings.secrets.safe_types.contains(n)
                || self.hand_written_debug(n)
        })
    }

    /// A type of this file with a hand-written `impl Debug`: a redacting wrapper
    /// (`Hidden<T>` printing `***`) or a struct that leaves its secret out.
    fn hand_written_debug(&self, name: &str) -> bool {
        self.cx.facts.trait_impls.iter().any(|imp| {
            imp.trait_
                .as_ref()
                .and_then(|(_, p, _)| p.segments.last())
                .is_some_and(|s| s.ident == "Debug")
                && crate::model::types::type_name(&imp.self_ty).is_some_and(|t| t.ident == name)
        })
    }

    /// A credential type: typed `Authorization` headers, HTTP-auth extractors, configured
    /// secret types.
    fn credential_type(&self, ty: &Type) -> Option<String> {
        let mut names = Vec::new();
        collect_type_names(ty, &mut names, 0);
        if names.iter().any(|n| {
            REDACTING_TYPES.contains(&n.as_str()) || self.cx.settings.secrets.safe_types.contains(n)
        }) {
            return None;
        }
        names
            .iter()
            .find(|n| {
                CREDENTIAL_TYPES.contains(&n.as_str()) || self.cx.settings.secrets.types.contains(n)
            })
            .map(|_| {
                quote::ToTokens::to_token_stream(ty)
                    .to_string()
                    .replace(' ', "")
            })
    }

    /// Whether a local binding or captured name holds a secret (as of declaration
    /// `horizon`).
    fn binding(&self, name: &str, horizon: At, depth: u32) -> Option<Why> {
        if depth > MAX_DEPTH {
            return None;
        }
        let Some(b) = self.cx.scopes.resolve(name, horizon) else {
            return (!is_const_case(name) && !is_camel_case(name) && self.secret_name(name)).then(
                || Why {
                    source: name.to_string(),
                    kind: Kind::Name(self.strong_name(name)),
                },
            );
        };
        if matches!(b.origin, Origin::Const) || is_const_case(name) {
            return None;
        }
        // `password_hash`, `hashed_pw`: a binding named for a hash holds the derived
        // value (an argon2 PHC string), whatever it was computed or taken from.
        if words(name)
            .iter()
            .any(|w| matches!(w.as_str(), "hash" | "hashed" | "digest"))
        {
            return None;
        }
        if let Some(ty) = b.ty {
            if let Some(t) = self.credential_type(ty) {
                return Some(Why {
                    source: name.to_string(),
                    kind: Kind::Typed(t),
                });
            }
            if self.exempt_type(ty) {
                return None;
            }
            // A value of a named type (`creds: StorageCredentials`) leaks what that
            // type's `Debug` prints, not what its name says (see `check_value`).
            if matches!(self.type_of_decl(ty), Some(TypeOf::Named(..))) {
                return None;
            }
        }
        let init = match b.origin {
            Origin::Let(init) => init,
            _ => None,
        };
        // `let password = (password);`: the value is the previous binding's.
        if let Some(i) = b.alias_of() {
            if is_self_alias(name, i, Peel::Transparent) {
                return self.binding(name, b.at(), depth + 1);
            }
        }
        let src = match b.origin {
            Origin::Let(Some(e)) | Origin::Destructure(e) => Some(e),
            _ => None,
        };
        if only_cookie_word(name, self.extra()) {
            // An HTTP cookie comes from a request or a jar; a `cookie` computed otherwise
            // is another protocol's (an LDAP sync cookie), and a named lookup of a
            // non-session cookie is harmless.
            match (b.origin, src) {
                (_, Some(e)) if harmless_cookie(e) => return None,
                (Origin::Let(Some(e)), _) if !cookie_lookup(e) => return None,
                (Origin::Destructure(e), _) if b.part && !cookie_lookup(e) => return None,
                _ => {}
            }
        }
        // A `token` read from a lexer, a text split into words or a cancellation token
        // is no credential: the value decides.
        let from_lexer = is_token_only_name(name, self.extra())
            && match b.origin {
                Origin::Let(Some(e)) | Origin::Destructure(e) | Origin::Element(e, _) => {
                    lexer_source(e)
                }
                _ => false,
            };
        // A value of a named type (`let creds = Account { .. }`) leaks what that type's
        // `Debug` prints, as for a typed binding (see `check_value`).
        let named_type = || {
            // `for token in tokens`, `Some(token) => ..`: the element's or the wrapped
            // value's type.
            let elem = match b.origin {
                Origin::Element(iter, p) if p.len == 0 => Some(iter),
                Origin::Destructure(src) if !b.part => Some(src),
                _ => None,
            };
            init.or(elem).is_some_and(|i| {
                matches!(
                    self.debug_type(i, b.at(), depth + 1),
                    Some(TypeOf::Named(..))
                )
            })
        };
        let by_name = (!from_lexer
            && self.secret_name(name)
            && !init.is_some_and(|i| self.not_secret_value(i) || binding_exempt(self.cx, i))
            && !named_type())
        .then(|| Why {
            source: name.to_string(),
            kind: Kind::Name(self.strong_name(name)),
        });
        if by_name.as_ref().is_some_and(|w| !w.weak()) {
            return by_name;
        }
        // `Some(old) = &self.token` of an `Option<TokenResponse>`, `for t in tokens` of a
        // `Vec<ApiToken>`: the element's type decides (see `check_value`), not the name
        // of what it came from.
        if (matches!(b.origin, Origin::Element(_, p) if p.len == 0)
            || matches!(b.origin, Origin::Destructure(_) if !b.part))
            && named_type()
        {
            return None;
        }
        let seq = b.at();
        let from = match b.origin {
            Origin::Let(Some(init)) => self.secret(init, seq, depth + 1),
            // `Err(e)` of a token request is the error, `User { name, .. }` a field.
            Origin::Destructure(src) if !b.part => self.secret(src, seq, depth + 1),
            // `let (client_id, client_secret) = (a, b);`: each name holds its own position.
            Origin::Element(src, path) if tuple_position(src, path).is_some() => {
                tuple_position(src, path).and_then(|e| self.secret(e, seq, depth + 1))
            }
            Origin::Element(src, path) => self.secret(src, seq, depth + 1).or_else(|| {
                // Iterating headers yields (name, value) pairs: the values are secrets.
                let value = path.first() != Some(0);
                (value
                    && matches!(
                        self.debug_leak(src, seq, depth + 1),
                        Some(DebugLeak::Headers)
                    ))
                .then(|| Why {
                    source: self.text(src.span()),
                    kind: Kind::AllHeaders,
                })
            }),
            _ => None,
        };
        // A weak name (`authorization`) holding strong evidence (the header's value):
        // the evidence speaks.
        if from.as_ref().is_some_and(|w| !w.weak()) || (by_name.is_none() && from.is_some()) {
            return from;
        }
        if by_name.is_some() {
            return by_name;
        }
        b.mutations
            .iter()
            .filter_map(|m| m.value)
            .find_map(|v| self.secret(v, seq, depth + 1))
            .or_else(|| {
                // `write!(buf, "..", secret)` into a `String` or `Vec<u8>`.
                b.mutations
                    .iter()
                    .filter(|m| matches!(m.kind, crate::engine::scope::MutationKind::Write))
                    .find_map(|m| self.written_secret(m.span, depth + 1))
            })
    }

    /// The secret a `write!`/`writeln!` (at `span`) writes into its target, by name-level
    /// analysis of its arguments.
    fn written_secret(&self, span: Span, depth: u32) -> Option<Why> {
        if depth > MAX_DEPTH {
            return None;
        }
        let text = self.text(span);
        let mac = syn::parse_str::<syn::Macro>(&text).ok()?;
        let parsed = crate::engine::macros::parse_macro(&mac);
        let fa = parsed.format()?;
        fa.args
            .iter()
            .find_map(|a| self.secret_owned(&a.expr))
            .or_else(|| {
                fa.captures()
                    .find_map(|c| self.binding(c, At::HERE, depth + 1))
            })
    }

    /// A value that is plainly not the secret although its name says so: a literal, a
    /// predicate, a length, a hash or masked form.
    fn not_secret_value(&self, e: &Expr) -> bool {
        match e {
            Expr::Lit(_) => true,
            Expr::Paren(p) => self.not_secret_value(&p.expr),
            Expr::Reference(r) => self.not_secret_value(&r.expr),
            Expr::Try(t) => self.not_secret_value(&t.expr),
            Expr::Await(a) => self.not_secret_value(&a.base),
            Expr::MethodCall(m) => {
                is_redacting_name(&m.method.to_string())
                    || (is_unwrapping(&m.method.to_string()) && self.not_secret_value(&m.receiver))
            }
            Expr::Call(c) => {
                match &*c.func {
                    Expr::Path(p) => p.path.segments.last().is_some_and(|s| {
                        is_redacting_name(&s.ident.to_string()) || s.ident == "Empty"
                    }),
                    _ => false,
                }
            }
            Expr::Path(p) => p
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "Empty" || s.ident == "None"),
            Expr::Binary(b) => matches!(
                b.op,
                syn::BinOp::Eq(_)
                    | syn::BinOp::Ne(_)
                    | syn::BinOp::Lt(_)
                    | syn::BinOp::Gt(_)
                    | syn::BinOp::Le(_)
                    | syn::BinOp::Ge(_)
                    | syn::BinOp::And(_)
                    | syn::BinOp::Or(_)
            ),
            Expr::Unary(u) => matches!(u.op, syn::UnOp::Not(_)),
            // A value named as a reference to a secret (`secret = self.name`): which
            // secret, not its content.
            Expr::Field(f) => {
                matches!(&f.member, syn::Member::Named(n) if names_a_reference(&n.to_string()))
            }
            // A label chosen by a condition: every branch ends in one
            // (`if has_password { "password" } else { "token" }`).
            Expr::If(i) => {
                crate::engine::resolve::block_tail(&i.then_branch)
                    .is_some_and(|v| self.not_secret_value(v))
                    && i.else_branch
                        .as_ref()
                        .is_some_and(|(_, e)| self.not_secret_value(e))
            }
            Expr::Block(b) => crate::engine::resolve::block_tail(&b.block)
                .is_some_and(|v| self.not_secret_value(v)),
            Expr::Match(m) => {
                !m.arms.is_empty() && m.arms.iter().all(|a| self.not_secret_value(&a.body))
            }
            _ => false,
        }
    }

    /// Whether an expression's value is (or contains) a secret.
    fn secret(&self, e: &'ast Expr, horizon: At, depth: u32) -> Option<Why> {
        // Parentheses, references, derefs and `{ x }` blocks change nothing here.
        let e = unwrap_all(e, Peel::Syntax);
        if depth > MAX_DEPTH {
            return None;
        }
        let d = depth + 1;
        let named = |e: &Expr, name: &str| Why {
            source: self.text(e.span()),
            kind: Kind::Name(self.strong_name(name)),
        };
        match e {
            Expr::Paren(p) => self.secret(&p.expr, horizon, d),
            Expr::Group(g) => self.secret(&g.expr, horizon, d),
            Expr::Reference(r) => self.secret(&r.expr, horizon, d),
            Expr::Try(t) => self.secret(&t.expr, horizon, d),
            Expr::Await(a) => self.secret(&a.base, horizon, d),
            Expr::Unary(u) => match u.op {
                syn::UnOp::Deref(_) => self.secret(&u.expr, horizon, d),
                _ => None,
            },
            Expr::Path(p) => {
                if let Some(id) = p.path.get_ident() {
                    return self.binding(&id.to_string(), horizon, d);
                }
                None
            }
            Expr::Field(f) => match &f.member {
                syn::Member::Named(n) => {
                    let n = n.to_string();
                    if TRANSPARENT_FIELDS.contains(&n.as_str()) {
                        self.secret(&f.base, horizon, d)
                    } else if self.secret_name(&n) && !self.field_exempt(&f.base, &n) {
                        Some(named(e, &n))
                    } else {
                        None
                    }
                }
                syn::Member::Unnamed(_) => self.secret(&f.base, horizon, d),
            },
            Expr::MethodCall(m) => {
                let method = m.method.to_string();
                if EXPOSE_METHODS.contains(&method.as_str()) {
                    return Some(Why {
                        source: self.text(e.span()),
                        kind: Kind::Exposed,
                    });
                }
                if matches!(
                    method.as_str(),
                    "get" | "get_all" | "header" | "get_header" | "typed_get"
                ) {
                    if let Some(h) = m.args.first().and_then(header_key) {
                        // A response carries no request credentials (its `Set-Cookie`
                        // does carry a session).
                        if h != "set-cookie" && self.response_headers(&m.receiver, horizon, d) {
                            return None;
                        }
                        return Some(Why {
                            source: self.text(e.span()),
                            kind: Kind::Header(h),
                        });
                    }
                    if let Some(tf) = &m.turbofish {
                        let text = quote::ToTokens::to_token_stream(tf).to_string();
                        if CREDENTIAL_TYPES.iter().any(|c| text.contains(c)) {
                            return Some(Why {
                                source: self.text(e.span()),
                                kind: Kind::Typed(text.replace(' ', "")),
                            });
                        }
                    }
                    return None;
                }
                if matches!(
                    method.as_str(),
                    "encode" | "encode_to_string" | "encode_upper"
                ) {
                    return m
                        .args
                        .first()
                        .and_then(|a| self.secret(a, horizon, d))
                        .or_else(|| self.secret(&m.receiver, horizon, d));
                }
                if TRANSPARENT_METHODS.contains(&method.as_str())
                    || matches!(
                        method.as_str(),
                        "ok_or" | "ok_or_else" | "filter" | "inspect"
                    )
                {
                    return self.secret(&m.receiver, horizon, d);
                }
                // `.and_then(|v| v.to_str().ok())`: a closure that passes its argument on.
                if matches!(method.as_str(), "map" | "and_then")
                    && m.args.first().is_some_and(passes_argument_on)
                {
                    return self.secret(&m.receiver, horizon, d);
                }
                let w = words(&method);
                let getter = m.args.is_empty() || w.first().is_some_and(|f| f == "get");
                if getter
                    && self.secret_name(&method)
                    && !shown_to_user(&m.receiver)
                    && !binding_exempt(self.cx, &m.receiver)
                    && !self.returns_exempt(&method)
                    && !names_nonce(&m.receiver)
                {
                    return Some(named(e, &method));
                }
                None
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                let segs = crate::engine::usemap::path_names(&p.path);
                let last = segs.last()?.as_str();
                if EXPOSE_METHODS.contains(&last) {
                    return Some(Why {
                        source: self.text(e.span()),
                        kind: Kind::Exposed,
                    });
                }
                let owner = segs.len().checked_sub(2).map(|i| segs[i].as_str());
                let transparent = match last {
                    "Some" | "Ok" | "encode" | "encode_upper" | "from_utf8" | "from_utf8_lossy" => {
                        true
                    }
                    "from" | "new" | "to_string" => matches!(
                        owner,
                        Some("String" | "Box" | "Arc" | "Rc" | "Cow" | "Vec" | "ToString")
                    ),
                    _ => false,
                };
                if transparent {
                    return c.args.first().and_then(|a| self.secret(a, horizon, d));
                }
                None
            }
            Expr::Macro(m) => {
                let parsed = self.cx.macros.get(&m.mac);
                if !FORMAT_MACROS.contains(&parsed.name.as_str()) {
                    return None;
                }
                if let Some(fa) = parsed.format() {
                    for a in &fa.args {
                        if let Some(w) = self.secret(&a.expr, horizon, d) {
                            return Some(w);
                        }
                    }
                    for c in fa.captures() {
                        if let Some(w) = self.binding(c, horizon, d) {
                            return Some(w);
                        }
                    }
                } else if let crate::engine::macros::MacroKind::Exprs(list) = &parsed.kind {
                    return list.iter().find_map(|x| self.secret(x, horizon, d));
                }
                None
            }
            Expr::Binary(b) if matches!(b.op, syn::BinOp::Add(_)) => self
                .secret(&b.left, horizon, d)
                .or_else(|| self.secret(&b.right, horizon, d)),
            // `(user, password)`, `[a, b]`: Debug prints every element (a struct literal
            // prints what its type's `Debug` does: see `debug_type`).
            Expr::Tuple(t) => t.elems.iter().find_map(|x| self.secret(x, horizon, d)),
            Expr::Array(a) => a.elems.iter().find_map(|x| self.secret(x, horizon, d)),
            Expr::Index(i) => {
                if let Some(h) = header_key(&i.index) {
                    return Some(Why {
                        source: self.text(e.span()),
                        kind: Kind::Header(h),
                    });
                }
                None
            }
            _ => None,
        }
    }

    /// `owner.field` of a workspace type declared in another file (`cfg.password` of a
    /// `Config` whose fields this file does not see).
    fn foreign_field(&self, e: &'ast Expr) -> Option<DebugType> {
        let Expr::Field(f) = unwrap_all(e, Peel::Syntax) else {
            return None;
        };
        let syn::Member::Named(n) = &f.member else {
            return None;
        };
        let field = n.to_string();
        match self.debug_type(&f.base, At::HERE, 0)? {
            TypeOf::Named(owner, path_crate) if !self.cx.facts.structs.contains_key(&owner) => {
                Some(DebugType {
                    name: owner,
                    field: Some(field),
                    krate: self.cx.file.krate.clone(),
                    path_crate,
                    stands_if_unknown: true,
                    display: false,
                    weak_if_unknown: false,
                })
            }
            _ => None,
        }
    }

    /// A method of this file whose declared return type is no credential (a
    /// `&'static str` label, a fieldless enum, a number).
    fn returns_exempt(&self, method: &str) -> bool {
        match self.cx.facts.fn_returns.get(method) {
            Some(syn::ReturnType::Type(_, t)) => self.exempt_type(t),
            _ => false,
        }
    }

    /// A field whose declared type (in this file) says it holds no credential.
    fn field_exempt(&self, base: &'ast Expr, field: &str) -> bool {
        let Some(owner) = self.type_name_of(base, At::HERE, 0) else {
            return false;
        };
        self.cx
            .facts
            .field_type(&owner, field)
            .is_some_and(|t| self.exempt_type(t))
    }

    /// The user-defined type name of an expression, when it is evident.
    fn type_name_of(&self, e: &'ast Expr, horizon: At, depth: u32) -> Option<String> {
        match self.debug_type(e, horizon, depth)? {
            TypeOf::Named(t, _) => Some(t),
            _ => None,
        }
    }

    /// What `Debug` of `e` prints beyond a secret name.
    fn debug_leak(&self, e: &'ast Expr, horizon: At, depth: u32) -> Option<DebugLeak> {
        match self.debug_type(e, horizon, depth)? {
            TypeOf::Headers => Some(DebugLeak::Headers),
            TypeOf::Credential(t) => Some(DebugLeak::Credential(t)),
            TypeOf::Named(name, path_crate) => Some(DebugLeak::Type(DebugType {
                name,
                field: None,
                krate: self.cx.file.krate.clone(),
                path_crate,
                stands_if_unknown: false,
                display: false,
                weak_if_unknown: false,
            })),
            TypeOf::Field(owner, field, path_crate) => Some(DebugLeak::Type(DebugType {
                name: owner,
                field: Some(field),
                krate: self.cx.file.krate.clone(),
                path_crate,
                stands_if_unknown: false,
                display: false,
                weak_if_unknown: false,
            })),
        }
    }

    fn debug_type(&self, e: &'ast Expr, horizon: At, depth: u32) -> Option<TypeOf> {
        // Parentheses, references, derefs and `{ x }` blocks change nothing here.
        let e = unwrap_all(e, Peel::Syntax);
        if depth > MAX_DEPTH {
            return None;
        }
        let d = depth + 1;
        match e {
            Expr::Paren(p) => self.debug_type(&p.expr, horizon, d),
            Expr::Group(g) => self.debug_type(&g.expr, horizon, d),
            Expr::Reference(r) => self.debug_type(&r.expr, horizon, d),
            Expr::Try(t) => self.debug_type(&t.expr, horizon, d),
            Expr::Await(a) => self.debug_type(&a.base, horizon, d),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                self.debug_type(&u.expr, horizon, d)
            }
            Expr::MethodCall(m) => {
                let method = m.method.to_string();
                if matches!(method.as_str(), "headers" | "headers_mut") && m.args.is_empty() {
                    // The headers of a response this program received carry the other
                    // service's cookies at most, not this program's credentials.
                    // Nor do those of a response it builds or passes on: a response
                    // carries no `Authorization` or `Cookie`.
                    if self.client_response(&m.receiver, horizon, d)
                        || self.response_value(&m.receiver, horizon, d)
                    {
                        return None;
                    }
                    return Some(TypeOf::Headers);
                }
                if matches!(
                    method.as_str(),
                    "clone"
                        | "as_ref"
                        | "unwrap"
                        | "expect"
                        | "borrow"
                        | "lock"
                        | "read"
                        | "deref"
                        | "iter"
                        | "into_iter"
                        | "values"
                ) {
                    return self.debug_type(&m.receiver, horizon, d);
                }
                None
            }
            Expr::Path(p) => {
                let id = p.path.get_ident()?.to_string();
                if id == "self" {
                    return self.cx.scopes.self_ty().and_then(|t| self.type_of_decl(t));
                }
                let b = self.cx.scopes.resolve(&id, horizon)?;
                if let Some(ty) = b.ty {
                    return self.type_of_decl(ty);
                }
                match b.origin {
                    Origin::Let(Some(init)) => self.debug_type(init, b.at(), d),
                    // `for token in tokens` over a `Vec<ApiToken>`: an element's type.
                    Origin::Element(iter, p) if p.len == 0 => self.debug_type(iter, b.at(), d),
                    _ => None,
                }
            }
            Expr::Field(f) => {
                let syn::Member::Named(n) = &f.member else {
                    return None;
                };
                match self.debug_type(&f.base, horizon, d)? {
                    TypeOf::Named(owner, pc) => {
                        // A field of a struct of this file: its declared type.
                        if pc.is_none() {
                            if let Some(t) = self.cx.facts.field_type(&owner, &n.to_string()) {
                                return self.type_of_decl(t);
                            }
                        }
                        Some(TypeOf::Field(owner, n.to_string(), pc))
                    }
                    _ => None,
                }
            }
            Expr::Struct(s) => {
                let seg = s.path.segments.last()?;
                let name = seg.ident.to_string();
                (name != "Self").then_some(TypeOf::Named(name, None))
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                let segs = &p.path.segments;
                if segs.len() >= 2 {
                    let owner = segs[segs.len() - 2].ident.to_string();
                    let func = segs[segs.len() - 1].ident.to_string();
                    let ctor = matches!(
                        func.as_str(),
                        "new"
                            | "default"
                            | "from"
                            | "try_from"
                            | "from_env"
                            | "load"
                            | "parse"
                            | "build"
                    ) || func.starts_with("from_")
                        || func.starts_with("new_");
                    if ctor && is_camel_case(&owner) && !is_std_type(&owner) {
                        if owner == "Self" {
                            return self.cx.scopes.self_ty().and_then(|t| self.type_of_decl(t));
                        }
                        return Some(TypeOf::Named(owner, None));
                    }
                    return None;
                }
                let name = segs.last()?.ident.to_string();
                match self.cx.facts.fn_returns.get(&name)? {
                    syn::ReturnType::Type(_, ty) => self.type_of_decl(ty),
                    syn::ReturnType::Default => None,
                }
            }
            _ => None,
        }
    }

    /// `x.headers()` of a response (see [`Ana::response_value`]).
    fn response_headers(&self, e: &'ast Expr, horizon: At, depth: u32) -> bool {
        match unwrap_all(e, Peel::Syntax) {
            Expr::MethodCall(m) if m.method == "headers" && m.args.is_empty() => {
                self.client_response(&m.receiver, horizon, depth)
                    || self.response_value(&m.receiver, horizon, depth)
            }
            _ => false,
        }
    }

    /// A response this program builds or passes on: `Response::new(..)`,
    /// `Response::builder()..body(..)`, `HttpResponse::Ok()`, `next.run(req).await`,
    /// `x.into_response()`, or a binding named or typed so (`response`, `res`, `resp`,
    /// `reply`, `r: Response<Body>`).
    fn response_value(&self, e: &'ast Expr, horizon: At, depth: u32) -> bool {
        let e = unwrap_all(e, Peel::Syntax);
        if depth > MAX_DEPTH {
            return false;
        }
        let d = depth + 1;
        let says_response = |n: &str| {
            words(n).iter().any(|w| {
                matches!(
                    w.as_str(),
                    "response" | "responses" | "resp" | "res" | "rsp" | "reply"
                )
            })
        };
        match e {
            Expr::Paren(p) => self.response_value(&p.expr, horizon, d),
            Expr::Reference(r) => self.response_value(&r.expr, horizon, d),
            Expr::Try(t) => self.response_value(&t.expr, horizon, d),
            Expr::Await(a) => self.response_value(&a.base, horizon, d),
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                // `res.request()` of a middleware's response: the request's headers.
                if words(&name).iter().any(|w| w == "request" || w == "req") {
                    return false;
                }
                matches!(
                    name.as_str(),
                    "into_response" | "run" | "respond_to" | "error_response" | "oneshot"
                ) || says_response(&name)
                    || (name != "headers" && self.response_value(&m.receiver, horizon, d))
            }
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => p
                    .path
                    .segments
                    .iter()
                    .any(|s| s.ident.to_string().ends_with("Response")),
                _ => false,
            },
            Expr::Path(p) => {
                let Some(id) = p.path.get_ident() else {
                    return false;
                };
                let id = id.to_string();
                if says_response(&id) {
                    return true;
                }
                let Some(b) = self.cx.scopes.resolve(&id, horizon) else {
                    return false;
                };
                if let Some(ty) = b.ty {
                    let mut names = Vec::new();
                    collect_type_names(ty, &mut names, 0);
                    return names.iter().any(|n| n.ends_with("Response"));
                }
                match b.origin {
                    Origin::Let(Some(init)) => self.response_value(init, b.at(), d),
                    // `match res { Ok(x) => .. }`: what the result of a response wraps.
                    Origin::Destructure(src) if !b.part => self.response_value(src, b.at(), d),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// A response received from an HTTP client: the result of `.send()` (reqwest,
    /// awc, surf), also through a `let`.
    fn client_response(&self, e: &'ast Expr, horizon: At, depth: u32) -> bool {
        // Parentheses, references, derefs and `{ x }` blocks change nothing here.
        let e = unwrap_all(e, Peel::Syntax);
        if depth > MAX_DEPTH {
            return false;
        }
        let d = depth + 1;
        match e {
            Expr::Paren(p) => self.client_response(&p.expr, horizon, d),
            Expr::Reference(r) => self.client_response(&r.expr, horizon, d),
            Expr::Try(t) => self.client_response(&t.expr, horizon, d),
            Expr::Await(a) => self.client_response(&a.base, horizon, d),
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                matches!(
                    name.as_str(),
                    "send" | "send_json" | "send_form" | "execute"
                ) || (matches!(
                    name.as_str(),
                    "unwrap"
                        | "expect"
                        | "error_for_status"
                        | "map_err"
                        | "inspect_err"
                        | "context"
                        | "with_context"
                        | "wrap_err"
                ) && self.client_response(&m.receiver, horizon, d))
            }
            Expr::Path(p) => {
                let Some(id) = p.path.get_ident() else {
                    return false;
                };
                let Some(b) = self.cx.scopes.resolve(&id.to_string(), horizon) else {
                    return false;
                };
                match b.origin {
                    Origin::Let(Some(init)) => self.client_response(init, b.at(), d),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// What a declared type is, for `Debug`.
    fn type_of_decl(&self, ty: &Type) -> Option<TypeOf> {
        if let Some(t) = self.credential_type(ty) {
            return Some(TypeOf::Credential(t));
        }
        let mut names = Vec::new();
        collect_type_names(ty, &mut names, 0);
        if names.iter().any(|n| {
            REDACTING_TYPES.contains(&n.as_str())
                || self.cx.settings.secrets.safe_types.contains(n)
                || type_is_not_secret(n)
        }) {
            return None;
        }
        if self.dumps_headers(ty) {
            return Some(TypeOf::Headers);
        }
        let mut core = None;
        visit_type_paths(ty, &mut |p: &syn::Path| {
            let Some(last) = p.segments.last() else {
                return;
            };
            let n = last.ident.to_string();
            if core.is_none() && is_camel_case(&n) && !is_std_type(&n) && !is_wrapper(&n) {
                core = Some((n, path_crate(p, self.cx.uses)));
            }
        });
        let (core, pc) = core?;
        (core != "Self").then_some(TypeOf::Named(core, pc))
    }

    /// `HeaderMap`, or an HTTP framework's `Request`/`Parts`, anywhere in the type.
    fn dumps_headers(&self, ty: &Type) -> bool {
        let mut found = false;
        visit_type_paths(ty, &mut |path: &syn::Path| {
            let Some(last) = path.segments.last() else {
                return;
            };
            let name = last.ident.to_string();
            if !HEADER_DUMP_TYPES.contains(&name.as_str()) {
                return;
            }
            if name == "HeaderMap" || name.ends_with("CookieJar") {
                found = true;
                return;
            }
            let full = self.cx.uses.resolve(path);
            // actix-web 4's `HttpRequest`/`ServiceRequest` print `Authorization`,
            // `Proxy-Authorization` and `Cookie` redacted (since 4.4; a fresh lock of
            // `actix-web = "4"` resolves to it).
            if full.first().is_some_and(|c| c == "actix_web")
                && matches!(name.as_str(), "HttpRequest" | "ServiceRequest")
            {
                return;
            }
            if full
                .first()
                .is_some_and(|c| HTTP_CRATES.contains(&c.as_str()))
            {
                found = true;
            }
        });
        found
    }
}

/// What the type of a value formatted with `Debug` is.
enum TypeOf {
    Headers,
    Credential(String),
    /// A named type, and the crate its path names when not the current one.
    Named(String, Option<String>),
    /// The type of field `.1` of type `.0` (declared in another file).
    Field(String, String, Option<String>),
}

/// A one-time nonce (`id_token_nonce.secret()`, `nonce.secret()`): an anti-replay value
/// that is sent in the clear, not a credential, whatever its accessor is called.
fn names_nonce(receiver: &Expr) -> bool {
    expr_name(receiver).is_some_and(|n| words(&n).last().is_some_and(|w| w == "nonce"))
}

fn is_std_type(n: &str) -> bool {
    matches!(
        n,
        "String"
            | "Vec"
            | "HashMap"
            | "BTreeMap"
            | "HashSet"
            | "BTreeSet"
            | "Value"
            | "Self"
            | "Cow"
            | "PathBuf"
            | "Path"
            | "Result"
            | "Error"
            | "Url"
            | "Uri"
    )
}

/// Wrappers whose `Debug` prints what they wrap.
fn is_wrapper(n: &str) -> bool {
    matches!(
        n,
        "Option"
            | "Box"
            | "Arc"
            | "Rc"
            | "RefCell"
            | "Mutex"
            | "RwLock"
            | "Json"
            | "Form"
            | "Query"
            | "Data"
            | "State"
            | "Extension"
            | "Path"
            | "Valid"
            | "Validated"
            | "Garde"
            | "TypedHeader"
            | "Result"
    )
}

/// Values that secret wrappers hold but that exist to be shown to the user: an OAuth
/// device flow's `user_code` and verification URI (`details.user_code().secret()`).
fn shown_to_user(receiver: &Expr) -> bool {
    let name = match receiver {
        Expr::MethodCall(m) => m.method.to_string(),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => n.to_string(),
            _ => return false,
        },
        Expr::Path(p) => match p.path.get_ident() {
            Some(i) => i.to_string(),
            None => return false,
        },
        _ => return false,
    };
    crate::model::secrets::SHOWN_TO_USER.contains(&name.as_str())
}

/// A closure whose result is its argument through transparent methods only
/// (`|v| v.to_str().ok()`, `|s| s.trim().to_string()`).
fn passes_argument_on(e: &Expr) -> bool {
    let Expr::Closure(c) = e else { return false };
    let Some(syn::Pat::Ident(param)) = c.inputs.first() else {
        return false;
    };
    let mut body = &*c.body;
    for _ in 0..16 {
        body = match body {
            Expr::Path(p) => return p.path.is_ident(&param.ident),
            Expr::Paren(p) => &p.expr,
            Expr::Reference(r) => &r.expr,
            Expr::MethodCall(m)
                if TRANSPARENT_METHODS.contains(&m.method.to_string().as_str())
                    || m.method == "strip_prefix" =>
            {
                &m.receiver
            }
            _ => return false,
        };
    }
    false
}

/// Methods whose result is a lexer's token, a word of a text, or a cancellation token.
const LEXER_METHODS: &[&str] = &[
    "next",
    "next_token",
    "peek",
    "peek_token",
    "peek_nth",
    "bump",
    "advance",
    "lex",
    "scan",
    "tokenize",
    "split",
    "split_whitespace",
    "split_ascii_whitespace",
    "split_terminator",
    "splitn",
    "rsplit",
    "chars",
    "lines",
    "child_token",
];

/// A value that is a lexer's or parser's token, a word of a text, or a cancellation
/// token: `lexer.next_token()`, `input.split_whitespace()`, `cancel.child_token()`,
/// `CancellationToken::new()`, `tokens.iter()`.
fn lexer_source(e: &Expr) -> bool {
    let e = unwrap_all(e, Peel::Syntax);
    match e {
        Expr::Try(t) => lexer_source(&t.expr),
        Expr::Await(a) => lexer_source(&a.base),
        Expr::MethodCall(m) => {
            let method = m.method.to_string();
            if LEXER_METHODS.contains(&method.as_str()) {
                return true;
            }
            let receiver_lexer = expr_name(&m.receiver).is_some_and(|n| {
                words(&n).iter().any(|w| {
                    matches!(
                        w.as_str(),
                        "lexer" | "parser" | "tokenizer" | "scanner" | "tokens" | "lex"
                    )
                })
            });
            receiver_lexer
                || ((is_unwrapping(&method) || TRANSPARENT_METHODS.contains(&method.as_str()))
                    && lexer_source(&m.receiver))
        }
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => p
                .path
                .segments
                .iter()
                .any(|s| type_is_not_secret(&s.ident.to_string())),
            _ => false,
        },
        _ => false,
    }
}

/// Whether a name is a secret only because it says `cookie` (`cookie`, `cookies`).
fn only_cookie_word(name: &str, extra: &[Vec<String>]) -> bool {
    let w = words(name);
    w.iter().any(|x| x.starts_with("cookie"))
        && !w
            .iter()
            .filter(|x| !x.starts_with("cookie"))
            .any(|x| is_secret_name(x, extra))
}

/// An expression that reads a cookie: `jar.get(..)`, `req.cookie(..)`, `cookies()`, a
/// `Cookie` constructor, possibly unwrapped.
fn cookie_lookup(e: &Expr) -> bool {
    match e {
        Expr::Reference(r) => cookie_lookup(&r.expr),
        Expr::Paren(p) => cookie_lookup(&p.expr),
        Expr::Try(t) => cookie_lookup(&t.expr),
        Expr::Await(a) => cookie_lookup(&a.base),
        Expr::MethodCall(m) => {
            let method = m.method.to_string();
            words(&method).iter().any(|w| w.starts_with("cookie"))
                || matches!(
                    method.as_str(),
                    "get" | "get_private" | "get_signed" | "value"
                )
                || ((is_unwrapping(&method) || TRANSPARENT_METHODS.contains(&method.as_str()))
                    && cookie_lookup(&m.receiver))
        }
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => p.path.segments.iter().any(|s| {
                let n = s.ident.to_string();
                n.contains("Cookie") || words(&n).iter().any(|w| w.starts_with("cookie"))
            }),
            _ => false,
        },
        Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
            words(&i.to_string())
                .iter()
                .any(|w| w.starts_with("cookie"))
        }),
        Expr::Field(f) => {
            matches!(&f.member, syn::Member::Named(n) if n.to_string().contains("cookie"))
        }
        _ => false,
    }
}

/// A cookie looked up by a name that is not a session's or a credential's
/// (`req.cookie(COOKIE_LOCALE)`, `jar.get("theme")`).
fn harmless_cookie(e: &Expr) -> bool {
    match e {
        Expr::Reference(r) => harmless_cookie(&r.expr),
        Expr::Paren(p) => harmless_cookie(&p.expr),
        Expr::Try(t) => harmless_cookie(&t.expr),
        Expr::MethodCall(m) => {
            let method = m.method.to_string();
            if is_unwrapping(&method) || method == "value" {
                return harmless_cookie(&m.receiver);
            }
            if !matches!(
                method.as_str(),
                "cookie" | "get_cookie" | "get" | "get_private" | "get_signed"
            ) {
                return false;
            }
            let key = match m.args.first() {
                Some(Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                })) => s.value(),
                Some(Expr::Path(p)) => match p.path.segments.last() {
                    Some(s) if is_const_case(&s.ident.to_string()) => s.ident.to_string(),
                    _ => return false,
                },
                _ => return false,
            };
            !words(&key).iter().any(|w| {
                matches!(
                    w.as_str(),
                    "session"
                        | "sid"
                        | "auth"
                        | "token"
                        | "jwt"
                        | "secret"
                        | "login"
                        | "remember"
                        | "csrf"
                        | "xsrf"
                        | "refresh"
                        | "access"
                        | "id"
                        | "bearer"
                        | "sess"
                )
            })
        }
        _ => false,
    }
}

fn is_unwrapping(m: &str) -> bool {
    matches!(
        m,
        "unwrap" | "expect" | "unwrap_or_default" | "clone" | "to_string"
    )
}

/// The credential header a key expression names: `AUTHORIZATION`,
/// `header::COOKIE`, `"x-api-key"`.
fn header_key(e: &Expr) -> Option<String> {
    match e {
        Expr::Reference(r) => header_key(&r.expr),
        Expr::Paren(p) => header_key(&p.expr),
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => {
            let v = s.value();
            is_secret_header(&v).then(|| v.to_ascii_lowercase())
        }
        Expr::Path(p) => {
            let last = p.path.segments.last()?.ident.to_string();
            (is_const_case(&last) && is_secret_header(&last))
                .then(|| last.to_ascii_lowercase().replace('_', "-"))
        }
        _ => None,
    }
}

impl<'c, 'a, 'ast> Ana<'c, 'a, 'ast> {
    /// Name-only analysis of an expression that is not part of the syntax tree.
    fn secret_owned(&self, e: &Expr) -> Option<Why> {
        match e {
            Expr::Reference(r) => self.secret_owned(&r.expr),
            Expr::Paren(p) => self.secret_owned(&p.expr),
            Expr::Path(p) => self.binding(&p.path.get_ident()?.to_string(), At::HERE, 0),
            Expr::Field(f) => match &f.member {
                syn::Member::Named(n) if self.secret_name(&n.to_string()) => Some(Why {
                    source: quote::ToTokens::to_token_stream(e)
                        .to_string()
                        .replace(' ', ""),
                    kind: Kind::Name(self.strong_name(&n.to_string())),
                }),
                _ => None,
            },
            Expr::MethodCall(m) => {
                let method = m.method.to_string();
                if EXPOSE_METHODS.contains(&method.as_str()) {
                    return Some(Why {
                        source: quote::ToTokens::to_token_stream(e)
                            .to_string()
                            .replace(' ', ""),
                        kind: Kind::Exposed,
                    });
                }
                if TRANSPARENT_METHODS.contains(&method.as_str()) {
                    return self.secret_owned(&m.receiver);
                }
                None
            }
            _ => None,
        }
    }
}

/// The message for a leak of `shown` (the expression at the sink).
fn message(shown: &str, why: &Why, sink: &str, out: Output, debug: bool) -> String {
    let verb = out.verb();
    let with = if debug { " with `Debug`" } else { "" };
    let origin = if why.source != shown {
        format!(" (from `{}`)", why.source)
    } else {
        String::new()
    };
    match &why.kind {
        Kind::Name(_) => format!("`{shown}`{origin} is {verb}{with} by `{sink}`"),
        Kind::Exposed => format!(
            "`{shown}`{origin} reveals a protected secret that is {verb}{with} by `{sink}`"
        ),
        Kind::Header(h) => {
            format!("`{shown}`{origin}, the `{h}` header, is {verb}{with} by `{sink}`")
        }
        Kind::Typed(t) => format!("`{shown}`{origin}, a `{t}` credential, is {verb}{with} by `{sink}`"),
        Kind::AllHeaders => format!(
            "`{shown}`{origin} iterates every header, including `Authorization` and `Cookie`; it is {verb}{with} by `{sink}`"
        ),
    }
}

/// Checks one value given to a sink. `field` names the structured field it is recorded as.
fn check_value<'ast>(
    cx: &mut Cx<'_, 'ast>,
    e: &'ast Expr,
    debug: bool,
    sink: &str,
    out: Output,
    field: Option<&str>,
) -> bool {
    // `name = %spec.target_secret`: the field's own name says the value names a secret
    // (shown with `Display`; a `Debug` of a whole value may hold more).
    if !debug && field.is_some_and(names_a_reference) {
        return false;
    }
    if check_value_here(cx, e, debug, sink, out, field) {
        return true;
    }
    let taint = cx.taint_eval_any(e);
    let shown = cx.flow().text(e.span());
    check_flow(cx, taint, e.span(), &shown, debug, sink, out)
}

/// A value given to a sink that may hold a secret read in another function (returned by
/// a call, or given to this function's parameter): a deferred finding the taint
/// engine's project pass settles ([`SPEC`]). What this function reads itself is judged
/// by [`check_value_here`].
fn check_flow(
    cx: &mut Cx<'_, '_>,
    mut taint: crate::engine::taint::Taint,
    span: Span,
    shown: &str,
    debug: bool,
    sink: &str,
    out: Output,
) -> bool {
    taint.retain(|a| matches!(a.root, Root::Ret(_) | Root::Param(_)));
    if taint.is_empty() {
        return false;
    }
    let flow = SinkFlow {
        code: META.code,
        func: cx.taint.frames.last().map(|f| f.key.clone()),
        sink: sink.to_string(),
        taint,
    };
    let with = if debug { " with `Debug`" } else { "" };
    let msg = format!("`{shown}` is {}{with} by `{sink}`", out.verb());
    cx.report_when(&META, span, msg, Condition::IfTainted(Box::new(flow)))
        .help = Some(HELP.into());
    true
}

/// Checks one value given to a sink by what this function shows of it: names, types,
/// bindings, `Debug`. `field` names the structured field it is recorded as.
fn check_value_here<'ast>(
    cx: &mut Cx<'_, 'ast>,
    e: &'ast Expr,
    debug: bool,
    sink: &str,
    out: Output,
    field: Option<&str>,
) -> bool {
    let ana = Ana { cx: &*cx };
    let shown = || Ana { cx }.text(e.span());
    if let Some(why) = ana.secret(e, At::HERE, 0) {
        let msg = message(&shown(), &why, sink, out, debug);
        // A field named as a secret of a struct declared in another file: its declared
        // type (a redacting wrapper?) is known once the workspace is indexed.
        if let (Kind::Name(_), Some(ty)) = (&why.kind, ana.foreign_field(e)) {
            let f = cx.report_when(&META, e.span(), msg, Condition::UnlessRedacted(ty));
            f.help = Some(HELP.into());
            f.preview = why.weak();
            return true;
        }
        report_why(cx, e.span(), msg, &why, HELP);
        return true;
    }
    if let Some(f) = field {
        // `token = %tokens`: a value of a named type shown with `Display` prints what
        // that type's `Display` writes (settled below).
        let displayed_type = !debug
            && matches!(
                ana.debug_type(e, At::HERE, 0),
                Some(TypeOf::Named(..) | TypeOf::Field(..))
            );
        if is_secret_name(f, &cx.settings.secrets.extra_names)
            && !ana.not_secret_value(e)
            && !binding_exempt(cx, e)
            && !displayed_type
        {
            let msg = format!("`{}` is {} as field `{f}` by `{sink}`", shown(), out.verb());
            let weak = !is_strong_secret_name(f, &cx.settings.secrets.extra_names);
            let r = cx.report(&META, e.span(), msg);
            r.help = Some(HELP.into());
            r.preview = weak;
            return true;
        }
    }
    // A secret-named value of a named type: settled by the type when the workspace
    // defines it, by the name otherwise.
    let named = expr_name(e).is_some_and(|n| is_secret_name(&n, &cx.settings.secrets.extra_names));
    if !debug && !named {
        return false;
    }
    match ana.debug_leak(e, At::HERE, 0) {
        Some(DebugLeak::Headers) if debug => {
            let msg = format!(
                "`{}` is {} with `Debug` by `{sink}`, which prints every header, including `Authorization` and `Cookie`",
                shown(),
                out.verb()
            );
            cx.report(&META, e.span(), msg).help = Some(HELP_HEADERS.into());
            true
        }
        Some(DebugLeak::Credential(t)) if debug => {
            let why = Why {
                source: shown(),
                kind: Kind::Typed(t),
            };
            let msg = message(&shown(), &why, sink, out, true);
            cx.report(&META, e.span(), msg).help = Some(HELP.into());
            true
        }
        Some(DebugLeak::Type(mut ty)) => {
            ty.stands_if_unknown = named;
            ty.display = !debug;
            ty.weak_if_unknown = expr_name(e)
                .is_none_or(|n| !is_strong_secret_name(&n, &cx.settings.secrets.extra_names));
            let with = if debug { " with `Debug`" } else { "" };
            let msg = format!("`{}` is {}{with} by `{sink}`", shown(), out.verb());
            cx.report_when(&META, e.span(), msg, Condition::IfDebugLeaks(ty))
                .help = Some(HELP_DEBUG_TYPE.into());
            true
        }
        _ => false,
    }
}

/// The name an expression reads: a variable or the last field (`creds`, `cfg.creds`).
fn expr_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Reference(r) => expr_name(&r.expr),
        Expr::Paren(p) => expr_name(&p.expr),
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(n.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        _ => None,
    }
}

/// A binding whose declared type says it is no secret (for field-name checks).
fn binding_exempt<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr) -> bool {
    let ana = Ana { cx };
    match e {
        Expr::Reference(r) => binding_exempt(cx, &r.expr),
        Expr::Paren(p) => binding_exempt(cx, &p.expr),
        // `cfg.password.clone()`: the field's type.
        Expr::MethodCall(m)
            if m.args.is_empty()
                && matches!(
                    m.method.to_string().as_str(),
                    "clone" | "as_ref" | "to_owned" | "as_deref" | "cloned"
                ) =>
        {
            binding_exempt(cx, &m.receiver)
        }
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => ana.field_exempt(&f.base, &n.to_string()),
            syn::Member::Unnamed(_) => false,
        },
        Expr::Path(p) => p
            .path
            .get_ident()
            .and_then(|id| declared_type(&cx.scopes, &id.to_string(), At::HERE))
            .is_some_and(|t| ana.exempt_type(t)),
        _ => false,
    }
}

fn check_format<'ast>(cx: &mut Cx<'_, 'ast>, fa: &'ast FormatArgs, sink: &str, out: Output) {
    for (i, a) in fa.args.iter().enumerate() {
        let debug = fa
            .placeholders
            .iter()
            .any(|p| p.debug && p.arg == ArgRef::Arg(i));
        check_value(cx, &a.expr, debug, sink, out, None);
    }
    let Some(lit) = &fa.fmt else { return };
    for name in fa.captures() {
        let debug = fa
            .placeholders
            .iter()
            .any(|p| p.debug && p.arg == ArgRef::Capture(name.to_string()));
        let ana = Ana { cx: &*cx };
        let why = ana.binding(name, At::HERE, 0);
        if let Some(why) = why {
            let msg = message(name, &why, sink, out, debug);
            report_why(cx, lit.span(), msg, &why, HELP);
            continue;
        }
        if debug && check_capture_debug(cx, name, lit.span(), sink, out) {
            continue;
        }
        let taint = cx.taint_eval_name(name, lit.span());
        check_flow(cx, taint, lit.span(), name, debug, sink, out);
    }
}

/// `{name:?}` of a captured binding whose type prints secrets.
fn check_capture_debug(
    cx: &mut Cx<'_, '_>,
    name: &str,
    span: Span,
    sink: &str,
    out: Output,
) -> bool {
    let ana = Ana { cx: &*cx };
    let leak = match cx.scopes.lookup(name) {
        Some(b) => match (b.ty, b.origin) {
            (Some(t), _) => ana.type_of_decl(t),
            (None, Origin::Let(Some(init))) => ana.debug_type(init, b.at(), 1),
            (None, Origin::Element(iter, p)) if p.len == 0 => ana.debug_type(iter, b.at(), 1),
            _ => None,
        },
        None if name == "self" => cx.scopes.self_ty().and_then(|t| ana.type_of_decl(t)),
        None => None,
    };
    let verb = out.verb();
    match leak {
        Some(TypeOf::Headers) => {
            let msg = format!("`{name}` is {verb} with `Debug` by `{sink}`, which prints every header, including `Authorization` and `Cookie`");
            cx.report(&META, span, msg).help = Some(HELP_HEADERS.into());
            true
        }
        Some(TypeOf::Credential(t)) => {
            let msg = format!("`{name}`, a `{t}` credential, is {verb} with `Debug` by `{sink}`");
            cx.report(&META, span, msg).help = Some(HELP.into());
            true
        }
        Some(TypeOf::Named(t, path_crate)) => {
            let ty = DebugType {
                name: t,
                field: None,
                krate: cx.file.krate.clone(),
                path_crate,
                stands_if_unknown: false,
                display: false,
                weak_if_unknown: false,
            };
            let msg = format!("`{name}` is {verb} with `Debug` by `{sink}`");
            cx.report_when(&META, span, msg, Condition::IfDebugLeaks(ty))
                .help = Some(HELP_DEBUG_TYPE.into());
            true
        }
        _ => false,
    }
}

/// An argument `#[instrument]` records: secret by its type or its name, or of a type whose
/// `Debug` prints headers or a secret field.
fn check_argument(cx: &mut Cx<'_, '_>, name: &str, span: Span, ty: &Type, sink: &str) {
    let ana = Ana { cx: &*cx };
    if ana.exempt_type(ty) {
        return;
    }
    if let Some(c) = ana.credential_type(ty) {
        let msg =
            format!("argument `{name}`, a `{c}` credential, is recorded on the span by `{sink}`");
        cx.report(&META, span, msg).help = Some(HELP_INSTRUMENT.into());
        return;
    }
    let decl = ana.type_of_decl(ty);
    let named_type = matches!(decl, Some(TypeOf::Named(..)));
    if !named_type && is_secret_name(name, &cx.settings.secrets.extra_names) {
        let msg = format!("argument `{name}` is recorded on the span by `{sink}`");
        let weak = !is_strong_secret_name(name, &cx.settings.secrets.extra_names);
        let r = cx.report(&META, span, msg);
        r.help = Some(HELP_INSTRUMENT.into());
        r.preview = weak;
        return;
    }
    match decl {
        Some(TypeOf::Headers) => {
            let msg = format!("argument `{name}` is recorded with `Debug` on the span by `{sink}`, which prints every header, including `Authorization` and `Cookie`");
            cx.report(&META, span, msg).help = Some(HELP_INSTRUMENT.into());
        }
        Some(TypeOf::Named(t, path_crate)) => {
            let msg = format!("argument `{name}` is recorded with `Debug` on the span by `{sink}`");
            let ty = DebugType {
                name: t,
                field: None,
                krate: cx.file.krate.clone(),
                path_crate,
                stands_if_unknown: is_secret_name(name, &cx.settings.secrets.extra_names),
                display: false,
                weak_if_unknown: !is_strong_secret_name(name, &cx.settings.secrets.extra_names),
            };
            cx.report_when(&META, span, msg, Condition::IfDebugLeaks(ty))
                .help = Some(HELP_INSTRUMENT.into());
        }
        _ => {}
    }
}

/// `#[instrument(ret)]` records the return value: a function whose name or return type
/// says it returns a secret (`fn encode_password(..) -> String`, `-> Result<ApiKey, E>`
/// of a configured type) logs it.
fn check_instrument_ret(cx: &mut Cx<'_, '_>, span: Span, sig: &syn::Signature) {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return;
    };
    // The value a `Result`/`Option`/`Box` holds.
    let mut payload: &Type = ty;
    for _ in 0..4 {
        let Type::Path(p) = payload else { break };
        let Some(last) = p.path.segments.last() else {
            break;
        };
        if !matches!(
            last.ident.to_string().as_str(),
            "Result" | "Option" | "Box" | "Arc" | "Json"
        ) {
            break;
        }
        match crate::model::types::first_type_arg(last) {
            Some(inner) => payload = inner,
            None => break,
        }
    }
    if matches!(payload, Type::Tuple(t) if t.elems.is_empty()) {
        return;
    }
    let ana = Ana { cx: &*cx };
    let name = sig.ident.to_string();
    if let Some(c) = ana.credential_type(payload) {
        let msg = format!(
            "`{name}` returns a `{c}` credential, which `#[instrument(ret)]` records on the span"
        );
        cx.report(&META, span, msg).help = Some(HELP_RET.into());
        return;
    }
    if ana.exempt_type(payload) || !ana.secret_name(&name) {
        return;
    }
    let weak = !ana.strong_name(&name);
    let msg = format!("`{name}` returns a secret, which `#[instrument(ret)]` records on the span");
    let f = cx.report(&META, span, msg);
    f.help = Some(HELP_RET.into());
    f.preview = weak;
}

/// A value parsed from a macro's or an attribute's tokens (`slog`'s `"key" => value`,
/// `#[instrument(fields(name = value))]`): not in the syntax tree, so only names are
/// known. A field of `#[instrument]` named as a secret is one unless its value is plainly
/// not.
fn check_detached(
    cx: &mut Cx<'_, '_>,
    e: &Expr,
    debug: bool,
    field: Option<&str>,
    sink: &str,
    out: Output,
) {
    // `name = %spec.target_secret`: the field's own name says the value names a secret.
    if !debug && field.is_some_and(names_a_reference) {
        return;
    }
    let ana = Ana { cx: &*cx };
    let why = ana.secret_owned(e).or_else(|| {
        field
            .filter(|name| {
                out == Output::Span
                    && is_secret_name(name, &cx.settings.secrets.extra_names)
                    && !ana.not_secret_value(e)
            })
            .map(|name| Why {
                source: name.to_string(),
                kind: Kind::Name(ana.strong_name(name)),
            })
    });
    let Some(why) = why else { return };
    if out == Output::Span {
        let shown = quote::ToTokens::to_token_stream(e)
            .to_string()
            .replace(' ', "");
        let msg = message(&shown, &why, sink, out, debug);
        report_why(cx, e.span(), msg, &why, HELP_INSTRUMENT);
    } else {
        let text = cx.flow().text(e.span());
        let msg = message(&text, &why, sink, out, debug);
        report_why(cx, e.span(), msg, &why, HELP);
    }
}
