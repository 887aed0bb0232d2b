//! Errors and panics in request handling: which calls panic, which `unwrap`s cannot
//! fail, which errors are internal (a database's, the file system's, an HTTP client's),
//! and how responses and their status codes are written in the web frameworks.

/// Macros that panic unconditionally.
pub const PANIC_MACROS: &[&str] = &["panic", "todo", "unimplemented", "unreachable"];

/// Methods that panic when the `Option`/`Result` holds nothing or an error.
pub const PANICKING_METHODS: &[&str] = &["unwrap", "expect"];

/// Lock acquisitions whose `Result` is an error only when the lock is poisoned — another
/// thread panicked while holding it: `mutex.lock().unwrap()`, `rw.read().unwrap()`.
/// Unwrapping them propagates that earlier panic; the std documentation does it.
pub const POISONING_LOCKS: &[&str] = &["lock", "read", "write"];

/// JSON serializers (serde_json, also re-exported as a `json` module, and its drop-in
/// replacements): they fail only for a `Serialize` implementation that fails or a map
/// with non-string keys, never for the derived data types handlers return. By the
/// function's module and name.
pub fn is_serializer(path: &[String]) -> bool {
    let [.., module, f] = path else { return false };
    matches!(
        module.as_str(),
        "serde_json" | "json" | "sonic_rs" | "simd_json"
    ) && matches!(
        f.as_str(),
        "to_string" | "to_string_pretty" | "to_vec" | "to_vec_pretty" | "to_value"
    )
}

/// Calls that cannot fail whatever their arguments, by type and function: HMAC accepts a
/// key of any length.
pub fn is_infallible_call(ty: &str, f: &str) -> bool {
    ty.starts_with("Hmac") && f == "new_from_slice"
}

/// Words of an `.expect(..)` message that state an invariant rather than describe a
/// failure: `"HMAC can take key of any size"`, `"time is valid"`, `"should never fail"`.
/// Like `unreachable!`, the author's claim that the value cannot be missing.
pub fn states_invariant(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "should ",
        "must ",
        "always",
        "never",
        "infallible",
        "cannot fail",
        "can't fail",
        "can not fail",
        "is valid",
        "are valid",
        "impossible",
        "guaranteed",
        "checked above",
        "checked before",
        "any size",
        "any length",
        "can be ",
        "is authenticated",
        "is present",
    ]
    .iter()
    .any(|w| m.contains(w))
        || m.starts_with("valid ")
}

/// Constructors and parsers whose result depends only on their arguments: given
/// constants, they either always succeed or always fail (`Regex::new("^a+$")`,
/// `"127.0.0.1:8080".parse()`, `HeaderValue::from_str("no-store")`, `Url::parse(..)`).
pub fn is_pure_constructor(name: &str) -> bool {
    matches!(name, "new" | "parse" | "compile" | "build" | "from_str")
        || name.starts_with("from_")
        || name.starts_with("parse_")
        || name.starts_with("new_")
        || name.starts_with("try_")
}

/// Date and time constructors from a timestamp or an offset: they fail only for dates
/// beyond year ±9999 (or 262143), which no server computes from its own data
/// (`OffsetDateTime::from_unix_timestamp(session.exp)`, `now.checked_sub(one_day)`).
pub fn is_time_conversion(name: &str) -> bool {
    matches!(
        name,
        "from_unix_timestamp"
            | "from_unix_timestamp_nanos"
            | "from_timestamp"
            | "from_timestamp_millis"
            | "from_timestamp_micros"
            | "from_timestamp_opt"
            | "timestamp_opt"
            | "timestamp_millis_opt"
            | "checked_add"
            | "checked_sub"
            | "checked_add_signed"
            | "checked_sub_signed"
    )
}

/// Macros that expand to constants (`file!()`, `env!("CARGO_PKG_NAME")`).
pub const CONSTANT_MACROS: &[&str] = &[
    "concat",
    "env",
    "include_str",
    "include_bytes",
    "stringify",
    "file",
    "line",
    "column",
    "module_path",
];

/// Values a middleware put in the request, read back by the handler behind it: the
/// `Option` is `None` only when the route is wired without that middleware, which no
/// request can cause (`req.extensions().get::<Session>()`, actix-identity's
/// `id.identity()`).
pub const MIDDLEWARE_VALUE_METHODS: &[&str] = &["identity"];

