//! BL001: a file that cannot be parsed. Reported by the engine (`engine::analyze_file`).

crate::declare_rule! {
    pub static PARSE_ERROR = {
        code: "BL001",
        name: "parse-error",
        category: Meta,
        severity: Error,
        cwe: [],
        precision: VeryHigh,
        status: Stable,
        since: "0.1.0",
        summary: "A Rust file that cannot be parsed (the run continues with the other files)",
    }
}
