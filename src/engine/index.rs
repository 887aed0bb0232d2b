//! The project index: a compact, workspace-wide summary of the items that cross-file
//! rules need, extracted from each file's syntax tree during the per-file pass (in
//! parallel) and merged afterwards. Syntax trees are not kept.

use crate::config::SecretSettings;
use crate::engine::source::SourceFile;
use crate::engine::usemap::UseMap;
use crate::engine::validation::Callee;
use crate::finding::Region;
use crate::model::names::words;
use crate::model::secrets::{
    is_secret_name, is_strong_secret_name, NOT_SECRET_TYPES, REDACTING_TYPES,
};
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::{Fields, Item, Type};

/// Where an item of the index is declared: the cause of the findings it produces.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Site {
    /// The file, as displayed.
    pub path: String,
    /// The item's name.
    pub region: Region,
    /// The item's first line (its first attribute's).
    pub first_line: usize,
}

/// A struct or enum of the workspace.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TypeDef {
    pub name: String,
    /// Where it is declared.
    pub site: Site,
    pub krate: Option<String>,
    /// The module the type is declared in (`["crate", "routes", "login"]`).
    pub module: Vec<String>,
    /// `#[derive(Debug)]` (or `derive_more`/`derivative`/`educe` Debug).
    pub derives_debug: bool,
    /// Every derived trait, by last path segment (`Deserialize`, `Validate`, `FromForm`).
    pub derives: Vec<String>,
    /// Validates itself while deserializing: `#[serde(try_from = "..")]`, `#[nutype(..)]`.
    pub self_validating: bool,
    /// A type-level validation rule (`#[validate(schema(function = ".."))]`).
    pub schema_validation: bool,
    pub fields: Vec<FieldDef>,
    /// Number of variants (enums), 0 for structs.
    pub variants: usize,
}

/// A field of a struct or of an enum variant.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FieldDef {
    /// As shown in messages: `password`, `0`, `Password.0`, `Login.token`.
    pub name: String,
    /// The name that says whether the field holds a credential: the field's own, or for
    /// tuple fields the struct's or variant's (`struct ApiKey(String)`).
    pub role: String,
    /// Every type name in the field's type (`Option<Arc<DbConfig>>` → Option, Arc, DbConfig).
    pub type_names: Vec<String>,
    /// For each of `type_names`, the crate its path names when it is qualified by or
    /// imported from another crate (`serde_json::Value` → `serde_json`).
    pub type_crates: Vec<Option<String>>,
    /// A field of an enum variant.
    pub in_variant: bool,
    /// The field's type as written (`Option<String>`), for messages.
    pub ty_text: String,
    /// `role` names a credential (set when the index is merged, with the configured names).
    pub secret_role: bool,
    /// `role` names a credential unambiguously (`password`, `api_key`; not `token`).
    pub strong_role: bool,
    /// The field can hold arbitrary input: text, collections, JSON values (or `Option`s
    /// of them). Fields of workspace types are judged through those types.
    pub unbounded: bool,
    /// The field is read from the input (not `#[serde(skip)]` / `skip_deserializing`).
    pub input: bool,
    /// Checked while extracted: rocket `#[field(validate = ..)]`, poem-openapi
    /// `#[oai(validator(..))]`.
    pub extraction_check: bool,
    /// What `#[validate(..)]` / `#[garde(..)]` says of the field.
    pub validation: FieldValidation,
    /// The field's type is bounded (numbers, bool, dates): never a credential.
    pub bounded: bool,
    /// Left out of the derived `Debug` (`#[debug(skip)]`, `#[derivative(Debug = "ignore")]`).
    pub skip_debug: bool,
    /// Where the field is declared (its name and type).
    pub region: Region,
}

/// Validation attributes on a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum FieldValidation {
    /// No `validate`/`garde` attribute.
    #[default]
    None,
    /// Constraints (`length`, `email`, `range`, `custom`, …).
    Constraints,
    /// Validated through its own type (`#[validate(nested)]`, `#[garde(dive)]`).
    Nested,
    /// Explicitly not validated (`#[garde(skip)]`, `#[validate(skip)]`).
    Skip,
}

/// A trait implementation that matters to input validation.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ImplDef {
    /// The trait's last path segment (`FromRequest`, `TryFrom`, `Deserialize`).
    pub trait_name: String,
    /// The implementing type's name.
    pub self_ty: String,
    /// The trait's first type argument's name (`TryFrom<NewUserForm>` → `NewUserForm`).
    pub trait_arg: Option<String>,
    /// A method of the impl calls `.validate(..)` (or `validate_with_args`/`validate_args`).
    pub calls_validate: bool,
}

/// What one file contributes to the index.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FileIndex {
    pub types: Vec<TypeDef>,
    /// Types with a hand-written `impl Debug`.
    pub debug_impls: Vec<String>,
    /// Types with an inherent method returning a `Result`: a newtype of such a type is
    /// parsed (decoded, checked) before its value is used (`PaginationCursor::decode`).
    pub fallible_impls: Vec<String>,
    /// Implementations of request-extraction, conversion and validation traits.
    pub impls: Vec<ImplDef>,
    /// Functions that validate one of their parameters (index among the parameters
    /// after `self`), with the type of their `impl` block for methods.
    pub validating_fns: Vec<Callee>,
    /// Every function parameter, and whether the function only reads it (a lookup key,
    /// a flag, a credential it verifies) without passing it on.
    pub param_reads: Vec<(Callee, bool)>,
    /// Function parameters given on to other functions (not validated in the function
    /// itself): the parameter, and the calls it is given to.
    pub param_passes: Vec<(Callee, Vec<Callee>)>,
    /// Outbound requests sent through struct fields ([`crate::engine::requests`]).
    pub field_requests: Vec<crate::engine::requests::FieldRequest>,
}

/// Traits whose implementations the index records.
const INDEXED_TRAITS: &[&str] = &[
    "FromRequest",
    "FromRequestParts",
    "FromData",
    "FromForm",
    "TryFrom",
    "Deserialize",
    "Validate",
    "FromStr",
];

/// Derives that make a type an index entry: it can print secrets or arrive as input.
fn is_indexed_derive(name: &str) -> bool {
    matches!(
        name,
        "Debug" | "Deserialize" | "Validate" | "FromForm" | "Garde" | "Object" | "Multipart"
    )
}

/// Normalized crate name (`kanidm-proto` → `kanidm_proto`).
pub fn crate_ident(name: &str) -> String {
    name.replace('-', "_")
}

impl FileIndex {
    /// `scan_validate`: input validation is analyzed (function bodies are searched for
    /// parameters they validate only then).
    pub fn build(
        src: &SourceFile,
        items: &[Item],
        krate: Option<&str>,
        module: &[String],
        uses: &UseMap,
        scan_validate: bool,
    ) -> Self {
        let mut out = FileIndex::default();
        let mut b = Builder {
            src,
            krate,
            uses,
            scan_validate,
        };
        b.collect(&mut out, items, module, 0);
        out
    }

