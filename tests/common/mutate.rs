//! Source mutators for the metamorphic tests: rewrites of a Rust file found with `syn`
//! and applied as text edits at the spans it reports, so everything not rewritten keeps
//! its bytes. Every meaning-preserving rewrite except [`Kind::Reorder`] keeps every line
//! where it was (edits neither add nor remove line breaks); `Reorder` moves whole lines
//! and says where each went in [`Mutated::line_map`].
//!
//! A mutation is found as a list of *sites* (each a set of edits that belong together,
//! e.g. a renamed binding and all its uses); a variant applies all sites of one kind at
//! once, and a single site can be applied alone to pin down which one changes a result.

// Each test crate that includes this module uses some of its items.
#![allow(dead_code)]

use proc_macro2::{LineColumn, Span, TokenStream, TokenTree};
use std::collections::BTreeSet;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Block, Expr, FnArg, Item, Pat, Stmt};

/// How a shadowing `let` repeats the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Style {
    /// `let x = x;`
    Plain,
    /// `let x = (x);`
    Paren,
    /// `let x = { x };`
    Block,
}

impl Style {
    fn rhs(self, name: &str) -> String {
        match self {
            Style::Plain => name.to_string(),
            Style::Paren => format!("({name})"),
            Style::Block => format!("{{ {name} }}"),
        }
    }
}

/// A rewrite that keeps the program's meaning: findings must not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Each simple parameter re-bound at the start of the body.
    ShadowParams(Style),
    /// Each simple `let`-bound name re-bound right after its `let`.
    ShadowLets(Style),
    /// Uses of locals in expressions parenthesised (`x` → `(x)`), also in the arguments
    /// of formatting and logging macros.
    Paren,
    /// Every local binding renamed `name_` (see [`renamed`]) with all its uses, inline
    /// format captures and `#[instrument]` arguments.
    Rename,
    /// The first-evaluated call or macro of a statement pulled into a `let tmp_N` just
    /// before it, on the same line.
    Extract,
    /// Every function body's statements wrapped in one more block.
    WrapBody,
    /// Runs of expression statements wrapped in a block.
    WrapStmts,
    /// Private free functions moved into an `impl` of a new unit struct, their uses
    /// rewritten `Holder::f`.
    Associate,
    /// The movable top-level items in reverse order (lines move; see the line map).
    Reorder,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::ShadowParams(Style::Plain),
        Kind::ShadowParams(Style::Paren),
        Kind::ShadowParams(Style::Block),
        Kind::ShadowLets(Style::Plain),
        Kind::ShadowLets(Style::Paren),
        Kind::ShadowLets(Style::Block),
        Kind::Paren,
        Kind::Rename,
        Kind::Extract,
        Kind::WrapBody,
        Kind::WrapStmts,
        Kind::Associate,
        Kind::Reorder,
    ];

    pub fn name(self) -> String {
        match self {
            Kind::ShadowParams(s) => format!("shadow-params-{s:?}").to_lowercase(),
            Kind::ShadowLets(s) => format!("shadow-lets-{s:?}").to_lowercase(),
            k => format!("{k:?}").to_lowercase(),
        }
    }
}

/// A rewrite that may change the meaning (self-referencing `let`s of every shape): the
/// analysis must finish, its findings are not compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hostile {
    /// `let x = x.trim();`
    Trim,
    /// `let x = &*x;`
    DerefRef,
    /// `let x = x.clone();`
    Clone,
    /// `let x = x.as_str();`
    AsStr,
    /// `let x = &x;`
    Ref,
    /// `let x = std::convert::identity(x);`
    Call,
    /// `let (x, y) = (y, x);` (`(x, x)` with one name)
    Swap,
    /// `let Some(x) = x else { return };`
    LetElse,
    /// `if let Some(x) = x { let _ = x; }`
    IfLet,
    /// `let x = match x { x => x };`
    Match,
    /// `let x = (|x| x)(x);`
    Closure,
    /// `for x in x { let _ = x; }`
    For,
    /// `let x = format!("{x}{}", x);`
    Format,
}

impl Hostile {
    pub const ALL: [Hostile; 13] = [
        Hostile::Trim,
        Hostile::DerefRef,
        Hostile::Clone,
        Hostile::AsStr,
        Hostile::Ref,
        Hostile::Call,
        Hostile::Swap,
        Hostile::LetElse,
        Hostile::IfLet,
        Hostile::Match,
        Hostile::Closure,
        Hostile::For,
        Hostile::Format,
    ];

    pub fn name(self) -> String {
        format!("self-ref-{self:?}").to_lowercase()
    }

    fn stmt(self, x: &str, other: Option<&str>) -> String {
        match self {
            Hostile::Trim => format!("let {x} = {x}.trim();"),
            Hostile::DerefRef => format!("let {x} = &*{x};"),
            Hostile::Clone => format!("let {x} = {x}.clone();"),
            Hostile::AsStr => format!("let {x} = {x}.as_str();"),
            Hostile::Ref => format!("let {x} = &{x};"),
            Hostile::Call => format!("let {x} = std::convert::identity({x});"),
            Hostile::Swap => match other {
                Some(y) => format!("let ({x}, {y}) = ({y}, {x});"),
                None => format!("let ({x}, _) = ({x}, {x});"),
            },
            Hostile::LetElse => format!("let Some({x}) = {x} else {{ return }};"),
            Hostile::IfLet => format!("if let Some({x}) = {x} {{ let _ = {x}; }}"),
            Hostile::Match => format!("let {x} = match {x} {{ {x} => {x} }};"),
            Hostile::Closure => format!("let {x} = (|{x}| {x})({x});"),
            Hostile::For => format!("for {x} in {x} {{ let _ = {x}; }}"),
            Hostile::Format => format!("let {x} = format!(\"{{{x}}}{{}}\", {x});"),
        }
    }
}

