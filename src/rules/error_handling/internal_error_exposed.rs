//! BL702 `internal-error-exposed`: the text of an internal error — a database's, the
//! file system's, an HTTP client's, a catch-all `anyhow::Error` — put in an HTTP
//! response body.
//!
//! A response is a construction the frameworks turn into one: a `(StatusCode, body)`
//! tuple, an actix-web `HttpResponse::InternalServerError().body(..)`/`.json(..)` or
//! `HttpResponse::build(status)` chain, an http `Response::builder().status(..)`, rocket's
//! `status::Custom(Status::.., body)`, a call of a `…Response` type given a status
//! (`ApiResponse::error(StatusCode::INTERNAL_SERVER_ERROR, msg)`), actix-web's
//! `ErrorInternalServerError(e)`, and a bare `Json(..)` (status 200). The error's text is
//! `e.to_string()`, a `format!`/`json!` of `e`, or a local holding one.
//!
//! An error is internal when its source is visible: the `Err(e)` of a match on a
//! database/file-system/HTTP-client call (sqlx, diesel, sea-orm, `std::fs`, reqwest…),
//! the error of a `.map_err(|e| ..)` on one, a parameter of an internal error type. With
//! a 5xx status any error counts: the server says the failure is its own, so its
//! description is internal. In `impl IntoResponse`/`ResponseError`/`Responder`, the
//! error type's own `Display`/`Debug` counts when one of its variants wraps an internal
//! error and the message shows it (`#[error("db: {0}")] Db(#[from] sqlx::Error)`), or a
//! `From<sqlx::Error>` conversion stores the error's text in it.

use crate::engine::builders::{cond_gate, peel};
use crate::engine::cx::Cx;
use crate::engine::macros::{json_values, parse_macro, ArgRef, ParsedMacro};
use crate::engine::pattern::pattern_names;
use crate::engine::resolve::{is_self_alias, Peel};
use crate::engine::usemap::path_names;
use crate::model::errors::{
    internal_error_type, is_client_error_call, is_fixed_text_method, is_harmless_error_call,
    is_harmless_error_type, kind_of_crate, status_class, status_class_of_code, StatusClass,
    BODY_METHODS, ERROR_CLOSURE_METHODS, INTERNAL_CALL_PATHS, INTERNAL_METHODS,
    RESPONSE_BUILDER_TYPES, RESPONSE_TRAITS, STATUS_TYPES,
};
use crate::model::layers::{is_db_crate, HTTP_CRATES};
use crate::rules::{Rule, RuleMeta};
use proc_macro2::Span;
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Fields, Lit, Pat, Type};
use typed_arena::Arena;

crate::declare_rule! {
    pub static META = {
        code: "BL702",
        name: "internal-error-exposed",
        category: ErrorHandling,
        severity: Warning,
        cwe: [209, 200],
        precision: High,
        status: Stable,
        since: "0.1.0",
        summary: "the text of an internal error (database, I/O, HTTP client, anyhow) or of any error behind a 5xx status put in an HTTP response body",
    }
}

pub struct InternalErrorExposed;

const HELP: &str = "log the error (`tracing::error!(error = %e, ..)`) and send a generic message, or map it to an error type whose response text you wrote for clients";

impl Rule for InternalErrorExposed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_fn<'ast>(
        &self,
        cx: &mut Cx<'_, 'ast>,
        _attrs: &'ast [syn::Attribute],
        sig: &'ast syn::Signature,
        body: &'ast syn::Block,
    ) {
        if cx.scopes.in_test()
            || cx.file.test
            || !(cx.uses.imports_crate(HTTP_CRATES) || cx.uses.imports_crate(BOT_CRATES))
        {
            return;
        }
        // The methods of response trait implementations are judged with their type.
        if cx.scopes.self_ty().is_some()
            && RESPONSE_TRAITS
                .iter()
                .any(|(_, m)| sig.ident == m && sig.receiver().is_some())
        {
            return;
        }
        // A function that makes a streamed body's chunks (`Result<Bytes, actix_web::Error>`,
        // a closure or stream returning them): an error it yields after the response's
        // head was sent aborts the connection, and its text never reaches the client.
        if yields_body_chunks(&sig.output) {
            return;
        }
        let found = scan(cx, None, |s| {
            s.bind_params(sig);
            s.visit_block(body);
        });
        report(cx, found);
    }

    fn check_impl<'ast>(&self, cx: &mut Cx<'_, 'ast>, imp: &'ast syn::ItemImpl) {
        if cx.scopes.in_test() || cx.file.test {
            return;
        }
        let Some((_, trait_path, _)) = &imp.trait_ else {
            return;
        };
        let Some(trait_name) = trait_path.segments.last().map(|s| s.ident.to_string()) else {
            return;
        };
        let Some((_, method)) = RESPONSE_TRAITS.iter().find(|(t, _)| *t == trait_name) else {
            return;
        };
        let Some(ty_name) = type_ident(&imp.self_ty) else {
            return;
        };
        let info = ErrorType::of(cx, &ty_name);
        let body_fn = imp.items.iter().find_map(|it| match it {
            syn::ImplItem::Fn(f) if f.sig.ident == method => Some(f),
            _ => None,
        });
        match body_fn {
            Some(f) => {
                let found = scan(cx, info.as_ref(), |s| {
                    s.bind_params(&f.sig);
                    s.visit_block(&f.block);
                });
                report(cx, found);
            }
            // actix-web's default `error_response` sends `self.to_string()`.
            None if trait_name == "ResponseError" => {
                let Some(info) = &info else { return };
                let all: Vec<usize> = (0..info.variants.len()).collect();
                if let Some((variant, kind, evidence)) = info.leak(&all, false) {
                    let msg = format!(
                        "`impl ResponseError for {ty_name}` keeps actix-web's default `error_response`, which sends `{ty_name}`'s `Display` text — and `{ty_name}::{variant}` displays the wrapped {kind} error"
                    );
                    let labels = labels(cx, &evidence);
                    let f = cx.report(&META, imp.impl_token.span, msg);
                    f.help = Some(
                        "implement `error_response` and send a fixed message for internal variants (log the error instead)"
                            .into(),
                    );
                    f.labels = labels;
                }
            }
            None => {}
        }
    }
}

/// A return type whose values are a streamed body's chunks: `Result<Bytes, E>`, or a
/// closure (`impl FnMut(..) -> Result<Bytes, E>`) or stream
/// (`impl Stream<Item = Result<Bytes, E>>`) yielding them, with any path to `Bytes`.
fn yields_body_chunks(output: &syn::ReturnType) -> bool {
    let syn::ReturnType::Type(_, ty) = output else {
        return false;
    };
    let text = quote::ToTokens::to_token_stream(ty)
        .to_string()
        .replace(' ', "");
    [
        "Result<Bytes,",
        "Result<web::Bytes,",
        "Result<bytes::Bytes,",
    ]
    .iter()
    .any(|p| text.contains(p) || text.contains(&p.replace("Result<", "::Result<")))
        && !text.contains("Response")
}

/// Places that show why a finding stands (the error type's variant, its `From`
/// conversion), each with what it shows.
type Evidence = Vec<(Span, String)>;

/// A finding: where, its message, whether it rests on weak evidence (the preview
/// sub-check: an error of unseen origin behind a 5xx status), and its evidence.
type Found = (Span, String, bool, Evidence);

fn labels(cx: &Cx<'_, '_>, evidence: &Evidence) -> Vec<crate::finding::Label> {
    evidence
        .iter()
        .map(|(at, what)| crate::finding::Label::here(cx.src.region(*at), what.clone()))
        .collect()
}

fn report(cx: &mut Cx<'_, '_>, found: Vec<Found>) {
    let mut seen = HashSet::new();
    for (span, msg, weak, evidence) in found {
        let key = (span.start().line, span.start().column);
        if seen.insert(key) {
            let labels = labels(cx, &evidence);
            let f = cx.report(&META, span, msg);
            f.help = Some(HELP.into());
            f.labels = labels;
            f.preview |= weak;
        }
    }
}

fn type_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Type::Reference(r) => type_ident(&r.elem),
        _ => None,
    }
}

/// What is known of an error value.
#[derive(Debug, Clone, Default)]
struct ErrInfo {
    /// The kind of internal failure (`"database"`, `"I/O"`), when its source is visible.
    internal: Option<&'static str>,
    /// It is the client's error: parsing or validating what the client sent.
    client: bool,
    /// It is (a value of) the response impl's own error type; the variants it may be.
    own: Option<Vec<usize>>,
    /// It is already an error's text (a `String` field a `From` conversion filled).
    text: bool,
}

/// An error type of this file whose response an impl builds: its variants, the fields
/// each shows in its `Display` text, and which fields hold internal errors.
struct ErrorType {
    name: String,
    variants: Vec<Variant>,
    derives_debug: bool,
}

