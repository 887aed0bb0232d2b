//! `human`: codespan-style diagnostics with source snippets, labels and help, then a
//! summary line.

use crate::finding::{Cause, Finding, Severity};
use crate::Report;
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor};
use std::collections::HashMap;
use std::io::{self, Write};

use super::RenderContext;

/// The source files of the findings rendered so far, read once each: as on disk, and as
/// shown (control characters made visible, see [`super::escape`]).
pub(crate) struct Sources {
    files: SimpleFiles<String, String>,
    raw: Vec<String>,
    maps: Vec<super::escape::OffsetMap>,
    ids: HashMap<String, usize>,
}

impl Default for Sources {
    fn default() -> Self {
        Sources {
            files: SimpleFiles::new(),
            raw: Vec::new(),
            maps: Vec::new(),
            ids: HashMap::new(),
        }
    }
}

impl Sources {
    fn id(&mut self, path: &str, root: &std::path::Path) -> usize {
        if let Some(&id) = self.ids.get(path) {
            return id;
        }
        let raw = super::read_source(path, root);
        let (shown, map) = super::escape::source(&raw);
        let id = self
            .files
            .add(super::escape::text(path).into_owned(), shown);
        self.raw.push(raw);
        self.maps.push(map);
        self.ids.insert(path.to_string(), id);
        id
    }

    /// The text of a finding's file as on disk (empty when it cannot be read).
    pub(crate) fn text(&mut self, path: &str, root: &std::path::Path) -> &str {
        let id = self.id(path, root);
        self.raw.get(id).map(String::as_str).unwrap_or("")
    }

    /// The displayed text's byte range for a range of the file on disk.
    fn shown_range(&self, id: usize, start: usize, end: usize) -> std::ops::Range<usize> {
        let shown = self
            .files
            .get(id)
            .map(|f| f.source().as_str())
            .unwrap_or("");
        let (a, b) = match self.maps.get(id) {
            Some(m) => (m.map(start, shown), m.map(end, shown)),
            None => (start.min(shown.len()), end.min(shown.len())),
        };
        a..b.max(a)
    }
}

/// Writes one finding as a codespan diagnostic: header, snippet with labels, notes.
pub(crate) fn emit(
    f: &Finding,
    sources: &mut Sources,
    root: &std::path::Path,
    writer: &mut dyn termcolor::WriteColor,
) -> io::Result<()> {
    use super::escape::text;
    let id = sources.id(&f.path, root);
    let range = |a: usize, b: usize| sources.shown_range(id, a, b);
    let diag = match f.severity {
        Severity::Error => Diagnostic::error(),
        Severity::Warning => Diagnostic::warning(),
        Severity::Note => Diagnostic::note(),
    };
    let mut labels = vec![Label::primary(
        id,
        range(f.region.byte_start, f.region.byte_end),
    )];
    for l in &f.labels {
        // A label may be in another file: the evidence of a cause declared there.
        let lid = match &l.path {
            Some(p) => sources.id(p, root),
            None => id,
        };
        let r = sources.shown_range(lid, l.region.byte_start, l.region.byte_end);
        labels.push(Label::secondary(lid, r).with_message(text(&l.message)));
    }
    let mut notes = vec![format!("rule: {}", text(f.rule))];
    if let Some(h) = &f.help_text() {
        notes.push(format!("help: {}", text(h)));
    }
    let diag = diag
        .with_code(f.code)
        .with_message(text(&f.message))
        .with_labels(labels)
        .with_notes(notes);
    term::emit(writer, &term::Config::default(), &sources.files, &diag).map_err(|e| match e {
        codespan_reporting::files::Error::Io(io) => io,
        other => io::Error::other(other.to_string()),
    })
}

