//! BL2xx: secrets.

pub mod cleartext_password_storage;
pub mod secret_in_log;
