//! BL601 `http-client-without-timeout`: an outbound HTTP client (reqwest, ureq) created
//! without any timeout that bounds a stalled response.
//!
//! Each constructor is followed up its chain and through the locals it is bound to,
//! within the function (a [`Tree`]): a builder given `.timeout(..)` (or `read_timeout`) on
//! any path is fine; a builder handed to another function is not judged; a client whose
//! every request in the function sets its own `.timeout(..)` (or is awaited inside
//! `tokio::time::timeout`) is fine, and so is a client that is only the fallback for when
//! building one with a timeout fails (`.unwrap_or_else(|_| Client::new())`, an `Err` arm).
//! A client stored, returned or passed on without a timeout is reported where it is
//! created: that is where the timeout belongs.

use crate::engine::cx::Condition;
use crate::engine::cx::Cx;
use crate::engine::health_probe::loopback_health_probe;
use crate::engine::tree::{pat_ident, Node, Role, Tree};
use crate::model::http_clients::{
    constructor, Constructor, HttpLib, Produces, BUILD_METHOD, CONNECT_ONLY_TIMEOUTS, HTTP_CRATES,
    PASS_THROUGH,
};
use crate::model::names::words;
use crate::rules::{Rule, RuleMeta};
use proc_macro2::LineColumn;
use syn::spanned::Spanned;
use syn::Expr;

crate::declare_rule! {
    pub static META = {
        code: "BL601",
        name: "http-client-without-timeout",
        category: Resilience,
        severity: Warning,
        cwe: [400, 1088],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "an outbound HTTP client or request (reqwest, ureq) with no timeout: `Client::new()`, `reqwest::get`, a builder without `.timeout(..)`",
    }
}

pub struct HttpClientWithoutTimeout;

