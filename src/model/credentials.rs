//! Credentials written in the source (BL505): which names hold a secret that may be
//! written as a literal, which literal values are placeholders, labels or templates rather
//! than secrets, the formats of well-known tokens, passwords inside connection URLs, and
//! the functions that turn bytes into keys.

use crate::model::names::words;
use crate::model::secrets::is_secret_name_with;
use regex::{Regex, RegexSet};
use std::sync::LazyLock;

/// Word sequences naming a secret whose value can be written as a literal. Narrower than
/// BL201's names: a literal `cookie`, `authorization`, `bearer` or `credentials` is a
/// cookie name, a header or a scheme, not a credential.
const LITERAL_CORES: &[&[&str]] = &[
    &["password"],
    &["passwd"],
    &["passphrase"],
    &["secret"],
    &["apikey"],
    &["api", "key"],
    &["private", "key"],
    &["privkey"],
    &["signing", "key"],
    &["encryption", "key"],
    &["master", "key"],
    &["hmac", "key"],
    &["auth", "key"],
    &["session", "key"],
    &["cookie", "key"],
    &["jwt", "key"],
    &["aes", "key"],
    &["cipher", "key"],
    &["token"],
    &["jwt"],
    &["pepper"],
];

/// Words that may follow a secret's name and still name its value (`secret_key`,
/// `api_key_value`, `signing_key_pem`). `header`, `name`, `field`, `env`, `file`, `path`,
/// `prefix`, `type`, `len` are not among them: `TOKEN_HEADER`, `password_field_name`,
/// `token_type`, `PASSWORD_MIN_LEN` name something about the secret.
const LITERAL_SUFFIX: &[&str] = &[
    "value", "str", "string", "raw", "plain", "text", "bytes", "b64", "base64", "hex", "encoded",
    "key", "keys", "data", "pem", "der", "seed",
];

/// Words that mark a name, a function, a type or a value as test or sample data.
pub const SAMPLE_WORDS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "testdata",
    "mock",
    "mocks",
    "mocked",
    "fake",
    "stub",
    "dummy",
    "fixture",
    "fixtures",
    "example",
    "examples",
    "sample",
    "samples",
    "demo",
    "placeholder",
    "wrong",
    "invalid",
    "bad",
    "incorrect",
    "expected",
];

/// Whether any word of `ident` marks test or sample data (`TEST_SECRET`, `mock_config`,
/// `TestValue`, `for_testing`).
pub fn is_sample_name(ident: &str) -> bool {
    words(ident)
        .iter()
        .any(|w| SAMPLE_WORDS.contains(&w.as_str()))
}

/// Whether an identifier names a secret that could be hard-coded: `password`,
/// `jwt_secret`, `API_KEY`, `signing_key`, `auth_token`, `default_admin_password`, but not
/// `token_type`, `password_field_name`, `secret_name`, `TOKEN_HEADER`,
/// `PASSWORD_MIN_LEN`, `password_hash`, `session_cookie`, `TEST_PASSWORD`.
pub fn is_literal_secret_name(ident: &str, extra: &[Vec<String>]) -> bool {
    !is_sample_name(ident) && is_secret_name_with(ident, LITERAL_CORES, LITERAL_SUFFIX, extra)
}

/// Values that stand for "no secret here": exact, case-insensitive.
const PLACEHOLDERS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "passphrase",
    "secret",
    "secrets",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "key",
    "changeme",
    "none",
    "null",
    "nil",
    "undefined",
    "unset",
    "default",
    "empty",
    "hidden",
    "masked",
    "foobar",
    "foo",
    "bar",
    "baz",
    "bearer",
    "basic",
];

/// Substrings that make a value a placeholder (`"your-secret-here"`, `"<token>"`,
/// `"CHANGE_ME_IN_PRODUCTION"`), compared in lower case.
const PLACEHOLDER_MARKERS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "change-this",
    "change_this",
    "changethis",
    "change-in-prod",
    "change_in_prod",
    "replaceme",
    "replace-me",
    "replace_me",
    "replace-with",
    "replace_with",
    "your-",
    "your_",
    "yoursecret",
    "yourpassword",
    "yourtoken",
    "yourkey",
    "yourapikey",
    "not-a-real",
    "not_a_real",
    "notarealsecret",
    "not-secret",
    "not_secret",
    "notsecret",
    "xxxx",
    "***",
    "....",
    "<",
    ">",
    "{{",
    "}}",
    "redacted",
    "fixme",
];

