//! Decrypting a tree in place and recomputing its MAC (spec §1, §7, §9).

use sha2::{Digest, Sha256, Sha512};

use super::cipher::{self, to_bytes};
use super::error::SopsError;
use super::metadata::Metadata;
use super::tree::{Item, Value};

/// One decryption pass over all branches.
pub struct Walker<'a> {
    meta: &'a Metadata,
    key: cipher::Opener,
    hash: Sha512,
    path: Vec<String>,
    comments: Vec<Vec<String>>,
}

fn aad(path: &[String]) -> String {
    let mut s = path.join(":");
    s.push(':');
    s
}

impl<'a> Walker<'a> {
    /// Starts a pass (the MAC-only prefix is hashed first, as sops does).
    pub fn new(meta: &'a Metadata, key: &'a [u8; 32]) -> Walker<'a> {
        let mut hash = Sha512::new();
        if meta.mac_only_encrypted {
            hash.update(Sha256::digest(b"sops"));
        }
        Walker {
            meta,
            key: cipher::Opener::new(key),
            hash,
            path: Vec::new(),
            comments: Vec::new(),
        }
    }

    /// Decrypts one branch (a YAML document or the whole file) in place.
    pub fn branch(&mut self, items: &mut [Item]) -> Result<(), SopsError> {
        self.map(items)
    }

    /// The uppercase hex SHA-512 over everything hashed so far.
    pub fn finish(self) -> String {
        self.hash
            .finalize()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    fn map(&mut self, items: &mut [Item]) -> Result<(), SopsError> {
        self.comments.push(Vec::new());
        for item in items.iter_mut() {
            match item {
                Item::Comment(text) => {
                    self.push_comment(text);
                    self.comment(text);
                }
                Item::Entry(key, value) => {
                    self.path.push(key.clone());
                    let r = self.value(value);
                    self.path.pop();
                    r?;
                    self.clear_level();
                }
            }
        }
        self.comments.pop();
        Ok(())
    }

    fn list(&mut self, values: &mut [Value]) -> Result<(), SopsError> {
        self.comments.push(Vec::new());
        for v in values.iter_mut() {
            let is_comment = matches!(v, Value::Comment(_));
            if let Value::Comment(text) = v {
                self.push_comment(text);
            }
            self.value(v)?;
            if !is_comment {
                self.clear_level();
            }
        }
        self.comments.pop();
        Ok(())
    }

    fn push_comment(&mut self, text: &str) {
        if let Some(level) = self.comments.last_mut() {
            level.push(text.to_owned());
        }
    }

    fn clear_level(&mut self) {
        if let Some(level) = self.comments.last_mut() {
            level.clear();
        }
    }

    fn value(&mut self, v: &mut Value) -> Result<(), SopsError> {
        match v {
            Value::Map(items) => self.map(items),
            Value::List(values) => self.list(values),
            Value::Null => Ok(()),
            Value::Comment(text) => {
                self.comment(text);
                Ok(())
            }
            _ => self.leaf(v),
        }
    }

    /// A comment: decrypted when the rule says so and it opens; otherwise kept as it is.
    fn comment(&mut self, text: &mut String) {
        if !self
            .meta
            .rule
            .should_encrypt(&self.path, &self.comments, true)
        {
            return;
        }
        let opened = cipher::parse(text)
            .and_then(|enc| {
                self.key
                    .open(&enc, aad(&self.path).as_bytes())
                    .map(|p| (enc.kind, p))
            })
            .and_then(|(kind, plain)| cipher::decode(&kind, plain).ok());
        if let Some(Value::Comment(s) | Value::Str(s)) = opened {
            *text = s;
        }
    }

    fn leaf(&mut self, v: &mut Value) -> Result<(), SopsError> {
        let encrypted = self
            .meta
            .rule
            .should_encrypt(&self.path, &self.comments, false);
        if encrypted {
            *v = self.decrypt_leaf(v)?;
        }
        if (!self.meta.mac_only_encrypted || encrypted)
            && let Some(bytes) = to_bytes(v)
        {
            self.hash.update(&bytes);
        }
        Ok(())
    }

    fn decrypt_leaf(&self, v: &Value) -> Result<Value, SopsError> {
        let path = aad(&self.path);
        let text = match v {
            Value::Str(s) => s,
            Value::Bytes(_) => return Err(SopsError::NotSopsFormat { path }),
            other => {
                return Err(SopsError::NonStringEncrypted {
                    path,
                    found: other.type_name(),
                });
            }
        };
        if text.is_empty() {
            return Ok(Value::Str(String::new()));
        }
        let enc =
            cipher::parse(text).ok_or_else(|| SopsError::NotSopsFormat { path: path.clone() })?;
        let plain = self
            .key
            .open(&enc, path.as_bytes())
            .ok_or_else(|| SopsError::ValueDecrypt { path: path.clone() })?;
        cipher::decode(&enc.kind, plain).map_err(|what| SopsError::UnknownType { path, what })
    }
}

/// Decrypts the stored MAC and compares it with `computed`.
pub fn verify_mac(meta: &Metadata, key: &[u8; 32], computed: String) -> Result<(), SopsError> {
    let stored = if meta.mac.is_empty() {
        String::new()
    } else {
        let enc = cipher::parse(&meta.mac).ok_or(SopsError::MacUndecryptable)?;
        let plain = cipher::Opener::new(key)
            .open(&enc, meta.mac_aad.as_bytes())
            .ok_or(SopsError::MacUndecryptable)?;
        String::from_utf8(plain).map_err(|_| SopsError::MacUndecryptable)?
    };
    if stored == computed {
        Ok(())
    } else {
        Err(SopsError::MacMismatch { stored, computed })
    }
}
