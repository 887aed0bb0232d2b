//! BL501 `permissive-cors`: a CORS configuration that lets every origin make
//! credentialed requests — the request's `Origin` echoed back together with
//! `Access-Control-Allow-Credentials: true` — or that combines `*` with credentials.
//!
//! Builders are followed through the function (chains and the bindings holding them,
//! see [`crate::engine::builders`]); each library's semantics are in
//! [`crate::model::cors`].

use crate::engine::builders::{
    self, call_span, closure_always_true, cond_gate, exclusive, lit_bool, pat_says_dev, peel, Body,
    Branch, Builder, Candidates, Gate, Root, StepKind,
};
use crate::engine::cx::Cx;
use crate::engine::resolve::block_tail;
use crate::finding::{Label, Severity};
use crate::model::cors::{
    constructor, is_credentials_yes, is_origin_predicate, is_rocket_options, lib_name,
    method_effect, origin_value, rocket_field_effect, CorsLib, Effect, OriginPolicy,
};
use crate::rules::{Rule, RuleMeta};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::Expr;

crate::declare_rule! {
    pub static META = {
        code: "BL501",
        name: "permissive-cors",
        category: SecurityConfig,
        severity: Error,
        cwe: [942],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "CORS that echoes any origin with credentials allowed (very_permissive(), mirror_request(), allow_any_origin() + credentials), or `*` with credentials",
    }
}

pub struct PermissiveCors;

const HELP: &str = "list the trusted origins (`AllowOrigin::list([..])`, `.allowed_origin(\"https://app.example.com\")`, `AllowedOrigins::some_exact(&[..])`); if the API is public and needs no cookies, drop credentials instead";

impl Rule for PermissiveCors {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_fn<'ast>(
        &self,
        cx: &mut Cx<'_, 'ast>,
        attrs: &'ast [syn::Attribute],
        _sig: &'ast syn::Signature,
        body: &'ast syn::Block,
    ) {
        // Test code configures throw-away servers.
        if cx.scopes.in_test() {
            return;
        }
        let is_root = |p: &[String]| constructor(p).is_some() || is_rocket_options(p);
        let found = builders::collect(cx, attrs, body, &is_root);
        for b in &found.builders {
            if let Some(v) = evaluate(cx, &found, b) {
                report(cx, v);
            }
        }
    }
}

/// Where a setting came from: the call or field that made it, its text and its gate.
#[derive(Debug, Clone)]
struct Event {
    span: Span,
    text: String,
    gate: Gate,
}

/// A configuration that allows credentials to every origin.
struct Verdict {
    lib: CorsLib,
    origin: OriginPolicy,
    /// The root's text (`CorsLayer::very_permissive()`).
    ctor: String,
    root_span: Span,
    root_gate: Gate,
    /// The setting that allowed every origin (`None`: the constructor's default).
    origin_ev: Option<Event>,
    /// The setting that allowed credentials (`None`: the constructor's preset).
    creds_ev: Option<Event>,
}

