//! Root causes: the one place whose change fixes every finding that shares it, attached
//! to findings in the project pass, and what the report does with them (ids, the help's
//! count, suppression at the cause).

use crate::engine::index::{LeakSite, PayloadVerdict, Site};
use crate::finding::{Cause, Finding, Label};

/// BL201: the value is printed through a derived `Debug` that shows a credential field.
/// The cause is that field's declaration.
pub fn debug_leak(f: &mut Finding, at: &LeakSite) {
    let owner = &at.owner;
    let field = &at.field;
    f.labels.push(label(
        f,
        &at.site.path,
        at.site.region,
        format!("`{owner}` derives `Debug`"),
    ));
    f.labels.push(label(
        f,
        &at.site.path,
        at.field_region,
        format!("`{owner}` derives `Debug`, which prints this field"),
    ));
    f.cause = Some(Box::new(Cause {
        key: format!("debug:{owner}.{field}"),
        path: at.site.path.clone(),
        region: at.field_region,
        lines: (at.site.first_line, at.site.region.line),
        message: format!("`{owner}` derives `Debug`, which prints its field `{field}`"),
        fix: format!(
            "redact `{field}` in `{owner}`'s `Debug` (make the field a redacting type such as `secrecy::SecretString`, or write `Debug` for `{owner}` by hand without it)"
        ),
        id: String::new(),
        count: 0,
    }));
}

/// BL301: a payload type that its handlers cannot validate as it is (no derive, no
/// constraint on its unbounded fields, a nested type not followed). The cause is the
/// type's declaration; the fix there serves every handler taking it.
pub fn unvalidated_payload(f: &mut Finding, ty: &str, site: &Site, verdict: &PayloadVerdict) {
    let (what, fix) = match verdict {
        PayloadVerdict::Unvalidated {
            fields,
            derives_validate: false,
        } => (
            format!("payload type `{ty}` validates nothing; unbounded: {fields}"),
            format!(
                "make `{ty}` validate itself while it is deserialized (bounded field types, or `#[serde(try_from = ..)]` with the checks in `TryFrom`), or derive `Validate` with constraints and take it through a validating extractor"
            ),
        ),
        // Derives `Validate`: each handler has to call it; no change at the type helps.
        PayloadVerdict::Unvalidated { .. } => return,
        PayloadVerdict::NoConstraints { fields } | PayloadVerdict::AllSkipped { fields } => (
            format!("payload type `{ty}` derives `Validate` without a constraint on {fields}"),
            format!("add constraints to {fields} in `{ty}` (`#[validate(length(max = ..))]`, `range`, `email`, …)"),
        ),
        PayloadVerdict::NestedNotValidated { field, ty: inner } => (
            format!("payload type `{ty}` does not validate its field `{field}` (`{inner}`)"),
            format!("mark `{field}` `#[validate(nested)]` in `{ty}`"),
        ),
    };
    f.labels.push(label(
        f,
        &site.path,
        site.region,
        format!("`{ty}` declared here"),
    ));
    f.cause = Some(Box::new(Cause {
        key: format!("payload:{ty}"),
        path: site.path.clone(),
        region: site.region,
        lines: (site.first_line, site.region.line),
        message: what,
        fix,
        id: String::new(),
        count: 0,
    }));
}

/// A label at `region` of `path`, which may be another file than the finding's.
fn label(f: &Finding, path: &str, region: crate::finding::Region, message: String) -> Label {
    Label {
        region,
        message,
        path: (path != f.path).then(|| path.to_string()),
    }
}

/// The rules whose findings carry a cause (see [`debug_leak`], [`unvalidated_payload`]).
pub const CAUSE_RULES: &[&str] = &["BL201", "BL301"];

/// A suppression comment that covered no finding of its own file: it may be aimed at a
/// cause.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CauseAllow {
    pub path: String,
    /// The line it is aimed at.
    pub line: usize,
    /// The rule it names.
    #[serde(with = "crate::finding::rule_code")]
    pub code: crate::finding::StaticStr,
    /// Its BL002 finding, when BL002 is enabled for its file.
    pub unused: Option<Finding>,
}

