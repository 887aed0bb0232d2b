//! Sinks of the taint rules (BL102-BL108): the library functions and methods that must
//! not be given request data, and how to recognise them in code.

use crate::engine::cx::Cx;
use crate::engine::resolve::{unwrap_all, At, Peel};
use crate::engine::scope::Origin;
use crate::engine::taint::SinkArg;
use syn::spanned::Spanned;
use syn::Expr;

/// A function sink: its resolved path (a suffix, from the crate), the argument
/// positions that must not carry request data.
pub type FnSink = (&'static [&'static str], &'static [usize]);

/// BL102: functions that open, read, write, list or remove a filesystem path.
pub const FS_SINKS: &[FnSink] = &[
    (&["std", "fs", "read"], &[0]),
    (&["std", "fs", "read_to_string"], &[0]),
    (&["std", "fs", "read_dir"], &[0]),
    (&["std", "fs", "write"], &[0]),
    (&["std", "fs", "remove_file"], &[0]),
    (&["std", "fs", "remove_dir"], &[0]),
    (&["std", "fs", "remove_dir_all"], &[0]),
    (&["std", "fs", "create_dir"], &[0]),
    (&["std", "fs", "create_dir_all"], &[0]),
    (&["std", "fs", "copy"], &[0, 1]),
    (&["std", "fs", "rename"], &[0, 1]),
    (&["std", "fs", "hard_link"], &[0, 1]),
    (&["std", "fs", "File", "open"], &[0]),
    (&["std", "fs", "File", "create"], &[0]),
    (&["std", "fs", "File", "create_new"], &[0]),
    (&["tokio", "fs", "read"], &[0]),
    (&["tokio", "fs", "read_to_string"], &[0]),
    (&["tokio", "fs", "read_dir"], &[0]),
    (&["tokio", "fs", "write"], &[0]),
    (&["tokio", "fs", "remove_file"], &[0]),
    (&["tokio", "fs", "remove_dir"], &[0]),
    (&["tokio", "fs", "remove_dir_all"], &[0]),
    (&["tokio", "fs", "create_dir"], &[0]),
    (&["tokio", "fs", "create_dir_all"], &[0]),
    (&["tokio", "fs", "copy"], &[0, 1]),
    (&["tokio", "fs", "rename"], &[0, 1]),
    (&["tokio", "fs", "File", "open"], &[0]),
    (&["tokio", "fs", "File", "create"], &[0]),
    (&["async_std", "fs", "read"], &[0]),
    (&["async_std", "fs", "read_to_string"], &[0]),
    (&["async_std", "fs", "write"], &[0]),
    (&["async_std", "fs", "remove_file"], &[0]),
    (&["async_std", "fs", "File", "open"], &[0]),
    (&["async_std", "fs", "File", "create"], &[0]),
    (&["tower_http", "services", "ServeFile", "new"], &[0]),
    (&["tower_http", "services", "ServeDir", "new"], &[0]),
    (&["tower_http", "services", "fs", "ServeFile", "new"], &[0]),
    (&["actix_files", "NamedFile", "open"], &[0]),
    (&["actix_files", "NamedFile", "open_async"], &[0]),
    (&["rocket", "fs", "NamedFile", "open"], &[0]),
    (&["rocket", "response", "NamedFile", "open"], &[0]),
];

/// BL103: functions that send a request to the URL they are given.
pub const HTTP_FN_SINKS: &[FnSink] = &[
    (&["reqwest", "get"], &[0]),
    (&["reqwest", "blocking", "get"], &[0]),
    (&["ureq", "get"], &[0]),
    (&["ureq", "post"], &[0]),
    (&["ureq", "put"], &[0]),
    (&["ureq", "delete"], &[0]),
    (&["ureq", "head"], &[0]),
    (&["ureq", "patch"], &[0]),
    (&["ureq", "request"], &[1]),
    (&["surf", "get"], &[0]),
    (&["surf", "post"], &[0]),
    (&["isahc", "get"], &[0]),
    (&["isahc", "get_async"], &[0]),
    (&["attohttpc", "get"], &[0]),
    (&["attohttpc", "post"], &[0]),
];