fn evaluate<'ast>(cx: &Cx<'_, 'ast>, body: &Body<'ast>, b: &Builder<'ast>) -> Option<Verdict> {
    let (lib, origin, creds) = match b.root {
        Root::Call(_) => {
            let (lib, p) = constructor(&b.path)?;
            (lib, p.origin, Some(p.credentials))
        }
        Root::Struct(s) => {
            // `..Default::default()` / `..CorsOptions::default()`: the defaults (every
            // origin, echoed; no credentials). Another base: unknown.
            let defaults = match s.rest.as_deref() {
                Some(Expr::Call(c)) => matches!(&*c.func, Expr::Path(p)
                    if p.path.segments.last().is_some_and(|l| l.ident == "default")),
                Some(_) => false,
                None => true,
            };
            let origin = if defaults {
                OriginPolicy::Mirror
            } else {
                OriginPolicy::Listed
            };
            (
                CorsLib::RocketCors,
                origin,
                if defaults { Some(false) } else { None },
            )
        }
    };
    let ctor = match b.root {
        Root::Call(c) => cx.src.snippet(c.span()).to_string(),
        Root::Struct(s) => format!(
            "{} {{ .. }}",
            s.path
                .segments
                .last()
                .map(|l| l.ident.to_string())
                .unwrap_or_default()
        ),
    };
    let mut st = State {
        origin: Candidates::new((origin, None), b.branch.clone()),
        creds: Candidates::new((creds, None), b.branch.clone()),
        send_wildcard: Candidates::new(Some(false), b.branch.clone()),
    };
    if let Root::Struct(s) = b.root {
        for f in &s.fields {
            let syn::Member::Named(name) = &f.member else {
                continue;
            };
            let Some(effect) = rocket_field_effect(&name.to_string()) else {
                continue;
            };
            let ev = Event {
                span: f.span(),
                text: cx.src.snippet(f.span()).to_string(),
                gate: b.gate,
            };
            st.apply(cx, body, lib, effect, Some(&f.expr), ev, &b.branch);
        }
    }
    for step in &b.steps {
        let (name, arg, span) = match step.kind {
            StepKind::Method(m) => (m.method.to_string(), m.args.first(), call_span(m)),
            StepKind::Field(name, value) => (
                name.to_string(),
                Some(value),
                name.span().join(value.span()).unwrap_or(name.span()),
            ),
        };
        let effect = match (step.kind, lib) {
            (StepKind::Field(..), CorsLib::RocketCors) => rocket_field_effect(&name),
            (StepKind::Field(..), _) => None,
            (StepKind::Method(_), _) => method_effect(lib, &name),
        };
        let Some(effect) = effect else { continue };
        let ev = Event {
            span,
            text: cx.src.snippet(span).to_string(),
            gate: step.gate,
        };
        st.apply(cx, body, lib, effect, arg, ev, &step.branch);
    }
    // Every combination of what the settings may be at the end that can happen together;
    // the most permissive, least gated one is reported.
    let mut best: Option<(u8, u8, Verdict)> = None;
    for ((policy, origin_ev), ob) in &st.origin.live {
        for ((creds, creds_ev), cb) in &st.creds.live {
            if *creds != Some(true) || exclusive(ob, cb) {
                continue;
            }
            for (sw, wb) in &st.send_wildcard.live {
                if exclusive(ob, wb) || exclusive(cb, wb) {
                    continue;
                }
                let origin = match (policy, sw) {
                    (OriginPolicy::Listed, _) => continue,
                    // Whether `*` replaces the echoed origin is not known: no verdict.
                    (OriginPolicy::Mirror, None) => continue,
                    (OriginPolicy::Mirror, Some(true)) => OriginPolicy::Wildcard,
                    (o, _) => *o,
                };
                let v = Verdict {
                    lib,
                    origin,
                    ctor: ctor.clone(),
                    root_span: b.root.span(),
                    root_gate: b.gate,
                    origin_ev: origin_ev.clone(),
                    creds_ev: creds_ev.clone(),
                };
                let g = v.gate();
                let rank = (
                    u8::from(origin == OriginPolicy::Mirror),
                    2 - (u8::from(g.dev_build) * 2).max(u8::from(g.dev_flag)),
                );
                if best.as_ref().is_none_or(|(a, b, _)| rank > (*a, *b)) {
                    best = Some((rank.0, rank.1, v));
                }
            }
        }
    }
    best.map(|(_, _, v)| v)
}

impl Verdict {
    /// The gates of everything that made the configuration what it is.
    fn gate(&self) -> Gate {
        let mut g = self.root_gate;
        if let Some(e) = &self.origin_ev {
            g = g.or(e.gate);
        }
        if let Some(e) = &self.creds_ev {
            g = g.or(e.gate);
        }
        g
    }
}

struct State {
    /// The origin policy and the setting that chose it (`None`: the constructor).
    origin: Candidates<(OriginPolicy, Option<Event>)>,
    /// Credentials (`None`: set from a value that is not a literal).
    creds: Candidates<(Option<bool>, Option<Event>)>,
    send_wildcard: Candidates<Option<bool>>,
}

