//! A function body's expressions with their parents: which expression contains which,
//! and in what role (receiver of a method call, argument, `let` initializer, branch of
//! an `if`, …). Rules that follow a value up a builder chain, or ask whether a call is
//! conditional, build one per function from `check_fn`.
//!
//! Nested items (functions, impls, modules) are left out: the walker gives each function
//! its own `check_fn`. Expressions inside macros the engine parses (`vec![..]`,
//! `format!`, logging macros) are included, as arguments of the macro's position.

use crate::engine::cx::MacroCache;
use proc_macro2::LineColumn;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Stmt};

/// How an expression sits in its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role<'ast> {
    /// The outermost expression (a closure body given to `from_expr`, a statement of the
    /// function body that has no parent expression).
    Top,
    /// Receiver of a method call: `x` in `x.m(..)`.
    Receiver,
    /// Argument of a call, a method call or a macro.
    Arg,
    /// The function of a call: `f` in `f(..)`.
    Callee,
    /// Passed through unchanged: the operand of `?`, `.await`, parentheses, `&`, groups.
    Transparent,
    /// Initializer of `let pat = ..`.
    LetInit(&'ast syn::Pat),
    /// Right-hand side of `lhs = ..`.
    AssignRhs(&'ast Expr),
    /// Condition of an `if`/`while`, scrutinee of a `match`, guard of an arm, the
    /// expression of `if let`.
    Cond,
    /// Statement of a branch of an `if`/`else` or the body of a `match` arm (at any
    /// depth of blocks inside it, the innermost block statement carries this role).
    Branch,
    /// The tail expression of a block (its value).
    Tail,
    /// The tail expression of a branch of an `if`/`else` or of a `match` arm: the value
    /// of the `if`/`match` on that path.
    BranchTail,
    /// An expression statement whose value is discarded (`expr;`), or a statement of a
    /// plain block.
    Stmt,
    /// The body of a closure.
    ClosureBody,
    /// Operand of `return`, `break`.
    Return,
    /// Anything else: struct field values, tuple and array elements, operands of
    /// operators, loop bodies.
    Other,
}

#[derive(Debug)]
pub struct Node<'ast> {
    pub expr: &'ast Expr,
    pub parent: Option<usize>,
    pub role: Role<'ast>,
    /// The enclosing `if` branch or `match` arm (not counting the one a condition
    /// belongs to): the expression is only evaluated on some paths.
    pub conditional: bool,
    /// Inside a closure or async block that is part of the tree.
    pub in_closure: bool,
}

/// The expressions of one function body, in source order (parents before children).
#[derive(Debug, Default)]
pub struct Tree<'ast> {
    pub nodes: Vec<Node<'ast>>,
}

impl<'ast> Tree<'ast> {
    /// The tree of a function body.
    pub fn from_block(block: &'ast syn::Block, macros: &MacroCache<'ast>) -> Self {
        let mut b = Builder::new(macros, true);
        b.block(block, Role::Stmt);
        Tree { nodes: b.nodes }
    }

    /// The tree of one expression (a closure outside any function); nested closures are
    /// left out (they are given to the rule on their own).
    pub fn from_expr(expr: &'ast Expr, macros: &MacroCache<'ast>) -> Self {
        let mut b = Builder::new(macros, false);
        b.role = Role::Top;
        b.visit_expr(expr);
        Tree { nodes: b.nodes }
    }

    pub fn parent(&self, i: usize) -> Option<(usize, &Node<'ast>)> {
        let p = self.nodes.get(i)?.parent?;
        self.nodes.get(p).map(|n| (p, n))
    }

    /// The node of expression `e` (the same syntax node, not an equal one).
    pub fn index_of(&self, e: &Expr) -> Option<usize> {
        self.nodes.iter().position(|n| std::ptr::eq(n.expr, e))
    }

    /// Where node `i` starts.
    pub fn start(&self, i: usize) -> LineColumn {
        self.nodes
            .get(i)
            .map(|n| n.expr.span().start())
            .unwrap_or(LineColumn { line: 0, column: 0 })
    }

    /// The nodes that are the bare local `name` (`name`, not `a.name` or `name::x`).
    pub fn uses_of<'s>(&'s self, name: &'s str) -> impl Iterator<Item = usize> + 's {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(move |(i, n)| match n.expr {
                Expr::Path(p) if p.qself.is_none() && p.path.is_ident(name) => Some(i),
                _ => None,
            })
    }

    /// The initializers of `let name = ..` in this tree, with where each initializer
    /// ends (the binding is visible from there), in source order.
    pub fn lets_of(&self, name: &str) -> Vec<(LineColumn, &'ast Expr)> {
        self.nodes
            .iter()
            .filter_map(|n| match n.role {
                Role::LetInit(pat) if pat_ident(pat).is_some_and(|i| i == name) => {
                    Some((n.expr.span().end(), n.expr))
                }
                _ => None,
            })
            .collect()
    }
}

