//! BL301 `unvalidated-input`: a request handler takes a body, form or query extractor
//! whose payload can hold arbitrary input, and never validates it.
//!
//! The handler's side is decided here: which parameters are request extractors (and
//! whether they validate), and what the body does with the payload (see
//! [`crate::engine::validation`]): validates it (`.validate()`), converts it
//! (`T::try_from(p)?`, `p.try_into()`, `Email::parse(p.email)?`), checks it by hand, or
//! hands it to functions. The payload's side — its fields, validation attributes,
//! self-validating deserialization, functions that validate their parameter — is in the
//! project index, so the finding is settled after the per-file pass.
//!
//! How the body reads the payload decides the finding's strength
//! ([`crate::engine::validation::Uses`]): unbounded input passed on (to a call, a struct,
//! the response) is reported by default; a payload whose unbounded fields are never read,
//! or read only as a search term, is a preview sub-check; one read only as lookup keys,
//! presence flags or credentials to verify is not reported. A free-text path segment is
//! reported only when it is stored or sent out.

use crate::engine::cx::{Condition, Cx, PayloadCheck};
use crate::engine::handler::has_route_attr;
use crate::engine::index::PayloadVerdict;
use crate::engine::pattern::typed_pattern_names;
use crate::engine::validation::{Callee, Evidence, Strength};
use crate::model::types::first_type_arg;
use crate::model::web::{
    extractor, raw_payload, InputKind, RAW_TEXT, VALIDATING_CRATES, VALIDATING_WRAPPERS,
};
use crate::rules::{Rule, RuleMeta};
use syn::Type;

crate::declare_rule! {
    pub static META = {
        code: "BL301",
        name: "unvalidated-input",
        category: Input,
        severity: Warning,
        cwe: [20],
        precision: Medium,
        status: Preview,
        since: "0.1.0",
        summary: "request text written into a database row with no check on its way (sub-check: a handler's payload that is never validated)",
    }
}

pub struct UnvalidatedInput;

/// The rule's core, a taint specification: request text written into a database row (an
/// `INSERT`'s values, an `UPDATE`'s `SET`, an active model's field) with no check on its
/// way from the extractor: no validation, length bound, allow-list or character check.
/// Numbers, parsed values and the program's own types do not count; a value used as a key
/// (`WHERE name = $1`) is not written. Request headers (the client's software sets them)
/// and URL path segments (a reference to a record, checked by the lookup it names) do not
/// count.
pub static SPEC: crate::engine::taint::Spec = crate::engine::taint::Spec {
    meta: &META,
    follows: crate::engine::taint::SourceKind::Request,
    secrets: None,
    shape: crate::engine::taint::Shape::Text,
    clears: crate::model::taint::ALLOW_LIST
        | crate::model::taint::VALIDATED
        | crate::model::taint::CHARSET
        | crate::model::taint::BOUNDED
        | crate::model::taint::NO_TRAVERSAL
        | crate::model::taint::UNDER_ROOT
        | crate::model::taint::LOCAL_PATH
        | crate::model::taint::HOST_CHECKED
        | crate::model::taint::FROM_HEADER
        | crate::model::taint::PATH_SEGMENT
        | crate::model::taint::HASHED,
    sinks: crate::model::sinks::db_write_sinks,
    effect: "writes it into the row as sent: nothing checked its length or form, so an empty, huge or malformed value is kept and served to whoever reads it",
    source: Some(free_text),
    help: HELP_STORED,
};

/// Request text that counts: not a field named as a key of a record
/// (`payload.merchant_id`: a reference to a row that must exist), and not
/// inside a struct given to the sink whole.
fn free_text(r: &crate::engine::taint::project::Resolved) -> bool {
    if !r.in_fields.is_empty() {
        return false;
    }
    // A field's name is the payload type's (and the client's); a binding's name is the
    // handler's own choice, which renaming must not change.
    r.fields
        .last()
        .is_none_or(|f| !crate::model::names::is_reference_key(f))
}

/// The help of a core finding.
pub const HELP_STORED: &str = "check the value where the request enters (derive `validator::Validate` with length and format constraints and call `.validate()`, or parse it into a domain type with `TryFrom`) before it is stored";

pub const HELP: &str = "validate at the boundary: derive `validator::Validate` (or `garde::Validate`) with constraints and call `.validate()`, use a validating extractor (`axum_valid::Valid<Json<T>>`, `actix_web_validator::Json<T>`), or convert into a domain type with `TryFrom`";

