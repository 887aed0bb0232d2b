//! BL508 `plaintext-http`: an outbound request to a literal (or constant, or default)
//! `http://` URL for a host other than loopback or a private network, worst when it
//! carries credentials.

use crate::engine::cx::Cx;
use crate::engine::resolve::{trace, At, Peel, Traced};
use crate::engine::taint::SinkArg;
use crate::rules::{Rule, RuleMeta};
use syn::Expr;

crate::declare_rule! {
    pub static META = {
        code: "BL508",
        name: "plaintext-http",
        category: SecurityConfig,
        severity: Warning,
        cwe: [319],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "an outbound request to an `http://` URL for a non-loopback host, above all with credentials",
    }
}

pub struct PlaintextHttp;

impl Rule for PlaintextHttp {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_expr<'ast>(&self, cx: &mut Cx<'_, 'ast>, expr: &'ast Expr) {
        if cx.scopes.in_test() || cx.is_sample_file() || cx.file.tool {
            return;
        }
        let mut sinks: Vec<SinkArg<'ast>> = Vec::new();
        crate::model::sinks::http_sinks(cx, expr, &mut sinks);
        for s in sinks {
            let Some(url) = url_text(cx, s.arg, 0) else {
                continue;
            };
            let Some(host) = crate::model::http_clients::plain_http_host(&url) else {
                continue;
            };
            let creds = credentials_on_statement(cx, s.span);
            let message = match creds {
                Some(c) => format!(
                    "request to `http://{host}` sends credentials (`{c}`) unencrypted: anyone on the network path can read and reuse them"
                ),
                None => format!(
                    "request to `http://{host}` travels unencrypted: anyone on the network path can read or change the request and the response"
                ),
            };
            cx.report(&META, s.span, message).help = Some(
                "use `https://` (and keep certificate verification on); for a service on a private network, configure the URL rather than hard-coding it".into(),
            );
        }
    }
}

/// The text an URL argument starts with, when the program fixes it: a literal, a
/// constant, a local bound to one, `format!` with a literal start, `String::from`/`Url::parse`
/// of one, a default given with `unwrap_or`.
fn url_text<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, depth: u32) -> Option<String> {
    if depth > 8 {
        return None;
    }
    let (e, at) = match trace(&cx.scopes, e, At::HERE, Peel::Transparent) {
        Traced::Expr(e, at) | Traced::Free(e, at) => (e, at),
        _ => return None,
    };
    let _ = at;
    match e {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        Expr::Path(p) => {
            let name = p.path.segments.last()?.ident.to_string();
            let v = cx.facts.const_values.get(&name)?;
            url_text(cx, v, depth + 1)
        }
        Expr::Macro(m) => {
            let parsed = cx.macros.get(&m.mac);
            let f = parsed.format()?;
            if parsed.name != "format" {
                return None;
            }
            let fmt = f.fmt.as_ref()?.value();
            // `format!("{API}/charge")`, `format!("{}/x", BASE)`: the base's text first.
            if fmt.starts_with('{') && !fmt.starts_with("{{") {
                let first = f.placeholders.first()?;
                let base = match &first.arg {
                    crate::engine::macros::ArgRef::Arg(i) => {
                        url_text(cx, &f.args.get(*i)?.expr, depth + 1)
                    }
                    crate::engine::macros::ArgRef::Capture(name) => {
                        match cx.scopes.resolve(name, At::HERE).and_then(|b| b.alias_of()) {
                            Some(init) => url_text(cx, init, depth + 1),
                            None => cx
                                .facts
                                .const_values
                                .get(name)
                                .and_then(|v| url_text(cx, v, depth + 1)),
                        }
                    }
                }?;
                let rest = fmt.find('}').map_or("", |j| &fmt[j + 1..]);
                return Some(base + rest);
            }
            Some(fmt)
        }
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else { return None };
            let last = p.path.segments.last()?.ident.to_string();
            if matches!(last.as_str(), "from" | "parse" | "new" | "parse_str") {
                url_text(cx, c.args.first()?, depth + 1)
            } else {
                None
            }
        }
        Expr::Try(t) => url_text(cx, &t.expr, depth + 1),
        Expr::MethodCall(mc)
            if matches!(
                mc.method.to_string().as_str(),
                "parse" | "ok" | "unwrap" | "expect" | "into" | "to_string" | "to_owned"
            ) =>
        {
            url_text(cx, &mc.receiver, depth + 1)
        }
        Expr::MethodCall(mc)
            if matches!(
                mc.method.to_string().as_str(),
                "unwrap_or" | "unwrap_or_else"
            ) =>
        {
            let a = mc.args.first()?;
            match a {
                Expr::Closure(c) => url_text(cx, &c.body, depth + 1),
                _ => url_text(cx, a, depth + 1),
            }
        }
        _ => None,
    }
}

/// The credential marker on the statement holding the request, if any.
fn credentials_on_statement(cx: &Cx<'_, '_>, span: proc_macro2::Span) -> Option<&'static str> {
    let start = cx.src.region(span).byte_start;
    let text = &cx.src.text[start..];
    let end = text.find(';').unwrap_or(text.len()).min(2000);
    let stmt = &text[..end];
    crate::model::http_clients::CREDENTIAL_MARKERS
        .iter()
        .copied()
        .find(|m| stmt.contains(m))
}
