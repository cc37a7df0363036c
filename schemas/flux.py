#!/usr/bin/env python3
"""Regenerates schemas/flux/flux.json.gz: the schemas of the Flux kinds, embedded so Flux objects
are validated even when their CRDs are not in the repository.

    python3 schemas/flux.py                  # pip install cloudcoil-models-fluxcd==VERSION into a temp dir
    python3 schemas/flux.py --site DIR       # use a directory where it is already installed
    python3 schemas/flux.py --gotk FILE      # the CRDs of a Flux install (gotk-components.yaml)

With --gotk, the `openAPIV3Schema` of each served version of every `*.toolkit.fluxcd.io` CRD in
FILE is taken as it is (the most faithful source: the Flux version is read from the
`# Flux Version: vX.Y.Z` line `flux install` writes, or given with --flux-version).

Default source: the PyPI package `cloudcoil-models-fluxcd` (Apache-2.0), pydantic models generated from
the Flux CRDs (its version 2.5.1.0 carries Flux v2.5.1). Each kind's pydantic JSON schema is
turned back into the OpenAPI subset the CRDs use: `anyOf: [X, {type: null}]` becomes X with
`nullable: true`, `const` becomes a one-value `enum`, titles and defaults go, `metadata` is left
to the Kubernetes ObjectMeta schema, and definitions are named `flux.GROUP.VERSION.Name`. The
output has the shape of schemas/k8s/*.json.gz (see generate.py), plus `"source": "flux vX.Y.Z"`,
the label violations carry.
"""

import argparse
import importlib
import json
import os
import re
import subprocess
import sys
import tempfile

from generate import deterministic_gzip, strip

DEFAULT_VERSION = "2.5.1.0"
HERE = os.path.dirname(os.path.abspath(__file__))
GROUPS = {
    "kustomize": ("kustomize.toolkit.fluxcd.io", ["v1", "v1beta2", "v1beta1"]),
    "source": ("source.toolkit.fluxcd.io", ["v1", "v1beta2", "v1beta1"]),
    "helm": ("helm.toolkit.fluxcd.io", ["v2", "v2beta2", "v2beta1"]),
    "image": ("image.toolkit.fluxcd.io", ["v1beta2", "v1beta1"]),
    "notification": ("notification.toolkit.fluxcd.io", ["v1", "v1beta3", "v1beta2", "v1beta1"]),
}


