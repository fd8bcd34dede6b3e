#!/usr/bin/env python3
"""Compares shipshape's Compose findings with compose-lint's on the same files, per CL id.

shipshape is run once per file (`check FILE --format json --no-secrets`: one project per file,
`.env` from its directory); compose-lint once per chunk of files with
`check --format json --no-merge-overrides --allow-partial-coverage` (each file linted on its own).
A compose-lint finding counts as matched when shipshape reports, in the same file and service, a
rule whose `equivalents` name that CL id (`compose-lint:CL-xxxx`). The service of a shipshape
finding is read from its `location.key` (`services.web.ports[0]` -> `web`).

Files whose name the CLI does not take for Compose (`extended.yaml`, `base.yml`) are left out
of the table (their compose-lint findings are counted on the first line). Prints the per-CL table of docs/compare-compose-lint.md (compose-lint findings, matched, not
matched by us, and how many (file, service) pairs only we report for that CL id: a shipshape
finding on a service where compose-lint reports none of the CL ids its rule names). With OUT_TSV,
writes every disagreement (cl_id, side, file, service, line or shipshape rule, message) there
for investigation.

Usage: compare-compose-lint.py SHIPSHAPE_BIN COMPOSE_LINT_BIN LIST_OF_FILES [OUT_TSV]
"""
import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys

CHUNK = 100
SERVICE_KEY = re.compile(r"^services\.(.+)$")


def compose_name(path):
    """Whether shipshape's CLI treats a file as Compose by its name (`compose.yaml`,
    `compose-dev.yml`, `docker-compose.prod.yml`); other YAML files are only sniffed for
    Kubernetes, so their compose-lint findings are counted apart."""
    name = os.path.basename(path).lower()
    return name.endswith((".yml", ".yaml")) and name.startswith(("compose.", "compose-", "docker-compose"))


def run_shipshape(shipshape, path):
    """(rule, service, CL ids, message) of each shipshape finding on one file."""
    res = subprocess.run([shipshape, "check", path, "--format", "json", "--no-secrets"],
                         capture_output=True, text=True)
    try:
        report = json.loads(res.stdout)
    except json.JSONDecodeError:
        print(f"shipshape output not JSON for {path}: {res.stderr[:300]}", file=sys.stderr)
        return path, []
    out = []
    for f in report.get("findings", []):
        m = SERVICE_KEY.match((f.get("location") or {}).get("key") or "")
        if not m:
            continue
        cls = [e.split(":", 1)[1] for e in f.get("equivalents", [])
               if e.startswith("compose-lint:")]
        # a service from an `include:`d file is reported in that file, as compose-lint does
        where = os.path.realpath((f.get("location") or {}).get("path") or path)
        if cls:
            # the rest of the key (`web.ports[0]`, or `llama.cpp.ports[0]` for a dotted
            # name): resolved against compose-lint's service names in main()
            out.append((where, f.get("rule", ""), m.group(1), cls, f.get("message", "")))
    return path, out


def compose_lint_json(compose_lint, files):
    res = subprocess.run([compose_lint, "check", "--format", "json", "--no-merge-overrides",
                          "--allow-partial-coverage", *files], capture_output=True, text=True)
    return json.loads(res.stdout)


