//! BL2xx: secrets.

pub mod secret_in_log;
