//! Schema validation cost against render cost, in one process.
//!
//! `cargo bench --bench validate_fleet -- ROOT [RUNS] [KUBE_VERSION]` renders the fleet at ROOT
//! (as `fleetcheck render` does) and validates every rendered object against the embedded
//! schemas in strict mode, RUNS times (default 3); prints the one-time schema decode, the
//! median render and validation times, objects/s and validation time as a fraction of render
//! time. `bench/schemas.sh` runs it on the generated 100-cluster fleet.

use std::path::Path;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use fleetcheck::flux::graph::{FleetOptions, FleetRender, render_fleet};
use fleetcheck::schema::SchemaSet;
use fleetcheck::source::DiskTree;

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let Some(root) = args.next() else {
        eprintln!("usage: validate_fleet ROOT [RUNS] [KUBE_VERSION]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(3);
    let version = args
        .next()
        .unwrap_or_else(|| SchemaSet::kube_versions()[0].to_owned());
    let root = match std::fs::canonicalize(Path::new(&root)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{root}: {e}");
            std::process::exit(2);
        }
    };

    let start = Instant::now();
    let set = match SchemaSet::builtin(&version) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let decode = start.elapsed();

    let mut renders = Vec::new();
    let mut validations = Vec::new();
    let (mut objects, mut unknown, mut violations) = (0, 0, 0);
    for _ in 0..runs {
        let start = Instant::now();
        let render = render_fleet(&DiskTree, &root, &FleetOptions::default(), &|_| true);
        renders.push(start.elapsed());
        let start = Instant::now();
        (objects, unknown, violations) = validate(&set, &render);
        validations.push(start.elapsed());
    }
    let render = median(&mut renders);
    let validation = median(&mut validations);
    println!(
        "kubernetes schemas:     v{version} (decoded once in {:.1} ms)",
        ms(decode)
    );
    println!(
        "objects:                {objects} ({unknown} without a schema, {violations} violations)"
    );
    println!("render median:          {:.1} ms", ms(render));
    println!("validation median:      {:.1} ms (strict)", ms(validation));
    println!(
        "validation objects/s:   {:.0}",
        objects as f64 / validation.as_secs_f64()
    );
    println!(
        "validation / render:    {:.3}",
        validation.as_secs_f64() / render.as_secs_f64()
    );
}

/// Objects validated, objects without a schema, violations; clusters in parallel as render.
fn validate(set: &SchemaSet, render: &FleetRender) -> (usize, usize, usize) {
    render
        .clusters
        .par_iter()
        .map(|cluster| {
            let mut counts = (0, 0, 0);
            for node in cluster.nodes.values() {
                for r in &node.resources {
                    counts.0 += 1;
                    match set.validate(&r.node, true) {
                        Some(found) => counts.2 += found.len(),
                        None => counts.1 += 1,
                    }
                }
            }
            counts
        })
        .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2))
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
