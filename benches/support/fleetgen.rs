//! A deterministic synthetic Flux fleet (the Rust port of `bench/gen_fleet.py`, same layout),
//! plus tenants, ImagePolicy objects with `$imagepolicy` markers and SOPS-encrypted Secrets.
//!
//! Everything is derived from the seed through a splitmix64 generator, so the same parameters
//! give byte-identical trees.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Environments, assigned to clusters round-robin.
const ENVS: [&str; 3] = ["production", "staging", "development"];
/// Regions, picked per cluster.
const REGIONS: [&str; 6] = [
    "eu-west-1",
    "eu-central-1",
    "us-east-1",
    "us-west-2",
    "ap-south-1",
    "ap-northeast-1",
];
/// Tenants every cluster hosts.
const TENANTS: [&str; 2] = ["team-a", "team-b"];
/// Pre-encrypted Secrets (made with the real sops for the test age key of
/// `testdata/fleet-infra`), copied into every cluster's `secrets` directory.
const SOPS_POOL: [(&str, &str); 4] = [
    (
        "secret-0.enc.yaml",
        include_str!("../../bench/fixtures/sops/secret-0.enc.yaml"),
    ),
    (
        "secret-1.enc.yaml",
        include_str!("../../bench/fixtures/sops/secret-1.enc.yaml"),
    ),
    (
        "secret-2.enc.yaml",
        include_str!("../../bench/fixtures/sops/secret-2.enc.yaml"),
    ),
    (
        "secret-3.enc.yaml",
        include_str!("../../bench/fixtures/sops/secret-3.enc.yaml"),
    ),
];

/// The fleet's size and seed.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// Number of clusters.
    pub clusters: usize,
    /// Flux Kustomizations per cluster (besides flux-system, secrets and tenants).
    pub kustomizations: usize,
    /// Objects per shared base (at least 6).
    pub objects: usize,
    /// PRNG seed.
    pub seed: u64,
}

/// splitmix64: a tiny deterministic PRNG.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi` (`hi > lo`).
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

/// One planned Flux Kustomization: cluster, name, path, and whether it is plain (no postBuild,
/// no Flux spec overrides, so its output equals `kubectl kustomize`).
type PlanRow = (String, String, String, bool);

/// The generated files by path relative to the fleet root.
#[derive(Default, PartialEq, Eq, Debug)]
pub struct Fleet {
    /// File contents by relative path (`/`-separated).
    pub files: BTreeMap<String, String>,
}

impl Fleet {
    fn put(&mut self, path: impl Into<String>, text: impl Into<String>) {
        self.files.insert(path.into(), text.into());
    }

    /// Writes every file under `root` (which must not hold an older fleet's files).
    pub fn write(&self, root: &Path) -> std::io::Result<()> {
        for (rel, text) in &self.files {
            let path = root.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, text)?;
        }
        Ok(())
    }
}

fn kustomization(body: &str) -> String {
    format!("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n{body}")
}

fn list(items: &[String]) -> String {
    items.iter().map(|f| format!("  - {f}\n")).collect()
}

/// A Deployment (port 8080); `marker` adds a `$imagepolicy` comment to its image.
fn deployment(
    name: &str,
    image: &str,
    component: &str,
    cm: Option<&str>,
    sa: Option<&str>,
    replicas: u64,
    marker: Option<&str>,
) -> String {
    let env_from = cm
        .map(|c| {
            format!("\n          envFrom:\n            - configMapRef:\n                name: {c}")
        })
        .unwrap_or_default();
    let sa_line = sa
        .map(|s| format!("\n      serviceAccountName: {s}"))
        .unwrap_or_default();
    let marker = marker
        .map(|m| format!(" # {{\"$imagepolicy\": \"{m}\"}}"))
        .unwrap_or_default();
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  annotations:\n    fleet.example.com/owner: platform\n  labels:\n    app.kubernetes.io/component: {component}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:{sa_line}\n      containers:\n        - name: main\n          image: {image}:1.0.0{marker}\n          ports:\n            - containerPort: 8080\n              name: http{env_from}\n          resources:\n            requests:\n              cpu: 100m\n              memory: 128Mi\n"
    )
}

