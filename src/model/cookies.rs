//! Cookies: the `cookie` crate's builder and the frameworks re-exporting it, the session
//! middlewares that set their own cookie, their attribute setters, and the names that
//! say a cookie carries a session or credentials.

use crate::model::names::words;

/// Crates whose `Cookie` is the `cookie` crate's (re-exported) or one with the same
/// builder (`poem::web::cookie::Cookie`).
const COOKIE_CRATES: &[&str] = &[
    "cookie",
    "actix_web",
    "actix_http",
    "axum_extra",
    "tower_cookies",
    "rocket",
    "salvo",
    "salvo_core",
    "poem",
    "http_types",
    "tide",
];

/// Whether a resolved call path constructs a cookie: `Cookie::build`, `Cookie::new`,
/// `CookieBuilder::new` of the cookie crate or a re-export (poem's `new_with_str` too).
pub fn is_cookie_constructor(path: &[String]) -> bool {
    let n = path.len();
    if n < 3 || !COOKIE_CRATES.contains(&path[0].as_str()) {
        return false;
    }
    matches!(
        (path[n - 2].as_str(), path[n - 1].as_str()),
        ("Cookie", "build" | "new" | "named" | "new_with_str") | ("CookieBuilder", "new")
    )
}

/// A cookie attribute a setter can turn off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attr {
    /// `Secure`: sent over HTTPS only (CWE-614).
    Secure,
    /// `HttpOnly`: hidden from scripts (CWE-1004).
    HttpOnly,
}

/// The attribute a cookie builder method sets from its boolean argument.
pub fn cookie_setter(method: &str) -> Option<Attr> {
    match method {
        "secure" | "set_secure" => Some(Attr::Secure),
        "http_only" | "set_http_only" => Some(Attr::HttpOnly),
        _ => None,
    }
}

/// A session middleware's builder: how to name it, and its setters for the session
/// cookie's attributes.
#[derive(Debug, Clone, Copy)]
pub struct SessionLayer {
    pub name: &'static str,
    pub secure: &'static str,
    pub http_only: &'static str,
}

/// The session middleware whose builder a resolved call path starts.
pub fn session_layer(path: &[String]) -> Option<SessionLayer> {
    let n = path.len();
    if n < 2 {
        return None;
    }
    let has = |c: &str| path.iter().any(|s| s == c);
    let (owner, ctor) = (path[n - 2].as_str(), path[n - 1].as_str());
    let layer = |name, secure, http_only| {
        Some(SessionLayer {
            name,
            secure,
            http_only,
        })
    };
    match (owner, ctor) {
        ("SessionMiddleware", "builder") if has("actix_session") => layer(
            "actix-session `SessionMiddleware`",
            "cookie_secure",
            "cookie_http_only",
        ),
        ("CookieSession", "signed" | "private") if has("actix_session") => {
            layer("actix-session `CookieSession`", "secure", "http_only")
        }
        ("CookieIdentityPolicy", "new") if has("actix_identity") => layer(
            "actix-identity `CookieIdentityPolicy`",
            "secure",
            "http_only",
        ),
        ("SessionManagerLayer", "new") if has("tower_sessions") => layer(
            "tower-sessions `SessionManagerLayer`",
            "with_secure",
            "with_http_only",
        ),
        ("SessionLayer", "new") if has("axum_sessions") => layer(
            "axum-sessions `SessionLayer`",
            "with_secure",
            "with_http_only",
        ),
        ("CookieConfig", "new" | "default" | "signed" | "private")
            if has("poem") && has("session") =>
        {
            layer("poem `CookieConfig`", "secure", "http_only")
        }
        _ => None,
    }
}

/// Words that say a cookie carries a session or credentials.
const SESSION_WORDS: &[&str] = &[
    "session",
    "sessionid",
    "sess",
    "sid",
    "ssid",
    "token",
    "tokens",
    "auth",
    "authn",
    "authorization",
    "jwt",
    "remember",
    "rememberme",
    "login",
    "identity",
    "credential",
    "credentials",
    "bearer",
    "refresh",
];

/// Words of cookies meant to be read by scripts or to carry nothing secret: CSRF
/// double-submit tokens (readable by design), preferences.
const BENIGN_WORDS: &[&str] = &[
    "csrf",
    "xsrf",
    "theme",
    "lang",
    "language",
    "locale",
    "tz",
    "timezone",
    "consent",
    "gdpr",
    "currency",
    "sidebar",
    "layout",
    "dismissed",
    "banner",
    "tour",
    "analytics",
    "utm",
];

fn word_is_session(w: &str) -> bool {
    SESSION_WORDS.contains(&w)
        || w.contains("session")
        || w.contains("token")
        || w.contains("jwt")
        || (w.starts_with("auth") && !w.starts_with("author"))
}

/// Whether names and literals (`"session_id"`, `AUTH_COOKIE`, `jwt`) say a session or
/// credential.
pub fn says_session(texts: &[String]) -> bool {
    texts
        .iter()
        .flat_map(|t| words(t))
        .any(|w| word_is_session(&w))
}

/// Whether names say a script-readable or non-secret cookie (`csrf_token`, `theme`).
pub fn says_benign(texts: &[String]) -> bool {
    texts
        .iter()
        .flat_map(|t| words(t))
        .any(|w| BENIGN_WORDS.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Vec<String> {
        s.split("::").map(String::from).collect()
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn constructors() {
        assert!(is_cookie_constructor(&p("cookie::Cookie::build")));
        assert!(is_cookie_constructor(&p(
            "axum_extra::extract::cookie::Cookie::new"
        )));
        assert!(is_cookie_constructor(&p(
            "actix_web::cookie::Cookie::build"
        )));
        assert!(!is_cookie_constructor(&p("crate::cookie::Cookie::build")));
        assert!(!is_cookie_constructor(&p("Cookie::build")));
        assert!(session_layer(&p("tower_sessions::SessionManagerLayer::new")).is_some());
        assert!(
            session_layer(&p("axum_login::tower_sessions::SessionManagerLayer::new")).is_some()
        );
        assert!(session_layer(&p("actix_session::SessionMiddleware::builder")).is_some());
        assert!(session_layer(&p("crate::SessionMiddleware::builder")).is_none());
    }

    #[test]
    fn names() {
        assert!(says_session(&s(&["session_id"])));
        assert!(says_session(&s(&["AUTH_COOKIE"])));
        assert!(says_session(&s(&["JSESSIONID"])));
        assert!(says_session(&s(&["refresh_token"])));
        assert!(!says_session(&s(&["theme", "dark"])));
        assert!(!says_session(&s(&["author"])));
        assert!(says_benign(&s(&["csrf_token"])));
        assert!(!says_benign(&s(&["sid"])));
    }
}
