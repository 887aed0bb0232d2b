//! The analysis engine: parse every file in parallel, walk each once dispatching to the
//! rules, then apply suppressions and produce a deterministic list of findings.

pub mod builders;
pub mod calls;
pub mod causes;
pub mod contain;
pub mod cx;
pub mod depth;
pub mod facts;
pub mod flow;
pub mod handler;
pub mod health_probe;
pub mod index;
pub mod layers;
pub mod macros;
pub mod pattern;
pub mod requests;
pub mod resolve;
pub mod scope;
pub mod source;
pub mod suppress;
pub mod taint;
pub mod tree;
pub mod usemap;
pub mod validation;
pub mod walk;

use crate::config::Settings;
use crate::finding::Finding;
use crate::fingerprint::finding_fingerprint;
use crate::rules::architecture::layer_violation::{self, LAYER_VIOLATION};
use crate::rules::meta::parse_error::PARSE_ERROR;
use crate::rules::meta::unused_allow::UNUSED_ALLOW;
use crate::rules::security_config::missing_rate_limit::MISSING_RATE_LIMIT;
use crate::rules::Rule;
use cx::{Condition, Deferred, FileMeta, MacroCache};
use index::{FileIndex, ProjectIndex};
use rayon::prelude::*;
use source::SourceFile;
use std::path::PathBuf;
use walk::Walker;

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
    /// The file or path concerned; empty for a problem of the whole run.
    pub display: String,
    pub message: String,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.display.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.display, self.message)
        }
    }
}

/// What the per-file pass produces for one file.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FileOutput {
    pub findings: Vec<Finding>,
    /// Findings that stand unless types named in them are bounded in the workspace.
    pub deferred: Vec<Deferred>,
    /// Types of this file whose values are bounded (fieldless enums, numeric newtypes).
    pub bounded_types: Vec<String>,
    /// The file's contribution to the project index.
    pub index: FileIndex,
    /// The file's modules and re-exports, for the layer map.
    pub layers: layers::FileLayers,
    /// The file shows rate limiting (BL506).
    pub rate_limited: bool,
    /// The file installs a layer that turns a handler's panic into a response (BL701).
    pub panics_caught: bool,
    /// The file's functions, summarized for the taint engine.
    pub taint: Vec<taint::FnSummary>,
    /// Suppression comments that covered nothing in the file: each may be aimed at the
    /// root cause of findings elsewhere (a type's declaration), settled in the project
    /// pass.
    pub cause_allows: Vec<causes::CauseAllow>,
}

/// The result of analysing a set of files.
#[derive(Debug, Default)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub errors: Vec<FileError>,
    pub files: usize,
    /// The layer map, when BL401 ran (none when the cache gave the project pass's result).
    pub layers: Option<layers::LayerMap>,
    /// Configuration that matched nothing.
    pub warnings: Vec<String>,
}

