//! Evidence of input validation in a function body: which of a set of values (a
//! handler's payload, a function's parameters) is validated, converted into a checked
//! type, checked by hand, or handed to other functions.
//!
//! Used by BL301 on handler bodies, and by the project index on every function, so that
//! a payload given to a workspace function that validates it counts (one hop). Which
//! names validate, convert or check is library knowledge in [`crate::model::web`].

use crate::engine::index::root_ident;
use crate::engine::pattern::pattern_names;
use crate::engine::resolve::{block_tail, unwrap_once, Peel};
use crate::model::web::{
    is_check_macro, is_checking_call, is_checking_fn, is_conversion_fn, is_create_fn, is_delete_fn,
    is_fallible_constructor, is_insert_sql, is_key_constructor, is_lookup_fn, is_read_only_sql,
    is_reporting_macro, is_search_fn, is_search_sql, is_validate_method, is_verify_fn, is_write_fn,
    wraps_argument, ARGUMENT_CHECKS, ERROR_ADAPTERS, MEASURE_METHODS, PREDICATE_METHODS, QUERY_FNS,
    SHAPE_CHECKS,
};
use syn::visit::Visit;
use syn::Expr;

/// A function given a tracked value: its name, the type it is called through when the
/// call names one (`App::insert(..)` → `App`), and the argument's index (after the
/// receiver, for methods).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Callee {
    pub owner: Option<String>,
    pub name: String,
    pub arg: usize,
}

/// The type a path call goes through: `App` in `App::insert`, `None` for modules and
/// free functions (`services::users::create`).
fn type_owner(p: &syn::Path) -> Option<String> {
    let n = p.segments.len();
    (n >= 2)
        .then(|| p.segments[n - 2].ident.to_string())
        .filter(|o| o.starts_with(|c: char| c.is_uppercase()))
}

/// How a body reads a tracked value: which parts reach something that keeps or passes
/// them on (a call, a struct literal, the response: *consumed*), and which are only read
/// in ways that store nothing (a lookup key, a presence test, a comparison, credentials
/// given to a verifier, a log line or an error: *read*).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Uses {
    /// The value as a whole (or a part not known to be one field) is consumed.
    pub whole_consumed: bool,
    /// The value as a whole is read (every field may be).
    pub whole_read: bool,
    /// Fields consumed, by name.
    pub consumed: Vec<String>,
    /// Fields read, consumed or not.
    pub read: Vec<String>,
    /// Read as a free-text search term (`LIKE`, `plainto_tsquery`, `search_posts(q)`):
    /// not stored, but unbounded text in a pattern or a ranking query is worth a look.
    pub searched: bool,
    /// Fields read as a search term, by name (`searched` is the whole value).
    pub searched_fields: Vec<String>,
    /// Consumed by a call that stores it as a new record or sends it: `repo.insert(..)`,
    /// `create_post(..)`, an `INSERT`'s parameter, an outbound request (not an update or
    /// a delete, whose arguments are usually keys).
    pub stored: bool,
    /// Consumed outside the arguments of a call (returned, stored in a local's
    /// computation, a method called on it, ..).
    pub direct: bool,
    /// The calls whose arguments consume it (innermost call), so that a workspace
    /// function that only reads its parameter (looks a record up by it) can clear them.
    pub via: Vec<Callee>,
}

/// How strong the evidence of unvalidated input is, given what a payload's unbounded
/// fields are and how the handler uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// Unbounded input reaches a call, a stored value or the response.
    Strong,
    /// Some unbounded field is never read by the handler (nothing shows where it goes).
    Weak,
    /// Every unbounded field is only read as a key, a flag, a credential to verify.
    Nothing,
}

impl Uses {
    fn note(&mut self, field: Option<&str>, consumed: bool) {
        match field {
            None => {
                self.whole_read = true;
                self.whole_consumed |= consumed;
            }
            Some(f) => {
                if !self.read.iter().any(|r| r == f) {
                    self.read.push(f.to_string());
                }
                if consumed && !self.consumed.iter().any(|r| r == f) {
                    self.consumed.push(f.to_string());
                }
            }
        }
    }

    /// The strength of a finding on a payload whose unbounded fields are `unbounded`
    /// (names; `None` for a generic map or JSON value, which is one value whose reads —
    /// counted, keyed — are never enough to clear it).
    pub fn strength(&self, unbounded: Option<&[String]>) -> Strength {
        if self.whole_consumed {
            return Strength::Strong;
        }
        let has = |list: &[String], f: &str| list.iter().any(|x| field_matches(f, x));
        let all_read = match unbounded {
            Some(u) => {
                if u.iter().any(|f| has(&self.consumed, f)) {
                    return Strength::Strong;
                }
                self.whole_read || u.iter().all(|f| has(&self.read, f))
            }
            None => false,
        };
        let searched = self.searched
            || unbounded.is_some_and(|u| u.iter().any(|f| has(&self.searched_fields, f)));
        if all_read && !searched {
            Strength::Nothing
        } else {
            Strength::Weak
        }
    }
}

/// Whether a payload field, as the index names it (`title`, a variant's `Shared.channel`),
/// is the field a body reads (`title`, `channel` bound from `PostEvent::Shared { channel }`).
pub fn field_matches(indexed: &str, read: &str) -> bool {
    indexed == read
        || indexed
            .strip_suffix(read)
            .is_some_and(|head| head.ends_with('.'))
}

/// Whether `e` is one of `names`, or made from one by field access, a method chain or a
/// wrapping call (`Some(h.as_str())`, `h.trim().to_owned()`).
fn made_from_names(e: &Expr, names: &[String]) -> bool {
    let mut e = e;
    for _ in 0..32 {
        e = match e {
            Expr::Path(p) => {
                return p
                    .path
                    .get_ident()
                    .is_some_and(|i| names.iter().any(|n| i == n));
            }
            Expr::Field(f) => &f.base,
            Expr::MethodCall(m) => &m.receiver,
            Expr::Reference(r) => &r.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Call(c) if c.args.len() == 1 => match &*c.func {
                Expr::Path(p) if wraps_argument(&crate::engine::usemap::path_names(&p.path)) => {
                    &c.args[0]
                }
                _ => return false,
            },
            _ => return false,
        };
    }
    false
}

/// A local bound from a tracked value.
struct Bound {
    name: String,
    root: usize,
    /// The field of the root it holds, when it holds one (`let n = body.name.trim()`).
    field: Option<String>,
    /// It holds a measure or a test of the value (`let n = body.bio.len()`,
    /// `let v = q.verbose.is_some()`), not the value: reading it consumes nothing.
    inert: bool,
    /// It holds only keys made from the value (`let links =
    /// ids.into_iter().map(account::id::equals).collect()`): reading it consumes nothing.
    keys: bool,
    /// A later binding of the name to something untracked shadows the earlier ones
    /// (`let prefix = table_prefix();` after a `prefix` made from the payload).
    dead: bool,
}

