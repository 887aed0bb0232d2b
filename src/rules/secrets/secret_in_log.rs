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
use crate::engine::macros::{ArgRef, FormatArgs, LogField, Sigil};
use crate::engine::pattern::typed_pattern_names;
use crate::engine::resolve::{declared_type, is_self_alias, unwrap_all, At, Peel};
use crate::engine::scope::Origin;
use crate::model::names::{is_camel_case, is_const_case, words};
use crate::model::secrets::{
    is_log_macro, is_secret_header, is_secret_name, is_strong_secret_name, is_token_only_name,
    std_output_macro, Output, CREDENTIAL_TYPES, EXPOSE_METHODS, FORMAT_MACROS, HEADER_DUMP_TYPES,
    LOG_CRATES, PROTOCOL_TOKEN_WORDS, REDACTING_TYPES, TRANSPARENT_FIELDS, TRANSPARENT_METHODS,
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

    fn check_macro<'ast>(&self, cx: &mut Cx<'_, 'ast>, mac: MacroRef<'ast>) {
        if cx.scopes.in_test() {
            return;
        }
        let name = mac.parsed.name.as_str();
        if matches!(name, "write" | "writeln") {
            let Some(fa) = mac.parsed.format() else {
                return;
            };
            let Some(out) = fa
                .target
                .as_ref()
                .and_then(|t| stdio_target(cx, t, At::HERE, 0))
            else {
                return;
            };
            if matches!(out, Output::Stdout | Output::Stderr) && cli_code(cx) {
                return;
            }
            check_format(cx, fa, &format!("{name}!({}, ..)", stdio_name(out)), out);
            return;
        }
        let Some((sink, output)) = macro_sink(cx, mac) else {
            return;
        };
        // What a command-line tool prints to stdout is its output to the user who ran
        // it (`tool token create` prints the token); its logs still count.
        // (`eprintln!` too: a tool prints to stderr what must not go down a pipe;
        // `dbg!` is no output to the user.)
        let printed = output == Output::Stdout || (output == Output::Stderr && name != "dbg");
        if printed && cli_code(cx) {
            return;
        }
        if output == Output::Log && is_slog(cx, mac.mac) {
            check_slog(cx, mac.mac, &sink);
            return;
        }
        if let Some(log) = mac.parsed.log() {
            // `target: x` names the log target: it is written with every event.
            for (key, value) in &log.prefixes {
                if key == "target" {
                    check_value(cx, value, false, &sink, output, None);
                }
            }
            for f in &log.fields {
                check_log_field(cx, f, &sink, output);
            }
            if let Some(fa) = &log.format {
                check_format(cx, fa, &sink, output);
            }
        } else if let Some(fa) = mac.parsed.format() {
            check_format(cx, fa, &sink, output);
        } else if name == "dbg" {
            if let crate::engine::macros::MacroKind::Exprs(list) = &mac.parsed.kind {
                for e in list {
                    check_value(cx, e, true, &sink, output, None);
                }
            }
        }
    }

    fn check_expr<'ast>(&self, cx: &mut Cx<'_, 'ast>, expr: &'ast Expr) {
        if cx.scopes.in_test() {
            return;
        }
        let Expr::MethodCall(m) = expr else { return };
        // Cheap test before allocating the name: most method calls are none of these.
        let id = &m.method;
        if !(id == "expect"
            || id == "record"
            || id == "write_all"
            || id == "write"
            || id == "write_fmt")
        {
            return;
        }
        let method = id.to_string();
        match method.as_str() {
            "expect" => {
                if let Some(fa) = m.args.first().and_then(|a| format_macro_arg(cx, a)) {
                    check_format(cx, fa, "expect", Output::Panic);
                }
            }
            "record" if m.args.len() == 2 => check_span_record(cx, m),
            "write_all" | "write" | "write_fmt" => {
                if let (Some(out), Some(arg)) =
                    (stdio_target(cx, &m.receiver, At::HERE, 0), m.args.first())
                {
                    let sink = format!("{}().{method}", stdio_name(out));
                    check_value(cx, arg, false, &sink, out, None);
                }
            }
            _ => {}
        }
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
        for a in attrs {
            if is_instrument(cx, a) {
                check_instrument(cx, a, sig);
            }
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
                is_sanitizer(&m.method.to_string())
                    || (is_unwrapping(&m.method.to_string()) && self.not_secret_value(&m.receiver))
            }
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => p
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| is_sanitizer(&s.ident.to_string()) || s.ident == "Empty"),
                _ => false,
            },
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
            // A label chosen by a condition: every branch ends in one
            // (`if has_password { "password" } else { "token" }`).
            Expr::If(i) => {
                block_value(&i.then_branch).is_some_and(|v| self.not_secret_value(v))
                    && i.else_branch
                        .as_ref()
                        .is_some_and(|(_, e)| self.not_secret_value(e))
            }
            Expr::Block(b) => block_value(&b.block).is_some_and(|v| self.not_secret_value(v)),
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

