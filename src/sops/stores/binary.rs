//! The binary store: the whole file is the string `data` of a JSON document (spec §2.3).

use crate::sops::error::SopsError;
use crate::sops::tree::{Item, Value};

/// Writes the raw bytes of the `data` entry.
pub fn write(branches: &[Vec<Item>]) -> Result<Vec<u8>, SopsError> {
    let items = branches.first().map(Vec::as_slice).unwrap_or_default();
    match crate::sops::tree::lookup(items, "data") {
        Some(Value::Str(s)) => Ok(s.clone().into_bytes()),
        Some(Value::Bytes(b)) => Ok(b.clone()),
        Some(other) => Err(SopsError::UnsupportedStore {
            what: format!(
                "binary output needs a string `data` entry, found {}",
                other.type_name()
            ),
        }),
        None => Err(SopsError::UnsupportedStore {
            what: "no binary data found in the tree (no top-level `data` entry)".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_bytes_out() {
        let b = vec![vec![Item::Entry("data".into(), Value::Bytes(vec![0, 255]))]];
        assert_eq!(write(&b).unwrap(), vec![0, 255]);
        assert!(write(&[vec![]]).is_err());
    }
}
