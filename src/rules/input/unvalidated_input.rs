//! BL301 `unvalidated-input`: a request handler takes a body, form or query extractor
//! whose payload can hold arbitrary input, and never validates it.
//!
//! The handler's side is decided here: which parameters are unvalidated extractors,
//! and whether the body validates (`.validate()`), converts (`T::try_from(p)?`,
//! `p.try_into()`, `p.parse()`) or hands the payload to functions. The payload's side —
//! its fields, validation attributes, self-validating deserialization, functions that
//! validate their parameter — is in the project index, so the finding is settled after
//! the per-file pass.

use crate::engine::cx::{Cx, PayloadCheck};
use crate::engine::index::root_ident;
use crate::engine::pattern::typed_pattern_names;
use crate::model::types::first_type_arg;
use crate::model::web::{
    extractor, is_validate_method, InputKind, VALIDATING_CRATES, VALIDATING_WRAPPERS,
};
use crate::rules::{Rule, RuleMeta};
use syn::visit::Visit;
use syn::{Expr, Type};

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
        summary: "a handler's body, form or query extractor of a type with unbounded fields that is never validated",
    }
}

pub struct UnvalidatedInput;

pub const HELP: &str = "validate at the boundary: derive `validator::Validate` (or `garde::Validate`) with constraints and call `.validate()`, use a validating extractor (`axum_valid::Valid<Json<T>>`, `actix_web_validator::Json<T>`), or convert into a domain type with `TryFrom`";

/// Route attributes of actix-web and rocket.
const ROUTE_ATTRS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "route", "head", "options",
];

impl Rule for UnvalidatedInput {
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
        if cx.scopes.in_test() {
            return;
        }
        let routed = attrs.iter().any(|a| {
            a.path()
                .segments
                .last()
                .is_some_and(|s| ROUTE_ATTRS.contains(&s.ident.to_string().as_str()))
        });
        if sig.asyncness.is_none() && !routed {
            return;
        }
        for input in &sig.inputs {
            let syn::FnArg::Typed(t) = input else {
                continue;
            };
            let Some((_ext, kind, payload)) = unvalidated_extractor(cx, &t.ty) else {
                continue;
            };
            let bindings: Vec<String> = typed_pattern_names(&t.pat, &t.ty)
                .into_iter()
                .map(|p| p.ident.to_string())
                .collect();
            if bindings.iter().all(|b| b.starts_with('_')) {
                continue;
            }
            let mut ev = Evidence {
                bindings: bindings.clone(),
                validated: false,
                passed_to: Vec::new(),
            };
            ev.visit_block(body);
            if ev.validated {
                continue;
            }
            let handler = sig.ident.to_string();
            let ty_text = quote::ToTokens::to_token_stream(&*t.ty)
                .to_string()
                .replace(' ', "");
            let span = syn::spanned::Spanned::span(&*t.ty);
            match payload {
                Payload::Raw(what) => {
                    if kind == InputKind::Path {
                        continue;
                    }
                    if !ev.passed_to.is_empty() {
                        // Handed to functions: validated there if any of them validates.
                        let check = PayloadCheck {
                            ty: None,
                            krate: cx.file.krate.clone(),
                            path_crate: None,
                            module: None,
                            passed_to: ev.passed_to.clone(),
                        };
                        let msg = format!(
                            "handler `{handler}` accepts `{ty_text}` ({what}) without validating it"
                        );
                        cx.report_if_unvalidated(&META, span, msg, check).help = Some(HELP.into());
                        continue;
                    }
                    let msg = format!(
                        "handler `{handler}` accepts `{ty_text}` ({what}) without validating it"
                    );
                    cx.report(&META, span, msg).help = Some(HELP.into());
                }
                Payload::Named(name, path_crate, module) => {
                    let check = PayloadCheck {
                        ty: Some(name),
                        krate: cx.file.krate.clone(),
                        path_crate,
                        module,
                        passed_to: ev.passed_to.clone(),
                    };
                    let msg =
                        format!("handler `{handler}` accepts `{ty_text}` without validating it");
                    cx.report_if_unvalidated(&META, span, msg, check).help = Some(HELP.into());
                }
            }
        }
    }
}