/// One text replacement: bytes `start..end` of the original become `text`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Edits that belong together, with a short description of where they are.
#[derive(Debug, Clone)]
pub struct Site {
    pub what: String,
    pub edits: Vec<Edit>,
}

/// A rewritten file.
#[derive(Debug, Clone)]
pub struct Mutated {
    pub text: String,
    /// `line_map[l - 1]` is the line of the result holding what was on line `l`.
    pub line_map: Vec<usize>,
}

impl Mutated {
    pub fn identity(text: &str) -> Mutated {
        Mutated {
            text: text.to_string(),
            line_map: (1..=line_count(text)).collect(),
        }
    }

    /// Applies `then` to this result, composing the line maps.
    pub fn then(self, then: impl FnOnce(&str) -> Mutated) -> Mutated {
        let next = then(&self.text);
        let line_map = self
            .line_map
            .iter()
            .map(|&l| next.line_map.get(l - 1).copied().unwrap_or(l))
            .collect();
        Mutated {
            text: next.text,
            line_map,
        }
    }
}

fn line_count(text: &str) -> usize {
    text.split('\n').count()
}

/// Byte offsets of the file's lines, for turning span positions into offsets.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// The byte offset of a span position (1-based line, column in characters).
    fn offset(&self, at: LineColumn) -> usize {
        let Some(&start) = self.starts.get(at.line.wrapping_sub(1)) else {
            return self.text.len();
        };
        let line = &self.text[start..];
        start
            + line
                .char_indices()
                .nth(at.column)
                .map_or(line.len(), |(i, _)| i)
    }

    fn start(&self, s: Span) -> usize {
        self.offset(s.start())
    }

    fn end(&self, s: Span) -> usize {
        self.offset(s.end())
    }

    fn src(&self, s: Span) -> &'a str {
        &self.text[self.start(s)..self.end(s).max(self.start(s))]
    }
}

/// The span of a whole syntax node, from its first token to its last (the fallback span
/// of `Spanned::span` is only the first token's when joining fails).
fn full_span<T: quote::ToTokens>(node: &T) -> Option<(LineColumn, LineColumn)> {
    let mut first = None;
    let mut last = None;
    for tt in node.to_token_stream() {
        let s = tt.span();
        if first.is_none() {
            first = Some(s.start());
        }
        last = Some(s.end());
    }
    Some((first?, last?))
}

fn insert(at: usize, text: impl Into<String>) -> Edit {
    Edit {
        start: at,
        end: at,
        text: text.into(),
    }
}

/// Applies edits (which must not overlap, except insertions at one point, kept in
/// order) to `text`.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<(usize, &Edit)> = edits.iter().enumerate().collect();
    sorted.sort_by_key(|(i, e)| (e.start, e.end, *i));
    let mut out = String::with_capacity(text.len() + 64 * edits.len());
    let mut at = 0;
    for (_, e) in sorted {
        if e.start < at {
            // Overlapping edit: keep the first.
            continue;
        }
        out.push_str(&text[at..e.start]);
        out.push_str(&e.text);
        at = e.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The sites of `kind` in `text`, or `None` when the file does not parse.
pub fn sites(kind: Kind, text: &str) -> Option<Vec<Site>> {
    let file = syn::parse_file(text).ok()?;
    let lines = Lines::new(text);
    let out = match kind {
        Kind::ShadowParams(style) => shadow_params(&file, &lines, style),
        Kind::ShadowLets(style) => shadow_lets(&file, &lines, style),
        Kind::Paren => paren(&file, &lines),
        Kind::Rename => rename(&file, &lines),
        Kind::Extract => extract(&file, &lines),
        Kind::WrapBody => wrap_body(&file, &lines),
        Kind::WrapStmts => wrap_stmts(&file, &lines),
        Kind::Associate => associate(&file, &lines),
        Kind::Reorder => Vec::new(),
    };
    drop(file);
    proc_macro2::extra::invalidate_current_thread_spans();
    Some(out)
}

/// Applies the given sites of `kind` (all of them: `only == None`) to `text`.
pub fn mutate(kind: Kind, text: &str, only: Option<usize>) -> Option<Mutated> {
    if kind == Kind::Reorder {
        return reorder(text);
    }
    let sites = sites(kind, text)?;
    let edits: Vec<Edit> = match only {
        None => sites.into_iter().flat_map(|s| s.edits).collect(),
        Some(i) => sites.into_iter().nth(i)?.edits,
    };
    let out = apply_edits(text, &edits);
    debug_assert_eq!(line_count(&out), line_count(text), "{kind:?}");
    Some(Mutated {
        line_map: (1..=line_count(text)).collect(),
        text: out,
    })
}

/// Applies the hostile rewrite `h` at every simple parameter and `let`.
pub fn hostile(h: Hostile, text: &str) -> Option<String> {
    hostile_with(text, |_| h)
}

/// Hostile rewrites at every simple parameter and `let`, the `i`th site getting
/// `pick(i)` (a mix of shapes in one file).
pub fn hostile_with(text: &str, pick: impl Fn(usize) -> Hostile) -> Option<String> {
    let file = syn::parse_file(text).ok()?;
    let lines = Lines::new(text);
    let mut edits = Vec::new();
    for f in fns(&file) {
        let names: Vec<(String, bool)> = simple_params(f.inputs);
        let at = lines.end(f.block.brace_token.span.open());
        for (i, (x, _)) in names.iter().enumerate() {
            let other = names.get(i + 1).map(|(y, _)| y.as_str());
            let h = pick(edits.len());
            edits.push(insert(at, format!(" {}", h.stmt(x, other))));
        }
    }
    for (local, name, _) in lets(&file) {
        let at = lines.end(local.semi_token.span);
        let h = pick(edits.len());
        edits.push(insert(at, format!(" {}", h.stmt(&name, None))));
    }
    drop(file);
    proc_macro2::extra::invalidate_current_thread_spans();
    if edits.is_empty() {
        return None;
    }
    Some(apply_edits(text, &edits))
}

// ------------------------------------------------------------------ syntax helpers

/// A function with a body: free, associated or a trait's default.
struct FnRef<'a> {
    name: &'a syn::Ident,
    inputs: &'a Punctuated<FnArg, syn::Token![,]>,
    block: &'a Block,
}

