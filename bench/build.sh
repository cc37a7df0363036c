#!/usr/bin/env bash
# Benchmark `fleetcheck build DIR` against `kubectl kustomize DIR`.
#
# Generates (deterministically, fixed seed) a kustomization whose only resource
# is one ~20 MB multi-document YAML file with a realistic mix of Deployments,
# ConfigMaps (multi-line data), Services and Secrets full of quoted / numeric /
# boolean-looking values and long strings; then times both tools RUNS times,
# prints median wall time, throughput, peak RSS, the speed ratio, and checks
# that both outputs are byte-identical.
#
# Environment:
#   RUNS=5          timed runs per tool (after one untimed warm-up)
#   SIZE_MB=20      approximate size of the generated resources file
#   DOCS=1500       approximate number of documents (kustomize is O(n^2) in it)
#   FLEETCHECK=...  binary to use (default: release build, built first)
#   SKIP_BUILD=1    do not run `cargo build --release`
#   KUBECTL=kubectl kubectl binary
#   KEEP=1          keep the generated directory and outputs
set -euo pipefail

RUNS=${RUNS:-5}
SIZE_MB=${SIZE_MB:-20}
# kustomize's resource accumulation is quadratic in the number of documents
# (~6 s for 1.4k docs, ~95 s for 5.6k docs of 750 bytes on a 2-core box), so the
# 20 MB are spread over ~1500 larger documents (~14 KB each) to keep kubectl's
# runs in the tens of seconds.
DOCS=${DOCS:-1500}
KUBECTL=${KUBECTL:-kubectl}
repo=$(cd "$(dirname "$0")/.." && pwd -P)

if [ -z "${FLEETCHECK:-}" ]; then
  if [ -z "${SKIP_BUILD:-}" ]; then
    echo "building release binary (CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-<default>})..." >&2
    (cd "$repo" && cargo build --release --quiet --bin fleetcheck)
  fi
  FLEETCHECK="${CARGO_TARGET_DIR:-$repo/target}/release/fleetcheck"
fi
[ -x "$FLEETCHECK" ] || { echo "bench: fleetcheck binary not found at $FLEETCHECK" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/fleetcheck-bench.XXXXXX")
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$work"' EXIT; else echo "keeping $work" >&2; fi
mkdir -p "$work/app"

# ---------------------------------------------------------------- generate
python3 - "$work/app" "$SIZE_MB" "$DOCS" <<'PY'
import random, sys
out_dir, size_mb, ndocs = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
target = int(size_mb * 1024 * 1024)
per_doc = max(600, target // max(1, ndocs))   # documents are padded to about this size
rng = random.Random(20240101)

words = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
         "omicron pi rho sigma tau upsilon phi chi psi omega yes no on off true null "
         "café 日本 naïve").split()
tricky = ['"yes"', '"no"', '"on"', '"off"', '"true"', '"null"', '"~"', '""', '"0755"',
          '"0x1F"', '"1e3"', '"1.0"', '"123"', '"2024-01-01"', "'a: b'", "'#hash'",
          '"*star"', '"  padded  "', '"tab\\tsep"', '"line\\nbreak"', "plain value",
          "'it''s'", '"smile \\U0001F600"', "http://example.com:8080/x?y=1#z"]
flow_safe = [t for t in tricky if t[0] in "'\"" or t == "plain value"]
nums = ["0", "1", "42", "-7", "0755", "0o17", "0x1F", "1_000", "+12", "1.5", "1e3",
        "1.5e-7", "1234567.5", "0.00001", "12345678901234567890", "true", "false",
        "yes", "no", "on", "off", "null", "~", "2024-01-01", "2024-01-01T10:20:30Z"]

def sentence(n):
    return " ".join(rng.choice(words) for _ in range(n))

def long_string():
    kind = rng.randrange(3)
    s = sentence(rng.randint(14, 30))
    if kind == 0:
        return "x-" + s                                  # plain, long
    if kind == 1:
        return "'" + s.replace("'", "''") + ": needs quotes'"  # colon-space -> quoted
    return '"' + s + '\\twith a tab"'                   # double-quoted escape

def deployment(i, ns):
    name = f"app-{i:06d}"
    lines = [
        "apiVersion: apps/v1", "kind: Deployment", "metadata:", f"  name: {name}",
        f"  namespace: {ns}", "  labels:", f"    app.kubernetes.io/name: {name}",
        f"    app.kubernetes.io/version: \"{rng.randint(1, 9)}.{rng.randint(0, 20)}\"",
        "  annotations:", f"    example.com/description: {long_string()}",
        f"    example.com/flag: {rng.choice(tricky)}",
        "spec:", f"  replicas: {rng.randint(0, 12)}", "  selector:", "    matchLabels:",
        f"      app.kubernetes.io/name: {name}", "  template:", "    metadata:", "      labels:",
        f"        app.kubernetes.io/name: {name}", "    spec:", "      containers:",
    ]
    c = 0
    while c < 1 or sum(map(len, lines)) + len(lines) < per_doc:
        c += 1
        lines += [f"      - name: c{c}",
                  f"        image: registry.example.com/team/{name}:{rng.randint(1, 99)}.{rng.randint(0, 9)}",
                  f"        args: [\"--port={8000 + c}\", \"--verbose\", {rng.choice(flow_safe)}]",
                  "        env:"]
        for e in range(rng.randint(2, 40)):
            lines += [f"        - name: VAR_{e}", f"          value: {rng.choice(tricky)}"]
        lines += ["        ports:", f"        - containerPort: {8000 + c}", "          protocol: TCP",
                  "        resources:", "          limits:",
                  f"            cpu: {rng.choice(['500m', '1', '2', '0.5'])}",
                  f"            memory: {rng.choice(['128Mi', '1Gi', '512Mi'])}"]
    return "\n".join(lines) + "\n"

def configmap(i, ns):
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: config-{i:06d}",
             f"  namespace: {ns}", "data:"]
    for k in range(rng.randint(3, 10)):
        lines.append(f"  key-{k}: {rng.choice(tricky)}")
    lines.append(f"  long: {long_string()}")
    body = ["    " + ("  " * rng.randint(0, 2)) + sentence(rng.randint(2, 12))
            for _ in range(rng.randint(3, 15))]
    # a more-indented first line needs an explicit indentation indicator
    lines.append("  script.sh: |2" if body[0].startswith("     ") else "  script.sh: |")
    lines += body
    lines.append("  settings.ini: |-")
    for s in range(rng.randint(2, 6)):
        lines.append(f"    setting{s} = {sentence(3)}")
    f = 0
    while sum(map(len, lines)) + len(lines) < per_doc:
        lines.append(f"  file-{f}.txt: |")
        lines += ["    " + sentence(rng.randint(3, 16)) for _ in range(rng.randint(5, 60))]
        lines.append(f"  value-{f}: {rng.choice(tricky)}")
        lines.append(f"  long-{f}: {long_string()}")
        f += 1
    return "\n".join(lines) + "\n"

