//! The taint engine: request data followed from handler extractors to dangerous sinks.
//!
//! A rule is a [`Spec`]: the sinks it watches (a function over one expression), whether
//! it cares about text or sizes, and which checks and conversions make its sink safe.
//!
//! **Per file** (during the walk): at each sink of an enabled spec, and at each call that
//! is given something derived from a parameter or a request, the engine evaluates the
//! argument symbolically ([`eval`]) through the binding service ([`crate::engine::resolve`]):
//! a [`Taint`] is a set of [`Atom`]s, each rooted in request data ([`Root::Source`]), a
//! parameter of the enclosing function ([`Root::Param`]), or the value returned by a call
//! ([`Root::Ret`]), with what was done to it on the way ([`Kinds`]). Each function
//! leaves a summary ([`FnSummary`]: what it returns, which calls it passes what); each sink
//! leaves a deferred finding ([`SinkFlow`]). No syntax tree outlives the file.
//!
//! **Project pass** ([`project`]): return values are resolved through the callees'
//! summaries (context-sensitive: each call substitutes its own arguments), and request
//! data entering each function's parameters is propagated from every call site to a
//! fixed point, across files and crates. A deferred sink finding stands when request data
//! of the kind its spec cares about reaches it with none of the spec's checks applied.

pub mod eval;
pub mod project;

use crate::engine::cx::Cx;
use crate::model::taint::Kinds;
use crate::rules::RuleMeta;
use std::sync::Arc;

/// Which request values a spec cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Text: paths, URLs, commands, markup, patterns. Numbers do not count.
    Text,
    /// Sizes: numbers taken from the request.
    Size,
}

/// One argument of a sink that must not carry request data.
pub struct SinkArg<'ast> {
    pub arg: &'ast syn::Expr,
    /// The sink as shown in messages (`std::fs::read`, `Command::new`).
    pub sink: String,
    /// Where the finding points (the sink call).
    pub span: proc_macro2::Span,
}

/// Finds the sinks an expression is.
pub type SinkFinder = for<'a, 'ast> fn(&Cx<'a, 'ast>, &'ast syn::Expr, &mut Vec<SinkArg<'ast>>);

/// Which values a spec follows: the engine's two kinds of source.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum SourceKind {
    /// Request data: the parameters of request handlers that carry client data.
    Request,
    /// A secret: a value a spec's [`SecretFinder`] recognises (a secret-named field or
    /// getter, an exposed secret, a credential header), wherever it is read.
    Secret,
}

/// Recognises a secret where a value is read (a field, a method call, an index, a binding
/// named as one), names resolved at the given point, without following bindings: the
/// engine does that. Returns the secret as shown in messages.
pub type SecretFinder =
    for<'a, 'ast> fn(&Cx<'a, 'ast>, &'ast syn::Expr, crate::engine::resolve::At) -> Option<String>;

/// A taint rule: the values it follows (request data or secrets), its sinks and which
/// checks clear them.
pub struct Spec {
    pub meta: &'static RuleMeta,
    /// The kind of source whose values count at its sinks.
    pub follows: SourceKind,
    /// For [`SourceKind::Secret`]: where secrets are read.
    pub secrets: Option<SecretFinder>,
    pub shape: Shape,
    /// Checks and conversions ([`crate::model::taint`]) that make the sink safe.
    pub clears: Kinds,
    pub sinks: SinkFinder,
    /// What the sink does with the value, for messages ("opens it as a file path").
    pub effect: &'static str,
    /// How to fix it, for the finding's help.
    pub help: &'static str,
    /// Which request data counts (all of it when `None`): BL202 only passwords.
    pub source: Option<fn(&project::Resolved) -> bool>,
}

/// Where followed data enters: request data at a handler's parameter, or a secret where
/// it is read.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Source {
    pub kind: SourceKind,
    /// Display path of the handler's (the function's) file.
    pub path: String,
    pub line: usize,
    /// The handler function (for a secret, the function it is read in).
    pub handler: String,
    /// The handler's parameter (for a secret, the expression it is read with).
    pub param: String,
}

/// A function as the index knows it: its crate, its `impl` type, its name, whether it
/// takes `self`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct FnKey {
    pub krate: Option<String>,
    pub owner: Option<String>,
    pub name: String,
    pub method: bool,
    /// The module path of its file.
    pub module: Vec<String>,
    /// Where it is defined (display path, line of its name): its identity.
    pub path: String,
    pub line: usize,
}

