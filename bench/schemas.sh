#!/usr/bin/env bash
# Schema validation cost on a generated fleet (bench/gen_fleet.py), against render time in the
# same process (benches/validate_fleet.rs).
#
#   bench/schemas.sh                                  # 100 clusters x 30 Kustomizations x 20 objects
#   CLUSTERS=20 RUNS=5 KUBE_VERSION=1.34 bench/schemas.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTERS=${CLUSTERS:-100}
KUSTOMIZATIONS=${KUSTOMIZATIONS:-30}
OBJECTS=${OBJECTS:-20}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
KUBE_VERSION=${KUBE_VERSION:-1.37}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/gen_fleet.py --clusters "$CLUSTERS" --kustomizations "$KUSTOMIZATIONS" \
  --objects "$OBJECTS" --seed "$SEED" "$work/repo"
echo "== fleet: $CLUSTERS clusters x $KUSTOMIZATIONS Kustomizations x $OBJECTS objects, seed $SEED"
cargo bench --quiet --bench validate_fleet -- "$work/repo" "$RUNS" "$KUBE_VERSION"
