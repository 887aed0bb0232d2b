//! Arbitrary bytes through the whole per-file pipeline, as if read from a file: UTF-8
//! decoding (BL001 for invalid UTF-8), BOM removal, parsing, every rule including the
//! preview ones, suppressions, fingerprints, the project pass, and the renderers.
//! Beyond "no panic", every finding must point inside the file and two runs must agree.

#![no_main]

use backlint::config::Settings;
use backlint::report::{self, Format, RenderContext};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn settings() -> &'static Settings {
    static S: OnceLock<Settings> = OnceLock::new();
    S.get_or_init(|| {
        let all: Vec<&'static str> = backlint::rules::all_meta().iter().map(|m| m.code).collect();
        Settings::default().with_rules(&all)
    })
}

/// The file the human renderer reads the snippets from.
fn scratch() -> &'static std::path::Path {
    static P: OnceLock<std::path::PathBuf> = OnceLock::new();
    P.get_or_init(|| std::env::temp_dir().join(format!("backlint-fuzz-{}.rs", std::process::id())))
}

fuzz_target!(|data: &[u8]| {
    let path = scratch();
    let display = path.to_string_lossy().into_owned();
    let findings = backlint::check_bytes(&display, data, settings());
    // Offsets are into the text as decoded (invalid sequences replaced), as the
    // renderers read it.
    let text = String::from_utf8_lossy(data);
    for f in &findings {
        if let Err(e) = f.region.validate(&text) {
            panic!("{}: {e}", f.code);
        }
        for l in &f.labels {
            if let Err(e) = l.region.validate(&text) {
                panic!("{} label: {e}", f.code);
            }
        }
    }
    assert_eq!(findings, backlint::check_bytes(&display, data, settings()));

    std::fs::write(path, data).unwrap();
    let report = backlint::Report {
        findings,
        ..Default::default()
    };
    let rules = backlint::rules::all_meta();
    let cx = RenderContext {
        rules: &rules,
        color: false,
        sarif_category: None,
        root: std::env::temp_dir(),
    };
    for format in [
        Format::Human,
        Format::Concise,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::CargoJson,
    ] {
        let mut out = Vec::new();
        report::render(format, &report, &cx, &mut out).unwrap();
    }
});