/// A call as written: what it may resolve to in the workspace.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Callee {
    pub name: String,
    /// `Type` of `Type::f(..)`.
    pub owner: Option<String>,
    /// Method-call syntax (`x.f(..)`): only methods match.
    pub method: bool,
    /// For method calls, the receiver's type when known (`self`, a typed binding, a field
    /// of `self`): only its methods match; otherwise only a method whose name is unique
    /// in the workspace.
    pub recv_ty: Option<String>,
    /// The module segments written before the name (`storage` of `storage::load`).
    pub qual: Vec<String>,
    /// The crate of the calling file (or the crate the path names).
    pub krate: Option<String>,
}

/// A call and the taint of each argument (the receiver first for method calls and
/// methods called by path).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct CallRet {
    pub callee: Callee,
    pub args: Vec<Taint>,
}

/// Where an atom's data comes from. Stored with [`shared`]: the calls a function's
/// summary returns through are shared, not copied, so they are written once each.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Root {
    Source(Arc<Source>),
    /// A parameter of the enclosing function, by position (receiver first).
    Param(u8),
    /// What a call returns.
    Ret(Arc<CallRet>),
}

/// Storing taint (the incremental cache) without unsharing it: a call's result reached
/// through many atoms (`Root::Ret`) is one allocation in memory, and written once: its
/// first occurrence in full, the later ones as its number. Numbers are given in the
/// order calls are completed, writing as reading, so both sides agree.
pub mod shared {
    use super::{CallRet, Root, Source};
    use serde::de::{DeserializeOwned, Error};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::sync::Arc;

    thread_local! {
        static WRITTEN: RefCell<HashMap<usize, u32>> = RefCell::new(HashMap::new());
        static READ: RefCell<Vec<Arc<CallRet>>> = const { RefCell::new(Vec::new()) };
    }

    /// Encodes `value` (postcard), each shared call once.
    pub fn encode<T: Serialize>(value: &T) -> Option<Vec<u8>> {
        WRITTEN.with(|w| w.borrow_mut().clear());
        let out = postcard::to_stdvec(value).ok();
        WRITTEN.with(|w| w.borrow_mut().clear());
        out
    }

    /// Decodes what [`encode`] wrote.
    pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
        READ.with(|r| r.borrow_mut().clear());
        let out = postcard::from_bytes(bytes).ok();
        READ.with(|r| r.borrow_mut().clear());
        out
    }

    /// How a root is written: a call in full, or the number of one written before.
    #[derive(Deserialize)]
    enum Stored {
        Source(Source),
        Param(u8),
        Ret(CallRet),
        Again(u32),
    }

    impl Serialize for Root {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self {
                Root::Source(src) => s.serialize_newtype_variant("Stored", 0, "Source", &**src),
                Root::Param(i) => s.serialize_newtype_variant("Stored", 1, "Param", i),
                Root::Ret(call) => {
                    let at = Arc::as_ptr(call) as usize;
                    if let Some(n) = WRITTEN.with(|w| w.borrow().get(&at).copied()) {
                        return s.serialize_newtype_variant("Stored", 3, "Again", &n);
                    }
                    let out = s.serialize_newtype_variant("Stored", 2, "Ret", &**call)?;
                    WRITTEN.with(|w| {
                        let mut w = w.borrow_mut();
                        let n = w.len() as u32;
                        w.insert(at, n);
                    });
                    Ok(out)
                }
            }
        }
    }

    impl<'de> Deserialize<'de> for Root {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(match Stored::deserialize(d)? {
                Stored::Source(src) => Root::Source(Arc::new(src)),
                Stored::Param(i) => Root::Param(i),
                Stored::Ret(call) => {
                    let call = Arc::new(call);
                    READ.with(|r| r.borrow_mut().push(call.clone()));
                    Root::Ret(call)
                }
                Stored::Again(n) => Root::Ret(
                    READ.with(|r| r.borrow().get(n as usize).cloned())
                        .ok_or_else(|| D::Error::custom("a call numbered before it was read"))?,
                ),
            })
        }
    }
}

/// One way data reaches a value.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Atom {
    pub root: Root,
    /// Converted to a number on the way.
    pub numeric: bool,
    /// Checks and conversions applied on the way.
    pub kinds: Kinds,
    /// The type of the root value, when known (for fields: `Upload` of `body.path`).
    pub ty: Option<String>,
    /// Fields taken from the root value, outermost first.
    pub fields: Vec<String>,
    /// Struct-literal fields the data was put in, outermost first (`Ctx { name: x }`
    /// holds `x` in `name`): reading another field does not read it.
    pub in_fields: Vec<String>,
}

impl Atom {
    pub fn new(root: Root) -> Self {
        Atom {
            root,
            numeric: false,
            kinds: 0,
            ty: None,
            fields: Vec::new(),
            in_fields: Vec::new(),
        }
    }
}

