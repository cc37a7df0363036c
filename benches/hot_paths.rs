//! Hot-path benchmarks with divan: `cargo bench --bench hot_paths`.
//!
//! YAML parse and emit of a ~1 MB document stream, one kustomize build of a generated overlay,
//! and a render of a small generated fleet (5 clusters x 10 Kustomizations x 10 objects), the
//! fleets written once into a temp dir by the generator of `examples/fleetgen.rs`.

#[path = "support/fleetgen.rs"]
mod fleetgen;

use std::path::PathBuf;
use std::sync::LazyLock;

use fleetcheck::flux::graph::{FleetOptions, render_fleet};
use fleetcheck::kustomize::{BuildOptions, build};
use fleetcheck::source::DiskTree;
use fleetcheck::yaml::emit::write_stream;
use fleetcheck::yaml::limits::Limits;
use fleetcheck::yaml::parse::parse_stream;

fn main() {
    divan::main();
}

/// The small fleet, generated once (the temp dir lives for the whole process).
static FLEET: LazyLock<(tempfile::TempDir, PathBuf)> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("temp dir");
    let params = fleetgen::Params {
        clusters: 5,
        kustomizations: 10,
        objects: 10,
        seed: 1,
    };
    fleetgen::generate(&params)
        .write(dir.path())
        .expect("write fleet");
    let root = std::fs::canonicalize(dir.path()).expect("canonical root");
    (dir, root)
});

/// About 1 MB of YAML: the generated base files concatenated as one stream.
static STREAM: LazyLock<String> = LazyLock::new(|| {
    let params = fleetgen::Params {
        clusters: 1,
        kustomizations: 30,
        objects: 200,
        seed: 1,
    };
    let fleet = fleetgen::generate(&params);
    let docs: Vec<&String> = fleet
        .files
        .iter()
        .filter(|(k, _)| k.ends_with("extras.yaml"))
        .map(|(_, v)| v)
        .collect();
    let mut out = String::new();
    while out.len() < 1 << 20 {
        for d in &docs {
            out.push_str("---\n");
            out.push_str(d);
        }
    }
    out
});

#[divan::bench]
fn yaml_parse_1mb() -> usize {
    parse_stream(divan::black_box(&STREAM), &Limits::default())
        .expect("stream parses")
        .len()
}

#[divan::bench]
fn yaml_emit_1mb(bencher: divan::Bencher) {
    let docs = parse_stream(&STREAM, &Limits::default()).expect("stream parses");
    bencher.bench(|| {
        let mut out = String::new();
        write_stream(docs.iter().map(|d| &d.root), &mut out).expect("stream emits");
        out.len()
    });
}

#[divan::bench]
fn kustomize_build_overlay() -> usize {
    let root = &FLEET.1;
    let dir = root.join("apps/production/app-1");
    build(&DiskTree, &dir, &BuildOptions::default())
        .expect("overlay builds")
        .len()
}

#[divan::bench(sample_count = 10)]
fn render_fleet_5x10x10() -> usize {
    render_fleet(&DiskTree, &FLEET.1, &FleetOptions::default(), &|_| true)
        .clusters
        .len()
}
