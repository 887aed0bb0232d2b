//! Metamorphic tests: every fixture file (`fixtures/rules/**/*.rs`) and every fixture
//! project (`fixtures/projects/*`) is rewritten without changing its meaning (see
//! `common/mutate.rs`: shadowing, parentheses, renaming, extracting a `let`, wrapping in
//! blocks, moving functions into an `impl`, reordering items), and the analysis with
//! every rule must report the same findings (rule code and line, lines mapped where the
//! rewrite moves them) as for the file as written. Rewrites that change the meaning
//! (self-referencing `let`s of every shape, thousands of shadows) must only complete.
//!
//! The analysis runs in-process through the library. With `BACKLINT_META_BIN=path/to/
//! backlint` it runs that binary on rewritten copies in a temporary directory instead,
//! one process per case, so a crash (a stack overflow aborts the process) is reported as
//! a failure of its case rather than ending the run: the way to survey an engine that
//! crashes (`cargo build --release` first; `--nocapture` to see everything).
//! `BACKLINT_META_JOBS` sets the number of worker threads.
//!
//! Rewrites known to differ today are listed in `tests/metamorphic-known.txt` (see
//! [`known_path`]); any other difference fails, narrowed down to the single sites (one
//! shadowed parameter, one renamed binding…) that change the findings on their own.

mod common;
#[path = "common/mutate.rs"]
mod mutate;

use backlint::config::Settings;
use backlint::discover::Target;
use mutate::{Hostile, Kind, Mutated, Style};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A finding as compared: path relative to the subject, line, code.
type Key = (String, usize, String);

/// Analysis results: findings, or why the analysis did not complete.
type Outcome = Result<BTreeSet<Key>, String>;

/// What is analysed as a whole: one rule fixture file, or a fixture project.
struct Subject {
    /// `fixtures/…` path, for messages.
    name: String,
    /// The project directory (`None`: a single file analysed on its own).
    dir: Option<PathBuf>,
    /// Relative path and text of each `.rs` file.
    files: Vec<(String, String)>,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rs_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != "target") {
                    dirs.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn subjects() -> &'static [Subject] {
    static S: OnceLock<Vec<Subject>> = OnceLock::new();
    S.get_or_init(|| {
        let mut out = Vec::new();
        for p in rs_files(&root().join("fixtures/rules")) {
            let rel = p
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .to_string();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            out.push(Subject {
                name: rel,
                dir: None,
                files: vec![(name, std::fs::read_to_string(&p).unwrap())],
            });
        }
        for dir in common::fixture_dirs("projects") {
            let files = rs_files(&dir)
                .into_iter()
                .map(|p| {
                    let rel = p
                        .strip_prefix(&dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    (rel, std::fs::read_to_string(&p).unwrap())
                })
                .collect();
            out.push(Subject {
                name: dir
                    .strip_prefix(root())
                    .unwrap()
                    .to_string_lossy()
                    .to_string(),
                dir: Some(dir),
                files,
            });
        }
        assert!(out.len() > 100, "fixtures not found");
        out
    })
}

fn all_rules() -> Vec<&'static str> {
    backlint::rules::all_meta().iter().map(|m| m.code).collect()
}

fn settings() -> &'static Settings {
    static S: OnceLock<Settings> = OnceLock::new();
    S.get_or_init(|| {
        Settings::default()
            .with_rules(&all_rules())
            .with_preview(true)
    })
}

fn binary() -> Option<PathBuf> {
    std::env::var_os("BACKLINT_META_BIN").map(PathBuf::from)
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into())
}

/// What a failed run of the binary says, without what varies between runs (thread ids),
/// so that known-divergence lines match.
fn crash_text(status: &str, stderr: &str) -> String {
    if stderr.contains("has overflowed its stack") {
        return "stack overflow".into();
    }
    if let Some(at) = stderr.find("panicked at") {
        let msg: Vec<&str> = stderr[at..].lines().take(2).collect();
        return format!("panic: {}", msg.join(" "));
    }
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    format!("{status}: {last}")
}

