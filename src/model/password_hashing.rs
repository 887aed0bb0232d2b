//! Password hashing: which hashes are fast (unfit for passwords), which functions are
//! password hashes with a work factor, and the minimum work factors of the OWASP Password
//! Storage Cheat Sheet.

/// Fast hash types: (crate, type). Their `digest`, `new().update(..)`, `chain_update`
/// compute a general-purpose digest in nanoseconds.
pub const FAST_HASH_TYPES: &[(&str, &[&str])] = &[
    (
        "sha2",
        &[
            "Sha224",
            "Sha256",
            "Sha384",
            "Sha512",
            "Sha512_224",
            "Sha512_256",
        ],
    ),
    ("sha1", &["Sha1"]),
    ("sha1_smol", &["Sha1"]),
    ("md5", &["Md5", "Context"]),
    ("md4", &["Md4"]),
    (
        "sha3",
        &[
            "Sha3_224",
            "Sha3_256",
            "Sha3_384",
            "Sha3_512",
            "Keccak224",
            "Keccak256",
            "Keccak384",
            "Keccak512",
        ],
    ),
    (
        "blake2",
        &[
            "Blake2b512",
            "Blake2s256",
            "Blake2b",
            "Blake2s",
            "Blake2bVar",
            "Blake2sVar",
        ],
    ),
    ("blake3", &["Hasher"]),
    ("ripemd", &["Ripemd160", "Ripemd256", "Ripemd320"]),
];

/// Associated functions of a fast hash type that hash their first argument.
pub const FAST_HASH_ASSOC_FNS: &[&str] = &["digest", "new_with_prefix"];

/// Constructors of a fast hasher.
pub const FAST_HASHER_CONSTRUCTORS: &[&str] = &["new", "default"];

/// Methods of a fast hasher that feed it their first argument.
pub const FAST_HASHER_INPUT_METHODS: &[&str] =
    &["update", "chain_update", "chain", "input", "consume"];

/// The fast hash type a resolved path names (`sha2::Sha256` → `Sha256`): the crate and
/// the type's name, whatever module re-exports it.
pub fn fast_hash_type(path: &[String]) -> Option<&str> {
    let (first, last) = (path.first()?, path.last()?);
    FAST_HASH_TYPES
        .iter()
        .find(|(krate, types)| krate == first && types.contains(&last.as_str()))
        .map(|_| last.as_str())
}

/// Free functions computing a fast digest: (resolved path, index of the hashed argument,
/// the hash as named in messages).
pub const FAST_HASH_FNS: &[(&[&str], usize, &str)] = &[
    (&["md5", "compute"], 0, "MD5"),
    (&["sha256", "digest"], 0, "SHA-256"),
    (&["blake3", "hash"], 0, "BLAKE3"),
    (&["openssl", "sha", "sha1"], 0, "SHA-1"),
    (&["openssl", "sha", "sha224"], 0, "SHA-224"),
    (&["openssl", "sha", "sha256"], 0, "SHA-256"),
    (&["openssl", "sha", "sha384"], 0, "SHA-384"),
    (&["openssl", "sha", "sha512"], 0, "SHA-512"),
    (&["openssl", "hash", "hash"], 1, "a message digest"),
    (&["ring", "digest", "digest"], 1, "a ring digest"),
];

/// bcrypt functions with a cost argument: (function, index of the cost).
pub const BCRYPT_COST_FNS: &[(&str, usize)] = &[
    ("hash", 1),
    ("hash_with_result", 1),
    ("hash_with_salt", 1),
    ("non_truncating_hash", 1),
    ("non_truncating_hash_with_result", 1),
    ("non_truncating_hash_with_salt", 1),
    ("bcrypt", 0),
];

/// OWASP: bcrypt with a work factor of 10 or more.
pub const BCRYPT_MIN_COST: u64 = 10;

/// OWASP's Argon2id configurations of equal strength: (iterations `t`, minimum memory
/// `m` in KiB). More iterations than the last row need the last row's memory.
pub const ARGON2_MIN_MEMORY: &[(u64, u64)] =
    &[(1, 47104), (2, 19456), (3, 12288), (4, 9216), (5, 7168)];

/// The minimum memory (KiB) OWASP asks of Argon2id at `t` iterations.
pub fn argon2_min_memory(t: u64) -> u64 {
    ARGON2_MIN_MEMORY
        .iter()
        .find(|(it, _)| *it == t.max(1))
        .map_or(7168, |(_, m)| *m)
}

/// `argon2::Params` (RustCrypto) defaults, used when a builder leaves one unset.
pub const ARGON2_DEFAULT_M_COST: u64 = 19456;
pub const ARGON2_DEFAULT_T_COST: u64 = 2;

