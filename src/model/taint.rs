//! Library knowledge for the taint engine ([`crate::engine::taint`]): which calls carry
//! request data on, which turn it into something harmless, and which checks make it safe
//! for which kind of sink.

/// What has been done to a value on its way: checks passed and conversions applied.
/// A set of these bits; each taint specification says which of them make its sink safe.
pub type Kinds = u32;

/// Compared with an allow-list: a constant list's `contains`, `==` a literal, `match` or
/// `matches!` on literals.
pub const ALLOW_LIST: Kinds = 1;
/// Checked for `..`, separators or an absolute path (`contains("..")`, `is_absolute()`,
/// `components()` inspected).
pub const NO_TRAVERSAL: Kinds = 1 << 1;
/// Checked to lie under a root (`starts_with(root)`, after `canonicalize()`).
pub const UNDER_ROOT: Kinds = 1 << 2;
/// Checked to be a local path (`starts_with('/')`).
pub const LOCAL_PATH: Kinds = 1 << 3;
/// Its host was checked (`host_str()` compared or looked up in a list).
pub const HOST_CHECKED: Kinds = 1 << 4;
/// Checked to hold only some characters (`chars().all(..)`, a regex `is_match`).
pub const CHARSET: Kinds = 1 << 5;
/// A size compared with a bound (`n > MAX`), or clamped (`min`, `clamp`).
pub const BOUNDED: Kinds = 1 << 6;
/// Given to a validating function or method (`validate()`, `is_valid_name(..)`), or
/// declared with validator/garde constraints.
pub const VALIDATED: Kinds = 1 << 7;
/// HTML-escaped.
pub const HTML_ESCAPED: Kinds = 1 << 8;
/// Escaped for a regular expression (`regex::escape`).
pub const REGEX_ESCAPED: Kinds = 1 << 9;
/// Quoted for a shell.
pub const SHELL_QUOTED: Kinds = 1 << 10;
/// Percent-encoded.
pub const URL_ENCODED: Kinds = 1 << 11;
/// Placed after a fixed scheme and host (`format!("https://api.example.com/{id}")`) or a
/// fixed local path (`format!("/items/{id}")`): it cannot choose where a URL points.
pub const AFTER_FIXED_ORIGIN: Kinds = 1 << 12;
/// Reduced to a file name (`Path::file_name()`, `sanitize_filename::sanitize`).
pub const FILE_NAME: Kinds = 1 << 13;

/// Hashed (a password hash or a digest): not the value any more.
pub const HASHED: Kinds = 1 << 15;

/// Taken out of a larger value by a pattern: an `Err` payload, a struct field, a position
/// of a tuple a call returned. Which part holds what is not known: a secret in the value
/// is not taken to be in the part (request data still is).
pub const PART_OF_VALUE: Kinds = 1 << 16;

/// Read from a request header: the client's browser sets it, a third party does not
/// choose it for a victim (matters for what the victim's browser is sent back).
pub const FROM_HEADER: Kinds = 1 << 14;

/// Read from a URL path segment (`Path<String>`, `web::Path<(String, String)>`): most often
/// a reference to a record the route names (a key, a slug), not free text.
pub const PATH_SEGMENT: Kinds = 1 << 17;

