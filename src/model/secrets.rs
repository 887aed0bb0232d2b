//! Secrets: which names and types hold credentials, which types redact them, how they are
//! exposed, and which outputs a human or a log store reads.

use crate::model::names::words;

/// Word sequences that name a credential wherever they appear in an identifier
/// (`db_password`, `clientSecret`, `x-api-key`).
const CORES: &[&[&str]] = &[
    &["password"],
    &["passwords"],
    &["passwd"],
    &["passphrase"],
    &["secret"],
    &["secrets"],
    &["secret", "access", "key"],
    &["access", "key", "secret"],
    &["apikey"],
    &["api", "key"],
    &["api", "keys"],
    &["private", "key"],
    &["privkey"],
    &["signing", "key"],
    &["encryption", "key"],
    &["master", "key"],
    &["hmac", "key"],
    &["auth", "key"],
    &["session", "key"],
    &["token"],
    &["tokens"],
    &["bearer"],
    &["jwt"],
    &["jwts"],
    &["authorization"],
    &["cookie"],
    &["cookies"],
    &["credentials"],
    &["credential"],
    &["creds"],
    &["otp"],
    &["totp"],
];

/// Words that may follow a credential and still name its value (`password_confirmation`,
/// `token_str`, `secret_key`, `authorization_header`).
const VALUE_SUFFIX: &[&str] = &[
    "value",
    "values",
    "str",
    "string",
    "raw",
    "plain",
    "plaintext",
    "clear",
    "cleartext",
    "text",
    "input",
    "confirmation",
    "confirm",
    "bytes",
    "buf",
    "b64",
    "base64",
    "hex",
    "encoded",
    "opt",
    "header",
    "key",
    "keys",
    "code",
    "data",
    "owned",
    "new",
    "old",
    "pair",
];

/// Words that, before a credential, say the value is not the credential itself: a
/// predicate, a count, a transformed form, or another kind of token.
const EXEMPT_PREFIX: &[&str] = &[
    "is",
    "has",
    "had",
    "should",
    "must",
    "can",
    "need",
    "needs",
    "require",
    "requires",
    "required",
    "use",
    "with",
    "without",
    "no",
    "allow",
    "include",
    "send",
    "num",
    "number",
    "n",
    "count",
    "max",
    "min",
    "total",
    "hashed",
    "hash",
    "encrypted",
    "masked",
    "redacted",
    "obfuscated",
    "salted",
    "digest",
    "continuation",
    "pagination",
    "page",
    "next",
    "prev",
    "previous",
    "cursor",
    "cancel",
    "cancellation",
    "sync",
    "verify",
    "verified",
    "validate",
    "valid",
    "invalid",
    "check",
    "input",
    "output",
    "prompt",
    "lexer",
    "parse",
    "parser",
    "attr",
    "attribute",
    "column",
    "field",
    "env",
    "var",
];

/// Words that, before `token`, say it is another protocol's: a security-context
/// negotiation's buffer, a lexer's token, a cursor or a control token. Only for `token`
/// (`expected_password` is a stored password).
const TOKEN_EXEMPT_PREFIX: &[&str] = &[
    // The buffers of a security-context negotiation (GSS-API, SPNEGO, Kerberos, SSPI,
    // SASL): `mech_token`, `gss_token` (`in_token`/`out_token`: see `names_credential`).
    "mech",
    "gss",
    "gssapi",
    "spnego",
    "negotiate",
    "negotiation",
    "sspi",
    "ntlm",
    "kerberos",
    "krb",
    "krb5",
    "sasl",
    // A lexer's or parser's tokens.
    "lex",
    "syntax",
    "expected",
    "unexpected",
    "peek",
    "peeked",
    // An OAuth scope's words (`ScopeToken`: `openid`, `email`).
    "scope",
    // Cursors and control tokens.
    "resume",
    "resumption",
    "scroll",
    "shutdown",
    "stop",
];

/// Qualifiers that make a plural `tokens` a list of credentials (`access_tokens`); a bare
/// `tokens` is usually a lexer's or a language model's.
const TOKEN_KINDS: &[&str] = &[
    "access",
    "refresh",
    "id",
    "session",
    "auth",
    "api",
    "reset",
    "bearer",
    "jwt",
    "oauth",
    "personal",
    "csrf",
    "device",
    "invite",
    "verification",
    "confirmation",
];