def service(i, ns):
    lines = [
        "apiVersion: v1", "kind: Service", "metadata:", f"  name: svc-{i:06d}", f"  namespace: {ns}",
        "spec:", "  selector:", f"    app.kubernetes.io/name: app-{i:06d}",
        f"  sessionAffinity: {rng.choice(['None', 'ClientIP'])}", "  ports:"]
    p = 0
    while p < 1 or sum(map(len, lines)) + len(lines) < per_doc // 4:   # services stay smaller
        lines += [f"  - name: port-{p}", f"    port: {1000 + p}",
                  f"    targetPort: {rng.choice(['http', 8080, '9090'])}",
                  f"    protocol: {rng.choice(['TCP', 'UDP'])}"]
        p += 1
    return "\n".join(lines) + "\n"

def custom(i, ns):
    lines = ["apiVersion: example.com/v1", "kind: Widget", "metadata:", f"  name: widget-{i:06d}",
             f"  namespace: {ns}", "spec:"]
    k = 0
    while k < 4 or sum(map(len, lines)) + len(lines) < per_doc:
        lines.append(f"  field{k}: {rng.choice(nums)}")
        if k % 7 == 0:
            lines.append(f"  nested{k}:")
            lines += [f"    - {{name: n{j}, value: {rng.choice(flow_safe)}, enabled: {rng.choice(['true', 'no', 'on'])}}}"
                      for j in range(rng.randint(1, 6))]
        k += 1
    lines.append(f"  list: [{', '.join(rng.choice(nums) for _ in range(5))}]")
    return "\n".join(lines) + "\n"

makers = [deployment, configmap, service, custom]
namespaces = [f"team-{c}" for c in "abcdefgh"]
docs, size, i = [], 0, 0
while size < target:
    doc = makers[i % len(makers)](i, namespaces[rng.randrange(len(namespaces))])
    docs.append(doc)
    size += len(doc.encode()) + 4
    i += 1
with open(f"{out_dir}/resources.yaml", "w", encoding="utf-8") as f:
    f.write("---\n".join(docs))
