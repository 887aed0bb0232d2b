//! Outbound HTTP requests sent through a struct field (`self.client.get(url).send()`), and
//! whether each sets its own deadline: a client stored without a timeout is bounded when
//! every request the workspace sends through it is (BL601).

use crate::engine::usemap::UseMap;
use crate::model::http_clients::{is_future_timeout, HTTP_LIBS, PASS_THROUGH};
use syn::visit::Visit;
use syn::Expr;

/// A request sent through a field: the field's name, and whether the request sets a
/// timeout (`.timeout(..)` on it) or is awaited inside `tokio::time::timeout(..)`.
pub type FieldRequest = (String, bool);

/// The requests the items send through fields of any value (`self.client`,
/// `state.http`), in source order.
pub fn scan(items: &[syn::Item], uses: &UseMap) -> Vec<FieldRequest> {
    let mut s = Scan {
        uses,
        out: Vec::new(),
        in_timeout: 0,
        depth: 0,
    };
    for item in items {
        s.visit_item(item);
    }
    s.out
}

struct Scan<'u> {
    uses: &'u UseMap,
    out: Vec<FieldRequest>,
    /// Depth of `tokio::time::timeout(..)` calls around the current expression.
    in_timeout: usize,
    depth: usize,
}

/// The field a method chain starts from, and whether the chain starts a request on it
/// (`x.field.get(..)`, through `clone()`/`as_ref()`-style calls) and sets a timeout.
fn chain(m: &syn::ExprMethodCall) -> Option<(String, bool)> {
    let mut methods = vec![m.method.to_string()];
    let mut e: &Expr = &m.receiver;
    for _ in 0..256 {
        match e {
            Expr::MethodCall(inner) => {
                methods.push(inner.method.to_string());
                e = &inner.receiver;
            }
            Expr::Paren(p) => e = &p.expr,
            Expr::Reference(r) => e = &r.expr,
            Expr::Try(t) => e = &t.expr,
            Expr::Await(a) => e = &a.base,
            Expr::Field(f) => {
                let syn::Member::Named(field) = &f.member else {
                    return None;
                };
                // Innermost first: the first method past conversions starts the request.
                methods.reverse();
                let Some(first) = methods
                    .iter()
                    .position(|m| !PASS_THROUGH.contains(&m.as_str()) && m != "as_ref")
                else {
                    // Only copied or converted (`self.client.clone()`): used elsewhere,
                    // in a way not seen here.
                    return Some((field.to_string(), false));
                };
                let verb = &methods[first];
                let lib = HTTP_LIBS
                    .into_iter()
                    .find(|l| l.request_methods().contains(&verb.as_str()))?;
                let timed = methods[first + 1..]
                    .iter()
                    .any(|m| lib.request_timeouts().contains(&m.as_str()));
                return Some((field.to_string(), timed));
            }
            _ => return None,
        }
    }
    None
}

impl<'ast> Visit<'ast> for Scan<'_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        if self.depth > 128 {
            return;
        }
        self.depth += 1;
        match e {
            Expr::MethodCall(m) => {
                if let Some((field, timed)) = chain(m) {
                    self.out.push((field, timed || self.in_timeout > 0));
                    // The chain's own receivers are this request; their arguments may
                    // hold others.
                    let mut cur: &Expr = e;
                    while let Expr::MethodCall(mc) = cur {
                        for a in &mc.args {
                            self.visit_expr(a);
                        }
                        cur = &mc.receiver;
                    }
                } else {
                    syn::visit::visit_expr(self, e);
                }
            }
            Expr::Call(c) if self.is_future_timeout(&c.func) => {
                self.in_timeout += 1;
                syn::visit::visit_expr(self, e);
                self.in_timeout -= 1;
            }
            _ => syn::visit::visit_expr(self, e),
        }
        self.depth -= 1;
    }
}

impl Scan<'_> {
    fn is_future_timeout(&self, f: &Expr) -> bool {
        let Expr::Path(p) = f else { return false };
        self.uses
            .candidates(&p.path)
            .iter()
            .any(|path| is_future_timeout(path))
    }
}