/// Methods, besides [`crate::model::values::TRANSPARENT_METHODS`], whose result carries
/// their receiver's data (and their arguments', for the ones that combine: `join`,
/// `unwrap_or`).
pub const CARRYING_METHODS: &[&str] = &[
    "as_mut",
    "unwrap_or",
    "unwrap_or_else",
    "ok",
    "ok_or",
    "ok_or_else",
    "map_err",
    "context",
    "with_context",
    "into_iter",
    "next",
    "nth",
    "first",
    "last",
    "get",
    "get_all",
    "collect",
    "concat",
    "join",
    "split",
    "splitn",
    "rsplit",
    "rsplitn",
    "split_once",
    "rsplit_once",
    "split_whitespace",
    "lines",
    "to_vec",
    "into_inner",
    "into_string",
    "into_bytes",
    "as_bytes",
    "to_str",
    "to_string_lossy",
    "into_os_string",
    "as_os_str",
    "as_path",
    "to_path_buf",
    "into_path_buf",
    "display",
    "path",
    "query",
    "uri",
    "url",
    "headers",
    "header",
    "match_info",
    "query_string",
    "query_pairs",
    "segments",
    "param",
    "params",
    "value",
    "text",
    "body",
    "cookie",
    "name",
    "file_name",
    "content_type",
    "strip_prefix",
    "strip_suffix",
    "replace",
    "replacen",
    "as_string",
    "as_array",
    "as_object",
    "with_file_name",
    "with_extension",
    "set_file_name",
    "chars",
    "filter",
    "take",
    "skip",
    "rev",
    "peekable",
    "map",
    "and_then",
    "or",
    "or_else",
    "flatten",
    "to_bytes",
    "bytes",
    "next_field",
    "field",
    "canonicalize",
];

/// Whether a method's result carries its receiver's data: the methods that return the
/// receiver in another form ([`crate::model::values::TRANSPARENT_METHODS`]) and the
/// accessors, splitters and combinators above.
pub fn is_carrying_method(name: &str) -> bool {
    crate::model::values::TRANSPARENT_METHODS.contains(&name) || CARRYING_METHODS.contains(&name)
}

/// Methods whose result is also carried from their arguments (not closures).
pub const ARG_CARRYING_METHODS: &[&str] = &[
    "join",
    "unwrap_or",
    "or",
    "with_file_name",
    "replace",
    "replacen",
    "chain",
];

/// Methods whose result is a number taken from their receiver's data.
pub const NUMBER_METHODS: &[&str] = &["as_u64", "as_i64", "as_f64", "as_u32", "as_usize"];

/// Arithmetic that keeps a size as large as its operands (or larger).
pub const ARITHMETIC_METHODS: &[&str] = &[
    "max",
    "abs",
    "pow",
    "saturating_add",
    "saturating_mul",
    "checked_add",
    "checked_mul",
    "wrapping_add",
    "wrapping_mul",
    "next_power_of_two",
];

/// Methods that bound a size: `n.min(100)`, `n.clamp(1, 100)`.
pub const BOUNDING_METHODS: &[&str] = &["min", "clamp"];

/// Functions (resolved paths, `*` for any crate prefix) whose result carries their
/// arguments' data.
pub const CARRYING_FNS: &[&[&str]] = &[
    &["std", "path", "Path", "new"],
    &["std", "fs", "canonicalize"],
    &["tokio", "fs", "canonicalize"],
    &["std", "path", "PathBuf", "from"],
    &["std", "string", "String", "from"],
    &["String", "from"],
    &["PathBuf", "from"],
    &["Path", "new"],
    &["std", "ffi", "OsStr", "new"],
    &["std", "ffi", "OsString", "from"],
    &["Some"],
    &["Ok"],
    &["Box", "new"],
    &["std", "borrow", "Cow", "from"],
    &["Cow", "Owned"],
    &["Cow", "Borrowed"],
    &["std", "str", "from_utf8"],
    &["String", "from_utf8"],
    &["String", "from_utf8_lossy"],
    &["std", "string", "String", "from_utf8"],
    &["std", "string", "String", "from_utf8_lossy"],
    &["url", "Url", "parse"],
    &["Url", "parse"],
    &["reqwest", "Url", "parse"],
    &["serde_json", "from_str"],
    &["serde_json", "from_slice"],
    &["serde_json", "from_value"],
    &["urlencoding", "decode"],
    &["percent_encoding", "percent_decode_str"],
    &["percent_encoding", "percent_decode"],
];