/// Analyzes the files in parallel with `settings.jobs` threads, advancing `progress` as
/// each file is parsed and when the cross-file pass starts, and reusing and recording
/// per-file results in `cache`.
pub fn analyze_with(
    jobs: &[SourceJob],
    settings: &Settings,
    progress: &crate::progress::Progress,
    cache: Option<&crate::cache::Cache>,
) -> Analysis {
    progress.found(jobs.len());
    let mut settings = settings.clone();
    let mut crates: Vec<String> = jobs
        .iter()
        .filter_map(|j| j.meta.krate.as_deref())
        .map(index::crate_ident)
        .collect();
    crates.sort();
    crates.dedup();
    settings.workspace_crates = crates;
    let settings = &settings;
    let rules = walking_rules(settings);
    let context = cache.map(|c| (c, crate::cache::Context::new(settings)));
    let context = context.as_ref().map(|(c, cx)| (*c, cx));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs)
        .stack_size(STACK_SIZE)
        .build()
        .ok();
    // One file per task: files differ in cost by orders of magnitude, and rayon's default
    // split leaves a thread alone with a long run of them at the end.
    let first = || -> Vec<PerFile> {
        jobs.par_iter()
            .with_max_len(1)
            .map(|job| {
                let out = analyze_job_guarded(job, settings, &rules, context, true);
                progress.parsed();
                out
            })
            .collect()
    };
    let first = match &pool {
        Some(pool) => pool.install(first),
        None => first(),
    };
    // Every file's result known to the cache: the project pass's result may be too.
    let project_key = cache.and_then(|_| {
        let digests: Option<Vec<_>> = jobs
            .iter()
            .zip(&first)
            .map(|(job, r)| match r {
                PerFile::Stored(s, cx) => Some((job.display.as_str(), cx, &s.digest)),
                PerFile::Done(r, Some((cx, d))) if r.is_ok() => Some((job.display.as_str(), cx, d)),
                PerFile::Done(..) => None,
            })
            .collect();
        Some(crate::cache::Cache::project_key(settings, digests?))
    });
    let mut out = Analysis {
        files: jobs.len(),
        ..Analysis::default()
    };
    if let Some(stored) = cache.zip(project_key).and_then(|(c, k)| c.project(&k)) {
        progress.cross_file();
        out.findings = stored.findings;
        out.warnings = stored.warnings;
        return out;
    }
    // Else the stored results are decoded (in parallel), and the pass runs.
    let decode = || -> Vec<Result<FileOutput, FileError>> {
        jobs.par_iter()
            .zip(first)
            .with_max_len(1)
            .map(|(job, r)| match r {
                PerFile::Done(r, _) => *r,
                PerFile::Stored(s, _) => match cache.and_then(|c| c.decode(&s)) {
                    Some(out) => Ok(out),
                    // Damaged: analysed again, and stored anew.
                    None => {
                        analyze_job_guarded(job, settings, &rules, context, false).into_result()
                    }
                },
            })
            .collect()
    };
    let results = match &pool {
        Some(pool) => pool.install(decode),
        None => decode(),
    };
    progress.cross_file();
    let mut deferred = Vec::new();
    let mut bounded: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut indexes = Vec::new();
    let mut file_layers = Vec::new();
    let mut rate_limited = false;
    let mut panics_caught = false;
    let mut summaries = Vec::new();
    let mut cause_allows = Vec::new();
    for r in results {
        match r {
            Ok(f) => {
                cause_allows.extend(f.cause_allows);
                rate_limited |= f.rate_limited;
                panics_caught |= f.panics_caught;
                out.findings.extend(f.findings);
                deferred.extend(f.deferred);
                bounded.extend(f.bounded_types);
                indexes.push(f.index);
                file_layers.push(f.layers);
                summaries.extend(f.taint);
            }
            Err(e) => out.errors.push(e),
        }
    }
    // The index is merged only when a finding waits for it.
    let index = if deferred.iter().any(|d| {
        matches!(
            d.cond,
            Condition::IfDebugLeaks(_)
                | Condition::IfUnvalidated(_)
                | Condition::UnlessRedacted(_)
                | Condition::IfTainted(_)
                | Condition::UnlessAnyTainted(_)
                | Condition::UnlessFieldRequestsTimed(_)
        )
    }) {
        ProjectIndex::new(indexes, &settings.secrets)
    } else {
        ProjectIndex::default()
    };
    let taint = if deferred.iter().any(|d| {
        matches!(
            d.cond,
            Condition::IfTainted(_) | Condition::UnlessAnyTainted(_)
        )
    }) {
        Some(taint::project::TaintIndex::new(summaries))
    } else {
        None
    };
    let layers_on = settings.is_enabled(LAYER_VIOLATION.code);
    let mut layer_map = if layers_on {
        layers::LayerMap::new(file_layers, settings)
    } else {
        layers::LayerMap::default()
    };
    layer_map.judge_fit(deferred.iter().filter_map(|d| match &d.cond {
        Condition::IfLayerViolation(r) => Some(&**r),
        _ => None,
    }));
    let project = Project {
        bounded: &bounded,
        index: &index,
        layer_map: &layer_map,
        taint: taint.as_ref(),
        rate_limited,
        panics_caught,
    };
    out.findings.extend(
        deferred
            .into_iter()
            .filter_map(|d| settle(d, &project, settings))
            .filter(|f| settings.reports(f)),
    );
    causes::suppress_at_causes(&mut out.findings, cause_allows);
    if layers_on {
        out.warnings = std::mem::take(&mut layer_map.warnings);
        out.layers = Some(layer_map);
    }
    out.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out.findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
    drop_outranked(&mut out.findings);
    out.errors.sort_by(|a, b| a.display.cmp(&b.display));
    if let (Some(c), Some(key)) = (cache, project_key) {
        c.store_project(
            key,
            &crate::cache::ProjectOutput {
                findings: out.findings.clone(),
                warnings: out.warnings.clone(),
            },
        );
    }
    out
}

