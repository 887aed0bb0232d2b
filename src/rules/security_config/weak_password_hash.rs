//! BL504 `weak-password-hash`: a password hashed with a fast hash, a password hash
//! configured below the OWASP minimum work factor, or two passwords compared with `==`.

use crate::engine::builders::{attrs_gate, cond_gate};
use crate::engine::cx::Cx;
use crate::engine::resolve::{is_self_alias, Peel};
use crate::model::names::words;
use crate::model::password_hashing::{
    argon2_min_memory, fast_hash_type, pbkdf2_min_iterations, scrypt_min_p, HashArg, Pbkdf2Hash,
    ARGON2_DEFAULT_M_COST, ARGON2_DEFAULT_T_COST, BCRYPT_COST_FNS, BCRYPT_MIN_COST,
    BREACH_CHECK_MARKERS, CHANGE_WORDS, CIPHER_MARKERS, CONFIRMATION_WORDS,
    FAST_HASHER_CONSTRUCTORS, FAST_HASHER_INPUT_METHODS, FAST_HASH_ASSOC_FNS, FAST_HASH_FNS,
    GENERATED_PASSWORD_PREFIXES, HANDSHAKE_FILE_MARKERS, HANDSHAKE_WORDS, HIGH_ENTROPY_WORDS,
    KNOWN_CONSTANTS, PBKDF2_FNS, PROTOCOL_WORDS, TEST_SWITCH_WORDS,
};
use crate::model::secrets::{
    is_password_name, EXPOSE_METHODS, TRANSPARENT_FNS, TRANSPARENT_METHODS,
};
use crate::model::types::{first_type_arg, type_name};
use crate::rules::{Rule, RuleMeta};
use proc_macro2::Span;
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Lit};

crate::declare_rule! {
    pub static META = {
        code: "BL504",
        name: "weak-password-hash",
        category: SecurityConfig,
        severity: Warning,
        cwe: [916, 328, 759],
        precision: High,
        status: Preview,
        since: "0.1.0",
        summary: "a password hashed with a fast hash (MD5, SHA-1, SHA-2, …), bcrypt/Argon2/scrypt/PBKDF2 with a constant work factor below the OWASP minimum, or two passwords compared with `==`",
    }
}

pub struct WeakPasswordHash;

const HELP_FAST: &str = "hash passwords with Argon2id (`Argon2::default().hash_password(password, &salt)`), scrypt or bcrypt: slow, salted, and verified with their own `verify` functions";

const HELP_COST: &str = "use at least the OWASP minimums: Argon2id m=19456 KiB, t=2 (`Params::default()`); scrypt log_n=17, r=8, p=1 (`Params::recommended()`); bcrypt cost 10 (`DEFAULT_COST` is 12); PBKDF2-HMAC-SHA256 600,000 iterations";

const HELP_COMPARE: &str = "store only a password hash (Argon2id, bcrypt) and check a login with the hash's `verify` function; compare other secrets with a constant-time comparison (`subtle::ConstantTimeEq`, `constant_time_eq`)";

impl Rule for WeakPasswordHash {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_fn<'ast>(
        &self,
        cx: &mut Cx<'_, 'ast>,
        attrs: &'ast [syn::Attribute],
        sig: &'ast syn::Signature,
        body: &'ast syn::Block,
    ) {
        if cx.scopes.in_test() || attrs_gate(attrs).dev_build {
            return;
        }
        let mut env = Env::default();
        for input in &sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                if let syn::Pat::Ident(i) = &*t.pat {
                    env.types.insert(i.ident.to_string(), &*t.ty);
                }
            }
        }
        let mut collect = Collect { env: &mut env };
        collect.visit_block(body);
        let name = sig.ident.to_string();
        let mut checker = Checker {
            cx,
            env: &env,
            debug: 0,
            cache: 0,
            // `PartialEq`/`Ord` implementations compare fields, not logins.
            compare: !matches!(name.as_str(), "eq" | "ne" | "cmp" | "partial_cmp" | "hash"),
            breach_check: breach_check_file(cx),
            protocol: None,
            protocol_of: Some((sig, body)),
            found: Vec::new(),
        };
        checker.visit_block(body);
        let found = std::mem::take(&mut checker.found);
        report_all(cx, found);
    }

    fn check_expr<'ast>(&self, cx: &mut Cx<'_, 'ast>, expr: &'ast Expr) {
        // Function bodies are checked whole by `check_fn`; this sees `static`/`const`
        // initializers (`LazyLock::new(|| Params::new(..))`).
        if cx.scopes.in_test() || cx.scopes.current_fn().is_some() {
            return;
        }
        let env = Env::default();
        let mut checker = Checker {
            cx,
            env: &env,
            debug: 0,
            cache: 0,
            compare: false,
            breach_check: breach_check_file(cx),
            protocol: Some(false),
            protocol_of: None,
            found: Vec::new(),
        };
        checker.check(expr);
        let found = std::mem::take(&mut checker.found);
        report_all(cx, found);
    }
}