/// BL103: client methods that start a request to a URL: (method, URL argument).
pub const HTTP_CLIENT_METHODS: &[(&str, usize)] = &[
    ("get", 0),
    ("post", 0),
    ("put", 0),
    ("patch", 0),
    ("delete", 0),
    ("head", 0),
    ("request", 1),
];

/// Types of HTTP clients whose methods send requests.
pub const HTTP_CLIENT_TYPES: &[&str] = &["Client", "ClientWithMiddleware", "Agent", "HttpClient"];

/// Crates of HTTP clients.
pub const HTTP_CLIENT_CRATES: &[&str] = &[
    "reqwest",
    "ureq",
    "awc",
    "hyper",
    "hyper_util",
    "surf",
    "isahc",
    "reqwest_middleware",
    "attohttpc",
];

/// BL104: programs that run their `-c` argument as a command line.
pub const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "fish",
    "/bin/sh",
    "/bin/bash",
    "/usr/bin/sh",
    "/usr/bin/bash",
    "/usr/bin/env",
    "cmd",
    "cmd.exe",
    "powershell",
    "powershell.exe",
    "pwsh",
];

/// BL105: constructors of HTML responses.
pub const HTML_FN_SINKS: &[FnSink] = &[
    (&["axum", "response", "Html"], &[0]),
    (&["axum", "response", "Html", "from"], &[0]),
    (&["warp", "reply", "html"], &[0]),
    (&["rocket", "response", "content", "RawHtml"], &[0]),
    (&["rocket", "response", "content", "Html"], &[0]),
    (&["poem", "web", "Html"], &[0]),
    (&["salvo", "writing", "Text", "Html"], &[0]),
];

/// BL106: redirect constructors.
pub const REDIRECT_FNS: &[&str] = &[
    "to",
    "temporary",
    "permanent",
    "see_other",
    "found",
    "moved",
    "other",
];

/// BL107: regular-expression compilers.
pub const REGEX_FN_SINKS: &[FnSink] = &[
    (&["regex", "Regex", "new"], &[0]),
    (&["regex", "bytes", "Regex", "new"], &[0]),
    (&["regex", "RegexBuilder", "new"], &[0]),
    (&["regex", "bytes", "RegexBuilder", "new"], &[0]),
    (&["regex", "RegexSet", "new"], &[0]),
    (&["regex_lite", "Regex", "new"], &[0]),
    (&["fancy_regex", "Regex", "new"], &[0]),
    (&["fancy_regex", "RegexBuilder", "new"], &[0]),
];

/// BL108: constructors that allocate the capacity they are given.
pub const ALLOC_FN_SINKS: &[FnSink] = &[
    (&["Vec", "with_capacity"], &[0]),
    (&["String", "with_capacity"], &[0]),
    (&["VecDeque", "with_capacity"], &[0]),
    (&["HashMap", "with_capacity"], &[0]),
    (&["HashSet", "with_capacity"], &[0]),
    (&["BytesMut", "with_capacity"], &[0]),
    (&["BinaryHeap", "with_capacity"], &[0]),
    (&["IndexMap", "with_capacity"], &[0]),
];

/// BL108: methods that allocate: (method, size argument).
pub const ALLOC_METHODS: &[(&str, usize)] = &[
    ("reserve", 0),
    ("reserve_exact", 0),
    ("resize", 0),
    ("repeat", 0),
    ("with_capacity", 0),
];

use crate::engine::taint::path_ends_with as ends_with;

/// The last two segments of a path, for messages (`fs::read`, `Command::new`); one for
/// a type's constructor (`Html`).
fn short(segs: &[String]) -> String {
    let n = segs.len();
    if segs
        .last()
        .is_some_and(|s| s.starts_with(|c: char| c.is_uppercase()))
    {
        return segs[n - 1].clone();
    }
    segs[n.saturating_sub(2)..].join("::")
}

/// Pushes the arguments of a function-call sink from `table` (matched on the resolved
/// path: the import decides, not the name alone).
fn fn_table_sinks<'ast>(
    cx: &Cx<'_, 'ast>,
    e: &'ast Expr,
    table: &[FnSink],
    out: &mut Vec<SinkArg<'ast>>,
) {
    let Expr::Call(c) = e else { return };
    let Expr::Path(p) = &*c.func else { return };
    let segs = cx.resolve_memo(&p.path);
    let Some((_, args)) = table.iter().find(|(pat, _)| ends_with(&segs, pat)) else {
        return;
    };
    for &i in *args {
        if let Some(a) = c.args.iter().nth(i) {
            out.push(SinkArg {
                arg: a,
                sink: short(&segs),
                span: e.span(),
            });
        }
    }
}