    fn note_validating_fn(&mut self, owner: Option<&str>, sig: &syn::Signature, body: &syn::Block) {
        let params: Vec<Vec<String>> = sig
            .inputs
            .iter()
            .filter_map(|i| match i {
                syn::FnArg::Typed(t) => Some(
                    crate::engine::pattern::pattern_names(&t.pat)
                        .into_iter()
                        .map(|p| p.ident.to_string())
                        .collect(),
                ),
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        if params.iter().all(Vec::is_empty) {
            return;
        }
        let ev = crate::engine::validation::Evidence::new(params).scan(body);
        for i in 0..ev.checked.len() {
            if ev.validated(i) {
                continue;
            }
            let passes: Vec<Callee> = ev
                .passed_to
                .iter()
                .filter(|(r, _)| *r == i)
                .map(|(_, c)| c.clone())
                .collect();
            if !passes.is_empty() {
                self.param_passes.push((
                    Callee {
                        owner: owner.map(str::to_string),
                        name: sig.ident.to_string(),
                        arg: i,
                    },
                    passes,
                ));
            }
        }
        for (i, u) in ev.uses.iter().enumerate() {
            let only_reads =
                !u.whole_consumed && u.consumed.is_empty() && (u.whole_read || !u.read.is_empty());
            self.param_reads.push((
                Callee {
                    owner: owner.map(str::to_string),
                    name: sig.ident.to_string(),
                    arg: i,
                },
                only_reads,
            ));
        }
        for i in 0..ev.checked.len() {
            if ev.validated(i) {
                self.validating_fns.push(Callee {
                    owner: owner.map(str::to_string),
                    name: sig.ident.to_string(),
                    arg: i,
                });
            }
        }
    }
}

/// Builds one file's [`FileIndex`].
#[derive(Clone, Copy)]
struct Builder<'a> {
    src: &'a SourceFile,
    krate: Option<&'a str>,
    uses: &'a UseMap,
    scan_validate: bool,
}

impl Builder<'_> {
    fn collect(&mut self, out: &mut FileIndex, items: &[Item], module: &[String], depth: usize) {
        let Builder {
            src,
            krate,
            uses,
            scan_validate,
        } = *self;
        if depth > 64 {
            return;
        }
        for item in items {
            match item {
                Item::Fn(f) if scan_validate => out.note_validating_fn(None, &f.sig, &f.block),
                // Only types that can print a secret (`Debug`) or arrive as request input
                // (`Deserialize`, `FromForm`, `Validate`) are kept, to keep the index small:
                // a field of a type without `Debug` could not be printed by a derived one.
                Item::Struct(s) if indexed(&s.attrs) => {
                    let name = s.ident.to_string();
                    let fields = fields_of(src, &s.fields, None, &name, uses);
                    out.types.push(TypeDef {
                        site: site(src, &s.attrs, &s.ident, s.struct_token.span),
                        name,
                        krate: krate.map(str::to_string),
                        module: module.to_vec(),
                        derives_debug: derives_debug(&s.attrs),
                        derives: derives(&s.attrs),
                        self_validating: self_validating(&s.attrs),
                        schema_validation: schema_validation(&s.attrs),
                        fields,
                        variants: 0,
                    });
                }
                Item::Enum(e) if indexed(&e.attrs) => {
                    let name = e.ident.to_string();
                    let mut fields = Vec::new();
                    for v in &e.variants {
                        let vname = v.ident.to_string();
                        fields.extend(fields_of(src, &v.fields, Some(&vname), &vname, uses));
                    }
                    out.types.push(TypeDef {
                        site: site(src, &e.attrs, &e.ident, e.enum_token.span),
                        name,
                        krate: krate.map(str::to_string),
                        module: module.to_vec(),
                        derives_debug: derives_debug(&e.attrs),
                        derives: derives(&e.attrs),
                        self_validating: self_validating(&e.attrs),
                        schema_validation: schema_validation(&e.attrs),
                        fields,
                        variants: e.variants.len(),
                    });
                }
                Item::Impl(imp) => {
                    if scan_validate {
                        let owner = crate::model::types::type_name(&imp.self_ty)
                            .map(|s| s.ident.to_string());
                        for it in &imp.items {
                            if let syn::ImplItem::Fn(m) = it {
                                out.note_validating_fn(owner.as_deref(), &m.sig, &m.block);
                            }
                        }
                    }
                    let Some((_, path, _)) = &imp.trait_ else {
                        if let Some(t) = crate::model::types::type_name(&imp.self_ty) {
                            if imp.items.iter().any(returns_result) {
                                out.fallible_impls.push(t.ident.to_string());
                            }
                        }
                        continue;
                    };
                    let Some(last) = path.segments.last() else {
                        continue;
                    };
                    let Some(self_ty) = crate::model::types::type_name(&imp.self_ty) else {
                        continue;
                    };
                    let self_ty = self_ty.ident.to_string();
                    if last.ident == "Debug" {
                        out.debug_impls.push(self_ty);
                        continue;
                    }
                    let trait_name = last.ident.to_string();
                    if !INDEXED_TRAITS.contains(&trait_name.as_str()) {
                        continue;
                    }
                    let trait_arg = crate::model::types::first_type_arg(last)
                        .and_then(crate::model::types::type_name)
                        .map(|s| s.ident.to_string());
                    let mut v = CallsValidate(false);
                    syn::visit::Visit::visit_item_impl(&mut v, imp);
                    out.impls.push(ImplDef {
                        trait_name,
                        self_ty,
                        trait_arg,
                        calls_validate: v.0,
                    });
                }
                Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        let mut sub = module.to_vec();
                        sub.push(m.ident.to_string());
                        self.collect(out, inner, &sub, depth + 1);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Where an item is declared: its name, and its first line (an attribute's, if any).
fn site(
    src: &SourceFile,
    attrs: &[syn::Attribute],
    ident: &syn::Ident,
    keyword: proc_macro2::Span,
) -> Site {
    let first = attrs
        .iter()
        .filter(|a| matches!(a.style, syn::AttrStyle::Outer))
        .map(|a| a.pound_token.span.start().line)
        .chain(std::iter::once(keyword.start().line))
        .min()
        .unwrap_or(1);
    Site {
        path: src.display.clone(),
        region: src.region(ident.span()),
        first_line: first.max(1),
    }
}

/// The local variable an expression reads a part of: `form` for `&form.0.email`,
/// `form.into_inner()`, `(*form).clone()`.
pub fn root_ident(e: &syn::Expr) -> Option<String> {
    let mut e = e;
    for _ in 0..32 {
        e = match e {
            syn::Expr::Path(p) => return p.path.get_ident().map(|i| i.to_string()),
            syn::Expr::Reference(r) => &r.expr,
            syn::Expr::Paren(p) => &p.expr,
            syn::Expr::Unary(u) => &u.expr,
            syn::Expr::Field(f) => &f.base,
            syn::Expr::MethodCall(m)
                if m.args.is_empty()
                    && matches!(
                        m.method.to_string().as_str(),
                        "into_inner" | "clone" | "as_ref" | "deref" | "0" | "inner" | "borrow"
                    ) =>
            {
                &m.receiver
            }
            _ => return None,
        };
    }
    None
}

/// Finds a `.validate(..)`-family call (validator, garde) anywhere in an item.
struct CallsValidate(bool);

impl<'ast> syn::visit::Visit<'ast> for CallsValidate {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if crate::model::web::is_validate_method(&m.method.to_string()) {
            self.0 = true;
        }
        if !self.0 {
            syn::visit::visit_expr_method_call(self, m);
        }
    }

    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        if !self.0 {
            syn::visit::visit_expr(self, e);
        }
    }
}

/// `#[serde(skip)]` / `#[serde(skip_deserializing)]`: the field is not read from input.
fn serde_skipped(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("serde")
            && matches!(&a.meta, syn::Meta::List(l) if l.tokens.clone().into_iter().any(|t| {
                matches!(&t, proc_macro2::TokenTree::Ident(i) if i == "skip" || i == "skip_deserializing")
            }))
    })
}

/// A method taking `self` and returning a `Result` (`fn decode(&self) -> Result<..>`).
fn returns_result(item: &syn::ImplItem) -> bool {
    let syn::ImplItem::Fn(m) = item else {
        return false;
    };
    if m.sig.receiver().is_none() {
        return false;
    }
    let syn::ReturnType::Type(_, ty) = &m.sig.output else {
        return false;
    };
    crate::model::types::type_name(ty).is_some_and(|s| s.ident.to_string().ends_with("Result"))
}

fn indexed(attrs: &[syn::Attribute]) -> bool {
    derives_debug(attrs) || derives(attrs).iter().any(|d| is_indexed_derive(d))
}

/// The derived traits, by last path segment (a token scan: no parsing).
fn derives(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for a in attrs {
        if !a.path().is_ident("derive") {
            continue;
        }
        let syn::Meta::List(l) = &a.meta else {
            continue;
        };
        let mut last: Option<String> = None;
        for t in l.tokens.clone() {
            match t {
                proc_macro2::TokenTree::Ident(i) => last = Some(i.to_string()),
                proc_macro2::TokenTree::Punct(p) if p.as_char() == ',' => {
                    out.extend(last.take());
                }
                _ => {}
            }
        }
        out.extend(last);
    }
    out
}

/// `#[serde(try_from = "..")]` / `#[serde(from = "..")]` (deserialized through a
/// conversion) or `#[nutype(..)]` (validated newtype).
fn self_validating(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let Some(last) = a.path().segments.last() else {
            return false;
        };
        if last.ident == "nutype" {
            return true;
        }
        if last.ident != "serde" {
            return false;
        }
        let syn::Meta::List(l) = &a.meta else {
            return false;
        };
        let toks: Vec<proc_macro2::TokenTree> = l.tokens.clone().into_iter().collect();
        toks.windows(2).any(|w| {
            matches!((&w[0], &w[1]), (proc_macro2::TokenTree::Ident(i), proc_macro2::TokenTree::Punct(p))
                if (i == "try_from" || i == "from") && p.as_char() == '=')
        })
    })
}