/// Whether an identifier names a credential: `password`, `user.api_key`, `accessToken`,
/// `x-api-key`, but not `password_hash`, `token_count`, `is_secret`, `reset_url`.
/// `extra` holds configured word sequences.
pub fn is_secret_name(ident: &str, extra: &[Vec<String>]) -> bool {
    is_secret_name_with(ident, CORES, VALUE_SUFFIX, extra)
}

/// Whether a name says its value identifies or labels something rather than holding its
/// content: `name`, `secret_name`, `key_id`, `ids`, `label`, `title` (a log field `name =
/// %spec.target_secret` records which secret, not what is in it).
pub fn names_a_reference(ident: &str) -> bool {
    crate::model::names::is_reference_key(ident)
        || words(ident).last().is_some_and(|w| {
            matches!(
                w.as_str(),
                "name" | "names" | "label" | "labels" | "title" | "slug"
            )
        })
}

/// [`is_secret_name`] with other word sequences (`cores`) and other words allowed after
/// them (`suffixes`); the exempt prefixes and the rule for a bare `tokens` are the same.
pub fn is_secret_name_with(
    ident: &str,
    cores: &[&[&str]],
    suffixes: &[&str],
    extra: &[Vec<String>],
) -> bool {
    names_credential(&words(ident), cores, extra, suffixes)
}

/// Word sequences that name a credential's value unambiguously: a password, a secret, a
/// private or API key, an OAuth/session token of a named kind. A bare `token`, `key`,
/// `auth`, `credentials`, `cookie`, `session` or `authorization` is weak evidence: such
/// names also hold a lexer's token, a map key, a credential's kind or a cookie's name.
const STRONG_CORES: &[&[&str]] = &[
    &["password"],
    &["passwords"],
    &["passwd"],
    &["passphrase"],
    &["secret"],
    &["secrets"],
    &["secret", "access", "key"],
    &["access", "key", "secret"],
    &["apikey"],
    &["api", "key"],
    &["api", "keys"],
    &["private", "key"],
    &["privkey"],
    &["signing", "key"],
    &["encryption", "key"],
    &["master", "key"],
    &["hmac", "key"],
    &["bearer"],
    &["jwt"],
    &["otp"],
    &["totp"],
    &["access", "token"],
    &["access", "tokens"],
    &["refresh", "token"],
    &["refresh", "tokens"],
    &["id", "token"],
    &["session", "token"],
    &["auth", "token"],
    &["api", "token"],
    &["reset", "token"],
    &["bearer", "token"],
    &["oauth", "token"],
    &["personal", "token"],
];

/// Whether an identifier is a secret only because it says `token` (`token`,
/// `user_token`, `tokens`), not `access_token` or `password_token`.
pub fn is_token_only_name(ident: &str, extra: &[Vec<String>]) -> bool {
    words(ident).iter().any(|w| w == "token" || w == "tokens")
        && is_secret_name(ident, extra)
        && !is_strong_secret_name(ident, extra)
        && !words(ident)
            .iter()
            .filter(|w| *w != "token" && *w != "tokens")
            .any(|w| is_secret_name(w, extra))
}

/// Words of a function or type name that say its code speaks a protocol whose "tokens"
/// are no credentials: a security-context negotiation's buffers, a lexer's or parser's
/// tokens.
pub const PROTOCOL_TOKEN_WORDS: &[&str] = &[
    "gss",
    "gssapi",
    "spnego",
    "negotiate",
    "negotiation",
    "sspi",
    "kerberos",
    "krb",
    "krb5",
    "ntlm",
    "sasl",
    "lexer",
    "lex",
    "tokenizer",
    "tokenize",
    "scanner",
    "parser",
];

/// A quick test, without splitting words: whether an identifier may name a credential by
/// unambiguous words ([`is_strong_secret_name`] holds only if this does, configured
/// words aside). Every word of [`STRONG_CORES`] has one of these pieces.
pub fn may_be_strong_secret_name(ident: &str) -> bool {
    const PIECES: &[&[u8]] = &[
        b"pass", b"secret", b"key", b"bearer", b"jwt", b"otp", b"token",
    ];
    let b = ident.as_bytes();
    PIECES.iter().any(|p| {
        b.windows(p.len()).any(|w| {
            w.iter()
                .zip(p.iter())
                .all(|(a, c)| a.to_ascii_lowercase() == *c)
        })
    })
}

