//! BL502 `tls-verification-disabled`: a TLS client configured, unconditionally, to
//! accept invalid certificates or hostnames.
//!
//! Each function body is looked at as a [`Tree`], so a call can be followed to its
//! receiver's constructor (through `let`) and its enclosing branches can be read: a call
//! made only when a condition about insecure TLS holds (`if cfg.tls_skip_verify`) is an
//! explicit opt-in and is not reported, and neither is a non-constant argument
//! (`danger_accept_invalid_certs(config.insecure)`).

use crate::engine::cx::Cx;
use crate::engine::health_probe::{let_before, loopback_health_probe};
use crate::engine::resolve::{unwrap_all, Peel};
use crate::engine::tree::{Role, Tree};
use crate::engine::usemap::path_names;
use crate::model::names::words;
use crate::model::tls::{
    accept_all_verifiers, is_connector_builder, is_connector_builder_type, is_context_builder,
    is_verify_none, Disables, DANGER_METHODS, OPENSSL_CONFIGURE, OPENSSL_CRATES,
    OPENSSL_SET_VERIFY, OPENSSL_VERIFY_HOSTNAME, OPT_IN_WORDS, RUSTLS_SET_VERIFIER, UREQ_CRATE,
    UREQ_DISABLE_VERIFICATION, UREQ_TLS_BUILDER,
};
use crate::rules::{Rule, RuleMeta};
use proc_macro2::Span;
use syn::Expr;

crate::declare_rule! {
    pub static META = {
        code: "BL502",
        name: "tls-verification-disabled",
        category: SecurityConfig,
        severity: Error,
        cwe: [295],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "a TLS client told to accept any certificate or hostname (`danger_accept_invalid_certs(true)`, `SslVerifyMode::NONE`, an accept-all rustls verifier)",
    }
}

pub struct TlsVerificationDisabled;

const HELP: &str = "remove it: to trust a private or self-signed CA, add its certificate (`add_root_certificate(..)`, a rustls `RootCertStore`); if an insecure mode is really needed (local development), make it an explicit, off-by-default setting: `danger_accept_invalid_certs(config.tls_insecure)`";

impl Rule for TlsVerificationDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_fn<'ast>(
        &self,
        cx: &mut Cx<'_, 'ast>,
        _attrs: &'ast [syn::Attribute],
        sig: &'ast syn::Signature,
        body: &'ast syn::Block,
    ) {
        if cx.scopes.in_test() || !mentions_switches(cx) {
            return;
        }
        let tree = Tree::from_block(body, cx.macros);
        check_tree(cx, &tree, Some(sig));
    }

    fn check_expr<'ast>(&self, cx: &mut Cx<'_, 'ast>, expr: &'ast Expr) {
        // Function bodies are handled whole by `check_fn`; closures outside functions
        // (`static CLIENT: LazyLock<Client> = LazyLock::new(|| ..)`) here.
        if cx.scopes.in_test() || cx.scopes.current_fn().is_some() {
            return;
        }
        if let Expr::Closure(_) = expr {
            if !mentions_switches(cx) {
                return;
            }
            let tree = Tree::from_expr(expr, cx.macros);
            check_tree(cx, &tree, None);
        }
    }
}

/// Whether the file's text contains any of the method names looked for (a cheap test
/// before building a function's tree).
fn mentions_switches(cx: &Cx<'_, '_>) -> bool {
    cx.text_fact("tls-switches", |text| {
        [
            "danger",
            "set_verify",
            "verify_hostname",
            "disable_verification",
            "certificate_verifier",
        ]
        .iter()
        .any(|m| text.contains(m))
    })
}

