//! `concise`: `path:line:col: CODE [name] message`, one finding per line (control
//! characters from the checkout made visible, see [`super::escape`]).

use super::escape::text;
use crate::Report;
use std::io::{self, Write};

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        writeln!(
            out,
            "{}:{}:{}: {} [{}] {}",
            text(&f.path),
            f.region.line,
            f.region.column,
            f.code,
            f.rule,
            text(&f.message)
        )?;
    }
    Ok(())
}