/// Reads `field` of a value holding data placed in struct fields `in_fields` after taking
/// `fields` of its root: the data itself when it was put in that field, nothing when it
/// was put in another, the field of the data otherwise. `false`: the read misses the data.
pub fn read_field(fields: &mut Vec<String>, in_fields: &mut Vec<String>, field: &str) -> bool {
    match in_fields.first() {
        Some(f) if f == field => {
            in_fields.remove(0);
            true
        }
        Some(_) => false,
        None => {
            fields.push(field.to_string());
            true
        }
    }
}

/// Every way data reaches a value (empty: none).
pub type Taint = Vec<Atom>;

/// Atoms kept per value: beyond this the rest are dropped (the first ones in source
/// order are the ones messages name).
pub const MAX_ATOMS: usize = 16;

/// Adds `more` to `t`, without duplicates, within [`MAX_ATOMS`].
pub fn union(t: &mut Taint, more: Taint) {
    for a in more {
        if t.len() >= MAX_ATOMS {
            return;
        }
        if !t.contains(&a) {
            t.push(a);
        }
    }
}

/// A function's summary for the project pass.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FnSummary {
    pub key: FnKey,
    /// Parameter names by position, for messages.
    pub params: Vec<String>,
    /// What the function returns.
    pub ret: Taint,
    /// Calls given data derived from a parameter or a request.
    pub calls: Vec<CallRet>,
}

/// A sink given data: the deferred finding's condition.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SinkFlow {
    /// The rule, by code (its spec is found again in the project pass).
    #[serde(with = "crate::finding::rule_code")]
    pub code: crate::finding::StaticStr,
    /// The function the sink is in.
    pub func: Option<FnKey>,
    pub sink: String,
    pub taint: Taint,
}

/// A check seen in the function: from `seq` on (or inside `region`, byte offsets), the
/// binding `seq` has passed `kinds`.
#[derive(Debug, Clone)]
pub struct Guard {
    pub seq: u32,
    /// The field checked (`q.name`), or the whole value.
    pub field: Option<String>,
    pub kinds: Kinds,
    pub region: Option<(usize, usize)>,
}

/// The function being walked.
#[derive(Debug)]
pub struct Frame {
    pub key: FnKey,
    /// The handler's name, when the function is a request handler.
    pub handler: Option<String>,
    /// Handler parameters that carry request data, by bound name.
    pub inputs: Vec<String>,
    /// What request inputs' own types guarantee (rocket's `PathBuf` segments, headers).
    pub input_kinds: Vec<(String, Kinds)>,
    /// Bound name → (parameter position, declared type's name).
    pub params: Vec<(String, u8, Option<String>)>,
    pub param_names: Vec<String>,
    pub ret: Taint,
    pub calls: Vec<CallRet>,
    pub guards: Vec<Guard>,
    /// Addresses of the expressions the body's value comes from ([`eval`]'s
    /// `tail_exprs`): their taint is what the function returns.
    pub tails: Vec<usize>,
    /// Whether anything in the function can hold request data: a handler, or a function
    /// with parameters besides `self`. Other functions are not evaluated.
    pub live: bool,
}

/// The taint engine's state for one file.
#[derive(Default)]
pub struct FileTaint {
    /// Enabled specs.
    pub specs: Vec<&'static Spec>,
    pub frames: Vec<Frame>,
    pub done: Vec<FnSummary>,
    /// Inline modules (`mod repo { .. }`) around the walker's position.
    pub mods: Vec<String>,
    /// The last path resolved through the file's imports (its address and resolution):
    /// every spec's sink finder asks about the same call in turn.
    pub resolved: std::cell::RefCell<Option<(usize, Vec<String>)>>,
    /// Where secrets are read, when a spec that follows them is enabled.
    pub secrets: Option<SecretFinder>,
}

impl FileTaint {
    /// The engine's state for the enabled specs.
    pub fn new(specs: Vec<&'static Spec>) -> Self {
        let secrets = specs.iter().find_map(|s| s.secrets);
        FileTaint {
            specs,
            secrets,
            ..Default::default()
        }
    }
}

/// Whether a resolved path ends with `pat` (`["std", "fs", "read"]`): the sink and model
/// tables name paths from the crate on.
pub fn path_ends_with<S: AsRef<str>>(segs: &[S], pat: &[&str]) -> bool {
    segs.len() >= pat.len()
        && segs[segs.len() - pat.len()..]
            .iter()
            .zip(pat)
            .all(|(a, b)| a.as_ref() == *b)
}

/// Every taint spec of the catalogue.
pub fn all_specs() -> Vec<&'static Spec> {
    crate::rules::checks()
        .iter()
        .filter_map(|r| r.taint())
        .collect()
}

/// The spec of a rule code.
pub fn spec_of(code: &str) -> Option<&'static Spec> {
    all_specs().into_iter().find(|s| s.meta.code == code)
}
