//! Builds many kustomization directories in one process and reports per-directory times.
//!
//! `cargo bench --bench build_dirs -- ROOT [RUNS]` builds every immediate subdirectory of ROOT
//! that holds a kustomization, RUNS times (default 5), and prints the median of the total and
//! the median per directory. `bench/overlays.sh` compares it with one `kubectl kustomize` per
//! directory.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fleetcheck::kustomize::output::to_yaml;
use fleetcheck::kustomize::{BuildOptions, build};
use fleetcheck::source::DiskTree;

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let Some(root) = args.next() else {
        eprintln!("usage: build_dirs ROOT [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let dirs = overlay_dirs(Path::new(&root));
    if dirs.is_empty() {
        eprintln!("no kustomization directories under {root}");
        std::process::exit(2);
    }
    let options = BuildOptions::default();
    let mut totals = Vec::with_capacity(runs);
    let mut bytes = 0usize;
    for _ in 0..runs {
        let start = Instant::now();
        bytes = 0;
        for dir in &dirs {
            match build(&DiskTree, dir, &options).and_then(|r| to_yaml(&r)) {
                Ok(yaml) => bytes += yaml.len(),
                Err(d) => {
                    eprintln!("{}: {d}", dir.display());
                    std::process::exit(1);
                }
            }
        }
        totals.push(start.elapsed());
    }
    totals.sort();
    let median = totals[totals.len() / 2];
    let per_dir = median / dirs.len() as u32;
    println!("directories: {}", dirs.len());
    println!("output bytes: {bytes}");
    println!("in-process total median: {:.3} s", secs(median));
    println!(
        "in-process per directory median: {:.3} ms",
        secs(per_dir) * 1000.0
    );
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn overlay_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    dirs.retain(|d| d.join("kustomization.yaml").is_file());
    dirs.sort();
    dirs
}
