//! Parsing of macro token streams: `format!`-family arguments (with inline `{name}`
//! captures), `write!` targets, and plain comma-separated expression lists (`vec!`,
//! `assert!`, `tokio::join!`, …) so the walker can see inside them.

use proc_macro2::Span;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, LitStr, Macro, Token};

/// What a macro invocation was understood as.
#[derive(Debug)]
pub enum MacroKind {
    /// A formatting macro: `format!`, `println!`, `write!`, `panic!`, `anyhow!`, …
    Format(Box<FormatArgs>),
    /// A logging macro of `tracing` or `log`: `info!`, `event!`, `info_span!`, …
    Log(Box<LogArgs>),
    /// A macro whose body is a comma-separated list of expressions (`vec![..]`, `concat!`).
    Exprs(Vec<Expr>),
    /// Anything else; its body is not inspected.
    Opaque,
}

#[derive(Debug)]
pub struct ParsedMacro {
    /// Last path segment of the macro name (`format`, `info`, `query`).
    pub name: String,
    pub kind: MacroKind,
}

impl ParsedMacro {
    /// Every expression inside the macro, for the walker to visit.
    pub fn exprs(&self) -> Vec<&Expr> {
        match &self.kind {
            MacroKind::Format(f) => f
                .target
                .iter()
                .chain(f.leading.iter())
                .chain(f.args.iter().map(|a| &a.expr))
                .collect(),
            MacroKind::Log(l) => l
                .level
                .iter()
                .chain(l.prefixes.iter().map(|(_, e)| e))
                .chain(l.fields.iter().map(|f| &f.value))
                .chain(l.format.iter().flat_map(|f| f.args.iter().map(|a| &a.expr)))
                .collect(),
            MacroKind::Exprs(v) => v.iter().collect(),
            MacroKind::Opaque => Vec::new(),
        }
    }

    pub fn log(&self) -> Option<&LogArgs> {
        match &self.kind {
            MacroKind::Log(l) => Some(l),
            _ => None,
        }
    }

    pub fn format(&self) -> Option<&FormatArgs> {
        match &self.kind {
            MacroKind::Format(f) => Some(f),
            _ => None,
        }
    }
}

/// One explicit argument of a formatting macro.
#[derive(Debug)]
pub struct FmtArg {
    /// `name = expr` arguments carry their name.
    pub name: Option<String>,
    pub expr: Expr,
}

/// What a `{…}` placeholder refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgRef {
    /// An explicit argument, by index into `FormatArgs::args`.
    Arg(usize),
    /// An inline capture of a variable in scope: `{name}`.
    Capture(String),
}

#[derive(Debug, Clone)]
pub struct Placeholder {
    pub arg: ArgRef,
    /// Formatted with `Debug` (`{:?}`, `{:#?}`, `{x:?}`).
    pub debug: bool,
    /// Byte offset of its `{` in the format string.
    pub start: usize,
}

/// The parsed arguments of a formatting macro.
#[derive(Debug)]
pub struct FormatArgs {
    /// `write!(target, …)`.
    pub target: Option<Expr>,
    /// Expressions before the format string (`assert!(cond, …)`, `assert_eq!(a, b, …)`).
    pub leading: Vec<Expr>,
    /// The format string, when it is a literal.
    pub fmt: Option<LitStr>,
    pub args: Vec<FmtArg>,
    /// Every placeholder of the format string, in order.
    pub placeholders: Vec<Placeholder>,
    /// Span of the whole invocation.
    pub span: Span,
}

impl FormatArgs {
    /// The names captured inline (`{name}`), each once.
    pub fn captures(&self) -> impl Iterator<Item = &str> {
        let mut seen: Vec<&str> = Vec::new();
        self.placeholders.iter().filter_map(move |p| match &p.arg {
            ArgRef::Capture(n) if !seen.contains(&n.as_str()) => {
                seen.push(n);
                Some(n.as_str())
            }
            _ => None,
        })
    }
}

/// How a structured field's value is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sigil {
    /// `field = value`: recorded as a primitive or with `Value`.
    Value,
    /// `field = %value` / `%value`: recorded with `Display`.
    Display,
    /// `field = ?value` / `?value`: recorded with `Debug`.
    Debug,
}

