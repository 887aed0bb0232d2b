//! BL6xx: resilience.

pub mod http_client_without_timeout;
