//! Opt-in run of the fluxcd/pkg `kustomize_varsub_test.go` scenarios on their testdata,
//! built with our kustomize engine. Run with
//! `FLUX_CONFORMANCE_DIR=/work/shared/conformance/flux cargo test --lib flux -- --ignored`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::*;
use crate::kustomize::output::to_yaml;
use crate::kustomize::{BuildOptions, Reorder, build};
use crate::source::DiskTree;

fn testdata() -> PathBuf {
    let dir = std::env::var_os("FLUX_CONFORMANCE_DIR").expect("set FLUX_CONFORMANCE_DIR");
    PathBuf::from(dir).join("flux-pkg-kustomize/testdata")
}

fn first_doc(path: &Path) -> Node {
    let text = std::fs::read_to_string(path).expect("read");
    let docs = parse_stream(&text, &Limits::default()).expect("parse");
    docs.into_iter()
        .find(|d| !d.root.is_null())
        .expect("a document")
        .root
}

fn build_dir(dir: &Path) -> Vec<Resource> {
    let options = BuildOptions {
        reorder: Reorder::None,
        ..BuildOptions::default()
    };
    build(&DiskTree, dir, &options).expect("build")
}

/// The post-build of a Flux Kustomization file, with objects from `objects` (file names in
/// testdata) as the cluster's ConfigMaps and Secrets.
fn vars_of(ks_file: &str, objects: &[&str]) -> (PostBuild, BTreeMap<String, String>) {
    let td = testdata();
    let ks_path = td.join(ks_file);
    let ks = first_doc(&ks_path);
    let spec = ks.get("spec").expect("spec");
    let pb = parse_post_build(spec, &ks_path)
        .expect("postBuild")
        .unwrap_or_default();
    let cluster: Vec<Node> = objects.iter().map(|f| first_doc(&td.join(f))).collect();
    let lookup = |r: &SubstituteRef| {
        cluster
            .iter()
            .find(|o| {
                o.get("kind").and_then(Node::as_str) == Some(r.kind.as_str())
                    && o.get_path(&["metadata", "name"]).and_then(Node::as_str)
                        == Some(r.name.as_str())
            })
            .map(|o| object_data(r.kind, o).expect("object data"))
    };
    let vars = resolve_vars(&pb, &lookup).expect("vars");
    (pb, vars)
}

#[test]
#[ignore = "needs FLUX_CONFORMANCE_DIR"]
fn varsub_golden_and_strict() {
    let td = testdata();
    let (_, vars) = vars_of("kustomization_varsub.yaml", &["configmap.yaml"]);
    let mut res = build_dir(&td.join("resources"));
    apply(&mut res, &vars, false, SubstituteStrategy::WithVariables).expect("substitute");
    let want =
        std::fs::read_to_string(td.join("kustomization_varsub_expected.yaml")).expect("read");
    assert_eq!(to_yaml(&res).expect("yaml"), want);

    let strict_dir = td.join("varsubstrict");
    let mut res = build_dir(&strict_dir);
    let err = apply(&mut res, &vars, true, SubstituteStrategy::WithVariables).unwrap_err();
    assert!(err.message.contains("variable not set"), "{}", err.message);
    let mut res = build_dir(&strict_dir);
    apply(&mut res, &vars, false, SubstituteStrategy::WithVariables).expect("non-strict");
}

#[test]
#[ignore = "needs FLUX_CONFORMANCE_DIR"]
fn varsub_always() {
    let td = testdata();
    let (pb, vars) = vars_of("kustomization_varsub_novars.yaml", &[]);
    assert!(vars.is_empty());
    let dir = td.join("varsubalways");
    let mut res = build_dir(&dir);
    apply(&mut res, &vars, false, pb.strategy).expect("substitute");
    let yml = to_yaml(&res).expect("yaml");
    assert!(yml.contains("${cluster_env:=dev}") && yml.contains("${cluster_region:=eu-central-1}"));
    let mut res = build_dir(&dir);
    apply(&mut res, &vars, false, SubstituteStrategy::Always).expect("substitute");
    let yml = to_yaml(&res).expect("yaml");
    assert!(!yml.contains("${"), "{yml}");
    assert!(
        yml.contains("environment: dev") && yml.contains("region: eu-central-1"),
        "{yml}"
    );
}

#[test]
#[ignore = "needs FLUX_CONFORMANCE_DIR"]
fn varsub_strict_empty_values() {
    let td = testdata();
    let (_, vars) = vars_of(
        "kustomization_varsub_empty.yaml",
        &["configmap_empty.yaml", "secret_empty.yaml"],
    );
    let dir = td.join("varsubstrictempty");
    let mut res = build_dir(&dir);
    apply(&mut res, &vars, true, SubstituteStrategy::WithVariables).expect("strict, empty values");
    let yml = to_yaml(&res).expect("yaml");
    assert!(!yml.contains("${"), "{yml}");
    for l in [
        "from-inline: null",
        "from-configmap: null",
        "from-secret: null",
    ] {
        assert!(yml.contains(l), "{l} in {yml}");
    }
    let (_, dummy) = vars_of("kustomization_varsub_dummy.yaml", &[]);
    let mut omitted = build_dir(&dir);
    apply(
        &mut omitted,
        &dummy,
        false,
        SubstituteStrategy::WithVariables,
    )
    .expect("non-strict");
    assert_eq!(to_yaml(&omitted).expect("yaml"), yml);
}
