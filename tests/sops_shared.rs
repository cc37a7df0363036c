//! Opt-in: decrypts every shared SOPS test vector through the library API and compares with what
//! the real `sops -d` printed (byte for byte, in memory), checks the negatives fail with their
//! own error, and runs Flux's two decryption paths on the Flux vector.
//!
//! `FLEETCHECK_SOPS_VECTORS=/work/shared/testvectors/sops cargo test --test sops_shared -- --ignored`

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fleetcheck::sops::{
    DecryptOptions, Format, KeyRing, SopsError, decrypt_file, decrypt_node, has_marker,
};
use fleetcheck::yaml::{Limits, Node, Value, parse_stream};

fn root() -> Option<PathBuf> {
    std::env::var_os("FLEETCHECK_SOPS_VECTORS").map(PathBuf::from)
}

fn keys(root: &Path, files: &[&str]) -> KeyRing {
    let mut ring = KeyRing::new();
    for f in files {
        ring.add_age_key_file(&root.join("keys").join(f)).unwrap();
    }
    ring
}

fn file_with_prefix(dir: &Path, prefix: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix}* in {}", dir.display()))
}

fn decrypt_path(
    path: &Path,
    keys: &KeyRing,
    verify_mac: bool,
) -> Result<fleetcheck::sops::SecretBytes, SopsError> {
    let format = Format::from_file_name(&path.file_name().unwrap().to_string_lossy());
    decrypt_file(
        &std::fs::read(path).unwrap(),
        format,
        format,
        keys,
        &DecryptOptions { verify_mac },
    )
}

const BYTE_EXACT: [&str; 9] = [
    "a_k8s_secret_encrypted_regex",
    "b_yaml_complex_default",
    "c_json",
    "d_dotenv",
    "e1_binary_text",
    "f_unencrypted_suffix",
    "h_two_recipients",
    "k_multidoc_yaml",
    "m_unencrypted_regex",
];

#[test]
#[ignore = "needs FLEETCHECK_SOPS_VECTORS"]
fn every_vector_decrypts_like_sops() {
    let Some(root) = root() else { return };
    let vectors = root.join("vectors");
    let mut checked = 0;
    for entry in std::fs::read_dir(&vectors).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if !dir.join("expected.json").exists() {
            continue;
        }
        let enc = file_with_prefix(&dir, "enc.");
        let expected = std::fs::read(file_with_prefix(&dir, "decrypted.")).unwrap();
        for identity in ["identity-a.agekey", "identities-a-and-b.agekey"] {
            let got = decrypt_path(&enc, &keys(&root, &[identity]), true)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            // Compare in memory; never print plaintext.
            assert!(
                got.expose() == expected.as_slice(),
                "{name} with {identity}: output differs from sops -d"
            );
        }
        checked += 1;
    }
    for name in BYTE_EXACT {
        assert!(vectors.join(name).exists(), "vector {name} is missing");
    }
    assert!(checked >= BYTE_EXACT.len());
    let h = file_with_prefix(&vectors.join("h_two_recipients"), "enc.");
    assert!(
        decrypt_path(&h, &keys(&root, &["identity-b.agekey"]), true).is_ok(),
        "the second recipient opens h"
    );
    let a = file_with_prefix(&vectors.join("a_k8s_secret_encrypted_regex"), "enc.");
    assert!(matches!(
        decrypt_path(&a, &keys(&root, &["identity-wrong.agekey"]), true),
        Err(SopsError::NoIdentity { .. })
    ));
}

