//! Request handlers: which functions serve requests, and which of their parameters carry
//! the client's data. Shared by the rules that judge handler bodies (BL301, BL701,
//! BL702); the framework knowledge is in [`crate::model::web`].

use crate::engine::cx::Cx;
use crate::engine::pattern::typed_pattern_names;
use crate::model::web::{handler_extractor, ROUTE_ATTRS, ROUTING_FNS};
use syn::{FnArg, Type};

/// Whether the attributes carry an actix-web/rocket route attribute (`#[post("/users")]`):
/// the function is a request handler, async or not.
pub fn has_route_attr(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path()
            .segments
            .last()
            .is_some_and(|s| ROUTE_ATTRS.contains(&s.ident.to_string().as_str()))
    })
}

/// Whether `name(` occurs in `text` other than in its definition (`fn name(`), given where
/// `name` occurs as a whole word ([`Cx::ident_offsets`]): a function called in its file
/// is a helper, not a handler.
fn called_at(text: &str, offsets: impl IntoIterator<Item = usize>, name: &str) -> bool {
    offsets.into_iter().any(|i| {
        if !text[i + name.len()..].starts_with('(') {
            return false;
        }
        let before = &text[..i];
        // `services::orders::update_shipping(..)`, `self.save(..)`: another function.
        if before.ends_with(':') || before.ends_with('.') {
            return false;
        }
        // Mentioned in a comment (`// as in `list_articles()``).
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        if before[line_start..].contains("//") {
            return false;
        }
        !before.trim_end().ends_with("fn")
    })
}

/// The byte offset just after the last character of `s` matching `pred` (0 if none): the
/// start of the run of other characters that ends `s`, on a character boundary whatever
/// the matched character's width (`📢handler`).
fn end_of_last(s: &str, pred: impl Fn(char) -> bool) -> usize {
    s.char_indices()
        .rev()
        .find(|&(_, c)| pred(c))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// Whether `name` is given to a routing function in `text` (`get(name)`,
/// `get(handlers::name).post(other)`, `web::get().to(name)`, `.route(.., post(name))`),
/// given where `name` occurs as a whole word.
fn registered_at(text: &str, offsets: impl IntoIterator<Item = usize>, name: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    offsets.into_iter().any(|i| {
        let after = text[i + name.len()..].chars().next();
        if after.is_some_and(|c| c == '(' || c == ':' || c == '!') {
            return false;
        }
        // Skip a path prefix: `handlers::users::name`.
        let mut before = &text[..i];
        while let Some(rest) = before.strip_suffix("::") {
            let seg_start = end_of_last(rest, |c| !is_ident(c));
            if seg_start == rest.len() {
                return false;
            }
            before = &rest[..seg_start];
        }
        let Some(open) = before.trim_end().strip_suffix('(') else {
            return false;
        };
        let fn_start = end_of_last(open, |c| !is_ident(c));
        ROUTING_FNS.contains(&&open[fn_start..])
    })
}

impl Cx<'_, '_> {
    /// [`called_at`] for the current file, from its word index.
    pub fn called_in_file(&self, name: &str) -> bool {
        called_at(&self.src.text, self.ident_offsets(name), name)
    }

    /// [`registered_at`] for the current file, from its word index.
    pub fn registered_in_file(&self, name: &str) -> bool {
        registered_at(&self.src.text, self.ident_offsets(name), name)
    }
}

/// A request handler, as seen from its signature.
#[derive(Debug, Default)]
pub struct Handler {
    /// Names bound by the parameters that carry request data (path, query, body,
    /// headers, the request itself).
    pub inputs: Vec<String>,
    /// Declared with a route attribute (`#[get("/")]`).
    pub routed: bool,
}

/// Whether a function is a request handler: one with a route attribute, or an `async fn`
/// (not a method, not `main`) that takes a framework extractor or is given to a routing
/// function in its file, and is not called in its file. `None` for other functions.
pub fn handler<'ast>(
    cx: &Cx<'_, 'ast>,
    attrs: &'ast [syn::Attribute],
    sig: &'ast syn::Signature,
) -> Option<Handler> {
    let routed = has_route_attr(attrs) || has_extra_route_attr(cx, attrs);
    if !routed {
        // Axum and actix-web handlers are free functions, or associated functions given
        // to a routing function by their type's name; other associated functions and
        // methods are services (poem-openapi's routed methods carry `#[oai]`).
        if sig.asyncness.is_none() || sig.ident == "main" || sig.receiver().is_some() {
            return None;
        }
        let name = sig.ident.to_string();
        if cx.scopes.self_ty().is_some() && !cx.registered_in_file(&name) {
            return None;
        }
        let extracts = sig.inputs.iter().any(|i| match i {
            FnArg::Typed(t) => param_extractor(cx, &t.ty).is_some_and(|e| e.qualifies),
            FnArg::Receiver(_) => false,
        });
        let registered = cx.registered_in_file(&name);
        if !extracts && !registered {
            return None;
        }
        if !registered && cx.called_in_file(&name) {
            return None;
        }
    }
    let route_params = if routed {
        rocket_params(attrs)
    } else {
        Vec::new()
    };
    let mut inputs = Vec::new();
    for input in &sig.inputs {
        let FnArg::Typed(t) = input else { continue };
        let names: Vec<String> = typed_pattern_names(&t.pat, &t.ty)
            .into_iter()
            .map(|p| p.ident.to_string())
            .filter(|n| !n.starts_with('_'))
            .collect();
        let carries = match param_extractor(cx, &t.ty) {
            Some(e) => e.input,
            // A handler's plain `String`/`Bytes` parameter is its body; rocket binds
            // route segments (`<id>`) to plain parameters.
            None => body_type(&t.ty) || names.iter().any(|n| route_params.contains(n)),
        };
        if carries {
            inputs.extend(names);
        }
    }
    Some(Handler { inputs, routed })
}

