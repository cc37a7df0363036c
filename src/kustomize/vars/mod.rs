//! Deprecated `vars`: each layer binds its vars to the object their `objref` names (by original
//! id); at the end of the top-level build, after hashing and name references, `$(NAME)` is
//! expanded in the varReference fields (api/internal/accumulator/resaccumulator.go,
//! api/filters/refvar).

pub mod expand;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::kustomize::config::TransformerConfig;
use crate::kustomize::fieldspec::walk;
use crate::kustomize::kustomization::Kustomization;
use crate::resource::{Gvk, ResId, Resource};
use crate::yaml::{Mapping, Node, Pos, Value};

use expand::{VarValue, expand};

/// A parsed var.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    /// `name`.
    pub name: String,
    /// The objref's group, version and kind.
    pub gvk: Gvk,
    /// The objref's name.
    pub obj_name: String,
    /// The objref's namespace ("" = any).
    pub obj_namespace: String,
    /// `fieldref.fieldpath` (default `metadata.name`).
    pub field_path: String,
    /// The declaring file.
    pub file: PathBuf,
    /// Where it is written.
    pub pos: Pos,
}

impl Var {
    /// The var as kustomize prints it in errors (`{NAME Kind.version.group {path}}`).
    fn show(&self) -> String {
        format!("{{{} {} {{{}}}}}", self.name, self.gvk, self.field_path)
    }
}

/// Go's JSON field matching is case-insensitive.
fn get<'a>(m: &'a Mapping, key: &str) -> Option<&'a Node> {
    m.entries
        .iter()
        .rev()
        .find(|(k, _)| k.as_str().is_some_and(|s| s.eq_ignore_ascii_case(key)))
        .map(|(_, v)| v)
}

fn check_fields(m: &Mapping, allowed: &[&str], file: &Path, what: &str) -> Result<(), Diagnostic> {
    for (k, _) in &m.entries {
        let name = k.as_str().unwrap_or_default();
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            return Err(Diagnostic::at(
                format!("invalid Kustomization: json: unknown field \"{name}\""),
                file,
                k.pos,
            )
            .with_hint(format!("{what} accepts: {}", allowed.join(", "))));
        }
    }
    Ok(())
}

fn string(m: &Mapping, key: &str, file: &Path) -> Result<String, Diagnostic> {
    match get(m, key).map(|n| (&n.value, n.pos)) {
        None | Some((Value::Null, _)) => Ok(String::new()),
        Some((Value::Str(s), _)) => Ok(s.clone()),
        Some((other, pos)) => Err(Diagnostic::at(
            format!(
                "invalid Kustomization: json: cannot unmarshal {} into field `{key}` of type string",
                other.type_name()
            ),
            file,
            pos,
        )
        .with_hint("quote the value")),
    }
}

fn mapping<'a>(node: &'a Node, file: &Path, what: &str) -> Result<&'a Mapping, Diagnostic> {
    match &node.value {
        Value::Map(m) => Ok(m),
        other => Err(Diagnostic::at(
            format!("{what} must be a mapping, found a {}", other.type_name()),
            file,
            node.pos,
        )),
    }
}

/// Parses one `vars` entry.
pub fn parse_var(node: &Node, file: &Path) -> Result<Var, Diagnostic> {
    let m = mapping(node, file, "a var")?;
    check_fields(m, &["name", "objref", "fieldref"], file, "a var")?;
    let empty = Mapping::default();
    let objref = match get(m, "objref").filter(|n| !n.is_null()) {
        Some(n) => mapping(n, file, "objref")?,
        None => &empty,
    };
    check_fields(
        objref,
        &[
            "apiVersion",
            "group",
            "version",
            "kind",
            "name",
            "namespace",
        ],
        file,
        "objref",
    )?;
    let fieldref = match get(m, "fieldref").filter(|n| !n.is_null()) {
        Some(n) => mapping(n, file, "fieldref")?,
        None => &empty,
    };
    check_fields(fieldref, &["fieldpath"], file, "fieldref")?;
    let api_version = string(objref, "apiVersion", file)?;
    let kind = string(objref, "kind", file)?;
    let gvk = if api_version.is_empty() {
        Gvk {
            group: string(objref, "group", file)?,
            version: string(objref, "version", file)?,
            kind,
        }
    } else {
        match api_version.split_once('/') {
            Some((g, v)) => Gvk {
                group: g.to_owned(),
                version: v.to_owned(),
                kind,
            },
            None => Gvk {
                group: String::new(),
                version: api_version,
                kind,
            },
        }
    };
    let mut field_path = string(fieldref, "fieldpath", file)?;
    if field_path.is_empty() {
        field_path = "metadata.name".into();
    }
    Ok(Var {
        name: string(m, "name", file)?,
        gvk,
        obj_name: string(objref, "name", file)?,
        obj_namespace: string(objref, "namespace", file)?,
        field_path,
        file: file.to_owned(),
        pos: node.pos,
    })
}

