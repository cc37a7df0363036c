#!/usr/bin/env python3
"""Writes a synthetic Flux fleet repository for bench/render.sh.

    python3 bench/gen_fleet.py --clusters N --kustomizations M --objects K --seed S OUT

Layout (deterministic from --seed):

    clusters/<env>/<cluster>/flux-system/   gotk-components.yaml, gotk-sync.yaml (self-syncing
                                            Kustomization flux-system/flux-system), kustomization.yaml
    clusters/<env>/<cluster>/               kustomization.yaml, infrastructure.yaml, apps.yaml:
                                            M Flux Kustomizations (dependsOn chains, postBuild
                                            substitute, some spec overrides)
    infrastructure/base/infra-<j>/          shared bases, K objects each (one from configMapGenerator)
    infrastructure/<env>/infra-<j>/         per-environment overlays (${cluster_name} annotation)
    apps/base/app-<j>/                      shared bases, K objects each
    apps/<env>/app-<j>/                     per-environment overlays: namespace, namePrefix, images,
                                            generator merge, strategic and JSON patches, components
    overlays/<cluster>/app-<j>/             per-cluster overlays (${cluster_name}, ${cluster_region})
    components/{monitoring,high-availability}/

Flux Kustomization j of a cluster builds, by j % 3:
    0: infrastructure/<env>/infra-<j>   postBuild.substitute (cluster_name, cluster_env)
    1: apps/<env>/app-<j>               no postBuild; when j % 6 == 4 Flux spec overrides
                                        (targetNamespace, images, commonMetadata)
    2: overlays/<cluster>/app-<j>       postBuild.substitute (cluster_name, cluster_region),
                                        when j % 4 == 3 a Flux spec.patches entry too

Every spec.path builds with plain `kubectl kustomize`: the only Flux-specific text inside the
directories is `${VAR}` strings, which kustomize passes through.  The per-Kustomization plan
(cluster, name, path, plain) goes to OUT/.bench/kustomizations.tsv; `plain` is 1 when the
Kustomization has neither postBuild nor Flux spec overrides (its output must equal kubectl's,
up to order and Flux's owner labels).
"""

import argparse
import os
import random
import shutil

ENVS = ["production", "staging", "development"]
REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1", "ap-northeast-1"]
EXTRA_KINDS = ["ConfigMap", "Deployment", "Service", "ServiceAccount"]


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def deployment(name, image, component, cm=None, sa=None, replicas=1, port=8080):
    env_from = f"""
          envFrom:
            - configMapRef:
                name: {cm}""" if cm else ""
    sa_line = f"\n      serviceAccountName: {sa}" if sa else ""
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  annotations:
    fleet.example.com/owner: platform
  labels:
    app.kubernetes.io/component: {component}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:{sa_line}
      containers:
        - name: main
          image: {image}:1.0.0
          ports:
            - containerPort: {port}
              name: http{env_from}
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
"""


def service(name, selector, port=80):
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {selector}
  ports:
    - name: http
      port: {port}
      targetPort: http
"""


def configmap(name, rng):
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
data:
  key: value-{rng.randrange(10**6)}
  settings.json: '{{"threads": {rng.randrange(1, 17)}, "debug": false}}'
"""


def serviceaccount(name):
    return f"""apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
