//! What a rule sees of the file being walked ([`Cx`]), and how the conditions attached
//! to opaque values are resolved at the end of the file: call sites of private functions,
//! return summaries of helpers, parameters passed straight to sinks.

use crate::config::Settings;
use crate::engine::facts::FileFacts;
use crate::engine::flow::{Built, Class, Dep, Flow, Part, Prov};
use crate::engine::macros::{parse_macro, ParsedMacro};
use crate::engine::scope::Scopes;
use crate::engine::source::SourceFile;
use crate::engine::usemap::UseMap;
use crate::finding::{Finding, Label, Region};
use crate::rules::RuleMeta;
use proc_macro2::Span;
use rustc_hash::FxHashMap as HashMap;
use std::cell::RefCell;
use syn::{Expr, Macro};
use typed_arena::Arena;

/// Parsed macro bodies of one file, each parsed once, living as long as the syntax tree.
pub struct MacroCache<'ast> {
    arena: &'ast Arena<ParsedMacro>,
    map: RefCell<HashMap<*const Macro, &'ast ParsedMacro>>,
}

impl<'ast> MacroCache<'ast> {
    pub fn new(arena: &'ast Arena<ParsedMacro>) -> Self {
        MacroCache {
            arena,
            map: RefCell::new(HashMap::default()),
        }
    }

    pub fn get(&self, mac: &'ast Macro) -> &'ast ParsedMacro {
        let key = mac as *const Macro;
        if let Some(p) = self.map.borrow().get(&key) {
            return p;
        }
        let parsed: &'ast ParsedMacro = self.arena.alloc(parse_macro(mac));
        self.map.borrow_mut().insert(key, parsed);
        parsed
    }
}

/// A macro invocation with its parsed body, as given to rules.
#[derive(Clone, Copy)]
pub struct MacroRef<'ast> {
    pub mac: &'ast Macro,
    pub parsed: &'ast ParsedMacro,
}

