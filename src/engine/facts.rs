//! Facts about a file's items, gathered without walking function bodies: constants,
//! fieldless enums, struct field types and function return types. Rules use them to
//! tell constant and bounded values from arbitrary ones.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use syn::{Fields, ImplItem, Item, ReturnType, TraitItem, Type};

#[derive(Debug, Default)]
pub struct FileFacts<'ast> {
    /// Modules the file declares (`mod storage;`, `mod repo { .. }`, nested too).
    pub modules: HashSet<String>,
    /// `const`/`static` items, incl. associated consts (by name).
    pub consts: HashSet<String>,
    /// The initializers of those items (the first item of a name), for rules that need a
    /// constant's value (a hash cost, a key).
    pub const_values: HashMap<String, &'ast syn::Expr>,
    /// Enums whose variants carry no data.
    pub fieldless_enums: HashSet<String>,
    /// Struct name → named fields and their types.
    pub structs: HashMap<String, Vec<(String, &'ast Type)>>,
    /// Function and method name → return type (methods of any impl, by name).
    pub fn_returns: HashMap<String, &'ast ReturnType>,
    /// Function and method name → its parameters (the first definition of a name).
    pub fn_sigs: HashMap<String, FnSig>,
    /// Tuple structs with a single field: name → the field's type.
    pub newtypes: HashMap<String, &'ast Type>,
    /// Functions and methods of this file that return text (`String`, `&str`, …).
    pub text_returns: HashSet<String>,
    /// The file's items, for rules that look for definitions anywhere in the file and
    /// for facts computed on demand.
    pub items: &'ast [Item],
    /// The call graph, computed the first time a rule asks.
    calls: std::cell::OnceCell<crate::engine::calls::FileCalls<'ast>>,
    /// Enum items by name (the first of a name).
    pub enum_items: HashMap<String, &'ast syn::ItemEnum>,
    /// Struct items by name (the first of a name).
    pub struct_items: HashMap<String, &'ast syn::ItemStruct>,
    /// Trait implementations (`impl From<sqlx::Error> for AppError`).
    pub trait_impls: Vec<&'ast syn::ItemImpl>,
}

/// What call-site summaries need to know of a function.
#[derive(Debug, Clone)]
pub struct FnSig {
    /// Takes `self`: method-call arguments map to parameters after it.
    pub has_self: bool,
    /// Callable from other files (any `pub`, or a trait method).
    pub public: bool,
    /// Parameter names, in order (`None` for patterns that bind no single name).
    pub params: Vec<Option<String>>,
}

impl FnSig {
    fn of(sig: &syn::Signature, public: bool) -> Self {
        let mut has_self = false;
        let mut params = Vec::new();
        for input in &sig.inputs {
            match input {
                syn::FnArg::Receiver(_) => has_self = true,
                syn::FnArg::Typed(t) => params.push(match &*t.pat {
                    syn::Pat::Ident(i) => Some(i.ident.to_string()),
                    _ => None,
                }),
            }
        }
        FnSig {
            has_self,
            public,
            params,
        }
    }
}

impl<'ast> FileFacts<'ast> {
    /// The function of this file a call path names: `f`, `Self::f`, `self::f`, or
    /// `T::f` for a type `T` declared in this file that has a function `f` (an associated
    /// function called by its type's name is the same function as a free one).
    pub fn local_fn(&self, path: &syn::Path) -> Option<String> {
        let segs = &path.segments;
        let last = segs.last()?.ident.to_string();
        match segs.len() {
            1 => Some(last),
            2 => {
                let owner = segs[0].ident.to_string();
                let local = owner == "Self"
                    || owner == "self"
                    || ((self.struct_items.contains_key(&owner)
                        || self.enum_items.contains_key(&owner))
                        && self.fn_sigs.contains_key(&last));
                local.then_some(last)
            }
            _ => None,
        }
    }

    pub fn build(items: &'ast [Item]) -> Self {
        let mut f = FileFacts {
            items,
            ..FileFacts::default()
        };
        f.collect(items, 0);
        f
    }