/// An expression that reads a local or a field path of one: the local and the members
/// from it outwards (`form.0.email` → `form`, `[0, email]`; `body.into_inner().name`).
fn field_path(e: &Expr) -> Option<(String, Vec<String>)> {
    let mut members = Vec::new();
    let mut e = e;
    for _ in 0..32 {
        e = match e {
            Expr::Path(p) => {
                let id = p.path.get_ident()?.to_string();
                members.reverse();
                return Some((id, members));
            }
            Expr::Field(f) => {
                members.push(match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                });
                &f.base
            }
            Expr::MethodCall(m)
                if m.args.is_empty()
                    && matches!(
                        m.method.to_string().as_str(),
                        "into_inner" | "clone" | "as_ref" | "deref" | "inner" | "borrow"
                    ) =>
            {
                &m.receiver
            }
            Expr::Reference(r) => &r.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Unary(u) => &u.expr,
            _ => unwrap_once(e, Peel::Syntax)?,
        };
    }
    None
}

/// The receiver chain's start: `body.name` in `body.name.trim().to_lowercase()?`.
fn chain_base(e: &Expr) -> &Expr {
    let mut e = e;
    for _ in 0..32 {
        e = match e {
            Expr::MethodCall(m) if field_path(e).is_none() => &m.receiver,
            Expr::Try(t) => &t.expr,
            Expr::Await(a) => &a.base,
            Expr::Paren(p) => &p.expr,
            Expr::Reference(r) => &r.expr,
            Expr::Unary(u) => &u.expr,
            _ => match unwrap_once(e, Peel::Syntax) {
                Some(inner) => inner,
                None => return e,
            },
        };
    }
    e
}

/// A method chain with a writing method (`form.insert(&db).await?`).
fn writes_receiver(e: &Expr) -> bool {
    let mut e = e;
    for _ in 0..32 {
        e = match e {
            Expr::MethodCall(m) => {
                if is_write_fn(&m.method.to_string()) {
                    return true;
                }
                &m.receiver
            }
            Expr::Try(t) => &t.expr,
            Expr::Await(a) => &a.base,
            _ => match unwrap_once(e, Peel::Syntax) {
                Some(inner) => inner,
                None => return false,
            },
        };
    }
    false
}

/// A value that measures or tests what it is computed from (`x.len()`, `x.is_some()`).
fn is_measure(e: &Expr) -> bool {
    let mut e = e;
    for _ in 0..8 {
        e = match e {
            Expr::Try(t) => &t.expr,
            Expr::Await(a) => &a.base,
            Expr::Paren(p) => &p.expr,
            Expr::Reference(r) => &r.expr,
            Expr::Unary(u) => &u.expr,
            Expr::MethodCall(m) => return MEASURE_METHODS.contains(&m.method.to_string().as_str()),
            _ => match unwrap_once(e, Peel::Syntax) {
                Some(inner) => inner,
                None => return false,
            },
        };
    }
    false
}

/// The SQL text of a sqlx query a method chain starts from (`sqlx::query("..").bind(x)`).
/// `locals`: SQL held by query builders bound to locals (`let q = sqlx::query("..");`).
fn query_sql(e: &Expr, locals: &[(String, String)]) -> Option<String> {
    let mut e = e;
    for _ in 0..32 {
        e = match e {
            Expr::MethodCall(m) => &m.receiver,
            Expr::Path(p) => {
                let id = p.path.get_ident()?.to_string();
                return locals
                    .iter()
                    .rev()
                    .find(|(n, _)| *n == id)
                    .map(|(_, s)| s.clone());
            }
            Expr::Paren(p) => &p.expr,
            Expr::Macro(m) => {
                let last = m.mac.path.segments.last()?.ident.to_string();
                if !QUERY_FNS.contains(&last.as_str()) {
                    return None;
                }
                let args = m
                    .mac
                    .parse_body_with(
                        syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
                    )
                    .ok()?;
                return args.iter().find_map(|a| match a {
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                });
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                let last = p.path.segments.last()?.ident.to_string();
                if !QUERY_FNS.contains(&last.as_str()) {
                    return None;
                }
                return c.args.iter().find_map(|a| match a {
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                });
            }
            _ => return None,
        };
    }
    None
}

/// Identifiers anywhere in a token stream, with the field each is followed by
/// (`data.name` → `data`, `name`), and the captures of its string literals.
fn token_reads(
    ts: proc_macro2::TokenStream,
    out: &mut Vec<(String, Option<String>)>,
    depth: usize,
) {
    use proc_macro2::TokenTree;
    if depth > 32 {
        return;
    }
    let toks: Vec<TokenTree> = ts.into_iter().collect();
    for (i, t) in toks.iter().enumerate() {
        match t {
            TokenTree::Ident(id) => {
                let field = match (toks.get(i + 1), toks.get(i + 2)) {
                    (Some(TokenTree::Punct(p)), Some(TokenTree::Ident(f)))
                        if p.as_char() == '.' =>
                    {
                        Some(f.to_string())
                    }
                    _ => None,
                };
                out.push((id.to_string(), field));
            }
            TokenTree::Group(g) => token_reads(g.stream(), out, depth + 1),
            TokenTree::Literal(l) => {
                if let Ok(syn::Lit::Str(s)) = syn::parse_str::<syn::Lit>(&l.to_string()) {
                    out.extend(inline_captures(&s.value()).into_iter().map(|c| (c, None)));
                }
            }
            _ => {}
        }
    }
}

/// Identifiers anywhere in a token stream (a macro that does not parse as expressions).
fn token_idents(ts: proc_macro2::TokenStream, out: &mut Vec<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    for t in ts {
        match t {
            proc_macro2::TokenTree::Ident(i) => out.push(i.to_string()),
            proc_macro2::TokenTree::Group(g) => token_idents(g.stream(), out, depth + 1),
            _ => {}
        }
    }
}

/// The names a format string captures: `{name}`, `{name:?}` (not `{{`, `{0}`, `{}`).
fn inline_captures(fmt: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = fmt;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('{') {
            rest = r;
            continue;
        }
        let end = rest.find(['}', ':']).unwrap_or(rest.len());
        let id = &rest[..end];
        if id.starts_with(|c: char| c.is_alphabetic() || c == '_')
            && id.chars().all(|c| c.is_alphanumeric() || c == '_')
        {
            out.push(id.to_string());
        }
        rest = &rest[end..];
    }
    out
}

/// A call that sends a request out (`reqwest::get(url)`, `client.get(url)`): not a lookup.
fn outbound(path_or_receiver: &[String]) -> bool {
    path_or_receiver.iter().any(|s| {
        let s = s.to_ascii_lowercase();
        [
            "reqwest", "ureq", "surf", "isahc", "hyper", "awc", "client", "http",
        ]
        .iter()
        .any(|w| s.contains(w))
    })
}

/// A path naming a parsing function, passed as a value: `Cursor::decode`,
/// `Uuid::parse_str`, `str::parse::<u32>`.
fn names_a_parser(e: &Expr) -> bool {
    let Expr::Path(p) = e else { return false };
    p.path.segments.last().is_some_and(|s| {
        let f = s.ident.to_string();
        is_conversion_fn(&f)
            || ((type_owner(&p.path).is_some() || primitive_owner(&p.path))
                && is_fallible_constructor(&f, false))
    })
}

