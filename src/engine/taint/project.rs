//! The project pass of the taint engine: function summaries resolved across files, request
//! data propagated into parameters to a fixed point, sink findings settled.

use super::{
    Atom, CallRet, Callee, FnKey, FnSummary, Root, Shape, SinkFlow, Source, SourceKind, Spec, Taint,
};
use crate::engine::index::ProjectIndex;
use crate::model::taint::{self as m, Kinds};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// Nesting of return-value resolution through callees before it gives up.
/// The most resolution steps one argument or one sink's value may take.
const MAX_STEPS: usize = 20_000;

const MAX_DEPTH: u32 = 12;
/// Rounds of parameter propagation (a call chain this long is followed).
const MAX_ROUNDS: usize = 12;
/// Request data (and secrets, apart) kept per parameter.
const MAX_ENTRY: usize = 8;

/// Request data reaching a value, resolved: from a request, or from a parameter of the
/// function the value is in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Resolved {
    pub src: Option<Arc<Source>>,
    /// The parameter, when not from a request.
    pub param: u8,
    pub numeric: bool,
    pub kinds: Kinds,
    pub ty: Option<String>,
    pub fields: Vec<String>,
    /// Struct-literal fields the data sits in ([`super::Atom::in_fields`]).
    pub in_fields: Vec<String>,
    /// The functions the data went through into this one (outermost first).
    pub via: Vec<String>,
}

/// Every function summary of the workspace.
pub struct TaintIndex {
    fns: Vec<FnSummary>,
    by_name: HashMap<String, Vec<usize>>,
    by_key: HashMap<FnKey, usize>,
    rets: RefCell<HashMap<usize, Vec<Resolved>>>,
    in_progress: RefCell<Vec<usize>>,
    /// Steps left for the resolution under way ([`MAX_STEPS`]); reset for each
    /// argument propagated and each sink settled.
    steps: std::cell::Cell<usize>,
    /// Request data entering each function's parameters.
    entry: Vec<Vec<Vec<Resolved>>>,
    /// What each call returns, resolved ([`TaintIndex::call_ret`]), keyed by the call's
    /// place in the summaries, with the depth it was resolved at: reused at that depth
    /// or deeper, where it could only be cut shorter. Resolutions the step bound cut are
    /// not kept.
    call_rets: RefCell<HashMap<*const CallRet, (u32, Vec<Resolved>)>>,
}

impl TaintIndex {
    pub fn new(mut fns: Vec<FnSummary>) -> Self {
        fns.sort_by(|a, b| a.key.cmp(&b.key));
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_key = HashMap::new();
        for (i, f) in fns.iter().enumerate() {
            by_name.entry(f.key.name.clone()).or_default().push(i);
            by_key.insert(f.key.clone(), i);
        }
        let entry = fns
            .iter()
            .map(|f| vec![Vec::new(); f.params.len()])
            .collect();
        let mut ix = TaintIndex {
            fns,
            by_name,
            by_key,
            rets: RefCell::new(HashMap::new()),
            in_progress: RefCell::new(Vec::new()),
            steps: std::cell::Cell::new(MAX_STEPS),
            entry,
            call_rets: RefCell::new(HashMap::new()),
        };
        ix.propagate();
        ix
    }

