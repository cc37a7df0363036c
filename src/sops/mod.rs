//! Native SOPS decryption (age and SSH recipients, AES-256-GCM values, MAC), byte-compatible
//! with `sops -d` 3.11 for YAML, JSON, dotenv, INI and binary files, and Flux's resource path.
//!
//! Layer: uses [`crate::yaml`] only. Plaintext leaves this module as [`SecretBytes`] or as the
//! node returned by [`decrypt_node`]; nothing here logs or writes it.

mod cipher;
mod datakey;
#[cfg(test)]
mod decrypt_tests;
pub mod error;
mod flatten;
mod keys;
mod metadata;
mod node;
mod rules;
mod secret;
mod shamir;
pub mod stores;
pub mod tree;
mod walk;

pub use error::{KeyAttempt, SopsError};
pub use keys::KeyRing;
pub use secret::SecretBytes;

use metadata::Metadata;
use tree::{Branches, Value};

/// A sops file format (store).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// YAML (`.yaml`, `.yml`).
    Yaml,
    /// JSON (`.json`).
    Json,
    /// dotenv (`.env`).
    Dotenv,
    /// INI (`.ini`).
    Ini,
    /// Any other file: the whole content is one encrypted string.
    Binary,
}

impl Format {
    /// sops' suffix rule: .yaml/.yml, .json, .env, .ini, else Binary.
    pub fn from_file_name(name: &str) -> Format {
        if name.ends_with(".yaml") || name.ends_with(".yml") {
            Format::Yaml
        } else if name.ends_with(".json") {
            Format::Json
        } else if name.ends_with(".env") {
            Format::Dotenv
        } else if name.ends_with(".ini") {
            Format::Ini
        } else {
            Format::Binary
        }
    }

    /// Parses `yaml|json|dotenv|ini|binary` (for --input-type/--output-type).
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "yaml" => Format::Yaml,
            "json" => Format::Json,
            "dotenv" => Format::Dotenv,
            "ini" => Format::Ini,
            "binary" => Format::Binary,
            _ => return None,
        })
    }
}

/// Flux's marker check (spec §12): does `bytes` look like a sops file of `format`?
pub fn has_marker(bytes: &[u8], format: Format) -> bool {
    let marker: &[u8] = match format {
        Format::Json | Format::Binary => b"\"mac\": \"ENC[",
        Format::Dotenv => b"sops_mac=ENC[",
        Format::Ini => b"[sops]",
        Format::Yaml => b"mac: ENC[",
    };
    bytes.windows(marker.len()).any(|w| w == marker)
}

/// Options for one decryption.
#[derive(Clone, Copy, Debug)]
pub struct DecryptOptions {
    /// Check the MAC (sops CLI: yes; Flux: no).
    pub verify_mac: bool,
}

impl Default for DecryptOptions {
    fn default() -> Self {
        DecryptOptions { verify_mac: true }
    }
}

/// Decrypts branches in place: recovers the data key, walks every value, checks the MAC.
fn decrypt_branches(
    branches: &mut Branches,
    meta: &Value,
    keys: &KeyRing,
    opts: &DecryptOptions,
) -> Result<(), SopsError> {
    let meta = Metadata::from_value(meta)?;
    let key = datakey::recover(&meta, keys)?;
    let mut walker = walk::Walker::new(&meta, &key);
    for branch in branches.iter_mut() {
        walker.branch(branch)?;
    }
    let computed = walker.finish();
    if opts.verify_mac {
        walk::verify_mac(&meta, &key, computed)?;
    }
    Ok(())
}

/// Decrypts a whole sops file and emits it in `output` format (like `sops -d --input-type --output-type`).
pub fn decrypt_file(
    input: &[u8],
    input_format: Format,
    output_format: Format,
    keys: &KeyRing,
    opts: &DecryptOptions,
) -> Result<SecretBytes, SopsError> {
    let (mut branches, meta) = stores::load(input, input_format)?;
    let result = decrypt_branches(&mut branches, &meta, keys, opts)
        .and_then(|()| stores::emit(&branches, output_format));
    for branch in &mut branches {
        tree::wipe(branch);
    }
    result.map(SecretBytes::new)
}

/// Decrypts a parsed Kubernetes object carrying a `sops` field (Flux's DecryptResource JSON path, §12.2):
/// returns the object without `sops`, with decrypted values typed as the JSON store would type them.
pub fn decrypt_node(
    doc: &crate::yaml::Node,
    keys: &KeyRing,
    opts: &DecryptOptions,
) -> Result<crate::yaml::Node, SopsError> {
    let Value::Map(mut items) = node::to_tree(doc) else {
        return Err(SopsError::UnsupportedStore {
            what: "a sops-encrypted resource must be a mapping".into(),
        });
    };
    let at = items
        .iter()
        .position(|i| matches!(i, tree::Item::Entry(k, _) if k == "sops"))
        .ok_or(SopsError::NoMetadata)?;
    let tree::Item::Entry(_, meta) = items.remove(at) else {
        unreachable!("position matched an entry")
    };
    let mut branches = vec![items];
    let result = decrypt_branches(&mut branches, &meta, keys, opts)
        .and_then(|()| node::from_items(&branches[0]));
    for branch in &mut branches {
        tree::wipe(branch);
    }
    let mapping = result?;
    Ok(crate::yaml::Node::at(
        crate::yaml::Value::Map(mapping),
        doc.pos,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_markers() {
        assert_eq!(Format::from_file_name("a.yml"), Format::Yaml);
        assert_eq!(Format::from_file_name("a.env"), Format::Dotenv);
        assert_eq!(Format::from_file_name("token.encrypted"), Format::Binary);
        assert_eq!(Format::parse("dotenv"), Some(Format::Dotenv));
        assert_eq!(Format::parse("toml"), None);
        assert!(has_marker(b"x\n    mac: ENC[AES", Format::Yaml));
        assert!(!has_marker(b"{\"mac\":\"ENC[", Format::Json));
        assert!(has_marker(b"[sops]\n", Format::Ini));
    }
}
