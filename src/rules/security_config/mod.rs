//! BL5xx, security configuration: settings and calls that turn a protection off or
//! weaken it.

pub mod hardcoded_secret;
pub mod insecure_cookie;
pub mod jwt_validation_disabled;
pub mod missing_rate_limit;
pub mod permissive_cors;
pub mod plaintext_http;
pub mod tls_verification_disabled;
pub mod weak_password_hash;
