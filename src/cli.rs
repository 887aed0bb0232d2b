//! Command-line interface: `backlint [check] [PATHS]`, `backlint explain RULE`,
//! `backlint list-rules`. Also runs as `cargo backlint`.

use crate::config::{self, ConfigError, LoadedOptions, Overrides, Settings};
use crate::discover::Target;
use crate::report::{self, Format, RenderContext};
use crate::rules;
use crate::rules::meta::internal_error::INTERNAL_ERROR;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "backlint",
    version,
    about = "A linter for Rust backend code: SQL injection, secrets in logs, unvalidated input, layer violations",
    args_conflicts_with_subcommands = true,
    after_help = "Exit status: 0 no findings, 1 findings, 2 usage, configuration or I/O error, or an internal error (BL003).\nRun `backlint explain BL101` for a rule's documentation."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyze the workspace or the given paths (the default command)
    Check(Box<CheckArgs>),
    /// Print a rule's documentation
    Explain {
        /// A rule code (BL101) or name (sql-string-interpolation)
        rule: String,
    },
    /// Write a commented starter backlint.toml, with the layers BL401 infers
    Init {
        /// Directory of the workspace (default: the workspace of the current directory)
        dir: Option<PathBuf>,
        /// Replace an existing backlint.toml
        #[arg(long)]
        force: bool,
        /// Print the configuration instead of writing it
        #[arg(long)]
        stdout: bool,
    },
    /// Remove the incremental cache (`target/backlint/` of the workspace, or
    /// `.backlint_cache/`)
    Clean {
        /// The cache directory to remove (default: the workspace's; also
        /// `BACKLINT_CACHE_DIR`)
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
    },
    /// List every rule with its status
    ListRules {
        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ListFormat {
    Table,
    Json,
    /// The README's rule table
    Markdown,
}

/// `--message-format`, named as cargo's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MessageFormat {
    /// As `--format human`
    Human,
    /// As `--format concise`
    Short,
    /// cargo's JSON messages, one per line (for rust-analyzer's `check.overrideCommand`)
    Json,
    /// As `json`, with ANSI colours in the `rendered` texts
    JsonDiagnosticRenderedAnsi,
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args, Default)]
struct CheckArgs {
    /// Files or directories to analyze (default: the cargo workspace of the current directory)
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, short = 'f', value_enum, alias = "output-format")]
    format: Option<Format>,
    /// Output format, named as cargo's: `json` prints cargo's JSON messages (what
    /// `cargo check --message-format json` prints) for editors
    #[arg(long, value_enum, value_name = "FMT", conflicts_with = "format")]
    message_format: Option<MessageFormat>,
    /// Write the report to FILE instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit with status 0 even when there are findings (errors still exit 2)
    #[arg(long)]
    exit_zero: bool,
    /// Print the number of findings per rule instead of the findings
    #[arg(long)]
    statistics: bool,
    /// List every finding of a root cause shared by many (`human`, `concise`), not only
    /// the first few
    #[arg(long)]
    show_all: bool,
    /// Keep the incremental cache in DIR (default: `target/backlint/` of the cargo
    /// workspace, or `.backlint_cache/`; also `BACKLINT_CACHE_DIR`)
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Analyse every file afresh, neither reading nor writing the incremental cache
    #[arg(long)]
    no_cache: bool,
    /// Print the layers BL401 found (configured or inferred) and the modules in each,
    /// instead of the findings.
    #[arg(long)]
    show_layers: bool,
    /// Report only findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file (and exit 0).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Report only findings on lines changed since REV (e.g. origin/main): the working
    /// tree's changes since the merge base of REV and HEAD, committed or not, and untracked
    /// files. The whole workspace is still analyzed.
    #[arg(
        long,
        value_name = "REV",
        conflicts_with_all = ["write_baseline", "show_layers"]
    )]
    diff_base: Option<String>,
    /// Rules to run: codes, prefixes or names, comma-separated (replaces the configured set)
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    select: Option<Vec<String>>,
    /// Rules to run in addition to the selected ones
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    extend_select: Vec<String>,
    /// Rules not to run
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    ignore: Vec<String>,
    /// Also run preview rules matched by prefixes, and report the preview sub-checks of stable rules (findings on weaker evidence)
    #[arg(long)]
    preview: bool,
    /// Also skip files matching these globs (relative to the configuration file's
    /// directory), in addition to the configured `exclude`
    #[arg(long, value_delimiter = ',', value_name = "GLOBS")]
    extend_exclude: Vec<String>,
    /// Configuration file (backlint.toml or a Cargo.toml with [workspace.metadata.backlint])
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Ignore configuration files
    #[arg(long, conflicts_with = "config")]
    isolated: bool,
    /// Number of threads (default: available cores)
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,
    /// When to use colours
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// No progress bar (on a terminal, a run shows one on standard error while it parses;
    /// never in the json, sarif and github formats)
    #[arg(long, short = 'q')]
    quiet: bool,
    /// SARIF `automationDetails.id` category (default: backlint)
    #[arg(long, value_name = "NAME")]
    sarif_category: Option<String>,
    // Cargo's flags, last so that their help heading doesn't capture the options above.
    #[command(flatten)]
    #[command(next_help_heading = "Package Selection")]
    manifest: clap_cargo::Manifest,
    #[command(flatten)]
    #[command(next_help_heading = "Package Selection")]
    packages: clap_cargo::Workspace,
}