struct Variant {
    name: String,
    /// The variant's name (the struct's, for a struct error type): evidence in findings.
    span: Span,
    /// The `From` conversion that stores an internal error's text in a field.
    from_impl: Option<Span>,
    /// Field names (`0`, `1` for tuple variants) and whether each holds an internal
    /// error (or its text): the kind.
    fields: Vec<(String, Option<&'static str>)>,
    /// Fields that hold an internal error's text (filled by a `From` conversion).
    text_fields: Vec<String>,
    /// Fields that hold a framework's rejection of the request or a fixed-text error
    /// (`Json(JsonRejection)`): their text is the client's.
    harmless_fields: Vec<String>,
    /// The fields `Display` shows (`None`: unknown, no `#[error(..)]`).
    displayed: Option<Vec<String>>,
}

impl ErrInfo {
    /// An error whose text is the client's or fixed: a framework's rejection of a
    /// malformed request, a timeout's `Elapsed`.
    fn harmless() -> ErrInfo {
        ErrInfo {
            client: true,
            ..ErrInfo::default()
        }
    }
}

/// Whether a written type is (a reference to) an error type of
/// [`is_harmless_error_type`], resolved through the use-map.
fn harmless_type(cx: &Cx<'_, '_>, ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => harmless_type(cx, &r.elem),
        Type::Paren(p) => harmless_type(cx, &p.elem),
        Type::Path(p) => cx
            .uses
            .candidates(&p.path)
            .iter()
            .any(|full| is_harmless_error_type(full)),
        _ => false,
    }
}

/// The error type of a written `Result<T, E>`.
fn result_error_type(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return None;
    };
    a.args
        .iter()
        .filter_map(|g| match g {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .nth(1)
}

/// The error `x` whose type an `x.is::<T>()` condition tests for a harmless type `T`
/// (`if err.is::<Elapsed>()`).
fn harmless_test(cx: &Cx<'_, '_>, cond: &Expr) -> Option<String> {
    let mut e = peel(cond);
    // `err.downcast_ref::<Elapsed>().is_some()`, `if let Some(_) = err.downcast_ref::<..>()`.
    match e {
        Expr::MethodCall(m) if m.method == "is_some" => e = peel(&m.receiver),
        Expr::Let(l) => e = peel(&l.expr),
        _ => {}
    }
    let Expr::MethodCall(m) = e else {
        return None;
    };
    if m.method != "is" && m.method != "downcast_ref" {
        return None;
    }
    let t = m.turbofish.as_ref()?;
    let harmless = t
        .args
        .iter()
        .any(|a| matches!(a, syn::GenericArgument::Type(ty) if harmless_type(cx, ty)));
    if !harmless {
        return None;
    }
    root_name(&m.receiver)
}

impl ErrorType {
    fn of(cx: &Cx<'_, '_>, name: &str) -> Option<ErrorType> {
        if let Some(e) = cx.facts.enum_items.get(name) {
            let mut variants: Vec<Variant> = e
                .variants
                .iter()
                .map(|v| Variant {
                    name: v.ident.to_string(),
                    span: v.ident.span(),
                    from_impl: None,
                    fields: fields_of(cx, &v.fields),
                    text_fields: Vec::new(),
                    harmless_fields: harmless_fields(cx, &v.fields),
                    displayed: displayed(&v.attrs, &v.fields),
                })
                .collect();
            mark_from_impls(cx, name, &mut variants);
            mark_rejection_fills(cx, name, &mut variants);
            return Some(ErrorType {
                name: name.to_string(),
                variants,
                derives_debug: derives_debug(&e.attrs),
            });
        }
        let s = cx.facts.struct_items.get(name)?;
        let mut variants = vec![Variant {
            name: name.to_string(),
            span: s.ident.span(),
            from_impl: None,
            fields: fields_of(cx, &s.fields),
            text_fields: Vec::new(),
            harmless_fields: harmless_fields(cx, &s.fields),
            displayed: displayed(&s.attrs, &s.fields),
        }];
        mark_from_impls(cx, name, &mut variants);
        Some(ErrorType {
            name: name.to_string(),
            variants,
            derives_debug: derives_debug(&s.attrs),
        })
    }

    /// The first of `variants` whose text shows an internal error (`debug`: with
    /// `Debug`, which shows every field), its kind, and the evidence: the variant, and
    /// the `From` conversion that stores the error's text.
    fn leak(&self, variants: &[usize], debug: bool) -> Option<(String, &'static str, Evidence)> {
        variants.iter().find_map(|&i| {
            let v = self.variants.get(i)?;
            v.fields.iter().find_map(|(f, kind)| {
                let kind = (*kind)?;
                let shown = if debug {
                    self.derives_debug
                } else {
                    v.displayed.as_ref().is_some_and(|d| d.contains(f))
                };
                if !shown {
                    return None;
                }
                let how = if debug { "`Debug`" } else { "`Display`" };
                let mut evidence = vec![(
                    v.span,
                    format!(
                        "`{}::{}` shows the wrapped {kind} error in its {how}",
                        self.name, v.name
                    ),
                )];
                if let (true, Some(at)) = (v.text_fields.contains(f), v.from_impl) {
                    evidence.push((
                        at,
                        format!("this conversion stores the {kind} error's text"),
                    ));
                }
                Some((v.name.clone(), kind, evidence))
            })
        })
    }

    /// Every variant's `Display` text is fixed or shows only fields of fixed-text or
    /// client error types (`#[error("cannot parse IP address: {0}")] Ip(AddrParseError)`).
    fn fixed_text(&self) -> bool {
        !self.variants.is_empty()
            && self.variants.iter().all(|v| {
                v.text_fields.is_empty()
                    && v.displayed
                        .as_ref()
                        .is_some_and(|d| d.iter().all(|f| v.harmless_fields.contains(f)))
            })
    }

    fn variant_index(&self, name: &str) -> Option<usize> {
        self.variants.iter().position(|v| v.name == name)
    }
}

fn derives_debug(attrs: &[syn::Attribute]) -> bool {
    derives(attrs, "Debug")
}

/// Whether the attributes derive `name` (`#[derive(Debug)]`, `#[derive(askama::Template)]`).
fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && quote::ToTokens::to_token_stream(&a.meta)
                .to_string()
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .any(|w| w == name)
    })
}

/// Template engines whose context or template fields are rendered for the user.
const TEMPLATE_CRATES: &[&str] = &["tera", "askama", "sailfish", "minijinja", "handlebars"];

/// Chat bot frameworks: their replies are shown to the user.
const BOT_CRATES: &[&str] = &[
    "teloxide",
    "serenity",
    "poise",
    "frankenstein",
    "twilight_http",
];

/// Methods of the bot frameworks that send text to the chat.
const BOT_REPLY_METHODS: &[&str] = &[
    "send_message",
    "reply_to",
    "say",
    "reply",
    "answer",
    "edit_message_text",
    "create_message",
    "content",
];

fn fields_of(cx: &Cx<'_, '_>, fields: &Fields) -> Vec<(String, Option<&'static str>)> {
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = f
                .ident
                .as_ref()
                .map_or_else(|| i.to_string(), |id| id.to_string());
            (name, internal_type(cx, &f.ty))
        })
        .collect()
}

/// The fields of harmless error types ([`harmless_type`]), by name (`0`, `1` for tuple
/// fields).
fn harmless_fields(cx: &Cx<'_, '_>, fields: &Fields) -> Vec<String> {
    fields
        .iter()
        .enumerate()
        .filter(|(_, f)| harmless_type(cx, &f.ty))
        .map(|(i, f)| {
            f.ident
                .as_ref()
                .map_or_else(|| i.to_string(), |id| id.to_string())
        })
        .collect()
}

