//! BL602 `blocking-call-in-async`: a call that blocks the thread (file system, sleep,
//! synchronous HTTP or database client, child process, blocking channel, `block_on`), or
//! a `std::sync` lock guard held across an `.await`, inside an `async fn`, async block or
//! async closure.
//!
//! Each async body is scanned by its own visitor (from `check_fn` for `async fn`, from
//! `check_expr` for async blocks and closures outside any async code), which tracks the
//! `let` bindings of the body to find what a method's receiver is (`cmd` bound to
//! `std::process::Command::new(..)`, `rx` from `std::sync::mpsc::channel()`), which calls
//! are `.await`ed, and which closures run inline (iterator and `Option` combinators) as
//! opposed to elsewhere (`spawn_blocking`, `web::block`, a pool's `interact`).

use super::handlers::{is_handler, on_request_path, reaching_handlers};
use super::locals::{self_ty_name, Chain, Locals, Root};
use crate::engine::cx::Cx;
use crate::finding::Label;
use crate::model::blocking::{
    blocking_fn, is_path, is_startup_fn, path_in, runs_closure_inline, starts_with,
    std_file_opener, std_fs_fn, std_fs_metadata_fn, BLOCK_ON_FNS, DIESEL_ASYNC_CRATES,
    DIESEL_SYNC_IMPORTS, DIESEL_SYNC_METHODS, PARALLEL_ITER_METHODS, STD_FILE_IO_METHODS,
    SYNC_CHANNELS, SYNC_POOL_CRATES, SYNC_POOL_TYPES, SYNC_RECEIVER_TYPES, SYNC_RECV_METHODS,
    TOKIO_BLOCKING_METHODS,
};
use crate::rules::{Rule, RuleMeta};
use proc_macro2::Span;
use std::collections::HashSet;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::Expr;

crate::declare_rule! {
    pub static META = {
        code: "BL602",
        name: "blocking-call-in-async",
        category: Resilience,
        severity: Warning,
        cwe: [400, 833],
        precision: Medium,
        status: Preview,
        since: "0.1.0",
        summary: "a blocking call (synchronous database query, thread::sleep, blocking HTTP client, Command::output, block_on, std::fs in a handler) or a std lock guard held across .await inside async code",
    }
}

pub struct BlockingCallInAsync;

const OFFLOAD: &str =
    "or move the blocking work into `tokio::task::spawn_blocking(move || ..).await`";

impl Rule for BlockingCallInAsync {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_fn<'ast>(
        &self,
        cx: &mut Cx<'_, 'ast>,
        attrs: &'ast [syn::Attribute],
        sig: &'ast syn::Signature,
        body: &'ast syn::Block,
    ) {
        if cx.scopes.in_test() || sig.asyncness.is_none() {
            return;
        }
        let name = sig.ident.to_string();
        // Startup code runs once, before the program serves: reading its configuration
        // with `std::fs` there blocks no request. A command-line tool's async code
        // blocks only the command.
        // File-system calls are reported on the request path only: elsewhere (startup,
        // maintenance jobs) they are mostly short and block no request.
        let handler = is_handler(cx, attrs, sig);
        let reached = if handler {
            Vec::new()
        } else {
            reaching_handlers(cx, &name)
        };
        // A command's entry point inside a server package (it parses the command line),
        // and the code of a `cli` / `console` module no handler reaches, run as a
        // separate program: they block only the command.
        let command = !handler
            && reached.is_empty()
            && (parses_command_line(cx, body) || in_command_module(cx));
        // A private function nothing in its file refers to never runs (dead code).
        if !handler && unreferenced_private(cx, &name) {
            return;
        }
        let startup = (!handler && (is_startup_fn(&name) || only_from_startup(cx, &name)))
            || cx.file.cli
            || command;
        let label = if handler {
            format!("request handler `{name}`")
        } else if !reached.is_empty() {
            let names: Vec<String> = reached.iter().map(|n| format!("`{n}`")).collect();
            format!(
                "async fn `{name}` (called from request handler {})",
                names.join(", ")
            )
        } else {
            format!("async fn `{name}`")
        };
        let request = handler || !reached.is_empty();
        let self_ty = self_ty_name(cx);
        let mut s = Scanner::new(cx, label, startup, self_ty);
        s.ctx.request = request;
        s.locals.push();
        s.locals.bind_params(sig);
        s.scan_block(body);
        s.flush();
    }

    fn check_expr<'ast>(&self, cx: &mut Cx<'_, 'ast>, expr: &'ast Expr) {
        // Async code nested in async code is scanned with its enclosing body.
        if cx.scopes.in_test() || cx.scopes.in_async() {
            return;
        }
        match expr {
            Expr::Async(a) => {
                let ty = self_ty_name(cx);
                let cli = cx.file.cli;
                let request = enclosing_on_request_path(cx);
                let mut s = Scanner::new(cx, "an async block".into(), cli, ty);
                s.ctx.request = request;
                s.scan_block(&a.block);
                s.flush();
            }
            Expr::Closure(c) if c.asyncness.is_some() => {
                let ty = self_ty_name(cx);
                let cli = cx.file.cli;
                let request = enclosing_on_request_path(cx);
                let mut s = Scanner::new(cx, "an async closure".into(), cli, ty);
                s.ctx.request = request;
                s.visit_closure_inline(c);
                s.flush();
            }
            _ => {}
        }
    }
}

