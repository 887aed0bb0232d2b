//! BL7xx: error handling in request handlers.

pub mod internal_error_exposed;
pub mod panic_in_handler;