/// A structured field of a logging macro: `user.id = %id`, `?request`, `token`.
#[derive(Debug)]
pub struct LogField {
    /// The field name (`user.id`); for shorthand fields, the value's text.
    pub name: String,
    pub sigil: Sigil,
    pub value: Expr,
}

/// The parsed arguments of a `tracing` or `log` macro.
#[derive(Debug)]
pub struct LogArgs {
    /// `event!(Level::INFO, …)`, `log!(Level::Warn, …)`, `span!(Level::TRACE, …)`.
    pub level: Option<Expr>,
    /// `target: …`, `parent: …`, `name: …`.
    pub prefixes: Vec<(String, Expr)>,
    pub fields: Vec<LogField>,
    /// The message: format string and arguments (also a span's name).
    pub format: Option<FormatArgs>,
    /// Span of the whole invocation.
    pub span: Span,
}

/// Logging macros: `tracing` (events and spans) and `log`.
fn log_layout(name: &str) -> Option<bool> {
    // `Some(true)`: the first argument is a level.
    Some(match name {
        "trace" | "debug" | "info" | "warn" | "error" | "trace_span" | "debug_span"
        | "info_span" | "warn_span" | "error_span" => false,
        "event" | "span" | "log" => true,
        _ => return None,
    })
}

/// Splits a token stream at top-level commas (and `;`, which `log`'s key-values use).
fn split_top_level(ts: proc_macro2::TokenStream) -> Vec<proc_macro2::TokenStream> {
    let mut parts = Vec::new();
    let mut cur = proc_macro2::TokenStream::new();
    for t in ts {
        match &t {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == ',' || p.as_char() == ';' => {
                parts.push(std::mem::take(&mut cur));
            }
            _ => cur.extend(std::iter::once(t)),
        }
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
}

fn parse_log(mac: &Macro, level_first: bool, is_span: bool, span: Span) -> Option<LogArgs> {
    let mut parts = split_top_level(mac.tokens.clone()).into_iter().peekable();
    let mut args = LogArgs {
        level: None,
        prefixes: Vec::new(),
        fields: Vec::new(),
        format: None,
        span,
    };
    // `target: expr` / `parent: expr` / `name: expr` (a single colon after an ident).
    let prefix = |input: ParseStream| -> syn::Result<(String, Expr)> {
        let key: syn::Ident = input.parse()?;
        if !input.peek(Token![:]) || input.peek(Token![::]) {
            return Err(input.error("not a prefix"));
        }
        input.parse::<Token![:]>()?;
        Ok((key.to_string(), input.parse()?))
    };
    let mut level_pending = level_first;
    while let Some(part) = parts.peek().cloned() {
        if let Ok(p) = prefix.parse2(part.clone()) {
            args.prefixes.push(p);
            parts.next();
            continue;
        }
        if level_pending {
            args.level = Some(syn::parse2::<Expr>(part).ok()?);
            level_pending = false;
            parts.next();
            continue;
        }
        break;
    }
    let rest: Vec<proc_macro2::TokenStream> = parts.collect();
    let mut i = 0;
    while i < rest.len() {
        let part = &rest[i];
        // A span's name is a literal followed by fields.
        if is_span && args.format.is_none() {
            if let Ok(lit) = syn::parse2::<LitStr>(part.clone()) {
                args.format = Some(FormatArgs {
                    target: None,
                    leading: Vec::new(),
                    fmt: Some(lit),
                    args: Vec::new(),
                    placeholders: Vec::new(),
                    span,
                });
                i += 1;
                continue;
            }
        }
        // The message: a string literal starts the format arguments.
        if let (false, Ok(lit)) = (is_span, syn::parse2::<LitStr>(part.clone())) {
            let mut fmt_args = Vec::new();
            for a in &rest[i + 1..] {
                let named = |input: ParseStream| -> syn::Result<FmtArg> {
                    if (input.peek(syn::Ident) || input.peek(Token![type]))
                        && input.peek2(Token![=])
                        && !input.peek2(Token![==])
                    {
                        let name: syn::Ident = input.call(syn::ext::IdentExt::parse_any)?;
                        input.parse::<Token![=]>()?;
                        Ok(FmtArg {
                            name: Some(name.to_string()),
                            expr: input.parse()?,
                        })
                    } else {
                        Ok(FmtArg {
                            name: None,
                            expr: input.parse()?,
                        })
                    }
                };
                fmt_args.push(named.parse2(a.clone()).ok()?);
            }
            let placeholders = resolve_placeholders(&lit.value(), &fmt_args);
            args.format = Some(FormatArgs {
                target: None,
                leading: Vec::new(),
                fmt: Some(lit),
                args: fmt_args,
                placeholders,
                span,
            });
            break;
        }
        args.fields.push(parse_field(part.clone())?);
        i += 1;
    }
    Some(args)
}

/// `name = value`, `name = %value`, `a.b = ?value`, `"key" = value`, `%value`, `?value`,
/// `value` (shorthand).
fn parse_field(ts: proc_macro2::TokenStream) -> Option<LogField> {
    let parser = |input: ParseStream| -> syn::Result<LogField> {
        let sigil = |input: ParseStream| -> syn::Result<Sigil> {
            if input.peek(Token![%]) {
                input.parse::<Token![%]>()?;
                Ok(Sigil::Display)
            } else if input.peek(Token![?]) {
                input.parse::<Token![?]>()?;
                Ok(Sigil::Debug)
            } else {
                Ok(Sigil::Value)
            }
        };
        let fork = input.fork();
        // A field name: dotted identifiers or a string literal, then `=`.
        let name = (|| -> syn::Result<String> {
            if fork.peek(LitStr) {
                return Ok(fork.parse::<LitStr>()?.value());
            }
            let mut name = fork
                .call(<syn::Ident as syn::ext::IdentExt>::parse_any)?
                .to_string();
            while fork.peek(Token![.]) {
                fork.parse::<Token![.]>()?;
                name.push('.');
                name.push_str(
                    &fork
                        .call(<syn::Ident as syn::ext::IdentExt>::parse_any)?
                        .to_string(),
                );
            }
            Ok(name)
        })();
        if let Ok(name) = name {
            if fork.peek(Token![=]) && !fork.peek(Token![==]) {
                fork.parse::<Token![=]>()?;
                let s = sigil(&fork)?;
                let value: Expr = fork.parse()?;
                if fork.is_empty() {
                    syn::parse::discouraged::Speculative::advance_to(input, &fork);
                    return Ok(LogField {
                        name,
                        sigil: s,
                        value,
                    });
                }
            }
        }
        let s = sigil(input)?;
        let value: Expr = input.parse()?;
        let name = quote::ToTokens::to_token_stream(&value)
            .to_string()
            .replace(' ', "");
        Ok(LogField {
            name,
            sigil: s,
            value,
        })
    };
    parser.parse2(ts).ok()
}

/// How many leading expressions precede the format string of a known formatting macro,
/// or `None` when the macro is not a formatting macro.
fn format_position(name: &str) -> Option<FormatLayout> {
    Some(match name {
        "format" | "format_args" | "print" | "println" | "eprint" | "eprintln" | "panic"
        | "unreachable" | "todo" | "unimplemented" | "anyhow" | "bail" | "eyre" | "format_err"
        | "compile_error" => FormatLayout::Leading(0),
        "write" | "writeln" => FormatLayout::Target,
        "assert" | "debug_assert" => FormatLayout::Leading(1),
        "assert_eq" | "assert_ne" | "debug_assert_eq" | "debug_assert_ne" => {
            FormatLayout::Leading(2)
        }
        "ensure" => FormatLayout::Leading(1),
        _ => return None,
    })
}

#[derive(Clone, Copy)]
enum FormatLayout {
    Leading(usize),
    Target,
}

/// Macros whose body is known to be a list of expressions.
fn is_expr_list(name: &str) -> bool {
    matches!(
        name,
        "vec"
            | "concat"
            | "dbg"
            | "join"
            | "try_join"
            | "matches"
            | "debug_assert_matches"
            | "query"
            | "query_as"
            | "query_scalar"
            | "query_unchecked"
            | "query_as_unchecked"
    )
}

/// Parses a macro invocation. Never fails: what cannot be parsed is `Opaque`.
pub fn parse_macro(mac: &Macro) -> ParsedMacro {
    let name = mac
        .path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    let kind = if let Some(level_first) = log_layout(&name) {
        match parse_log(mac, level_first, name.ends_with("span"), macro_span(mac)) {
            Some(l) => MacroKind::Log(Box::new(l)),
            None => parse_exprs(mac),
        }
    } else if let Some(layout) = format_position(&name) {
        parse_format(mac, layout)
            .map(|f| MacroKind::Format(Box::new(f)))
            .unwrap_or_else(|| parse_exprs(mac))
    } else if is_expr_list(&name) || !name.is_empty() {
        parse_exprs(mac)
    } else {
        MacroKind::Opaque
    };
    ParsedMacro { name, kind }
}

fn parse_exprs(mac: &Macro) -> MacroKind {
    match parse_expr_list.parse2(mac.tokens.clone()) {
        Ok(v) => MacroKind::Exprs(v),
        Err(_) => MacroKind::Opaque,
    }
}

/// A comma-separated list of expressions (a trailing comma allowed), or `x; n` as in
/// `vec![x; n]`: one pass over the tokens, since most bodies that fail to parse are
/// neither.
fn parse_expr_list(input: ParseStream) -> syn::Result<Vec<Expr>> {
    let mut list = Vec::new();
    if input.is_empty() {
        return Ok(list);
    }
    list.push(input.parse::<Expr>()?);
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
        list.push(input.parse::<Expr>()?);
        return Ok(list);
    }
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        list.push(input.parse::<Expr>()?);
    }
    Ok(list)
}