/// The element of a tuple expression a destructuring pattern's position selects
/// (`(a, b)` at position 1 is `b`), through parentheses and nested tuples.
fn tuple_position(src: &Expr, path: crate::engine::scope::ElemPath) -> Option<&Expr> {
    let mut e = unwrap_all(src, Peel::Syntax);
    let mut path = path;
    let mut picked = false;
    while let (Expr::Tuple(t), Some(i)) = (e, path.first()) {
        e = unwrap_all(t.elems.iter().nth(i)?, Peel::Syntax);
        path = path.rest();
        picked = true;
    }
    picked.then_some(e)
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

/// Method or function names whose result is not the secret they are given: predicates,
/// lengths, hashes, masked forms.
fn is_sanitizer(name: &str) -> bool {
    let w = words(name);
    w.iter().any(|x| {
        matches!(
            x.as_str(),
            "len"
                | "count"
                | "is"
                | "has"
                | "hash"
                | "hashed"
                | "digest"
                | "mask"
                | "masked"
                | "redact"
                | "redacted"
                | "obfuscate"
                | "obfuscated"
                | "fingerprint"
                | "encrypt"
                | "encrypted"
                | "verify"
                | "eq"
                | "cmp"
                | "sha256"
                | "sha1"
                | "blake3"
                | "hmac"
                | "contains"
                | "starts"
                | "ends"
                | "empty"
        )
    })
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

/// Words of a module or function name that make it a command-line tool's code
/// (`src/cli/`, `mod commands`, `fn run_command`).
fn cli_word(name: &str) -> bool {
    words(name).iter().any(|w| {
        matches!(
            w.as_str(),
            "cli" | "cmd" | "cmds" | "command" | "commands" | "subcommand" | "subcommands"
        )
    })
}

/// Whether what the code prints to stdout is a command-line tool's output to the user
/// who ran it: a package that parses arguments and serves no requests, or, in a package
/// that does both, a `cli`/`commands` module, a `*_command` function, or the root of a
/// binary target (`src/main.rs`, `src/bin/*.rs`) that parses arguments (`clap`, `argh`,
/// `std::env::args`).
fn cli_code(cx: &Cx<'_, '_>) -> bool {
    if cx.file.cli || cx.file.module.iter().any(|m| cli_word(m)) || cli_bin_root(cx) {
        return true;
    }
    let mut seen = Vec::new();
    cx.scopes
        .current_fn()
        .is_some_and(|f| cli_fn(cx, f, &mut seen))
}

/// The root file of a binary target (`src/main.rs`, `src/bin/*.rs`) that parses
/// arguments.
fn cli_bin_root(cx: &Cx<'_, '_>) -> bool {
    let display = cx.src.display.replace('\\', "/");
    let bin_root = display.contains("/bin/")
        || display.starts_with("bin/")
        || display.ends_with("/main.rs")
        || display == "main.rs";
    bin_root
        && cx.text_fact("bl201-parses-arguments", |t| {
            [
                "clap::",
                "use clap",
                "argh::",
                "structopt::",
                "pico_args",
                "lexopt",
                "env::args",
            ]
            .iter()
            .any(|k| t.contains(k))
        })
}

/// A function of the file that is a command-line tool's: named so
/// (`create_token_command`), taking parsed arguments (`args: CreateTokenArgs`,
/// `cli: &Cli`), or private and called only by such functions (a subcommand's helper).
fn cli_fn(cx: &Cx<'_, '_>, name: &str, seen: &mut Vec<String>) -> bool {
    if cli_word(name) {
        return true;
    }
    if seen.len() > 16 || seen.iter().any(|s| s == name) {
        return false;
    }
    seen.push(name.to_string());
    let calls = cx.facts.calls();
    let Some(defs) = calls.fns.get(name) else {
        return false;
    };
    let takes_args = defs.iter().any(|d| {
        d.sig.inputs.iter().any(|i| {
            let syn::FnArg::Typed(t) = i else {
                return false;
            };
            let mut names = Vec::new();
            collect_type_names(&t.ty, &mut names, 0);
            names.iter().any(|n| {
                words(n)
                    .last()
                    .is_some_and(|w| matches!(w.as_str(), "args" | "cli" | "opts" | "subcommand"))
            })
        })
    });
    if takes_args {
        return true;
    }
    if defs.iter().any(|d| d.public || d.test) {
        return false;
    }
    match calls.callers.get(name) {
        Some(callers) if !callers.is_empty() => {
            callers.iter().all(|c| !c.is_empty() && cli_fn(cx, c, seen))
        }
        _ => false,
    }
}

/// The value a block ends with.
fn block_value(b: &syn::Block) -> Option<&Expr> {
    match b.stmts.last()? {
        syn::Stmt::Expr(e, None) => Some(e),
        _ => None,
    }
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

/// The sink a macro is, and where its output goes.
fn macro_sink(cx: &Cx<'_, '_>, mac: MacroRef<'_>) -> Option<(String, Output)> {
    let name = mac.parsed.name.as_str();
    let path = &mac.mac.path;
    if !is_log_macro(name) && std_output_macro(name).is_none() {
        return None;
    }
    let cands = cx.uses.candidates(path);
    if is_log_macro(name) {
        if let Some(c) = cands
            .iter()
            .find(|c| c.len() >= 2 && LOG_CRATES.contains(&c[0].as_str()))
        {
            let krate = if c[0] == "log_crate" {
                "log"
            } else {
                c[0].as_str()
            };
            return Some((format!("{krate}::{name}!"), Output::Log));
        }
        // `#[macro_use] extern crate log;` makes the bare names available everywhere.
        if path.segments.len() == 1 && cands.first().is_some_and(|c| c.len() == 1) {
            return Some((format!("{name}!"), Output::Log));
        }
        return None;
    }
    let out = std_output_macro(name)?;
    let std_path = path.segments.len() == 1
        || path
            .segments
            .first()
            .is_some_and(|s| s.ident == "std" || s.ident == "core");
    if !std_path
        || cands
            .first()
            .is_some_and(|c| c.len() > 1 && c[0] != "std" && c[0] != "core")
    {
        return None;
    }
    Some((format!("{name}!"), out))
}

fn is_slog(cx: &Cx<'_, '_>, mac: &syn::Macro) -> bool {
    cx.uses
        .candidates(&mac.path)
        .iter()
        .any(|c| c.first().is_some_and(|k| k == "slog"))
}

/// `slog` macros: `info!(logger, "msg {}", x; "key" => value, "k2" => ?v)`.
fn check_slog<'ast>(cx: &mut Cx<'_, 'ast>, mac: &'ast syn::Macro, sink: &str) {
    use proc_macro2::TokenTree;
    let mut parts: Vec<Vec<TokenTree>> = vec![Vec::new()];
    for t in mac.tokens.clone() {
        match &t {
            TokenTree::Punct(p) if p.as_char() == ',' || p.as_char() == ';' => {
                parts.push(Vec::new())
            }
            _ => {
                if let Some(last) = parts.last_mut() {
                    last.push(t)
                }
            }
        }
    }
    let mut debug_fmt = false;
    for (i, part) in parts.into_iter().enumerate() {
        if i == 0 || part.is_empty() {
            continue;
        }
        // `"key" => value`: the value follows `=>`, maybe with a `%`/`?`/`#?` sigil.
        let arrow = part.windows(2).position(|w| {
            matches!((&w[0], &w[1]), (TokenTree::Punct(a), TokenTree::Punct(b)) if a.as_char() == '=' && b.as_char() == '>')
        });
        let (toks, debug): (Vec<TokenTree>, bool) = match arrow {
            Some(at) => {
                let mut rest: Vec<TokenTree> = part[at + 2..].to_vec();
                let mut debug = false;
                while let Some(TokenTree::Punct(p)) = rest.first() {
                    match p.as_char() {
                        '?' => debug = true,
                        '%' | '#' => {}
                        _ => break,
                    }
                    rest.remove(0);
                }
                (rest, debug)
            }
            None => (part, debug_fmt),
        };
        let ts: proc_macro2::TokenStream = toks.into_iter().collect();
        if let Ok(lit) = syn::parse2::<syn::LitStr>(ts.clone()) {
            debug_fmt = lit.value().contains(":?");
            continue;
        }
        // Parsed here, so the expression does not live in the syntax tree: analyse what
        // can be analysed by name.
        if let Ok(e) = syn::parse2::<Expr>(ts) {
            let leaked = Ana { cx: &*cx }.secret_owned(&e);
            if let Some(why) = leaked {
                let text = cx.flow().text(e.span());
                let msg = message(&text, &why, sink, Output::Log, debug);
                report_why(cx, e.span(), msg, &why, HELP);
            }
        }
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

fn check_log_field<'ast>(cx: &mut Cx<'_, 'ast>, f: &'ast LogField, sink: &str, out: Output) {
    // A shorthand field is named by its value's text; the value itself is checked.
    let shorthand = quote::ToTokens::to_token_stream(&f.value)
        .to_string()
        .replace(' ', "")
        == f.name;
    let field = (!shorthand).then_some(f.name.as_str());
    check_value(cx, &f.value, f.sigil == Sigil::Debug, sink, out, field);
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
        if debug {
            check_capture_debug(cx, name, lit.span(), sink, out);
        }
    }
}

/// `{name:?}` of a captured binding whose type prints secrets.
fn check_capture_debug(cx: &mut Cx<'_, '_>, name: &str, span: Span, sink: &str, out: Output) {
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
        }
        Some(TypeOf::Credential(t)) => {
            let msg = format!("`{name}`, a `{t}` credential, is {verb} with `Debug` by `{sink}`");
            cx.report(&META, span, msg).help = Some(HELP.into());
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
        }
        _ => {}
    }
}

