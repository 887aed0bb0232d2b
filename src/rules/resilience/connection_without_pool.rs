//! BL603 `connection-without-pool`: a request handler (or a private helper called only
//! from handlers in its file) opens a new database connection on every request instead
//! of taking one from a pool.
//!
//! Handlers: functions with a route attribute (`#[get("/")]`), async functions taking a
//! web framework's extractor or request type (`State<..>`, `web::Data<..>`,
//! `HttpRequest`), and functions handed to a router in the same file (`get(list)`,
//! `web::post().to(create)`). Helpers: functions of the file that are not public and
//! whose every caller in the file (tests aside) is a handler or such a helper.

use super::handlers::{is_handler, only_from_handlers};
use super::locals::{self_ty_name, Chain, Locals, Root};
use crate::engine::cx::Cx;
use crate::engine::usemap::path_names;
use crate::model::blocking::{is_path, path_in};
use crate::model::connections::{
    CONNECT_BUILDERS, CONNECT_FNS, DIESEL_CONNECTION_TRAITS, REDIS_CONNECT_METHODS,
};
use crate::rules::{Rule, RuleMeta};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::Expr;

crate::declare_rule! {
    pub static META = {
        code: "BL603",
        name: "connection-without-pool",
        category: Resilience,
        severity: Warning,
        cwe: [400, 770],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "a request handler opening a new database connection per request (PgConnection::connect, establish, tokio_postgres::connect) instead of using a pool",
    }
}

pub struct ConnectionWithoutPool;

const HELP: &str = "create a pool once at startup (sqlx `PgPoolOptions::new().connect(..)`, deadpool, bb8, r2d2), keep it in the application state, and take a connection from it in the handler";

impl Rule for ConnectionWithoutPool {
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
        if cx.scopes.in_test() || cx.file.test || !mentions_db_crates(cx) {
            return;
        }
        let name = sig.ident.to_string();
        if name == "main" {
            return;
        }
        let role = if is_handler(cx, attrs, sig) {
            Role::Handler
        } else if let Some(handlers) = only_from_handlers(cx, &name) {
            Role::Helper(handlers)
        } else {
            return;
        };
        let mut s = Finder {
            locals: Locals::new(self_ty_name(cx)),
            cx,
            found: Vec::new(),
            depth: 0,
        };
        s.locals.push();
        s.locals.bind_params(sig);
        s.visit_block(body);
        let found = std::mem::take(&mut s.found);
        for (span, what) in found {
            let msg = match &role {
                Role::Handler => format!(
                    "handler `{name}` opens a new database connection on every request with `{what}`"
                ),
                Role::Helper(h) => format!(
                    "`{name}`, called only from request handlers ({}), opens a new database connection on every request with `{what}`",
                    h.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                ),
            };
            cx.report(&META, span, msg).help = Some(HELP.into());
        }
    }
}

enum Role {
    Handler,
    /// A helper, with the handlers that reach it.
    Helper(Vec<String>),
}

/// Finds the connection openings of a body (closures and async blocks included: they
/// run for the request too).
struct Finder<'c, 'a, 'ast> {
    cx: &'c mut Cx<'a, 'ast>,
    locals: Locals<'ast>,
    found: Vec<(proc_macro2::Span, String)>,
    depth: usize,
}

/// Whether the file's text names a crate whose connections the rule knows (every one it
/// reports is named through a path or an import of the file): a cheap test before the
/// file's call graph is built to tell handlers.
fn mentions_db_crates(cx: &Cx<'_, '_>) -> bool {
    cx.text_fact("db-connection-crates", |text| {
        CONNECT_FNS
            .iter()
            .filter_map(|p| p.first())
            .chain(DIESEL_CONNECTION_TRAITS.iter().filter_map(|p| p.first()))
            .chain(CONNECT_BUILDERS.iter().map(|(krate, _, _)| krate))
            .chain(std::iter::once(&"redis"))
            .any(|krate| text.contains(krate))
    })
}

impl<'ast> Finder<'_, '_, 'ast> {
    fn check_call(&mut self, c: &'ast syn::ExprCall) {
        let Expr::Path(p) = &*c.func else { return };
        let path = self.cx.resolve(&p.path);
        let written: Vec<String> = path_names(&p.path);
        let hit = path_in(&path, CONNECT_FNS)
            // `Conn::establish(url)` through a type alias of a diesel connection: the
            // method is `diesel::Connection`'s, which the file imports.
            || (written.len() == 2
                && written[1] == "establish"
                && DIESEL_CONNECTION_TRAITS
                    .iter()
                    .any(|t| self.cx.uses.imports_path(t)));
        if hit {
            self.found.push((p.span(), written.join("::")));
        }
    }

    fn check_method(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        let chain: Chain = self.locals.chain(self.cx, &m.receiver);
        let root_path = match &chain.root {
            Root::Fn(p) => Some(p.as_slice()),
            Root::Type(p) => Some(p.as_slice()),
            _ => None,
        };
        let builder = method == "connect"
            && root_path.is_some_and(|p| {
                CONNECT_BUILDERS.iter().any(|(krate, suffix, nargs)| {
                    m.args.len() == *nargs
                        && p.first().is_some_and(|c| c == krate)
                        && p.iter().any(|s| s.ends_with(suffix))
                })
            });
        let redis = REDIS_CONNECT_METHODS.contains(&method.as_str())
            && match &chain.root {
                Root::Fn(p) => is_path(p, &["redis", "Client", "open"]),
                Root::Type(p) => is_path(p, &["redis", "Client"]),
                // Names only redis uses, in a file that uses redis.
                _ => method != "get_connection" && self.cx.uses.imports_crate(&["redis"]),
            };
        if builder || redis {
            let what = if redis {
                format!("redis::Client::{method}")
            } else {
                match root_path {
                    Some(p) => format!("{}(..)….{method}(..)", p.join("::")),
                    None => format!("{method}(..)"),
                }
            };
            self.found.push((m.method.span(), what));
        }
    }
}

impl<'ast> Visit<'ast> for Finder<'_, '_, 'ast> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.locals.push();
        visit::visit_block(self, b);
        self.locals.pop();
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

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.locals.push();
        for p in &c.inputs {
            self.locals.bind_pat_unknown(p);
        }
        self.visit_expr(&c.body);
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
            Expr::Call(c) => self.check_call(c),
            Expr::MethodCall(m) => self.check_method(m),
            _ => {}
        }
        visit::visit_expr(self, e);
        self.depth -= 1;
    }
}
