//! Log sinks: the macros, methods and attributes that write a value to a log, a terminal,
//! a panic message or a tracing span, and a finder that lists, at one node of the tree,
//! each value such a sink is given and how it is shown (`Display` or `Debug`, as a named
//! field). BL201 (`secret-in-log`) is the specification that watches them.

use crate::engine::cx::{Cx, MacroRef};
use crate::engine::index::collect_type_names;
use crate::engine::macros::{FormatArgs, MacroKind, Sigil};
use crate::engine::pattern::typed_pattern_names;
use crate::engine::resolve::{unwrap_all, At, Peel};
use crate::engine::scope::Origin;
use crate::model::names::words;
use proc_macro2::Span;
use syn::Expr;

/// Where an output goes, for messages: "written to the log by `tracing::info!`".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Log,
    Stdout,
    Stderr,
    Panic,
    Span,
}

impl Output {
    pub fn verb(self) -> &'static str {
        match self {
            Output::Log => "written to the log",
            Output::Stdout => "printed to stdout",
            Output::Stderr => "printed to stderr",
            Output::Panic => "included in the panic message",
            Output::Span => "recorded on the tracing span",
        }
    }
}

/// Logging crates whose macros are sinks.
pub const LOG_CRATES: &[&str] = &["tracing", "log", "slog", "tracing_core", "log_crate"];

/// Logging macro names (`tracing`, `log`, `slog`).
pub fn is_log_macro(name: &str) -> bool {
    matches!(
        name,
        "trace"
            | "debug"
            | "info"
            | "warn"
            | "error"
            | "crit"
            | "event"
            | "span"
            | "log"
            | "trace_span"
            | "debug_span"
            | "info_span"
            | "warn_span"
            | "error_span"
    )
}

/// Printing and panicking macros of `std`: where their output goes.
pub fn std_output_macro(name: &str) -> Option<Output> {
    Some(match name {
        "print" | "println" => Output::Stdout,
        "eprint" | "eprintln" | "dbg" => Output::Stderr,
        "panic" | "unreachable" | "todo" | "unimplemented" | "assert" | "assert_eq"
        | "assert_ne" | "debug_assert" | "debug_assert_eq" | "debug_assert_ne" => Output::Panic,
        _ => return None,
    })
}

/// How a value reaches a log sink.
pub enum LogSite<'ast> {
    /// A value of the syntax tree, shown with `Debug` or not, maybe as a named field
    /// (`password = %p`, `span.record("token", ..)`).
    Value {
        expr: &'ast Expr,
        debug: bool,
        field: Option<String>,
    },
    /// A format string: its arguments and inline captures.
    Format(&'ast FormatArgs),
    /// A value parsed from a macro's or an attribute's tokens (`slog`'s `"k" => v`,
    /// `#[instrument(fields(k = v))]`): not in the syntax tree, so only names are known.
    Detached {
        expr: Box<Expr>,
        debug: bool,
        field: Option<String>,
    },
    /// An argument `#[instrument]` records (with `Debug` unless it is a primitive).
    Argument {
        name: String,
        span: Span,
        ty: &'ast syn::Type,
    },
    /// `#[instrument(ret)]`: the function's return value.
    Return {
        span: Span,
        sig: &'ast syn::Signature,
    },
}

/// One value given to a log sink.
pub struct LogSink<'ast> {
    /// The sink as messages name it (`tracing::info!`, `println!`, `#[instrument]`).
    pub sink: String,
    pub out: Output,
    pub site: LogSite<'ast>,
}

