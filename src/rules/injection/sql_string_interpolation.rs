//! BL101 `sql-string-interpolation`: SQL text built from non-constant data reaching a
//! function that executes it.

use crate::engine::flow::{Built, Class};
use crate::engine::resolve::{declared_type, origin_binding, At, Peel};
use crate::engine::scope::Origin;
use crate::engine::{cx::Cx, walk::target_name};
use crate::model::sql::{
    is_db_receiver_type, matches_fn_sink, BUILDER_CHAIN_METHODS, FN_SINKS, METHOD_SINKS,
    QUERY_BUILDER_TYPES, RAW_PUSH_METHODS, SEPARATED_METHOD,
};
use crate::model::types::type_name;
use crate::rules::{Rule, RuleMeta};
use syn::spanned::Spanned;
use syn::Expr;

crate::declare_rule! {
    pub static META = {
        code: "BL101",
        name: "sql-string-interpolation",
        category: Injection,
        severity: Error,
        cwe: [89],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "SQL text built from non-constant data (format!, +, push_str, write!, join) reaching a SQL sink",
    }
}

pub struct SqlStringInterpolation;

const HELP: &str = "pass values as bind parameters (`$1`/`?` with `.bind(..)`); choose identifiers from a fixed allow-list of `&'static str`";

impl Rule for SqlStringInterpolation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn taint(&self) -> Option<&'static crate::engine::taint::Spec> {
        Some(&SPEC)
    }

    fn check_expr<'ast>(&self, cx: &mut Cx<'_, 'ast>, expr: &'ast Expr) {
        // Test code builds throw-away databases and fixtures; its SQL never sees requests.
        if cx.scopes.in_test() {
            return;
        }
        match expr {
            Expr::Call(call) => check_call(cx, call),
            Expr::MethodCall(m) => check_method(cx, m),
            _ => {}
        }
    }
}

fn check_call<'ast>(cx: &mut Cx<'_, 'ast>, call: &'ast syn::ExprCall) {
    if let Some((label, arg)) = call_sink(cx, call) {
        check_sql_arg(cx, &label, arg);
    }
}

/// The SQL argument of a function sink (`sqlx::query(sql)`, configured sinks).
fn call_sink<'ast>(cx: &Cx<'_, 'ast>, call: &'ast syn::ExprCall) -> Option<(String, &'ast Expr)> {
    let Expr::Path(p) = &*call.func else {
        return None;
    };
    let candidates = cx.uses.candidates(&p.path);
    let sink = FN_SINKS
        .iter()
        .find(|s| candidates.iter().any(|c| matches_fn_sink(s, c)))
        .map(|s| (s.label.to_string(), s.arg))
        .or_else(|| {
            cx.settings.sql_sinks.iter().find_map(|configured| {
                candidates
                    .iter()
                    .any(|c| c == configured)
                    .then(|| (configured.join("::"), 0))
            })
        });
    let (label, arg) = sink?;
    Some((label, call.args.iter().nth(arg)?))
}

/// The SQL argument of a method sink (`pool.execute(sql)`, `client.query(sql, ..)`).
fn method_sink<'ast>(
    cx: &Cx<'_, 'ast>,
    m: &'ast syn::ExprMethodCall,
) -> Option<(String, &'ast Expr)> {
    let method = m.method.to_string();
    let receiver_crate = receiver_type_crate(cx, &m.receiver);
    let sink = METHOD_SINKS.iter().find(|s| {
        s.methods.contains(&method.as_str())
            && (cx.uses.imports_crate(s.crates)
                || receiver_crate
                    .as_deref()
                    .is_some_and(|c| s.crates.contains(&c)))
    })?;
    if receiver_is_not_db(cx, &m.receiver) {
        return None;
    }
    let arg = m.args.iter().nth(sink.arg)?;
    Some((format!("{}::{method}", sink.owner), arg))
}

