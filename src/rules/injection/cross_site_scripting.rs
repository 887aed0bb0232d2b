//! BL105 `cross-site-scripting`: request text in an HTML response without escaping.
//!
//! A taint rule ([`crate::engine::taint`]): the engine follows request data to the sinks
//! ([`crate::model::sinks`]); this rule names them and the checks that clear them.

use crate::engine::taint::{Shape, SourceKind, Spec};
use crate::model::taint as m;

crate::declare_rule! {
    pub static META = {
        code: "BL105",
        name: "cross-site-scripting",
        category: Injection,
        severity: Error,
        cwe: [79],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "request text in an HTML response without escaping",
    }
}

/// The taint specification.
pub static SPEC: Spec = Spec {
    meta: &META,
    follows: SourceKind::Request,
    secrets: None,
    shape: Shape::Text,
    clears: m::ALLOW_LIST | m::VALIDATED | m::CHARSET | m::HTML_ESCAPED | m::URL_ENCODED,
    sinks: crate::model::sinks::html_sinks,
    effect: "puts it into an HTML response unescaped: markup or a script in it runs in the user's browser",
    source: None,
    help: "render with an auto-escaping template (askama, maud, tera), or escape the text (`html_escape::encode_text`)",
};

crate::taint_rule! {
    pub struct CrossSiteScripting;
}