/// Functions whose result is a checked or escaped form of their first argument, and
/// what they make of it.
pub const CLEANING_FNS: &[(&[&str], Kinds)] = &[
    (&["regex", "escape"], REGEX_ESCAPED),
    (&["fancy_regex", "escape"], REGEX_ESCAPED),
    (&["html_escape", "encode_text"], HTML_ESCAPED),
    (&["html_escape", "encode_safe"], HTML_ESCAPED),
    (&["html_escape", "encode_quoted_attribute"], HTML_ESCAPED),
    (
        &["html_escape", "encode_double_quoted_attribute"],
        HTML_ESCAPED,
    ),
    (
        &["html_escape", "encode_single_quoted_attribute"],
        HTML_ESCAPED,
    ),
    (&["html_escape", "encode_unquoted_attribute"], HTML_ESCAPED),
    (&["ammonia", "clean"], HTML_ESCAPED),
    (&["ammonia", "clean_text"], HTML_ESCAPED),
    (&["askama", "filters", "escape"], HTML_ESCAPED),
    (&["askama_escape", "escape"], HTML_ESCAPED),
    (&["v_htmlescape", "escape"], HTML_ESCAPED),
    (&["htmlescape", "encode_minimal"], HTML_ESCAPED),
    (&["htmlescape", "encode_attribute"], HTML_ESCAPED),
    (&["tera", "escape_html"], HTML_ESCAPED),
    (&["maud", "html_escape"], HTML_ESCAPED),
    (&["shell_escape", "escape"], SHELL_QUOTED),
    (&["shell_escape", "unix", "escape"], SHELL_QUOTED),
    (&["shlex", "quote"], SHELL_QUOTED),
    (&["shlex", "try_quote"], SHELL_QUOTED),
    (&["urlencoding", "encode"], URL_ENCODED),
    (&["percent_encoding", "utf8_percent_encode"], URL_ENCODED),
    (&["percent_encoding", "percent_encode"], URL_ENCODED),
    (&["sanitize_filename", "sanitize"], FILE_NAME),
    (&["sanitize_filename", "sanitize_with_options"], FILE_NAME),
];

/// Whether a function or method name says it checks its argument (`is_valid_path`,
/// `validate_name`, `sanitize`, `ensure_safe`, `check_filename`).
pub fn is_checking_fn_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "is_valid",
        "is_safe",
        "is_allowed",
        "is_permitted",
        "validate",
        "sanitize",
        "sanitise",
        "check",
        "ensure_",
        "verify",
        "is_trusted",
        "is_whitelisted",
        "is_allowlisted",
        "is_known",
        "safe_",
        "get_signed",
        "get_private",
        "decrypt",
        "unseal",
    ]
    .iter()
    .any(|p| n.starts_with(p) || n.contains(&format!("_{p}")))
        && !n.starts_with("check_in")
}

/// Whether a function or method name says it detects bad input, true when rejected
/// (`should_block_host`, `is_blocked`, `is_forbidden_path`).
pub fn is_rejecting_fn_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "should_block",
        "is_blocked",
        "is_denied",
        "is_forbidden",
        "is_blacklisted",
        "is_blocklisted",
        "is_private",
        "is_internal",
        "is_local",
        "is_loopback",
        "is_malicious",
        "is_dangerous",
        "is_unsafe",
        "has_traversal",
        "contains_traversal",
    ]
    .iter()
    .any(|p| n.starts_with(p))
}

/// Whether a list's name says it holds permitted values (`ALLOWED_HOSTS`,
/// `state.allowed_dirs`, `SUPPORTED_FORMATS`, `whitelist`).
pub fn is_allow_list_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "allow",
        "whitelist",
        "permit",
        "supported",
        "known",
        "valid",
        "accepted",
        "trusted",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// Macros whose first argument is a condition that must hold to go on.
pub const ASSERTING_MACROS: &[&str] = &["ensure", "assert", "anyhow_ensure", "snafu_ensure"];

/// Macros that end the current path (return an error or panic).
pub const DIVERGING_MACROS: &[&str] = &[
    "bail",
    "panic",
    "unreachable",
    "unimplemented",
    "todo",
    "return_error",
    "abort",
];