/// Words (of the value split like an identifier) that make a value a placeholder.
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "examples",
    "placeholder",
    "dummy",
    "fake",
    "mock",
    "sample",
    "test",
    "tests",
    "testing",
    "todo",
    "tbd",
    "here",
    "xxx",
    "redacted",
    "wrong",
    "invalid",
    "incorrect",
    "hashed",
    "unused",
    "used",
    "disabled",
    "deprecated",
    "unset",
];

/// Whether a value is a placeholder rather than a secret: empty, a placeholder word or
/// marker (`changeme`, `your-api-key`, `<token>`, `xxx`, `dummy`, `test-secret`), one
/// repeated character (`********`, `0000`), or a run of consecutive characters
/// (`12345678`, `0123456789abcdef`).
pub fn is_placeholder(value: &str) -> bool {
    let lower = value.trim().to_lowercase();
    let alnum: Vec<char> = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    if alnum.is_empty() {
        return true;
    }
    if alnum.iter().all(|&c| c == alnum[0]) || is_sequential(&alnum) {
        return true;
    }
    let joined: String = alnum.iter().collect();
    if PLACEHOLDERS.contains(&lower.as_str()) || PLACEHOLDERS.contains(&joined.as_str()) {
        return true;
    }
    if PLACEHOLDER_MARKERS.iter().any(|m| lower.contains(m)) || lower.starts_with("test") {
        return true;
    }
    words(&lower)
        .iter()
        .any(|w| PLACEHOLDER_WORDS.contains(&w.as_str()))
}

/// Most steps go to the next digit or letter (`123456`, `abcdef`, `0123…ef0123…`).
fn is_sequential(chars: &[char]) -> bool {
    if chars.len() < 4 {
        return false;
    }
    let next = |a: char, b: char| {
        (a as u32 + 1 == b as u32 && (a.is_ascii_digit() || a.is_ascii_lowercase()))
            || (a == '9' && (b == '0' || b == 'a'))
            || (a == 'f' && b == '0')
            || (a == 'z' && (b == '0' || b == 'a'))
    };
    let steps = chars.windows(2).filter(|w| next(w[0], w[1])).count();
    steps * 10 >= (chars.len() - 1) * 8
}

/// File extensions that make a value a file name (`key.pem`, `secrets.toml`).
const FILE_EXTENSIONS: &[&str] = &[
    "pem", "key", "crt", "cer", "der", "p12", "pfx", "jks", "txt", "json", "toml", "yaml", "yml",
    "env", "sock", "conf", "cfg", "ini", "db", "sqlite", "pub",
];

/// Why a literal given to a secret-named binding is not a secret, if it is not: too short,
/// a placeholder, a sentence, a template, a path or file name, an environment variable or
/// header name, a prefix, a number, a password hash.
pub fn not_a_secret(value: &str) -> Option<&'static str> {
    let v = value.trim();
    if v.chars().count() < MIN_LEN {
        return Some("short");
    }
    if is_placeholder(v) {
        return Some("placeholder");
    }
    if v.chars().any(char::is_whitespace) {
        return Some("text");
    }
    if v.contains(['{', '}', '$']) || v.contains("%s") || v.contains("%(") {
        return Some("template");
    }
    if is_path_like(v) {
        return Some("path");
    }
    if v.chars().all(|c| c.is_ascii_digit()) {
        return Some("number");
    }
    let const_case = v
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && v.contains('_');
    if const_case {
        return Some("env var name");
    }
    let mut chars = v.chars();
    let capitalized_word = chars.next().is_some_and(char::is_uppercase)
        && chars.all(|c| c.is_alphabetic() && !c.is_uppercase());
    if capitalized_word {
        // A label or translation (`"Passwort"`, `"Contraseña"`).
        return Some("word");
    }
    let lower = v.to_ascii_lowercase();
    if lower.starts_with("x-") {
        return Some("header name");
    }
    if v.ends_with([':', '=', '_', '-', '.']) {
        return Some("prefix");
    }
    None
}