/// The name a `let` pattern binds when it is a single identifier (`x`, `mut x`, `x: T`).
pub fn pat_ident(pat: &syn::Pat) -> Option<String> {
    match pat {
        syn::Pat::Ident(i) if i.subpat.is_none() => Some(i.ident.to_string()),
        syn::Pat::Type(t) => pat_ident(&t.pat),
        _ => None,
    }
}

struct Builder<'m, 'ast> {
    macros: &'m MacroCache<'ast>,
    nodes: Vec<Node<'ast>>,
    parent: Option<usize>,
    role: Role<'ast>,
    conditional: bool,
    in_closure: bool,
    /// Whether closures are part of the tree.
    closures: bool,
    depth: usize,
}

const MAX_DEPTH: usize = 256;

impl<'m, 'ast> Builder<'m, 'ast> {
    fn new(macros: &'m MacroCache<'ast>, closures: bool) -> Self {
        Builder {
            macros,
            nodes: Vec::new(),
            parent: None,
            role: Role::Top,
            conditional: false,
            in_closure: false,
            closures,
            depth: 0,
        }
    }

    fn with(&mut self, role: Role<'ast>, e: &'ast Expr) {
        self.role = role;
        self.visit_expr(e);
    }

    fn branch(&mut self, f: impl FnOnce(&mut Self)) {
        let saved = self.conditional;
        self.conditional = true;
        f(self);
        self.conditional = saved;
    }

    fn block(&mut self, b: &'ast syn::Block, stmt_role: Role<'ast>) {
        let n = b.stmts.len();
        for (i, stmt) in b.stmts.iter().enumerate() {
            // A statement compiled only for tests is no part of the production code.
            if crate::engine::walk::is_test_item(crate::engine::walk::stmt_attrs(stmt)) {
                continue;
            }
            match stmt {
                Stmt::Local(l) => {
                    if let Some(init) = &l.init {
                        self.with(Role::LetInit(&l.pat), &init.expr);
                        if let Some((_, diverge)) = &init.diverge {
                            self.with(Role::Branch, diverge);
                        }
                    }
                }
                Stmt::Expr(e, semi) => {
                    let role = match (semi.is_none() && i + 1 == n, stmt_role) {
                        (true, Role::Branch) => Role::BranchTail,
                        (true, _) => Role::Tail,
                        (false, role) => role,
                    };
                    self.with(role, e);
                }
                Stmt::Macro(m) => self.mac(&m.mac),
                Stmt::Item(syn::Item::Static(s)) => self.with(Role::Other, &s.expr),
                Stmt::Item(syn::Item::Const(c)) => self.with(Role::Other, &c.expr),
                Stmt::Item(_) => {}
            }
        }
    }

    fn mac(&mut self, m: &'ast syn::Macro) {
        let parsed = self.macros.get(m);
        for e in parsed.exprs() {
            self.with(Role::Arg, e);
        }
    }
}