/// Finds uses of a local file other than asking for its metadata (`f.metadata()`): any
/// other method call, a use as an argument, or a mention in a macro.
struct FileUses<'n> {
    name: &'n str,
    used: bool,
}

impl<'v> Visit<'v> for FileUses<'_> {
    fn visit_expr(&mut self, e: &'v Expr) {
        if let Expr::MethodCall(m) = e {
            if m.method == "metadata" && m.args.is_empty() {
                if let Expr::Path(p) = &*m.receiver {
                    if p.path.is_ident(self.name) {
                        return;
                    }
                }
            }
        }
        if let Expr::Path(p) = e {
            if p.path.is_ident(self.name) {
                self.used = true;
            }
        }
        visit::visit_expr(self, e);
    }
    fn visit_macro(&mut self, m: &'v syn::Macro) {
        // Macro bodies are not parsed here: a mention counts as a use.
        if m.tokens.clone().into_iter().any(|t| {
            matches!(&t, proc_macro2::TokenTree::Ident(i) if i == self.name)
                || matches!(&t, proc_macro2::TokenTree::Group(_))
                    && t.to_string().contains(self.name)
        }) {
            self.used = true;
        }
    }
}

/// Whether every function of the file named `name` is private (not `pub`, not a trait
/// method), not test code, and referred to nowhere else in the file: dead code.
fn unreferenced_private(cx: &Cx<'_, '_>, name: &str) -> bool {
    let calls = cx.facts.calls();
    let Some(defs) = calls.fns.get(name) else {
        return false;
    };
    if defs.is_empty() || defs.iter().any(|f| f.public || f.test) {
        return false;
    }
    let referenced = calls
        .callers
        .get(name)
        .is_some_and(|c| c.iter().any(|c| c != name));
    // The name's occurrences in the text: its definitions only (no call, no value use,
    // no mention in a macro or a child module).
    !referenced && cx.ident_offsets(name).len() <= defs.len()
}

/// Whether the private function(s) named `name` are called only from startup code of the
/// file (`main`, `init_*`, or functions themselves only called from there): a `run`
/// that `main` awaits to build and start the server.
fn only_from_startup(cx: &Cx<'_, '_>, name: &str) -> bool {
    fn reach(cx: &Cx<'_, '_>, name: &str, seen: &mut HashSet<String>, depth: usize) -> bool {
        if depth > 4 || !seen.insert(name.to_string()) {
            return depth > 0;
        }
        let calls = cx.facts.calls();
        let Some(defs) = calls.fns.get(name) else {
            return false;
        };
        if defs.is_empty() || defs.iter().any(|f| f.public || f.test) {
            return false;
        }
        let Some(callers) = calls.callers.get(name) else {
            return false;
        };
        let mut any = false;
        for caller in callers {
            if caller == name || calls.is_test_fn(caller) {
                continue;
            }
            let Some(items) = calls.fns.get(caller.as_str()) else {
                return false;
            };
            if items.iter().any(|f| is_handler(cx, f.attrs, f.sig)) {
                return false;
            }
            any = true;
            if !is_startup_fn(caller) && !reach(cx, caller, seen, depth + 1) {
                return false;
            }
        }
        any
    }
    reach(cx, name, &mut HashSet::new(), 0)
}

/// Whether a module of the file's path holds a command-line tool's code (`cli`,
/// `console`).
fn in_command_module(cx: &Cx<'_, '_>) -> bool {
    cx.file
        .module
        .iter()
        .any(|m| matches!(m.as_str(), "cli" | "console"))
}

/// Whether a body parses the command line: `Args::parse()` (clap's `Parser`, a type's
/// `parse` / `try_parse` / `from_args` without arguments), `argh::from_env()`,
/// `.get_matches()`.
fn parses_command_line(cx: &Cx<'_, '_>, body: &syn::Block) -> bool {
    struct Finder<'a, 'b, 'ast> {
        cx: &'a Cx<'b, 'ast>,
        found: bool,
    }
    impl<'v> Visit<'v> for Finder<'_, '_, '_> {
        fn visit_expr_call(&mut self, c: &'v syn::ExprCall) {
            if let Expr::Path(p) = &*c.func {
                let segs = &p.path.segments;
                let last = segs.last().map(|s| s.ident.to_string()).unwrap_or_default();
                if c.args.is_empty()
                    && segs.len() >= 2
                    && matches!(last.as_str(), "parse" | "try_parse" | "from_args")
                {
                    self.found = true;
                }
                if is_path(&self.cx.resolve(&p.path), &["argh", "from_env"]) {
                    self.found = true;
                }
            }
            visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'v syn::ExprMethodCall) {
            if m.args.is_empty() && matches!(m.method.to_string().as_str(), "get_matches") {
                self.found = true;
            }
            visit::visit_expr_method_call(self, m);
        }
    }
    let mut f = Finder { cx, found: false };
    f.visit_block(body);
    f.found
}