    /// The workspace functions a call may be.
    fn candidates(&self, c: &Callee) -> Vec<usize> {
        let Some(all) = self.by_name.get(&c.name) else {
            return Vec::new();
        };
        let fits: Vec<usize> = if c.method {
            // A method: of the receiver's type, else the only method of that name.
            let methods: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&i| self.fns[i].key.method)
                .collect();
            let typed: Vec<usize> = methods
                .iter()
                .copied()
                .filter(|&i| c.recv_ty.is_some() && self.fns[i].key.owner == c.recv_ty)
                .collect();
            if !typed.is_empty() {
                typed
            } else if methods.len() == 1 && !crate::model::taint::is_library_method_name(&c.name) {
                // The only method of that name, unless the name is one libraries define
                // too: the receiver may be a library type.
                methods
            } else {
                Vec::new()
            }
        } else if c
            .owner
            .as_deref()
            .is_some_and(crate::model::taint::is_std_type)
        {
            // `Vec::from(x)`: one of the trait's many implementations for a standard
            // type, the project's among them; not followed.
            Vec::new()
        } else {
            all.iter()
                .copied()
                .filter(|&i| {
                    let k = &self.fns[i].key;
                    (!k.method || c.owner.is_some())
                        && k.owner == c.owner
                        && k.module.ends_with(&c.qual)
                })
                .collect()
        };
        let same_crate: Vec<usize> = fits
            .iter()
            .copied()
            .filter(|&i| self.fns[i].key.krate == c.krate)
            .collect();
        if same_crate.is_empty() {
            fits
        } else {
            same_crate
        }
    }

    /// What function `f` returns, in terms of its parameters.
    fn ret(&self, f: usize, depth: u32) -> Vec<Resolved> {
        if let Some(r) = self.rets.borrow().get(&f) {
            return r.clone();
        }
        if self.in_progress.borrow().contains(&f) || depth > MAX_DEPTH {
            return Vec::new();
        }
        self.in_progress.borrow_mut().push(f);
        let r = self.resolve(&self.fns[f].ret, depth + 1);
        self.in_progress.borrow_mut().retain(|&x| x != f);
        self.rets.borrow_mut().insert(f, r.clone());
        r
    }

    /// A taint of some function, resolved: request data and that function's parameters.
    pub fn resolve(&self, t: &Taint, depth: u32) -> Vec<Resolved> {
        let mut out = Vec::new();
        // Arguments are resolved afresh at each call they flow through: without a
        // bound, a chain of calls on calls multiplies. The order is fixed, so where the
        // bound cuts is too.
        let left = self.steps.get();
        if left == 0 {
            return out;
        }
        self.steps.set(left - 1);
        for a in t {
            match &a.root {
                Root::Source(s) => push(
                    &mut out,
                    Resolved {
                        src: Some(s.clone()),
                        param: 0,
                        numeric: a.numeric,
                        kinds: a.kinds,
                        ty: a.ty.clone(),
                        fields: a.fields.clone(),
                        in_fields: a.in_fields.clone(),
                        via: Vec::new(),
                    },
                ),
                Root::Param(p) => push(
                    &mut out,
                    Resolved {
                        src: None,
                        param: *p,
                        numeric: a.numeric,
                        kinds: a.kinds,
                        ty: a.ty.clone(),
                        fields: a.fields.clone(),
                        in_fields: a.in_fields.clone(),
                        via: Vec::new(),
                    },
                ),
                Root::Ret(call) => {
                    for r in self.call_ret(call, depth) {
                        if let Some(r) = apply(r, a) {
                            push(&mut out, r);
                        }
                    }
                }
            }
        }
        out
    }

    /// What a call returns, resolved in the caller: each callee's return value with the
    /// call's own arguments for its parameters.
    fn call_ret(&self, call: &CallRet, depth: u32) -> Vec<Resolved> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        let key: *const CallRet = call;
        if let Some((at, r)) = self.call_rets.borrow().get(&key) {
            if *at <= depth {
                return r.clone();
            }
        }
        let out = self.call_ret_fresh(call, depth);
        if self.steps.get() > 0 {
            self.call_rets
                .borrow_mut()
                .insert(key, (depth, out.clone()));
        }
        out
    }

    fn call_ret_fresh(&self, call: &CallRet, depth: u32) -> Vec<Resolved> {
        let mut out = Vec::new();
        for f in self.candidates(&call.callee) {
            for r in self.ret(f, depth + 1) {
                if r.src.is_some() {
                    push(&mut out, r);
                    continue;
                }
                let Some(arg) = call.args.get(usize::from(r.param)) else {
                    continue;
                };
                for a in self.resolve(arg, depth + 1) {
                    if let Some(c) = combine(a, &r, None) {
                        push(&mut out, c);
                    }
                }
            }
        }
        out
    }

    /// Request data given to each function's parameters, from every call site, to a
    /// fixed point.
    fn propagate(&mut self) {
        // What each call site gives each parameter does not change between rounds, only
        // what enters the caller's own parameters: the callees and the arguments are
        // resolved once.
        struct Site {
            caller: usize,
            cands: Vec<usize>,
            args: Vec<(usize, Vec<Resolved>)>,
        }
        let mut sites = Vec::new();
        for g in 0..self.fns.len() {
            for call in &self.fns[g].calls {
                let cands = self.candidates(&call.callee);
                if cands.is_empty() {
                    continue;
                }
                let mut args = Vec::new();
                for (j, arg) in call.args.iter().enumerate() {
                    self.steps.set(MAX_STEPS);
                    let r = self.resolve(arg, 0);
                    if !r.is_empty() {
                        args.push((j, r));
                    }
                }
                if !args.is_empty() {
                    sites.push(Site {
                        caller: g,
                        cands,
                        args,
                    });
                }
            }
        }
        let names: Vec<String> = self.fns.iter().map(|f| display_fn(&f.key)).collect();
        for _ in 0..MAX_ROUNDS {
            let mut changed = false;
            for site in &sites {
                for (j, resolved) in &site.args {
                    let mut incoming = Vec::new();
                    for r in resolved {
                        match &r.src {
                            Some(_) => incoming.push(r.clone()),
                            None => {
                                for e in self.entry_of(site.caller, r.param) {
                                    incoming.extend(combine(e, r, None));
                                }
                            }
                        }
                    }
                    if incoming.is_empty() {
                        continue;
                    }
                    for &f in &site.cands {
                        let Some(slot) = self.entry.get_mut(f).and_then(|e| e.get_mut(*j)) else {
                            continue;
                        };
                        for mut r in incoming.iter().cloned() {
                            if r.via.len() < 4 {
                                r.via.push(names[f].clone());
                            }
                            // Each kind of source has its own room: secrets do not
                            // crowd out request data.
                            let kind = r.src.as_ref().map(|s| s.kind);
                            let room = slot
                                .iter()
                                .filter(|s| s.src.as_ref().map(|s| s.kind) == kind)
                                .count()
                                < MAX_ENTRY;
                            if room && !slot.iter().any(|s| same_data(s, &r)) {
                                slot.push(r);
                                changed = true;
                            }
                        }
                    }
                }
            }
            if !changed {
                return;
            }
        }
    }

    fn entry_of(&self, f: usize, p: u8) -> Vec<Resolved> {
        self.entry
            .get(f)
            .and_then(|e| e.get(usize::from(p)))
            .cloned()
            .unwrap_or_default()
    }

    /// The request data reaching a sink, of the kind its spec cares about and not made
    /// safe for it; the first in a stable order.
    pub fn settle(&self, flow: &SinkFlow, spec: &Spec, index: &ProjectIndex) -> Option<Resolved> {
        let func = flow.func.as_ref().and_then(|k| self.by_key.get(k).copied());
        let mut hits = Vec::new();
        self.steps.set(MAX_STEPS);
        for r in self.resolve(&flow.taint, 0) {
            if r.src.is_some() {
                hits.push(r);
            } else if let Some(f) = func {
                for e in self.entry_of(f, r.param) {
                    hits.extend(combine(e, &r, None));
                }
            }
        }
        hits.retain(|r| live(r, spec, index));
        hits.sort();
        hits.into_iter().next()
    }
}

