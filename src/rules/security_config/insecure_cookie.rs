//! BL507 `insecure-cookie`: a session or credential cookie built with `Secure` or
//! `HttpOnly` turned off — a cookie builder's `.secure(false)` / `.http_only(false)`
//! (`set_secure(false)`, …) on a cookie whose name or value says session, token or
//! auth, or a session middleware's `cookie_secure(false)` / `with_secure(false)`.
//!
//! Builders are followed through the function (see [`crate::engine::builders`]); the
//! libraries and names are in [`crate::model::cookies`].

use crate::engine::builders::{
    call_span, collect, lit_bool, peel, Body, Builder, Candidates, Gate, Root, StepKind,
};
use crate::engine::cx::Cx;
use crate::finding::Severity;
use crate::model::cookies::{
    cookie_setter, is_cookie_constructor, says_benign, says_session, session_layer, Attr,
    SessionLayer,
};
use crate::model::names::is_const_case;
use crate::rules::{Rule, RuleMeta};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::Expr;

crate::declare_rule! {
    pub static META = {
        code: "BL507",
        name: "insecure-cookie",
        category: SecurityConfig,
        severity: Warning,
        cwe: [614, 1004],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "a session or auth cookie built with `.secure(false)` or `.http_only(false)`, or a session middleware with `cookie_secure(false)` / `with_secure(false)`",
    }
}

pub struct InsecureCookie;

const HELP_SECURE: &str = "keep `Secure` on session cookies (the session middlewares' default); for plain-HTTP local development, gate it: `.secure(!cfg!(debug_assertions))` or a configuration flag";
const HELP_HTTP_ONLY: &str = "keep `HttpOnly` on session cookies; give scripts what they need in a response body or a separate non-secret cookie";

impl Rule for InsecureCookie {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_fn<'ast>(
        &self,
        cx: &mut Cx<'_, 'ast>,
        attrs: &'ast [syn::Attribute],
        _sig: &'ast syn::Signature,
        body: &'ast syn::Block,
    ) {
        // Test code talks to throw-away servers over plain HTTP.
        if cx.scopes.in_test() {
            return;
        }
        let is_root = |p: &[String]| is_cookie_constructor(p) || session_layer(p).is_some();
        let found = collect(cx, attrs, body, &is_root);
        let mut findings = Vec::new();
        for b in &found.builders {
            findings.extend(evaluate(cx, &found, b));
        }
        for f in findings {
            let finding = cx.report(&META, f.span, f.message);
            finding.help = Some(
                match f.attr {
                    Attr::Secure => HELP_SECURE,
                    Attr::HttpOnly => HELP_HTTP_ONLY,
                }
                .into(),
            );
            if f.dev_flag {
                finding.severity = Severity::Note;
            }
        }
    }
}

struct Found {
    span: Span,
    message: String,
    attr: Attr,
    dev_flag: bool,
}

/// What kind of cookie a builder makes.
enum Kind<'ast> {
    /// A cookie of the cookie crate: its name and value arguments.
    Cookie {
        name: &'ast Expr,
        value: Option<&'ast Expr>,
    },
    Layer(SessionLayer),
}

fn kind<'ast>(b: &Builder<'ast>) -> Option<Kind<'ast>> {
    if let Some(l) = session_layer(&b.path) {
        return Some(Kind::Layer(l));
    }
    let Root::Call(call) = b.root else {
        return None;
    };
    let args: Vec<&Expr> = call.args.iter().collect();
    match args.as_slice() {
        // `Cookie::build((name, value))` (cookie 0.18).
        [one] => match peel(one) {
            Expr::Tuple(t) if t.elems.len() == 2 => Some(Kind::Cookie {
                name: &t.elems[0],
                value: Some(&t.elems[1]),
            }),
            _ => Some(Kind::Cookie {
                name: one,
                value: None,
            }),
        },
        [name, value, ..] => Some(Kind::Cookie {
            name,
            value: Some(value),
        }),
        [] => None,
    }
}

