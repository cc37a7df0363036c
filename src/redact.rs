//! Masking of secret values in output: what `render` (and every command that prints objects)
//! shows instead of a Secret's data or a value decrypted from SOPS, unless the user asks for
//! the secrets with `--show-secrets`.
//!
//! A masked value reads `<redacted sha256:0123456789ab>`: the digest is the first 12 hex digits
//! of SHA-256 over a domain prefix and the value, so two renders (or the two sides of a diff)
//! show whether a value changed without showing it. Set `FLEETCHECK_REDACT_KEY` to a CI secret
//! to key the digest, so that a weak value cannot be guessed from a published render.

use std::borrow::Cow;
use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use crate::resource::Resource;
use crate::yaml::{Node, Value};

/// Environment variable whose value keys the digests of masked values.
pub const KEY_ENV: &str = "FLEETCHECK_REDACT_KEY";

/// How secret values are printed.
#[derive(Clone, Debug)]
pub enum Redaction {
    /// Values are printed as they are (`--show-secrets`).
    Show,
    /// Values are replaced by a mask and a digest keyed with the given bytes (maybe empty).
    Mask {
        /// Key mixed into every digest.
        key: Vec<u8>,
    },
}

impl Redaction {
    /// Masking, keyed from `FLEETCHECK_REDACT_KEY` when it is set.
    pub fn from_env() -> Redaction {
        Redaction::Mask {
            key: std::env::var(KEY_ENV).unwrap_or_default().into_bytes(),
        }
    }

    /// `Show` when `show_secrets`, else masking as [`Redaction::from_env`].
    pub fn choose(show_secrets: bool) -> Redaction {
        if show_secrets {
            Redaction::Show
        } else {
            Redaction::from_env()
        }
    }

    /// The mask that stands for `value`.
    pub fn mask(key: &[u8], value: &[u8]) -> String {
        let mut h = Sha256::new();
        h.update(b"fleetcheck/redact/v1\0");
        h.update((key.len() as u64).to_be_bytes());
        h.update(key);
        h.update(value);
        let digest = h.finalize();
        let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        format!("<redacted sha256:{hex}>")
    }

    /// The object as it may be printed: a `v1` Secret's `data` and `stringData` values and every
    /// value at one of the resource's `secret_paths` are masked. Borrowed when nothing changes.
    pub fn apply<'r>(&self, r: &'r Resource) -> Cow<'r, Node> {
        let Redaction::Mask { key } = self else {
            return Cow::Borrowed(&r.node);
        };
        let secret = is_secret(&r.node);
        if !secret && r.secret_paths.is_empty() {
            return Cow::Borrowed(&r.node);
        }
        let mut node = r.node.clone();
        if secret {
            for field in ["data", "stringData"] {
                if let Some(Value::Map(m)) = node
                    .as_map_mut()
                    .and_then(|m| m.get_mut(field))
                    .map(|n| &mut n.value)
                {
                    for (_, v) in &mut m.entries {
                        mask_leaves(v, key);
                    }
                }
            }
        }
        if !r.secret_paths.is_empty() {
            let paths: BTreeSet<&[String]> = r.secret_paths.iter().map(Vec::as_slice).collect();
            mask_paths(&mut node, &mut Vec::new(), &paths, key);
        }
        Cow::Owned(node)
    }
}

/// Whether `node` is a core `v1` Secret.
pub fn is_secret(node: &Node) -> bool {
    node.get("kind").and_then(Node::as_str) == Some("Secret")
        && node.get("apiVersion").and_then(Node::as_str) == Some("v1")
}

fn mask_leaves(node: &mut Node, key: &[u8]) {
    match &mut node.value {
        Value::Null => {}
        Value::Seq(items) => items.iter_mut().for_each(|i| mask_leaves(i, key)),
        Value::Map(m) => m.entries.iter_mut().for_each(|(_, v)| mask_leaves(v, key)),
        _ => {
            let text = node.text().unwrap_or_default().into_owned();
            let pos = node.pos;
            *node = Node::at(Value::Str(Redaction::mask(key, text.as_bytes())), pos);
        }
    }
}

/// Masks every value whose key path (mapping keys from the root; list items take their list's
/// path, as SOPS paths do) is in `paths`.
fn mask_paths(node: &mut Node, at: &mut Vec<String>, paths: &BTreeSet<&[String]>, key: &[u8]) {
    match &mut node.value {
        Value::Map(m) => {
            for (k, v) in &mut m.entries {
                at.push(k.text().unwrap_or_default().into_owned());
                if paths.contains(at.as_slice()) {
                    mask_leaves(v, key);
                } else {
                    mask_paths(v, at, paths, key);
                }
                at.pop();
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|i| mask_paths(i, at, paths, key)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Origin;
    use crate::yaml::emit::write_document;
    use crate::yaml::{Limits, parse_stream};

    fn resource(text: &str) -> Resource {
        let doc = parse_stream(text, &Limits::default()).unwrap().remove(0);
        Resource::new(
            doc.root,
            Origin {
                file: std::path::Path::new("/x.yaml").into(),
                doc_index: 0,
                pos: Default::default(),
            },
        )
    }

    fn emit(n: &Node) -> String {
        let mut out = String::new();
        write_document(n, &mut out).unwrap();
        out
    }

    const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: aHVudGVyMg==\n  empty: \"\"\nstringData:\n  token: abc\ntype: Opaque\n";

    #[test]
    fn secret_values_are_masked_with_stable_digests() {
        let r = resource(SECRET);
        let masked = emit(&Redaction::Mask { key: vec![] }.apply(&r));
        assert!(!masked.contains("aHVudGVyMg=="), "{masked}");
        assert!(!masked.contains("abc"), "{masked}");
        assert!(masked.contains("name: s\n"), "{masked}");
        assert!(masked.contains("type: Opaque\n"), "{masked}");
        let digest = Redaction::mask(b"", b"aHVudGVyMg==");
        assert!(masked.contains(&format!("password: {digest}")), "{masked}");
        assert_eq!(digest, Redaction::mask(b"", b"aHVudGVyMg=="));
        assert_ne!(digest, Redaction::mask(b"", b"aHVudGVyMw=="));
        assert_ne!(digest, Redaction::mask(b"k", b"aHVudGVyMg=="));
        assert_eq!(digest.len(), "<redacted sha256:>".len() + 12);
    }

    #[test]
    fn show_and_non_secrets_are_untouched() {
        let r = resource(SECRET);
        assert!(matches!(Redaction::Show.apply(&r), Cow::Borrowed(_)));
        let cm = resource("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n");
        assert!(matches!(
            Redaction::Mask { key: vec![] }.apply(&cm),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn decrypted_paths_are_masked_in_any_kind_and_through_lists() {
        let mut r = resource(
            "apiVersion: example.com/v1\nkind: Db\nmetadata:\n  name: d\nspec:\n  users:\n  - name: a\n    password: p1\n  - name: b\n    password: p2\n  host: db\n",
        );
        r.secret_paths = vec![vec!["spec".into(), "users".into(), "password".into()]];
        let masked = emit(&Redaction::Mask { key: vec![] }.apply(&r));
        assert!(!masked.contains("p1") && !masked.contains("p2"), "{masked}");
        assert!(
            masked.contains("name: a") && masked.contains("host: db"),
            "{masked}"
        );
    }
}