/// The values a macro gives to a log sink: logging macros (`tracing`, `log`, `slog`),
/// `println!`/`eprintln!`/`dbg!`, panics and assertions, `write!` to stdout or stderr.
/// What a command-line tool prints to its user is no log ([`cli_code`]).
pub fn macro_log_sinks<'ast>(cx: &Cx<'_, 'ast>, mac: MacroRef<'ast>, out: &mut Vec<LogSink<'ast>>) {
    let name = mac.parsed.name.as_str();
    if matches!(name, "write" | "writeln") {
        let Some(fa) = mac.parsed.format() else {
            return;
        };
        let Some(o) = fa
            .target
            .as_ref()
            .and_then(|t| stdio_target(cx, t, At::HERE, 0))
        else {
            return;
        };
        if matches!(o, Output::Stdout | Output::Stderr) && cli_code(cx) {
            return;
        }
        out.push(LogSink {
            sink: format!("{name}!({}, ..)", stdio_name(o)),
            out: o,
            site: LogSite::Format(fa),
        });
        return;
    }
    let Some((sink, output)) = macro_sink(cx, mac) else {
        return;
    };
    // What a command-line tool prints to stdout is its output to the user who ran
    // it (`tool token create` prints the token); its logs still count.
    // (`eprintln!` too: a tool prints to stderr what must not go down a pipe;
    // `dbg!` is no output to the user.)
    let printed = output == Output::Stdout || (output == Output::Stderr && name != "dbg");
    if printed && cli_code(cx) {
        return;
    }
    let sink_at = |site| LogSink {
        sink: sink.clone(),
        out: output,
        site,
    };
    if output == Output::Log && is_slog(cx, mac.mac) {
        for (expr, debug) in slog_values(mac.mac) {
            out.push(sink_at(LogSite::Detached {
                expr: Box::new(expr),
                debug,
                field: None,
            }));
        }
        return;
    }
    if let Some(log) = mac.parsed.log() {
        // `target: x` names the log target: it is written with every event.
        for (key, value) in &log.prefixes {
            if key == "target" {
                out.push(sink_at(LogSite::Value {
                    expr: value,
                    debug: false,
                    field: None,
                }));
            }
        }
        for f in &log.fields {
            // A shorthand field is named by its value's text; the value itself is checked.
            let shorthand = quote::ToTokens::to_token_stream(&f.value)
                .to_string()
                .replace(' ', "")
                == f.name;
            out.push(sink_at(LogSite::Value {
                expr: &f.value,
                debug: f.sigil == Sigil::Debug,
                field: (!shorthand).then(|| f.name.clone()),
            }));
        }
        if let Some(fa) = &log.format {
            out.push(sink_at(LogSite::Format(fa)));
        }
    } else if let Some(fa) = mac.parsed.format() {
        out.push(sink_at(LogSite::Format(fa)));
    } else if name == "dbg" {
        if let MacroKind::Exprs(list) = &mac.parsed.kind {
            for e in list {
                out.push(sink_at(LogSite::Value {
                    expr: e,
                    debug: true,
                    field: None,
                }));
            }
        }
    }
}

/// The values an expression gives to a log sink: `x.expect(&format!(..))`,
/// `span.record("field", &value)`, `io::stdout().write_all(..)`.
pub fn expr_log_sinks<'ast>(cx: &Cx<'_, 'ast>, expr: &'ast Expr, out: &mut Vec<LogSink<'ast>>) {
    let Expr::MethodCall(m) = expr else { return };
    // Cheap test before allocating the name: most method calls are none of these.
    let id = &m.method;
    if !(id == "expect"
        || id == "record"
        || id == "write_all"
        || id == "write"
        || id == "write_fmt")
    {
        return;
    }
    let method = id.to_string();
    match method.as_str() {
        "expect" => {
            if let Some(fa) = m.args.first().and_then(|a| format_macro_arg(cx, a)) {
                out.push(LogSink {
                    sink: "expect".into(),
                    out: Output::Panic,
                    site: LogSite::Format(fa),
                });
            }
        }
        "record" if m.args.len() == 2 => {
            if let Some(s) = span_record(m) {
                out.push(s);
            }
        }
        "write_all" | "write" | "write_fmt" => {
            if let (Some(o), Some(arg)) =
                (stdio_target(cx, &m.receiver, At::HERE, 0), m.args.first())
            {
                out.push(LogSink {
                    sink: format!("{}().{method}", stdio_name(o)),
                    out: o,
                    site: LogSite::Value {
                        expr: arg,
                        debug: false,
                        field: None,
                    },
                });
            }
        }
        _ => {}
    }
}

/// What `#[instrument]` on a function records: every argument (with `Debug` unless it is
/// a primitive) except those in `skip(..)` or under `skip_all`, the values of
/// `fields(..)`, and with `ret` the return value.
pub fn fn_log_sinks<'ast>(
    cx: &Cx<'_, 'ast>,
    attrs: &'ast [syn::Attribute],
    sig: &'ast syn::Signature,
    out: &mut Vec<LogSink<'ast>>,
) {
    for a in attrs {
        if is_instrument(cx, a) {
            instrument_sinks(a, sig, out);
        }
    }
}

/// `#[instrument]`, `#[tracing::instrument]`, `#[tracing_attributes::instrument]`.
fn is_instrument(cx: &Cx<'_, '_>, a: &syn::Attribute) -> bool {
    let path = a.path();
    if path.segments.last().is_none_or(|s| s.ident != "instrument") {
        return false;
    }
    let cands = cx.uses.candidates(path);
    cands.iter().any(|c| {
        c.len() == 1
            || c.first()
                .is_some_and(|k| k == "tracing" || k == "tracing_attributes")
    })
}

