#!/usr/bin/env bash
# shipshape as a gate on real projects: runs `shipshape check` on every project (whole
# repositories, tests and docs included) in ../shared/corpus/projects and prints, per project,
# the exit code, the scan errors, the findings by severity and context, what gates and where it
# comes from, and the gate's verdict. Ends with the issue's acceptance checks: no exit 2, and no
# gating finding from a path that looks like tests, fixtures, docs or vendored code.
#
# Usage: scripts/real-world.sh [-v]     (-v lists every gating finding)
#   SHARED=dir           the shared folder (default: ../shared beside the repository)
#   SHIPSHAPE=path       a shipshape binary to use instead of building one
#   SHIPSHAPE_REQUIRE_CORPUS=1   fail instead of skipping when the corpus is missing
# Reads the projects in place; writes only to a temporary directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SHARED=${SHARED:-../shared}
PROJECTS=$SHARED/corpus/projects
VERBOSE=0
[ "${1:-}" = "-v" ] && VERBOSE=1

if [ ! -d "$PROJECTS" ]; then
  if [ "${SHIPSHAPE_REQUIRE_CORPUS:-}" = 1 ]; then
    echo "error: $PROJECTS is required (SHIPSHAPE_REQUIRE_CORPUS=1) but missing" >&2
    exit 1
  fi
  echo "SKIPPED: $PROJECTS not found (set SHARED=dir to point at the shared folder)"
  exit 0
fi
if [ -z "${SHIPSHAPE:-}" ]; then
  cargo build --release -q -p shipshape
  SHIPSHAPE=$PWD/target/release/shipshape
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

status=0
for dir in "$PROJECTS"/*/; do
  name=$(basename "$dir")
  set +e
  "$SHIPSHAPE" check "$dir" --format json --output "$OUT/$name.json" 2>"$OUT/$name.stderr"
  code=$?
  set -e
  python3 - "$name" "$code" "$OUT/$name.json" "$OUT/$name.stderr" "$VERBOSE" <<'PY' || status=1
import collections, json, re, sys

name, code, report_path, stderr_path, verbose = sys.argv[1:]
code, verbose = int(code), verbose == "1"
print(f"== {name}")
try:
    with open(report_path) as f:
        report = json.load(f)
except (OSError, ValueError):
    print(f"   exit {code}: no report")
    with open(stderr_path) as f:
        for line in f.read().splitlines()[:10]:
            print(f"   | {line}")
    sys.exit(1)

summary = report["summary"]
fail_on = summary.get("fail_on") or "high"
order = ["critical", "high", "medium", "low", "info"]
rank = {s: i for i, s in enumerate(order)}
verdict = {0: "pass", 1: "FAIL", 2: "ERROR (exit 2)"}.get(code, f"exit {code}")
print(f"   exit {code} · gate: {verdict} (fails on {fail_on} and above) · "
      f"{summary['inputs']} inputs · {len(report['errors'])} scan errors · "
      f"{summary['suppressed']} suppressed")
for e in report["errors"][:10]:
    where = e["path"] + (f":{e['line']}" if e.get("line") else "")
    print(f"   error: {where}: {e['message']}")

findings = report["findings"]
table = collections.Counter((f["context"], f["severity"]) for f in findings)
contexts = [c for c in ["production", "test", "fixture", "docs", "vendored"]
            if any(k[0] == c for k in table)]
print(f"   {'context':<11}" + "".join(f"{s:>9}" for s in order))
for c in contexts:
    print(f"   {c:<11}" + "".join(f"{table[(c, s)]:>9}" for s in order))

# What decides the exit code: production findings (the default gate-contexts) at the threshold,
# and those the enforced Pod Security profile (baseline by default) forbids whatever their
# severity; what only the restricted profile forbids does not gate under baseline.
gating = [f for f in findings
          if f["context"] == "production" and f.get("profile") != "restricted"
          and (rank[f["severity"]] <= rank[fail_on] or f.get("profile") == "baseline")]
by_rule = collections.Counter(f["rule"] for f in gating)
print(f"   gating: {len(gating)}" + (": " + ", ".join(f"{r} {n}" for r, n in by_rule.most_common()) if gating else ""))
top = collections.Counter(
    (f["location"]["path"].split(name, 1)[-1].strip("/").split("/")[0] or ".") for f in gating)
if gating:
    print("   gating by top directory: " + ", ".join(f"{d} {n}" for d, n in top.most_common(8)))
if verbose:
    for f in gating:
        loc = f["location"]
        where = loc["path"].split(name, 1)[-1].strip("/") + (f":{loc['span']['line']}" if loc.get("span") else "")
        print(f"     {f['severity']:<8} {f['rule']} {where}: {f['message'][:150]}")

# Acceptance: no exit 2, and nothing gating from a path that looks like tests, fixtures, docs or
# vendored code (a second opinion on the classifier, by the issue's own list of conventions).
suspicious = re.compile(
    r"(^|/)(tests?|spec|__tests__|e2e|testdata|fixtures?|integration|docs?|examples?|vendor|"
    r"third_party|node_modules)/|_test\.go$|\.md$")
leaks = [f for f in gating
         if suspicious.search(f["location"]["path"].split(name, 1)[-1].strip("/"))]
problems = []
if code == 2:
    problems.append("exit 2")
if leaks:
    problems.append(f"{len(leaks)} gating findings in test/fixture/docs/vendored-looking paths")
    for f in leaks[:5]:
        print(f"     leak: {f['rule']} {f['location']['path'].split(name, 1)[-1].strip('/')}")
print("   acceptance: " + ("ok" if not problems else "NOT MET: " + "; ".join(problems)))
sys.exit(1 if problems else 0)
PY
done
exit "$status"