/// Whether the function enclosing the walk runs for requests.
fn enclosing_on_request_path(cx: &Cx<'_, '_>) -> bool {
    cx.scopes
        .current_fn()
        .is_some_and(|n| on_request_path(cx, n))
}

/// The context being scanned.
#[derive(Clone)]
struct Ctx {
    /// Async code: blocking calls here block a worker thread.
    async_: bool,
    /// Startup code (`main`, `init`, constructors) or a command-line tool: only calls
    /// that panic or deadlock are reported.
    startup: bool,
    /// On the request path (a handler, or reached from one in the file): file-system
    /// calls are reported too.
    request: bool,
    /// How the context is named in messages (`async fn `load``).
    label: String,
    /// Synchronous database calls of this context (diesel queries, r2d2's `get()`), as
    /// (description, span): reported once, with the others as labels, when the context
    /// ends.
    db: Vec<(String, Span)>,
}

struct Scanner<'c, 'a, 'ast> {
    cx: &'c mut Cx<'a, 'ast>,
    ctx: Ctx,
    locals: Locals<'ast>,
    /// Expressions that are `.await`ed (`x` in `x.await`).
    awaited: HashSet<*const Expr>,
    /// `File::open` / `File::create` calls whose file is discarded or only asked for its
    /// metadata (`File::create(p)?;` truncating, `let f = File::open(p)?; f.metadata()`):
    /// single system calls, a preview sub-check.
    weak_openers: HashSet<*const syn::ExprCall>,
    depth: usize,
}

impl<'c, 'a, 'ast> Scanner<'c, 'a, 'ast> {
    fn new(
        cx: &'c mut Cx<'a, 'ast>,
        label: String,
        startup: bool,
        self_ty: Option<String>,
    ) -> Self {
        Scanner {
            cx,
            ctx: Ctx {
                async_: true,
                startup,
                request: false,
                label,
                db: Vec::new(),
            },
            locals: Locals::new(self_ty),
            awaited: HashSet::new(),
            weak_openers: HashSet::new(),
            depth: 0,
        }
    }

    fn chain_of(&self, e: &'ast Expr) -> Chain {
        self.locals.chain(self.cx, e)
    }

    fn scan_block(&mut self, b: &'ast syn::Block) {
        self.locals.push();
        for (i, stmt) in b.stmts.iter().enumerate() {
            if self.ctx.async_ {
                if let syn::Stmt::Local(l) = stmt {
                    self.check_guard_let(l, &b.stmts[i + 1..]);
                }
                self.mark_weak_opener(stmt, &b.stmts[i + 1..]);
            }
            self.visit_stmt(stmt);
        }
        self.locals.pop();
    }