/// Variants of one field (`Internal(Box<dyn Error>)`) that the file fills only with a
/// framework's rejection of the request: the `Err(e)` of a `match` whose other arms name
/// a rejection type's variants (`Err(FormRejection::InvalidFormContentType(_)) => ..`,
/// `Err(e) => Err(MyError::Internal(Box::new(e)))`). Their text is the client's.
fn mark_rejection_fills(cx: &Cx<'_, '_>, ty: &str, variants: &mut [Variant]) {
    #[derive(Default)]
    struct Fills {
        /// Per variant: constructions with a rejection, constructions with anything else.
        counts: HashMap<String, (usize, usize)>,
        /// Names bound to a rejection by the arm being visited.
        rejections: Vec<String>,
    }
    struct V<'c, 'a, 'ast> {
        cx: &'c Cx<'a, 'ast>,
        ty: &'c str,
        f: Fills,
    }
    impl<'v> Visit<'v> for V<'_, '_, '_> {
        fn visit_expr_match(&mut self, m: &'v syn::ExprMatch) {
            self.visit_expr(&m.expr);
            let names_rejection = |pat: &Pat| {
                let mut found = false;
                let mut stack = vec![pat];
                while let Some(p) = stack.pop() {
                    match p {
                        Pat::TupleStruct(ts) => {
                            let segs: Vec<_> = ts.path.segments.iter().collect();
                            if segs.len() >= 2 {
                                let mut owner = ts.path.clone();
                                owner.segments.pop();
                                let owner_path = syn::Path {
                                    leading_colon: owner.leading_colon,
                                    segments: owner
                                        .segments
                                        .into_pairs()
                                        .map(|p| p.into_value())
                                        .collect(),
                                };
                                if self
                                    .cx
                                    .uses
                                    .candidates(&owner_path)
                                    .iter()
                                    .any(|c| is_harmless_error_type(c))
                                {
                                    found = true;
                                }
                            }
                            stack.extend(ts.elems.iter());
                        }
                        Pat::Or(o) => stack.extend(o.cases.iter()),
                        _ => {}
                    }
                }
                found
            };
            let rejection_match = m.arms.iter().any(|a| names_rejection(&a.pat));
            for arm in &m.arms {
                let saved = self.f.rejections.len();
                if rejection_match {
                    if let Pat::TupleStruct(ts) = &arm.pat {
                        if ts.path.is_ident("Err") && ts.elems.len() == 1 {
                            if let Pat::Ident(pi) = &ts.elems[0] {
                                self.f.rejections.push(pi.ident.to_string());
                            }
                        }
                    }
                }
                if let Some((_, g)) = &arm.guard {
                    self.visit_expr(g);
                }
                self.visit_expr(&arm.body);
                self.f.rejections.truncate(saved);
            }
        }
        fn visit_expr_call(&mut self, c: &'v syn::ExprCall) {
            if let Expr::Path(p) = &*c.func {
                let segs = path_names(&p.path);
                if let [.., t, v] = segs.as_slice() {
                    if (t == self.ty || t == "Self") && c.args.len() == 1 {
                        let mut arg = peel(&c.args[0]);
                        // `Box::new(e)`, `e.into()`.
                        if let Expr::Call(b) = arg {
                            if matches!(&*b.func, Expr::Path(bp) if path_names(&bp.path).ends_with(&["Box".to_string(), "new".to_string()]))
                                && b.args.len() == 1
                            {
                                arg = peel(&b.args[0]);
                            }
                        }
                        if let Expr::MethodCall(mc) = arg {
                            if mc.method == "into" && mc.args.is_empty() {
                                arg = peel(&mc.receiver);
                            }
                        }
                        let rejection = matches!(arg, Expr::Path(ap)
                            if ap.path.get_ident().is_some_and(|i| self.f.rejections.contains(&i.to_string())));
                        let e = self.f.counts.entry(v.clone()).or_default();
                        if rejection {
                            e.0 += 1;
                        } else {
                            e.1 += 1;
                        }
                    }
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
    }
    let mut v = V {
        cx,
        ty,
        f: Fills::default(),
    };
    for item in cx.facts.items {
        v.visit_item(item);
    }
    // A `#[from]` field is also filled by `?` anywhere: not followed.
    let converted: HashSet<String> = cx
        .facts
        .enum_items
        .get(ty)
        .map(|e| {
            e.variants
                .iter()
                .filter(|v| {
                    v.fields
                        .iter()
                        .any(|f| f.attrs.iter().any(|a| a.path().is_ident("from")))
                })
                .map(|v| v.ident.to_string())
                .collect()
        })
        .unwrap_or_default();
    for var in variants.iter_mut() {
        if var.fields.len() != 1 || converted.contains(&var.name) {
            continue;
        }
        if let Some((rej, other)) = v.f.counts.get(&var.name) {
            if *rej > 0 && *other == 0 {
                let field = var.fields[0].0.clone();
                var.fields[0].1 = None;
                var.text_fields.retain(|f| *f != field);
                var.harmless_fields.push(field);
            }
        }
    }
}

/// The kind of internal error a type is: `sqlx::Error`, `std::io::Error`, `anyhow::Error`,
/// `Box<dyn Error>`, through the file's imports.
fn internal_type(cx: &Cx<'_, '_>, ty: &Type) -> Option<&'static str> {
    match ty {
        Type::Reference(r) => internal_type(cx, &r.elem),
        Type::Paren(p) => internal_type(cx, &p.elem),
        Type::Path(p) => {
            let last = p.path.segments.last()?;
            if last.ident == "Box" || last.ident == "Arc" {
                let inner = crate::model::types::first_type_arg(last)?;
                if let Type::TraitObject(t) = inner {
                    let is_error = t.bounds.iter().any(|b| {
                        matches!(b, syn::TypeParamBound::Trait(tb)
                            if tb.path.segments.last().is_some_and(|s| s.ident == "Error"))
                    });
                    return is_error.then_some("internal");
                }
                return internal_type(cx, inner);
            }
            cx.uses
                .candidates(&p.path)
                .iter()
                .find_map(|full| internal_error_type(full))
        }
        _ => None,
    }
}

/// The fields a `#[error("..")]` (thiserror) message shows: `{0}`, `{source}`, `{0:?}`,
/// `.0` arguments; all of them for `#[error(transparent)]`.
fn displayed(attrs: &[syn::Attribute], fields: &Fields) -> Option<Vec<String>> {
    let attr = attrs.iter().find(|a| a.path().is_ident("error"))?;
    let syn::Meta::List(l) = &attr.meta else {
        return None;
    };
    let all = || -> Vec<String> {
        fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                f.ident
                    .as_ref()
                    .map_or_else(|| i.to_string(), |id| id.to_string())
            })
            .collect()
    };
    let tokens = l.tokens.to_string();
    if tokens.trim() == "transparent" {
        return Some(all());
    }
    let mut shown = Vec::new();
    let mut rest = tokens.as_str();
    // Placeholders of the format string: `{0}`, `{source:?}`.
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = after[..close].split(':').next().unwrap_or("").trim();
        if !name.is_empty() {
            shown.push(name.to_string());
        }
        rest = &after[close..];
    }
    // Extra arguments: `#[error("{}", .0)]`, `#[error("{msg}", msg = .source)]`.
    for part in tokens.split(',').skip(1) {
        if let Some(field) = part.trim().rsplit('.').next() {
            let field = field.trim();
            if !field.is_empty() && field.chars().all(|c| c.is_alphanumeric() || c == '_') {
                shown.push(field.to_string());
            }
        }
    }
    Some(shown)
}

/// Marks the variants a `From<internal error>` conversion of this file fills with the
/// error's text: `AppError::Internal(e.to_string())`.
fn mark_from_impls(cx: &Cx<'_, '_>, ty: &str, variants: &mut [Variant]) {
    for imp in &cx.facts.trait_impls {
        let Some((_, path, _)) = &imp.trait_ else {
            continue;
        };
        let Some(last) = path.segments.last() else {
            continue;
        };
        if last.ident != "From" || type_ident(&imp.self_ty).as_deref() != Some(ty) {
            continue;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            continue;
        };
        let Some(kind) = args.args.iter().find_map(|a| match a {
            syn::GenericArgument::Type(t) => internal_type(cx, t),
            _ => None,
        }) else {
            continue;
        };
        for it in &imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            let Some(param) = f.sig.inputs.iter().find_map(|i| match i {
                syn::FnArg::Typed(t) => match &*t.pat {
                    Pat::Ident(pi) => Some(pi.ident.to_string()),
                    _ => None,
                },
                syn::FnArg::Receiver(_) => None,
            }) else {
                continue;
            };
            let mut finder = Constructed {
                ty,
                param: &param,
                hits: Vec::new(),
                plain: false,
                calls: Vec::new(),
                locals: HashSet::new(),
            };
            finder.visit_block(&f.block);
            let mut hits = std::mem::take(&mut finder.hits);
            // `Self::new(status, e.to_string())`: where the constructor puts its argument.
            for (func, index) in finder.calls {
                hits.extend(constructor_fields(cx, ty, &func, index));
            }
            for (variant, field) in hits {
                if let Some(v) = variants
                    .iter_mut()
                    .find(|v| v.name == variant || (variant.is_empty() && v.name == ty))
                {
                    if let Some(f) = v.fields.iter_mut().find(|(n, _)| *n == field) {
                        if f.1.is_none() {
                            f.1 = Some(kind);
                            v.text_fields.push(field.clone());
                            v.from_impl.get_or_insert(imp.impl_token.span);
                        }
                    }
                }
            }
        }
    }
}

/// The (variant, field) pairs an associated function `ty::func` of the file fills with
/// its `index`-th argument (`fn new(status, message: impl Into<String>) -> Self { Self {
/// status, message: message.into() } }`).
fn constructor_fields(
    cx: &Cx<'_, '_>,
    ty: &str,
    func: &str,
    index: usize,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for item in cx.facts.items {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() || type_ident(&imp.self_ty).as_deref() != Some(ty) {
            continue;
        }
        for it in &imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            if f.sig.ident != func || f.sig.receiver().is_some() {
                continue;
            }
            let Some(syn::FnArg::Typed(t)) = f.sig.inputs.iter().nth(index) else {
                continue;
            };
            let Pat::Ident(pi) = &*t.pat else { continue };
            let param = pi.ident.to_string();
            let mut finder = Constructed {
                ty,
                param: &param,
                hits: Vec::new(),
                plain: true,
                calls: Vec::new(),
                locals: HashSet::new(),
            };
            finder.visit_block(&f.block);
            // Shorthand `Self { message }` fields.
            out.extend(finder.hits);
        }
    }
    out
}

/// Finds `T::V(<text of param>)` and `T::V { f: <text of param> }` constructions, and
/// calls of the type's own functions given the text (`Self::new(status, e.to_string())`:
/// (function, argument index) in `calls`).
struct Constructed<'c> {
    ty: &'c str,
    param: &'c str,
    /// (variant, field)
    hits: Vec<(String, String)>,
    /// The param already is text (a constructor's `message: impl Into<String>`): any
    /// use of it counts, not only its rendering.
    plain: bool,
    /// Calls of the type's associated functions given the text: (function, index).
    calls: Vec<(String, usize)>,
    /// Locals holding the param's text (`let msg = e.to_string();`).
    locals: HashSet<String>,
}

