//! `json`: an array of findings with stable fields (documented in the README):
//! `code, rule, severity, message, path, line, column, end_line, end_column, help,
//! fingerprint, preview` (`true` for a finding of a stable rule's preview sub-check,
//! reported only with `--preview`), plus `labels` (secondary locations).

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
                "help": f.help,
                "fingerprint": f.fingerprint,
                "preview": f.preview,
                "labels": f.labels.iter().map(|l| json!({
                    "message": l.message,
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
