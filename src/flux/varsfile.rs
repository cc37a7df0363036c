//! Vars files (`--vars FILE`): what the live cluster holds for postBuild substitution that the
//! repository does not render, e.g. a ConfigMap a controller creates.
//!
//! Flux reads variables only from `spec.postBuild.substitute` and the `substituteFrom`
//! ConfigMaps and Secrets in the cluster (§10.6). A vars file therefore never overrides a
//! value: it stands in for `substituteFrom` objects the render does not contain. A reference
//! found in the render always uses the rendered object; a reference not found is looked up in
//! the file's `objects` by kind, namespace and name, and otherwise takes the file's plain
//! variables (the global map, then the `clusters` entries matching the cluster). The inline
//! `substitute` map and later `substituteFrom` entries keep winning as in Flux.
//!
//! ```yaml
//! # a flat map, for every cluster:
//! CLUSTER_REGION: eu-west-1
//! ---
//! # or structured (any of the three keys):
//! vars: {CLUSTER_REGION: eu-west-1}        # every cluster
//! clusters:
//!   "production/*": {CLUSTER_ENV: production}
//! objects:
//!   - kind: ConfigMap                     # or Secret (data in base64, or stringData)
//!     namespace: flux-system              # the default
//!     name: cluster-vars
//!     cluster: "staging/*"                # optional glob; every cluster when absent
//!     data: {CLUSTER_NAME: staging-1}
//! ```
//!
//! Values are kept in memory only; `Debug` prints variable names, never values.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::postbuild::{SubstituteKind, SubstituteRef, VAR_NAME_RULE, object_data, valid_var_name};
use crate::diagnostic::Diagnostic;
use crate::source::Tree;
use crate::yaml::{Limits, Mapping, Node, Value, parse_stream};

/// Variables by name.
pub type Vars = BTreeMap<String, String>;

/// One object of a vars file's `objects` list.
#[derive(Clone)]
pub struct VarsObject {
    /// ConfigMap or Secret.
    pub kind: SubstituteKind,
    /// Its namespace (`flux-system` when not given).
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Only clusters whose name matches this glob.
    pub cluster: Option<String>,
    /// Its data as variables (a Secret's `data` already base64-decoded).
    pub data: Vars,
}

/// A parsed vars file.
#[derive(Clone, Default)]
pub struct VarsFile {
    /// The file, for messages.
    pub path: PathBuf,
    /// Variables for every cluster.
    pub global: Vars,
    /// Variables per cluster glob, in file order.
    pub clusters: Vec<(String, Vars)>,
    /// Objects, in file order.
    pub objects: Vec<VarsObject>,
}

fn keys(v: &Vars) -> Vec<&str> {
    v.keys().map(String::as_str).collect()
}

impl fmt::Debug for VarsFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let clusters: Vec<_> = self.clusters.iter().map(|(g, v)| (g, keys(v))).collect();
        let objects: Vec<_> = self
            .objects
            .iter()
            .map(|o| {
                format!(
                    "{}/{}/{} {:?}",
                    o.kind.as_str(),
                    o.namespace,
                    o.name,
                    keys(&o.data)
                )
            })
            .collect();
        f.debug_struct("VarsFile")
            .field("path", &self.path)
            .field("global", &keys(&self.global))
            .field("clusters", &clusters)
            .field("objects", &objects)
            .finish()
    }
}

/// Matches `*` (any run of characters, `/` included) and `?` (one character).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

impl VarsFile {
    /// Reads and parses a vars file from `tree`.
    pub fn load(tree: &dyn Tree, path: &Path, limits: &Limits) -> Result<VarsFile, Diagnostic> {
        let text = tree.read_to_string(path).map_err(|e| {
            Diagnostic::new(format!("cannot read vars file '{}': {e}", path.display()))
                .with_hint("--vars takes a YAML file; see the README's \"Vars files\"")
        })?;
        VarsFile::parse(&text, path, limits)
    }

    /// Parses the text of a vars file read from `path`. Errors are
    /// [sensitive](Diagnostic::sensitive): reports never quote a vars file.
    pub fn parse(text: &str, path: &Path, limits: &Limits) -> Result<VarsFile, Diagnostic> {
        VarsFile::parse_inner(text, path, limits).map_err(Diagnostic::sensitive)
    }