/// Whether an identifier names a credential by unambiguous words ([`STRONG_CORES`] or a
/// configured word): `password`, `client_secret`, `api_key`, `access_token`, but not a
/// bare `token`, `credentials`, `cookie` or `session_key`.
pub fn is_strong_secret_name(ident: &str, extra: &[Vec<String>]) -> bool {
    is_secret_name_with(ident, STRONG_CORES, VALUE_SUFFIX, extra)
}

/// Words that name a password (a secret a person chose and remembers), as opposed to a
/// generated token or key.
const PASSWORD_CORES: &[&[&str]] = &[
    &["password"],
    &["passwords"],
    &["passwd"],
    &["passphrase"],
    &["pwd"],
];

/// Whether an identifier names a password: `password`, `user.password`, `newPassword`,
/// `pwd`, `passphrase`, but not `password_hash`, `hashed_password`, `password_reset_token`,
/// `is_password_set`, `api_key` or `token` (tokens and keys are generated, not chosen).
pub fn is_password_name(ident: &str) -> bool {
    names_credential(&words(ident), PASSWORD_CORES, &[], VALUE_SUFFIX)
}

/// Whether words `w` contain one of `cores` with only value suffixes after it and no
/// exempting prefix before it.
fn names_credential(
    w: &[String],
    cores: &[&[&str]],
    extra: &[Vec<String>],
    suffixes: &[&str],
) -> bool {
    if w.is_empty() {
        return false;
    }
    fn spans<S: AsRef<str>>(w: &[String], core: &[S], out: &mut Vec<(usize, usize)>) {
        let n = core.len();
        if n == 0 || n > w.len() {
            return;
        }
        for i in 0..=w.len() - n {
            if w[i..i + n].iter().zip(core).all(|(a, b)| a == b.as_ref()) {
                out.push((i, i + n));
            }
        }
    }
    let mut core_spans: Vec<(usize, usize)> = Vec::new();
    for core in cores {
        spans(w, core, &mut core_spans);
    }
    for core in extra {
        spans(w, core, &mut core_spans);
    }
    let in_core = |k: usize| core_spans.iter().any(|&(a, b)| a <= k && k < b);
    core_spans.iter().any(|&(start, end)| {
        // `tokens` alone is a lexer's.
        if w[start..end] == ["tokens"]
            && (start == 0 || !TOKEN_KINDS.contains(&w[start - 1].as_str()))
        {
            return false;
        }
        // `in_token`/`out_token`: a security context's input and output buffers (but
        // `sign_in_token` is a credential).
        let token = w[start..end] == ["token"] || w[start..end] == ["tokens"];
        let buffer = token && (w[..start] == ["in"] || w[..start] == ["out"]);
        let prefix_ok = !buffer
            && !w[..start].iter().any(|p| {
                EXEMPT_PREFIX.contains(&p.as_str())
                    || (token && TOKEN_EXEMPT_PREFIX.contains(&p.as_str()))
            });
        let suffix_ok = (end..w.len()).all(|k| in_core(k) || suffixes.contains(&w[k].as_str()));
        prefix_ok && suffix_ok
    })
}

/// Types whose `Debug` (and lack of `Display`) hides the value: `secrecy`, `secstr`,
/// `redact` and similar wrappers.
pub const REDACTING_TYPES: &[&str] = &[
    "SecretString",
    "SecretBox",
    "Secret",
    "SecretVec",
    "SecretSlice",
    "SecretBytes",
    "SecretBytesMut",
    "SecretStr",
    "SecUtf8",
    "SecVec",
    "SecStr",
    "Sensitive",
    "Redacted",
    "RedactedString",
    "Masked",
    "Protected",
];

/// Methods that hand out the value a redacting wrapper protects.
pub const EXPOSE_METHODS: &[&str] = &[
    "expose_secret",
    "expose_secret_mut",
    "unsecure",
    "unsecure_mut",
    "reveal",
    "reveal_str",
];

/// Types whose values are credentials whatever their binding is called: typed
/// `Authorization` headers and HTTP-auth extractors (`Authorization<Bearer>`, `BearerAuth`).
pub const CREDENTIAL_TYPES: &[&str] = &[
    "Authorization",
    "Bearer",
    "Basic",
    "BearerAuth",
    "BasicAuth",
    "Cookie",
];