impl Constructed<'_> {
    fn variant_of(&self, path: &syn::Path) -> Option<String> {
        let segs: Vec<String> = path_names(path);
        match segs.as_slice() {
            [t, v] if t == self.ty || t == "Self" => Some(v.clone()),
            [t] if t == self.ty || t == "Self" => Some(String::new()),
            _ => None,
        }
    }

    fn shows_param(&self, e: &Expr) -> bool {
        if self.plain {
            let mut e = peel(e);
            for _ in 0..8 {
                match e {
                    Expr::MethodCall(m)
                        if m.args.is_empty()
                            && matches!(
                                m.method.to_string().as_str(),
                                "into" | "to_string" | "to_owned" | "clone"
                            ) =>
                    {
                        e = peel(&m.receiver)
                    }
                    _ => break,
                }
            }
            if matches!(e, Expr::Path(p) if p.path.is_ident(self.param)) {
                return true;
            }
        }
        let mut f = MentionsText {
            name: self.param,
            hit: false,
        };
        f.visit_expr(e);
        if f.hit {
            return true;
        }
        // A local holding the text, as it is or copied (`msg`, `msg.clone()`).
        let mut e = peel(e);
        for _ in 0..8 {
            match e {
                Expr::MethodCall(m)
                    if m.args.is_empty()
                        && matches!(
                            m.method.to_string().as_str(),
                            "into" | "to_string" | "to_owned" | "clone"
                        ) =>
                {
                    e = peel(&m.receiver)
                }
                _ => break,
            }
        }
        matches!(e, Expr::Path(p)
            if p.path.get_ident().is_some_and(|i| self.locals.contains(&i.to_string())))
    }
}

impl<'v> Visit<'v> for Constructed<'_> {
    fn visit_local(&mut self, l: &'v syn::Local) {
        visit::visit_local(self, l);
        let Some(init) = &l.init else { return };
        let holds = init.diverge.is_none() && self.shows_param(&init.expr);
        for pn in pattern_names(&l.pat) {
            let n = pn.ident.to_string();
            if holds {
                self.locals.insert(n);
            } else {
                self.locals.remove(&n);
            }
        }
    }

    fn visit_expr_call(&mut self, c: &'v syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            if let Some(v) = self.variant_of(&p.path) {
                for (i, a) in c.args.iter().enumerate() {
                    if self.shows_param(a) {
                        self.hits.push((v.clone(), i.to_string()));
                        self.calls.push((v.clone(), i));
                    }
                }
            }
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_struct(&mut self, s: &'v syn::ExprStruct) {
        if let Some(v) = self.variant_of(&s.path) {
            for f in &s.fields {
                if let syn::Member::Named(n) = &f.member {
                    if self.shows_param(&f.expr) {
                        self.hits.push((v.clone(), n.to_string()));
                    }
                }
            }
        }
        visit::visit_expr_struct(self, s);
    }
}

/// Whether an expression renders `name` as text: `e.to_string()`, `format!("{e}")`.
struct MentionsText<'n> {
    name: &'n str,
    hit: bool,
}

impl<'v> Visit<'v> for MentionsText<'_> {
    fn visit_expr_method_call(&mut self, m: &'v syn::ExprMethodCall) {
        if m.method == "to_string" && root_name(&m.receiver).as_deref() == Some(self.name) {
            self.hit = true;
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_macro(&mut self, mac: &'v syn::Macro) {
        let parsed = parse_macro(mac);
        if let Some(f) = parsed.format() {
            if f.captures().any(|c| c == self.name)
                || f.args
                    .iter()
                    .any(|a| root_name(&a.expr).as_deref() == Some(self.name))
            {
                self.hit = true;
            }
        }
        for e in parsed.exprs() {
            self.visit_expr(e);
        }
    }
}

/// The local an expression reads (`e` for `&e`, `e.0`, `*e`).
fn root_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Reference(r) => root_name(&r.expr),
        Expr::Paren(p) => root_name(&p.expr),
        Expr::Unary(u) => root_name(&u.expr),
        Expr::Field(f) => root_name(&f.base),
        Expr::MethodCall(m)
            if m.args.is_empty()
                && matches!(
                    m.method.to_string().as_str(),
                    "as_ref" | "clone" | "root_cause" | "source" | "deref"
                ) =>
        {
            root_name(&m.receiver)
        }
        _ => None,
    }
}

fn scan<'ast>(
    cx: &Cx<'_, 'ast>,
    own: Option<&ErrorType>,
    f: impl for<'s> FnOnce(&mut Scan<'s, 'ast>),
) -> Vec<Found> {
    let macros = Arena::new();
    let exprs = Arena::new();
    let mut s = Scan {
        cx,
        own,
        macros: &macros,
        exprs: &exprs,
        errs: HashMap::new(),
        builders: HashSet::new(),
        sources: HashMap::new(),
        texts: HashMap::new(),
        covered: HashSet::new(),
        found: Vec::new(),
        evidence: std::cell::RefCell::new(Vec::new()),
    };
    f(&mut s);
    let evidence = s.evidence.into_inner();
    s.found
        .into_iter()
        .map(|(span, (msg, weak))| {
            let key = (span.start(), span.end());
            let ev = evidence
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, e)| e.clone())
                .unwrap_or_default();
            (span, msg, weak, ev)
        })
        .collect()
}

/// A finding's message, and whether it rests on weak evidence.
type Verdict = (String, bool);

struct Scan<'s, 'ast> {
    cx: &'s Cx<'s, 'ast>,
    own: Option<&'s ErrorType>,
    macros: &'s Arena<ParsedMacro>,
    exprs: &'s Arena<Vec<Expr>>,
    /// Error values in scope.
    errs: HashMap<String, ErrInfo>,
    /// Locals holding an http response builder (`let b = Response::builder()…`).
    builders: HashSet<String>,
    /// Locals holding the result of a call (`let res = sqlx::query(..).fetch_one(..).await`).
    sources: HashMap<String, ErrInfo>,
    /// Locals holding an error's text (`let msg = e.to_string()`), with the error's name.
    texts: HashMap<String, (String, ErrInfo, bool)>,
    /// Spans of expressions already judged as part of an enclosing response.
    covered: HashSet<(usize, usize)>,
    found: Vec<(Span, Verdict)>,
    /// The evidence of findings on the response impl's own error type, by the found
    /// text's span (start, end).
    evidence: std::cell::RefCell<Vec<(SpanKey, Evidence)>>,
}

type SpanKey = (proc_macro2::LineColumn, proc_macro2::LineColumn);

/// A response's status, when the construction shows one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Known(StatusClass),
    /// A variable or computed status.
    Dynamic,
}

/// An error's text found in a response body.
struct Text {
    name: String,
    info: ErrInfo,
    debug: bool,
    span: Span,
}

fn key(span: Span) -> (usize, usize) {
    (span.start().line, span.start().column)
}

/// A parameter name that says it holds an error.
fn error_name(name: &str) -> bool {
    let w = crate::model::names::words(name);
    matches!(name, "e" | "err" | "error" | "source" | "cause")
        || w.last()
            .is_some_and(|l| matches!(l.as_str(), "err" | "error" | "e"))
}

