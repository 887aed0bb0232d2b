//! Web frameworks: the extractors through which request input reaches a handler, and
//! the validating extractors that check it first.

/// What part of the request an extractor reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Body,
    Form,
    Query,
    Path,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Body => "body",
            InputKind::Form => "form",
            InputKind::Query => "query",
            InputKind::Path => "path",
        }
    }
}

/// A request extractor, by its full path.
pub struct Extractor {
    pub path: &'static [&'static str],
    pub kind: InputKind,
}

/// Extractors that deserialize request input without validating it.
pub const EXTRACTORS: &[Extractor] = &[
    // axum (and axum-extra)
    Extractor {
        path: &["axum", "Json"],
        kind: InputKind::Body,
    },
    Extractor {
        path: &["axum", "extract", "Json"],
        kind: InputKind::Body,
    },
    Extractor {
        path: &["axum", "Form"],
        kind: InputKind::Form,
    },
    Extractor {
        path: &["axum", "extract", "Form"],
        kind: InputKind::Form,
    },
    Extractor {
        path: &["axum", "extract", "Query"],
        kind: InputKind::Query,
    },
    Extractor {
        path: &["axum", "extract", "Path"],
        kind: InputKind::Path,
    },
    Extractor {
        path: &["axum_extra", "extract", "Query"],
        kind: InputKind::Query,
    },
    Extractor {
        path: &["axum_extra", "extract", "Form"],
        kind: InputKind::Form,
    },
    Extractor {
        path: &["axum_extra", "extract", "JsonDeserializer"],
        kind: InputKind::Body,
    },
    // actix-web
    Extractor {
        path: &["actix_web", "web", "Json"],
        kind: InputKind::Body,
    },
    Extractor {
        path: &["actix_web", "web", "Form"],
        kind: InputKind::Form,
    },
    Extractor {
        path: &["actix_web", "web", "Query"],
        kind: InputKind::Query,
    },
    Extractor {
        path: &["actix_web", "web", "Path"],
        kind: InputKind::Path,
    },
    // rocket
    Extractor {
        path: &["rocket", "serde", "json", "Json"],
        kind: InputKind::Body,
    },
    Extractor {
        path: &["rocket_contrib", "json", "Json"],
        kind: InputKind::Body,
    },
    Extractor {
        path: &["rocket", "form", "Form"],
        kind: InputKind::Form,
    },
    Extractor {
        path: &["rocket", "request", "Form"],
        kind: InputKind::Form,
    },
    // rocket 0.4: a form that ignores extra fields, validated no more than `Form`.
    Extractor {
        path: &["rocket", "request", "LenientForm"],
        kind: InputKind::Form,
    },
    // poem, poem-openapi
    Extractor {
        path: &["poem", "web", "Json"],
        kind: InputKind::Body,
    },
    Extractor {
        path: &["poem", "web", "Form"],
        kind: InputKind::Form,
    },
    Extractor {
        path: &["poem", "web", "Query"],
        kind: InputKind::Query,
    },
    Extractor {
        path: &["poem_openapi", "payload", "Json"],
        kind: InputKind::Body,
    },
    Extractor {
        path: &["poem_openapi", "payload", "Form"],
        kind: InputKind::Form,
    },
];

/// Crates whose extractors validate what they extract (`actix_web_validator::Json`,
/// `axum_valid::Valid<Json<T>>`, `axum_garde::WithValidation<Json<T>>`).
pub const VALIDATING_CRATES: &[&str] = &[
    "actix_web_validator",
    "axum_valid",
    "axum_garde",
    "garde_actix_web",
    "actix_web_garde",
    "poem_valid",
    "rocket_validation",
];

/// Validating wrapper types, by name (`Valid<Json<T>>`), for wrappers re-exported under
/// other paths.
pub const VALIDATING_WRAPPERS: &[&str] = &[
    "Valid",
    "Garde",
    "Validified",
    "ValidifiedByRef",
    "Modified",
    "WithValidation",
    "Validated",
    "ValidatedJson",
    "ValidatedForm",
    "ValidatedQuery",
];

