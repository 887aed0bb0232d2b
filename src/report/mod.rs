//! Renderers, one per output format. Every renderer receives findings already sorted.

pub mod cargo_json;
pub mod concise;
pub mod escape;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::rules::RuleMeta;
use crate::Report;
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source snippets with labels and help (codespan-style)
    Human,
    /// One line per finding: `path:line:col: CODE [name] message`
    Concise,
    /// A JSON array of findings (stable, documented fields)
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers
    Sarif,
    /// GitHub Actions workflow commands (annotations on pull requests)
    Github,
    /// cargo's JSON messages (`--message-format json`; not a `--format` value)
    #[value(skip)]
    CargoJson,
}

/// What renderers need besides the findings.
pub struct RenderContext<'a> {
    pub rules: &'a [&'static RuleMeta],
    /// ANSI colours (in `cargo-json`: in the `rendered` texts).
    pub color: bool,
    /// `automationDetails.id` prefix for SARIF.
    pub sarif_category: Option<String>,
    /// The directory paths are relative to.
    pub root: std::path::PathBuf,
    /// `human`/`concise`: every finding of a shared cause, not only the first few.
    pub show_all: bool,
}

/// How many findings of a shared cause `human` and `concise` list without `--show-all`.
pub const SHOWN_PER_CAUSE: usize = 3;

/// How many of a cause's `n` findings are listed.
pub(crate) fn shown_per_cause(n: usize, cx: &RenderContext<'_>) -> usize {
    if cx.show_all {
        n
    } else {
        n.min(SHOWN_PER_CAUSE)
    }
}

pub fn render(
    format: Format,
    report: &Report,
    cx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, cx, out),
        Format::Concise => concise::render(report, cx, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, cx, out),
        Format::Github => github::render(report, out),
        Format::CargoJson => cargo_json::render(report, cx, out),
    }
}

/// `--statistics`: findings per rule, most frequent first.
pub fn statistics(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut counts: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
    let mut groups: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
    for f in &report.findings {
        *counts.entry((f.code, f.rule)).or_default() += 1;
        if let Some(g) = &f.group {
            *groups.entry((f.code, g)).or_default() += 1;
        }
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for ((code, rule), n) in &rows {
        writeln!(out, "{n:>6}  {code}  {rule}")?;
        // Kinds within the rule (BL401: per pair of layers), most frequent first.
        let mut sub: Vec<_> = groups.iter().filter(|((c, _), _)| c == code).collect();
        sub.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for ((_, g), k) in sub {
            writeln!(out, "{k:>14}  {g}")?;
        }
    }
    let total: usize = rows.iter().map(|r| r.1).sum();
    writeln!(out, "{total:>6}  total in {} files", report.files)
}

/// Reads a file for rendering snippets/hashes; unreadable files render without source.
pub(crate) fn read_source(path: &str, root: &std::path::Path) -> String {
    let p = std::path::Path::new(path);
    let p = if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    };
    std::fs::read(&p)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// The catalogue as a Markdown table (the README's rule table is generated from this).
pub fn rule_table_markdown() -> String {
    let mut s = String::from("| code | name | category | severity | status | what it flags |\n|---|---|---|---|---|---|\n");
    for m in crate::rules::all_meta() {
        s += &format!(
            "| [{code}](rules/{code}.md) | `{}` | {} | {} | {} | {} |\n",
            m.name,
            m.category.as_str(),
            m.severity.as_str(),
            m.status.as_str(),
            m.summary.replace('|', "\\|"),
            code = m.code,
        );
    }
    s
}
