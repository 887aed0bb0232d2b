//! Evidence of input validation in a function body: which of a set of values (a
//! handler's payload, a function's parameters) is validated, converted into a checked
//! type, checked by hand, or handed to other functions.
//!
//! Used by BL301 on handler bodies, and by the project index on every function, so that
//! a payload given to a workspace function that validates it counts (one hop).

use crate::engine::index::root_ident;
use crate::engine::pattern::pattern_names;
use crate::model::web::{is_checking_fn, is_conversion_fn, is_validate_method, SHAPE_CHECKS};
use syn::visit::Visit;
use syn::Expr;

/// A function given a tracked value: its name, the type it is called through when the
/// call names one (`App::insert(..)` → `App`), and the argument's index (after the
/// receiver, for methods).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Callee {
    pub owner: Option<String>,
    pub name: String,
    pub arg: usize,
}

/// What a body does with the values it tracks. Values are identified by the index of
/// the root they derive from (a handler has one root; a function one per parameter).
pub struct Evidence {
    /// Local names and the root each derives from: the roots themselves, and bindings
    /// derived from them (`let FormData { title, .. } = form.0`, `if let Some(s) =
    /// &body.summary`, closure parameters over `body.tags.iter()`).
    bindings: Vec<(String, usize)>,
    /// Per root: validated, converted or checked.
    pub validated: Vec<bool>,
    /// Per root: validated by a `.validate()`-family call on it (the type's derive
    /// decides what that checks).
    pub validate_called: Vec<bool>,
    /// Per root: converted, parsed or checked by hand (not through `.validate()`).
    pub checked: Vec<bool>,
    /// Functions given a tracked value, with the value's root.
    pub passed_to: Vec<(usize, Callee)>,
    depth: usize,
}

impl Evidence {
    /// Tracks `roots` (each a set of names bound to the same value).
    pub fn new(roots: Vec<Vec<String>>) -> Self {
        let n = roots.len();
        let bindings = roots
            .into_iter()
            .enumerate()
            .flat_map(|(i, names)| names.into_iter().map(move |s| (s, i)))
            .collect();
        Evidence {
            bindings,
            validated: vec![false; n],
            validate_called: vec![false; n],
            checked: vec![false; n],
            passed_to: Vec::new(),
            depth: 0,
        }
    }

    /// Runs over a body.
    pub fn scan(mut self, body: &syn::Block) -> Self {
        self.visit_block(body);
        self
    }