    /// Runs `f` in another context (a nested async block, an offloaded closure).
    fn in_ctx(&mut self, ctx: Ctx, f: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.ctx, ctx);
        let awaited = std::mem::take(&mut self.awaited);
        self.locals.push();
        f(self);
        self.locals.pop();
        self.flush();
        self.awaited = awaited;
        self.ctx = saved;
    }

    fn nested_async(&self, what: &str) -> Ctx {
        Ctx {
            async_: true,
            startup: self.cx.file.cli,
            request: self.ctx.request,
            label: what.to_string(),
            db: Vec::new(),
        }
    }

    fn sync_ctx(&self) -> Ctx {
        Ctx {
            async_: false,
            startup: false,
            request: false,
            label: String::new(),
            db: Vec::new(),
        }
    }

    // ---- reports ----

    fn report(&mut self, span: Span, what: String, help: String) -> &mut crate::finding::Finding {
        let msg = format!(
            "{what} blocks the async runtime's worker thread in {}",
            self.ctx.label
        );
        let f = self.cx.report(&META, span, msg);
        f.help = Some(help);
        f
    }

    fn check_call(&mut self, c: &'ast syn::ExprCall) {
        let Expr::Path(p) = &*c.func else { return };
        let path = self.cx.resolve(&p.path);
        let shown = path.join("::");
        if path_in(&path, BLOCK_ON_FNS) {
            let msg = format!(
                "`{shown}` inside {} runs a future to completion on the runtime's worker thread: it blocks the thread and deadlocks when the future needs it",
                self.ctx.label
            );
            self.cx.report(&META, p.span(), msg).help = Some("`.await` the future instead".into());
            return;
        }
        if self.ctx.startup {
            return;
        }
        if let Some(instead) = blocking_fn(&path) {
            if std_fs_fn(&path) && !self.ctx.request {
                return;
            }
            // A single metadata system call (`create_dir_all`, `rename`, `metadata`), or
            // a file opened and not read or written here: weak evidence of a long block.
            let weak = std_fs_metadata_fn(&path)
                || (std_file_opener(&path) && self.weak_openers.contains(&(c as *const _)));
            let f = self.report(
                p.span(),
                format!("`{shown}`"),
                format!("use {instead}, {OFFLOAD}"),
            );
            if weak {
                f.preview = true;
            }
        }
    }

    fn check_method(&mut self, e: &'ast Expr, mc: &'ast syn::ExprMethodCall) {
        if self.awaited.contains(&(e as *const Expr)) {
            return;
        }
        let method = mc.method.to_string();
        let span = mc.method.span();
        let nargs = mc.args.len();
        if TOKIO_BLOCKING_METHODS.contains(&method.as_str()) {
            let msg = format!(
                "`.{method}()` inside {} panics: tokio's blocking entry points must not be called from async code",
                self.ctx.label
            );
            let base = method.trim_start_matches("blocking_").to_string();
            self.cx.report(&META, span, msg).help = Some(format!("`.{base}(..).await` instead"));
            return;
        }
        if method == "block_on" && nargs == 1 {
            let msg = format!(
                "`.block_on(..)` inside {} runs a future to completion on the runtime's worker thread: a tokio runtime panics (\"Cannot start a runtime from within a runtime\"), other executors block the thread",
                self.ctx.label
            );
            self.cx.report(&META, span, msg).help = Some("`.await` the future instead".into());
            return;
        }
        if self.ctx.startup {
            return;
        }
        let chain = self.chain_of(&mc.receiver);
        let std_command = |r: &Root| match r {
            Root::Fn(p) => is_path(p, &["std", "process", "Command", "new"]),
            Root::Type(p) => is_path(p, &["std", "process", "Command"]),
            _ => false,
        };
        let what: Option<(String, String)> = match method.as_str() {
            "output" | "status" if nargs == 0 && std_command(&chain.root) => Some((
                format!("`std::process::Command::{method}()`"),
                format!("use `tokio::process::Command` (`.{method}().await`)"),
            )),
            "wait" | "wait_with_output"
                if nargs == 0
                    && ((std_command(&chain.root)
                        && chain.methods.iter().any(|m| m == "spawn"))
                        || matches!(&chain.root, Root::Type(p) if is_path(p, &["std", "process", "Child"]))) =>
            {
                Some((
                    format!("`std::process::Child::{method}()`"),
                    format!("use `tokio::process::Command` (`.spawn()?.{method}().await`)"),
                ))
            }
            "join"
                if nargs == 0
                    && match &chain.root {
                        Root::Fn(p) => {
                            is_path(p, &["std", "thread", "spawn"])
                                || (is_path(p, &["std", "thread", "Builder", "new"])
                                    && chain.methods.iter().any(|m| m == "spawn"))
                        }
                        Root::Type(p) => is_path(p, &["std", "thread", "JoinHandle"]),
                        _ => false,
                    } =>
            {
                Some((
                    "`std::thread::JoinHandle::join()`".into(),
                    "spawn the work with `tokio::task::spawn_blocking` and `.await` its handle"
                        .into(),
                ))
            }
            "open"
                if nargs == 1
                    && self.ctx.request
                    && match &chain.root {
                        Root::Fn(p) => {
                            is_path(p, &["std", "fs", "OpenOptions", "new"])
                                || is_path(p, &["std", "fs", "File", "options"])
                        }
                        Root::Type(p) => is_path(p, &["std", "fs", "OpenOptions"]),
                        _ => false,
                    } =>
            {
                Some((
                    "`std::fs::OpenOptions::open`".into(),
                    format!("use `tokio::fs::OpenOptions`, {OFFLOAD}"),
                ))
            }
            m if SYNC_RECV_METHODS.contains(&m)
                && match &chain.root {
                    Root::Elem(p, 1) => path_in(p, SYNC_CHANNELS),
                    Root::Type(p) => path_in(p, SYNC_RECEIVER_TYPES),
                    _ => false,
                } =>
            {
                Some((
                    format!("`Receiver::{method}()` of a synchronous channel"),
                    "use `tokio::sync::mpsc` (`.recv().await`), or flume's `recv_async().await`"
                        .into(),
                ))
            }
            m if STD_FILE_IO_METHODS.contains(&m)
                && self.ctx.request
                && matches!(&chain.root, Root::Type(p) if is_path(p, &["std", "fs", "File"])) =>
            {
                Some((
                    format!("`std::fs::File::{method}`"),
                    format!("use `tokio::fs::File` with `AsyncReadExt`/`AsyncWriteExt`, {OFFLOAD}"),
                ))
            }
            "send"
                if nargs == 0
                    && matches!(&chain.root, Root::Type(p) if starts_with(p, &["reqwest", "blocking"])) =>
            {
                Some((
                    "`reqwest::blocking` `.send()`".into(),
                    format!("use the async `reqwest::Client` (`.send().await`), {OFFLOAD}"),
                ))
            }
            "call" | "send_json" | "send_string" | "send_form" | "send_bytes" | "send"
                if match &chain.root {
                    Root::Fn(p) => {
                        p.first().is_some_and(|c| c == "ureq")
                            && crate::model::blocking::blocking_fn(p).is_none()
                    }
                    Root::Type(p) => p.first().is_some_and(|c| c == "ureq"),
                    _ => false,
                } =>
            {
                Some((
                    format!("`ureq` `.{method}()`"),
                    format!("use an async HTTP client (`reqwest::Client`), {OFFLOAD}"),
                ))
            }
            "to_socket_addrs"
                if nargs == 0 && self.cx.uses.imports_path(&["std", "net", "ToSocketAddrs"]) =>
            {
                Some((
                    "`ToSocketAddrs::to_socket_addrs()` (a blocking DNS lookup)".into(),
                    "use `tokio::net::lookup_host(..).await`".into(),
                ))
            }
            "get" if nargs == 0 && self.sync_pool(&chain) => {
                self.ctx.db.push(("`r2d2::Pool::get()`".into(), span));
                None
            }
            m if nargs == 1
                && DIESEL_SYNC_METHODS.contains(&m)
                && mc.args.first().is_some_and(|a| self.diesel_sync(a)) =>
            {
                self.ctx
                    .db
                    .push((format!("diesel's synchronous `.{method}(conn)`"), span));
                None
            }
            _ => None,
        };
        if let Some((what, help)) = what {
            self.report(span, what, help);
        }
    }

    /// A synchronous pool's `get()`: the receiver's type is one, or the file uses r2d2 and
    /// the receiver is named like a pool.
    fn sync_pool(&self, chain: &Chain) -> bool {
        match &chain.root {
            Root::Type(p) => {
                if path_in(p, SYNC_POOL_TYPES) {
                    return true;
                }
            }
            Root::Fn(_) | Root::Elem(..) => return false,
            Root::Unknown => {}
        }
        let uses_r2d2 = SYNC_POOL_CRATES
            .iter()
            .any(|c| self.cx.uses.imports_path(c));
        uses_r2d2
            && chain.methods.is_empty()
            && chain
                .name
                .as_deref()
                .is_some_and(|n| n.to_ascii_lowercase().contains("pool"))
    }

    /// The `File` opener an expression evaluates to, through `?`, `.unwrap()`,
    /// `.expect(..)`, `.map_err(..)`, `.ok()` and parentheses.
    fn opener_call(&self, e: &'ast Expr) -> Option<&'ast syn::ExprCall> {
        match e {
            Expr::Try(t) => self.opener_call(&t.expr),
            Expr::Paren(p) => self.opener_call(&p.expr),
            Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "unwrap" | "expect" | "map_err" | "ok" | "context" | "with_context"
                ) =>
            {
                self.opener_call(&m.receiver)
            }
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) if std_file_opener(&self.cx.resolve(&p.path)) => Some(c),
                _ => None,
            },
            _ => None,
        }
    }

    /// Marks a statement's `File` opener as weak evidence when the file is discarded
    /// (`File::create(p)?;`, `let _ = File::open(p);`) or, bound to a name, only asked for
    /// its metadata in the rest of the block.
    fn mark_weak_opener(&mut self, stmt: &'ast syn::Stmt, rest: &'ast [syn::Stmt]) {
        let weak = match stmt {
            syn::Stmt::Expr(e, Some(_)) => self.opener_call(e),
            syn::Stmt::Local(l) => {
                let Some(init) = l.init.as_ref().filter(|i| i.diverge.is_none()) else {
                    return;
                };
                let Some(call) = self.opener_call(&init.expr) else {
                    return;
                };
                let mut pat = &l.pat;
                if let syn::Pat::Type(t) = pat {
                    pat = &t.pat;
                }
                match pat {
                    syn::Pat::Wild(_) => Some(call),
                    syn::Pat::Ident(i) if i.subpat.is_none() => {
                        let name = i.ident.to_string();
                        let mut u = FileUses {
                            name: &name,
                            used: false,
                        };
                        for s in rest {
                            u.visit_stmt(s);
                        }
                        (!u.used).then_some(call)
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(call) = weak {
            self.weak_openers.insert(call as *const _);
        }
    }

    /// Reports the context's synchronous database calls: the first, with the others as
    /// labels.
    fn flush(&mut self) {
        let calls = std::mem::take(&mut self.ctx.db);
        let Some(((what, span), rest)) = calls.split_first() else {
            return;
        };
        let more = match rest.len() {
            0 => String::new(),
            1 => " (with 1 more synchronous database call)".to_string(),
            n => format!(" (with {n} more synchronous database calls)"),
        };
        let labels: Vec<Label> = rest
            .iter()
            .map(|(w, sp)| Label {
                region: self.cx.src.region(*sp),
                message: format!("{w} here too"),
                path: None,
            })
            .collect();
        let f = self.report(
            *span,
            format!("{what}{more}"),
            "use an async driver and pool (`diesel_async` with its `RunQueryDsl` `.await`ed, deadpool, bb8, sqlx), or run the database work in `tokio::task::spawn_blocking` or deadpool-diesel's `interact`".into(),
        );
        f.labels = labels;
    }

    // ---- lock guards ----

    /// `let g = m.lock().unwrap();` followed, in the same block and before `drop(g)`, by
    /// an `.await`.
    fn check_guard_let(&mut self, l: &'ast syn::Local, rest: &'ast [syn::Stmt]) {
        let Some(init) = &l.init else { return };
        if init.diverge.is_some() {
            return;
        }
        let Some(lock) = self.guard_expr(&init.expr) else {
            return;
        };
        let name = match &l.pat {
            syn::Pat::Ident(p) => p.ident.to_string(),
            syn::Pat::Type(t) => match &*t.pat {
                syn::Pat::Ident(p) => p.ident.to_string(),
                _ => return,
            },
            _ => return,
        };
        if name == "_" {
            return;
        }
        let macros = self.cx.macros;
        for stmt in rest {
            let mut f = AwaitFinder::new(macros, Some(&name));
            f.visit_stmt(stmt);
            if f.dropped {
                return;
            }
            if let Some(at) = f.found {
                self.report_guard(lock, at);
                return;
            }
        }
    }

    fn report_guard(&mut self, lock: &'ast syn::ExprMethodCall, at: Span) {
        let method = lock.method.to_string();
        let msg = format!(
            "a synchronous lock's guard (`.{method}()`) is held across an `.await` in {}: other tasks locking it block their worker threads, and the future is not `Send`",
            self.ctx.label
        );
        let region = self.cx.src.region(at);
        let f = self.cx.report(&META, lock.method.span(), msg);
        f.help = Some("drop the guard before the `.await` (end its block or call `drop(guard)`), or use `tokio::sync::Mutex` / `tokio::sync::RwLock` whose guards may be held across `.await`".into());
        f.labels
            .push(Label::here(region, "the guard is still alive here".into()));
    }

    /// The lock call of an expression that evaluates to a lock guard: `m.lock().unwrap()`,
    /// `m.write().expect(..)`, `m.lock()?`, `m.lock().unwrap_or_else(..)`, or a bare
    /// `m.lock()` in a file using `parking_lot`.
    fn guard_expr(&self, e: &'ast Expr) -> Option<&'ast syn::ExprMethodCall> {
        match e {
            Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "unwrap" | "expect" | "unwrap_or_else"
                ) =>
            {
                self.lock_call(&m.receiver, true)
            }
            Expr::Try(t) => match &*t.expr {
                Expr::MethodCall(m) if m.method == "map_err" => self.lock_call(&m.receiver, true),
                inner => self.lock_call(inner, true),
            },
            _ if self.cx.uses.imports_crate(&["parking_lot"]) => self.lock_call(e, false),
            _ => None,
        }
    }

    /// `recv.lock()`, `recv.read()`, `recv.write()` with no argument, not on a standard
    /// stream (`io::stdout().lock()`), not `.await`ed. `std_result`: the call's result is
    /// unwrapped (a `LockResult`); otherwise only `lock()` counts.
    fn lock_call(&self, e: &'ast Expr, std_result: bool) -> Option<&'ast syn::ExprMethodCall> {
        // A local holding the lock's result: `let r = m.lock(); let g = r.unwrap();`.
        let e = match crate::engine::builders::peel(e) {
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| self.locals.init_of(&i.to_string()))
                .unwrap_or(e),
            _ => e,
        };
        let Expr::MethodCall(m) = e else { return None };
        if !m.args.is_empty() {
            return None;
        }
        let method = m.method.to_string();
        let ok = match method.as_str() {
            "lock" => true,
            "read" | "write" => std_result || self.cx.uses.imports_path(&["parking_lot", "RwLock"]),
            _ => false,
        };
        if !ok {
            return None;
        }
        let chain = self.chain_of(&m.receiver);
        match &chain.root {
            // `io::stdout().lock()`: a stream's lock, not a mutex.
            Root::Fn(p)
                if p.last()
                    .is_some_and(|l| matches!(l.as_str(), "stdout" | "stderr" | "stdin")) =>
            {
                None
            }
            // tokio's, futures' and async-std's locks are async.
            Root::Type(p)
                if p.first().is_some_and(|c| {
                    matches!(c.as_str(), "tokio" | "futures" | "async_std" | "async_lock")
                }) =>
            {
                None
            }
            _ => Some(m),
        }
    }

    /// The lock call among a scrutinee's temporaries: `match m.lock().unwrap().get(k)
    /// { .. }`, `if let Ok(g) = m.lock() { .. }`, `while let Some(j) =
    /// q.lock().unwrap().pop_front() { .. }`. They live until the end of the match, the
    /// `if let` body, or the loop.
    fn scrutinee_lock(&self, scrutinee: &'ast Expr, ok: bool) -> Option<&'ast syn::ExprMethodCall> {
        let mut cur = scrutinee;
        for _ in 0..24 {
            if let Some(l) = self.guard_expr(cur) {
                return Some(l);
            }
            if ok {
                if let Some(l) = self.lock_call(cur, true) {
                    return Some(l);
                }
            }
            match cur {
                Expr::MethodCall(m) => cur = &m.receiver,
                Expr::Try(t) => cur = &t.expr,
                Expr::Paren(p) => cur = &p.expr,
                Expr::Reference(r) => cur = &r.expr,
                Expr::Unary(u) => cur = &u.expr,
                Expr::Field(f) => cur = &f.base,
                Expr::Index(i) => cur = &i.expr,
                _ => return None,
            }
        }
        None
    }

    // ---- diesel ----

    /// Whether a diesel query method's argument is a connection and the file runs diesel
    /// queries synchronously (imports diesel's `RunQueryDsl`, not diesel-async's).
    fn diesel_sync(&self, arg: &'ast Expr) -> bool {
        let uses = self.cx.uses;
        if uses.imports_crate(DIESEL_ASYNC_CRATES)
            || !DIESEL_SYNC_IMPORTS.iter().any(|p| uses.imports_path(p))
        {
            return false;
        }
        connection_name(arg).is_some_and(|n| is_connection_name(&n))
    }
}

/// The name of the value a connection argument passes: `conn` in `&mut conn`, `&*conn`,
/// `conn.deref_mut()`, `&mut self.conn`.
fn connection_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Reference(r) => connection_name(&r.expr),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => connection_name(&u.expr),
        Expr::Paren(p) => connection_name(&p.expr),
        Expr::MethodCall(m)
            if m.args.is_empty()
                && matches!(
                    m.method.to_string().as_str(),
                    "deref_mut" | "as_mut" | "borrow_mut" | "deref"
                ) =>
        {
            connection_name(&m.receiver)
        }
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(n.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        _ => None,
    }
}

/// Names a diesel connection goes by: `conn`, `connection`, `db_conn`, `pg_conn`, `db`.
fn is_connection_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    // By words, so `c_` and `_db` are what `c` and `db` are.
    let w = crate::model::names::words(&n);
    n.contains("conn") || matches!(w.as_slice(), [one] if one == "db" || one == "c")
}

/// A body whose `.await`s are looked for.
#[derive(Clone, Copy)]
enum Body<'ast> {
    Expr(&'ast Expr),
    Block(&'ast syn::Block),
}

impl<'c, 'a, 'ast> Scanner<'c, 'a, 'ast> {
    fn scrutinee_then(&mut self, scrutinee: &'ast Expr, bodies: &[Body<'ast>], ok: bool) {
        if !self.ctx.async_ {
            return;
        }
        let Some(lock) = self.scrutinee_lock(scrutinee, ok) else {
            return;
        };
        let macros = self.cx.macros;
        for b in bodies {
            let mut f = AwaitFinder::new(macros, None);
            match b {
                Body::Expr(e) => f.visit_expr(e),
                Body::Block(bl) => f.visit_block(bl),
            }
            if let Some(at) = f.found {
                self.report_guard(lock, at);
                return;
            }
        }
    }

    /// Whether closures given to methods of this chain run on rayon's pool.
    fn parallel(&self, e: &'ast Expr) -> bool {
        let mut cur = e;
        for _ in 0..32 {
            match cur {
                Expr::MethodCall(m) => {
                    if PARALLEL_ITER_METHODS.contains(&m.method.to_string().as_str()) {
                        return true;
                    }
                    cur = &m.receiver;
                }
                Expr::Try(t) => cur = &t.expr,
                Expr::Paren(p) => cur = &p.expr,
                Expr::Reference(r) => cur = &r.expr,
                _ => return false,
            }
        }
        false
    }

    fn visit_closure_inline(&mut self, c: &'ast syn::ExprClosure) {
        self.locals.push();
        for p in &c.inputs {
            self.locals.bind_pat_unknown(p);
        }
        self.visit_expr(&c.body);
        self.locals.pop();
    }
}

/// Whether a pattern is `Ok(..)`.
fn is_ok_pattern(p: &syn::Pat) -> bool {
    matches!(p, syn::Pat::TupleStruct(t) if t.path.segments.last().is_some_and(|s| s.ident == "Ok"))
}

impl<'c, 'a, 'ast> Visit<'ast> for Scanner<'c, 'a, 'ast> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.scan_block(b);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, d)) = &init.diverge {
                self.visit_expr(d);
            }
        }
        self.locals.bind_local(l);
    }

    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        self.locals
            .bind(p.ident.to_string(), super::locals::Bind::Unknown);
        visit::visit_pat_ident(self, p);
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.locals.push();
        visit::visit_arm(self, arm);
        self.locals.pop();
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let parsed = self.cx.macros.get(m);
        for e in parsed.exprs() {
            self.visit_expr(e);
        }
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        if self.depth > 200 {
            return;
        }
        self.depth += 1;
        match e {
            Expr::Await(a) => {
                self.awaited.insert(&*a.base as *const Expr);
                visit::visit_expr(self, e);
            }
            Expr::Async(a) => {
                let ctx = self.nested_async("an async block");
                self.in_ctx(ctx, |s| s.scan_block(&a.block));
            }
            Expr::Closure(c) => {
                let ctx = if c.asyncness.is_some() {
                    self.nested_async("an async closure")
                } else {
                    self.sync_ctx()
                };
                self.in_ctx(ctx, |s| s.visit_closure_inline(c));
            }
            Expr::Call(c) => {
                if self.ctx.async_ {
                    self.check_call(c);
                }
                visit::visit_expr(self, e);
            }
            Expr::MethodCall(m) => {
                if self.ctx.async_ {
                    self.check_method(e, m);
                }
                self.visit_expr(&m.receiver);
                let method = m.method.to_string();
                let inline = runs_closure_inline(&method) && !self.parallel(&m.receiver);
                for arg in &m.args {
                    match arg {
                        Expr::Closure(c) if inline && c.asyncness.is_none() => {
                            self.visit_closure_inline(c)
                        }
                        _ => self.visit_expr(arg),
                    }
                }
            }
            Expr::Match(m) => {
                let bodies: Vec<Body<'ast>> = m
                    .arms
                    .iter()
                    .flat_map(|a| {
                        a.guard
                            .iter()
                            .map(|(_, g)| Body::Expr(g))
                            .chain(std::iter::once(Body::Expr(&a.body)))
                    })
                    .collect();
                let ok = m.arms.iter().any(|a| is_ok_pattern(&a.pat));
                self.scrutinee_then(&m.expr, &bodies, ok);
                visit::visit_expr(self, e);
            }
            Expr::If(i) => {
                if let Expr::Let(l) = &*i.cond {
                    self.scrutinee_then(
                        &l.expr,
                        &[Body::Block(&i.then_branch)],
                        is_ok_pattern(&l.pat),
                    );
                }
                self.locals.push();
                visit::visit_expr(self, e);
                self.locals.pop();
            }
            Expr::While(w) => {
                if let Expr::Let(l) = &*w.cond {
                    self.scrutinee_then(&l.expr, &[Body::Block(&w.body)], is_ok_pattern(&l.pat));
                }
                self.locals.push();
                visit::visit_expr(self, e);
                self.locals.pop();
            }
            Expr::ForLoop(f) => {
                self.scrutinee_then(&f.expr, &[Body::Block(&f.body)], false);
                self.visit_expr(&f.expr);
                self.locals.push();
                self.locals.bind_pat_unknown(&f.pat);
                self.visit_block(&f.body);
                self.locals.pop();
            }
            _ => visit::visit_expr(self, e),
        }
        self.depth -= 1;
    }
}