fn push(out: &mut Vec<Resolved>, r: Resolved) {
    if out.len() < 32 && !out.contains(&r) {
        out.push(r);
    }
}

fn same_data(a: &Resolved, b: &Resolved) -> bool {
    a.src == b.src
        && a.numeric == b.numeric
        && a.kinds == b.kinds
        && a.fields == b.fields
        && a.in_fields == b.in_fields
}

/// What the caller's atom (`a`, the call's result) adds to a resolved return value.
fn apply(r: Resolved, a: &Atom) -> Option<Resolved> {
    then(r, a.numeric, a.kinds, &a.fields, &a.in_fields)
}

/// `r` as a later step saw it: converted (`numeric`), checked (`kinds`), its `fields`
/// read and the result put in struct fields `in_fields`. `None`: a field read misses the
/// data.
fn then(
    mut r: Resolved,
    numeric: bool,
    kinds: Kinds,
    fields: &[String],
    in_fields: &[String],
) -> Option<Resolved> {
    r.numeric |= numeric;
    r.kinds |= kinds;
    for f in fields {
        if !super::read_field(&mut r.fields, &mut r.in_fields, f) {
            return None;
        }
    }
    let mut wrapped = in_fields.to_vec();
    wrapped.append(&mut r.in_fields);
    r.in_fields = wrapped;
    Some(r)
}

/// Data `outer` entering a parameter, seen through `inner` (what the function did with
/// the parameter): fields appended, checks and conversions added.
fn combine(outer: Resolved, inner: &Resolved, via: Option<String>) -> Option<Resolved> {
    let mut outer = then(
        outer,
        inner.numeric,
        inner.kinds,
        &inner.fields,
        &inner.in_fields,
    )?;
    if outer.ty.is_none() {
        outer.ty = inner.ty.clone();
    }
    outer.via.extend(inner.via.iter().cloned());
    if let Some(v) = via {
        outer.via.push(v);
    }
    Some(outer)
}

/// A function as messages name it: `Type::method`, or a free function with its module
/// path (`services::users::search`, so two `search` functions are told apart).
fn display_fn(k: &FnKey) -> String {
    match &k.owner {
        Some(o) => format!("{o}::{}", k.name),
        None => {
            let mut parts: Vec<&str> = k
                .module
                .iter()
                .map(String::as_str)
                .filter(|m| *m != "crate")
                .collect();
            parts.push(&k.name);
            parts.join("::")
        }
    }
}

