//! BL1xx: injection.

pub mod command_injection;
pub mod cross_site_scripting;
pub mod open_redirect;
pub mod path_traversal;
pub mod regex_injection;
pub mod request_forgery;
pub mod sql_string_interpolation;
pub mod uncontrolled_allocation;