/// Pipes of a child process spawned with `Stdio::piped()`: `child.stdin.take()`.
pub const CHILD_PIPES: &[&str] = &["stdin", "stdout", "stderr"];

/// Functions that run a closure or future on another task: `(path, joined)`. A panic in
/// a detached task (`tokio::spawn`) does not reach the handler; a joined one
/// (`spawn_blocking(..).await`) comes back as the `JoinError` the handler unwraps.
pub const SPAWN_FNS: &[(&[&str], bool)] = &[
    (&["tokio", "spawn"], false),
    (&["tokio", "task", "spawn"], false),
    (&["tokio", "task", "spawn_local"], false),
    (&["tokio", "task", "spawn_blocking"], true),
    (&["tokio", "task", "block_in_place"], true),
    (&["std", "thread", "spawn"], false),
    (&["actix_rt", "spawn"], false),
    (&["actix_web", "rt", "spawn"], false),
    (&["actix_web", "web", "block"], true),
    (&["rocket", "tokio", "spawn"], false),
    (&["rocket", "tokio", "task", "spawn_blocking"], true),
];

/// The spawn function a resolved path is, and whether it is joined.
pub fn spawn_fn(path: &[String]) -> Option<bool> {
    SPAWN_FNS
        .iter()
        .find(|(p, _)| p.len() == path.len() && p.iter().zip(path).all(|(a, b)| a == b))
        .map(|(_, joined)| *joined)
}

/// Error types that describe the server's internals: database, I/O, HTTP-client and
/// catch-all errors (by full path). Their messages name tables, constraints, files, hosts
/// and queries.
pub const INTERNAL_ERROR_TYPES: &[&[&str]] = &[
    &["sqlx", "Error"],
    &["sqlx", "error", "Error"],
    &["sqlx", "migrate", "MigrateError"],
    &["diesel", "result", "Error"],
    &["diesel", "ConnectionError"],
    &["diesel", "result", "ConnectionError"],
    &["diesel_async", "pooled_connection", "PoolError"],
    &["r2d2", "Error"],
    &["bb8", "RunError"],
    &["deadpool_postgres", "PoolError"],
    &["deadpool", "managed", "PoolError"],
    &["tokio_postgres", "Error"],
    &["postgres", "Error"],
    &["rusqlite", "Error"],
    &["mysql", "Error"],
    &["mysql_async", "Error"],
    &["sea_orm", "DbErr"],
    &["sea_orm", "error", "DbErr"],
    &["mongodb", "error", "Error"],
    &["redis", "RedisError"],
    &["std", "io", "Error"],
    &["tokio", "io", "Error"],
    &["anyhow", "Error"],
    &["eyre", "Report"],
    &["color_eyre", "Report"],
    &["reqwest", "Error"],
    &["hyper", "Error"],
    &["lettre", "transport", "smtp", "Error"],
    &["tokio", "task", "JoinError"],
];

/// What kind of internal error a full type path is: `"database"`, `"I/O"`, … .
pub fn internal_error_type(path: &[String]) -> Option<&'static str> {
    let hit = INTERNAL_ERROR_TYPES
        .iter()
        .find(|p| p.len() == path.len() && p.iter().zip(path).all(|(a, b)| a == b))?;
    Some(kind_of_crate(hit[0]))
}

/// The kind of internals a crate's errors describe.
pub fn kind_of_crate(krate: &str) -> &'static str {
    match krate {
        "std" | "tokio" => "I/O",
        "anyhow" | "eyre" | "color_eyre" => "internal",
        "reqwest" | "hyper" => "HTTP client",
        "lettre" => "mail",
        _ => "database",
    }
}

/// Crates whose fallible calls fail for internal reasons (besides the database crates of
/// [`crate::model::layers::is_db_crate`]): file systems, processes, HTTP clients, mail.
pub const INTERNAL_CALL_PATHS: &[(&[&str], &str)] = &[
    (&["std", "fs"], "I/O"),
    (&["tokio", "fs"], "I/O"),
    (&["async_std", "fs"], "I/O"),
    (&["std", "process"], "I/O"),
    (&["tokio", "process"], "I/O"),
    (&["std", "fs", "File"], "I/O"),
    (&["tokio", "fs", "File"], "I/O"),
    (&["reqwest"], "HTTP client"),
    (&["lettre"], "mail"),
];

