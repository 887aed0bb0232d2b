//! HTTP client libraries and their timeouts (BL601): which calls create a client, a
//! client builder or a request, and which methods bound how long a request may take.
//!
//! Defaults, from the crates' documentation:
//! - `reqwest` (async): no timeout of any kind unless `ClientBuilder::timeout` (total),
//!   `ClientBuilder::read_timeout` (per read, bounds a stalled response) or
//!   `RequestBuilder::timeout` is set; `connect_timeout` bounds only the connection.
//! - `reqwest::blocking`: 30 seconds by default — not listed.
//! - `ureq` 2: `timeout_connect` defaults to 30 seconds, reads and writes have no timeout;
//!   `ureq` 3: every timeout is `None` by default.
//! - `awc`: 5 seconds by default; `surf`: 60 seconds by default — not listed.
//! - `hyper`'s client has no timeout setting at all (timeouts are set around requests),
//!   so its constructors say nothing and are not listed.

/// What a constructor produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Produces {
    /// A client builder (timeouts are set on it before `build`).
    Builder,
    /// A client with its default (no) timeouts.
    Client,
    /// A request that is sent with the library's default client.
    Request,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpLib {
    Reqwest,
    Ureq,
}

/// Every library whose clients are judged.
pub const HTTP_LIBS: [HttpLib; 2] = [HttpLib::Reqwest, HttpLib::Ureq];

#[derive(Debug)]
pub struct Constructor {
    /// Full path of the function.
    pub path: &'static [&'static str],
    pub produces: Produces,
    pub lib: HttpLib,
}

const fn ctor(path: &'static [&'static str], produces: Produces, lib: HttpLib) -> Constructor {
    Constructor {
        path,
        produces,
        lib,
    }
}

use HttpLib::{Reqwest, Ureq};
use Produces::{Builder, Client, Request};

/// Calls that create a client, a builder or a request without any timeout.
pub static CONSTRUCTORS: &[Constructor] = &[
    ctor(&["reqwest", "Client", "new"], Client, Reqwest),
    ctor(&["reqwest", "Client", "default"], Client, Reqwest),
    ctor(&["reqwest", "Client", "builder"], Builder, Reqwest),
    ctor(&["reqwest", "ClientBuilder", "new"], Builder, Reqwest),
    ctor(&["reqwest", "ClientBuilder", "default"], Builder, Reqwest),
    ctor(&["reqwest", "get"], Request, Reqwest),
    // ureq 2
    ctor(&["ureq", "agent"], Client, Ureq),
    ctor(&["ureq", "Agent", "new"], Client, Ureq),
    ctor(&["ureq", "builder"], Builder, Ureq),
    ctor(&["ureq", "AgentBuilder", "new"], Builder, Ureq),
    // ureq 3
    ctor(&["ureq", "Agent", "new_with_defaults"], Client, Ureq),
    ctor(&["ureq", "Agent", "config_builder"], Builder, Ureq),
    ctor(&["ureq", "config", "Config", "builder"], Builder, Ureq),
    // both: requests sent with the default agent
    ctor(&["ureq", "get"], Request, Ureq),
    ctor(&["ureq", "post"], Request, Ureq),
    ctor(&["ureq", "put"], Request, Ureq),
    ctor(&["ureq", "patch"], Request, Ureq),
    ctor(&["ureq", "delete"], Request, Ureq),
    ctor(&["ureq", "head"], Request, Ureq),
    ctor(&["ureq", "request"], Request, Ureq),
    ctor(&["ureq", "request_url"], Request, Ureq),
];

/// The constructor a resolved path names.
pub fn constructor(path: &[String]) -> Option<&'static Constructor> {
    CONSTRUCTORS
        .iter()
        .find(|c| c.path.len() == path.len() && c.path.iter().zip(path).all(|(a, b)| a == b))
}

impl HttpLib {
    /// Methods of the client builder (or config builder) that bound a stalled request.
    pub fn builder_timeouts(self) -> &'static [&'static str] {
        match self {
            Reqwest => &["timeout", "read_timeout"],
            Ureq => &[
                "timeout",
                "timeout_read",
                "timeout_global",
                "timeout_per_call",
                "timeout_recv_response",
                "timeout_recv_body",
            ],
        }
    }

    /// Methods of a request (or of the future sending it) that bound it. ureq 3 sets them
    /// through `request.config().timeout_global(..)`.
    pub fn request_timeouts(self) -> &'static [&'static str] {
        match self {
            Reqwest => &["timeout"],
            Ureq => &[
                "timeout",
                "timeout_read",
                "timeout_global",
                "timeout_per_call",
                "timeout_recv_response",
                "timeout_recv_body",
            ],
        }
    }

    /// Methods of a client that start a request.
    pub fn request_methods(self) -> &'static [&'static str] {
        match self {
            Reqwest => &["get", "post", "put", "patch", "delete", "head", "request"],
            Ureq => &[
                "get",
                "post",
                "put",
                "patch",
                "delete",
                "head",
                "options",
                "trace",
                "request",
                "request_url",
            ],
        }
    }

    /// What the finding's help says to set.
    pub fn fix(self) -> &'static str {
        match self {
            Reqwest => "build the client with `reqwest::Client::builder().timeout(Duration::from_secs(..))` (a total deadline; `read_timeout` bounds stalled reads), or set `.timeout(..)` on every request; `connect_timeout` alone does not bound a stalled response",
            Ureq => "set a timeout on the agent: `AgentBuilder::new().timeout(..)` / `.timeout_read(..)` (ureq 2) or `Agent::config_builder().timeout_global(Some(..))` (ureq 3), or on every request; `timeout_connect` alone does not bound a stalled response",
        }
    }
}

