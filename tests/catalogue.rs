//! Meta-tests of the rule catalogue: unique codes, complete pages whose examples
//! trigger their rule, fixtures for every rule, and the README's generated table.

use backlint::config::Settings;
use backlint::rules::{all_meta, Category};
use std::collections::HashSet;
use std::path::Path;

const SECTIONS: &[&str] = &[
    "What it flags",
    "Why it matters",
    "Example",
    "How to fix",
    "Configuration",
    "References",
];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The first ```rust block after `## {section}`.
fn first_rust_block(doc: &str, section: &str) -> Option<String> {
    let start = doc.find(&format!("\n## {section}\n"))?;
    let rest = &doc[start..];
    let end = rest[4..].find("\n## ").map_or(rest.len(), |e| e + 4);
    let body = &rest[..end];
    let open = body.find("```rust\n")? + "```rust\n".len();
    let close = body[open..].find("```")?;
    Some(body[open..open + close].to_string())
}

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    let all = all_meta();
    let codes: HashSet<_> = all.iter().map(|m| m.code).collect();
    let names: HashSet<_> = all.iter().map(|m| m.name).collect();
    assert_eq!(codes.len(), all.len(), "duplicate rule codes");
    assert_eq!(names.len(), all.len(), "duplicate rule names");
    for m in &all {
        assert!(
            m.code.len() == 5
                && m.code.starts_with("BL")
                && m.code[2..].chars().all(|c| c.is_ascii_digit()),
            "{}: code must be BLnnn",
            m.code
        );
        assert!(
            m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}: name must be kebab-case",
            m.code
        );
        let expected = match &m.code[2..3] {
            "0" => Category::Meta,
            "1" => Category::Injection,
            "2" => Category::Secrets,
            "3" => Category::Input,
            "4" => Category::Architecture,
            "5" => Category::SecurityConfig,
            "6" => Category::Resilience,
            _ => Category::ErrorHandling,
        };
        assert_eq!(
            m.category, expected,
            "{}: category does not match its code",
            m.code
        );
        assert!(!m.summary.is_empty());
    }
}

#[test]
fn every_rule_page_has_the_required_sections_in_order() {
    for m in all_meta() {
        let doc = m.doc;
        let title = format!("# {} `{}`", m.code, m.name);
        assert!(
            doc.starts_with(&title),
            "rules/{}.md must start with `{title}`",
            m.code
        );
        let mut last = 0;
        for s in SECTIONS {
            let heading = format!("\n## {s}\n");
            let at = doc
                .find(&heading)
                .unwrap_or_else(|| panic!("rules/{}.md lacks section `## {s}`", m.code));
            assert!(at > last, "rules/{}.md: `## {s}` is out of order", m.code);
            last = at;
        }
        assert!(
            m.doc_section("References")
                .is_some_and(|r| r.contains("http")),
            "rules/{}.md: References needs links",
            m.code
        );
    }
}

#[test]
fn every_example_triggers_its_rule_and_every_fix_does_not() {
    // Every rule, preview rules included.
    let codes: Vec<&'static str> = all_meta().iter().map(|m| m.code).collect();
    let settings = Settings::default().with_rules(&codes).with_preview(true);
    // BL003 reports backlint's own failures, which no code triggers in a correct build:
    // its example is analysed under a name the engine's test hook makes panic on.
    std::env::set_var("BACKLINT_INTERNAL_FAULT", "panic:bl003_injected_fault.rs");
    for m in all_meta() {
        let example = first_rust_block(m.doc, "Example")
            .unwrap_or_else(|| panic!("rules/{}.md: Example needs a ```rust block", m.code));
        let name = if m.code == "BL003" {
            "bl003_injected_fault.rs"
        } else {
            "example.rs"
        };
        let findings = backlint::check_source(name, &example, &settings);
        assert!(
            findings.iter().any(|f| f.code == m.code),
            "rules/{}.md: the Example does not trigger {}; got {:?}",
            m.code,
            m.code,
            findings
                .iter()
                .map(|f| (f.code, &f.message))
                .collect::<Vec<_>>()
        );
        if m.code == "BL001" {
            continue;
        }
        if let Some(fix) = first_rust_block(m.doc, "How to fix") {
            let findings = backlint::check_source("fix.rs", &fix, &settings);
            assert!(
                !findings.iter().any(|f| f.code == m.code),
                "rules/{}.md: the How to fix code still triggers {}: {:?}",
                m.code,
                m.code,
                findings.iter().map(|f| &f.message).collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn every_rule_has_fail_and_pass_fixtures() {
    for m in all_meta() {
        let dir = repo().join("fixtures/rules").join(m.code);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("no fixtures/rules/{}/", m.code))
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("fail_")),
            "{}: no fail_ fixture",
            m.code
        );
        assert!(
            names.iter().any(|n| n.starts_with("pass_")),
            "{}: no pass_ fixture",
            m.code
        );
    }
}

/// The number of `//~ CODE` annotations in fail fixtures and of functions in pass
/// fixtures of a rule.
fn case_counts(code: &str) -> (usize, usize) {
    let dir = repo().join("fixtures/rules").join(code);
    let mut fail = 0;
    let mut pass = 0;
    for e in std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(e.path()).unwrap();
        if name.starts_with("fail_") {
            fail += text.matches(&format!("//~ {code}")).count();
        } else if name.starts_with("pass_") {
            pass += text
                .lines()
                .filter(|l| {
                    l.trim_start().starts_with("fn ")
                        || l.trim_start().starts_with("async fn ")
                        || l.trim_start().starts_with("pub fn ")
                        || l.trim_start().starts_with("pub async fn ")
                })
                .count();
        }
    }
    (fail, pass)
}

#[test]
fn core_rules_have_broad_fixture_coverage() {
    for (code, min_fail, min_pass) in [("BL101", 40, 40), ("BL201", 60, 60)] {
        let (fail, pass) = case_counts(code);
        assert!(
            fail >= min_fail,
            "{code} has {fail} fail cases; at least {min_fail} are required"
        );
        assert!(
            pass >= min_pass,
            "{code} has {pass} pass cases; at least {min_pass} are required"
        );
    }
}

#[test]
fn readme_rule_table_is_generated_from_the_catalogue() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let table = backlint::report::rule_table_markdown();
    assert!(
        readme.contains(&table),
        "README.md's rule table is stale; regenerate it with `backlint list-rules --format markdown`:\n{table}"
    );
}
