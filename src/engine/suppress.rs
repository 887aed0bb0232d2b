//! Suppression comments: `// backlint:allow(BL101): reason` on the flagged line or alone on
//! the line(s) above it, and `// backlint:allow-file(BL101)` anywhere for a whole file.
//! Comments are not in the syntax tree, so they are found in the source text.

use crate::engine::source::SourceFile;
use crate::finding::{Finding, Region};
use crate::rules::meta::unused_allow::UNUSED_ALLOW;

#[derive(Debug, Clone)]
pub struct Allow {
    /// Codes or rule names, as written.
    pub codes: Vec<String>,
    /// The line it applies to (`None` for `allow-file`).
    pub target: Option<usize>,
    /// Where the comment is (for BL002).
    pub region: Region,
    pub used: Vec<bool>,
}

const MARK: &str = "backlint:allow";

/// Finds every suppression comment in a file.
pub fn scan(src: &SourceFile) -> Vec<Allow> {
    if !src.text.contains(MARK) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for line_no in 1..=src.line_count() {
        let line = src.line_text(line_no);
        let Some(comment_at) = line.find("//").or_else(|| line.find("/*")) else {
            continue;
        };
        let comment = &line[comment_at..];
        let Some(pos) = comment.find(MARK) else {
            continue;
        };
        let rest = &comment[pos + MARK.len()..];
        let (file_level, rest) = match rest.strip_prefix("-file") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let Some(inner) = rest.strip_prefix('(').and_then(|r| r.split(')').next()) else {
            continue;
        };
        let codes: Vec<String> = inner
            .split(',')
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        if codes.is_empty() {
            continue;
        }
        let standalone = line[..comment_at].trim().is_empty();
        let target = if file_level {
            None
        } else if standalone {
            Some(next_code_line(src, line_no))
        } else {
            Some(line_no)
        };
        let col = line[..comment_at + pos].chars().count() + 1;
        // The marker and what follows it on the line, at most 200 characters of that.
        let covered = &line[comment_at + pos..];
        let covered_chars = covered.chars().count().min(MARK.len() + 200);
        let covered_bytes: usize = covered
            .chars()
            .take(covered_chars)
            .map(char::len_utf8)
            .sum();
        let mut region = src.line_region(line_no, col);
        region.end_column = col + covered_chars;
        region.byte_end = region.byte_start + covered_bytes;
        out.push(Allow {
            used: vec![false; codes.len()],
            codes,
            target,
            region,
        });
    }
    out
}

/// The first line after `line` that is neither blank nor only a comment.
fn next_code_line(src: &SourceFile, line: usize) -> usize {
    let mut l = line + 1;
    while l <= src.line_count() {
        let t = src.line_text(l).trim();
        if !(t.is_empty() || t.starts_with("//") || t.starts_with("#[")) {
            return l;
        }
        l += 1;
    }
    line + 1
}

fn names_rule(entry: &str, f: &Finding) -> bool {
    entry.eq_ignore_ascii_case(f.code) || entry.eq_ignore_ascii_case(f.rule)
}

/// Whether a suppression comment covers `f`; the comments that do are marked used.
pub fn is_suppressed(f: &Finding, allows: &mut [Allow]) -> bool {
    let mut suppressed = false;
    for a in allows.iter_mut() {
        if a.target.is_some_and(|t| t != f.region.line) {
            continue;
        }
        for (i, c) in a.codes.iter().enumerate() {
            if names_rule(c, f) {
                a.used[i] = true;
                suppressed = true;
            }
        }
    }
    suppressed
}

/// The (comment, code) pairs of the suppressions that would cover `f`, without marking
/// them used: for a finding that may still vanish in the project pass.
pub fn would_suppress(f: &Finding, allows: &[Allow]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (ai, a) in allows.iter().enumerate() {
        if a.target.is_some_and(|t| t != f.region.line) {
            continue;
        }
        for (ci, c) in a.codes.iter().enumerate() {
            if names_rule(c, f) {
                out.push((ai, ci));
            }
        }
    }
    out
}

/// BL002 findings for the codes of suppression comments that covered nothing (only for
/// codes of enabled rules; `enabled` tells), each with the (comment, code) it is about.
pub fn unused_with_ids(
    allows: &[Allow],
    path: &str,
    enabled: &dyn Fn(&str) -> bool,
) -> Vec<((usize, usize), Finding)> {
    let mut unused = Vec::new();
    for (ai, a) in allows.iter().enumerate() {
        for (ci, (c, used)) in a.codes.iter().zip(&a.used).enumerate() {
            if *used {
                continue;
            }
            let known = crate::rules::lookup(c);
            let message = match known {
                Some(m) if !enabled(m.code) => continue,
                Some(m) => format!("`backlint:allow({c})` suppresses no {} finding", m.code),
                None => format!("`backlint:allow({c})` names no known rule"),
            };
            unused.push((
                (ai, ci),
                Finding {
                    help: Some(
                        "remove the stale suppression so it cannot hide a future finding".into(),
                    ),
                    ..Finding::new(&UNUSED_ALLOW, path, a.region, message)
                },
            ));
        }
    }
    unused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comment_region_covers_the_same_text_in_bytes_and_columns() {
        let region = |text: &str| {
            let src = SourceFile::new("a.rs".into(), text.into());
            let r = scan(&src)[0].region;
            let covered = &text[r.byte_start..r.byte_end];
            assert_eq!(r.end_column - r.column, covered.chars().count(), "{text}");
            (r.column, covered.to_string())
        };
        let (column, covered) = region("let a = 1; // backlint:allow(BL101): clé à molette\n");
        assert_eq!(column, 15);
        assert_eq!(covered, "backlint:allow(BL101): clé à molette");
        // A long reason is cut at 200 characters after the marker, in both measures.
        let long = format!("// backlint:allow(BL101): {}\n", "é".repeat(300));
        let (_, covered) = region(&long);
        assert_eq!(covered.chars().count(), MARK.len() + 200);
    }
}