/// Types whose values are safe however they were made: parsing request text into one
/// rejects anything else.
pub fn is_parsed_safe_type(name: &str) -> bool {
    crate::model::types::is_bounded_name(name)
        || matches!(
            name,
            "Uuid" | "IpAddr" | "Ipv4Addr" | "Ipv6Addr" | "SocketAddr" | "Ulid" | "bool" | "char"
        )
}

/// Types that hold text (or text-like data) as they came: converting into one keeps the
/// request data.
pub fn is_text_type(name: &str) -> bool {
    matches!(
        name,
        "String"
            | "str"
            | "PathBuf"
            | "Path"
            | "OsString"
            | "OsStr"
            | "Url"
            | "Uri"
            | "Cow"
            | "Value"
            | "Vec"
            | "Bytes"
            | "HeaderValue"
            | "Box"
            | "Arc"
            | "Rc"
            | "Option"
            | "HashMap"
            | "BTreeMap"
    )
}

/// Request types that hold the client's data as it came (not a type of the program that
/// parses and checks it).
pub fn is_raw_input_type(name: &str) -> bool {
    is_text_type(name)
        || matches!(
            name,
            "HttpRequest"
                | "Request"
                | "HeaderMap"
                | "TypedHeader"
                | "Multipart"
                | "Field"
                | "Uri"
                | "OriginalUri"
                | "Body"
                | "Payload"
                | "Message"
                | "Form"
                | "Query"
                | "Json"
                | "RawQuery"
                | "Cookies"
                | "CookieJar"
                | "Data"
                | "Params"
                | "UrlEncoded"
                | "RawForm"
                | "IndexMap"
                | "Map"
        )
}

/// Method names that the standard library and common crates (collections, `Option` and
/// `Result`, conversions, HTTP requests and responses, maps) define on many types: a call
/// of one on a receiver of unknown type is not taken for the workspace's only method of
/// that name. The HTTP clients' request methods count too (`client.post(url)` is
/// reqwest's, not the project's `Notifier::post`).
pub const LIBRARY_METHOD_NAMES: &[&str] = &[
    "send",
    "insert",
    "remove",
    "push",
    "contains",
    "contains_key",
    "entry",
    "iter",
    "map",
    "next",
    "clone",
    "into",
    "from",
    "new",
    "json",
    "text",
    "bytes",
    "body",
    "header",
    "headers",
    "parse",
    "to_string",
    "lock",
    "join",
    "split",
];

/// Whether a method of this name may well be a library's: see [`LIBRARY_METHOD_NAMES`].
pub fn is_library_method_name(name: &str) -> bool {
    LIBRARY_METHOD_NAMES.contains(&name)
        || crate::model::http_clients::HttpLib::Reqwest
            .request_methods()
            .contains(&name)
}

/// Standard library types, besides the primitive ones. A project cannot give them inherent methods, so a workspace
/// function called as `Vec::from(..)` or `String::try_from(..)` is the project's own
/// trait implementation for that type, and the standard library has others of the same
/// trait: the call is not taken for the project's (`Vec::from(password)` is not the
/// project's `impl From<GroupsResponse> for Vec<Group>`).
pub const STD_TYPES: &[&str] = &[
    "Vec",
    "VecDeque",
    "String",
    "Option",
    "Result",
    "Box",
    "Arc",
    "Rc",
    "Cow",
    "HashMap",
    "HashSet",
    "BTreeMap",
    "BTreeSet",
    "PathBuf",
    "Path",
    "OsString",
    "Duration",
    "SystemTime",
    "Instant",
    "IpAddr",
    "SocketAddr",
];

/// Whether a type name is a standard library type: see [`STD_TYPES`].
pub fn is_std_type(name: &str) -> bool {
    STD_TYPES.contains(&name) || crate::model::types::is_primitive_type(name)
}
