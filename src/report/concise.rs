//! `concise`: `path:line:col: CODE [name] message`, one finding per line.

use crate::Report;
use std::io::{self, Write};

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        writeln!(
            out,
            "{}:{}:{}: {} [{}] {}",
            f.path, f.region.line, f.region.column, f.code, f.rule, f.message
        )?;
    }
    Ok(())
}
