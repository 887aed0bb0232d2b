//! JWT libraries: which functions decode a token without verifying its signature, which
//! calls turn verification off, which constructors take an HMAC key.

/// Names under which `jsonwebtoken` is imported: the crate, its forks, and `jwt` (the
/// usual rename in `Cargo.toml`; the unrelated `jwt` crate has none of the functions
/// matched under it).
pub const JSONWEBTOKEN_CRATES: &[&str] = &[
    "jsonwebtoken",
    "jwt",
    "jsonwebtoken_rustcrypto",
    "surrealdb_jsonwebtoken",
];

/// Functions of `jsonwebtoken` (path after the crate) that return a token's claims
/// without verifying its signature: `dangerous_unsafe_decode` (5–7),
/// `dangerous_insecure_decode` and `dangerous_insecure_decode_with_validation` (7, 8 betas),
/// `dangerous::insecure_decode` (10).
const JSONWEBTOKEN_INSECURE_DECODE: &[&[&str]] = &[
    &["dangerous_unsafe_decode"],
    &["dangerous_insecure_decode"],
    &["dangerous_insecure_decode_with_validation"],
    &["dangerous", "insecure_decode"],
];

/// The `Validation` method of `jsonwebtoken` (8 and later) that turns signature
/// verification off for every `decode` given that value.
pub const DISABLE_SIGNATURE_METHOD: &str = "insecure_disable_signature_validation";

/// `jwt-authorizer`: its crate, the `Validation` field that turns signature verification
/// off, and the builder method that does the same.
pub const JWT_AUTHORIZER_CRATE: &str = "jwt_authorizer";
pub const JWT_AUTHORIZER_SIGNATURE_FIELD: &str = "validate_signature";
pub const JWT_AUTHORIZER_DISABLE_METHOD: &str = "disable_validation";

/// The function a resolved path names, if it decodes a JWT without verifying its
/// signature, as shown in messages (`jsonwebtoken::dangerous::insecure_decode`).
pub fn insecure_decode_fn(path: &[String]) -> Option<String> {
    let (first, rest) = path.split_first()?;
    if JSONWEBTOKEN_CRATES.contains(&first.as_str())
        && JSONWEBTOKEN_INSECURE_DECODE
            .iter()
            .any(|tail| rest.iter().map(String::as_str).eq(tail.iter().copied()))
    {
        return Some(format!("jsonwebtoken::{}", rest.join("::")));
    }
    // josekit: a JWT with `"alg": "none"`, which carries no signature at all.
    if path == ["josekit", "jwt", "decode_unsecured"] {
        return Some("josekit::jwt::decode_unsecured".into());
    }
    None
}

/// Whether a resolved path is a constructor of an HMAC key for signing or verifying JWTs:
/// `jsonwebtoken`'s `EncodingKey::from_secret` / `DecodingKey::from_secret` (and
/// `from_base64_secret`), `jwt-simple`'s `HS256Key::from_bytes` (and HS384, HS512), and
/// `jwt-authorizer`'s `JwtAuthorizer::from_secret`.
pub fn hmac_key_constructor(path: &[String]) -> Option<String> {
    let n = path.len();
    if n < 3 {
        return None;
    }
    let first = path[0].as_str();
    let (ty, func) = (path[n - 2].as_str(), path[n - 1].as_str());
    let known = (JSONWEBTOKEN_CRATES.contains(&first)
        && matches!(ty, "EncodingKey" | "DecodingKey")
        && matches!(func, "from_secret" | "from_base64_secret"))
        || (first == "jwt_simple"
            && matches!(ty, "HS256Key" | "HS384Key" | "HS512Key" | "Blake2bKey")
            && func == "from_bytes")
        || (first == JWT_AUTHORIZER_CRATE
            && matches!(ty, "JwtAuthorizer" | "AuthorizerBuilder")
            && func == "from_secret");
    known.then(|| format!("{ty}::{func}"))
}

/// Words in a type or function name saying that the claims it holds or returns were not
/// verified (`UnverifiedClaims`, `decode_untrusted`): the code says what the value is.
pub fn names_unverified(ident: &str) -> bool {
    crate::model::names::words(ident).iter().any(|w| {
        matches!(
            w.as_str(),
            "unverified" | "untrusted" | "unvalidated" | "unchecked"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Vec<String> {
        s.split("::").map(String::from).collect()
    }

    #[test]
    fn insecure_decoders() {
        assert!(insecure_decode_fn(&p("jsonwebtoken::dangerous::insecure_decode")).is_some());
        assert!(insecure_decode_fn(&p("jwt::dangerous::insecure_decode")).is_some());
        assert!(insecure_decode_fn(&p("jsonwebtoken::dangerous_insecure_decode")).is_some());
        assert!(insecure_decode_fn(&p("josekit::jwt::decode_unsecured")).is_some());
        assert!(insecure_decode_fn(&p("jsonwebtoken::decode")).is_none());
        assert!(insecure_decode_fn(&p("jsonwebtoken::decode_header")).is_none());
        assert!(insecure_decode_fn(&p("crate::dangerous::insecure_decode")).is_none());
    }

    #[test]
    fn key_constructors() {
        assert!(hmac_key_constructor(&p("jsonwebtoken::DecodingKey::from_secret")).is_some());
        assert!(hmac_key_constructor(&p("jwt_simple::prelude::HS256Key::from_bytes")).is_some());
        assert!(hmac_key_constructor(&p("jsonwebtoken::DecodingKey::from_rsa_pem")).is_none());
        assert!(hmac_key_constructor(&p("crate::DecodingKey::from_secret")).is_none());
    }

    #[test]
    fn unverified_names() {
        assert!(names_unverified("UnverifiedClaims"));
        assert!(names_unverified("decode_untrusted"));
        assert!(!names_unverified("Claims"));
        assert!(!names_unverified("verify"));
    }
}
