//! End-to-end checks of the library on sops files built in memory with our own keys: every kind
//! of tampering gives its own error, and the good file decrypts in every store path.

use std::io::Write;

use age::secrecy::ExposeSecret;
use sha2::{Digest, Sha512};

use super::cipher::tests::seal;
use super::*;

const KEY: [u8; 32] = [42; 32];
const LASTMOD: &str = "2026-01-01T00:00:00Z";

fn armor(plain: &[u8], to: &age::x25519::Identity) -> String {
    let recipient = to.to_public();
    let enc = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
        .unwrap();
    let mut out = Vec::new();
    let armored =
        age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor).unwrap();
    let mut w = enc.wrap_output(armored).unwrap();
    w.write_all(plain).unwrap();
    w.finish().unwrap().finish().unwrap();
    String::from_utf8(out).unwrap()
}

fn ring(ids: &[&age::x25519::Identity]) -> KeyRing {
    let mut r = KeyRing::new();
    let text: String = ids
        .iter()
        .map(|i| format!("{}\n", i.to_string().expose_secret()))
        .collect();
    r.add_age_keys_text(&text, "test keys").unwrap();
    r
}

fn mac(values: &[&str]) -> String {
    let mut h = Sha512::new();
    values.iter().for_each(|v| h.update(v.as_bytes()));
    h.finalize().iter().map(|b| format!("{b:02X}")).collect()
}

fn indent_block(s: &str, pad: &str) -> String {
    s.lines().map(|l| format!("{pad}{l}\n")).collect()
}

/// A YAML sops file: `user` (str), `port` (int), a clear `note_unencrypted`, one age key.
struct Fixture {
    id: age::x25519::Identity,
    user: String,
    port: String,
    mac: String,
    lastmodified: String,
}

impl Fixture {
    fn new() -> Fixture {
        let mac_hex = mac(&["alice", "5432", "clear"]);
        Fixture {
            id: age::x25519::Identity::generate(),
            user: seal(b"alice", &KEY, b"user:", "str"),
            port: seal(b"5432", &KEY, b"port:", "int"),
            mac: seal(mac_hex.as_bytes(), &KEY, LASTMOD.as_bytes(), "str"),
            lastmodified: LASTMOD.into(),
        }
    }

    fn yaml(&self) -> String {
        format!(
            "# a comment\nuser: {}\nport: {}\nnote_unencrypted: clear\nsops:\n    age:\n        - recipient: {}\n          enc: |\n{}    lastmodified: \"{}\"\n    mac: {}\n    unencrypted_suffix: _unencrypted\n    version: 3.11.0\n",
            self.user,
            self.port,
            self.id.to_public(),
            indent_block(&armor(&KEY, &self.id), "            "),
            self.lastmodified,
            self.mac
        )
    }

    fn decrypt(&self, keys: &KeyRing) -> Result<SecretBytes, SopsError> {
        decrypt_file(
            self.yaml().as_bytes(),
            Format::Yaml,
            Format::Yaml,
            keys,
            &DecryptOptions { verify_mac: true },
        )
    }
}

/// The fixture with one edit, decrypted with `keys` (it must fail).
fn tampered(
    keys: &KeyRing,
    id: &age::x25519::Identity,
    edit: impl FnOnce(&mut Fixture),
) -> SopsError {
    let mut t = Fixture {
        id: id.clone(),
        ..Fixture::new()
    };
    edit(&mut t);
    t.decrypt(keys).unwrap_err()
}

