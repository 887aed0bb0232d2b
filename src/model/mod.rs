//! Knowledge about libraries and conventions, kept out of the rules: which functions
//! execute SQL, which types are bounded, which names denote identifiers.

pub mod blocking;
pub mod connections;
pub mod cookies;
pub mod cors;
pub mod credentials;
pub mod errors;
pub mod http_clients;
pub mod jwt;
pub mod layers;
pub mod logs;
pub mod names;
pub mod password_hashing;
pub mod ratelimit;
pub mod secrets;
pub mod sinks;
pub mod sql;
pub mod taint;
pub mod tls;
pub mod types;
pub mod values;
pub mod web;
