//! `human`: codespan-style diagnostics with source snippets, labels and help, then a
//! summary line.

use crate::finding::{Finding, Severity};
use crate::Report;
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor};
use std::collections::HashMap;
use std::io::{self, Write};

use super::RenderContext;

/// The source files of the findings rendered so far, read once each.
pub(crate) struct Sources {
    files: SimpleFiles<String, String>,
    ids: HashMap<String, usize>,
}

impl Default for Sources {
    fn default() -> Self {
        Sources {
            files: SimpleFiles::new(),
            ids: HashMap::new(),
        }
    }
}

impl Sources {
    fn id(&mut self, path: &str, root: &std::path::Path) -> usize {
        if let Some(&id) = self.ids.get(path) {
            return id;
        }
        let id = self
            .files
            .add(path.to_string(), super::read_source(path, root));
        self.ids.insert(path.to_string(), id);
        id
    }

    /// The text of a finding's file (empty when it cannot be read).
    pub(crate) fn text(&mut self, path: &str, root: &std::path::Path) -> &str {
        let id = self.id(path, root);
        self.files
            .get(id)
            .map(|f| f.source().as_str())
            .unwrap_or("")
    }
}

/// Writes one finding as a codespan diagnostic: header, snippet with labels, notes.
pub(crate) fn emit(
    f: &Finding,
    sources: &mut Sources,
    root: &std::path::Path,
    writer: &mut dyn termcolor::WriteColor,
) -> io::Result<()> {
    let id = sources.id(&f.path, root);
    let len = sources.text(&f.path, root).len();
    let range = |a: usize, b: usize| a.min(len)..b.min(len).max(a.min(len));
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
        labels.push(
            Label::secondary(id, range(l.region.byte_start, l.region.byte_end))
                .with_message(l.message.clone()),
        );
    }
    let mut notes = vec![format!("rule: {}", f.rule)];
    if let Some(h) = &f.help {
        notes.push(format!("help: {h}"));
    }
    let diag = diag
        .with_code(f.code)
        .with_message(f.message.clone())
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
    {
        let mut writer: Box<dyn termcolor::WriteColor + '_> = if cx.color {
            Box::new(termcolor::Ansi::new(&mut *out))
        } else {
            Box::new(termcolor::NoColor::new(&mut *out))
        };
        for f in &report.findings {
            emit(f, &mut sources, &cx.root, &mut *writer)?;
        }
    }
    for e in &report.errors {
        writeln!(out, "error: {e}")?;
    }
    let n = report.findings.len();
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
        writeln!(
            out,
            "Found {n} {} ({errors} {}, {warnings} {}) in {files} {}.",
            noun(n, "finding", "findings"),
            noun(errors, "error", "errors"),
            noun(warnings, "warning", "warnings"),
            noun(files, "file", "files"),
        )
    }
}