/// A file's result from the first phase of [`analyze_with`].
enum PerFile {
    /// Analysed (or failed), with its context and result digests when the cache stored
    /// the result.
    Done(
        Box<Result<FileOutput, FileError>>,
        Option<([u8; 32], [u8; 32])>,
    ),
    /// A stored result, not decoded yet, and the file's context digest.
    Stored(crate::cache::Reused, [u8; 32]),
}

impl PerFile {
    /// The result of a file analysed without reusing a stored one.
    fn into_result(self) -> Result<FileOutput, FileError> {
        match self {
            PerFile::Done(r, _) => *r,
            PerFile::Stored(..) => Ok(FileOutput::default()),
        }
    }
}

/// A taint finding (request data reaching the sink) outranks the same rule's other
/// finding at the same place (BL101: request-built SQL over merely non-constant SQL).
/// `findings` is sorted.
pub fn drop_outranked(findings: &mut Vec<Finding>) {
    let is_taint = |f: &Finding| f.message.starts_with(taint::project::MESSAGE_START);
    let tainted: std::collections::HashSet<(String, usize, &'static str)> = findings
        .iter()
        .filter(|f| is_taint(f))
        .map(|f| (f.path.clone(), f.region.line, f.code))
        .collect();
    if tainted.is_empty() {
        return;
    }
    // The outranked finding's labels (where the text was built) stay, on the taint one.
    let mut labels: std::collections::HashMap<
        (String, usize, &'static str),
        Vec<crate::finding::Label>,
    > = std::collections::HashMap::new();
    findings.retain(|f| {
        let key = (f.path.clone(), f.region.line, f.code);
        if is_taint(f) || !tainted.contains(&key) {
            return true;
        }
        labels
            .entry(key)
            .or_default()
            .extend(f.labels.iter().cloned());
        false
    });
    for f in findings.iter_mut() {
        if let Some(l) = labels.remove(&(f.path.clone(), f.region.line, f.code)) {
            if f.labels.is_empty() {
                f.labels = l;
            }
        }
    }
}

/// What the project pass knows once every file has been read.
pub struct Project<'p> {
    /// Types whose values are bounded (fieldless enums, numeric newtypes).
    pub bounded: &'p std::collections::HashSet<String>,
    pub index: &'p ProjectIndex,
    pub layer_map: &'p layers::LayerMap,
    /// Function summaries for the taint rules, when one waits for them.
    pub taint: Option<&'p taint::project::TaintIndex>,
    pub rate_limited: bool,
    pub panics_caught: bool,
}

/// Project pass: settles a finding that waited for the whole workspace.
pub fn settle(d: Deferred, project: &Project<'_>, settings: &Settings) -> Option<Finding> {
    let Project {
        bounded,
        index,
        layer_map,
        taint,
        rate_limited,
        panics_caught,
    } = *project;
    match d.cond {
        Condition::UnlessRateLimited => (!rate_limited).then_some(d.finding),
        // BL002 for a suppression that covers only taint findings: it stands when none of
        // them does.
        Condition::UnlessAnyTainted(flows) => {
            let stands = flows.iter().any(|flow| {
                taint::spec_of(flow.code)
                    .zip(taint)
                    .is_some_and(|(spec, t)| t.settle(flow, spec, index).is_some())
            });
            (!stands).then_some(d.finding)
        }
        Condition::IfTainted(flow) => {
            let spec = taint::spec_of(flow.code)?;
            let hit = taint?.settle(&flow, spec, index)?;
            let mut f = d.finding;
            f.message = match spec.follows {
                taint::SourceKind::Request => {
                    taint::project::describe(&hit, &flow.sink, spec, &f.path)
                }
                taint::SourceKind::Secret => {
                    taint::project::describe_secret(&hit, &f.message, &f.path)
                }
            };
            f.help = Some(spec.help.to_string());
            Some(f)
        }
        Condition::UnlessPanicsCaught => (!panics_caught).then_some(d.finding),
        Condition::UnlessFieldRequestsTimed(fields) => {
            let timed = fields.iter().all(|f| index.field_requests_timed(f));
            (!timed).then_some(d.finding)
        }
        Condition::IfLayerViolation(r) => {
            let w = layer_violation::describe(&layer_map.breach(&r)?);
            let mut f = d.finding;
            f.message = w.message;
            f.help = Some(w.help);
            f.group = Some(w.group);
            Some(f)
        }
        // Stands unless, for each of its opaque parts, one of the types it may have is
        // bounded somewhere in the workspace.
        Condition::UnlessBounded(types) => {
            let safe = types
                .iter()
                .all(|alts| alts.iter().any(|t| bounded.contains(t)));
            (!safe).then_some(d.finding)
        }
        Condition::UnlessRedacted(ty) => {
            let krate = match &ty.path_crate {
                Some(c) if !index.has_crate(c) => return Some(d.finding),
                Some(c) => Some(c.as_str()),
                None => ty.krate.as_deref(),
            };
            let redacted = ty.field.as_ref().is_some_and(|field| {
                index.field_types(&ty.name, field, krate).is_some_and(|ns| {
                    ns.iter().any(|n| {
                        index.redacts_type(n, &settings.secrets)
                            || crate::engine::index::type_is_not_secret(n)
                    })
                })
            });
            (!redacted).then_some(d.finding)
        }
        Condition::IfDebugLeaks(ty) => {
            // A type the workspace prints with a hand-written `Debug` (a redacting
            // wrapper, a struct leaving its secret out).
            let workspace_path = ty.path_crate.as_ref().is_none_or(|c| index.has_crate(c));
            if ty.field.is_none() && workspace_path && index.has_debug_impl(&ty.name) {
                return None;
            }
            // Shown with `Display`: a workspace type prints what its hand-written (or
            // derived) `Display` writes, which its derived `Debug` says nothing about.
            // (A crate that only re-exports the type defines none: the name decides.)
            if ty.display {
                let krate = ty.path_crate.as_deref().or(ty.krate.as_deref());
                let shown = match &ty.field {
                    None => vec![ty.name.clone()],
                    Some(field) => index
                        .field_types(&ty.name, field, krate)
                        .unwrap_or_default(),
                };
                if shown.iter().any(|n| index.has_type(n)) {
                    return None;
                }
            }
            // A secret-named value of a type the workspace does not define: its name
            // decides.
            let unknown = match &ty.path_crate {
                Some(c) => !index.has_crate(c),
                None => !index.has_type(&ty.name),
            };
            if unknown {
                let mut f = d.finding;
                f.preview |= ty.weak_if_unknown;
                return ty.stands_if_unknown.then_some(f);
            }
            // A type named through another crate's path is that crate's: unknown unless
            // the crate is in the workspace.
            let krate = match &ty.path_crate {
                Some(c) if !index.has_crate(c) => return None,
                Some(c) => Some(c.as_str()),
                None => ty.krate.as_deref(),
            };
            let (name, (reason, strong, at)) = match &ty.field {
                None => (
                    ty.name.clone(),
                    index.debug_leak_at(&ty.name, krate, &settings.secrets)?,
                ),
                Some(field) => index
                    .field_types(&ty.name, field, krate)?
                    .into_iter()
                    .find_map(|n| {
                        let r = index.debug_leak_at(&n, krate, &settings.secrets)?;
                        Some((n, r))
                    })?,
            };
            let mut f = d.finding;
            f.preview |= !strong;
            f.message = format!(
                "{}: `{name}` derives `Debug`, which prints its {reason}",
                f.message
            );
            causes::debug_leak(&mut f, &at);
            Some(f)
        }
        Condition::IfUnvalidated(check) => {
            // Given to a function that validates that parameter (one hop).
            if check.passed_to.iter().any(|c| index.validates(c)) {
                return None;
            }
            let mut f = d.finding;
            // Passed on only to workspace functions that look it up and pass it nowhere.
            let mut uses = check.uses.clone();
            if !uses.direct && !uses.via.is_empty() && uses.via.iter().all(|c| index.only_reads(c))
            {
                uses.whole_consumed = false;
                uses.consumed.clear();
            }
            let Some(ty) = &check.ty else {
                if check.validated {
                    return None;
                }
                return match uses.strength(None) {
                    validation::Strength::Strong => Some(f),
                    validation::Strength::Weak => Some(f.preview_only()),
                    validation::Strength::Nothing => None,
                };
            };
            let krate = match &check.path_crate {
                Some(c) if !index.has_crate(c) => return None,
                Some(c) => Some(c.as_str()),
                None => check.krate.as_deref(),
            };
            let verdict =
                index.payload_verdict(ty, krate, check.module.as_deref(), check.validated)?;
            // Never validated: by default only when unbounded input is passed on; an
            // unbounded field the handler never reads is weak evidence; one read only as
            // a key, a flag or a credential to verify is none.
            let mut verdict = verdict;
            if let index::PayloadVerdict::Unvalidated { fields, .. } = &mut verdict {
                let names = index.unbounded_field_names(ty, krate, check.module.as_deref());
                match uses.strength(names.as_deref()) {
                    validation::Strength::Strong => {
                        // Name the fields that are passed on, when they are known.
                        if !uses.whole_consumed {
                            if let Some(l) = index.unbounded_field_list(
                                ty,
                                krate,
                                check.module.as_deref(),
                                &uses.consumed,
                            ) {
                                *fields = l;
                            }
                        }
                    }
                    validation::Strength::Weak => f = f.preview_only(),
                    validation::Strength::Nothing => return None,
                }
            }
            f.message = (check.message)(&f.message, ty, &verdict);
            if let Some(site) = index.type_site(ty, krate, check.module.as_deref()) {
                causes::unvalidated_payload(&mut f, ty, site, &verdict);
            }
            Some(f)
        }
    }
}

/// The enabled rules with walker hooks.
pub fn walking_rules(settings: &Settings) -> Vec<&'static dyn Rule> {
    crate::rules::checks()
        .iter()
        .copied()
        .filter(|r| r.walks() && settings.is_enabled(r.meta().code))
        .collect()
}