/// Methods whose result is a database's or HTTP client's, by the crate the file imports:
/// sqlx executors, diesel loaders, sea-orm, mongodb, redis, reqwest's `send`.
pub const INTERNAL_METHODS: &[(&str, &[&str], &str)] = &[
    (
        "sqlx",
        &[
            "fetch_one",
            "fetch_all",
            "fetch_optional",
            "execute",
            "begin",
            "commit",
            "acquire",
        ],
        "database",
    ),
    (
        "diesel",
        &["get_result", "get_results", "load", "execute", "first"],
        "database",
    ),
    (
        "diesel_async",
        &["get_result", "get_results", "load", "execute", "first"],
        "database",
    ),
    (
        "sea_orm",
        &["one", "all", "exec", "insert", "update"],
        "database",
    ),
    (
        "mongodb",
        &[
            "find_one",
            "insert_one",
            "update_one",
            "delete_one",
            "insert_many",
            "find_one_and_update",
        ],
        "database",
    ),
    (
        "redis",
        &["query_async", "get_multiplexed_async_connection"],
        "database",
    ),
    ("reqwest", &["send"], "HTTP client"),
];

/// The class of an HTTP status, from its name as the frameworks spell it
/// (`INTERNAL_SERVER_ERROR`, `InternalServerError`, `Ok`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    /// 2xx: the client is told the request succeeded.
    Success,
    /// 4xx (and 3xx): the client's fault.
    Client,
    /// 5xx: the server's fault.
    Server,
}

/// The class of a status named `name` (a `StatusCode`/`Status` constant or an actix-web
/// `HttpResponse` constructor).
pub fn status_class(name: &str) -> Option<StatusClass> {
    let n: String = name
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match n.as_str() {
        "internalservererror"
        | "notimplemented"
        | "badgateway"
        | "serviceunavailable"
        | "gatewaytimeout"
        | "insufficientstorage"
        | "loopdetected"
        | "networkauthenticationrequired"
        | "httpversionnotsupported" => StatusClass::Server,
        "ok"
        | "created"
        | "accepted"
        | "nonauthoritativeinformation"
        | "partialcontent"
        | "multistatus" => StatusClass::Success,
        "badrequest"
        | "unauthorized"
        | "forbidden"
        | "notfound"
        | "conflict"
        | "unprocessableentity"
        | "methodnotallowed"
        | "notacceptable"
        | "gone"
        | "preconditionfailed"
        | "payloadtoolarge"
        | "toomanyrequests"
        | "expectationfailed"
        | "unsupportedmediatype"
        | "requesttimeout"
        | "lengthrequired"
        | "locked"
        | "failedependency"
        | "faileddependency"
        | "imateapot"
        | "paymentrequired" => StatusClass::Client,
        _ => return None,
    })
}

/// The class of a numeric status (`StatusCode::from_u16(500)`).
pub fn status_class_of_code(code: u64) -> Option<StatusClass> {
    match code {
        200..=299 => Some(StatusClass::Success),
        300..=499 => Some(StatusClass::Client),
        500..=599 => Some(StatusClass::Server),
        _ => None,
    }
}

/// Types whose associated constants are statuses: `StatusCode::OK`, rocket's
/// `Status::InternalServerError`.
pub const STATUS_TYPES: &[&str] = &["StatusCode", "Status"];

/// actix-web's response type, whose associated functions are statuses
/// (`HttpResponse::InternalServerError()`).
pub const RESPONSE_BUILDER_TYPES: &[&str] = &["HttpResponse", "HttpResponseBuilder"];

/// Builder methods that set a response's body.
pub const BODY_METHODS: &[&str] = &["body", "json", "message_body", "content", "html", "text"];

/// Trait implementations that turn a value into an HTTP response, and the method that
/// builds the body (`None`: the trait's default builds it from `Display`).
pub const RESPONSE_TRAITS: &[(&str, &str)] = &[
    ("IntoResponse", "into_response"),
    ("ResponseError", "error_response"),
    ("Responder", "respond_to"),
];

/// Methods that render an error value as text.
pub const RENDER_METHODS: &[&str] = &["to_string", "to_owned", "into"];

/// Closure-taking methods of `Result` whose closure is given the error:
/// `.map_err(|e| ..)`, `.unwrap_or_else(|e| ..)`.
pub const ERROR_CLOSURE_METHODS: &[&str] = &[
    "map_err",
    "or_else",
    "unwrap_or_else",
    "inspect_err",
    "map_or_else",
];