/// The span of a whole invocation, from the macro's name to its closing delimiter.
fn macro_span(mac: &Macro) -> Span {
    let start = mac
        .path
        .segments
        .first()
        .map(|s| s.ident.span())
        .unwrap_or_else(Span::call_site);
    let close = match &mac.delimiter {
        syn::MacroDelimiter::Paren(p) => p.span.close(),
        syn::MacroDelimiter::Brace(b) => b.span.close(),
        syn::MacroDelimiter::Bracket(b) => b.span.close(),
    };
    start.join(close).unwrap_or(start)
}

fn parse_format(mac: &Macro, layout: FormatLayout) -> Option<FormatArgs> {
    let span = macro_span(mac);
    let parser = |input: ParseStream| -> syn::Result<FormatArgs> {
        let mut target = None;
        let mut leading = Vec::new();
        match layout {
            FormatLayout::Target => {
                target = Some(input.parse::<Expr>()?);
                if input.is_empty() {
                    return Ok(empty(target, leading, span));
                }
                input.parse::<Token![,]>()?;
            }
            FormatLayout::Leading(n) => {
                for _ in 0..n {
                    leading.push(input.parse::<Expr>()?);
                    if input.is_empty() {
                        return Ok(empty(target, leading, span));
                    }
                    input.parse::<Token![,]>()?;
                }
            }
        }
        if input.is_empty() {
            return Ok(empty(target, leading, span));
        }
        let first: Expr = input.parse()?;
        let fmt = match &first {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.clone()),
            _ => None,
        };
        let mut args = Vec::new();
        if fmt.is_none() {
            // `panic!(value)` (2018) or a non-literal format: keep the value as an argument.
            args.push(FmtArg {
                name: None,
                expr: first,
            });
        }
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            if (input.peek(syn::Ident) || input.peek(Token![type]))
                && input.peek2(Token![=])
                && !input.peek2(Token![==])
            {
                let name: syn::Ident = input.call(syn::ext::IdentExt::parse_any)?;
                input.parse::<Token![=]>()?;
                let expr: Expr = input.parse()?;
                args.push(FmtArg {
                    name: Some(name.to_string()),
                    expr,
                });
            } else {
                args.push(FmtArg {
                    name: None,
                    expr: input.parse()?,
                });
            }
        }
        let placeholders = match &fmt {
            Some(lit) => resolve_placeholders(&lit.value(), &args),
            None => Vec::new(),
        };
        Ok(FormatArgs {
            target,
            leading,
            fmt,
            args,
            placeholders,
            span,
        })
    };
    parser.parse2(mac.tokens.clone()).ok()
}