/// Shortest literal taken for a secret by its name alone.
pub const MIN_LEN: usize = 6;

fn is_path_like(v: &str) -> bool {
    if v.starts_with(['/', '\\', '~', '@'])
        || v.starts_with("./")
        || v.starts_with("../")
        || v.contains("://")
    {
        return true;
    }
    match v.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty() && FILE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
        }
        None => false,
    }
}

/// Whether a name says its value is chosen by a person (`password`, `jwt_secret`,
/// `pepper`): any value that is no placeholder is one. Tokens and keys (`api_token`,
/// `API_KEY`) are generated, so a value must also look generated ([`looks_generated`]):
/// a `token` holding `"function"` is a lexer's.
pub fn names_password(ident: &str) -> bool {
    words(ident).iter().any(|w| {
        matches!(
            w.as_str(),
            "password" | "passwd" | "passphrase" | "secret" | "pepper"
        )
    })
}

/// Whether a value looks generated rather than a word: 12 or more characters with both
/// letters and digits (`tok_9f8e7d6c5b4a`, `a91f0c3e7b2d4e6f`).
pub fn looks_generated(value: &str) -> bool {
    value.chars().count() >= 12
        && value.chars().any(|c| c.is_ascii_digit())
        && value.chars().any(|c| c.is_alphabetic())
}

/// Whether a value written for `ident` only repeats words of the name
/// (`session_token: "session-token"`, `api_key: "api_key"`): a label, not a secret.
pub fn repeats_name(value: &str, ident: &str) -> bool {
    let name = words(ident);
    let vw = words(&value.to_lowercase());
    !vw.is_empty() && vw.iter().all(|w| name.contains(w))
}

/// Whether a constant's value is the name or tag of the secret rather than the secret
/// (`const KANIDM_HMAC_KEY: &str = "kanidm-hmac-key-v2"`, `COOKIE_SESSION_TOKEN =
/// "session-token"`): a lower-case identifier that contains a word of the constant's name.
pub fn is_label_of(value: &str, ident: &str) -> bool {
    let identifier_like = value.chars().all(|c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.' | ':')
    });
    if !identifier_like {
        return false;
    }
    let name = words(ident);
    words(value).iter().any(|w| w.len() > 2 && name.contains(w))
}

/// A well-known credential format.
pub struct TokenFormat {
    /// What the token is, for messages (`an AWS access key id`).
    pub what: &'static str,
    /// The part of the token shown in messages (its public prefix).
    pub shown: usize,
    pattern: &'static str,
}

/// Token formats recognised anywhere in a string literal. Each pattern is anchored on
/// word boundaries, so a token embedded in a longer identifier does not match.
const TOKEN_FORMATS: &[TokenFormat] = &[
    TokenFormat {
        what: "an AWS access key id",
        shown: 4,
        pattern: r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    },
    TokenFormat {
        what: "a GitHub token",
        shown: 4,
        pattern: r"\bgh[pousr]_[0-9A-Za-z]{36}\b",
    },
    TokenFormat {
        what: "a GitHub fine-grained personal access token",
        shown: 11,
        pattern: r"\bgithub_pat_[0-9A-Za-z_]{82}\b",
    },
    TokenFormat {
        what: "a GitLab personal access token",
        shown: 6,
        pattern: r"\bglpat-[0-9A-Za-z_-]{20}\b",
    },
    TokenFormat {
        what: "a Slack token",
        shown: 5,
        pattern: r"\bxox[baprs]-[0-9]{6,}-[0-9A-Za-z-]{10,}\b",
    },
    TokenFormat {
        what: "a Slack webhook URL",
        shown: 25,
        pattern: r"hooks\.slack\.com/services/T[0-9A-Z]{6,}/B[0-9A-Z]{6,}/[0-9A-Za-z]{20,}",
    },
    TokenFormat {
        what: "a Stripe live secret key",
        shown: 8,
        pattern: r"\b[sr]k_live_[0-9A-Za-z]{20,}\b",
    },
    TokenFormat {
        what: "a Google API key",
        shown: 4,
        pattern: r"\bAIza[0-9A-Za-z_-]{35}(?:[^0-9A-Za-z_-]|$)",
    },
    TokenFormat {
        what: "a SendGrid API key",
        shown: 3,
        pattern: r"\bSG\.[0-9A-Za-z_-]{22}\.[0-9A-Za-z_-]{43}\b",
    },
    TokenFormat {
        what: "an npm access token",
        shown: 4,
        pattern: r"\bnpm_[0-9A-Za-z]{36}\b",
    },
    TokenFormat {
        what: "a private key",
        shown: 0,
        pattern: r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----",
    },
];

