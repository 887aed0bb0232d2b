//! `sarif`: SARIF 2.1.0 for GitHub code scanning. One run; every enabled rule with its
//! page as help; results with relative URIs under `%SRCROOT%`, code-point columns and
//! GitHub's `primaryLocationLineHash`.

use crate::finding::Severity;
use crate::fingerprint::line_hashes;
use crate::Report;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use super::RenderContext;

/// Where the rule pages live, for `helpUri`.
pub fn help_uri(code: &str) -> String {
    format!(
        "{}/blob/main/rules/{code}.md",
        env!("CARGO_PKG_REPOSITORY").trim_end_matches('/')
    )
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// The first paragraph of a rule page after its title.
fn full_description(doc: &str) -> String {
    doc.lines()
        .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn rule_json(m: &crate::rules::RuleMeta) -> Value {
    let mut tags: Vec<String> = Vec::new();
    if !m.cwe.is_empty() {
        tags.push("security".into());
    }
    tags.push(m.category.as_str().into());
    tags.extend(m.cwe.iter().map(|c| format!("external/cwe/cwe-{c}")));
    let mut props = json!({
        "tags": tags,
        "precision": m.precision.as_str(),
        "problem.severity": match m.severity { Severity::Error => "error", Severity::Warning => "warning", Severity::Note => "recommendation" },
    });
    if let Some(s) = m.security_severity() {
        props["security-severity"] = json!(s);
    }
    json!({
        "id": m.code,
        "name": m.name,
        "shortDescription": { "text": m.summary },
        "fullDescription": { "text": Some(full_description(m.doc)).filter(|d| !d.is_empty()).unwrap_or_else(|| m.summary.to_string()) },
        "help": { "text": m.doc, "markdown": m.doc },
        "helpUri": help_uri(m.code),
        "defaultConfiguration": { "level": level(m.severity) },
        "properties": props,
    })
}

/// A path relative to `root`, `/`-separated, with `..` where it lies outside.
fn relative_uri(path: &str, root: &Path) -> String {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    percent_encode(&crate::discover::relative_to(Path::new(path), &root))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn region(r: &crate::finding::Region) -> Value {
    json!({
        "startLine": r.line,
        "startColumn": r.column,
        "endLine": r.end_line,
        "endColumn": r.end_column,
    })
}

pub fn render(report: &Report, cx: &RenderContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<Value> = cx.rules.iter().map(|m| rule_json(m)).collect();
    let index: HashMap<&str, usize> = cx
        .rules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.code, i))
        .collect();
    let mut hashes: HashMap<&str, Vec<String>> = HashMap::new();
    let mut results = Vec::new();
    for f in &report.findings {
        let file_hashes = hashes
            .entry(f.path.as_str())
            .or_insert_with(|| line_hashes(&super::read_source(&f.path, &cx.root)));
        let uri = relative_uri(&f.path, &cx.root);
        let mut result = json!({
            "ruleId": f.code,
            "level": level(f.severity),
            "message": { "text": f.message },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": { "uri": uri, "uriBaseId": "%SRCROOT%" },
                    "region": region(&f.region),
                }
            }],
            "partialFingerprints": {
                "backlint/v1": crate::fingerprint::located_fingerprint(&f.fingerprint, &uri),
            },
        });
        if let Some(i) = index.get(f.code) {
            result["ruleIndex"] = json!(i);
        }
        // The root cause, for tools that group: its id, and the fix there.
        if let Some(c) = &f.cause {
            result["properties"] = json!({
                "cause": c.id,
                "causeMessage": c.message,
                "causeFix": c.fix,
            });
        }
        if let Some(h) = file_hashes.get(f.region.line.saturating_sub(1)) {
            result["partialFingerprints"]["primaryLocationLineHash"] = json!(h);
        }
        if !f.labels.is_empty() {
            result["relatedLocations"] = f
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let uri = match &l.path {
                        Some(p) => relative_uri(p, &cx.root),
                        None => uri.clone(),
                    };
                    json!({
                        "id": i + 1,
                        "message": { "text": l.message },
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri, "uriBaseId": "%SRCROOT%" },
                            "region": region(&l.region),
                        }
                    })
                })
                .collect();
        }
        results.push(result);
    }
    let category = cx
        .sarif_category
        .clone()
        .unwrap_or_else(|| "backlint".into());
    let category = if category.ends_with('/') {
        category
    } else {
        format!("{category}/")
    };
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "backlint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": rules,
                }
            },
            "automationDetails": { "id": category },
            "results": results,
            "columnKind": "unicodeCodePoints",
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(relative_uri("src/a b.rs", Path::new("/w")), "src/a%20b.rs");
        assert_eq!(
            relative_uri("/w/x/src/a.rs", Path::new("/w/y")),
            "../x/src/a.rs"
        );
    }
}