/// kustomize's `MergeVars` for one layer (after its transformers): binds each of the
/// kustomization's vars to the one object whose original id its objref names, then adds the vars
/// to the layer's set (a name already present is an error).
pub fn merge_layer_vars(
    kust: &Kustomization,
    resources: &mut [Resource],
    layer_vars: &mut Vec<(PathBuf, Node)>,
) -> Result<(), Diagnostic> {
    let Some(field) = kust.field("vars") else {
        return Ok(());
    };
    let Some(items) = field.as_seq() else {
        return Err(Diagnostic::at(
            "`vars` must be a list",
            &kust.file,
            field.pos,
        ));
    };
    for item in items {
        let v = parse_var(item, &kust.file)?;
        let target = ResId {
            gvk: v.gvk.clone(),
            name: v.obj_name.clone(),
            namespace: v.obj_namespace.clone(),
        };
        let exact_ns = !v.obj_namespace.is_empty() || target.gvk.is_cluster_scoped();
        let matched: Vec<usize> = resources
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                let org = r.org_id();
                if exact_ns {
                    target.same_as(&org)
                } else {
                    org.gvk == target.gvk && org.name == target.name
                }
            })
            .map(|(i, _)| i)
            .collect();
        if matched.len() > 1 {
            return Err(Diagnostic::at(
                format!(
                    "found {} resId matches for var {} (unable to disambiguate)",
                    matched.len(),
                    v.show()
                ),
                &kust.file,
                item.pos,
            )
            .with_hint("add `namespace` to the objref so it names one object"));
        }
        if let Some(&i) = matched.first() {
            resources[i].book.ref_var_names.push(v.name.clone());
        }
        layer_vars.push((kust.file.clone(), item.clone()));
    }
    check_collisions(layer_vars)
}

/// Two vars with one name are an error (`var 'X' already encountered`).
pub fn check_collisions(vars: &[(PathBuf, Node)]) -> Result<(), Diagnostic> {
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    for (file, node) in vars {
        let v = parse_var(node, file)?;
        if seen.insert(v.name.clone(), ()).is_some() {
            return Err(Diagnostic::at(
                format!("var '{}' already encountered", v.name),
                file,
                v.pos,
            )
            .with_hint("var names must be unique across the kustomization and its bases"));
        }
    }
    Ok(())
}

/// kyaml's `GetFieldValue` path: `.`-separated, `name[3]` is `name` then index 3.
fn field_path_parts(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in crate::kustomize::replacements::path::split(path) {
        if let Some(open) = part.rfind('[')
            && part.ends_with(']')
            && let Ok(idx) = part[open + 1..part.len() - 1].parse::<usize>()
        {
            if open > 0 {
                out.push(part[..open].to_owned());
            }
            out.push(idx.to_string());
            continue;
        }
        out.push(part);
    }
    out
}

fn var_value(r: &Resource, v: &Var) -> Option<VarValue> {
    let parts = field_path_parts(&v.field_path);
    let node = crate::kustomize::replacements::path::lookup(&r.node, &parts).ok()??;
    Some(match &node.value {
        Value::Str(s) => VarValue::Str(s.clone()),
        Value::Int(i) => VarValue::Int(*i),
        Value::UInt(u) => VarValue::Str(u.to_string()),
        Value::Float(f) => VarValue::Float(*f),
        Value::Bool(b) => VarValue::Bool(*b),
        Value::Timestamp(t) => VarValue::Str(t.clone()),
        Value::Null => VarValue::Str(String::new()),
        Value::Seq(_) | Value::Map(_) => VarValue::Other,
    })
}

