//! Fingerprints that identify a finding across edits.
//!
//! - [`finding_fingerprint`]: backlint's own (JSON output, baselines): rule and the
//!   flagged line's text without whitespace, plus the occurrence number of that line text
//!   — no line numbers, so inserting lines above a finding does not change it, and no
//!   path, so it does not depend on the directory backlint runs from (a finding is
//!   identified by its path and this fingerprint together);
//! - [`located_fingerprint`]: the same with a path mixed in, for SARIF's
//!   `partialFingerprints`, where the fingerprint alone must tell findings apart.
//! - [`line_hashes`]: GitHub code scanning's `primaryLocationLineHash`, computed exactly as
//!   the codeql-action's upload step does (a rolling hash over the next 100 non-blank
//!   characters from the start of each line), so alerts track across commits.

use sha2::{Digest, Sha256};

/// backlint's fingerprint of a finding: 16 hex digits.
pub fn finding_fingerprint(code: &str, line_text: &str, occurrence: usize) -> String {
    let mut h = Sha256::new();
    h.update(code.as_bytes());
    h.update([0]);
    for w in line_text.split_whitespace() {
        h.update(w.as_bytes());
    }
    h.update([0]);
    h.update(occurrence.to_le_bytes());
    hex16(&h.finalize())
}

/// A finding's fingerprint combined with its path (relative to a fixed root).
pub fn located_fingerprint(fingerprint: &str, path: &str) -> String {
    let mut h = Sha256::new();
    h.update(fingerprint.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    hex16(&h.finalize())
}

/// The id of a finding's root cause: its rule, the cause's file (as displayed) and what
/// is there (`debug:RequestContext.api_key`), without line numbers.
pub fn cause_id(code: &str, path: &str, key: &str) -> String {
    let mut h = Sha256::new();
    for part in [code, path, key] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex16(&h.finalize())
}

fn hex16(digest: &[u8]) -> String {
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

const BLOCK_SIZE: usize = 100;
const MOD: i64 = 37;
const EOF_MARK: i64 = 65535;

/// GitHub's `primaryLocationLineHash` of every line of `text`: entry `i` is line `i + 1`,
/// formatted `hash:occurrence`.
pub fn line_hashes(text: &str) -> Vec<String> {
    let first_mod = (0..BLOCK_SIZE).fold(1i64, |acc, _| acc.wrapping_mul(MOD));
    let mut window = [0i64; BLOCK_SIZE];
    let mut line_numbers = [-1i64; BLOCK_SIZE];
    let mut hash: i64 = 0;
    let mut index = 0usize;
    let mut line_number = 0i64;
    let mut line_start = true;
    let mut prev_cr = false;
    let mut counts: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    let mut out: Vec<(i64, String)> = Vec::new();

    let mut output = |hash: i64, line: i64, out: &mut Vec<(i64, String)>| {
        let value = hash as u64;
        let n = counts.entry(value).or_insert(0);
        *n += 1;
        out.push((line, format!("{value:x}:{n}")));
    };

    let mut process = |current: i64,
                       window: &mut [i64; BLOCK_SIZE],
                       line_numbers: &mut [i64; BLOCK_SIZE],
                       hash: &mut i64,
                       index: &mut usize,
                       out: &mut Vec<(i64, String)>| {
        const SPACE: i64 = b' ' as i64;
        const TAB: i64 = b'\t' as i64;
        const LF: i64 = b'\n' as i64;
        const CR: i64 = b'\r' as i64;
        let mut current = current;
        if current == SPACE || current == TAB || (prev_cr && current == LF) {
            prev_cr = false;
            return;
        }
        if current == CR {
            current = LF;
            prev_cr = true;
        } else {
            prev_cr = false;
        }
        if line_numbers[*index] != -1 {
            output(*hash, line_numbers[*index], out);
            line_numbers[*index] = -1;
        }
        if line_start {
            line_start = false;
            line_number += 1;
            line_numbers[*index] = line_number;
        }
        if current == LF {
            line_start = true;
        }
        let begin = window[*index];
        window[*index] = current;
        *hash = MOD
            .wrapping_mul(*hash)
            .wrapping_add(current)
            .wrapping_sub(first_mod.wrapping_mul(begin));
        *index = (*index + 1) % BLOCK_SIZE;
    };

    // The reference implementation reads UTF-16 code units.
    for unit in text.encode_utf16() {
        process(
            unit as i64,
            &mut window,
            &mut line_numbers,
            &mut hash,
            &mut index,
            &mut out,
        );
    }
    process(
        EOF_MARK,
        &mut window,
        &mut line_numbers,
        &mut hash,
        &mut index,
        &mut out,
    );
    for _ in 0..BLOCK_SIZE {
        if line_numbers[index] != -1 {
            output(hash, line_numbers[index], &mut out);
            line_numbers[index] = -1;
        }
        let begin = window[index];
        window[index] = 0;
        hash = MOD
            .wrapping_mul(hash)
            .wrapping_sub(first_mod.wrapping_mul(begin));
        index = (index + 1) % BLOCK_SIZE;
    }
    out.sort_by_key(|(line, _)| *line);
    out.into_iter().map(|(_, h)| h).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors published with the reference implementation (codeql-action, fingerprints.test.ts).
    #[test]
    fn matches_published_vectors() {
        assert_eq!(line_hashes(""), ["c129715d7a2bc9a3:1"]);
        assert_eq!(
            line_hashes(" a\nb\n  \t\tc\n d"),
            [
                "271789c17abda88f:1",
                "54703d4cd895b18:1",
                "180aee12dab6264:1",
                "a23a3dc5e078b07b:1"
            ]
        );
        assert_eq!(
            line_hashes(" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End"),
            [
                "8b7cf3e952e7aeb2:1",
                "b1ae1287ec4718d9:1",
                "bff680108adb0fcc:1",
                "c6805c5e1288b612:1",
                "b86d3392aea1be30:1",
                "e6ceba753e1a442:1",
            ]
        );
        let expected_trailing = [
            "e9496ae3ebfced30:1",
            "fb7c023a8b9ccb3f:1",
            "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1",
            "b3edc88f2938467e:1",
            "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ];
        for input in [
            " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
            " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        ] {
            assert_eq!(line_hashes(input), expected_trailing, "{input:?}");
        }
        assert_eq!(
            line_hashes(&"Lorem ipsum dolor sit amet.\n".repeat(10)),
            [
                "a7f2ff13bc495cf2:1",
                "a7f2ff13bc495cf2:2",
                "a7f2ff13bc495cf2:3",
                "a7f2ff13bc495cf2:4",
                "a7f2ff13bc495cf2:5",
                "a7f2ff13bc495cf2:6",
                "a7f2ff1481e87703:1",
                "a9cf91f7bbf1862b:1",
                "55ec222b86bcae53:1",
                "cc97dc7b1d7d8f7b:1",
                "c129715d7a2bc9a3:1"
            ]
        );
    }

    #[test]
    fn own_fingerprint_ignores_whitespace_but_not_content() {
        let a = finding_fingerprint("BL101", "    query(&sql)", 1);
        assert_eq!(a, finding_fingerprint("BL101", "query( &sql )", 1));
        assert_ne!(a, finding_fingerprint("BL101", "query(&other)", 1));
        assert_ne!(a, finding_fingerprint("BL101", "query(&sql)", 2));
        assert_ne!(a, finding_fingerprint("BL201", "query(&sql)", 1));
        assert_eq!(a.len(), 16);
        // In SARIF the path tells apart the same line in two files.
        let (x, y) = (
            located_fingerprint(&a, "src/a.rs"),
            located_fingerprint(&a, "src/b.rs"),
        );
        assert_ne!(x, y);
        assert_eq!(x, located_fingerprint(&a, "src/a.rs"));
    }
}
