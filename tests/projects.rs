//! Project harness: every `fixtures/projects/<name>/` whose sources carry `//~ CODE`
//! annotations is analyzed as a whole (discovery, per-file pass, project index) with the
//! annotated rules and BL001 enabled. Annotated lines must carry a finding of that code
//! starting on that line; every other finding of those rules is unexpected. Projects
//! without annotations (the sample `shop`) are checked by the CLI tests instead.

mod common;

use backlint::config::Settings;
use backlint::discover::Target;
use common::{annotations, fixture_dirs};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `(relative path, line, code)` of every `//~ CODE` annotation in the project.
fn project_annotations(dir: &Path) -> BTreeSet<(String, usize, String)> {
    let files = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build()
        .filter_map(Result::ok)
        .map(ignore::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|e| e == "rs"));
    let mut out = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let rel = f
            .strip_prefix(dir)
            .unwrap_or(&f)
            .to_string_lossy()
            .replace('\\', "/");
        for (line, code) in annotations(&text) {
            out.insert((rel.clone(), line, code));
        }
    }
    out
}

/// Codes listed in the project's `EXPECT` file: checked even where nothing is annotated
/// (a project that must stay silent for them).
fn expect_file(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("EXPECT"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

fn check_project(dir: &Path) -> Result<usize, String> {
    let expected = project_annotations(dir);
    let listed = expect_file(dir);
    if expected.is_empty() && listed.is_empty() {
        return Ok(0);
    }
    let mut codes: Vec<&'static str> = backlint::rules::all_meta()
        .into_iter()
        .map(|m| m.code)
        .filter(|c| {
            *c == "BL001"
                || expected
                    .iter()
                    .any(|(_, _, e)| e.trim_end_matches('?') == *c)
                || listed.iter().any(|e| e == c)
        })
        .collect();
    codes.sort_unstable();
    // The project's own configuration (`backlint.toml`), if it has one.
    let config = dir.join("backlint.toml");
    let loaded = if config.is_file() {
        backlint::config::load_file(&config).map_err(|e| format!("{}: {e}", dir.display()))?
    } else {
        backlint::config::LoadedOptions::default()
    };
    let settings = Settings::resolve(&loaded, &Default::default())
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .with_rules(&codes)
        .with_preview(true);
    let target = Target {
        paths: vec![PathBuf::from(".")],
        ..Target::default()
    };
    let report = backlint::check(&settings, &target, dir);
    if !report.errors.is_empty() {
        return Err(format!("{}: errors {:?}", dir.display(), report.errors));
    }
    let actual: BTreeSet<(String, usize, String)> = report
        .findings
        .iter()
        .filter(|f| codes.contains(&f.code))
        .map(|f| {
            (
                f.path.trim_start_matches("./").to_string(),
                f.region.line,
                // `//~ CODE?`: a preview sub-check's finding.
                format!("{}{}", f.code, if f.preview { "?" } else { "" }),
            )
        })
        .collect();
    if actual == expected {
        return Ok(expected.len().max(1));
    }
    let mut msg = format!("{}:\n", dir.display());
    for (p, line, c) in expected.difference(&actual) {
        msg += &format!("  missing    {p}:{line}: {c}\n");
    }
    for (p, line, c) in actual.difference(&expected) {
        let f = report
            .findings
            .iter()
            .find(|f| f.path.trim_start_matches("./") == p && f.region.line == *line)
            .map(|f| f.message.clone())
            .unwrap_or_default();
        msg += &format!("  unexpected {p}:{line}: {c} {f}\n");
    }
    Err(msg)
}

#[test]
fn annotated_projects_match_their_findings() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in fixture_dirs("projects") {
        match check_project(&dir) {
            Ok(n) => checked += n,
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(checked > 0, "no annotated project was checked");
}
