//! `crds`: OpenAPI definition documents turned into field specs
//! (api/internal/accumulator/loadconfigfromcrds.go).

use crate::kustomize::config::{NameBackRef, TransformerConfig};
use crate::kustomize::fieldspec::FieldSpec;
use crate::yaml::{Mapping, Node, Value};

const X_ANNOTATION: &str = "x-kubernetes-annotation";
const X_LABEL_SELECTOR: &str = "x-kubernetes-label-selector";
const X_IDENTITY: &str = "x-kubernetes-identity";
const X_VERSION: &str = "x-kubernetes-object-ref-api-version";
const X_KIND: &str = "x-kubernetes-object-ref-kind";
const X_NAME_KEY: &str = "x-kubernetes-object-ref-name-key";

/// Deepest `$ref` chain followed (kustomize recurses without a bound).
const MAX_DEPTH: usize = 64;

/// Builds the configuration of one definitions document (a mapping of type name to
/// `{Schema, Dependencies}`): every definition with `kind`, `apiVersion` and `metadata`
/// properties contributes the fields its properties tag.
pub fn config_from_definitions(root: &Node) -> Result<TransformerConfig, String> {
    let defs = match &root.value {
        Value::Null => return Ok(TransformerConfig::default()),
        Value::Map(m) => m,
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type map[string]common.OpenAPIDefinition",
                json_type(other)
            ));
        }
    };
    let mut config = TransformerConfig::default();
    for (name, _) in &defs.entries {
        let Some(name) = name.as_str() else { continue };
        let Some(props) = properties(defs, name) else {
            continue;
        };
        if !["kind", "apiVersion", "metadata"]
            .iter()
            .all(|p| props.get(p).is_some())
        {
            continue;
        }
        let kind = name.rsplit('.').next().unwrap_or(name).to_owned();
        load(&mut config, &kind, defs, name, &[], 0);
    }
    Ok(config)
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Seq(_) => "array",
        Value::Int(_) | Value::UInt(_) | Value::Float(_) => "number",
        Value::Bool(_) => "bool",
        _ => "string",
    }
}

/// A key looked up as Go's JSON decoder does (case-insensitively).
fn get_ci<'a>(map: &'a Mapping, key: &str) -> Option<&'a Node> {
    map.get(key).or_else(|| {
        map.entries
            .iter()
            .rev()
            .find(|(k, _)| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(key)))
            .map(|(_, v)| v)
    })
}

/// The `Schema.properties` of a named definition.
fn properties<'a>(defs: &'a Mapping, name: &str) -> Option<&'a Mapping> {
    let def = defs.get(name)?.as_map()?;
    let schema = get_ci(def, "Schema")?.as_map()?;
    schema.get("properties")?.as_map()
}

/// A string-valued vendor extension.
fn ext<'a>(prop: &'a Mapping, key: &str) -> Option<&'a str> {
    prop.get(key).and_then(Node::as_str)
}

fn spec(kind: &str, path: &[&str]) -> FieldSpec {
    FieldSpec {
        kind: kind.to_owned(),
        path: path.join("/"),
        ..Default::default()
    }
}

fn push(into: &mut Vec<FieldSpec>, fs: FieldSpec) {
    if !into.contains(&fs) {
        into.push(fs);
    }
}

fn load(
    config: &mut TransformerConfig,
    kind: &str,
    defs: &Mapping,
    type_name: &str,
    path: &[&str],
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some(props) = properties(defs, type_name) else {
        return;
    };
    for (prop_name, prop) in &props.entries {
        let (Some(prop_name), Some(prop)) = (prop_name.as_str(), prop.as_map()) else {
            continue;
        };
        let mut here: Vec<&str> = path.to_vec();
        here.push(prop_name);
        if ext(prop, X_ANNOTATION).is_some() {
            push(&mut config.common_annotations, spec(kind, &here));
        }
        if ext(prop, X_LABEL_SELECTOR).is_some() {
            push(&mut config.common_labels, spec(kind, &here));
        }
        if ext(prop, X_IDENTITY).is_some() {
            push(&mut config.name_prefix, spec(kind, &here));
        }
        if let (Some(version), Some(ref_kind)) = (ext(prop, X_VERSION), ext(prop, X_KIND)) {
            let name_key = ext(prop, X_NAME_KEY).unwrap_or("name");
            let mut referrer = here.clone();
            referrer.push(name_key);
            config.merge(TransformerConfig {
                name_reference: vec![NameBackRef {
                    group: String::new(),
                    version: version.to_owned(),
                    kind: ref_kind.to_owned(),
                    referrers: vec![spec(kind, &referrer)],
                }],
                ..TransformerConfig::default()
            });
        }
        if let Some(reference) = prop.get("$ref").and_then(Node::as_str) {
            load(config, kind, defs, reference, &here, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_stream};

    #[test]
    fn tagged_properties_become_field_specs() {
        let src = r#"{
  "example.com/v1.MyKind": {"Schema": {"properties": {
    "apiVersion": {}, "kind": {}, "metadata": {},
    "spec": {"$ref": "example.com/v1.MyKindSpec"}}}},
  "example.com/v1.MyKindSpec": {"Schema": {"properties": {
    "selectorLabels": {"x-kubernetes-label-selector": ""},
    "notes": {"x-kubernetes-annotation": ""},
    "target": {"x-kubernetes-identity": ""},
    "secretRef": {"x-kubernetes-object-ref-api-version": "v1",
                  "x-kubernetes-object-ref-kind": "Secret"}}}}
}"#;
        let root = parse_stream(src, &Limits::default())
            .unwrap()
            .remove(0)
            .root;
        let c = config_from_definitions(&root).unwrap();
        assert_eq!(
            c.common_labels,
            vec![spec("MyKind", &["spec", "selectorLabels"])]
        );
        assert_eq!(
            c.common_annotations,
            vec![spec("MyKind", &["spec", "notes"])]
        );
        assert_eq!(c.name_prefix, vec![spec("MyKind", &["spec", "target"])]);
        assert_eq!(c.name_reference[0].kind, "Secret");
        assert_eq!(
            c.name_reference[0].referrers,
            vec![spec("MyKind", &["spec", "secretRef", "name"])]
        );
    }
}