fn report_all(cx: &mut Cx<'_, '_>, found: Vec<(Span, String, &'static str)>) {
    for (span, message, help) in found {
        cx.report(&META, span, message).help = Some(help.into());
    }
}

fn handshake_file(cx: &Cx<'_, '_>) -> bool {
    cx.text_fact("password-handshake", |text| {
        let text = text.to_ascii_lowercase();
        HANDSHAKE_FILE_MARKERS.iter().any(|m| text.contains(m))
    })
}

fn breach_check_file(cx: &Cx<'_, '_>) -> bool {
    cx.text_fact("password-breach-check", |text| {
        let text = text.to_ascii_lowercase();
        BREACH_CHECK_MARKERS.iter().any(|m| text.contains(m))
    })
}

/// What a function body binds: `let` initializers and declared types by name
/// (flow-insensitive), and names assigned after their declaration.
#[derive(Default)]
struct Env<'ast> {
    lets: HashMap<String, &'ast Expr>,
    types: HashMap<String, &'ast syn::Type>,
    assigned: HashSet<String>,
}

impl<'ast> Env<'ast> {
    /// The initializer of a binding that is never reassigned.
    fn init(&self, name: &str) -> Option<&'ast Expr> {
        if self.assigned.contains(name) {
            return None;
        }
        self.lets.get(name).copied()
    }
}

/// Name of the single binding a pattern introduces, with its declared type.
fn pat_ident(pat: &syn::Pat) -> Option<(&syn::Ident, Option<&syn::Type>)> {
    match pat {
        syn::Pat::Ident(i) => Some((&i.ident, None)),
        syn::Pat::Type(t) => match &*t.pat {
            syn::Pat::Ident(i) => Some((&i.ident, Some(&*t.ty))),
            _ => None,
        },
        _ => None,
    }
}

struct Collect<'e, 'ast> {
    env: &'e mut Env<'ast>,
}

impl<'e, 'ast> Visit<'ast> for Collect<'e, 'ast> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some((ident, ty)) = pat_ident(&l.pat) {
            let name = ident.to_string();
            // `let pwd = (pwd);` keeps the value the name already has.
            if ty.is_none()
                && l.init.as_ref().is_some_and(|i| {
                    i.diverge.is_none() && is_self_alias(&name, &i.expr, Peel::Transparent)
                })
            {
                visit::visit_local(self, l);
                return;
            }
            // A second `let` of a name makes its value depend on where it is read.
            if self.env.lets.contains_key(&name) {
                self.env.assigned.insert(name.clone());
            }
            if let Some(init) = &l.init {
                self.env.lets.insert(name.clone(), &init.expr);
            }
            if let Some(ty) = ty {
                self.env.types.insert(name, ty);
            }
        }
        visit::visit_local(self, l);
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if let Some(name) = crate::engine::walk::target_name(&a.left) {
            self.env.assigned.insert(name);
        }
        visit::visit_expr_assign(self, a);
    }

    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        if !matches!(
            b.op,
            syn::BinOp::Eq(_)
                | syn::BinOp::Ne(_)
                | syn::BinOp::Lt(_)
                | syn::BinOp::Le(_)
                | syn::BinOp::Gt(_)
                | syn::BinOp::Ge(_)
                | syn::BinOp::Add(_)
                | syn::BinOp::Sub(_)
                | syn::BinOp::Mul(_)
                | syn::BinOp::Div(_)
                | syn::BinOp::Shl(_)
                | syn::BinOp::And(_)
                | syn::BinOp::Or(_)
        ) {
            // `x += ..`, `x *= ..`, …
            if let Some(name) = crate::engine::walk::target_name(&b.left) {
                self.env.assigned.insert(name);
            }
        }
        visit::visit_expr_binary(self, b);
    }
}