def openapi(schema, prefix):
    """Rewrites one pydantic schema node into the CRD OpenAPI dialect."""
    if isinstance(schema, list):
        return [openapi(s, prefix) for s in schema]
    if not isinstance(schema, dict):
        return schema
    schema = dict(schema)
    alts = schema.get("anyOf")
    if alts and any(a == {"type": "null"} for a in alts):
        rest = [a for a in alts if a != {"type": "null"}]
        del schema["anyOf"]
        if len(rest) == 1:
            schema.update(rest[0])
        else:
            schema["anyOf"] = rest
        schema["nullable"] = True
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    if "$ref" in schema:
        schema["$ref"] = prefix + schema["$ref"].rsplit("/", 1)[-1]
    out = {}
    for key, value in schema.items():
        if key in ("properties", "$defs"):
            out[key] = {k: openapi(v, prefix) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf"):
            out[key] = openapi(value, prefix)
        else:
            out[key] = value
    return out


def kinds_of(module):
    for name, cls in sorted(vars(module).items()):
        fields = getattr(cls, "model_fields", None)
        if isinstance(cls, type) and fields and cls.__module__ == module.__name__ \
                and "api_version" in fields and "spec" in fields:
            yield name, cls


def build():
    kinds, defs = {}, {}
    for short, (group, versions) in GROUPS.items():
        for version in versions:
            module = importlib.import_module("cloudcoil.models.fluxcd.%s.%s" % (short, version))
            prefix = "flux.%s.%s." % (short, version)
            for kind, cls in kinds_of(module):
                schema = openapi(cls.model_json_schema(by_alias=True), prefix)
                for name, sub in schema.pop("$defs", {}).items():
                    defs[prefix + name] = strip(sub)
                top = strip(schema)
                props = top.setdefault("properties", {})
                props["apiVersion"] = {"type": "string"}
                props["kind"] = {"type": "string"}
                props["metadata"] = {"type": "object"}
                top.pop("nullable", None)
                defs[prefix + kind] = top
                kinds["%s/%s/%s" % (group, version, kind)] = prefix + kind
    return {"kinds": kinds, "defs": dict(sorted(defs.items()))}


# API versions Flux promoted after the version the models carry, with the fields the promotion
# added: (group, new version, kind, last beta version, {spec field: schema}). The promoted schema
# is the beta's plus those fields (Flux v2.6: OCIRepository v1; Flux v2.7: image.toolkit v1).
PROMOTED = [
    ("source.toolkit.fluxcd.io", "v1", "OCIRepository", "v1beta2", {}),
    ("image.toolkit.fluxcd.io", "v1", "ImageRepository", "v1beta2", {}),
    ("image.toolkit.fluxcd.io", "v1", "ImagePolicy", "v1beta2", {
        "digestReflectionPolicy": {"type": "string", "enum": ["Always", "IfNotPresent", "Never"]},
        "interval": {"type": "string", "pattern": "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"},
    }),
    ("image.toolkit.fluxcd.io", "v1", "ImageUpdateAutomation", "v1beta2", {}),
]


def promote(doc):
    """Registers the API versions of PROMOTED that `doc` lacks, from their beta schemas."""
    kinds, defs = doc["kinds"], doc["defs"]
    for group, version, kind, beta, added in PROMOTED:
        new_key = "%s/%s/%s" % (group, version, kind)
        beta_key = "%s/%s/%s" % (group, beta, kind)
        if new_key in kinds or beta_key not in kinds:
            continue
        top = json.loads(json.dumps(defs[kinds[beta_key]]))
        if added:
            spec = top["properties"]["spec"]
            ref = spec.get("$ref")
            body = json.loads(json.dumps(defs[ref])) if ref else spec
            body.setdefault("properties", {}).update(added)
            name = "%s.promoted.%s.spec" % (kinds[beta_key], version)
            defs[name] = body
            top["properties"]["spec"] = {"$ref": name}
        name = "%s.promoted.%s" % (kinds[beta_key], version)
        defs[name] = top
        kinds[new_key] = name
    doc["defs"] = dict(sorted(defs.items()))
    return doc


def from_gotk(path, flux_version):
    """The `{"kinds", "defs"}` document of the Flux CRDs in a gotk-components file."""
    import yaml

    with open(path) as f:
        text = f.read()
    if not flux_version:
        m = re.search(r"^# Flux Version: (v\S+)", text, re.M)
        if not m:
            sys.exit("%s has no '# Flux Version:' line; pass --flux-version" % path)
        flux_version = m.group(1)
    kinds, defs = {}, {}
    for doc in yaml.safe_load_all(text):
        if not doc or doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = doc["spec"]
        if not spec["group"].endswith(".toolkit.fluxcd.io"):
            continue
        for version in spec["versions"]:
            schema = version.get("schema", {}).get("openAPIV3Schema")
            if not version.get("served") or schema is None:
                continue
            name = "flux.%s.%s" % (doc["metadata"]["name"], version["name"])
            defs[name] = strip(schema)
            kinds["%s/%s/%s" % (spec["group"], version["name"], spec["names"]["kind"])] = name
    if not kinds:
        sys.exit("no Flux CRDs in %s" % path)
    return flux_version, {"kinds": kinds, "defs": dict(sorted(defs.items()))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--version", default=DEFAULT_VERSION, help="cloudcoil-models-fluxcd version")
    ap.add_argument("--site", help="a directory where the package is already installed")
    ap.add_argument("--gotk", help="a gotk-components.yaml to take the Flux CRDs from")
    ap.add_argument("--flux-version", help="the Flux version of --gotk (default: from the file)")
    ap.add_argument("--out", default=os.path.join(HERE, "flux", "flux.json.gz"))
    args = ap.parse_args()
    if args.gotk:
        flux_version, doc = from_gotk(args.gotk, args.flux_version)
    else:
        # cloudcoil-models-fluxcd A.B.C.N carries Flux vA.B.C.
        flux_version = "v" + ".".join(args.version.split(".")[:3])
        with tempfile.TemporaryDirectory() as tmp:
            site = args.site
            if not site:
                site = tmp
                subprocess.run(
                    [sys.executable, "-m", "pip", "install", "--quiet", "--target", site,
                     "cloudcoil-models-fluxcd==%s" % args.version],
                    check=True,
                )
            sys.path.insert(0, site)
            doc = promote(build())
    doc["source"] = "flux " + flux_version
    text = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    data = deterministic_gzip(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(data)
    print("%s: %d kinds, %d definitions, %d bytes JSON, %d bytes gzip" % (
        os.path.relpath(args.out), len(doc["kinds"]), len(doc["defs"]), len(text), len(data)))


if __name__ == "__main__":
    main()