/// An item given to [`crate::rules::Rule::check_item`].
#[derive(Clone, Copy)]
pub enum ItemRef<'ast> {
    Const(&'ast syn::ItemConst),
    Static(&'ast syn::ItemStatic),
    /// An associated `const` of an `impl` block.
    ImplConst(&'ast syn::ImplItemConst),
    /// An associated `const` of a trait, with its default value if any.
    TraitConst(&'ast syn::TraitItemConst),
    Struct(&'ast syn::ItemStruct),
}

/// Where a file sits in the workspace.
#[derive(Debug, Clone, Default)]
pub struct FileMeta {
    /// The package the file belongs to, when known.
    pub krate: Option<String>,
    /// Module path (`["crate", "handlers", "user"]`).
    pub module: Vec<String>,
    /// Test-only file: under `tests/` or `benches/`, or in a test-support crate or an
    /// integration or end-to-end test package (`integration`, `shop-e2e`).
    pub test: bool,
    /// In a command-line tool's package (it parses arguments and serves no requests, or
    /// is named as a command-line tool: `shop-cli`).
    pub cli: bool,
    /// Not part of a service: a build script, a developer task binary (an `xtask`
    /// package, a package under `tools/`, `tasks/` or `scripts/`), a binary under
    /// `src/bin/` of a package that depends on no web framework, a command-line tool, or
    /// a command-line module of any package (`src/cli.rs`, `src/cli/`, a binary named
    /// `cli`).
    pub tool: bool,
    /// The package's build script: a program of its own run at build time, in no layer.
    pub build_script: bool,
    /// The configured layer whose `paths` globs match the file (BL401).
    pub path_layer: Option<usize>,
}

/// What a rule sees of the file being walked.
pub struct Cx<'a, 'ast> {
    pub src: &'a SourceFile,
    pub file: &'a FileMeta,
    pub uses: &'a UseMap,
    pub facts: &'a FileFacts<'ast>,
    pub macros: &'a MacroCache<'ast>,
    pub settings: &'a Settings,
    pub scopes: Scopes<'ast>,
    /// The taint engine's per-file state.
    pub taint: crate::engine::taint::FileTaint,
    findings: Vec<Finding>,
    /// Findings that stand unless their conditions are shown to hold.
    pending: Vec<(Finding, Prov)>,
    /// (function, parameter) → what its call sites in this file pass.
    callsites: HashMap<(String, String), CallSites>,
    /// Text-returning function → the class of what it returns.
    pub(super) ret_classes: HashMap<String, Class>,
    /// Return accumulators of the enclosing functions (`None` for closures and functions
    /// that do not return text).
    pub(super) ret_stack: Vec<Option<(String, Class)>>,
    /// Sinks given the result of a local function: findings if that function returns
    /// built SQL (known at the end of the file).
    pending_returns: Vec<PendingReturn>,
    /// Sinks given text built from conditionally-safe parts.
    pending_built: Vec<PendingBuilt>,
    /// Parameters a function passes straight to a sink: (function, parameter) → the sink.
    sink_params: HashMap<(String, String), (&'static RuleMeta, String)>,
    /// Call sites passing built text to a local function's parameter.
    built_args: Vec<BuiltArg>,
    /// Findings that wait for the workspace index.
    deferred: Vec<Deferred>,
    /// Whether the file is sample or test-support code by its path (once per file).
    sample_file: std::cell::OnceCell<bool>,
    /// Whole-file tests of the text, by key, computed once per file ([`Cx::text_fact`]).
    text_facts: std::cell::RefCell<Vec<(&'static str, bool)>>,
    /// Where each identifier occurs in the text ([`Cx::ident_offsets`]), built on first use.
    idents: std::cell::OnceCell<WordIndex>,
}

/// A call site passing built text to parameter `param` of local function `func`.
#[derive(Debug)]
struct BuiltArg {
    func: String,
    param: String,
    built: Box<crate::engine::flow::Built>,
    region: Region,
}

/// Renders a finding's message from the sink's name and the interpolated part.
pub type RenderBuilt = fn(sink: &str, part: &Part) -> String;

/// A sink given text built from conditionally-safe parts.
struct PendingBuilt {
    meta: &'static RuleMeta,
    region: Region,
    sink: String,
    built: Box<Built>,
    render: RenderBuilt,
    help: Option<String>,
}

/// A sink whose argument is the text returned by a local function.
#[derive(Debug)]
pub struct PendingReturn {
    pub meta: &'static RuleMeta,
    pub region: Region,
    /// The sink, as named in messages.
    pub sink: String,
    pub func: String,
    pub help: Option<String>,
}

/// How a provenance resolves with what is known at the end of a file.
enum Resolution {
    Safe,
    Stands,
    /// Safe if, for each entry, one of the named types is bounded in the workspace.
    Deferred(Vec<Vec<String>>),
}

/// What the call sites of one parameter pass: `unsafe_` when some argument is neither
/// safe nor a parameter of a caller; otherwise the callers' parameters it depends on.
#[derive(Debug, Default)]
struct CallSites {
    unsafe_: bool,
    deps: Vec<(String, String)>,
}

/// A finding that depends on types defined elsewhere in the workspace, settled once the
/// whole workspace has been indexed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Deferred {
    pub finding: Finding,
    pub cond: Condition,
}

/// What a deferred finding waits for.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Condition {
    /// Dropped if, for every entry, one of the named types is bounded.
    UnlessBounded(Vec<Vec<String>>),
    /// Kept only if the value's type prints a credential with `Debug`; the reason is
    /// appended to the message.
    IfDebugLeaks(DebugType),
    /// Dropped if the field `ty.field` of type `ty.name` (declared in another file) has
    /// a redacting type: a known wrapper, a configured safe type, or a type the workspace
    /// implements `Debug` for by hand.
    UnlessRedacted(DebugType),
    /// Kept only if a handler's payload needs validation and nothing it was given to
    /// validates it; the unbounded fields are appended to the message.
    IfUnvalidated(PayloadCheck),
    /// Kept only if request data of the kind the rule cares about reaches the sink
    /// ([`crate::engine::taint`]).
    IfTainted(Box<crate::engine::taint::SinkFlow>),
    /// A BL002 finding for a suppression that covers only taint findings: kept only if
    /// none of them stands.
    UnlessAnyTainted(Vec<crate::engine::taint::SinkFlow>),
    /// Kept only if the reference crosses the workspace's layers the wrong way; the
    /// message is the layer map's.
    IfLayerViolation(Box<crate::engine::layers::LayerRef>),
    /// Kept only if no analysed file of the workspace shows rate limiting.
    UnlessRateLimited,
    /// Kept only if no analysed file of the workspace installs a layer that catches a
    /// handler's panic and answers 500 (BL701).
    UnlessPanicsCaught,
    /// Dropped if the workspace sends requests through fields of these names and every
    /// one sets its own timeout ([`crate::engine::requests`]): a client stored without
    /// one (BL601).
    UnlessFieldRequestsTimed(Vec<String>),
}

/// A handler's payload, settled against the project index.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PayloadCheck {
    /// The payload type (`None` for generic containers such as `Json<Value>`).
    pub ty: Option<String>,
    /// The handler's crate.
    pub krate: Option<String>,
    /// The crate the payload type's path names, when not the current one.
    pub path_crate: Option<String>,
    /// The module the payload type is declared in, when the path says (`crate::…`) or
    /// it is declared in the handler's file.
    pub module: Option<Vec<String>>,
    /// Functions the handler gives the payload to: (name, argument index).
    pub passed_to: Vec<crate::engine::validation::Callee>,
    /// The handler validates the payload through its type's `Validate` derive
    /// (`.validate()`, a validating extractor): only gaps in the derive are reported.
    pub validated: bool,
    /// How the handler reads the payload: a finding stands by default only when an
    /// unbounded part of it is consumed (see [`crate::engine::validation::Strength`]).
    pub uses: crate::engine::validation::Uses,
    /// Completes the finding's message with what the index found the payload lacks
    /// (`message(base, type name, verdict)`); the rule's own wording.
    #[serde(
        skip,
        default = "crate::rules::input::unvalidated_input::payload_message"
    )]
    pub message: fn(&str, &str, &crate::engine::index::PayloadVerdict) -> String,
}

/// The type of a value formatted with `Debug`: a type name, or the type of a field of
/// one (`Config.db`), as seen from crate `krate`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DebugType {
    pub name: String,
    pub field: Option<String>,
    pub krate: Option<String>,
    /// The crate the type's path names, when it is not the current one.
    pub path_crate: Option<String>,
    /// The value's name says it is a secret: the finding stands (as it is) when the
    /// workspace does not define the type.
    pub stands_if_unknown: bool,
    /// The finding is the rule's preview sub-check when it stands on the value's name
    /// (the type is unknown) and that name is weak evidence; a leak the index finds is a
    /// preview sub-check when the field that leaks is named weakly.
    pub weak_if_unknown: bool,
    /// Formatted with `Display` (`{}`, `%field`): a workspace type prints what its own
    /// `Display` impl writes, not what a derived `Debug` would.
    pub display: bool,
}