/// Removes the `backlint` word cargo inserts when run as `cargo backlint`.
pub fn normalize_args(mut args: Vec<OsString>) -> Vec<OsString> {
    if args.get(1).is_some_and(|a| a == "backlint") {
        args.remove(1);
    }
    args
}

/// Runs the command line and returns the exit code.
pub fn run(args: Vec<OsString>) -> i32 {
    let cli = match Cli::try_parse_from(normalize_args(args.clone())) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Some(Command::Explain { rule }) => explain(&rule),
        Some(Command::ListRules { format }) => list_rules(format),
        Some(Command::Clean { cache_dir }) => clean(cache_dir),
        Some(Command::Init { dir, force, stdout }) => init(dir, force, stdout),
        Some(Command::Check(check_args)) => analyse(*check_args, &args),
        None => analyse(cli.check, &args),
    };
    match result {
        Ok(code) => code,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("error: {}", crate::report::escape::text(&e.to_string()));
            EXIT_ERROR
        }
    }
}

/// The commands that analyse: in a supervised worker process unless this is one (see
/// [`crate::worker`]), with a panic outside the per-file pass (those are BL003 findings)
/// reported as an internal error.
fn analyse(args: CheckArgs, argv: &[OsString]) -> io::Result<i32> {
    match crate::worker::role() {
        Ok(crate::worker::Role::Supervisor) => {
            if let Some(code) = crate::worker::supervise(argv) {
                return Ok(code);
            }
        }
        Ok(_) => {}
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_ERROR);
        }
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(args))).unwrap_or_else(|panic| {
        eprintln!(
            "error: internal error: backlint panicked ({}); please report it at {}",
            crate::engine::contain::panic_message(&*panic),
            crate::engine::contain::issues_url()
        );
        Ok(EXIT_ERROR)
    })
}

fn explain(rule: &str) -> io::Result<i32> {
    match rules::lookup(rule) {
        Some(m) => {
            let mut out = io::stdout().lock();
            writeln!(
                out,
                "{} ({}) — {}, {}, severity {}{}\n",
                m.code,
                m.name,
                m.category.as_str(),
                m.status.as_str(),
                m.severity,
                if m.cwe.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", CWE-{}",
                        m.cwe
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(", CWE-")
                    )
                }
            )?;
            out.write_all(m.doc.as_bytes())?;
            Ok(EXIT_OK)
        }
        None => {
            eprintln!("error: unknown rule `{rule}`; `backlint list-rules` lists them");
            Ok(EXIT_ERROR)
        }
    }
}

