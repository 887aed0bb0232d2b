//! Binding resolution: "the definition of this name as seen at this point", answered once
//! for the engine and every rule.
//!
//! A point of the function being walked is an [`At`]: names resolve to the innermost
//! binding declared before it. The walk binds a `let`'s names after its initializer, so
//! at the walker's current position ([`At::HERE`]) every visible binding precedes the
//! code being looked at. Following a binding into its initializer (or the value it
//! destructures, or the collection it iterates) moves the point to just before that
//! binding ([`Binding::at`]), so in `let x = f(x)` the inner `x` is the previous `x`,
//! never the new binding itself. Each step into a binding therefore moves the point
//! strictly backwards, and every chain ends; [`MAX_STEPS`] bounds it anyway, and past
//! the bound the answer is "unknown".

use crate::engine::scope::{Binding, Origin, Scopes};
use crate::model::values::TRANSPARENT_METHODS;
use syn::{Expr, Type, UnOp};

/// A point in the function: names resolve to bindings declared before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct At(pub(crate) u32);

impl At {
    /// The walker's current position: every binding visible here.
    pub const HERE: At = At(u32::MAX);
    /// Outside any function body (a `const` item's value): no local is visible.
    pub const ITEM: At = At(0);
}

/// How many bindings and wrappers a trace follows before it gives up ("unknown").
pub const MAX_STEPS: u32 = 64;

impl<'ast> Binding<'ast> {
    /// The point at which the binding's own initializer (or destructured value, or
    /// iterated collection) resolves its names: just before the binding.
    pub fn at(&self) -> At {
        At(self.seq)
    }

    /// The expression the binding's value comes from: a `let`'s initializer, the value a
    /// pattern destructures, the collection an element is taken from.
    pub fn source(&self) -> Option<&'ast Expr> {
        match self.origin {
            Origin::Let(Some(e)) | Origin::Destructure(e) | Origin::Element(e, _) => Some(e),
            _ => None,
        }
    }

    /// `let x = init;`, whatever happened to `x` afterwards: the binding holds a value of
    /// `init`'s type (Rust's types do not change on assignment), the same object unless
    /// it was assigned.
    pub fn init(&self) -> Option<&'ast Expr> {
        match self.origin {
            Origin::Let(Some(e)) => Some(e),
            _ => None,
        }
    }

    /// `let x = init;` never assigned or appended to afterwards: the binding *is* `init`.
    pub fn alias_of(&self) -> Option<&'ast Expr> {
        match self.origin {
            Origin::Let(Some(e)) if self.mutations.is_empty() => Some(e),
            _ => None,
        }
    }
}

impl<'ast> Scopes<'ast> {
    /// The binding `name` refers to at `at` (stops at the enclosing function).
    pub fn resolve(&self, name: &str, at: At) -> Option<&Binding<'ast>> {
        self.lookup_before(name, at.0)
    }

    /// The binding a single-identifier path expression refers to at `at`.
    pub fn resolve_expr(&self, e: &Expr, at: At) -> Option<&Binding<'ast>> {
        let Expr::Path(p) = e else { return None };
        if p.qself.is_some() {
            return None;
        }
        let id = p.path.get_ident()?;
        self.resolve(&id.to_string(), at)
    }
}

/// Which wrappers a trace looks through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peel {
    /// Parentheses, `{ x }` blocks, references and derefs, `?`-free: the value itself.
    Syntax,
    /// Also the methods that return their receiver's value in another form (`clone()`,
    /// `to_owned()`, `as_str()`, `trim()`, …: [`TRANSPARENT_METHODS`]).
    Transparent,
}