impl Rule for HttpClientWithoutTimeout {
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
        // Build scripts, developer tasks and command-line tools serve no requests: a
        // hung download there stalls one run, not a service; nor does a function only
        // debug builds have.
        if cx.scopes.in_test()
            || cx.file.tool
            || crate::engine::builders::is_dev_build_item(attrs)
            || !mentions_clients(cx)
        {
            return;
        }
        let tree = Tree::from_block(body, cx.macros);
        check_tree(cx, &tree, Some((attrs, sig)));
    }

    fn check_expr<'ast>(&self, cx: &mut Cx<'_, 'ast>, expr: &'ast Expr) {
        // Function bodies are handled whole by `check_fn`; initializers of statics
        // (`LazyLock::new(|| ..)`, `LazyLock::new(reqwest::Client::new)`) here.
        if cx.scopes.in_test()
            || cx.file.tool
            || cx.scopes.current_fn().is_some()
            || !mentions_clients(cx)
        {
            return;
        }
        match expr {
            Expr::Closure(_) => {
                let tree = Tree::from_expr(expr, cx.macros);
                check_tree(cx, &tree, None);
            }
            Expr::Call(c) => {
                for a in &c.args {
                    if let Some(ctor) = fn_value_constructor(cx, a) {
                        report(cx, a, ctor, false, None);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Whether the file's text names one of the libraries (a cheap test before building a
/// function's tree).
fn mentions_clients(cx: &Cx<'_, '_>) -> bool {
    cx.text_fact("http-client-crates", |text| {
        HTTP_CRATES.iter().any(|c| text.contains(c))
    })
}

fn check_tree<'ast>(
    cx: &mut Cx<'_, 'ast>,
    tree: &Tree<'ast>,
    sig: Option<(&'ast [syn::Attribute], &'ast syn::Signature)>,
) {
    let mut probe = None;
    for (i, node) in tree.nodes.iter().enumerate() {
        match node.expr {
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { continue };
                let Some(ctor) = cx
                    .uses
                    .candidates(&p.path)
                    .iter()
                    .find_map(|path| constructor(path))
                else {
                    continue;
                };
                let mut eval = Eval {
                    cx,
                    tree,
                    lib: ctor.lib,
                    connect_only: false,
                    stored: Vec::new(),
                };
                let start = match ctor.produces {
                    Produces::Builder => St::Builder,
                    Produces::Client => St::Client,
                    Produces::Request => St::Request,
                };
                let outcome = eval.climb(i, start, 0);
                if matches!(outcome, Outcome::Unbounded | Outcome::Stored) {
                    let connect_only = eval.connect_only;
                    let mut stored = std::mem::take(&mut eval.stored);
                    if one_shot_health_check(cx, tree, i, sig, &mut probe)
                        || fallback_of_bounded_client(cx, tree, i, ctor.lib)
                    {
                        continue;
                    }
                    // A stored client stands unless every request sent through its
                    // fields sets its own timeout.
                    let cond = (outcome == Outcome::Stored).then(|| {
                        stored.sort();
                        stored.dedup();
                        Condition::UnlessFieldRequestsTimed(stored)
                    });
                    report(cx, node.expr, ctor, connect_only, cond);
                }
            }
            Expr::Path(_) if matches!(node.role, Role::Arg) => {
                if let Some(ctor) = fn_value_constructor(cx, node.expr) {
                    if !fallback_of_bounded_client(cx, tree, i, ctor.lib) {
                        report(cx, node.expr, ctor, false, None);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Whether the client created at node `i` is only the fallback for when building a
/// client that has a timeout fails: the closure or argument of `unwrap_or_else` /
/// `unwrap_or` on the built client (`b.timeout(t).build().unwrap_or_else(|_|
/// Client::new())`), a `match` arm other than `Ok(..)` / `Some(..)` on it (`Err(e) => {
/// warn!(..); Client::new() }`), or the `else` branch of `if let Ok(c) = ..`. A fallback
/// from a builder without a timeout is still reported.
fn fallback_of_bounded_client<'ast>(
    cx: &Cx<'_, 'ast>,
    tree: &Tree<'ast>,
    i: usize,
    lib: HttpLib,
) -> bool {
    fallback_of(tree, i).is_some_and(|primary| built_with_timeout(cx, tree, primary, lib))
}

/// The value node `i` stands in for when that value is an error or nothing (see
/// [`fallback_of_bounded_client`]).
fn fallback_of<'ast>(tree: &Tree<'ast>, i: usize) -> Option<&'ast Expr> {
    let success = |pat: &syn::Pat| match pat {
        syn::Pat::TupleStruct(p) => p.path.is_ident("Ok") || p.path.is_ident("Some"),
        _ => false,
    };
    let mut cur = i;
    for _ in 0..64 {
        let node = &tree.nodes[cur];
        let (p, parent) = tree.parent(cur)?;
        match (node.role, parent.expr) {
            // The client's own chain (`Client::builder().build().unwrap()`), wrappers, the
            // value of a block or of a closure.
            (Role::Receiver | Role::Transparent, _)
            | (Role::Tail, Expr::Block(_) | Expr::Unsafe(_))
            | (Role::ClosureBody, Expr::Closure(_)) => {}
            (Role::Arg, Expr::MethodCall(m))
                if matches!(
                    m.method.to_string().as_str(),
                    "unwrap_or_else" | "unwrap_or"
                ) =>
            {
                return Some(&m.receiver);
            }
            // An arm of a `match` on the built client other than its success.
            (Role::Tail | Role::BranchTail, Expr::Match(m)) => {
                let arm = m.arms.iter().find(|arm| inside(tree, i, arm.body.span()))?;
                return (!success(&arm.pat)).then_some(&*m.expr);
            }
            // `if let Ok(c) = built { c } else { Client::new() }`.
            (Role::BranchTail, Expr::If(f)) => {
                let Expr::Let(l) = &*f.cond else { return None };
                return (success(&l.pat) && !inside(tree, i, f.then_branch.span()))
                    .then_some(&*l.expr);
            }
            _ => return None,
        }
        cur = p;
    }
    None
}

/// Whether `e` is a client built (`.build()`) from a builder given a timeout: on the
/// chain itself, or, for a builder created in this function, on any path its
/// constructor's value takes (the same test as for the builder's own finding). Locals
/// are followed to their `let`.
fn built_with_timeout<'ast>(
    cx: &Cx<'_, 'ast>,
    tree: &Tree<'ast>,
    e: &'ast Expr,
    lib: HttpLib,
) -> bool {
    let mut e = e;
    let mut built = false;
    for _ in 0..64 {
        e = crate::engine::builders::peel(e);
        match e {
            Expr::Try(t) => e = &t.expr,
            Expr::Await(a) => e = &a.base,
            Expr::MethodCall(m) => {
                let method = m.method.to_string();
                if built && lib.builder_timeouts().contains(&method.as_str()) {
                    return true;
                }
                built |= method == BUILD_METHOD;
                e = &m.receiver;
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return false;
                };
                let builder = cx
                    .uses
                    .candidates(&p.path)
                    .iter()
                    .find_map(|path| constructor(path))
                    .filter(|ctor| ctor.produces == Produces::Builder);
                let Some(ctor) = builder else { return false };
                let Some(j) = tree.index_of(e) else {
                    return false;
                };
                let mut eval = Eval {
                    cx,
                    tree,
                    lib: ctor.lib,
                    connect_only: false,
                    stored: Vec::new(),
                };
                return built && eval.climb(j, St::Builder, 0) == Outcome::Bounded;
            }
            Expr::Path(p) if p.qself.is_none() => {
                let Some(name) = p.path.get_ident().map(|i| i.to_string()) else {
                    return false;
                };
                let at = e.span().start();
                let Some((_, init)) = tree
                    .lets_of(&name)
                    .into_iter()
                    .rfind(|(end, _)| (end.line, end.column) <= (at.line, at.column))
                else {
                    return false;
                };
                e = init;
            }
            _ => return false,
        }
    }
    false
}

fn says_health(name: &str) -> bool {
    words(name)
        .iter()
        .any(|w| crate::model::tls::HEALTH_CHECK_WORDS.contains(&w.as_str()))
}

/// Whether the client created at node `i` serves a health check run once, the way a
/// container's health check runs a server binary's `health` subcommand: one request, then
/// the process exits (and the orchestrator's own timeout bounds it). That is:
///
/// - a probe of the service's own listener (requests only to this machine, named as a
///   health check, readiness check or heartbeat: the shared [`loopback_health_probe`]);
/// - or, outside any loop, a free function named as a health or readiness check (or in
///   a module so named) that returns no client (`async fn check_health(args) ->
///   Result<()>`), or the `match` arm of a health-check subcommand
///   (`Command::HealthCheck { .. } => { .. }`).
///
/// A method (`self.check_health()`, a checker a server runs periodically), a client made
/// inside a loop, a request handler (the service's own `/health` endpoint checking an
/// upstream) and a constructor returning the client are still checked.
fn one_shot_health_check<'ast>(
    cx: &Cx<'_, 'ast>,
    tree: &Tree<'ast>,
    i: usize,
    sig: Option<(&'ast [syn::Attribute], &'ast syn::Signature)>,
    probe: &mut Option<bool>,
) -> bool {
    if *probe.get_or_insert_with(|| loopback_health_probe(cx, tree, sig.map(|(_, s)| s))) {
        return true;
    }
    let mut cur = i;
    let mut health_arm = false;
    for _ in 0..256 {
        let Some((p, parent)) = tree.parent(cur) else {
            break;
        };
        match parent.expr {
            Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_) => return false,
            Expr::Match(m) if !health_arm => {
                health_arm = m
                    .arms
                    .iter()
                    .find(|arm| inside(tree, i, arm.body.span()))
                    .is_some_and(|arm| pat_says_health(&arm.pat));
            }
            // `if let Some(Command::Healthcheck { url }) = args.command { .. }`
            Expr::If(f) if !health_arm => {
                health_arm = matches!(&*f.cond, Expr::Let(l) if pat_says_health(&l.pat))
                    && inside(tree, i, f.then_branch.span());
            }
            _ => {}
        }
        cur = p;
    }
    if health_arm {
        return true;
    }
    let Some((attrs, sig)) = sig else {
        return false;
    };
    // A service's own health endpoint that calls out is a request handler, not a probe.
    if crate::engine::handler::handler(cx, attrs, sig).is_some() {
        return false;
    }
    let named = says_health(&sig.ident.to_string())
        || cx.file.module.last().is_some_and(|m| says_health(m));
    let returns_client = match &sig.output {
        syn::ReturnType::Default => false,
        syn::ReturnType::Type(_, ty) => {
            let text = quote::ToTokens::to_token_stream(ty).to_string();
            ["Client", "Agent", "Builder", "Self", "impl"]
                .iter()
                .any(|w| text.contains(w))
        }
    };
    named && sig.receiver().is_none() && !returns_client
}

/// Whether node `i` of the tree starts inside `span`.
fn inside(tree: &Tree<'_>, i: usize, span: proc_macro2::Span) -> bool {
    let at = tree.start(i);
    let (a, b) = (span.start(), span.end());
    (a.line, a.column) <= (at.line, at.column) && (at.line, at.column) < (b.line, b.column)
}

/// A subcommand's pattern named as a health check (`Command::HealthCheck { .. }`,
/// `Mode::Ready(args)`, also inside `Some(..)`/`Ok(..)`).
fn pat_says_health(pat: &syn::Pat) -> bool {
    let path = match pat {
        syn::Pat::Struct(p) => &p.path,
        syn::Pat::TupleStruct(p) if p.path.is_ident("Some") || p.path.is_ident("Ok") => {
            return p.elems.len() == 1 && p.elems.iter().all(pat_says_health);
        }
        syn::Pat::TupleStruct(p) => &p.path,
        syn::Pat::Path(p) => &p.path,
        syn::Pat::Or(o) => return o.cases.iter().any(pat_says_health),
        _ => return false,
    };
    path.segments
        .last()
        .is_some_and(|s| says_health(&s.ident.to_string()))
}

/// A client constructor passed as a function value: `LazyLock::new(reqwest::Client::new)`.
fn fn_value_constructor(cx: &Cx<'_, '_>, e: &Expr) -> Option<&'static Constructor> {
    let Expr::Path(p) = e else { return None };
    cx.uses
        .candidates(&p.path)
        .iter()
        .find_map(|path| constructor(path))
        .filter(|c| c.produces == Produces::Client)
}

fn report(
    cx: &mut Cx<'_, '_>,
    at: &Expr,
    ctor: &Constructor,
    connect_only: bool,
    cond: Option<Condition>,
) {
    let name = ctor.path.join("::");
    let stall = "a server that accepts the connection and never answers holds the request, and the task awaiting it, forever";
    let message = match ctor.produces {
        Produces::Client => format!("`{name}()` creates an HTTP client without a timeout: {stall}"),
        Produces::Builder => {
            let connect = if connect_only {
                " (it sets only a connect timeout, which does not bound a stalled response)"
            } else {
                ""
            };
            format!("`{name}()` builds an HTTP client without a timeout{connect}: {stall}")
        }
        Produces::Request => format!(
            "`{name}(..)` sends a request with the default client, which has no timeout: {stall}"
        ),
    };
    let help = match (ctor.produces, ctor.lib) {
        (Produces::Request, HttpLib::Reqwest) => "send it with a client built with `.timeout(..)` (create it once and reuse it), or wrap it in `tokio::time::timeout(..)`".to_string(),
        (Produces::Request, HttpLib::Ureq) => "set `.timeout(..)` on the request (ureq 2; `.config().timeout_global(Some(..)).build()` in ureq 3), or send it with an agent that has one".to_string(),
        (_, lib) => lib.fix().to_string(),
    };
    let f = match cond {
        Some(cond) => cx.report_when(&META, at.span(), message, cond),
        None => cx.report(&META, at.span(), message),
    };
    f.help = Some(help);
}

/// What the value is at a point of its chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Builder,
    Client,
    Request,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// A timeout is set (on the builder, or on this request).
    Bounded,
    /// Used (stored, passed, requested with) without a timeout.
    Unbounded,
    /// Handed to code that may set one (a builder passed to a function).
    Unknown,
    /// Reassigned to the same local (`b = b.user_agent(..)`): its other uses decide.
    Neutral,
    /// A client stored in a struct field (`Self { client, .. }`), the fields in
    /// [`Eval::stored`], with no other use unbounded: the requests sent through those
    /// fields decide, once the workspace is known.
    Stored,
}