impl State {
    #[allow(clippy::too_many_arguments)]
    fn apply<'ast>(
        &mut self,
        cx: &Cx<'_, 'ast>,
        body: &Body<'ast>,
        lib: CorsLib,
        effect: Effect,
        arg: Option<&Expr>,
        ev: Event,
        branch: &Branch,
    ) {
        let branch = branch.clone();
        match effect {
            Effect::OriginArg => match arg.and_then(|a| classify_origin(cx, body, lib, a, 0)) {
                Some((policy, gate)) => {
                    let ev = Event {
                        gate: ev.gate.or(gate),
                        ..ev
                    };
                    self.origin.set((policy, Some(ev)), branch);
                }
                None => self.origin.set((OriginPolicy::Listed, None), branch),
            },
            Effect::AnyOrigin(policy) => self.origin.set((policy, Some(ev)), branch),
            Effect::ListOrigin => self.origin.set((OriginPolicy::Listed, None), branch),
            Effect::OriginPredicate => {
                if arg.is_some_and(closure_always_true) {
                    self.origin.set((OriginPolicy::Mirror, Some(ev)), branch);
                } else if lib == CorsLib::Poem {
                    // poem consults the function instead of allowing every origin.
                    self.origin.set((OriginPolicy::Listed, None), branch);
                }
                // actix-cors: a function only adds to the list; `allow_any_origin`
                // still allows everything.
            }
            Effect::CredentialsArg => {
                let value = arg.and_then(|a| credentials_value(cx, a));
                self.creds.set((value, Some(ev)), branch);
            }
            Effect::CredentialsOn => self.creds.set((Some(true), Some(ev)), branch),
            Effect::SendWildcardArg => self.send_wildcard.set(arg.and_then(lit_bool), branch),
            Effect::SendWildcardOn => self.send_wildcard.set(Some(true), branch),
        }
    }
}

/// The literal value of a credentials argument: `true`/`false`, tower-http's
/// `AllowCredentials::yes()`.
fn credentials_value(cx: &Cx<'_, '_>, e: &Expr) -> Option<bool> {
    if let Some(b) = lit_bool(e) {
        return Some(b);
    }
    match peel(e) {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) if is_credentials_yes(&cx.resolve(&p.path)) => Some(true),
            _ => None,
        },
        _ => None,
    }
}

/// Whether an origin argument allows every origin (and how), with the gate of the
/// branch choosing it: constants and calls of the library, the local variable holding
/// one, and `if`/`match` expressions whose some branch is one.
fn classify_origin<'ast>(
    cx: &Cx<'_, 'ast>,
    body: &Body<'ast>,
    lib: CorsLib,
    e: &Expr,
    depth: usize,
) -> Option<(OriginPolicy, Gate)> {
    if depth > 8 {
        return None;
    }
    match peel(e) {
        Expr::Path(p) => {
            let path = cx.resolve(&p.path);
            if let Some(policy) = origin_value(lib, &path, false) {
                return Some((policy, Gate::NONE));
            }
            let name = p.path.get_ident()?.to_string();
            let (init, gate) = body.lets.get(&name).copied()?;
            classify_origin(cx, body, lib, init, depth + 1).map(|(o, g)| (o, g.or(gate)))
        }
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else { return None };
            let path = cx.resolve(&p.path);
            if let Some(policy) = origin_value(lib, &path, true) {
                return Some((policy, Gate::NONE));
            }
            (is_origin_predicate(lib, &path) && c.args.first().is_some_and(closure_always_true))
                .then_some((OriginPolicy::Mirror, Gate::NONE))
        }
        Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "into" | "clone") => {
            classify_origin(cx, body, lib, &m.receiver, depth + 1)
        }
        Expr::Block(b) => {
            let tail = block_tail(&b.block)?;
            classify_origin(cx, body, lib, tail, depth + 1)
        }
        Expr::If(i) => {
            let (tg, eg) = cond_gate(&i.cond, 0);
            let then = block_tail(&i.then_branch)
                .and_then(|t| classify_origin(cx, body, lib, t, depth + 1))
                .map(|(o, g)| (o, g.or(tg)));
            let els = i
                .else_branch
                .as_ref()
                .and_then(|(_, e)| classify_origin(cx, body, lib, e, depth + 1))
                .map(|(o, g)| (o, g.or(eg)));
            worst([then, els])
        }
        Expr::Match(m) => {
            let arms = m.arms.iter().map(|a| {
                let g = if pat_says_dev(&a.pat) {
                    Gate {
                        dev_flag: true,
                        ..Gate::NONE
                    }
                } else {
                    Gate::NONE
                };
                classify_origin(cx, body, lib, &a.body, depth + 1).map(|(o, ag)| (o, ag.or(g)))
            });
            worst(arms)
        }
        _ => None,
    }
}