/// Where a value comes from, after following wrappers and unchanged `let` bindings.
#[derive(Debug, Clone, Copy)]
pub enum Traced<'s, 'ast> {
    /// An expression that is neither a wrapper nor a local name (a call, a literal, a
    /// field, a path to an item), with the point at which its names resolve.
    Expr(&'ast Expr, At),
    /// A binding the trace cannot see through: a parameter, a closure parameter, a
    /// binding changed after its declaration, a destructured part, a loop element, a
    /// local constant, `let x;`.
    Binding(&'s Binding<'ast>),
    /// A single identifier with no local binding (an item: a `const`, a `static`, a
    /// function), at the point it was met.
    Free(&'ast Expr, At),
    /// The bound was reached.
    Unknown,
}

impl<'s, 'ast> Traced<'s, 'ast> {
    /// The binding the trace ended on, if any.
    pub fn binding(&self) -> Option<&'s Binding<'ast>> {
        match self {
            Traced::Binding(b) => Some(b),
            _ => None,
        }
    }

    /// The expression the trace ended on (an item path included), with its point.
    pub fn expr(&self) -> Option<(&'ast Expr, At)> {
        match *self {
            Traced::Expr(e, at) | Traced::Free(e, at) => Some((e, at)),
            _ => None,
        }
    }
}

/// One wrapper removed from `e`, if `e` is one that `peel` looks through.
pub fn unwrap_once(e: &Expr, peel: Peel) -> Option<&Expr> {
    match e {
        Expr::Paren(p) => Some(&p.expr),
        Expr::Group(g) => Some(&g.expr),
        Expr::Reference(r) => Some(&r.expr),
        Expr::Unary(u) if matches!(u.op, UnOp::Deref(_)) => Some(&u.expr),
        Expr::Block(b) if b.label.is_none() && b.block.stmts.len() == 1 => {
            match &b.block.stmts[0] {
                syn::Stmt::Expr(inner, None) => Some(inner),
                _ => None,
            }
        }
        Expr::MethodCall(m)
            if peel == Peel::Transparent
                && TRANSPARENT_METHODS.contains(&m.method.to_string().as_str()) =>
        {
            Some(&m.receiver)
        }
        _ => None,
    }
}

/// Removes every wrapper `peel` looks through (bounded).
pub fn unwrap_all(mut e: &Expr, peel: Peel) -> &Expr {
    for _ in 0..MAX_STEPS {
        match unwrap_once(e, peel) {
            Some(inner) => e = inner,
            None => break,
        }
    }
    e
}

/// Follows `e` (seen at `at`) through wrappers and unchanged `let` bindings to where its
/// value comes from.
pub fn trace<'s, 'ast>(
    scopes: &'s Scopes<'ast>,
    e: &'ast Expr,
    at: At,
    peel: Peel,
) -> Traced<'s, 'ast> {
    let (mut e, mut at) = (e, at);
    for _ in 0..MAX_STEPS {
        if let Some(inner) = unwrap_once(e, peel) {
            e = inner;
            continue;
        }
        let is_ident =
            matches!(e, Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some());
        if !is_ident {
            return Traced::Expr(e, at);
        }
        let Some(b) = scopes.resolve_expr(e, at) else {
            return Traced::Free(e, at);
        };
        match b.alias_of() {
            Some(init) => {
                e = init;
                at = b.at();
            }
            None => return Traced::Binding(b),
        }
    }
    Traced::Unknown
}

/// Follows the binding `name` refers to at `at` through rebindings (`let y = x;`,
/// `(x)`, `{ x }`, `&*x`, and the methods `peel` looks through) while `step` gives the
/// expression a binding takes its object from, stopping at a binding with a written type
/// or one `step` does not see through. `None` past [`MAX_STEPS`] ("unknown").
fn follow<'s, 'ast>(
    scopes: &'s Scopes<'ast>,
    name: &str,
    at: At,
    peel: Peel,
    step: impl Fn(&Binding<'ast>) -> Option<&'ast Expr>,
) -> Option<&'s Binding<'ast>> {
    let mut b = scopes.resolve(name, at)?;
    for _ in 0..MAX_STEPS {
        if b.ty.is_some() {
            return Some(b);
        }
        let Some(prev) =
            step(b).and_then(|init| scopes.resolve_expr(unwrap_all(init, peel), b.at()))
        else {
            return Some(b);
        };
        b = prev;
    }
    None
}

/// The binding a name refers to at `at`, followed through `let x = x;`-style rebindings
/// (`let x = (x)`, `let mut x = x`, `let x = &*x`, `let x = x.clone()` with
/// [`Peel::Transparent`]) to the binding that introduced the object: the parameter, the
/// `let` with a real initializer. For questions about the object's kind and type
/// (a builder, a client, a pool), which later pushes and calls do not change; the value
/// analysis follows mutations itself.
pub fn origin_binding<'s, 'ast>(
    scopes: &'s Scopes<'ast>,
    name: &str,
    at: At,
    peel: Peel,
) -> Option<&'s Binding<'ast>> {
    follow(scopes, name, at, peel, Binding::init)
}

/// The binding whose value a name holds at `at`: `let y = x;`, `let y = (x);`,
/// `let y = { x };`, `let y = &*x;` (untyped, never changed afterwards) hold `x`'s value,
/// so they are skipped without cost, however many there are (up to [`MAX_STEPS`]).
pub fn value_binding<'s, 'ast>(
    scopes: &'s Scopes<'ast>,
    name: &str,
    at: At,
) -> Option<&'s Binding<'ast>> {
    follow(scopes, name, at, Peel::Syntax, Binding::alias_of)
}

/// The element of a tuple expression a destructuring pattern's position selects
/// (`(a, b)` at position 1 is `b`), through parentheses and nested tuples.
pub fn tuple_position(src: &Expr, path: crate::engine::scope::ElemPath) -> Option<&Expr> {
    let mut e = unwrap_all(src, Peel::Syntax);
    let mut path = path;
    let mut picked = false;
    while let (Expr::Tuple(t), Some(i)) = (e, path.first()) {
        e = unwrap_all(t.elems.iter().nth(i)?, Peel::Syntax);
        path = path.rest();
        picked = true;
    }
    picked.then_some(e)
}

/// The written type of the value a name holds at `at`: its binding's type, or, for an
/// untyped alias (`let pool = pool;`, `let conn = &mut *conn;`), the type of the binding
/// it aliases.
pub fn declared_type<'ast>(scopes: &Scopes<'ast>, name: &str, at: At) -> Option<&'ast Type> {
    origin_binding(scopes, name, at, Peel::Syntax)?.ty
}

/// Whether `let name = init;` only rebinds the value `name` already holds (`let x = x;`,
/// `let x = (x);`, `let x = { x };`, `let x = &*x;`, and with [`Peel::Transparent`]
/// `let x = x.clone();`, `let x = x.trim();`). Analyses that keep one entry per name
/// (not per binding) skip such `let`s instead of replacing the entry with a reference to
/// itself.
pub fn is_self_alias(name: &str, init: &Expr, peel: Peel) -> bool {
    local_name(init, peel).is_some_and(|n| n == name)
}

/// The name of the local an expression is (through wrappers), if it is one.
pub fn local_name(e: &Expr, peel: Peel) -> Option<String> {
    match unwrap_all(e, peel) {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    }
}

/// The value a block ends with: its last statement, when that is an expression without
/// `;`.
pub fn block_tail(b: &syn::Block) -> Option<&syn::Expr> {
    match b.stmts.last()? {
        syn::Stmt::Expr(e, None) => Some(e),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scope::ScopeKind;

    fn bind<'ast>(s: &mut Scopes<'ast>, name: &str, origin: Origin<'ast>) {
        let seq = s.next_seq();
        s.bind(Binding {
            name: name.into(),
            seq,
            span: proc_macro2::Span::call_site(),
            origin,
            ty: None,
            mutations: Vec::new(),
            part: false,
        });
    }

    #[test]
    fn self_referencing_lets_resolve_to_the_previous_binding() {
        let inits: Vec<Expr> = [
            "sql",
            "(sql)",
            "{ sql }",
            "&*sql",
            "sql.trim()",
            "sql.clone()",
            "sql.as_str()",
        ]
        .iter()
        .map(|s| syn::parse_str(s).unwrap())
        .collect();
        let mut s = Scopes::default();
        s.push(ScopeKind::Fn);
        bind(&mut s, "sql", Origin::Param);
        for init in &inits {
            bind(&mut s, "sql", Origin::Let(Some(init)));
        }
        let at_use: Expr = syn::parse_str("&sql").unwrap();
        match trace(&s, &at_use, At::HERE, Peel::Transparent) {
            Traced::Binding(b) => assert!(matches!(b.origin, Origin::Param)),
            other => panic!("expected the parameter, got {other:?}"),
        }
        let b = origin_binding(&s, "sql", At::HERE, Peel::Transparent).unwrap();
        assert!(matches!(b.origin, Origin::Param));
        // Without the transparent methods, the trace stops at `sql.as_str()`.
        match trace(&s, &at_use, At::HERE, Peel::Syntax) {
            Traced::Expr(Expr::MethodCall(m), _) => assert_eq!(m.method, "as_str"),
            other => panic!("expected the last initializer, got {other:?}"),
        }
    }

    #[test]
    fn chains_past_the_bound_are_unknown() {
        let init: Expr = syn::parse_str("x").unwrap();
        let mut s = Scopes::default();
        s.push(ScopeKind::Fn);
        bind(&mut s, "x", Origin::Param);
        for _ in 0..(MAX_STEPS * 2) {
            bind(&mut s, "x", Origin::Let(Some(&init)));
        }
        let e: Expr = syn::parse_str("x").unwrap();
        assert!(matches!(
            trace(&s, &e, At::HERE, Peel::Syntax),
            Traced::Unknown
        ));
        assert!(origin_binding(&s, "x", At::HERE, Peel::Syntax).is_none());
    }
}