fn init(dir: Option<PathBuf>, force: bool, stdout: bool) -> io::Result<i32> {
    let cwd = std::env::current_dir()?;
    let dir = dir.map(|d| cwd.join(d)).unwrap_or_else(|| cwd.clone());
    if !dir.is_dir() {
        eprintln!("error: {} is not a directory", dir.display());
        return Ok(EXIT_ERROR);
    }
    let root = crate::workspace::root_of(&dir).unwrap_or(dir);
    let file = root.join("backlint.toml");
    if !stdout && !force {
        let existing = [file.clone(), root.join(".backlint.toml")]
            .into_iter()
            .find(|p| p.exists());
        if let Some(p) = existing {
            eprintln!(
                "error: {} already exists; `backlint init --force` replaces it",
                p.display()
            );
            return Ok(EXIT_ERROR);
        }
    }
    // The layers as a run without configuration infers them.
    let settings = Settings::default().with_rules(&["BL401"]);
    let (target, packages) = match crate::workspace::load(&root, None) {
        Ok(ws) => (Target::default(), ws.packages),
        // No Cargo.toml, or the root manifest is broken: the directory is walked, with
        // the packages found by their manifests in it.
        Err(_) => (
            Target {
                paths: vec![root.clone()],
                ..Target::default()
            },
            crate::discover::plain_packages(&root, None),
        ),
    };
    let report = crate::check(&settings, &target, &root);
    for e in &report.errors {
        eprintln!("warning: {}", crate::report::escape::text(&e.to_string()));
    }
    let deps: Vec<String> = packages
        .iter()
        .flat_map(|p| p.dependencies.iter().cloned())
        .collect();
    let text = match report.layers.first() {
        Some(map) => crate::init::starter_config(map, &deps, packages.len() <= 1),
        None => crate::init::starter_config(&Default::default(), &deps, true),
    };
    if stdout {
        io::stdout().write_all(text.as_bytes())?;
        return Ok(EXIT_OK);
    }
    if let Err(e) = std::fs::write(&file, &text) {
        eprintln!("error: cannot write {}: {e}", file.display());
        return Ok(EXIT_ERROR);
    }
    let layers = report.layers.first().filter(|m| m.is_active());
    eprintln!(
        "wrote {}{}",
        file.display(),
        match layers {
            Some(m) => format!(
                " with the inferred layers {}",
                m.layers
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" → ")
            ),
            None => " (no layers inferred: BL401 is off until you declare them)".into(),
        }
    );
    Ok(EXIT_OK)
}

