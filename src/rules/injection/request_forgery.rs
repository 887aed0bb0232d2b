//! BL103 `request-forgery`: request data choosing the scheme or host of an outbound HTTP request.
//!
//! A taint rule ([`crate::engine::taint`]): the engine follows request data to the sinks
//! ([`crate::model::sinks`]); this rule names them and the checks that clear them.

use crate::engine::taint::{Shape, SourceKind, Spec};
use crate::model::taint as m;

crate::declare_rule! {
    pub static META = {
        code: "BL103",
        name: "request-forgery",
        category: Injection,
        severity: Error,
        cwe: [918],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "request data choosing the scheme or host of an outbound HTTP request",
    }
}

/// The taint specification.
pub static SPEC: Spec = Spec {
    meta: &META,
    follows: SourceKind::Request,
    secrets: None,
    shape: Shape::Text,
    clears: m::ALLOW_LIST | m::VALIDATED | m::HOST_CHECKED | m::AFTER_FIXED_ORIGIN | m::URL_ENCODED,
    sinks: crate::model::sinks::http_sinks,
    effect: "sends a request to it: the client chooses the host, so the server can be made to call internal services",
    source: None,
    help: "build the URL from a fixed scheme and host (`format!(\"https://api.example.com/{}\", urlencoding::encode(..))`), or parse it and check `host_str()` against an allow-list",
};

crate::taint_rule! {
    pub struct RequestForgery;
}
