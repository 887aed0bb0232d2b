//! TLS client configuration that turns verification off (BL502): the methods that do it
//! in reqwest, native-tls (and the crates built on it), lettre, ureq, openssl and rustls.

use crate::engine::usemap::path_names;
use crate::model::errors::PANIC_MACROS;
use syn::visit::Visit;
use syn::{Expr, ImplItem, Item, Stmt};

/// Methods that turn certificate or hostname verification off when given `true` (or
/// called without an argument). The names are specific to TLS builders — reqwest's
/// `ClientBuilder`, native-tls's `TlsConnectorBuilder` (also behind tokio-native-tls,
/// async-native-tls, postgres-native-tls, hyper-tls), ureq 2, attohttpc, lettre's
/// `TlsParametersBuilder` and wrappers that forward to them — so they are matched on
/// any receiver.
pub const DANGER_METHODS: &[(&str, Disables)] = &[
    ("danger_accept_invalid_certs", Disables::Certificates),
    ("tls_danger_accept_invalid_certs", Disables::Certificates),
    ("dangerous_accept_invalid_certs", Disables::Certificates),
    ("danger_accept_invalid_hostnames", Disables::Hostnames),
    ("tls_danger_accept_invalid_hostnames", Disables::Hostnames),
    ("dangerous_accept_invalid_hostnames", Disables::Hostnames),
];

/// What a call stops checking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disables {
    Certificates,
    Hostnames,
}

/// ureq 3: `TlsConfig::builder().disable_verification(true)`; the name is generic, so the
/// chain must start at ureq's `TlsConfig::builder` or the file must import `ureq`.
pub const UREQ_DISABLE_VERIFICATION: &str = "disable_verification";
pub const UREQ_CRATE: &str = "ureq";
pub const UREQ_TLS_BUILDER: &[&str] = &["ureq", "tls", "TlsConfig", "builder"];

/// Crates with openssl's API (`boring` is BoringSSL's binding of it).
pub const OPENSSL_CRATES: &[&str] = &["openssl", "boring"];

/// openssl methods taking an `SslVerifyMode` first.
pub const OPENSSL_SET_VERIFY: &[&str] = &["set_verify", "set_verify_callback"];

/// openssl `ConnectConfiguration` methods that turn hostname verification off with
/// `false`; the receiver must come from `SslConnector::configure()`.
pub const OPENSSL_VERIFY_HOSTNAME: &[&str] = &["set_verify_hostname", "verify_hostname"];
pub const OPENSSL_CONFIGURE: &str = "configure";

/// Whether a resolved path is `openssl::ssl::SslVerifyMode::NONE` (or `empty`, or
/// boring's).
pub fn is_verify_none(path: &[String]) -> bool {
    let n = path.len();
    n >= 3
        && OPENSSL_CRATES.contains(&path[0].as_str())
        && path[n - 2] == "SslVerifyMode"
        && matches!(path[n - 1].as_str(), "NONE" | "empty")
}

/// Whether a resolved path constructs a client-side openssl context builder:
/// `SslConnector::builder` (any method) — `SslContext::builder` only with
/// `SslMethod::tls_client()` (checked by the caller).
pub fn is_connector_builder(path: &[String]) -> bool {
    let n = path.len();
    n >= 3
        && OPENSSL_CRATES.contains(&path[0].as_str())
        && path[n - 2] == "SslConnector"
        && path[n - 1] == "builder"
}

pub fn is_context_builder(path: &[String]) -> bool {
    let n = path.len();
    n >= 3
        && OPENSSL_CRATES.contains(&path[0].as_str())
        && path[n - 2] == "SslContext"
        && path[n - 1] == "builder"
}

/// Type names of openssl's client-side builders (a parameter of one of these types is a
/// client context).
pub fn is_connector_builder_type(path: &[String]) -> bool {
    path.first()
        .is_some_and(|c| OPENSSL_CRATES.contains(&c.as_str()))
        && path
            .last()
            .is_some_and(|t| t == "SslConnectorBuilder" || t == "ConnectConfiguration")
}

