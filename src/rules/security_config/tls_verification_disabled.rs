//! BL502 `tls-verification-disabled`: a TLS client configured, unconditionally, to
//! accept invalid certificates or hostnames.
//!
//! Each function body is looked at as a [`Tree`], so a call can be followed to its
//! receiver's constructor (through `let`) and its enclosing branches can be read: a call
//! made only when a condition about insecure TLS holds (`if cfg.tls_skip_verify`) is an
//! explicit opt-in and is not reported, and neither is a non-constant argument
//! (`danger_accept_invalid_certs(config.insecure)`).

use crate::engine::cx::Cx;
use crate::engine::resolve::{unwrap_all, Peel};
use crate::engine::tree::{Role, Tree};
use crate::engine::usemap::path_names;
use crate::model::names::words;
use crate::model::tls::{
    accept_all_verifiers, is_connector_builder, is_connector_builder_type, is_context_builder,
    is_loopback_host, is_verify_none, Disables, DANGER_METHODS, HEALTH_FN_WORDS,
    HEALTH_PATH_MARKERS, OPENSSL_CONFIGURE, OPENSSL_CRATES, OPENSSL_SET_VERIFY,
    OPENSSL_VERIFY_HOSTNAME, OPT_IN_WORDS, OWN_ADDRESS_WORDS, RUSTLS_SET_VERIFIER, UREQ_CRATE,
    UREQ_DISABLE_VERIFICATION, UREQ_TLS_BUILDER,
};
use crate::rules::{Rule, RuleMeta};
use proc_macro2::Span;
use syn::spanned::Spanned;
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

/// Where a request goes, as far as its URL argument shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dest {
    /// This machine (`https://127.0.0.1:{port}/..`, `https://localhost`, the service's
    /// own bind address); `true` when the path names a health endpoint.
    Loopback(bool),
    /// Somewhere else, or a URL not known.
    Other,
    /// Not a URL at all (`headers.get("x-id")`).
    NotUrl,
}

/// Whether the function is a health check of the service's own listener: it sends at
/// least one request, every request whose argument is a URL goes to a loopback host or
/// the service's own bind address, and the function's name (or a request's path) says
/// health, readiness or liveness. A client only built here (returned, stored) is not.
fn loopback_health_probe<'ast>(
    cx: &Cx<'_, 'ast>,
    tree: &Tree<'ast>,
    sig: Option<&'ast syn::Signature>,
) -> bool {
    let mut loopback = false;
    let mut health_path = false;
    for node in &tree.nodes {
        let Expr::MethodCall(m) = node.expr else {
            continue;
        };
        let url = match (m.method.to_string().as_str(), m.args.len()) {
            ("get" | "post" | "put" | "patch" | "delete" | "head", 1) => m.args.first(),
            ("request", 2) => m.args.iter().nth(1),
            _ => None,
        };
        let Some(url) = url else { continue };
        match url_dest(cx, tree, url, 0) {
            Dest::Loopback(h) => {
                loopback = true;
                health_path |= h;
            }
            Dest::Other => return false,
            Dest::NotUrl => {}
        }
    }
    let health_name = |name: &str| {
        let ws = words(name);
        ws.iter().any(|w| HEALTH_FN_WORDS.contains(&w.as_str()))
            || ws.windows(2).any(|p| p[0] == "self" && p[1] == "check")
    };
    // The function, or the module it is in (`commands/healthcheck.rs`), says so.
    let health_fn = sig.is_some_and(|s| health_name(&s.ident.to_string()))
        || cx.file.module.last().is_some_and(|m| health_name(m));
    loopback && (health_fn || health_path)
}

