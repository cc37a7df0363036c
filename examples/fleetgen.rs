//! Writes a deterministic synthetic Flux fleet for the benchmarks (`bench/scale.sh`).
//!
//! `cargo run --release --example fleetgen -- --clusters N --kustomizations M --objects K
//! --seed S --out DIR` (defaults 100, 30, 20, 1). DIR is replaced. The layout is the one of
//! `bench/gen_fleet.py`, plus tenants, ImagePolicy objects with `$imagepolicy` markers and
//! SOPS-encrypted Secrets (decrypt with `testdata/fleet-infra/test-keys/age.agekey`).

#[path = "../benches/support/fleetgen.rs"]
mod fleetgen;

use std::path::PathBuf;
use std::process::ExitCode;

use fleetgen::{Params, generate};

fn usage(problem: &str) -> ExitCode {
    eprintln!("fleetgen: {problem}");
    eprintln!(
        "usage: fleetgen [--clusters N] [--kustomizations M] [--objects K (>= 6)] [--seed S] --out DIR"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut p = Params {
        clusters: 100,
        kustomizations: 30,
        objects: 20,
        seed: 1,
    };
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else {
            return usage(&format!("{flag} needs a value"));
        };
        let number = || {
            value
                .parse::<u64>()
                .map_err(|e| format!("{flag} {value}: {e}"))
        };
        let parsed = match flag.as_str() {
            "--clusters" => number().map(|n| p.clusters = n as usize),
            "--kustomizations" => number().map(|n| p.kustomizations = n as usize),
            "--objects" => number().map(|n| p.objects = n as usize),
            "--seed" => number().map(|n| p.seed = n),
            "--out" => {
                out = Some(PathBuf::from(&value));
                Ok(())
            }
            _ => Err(format!("unknown flag {flag}")),
        };
        if let Err(e) = parsed {
            return usage(&e);
        }
    }
    let Some(out) = out else {
        return usage("--out DIR is required");
    };
    if p.clusters < 1 || p.objects < 6 {
        return usage("need --clusters >= 1 and --objects >= 6");
    }
    if out.exists()
        && let Err(e) = std::fs::remove_dir_all(&out)
    {
        eprintln!("fleetgen: cannot replace {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    let fleet = generate(&p);
    if let Err(e) = fleet.write(&out) {
        eprintln!("fleetgen: writing {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use fleetcheck::flux::graph::{FleetOptions, render_fleet};
    use fleetcheck::sops::KeyRing;
    use fleetcheck::source::DiskTree;

    use super::fleetgen::{Params, generate};

    const SMALL: Params = Params {
        clusters: 4,
        kustomizations: 7,
        objects: 8,
        seed: 7,
    };

    #[test]
    fn same_seed_same_tree_other_seed_differs() {
        assert_eq!(generate(&SMALL), generate(&SMALL));
        let other = generate(&Params { seed: 8, ..SMALL });
        assert_ne!(generate(&SMALL).files, other.files);
    }

    #[test]
    fn generated_fleet_renders_without_errors_and_decrypts() {
        let dir = tempfile::tempdir().unwrap();
        let fleet = generate(&SMALL);
        assert!(
            fleet
                .files
                .keys()
                .any(|k| k.starts_with("tenants/base/team-a"))
        );
        assert!(
            fleet
                .files
                .values()
                .any(|t| t.contains("kind: ImagePolicy"))
        );
        assert!(fleet.files.values().any(|t| t.contains("\"$imagepolicy\"")));
        fleet.write(dir.path()).unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let mut keys = KeyRing::new();
        let key = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/fleet-infra/test-keys/age.agekey"
        );
        keys.add_age_key_file(std::path::Path::new(key)).unwrap();
        let options = FleetOptions {
            keys: Some(Arc::new(keys)),
            ..FleetOptions::default()
        };
        let render = render_fleet(&DiskTree, &root, &options, &|_| true);
        assert!(render.diagnostics.is_empty(), "{:?}", render.diagnostics);
        assert_eq!(render.clusters.len(), SMALL.clusters);
        for c in &render.clusters {
            // flux-system, secrets, tenants, 2 tenant Kustomizations and the 7 generated ones.
            assert_eq!(c.nodes.len(), 12, "{}: {:?}", c.name, c.nodes.keys());
            assert!(!c.has_errors(), "{}", c.name);
            let secrets = &c.nodes["flux-system/secrets"];
            assert_eq!(secrets.decryption.decrypted.len(), 2, "{}", c.name);
            assert!(secrets.decryption.undecrypted.is_empty());
        }
    }
}
