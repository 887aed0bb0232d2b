//! BL202 `cleartext-password-storage`: a request's password stored in a database without
//! a password hash.
//!
//! A taint rule ([`crate::engine::taint`]): only request data that is a password (a
//! payload field or parameter named so) counts as a source; any function that is not a
//! carrying one (a hash included) ends the flow.

use crate::engine::taint::project::Resolved;
use crate::engine::taint::{Shape, SourceKind, Spec};
use crate::model::secrets::is_password_name;
use crate::model::taint as m;

crate::declare_rule! {
    pub static META = {
        code: "BL202",
        name: "cleartext-password-storage",
        category: Secrets,
        severity: Error,
        cwe: [256, 312, 916],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "a request's password stored in a database without a password hash",
    }
}

/// Request data that is a password: `form.password`, a `password` parameter, either put
/// in a `password` field of a record to insert.
fn is_password(r: &Resolved) -> bool {
    if r.in_fields.iter().any(|f| is_password_name(f)) {
        return true;
    }
    match r.fields.last() {
        Some(f) => is_password_name(f),
        None => r.src.as_ref().is_some_and(|s| is_password_name(&s.param)),
    }
}

/// The taint specification.
pub static SPEC: Spec = Spec {
    meta: &META,
    follows: SourceKind::Request,
    secrets: None,
    shape: Shape::Text,
    clears: m::HASHED,
    sinks: crate::model::sinks::db_store_sinks,
    effect: "stores it in the database as it came: whoever reads the table (a backup, an injection, an insider) has every user's password",
    source: Some(is_password),
    help: "hash the password with a password hash (argon2, bcrypt, scrypt) and store the hash; compare with the library's verify function",
};

crate::taint_rule! {
    pub struct CleartextPasswordStorage;
}