/// Whether resolved request data counts for a spec: of its shape (after the fields'
/// declared types), with none of its clearing checks.
fn live(r: &Resolved, spec: &Spec, index: &ProjectIndex) -> bool {
    if r.src.as_ref().is_none_or(|s| s.kind != spec.follows) {
        return false;
    }
    if spec.follows == SourceKind::Secret {
        // A length or a count of a secret, a hash of it, or a secret inside a struct
        // shown whole (what its `Debug` prints is the type's business): not the secret.
        return !r.numeric && r.kinds & spec.clears == 0 && r.in_fields.is_empty();
    }
    let mut numeric = r.numeric;
    let mut kinds = r.kinds;
    // The type of the value at the sink, when known: the root's, then each field's.
    let mut final_ty = r.ty.clone();
    if let Some(ty) = &r.ty {
        let mut ty = ty.clone();
        for field in &r.fields {
            let Some(def) = index
                .types_named(&ty, None)
                .into_iter()
                .find(|t| t.fields.iter().any(|f| &f.name == field))
            else {
                final_ty = None;
                break;
            };
            let Some(f) = def.fields.iter().find(|f| &f.name == field) else {
                final_ty = None;
                break;
            };
            let Some(first) = f.type_names.first() else {
                final_ty = None;
                break;
            };
            if crate::model::types::is_number_type(first) {
                numeric = true;
            } else if f.bounded || m::is_parsed_safe_type(first) {
                return false;
            }
            if f.validation == crate::engine::index::FieldValidation::Constraints {
                kinds |= m::VALIDATED | m::BOUNDED;
            }
            // The field's own type, for the next field.
            ty = f
                .type_names
                .iter()
                .find(|n| !m::is_text_type(n))
                .cloned()
                .unwrap_or_else(|| first.clone());
            final_ty = Some(ty.clone());
        }
    }
    // A value of one of the program's own types (`FileId`, `CrateName`): made by its
    // parser or constructor, which is where a check belongs; the engine does not see into
    // `Display`. Request types and text stay data.
    if let Some(t) = &final_ty {
        if !numeric
            && !m::is_raw_input_type(t)
            && !crate::model::types::is_number_type(t)
            && t.starts_with(|c: char| c.is_uppercase())
        {
            return false;
        }
    }
    if spec.source.is_some_and(|f| !f(r)) {
        return false;
    }
    // Data inside a struct given to the sink whole (its `Display`): not the text.
    if spec.source.is_none() && !r.in_fields.is_empty() {
        return false;
    }
    let shape_ok = match spec.shape {
        Shape::Text => !numeric,
        Shape::Size => numeric,
    };
    shape_ok && kinds & spec.clears == 0
}

/// How every taint finding's message starts (so a taint finding can be told apart).
pub const MESSAGE_START: &str = "request data ";

/// The finding's message: where the request data enters and how it gets here.
pub fn describe(r: &Resolved, sink: &str, spec: &Spec, here: &str) -> String {
    let Some(src) = &r.src else {
        return format!("request data reaches `{sink}`");
    };
    let what = if r.fields.is_empty() {
        format!("`{}`", src.param)
    } else {
        format!("`{}.{}`", src.param, r.fields.join("."))
    };
    let (place, via) = place_and_via(r, src, here, " through");
    format!(
        "request data {what} of handler `{}` ({place}) reaches `{sink}`{via}, which {}",
        src.handler, spec.effect
    )
}

/// Where a source is (`line 12` in the finding's own file, else `path:line`), and the
/// functions the value went through, after `lead` (empty when it went through none).
fn place_and_via(r: &Resolved, src: &Source, here: &str, lead: &str) -> (String, String) {
    let place = if src.path == here {
        format!("line {}", src.line)
    } else {
        format!("{}:{}", src.path, src.line)
    };
    let via = if r.via.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = r.via.iter().map(|v| format!("`{v}`")).collect();
        format!("{lead} {}", names.join(", "))
    };
    (place, via)
}

/// The message of a secret reaching a sink: what the sink was given (`shown`, written by
/// the spec's rule), then where the secret is read and the functions it went through.
pub fn describe_secret(r: &Resolved, shown: &str, here: &str) -> String {
    let Some(src) = &r.src else {
        return shown.to_string();
    };
    let (place, via) = place_and_via(r, src, here, ", through");
    format!(
        "{shown}: it holds the secret `{}` read in `{}` ({place}){via}",
        src.param, src.handler
    )
}