const INSTRUMENT: &str = "#[instrument]";

fn instrument_sinks<'ast>(
    a: &'ast syn::Attribute,
    sig: &'ast syn::Signature,
    out: &mut Vec<LogSink<'ast>>,
) {
    use proc_macro2::TokenTree;
    let mut skipped: Vec<String> = Vec::new();
    let mut skip_all = false;
    let mut ret: Option<Span> = None;
    let mut fields: Vec<proc_macro2::TokenStream> = Vec::new();
    if let syn::Meta::List(l) = &a.meta {
        let toks: Vec<TokenTree> = l.tokens.clone().into_iter().collect();
        for (i, t) in toks.iter().enumerate() {
            let TokenTree::Ident(id) = t else { continue };
            let group = match toks.get(i + 1) {
                Some(TokenTree::Group(g)) => Some(g.stream()),
                _ => None,
            };
            match (id.to_string().as_str(), group) {
                ("skip_all", _) => skip_all = true,
                ("ret", _) => ret = Some(id.span()),
                ("skip", Some(g)) => skipped.extend(g.into_iter().filter_map(|t| match t {
                    TokenTree::Ident(i) => Some(i.to_string()),
                    _ => None,
                })),
                ("fields", Some(g)) => fields.push(g),
                _ => {}
            }
        }
    }
    let at = |site| LogSink {
        sink: INSTRUMENT.into(),
        out: Output::Span,
        site,
    };
    for g in fields {
        for (name, expr, debug) in instrument_fields(g) {
            out.push(at(LogSite::Detached {
                expr: Box::new(expr),
                debug,
                field: Some(name),
            }));
        }
    }
    if let Some(span) = ret {
        out.push(at(LogSite::Return { span, sig }));
    }
    if skip_all {
        return;
    }
    for input in &sig.inputs {
        let syn::FnArg::Typed(t) = input else {
            continue;
        };
        for pn in typed_pattern_names(&t.pat, &t.ty) {
            let name = pn.ident.to_string();
            if skipped.contains(&name) || name.starts_with('_') {
                continue;
            }
            out.push(at(LogSite::Argument {
                name,
                span: pn.ident.span(),
                ty: pn.ty.unwrap_or(&t.ty),
            }));
        }
    }
}

/// `fields(user.password = %creds.password, token)`: each `name = value` (the name may be
/// dotted; a bare `name` declares an empty field), and whether it is shown with `Debug`.
fn instrument_fields(g: proc_macro2::TokenStream) -> Vec<(String, Expr, bool)> {
    use proc_macro2::TokenTree;
    let mut parts: Vec<proc_macro2::TokenStream> = vec![proc_macro2::TokenStream::new()];
    for t in g {
        match &t {
            TokenTree::Punct(p) if p.as_char() == ',' => {
                parts.push(proc_macro2::TokenStream::new())
            }
            _ => {
                if let Some(last) = parts.last_mut() {
                    last.extend(std::iter::once(t))
                }
            }
        }
    }
    let mut out = Vec::new();
    for part in parts {
        let toks: Vec<TokenTree> = part.into_iter().collect();
        let Some(eq) = toks
            .iter()
            .position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == '='))
        else {
            continue;
        };
        let name: String = toks[..eq].iter().map(|t| t.to_string()).collect();
        let mut rest = &toks[eq + 1..];
        let mut debug = false;
        if let Some(TokenTree::Punct(p)) = rest.first() {
            if p.as_char() == '?' || p.as_char() == '%' {
                debug = p.as_char() == '?';
                rest = &rest[1..];
            }
        }
        let ts: proc_macro2::TokenStream = rest.iter().cloned().collect();
        if let Ok(e) = syn::parse2::<Expr>(ts) {
            out.push((name, e, debug));
        }
    }
    out
}

/// `span.record("field", &value)` / `Span::current().record("f", field::display(&v))`.
fn span_record<'ast>(m: &'ast syn::ExprMethodCall) -> Option<LogSink<'ast>> {
    let Some(Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(name),
        ..
    })) = m.args.first()
    else {
        return None;
    };
    let mut value = m.args.iter().nth(1)?;
    let mut debug = false;
    // `field::display(x)` / `field::debug(x)` / `tracing::field::debug(&x)`.
    if let Expr::Call(c) = value {
        if let Expr::Path(p) = &*c.func {
            let last = p.path.segments.last().map(|s| s.ident.to_string());
            if let (Some("display" | "debug"), Some(arg)) = (last.as_deref(), c.args.first()) {
                debug = last.as_deref() == Some("debug");
                value = arg;
            }
        }
    }
    Some(LogSink {
        sink: "Span::record".into(),
        out: Output::Span,
        site: LogSite::Value {
            expr: value,
            debug,
            field: Some(name.value()),
        },
    })
}

