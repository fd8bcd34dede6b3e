#!/usr/bin/env python3
"""Compares shipshape's Dockerfile findings with hadolint's on the same files, rule by rule.

For every shipshape rule that declares an equivalent hadolint code, a finding is matched with a
hadolint finding of that code on the same file and line (shipshape reports a span: any line of it
counts). Prints per-code counts of agreement and of each side's extra findings, and writes every
disagreement to a TSV file for investigation (docs/compare-hadolint.md records the verdicts).

Usage: compare-hadolint.py SHIPSHAPE_BIN HADOLINT_BIN LIST_OF_FILES OUT_TSV
"""
import collections
import json
import subprocess
import sys


def run_hadolint(hadolint, files):
    out = collections.defaultdict(set)
    # hadolint exits 1 on findings; --no-fail keeps the exit code 0
    for i in range(0, len(files), 200):
        chunk = files[i:i + 200]
        res = subprocess.run([hadolint, "--no-fail", "--format", "json", *chunk],
                             capture_output=True, text=True)
        try:
            items = json.loads(res.stdout or "[]")
        except json.JSONDecodeError:
            print("hadolint output not JSON for a chunk; stderr:", res.stderr[:300], file=sys.stderr)
            continue
        for it in items:
            out[(it["file"], it["code"])].add(it["line"])
    return out


def run_shipshape(shipshape, files):
    out = collections.defaultdict(set)
    errors = {}
    for f in files:
        res = subprocess.run([shipshape, "check", f, "--format", "json"], capture_output=True, text=True)
        doc = json.loads(res.stdout)
        for e in doc["errors"]:
            errors[f] = e["message"]
        for fnd in doc["findings"]:
            loc = fnd["location"]
            lines = range(loc.get("line", 0), loc.get("end_line", loc.get("line", 0)) + 1)
            for eq in fnd.get("equivalents", []):
                if eq.startswith("hadolint:"):
                    out[(f, eq.split(":", 1)[1])].add(tuple(lines))
    return out, errors


def main():
    shipshape, hadolint, listfile, tsv = sys.argv[1:5]
    files = [l.strip() for l in open(listfile) if l.strip()]
    codes = set()
    rules = json.loads(subprocess.run([shipshape, "rules", "--json"], capture_output=True, text=True).stdout)
    for r in rules:
        for eq in r["equivalents"]:
            if eq.startswith("hadolint:"):
                codes.add(eq.split(":", 1)[1])
    had = run_hadolint(hadolint, files)
    ours, errors = run_shipshape(shipshape, files)
    stats = collections.defaultdict(lambda: [0, 0, 0])  # both, only hadolint, only shipshape
    rows = []
    for f in files:
        for code in sorted(codes):
            h_lines = had.get((f, code), set())
            s_spans = ours.get((f, code), set())
            matched_spans = set()
            for line in sorted(h_lines):
                span = next((s for s in s_spans if line in s), None)
                if span is not None:
                    stats[code][0] += 1
                    matched_spans.add(span)
                else:
                    stats[code][1] += 1
                    rows.append((code, "hadolint-only", f, line))
            for span in s_spans - matched_spans:
                stats[code][2] += 1
                rows.append((code, "shipshape-only", f, span[0] if span else 0))
    with open(tsv, "w") as out:
        out.write("code\tside\tfile\tline\n")
        for r in rows:
            out.write("\t".join(map(str, r)) + "\n")
    print(f"{len(files)} files, {len(errors)} shipshape parse errors")
    print(f"{'code':<8} {'both':>6} {'hadolint only':>14} {'shipshape only':>15}")
    for code in sorted(stats):
        b, h, s = stats[code]
        print(f"{code:<8} {b:>6} {h:>14} {s:>15}")
    print(f"disagreements written to {tsv}")


if __name__ == "__main__":
    main()
