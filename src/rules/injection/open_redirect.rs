//! BL106 `open-redirect`: request text as a redirect target without a local-path or host check.
//!
//! A taint rule ([`crate::engine::taint`]): the engine follows request data to the sinks
//! ([`crate::model::sinks`]); this rule names them and the checks that clear them.

use crate::engine::taint::{Shape, SourceKind, Spec};
use crate::model::taint as m;

crate::declare_rule! {
    pub static META = {
        code: "BL106",
        name: "open-redirect",
        category: Injection,
        severity: Warning,
        cwe: [601],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "request text as a redirect target without a local-path or host check",
    }
}

/// The taint specification.
pub static SPEC: Spec = Spec {
    meta: &META,
    follows: SourceKind::Request,
    secrets: None,
    shape: Shape::Text,
    clears: m::ALLOW_LIST | m::VALIDATED | m::FROM_HEADER | m::HOST_CHECKED | m::LOCAL_PATH | m::AFTER_FIXED_ORIGIN | m::URL_ENCODED,
    sinks: crate::model::sinks::redirect_sinks,
    effect: "redirects to it: the client chooses where users are sent, a phishing site included",
    source: None,
    help: "redirect only to local paths (`starts_with('/')` and not `//`), or parse the URL and check its host against an allow-list",
};

crate::taint_rule! {
    pub struct OpenRedirect;
}