#[test]
#[ignore = "needs FLEETCHECK_SOPS_VECTORS"]
fn negatives_fail_each_with_its_error() {
    let Some(root) = root() else { return };
    let dir = root.join("vectors/i_negative");
    let ring = keys(&root, &["identity-a.agekey"]);
    let kind = |f: &str| match decrypt_path(&dir.join(f), &ring, true) {
        Ok(_) => "ok",
        Err(SopsError::NoMetadata) => "no metadata",
        Err(SopsError::MacMismatch { .. }) => "MAC mismatch",
        Err(SopsError::NoIdentity { .. }) => "no identity",
        Err(SopsError::ValueDecrypt { .. }) => "value decrypt",
        Err(_) => "other error",
    };
    let expected = [
        ("base.enc.yaml", "ok"),
        ("no_metadata.enc.yaml", "no metadata"),
        ("plain.yaml", "no metadata"),
        ("reordered_keys.enc.yaml", "MAC mismatch"),
        ("wrong_mac.enc.yaml", "MAC mismatch"),
        ("tampered_age_stanza.enc.yaml", "no identity"),
        ("tampered_ciphertext.enc.yaml", "value decrypt"),
        ("tampered_tag.enc.yaml", "value decrypt"),
    ];
    for (file, want) in expected {
        assert_eq!(kind(file), want, "{file}");
    }
    // With the MAC ignored (Flux), reordering is harmless.
    assert!(decrypt_path(&dir.join("reordered_keys.enc.yaml"), &ring, false).is_ok());
}

/// A canonical text of a node with mapping keys sorted (Flux sorts keys before decrypting).
fn canonical(n: &Node) -> String {
    match &n.value {
        Value::Map(m) => {
            let mut entries: Vec<String> = m
                .entries
                .iter()
                .map(|(k, v)| format!("{:?}:{}", k.text(), canonical(v)))
                .collect();
            entries.sort();
            format!("{{{}}}", entries.join(","))
        }
        Value::Seq(s) => format!(
            "[{}]",
            s.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => format!("{other:?}"),
    }
}

fn parse_one(text: &str) -> Node {
    parse_stream(text, &Limits::default())
        .unwrap()
        .remove(0)
        .root
}

#[test]
#[ignore = "needs FLEETCHECK_SOPS_VECTORS"]
fn flux_paths_match_the_controller() {
    let Some(root) = root() else { return };
    let dir = root.join("vectors/s_flux_kustomization");
    let ring = keys(&root, &["identity-a.agekey"]);
    // DecryptResource, object with a `sops` field: JSON store, MAC not checked.
    let enc = parse_one(&std::fs::read_to_string(dir.join("secret.enc.yaml")).unwrap());
    let got = decrypt_node(&enc, &ring, &DecryptOptions { verify_mac: false }).unwrap();
    let want = parse_one(
        &std::fs::read_to_string(dir.join("expected_secret.enc.yaml.decrypted.json")).unwrap(),
    );
    assert!(
        canonical(&got) == canonical(&want),
        "decrypt_node differs from Flux's output"
    );
    // DecryptResource, Secret data values holding whole sops files.
    let secret =
        parse_one(&std::fs::read_to_string(dir.join("secret-with-sops-data-fields.yaml")).unwrap());
    let want = parse_one(
        &std::fs::read_to_string(dir.join("expected_secret-with-sops-data-fields.decrypted.yaml"))
            .unwrap(),
    );
    let data = secret.get("data").and_then(Node::as_map).unwrap();
    for (key, value) in &data.entries {
        let key = key.as_str().unwrap();
        let raw = STANDARD.decode(value.as_str().unwrap()).unwrap();
        let input = [Format::Json, Format::Dotenv, Format::Ini, Format::Yaml]
            .into_iter()
            .find(|f| has_marker(&raw, *f));
        let out = match input {
            None => raw,
            Some(input) => {
                let output = if key.ends_with(".dockerconfigjson") {
                    Format::Json
                } else {
                    Format::from_file_name(key)
                };
                decrypt_file(
                    &raw,
                    input,
                    output,
                    &ring,
                    &DecryptOptions { verify_mac: false },
                )
                .unwrap()
                .expose()
                .to_vec()
            }
        };
        let expected = want
            .get("data")
            .and_then(|d| d.get(key))
            .and_then(Node::as_str)
            .unwrap();
        assert!(
            STANDARD.encode(&out) == expected,
            "data field {key} differs from Flux's output"
        );
    }
}
