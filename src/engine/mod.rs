//! The analysis engine: parse every file in parallel, walk each once dispatching to the
//! rules, then apply suppressions and produce a deterministic list of findings.

pub mod facts;
pub mod flow;
pub mod macros;
pub mod pattern;
pub mod scope;
pub mod source;
pub mod suppress;
pub mod usemap;
pub mod walk;

use crate::config::Settings;
use crate::finding::Finding;
use crate::fingerprint::finding_fingerprint;
use crate::rules::meta::parse_error::PARSE_ERROR;
use crate::rules::Rule;
use rayon::prelude::*;
use source::SourceFile;
use std::path::PathBuf;
use walk::{FileMeta, MacroCache, Walker};

/// Stack size of the analysis threads: deeply nested code recurses deeply in the parser
/// and the walker. The memory is reserved, not committed, until used.
pub const STACK_SIZE: usize = 1 << 30;

/// One file to analyze.
#[derive(Debug, Clone)]
pub struct SourceJob {
    pub path: PathBuf,
    /// Path shown in reports.
    pub display: String,
    pub meta: FileMeta,
}

/// A problem that prevented analysing a file (reported on stderr, exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub display: String,
    pub message: String,
}

/// The result of analysing a set of files.
#[derive(Debug, Default)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub errors: Vec<FileError>,
    pub files: usize,
}

/// Analyzes the files in parallel with `settings.jobs` threads.
pub fn analyze(jobs: &[SourceJob], settings: &Settings) -> Analysis {
    let rules: Vec<&dyn Rule> = crate::rules::checks()
        .iter()
        .copied()
        .filter(|r| settings.is_enabled(r.meta().code))
        .collect();
    let run = || -> Vec<Result<Vec<Finding>, FileError>> {
        jobs.par_iter()
            .map(|job| analyze_job(job, settings, &rules))
            .collect()
    };
    let results = match rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs)
        .stack_size(STACK_SIZE)
        .build()
    {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    };
    let mut out = Analysis {
        files: jobs.len(),
        ..Analysis::default()
    };
    for r in results {
        match r {
            Ok(f) => out.findings.extend(f),
            Err(e) => out.errors.push(e),
        }
    }
    out.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out.findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
    out.errors.sort_by(|a, b| a.display.cmp(&b.display));
    out
}

fn analyze_job(
    job: &SourceJob,
    settings: &Settings,
    rules: &[&dyn Rule],
) -> Result<Vec<Finding>, FileError> {
    let bytes = std::fs::read(&job.path).map_err(|e| FileError {
        display: job.display.clone(),
        message: format!("cannot read file: {e}"),
    })?;
    Ok(analyze_bytes(
        &job.display,
        bytes,
        &job.meta,
        settings,
        rules,
    ))
}

/// Analyzes one file's contents. Never panics on any input.
pub fn analyze_bytes(
    display: &str,
    bytes: Vec<u8>,
    meta: &FileMeta,
    settings: &Settings,
    rules: &[&dyn Rule],
) -> Vec<Finding> {
    let (text, utf8_error) = match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            (String::from_utf8_lossy(&bytes).into_owned(), Some(valid))
        }
    };
    let src = SourceFile::new(display.to_string(), text);
    let mut findings = Vec::new();
    if let Some(valid) = utf8_error {
        if settings.is_enabled(PARSE_ERROR.code) {
            let line = src.text[..valid.min(src.text.len())].matches('\n').count() + 1;
            findings.push(parse_error(
                &src,
                src.line_region(line, 1),
                format!("file is not valid UTF-8 (invalid byte at offset {valid})"),
            ));
        }
    } else {
        findings = walk_source(&src, meta, settings, rules);
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    finish_file(&src, findings, settings)
}

fn parse_error(src: &SourceFile, region: crate::finding::Region, message: String) -> Finding {
    Finding {
        code: PARSE_ERROR.code,
        rule: PARSE_ERROR.name,
        severity: PARSE_ERROR.severity,
        message,
        path: src.display.clone(),
        region,
        labels: Vec::new(),
        help: Some("fix the syntax, or exclude the file with `exclude` in backlint.toml".into()),
        fingerprint: String::new(),
    }
}

fn walk_source(
    src: &SourceFile,
    meta: &FileMeta,
    settings: &Settings,
    rules: &[&dyn Rule],
) -> Vec<Finding> {
    let file = match syn::parse_file(&src.text) {
        Ok(f) => f,
        Err(e) => {
            if !settings.is_enabled(PARSE_ERROR.code) {
                return Vec::new();
            }
            let start = e.span().start();
            let region = src.line_region(start.line.max(1), start.column + 1);
            return vec![parse_error(src, region, format!("cannot parse file: {e}"))];
        }
    };
    if rules.is_empty() {
        return Vec::new();
    }
    let uses = usemap::UseMap::build(&file.items, &meta.module);
    let facts = facts::FileFacts::build(&file.items);
    let arena = typed_arena::Arena::new();
    let macros = MacroCache::new(&arena);
    let mut walker = Walker::new(src, meta, &uses, &facts, &macros, settings, rules);
    syn::visit::Visit::visit_file(&mut walker, &file);
    walker.cx.into_findings()
}

/// Applies per-file ignores and suppression comments, then fingerprints what remains.
fn finish_file(src: &SourceFile, mut findings: Vec<Finding>, settings: &Settings) -> Vec<Finding> {
    findings.retain(|f| !settings.is_ignored_for_file(&src.display, f.code));
    let mut allows = suppress::scan(src);
    let enabled =
        |code: &str| settings.is_enabled(code) && !settings.is_ignored_for_file(&src.display, code);
    let mut unused = suppress::apply(&mut findings, &mut allows, &src.display, &enabled);
    if enabled(crate::rules::meta::unused_allow::UNUSED_ALLOW.code) {
        findings.append(&mut unused);
    }
    let mut seen: std::collections::HashMap<(String, &'static str, String), usize> =
        std::collections::HashMap::new();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    for f in &mut findings {
        let line = src.line_text(f.region.line).to_string();
        let key = (
            line.split_whitespace().collect::<String>(),
            f.code,
            f.path.clone(),
        );
        let n = seen.entry(key).or_insert(0);
        *n += 1;
        f.fingerprint = finding_fingerprint(f.code, &f.path, &line, *n);
    }
    findings
}