/// The expression a method chain starts from (`Command::new("sh")` of
/// `Command::new("sh").arg("-c").arg(x)`), through a local binding's initializer.
fn chain_base<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr) -> &'ast Expr {
    chain_base_counting(cx, e, "").0
}

/// [`chain_base`], with how many calls of `method` the chain makes on the way (the
/// position of a `.bind(x)` among the binds before it).
fn chain_base_counting<'ast>(
    cx: &Cx<'_, 'ast>,
    e: &'ast Expr,
    method: &str,
) -> (&'ast Expr, usize) {
    let mut e = e;
    let mut at = At::HERE;
    let mut count = 0;
    for _ in 0..32 {
        match e {
            Expr::MethodCall(mc) => {
                if !method.is_empty() && mc.method == method {
                    count += 1;
                }
                e = &mc.receiver
            }
            Expr::Reference(r) => e = &r.expr,
            Expr::Paren(p) => e = &p.expr,
            Expr::Try(t) => e = &t.expr,
            Expr::Await(a) => e = &a.base,
            Expr::Group(g) => e = &g.expr,
            Expr::Block(b) => match crate::engine::taint::eval::block_tail(&b.block) {
                Some(t) => e = t,
                None => return (e, count),
            },
            Expr::Path(_) => match cx.scopes.resolve_expr(e, at) {
                Some(b) => match b.origin {
                    Origin::Let(Some(init)) => {
                        at = b.at();
                        e = init;
                    }
                    _ => return (e, count),
                },
                None => return (e, count),
            },
            _ => return (e, count),
        }
    }
    (e, count)
}

/// The literal string arguments given along a method chain (and to the methods called
/// on the binding it is stored in), for `sh -c`.
fn chain_literal_args(cx: &Cx<'_, '_>, e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    let mut e = e;
    for _ in 0..32 {
        match e {
            Expr::MethodCall(mc) => {
                for a in &mc.args {
                    if let Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) = a
                    {
                        out.push(s.value());
                    }
                    if let Expr::Array(arr) = a {
                        for x in &arr.elems {
                            if let Expr::Lit(syn::ExprLit {
                                lit: syn::Lit::Str(s),
                                ..
                            }) = x
                            {
                                out.push(s.value());
                            }
                        }
                    }
                }
                e = &mc.receiver;
            }
            Expr::Reference(r) => e = &r.expr,
            Expr::Paren(p) => e = &p.expr,
            Expr::Path(_) => {
                // `cmd.arg("-c")` on its own line before: the binding's text.
                if let Some(b) = cx.scopes.resolve_expr(e, At::HERE) {
                    let text = &cx.src.text;
                    for i in cx.ident_offsets(&b.name) {
                        let rest = &text[i + b.name.len()..];
                        let rest = rest.strip_prefix(')').unwrap_or(rest);
                        for flag in ["\"-c\"", "\"/C\"", "\"/c\"", "\"-Command\""] {
                            if rest.starts_with(&format!(".arg({flag}")) {
                                out.push(flag.trim_matches('"').to_string());
                            }
                        }
                    }
                }
                return out;
            }
            _ => return out,
        }
    }
    out
}

/// BL102.
pub fn fs_sinks<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, out: &mut Vec<SinkArg<'ast>>) {
    fn_table_sinks(cx, e, FS_SINKS, out);
    // `OpenOptions::new().read(true).open(path)`.
    if let Expr::MethodCall(mc) = e {
        if mc.method == "open" && mc.args.len() == 1 {
            if let Expr::Call(c) = chain_base(cx, &mc.receiver) {
                if let Expr::Path(p) = &*c.func {
                    let segs = cx.resolve_memo(&p.path);
                    if ends_with(&segs, &["OpenOptions", "new"]) && segs.iter().any(|s| s == "fs") {
                        out.push(SinkArg {
                            arg: &mc.args[0],
                            sink: "OpenOptions::open".into(),
                            span: e.span(),
                        });
                    }
                }
            }
        }
    }
}

