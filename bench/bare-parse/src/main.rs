//! `bare-parse [--jobs N] [--list] [--syn3] PATHS...`: the benchmark's baseline. Finds the files
//! exactly as `backlint --isolated PATHS` does (backlint's discovery, default settings),
//! then reads each, parses it with `syn::parse_file` and walks it with an empty
//! `syn::visit::Visit`, on a rayon pool of N threads with backlint's stack size.
//! `--syn3` parses and walks with syn 3 instead of syn 2 (backlint's).
//! `--list` prints the file list instead (one path a line, in backlint's order).
//! Prints `N files, B bytes, E parse errors, ...` on standard error.

use backlint::config::{LoadedOptions, Overrides, Settings};
use backlint::discover::{discover, Target};
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

struct Empty;
impl<'ast> syn::visit::Visit<'ast> for Empty {}
impl<'ast> syn3::visit::Visit<'ast> for Empty {}

/// Parses `text` and walks the tree with the chosen syn: whether it parsed.
fn parse_and_walk(text: &str, syn3: bool) -> bool {
    if syn3 {
        let Ok(file) = syn3::parse_file(text) else {
            return false;
        };
        syn3::visit::Visit::visit_file(&mut Empty, &file);
        std::hint::black_box(&file);
    } else {
        let Ok(file) = syn::parse_file(text) else {
            return false;
        };
        syn::visit::Visit::visit_file(&mut Empty, &file);
        std::hint::black_box(&file);
    }
    true
}

fn main() {
    // backlint's allocator set-up; nothing without `--features mimalloc`.
    backlint::alloc::configure();
    let mut jobs: Option<usize> = None;
    let mut list = false;
    let mut syn3 = false;
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        match a.to_str() {
            Some("--jobs" | "-j") => {
                jobs = args.next().and_then(|n| n.to_str()?.parse().ok());
                if jobs.is_none() {
                    usage("--jobs takes a number");
                }
            }
            Some("--list") => list = true,
            Some("--syn3") => syn3 = true,
            Some("--help" | "-h") => usage(""),
            Some(s) if s.starts_with('-') => usage(&format!("unknown option {s}")),
            _ => paths.push(a.into()),
        }
    }
    if paths.is_empty() {
        usage("no paths given");
    }
    let overrides = Overrides {
        jobs,
        ..Overrides::default()
    };
    let settings = match Settings::resolve(&LoadedOptions::default(), &overrides) {
        Ok(s) => s,
        Err(e) => fail(&e.to_string()),
    };
    let cwd = std::env::current_dir().unwrap_or_else(|e| fail(&e.to_string()));
    let start = Instant::now();
    let target = Target {
        paths,
        ..Target::default()
    };
    let found = discover(&target, &settings, &cwd);
    for e in &found.errors {
        eprintln!("error: {e}");
    }
    let discovered = start.elapsed();
    if list {
        let mut out = std::io::stdout().lock();
        for j in &found.jobs {
            let _ = writeln!(out, "{}", j.display);
        }
        return;
    }
    let parse = || -> Vec<(usize, bool)> {
        found
            .jobs
            .par_iter()
            // One file per task, as backlint schedules them.
            .with_max_len(1)
            .map(|job| {
                let Ok(bytes) = std::fs::read(&job.path) else {
                    return (0, false);
                };
                let n = bytes.len();
                // backlint reports a file that is not UTF-8 without parsing it.
                let Ok(text) = String::from_utf8(bytes) else {
                    return (n, false);
                };
                let ok = parse_and_walk(&text, syn3);
                proc_macro2::extra::invalidate_current_thread_spans();
                (n, ok)
            })
            .collect()
    };
    let results = match rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs)
        .stack_size(backlint::engine::STACK_SIZE)
        .build()
    {
        Ok(pool) => pool.install(parse),
        Err(_) => parse(),
    };
    let total = start.elapsed();
    let bytes: usize = results.iter().map(|r| r.0).sum();
    let failed = results.iter().filter(|r| !r.1).count();
    eprintln!(
        "{} files, {bytes} bytes, {failed} not parsed, {} threads; discovery {:.3}s, total {:.3}s",
        results.len(),
        settings.jobs,
        discovered.as_secs_f64(),
        total.as_secs_f64()
    );
    if !found.errors.is_empty() {
        std::process::exit(2);
    }
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("error: {problem}");
    }
    eprintln!("usage: bare-parse [--jobs N] [--list] [--syn3] PATHS...");
    std::process::exit(if problem.is_empty() { 0 } else { 2 });
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2);
}
