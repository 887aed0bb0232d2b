//! Snapshots of every output format on the sample project (insta).

use backlint::config::{LoadedOptions, Overrides, Settings};
use backlint::discover::Target;
use backlint::report::{self, Format, RenderContext};
use std::path::PathBuf;

fn render(format: Format) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // The default rules and the sample project's checks: preview rules (none has met the
    // promotion bar yet), selected by code as `--extend-select` does.
    let extend = Overrides {
        extend_select: ["BL101", "BL201", "BL401", "BL502", "BL601"]
            .map(String::from)
            .to_vec(),
        ..Default::default()
    };
    let settings = Settings::resolve(&LoadedOptions::default(), &extend)
        .unwrap()
        .with_jobs(2);
    let target = Target {
        paths: vec![PathBuf::from("fixtures/projects/shop")],
        ..Target::default()
    };
    let report = backlint::check(&settings, &target, &root);
    let rules = settings.enabled_rules();
    let cx = RenderContext {
        rules: &rules,
        color: false,
        sarif_category: None,
        root,
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