fn check_tree<'ast>(cx: &mut Cx<'_, 'ast>, tree: &Tree<'ast>, sig: Option<&'ast syn::Signature>) {
    let mut verifiers: Option<Vec<String>> = None;
    let mut probe: Option<bool> = None;
    for (i, node) in tree.nodes.iter().enumerate() {
        let Expr::MethodCall(m) = node.expr else {
            continue;
        };
        let method = m.method.to_string();
        let finding = if let Some((_, what)) = DANGER_METHODS.iter().find(|(n, _)| *n == method) {
            let on = match m.args.first() {
                None => true,
                Some(a) => is_true(a),
            };
            on.then(|| {
                let what = match what {
                    Disables::Certificates => "certificate verification: any certificate, self-signed or issued for another site, is accepted",
                    Disables::Hostnames => "hostname verification: a valid certificate issued for any other site is accepted",
                };
                format!("`{method}({})` turns off {what}", args_text(m))
            })
        } else if method == UREQ_DISABLE_VERIFICATION {
            let ureq = cx.uses.imports_crate(&[UREQ_CRATE])
                || chain_root_path(cx, tree, &m.receiver, 0)
                    .is_some_and(|p| p.iter().eq(UREQ_TLS_BUILDER.iter()));
            (ureq && m.args.first().is_some_and(is_true)).then(|| {
                format!("`{method}(true)` turns off certificate verification of ureq's TLS: any certificate is accepted")
            })
        } else if OPENSSL_SET_VERIFY.contains(&method.as_str()) {
            openssl_set_verify(cx, tree, m, sig)
        } else if OPENSSL_VERIFY_HOSTNAME.contains(&method.as_str()) {
            let off = m.args.first().is_some_and(is_false);
            (off && cx.uses.imports_crate(OPENSSL_CRATES)
                && chain_has_method(tree, &m.receiver, OPENSSL_CONFIGURE, 0))
            .then(|| {
                format!("`{method}(false)` turns off hostname verification of an openssl connection: a valid certificate issued for any other site is accepted")
            })
        } else if RUSTLS_SET_VERIFIER.contains(&method.as_str()) {
            let Some(arg) = m.args.first() else { continue };
            let Some(ty) = verifier_type(tree, arg, 0) else {
                continue;
            };
            let all = verifiers.get_or_insert_with(|| accept_all_verifiers(cx.facts.items));
            all.contains(&ty).then(|| {
                format!("`{method}` installs `{ty}`, whose `verify_server_cert` accepts every certificate without checking it (`Ok(ServerCertVerified::assertion())`)")
            })
        } else {
            None
        };
        let Some(message) = finding else { continue };
        if opted_in(tree, i) {
            continue;
        }
        // A health check of the service's own listener: the request never leaves the host.
        if DANGER_METHODS.iter().any(|(n, _)| *n == method)
            && *probe.get_or_insert_with(|| loopback_health_probe(cx, tree, sig))
        {
            continue;
        }
        let span = call_span(m);
        let f = cx.report(&META, span, message);
        f.help = Some(HELP.into());
    }
}

/// `set_verify(SslVerifyMode::NONE)` / `set_verify_callback(NONE | .., |_, _| true)` on a
/// client-side openssl context.
fn openssl_set_verify<'ast>(
    cx: &Cx<'_, 'ast>,
    tree: &Tree<'ast>,
    m: &'ast syn::ExprMethodCall,
    sig: Option<&'ast syn::Signature>,
) -> Option<String> {
    let mode = m.args.first()?;
    let none = is_verify_mode_none(cx, mode);
    let accept_all_callback =
        m.method == "set_verify_callback" && m.args.iter().nth(1).is_some_and(closure_returns_true);
    if !none && !accept_all_callback {
        return None;
    }
    if !is_openssl_client(cx, tree, &m.receiver, sig, 0) {
        return None;
    }
    Some(if none {
        let mode = match mode {
            Expr::Call(_) => "SslVerifyMode::empty()",
            _ => "SslVerifyMode::NONE",
        };
        format!(
            "`{}({mode}{})` on an openssl client context turns off certificate verification: any certificate is accepted",
            m.method,
            if m.args.len() > 1 { ", .." } else { "" }
        )
    } else {
        "`set_verify_callback` with a callback that returns `true` accepts every certificate, whatever openssl's verification found".to_string()
    })
}

fn is_verify_mode_none(cx: &Cx<'_, '_>, e: &Expr) -> bool {
    match e {
        Expr::Path(p) => is_verify_none(&cx.resolve(&p.path)),
        Expr::Call(c) if c.args.is_empty() => match &*c.func {
            Expr::Path(p) => is_verify_none(&cx.resolve(&p.path)),
            _ => false,
        },
        Expr::Paren(p) => is_verify_mode_none(cx, &p.expr),
        _ => false,
    }
}

fn closure_returns_true(e: &Expr) -> bool {
    let Expr::Closure(c) = e else { return false };
    match &*c.body {
        Expr::Block(b) => {
            matches!(b.block.stmts.as_slice(), [syn::Stmt::Expr(t, None)] if is_true(t))
        }
        other => is_true(other),
    }
}