/// A call through a primitive type: `u32::from_str_radix(..)`, `i64::from_str(..)`.
fn primitive_owner(p: &syn::Path) -> bool {
    let n = p.segments.len();
    n >= 2 && {
        let owner = p.segments[n - 2].ident.to_string();
        crate::model::types::is_number_type(&owner) || owner == "bool" || owner == "char"
    }
}

/// What a body does with the values it tracks. Values are identified by the index of
/// the root they derive from (a handler has one root; a function one per parameter).
pub struct Evidence {
    /// Local names and the root each derives from: the roots themselves, and bindings
    /// derived from them (`let FormData { title, .. } = form.0`, `if let Some(s) =
    /// &body.summary`, closure parameters over `body.tags.iter()`).
    bindings: Vec<Bound>,
    /// Per root: validated by a `.validate()`-family call on it (the type's derive
    /// decides what that checks).
    pub validate_called: Vec<bool>,
    /// Per root: converted, parsed or checked by hand (not through `.validate()`).
    pub checked: Vec<bool>,
    /// Functions given a tracked value, with the value's root.
    pub passed_to: Vec<(usize, Callee)>,
    /// Per root: how the body reads it.
    pub uses: Vec<Uses>,
    /// Inside a part of the body that reads without consuming (a lookup's arguments, a
    /// comparison, a log line).
    benign: usize,
    /// Inside a free-text search's arguments.
    search: usize,
    /// Inside a `let` initializer that binds a tracked value: its reads are counted where
    /// the new local is read.
    quiet: usize,
    /// Inside the arguments of a call that stores or sends them.
    store: usize,
    /// Locals holding a query builder, with its SQL (`let q = sqlx::query("..")`).
    queries: Vec<(String, String)>,
    /// The calls whose arguments are being visited, innermost last.
    call_ctx: Vec<Callee>,
    depth: usize,
    /// Reads of tracked values noted so far.
    notes: usize,
    /// Locals computed from tracked values by calls (not tracked themselves).
    computed: std::collections::HashSet<String>,
}

impl Evidence {
    /// Tracks one value bound by a pattern to `names` (a handler's extractor parameter,
    /// `Json(NewPost { title, body, .. })`): names bound to fields of a struct pattern
    /// hold those fields.
    pub fn for_pattern(pat: &syn::Pat, names: Vec<String>) -> Self {
        let mut ev = Evidence::new(vec![names]);
        if let Some(fields) = struct_fields(pat) {
            for b in ev.bindings.iter_mut() {
                b.field = fields
                    .iter()
                    .find(|(n, _)| *n == b.name)
                    .map(|(_, f)| f.clone());
            }
        }
        ev
    }

    /// Tracks `roots` (each a set of names bound to the same value).
    pub fn new(roots: Vec<Vec<String>>) -> Self {
        let n = roots.len();
        let bindings = roots
            .into_iter()
            .enumerate()
            .flat_map(|(i, names)| {
                names.into_iter().map(move |name| Bound {
                    name,
                    root: i,
                    field: None,
                    inert: false,
                    keys: false,
                    dead: false,
                })
            })
            .collect();
        Evidence {
            bindings,
            validate_called: vec![false; n],
            checked: vec![false; n],
            passed_to: Vec::new(),
            uses: vec![Uses::default(); n],
            benign: 0,
            search: 0,
            quiet: 0,
            store: 0,
            queries: Vec::new(),
            call_ctx: Vec::new(),
            depth: 0,
            notes: 0,
            computed: std::collections::HashSet::new(),
        }
    }

    /// Runs over a body.
    pub fn scan(mut self, body: &syn::Block) -> Self {
        self.visit_block(body);
        self
    }

    /// Whether root `r` is validated in any way.
    pub fn validated(&self, r: usize) -> bool {
        self.validate_called.get(r).copied().unwrap_or(false)
            || self.checked.get(r).copied().unwrap_or(false)
    }

    fn root_of_name(&self, name: &str) -> Option<usize> {
        self.bound(name).map(|b| b.root)
    }

    /// The binding a name refers to here: the innermost, latest one, unless that one
    /// holds something untracked.
    fn bound(&self, name: &str) -> Option<&Bound> {
        self.bindings
            .iter()
            .rev()
            .find(|b| b.name == name)
            .filter(|b| !b.dead)
    }