/// `format!(..)`, `&format!(..)` or `format!(..).as_str()` given to `expect`.
fn format_macro_arg<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr) -> Option<&'ast FormatArgs> {
    match e {
        Expr::Reference(r) => format_macro_arg(cx, &r.expr),
        Expr::Paren(p) => format_macro_arg(cx, &p.expr),
        Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "as_str" | "as_ref") => {
            format_macro_arg(cx, &m.receiver)
        }
        Expr::Macro(m) => {
            let parsed = cx.macros.get(&m.mac);
            (parsed.name == "format").then(|| parsed.format()).flatten()
        }
        _ => None,
    }
}

/// The sink a macro is, and where its output goes.
fn macro_sink(cx: &Cx<'_, '_>, mac: MacroRef<'_>) -> Option<(String, Output)> {
    let name = mac.parsed.name.as_str();
    let path = &mac.mac.path;
    if !is_log_macro(name) && std_output_macro(name).is_none() {
        return None;
    }
    let cands = cx.uses.candidates(path);
    if is_log_macro(name) {
        if let Some(c) = cands
            .iter()
            .find(|c| c.len() >= 2 && LOG_CRATES.contains(&c[0].as_str()))
        {
            let krate = if c[0] == "log_crate" {
                "log"
            } else {
                c[0].as_str()
            };
            return Some((format!("{krate}::{name}!"), Output::Log));
        }
        // `#[macro_use] extern crate log;` makes the bare names available everywhere.
        if path.segments.len() == 1 && cands.first().is_some_and(|c| c.len() == 1) {
            return Some((format!("{name}!"), Output::Log));
        }
        return None;
    }
    let out = std_output_macro(name)?;
    let std_path = path.segments.len() == 1
        || path
            .segments
            .first()
            .is_some_and(|s| s.ident == "std" || s.ident == "core");
    if !std_path
        || cands
            .first()
            .is_some_and(|c| c.len() > 1 && c[0] != "std" && c[0] != "core")
    {
        return None;
    }
    Some((format!("{name}!"), out))
}

fn is_slog(cx: &Cx<'_, '_>, mac: &syn::Macro) -> bool {
    cx.uses
        .candidates(&mac.path)
        .iter()
        .any(|c| c.first().is_some_and(|k| k == "slog"))
}

