//! The rule catalogue: metadata of every rule (one `static` per rule file, declared with
//! [`declare_rule!`]) and the hooks a rule implements.

use crate::engine::cx::Cx;
use crate::engine::cx::{ItemRef, MacroRef};
use crate::finding::Severity;
use serde::Serialize;

pub mod architecture;
pub mod error_handling;
pub mod injection;
pub mod input;
pub mod meta;
pub mod resilience;
pub mod secrets;
pub mod security_config;

/// Rule category, from the code's hundreds digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Meta,
    Injection,
    Secrets,
    Input,
    Architecture,
    SecurityConfig,
    Resilience,
    ErrorHandling,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Meta => "meta",
            Category::Injection => "injection",
            Category::Secrets => "secrets",
            Category::Input => "input",
            Category::Architecture => "architecture",
            Category::SecurityConfig => "security-config",
            Category::Resilience => "resilience",
            Category::ErrorHandling => "error-handling",
        }
    }
}

/// How often a finding of the rule is a true positive on real code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    VeryHigh,
    High,
    Medium,
    Low,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::VeryHigh => "very-high",
            Precision::High => "high",
            Precision::Medium => "medium",
            Precision::Low => "low",
        }
    }
}

/// Stable rules run by default; preview rules only when selected or with `--preview`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Stable,
    Preview,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Stable => "stable",
            Status::Preview => "preview",
        }
    }
}

/// Everything known about a rule besides its check.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// CWE identifiers (numbers), most specific first.
    pub cwe: &'static [u32],
    pub precision: Precision,
    pub status: Status,
    /// The version that introduced the rule.
    pub since: &'static str,
    /// One line: what the rule flags.
    pub summary: &'static str,
    /// The rule's page, `rules/<CODE>.md`.
    pub doc: &'static str,
}

impl RuleMeta {
    /// SARIF `security-severity` (0–10) derived from severity and category.
    pub fn security_severity(&self) -> Option<&'static str> {
        if self.cwe.is_empty() {
            return None;
        }
        Some(match self.severity {
            Severity::Error => "8.0",
            Severity::Warning => "5.0",
            Severity::Note => "3.0",
        })
    }

    /// The page's section `## title`, without its heading.
    pub fn doc_section(&self, title: &str) -> Option<&'static str> {
        let doc = self.doc;
        let head = format!("\n## {title}\n");
        let start = doc.find(&head)? + head.len();
        let rest = &doc[start..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        Some(rest[..end].trim())
    }
}

/// Declares a rule's metadata as a `static`; its page is compiled in from `rules/`.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[$attr:meta])*
        $vis:vis static $NAME:ident = {
            code: $code:literal,
            name: $name:literal,
            category: $cat:ident,
            severity: $sev:ident,
            cwe: [$($cwe:literal),* $(,)?],
            precision: $prec:ident,
            status: $status:ident,
            since: $since:literal,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[$attr])*
        $vis static $NAME: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
            code: $code,
            name: $name,
            category: $crate::rules::Category::$cat,
            severity: $crate::finding::Severity::$sev,
            cwe: &[$($cwe),*],
            precision: $crate::rules::Precision::$prec,
            status: $crate::rules::Status::$status,
            since: $since,
            summary: $summary,
            doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $code, ".md")),
        };
    };
}

/// Declares a taint rule's type: its metadata is the file's `META`, its check the file's
/// taint specification `SPEC` ([`crate::engine::taint::Spec`]), run by the engine.
#[macro_export]
macro_rules! taint_rule {
    ($(#[$attr:meta])* $vis:vis struct $Name:ident;) => {
        $(#[$attr])*
        $vis struct $Name;

        impl $crate::rules::Rule for $Name {
            fn meta(&self) -> &'static $crate::rules::RuleMeta {
                &META
            }

            fn taint(&self) -> Option<&'static $crate::engine::taint::Spec> {
                Some(&SPEC)
            }
        }
    };
}

