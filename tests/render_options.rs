//! End-to-end tests of the render options: `--vars`, `.fleetcheck.yaml`,
//! `--strict-substitution` and `--quiet`.

mod common;

use common::{copy_dir, fleetcheck, stderr, stdout, write};
use std::fs;
use std::path::Path;

const SYNC: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./clusters/CLUSTER\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n";

const APPS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: config\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./config\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./app\n  dependsOn:\n  - name: config\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substituteFrom:\n    - kind: ConfigMap\n      name: cluster-vars\n    - kind: ConfigMap\n      name: live-vars\n";

/// Clusters `dev` and `prod`; `app` takes `cluster-vars` (rendered by `config`) and
/// `live-vars` (only in the live cluster).
fn fleet() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    for c in ["dev", "prod"] {
        write(
            t.path(),
            &format!("clusters/{c}/flux-system/gotk-sync.yaml"),
            &SYNC.replace("CLUSTER", c),
        );
        write(t.path(), &format!("clusters/{c}/apps.yaml"), APPS);
    }
    write(
        t.path(),
        "config/vars.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-vars\n  namespace: flux-system\ndata:\n  region: eu-west-1\n",
    );
    write(
        t.path(),
        "app/deploy.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: apps\ndata:\n  region: ${region}\n  ingress: ${ingress_ip}\n",
    );
    t
}

