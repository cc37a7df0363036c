//! Helpers shared by the end-to-end tests: run the binary, write files, read outputs.
#![allow(dead_code)] // each test crate uses a different subset

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

/// A home directory that does not exist, so no developer's own SOPS keys are found.
pub const NO_HOME: &str = "/nonexistent/fleetcheck-test-home";

/// `fleetcheck ARGS` in `cwd` without colours, and without any SOPS key from the developer's
/// environment or home directory.
pub fn fleetcheck_command(args: &[&str], cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fleetcheck"));
    c.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("HOME", NO_HOME)
        .env("XDG_CONFIG_HOME", NO_HOME)
        .env_remove("SOPS_AGE_KEY")
        .env_remove("SOPS_AGE_KEY_FILE")
        .env_remove("SOPS_AGE_KEY_CMD")
        .env_remove("SOPS_AGE_SSH_PRIVATE_KEY_FILE")
        .env_remove("FLEETCHECK_REDACT_KEY");
    c
}

/// Runs `fleetcheck ARGS` in `cwd` (see [`fleetcheck_command`]).
pub fn fleetcheck(args: &[&str], cwd: &Path) -> Output {
    fleetcheck_command(args, cwd)
        .output()
        .expect("run fleetcheck")
}

/// The self-syncing Flux Kustomization of a one-cluster test fleet (`clusters/dev`).
pub const DEV_SYNC: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./clusters/dev\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n";

/// Writes `text` to `dir/rel`, creating directories.
pub fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().expect("a file path has a parent")).unwrap();
    fs::write(path, text).unwrap();
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The command's stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The command's stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Compares `actual` with the golden file `tests/golden/<rel>`; `UPDATE_GOLDEN=1` rewrites it.
pub fn golden_file(rel: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(rel);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::create_dir_all(path.parent().expect("a golden has a directory")).unwrap();
        fs::write(&path, actual).unwrap();
        return;
    }
    let want = fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert_eq!(actual, want, "golden {rel} differs");
}