/// Where a URL argument points: a literal, a `format!` whose text names the host (or
/// starts with the service's own bind address), a local or a constant holding one.
fn url_dest<'ast>(cx: &Cx<'_, 'ast>, tree: &Tree<'ast>, e: &'ast Expr, depth: usize) -> Dest {
    if depth > 8 {
        return Dest::Other;
    }
    let e = unwrap_all(e, Peel::Syntax);
    match e {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => url_text_dest(&s.value()).unwrap_or(Dest::NotUrl),
            _ => Dest::NotUrl,
        },
        Expr::MethodCall(m)
            if m.args.is_empty()
                && matches!(
                    m.method.to_string().as_str(),
                    "as_str" | "clone" | "to_string" | "to_owned" | "as_ref"
                ) =>
        {
            url_dest(cx, tree, &m.receiver, depth + 1)
        }
        Expr::Macro(mac) => {
            let parsed = cx.macros.get(&mac.mac);
            let Some(fa) = parsed.format() else {
                return Dest::Other;
            };
            let Some(fmt) = &fa.fmt else {
                return Dest::Other;
            };
            let text = fmt.value();
            for scheme in ["https://{", "http://{"] {
                if let Some(rest) = text.strip_prefix(scheme) {
                    // `format!("https://{}/health", settings.bind_addr)` or an inline
                    // `{bind_addr}`: the host is the service's own address.
                    // The name itself (`bind_addr`), or a local holding the listener's
                    // address (`let addr = listener.local_addr()?`).
                    let inline = rest
                        .split('}')
                        .next()
                        .map(|p| p.split(':').next().unwrap_or(""))
                        .filter(|n| !n.is_empty());
                    let own = match inline {
                        Some(n) => {
                            own_address_name(n)
                                || let_before(tree, n, e)
                                    .is_some_and(|init| own_address(tree, init, depth + 1))
                        }
                        None => fa
                            .args
                            .first()
                            .is_some_and(|a| own_address(tree, &a.expr, depth + 1)),
                    };
                    return if own {
                        Dest::Loopback(health_path_text(rest))
                    } else {
                        Dest::Other
                    };
                }
            }
            url_text_dest(&text).unwrap_or(Dest::Other)
        }
        Expr::Path(p) => {
            let Some(ident) = p.path.get_ident() else {
                let Some(last) = p.path.segments.last().map(|s| s.ident.to_string()) else {
                    return Dest::Other;
                };
                return match cx.facts.const_values.get(&last).copied() {
                    Some(init) => url_dest(cx, tree, init, depth + 1),
                    // `header::CONTENT_TYPE` is no URL; `config::API_URL` is one not known.
                    None => url_like_name(&last),
                };
            };
            let name = ident.to_string();
            if let Some(init) = let_before(tree, &name, e) {
                return url_dest(cx, tree, init, depth + 1);
            }
            if let Some(init) = cx.facts.const_values.get(&name).copied() {
                return url_dest(cx, tree, init, depth + 1);
            }
            url_like_name(&name)
        }
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => url_like_name(&n.to_string()),
            syn::Member::Unnamed(_) => Dest::NotUrl,
        },
        _ => Dest::Other,
    }
}

/// An unknown value named like a URL is a request somewhere unknown; other names are not
/// taken for URLs.
fn url_like_name(name: &str) -> Dest {
    let url = words(name).iter().any(|w| {
        matches!(
            w.as_str(),
            "url" | "uri" | "endpoint" | "addr" | "address" | "host"
        )
    });
    if url {
        Dest::Other
    } else {
        Dest::NotUrl
    }
}

/// Whether a name says it holds the service's own listening address (`bind_addr`,
/// `listen_address`, `local_addr`).
fn own_address_name(name: &str) -> bool {
    let ws = words(name);
    ws.iter().any(|w| OWN_ADDRESS_WORDS.contains(&w.as_str())) || ws == ["local", "addr"]
}

/// Whether a value is the service's own listening address: a name that says so
/// (`settings.bind_addr`, `listener.local_addr()?`), or a local holding one.
fn own_address<'ast>(tree: &Tree<'ast>, e: &'ast Expr, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    match unwrap_all(e, Peel::Syntax) {
        Expr::Try(t) => own_address(tree, &t.expr, depth + 1),
        Expr::MethodCall(m) => {
            let method = m.method.to_string();
            if own_address_name(&method) {
                return true;
            }
            // `config.http.listen.address()`: an accessor of the listener's address.
            let transparent = match method.as_str() {
                "clone" | "to_string" | "unwrap" | "address" | "addr" | "socket_addr" | "ip" => {
                    m.args.is_empty()
                }
                "expect" => m.args.len() == 1,
                _ => false,
            };
            transparent && own_address(tree, &m.receiver, depth + 1)
        }
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => own_address_name(&n.to_string()),
            syn::Member::Unnamed(_) => false,
        },
        e @ Expr::Path(p) => match p.path.get_ident() {
            Some(i) => {
                let name = i.to_string();
                own_address_name(&name)
                    || let_before(tree, &name, e)
                        .is_some_and(|init| own_address(tree, init, depth + 1))
            }
            None => p
                .path
                .segments
                .last()
                .is_some_and(|s| own_address_name(&s.ident.to_string())),
        },
        _ => false,
    }
}

/// The destination of a URL's text, when it is an absolute http(s) URL.
fn url_text_dest(text: &str) -> Option<Dest> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))?;
    let host = if rest.starts_with('[') {
        rest.split_inclusive(']').next().unwrap_or("")
    } else {
        rest.split([':', '/', '?']).next().unwrap_or("")
    };
    Some(if is_loopback_host(host) {
        Dest::Loopback(health_path_text(&rest[host.len()..]))
    } else {
        Dest::Other
    })
}

fn health_path_text(path: &str) -> bool {
    let path = path.to_ascii_lowercase();
    path.contains('/') && HEALTH_PATH_MARKERS.iter().any(|m| path.contains(m))
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

/// The initializer of the last `let name = ..` completed before `at`.
fn let_before<'ast>(tree: &Tree<'ast>, name: &str, at: &Expr) -> Option<&'ast Expr> {
    let pos = at.span().start();
    tree.lets_of(name)
        .into_iter()
        .rfind(|(end, _)| (end.line, end.column) <= (pos.line, pos.column))
        .map(|(_, e)| e)
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
