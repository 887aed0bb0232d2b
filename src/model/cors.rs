//! CORS middleware of the web frameworks: their constructors and presets, the builder
//! methods that set the allowed origins and credentials, and the values meaning "any
//! origin". What each library answers to an arbitrary `Origin` is recorded as an
//! [`OriginPolicy`]; see `rules/BL501.md` for the sources.

/// A CORS library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorsLib {
    /// `tower_http::cors::CorsLayer` (axum, tonic, any tower stack).
    TowerHttp,
    /// `actix_cors::Cors`.
    ActixCors,
    /// `rocket_cors::CorsOptions` (and `rocket_cors::Cors` of 0.4, the same fields).
    RocketCors,
    /// `warp::cors()`.
    Warp,
    /// `poem::middleware::Cors`.
    Poem,
}

/// What a configuration answers to a request from an origin it was not told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginPolicy {
    /// Only the listed origins (or a predicate of the program's) are allowed.
    Listed,
    /// `Access-Control-Allow-Origin: *`.
    Wildcard,
    /// The request's `Origin` is echoed back: every origin is allowed by name.
    Mirror,
}

/// The state a constructor starts in.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub origin: OriginPolicy,
    pub credentials: bool,
    /// `true` for constructors that set these themselves (`very_permissive()`), as
    /// opposed to a library's defaults (`CorsLayer::new()`, `CorsOptions::default()`).
    pub named: bool,
}

const fn preset(origin: OriginPolicy, credentials: bool, named: bool) -> Preset {
    Preset {
        origin,
        credentials,
        named,
    }
}

/// The CORS constructor a resolved call path names: the library, how to name it in
/// messages, and its starting state.
pub fn constructor(path: &[String]) -> Option<(CorsLib, Preset)> {
    let first = path.first()?.as_str();
    let n = path.len();
    let tail = |a: &str, b: &str| n >= 2 && path[n - 2] == a && path[n - 1] == b;
    use OriginPolicy::*;
    match first {
        "tower_http" => {
            if tail("CorsLayer", "new") || tail("CorsLayer", "default") {
                Some((CorsLib::TowerHttp, preset(Listed, false, false)))
            } else if tail("CorsLayer", "permissive") {
                // Any origin, method and header, all headers exposed; no credentials.
                Some((CorsLib::TowerHttp, preset(Wildcard, false, true)))
            } else if tail("CorsLayer", "very_permissive") {
                // Mirrors the request's origin, method and headers, with credentials.
                Some((CorsLib::TowerHttp, preset(Mirror, true, true)))
            } else {
                None
            }
        }
        "actix_cors" => {
            if tail("Cors", "default") || tail("Cors", "new") {
                Some((CorsLib::ActixCors, preset(Listed, false, false)))
            } else if tail("Cors", "permissive") {
                // All origins (echoed, no wildcard), methods and headers; credentials.
                Some((CorsLib::ActixCors, preset(Mirror, true, true)))
            } else {
                None
            }
        }
        "rocket_cors" => (tail("CorsOptions", "default") || tail("Cors", "default"))
            // `allowed_origins` defaults to `All`, echoed while `send_wildcard` is off.
            .then_some((CorsLib::RocketCors, preset(Mirror, false, false))),
        "warp" => (path == ["warp", "cors"] || path == ["warp", "filters", "cors", "cors"])
            // No origin allowed until `allow_origin(s)` or `allow_any_origin`.
            .then_some((CorsLib::Warp, preset(Listed, false, false))),
        "poem" => (tail("Cors", "new") || tail("Cors", "default"))
            // Every origin is allowed (and echoed) until one is listed.
            .then_some((CorsLib::Poem, preset(Mirror, false, false))),
        _ => None,
    }
}

/// Whether a struct literal's resolved path is rocket_cors's options struct.
pub fn is_rocket_options(path: &[String]) -> bool {
    path.first().is_some_and(|c| c == "rocket_cors")
        && path
            .last()
            .is_some_and(|l| l == "CorsOptions" || l == "Cors")
}

/// What a builder method does to a CORS configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Sets the allowed origins from its argument (classified by the rule).
    OriginArg,
    /// Allows every origin, with the library's policy for it.
    AnyOrigin(OriginPolicy),
    /// Adds origins to a list: afterwards only listed origins are allowed.
    ListOrigin,
    /// Adds a predicate deciding the origin (its first argument): a closure that always
    /// returns `true` allows every origin.
    OriginPredicate,
    /// Sets credentials from a boolean (or `AllowCredentials`) argument.
    CredentialsArg,
    /// Turns credentials on.
    CredentialsOn,
    /// Sets whether `*` is sent instead of the echoed origin, from a boolean argument.
    SendWildcardArg,
    /// Sends `*` instead of the echoed origin.
    SendWildcardOn,
}