fn service(name: &str, selector: &str, port: u16) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: {selector}\n  ports:\n    - name: http\n      port: {port}\n      targetPort: http\n"
    )
}

fn configmap(name: &str, rng: &mut Rng) -> String {
    let key = rng.range(0, 1_000_000);
    let threads = rng.range(1, 17);
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  key: value-{key}\n  settings.json: '{{\"threads\": {threads}, \"debug\": false}}'\n"
    )
}

fn serviceaccount(name: &str, namespace: Option<&str>) -> String {
    let ns = namespace
        .map(|n| format!("\n  namespace: {n}"))
        .unwrap_or_default();
    format!("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}{ns}\n")
}

/// `count` objects cycling through ConfigMap, Deployment, Service and ServiceAccount.
fn extras(prefix: &str, image: &str, count: usize, rng: &mut Rng) -> String {
    let docs: Vec<String> = (0..count)
        .map(|i| {
            let name = format!("{prefix}-x{i}");
            match i % 4 {
                0 => configmap(&name, rng),
                1 => deployment(&name, image, "worker", None, None, rng.range(1, 4), None),
                2 => service(&name, &format!("{prefix}-x{}", i - 1), 80),
                _ => serviceaccount(&name, None),
            }
        })
        .collect();
    docs.join("---\n")
}

fn app_base(f: &mut Fleet, j: usize, k: usize, rng: &mut Rng) {
    let name = format!("app-{j}");
    let d = format!("apps/base/{name}");
    let image = format!("registry.example.com/{name}");
    let marker = format!("flux-system:{name}");
    f.put(
        format!("{d}/deployment.yaml"),
        deployment(
            &name,
            &image,
            "server",
            Some(&format!("{name}-config")),
            Some(&name),
            1,
            Some(&marker),
        ),
    );
    f.put(format!("{d}/service.yaml"), service(&name, &name, 80));
    f.put(
        format!("{d}/serviceaccount.yaml"),
        serviceaccount(&name, None),
    );
    let mut files = vec![
        "deployment.yaml".to_owned(),
        "service.yaml".into(),
        "serviceaccount.yaml".into(),
    ];
    if k > 4 {
        f.put(
            format!("{d}/extras.yaml"),
            extras(&name, &image, k - 4, rng),
        );
        files.push("extras.yaml".into());
    }
    let workers = rng.range(1, 9);
    f.put(
        format!("{d}/kustomization.yaml"),
        kustomization(&format!("labels:\n  - pairs:\n      app.kubernetes.io/part-of: {name}\nresources:\n{}configMapGenerator:\n  - name: {name}-config\n    literals:\n      - LOG_LEVEL=info\n      - WORKERS={workers}\n", list(&files))),
    );
}

fn infra_base(f: &mut Fleet, j: usize, k: usize, rng: &mut Rng) {
    let name = format!("infra-{j}");
    let d = format!("infrastructure/base/{name}");
    let image = format!("registry.example.com/{name}-controller");
    let ctl = format!("{name}-controller");
    f.put(
        format!("{d}/namespace.yaml"),
        format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n"),
    );
    f.put(
        format!("{d}/rbac.yaml"),
        format!("{}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: {ctl}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n  - kind: ServiceAccount\n    name: {ctl}\n    namespace: default\n", serviceaccount(&ctl, None)),
    );
    f.put(
        format!("{d}/controller.yaml"),
        deployment(
            &ctl,
            &image,
            "controller",
            Some(&format!("{name}-settings")),
            Some(&ctl),
            1,
            None,
        ) + "---\n"
            + &service(&ctl, &ctl, 443),
    );
    let mut files = vec![
        "namespace.yaml".to_owned(),
        "rbac.yaml".into(),
        "controller.yaml".into(),
    ];
    if k > 6 {
        f.put(
            format!("{d}/extras.yaml"),
            extras(&name, &image, k - 6, rng),
        );
        files.push("extras.yaml".into());
    }
    let period = rng.range(1, 60);
    f.put(
        format!("{d}/kustomization.yaml"),
        kustomization(&format!("resources:\n{}configMapGenerator:\n  - name: {name}-settings\n    literals:\n      - MODE=cluster\n      - SYNC_PERIOD={period}m\ngeneratorOptions:\n  labels:\n    fleet.example.com/generated: \"true\"\n", list(&files))),
    );
}