/// Types whose `Debug` output includes every header of a request or response,
/// `Authorization` and `Cookie` among them.
pub const HEADER_DUMP_TYPES: &[&str] = &[
    "HeaderMap",
    "Request",
    "HttpRequest",
    "ServiceRequest",
    "Parts",
    "RequestParts",
    "CookieJar",
    "PrivateCookieJar",
    "SignedCookieJar",
];

/// Types that are never credentials even when a binding's name says `token`.
pub const NOT_SECRET_TYPES: &[&str] = &[
    "CancellationToken",
    "TokenStream",
    "TokenTree",
    "Literal",
    "Ident",
    "Punct",
    "Lexeme",
    "Span",
    "Instant",
    "SystemTime",
    "PhantomData",
    "PathBuf",
    "OsString",
    "OsStr",
    "Url",
    "Uri",
    "Duration",
];

/// Header names (as constants or literals, any case) whose values are credentials.
pub fn is_secret_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase().replace('_', "-");
    matches!(
        lower.as_str(),
        "authorization"
            | "proxy-authorization"
            | "cookie"
            | "set-cookie"
            | "x-api-key"
            | "api-key"
            | "x-auth-token"
            | "x-access-token"
            | "x-csrf-token"
            | "x-xsrf-token"
    ) || is_secret_name(&lower, &[])
        // Webhook signatures (`X-Hub-Signature-256`, `X-Signature`): a valid one
        // authenticates a request.
        || lower
            .split('-')
            .any(|w| w == "signature" || w == "sig")
}

/// Methods that return their receiver's value unchanged or as text (a secret stays one).
pub const TRANSPARENT_METHODS: &[&str] = &[
    "clone",
    "to_string",
    "to_owned",
    "as_str",
    "as_ref",
    "as_deref",
    "as_mut",
    "borrow",
    "deref",
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_or_else",
    "unwrap_unchecked",
    "into",
    "to_vec",
    "as_bytes",
    "into_bytes",
    "trim",
    "trim_start",
    "trim_end",
    "as_slice",
    "into_inner",
    "inner",
    "get_ref",
    "value",
    "as_string",
    "into_string",
    "to_str",
    "to_string_lossy",
    "ok",
    "cloned",
    "copied",
    "iter",
    "join",
    "concat",
    "encode",
    "encode_to_string",
];

/// Values kept in secret wrappers (oauth2's `UserCode`) that exist to be shown to the
/// user who completes the flow.
pub const SHOWN_TO_USER: &[&str] = &[
    "user_code",
    "verification_uri",
    "verification_uri_complete",
    "verification_url",
];

/// Fields that hold their owner's value (`key.0`, `token.inner`).
pub const TRANSPARENT_FIELDS: &[&str] = &["0", "inner", "value", "raw"];

/// Functions that return their argument re-encoded or wrapped (a secret stays one).
pub const TRANSPARENT_FNS: &[&str] = &[
    "from",
    "new",
    "encode",
    "encode_upper",
    "from_utf8",
    "from_utf8_lossy",
    "Some",
    "Ok",
    "Err",
    "to_string",
];

/// Macros whose expansion is text containing their arguments.
pub const FORMAT_MACROS: &[&str] = &["format", "format_args", "concat"];

