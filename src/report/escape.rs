//! Text from the checkout (source lines, names and literals quoted in messages, paths)
//! made harmless for a terminal or a CI log, as rustc shows such text in diagnostics:
//! ASCII control characters become their Unicode Control Pictures (`ESC` → `␛`, `BEL` →
//! `␇`, DEL → `␡`), and C1 controls (U+0080–U+009F, which some terminals take as escape
//! sequences) and the invisible bidirectional-text controls (U+061C, U+200E, U+200F,
//! U+202A–U+202E, U+2066–U+2069, which reorder what is shown) become `�`. Each
//! replacement is one character wide, so columns and carets still line up.

use std::borrow::Cow;

/// The visible stand-in for `c`, when it needs one.
pub fn stand_in(c: char) -> Option<char> {
    match c {
        '\0'..='\x1f' => char::from_u32(0x2400 + c as u32),
        '\x7f' => Some('\u{2421}'),
        '\u{80}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => Some('\u{fffd}'),
        _ => None,
    }
}

/// One-line text (a message, label, help, name or path): every control character
/// replaced, tabs and line breaks included.
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| stand_in(c).is_some()) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(|c| stand_in(c).unwrap_or(c)).collect())
}

/// A source file's text for display: as [`text`], but tabs, line feeds and the carriage
/// return of a CRLF line end are kept (the renderer lays them out). Returns the text and
/// an [`OffsetMap`] from byte offsets into `s` to byte offsets into it.
pub fn source(s: &str) -> (String, OffsetMap) {
    let mut out = String::with_capacity(s.len());
    let mut map = OffsetMap::default();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let keep = match c {
            '\t' | '\n' => true,
            '\r' => chars.peek().is_some_and(|&(_, n)| n == '\n'),
            _ => false,
        };
        match stand_in(c).filter(|_| !keep) {
            Some(r) => {
                out.push(r);
                map.points.push((i + c.len_utf8(), out.len()));
            }
            None => out.push(c),
        }
    }
    (out, map)
}

/// Byte offsets before and after [`source`]'s replacements.
#[derive(Debug, Clone, Default)]
pub struct OffsetMap {
    /// (offset in the original just after a replaced character, same in the new text).
    points: Vec<(usize, usize)>,
}

impl OffsetMap {
    /// The offset in the displayed text of byte `offset` of the original, on a character
    /// boundary of `shown`.
    pub fn map(&self, offset: usize, shown: &str) -> usize {
        let i = self.points.partition_point(|&(orig, _)| orig <= offset);
        let mut o = match i.checked_sub(1).and_then(|i| self.points.get(i)) {
            Some(&(orig, new)) => new + (offset - orig),
            None => offset,
        };
        o = o.min(shown.len());
        while !shown.is_char_boundary(o) {
            o -= 1;
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_become_visible() {
        assert_eq!(text("a\x1b]0;x\x07b"), "a␛]0;x␇b");
        assert_eq!(text("\x1b[2J\x7f\r\n\t"), "␛[2J␡␍␊␉");
        assert_eq!(text("x\u{202e}y\u{2066}z\u{9b}"), "x�y�z�");
        assert!(matches!(text("plain é"), Cow::Borrowed(_)));
    }

    #[test]
    fn source_keeps_layout_and_maps_offsets() {
        let s = "a\x1bb\tc\r\nd\re\u{202e}f";
        let (shown, map) = source(s);
        assert_eq!(shown, "a␛b\tc\r\nd␍e�f");
        // Every character of the original maps to its stand-in (or itself) when shown.
        for (i, c) in s.char_indices() {
            let j = map.map(i, &shown);
            let shown_c = shown[j..].chars().next().unwrap();
            let kept = c == '\t' || c == '\n' || (c == '\r' && i == 5);
            let expected = if kept { c } else { stand_in(c).unwrap_or(c) };
            assert_eq!(expected, shown_c, "{i}");
        }
        assert_eq!(map.map(s.len(), &shown), shown.len());
        // Inside a replaced multi-byte character: its start.
        let inside = s.find('\u{202e}').unwrap() + 1;
        assert_eq!(&shown[map.map(inside, &shown)..], "�f");
    }
}