/// Drops the findings whose cause a suppression comment is aimed at, then reports the
/// comments that suppressed nothing there either (BL002).
pub fn suppress_at_causes(findings: &mut Vec<Finding>, allows: Vec<CauseAllow>) {
    if allows.is_empty() {
        return;
    }
    let mut used = vec![false; allows.len()];
    findings.retain(|f| {
        let Some(cause) = &f.cause else {
            return true;
        };
        let mut keep = true;
        for (i, a) in allows.iter().enumerate() {
            if a.code == f.code && cause.covered_by(&a.path, a.line) {
                used[i] = true;
                keep = false;
            }
        }
        keep
    });
    findings.extend(
        allows
            .into_iter()
            .zip(used)
            .filter(|(_, used)| !used)
            .filter_map(|(a, _)| a.unused),
    );
}

/// After the findings to report are known (baseline and `--diff-base` applied): gives
/// each cause its id and the number of reported findings it produces (see
/// [`Finding::help_text`]).
pub fn annotate(findings: &mut [Finding]) {
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    for f in findings.iter_mut() {
        let code = f.code;
        if let Some(c) = &mut f.cause {
            c.id = crate::fingerprint::cause_id(code, &c.path, &c.key);
            *counts.entry(c.id.clone()).or_default() += 1;
        }
    }
    for f in findings.iter_mut() {
        if let Some(c) = &mut f.cause {
            c.count = counts.get(&c.id).copied().unwrap_or(1);
        }
    }
}

/// Findings in groups that share a root cause, in the order of each group's first
/// finding (`findings` is sorted); a finding without a cause is a group of its own.
pub fn groups(findings: &[Finding]) -> Vec<Vec<&Finding>> {
    let mut out: Vec<Vec<&Finding>> = Vec::new();
    let mut at: std::collections::HashMap<&str, usize> = Default::default();
    for f in findings {
        match f.cause.as_deref() {
            Some(c) if !c.id.is_empty() => match at.get(c.id.as_str()) {
                Some(&i) => out[i].push(f),
                None => {
                    at.insert(&c.id, out.len());
                    out.push(vec![f]);
                }
            },
            _ => out.push(vec![f]),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Region;

    fn finding(code: &'static str, cause_line: usize) -> Finding {
        let meta = crate::rules::lookup(code).unwrap();
        let mut f = Finding::new(meta, "src/a.rs", Region::default(), "m".into());
        f.cause = Some(Box::new(Cause {
            key: "debug:T.secret".into(),
            path: "src/t.rs".into(),
            region: Region {
                line: cause_line,
                ..Region::default()
            },
            lines: (3, 5),
            message: String::new(),
            fix: String::new(),
            id: String::new(),
            count: 0,
        }));
        f
    }

    fn allow(line: usize, code: &'static str) -> CauseAllow {
        let meta = crate::rules::lookup("BL002").unwrap();
        CauseAllow {
            path: "src/t.rs".into(),
            line,
            code,
            unused: Some(Finding::new(
                meta,
                "src/t.rs",
                Region::default(),
                "unused".into(),
            )),
        }
    }

    #[test]
    fn an_allow_on_the_type_or_the_field_suppresses_the_cause() {
        for line in [3, 4, 5, 8] {
            let mut fs = vec![finding("BL201", 8), finding("BL201", 8)];
            suppress_at_causes(&mut fs, vec![allow(line, "BL201")]);
            assert!(fs.is_empty(), "line {line}: {fs:?}");
        }
    }

    #[test]
    fn an_allow_elsewhere_or_for_another_rule_is_unused() {
        for (line, code) in [(6, "BL201"), (9, "BL201"), (4, "BL301")] {
            let mut fs = vec![finding("BL201", 8)];
            suppress_at_causes(&mut fs, vec![allow(line, code)]);
            assert_eq!(fs.len(), 2, "line {line} {code}");
            assert!(fs.iter().any(|f| f.code == "BL002"));
        }
    }

    #[test]
    fn ids_and_counts_follow_the_cause() {
        let mut fs = vec![
            finding("BL201", 8),
            finding("BL201", 9),
            finding("BL301", 8),
        ];
        annotate(&mut fs);
        let ids: Vec<&str> = fs
            .iter()
            .map(|f| f.cause.as_ref().unwrap().id.as_str())
            .collect();
        // Same rule and key: one cause, whatever the line; another rule: another cause.
        assert_eq!(ids[0], ids[1]);
        assert_ne!(ids[0], ids[2]);
        assert_eq!(fs[0].cause.as_ref().unwrap().count, 2);
        assert_eq!(groups(&fs).len(), 2);
        assert!(fs[0].help_text().unwrap().contains("fixes both findings"));
    }
}