fn env_index(env: &str) -> usize {
    ENVS.iter().position(|e| *e == env).unwrap_or(0)
}

fn infra_env(f: &mut Fleet, j: usize, env: &str, rng: &mut Rng) {
    let name = format!("infra-{j}");
    let d = format!("infrastructure/{env}/{name}");
    let (level, replicas) = if env == "production" {
        ("info", 3)
    } else {
        ("debug", 1)
    };
    f.put(
        format!("{d}/controller-patch.yaml"),
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}-controller\nspec:\n  template:\n    spec:\n      containers:\n        - name: main\n          args:\n            - --environment={env}\n            - --log-level={level}\n"),
    );
    let tag = rng.range(0, 100);
    f.put(
        format!("{d}/kustomization.yaml"),
        kustomization(&format!("namespace: {name}\nresources:\n  - ../../base/{name}\ncommonAnnotations:\n  fleet.example.com/cluster: ${{cluster_name}}\n  fleet.example.com/environment: ${{cluster_env}}\nlabels:\n  - pairs:\n      fleet.example.com/layer: infrastructure\nimages:\n  - name: registry.example.com/{name}-controller\n    newTag: v{j}.{}.{tag}\npatches:\n  - path: controller-patch.yaml\n  - target:\n      kind: Deployment\n      name: {name}-controller\n    patch: |\n      - op: replace\n        path: /spec/replicas\n        value: {replicas}\n", env_index(env))),
    );
}

fn app_env(f: &mut Fleet, j: usize, env: &str, rng: &mut Rng) {
    let name = format!("app-{j}");
    let d = format!("apps/{env}/{name}");
    let mut components = vec!["../../../components/monitoring".to_owned()];
    if env == "production" {
        components.push("../../../components/high-availability".into());
    }
    let prefix = if env == "production" {
        String::new()
    } else {
        format!("namePrefix: {}-\n", &env[..3])
    };
    let memory = ["256Mi", "512Mi", "1Gi"][rng.range(0, 3) as usize];
    f.put(
        format!("{d}/deployment-patch.yaml"),
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: main\n          env:\n            - name: ENVIRONMENT\n              value: {env}\n          resources:\n            limits:\n              memory: {memory}\n"),
    );
    let tag = rng.range(0, 100);
    f.put(
        format!("{d}/kustomization.yaml"),
        kustomization(&format!("namespace: {name}\n{prefix}resources:\n  - ../../base/{name}\ncomponents:\n{}images:\n  - name: registry.example.com/{name}\n    newTag: \"{j}.{}.{tag}\" # {{\"$imagepolicy\": \"flux-system:{name}:tag\"}}\nconfigMapGenerator:\n  - name: {name}-config\n    behavior: merge\n    literals:\n      - ENVIRONMENT={env}\npatches:\n  - path: deployment-patch.yaml\n  - target:\n      kind: Service\n      name: {name}\n    patch: |\n      - op: add\n        path: /spec/sessionAffinity\n        value: ClientIP\n", list(&components), env_index(env))),
    );
}

