//! BL506 `missing-rate-limit`: a credential endpoint (`POST /login`, `/oauth/token`,
//! `/password/reset`) is routed, and nothing in the analysed workspace limits the rate
//! of requests. Settled after every file has been read: any file that mentions a
//! limiter (a governor crate, tower's `RateLimitLayer`, a limiter of the project's own)
//! silences the rule for the whole run.

use crate::engine::cx::{Condition, Cx};
use crate::model::ratelimit::is_auth_route;
use crate::model::web::{ROUTER_CRATES, ROUTE_ATTR_CRATES};
use crate::rules::{Rule, RuleMeta};
use proc_macro2::Span;
use syn::{Expr, ExprLit, Lit};

crate::declare_rule! {
    pub static MISSING_RATE_LIMIT = {
        code: "BL506",
        name: "missing-rate-limit",
        category: SecurityConfig,
        severity: Warning,
        cwe: [307, 770],
        precision: Medium,
        status: Preview,
        since: "0.1.0",
        summary: "a login, token or password endpoint in a workspace where nothing limits the rate of requests",
    }
}

pub struct MissingRateLimit;

const HELP: &str = "put a rate limiter in front of credential endpoints: `tower_governor::GovernorLayer` (axum, tower), `actix_governor::Governor` (actix-web), `rocket_governor`, or count failed attempts per account and client in the handler; if a proxy in front of the service limits the rate, say so in a `backlint:allow(BL506)` comment";

/// Routing functions whose handler answers POST: `axum::routing::post`,
/// `actix_web::web::post`, `poem::post`.
fn is_post_router(path: &[String]) -> bool {
    let Some(last) = path.last() else {
        return false;
    };
    if last != "post" && last != "post_service" {
        return false;
    }
    // `use axum::routing::*`: a bare routing function.
    path.len() == 1
        || path
            .first()
            .is_some_and(|c| ROUTER_CRATES.contains(&c.as_str()))
}

/// Whether a route's handler expression answers POST: `post(login)`,
/// `get(form).post(login)`, `web::post().to(login)`.
fn answers_post(cx: &Cx<'_, '_>, e: &Expr) -> bool {
    match e {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => is_post_router(&cx.resolve(&p.path)),
            _ => false,
        },
        Expr::MethodCall(m) => m.method == "post" || answers_post(cx, &m.receiver),
        Expr::Paren(p) => answers_post(cx, &p.expr),
        Expr::Reference(r) => answers_post(cx, &r.expr),
        _ => false,
    }
}

fn str_lit(e: &Expr) -> Option<(String, Span)> {
    match e {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some((s.value(), s.span())),
        Expr::Reference(r) => str_lit(&r.expr),
        _ => None,
    }
}

/// The path of an actix `web::resource("/login")` at the root of a method chain.
fn resource_path(cx: &Cx<'_, '_>, e: &Expr) -> Option<(String, Span)> {
    match e {
        Expr::MethodCall(m) => resource_path(cx, &m.receiver),
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else { return None };
            let path = cx.resolve(&p.path);
            let actix = path.first().is_some_and(|f| f == "actix_web") || path.len() <= 2;
            if actix && path.last().is_some_and(|l| l == "resource") && c.args.len() == 1 {
                str_lit(&c.args[0])
            } else {
                None
            }
        }
        _ => None,
    }
}

fn report(cx: &mut Cx<'_, '_>, route: &str, span: Span) {
    let message = format!(
        "`POST {route}` takes credentials, and nothing in the workspace limits the rate of requests: password guessing against it is unbounded"
    );
    cx.report_when(
        &MISSING_RATE_LIMIT,
        span,
        message,
        Condition::UnlessRateLimited,
    )
    .help = Some(HELP.into());
}

impl Rule for MissingRateLimit {
    fn meta(&self) -> &'static RuleMeta {
        &MISSING_RATE_LIMIT
    }

    fn check_expr<'ast>(&self, cx: &mut Cx<'_, 'ast>, expr: &'ast Expr) {
        let Expr::MethodCall(m) = expr else { return };
        if cx.scopes.in_test() || cx.file.test {
            return;
        }
        let name = m.method.to_string();
        match (name.as_str(), m.args.len()) {
            // axum `Router::route("/login", post(login))`, poem `Route::at(..)`, actix
            // `App::route("/login", web::post().to(login))`.
            ("route" | "at", 2) => {
                let Some((route, span)) = str_lit(&m.args[0]) else {
                    return;
                };
                if is_auth_route(&route) && answers_post(cx, &m.args[1]) {
                    report(cx, &route, span);
                }
            }
            // actix `web::resource("/login").route(web::post().to(login))`.
            ("route", 1) => {
                if !answers_post(cx, &m.args[0]) {
                    return;
                }
                if let Some((route, span)) = resource_path(cx, &m.receiver) {
                    if is_auth_route(&route) {
                        report(cx, &route, span);
                    }
                }
            }
            _ => {}
        }
    }

    fn check_fn<'ast>(
        &self,
        cx: &mut Cx<'_, 'ast>,
        attrs: &'ast [syn::Attribute],
        _sig: &'ast syn::Signature,
        _body: &'ast syn::Block,
    ) {
        if cx.scopes.in_test() || cx.file.test {
            return;
        }
        // `#[post("/login")]` (actix-web, rocket, ntex).
        for a in attrs {
            let path = cx.resolve(a.path());
            let framework = path.len() == 1
                || path
                    .first()
                    .is_some_and(|c| ROUTE_ATTR_CRATES.contains(&c.as_str()));
            if !framework || path.last().is_none_or(|l| l != "post") {
                continue;
            }
            let syn::Meta::List(list) = &a.meta else {
                continue;
            };
            let Some(first) = list.tokens.clone().into_iter().next() else {
                continue;
            };
            let Ok(lit) = syn::parse2::<syn::LitStr>(first.into()) else {
                continue;
            };
            let route = lit.value();
            if is_auth_route(&route) {
                report(cx, &route, lit.span());
            }
        }
    }
}