"""


def extras(prefix, image, count, rng):
    """`count` objects cycling through EXTRA_KINDS, in one multi-document file."""
    docs = []
    for i in range(count):
        kind = EXTRA_KINDS[i % len(EXTRA_KINDS)]
        name = f"{prefix}-x{i}"
        if kind == "ConfigMap":
            docs.append(configmap(name, rng))
        elif kind == "Deployment":
            docs.append(deployment(name, image, "worker", replicas=rng.randrange(1, 4)))
        elif kind == "Service":
            docs.append(service(name, f"{prefix}-x{i - 1}"))
        else:
            docs.append(serviceaccount(name))
    return "---\n".join(docs)


def resources_block(files):
    return "".join(f"  - {f}\n" for f in files)


def app_base(root, j, k, rng):
    """apps/base/app-<j>: k objects (Deployment, Service, ServiceAccount, generated ConfigMap, extras)."""
    name = f"app-{j}"
    d = os.path.join(root, "apps", "base", name)
    image = f"registry.example.com/{name}"
    write(f"{d}/deployment.yaml", deployment(name, image, "server", cm=f"{name}-config", sa=name))
    write(f"{d}/service.yaml", service(name, name))
    write(f"{d}/serviceaccount.yaml", serviceaccount(name))
    files = ["deployment.yaml", "service.yaml", "serviceaccount.yaml"]
    n_extra = max(k - 4, 0)
    if n_extra:
        write(f"{d}/extras.yaml", extras(name, image, n_extra, rng))
        files.append("extras.yaml")
    write(
        f"{d}/kustomization.yaml",
        f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
labels:
  - pairs:
      app.kubernetes.io/part-of: {name}
resources:
{resources_block(files)}configMapGenerator:
  - name: {name}-config
    literals:
      - LOG_LEVEL=info
      - WORKERS={rng.randrange(1, 9)}
""",
    )


def infra_base(root, j, k, rng):
    """infrastructure/base/infra-<j>: k objects (Namespace, RBAC, Deployment, Service, generated ConfigMap, extras)."""
    name = f"infra-{j}"
    d = os.path.join(root, "infrastructure", "base", name)
    image = f"registry.example.com/{name}-controller"
    write(
        f"{d}/namespace.yaml",
        f"""apiVersion: v1
kind: Namespace
metadata:
  name: {name}
""",
    )
    write(
        f"{d}/rbac.yaml",
        f"""apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}-controller
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {name}-controller
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: {name}-controller
    namespace: default
""",
    )
    write(
        f"{d}/controller.yaml",
        deployment(f"{name}-controller", image, "controller", cm=f"{name}-settings", sa=f"{name}-controller")
        + "---\n"
        + service(f"{name}-controller", f"{name}-controller", port=443),
    )
    files = ["namespace.yaml", "rbac.yaml", "controller.yaml"]
    n_extra = max(k - 6, 0)
    if n_extra:
        write(f"{d}/extras.yaml", extras(name, image, n_extra, rng))
        files.append("extras.yaml")
    write(
        f"{d}/kustomization.yaml",
        f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
{resources_block(files)}configMapGenerator:
  - name: {name}-settings
    literals:
      - MODE=cluster
      - SYNC_PERIOD={rng.randrange(1, 60)}m
generatorOptions:
  labels:
    fleet.example.com/generated: "true"
""",
    )


def infra_env(root, j, env, rng):
    name = f"infra-{j}"
    d = os.path.join(root, "infrastructure", env, name)
    write(
        f"{d}/controller-patch.yaml",
        f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}-controller
spec:
  template:
    spec:
      containers:
        - name: main
          args:
            - --environment={env}
            - --log-level={"info" if env == "production" else "debug"}
""",
    )
    write(
        f"{d}/kustomization.yaml",
        f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {name}
resources:
  - ../../base/{name}
commonAnnotations:
  fleet.example.com/cluster: ${{cluster_name}}
  fleet.example.com/environment: ${{cluster_env}}
labels:
  - pairs:
      fleet.example.com/layer: infrastructure
images:
  - name: registry.example.com/{name}-controller
    newTag: v{j}.{ENVS.index(env)}.{rng.randrange(100)}
patches:
  - path: controller-patch.yaml
  - target:
      kind: Deployment
      name: {name}-controller
    patch: |
      - op: replace
        path: /spec/replicas
        value: {3 if env == "production" else 1}
""",
    )


def app_env(root, j, env, rng):
    name = f"app-{j}"
    d = os.path.join(root, "apps", env, name)
    components = ["../../../components/monitoring"]
    if env == "production":
        components.append("../../../components/high-availability")
    prefix = "" if env == "production" else f"namePrefix: {env[:3]}-\n"
    write(
        f"{d}/deployment-patch.yaml",
        f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
    spec:
      containers:
        - name: main
          env:
            - name: ENVIRONMENT
              value: {env}
          resources:
            limits:
              memory: {rng.choice(["256Mi", "512Mi", "1Gi"])}
""",
    )
    write(
        f"{d}/kustomization.yaml",
        f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {name}
{prefix}resources:
  - ../../base/{name}
components:
{resources_block(components)}images:
  - name: registry.example.com/{name}
    newTag: "{j}.{ENVS.index(env)}.{rng.randrange(100)}"
configMapGenerator:
  - name: {name}-config
    behavior: merge
    literals:
      - ENVIRONMENT={env}
patches:
  - path: deployment-patch.yaml
  - target:
      kind: Service
      name: {name}
    patch: |
      - op: add
        path: /spec/sessionAffinity
        value: ClientIP
""",
    )


def app_cluster(root, j, cluster, env, rng):
    name = f"app-{j}"
    d = os.path.join(root, "overlays", cluster, name)
    image = ""
    if rng.random() < 0.5:
        image = f"""images:
  - name: registry.example.com/{name}
    newTag: "{j}.{ENVS.index(env)}.{rng.randrange(100, 200)}-canary"
"""
    write(
        f"{d}/kustomization.yaml",
        f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../../apps/{env}/{name}
{image}configMapGenerator:
  - name: {name}-config
    behavior: merge
    literals:
      - CLUSTER=${{cluster_name}}
      - REGION=${{cluster_region}}
patches:
  - target:
      kind: Deployment
      labelSelector: app.kubernetes.io/component=server
    patch: |
      - op: add
        path: /metadata/annotations/fleet.example.com~1cluster
        value: ${{cluster_name}}
  - target:
      kind: Deployment
      labelSelector: app.kubernetes.io/component=worker
    patch: |
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: any
      spec:
        template:
          metadata:
            annotations:
              fleet.example.com/region: ${{cluster_region}}
""",
    )