fn app_cluster(f: &mut Fleet, j: usize, cluster: &str, env: &str, rng: &mut Rng) {
    let name = format!("app-{j}");
    let image = if rng.range(0, 2) == 0 {
        format!(
            "images:\n  - name: registry.example.com/{name}\n    newTag: \"{j}.{}.{}-canary\"\n",
            env_index(env),
            rng.range(100, 200)
        )
    } else {
        String::new()
    };
    f.put(
        format!("overlays/{cluster}/{name}/kustomization.yaml"),
        kustomization(&format!("resources:\n  - ../../../apps/{env}/{name}\n{image}configMapGenerator:\n  - name: {name}-config\n    behavior: merge\n    literals:\n      - CLUSTER=${{cluster_name}}\n      - REGION=${{cluster_region}}\npatches:\n  - target:\n      kind: Deployment\n      labelSelector: app.kubernetes.io/component=server\n    patch: |\n      - op: add\n        path: /metadata/annotations/fleet.example.com~1cluster\n        value: ${{cluster_name}}\n  - target:\n      kind: Deployment\n      labelSelector: app.kubernetes.io/component=worker\n    patch: |\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: any\n      spec:\n        template:\n          metadata:\n            annotations:\n              fleet.example.com/region: ${{cluster_region}}\n")),
    );
}

fn components(f: &mut Fleet) {
    f.put(
        "components/monitoring/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - target:\n      kind: Deployment\n    patch: |\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: any\n      spec:\n        template:\n          metadata:\n            annotations:\n              prometheus.io/scrape: \"true\"\n              prometheus.io/port: \"8080\"\n",
    );
    f.put(
        "components/high-availability/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - target:\n      kind: Deployment\n      labelSelector: app.kubernetes.io/component=server\n    patch: |\n      - op: replace\n        path: /spec/replicas\n        value: 3\n",
    );
}

/// Tenants: per tenant a Namespace, ServiceAccount, RoleBinding and a tenant Flux Kustomization
/// (serviceAccountName, targetNamespace) applying its workload, whose image carries a marker.
fn tenants(f: &mut Fleet) {
    let mut names = Vec::new();
    for t in TENANTS {
        names.push(t.to_owned());
        f.put(
            format!("tenants/base/{t}/rbac.yaml"),
            format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {t}\n---\n{}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: {t}-reconciler\n  namespace: {t}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: admin\nsubjects:\n  - kind: ServiceAccount\n    name: {t}\n    namespace: {t}\n", serviceaccount(t, Some(t))),
        );
        f.put(
            format!("tenants/base/{t}/sync.yaml"),
            format!("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {t}\n  namespace: {t}\nspec:\n  interval: 10m\n  serviceAccountName: {t}\n  targetNamespace: {t}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n    namespace: flux-system\n  path: ./tenants/workloads/{t}\n  prune: true\n"),
        );
        f.put(
            format!("tenants/base/{t}/kustomization.yaml"),
            kustomization("resources:\n  - rbac.yaml\n  - sync.yaml\n"),
        );
        let image = format!("registry.example.com/{t}/web");
        f.put(
            format!("tenants/workloads/{t}/deployment.yaml"),
            deployment(
                "web",
                &image,
                "server",
                None,
                None,
                1,
                Some(&format!("flux-system:{t}-web")),
            ),
        );
        f.put(
            format!("tenants/workloads/{t}/kustomization.yaml"),
            kustomization("resources:\n  - deployment.yaml\n"),
        );
    }
    let bases: Vec<String> = names.iter().map(|t| format!("../base/{t}")).collect();
    f.put(
        "tenants/all/kustomization.yaml",
        kustomization(&format!("resources:\n{}", list(&bases))),
    );
}

/// ImageRepository and ImagePolicy objects for the `$imagepolicy` markers.
fn image_policies(images: &[(String, String)]) -> String {
    let docs: Vec<String> = images
        .iter()
        .map(|(policy, image)| format!("apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImageRepository\nmetadata:\n  name: {policy}\n  namespace: flux-system\nspec:\n  image: {image}\n  interval: 5m\n---\napiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImagePolicy\nmetadata:\n  name: {policy}\n  namespace: flux-system\nspec:\n  imageRepositoryRef:\n    name: {policy}\n  policy:\n    semver:\n      range: '>=1.0.0 <2.0.0'\n"))
        .collect();
    docs.join("---\n")
}

