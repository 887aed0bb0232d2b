//! BL3xx: request input.

pub mod unvalidated_input;