/// Runs `bin` with `args` in `cwd`, killing it after two minutes.
fn run_binary(bin: &Path, cwd: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out_file = cwd.join(".backlint-meta-out.json");
    let mut child = Command::new(bin)
        .current_dir(cwd)
        .args(args)
        .arg("--output")
        .arg(&out_file)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            return Err("timed out after 120 s".into());
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    if status.code() != Some(0) {
        return Err(crash_text(&status.to_string(), &err));
    }
    std::fs::read(&out_file).map_err(|e| e.to_string())
}

fn json_keys(bytes: &[u8], prefix: &str) -> Outcome {
    let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    Ok(v.as_array()
        .ok_or("not a JSON array")?
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap_or("");
            let path = path.trim_start_matches("./");
            let path = path.strip_prefix(prefix).unwrap_or(path);
            (
                path.to_string(),
                f["line"].as_u64().unwrap_or(0) as usize,
                f["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect())
}

/// Analyses the subject with `files` in place of its sources.
fn analyze(subject: &Subject, files: &[(String, String)]) -> Outcome {
    match (&subject.dir, binary()) {
        (None, None) => {
            let (name, text) = &files[0];
            let run = || backlint::check_source(name, text, settings());
            let found = std::panic::catch_unwind(run).map_err(panic_text)?;
            Ok(found
                .into_iter()
                .map(|f| (name.clone(), f.region.line, f.code.to_string()))
                .collect())
        }
        (None, Some(bin)) => {
            let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
            let (name, text) = &files[0];
            std::fs::write(tmp.path().join(name), text).map_err(|e| e.to_string())?;
            let args = [
                "--isolated",
                "--preview",
                "--format",
                "json",
                "--exit-zero",
                "-j",
                "1",
                name.as_str(),
            ];
            json_keys(&run_binary(&bin, tmp.path(), &args)?, "")
        }
        (Some(dir), bin) => {
            let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
            common::copy_tree(dir, tmp.path());
            for (rel, text) in files {
                std::fs::write(tmp.path().join(rel), text).map_err(|e| e.to_string())?;
            }
            if let Some(bin) = bin {
                let args = [
                    "--preview",
                    "--format",
                    "json",
                    "--exit-zero",
                    "-j",
                    "1",
                    ".",
                ];
                return json_keys(&run_binary(&bin, tmp.path(), &args)?, "");
            }
            let config = tmp.path().join("backlint.toml");
            let loaded = if config.is_file() {
                backlint::config::load_file(&config).map_err(|e| e.to_string())?
            } else {
                backlint::config::LoadedOptions::default()
            };
            let settings = Settings::resolve(&loaded, &Default::default())
                .map_err(|e| e.to_string())?
                .with_rules(&all_rules())
                .with_preview(true)
                .with_jobs(1);
            let target = Target {
                paths: vec![PathBuf::from(".")],
                ..Target::default()
            };
            let run = || backlint::check(&settings, &target, tmp.path());
            let report = std::panic::catch_unwind(run).map_err(panic_text)?;
            if !report.errors.is_empty() {
                return Err(format!("errors: {:?}", report.errors));
            }
            Ok(report
                .findings
                .iter()
                .map(|f| {
                    (
                        f.path.trim_start_matches("./").to_string(),
                        f.region.line,
                        f.code.to_string(),
                    )
                })
                .collect())
        }
    }
}

/// The findings of every subject as written (each analysed once).
fn baselines() -> &'static [Outcome] {
    static B: OnceLock<Vec<Outcome>> = OnceLock::new();
    B.get_or_init(|| {
        let subjects = subjects();
        parallel(subjects.len(), |i| {
            analyze(&subjects[i], &subjects[i].files)
        })
    })
}

fn jobs() -> usize {
    std::env::var("BACKLINT_META_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1)
}

/// `f(0..n)` on worker threads, results in order.
fn parallel<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let out: Mutex<Vec<Option<T>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs().min(n.max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let r = f(i);
                out.lock().unwrap()[i] = Some(r);
            });
        }
    });
    out.into_inner()
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect()
}

