#!/usr/bin/env python3
"""Regenerates the embedded Kubernetes schemas in schemas/k8s/ from the PyPI package
`kubernetes-validate` (Apache-2.0; it carries the Kubernetes OpenAPI definitions as JSON schema).

    python3 schemas/generate.py                       # pip download kubernetes-validate==VERSION
    python3 schemas/generate.py --wheel PATH.whl      # use a wheel already downloaded
    python3 schemas/generate.py --version 1.37.0 --minors 4

For each of the newest --minors Kubernetes minor versions the package carries, it reads
`_definitions.json` of the non-strict variant (`vX.Y.0-local`; strictness is a validator mode
in fleetcheck), keeps the definitions reachable from a kind (`x-kubernetes-group-version-kind`),
keeps only the validating keywords fleetcheck's validator implements, rewrites `$ref`s to bare
definition names, and writes schemas/k8s/vX.Y.json.gz: one gzip'd JSON object

    {"kinds": {"GROUP/VERSION/KIND": "definition name", ...}, "defs": {"name": schema, ...}}

(the core group is written as an empty GROUP: "/v1/Pod"). Output is deterministic (sorted keys,
gzip without a timestamp or file name).
"""

import argparse
import gzip
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

DEFAULT_VERSION = "1.37.0"
HERE = os.path.dirname(os.path.abspath(__file__))

# Keywords whose values are schemas / maps of schemas / lists of schemas.
SCHEMA_MAPS = {"properties"}
SCHEMA_VALUES = {"items", "additionalProperties", "not"}
SCHEMA_LISTS = {"allOf", "oneOf", "anyOf"}
# Plain validating keywords kept as they are.
PLAIN = {
    "type", "required", "enum", "nullable", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "pattern", "minLength", "maxLength", "minItems", "maxItems",
    "minProperties", "maxProperties", "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource",
}
# Formats the validator checks; other formats (double, float, ...) validate nothing more than
# the type.
FORMATS = {"int32", "int64", "byte", "date-time", "int-or-string"}


def strip(schema):
    """The schema with only validating keywords, `$ref`s rewritten to bare definition names."""
    out = {}
    for key, value in schema.items():
        if key == "$ref":
            out["$ref"] = value.rsplit("/", 1)[-1]
        elif key in SCHEMA_MAPS:
            out[key] = {k: strip(v) for k, v in value.items()}
        elif key in SCHEMA_VALUES:
            out[key] = strip(value) if isinstance(value, dict) else value
        elif key in SCHEMA_LISTS:
            out[key] = [strip(v) for v in value]
        elif key == "format":
            if value in FORMATS:
                out[key] = value
        elif key in PLAIN:
            out[key] = value
    return out


def refs(schema, acc):
    """Collects the definition names `schema` refers to."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                acc.add(value)
            else:
                refs(value, acc)
    elif isinstance(schema, list):
        for value in schema:
            refs(value, acc)


def compact(definitions):
    """The `{"kinds", "defs"}` document of one Kubernetes version."""
    kinds = {}
    for name, schema in definitions.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            key = "%s/%s/%s" % (gvk["group"], gvk["version"], gvk["kind"])
            # Several definitions may claim a GVK (meta types listed under every group):
            # the first in sorted order wins, deterministically.
            kinds.setdefault(key, name)
    stripped = {name: strip(schema) for name, schema in definitions.items()}
    keep, todo = set(), sorted(set(kinds.values()))
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        found = set()
        refs(stripped[name], found)
        todo.extend(sorted(found - keep))
    return {"kinds": kinds, "defs": {n: stripped[n] for n in sorted(keep)}}


def deterministic_gzip(data):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def download(version, dest):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "-d", dest, "kubernetes-validate==%s" % version],
        check=True,
    )
    wheels = [f for f in os.listdir(dest) if f.endswith(".whl")]
    if not wheels:
        sys.exit("pip download produced no wheel in %s" % dest)
    return os.path.join(dest, wheels[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--version", default=DEFAULT_VERSION, help="kubernetes-validate version")
    ap.add_argument("--wheel", help="a kubernetes-validate wheel already downloaded")
    ap.add_argument("--minors", type=int, default=4, help="how many newest minors to embed")
    ap.add_argument("--out", default=os.path.join(HERE, "k8s"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download(args.version, tmp)
        with zipfile.ZipFile(wheel) as zf:
            pattern = re.compile(
                r"kubernetes_validate/kubernetes-json-schema/v(\d+)\.(\d+)\.(\d+)-local/_definitions\.json$")
            found = {}
            for name in zf.namelist():
                m = pattern.search(name)
                if m:
                    found[(int(m.group(1)), int(m.group(2)))] = name
            minors = sorted(found, reverse=True)[: args.minors]
            if len(minors) < args.minors:
                sys.exit("the wheel carries only %d Kubernetes versions" % len(minors))
            os.makedirs(args.out, exist_ok=True)
            for old in os.listdir(args.out):
                if old.endswith(".json.gz"):
                    os.remove(os.path.join(args.out, old))
            for major, minor in minors:
                definitions = json.loads(zf.read(found[(major, minor)]))["$defs"]
                doc = compact(definitions)
                text = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
                path = os.path.join(args.out, "v%d.%d.json.gz" % (major, minor))
                data = deterministic_gzip(text)
                with open(path, "wb") as f:
                    f.write(data)
                print("%s: %d kinds, %d definitions, %d bytes JSON, %d bytes gzip" % (
                    os.path.relpath(path), len(doc["kinds"]), len(doc["defs"]), len(text), len(data)))


if __name__ == "__main__":
    main()