def run_compose_lint(compose_lint, files):
    """compose-lint findings (file, service, CL id, line, message), unsuppressed ones only."""
    findings = []
    for i in range(0, len(files), CHUNK):
        chunk = files[i:i + CHUNK]
        try:
            reports = [compose_lint_json(compose_lint, chunk)]
        except json.JSONDecodeError:
            # one unreadable file spoils a chunk's output: lint that chunk file by file
            reports = []
            for f in chunk:
                try:
                    reports.append(compose_lint_json(compose_lint, [f]))
                except json.JSONDecodeError:
                    print(f"compose-lint output not JSON for {f}", file=sys.stderr)
        for report in reports:
            for f in report.get("findings", []):
                if f.get("suppressed") or not f.get("service"):
                    continue
                # compose-lint prints resolved paths; both sides are compared resolved
                findings.append((os.path.realpath(f.get("file", "")), f["service"],
                                 f.get("rule_id", ""),
                                 f.get("line"), f.get("message", "")))
    return findings


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    shipshape, compose_lint, list_file = sys.argv[1:4]
    out_tsv = sys.argv[4] if len(sys.argv) == 5 else None
    files = [l.strip() for l in open(list_file, encoding="utf-8") if l.strip()]

    workers = max(1, os.cpu_count() or 1)
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        raw = [x for _, found in pool.map(lambda p: run_shipshape(shipshape, p), files)
               for x in found]
    theirs = run_compose_lint(compose_lint, files)
    services = collections.defaultdict(set)  # file -> compose-lint's service names
    for f in theirs:
        services[f[0]].add(f[1])

    def service_of(path, rest):
        known = [s for s in services[path]
                 if rest == s or rest.startswith(s + ".") or rest.startswith(s + "[")]
        if known:
            return max(known, key=len)
        return re.split(r"[.\[]", rest, maxsplit=1)[0]

    ours = collections.defaultdict(list)  # (file, service, CL) -> [(rule, message)]
    our_findings = []  # (file, service, CL ids, rule, message)
    for path, rule, rest, cls, message in raw:
        service = service_of(path, rest)
        our_findings.append((path, service, cls, rule, message))
        for cl in cls:
            ours[(path, service, cl)].append((rule, message))
    unnamed = collections.Counter(f[2] for f in theirs if not compose_name(f[0]))
    theirs = [f for f in theirs if compose_name(f[0])]
    # both sides alike: files without a compose name (mostly the linters' own test fixtures) are
    # left out of the table
    our_findings = [f for f in our_findings if compose_name(f[0])]
    ours = collections.defaultdict(list)
    for path, service, cls, rule, message in our_findings:
        for cl in cls:
            ours[(path, service, cl)].append((rule, message))

    total = collections.Counter()
    missed = collections.Counter()
    their_keys = set()
    rows = []
    for path, service, cl, line, message in theirs:
        key = (path, service, cl)
        their_keys.add(key)
        total[cl] += 1
        if key not in ours:
            missed[cl] += 1
            rows.append((cl, "compose-lint only", path, service, str(line), message))
    # a shipshape finding is "only ours" when compose-lint reports none of the CL ids its rule
    # names on that service (SS2021 names CL-0020 and CL-0021: matching either is agreement)
    only_ours = collections.Counter()
    seen = set()
    for path, service, cls, rule, message in our_findings:
        if any((path, service, cl) in their_keys for cl in cls):
            continue
        for cl in cls:
            if (path, service, cl) not in seen:
                seen.add((path, service, cl))
                only_ours[cl] += 1
                rows.append((cl, "shipshape only", path, service, rule, message))

    ids = sorted(set(total) | set(only_ours))
    named = sum(1 for f in files if compose_name(f))
    print(f"files: {len(files)} ({named} with a compose file name); compose-lint findings on "
          f"those: {sum(total.values())}; not matched by us: {sum(missed.values())}; "
          f"compose-lint findings on other YAML names (left out): {sum(unnamed.values())}")
    print()
    print("| CL id | compose-lint findings | matched | not matched by us | only ours (file, service) |")
    print("|---|---|---|---|---|")
    for cl in ids:
        print(f"| {cl} | {total[cl]} | {total[cl] - missed[cl]} | {missed[cl]} | {only_ours[cl]} |")
    if out_tsv:
        with open(out_tsv, "w", encoding="utf-8") as out:
            out.write("cl_id\tside\tfile\tservice\tline_or_rule\tmessage\n")
            for r in sorted(rows):
                out.write("\t".join(x.replace("\t", " ").replace("\n", " ") for x in r) + "\n")


if __name__ == "__main__":
    main()