fn evaluate<'ast>(cx: &Cx<'_, 'ast>, body: &Body<'ast>, b: &Builder<'ast>) -> Vec<Found> {
    let Some(kind) = kind(b) else {
        return Vec::new();
    };
    // Cookies written to delete one carry nothing.
    if let Kind::Cookie { value, .. } = &kind {
        let empty = match value {
            None => true,
            Some(v) => {
                matches!(peel(v), Expr::Lit(l) if matches!(&l.lit, syn::Lit::Str(s) if s.value().is_empty()))
            }
        };
        if empty || b.steps.iter().any(|s| is_removal(s.kind)) {
            return Vec::new();
        }
    }
    // What each attribute may be at the end: the calls that turned it off, if they may
    // still hold.
    type Off = Option<(Span, String, Gate)>;
    let mut off: [Candidates<Off>; 2] = [
        Candidates::new(None, b.branch.clone()),
        Candidates::new(None, b.branch.clone()),
    ];
    let mut same_site_none = false;
    for step in &b.steps {
        let StepKind::Method(m) = step.kind else {
            continue;
        };
        let name = m.method.to_string();
        let attr = match &kind {
            Kind::Cookie { .. } => cookie_setter(&name),
            Kind::Layer(l) => {
                if name == l.secure {
                    Some(Attr::Secure)
                } else if name == l.http_only {
                    Some(Attr::HttpOnly)
                } else {
                    None
                }
            }
        };
        if name.contains("same_site") {
            same_site_none = m.args.first().is_some_and(|a| {
                matches!(peel(a), Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "None"))
            });
        }
        let Some(attr) = attr else { continue };
        let value = match m.args.first().and_then(lit_bool) {
            Some(false) => {
                let span = call_span(m);
                Some((span, cx.src.snippet(span).to_string(), step.gate.or(b.gate)))
            }
            // `true`, or a value decided elsewhere (configuration).
            _ => None,
        };
        off[attr as usize].set(value, step.branch.clone());
    }
    let off: [Vec<(Span, String, Gate)>; 2] =
        off.map(|c| c.live.into_iter().filter_map(|(v, _)| v).collect());
    if off.iter().all(Vec::is_empty) {
        return Vec::new();
    }
    let what = match &kind {
        Kind::Cookie { name, value } => {
            let mut name_texts = Vec::new();
            texts(cx, body, name, &mut name_texts, 0);
            let mut value_texts = Vec::new();
            if let Some(v) = value {
                texts(cx, body, v, &mut value_texts, 0);
            }
            let session = !says_benign(&name_texts)
                && (says_session(&name_texts)
                    || (says_session(&value_texts) && !says_benign(&value_texts)));
            if !session {
                return Vec::new();
            }
            format!("session cookie `{}`", cx.src.snippet(name.span()))
        }
        Kind::Layer(l) => format!("the session cookie of {}", l.name),
    };
    let mut out = Vec::new();
    let all = off[0]
        .iter()
        .map(|o| (Attr::Secure, o))
        .chain(off[1].iter().map(|o| (Attr::HttpOnly, o)));
    for (attr, (span, call, gate)) in all {
        // Debug builds, or the server's own HTTPS setting deciding: not a fixed choice.
        if gate.dev_build || gate.transport {
            continue;
        }
        let mut message = match attr {
            Attr::Secure => {
                let cross = if same_site_none {
                    " (with `SameSite=None` it also goes with every cross-site request, and current browsers drop it)"
                } else {
                    ""
                };
                format!(
                    "{what} is sent without `Secure` (`{call}`): browsers also send it over plain HTTP, where anyone on the network can read it{cross}"
                )
            }
            Attr::HttpOnly => format!(
                "{what} is readable by scripts (`{call}`): one XSS flaw is enough to steal it"
            ),
        };
        if gate.dev_flag {
            message.push_str(" (in a branch for development mode)");
        }
        out.push(Found {
            span: *span,
            message,
            attr,
            dev_flag: gate.dev_flag,
        });
    }
    out
}

/// Whether a builder step makes a removal cookie (expired, zero max-age).
fn is_removal(step: StepKind<'_>) -> bool {
    let StepKind::Method(m) = step else {
        return false;
    };
    let arg = m.args.first().map(peel);
    match m.method.to_string().as_str() {
        "make_removal" => true,
        "max_age" | "set_max_age" => arg.is_some_and(is_zero_duration),
        "expires" | "set_expires" => arg.is_some_and(|a| {
            matches!(a, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "UNIX_EPOCH"))
        }),
        _ => false,
    }
}

