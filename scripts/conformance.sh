#!/usr/bin/env bash
# Runs the kustomize conformance cases from ../shared/conformance (present beside the project on
# the developers' machines and in CI, not in a user's clone) against a release build.
# Accepted differences are pinned, with their reasons, in tests/conformance_notes.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED:-../shared}
if [ ! -f "$shared/conformance/run-krusty.py" ]; then
  echo "SKIP: $shared/conformance not found" >&2
  exit 0
fi
cargo build --release --quiet
python3 "$shared/conformance/run-krusty.py" "${CARGO_TARGET_DIR:-target}/release/fleetcheck" "$@"