impl<'s, 'ast> Scan<'s, 'ast> {
    fn parsed(&self, mac: &syn::Macro) -> &'s ParsedMacro {
        self.macros.alloc(parse_macro(mac))
    }

    /// Parameters that are errors: of an internal error type, or named like an error
    /// with a generic `Error`/`Display` type (`fn internal<E: Display>(err: E)`).
    fn bind_params(&mut self, sig: &syn::Signature) {
        let generic_errors: HashSet<String> = sig
            .generics
            .type_params()
            .filter(|tp| {
                tp.bounds.iter().any(|b| {
                    matches!(b, syn::TypeParamBound::Trait(t)
                    if t.path.segments.last().is_some_and(|s| {
                        matches!(s.ident.to_string().as_str(), "Error" | "Display" | "ToString")
                    }))
                })
            })
            .map(|tp| tp.ident.to_string())
            .collect();
        for input in &sig.inputs {
            let syn::FnArg::Typed(t) = input else {
                continue;
            };
            let Pat::Ident(pi) = &*t.pat else { continue };
            let name = pi.ident.to_string();
            // `err: JsonRejection`, `payload: Result<Json<T>, JsonRejection>`: the text
            // describes the client's request or is fixed.
            if harmless_type(self.cx, &t.ty) {
                self.errs.insert(name, ErrInfo::harmless());
                continue;
            }
            if result_error_type(&t.ty).is_some_and(|e| harmless_type(self.cx, e)) {
                self.sources.insert(name, ErrInfo::harmless());
                continue;
            }
            if let Some(kind) = internal_type(self.cx, &t.ty) {
                self.errs.insert(
                    name,
                    ErrInfo {
                        internal: Some(kind),
                        ..ErrInfo::default()
                    },
                );
                continue;
            }
            let generic = match &*t.ty {
                Type::Path(p) => p
                    .path
                    .get_ident()
                    .is_some_and(|i| generic_errors.contains(&i.to_string())),
                Type::ImplTrait(it) => it.bounds.iter().any(|b| {
                    matches!(b, syn::TypeParamBound::Trait(t)
                        if t.path.segments.last().is_some_and(|s| s.ident == "Error" || s.ident == "Display"))
                }),
                _ => false,
            };
            if generic && error_name(&name) {
                self.errs.insert(name, ErrInfo::default());
            }
        }
        if let (Some(own), Some(_)) = (self.own, sig.receiver()) {
            self.errs.insert(
                "self".into(),
                ErrInfo {
                    own: Some((0..own.variants.len()).collect()),
                    ..ErrInfo::default()
                },
            );
        }
    }

    /// What the error of a fallible expression is, from its visible source.
    fn classify(&self, e: &Expr) -> ErrInfo {
        self.classify_at(e, 0)
    }

    fn classify_at(&self, e: &Expr, depth: u32) -> ErrInfo {
        if depth > 32 {
            return ErrInfo::default();
        }
        let d = depth + 1;
        match peel(e) {
            Expr::Await(a) => self.classify_at(&a.base, d),
            Expr::Try(t) => self.classify_at(&t.expr, d),
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| self.sources.get(&i.to_string()))
                .cloned()
                .unwrap_or_default(),
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if let Some(kind) = self.internal_method(&name) {
                    return ErrInfo {
                        internal: Some(kind),
                        ..ErrInfo::default()
                    };
                }
                if is_client_error_call(&name) {
                    return ErrInfo {
                        client: true,
                        ..ErrInfo::default()
                    };
                }
                // `SystemTime::now().duration_since(UNIX_EPOCH)`, `n.try_into()`,
                // `"42".parse::<u32>()`: fixed texts.
                if is_fixed_text_method(&name, m.args.len())
                    || (name == "parse"
                        && m.turbofish.as_ref().is_some_and(|t| {
                            t.args.iter().any(|a| {
                                matches!(a, syn::GenericArgument::Type(ty)
                                if crate::model::types::type_name(ty)
                                    .is_some_and(|s| crate::model::types::is_integer_type(&s.ident.to_string())))
                            })
                        }))
                {
                    return ErrInfo::harmless();
                }
                // An http response builder's `.body(..)`: its `http::Error` says which
                // header or status was invalid.
                if name == "body" && m.args.len() == 1 && self.http_builder(&m.receiver) {
                    return ErrInfo::harmless();
                }
                // Adapters keep the receiver's error: `.map(..)`, `.ok_or(..)` do not.
                if matches!(
                    name.as_str(),
                    "map" | "and_then" | "inspect" | "context" | "with_context"
                ) {
                    return self.classify_at(&m.receiver, d);
                }
                let inner = self.classify_at(&m.receiver, d);
                if inner.internal.is_some() {
                    return inner;
                }
                ErrInfo::default()
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return ErrInfo::default();
                };
                let full = self.cx.resolve(&p.path);
                if is_harmless_error_call(&full) || self.fixed_text_fn(&p.path) {
                    return ErrInfo::harmless();
                }
                if let Some(kind) = internal_call(&full) {
                    return ErrInfo {
                        internal: Some(kind),
                        ..ErrInfo::default()
                    };
                }
                if full.last().is_some_and(|l| is_client_error_call(l)) {
                    return ErrInfo {
                        client: true,
                        ..ErrInfo::default()
                    };
                }
                ErrInfo::default()
            }
            Expr::Macro(m) => {
                let full = self.cx.resolve(&m.mac.path);
                let name = full.last().map(String::as_str).unwrap_or("");
                let sqlx_macro = (full.first().is_some_and(|c| c == "sqlx")
                    || self.cx.uses.imports_crate(&["sqlx"]))
                    && name.starts_with("query");
                if sqlx_macro {
                    return ErrInfo {
                        internal: Some("database"),
                        ..ErrInfo::default()
                    };
                }
                ErrInfo::default()
            }
            _ => ErrInfo::default(),
        }
    }

    /// A function of this file whose declared error type has a fixed text: a fixed-text
    /// or client error type, or an error type of this file whose every variant shows
    /// only fixed text ([`ErrorType::fixed_text`]).
    fn fixed_text_fn(&self, path: &syn::Path) -> bool {
        // `client_addr(..)`, `Self::client_addr(..)`, `Extractor::client_addr(..)`.
        let segs: Vec<&syn::Ident> = path.segments.iter().map(|s| &s.ident).collect();
        let name = match segs.as_slice() {
            [name] => *name,
            [owner, name]
                if *owner == "Self"
                    || self.cx.facts.struct_items.contains_key(&owner.to_string())
                    || self.cx.facts.enum_items.contains_key(&owner.to_string()) =>
            {
                *name
            }
            _ => return false,
        };
        let Some(syn::ReturnType::Type(_, ty)) = self.cx.facts.fn_returns.get(&name.to_string())
        else {
            return false;
        };
        let Some(err) = result_error_type(ty) else {
            return false;
        };
        harmless_type(self.cx, err)
            || type_ident(err)
                .and_then(|n| ErrorType::of(self.cx, &n))
                .is_some_and(|t| t.fixed_text())
    }

    /// An http `Response::builder()`/`Request::builder()` chain, or a local holding one.
    fn http_builder(&self, chain: &Expr) -> bool {
        let (root, _) = crate::engine::builders::chain(chain);
        match peel(root) {
            Expr::Call(c) => matches!(&*c.func, Expr::Path(p)
                if matches!(path_names(&p.path).as_slice(),
                    [.., t, f] if (t == "Response" || t == "Request") && f == "builder")),
            Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.builders.contains(&i.to_string())),
            _ => false,
        }
    }

    /// A method whose error is a database's or HTTP client's, by the crates the file
    /// imports.
    fn internal_method(&self, name: &str) -> Option<&'static str> {
        INTERNAL_METHODS.iter().find_map(|(krate, methods, kind)| {
            (methods.contains(&name) && self.cx.uses.imports_crate(&[krate])).then_some(*kind)
        })
    }

    /// A response's status.
    fn status_of(&self, e: &Expr) -> Option<Status> {
        match peel(e) {
            // `self.status`, `err.status_code`.
            Expr::Field(f) => matches!(&f.member, syn::Member::Named(n)
                    if n.to_string().to_ascii_lowercase().contains("status"))
            .then_some(Status::Dynamic),
            Expr::Path(p) => {
                let segs: Vec<String> = path_names(&p.path);
                match segs.as_slice() {
                    [.., t, c] if STATUS_TYPES.contains(&t.as_str()) => {
                        Some(status_class(c).map_or(Status::Dynamic, Status::Known))
                    }
                    [one] if one.to_ascii_lowercase().contains("status") => Some(Status::Dynamic),
                    _ => None,
                }
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if matches!(name.as_str(), "as_u16" | "into" | "unwrap" | "clone") {
                    return self.status_of(&m.receiver);
                }
                if matches!(name.as_str(), "unwrap_or" | "unwrap_or_else") {
                    return self.status_of(&m.receiver).or(Some(Status::Dynamic));
                }
                (name == "status_code" || name == "status" || name == "http_status")
                    .then_some(Status::Dynamic)
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                let segs: Vec<String> = path_names(&p.path);
                match segs.as_slice() {
                    [.., t, f]
                        if STATUS_TYPES.contains(&t.as_str())
                            && matches!(f.as_str(), "from_u16" | "from_code" | "new") =>
                    {
                        let code = c.args.first().and_then(|a| match peel(a) {
                            Expr::Lit(l) => match &l.lit {
                                Lit::Int(i) => i.base10_parse::<u64>().ok(),
                                _ => None,
                            },
                            _ => None,
                        });
                        Some(
                            code.and_then(status_class_of_code)
                                .map_or(Status::Dynamic, Status::Known),
                        )
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The status and the root of an actix-web/http response builder chain ending in a
    /// body method: `HttpResponse::InternalServerError().json(..)`,
    /// `HttpResponse::build(status).body(..)`, `Response::builder().status(s).body(..)`.
    fn builder_status(&self, chain: &Expr) -> Option<Status> {
        let mut e = chain;
        let mut set: Option<Status> = None;
        for _ in 0..64 {
            match peel(e) {
                Expr::MethodCall(m) => {
                    if m.method == "status" {
                        if let Some(a) = m.args.first() {
                            set = set.or(Some(self.status_of(a).unwrap_or(Status::Dynamic)));
                        }
                    }
                    e = &m.receiver;
                }
                Expr::Call(c) => {
                    let Expr::Path(p) = &*c.func else { return None };
                    let segs: Vec<String> = path_names(&p.path);
                    return match segs.as_slice() {
                        [.., t, f] if RESPONSE_BUILDER_TYPES.contains(&t.as_str()) => {
                            if f == "build" || f == "new" {
                                Some(
                                    c.args
                                        .first()
                                        .and_then(|a| self.status_of(a))
                                        .unwrap_or(Status::Dynamic),
                                )
                            } else {
                                status_class(f).map(Status::Known)
                            }
                        }
                        [.., t, b] if (t == "Response") && b == "builder" => {
                            Some(set.unwrap_or(Status::Known(StatusClass::Success)))
                        }
                        _ => None,
                    };
                }
                _ => return None,
            }
        }
        None
    }

    /// An error's text in a response body.
    fn text_in(&self, e: &Expr) -> Option<Text> {
        self.text_at(e, 0)
    }

    fn err_of(&self, e: &Expr) -> Option<(String, ErrInfo)> {
        let name = root_name(e)?;
        let info = self.errs.get(&name)?.clone();
        // `self.0`, `self.source`: a field of the own error type.
        if let (Some(own), Expr::Field(f)) = (self.own, peel(e)) {
            if root_name(&f.base).as_deref() == Some("self") || info.own.is_some() {
                let field = quote::ToTokens::to_token_stream(&f.member).to_string();
                let kind = info.own.as_ref().and_then(|vs| {
                    vs.iter().find_map(|&i| {
                        own.variants
                            .get(i)?
                            .fields
                            .iter()
                            .find(|(n, _)| *n == field)
                            .and_then(|(_, k)| *k)
                    })
                });
                return Some((
                    format!("{name}.{field}"),
                    ErrInfo {
                        internal: kind,
                        ..ErrInfo::default()
                    },
                ));
            }
        }
        Some((name, info))
    }

    fn text_at(&self, e: &Expr, depth: u32) -> Option<Text> {
        if depth > 32 {
            return None;
        }
        let d = depth + 1;
        match peel(e) {
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if name == "to_string" && m.args.is_empty() {
                    if let Some((n, info)) = self.err_of(&m.receiver) {
                        return Some(Text {
                            name: n,
                            info,
                            debug: false,
                            span: m.span(),
                        });
                    }
                }
                // `e.to_string().into()`, `msg.clone()`.
                std::iter::once(&*m.receiver)
                    .chain(m.args.iter())
                    .find_map(|a| self.text_at(a, d))
            }
            Expr::Path(p) => {
                let n = p.path.get_ident()?.to_string();
                if let Some(info) = self.errs.get(&n).filter(|i| i.text) {
                    return Some(Text {
                        name: n,
                        info: info.clone(),
                        debug: false,
                        span: p.span(),
                    });
                }
                let (err, info, debug) = self.texts.get(&n)?.clone();
                Some(Text {
                    name: err,
                    info,
                    debug,
                    span: p.span(),
                })
            }
            Expr::Macro(m) => self.macro_text(&m.mac, d),
            Expr::Call(c) => c.args.iter().find_map(|a| self.text_at(a, d)),
            Expr::Struct(s) => s.fields.iter().find_map(|f| self.text_at(&f.expr, d)),
            Expr::Tuple(t) => t.elems.iter().find_map(|x| self.text_at(x, d)),
            Expr::Array(a) => a.elems.iter().find_map(|x| self.text_at(x, d)),
            Expr::Field(f) => {
                // `self.message` of the own type, filled with an internal error's text by
                // a conversion.
                if let (Some(own), syn::Member::Named(n)) = (self.own, &f.member) {
                    let field = n.to_string();
                    if root_name(&f.base).as_deref() == Some("self")
                        && own.variants.iter().any(|v| v.text_fields.contains(&field))
                    {
                        if let Some((name, info)) = self.err_of(e) {
                            if let Some(kind) = info.internal {
                                // The conversion that stored the error's text is evidence.
                                let from = own.variants.iter().find_map(|v| {
                                    v.text_fields.contains(&field).then_some(v.from_impl)?
                                });
                                if let Some(at) = from {
                                    self.evidence.borrow_mut().push((
                                        (f.span().start(), f.span().end()),
                                        vec![(
                                            at,
                                            format!(
                                                "this conversion stores the {kind} error's text in `{field}`"
                                            ),
                                        )],
                                    ));
                                }
                                return Some(Text {
                                    name,
                                    info,
                                    debug: false,
                                    span: f.span(),
                                });
                            }
                        }
                    }
                }
                self.text_at(&f.base, d)
            }
            Expr::Cast(c) => self.text_at(&c.expr, d),
            Expr::Binary(b) => self
                .text_at(&b.left, d)
                .or_else(|| self.text_at(&b.right, d)),
            _ => None,
        }
    }

    fn macro_text(&self, mac: &syn::Macro, depth: u32) -> Option<Text> {
        let parsed = self.parsed(mac);
        if parsed.name == "json" {
            let values: &'s Vec<Expr> = self.exprs.alloc(json_values(&mac.tokens));
            // A bare `json!({"error": e})` serializes `e` through `Serialize`: not text.
            return values.iter().find_map(|v| self.text_at(v, depth));
        }
        // Logging macros are not `Format`: their text goes to the log, not the client.
        let f = parsed.format()?;
        for p in &f.placeholders {
            let e: Option<(String, ErrInfo)> = match &p.arg {
                ArgRef::Capture(n) => self.errs.get(n).map(|info| (n.clone(), info.clone())),
                ArgRef::Arg(a) => f.args.get(*a).and_then(|x| {
                    self.err_of(&x.expr)
                        .or_else(|| self.text_at(&x.expr, depth + 1).map(|t| (t.name, t.info)))
                }),
            };
            if let Some((name, info)) = e {
                return Some(Text {
                    name,
                    info,
                    debug: p.debug,
                    span: mac.span(),
                });
            }
        }
        f.args.iter().find_map(|a| self.text_at(&a.expr, depth + 1))
    }

    /// Judges a response with `status` whose body contains `body`.
    fn judge(&mut self, status: Option<Status>, body: &[&Expr]) {
        for b in body {
            let Some(t) = self.text_in(b) else { continue };
            self.cover(b);
            if let Some(msg) = self.verdict(status, &t) {
                self.found.push((t.span, msg));
            }
        }
    }

    fn verdict(&self, status: Option<Status>, t: &Text) -> Option<Verdict> {
        let name = &t.name;
        let status_note = match status {
            Some(Status::Known(StatusClass::Success)) => {
                " with a success status (the client is also told the request worked)"
            }
            Some(Status::Known(StatusClass::Server)) => " in a 5xx response",
            _ => "",
        };
        // The response impl's own type: its Display/Debug of the variants it may be.
        if let (Some(own), Some(variants)) = (self.own, &t.info.own) {
            if name == "self" || !name.contains('.') {
                let (variant, kind, evidence) = own.leak(variants, t.debug)?;
                self.evidence
                    .borrow_mut()
                    .push(((t.span.start(), t.span.end()), evidence));
                let how = if t.debug { "`Debug`" } else { "`Display`" };
                return Some((format!(
                    "`{}`'s {how} text is sent to the client{status_note}, and `{}::{variant}` shows the wrapped {kind} error: its message can reveal queries, tables, file paths or hosts",
                    own.name, own.name
                ), false));
            }
        }
        if let Some(kind) = t.info.internal {
            return Some((format!(
                "the text of {kind} error `{name}` is sent to the client{status_note}: its message can reveal queries, tables, file paths or hosts"
            ), false));
        }
        if status == Some(Status::Known(StatusClass::Server)) && !t.info.client {
            // Nothing says where the error comes from: only the status does. The errors
            // of the project's own functions are often fixed texts written for clients.
            return Some((format!(
                "the text of error `{name}` is sent to the client in a 5xx response: the details of a server-side failure belong in the log"
            ), true));
        }
        None
    }

    /// Marks the sub-expressions of a judged body, so that a `Json(..)` inside it is not
    /// judged again as a response of its own.
    fn cover(&mut self, e: &Expr) {
        struct Cover<'c>(&'c mut HashSet<(usize, usize)>);
        impl<'v> Visit<'v> for Cover<'_> {
            fn visit_expr(&mut self, e: &'v Expr) {
                self.0.insert(key(e.span()));
                visit::visit_expr(self, e);
            }
        }
        Cover(&mut self.covered).visit_expr(e);
    }

    /// A response construction at `e`, judged.
    /// Judges text that reaches the user another way than an HTTP response body: a
    /// template's context or fields, a chat bot's reply. Only internal errors count (no
    /// status says whose failure it is).
    fn judge_internal(&mut self, body: &[&Expr], how: &str) {
        for b in body {
            let Some(t) = self.text_in(b) else { continue };
            let Some(kind) = t.info.internal else {
                continue;
            };
            self.cover(b);
            self.found.push((
                t.span,
                (format!(
                    "the text of {kind} error `{}` is shown to the user {how}: its message can reveal queries, tables, file paths or hosts",
                    t.name
                ), false),
            ));
        }
    }

    /// A page or a message for the user: `context.insert("error", ..)` of a tera
    /// context, a struct literal of an askama/sailfish template, a chat bot's reply
    /// (`bot.send_message(chat, ..)`, `ctx.say(..)`, `msg.reply(ctx, ..)`).
    fn check_page_or_reply(&mut self, e: &Expr) {
        match e {
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if name == "insert"
                    && m.args.len() == 2
                    && matches!(peel(&m.args[0]), Expr::Lit(l) if matches!(l.lit, Lit::Str(_)))
                    && self.cx.uses.imports_crate(TEMPLATE_CRATES)
                {
                    let body: Vec<&Expr> = m.args.iter().skip(1).collect();
                    self.judge_internal(&body, "in a rendered page");
                } else if BOT_REPLY_METHODS.contains(&name.as_str())
                    && self.cx.uses.imports_crate(BOT_CRATES)
                {
                    let body: Vec<&Expr> = m.args.iter().collect();
                    self.judge_internal(&body, "in a chat reply");
                }
            }
            Expr::Struct(st) => {
                let Some(last) = st.path.segments.last() else {
                    return;
                };
                let is_template = self
                    .cx
                    .facts
                    .struct_items
                    .get(&last.ident.to_string())
                    .is_some_and(|item| derives(&item.attrs, "Template"));
                if is_template {
                    let body: Vec<&Expr> = st.fields.iter().map(|f| &f.expr).collect();
                    self.judge_internal(&body, "in a rendered page");
                }
            }
            _ => {}
        }
    }

    fn check_response(&mut self, e: &Expr) {
        if self.covered.contains(&key(e.span())) {
            return;
        }
        self.check_page_or_reply(e);
        if self.covered.contains(&key(e.span())) {
            return;
        }
        match e {
            // `(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())`
            Expr::Tuple(t) if t.elems.len() >= 2 => {
                let Some(status) = t.elems.first().and_then(|s| self.status_of(s)) else {
                    return;
                };
                let body: Vec<&Expr> = t.elems.iter().skip(1).collect();
                self.judge(Some(status), &body);
            }
            Expr::MethodCall(m) if BODY_METHODS.contains(&m.method.to_string().as_str()) => {
                let Some(status) = self.builder_status(&m.receiver) else {
                    return;
                };
                let body: Vec<&Expr> = m.args.iter().collect();
                self.judge(Some(status), &body);
            }
            // `.map_err(ErrorInternalServerError)`
            Expr::MethodCall(m) if m.method == "map_err" => {
                let Some(Expr::Path(p)) = m.args.first().map(peel) else {
                    return;
                };
                let Some(status) = self.actix_error_fn(&p.path) else {
                    return;
                };
                let mut info = self.classify(&m.receiver);
                if info.client {
                    return;
                }
                info.own = None;
                let t = Text {
                    name: "the error".into(),
                    info,
                    debug: false,
                    span: p.span(),
                };
                if let Some((msg, weak)) = self.verdict(Some(status), &t) {
                    let f = quote::ToTokens::to_token_stream(&p.path)
                        .to_string()
                        .replace(' ', "");
                    let msg = msg.replace(
                        "the text of error `the error` is sent",
                        &format!("`.map_err({f})` sends the error's text"),
                    );
                    let msg = msg.replace("error `the error`", "error");
                    self.found.push((t.span, (msg, weak)));
                }
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return };
                // actix-web's `ErrorInternalServerError(e)`: the body is `e`'s `Display`.
                if let Some(status) = self.actix_error_fn(&p.path) {
                    for a in &c.args {
                        if let Some((name, info)) = self.err_of(a) {
                            let t = Text {
                                name,
                                info,
                                debug: false,
                                span: a.span(),
                            };
                            if let Some(msg) = self.verdict(Some(status), &t) {
                                self.found.push((t.span, msg));
                            }
                        }
                    }
                    let body: Vec<&Expr> = c.args.iter().collect();
                    self.judge(Some(status), &body);
                    return;
                }
                let segs: Vec<String> = path_names(&p.path);
                // rocket's `status::BadRequest(Some(msg))`.
                if let [.., m, v] = segs.as_slice() {
                    if m == "status" {
                        if let Some(class) = status_class(v) {
                            let body: Vec<&Expr> = c.args.iter().collect();
                            self.judge(Some(Status::Known(class)), &body);
                            return;
                        }
                    }
                }
                // A call given a status and a message: `status::Custom(Status::.., msg)`,
                // `ApiResponse::error(StatusCode::.., msg)`.
                let status = c.args.iter().find_map(|a| self.status_of(a));
                if let Some(status) = status {
                    let responds =
                        segs.iter().rev().skip(1).any(|s| {
                            s.contains("Response") || s.contains("Reply") || s == "status"
                        }) || segs.last().is_some_and(|l| l == "Custom")
                            || self
                                .cx
                                .resolve(&p.path)
                                .first()
                                .is_some_and(|c| HTTP_CRATES.contains(&c.as_str()));
                    if responds {
                        let body: Vec<&Expr> = c
                            .args
                            .iter()
                            .filter(|a| self.status_of(a).is_none())
                            .collect();
                        self.judge(Some(status), &body);
                    }
                    return;
                }
                // A bare `Json(..)`: status 200. Only internal errors.
                if segs.last().is_some_and(|l| l == "Json") {
                    let body: Vec<&Expr> = c.args.iter().collect();
                    for b in body {
                        let Some(t) = self.text_in(b) else { continue };
                        if t.info.internal.is_none() && t.info.own.is_none() {
                            continue;
                        }
                        self.cover(b);
                        if let Some(msg) =
                            self.verdict(Some(Status::Known(StatusClass::Success)), &t)
                        {
                            self.found.push((t.span, msg));
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// actix-web's `error::ErrorInternalServerError`-style functions, by resolved path.
    fn actix_error_fn(&self, path: &syn::Path) -> Option<Status> {
        let full = self.cx.resolve(path);
        let [first, .., last] = full.as_slice() else {
            return None;
        };
        if first != "actix_web" {
            return None;
        }
        let name = last.strip_prefix("Error")?;
        status_class(name).map(Status::Known)
    }

    /// After a `return` for these variants, `self` is one of the others.
    fn exclude_own(&mut self, returned: &[usize]) {
        if returned.is_empty() {
            return;
        }
        if let Some(info) = self.errs.get_mut("self") {
            if let Some(vs) = &mut info.own {
                vs.retain(|v| !returned.contains(v));
            }
        }
    }

    fn bind_err(&mut self, pat: &Pat, info: &ErrInfo) {
        // `Err(e)`, `Err(ref e)`, `Err(e) if ..`
        if let Pat::TupleStruct(ts) = pat {
            if ts.path.segments.last().is_some_and(|s| s.ident == "Err") {
                for pn in pattern_names(pat) {
                    self.errs.insert(pn.ident.to_string(), info.clone());
                }
            }
        }
        // `Ok(Err(e))` of a nested result (`web::block(..).await`): the inner error is
        // not the outer call's; what it is stays unknown.
        if let Pat::TupleStruct(ts) = pat {
            if ts.path.segments.last().is_some_and(|s| s.ident == "Ok") && ts.elems.len() == 1 {
                if let Pat::TupleStruct(inner) = &ts.elems[0] {
                    if inner.path.segments.last().is_some_and(|s| s.ident == "Err") {
                        for pn in pattern_names(&ts.elems[0]) {
                            self.errs.insert(pn.ident.to_string(), ErrInfo::default());
                        }
                    }
                }
            }
        }
        if let Pat::Or(o) = pat {
            for c in &o.cases {
                self.bind_err(c, info);
            }
        }
    }

    /// Arms of `match self` in a response impl: variant fields and catch-all bindings.
    fn bind_own_arm(&mut self, pat: &Pat, remaining: &mut Vec<usize>) {
        let Some(own) = self.own else { return };
        let variant_of = |path: &syn::Path| -> Option<usize> {
            let last = path.segments.last()?.ident.to_string();
            own.variant_index(&last)
                .or_else(|| (own.variants.len() == 1 && last == own.name).then_some(0))
        };
        match pat {
            Pat::TupleStruct(ts) => {
                let Some(vi) = variant_of(&ts.path) else {
                    return;
                };
                remaining.retain(|&i| i != vi);
                for (i, elem) in ts.elems.iter().enumerate() {
                    for pn in pattern_names(elem) {
                        let v = &own.variants[vi];
                        let kind = v.fields.get(i).and_then(|(_, k)| *k);
                        let text = v.text_fields.contains(&i.to_string());
                        self.errs.insert(
                            pn.ident.to_string(),
                            ErrInfo {
                                internal: kind,
                                text,
                                client: v.harmless_fields.contains(&i.to_string()),
                                ..ErrInfo::default()
                            },
                        );
                    }
                }
            }
            Pat::Struct(ps) => {
                let Some(vi) = variant_of(&ps.path) else {
                    return;
                };
                remaining.retain(|&i| i != vi);
                for fp in &ps.fields {
                    let field = quote::ToTokens::to_token_stream(&fp.member).to_string();
                    let v = &own.variants[vi];
                    let kind = v
                        .fields
                        .iter()
                        .find(|(n, _)| *n == field)
                        .and_then(|(_, k)| *k);
                    let text = v.text_fields.contains(&field);
                    let client = v.harmless_fields.contains(&field);
                    for pn in pattern_names(&fp.pat) {
                        self.errs.insert(
                            pn.ident.to_string(),
                            ErrInfo {
                                internal: kind,
                                text,
                                client,
                                ..ErrInfo::default()
                            },
                        );
                    }
                }
            }
            Pat::Path(pp) => {
                if let Some(vi) = variant_of(&pp.path) {
                    remaining.retain(|&i| i != vi);
                }
            }
            Pat::Ident(pi) if pi.subpat.is_none() => {
                self.errs.insert(
                    pi.ident.to_string(),
                    ErrInfo {
                        own: Some(remaining.clone()),
                        ..ErrInfo::default()
                    },
                );
            }
            Pat::Or(o) => {
                for c in &o.cases {
                    self.bind_own_arm(c, remaining);
                }
            }
            _ => {}
        }
    }
}

impl<'s, 'ast> Visit<'s> for Scan<'s, 'ast> {
    fn visit_item(&mut self, _: &'s syn::Item) {}

    fn visit_expr(&mut self, e: &'s Expr) {
        self.check_response(e);
        visit::visit_expr(self, e);
    }

    fn visit_local(&mut self, l: &'s syn::Local) {
        let Some(init) = &l.init else {
            return;
        };
        self.visit_expr(&init.expr);
        if let Some((_, d)) = &init.diverge {
            self.visit_expr(d);
        }
        // `let e = (e);` keeps what is known of `e`.
        if let syn::Pat::Ident(pi) = &l.pat {
            if init.diverge.is_none()
                && is_self_alias(&pi.ident.to_string(), &init.expr, Peel::Syntax)
            {
                return;
            }
        }
        let pat = match &l.pat {
            syn::Pat::Type(t) => &*t.pat,
            p => p,
        };
        if let syn::Pat::Ident(pi) = pat {
            if self.http_builder(&init.expr) {
                self.builders.insert(pi.ident.to_string());
            } else {
                self.builders.remove(&pi.ident.to_string());
            }
        }
        let info = self.classify(&init.expr);
        let text = self.text_in(&init.expr);
        for pn in pattern_names(&l.pat) {
            let n = pn.ident.to_string();
            self.sources.insert(n.clone(), info.clone());
            match &text {
                Some(t) => {
                    self.texts
                        .insert(n, (t.name.clone(), t.info.clone(), t.debug));
                }
                None => {
                    self.texts.remove(&n);
                }
            }
        }
        // `let Err(e) = res else { .. }`
        self.bind_err(&l.pat, &info);
    }

    fn visit_expr_match(&mut self, m: &'s syn::ExprMatch) {
        self.visit_expr(&m.expr);
        let info = self.classify(&m.expr);
        let on_self = self.own.is_some()
            && root_name(&m.expr).as_deref() == Some("self")
            && matches!(peel(&m.expr), Expr::Path(_) | Expr::Unary(_));
        let mut remaining: Vec<usize> = self
            .own
            .map(|o| (0..o.variants.len()).collect())
            .unwrap_or_default();
        let mut returned: Vec<usize> = Vec::new();
        for arm in &m.arms {
            let mut outer_self = None;
            if on_self {
                let before = remaining.clone();
                self.bind_own_arm(&arm.pat, &mut remaining);
                let mut matched: Vec<usize> = before
                    .iter()
                    .copied()
                    .filter(|i| !remaining.contains(i))
                    .collect();
                if matched.is_empty() {
                    // `_`, `other`: whatever is left.
                    matched = before;
                }
                // An arm that returns: `self` is not that variant after the match.
                if diverges(&arm.body) && arm.guard.is_none() {
                    returned.extend(matched.iter().copied());
                }
                // In the arm, `self` is the variants it matched.
                if let Some(info) = self.errs.get_mut("self") {
                    outer_self = Some(info.own.clone());
                    if let Some(vs) = &info.own {
                        info.own =
                            Some(vs.iter().copied().filter(|v| matched.contains(v)).collect());
                    }
                }
            } else {
                self.bind_err(&arm.pat, &info);
            }
            if let Some((_, g)) = &arm.guard {
                self.visit_expr(g);
                // `Self::Internal(e) if cfg!(debug_assertions) => ..`: debug builds only.
                if cond_gate(g, 0).0.dev_build {
                    if let (Some(own), Some(info)) = (outer_self, self.errs.get_mut("self")) {
                        info.own = own;
                    }
                    continue;
                }
            }
            self.visit_expr(&arm.body);
            if let (Some(own), Some(info)) = (outer_self, self.errs.get_mut("self")) {
                info.own = own;
            }
        }
        self.exclude_own(&returned);
    }

    fn visit_expr_if(&mut self, i: &'s syn::ExprIf) {
        // `if err.is::<Elapsed>() { .. }`: in the branch, `err` is the fixed-text error.
        if let Some(name) = harmless_test(self.cx, &i.cond) {
            self.visit_expr(&i.cond);
            let saved = self.errs.get(&name).cloned();
            self.errs.insert(name.clone(), ErrInfo::harmless());
            self.visit_block(&i.then_branch);
            match saved {
                Some(info) => self.errs.insert(name, info),
                None => self.errs.remove(&name),
            };
            if let Some((_, e)) = &i.else_branch {
                self.visit_expr(e);
            }
            return;
        }
        // `if cfg!(debug_assertions) { e.to_string() } else { .. }`: the error's text is
        // sent by debug builds only; a release build takes the other branch.
        let (then_gate, else_gate) = cond_gate(&i.cond, 0);
        if then_gate.dev_build {
            if let Some((_, e)) = &i.else_branch {
                self.visit_expr(e);
            }
            return;
        }
        if else_gate.dev_build {
            self.visit_expr(&i.cond);
            self.visit_block(&i.then_branch);
            return;
        }
        visit::visit_expr_if(self, i);
        // `if let Self::Validation(e) = self { return .. }`
        if let (Some(own), Expr::Let(l)) = (self.own, &*i.cond) {
            if root_name(&l.expr).as_deref() == Some("self")
                && block_diverges(&i.then_branch)
                && i.else_branch.is_none()
            {
                let mut remaining: Vec<usize> = (0..own.variants.len()).collect();
                let before = remaining.clone();
                let saved = self.errs.clone();
                self.bind_own_arm(&l.pat, &mut remaining);
                self.errs = saved;
                let returned: Vec<usize> = before
                    .into_iter()
                    .filter(|i| !remaining.contains(i))
                    .collect();
                self.exclude_own(&returned);
            }
        }
    }

    fn visit_expr_let(&mut self, l: &'s syn::ExprLet) {
        self.visit_expr(&l.expr);
        let info = self.classify(&l.expr);
        if self.own.is_some() && root_name(&l.expr).as_deref() == Some("self") {
            let mut remaining: Vec<usize> = self
                .own
                .map(|o| (0..o.variants.len()).collect())
                .unwrap_or_default();
            self.bind_own_arm(&l.pat, &mut remaining);
        } else {
            self.bind_err(&l.pat, &info);
        }
    }

    fn visit_expr_method_call(&mut self, m: &'s syn::ExprMethodCall) {
        self.visit_expr(&m.receiver);
        let name = m.method.to_string();
        // actix-web's `.streaming(stream)`: an error the stream yields after the status
        // line was sent aborts the connection; its text never reaches the client.
        if name == "streaming" && m.args.len() == 1 {
            return;
        }
        let error_closure = ERROR_CLOSURE_METHODS.contains(&name.as_str());
        for (i, a) in m.args.iter().enumerate() {
            if let (true, Expr::Closure(c)) = (error_closure && i == 0, a) {
                if let Some(p) = c.inputs.first() {
                    let mut info = self.classify(&m.receiver);
                    if let Pat::Type(pt) = p {
                        if harmless_type(self.cx, &pt.ty) {
                            info = ErrInfo::harmless();
                        } else if let Some(kind) = internal_type(self.cx, &pt.ty) {
                            info.internal = Some(kind);
                        }
                    }
                    for pn in pattern_names(p) {
                        self.errs.insert(pn.ident.to_string(), info.clone());
                    }
                }
            }
            self.visit_expr(a);
        }
    }

    fn visit_macro(&mut self, mac: &'s syn::Macro) {
        let parsed = self.parsed(mac);
        if parsed.name == "json" {
            let values: &'s Vec<Expr> = self.exprs.alloc(json_values(&mac.tokens));
            for e in values {
                self.visit_expr(e);
            }
            return;
        }
        for e in parsed.exprs() {
            self.visit_expr(e);
        }
    }
}

/// Whether evaluating `e` always leaves the function (`return ..`, a block ending in one).
fn diverges(e: &Expr) -> bool {
    match e {
        Expr::Return(_) => true,
        Expr::Block(b) => block_diverges(&b.block),
        Expr::Macro(m) => m
            .mac
            .path
            .segments
            .last()
            .is_some_and(|s| matches!(s.ident.to_string().as_str(), "panic" | "unreachable")),
        _ => false,
    }
}

fn block_diverges(b: &syn::Block) -> bool {
    b.stmts.last().is_some_and(|s| match s {
        syn::Stmt::Expr(e, _) => diverges(e),
        syn::Stmt::Macro(m) => m
            .mac
            .path
            .segments
            .last()
            .is_some_and(|s| matches!(s.ident.to_string().as_str(), "panic" | "unreachable")),
        _ => false,
    })
}

/// The kind of internal failure a function's error is, by its full path: database
/// crates, `std::fs`, `tokio::fs`, processes, reqwest, lettre.
fn internal_call(full: &[String]) -> Option<&'static str> {
    let first = full.first()?;
    if full.len() >= 2 && is_db_crate(first) {
        return Some("database");
    }
    INTERNAL_CALL_PATHS
        .iter()
        .filter(|(p, _)| full.len() > p.len() && p.iter().zip(full).all(|(a, b)| a == b))
        .map(|(_, k)| *k)
        .next()
        .or_else(|| (first == "reqwest" && full.len() >= 2).then(|| kind_of_crate("reqwest")))
}
