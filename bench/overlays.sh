#!/usr/bin/env bash
# Builds N overlay directories (default 200) sharing bases: fleetcheck builds all of them in one
# process (benches/build_dirs.rs), kubectl kustomize runs once per directory. Prints both totals,
# the per-directory times and the ratio, and checks every output is byte-identical.
#
#   bench/overlays.sh            # 200 overlays, 3 runs
#   N=50 RUNS=5 bench/overlays.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-200}
RUNS=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 bench/gen_overlays.py "$work" "$N"

cargo build --release --quiet --bench build_dirs
bench_bin=$(ls -t "${CARGO_TARGET_DIR:-target}"/release/deps/build_dirs-* | grep -v '\.d$' | head -1)

echo "== fleetcheck: $N overlays in one process, $RUNS runs"
"$bench_bin" "$work/overlays" "$RUNS" | tee "$work/fleetcheck.txt"

echo "== kubectl kustomize: one process per overlay, $RUNS runs"
mkdir -p "$work/out"
totals=()
for _ in $(seq "$RUNS"); do
  start=$(date +%s.%N)
  for d in "$work"/overlays/*/; do
    kubectl kustomize "$d" > "$work/out/$(basename "$d").yaml"
  done
  end=$(date +%s.%N)
  totals+=("$(echo "$end - $start" | bc)")
done
kubectl_median=$(printf '%s\n' "${totals[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "kubectl total median: $kubectl_median s"
echo "kubectl per directory median: $(echo "scale=3; $kubectl_median * 1000 / $N" | bc) ms"

fc_median=$(awk '/in-process total median/ {print $4}' "$work/fleetcheck.txt")
echo "ratio (kubectl / fleetcheck in-process): $(echo "scale=1; $kubectl_median / $fc_median" | bc)x"

cargo build --release --quiet
fc_bin="${CARGO_TARGET_DIR:-target}/release/fleetcheck"
diffs=0
for d in "$work"/overlays/*/; do
  if ! "$fc_bin" build "$d" | cmp -s - "$work/out/$(basename "$d").yaml"; then
    diffs=$((diffs + 1))
    echo "differs: $(basename "$d")"
  fi
done
echo "byte-identical: $((N - diffs)) of $N"
[ "$diffs" -eq 0 ]
