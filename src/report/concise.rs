//! `concise`: `path:line:col: CODE [name] message`, one finding per line (control
//! characters from the checkout made visible, see [`super::escape`]). Findings sharing a
//! root cause follow one line for the cause, indented, the first few of them unless
//! `--show-all`.

use super::escape::text;
use super::RenderContext;
use crate::finding::Finding;
use crate::Report;
use std::io::{self, Write};

fn line(f: &Finding) -> String {
    format!(
        "{}:{}:{}: {} [{}] {}",
        text(&f.path),
        f.region.line,
        f.region.column,
        f.code,
        f.rule,
        text(&f.message)
    )
}

pub fn render(report: &Report, cx: &RenderContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    for group in crate::engine::causes::groups(&report.findings) {
        let first = group[0];
        let cause = match (group.len(), first.cause.as_deref()) {
            (2.., Some(c)) => c,
            _ => {
                for f in &group {
                    writeln!(out, "{}", line(f))?;
                }
                continue;
            }
        };
        let n = group.len();
        writeln!(
            out,
            "{}:{}:{}: {} [{}] cause of {n} findings: {}; fix: {}",
            text(&cause.path),
            cause.region.line,
            cause.region.column,
            first.code,
            first.rule,
            text(&cause.message),
            text(&cause.fix),
        )?;
        let shown = super::shown_per_cause(n, cx);
        for f in &group[..shown] {
            writeln!(out, "  {}", line(f))?;
        }
        if shown < n {
            writeln!(out, "  … and {} more (`--show-all` lists them)", n - shown)?;
        }
    }
    Ok(())
}
