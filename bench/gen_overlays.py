"""Writes N overlay directories that share bases and a component (bench/overlays.sh)."""
import os
import sys

root, n = sys.argv[1], int(sys.argv[2])


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


for app in ("web", "api", "worker"):
    write(f"{root}/bases/{app}/kustomization.yaml", "resources:\n- deployment.yaml\n- service.yaml\n")
    write(f"{root}/bases/{app}/deployment.yaml", f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  labels: {{app: {app}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {app}}}
  template:
    metadata:
      labels: {{app: {app}}}
    spec:
      containers:
      - name: {app}
        image: registry.example.com/{app}:1.0.0
        args: ["--port=8080", "--log-level=info"]
        ports: [{{containerPort: 8080, name: http}}]
        env:
        - {{name: MODE, value: production}}
        - {{name: WORKERS, value: "4"}}
        resources:
          limits: {{cpu: 500m, memory: 256Mi}}
""")
    write(f"{root}/bases/{app}/service.yaml", f"""apiVersion: v1
kind: Service
metadata:
  name: {app}
spec:
  selector: {{app: {app}}}
  ports: [{{port: 80, targetPort: http}}]
""")
write(f"{root}/components/monitoring/kustomization.yaml",
      "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- servicemonitor.yaml\n")
write(f"{root}/components/monitoring/servicemonitor.yaml", """apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: apps
spec:
  endpoints: [{port: http, interval: 30s}]
""")
for i in range(n):
    d = f"{root}/overlays/cluster-{i:03d}"
    write(f"{d}/kustomization.yaml", f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: cluster-{i:03d}
namePrefix: c{i % 7}-
commonLabels:
  cluster: cluster-{i:03d}
resources:
- ../../bases/web
- ../../bases/api
- ../../bases/worker
- namespace.yaml
- config.yaml
components:
- ../../components/monitoring
configMapGenerator:
- name: app-env
  literals:
  - REGION={["eu-west-1", "us-east-1", "ap-south-1"][i % 3]}
  - SHARD="{i}"
images:
- name: registry.example.com/web
  newTag: "1.{i % 10}.0"
replicas:
- name: api
  count: {1 + i % 4}
patches:
- target:
    kind: Deployment
    name: worker
  patch: |-
    - op: add
      path: /spec/template/spec/containers/0/env/-
      value: {{name: QUEUE, value: q-{i}}}
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      template:
        spec:
          containers:
          - name: web
            envFrom:
            - configMapRef:
                name: app-env
""")
    write(f"{d}/namespace.yaml", f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: cluster-{i:03d}\n")
    write(f"{d}/config.yaml", f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: cluster-settings
data:
  cluster: cluster-{i:03d}
  region: {["eu-west-1", "us-east-1", "ap-south-1"][i % 3]}
  replicas: "{1 + i % 5}"
""")
