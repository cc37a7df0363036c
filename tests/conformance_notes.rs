//! kustomize conformance cases (`../shared/conformance/krusty`) that fleetcheck does not pass on
//! purpose, each with its reason pinned as a test of fleetcheck's behaviour.
//!
//! - `inlinelabels__…IncludeVolumeClaimTemplates…` (4 cases): written against kustomize's main
//!   branch after v5.8.1, which added `labels[].includeVolumeClaimTemplates`. Flux runs v5.8.1,
//!   whose `Label` type has no such field, so the kustomization is invalid there: we reject the
//!   unknown field exactly as v5.8.1 does (`unknown_label_field_is_rejected_as_in_v5_8_1`).
//! - `namespaces__TestNameReferenceDeploymentIssue3489`: the test's in-memory filesystem resolves
//!   `/..` to `/`, so the run root at `/` can list `../ov1` and mean `/ov1`. On a real filesystem
//!   `../ov1` from a directory leaves it; fleetcheck reports the missing base at the entry
//!   (`parent_of_the_root_is_a_real_directory`).

mod common;

use common::write;
use std::path::Path;
use std::process::Command;

fn build(dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fleetcheck"))
        .args(["build", "."])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn unknown_label_field_is_rejected_as_in_v5_8_1() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "kustomization.yaml",
        "resources:\n- sts.yaml\nlabels:\n- pairs: {a: b}\n  includeTemplates: true\n  includeVolumeClaimTemplates: true\n",
    );
    write(
        t.path(),
        "sts.yaml",
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n",
    );
    let o = build(t.path());
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("unknown field \"includeVolumeClaimTemplates\""),
        "{err}"
    );
    assert!(err.contains("kustomization.yaml:6:"), "{err}");
}

#[test]
fn parent_of_the_root_is_a_real_directory() {
    let t = tempfile::tempdir().unwrap();
    let run = t.path().join("run");
    write(&run, "kustomization.yaml", "resources:\n- ../ov1\n");
    let o = build(&run);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("resource '../ov1' not found"), "{err}");

    // With the base where a real filesystem puts it, the same kustomization builds.
    write(
        t.path(),
        "ov1/kustomization.yaml",
        "resources:\n- cm.yaml\n",
    );
    write(
        t.path(),
        "ov1/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    );
    let o = build(&run);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
    );
}
