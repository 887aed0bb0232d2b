//! Baselines: the findings a team accepts for now (`--write-baseline FILE`), dropped from
//! later runs (`--baseline FILE`). Entries match by rule, path and fingerprint (the
//! flagged line's text and occurrence, not its number), so edits elsewhere in a file
//! keep them matched and a change to the flagged line reports it again. Paths are
//! relative to the baseline file's directory, so a baseline committed at the workspace
//! root matches whichever directory backlint runs from.

use crate::finding::Finding;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The baseline format's version.
const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash, Clone)]
#[serde(deny_unknown_fields)]
struct Entry {
    path: String,
    code: String,
    fingerprint: String,
    /// For the reader; not used to match.
    message: String,
}

/// Why a baseline could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid baseline {path}: {message}")]
    Invalid { path: String, message: String },
    #[error("cannot write baseline {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// The accepted findings of a baseline file.
#[derive(Debug, Default)]
pub struct Baseline {
    keys: HashSet<(String, String, String)>,
    /// The baseline file's directory (canonical): entry paths are relative to it.
    base: PathBuf,
    /// The directory findings' displayed paths are relative to (canonical).
    cwd: PathBuf,
}

/// The canonical directory of a baseline file, which need not exist yet.
fn base_dir(path: &Path, cwd: &Path) -> PathBuf {
    let dir = cwd.join(path);
    let dir = dir.parent().unwrap_or(cwd);
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// A finding's path as a baseline records it: relative to the baseline's directory.
fn entry_path(f: &Finding, base: &Path, cwd: &Path) -> String {
    crate::discover::relative_to(&cwd.join(&f.path), base)
}

impl Baseline {
    /// Reads a baseline; `cwd` is the directory findings' paths are relative to.
    pub fn load(path: &Path, cwd: &Path) -> Result<Self, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let file: File = serde_json::from_str(&text).map_err(|e| BaselineError::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        if file.version != VERSION {
            return Err(BaselineError::Invalid {
                path: path.display().to_string(),
                message: format!(
                    "version {} is not supported (expected {VERSION})",
                    file.version
                ),
            });
        }
        Ok(Baseline {
            keys: file
                .findings
                .into_iter()
                .map(|e| (e.path, e.code, e.fingerprint))
                .collect(),
            base: base_dir(path, cwd),
            cwd: std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf()),
        })
    }

    /// Whether the baseline accepts this finding.
    pub fn contains(&self, f: &Finding) -> bool {
        self.keys.contains(&(
            entry_path(f, &self.base, &self.cwd),
            f.code.to_string(),
            f.fingerprint.clone(),
        ))
    }
}

/// Writes the findings as a baseline: sorted, one entry per finding.
/// `cwd` is the directory findings' paths are relative to.
pub fn write(path: &Path, findings: &[Finding], cwd: &Path) -> Result<(), BaselineError> {
    let base = base_dir(path, cwd);
    let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let mut entries: Vec<Entry> = findings
        .iter()
        .map(|f| Entry {
            path: entry_path(f, &base, &cwd),
            code: f.code.to_string(),
            fingerprint: f.fingerprint.clone(),
            message: f.message.clone(),
        })
        .collect();
    entries.sort();
    entries.dedup();
    let file = File {
        version: VERSION,
        findings: entries,
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    std::fs::write(path, text).map_err(|source| BaselineError::Write {
        path: path.display().to_string(),
        source,
    })
}