#[test]
fn good_file_decrypts_to_every_output_format() {
    let f = Fixture::new();
    let keys = ring(&[&f.id]);
    let to = |format| {
        decrypt_file(
            f.yaml().as_bytes(),
            Format::Yaml,
            format,
            &keys,
            &DecryptOptions::default(),
        )
        .unwrap()
    };
    assert_eq!(
        f.decrypt(&keys).unwrap().expose(),
        b"# a comment\nuser: alice\nport: 5432\nnote_unencrypted: clear\n"
    );
    assert_eq!(
        to(Format::Yaml).expose(),
        b"# a comment\nuser: alice\nport: 5432\nnote_unencrypted: clear\n"
    );
    assert_eq!(
        to(Format::Json).expose(),
        b"{\n\t\"user\": \"alice\",\n\t\"port\": 5432,\n\t\"note_unencrypted\": \"clear\"\n}\n"
    );
    assert_eq!(
        to(Format::Dotenv).expose(),
        b"# a comment\nuser=alice\nport=5432\nnote_unencrypted=clear\n"
    );
}

#[test]
fn each_tampering_has_its_own_error() {
    let f = Fixture::new();
    let keys = ring(&[&f.id]);
    let other = Fixture::new();
    let id = &f.id;

    let err = tampered(&keys, id, |t| {
        t.user = seal(b"alice", &KEY, b"port:", "str")
    });
    assert_eq!(
        err,
        SopsError::ValueDecrypt {
            path: "user:".into()
        }
    );
    let err = tampered(&keys, id, |t| t.user = "plain-text-value".into());
    assert_eq!(
        err,
        SopsError::NotSopsFormat {
            path: "user:".into()
        }
    );
    assert!(!err.to_string().contains("plain-text-value"));
    let err = tampered(&keys, id, |t| t.port = "5432".into());
    assert_eq!(
        err,
        SopsError::NonStringEncrypted {
            path: "port:".into(),
            found: "int"
        }
    );
    let err = tampered(&keys, id, |t| {
        t.port = seal(b"5432", &KEY, b"port:", "weird")
    });
    assert!(matches!(err, SopsError::UnknownType { path, .. } if path == "port:"));
    let err = tampered(&keys, id, |t| {
        t.mac = seal(mac(&["bob"]).as_bytes(), &KEY, LASTMOD.as_bytes(), "str")
    });
    assert!(matches!(err, SopsError::MacMismatch { stored, .. } if stored == mac(&["bob"])));
    let err = tampered(&keys, id, |t| t.mac = String::new());
    assert!(matches!(err, SopsError::MacMismatch { stored, .. } if stored.is_empty()));
    let err = tampered(&keys, id, |t| {
        t.lastmodified = "2026-01-01T00:00:01Z".into()
    });
    assert_eq!(err, SopsError::MacUndecryptable);
    let err = tampered(&keys, id, |t| {
        t.lastmodified = "2026-01-01t00:00:00Z".into()
    });
    assert!(matches!(err, SopsError::InvalidMetadata { .. }));
    // Flux mode: a MAC that does not open does not matter.
    let t = Fixture {
        id: id.clone(),
        lastmodified: "2026-01-01T00:00:01Z".into(),
        ..Fixture::new()
    };
    let flux = decrypt_file(
        t.yaml().as_bytes(),
        Format::Yaml,
        Format::Yaml,
        &keys,
        &DecryptOptions { verify_mac: false },
    );
    assert!(flux.is_ok());

    match f.decrypt(&ring(&[&other.id])).unwrap_err() {
        SopsError::NoIdentity { attempts, sources } => {
            assert_eq!(attempts.len(), 1);
            assert_eq!(attempts[0].recipient, f.id.to_public().to_string());
            assert!(attempts[0].reason.contains("no loaded identity"));
            assert_eq!(sources, vec!["test keys (1 identity)".to_string()]);
        }
        e => panic!("expected NoIdentity, got {e:?}"),
    }
    match f.decrypt(&KeyRing::new()).unwrap_err() {
        SopsError::NoIdentity { attempts, .. } => {
            assert!(attempts[0].reason.contains("no age identities"))
        }
        e => panic!("expected NoIdentity, got {e:?}"),
    }
    let no_meta = decrypt_file(
        b"a: 1\n",
        Format::Yaml,
        Format::Yaml,
        &keys,
        &DecryptOptions::default(),
    );
    assert_eq!(no_meta.unwrap_err(), SopsError::NoMetadata);
    let no_keys = "a: 1\nsops:\n    lastmodified: \"2026-01-01T00:00:00Z\"\n    mac: \"\"\n";
    assert_eq!(
        decrypt_file(
            no_keys.as_bytes(),
            Format::Yaml,
            Format::Yaml,
            &keys,
            &DecryptOptions::default()
        )
        .unwrap_err(),
        SopsError::NoKeysInFile
    );
}