/// Whether the receiver of `set_verify` is an openssl client context: it comes from
/// `SslConnector::builder(..)`, from `SslContext::builder(SslMethod::tls_client())`, or
/// is a parameter typed `SslConnectorBuilder`.
fn is_openssl_client<'ast>(
    cx: &Cx<'_, 'ast>,
    tree: &Tree<'ast>,
    e: &'ast Expr,
    sig: Option<&'ast syn::Signature>,
    depth: usize,
) -> bool {
    // Parentheses, references, derefs and `{ x }` blocks change nothing here.
    let e = unwrap_all(e, Peel::Syntax);
    if depth > 8 {
        return false;
    }
    match e {
        Expr::MethodCall(m) => is_openssl_client(cx, tree, &m.receiver, sig, depth + 1),
        Expr::Try(t) => is_openssl_client(cx, tree, &t.expr, sig, depth + 1),
        Expr::Paren(p) => is_openssl_client(cx, tree, &p.expr, sig, depth + 1),
        Expr::Reference(r) => is_openssl_client(cx, tree, &r.expr, sig, depth + 1),
        Expr::Unary(u) => is_openssl_client(cx, tree, &u.expr, sig, depth + 1),
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else {
                return false;
            };
            let path = cx.resolve(&p.path);
            if is_connector_builder(&path) {
                return true;
            }
            is_context_builder(&path)
                && c.args.first().is_some_and(|a| {
                    // The method, or a local holding it.
                    let a = match unwrap_all(a, Peel::Syntax) {
                        Expr::Path(p) => p
                            .path
                            .get_ident()
                            .and_then(|i| let_before(tree, &i.to_string(), a))
                            .unwrap_or(a),
                        other => other,
                    };
                    matches!(a, Expr::Call(inner) if matches!(&*inner.func, Expr::Path(ip)
                        if ip.path.segments.last().is_some_and(|s| s.ident == "tls_client")))
                })
        }
        Expr::Path(p) => {
            let Some(name) = p.path.get_ident().map(|i| i.to_string()) else {
                return false;
            };
            if let Some(init) = let_before(tree, &name, e) {
                return is_openssl_client(cx, tree, init, sig, depth + 1);
            }
            param_type(sig, &name).is_some_and(|ty| {
                let mut t = ty;
                while let syn::Type::Reference(r) = t {
                    t = &r.elem;
                }
                matches!(t, syn::Type::Path(tp) if is_connector_builder_type(&cx.resolve(&tp.path)))
            })
        }
        _ => false,
    }
}

/// The declared type of parameter `name`.
fn param_type<'ast>(sig: Option<&'ast syn::Signature>, name: &str) -> Option<&'ast syn::Type> {
    sig?.inputs.iter().find_map(|i| match i {
        syn::FnArg::Typed(t) => match &*t.pat {
            syn::Pat::Ident(pi) if pi.ident == name => Some(&*t.ty),
            _ => None,
        },
        _ => None,
    })
}

/// The resolved path of the call a receiver chain starts at (through locals).
fn chain_root_path<'ast>(
    cx: &Cx<'_, 'ast>,
    tree: &Tree<'ast>,
    e: &'ast Expr,
    depth: usize,
) -> Option<Vec<String>> {
    // Parentheses, references, derefs and `{ x }` blocks change nothing here.
    let e = unwrap_all(e, Peel::Syntax);
    if depth > 8 {
        return None;
    }
    match e {
        Expr::MethodCall(m) => chain_root_path(cx, tree, &m.receiver, depth + 1),
        Expr::Try(t) => chain_root_path(cx, tree, &t.expr, depth + 1),
        Expr::Paren(p) => chain_root_path(cx, tree, &p.expr, depth + 1),
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => Some(cx.resolve(&p.path)),
            _ => None,
        },
        Expr::Path(p) => {
            let name = p.path.get_ident()?.to_string();
            let init = let_before(tree, &name, e)?;
            chain_root_path(cx, tree, init, depth + 1)
        }
        _ => None,
    }
}

/// Whether the receiver chain (through locals) calls `method`.
fn chain_has_method<'ast>(tree: &Tree<'ast>, e: &'ast Expr, method: &str, depth: usize) -> bool {
    // Parentheses, references, derefs and `{ x }` blocks change nothing here.
    let e = unwrap_all(e, Peel::Syntax);
    if depth > 8 {
        return false;
    }
    match e {
        Expr::MethodCall(m) => {
            m.method == method || chain_has_method(tree, &m.receiver, method, depth + 1)
        }
        Expr::Try(t) => chain_has_method(tree, &t.expr, method, depth + 1),
        Expr::Paren(p) => chain_has_method(tree, &p.expr, method, depth + 1),
        Expr::Reference(r) => chain_has_method(tree, &r.expr, method, depth + 1),
        Expr::Path(p) => {
            let Some(name) = p.path.get_ident().map(|i| i.to_string()) else {
                return false;
            };
            let_before(tree, &name, e)
                .is_some_and(|init| chain_has_method(tree, init, method, depth + 1))
        }
        _ => false,
    }
}

