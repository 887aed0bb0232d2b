//! Security configuration: settings and calls that turn a protection off or weaken it.

pub mod jwt_validation_disabled;
pub mod weak_password_hash;
