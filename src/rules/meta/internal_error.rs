//! BL003: analysing a file failed inside backlint (a panic, a stack overflow, the
//! analysis process dying). Reported by the engine (`engine::contain`) and, for a file
//! that brought the analysis process down, by the supervisor's rerun (`worker`).

crate::declare_rule! {
    pub static INTERNAL_ERROR = {
        code: "BL003",
        name: "internal-error",
        category: Meta,
        severity: Error,
        cwe: [],
        precision: VeryHigh,
        status: Stable,
        since: "0.1.0",
        summary: "Analysing this file failed inside backlint (a panic or a stack overflow); the file is reported and the rest of the run kept",
    }
}