fn fns(file: &syn::File) -> Vec<FnRef<'_>> {
    #[derive(Default)]
    struct V<'a>(Vec<FnRef<'a>>);
    impl<'a> Visit<'a> for V<'a> {
        fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
            self.0.push(FnRef {
                name: &f.sig.ident,
                inputs: &f.sig.inputs,
                block: &f.block,
            });
            visit::visit_item_fn(self, f);
        }
        fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
            self.0.push(FnRef {
                name: &f.sig.ident,
                inputs: &f.sig.inputs,
                block: &f.block,
            });
            visit::visit_impl_item_fn(self, f);
        }
        fn visit_trait_item_fn(&mut self, f: &'a syn::TraitItemFn) {
            if let Some(b) = &f.default {
                self.0.push(FnRef {
                    name: &f.sig.ident,
                    inputs: &f.sig.inputs,
                    block: b,
                });
            }
            visit::visit_trait_item_fn(self, f);
        }
    }
    let mut v = V::default();
    v.visit_file(file);
    v.0
}

/// `(name, mut)` of a simple binding pattern (`x`, `mut x`, `x: T`), not `ref`, not `_`,
/// not a capitalised name (a unit struct or variant), not `self`.
fn simple_binding(pat: &Pat) -> Option<(String, bool)> {
    match pat {
        Pat::Type(t) => simple_binding(&t.pat),
        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
            let name = p.ident.to_string();
            local_name(&name).then_some((name, p.mutability.is_some()))
        }
        _ => None,
    }
}

/// A name a local binding can have that the mutators handle.
fn local_name(name: &str) -> bool {
    name != "self"
        && !name.starts_with("r#")
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_lowercase() || c == '_')
        && name.chars().any(|c| c != '_')
}

fn simple_params(inputs: &Punctuated<FnArg, syn::Token![,]>) -> Vec<(String, bool)> {
    inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(t) => simple_binding(&t.pat),
            FnArg::Receiver(_) => None,
        })
        .collect()
}

/// Every `let` with a simple pattern and an initializer, no `else`, in any function.
fn lets(file: &syn::File) -> Vec<(&syn::Local, String, bool)> {
    #[derive(Default)]
    struct V<'a>(Vec<(&'a syn::Local, String, bool)>);
    impl<'a> Visit<'a> for V<'a> {
        fn visit_local(&mut self, l: &'a syn::Local) {
            if let (Some((name, m)), Some(init)) = (simple_binding(&l.pat), &l.init) {
                if init.diverge.is_none() {
                    self.0.push((l, name, m));
                }
            }
            visit::visit_local(self, l);
        }
    }
    let mut v = V::default();
    v.visit_file(file);
    v.0
}

fn shadow_stmt(name: &str, mutable: bool, style: Style) -> String {
    let m = if mutable { "mut " } else { "" };
    format!("let {m}{name} = {};", style.rhs(name))
}

fn shadow_params(file: &syn::File, lines: &Lines, style: Style) -> Vec<Site> {
    let mut out = Vec::new();
    for f in fns(file) {
        let at = lines.end(f.block.brace_token.span.open());
        for (name, m) in simple_params(f.inputs) {
            out.push(Site {
                what: format!("fn {}: parameter `{name}`", f.name),
                edits: vec![insert(at, format!(" {}", shadow_stmt(&name, m, style)))],
            });
        }
    }
    out
}

fn shadow_lets(file: &syn::File, lines: &Lines, style: Style) -> Vec<Site> {
    lets(file)
        .into_iter()
        .map(|(l, name, m)| {
            let line = l.let_token.span.start().line;
            Site {
                what: format!("line {line}: `let {name}`"),
                edits: vec![insert(
                    lines.end(l.semi_token.span),
                    format!(" {}", shadow_stmt(&name, m, style)),
                )],
            }
        })
        .collect()
}