fn list_rules(format: ListFormat) -> io::Result<i32> {
    let mut out = io::stdout().lock();
    let all = rules::all_meta();
    match format {
        ListFormat::Json => {
            let v: Vec<serde_json::Value> = all
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "code": m.code, "name": m.name, "category": m.category.as_str(),
                        "severity": m.severity.as_str(), "status": m.status.as_str(),
                        "precision": m.precision.as_str(), "cwe": m.cwe, "since": m.since,
                        "summary": m.summary,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        ListFormat::Markdown => {
            out.write_all(crate::report::rule_table_markdown().as_bytes())?;
        }
        ListFormat::Table => {
            let w = all.iter().map(|m| m.name.len()).max().unwrap_or(4);
            writeln!(
                out,
                "{:<6}  {:<w$}  {:<15}  {:<8}  {:<7}  summary",
                "code", "name", "category", "severity", "status"
            )?;
            for m in all {
                writeln!(
                    out,
                    "{:<6}  {:<w$}  {:<15}  {:<8}  {:<7}  {}",
                    m.code,
                    m.name,
                    m.category.as_str(),
                    m.severity.as_str(),
                    m.status.as_str(),
                    m.summary
                )?;
            }
        }
    }
    Ok(EXIT_OK)
}

/// The configuration of each group of inputs: `--config` or none (`--isolated`) for
/// all; otherwise each input uses the configuration found upward from the root of the
/// cargo workspace it belongs to (so a run gives the same result from any member
/// directory, and files of two workspaces each get their own).
fn config_groups(
    args: &CheckArgs,
    cwd: &Path,
) -> Result<Vec<(LoadedOptions, Vec<PathBuf>)>, ConfigError> {
    let single = |loaded| Ok(vec![(loaded, args.paths.clone())]);
    if args.isolated {
        return single(LoadedOptions::default());
    }
    if let Some(path) = &args.config {
        return single(config::load_file(path)?);
    }
    let start = |dir: PathBuf| crate::workspace::root_of(&dir).unwrap_or(dir);
    if args.paths.is_empty() {
        return single(config::discover(&start(manifest_dir(args, cwd)))?);
    }
    let mut groups: Vec<(LoadedOptions, Vec<PathBuf>)> = Vec::new();
    let mut found: std::collections::HashMap<PathBuf, usize> = Default::default();
    for p in &args.paths {
        let abs = cwd.join(p);
        let dir = if abs.is_dir() {
            abs
        } else {
            abs.parent().map(Path::to_path_buf).unwrap_or(abs)
        };
        let root = start(dir);
        let i = match found.get(&root) {
            Some(&i) => i,
            None => {
                let loaded = config::discover(&root)?;
                // Two workspaces may share one configuration file above them.
                let i = groups
                    .iter()
                    .position(|(l, _)| l.path.is_some() && l.path == loaded.path)
                    .unwrap_or_else(|| {
                        groups.push((loaded, Vec::new()));
                        groups.len() - 1
                    });
                found.insert(root, i);
                i
            }
        };
        groups[i].1.push(p.clone());
    }
    Ok(groups)
}

/// The progress bar of this run, when [`crate::progress::wanted`]: on standard error, or
/// in a worker on its supervisor's terminal.
fn progress(format: Format, quiet: bool) -> crate::progress::Progress {
    use crate::progress::{Progress, Terminal, When};
    if crate::engine::contain::is_probe() {
        return Progress::hidden();
    }
    let own = io::stderr().is_terminal();
    let when = When::from_env(own || crate::worker::has_terminal(), format, quiet);
    if !crate::progress::wanted(&when) {
        return Progress::hidden();
    }
    if own {
        return Progress::on(Terminal::Stderr);
    }
    #[cfg(unix)]
    if let Some(file) = crate::worker::terminal() {
        return Progress::on(Terminal::Device(file));
    }
    Progress::hidden()
}

/// The directory of `--manifest-path`'s manifest, or the current directory: where the
/// workspace analysed without paths is looked for.
fn manifest_dir(args: &CheckArgs, cwd: &Path) -> PathBuf {
    match &args.manifest.manifest_path {
        Some(m) => cwd
            .join(m)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| cwd.to_path_buf()),
        None => cwd.to_path_buf(),
    }
}

/// `backlint clean`: removes the cache directory this directory's runs use.
fn clean(cache_dir: Option<PathBuf>) -> io::Result<i32> {
    let cwd = std::env::current_dir()?;
    let dir = match cache_dir.or_else(|| {
        std::env::var_os(crate::cache::DIR_ENV)
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
    }) {
        Some(d) => cwd.join(d),
        None => match crate::cache::default_dir(&cwd) {
            Some(d) => d,
            None => {
                eprintln!("error: the cache directory's place is a symbolic link; not removed");
                return Ok(EXIT_ERROR);
            }
        },
    };
    match crate::cache::clean(&dir) {
        Ok(true) => eprintln!("removed {}", dir.display()),
        Ok(false) => eprintln!("no cache at {}", dir.display()),
        Err(e) => {
            eprintln!("error: {}", crate::report::escape::text(&e.to_string()));
            return Ok(EXIT_ERROR);
        }
    }
    Ok(EXIT_OK)
}

