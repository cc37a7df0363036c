//! Everything that can go wrong while reading or decrypting a sops file. No variant ever holds
//! plaintext: values are named by their key path, never shown.

/// Why one master key of the file could not give its part of the data key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyAttempt {
    /// The recipient as the metadata names it (`age1…`, `ssh-ed25519 …`, or a KMS/PGP id).
    pub recipient: String,
    /// Why it failed, in one sentence.
    pub reason: String,
}

/// A sops decryption error.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SopsError {
    /// The document has no `sops` metadata.
    #[error("sops metadata not found: the file has no top-level `sops` entry")]
    NoMetadata,
    /// The metadata is there but malformed.
    #[error("invalid sops metadata: {what}")]
    InvalidMetadata {
        /// What is wrong with it.
        what: String,
    },
    /// The metadata lists no master key at all.
    #[error("no keys found in the sops metadata (neither `age` nor `key_groups` holds a key)")]
    NoKeysInFile,
    /// No identity opened any key of a key group.
    #[error("{}", describe_no_identity(.attempts, .sources))]
    NoIdentity {
        /// One entry per master key of the file, in the order they were tried.
        attempts: Vec<KeyAttempt>,
        /// The identity sources that were available (no secrets).
        sources: Vec<String>,
    },
    /// Fewer key groups than the Shamir threshold could be opened.
    #[error(
        "the file was encrypted with a Shamir threshold of {needed}, but only {got} key group(s) could be opened{}",
        describe_attempts(.attempts)
    )]
    ShamirThreshold {
        /// Groups needed.
        needed: usize,
        /// Groups opened.
        got: usize,
        /// Why the other keys failed.
        attempts: Vec<KeyAttempt>,
    },
    /// A value failed AES-GCM authentication.
    #[error("could not decrypt the value at `{path}`: AES-GCM authentication failed")]
    ValueDecrypt {
        /// The key path (`a:b:`).
        path: String,
    },
    /// A value in an encrypted position is a string but not `ENC[...]`.
    #[error(
        "the value at `{path}` (<redacted>) does not match sops' data format `ENC[AES256_GCM,...]`"
    )]
    NotSopsFormat {
        /// The key path.
        path: String,
    },
    /// A value in an encrypted position is not a string.
    #[error("the value at `{path}` should be encrypted but is a plain {found}")]
    NonStringEncrypted {
        /// The key path.
        path: String,
        /// Its type (`int`, `bool`, …).
        found: &'static str,
    },
    /// A value's `type:` is unknown or its plaintext does not parse as that type.
    #[error("the value at `{path}` has an unusable type: {what}")]
    UnknownType {
        /// The key path.
        path: String,
        /// What is wrong (`unknown datatype: X`, `uint64 values cannot be walked`).
        what: String,
    },
    /// The stored MAC could not be decrypted.
    #[error(
        "cannot decrypt the MAC: AES-GCM authentication failed (was `lastmodified` or `mac` edited?)"
    )]
    MacUndecryptable,
    /// The recomputed MAC differs from the stored one.
    #[error("MAC mismatch: file has {}, computed {computed}", if .stored.is_empty() { "no MAC" } else { .stored.as_str() })]
    MacMismatch {
        /// The MAC stored in the file (empty when the file has none).
        stored: String,
        /// The MAC computed over the decrypted values.
        computed: String,
    },
    /// The document cannot be represented by the store (root sequence, non-string key, …).
    #[error("{what}")]
    UnsupportedStore {
        /// What the store cannot hold.
        what: String,
    },
    /// The input is not valid in its format.
    #[error("{format} syntax error at line {line}, column {col}: {message}")]
    Syntax {
        /// `YAML`, `JSON`, `dotenv`, `INI`.
        format: &'static str,
        /// 1-based line (0 when unknown).
        line: u32,
        /// 1-based column.
        col: u32,
        /// What is wrong.
        message: String,
    },
    /// An identity source could not be read or parsed.
    #[error("cannot load age identities from {origin}: {message}")]
    KeySource {
        /// Where the identities came from (a path or an environment variable name).
        origin: String,
        /// What is wrong (never the key itself).
        message: String,
    },
}

fn describe_attempts(attempts: &[KeyAttempt]) -> String {
    let mut out = String::new();
    for a in attempts {
        out.push_str(&format!("\n  - {}: {}", a.recipient, a.reason));
    }
    out
}

fn describe_no_identity(attempts: &[KeyAttempt], sources: &[String]) -> String {
    let mut out = String::from(
        "failed to get the data key required to decrypt the sops file; no identity opened any of its keys:",
    );
    out.push_str(&describe_attempts(attempts));
    if sources.is_empty() {
        out.push_str("\n  (no age identities were loaded)");
    } else {
        out.push_str("\n  identities tried from:");
        for s in sources {
            out.push_str(&format!("\n  - {s}"));
        }
    }
    out
}

impl SopsError {
    /// A hint for the user: how to fix or investigate the problem.
    pub fn hint(&self) -> &'static str {
        match self {
            SopsError::NoMetadata => {
                "this file is not sops-encrypted; encrypt it with `sops --encrypt` or remove it from the decryption inputs"
            }
            SopsError::InvalidMetadata { .. } => {
                "re-encrypt the file with sops; hand-edited metadata cannot be trusted"
            }
            SopsError::NoKeysInFile => "re-encrypt the file with at least one age recipient",
            SopsError::NoIdentity { .. } => {
                "give the matching age key with --age-key-file, SOPS_AGE_KEY_FILE or SOPS_AGE_KEY"
            }
            SopsError::ShamirThreshold { .. } => "provide identities for more key groups",
            SopsError::ValueDecrypt { .. } => {
                "the value was tampered with, moved or renamed since it was encrypted; restore it or re-encrypt the file"
            }
            SopsError::NotSopsFormat { .. } => {
                "encrypt the file again with sops, or mark the key unencrypted with the file's rule"
            }
            SopsError::NonStringEncrypted { .. } => {
                "encrypt the file again with sops; the value was added after encryption"
            }
            SopsError::UnknownType { .. } => {
                "the file was written by an unsupported tool or version; re-encrypt it with sops"
            }
            SopsError::MacUndecryptable | SopsError::MacMismatch { .. } => {
                "the file was changed after encryption; re-encrypt it with sops, or pass --ignore-mac to decrypt anyway"
            }
            SopsError::UnsupportedStore { .. } => {
                "sops stores only mappings with string keys at the top level"
            }
            SopsError::Syntax { .. } => {
                "fix the syntax, or pass --input-type if the format was guessed wrongly"
            }
            SopsError::KeySource { .. } => {
                "identity files hold one AGE-SECRET-KEY-1… per line (comments start with #)"
            }
        }
    }

    /// The 1-based line and column the error points at, when it has one.
    pub fn position(&self) -> Option<(u32, u32)> {
        match self {
            SopsError::Syntax { line, col, .. } if *line > 0 => Some((*line, *col)),
            _ => None,
        }
    }
}
