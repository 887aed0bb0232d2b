//! `github`: GitHub Actions workflow commands, which GitHub shows as annotations.
//!
//! Messages and properties are escaped by GitHub's rules (`%`, CR, LF; in properties also
//! `:` and `,`), so that no text from the checkout can end a command or start another
//! one on a new line; other control characters are made visible first (see
//! [`super::escape`]), so none reaches the log as an escape sequence.

use super::escape::text;
use crate::finding::Severity;
use crate::Report;
use std::io::{self, Write};

/// Escapes a command's message (`%`, CR, LF).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value (as data, plus `:` and `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = text(&f.message).into_owned();
        if let Some(h) = &f.help_text() {
            message.push_str("\nhelp: ");
            message.push_str(&text(h));
        }
        writeln!(
            out,
            "::{level} file={},line={},endLine={},col={},endColumn={},title={}::{}",
            escape_property(&text(&f.path)),
            f.region.line,
            f.region.end_line,
            f.region.column,
            f.region.end_column,
            escape_property(&format!("{} {}", f.code, f.rule)),
            escape_data(&message)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