/// Whether an expression is an HTTP client (by its making or its declared type), in a
/// file that uses an HTTP client crate.
fn is_http_client<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr) -> bool {
    // Once per file, not per `.get(..)`: does the file use an HTTP client crate at all?
    let uses_client = cx.uses.imports_crate(HTTP_CLIENT_CRATES)
        || cx.text_fact("http-client-crate", |t| {
            HTTP_CLIENT_CRATES
                .iter()
                .any(|c| t.contains(&format!("{c}::")))
        });
    if !uses_client {
        return false;
    }
    let base = chain_base(cx, e);
    match base {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => {
                let segs = cx.resolve_memo(&p.path);
                crate::model::http_clients::constructor(&segs).is_some()
                    || segs.iter().any(|s| HTTP_CLIENT_TYPES.contains(&s.as_str()))
                        && segs.iter().any(|s| {
                            HTTP_CLIENT_CRATES.contains(&s.as_str())
                                || HTTP_CLIENT_TYPES.contains(&s.as_str())
                        })
                    || ends_with(&segs, &["ureq", "agent"])
            }
            _ => false,
        },
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => {
                let n = n.to_string().to_ascii_lowercase();
                n.contains("client") || n == "http" || n.ends_with("_http") || n == "agent"
            }
            _ => false,
        },
        Expr::Path(p) => {
            let named = p.path.get_ident().is_some_and(|id| {
                let n = id.to_string().to_ascii_lowercase();
                n.contains("client") || n == "http" || n == "agent"
            });
            let typed = p
                .path
                .get_ident()
                .and_then(|id| {
                    crate::engine::resolve::declared_type(&cx.scopes, &id.to_string(), At::HERE)
                })
                .and_then(crate::engine::taint::eval::type_name)
                .is_some_and(|t| HTTP_CLIENT_TYPES.contains(&t.as_str()));
            // A binding whose declared type is something else (`CachedClient`, a pool
            // of clients) is not a client, whatever its name.
            let other_type = p
                .path
                .get_ident()
                .and_then(|id| {
                    crate::engine::resolve::declared_type(&cx.scopes, &id.to_string(), At::HERE)
                })
                .and_then(crate::engine::taint::eval::type_name)
                .is_some_and(|t| !HTTP_CLIENT_TYPES.contains(&t.as_str()));
            typed || (named && !other_type)
        }
        _ => false,
    }
}

/// BL103.
pub fn http_sinks<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, out: &mut Vec<SinkArg<'ast>>) {
    fn_table_sinks(cx, e, HTTP_FN_SINKS, out);
    if let Expr::MethodCall(mc) = e {
        let name = mc.method.to_string();
        let Some((_, i)) = HTTP_CLIENT_METHODS.iter().find(|(n, _)| *n == name) else {
            return;
        };
        if mc.args.len() != i + 1 || !is_http_client(cx, &mc.receiver) {
            return;
        }
        out.push(SinkArg {
            arg: &mc.args[*i],
            sink: format!("Client::{name}"),
            span: e.span(),
        });
    }
}

