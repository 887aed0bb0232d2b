//! The finding: what every rule produces and every renderer consumes.

use serde::Serialize;
use std::fmt;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A position range in a source file. Lines are 1-based; columns are 1-based and
/// counted in Unicode scalar values (code points); byte offsets are 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Region {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub byte_start: usize,
    pub byte_end: usize,
}

impl Region {
    /// Checks that the region lies in `text` (the file's contents, a UTF-8 byte-order
    /// mark included) and that its lines and columns agree with its byte offsets: lines
    /// ≥ 1, columns ≥ 1 in code points (a BOM not counted), offsets on character
    /// boundaries, end not before start. For the fuzz target and the property tests.
    pub fn validate(&self, text: &str) -> Result<(), String> {
        let bad = |why: &str| Err(format!("{why}: {self:?} in a text of {} bytes", text.len()));
        if self.line == 0 || self.column == 0 || self.end_column == 0 {
            return bad("lines and columns are 1-based");
        }
        if (self.end_line, self.end_column) < (self.line, self.column) {
            return bad("the end is before the start");
        }
        if self.byte_start > self.byte_end || self.byte_end > text.len() {
            return bad("the byte range is not in the text");
        }
        if !text.is_char_boundary(self.byte_start) || !text.is_char_boundary(self.byte_end) {
            return bad("a byte offset is inside a character");
        }
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let position = |offset: usize| {
            let before = text.get(bom.min(offset)..offset).unwrap_or("");
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            (line, column)
        };
        if position(self.byte_start) != (self.line, self.column) {
            return bad(&format!(
                "the start is at {:?} by its byte offset",
                position(self.byte_start)
            ));
        }
        if position(self.byte_end) != (self.end_line, self.end_column) {
            return bad(&format!(
                "the end is at {:?} by its byte offset",
                position(self.byte_end)
            ));
        }
        Ok(())
    }
}

/// A secondary location, e.g. where an interpolated string was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub region: Region,
    pub message: String,
}

/// One violation reported by a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Path as displayed: relative to the current directory, `/`-separated.
    pub path: String,
    pub region: Region,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// Stable identity of the finding, independent of line numbers (see `fingerprint`).
    pub fingerprint: String,
    /// What kind of violation within its rule, for `--statistics` (BL401: the pair of
    /// layers, `web → persistence`).
    pub group: Option<String>,
    /// Reported only with `--preview`: a finding of a stable rule resting on weak evidence
    /// (a name heuristic) rather than on what the rule's stable check requires.
    pub preview: bool,
}

impl Finding {
    /// A finding of `meta` at `region` in the file displayed as `path`.
    pub fn new(meta: &crate::rules::RuleMeta, path: &str, region: Region, message: String) -> Self {
        Finding {
            code: meta.code,
            rule: meta.name,
            severity: meta.severity,
            message,
            path: path.to_string(),
            region,
            labels: Vec::new(),
            help: None,
            fingerprint: String::new(),
            group: None,
            preview: false,
        }
    }

    /// Marks the finding as the rule's preview sub-check: weak evidence, reported only
    /// with `--preview`.
    pub fn preview_only(mut self) -> Self {
        self.preview = true;
        self
    }

    /// The deterministic ordering of every report: path, line, column, code, message.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        (
            &self.path,
            self.region.line,
            self.region.column,
            self.code,
            &self.message,
        )
    }
}
