//! BL401 `layer-violation`: a reference from one layer to a layer it may not use.
//!
//! The references are collected in the per-file pass by `engine::layers` and settled
//! against the workspace's layer map (configured or inferred) in the project pass; the
//! rule has no per-node hooks. It words what the map found.

use crate::declare_rule;
use crate::engine::layers::Breach;
use crate::rules::{Rule, RuleMeta};

declare_rule! {
    pub static LAYER_VIOLATION = {
        code: "BL401",
        name: "layer-violation",
        category: Architecture,
        severity: Warning,
        cwe: [1061],
        precision: High,
        status: Preview,
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

/// A finding's message, help and `--statistics` group for a breach.
pub struct Wording {
    pub message: String,
    pub help: String,
    pub group: String,
}

pub fn describe(b: &Breach) -> Wording {
    match b {
        Breach::Layer {
            src,
            from,
            target,
            real,
            to,
            allowed,
            between,
            upward,
            inverted,
        } => {
            let target = match real {
                Some(r) => format!("`{target}` (re-export of `{r}`, layer {to})"),
                None => format!("`{target}` (layer {to})"),
            };
            let rule = if *inverted {
                format!(
                    "{from} may implement {to}'s traits and use its types, not call its functions"
                )
            } else if allowed.is_empty() {
                format!("{from} may not use other layers")
            } else {
                format!("{from} may use only {}", join_or(allowed))
            };
            let help = if *upward {
                format!("a lower layer may not depend on {to}: move what both need into a shared module, or invert the dependency")
            } else {
                format!("go through the {} layer", join_or(between))
            };
            Wording {
                message: format!("`{src}` (layer {from}) uses {target}; {rule}"),
                help,
                group: format!("{from} → {to}"),
            }
        }
        Breach::Crate {
            src,
            from,
            target,
            krate,
            owners,
            state,
        } => {
            let only = format!("only {} may use `{krate}`", join_or(owners));
            let message = match state {
                Some((handler, wrapper)) => format!(
                    "handler `{handler}` in `{src}` (layer {from}) takes `{target}` as `{wrapper}`, reaching `{krate}` directly; {only}"
                ),
                None => format!("`{src}` (layer {from}) uses `{target}` from crate `{krate}`; {only}"),
            };
            Wording {
                message,
                help: format!(
                    "move the use of `{krate}` into the {} layer",
                    join_or(owners)
                ),
                group: format!("{from} → crate {krate}"),
            }
        }
        Breach::Independent {
            src,
            target,
            modules: (a, b),
        } => Wording {
            message: format!("`{src}` uses `{target}`; `{a}` and `{b}` are declared independent"),
            help: "move what both need into a module both may use".into(),
            group: "independent modules".into(),
        },
    }
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