/// A rewrite of a subject: one kind, or several applied in turn.
#[derive(Clone, Copy)]
enum Recipe<'a> {
    One(Kind),
    Chain(&'a [Kind]),
}

impl Recipe<'_> {
    fn name(&self) -> String {
        match self {
            Recipe::One(k) => k.name(),
            Recipe::Chain(ks) => ks.iter().map(|k| k.name()).collect::<Vec<_>>().join("+"),
        }
    }

    /// The rewritten file (`only`: one site of a single kind), `None` when nothing
    /// changed.
    fn apply(&self, text: &str, only: Option<usize>) -> Option<Mutated> {
        let out = match self {
            Recipe::One(k) => mutate::mutate(*k, text, only)?,
            Recipe::Chain(ks) => {
                let mut m = Mutated::identity(text);
                for k in ks.iter() {
                    m = m.then(|t| mutate::mutate(*k, t, None).unwrap_or(Mutated::identity(t)));
                }
                m
            }
        };
        (out.text != text).then_some(out)
    }
}

/// The expected findings: the baseline's, moved by the line maps.
fn moved(base: &BTreeSet<Key>, maps: &[(String, Vec<usize>)]) -> BTreeSet<Key> {
    base.iter()
        .map(|(p, l, c)| {
            let line = maps
                .iter()
                .find(|(f, _)| f == p)
                .and_then(|(_, m)| m.get(l - 1).copied())
                .unwrap_or(*l);
            (p.clone(), line, c.clone())
        })
        .collect()
}

fn describe(expected: &BTreeSet<Key>, got: &Outcome) -> String {
    match got {
        Err(e) => format!("did not complete: {e}"),
        Ok(got) => {
            let mut parts = Vec::new();
            for (p, l, c) in expected.difference(got) {
                parts.push(format!("lost {c} at {p}:{l}"));
            }
            for (p, l, c) in got.difference(expected) {
                parts.push(format!("new {c} at {p}:{l}"));
            }
            parts.join(", ")
        }
    }
}

/// Rewrites the subject's files with `recipe` (`only`: one site, in `file` alone) and
/// compares. `Ok(None)`: nothing to rewrite.
fn compare(
    subject: &Subject,
    base: &BTreeSet<Key>,
    recipe: Recipe,
    only: Option<(usize, usize)>,
) -> Option<Result<(), String>> {
    let mut files = subject.files.clone();
    let mut maps = Vec::new();
    let mut changed = false;
    for (i, (rel, text)) in files.iter_mut().enumerate() {
        let site = match only {
            Some((f, _)) if f != i => continue,
            Some((_, s)) => Some(s),
            None => None,
        };
        if let Some(m) = recipe.apply(text, site) {
            *text = m.text;
            maps.push((rel.clone(), m.line_map));
            changed = true;
        }
    }
    if !changed {
        return None;
    }
    let expected = moved(base, &maps);
    let got = analyze(subject, &files);
    Some(match &got {
        Ok(g) if *g == expected => Ok(()),
        _ => Err(describe(&expected, &got)),
    })
}

/// The single sites of a divergent rewrite that diverge alone (at most 40 tried).
fn narrow(subject: &Subject, base: &BTreeSet<Key>, kind: Kind) -> Vec<String> {
    let mut out = Vec::new();
    let mut tried = 0;
    for (f, (rel, text)) in subject.files.iter().enumerate() {
        let sites = match kind {
            Kind::Reorder => continue,
            k => mutate::sites(k, text).unwrap_or_default(),
        };
        for (s, site) in sites.iter().enumerate() {
            if tried == 40 {
                out.push("  (more sites not tried)".into());
                return out;
            }
            tried += 1;
            if let Some(Err(e)) = compare(subject, base, Recipe::One(kind), Some((f, s))) {
                out.push(format!("  site {rel}: {}: {e}", site.what));
            }
        }
    }
    out
}