impl<'a, 'ast> Cx<'a, 'ast> {
    pub fn new(
        src: &'a SourceFile,
        file: &'a FileMeta,
        uses: &'a UseMap,
        facts: &'a FileFacts<'ast>,
        macros: &'a MacroCache<'ast>,
        settings: &'a Settings,
        scopes: Scopes<'ast>,
    ) -> Self {
        Cx {
            src,
            file,
            uses,
            facts,
            macros,
            settings,
            scopes,
            taint: crate::engine::taint::FileTaint::new(
                crate::engine::taint::all_specs()
                    .into_iter()
                    .filter(|s| settings.is_enabled(s.meta.code))
                    .collect(),
            ),
            findings: Vec::new(),
            pending: Vec::new(),
            callsites: HashMap::default(),
            ret_classes: HashMap::default(),
            ret_stack: Vec::new(),
            pending_returns: Vec::new(),
            pending_built: Vec::new(),
            sink_params: HashMap::default(),
            built_args: Vec::new(),
            deferred: Vec::new(),
            sample_file: std::cell::OnceCell::new(),
            text_facts: Default::default(),
            idents: std::cell::OnceCell::new(),
        }
    }

    /// Whether the file is sample, benchmark or test-support code by its path or module
    /// (`examples/`, `mocks/`, `src/seed_dev.rs`, a `test_utils` module); asked per node
    /// by rules, computed once per file.
    pub fn is_sample_file(&self) -> bool {
        *self.sample_file.get_or_init(|| {
            crate::model::names::is_sample_path(&self.src.display)
                || self
                    .file
                    .module
                    .iter()
                    .any(|m| crate::model::names::is_test_crate_name(m))
        })
    }

    /// A test of the whole file's text (`key` names it), run once per file: rules ask it
    /// per node, and a per-node scan of the text would be quadratic in the file's size.
    pub fn text_fact(&self, key: &'static str, test: impl FnOnce(&str) -> bool) -> bool {
        // A handful of keys, asked per node: compared by address, then by text.
        let known = self
            .text_facts
            .borrow()
            .iter()
            .find(|(k, _)| std::ptr::eq(*k, key) || *k == key)
            .map(|&(_, v)| v);
        if let Some(v) = known {
            return v;
        }
        let v = test(&self.src.text);
        self.text_facts.borrow_mut().push((key, v));
        v
    }

