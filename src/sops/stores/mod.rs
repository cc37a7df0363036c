//! The file formats sops reads and writes: each store parses a file into branches (and finds the
//! metadata) and writes decrypted branches back like `sops -d` prints them.

pub mod binary;
pub mod dotenv;
pub mod ini;
pub mod json;
mod yaml_comments;
pub mod yaml_read;
pub mod yaml_write;

use super::Format;
use super::error::SopsError;
use super::tree::{Branches, Item, Value};

/// Parses an encrypted file into branches (metadata removed) and the metadata value.
pub fn load(input: &[u8], format: Format) -> Result<(Branches, Value), SopsError> {
    match format {
        Format::Yaml => {
            let mut branches = yaml_read::read(input)?;
            let meta = branches
                .first()
                .and_then(|b| crate::sops::tree::lookup(b, "sops"))
                .cloned()
                .ok_or(SopsError::NoMetadata)?;
            for b in &mut branches {
                b.retain(|i| !matches!(i, Item::Entry(k, _) if k == "sops"));
            }
            Ok((branches, meta))
        }
        Format::Json | Format::Binary => {
            let parsed = json::read(input);
            // A binary file that is not sops' JSON wrapper is simply not encrypted.
            let mut items = match parsed {
                Err(SopsError::Syntax { .. }) if format == Format::Binary => {
                    return Err(SopsError::NoMetadata);
                }
                other => other?,
            };
            let at = items
                .iter()
                .position(|i| matches!(i, Item::Entry(k, _) if k == "sops"))
                .ok_or(SopsError::NoMetadata)?;
            let Item::Entry(_, meta) = items.remove(at) else {
                unreachable!("position matched an entry")
            };
            Ok((vec![items], meta))
        }
        Format::Dotenv => {
            let (items, meta) = dotenv::read(input)?;
            Ok((vec![items], meta.ok_or(SopsError::NoMetadata)?))
        }
        Format::Ini => {
            let (items, meta) = ini::read(input)?;
            Ok((vec![items], meta.ok_or(SopsError::NoMetadata)?))
        }
    }
}

/// Writes decrypted branches in `format`.
pub fn emit(branches: &Branches, format: Format) -> Result<Vec<u8>, SopsError> {
    match format {
        Format::Yaml => yaml_write::write(branches),
        Format::Json => json::write(branches),
        Format::Dotenv => dotenv::write(branches),
        Format::Ini => ini::write(branches),
        Format::Binary => binary::write(branches),
    }
}
