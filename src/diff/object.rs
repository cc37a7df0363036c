//! One object's change: a unified diff of the emitted (redacted) YAML, the field paths that
//! changed, and for a Secret which keys' values changed (never the values).

use std::fmt::Write as _;

use similar::TextDiff;

use super::fields::{FieldChange, field_changes};
use crate::diagnostic::Diagnostic;
use crate::kustomize::output::to_yaml_with;
use crate::redact::{Redaction, is_secret};
use crate::resource::Resource;
use crate::yaml::{Node, Value};

/// How an object changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectChange {
    /// Only in the head revision.
    Added,
    /// Only in the base revision.
    Removed,
    /// In both, different.
    Changed,
    /// Moved here from the named Kustomization of the same cluster (maybe also changed).
    Moved {
        /// The key of the Kustomization that held it in the base revision.
        from: String,
    },
}

impl ObjectChange {
    /// The lower-case word used in every output format.
    pub fn word(&self) -> &'static str {
        match self {
            ObjectChange::Added => "added",
            ObjectChange::Removed => "removed",
            ObjectChange::Changed => "changed",
            ObjectChange::Moved { .. } => "moved",
        }
    }
}

/// A Secret key whose value was added, removed or changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretKeyChange {
    /// `data` or `stringData`.
    pub field: String,
    /// The key.
    pub key: String,
    /// Added, removed or changed.
    pub change: super::Change,
}

impl SecretKeyChange {
    /// "value of key X changed" and the like: never the values.
    pub fn message(&self) -> String {
        match self.change {
            super::Change::Added => format!("key {} added ({})", self.key, self.field),
            super::Change::Removed => format!("key {} removed ({})", self.key, self.field),
            _ => format!("value of key {} changed ({})", self.key, self.field),
        }
    }
}

/// One object that differs between the revisions.
#[derive(Clone, Debug)]
pub struct ObjectDiff {
    /// `Kind[.group] namespace/name` (`Kind[.group] name` when cluster-scoped).
    pub id: String,
    /// The change.
    pub change: ObjectChange,
    /// Unified diff of the emitted YAML (redacted unless secrets are shown); empty for a move
    /// without changes.
    pub unified: String,
    /// Field paths that changed (values redacted as in `unified`).
    pub fields: Vec<FieldChange>,
    /// For a `v1` Secret: the keys whose values changed.
    pub secret_keys: Vec<SecretKeyChange>,
}

/// The id shown for an object, and the key objects are matched by across revisions (API
/// group, kind, namespace, name: a version change is a change, not a replacement).
pub fn object_id(r: &Resource) -> String {
    let id = r.id();
    let kind = if id.gvk.group.is_empty() {
        id.gvk.kind.clone()
    } else {
        format!("{}.{}", id.gvk.kind, id.gvk.group)
    };
    if id.namespace.is_empty() {
        format!("{kind} {}", id.name)
    } else {
        format!("{kind} {}/{}", id.namespace, id.name)
    }
}

/// The object's YAML as printed: redacted as `redaction` says.
pub fn emit(r: &Resource, redaction: &Redaction) -> Result<String, Diagnostic> {
    to_yaml_with(std::slice::from_ref(r), &|r| redaction.apply(r))
}

/// Compares an object across revisions (`None` on the side that lacks it); `None` when both
/// sides print alike.
pub fn compare(
    base: Option<&Resource>,
    head: Option<&Resource>,
    label: &str,
    redaction: &Redaction,
) -> Result<Option<ObjectDiff>, Diagnostic> {
    let Some(any) = head.or(base) else {
        return Ok(None);
    };
    if let (Some(b), Some(h)) = (base, head)
        && b.node == h.node
        && b.secret_paths == h.secret_paths
    {
        return Ok(None);
    }
    let before = base.map(|r| emit(r, redaction)).transpose()?;
    let after = head.map(|r| emit(r, redaction)).transpose()?;
    let secret_keys = match (base, head) {
        (Some(b), Some(h)) => secret_key_changes(&b.node, &h.node),
        _ => Vec::new(),
    };
    if before == after && secret_keys.is_empty() {
        return Ok(None);
    }
    let change = match (base, head) {
        (None, _) => ObjectChange::Added,
        (_, None) => ObjectChange::Removed,
        _ => ObjectChange::Changed,
    };
    let fields = match (base, head) {
        (Some(b), Some(h)) => field_changes(&redaction.apply(b), &redaction.apply(h)),
        _ => Vec::new(),
    };
    let unified = unified(
        before.as_deref().unwrap_or(""),
        after.as_deref().unwrap_or(""),
        label,
    );
    Ok(Some(ObjectDiff {
        id: object_id(any),
        change,
        unified,
        fields,
        secret_keys,
    }))
}

/// A unified diff (3 lines of context) between two texts, headed `a/LABEL` and `b/LABEL`.
pub fn unified(before: &str, after: &str, label: &str) -> String {
    if before == after {
        return String::new();
    }
    let diff = TextDiff::from_lines(before, after);
    let mut out = String::new();
    let _ = write!(
        out,
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header(&format!("a/{label}"), &format!("b/{label}"))
    );
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The `data`/`stringData` keys of two `v1` Secrets that were added, removed or whose values
/// changed (compared in memory; nothing is printed).
pub fn secret_key_changes(base: &Node, head: &Node) -> Vec<SecretKeyChange> {
    if !is_secret(base) || !is_secret(head) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for field in ["data", "stringData"] {
        let entries = |n: &Node| -> Vec<(String, Node)> {
            match n.get(field).map(|f| &f.value) {
                Some(Value::Map(m)) => m
                    .entries
                    .iter()
                    .map(|(k, v)| (k.text().unwrap_or_default().into_owned(), v.clone()))
                    .collect(),
                _ => Vec::new(),
            }
        };
        let (b, h) = (entries(base), entries(head));
        let find = |list: &[(String, Node)], key: &str| {
            list.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
        };
        let mut keys: Vec<&String> = b.iter().chain(h.iter()).map(|(k, _)| k).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let change = match (find(&b, key), find(&h, key)) {
                (None, Some(_)) => super::Change::Added,
                (Some(_), None) => super::Change::Removed,
                (Some(x), Some(y)) if x.text() != y.text() => super::Change::Changed,
                _ => continue,
            };
            out.push(SecretKeyChange {
                field: field.to_owned(),
                key: key.clone(),
                change,
            });
        }
    }
    out
}
