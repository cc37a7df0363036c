//! Black-box test of `fleetcheck decrypt` against the vectors in `tests/fixtures/sops/`, which were made with
//! the real sops 3.11.0 (`make.sh` there documents the layout and regenerates them).
//!
//! Every run gets an empty `HOME` and `XDG_CONFIG_HOME` and no `SOPS_AGE_*` variables, so the developer's own
//! keys never take part. Plaintext never reaches the test output: mismatches are reported by position, and
//! the secret values of the fixtures all contain the word `canary`, which no failing run may print.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Environment variables through which sops (and so fleetcheck) finds age identities.
const KEY_VARIABLES: &[&str] = &[
    "SOPS_AGE_KEY",
    "SOPS_AGE_KEY_FILE",
    "SOPS_AGE_KEY_CMD",
    "SOPS_AGE_SSH_PRIVATE_KEY_FILE",
    "SOPS_AGE_SSH_PRIVATE_KEY_CMD",
    "SOPS_AGE_RECIPIENTS",
];

/// The word every secret value of the fixtures contains.
const CANARY: &str = "canary";

/// Vectors the task requires; the test fails if one of them disappears from the fixtures.
const REQUIRED: &[&str] = &[
    "yaml_types",
    "yaml_multidoc",
    "yaml_anchors_and_keys",
    "yaml_negative_zero_encrypted",
    "json",
    "dotenv",
    "ini",
    "binary_text",
    "binary_bytes",
    "binary_empty",
    "rule_encrypted_regex_secret",
    "rule_unencrypted_regex",
    "rule_encrypted_suffix",
    "rule_unencrypted_suffix",
    "rule_encrypted_comment_regex",
    "rule_unencrypted_comment_regex",
    "rule_mac_only_encrypted",
    "age_two_recipients",
    "ssh_ed25519",
    "ssh_rsa",
    "shamir_2_of_3",
    "input_type_flag_yaml",
    "input_type_flag_dotenv",
    "output_type_json",
    "flux_secret_data_files/token",
    "flux_secret_data_files/config.env",
    "flux_secret_data_files/config.json",
    "accept_mac_only_tampered_clear_value",
    "accept_ignore_mac_wrong_mac",
    "neg_no_metadata",
    "neg_tampered_ciphertext",
    "neg_tampered_tag",
    "neg_tampered_age_stanza",
    "neg_wrong_mac",
    "neg_reordered_keys",
    "neg_edited_unencrypted_value",
    "neg_swapped_values",
    "neg_renamed_key",
    "neg_empty_mac",
    "neg_bad_lastmodified",
    "neg_changed_lastmodified",
    "neg_wrong_identity",
    "neg_not_enc_value",
    "neg_shamir_one_group",
    "neg_negative_zero_clear",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sops")
}

fn keys_dir() -> PathBuf {
    fixtures().join("keys")
}

/// One fixture folder: an `enc.*` file and what decrypting it must give.
struct Vector {
    /// Folder name relative to the fixtures root (`neg_wrong_mac`, `flux_secret_data_files/token`).
    name: String,
    dir: PathBuf,
    enc: PathBuf,
    /// `decrypted.*` (what `sops -d` printed) for vectors that decrypt.
    decrypted: Option<PathBuf>,
    /// Independent runs; each lists key files of `keys/`.
    identities: Vec<Vec<String>>,
    /// Extra flags from the `args` file.
    args: Vec<String>,
    /// For negatives: the substring the error must contain and the exit code.
    failure: Option<(String, i32)>,
}

fn read_text(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn file_starting_with(dir: &Path, prefix: &str) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect();
    assert!(
        found.len() <= 1,
        "{} has several {prefix}* files",
        dir.display()
    );
    found.pop()
}

