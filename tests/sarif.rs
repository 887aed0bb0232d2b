//! SARIF for GitHub code scanning: alerts must follow the code across commits, so the
//! fingerprints of a finding stay identical when lines are inserted above it, and the
//! log carries what code scanning shows (rules with help and `helpUri`, the category).
//! (`.ci/run` also validates the SARIF of every fixture project with the SARIF
//! multitool's schema and GitHub ingestion rules.)

mod common;

use assert_cmd::Command;
use common::copy_tree;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The SARIF log of a run in `dir`, with the rules the sample project's findings come
/// from: preview rules (none of them has met the promotion bar yet), off by default; exact codes
/// select them.
fn sarif(dir: &Path, extra: &[&str]) -> Value {
    let out = Command::cargo_bin("backlint")
        .unwrap()
        .current_dir(dir)
        .args(["--format", "sarif", "--exit-zero"])
        .arg("--extend-select=BL101,BL201,BL401,BL502,BL601")
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Per result: (rule, uri, occurrence) → (fingerprints, start line).
fn results(log: &Value) -> BTreeMap<(String, String, usize), (Value, u64)> {
    let mut out = BTreeMap::new();
    for r in log["runs"][0]["results"].as_array().unwrap() {
        let loc = &r["locations"][0]["physicalLocation"];
        let base = (
            r["ruleId"].as_str().unwrap().to_string(),
            loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
        );
        let n = out
            .keys()
            .filter(|(a, b, _): &&(String, String, usize)| (a, b) == (&base.0, &base.1))
            .count();
        out.insert(
            (base.0, base.1, n),
            (
                r["partialFingerprints"].clone(),
                loc["region"]["startLine"].as_u64().unwrap(),
            ),
        );
    }
    out
}

#[test]
fn fingerprints_stay_identical_when_lines_are_inserted_above_findings() {
    let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects/shop");
    let d = tempfile::tempdir().unwrap();
    copy_tree(&shop, d.path());
    let before = results(&sarif(d.path(), &[]));
    assert!(before.len() >= 10, "{before:?}");
    let files: Vec<PathBuf> = before
        .keys()
        .map(|(_, uri, _)| d.path().join(uri))
        .collect();
    // New code at the top of every file with a finding: a doc comment, an import and
    // a whole function, as a later commit would add.
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let (head, rest) = match text.find("\nuse ") {
            Some(i) => text.split_at(i + 1),
            None => ("", text.as_str()),
        };
        let added = "// Added by a later change.\n\n#[allow(dead_code)]\nfn added_later() -> u32 {\n    41 + 1\n}\n\n";
        std::fs::write(f, format!("{head}{added}{rest}")).unwrap();
    }
    let after = results(&sarif(d.path(), &[]));
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (key, (prints, line)) in &before {
        let (prints_after, line_after) = &after[key];
        assert!(
            line_after > line,
            "{key:?} did not move: {line} → {line_after}"
        );
        assert_eq!(prints, prints_after, "{key:?}: fingerprints changed");
        assert!(prints["primaryLocationLineHash"].is_string(), "{prints}");
        assert!(prints["backlint/v1"].is_string(), "{prints}");
    }

    // Changing the flagged line itself gives the finding a new identity.
    let (_, uri, _) = before
        .keys()
        .find(|(r, _, _)| r == "BL101")
        .unwrap()
        .clone();
    let path = d.path().join(&uri);
    let text = std::fs::read_to_string(&path).unwrap();
    let line = before
        .iter()
        .find(|((r, u, _), _)| r == "BL101" && *u == uri)
        .map(|(_, (_, l))| *l as usize)
        .unwrap();
    let moved = line + 7;
    let mut lines: Vec<&str> = text.lines().collect();
    let edited = format!("{} // reviewed", lines[moved - 1]);
    lines[moved - 1] = &edited;
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let edited = results(&sarif(d.path(), &[]));
    let changed = edited
        .iter()
        .filter(|(k, v)| k.1 == uri && after.get(k).is_some_and(|a| a.0 != v.0))
        .count();
    assert!(
        changed >= 1,
        "editing line {moved} of {uri} changed no fingerprint"
    );
}

#[test]
fn rules_carry_help_and_links_and_the_category_is_settable() {
    let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects/shop");
    let log = sarif(&shop, &["--sarif-category", "backend/api"]);
    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    assert_eq!(run["automationDetails"]["id"], "backend/api/");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in rules {
        let id = r["id"].as_str().unwrap();
        assert_eq!(
            r["helpUri"].as_str().unwrap(),
            format!("https://github.com/backlint/backlint/blob/main/rules/{id}.md")
        );
        let page = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("rules/{id}.md")),
        )
        .unwrap();
        assert_eq!(r["help"]["markdown"].as_str().unwrap(), page);
        assert!(r["shortDescription"]["text"]
            .as_str()
            .is_some_and(|s| !s.is_empty()));
    }
    for res in run["results"].as_array().unwrap() {
        let loc = &res["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(loc["uriBaseId"], "%SRCROOT%");
        assert!(!loc["uri"].as_str().unwrap().starts_with('/'));
        let i = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], res["ruleId"]);
    }
    // The default category.
    let log = sarif(&shop, &[]);
    assert_eq!(log["runs"][0]["automationDetails"]["id"], "backlint/");
}
