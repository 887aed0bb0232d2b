//! The scope stack maintained by the walker: local bindings and what happened to them.
//!
//! The walk is in source order, so when a rule looks a name up, the binding holds its
//! initializer and every mutation that textually precedes the lookup (intra-procedural,
//! flow-insensitive across branches: every branch's mutation counts).

use crate::engine::flow::Class;
use proc_macro2::Span;
use syn::{Expr, Type};

/// Where a binding's value comes from.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'ast> {
    /// `let x = init;` (or `let x;` with no initializer).
    Let(Option<&'ast Expr>),
    /// A function parameter (its type, if written, is in `Binding::ty`).
    Param,
    /// A closure parameter not bound to an iterated value.
    ClosureParam,
    /// The query-builder handle given to the closure of sqlx's `push_values` /
    /// `push_tuples` (a `Separated`).
    BuilderParam,
    /// An element of an iterated value: `for x in iter`, `iter.map(|x| ..)`.
    /// `path` selects the tuple field for patterns like `(i, x)`.
    Element(&'ast Expr, ElemPath),
    /// A name bound by destructuring a value (`if let Some(x) = value`, match arms).
    Destructure(&'ast Expr),
    /// A `const`/`static` declared inside a block.
    Const,
}

/// Tuple positions of a name inside a destructuring pattern (at most two levels).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ElemPath {
    pub len: u8,
    pub idx: [u8; 2],
}

impl ElemPath {
    pub fn push(self, i: usize) -> Self {
        let mut p = self;
        if (p.len as usize) < p.idx.len() {
            p.idx[p.len as usize] = i.min(255) as u8;
            p.len += 1;
        }
        p
    }
    pub fn first(&self) -> Option<usize> {
        (self.len > 0).then_some(self.idx[0] as usize)
    }
    pub fn rest(&self) -> Self {
        if self.len == 0 {
            return *self;
        }
        ElemPath {
            len: self.len - 1,
            idx: [self.idx[1], 0],
        }
    }
}

/// How a binding was changed after its declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MutationKind {
    /// `x = value`
    Assign,
    /// `x += value`
    Append,
    /// `x.push_str(value)`, `x.push(value)`, `x.extend(value)`, `x.insert_str(_, value)`
    Push,
    /// `write!(x, …)` / `writeln!(x, …)`
    Write,
}

/// Something done to a binding after it was declared. The value's class is computed
/// when the mutation is seen, while the names it uses (loop variables, closure
/// parameters) are still in scope.
#[derive(Debug, Clone)]
pub struct Mutation<'ast> {
    pub kind: MutationKind,
    /// The value assigned, appended or pushed (`None` for `write!`).
    pub value: Option<&'ast Expr>,
    /// The class of that value (for `write!`, of the formatted text).
    pub class: Class,
    /// What request data and parameters reach that value ([`crate::engine::taint`]),
    /// computed, like the class, where the mutation is.
    pub taint: crate::engine::taint::Taint,
    pub span: Span,
}

#[derive(Debug)]
pub struct Binding<'ast> {
    pub name: String,
    /// Declaration order within the file: a binding sees only names declared before it.
    pub seq: u32,
    pub span: Span,
    pub origin: Origin<'ast>,
    pub ty: Option<&'ast Type>,
    pub mutations: Vec<Mutation<'ast>>,
    /// Bound to a part of a destructured value (a field, an `Err` payload), not to the
    /// value or what `Some`/`Ok` wraps.
    pub part: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    /// A function body: lookups do not see past it.
    Fn,
    Block,
    Closure,
}

#[derive(Debug)]
struct Scope<'ast> {
    kind: ScopeKind,
    bindings: Vec<Binding<'ast>>,
}