fn load_vector(root: &Path, dir: &Path) -> Option<Vector> {
    let enc = file_starting_with(dir, "enc.")?;
    let name = dir
        .strip_prefix(root)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/");
    let identities = read_text(&dir.join("identity"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    let args = match fs::read_to_string(dir.join("args")) {
        Ok(a) => a.split_whitespace().map(str::to_string).collect(),
        Err(_) => Vec::new(),
    };
    let failure = fs::read_to_string(dir.join("error")).ok().map(|e| {
        let code = read_text(&dir.join("exit"))
            .trim()
            .parse()
            .expect("exit holds an integer");
        (e.trim_end_matches('\n').to_string(), code)
    });
    Some(Vector {
        decrypted: file_starting_with(dir, "decrypted."),
        name,
        dir: dir.to_path_buf(),
        enc,
        identities,
        args,
        failure,
    })
}

/// Every fixture folder holding an `enc.*` file, at any depth, sorted by name.
fn vectors() -> Vec<Vector> {
    let root = fixtures();
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() && path.file_name().unwrap() != "keys" {
                stack.push(path.clone());
                out.extend(load_vector(&root, &path));
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// A `fleetcheck` command with no way to reach the developer's keys: empty `HOME` and `XDG_CONFIG_HOME`.
fn isolated(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fleetcheck"));
    for var in KEY_VARIABLES {
        cmd.env_remove(var);
    }
    let xdg = home.join("xdg");
    fs::create_dir_all(&xdg).unwrap();
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", &xdg)
        .current_dir(home);
    cmd
}

/// Runs `fleetcheck decrypt` on `file` with the given key files of `keys/` (ssh keys through the environment).
fn decrypt(file: &Path, keys: &[String], args: &[String]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = isolated(home.path());
    cmd.arg("decrypt").args(args);
    for key in keys {
        let path = keys_dir().join(key);
        if key.starts_with("ssh_") {
            cmd.env("SOPS_AGE_SSH_PRIVATE_KEY_FILE", path);
        } else {
            cmd.arg("--age-key-file").arg(path);
        }
    }
    cmd.arg(file).output().expect("run fleetcheck")
}

/// Where two outputs first differ, without showing either (they hold plaintext).
fn first_difference(got: &[u8], want: &[u8]) -> String {
    let at = got
        .iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    let line = want[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let col = at
        - want[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    format!(
        "output differs from sops at line {line}, column {col} (byte {at}; got {} bytes, sops printed {})",
        got.len(),
        want.len()
    )
}

/// The stderr of a run, unless it holds a canary (then only the fact that it leaked).
fn safe_stderr(o: &Output) -> String {
    let s = String::from_utf8_lossy(&o.stderr);
    if s.to_ascii_lowercase().contains(CANARY) {
        "<stderr withheld: it contains a plaintext value>".to_string()
    } else {
        s.into_owned()
    }
}

/// Checks one decrypting vector with every identity line; returns the problems found.
fn check_positive(v: &Vector, want: &[u8]) -> Vec<String> {
    let mut problems = Vec::new();
    for keys in &v.identities {
        let o = decrypt(&v.enc, keys, &v.args);
        let who = format!("{} with {}", v.name, keys.join("+"));
        if !o.status.success() {
            problems.push(format!(
                "{who}: exit {:?}\n{}",
                o.status.code(),
                safe_stderr(&o)
            ));
        } else if o.stdout != want {
            problems.push(format!("{who}: {}", first_difference(&o.stdout, want)));
        }
    }
    problems
}

/// Checks one negative vector: exit code, empty stdout, its error text, and no plaintext on stderr.
fn check_negative(v: &Vector, error: &str, code: i32) -> Vec<String> {
    let mut problems = Vec::new();
    for keys in &v.identities {
        let o = decrypt(&v.enc, keys, &v.args);
        let who = format!("{} with {}", v.name, keys.join("+"));
        let stderr = String::from_utf8_lossy(&o.stderr).to_ascii_lowercase();
        if o.status.code() != Some(code) {
            problems.push(format!(
                "{who}: exit {:?}, want {code}\n{}",
                o.status.code(),
                safe_stderr(&o)
            ));
        }
        if !o.stdout.is_empty() {
            problems.push(format!(
                "{who}: a failing run printed {} bytes on stdout",
                o.stdout.len()
            ));
        }
        if stderr.contains(CANARY) {
            problems.push(format!(
                "{who}: stderr contains a plaintext value of the file"
            ));
        } else if !stderr.contains(&error.to_ascii_lowercase()) {
            problems.push(format!(
                "{who}: stderr lacks `{error}`:\n{}",
                safe_stderr(&o)
            ));
        }
    }
    problems
}

fn report(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{} problem(s):\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

#[test]
fn every_required_vector_is_present_and_complete() {
    let all = vectors();
    let names: BTreeSet<&str> = all.iter().map(|v| v.name.as_str()).collect();
    let missing: Vec<&&str> = REQUIRED.iter().filter(|r| !names.contains(**r)).collect();
    assert!(missing.is_empty(), "missing vectors: {missing:?}");
    for v in &all {
        assert!(!v.identities.is_empty(), "{}: empty identity file", v.name);
        assert!(
            v.dir.join("command.txt").is_file(),
            "{}: no command.txt",
            v.name
        );
        assert!(
            file_starting_with(&v.dir, "plain.").is_some(),
            "{}: no plain.*",
            v.name
        );
        assert!(
            v.decrypted.is_some() != v.failure.is_some(),
            "{}: needs exactly one of decrypted.* and error",
            v.name
        );
    }
}

#[test]
fn decrypts_every_vector_like_sops() {
    let mut problems = Vec::new();
    let mut runs = 0;
    for v in vectors() {
        if let Some(decrypted) = &v.decrypted {
            problems.extend(check_positive(&v, &fs::read(decrypted).unwrap()));
            runs += v.identities.len();
        }
    }
    assert!(runs >= 30, "only {runs} decrypting runs found");
    report(problems);
}

#[test]
fn rejects_every_negative_with_its_own_error_and_no_plaintext() {
    let mut problems = Vec::new();
    let mut seen = 0;
    for v in vectors() {
        if let Some((error, code)) = &v.failure {
            problems.extend(check_negative(&v, error, *code));
            seen += 1;
        }
    }
    assert!(seen >= 15, "only {seen} negative vectors found");
    report(problems);
}

/// The canary rule is only meaningful if every negative's file really holds canaries.
#[test]
fn every_negative_fixture_holds_a_canary() {
    for v in vectors().iter().filter(|v| v.failure.is_some()) {
        let plain = read_text(&file_starting_with(&v.dir, "plain.").unwrap());
        assert!(
            plain.contains(CANARY),
            "{}: its plain file has no canary value",
            v.name
        );
    }
}

/// Decodes the `data` entries of the simple Secret files written by `make.sh` (`  key: base64` lines).
fn secret_data(path: &Path) -> Vec<(String, Vec<u8>)> {
    use base64::Engine as _;
    let text = read_text(path);
    let data = text.split("\ndata:\n").nth(1).expect("a data: block");
    data.lines()
        .map(|l| {
            let (k, v) = l.trim_start().split_once(": ").expect("key: value");
            (
                k.to_string(),
                base64::engine::general_purpose::STANDARD
                    .decode(v)
                    .expect("base64"),
            )
        })
        .collect()
}

/// Flux §12.2: each data value of the Secret is a whole sops file; decrypting it in the format of the data
/// key's name must give the value Flux would put back (`expected.yaml`).
#[test]
fn flux_secret_data_values_decrypt_to_the_expected_secret() {
    let dir = fixtures().join("flux_secret_data_files");
    let encrypted = secret_data(&dir.join("secret.yaml"));
    let expected = secret_data(&dir.join("expected.yaml"));
    assert_eq!(encrypted.len(), 4);
    let mut problems = Vec::new();
    for ((key, enc), (key2, want)) in encrypted.iter().zip(&expected) {
        assert_eq!(key, key2);
        if key == "plain-field" {
            assert_eq!(enc, want, "a value without sops metadata is left alone");
            continue;
        }
        let format = match key.rsplit_once('.').map(|(_, ext)| ext) {
            Some("env") => "dotenv",
            Some("json") => "json",
            _ => "binary",
        };
        let t = tempfile::tempdir().unwrap();
        let file = t.path().join("value");
        fs::write(&file, enc).unwrap();
        let args: Vec<String> = ["--input-type", format, "--output-type", format]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let o = decrypt(&file, &["age-a.txt".to_string()], &args);
        if !o.status.success() {
            problems.push(format!(
                "{key}: exit {:?}\n{}",
                o.status.code(),
                safe_stderr(&o)
            ));
        } else if &o.stdout != want {
            problems.push(format!("{key}: {}", first_difference(&o.stdout, want)));
        }
    }
    report(problems);
}

// ---------------------------------------------------------------------------------------------------------
// Key discovery (spec §4.4): every source below is enough on its own, and sources are merged.

/// The `enc.*` file of a fixture folder and what sops printed for it.
fn fixture(name: &str) -> (PathBuf, Vec<u8>) {
    let dir = fixtures().join(name);
    let enc = file_starting_with(&dir, "enc.").unwrap();
    (
        enc,
        fs::read(file_starting_with(&dir, "decrypted.").unwrap()).unwrap(),
    )
}

fn secret_vector() -> (PathBuf, Vec<u8>) {
    fixture("rule_encrypted_regex_secret")
}

/// The text of a file of `keys/`.
fn key_text(name: &str) -> String {
    read_text(&keys_dir().join(name))
}

/// Runs `fleetcheck decrypt` on a vector after `setup` placed keys; asserts sops' output.
fn assert_discovers(vector: &str, what: &str, setup: impl FnOnce(&Path, &mut Command)) {
    let (enc, want) = fixture(vector);
    let home = tempfile::tempdir().unwrap();
    let mut cmd = isolated(home.path());
    setup(home.path(), &mut cmd);
    let o = cmd.arg("decrypt").arg(&enc).output().unwrap();
    assert!(
        o.status.success(),
        "{what}: exit {:?}\n{}",
        o.status.code(),
        safe_stderr(&o)
    );
    assert!(
        o.stdout == want,
        "{what}: {}",
        first_difference(&o.stdout, &want)
    );
}

fn write_keys(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn finds_the_key_in_sops_age_key() {
    assert_discovers("rule_encrypted_regex_secret", "SOPS_AGE_KEY", |_, cmd| {
        cmd.env("SOPS_AGE_KEY", key_text("age-a.txt"));
    });
}

#[test]
fn finds_the_key_in_sops_age_key_file() {
    assert_discovers(
        "rule_encrypted_regex_secret",
        "SOPS_AGE_KEY_FILE",
        |_, cmd| {
            cmd.env("SOPS_AGE_KEY_FILE", keys_dir().join("age-a.txt"));
        },
    );
}

#[test]
fn finds_the_key_under_xdg_config_home() {
    assert_discovers(
        "rule_encrypted_regex_secret",
        "$XDG_CONFIG_HOME/sops/age/keys.txt",
        |home, _| {
            write_keys(&home.join("xdg/sops/age/keys.txt"), &key_text("age-a.txt"));
        },
    );
}

#[test]
fn finds_the_key_under_home_config_when_xdg_is_unset() {
    assert_discovers(
        "rule_encrypted_regex_secret",
        "$HOME/.config/sops/age/keys.txt",
        |home, cmd| {
            cmd.env_remove("XDG_CONFIG_HOME");
            write_keys(
                &home.join(".config/sops/age/keys.txt"),
                &key_text("age-a.txt"),
            );
        },
    );
}

#[test]
fn finds_the_ssh_key_in_home_ssh_id_ed25519() {
    assert_discovers("ssh_ed25519", "$HOME/.ssh/id_ed25519", |home, _| {
        write_keys(&home.join(".ssh/id_ed25519"), &key_text("ssh_ed25519"));
    });
}

#[test]
fn finds_the_ssh_key_in_home_ssh_id_rsa() {
    assert_discovers("ssh_rsa", "$HOME/.ssh/id_rsa", |home, _| {
        write_keys(&home.join(".ssh/id_rsa"), &key_text("ssh_rsa"));
    });
}

#[test]
fn merges_key_sources_instead_of_taking_the_first() {
    assert_discovers(
        "rule_encrypted_regex_secret",
        "wrong key in SOPS_AGE_KEY_FILE, right key in the default file",
        |home, cmd| {
            cmd.env("SOPS_AGE_KEY_FILE", keys_dir().join("age-wrong.txt"));
            write_keys(&home.join("xdg/sops/age/keys.txt"), &key_text("age-a.txt"));
        },
    );
}

#[test]
fn fails_without_any_key_and_says_so() {
    let (enc, _) = secret_vector();
    let home = tempfile::tempdir().unwrap();
    let o = isolated(home.path())
        .arg("decrypt")
        .arg(&enc)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", safe_stderr(&o));
    assert!(o.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains(CANARY));
    assert!(stderr.contains("data key"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------------------
// --output

#[test]
fn output_inside_a_git_repository_is_refused() {
    let (enc, _) = secret_vector();
    let home = tempfile::tempdir().unwrap();
    let repo = home.path().join("repo");
    fs::create_dir_all(repo.join(".git")).unwrap();
    let git = Command::new("git").args(["init", "-q"]).arg(&repo).status();
    assert!(git.is_err() || git.unwrap().success(), "git init failed");
    fs::create_dir_all(repo.join("secrets")).unwrap();
    let out = repo.join("secrets/plain.yaml");
    let o = isolated(home.path())
        .arg("decrypt")
        .arg("--age-key-file")
        .arg(keys_dir().join("age-a.txt"))
        .arg("--output")
        .arg(&out)
        .arg(&enc)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", safe_stderr(&o));
    assert!(
        !out.exists(),
        "decrypted output was written inside a git repository"
    );
    assert!(o.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("git"),
        "the refusal should name the git repository: {stderr}"
    );
    assert!(!stderr.contains(CANARY));
}

#[test]
fn output_outside_a_git_repository_writes_what_stdout_would_show() {
    let (enc, want) = secret_vector();
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("plain.yaml");
    let o = isolated(home.path())
        .arg("decrypt")
        .arg("--age-key-file")
        .arg(keys_dir().join("age-a.txt"))
        .arg("--output")
        .arg(&out)
        .arg(&enc)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "exit {:?}\n{}",
        o.status.code(),
        safe_stderr(&o)
    );
    assert!(o.stdout.is_empty());
    let written = fs::read(&out).unwrap();
    assert!(written == want, "{}", first_difference(&written, &want));
}