impl<'m, 'ast> Visit<'ast> for Builder<'m, 'ast> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        if self.depth > MAX_DEPTH {
            return;
        }
        if let Expr::Closure(_) | Expr::Async(_) = e {
            if !self.closures && !self.nodes.is_empty() {
                return;
            }
        }
        let idx = self.nodes.len();
        self.nodes.push(Node {
            expr: e,
            parent: self.parent,
            role: self.role,
            conditional: self.conditional,
            in_closure: self.in_closure,
        });
        let saved_parent = self.parent;
        let saved_closure = self.in_closure;
        self.parent = Some(idx);
        self.depth += 1;
        match e {
            Expr::MethodCall(m) => {
                self.with(Role::Receiver, &m.receiver);
                for a in &m.args {
                    self.with(Role::Arg, a);
                }
            }
            Expr::Call(c) => {
                self.with(Role::Callee, &c.func);
                for a in &c.args {
                    self.with(Role::Arg, a);
                }
            }
            Expr::Try(t) => self.with(Role::Transparent, &t.expr),
            Expr::Await(a) => self.with(Role::Transparent, &a.base),
            Expr::Paren(p) => self.with(Role::Transparent, &p.expr),
            Expr::Group(g) => self.with(Role::Transparent, &g.expr),
            Expr::Reference(r) => self.with(Role::Transparent, &r.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                self.with(Role::Transparent, &u.expr)
            }
            Expr::Assign(a) => {
                self.with(Role::Other, &a.left);
                self.with(Role::AssignRhs(&a.left), &a.right);
            }
            Expr::If(i) => {
                self.with(Role::Cond, &i.cond);
                self.branch(|b| {
                    b.block(&i.then_branch, Role::Branch);
                    if let Some((_, els)) = &i.else_branch {
                        match &**els {
                            Expr::Block(blk) => b.block(&blk.block, Role::Branch),
                            other => b.with(Role::BranchTail, other),
                        }
                    }
                });
            }
            Expr::Match(m) => {
                self.with(Role::Cond, &m.expr);
                let conditional = m.arms.len() > 1;
                for arm in &m.arms {
                    if let Some((_, g)) = &arm.guard {
                        self.with(Role::Cond, g);
                    }
                    let saved = self.conditional;
                    self.conditional |= conditional;
                    match &*arm.body {
                        Expr::Block(blk) if conditional => self.block(&blk.block, Role::Branch),
                        body => self.with(
                            if conditional {
                                Role::BranchTail
                            } else {
                                Role::Tail
                            },
                            body,
                        ),
                    }
                    self.conditional = saved;
                }
            }
            Expr::Let(l) => self.with(Role::Cond, &l.expr),
            Expr::While(w) => {
                self.with(Role::Cond, &w.cond);
                self.branch(|b| b.block(&w.body, Role::Stmt));
            }
            Expr::ForLoop(f) => {
                self.with(Role::Other, &f.expr);
                self.block(&f.body, Role::Stmt);
            }
            Expr::Loop(l) => self.block(&l.body, Role::Stmt),
            Expr::Block(b) => self.block(&b.block, Role::Stmt),
            Expr::Unsafe(u) => self.block(&u.block, Role::Stmt),
            Expr::Async(a) => {
                self.in_closure = true;
                self.block(&a.block, Role::Stmt);
            }
            Expr::Closure(c) => {
                self.in_closure = true;
                self.with(Role::ClosureBody, &c.body);
            }
            Expr::Return(r) => {
                if let Some(v) = &r.expr {
                    self.with(Role::Return, v);
                }
            }
            Expr::Break(b) => {
                if let Some(v) = &b.expr {
                    self.with(Role::Return, v);
                }
            }
            Expr::Macro(m) => self.mac(&m.mac),
            _ => {
                self.role = Role::Other;
                visit::visit_expr(self, e);
            }
        }
        self.depth -= 1;
        self.parent = saved_parent;
        self.in_closure = saved_closure;
        self.role = Role::Other;
    }

    // Reached only through `visit::visit_expr` of expressions not handled above.
    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.block(b, Role::Stmt);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.mac(m);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.with(Role::LetInit(&l.pat), &init.expr);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::macros::ParsedMacro;
    use typed_arena::Arena;

    fn role_of<'a>(tree: &'a Tree<'a>, text: &str) -> Vec<(Role<'a>, bool)> {
        tree.nodes
            .iter()
            .filter(|n| quote::ToTokens::to_token_stream(n.expr).to_string() == text)
            .map(|n| (n.role, n.conditional))
            .collect()
    }

    #[test]
    fn roles_parents_and_branches() {
        let f: syn::ItemFn = syn::parse_str(
            "fn f(flag: bool) {
                let b = make().x();
                if flag { b = b.y(); } else { other() }
                match k { A => one(), _ => { two() } }
                vec![inside()];
            }",
        )
        .unwrap();
        let arena: Arena<ParsedMacro> = Arena::new();
        let macros = MacroCache::new(&arena);
        let tree = Tree::from_block(&f.block, &macros);
        assert!(matches!(
            role_of(&tree, "make ()")[..],
            [(Role::Receiver, false)]
        ));
        assert!(matches!(
            role_of(&tree, "make () . x ()")[..],
            [(Role::LetInit(_), false)]
        ));
        assert!(matches!(
            role_of(&tree, "b . y ()")[..],
            [(Role::AssignRhs(_), true)]
        ));
        assert!(matches!(
            role_of(&tree, "other ()")[..],
            [(Role::BranchTail, true)]
        ));
        assert!(matches!(
            role_of(&tree, "one ()")[..],
            [(Role::BranchTail, true)]
        ));
        assert!(matches!(
            role_of(&tree, "two ()")[..],
            [(Role::BranchTail, true)]
        ));
        assert!(matches!(role_of(&tree, "flag")[..], [(Role::Cond, false)]));
        assert!(matches!(
            role_of(&tree, "inside ()")[..],
            [(Role::Arg, false)]
        ));
        assert_eq!(tree.lets_of("b").len(), 1);
        assert_eq!(tree.uses_of("b").count(), 2);
        let (_, parent) = tree.parent(1).unwrap();
        assert!(matches!(parent.expr, Expr::MethodCall(_)));
    }
}