    /// Whether `e` reads a tracked local, or a local computed from one, anywhere (also
    /// inside macro arguments).
    fn mentions_tracked(&self, e: &Expr) -> bool {
        struct Find<'e>(&'e Evidence, bool);
        impl Find<'_> {
            fn name(&mut self, name: &str) {
                self.1 |= self.0.bound(name).is_some() || self.0.computed.contains(name);
            }
        }
        impl<'v> Visit<'v> for Find<'_> {
            fn visit_expr_path(&mut self, p: &'v syn::ExprPath) {
                if let Some(id) = p.path.get_ident() {
                    self.name(&id.to_string());
                }
            }
            fn visit_macro(&mut self, m: &'v syn::Macro) {
                fn idents(ts: proc_macro2::TokenStream, f: &mut Find<'_>) {
                    for t in ts {
                        match t {
                            proc_macro2::TokenTree::Ident(i) => f.name(&i.to_string()),
                            proc_macro2::TokenTree::Group(g) => idents(g.stream(), f),
                            _ => {}
                        }
                    }
                }
                idents(m.tokens.clone(), self);
            }
        }
        let mut f = Find(self, false);
        f.visit_expr(e);
        f.1
    }

    /// The names of `pat` are bound to `src`, which is not [`Self::derived`] from a
    /// tracked value. When `src` computes something from one (`let text =
    /// remove_slurs(text)`, `let p = Params::from((id, params))`), a tracked binding of
    /// the same name stays as it was, and the names are remembered as computed from
    /// tracked values, so that what is made from them later does not count as
    /// unrelated. Otherwise the names hold something unrelated: they shadow tracked
    /// bindings of the same names until the scope ends.
    fn shadow_with(&mut self, pat: &syn::Pat, src: &Expr) {
        if self.mentions_tracked(src) {
            for p in pattern_names(pat) {
                self.computed.insert(p.ident.to_string());
            }
        } else {
            for p in pattern_names(pat) {
                self.computed.remove(&p.ident.to_string());
            }
            self.shadow(pat);
        }
    }

    /// The names of `pat` now hold something untracked: they shadow tracked bindings of
    /// the same names until the scope ends.
    fn shadow(&mut self, pat: &syn::Pat) {
        for p in pattern_names(pat) {
            let name = p.ident.to_string();
            if self.bound(&name).is_some() {
                self.bindings.push(Bound {
                    name,
                    root: 0,
                    field: None,
                    inert: false,
                    keys: false,
                    dead: true,
                });
            }
        }
    }

    /// The field of a tracked root an expression holds: `body.name.trim()` → `name`.
    fn field_of(&self, e: &Expr) -> Option<String> {
        // A literal holding tracked parts (`Page { anchor, n }`, `(anchor, 1)`) holds one
        // field when every tracked part is that field.
        let parts: Option<Vec<&Expr>> = match e {
            Expr::Struct(s) if s.rest.is_none() => Some(s.fields.iter().map(|f| &f.expr).collect()),
            Expr::Tuple(t) => Some(t.elems.iter().collect()),
            Expr::Array(a) => Some(a.elems.iter().collect()),
            _ => None,
        };
        if let Some(parts) = parts {
            let mut field: Option<String> = None;
            for part in parts.into_iter().filter(|p| self.derived(p).is_some()) {
                let f = self.field_of(part)?;
                if field.as_ref().is_some_and(|x| *x != f) {
                    return None;
                }
                field = Some(f);
            }
            return field;
        }
        let (id, members) = field_path(chain_base(e))?;
        let b = self.bound(&id)?;
        b.field
            .clone()
            .or_else(|| members.into_iter().find(|m| m != "0"))
    }

    /// Visits `e` as a free-text search term: read, not consumed, but weak evidence.
    fn visit_search(&mut self, e: &Expr) {
        self.search += 1;
        self.visit_benign(e);
        self.search -= 1;
    }

    /// Visits `e` as what a call stores or sends.
    fn visit_stored(&mut self, e: &Expr) {
        self.store += 1;
        self.visit_expr(e);
        self.store -= 1;
    }

    /// Visits `e` as a read that consumes nothing.
    fn visit_benign(&mut self, e: &Expr) {
        self.benign += 1;
        self.visit_expr(e);
        self.benign -= 1;
    }

    /// Records a read of a tracked local (or a field path of one); `true` if it was one.
    fn note_use(&mut self, e: &Expr) -> bool {
        let Some((id, members)) = field_path(e) else {
            return false;
        };
        let Some(b) = self.bound(&id) else {
            return false;
        };
        let field = b
            .field
            .clone()
            .or_else(|| members.into_iter().find(|m| m != "0"));
        let (root, inert, keys) = (b.root, b.inert, b.keys);
        if self.quiet > 0 {
            return true;
        }
        self.notes += 1;
        let consumed = self.benign == 0 && !inert && !keys;
        let searched = self.search > 0 && !inert;
        let stored = consumed && self.store > 0;
        let via = self.call_ctx.last().cloned();
        if let Some(u) = self.uses.get_mut(root) {
            u.note(field.as_deref(), consumed);
            if searched {
                match &field {
                    None => u.searched = true,
                    Some(f) if !u.searched_fields.contains(f) => u.searched_fields.push(f.clone()),
                    Some(_) => {}
                }
            }
            u.stored |= stored;
            if consumed {
                match via {
                    Some(c) if !u.via.contains(&c) => u.via.push(c),
                    Some(_) => {}
                    None => u.direct = true,
                }
            }
        }
        true
    }

    /// The root an expression reads a part of (`&form.0.email` → form's root).
    fn rooted(&self, e: &Expr) -> Option<usize> {
        root_ident(e).and_then(|r| self.root_of_name(&r))
    }

    /// The root an expression is made from: rooted in it, or a struct literal, tuple,
    /// wrapping call, method chain or `?` of such parts.
    fn derived(&self, e: &Expr) -> Option<usize> {
        if let Expr::Block(_) | Expr::Group(_) = e {
            return unwrap_once(e, Peel::Syntax).and_then(|inner| self.derived(inner));
        }
        match e {
            Expr::Struct(s) => s.fields.iter().find_map(|f| self.derived(&f.expr)),
            Expr::Tuple(t) => t.elems.iter().find_map(|x| self.derived(x)),
            Expr::Array(t) => t.elems.iter().find_map(|x| self.derived(x)),
            Expr::Try(t) => self.derived(&t.expr),
            // `match q.path.map(PathBuf::from) { Some(p) => p, None => .. }`.
            Expr::Match(mm) => self.derived(&mm.expr),
            // `if let Some(h) = &q.hash { Some(h.as_str()) } else { .. }`: the value the
            // pattern binds, made into the branch's value.
            Expr::If(i) => match &*i.cond {
                Expr::Let(l) => {
                    let names: Vec<String> = pattern_names(&l.pat)
                        .iter()
                        .map(|p| p.ident.to_string())
                        .collect();
                    block_tail(&i.then_branch)
                        .is_some_and(|t| made_from_names(t, &names))
                        .then(|| self.derived(&l.expr))
                        .flatten()
                }
                _ => None,
            },
            Expr::Reference(r) => self.derived(&r.expr),
            Expr::Paren(p) => self.derived(&p.expr),
            Expr::Unary(u) => self.derived(&u.expr),
            Expr::Field(f) => self.derived(&f.base),
            Expr::Index(i) => self.derived(&i.expr),
            Expr::Await(a) => self.derived(&a.base),
            Expr::MethodCall(m) => self.rooted(e).or_else(|| self.derived(&m.receiver)),
            // `Some(data.token.clone())`, `Wrapper(form.0)`, `Cow::from(&body.name)`.
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => {
                    let segs = crate::engine::usemap::path_names(&p.path);
                    if wraps_argument(&segs) {
                        c.args.iter().find_map(|a| self.derived(a))
                    } else {
                        None
                    }
                }
                _ => None,
            },
            _ => self.rooted(e),
        }
    }

    /// Binds the names of `pat`, which takes its value from `src`, to `root`.
    fn bind(&mut self, pat: &syn::Pat, root: usize, src: &Expr) {
        let field = self.field_of(src);
        if field.is_none() {
            // `let Form { title, body: text, .. } = form.0;`: each name holds its field.
            if let Some(fields) = struct_fields(pat) {
                for (name, f) in fields {
                    self.bindings.push(Bound {
                        name,
                        root,
                        field: Some(f),
                        inert: false,
                        keys: false,
                        dead: false,
                    });
                }
                return;
            }
        }
        // A measure, or a value computed from a local holding one (`let n = len;`).
        let inert = is_measure(src)
            || field_path(chain_base(src))
                .and_then(|(id, _)| self.bound(&id))
                .is_some_and(|b| b.inert);
        let keys = field_path(chain_base(src))
            .and_then(|(id, _)| self.bound(&id))
            .is_some_and(|b| b.keys);
        for p in pattern_names(pat) {
            self.bindings.push(Bound {
                name: p.ident.to_string(),
                root,
                field: field.clone(),
                inert,
                keys,
                dead: false,
            });
        }
    }

    fn mark(&mut self, root: usize) {
        if let Some(v) = self.checked.get_mut(root) {
            *v = true;
        }
    }

    /// Marks the roots of every argument derived from a tracked value.
    fn mark_args<'a>(&mut self, args: impl IntoIterator<Item = &'a Expr>) {
        let roots: Vec<usize> = args.into_iter().filter_map(|a| self.derived(a)).collect();
        for r in roots {
            self.mark(r);
        }
    }

    /// Binds the lets of a let chain (`if let Some(c) = &data.color && c.len() != 7`).
    fn bind_lets(&mut self, cond: &Expr) {
        match cond {
            Expr::Let(l) => match self.derived(&l.expr) {
                Some(r) => self.bind(&l.pat, r, &l.expr),
                None => self.shadow_with(&l.pat, &l.expr),
            },
            Expr::Binary(b) => {
                self.bind_lets(&b.left);
                self.bind_lets(&b.right);
            }
            _ => {}
        }
    }

    /// A condition that checks a tracked value's shape marks its root.
    fn condition(&mut self, cond: &Expr) {
        let mut c = ShapeCheck {
            ev: self,
            found: Vec::new(),
        };
        c.visit_expr(cond);
        for r in c.found {
            self.mark(r);
        }
    }

    /// Macros whose arguments are expressions: the first argument of a checking macro is
    /// a condition; the arguments of any macro are visited as expressions.
    fn visit_macro_args(&mut self, m: &syn::Macro) {
        let name = m
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if is_reporting_macro(&name) {
            // A log line or an error: printed, not stored; what it names is read.
            let mut reads = Vec::new();
            token_reads(m.tokens.clone(), &mut reads, 0);
            for (id, field) in reads {
                if let Some(b) = self.bound(&id) {
                    let (root, field) = (b.root, b.field.clone().or(field));
                    if let Some(u) = self.uses.get_mut(root) {
                        u.note(field.as_deref(), false);
                    }
                }
            }
            return;
        }
        if matches!(
            name.as_str(),
            "assert_eq" | "assert_ne" | "debug_assert_eq" | "debug_assert_ne"
        ) {
            // `assert_eq!(session_state, &q.state)`: a comparison, which passes nothing on.
            if let Ok(args) = m.parse_body_with(
                syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
            ) {
                for a in args.iter().take(2) {
                    self.visit_benign(a);
                }
            }
            return;
        }
        if name == "matches" {
            // `matches!(q.flag, Some(_))`: a test of the value.
            let first = m.parse_body_with(|input: syn::parse::ParseStream| {
                let e: Expr = input.parse()?;
                let _: proc_macro2::TokenStream = input.parse()?;
                Ok(e)
            });
            if let Ok(e) = first {
                self.visit_benign(&e);
            }
            return;
        }
        let Ok(args) = m
            .parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        else {
            // Not expressions (`json!({ "name": body.name })`): a tracked name in it is
            // consumed as a whole.
            let mut ids = Vec::new();
            token_idents(m.tokens.clone(), &mut ids, 0);
            for id in ids {
                if let Some(r) = self.root_of_name(&id) {
                    let consumed = self.benign == 0;
                    if let Some(u) = self.uses.get_mut(r) {
                        u.note(None, consumed);
                    }
                }
            }
            return;
        };
        let checks = is_check_macro(&name);
        // A read-only sqlx query given the payload as parameters looks it up.
        let sql = QUERY_FNS
            .contains(&name.as_str())
            .then(|| {
                args.iter().find_map(|a| match a {
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                })
            })
            .flatten();
        let select = sql.as_deref().is_some_and(is_read_only_sql);
        let search = sql.as_deref().is_some_and(is_search_sql);
        for (i, a) in args.iter().enumerate() {
            if i == 0 && checks {
                self.condition(a);
                self.mark_args([a]);
            }
            // Inline captures of a format string: `format!("{name}")`.
            if let Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(lit),
                ..
            }) = a
            {
                if !(checks || select) {
                    for id in inline_captures(&lit.value()) {
                        if let Ok(p) = syn::parse_str::<Expr>(&id) {
                            self.note_use(&p);
                        }
                    }
                }
            }
            if sql.as_deref().is_some_and(is_insert_sql) {
                self.visit_stored(a);
            } else if select && search {
                self.visit_search(a);
            } else if checks || select {
                self.visit_benign(a);
            } else {
                self.visit_expr(a);
            }
        }
    }
}