/// rocket's `#[field(validate = len(1..))]` and poem-openapi's
/// `#[oai(validator(max_length = 64))]`: checked at extraction.
fn extraction_check(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        (a.path().is_ident("field") || a.path().is_ident("oai"))
            && matches!(&a.meta, syn::Meta::List(l) if l.tokens.to_string().contains("validat"))
    })
}

/// A type-level `#[validate(schema(..))]` rule.
fn schema_validation(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("validate")
            && matches!(&a.meta, syn::Meta::List(l) if l.tokens.to_string().contains("schema"))
    })
}

/// What a field's `#[validate(..)]` / `#[garde(..)]` attributes say.
fn field_validation(attrs: &[syn::Attribute]) -> FieldValidation {
    let mut out = FieldValidation::None;
    for a in attrs {
        let Some(last) = a.path().segments.last() else {
            continue;
        };
        if extraction_check(std::slice::from_ref(a)) {
            out = FieldValidation::Constraints;
            continue;
        }
        if last.ident != "validate" && last.ident != "garde" {
            continue;
        }
        let words: Vec<String> = match &a.meta {
            syn::Meta::List(l) => l
                .tokens
                .clone()
                .into_iter()
                .filter_map(|t| match t {
                    proc_macro2::TokenTree::Ident(i) => Some(i.to_string()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let v = if words.iter().any(|w| w == "skip") {
            FieldValidation::Skip
        } else if words.iter().any(|w| w == "nested" || w == "dive") {
            FieldValidation::Nested
        } else {
            FieldValidation::Constraints
        };
        // The strongest statement wins: constraints over nesting over skipping.
        out = match (out, v) {
            (FieldValidation::Constraints, _) | (_, FieldValidation::Constraints) => {
                FieldValidation::Constraints
            }
            (FieldValidation::Nested, _) | (_, FieldValidation::Nested) => FieldValidation::Nested,
            _ => v,
        };
    }
    out
}

/// Types whose values are arbitrary input: text, collections, JSON values.
const UNBOUNDED_TYPES: &[&str] = &[
    "String", "str", "Vec", "HashMap", "BTreeMap", "HashSet", "BTreeSet", "Value", "Bytes",
    "VecDeque", "IndexMap", "Cow", "Box",
];

fn fields_of(
    src: &SourceFile,
    fields: &Fields,
    variant: Option<&str>,
    owner: &str,
    uses: &UseMap,
) -> Vec<FieldDef> {
    let mut out = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let (name, role) = match &f.ident {
            Some(id) => (id.to_string(), id.to_string()),
            None => (i.to_string(), owner.to_string()),
        };
        let name = match variant {
            Some(v) => format!("{v}.{name}"),
            None => name,
        };
        let mut type_names = Vec::new();
        let mut type_crates = Vec::new();
        visit_type_paths(&f.ty, &mut |p: &syn::Path| {
            let Some(last) = p.segments.last() else {
                return;
            };
            type_names.push(last.ident.to_string());
            type_crates.push(path_crate(p, uses));
        });
        let bounded = crate::model::types::is_bounded(&f.ty, &|_| false);
        let input = !serde_skipped(&f.attrs);
        let unbounded = !bounded
            && input
            && type_names
                .iter()
                .any(|n| UNBOUNDED_TYPES.contains(&n.as_str()));
        out.push(FieldDef {
            name,
            role,
            unbounded,
            input,
            extraction_check: extraction_check(&f.attrs),
            validation: field_validation(&f.attrs),
            type_names,
            type_crates,
            in_variant: variant.is_some(),
            ty_text: quote::ToTokens::to_token_stream(&f.ty)
                .to_string()
                .replace(" < ", "<")
                .replace(" >", ">")
                .replace(" ,", ","),
            secret_role: false,
            strong_role: false,
            bounded,
            skip_debug: skips_debug(&f.attrs),
            region: {
                let start = f.ident.as_ref().map_or_else(|| f.ty.span(), |i| i.span());
                src.region_from_to(start, f.ty.span())
            },
        });
    }
    out
}

/// The crate a type path names, when it is another crate than the current one
/// (`serde_json::Value`, or `Value` imported with `use serde_json::Value`).
pub fn path_crate(p: &syn::Path, uses: &UseMap) -> Option<String> {
    let full = uses.resolve(p);
    if full.len() < 2 {
        return None;
    }
    let first = full[0].as_str();
    (!matches!(first, "crate" | "self" | "super" | "Self")).then(|| crate_ident(first))
}

/// Calls `f` with every path in a type, generic arguments included.
pub fn visit_type_paths(ty: &Type, f: &mut dyn FnMut(&syn::Path)) {
    fn walk(ty: &Type, f: &mut dyn FnMut(&syn::Path), depth: usize) {
        if depth > 32 {
            return;
        }
        match ty {
            Type::Path(p) => {
                f(&p.path);
                for seg in &p.path.segments {
                    if let syn::PathArguments::AngleBracketed(a) = &seg.arguments {
                        for g in &a.args {
                            if let syn::GenericArgument::Type(t) = g {
                                walk(t, f, depth + 1);
                            }
                        }
                    }
                }
            }
            Type::Reference(r) => walk(&r.elem, f, depth + 1),
            Type::Paren(p) => walk(&p.elem, f, depth + 1),
            Type::Group(g) => walk(&g.elem, f, depth + 1),
            Type::Slice(s) => walk(&s.elem, f, depth + 1),
            Type::Array(a) => walk(&a.elem, f, depth + 1),
            Type::Tuple(t) => {
                for e in &t.elems {
                    walk(e, f, depth + 1);
                }
            }
            _ => {}
        }
    }
    walk(ty, f, 0)
}

/// Every path segment name in a type, generics included.
pub fn collect_type_names(ty: &Type, out: &mut Vec<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    match ty {
        Type::Path(p) => {
            for seg in &p.path.segments {
                out.push(seg.ident.to_string());
                if let syn::PathArguments::AngleBracketed(a) = &seg.arguments {
                    for g in &a.args {
                        if let syn::GenericArgument::Type(t) = g {
                            collect_type_names(t, out, depth + 1);
                        }
                    }
                }
            }
        }
        Type::Reference(r) => collect_type_names(&r.elem, out, depth + 1),
        Type::Paren(p) => collect_type_names(&p.elem, out, depth + 1),
        Type::Group(g) => collect_type_names(&g.elem, out, depth + 1),
        Type::Slice(s) => collect_type_names(&s.elem, out, depth + 1),
        Type::Array(a) => collect_type_names(&a.elem, out, depth + 1),
        Type::Tuple(t) => {
            for e in &t.elems {
                collect_type_names(e, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// `#[derive(Debug)]`, `#[derive(derive_more::Debug)]`, or `derivative`/`educe` Debug.
fn derives_debug(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let Some(last) = a.path().segments.last() else {
            return false;
        };
        let name = last.ident.to_string();
        if !matches!(name.as_str(), "derive" | "derivative" | "educe") {
            return false;
        }
        let syn::Meta::List(l) = &a.meta else {
            return false;
        };
        l.tokens.clone().into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == "Debug",
            _ => false,
        })
    })
}

/// Field attributes that leave the field out of a derived `Debug` or replace its output:
/// `#[debug(skip)]`, `#[debug("***")]`, `#[derivative(Debug = "ignore")]`,
/// `#[educe(Debug(ignore))]`.
fn skips_debug(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let Some(last) = a.path().segments.last() else {
            return false;
        };
        let name = last.ident.to_string();
        let syn::Meta::List(l) = &a.meta else {
            return false;
        };
        let text = l.tokens.to_string();
        match name.as_str() {
            "debug" => true,
            "derivative" | "educe" => {
                text.contains("Debug") && (text.contains("ignore") || text.contains("format"))
            }
            _ => false,
        }
    })
}

/// Whether a type name says its values are not credentials even in a secret-named field
/// or binding (`PasswordHash`, `CancellationToken`).
pub fn type_is_not_secret(name: &str) -> bool {
    NOT_SECRET_TYPES.contains(&name)
        || words(name).iter().any(|w| {
            matches!(
                w.as_str(),
                "hash" | "hashed" | "digest" | "hasher" | "hashes"
            )
        })
}

/// What a handler's payload lacks (see [`ProjectIndex::payload_verdict`]). Field lists
/// are rendered for messages: `` `name: String`, `tags: Vec<String>` ``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadVerdict {
    /// Never validated; `derives_validate`: the type derives `Validate` all the same.
    Unvalidated {
        fields: String,
        derives_validate: bool,
    },
    /// Validated, but the derive has no constraint on any unbounded field.
    NoConstraints { fields: String },
    /// Validated, but every unbounded field is `#[garde(skip)]` / `#[validate(skip)]`.
    AllSkipped { fields: String },
    /// Validated, but a field of a `Validate` type lacks `#[validate(nested)]`.
    NestedNotValidated { field: String, ty: String },
}

fn field_list(fields: &[String]) -> String {
    let list = fields
        .iter()
        .take(4)
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let more = if fields.len() > 4 { ", …" } else { "" };
    format!("{list}{more}")
}

/// The workspace-wide index, merged from every file's contribution.
#[derive(Debug, Default)]
pub struct ProjectIndex {
    types: HashMap<String, Vec<TypeDef>>,
    debug_impls: HashSet<String>,
    fallible_impls: HashSet<String>,
    /// Types whose `Debug` output contains a credential, with the field that does.
    leaky: HashMap<String, String>,
    /// Of `leaky`, the field declaration that puts the credential in the output (for a
    /// type nesting a leaking type, the nested type's).
    leak_sites: HashMap<String, LeakSite>,
    /// Of `leaky`, the types that print a credential named unambiguously (`password`,
    /// `api_key`, a configured type) rather than only a weakly named one (`token`).
    strong_leaky: HashSet<String>,
    /// The workspace's crates (normalized names).
    crates: HashSet<String>,
    /// Trait implementations that matter to input validation.
    pub impls: Vec<ImplDef>,
    /// Functions validating a parameter: (name, index after `self`) → the types whose
    /// `impl` defines them (`None`: a free function).
    validating_fns: HashMap<(String, usize), Vec<Option<String>>>,
    /// Function parameters: (name, index after `self`) → the types whose `impl` defines
    /// them, and whether that definition only reads the parameter.
    param_reads: HashMap<(String, usize), Vec<ParamRead>>,
    /// Function parameters given on to other functions: (name, index after `self`) →
    /// the type of the defining `impl`, and the calls.
    param_passes: HashMap<(String, usize), Vec<ParamPasses>>,
    /// Requests sent through a field of each name: (all, those that set a timeout).
    field_requests: HashMap<String, (usize, usize)>,
}

/// The declaration of a field that a derived `Debug` prints a credential from.
#[derive(Debug, Clone)]
pub struct LeakSite {
    /// The type declaring the field.
    pub owner: String,
    /// The field, as shown in messages.
    pub field: String,
    /// Where the type is declared.
    pub site: Site,
    /// Where the field is declared.
    pub field_region: Region,
}

/// Why a type's derived `Debug` prints a credential: the reason (for messages), whether
/// that is strong evidence, and the field declaration it comes from.
type Leak = (String, bool, LeakSite);

/// One definition of a function parameter given on: the type whose `impl` defines the
/// function, and the calls it is given to.
type ParamPasses = (Option<String>, Vec<Callee>);

/// One definition of a function parameter: the type whose `impl` defines the function
/// (`None`: a free function), and whether it only reads the parameter.
type ParamRead = (Option<String>, bool);

/// How many calls deep a payload is followed into the workspace for validation: the
/// handler's callee, and what that passes it on to (a service, its helper, a repository).
const MAX_VALIDATION_HOPS: usize = 3;

/// Enums with more variants than this do not leak through one secret-bearing variant: a
/// value printed is rarely that variant (`Value`, error enums).
const MAX_LEAKY_ENUM_VARIANTS: usize = 4;

impl ProjectIndex {
    pub fn new(files: Vec<FileIndex>, secrets: &SecretSettings) -> Self {
        let mut idx = ProjectIndex::default();
        // Field names repeat across a workspace (`id`, `name`, `password`): each is judged
        // once.
        let mut roles: HashMap<String, (bool, bool)> = HashMap::new();
        for f in files {
            for mut t in f.types {
                for field in &mut t.fields {
                    let (secret, strong) = match roles.get(&field.role) {
                        Some(&r) => r,
                        None => {
                            let r = (
                                is_secret_name(&field.role, &secrets.extra_names),
                                is_strong_secret_name(&field.role, &secrets.extra_names),
                            );
                            roles.insert(field.role.clone(), r);
                            r
                        }
                    };
                    field.secret_role = secret;
                    field.strong_role = strong;
                }
                if let Some(k) = &t.krate {
                    idx.crates.insert(crate_ident(k));
                }
                idx.types.entry(t.name.clone()).or_default().push(t);
            }
            idx.debug_impls.extend(f.debug_impls);
            idx.fallible_impls.extend(f.fallible_impls);
            idx.impls.extend(f.impls);
            for (c, calls) in f.param_passes {
                idx.param_passes
                    .entry((c.name, c.arg))
                    .or_default()
                    .push((c.owner, calls));
            }
            for (c, r) in f.param_reads {
                idx.param_reads
                    .entry((c.name, c.arg))
                    .or_default()
                    .push((c.owner, r));
            }
            for c in f.validating_fns {
                idx.validating_fns
                    .entry((c.name, c.arg))
                    .or_default()
                    .push(c.owner);
            }
            for (field, timed) in f.field_requests {
                let e = idx.field_requests.entry(field).or_default();
                e.0 += 1;
                e.1 += usize::from(timed);
            }
        }
        idx.compute_leaky(secrets);
        idx
    }

    /// Whether the workspace sends requests through fields named `field`, each with its
    /// own timeout.
    pub fn field_requests_timed(&self, field: &str) -> bool {
        self.field_requests
            .get(field)
            .is_some_and(|&(all, timed)| all > 0 && all == timed)
    }

    fn redacts(&self, name: &str, secrets: &SecretSettings) -> bool {
        REDACTING_TYPES.contains(&name)
            || secrets.safe_types.iter().any(|t| t == name)
            || self.debug_impls.contains(name)
    }

    /// Why `def`'s derived `Debug` prints a credential, given the types already known to,
    /// and whether that is strong evidence (a field named unambiguously, a configured
    /// type, a nested type that leaks so); a strong reason is preferred.
    fn def_leak(&self, def: &TypeDef, secrets: &SecretSettings) -> Option<Leak> {
        if !def.derives_debug || self.debug_impls.contains(&def.name) {
            return None;
        }
        let mut weak = None;
        let here = |f: &FieldDef| LeakSite {
            owner: def.name.clone(),
            field: f.name.clone(),
            site: def.site.clone(),
            field_region: f.region,
        };
        for f in &def.fields {
            if f.skip_debug || f.type_names.iter().any(|n| self.redacts(n, secrets)) {
                continue;
            }
            if f.in_variant && def.variants > MAX_LEAKY_ENUM_VARIANTS {
                continue;
            }
            if secrets.types.iter().any(|t| f.type_names.contains(t)) {
                return Some((format!("field `{}`", f.name), true, here(f)));
            }
            // A field of a workspace type prints what that type's `Debug` prints (the
            // nested check below), whatever the field is called.
            let workspace_typed = f.type_names.iter().any(|n| self.types.contains_key(n));
            // A `&'static str` is a label written in the source (`credentials: "password"`).
            let label = f.ty_text.replace(' ', "").starts_with("&'static");
            if f.secret_role
                && !f.bounded
                && !label
                && !workspace_typed
                && !f.type_names.iter().any(|n| type_is_not_secret(n))
            {
                let r = format!("field `{}`", f.name);
                if f.strong_role {
                    return Some((r, true, here(f)));
                }
                weak.get_or_insert((r, here(f)));
                continue;
            }
            if let Some(n) = f.type_names.iter().zip(&f.type_crates).find_map(|(n, c)| {
                let in_workspace = c.as_ref().is_none_or(|c| self.crates.contains(c));
                (*n != def.name && in_workspace && self.leaky.contains_key(n)).then_some(n)
            }) {
                let r = format!("field `{}` (`{n}`: {})", f.name, self.leaky[n]);
                let at = self.leak_sites.get(n).cloned().unwrap_or_else(|| here(f));
                if self.strong_leaky.contains(n) {
                    return Some((r, true, at));
                }
                weak.get_or_insert((r, at));
            }
        }
        weak.map(|(r, at)| (r, false, at))
    }

    /// Fixpoint: a type leaks if every definition of that name leaks, directly or
    /// through a field of a leaking type.
    fn compute_leaky(&mut self, secrets: &SecretSettings) {
        let mut names: Vec<&String> = self.types.keys().collect();
        names.sort();
        let names: Vec<String> = names.into_iter().cloned().collect();
        for _ in 0..16 {
            let mut added = Vec::new();
            for n in &names {
                if self.leaky.contains_key(n) {
                    continue;
                }
                let defs = &self.types[n];
                let reasons: Vec<Option<Leak>> =
                    defs.iter().map(|d| self.def_leak(d, secrets)).collect();
                if reasons.iter().all(Option::is_some) {
                    let strong = reasons.iter().all(|r| r.as_ref().is_some_and(|r| r.1));
                    if let Some(Some((r, _, at))) = reasons.into_iter().next() {
                        added.push((n.clone(), r, strong, at));
                    }
                }
            }
            if added.is_empty() {
                break;
            }
            for (n, r, strong, at) in added {
                if strong {
                    self.strong_leaky.insert(n.clone());
                }
                self.leak_sites.insert(n.clone(), at);
                self.leaky.insert(n, r);
            }
        }
        // A type found leaking through a weakly named field may also nest a type found
        // leaking strongly later on.
        for _ in 0..16 {
            let upgraded: Vec<(String, String, LeakSite)> = names
                .iter()
                .filter(|n| self.leaky.contains_key(*n) && !self.strong_leaky.contains(*n))
                .filter_map(|n| {
                    let defs = &self.types[n];
                    let reasons: Vec<Option<Leak>> =
                        defs.iter().map(|d| self.def_leak(d, secrets)).collect();
                    let strong = reasons.iter().all(|r| r.as_ref().is_some_and(|r| r.1));
                    match reasons.into_iter().next() {
                        Some(Some((r, _, at))) if strong => Some((n.clone(), r, at)),
                        _ => None,
                    }
                })
                .collect();
            if upgraded.is_empty() {
                break;
            }
            for (n, r, at) in upgraded {
                self.strong_leaky.insert(n.clone());
                self.leak_sites.insert(n.clone(), at);
                self.leaky.insert(n, r);
            }
        }
    }

    /// The definitions of `name`, those of `krate` first if it has any.
    fn defs(&self, name: &str, krate: Option<&str>) -> Vec<&TypeDef> {
        let all = self.types.get(name).map(Vec::as_slice).unwrap_or(&[]);
        let same: Vec<&TypeDef> = all
            .iter()
            .filter(|d| {
                krate.is_some_and(|k| d.krate.as_deref().map(crate_ident) == Some(crate_ident(k)))
            })
            .collect();
        if same.is_empty() {
            all.iter().collect()
        } else {
            same
        }
    }

    /// Whether a (normalized) crate name is a workspace crate.
    pub fn has_crate(&self, name: &str) -> bool {
        self.crates.contains(name)
    }

    /// Why a value of type `name` (seen from `krate`) prints a credential with `Debug`.
    pub fn debug_leak(
        &self,
        name: &str,
        krate: Option<&str>,
        secrets: &SecretSettings,
    ) -> Option<String> {
        self.debug_leak_strength(name, krate, secrets)
            .map(|(r, _)| r)
    }

    /// [`ProjectIndex::debug_leak`], and whether the leak is strong evidence (a field
    /// named unambiguously, `password` rather than `token`; a configured type).
    pub fn debug_leak_strength(
        &self,
        name: &str,
        krate: Option<&str>,
        secrets: &SecretSettings,
    ) -> Option<(String, bool)> {
        self.debug_leak_at(name, krate, secrets)
            .map(|(r, strong, _)| (r, strong))
    }

    /// [`ProjectIndex::debug_leak_strength`], and the field declaration the credential
    /// comes from (of the last definition, when several define the name).
    pub fn debug_leak_at(
        &self,
        name: &str,
        krate: Option<&str>,
        secrets: &SecretSettings,
    ) -> Option<Leak> {
        let defs = self.defs(name, krate);
        if defs.is_empty() {
            return None;
        }
        let mut reason = None;
        let mut strong = true;
        for d in defs {
            let (r, s, at) = self.def_leak(d, secrets)?;
            strong &= s;
            reason = Some((r, at));
        }
        reason.map(|(r, at)| (r, strong, at))
    }

    /// The type names of field `field` of type `owner` (all definitions must agree).
    pub fn field_types(
        &self,
        owner: &str,
        field: &str,
        krate: Option<&str>,
    ) -> Option<Vec<String>> {
        let defs = self.defs(owner, krate);
        let mut out: Option<Vec<String>> = None;
        for d in defs {
            let f = d.fields.iter().find(|f| f.name == field)?;
            match &out {
                Some(o) if *o != f.type_names => return None,
                _ => out = Some(f.type_names.clone()),
            }
        }
        out
    }

    /// The definitions of `name` in `module` if it is known and has one, else as
    /// [`ProjectIndex::defs`].
    fn defs_in(&self, name: &str, krate: Option<&str>, module: Option<&[String]>) -> Vec<&TypeDef> {
        let defs = self.defs(name, krate);
        if let Some(m) = module {
            let exact: Vec<&TypeDef> = defs.iter().copied().filter(|d| d.module == m).collect();
            if !exact.is_empty() {
                return exact;
            }
        }
        defs
    }

    /// Where the payload type `name` is declared, when one declaration answers (in
    /// `module` if given and known, else the only one of `krate`'s or the workspace's).
    pub fn type_site(
        &self,
        name: &str,
        krate: Option<&str>,
        module: Option<&[String]>,
    ) -> Option<&Site> {
        match self.defs_in(name, krate, module).as_slice() {
            [one] => Some(&one.site),
            _ => None,
        }
    }

    /// The indexed definitions of a type, those of `krate` first if it has any.
    pub fn types_named(&self, name: &str, krate: Option<&str>) -> Vec<&TypeDef> {
        self.defs(name, krate)
    }

    /// What a handler's payload of type `name` lacks, or `None` when nothing: the type
    /// is unknown, validates itself (`#[serde(try_from)]`, nutype, a hand-written
    /// `Deserialize`, rocket/poem-openapi field validators), or has only bounded fields.
    /// Nested workspace types are followed. `validated`: the handler validates the
    /// payload through its `Validate` derive (`.validate()`, a validating extractor), so
    /// only what that derive leaves unchecked is reported.
    pub fn payload_verdict(
        &self,
        name: &str,
        krate: Option<&str>,
        module: Option<&[String]>,
        validated: bool,
    ) -> Option<PayloadVerdict> {
        let mut seen = Vec::new();
        let fields = self.unbounded_fields(name, krate, module, &mut seen)?;
        let defs = self.defs_in(name, krate, module);
        let derives_validate = defs
            .iter()
            .any(|d| d.derives.iter().any(|x| x == "Validate"))
            || self
                .impls
                .iter()
                .any(|i| i.trait_name == "Validate" && i.self_ty == name);
        if !validated {
            return Some(PayloadVerdict::Unvalidated {
                fields: field_list(&fields),
                derives_validate,
            });
        }
        // Validated through the derive: what does the derive check?
        let manual = self
            .impls
            .iter()
            .any(|i| i.trait_name == "Validate" && i.self_ty == name);
        if manual || !derives_validate || defs.iter().any(|d| d.schema_validation) {
            return None;
        }
        for d in &defs {
            for f in &d.fields {
                if f.validation != FieldValidation::None || f.unbounded || !f.input {
                    continue;
                }
                let nested = f.type_names.iter().find(|n| {
                    *n != name
                        && self.types.get(*n).is_some_and(|ds| {
                            ds.iter().any(|t| t.derives.iter().any(|x| x == "Validate"))
                        })
                });
                if let Some(n) = nested {
                    return Some(PayloadVerdict::NestedNotValidated {
                        field: format!("{}: {}", f.name, f.ty_text),
                        ty: n.clone(),
                    });
                }
            }
        }
        let unbounded: Vec<&FieldDef> = defs
            .iter()
            .flat_map(|d| d.fields.iter())
            .filter(|f| f.unbounded)
            .collect();
        if unbounded.is_empty()
            || unbounded.iter().any(|f| {
                matches!(
                    f.validation,
                    FieldValidation::Constraints | FieldValidation::Nested
                )
            })
        {
            return None;
        }
        let list = field_list(
            &unbounded
                .iter()
                .map(|f| format!("{}: {}", f.name, f.ty_text))
                .collect::<Vec<_>>(),
        );
        Some(
            if unbounded
                .iter()
                .all(|f| f.validation == FieldValidation::Skip)
            {
                PayloadVerdict::AllSkipped { fields: list }
            } else {
                PayloadVerdict::NoConstraints { fields: list }
            },
        )
    }

    /// The unbounded fields of a payload type (`field: Type`), `None` if it needs no
    /// validation or is not known.
    fn unbounded_fields(
        &self,
        name: &str,
        krate: Option<&str>,
        module: Option<&[String]>,
        seen: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if seen.iter().any(|s| s == name) || seen.len() > 8 {
            return None;
        }
        seen.push(name.to_string());
        let defs = self.defs_in(name, krate, module);
        if defs.is_empty() || defs.iter().any(|d| d.self_validating) {
            return None;
        }
        // A newtype with fallible methods is decoded or checked before use.
        if self.fallible_impls.contains(name)
            && defs
                .iter()
                .all(|d| d.variants == 0 && d.fields.len() == 1 && d.fields[0].name == "0")
        {
            return None;
        }
        // rocket `FromForm` and poem-openapi `Object` types check their field validators
        // while being extracted.
        if defs.iter().any(|d| {
            d.derives.iter().any(|x| x == "FromForm" || x == "Object")
                && d.fields.iter().any(|f| f.extraction_check)
        }) {
            return None;
        }
        if self
            .impls
            .iter()
            .any(|i| i.self_ty == name && i.trait_name == "Deserialize")
        {
            return None;
        }
        let mut out = Vec::new();
        for d in defs {
            for f in &d.fields {
                if f.unbounded && !self.list_of_fieldless_enums(f) {
                    out.push(format!("{}: {}", f.name, f.ty_text));
                    continue;
                }
                if f.unbounded {
                    continue;
                }
                if !f.input {
                    continue;
                }
                // A nested payload type that itself needs validation.
                if let Some(n) = f
                    .type_names
                    .iter()
                    .find(|n| *n != name && self.types.contains_key(*n))
                {
                    if self.unbounded_fields(n, krate, None, seen).is_some() {
                        out.push(format!("{}: {n}", f.name));
                    }
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }

    /// A field holding a list (or set) of a workspace enum without fields
    /// (`Vec<Kind>`, `Option<HashSet<Kind>>`): each element is one of a closed set of
    /// names, checked while deserialized.
    fn list_of_fieldless_enums(&self, f: &FieldDef) -> bool {
        const LISTS: &[&str] = &["Vec", "Option", "HashSet", "BTreeSet", "VecDeque", "Box"];
        let mut enums = 0;
        for n in &f.type_names {
            if LISTS.contains(&n.as_str()) {
                continue;
            }
            let fieldless = self.types.get(n).is_some_and(|ds| {
                !ds.is_empty() && ds.iter().all(|d| d.variants > 0 && d.fields.is_empty())
            });
            if !fieldless {
                return false;
            }
            enums += 1;
        }
        enums > 0
    }

    /// The names of a payload type's unbounded fields (nested payload types included),
    /// `None` if it needs no validation or is not known.
    pub fn unbounded_field_names(
        &self,
        name: &str,
        krate: Option<&str>,
        module: Option<&[String]>,
    ) -> Option<Vec<String>> {
        let fields = self.unbounded_fields(name, krate, module, &mut Vec::new())?;
        Some(
            fields
                .iter()
                .map(|f| f.split(':').next().unwrap_or(f).trim().to_string())
                .collect(),
        )
    }

    /// The unbounded fields of a payload type among `only` (names), rendered for a
    /// message: `` `title: String`, `body: String` ``.
    pub fn unbounded_field_list(
        &self,
        name: &str,
        krate: Option<&str>,
        module: Option<&[String]>,
        only: &[String],
    ) -> Option<String> {
        let fields: Vec<String> = self
            .unbounded_fields(name, krate, module, &mut Vec::new())?
            .into_iter()
            .filter(|f| {
                let name = f.split(':').next().unwrap_or(f).trim();
                only.iter()
                    .any(|o| crate::engine::validation::field_matches(name, o))
            })
            .collect();
        (!fields.is_empty()).then(|| field_list(&fields))
    }

    /// Whether a function given a payload validates it: a workspace function of that name
    /// validates that parameter, and when the call names a type (`App::insert`), it is
    /// that type's method.
    pub fn validates(&self, c: &Callee) -> bool {
        self.validates_within(c, MAX_VALIDATION_HOPS, &mut Vec::new())
    }

    /// [`ProjectIndex::validates`], also through the functions the parameter is given on
    /// to (a service handing it to its validating helper), up to `hops` calls deep.
    fn validates_within(&self, c: &Callee, hops: usize, seen: &mut Vec<Callee>) -> bool {
        let direct = self
            .validating_fns
            .get(&(c.name.clone(), c.arg))
            .is_some_and(|owners| {
                c.owner.is_none() || owners.iter().any(|o| o.as_deref() == c.owner.as_deref())
            });
        if direct {
            return true;
        }
        if hops <= 1 || seen.contains(c) {
            return false;
        }
        seen.push(c.clone());
        let Some(defs) = self.param_passes.get(&(c.name.clone(), c.arg)) else {
            return false;
        };
        defs.iter()
            .filter(|(o, _)| c.owner.is_none() || o.as_deref() == c.owner.as_deref())
            .any(|(_, calls)| {
                calls
                    .iter()
                    .any(|n| self.validates_within(n, hops - 1, seen))
            })
    }

    /// Whether every workspace function a call may reach only reads that argument (looks
    /// a record up by it, tests it, verifies it) and passes it nowhere.
    pub fn only_reads(&self, c: &Callee) -> bool {
        // A function named for writing (`store_event`) is taken at its word.
        !crate::model::web::is_write_fn(&c.name)
            && self
                .param_reads
                .get(&(c.name.clone(), c.arg))
                .is_some_and(|defs| {
                    let reached: Vec<bool> = defs
                        .iter()
                        .filter(|(o, _)| c.owner.is_none() || o.as_deref() == c.owner.as_deref())
                        .map(|(_, r)| *r)
                        .collect();
                    !reached.is_empty() && reached.iter().all(|r| *r)
                })
    }

    /// Whether `name` is defined in the workspace.
    pub fn has_type(&self, name: &str) -> bool {
        self.types.contains_key(name)
    }

    /// Whether a type hides what it holds: a known redacting wrapper, a configured safe
    /// type, or a type the workspace implements `Debug` for by hand.
    pub fn redacts_type(&self, name: &str, secrets: &SecretSettings) -> bool {
        self.redacts(name, secrets)
    }

    /// Whether the workspace implements `Debug` by hand for a type of this name.
    pub fn has_debug_impl(&self, name: &str) -> bool {
        self.debug_impls.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(src: &str) -> ProjectIndex {
        let f = syn::parse_file(src).unwrap();
        let uses = UseMap::build(&f.items, &["crate".into()]);
        let file = SourceFile::new("src/lib.rs".into(), src.to_string());
        let fi = FileIndex::build(&file, &f.items, Some("app"), &["crate".into()], &uses, true);
        ProjectIndex::new(vec![fi], &SecretSettings::default())
    }

    #[test]
    fn derived_debug_with_secret_field_leaks() {
        let idx = index(
            r#"
            #[derive(Debug, Deserialize)] struct Login { user: String, password: String }
            #[derive(Debug)] struct Safe { user: String, password: SecretString }
            #[derive(Debug)] struct Hashed { password_hash: String, password: PasswordHash }
            struct NoDebug { password: String }
            #[derive(Debug)] struct Manual { password: String }
            impl fmt::Debug for Manual { fn fmt(&self, f: &mut Formatter) -> fmt::Result { Ok(()) } }
            #[derive(Debug)] struct Outer { db: Option<Arc<Db>> }
            #[derive(Debug)] struct Db { url: String, db_password: String }
            #[derive(Debug)] struct ApiKey(String);
            #[derive(Debug)] enum Auth { Password(String), Anonymous }
            #[derive(Debug)] struct Skipped { #[debug(skip)] password: String }
            #[derive(Debug)] struct Flags { has_password: bool, password_set: bool }
            "#,
        );
        let s = SecretSettings::default();
        assert_eq!(
            idx.debug_leak("Login", Some("app"), &s).as_deref(),
            Some("field `password`")
        );
        assert!(idx
            .debug_leak("Outer", None, &s)
            .unwrap()
            .contains("db_password"));
        assert!(idx.debug_leak("ApiKey", None, &s).is_some());
        assert!(idx.debug_leak("Auth", None, &s).is_some());
        for n in [
            "Safe", "Hashed", "NoDebug", "Manual", "Skipped", "Flags", "Unknown",
        ] {
            assert!(idx.debug_leak(n, None, &s).is_none(), "{n}");
        }
    }

    #[test]
    fn debug_leaks_are_strong_or_weak() {
        let idx = index(
            r#"
            #[derive(Debug)] struct Login { user: String, password: String }
            #[derive(Debug)] struct Grant { scope: String, token: String }
            #[derive(Debug)] struct Both { token: String, inner: Login }
            #[derive(Debug)] struct Label { credentials: &'static str }
            "#,
        );
        let s = SecretSettings::default();
        let strong = |n: &str| idx.debug_leak_strength(n, None, &s).map(|(_, st)| st);
        assert_eq!(strong("Login"), Some(true));
        assert_eq!(strong("Grant"), Some(false));
        assert_eq!(strong("Both"), Some(true));
        assert_eq!(strong("Label"), None);
    }

    #[test]
    fn payload_facts() {
        let idx = index(
            r#"
            #[derive(Deserialize, Validate)]
            struct NewUser {
                #[validate(email)] email: String,
                #[validate(nested)] address: Address,
                nickname: Option<String>,
                age: u8,
                #[garde(skip)] note: String,
            }
            #[derive(Deserialize)] #[serde(try_from = "RawEmail")] struct Email(String);
            #[nutype(validate(not_empty))] struct Name(String);
            struct Plain { a: String }
            impl<S> FromRequest<S> for Checked<T> {
                async fn from_request(req: Request, s: &S) -> Result<Self, E> {
                    let v = Json::<T>::from_request(req, s).await?;
                    v.validate()?;
                    Ok(Checked(v))
                }
            }
            impl TryFrom<NewUserForm> for NewUser { fn try_from(f: NewUserForm) -> Result<Self, E> { todo!() } }
            "#,
        );
        let u = &idx.types_named("NewUser", None)[0];
        assert!(u.derives.contains(&"Validate".to_string()));
        let f = |n: &str| u.fields.iter().find(|f| f.name == n).unwrap();
        assert_eq!(f("email").validation, FieldValidation::Constraints);
        assert!(f("email").unbounded);
        assert_eq!(f("address").validation, FieldValidation::Nested);
        assert!(f("nickname").unbounded && f("nickname").validation == FieldValidation::None);
        assert!(!f("age").unbounded);
        assert_eq!(f("note").validation, FieldValidation::Skip);
        assert!(idx.types_named("Email", None)[0].self_validating);
        assert!(idx.types_named("Plain", None).is_empty());
        let from_request = idx
            .impls
            .iter()
            .find(|i| i.trait_name == "FromRequest")
            .unwrap();
        assert_eq!(from_request.self_ty, "Checked");
        assert!(from_request.calls_validate);
        let try_from = idx
            .impls
            .iter()
            .find(|i| i.trait_name == "TryFrom")
            .unwrap();
        assert_eq!(try_from.trait_arg.as_deref(), Some("NewUserForm"));
        assert!(!try_from.calls_validate);
    }

    #[test]
    fn payload_verdicts() {
        let idx = index(
            r#"
            #[derive(Deserialize, Validate)] struct Bare { body: String, #[validate(range(min = 1))] n: i32 }
            #[derive(Deserialize, Validate)] struct Skipped { #[garde(skip)] body: String }
            #[derive(Deserialize, Validate)] struct Inner { #[validate(length(max = 9))] s: String }
            #[derive(Deserialize, Validate)] struct Outer { #[validate(email)] e: String, inner: Inner }
            #[derive(Deserialize, Validate)] struct Good { #[validate(email)] e: String, #[validate(nested)] inner: Inner }
            #[derive(Deserialize)] struct Plain { name: String }
            #[derive(Deserialize)] struct Bounded { n: u32, ok: bool }
            #[derive(Deserialize, FromForm)] struct RocketForm { #[field(validate = len(1..64))] name: String }
            #[derive(Deserialize)] struct Wrap { p: Plain }
            #[derive(Deserialize)] struct Manual { s: String }
            impl<'de> Deserialize<'de> for Manual { fn deserialize<D>(d: D) -> Result<Self, D::Error> { todo!() } }
            fn svc(x: Plain) -> Result<(), E> { if x.name.len() > 9 { return Err(E) } Ok(()) }
            impl Repo { fn save(&self, id: i32, x: Plain) { let _ = x; } }
            "#,
        );
        let v = |n: &str, validated: bool| idx.payload_verdict(n, Some("app"), None, validated);
        assert!(matches!(
            v("Plain", false),
            Some(PayloadVerdict::Unvalidated {
                derives_validate: false,
                ..
            })
        ));
        assert!(matches!(
            v("Bare", false),
            Some(PayloadVerdict::Unvalidated {
                derives_validate: true,
                ..
            })
        ));
        assert!(matches!(
            v("Bare", true),
            Some(PayloadVerdict::NoConstraints { .. })
        ));
        assert!(matches!(
            v("Skipped", true),
            Some(PayloadVerdict::AllSkipped { .. })
        ));
        assert!(matches!(
            v("Outer", true),
            Some(PayloadVerdict::NestedNotValidated { .. })
        ));
        assert_eq!(v("Good", true), None);
        assert_eq!(v("Bounded", false), None);
        assert_eq!(v("RocketForm", false), None);
        assert_eq!(v("Manual", false), None);
        assert_eq!(v("Unknown", false), None);
        assert!(matches!(
            v("Wrap", false),
            Some(PayloadVerdict::Unvalidated { ref fields, .. }) if fields.contains("p: Plain")
        ));
        let call = |owner: Option<&str>, name: &str, arg| Callee {
            owner: owner.map(str::to_string),
            name: name.into(),
            arg,
        };
        assert!(idx.validates(&call(None, "svc", 0)));
        assert!(!idx.validates(&call(None, "svc", 1)));
        assert!(!idx.validates(&call(Some("Repo"), "save", 1)));
    }
}
