//! BL104 `command-injection`: request data as a program or a shell command line.
//!
//! A taint rule ([`crate::engine::taint`]): the engine follows request data to the sinks
//! ([`crate::model::sinks`]); this rule names them and the checks that clear them.

use crate::engine::taint::{Shape, SourceKind, Spec};
use crate::model::taint as m;

crate::declare_rule! {
    pub static META = {
        code: "BL104",
        name: "command-injection",
        category: Injection,
        severity: Error,
        cwe: [78, 88],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "request data as a program or a shell command line",
    }
}

/// The taint specification.
pub static SPEC: Spec = Spec {
    meta: &META,
    follows: SourceKind::Request,
    secrets: None,
    shape: Shape::Text,
    clears: m::ALLOW_LIST | m::VALIDATED | m::CHARSET | m::SHELL_QUOTED,
    sinks: crate::model::sinks::command_sinks,
    effect: "runs it as a program or a shell command line",
    source: None,
    help: "run a fixed program and pass request data as separate `.arg(..)` values without a shell; choose programs from an allow-list",
};

crate::taint_rule! {
    pub struct CommandInjection;
}
