//! BL1xx: injection.

pub mod sql_string_interpolation;