    /// The byte offsets at which `name` occurs in the text as a whole identifier-like
    /// word (a maximal run of alphanumeric characters and `_`), comments and strings
    /// included; the index is built in one pass on first use.
    pub fn ident_offsets(&self, name: &str) -> Vec<usize> {
        let text = &self.src.text;
        self.idents
            .get_or_init(|| WordIndex::new(text))
            .offsets(text, name)
    }

    /// A value-flow analysis over the current scope.
    pub fn flow(&self) -> Flow<'_, 'ast> {
        Flow::new(&self.scopes, self.facts, self.macros, self.src)
    }

    /// Resolves a path through the file's imports (`query` → `sqlx::query`).
    pub fn resolve(&self, path: &syn::Path) -> Vec<String> {
        self.uses.resolve(path)
    }

    /// Reports a finding of `meta` at `span`.
    pub fn report(&mut self, meta: &'static RuleMeta, span: Span, message: String) -> &mut Finding {
        let region = self.src.region(span);
        self.report_region(meta, region, message)
    }

    pub fn report_region(
        &mut self,
        meta: &'static RuleMeta,
        region: Region,
        message: String,
    ) -> &mut Finding {
        self.findings
            .push(Finding::new(meta, &self.src.display, region, message));
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }

    /// Reports a finding that waits for the project pass: it stands, or not, once `cond`
    /// is settled there (`engine::settle`): a type's `Debug` known once the workspace is
    /// indexed, whether anything limits request rates or catches handler panics once every
    /// file has been read, a handler payload's validation once the index is built.
    pub fn report_when(
        &mut self,
        meta: &'static RuleMeta,
        span: Span,
        message: String,
        cond: Condition,
    ) -> &mut Finding {
        let finding = Finding::new(meta, &self.src.display, self.src.region(span), message);
        self.deferred.push(Deferred { finding, cond });
        let last = self.deferred.len() - 1;
        &mut self.deferred[last].finding
    }

    /// Reports a finding that stands unless `prov`'s conditions hold: an unconditional
    /// one at once, otherwise once call sites (end of file) and workspace types (end of
    /// run) are known.
    pub fn report_unless(
        &mut self,
        meta: &'static RuleMeta,
        span: Span,
        message: String,
        prov: &Prov,
    ) -> &mut Finding {
        if prov.unconditional {
            return self.report(meta, span, message);
        }
        let f = Finding::new(meta, &self.src.display, self.src.region(span), message);
        self.pending.push((f, prov.clone()));
        let last = self.pending.len() - 1;
        &mut self.pending[last].0
    }

    /// The (function, parameter) pairs all of whose call sites in this file pass safe
    /// values, directly or through safe parameters of private callers (greatest fixed
    /// point, so recursion does not make a parameter unsafe).
    fn safe_params(&self) -> std::collections::HashSet<(String, String)> {
        let private = |f: &str| self.facts.fn_sigs.get(f).is_some_and(|s| !s.public);
        let mut safe: std::collections::HashSet<(String, String)> = self
            .callsites
            .iter()
            .filter(|((f, _), c)| !c.unsafe_ && private(f))
            .map(|(k, _)| k.clone())
            .collect();
        loop {
            let before = safe.len();
            let snapshot = safe.clone();
            safe.retain(|k| {
                self.callsites
                    .get(k)
                    .is_some_and(|c| c.deps.iter().all(|d| snapshot.contains(d)))
            });
            if safe.len() == before {
                return safe;
            }
        }
    }

    /// Resolves a provenance with this file's call sites and return summaries.
    fn resolve_prov(
        &self,
        prov: &Prov,
        safe_params: &std::collections::HashSet<(String, String)>,
    ) -> Resolution {
        if prov.unconditional {
            return Resolution::Stands;
        }
        let mut types = Vec::new();
        for leaf in &prov.leaves {
            let satisfied = leaf.iter().any(|d| match d {
                Dep::Param { func, param } => safe_params.contains(&(func.clone(), param.clone())),
                Dep::Returns(func) => matches!(self.ret_classes.get(func), Some(Class::Safe)),
                // Trusted by name unless some call site in this file passes a value that is
                // neither constant, nor another identifier-named parameter, nor a
                // parameter shown safe by its own callers.
                Dep::IdentParam { func, param } => {
                    match self.callsites.get(&(func.clone(), param.clone())) {
                        None => true,
                        Some(c) => {
                            !c.unsafe_
                                && c.deps.iter().all(|d| {
                                    safe_params.contains(d)
                                        || crate::model::names::is_sql_identifier_name(&d.1)
                                })
                        }
                    }
                }
                Dep::Type(_) => false,
            });
            if satisfied {
                continue;
            }
            let alts: Vec<String> = leaf
                .iter()
                .filter_map(|d| match d {
                    Dep::Type(t) if !self.facts.structs.contains_key(t) => Some(t.clone()),
                    _ => None,
                })
                .collect();
            if alts.is_empty() {
                return Resolution::Stands;
            }
            types.push(alts);
        }
        if types.is_empty() {
            Resolution::Safe
        } else {
            Resolution::Deferred(types)
        }
    }