    /// The file's call graph (built on first use).
    pub fn calls(&self) -> &crate::engine::calls::FileCalls<'ast> {
        self.calls
            .get_or_init(|| crate::engine::calls::FileCalls::build(self.items))
    }

    fn collect(&mut self, items: &'ast [Item], depth: usize) {
        if depth > 64 {
            return;
        }
        for item in items {
            match item {
                Item::Const(c) => {
                    self.consts.insert(c.ident.to_string());
                    self.const_values
                        .entry(c.ident.to_string())
                        .or_insert(&c.expr);
                }
                Item::Static(s) => {
                    self.consts.insert(s.ident.to_string());
                    if matches!(s.mutability, syn::StaticMutability::None) {
                        self.const_values
                            .entry(s.ident.to_string())
                            .or_insert(&s.expr);
                    }
                }
                Item::Enum(e) => {
                    if e.variants.iter().all(|v| matches!(v.fields, Fields::Unit)) {
                        self.fieldless_enums.insert(e.ident.to_string());
                    }
                    self.enum_items.entry(e.ident.to_string()).or_insert(e);
                }
                Item::Struct(s) => {
                    self.struct_items.entry(s.ident.to_string()).or_insert(s);
                    if let Fields::Unnamed(u) = &s.fields {
                        if u.unnamed.len() == 1 {
                            self.newtypes.insert(s.ident.to_string(), &u.unnamed[0].ty);
                        }
                    }
                    if let Fields::Named(named) = &s.fields {
                        let fields = named
                            .named
                            .iter()
                            .filter_map(|f| f.ident.as_ref().map(|i| (i.to_string(), &f.ty)))
                            .collect();
                        self.structs.insert(s.ident.to_string(), fields);
                    }
                }
                Item::Fn(func) => {
                    self.fn_returns
                        .insert(func.sig.ident.to_string(), &func.sig.output);
                    let public = !matches!(func.vis, syn::Visibility::Inherited);
                    self.note_return(&func.sig);
                    self.fn_sigs
                        .entry(func.sig.ident.to_string())
                        .or_insert_with(|| FnSig::of(&func.sig, public));
                }
                Item::Impl(imp) => {
                    if imp.trait_.is_some() {
                        self.trait_impls.push(imp);
                    }
                    for it in &imp.items {
                        match it {
                            ImplItem::Const(c) => {
                                self.consts.insert(c.ident.to_string());
                                self.const_values
                                    .entry(c.ident.to_string())
                                    .or_insert(&c.expr);
                            }
                            ImplItem::Fn(m) => {
                                self.fn_returns
                                    .entry(m.sig.ident.to_string())
                                    .or_insert(&m.sig.output);
                                self.note_return(&m.sig);
                                let public = imp.trait_.is_some()
                                    || !matches!(m.vis, syn::Visibility::Inherited);
                                self.fn_sigs
                                    .entry(m.sig.ident.to_string())
                                    .or_insert_with(|| FnSig::of(&m.sig, public));
                            }
                            _ => {}
                        }
                    }
                }
                Item::Trait(t) => {
                    for it in &t.items {
                        if let TraitItem::Const(c) = it {
                            self.consts.insert(c.ident.to_string());
                        }
                    }
                }
                Item::Mod(m) => {
                    self.modules.insert(m.ident.to_string());
                    if let Some((_, inner)) = &m.content {
                        self.collect(inner, depth + 1);
                    }
                }
                _ => {}
            }
        }
    }

    fn note_return(&mut self, sig: &syn::Signature) {
        if let ReturnType::Type(_, ty) = &sig.output {
            if crate::model::types::is_text_return(ty) {
                self.text_returns.insert(sig.ident.to_string());
            }
        }
    }

    /// Names of the types of this file whose values are bounded: fieldless enums and
    /// single-field tuple structs of bounded types.
    pub fn bounded_type_names(&self) -> Vec<String> {
        let mut out: Vec<String> = self.fieldless_enums.iter().cloned().collect();
        let bounded =
            |ty: &Type| crate::model::types::is_bounded(ty, &|n| self.fieldless_enums.contains(n));
        for (name, ty) in &self.newtypes {
            if bounded(ty) {
                out.push(name.clone());
            }
        }
        // Bounded fields of structs, as `Struct.field`, for values read from structs
        // declared in other files.
        for (name, fields) in &self.structs {
            for (field, ty) in fields {
                if bounded(ty) {
                    out.push(format!("{name}.{field}"));
                }
            }
        }
        out.sort();
        out
    }

    /// The declared type of `field` in struct `name`, if the struct is in this file.
    pub fn field_type(&self, name: &str, field: &str) -> Option<&'ast Type> {
        self.structs
            .get(name)?
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, t)| *t)
    }
}