/// `format!(..)`, `&format!(..)` or `format!(..).as_str()` given to `expect`.
fn format_macro_arg<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr) -> Option<&'ast FormatArgs> {
    match e {
        Expr::Reference(r) => format_macro_arg(cx, &r.expr),
        Expr::Paren(p) => format_macro_arg(cx, &p.expr),
        Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "as_str" | "as_ref") => {
            format_macro_arg(cx, &m.receiver)
        }
        Expr::Macro(m) => {
            let parsed = cx.macros.get(&m.mac);
            (parsed.name == "format").then(|| parsed.format()).flatten()
        }
        _ => None,
    }
}

/// `span.record("field", &value)` / `Span::current().record("f", field::display(&v))`.
fn check_span_record<'ast>(cx: &mut Cx<'_, 'ast>, m: &'ast syn::ExprMethodCall) {
    let Some(Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(name),
        ..
    })) = m.args.first()
    else {
        return;
    };
    let Some(mut value) = m.args.iter().nth(1) else {
        return;
    };
    let mut debug = false;
    // `field::display(x)` / `field::debug(x)` / `tracing::field::debug(&x)`.
    if let Expr::Call(c) = value {
        if let Expr::Path(p) = &*c.func {
            let last = p.path.segments.last().map(|s| s.ident.to_string());
            if let (Some("display" | "debug"), Some(arg)) = (last.as_deref(), c.args.first()) {
                debug = last.as_deref() == Some("debug");
                value = arg;
            }
        }
    }
    let field = name.value();
    check_value(cx, value, debug, "Span::record", Output::Span, Some(&field));
}