/// The effect of builder method `name` of `lib`.
pub fn method_effect(lib: CorsLib, name: &str) -> Option<Effect> {
    use Effect::*;
    Some(match (lib, name) {
        (CorsLib::TowerHttp, "allow_origin") => OriginArg,
        (CorsLib::TowerHttp, "allow_credentials") => CredentialsArg,
        (CorsLib::ActixCors, "allow_any_origin") => AnyOrigin(OriginPolicy::Mirror),
        (CorsLib::ActixCors, "allowed_origin") => ListOrigin,
        (CorsLib::ActixCors, "allowed_origin_fn") => OriginPredicate,
        (CorsLib::ActixCors, "supports_credentials") => CredentialsOn,
        (CorsLib::ActixCors, "send_wildcard") => SendWildcardOn,
        (CorsLib::RocketCors, "allowed_origins") => OriginArg,
        (CorsLib::RocketCors, "allow_credentials") => CredentialsArg,
        (CorsLib::RocketCors, "send_wildcard") => SendWildcardArg,
        (CorsLib::Warp, "allow_any_origin") => AnyOrigin(OriginPolicy::Mirror),
        (CorsLib::Warp, "allow_origin" | "allow_origins") => ListOrigin,
        (CorsLib::Warp, "allow_credentials") => CredentialsArg,
        (CorsLib::Poem, "allow_origin" | "allow_origins" | "allow_origin_regex") => ListOrigin,
        (CorsLib::Poem, "allow_origins_fn") => OriginPredicate,
        (CorsLib::Poem, "allow_credentials") => CredentialsArg,
        _ => return None,
    })
}

/// The effect of setting field `name` of rocket_cors's options struct.
pub fn rocket_field_effect(name: &str) -> Option<Effect> {
    match name {
        "allowed_origins" => Some(Effect::OriginArg),
        "allow_credentials" => Some(Effect::CredentialsArg),
        "send_wildcard" => Some(Effect::SendWildcardArg),
        _ => None,
    }
}

/// The policy of an origin value given to `allow_origin` / `allowed_origins`, by the
/// resolved path of the value (a constant like `Any`) or of the function producing it
/// (`AllowOrigin::mirror_request()`). `None`: not a known "any origin" value.
pub fn origin_value(lib: CorsLib, path: &[String], called: bool) -> Option<OriginPolicy> {
    let n = path.len();
    let last = path.last()?.as_str();
    let owner = (n >= 2).then(|| path[n - 2].as_str());
    let krate = path.first()?.as_str();
    match lib {
        CorsLib::TowerHttp if krate == "tower_http" => match (owner, last, called) {
            (_, "Any", false) | (Some("cors"), "any", true) => Some(OriginPolicy::Wildcard),
            (Some("AllowOrigin"), "any", true) => Some(OriginPolicy::Wildcard),
            (Some("AllowOrigin"), "mirror_request", true) => Some(OriginPolicy::Mirror),
            _ => None,
        },
        // `All` is echoed unless `send_wildcard` is set.
        CorsLib::RocketCors if krate == "rocket_cors" => match (owner, last, called) {
            (Some("AllowedOrigins"), "all", true) | (Some("AllOrSome"), "All", false) => {
                Some(OriginPolicy::Mirror)
            }
            _ => None,
        },
        _ => None,
    }
}

/// tower-http's `AllowOrigin::predicate` / `async_predicate`: an origin decided by a
/// closure.
pub fn is_origin_predicate(lib: CorsLib, path: &[String]) -> bool {
    lib == CorsLib::TowerHttp
        && path.first().is_some_and(|c| c == "tower_http")
        && path.len() >= 2
        && path[path.len() - 2] == "AllowOrigin"
        && path
            .last()
            .is_some_and(|l| l == "predicate" || l == "async_predicate")
}

/// tower-http's `AllowCredentials::yes()`.
pub fn is_credentials_yes(path: &[String]) -> bool {
    path.first().is_some_and(|c| c == "tower_http")
        && path.ends_with(&["AllowCredentials".to_string(), "yes".to_string()])
}

/// How to name a library in messages.
pub fn lib_name(lib: CorsLib) -> &'static str {
    match lib {
        CorsLib::TowerHttp => "tower-http",
        CorsLib::ActixCors => "actix-cors",
        CorsLib::RocketCors => "rocket_cors",
        CorsLib::Warp => "warp",
        CorsLib::Poem => "poem",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Vec<String> {
        s.split("::").map(String::from).collect()
    }

    #[test]
    fn constructors() {
        let (lib, pre) = constructor(&p("tower_http::cors::CorsLayer::very_permissive")).unwrap();
        assert_eq!(lib, CorsLib::TowerHttp);
        assert!(pre.credentials && pre.origin == OriginPolicy::Mirror);
        let (_, pre) = constructor(&p("tower_http::cors::CorsLayer::permissive")).unwrap();
        assert!(!pre.credentials && pre.origin == OriginPolicy::Wildcard);
        let (_, pre) = constructor(&p("actix_cors::Cors::permissive")).unwrap();
        assert!(pre.credentials && pre.origin == OriginPolicy::Mirror);
        assert!(constructor(&p("warp::cors")).is_some());
        assert!(constructor(&p("poem::middleware::Cors::new")).is_some());
        // Same names elsewhere.
        assert!(constructor(&p("crate::cors::CorsLayer::permissive")).is_none());
        assert!(constructor(&p("Cors::permissive")).is_none());
    }

    #[test]
    fn origin_values() {
        let l = CorsLib::TowerHttp;
        assert_eq!(
            origin_value(l, &p("tower_http::cors::Any"), false),
            Some(OriginPolicy::Wildcard)
        );
        assert_eq!(
            origin_value(l, &p("tower_http::cors::AllowOrigin::mirror_request"), true),
            Some(OriginPolicy::Mirror)
        );
        assert_eq!(
            origin_value(l, &p("tower_http::cors::AllowOrigin::list"), true),
            None
        );
        assert_eq!(
            origin_value(
                CorsLib::RocketCors,
                &p("rocket_cors::AllowedOrigins::all"),
                true
            ),
            Some(OriginPolicy::Mirror)
        );
    }
}