    /// Findings, and those deferred to the end of the run. Parameter and return-value
    /// conditions are resolved here from the call sites and functions of this file.
    pub fn into_findings(mut self) -> (Vec<Finding>, Vec<Deferred>) {
        let safe_params = self.safe_params();
        let mut findings = std::mem::take(&mut self.findings);
        let mut deferred = std::mem::take(&mut self.deferred);
        let mut settle = |f: Finding, r: Resolution, findings: &mut Vec<Finding>| match r {
            Resolution::Safe => {}
            Resolution::Stands => findings.push(f),
            Resolution::Deferred(types) => deferred.push(Deferred {
                finding: f,
                cond: Condition::UnlessBounded(types),
            }),
        };
        for (f, prov) in std::mem::take(&mut self.pending) {
            let r = self.resolve_prov(&prov, &safe_params);
            settle(f, r, &mut findings);
        }
        for p in std::mem::take(&mut self.pending_built) {
            let r = self.resolve_prov(&p.built.prov, &safe_params);
            let part = self.standing_part(&p.built, &safe_params);
            let f = self.built_finding(p.meta, p.region, (p.render)(&p.sink, &part), &part, p.help);
            settle(f, r, &mut findings);
        }
        for p in std::mem::take(&mut self.pending_returns) {
            let Some(Class::Built(b)) = self.ret_classes.get(&p.func) else {
                continue;
            };
            let part = self.standing_part(b, &safe_params);
            let message = format!(
                "SQL passed to `{}` is built by `{}` with `{}` from `{}`",
                p.sink, p.func, part.via, part.culprit
            );
            let f = self.built_finding(p.meta, p.region, message, &part, p.help);
            let r = self.resolve_prov(&b.prov, &safe_params);
            settle(f, r, &mut findings);
        }
        for a in std::mem::take(&mut self.built_args) {
            let Some((meta, sink)) = self.sink_params.get(&(a.func.clone(), a.param.clone()))
            else {
                continue;
            };
            let part = self.standing_part(&a.built, &safe_params);
            let message = format!(
                "SQL passed to `{sink}` through `{}` is built with `{}` from `{}`",
                a.func, part.via, part.culprit
            );
            let f = self.built_finding(meta, a.region, message, &part, None);
            let r = self.resolve_prov(&a.built.prov, &safe_params);
            settle(f, r, &mut findings);
        }
        (findings, deferred)
    }

    /// The first interpolated part of `b` that is not shown safe (the primary one if all
    /// are).
    fn standing_part(
        &self,
        b: &Built,
        safe_params: &std::collections::HashSet<(String, String)>,
    ) -> Part {
        let parts = b.parts();
        parts
            .iter()
            .find(|p| !matches!(self.resolve_prov(&p.prov, safe_params), Resolution::Safe))
            .unwrap_or(&parts[0])
            .clone()
    }

    /// A finding at a sink's argument, with a label where the text was built when that is
    /// on another line.
    fn built_finding(
        &self,
        meta: &'static RuleMeta,
        region: Region,
        message: String,
        part: &Part,
        help: Option<String>,
    ) -> Finding {
        let built = self.src.region(part.span);
        let labels = if built.line != region.line {
            vec![Label {
                region: built,
                message: format!("SQL built here with `{}`", part.via),
                path: None,
            }]
        } else {
            Vec::new()
        };
        Finding {
            labels,
            help,
            ..Finding::new(meta, &self.src.display, region, message)
        }
    }

