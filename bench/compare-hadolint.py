#!/usr/bin/env python3
"""Compares shipshape's Dockerfile findings with hadolint's on the same files, rule by rule.

Each shipshape rule that declares hadolint equivalents is compared with the union of those
hadolint codes. Both sides are reduced to instructions (hadolint reports an instruction's first
line; shipshape points inside it, e.g. at one package of a multi-line RUN), so a pair agrees when
both report the same rule family on the same instruction. Prints, per rule, how many instructions
both flag, only hadolint flags, only shipshape flags, and writes every disagreement to a TSV file
(rule, side, hadolint codes, file, line) for investigation; docs/compare-hadolint.md records the
verdicts.

Usage: compare-hadolint.py SHIPSHAPE_BIN HADOLINT_BIN LIST_OF_FILES OUT_TSV
"""
import collections
import json
import subprocess
import sys


def instruction_starts(path):
    """Maps each 1-based line to the first line of the instruction holding it (continuations
    with a trailing backslash; heredoc bodies are approximated by their continuation)."""
    starts = {}
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    except OSError:
        return starts
    current = None
    continued = False
    heredoc = None
    for i, line in enumerate(lines, 1):
        stripped = line.strip()
        if heredoc is not None:
            starts[i] = current
            if stripped == heredoc:
                heredoc = None
            continue
        if not continued and stripped and not stripped.startswith("#"):
            current = i
        starts[i] = current if current is not None else i
        if continued and (not stripped or stripped.startswith("#")):
            continue  # BuildKit skips blank and comment lines inside a continuation
        continued = stripped.endswith("\\")
        if "<<" in stripped and not continued:
            marker = stripped.split("<<", 1)[1].lstrip("-").strip().split()[0:1]
            if marker:
                heredoc = marker[0].strip("'\"")
    return starts


def run_hadolint(hadolint, files):
    out = collections.defaultdict(set)  # (file, code) -> lines
    for i in range(0, len(files), 200):
        chunk = files[i:i + 200]
        res = subprocess.run([hadolint, "--no-fail", "--format", "json", *chunk],
                             capture_output=True, text=True)
        try:
            items = json.loads(res.stdout or "[]")
        except json.JSONDecodeError:
            print("hadolint output not JSON for a chunk:", res.stderr[:300], file=sys.stderr)
            continue
        for it in items:
            out[(it["file"], it["code"])].add(it["line"])
    return out


def run_shipshape(shipshape, files):
    out = collections.defaultdict(set)  # (file, rule) -> lines
    errors = 0
    for f in files:
        res = subprocess.run([shipshape, "check", f, "--format", "json", "--no-secrets"],
                             capture_output=True, text=True)
        doc = json.loads(res.stdout)
        errors += len(doc["errors"])
        for fnd in doc["findings"]:
            if "line" in fnd["location"]:
                out[(f, fnd["rule"])].add(fnd["location"]["line"])
    return out, errors


def main():
    shipshape, hadolint, listfile, tsv = sys.argv[1:5]
    files = [l.strip() for l in open(listfile) if l.strip()]
    rules = json.loads(subprocess.run([shipshape, "rules", "--json"], capture_output=True, text=True).stdout)
    families = {}
    for r in rules:
        codes = sorted(e.split(":", 1)[1] for e in r["equivalents"] if e.startswith("hadolint:"))
        if codes and r["source"] == "dockerfile":
            families[r["code"]] = (r["slug"], codes)
    had = run_hadolint(hadolint, files)
    ours, errors = run_shipshape(shipshape, files)
    stats = collections.defaultdict(lambda: [0, 0, 0])
    rows = []
    for f in files:
        starts = instruction_starts(f)
        norm = lambda lines: {starts.get(l, l) for l in lines}
        for rule, (_, codes) in families.items():
            h = set()
            for c in codes:
                h |= norm(had.get((f, c), set()))
            s = norm(ours.get((f, rule), set()))
            stats[rule][0] += len(h & s)
            stats[rule][1] += len(h - s)
            stats[rule][2] += len(s - h)
            for line in sorted(h - s):
                which = [c for c in codes if line in norm(had.get((f, c), set()))]
                rows.append((rule, "hadolint-only", ",".join(which), f, line))
            for line in sorted(s - h):
                rows.append((rule, "shipshape-only", "", f, line))
    with open(tsv, "w") as out:
        out.write("rule\tside\thadolint\tfile\tline\n")
        for r in rows:
            out.write("\t".join(map(str, r)) + "\n")
    print(f"{len(files)} files; shipshape scan errors: {errors}")
    print(f"| rule | slug | hadolint codes | both | hadolint only | shipshape only |")
    print(f"|---|---|---|---:|---:|---:|")
    for rule in sorted(stats):
        b, h, s = stats[rule]
        slug, codes = families[rule]
        print(f"| {rule} | {slug} | {' '.join(codes)} | {b} | {h} | {s} |")
    print(f"\ndisagreements written to {tsv}")


if __name__ == "__main__":
    main()