/// poem's `#[handler]` and poem-openapi's `#[oai(path = ..)]`, in files that import poem.
fn has_extra_route_attr(cx: &Cx<'_, '_>, attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().segments.last().is_some_and(|s| {
            (s.ident == "handler" || s.ident == "oai")
                && cx.uses.imports_crate(&["poem", "poem_openapi"])
        })
    })
}

/// What a parameter's type says of the parameter, when it is a framework extractor.
pub struct ParamKind {
    /// Only request handlers take it (axum/actix-web/rocket/poem extractors).
    pub qualifies: bool,
    /// It carries request data.
    pub input: bool,
}

/// The extractor a parameter type is (by value; helpers borrow), resolved through the
/// file's imports (glob imports too).
pub fn param_extractor(cx: &Cx<'_, '_>, ty: &Type) -> Option<ParamKind> {
    let Type::Path(tp) = ty else { return None };
    cx.uses
        .candidates(&tp.path)
        .iter()
        .find_map(|p| handler_extractor(p))
        .map(|e| ParamKind {
            qualifies: e.qualifies,
            input: e.input,
        })
}

/// `String`, `Bytes`, `Vec<u8>`: a handler's raw body.
fn body_type(ty: &Type) -> bool {
    let Type::Path(tp) = ty else { return false };
    tp.path.segments.last().is_some_and(|s| {
        s.ident == "String"
            || s.ident == "Bytes"
            || (s.ident == "Vec"
                && crate::model::types::first_type_arg(s)
                    .is_some_and(|t| matches!(t, Type::Path(p) if p.path.is_ident("u8"))))
    })
}

/// Parameter names of rocket's route syntax: `#[get("/users/<id>?<page>", data = "<body>")]`.
fn rocket_params(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for a in attrs {
        let syn::Meta::List(l) = &a.meta else {
            continue;
        };
        let text = l.tokens.to_string();
        let mut rest = text.as_str();
        while let Some(start) = rest.find('<') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('>') else { break };
            let name = after[..end].trim_end_matches("..").trim();
            if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                out.push(name.to_string());
            }
            rest = &after[end..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::cx::WordIndex;

    fn registered_in_file(text: &str, name: &str) -> bool {
        registered_at(text, WordIndex::new(text).offsets(text, name), name)
    }

    #[test]
    fn registration() {
        let text = "Router::new().route(\"/\", get(list).post(handlers::users::create))\n\
                    .service(web::resource(\"/x\").route(web::get().to(show)))";
        assert!(registered_in_file(text, "list"));
        assert!(registered_in_file(text, "create"));
        assert!(registered_in_file(text, "show"));
        assert!(!registered_in_file(text, "users"));
        assert!(!registered_in_file(text, "get"));
        assert!(!registered_in_file("map.get(list_all)", "list"));
        // Wide characters right before a path or a routing function's name.
        assert!(!registered_in_file("\"📢::notify\"", "notify"));
        assert!(!registered_in_file("📢::a::notify", "notify"));
        assert!(registered_in_file("x(\"📢\",get(notify))", "notify"));
        assert!(registered_in_file("📢get(notify)", "notify"));
        assert!(!registered_in_file("é(notify)", "notify"));
    }

    #[test]
    fn rocket_route_params() {
        let a: syn::Attribute =
            syn::parse_quote!(#[get("/u/<id>/<path..>?<page>", data = "<body>")]);
        assert_eq!(rocket_params(&[a]), vec!["id", "path", "page", "body"]);
    }
}