fn yaml(args: &[&str], dir: &Path) -> String {
    let mut all = vec!["render", ".", "-o", "yaml"];
    all.extend_from_slice(args);
    let o = fleetcheck(&all, dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn without_vars_the_live_only_config_map_is_missing() {
    let t = fleet();
    let o = fleetcheck(&["render", "."], t.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("configmaps \"live-vars\" not found"), "{err}");
    assert!(err.contains("vars file"), "the hint names --vars: {err}");
}

#[test]
fn vars_objects_stand_in_for_missing_objects_but_never_override_rendered_ones() {
    let t = fleet();
    write(
        t.path(),
        "live.yaml",
        "objects:\n- kind: ConfigMap\n  name: live-vars\n  data: {ingress_ip: 10.0.0.1}\n\
         - kind: ConfigMap\n  name: cluster-vars\n  data: {region: not-used}\n",
    );
    let out = yaml(&["--vars", "live.yaml"], t.path());
    assert!(out.contains("  ingress: 10.0.0.1\n"), "{out}");
    assert!(out.contains("  region: eu-west-1\n"), "{out}");
    assert!(!out.contains("not-used"), "{out}");
}

#[test]
fn flat_and_per_cluster_vars_files() {
    let t = fleet();
    write(t.path(), "flat.yaml", "ingress_ip: 10.0.0.9\n");
    let out = yaml(&["--vars", "flat.yaml"], t.path());
    assert_eq!(out.matches("  ingress: 10.0.0.9\n").count(), 2, "{out}");
    write(
        t.path(),
        "per.yaml",
        "clusters:\n  pro*: {ingress_ip: 10.1.1.1}\n  dev: {ingress_ip: 10.2.2.2}\n",
    );
    // Later files win.
    let out = yaml(&["--vars", "flat.yaml", "--vars", "per.yaml"], t.path());
    let prod = out.split("# cluster: prod").nth(1).unwrap();
    assert!(prod.contains("  ingress: 10.1.1.1\n"), "{out}");
    assert!(
        out.split("# cluster: prod")
            .next()
            .unwrap()
            .contains("10.2.2.2"),
        "{out}"
    );
    assert!(!out.contains("10.0.0.9"), "{out}");
}

#[test]
fn vars_file_errors_have_positions_and_never_print_secret_values() {
    let t = fleet();
    write(
        t.path(),
        "bad.yaml",
        "objects:\n- kind: Secret\n  name: live-vars\n  data: {ingress_ip: 'hunter2 not base64'}\n",
    );
    let o = fleetcheck(&["render", ".", "--vars", "bad.yaml"], t.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("bad.yaml:2:3"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    write(t.path(), "typo.yaml", "vars: {a: b}\nobject: []\n");
    let err = stderr(&fleetcheck(
        &["render", ".", "--vars", "typo.yaml"],
        t.path(),
    ));
    assert!(err.contains("typo.yaml:2:1"), "{err}");
    assert!(err.contains("unknown key 'object'"), "{err}");
}

#[test]
fn strict_substitution_flag() {
    let t = fleet();
    write(
        t.path(),
        "live.yaml",
        "objects:\n- {kind: ConfigMap, name: live-vars}\n",
    );
    let o = fleetcheck(&["render", ".", "--vars", "live.yaml"], t.path());
    assert_eq!(o.status.code(), Some(1), "strict by default");
    assert!(stderr(&o).contains("\"ingress_ip\""), "{}", stderr(&o));
    let o = fleetcheck(
        &[
            "render",
            ".",
            "--vars",
            "live.yaml",
            "--strict-substitution=true",
        ],
        t.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let out = yaml(
        &["--vars", "live.yaml", "--strict-substitution=false"],
        t.path(),
    );
    // Unset is empty, as in non-strict Flux: `ingress: ` reads back as null.
    assert!(out.contains("  ingress: null\n"), "{out}");
}

#[test]
fn quiet_prints_no_summary_but_still_the_errors() {
    let t = fleet();
    let o = fleetcheck(&["render", ".", "-q"], t.path());
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("live-vars"));
    write(t.path(), "flat.yaml", "ingress_ip: x\n");
    let o = fleetcheck(&["render", ".", "--quiet", "--vars", "flat.yaml"], t.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(stderr(&o), "", "no progress bar off a terminal");
}

#[test]
fn config_file_lists_clusters_with_their_vars() {
    let t = fleet();
    write(t.path(), "vars/prod.yaml", "ingress_ip: 10.3.3.3\n");
    write(
        t.path(),
        ".fleetcheck.yaml",
        "clusters:\n- name: production\n  path: clusters/prod\n  vars: vars/prod.yaml\n",
    );
    let o = fleetcheck(&["render", "."], t.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("\nproduction "), "{out}");
    assert!(!out.contains("dev"), "discovery is replaced: {out}");
    let out = yaml(&[], t.path());
    assert!(out.contains("  ingress: 10.3.3.3\n"), "{out}");
    // --vars files win over the cluster's own.
    write(t.path(), "cli.yaml", "ingress_ip: 10.4.4.4\n");
    let out = yaml(&["--vars", "cli.yaml"], t.path());
    assert!(out.contains("  ingress: 10.4.4.4\n"), "{out}");
}

#[test]
fn config_file_unknown_keys_are_errors_with_positions() {
    let t = fleet();
    write(
        t.path(),
        ".fleetcheck.yaml",
        "clusters:\n- name: a\n  path: clusters/dev\n  varz: x\n",
    );
    let o = fleetcheck(&["render", "."], t.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains(".fleetcheck.yaml:4:3"), "{err}");
    assert!(err.contains("unknown key 'varz'"), "{err}");
    assert!(err.contains("help: the keys here are"), "{err}");
}

#[test]
fn config_sources_map_other_repositories_and_the_flag_wins() {
    let t = fleet();
    let tenant = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: tenant\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./deploy\n  sourceRef:\n    kind: GitRepository\n    name: tenant\n";
    write(t.path(), "clusters/dev/tenant.yaml", tenant);
    for (dir, value) in [("tenant-a", "from-config"), ("tenant-b", "from-flag")] {
        write(
            t.path(),
            &format!("{dir}/deploy/cm.yaml"),
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\n  namespace: t\ndata:\n  who: {value}\n"
            ),
        );
    }
    write(
        t.path(),
        ".fleetcheck.yaml",
        "sources:\n  GitRepository/flux-system/tenant: tenant-a\n",
    );
    write(t.path(), "flat.yaml", "ingress_ip: x\n");
    let out = yaml(&["--vars", "flat.yaml", "--cluster", "dev"], t.path());
    assert!(out.contains("who: from-config"), "{out}");
    let out = yaml(
        &[
            "--vars",
            "flat.yaml",
            "--cluster",
            "dev",
            "--source",
            "GitRepository/flux-system/tenant=tenant-b",
        ],
        t.path(),
    );
    assert!(out.contains("who: from-flag"), "{out}");
    assert!(!out.contains("from-config"), "{out}");
}

#[test]
fn sample_fleet_apps_read_cluster_vars_and_a_vars_file_can_stand_in() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fleet-infra");
    let out = yaml(&["--cluster", "staging/*"], &sample);
    let app = out
        .split("# cluster: staging/eu-central-1, kustomization: payments/payment-service")
        .nth(1)
        .unwrap();
    assert!(
        app.contains("- name: CLUSTER_ENV\n          value: staging\n"),
        "{app}"
    );
    // Without the rendered cluster-vars, payment-service fails until a vars file provides it.
    let t = tempfile::tempdir().unwrap();
    copy_dir(&sample, t.path());
    let kust = t.path().join("tenants/base/payments/kustomization.yaml");
    let text = fs::read_to_string(&kust).unwrap();
    fs::write(&kust, text.replace("  - cluster-vars.yaml\n", "")).unwrap();
    let o = fleetcheck(&["render", ".", "--cluster", "staging/*"], t.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("configmaps \"cluster-vars\" not found"),
        "{}",
        stderr(&o)
    );
    write(
        t.path(),
        "live.yaml",
        "objects:\n- kind: ConfigMap\n  namespace: payments\n  name: cluster-vars\n  cluster: staging/*\n  data: {cluster_name: live-1, cluster_env: live}\n",
    );
    let out = yaml(&["--cluster", "staging/*", "--vars", "live.yaml"], t.path());
    assert!(out.contains("          value: live\n"), "{out}");
    assert!(out.contains("          value: live-1\n"), "{out}");
}

#[test]
fn substitution_errors_in_a_secret_never_quote_its_file() {
    let t = fleet();
    write(t.path(), "flat.yaml", "ingress_ip: x\n");
    write(
        t.path(),
        "app/secret.yaml",
        "stringData:\n  password: hunter2\n  user: ${missing_user}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: apps\n",
    );
    let o = fleetcheck(&["render", ".", "--vars", "flat.yaml"], t.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("app/secret.yaml:1:1"), "{err}");
    assert!(err.contains("\"missing_user\""), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn config_cluster_without_a_sync_kustomization_starts_from_its_directory() {
    let t = fleet();
    fs::remove_dir_all(t.path().join("clusters/dev/flux-system")).unwrap();
    fs::remove_dir_all(t.path().join("clusters/prod")).unwrap();
    write(t.path(), "live.yaml", "ingress_ip: 10.5.5.5\n");
    write(
        t.path(),
        ".fleetcheck.yaml",
        "clusters:\n- name: only-dev\n  path: clusters/dev\n  vars: live.yaml\n",
    );
    let out = yaml(&[], t.path());
    assert!(
        out.contains("# cluster: only-dev, kustomization: flux-system/app\n"),
        "{out}"
    );
    assert!(out.contains("  ingress: 10.5.5.5\n"), "{out}");
}

#[test]
fn config_strict_substitution_and_the_flag_wins() {
    let t = fleet();
    write(
        t.path(),
        "live.yaml",
        "objects:\n- {kind: ConfigMap, name: live-vars}\n",
    );
    write(t.path(), ".fleetcheck.yaml", "strictSubstitution: false\n");
    let out = yaml(&["--vars", "live.yaml"], t.path());
    assert!(out.contains("  ingress: null\n"), "{out}");
    let o = fleetcheck(
        &[
            "render",
            ".",
            "--vars",
            "live.yaml",
            "--strict-substitution",
        ],
        t.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}