/// Calls whose errors are the client's, not the server's: parsing or validating what the
/// client sent (`serde_json::from_str(&body)`, `payload.validate()`).
pub fn is_client_error_call(name: &str) -> bool {
    matches!(
        name,
        "validate" | "from_str" | "from_slice" | "from_value" | "parse"
    ) || name.starts_with("validate_")
        || name.starts_with("parse_")
}

/// Words of a source file that install a layer turning a handler's panic into a 500
/// response: tower-http's `CatchPanicLayer`, the `CatchPanic` middleware of poem, salvo
/// and actix-web-lab, or a wrapper of the project's own around `catch_unwind`. Comments
/// do not count.
pub fn catches_panics(text: &str) -> bool {
    text.lines()
        .map(str::trim_start)
        .filter(|l| !l.starts_with("//") && !l.starts_with('*'))
        .any(|l| {
            l.contains("CatchPanic") || l.contains("catch_panic") || l.contains("catch_unwind")
        })
}

/// Error types whose text describes the client's request or is a fixed message, never
/// the server's internals: the frameworks' rejections of a malformed request (axum's
/// `JsonRejection`, `QueryRejection`, `PathRejection`, …; actix-web's
/// `JsonPayloadError`, `QueryPayloadError`, `UrlencodedError`, `PathError`; rocket's
/// form `Errors`) and the fixed texts of timeouts and load shedding (tower's and
/// tokio's `Elapsed`, tower's `Overloaded`). By the full path the use-map gives; a
/// name that resolves to no crate (a glob import) counts when it is one of these
/// distinctive names.
pub fn is_harmless_error_type(path: &[String]) -> bool {
    let Some(last) = path.last() else {
        return false;
    };
    let krate = if path.len() > 1 { path[0].as_str() } else { "" };
    let rejection = last.ends_with("Rejection") && last.len() > "Rejection".len();
    let actix = matches!(
        last.as_str(),
        "JsonPayloadError" | "QueryPayloadError" | "UrlencodedError" | "PathError" | "PayloadError"
    );
    let fixed = matches!(last.as_str(), "Elapsed" | "Overloaded");
    if is_fixed_text_error_type(path) {
        return true;
    }
    match krate {
        "axum" | "axum_extra" | "axum_core" | "poem" | "salvo" => rejection,
        "actix_web" | "actix_http" => actix,
        "rocket" => rejection || (last == "Errors" && path.iter().any(|s| s == "form")),
        "tower" | "tokio" | "tower_http" => fixed,
        "" => rejection || actix || fixed,
        _ => false,
    }
}

/// Calls whose error is a fixed text or the client's: a timeout (`tokio::time::timeout`,
/// its `Elapsed` says "deadline has elapsed") and a framework extractor run by hand
/// (`Json::<T>::from_request(req, state)`: its rejection describes the request).
pub fn is_harmless_error_call(path: &[String]) -> bool {
    if is_fixed_text_call(path) {
        return true;
    }
    match path {
        [c, t, f] if c == "tokio" && t == "time" => matches!(f.as_str(), "timeout" | "timeout_at"),
        [c, .., f] => {
            matches!(
                c.as_str(),
                "axum" | "axum_extra" | "axum_core" | "actix_web"
            ) && matches!(f.as_str(), "from_request" | "from_request_parts")
        }
        _ => false,
    }
}

/// Calls whose error has a fixed text that describes nothing of the server: a channel's
/// (tokio, futures, flume: "channel closed"), actix-web's `web::block` (`BlockingError`:
/// the thread pool is gone), glob's pattern compilation (`PatternError`: a message and a
/// position in the pattern), formatting into a buffer (`std::fmt::Error`, also of
/// prometheus-client's text encoder), an integer conversion (`TryFromIntError`).
/// A channel's constructor counts: the error of its ends is "channel closed".
pub fn is_fixed_text_call(path: &[String]) -> bool {
    let s: Vec<&str> = path.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["tokio", "sync", "oneshot" | "mpsc" | "broadcast" | "watch", "channel" | "unbounded_channel"]
        | ["futures" | "futures_channel", .., "oneshot" | "mpsc", "channel" | "unbounded"]
        | ["flume", "bounded" | "unbounded"]
        | ["actix_web", "web", "block"]
        | ["glob", "glob" | "glob_with"]
        | ["glob", "Pattern", "new"]
        | ["std" | "core", "fmt", "write"]
        | ["prometheus_client", "encoding", "text", "encode"] => true,
        [int, "try_from"] => crate::model::types::is_integer_type(int),
        _ => false,
    }
}