#[test]
fn shamir_needs_its_threshold() {
    let (a, b) = (
        age::x25519::Identity::generate(),
        age::x25519::Identity::generate(),
    );
    let slopes: Vec<u8> = (0..32u8)
        .map(|i| i.wrapping_mul(13).wrapping_add(7))
        .collect();
    let s1 = super::shamir::tests::share(&KEY, &slopes, 1);
    let s2 = super::shamir::tests::share(&KEY, &slopes, 2);
    let group = |id: &age::x25519::Identity, part: &[u8]| {
        format!(
            "        - age:\n            - recipient: {}\n              enc: |\n{}",
            id.to_public(),
            indent_block(&armor(part, id), "                ")
        )
    };
    let mac_hex = mac(&["alice"]);
    let file = format!(
        "user: {}\nsops:\n    shamir_threshold: 2\n    key_groups:\n{}{}    lastmodified: \"{LASTMOD}\"\n    mac: {}\n",
        seal(b"alice", &KEY, b"user:", "str"),
        group(&a, &s1),
        group(&b, &s2),
        seal(mac_hex.as_bytes(), &KEY, LASTMOD.as_bytes(), "str"),
    );
    let both = decrypt_file(
        file.as_bytes(),
        Format::Yaml,
        Format::Yaml,
        &ring(&[&a, &b]),
        &DecryptOptions::default(),
    )
    .unwrap();
    assert_eq!(both.expose(), b"user: alice\n");
    let one = decrypt_file(
        file.as_bytes(),
        Format::Yaml,
        Format::Yaml,
        &ring(&[&a]),
        &DecryptOptions::default(),
    );
    assert!(matches!(
        one.unwrap_err(),
        SopsError::ShamirThreshold {
            needed: 2,
            got: 1,
            ..
        }
    ));
}

#[test]
fn decrypt_node_follows_the_json_store() {
    let f = Fixture::new();
    let keys = ring(&[&f.id]);
    let docs = crate::yaml::parse_stream(&f.yaml(), &crate::yaml::Limits::default()).unwrap();
    let node = decrypt_node(&docs[0].root, &keys, &DecryptOptions { verify_mac: false }).unwrap();
    assert_eq!(node.get("user").and_then(|n| n.as_str()), Some("alice"));
    assert_eq!(
        node.get("port").map(|n| &n.value),
        Some(&crate::yaml::Value::Int(5432))
    );
    assert!(node.get("sops").is_none());
    assert_eq!(node.pos, docs[0].root.pos);
}

#[test]
fn key_ring_is_shareable() {
    fn shareable<T: Send + Sync>() {}
    shareable::<KeyRing>();
}

/// Where fleetcheck knowingly differs from the `sops` 3.11.0 CLI (the library API and Flux
/// behave like fleetcheck here): the `version` field is not parsed as semver (the CLI fails on
/// `banana`), a non-string value in an encrypted position is an error instead of a Go panic
/// (exit 2), and every failure exits 1 instead of sops' 128/25/51 codes.
#[test]
fn known_differences_from_the_sops_cli() {
    let f = Fixture::new();
    let keys = ring(&[&f.id]);
    let banana = f.yaml().replace("version: 3.11.0", "version: banana");
    assert!(
        decrypt_file(
            banana.as_bytes(),
            Format::Yaml,
            Format::Yaml,
            &keys,
            &DecryptOptions::default()
        )
        .is_ok()
    );
    let err = tampered(&keys, &f.id, |t| t.port = "true".into());
    assert_eq!(
        err,
        SopsError::NonStringEncrypted {
            path: "port:".into(),
            found: "bool"
        }
    );
}