/// [`analyze_job`], contained: a panic (a bug) becomes the file's `BL003 internal-error`
/// finding (or, with BL003 off, its error) rather than ending the run and losing every
/// other file's findings. In a worker process the file is also recorded in the flight
/// log while it is analysed, and a file that brought an earlier worker down is reported
/// without being analysed (see [`contain`]).
fn analyze_job_guarded(
    job: &SourceJob,
    settings: &Settings,
    rules: &[&dyn Rule],
    cache: Option<(&crate::cache::Cache, &crate::cache::Context)>,
    reuse: bool,
) -> PerFile {
    let done = |r| PerFile::Done(Box::new(r), None);
    match contain::before(&job.display) {
        contain::Before::Analyse => {}
        contain::Before::Ignore => return done(Ok(FileOutput::default())),
        contain::Before::Failed(what) => return done(internal_error(job, settings, what)),
    }
    // A result stored for this file in this context: used without reading the file
    // while its size and modification time are those it was stored with.
    let keyed = cache.map(|(c, cx)| {
        let ignored = settings.ignored_for_file(&job.display);
        let context = cx.digest(&job.display, &job.meta, &ignored);
        let stamp = crate::cache::stamp(&job.path);
        (c, job.path.to_string_lossy(), context, stamp)
    });
    if let Some((c, path, context, stamp)) = keyed.as_ref().filter(|_| reuse) {
        if let Some(stored) = c.lookup_unchanged(path, *stamp, context) {
            contain::after(&job.display);
            return PerFile::Stored(stored, *context);
        }
    }
    let bytes = match std::fs::read(&job.path) {
        Ok(b) => b,
        Err(e) => {
            contain::after(&job.display);
            return done(Err(FileError {
                display: job.display.clone(),
                message: format!("cannot read file: {e}"),
            }));
        }
    };
    // Else one stored for these contents.
    let mut store = None;
    if let Some((c, path, context, stamp)) = keyed {
        let found = match reuse {
            true => c.lookup(&path, &bytes, stamp, context),
            false => crate::cache::Lookup::Miss {
                content: crate::cache::Cache::content_digest(&bytes),
                context,
            },
        };
        match found {
            crate::cache::Lookup::Hit(stored) => {
                contain::after(&job.display);
                return PerFile::Stored(stored, context);
            }
            crate::cache::Lookup::Miss { content, context } => {
                store = Some((c, path.into_owned(), content, context, stamp))
            }
        }
    }
    let run = std::panic::AssertUnwindSafe(|| {
        Ok(analyze_bytes(
            &job.display,
            bytes,
            &job.meta,
            settings,
            rules,
        ))
    });
    let result = std::panic::catch_unwind(run).unwrap_or_else(|panic| {
        proc_macro2::extra::invalidate_current_thread_spans();
        let what = format!(
            "the analysis panicked ({})",
            contain::panic_message(&*panic)
        );
        internal_error(job, settings, &what)
    });
    contain::after(&job.display);
    // An internal error is not stored: the next run tries the file again.
    let mut digests = None;
    if let (Some((c, path, content, context, stamp)), Ok(out)) = (store, &result) {
        if !out
            .findings
            .iter()
            .any(|f| f.code == crate::rules::meta::internal_error::INTERNAL_ERROR.code)
        {
            digests = c
                .store(&path, content, context, stamp, out)
                .map(|d| (context, d));
        }
    }
    PerFile::Done(Box::new(result), digests)
}