/// OWASP's scrypt configurations of equal strength with block size `r = 8`:
/// (log2 of the CPU/memory cost `N`, minimum parallelism `p`).
pub const SCRYPT_MIN_P: &[(u64, u64)] = &[(17, 1), (16, 2), (15, 3), (14, 5), (13, 10)];

/// The parallelism OWASP asks of scrypt with cost `2^log_n` and `r = 8`; `None` below
/// the table (no parallelism makes up for it).
pub fn scrypt_min_p(log_n: u64) -> Option<u64> {
    if log_n >= 17 {
        return Some(1);
    }
    SCRYPT_MIN_P
        .iter()
        .find(|(n, _)| *n == log_n)
        .map(|(_, p)| *p)
}

/// OWASP's PBKDF2 iteration minimums by HMAC hash.
pub fn pbkdf2_min_iterations(hash: Pbkdf2Hash) -> u64 {
    match hash {
        Pbkdf2Hash::Sha1 => 1_300_000,
        Pbkdf2Hash::Sha256 => 600_000,
        Pbkdf2Hash::Sha512 => 210_000,
        // Unknown hashes get the lowest minimum: fewer findings, none wrong.
        Pbkdf2Hash::Other => 210_000,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pbkdf2Hash {
    Sha1,
    Sha256,
    Sha512,
    Other,
}

impl Pbkdf2Hash {
    /// The hash a type or constant name stands for (`Sha256`, `Hmac<Sha256>`,
    /// `PBKDF2_HMAC_SHA256`, `MessageDigest::sha256`).
    pub fn from_name(name: &str) -> Pbkdf2Hash {
        let n = name.to_ascii_lowercase();
        if n.ends_with("sha1") {
            Pbkdf2Hash::Sha1
        } else if n.ends_with("sha256") {
            Pbkdf2Hash::Sha256
        } else if n.ends_with("sha512") || n.ends_with("sha384") {
            Pbkdf2Hash::Sha512
        } else {
            Pbkdf2Hash::Other
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Pbkdf2Hash::Sha1 => "HMAC-SHA-1",
            Pbkdf2Hash::Sha256 => "HMAC-SHA-256",
            Pbkdf2Hash::Sha512 => "HMAC-SHA-512",
            Pbkdf2Hash::Other => "its HMAC",
        }
    }
}

/// PBKDF2 functions: (resolved path, index of the password, index of the iteration
/// count, where the HMAC hash is given).
pub struct Pbkdf2Fn {
    pub path: &'static [&'static str],
    pub password: usize,
    pub rounds: usize,
    pub hash: HashArg,
}

pub enum HashArg {
    /// The first generic argument of the function (`pbkdf2_hmac::<Sha256>`).
    Turbofish,
    /// An argument (`ring::pbkdf2::derive(PBKDF2_HMAC_SHA256, ..)`).
    Arg(usize),
}

pub const PBKDF2_FNS: &[Pbkdf2Fn] = &[
    Pbkdf2Fn {
        path: &["pbkdf2", "pbkdf2_hmac"],
        password: 0,
        rounds: 2,
        hash: HashArg::Turbofish,
    },
    Pbkdf2Fn {
        path: &["pbkdf2", "pbkdf2_hmac_array"],
        password: 0,
        rounds: 2,
        hash: HashArg::Turbofish,
    },
    Pbkdf2Fn {
        path: &["pbkdf2", "pbkdf2"],
        password: 0,
        rounds: 2,
        hash: HashArg::Turbofish,
    },
    Pbkdf2Fn {
        path: &["pbkdf2", "pbkdf2_array"],
        password: 0,
        rounds: 2,
        hash: HashArg::Turbofish,
    },
    Pbkdf2Fn {
        path: &["ring", "pbkdf2", "derive"],
        password: 3,
        rounds: 1,
        hash: HashArg::Arg(0),
    },
    Pbkdf2Fn {
        path: &["ring", "pbkdf2", "verify"],
        password: 3,
        rounds: 1,
        hash: HashArg::Arg(0),
    },
    Pbkdf2Fn {
        path: &["openssl", "pkcs5", "pbkdf2_hmac"],
        password: 0,
        rounds: 2,
        hash: HashArg::Arg(3),
    },
];

/// Known constants of the password-hashing crates: (crate, constant, value).
pub const KNOWN_CONSTANTS: &[(&str, &str, u64)] = &[
    ("bcrypt", "DEFAULT_COST", 12),
    ("argon2", "DEFAULT_M_COST", 19456),
    ("argon2", "DEFAULT_T_COST", 2),
    ("argon2", "DEFAULT_P_COST", 1),
    ("argon2", "MIN_M_COST", 8),
    ("argon2", "MIN_T_COST", 1),
    ("argon2", "MIN_P_COST", 1),
    ("scrypt", "RECOMMENDED_LOG_N", 17),
    ("scrypt", "RECOMMENDED_R", 8),
    ("scrypt", "RECOMMENDED_P", 1),
];

/// Words in the name of a value hashed together with a password that make the hash a
/// challenge–response or protocol computation (HTTP Digest's `realm` and `nonce`),
/// not password storage.
pub const PROTOCOL_WORDS: &[&str] = &["nonce", "cnonce", "realm", "challenge"];

/// Words of a function's name or of the names it uses that show a wire protocol's
/// handshake: the password is mixed with what the peer sent (a MySQL-style scramble,
/// a nonce), not stored.
pub const HANDSHAKE_WORDS: &[&str] = &[
    "scramble",
    "nonce",
    "cnonce",
    "challenge",
    "handshake",
    "realm",
];

/// Parts of names that show a value is used with a cipher (a key file's passphrase
/// turned into an encryption key), not stored as a password hash.
pub const CIPHER_MARKERS: &[&str] = &["decrypt", "encrypt", "cipher", "aes", "chacha", "des3"];

/// Text in a file that shows it implements a database's authentication handshake (the
/// plugins' names, the server's scramble): a fast hash of a password there answers the
/// server's challenge, as the protocol defines.
pub const HANDSHAKE_FILE_MARKERS: &[&str] = &[
    "mysql_native_password",
    "caching_sha2_password",
    "sha256_password",
    "auth_plugin",
    "scramble",
];

/// Words of a runtime switch that only a test harness sets (`config.test_mode`,
/// `self.fast_for_tests`, `insecure_fast`): the branch it selects is not the production
/// setting.
pub const TEST_SWITCH_WORDS: &[&str] = &["test", "tests", "testing"];

/// Text in a file that shows a fast hash of a password is the Have I Been Pwned range
/// query (which requires SHA-1 and sends only a 5-character prefix).
pub const BREACH_CHECK_MARKERS: &[&str] = &["pwnedpasswords", "haveibeenpwned"];

/// Prefixes of password names for generated credentials (application passwords), which
/// are random like tokens.
pub const GENERATED_PASSWORD_PREFIXES: &[&str] = &["app", "application", "generated", "random"];

/// Words in the name of a value given to a key-derivation function that say it is a
/// key or other high-entropy secret, not a password.
pub const HIGH_ENTROPY_WORDS: &[&str] = &["key", "secret", "seed", "ikm", "entropy", "token"];

/// Words on either side of a comparison of two password-named values that make it a
/// check of two inputs (a confirmation field), not a login check.
pub const CONFIRMATION_WORDS: &[&str] = &[
    "confirm",
    "confirmation",
    "confirmed",
    "repeat",
    "repeated",
    "again",
    "retype",
    "retyped",
    "verify",
    "verification",
    "check",
    "second",
    "other",
];

/// Words that, on both sides of a comparison, make it the "new password differs from
/// the old one" check.
pub const CHANGE_WORDS: &[&str] = &["new", "old", "current", "previous", "existing"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owasp_tables() {
        assert_eq!(argon2_min_memory(1), 47104);
        assert_eq!(argon2_min_memory(2), 19456);
        assert_eq!(argon2_min_memory(5), 7168);
        assert_eq!(argon2_min_memory(9), 7168);
        assert_eq!(argon2_min_memory(0), 47104);
        assert_eq!(scrypt_min_p(17), Some(1));
        assert_eq!(scrypt_min_p(20), Some(1));
        assert_eq!(scrypt_min_p(14), Some(5));
        assert_eq!(scrypt_min_p(12), None);
        assert_eq!(pbkdf2_min_iterations(Pbkdf2Hash::Sha256), 600_000);
    }

    #[test]
    fn pbkdf2_hash_names() {
        assert_eq!(Pbkdf2Hash::from_name("Sha256"), Pbkdf2Hash::Sha256);
        assert_eq!(
            Pbkdf2Hash::from_name("PBKDF2_HMAC_SHA512"),
            Pbkdf2Hash::Sha512
        );
        assert_eq!(Pbkdf2Hash::from_name("sha1"), Pbkdf2Hash::Sha1);
        assert_eq!(Pbkdf2Hash::from_name("Blake2b"), Pbkdf2Hash::Other);
    }

    #[test]
    fn fast_hash_types() {
        let p = |s: &str| s.split("::").map(String::from).collect::<Vec<_>>();
        assert_eq!(fast_hash_type(&p("sha2::Sha256")), Some("Sha256"));
        assert_eq!(fast_hash_type(&p("md5::Md5")), Some("Md5"));
        assert_eq!(fast_hash_type(&p("crc32fast::Hasher")), None);
        assert_eq!(fast_hash_type(&p("argon2::Argon2")), None);
    }
}