/// Route attributes of actix-web and rocket (`#[post("/users")]`): the function is a
/// request handler, async or not.
pub const ROUTE_ATTRS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "route", "head", "options",
];

/// Functions and methods that register a handler: axum's and poem's method routers
/// (`get(list)`, `.post(create)`, `on(filter, h)`), actix-web's `.to(handler)`.
pub const ROUTING_FNS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "connect", "any", "on",
    "to",
];

/// A parameter type that only request handlers take, by its full path.
pub struct HandlerExtractor {
    pub path: &'static [&'static str],
    /// Only request handlers take it: a function with such a parameter is a handler.
    pub qualifies: bool,
    /// It carries request data (path, query, headers, body, the request itself).
    pub input: bool,
}

const fn hx(path: &'static [&'static str], qualifies: bool, input: bool) -> HandlerExtractor {
    HandlerExtractor {
        path,
        qualifies,
        input,
    }
}

/// Handler parameter types of the web frameworks: extractors of request data, of
/// application state, and the request itself.
pub const HANDLER_EXTRACTORS: &[HandlerExtractor] = &[
    // axum
    hx(&["axum", "Json"], true, true),
    hx(&["axum", "Form"], true, true),
    hx(&["axum", "Extension"], true, false),
    hx(&["axum", "extract", "Json"], true, true),
    hx(&["axum", "extract", "Form"], true, true),
    hx(&["axum", "extract", "Query"], true, true),
    hx(&["axum", "extract", "Path"], true, true),
    hx(&["axum", "extract", "RawQuery"], true, true),
    hx(&["axum", "extract", "RawForm"], true, true),
    hx(&["axum", "extract", "Multipart"], true, true),
    hx(&["axum", "extract", "OriginalUri"], true, true),
    hx(&["axum", "extract", "Request"], true, true),
    hx(&["axum", "extract", "State"], true, false),
    hx(&["axum", "extract", "Extension"], true, false),
    hx(&["axum", "extract", "ConnectInfo"], true, false),
    hx(&["axum", "extract", "MatchedPath"], true, false),
    hx(&["axum", "extract", "WebSocketUpgrade"], true, false),
    hx(&["axum", "extract", "TypedHeader"], true, true),
    hx(&["axum", "extract", "Host"], true, true),
    hx(&["axum", "extract", "ws", "WebSocketUpgrade"], true, false),
    hx(&["axum", "http", "HeaderMap"], true, true),
    hx(&["axum", "http", "Request"], false, true),
    hx(&["axum", "http", "Uri"], false, true),
    hx(&["axum", "body", "Bytes"], false, true),
    hx(&["axum_extra", "TypedHeader"], true, true),
    hx(&["axum_extra", "typed_header", "TypedHeader"], true, true),
    hx(&["axum_extra", "extract", "Query"], true, true),
    hx(&["axum_extra", "extract", "Form"], true, true),
    hx(&["axum_extra", "extract", "Host"], true, true),
    hx(&["axum_extra", "extract", "CookieJar"], true, true),
    hx(&["axum_extra", "extract", "PrivateCookieJar"], true, true),
    hx(&["axum_extra", "extract", "SignedCookieJar"], true, true),
    hx(
        &["axum_extra", "extract", "cookie", "CookieJar"],
        true,
        true,
    ),
    hx(&["axum_extra", "extract", "Multipart"], true, true),
    hx(&["axum_extra", "extract", "JsonDeserializer"], true, true),
    hx(&["axum", "TypedHeader"], true, true),
    hx(&["http", "HeaderMap"], true, true),
    hx(&["http", "Request"], false, true),
    hx(&["http", "Uri"], false, true),
    hx(&["hyper", "Request"], false, true),
    // actix-web
    hx(&["actix_web", "web", "Json"], true, true),
    hx(&["actix_web", "web", "Form"], true, true),
    hx(&["actix_web", "web", "Query"], true, true),
    hx(&["actix_web", "web", "Path"], true, true),
    hx(&["actix_web", "web", "Bytes"], true, true),
    hx(&["actix_web", "web", "Payload"], true, true),
    hx(&["actix_web", "web", "Data"], true, false),
    hx(&["actix_web", "web", "ReqData"], true, false),
    hx(&["actix_web", "HttpRequest"], false, true),
    hx(&["actix_web", "dev", "Payload"], true, true),
    hx(&["actix_multipart", "Multipart"], true, true),
    // rocket (route attributes make a handler; these say what carries input)
    hx(&["rocket", "Data"], false, true),
    hx(&["rocket", "data", "Data"], false, true),
    hx(&["rocket", "serde", "json", "Json"], false, true),
    hx(&["rocket", "form", "Form"], false, true),
    hx(&["rocket", "State"], false, false),
    // poem, poem-openapi
    hx(&["poem", "web", "Json"], true, true),
    hx(&["poem", "web", "Form"], true, true),
    hx(&["poem", "web", "Query"], true, true),
    hx(&["poem", "web", "Path"], true, true),
    hx(&["poem", "web", "Data"], true, false),
    hx(&["poem", "Request"], true, true),
    hx(&["poem_openapi", "param", "Path"], false, true),
    hx(&["poem_openapi", "param", "Query"], false, true),
    hx(&["poem_openapi", "param", "Header"], false, true),
    hx(&["poem_openapi", "payload", "Json"], false, true),
    hx(&["poem_openapi", "payload", "Form"], false, true),
];