static TOKEN_REGEXES: LazyLock<Vec<Option<Regex>>> = LazyLock::new(|| {
    TOKEN_FORMATS
        .iter()
        .map(|t| Regex::new(t.pattern).ok())
        .collect()
});

/// All the formats at once: most literals match none, and are rejected in one pass.
static TOKEN_SET: LazyLock<Option<RegexSet>> =
    LazyLock::new(|| RegexSet::new(TOKEN_FORMATS.iter().map(|t| t.pattern)).ok());

/// The shortest token of any format.
const MIN_TOKEN_LEN: usize = 20;

/// A token of a known format found in a literal.
pub struct FoundToken {
    pub format: &'static TokenFormat,
    /// The token's public prefix, for the message (`ghp_`, `AKIA`).
    pub prefix: String,
    /// The token's length in characters.
    pub len: usize,
}

/// The first token of a well-known format in `text` that is not a sample (its body is
/// one repeated character, a run, or says `EXAMPLE`/`xxxx`; a private-key header without
/// a key after it).
pub fn find_token(text: &str) -> Option<FoundToken> {
    if text.len() < MIN_TOKEN_LEN {
        return None;
    }
    let matched = match TOKEN_SET.as_ref() {
        Some(set) => set.matches(text),
        None => return None,
    };
    for (i, (format, re)) in TOKEN_FORMATS.iter().zip(TOKEN_REGEXES.iter()).enumerate() {
        if !matched.matched(i) {
            continue;
        }
        let Some(re) = re else { continue };
        for m in re.find_iter(text) {
            let tok = m
                .as_str()
                .trim_end_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
            if format.shown == 0 {
                // A PEM header: a key only if base64 follows it.
                let after = &text[m.end()..];
                let body = after.split("-----END").next().unwrap_or("");
                let b64 = body
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
                    .count();
                if b64 < 64 || is_placeholder(body) {
                    continue;
                }
                return Some(FoundToken {
                    format,
                    prefix: String::new(),
                    len: m.as_str().len() + body.len(),
                });
            }
            let shown = format.shown.min(tok.len());
            let body = &tok[shown..];
            let sample = is_placeholder(body)
                || body.contains("EXAMPLE")
                || body.contains("XXXX")
                || body.chars().filter(|c| c.is_ascii_alphanumeric()).count() < 8;
            if sample {
                continue;
            }
            return Some(FoundToken {
                format,
                prefix: tok[..shown].to_string(),
                len: tok.chars().count(),
            });
        }
    }
    None
}

/// A password written into a connection URL.
#[derive(Debug, PartialEq, Eq)]
pub struct UrlPassword {
    pub scheme: String,
    pub user: String,
    pub host: String,
    pub password_len: usize,
}

/// Hosts of the developer's own machine: a password for a database there is a local
/// development default, not a deployed credential.
fn is_local_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.is_empty()
        || h.eq_ignore_ascii_case("localhost")
        || h.ends_with(".localhost")
        || h.starts_with("127.")
        || h == "::1"
        || h == "0.0.0.0"
        || h.eq_ignore_ascii_case("host.docker.internal")
}

/// Host names that are placeholders (`host`, `example.com`, `db.example.org`, `*.test`).
fn is_placeholder_host(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    matches!(h.as_str(), "host" | "hostname" | "server" | "domain")
        || h.split('.').any(|l| l == "example")
        || h.ends_with(".test")
        || h.ends_with(".invalid")
        || is_placeholder(&h)
}