/// rustls methods installing a custom server-certificate verifier.
pub const RUSTLS_SET_VERIFIER: &[&str] = &[
    "with_custom_certificate_verifier",
    "set_certificate_verifier",
];

/// The trait a rustls verifier implements.
pub const RUSTLS_VERIFIER_TRAIT: &str = "ServerCertVerifier";
pub const RUSTLS_VERIFY_METHOD: &str = "verify_server_cert";

/// Types of `items` (at any depth, also inside function bodies) implementing rustls's
/// `ServerCertVerifier` with a `verify_server_cert` that accepts every certificate: its
/// body does nothing but (optionally) log and return `Ok(ServerCertVerified::assertion())`.
pub fn accept_all_verifiers(items: &[Item]) -> Vec<String> {
    struct V(Vec<String>);
    impl<'ast> Visit<'ast> for V {
        fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
            let is_verifier = i.trait_.as_ref().is_some_and(|(_, p, _)| {
                p.segments
                    .last()
                    .is_some_and(|s| s.ident == RUSTLS_VERIFIER_TRAIT)
            });
            if is_verifier {
                let accepts_all = i.items.iter().any(|it| match it {
                    ImplItem::Fn(f) => {
                        f.sig.ident == RUSTLS_VERIFY_METHOD && body_accepts_all(&f.block)
                    }
                    _ => false,
                });
                if accepts_all {
                    if let Some(name) = crate::model::types::type_name(&i.self_ty) {
                        self.0.push(name.ident.to_string());
                    }
                }
            }
            syn::visit::visit_item_impl(self, i);
        }
    }
    let mut v = V(Vec::new());
    for item in items {
        v.visit_item(item);
    }
    v.0
}

/// `{ ..; Ok(ServerCertVerified::assertion()) }` (or `return Ok(..);`), where nothing
/// before the tail can reject: no `?`, no early `return`, no branch, no `Err(..)`, no
/// panicking or bailing macro. Logging, bindings and blocks around it change nothing.
fn body_accepts_all(b: &syn::Block) -> bool {
    let Some((last, rest)) = b.stmts.split_last() else {
        return false;
    };
    let tail = match last {
        Stmt::Expr(Expr::Return(r), _) => r.expr.as_deref(),
        Stmt::Expr(Expr::Block(inner), None) if inner.label.is_none() => {
            return rest.iter().all(cannot_reject) && body_accepts_all(&inner.block);
        }
        Stmt::Expr(e, None) => Some(e),
        _ => None,
    };
    let tail = tail.map(crate::engine::builders::peel);
    // `let verified = ServerCertVerified::assertion(); Ok(verified)`: the local's value.
    let local = |name: &str| {
        rest.iter().rev().find_map(|s| match s {
            Stmt::Local(l) => match (&l.pat, &l.init) {
                (syn::Pat::Ident(i), Some(init)) if i.ident == name => Some(&*init.expr),
                _ => None,
            },
            _ => None,
        })
    };
    let through = |e: &'_ Expr| -> bool {
        let e = match e {
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| local(&i.to_string()))
                .unwrap_or(e),
            _ => e,
        };
        let Expr::Call(c) = e else { return false };
        if !matches!(&*c.func, Expr::Path(f) if f.path.is_ident("Ok")) || c.args.len() != 1 {
            return false;
        }
        let arg = c.args.first().map(crate::engine::builders::peel);
        let arg = match arg {
            Some(Expr::Path(p)) => p.path.get_ident().and_then(|i| local(&i.to_string())),
            other => other,
        };
        arg.is_some_and(is_assertion)
    };
    rest.iter().all(cannot_reject) && tail.is_some_and(through)
}

/// `ServerCertVerified::assertion()`.
fn is_assertion(e: &Expr) -> bool {
    let Expr::Call(inner) = e else { return false };
    let Expr::Path(p) = &*inner.func else {
        return false;
    };
    let segs: Vec<String> = path_names(&p.path);
    let n = segs.len();
    n >= 2 && segs[n - 2] == "ServerCertVerified" && segs[n - 1] == "assertion"
}

/// Macros that end a function early other than by panicking: error returns and
/// assertions.
const REJECTING_MACROS: &[&str] = &["bail", "ensure", "assert", "assert_eq", "assert_ne"];

