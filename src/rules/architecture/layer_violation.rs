//! BL401 `layer-violation`: a reference from one layer to a layer it may not use.
//!
//! The references are collected in the per-file pass by `engine::layers` and settled
//! against the workspace's layer map (configured or inferred) in the project pass; the
//! rule itself has no per-node hooks.

use crate::declare_rule;
use crate::rules::{Rule, RuleMeta};

declare_rule! {
    pub static LAYER_VIOLATION = {
        code: "BL401",
        name: "layer-violation",
        category: Architecture,
        severity: Warning,
        cwe: [1061],
        precision: High,
        status: Stable,
        since: "0.1.0",
        summary: "a module referencing a layer it may not: handlers → repositories past the service layer, lower → upper layers, database crates outside persistence",
    }
}

pub struct LayerViolation;

impl Rule for LayerViolation {
    fn meta(&self) -> &'static RuleMeta {
        &LAYER_VIOLATION
    }

    fn walks(&self) -> bool {
        false
    }
}
