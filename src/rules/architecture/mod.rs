//! BL4xx: architecture rules.

pub mod layer_violation;