with open(f"{out_dir}/kustomization.yaml", "w") as f:
    f.write("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- resources.yaml\n")
print(f"generated {i} documents, {size / 1e6:.1f} MB", file=sys.stderr)
PY

input_bytes=$(wc -c < "$work/app/resources.yaml")
have_time_v=
if [ -x /usr/bin/time ] && /usr/bin/time -v true 2>/dev/null; then have_time_v=1; fi

# run_tool LABEL OUTFILE CMD... -> prints "median_s max_rss_kb status" to stdout
run_tool() {
  local label=$1 out=$2; shift 2
  local times=() rss=0 r status=ok
  if ! "$@" > "$out" 2> "$work/$label.stderr"; then
    echo "bench: $label failed on warm-up:" >&2; head -c 2000 "$work/$label.stderr" >&2; echo >&2
    echo "nan 0 failed"; return
  fi
  for ((r = 1; r <= RUNS; r++)); do
    local t0 t1
    t0=$(date +%s%N)
    if [ -n "$have_time_v" ]; then
      /usr/bin/time -v -o "$work/$label.time" "$@" > "$work/$label.run.out" 2> "$work/$label.stderr" || status=failed
      local k; k=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$label.time")
      [ -n "$k" ] && [ "$k" -gt "$rss" ] && rss=$k
    else
      "$@" > "$work/$label.run.out" 2> "$work/$label.stderr" || status=failed
    fi
    t1=$(date +%s%N)
    times+=("$(( t1 - t0 ))")
    echo "  $label run $r: $(awk -v n="$(( t1 - t0 ))" 'BEGIN { printf "%.3f s", n / 1e9 }')" >&2
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END {
      m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.4f", m / 1e9 }')
  echo "$median $rss $status"
}

echo "input: $work/app/resources.yaml ($(awk -v b="$input_bytes" 'BEGIN { printf "%.1f MB", b / 1048576 }')), $RUNS runs per tool" >&2
echo "timing fleetcheck ($FLEETCHECK)..." >&2
read -r fc_med fc_rss fc_status < <(run_tool fleetcheck "$work/fleetcheck.out" "$FLEETCHECK" build "$work/app")

kc_status=absent
if command -v "$KUBECTL" > /dev/null; then
  echo "timing kubectl kustomize ($("$KUBECTL" version --client 2>/dev/null | awk '/Kustomize/ {print $3}'))..." >&2
  read -r kc_med kc_rss kc_status < <(run_tool kubectl "$work/kubectl.out" "$KUBECTL" kustomize "$work/app")
else
  echo "SKIP: kubectl not found; timing fleetcheck only" >&2
fi

# ---------------------------------------------------------------- report
row() { # tool median rss status
  awk -v tool="$1" -v m="$2" -v rss="$3" -v st="$4" -v b="$input_bytes" 'BEGIN {
    if (st != "ok") { printf "%-20s %10s %10s %12s   (%s)\n", tool, "-", "-", "-", st; exit }
    printf "%-20s %10.3f %10.1f %12s\n", tool, m, (b / 1048576) / m, (rss > 0 ? sprintf("%.1f MB", rss / 1024) : "n/a") }'
}
echo
printf '%-20s %10s %10s %12s\n' tool "median s" "MB/s" "peak RSS"
row fleetcheck "$fc_med" "$fc_rss" "$fc_status"
[ "$kc_status" != absent ] && row "kubectl kustomize" "$kc_med" "$kc_rss" "$kc_status"

rc=0
if [ "$fc_status" = ok ] && [ "$kc_status" = ok ]; then
  awk -v k="$kc_med" -v f="$fc_med" 'BEGIN { printf "ratio kubectl/fleetcheck: %.2fx\n", k / f }'
  if cmp -s "$work/fleetcheck.out" "$work/kubectl.out"; then
    echo "outputs: byte-identical ($(wc -c < "$work/kubectl.out") bytes)"
  else
    rc=1
    echo "outputs: DIFFER (fleetcheck $(wc -c < "$work/fleetcheck.out") bytes, kubectl $(wc -c < "$work/kubectl.out") bytes)"
    cmp "$work/kubectl.out" "$work/fleetcheck.out" | head -1 || true
    diff -u --label kubectl --label fleetcheck "$work/kubectl.out" "$work/fleetcheck.out" | head -40 || true
    [ -n "${KEEP:-}" ] || echo "(re-run with KEEP=1 to keep $work for inspection)"
  fi
elif [ "$fc_status" != ok ]; then
  rc=1
fi
exit $rc