/// BL104.
pub fn command_sinks<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, out: &mut Vec<SinkArg<'ast>>) {
    match e {
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else { return };
            let segs = cx.resolve_memo(&p.path);
            if (ends_with(&segs, &["std", "process", "Command", "new"])
                || ends_with(&segs, &["tokio", "process", "Command", "new"])
                || ends_with(&segs, &["async_process", "Command", "new"]))
                && c.args.len() == 1
            {
                out.push(SinkArg {
                    arg: &c.args[0],
                    sink: "Command::new".into(),
                    span: e.span(),
                });
            }
        }
        Expr::MethodCall(mc) if mc.method == "arg" || mc.method == "args" => {
            let Expr::Call(c) = chain_base(cx, &mc.receiver) else {
                return;
            };
            let Expr::Path(p) = &*c.func else { return };
            let segs = cx.resolve_memo(&p.path);
            if !ends_with(&segs, &["Command", "new"])
                || !segs.iter().any(|s| s == "process" || s == "async_process")
            {
                return;
            }
            let shell = c
                .args
                .first()
                .and_then(crate::engine::taint::eval::str_literal)
                .is_some_and(|s| SHELLS.contains(&s.as_str()));
            if !shell {
                return;
            }
            let is_flag = |f: &str| matches!(f, "-c" | "/C" | "/c" | "-Command");
            // `.args(["-c", &line])`: what follows the flag in the same array.
            if let Some(Expr::Array(arr)) = mc.args.first() {
                if let Some(i) = arr.elems.iter().position(|x| {
                    crate::engine::taint::eval::str_literal(x).is_some_and(|f| is_flag(&f))
                }) {
                    for x in arr.elems.iter().skip(i + 1) {
                        out.push(SinkArg {
                            arg: x,
                            sink: "Command::args".into(),
                            span: e.span(),
                        });
                    }
                    return;
                }
            }
            let flags = chain_literal_args(cx, &mc.receiver);
            if !flags.iter().any(|f| is_flag(f)) {
                return;
            }
            if let Some(a) = mc.args.first() {
                out.push(SinkArg {
                    arg: a,
                    sink: format!("Command::{}", mc.method),
                    span: e.span(),
                });
            }
        }
        _ => {}
    }
}

/// BL105.
pub fn html_sinks<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, out: &mut Vec<SinkArg<'ast>>) {
    fn_table_sinks(cx, e, HTML_FN_SINKS, out);
    // actix-web / hyper: `HttpResponse::Ok().content_type("text/html").body(x)`.
    if let Expr::MethodCall(mc) = e {
        if mc.method != "body" || mc.args.len() != 1 {
            return;
        }
        if html_content_type(&mc.receiver) {
            out.push(SinkArg {
                arg: &mc.args[0],
                sink: "body (text/html)".into(),
                span: e.span(),
            });
        }
    }
}

/// Whether a response builder chain sets an HTML content type.
fn html_content_type(e: &Expr) -> bool {
    let mut e = e;
    for _ in 0..32 {
        match e {
            Expr::MethodCall(mc) => {
                let name = mc.method.to_string();
                if matches!(
                    name.as_str(),
                    "content_type" | "insert_header" | "append_header" | "header"
                ) && mc.args.iter().any(mentions_html)
                {
                    return true;
                }
                e = &mc.receiver;
            }
            _ => return false,
        }
    }
    false
}

fn mentions_html(e: &Expr) -> bool {
    match e {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => s.value().contains("text/html"),
        Expr::Tuple(t) => t.elems.iter().any(mentions_html),
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => {
                p.path.segments.last().is_some_and(|s| s.ident == "html")
                    || c.args.iter().any(mentions_html)
            }
            _ => false,
        },
        Expr::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "TEXT_HTML" || s.ident == "TEXT_HTML_UTF_8"),
        Expr::Reference(r) => mentions_html(&r.expr),
        _ => false,
    }
}

/// BL106.
pub fn redirect_sinks<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, out: &mut Vec<SinkArg<'ast>>) {
    match e {
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else { return };
            let segs = cx.resolve_memo(&p.path);
            let n = segs.len();
            if n >= 2
                && segs[n - 2] == "Redirect"
                && REDIRECT_FNS.contains(&segs[n - 1].as_str())
                && (segs.iter().any(|s| {
                    matches!(
                        s.as_str(),
                        "axum" | "rocket" | "poem" | "axum_extra" | "salvo"
                    )
                }) || cx.uses.imports_crate(&["axum", "rocket", "poem", "salvo"]))
            {
                if let Some(a) = c.args.first() {
                    out.push(SinkArg {
                        arg: a,
                        sink: short(&segs),
                        span: e.span(),
                    });
                }
            }
        }
        Expr::MethodCall(mc) => {
            let name = mc.method.to_string();
            match name.as_str() {
                // actix-web: `.insert_header((header::LOCATION, url))`.
                "insert_header" | "append_header" if mc.args.len() == 1 => {
                    if let Expr::Tuple(t) = &mc.args[0] {
                        if t.elems.len() == 2 && is_location(&t.elems[0]) {
                            out.push(SinkArg {
                                arg: &t.elems[1],
                                sink: "Location header".into(),
                                span: e.span(),
                            });
                        }
                    }
                }
                "header" | "insert_header" | "append_header"
                    if mc.args.len() == 2 && is_location(&mc.args[0]) =>
                {
                    out.push(SinkArg {
                        arg: &mc.args[1],
                        sink: "Location header".into(),
                        span: e.span(),
                    });
                }
                _ => {}
            }
        }
        _ => {}
    }
}