/// The type name of the verifier given to `with_custom_certificate_verifier`:
/// `Arc::new(NoVerifier)`, `Arc::new(NoVerifier {})`, `Arc::new(NoVerifier::new())`,
/// `NoVerifier::new()`, or a local bound to one of these.
fn verifier_type<'ast>(tree: &Tree<'ast>, e: &'ast Expr, depth: usize) -> Option<String> {
    // Parentheses, references, derefs and `{ x }` blocks change nothing here.
    let e = unwrap_all(e, Peel::Syntax);
    if depth > 8 {
        return None;
    }
    match e {
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else { return None };
            let segs: Vec<String> = path_names(&p.path);
            let n = segs.len();
            if n >= 2
                && matches!(segs[n - 2].as_str(), "Arc" | "Box" | "Rc")
                && segs[n - 1] == "new"
            {
                return verifier_type(tree, c.args.first()?, depth + 1);
            }
            if n >= 2 && matches!(segs[n - 1].as_str(), "new" | "default") {
                return Some(segs[n - 2].clone());
            }
            None
        }
        Expr::Struct(s) => s.path.segments.last().map(|s| s.ident.to_string()),
        Expr::Path(p) => {
            let last = p.path.segments.last()?.ident.to_string();
            if p.path.segments.len() == 1 {
                if let Some(init) = let_before(tree, &last, e) {
                    return verifier_type(tree, init, depth + 1);
                }
            }
            // A unit struct: `NoVerifier`.
            last.chars()
                .next()
                .is_some_and(|c| c.is_uppercase())
                .then_some(last)
        }
        Expr::MethodCall(m) if m.method == "clone" || m.method == "into" => {
            verifier_type(tree, &m.receiver, depth + 1)
        }
        Expr::Paren(p) => verifier_type(tree, &p.expr, depth + 1),
        Expr::Reference(r) => verifier_type(tree, &r.expr, depth + 1),
        _ => None,
    }
}

/// Whether node `i` runs only in a branch whose condition is about insecure TLS: an
/// enclosing `if`/`else` whose condition, or `match` arm whose scrutinee, pattern or
/// guard, names the opt-in (`skip_tls_verify`, `accept_invalid_certs`, `insecure`,
/// `cfg!(debug_assertions)`, …).
fn opted_in(tree: &Tree<'_>, i: usize) -> bool {
    let mut cur = i;
    let mut guard = 0;
    while let Some((p, parent)) = tree.parent(cur) {
        guard += 1;
        if guard > 512 {
            break;
        }
        let role = tree.nodes[cur].role;
        match parent.expr {
            Expr::If(ifx) if role != Role::Cond && mentions_opt_in(&ifx.cond) => return true,
            Expr::Match(mx) if role != Role::Cond => {
                if mentions_opt_in(&mx.expr) {
                    return true;
                }
                let child = tree.nodes[cur].expr;
                let arm = mx.arms.iter().find(|a| {
                    let body: &Expr = &a.body;
                    std::ptr::eq(body, child)
                        || matches!(body, Expr::Block(b) if b.block.stmts.iter().any(|s| stmt_contains(s, child)))
                });
                if let Some(arm) = arm {
                    let pat = quote::ToTokens::to_token_stream(&arm.pat).to_string();
                    if text_mentions_opt_in(&pat)
                        || arm.guard.as_ref().is_some_and(|(_, g)| mentions_opt_in(g))
                    {
                        return true;
                    }
                }
            }
            _ => {}
        }
        cur = p;
    }
    false
}

fn stmt_contains(s: &syn::Stmt, child: &Expr) -> bool {
    match s {
        syn::Stmt::Expr(e, _) => std::ptr::eq(e, child),
        syn::Stmt::Local(l) => l
            .init
            .as_ref()
            .is_some_and(|i| std::ptr::eq(&*i.expr, child)),
        _ => false,
    }
}

/// Whether an expression's names, fields, methods, macro names and string literals
/// contain an opt-in word.
fn mentions_opt_in(e: &Expr) -> bool {
    let text = quote::ToTokens::to_token_stream(e).to_string();
    text_mentions_opt_in(&text)
}

fn text_mentions_opt_in(text: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .flat_map(words)
        .any(|w| OPT_IN_WORDS.contains(&w.as_str()))
}

fn is_true(e: &Expr) -> bool {
    match e {
        Expr::Lit(l) => matches!(&l.lit, syn::Lit::Bool(b) if b.value),
        Expr::Paren(p) => is_true(&p.expr),
        _ => false,
    }
}

fn is_false(e: &Expr) -> bool {
    match e {
        Expr::Lit(l) => matches!(&l.lit, syn::Lit::Bool(b) if !b.value),
        Expr::Paren(p) => is_false(&p.expr),
        _ => false,
    }
}

fn args_text(m: &syn::ExprMethodCall) -> String {
    if m.args.is_empty() {
        String::new()
    } else {
        "true".into()
    }
}

/// From the method name to the closing parenthesis of its arguments.
fn call_span(m: &syn::ExprMethodCall) -> Span {
    let start = m.method.span();
    start.join(m.paren_token.span.close()).unwrap_or(start)
}