struct Checker<'c, 'a, 'ast, 'e> {
    cx: &'c Cx<'a, 'ast>,
    env: &'e Env<'ast>,
    /// Depth of debug-only branches.
    debug: u32,
    /// Depth of `let` initializers of cache keys (`let cache_key = blake3::hash(..)`):
    /// an in-memory lookup key, not stored password data.
    cache: u32,
    /// Whether password comparisons are checked here.
    compare: bool,
    /// The file queries Have I Been Pwned, which needs the SHA-1 of the password.
    breach_check: bool,
    /// The function computes a wire protocol's or file format's value from the password
    /// ([`protocol_fn`]): a handshake response or a cipher key, not a stored hash. Asked
    /// only when a fast hash is found ([`Checker::is_protocol`]).
    protocol: Option<bool>,
    /// The function [`Checker::protocol`] is about.
    protocol_of: Option<(&'ast syn::Signature, &'ast syn::Block)>,
    found: Vec<(Span, String, &'static str)>,
}

impl<'c, 'a, 'ast, 'e> Visit<'ast> for Checker<'c, 'a, 'ast, 'e> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if attrs_gate(&l.attrs).dev_build {
            return;
        }
        let cache = pat_ident(&l.pat)
            .is_some_and(|(i, _)| words(&i.to_string()).iter().any(|w| w == "cache"));
        self.cache += u32::from(cache);
        visit::visit_local(self, l);
        self.cache -= u32::from(cache);
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        self.visit_expr(&i.cond);
        // Branches compiled only into debug builds (`if cfg!(debug_assertions)`), or
        // selected by a switch only tests or development set (`if cfg!(test)`,
        // `if config.test_mode`, `if self.insecure_fast`).
        let (then_gate, else_gate) = cond_gate(&i.cond, 0);
        let (then_test, else_test) = test_switch(&i.cond, 0);
        let then_debug = then_gate.dev_build || then_gate.dev_flag || then_test;
        let else_debug = else_gate.dev_build || else_gate.dev_flag || else_test;
        self.debug += u32::from(then_debug);
        self.visit_block(&i.then_branch);
        self.debug -= u32::from(then_debug);
        if let Some((_, els)) = &i.else_branch {
            self.debug += u32::from(else_debug);
            self.visit_expr(els);
            self.debug -= u32::from(else_debug);
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // `assert_eq!(a, b)` and friends compare values in checks, not logins.
        let parsed = self.cx.macros.get(m);
        for e in parsed.exprs() {
            self.visit_expr(e);
        }
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        if self.debug == 0 {
            self.check(e);
        }
        visit::visit_expr(self, e);
    }
}

/// A value that carries a password, as found in a hashed expression.
#[derive(Default)]
struct Carried {
    /// The password-named expression, as written.
    password: Option<String>,
    /// Hashed together with a protocol's nonce or realm (HTTP Digest).
    protocol: bool,
}

impl<'c, 'a, 'ast, 'e> Checker<'c, 'a, 'ast, 'e> {
    fn text(&self, e: &Expr) -> String {
        self.cx.flow().text(e.span())
    }

    fn push(&mut self, span: Span, message: String, help: &'static str) {
        self.found.push((span, message, help));
    }

    fn check(&mut self, e: &'ast Expr) {
        match e {
            Expr::Call(c) => self.check_call(c),
            Expr::MethodCall(m) => self.check_method(m),
            Expr::Struct(s) => self.check_struct(s),
            Expr::Binary(b) if self.compare => self.check_compare(b),
            _ => {}
        }
    }

    fn check_call(&mut self, c: &'ast syn::ExprCall) {
        let Expr::Path(p) = &*c.func else { return };
        let path = self.cx.resolve(&p.path);
        let n = path.len();
        let segs: Vec<&str> = path.iter().map(String::as_str).collect();

        // Fast hashes: `md5::compute(pw)`, `Sha256::digest(pw)`.
        if let Some((_, arg, label)) = FAST_HASH_FNS.iter().find(|(f, _, _)| *f == segs) {
            if let Some(a) = c.args.iter().nth(*arg) {
                self.fast_hash(c.func.span(), a, label);
            }
            return;
        }
        if n >= 2 {
            if let Some(ty) = fast_hash_type(&path[..n - 1]) {
                let f = segs[n - 1];
                let sha1_from = f == "from" && matches!(segs[0], "sha1" | "sha1_smol");
                if FAST_HASH_ASSOC_FNS.contains(&f) || sha1_from {
                    if let Some(a) = c.args.first() {
                        let label = format!("`{ty}`");
                        self.fast_hash(c.func.span(), a, &label);
                    }
                    return;
                }
            }
        }

        // bcrypt's cost.
        if n == 2 && segs[0] == "bcrypt" {
            if let Some((_, idx)) = BCRYPT_COST_FNS.iter().find(|(f, _)| *f == segs[1]) {
                if let Some(cost_arg) = c.args.iter().nth(*idx) {
                    if let Some(cost) = self.const_int(cost_arg, 0) {
                        if cost < BCRYPT_MIN_COST {
                            self.push(
                                cost_arg.span(),
                                format!(
                                    "bcrypt cost {cost} is below the OWASP minimum of {BCRYPT_MIN_COST} (`bcrypt::DEFAULT_COST` is 12): each guess at a leaked hash takes 2^{cost} rounds"
                                ),
                                HELP_COST,
                            );
                        }
                    }
                }
            }
            return;
        }

        // Argon2 (RustCrypto `argon2`): `Params::new(m_cost, t_cost, p_cost, len)`.
        if segs.first() == Some(&"argon2") && segs.ends_with(&["Params", "new"]) {
            let m = c.args.first().and_then(|a| self.const_int(a, 0));
            let t = c.args.iter().nth(1).and_then(|a| self.const_int(a, 0));
            self.argon2(c.span(), m, t, "Params::new");
            return;
        }
        // rust-argon2: `Config::original()` is Argon2i with 4 MiB and 3 passes.
        if segs == ["argon2", "Config", "original"] {
            self.argon2(c.span(), Some(4096), Some(3), "Config::original()");
            return;
        }

        // scrypt: `Params::new(log_n, r, p, len)`.
        if segs.first() == Some(&"scrypt") && segs.ends_with(&["Params", "new"]) {
            self.scrypt(c);
            return;
        }

        // PBKDF2.
        if let Some(f) = PBKDF2_FNS.iter().find(|f| f.path == segs.as_slice()) {
            let Some(rounds_arg) = c.args.iter().nth(f.rounds) else {
                return;
            };
            let Some(rounds) = self.const_int(rounds_arg, 0) else {
                return;
            };
            if c.args
                .iter()
                .nth(f.password)
                .is_some_and(|a| self.high_entropy(a))
            {
                return;
            }
            let hash = match f.hash {
                HashArg::Turbofish => turbofish_hash(&p.path),
                HashArg::Arg(i) => c.args.iter().nth(i).map_or(Pbkdf2Hash::Other, expr_hash),
            };
            self.pbkdf2(rounds_arg.span(), rounds, hash);
        }
    }