/// A rewrite whose findings differ: `line` (`recipe subject: differences`) is what the
/// known-divergence file records.
struct Divergence {
    line: String,
    subject: usize,
    kind: Option<Kind>,
}

impl Divergence {
    /// The single sites that differ alone (for a single kind).
    fn sites(&self) -> Vec<String> {
        let subject = &subjects()[self.subject];
        match (self.kind, &baselines()[self.subject]) {
            (Some(kind), Ok(base)) => narrow(subject, base, kind),
            _ => Vec::new(),
        }
    }
}

/// Runs `recipe` over every subject; returns the number of cases run and the divergences.
fn run_recipe(recipe: Recipe) -> (usize, Vec<Divergence>) {
    let subjects = subjects();
    let base = baselines();
    let results = parallel(subjects.len(), |i| {
        let subject = &subjects[i];
        match &base[i] {
            Ok(b) => compare(subject, b, recipe, None),
            Err(e) => Some(Err(format!("as written: {e}"))),
        }
    });
    let mut cases = 0;
    let mut failures = Vec::new();
    for (i, r) in results.into_iter().enumerate() {
        match r {
            None => {}
            Some(Ok(())) => cases += 1,
            Some(Err(e)) => {
                cases += 1;
                failures.push(Divergence {
                    line: format!("{} {}: {e}", recipe.name(), subjects[i].name),
                    subject: i,
                    kind: match recipe {
                        Recipe::One(k) => Some(k),
                        Recipe::Chain(_) => None,
                    },
                });
            }
        }
    }
    (cases, failures)
}

/// The file of known divergences: rewrites whose findings differ today, each a line
/// `recipe subject: differences` (what a failure prints first). They are engine
/// limitations found by these tests, listed so that every other rewrite is held to the
/// same findings now; a listed rewrite that stops differing must leave the list.
/// `BACKLINT_META_BLESS=1` rewrites the entries of the recipes run;
/// `BACKLINT_META_STRICT=1` ignores the list.
fn known_path() -> PathBuf {
    root().join("tests/metamorphic-known.txt")
}

static KNOWN_FILE: Mutex<()> = Mutex::new(());