/// Methods whose error has a fixed text: `SystemTime::duration_since`/`elapsed`
/// (`SystemTimeError`), `try_into()` of a number (`TryFromIntError`), a header value's
/// `to_str()` (`ToStrError`).
pub fn is_fixed_text_method(name: &str, args: usize) -> bool {
    matches!(
        (name, args),
        ("duration_since", 1) | ("elapsed", 0) | ("try_into", 0) | ("to_str", 0)
    )
}

/// Error types whose text is fixed or describes nothing of the server, by their last
/// path segments: `std::fmt::Error`, `http::Error`, `InvalidHeaderValue`, a channel's
/// `RecvError`/`SendError`, actix-web's `BlockingError`, `SystemTimeError`,
/// `TryFromIntError`, `ParseIntError`, glob's `PatternError`, mime's `FromStrError`,
/// `AddrParseError` ("invalid IP address syntax"), url's `ParseError` ("relative URL
/// without a base").
pub fn is_fixed_text_error_type(path: &[String]) -> bool {
    let s: Vec<&str> = path.iter().map(String::as_str).collect();
    matches!(
        s.as_slice(),
        [.., "fmt", "Error"]
            | ["http", "Error"]
            | ["http", "error", "Error"]
            | [
                ..,
                "InvalidHeaderValue" | "InvalidHeaderName" | "InvalidStatusCode" | "ToStrError"
            ]
            | [
                ..,
                "BlockingError"
                    | "SystemTimeError"
                    | "TryFromIntError"
                    | "ParseIntError"
                    | "ParseFloatError"
                    | "ParseBoolError"
                    | "PatternError"
                    | "FromStrError"
                    | "AddrParseError"
            ]
            | ["url", "ParseError"]
            | ["url", "parser", "ParseError"]
            | [
                ..,
                "oneshot" | "mpsc" | "broadcast" | "watch" | "error",
                "RecvError" | "SendError" | "TryRecvError"
            ]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Vec<String> {
        s.split("::").map(str::to_string).collect()
    }

    #[test]
    fn harmless_error_types_by_full_path() {
        assert!(is_harmless_error_type(&p(
            "axum::extract::rejection::JsonRejection"
        )));
        assert!(is_harmless_error_type(&p(
            "actix_web::error::JsonPayloadError"
        )));
        assert!(is_harmless_error_type(&p("tower::timeout::error::Elapsed")));
        assert!(is_harmless_error_type(&p("tokio::time::error::Elapsed")));
        assert!(is_harmless_error_type(&p("QueryRejection")));
        assert!(!is_harmless_error_type(&p("sqlx::Error")));
        assert!(!is_harmless_error_type(&p("crate::errors::Elapsed")));
        assert!(!is_harmless_error_type(&p("Rejection")));
        assert!(is_harmless_error_type(&p("std::fmt::Error")));
        assert!(is_harmless_error_type(&p("http::Error")));
        assert!(is_harmless_error_type(&p(
            "tokio::sync::oneshot::error::RecvError"
        )));
        assert!(!is_harmless_error_type(&p("std::io::Error")));
        assert!(!is_harmless_error_type(&p("glob::GlobError")));
    }

    #[test]
    fn fixed_text_calls() {
        assert!(is_harmless_error_call(&p("tokio::sync::oneshot::channel")));
        assert!(is_harmless_error_call(&p("actix_web::web::block")));
        assert!(is_harmless_error_call(&p("glob::glob")));
        assert!(is_harmless_error_call(&p("u32::try_from")));
        assert!(!is_harmless_error_call(&p("Uuid::try_from")));
        assert!(!is_harmless_error_call(&p("std::fs::read")));
    }

    #[test]
    fn panic_catching_layers_outside_comments() {
        assert!(catches_panics(".layer(CatchPanicLayer::new())"));
        assert!(catches_panics(
            "use tower_http::catch_panic::CatchPanicLayer;"
        ));
        assert!(catches_panics("let r = std::panic::catch_unwind(|| f());"));
        assert!(!catches_panics(
            "// TODO: add CatchPanicLayer\nfn main() {}"
        ));
        assert!(!catches_panics("fn main() {}"));
    }
}