/// Whether a resolved path is a handler parameter type.
pub fn handler_extractor(path: &[String]) -> Option<&'static HandlerExtractor> {
    HANDLER_EXTRACTORS
        .iter()
        .find(|e| e.path.len() == path.len() && e.path.iter().zip(path).all(|(a, b)| a == b))
}

/// [`raw_payload`]'s description of a JSON value.
pub const RAW_JSON: &str = "arbitrary JSON";
/// [`raw_payload`]'s description of a map of arbitrary keys.
pub const RAW_MAP: &str = "an arbitrary map";
/// [`raw_payload`]'s description of text.
pub const RAW_TEXT: &str = "arbitrary text";

/// Payload types that are arbitrary input whatever the program defines, described for
/// messages: `Json<Value>`, `Query<HashMap<..>>`, `Json<String>`.
pub fn raw_payload(type_name: &str) -> Option<&'static str> {
    match type_name {
        "Value" => Some(RAW_JSON),
        "HashMap" | "BTreeMap" | "IndexMap" => Some(RAW_MAP),
        "String" => Some(RAW_TEXT),
        _ => None,
    }
}

/// Whether a resolved path is one of the unvalidated extractors.
pub fn extractor(path: &[String]) -> Option<&'static Extractor> {
    EXTRACTORS
        .iter()
        .find(|e| e.path.len() == path.len() && e.path.iter().zip(path).all(|(a, b)| a == b))
}

/// Methods that validate a value (validator, garde).
pub fn is_validate_method(name: &str) -> bool {
    matches!(
        name,
        "validate" | "validate_with_args" | "validate_args" | "validate_into" | "validate_with"
    )
}

/// A function or method that checks its argument by its name: `is_valid_body_field`,
/// `check_name`, `validate_email`, `ensure_len`, `sanitize_html`.
pub fn is_checking_fn(name: &str) -> bool {
    crate::model::names::words(name).iter().any(|w| {
        matches!(
            w.as_str(),
            "valid"
                | "validate"
                | "validated"
                | "validation"
                | "validator"
                | "check"
                | "verify"
                | "ensure"
                | "sanitize"
                | "sanitise"
        )
    })
}

/// A conversion that can fail, so the value is parsed into a checked type:
/// `try_from`, `try_into`, `try_new`, `parse`, `parse_email`, `from_form`.
pub fn is_conversion_fn(name: &str) -> bool {
    name.starts_with("try_")
        || name == "parse"
        || name.starts_with("parse_")
        || matches!(
            name,
            "from_form" | "new_validated" | "validated" | "from_str" | "from_slice" | "from_value"
        )
}