/// `Duration::ZERO`, `Duration::seconds(0)`, `0.days()`, `0`.
fn is_zero_duration(e: &Expr) -> bool {
    let is_zero_lit = |e: &Expr| matches!(peel(e), Expr::Lit(l) if matches!(&l.lit, syn::Lit::Int(i) if i.base10_digits() == "0"));
    match peel(e) {
        Expr::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "ZERO"),
        Expr::Call(c) => c.args.len() == 1 && is_zero_lit(&c.args[0]),
        Expr::MethodCall(m) => m.args.is_empty() && is_zero_lit(&m.receiver),
        e => is_zero_lit(e),
    }
}

/// The names and literal texts of an expression, through local bindings and string
/// constants of the file (`COOKIE_NAME` → its value).
fn texts<'ast>(
    cx: &Cx<'_, 'ast>,
    body: &Body<'ast>,
    e: &'ast Expr,
    out: &mut Vec<String>,
    depth: usize,
) {
    if depth > 6 || out.len() > 64 {
        return;
    }
    match peel(e) {
        Expr::Lit(l) => {
            if let syn::Lit::Str(s) = &l.lit {
                out.push(s.value());
            }
        }
        Expr::Path(p) => {
            for s in &p.path.segments {
                out.push(s.ident.to_string());
            }
            if let Some(i) = p.path.get_ident() {
                let name = i.to_string();
                if is_const_case(&name) {
                    if let Some(v) = const_str(cx, &name) {
                        out.push(v);
                    }
                } else if let Some((init, _)) = body.lets.get(&name).copied() {
                    texts(cx, body, init, out, depth + 1);
                }
            } else if let Some(last) = p.path.segments.last() {
                // `Self::COOKIE`, `consts::SESSION_COOKIE`.
                let name = last.ident.to_string();
                if is_const_case(&name) {
                    if let Some(v) = const_str(cx, &name) {
                        out.push(v);
                    }
                }
            }
        }
        Expr::Field(f) => {
            if let syn::Member::Named(n) = &f.member {
                out.push(n.to_string());
            }
            texts(cx, body, &f.base, out, depth + 1);
        }
        Expr::MethodCall(m) => {
            out.push(m.method.to_string());
            texts(cx, body, &m.receiver, out, depth + 1);
        }
        Expr::Call(c) => {
            if let Expr::Path(p) = &*c.func {
                if let Some(last) = p.path.segments.last() {
                    out.push(last.ident.to_string());
                }
            }
            for a in &c.args {
                texts(cx, body, a, out, depth + 1);
            }
        }
        Expr::Macro(m) => out.push(m.mac.tokens.to_string()),
        Expr::Tuple(t) => {
            for x in &t.elems {
                texts(cx, body, x, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// The string value of `const NAME: &str = "…";` (or `static`) declared in the file.
fn const_str(cx: &Cx<'_, '_>, name: &str) -> Option<String> {
    const_str_at(&cx.src.text, &cx.ident_offsets(name), name)
}

/// [`const_str`] in `text`, given where `name` occurs as a word.
fn const_str_at(text: &str, offsets: &[usize], name: &str) -> Option<String> {
    for &i in offsets {
        let before = &text[..i];
        if !(before.ends_with("const ") || before.ends_with("static ")) {
            continue;
        }
        let rest = &text[i + name.len()..];
        // `NAME: &str = "value";` within a few hundred bytes.
        let mut end = rest.len().min(400);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let window = &rest[..end];
        let Some(semi) = window.find(';') else {
            continue;
        };
        let stmt = &rest[..semi];
        let Some(eq) = stmt.find('=') else { continue };
        let value = stmt[eq + 1..].trim();
        if let Some(v) = value.strip_prefix('"') {
            if let Some(end) = v.find('"') {
                return Some(v[..end].to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn const_values() {
        let t =
            "pub const COOKIE_NAME: &str = \"VW_SESSION\";\nconst COOKIE: &'static str = \"x\";";
        let words = crate::engine::cx::WordIndex::new(t);
        let find = |name: &str| const_str_at(t, &words.offsets(t, name), name);
        assert_eq!(find("COOKIE_NAME").as_deref(), Some("VW_SESSION"));
        assert_eq!(find("COOKIE").as_deref(), Some("x"));
        assert_eq!(find("OTHER"), None);
    }
}
