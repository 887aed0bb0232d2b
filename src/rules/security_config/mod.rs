//! BL5xx: security configuration.

pub mod hardcoded_secret;
