#!/usr/bin/env bash
# Vulnerability matching benchmark, one run, numbers and ratios printed (never a test):
# - matching the debootstrap Debian bookworm image's packages against a warm database holding
#   the whole ../shared/corpus/osv (issue 20's target: under 20 ms), as `shipshape image
#   --timings` reports it from inside the binary (best and median of 5 runs);
# - `shipshape image` with vulnerabilities against `trivy image --scanners secret,misconfig` on
#   the same archive, run alternately $RUNS times (bench/paired.py: the median of the per-pair
#   ratios, so that the machine's load changing during the run affects both alike; target:
#   shipshape at least 10x faster).
#   bench/vuln.sh [WORKDIR]    (WORKDIR default: target/bench-image, shared with bench/image.sh)
source "$(dirname "$0")/lib.sh"
work=$(realpath -m "${1:-target/bench-image}")
deb="$work/debian"
mkdir -p "$work"
debian_image "$deb"
tar_file="$deb/debian-minbase.docker.tar"
img="docker-archive:$tar_file"
cache="$OUT/cache"
"$SHIPSHAPE" db import "$SHARED/corpus/osv" --cache-dir "$cache" >/dev/null 2>&1
records=$("$SHIPSHAPE" db status --json --cache-dir "$cache" | python3 -c "import json,sys; print(json.load(sys.stdin)['records'])")
cat "$tar_file" >/dev/null # page cache warm for both tools

echo "== matching the image's packages ($records records in the database, warm), 5 runs"
"$SHIPSHAPE" image --cache-dir "$cache" --timings --format json --output /dev/null "$img" 2>/dev/null || true
for _ in 1 2 3 4 5; do
  "$SHIPSHAPE" image --cache-dir "$cache" --timings --format json --output "$OUT/report.json" "$img" 2>&1 >/dev/null |
    sed -n 's/^timings: .*matching \([0-9]*\) packages \([0-9.]*\) ms$/\1 \2/p' >>"$OUT/match.txt" || true
done
python3 - "$OUT/match.txt" "$OUT/report.json" <<'PY'
import json, statistics, sys
runs = [l.split() for l in open(sys.argv[1]) if l.strip()]
if not runs:
    sys.exit("no timings line from shipshape image --timings")
ms = sorted(float(t) for _, t in runs)
report = json.load(open(sys.argv[2]))
found = sum(1 for f in report["findings"] if f["rule"] == "SS5001")
print(f"matching {runs[0][0]} packages: best {ms[0]:.1f} ms, median {statistics.median(ms):.1f} ms "
      f"({found} vulnerabilities found; target < 20 ms)")
PY

# seconds, best of 5 (exit 1 means "found something" for both tools; 2 and up is a failure)
best_of_5() {
  local best="" t0 t1 t rc
  for _ in 1 2 3 4 5; do
    rc=0
    t0=$(date +%s%N)
    "$@" >/dev/null 2>"$OUT/stderr.txt" || rc=$?
    t1=$(date +%s%N)
    if [ "$rc" -ge 2 ]; then cat "$OUT/stderr.txt" >&2; return 1; fi
    t=$(awk "BEGIN{printf \"%.3f\", ($t1 - $t0) / 1e9}")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  done
  echo "$best"
}

n=$(best_of_5 "$SHIPSHAPE" image --cache-dir "$OUT/no-database" --format json "$img")
echo "shipshape image without a database: ${n}s (best of 5)"
if command -v trivy >/dev/null; then
  echo "== shipshape image (with vulnerabilities) vs trivy image --scanners secret,misconfig, alternately, $RUNS runs each"
  # `--cache-backend memory`: trivy analyses the image on every run (as bench/image.sh does).
  python3 bench/paired.py "$RUNS" "shipshape image" \
    "$(printf '%q ' "$SHIPSHAPE" image --cache-dir "$cache" --format json "$img")" \
    "trivy image" \
    "$(printf '%q ' trivy image -q --scanners secret,misconfig --skip-db-update --offline-scan \
      --cache-backend memory --input "$tar_file")"
  echo "(target: >= 10x; shipshape with vulnerabilities, trivy without them)"
else
  echo "== trivy not found among the peers (PEERS=$PEERS): ratio skipped"
fi
