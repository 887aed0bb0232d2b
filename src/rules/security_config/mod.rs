//! BL5xx: security configuration.

pub mod tls_verification_disabled;
