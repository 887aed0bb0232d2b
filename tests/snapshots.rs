//! Snapshots of every output format on the sample project (insta).

use backlint::config::{LoadedOptions, Overrides, Settings};
use backlint::discover::Target;
use backlint::report::{self, Format, RenderContext};
use std::path::PathBuf;

fn render(format: Format) -> String {
    // The default rules and the sample project's checks: preview rules (none of them has met the
    // promotion bar yet), selected by code as `--extend-select` does.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let rules = ["BL101", "BL201", "BL401", "BL502", "BL601"];
    render_in(root, "fixtures/projects/shop", &rules, format, false)
}

/// The report of `path` (relative to `root`, the directory it is run from) with `rules`
/// selected besides the default ones.
fn render_in(root: PathBuf, path: &str, rules: &[&str], format: Format, show_all: bool) -> String {
    let extend = Overrides {
        extend_select: rules.iter().map(|r| r.to_string()).collect(),
        ..Default::default()
    };
    let settings = Settings::resolve(&LoadedOptions::default(), &extend)
        .unwrap()
        .with_jobs(2);
    let target = Target {
        paths: vec![PathBuf::from(path)],
        ..Target::default()
    };
    let report = backlint::check(&settings, &target, &root);
    let rules = settings.enabled_rules();
    let cx = RenderContext {
        rules: &rules,
        color: false,
        sarif_category: None,
        root,
        show_all,
    };
    let mut out = Vec::new();
    report::render(format, &report, &cx, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn human() {
    insta::assert_snapshot!(render(Format::Human));
}

#[test]
fn concise() {
    insta::assert_snapshot!(render(Format::Concise));
}

#[test]
fn json() {
    insta::assert_snapshot!(render(Format::Json));
}

#[test]
fn github() {
    insta::assert_snapshot!(render(Format::Github));
}

#[test]
fn sarif() {
    let sarif = render(Format::Sarif);
    // The rule help texts are the catalogue pages, checked elsewhere; keep the snapshot
    // about the structure and the results.
    let mut v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    for r in v["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        r["help"] = serde_json::json!("<rules page>");
        r["fullDescription"] = serde_json::json!("<rules page>");
    }
    v["runs"][0]["tool"]["driver"]["version"] = serde_json::json!("<version>");
    v["runs"][0]["tool"]["driver"]["semanticVersion"] = serde_json::json!("<version>");
    insta::assert_json_snapshot!(v);
}

#[test]
fn cargo_json() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let canonical = std::fs::canonicalize(&root).unwrap();
    let shop = canonical.join("fixtures/projects/shop");
    // Package ids and target paths are absolute: the snapshot has them under `[ROOT]`.
    let text = render(Format::CargoJson)
        .replace(
            &backlint::workspace::plain_package_id(&shop, "shop", "0.1.0"),
            "path+file://[ROOT]/fixtures/projects/shop#shop@0.1.0",
        )
        .replace(canonical.to_str().unwrap(), "[ROOT]")
        .replace(root.to_str().unwrap(), "[ROOT]");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    insta::assert_json_snapshot!(lines);
}

/// The root-cause fixture (`fixtures/projects/causes`), run from its directory as a user
/// would: one type's derived `Debug` and one payload type cause several findings each.
fn render_causes(format: Format, show_all: bool) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects/causes");
    render_in(root, ".", &["BL201", "BL301"], format, show_all)
}

#[test]
fn causes_human() {
    insta::assert_snapshot!(render_causes(Format::Human, false));
}

#[test]
fn causes_human_show_all() {
    insta::assert_snapshot!(render_causes(Format::Human, true));
}

#[test]
fn causes_concise() {
    insta::assert_snapshot!(render_causes(Format::Concise, false));
}

#[test]
fn causes_json() {
    insta::assert_snapshot!(render_causes(Format::Json, false));
}

#[test]
fn causes_github() {
    insta::assert_snapshot!(render_causes(Format::Github, false));
}

#[test]
fn causes_sarif() {
    let mut v: serde_json::Value =
        serde_json::from_str(&render_causes(Format::Sarif, false)).unwrap();
    // The rules are checked by the sample project's snapshot; keep this one about the
    // results, their related locations and causes.
    let results = v["runs"][0]["results"].take();
    insta::assert_json_snapshot!(results);
}

#[test]
fn causes_cargo_json() {
    let text = render_causes(Format::CargoJson, false);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let canonical = std::fs::canonicalize(&root).unwrap();
    // Only the diagnostics: the spans in the other file, and the help.
    let lines: Vec<serde_json::Value> = text
        .replace(canonical.to_str().unwrap(), "[ROOT]")
        .replace(root.to_str().unwrap(), "[ROOT]")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|mut l| l["message"].take())
        .filter(|m| !m.is_null())
        .map(|mut m| {
            m["rendered"] = serde_json::Value::Null;
            m
        })
        .collect();
    insta::assert_json_snapshot!(lines);
}