/// An associated function of a type that builds it from input and can fail, when its
/// result is matched or `?`-ed: `Email::parse(..)`, `Event::from_message(..)`,
/// `Name::new(..)?`, `Scope::new_checked(..).ok_or(..)?`, `Jwe::decode(..)`.
/// `plain_new`: whether bare `new` counts (only with `?`, which says it is fallible).
pub fn is_fallible_constructor(name: &str, plain_new: bool) -> bool {
    (plain_new && name == "new")
        || name.starts_with("new_")
        || name.starts_with("from_")
        || name.starts_with("try_")
        || name.starts_with("parse")
        || name.starts_with("decode")
}

/// A free function that checks or decodes its argument when `?`-ed:
/// `decode_invite(&data.token)?`, `extract_webfinger_name(&q.resource)?`.
pub fn is_checking_call(name: &str) -> bool {
    ["decode", "parse", "extract", "verify"]
        .iter()
        .any(|w| name.starts_with(w))
}

/// Methods that turn an `Option`/`Result` into the caller's error, between a fallible
/// call and its `?`: `Scope::new(..).ok_or(E)?`.
pub const ERROR_ADAPTERS: &[&str] = &["ok_or", "ok_or_else", "map_err", "context", "with_context"];

/// Macros whose first argument is a condition that must hold (`ensure!(x.len() < 9, E)`).
pub fn is_check_macro(name: &str) -> bool {
    matches!(
        name,
        "ensure" | "assert" | "debug_assert" | "require" | "check" | "validate"
    ) || is_checking_fn(name)
}

/// Iterator methods whose closure is a predicate over the elements: a check in it checks
/// them (`records.iter().all(|r| r.raw.len() <= max)`).
pub const PREDICATE_METHODS: &[&str] = &["all", "any", "filter", "retain", "find", "position"];

/// Shape checks that test their argument rather than (only) their receiver:
/// `EMAIL_RE.is_match(&form.email)`, `ALLOWED.contains(&q.kind)`.
pub const ARGUMENT_CHECKS: &[&str] = &["is_match", "matches", "contains"];

/// Calls that wrap their argument rather than compute another value from it: a tuple
/// struct or variant (`Some(x)`, `Wrapper(x)`), or a pointer / string constructor
/// (`Box::new(x)`, `Cow::from(x)`).
pub fn wraps_argument(path: &[String]) -> bool {
    match path {
        [one] => one.starts_with(|c: char| c.is_uppercase()),
        [.., ty, f] => {
            matches!(
                ty.as_str(),
                "Box" | "Arc" | "Rc" | "Cow" | "String" | "Some"
            ) && matches!(f.as_str(), "new" | "from" | "Owned" | "Borrowed")
        }
        _ => false,
    }
}

/// Methods whose use in a condition checks a value's shape: `.len()`, `.is_empty()`,
/// `.contains(..)`, `.starts_with(..)`, `.chars()`, `.is_match(..)`.
pub const SHAPE_CHECKS: &[&str] = &[
    "len",
    "is_empty",
    "contains",
    "starts_with",
    "ends_with",
    "chars",
    "is_match",
    "matches",
    "is_ascii",
    "trim",
    "bytes",
    "all",
    "any",
    // A file path checked to exist, or to be absolute, before it is used.
    "exists",
    "try_exists",
    "is_absolute",
    "is_relative",
    "is_dir",
    "is_file",
];

/// Frameworks whose types in a function's parameters make it a request handler (or a
/// middleware, which runs per request too).
pub const WEB_CRATES: &[&str] = &[
    "axum",
    "axum_extra",
    "actix_web",
    "poem",
    "poem_openapi",
    "rocket",
    "salvo",
    "tide",
];

/// Framework types that are not request extractors (application builders and
/// configuration, responses).
pub const NON_EXTRACTOR_TYPES: &[&str] = &[
    "Router",
    "App",
    "HttpServer",
    "Server",
    "Scope",
    "ServiceConfig",
    "Rocket",
    "Build",
    "Ignite",
    "Orbit",
    "Route",
    "Resource",
    "Error",
    "Response",
    "HttpResponse",
    "StatusCode",
    "Method",
    "Config",
];