/// Finds shape checks of tracked values inside a condition: `name.len() > 100`,
/// `body.email.contains('@')`, `EMAIL_RE.is_match(&form.email)`, `is_valid(&x)`.
struct ShapeCheck<'e> {
    ev: &'e Evidence,
    found: Vec<usize>,
}

impl ShapeCheck<'_> {
    fn note<'a>(&mut self, exprs: impl IntoIterator<Item = &'a Expr>) {
        self.found
            .extend(exprs.into_iter().filter_map(|e| self.ev.derived(e)));
    }
}

impl<'ast> Visit<'ast> for ShapeCheck<'_> {
    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        use syn::BinOp::*;
        // A bound on a measure held in a local: `let len = body.bio.len(); if len > 500`.
        if matches!(b.op, Lt(_) | Le(_) | Gt(_) | Ge(_)) {
            for side in [&*b.left, &*b.right] {
                let measured = root_ident(side)
                    .and_then(|id| self.ev.bound(&id))
                    .is_some_and(|bd| bd.inert);
                if measured || is_measure(side) {
                    self.note([side]);
                }
            }
        }
        syn::visit::visit_expr_binary(self, b);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        let checking = is_checking_fn(&method);
        if SHAPE_CHECKS.contains(&method.as_str()) || checking {
            self.note([&*m.receiver]);
            if checking || ARGUMENT_CHECKS.contains(&method.as_str()) {
                self.note(&m.args);
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            if p.path.segments.last().is_some_and(|s| {
                let f = s.ident.to_string();
                is_checking_fn(&f) || f.starts_with("is_")
            }) {
                self.note(&c.args);
            }
        }
        syn::visit::visit_expr_call(self, c);
    }
}

