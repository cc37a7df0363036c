//! The variables of a substitution: `substituteFrom` objects in order, then the inline
//! `substitute` map (fluxcd/pkg `kustomize/kustomize_varsub.go` `LoadVariables`).

use std::collections::BTreeMap;

use base64::Engine as _;

use super::{PostBuild, SubstituteKind, SubstituteRef};
use crate::diagnostic::Diagnostic;
use crate::yaml::{Node, Value};

/// The var-name rule Flux checks before substituting (`varsubRegex`; `[:alpha:]` is ASCII).
pub const VAR_NAME_RULE: &str = "^[_[:alpha:]][_[:alpha:][:digit:]]*$";

/// Whether `name` is a valid variable name for Flux.
pub fn valid_var_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

/// Builds the variables of `pb`. `lookup` returns the data of a referenced object (key to
/// value; see [`object_data`]), or `None` when the object does not exist. Later
/// `substituteFrom` entries override earlier ones, and the inline `substitute` map overrides
/// them all; every `\n` is removed from every value. A missing object is an error unless the
/// reference is `optional`.
pub fn resolve_vars(
    pb: &PostBuild,
    lookup: &dyn Fn(&SubstituteRef) -> Option<BTreeMap<String, String>>,
) -> Result<BTreeMap<String, String>, Diagnostic> {
    let mut vars = BTreeMap::new();
    for r in &pb.substitute_from {
        match lookup(r) {
            Some(data) => {
                for (k, v) in data {
                    vars.insert(k, v.replace('\n', ""));
                }
            }
            None if r.optional => {}
            None => {
                let message = format!(
                    "substitute from '{}/{}' error: {} \"{}\" not found",
                    r.kind.as_str(),
                    r.name,
                    r.kind.plural(),
                    r.name
                );
                let d = match &pb.file {
                    Some(f) => Diagnostic::at(message, f, r.pos),
                    None => Diagnostic::new(message),
                };
                return Err(d.with_hint(
                    "the object must exist in the Kustomization's namespace: render it in the \
                     fleet, give its data in a vars file (`--vars`, under `objects:`), or mark \
                     the reference `optional: true`",
                ));
            }
        }
    }
    for (k, v) in &pb.substitute {
        vars.insert(k.clone(), v.replace('\n', ""));
    }
    Ok(vars)
}

/// The data of a ConfigMap (`data`) or Secret (`data` base64-decoded, then `stringData`, which
/// the API server merges over `data`) as variables. Non-string values are errors, as the API
/// server would reject them; an error never includes a value.
pub fn object_data(
    kind: SubstituteKind,
    object: &Node,
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let entries = |field: &str| -> Result<Vec<(String, &Node)>, String> {
        match object.get(field).map(|n| &n.value) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Map(m)) => m
                .entries
                .iter()
                .map(|(k, v)| match k.as_str() {
                    Some(k) => Ok((k.to_owned(), v)),
                    None => Err(format!("{field} has a non-string key")),
                })
                .collect(),
            Some(_) => Err(format!("{field} is not a mapping")),
        }
    };
    let text = |field: &str, key: &str, v: &Node| -> Result<String, String> {
        match &v.value {
            Value::Str(s) => Ok(s.clone()),
            Value::Null => Ok(String::new()),
            _ => Err(format!("{field}.{key} is not a string")),
        }
    };
    match kind {
        SubstituteKind::ConfigMap => {
            for (k, v) in entries("data")? {
                let t = text("data", &k, v)?;
                out.insert(k, t);
            }
        }
        SubstituteKind::Secret => {
            for (k, v) in entries("data")? {
                let t = text("data", &k, v)?;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(t.trim())
                    .map_err(|_| format!("data.{k} is not valid base64"))?;
                out.insert(k, String::from_utf8_lossy(&bytes).into_owned());
            }
            for (k, v) in entries("stringData")? {
                let t = text("stringData", &k, v)?;
                out.insert(k, t);
            }
        }
    }
    Ok(out)
}
