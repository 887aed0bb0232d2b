//! Rate limiting: the routes that take credentials, and what shows that a workspace
//! limits the rate of requests (BL506).

/// Words in a source file that show rate limiting is dealt with: a limiter crate
/// (`tower_governor`, `actix_governor`, `governor`, `rocket_governor`), tower's
/// `RateLimitLayer`, or a limiter of the project's own (`rate_limit`, `RateLimiter`,
/// `throttle`), or a 429 answer. Not "brute force": auth code says it of password
/// hashing (a slow hash against offline guessing), which limits nothing. Matched
/// case-insensitively anywhere in the text, comments included: a
/// project that mentions limiting has thought about it, and precision comes first.
pub const RATE_LIMIT_WORDS: &[&str] = &[
    "governor",
    "ratelimit",
    "rate_limit",
    "rate-limit",
    "throttl",
    "limiter",
    "leaky_bucket",
    // Answering 429 is limiting: `StatusCode::TOO_MANY_REQUESTS`,
    // `HttpResponse::TooManyRequests()`.
    "too_many_requests",
    "toomanyrequests",
];

/// Whether a file's text shows rate limiting (see [`RATE_LIMIT_WORDS`]).
pub fn mentions_rate_limiting(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    RATE_LIMIT_WORDS.iter().any(|w| lower.contains(w))
}

/// Path segments of endpoints that check credentials or issue tokens: the targets of
/// password guessing and credential stuffing.
const AUTH_SEGMENTS: &[&str] = &[
    "login",
    "signin",
    "sign_in",
    "sign-in",
    "logon",
    "token",
    "authenticate",
    "session",
    "sessions",
    "password",
    "forgot-password",
    "forgot_password",
    "reset-password",
    "reset_password",
    "otp",
    "totp",
    "2fa",
    "mfa",
];

/// Segments that make a `token` or `session` path something else than a credential
/// check: `/tokens/{id}` listing, `/session/logout`.
const NOT_AUTH_SEGMENTS: &[&str] = &["logout", "signout", "sign-out", "revoke", "refresh-page"];

/// Whether a route path (`/api/v1/auth/login`, `/oauth/token`) is a credential endpoint.
/// Parameters (`{id}`, `:id`, `<id>`) are not segments.
pub fn is_auth_route(path: &str) -> bool {
    let segments: Vec<String> = path
        .split(['/', '.'])
        .filter(|s| !s.is_empty())
        .filter(|s| !s.starts_with(['{', ':', '<', '*']))
        .map(str::to_ascii_lowercase)
        .collect();
    segments.iter().any(|s| AUTH_SEGMENTS.contains(&s.as_str()))
        && !segments
            .iter()
            .any(|s| NOT_AUTH_SEGMENTS.contains(&s.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_routes() {
        for p in [
            "/login",
            "/api/v1/auth/login",
            "/oauth/token",
            "/users/sign_in",
            "/password/reset",
            "/api/2fa/verify",
        ] {
            assert!(is_auth_route(p), "{p}");
        }
        for p in [
            "/",
            "/logins-report",
            "/users/{token}",
            "/session/logout",
            "/api/items",
            "/tokenizer",
        ] {
            assert!(!is_auth_route(p), "{p}");
        }
    }

    #[test]
    fn rate_limiting_words() {
        assert!(mentions_rate_limiting("use tower_governor::GovernorLayer;"));
        assert!(mentions_rate_limiting("let l = RateLimiter::new();"));
        assert!(!mentions_rate_limiting("fn login() {}"));
    }
}