/// The first URL of `text` with a password in its user info (`postgres://app:s3cr3t@db/app`),
/// unless the password is empty, a placeholder or a template (`{}`, `${PASSWORD}`,
/// `<password>`, `***`), equals the user name (`guest:guest`, a well-known default
/// account), or the host is the local machine (`localhost`, `127.0.0.1`).
pub fn find_url_password(text: &str) -> Option<UrlPassword> {
    if !text.contains("://") || !text.contains('@') || text.chars().any(char::is_whitespace) {
        return None;
    }
    let mut from = 0;
    while let Some(i) = text[from..].find("://") {
        let at = from + i;
        from = at + 3;
        let scheme_start = text[..at]
            .char_indices()
            .rev()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')))
            .map_or(0, |(j, c)| j + c.len_utf8());
        let scheme = &text[scheme_start..at];
        if !scheme.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let rest = &text[at + 3..];
        let end = rest.find(['/', '?', '#', '"', '\'']).unwrap_or(rest.len());
        let authority = &rest[..end];
        let Some((userinfo, hostport)) = authority.rsplit_once('@') else {
            continue;
        };
        let Some((user, pass)) = userinfo.split_once(':') else {
            continue;
        };
        let host = match hostport.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => hostport.split(':').next().unwrap_or(""),
        };
        let templated = pass.contains(['{', '}', '$', '<', '>', '[', ']', '*', '(', ')'])
            || pass.contains("%s")
            || pass.contains("...");
        if pass.is_empty()
            || templated
            || is_placeholder(pass)
            || pass == user
            || is_local_host(host)
            || is_placeholder_host(host)
        {
            continue;
        }
        return Some(UrlPassword {
            scheme: scheme.to_ascii_lowercase(),
            user: user.to_string(),
            host: host.to_string(),
            password_len: pass.chars().count(),
        });
    }
    None
}

/// A function that makes a key (or a keyed MAC or cipher) from the bytes it is given.
pub struct KeyFn {
    /// Crates whose paths the function may be reached through (re-exports included).
    pub crates: &'static [&'static str],
    /// The resolved path ends with these segments.
    pub tail: &'static [&'static str],
    /// The argument holding the key material.
    pub arg: usize,
}

/// RustCrypto crates whose types implement `KeyInit`/`Mac` (`new_from_slice`).
pub const KEY_INIT_CRATES: &[&str] = &[
    "hmac",
    "aes_gcm",
    "aes_gcm_siv",
    "aes_siv",
    "chacha20poly1305",
    "xsalsa20poly1305",
    "crypto_secretbox",
    "aes",
    "cipher",
    "crypto_common",
    "digest",
    "cmac",
    "pmac",
    "poly1305",
    "blake2",
    "ccm",
    "eax",
    "ocb3",
];

/// Crates that re-export the `cookie` crate's `Key` (signed and private cookie jars).
const COOKIE_CRATES: &[&str] = &[
    "cookie",
    "actix_web",
    "actix_session",
    "axum_extra",
    "tower_sessions",
    "tower_cookies",
    "rocket",
    "poem",
];

/// Key constructors whose argument, when written in the source, is a hard-coded key.
pub const KEY_FNS: &[KeyFn] = &[
    KeyFn {
        crates: &["jsonwebtoken"],
        tail: &["EncodingKey", "from_secret"],
        arg: 0,
    },
    KeyFn {
        crates: &["jsonwebtoken"],
        tail: &["EncodingKey", "from_base64_secret"],
        arg: 0,
    },
    KeyFn {
        crates: &["jsonwebtoken"],
        tail: &["DecodingKey", "from_secret"],
        arg: 0,
    },
    KeyFn {
        crates: &["jsonwebtoken"],
        tail: &["DecodingKey", "from_base64_secret"],
        arg: 0,
    },
    KeyFn {
        crates: KEY_INIT_CRATES,
        tail: &["new_from_slice"],
        arg: 0,
    },
    KeyFn {
        crates: &["aes_gcm", "chacha20poly1305", "aes_gcm_siv"],
        tail: &["Key", "from_slice"],
        arg: 0,
    },
    KeyFn {
        crates: COOKIE_CRATES,
        tail: &["Key", "from"],
        arg: 0,
    },
    KeyFn {
        crates: COOKIE_CRATES,
        tail: &["Key", "try_from"],
        arg: 0,
    },
    KeyFn {
        crates: COOKIE_CRATES,
        tail: &["Key", "derive_from"],
        arg: 0,
    },
    KeyFn {
        crates: &["rocket"],
        tail: &["SecretKey", "from"],
        arg: 0,
    },
    KeyFn {
        crates: &["rocket"],
        tail: &["SecretKey", "derive_from"],
        arg: 0,
    },
    KeyFn {
        crates: &["poem"],
        tail: &["CookieKey", "from"],
        arg: 0,
    },
    KeyFn {
        crates: &["poem"],
        tail: &["CookieKey", "derive_from"],
        arg: 0,
    },
    KeyFn {
        crates: &["jwt_simple"],
        tail: &["HS256Key", "from_bytes"],
        arg: 0,
    },
    KeyFn {
        crates: &["jwt_simple"],
        tail: &["HS384Key", "from_bytes"],
        arg: 0,
    },
    KeyFn {
        crates: &["jwt_simple"],
        tail: &["HS512Key", "from_bytes"],
        arg: 0,
    },
    KeyFn {
        crates: &["ring", "aws_lc_rs"],
        tail: &["hmac", "Key", "new"],
        arg: 1,
    },
    KeyFn {
        crates: &["ring", "aws_lc_rs"],
        tail: &["UnboundKey", "new"],
        arg: 1,
    },
    KeyFn {
        crates: &["pasetors"],
        tail: &["SymmetricKey", "from"],
        arg: 0,
    },
    KeyFn {
        crates: &["ed25519_dalek"],
        tail: &["SigningKey", "from_bytes"],
        arg: 0,
    },
];