fn is_location(e: &Expr) -> bool {
    match e {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => s.value().eq_ignore_ascii_case("location"),
        Expr::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "LOCATION"),
        Expr::Reference(r) => is_location(&r.expr),
        _ => false,
    }
}

/// BL107.
pub fn regex_sinks<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, out: &mut Vec<SinkArg<'ast>>) {
    fn_table_sinks(cx, e, REGEX_FN_SINKS, out);
}

/// BL108.
pub fn alloc_sinks<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, out: &mut Vec<SinkArg<'ast>>) {
    match e {
        Expr::Call(_) => fn_table_sinks(cx, e, ALLOC_FN_SINKS, out),
        Expr::MethodCall(mc) => {
            let name = mc.method.to_string();
            if let Some((_, i)) = ALLOC_METHODS.iter().find(|(n, _)| *n == name) {
                if let Some(a) = mc.args.iter().nth(*i) {
                    out.push(SinkArg {
                        arg: a,
                        sink: name,
                        span: e.span(),
                    });
                }
            }
        }
        Expr::Macro(m) if m.mac.path.is_ident("vec") => {
            let parsed = cx.macros.get(&m.mac);
            if let crate::engine::macros::MacroKind::Exprs(v) = &parsed.kind {
                let semi =
                    m.mac.tokens.clone().into_iter().any(
                        |t| matches!(t, proc_macro2::TokenTree::Punct(p) if p.as_char() == ';'),
                    );
                if semi && v.len() == 2 {
                    out.push(SinkArg {
                        arg: &v[1],
                        sink: "vec![_; n]".into(),
                        span: e.span(),
                    });
                }
            }
        }
        _ => {}
    }
}

/// BL202: what stores a value in a database: a bound query parameter of sqlx
/// (`.bind(x)`, `query!("..", x)`), diesel's `.values(x)`, the password field of a
/// sea-orm `ActiveModel` or of a `New*` insert struct (`Set(x)` looked through).
pub fn db_store_sinks<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, out: &mut Vec<SinkArg<'ast>>) {
    db_writes(cx, e, out, Columns::Passwords);
}

/// BL301: what writes a value into a row, column by column: a parameter of an `INSERT`'s
/// values or an `UPDATE`'s `SET` list (sqlx `.bind(x)` and `query!`, tokio-postgres,
/// rusqlite and mysql `execute`-style calls with a literal statement), diesel's
/// `insert_into(..).values(col.eq(x))` and `update(..).set(col.eq(x))`, a field of a
/// sea-orm `ActiveModel` (`Set(x)`), or of a diesel `New*`/`*Insert` record. A parameter
/// of a `WHERE` (a lookup key) and a statement whose text is not known are not sinks.
pub fn db_write_sinks<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, out: &mut Vec<SinkArg<'ast>>) {
    db_writes(cx, e, out, Columns::Written);
}

/// Which columns [`db_writes`] reports.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Columns {
    /// Password columns (and every bound parameter: BL202 follows passwords only).
    Passwords,
    /// Every written column but keys (`id`, `*_id`: a reference to a record); bound
    /// parameters only where the statement's text shows they are written.
    Written,
}

impl Columns {
    fn wants(self, column: &str) -> bool {
        match self {
            Columns::Passwords => crate::model::secrets::is_password_name(column),
            Columns::Written => !crate::model::names::is_reference_key(column),
        }
    }
}

/// The statement text of a query call's argument: a literal, or a local bound to one.
fn sql_text<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr) -> Option<String> {
    crate::engine::taint::eval::str_literal(chain_base(cx, e))
}

