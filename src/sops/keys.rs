//! [`KeyRing`]: the age identities (X25519 and SSH) fleetcheck decrypts data keys with, and
//! sops' lookup of where they come from (spec §4.4).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::error::SopsError;

/// One loaded identity.
enum Identity {
    X25519(age::x25519::Identity),
    Ssh(age::ssh::Identity),
}

impl Identity {
    fn as_age(&self) -> &dyn age::Identity {
        match self {
            Identity::X25519(i) => i,
            Identity::Ssh(i) => i,
        }
    }
}

/// A set of age identities, parsed once and shared by every decryption. `Debug` prints only
/// where the identities came from.
#[derive(Default)]
pub struct KeyRing {
    identities: Vec<Identity>,
    sources: Vec<String>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("sources", &self.sources)
            .finish_non_exhaustive()
    }
}

fn source_error(origin: &str, message: impl Into<String>) -> SopsError {
    SopsError::KeySource {
        origin: origin.to_owned(),
        message: message.into(),
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, SopsError> {
    std::fs::read(path).map_err(|e| {
        source_error(
            &path.display().to_string(),
            format!("cannot read the file: {e}"),
        )
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "identity" } else { "identities" }
}

impl KeyRing {
    /// An empty key ring.
    pub fn new() -> Self {
        KeyRing::default()
    }

    /// Adds identities from age keys-file text (one per line, # comments); `origin` names the source in errors.
    pub fn add_age_keys_text(&mut self, text: &str, origin: &str) -> Result<usize, SopsError> {
        let trimmed = text.trim_start();
        if trimmed.starts_with("age-encryption.org") || trimmed.starts_with("-----BEGIN AGE") {
            return Err(source_error(
                origin,
                "passphrase-protected identity files are not supported; decrypt it to a plain keys file outside the repository",
            ));
        }
        let mut found = Vec::new();
        for (n, line) in text.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with("AGE-PLUGIN-") {
                return Err(source_error(
                    origin,
                    format!("line {}: age plugin identities are not supported", n + 1),
                ));
            }
            let id = age::x25519::Identity::from_str(line)
                .map_err(|_| source_error(origin, format!("line {}: not an age identity (expected AGE-SECRET-KEY-1…, without surrounding spaces)", n + 1)))?;
            found.push(Identity::X25519(id));
        }
        let count = found.len();
        self.identities.extend(found);
        self.sources
            .push(format!("{origin} ({count} {})", plural(count)));
        Ok(count)
    }

    /// Adds identities from an age keys file.
    pub fn add_age_key_file(&mut self, path: &Path) -> Result<usize, SopsError> {
        let origin = format!("age key file {}", path.display());
        let bytes = read_file(path)?;
        let text =
            String::from_utf8(bytes).map_err(|_| source_error(&origin, "the file is not UTF-8"))?;
        self.add_age_keys_text(&text, &origin)
    }

    /// Adds the identity of an unencrypted OpenSSH private key (ssh-ed25519 or ssh-rsa).
    pub fn add_ssh_key_file(&mut self, path: &Path) -> Result<usize, SopsError> {
        let origin = format!("ssh key {}", path.display());
        let bytes = read_file(path)?;
        let id =
            age::ssh::Identity::from_buffer(bytes.as_slice(), Some(path.display().to_string()))
                .map_err(|e| source_error(&origin, format!("not an OpenSSH private key: {e}")))?;
        match id {
            age::ssh::Identity::Unencrypted(_) => {}
            age::ssh::Identity::Encrypted(_) => {
                return Err(source_error(
                    &origin,
                    "passphrase-protected SSH keys are not supported",
                ));
            }
            age::ssh::Identity::Unsupported(_) => {
                return Err(source_error(
                    &origin,
                    "this SSH key type is not supported (use ssh-ed25519 or ssh-rsa)",
                ));
            }
        }
        self.identities.push(Identity::Ssh(id));
        self.sources.push(format!("{origin} (1 identity)"));
        Ok(1)
    }

    /// sops' lookup (§4.4): SOPS_AGE_SSH_PRIVATE_KEY_FILE, ~/.ssh/id_ed25519|id_rsa, SOPS_AGE_KEY,
    /// SOPS_AGE_KEY_FILE, default keys.txt (XDG_CONFIG_HOME / HOME), plus `extra_files` (--age-key-file), merged.
    /// `env` abstracts the environment so tests can inject it.
    pub fn from_environment(
        extra_files: &[PathBuf],
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<KeyRing, SopsError> {
        let mut ring = KeyRing::new();
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        if let Some(path) = var("SOPS_AGE_SSH_PRIVATE_KEY_FILE") {
            ring.add_ssh_key_file(Path::new(&path))?;
        }
        let home = var("HOME").map(PathBuf::from);
        if let Some(home) = &home {
            for name in ["id_ed25519", "id_rsa"] {
                let path = home.join(".ssh").join(name);
                if path.is_file() {
                    ring.add_ssh_key_file(&path)?;
                }
            }
        }
        if let Some(text) = var("SOPS_AGE_KEY") {
            ring.add_age_keys_text(&text, "SOPS_AGE_KEY")?;
        }
        if let Some(path) = var("SOPS_AGE_KEY_FILE") {
            ring.add_age_key_file(Path::new(&path))?;
        }
        let config = var("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| home.map(|h| h.join(".config")));
        if let Some(default) = config.map(|c| c.join("sops").join("age").join("keys.txt"))
            && default.is_file()
        {
            ring.add_age_key_file(&default)?;
        }
        for path in extra_files {
            ring.add_age_key_file(path)?;
        }
        Ok(ring)
    }

    /// True when no identity is loaded.
    pub fn is_empty(&self) -> bool {
        self.identities.is_empty()
    }

    /// One line per identity source, for diagnostics ("age key file /x (2 identities)"), no secrets.
    pub fn describe(&self) -> Vec<String> {
        self.sources.clone()
    }

    /// The identities in the form `age` decrypts with.
    pub(crate) fn age_identities(&self) -> impl Iterator<Item = &dyn age::Identity> {
        self.identities.iter().map(Identity::as_age)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_text_parsing() {
        let id = age::x25519::Identity::generate();
        use age::secrecy::ExposeSecret;
        let secret = id.to_string();
        let text = format!(
            "# created: now\n# public key: {}\n\n{}\r\n",
            id.to_public(),
            secret.expose_secret()
        );
        let mut ring = KeyRing::new();
        assert_eq!(ring.add_age_keys_text(&text, "test").unwrap(), 1);
        assert!(!ring.is_empty());
        assert_eq!(ring.describe(), vec!["test (1 identity)".to_string()]);
        assert!(!format!("{ring:?}").contains(secret.expose_secret()));
        let bad = format!("{} \n", secret.expose_secret());
        let err = KeyRing::new()
            .add_age_keys_text(&bad, "spaced")
            .unwrap_err();
        assert!(matches!(err, SopsError::KeySource { .. }));
        assert!(!err.to_string().contains(secret.expose_secret()));
        assert!(
            KeyRing::new()
                .add_age_keys_text("-----BEGIN AGE ENCRYPTED FILE-----\n", "p")
                .is_err()
        );
    }

    #[test]
    fn environment_lookup_merges_sources() {
        let dir = tempfile::tempdir().unwrap();
        use age::secrecy::ExposeSecret;
        let a = age::x25519::Identity::generate();
        let b = age::x25519::Identity::generate();
        let cfg = dir.path().join("cfg/sops/age");
        std::fs::create_dir_all(&cfg).unwrap();
        std::fs::write(
            cfg.join("keys.txt"),
            format!("{}\n", a.to_string().expose_secret()),
        )
        .unwrap();
        let b_text = b.to_string().expose_secret().to_string();
        let cfg_home = dir.path().join("cfg").display().to_string();
        let env = move |k: &str| match k {
            "XDG_CONFIG_HOME" => Some(cfg_home.clone()),
            "SOPS_AGE_KEY" => Some(b_text.clone()),
            _ => None,
        };
        let ring = KeyRing::from_environment(&[], &env).unwrap();
        assert_eq!(ring.identities.len(), 2);
        assert_eq!(ring.describe().len(), 2);
        let missing = KeyRing::from_environment(&[dir.path().join("nope")], &|_| None);
        assert!(matches!(missing, Err(SopsError::KeySource { .. })));
    }
}