impl<'ast> Visit<'ast> for Evidence {
    fn visit_expr(&mut self, e: &'ast Expr) {
        // Deeply nested bodies: the parser's limit is far above what real code has, and
        // the evidence needs no more than this.
        if self.depth > 256 {
            return;
        }
        // A read of a tracked value (or a field of one): nothing more inside.
        if matches!(e, Expr::Path(_) | Expr::Field(_)) && self.note_use(e) {
            return;
        }
        self.depth += 1;
        syn::visit::visit_expr(self, e);
        self.depth -= 1;
    }

    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        use syn::BinOp::*;
        // A comparison tests its operands; it passes neither on.
        if matches!(b.op, Eq(_) | Ne(_) | Lt(_) | Le(_) | Gt(_) | Ge(_)) {
            self.visit_benign(&b.left);
            self.visit_benign(&b.right);
        } else {
            syn::visit::visit_expr_binary(self, b);
        }
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        // `let Ok(v) = base64::decode(&b.blob) else { return .. };`
        if let Some(init) = &l.init {
            if init.diverge.is_some() {
                self.mark_fallible_call(&init.expr);
            }
        }
        if let (Some(init), syn::Pat::Ident(pi)) = (&l.init, &l.pat) {
            if let Some(sql) = query_sql(&init.expr, &self.queries) {
                self.queries.push((pi.ident.to_string(), sql));
            }
        }
        if let Some(init) = &l.init {
            if let Some(r) = self
                .derived(&init.expr)
                .filter(|_| !writes_receiver(&init.expr))
            {
                let before = self.bindings.len();
                self.bind(&l.pat, r, &init.expr);
                // Keys made from the value (`let links = ids.map(account::id::equals)`):
                // reading the local consumes nothing either.
                if self.reads_only_as_keys(r, &init.expr) {
                    for b in &mut self.bindings[before..] {
                        b.keys = true;
                    }
                }
                // What the new local is given is read where the local is read.
                self.quiet += 1;
                self.visit_benign(&init.expr);
                self.quiet -= 1;
                if let Some((_, d)) = &init.diverge {
                    self.visit_expr(d);
                }
                return;
            }
        }
        syn::visit::visit_local(self, l);
        if let Some(init) = &l.init {
            self.shadow_with(&l.pat, &init.expr);
        }
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        // A block's bindings end with it.
        let scope = self.bindings.len();
        syn::visit::visit_block(self, b);
        self.bindings.truncate(scope);
    }

    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        // `while let Some(x) = body.items.pop()`; `if let` chains are bound in
        // `visit_expr_if`, before their condition is read.
        if let Some(r) = self.derived(&l.expr) {
            self.bind(&l.pat, r, &l.expr);
            self.visit_benign(&l.expr);
            return;
        }
        if pattern_names(&l.pat).is_empty() {
            // `if let Some(_) = q.flag`: a presence test.
            self.visit_benign(&l.expr);
            return;
        }
        syn::visit::visit_expr_let(self, l);
        self.shadow_with(&l.pat, &l.expr);
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        // `match base64::decode(&b.blob) { Ok(v) => v, Err(_) => return .. }`.
        if m.arms.iter().any(|a| is_failure_pat(&a.pat)) {
            self.mark_fallible_call(&m.expr);
        }
        let derived = self.derived(&m.expr);
        if let Some(r) = derived {
            // Matching on a measure checks the shape: `match name.len() { 1..=64 => .. }`.
            let measured = is_measure(&m.expr)
                || root_ident(&m.expr)
                    .and_then(|id| self.bound(&id))
                    .is_some_and(|b| b.inert);
            if measured {
                self.mark(r);
            }
        }
        // A matched value is branched on; what its arms bind is tracked.
        if derived.is_some() {
            self.visit_benign(&m.expr);
        } else {
            self.visit_expr(&m.expr);
        }
        // Each arm's bindings hold in that arm only.
        let scope = self.bindings.len();
        for arm in &m.arms {
            match derived {
                Some(r) => self.bind(&arm.pat, r, &m.expr),
                None => self.shadow_with(&arm.pat, &m.expr),
            }
            if let Some((_, g)) = &arm.guard {
                self.condition(g);
                self.visit_benign(g);
            }
            self.visit_expr(&arm.body);
            self.bindings.truncate(scope);
        }
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        let scope = self.bindings.len();
        if let Some(r) = self.derived(&f.expr) {
            self.bind(&f.pat, r, &f.expr);
            self.visit_benign(&f.expr);
            self.visit_block(&f.body);
        } else {
            self.visit_expr(&f.expr);
            self.shadow_with(&f.pat, &f.expr);
            self.visit_block(&f.body);
        }
        self.bindings.truncate(scope);
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        // A hand-written check of the payload's shape (`if name.len() > 100 { return .. }`).
        // What an `if let` binds holds in its first branch only.
        let scope = self.bindings.len();
        self.bind_lets(&i.cond);
        self.condition(&i.cond);
        self.visit_expr(&i.cond);
        self.visit_block(&i.then_branch);
        self.bindings.truncate(scope);
        if let Some((_, e)) = &i.else_branch {
            self.visit_expr(e);
        }
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        let validate = is_validate_method(&method);
        let checking = is_checking_fn(&method);
        if let Some(r) = self.derived(&m.receiver) {
            if validate {
                if let Some(v) = self.validate_called.get_mut(r) {
                    *v = true;
                }
            } else if checking || is_conversion_fn(&method) || m.args.iter().any(names_a_parser) {
                // Also a parser given by name: `q.cursor.as_deref().map(Cursor::decode)`.
                self.mark(r);
            }
            // Closures over the value's parts: `body.tags.iter().map(|t| ..)`; a predicate
            // over them checks them (`records.iter().all(|r| r.raw.len() <= max)`).
            let predicate = PREDICATE_METHODS.contains(&method.as_str());
            for a in &m.args {
                if let Expr::Closure(c) = a {
                    for p in &c.inputs {
                        self.bind(p, r, &m.receiver);
                    }
                    if predicate {
                        self.condition(&c.body);
                    }
                }
            }
        }
        for (i, a) in m.args.iter().enumerate() {
            if let Some(r) = self.derived(a) {
                if checking || validate {
                    self.mark(r);
                }
                let name = method.clone();
                self.passed_to.push((
                    r,
                    Callee {
                        owner: None,
                        name,
                        arg: i,
                    },
                ));
            }
        }
        // Reads that consume nothing: a measure or test of the receiver, a lookup's or a
        // verifier's arguments, a read-only query's bound parameters, an error value.
        let measure = MEASURE_METHODS.contains(&method.as_str());
        let receiver_path = field_path(chain_base(&m.receiver))
            .map(|(id, mut ms)| {
                ms.insert(0, id);
                ms
            })
            .unwrap_or_default();
        let lookup = is_lookup_fn(&method) && !outbound(&receiver_path);
        let verify = is_verify_fn(&method);
        let sql = (method == "bind")
            .then(|| query_sql(&m.receiver, &self.queries))
            .flatten();
        let select = sql.as_deref().is_some_and(is_read_only_sql);
        let search = (select && sql.as_deref().is_some_and(is_search_sql))
            || (lookup && is_search_fn(&method));
        let adapter = ERROR_ADAPTERS.contains(&method.as_str());
        // A delete's arguments are the key of what it deletes.
        let delete = is_delete_fn(&method) && !outbound(&receiver_path);
        // `ids.into_iter().map(account::id::equals)`: each element becomes a key.
        let keyed = method == "map"
            && m.args.iter().any(|a| match a {
                Expr::Path(p) => is_key_constructor(&crate::engine::usemap::path_names(&p.path)),
                _ => false,
            });
        let stores = is_create_fn(&method)
            || (method == "bind" && sql.as_deref().is_some_and(is_insert_sql))
            || (outbound(&receiver_path)
                && matches!(
                    method.as_str(),
                    "get" | "post" | "put" | "patch" | "request"
                ));
        // A read-only query fetching every matching row filters a listing by its
        // parameters (weak evidence), where `fetch_one`/`fetch_optional` look one up.
        let listing = matches!(method.as_str(), "fetch_all" | "fetch" | "fetch_many")
            && query_sql(&m.receiver, &self.queries).is_some_and(|q| is_read_only_sql(&q));
        if listing {
            self.visit_search(&m.receiver);
        } else if measure || verify || keyed || self.flows_into_closure(m) {
            // Measured or verified, not searched for, whatever the call around it.
            let search = std::mem::take(&mut self.search);
            self.visit_benign(&m.receiver);
            self.search = search;
        } else if is_write_fn(&method) {
            self.visit_stored(&m.receiver);
        } else {
            self.visit_expr(&m.receiver);
        }
        for (i, a) in m.args.iter().enumerate() {
            self.call_ctx.push(Callee {
                owner: None,
                name: method.clone(),
                arg: i,
            });
            if search {
                self.visit_search(a);
            } else if measure || lookup || verify || select || adapter || delete {
                self.visit_benign(a);
            } else if stores {
                self.visit_stored(a);
            } else {
                self.visit_expr(a);
            }
            self.call_ctx.pop();
        }
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            if let Some(last) = p.path.segments.last() {
                let f = last.ident.to_string();
                let owner = type_owner(&p.path);
                // `NewUser::try_from(form)`, `Email::parse(form.email)`,
                // `Event::from_message(&req)`, `validate_username(&form.username)`.
                if is_conversion_fn(&f)
                    || is_validate_method(&f)
                    || is_checking_fn(&f)
                    || (owner.is_some() && is_fallible_constructor(&f, false))
                    || (primitive_owner(&p.path) && f.starts_with("from_str"))
                {
                    self.mark_args(&c.args);
                }
                for (i, a) in c.args.iter().enumerate() {
                    if let Some(r) = self.derived(a) {
                        self.passed_to.push((
                            r,
                            Callee {
                                owner: owner.clone(),
                                name: f.clone(),
                                arg: i,
                            },
                        ));
                    }
                }
            }
        }
        // A lookup's or a verifier's arguments, an error's payload: read, not consumed.
        let callee = match &*c.func {
            Expr::Path(p) => p
                .path
                .segments
                .last()
                .map(|l| (type_owner(&p.path), l.ident.to_string())),
            _ => None,
        };
        let (benign, search, stores) = match &*c.func {
            Expr::Path(p) => {
                let segs = crate::engine::usemap::path_names(&p.path);
                let f = segs.last().map(String::as_str).unwrap_or_default();
                let lookup = is_lookup_fn(f) && !outbound(&segs);
                // A query client's filter or key (`account::id::equals(v)`), a delete's
                // key: they name existing records.
                let key = is_key_constructor(&segs) || (is_delete_fn(f) && !outbound(&segs));
                (
                    lookup || key || is_verify_fn(f) || f == "Err",
                    lookup && is_search_fn(f),
                    is_create_fn(f) || outbound(&segs),
                )
            }
            _ => (false, false, false),
        };
        self.visit_expr(&c.func);
        for (i, a) in c.args.iter().enumerate() {
            if let Some((owner, name)) = &callee {
                self.call_ctx.push(Callee {
                    owner: owner.clone(),
                    name: name.clone(),
                    arg: i,
                });
            }
            if stores {
                self.visit_stored(a);
            } else if search {
                self.visit_search(a);
            } else if benign {
                self.visit_benign(a);
            } else {
                self.visit_expr(a);
            }
            if callee.is_some() {
                self.call_ctx.pop();
            }
        }
    }

    fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
        // Fallible only by the `?`: `Domain::new(payload.x)?`,
        // `Scope::new(..).ok_or(E)?`, `decode_invite(&data.token)?`.
        self.mark_fallible_call(&t.expr);
        syn::visit::visit_expr_try(self, t);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.visit_macro_args(m);
    }
}