    fn check_method(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        if FAST_HASHER_INPUT_METHODS.contains(&method.as_str()) {
            if let Some(ty) = self.fast_hasher(&m.receiver, 0) {
                if let Some(a) = m.args.first() {
                    let label = format!("`{ty}`");
                    self.fast_hash(m.method.span(), a, &label);
                }
            }
            return;
        }
        // `ParamsBuilder::new().m_cost(..).t_cost(..).build()`.
        if method == "build" {
            let mut m_cost = None;
            let mut t_cost = None;
            let mut e: &'ast Expr = &m.receiver;
            loop {
                match e {
                    Expr::MethodCall(inner) => {
                        let name = inner.method.to_string();
                        let val = inner.args.first().and_then(|a| self.const_int(a, 0));
                        match name.as_str() {
                            "m_cost" if m_cost.is_none() => m_cost = Some(val),
                            "t_cost" if t_cost.is_none() => t_cost = Some(val),
                            _ => {}
                        }
                        e = &inner.receiver;
                    }
                    Expr::Call(c) => {
                        let Expr::Path(p) = &*c.func else { return };
                        let path = self.cx.resolve(&p.path);
                        let n = path.len();
                        let builder = path.first().is_some_and(|c| c == "argon2")
                            && n >= 2
                            && path[n - 2] == "ParamsBuilder";
                        if !builder || (m_cost.is_none() && t_cost.is_none()) {
                            return;
                        }
                        // A setter given a non-constant leaves that parameter unknown.
                        let m = m_cost.unwrap_or(Some(ARGON2_DEFAULT_M_COST));
                        let t = t_cost.unwrap_or(Some(ARGON2_DEFAULT_T_COST));
                        self.argon2(c.span(), m, t, "ParamsBuilder");
                        return;
                    }
                    _ => return,
                }
            }
        }
    }

    fn check_struct(&mut self, s: &'ast syn::ExprStruct) {
        let path = self.cx.resolve(&s.path);
        let field = |name: &str| {
            s.fields.iter().find_map(|f| match &f.member {
                syn::Member::Named(i) if i == name => Some(&f.expr),
                _ => None,
            })
        };
        match (
            path.first().map(String::as_str),
            path.last().map(String::as_str),
        ) {
            // rust-argon2: `Config { mem_cost, time_cost, .. }`.
            (Some("argon2"), Some("Config")) => {
                let (Some(mem), Some(time)) = (field("mem_cost"), field("time_cost")) else {
                    return;
                };
                let m = self.const_int(mem, 0);
                let t = self.const_int(time, 0);
                self.argon2(mem.span(), m, t, "Config");
            }
            // pbkdf2's password-hash API: `Params { rounds, .. }` (HMAC-SHA-256).
            (Some("pbkdf2"), Some("Params")) => {
                let Some(rounds_expr) = field("rounds") else {
                    return;
                };
                if let Some(rounds) = self.const_int(rounds_expr, 0) {
                    self.pbkdf2(rounds_expr.span(), rounds, Pbkdf2Hash::Sha256);
                }
            }
            _ => {}
        }
    }

    fn argon2(&mut self, span: Span, m: Option<u64>, t: Option<u64>, what: &str) {
        let Some(m) = m else { return };
        match t {
            Some(t) => {
                let min = argon2_min_memory(t);
                if m < min {
                    self.push(
                        span,
                        format!(
                            "Argon2 `{what}` with {} KiB of memory and {t} iteration{} is below the OWASP minimum ({} KiB at {t} iteration{}): leaked hashes are cheap to attack on GPUs",
                            thousands(m),
                            plural(t),
                            thousands(min),
                            plural(t),
                        ),
                        HELP_COST,
                    );
                }
            }
            None => {
                let floor = argon2_min_memory(u64::MAX);
                if m < floor {
                    self.push(
                        span,
                        format!(
                            "Argon2 `{what}` with {} KiB of memory is below every OWASP configuration (at least {} KiB): leaked hashes are cheap to attack on GPUs",
                            thousands(m),
                            thousands(floor),
                        ),
                        HELP_COST,
                    );
                }
            }
        }
    }

