//! Evidence of input validation in a function body: which of a set of values (a
//! handler's payload, a function's parameters) is validated, converted into a checked
//! type, checked by hand, or handed to other functions.
//!
//! Used by BL301 on handler bodies, and by the project index on every function, so that
//! a payload given to a workspace function that validates it counts (one hop). Which
//! names validate, convert or check is library knowledge in [`crate::model::web`].

use crate::engine::index::root_ident;
use crate::engine::pattern::pattern_names;
use crate::model::web::{
    is_check_macro, is_checking_call, is_checking_fn, is_conversion_fn, is_fallible_constructor,
    is_validate_method, wraps_argument, ARGUMENT_CHECKS, ERROR_ADAPTERS, PREDICATE_METHODS,
    SHAPE_CHECKS,
};
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

/// The type a path call goes through: `App` in `App::insert`, `None` for modules and
/// free functions (`services::users::create`).
fn type_owner(p: &syn::Path) -> Option<String> {
    let n = p.segments.len();
    (n >= 2)
        .then(|| p.segments[n - 2].ident.to_string())
        .filter(|o| o.starts_with(|c: char| c.is_uppercase()))
}

/// What a body does with the values it tracks. Values are identified by the index of
/// the root they derive from (a handler has one root; a function one per parameter).
pub struct Evidence {
    /// Local names and the root each derives from: the roots themselves, and bindings
    /// derived from them (`let FormData { title, .. } = form.0`, `if let Some(s) =
    /// &body.summary`, closure parameters over `body.tags.iter()`).
    bindings: Vec<(String, usize)>,
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

    /// Whether root `r` is validated in any way.
    pub fn validated(&self, r: usize) -> bool {
        self.validate_called.get(r).copied().unwrap_or(false)
            || self.checked.get(r).copied().unwrap_or(false)
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
    /// wrapping call, method chain or `?` of such parts.
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

    fn bind(&mut self, pat: &syn::Pat, root: usize) {
        for p in pattern_names(pat) {
            self.bindings.push((p.ident.to_string(), root));
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

    /// Macros whose arguments are expressions: the first argument of a checking macro is
    /// a condition; the arguments of any macro are visited as expressions.
    fn visit_macro_args(&mut self, m: &syn::Macro) {
        let Ok(args) = m
            .parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        else {
            return;
        };
        let checks = m
            .path
            .segments
            .last()
            .is_some_and(|s| is_check_macro(&s.ident.to_string()));
        for (i, a) in args.iter().enumerate() {
            if i == 0 && checks {
                self.condition(a);
                self.mark_args([a]);
            }
            self.visit_expr(a);
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
        // `while let Some(x) = body.items.pop()`; `if let` chains are bound in
        // `visit_expr_if`, before their condition is read.
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
        // A hand-written check of the payload's shape (`if name.len() > 100 { return .. }`).
        self.bind_lets(&i.cond);
        self.condition(&i.cond);
        syn::visit::visit_expr_if(self, i);
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
            } else if checking || is_conversion_fn(&method) {
                self.mark(r);
            }
            // Closures over the value's parts: `body.tags.iter().map(|t| ..)`; a predicate
            // over them checks them (`records.iter().all(|r| r.raw.len() <= max)`).
            let predicate = PREDICATE_METHODS.contains(&method.as_str());
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
        syn::visit::visit_expr_method_call(self, m);
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
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
        // Fallible only by the `?`: `Domain::new(payload.x)?`,
        // `Scope::new(..).ok_or(E)?`, `decode_invite(&data.token)?`.
        let mut inner = &*t.expr;
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