struct Eval<'e, 'c, 'a, 'ast> {
    cx: &'e Cx<'c, 'ast>,
    tree: &'e Tree<'a>,
    lib: HttpLib,
    /// A builder of the chain set only a connect timeout.
    connect_only: bool,
    /// The fields the client was stored in ([`Outcome::Stored`]).
    stored: Vec<String>,
}

const MAX_DEPTH: usize = 6;

impl<'e, 'c, 'a, 'ast> Eval<'e, 'c, 'a, 'ast> {
    /// Follows node `start`, a value in state `st`, up its chain to where it ends.
    fn climb(&mut self, start: usize, mut st: St, depth: usize) -> Outcome {
        let mut cur = start;
        for _ in 0..256 {
            let node = &self.tree.nodes[cur];
            let parent = self.tree.parent(cur);
            match node.role {
                Role::Receiver => {
                    let Some((
                        _,
                        Node {
                            expr: Expr::MethodCall(m),
                            ..
                        },
                    )) = parent
                    else {
                        return escape(st);
                    };
                    let method = m.method.to_string();
                    let method = method.as_str();
                    match st {
                        St::Builder => {
                            if self.lib.builder_timeouts().contains(&method) {
                                return Outcome::Bounded;
                            }
                            if CONNECT_ONLY_TIMEOUTS.contains(&method) {
                                self.connect_only = true;
                            }
                            if method == BUILD_METHOD {
                                st = St::Client;
                            }
                        }
                        St::Client => {
                            if self.lib.request_methods().contains(&method) {
                                st = St::Request;
                            } else if !PASS_THROUGH.contains(&method) {
                                return Outcome::Unbounded;
                            }
                        }
                        St::Request => {
                            if self.lib.request_timeouts().contains(&method) {
                                return Outcome::Bounded;
                            }
                        }
                    }
                }
                Role::Transparent => {}
                // The value of the enclosing `if`, `match` or block.
                Role::Tail | Role::BranchTail
                    if parent.is_some_and(|(_, p)| {
                        matches!(
                            p.expr,
                            Expr::If(_)
                                | Expr::Match(_)
                                | Expr::Block(_)
                                | Expr::Unsafe(_)
                                | Expr::Async(_)
                        )
                    }) => {}
                Role::Arg => {
                    if st == St::Request
                        && parent.is_some_and(|(_, p)| self.is_future_timeout(p.expr))
                    {
                        return Outcome::Bounded;
                    }
                    return escape(st);
                }
                Role::LetInit(pat) => {
                    return match pat_ident(pat) {
                        Some(name) => self.binding(&name, node.expr.span().end(), st, depth),
                        None => escape(st),
                    };
                }
                Role::AssignRhs(lhs) => {
                    // `(b) = ..` assigns `b`.
                    let Expr::Path(lp) = crate::engine::builders::peel(lhs) else {
                        return escape(st);
                    };
                    let Some(name) = lp.path.get_ident().map(|i| i.to_string()) else {
                        return escape(st);
                    };
                    if root_is(self.tree.nodes[start].expr, &name) {
                        return Outcome::Neutral;
                    }
                    return self.binding(&name, node.expr.span().end(), st, depth);
                }
                // `Self { client, .. }`: a client kept in a field.
                Role::Other if st == St::Client => {
                    let Some((
                        _,
                        Node {
                            expr: Expr::Struct(lit),
                            ..
                        },
                    )) = parent
                    else {
                        return escape(st);
                    };
                    let field = lit.fields.iter().find_map(|f| match &f.member {
                        syn::Member::Named(n) if std::ptr::eq(&f.expr, node.expr) => {
                            Some(n.to_string())
                        }
                        _ => None,
                    });
                    let Some(field) = field else {
                        return escape(st);
                    };
                    self.stored.push(field);
                    return Outcome::Stored;
                }
                _ => return escape(st),
            }
            let Some((p, _)) = parent else {
                return escape(st);
            };
            cur = p;
        }
        escape(st)
    }

