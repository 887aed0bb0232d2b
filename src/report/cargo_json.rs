//! `--message-format json`: the JSON lines of `cargo check --message-format json`, so
//! that editors reading cargo's diagnostics (rust-analyzer's `check.overrideCommand`)
//! show the findings. One `compiler-message` line per finding, whose `message` is a rustc
//! diagnostic, then a `build-finished` line.
//!
//! - `file_name` is the path as displayed (relative to the current directory, which is
//!   the workspace root when rust-analyzer runs the command; it joins the two).
//! - Lines are 1-based and inclusive; columns are 1-based, counted in code points, the
//!   end exclusive; byte offsets are 0-based into the file as on disk, the end exclusive.
//! - `code.code` is `backlint::BL101`: a tool lint's scoped name, which rust-analyzer
//!   splits into the diagnostic's source (`backlint`) and code (`BL101`), as it does for
//!   `clippy::…`. `explanation` is null (rustc fills it only for its error index; the
//!   page is `backlint explain BL101`).
//! - `package_id`, `manifest_path` and `target` are those of the file's package when it
//!   has one; otherwise made up in the same shape (`manifest_path` left out).

use crate::finding::{Finding, Region};
use crate::workspace::{self, CrateTarget};
use crate::Report;
use serde_json::{json, Value};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::human::{self, Sources};
use super::RenderContext;

/// The tool name rustc uses for scoped lints (`clippy::…`, `backlint::…`).
pub const TOOL: &str = "backlint";

pub fn render(report: &Report, cx: &RenderContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut sources = Sources::default();
    for f in &report.findings {
        let mut line = origin(report, f, &cx.root);
        line["reason"] = json!("compiler-message");
        line["message"] = diagnostic(f, &mut sources, cx);
        serde_json::to_writer(&mut *out, &line)?;
        writeln!(out)?;
    }
    let success = report.findings.is_empty() && report.errors.is_empty();
    serde_json::to_writer(
        &mut *out,
        &json!({ "reason": "build-finished", "success": success }),
    )?;
    writeln!(out)
}

/// The rustc diagnostic of one finding.
fn diagnostic(f: &Finding, sources: &mut Sources, cx: &RenderContext<'_>) -> Value {
    let text = sources.text(&f.path, &cx.root);
    let mut spans = vec![span(&f.path, text, &f.region, true, None)];
    for l in &f.labels {
        // A label may be in another file: the evidence of a cause declared there.
        let path = l.path_or(&f.path);
        let text = sources.text(path, &cx.root);
        spans.push(span(path, text, &l.region, false, Some(&l.message)));
    }
    let children: Vec<Value> = f
        .help_text()
        .iter()
        .map(|h| {
            json!({
                "message": h,
                "code": null,
                "level": "help",
                "spans": [],
                "children": [],
                "rendered": null,
            })
        })
        .collect();
    json!({
        "$message_type": "diagnostic",
        "message": f.message,
        "code": { "code": format!("{TOOL}::{}", f.code), "explanation": null },
        "level": f.severity.as_str(),
        "spans": spans,
        "children": children,
        "rendered": human::rendered(f, sources, &cx.root, cx.color),
    })
}

fn span(file_name: &str, text: &str, r: &Region, primary: bool, label: Option<&str>) -> Value {
    json!({
        "file_name": file_name,
        "byte_start": r.byte_start,
        "byte_end": r.byte_end,
        "line_start": r.line,
        "line_end": r.end_line,
        "column_start": r.column,
        "column_end": r.end_column,
        "is_primary": primary,
        "text": span_lines(text, r),
        "label": label,
        "suggested_replacement": null,
        "suggestion_applicability": null,
        "expansion": null,
    })
}

/// The whole source lines a region touches, each with the part it covers (1-based
/// code-point columns, end exclusive): rust-analyzer converts the columns to the editor's
/// encoding with these lines.
fn span_lines(text: &str, r: &Region) -> Vec<Value> {
    // Columns count from after a byte-order mark, as the parser saw the file.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = r.line.max(1);
    let last = r.end_line.max(first);
    text.split('\n')
        .enumerate()
        .skip(first - 1)
        .take(last - first + 1)
        .map(|(i, l)| {
            let l = l.strip_suffix('\r').unwrap_or(l);
            let n = i + 1;
            let start = if n == first { r.column } else { 1 };
            let end = if n == last {
                r.end_column
            } else {
                l.chars().count() + 1
            };
            json!({ "text": l, "highlight_start": start, "highlight_end": end })
        })
        .collect()
}

/// `package_id`, `manifest_path` and `target` of the finding's file.
fn origin(report: &Report, f: &Finding, root: &Path) -> Value {
    let file = {
        let p = Path::new(&f.path);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            root.join(p)
        }
    };
    match report.crates.get(&f.path) {
        Some((pkg, target)) => {
            let fallback;
            let target = match target {
                Some(t) => t,
                None => {
                    let edition = pkg.targets.first().map_or("2021", |t| t.edition.as_str());
                    fallback = stand_in_target(&pkg.name, file, edition);
                    &fallback
                }
            };
            json!({
                "package_id": pkg.id,
                "manifest_path": pkg.manifest_path(),
                "target": target_json(target),
            })
        }
        None => {
            let name = root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "unknown".into());
            json!({
                "package_id": workspace::plain_package_id(root, &name, "0.0.0"),
                "target": target_json(&stand_in_target(&name, file, "2021")),
            })
        }
    }
}

/// A library target rooted at the file itself, for a file no target holds.
fn stand_in_target(package: &str, file: PathBuf, edition: &str) -> CrateTarget {
    CrateTarget {
        name: package.replace('-', "_"),
        kind: vec!["lib".into()],
        crate_types: vec!["lib".into()],
        src_path: file,
        edition: edition.into(),
        doc: true,
        doctest: true,
        test: true,
    }
}

fn target_json(t: &CrateTarget) -> Value {
    json!({
        "kind": t.kind,
        "crate_types": t.crate_types,
        "name": t.name,
        "src_path": t.src_path,
        "edition": t.edition,
        "doc": t.doc,
        "doctest": t.doctest,
        "test": t.test,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(line: usize, column: usize, end_line: usize, end_column: usize) -> Region {
        Region {
            line,
            column,
            end_line,
            end_column,
            ..Region::default()
        }
    }

    #[test]
    fn span_lines_cover_each_line_of_the_region() {
        let text = "\u{feff}fn a() {\r\n    é(1,\n      2);\n}\n";
        let lines = span_lines(text, &region(2, 5, 3, 9));
        assert_eq!(
            lines,
            vec![
                json!({ "text": "    é(1,", "highlight_start": 5, "highlight_end": 9 }),
                json!({ "text": "      2);", "highlight_start": 1, "highlight_end": 9 }),
            ]
        );
        let first = span_lines(text, &region(1, 1, 1, 3));
        assert_eq!(first[0]["text"], "fn a() {");
        assert!(span_lines("", &region(4, 1, 4, 2)).is_empty());
    }
}