/// The output of a file whose analysis failed: its BL003 finding, or its error when BL003
/// is not reported for it.
fn internal_error(
    job: &SourceJob,
    settings: &Settings,
    what: &str,
) -> Result<FileOutput, FileError> {
    if !contain::reported(settings, &job.display) {
        return Err(FileError {
            display: job.display.clone(),
            message: format!(
                "internal error: {what} while analysing this file; please report it, with the file, at {}",
                contain::issues_url()
            ),
        });
    }
    // Read again for the finding's line: reading is not what failed.
    let text = std::fs::read(&job.path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    Ok(FileOutput {
        findings: vec![contain::internal_error(&job.display, &text, what)],
        ..FileOutput::default()
    })
}

/// Analyzes one file's contents. Never panics on any input.
pub fn analyze_bytes(
    display: &str,
    bytes: Vec<u8>,
    meta: &FileMeta,
    settings: &Settings,
    rules: &[&dyn Rule],
) -> FileOutput {
    contain::fault_hook(display);
    let (text, utf8_error) = match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            (String::from_utf8_lossy(&bytes).into_owned(), Some(valid))
        }
    };
    let src = SourceFile::new(display.to_string(), text);
    let mut out = FileOutput::default();
    if let Some(valid) = utf8_error {
        if settings.is_enabled(PARSE_ERROR.code) {
            let prefix = src
                .text
                .get(..valid.saturating_sub(src.bom_len))
                .unwrap_or("");
            let line = prefix.matches('\n').count() + 1;
            out.findings.push(parse_error(
                &src,
                src.line_region(line, 1),
                format!("file is not valid UTF-8 (invalid byte at offset {valid})"),
            ));
        }
    } else {
        out = walk_source(&src, meta, settings, rules);
    }
    out.rate_limited = settings.is_enabled(MISSING_RATE_LIMIT.code)
        && crate::model::ratelimit::mentions_rate_limiting(&src.text);
    out.panics_caught = !meta.test
        && settings.is_enabled(crate::rules::error_handling::panic_in_handler::META.code)
        && crate::model::errors::catches_panics(&src.text);
    proc_macro2::extra::invalidate_current_thread_spans();
    finish_file(&src, out, settings)
}

