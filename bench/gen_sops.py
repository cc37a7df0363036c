#!/usr/bin/env python3
"""Writes N plain files for bench/sops.sh: a realistic mix of what a Flux repository encrypts with sops.

Kubernetes Secrets in YAML (most of them; some with TLS-sized values), JSON configs, dotenv files, INI files
and binary blobs. Deterministic for a given --seed. Prints one line per file on stdout:
    <file name> <tab> <extra sops --encrypt flags>
"""
import argparse
import base64
import os
import random

WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar".split()


def token(rng, n):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(n))


def b64(rng, n):
    return base64.b64encode(rng.randbytes(n)).decode()


def pem(rng):
    body = b64(rng, rng.randint(900, 1400))
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def secret_yaml(rng, i):
    out = [
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        f"  name: app-{i}-credentials",
        f"  namespace: team-{i % 17}",
        "  labels:",
        f"    app.kubernetes.io/name: app-{i}",
        "    app.kubernetes.io/part-of: fleet",
        "type: Opaque",
        "data:",
    ]
    for k in range(rng.randint(2, 10)):
        out.append(f"  {rng.choice(WORDS)}-{k}: {b64(rng, rng.randint(8, 96))}")
    if rng.random() < 0.3:
        out.append(f"  tls.crt: {base64.b64encode(pem(rng).encode()).decode()}")
        out.append(f"  tls.key: {b64(rng, rng.randint(1100, 1700))}")
    out.append("stringData:")
    out.append(f"  username: user-{token(rng, 6)}")
    out.append("  config.yaml: |")
    for k in range(rng.randint(1, 6)):
        out.append(f"    {rng.choice(WORDS)}_{k}: {token(rng, rng.randint(4, 40))}")
    return "\n".join(out) + "\n"


def config_json(rng, i):
    items = [f'  "service": "svc-{i}"', f'  "port": {rng.randint(1024, 65535)}',
             f'  "ratio": {rng.random():.3f}', f'  "enabled": {rng.choice(["true", "false"])}']
    for k in range(rng.randint(2, 12)):
        items.append(f'  "{rng.choice(WORDS)}_{k}": "{token(rng, rng.randint(8, 64))}"')
    items.append('  "endpoints": [' + ", ".join(f'"https://{rng.choice(WORDS)}.example.com"' for _ in range(3)) + "]")
    return "{\n" + ",\n".join(items) + "\n}\n"


def dotenv(rng, i):
    lines = [f"# settings of app {i}"]
    for k in range(rng.randint(3, 15)):
        lines.append(f"{rng.choice(WORDS).upper()}_{k}={token(rng, rng.randint(8, 64))}")
    return "\n".join(lines) + "\n"


def ini(rng, i):
    lines = []
    for s in range(rng.randint(1, 4)):
        lines.append(f"[{rng.choice(WORDS)}{s}]")
        for k in range(rng.randint(2, 6)):
            lines.append(f"key{k} = {token(rng, rng.randint(8, 48))}")
        lines.append("")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("out")
    a = p.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    for i in range(a.count):
        r = rng.random()
        if r < 0.60:
            name, text, flags = f"secret-{i:04}.yaml", secret_yaml(rng, i), "--encrypted-regex ^(data|stringData)$"
        elif r < 0.75:
            name, text, flags = f"config-{i:04}.json", config_json(rng, i), ""
        elif r < 0.87:
            name, text, flags = f"app-{i:04}.env", dotenv(rng, i), ""
        elif r < 0.93:
            name, text, flags = f"settings-{i:04}.ini", ini(rng, i), ""
        else:
            name, text, flags = f"blob-{i:04}.bin", None, ""
        path = os.path.join(a.out, name)
        if text is None:
            with open(path, "wb") as f:
                f.write(rng.randbytes(rng.randint(64, 4096)))
        else:
            with open(path, "w") as f:
                f.write(text)
        print(f"{name}\t{flags}")


if __name__ == "__main__":
    main()