    fn parse_inner(text: &str, path: &Path, limits: &Limits) -> Result<VarsFile, Diagnostic> {
        let docs = parse_stream(text, limits).map_err(|e| Diagnostic::from_yaml(e, path))?;
        let mut file = VarsFile {
            path: path.to_owned(),
            ..VarsFile::default()
        };
        let err = |msg: String, node: &Node| {
            Diagnostic::at(msg, path, node.pos)
                .with_hint("see the README's \"Vars files\" for the format")
        };
        for doc in &docs {
            let root = &doc.root;
            if root.is_null() {
                continue;
            }
            let Some(map) = root.as_map() else {
                return Err(err(
                    format!("a vars file is a mapping, not a {}", root.type_name()),
                    root,
                ));
            };
            let structured = ["vars", "clusters", "objects"].iter().any(|k| {
                map.get(k)
                    .is_some_and(|n| !n.is_null() && n.as_str().is_none())
            });
            if !structured {
                merge(&mut file.global, vars_map(map, path)?);
                continue;
            }
            for (k, v) in &map.entries {
                match k.as_str() {
                    Some("vars") => merge(&mut file.global, vars_of(v, path)?),
                    Some("clusters") => {
                        let Some(m) = v.as_map() else {
                            return Err(err(
                                "`clusters` must map cluster globs to variables".into(),
                                v,
                            ));
                        };
                        for (g, vars) in &m.entries {
                            let glob = g.text().unwrap_or_default().into_owned();
                            file.clusters.push((glob, vars_of(vars, path)?));
                        }
                    }
                    Some("objects") => {
                        let Some(items) = v.as_seq() else {
                            return Err(err("`objects` must be a list".into(), v));
                        };
                        for item in items {
                            file.objects.push(parse_object(item, path)?);
                        }
                    }
                    _ => {
                        return Err(Diagnostic::at(
                            format!(
                                "unknown key '{}' in a structured vars file",
                                k.text().unwrap_or_default()
                            ),
                            path,
                            k.pos,
                        )
                        .with_hint(
                            "a structured vars file has only `vars`, `clusters` and `objects`; \
                             put variables under `vars:`",
                        ));
                    }
                }
            }
        }
        Ok(file)
    }
}

fn merge(into: &mut Vars, from: Vars) {
    into.extend(from);
}

fn vars_of(node: &Node, path: &Path) -> Result<Vars, Diagnostic> {
    match &node.value {
        Value::Null => Ok(Vars::new()),
        Value::Map(m) => vars_map(m, path),
        _ => Err(Diagnostic::at(
            format!("variables must be a mapping, not a {}", node.type_name()),
            path,
            node.pos,
        )
        .with_hint("write `NAME: value` pairs")),
    }
}

/// `NAME: value` pairs; scalars are taken as their text (`3` is `"3"`), values never echoed.
fn vars_map(map: &Mapping, path: &Path) -> Result<Vars, Diagnostic> {
    let mut out = Vars::new();
    for (k, v) in &map.entries {
        let name = k.text().unwrap_or_default().into_owned();
        if !valid_var_name(&name) {
            return Err(Diagnostic::at(
                format!("invalid variable name '{name}', must match '{VAR_NAME_RULE}'"),
                path,
                k.pos,
            )
            .with_hint("Flux refuses such names; use letters, digits and `_`"));
        }
        let value = match &v.value {
            Value::Null => String::new(),
            Value::Seq(_) | Value::Map(_) => {
                return Err(Diagnostic::at(
                    format!(
                        "variable '{name}' must be a scalar, not a {}",
                        v.type_name()
                    ),
                    path,
                    v.pos,
                )
                .with_hint("quote the value as a string"));
            }
            _ => v.text().unwrap_or_default().into_owned(),
        };
        out.insert(name, value);
    }
    Ok(out)
}

fn parse_object(item: &Node, path: &Path) -> Result<VarsObject, Diagnostic> {
    let err = |msg: String, node: &Node| {
        Diagnostic::at(format!("objects: {msg}"), path, node.pos).with_hint(
            "each object has `kind` (ConfigMap or Secret), `name`, optional `namespace` and \
             `cluster`, and `data` (or a Secret's `stringData`)",
        )
    };
    let Some(map) = item.as_map() else {
        return Err(err("each entry must be a mapping".into(), item));
    };
    for (k, _) in &map.entries {
        let known = ["kind", "namespace", "name", "cluster", "data", "stringData"];
        if !k.as_str().is_some_and(|s| known.contains(&s)) {
            return Err(err(
                format!("unknown key '{}'", k.text().unwrap_or_default()),
                k,
            ));
        }
    }
    let kind = match map.get("kind").and_then(Node::as_str) {
        Some("ConfigMap") => SubstituteKind::ConfigMap,
        Some("Secret") => SubstituteKind::Secret,
        _ => return Err(err("`kind` must be ConfigMap or Secret".into(), item)),
    };
    let name = match map.get("name").and_then(Node::as_str) {
        Some(n) if !n.is_empty() => n.to_owned(),
        _ => return Err(err("`name` is required".into(), item)),
    };
    let namespace = map
        .get("namespace")
        .and_then(Node::as_str)
        .unwrap_or("flux-system")
        .to_owned();
    if kind == SubstituteKind::ConfigMap
        && let Some(sd) = map.get("stringData")
    {
        return Err(err(
            "a ConfigMap has no `stringData`; use `data`".into(),
            sd,
        ));
    }
    let data = object_data(kind, item).map_err(|m| err(format!("{name}: {m}"), item))?;
    for k in data.keys() {
        if !valid_var_name(k) {
            return Err(err(
                format!("invalid variable name '{k}', must match '{VAR_NAME_RULE}'"),
                item,
            ));
        }
    }
    Ok(VarsObject {
        kind,
        namespace,
        name,
        cluster: map
            .get("cluster")
            .and_then(|n| n.text())
            .map(|t| t.into_owned()),
        data,
    })
}

