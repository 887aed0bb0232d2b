//! Names bound by a pattern, with their tuple positions and written types.

use crate::engine::scope::ElemPath;
use syn::{Ident, Pat, Type};

pub struct PatName<'ast> {
    pub ident: &'ast Ident,
    pub path: ElemPath,
    pub ty: Option<&'ast Type>,
}

/// Every name a pattern binds (`(i, &x)`, `Some(v)`, `User { name, .. }`, `a @ _`).
pub fn pattern_names(pat: &Pat) -> Vec<PatName<'_>> {
    let mut out = Vec::new();
    collect(pat, ElemPath::default(), None, &mut out, 0);
    out
}

fn collect<'ast>(
    pat: &'ast Pat,
    path: ElemPath,
    ty: Option<&'ast Type>,
    out: &mut Vec<PatName<'ast>>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    match pat {
        Pat::Ident(p) => {
            out.push(PatName {
                ident: &p.ident,
                path,
                ty,
            });
            if let Some((_, sub)) = &p.subpat {
                collect(sub, path, ty, out, depth + 1);
            }
        }
        Pat::Tuple(t) => {
            for (i, e) in t.elems.iter().enumerate() {
                collect(e, path.push(i), None, out, depth + 1);
            }
        }
        Pat::TupleStruct(t) => {
            for e in &t.elems {
                collect(e, path, None, out, depth + 1);
            }
        }
        Pat::Struct(s) => {
            for f in &s.fields {
                collect(&f.pat, path, None, out, depth + 1);
            }
        }
        Pat::Reference(r) => collect(&r.pat, path, ty, out, depth + 1),
        Pat::Type(t) => collect(&t.pat, path, Some(&t.ty), out, depth + 1),
        Pat::Paren(p) => collect(&p.pat, path, ty, out, depth + 1),
        Pat::Slice(s) => {
            for e in &s.elems {
                collect(e, path, None, out, depth + 1);
            }
        }
        Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                collect(first, path, ty, out, depth + 1);
            }
        }
        _ => {}
    }
}
