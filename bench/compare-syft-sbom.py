#!/usr/bin/env python3
"""Compares the packages shipshape's SBOM lists with syft's on the same inputs.

Each target is an image reference or archive (`docker-archive:FILE`, …) or a directory. Both
tools run on it; packages of the ecosystems shipshape catalogs are compared per target as
(ecosystem, name, version), each difference shown with the file it came from (syft may name
another file of the same package first, such as a copyright file). Prints what only one side
lists, and a total; docs/sbom-vs-syft.md explains the differences seen on ../shared/corpus/pkgdb.

Usage: compare-syft-sbom.py SHIPSHAPE_BIN SYFT_BIN TARGET...
Exit 0 always (a comparison, not a test); shipshape errors are printed and the target skipped.
"""
import json
import subprocess
import sys

# syft's package types → shipshape's ecosystems
SYFT_TYPES = {
    "deb": "deb", "apk": "apk", "rpm": "rpm", "rust-crate": "cargo", "npm": "npm",
    "python": "pypi", "go-module": "golang", "gem": "gem", "php-composer": "composer",
    "dotnet": "nuget",
}


def key(eco, name, version):
    if eco == "pypi":
        name = name.lower().replace("_", "-").replace(".", "-")
    return (eco, name, version)


def shipshape(bin_, target):
    out = subprocess.run([bin_, "sbom", "-f", "json", target], capture_output=True, text=True)
    if out.returncode != 0:
        return None, out.stderr.strip()
    by_file = {}
    for p in json.loads(out.stdout)["packages"]:
        f = p["location"].lstrip("/")
        by_file.setdefault(f, set()).add(key(p["ecosystem"], p["name"], p["version"]))
    return by_file, ""


def syft(bin_, target):
    src = target if ":" in target.split("/")[0] else f"dir:{target}"
    out = subprocess.run([bin_, "-q", src, "-o", "syft-json"], capture_output=True, text=True)
    if out.returncode != 0:
        return None, out.stderr.strip()
    by_file = {}
    for a in json.loads(out.stdout).get("artifacts", []):
        eco = SYFT_TYPES.get(a.get("type"))
        if eco is None:
            continue
        locs = a.get("locations") or [{"path": "?"}]
        f = locs[0].get("path", "?").lstrip("/")
        by_file.setdefault(f, set()).add(key(eco, a["name"], a.get("version", "")))
    return by_file, ""


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    ours_bin, syft_bin, targets = sys.argv[1], sys.argv[2], sys.argv[3:]
    totals = {"same": 0, "only_shipshape": 0, "only_syft": 0, "skipped": 0}
    for t in targets:
        ours, err = shipshape(ours_bin, t)
        if ours is None:
            print(f"== {t}: shipshape refused it (fail closed): {err.splitlines()[0] if err else ''}")
            totals["skipped"] += 1
            continue
        theirs, err = syft(syft_bin, t)
        if theirs is None:
            print(f"== {t}: syft failed: {err[:200]}")
            totals["skipped"] += 1
            continue
        a = {k: f for f, ks in ours.items() for k in ks}
        b = {k: f for f, ks in theirs.items() for k in ks}
        totals["same"] += len(a.keys() & b.keys())
        totals["only_shipshape"] += len(a.keys() - b.keys())
        totals["only_syft"] += len(b.keys() - a.keys())
        lines = [f"  only shipshape  {a[k]}: {k[0]} {k[1]} {k[2]}" for k in sorted(a.keys() - b.keys())]
        lines += [f"  only syft       {b[k]}: {k[0]} {k[1]} {k[2]}" for k in sorted(b.keys() - a.keys())]
        print(f"== {t}: {len(a)} shipshape, {len(b)} syft packages")
        print("\n".join(lines[:40] + ([f"  … {len(lines) - 40} more"] if len(lines) > 40 else [])))
    print(
        f"total: {totals['same']} in both, {totals['only_shipshape']} only shipshape, "
        f"{totals['only_syft']} only syft, {totals['skipped']} targets skipped"
    )


if __name__ == "__main__":
    main()