/// Every identifier bound by a pattern inside `node` (parameters, `let`s, closures,
/// `match` arms, `for`), lowercase names only.
fn bound_names<'a>(visit_node: impl FnOnce(&mut dyn Visit<'a>)) -> BTreeSet<String> {
    #[derive(Default)]
    struct V(BTreeSet<String>);
    impl<'a> Visit<'a> for V {
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            let name = p.ident.to_string();
            if local_name(&name) {
                self.0.insert(name);
            }
            visit::visit_pat_ident(self, p);
        }
        // Nested items have their own locals.
        fn visit_item(&mut self, _: &'a Item) {}
    }
    let mut v = V::default();
    visit_node(&mut v);
    v.0
}

/// Names of the file's items (functions, consts, statics, modules…) anywhere in it: a
/// single-segment path with one of these names may not be a local.
fn item_names(file: &syn::File) -> BTreeSet<String> {
    #[derive(Default)]
    struct V(BTreeSet<String>);
    impl<'a> Visit<'a> for V {
        fn visit_item(&mut self, i: &'a Item) {
            let id = match i {
                Item::Fn(f) => Some(&f.sig.ident),
                Item::Const(c) => Some(&c.ident),
                Item::Static(s) => Some(&s.ident),
                Item::Mod(m) => Some(&m.ident),
                Item::Macro(m) => m.ident.as_ref(),
                _ => None,
            };
            if let Some(id) = id {
                self.0.insert(id.to_string());
            }
            visit::visit_item(self, i);
        }
        fn visit_use_name(&mut self, u: &'a syn::UseName) {
            self.0.insert(u.ident.to_string());
        }
        fn visit_use_rename(&mut self, u: &'a syn::UseRename) {
            self.0.insert(u.rename.to_string());
        }
        fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
            visit::visit_impl_item_fn(self, f);
        }
    }
    let mut v = V::default();
    v.visit_file(file);
    v.0
}

/// The formatting and logging macros whose arguments are plain expressions.
const FORMAT_MACROS: &[&str] = &[
    "format",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "panic",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "format_args",
    "unreachable",
    "todo",
    "unimplemented",
    "info",
    "warn",
    "error",
    "debug",
    "trace",
    "anyhow",
    "bail",
    "ensure",
    "query",
    "query_as",
    "query_scalar",
];

/// The arguments of a formatting macro, when its tokens are comma-separated expressions.
fn macro_args(m: &syn::Macro) -> Option<Punctuated<Expr, syn::Token![,]>> {
    let last = m.path.segments.last()?.ident.to_string();
    if !FORMAT_MACROS.contains(&last.as_str()) {
        return None;
    }
    m.parse_body_with(Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        .ok()
}

// ------------------------------------------------------------------ parenthesise

fn paren(file: &syn::File, lines: &Lines) -> Vec<Site> {
    struct V<'a, 'l> {
        lines: &'l Lines<'a>,
        locals: BTreeSet<String>,
        out: Vec<Site>,
    }
    impl<'ast> V<'_, '_> {
        fn wrap(&mut self, p: &'ast syn::ExprPath) {
            if p.qself.is_some() || p.path.leading_colon.is_some() || p.path.segments.len() != 1 {
                return;
            }
            let seg = &p.path.segments[0];
            let name = seg.ident.to_string();
            if !matches!(seg.arguments, syn::PathArguments::None) || !self.locals.contains(&name) {
                return;
            }
            let s = seg.ident.span();
            self.out.push(Site {
                what: format!("line {}: `{name}`", s.start().line),
                edits: vec![
                    insert(self.lines.start(s), "("),
                    insert(self.lines.end(s), ")"),
                ],
            });
        }
        fn with_locals(&mut self, locals: BTreeSet<String>, f: impl FnOnce(&mut Self)) {
            let saved = std::mem::replace(&mut self.locals, locals);
            f(self);
            self.locals = saved;
        }
    }
    impl<'ast> Visit<'ast> for V<'_, '_> {
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            let locals = bound_names(|v| {
                for a in &f.sig.inputs {
                    v.visit_fn_arg(a);
                }
                v.visit_block(&f.block);
            });
            self.with_locals(locals, |s| visit::visit_item_fn(s, f));
        }
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            let locals = bound_names(|v| {
                for a in &f.sig.inputs {
                    v.visit_fn_arg(a);
                }
                v.visit_block(&f.block);
            });
            self.with_locals(locals, |s| visit::visit_impl_item_fn(s, f));
        }
        fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
            let locals = bound_names(|v| {
                for a in &f.sig.inputs {
                    v.visit_fn_arg(a);
                }
                if let Some(b) = &f.default {
                    v.visit_block(b);
                }
            });
            self.with_locals(locals, |s| visit::visit_trait_item_fn(s, f));
        }
        fn visit_expr(&mut self, e: &'ast Expr) {
            match e {
                Expr::Path(p) => self.wrap(p),
                // A called path stays as written (`f(x)`, not `(f)(x)`).
                Expr::Call(c) if matches!(&*c.func, Expr::Path(_)) => {
                    for a in &c.args {
                        self.visit_expr(a);
                    }
                }
                // Shorthand fields (`S { x }`) stay as written.
                Expr::Struct(s) => {
                    for f in &s.fields {
                        if f.colon_token.is_some() {
                            self.visit_expr(&f.expr);
                        }
                    }
                    if let Some(r) = &s.rest {
                        self.visit_expr(r);
                    }
                }
                _ => visit::visit_expr(self, e),
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            if let Some(args) = macro_args(m) {
                for a in &args {
                    match a {
                        // `name = value`: only the value.
                        Expr::Assign(a) => self.visit_expr(&a.right),
                        a => self.visit_expr(a),
                    }
                }
            }
        }
        fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}
    }
    let mut v = V {
        lines,
        locals: BTreeSet::new(),
        out: Vec::new(),
    };
    v.visit_file(file);
    v.out
}

