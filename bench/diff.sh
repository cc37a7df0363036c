#!/usr/bin/env bash
# `fleetcheck diff` against `fleetcheck render` on a generated fleet (bench/gen_fleet.py) kept in a
# git repository: commit the fleet, change one shared base (infrastructure/base/infra-0, used by
# every cluster), commit again, then time RUNS runs each of
#   render:            fleetcheck render REPO -q                     (one render, the work tree)
#   diff (two revs):   fleetcheck diff REPO --base HEAD~1 --head HEAD (both sides from git objects)
#   diff (work tree):  fleetcheck diff REPO --base HEAD~1             (head from disk)
# and print the medians and the ratio diff/render (the bar is <= 2x), with the diff's headline.
#
#   bench/diff.sh                                  # 100 clusters x 30 Kustomizations x 20 objects
#   CLUSTERS=20 KUSTOMIZATIONS=10 OBJECTS=10 RUNS=5 bench/diff.sh
#   FLEETCHECK=/path/to/fleetcheck bench/diff.sh   # a prebuilt binary
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTERS=${CLUSTERS:-100}
KUSTOMIZATIONS=${KUSTOMIZATIONS:-30}
OBJECTS=${OBJECTS:-20}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
work=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then echo "work directory: $work"; else trap 'rm -rf "$work"' EXIT; fi

if [ -n "${FLEETCHECK:-}" ]; then
  fc=$FLEETCHECK
else
  cargo build --release --quiet
  fc=${CARGO_TARGET_DIR:-target}/release/fleetcheck
fi

repo=$work/repo
python3 bench/gen_fleet.py --clusters "$CLUSTERS" --kustomizations "$KUSTOMIZATIONS" \
  --objects "$OBJECTS" --seed "$SEED" "$repo" > /dev/null
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" -c commit.gpgsign=false commit -q -m fleet
sed -i 's/SYNC_PERIOD=.*/SYNC_PERIOD=1m/' "$repo/infrastructure/base/infra-0/kustomization.yaml"
git -C "$repo" -c commit.gpgsign=false commit -q -am "change a shared base"
echo "== fleet: $CLUSTERS clusters x $KUSTOMIZATIONS Kustomizations x $OBJECTS objects;" \
  "$(find "$repo" -name '*.yaml' | wc -l) YAML files; one shared base changed"

# Median wall time of RUNS runs of the command; fails when it exits with 2 (an error).
median() {
  local walls=() rc
  for _ in $(seq "$RUNS"); do
    local start end
    start=$(date +%s.%N)
    rc=0
    "$@" > "$work/stdout.txt" 2> "$work/stderr.txt" || rc=$?
    end=$(date +%s.%N)
    if [ "$rc" -ge 2 ]; then
      cat "$work/stderr.txt" >&2
      echo "bench: '$*' failed with $rc" >&2
      exit 1
    fi
    walls+=("$(echo "$end - $start" | bc)")
  done
  printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

render=$(median "$fc" render "$repo" -q)
echo "render:            $render s"
revs=$(median "$fc" diff "$repo" --base HEAD~1 --head HEAD -q)
echo "diff (two revs):   $revs s   ($(head -2 "$work/stdout.txt" | tail -1))"
worktree=$(median "$fc" diff "$repo" --base HEAD~1 -q)
echo "diff (work tree):  $worktree s"
same=$(median "$fc" diff "$repo" --base HEAD --head HEAD -q)
echo "diff (same tree):  $same s"
echo "ratio diff/render: $(echo "scale=2; $revs / $render" | bc)x (two revs)," \
  "$(echo "scale=2; $worktree / $render" | bc)x (work tree); the bar is 2x"
