//! `human`: codespan-style diagnostics with source snippets, labels and help, then a
//! summary line.

use crate::finding::Severity;
use crate::Report;
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor};
use std::collections::HashMap;
use std::io::{self, Write};

use super::RenderContext;

pub fn render(report: &Report, cx: &RenderContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut files = SimpleFiles::new();
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let config = term::Config::default();
    {
        let mut writer: Box<dyn termcolor::WriteColor + '_> = if cx.color {
            Box::new(termcolor::Ansi::new(&mut *out))
        } else {
            Box::new(termcolor::NoColor::new(&mut *out))
        };
        for f in &report.findings {
            let id = *ids.entry(f.path.as_str()).or_insert_with(|| {
                files.add(f.path.clone(), super::read_source(&f.path, &cx.root))
            });
            let len = files.get(id).map(|s| s.source().len()).unwrap_or(0);
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
            term::emit(&mut *writer, &config, &files, &diag).map_err(|e| match e {
                codespan_reporting::files::Error::Io(io) => io,
                other => io::Error::other(other.to_string()),
            })?;
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