/// The most permissive of several alternatives; among equals, the least gated.
fn worst(
    alts: impl IntoIterator<Item = Option<(OriginPolicy, Gate)>>,
) -> Option<(OriginPolicy, Gate)> {
    let rank = |o: OriginPolicy| match o {
        OriginPolicy::Listed => 0,
        OriginPolicy::Wildcard => 1,
        OriginPolicy::Mirror => 2,
    };
    let gate_rank = |g: Gate| (g.dev_build as u8) * 2 + g.dev_flag as u8;
    alts.into_iter().flatten().reduce(|a, b| {
        if rank(b.0) > rank(a.0) || (rank(b.0) == rank(a.0) && gate_rank(b.1) < gate_rank(a.1)) {
            b
        } else {
            a
        }
    })
}

fn report(cx: &mut Cx<'_, '_>, v: Verdict) {
    let gate = v.gate();
    // Compiled into debug builds only, or a transport choice: not production CORS.
    if gate.dev_build {
        return;
    }
    let origin_part = match &v.origin_ev {
        Some(e) => format!("`{}`", e.text),
        None => match v.lib {
            CorsLib::Poem => format!("no origin listed on `{}`", v.ctor),
            CorsLib::RocketCors => "`allowed_origins` left at `All`".to_string(),
            _ => format!("`{}`", v.ctor),
        },
    };
    let creds_part = match &v.creds_ev {
        Some(e) => format!("`{}`", e.text),
        None => format!("`{}`", v.ctor),
    };
    let both_preset = v.origin_ev.is_none() && v.creds_ev.is_none();
    let mut message = match v.origin {
        OriginPolicy::Wildcard => {
            let fails = match v.lib {
                CorsLib::TowerHttp => "tower-http panics when the layer is applied",
                CorsLib::ActixCors => "actix-cors refuses to start the middleware",
                CorsLib::RocketCors => "rocket_cors's `to_cors()` returns an error",
                _ => "browsers reject the responses",
            };
            format!(
                "CORS combines the `*` origin with credentials ({origin_part} with {creds_part}): {fails}; \
                 credentials need a list of trusted origins, and mirroring the request's origin instead would let every website read the responses"
            )
        }
        _ if both_preset => format!(
            "`{}` echoes every origin with credentials allowed: any website can send requests carrying the user's cookies and read the responses",
            v.ctor
        ),
        _ => format!(
            "CORS echoes every origin with credentials allowed ({} {origin_part} with {creds_part}): any website can send requests carrying the user's cookies and read the responses",
            lib_name(v.lib)
        ),
    };
    let severity = if gate.dev_flag {
        message.push_str(" (in a branch for development mode)");
        Severity::Note
    } else if v.origin == OriginPolicy::Wildcard {
        Severity::Warning
    } else {
        META.severity
    };
    let primary = v
        .origin_ev
        .as_ref()
        .map(|e| e.span)
        .or(v.creds_ev.as_ref().map(|e| e.span))
        .unwrap_or(v.root_span);
    let primary_line = primary.start().line;
    let label = v
        .creds_ev
        .as_ref()
        .filter(|e| e.span.start().line != primary_line)
        .map(|e| Label {
            region: cx.src.region(e.span),
            message: "credentials allowed here".to_string(),
            path: None,
        });
    let f = cx.report(&META, primary, message);
    f.severity = severity;
    f.help = Some(HELP.into());
    f.labels.extend(label);
}
