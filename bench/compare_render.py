#!/usr/bin/env python3
"""Compares a `fleetcheck render --out` file with `kubectl kustomize` output of the same path.

    python3 bench/compare_render.py RENDERED.yaml KUBECTL.yaml

Flux applies in FIFO order and kubectl prints kustomize's legacy order, so documents are compared
as multisets; Flux's owner labels (kustomize.toolkit.fluxcd.io/name and /namespace) are removed
from the rendered documents first, and a `labels:` map left empty by that is dropped. Exit 0 when
equal, 1 (with the first differing document) otherwise.
"""

import sys

OWNER = ("kustomize.toolkit.fluxcd.io/name:", "kustomize.toolkit.fluxcd.io/namespace:")


def docs(text):
    out, cur = [], []
    for line in text.splitlines():
        if line == "---":
            out.append(cur)
            cur = []
        else:
            cur.append(line)
    out.append(cur)
    return [d for d in out if d]


def strip_owner(doc):
    lines = [l for l in doc if not (l.startswith("    ") and l.strip().startswith(OWNER))]
    kept = []
    for i, l in enumerate(lines):
        if l == "  labels:":
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if not nxt.startswith("    "):
                continue
        kept.append(l)
    return kept


def main():
    rendered, kubectl = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
    a = sorted("\n".join(strip_owner(d)) for d in docs(rendered))
    b = sorted("\n".join(d) for d in docs(kubectl))
    if a == b:
        return 0
    only_a = [d for d in a if d not in b]
    only_b = [d for d in b if d not in a]
    print(f"  {len(a)} rendered vs {len(b)} kubectl documents", file=sys.stderr)
    if only_a:
        print("  first rendered-only document:\n" + only_a[0], file=sys.stderr)
    if only_b:
        print("  first kubectl-only document:\n" + only_b[0], file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