fn db_writes<'ast>(cx: &Cx<'_, 'ast>, e: &'ast Expr, out: &mut Vec<SinkArg<'ast>>, cols: Columns) {
    match e {
        Expr::MethodCall(mc) if mc.method == "bind" && mc.args.len() == 1 => {
            let (base, before) = chain_base_counting(cx, &mc.receiver, "bind");
            if let Expr::Call(c) = base {
                if let Expr::Path(p) = &*c.func {
                    let segs = cx.resolve_memo(&p.path);
                    let sqlx = segs.iter().any(|s| s == "sqlx")
                        || (segs.last().is_some_and(|s| s.starts_with("query"))
                            && cx.uses.imports_crate(&["sqlx"]));
                    let sink = match cols {
                        Columns::Passwords => Some("bind".to_string()),
                        Columns::Written => c
                            .args
                            .first()
                            .and_then(|a| sql_text(cx, a))
                            .filter(|sql| crate::model::sql::binds_stored_value(sql, before))
                            .map(|sql| crate::model::sql::statement_label(&sql)),
                    };
                    if let (true, Some(sink)) = (sqlx, sink) {
                        out.push(SinkArg {
                            arg: &mc.args[0],
                            sink,
                            span: e.span(),
                        });
                    }
                }
            }
        }
        Expr::MethodCall(mc) if mc.method == "values" && mc.args.len() == 1 => {
            if let Expr::Call(c) = chain_base(cx, &mc.receiver) {
                if let Expr::Path(p) = &*c.func {
                    if p.path
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == "insert_into")
                    {
                        diesel_values_sinks(e, &mc.args[0], out, cols, "insert_into(..).values");
                    }
                }
            }
        }
        // `diesel::update(t).set((col.eq(x), ..))`.
        Expr::MethodCall(mc)
            if cols == Columns::Written && mc.method == "set" && mc.args.len() == 1 =>
        {
            if let Expr::Call(c) = chain_base(cx, &mc.receiver) {
                if let Expr::Path(p) = &*c.func {
                    if p.path.segments.last().is_some_and(|s| s.ident == "update")
                        && cx.uses.imports_crate(&["diesel"])
                    {
                        diesel_values_sinks(e, &mc.args[0], out, cols, "update(..).set");
                    }
                }
            }
        }
        // `client.execute("INSERT ..", &[&a, &b])`, `conn.execute("..", params![a, b])`:
        // a statement-taking method of a database client, its parameters second. Any
        // receiver: the literal statement, parsed below, is the evidence.
        Expr::MethodCall(mc)
            if cols == Columns::Written
                && mc.args.len() == 2
                && crate::model::sql::takes_statement_first(&mc.method.to_string()) =>
        {
            let Some(sql) = sql_text(cx, &mc.args[0]) else {
                return;
            };
            let written = crate::model::sql::written_parameters(&sql);
            let params: Vec<&'ast Expr> = match unwrap_all(&mc.args[1], Peel::Syntax) {
                Expr::Array(a) => a.elems.iter().collect(),
                Expr::Tuple(t) => t.elems.iter().collect(),
                Expr::Macro(m)
                    if m.mac
                        .path
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == "params") =>
                {
                    match &cx.macros.get(&m.mac).kind {
                        crate::engine::macros::MacroKind::Exprs(v) => v.iter().collect(),
                        _ => Vec::new(),
                    }
                }
                _ => Vec::new(),
            };
            let sink = crate::model::sql::statement_label(&sql);
            for (a, _) in params.into_iter().zip(&written).filter(|(_, w)| **w) {
                out.push(SinkArg {
                    arg: unwrap_all(a, Peel::Syntax),
                    sink: sink.clone(),
                    span: e.span(),
                });
            }
        }
        Expr::Macro(m)
            if m.mac.path.segments.last().is_some_and(|s| {
                matches!(
                    s.ident.to_string().as_str(),
                    "query"
                        | "query_as"
                        | "query_scalar"
                        | "query_unchecked"
                        | "query_as_unchecked"
                )
            }) && (m
                .mac
                .path
                .segments
                .first()
                .is_some_and(|s| s.ident == "sqlx")
                || cx.uses.imports_crate(&["sqlx"])) =>
        {
            let parsed = cx.macros.get(&m.mac);
            if let crate::engine::macros::MacroKind::Exprs(v) = &parsed.kind {
                // The arguments after the SQL text.
                let sql = v
                    .iter()
                    .position(|x| matches!(x, Expr::Lit(_)))
                    .unwrap_or(0);
                let text = v.get(sql).and_then(crate::engine::taint::eval::str_literal);
                let written = text
                    .as_deref()
                    .map(crate::model::sql::written_parameters)
                    .unwrap_or_default();
                let sink = match (cols, &text) {
                    (Columns::Written, Some(t)) => crate::model::sql::statement_label(t),
                    _ => "query!".into(),
                };
                for (i, a) in v.iter().skip(sql + 1).enumerate() {
                    if cols == Columns::Passwords || written.get(i).copied().unwrap_or(false) {
                        out.push(SinkArg {
                            arg: a,
                            sink: sink.clone(),
                            span: e.span(),
                        });
                    }
                }
            }
        }
        Expr::Struct(st) => {
            let Some(last) = st.path.segments.last() else {
                return;
            };
            let ty = last.ident.to_string();
            let model = ty.ends_with("ActiveModel");
            let record = ty.starts_with("New") || ty.ends_with("Insert");
            // Written column by column: a sea-orm active model; a diesel insert record
            // where the file uses diesel (elsewhere a `New*` struct is any command).
            let wanted = match cols {
                Columns::Passwords => model || record,
                Columns::Written => model || (record && cx.uses.imports_crate(&["diesel"])),
            };
            if !wanted {
                return;
            }
            for f in &st.fields {
                let syn::Member::Named(n) = &f.member else {
                    continue;
                };
                if cols.wants(&n.to_string()) {
                    out.push(SinkArg {
                        arg: unwrap_set(&f.expr),
                        sink: format!("{ty}::{n}"),
                        span: f.expr.span(),
                    });
                }
            }
        }
        // `user.password = Set(x)` on an active model.
        Expr::Assign(a) => {
            if let Expr::Field(f) = &*a.left {
                if let syn::Member::Named(n) = &f.member {
                    if cols.wants(&n.to_string()) && is_set_call(&a.right) {
                        out.push(SinkArg {
                            arg: unwrap_set(&a.right),
                            sink: format!("ActiveModel::{n}"),
                            span: e.span(),
                        });
                    }
                }
            }
        }
        _ => {}
    }
}