fn stdio_name(out: Output) -> &'static str {
    match out {
        Output::Stderr => "stderr",
        _ => "stdout",
    }
}

/// Whether a writer is the process's stdout or stderr (`io::stdout()`, `.lock()` of it,
/// a `BufWriter` around it, or a binding of one).
fn stdio_target<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, at: At, depth: u32) -> Option<Output> {
    // Parentheses, references, derefs and `{ x }` blocks change nothing here.
    let e = unwrap_all(e, Peel::Syntax);
    if depth > 8 {
        return None;
    }
    match e {
        Expr::Reference(r) => stdio_target(cx, &r.expr, at, depth + 1),
        Expr::Paren(p) => stdio_target(cx, &p.expr, at, depth + 1),
        Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "lock" | "by_ref") => {
            stdio_target(cx, &m.receiver, at, depth + 1)
        }
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else { return None };
            let full = cx.uses.resolve(&p.path);
            let last = full.last()?.as_str();
            let std_io = full.len() == 1 || full.iter().any(|s| s == "io");
            match last {
                "stdout" if std_io => Some(Output::Stdout),
                "stderr" if std_io => Some(Output::Stderr),
                "new"
                    if full.len() >= 2
                        && matches!(full[full.len() - 2].as_str(), "BufWriter" | "LineWriter") =>
                {
                    stdio_target(cx, c.args.first()?, at, depth + 1)
                }
                _ => None,
            }
        }
        Expr::Path(p) => {
            let id = p.path.get_ident()?.to_string();
            let b = cx.scopes.resolve(&id, at)?;
            match b.origin {
                Origin::Let(Some(init)) => stdio_target(cx, init, b.at(), depth + 1),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `#[instrument]`, `#[tracing::instrument]`, `#[tracing_attributes::instrument]`.
fn is_instrument(cx: &Cx<'_, '_>, a: &syn::Attribute) -> bool {
    let path = a.path();
    if path.segments.last().is_none_or(|s| s.ident != "instrument") {
        return false;
    }
    let cands = cx.uses.candidates(path);
    cands.iter().any(|c| {
        c.len() == 1
            || c.first()
                .is_some_and(|k| k == "tracing" || k == "tracing_attributes")
    })
}

/// `#[instrument]` records every argument (with `Debug` unless it is a primitive) except
/// those in `skip(..)`, and whatever `fields(..)` names.
fn check_instrument<'ast>(
    cx: &mut Cx<'_, 'ast>,
    a: &'ast syn::Attribute,
    sig: &'ast syn::Signature,
) {
    use proc_macro2::TokenTree;
    let mut skipped: Vec<String> = Vec::new();
    let mut skip_all = false;
    let mut ret: Option<Span> = None;
    let mut fields: Vec<proc_macro2::TokenStream> = Vec::new();
    if let syn::Meta::List(l) = &a.meta {
        let toks: Vec<TokenTree> = l.tokens.clone().into_iter().collect();
        for (i, t) in toks.iter().enumerate() {
            let TokenTree::Ident(id) = t else { continue };
            let group = match toks.get(i + 1) {
                Some(TokenTree::Group(g)) => Some(g.stream()),
                _ => None,
            };
            match (id.to_string().as_str(), group) {
                ("skip_all", _) => skip_all = true,
                ("ret", _) => ret = Some(id.span()),
                ("skip", Some(g)) => skipped.extend(g.into_iter().filter_map(|t| match t {
                    TokenTree::Ident(i) => Some(i.to_string()),
                    _ => None,
                })),
                ("fields", Some(g)) => fields.push(g),
                _ => {}
            }
        }
    }
    let sink = "#[instrument]";
    for g in fields {
        check_instrument_fields(cx, g, sink);
    }
    if let Some(span) = ret {
        check_instrument_ret(cx, span, sig);
    }
    if skip_all {
        return;
    }
    for input in &sig.inputs {
        let syn::FnArg::Typed(t) = input else {
            continue;
        };
        for pn in typed_pattern_names(&t.pat, &t.ty) {
            let name = pn.ident.to_string();
            if skipped.contains(&name) || name.starts_with('_') {
                continue;
            }
            let ty = pn.ty.unwrap_or(&t.ty);
            let ana = Ana { cx: &*cx };
            if ana.exempt_type(ty) {
                continue;
            }
            let span = pn.ident.span();
            if let Some(c) = ana.credential_type(ty) {
                let msg = format!(
                    "argument `{name}`, a `{c}` credential, is recorded on the span by `{sink}`"
                );
                cx.report(&META, span, msg).help = Some(HELP_INSTRUMENT.into());
                continue;
            }
            let decl = ana.type_of_decl(ty);
            let named_type = matches!(decl, Some(TypeOf::Named(..)));
            if !named_type && is_secret_name(&name, &cx.settings.secrets.extra_names) {
                let msg = format!("argument `{name}` is recorded on the span by `{sink}`");
                let weak = !is_strong_secret_name(&name, &cx.settings.secrets.extra_names);
                let r = cx.report(&META, span, msg);
                r.help = Some(HELP_INSTRUMENT.into());
                r.preview = weak;
                continue;
            }
            match decl {
                Some(TypeOf::Headers) => {
                    let msg = format!("argument `{name}` is recorded with `Debug` on the span by `{sink}`, which prints every header, including `Authorization` and `Cookie`");
                    cx.report(&META, span, msg).help = Some(HELP_INSTRUMENT.into());
                }
                Some(TypeOf::Named(t, path_crate)) => {
                    let msg = format!(
                        "argument `{name}` is recorded with `Debug` on the span by `{sink}`"
                    );
                    let ty = DebugType {
                        name: t,
                        field: None,
                        krate: cx.file.krate.clone(),
                        path_crate,
                        stands_if_unknown: is_secret_name(&name, &cx.settings.secrets.extra_names),
                        display: false,
                        weak_if_unknown: !is_strong_secret_name(
                            &name,
                            &cx.settings.secrets.extra_names,
                        ),
                    };
                    cx.report_when(&META, span, msg, Condition::IfDebugLeaks(ty))
                        .help = Some(HELP_INSTRUMENT.into());
                }
                _ => {}
            }
        }
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

/// `fields(user.password = %creds.password, token)`: parsed from the attribute, so only
/// name-level analysis applies.
fn check_instrument_fields(cx: &mut Cx<'_, '_>, g: proc_macro2::TokenStream, sink: &str) {
    use proc_macro2::TokenTree;
    let mut parts: Vec<proc_macro2::TokenStream> = vec![proc_macro2::TokenStream::new()];
    for t in g {
        match &t {
            TokenTree::Punct(p) if p.as_char() == ',' => {
                parts.push(proc_macro2::TokenStream::new())
            }
            _ => {
                if let Some(last) = parts.last_mut() {
                    last.extend(std::iter::once(t))
                }
            }
        }
    }
    for part in parts {
        let toks: Vec<TokenTree> = part.into_iter().collect();
        // `name = value` (name may be dotted); a bare `name` declares an empty field.
        let Some(eq) = toks
            .iter()
            .position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == '='))
        else {
            continue;
        };
        let name: String = toks[..eq].iter().map(|t| t.to_string()).collect();
        let mut rest = &toks[eq + 1..];
        let mut debug = false;
        if let Some(TokenTree::Punct(p)) = rest.first() {
            if p.as_char() == '?' || p.as_char() == '%' {
                debug = p.as_char() == '?';
                rest = &rest[1..];
            }
        }
        let ts: proc_macro2::TokenStream = rest.iter().cloned().collect();
        let Ok(e) = syn::parse2::<Expr>(ts) else {
            continue;
        };
        let ana = Ana { cx: &*cx };
        let why = ana.secret_owned(&e).or_else(|| {
            (is_secret_name(&name, &cx.settings.secrets.extra_names) && !ana.not_secret_value(&e))
                .then(|| Why {
                    source: name.clone(),
                    kind: Kind::Name(ana.strong_name(&name)),
                })
        });
        if let Some(why) = why {
            let shown = quote::ToTokens::to_token_stream(&e)
                .to_string()
                .replace(' ', "");
            let msg = message(&shown, &why, sink, Output::Span, debug);
            report_why(cx, e.span(), msg, &why, HELP_INSTRUMENT);
        }
    }
}
