//! End-to-end tests of `fleetcheck render` and `fleetcheck graph` on the sample fleet in
//! `testdata/fleet-infra` and on small broken fleets. Goldens live in `tests/golden/fleet-infra`;
//! regenerate them with `UPDATE_GOLDEN=1 cargo test --test fleet_render`.

mod common;

use common::{DEV_SYNC, copy_dir, fleetcheck, stderr, stdout, write};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn golden(rel: &str, actual: &str) {
    common::golden_file(&format!("fleet-infra/{rel}"), actual);
}

#[test]
fn summary_lists_every_cluster_and_the_skipped_tenant_source() {
    let o = fleetcheck(
        &[
            "render",
            "testdata/fleet-infra",
            "--age-key-file",
            "testdata/fleet-infra/test-keys/age.agekey",
        ],
        &manifest_dir(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    golden("summary.txt", &out);
    let header = out.lines().next().unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["CLUSTER", "KUSTOMIZATIONS", "OBJECTS", "SKIPPED", "ERRORS"]
    );
    for cluster in [
        "production/eu-west-1",
        "production/europe-west1",
        "staging/eu-central-1",
    ] {
        let row = out
            .lines()
            .find(|l| l.starts_with(cluster))
            .unwrap_or_else(|| panic!("no row for {cluster}:\n{out}"));
        let cells: Vec<&str> = row.split_whitespace().collect();
        // flux-system, infra-controllers, infra-configs, tenants, payment-service, payments-team.
        assert_eq!(cells[1], "6", "{row}");
        assert_eq!(cells[3], "1", "{row}");
        assert_eq!(cells[4], "0", "{row}");
    }
    // Tenant directories included through `../base` are not clusters of their own.
    assert!(!out.contains("tenants/base"), "{out}");
    assert!(
        out.contains("payments/payments-team skipped: source GitRepository/payments/payments-team")
    );
}

#[test]
fn out_dir_matches_goldens_and_never_touches_the_repository() {
    let t = tempfile::tempdir().unwrap();
    let out_dir = t.path().join("out");
    let o = fleetcheck(
        &[
            "render",
            "testdata/fleet-infra",
            "--age-key-file",
            "testdata/fleet-infra/test-keys/age.agekey",
            "--out",
            out_dir.to_str().unwrap(),
        ],
        &manifest_dir(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let written = files(&out_dir);
    // One file per rendered Flux Kustomization; the skipped tenant source has none.
    assert_eq!(written.len(), 15, "{written:#?}");
    assert!(written.contains(&"staging/eu-central-1/payments.payment-service.yaml".to_owned()));
    assert!(!written.iter().any(|f| f.contains("payments-team")));
    for f in &written {
        golden(f, &fs::read_to_string(out_dir.join(f)).unwrap());
    }
    // Flux's generated kustomization stayed in memory.
    let configs = manifest_dir().join("testdata/fleet-infra/infrastructure/configs/production");
    assert!(!configs.join("kustomization.yaml").exists());
}

fn rendered(cluster: &str, ks: &str) -> String {
    let t = tempfile::tempdir().unwrap();
    let o = fleetcheck(
        &[
            "render",
            "testdata/fleet-infra",
            "--cluster",
            cluster,
            "--out",
            t.path().to_str().unwrap(),
        ],
        &manifest_dir(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    fs::read_to_string(t.path().join(cluster).join(format!("{ks}.yaml"))).unwrap()
}

#[test]
fn flux_semantics_in_the_sample_fleet() {
    // targetNamespace and owner labels on the tenant's objects.
    let app = rendered("staging/eu-central-1", "payments.payment-service");
    assert!(app.contains("  namespace: payments\n"));
    assert!(!app.contains("namespace: default"));
    assert_eq!(
        app.matches("kustomize.toolkit.fluxcd.io/name: payment-service")
            .count(),
        4
    );
    assert_eq!(
        app.matches("kustomize.toolkit.fluxcd.io/namespace: payments")
            .count(),
        4
    );
    // The staging patch on the tenant Kustomization moved it to ./apps/staging.
    assert!(app.contains("image: ghcr.io/example/payment-service:1.5.0-rc.1"));
    let prod = rendered("production/eu-west-1", "payments.payment-service");
    assert!(prod.contains("image: ghcr.io/example/payment-service:1.4.2"));
    assert!(prod.contains("replicas: 3"));
    assert!(prod.contains("LOG_LEVEL: warn"));
    // Generated kustomization (no kustomization.yaml): only .yaml files, commonMetadata applied.
    let configs = rendered("production/eu-west-1", "flux-system.infra-configs");
    assert!(configs.starts_with("apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\n"));
    assert!(configs.contains("toolkit.example.com/layer: configs"));
    assert!(configs.contains("kustomize.toolkit.fluxcd.io/name: infra-configs"));
    // FIFO order: CRD, Namespace, Deployment, ServiceAccount as written, not kustomize's legacy
    // order.
    let infra = rendered("production/eu-west-1", "flux-system.infra-controllers");
    let kinds: Vec<&str> = infra
        .lines()
        .filter_map(|l| l.strip_prefix("kind: "))
        .collect();
    assert_eq!(
        kinds,
        [
            "CustomResourceDefinition",
            "Namespace",
            "Deployment",
            "ServiceAccount",
            "Namespace",
            "Deployment",
            "Service"
        ]
    );
    assert!(
        infra.contains("replicas: 3"),
        "production patch on ingress-nginx"
    );
}

#[test]
fn mapped_source_renders_the_tenant_repository() {
    let o = fleetcheck(
        &[
            "render",
            "testdata/fleet-infra",
            "--cluster",
            "production/eu-west-1",
            "-o",
            "yaml",
            "--source",
            "GitRepository/payments/payments-team=testdata/payments-team",
        ],
        &manifest_dir(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let team = out
        .split("# cluster: production/eu-west-1, kustomization: payments/payments-team\n")
        .nth(1)
        .expect("payments-team rendered");
    assert!(
        team.contains("name: payment-worker\n  namespace: payments\n"),
        "{team}"
    );
    assert!(team.contains("kustomize.toolkit.fluxcd.io/name: payments-team"));
}

#[test]
fn json_output_has_statuses_and_objects() {
    let o = fleetcheck(
        &[
            "render",
            "testdata/fleet-infra",
            "--cluster",
            "staging/*",
            "-o",
            "json",
        ],
        &manifest_dir(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("{\"clusters\":[{\"name\":\"staging/eu-central-1\""));
    assert!(
        out.contains("\"name\":\"payments-team\",\"path\":\"./deploy\",\"status\":\"skipped\"")
    );
    assert!(out.contains("\"dependsOn\":[\"flux-system/infra-controllers\"]"));
    assert_eq!(out.matches("\"status\":\"rendered\"").count(), 5);
}

#[test]
fn graph_prints_dependson_waves() {
    let o = fleetcheck(&["graph", "testdata/fleet-infra"], &manifest_dir());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    golden("graph.txt", &out);
    let staging = out.split("cluster staging/eu-central-1\n").nth(1).unwrap();
    let wave = |k: &str| {
        let mut current = 0;
        for line in staging.lines() {
            if line.starts_with("  wave ") {
                current += 1;
            } else if line.trim_start().starts_with(k) {
                return current;
            }
        }
        panic!("{k} not in graph:\n{staging}");
    };
    assert!(wave("flux-system/infra-controllers") < wave("flux-system/infra-configs"));
    assert!(wave("flux-system/infra-configs") < wave("flux-system/tenants"));
    assert!(wave("payments/payment-service") < wave("payments/payments-team"));
    // Children reconcile after the Kustomization that applies them.
    assert!(wave("flux-system/flux-system") < wave("flux-system/infra-controllers"));
    let mermaid = stdout(&fleetcheck(
        &["graph", "testdata/fleet-infra", "--format", "mermaid"],
        &manifest_dir(),
    ));
    assert!(mermaid.contains("c2_flux_system_infra_controllers --> c2_flux_system_infra_configs"));
}

#[test]
fn cluster_glob_without_match_is_an_error() {
    let o = fleetcheck(
        &["render", "testdata/fleet-infra", "--cluster", "qa/*"],
        &manifest_dir(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no cluster matches 'qa/*'"));
}

/// A copy of the sample fleet to break.
fn fleet_copy() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    copy_dir(&manifest_dir().join("testdata/fleet-infra"), t.path());
    t
}

#[test]
fn a_broken_kustomization_blocks_its_dependents_and_the_rest_renders() {
    let t = fleet_copy();
    let infra = "clusters/staging/eu-central-1/infrastructure.yaml";
    let text = fs::read_to_string(t.path().join(infra)).unwrap();
    fs::write(
        t.path().join(infra),
        text.replace(
            "./infrastructure/controllers/staging",
            "./infrastructure/controllers/qa",
        ),
    )
    .unwrap();
    let o = fleetcheck(&["render", ".", "-o", "json"], t.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(
            "clusters/staging/eu-central-1/infrastructure.yaml:13:9: kustomization path not found"
        ),
        "{err}"
    );
    let out = stdout(&o);
    let staging = out
        .split("\"name\":\"staging/eu-central-1\"")
        .nth(1)
        .unwrap();
    assert!(staging.contains("\"name\":\"infra-controllers\",\"path\":\"./infrastructure/controllers/qa\",\"status\":\"failed\""));
    assert!(staging.contains("\"name\":\"infra-configs\",\"path\":\"./infrastructure/configs/staging\",\"status\":\"blocked\""));
    assert!(staging.contains("\"name\":\"flux-system\",\"path\":\"./clusters/staging/eu-central-1\",\"status\":\"rendered\""));
    // Other clusters are untouched.
    let prod = out
        .split("\"name\":\"production/eu-west-1\"")
        .nth(1)
        .unwrap();
    assert!(
        !prod
            .split("\"name\":\"production/europe-west1\"")
            .next()
            .unwrap()
            .contains("\"status\":\"failed\"")
    );
}

const KS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: NAME
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  sourceRef:
    kind: GitRepository
    name: flux-system
  dependsOn:
    - name: DEP
";

fn ks(name: &str, dep: &str) -> String {
    KS.replace("NAME", name).replace("DEP", dep)
}

fn small_fleet(kustomizations: &[String]) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "clusters/dev/flux-system/gotk-sync.yaml",
        DEV_SYNC,
    );
    write(
        t.path(),
        "clusters/dev/apps.yaml",
        &kustomizations.join("---\n"),
    );
    write(
        t.path(),
        "apps/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
    );
    t
}

#[test]
fn missing_dependency_is_a_diagnostic_at_the_entry() {
    let t = small_fleet(&[ks("a", "nope"), ks("b", "a")]);
    let o = fleetcheck(&["graph", "."], t.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(
            "clusters/dev/apps.yaml:13:7: dependsOn flux-system/nope not found in this cluster"
        ),
        "{err}"
    );
    let out = stdout(&o);
    assert!(out.contains("flux-system/a [failed]"), "{out}");
    assert!(out.contains("flux-system/b [blocked]"), "{out}");
}

#[test]
fn dependency_cycles_are_diagnostics() {
    let t = small_fleet(&[ks("a", "b"), ks("b", "a"), ks("c", "flux-system")]);
    let o = fleetcheck(&["render", "."], t.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("dependsOn cycle: flux-system/a -> flux-system/b -> flux-system/a"),
        "{err}"
    );
    assert!(
        err.contains("dependsOn cycle: flux-system/b -> flux-system/a -> flux-system/b"),
        "{err}"
    );
    // c depends on nothing broken and renders.
    let out = stdout(&o);
    let row: Vec<&str> = out.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(row, ["dev", "4", "5", "0", "2"]);
}

#[test]
fn directory_without_kustomization_must_hold_kubernetes_yaml() {
    let t = small_fleet(&[ks("a", "flux-system")]);
    write(
        t.path(),
        "apps/broken.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: [1, 2]\n",
    );
    let o = fleetcheck(&["render", "."], t.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("apps/broken.yaml:"), "{err}");
    assert!(err.contains("failed to decode Kubernetes YAML"), "{err}");
}

#[test]
fn flux_operator_layout_without_a_self_sync_kustomization() {
    let t = tempfile::tempdir().unwrap();
    let ks = |name: &str, ns: &str, path: &str| {
        format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  interval: 1h\n  path: {path}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n    namespace: flux-system\n"
        )
    };
    write(
        t.path(),
        "kubernetes/flux/cluster/ks.yaml",
        &ks("cluster-apps", "flux-system", "./kubernetes/apps"),
    );
    write(
        t.path(),
        "kubernetes/apps/default/kustomization.yaml",
        "resources:\n- ./echo/ks.yaml\n",
    );
    write(
        t.path(),
        "kubernetes/apps/default/echo/ks.yaml",
        &ks("echo", "default", "./kubernetes/apps/default/echo/app"),
    );
    write(
        t.path(),
        "kubernetes/apps/default/echo/app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: echo\n",
    );
    let o = fleetcheck(&["graph", "."], t.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "cluster kubernetes/flux/cluster\n  wave 1:\n    flux-system/flux-system\n  wave 2:\n    flux-system/cluster-apps\n  wave 3:\n    default/echo\n",
        "a Kustomization comes after the one that applies it"
    );
    let o = fleetcheck(&["render", ".", "-o", "yaml"], t.path());
    let out = stdout(&o);
    assert!(out.contains("# cluster: kubernetes/flux/cluster, kustomization: default/echo\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    kustomize.toolkit.fluxcd.io/name: echo\n"), "{out}");
}

#[test]
fn builds_cannot_read_outside_the_repository() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    write(
        t.path(),
        "outside/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leaked\n",
    );
    let fleet = small_fleet(&[ks("a", "flux-system")]);
    copy_dir(fleet.path(), &repo);
    write(
        &repo,
        "apps/kustomization.yaml",
        "resources:\n- ../../outside/cm.yaml\n",
    );
    let o = fleetcheck(&["render", "repo", "-o", "yaml"], t.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(!stdout(&o).contains("leaked"));
    let err = stderr(&o);
    assert!(err.contains("apps/kustomization.yaml:2:3:"), "{err}");
    assert!(err.contains("outside the source root"), "{err}");
}

#[test]
fn output_does_not_depend_on_the_thread_count() {
    let run = |threads: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_fleetcheck"))
            .args(["render", "testdata/fleet-infra", "-o", "json"])
            .current_dir(manifest_dir())
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(o.status.success());
        o.stdout
    };
    let one = run("1");
    assert_eq!(one, run("4"));
    assert_eq!(one, run("4"));
}

#[test]
fn v1beta2_patch_fields_and_images_apply() {
    let t = small_fleet(&[]);
    write(
        t.path(),
        "clusters/dev/apps.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1beta2
kind: Kustomization
metadata:
  name: app
  namespace: flux-system
spec:
  interval: 10m
  path: ./web
  sourceRef:
    kind: GitRepository
    name: flux-system
  targetNamespace: web
  namePrefix: dev-
  images:
  - name: nginx
    newTag: 1.27.1
  patchesStrategicMerge:
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      replicas: 4
  patchesJson6902:
  - target:
      version: v1
      kind: ConfigMap
      name: web
    patch:
    - op: add
      path: /data/extra
      value: from-flux
",
    );
    write(
        t.path(),
        "web/app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: b\n",
    );
    let o = fleetcheck(&["render", ".", "--out", "out"], t.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = fs::read_to_string(t.path().join("out/dev/flux-system.app.yaml")).unwrap();
    assert!(out.contains("name: dev-web\n  namespace: web\n"), "{out}");
    assert!(out.contains("replicas: 4"), "{out}");
    assert!(out.contains("image: nginx:1.27.1"), "{out}");
    assert!(out.contains("extra: from-flux"), "{out}");
}

/// A fleet whose `config` Kustomization renders a ConfigMap and Secret that the dependent `app`
/// Kustomization substitutes from.
fn substitution_fleet(app_post_build: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "clusters/dev/flux-system/gotk-sync.yaml",
        DEV_SYNC,
    );
    write(
        t.path(),
        "clusters/dev/apps.yaml",
        &format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: config\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./config\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./app\n  dependsOn:\n  - name: config\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n{app_post_build}"
        ),
    );
    write(
        t.path(),
        "config/vars.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-vars\n  namespace: flux-system\ndata:\n  region: eu-west-1\n  replicas: \"3\"\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-secrets\n  namespace: flux-system\ndata:\n  token: czNjcjN0\n",
    );
    write(
        t.path(),
        "app/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  replicas: ${replicas}\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web:1\n        env:\n        - name: REGION\n          value: ${region}\n        - name: TOKEN\n          value: ${token}\n        - name: TIER\n          value: ${tier:=standard}\n",
    );
    t
}

#[test]
fn post_build_substitutes_from_objects_rendered_in_the_cluster() {
    let t = substitution_fleet(
        "  postBuild:\n    substitute:\n      tier: gold\n    substituteFrom:\n    - kind: ConfigMap\n      name: cluster-vars\n    - kind: Secret\n      name: cluster-secrets\n",
    );
    let o = fleetcheck(&["render", ".", "-o", "yaml"], t.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("  replicas: 3\n"),
        "an integer after substitution:\n{out}"
    );
    assert!(out.contains("          value: eu-west-1\n"), "{out}");
    assert!(
        out.contains("          value: s3cr3t\n"),
        "Secret data is base64-decoded:\n{out}"
    );
    assert!(
        out.contains("          value: gold\n"),
        "inline substitute wins:\n{out}"
    );
}

#[test]
fn strict_post_build_reports_the_unset_variable_at_the_object() {
    let t = substitution_fleet("  postBuild:\n    substitute:\n      tier: gold\n");
    let o = fleetcheck(&["render", "."], t.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("app/deploy.yaml:1:1"), "{err}");
    assert!(err.contains("\"replicas\""), "names the variable: {err}");
}

#[test]
fn missing_substitute_from_is_an_error_unless_optional() {
    let t = substitution_fleet(
        "  postBuild:\n    substitute:\n      region: x\n      replicas: \"1\"\n      token: t\n    substituteFrom:\n    - kind: ConfigMap\n      name: absent\n      optional: true\n",
    );
    let o = fleetcheck(&["render", "."], t.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let t = substitution_fleet(
        "  postBuild:\n    substituteFrom:\n    - kind: ConfigMap\n      name: absent\n",
    );
    let o = fleetcheck(&["render", "."], t.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("absent"), "{}", stderr(&o));
}

#[test]
fn another_repositorys_root_kustomization_is_not_this_repositorys_sync() {
    let t = small_fleet(&[ks("a", "a").replace("  dependsOn:\n    - name: a\n", "")]);
    write(
        t.path(),
        "clusters/dev/tenant.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: team\n  namespace: team\nspec:\n  interval: 10m\n  path: ./\n  sourceRef:\n    kind: GitRepository\n    name: team-repo\n",
    );
    let o = fleetcheck(&["render", "."], t.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "team/team skipped: source GitRepository/team/team-repo is not this repository"
        ),
        "{out}"
    );
    assert_eq!(
        out.lines().filter(|l| l.starts_with("dev ")).count(),
        1,
        "one cluster only:\n{out}"
    );
}

#[test]
fn graph_shows_health_checks_and_marks_objects_missing_from_the_render() {
    let checked = ks("a", "flux-system").replace(
        "  dependsOn:\n    - name: flux-system\n",
        "  timeout: 3m\n  healthChecks:\n    - kind: ConfigMap\n      name: cm\n      namespace: default\n    - apiVersion: apps/v1\n      kind: Deployment\n      name: web\n      namespace: apps\n",
    );
    let waiting = ks("b", "a").replace("spec:\n", "spec:\n  wait: true\n");
    let t = small_fleet(&[checked, waiting]);
    let o = fleetcheck(&["graph", "."], t.path());
    let out = stdout(&o);
    assert!(
        out.contains(
            "      health checks: ConfigMap default/cm, apps/v1 Deployment apps/web [not in render] (timeout 3m)\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "    flux-system/b (after flux-system/a)\n      waits for: every applied object\n"
        ),
        "{out}"
    );
    let o = fleetcheck(&["render", ".", "-o", "json"], t.path());
    let out = stdout(&o);
    assert!(
        out.contains("\"wait\":false,\"timeout\":\"3m\",\"healthChecks\":[{\"apiVersion\":\"\",\"kind\":\"ConfigMap\",\"namespace\":\"default\",\"name\":\"cm\",\"rendered\":true},{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"namespace\":\"apps\",\"name\":\"web\",\"rendered\":false}]"),
        "{out}"
    );
    assert!(
        out.contains("\"wait\":true,\"timeout\":null,\"healthChecks\":[]"),
        "{out}"
    );
}

#[test]
fn secret_values_are_masked_unless_show_secrets() {
    let t = small_fleet(&[ks("a", "flux-system")]);
    write(
        t.path(),
        "apps/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  password: Y2FuYXJ5LXBhc3N3b3Jk\nstringData:\n  token: canary-token\n",
    );
    let out_dir = tempfile::tempdir().unwrap();
    let out_arg = out_dir.path().to_str().unwrap();
    let canaries = ["Y2FuYXJ5LXBhc3N3b3Jk", "canary-token"];
    for format in ["yaml", "json"] {
        let o = fleetcheck(&["render", ".", "-o", format, "--out", out_arg], t.path());
        let all = format!("{}{}", stdout(&o), stderr(&o));
        for c in canaries {
            assert!(!all.contains(c), "{format}: {c} leaked:\n{all}");
        }
        assert!(all.contains("redacted sha256:"), "{all}");
        let written =
            std::fs::read_to_string(out_dir.path().join("dev/flux-system.a.yaml")).unwrap();
        for c in canaries {
            assert!(!written.contains(c), "{c} written to --out:\n{written}");
        }
        assert!(
            written.contains("  password: <redacted sha256:"),
            "{written}"
        );
    }
    let o = fleetcheck(&["render", ".", "-o", "yaml", "--show-secrets"], t.path());
    let out = stdout(&o);
    for c in canaries {
        assert!(out.contains(c), "--show-secrets hides {c}:\n{out}");
    }
}

#[test]
fn health_checks_on_kinds_a_crd_declares_cluster_scoped_ignore_the_namespace() {
    let checked = ks("a", "flux-system").replace(
        "  dependsOn:\n    - name: flux-system\n",
        "  healthChecks:\n    - apiVersion: cert-manager.io/v1\n      kind: ClusterIssuer\n      name: letsencrypt\n",
    );
    let t = small_fleet(&[checked]);
    write(
        t.path(),
        "apps/issuer.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: clusterissuers.cert-manager.io\nspec:\n  group: cert-manager.io\n  names:\n    kind: ClusterIssuer\n    plural: clusterissuers\n  scope: Cluster\n  versions: []\n---\napiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt\n",
    );
    let out = stdout(&fleetcheck(&["graph", "."], t.path()));
    assert!(
        out.contains("health checks: cert-manager.io/v1 ClusterIssuer flux-system/letsencrypt\n"),
        "{out}"
    );
    // Without the CRD the kind's scope is unknown and the namespace must match.
    let t2 = small_fleet(&[ks("a", "flux-system").replace(
        "  dependsOn:\n    - name: flux-system\n",
        "  healthChecks:\n    - apiVersion: cert-manager.io/v1\n      kind: ClusterIssuer\n      name: letsencrypt\n",
    )]);
    write(
        t2.path(),
        "apps/issuer.yaml",
        "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt\n",
    );
    let out = stdout(&fleetcheck(&["graph", "."], t2.path()));
    assert!(out.contains("letsencrypt [not in render]"), "{out}");
}
