//! Flux's post-build variable substitution over the rendered resources of one Kustomization
//! (fluxcd/pkg `kustomize/kustomize_varsub.go` `SubstituteVariables`; spec §10.6).
//!
//! Per resource: skipped when labelled or annotated `kustomize.toolkit.fluxcd.io/substitute:
//! disabled`; otherwise serialised as Flux does (`res.AsYAML()`: sorted keys, kustomize's
//! quoting, which is [`crate::yaml::emit::write_document`]), expanded with
//! [`crate::flux::envsubst`], and read back with go-yaml v2's typing (so `${PORT}` set to
//! `8080` becomes a number, even if the source quoted `"${PORT}"`).

mod retype;
mod vars;

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::flux::envsubst::{self, ErrorKind};
use crate::resource::Resource;
use crate::yaml::emit::write_document;
use crate::yaml::{Limits, Node, Pos, Value, parse_stream};

pub use vars::{VAR_NAME_RULE, object_data, resolve_vars, valid_var_name};

/// The label or annotation that turns substitution off for one object.
pub const SUBSTITUTE_KEY: &str = "kustomize.toolkit.fluxcd.io/substitute";

/// Strict mode of current Flux: the kustomize-controller feature gate
/// `StrictPostBuildSubstitutions` defaults to on from v1.9.0 (off up to v1.8.x).
pub const STRICT_DEFAULT: bool = true;

/// The kind of a `substituteFrom` object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SubstituteKind {
    /// A ConfigMap (`data`).
    ConfigMap,
    /// A Secret (`data`, base64).
    Secret,
}

impl SubstituteKind {
    /// `ConfigMap` or `Secret`.
    pub fn as_str(self) -> &'static str {
        match self {
            SubstituteKind::ConfigMap => "ConfigMap",
            SubstituteKind::Secret => "Secret",
        }
    }

    /// The API resource name, as in Kubernetes' not-found errors.
    pub fn plural(self) -> &'static str {
        match self {
            SubstituteKind::ConfigMap => "configmaps",
            SubstituteKind::Secret => "secrets",
        }
    }
}

/// One `spec.postBuild.substituteFrom` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubstituteRef {
    /// ConfigMap or Secret.
    pub kind: SubstituteKind,
    /// The object's name, in the Kustomization's namespace.
    pub name: String,
    /// Tolerate a missing object (as if it were empty).
    pub optional: bool,
    /// Where the entry is in the Kustomization's file.
    pub pos: Pos,
}

/// `spec.postBuild.substituteStrategy` (kustomize-controller v1.9+).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SubstituteStrategy {
    /// Substitute only when there is at least one variable (the default).
    #[default]
    WithVariables,
    /// Substitute even without variables, so `${x:=default}` expands.
    Always,
}

/// `spec.postBuild` of a Flux Kustomization.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostBuild {
    /// `substitute`: inline variables (they win over `substituteFrom`).
    pub substitute: BTreeMap<String, String>,
    /// `substituteFrom`, in order (later entries win).
    pub substitute_from: Vec<SubstituteRef>,
    /// `substituteStrategy`.
    pub strategy: SubstituteStrategy,
    /// The Kustomization's file, for diagnostics.
    pub file: Option<PathBuf>,
    /// Where `postBuild` is in that file.
    pub pos: Pos,
}