fn empty(target: Option<Expr>, leading: Vec<Expr>, span: Span) -> FormatArgs {
    FormatArgs {
        target,
        leading,
        fmt: None,
        args: Vec::new(),
        placeholders: Vec::new(),
        span,
    }
}

/// A placeholder as written in a format string.
#[derive(Debug, PartialEq, Eq)]
pub struct RawPlaceholder {
    /// The argument part: empty (next positional), a number, or a name.
    pub arg: String,
    pub debug: bool,
    /// Formatted as a number in another base or notation (`{:x}`, `{:032X}`, `{:#o}`,
    /// `{:b}`, `{:e}`): the traits behind these (`LowerHex`, `Octal`, …) write digits.
    pub numeric: bool,
    /// Byte offset of its `{` in the format string.
    pub start: usize,
}

/// Splits a format string into its placeholders (`{{`/`}}` are escapes).
pub fn scan_format_string(s: &str) -> Vec<RawPlaceholder> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => i += 2,
            b'}' if bytes.get(i + 1) == Some(&b'}') => i += 2,
            b'{' => {
                let start = i + 1;
                let Some(len) = s[start..].find('}') else {
                    break;
                };
                let inner = &s[start..start + len];
                let (arg, spec) = match inner.find(':') {
                    Some(c) => (&inner[..c], &inner[c + 1..]),
                    None => (inner, ""),
                };
                out.push(RawPlaceholder {
                    start: i,
                    arg: arg.trim().to_string(),
                    debug: spec.contains('?'),
                    numeric: matches!(
                        spec.as_bytes().last(),
                        Some(b'x' | b'X' | b'o' | b'b' | b'e' | b'E')
                    ),
                });
                i = start + len + 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn resolve_placeholders(fmt: &str, args: &[FmtArg]) -> Vec<Placeholder> {
    let mut next = 0usize;
    scan_format_string(fmt)
        .into_iter()
        .map(|raw| {
            let arg = if raw.arg.is_empty() {
                let r = ArgRef::Arg(next);
                next += 1;
                r
            } else if let Ok(n) = raw.arg.parse::<usize>() {
                ArgRef::Arg(n)
            } else if let Some(i) = args
                .iter()
                .position(|a| a.name.as_deref() == Some(raw.arg.as_str()))
            {
                ArgRef::Arg(i)
            } else {
                ArgRef::Capture(raw.arg.trim_start_matches("r#").to_string())
            };
            Placeholder {
                arg,
                debug: raw.debug,
                start: raw.start,
            }
        })
        .collect()
}

/// The interpolated expressions of a `serde_json::json!` body: the values of objects and
/// the elements of arrays, at any depth (`json!({"error": e.to_string(), "ids": [a, b]})`
/// gives `e.to_string()`, `a`, `b`). Keys and literals are left out.
pub fn json_values(tokens: &proc_macro2::TokenStream) -> Vec<Expr> {
    let mut out = Vec::new();
    json_value(tokens.clone(), &mut out, 0);
    out
}

fn json_value(ts: proc_macro2::TokenStream, out: &mut Vec<Expr>, depth: usize) {
    use proc_macro2::{Delimiter, TokenTree};
    if depth > 32 || out.len() > 256 {
        return;
    }
    let trees: Vec<TokenTree> = ts.clone().into_iter().collect();
    if let [TokenTree::Group(g)] = trees.as_slice() {
        match g.delimiter() {
            Delimiter::Brace => {
                for entry in split_top_level(g.stream()) {
                    let entry: Vec<TokenTree> = entry.into_iter().collect();
                    // The first lone `:` (not part of `::`) ends the key.
                    let colon = (0..entry.len()).find(|&i| {
                        let is_colon = |t: Option<&TokenTree>| {
                            matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == ':')
                        };
                        is_colon(entry.get(i))
                            && !is_colon(entry.get(i + 1))
                            && !(i > 0 && is_colon(entry.get(i - 1)))
                    });
                    if let Some(c) = colon {
                        let value: proc_macro2::TokenStream =
                            entry[c + 1..].iter().cloned().collect();
                        json_value(value, out, depth + 1);
                    }
                }
                return;
            }
            Delimiter::Bracket => {
                for elem in split_top_level(g.stream()) {
                    json_value(elem, out, depth + 1);
                }
                return;
            }
            _ => {}
        }
    }
    if let Ok(e) = syn::parse2::<Expr>(ts) {
        if !matches!(e, Expr::Lit(_)) {
            out.push(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(src: &str) -> ParsedMacro {
        let m: Macro = syn::parse_str(src).unwrap();
        parse_macro(&m)
    }

    #[test]
    fn format_with_positional_named_and_captures() {
        let p = mac(r#"format!("SELECT {} FROM {table} WHERE a = {x:?} {{no}} {0}", col, x = v)"#);
        let f = p.format().unwrap();
        assert_eq!(f.args.len(), 2);
        let refs: Vec<ArgRef> = f.placeholders.iter().map(|p| p.arg.clone()).collect();
        assert_eq!(
            refs,
            vec![
                ArgRef::Arg(0),
                ArgRef::Capture("table".into()),
                ArgRef::Arg(1),
                ArgRef::Arg(0)
            ]
        );
        assert!(f.placeholders[2].debug);
        assert_eq!(f.captures().collect::<Vec<_>>(), vec!["table"]);
    }

    #[test]
    fn write_target_and_assert_leading() {
        let p = mac(r#"write!(&mut s, " AND name = '{}'", n)"#);
        let f = p.format().unwrap();
        assert!(f.target.is_some());
        assert_eq!(f.args.len(), 1);
        let p = mac(r#"assert_eq!(a, b, "mismatch {}", c)"#);
        assert_eq!(p.format().unwrap().leading.len(), 2);
        let p = mac(r#"assert!(ok)"#);
        assert_eq!(p.format().unwrap().leading.len(), 1);
    }

    #[test]
    fn tracing_fields_prefixes_and_message() {
        let p = mac(
            r#"tracing::info!(target: "auth", user.id = %uid, ?req, token, "login {} {name}", email)"#,
        );
        let l = p.log().unwrap();
        assert_eq!(l.prefixes[0].0, "target");
        let names: Vec<(&str, Sigil)> = l
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.sigil))
            .collect();
        assert_eq!(
            names,
            vec![
                ("user.id", Sigil::Display),
                ("req", Sigil::Debug),
                ("token", Sigil::Value)
            ]
        );
        let f = l.format.as_ref().unwrap();
        assert_eq!(f.args.len(), 1);
        assert_eq!(f.captures().collect::<Vec<_>>(), vec!["name"]);
        let p = mac(r#"event!(Level::WARN, "password" = ?creds, "failed")"#);
        let l = p.log().unwrap();
        assert!(l.level.is_some());
        assert_eq!(l.fields[0].name, "password");
        let p = mac(r#"log::warn!(target: "db", "slow query {}", q)"#);
        assert_eq!(p.log().unwrap().format.as_ref().unwrap().args.len(), 1);
        let p = mac(r#"info_span!("request", method = %m)"#);
        let l = p.log().unwrap();
        assert_eq!(l.fields[0].name, "method");
        assert_eq!(l.fields[0].sigil, Sigil::Display);
        assert!(l.format.is_some());
    }

    #[test]
    fn unknown_bodies_are_opaque_not_errors() {
        assert!(matches!(mac("html! { <div> }").kind, MacroKind::Opaque));
        assert!(matches!(mac("vec![0u8; 10]").kind, MacroKind::Exprs(ref v) if v.len() == 2));
        assert!(matches!(
            mac(r#"format!("{", x)"#).kind,
            MacroKind::Format(_)
        ));
    }

    #[test]
    fn json_body_values() {
        let m: Macro =
            syn::parse_str(r#"json!({"error": e.to_string(), "ids": [a, 1], "n": {"x": b::c}})"#)
                .unwrap();
        let got: Vec<String> = json_values(&m.tokens)
            .iter()
            .map(|e| quote::ToTokens::to_token_stream(e).to_string())
            .collect();
        assert_eq!(got, ["e . to_string ()", "a", "b :: c"]);
    }
}