impl Evidence {
    /// A tracked value handed element by element (or unwrapped) to a closure that makes
    /// the call's result: `body.ids.map(|list| ..)`, `tags.iter().map(|t| ..)`. Its
    /// parameters are bound to the value, so what the closure does with them decides.
    fn flows_into_closure(&self, m: &syn::ExprMethodCall) -> bool {
        matches!(
            m.method.to_string().as_str(),
            "map"
                | "and_then"
                | "for_each"
                | "try_for_each"
                | "filter_map"
                | "flat_map"
                | "map_or"
                | "map_or_else"
                | "then"
        ) && self.derived(&m.receiver).is_some()
            && m.args.iter().any(|a| {
                matches!(a, Expr::Closure(c) if !c.inputs.is_empty()
                    && c.inputs.iter().all(|p| !pattern_names(p).is_empty()))
            })
    }

    /// Whether reading `e`, made from root `r`, consumes nothing of it (every read is a
    /// key, a measure, a test): a dry run of the visit, whose effects are undone.
    fn reads_only_as_keys(&mut self, r: usize, e: &Expr) -> bool {
        let Some(saved) = self.uses.get(r).cloned() else {
            return false;
        };
        let uses = self.uses.clone();
        let (passed, bindings, queries) = (
            self.passed_to.len(),
            self.bindings.len(),
            self.queries.len(),
        );
        let (checked, validate_called) = (self.checked.clone(), self.validate_called.clone());
        let ctx = (self.benign, self.search, self.quiet, self.store);
        let notes = self.notes;
        (self.benign, self.search, self.quiet, self.store) = (0, 0, 0, 0);
        self.visit_expr(e);
        let after = &self.uses[r];
        let consumed = after.whole_consumed != saved.whole_consumed
            || after.consumed != saved.consumed
            || after.direct != saved.direct
            || after.via != saved.via
            || after.stored != saved.stored;
        let read = self.notes > notes;
        (self.benign, self.search, self.quiet, self.store) = ctx;
        self.uses = uses;
        self.passed_to.truncate(passed);
        self.bindings.truncate(bindings);
        self.queries.truncate(queries);
        (self.checked, self.validate_called) = (checked, validate_called);
        read && !consumed
    }

    /// A fallible call whose failure the caller handles (`?`, a `match` or `let .. else`
    /// that rejects the error): `Domain::new(x)`, `base64::decode(&b.blob)`.
    fn mark_fallible_call(&mut self, e: &Expr) {
        let mut inner = e;
        for _ in 0..8 {
            inner = match inner {
                Expr::MethodCall(m) if ERROR_ADAPTERS.contains(&m.method.to_string().as_str()) => {
                    &m.receiver
                }
                Expr::Await(a) => &a.base,
                Expr::Paren(p) => &p.expr,
                _ => break,
            };
        }
        if let Expr::Call(c) = inner {
            if let Expr::Path(p) = &*c.func {
                let fallible = p.path.segments.last().is_some_and(|s| {
                    let f = s.ident.to_string();
                    if type_owner(&p.path).is_some() {
                        is_fallible_constructor(&f, true)
                    } else {
                        is_checking_call(&f)
                    }
                });
                if fallible {
                    self.mark_args(&c.args);
                }
            }
        }
    }
}

/// The names a struct pattern binds to its fields directly, with the field each holds:
/// `NewPost { title, body: text, .. }` → `(title, title)`, `(text, body)`; also inside a
/// one-element wrapper (`Json(NewPost { .. })`, `web::Form(..)`). `None` if the pattern
/// is not one, or binds anything else (a nested pattern).
fn struct_fields(pat: &syn::Pat) -> Option<Vec<(String, String)>> {
    let mut pat = pat;
    for _ in 0..4 {
        pat = match pat {
            syn::Pat::TupleStruct(t) if t.elems.len() == 1 => &t.elems[0],
            syn::Pat::Reference(r) => &r.pat,
            syn::Pat::Paren(p) => &p.pat,
            syn::Pat::Struct(s) => {
                let mut out = Vec::new();
                for f in &s.fields {
                    let syn::Member::Named(member) = &f.member else {
                        return None;
                    };
                    match &*f.pat {
                        syn::Pat::Ident(i) if i.subpat.is_none() => {
                            out.push((i.ident.to_string(), member.to_string()))
                        }
                        syn::Pat::Wild(_) => {}
                        _ => return None,
                    }
                }
                return Some(out);
            }
            _ => return None,
        };
    }
    None
}