/// Finds the first `.await` (or awaiting macro: `select!`, `join!`) of a statement, not
/// looking into closures and async blocks (other futures); stops at `drop(guard)`.
struct AwaitFinder<'m, 'ast> {
    macros: &'m crate::engine::cx::MacroCache<'ast>,
    guard: Option<&'m str>,
    found: Option<Span>,
    dropped: bool,
    depth: usize,
}

impl<'m, 'ast> AwaitFinder<'m, 'ast> {
    fn new(macros: &'m crate::engine::cx::MacroCache<'ast>, guard: Option<&'m str>) -> Self {
        AwaitFinder {
            macros,
            guard,
            found: None,
            dropped: false,
            depth: 0,
        }
    }

    fn done(&self) -> bool {
        self.found.is_some() || self.dropped
    }
}

impl<'m, 'ast> Visit<'ast> for AwaitFinder<'m, 'ast> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_expr(&mut self, e: &'ast Expr) {
        if self.done() || self.depth > 200 {
            return;
        }
        self.depth += 1;
        match e {
            Expr::Await(a) => {
                self.visit_expr(&a.base);
                if !self.done() {
                    self.found = Some(a.await_token.span);
                }
            }
            Expr::Closure(_) | Expr::Async(_) => {}
            Expr::Call(c)
                if self.guard.is_some()
                    && matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "drop"))
                    && c.args.iter().any(|a| {
                        matches!(crate::engine::builders::peel(a), Expr::Path(p) if self.guard.is_some_and(|g| p.path.is_ident(g)))
                    }) =>
            {
                self.dropped = true;
            }
            _ => visit::visit_expr(self, e),
        }
        self.depth -= 1;
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if self.done() {
            return;
        }
        let parsed = self.macros.get(m);
        if matches!(parsed.name.as_str(), "select" | "join" | "try_join") {
            self.found = Some(m.path.span());
            return;
        }
        for e in parsed.exprs() {
            self.visit_expr(e);
        }
    }
}
