#!/usr/bin/env bash
# Renders a generated Flux fleet (bench/gen_fleet.py) with `fleetcheck render --out`, RUNS times,
# and compares with what a naive CI script does: one `kubectl kustomize` per Flux Kustomization
# path of every cluster. Prints fleetcheck's median wall time, objects rendered, objects/s, peak
# RSS, the kubectl total (measured, or extrapolated from KUBECTL_SAMPLE paths) and the ratio,
# then checks correctness on the kubectl-built paths:
#   - `fleetcheck build PATH` (legacy order) is byte-identical to `kubectl kustomize PATH`;
#   - for Kustomizations without postBuild and Flux spec overrides, the `render --out` file equals
#     kubectl's output up to order (FIFO vs legacy) and Flux's owner labels.
#
#   bench/render.sh                                # 100 clusters x 30 Kustomizations x 20 objects
#   CLUSTERS=20 KUSTOMIZATIONS=10 OBJECTS=10 RUNS=5 KUBECTL_SAMPLE=50 bench/render.sh
#   KEEP=1 bench/render.sh                         # keep the work directory
#   FLEETCHECK=/path/to/fleetcheck bench/render.sh # use a prebuilt binary
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTERS=${CLUSTERS:-100}
KUSTOMIZATIONS=${KUSTOMIZATIONS:-30}
OBJECTS=${OBJECTS:-20}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
KUBECTL_SAMPLE=${KUBECTL_SAMPLE:-0} # 0: every path
work=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then echo "work directory: $work"; else trap 'rm -rf "$work"' EXIT; fi

repo=$work/repo
python3 bench/gen_fleet.py --clusters "$CLUSTERS" --kustomizations "$KUSTOMIZATIONS" \
  --objects "$OBJECTS" --seed "$SEED" "$repo"
plan=$repo/.bench/kustomizations.tsv
total_paths=$(wc -l < "$plan")
echo "== fleet: $CLUSTERS clusters x $KUSTOMIZATIONS Kustomizations (+ flux-system) x $OBJECTS objects, seed $SEED: $total_paths Flux Kustomizations, $(find "$repo" -name '*.yaml' | wc -l) YAML files"

if [ -n "${FLEETCHECK:-}" ]; then
  fc=$FLEETCHECK # a prebuilt binary (e.g. to compare two revisions)
else
  cargo build --release --quiet
  fc=${CARGO_TARGET_DIR:-target}/release/fleetcheck
fi

echo "== fleetcheck render --out, $RUNS runs"
walls=()
cpus=()
rss=()
for i in $(seq "$RUNS"); do
  rm -rf "$work/out"
  start=$(date +%s.%N)
  rc=0
  /usr/bin/time -v -o "$work/time.txt" "$fc" render "$repo" --out "$work/out" > "$work/summary.txt" || rc=$?
  end=$(date +%s.%N)
  wall=$(echo "$end - $start" | bc)
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$work/time.txt")
  walls+=("$wall")
  cpus+=("$cpu")
  rss+=("$kb")
  printf 'run %d: %.3f s wall, %.2f s CPU, %d MB peak RSS, exit %d\n' "$i" "$wall" "$cpu" "$((kb / 1024))" "$rc"
  if [ "$rc" -ne 0 ]; then
    grep -v ' 0$' "$work/summary.txt" | head -20
    echo "fleetcheck render failed" >&2
    exit 1
  fi
done
fc_median=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
cpu_median=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
rss_max=$(printf '%s\n' "${rss[@]}" | sort -g | tail -1)
objects=$(awk 'NR > 1 {s += $3} END {print s}' "$work/summary.txt")
clusters=$(awk 'NR > 1' "$work/summary.txt" | wc -l)
errors=$(awk 'NR > 1 {s += $5} END {print s}' "$work/summary.txt")

# The kubectl paths: all of them, or a deterministic sample.
if [ "$KUBECTL_SAMPLE" -gt 0 ] && [ "$KUBECTL_SAMPLE" -lt "$total_paths" ]; then
  python3 -c 'import random, sys
lines = open(sys.argv[1]).read().splitlines()
for l in sorted(random.Random(int(sys.argv[3])).sample(lines, int(sys.argv[2])), key=lines.index):
    print(l)' "$plan" "$KUBECTL_SAMPLE" "$SEED" > "$work/sample.tsv"
  mode=extrapolated
else
  cp "$plan" "$work/sample.tsv"
  mode=measured
fi
n=$(wc -l < "$work/sample.tsv")
echo "== kubectl kustomize: one process per Flux Kustomization path, $n of $total_paths paths"
mkdir -p "$work/kubectl"
start=$(date +%s.%N)
i=0
while IFS=$'\t' read -r cluster name path plain; do
  i=$((i + 1))
  kubectl kustomize "$repo/$path" > "$work/kubectl/$i.yaml"
done < "$work/sample.tsv"
end=$(date +%s.%N)
k_sample=$(echo "$end - $start" | bc)
k_total=$(echo "scale=3; $k_sample * $total_paths / $n" | bc)

echo "== correctness on the $n kubectl paths"
i=0
build_ok=0
render_checked=0
render_ok=0
while IFS=$'\t' read -r cluster name path plain; do
  i=$((i + 1))
  if "$fc" build "$repo/$path" 2> "$work/err.txt" | cmp -s - "$work/kubectl/$i.yaml"; then
    build_ok=$((build_ok + 1))
  else
    echo "build differs: $path"
    head -5 "$work/err.txt"
  fi
  if [ "$plain" = 1 ]; then
    render_checked=$((render_checked + 1))
    rendered=$(ls "$work"/out/*/"$cluster/flux-system.$name.yaml")
    if python3 bench/compare_render.py "$rendered" "$work/kubectl/$i.yaml"; then
      render_ok=$((render_ok + 1))
    else
      echo "render differs: $cluster $name ($path)"
    fi
  fi
done < "$work/sample.tsv"

echo "== results"
echo "clusters rendered:         $clusters ($errors errors)"
echo "Flux Kustomizations:       $total_paths"
echo "objects rendered:          $objects"
printf 'fleetcheck median wall:    %.3f s (runs: %s)\n' "$fc_median" "${walls[*]}"
printf 'fleetcheck median CPU:     %.2f s user+sys (the machine has %d cores; wall time varies with load)\n' "$cpu_median" "$(nproc)"
printf 'fleetcheck objects/s:      %.0f\n' "$(echo "$objects / $fc_median" | bc -l)"
printf 'fleetcheck peak RSS:       %d MB\n' "$((rss_max / 1024))"
if [ "$mode" = measured ]; then
  printf 'kubectl total (measured):  %.1f s for %d paths, %.0f ms per path\n' "$k_total" "$n" "$(echo "$k_sample * 1000 / $n" | bc -l)"
else
  printf 'kubectl total (extrapolated from %d of %d paths): %.1f s (sample %.1f s, %.0f ms per path)\n' \
    "$n" "$total_paths" "$k_total" "$k_sample" "$(echo "$k_sample * 1000 / $n" | bc -l)"
fi
printf 'ratio kubectl/fleetcheck:  %.1fx\n' "$(echo "$k_total / $fc_median" | bc -l)"
echo "build byte-identical:      $build_ok of $n"
echo "render equal to kubectl:   $render_ok of $render_checked (Kustomizations without postBuild or spec overrides)"
[ "$build_ok" -eq "$n" ] && [ "$render_ok" -eq "$render_checked" ]