fn flux_ks(
    name: &str,
    path: &str,
    depends: &[String],
    substitute: &[(&str, &str)],
    extra: &str,
) -> String {
    let mut deps = String::new();
    if !depends.is_empty() {
        deps.push_str("  dependsOn:\n");
        for d in depends {
            let _ = writeln!(deps, "    - name: {d}");
        }
    }
    let mut post = String::new();
    if !substitute.is_empty() {
        post.push_str("  postBuild:\n    substitute:\n");
        for (k, v) in substitute {
            let _ = writeln!(post, "      {k}: {v}");
        }
    }
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n{deps}  interval: 10m\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  path: ./{path}\n  prune: true\n{extra}{post}"
    )
}

fn flux_system(f: &mut Fleet, cdir: &str, rel: &str) {
    f.put(
        format!("{cdir}/flux-system/gotk-components.yaml"),
        "# Flux controllers are installed by `flux bootstrap`; left out of the benchmark fleet.\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n  labels:\n    app.kubernetes.io/instance: flux-system\n    app.kubernetes.io/part-of: flux\n",
    );
    f.put(
        format!("{cdir}/flux-system/gotk-sync.yaml"),
        format!("# This manifest was generated by flux. DO NOT EDIT.\n---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m0s\n  ref:\n    branch: main\n  secretRef:\n    name: flux-system\n  url: ssh://git@github.com/example/fleet-infra\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m0s\n  path: ./{rel}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"),
    );
    f.put(
        format!("{cdir}/flux-system/kustomization.yaml"),
        kustomization("resources:\n  - gotk-components.yaml\n  - gotk-sync.yaml\n"),
    );
}