/// The incremental cache of this run: `--no-cache` none; `--cache-dir`,
/// `BACKLINT_CACHE_DIR`, or the default place of the workspace being analysed. None
/// either for a worker probing one file, and with the containment tests' fault hook
/// (whose faults a cached result would skip).
fn open_cache(args: &CheckArgs, cwd: &Path) -> Option<crate::cache::Cache> {
    if args.no_cache
        || crate::engine::contain::is_probe()
        || std::env::var_os(crate::engine::contain::FAULT_ENV).is_some()
    {
        return None;
    }
    let dir = match (&args.cache_dir, std::env::var_os(crate::cache::DIR_ENV)) {
        (Some(d), _) => cwd.join(d),
        (None, Some(d)) if !d.is_empty() => cwd.join(d),
        _ => crate::cache::default_dir(&manifest_dir(args, cwd))?,
    };
    let mut cache = crate::cache::Cache::open(&dir)?;
    if args.show_layers {
        cache.keep_layer_maps();
    }
    Some(cache)
}

fn check(args: CheckArgs) -> io::Result<i32> {
    let cwd = std::env::current_dir()?;
    if !args.paths.is_empty()
        && (!args.packages.package.is_empty() || !args.packages.exclude.is_empty())
    {
        eprintln!(
            "error: `--package`/`--exclude` select workspace members; they cannot be combined with paths ({})",
            args.paths[0].display()
        );
        return Ok(EXIT_ERROR);
    }
    let groups = match config_groups(&args, &cwd) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {}", crate::report::escape::text(&e.to_string()));
            return Ok(EXIT_ERROR);
        }
    };
    let overrides = Overrides {
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
        preview: args.preview,
        exclude: args.extend_exclude.clone(),
        jobs: args.jobs,
    };
    let mut runs = Vec::new();
    for (loaded, paths) in groups {
        let settings = match Settings::resolve(&loaded, &overrides) {
            Ok(s) if args.show_layers => s.with_rules(&["BL401"]),
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {}", crate::report::escape::text(&e.to_string()));
                return Ok(EXIT_ERROR);
            }
        };
        let target = Target {
            paths,
            manifest: args.manifest.manifest_path.as_ref().map(|m| cwd.join(m)),
            selection: crate::workspace::Selection {
                packages: args.packages.package.clone(),
                exclude: args.packages.exclude.clone(),
            },
        };
        runs.push((settings, target));
    }
    let baseline = match &args.baseline {
        Some(p) => match crate::baseline::Baseline::load(p, &cwd) {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("error: {}", crate::report::escape::text(&e.to_string()));
                return Ok(EXIT_ERROR);
            }
        },
        None => None,
    };
    // Asked before the analysis: a bad revision fails at once.
    let changed = match &args.diff_base {
        Some(rev) => match crate::diff::ChangedLines::from_git(rev, &cwd) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("error: {}", crate::report::escape::text(&e.to_string()));
                return Ok(EXIT_ERROR);
            }
        },
        None => None,
    };
    let format = match args.message_format {
        Some(MessageFormat::Human) => Format::Human,
        Some(MessageFormat::Short) => Format::Concise,
        Some(MessageFormat::Json | MessageFormat::JsonDiagnosticRenderedAnsi) => Format::CargoJson,
        None => args.format.unwrap_or(Format::Human),
    };
    let progress = progress(format, args.quiet);
    let cache = open_cache(&args, &cwd);
    let mut rules: Vec<&'static crate::rules::RuleMeta> = Vec::new();
    let mut reports = Vec::new();
    for (settings, target) in &runs {
        rules.extend(settings.enabled_rules());
        reports.push(crate::check_with(
            settings,
            target,
            &cwd,
            &progress,
            cache.as_ref(),
        ));
    }
    // Off the terminal before anything else is printed.
    progress.finish();
    // A worker probing one file for the supervisor only has to survive its analysis.
    if crate::engine::contain::is_probe() {
        return Ok(EXIT_OK);
    }
    if let Some(c) = cache {
        if std::env::var_os("BACKLINT_CACHE_STATS").is_some() {
            let s = c.stats();
            eprintln!("cache: {} reused, {} analysed", s.hits, s.misses);
            eprintln!(
                "cache-project: {} reused, {} made",
                s.projects_reused, s.projects_made
            );
        }
        c.save();
    }
    let mut report = crate::Report::merge(reports);
    // BL003 findings come only from runs that enable it; its rule is added here anyway,
    // so that the output's catalogue (SARIF's `rules`) always has the rule of a result.
    let internal = report
        .findings
        .iter()
        .any(|f| f.code == INTERNAL_ERROR.code);
    if internal {
        rules.push(&INTERNAL_ERROR);
    }
    rules.sort_by_key(|m| m.code);
    rules.dedup_by_key(|m| m.code);
    for w in &report.warnings {
        eprintln!("warning: {}", crate::report::escape::text(w));
    }
    // Modes that print something else than findings: errors only set the exit code.
    let errors_only = |report: &crate::Report| {
        for e in &report.errors {
            eprintln!("error: {}", crate::report::escape::text(&e.to_string()));
        }
        if report.errors.is_empty() && !internal {
            EXIT_OK
        } else {
            EXIT_ERROR
        }
    };
    if let Some(path) = &args.write_baseline {
        // An internal error is no finding to accept: it would hide the next one.
        let findings: Vec<crate::finding::Finding> = report
            .findings
            .iter()
            .filter(|f| f.code != INTERNAL_ERROR.code)
            .cloned()
            .collect();
        if let Err(e) = crate::baseline::write(path, &findings, &cwd) {
            eprintln!("error: {}", crate::report::escape::text(&e.to_string()));
            return Ok(EXIT_ERROR);
        }
        eprintln!(
            "wrote {} finding(s) to baseline {}",
            findings.len(),
            path.display()
        );
        return Ok(errors_only(&report));
    }
    if args.show_layers {
        let text: String = report.layers.iter().map(|l| l.describe()).collect();
        io::stdout().write_all(text.as_bytes())?;
        return Ok(errors_only(&report));
    }
    // Neither a baseline nor the changed lines hide an internal error: the file was not
    // checked at all.
    if let Some(b) = &baseline {
        report
            .findings
            .retain(|f| f.code == INTERNAL_ERROR.code || !b.contains(f));
    }
    if let Some(c) = &changed {
        report
            .findings
            .retain(|f| f.code == INTERNAL_ERROR.code || c.touches(f));
    }
    // The causes' finding counts are of what is reported.
    crate::engine::causes::annotate(&mut report.findings);
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let color = match (args.message_format, args.color) {
        // As cargo: JSON renders plain text unless asked for colours by the format.
        (Some(MessageFormat::Json), _) => false,
        (Some(MessageFormat::JsonDiagnosticRenderedAnsi), _) => true,
        (_, Color::Always) => true,
        (_, Color::Never) => false,
        (_, Color::Auto) => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let cx = RenderContext {
        rules: &rules,
        color,
        sarif_category: args.sarif_category.clone(),
        root: cwd.clone(),
        show_all: args.show_all,
    };
    let mut buf: Vec<u8> = Vec::new();
    if args.statistics && matches!(format, Format::Human | Format::Concise) {
        report::statistics(&report, &mut buf)?;
    } else {
        report::render(format, &report, &cx, &mut buf)?;
        if args.statistics {
            let mut stats = Vec::new();
            report::statistics(&report, &mut stats)?;
            io::stderr().write_all(&stats)?;
        }
    }
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &buf) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return Ok(EXIT_ERROR);
            }
        }
        None => {
            let mut out = io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
        }
    }
    if !matches!(format, Format::Human) {
        for e in &report.errors {
            eprintln!("error: {}", crate::report::escape::text(&e.to_string()));
        }
    }
    Ok(if !report.errors.is_empty() || internal {
        EXIT_ERROR
    } else if report.findings.is_empty() || args.exit_zero {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}