    fn scrypt(&mut self, c: &'ast syn::ExprCall) {
        let Some(log_n) = c.args.first().and_then(|a| self.const_int(a, 0)) else {
            return;
        };
        let r = match c.args.iter().nth(1) {
            Some(a) => self.const_int(a, 0).unwrap_or(8),
            None => return,
        };
        let p = c.args.iter().nth(2).and_then(|a| self.const_int(a, 0));
        if r == 0 || log_n >= 64 {
            return;
        }
        // Memory is 128 · r · 2^log_n bytes: normalise to OWASP's r = 8.
        let Some(units) = (1u128 << log_n).checked_mul(u128::from(r)).map(|u| u / 8) else {
            return;
        };
        if units == 0 {
            return;
        }
        let eff = u64::from(127 - units.leading_zeros());
        let weak = match (scrypt_min_p(eff), p) {
            (None, _) => true,
            (Some(min_p), Some(p)) => p < min_p,
            (Some(_), None) => false,
        };
        if weak {
            let p_text = p.map_or("?".to_string(), |p| p.to_string());
            self.push(
                c.span(),
                format!(
                    "scrypt `Params::new` with log_n = {log_n}, r = {r}, p = {p_text} is below the OWASP minimum (log_n = 17 with r = 8, p = 1, or a smaller N with more parallelism)"
                ),
                HELP_COST,
            );
        }
    }

    fn pbkdf2(&mut self, span: Span, rounds: u64, hash: Pbkdf2Hash) {
        let min = pbkdf2_min_iterations(hash);
        if rounds < min {
            self.push(
                span,
                format!(
                    "PBKDF2 with {} iterations is below the OWASP minimum for {} ({}): leaked hashes are cheap to attack on GPUs",
                    thousands(rounds),
                    hash.label(),
                    thousands(min),
                ),
                HELP_COST,
            );
        }
    }

    /// Whether the file is a protocol handshake's or the function computes a protocol's
    /// value ([`protocol_fn`]), computed once, when first asked.
    fn is_protocol(&mut self) -> bool {
        if let Some(p) = self.protocol {
            return p;
        }
        let p = handshake_file(self.cx)
            || self
                .protocol_of
                .is_some_and(|(sig, body)| protocol_fn(sig, body));
        self.protocol = Some(p);
        p
    }

    fn fast_hash(&mut self, span: Span, arg: &'ast Expr, label: &str) {
        if self.cache > 0 || self.breach_check || self.is_protocol() {
            return;
        }
        let mut carried = Carried::default();
        self.carried(arg, 0, &mut carried);
        let Some(pw) = carried.password else { return };
        if carried.protocol {
            return;
        }
        self.push(
            span,
            format!(
                "password `{pw}` is hashed with {label}, a fast general-purpose hash: a leaked hash is cracked at billions of guesses per second"
            ),
            HELP_FAST,
        );
    }

    /// Whether a name is a password chosen by a person (not an application password,
    /// which is generated).
    fn is_password(name: &str) -> bool {
        is_password_name(name)
            && !words(name)
                .first()
                .is_some_and(|w| GENERATED_PASSWORD_PREFIXES.contains(&w.as_str()))
    }

    fn note_name(&self, name: &str, shown: String, acc: &mut Carried) -> bool {
        if words(name)
            .iter()
            .any(|w| PROTOCOL_WORDS.contains(&w.as_str()))
        {
            acc.protocol = true;
        }
        if Self::is_password(name) {
            acc.password.get_or_insert(shown);
            return true;
        }
        false
    }