    /// Reports a sink whose argument is text built by interpolation: at once when some
    /// part is unconditionally non-constant, else when the conditions are resolved.
    pub fn report_built(
        &mut self,
        meta: &'static RuleMeta,
        span: Span,
        sink: String,
        built: &Built,
        render: RenderBuilt,
        help: Option<String>,
    ) {
        let region = self.src.region(span);
        if built.prov.unconditional {
            let part = built
                .parts()
                .into_iter()
                .find(|p| p.prov.unconditional)
                .unwrap_or_else(|| built.parts().remove(0));
            let f = self.built_finding(meta, region, render(&sink, &part), &part, help);
            self.findings.push(f);
        } else {
            self.pending_built.push(PendingBuilt {
                meta,
                region,
                sink,
                built: Box::new(built.clone()),
                render,
                help,
            });
        }
    }

    /// Notes that the current function passes its parameter `param` straight to `sink`:
    /// call sites in this file that pass built text to it are findings.
    pub fn mark_sink_param(&mut self, meta: &'static RuleMeta, param: String, sink: String) {
        if let Some(func) = self.scopes.current_fn() {
            self.sink_params
                .entry((func.to_string(), param))
                .or_insert((meta, sink));
        }
    }

    /// Reports, at the end of the file, a sink whose argument is the text returned by
    /// local function `func`, if that function returns text built from non-constant data.
    pub fn report_if_returns_built(
        &mut self,
        meta: &'static RuleMeta,
        span: Span,
        sink: String,
        func: String,
        help: Option<String>,
    ) {
        let region = self.src.region(span);
        self.pending_returns.push(PendingReturn {
            meta,
            region,
            sink,
            func,
            help,
        });
    }

    /// Records the classes of the arguments of a call to a function of this file.
    pub(super) fn record_call(
        &mut self,
        func: &str,
        args: &'ast syn::punctuated::Punctuated<Expr, syn::Token![,]>,
        method: bool,
    ) {
        let Some(sig) = self.facts.fn_sigs.get(func) else {
            return;
        };
        // Public functions are recorded too: their in-file call sites are evidence
        // against names (`IdentParam`), though not enough to prove parameters safe.
        if method && !sig.has_self {
            return;
        }
        let params = sig.params.clone();
        for (arg, param) in args.iter().zip(params) {
            let Some(param) = param else { continue };
            let class = self.flow().class(arg);
            if let Class::Built(b) = &class {
                self.built_args.push(BuiltArg {
                    func: func.to_string(),
                    param: param.clone(),
                    built: b.clone(),
                    region: self.src.region(syn::spanned::Spanned::span(arg)),
                });
            }
            let e = self.callsites.entry((func.to_string(), param)).or_default();
            match class {
                Class::Safe => {}
                Class::Opaque(prov) if !prov.unconditional => {
                    for leaf in prov.leaves {
                        let dep = leaf.into_iter().find_map(|d| match d {
                            Dep::Param { func, param } => Some((func, param)),
                            Dep::Type(_) | Dep::Returns(_) => None,
                            // Trusted by name: not evidence of unsafe input.
                            Dep::IdentParam { func, param } => Some((func, param)),
                        });
                        match dep {
                            Some(d) => e.deps.push(d),
                            None => e.unsafe_ = true,
                        }
                    }
                }
                _ => e.unsafe_ = true,
            }
        }
    }
}

/// Where each word of a text starts: a word is a maximal run of alphanumeric characters
/// and `_`. Words are keyed by hash (the index borrows nothing); a lookup checks the text
/// at each offset, so a collision costs a comparison, never a wrong answer.
#[derive(Debug, Default)]
pub(crate) struct WordIndex {
    hasher: std::collections::hash_map::RandomState,
    by_hash: HashMap<u64, Vec<usize>>,
}

impl WordIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut index = WordIndex::default();
        let mut start = None;
        for (i, c) in text.char_indices() {
            let word = c.is_alphanumeric() || c == '_';
            match (word, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    index.add(&text[s..i], s);
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            index.add(&text[s..], s);
        }
        index
    }

    fn add(&mut self, word: &str, at: usize) {
        let h = std::hash::BuildHasher::hash_one(&self.hasher, word);
        self.by_hash.entry(h).or_default().push(at);
    }

    /// The offsets of `name` in `text` (the text the index was built from), in order.
    pub(crate) fn offsets(&self, text: &str, name: &str) -> Vec<usize> {
        let h = std::hash::BuildHasher::hash_one(&self.hasher, name);
        let Some(all) = self.by_hash.get(&h) else {
            return Vec::new();
        };
        all.iter()
            .copied()
            .filter(|&i| {
                text.get(i..i + name.len()) == Some(name)
                    && !text[i + name.len()..]
                        .starts_with(|c: char| c.is_alphanumeric() || c == '_')
            })
            .collect()
    }
}