/// The key constructor a resolved path names, if any.
pub fn key_fn(path: &[String]) -> Option<&'static KeyFn> {
    let first = path.first()?;
    KEY_FNS.iter().find(|k| {
        k.crates.contains(&first.as_str())
            && path.len() > k.tail.len()
            && path[path.len() - k.tail.len()..]
                .iter()
                .zip(k.tail)
                .all(|(a, b)| a == b)
    })
}

/// Whether a resolved path is a function reading an environment variable
/// (`std::env::var`, `dotenvy::var`).
pub fn is_env_reader(path: &[String]) -> bool {
    let Some(last) = path.last() else {
        return false;
    };
    if !matches!(last.as_str(), "var" | "var_os") {
        return false;
    }
    match path.first().map(String::as_str) {
        Some("std" | "env") => path.len() >= 2 && path[path.len() - 2] == "env",
        Some("dotenvy" | "dotenv") => true,
        _ => false,
    }
}

/// Methods between an environment read and its fallback that keep the value
/// (`env::var("X").ok().as_deref().unwrap_or(..)`).
pub const ENV_CHAIN_METHODS: &[&str] = &[
    "ok",
    "as_deref",
    "as_ref",
    "map",
    "filter",
    "cloned",
    "clone",
    "into_string",
    "map_err",
    "to_owned",
];

/// Methods that give a fallback value for a missing one.
pub const FALLBACK_METHODS: &[&str] = &["unwrap_or", "unwrap_or_else"];

/// Words allowed before the secret word in a credential type's name (`ClientSecret`,
/// `AccessToken`, `ApiKey`); other types merely hold one (`ValueSetSecret`).
const CREDENTIAL_TYPE_QUALIFIERS: &[&str] = &[
    "client",
    "api",
    "access",
    "refresh",
    "auth",
    "bearer",
    "session",
    "signing",
    "private",
    "master",
    "webhook",
    "jwt",
    "app",
    "bot",
    "personal",
    "shared",
    "secret",
    "encryption",
];

/// Whether a type is a credential built from its value (`oauth2::ClientSecret::new`,
/// `ApiKey::from`): its name is a secret word after at most qualifier words.
pub fn is_credential_type(ty: &str, extra: &[Vec<String>]) -> bool {
    let w = words(ty);
    let Some((last, qualifiers)) = w.split_last() else {
        return false;
    };
    let secret_word = matches!(
        last.as_str(),
        "password" | "passwd" | "passphrase" | "secret" | "token" | "key" | "apikey" | "jwt"
    );
    secret_word
        && is_literal_secret_name(ty, extra)
        && qualifiers
            .iter()
            .all(|q| CREDENTIAL_TYPE_QUALIFIERS.contains(&q.as_str()))
}