    /// The outcome of local `name`, bound at `from` to a value in state `st`, from its
    /// uses until it is shadowed.
    fn binding(&mut self, name: &str, from: LineColumn, st: St, depth: usize) -> Outcome {
        if depth >= MAX_DEPTH {
            return Outcome::Unknown;
        }
        let after = |p: LineColumn| (p.line, p.column) >= (from.line, from.column);
        let until = self
            .tree
            .lets_of(name)
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| (p.line, p.column) > (from.line, from.column))
            .min_by_key(|p| (p.line, p.column));
        let uses: Vec<usize> = self
            .tree
            .uses_of(name)
            .filter(|&u| {
                let p = self.tree.start(u);
                after(p) && until.is_none_or(|t| (p.line, p.column) < (t.line, t.column))
            })
            .filter(|&u| !self.is_assign_target(u))
            .collect();
        let outcomes: Vec<Outcome> = uses.iter().map(|&u| self.climb(u, st, depth + 1)).collect();
        let any = |o: Outcome| outcomes.contains(&o);
        match st {
            St::Builder => {
                if any(Outcome::Bounded) {
                    Outcome::Bounded
                } else if any(Outcome::Unbounded) && !any(Outcome::Unknown) {
                    Outcome::Unbounded
                } else if any(Outcome::Stored) && !any(Outcome::Unknown) {
                    Outcome::Stored
                } else {
                    Outcome::Unknown
                }
            }
            St::Client | St::Request => {
                if any(Outcome::Unbounded) || any(Outcome::Unknown) {
                    Outcome::Unbounded
                } else if any(Outcome::Stored) {
                    Outcome::Stored
                } else if any(Outcome::Bounded) {
                    Outcome::Bounded
                } else {
                    Outcome::Unbounded
                }
            }
        }
    }

    fn is_assign_target(&self, u: usize) -> bool {
        // `(b) = ..`: the target may be written in parentheses.
        let mut cur = u;
        for _ in 0..MAX_DEPTH {
            let Some((p, parent)) = self.tree.parent(cur) else {
                return false;
            };
            match parent.expr {
                Expr::Assign(a) => return std::ptr::eq(&*a.left, self.tree.nodes[cur].expr),
                Expr::Paren(_) | Expr::Group(_) => cur = p,
                _ => return false,
            }
        }
        false
    }

    /// `tokio::time::timeout(d, fut)` and the like.
    fn is_future_timeout(&self, e: &Expr) -> bool {
        let Expr::Call(c) = e else { return false };
        let Expr::Path(p) = &*c.func else {
            return false;
        };
        crate::model::http_clients::is_future_timeout(&self.cx.resolve(&p.path))
    }
}

/// Where a chain ends without a timeout: a client or request used as it is; a builder
/// handed on (whoever receives it may still set one).
fn escape(st: St) -> Outcome {
    match st {
        St::Builder => Outcome::Unknown,
        St::Client | St::Request => Outcome::Unbounded,
    }
}

/// Whether expression `e` is the local `name`.
fn root_is(e: &Expr, name: &str) -> bool {
    let e = crate::engine::builders::peel(e);
    matches!(e, Expr::Path(p) if p.path.is_ident(name))
}
