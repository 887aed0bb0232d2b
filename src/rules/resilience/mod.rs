//! BL6xx, resilience: how the service behaves under load and failure.

pub mod blocking_call_in_async;
pub mod connection_without_pool;
mod handlers;
pub mod http_client_without_timeout;
mod locals;
