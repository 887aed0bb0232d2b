//! A health check of the service's own listener: a function that sends its requests only
//! to this machine (a loopback host, the service's own bind address) and says, by its
//! name, its module or a request's path, that it probes health, readiness or liveness.
//! Shared by the rules for which such a probe is no finding (a disabled TLS check on a
//! request that never leaves the host; a probe run once, as a container's health check,
//! with no timeout of its own).

use crate::engine::cx::Cx;
use crate::engine::resolve::{unwrap_all, Peel};
use crate::engine::tree::Tree;
use crate::model::names::words;
use crate::model::tls::{
    is_health_fn_word, is_loopback_host, HEALTH_PATH_MARKERS, OWN_ADDRESS_WORDS,
};
use syn::spanned::Spanned;
use syn::Expr;

/// Where a request goes, as far as its URL argument shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dest {
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
pub fn loopback_health_probe<'ast>(
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
        ws.iter().any(|w| is_health_fn_word(w))
            || ws.windows(2).any(|p| p[0] == "self" && p[1] == "check")
    };
    // The function, or the module it is in (`commands/healthcheck.rs`), says so.
    let health_fn = sig.is_some_and(|s| health_name(&s.ident.to_string()))
        || cx.file.module.last().is_some_and(|m| health_name(m));
    loopback && (health_fn || health_path)
}

/// Where a URL argument points: a literal, a `format!` whose text names the host (or
/// starts with the service's own bind address), a local or a constant holding one.
pub fn url_dest<'ast>(cx: &Cx<'_, 'ast>, tree: &Tree<'ast>, e: &'ast Expr, depth: usize) -> Dest {
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
                                || loopback_const(cx, n)
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

/// The initializer of the last `let name = ..` completed before `at`.
pub fn let_before<'ast>(tree: &Tree<'ast>, name: &str, at: &Expr) -> Option<&'ast Expr> {
    let pos = at.span().start();
    tree.lets_of(name)
        .into_iter()
        .rfind(|(end, _)| (end.line, end.column) <= (pos.line, pos.column))
        .map(|(_, e)| e)
}

/// A constant naming this machine (`const API_IP: &str = "127.0.0.1";`), written inline
/// in a URL's format string (`format!("http://{API_IP}:{port}/heartbeat")`).
fn loopback_const(cx: &Cx<'_, '_>, name: &str) -> bool {
    let Some(init) = cx.facts.const_values.get(name).copied() else {
        return false;
    };
    match unwrap_all(init, Peel::Syntax) {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => is_loopback_host(&s.value()),
        _ => false,
    }
}
