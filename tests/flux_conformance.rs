//! Opt-in checks against the fluxcd/pkg kustomize testdata. Run with
//! `FLEETCHECK_FLUX_CONFORMANCE=/work/shared/conformance/flux cargo test --test flux_conformance -- --ignored`.

use std::path::{Path, PathBuf};

use fleetcheck::flux::api::parse_kustomization;
use fleetcheck::flux::render::flux_build;
use fleetcheck::kustomize::output::to_yaml;
use fleetcheck::kustomize::resources::resources_from_documents;
use fleetcheck::source::DiskTree;
use fleetcheck::yaml::{Limits, parse_stream};

fn corpus() -> Option<PathBuf> {
    std::env::var_os("FLEETCHECK_FLUX_CONFORMANCE").map(PathBuf::from)
}

fn first_ks(file: &Path) -> fleetcheck::flux::api::FluxKustomization {
    let text = std::fs::read_to_string(file).unwrap();
    let docs = parse_stream(&text, &Limits::default()).unwrap();
    let res = resources_from_documents(docs, file).unwrap();
    parse_kustomization(&res[0]).unwrap().unwrap()
}

/// Copies a directory into a temp dir (fluxcd/pkg tests build copies too).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
#[ignore = "needs FLEETCHECK_FLUX_CONFORMANCE"]
fn kustomization_generator_matches_fluxcd_pkg() {
    let Some(dir) = corpus() else { return };
    let td = dir.join("flux-pkg-kustomize/testdata");
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    copy_dir(&td.join("resources"), &root);
    // fluxcd/pkg reads kustomization.yaml; the testdata holds kustomization.yml.
    std::fs::rename(
        root.join("kustomization.yml"),
        root.join("kustomization.yaml"),
    )
    .unwrap();
    let mut ks = first_ks(&td.join("kustomization.yaml"));
    ks.path = ".".into();
    let built = flux_build(&DiskTree, &root, &ks, &Limits::default()).unwrap();
    let got = to_yaml(&built.resources).unwrap();
    let want = std::fs::read_to_string(td.join("kustomization_expected.yaml")).unwrap();
    assert_eq!(got, want);
    // Nothing was written to disk.
    assert!(!root.join("kustomization.yaml.original").exists());
}

#[test]
#[ignore = "needs FLEETCHECK_FLUX_CONFORMANCE"]
fn secure_build_with_a_base_above_the_kustomization() {
    let Some(dir) = corpus() else { return };
    let root = dir
        .join("flux-pkg-kustomize/testdata/relbase")
        .canonicalize()
        .unwrap();
    let mut ks = fleetcheck::flux::discover::empty_kustomization();
    ks.name = "flux-system".into();
    ks.namespace = "flux-system".into();
    ks.path = "./clusters/staging/flux-system".into();
    let built = flux_build(&DiskTree, &root, &ks, &Limits::default()).unwrap();
    assert!(!built.resources.is_empty());
}

#[test]
#[ignore = "needs FLEETCHECK_FLUX_CONFORMANCE"]
fn name_prefix_suffix_and_namespace_replace_the_files_values() {
    let Some(dir) = corpus() else { return };
    let td = dir
        .join("flux-pkg-kustomize/testdata/name")
        .canonicalize()
        .unwrap();
    let ks = first_ks(&td.join("ks.yaml"));
    let built = flux_build(&DiskTree, &td, &ks, &Limits::default()).unwrap();
    let yaml = to_yaml(&built.resources).unwrap();
    assert!(
        yaml.contains("name: prefix-test-configmap-suffix-"),
        "{yaml}"
    );
    assert!(yaml.contains("namespace: test-namespace"), "{yaml}");
}

#[test]
#[ignore = "needs FLEETCHECK_FLUX_CONFORMANCE"]
fn flux_build_kustomization_golden_without_service() {
    let Some(dir) = corpus() else { return };
    let td = dir.join("flux-build/cmd-flux/testdata/build-kustomization");
    let ns = "flux-system-1";
    let ks_text = std::fs::read_to_string(td.join("podinfo-kustomization.yaml"))
        .unwrap()
        .replace("{{ .fluxns }}", ns);
    let tmp = tempfile::tempdir().unwrap();
    let ks_file = tmp.path().join("ks.yaml");
    std::fs::write(&ks_file, ks_text).unwrap();
    let mut ks = first_ks(&ks_file);
    let root = td.join("delete-service").canonicalize().unwrap();
    ks.path = ".".into();
    let built =
        fleetcheck::flux::render::render_kustomization(&DiskTree, &root, &ks, &Limits::default())
            .unwrap();
    // `flux build` prints every object followed by `---`.
    let mut got = String::new();
    for r in &built.resources {
        got.push_str(&to_yaml(std::slice::from_ref(r)).unwrap());
        got.push_str("---\n");
    }
    let want = std::fs::read_to_string(td.join("podinfo-without-service-result.yaml"))
        .unwrap()
        .replace("{{ .fluxns }}", ns);
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs FLEETCHECK_FLUX_CONFORMANCE"]
fn flux_build_recursive_with_local_sources() {
    use fleetcheck::flux::api::SourceRef;
    use fleetcheck::flux::discover::ClusterEntry;
    use fleetcheck::flux::graph::{BuildCache, FleetOptions, render_cluster};
    let Some(dir) = corpus() else { return };
    let td = dir
        .join("flux-build/cmd-flux/testdata/build-kustomization")
        .canonicalize()
        .unwrap();
    let ns = "flux-system-2";
    let ks_text = std::fs::read_to_string(td.join("podinfo-kustomization.yaml"))
        .unwrap()
        .replace("{{ .fluxns }}", ns);
    let tmp = tempfile::tempdir().unwrap();
    let ks_file = tmp.path().join("ks.yaml");
    std::fs::write(&ks_file, ks_text).unwrap();
    let mut entry = first_ks(&ks_file);
    entry.path = "./podinfo-with-my-app".into();
    let repo = [entry.source_ref.clone()].into_iter().collect();
    let mut options = FleetOptions::default();
    // --local-sources GitRepository/default/podinfo=./testdata/build-kustomization
    options.sources.insert(
        SourceRef {
            kind: "GitRepository".into(),
            namespace: "default".into(),
            name: "podinfo".into(),
        },
        td.clone(),
    );
    let cluster = ClusterEntry {
        name: "test".into(),
        dir: td.clone(),
        entry,
        candidate_files: Vec::new(),
    };
    let out = render_cluster(
        &DiskTree,
        &td,
        &cluster,
        &repo,
        &options,
        &BuildCache::default(),
    );
    let mut got = String::new();
    for key in [format!("{ns}/podinfo"), "default/my-app".to_owned()] {
        let node = &out.nodes[&key];
        assert!(node.diagnostics.is_empty(), "{:?}", node.diagnostics);
        for r in &node.resources {
            got.push_str(&to_yaml(std::slice::from_ref(r)).unwrap());
            got.push_str("---\n");
        }
    }
    let want = std::fs::read_to_string(td.join("podinfo-with-my-app-result.yaml"))
        .unwrap()
        .replace("{{ .fluxns }}", ns);
    // The golden ends with the ConfigMap as read from disk by the CLI's recursive printer.
    assert!(want.starts_with(&got), "got:\n{got}\nwant:\n{want}");
}
