//! BL7xx: error handling in request handlers.

pub mod panic_in_handler;