/// The method that turns a builder into a client (or a ureq 3 config).
pub const BUILD_METHOD: &str = "build";

/// Methods that pass a builder, client or request through unchanged (error handling,
/// conversions, copies).
pub const PASS_THROUGH: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or_else",
    "unwrap_or_default",
    "map_err",
    "context",
    "with_context",
    "wrap_err",
    "wrap_err_with",
    "into",
    "clone",
    "to_owned",
    "ok",
];

/// Functions that put a deadline on a future (the request sent inside them is bounded).
pub static FUTURE_TIMEOUTS: &[&[&str]] = &[
    &["tokio", "time", "timeout"],
    &["tokio", "time", "timeout_at"],
    &["async_std", "future", "timeout"],
    &["async_std", "io", "timeout"],
];

/// Whether a resolved path is one of [`FUTURE_TIMEOUTS`].
pub fn is_future_timeout(path: &[String]) -> bool {
    FUTURE_TIMEOUTS
        .iter()
        .any(|t| t.len() == path.len() && t.iter().zip(path).all(|(a, b)| a == b))
}

/// Methods that only bound connecting; named in the message when a builder sets one.
pub const CONNECT_ONLY_TIMEOUTS: &[&str] = &["connect_timeout", "timeout_connect"];

/// The crates whose constructors are listed (a file naming none of them is skipped).
pub const HTTP_CRATES: &[&str] = &["reqwest", "ureq"];

/// What on the request's statement sends credentials: bearer or basic auth, an
/// `Authorization`, API-key or cookie header.
pub const CREDENTIAL_MARKERS: &[&str] = &[
    "bearer_auth",
    "basic_auth",
    "AUTHORIZATION",
    "\"authorization\"",
    "\"Authorization\"",
    "api-key",
    "api_key",
    "apikey",
    "x-auth-token",
    "COOKIE",
    "\"cookie\"",
    "\"Cookie\"",
    "PROXY_AUTHORIZATION",
];

/// The host of an `http://` URL when it is neither loopback, nor on a private network,
/// nor a single-label name (a container or service name), nor a documentation example.
pub fn plain_http_host(url: &str) -> Option<String> {
    let rest = url.strip_prefix("http://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(h) = host_port.strip_prefix('[') {
        h.split(']').next()?.to_string()
    } else {
        host_port.split(':').next()?.to_string()
    };
    let h = host.to_ascii_lowercase();
    if h.is_empty() || h.contains('{') || !h.contains('.') {
        return None;
    }
    let local = h == "localhost"
        || h.ends_with(".localhost")
        || h.starts_with("127.")
        || h == "0.0.0.0"
        || h == "::1"
        || h.starts_with("10.")
        || h.starts_with("192.168.")
        || h.starts_with("169.254.")
        || (h.starts_with("172.")
            && h.split('.')
                .nth(1)
                .and_then(|o| o.parse::<u8>().ok())
                .is_some_and(|o| (16..=31).contains(&o)))
        || (h.starts_with("fd") && h.contains(':'))
        || [
            ".local",
            ".internal",
            ".lan",
            ".home",
            ".svc",
            ".cluster.local",
            ".test",
            ".example",
            ".invalid",
            ".onion",
        ]
        .iter()
        .any(|s| h.ends_with(s))
        || h == "example.com"
        || h.ends_with(".example.com")
        || h == "example.org"
        || h.ends_with(".example.org")
        || h == "example.net"
        || h.ends_with(".example.net")
        || h.starts_with("host.docker");
    (!local).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::plain_http_host;

    #[test]
    fn hosts() {
        assert_eq!(
            plain_http_host("http://api.vendor.io/v1").as_deref(),
            Some("api.vendor.io")
        );
        assert_eq!(
            plain_http_host("http://user:pw@api.vendor.io:8080/").as_deref(),
            Some("api.vendor.io")
        );
        assert_eq!(plain_http_host("https://api.vendor.io"), None);
        assert_eq!(plain_http_host("http://localhost:8080"), None);
        assert_eq!(plain_http_host("http://127.0.0.1/x"), None);
        assert_eq!(plain_http_host("http://10.1.2.3/x"), None);
        assert_eq!(plain_http_host("http://172.20.0.5/x"), None);
        assert_eq!(
            plain_http_host("http://172.40.0.5/x").as_deref(),
            Some("172.40.0.5")
        );
        assert_eq!(plain_http_host("http://minio:9000"), None);
        assert_eq!(plain_http_host("http://svc.ns.svc.cluster.local"), None);
        assert_eq!(plain_http_host("http://{}/x"), None);
        assert_eq!(plain_http_host("http://[::1]:80/"), None);
    }
}
