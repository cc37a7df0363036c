//! Suppressing findings: the `fleetcheck.io/ignore` annotation on an object, and the `check.ignore`
//! list of `.fleetcheck.yaml`, per rule and optionally per cluster and path glob.
//!
//! ```yaml
//! check:
//!   ignore:
//!     - rule: FC304                 # one id, a comma-separated list, or a YAML list
//!     - rule: [FC401, FC402]
//!       cluster: staging/*          # optional: only these clusters (glob, `*` and `?`)
//!       path: apps/*/secret.yaml    # optional: only findings in these files (repo-relative)
//!   severity:                       # optional: a rule's severity (error, warning, info)
//!     FC102: info
//! ```

use std::path::Path;

use super::finding::Finding;
use super::rule::{Severity, by_id};
use crate::diagnostic::Diagnostic;
use crate::flux::varsfile::glob_match;
use crate::source::path::display_relative;
use crate::yaml::{Node, Value};

/// One entry of `check.ignore`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// The rule ids it silences.
    pub rules: Vec<String>,
    /// Only in clusters matching this glob.
    pub cluster: Option<String>,
    /// Only for findings located in files matching this glob (relative to the repository).
    pub path: Option<String>,
}

/// The `check` section of `.fleetcheck.yaml`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckConfig {
    /// `check.ignore`.
    pub ignore: Vec<IgnoreEntry>,
    /// `check.severity`: rule ids whose severity is changed.
    pub severity: Vec<(String, Severity)>,
}

const HINT: &str =
    "see the README's \"fleetcheck check\" for the `check` section of .fleetcheck.yaml";

impl CheckConfig {
    /// Reads the `check` section (`node`) of the configuration file `file`.
    pub fn parse(node: &Node, file: &Path) -> Result<CheckConfig, Diagnostic> {
        let err = |msg: String, n: &Node| Diagnostic::at(msg, file, n.pos).with_hint(HINT);
        let mut config = CheckConfig::default();
        if node.is_null() {
            return Ok(config);
        }
        let Some(map) = node.as_map() else {
            return Err(err("`check` must be a mapping".into(), node));
        };
        for (k, v) in &map.entries {
            match k.as_str() {
                Some("ignore") => {
                    let Some(items) = v.as_seq() else {
                        return Err(err("`check.ignore` must be a list".into(), v));
                    };
                    for item in items {
                        config.ignore.push(parse_entry(item, file)?);
                    }
                }
                Some("severity") => {
                    let Some(m) = v.as_map() else {
                        return Err(err(
                            "`check.severity` maps rule ids to error, warning or info".into(),
                            v,
                        ));
                    };
                    for (id, sev) in &m.entries {
                        let id_text = id.text().unwrap_or_default().into_owned();
                        if by_id(&id_text).is_none() {
                            return Err(err(format!("unknown rule id '{id_text}'"), id));
                        }
                        let severity = match sev.as_str() {
                            Some("error") => Severity::Error,
                            Some("warning") => Severity::Warning,
                            Some("info") => Severity::Info,
                            _ => {
                                return Err(err(
                                    format!("severity of {id_text} must be error, warning or info"),
                                    sev,
                                ));
                            }
                        };
                        config.severity.push((id_text, severity));
                    }
                }
                _ => {
                    return Err(err(
                        format!(
                            "unknown key '{}' in `check`; the keys here are: ignore, severity",
                            k.text().unwrap_or_default()
                        ),
                        k,
                    ));
                }
            }
        }
        Ok(config)
    }
}

fn parse_entry(item: &Node, file: &Path) -> Result<IgnoreEntry, Diagnostic> {
    let err = |msg: String, n: &Node| Diagnostic::at(msg, file, n.pos).with_hint(HINT);
    let Some(map) = item.as_map() else {
        return Err(err(
            "each `check.ignore` entry is a mapping with `rule`".into(),
            item,
        ));
    };
    let mut entry = IgnoreEntry {
        rules: Vec::new(),
        cluster: None,
        path: None,
    };
    for (k, v) in &map.entries {
        match k.as_str() {
            Some("rule") => {
                let ids: Vec<(String, &Node)> = match &v.value {
                    Value::Str(s) => split_ids(s).into_iter().map(|id| (id, v)).collect(),
                    Value::Seq(items) => {
                        let mut ids = Vec::new();
                        for i in items {
                            let Some(s) = i.as_str() else {
                                return Err(err("rule ids are strings such as FC304".into(), i));
                            };
                            ids.extend(split_ids(s).into_iter().map(|id| (id, i)));
                        }
                        ids
                    }
                    _ => return Err(err("`rule` is a rule id or a list of them".into(), v)),
                };
                for (id, n) in ids {
                    if by_id(&id).is_none() {
                        return Err(err(format!("unknown rule id '{id}'"), n));
                    }
                    entry.rules.push(id);
                }
            }
            Some(key @ ("cluster" | "path")) => {
                let Some(s) = v.as_str() else {
                    return Err(err(format!("`{key}` must be a glob string"), v));
                };
                if key == "cluster" {
                    entry.cluster = Some(s.to_owned());
                } else {
                    entry.path = Some(s.to_owned());
                }
            }
            _ => {
                return Err(err(
                    format!(
                        "unknown key '{}'; an ignore entry has rule, cluster and path",
                        k.text().unwrap_or_default()
                    ),
                    k,
                ));
            }
        }
    }
    if entry.rules.is_empty() {
        return Err(err("ignore entry without a `rule`".into(), item));
    }
    Ok(entry)
}

