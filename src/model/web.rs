//! Web frameworks: the extractors through which request input reaches a handler, and
//! the validating extractors that check it first.

/// What part of the request an extractor reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Body,
    Form,
    Query,
    Path,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Body => "body",
            InputKind::Form => "form",
            InputKind::Query => "query",
            InputKind::Path => "path",
        }
    }
}

/// A request extractor, by its full path.
pub struct Extractor {
    pub path: &'static [&'static str],
    pub kind: InputKind,
}

/// Extractors that deserialize request input without validating it.
pub const EXTRACTORS: &[Extractor] = &[
    // axum (and axum-extra)
    Extractor {
        path: &["axum", "Json"],
        kind: InputKind::Body,
    },
    Extractor {
        path: &["axum", "extract", "Json"],
        kind: InputKind::Body,
    },
    Extractor {
        path: &["axum", "Form"],
        kind: InputKind::Form,
    },
    Extractor {
        path: &["axum", "extract", "Form"],
        kind: InputKind::Form,
    },
    Extractor {
        path: &["axum", "extract", "Query"],
        kind: InputKind::Query,
    },
    Extractor {
        path: &["axum", "extract", "Path"],
        kind: InputKind::Path,
    },
    Extractor {
        path: &["axum_extra", "extract", "Query"],
        kind: InputKind::Query,
    },
    Extractor {
        path: &["axum_extra", "extract", "Form"],
        kind: InputKind::Form,
    },
    Extractor {
        path: &["axum_extra", "extract", "JsonDeserializer"],
        kind: InputKind::Body,
    },
    // actix-web
    Extractor {
        path: &["actix_web", "web", "Json"],
        kind: InputKind::Body,
    },
    Extractor {
        path: &["actix_web", "web", "Form"],
        kind: InputKind::Form,
    },
    Extractor {
        path: &["actix_web", "web", "Query"],
        kind: InputKind::Query,
    },
    Extractor {
        path: &["actix_web", "web", "Path"],
        kind: InputKind::Path,
    },
    // rocket
    Extractor {
        path: &["rocket", "serde", "json", "Json"],
        kind: InputKind::Body,
    },
    Extractor {
        path: &["rocket_contrib", "json", "Json"],
        kind: InputKind::Body,
    },
    Extractor {
        path: &["rocket", "form", "Form"],
        kind: InputKind::Form,
    },
    Extractor {
        path: &["rocket", "request", "Form"],
        kind: InputKind::Form,
    },
    // poem, poem-openapi
    Extractor {
        path: &["poem", "web", "Json"],
        kind: InputKind::Body,
    },
    Extractor {
        path: &["poem", "web", "Form"],
        kind: InputKind::Form,
    },
    Extractor {
        path: &["poem", "web", "Query"],
        kind: InputKind::Query,
    },
    Extractor {
        path: &["poem_openapi", "payload", "Json"],
        kind: InputKind::Body,
    },
    Extractor {
        path: &["poem_openapi", "payload", "Form"],
        kind: InputKind::Form,
    },
];

/// Crates whose extractors validate what they extract (`actix_web_validator::Json`,
/// `axum_valid::Valid<Json<T>>`, `axum_garde::WithValidation<Json<T>>`).
pub const VALIDATING_CRATES: &[&str] = &[
    "actix_web_validator",
    "axum_valid",
    "axum_garde",
    "garde_actix_web",
    "actix_web_garde",
    "poem_valid",
    "rocket_validation",
];

/// Validating wrapper types, by name (`Valid<Json<T>>`), for wrappers re-exported under
/// other paths.
pub const VALIDATING_WRAPPERS: &[&str] = &[
    "Valid",
    "Garde",
    "Validified",
    "ValidifiedByRef",
    "Modified",
    "WithValidation",
    "Validated",
    "ValidatedJson",
    "ValidatedForm",
    "ValidatedQuery",
];

/// Whether a resolved path is one of the unvalidated extractors.
pub fn extractor(path: &[String]) -> Option<&'static Extractor> {
    EXTRACTORS
        .iter()
        .find(|e| e.path.len() == path.len() && e.path.iter().zip(path).all(|(a, b)| a == b))
}

/// Methods that validate a value (validator, garde).
pub fn is_validate_method(name: &str) -> bool {
    matches!(
        name,
        "validate" | "validate_with_args" | "validate_args" | "validate_into" | "validate_with"
    )
}