impl Rule for UnvalidatedInput {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn taint(&self) -> Option<&'static crate::engine::taint::Spec> {
        Some(&SPEC)
    }

    fn check_fn<'ast>(
        &self,
        cx: &mut Cx<'_, 'ast>,
        attrs: &'ast [syn::Attribute],
        sig: &'ast syn::Signature,
        body: &'ast syn::Block,
    ) {
        if cx.scopes.in_test() {
            return;
        }
        let routed = has_route_attr(attrs);
        if sig.asyncness.is_none() && !routed {
            return;
        }
        // Asked once, and only of functions with an extractor parameter.
        let mut helper: Option<bool> = None;
        for input in &sig.inputs {
            let syn::FnArg::Typed(t) = input else {
                continue;
            };
            let Some(param) = classify(cx, &t.ty) else {
                continue;
            };
            // An unrouted function called in its file is a helper given the payload by a
            // handler (which is judged itself), not a handler: `save_attachment(data, ..)`.
            if !routed && *helper.get_or_insert_with(|| cx.called_in_file(&sig.ident.to_string())) {
                return;
            }
            // A path segment is a key, not a document: only free text (`Path<String>`)
            // that a handler stores or sends out unchecked is reported.
            let path_text = param.kind == InputKind::Path;
            if path_text && !matches!(param.payload, Payload::Raw(RAW_TEXT)) {
                continue;
            }
            let bindings: Vec<String> = typed_pattern_names(&t.pat, &t.ty)
                .into_iter()
                .map(|p| p.ident.to_string())
                .collect();
            if bindings.is_empty() || bindings.iter().all(|b| b.starts_with('_')) {
                continue;
            }
            let ev = Evidence::for_pattern(&t.pat, bindings).scan(body);
            // Converted, parsed or checked by hand: validated, whatever the type says.
            if ev.checked[0] {
                continue;
            }
            if path_text {
                if ev.uses[0].stored && !param.validating {
                    let ty_text = quote::ToTokens::to_token_stream(&*t.ty)
                        .to_string()
                        .replace(' ', "");
                    let msg = format!(
                        "handler `{}` stores or sends the free-text path segment `{ty_text}` without validating it",
                        sig.ident
                    );
                    let span = syn::spanned::Spanned::span(&*t.ty);
                    // A path segment is weak evidence whatever its name: it is most often
                    // a reference to a record (a relation's key, a tenant, a job's target)
                    // that a lookup, the router or an authorization layer checks; on
                    // unseen code 3 of 55 judged were true. A preview sub-check.
                    let f = cx.report(&META, span, msg);
                    f.help = Some(HELP.into());
                    f.preview = true;
                }
                continue;
            }
            let validators = &cx.settings.validators;
            if ev.passed_to.iter().any(|(_, c)| {
                validators
                    .iter()
                    .any(|v| v.last().is_some_and(|l| *l == c.name))
            }) {
                continue;
            }
            let through_derive = param.validating || ev.validate_called[0];
            let handler = sig.ident.to_string();
            let ty_text = quote::ToTokens::to_token_stream(&*t.ty)
                .to_string()
                .replace(' ', "");
            let span = syn::spanned::Spanned::span(&*t.ty);
            let uses = ev.uses[0].clone();
            let passed_to: Vec<Callee> = ev.passed_to.into_iter().map(|(_, c)| c).collect();
            let (ty, path_crate, module, msg) = match param.payload {
                Payload::Raw(what) => {
                    if through_derive {
                        continue;
                    }
                    let msg = format!(
                        "handler `{handler}` accepts `{ty_text}` ({what}) without validating it"
                    );
                    // A text body is one value, cleared when it is only read as a key, a
                    // flag or a credential; a map or JSON value is never cleared by how
                    // it is read (counted, keyed), only weakened.
                    let unbounded: Option<&[String]> = (what == RAW_TEXT).then_some(&[]);
                    let strength = uses.strength(unbounded);
                    if strength == Strength::Nothing {
                        continue;
                    }
                    if passed_to.is_empty() {
                        // A map of arbitrary keys is most often read as selectors (filters,
                        // labels, pass-through options): weak evidence, a preview sub-check.
                        let f = cx.report(&META, span, msg);
                        f.help = Some(HELP.into());
                        f.preview = true;
                        continue;
                    }
                    (None, None, None, msg)
                }
                Payload::Named(name, path_crate, module) => (
                    Some(name),
                    path_crate,
                    module,
                    format!("handler `{handler}` accepts `{ty_text}`"),
                ),
            };
            // Settled on the index: the payload's fields, and the functions it was given to.
            let check = PayloadCheck {
                ty,
                krate: cx.file.krate.clone(),
                path_crate,
                module,
                passed_to,
                validated: through_derive,
                uses,
                message,
            };
            let f = cx.report_when(&META, span, msg, Condition::IfUnvalidated(check));
            f.help = Some(HELP.into());
            // What the handler's signature and body show is weak evidence (on unseen code
            // 87 true and 138 false: a payload read as lookup keys, verified credentials,
            // checks made further in); the rule's core is request text the engine follows
            // into a stored row with no check on the way ([`SPEC`]).
            f.preview = true;
        }
    }
}

