//! `.fleetcheck.yaml` at the repository root (optional): an explicit cluster list that replaces
//! discovery, and source mappings. Paths are relative to the repository root.
//!
//! ```yaml
//! clusters:                      # when present, the only clusters
//!   - name: production/eu-west-1
//!     path: clusters/production/eu-west-1
//!     vars: vars/production.yaml          # optional vars file for this cluster
//!     sources:                            # optional, this cluster only
//!       GitRepository/payments/payments-team: ../payments-team
//! sources:                       # every cluster
//!   OCIRepository/flux-system/platform: ../platform
//! strictSubstitution: false      # optional; --strict-substitution wins
//! check:                         # optional; read by `fleetcheck check` (see `check::suppress`)
//!   ignore:
//!     - rule: FC304
//!       cluster: staging/*
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::api::SourceRef;
use crate::diagnostic::Diagnostic;
use crate::source::path::join_clean;
use crate::source::{EntryKind, Tree};
use crate::yaml::{Limits, Node, parse_stream};

/// The configuration file's name.
pub const CONFIG_FILE: &str = ".fleetcheck.yaml";

/// One cluster of the explicit list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterConfig {
    /// The cluster's name (what `--cluster` globs match).
    pub name: String,
    /// The cluster directory (absolute).
    pub dir: PathBuf,
    /// A vars file for this cluster only (absolute).
    pub vars: Option<PathBuf>,
    /// Source mappings for this cluster only (absolute, real paths).
    pub sources: BTreeMap<SourceRef, PathBuf>,
}

/// A parsed `.fleetcheck.yaml`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RepoConfig {
    /// The file.
    pub file: PathBuf,
    /// The explicit cluster list, when given.
    pub clusters: Option<Vec<ClusterConfig>>,
    /// Source mappings for every cluster (absolute, real paths).
    pub sources: BTreeMap<SourceRef, PathBuf>,
    /// `strictSubstitution`, when given.
    pub strict_substitution: Option<bool>,
    /// The `check` section, as written (`fleetcheck check` reads it).
    pub check: Option<Node>,
}

const HINT: &str = "see the README's \".fleetcheck.yaml\" for the format";

fn unknown(key: &Node, file: &Path, known: &[&str]) -> Diagnostic {
    Diagnostic::at(
        format!("unknown key '{}'", key.text().unwrap_or_default()),
        file,
        key.pos,
    )
    .with_hint(format!("the keys here are {}; {HINT}", known.join(", ")))
}

impl RepoConfig {
    /// Reads `root/.fleetcheck.yaml` from `tree`; `None` when there is no such file.
    pub fn load(
        tree: &dyn Tree,
        root: &Path,
        limits: &Limits,
    ) -> Result<Option<RepoConfig>, Diagnostic> {
        let file = root.join(CONFIG_FILE);
        match tree.read_to_string(&file) {
            Ok(text) => RepoConfig::parse(tree, &text, root, &file, limits).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Diagnostic::new(format!(
                "cannot read '{}': {e}",
                file.display()
            ))),
        }
    }

    /// Parses the text of `file`; paths are resolved against `root` and checked in `tree`.
    pub fn parse(
        tree: &dyn Tree,
        text: &str,
        root: &Path,
        file: &Path,
        limits: &Limits,
    ) -> Result<RepoConfig, Diagnostic> {
        let docs = parse_stream(text, limits).map_err(|e| Diagnostic::from_yaml(e, file))?;
        let mut config = RepoConfig {
            file: file.to_owned(),
            ..RepoConfig::default()
        };
        let Some(doc) = docs.first() else {
            return Ok(config);
        };
        if doc.root.is_null() {
            return Ok(config);
        }
        let err = |msg: String, node: &Node| Diagnostic::at(msg, file, node.pos).with_hint(HINT);
        let Some(map) = doc.root.as_map() else {
            return Err(err(format!("{CONFIG_FILE} must be a mapping"), &doc.root));
        };
        for (k, v) in &map.entries {
            match k.as_str() {
                Some("clusters") => {
                    let Some(items) = v.as_seq() else {
                        return Err(err("`clusters` must be a list".into(), v));
                    };
                    let mut list: Vec<ClusterConfig> = Vec::new();
                    for item in items {
                        let c = parse_cluster(tree, item, root, file)?;
                        if list.iter().any(|o| o.name == c.name) {
                            return Err(err(format!("cluster '{}' is listed twice", c.name), item));
                        }
                        list.push(c);
                    }
                    list.sort_by(|a, b| a.name.cmp(&b.name));
                    config.clusters = Some(list);
                }
                Some("sources") => config.sources = parse_sources(tree, v, root, file)?,
                Some("strictSubstitution") => match &v.value {
                    crate::yaml::Value::Bool(b) => config.strict_substitution = Some(*b),
                    _ => return Err(err("`strictSubstitution` must be true or false".into(), v)),
                },
                Some("check") => config.check = Some(v.clone()),
                _ => {
                    return Err(unknown(
                        k,
                        file,
                        &["clusters", "sources", "strictSubstitution", "check"],
                    ));
                }
            }
        }
        Ok(config)
    }
}