// ------------------------------------------------------------------ rename

/// The new name of a renamed local: a trailing underscore, `password_`, which keeps its
/// words as backlint splits them. (A word would not keep the meaning: backlint reads the
/// words after a credential word as what the value is, so `password_v2` names a version
/// as `password_hash` names a hash, and the words before it as whose it is, so
/// `v2_app_password` is no longer an app password.)
pub fn renamed(name: &str) -> String {
    format!("{name}_")
}

/// Renames in one function's tokens: bindings, paths, shorthand fields, macro tokens and
/// format captures.
struct Renamer<'a, 'l> {
    lines: &'l Lines<'a>,
    names: BTreeSet<String>,
    edits: Vec<Edit>,
}

impl Renamer<'_, '_> {
    fn rename_ident(&mut self, id: &proc_macro2::Ident) {
        let name = id.to_string();
        if self.names.contains(&name) {
            let s = id.span();
            self.edits.push(Edit {
                start: self.lines.start(s),
                end: self.lines.end(s),
                text: renamed(&name),
            });
        }
    }

    /// `{name}` / `{name:…}` captures in a string literal's source text.
    fn rename_captures(&mut self, lit: &proc_macro2::Literal) {
        let s = lit.span();
        let src = self.lines.src(s);
        if !(src.starts_with('"') || src.starts_with("r\"") || src.starts_with("r#")) {
            return;
        }
        let base = self.lines.start(s);
        let b = src.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'{' {
                if b.get(i + 1) == Some(&b'{') {
                    i += 2;
                    continue;
                }
                let start = i + 1;
                let mut j = start;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                if j > start && matches!(b.get(j), Some(b'}') | Some(b':')) {
                    let name = &src[start..j];
                    if self.names.contains(name) {
                        self.edits.push(Edit {
                            start: base + start,
                            end: base + j,
                            text: renamed(name),
                        });
                    }
                }
                i = j.max(i + 1);
            } else if b[i] == b'}' && b.get(i + 1) == Some(&b'}') {
                i += 2;
            } else {
                i += 1;
            }
        }
    }

    /// Identifier tokens of a macro's body that may be locals: not after `.` or `::`,
    /// not before `::`, `!` or a lone `:`.
    fn rename_tokens(&mut self, ts: TokenStream) {
        let tts: Vec<TokenTree> = ts.into_iter().collect();
        for (i, tt) in tts.iter().enumerate() {
            match tt {
                TokenTree::Group(g) => self.rename_tokens(g.stream()),
                TokenTree::Literal(l) => self.rename_captures(l),
                TokenTree::Ident(id) => {
                    let punct = |k: usize| match tts.get(k) {
                        Some(TokenTree::Punct(p)) => Some(p.as_char()),
                        _ => None,
                    };
                    let prev = i.checked_sub(1).and_then(punct);
                    let next = punct(i + 1);
                    let path_before = prev == Some(':') && i >= 2 && punct(i - 2) == Some(':');
                    if prev == Some('.') || path_before || next == Some('!') || next == Some(':') {
                        continue;
                    }
                    self.rename_ident(id);
                }
                TokenTree::Punct(_) => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for Renamer<'_, '_> {
    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        self.rename_ident(&p.ident);
        visit::visit_pat_ident(self, p);
    }
    fn visit_field_pat(&mut self, f: &'ast syn::FieldPat) {
        if f.colon_token.is_none() {
            if let (Pat::Ident(p), syn::Member::Named(m)) = (&*f.pat, &f.member) {
                if self.names.contains(&m.to_string()) && p.by_ref.is_none() {
                    // `S { x }` → `S { x: x_ }` (also `S { mut x }`).
                    let mutable = if p.mutability.is_some() { "mut " } else { "" };
                    let (a, b) = full_span(&*f.pat).unwrap();
                    self.edits.push(Edit {
                        start: self.lines.offset(a),
                        end: self.lines.offset(b),
                        text: format!("{m}: {mutable}{}", renamed(&m.to_string())),
                    });
                    return;
                }
            }
        }
        visit::visit_field_pat(self, f);
    }
    fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
        if f.colon_token.is_none() {
            if let syn::Member::Named(m) = &f.member {
                if self.names.contains(&m.to_string()) {
                    let s = m.span();
                    self.edits.push(insert(
                        self.lines.end(s),
                        format!(": {}", renamed(&m.to_string())),
                    ));
                    return;
                }
            }
        }
        visit::visit_field_value(self, f);
    }
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if p.qself.is_none() && p.path.leading_colon.is_none() && p.path.segments.len() == 1 {
            let seg = &p.path.segments[0];
            if matches!(seg.arguments, syn::PathArguments::None) {
                self.rename_ident(&seg.ident);
            }
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.rename_tokens(m.tokens.clone());
    }
    fn visit_attribute(&mut self, a: &'ast syn::Attribute) {
        // `#[instrument(skip(password), fields(user = %name))]`.
        if a.path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "instrument")
        {
            if let syn::Meta::List(l) = &a.meta {
                self.rename_tokens(l.tokens.clone());
            }
        }
    }
    // Nested items are renamed as functions of their own.
    fn visit_item(&mut self, _: &'ast Item) {}
}

fn rename(file: &syn::File, lines: &Lines) -> Vec<Site> {
    let items = item_names(file);
    // (function name, its attributes, inputs, body)
    struct F<'a> {
        name: String,
        attrs: &'a [syn::Attribute],
        inputs: &'a Punctuated<FnArg, syn::Token![,]>,
        block: &'a Block,
    }
    #[derive(Default)]
    struct V<'a>(Vec<F<'a>>);
    impl<'a> Visit<'a> for V<'a> {
        fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
            self.0.push(F {
                name: f.sig.ident.to_string(),
                attrs: &f.attrs,
                inputs: &f.sig.inputs,
                block: &f.block,
            });
            visit::visit_item_fn(self, f);
        }
        fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
            self.0.push(F {
                name: f.sig.ident.to_string(),
                attrs: &f.attrs,
                inputs: &f.sig.inputs,
                block: &f.block,
            });
            visit::visit_impl_item_fn(self, f);
        }
        fn visit_trait_item_fn(&mut self, f: &'a syn::TraitItemFn) {
            if let Some(b) = &f.default {
                self.0.push(F {
                    name: f.sig.ident.to_string(),
                    attrs: &f.attrs,
                    inputs: &f.sig.inputs,
                    block: b,
                });
            }
            visit::visit_trait_item_fn(self, f);
        }
    }
    let mut v = V::default();
    v.visit_file(file);
    let mut out = Vec::new();
    for f in v.0 {
        let locals = bound_names(|v| {
            for a in f.inputs {
                v.visit_fn_arg(a);
            }
            v.visit_block(f.block);
        });
        let taken = locals.clone();
        for name in locals
            .into_iter()
            .filter(|n| !items.contains(n) && !taken.contains(&renamed(n)))
        {
            let mut r = Renamer {
                lines,
                names: std::iter::once(name.clone()).collect(),
                edits: Vec::new(),
            };
            for a in f.attrs {
                r.visit_attribute(a);
            }
            for a in f.inputs {
                r.visit_fn_arg(a);
            }
            // The body's statements (nested items excluded by the renamer).
            r.visit_block(f.block);
            if !r.edits.is_empty() {
                out.push(Site {
                    what: format!("fn {}: `{name}` → `{}`", f.name, renamed(&name)),
                    edits: r.edits,
                });
            }
        }
    }
    out
}

