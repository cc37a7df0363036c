#!/usr/bin/env bash
# The cost of `fleetcheck check` over `fleetcheck render` alone, on the generated Flux fleet of
# bench/gen_fleet.py (default 100 clusters x 30 Kustomizations x 20 objects), in one run:
# RUNS alternating runs of each, medians compared. The bar: check costs at most 1.5x render, in
# CPU time (user+sys; wall time is printed too, but on a shared machine it follows the load).
#
#   bench/check.sh
#   CLUSTERS=20 RUNS=5 bench/check.sh
#   FLEETCHECK=/path/to/fleetcheck bench/check.sh   # a prebuilt binary
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTERS=${CLUSTERS:-100}
KUSTOMIZATIONS=${KUSTOMIZATIONS:-30}
OBJECTS=${OBJECTS:-20}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

repo=$work/repo
python3 bench/gen_fleet.py --clusters "$CLUSTERS" --kustomizations "$KUSTOMIZATIONS" \
  --objects "$OBJECTS" --seed "$SEED" "$repo"
echo "== fleet: $CLUSTERS clusters x $KUSTOMIZATIONS Kustomizations x $OBJECTS objects, seed $SEED"

if [ -n "${FLEETCHECK:-}" ]; then
  fc=$FLEETCHECK
else
  cargo build --release --quiet
  fc=${CARGO_TARGET_DIR:-target}/release/fleetcheck
fi

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() { # prints wall seconds, CPU seconds and peak RSS (MB); fails on exit codes above 1
  local start end rc=0
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$work/time.txt" "$@" > "$work/out.txt" || rc=$?
  end=$(date +%s.%N)
  if [ "$rc" -gt 1 ]; then
    head -20 "$work/out.txt" >&2
    echo "failed ($rc): $*" >&2
    exit 1
  fi
  local cpu kb
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$work/time.txt")
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  echo "$(echo "$end - $start" | bc) $cpu $((kb / 1024))"
}

render_walls=()
check_walls=()
render_cpus=()
check_cpus=()
for i in $(seq "$RUNS"); do
  read -r rw rc rm < <(timed "$fc" render "$repo" -q)
  read -r cw cc cm < <(timed "$fc" check "$repo" -q -o json)
  findings=$( (grep -o '"rule":"FC[0-9]*"' "$work/out.txt" || true) | sort | uniq -c | tr '\n' ' ')
  objects=$(grep -o '"clusters":\[[^]]*\]' "$work/out.txt" | tr ',' '\n' | wc -l)
  printf 'run %d: render %.3f s wall %.2f s CPU (%d MB), check %.3f s wall %.2f s CPU (%d MB)\n' \
    "$i" "$rw" "$rc" "$rm" "$cw" "$cc" "$cm"
  render_walls+=("$rw")
  check_walls+=("$cw")
  render_cpus+=("$rc")
  check_cpus+=("$cc")
done
r=$(printf '%s\n' "${render_walls[@]}" | median)
c=$(printf '%s\n' "${check_walls[@]}" | median)
rcpu=$(printf '%s\n' "${render_cpus[@]}" | median)
ccpu=$(printf '%s\n' "${check_cpus[@]}" | median)
ratio=$(echo "scale=3; $ccpu / $rcpu" | bc)
echo "== results ($objects clusters checked, load average $(cut -d' ' -f1 /proc/loadavg))"
printf 'render median:  %.3f s wall, %.2f s CPU\n' "$r" "$rcpu"
printf 'check median:   %.3f s wall, %.2f s CPU\n' "$c" "$ccpu"
printf 'check/render:   %.2fx CPU (bar: 1.5x), %.2fx wall\n' "$ratio" "$(echo "scale=3; $c / $r" | bc)"
echo "findings:       ${findings:-none}"
[ "$(echo "$ratio <= 1.5" | bc)" -eq 1 ]
