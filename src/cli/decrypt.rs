//! `fleetcheck decrypt FILE...`: decrypts sops files like `sops -d`, several in parallel, printed
//! in argument order. Plaintext goes to stdout or to `--output`, never into a git work tree.

use std::path::{Path, PathBuf};

use clap::Args;
use rayon::prelude::*;

use super::{report, write_stdout};
use crate::diagnostic::Diagnostic;
use crate::sops::{DecryptOptions, Format, KeyRing, SecretBytes, SopsError, decrypt_file};
use crate::yaml::Pos;

/// Largest file `decrypt` reads.
const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Arguments of `fleetcheck decrypt`.
#[derive(Debug, Args)]
pub struct DecryptArgs {
    /// The sops-encrypted files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Input format (default: from each file name: .yaml/.yml, .json, .env, .ini, else binary).
    #[arg(long, value_name = "TYPE", value_parser = parse_format)]
    pub input_type: Option<Format>,
    /// Output format (default: from each file name, as sops does).
    #[arg(long, value_name = "TYPE", value_parser = parse_format)]
    pub output_type: Option<Format>,
    /// An age keys file (repeatable; merged with SOPS_AGE_KEY, SOPS_AGE_KEY_FILE and the default keys.txt).
    #[arg(long, value_name = "PATH")]
    pub age_key_file: Vec<PathBuf>,
    /// Do not verify the MAC (as `sops -d --ignore-mac` and Flux).
    #[arg(long)]
    pub ignore_mac: bool,
    /// Write the plaintext to this file (refused inside a git work tree) instead of stdout.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s)
        .ok_or_else(|| format!("unknown type `{s}` (expected yaml, json, dotenv, ini or binary)"))
}

/// The diagnostic for a sops error in `file` (always sensitive: never quote the file).
pub fn sops_diagnostic(err: &SopsError, file: &Path) -> Diagnostic {
    let pos = err.position().map_or(Pos::NONE, |(l, c)| Pos::new(l, c));
    Diagnostic::at(format!("cannot decrypt: {err}"), file, pos)
        .with_hint(err.hint())
        .sensitive()
}

fn decrypt_one(path: &Path, args: &DecryptArgs, keys: &KeyRing) -> Result<SecretBytes, Diagnostic> {
    let io_err =
        |e: std::io::Error| Diagnostic::at(format!("cannot read the file: {e}"), path, Pos::NONE);
    let size = std::fs::metadata(path).map_err(io_err)?.len();
    if size > MAX_INPUT_BYTES {
        return Err(Diagnostic::at(
            format!("the file is {size} bytes, over the limit of {MAX_INPUT_BYTES}"),
            path,
            Pos::NONE,
        ));
    }
    let input = std::fs::read(path).map_err(io_err)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let by_name = Format::from_file_name(&name);
    let opts = DecryptOptions {
        verify_mac: !args.ignore_mac,
    };
    decrypt_file(
        &input,
        args.input_type.unwrap_or(by_name),
        args.output_type.unwrap_or(by_name),
        keys,
        &opts,
    )
    .map_err(|e| sops_diagnostic(&e, path))
}

/// The nearest ancestor of `dir` (itself included) holding `.git`.
fn git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Refuses an output path inside a git work tree or inside an input file's repository.
fn check_output_path(out: &Path, inputs: &[PathBuf]) -> Result<PathBuf, Diagnostic> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let parent = parent.canonicalize().map_err(|e| {
        Diagnostic::at(
            format!("cannot use the output directory: {e}"),
            &parent,
            Pos::NONE,
        )
    })?;
    let refuse = |root: &Path| {
        Diagnostic::at(
            format!(
                "refusing to write decrypted secrets inside the git work tree {}",
                root.display()
            ),
            out,
            Pos::NONE,
        )
        .with_hint(
            "plaintext must not land in a repository; write outside it (e.g. a tmpfs) or to stdout",
        )
    };
    if let Some(root) = git_root(&parent) {
        return Err(refuse(&root));
    }
    for input in inputs {
        let dir = input
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Some(root) = dir.canonicalize().ok().and_then(|d| git_root(&d))
            && parent.starts_with(&root)
        {
            return Err(refuse(&root));
        }
    }
    let name = out
        .file_name()
        .ok_or_else(|| Diagnostic::at("the output path has no file name", out, Pos::NONE))?;
    Ok(parent.join(name))
}

fn write_private(path: &Path, chunks: &[SecretBytes]) -> Result<(), Diagnostic> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let err = |e: std::io::Error| {
        Diagnostic::at(format!("cannot write the output: {e}"), path, Pos::NONE)
    };
    let mut file = options.open(path).map_err(err)?;
    for c in chunks {
        file.write_all(c.expose()).map_err(err)?;
    }
    Ok(())
}

/// Runs `decrypt`; `Ok(false)` when some file failed (each failure already reported).
pub fn run(args: &DecryptArgs) -> Result<bool, Diagnostic> {
    let output = args
        .output
        .as_deref()
        .map(|o| check_output_path(o, &args.files))
        .transpose()?;
    let keys = KeyRing::from_environment(&args.age_key_file, &|k| std::env::var(k).ok())
        .map_err(|e| Diagnostic::new(e.to_string()).with_hint(e.hint()))?;
    let results: Vec<Result<SecretBytes, Diagnostic>> = args
        .files
        .par_iter()
        .map(|f| decrypt_one(f, args, &keys))
        .collect();
    let mut ok = true;
    let mut plaintexts = Vec::new();
    for result in results {
        match result {
            Ok(plain) if output.is_some() => plaintexts.push(plain),
            Ok(plain) => write_stdout(plain.expose())?,
            Err(diag) => {
                ok = false;
                report(&diag);
            }
        }
    }
    if let Some(path) = output
        && !plaintexts.is_empty()
    {
        write_private(&path, &plaintexts)?;
    }
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_inside_a_repository_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("sub")).unwrap();
        let err = check_output_path(&repo.join("sub/out.yaml"), &[]).unwrap_err();
        assert!(err.message.contains("refusing"));
        let outside = dir.path().join("out");
        std::fs::create_dir_all(&outside).unwrap();
        assert!(check_output_path(&outside.join("x.yaml"), &[repo.join("secret.yaml")]).is_ok());
    }
}