    fn root_of_name(&self, name: &str) -> Option<usize> {
        self.bindings
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, r)| *r)
    }

    /// The root an expression reads a part of (`&form.0.email` → form's root).
    fn rooted(&self, e: &Expr) -> Option<usize> {
        root_ident(e).and_then(|r| self.root_of_name(&r))
    }

    /// The root an expression is made from: rooted in it, or a struct literal, tuple,
    /// method chain or `?` of such parts.
    fn derived(&self, e: &Expr) -> Option<usize> {
        match e {
            Expr::Struct(s) => s.fields.iter().find_map(|f| self.derived(&f.expr)),
            Expr::Tuple(t) => t.elems.iter().find_map(|x| self.derived(x)),
            Expr::Array(t) => t.elems.iter().find_map(|x| self.derived(x)),
            Expr::Try(t) => self.derived(&t.expr),
            Expr::Reference(r) => self.derived(&r.expr),
            Expr::Paren(p) => self.derived(&p.expr),
            Expr::Unary(u) => self.derived(&u.expr),
            Expr::Field(f) => self.derived(&f.base),
            Expr::Index(i) => self.derived(&i.expr),
            Expr::Await(a) => self.derived(&a.base),
            Expr::MethodCall(m) => self.rooted(e).or_else(|| self.derived(&m.receiver)),
            // `Some(data.token.clone())`, `Wrapper(form.0)`, `Cow::from(&body.name)`: the
            // same value wrapped (not a function computing another from it).
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) if wraps(&p.path) => c.args.iter().find_map(|a| self.derived(a)),
                _ => None,
            },
            _ => self.rooted(e),
        }
    }

    fn bind(&mut self, pat: &syn::Pat, root: usize) {
        for p in pattern_names(pat) {
            self.bindings.push((p.ident.to_string(), root));
        }
    }

    fn mark(&mut self, root: usize) {
        if let Some(v) = self.validated.get_mut(root) {
            *v = true;
        }
        if let Some(v) = self.checked.get_mut(root) {
            *v = true;
        }
    }

    fn mark_validate(&mut self, root: usize) {
        if let Some(v) = self.validated.get_mut(root) {
            *v = true;
        }
        if let Some(v) = self.validate_called.get_mut(root) {
            *v = true;
        }
    }

    fn bind_lets(&mut self, cond: &Expr) {
        match cond {
            Expr::Let(l) => {
                if let Some(r) = self.derived(&l.expr) {
                    self.bind(&l.pat, r);
                }
            }
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

    /// Macros whose arguments are expressions: conditions of `ensure!`/`assert!`-like
    /// macros are checks; the arguments of any other are visited as expressions.
    fn visit_macro_args(&mut self, m: &syn::Macro) {
        let Ok(args) = m
            .parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        else {
            return;
        };
        let name = m
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let checks = matches!(
            name.as_str(),
            "ensure" | "assert" | "debug_assert" | "require" | "check" | "validate"
        ) || is_checking_fn(&name);
        for (i, a) in args.iter().enumerate() {
            if i == 0 && checks {
                self.condition(a);
                if let Some(r) = self.derived(a) {
                    self.mark(r);
                }
            }
            self.visit_expr(a);
        }
    }
}

/// A call that wraps its argument: a tuple struct or variant (`Some(x)`, `Wrapper(x)`),
/// or a smart pointer / string constructor (`Box::new(x)`, `String::from(x)`).
fn wraps(p: &syn::Path) -> bool {
    let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
    match segs.as_slice() {
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

/// A fallible constructor or conversion by its name: `new`, `new_checked`, `from_str`,
/// `from_message`, `try_from`, `parse`, `decode`.
fn is_constructor(name: &str) -> bool {
    name == "new"
        || name.starts_with("new_")
        || name.starts_with("from_")
        || name.starts_with("try_")
        || name.starts_with("parse")
        || name.starts_with("decode")
}

/// Finds shape checks of tracked values inside a condition: `name.len() > 100`,
/// `body.email.contains('@')`, `EMAIL_RE.is_match(&form.email)`, `is_valid(&x)`.
struct ShapeCheck<'e> {
    ev: &'e Evidence,
    found: Vec<usize>,
}

impl<'ast> Visit<'ast> for ShapeCheck<'_> {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        if SHAPE_CHECKS.contains(&method.as_str()) || is_checking_fn(&method) {
            if let Some(r) = self.ev.derived(&m.receiver) {
                self.found.push(r);
            }
            if matches!(method.as_str(), "is_match" | "matches" | "contains")
                || is_checking_fn(&method)
            {
                for a in &m.args {
                    if let Some(r) = self.ev.derived(a) {
                        self.found.push(r);
                    }
                }
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
                for a in &c.args {
                    if let Some(r) = self.ev.derived(a) {
                        self.found.push(r);
                    }
                }
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
        self.depth += 1;
        syn::visit::visit_expr(self, e);
        self.depth -= 1;
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            if let Some(r) = self.derived(&init.expr) {
                self.bind(&l.pat, r);
            }
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        // `if let Some(summary) = &data.summary`, `while let Some(x) = it.next()`.
        if let Some(r) = self.derived(&l.expr) {
            self.bind(&l.pat, r);
        }
        syn::visit::visit_expr_let(self, l);
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        if let Some(r) = self.derived(&m.expr) {
            for arm in &m.arms {
                self.bind(&arm.pat, r);
            }
        }
        for arm in &m.arms {
            if let Some((_, g)) = &arm.guard {
                self.condition(g);
            }
        }
        syn::visit::visit_expr_match(self, m);
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        if let Some(r) = self.derived(&f.expr) {
            self.bind(&f.pat, r);
        }
        syn::visit::visit_expr_for_loop(self, f);
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        // Bindings of a let chain first (`if let Some(c) = &data.color && c.len() != 7`),
        // then a hand-written check of the payload's shape (`if name.len() > 100`).
        self.bind_lets(&i.cond);
        self.condition(&i.cond);
        syn::visit::visit_expr_if(self, i);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        let receiver = self.derived(&m.receiver);
        if let Some(r) = receiver {
            if is_validate_method(&method) {
                self.mark_validate(r);
            } else if is_conversion_fn(&method) || is_checking_fn(&method) {
                self.mark(r);
            }
            // Closures over the value's parts: `body.tags.iter().map(|t| ..)`; a predicate
            // over them checks them (`records.iter().all(|r| r.raw.len() <= max)`).
            let predicate = matches!(
                method.as_str(),
                "all" | "any" | "filter" | "retain" | "find" | "position"
            );
            for a in &m.args {
                if let Expr::Closure(c) = a {
                    for p in &c.inputs {
                        self.bind(p, r);
                    }
                    if predicate {
                        self.condition(&c.body);
                    }
                }
            }
        }
        for (i, a) in m.args.iter().enumerate() {
            if let Some(r) = self.derived(a) {
                if is_checking_fn(&method) || is_validate_method(&method) {
                    self.mark(r);
                }
                self.passed_to.push((
                    r,
                    Callee {
                        owner: None,
                        name: method.clone(),
                        arg: i,
                    },
                ));
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            if let Some(last) = p.path.segments.last() {
                let f = last.ident.to_string();
                // `Event::from_message(&req)` matched or `?`-ed: a conversion of a type.
                let n = p.path.segments.len();
                if n >= 2
                    && f != "new"
                    && is_constructor(&f)
                    && p.path.segments[n - 2]
                        .ident
                        .to_string()
                        .starts_with(|c: char| c.is_uppercase())
                {
                    let roots: Vec<usize> = c.args.iter().filter_map(|a| self.derived(a)).collect();
                    for r in roots {
                        self.mark(r);
                    }
                }
                let n = p.path.segments.len();
                let owner = (n >= 2)
                    .then(|| p.path.segments[n - 2].ident.to_string())
                    .filter(|o| o.starts_with(|c: char| c.is_uppercase()));
                for (i, a) in c.args.iter().enumerate() {
                    let Some(r) = self.derived(a) else {
                        continue;
                    };
                    // `NewUser::try_from(form)?`, `Email::parse(form.email)?`,
                    // `validate_username(&form.username)?`.
                    if is_conversion_fn(&f) || is_validate_method(&f) || is_checking_fn(&f) {
                        self.mark(r);
                    }
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
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
        // `Domain::new(payload.x)?`, `Event::from_message(&req)?`,
        // `Scope::new_checked(..).ok_or(E)?`: a constructor or conversion of a type that
        // can fail checks what it is given.
        let mut inner = &*t.expr;
        for _ in 0..8 {
            inner = match inner {
                Expr::MethodCall(m)
                    if matches!(
                        m.method.to_string().as_str(),
                        "ok_or" | "ok_or_else" | "map_err" | "context" | "with_context"
                    ) =>
                {
                    &m.receiver
                }
                Expr::Await(a) => &a.base,
                Expr::Paren(p) => &p.expr,
                _ => break,
            };
        }
        if let Expr::Call(c) = inner {
            if let Expr::Path(p) = &*c.func {
                let n = p.path.segments.len();
                let last = p.path.segments[n - 1].ident.to_string();
                // `decode_invite(&data.token)?`, `extract_name(&q.resource)?`.
                let checking_fn = ["decode", "parse", "extract", "verify"]
                    .iter()
                    .any(|w| last.starts_with(w));
                let ctor = checking_fn
                    || n >= 2
                        && p.path.segments[n - 2]
                            .ident
                            .to_string()
                            .starts_with(|c: char| c.is_uppercase())
                        && is_constructor(&p.path.segments[n - 1].ident.to_string());
                if ctor {
                    let roots: Vec<usize> = c.args.iter().filter_map(|a| self.derived(a)).collect();
                    for r in roots {
                        self.mark(r);
                    }
                }
            }
        }
        syn::visit::visit_expr_try(self, t);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.visit_macro_args(m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validated(body: &str) -> bool {
        let block: syn::Block = syn::parse_str(&format!("{{ {body} }}")).unwrap();
        Evidence::new(vec![vec!["data".into()]])
            .scan(&block)
            .validated[0]
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
