//! A source file's text and the mapping from `proc_macro2` spans to regions.

use crate::finding::Region;
use proc_macro2::{LineColumn, Span};

/// The text of one file, as read from disk, with a line index.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as displayed in reports (relative to the current directory, `/`-separated).
    pub display: String,
    /// Text after removing a UTF-8 byte-order mark (the parser never sees it).
    pub text: String,
    /// Bytes removed from the start of the file (3 for a BOM, else 0).
    pub bom_len: usize,
    /// Byte offset of the start of every line in `text`.
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(display: String, mut text: String) -> Self {
        let bom_len = if text.starts_with('\u{feff}') {
            text.drain(..3);
            3
        } else {
            0
        };
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            display,
            text,
            bom_len,
            line_starts,
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The text of 1-based line `line`, without its line terminator.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&next| next - 1);
        let s = self.text.get(start..end.max(start)).unwrap_or("");
        s.strip_suffix('\r').unwrap_or(s)
    }

    /// Byte offset (into `text`) of a proc-macro2 line/column (column in chars, 0-based).
    /// Line 0, a span without a location, is the start of the file, like line 1: regions
    /// are then still ordered and inside the text.
    pub fn offset(&self, lc: LineColumn) -> usize {
        let Some(&start) = self.line_starts.get(lc.line.max(1) - 1) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let within = rest
            .char_indices()
            .nth(lc.column)
            .map_or(rest.len(), |(i, _)| i);
        start + within
    }

    pub fn region(&self, span: Span) -> Region {
        self.region_between(span.start(), span.end())
    }

    /// The region from `start`'s beginning to `end`'s end.
    pub fn region_from_to(&self, start: Span, end: Span) -> Region {
        self.region_between(start.start(), end.end())
    }

    fn region_between(&self, start: LineColumn, end: LineColumn) -> Region {
        let line = start.line.max(1);
        let end_line = end.line.max(line);
        let end_column = if end_line == line {
            end.column.max(start.column)
        } else {
            end.column
        };
        Region {
            line,
            column: start.column + 1,
            end_line,
            end_column: end_column + 1,
            byte_start: self.offset(start) + self.bom_len,
            byte_end: self.offset(LineColumn {
                line: end_line,
                column: end_column,
            }) + self.bom_len,
        }
    }

    /// The source text a span covers (empty when the span is not in this file).
    pub fn snippet(&self, span: Span) -> &str {
        let a = self.offset(span.start());
        let b = self.offset(span.end());
        self.text.get(a..b.max(a)).unwrap_or("")
    }

    /// A region for a whole line (used for file-level findings without a span).
    pub fn line_region(&self, line: usize, column: usize) -> Region {
        let line = line.clamp(1, self.line_count());
        let len = self.line_text(line).chars().count();
        let column = column.clamp(1, len + 1);
        let start = self.line_starts[line - 1];
        let byte_col: usize = self
            .line_text(line)
            .chars()
            .take(column - 1)
            .map(char::len_utf8)
            .sum();
        Region {
            line,
            column,
            end_line: line,
            end_column: len.max(column - 1) + 1,
            byte_start: start + byte_col + self.bom_len,
            byte_end: start + self.line_text(line).len() + self.bom_len,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_text_handles_crlf_and_out_of_range() {
        let f = SourceFile::new("a.rs".into(), "ab\r\ncd\n".into());
        assert_eq!(f.line_text(1), "ab");
        assert_eq!(f.line_text(2), "cd");
        assert_eq!(f.line_text(3), "");
        assert_eq!(f.line_text(0), "");
        assert_eq!(f.line_text(99), "");
    }

    #[test]
    fn offsets_count_chars_not_bytes() {
        let f = SourceFile::new("a.rs".into(), "é x\n".into());
        assert_eq!(f.offset(LineColumn { line: 1, column: 2 }), 3);
    }

    #[test]
    fn spans_without_a_location_map_to_the_start() {
        let f = SourceFile::new("a.rs".into(), "fn a() {}\nfn b() {}\n".into());
        let nowhere = LineColumn { line: 0, column: 0 };
        let r = f.region_between(nowhere, nowhere);
        assert_eq!((r.line, r.column, r.end_line, r.end_column), (1, 1, 1, 1));
        assert_eq!((r.byte_start, r.byte_end), (0, 0));
        let r = f.region_between(nowhere, LineColumn { line: 2, column: 2 });
        assert_eq!((r.byte_start, r.byte_end), (0, 12));
    }

    #[test]
    fn bom_is_stripped_and_offsets_refer_to_the_file() {
        let f = SourceFile::new("a.rs".into(), "\u{feff}fn a() {}\n".into());
        assert_eq!(f.text, "fn a() {}\n");
        let r = f.line_region(1, 1);
        assert_eq!(r.byte_start, 3);
    }
}
