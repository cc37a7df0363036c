//! kustomize reads the kustomization file with YAML 1.1 rules (sigs.k8s.io/yaml, go-yaml v2):
//! plain `y`, `yes`, `on`, `n`, `no`, `off` (and their capitalised forms) are booleans there, so
//! a transformer string field written that way is a type error in kustomize although it is a
//! string in the YAML 1.2 reading fleetcheck parses with. This check finds such values by
//! looking at the source text (quoted scalars are strings in both).

use super::args::{err_at, get};
use crate::diagnostic::Diagnostic;
use crate::kustomize::kustomization::Kustomization;
use crate::yaml::{Node, Value};

/// The go-yaml v2 boolean spellings that go-yaml v3 reads as strings.
const V2_BOOLS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
    "OFF",
];

/// Checks the string-typed values of the transformer fields in `text` (the kustomization file).
pub fn check(kust: &Kustomization, text: &str) -> Result<(), Diagnostic> {
    let lines: Vec<&str> = text.lines().collect();
    let check_one = |node: &Node, field: &str| -> Result<(), Diagnostic> {
        let Value::Str(s) = &node.value else {
            return Ok(());
        };
        if !V2_BOOLS.contains(&s.as_str()) || is_quoted(&lines, node) {
            return Ok(());
        }
        Err(err_at(
            kust,
            node.pos,
            format!(
                "invalid Kustomization: json: cannot unmarshal bool into Go struct field {field} of type string"
            ),
        )
        .with_hint(format!(
            "kustomize reads a plain `{s}` in the kustomization as a YAML 1.1 boolean; quote it: \"{s}\""
        )))
    };
    let map_values = |node: &Node, field: &str| -> Result<(), Diagnostic> {
        if let Some(m) = node.as_map() {
            for (_, v) in &m.entries {
                check_one(v, field)?;
            }
        }
        Ok(())
    };
    let entries = |name: &str| kust.field(name).and_then(Node::as_seq).unwrap_or(&[]);
    for name in ["namespace", "namePrefix", "nameSuffix"] {
        if let Some(n) = kust.field(name) {
            check_one(n, &format!("Kustomization.{name}"))?;
        }
    }
    for name in ["commonLabels", "commonAnnotations"] {
        if let Some(n) = kust.field(name) {
            map_values(n, &format!("Kustomization.{name}"))?;
        }
    }
    for item in entries("labels") {
        if let Some(pairs) = item.as_map().and_then(|m| get(m, "pairs")) {
            map_values(pairs, "Label.labels.pairs")?;
        }
    }
    for field in ["images", "imageTags"] {
        for item in entries(field) {
            if let Some(m) = item.as_map() {
                for key in ["name", "newName", "newTag", "digest", "tagSuffix"] {
                    if let Some(v) = get(m, key) {
                        check_one(v, &format!("Image.{field}.{key}"))?;
                    }
                }
            }
        }
    }
    for item in entries("replicas") {
        if let Some(v) = item.as_map().and_then(|m| get(m, "name")) {
            check_one(v, "Replica.replicas.name")?;
        }
    }
    for item in entries("vars") {
        if let Some(v) = item.as_map().and_then(|m| get(m, "name")) {
            check_one(v, "Var.vars.name")?;
        }
    }
    Ok(())
}

/// Whether the scalar starting at the node's position is quoted (or a block scalar).
fn is_quoted(lines: &[&str], node: &Node) -> bool {
    let (line, col) = (node.pos.line as usize, node.pos.col as usize);
    if line == 0 || col == 0 {
        return true;
    }
    lines
        .get(line - 1)
        .and_then(|l| l.chars().nth(col - 1))
        .is_none_or(|c| matches!(c, '"' | '\'' | '|' | '>'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_stream};
    use std::path::Path;

    fn run(text: &str) -> Result<(), Diagnostic> {
        let root = parse_stream(text, &Limits::default())
            .unwrap()
            .remove(0)
            .root;
        let k = Kustomization::from_node(&root, Path::new("k.yaml")).unwrap();
        check(&k, text)
    }

    #[test]
    fn plain_yaml11_booleans_are_refused() {
        let e = run("namespace: n\nresources: [a]\n").unwrap_err();
        assert!(e.message.contains("Kustomization.namespace of type string"));
        let e = run("commonLabels: {a: yes}\nresources: [a]\n").unwrap_err();
        assert!(e.message.contains("cannot unmarshal bool"));
        let e = run("labels:\n- pairs:\n    x: On\nresources: [a]\n").unwrap_err();
        assert!(e.message.contains("Label.labels.pairs"));
    }

    #[test]
    fn quoted_values_are_strings() {
        run("namespace: \"n\"\ncommonLabels: {a: 'yes'}\nresources: [a]\n").unwrap();
        run("commonAnnotations:\n  a: |\n    on\nresources: [a]\n").unwrap();
        run("namespace: nn\nresources: [a]\n").unwrap();
    }
}
