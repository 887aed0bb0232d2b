//! BL107 `regex-injection`: request text compiled as a regular expression.
//!
//! A taint rule ([`crate::engine::taint`]): the engine follows request data to the sinks
//! ([`crate::model::sinks`]); this rule names them and the checks that clear them.

use crate::engine::taint::{Shape, SourceKind, Spec};
use crate::model::taint as m;

crate::declare_rule! {
    pub static META = {
        code: "BL107",
        name: "regex-injection",
        category: Injection,
        severity: Warning,
        cwe: [730, 1333],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "request text compiled as a regular expression",
    }
}

/// The taint specification.
pub static SPEC: Spec = Spec {
    meta: &META,
    follows: SourceKind::Request,
    secrets: None,
    shape: Shape::Text,
    clears: m::ALLOW_LIST | m::VALIDATED | m::CHARSET | m::REGEX_ESCAPED,
    sinks: crate::model::sinks::regex_sinks,
    effect: "compiles it as a regular expression: a client can make matching slow or match what it should not",
    source: None,
    help: "escape the text (`regex::escape`) to match it literally, or choose patterns from a fixed list",
};

crate::taint_rule! {
    pub struct RegexInjection;
}