/// Builder methods that take a credential as their only argument
/// (`PgConnectOptions::new().password("…")`, `.with_api_key("…")`).
pub fn is_credential_setter(method: &str, extra: &[Vec<String>]) -> bool {
    let base = method
        .strip_prefix("with_")
        .or_else(|| method.strip_prefix("set_"))
        .unwrap_or(method);
    base == "bearer_auth" || is_literal_secret_name(base, extra)
}

/// A redacted rendering of a secret for messages: a short prefix only for long values,
/// and the length (`"sk_l…" (32 chars)`).
pub fn redact(value: &str) -> String {
    let n = value.chars().count();
    let shown = match n {
        24.. => 4,
        12..=23 => 2,
        _ => 0,
    };
    let prefix: String = value.chars().take(shown).collect();
    format!("`\"{prefix}…\"`, {n} chars")
}

/// Attributes of struct fields that give a default value (`clap`, `smart-default`).
pub const DEFAULT_ATTRS: &[&str] = &["arg", "clap", "structopt", "default", "config", "envconfig"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_secret_names() {
        for n in [
            "password",
            "db_password",
            "jwt_secret",
            "JWT_SECRET",
            "client_secret",
            "api_key",
            "API_KEY",
            "apiKey",
            "secret_key",
            "signing_key",
            "private_key_pem",
            "auth_token",
            "access_token",
            "token",
            "default_admin_password",
            "password_pepper",
            "cookie_key",
            "hmac_key",
        ] {
            assert!(is_literal_secret_name(n, &[]), "{n} should be a secret");
        }
        for n in [
            "token_type",
            "password_field_name",
            "secret_name",
            "TOKEN_HEADER",
            "API_KEY_HEADER",
            "PASSWORD_MIN_LEN",
            "password_hash",
            "session_cookie",
            "authorization",
            "TEST_PASSWORD",
            "dummy_token",
            "mock_api_key",
            "tokens",
            "token_url",
            "secret_path",
            "jwt_secret_file",
            "JWT_SECRET_ENV",
            "token_prefix",
            "credentials",
            "wrong_password",
            "no-longer-used",
        ] {
            assert!(
                !is_literal_secret_name(n, &[]),
                "{n} should not be a secret"
            );
        }
    }

    #[test]
    fn placeholders() {
        for v in [
            "",
            "changeme",
            "CHANGE_ME",
            "your-secret-here",
            "your_api_key",
            "<token>",
            "xxx",
            "xxxxxxxx",
            "example",
            "dummy",
            "test",
            "test-secret",
            "***",
            "00000000",
            "12345678",
            "0123456789abcdef0123456789abcdef",
            "secret",
            "password",
            "[REDACTED]",
            "please-change-me-in-production",
            "***PASSWORD***",
            "--secret--",
            "testpass123",
            "wrong_password",
            "no-longer-used",
            "default-pepper-change-in-production",
        ] {
            assert!(is_placeholder(v), "{v:?} should be a placeholder");
        }
        for v in [
            "hunter22",
            "s3cr3t-jwt-key",
            "supersecret",
            "Zq8xT2mK9vLw",
            "dev-secret-key",
        ] {
            assert!(!is_placeholder(v), "{v:?} should not be a placeholder");
        }
    }

    #[test]
    fn not_secret_values() {
        for v in [
            "abc",
            "JWT_SECRET",
            "/run/secrets/jwt",
            "keys/private.pem",
            "Bearer ",
            "x-api-key",
            "sk_",
            "{}:{}",
            "incorrect password",
            "123456789",
            "$argon2id$v=19$m=4096",
            "Passwort",
            "Contraseña",
        ] {
            assert!(not_a_secret(v).is_some(), "{v:?} should not be a secret");
        }
        assert!(not_a_secret("Zq8xT2mK9vLw").is_none());
        assert!(not_a_secret("dev-secret-key").is_none());
    }

    #[test]
    fn credential_types() {
        for t in [
            "ClientSecret",
            "AccessToken",
            "ApiKey",
            "Password",
            "WebhookSecret",
        ] {
            assert!(is_credential_type(t, &[]), "{t}");
        }
        for t in [
            "ValueSetSecret",
            "TokenStream",
            "SecretString",
            "PasswordPolicy",
        ] {
            assert!(!is_credential_type(t, &[]), "{t}");
        }
    }

    #[test]
    fn generated_values() {
        assert!(names_password("db_password"));
        assert!(names_password("JWT_SECRET"));
        assert!(!names_password("api_token"));
        assert!(looks_generated("tok_9f8e7d6c5b4a"));
        assert!(!looks_generated("function"));
        assert!(!looks_generated("endoftext_token"));
    }

    #[test]
    fn labels() {
        assert!(is_label_of("kanidm-hmac-key-v2", "KANIDM_HMAC_KEY"));
        assert!(is_label_of("cu-session-token", "COOKIE_CU_SESSION_TOKEN"));
        assert!(!is_label_of("Zq8xT2mK9vLw", "JWT_SECRET"));
        assert!(repeats_name("session-token", "session_token"));
        assert!(!repeats_name("my-session-token", "session_token"));
    }

    #[test]
    fn tokens() {
        let aws = ["AKIA", "Q3EGRKNXW7ZP4HTB"].concat();
        assert_eq!(find_token(&aws).map(|t| t.prefix), Some("AKIA".into()));
        assert!(find_token("AKIAIOSFODNN7EXAMPLE").is_none());
        let gh = ["ghp_", "R7kLmN2pQ4sT6vW8xY0zA1bC3dE5fG7hJ9kL"].concat();
        assert!(find_token(&gh).is_some());
        assert!(find_token(&["ghp_", &"x".repeat(36)].concat()).is_none());
        assert!(find_token("ghp_short").is_none());
        let stripe = ["sk_live_", "4eC39HqLyjWDarjtT1zdp7dc"].concat();
        assert!(find_token(&stripe).is_some());
        assert!(find_token("-----BEGIN PRIVATE KEY-----").is_none());
        let pem = format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
            "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
        );
        assert!(find_token(&pem).is_some());
        // Inside a longer identifier: not a token.
        assert!(find_token(&["xAKIA", "Q3EGRKNXW7ZP4HTB"].concat()).is_none());
    }

    #[test]
    fn url_passwords() {
        let p = find_url_password("postgres://app:Xk9vT2q@db.internal:5432/app");
        assert_eq!(
            p,
            Some(UrlPassword {
                scheme: "postgres".into(),
                user: "app".into(),
                host: "db.internal".into(),
                password_len: 7,
            })
        );
        assert!(find_url_password("redis://:Xk9vT2qL@cache.prod:6379").is_some());
        assert!(find_url_password("amqp://svc:Xk9vT2qL@mq.prod/%2f").is_some());
        for v in [
            "postgres://user@host/db",
            "postgres://app@db.internal/app",
            "postgres://user:${PASSWORD}@db.internal/db",
            "postgres://{}:{}@{}:{}/{}",
            "postgres://postgres:postgres@db.internal/app",
            "postgres://app:Xk9vT2q@localhost:5432/app",
            "postgres://app:Xk9vT2q@127.0.0.1/app",
            "postgres://user:password@db.internal/app",
            "postgres://app:***@db.internal/app",
            "postgres://app:Xk9vT2q@db.example.com/app",
            "see postgres://app:Xk9vT2q@db.internal/app for details",
            "https://example.org/a:b@c",
            "é://ü:pässwörd1@höst.internal/x",
        ] {
            assert!(find_url_password(v).is_none(), "{v}");
        }
    }

    #[test]
    fn key_fns() {
        let p = |s: &str| s.split("::").map(String::from).collect::<Vec<_>>();
        assert!(key_fn(&p("jsonwebtoken::EncodingKey::from_secret")).is_some());
        assert!(key_fn(&p("hmac::Hmac::new_from_slice")).is_some());
        assert!(key_fn(&p("axum_extra::extract::cookie::Key::from")).is_some());
        assert!(key_fn(&p("jsonwebtoken::DecodingKey::from_rsa_pem")).is_none());
        assert!(key_fn(&p("crate::crypto::Key::from")).is_none());
        assert!(is_env_reader(&p("std::env::var")));
        assert!(is_env_reader(&p("dotenvy::var")));
        assert!(!is_env_reader(&p("crate::config::var")));
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("hunter22"), "`\"…\"`, 8 chars");
        assert_eq!(
            redact("abcdefghijklmnopqrstuvwxyz"),
            "`\"abcd…\"`, 26 chars"
        );
    }
}