/// BL101's sinks for the taint engine: request data reaching SQL text gets its own,
/// strongest finding (and replaces the non-constant one at the same place).
fn taint_sinks<'ast>(
    cx: &Cx<'_, 'ast>,
    e: &'ast Expr,
    out: &mut Vec<crate::engine::taint::SinkArg<'ast>>,
) {
    let found = match e {
        Expr::Call(c) => call_sink(cx, c),
        Expr::MethodCall(m) if RAW_PUSH_METHODS.contains(&m.method.to_string().as_str()) => {
            if is_query_builder(cx, &m.receiver) {
                m.args
                    .first()
                    .map(|a| (format!("QueryBuilder::{}", m.method), a))
            } else {
                None
            }
        }
        Expr::MethodCall(m) => method_sink(cx, m),
        _ => None,
    };
    if let Some((sink, arg)) = found {
        out.push(crate::engine::taint::SinkArg {
            arg,
            sink,
            span: arg.span(),
        });
    }
}

/// The taint specification: request text reaching SQL (numbers and checked values do not
/// count).
pub static SPEC: crate::engine::taint::Spec = crate::engine::taint::Spec {
    meta: &META,
    follows: crate::engine::taint::SourceKind::Request,
    secrets: None,
    shape: crate::engine::taint::Shape::Text,
    clears: crate::model::taint::ALLOW_LIST
        | crate::model::taint::VALIDATED
        | crate::model::taint::CHARSET,
    sinks: taint_sinks,
    effect: "is executed as SQL: the client can change what the query does",
    source: None,
    help: HELP,
};

/// Reports the SQL argument of a sink if its text is built from non-constant data, here
/// or in a local function that returns it.
fn check_sql_arg<'ast>(cx: &mut Cx<'_, 'ast>, sink: &str, arg: &'ast Expr) {
    match cx.flow().class(arg) {
        Class::Built(b) => report_built(cx, sink, arg, &b),
        Class::Opaque(_) => {
            if let Some(param) = cx.flow().param_of(arg) {
                cx.mark_sink_param(&META, param, sink.to_string());
            }
            if let Some(func) = cx.flow().returned_by_local_call(arg) {
                cx.report_if_returns_built(
                    &META,
                    arg.span(),
                    sink.to_string(),
                    func,
                    Some(HELP.into()),
                );
            }
        }
        Class::Safe => {}
    }
}

fn check_method<'ast>(cx: &mut Cx<'_, 'ast>, m: &'ast syn::ExprMethodCall) {
    let method = m.method.to_string();
    if RAW_PUSH_METHODS.contains(&method.as_str()) && is_query_builder(cx, &m.receiver) {
        let Some(arg) = m.args.first() else { return };
        let mut flow = cx.flow();
        match flow.class(arg) {
            Class::Safe => {}
            Class::Built(b) => {
                let label = format!("QueryBuilder::{method}");
                report_built(cx, &label, arg, &b);
            }
            Class::Opaque(prov) => {
                let text = flow.text(arg.span());
                let f = cx.report_unless(
                    &META,
                    arg.span(),
                    format!("non-constant `{text}` is appended to SQL by `QueryBuilder::{method}`"),
                    &prov,
                );
                f.help = Some(
                    "append values with `push_bind` so they are sent as bind parameters".into(),
                );
            }
        }
        return;
    }
    if let Some((label, arg)) = method_sink(cx, m) {
        check_sql_arg(cx, &label, arg);
    }
}

fn report_built<'ast>(cx: &mut Cx<'_, 'ast>, sink: &str, arg: &'ast Expr, b: &Built) {
    cx.report_built(
        &META,
        arg.span(),
        sink.to_string(),
        b,
        |sink, part| {
            format!(
                "SQL passed to `{sink}` is built with `{}` from `{}`",
                part.via, part.culprit
            )
        },
        Some(HELP.into()),
    );
}