/// The message completer of this rule's deferred findings: what a cached finding is
/// completed with (a function is not stored).
pub fn payload_message() -> fn(&str, &str, &PayloadVerdict) -> String {
    message
}

/// Completes a deferred finding's message (`handler `h` accepts `Json<T>``) with what the
/// index found the payload lacks.
fn message(base: &str, ty: &str, verdict: &PayloadVerdict) -> String {
    match verdict {
        PayloadVerdict::Unvalidated {
            fields,
            derives_validate: false,
        } => format!("{base} without validating it ({fields})"),
        PayloadVerdict::Unvalidated {
            fields,
            derives_validate: true,
        } => format!(
            "{base} without validating it ({fields}): `{ty}` derives `Validate`, but `.validate()` is never called"
        ),
        PayloadVerdict::NoConstraints { fields } => format!(
            "{base} and validates it, but `{ty}` derives `Validate` without a constraint on any unbounded field ({fields}): validation checks nothing"
        ),
        PayloadVerdict::AllSkipped { fields } => format!(
            "{base} and validates it, but every unbounded field of `{ty}` is skipped ({fields}): validation checks nothing"
        ),
        PayloadVerdict::NestedNotValidated { field, ty: nested } => format!(
            "{base} and validates it, but `{ty}` field `{field}` lacks `#[validate(nested)]`: the rules of `{nested}` never run"
        ),
    }
}

/// A handler parameter that carries request input.
struct Param {
    kind: InputKind,
    payload: Payload,
    /// A validating extractor (`Valid<Json<T>>`, `actix_web_validator::Json<T>`): the
    /// payload is validated through its type's `Validate` implementation.
    validating: bool,
}

/// What an extractor carries.
enum Payload {
    /// A generic container: `Value`, `HashMap`, `String`, `Vec<..>`; described.
    Raw(&'static str),
    /// A named type, the crate its path names when not the current one, and the module
    /// it is declared in when known.
    Named(String, Option<String>, Option<Vec<String>>),
}

/// A request extractor parameter: an unvalidated framework extractor or a validating one.
fn classify(cx: &Cx<'_, '_>, ty: &Type) -> Option<Param> {
    let ty = match ty {
        Type::Reference(r) => &*r.elem,
        t => t,
    };
    let Type::Path(tp) = ty else { return None };
    let last = tp.path.segments.last()?;
    let name = last.ident.to_string();
    let full = cx.uses.resolve(&tp.path);
    let configured = cx
        .settings
        .validators
        .iter()
        .any(|v| *v == full || (v.len() >= 2 && full.len() == 1 && v.last() == full.last()));
    let validating = configured
        || VALIDATING_WRAPPERS.contains(&name.as_str())
        || full
            .first()
            .is_some_and(|c| VALIDATING_CRATES.contains(&c.as_str()));
    if validating {
        // `Valid<Json<T>>`, `WithValidation<Form<T>>`, `actix_web_validator::Json<T>`.
        let mut inner = first_type_arg(last)?;
        let mut kind = InputKind::Body;
        for _ in 0..4 {
            let Type::Path(ip) = inner else { break };
            let Some(il) = ip.path.segments.last() else {
                break;
            };
            let Some(ext) = extractor(&cx.uses.resolve(&ip.path)) else {
                break;
            };
            kind = ext.kind;
            let Some(next) = first_type_arg(il) else {
                break;
            };
            inner = next;
        }
        let payload = payload_of(cx, inner)?;
        return Some(Param {
            kind,
            payload,
            validating: true,
        });
    }
    let ext = extractor(&full)?;
    let inner = first_type_arg(last)?;
    let payload = payload_of(cx, inner)?;
    Some(Param {
        kind: ext.kind,
        payload,
        validating: false,
    })
}

fn payload_of(cx: &Cx<'_, '_>, ty: &Type) -> Option<Payload> {
    let Type::Path(tp) = ty else {
        return None;
    };
    let last = tp.path.segments.last()?;
    let name = last.ident.to_string();
    if let Some(what) = raw_payload(&name) {
        return Some(Payload::Raw(what));
    }
    match name.as_str() {
        n if crate::model::types::ELEMENT_WRAPPERS.contains(&n) => {
            first_type_arg(last).and_then(|t| payload_of(cx, t))
        }
        n if crate::model::types::is_bounded_name(n) => None,
        _ => {
            let pc = crate::engine::index::path_crate(&tp.path, cx.uses);
            let full = cx.uses.resolve(&tp.path);
            let module = if full.first().is_some_and(|f| f == "crate") && full.len() >= 2 {
                Some(full[..full.len() - 1].to_vec())
            } else if full.len() == 1 && cx.facts.structs.contains_key(&name) {
                Some(cx.file.module.clone())
            } else {
                None
            };
            Some(Payload::Named(name, pc, module))
        }
    }
}