/// Crates whose routing functions (`post(h)`, `web::post()`) take a handler.
pub const ROUTER_CRATES: &[&str] = &["axum", "actix_web", "poem", "ntex", "salvo"];

/// Crates whose route attributes (`#[post("/login")]`) declare a handler.
pub const ROUTE_ATTR_CRATES: &[&str] = &["actix_web", "rocket", "ntex", "poem_openapi"];

/// Methods that measure or test a value without passing it on: a payload read only
/// through them is not stored (`q.verbose.is_some()`, `body.bio.len()`,
/// `ALLOWED.contains(&q.kind)`).
pub const MEASURE_METHODS: &[&str] = &[
    "is_some",
    "is_none",
    "is_some_and",
    "is_none_or",
    "is_ok_and",
    "is_err_and",
    "is_ok",
    "is_err",
    "is_empty",
    "len",
    "count",
    "contains",
    "contains_key",
    "starts_with",
    "ends_with",
    "eq",
    "ne",
    "eq_ignore_ascii_case",
    "cmp",
    "partial_cmp",
    "is_ascii",
    "is_match",
];

/// Words of a function that only reads records by a key: `find_by_slug`, `get_user`,
/// `user_by_email`, `lookup`, `exists`. Looking a record up by an arbitrary string is
/// safe; a miss is a not-found.
const LOOKUP_WORDS: &[&str] = &[
    "find", "get", "fetch", "load", "lookup", "exists", "by", "select", "search", "read", "count",
    "list", "filter",
];

/// Words that make a function write or send, whatever else its name says
/// (`get_or_create`, `find_and_update`, `load_and_cache`). Words that are also common
/// nouns (`post`, `store`, `upload`) are not among them: `get_post` is a lookup.
const WRITE_WORDS: &[&str] = &[
    "create", "insert", "save", "update", "upsert", "set", "add", "write", "register", "send",
    "publish", "cache", "append", "replace", "rename",
];

/// A function or method that looks a record up by its arguments, and writes nothing:
/// `find_article_by_slug`, `get_user`, `by_id`, `exists`.
pub fn is_lookup_fn(name: &str) -> bool {
    let words = crate::model::names::words(name);
    (words
        .first()
        .is_some_and(|w| LOOKUP_WORDS.contains(&w.as_str()))
        || words.iter().any(|w| w == "by"))
        && !words
            .iter()
            .any(|w| WRITE_WORDS.contains(&w.as_str()) || matches!(w.as_str(), "delete" | "remove"))
}

/// A function that verifies submitted credentials against stored ones, or compares
/// them: `verify_password`, `authenticate`, `login`, `constant_time_eq`, `ct_eq`.
/// Verifying a password, username or one-time code is its validation; it is not stored.
pub fn is_verify_fn(name: &str) -> bool {
    crate::model::names::words(name).iter().any(|w| {
        matches!(
            w.as_str(),
            "verify"
                | "authenticate"
                | "authenticated"
                | "authorize"
                | "login"
                | "signin"
                | "compare"
                | "eq"
                | "matches"
                | "check"
        )
    }) || name == "sign_in"
        || name == "log_in"
}

/// Logging and error macros: what they are given is printed or returned as an error,
/// not stored.
pub fn is_reporting_macro(name: &str) -> bool {
    crate::model::logs::is_log_macro(name)
        || matches!(
            name,
            "println" | "eprintln" | "print" | "eprint" | "bail" | "anyhow" | "dbg"
        )
}

/// sqlx's query functions and macros: a `SELECT` given the payload as a bound
/// parameter only looks it up.
pub const QUERY_FNS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_as_unchecked",
    "query_unchecked",
    "query_scalar_unchecked",
];

/// Whether SQL text only reads: `SELECT ..` (or `WITH .. SELECT` without a write).
pub fn is_read_only_sql(sql: &str) -> bool {
    let s = sql.trim_start().to_ascii_lowercase();
    (s.starts_with("select") || s.starts_with("with"))
        && !["insert ", "update ", "delete ", " into "]
            .iter()
            .any(|w| s.contains(w))
}