// ------------------------------------------------------------------ extract

/// The subexpression a statement evaluates first, down the chain of receivers, first
/// arguments of path calls, operands of `&`, `*`, `?`, `.await`, fields and parentheses.
fn first_evaluated(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::MethodCall(m) => Some(&m.receiver),
        Expr::Call(c) if matches!(&*c.func, Expr::Path(_)) => c.args.first(),
        Expr::Await(a) => Some(&a.base),
        Expr::Try(t) => Some(&t.expr),
        Expr::Reference(r) => Some(&r.expr),
        Expr::Field(f) => Some(&f.base),
        Expr::Paren(p) => Some(&p.expr),
        Expr::Unary(u) => Some(&u.expr),
        Expr::Cast(c) => Some(&c.expr),
        _ => None,
    }
}

fn extract(file: &syn::File, lines: &Lines) -> Vec<Site> {
    struct V<'a, 'l> {
        lines: &'l Lines<'a>,
        out: Vec<Site>,
        n: usize,
    }
    impl V<'_, '_> {
        fn stmt(&mut self, stmt_start: LineColumn, root: &Expr) {
            let mut chain = Vec::new();
            let mut at = root;
            while let Some(next) = first_evaluated(at) {
                chain.push(next);
                at = next;
            }
            let Some(pick) = chain
                .into_iter()
                .rev()
                .find(|e| matches!(e, Expr::Call(_) | Expr::MethodCall(_) | Expr::Macro(_)))
            else {
                return;
            };
            let Some((a, b)) = full_span(pick) else {
                return;
            };
            if a.line != b.line || a.line != stmt_start.line {
                return;
            }
            self.n += 1;
            let name = format!("tmp_{}", self.n);
            let (start, end) = (self.lines.offset(a), self.lines.offset(b));
            let src = &self.lines.text[start..end];
            self.out.push(Site {
                what: format!("line {}: `{src}`", a.line),
                edits: vec![
                    insert(
                        self.lines.offset(stmt_start),
                        format!("let {name} = {src}; "),
                    ),
                    Edit {
                        start,
                        end,
                        text: name,
                    },
                ],
            });
        }
    }
    impl<'ast> Visit<'ast> for V<'_, '_> {
        fn visit_block(&mut self, b: &'ast Block) {
            for s in &b.stmts {
                let Some((start, _)) = full_span(s) else {
                    continue;
                };
                match s {
                    Stmt::Local(l) if !l.attrs.is_empty() => {}
                    Stmt::Local(l) => {
                        if let Some(init) = &l.init {
                            if init.diverge.is_none() {
                                self.stmt(start, &init.expr);
                            }
                        }
                    }
                    Stmt::Expr(e, _) => {
                        if let Some(first) = full_span(e) {
                            // Not after outer attributes.
                            if first.0 == start {
                                self.stmt(start, e);
                            }
                        }
                    }
                    _ => {}
                }
            }
            visit::visit_block(self, b);
        }
    }
    let mut v = V {
        lines,
        out: Vec::new(),
        n: 0,
    };
    v.visit_file(file);
    v.out
}

