//! Recovering the 32-byte data key from the metadata's master keys (spec §4).

use std::io::Read;

use zeroize::Zeroizing;

use super::error::{KeyAttempt, SopsError};
use super::keys::KeyRing;
use super::metadata::{MasterKey, Metadata};
use super::shamir;

/// Opens one age-encrypted data key (or share) with the key ring.
fn open_age(enc: &str, keys: &KeyRing) -> Result<Zeroizing<Vec<u8>>, String> {
    if keys.is_empty() {
        return Err("no age identities were loaded".into());
    }
    let armored = enc.trim_start().as_bytes();
    let reader = age::armor::ArmoredReader::new(armored);
    let decryptor =
        age::Decryptor::new(reader).map_err(|e| format!("the age file is malformed: {e}"))?;
    let mut stream = decryptor
        .decrypt(keys.age_identities())
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => {
                "no loaded identity matches this recipient".to_owned()
            }
            other => format!("age decryption failed: {other}"),
        })?;
    let mut out = Zeroizing::new(Vec::new());
    stream
        .read_to_end(&mut out)
        .map_err(|e| format!("age payload is corrupt: {e}"))?;
    Ok(out)
}

/// Tries the keys of one group in order; the first that opens gives the group's part.
fn open_group(
    group: &[MasterKey],
    keys: &KeyRing,
    attempts: &mut Vec<KeyAttempt>,
) -> Option<Zeroizing<Vec<u8>>> {
    for key in group {
        let result = match key {
            MasterKey::Age { enc, .. } => open_age(enc, keys),
            MasterKey::Other { kind, .. } => Err(format!(
                "{kind} keys are not supported by fleetcheck (only age)"
            )),
        };
        match result {
            Ok(part) => return Some(part),
            Err(reason) => attempts.push(KeyAttempt {
                recipient: key.label(),
                reason,
            }),
        }
    }
    None
}

/// Recovers the data key: one group gives it directly, several are combined with Shamir.
pub fn recover(meta: &Metadata, keys: &KeyRing) -> Result<Zeroizing<[u8; 32]>, SopsError> {
    let mut attempts = Vec::new();
    let parts: Vec<Zeroizing<Vec<u8>>> = meta
        .groups
        .iter()
        .filter_map(|g| open_group(g, keys, &mut attempts))
        .collect();
    let key = if meta.groups.len() > 1 {
        let needed = meta.shamir_threshold.max(2);
        if parts.len() < needed {
            return Err(SopsError::ShamirThreshold {
                needed,
                got: parts.len(),
                attempts,
            });
        }
        let raw: Vec<Vec<u8>> = parts.iter().map(|p| p.to_vec()).collect();
        let combined = shamir::combine(&raw).map_err(|what| SopsError::InvalidMetadata {
            what: format!("could not combine the Shamir parts: {what}"),
        });
        raw.into_iter()
            .for_each(|mut p| zeroize::Zeroize::zeroize(&mut p));
        Zeroizing::new(combined?)
    } else {
        match parts.into_iter().next() {
            Some(p) => p,
            None => {
                return Err(SopsError::NoIdentity {
                    attempts,
                    sources: keys.describe(),
                });
            }
        }
    };
    let array: [u8; 32] = key
        .as_slice()
        .try_into()
        .map_err(|_| SopsError::InvalidMetadata {
            what: format!("the data key is {} bytes, expected 32", key.len()),
        })?;
    Ok(Zeroizing::new(array))
}