/// Whether read-only SQL matches free text rather than a key: `LIKE`, `ILIKE`,
/// `SIMILAR TO`, full-text search (`to_tsquery`, `@@`), `MATCH .. AGAINST`.
pub fn is_search_sql(sql: &str) -> bool {
    let s = sql.to_ascii_lowercase();
    [
        " like ",
        " ilike ",
        "similar to",
        "tsquery",
        "@@",
        "against",
        " ~ ",
        " ~* ",
    ]
    .iter()
    .any(|w| s.contains(w))
}

/// A name that reads as a record's identifier rather than free text: `id`, `team_id`,
/// `member_ids`, `uuid`, `owner_uuid`.
pub fn is_id_name(name: &str) -> bool {
    crate::model::names::words(name)
        .last()
        .is_some_and(|w| matches!(w.as_str(), "id" | "ids" | "uuid" | "uuids"))
}

/// A filter or key constructor of a generated query client, called through a module
/// path: `account::id::equals(v)`, `user::id::in_vec(ids)`, a compound unique key
/// `note::owner_id_note_id(a, b)`. Its arguments name existing records (a `WHERE`, a
/// relation link, the key of an upsert or a delete); they are not stored as text.
pub fn is_key_constructor(path: &[String]) -> bool {
    let [.., module, f] = path else {
        return false;
    };
    if !module.starts_with(|c: char| c.is_ascii_lowercase()) {
        return false;
    }
    let words = crate::model::names::words(f);
    matches!(f.as_str(), "equals" | "in_vec" | "not_in_vec")
        || (words.iter().any(|w| w == "id")
            && words.len() > 1
            && !is_create_fn(f)
            && !words
                .iter()
                .any(|w| WRITE_WORDS.contains(&w.as_str()) || w == "new"))
}

/// A call that deletes by its arguments (`delete`, `remove_member`, `delete_by_key`):
/// they are the key of what is deleted, not stored.
pub fn is_delete_fn(name: &str) -> bool {
    crate::model::names::words(name)
        .first()
        .is_some_and(|w| matches!(w.as_str(), "delete" | "remove"))
}

/// A lookup by a free-text term, or a listing filtered by one: `search_posts`,
/// `find_matching`, `list_posts(&q.tag)`, `filter_by_text` (not a query builder's
/// `.filter(..)`, whose conditions are usually keys).
pub fn is_search_fn(name: &str) -> bool {
    crate::model::names::words(name).iter().any(|w| {
        matches!(
            w.as_str(),
            "search" | "matching" | "like" | "fuzzy" | "text" | "list"
        )
    })
}

/// A method that writes or sends what it is called on (`new_user.insert(&conn)`,
/// `form.save(&db)`, `msg.send()`): a payload it is called on is consumed.
pub fn is_write_fn(name: &str) -> bool {
    crate::model::names::words(name).first().is_some_and(|w| {
        matches!(
            w.as_str(),
            "insert"
                | "save"
                | "create"
                | "update"
                | "upsert"
                | "store"
                | "persist"
                | "send"
                | "post"
                | "put"
                | "publish"
                | "delete"
                | "remove"
                | "execute"
                | "commit"
                | "write"
        )
    })
}

/// A function that stores its arguments as a new record or sends them: `insert_tag`,
/// `create_post`, `save`, `add_label`, `publish`, `send` (not `update_*`/`delete_*`,
/// whose arguments are usually keys).
pub fn is_create_fn(name: &str) -> bool {
    crate::model::names::words(name).first().is_some_and(|w| {
        matches!(
            w.as_str(),
            "insert"
                | "create"
                | "save"
                | "add"
                | "register"
                | "store"
                | "persist"
                | "upsert"
                | "append"
                | "push"
                | "publish"
                | "send"
                | "post"
                | "put"
                | "write"
                | "enqueue"
        )
    })
}

/// SQL that inserts rows (`INSERT INTO ..`, also after a `WITH`).
pub fn is_insert_sql(sql: &str) -> bool {
    let s = sql.trim_start().to_ascii_lowercase();
    s.starts_with("insert") || (s.starts_with("with") && s.contains("insert "))
}
