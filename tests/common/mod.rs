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