/// Findings sharing a root cause, once: the cause's location and its fix, then the
/// places it shows up (the first few, or all with `--show-all`).
fn emit_cause(
    group: &[&Finding],
    sources: &mut Sources,
    cx: &RenderContext<'_>,
    writer: &mut dyn termcolor::WriteColor,
) -> io::Result<()> {
    use super::escape::text;
    let first = group[0];
    let Some(cause) = first.cause.as_deref() else {
        return Ok(());
    };
    let id = sources.id(&cause.path, &cx.root);
    let r = sources.shown_range(id, cause.region.byte_start, cause.region.byte_end);
    let severity = group
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(first.severity);
    let diag = match severity {
        Severity::Error => Diagnostic::error(),
        Severity::Warning => Diagnostic::warning(),
        Severity::Note => Diagnostic::note(),
    };
    let n = group.len();
    let mut notes = vec![
        format!("rule: {}", text(first.rule)),
        format!("fix: {}: {}", text(&cause.fix), Cause::fixes(n)),
    ];
    let shown = super::shown_per_cause(n, cx);
    let mut places = format!("shows up in {n} places:");
    for f in &group[..shown] {
        places += &format!(
            "\n{}:{}:{}: {}",
            text(&f.path),
            f.region.line,
            f.region.column,
            text(&f.message)
        );
    }
    if shown < n {
        places += &format!("\n… and {} more (`--show-all` lists them)", n - shown);
    }
    notes.push(places);
    if let Some(local) = &first.help {
        notes.push(format!("or, for each finding alone: {}", text(local)));
    }
    let mut labels = vec![Label::primary(id, r).with_message("the cause")];
    // The other evidence in the cause's file (the type's name beside its field).
    for l in &first.labels {
        if l.path_or(&first.path) == cause.path && l.region != cause.region {
            let r = sources.shown_range(id, l.region.byte_start, l.region.byte_end);
            labels.push(Label::secondary(id, r).with_message(text(&l.message)));
        }
    }
    let diag = diag
        .with_code(first.code)
        .with_message(format!("{} ({n} findings)", text(&cause.message)))
        .with_labels(labels)
        .with_notes(notes);
    term::emit(writer, &term::Config::default(), &sources.files, &diag).map_err(|e| match e {
        codespan_reporting::files::Error::Io(io) => io,
        other => io::Error::other(other.to_string()),
    })
}

/// One finding as plain text (no colour) or with ANSI colours.
pub(crate) fn rendered(
    f: &Finding,
    sources: &mut Sources,
    root: &std::path::Path,
    color: bool,
) -> String {
    let mut buf = Vec::new();
    // Into memory, codespan fails only on a range outside the file: keep what it wrote.
    let _ = if color {
        emit(f, sources, root, &mut termcolor::Ansi::new(&mut buf))
    } else {
        emit(f, sources, root, &mut termcolor::NoColor::new(&mut buf))
    };
    String::from_utf8_lossy(&buf).into_owned()
}

pub fn render(report: &Report, cx: &RenderContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut sources = Sources::default();
    let groups = crate::engine::causes::groups(&report.findings);
    {
        let mut writer: Box<dyn termcolor::WriteColor + '_> = if cx.color {
            Box::new(termcolor::Ansi::new(&mut *out))
        } else {
            Box::new(termcolor::NoColor::new(&mut *out))
        };
        for group in &groups {
            match group.as_slice() {
                [f] => emit(f, &mut sources, &cx.root, &mut *writer)?,
                _ => emit_cause(group, &mut sources, cx, &mut *writer)?,
            }
        }
    }
    for e in &report.errors {
        writeln!(out, "error: {}", super::escape::text(&e.to_string()))?;
    }
    let n = report.findings.len();
    let causes = groups.len();
    let files = report.files;
    let noun = |n: usize, one: &str, many: &str| {
        if n == 1 {
            one.to_string()
        } else {
            many.to_string()
        }
    };
    if n == 0 {
        writeln!(
            out,
            "No findings in {files} {}.",
            noun(files, "file", "files")
        )
    } else {
        let errors = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let warnings = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count();
        let from = if causes < n {
            format!(" from {causes} {}", noun(causes, "cause", "causes"))
        } else {
            String::new()
        };
        writeln!(
            out,
            "Found {n} {}{from} ({errors} {}, {warnings} {}) in {files} {}.",
            noun(n, "finding", "findings"),
            noun(errors, "error", "errors"),
            noun(warnings, "warning", "warnings"),
            noun(files, "file", "files"),
        )
    }
}