/// Whether a statement before the tail cannot end the function with anything but the
/// tail's value.
fn cannot_reject(s: &Stmt) -> bool {
    struct Rejects(bool);
    impl<'ast> Visit<'ast> for Rejects {
        fn visit_item(&mut self, _: &'ast Item) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr(&mut self, e: &'ast Expr) {
            match e {
                Expr::Try(_)
                | Expr::Return(_)
                | Expr::If(_)
                | Expr::Match(_)
                | Expr::Loop(_)
                | Expr::While(_)
                | Expr::ForLoop(_) => self.0 = true,
                Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if p.path.is_ident("Err")) => {
                    self.0 = true
                }
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let name = m.path.segments.last().map(|s| s.ident.to_string());
            if name
                .as_deref()
                .is_some_and(|n| PANIC_MACROS.contains(&n) || REJECTING_MACROS.contains(&n))
            {
                self.0 = true;
            }
        }
    }
    if let Stmt::Local(l) = s {
        if l.init.as_ref().is_some_and(|i| i.diverge.is_some()) {
            return false;
        }
    }
    let mut v = Rejects(false);
    v.visit_stmt(s);
    !v.0
}

/// Words of a condition that make a branch an explicit opt-in to insecure TLS
/// (`if cfg.tls_skip_verify`, `match self.accept_invalid_certs`, `if !verify_ca`,
/// `if cfg!(debug_assertions)`, `if host == "localhost"`): a call inside such a branch is
/// a deliberate, configured choice, not a hard-coded one.
pub const OPT_IN_WORDS: &[&str] = &[
    "insecure",
    "unsafe",
    "danger",
    "dangerous",
    "skip",
    "ignore",
    "verify",
    "verification",
    "verified",
    "unverified",
    "noverify",
    "validate",
    "validation",
    "invalid",
    "trust",
    "trusted",
    "untrusted",
    "selfsigned",
    "signed",
    "strict",
    "enforce",
    "dev",
    "devel",
    "development",
    "debug",
    "test",
    "testing",
    "local",
    "localhost",
    "loopback",
];

/// Words of a function, module or subcommand name that say it checks the service's
/// health or readiness (`check_health`, `commands/healthcheck.rs`, `Command::Ready`).
pub const HEALTH_CHECK_WORDS: &[&str] = &[
    "health",
    "healthz",
    "healthcheck",
    "healthy",
    "ready",
    "readiness",
    "readyz",
    "live",
    "liveness",
    "livez",
    "alive",
];

/// Further words of a function's name that say it probes the service itself
/// (`liveness_probe`, `self_check`, `heartbeat`), beside [`HEALTH_CHECK_WORDS`].
pub const PROBE_WORDS: &[&str] = &["probe", "selfcheck", "heartbeat"];

/// Whether a word of a function's name says it probes the service's own health
/// (`health_check`, `wait_until_ready`, `liveness_probe`, `self_check`).
pub fn is_health_fn_word(w: &str) -> bool {
    HEALTH_CHECK_WORDS.contains(&w) || PROBE_WORDS.contains(&w)
}

/// Parts of a URL path that name a health endpoint (`/health`, `/readyz`, `/livez`).
pub const HEALTH_PATH_MARKERS: &[&str] = &["health", "ready", "live", "ping", "status"];

/// Hosts that name this machine: a request to one never leaves the host.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host == "[::1]"
        || host == "0.0.0.0"
        || host.ends_with(".localhost")
        || host.strip_prefix("127.").is_some_and(|rest| {
            rest.split('.').count() == 3 && rest.split('.').all(|p| p.parse::<u8>().is_ok())
        })
}

/// Words of a value that holds the service's own listening address (`bind_addr`,
/// `listen_address`, `local_addr()`).
pub const OWN_ADDRESS_WORDS: &[&str] = &["bind", "listen", "listener"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "127.0.0.1",
            "127.1.2.3",
            "[::1]",
            "0.0.0.0",
            "api.localhost",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "127.0.0.1.evil.com",
            "localhost.evil.com",
            "10.0.0.1",
            "[::2]",
            "127.0.0.256",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }
}