    /// Finds a password in a hashed expression: through references, `as_bytes()`,
    /// `format!`, `+`, arrays joined, transparent wrappers and `let` bindings.
    fn carried(&self, e: &'ast Expr, depth: u32, acc: &mut Carried) {
        if depth > 8 {
            return;
        }
        match e {
            Expr::Path(p) => {
                let Some(ident) = p.path.get_ident() else {
                    return;
                };
                let name = ident.to_string();
                if self.note_name(&name, name.clone(), acc) {
                    return;
                }
                if let Some(init) = self.env.init(&name) {
                    self.carried(init, depth + 1, acc);
                }
            }
            Expr::Field(f) => {
                if let syn::Member::Named(i) = &f.member {
                    self.note_name(&i.to_string(), self.text(e), acc);
                }
            }
            Expr::MethodCall(m) => {
                let method = m.method.to_string();
                let transparent = TRANSPARENT_METHODS.contains(&method.as_str())
                    || EXPOSE_METHODS.contains(&method.as_str());
                if transparent {
                    self.carried(&m.receiver, depth + 1, acc);
                } else if m.args.is_empty() {
                    // A getter: `user.password()`.
                    self.note_name(&method, self.text(e), acc);
                }
            }
            Expr::Reference(r) => self.carried(&r.expr, depth + 1, acc),
            Expr::Paren(p) => self.carried(&p.expr, depth + 1, acc),
            Expr::Group(g) => self.carried(&g.expr, depth + 1, acc),
            Expr::Cast(c) => self.carried(&c.expr, depth + 1, acc),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                self.carried(&u.expr, depth + 1, acc)
            }
            Expr::Binary(b) if matches!(b.op, syn::BinOp::Add(_)) => {
                self.carried(&b.left, depth + 1, acc);
                self.carried(&b.right, depth + 1, acc);
            }
            Expr::Array(a) => {
                for el in &a.elems {
                    self.carried(el, depth + 1, acc);
                }
            }
            Expr::Tuple(t) => {
                for el in &t.elems {
                    self.carried(el, depth + 1, acc);
                }
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return };
                let last = p.path.segments.last().map(|s| s.ident.to_string());
                if c.args.len() == 1 && last.is_some_and(|l| TRANSPARENT_FNS.contains(&l.as_str()))
                {
                    if let Some(a) = c.args.first() {
                        self.carried(a, depth + 1, acc);
                    }
                }
            }
            Expr::Macro(m) => {
                let parsed = self.cx.macros.get(&m.mac);
                let Some(fa) = parsed.format() else { return };
                if !matches!(parsed.name.as_str(), "format" | "concat" | "format_args") {
                    return;
                }
                for a in &fa.args {
                    self.carried(&a.expr, depth + 1, acc);
                }
                for name in fa.captures() {
                    if self.note_name(name, name.to_string(), acc) {
                        continue;
                    }
                    if let Some(init) = self.env.init(name) {
                        self.carried(init, depth + 1, acc);
                    }
                }
            }
            _ => {}
        }
    }

    /// Whether a value given to a KDF is named as a key or other high-entropy secret.
    fn high_entropy(&self, e: &Expr) -> bool {
        let Some(name) = side_name(e) else {
            return false;
        };
        !Self::is_password(&name)
            && words(&name)
                .iter()
                .any(|w| HIGH_ENTROPY_WORDS.contains(&w.as_str()))
    }

    /// The fast hash type of a hasher: `Sha256::new()`, a `let` of one, a binding or
    /// parameter declared as one, or a `chain_update` chain on one.
    fn fast_hasher(&self, e: &'ast Expr, depth: u32) -> Option<String> {
        if depth > 6 {
            return None;
        }
        match e {
            Expr::MethodCall(m)
                if FAST_HASHER_INPUT_METHODS.contains(&m.method.to_string().as_str()) =>
            {
                self.fast_hasher(&m.receiver, depth + 1)
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                let path = self.cx.resolve(&p.path);
                let n = path.len();
                if n < 2 || !FAST_HASHER_CONSTRUCTORS.contains(&path[n - 1].as_str()) {
                    return None;
                }
                fast_hash_type(&path[..n - 1]).map(str::to_string)
            }
            Expr::Reference(r) => self.fast_hasher(&r.expr, depth + 1),
            Expr::Paren(p) => self.fast_hasher(&p.expr, depth + 1),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                self.fast_hasher(&u.expr, depth + 1)
            }
            Expr::Path(p) => {
                let name = p.path.get_ident()?.to_string();
                if let Some(ty) = self.env.types.get(&name) {
                    return self.fast_hash_type_of(ty);
                }
                let init = self.env.lets.get(&name)?;
                self.fast_hasher(init, depth + 1)
            }
            _ => None,
        }
    }

    fn fast_hash_type_of(&self, ty: &syn::Type) -> Option<String> {
        let mut ty = ty;
        while let syn::Type::Reference(r) = ty {
            ty = &r.elem;
        }
        let syn::Type::Path(tp) = ty else { return None };
        let path = self.cx.resolve(&tp.path);
        fast_hash_type(&path).map(str::to_string)
    }

    /// The value of an integer constant expression: literals, arithmetic, constants
    /// of the file and of the hashing crates, `let` bindings never reassigned,
    /// `NonZeroU32::new(..).unwrap()`.
    fn const_int(&self, e: &'ast Expr, depth: u32) -> Option<u64> {
        if depth > 8 {
            return None;
        }
        match e {
            Expr::Lit(l) => match &l.lit {
                Lit::Int(i) => i.base10_parse::<u64>().ok(),
                _ => None,
            },
            Expr::Paren(p) => self.const_int(&p.expr, depth + 1),
            Expr::Group(g) => self.const_int(&g.expr, depth + 1),
            Expr::Cast(c) => self.const_int(&c.expr, depth + 1),
            Expr::Reference(r) => self.const_int(&r.expr, depth + 1),
            Expr::Block(b) => match b.block.stmts.as_slice() {
                [syn::Stmt::Expr(e, None)] => self.const_int(e, depth + 1),
                _ => None,
            },
            Expr::Binary(b) => {
                let l = self.const_int(&b.left, depth + 1)?;
                let r = self.const_int(&b.right, depth + 1)?;
                match b.op {
                    syn::BinOp::Add(_) => l.checked_add(r),
                    syn::BinOp::Sub(_) => l.checked_sub(r),
                    syn::BinOp::Mul(_) => l.checked_mul(r),
                    syn::BinOp::Div(_) => l.checked_div(r),
                    syn::BinOp::Shl(_) => u32::try_from(r).ok().and_then(|r| l.checked_shl(r)),
                    _ => None,
                }
            }
            Expr::Path(p) => {
                let path = self.cx.resolve(&p.path);
                if let (Some(first), Some(last)) = (path.first(), path.last()) {
                    if let Some((_, _, v)) = KNOWN_CONSTANTS
                        .iter()
                        .find(|(c, n, _)| c == first && n == last)
                    {
                        return Some(*v);
                    }
                }
                if let Some(ident) = p.path.get_ident() {
                    let name = ident.to_string();
                    if let Some(init) = self.env.init(&name) {
                        return self.const_int(init, depth + 1);
                    }
                    if self.env.lets.contains_key(&name) || self.env.types.contains_key(&name) {
                        return None;
                    }
                }
                let last = p.path.segments.last()?.ident.to_string();
                let init = self.cx.facts.const_values.get(&last)?;
                self.const_int(init, depth + 1)
            }
            Expr::Call(c) if c.args.len() == 1 => {
                let Expr::Path(p) = &*c.func else { return None };
                let last = p.path.segments.last()?.ident.to_string();
                if matches!(last.as_str(), "new" | "new_unchecked" | "Some" | "from") {
                    return self.const_int(c.args.first()?, depth + 1);
                }
                None
            }
            Expr::MethodCall(m) => match m.method.to_string().as_str() {
                "unwrap" | "expect" | "get" | "into" => self.const_int(&m.receiver, depth + 1),
                "pow" => {
                    let base = self.const_int(&m.receiver, depth + 1)?;
                    let exp = self.const_int(m.args.first()?, depth + 1)?;
                    base.checked_pow(u32::try_from(exp).ok()?)
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn check_compare(&mut self, b: &'ast syn::ExprBinary) {
        if !matches!(b.op, syn::BinOp::Eq(_) | syn::BinOp::Ne(_)) {
            return;
        }
        let (Some(l), Some(r)) = (side_name(&b.left), side_name(&b.right)) else {
            return;
        };
        if !Self::is_password(&l) || !Self::is_password(&r) {
            return;
        }
        let (lw, rw) = (words(&side_text(&b.left)), words(&side_text(&b.right)));
        let has = |w: &[String], set: &[&str]| w.iter().any(|x| set.contains(&x.as_str()));
        // A confirmation field, or "the new password differs from the old one".
        if has(&lw, CONFIRMATION_WORDS)
            || has(&rw, CONFIRMATION_WORDS)
            || (has(&lw, CHANGE_WORDS) && has(&rw, CHANGE_WORDS))
        {
            return;
        }
        let op = if matches!(b.op, syn::BinOp::Eq(_)) {
            "=="
        } else {
            "!="
        };
        let (lt, rt) = (self.text(&b.left), self.text(&b.right));
        if lt == rt {
            return;
        }
        self.push(
            b.span(),
            format!(
                "password `{lt}` is compared with `{rt}` using `{op}`: the password is kept in plaintext, and `{op}` stops at the first differing byte (a timing leak)"
            ),
            HELP_COMPARE,
        );
    }
}

/// The branches of `if cond` that a test-only switch selects: (then, else). `cfg!(test)`,
/// a flag whose name has the word `test`/`testing` (`config.test_mode`,
/// `self.fast_for_tests`) or is `insecure_fast`/`fast_insecure`, negated with `!`.
fn test_switch(cond: &Expr, depth: u32) -> (bool, bool) {
    if depth > 16 {
        return (false, false);
    }
    match cond {
        Expr::Paren(p) => test_switch(&p.expr, depth + 1),
        Expr::Group(g) => test_switch(&g.expr, depth + 1),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
            let (t, e) = test_switch(&u.expr, depth + 1);
            (e, t)
        }
        Expr::Binary(b) if matches!(b.op, syn::BinOp::Or(_)) => {
            let (lt, _) = test_switch(&b.left, depth + 1);
            let (rt, _) = test_switch(&b.right, depth + 1);
            (lt && rt, false)
        }
        Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
            let (lt, _) = test_switch(&b.left, depth + 1);
            let (rt, _) = test_switch(&b.right, depth + 1);
            (lt || rt, false)
        }
        Expr::Macro(m) if m.mac.path.is_ident("cfg") => (
            crate::engine::walk::cfg_is_test(m.mac.tokens.clone()),
            false,
        ),
        Expr::Path(_) | Expr::Field(_) | Expr::MethodCall(_) => {
            let name = match cond {
                Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
                Expr::Field(f) => match &f.member {
                    syn::Member::Named(n) => Some(n.to_string()),
                    syn::Member::Unnamed(_) => None,
                },
                Expr::MethodCall(m) if m.args.is_empty() => Some(m.method.to_string()),
                _ => None,
            };
            let Some(name) = name else {
                return (false, false);
            };
            let ws = words(&name);
            let test = ws.iter().any(|w| TEST_SWITCH_WORDS.contains(&w.as_str()))
                || (ws.iter().any(|w| w == "fast") && ws.iter().any(|w| w == "insecure"));
            (test, false)
        }
        _ => (false, false),
    }
}

/// Whether a function computes a wire protocol's or a file format's value from a
/// password rather than a hash to store: it XORs bytes (a handshake scramble), names a
/// handshake's challenge (`scramble`, `nonce`, `challenge`), or uses a cipher (a key
/// file's passphrase turned into an encryption key).
fn protocol_fn(sig: &syn::Signature, body: &syn::Block) -> bool {
    struct Scan {
        found: bool,
    }
    impl<'ast> Visit<'ast> for Scan {
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_bin_op(&mut self, op: &'ast syn::BinOp) {
            if matches!(op, syn::BinOp::BitXor(_) | syn::BinOp::BitXorAssign(_)) {
                self.found = true;
            }
        }
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            if self.found {
                return;
            }
            let name = i.to_string();
            let lower = name.to_ascii_lowercase();
            self.found = words(&name)
                .iter()
                .any(|w| HANDSHAKE_WORDS.contains(&w.as_str()))
                || CIPHER_MARKERS.iter().any(|m| lower.contains(m));
        }
    }
    let mut scan = Scan { found: false };
    scan.visit_signature(sig);
    scan.visit_block(body);
    scan.found
}

