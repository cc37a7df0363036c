#!/usr/bin/env bash
# Scaling of `fleetcheck render --out DIR -q` over fleets written by examples/fleetgen.rs:
# 10 and 100 clusters (x KUSTOMIZATIONS Flux Kustomizations x OBJECTS objects; 1,000 clusters
# only with SCALE_1000=1). For each size: median wall time of RUNS runs, objects/s, the largest
# peak RSS (/usr/bin/time -v) and the size of the written output.
#
#   bench/scale.sh
#   SCALE_1000=1 RUNS=1 bench/scale.sh
#   KEEP=1 bench/scale.sh       # keep the work directory
set -euo pipefail
cd "$(dirname "$0")/.."
KUSTOMIZATIONS=${KUSTOMIZATIONS:-30}
OBJECTS=${OBJECTS:-20}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
sizes="10 100"
if [ -n "${SCALE_1000:-}" ]; then sizes="$sizes 1000"; fi
work=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then echo "work directory: $work"; else trap 'rm -rf "$work"' EXIT; fi

cargo build --release --quiet --bin fleetcheck --example fleetgen
target=${CARGO_TARGET_DIR:-target}
fc=$target/release/fleetcheck
gen=$target/release/examples/fleetgen
key=testdata/fleet-infra/test-keys/age.agekey

printf '| clusters | Flux Kustomizations | objects | median wall | objects/s | peak RSS | output size | RSS / output |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for n in $sizes; do
  repo=$work/repo-$n
  "$gen" --clusters "$n" --kustomizations "$KUSTOMIZATIONS" --objects "$OBJECTS" --seed "$SEED" --out "$repo"
  kss=$(wc -l < "$repo/.bench/kustomizations.tsv")
  walls=()
  rss=0
  for _ in $(seq "$RUNS"); do
    rm -rf "$work/out"
    start=$(date +%s.%N)
    /usr/bin/time -v -o "$work/time.txt" "$fc" render "$repo" --age-key-file "$key" --out "$work/out" -q
    end=$(date +%s.%N)
    walls+=("$(echo "$end - $start" | bc)")
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    if [ "$kb" -gt "$rss" ]; then rss=$kb; fi
  done
  wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  objects=$(find "$work/out" -name '*.yaml' -exec grep -h -c '^kind:' {} + | awk '{s += $1} END {print s}')
  out_kb=$(du -sk "$work/out" | cut -f1)
  printf '| %d | %d | %d | %.2f s | %.0f | %d MB | %d MB | %.1fx |\n' "$n" "$kss" "$objects" "$wall" \
    "$(echo "$objects / $wall" | bc -l)" "$((rss / 1024))" "$((out_kb / 1024))" "$(echo "$rss / $out_kb" | bc -l)"
done