/// Reads `spec.postBuild` from a Flux Kustomization's `spec` node; `None` when absent or null
/// (then Flux does no substitution at all).
pub fn parse_post_build(spec: &Node, file: &Path) -> Result<Option<PostBuild>, Diagnostic> {
    let Some(node) = spec.get("postBuild").filter(|n| !n.is_null()) else {
        return Ok(None);
    };
    let err = |msg: String, pos: Pos| Diagnostic::at(msg, file, pos);
    let Some(map) = node.as_map() else {
        return Err(err(
            format!(
                "spec.postBuild must be a mapping, not a {}",
                node.type_name()
            ),
            node.pos,
        ));
    };
    let mut pb = PostBuild {
        file: Some(file.to_path_buf()),
        pos: node.pos,
        ..PostBuild::default()
    };
    if let Some(sub) = map.get("substitute").filter(|n| !n.is_null()) {
        let Some(m) = sub.as_map() else {
            return Err(err(
                "spec.postBuild.substitute must be a mapping".into(),
                sub.pos,
            ));
        };
        for (k, v) in &m.entries {
            let key = k.text().map(|t| t.into_owned()).unwrap_or_default();
            let Value::Str(value) = &v.value else {
                return Err(err(
                    format!(
                        "spec.postBuild.substitute.{key} must be a string, not a {}",
                        v.type_name()
                    ),
                    v.pos,
                )
                .with_hint("quote the value: Flux's API accepts only strings here"));
            };
            pb.substitute.insert(key, value.clone());
        }
    }
    if let Some(from) = map.get("substituteFrom").filter(|n| !n.is_null()) {
        let Some(items) = from.as_seq() else {
            return Err(err(
                "spec.postBuild.substituteFrom must be a list".into(),
                from.pos,
            ));
        };
        for item in items {
            pb.substitute_from.push(parse_ref(item, file)?);
        }
    }
    if let Some(s) = map.get("substituteStrategy").filter(|n| !n.is_null()) {
        pb.strategy = match s.as_str() {
            Some("WithVariables") => SubstituteStrategy::WithVariables,
            Some("Always") => SubstituteStrategy::Always,
            _ => {
                return Err(err(
                    "spec.postBuild.substituteStrategy must be `WithVariables` or `Always`".into(),
                    s.pos,
                ));
            }
        };
    }
    Ok(Some(pb))
}

fn parse_ref(item: &Node, file: &Path) -> Result<SubstituteRef, Diagnostic> {
    let err = |msg: &str| {
        Diagnostic::at(
            format!("spec.postBuild.substituteFrom: {msg}"),
            file,
            item.pos,
        )
    };
    if item.as_map().is_none() {
        return Err(err("each entry must be a mapping with `kind` and `name`"));
    }
    let kind = match item.get("kind").and_then(Node::as_str) {
        Some("ConfigMap") => SubstituteKind::ConfigMap,
        Some("Secret") => SubstituteKind::Secret,
        _ => return Err(err("`kind` must be `ConfigMap` or `Secret`")),
    };
    let name = match item.get("name").and_then(Node::as_str) {
        Some(n) if !n.is_empty() => n.to_owned(),
        _ => return Err(err("`name` is required")),
    };
    let optional = match item.get("optional").map(|n| &n.value) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(err("`optional` must be true or false")),
    };
    Ok(SubstituteRef {
        kind,
        name,
        optional,
        pos: item.pos,
    })
}

/// Whether an object opts out of substitution (label or annotation, exact value `disabled`).
pub fn substitution_disabled(res: &Resource) -> bool {
    res.label(SUBSTITUTE_KEY) == Some("disabled")
        || res
            .annotations()
            .iter()
            .any(|(k, v)| *k == SUBSTITUTE_KEY && *v == "disabled")
}

/// `Kind/namespace/name` (or `Kind/name` when cluster-scoped) for messages.
fn object_name(res: &Resource) -> String {
    match res.namespace() {
        "" => format!("{}/{}", res.kind(), res.name()),
        ns => format!("{}/{}/{}", res.kind(), ns, res.name()),
    }
}

/// A failure at the object; a Secret's file is never quoted in reports.
fn failure(res: &Resource, message: String) -> Diagnostic {
    let d = Diagnostic::at(
        format!("post build failed for '{}': {message}", object_name(res)),
        res.origin.file.to_path_buf(),
        res.origin.pos,
    );
    if res.kind() == "Secret" {
        d.sensitive()
    } else {
        d
    }
}