/// `600000` → `600,000`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The name a side of a comparison stands for: a binding, a field, a getter, through
/// references and transparent methods (`form.password.as_str()` → `password`).
fn side_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(i) => Some(i.to_string()),
            syn::Member::Unnamed(_) => side_name(&f.base),
        },
        Expr::MethodCall(m) => {
            let method = m.method.to_string();
            if TRANSPARENT_METHODS.contains(&method.as_str())
                || EXPOSE_METHODS.contains(&method.as_str())
            {
                side_name(&m.receiver)
            } else if m.args.is_empty() {
                Some(method)
            } else {
                None
            }
        }
        Expr::Reference(r) => side_name(&r.expr),
        Expr::Paren(p) => side_name(&p.expr),
        Expr::Group(g) => side_name(&g.expr),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => side_name(&u.expr),
        _ => None,
    }
}

/// Every identifier of a comparison side, joined (`req.new_password` → `req_new_password`),
/// so words of the receiver (`other.password`) count too.
fn side_text(e: &Expr) -> String {
    fn walk(e: &Expr, out: &mut Vec<String>) {
        match e {
            Expr::Path(p) => out.extend(p.path.segments.iter().map(|s| s.ident.to_string())),
            Expr::Field(f) => {
                walk(&f.base, out);
                if let syn::Member::Named(i) = &f.member {
                    out.push(i.to_string());
                }
            }
            Expr::MethodCall(m) => {
                walk(&m.receiver, out);
                out.push(m.method.to_string());
            }
            Expr::Reference(r) => walk(&r.expr, out),
            Expr::Paren(p) => walk(&p.expr, out),
            Expr::Unary(u) => walk(&u.expr, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(e, &mut out);
    out.join("_")
}

/// The HMAC hash named by a PBKDF2 function's first generic argument
/// (`pbkdf2_hmac::<Sha256>`, `pbkdf2::<Hmac<Sha512>>`).
fn turbofish_hash(path: &syn::Path) -> Pbkdf2Hash {
    let Some(last) = path.segments.last() else {
        return Pbkdf2Hash::Other;
    };
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return Pbkdf2Hash::Other;
    };
    let Some(ty) = a.args.iter().find_map(|g| match g {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }) else {
        return Pbkdf2Hash::Other;
    };
    let Some(mut seg) = type_name(ty) else {
        return Pbkdf2Hash::Other;
    };
    if seg.ident == "Hmac" || seg.ident == "SimpleHmac" {
        match first_type_arg(seg).and_then(type_name) {
            Some(inner) => seg = inner,
            None => return Pbkdf2Hash::Other,
        }
    }
    Pbkdf2Hash::from_name(&seg.ident.to_string())
}

/// The HMAC hash named by an argument: `pbkdf2::PBKDF2_HMAC_SHA256`,
/// `MessageDigest::sha256()`.
fn expr_hash(e: &Expr) -> Pbkdf2Hash {
    match e {
        Expr::Path(p) => p.path.segments.last().map_or(Pbkdf2Hash::Other, |s| {
            Pbkdf2Hash::from_name(&s.ident.to_string())
        }),
        Expr::Call(c) => expr_hash(&c.func),
        Expr::Reference(r) => expr_hash(&r.expr),
        Expr::Paren(p) => expr_hash(&p.expr),
        _ => Pbkdf2Hash::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(600_000), "600,000");
        assert_eq!(thousands(1_300_000), "1,300,000");
    }
}