/// `slog` macros: `info!(logger, "msg {}", x; "key" => value, "k2" => ?v)`: each value,
/// and whether it is shown with `Debug`.
fn slog_values(mac: &syn::Macro) -> Vec<(Expr, bool)> {
    use proc_macro2::TokenTree;
    let mut parts: Vec<Vec<TokenTree>> = vec![Vec::new()];
    for t in mac.tokens.clone() {
        match &t {
            TokenTree::Punct(p) if p.as_char() == ',' || p.as_char() == ';' => {
                parts.push(Vec::new())
            }
            _ => {
                if let Some(last) = parts.last_mut() {
                    last.push(t)
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut debug_fmt = false;
    for (i, part) in parts.into_iter().enumerate() {
        if i == 0 || part.is_empty() {
            continue;
        }
        // `"key" => value`: the value follows `=>`, maybe with a `%`/`?`/`#?` sigil.
        let arrow = part.windows(2).position(|w| {
            matches!((&w[0], &w[1]), (TokenTree::Punct(a), TokenTree::Punct(b)) if a.as_char() == '=' && b.as_char() == '>')
        });
        let (toks, debug): (Vec<TokenTree>, bool) = match arrow {
            Some(at) => {
                let mut rest: Vec<TokenTree> = part[at + 2..].to_vec();
                let mut debug = false;
                while let Some(TokenTree::Punct(p)) = rest.first() {
                    match p.as_char() {
                        '?' => debug = true,
                        '%' | '#' => {}
                        _ => break,
                    }
                    rest.remove(0);
                }
                (rest, debug)
            }
            None => (part, debug_fmt),
        };
        let ts: proc_macro2::TokenStream = toks.into_iter().collect();
        if let Ok(lit) = syn::parse2::<syn::LitStr>(ts.clone()) {
            debug_fmt = lit.value().contains(":?");
            continue;
        }
        if let Ok(e) = syn::parse2::<Expr>(ts) {
            out.push((e, debug));
        }
    }
    out
}

fn stdio_name(out: Output) -> &'static str {
    match out {
        Output::Stderr => "stderr",
        _ => "stdout",
    }
}

/// Whether a writer is the process's stdout or stderr (`io::stdout()`, `.lock()` of it,
/// a `BufWriter` around it, or a binding of one).
fn stdio_target<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, at: At, depth: u32) -> Option<Output> {
    // Parentheses, references, derefs and `{ x }` blocks change nothing here.
    let e = unwrap_all(e, Peel::Syntax);
    if depth > 8 {
        return None;
    }
    match e {
        Expr::Reference(r) => stdio_target(cx, &r.expr, at, depth + 1),
        Expr::Paren(p) => stdio_target(cx, &p.expr, at, depth + 1),
        Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "lock" | "by_ref") => {
            stdio_target(cx, &m.receiver, at, depth + 1)
        }
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else { return None };
            let full = cx.uses.resolve(&p.path);
            let last = full.last()?.as_str();
            let std_io = full.len() == 1 || full.iter().any(|s| s == "io");
            match last {
                "stdout" if std_io => Some(Output::Stdout),
                "stderr" if std_io => Some(Output::Stderr),
                "new"
                    if full.len() >= 2
                        && matches!(full[full.len() - 2].as_str(), "BufWriter" | "LineWriter") =>
                {
                    stdio_target(cx, c.args.first()?, at, depth + 1)
                }
                _ => None,
            }
        }
        Expr::Path(p) => {
            let id = p.path.get_ident()?.to_string();
            let b = cx.scopes.resolve(&id, at)?;
            match b.origin {
                Origin::Let(Some(init)) => stdio_target(cx, init, b.at(), depth + 1),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Words of a module or function name that make it a command-line tool's code
/// (`src/cli/`, `mod commands`, `fn run_command`).
fn cli_word(name: &str) -> bool {
    words(name).iter().any(|w| {
        matches!(
            w.as_str(),
            "cli" | "cmd" | "cmds" | "command" | "commands" | "subcommand" | "subcommands"
        )
    })
}

/// Whether what the code prints to stdout is a command-line tool's output to the user
/// who ran it: a package that parses arguments and serves no requests, or, in a package
/// that does both, a `cli`/`commands` module, a `*_command` function, or the root of a
/// binary target (`src/main.rs`, `src/bin/*.rs`) that parses arguments (`clap`, `argh`,
/// `std::env::args`).
pub fn cli_code(cx: &Cx<'_, '_>) -> bool {
    if cx.file.cli || cx.file.module.iter().any(|m| cli_word(m)) || cli_bin_root(cx) {
        return true;
    }
    let mut seen = Vec::new();
    cx.scopes
        .current_fn()
        .is_some_and(|f| cli_fn(cx, f, &mut seen))
}

/// The root file of a binary target (`src/main.rs`, `src/bin/*.rs`) that parses
/// arguments.
fn cli_bin_root(cx: &Cx<'_, '_>) -> bool {
    let display = cx.src.display.replace('\\', "/");
    let bin_root = display.contains("/bin/")
        || display.starts_with("bin/")
        || display.ends_with("/main.rs")
        || display == "main.rs";
    bin_root
        && cx.text_fact("bl201-parses-arguments", |t| {
            [
                "clap::",
                "use clap",
                "argh::",
                "structopt::",
                "pico_args",
                "lexopt",
                "env::args",
            ]
            .iter()
            .any(|k| t.contains(k))
        })
}

/// A function of the file that is a command-line tool's: named so
/// (`create_token_command`), taking parsed arguments (`args: CreateTokenArgs`,
/// `cli: &Cli`), or private and called only by such functions (a subcommand's helper).
fn cli_fn(cx: &Cx<'_, '_>, name: &str, seen: &mut Vec<String>) -> bool {
    if cli_word(name) {
        return true;
    }
    if seen.len() > 16 || seen.iter().any(|s| s == name) {
        return false;
    }
    seen.push(name.to_string());
    let calls = cx.facts.calls();
    let Some(defs) = calls.fns.get(name) else {
        return false;
    };
    let takes_args = defs.iter().any(|d| {
        d.sig.inputs.iter().any(|i| {
            let syn::FnArg::Typed(t) = i else {
                return false;
            };
            let mut names = Vec::new();
            collect_type_names(&t.ty, &mut names, 0);
            names.iter().any(|n| {
                words(n)
                    .last()
                    .is_some_and(|w| matches!(w.as_str(), "args" | "cli" | "opts" | "subcommand"))
            })
        })
    });
    if takes_args {
        return true;
    }
    if defs.iter().any(|d| d.public || d.test) {
        return false;
    }
    match calls.callers.get(name) {
        Some(callers) if !callers.is_empty() => {
            callers.iter().all(|c| !c.is_empty() && cli_fn(cx, c, seen))
        }
        _ => false,
    }
}
