//! BL0xx: findings about the analysis itself (produced by the engine).

pub mod internal_error;
pub mod parse_error;
pub mod unused_allow;
