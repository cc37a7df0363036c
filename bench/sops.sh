#!/usr/bin/env bash
# SOPS decryption benchmark: `fleetcheck decrypt` over all files in ONE process vs the real `sops -d` once
# per file (what a CI script does), on 1,000 files written by the real sops (bench/gen_sops.py: 60% YAML
# Secrets encrypted with --encrypted-regex '^(data|stringData)$', some with TLS-sized values, 15% JSON,
# 12% dotenv, 6% INI, 7% binary). Prints median wall time of RUNS runs, files/s for both, the ratio (the
# bar is >= 50x) and peak RSS (/usr/bin/time -v), then checks (outside the timing) that fleetcheck's
# output equals sops' output for every file.
#
#   SOPS=/tmp/sops-venv/bin/sops bench/sops.sh
#   COUNT=200 RUNS=5 SOPS=/tmp/sops-venv/bin/sops bench/sops.sh
#   FLEETCHECK=/path/to/fleetcheck bench/sops.sh      # a prebuilt binary
#   RUNS=0 SOPS=/tmp/sops-venv/bin/sops bench/sops.sh # only the output check
#
# The encrypted files are cached between runs under ${TMPDIR:-/tmp}/fleetcheck-bench-sops/<count>-<seed>
# (delete it to regenerate); their plain sources are deleted once encrypted. Keys: the test keys of
# tests/fixtures/sops/keys. Decrypted output only ever goes to /dev/null or through pipes.
set -euo pipefail
cd "$(dirname "$0")/.."
SOPS=${SOPS:-sops}
COUNT=${COUNT:-1000}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
KEY=$PWD/tests/fixtures/sops/keys/age-a.txt
RECIPIENT=$(cat tests/fixtures/sops/keys/age-a.pub)
CACHE=${TMPDIR:-/tmp}/fleetcheck-bench-sops/$COUNT-$SEED

# No developer keys or config: an empty HOME, and only the test key.
unset SOPS_AGE_KEY SOPS_AGE_KEY_FILE SOPS_AGE_KEY_CMD SOPS_AGE_SSH_PRIVATE_KEY_FILE SOPS_AGE_RECIPIENTS
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export HOME=$scratch XDG_CONFIG_HOME=$scratch/xdg

if [ ! -f "$CACHE/.complete" ]; then
  echo "== generating $COUNT files with $("$SOPS" --version 2>/dev/null | head -1) into $CACHE"
  rm -rf "$CACHE"
  mkdir -p "$CACHE/plain"
  python3 bench/gen_sops.py --count "$COUNT" --seed "$SEED" "$CACHE/plain" >"$CACHE/plan.tsv"
  export SOPS RECIPIENT CACHE
  # Two encryptions at a time (sops is single-threaded per file).
  # shellcheck disable=SC2016
  tr '\t' '\n' <"$CACHE/plan.tsv" | xargs -d '\n' -n 2 -P 2 sh -c '
    name=$1; flags=$2
    # shellcheck disable=SC2086
    "$SOPS" --encrypt --age "$RECIPIENT" $flags "$CACHE/plain/$name" >"$CACHE/$name.tmp" && mv "$CACHE/$name.tmp" "$CACHE/$name"
  ' _ 2>&1 | head -5
  rm -rf "$CACHE/plain"
  [ "$(find "$CACHE" -maxdepth 1 -type f ! -name '.*' ! -name plan.tsv | wc -l)" = "$COUNT" ] || {
    echo "generation failed" >&2
    exit 1
  }
  touch "$CACHE/.complete"
fi
mapfile -t files < <(cut -f1 "$CACHE/plan.tsv" | sed "s|^|$CACHE/|")
bytes=$(cat "${files[@]}" | wc -c)
echo "== $COUNT files, $((bytes / 1024)) KiB encrypted: $(cut -f1 "$CACHE/plan.tsv" | sed 's/.*\.//' | sort | uniq -c | tr '\n' ' ')"

if [ -n "${FLEETCHECK:-}" ]; then
  fc=$FLEETCHECK
else
  cargo build --release --quiet
  fc=${CARGO_TARGET_DIR:-target}/release/fleetcheck
fi

now() { date +%s.%N; }
calc() { awk "BEGIN {printf \"%.6f\", $1}"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
peak_kib() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }

if [ "$RUNS" -gt 0 ]; then # RUNS=0: only the output check
  echo "== timing, $RUNS runs each (median)"
  fc_times=() sops_times=()
  for run in $(seq "$RUNS"); do
    t0=$(now)
    /usr/bin/time -v -o "$scratch/fc.time" "$fc" decrypt --age-key-file "$KEY" "${files[@]}" >/dev/null
    t1=$(now)
    # shellcheck disable=SC2016
    SOPS_AGE_KEY_FILE=$KEY /usr/bin/time -v -o "$scratch/sops.time" \
      bash -c 'for f; do "$0" --decrypt "$f" >/dev/null; done' "$SOPS" "${files[@]}"
    t2=$(now)
    fc_times+=("$(calc "$t1 - $t0")")
    sops_times+=("$(calc "$t2 - $t1")")
    printf '   run %d: fleetcheck %.3fs, sops %.3fs\n' "$run" "${fc_times[-1]}" "${sops_times[-1]}"
  done
  fc_med=$(printf '%s\n' "${fc_times[@]}" | median)
  sops_med=$(printf '%s\n' "${sops_times[@]}" | median)
  printf 'fleetcheck decrypt (1 process): %8.3fs  %9.1f files/s  peak RSS %6d KiB\n' \
    "$fc_med" "$(calc "$COUNT / $fc_med")" "$(peak_kib "$scratch/fc.time")"
  printf 'sops -d (1 process per file):   %8.3fs  %9.1f files/s  peak RSS %6d KiB (largest single sops)\n' \
    "$sops_med" "$(calc "$COUNT / $sops_med")" "$(peak_kib "$scratch/sops.time")"
  printf 'ratio: %.1fx (bar: 50x)\n' "$(calc "$sops_med / $fc_med")"
fi

echo "== checking fleetcheck's output against sops -d for every file"
differ=0
for f in "${files[@]}"; do
  if ! cmp -s <(SOPS_AGE_KEY_FILE=$KEY "$SOPS" --decrypt "$f") <("$fc" decrypt --age-key-file "$KEY" "$f" 2>/dev/null); then
    differ=$((differ + 1))
    [ "$differ" -le 10 ] && echo "   differs: $f"
  fi
done
echo "identical outputs: $((COUNT - differ)) / $COUNT"
[ "$differ" = 0 ]