fn parse_error(src: &SourceFile, region: crate::finding::Region, message: String) -> Finding {
    Finding {
        help: Some("fix the syntax, or exclude the file with `exclude` in backlint.toml".into()),
        ..Finding::new(&PARSE_ERROR, &src.display, region, message)
    }
}

fn walk_source(
    src: &SourceFile,
    meta: &FileMeta,
    settings: &Settings,
    rules: &[&dyn Rule],
) -> FileOutput {
    let file = match depth::parse_file(&src.text) {
        Ok(f) => f,
        Err(depth::ParseFailure::TooDeep(deep)) => {
            let mut out = FileOutput::default();
            if settings.is_enabled(PARSE_ERROR.code) {
                let region = src.line_region(deep.at.line, deep.at.column + 1);
                let message = format!(
                    "file nests too deeply to analyze (nesting bound {} here, the limit is {})",
                    deep.bound,
                    depth::MAX_NESTING
                );
                out.findings.push(Finding {
                    help: Some(
                        "split the nested code up, or exclude the file with `exclude` in backlint.toml"
                            .into(),
                    ),
                    ..parse_error(src, region, message)
                });
            }
            return out;
        }
        Err(depth::ParseFailure::Syntax(e)) => {
            let mut out = FileOutput::default();
            if settings.is_enabled(PARSE_ERROR.code) {
                let start = e.span().start();
                let region = src.line_region(start.line.max(1), start.column + 1);
                out.findings
                    .push(parse_error(src, region, format!("cannot parse file: {e}")));
            }
            return out;
        }
    };
    let facts = facts::FileFacts::build(&file.items);
    let bounded_types = facts.bounded_type_names();
    let uses = usemap::UseMap::build(&file.items, &meta.module);
    let scan_validate = settings.is_enabled("BL301");
    let mut index = FileIndex::build(
        src,
        &file.items,
        meta.krate.as_deref(),
        &meta.module,
        &uses,
        scan_validate,
    );
    if settings.is_enabled("BL601") {
        index.field_requests = requests::scan(&file.items, &uses);
    }
    let (file_layers, layer_refs) = if settings.is_enabled(LAYER_VIOLATION.code) {
        layers::collect(&file, src, meta, &uses, settings, &LAYER_VIOLATION)
    } else {
        Default::default()
    };
    if rules.is_empty() {
        return FileOutput {
            bounded_types,
            index,
            deferred: layer_refs,
            layers: file_layers,
            ..FileOutput::default()
        };
    }
    let arena = typed_arena::Arena::new();
    let macros = MacroCache::new(&arena);
    let mut walker = Walker::new(src, meta, &uses, &facts, &macros, settings, rules);
    syn::visit::Visit::visit_file(&mut walker, &file);
    let summaries = std::mem::take(&mut walker.cx.taint.done);
    let (findings, mut deferred) = walker.cx.into_findings();
    deferred.extend(layer_refs);
    FileOutput {
        findings,
        deferred,
        bounded_types,
        index,
        layers: file_layers,
        rate_limited: false,
        panics_caught: false,
        taint: summaries,
        cause_allows: Vec::new(),
    }
}