/// The vars files' view of one cluster: its objects and its plain variables.
#[derive(Clone, Default)]
pub struct ClusterVars {
    objects: BTreeMap<(SubstituteKind, String, String), Vars>,
    vars: Vars,
}

impl fmt::Debug for ClusterVars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterVars")
            .field("objects", &self.objects.keys().collect::<Vec<_>>())
            .field("vars", &keys(&self.vars))
            .finish()
    }
}

impl ClusterVars {
    /// Combines `files` (later files win) for the cluster `cluster`: global variables, then the
    /// matching `clusters` entries over them; objects by kind, namespace and name.
    pub fn new(files: &[VarsFile], cluster: &str) -> ClusterVars {
        let mut out = ClusterVars::default();
        for f in files {
            out.vars.extend(f.global.clone());
        }
        for f in files {
            for (glob, vars) in &f.clusters {
                if glob_match(glob, cluster) {
                    out.vars.extend(vars.clone());
                }
            }
        }
        for f in files {
            for o in &f.objects {
                if o.cluster.as_deref().is_none_or(|g| glob_match(g, cluster)) {
                    let key = (o.kind, o.namespace.clone(), o.name.clone());
                    out.objects.insert(key, o.data.clone());
                }
            }
        }
        out
    }

    /// Whether the files give nothing for this cluster.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.vars.is_empty()
    }

    /// The data standing in for a `substituteFrom` object of a Kustomization in `namespace`
    /// that the render does not contain: the matching object, else the plain variables (if any).
    pub fn find(&self, namespace: &str, r: &SubstituteRef) -> Option<Vars> {
        let key = (r.kind, namespace.to_owned(), r.name.clone());
        if let Some(data) = self.objects.get(&key) {
            return Some(data.clone());
        }
        (!self.vars.is_empty()).then(|| self.vars.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Pos;

    fn parse(text: &str) -> Result<VarsFile, Diagnostic> {
        VarsFile::parse(text, Path::new("vars.yaml"), &Limits::default())
    }

    fn cm(name: &str) -> SubstituteRef {
        SubstituteRef {
            kind: SubstituteKind::ConfigMap,
            name: name.into(),
            optional: false,
            pos: Pos::NONE,
        }
    }

    #[test]
    fn flat_map_applies_to_every_cluster_as_text() {
        let f = parse("REGION: eu\nREPLICAS: 3\n").unwrap();
        let v = ClusterVars::new(&[f], "any");
        let got = v.find("flux-system", &cm("missing")).unwrap();
        assert_eq!(got["REGION"], "eu");
        assert_eq!(got["REPLICAS"], "3");
    }

    #[test]
    fn clusters_override_global_and_objects_match_by_kind_namespace_name() {
        let f = parse(
            "vars: {ENV: dev, A: a}\nclusters:\n  production/*: {ENV: prod}\nobjects:\n\
             - {kind: ConfigMap, name: cv, data: {X: '1'}}\n\
             - {kind: Secret, namespace: apps, name: s, stringData: {TOKEN: t}}\n",
        )
        .unwrap();
        let prod = ClusterVars::new(std::slice::from_ref(&f), "production/eu");
        assert_eq!(
            prod.find("flux-system", &cm("other")).unwrap()["ENV"],
            "prod"
        );
        assert_eq!(prod.find("flux-system", &cm("cv")).unwrap()["X"], "1");
        let stg = ClusterVars::new(&[f], "staging/eu");
        assert_eq!(stg.find("flux-system", &cm("other")).unwrap()["ENV"], "dev");
        let secret = SubstituteRef {
            kind: SubstituteKind::Secret,
            ..cm("s")
        };
        assert_eq!(stg.find("apps", &secret).unwrap()["TOKEN"], "t");
        assert!(!format!("{stg:?}").contains("prod"));
    }

    #[test]
    fn empty_files_resolve_nothing() {
        let v = ClusterVars::new(&[parse("").unwrap()], "c");
        assert!(v.is_empty());
        assert_eq!(v.find("ns", &cm("x")), None);
    }

    #[test]
    fn errors_have_positions_and_never_values() {
        let e = parse("vars: {}\nextra: 1\n").unwrap_err();
        assert_eq!(e.location.unwrap().pos, Pos::new(2, 1));
        let e = parse("objects:\n- {kind: Secret, name: s, data: {K: 'not base64 s3cr3t'}}\n")
            .unwrap_err();
        assert!(!e.message.contains("s3cr3t"), "{}", e.message);
        let e = parse("1BAD: x\n").unwrap_err();
        assert!(e.message.contains("1BAD"));
        assert!(parse("objects:\n- {kind: Pod, name: p}\n").is_err());
    }

    #[test]
    fn globs_match_stars_and_question_marks() {
        assert!(glob_match("production/*", "production/eu-west-1"));
        assert!(glob_match("staging/eu-central-?", "staging/eu-central-1"));
        assert!(!glob_match("prod", "production"));
    }
}