fn is_set_call(e: &Expr) -> bool {
    matches!(e, Expr::Call(c) if matches!(&*c.func, Expr::Path(p)
        if p.path.segments.last().is_some_and(|s| s.ident == "Set")))
}

/// `Set(x)` / `ActiveValue::Set(x)` → `x`.
fn unwrap_set(e: &Expr) -> &Expr {
    match e {
        Expr::Call(c) if is_set_call(e) && c.args.len() == 1 => &c.args[0],
        _ => e,
    }
}

/// `insert_into(t).values(x)` / `update(t).set(x)`: the values given to the wanted
/// columns of a tuple of `column.eq(value)` (`(users::email.eq(..),
/// users::password.eq(&pw))`), else (for passwords) the whole record.
fn diesel_values_sinks<'ast>(
    call: &'ast Expr,
    arg: &'ast Expr,
    out: &mut Vec<SinkArg<'ast>>,
    cols: Columns,
    what: &str,
) {
    let cols_list: Vec<&'ast Expr> = match arg {
        Expr::Tuple(t) => t.elems.iter().collect(),
        Expr::Reference(r) => match &*r.expr {
            Expr::Tuple(t) => t.elems.iter().collect(),
            _ => Vec::new(),
        },
        x @ Expr::MethodCall(_) => vec![x],
        _ => Vec::new(),
    };
    let mut columns = false;
    for c in cols_list {
        let Expr::MethodCall(eq) = c else { continue };
        if eq.method != "eq" || eq.args.len() != 1 {
            continue;
        }
        columns = true;
        let column = quote::ToTokens::to_token_stream(&eq.receiver).to_string();
        let last = column.rsplit("::").next().unwrap_or("").trim().to_string();
        if cols.wants(&last) {
            out.push(SinkArg {
                arg: &eq.args[0],
                sink: format!("{what}({last}.eq(..))"),
                span: call.span(),
            });
        }
    }
    if !columns && cols == Columns::Passwords {
        out.push(SinkArg {
            arg,
            sink: what.into(),
            span: call.span(),
        });
    }
}
