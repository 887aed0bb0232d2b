//! The finding: what every rule produces and every renderer consumes.

use serde::Serialize;
use std::fmt;

/// How serious a finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
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
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Label {
    pub region: Region,
    pub message: String,
    /// The file the label is in, when not the finding's own (as displayed, like
    /// [`Finding::path`]): the evidence of a cause declared elsewhere.
    pub path: Option<String>,
}

impl Label {
    /// A label in the finding's own file.
    pub fn here(region: Region, message: String) -> Self {
        Label {
            region,
            message,
            path: None,
        }
    }

    /// The label's file: its own, or the finding's.
    pub fn path_or<'a>(&'a self, finding_path: &'a str) -> &'a str {
        self.path.as_deref().unwrap_or(finding_path)
    }
}

/// The root cause of a finding: one place whose change fixes every finding that shares
/// it (a type whose derived `Debug` prints a credential, a payload type that validates
/// nothing). Findings with the same cause group together in the terminal, and carry the
/// same `cause` id in the machine formats.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cause {
    /// What is at the cause, independent of line numbers (`RequestContext.api_key`).
    pub key: String,
    /// The cause's file, as displayed.
    pub path: String,
    /// The cause's own location (the secret field, the payload type's name).
    pub region: Region,
    /// The lines of the cause's item header (its first attribute through its name):
    /// a `backlint:allow` aimed at one of them, or at `region`'s line, suppresses every
    /// finding of the cause.
    pub lines: (usize, usize),
    /// What the cause is (`` `RequestContext` derives `Debug`, which prints its field `api_key` ``).
    pub message: String,
    /// The change at the cause that fixes every finding it produces.
    pub fix: String,
    /// Stable id of the cause: a fingerprint of the rule, the cause's file and `key`
    /// (set by [`crate::engine::causes::annotate`]).
    pub id: String,
    /// How many reported findings share the cause (set with `id`).
    pub count: usize,
}

impl Cause {
    /// "fixes both findings from this cause", "fixes all 21 findings from this cause".
    pub fn fixes(count: usize) -> String {
        match count {
            0 | 1 => "fixes the finding from this cause".into(),
            2 => "fixes both findings from this cause".into(),
            n => format!("fixes all {n} findings from this cause"),
        }
    }

    /// Whether a suppression comment aimed at `line` of `path` covers the cause.
    pub fn covered_by(&self, path: &str, line: usize) -> bool {
        self.path == path
            && (line == self.region.line || (self.lines.0..=self.lines.1).contains(&line))
    }
}

/// One violation reported by a rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    #[serde(with = "rule_code")]
    pub code: StaticStr,
    #[serde(with = "rule_name")]
    pub rule: StaticStr,
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
    /// The root cause, when it lies in one place that other findings may share.
    pub cause: Option<Box<Cause>>,
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
            cause: None,
        }
    }

    /// Marks the finding as the rule's preview sub-check: weak evidence, reported only
    /// with `--preview`.
    pub fn preview_only(mut self) -> Self {
        self.preview = true;
        self
    }

    /// The help as reported: with a cause, the fix at the cause first (and how many
    /// findings it removes), then the finding's own remedy.
    pub fn help_text(&self) -> Option<String> {
        let Some(c) = &self.cause else {
            return self.help.clone();
        };
        let mut help = c.fix.clone();
        if c.count > 1 {
            help += ": ";
            help += &Cause::fixes(c.count);
        }
        if let Some(local) = &self.help {
            help += &format!("; or, for this finding alone: {local}");
        }
        Some(help)
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

/// A text of the catalogue (a rule's code or name). Named so that serde reads it with
/// [`rule_code`]/[`rule_name`] instead of borrowing it from the input.
pub type StaticStr = &'static str;

/// A rule's code stored as text (the incremental cache) and read back as the catalogue's
/// own `&'static str`: a code the catalogue does not know is an error, so an entry of
/// another backlint version is not trusted.
pub mod rule_code {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(code: &&'static str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(code)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
        super::catalogue_text(d, |m| m.code, "rule code")
    }
}

/// A rule's name, as [`rule_code`].
pub mod rule_name {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(name: &&'static str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(name)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
        super::catalogue_text(d, |m| m.name, "rule name")
    }
}

/// Reads a text and finds it among the catalogue's `pick` texts.
fn catalogue_text<'de, D: serde::Deserializer<'de>>(
    d: D,
    pick: fn(&crate::rules::RuleMeta) -> &'static str,
    what: &str,
) -> Result<&'static str, D::Error> {
    use serde::{de::Error, Deserialize};
    let text = String::deserialize(d)?;
    crate::rules::all_meta()
        .into_iter()
        .map(pick)
        .find(|t| *t == text)
        .ok_or_else(|| D::Error::custom(format!("unknown {what} `{text}`")))
}