// ------------------------------------------------------------------ blocks

fn wrap_body(file: &syn::File, lines: &Lines) -> Vec<Site> {
    fns(file)
        .into_iter()
        .filter(|f| !f.block.stmts.is_empty())
        .map(|f| Site {
            what: format!("fn {}", f.name),
            edits: vec![
                insert(lines.end(f.block.brace_token.span.open()), " {"),
                insert(lines.start(f.block.brace_token.span.close()), "} "),
            ],
        })
        .collect()
}

fn wrap_stmts(file: &syn::File, lines: &Lines) -> Vec<Site> {
    struct V<'a, 'l> {
        lines: &'l Lines<'a>,
        out: Vec<Site>,
    }
    impl V<'_, '_> {
        fn flush(&mut self, run: &mut Vec<(LineColumn, LineColumn)>) {
            if let (Some(first), Some(last)) = (run.first(), run.last()) {
                self.out.push(Site {
                    what: format!("lines {}-{}", first.0.line, last.1.line),
                    edits: vec![
                        insert(self.lines.offset(first.0), "{ "),
                        insert(self.lines.offset(last.1), " }"),
                    ],
                });
            }
            run.clear();
        }
    }
    impl<'ast> Visit<'ast> for V<'_, '_> {
        fn visit_block(&mut self, b: &'ast Block) {
            let mut run = Vec::new();
            for s in &b.stmts {
                let wrappable = match s {
                    Stmt::Expr(_, Some(_)) => true,
                    Stmt::Macro(m) => m.semi_token.is_some() && m.attrs.is_empty(),
                    _ => false,
                };
                match full_span(s) {
                    Some(span) if wrappable => run.push(span),
                    _ => self.flush(&mut run),
                }
            }
            self.flush(&mut run);
            visit::visit_block(self, b);
        }
    }
    let mut v = V {
        lines,
        out: Vec::new(),
    };
    v.visit_file(file);
    v.out
}

// ------------------------------------------------------------------ associate

/// Attributes a function keeps when it moves into an `impl`.
fn movable_attr(a: &syn::Attribute) -> bool {
    let p = a.path();
    ["doc", "allow", "instrument", "inline", "must_use", "expect"]
        .iter()
        .any(|n| p.segments.last().is_some_and(|s| s.ident == n))
}

fn associate(file: &syn::File, lines: &Lines) -> Vec<Site> {
    // Where each name is used: single-segment value paths (rewritable) and anything else
    // (a longer path, a macro or attribute token, a binding, a `use`): not rewritable.
    #[derive(Default)]
    struct Uses {
        paths: Vec<(String, Span)>,
        other: BTreeSet<String>,
    }
    impl Uses {
        fn tokens(&mut self, ts: TokenStream) {
            for tt in ts {
                match tt {
                    TokenTree::Group(g) => self.tokens(g.stream()),
                    TokenTree::Ident(i) => {
                        self.other.insert(i.to_string());
                    }
                    TokenTree::Literal(_) | TokenTree::Punct(_) => {}
                }
            }
        }
    }
    impl<'a> Visit<'a> for Uses {
        fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
            if p.qself.is_none() && p.path.leading_colon.is_none() && p.path.segments.len() == 1 {
                let seg = &p.path.segments[0];
                self.paths.push((seg.ident.to_string(), seg.ident.span()));
                if !matches!(seg.arguments, syn::PathArguments::None) {
                    self.other.insert(seg.ident.to_string());
                }
            } else {
                for s in &p.path.segments {
                    self.other.insert(s.ident.to_string());
                }
                visit::visit_expr_path(self, p);
            }
        }
        fn visit_path(&mut self, p: &'a syn::Path) {
            for s in &p.segments {
                self.other.insert(s.ident.to_string());
            }
            visit::visit_path(self, p);
        }
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            self.other.insert(p.ident.to_string());
            visit::visit_pat_ident(self, p);
        }
        fn visit_use_name(&mut self, u: &'a syn::UseName) {
            self.other.insert(u.ident.to_string());
        }
        fn visit_use_rename(&mut self, u: &'a syn::UseRename) {
            self.other.insert(u.ident.to_string());
            self.other.insert(u.rename.to_string());
        }
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            self.tokens(m.tokens.clone());
            visit::visit_macro(self, m);
        }
        fn visit_attribute(&mut self, a: &'a syn::Attribute) {
            if let syn::Meta::List(l) = &a.meta {
                self.tokens(l.tokens.clone());
            }
        }
        fn visit_field_value(&mut self, f: &'a syn::FieldValue) {
            if f.colon_token.is_none() {
                if let syn::Member::Named(m) = &f.member {
                    self.other.insert(m.to_string());
                }
            }
            visit::visit_field_value(self, f);
        }
    }
    let mut uses = Uses::default();
    uses.visit_file(file);
    // Names defined more than once (in nested modules, as methods…) are left alone.
    let mut defined = std::collections::BTreeMap::<String, usize>::new();
    struct Defs<'a>(&'a mut std::collections::BTreeMap<String, usize>);
    impl<'a> Visit<'a> for Defs<'_> {
        fn visit_signature(&mut self, s: &'a syn::Signature) {
            *self.0.entry(s.ident.to_string()).or_default() += 1;
        }
        fn visit_item_const(&mut self, c: &'a syn::ItemConst) {
            *self.0.entry(c.ident.to_string()).or_default() += 1;
        }
        fn visit_item_static(&mut self, c: &'a syn::ItemStatic) {
            *self.0.entry(c.ident.to_string()).or_default() += 1;
        }
    }
    Defs(&mut defined).visit_file(file);
    let mut out = Vec::new();
    for (n, item) in file.items.iter().enumerate() {
        let Item::Fn(f) = item else { continue };
        let name = f.sig.ident.to_string();
        if !matches!(f.vis, syn::Visibility::Inherited)
            || name == "main"
            || defined.get(&name) != Some(&1)
            || uses.other.contains(&name)
            || !f.attrs.iter().all(movable_attr)
        {
            continue;
        }
        let Some((a, b)) = full_span(item) else {
            continue;
        };
        let holder = format!("MetaHolder{n}");
        let mut edits = vec![
            insert(
                lines.offset(a),
                format!("struct {holder}; impl {holder} {{ "),
            ),
            insert(lines.offset(b), " }"),
        ];
        for (used, span) in &uses.paths {
            if *used == name {
                edits.push(insert(lines.start(*span), format!("{holder}::")));
            }
        }
        out.push(Site {
            what: format!("fn {name} → {holder}::{name}"),
            edits,
        });
    }
    out
}

