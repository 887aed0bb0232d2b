//! BL108 `uncontrolled-allocation`: a request-controlled size given to an allocation.
//!
//! A taint rule ([`crate::engine::taint`]): the engine follows request data to the sinks
//! ([`crate::model::sinks`]); this rule names them and the checks that clear them.

use crate::engine::taint::{Shape, SourceKind, Spec};
use crate::model::taint as m;

crate::declare_rule! {
    pub static META = {
        code: "BL108",
        name: "uncontrolled-allocation",
        category: Injection,
        severity: Warning,
        cwe: [770, 789],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "a request-controlled size given to an allocation",
    }
}

/// The taint specification.
pub static SPEC: Spec = Spec {
    meta: &META,
    follows: SourceKind::Request,
    secrets: None,
    shape: Shape::Size,
    clears: m::ALLOW_LIST | m::VALIDATED | m::BOUNDED,
    sinks: crate::model::sinks::alloc_sinks,
    effect: "allocates that much memory: one request can exhaust the server's memory",
    source: None,
    help: "bound the size first (`n.min(MAX)`, or reject `n > MAX`)",
};

crate::taint_rule! {
    pub struct UncontrolledAllocation;
}