def components(root):
    write(
        f"{root}/components/monitoring/kustomization.yaml",
        """apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
  - target:
      kind: Deployment
    patch: |
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: any
      spec:
        template:
          metadata:
            annotations:
              prometheus.io/scrape: "true"
              prometheus.io/port: "8080"
""",
    )
    write(
        f"{root}/components/high-availability/kustomization.yaml",
        """apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
  - target:
      kind: Deployment
      labelSelector: app.kubernetes.io/component=server
    patch: |
      - op: replace
        path: /spec/replicas
        value: 3
""",
    )


def flux_ks(name, path, depends, substitute=None, extra=""):
    deps = ""
    if depends:
        deps = "  dependsOn:\n" + "".join(f"    - name: {d}\n" for d in depends)
    post = ""
    if substitute:
        post = "  postBuild:\n    substitute:\n" + "".join(
            f"      {k}: {v}\n" for k, v in substitute.items()
        )
    return f"""apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
{deps}  interval: 10m
  sourceRef:
    kind: GitRepository
    name: flux-system
  path: ./{path}
  prune: true
{extra}{post}"""


def cluster(root, idx, m, rng, plan):
    env = ENVS[idx % len(ENVS)]
    region = REGIONS[rng.randrange(len(REGIONS))]
    cname = f"{region}-c{idx:03d}"
    cdir = os.path.join(root, "clusters", env, cname)
    rel = f"clusters/{env}/{cname}"
    write(
        f"{cdir}/flux-system/gotk-components.yaml",
        """# Flux controllers are installed by `flux bootstrap`; left out of the benchmark fleet.
apiVersion: v1
kind: Namespace
metadata:
  name: flux-system
  labels:
    app.kubernetes.io/instance: flux-system
    app.kubernetes.io/part-of: flux
""",
    )
    write(
        f"{cdir}/flux-system/gotk-sync.yaml",
        f"""# This manifest was generated by flux. DO NOT EDIT.
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  secretRef:
    name: flux-system
  url: ssh://git@github.com/example/fleet-infra
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./{rel}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
""",
    )
    write(
        f"{cdir}/flux-system/kustomization.yaml",
        """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - gotk-components.yaml
  - gotk-sync.yaml
""",
    )
    plan.append((cname, "flux-system", rel, 1))
    infra, apps = [], []
    names = [f"infra-{j}" if j % 3 == 0 else f"app-{j}" for j in range(m)]
    for j in range(m):
        depends = []
        if j > 0:
            depends.append(names[j - 1] if j % 4 else names[j // 2 - 1 if j // 2 else 0])
        if j % 3 == 0:
            path = f"infrastructure/{env}/infra-{j}"
            doc = flux_ks(names[j], path, depends, {"cluster_name": cname, "cluster_env": env})
            infra.append(doc)
            plan.append((cname, names[j], path, 0))
        elif j % 3 == 1:
            path = f"apps/{env}/app-{j}"
            extra = ""
            if j % 6 == 4:
                extra = f"""  targetNamespace: team-{j}
  images:
    - name: registry.example.com/app-{j}
      newTag: "pinned-{rng.randrange(1000)}"
  commonMetadata:
    labels:
      fleet.example.com/cluster: {cname}
"""
            apps.append(flux_ks(names[j], path, depends, extra=extra))
            plan.append((cname, names[j], path, 0 if extra else 1))
        else:
            path = f"overlays/{cname}/app-{j}"
            app_cluster(root, j, cname, env, rng)
            extra = ""
            if j % 4 == 3:
                extra = f"""  patches:
    - target:
        kind: ConfigMap
        name: app-{j}-x0
      patch: |
        - op: add
          path: /data/cluster
          value: {cname}
"""
            doc = flux_ks(
                names[j], path, depends, {"cluster_name": cname, "cluster_region": region}, extra
            )
            apps.append(doc)
            plan.append((cname, names[j], path, 0))
    files = ["flux-system"]
    if infra:
        write(f"{cdir}/infrastructure.yaml", "---\n".join(infra))
        files.append("infrastructure.yaml")
    if apps:
        write(f"{cdir}/apps.yaml", "---\n".join(apps))
        files.append("apps.yaml")
    write(
        f"{cdir}/kustomization.yaml",
        f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
{resources_block(files)}""",
    )
    return env


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clusters", type=int, default=100)
    ap.add_argument("--kustomizations", type=int, default=30)
    ap.add_argument("--objects", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("out")
    a = ap.parse_args()
    if a.clusters < 1 or a.kustomizations < 0 or a.objects < 6:
        ap.error("need --clusters >= 1, --kustomizations >= 0, --objects >= 6")
    rng = random.Random(a.seed)
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    os.makedirs(a.out)
    write(
        f"{a.out}/README.md",
        f"Synthetic Flux fleet from bench/gen_fleet.py: {a.clusters} clusters x "
        f"{a.kustomizations} Kustomizations x {a.objects} objects, seed {a.seed}.\n",
    )
    components(a.out)
    plan = []
    envs = sorted({cluster(a.out, i, a.kustomizations, rng, plan) for i in range(a.clusters)})
    for j in range(a.kustomizations):
        if j % 3 == 0:
            infra_base(a.out, j, a.objects, rng)
            for env in envs:
                infra_env(a.out, j, env, rng)
        else:
            app_base(a.out, j, a.objects, rng)
            for env in envs:
                app_env(a.out, j, env, rng)
    write(
        f"{a.out}/.bench/kustomizations.tsv",
        "".join(f"{c}\t{n}\t{p}\t{plain}\n" for c, n, p, plain in plan),
    )


if __name__ == "__main__":
    main()