fn split_ids(s: &str) -> Vec<String> {
    s.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl IgnoreEntry {
    fn matches(&self, f: &Finding, root: &Path) -> bool {
        if !self.rules.iter().any(|r| r == f.rule.id) {
            return false;
        }
        if let Some(g) = &self.cluster
            && !glob_match(g, &f.cluster)
        {
            return false;
        }
        if let Some(g) = &self.path {
            let Some(loc) = &f.location else {
                return false;
            };
            if !glob_match(g, &display_relative(&loc.file, root)) {
                return false;
            }
        }
        true
    }
}

/// Applies `config`'s severities, then splits findings into those reported and the number
/// suppressed by object annotations or by `config` (`root` is the repository, for path globs).
pub fn apply(
    mut findings: Vec<Finding>,
    config: &CheckConfig,
    root: &Path,
) -> (Vec<Finding>, usize) {
    for f in &mut findings {
        if let Some((_, s)) = config.severity.iter().rev().find(|(id, _)| id == f.rule.id) {
            f.severity = *s;
        }
    }
    let before = findings.len();
    let kept: Vec<Finding> = findings
        .into_iter()
        .filter(|f| !f.ignored_by_object.iter().any(|id| id == f.rule.id))
        .filter(|f| !config.ignore.iter().any(|e| e.matches(f, root)))
        .collect();
    let suppressed = before - kept.len();
    (kept, suppressed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::rule;
    use crate::yaml::{Limits, Pos, parse_stream};

    fn config(text: &str) -> Result<CheckConfig, Diagnostic> {
        let docs = parse_stream(text, &Limits::default()).unwrap();
        CheckConfig::parse(&docs[0].root, Path::new("/r/.fleetcheck.yaml"))
    }

    #[test]
    fn entries_filter_by_rule_cluster_and_path() {
        let c = config(
            "ignore:\n- rule: FC304\n- rule: [FC401, 'FC402,FC403']\n  cluster: staging/*\n  path: apps/*\n",
        )
        .unwrap();
        assert_eq!(c.ignore[1].rules, ["FC401", "FC402", "FC403"]);
        let root = Path::new("/r");
        let f = |rule, cluster: &str, file: &str| {
            Finding::new(rule, cluster, "x").at(root.join(file), Pos::new(1, 1))
        };
        let findings = vec![
            f(rule::MISSING_HEALTH_CHECK, "prod/a", "c.yaml"),
            f(rule::SECRET_NOT_ENCRYPTED, "staging/b", "apps/s.yaml"),
            f(rule::SECRET_NOT_ENCRYPTED, "prod/a", "apps/s.yaml"),
            f(rule::SECRET_NOT_ENCRYPTED, "staging/b", "infra/s.yaml"),
        ];
        let (kept, suppressed) = apply(findings, &c, root);
        assert_eq!(suppressed, 2);
        assert_eq!(kept[0].cluster, "prod/a");
        assert!(
            kept[1]
                .location
                .as_ref()
                .unwrap()
                .file
                .ends_with("infra/s.yaml")
        );
    }

    #[test]
    fn severities_are_overridden_per_rule() {
        let c = config("severity:\n  FC102: info\n").unwrap();
        let findings = vec![
            Finding::new(rule::SCHEMA_UNKNOWN, "c", "x"),
            Finding::new(rule::SCHEMA_VIOLATION, "c", "y"),
        ];
        let (kept, _) = apply(findings, &c, Path::new("/"));
        assert_eq!(kept[0].severity, Severity::Info);
        assert_eq!(kept[1].severity, Severity::Error);
    }

    #[test]
    fn object_annotations_silence_their_rules_only() {
        let mut f = Finding::new(rule::TENANT_CLUSTER_SCOPED, "c", "x");
        f.ignored_by_object = vec!["FC203".into()];
        let mut g = Finding::new(rule::RBAC_DENIED, "c", "x");
        g.ignored_by_object = vec!["FC203".into()];
        let (kept, n) = apply(vec![f, g], &CheckConfig::default(), Path::new("/"));
        assert_eq!((kept.len(), n), (1, 1));
        assert_eq!(kept[0].rule.id, "FC201");
    }

    #[test]
    fn bad_entries_are_diagnostics_at_the_key() {
        let e = config("ignore:\n- rule: FC999\n").unwrap_err();
        assert!(e.message.contains("unknown rule id 'FC999'"), "{e}");
        assert_eq!(e.location.unwrap().pos, Pos::new(2, 9));
        let e = config("ignore:\n- cluster: x\n").unwrap_err();
        assert!(e.message.contains("without a `rule`"), "{e}");
        let e = config("severity: {FC102: loud}\n").unwrap_err();
        assert!(e.message.contains("must be error, warning or info"), "{e}");
        let e = config("ignorez: []\n").unwrap_err();
        assert!(e.message.contains("unknown key 'ignorez'"), "{e}");
    }
}