/// The local variable at the root of a receiver chain (`qb` in `qb.push(..).push(..)`).
/// Chains longer than 256 links are not followed: this runs for every call of a chain,
/// so following them all would cost the square of the chain's length.
fn root_binding_name(mut e: &Expr) -> Option<String> {
    for _ in 0..256 {
        e = match e {
            Expr::Path(p) => return p.path.get_ident().map(|i| i.to_string()),
            Expr::MethodCall(m) => &m.receiver,
            Expr::Reference(r) => &r.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Unary(u) => &u.expr,
            Expr::Field(f) => &f.base,
            _ => return None,
        };
    }
    None
}

/// The crate a receiver's declared type comes from (`pool: &sqlx::PgPool` → `sqlx`).
fn receiver_type_crate(cx: &Cx<'_, '_>, e: &Expr) -> Option<String> {
    let name = root_binding_name(e)?;
    let mut ty = declared_type(&cx.scopes, &name, At::HERE)?;
    while let syn::Type::Reference(r) = ty {
        ty = &r.elem;
    }
    let syn::Type::Path(p) = ty else { return None };
    cx.resolve(&p.path).into_iter().next()
}

/// Whether `e` is a sqlx `QueryBuilder` or its `Separated` helper.
fn is_query_builder<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr) -> bool {
    is_query_builder_at(cx, e, At::HERE, 0)
}

/// [`is_query_builder`] at a point, through locals that hold a builder (`let part =
/// qb.push(".."); part.push(x)`).
fn is_query_builder_at<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, at: At, depth: u32) -> bool {
    if depth > 16 {
        return false;
    }
    if let Expr::MethodCall(m) = e {
        if m.method == SEPARATED_METHOD {
            return true;
        }
        if BUILDER_CHAIN_METHODS.contains(&m.method.to_string().as_str()) {
            return is_query_builder_at(cx, &m.receiver, at, depth + 1);
        }
    }
    let Some(name) = root_binding_name(e) else {
        return false;
    };
    let Some(b) = origin_binding(&cx.scopes, &name, at, Peel::Syntax) else {
        return false;
    };
    if let Some(ty) = b.ty {
        return type_name(ty)
            .is_some_and(|s| QUERY_BUILDER_TYPES.contains(&s.ident.to_string().as_str()));
    }
    match b.origin {
        Origin::Let(Some(init)) => {
            init_is_builder(init)
                || (matches!(init, Expr::MethodCall(m)
                    if BUILDER_CHAIN_METHODS.contains(&m.method.to_string().as_str()))
                    && is_query_builder_at(cx, init, b.at(), depth + 1))
        }
        Origin::BuilderParam => true,
        _ => false,
    }
}

fn init_is_builder(init: &Expr) -> bool {
    match init {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => p
                .path
                .segments
                .iter()
                .any(|s| QUERY_BUILDER_TYPES.contains(&s.ident.to_string().as_str())),
            _ => false,
        },
        Expr::MethodCall(m) => m.method == SEPARATED_METHOD || init_is_builder(&m.receiver),
        _ => false,
    }
}

/// Whether the receiver is a local whose declared type is known and is not a database
/// client/pool/connection/transaction.
fn receiver_is_not_db(cx: &Cx<'_, '_>, e: &Expr) -> bool {
    // Only a receiver that is the local itself has the local's type (`state.pool` does not).
    let Some(name) = target_name(e) else {
        return false;
    };
    if name == "self" {
        return false;
    }
    let Some(ty) = declared_type(&cx.scopes, &name, At::HERE) else {
        return false;
    };
    if matches!(ty, syn::Type::ImplTrait(_)) {
        return false;
    }
    let Some(seg) = type_name(ty) else {
        return false;
    };
    let n = seg.ident.to_string();
    if is_db_receiver_type(&n) {
        return false;
    }
    // Generic parameters (`E: Executor`) and `&mut T` of an unknown type stay candidates.
    n.len() > 1 && !matches!(n.as_str(), "E" | "C" | "T" | "Self")
}
