//! Reading a transformations annotation already on an object (kustomize's `GetTransformations`:
//! `sigs.k8s.io/yaml` into `[]*Origin`, unknown fields ignored, field names matched
//! case-insensitively as `encoding/json` does).

use crate::yaml::{Limits, Mapping, Node, Value, parse_stream};

use super::Transformation;

/// The origins listed in `text`; an empty or null document is an empty list.
pub fn parse(text: &str) -> Result<Vec<Transformation>, String> {
    let docs = parse_stream(text, &Limits::default()).map_err(|e| e.to_string())?;
    let Some(root) = docs.into_iter().next().map(|d| d.root) else {
        return Ok(Vec::new());
    };
    match root.value {
        Value::Null => Ok(Vec::new()),
        Value::Seq(items) => items.iter().map(origin).collect(),
        other => Err(format!(
            "cannot unmarshal {} into a list of origins",
            other.type_name()
        )),
    }
}

fn origin(item: &Node) -> Result<Transformation, String> {
    let map = match &item.value {
        Value::Map(m) => m,
        Value::Null => return Err("a null entry is not supported".to_owned()),
        other => {
            return Err(format!(
                "cannot unmarshal {} into an origin",
                other.type_name()
            ));
        }
    };
    let mut t = Transformation {
        path: string(map, "path")?,
        repo: string(map, "repo")?,
        git_ref: string(map, "ref")?,
        configured_in: string(map, "configuredIn")?,
        ..Transformation::default()
    };
    match get(map, "configuredBy").map(|n| &n.value) {
        None | Some(Value::Null) => {}
        Some(Value::Map(by)) => {
            t.api_version = string(by, "apiVersion")?;
            t.kind = string(by, "kind")?;
            t.name = string(by, "name")?;
            t.namespace = string(by, "namespace")?;
        }
        Some(other) => {
            return Err(format!(
                "cannot unmarshal {} into configuredBy",
                other.type_name()
            ));
        }
    }
    Ok(t)
}

/// A field by name, an exact match first, then ignoring ASCII case.
fn get<'a>(map: &'a Mapping, key: &str) -> Option<&'a Node> {
    map.get(key).or_else(|| {
        map.entries
            .iter()
            .find(|(k, _)| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(key)))
            .map(|(_, v)| v)
    })
}

fn string(map: &Mapping, key: &str) -> Result<String, String> {
    match get(map, key).map(|n| &n.value) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::Str(s)) => Ok(s.clone()),
        Some(other) => Err(format!(
            "cannot unmarshal {} into the string field {key}",
            other.type_name()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::annotation_text;
    use super::*;

    #[test]
    fn flow_style_lists_are_read_and_rewritten_in_kustomize_style() {
        let list = parse(
            "- configuredIn: a.yaml\n  configuredBy: {apiVersion: builtin, kind: X, extra: 1}\n- {path: p.yaml, REPO: r}\n",
        )
        .unwrap();
        assert_eq!(
            annotation_text(&list),
            "- configuredIn: a.yaml\n  configuredBy:\n    apiVersion: builtin\n    kind: X\n- path: p.yaml\n  repo: r\n"
        );
        assert_eq!(parse("").unwrap(), Vec::new());
        assert_eq!(parse("null").unwrap(), Vec::new());
        assert_eq!(annotation_text(&parse("- {}").unwrap()), "- {}\n");
    }

    #[test]
    fn malformed_lists_are_errors() {
        assert!(parse("a: b").is_err());
        assert!(parse("- 1").is_err());
        assert!(parse("- path: [x]").is_err());
        assert!(parse("- configuredBy: x").is_err());
        assert!(parse("- null").is_err());
        assert!(parse("- [").is_err());
    }
}
