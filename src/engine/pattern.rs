//! Names bound by a pattern, with their tuple positions and written types.

use crate::engine::scope::ElemPath;
use syn::{Ident, Pat, Type};

pub struct PatName<'ast> {
    pub ident: &'ast Ident,
    pub path: ElemPath,
    pub ty: Option<&'ast Type>,
    /// Bound to a part of the value other than what `Some`/`Ok`/a reference wraps: a
    /// struct field, an `Err` payload, a variant's data (`Err(e)`, `User { name, .. }`).
    pub part: bool,
}

/// Every name a pattern binds (`(i, &x)`, `Some(v)`, `User { name, .. }`, `a @ _`).
pub fn pattern_names(pat: &Pat) -> Vec<PatName<'_>> {
    let mut out = Vec::new();
    collect(pat, ElemPath::default(), None, false, &mut out, 0);
    out
}

/// Tuple-struct patterns that bind the value itself (`Some(x)`, `Ok(x)`, `Box(x)`).
fn is_transparent_variant(path: &syn::Path) -> bool {
    path.segments
        .last()
        .is_some_and(|s| matches!(s.ident.to_string().as_str(), "Some" | "Ok" | "Box"))
}

fn collect<'ast>(
    pat: &'ast Pat,
    path: ElemPath,
    ty: Option<&'ast Type>,
    part: bool,
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
                part,
            });
            if let Some((_, sub)) = &p.subpat {
                collect(sub, path, ty, part, out, depth + 1);
            }
        }
        Pat::Tuple(t) => {
            for (i, e) in t.elems.iter().enumerate() {
                collect(e, path.push(i), None, part, out, depth + 1);
            }
        }
        Pat::TupleStruct(t) => {
            let part = part || !is_transparent_variant(&t.path);
            for e in &t.elems {
                collect(e, path, None, part, out, depth + 1);
            }
        }
        Pat::Struct(s) => {
            for f in &s.fields {
                collect(&f.pat, path, None, true, out, depth + 1);
            }
        }
        Pat::Reference(r) => collect(&r.pat, path, ty, part, out, depth + 1),
        Pat::Type(t) => collect(&t.pat, path, Some(&t.ty), part, out, depth + 1),
        Pat::Paren(p) => collect(&p.pat, path, ty, part, out, depth + 1),
        Pat::Slice(s) => {
            for e in &s.elems {
                collect(e, path, None, true, out, depth + 1);
            }
        }
        Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                collect(first, path, ty, part, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// Names bound by a function parameter's pattern with the types the written type gives
/// them: `Path(id): Path<Uuid>` binds `id: Uuid` (extractor wrappers are tuple structs
/// over their first type argument); `(a, b): (i64, String)` binds `a: i64`, `b: String`.
pub fn typed_pattern_names<'ast>(pat: &'ast Pat, ty: &'ast Type) -> Vec<PatName<'ast>> {
    let mut out = Vec::new();
    typed(pat, ty, &mut out, 0);
    out
}

fn typed<'ast>(pat: &'ast Pat, ty: &'ast Type, out: &mut Vec<PatName<'ast>>, depth: usize) {
    if depth > 16 {
        return;
    }
    match (pat, ty) {
        (Pat::Ident(p), _) => out.push(PatName {
            ident: &p.ident,
            path: ElemPath::default(),
            ty: Some(ty),
            part: false,
        }),
        (Pat::TupleStruct(ts), Type::Path(tp)) if ts.elems.len() == 1 => {
            let inner = tp
                .path
                .segments
                .last()
                .and_then(crate::model::types::first_type_arg);
            match inner {
                Some(inner) => typed(&ts.elems[0], inner, out, depth + 1),
                None => out.extend(pattern_names(pat)),
            }
        }
        (Pat::Tuple(t), Type::Tuple(tt)) if t.elems.len() == tt.elems.len() => {
            for (p, ty) in t.elems.iter().zip(&tt.elems) {
                typed(p, ty, out, depth + 1);
            }
        }
        (Pat::Reference(r), Type::Reference(tr)) => typed(&r.pat, &tr.elem, out, depth + 1),
        (Pat::Paren(p), _) => typed(&p.pat, ty, out, depth + 1),
        _ => out.extend(pattern_names(pat)),
    }
}
