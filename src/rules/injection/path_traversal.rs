//! BL102 `path-traversal`: request data reaching a filesystem path without a canonicalize+prefix or separator check.
//!
//! A taint rule ([`crate::engine::taint`]): the engine follows request data to the sinks
//! ([`crate::model::sinks`]); this rule names them and the checks that clear them.

use crate::engine::taint::{Shape, SourceKind, Spec};
use crate::model::taint as m;

crate::declare_rule! {
    pub static META = {
        code: "BL102",
        name: "path-traversal",
        category: Injection,
        severity: Error,
        cwe: [22, 73],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "request data reaching a filesystem path without a canonicalize+prefix or separator check",
    }
}

/// The taint specification.
pub static SPEC: Spec = Spec {
    meta: &META,
    follows: SourceKind::Request,
    secrets: None,
    shape: Shape::Text,
    clears: m::ALLOW_LIST | m::VALIDATED | m::NO_TRAVERSAL | m::UNDER_ROOT | m::CHARSET | m::URL_ENCODED | m::FILE_NAME,
    sinks: crate::model::sinks::fs_sinks,
    effect: "uses it as a filesystem path: `..` segments or an absolute path reach files outside the intended directory",
    source: None,
    help: "keep only the file name (`Path::new(&name).file_name()`), reject `..` and separators, or `canonicalize()` the joined path and check it `starts_with` the root",
};

crate::taint_rule! {
    pub struct PathTraversal;
}
