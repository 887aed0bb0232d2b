//! `json`: an array of findings with stable fields (documented in the README):
//! `code, rule, severity, message, path, line, column, end_line, end_column, help,
//! fingerprint, preview` (`true` for a finding of a stable rule's preview sub-check,
//! reported only with `--preview`), plus `labels` (secondary locations, each with its
//! `path`: a cause may be declared in another file) and `cause` (`null`, or the root
//! cause shared with other findings: a stable `id`, what and where it is, its `fix`, and
//! how many reported `findings` it produces).

use crate::Report;
use serde_json::{json, Value};
use std::io::{self, Write};

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let items: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "code": f.code,
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "message": f.message,
                "path": f.path,
                "line": f.region.line,
                "column": f.region.column,
                "end_line": f.region.end_line,
                "end_column": f.region.end_column,
                "help": f.help_text(),
                "fingerprint": f.fingerprint,
                "preview": f.preview,
                "cause": f.cause.as_ref().map(|c| json!({
                    "id": c.id,
                    "message": c.message,
                    "fix": c.fix,
                    "path": c.path,
                    "line": c.region.line,
                    "column": c.region.column,
                    "findings": c.count,
                })),
                "labels": f.labels.iter().map(|l| json!({
                    "message": l.message,
                    "path": l.path_or(&f.path),
                    "line": l.region.line,
                    "column": l.region.column,
                    "end_line": l.region.end_line,
                    "end_column": l.region.end_column,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}