/// The stack of scopes of the function being walked.
#[derive(Debug, Default)]
pub struct Scopes<'ast> {
    stack: Vec<Scope<'ast>>,
    /// Names of the enclosing functions (innermost last).
    fn_names: Vec<String>,
    /// Whether each enclosing function is `async` (async blocks count too).
    asyncness: Vec<bool>,
    seq: u32,
    /// The `Self` type of the enclosing `impl` blocks (innermost last).
    self_tys: Vec<&'ast Type>,
    /// Depth of enclosing test code (`#[cfg(test)]` modules, `#[test]` functions).
    test_depth: u32,
}

impl<'ast> Scopes<'ast> {
    pub fn push(&mut self, kind: ScopeKind) {
        self.stack.push(Scope {
            kind,
            bindings: Vec::new(),
        });
    }

    pub fn pop(&mut self) {
        self.stack.pop();
    }

    pub fn enter_fn(&mut self, name: String, is_async: bool) {
        self.fn_names.push(name);
        self.asyncness.push(is_async);
        self.push(ScopeKind::Fn);
    }

    pub fn exit_fn(&mut self) {
        self.fn_names.pop();
        self.asyncness.pop();
        self.pop();
    }

    pub fn enter_async(&mut self, is_async: bool) {
        self.asyncness.push(is_async);
    }

    pub fn exit_async(&mut self) {
        self.asyncness.pop();
    }

    pub fn enter_impl(&mut self, ty: &'ast Type) {
        self.self_tys.push(ty);
    }

    pub fn exit_impl(&mut self) {
        self.self_tys.pop();
    }

    /// The `Self` type of the innermost enclosing `impl`.
    pub fn self_ty(&self) -> Option<&'ast Type> {
        self.self_tys.last().copied()
    }

    pub fn enter_test(&mut self) {
        self.test_depth += 1;
    }

    pub fn exit_test(&mut self) {
        self.test_depth = self.test_depth.saturating_sub(1);
    }

    /// Whether the walk is inside test-only code.
    pub fn in_test(&self) -> bool {
        self.test_depth > 0
    }

    /// The innermost enclosing function's name.
    pub fn current_fn(&self) -> Option<&str> {
        self.fn_names.last().map(String::as_str)
    }

    pub fn in_async(&self) -> bool {
        self.asyncness.last().copied().unwrap_or(false)
    }

    /// The sequence number for the next binding.
    pub fn next_seq(&mut self) -> u32 {
        self.seq += 1;
        self.seq
    }

    pub fn bind(&mut self, binding: Binding<'ast>) {
        if self.stack.is_empty() {
            self.push(ScopeKind::Block);
        }
        if let Some(scope) = self.stack.last_mut() {
            scope.bindings.push(binding);
        }
    }

    /// The innermost visible binding of `name` (stops at the enclosing function).
    pub fn lookup(&self, name: &str) -> Option<&Binding<'ast>> {
        self.lookup_before(name, u32::MAX)
    }

    /// Like [`Scopes::lookup`], seeing only bindings declared before `horizon`.
    pub fn lookup_before(&self, name: &str, horizon: u32) -> Option<&Binding<'ast>> {
        for scope in self.stack.iter().rev() {
            if let Some(b) = scope
                .bindings
                .iter()
                .rev()
                .find(|b| b.seq < horizon && b.name == name)
            {
                return Some(b);
            }
            if scope.kind == ScopeKind::Fn {
                break;
            }
        }
        None
    }

    fn lookup_mut(&mut self, name: &str) -> Option<&mut Binding<'ast>> {
        for scope in self.stack.iter_mut().rev() {
            let kind = scope.kind;
            if let Some(b) = scope.bindings.iter_mut().rev().find(|b| b.name == name) {
                return Some(b);
            }
            if kind == ScopeKind::Fn {
                break;
            }
        }
        None
    }

    /// Records a mutation of the binding `name`, if it is a visible local.
    pub fn mutate(&mut self, name: &str, m: Mutation<'ast>) {
        if let Some(b) = self.lookup_mut(name) {
            if b.mutations.len() < 256 {
                b.mutations.push(m);
            }
        }
    }
}