/// kustomize's `ResolveVars` at the end of the top-level build.
pub fn resolve(
    resources: &mut [Resource],
    vars: &[(PathBuf, Node)],
    config: &TransformerConfig,
) -> Result<(), Diagnostic> {
    check_collisions(vars)?;
    let mut parsed = vars
        .iter()
        .map(|(f, n)| parse_var(n, f))
        .collect::<Result<Vec<_>, _>>()?;
    parsed.sort_by(|a, b| a.name.cmp(&b.name));
    let mut values: BTreeMap<String, VarValue> = BTreeMap::new();
    for v in &parsed {
        let Some(r) = resources
            .iter()
            .find(|r| r.book.ref_var_names.contains(&v.name))
        else {
            return Err(Diagnostic::at(
                format!(
                    "var '{}' cannot be mapped to a field in the set of known resources",
                    v.show()
                ),
                &v.file,
                v.pos,
            )
            .with_hint("the objref must name an object of the build by apiVersion (or group/version), kind and name"));
        };
        let Some(value) = var_value(r, v) else {
            return Err(Diagnostic::at(
                format!(
                    "field specified in var '{}' not found in corresponding resource",
                    v.show()
                ),
                &v.file,
                v.pos,
            )
            .with_hint(format!("{} has no field {}", r.id(), v.field_path)));
        };
        values.insert(v.name.clone(), value);
    }
    if values.is_empty() {
        return Ok(());
    }
    let mut lookup = |name: &str| values.get(name).cloned();
    for r in resources.iter_mut() {
        let gvk = r.id().gvk;
        for fs in config.var_reference.iter().filter(|fs| fs.selects(&gvk)) {
            let origin = r.origin.clone();
            walk(&mut r.node, fs, None, &mut |leaf| {
                expand_leaf(leaf, &mut lookup)
            })
            .map_err(|e| {
                Diagnostic::at(format!("var expansion: {e}"), &*origin.file, origin.pos)
                    .with_hint("varReference fields must hold strings or lists of strings")
            })?;
        }
    }
    Ok(())
}

/// refvar's `set`: strings, string values of a map, and lists of strings are expanded.
fn expand_leaf(
    leaf: &mut Node,
    lookup: &mut dyn FnMut(&str) -> Option<VarValue>,
) -> Result<(), String> {
    match &mut leaf.value {
        Value::Str(s) => {
            let v = expand(s, lookup);
            leaf.value = v;
        }
        Value::Map(m) => {
            for (k, v) in m.entries.iter_mut() {
                if k.as_str().is_none() {
                    return Err(format!("invalid map key: {:?}", k.value));
                }
                if let Value::Str(s) = &v.value {
                    v.value = expand(s, lookup);
                } else {
                    expand_untagged(v, lookup);
                }
            }
        }
        Value::Seq(items) => {
            for item in items.iter_mut() {
                if expand_untagged(item, lookup) {
                    continue;
                }
                let Value::Str(s) = &item.value else {
                    return Err("invalid value type expect a string".into());
                };
                item.value = expand(s, lookup);
            }
        }
        _ => {
            expand_untagged(leaf, lookup);
        }
    }
    Ok(())
}

/// An untagged scalar a replacement wrote counts as a string: its text is expanded.
fn expand_untagged(n: &mut Node, lookup: &mut dyn FnMut(&str) -> Option<VarValue>) -> bool {
    if n.pos != crate::kustomize::replacements::value::UNTAGGED
        || matches!(n.value, Value::Null | Value::Map(_) | Value::Seq(_))
    {
        return false;
    }
    let text = n.text().map(|t| t.into_owned()).unwrap_or_default();
    n.value = expand(&text, lookup);
    n.raw = None;
    n.pos = crate::yaml::Pos::NONE;
    true
}

#[cfg(test)]
mod tests;