/// Substitutes `vars` into every resource, in place, as the kustomize-controller does after
/// the build; stops at the first failure (Flux fails the whole Kustomization). Nothing runs
/// when `vars` is empty and the strategy is [`SubstituteStrategy::WithVariables`]. Objects
/// keep their origin; nodes keep their source positions where the structure did not change.
/// Errors name the object and the variable, never a value.
pub fn apply(
    resources: &mut [Resource],
    vars: &BTreeMap<String, String>,
    strict: bool,
    strategy: SubstituteStrategy,
) -> Result<(), Diagnostic> {
    if vars.is_empty() && strategy == SubstituteStrategy::WithVariables {
        return Ok(());
    }
    let bad_name = vars.keys().find(|k| !valid_var_name(k));
    let lookup = |name: &str| vars.get(name).cloned();
    for res in resources.iter_mut() {
        if substitution_disabled(res) {
            continue;
        }
        if let Some(name) = bad_name {
            return Err(failure(
                res,
                format!("envsubst error: '{name}' var name is invalid, must match '{VAR_NAME_RULE}'"),
            )
            .with_hint("variable names are letters, digits and `_`, not starting with a digit; rename the key"));
        }
        substitute_one(res, &lookup, strict)?;
    }
    Ok(())
}

/// The whole post-build step of one Kustomization: [`resolve_vars`] then [`apply`] with the
/// Kustomization's `substituteStrategy`. `strict` is the controller's feature gate
/// ([`STRICT_DEFAULT`] for current Flux).
pub fn run(
    resources: &mut [Resource],
    pb: &PostBuild,
    lookup: &dyn Fn(&SubstituteRef) -> Option<BTreeMap<String, String>>,
    strict: bool,
) -> Result<(), Diagnostic> {
    let vars = resolve_vars(pb, lookup)?;
    apply(resources, &vars, strict, pb.strategy)
}

/// Whether any string (key or value) in the tree contains `$`.
fn mentions_dollar(node: &Node) -> bool {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Str(s) if s.contains('$') => return true,
            Value::Seq(items) => stack.extend(items),
            Value::Map(m) => {
                for (k, v) in &m.entries {
                    if k.as_str().is_some_and(|k| k.contains('$')) {
                        return true;
                    }
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    false
}

fn substitute_one(
    res: &mut Resource,
    lookup: &dyn Fn(&str) -> Option<String>,
    strict: bool,
) -> Result<(), Diagnostic> {
    // Without a `$` anywhere, the serialised text has none either, envsubst returns it unchanged
    // and the object is kept as it is: skip the serialisation (most objects of a fleet).
    if !mentions_dollar(&res.node) {
        return Ok(());
    }
    let mut text = String::new();
    write_document(&res.node, &mut text)
        .map_err(|e| failure(res, format!("cannot serialise the object: {e}")))?;
    let out = envsubst::substitute(&text, lookup, strict).map_err(|e| {
        let d = failure(
            res,
            format!(
                "envsubst error: variable substitution failed: {}",
                e.message()
            ),
        );
        match &e.kind {
            ErrorKind::VariableNotSet(name) => d.with_hint(format!(
                "define `{name}` in spec.postBuild.substitute or a substituteFrom object, give it \
                 a default (`${{{name}:=value}}`), or mark the object \
                 `{SUBSTITUTE_KEY}: disabled`"
            )),
            _ => d.with_hint(format!(
                "a `${{` that is not a variable must be escaped as `$${{`, or the object marked \
                 `{SUBSTITUTE_KEY}: disabled` (near line {} of the object as Flux serialises it)",
                line_of(&text, e.offset)
            )),
        }
    })?;
    if out == text {
        return Ok(());
    }
    let mut docs = parse_stream(&out, &Limits::default()).map_err(|e| {
        failure(
            res,
            format!(
                "YAMLToJSON: {} (line {} of the object after substitution; a value probably \
                 breaks the YAML)",
                e.message, e.pos.line
            ),
        )
    })?;
    let root = match docs.first_mut() {
        Some(doc) if doc.root.as_map().is_some() => {
            std::mem::replace(&mut doc.root, Node::new(Value::Null))
        }
        _ => {
            return Err(failure(
                res,
                "UnmarshalJSON: the object is not a mapping after substitution".into(),
            ));
        }
    };
    let mut root = root;
    retype::retype(&mut root, &out);
    retype::carry_positions(&mut root, &res.node);
    res.node = root;
    Ok(())
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
