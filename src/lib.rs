//! backlint: a static-analysis linter for Rust backend code.
//!
//! The pipeline: [`discover`] the files of a workspace or of the given paths, [`engine`]
//! parses and walks each once in parallel dispatching to the [`rules`], suppressions and
//! fingerprints are applied, and a [`report`] renderer prints the sorted findings.

pub mod alloc;
pub mod baseline;
pub mod cache;
pub mod cli;
pub mod config;
pub mod diff;
pub mod discover;
pub mod engine;
pub mod finding;
pub mod fingerprint;
pub mod init;
pub mod manifest;
pub mod model;
pub mod progress;
pub mod report;
pub mod rules;
pub mod worker;
pub mod workspace;

use config::Settings;
use discover::Target;
use engine::cx::FileMeta;
use engine::FileError;
use finding::Finding;
use std::path::Path;

/// The outcome of a run.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Files that could not be analyzed (exit code 2).
    pub errors: Vec<FileError>,
    pub warnings: Vec<String>,
    /// Number of files analyzed.
    pub files: usize,
    /// The layers BL401 found (configured or inferred), when it ran: one map per
    /// configuration the run used. None for a configuration whose stored project-pass
    /// result the cache reused (see [`cache::Cache::keep_layer_maps`]).
    pub layers: Vec<engine::layers::LayerMap>,
    /// The package and target of each analysed file (for `--message-format json`).
    pub crates: workspace::CrateMap,
}

impl Report {
    /// One report of several runs (inputs with different configurations), sorted as one.
    pub fn merge(reports: Vec<Report>) -> Report {
        let mut out = Report::default();
        for r in reports {
            out.findings.extend(r.findings);
            out.errors.extend(r.errors);
            out.warnings.extend(r.warnings);
            out.files += r.files;
            out.layers.extend(r.layers);
            out.crates.extend(r.crates);
        }
        out.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        out.findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
        out.errors.sort_by(|a, b| a.display.cmp(&b.display));
        out.warnings.dedup();
        out
    }
}

/// Discovers and analyzes the files of `target` (paths relative to `cwd`).
pub fn check(settings: &Settings, target: &Target, cwd: &Path) -> Report {
    check_with(settings, target, cwd, &progress::Progress::hidden(), None)
}

/// [`check`], showing its progress on `progress`, and reusing the per-file results of
/// `cache` where nothing they depend on changed (recording the new ones there): the
/// report is the same as without it.
pub fn check_with(
    settings: &Settings,
    target: &Target,
    cwd: &Path,
    progress: &progress::Progress,
    cache: Option<&cache::Cache>,
) -> Report {
    progress.finding();
    let d = discover::discover_with(target, settings, cwd, cache);
    let analysis = engine::analyze_with(&d.jobs, settings, progress, cache);
    let mut errors = d.errors;
    errors.extend(analysis.errors);
    let mut warnings = d.warnings;
    // A configured layer that matches nothing is a typo, unless only some files were
    // given (a pre-commit run on the changed files).
    let partial = target.paths.iter().any(|p| cwd.join(p).is_file());
    if !partial {
        warnings.extend(analysis.warnings);
    }
    let mut findings = analysis.findings;
    engine::causes::annotate(&mut findings);
    Report {
        findings,
        errors,
        warnings,
        files: analysis.files,
        layers: analysis.layers.into_iter().collect(),
        crates: d.crates,
    }
}

/// Analyzes one in-memory file (used by tests and the catalogue's examples). A panic of
/// the analysis becomes the file's `BL003 internal-error` finding (and is propagated
/// when BL003 is not enabled: there is nowhere else to report it).
pub fn check_source(display: &str, text: &str, settings: &Settings) -> Vec<Finding> {
    match analyze_one(display, text.as_bytes(), settings) {
        Ok(findings) => findings,
        Err(panic) if engine::contain::reported(settings, display) => {
            let what = format!(
                "the analysis panicked ({})",
                engine::contain::panic_message(&*panic)
            );
            vec![engine::contain::internal_error(display, text, &what)]
        }
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Analyzes one file's raw contents as if read from disk (invalid UTF-8 included), with
/// the project pass of a workspace holding only this file. A panic of the analysis is
/// propagated to the caller (the fuzz target and the tests want to see it).
pub fn check_bytes(display: &str, bytes: &[u8], settings: &Settings) -> Vec<Finding> {
    analyze_one(display, bytes, settings).unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// [`check_bytes`], with a panic returned.
fn analyze_one(
    display: &str,
    bytes: &[u8],
    settings: &Settings,
) -> std::thread::Result<Vec<Finding>> {
    let rules = engine::walking_rules(settings);
    let bytes = bytes.to_vec();
    let meta = FileMeta {
        krate: None,
        module: vec!["crate".into()],
        test: false,
        cli: false,
        tool: false,
        build_script: false,
        path_layer: None,
    };
    let run = move || {
        let out = engine::analyze_bytes(display, bytes, &meta, settings, &rules);
        let mut findings = out.findings;
        // Without a workspace, the file itself is the project.
        let bounded = out.bounded_types.into_iter().collect();
        let index = engine::index::ProjectIndex::new(vec![out.index], &settings.secrets);
        let layers = engine::layers::LayerMap::new(vec![out.layers], settings);
        let taint = engine::taint::project::TaintIndex::new(out.taint);
        findings.extend(out.deferred.into_iter().filter_map(|d| {
            let project = engine::Project {
                bounded: &bounded,
                index: &index,
                layer_map: &layers,
                taint: Some(&taint),
                rate_limited: out.rate_limited,
                panics_caught: out.panics_caught,
            };
            engine::settle(d, &project, settings).filter(|f| settings.reports(f))
        }));
        engine::causes::suppress_at_causes(&mut findings, out.cause_allows);
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        engine::drop_outranked(&mut findings);
        findings
    };
    std::thread::scope(|s| {
        match std::thread::Builder::new()
            .stack_size(engine::STACK_SIZE)
            .spawn_scoped(s, run)
        {
            Ok(h) => h.join(),
            // The system refused the thread: no stack to analyze on safely.
            Err(_) => Ok(Vec::new()),
        }
    })
}