fn known_lines() -> Vec<String> {
    std::fs::read_to_string(known_path())
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn flag(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Whether a known-divergence line belongs to one of `recipes`.
fn belongs(line: &str, recipes: &[String]) -> bool {
    recipes.iter().any(|r| line.starts_with(&format!("{r} ")))
}

fn check_recipes(recipes: &[Recipe]) {
    let start = Instant::now();
    let mut cases = 0;
    let mut failures = Vec::new();
    for r in recipes {
        let (n, f) = run_recipe(*r);
        assert!(n > 0, "{}: no fixture was rewritten", r.name());
        cases += n;
        failures.extend(f);
    }
    eprintln!(
        "{} rewritten subjects compared in {:.1} s, {} differ",
        cases,
        start.elapsed().as_secs_f64(),
        failures.len()
    );
    let names: Vec<String> = recipes.iter().map(Recipe::name).collect();
    let _guard = KNOWN_FILE.lock().unwrap_or_else(|e| e.into_inner());
    let lines = known_lines();
    if flag("BACKLINT_META_BLESS") {
        let mut keep: Vec<String> = lines.into_iter().filter(|l| !belongs(l, &names)).collect();
        keep.extend(failures.iter().map(|f| f.line.clone()));
        let (mut head, mut entries): (Vec<String>, Vec<String>) = keep
            .into_iter()
            .partition(|l| l.starts_with('#') || l.trim().is_empty());
        entries.sort();
        head.dedup();
        head.extend(entries);
        std::fs::write(known_path(), head.join("\n") + "\n").unwrap();
        return;
    }
    let known: BTreeSet<&str> = if flag("BACKLINT_META_STRICT") {
        BTreeSet::new()
    } else {
        lines
            .iter()
            .map(String::as_str)
            .filter(|l| belongs(l, &names))
            .collect()
    };
    let fresh: Vec<&Divergence> = failures
        .iter()
        .filter(|f| !known.contains(f.line.as_str()))
        .collect();
    let unexpected = fresh.len();
    let sites = parallel(fresh.len(), |i| fresh[i].sites());
    let mut report = Vec::new();
    for (f, sites) in fresh.iter().zip(sites) {
        report.push(f.line.clone());
        report.extend(sites);
    }
    let seen: BTreeSet<&str> = failures.iter().map(|f| f.line.as_str()).collect();
    let stale: Vec<&str> = known.difference(&seen).copied().collect();
    assert!(
        report.is_empty() && stale.is_empty(),
        "{} of {cases} rewrites changed the findings or did not complete, beyond the {} \
         known in {}:\n{}\n\nknown divergences that no longer occur (remove them, or run \
         with BACKLINT_META_BLESS=1):\n{}",
        unexpected,
        known.len(),
        known_path().display(),
        report.join("\n"),
        stale.join("\n")
    );
}

macro_rules! preserving {
    ($($(#[$attr:meta])* $name:ident: $kind:expr;)*) => {$(
        $(#[$attr])*
        #[test]
        fn $name() {
            check_recipes(&[Recipe::One($kind)]);
        }
    )*};
}

preserving! {
    shadowing_parameters_keeps_findings: Kind::ShadowParams(Style::Plain);
    shadowing_parameters_in_parentheses_keeps_findings: Kind::ShadowParams(Style::Paren);
    shadowing_parameters_in_blocks_keeps_findings: Kind::ShadowParams(Style::Block);
    shadowing_lets_keeps_findings: Kind::ShadowLets(Style::Plain);
    shadowing_lets_in_parentheses_keeps_findings: Kind::ShadowLets(Style::Paren);
    shadowing_lets_in_blocks_keeps_findings: Kind::ShadowLets(Style::Block);
    parenthesising_locals_keeps_findings: Kind::Paren;
    renaming_locals_keeps_findings: Kind::Rename;
    extracting_a_let_keeps_findings: Kind::Extract;
    wrapping_bodies_in_blocks_keeps_findings: Kind::WrapBody;
    wrapping_statements_in_blocks_keeps_findings: Kind::WrapStmts;
    associating_functions_keeps_findings: Kind::Associate;
    reordering_items_keeps_findings: Kind::Reorder;
}

const COMBINATIONS: &[&[Kind]] = &[
    &[Kind::ShadowParams(Style::Paren), Kind::Rename],
    &[Kind::Extract, Kind::Paren, Kind::WrapBody],
    &[
        Kind::Associate,
        Kind::ShadowLets(Style::Block),
        Kind::Reorder,
    ],
    &[
        Kind::Rename,
        Kind::WrapStmts,
        Kind::ShadowParams(Style::Plain),
        Kind::ShadowLets(Style::Paren),
    ],
];

#[test]
fn combined_rewrites_keep_findings() {
    let recipes: Vec<Recipe> = COMBINATIONS.iter().map(|c| Recipe::Chain(c)).collect();
    check_recipes(&recipes);
}

/// A hostile rewrite: one shape everywhere, or the shapes in turn from site to site
/// starting at an offset.
#[derive(Clone, Copy)]
enum Hostility {
    One(Hostile),
    Mix(usize),
}

impl Hostility {
    fn name(self) -> String {
        match self {
            Hostility::One(h) => h.name(),
            Hostility::Mix(k) => format!("self-ref-mix-{k}"),
        }
    }

    fn apply(self, text: &str) -> Option<String> {
        match self {
            Hostility::One(h) => mutate::hostile(h, text),
            Hostility::Mix(k) => {
                mutate::hostile_with(text, |i| Hostile::ALL[(i + k) % Hostile::ALL.len()])
            }
        }
    }
}

/// Analyses the subject with the hostile rewrite applied to every file: `None` when
/// nothing was rewritten.
fn hostile_case(subject: &Subject, h: Hostility) -> Option<Result<(), String>> {
    let mut files = subject.files.clone();
    let mut changed = false;
    for (_, text) in files.iter_mut() {
        if let Some(t) = h.apply(text) {
            *text = t;
            changed = true;
        }
    }
    changed.then(|| analyze(subject, &files).map(|_| ()))
}

/// Every subject, rewritten with self-referencing `let`s of every shape, completes. Each
/// site gets three shapes in three runs (`BACKLINT_META_FULL=1`: every shape in a run of
/// its own); a failing mixed run is rerun shape by shape to name the shapes that fail.
#[test]
fn self_referencing_lets_complete() {
    let start = Instant::now();
    let subjects = subjects();
    let runs: Vec<Hostility> = if flag("BACKLINT_META_FULL") {
        Hostile::ALL.iter().map(|h| Hostility::One(*h)).collect()
    } else {
        vec![Hostility::Mix(0), Hostility::Mix(5), Hostility::Mix(9)]
    };
    let cases: Vec<(usize, Hostility)> = (0..subjects.len())
        .flat_map(|i| runs.iter().map(move |h| (i, *h)))
        .collect();
    let results = parallel(cases.len(), |c| {
        let (i, h) = cases[c];
        let subject = &subjects[i];
        let r = hostile_case(subject, h)?;
        Some(r.map_err(|e| {
            let mut msg = format!("{} × {}: {e}", subject.name, h.name());
            if let Hostility::Mix(_) = h {
                for one in Hostile::ALL {
                    if let Some(Err(e)) = hostile_case(subject, Hostility::One(one)) {
                        msg += &format!("\n  {}: {e}", one.name());
                    }
                }
            }
            msg
        }))
    });
    let run = results.iter().flatten().count();
    let failures: Vec<String> = results
        .into_iter()
        .flatten()
        .filter_map(Result::err)
        .collect();
    eprintln!(
        "{run} hostile rewrites analysed in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    assert!(run > 0);
    assert!(
        failures.is_empty(),
        "{} of {run} hostile rewrites did not complete:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A single-file subject of generated text.
fn generated(name: &str, text: String) -> Subject {
    Subject {
        name: name.into(),
        dir: None,
        files: vec![(format!("{name}.rs"), text)],
    }
}

/// The programs of the original report, each with its expected finding; then thousands
/// of shadows in a row and nested, which must complete and still see the SQL.
#[test]
fn self_shadowing_programs_complete() {
    let shapes = [
        "let sql = sql.trim();",
        "let sql = sql;",
        "let sql = (sql);",
        "let sql = &*sql;",
        "let sql = sql.clone();",
        "let sql = sql.as_str();",
    ];
    let mut failures = Vec::new();
    for shape in shapes {
        let text = format!(
            "pub async fn run(pool: &sqlx::PgPool, sql: &str) {{\n    {shape}\n    \
             sqlx::query(&sql).execute(pool).await.ok();\n}}\n"
        );
        let s = generated("report", text);
        if let Err(e) = analyze(&s, &s.files) {
            failures.push(format!("`{shape}`: {e}"));
        }
    }
    for (name, text) in [
        ("chain", mutate::shadow_chain(5_000)),
        ("nested", mutate::nested_shadows(1_000)),
    ] {
        let s = generated(name, text);
        match analyze(&s, &s.files) {
            Err(e) => failures.push(format!("{name}: {e}")),
            Ok(f) if !f.iter().any(|(_, _, c)| c == "BL101") => {
                failures.push(format!("{name}: no BL101 finding, got {f:?}"))
            }
            Ok(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The password is still hashed weakly after `let pwd = (pwd);` (and the other shadows).
#[test]
fn shadowed_password_keeps_weak_hash_finding() {
    let body =
        "    ring::digest::digest(&ring::digest::SHA256, pwd.as_bytes()).as_ref().to_vec()\n}\n";
    let plain = generated(
        "hash",
        format!("pub fn ring_digest(pwd: &str) -> Vec<u8> {{\n{body}"),
    );
    let before = analyze(&plain, &plain.files).unwrap();
    assert!(
        before.contains(&("hash.rs".into(), 2, "BL504".into())),
        "the unshadowed program has no BL504 finding: {before:?}"
    );
    for shadow in ["let pwd = pwd;", "let pwd = (pwd);", "let pwd = { pwd };"] {
        let text = format!("pub fn ring_digest(pwd: &str) -> Vec<u8> {{ {shadow}\n{body}");
        let shadowed = generated("hash", text);
        assert_eq!(
            analyze(&shadowed, &shadowed.files),
            Ok(before.clone()),
            "{shadow}"
        );
    }
}

// ------------------------------------------------------------------ the mutators

/// Every rewrite of every fixture parses, keeps its lines (or maps them one to one), and
/// each kind applies somewhere.
#[test]
fn rewrites_parse_and_keep_lines() {
    let recipes: Vec<Recipe> = Kind::ALL
        .iter()
        .map(|k| Recipe::One(*k))
        .chain(COMBINATIONS.iter().map(|c| Recipe::Chain(c)))
        .collect();
    let subjects = subjects();
    // (failures, names of the rewrites applied) per subject.
    let results = parallel(subjects.len(), |i| {
        let subject = &subjects[i];
        let mut failures = Vec::new();
        let mut applied = Vec::new();
        for (rel, text) in &subject.files {
            if syn::parse_file(text).is_err() {
                continue;
            }
            for r in &recipes {
                let Some(m) = r.apply(text, None) else {
                    continue;
                };
                applied.push(r.name());
                let name = format!("{}/{rel} × {}", subject.name, r.name());
                // Single kinds must parse; the comparisons see a chain that does not as a
                // new BL001 finding.
                if let Recipe::One(_) = r {
                    if let Err(e) = syn::parse_file(&m.text) {
                        failures.push(format!("{name}: does not parse: {e}\n{}", m.text));
                    }
                }
                let mut seen = m.line_map.clone();
                seen.sort_unstable();
                if seen != (1..=text.split('\n').count()).collect::<Vec<_>>()
                    || m.text.split('\n').count() != text.split('\n').count()
                {
                    failures.push(format!("{name}: lines not kept"));
                }
            }
            for h in Hostile::ALL {
                if let Some(t) = mutate::hostile(h, text) {
                    applied.push(h.name());
                    if syn::parse_file(&t).is_err() {
                        failures.push(format!(
                            "{}/{rel} × {}: does not parse",
                            subject.name,
                            h.name()
                        ));
                    }
                }
            }
            proc_macro2::extra::invalidate_current_thread_spans();
        }
        (failures, applied)
    });
    let mut failures = Vec::new();
    let mut applied = std::collections::BTreeMap::<String, usize>::new();
    for (f, a) in results {
        failures.extend(f);
        for name in a {
            *applied.entry(name).or_default() += 1;
        }
    }
    for name in recipes
        .iter()
        .map(Recipe::name)
        .chain(Hostile::ALL.iter().map(|h| h.name()))
    {
        if !applied.contains_key(&name) {
            failures.push(format!("{name}: never applied"));
        }
    }
    eprintln!("files rewritten: {applied:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn rewrite(kind: Kind, text: &str) -> String {
    mutate::mutate(kind, text, None).unwrap().text
}

#[test]
fn mutators_rewrite_as_documented() {
    let src = "fn f(password: &str, mut n: u32) -> String {\n    let q = format!(\"{password} {}\", n);\n    S { password, n: n + 1 };\n    info!(password = %password, \"x {password:?}\");\n    q\n}\n";
    assert_eq!(
        rewrite(Kind::ShadowParams(Style::Paren), src)
            .lines()
            .next()
            .unwrap(),
        "fn f(password: &str, mut n: u32) -> String { let password = (password); let mut n = (n);"
    );
    let renamed = rewrite(Kind::Rename, src);
    assert_eq!(
        renamed,
        "fn f(password_: &str, mut n_: u32) -> String {\n    let q_ = format!(\"{password_} {}\", n_);\n    S { password: password_, n: n_ + 1 };\n    info!(password_ = %password_, \"x {password_:?}\");\n    q_\n}\n"
    );
    assert_eq!(
        rewrite(Kind::Paren, src),
        "fn f(password: &str, mut n: u32) -> String {\n    let q = format!(\"{password} {}\", (n));\n    S { password, n: (n) + 1 };\n    info!(password = %password, \"x {password:?}\");\n    (q)\n}\n"
    );
    let sql = "async fn g(pool: &PgPool, id: &str) {\n    sqlx::query(&format!(\"SELECT {id}\")).execute(pool).await.ok();\n}\n";
    assert_eq!(
        rewrite(Kind::Extract, sql),
        "async fn g(pool: &PgPool, id: &str) {\n    let tmp_1 = format!(\"SELECT {id}\"); sqlx::query(&tmp_1).execute(pool).await.ok();\n}\n"
    );
    let free = "fn helper(x: u32) -> u32 { x }\npub fn api() -> u32 { helper(1) }\n";
    assert_eq!(
        rewrite(Kind::Associate, free),
        "struct MetaHolder0; impl MetaHolder0 { fn helper(x: u32) -> u32 { x } }\npub fn api() -> u32 { MetaHolder0::helper(1) }\n"
    );
    let two = "use a::b;\n\n// about f\nfn f() {}\n\nstruct S;\n";
    let m = mutate::mutate(Kind::Reorder, two, None).unwrap();
    assert_eq!(m.text, "use a::b;\n\nstruct S;\n\n// about f\nfn f() {}\n");
    assert_eq!(m.line_map, vec![1, 2, 5, 6, 4, 3, 7]);
}

// ------------------------------------------------------------------ the corpus

/// Opt-in: the hostile rewrites on a slice of the benchmark corpus (`bench/run vendor`
/// fills `target/bench-corpus/vendor/`; `BACKLINT_META_CORPUS` names another directory),
/// mixed as in [`self_referencing_lets_complete`] (`BACKLINT_META_FULL=1`: each shape
/// alone). `BACKLINT_META_SLICE=N` takes every Nth file (default 50).
#[test]
#[ignore = "needs the vendored benchmark corpus (bench/run vendor); slow"]
fn corpus_survives_hostile_rewrites() {
    let dir = std::env::var_os("BACKLINT_META_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/bench-corpus/vendor"));
    let every: usize = std::env::var("BACKLINT_META_SLICE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let files: Vec<PathBuf> = rs_files(&dir).into_iter().step_by(every.max(1)).collect();
    assert!(!files.is_empty(), "no corpus in {}", dir.display());
    let start = Instant::now();
    let runs: Vec<Hostility> = if flag("BACKLINT_META_FULL") {
        Hostile::ALL.iter().map(|h| Hostility::One(*h)).collect()
    } else {
        vec![Hostility::Mix(0), Hostility::Mix(5), Hostility::Mix(9)]
    };
    let cases: Vec<(usize, Hostility)> = (0..files.len())
        .flat_map(|i| runs.iter().map(move |h| (i, *h)))
        .collect();
    let results = parallel(cases.len(), |c| {
        let (i, h) = cases[c];
        let text = std::fs::read_to_string(&files[i]).ok()?;
        let s = generated("corpus", text);
        let r = hostile_case(&s, h)?;
        Some(r.map_err(|e| format!("{} × {}: {e}", files[i].display(), h.name())))
    });
    let run = results.iter().flatten().count();
    let failures: Vec<String> = results
        .into_iter()
        .flatten()
        .filter_map(Result::err)
        .collect();
    eprintln!(
        "{} corpus files, {run} hostile rewrites in {:.1} s",
        files.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