/// One cluster's directory and its overlays; returns its environment.
fn cluster(
    f: &mut Fleet,
    idx: usize,
    m: usize,
    rng: &mut Rng,
    plan: &mut Vec<PlanRow>,
) -> &'static str {
    let env = ENVS[idx % ENVS.len()];
    let region = REGIONS[rng.range(0, REGIONS.len() as u64) as usize];
    let cname = format!("{region}-c{idx:03}");
    let rel = format!("clusters/{env}/{cname}");
    flux_system(f, &rel, &rel);
    plan.push((cname.clone(), "flux-system".into(), rel.clone(), true));
    let names: Vec<String> = (0..m)
        .map(|j| {
            if j % 3 == 0 {
                format!("infra-{j}")
            } else {
                format!("app-{j}")
            }
        })
        .collect();
    let (mut infra, mut apps) = (Vec::new(), Vec::new());
    let mut images = Vec::new();
    for j in 0..m {
        let mut depends = Vec::new();
        if j > 0 {
            depends.push(if j % 4 != 0 {
                names[j - 1].clone()
            } else {
                names[(j / 2).saturating_sub(1)].clone()
            });
        }
        if j % 3 == 0 {
            let path = format!("infrastructure/{env}/infra-{j}");
            infra.push(flux_ks(
                &names[j],
                &path,
                &depends,
                &[("cluster_name", &cname), ("cluster_env", env)],
                "",
            ));
            plan.push((cname.clone(), names[j].clone(), path, false));
            continue;
        }
        images.push((
            names[j].clone(),
            format!("registry.example.com/{}", names[j]),
        ));
        if j % 3 == 1 {
            let path = format!("apps/{env}/app-{j}");
            let extra = if j % 6 == 4 {
                format!(
                    "  targetNamespace: team-{j}\n  images:\n    - name: registry.example.com/app-{j}\n      newTag: \"pinned-{}\"\n  commonMetadata:\n    labels:\n      fleet.example.com/cluster: {cname}\n",
                    rng.range(0, 1000)
                )
            } else {
                String::new()
            };
            apps.push(flux_ks(&names[j], &path, &depends, &[], &extra));
            plan.push((cname.clone(), names[j].clone(), path, extra.is_empty()));
        } else {
            let path = format!("overlays/{cname}/app-{j}");
            app_cluster(f, j, &cname, env, rng);
            let extra = if j % 4 == 3 {
                format!(
                    "  patches:\n    - target:\n        kind: ConfigMap\n        name: app-{j}-x0\n      patch: |\n        - op: add\n          path: /data/cluster\n          value: {cname}\n"
                )
            } else {
                String::new()
            };
            apps.push(flux_ks(
                &names[j],
                &path,
                &depends,
                &[("cluster_name", &cname), ("cluster_region", region)],
                &extra,
            ));
            plan.push((cname.clone(), names[j].clone(), path, false));
        }
    }
    for t in TENANTS {
        images.push((format!("{t}-web"), format!("registry.example.com/{t}/web")));
    }
    let mut files = vec!["flux-system".to_owned()];
    if !infra.is_empty() {
        f.put(format!("{rel}/infrastructure.yaml"), infra.join("---\n"));
        files.push("infrastructure.yaml".into());
    }
    if !apps.is_empty() {
        f.put(format!("{rel}/apps.yaml"), apps.join("---\n"));
        files.push("apps.yaml".into());
    }
    // Two of the pre-encrypted Secrets, picked by the seed, decrypted by Flux with the age key.
    let first = rng.range(0, SOPS_POOL.len() as u64) as usize;
    let picks = [SOPS_POOL[first], SOPS_POOL[(first + 1) % SOPS_POOL.len()]];
    let secret_files: Vec<String> = picks.iter().map(|(n, _)| (*n).to_owned()).collect();
    for (n, text) in picks {
        f.put(format!("secrets/{cname}/{n}"), text);
    }
    f.put(
        format!("secrets/{cname}/kustomization.yaml"),
        kustomization(&format!("resources:\n{}", list(&secret_files))),
    );
    let decryption = "  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n";
    let platform = [
        flux_ks("secrets", &format!("secrets/{cname}"), &[], &[], decryption),
        flux_ks("tenants", "tenants/all", &[], &[], ""),
    ];
    plan.push((
        cname.clone(),
        "secrets".into(),
        format!("secrets/{cname}"),
        false,
    ));
    plan.push((cname.clone(), "tenants".into(), "tenants/all".into(), true));
    f.put(format!("{rel}/platform.yaml"), platform.join("---\n"));
    f.put(
        format!("{rel}/image-policies.yaml"),
        image_policies(&images),
    );
    files.extend(["platform.yaml".into(), "image-policies.yaml".into()]);
    f.put(
        format!("{rel}/kustomization.yaml"),
        kustomization(&format!("resources:\n{}", list(&files))),
    );
    env
}

/// Generates the fleet for `p` (deterministic from `p.seed`).
pub fn generate(p: &Params) -> Fleet {
    let mut rng = Rng(p.seed);
    let mut f = Fleet::default();
    f.put(
        "README.md",
        format!("Synthetic Flux fleet from examples/fleetgen.rs: {} clusters x {} Kustomizations x {} objects, seed {}.\n", p.clusters, p.kustomizations, p.objects, p.seed),
    );
    components(&mut f);
    tenants(&mut f);
    let mut plan = Vec::new();
    let mut envs: Vec<&str> = (0..p.clusters)
        .map(|i| cluster(&mut f, i, p.kustomizations, &mut rng, &mut plan))
        .collect();
    envs.sort_unstable();
    envs.dedup();
    for j in 0..p.kustomizations {
        if j % 3 == 0 {
            infra_base(&mut f, j, p.objects, &mut rng);
            for env in &envs {
                infra_env(&mut f, j, env, &mut rng);
            }
        } else {
            app_base(&mut f, j, p.objects, &mut rng);
            for env in &envs {
                app_env(&mut f, j, env, &mut rng);
            }
        }
    }
    let tsv: String = plan
        .iter()
        .map(|(c, n, path, plain)| format!("{c}\t{n}\t{path}\t{}\n", u8::from(*plain)))
        .collect();
    f.put(".bench/kustomizations.tsv", tsv);
    f
}
