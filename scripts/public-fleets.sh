#!/usr/bin/env bash
# Measures fleetcheck on checked-out public Flux fleet repositories (see bench/public-fleets.md).
#
#   scripts/public-fleets.sh DIR...                   # one directory per fleet repository
#   RUNS=5 scripts/public-fleets.sh ~/fleets/*        # median of 5 render runs (default 3)
#   PATH_RUNS=1 scripts/public-fleets.sh DIR...       # per-path builds: fastest of PATH_RUNS (3)
#   FLEETCHECK=/path/to/fleetcheck scripts/public-fleets.sh DIR...   # a prebuilt binary
#   KEEP=1 scripts/public-fleets.sh DIR...            # keep the work directory (outputs, diffs)
#
# Per repository:
#   1. `fleetcheck render DIR -o json`, RUNS times: median wall time, objects/s, peak RSS
#      (`/usr/bin/time -v`), and from the JSON the clusters, Flux Kustomizations, objects, and
#      every Kustomization that was skipped, blocked or failed, with its reason.
#   2. Differential: every distinct `spec.path` that a Flux Kustomization of this repository
#      builds and that holds a kustomization.yaml (plain kustomize semantics, no Flux-only
#      fields) is built with `kubectl kustomize` and with `fleetcheck build`; the
#      outputs are compared byte for byte (`same`, `DIFF`, `both fail`, `kubectl fails`,
#      `fleetcheck fails`) and the per-path times (fastest of PATH_RUNS) give a speed ratio.
#   3. The fleet's render time against `kubectl kustomize` run once per path (what a CI script
#      that builds each path does).
set -euo pipefail
[ $# -gt 0 ] || { sed -n '2,8p' "$0" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd -P)
RUNS=${RUNS:-3}
PATH_RUNS=${PATH_RUNS:-3}
KUBECTL=${KUBECTL:-kubectl}
command -v "$KUBECTL" >/dev/null || { echo "public-fleets.sh: $KUBECTL not found" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "public-fleets.sh: /usr/bin/time (GNU time) not found" >&2; exit 1; }
if [ -n "${FLEETCHECK:-}" ]; then
  fc=$FLEETCHECK
else
  (cd "$here" && cargo build --release --quiet)
  fc=${CARGO_TARGET_DIR:-$here/target}/release/fleetcheck
fi
work=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then echo "work directory: $work"; else trap 'rm -rf "$work"' EXIT; fi
export NO_COLOR=1

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
fastest() { printf '%s\n' "$@" | sort -g | head -n1; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# Prints, from render JSON on stdin: a summary line, then one TSV line per Kustomization path of
# this repository ("path<TAB>status"), then the non-rendered Kustomizations with their reasons.
summarize() {
  python3 -c '
import json, sys
d = json.load(sys.stdin)
clusters = d["clusters"]
ks = [k for c in clusters for k in c["kustomizations"]]
objects = sum(len(k["objects"]) for k in ks)
print("SUMMARY\t%d\t%d\t%d" % (len(clusters), len(ks), objects))
paths = {}
for c in clusters:
    for k in c["kustomizations"]:
        if k["status"] != "skipped" and k.get("path"):
            paths.setdefault(k["path"], k["status"])
for p in sorted(paths):
    print("PATH\t%s\t%s" % (p, paths[p]))
for c in clusters:
    for k in c["kustomizations"]:
        if k["status"] != "rendered":
            why = k.get("reason") or "; ".join(e if isinstance(e, str) else e.get("message", "") for e in k.get("errors", []))
            print("NOT\t%s\t%s/%s\t%s\t%s" % (c["name"], k["namespace"], k["name"], k["status"], why.splitlines()[0] if why else ""))
'
}

for repo in "$@"; do
  repo=$(cd "$repo" && pwd -P)
  name=$(basename "$repo")
  echo
  echo "## $name"
  commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo "not a git checkout")
  echo "commit: $commit; $(find "$repo" -name '.*' -prune -o -type f \( -name '*.yaml' -o -name '*.yml' \) -print | wc -l) YAML files"

  walls=()
  rss=0
  rc=0
  for i in $(seq "$RUNS"); do
    start=$(now)
    rc=0
    /usr/bin/time -v -o "$work/time.txt" "$fc" render "$repo" -o json >"$work/render.json" 2>"$work/render.err" || rc=$?
    walls+=("$(elapsed "$start" "$(now)")")
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  wall=$(median "${walls[@]}")
  summarize <"$work/render.json" >"$work/summary.tsv"
  read -r _ clusters kss objects < <(grep '^SUMMARY' "$work/summary.tsv")
  rate=$(echo "$objects / $wall" | bc)
  printf 'render: exit %d; %d clusters, %d Flux Kustomizations, %d objects; median %.3f s over %d runs (%d objects/s); peak RSS %d MB\n' \
    "$rc" "$clusters" "$kss" "$objects" "$wall" "$RUNS" "$rate" "$((rss / 1024))"
  echo "diagnostics (stderr): $(grep -c '^ *×' "$work/render.err" || true)"
  if grep -q '^NOT' "$work/summary.tsv"; then
    echo "not rendered:"
    grep '^NOT' "$work/summary.tsv" | cut -f2- | sed 's/^/  /; s/\t/  /g'
  fi

  echo "differential (kubectl kustomize vs fleetcheck build, byte for byte):"
  printf '  %-60s %-17s %9s %9s %7s\n' PATH RESULT KUBECTL FLEETCHK RATIO
  kubectl_total=0
  n=0
  same=0
  while IFS=$'\t' read -r _ path _; do
    dir=$repo/${path#./}
    if [ ! -f "$dir/kustomization.yaml" ] && [ ! -f "$dir/kustomization.yml" ] && [ ! -f "$dir/Kustomization" ]; then
      printf '  %-60s %s\n' "$path" "no kustomization.yaml (Flux generates one; not compared)"
      continue
    fi
    n=$((n + 1))
    kts=()
    fts=()
    for i in $(seq "$PATH_RUNS"); do
      start=$(now)
      krc=0
      "$KUBECTL" kustomize "$dir" >"$work/k.out" 2>"$work/k.err" || krc=$?
      kts+=("$(elapsed "$start" "$(now)")")
      start=$(now)
      frc=0
      "$fc" build "$dir" >"$work/f.out" 2>"$work/f.err" || frc=$?
      fts+=("$(elapsed "$start" "$(now)")")
    done
    kt=$(fastest "${kts[@]}")
    ft=$(fastest "${fts[@]}")
    kubectl_total=$(echo "$kubectl_total + $kt" | bc)
    if [ $krc -ne 0 ] && [ $frc -ne 0 ]; then result="both fail"
    elif [ $krc -ne 0 ]; then result="kubectl fails"
    elif [ $frc -ne 0 ]; then result="fleetcheck fails"
    elif cmp -s "$work/k.out" "$work/f.out"; then result=same; same=$((same + 1))
    else result=DIFF
    fi
    printf '  %-60s %-17s %8.3fs %8.3fs %6.1fx\n' "$path" "$result" "$kt" "$ft" "$(echo "$kt / $ft" | bc -l)"
    if [ -n "${KEEP:-}" ] && [ "$result" != same ]; then
      slug=$(echo "$name${path#.}" | tr '/' '_')
      cp "$work/k.out" "$work/$slug.kubectl"; cp "$work/f.out" "$work/$slug.fleetcheck"
      cp "$work/k.err" "$work/$slug.kubectl.err"; cp "$work/f.err" "$work/$slug.fleetcheck.err"
    fi
  done < <(grep '^PATH' "$work/summary.tsv")
  if [ "$n" -gt 0 ]; then
    printf 'paths compared: %d, identical: %d; kubectl kustomize once per path: %.3f s vs fleetcheck render %.3f s (%.1fx)\n' \
      "$n" "$same" "$kubectl_total" "$wall" "$(echo "$kubectl_total / $wall" | bc -l)"
  fi
done
