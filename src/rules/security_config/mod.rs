//! BL5xx: security configuration.

pub mod missing_rate_limit;
