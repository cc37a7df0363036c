//! Minimal reproductions of what measuring fleetcheck on public fleet repositories found
//! (`bench/public-fleets.md`, `scripts/public-fleets.sh`).

mod common;

use common::{fleetcheck, stderr, stdout, write};
use std::path::Path;

/// The tenant layout of fluxcd/flux2-multi-tenancy: `tenants/<env>/` holds a kustomization.yaml
/// and, next to it, `dev-team-patch.yaml`, a Kustomization patch with only `spec.path`, that
/// the kustomization.yaml does not list.
fn tenant_fleet(dir: &Path) {
    write(
        dir,
        "clusters/staging/flux-system/gotk-sync.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./clusters/staging\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    write(
        dir,
        "clusters/staging/tenants.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: tenants\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./tenants/staging\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    write(
        dir,
        "tenants/staging/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\nresources:\n  - rbac.yaml\n",
    );
    write(
        dir,
        "tenants/staging/rbac.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: flux\n",
    );
    write(
        dir,
        "tenants/staging/dev-team-patch.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: dev-team\n  namespace: apps\nspec:\n  path: ./staging\n",
    );
}

/// `fleetcheck render .` in `dir`: exit code, stdout, stderr.
fn render(dir: &Path) -> (Option<i32>, String, String) {
    let o = fleetcheck(&["render", "."], dir);
    (o.status.code(), stdout(&o), stderr(&o))
}

#[test]
fn a_kustomization_patch_that_no_build_applies_is_not_an_error() {
    let t = tempfile::tempdir().unwrap();
    tenant_fleet(t.path());
    let (code, out, err) = render(t.path());
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("dev-team-patch.yaml"), "{err}");
    let row: Vec<String> = out
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    // flux-system, tenants; gotk-sync's Kustomization, tenants.yaml's, the ServiceAccount.
    assert_eq!(row, ["staging", "2", "3", "0", "0"]);
}

#[test]
fn the_same_patch_is_an_error_where_a_build_applies_it() {
    let t = tempfile::tempdir().unwrap();
    tenant_fleet(t.path());
    write(
        t.path(),
        "tenants/staging/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\nresources:\n  - rbac.yaml\n  - dev-team-patch.yaml\n",
    );
    let (code, _, err) = render(t.path());
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("Kustomization apps/dev-team: spec.sourceRef.kind is missing"),
        "{err}"
    );
    // Reported once, by the build that reached it, not again by the repository scan.
    assert_eq!(
        err.matches("spec.sourceRef.kind is missing").count(),
        1,
        "{err}"
    );
}

#[test]
fn without_any_cluster_the_unreadable_flux_objects_are_reported() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "clusters/dev/flux-system/gotk-sync.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./clusters/dev\n",
    );
    let (code, _, err) = render(t.path());
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("no Flux cluster found"), "{err}");
    assert!(
        err.contains("Kustomization flux-system/flux-system: spec.sourceRef.kind is missing"),
        "{err}"
    );
}

/// fluxcd/flux2-hub-spoke-example: `clusters/<env>/tenants/` includes `../../../deploy/tenants`,
/// whose kustomization.yaml lists a file the stored copy lacks. The message names it relative to
/// the repository, never by the machine's absolute path (render output is the same everywhere).
#[test]
fn a_missing_file_outside_the_flux_path_is_named_relative_to_the_repository() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "hub/staging.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: tenants\n  namespace: staging\nspec:\n  interval: 1h\n  path: ./clusters/staging/tenants\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n    namespace: flux-system\n",
    );
    write(
        t.path(),
        "clusters/staging/tenants/kustomization.yaml",
        "resources:\n  - ../../../deploy/tenants\n",
    );
    write(
        t.path(),
        "deploy/tenants/kustomization.yaml",
        "resources:\n  - cert-manager.yaml\n",
    );
    let (code, _, err) = render(t.path());
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(
            "resource 'cert-manager.yaml' not found: no file or directory at 'deploy/tenants/cert-manager.yaml'"
        ),
        "{err}"
    );
    let abs = t.path().canonicalize().unwrap();
    assert!(!err.contains(&*abs.to_string_lossy()), "{err}");
}