/// A rule's check: hooks called by the walker for every node of interest. Rules are
/// stateless and shared between threads; per-file state lives in [`Cx`].
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Whether the rule has hooks for the walker (a rule settled entirely from the
    /// project pass has none).
    fn walks(&self) -> bool {
        true
    }

    /// The rule's taint specification, when it is a taint rule ([`crate::engine::taint`]):
    /// the engine finds its sinks and follows request data to them.
    fn taint(&self) -> Option<&'static crate::engine::taint::Spec> {
        None
    }

    /// Every expression, before its children.
    fn check_expr<'ast>(&self, _cx: &mut Cx<'_, 'ast>, _expr: &'ast syn::Expr) {}

    /// Every macro invocation (expression, statement or item position), parsed.
    fn check_macro<'ast>(&self, _cx: &mut Cx<'_, 'ast>, _mac: MacroRef<'ast>) {}

    /// Every `let` statement, before its initializer is walked.
    fn check_local<'ast>(&self, _cx: &mut Cx<'_, 'ast>, _local: &'ast syn::Local) {}

    /// Every `const`/`static` item (module level, in blocks, associated) and struct
    /// definition, inside the test context its attributes set, before its parts are
    /// walked.
    fn check_item<'ast>(&self, _cx: &mut Cx<'_, 'ast>, _item: ItemRef<'ast>) {}
    /// Every `impl` block, before its items are walked.
    fn check_impl<'ast>(&self, _cx: &mut Cx<'_, 'ast>, _imp: &'ast syn::ItemImpl) {}

    /// Every function and method with a body, with its attributes, before its body is
    /// walked.
    fn check_fn<'ast>(
        &self,
        _cx: &mut Cx<'_, 'ast>,
        _attrs: &'ast [syn::Attribute],
        _sig: &'ast syn::Signature,
        _body: &'ast syn::Block,
    ) {
    }
}

/// Every rule's metadata, in code order.
pub fn all_meta() -> Vec<&'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = vec![
        &meta::parse_error::PARSE_ERROR,
        &meta::unused_allow::UNUSED_ALLOW,
        &meta::internal_error::INTERNAL_ERROR,
    ];
    v.extend(checks().iter().map(|r| r.meta()));
    v.sort_by_key(|m| m.code);
    v
}

/// Every rule with a check, in code order.
pub fn checks() -> &'static [&'static dyn Rule] {
    &[
        &injection::sql_string_interpolation::SqlStringInterpolation,
        &injection::path_traversal::PathTraversal,
        &injection::request_forgery::RequestForgery,
        &injection::command_injection::CommandInjection,
        &injection::cross_site_scripting::CrossSiteScripting,
        &injection::open_redirect::OpenRedirect,
        &injection::regex_injection::RegexInjection,
        &injection::uncontrolled_allocation::UncontrolledAllocation,
        &secrets::secret_in_log::SecretInLog,
        &secrets::cleartext_password_storage::CleartextPasswordStorage,
        &input::unvalidated_input::UnvalidatedInput,
        &architecture::layer_violation::LayerViolation,
        &security_config::missing_rate_limit::MissingRateLimit,
        &security_config::tls_verification_disabled::TlsVerificationDisabled,
        &resilience::http_client_without_timeout::HttpClientWithoutTimeout,
        &security_config::jwt_validation_disabled::JwtValidationDisabled,
        &security_config::weak_password_hash::WeakPasswordHash,
        &security_config::permissive_cors::PermissiveCors,
        &security_config::insecure_cookie::InsecureCookie,
        &security_config::plaintext_http::PlaintextHttp,
        &resilience::blocking_call_in_async::BlockingCallInAsync,
        &resilience::connection_without_pool::ConnectionWithoutPool,
        &error_handling::panic_in_handler::PanicInHandler,
        &security_config::hardcoded_secret::HardcodedSecret,
        &error_handling::internal_error_exposed::InternalErrorExposed,
    ]
}

/// Finds a rule by code (`BL101`) or name (`sql-string-interpolation`), case-insensitive.
pub fn lookup(key: &str) -> Option<&'static RuleMeta> {
    all_meta()
        .into_iter()
        .find(|m| m.code.eq_ignore_ascii_case(key) || m.name.eq_ignore_ascii_case(key))
}