/// Applies per-file ignores and suppression comments (to deferred findings too), then
/// fingerprints what remains.
fn finish_file(src: &SourceFile, mut out: FileOutput, settings: &Settings) -> FileOutput {
    let ignored = settings.ignored_for_file(&src.display);
    let enabled = |code: &str| settings.is_enabled(code) && !ignored.contains(&code);
    let mut allows = suppress::scan(src);
    // Deferred findings take part in suppression like the others.
    // A suppression comment on a preview sub-check's finding is used even when that
    // finding is not reported, so it is never called unused without `--preview`.
    let mut keep = |f: &Finding| {
        enabled(f.code) && !suppress::is_suppressed(f, &mut allows) && settings.reports(f)
    };
    out.findings.retain(|f| keep(f));
    // A taint finding waits for the project pass and may vanish there: a suppression
    // covering it is used only if it stands, so BL002 for that suppression waits too.
    let (taint, other): (Vec<Deferred>, Vec<Deferred>) = std::mem::take(&mut out.deferred)
        .into_iter()
        .partition(|d| matches!(d.cond, Condition::IfTainted(_)));
    out.deferred = other;
    out.deferred.retain(|d| keep(&d.finding));
    let mut covered: std::collections::HashMap<(usize, usize), Vec<taint::SinkFlow>> =
        std::collections::HashMap::new();
    for d in taint {
        if !enabled(d.finding.code) || !settings.reports(&d.finding) {
            continue;
        }
        let by = suppress::would_suppress(&d.finding, &allows);
        if by.is_empty() {
            out.deferred.push(d);
            continue;
        }
        if let Condition::IfTainted(flow) = d.cond {
            for id in by {
                covered.entry(id).or_default().push((*flow).clone());
            }
        }
    }
    let report_unused = enabled(UNUSED_ALLOW.code);
    for (id, f) in suppress::unused_with_ids(&allows, &src.display, &enabled) {
        if let Some(flows) = covered.remove(&id) {
            if report_unused {
                out.deferred.push(Deferred {
                    finding: f,
                    cond: Condition::UnlessAnyTainted(flows),
                });
            }
            continue;
        }
        // A comment aimed at a line may be aimed at a cause: it waits for the project
        // pass, which knows every finding's cause.
        let (ai, ci) = id;
        match (
            allows[ai].target,
            crate::rules::lookup(&allows[ai].codes[ci]),
        ) {
            (Some(line), Some(meta)) if causes::CAUSE_RULES.contains(&meta.code) => {
                out.cause_allows.push(causes::CauseAllow {
                    path: src.display.clone(),
                    line,
                    code: meta.code,
                    unused: report_unused.then_some(f),
                });
            }
            _ if report_unused => out.findings.push(f),
            _ => {}
        }
    }
    // One sequence, so occurrence numbers never collide between the kinds.
    let mut all: Vec<&mut Finding> = out
        .findings
        .iter_mut()
        .chain(out.deferred.iter_mut().map(|d| &mut d.finding))
        .chain(
            out.cause_allows
                .iter_mut()
                .filter_map(|a| a.unused.as_mut()),
        )
        .collect();
    fingerprint_all(src, &mut all);
    out
}

fn fingerprint_all(src: &SourceFile, findings: &mut [&mut Finding]) {
    let mut seen: std::collections::HashMap<(String, &'static str), usize> =
        std::collections::HashMap::new();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    for f in findings.iter_mut() {
        let line = src.line_text(f.region.line).to_string();
        let key = (line.split_whitespace().collect::<String>(), f.code);
        let n = seen.entry(key).or_insert(0);
        *n += 1;
        f.fingerprint = finding_fingerprint(f.code, &line, *n);
    }
}