/// What an extractor carries.
enum Payload {
    /// A generic container: `Value`, `HashMap`, `String`, `Vec<..>`; described.
    Raw(&'static str),
    /// A named type, the crate its path names when not the current one, and the module
    /// it is declared in when known.
    Named(String, Option<String>, Option<Vec<String>>),
}

/// An unvalidated framework extractor: its name, what it reads, and its payload.
fn unvalidated_extractor(cx: &Cx<'_, '_>, ty: &Type) -> Option<(String, InputKind, Payload)> {
    let Type::Path(tp) = ty else { return None };
    let last = tp.path.segments.last()?;
    let name = last.ident.to_string();
    if VALIDATING_WRAPPERS.contains(&name.as_str()) {
        return None;
    }
    let full = cx.uses.resolve(&tp.path);
    if full
        .first()
        .is_some_and(|c| VALIDATING_CRATES.contains(&c.as_str()))
    {
        return None;
    }
    let ext = extractor(&full)?;
    let inner = first_type_arg(last)?;
    let payload = payload_of(cx, inner)?;
    Some((name, ext.kind, payload))
}

fn payload_of(cx: &Cx<'_, '_>, ty: &Type) -> Option<Payload> {
    let Type::Path(tp) = ty else {
        return match ty {
            Type::Tuple(_) => None,
            _ => None,
        };
    };
    let last = tp.path.segments.last()?;
    let name = last.ident.to_string();
    match name.as_str() {
        "Value" => Some(Payload::Raw("arbitrary JSON")),
        "HashMap" | "BTreeMap" | "IndexMap" => Some(Payload::Raw("an arbitrary map")),
        "String" => Some(Payload::Raw("arbitrary text")),
        "Vec" => match first_type_arg(last).and_then(|t| payload_of(cx, t)) {
            Some(Payload::Named(n, c, m)) => Some(Payload::Named(n, c, m)),
            Some(raw) => Some(raw),
            None => None,
        },
        "Option" => first_type_arg(last).and_then(|t| payload_of(cx, t)),
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

/// Finds a shape check of a payload value inside a condition.
struct ShapeCheck<'e> {
    ev: &'e Evidence,
    found: bool,
}

impl<'ast> Visit<'ast> for ShapeCheck<'_> {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if SHAPE_CHECKS.contains(&m.method.to_string().as_str()) && self.ev.derived(&m.receiver) {
            self.found = true;
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}

/// A hand-written check given (part of) the payload: `is_valid_body_field(&data.content)`,
/// `check_name(&form.name)?`, `validate_email(..)`, `ensure_len(..)`.
fn is_checking_fn(name: &str) -> bool {
    crate::model::names::words(name).iter().any(|w| {
        matches!(
            w.as_str(),
            "valid"
                | "validate"
                | "validated"
                | "validation"
                | "check"
                | "verify"
                | "ensure"
                | "sanitize"
                | "sanitise"
        )
    })
}

/// What a handler body does with the payload bindings.
struct Evidence {
    /// The payload's bindings, and bindings derived from them (`let FormData { title, .. }
    /// = form.0`, `let creds = Credentials { name: form.name, .. }`).
    bindings: Vec<String>,
    /// `.validate()` on the payload, or a conversion that can fail.
    validated: bool,
    /// Functions given the payload: (name, argument index after the receiver).
    passed_to: Vec<(String, usize)>,
}

impl Evidence {
    fn rooted(&self, e: &Expr) -> bool {
        root_ident(e).is_some_and(|r| self.bindings.contains(&r))
    }

    /// Whether an expression is made from the payload: rooted in it, or a struct literal
    /// or tuple of such parts.
    fn derived(&self, e: &Expr) -> bool {
        match e {
            Expr::Struct(s) => s.fields.iter().any(|f| self.derived(&f.expr)),
            Expr::Tuple(t) => t.elems.iter().any(|x| self.derived(x)),
            Expr::Try(t) => self.derived(&t.expr),
            Expr::MethodCall(m) => self.rooted(e) || self.derived(&m.receiver),
            _ => self.rooted(e),
        }
    }
}

/// Whether a condition checks a value's shape: `.len()`, `.is_empty()`, `.contains(..)`,
/// `.starts_with(..)`, `.chars()`, `.is_match(..)`, `.parse::<..>()`.
const SHAPE_CHECKS: &[&str] = &[
    "len",
    "is_empty",
    "contains",
    "starts_with",
    "ends_with",
    "chars",
    "is_match",
    "matches",
    "is_ascii",
    "trim",
    "bytes",
];

impl<'ast> Visit<'ast> for Evidence {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            if self.derived(&init.expr) {
                for p in crate::engine::pattern::pattern_names(&l.pat) {
                    self.bindings.push(p.ident.to_string());
                }
            }
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        // A hand-written check of the payload's shape (`if name.len() > 100 { return .. }`).
        let mut c = ShapeCheck {
            ev: self,
            found: false,
        };
        c.visit_expr(&i.cond);
        if c.found {
            self.validated = true;
        }
        syn::visit::visit_expr_if(self, i);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        if self.rooted(&m.receiver)
            && (is_validate_method(&method)
                || matches!(
                    method.as_str(),
                    "try_into" | "parse" | "try_from" | "validated"
                ))
        {
            self.validated = true;
        }
        for (i, a) in m.args.iter().enumerate() {
            if self.rooted(a) || self.derived(a) {
                if is_checking_fn(&method) {
                    self.validated = true;
                }
                self.passed_to.push((method.clone(), i));
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            if let Some(last) = p.path.segments.last() {
                let f = last.ident.to_string();
                for (i, a) in c.args.iter().enumerate() {
                    if !self.rooted(a) && !self.derived(a) {
                        continue;
                    }
                    // `NewUser::try_from(form)?`, `Email::parse(form.email)?`.
                    if matches!(
                        f.as_str(),
                        "try_from"
                            | "try_new"
                            | "parse"
                            | "from_form"
                            | "validate"
                            | "new_validated"
                    ) || is_validate_method(&f)
                        || is_checking_fn(&f)
                    {
                        self.validated = true;
                    }
                    self.passed_to.push((f.clone(), i));
                }
            }
        }
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
        // `Domain::new(payload.x)?`: a constructor that can fail validates.
        if let Expr::Call(c) = &*t.expr {
            if let Expr::Path(p) = &*c.func {
                let ctor = p.path.segments.len() >= 2
                    && p.path.segments.last().is_some_and(|s| {
                        s.ident == "new" || s.ident.to_string().starts_with("try_")
                    });
                if ctor && c.args.iter().any(|a| self.rooted(a)) {
                    self.validated = true;
                }
            }
        }
        syn::visit::visit_expr_try(self, t);
    }

    fn visit_macro(&mut self, _m: &'ast syn::Macro) {}
}
