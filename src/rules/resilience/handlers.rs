//! Request handlers, as far as one file shows them: functions with a route attribute
//! (`#[get("/")]`), async functions taking a web framework's extractor or request type
//! (`State<..>`, `web::Data<..>`, `HttpRequest`), and functions handed to a router in the
//! file (`get(list)`, `web::post().to(create)`); and the functions of the file that
//! handlers call.

use crate::engine::cx::Cx;
use crate::engine::handler::has_route_attr;
use crate::model::web::{NON_EXTRACTOR_TYPES, WEB_CRATES};
use std::collections::HashSet;

/// Whether a function is a request handler (or middleware, which runs per request too).
pub fn is_handler(cx: &Cx<'_, '_>, attrs: &[syn::Attribute], sig: &syn::Signature) -> bool {
    if has_route_attr(attrs) || cx.facts.calls().routed.contains(&sig.ident.to_string()) {
        return true;
    }
    sig.asyncness.is_some()
        && sig.inputs.iter().any(|i| match i {
            syn::FnArg::Typed(t) => is_request_type(cx, &t.ty),
            syn::FnArg::Receiver(_) => false,
        })
}

/// A web framework's extractor or request type (`axum::extract::State<S>`,
/// `actix_web::web::Data<T>`, `&actix_web::HttpRequest`).
fn is_request_type(cx: &Cx<'_, '_>, ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => is_request_type(cx, &r.elem),
        syn::Type::Paren(p) => is_request_type(cx, &p.elem),
        syn::Type::Path(p) => {
            let full = cx.resolve(&p.path);
            full.len() >= 2
                && full
                    .first()
                    .is_some_and(|c| WEB_CRATES.contains(&c.as_str()))
                && full
                    .last()
                    .is_some_and(|l| !NON_EXTRACTOR_TYPES.contains(&l.as_str()))
        }
        _ => false,
    }
}

/// Whether every function of the file named `name` is a handler.
fn all_handlers(cx: &Cx<'_, '_>, name: &str) -> bool {
    cx.facts.calls().fns.get(name).is_some_and(|items| {
        !items.is_empty() && items.iter().all(|f| is_handler(cx, f.attrs, f.sig))
    })
}

/// Whether the function(s) named `name` run for requests: handlers, or reached from one.
pub fn on_request_path(cx: &Cx<'_, '_>, name: &str) -> bool {
    all_handlers(cx, name) || !reaching_handlers(cx, name).is_empty()
}

/// The handlers that reach function `name` through calls in this file (test code
/// aside), if some do.
pub fn reaching_handlers(cx: &Cx<'_, '_>, name: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut stack = vec![(name.to_string(), 0usize)];
    let calls = cx.facts.calls();
    while let Some((n, depth)) = stack.pop() {
        if depth > 4 || !seen.insert(n.clone()) {
            continue;
        }
        let Some(callers) = calls.callers.get(&n) else {
            continue;
        };
        for c in callers {
            if c.is_empty() || *c == n || calls.is_test_fn(c) {
                continue;
            }
            if all_handlers(cx, c) {
                out.push(c.clone());
            } else {
                stack.push((c.clone(), depth + 1));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The handlers from which a private function of this file is reached, if every one of
/// its callers (tests aside) is a handler or such a function.
pub fn only_from_handlers(cx: &Cx<'_, '_>, name: &str) -> Option<Vec<String>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    reach(cx, name, &mut seen, &mut out, 0)?;
    out.sort();
    out.dedup();
    (!out.is_empty()).then_some(out)
}

fn reach(
    cx: &Cx<'_, '_>,
    name: &str,
    seen: &mut HashSet<String>,
    out: &mut Vec<String>,
    depth: usize,
) -> Option<()> {
    if depth > 4 || !seen.insert(name.to_string()) {
        return Some(());
    }
    let calls = cx.facts.calls();
    let defs = calls.fns.get(name)?;
    if defs.iter().any(|f| f.public || f.test) {
        return None;
    }
    let callers = calls.callers.get(name)?;
    let mut any = false;
    for caller in callers {
        if caller == name || calls.is_test_fn(caller) {
            continue;
        }
        calls.fns.get(caller.as_str())?;
        any = true;
        if all_handlers(cx, caller) {
            out.push(caller.clone());
        } else {
            reach(cx, caller, seen, out, depth + 1)?;
        }
    }
    any.then_some(())
}