fn parse_cluster(
    tree: &dyn Tree,
    item: &Node,
    root: &Path,
    file: &Path,
) -> Result<ClusterConfig, Diagnostic> {
    let err = |msg: String, node: &Node| Diagnostic::at(msg, file, node.pos).with_hint(HINT);
    let Some(map) = item.as_map() else {
        return Err(err(
            "each cluster is a mapping with `name` and `path`".into(),
            item,
        ));
    };
    let known = ["name", "path", "vars", "sources"];
    if let Some((k, _)) = map
        .entries
        .iter()
        .find(|(k, _)| !k.as_str().is_some_and(|s| known.contains(&s)))
    {
        return Err(unknown(k, file, &known));
    }
    let text = |key: &str| map.get(key).and_then(|n| n.text()).map(|t| t.into_owned());
    let Some(name) = text("name").filter(|n| !n.is_empty()) else {
        return Err(err("cluster: `name` is required".into(), item));
    };
    let Some(path) = text("path").filter(|n| !n.is_empty()) else {
        return Err(err(format!("cluster '{name}': `path` is required"), item));
    };
    let path_node = map.get("path").unwrap_or(item);
    let dir = join_clean(root, &path);
    if !dir.starts_with(root) || tree.kind(&dir) != Some(EntryKind::Dir) {
        return Err(err(
            format!("cluster '{name}': path '{path}' is not a directory of the repository"),
            path_node,
        ));
    }
    let vars = text("vars").map(|v| join_clean(root, &v));
    if let (Some(v), Some(node)) = (&vars, map.get("vars"))
        && tree.kind(v) != Some(EntryKind::File)
    {
        return Err(err(
            format!(
                "cluster '{name}': vars file '{}' not found",
                node.text().unwrap_or_default()
            ),
            node,
        ));
    }
    let sources = match map.get("sources") {
        Some(s) => parse_sources(tree, s, root, file)?,
        None => BTreeMap::new(),
    };
    Ok(ClusterConfig {
        name,
        dir,
        vars,
        sources,
    })
}

fn parse_sources(
    tree: &dyn Tree,
    node: &Node,
    root: &Path,
    file: &Path,
) -> Result<BTreeMap<SourceRef, PathBuf>, Diagnostic> {
    let mut out = BTreeMap::new();
    if node.is_null() {
        return Ok(out);
    }
    let Some(map) = node.as_map() else {
        return Err(
            Diagnostic::at("`sources` must be a mapping", file, node.pos)
                .with_hint("write `KIND/NAMESPACE/NAME: PATH` entries"),
        );
    };
    for (k, v) in &map.entries {
        let id = k.text().unwrap_or_default().into_owned();
        let parts: Vec<&str> = id.split('/').collect();
        let [kind, namespace, name] = parts.as_slice() else {
            return Err(
                Diagnostic::at(format!("invalid source '{id}'"), file, k.pos)
                    .with_hint("write KIND/NAMESPACE/NAME, e.g. GitRepository/flux-system/tenants"),
            );
        };
        let Some(path) = v.text().filter(|p| !p.is_empty()) else {
            return Err(
                Diagnostic::at(format!("source '{id}' needs a path"), file, v.pos)
                    .with_hint("a path relative to the repository root"),
            );
        };
        let real = tree.real_path(&join_clean(root, &path)).map_err(|e| {
            Diagnostic::at(format!("source '{id}' path '{path}': {e}"), file, v.pos)
                .with_hint("the path is relative to the repository root")
        })?;
        out.insert(
            SourceRef {
                kind: (*kind).to_owned(),
                namespace: (*namespace).to_owned(),
                name: (*name).to_owned(),
            },
            real,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::DiskTree;
    use crate::yaml::Pos;

    fn parse(text: &str) -> Result<RepoConfig, Diagnostic> {
        let root = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).unwrap();
        RepoConfig::parse(
            &DiskTree,
            text,
            &root,
            &root.join(CONFIG_FILE),
            &Limits::default(),
        )
    }

    #[test]
    fn clusters_and_sources_resolve_against_the_root() {
        let c = parse(
            "clusters:\n- name: b\n  path: src\n  vars: Cargo.toml\n- name: a\n  path: tests\n\
             sources:\n  GitRepository/ns/n: testdata\n",
        )
        .unwrap();
        let list = c.clusters.unwrap();
        assert_eq!(list[0].name, "a");
        assert!(list[1].dir.ends_with("src"));
        assert!(list[1].vars.as_ref().unwrap().ends_with("Cargo.toml"));
        assert!(parse("clusters:\n- name: a\n  path: src\n  vars: nope.yaml\n").is_err());
        assert_eq!(
            c.sources.keys().next().unwrap().to_string(),
            "GitRepository/ns/n"
        );
    }

    #[test]
    fn unknown_keys_and_bad_paths_are_errors_at_their_position() {
        let e = parse("clusters: []\nsourcez: {}\n").unwrap_err();
        assert_eq!(e.location.unwrap().pos, Pos::new(2, 1));
        let e = parse("clusters:\n- name: a\n  path: src\n  paht: x\n").unwrap_err();
        assert_eq!(e.location.unwrap().pos, Pos::new(4, 3));
        assert!(parse("clusters:\n- name: a\n  path: nope\n").is_err());
        assert!(parse("clusters:\n- name: a\n  path: ../..\n").is_err());
        assert!(parse("sources:\n  GitRepository/n: src\n").is_err());
        assert_eq!(parse("").unwrap().clusters, None);
        assert_eq!(
            parse("strictSubstitution: false\n")
                .unwrap()
                .strict_substitution,
            Some(false)
        );
        assert!(parse("strictSubstitution: no\n").is_err());
    }
}