/// Method or function names whose result is not the secret they are given: predicates,
/// lengths, hashes, masked forms.
pub fn is_redacting_name(name: &str) -> bool {
    let w = words(name);
    w.iter().any(|x| {
        matches!(
            x.as_str(),
            "len"
                | "count"
                | "is"
                | "has"
                | "hash"
                | "hashed"
                | "digest"
                | "mask"
                | "masked"
                | "redact"
                | "redacted"
                | "obfuscate"
                | "obfuscated"
                | "fingerprint"
                | "encrypt"
                | "encrypted"
                | "verify"
                | "eq"
                | "cmp"
                | "sha256"
                | "sha1"
                | "blake3"
                | "hmac"
                | "contains"
                | "starts"
                | "ends"
                | "empty"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for n in [
            "password",
            "db_password",
            "newPassword",
            "password_confirmation",
            "secret",
            "client_secret",
            "jwt_secret",
            "api_key",
            "apiKey",
            "x-api-key",
            "private_key",
            "secret_key",
            "access_token",
            "refresh_token",
            "id_token",
            "session_token",
            "auth_token",
            "reset_token",
            "password_reset_token",
            "token",
            "bearer",
            "bearer_token",
            "jwt",
            "authorization",
            "cookie",
            "session_cookie",
            "credentials",
            "creds",
            "totp_secret",
            "otp",
            "access_tokens",
            "passphrase",
            "passwd",
            "authorization_header",
            "secret_access_key",
        ] {
            assert!(is_secret_name(n, &[]), "{n} should be a secret");
        }
        for n in [
            "num_tokens",
            "token_count",
            "token_id",
            "token_type",
            "continuation_token",
            "next_page_token",
            "password_hash",
            "hashed_password",
            "password_reset_url",
            "reset_url",
            "secret_path",
            "api_key_file",
            "is_secret",
            "is_password_set",
            "has_password",
            "password_len",
            "tokens",
            "max_tokens",
            "input_tokens",
            "cookie_name",
            "cookie_domain",
            "credential_id",
            "token_expiry",
            "access_token_expires_at",
            "secret_name",
            "key",
            "session_id",
            "username",
            "secretary",
            "tokenizer",
            "otp_enabled",
            "cancel_token",
            "person_attr_password",
            "password_env_var",
            "password_policy",
            "jwt_expiration",
        ] {
            assert!(!is_secret_name(n, &[]), "{n} should not be a secret");
        }
    }

    #[test]
    fn strong_and_weak_names() {
        for n in [
            "password",
            "db_password",
            "client_secret",
            "api_key",
            "private_key",
            "access_token",
            "refresh_token",
            "secret_access_key",
            "bearer_token",
        ] {
            assert!(is_strong_secret_name(n, &[]), "{n} should be strong");
            assert!(may_be_strong_secret_name(n), "{n} passes the quick test");
        }
        // The quick test holds for every word sequence of the strong names, in any case.
        for core in STRONG_CORES {
            let snake = core.join("_");
            assert!(may_be_strong_secret_name(&snake), "{snake}");
            assert!(may_be_strong_secret_name(&snake.to_ascii_uppercase()));
        }
        assert!(may_be_strong_secret_name("dbPassword"));
        assert!(!may_be_strong_secret_name("user_id"));
        for n in [
            "token",
            "credentials",
            "creds",
            "cookie",
            "session_key",
            "authorization",
        ] {
            assert!(is_secret_name(n, &[]), "{n} should be a secret");
            assert!(!is_strong_secret_name(n, &[]), "{n} should be weak");
        }
        assert!(is_token_only_name("token", &[]));
        assert!(is_token_only_name("user_token", &[]));
        assert!(!is_token_only_name("access_token", &[]));
        assert!(!is_token_only_name("secret_token", &[]));
        assert!(is_secret_name("sign_in_token", &[]));
        assert!(is_secret_name("expected_password", &[]));
        assert!(!is_secret_name("expected_token", &[]));
        for n in [
            "in_token",
            "out_token",
            "mech_token",
            "gss_token",
            "spnego_token",
            "resume_token",
        ] {
            assert!(!is_secret_name(n, &[]), "{n} should not be a secret");
        }
    }

    #[test]
    fn password_names() {
        for n in [
            "password",
            "user_password",
            "newPassword",
            "current_password",
            "pwd",
            "passwd",
            "passphrase",
            "password_confirmation",
            "plain_password",
        ] {
            assert!(is_password_name(n), "{n} should be a password");
        }
        for n in [
            "password_hash",
            "hashed_password",
            "password_reset_token",
            "is_password_set",
            "api_key",
            "token",
            "secret",
            "password_salt",
            "password_len",
            "passport",
        ] {
            assert!(!is_password_name(n), "{n} should not be a password");
        }
    }

    #[test]
    fn configured_names() {
        let extra = vec![vec!["pin".to_string()], vec!["ssn".to_string()]];
        assert!(is_secret_name("card_pin", &extra));
        assert!(is_secret_name("ssn", &extra));
        assert!(!is_secret_name("pin_length", &extra));
        assert!(!is_secret_name("card_pin", &[]));
    }

    #[test]
    fn headers() {
        assert!(is_secret_header("AUTHORIZATION"));
        assert!(is_secret_header("Authorization"));
        assert!(is_secret_header("x-api-key"));
        assert!(is_secret_header("SET_COOKIE"));
        assert!(!is_secret_header("content-type"));
        assert!(!is_secret_header("USER_AGENT"));
    }
}
