//! BL002: a suppression comment that suppressed nothing. Reported by the engine
//! (`engine::suppress`).

crate::declare_rule! {
    pub static UNUSED_ALLOW = {
        code: "BL002",
        name: "unused-allow",
        category: Meta,
        severity: Warning,
        cwe: [],
        precision: VeryHigh,
        status: Stable,
        since: "0.1.0",
        summary: "A `backlint:allow` comment that suppressed no finding",
    }
}
