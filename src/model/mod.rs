//! Knowledge about libraries and conventions, kept out of the rules: which functions
//! execute SQL, which types are bounded, which names denote identifiers.

pub mod credentials;
pub mod layers;
pub mod names;
pub mod secrets;
pub mod sql;
pub mod types;
pub mod values;
pub mod web;
