//! Fixture harness: every `fixtures/rules/<CODE>/*.rs` file is analyzed with only that
//! rule (and BL001, so a fixture that does not parse fails loudly). Lines annotated
//! `//~ CODE` must carry a finding of CODE starting on that line; every other finding is
//! unexpected. `pass_*` files must have no annotation and no finding. `//~ CODE?` marks a
//! finding of the rule's preview sub-check (weak evidence, reported only with
//! `--preview`); the fixtures run with `--preview`, and a plain `//~ CODE` must be a
//! finding reported by default.

mod common;

use backlint::config::{LoadedOptions, Overrides, Settings};
use common::{annotations, fixture_dirs};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// BL003 reports backlint's own failures, which no code triggers in a correct build: its
/// fail fixtures are named `*_injected_fault.rs`, and the engine's test hook makes their
/// analysis panic. Set once, before any analysis, in each test that analyses fixtures.
fn arm_fault_hook() {
    static ARM: std::sync::Once = std::sync::Once::new();
    ARM.call_once(|| std::env::set_var("BACKLINT_INTERNAL_FAULT", "panic:_injected_fault.rs"));
}

/// How a finding is annotated: its code, with `?` for a preview sub-check's finding.
fn annotated(f: &backlint::finding::Finding) -> String {
    if f.preview {
        format!("{}?", f.code)
    } else {
        f.code.to_string()
    }
}

fn check_file(path: &Path, code: &'static str) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let expected = annotations(&text);
    if name.starts_with("pass_") && !expected.is_empty() {
        return Err(format!(
            "{name}: pass fixtures must not carry `//~` annotations"
        ));
    }
    if name.starts_with("fail_") && expected.is_empty() {
        return Err(format!(
            "{name}: fail fixtures need at least one `//~ {code}` annotation"
        ));
    }
    // BL002 needs the rules that suppressions name to be enabled: every rule, as with
    // `--preview` (the fixtures' suppressions name preview rules); other findings are then
    // not compared.
    let settings = if code == "BL002" {
        let preview = Overrides {
            preview: true,
            ..Default::default()
        };
        Settings::resolve(&LoadedOptions::default(), &preview).unwrap()
    } else {
        let mut rules = vec![code];
        if code != "BL001" {
            rules.push("BL001");
        }
        Settings::default().with_rules(&rules)
    }
    .with_preview(true);
    let findings: Vec<_> = backlint::check_source(&name, &text, &settings)
        .into_iter()
        .filter(|f| f.code == code || f.code == "BL001")
        .collect();
    let actual: BTreeSet<(usize, String)> = findings
        .iter()
        .map(|f| (f.region.line, annotated(f)))
        .collect();
    if actual == expected {
        return Ok(expected.len());
    }
    let mut msg = format!("{}:\n", path.display());
    for (line, c) in expected.difference(&actual) {
        msg += &format!(
            "  missing    {name}:{line}: {c}\n      | {}\n",
            text.lines().nth(line - 1).unwrap_or("").trim()
        );
    }
    for (line, c) in actual.difference(&expected) {
        let f = findings
            .iter()
            .find(|f| f.region.line == *line && annotated(f) == *c)
            .unwrap();
        msg += &format!(
            "  unexpected {name}:{line}: {c} {}\n      | {}\n",
            f.message,
            text.lines().nth(line - 1).unwrap_or("").trim()
        );
    }
    Err(msg)
}

#[test]
fn rule_fixtures_match_annotations() {
    arm_fault_hook();
    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in fixture_dirs("rules") {
        let code_name = dir.file_name().unwrap().to_string_lossy().to_string();
        let Some(meta) = backlint::rules::lookup(&code_name) else {
            failures.push(format!("{}: no rule {code_name}", dir.display()));
            continue;
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .collect();
        files.sort();
        for f in files {
            checked += 1;
            if let Err(e) = check_file(&f, meta.code) {
                failures.push(e);
            }
        }
    }
    assert!(checked > 0, "no fixtures found");
    assert!(
        failures.is_empty(),
        "{} fixture file(s) disagree with their annotations:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Line and 1-based code-point column of byte offset `at` in `text`.
fn line_column(text: &str, at: usize) -> Option<(usize, usize)> {
    let before = text.get(..at)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Some((
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    ))
}

/// The byte offsets of every finding and label (what editors and `human` use) point at
/// the same places as its lines and columns, in every rule fixture.
#[test]
fn byte_offsets_agree_with_lines_and_columns() {
    arm_fault_hook();
    let mut failures = Vec::new();
    let mut regions = 0;
    // Every rule, preview ones and preview sub-checks included.
    let codes: Vec<&str> = backlint::rules::all_meta().iter().map(|m| m.code).collect();
    let all = Settings::default().with_rules(&codes).with_preview(true);
    for dir in fixture_dirs("rules") {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.display().to_string();
            for f in backlint::check_source(&name, &text, &all) {
                let labels = f.labels.iter().map(|l| (&l.region, l.message.as_str()));
                for (r, what) in std::iter::once((&f.region, f.code)).chain(labels) {
                    regions += 1;
                    let start = line_column(&text, r.byte_start);
                    let end = line_column(&text, r.byte_end);
                    if start != Some((r.line, r.column)) || end != Some((r.end_line, r.end_column))
                    {
                        failures.push(format!(
                            "{name}:{}:{}-{}:{} ({what}): bytes {}..{} are at {start:?}-{end:?}",
                            r.line, r.column, r.end_line, r.end_column, r.byte_start, r.byte_end
                        ));
                    }
                }
            }
        }
    }
    assert!(regions > 0, "no findings in the fixtures");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
