//! Property tests of the whole per-file pipeline (every rule, preview ones included) on
//! random token soups and on randomly mutated fixture files: no panic, every finding's
//! region inside the file and consistent with its byte offsets, and the same findings for
//! the same input. `PROPTEST_CASES` raises the number of cases (default 128 per property).

use backlint::config::Settings;
use backlint::finding::Finding;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn settings() -> &'static Settings {
    static S: OnceLock<Settings> = OnceLock::new();
    S.get_or_init(|| {
        let all: Vec<&'static str> = backlint::rules::all_meta().iter().map(|m| m.code).collect();
        Settings::default().with_rules(&all)
    })
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(128);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// Runs the pipeline twice on `bytes` and checks the findings.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let findings = backlint::check_bytes("soup.rs", bytes, settings());
    // Offsets refer to the text as decoded, invalid sequences replaced (as the renderers
    // read the file).
    let text = String::from_utf8_lossy(bytes);
    for f in &findings {
        f.region
            .validate(&text)
            .map_err(|e| TestCaseError::fail(format!("{} {}: {e}", f.code, f.message)))?;
        for l in &f.labels {
            l.region
                .validate(&text)
                .map_err(|e| TestCaseError::fail(format!("{} label: {e}", f.code)))?;
        }
        prop_assert!(!f.fingerprint.is_empty(), "{f:?}");
    }
    let again: Vec<Finding> = backlint::check_bytes("soup.rs", bytes, settings());
    prop_assert_eq!(findings, again, "two runs disagree");
    Ok(())
}

/// Rust tokens, backend vocabulary and a few awkward characters.
const TOKENS: &[&str] = &[
    "fn",
    "async",
    "await",
    "let",
    "mut",
    "pub",
    "struct",
    "enum",
    "impl",
    "trait",
    "mod",
    "use",
    "match",
    "if",
    "else",
    "for",
    "in",
    "while",
    "loop",
    "return",
    "move",
    "ref",
    "self",
    "Self",
    "crate",
    "super",
    "where",
    "dyn",
    "unsafe",
    "const",
    "static",
    "type",
    "as",
    "sqlx",
    "query",
    "query_as",
    "query_scalar",
    "execute",
    "fetch_all",
    "bind",
    "format!",
    "format",
    "push_str",
    "to_string",
    "String",
    "&str",
    "PgPool",
    "pool",
    "db",
    "password",
    "token",
    "secret",
    "api_key",
    "user",
    "name",
    "id",
    "req",
    "Json",
    "Path",
    "Query",
    "State",
    "info!",
    "tracing",
    "debug!",
    "error!",
    "println!",
    "log",
    "span",
    "unwrap",
    "expect",
    "Ok",
    "Err",
    "Some",
    "None",
    "Result",
    "Option",
    "Vec",
    "validate",
    "Validate",
    "derive",
    "Debug",
    "Deserialize",
    "handlers",
    "services",
    "repositories",
    "x",
    "y",
    "_",
    "'a",
    "'static",
    "0",
    "1",
    "42",
    "1.5",
    "b'x'",
    "'c'",
    "\"SELECT * FROM t WHERE id = \"",
    "\"{}\"",
    "\"{name}\"",
    "\"{password:?}\"",
    "r#\"raw\"#",
    "\"\\n\"",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    "::",
    ":",
    ";",
    ",",
    ".",
    "..",
    "=",
    "==",
    "+",
    "+=",
    "-",
    "*",
    "&",
    "&&",
    "|",
    "||",
    "!",
    "?",
    "#",
    "#[",
    "#![",
    "=>",
    "->",
    "@",
    "$",
    "/",
    "%",
    "^",
    "// backlint:allow(BL101): reason\n",
    "// backlint:allow(BL201)\n",
    "/* c */",
    "/// doc\n",
    "\n",
    "\r\n",
    "\t",
    "é",
    "日本",
    "🦀",
    "\u{feff}",
    "\"",
    "'",
    "\\",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..300).prop_map(|tokens| {
        tokens.into_iter().fold(String::new(), |mut s, t| {
            s.push_str(t);
            s.push(' ');
            s
        })
    })
}

fn fixture_files() -> &'static [(PathBuf, Vec<u8>)] {
    static F: OnceLock<Vec<(PathBuf, Vec<u8>)>> = OnceLock::new();
    F.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
        let mut out = Vec::new();
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push((p.clone(), std::fs::read(&p).unwrap()));
                }
            }
        }
        out.sort();
        assert!(!out.is_empty(), "no fixtures");
        out
    })
}

/// One edit of a file; positions are taken modulo the current length.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    InsertBytes(usize, Vec<u8>),
    InsertText(usize, &'static str),
    FlipByte(usize, u8),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let n = any::<usize>();
    prop_oneof![
        n.prop_map(Mutation::DeleteLine),
        n.prop_map(Mutation::DuplicateLine),
        (n, n).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (n, prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(a, b)| Mutation::InsertBytes(a, b)),
        (n, prop::sample::select(TOKENS)).prop_map(|(a, t)| Mutation::InsertText(a, t)),
        (n, any::<u8>()).prop_map(|(a, b)| Mutation::FlipByte(a, b)),
        n.prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let mut lines: Vec<Vec<u8>> = bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
    match m {
        Mutation::DeleteLine(i) if !lines.is_empty() => {
            lines.remove(at(*i, lines.len()));
        }
        Mutation::DuplicateLine(i) if !lines.is_empty() => {
            let i = at(*i, lines.len());
            lines.insert(i, lines[i].clone());
        }
        Mutation::SwapLines(a, b) if !lines.is_empty() => {
            let (a, b) = (at(*a, lines.len()), at(*b, lines.len()));
            lines.swap(a, b);
        }
        Mutation::InsertBytes(i, new) => {
            let i = at(*i, bytes.len() + 1);
            bytes.splice(i..i, new.iter().copied());
            return;
        }
        Mutation::InsertText(i, t) => {
            let i = at(*i, bytes.len() + 1);
            bytes.splice(i..i, t.bytes());
            return;
        }
        Mutation::FlipByte(i, b) if !bytes.is_empty() => {
            let i = at(*i, bytes.len());
            bytes[i] ^= b;
            return;
        }
        Mutation::Truncate(i) => {
            bytes.truncate(at(*i, bytes.len() + 1));
            return;
        }
        _ => return,
    }
    *bytes = lines.concat();
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn token_soups_never_break_the_pipeline(soup in token_soup()) {
        check(soup.as_bytes())?;
    }

    #[test]
    fn mutated_fixtures_never_break_the_pipeline(
        file in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let files = fixture_files();
        let (_, original) = &files[file.index(files.len())];
        let mut bytes = original.clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        check(&bytes)?;
    }
}

/// The unmutated fixtures hold the properties too (they have the most findings).
#[test]
fn fixtures_hold_the_properties() {
    for (path, bytes) in fixture_files() {
        if let Err(e) = check(bytes) {
            panic!("{}: {e}", path.display());
        }
    }
}