// ------------------------------------------------------------------ reorder

/// The movable top-level items (not `macro_rules!`, not `use`, not `extern crate`) in
/// reverse order; each item moves with the comment lines right above it. `None` when
/// the file does not parse, defines macros, or items share lines.
fn reorder(text: &str) -> Option<Mutated> {
    let file = syn::parse_file(text).ok()?;
    let src_lines: Vec<&str> = text.split('\n').collect();
    if file
        .items
        .iter()
        .any(|i| matches!(i, Item::Macro(m) if m.ident.is_some()))
    {
        return None;
    }
    // 0-based inclusive line ranges of the movable items.
    let mut chunks: Vec<(usize, usize)> = Vec::new();
    let mut last_end = None::<usize>;
    for item in &file.items {
        let (a, b) = full_span(item)?;
        let (mut start, end) = (a.line - 1, b.line - 1);
        if last_end.is_some_and(|e| e >= start) {
            return None;
        }
        last_end = Some(end);
        if matches!(item, Item::Use(_) | Item::ExternCrate(_) | Item::Macro(_)) {
            continue;
        }
        // Only whole lines: nothing but the item on its first and last lines.
        if !src_lines[start][..char_offset(src_lines[start], a.column)]
            .trim()
            .is_empty()
        {
            return None;
        }
        let tail = &src_lines[end][char_offset(src_lines[end], b.column)..];
        if !(tail.trim().is_empty() || tail.trim_start().starts_with("//")) {
            return None;
        }
        while start > 0 && {
            let l = src_lines[start - 1].trim_start();
            l.starts_with("//") && !l.starts_with("//!") && !l.contains("allow-file")
        } {
            start -= 1;
        }
        chunks.push((start, end));
    }
    drop(file);
    proc_macro2::extra::invalidate_current_thread_spans();
    if chunks.len() < 2 {
        return None;
    }
    // Slots keep their places; the chunks in them are reversed. A slot's gap (the lines
    // between chunks) stays.
    let mut order: Vec<usize> = Vec::new(); // old 0-based line of each new line
    let mut at = 0;
    let reversed: Vec<(usize, usize)> = chunks.iter().rev().copied().collect();
    for (slot, &(s, e)) in chunks.iter().enumerate() {
        order.extend(at..s);
        let (rs, re) = reversed[slot];
        order.extend(rs..=re);
        at = e + 1;
    }
    order.extend(at..src_lines.len());
    debug_assert_eq!(order.len(), src_lines.len());
    let mut line_map = vec![0; src_lines.len()];
    for (new, &old) in order.iter().enumerate() {
        line_map[old] = new + 1;
    }
    let out: Vec<&str> = order.iter().map(|&o| src_lines[o]).collect();
    Some(Mutated {
        text: out.join("\n"),
        line_map,
    })
}

fn char_offset(line: &str, column: usize) -> usize {
    line.char_indices()
        .nth(column)
        .map_or(line.len(), |(i, _)| i)
}

// ------------------------------------------------------------------ generated files

/// One function shadowing its `&str` parameter `n` times (`let sql = sql;`) and then
/// using it as SQL.
pub fn shadow_chain(n: usize) -> String {
    let mut s = String::from("pub async fn run(pool: &sqlx::PgPool, sql: &str) {\n");
    for _ in 0..n {
        s.push_str("    let sql = sql;\n");
    }
    s.push_str("    sqlx::query(&format!(\"{sql}\")).execute(pool).await.ok();\n}\n");
    s
}

/// `n` nested blocks, each shadowing `sql` once, the innermost using it as SQL.
pub fn nested_shadows(n: usize) -> String {
    let mut s = String::from("pub async fn run(pool: &sqlx::PgPool, sql: &str) {\n");
    for _ in 0..n {
        s.push_str("{ let sql = (sql);\n");
    }
    s.push_str("sqlx::query(&format!(\"{sql}\")).execute(pool).await.ok();\n");
    for _ in 0..n {
        s.push('}');
    }
    s.push_str("\n}\n");
    s
}
