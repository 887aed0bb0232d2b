//! BL5xx: security configuration.

pub mod missing_rate_limit;
pub mod tls_verification_disabled;
