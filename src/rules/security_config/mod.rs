//! BL5xx: security configuration of frameworks and middleware.

pub mod insecure_cookie;
pub mod permissive_cors;