/// A pattern that matches a failure: `Err(..)`, `None`.
fn is_failure_pat(p: &syn::Pat) -> bool {
    match p {
        syn::Pat::TupleStruct(t) => t.path.segments.last().is_some_and(|s| s.ident == "Err"),
        syn::Pat::Ident(i) => i.ident == "None",
        syn::Pat::Path(pp) => pp.path.is_ident("None"),
        syn::Pat::Or(o) => o.cases.iter().any(is_failure_pat),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validated(body: &str) -> bool {
        let block: syn::Block = syn::parse_str(&format!("{{ {body} }}")).unwrap();
        Evidence::new(vec![vec!["data".into()]])
            .scan(&block)
            .validated(0)
    }

    #[test]
    fn forms_of_validation() {
        for b in [
            "data.validate()?;",
            "let d = data.into_inner(); d.validate()?;",
            "let x: Domain = data.try_into()?;",
            "let x = Domain::try_from(data)?;",
            "let e = Email::parse(data.email)?;",
            "let n = Name::new(data.name)?;",
            "validate_username(&data.username)?;",
            "if data.name.len() > 100 { return Err(E); }",
            "if let Some(s) = &data.summary { summary_length_check(s)?; }",
            "if !EMAIL.is_match(&data.email) { return Err(E); }",
            "ensure!(data.title.len() <= 200, E);",
            "let Form { title, .. } = data; if title.is_empty() { return Err(E); }",
            "for t in &data.tags { check_tag(t)?; }",
            "match data.kind.as_str() { k if k.len() > 3 => {}, _ => {} }",
            "let ev = CreateEvent::from_message(ident, &data, qs)?;",
            "let v = Value::new_scope(&data.scope).ok_or_else(|| E)?;",
            "check_totp(&user, &Some(data.token.clone()))?;",
            "if let Some(c) = &data.color && c.len() != 7 { return Err(E); }",
            "let claims = decode_invite(&data.token)?;",
            "let ev = match CreateEvent::from_message(&data) { Ok(e) => e, Err(e) => return Err(e) };",
            "let keep = data.items.iter().all(|r| r.raw.len() <= max); if !keep { return Err(E); }",
        ] {
            assert!(validated(b), "{b}");
        }
    }

    #[test]
    fn not_validation() {
        for b in [
            "repo.insert(&data.name).await?;",
            "let n = data.name.clone(); println!(\"{n}\");",
            "if other.len() > 3 { return Err(E); }",
            "let x = Domain::from(data);",
            "service.create(data).await?;",
            "App::insert(&conn, data)?;",
            "let x = repo::from_row(data)?;",
        ] {
            assert!(!validated(b), "{b}");
        }
    }

    fn uses(body: &str) -> Uses {
        let block: syn::Block = syn::parse_str(&format!("{{ {body} }}")).unwrap();
        Evidence::new(vec![vec!["data".into()]]).scan(&block).uses[0].clone()
    }

    #[test]
    fn reads_that_consume_nothing() {
        let name = ["name".to_string()];
        for b in [
            "let u = db.find_user_by_name(&data.name).await.ok_or(E)?;",
            "let n = data.name.as_str(); match db.get_user(n).await { Some(u) => u, None => return Err(format!(\"no {n}\")) };",
            "if data.name.is_some() { x() }",
            "let v = data.name.is_some(); let v = v; call(v);",
            "let flag = matches!(data.name, Some(_)); call(flag);",
            "if let Some(_) = data.name { x() }",
            "data.name.as_deref() == Some(\"1\")",
            "auth.authenticate(&data.name, &data.password).await?;",
            "sqlx::query(\"SELECT id FROM t WHERE name = $1\").bind(&data.name).fetch_optional(&p).await?;",
            "let q = sqlx::query(\"SELECT id FROM t WHERE name = $1\"); q.bind(&data.name).fetch_one(&p).await?;",
            "tracing::info!(name = %data.name, \"seen\");",
        ] {
            assert_eq!(uses(b).strength(Some(&name)), Strength::Nothing, "{b}");
        }
    }

    #[test]
    fn reads_that_consume() {
        let name = ["name".to_string()];
        for b in [
            "repo.insert(&data.name).await?;",
            "let n = data.name.trim(); repo.save(n).await;",
            "let n = { data }; repo.save(n.name).await;",
            "let n = (data.name); repo.save(format!(\"{n}!\")).await;",
            "db.find_or_create_tag(&data.name).await;",
            "sqlx::query(\"INSERT INTO t (name) VALUES ($1)\").bind(&data.name).execute(&p).await?;",
            "repo.save(serde_json::json!({ \"n\": data.name })).await;",
            "data.name",
        ] {
            assert_eq!(uses(b).strength(Some(&name)), Strength::Strong, "{b}");
        }
        assert!(uses("repo.insert(&data.name).await?;").stored);
        assert!(!uses("let x = data.name.clone(); x").stored);
        // Never read, or only as a search term: weak.
        assert_eq!(uses("x()").strength(Some(&name)), Strength::Weak);
        assert_eq!(
            uses("sqlx::query(\"SELECT id FROM t WHERE name ILIKE $1\").bind(&data.name).fetch_all(&p).await?;")
                .strength(Some(&name)),
            Strength::Weak
        );
    }

    #[test]
    fn destructured_fields_are_read_per_field() {
        let pat: syn::Pat = syn::parse_quote!(Json(Req { slug, title: t, .. }));
        let block: syn::Block =
            syn::parse_str("{ let p = db.find_by_slug(&slug)?; db.update(p.id, t); }").unwrap();
        let u = Evidence::for_pattern(&pat, vec!["slug".into(), "t".into()])
            .scan(&block)
            .uses[0]
            .clone();
        assert_eq!(u.consumed, vec!["title".to_string()]);
        assert!(u.read.contains(&"slug".to_string()));
        assert!(field_matches("Shared.channel", "channel"));
        assert!(!field_matches("Shared.xchannel", "channel"));
    }

    #[test]
    fn passed_to_functions() {
        let block: syn::Block =
            syn::parse_str("{ let d = data.0; svc.create(&pool, d).await?; register(d); }")
                .unwrap();
        let ev = Evidence::new(vec![vec!["data".into()]]).scan(&block);
        let names: Vec<(&str, usize)> = ev
            .passed_to
            .iter()
            .map(|(_, c)| (c.name.as_str(), c.arg))
            .collect();
        assert!(names.contains(&("create", 1)));
        assert!(names.contains(&("register", 0)));
        let block: syn::Block = syn::parse_str("{ App::insert(&conn, data)?; }").unwrap();
        let ev = Evidence::new(vec![vec!["data".into()]]).scan(&block);
        assert_eq!(ev.passed_to[0].1.owner.as_deref(), Some("App"));
    }
}
