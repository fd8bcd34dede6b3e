#!/usr/bin/env bash
# Time of `shipshape db import` of the whole ../shared/corpus/osv into a fresh cache directory
# (issue 20's target: under 2 s), best and mean of RUNS runs, and the time of a second import on
# top of the first (copy of the live database, merge, atomic swap). No peer tool is needed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SHARED=${SHARED:-../shared}
CORPUS="$SHARED/corpus/osv"
RUNS=${RUNS:-3}
[ -d "$CORPUS" ] || { echo "$CORPUS not found" >&2; exit 2; }
cargo build --release -q -p shipshape
BIN=$PWD/target/release/shipshape
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
times=()
for i in $(seq "$RUNS"); do
  start=$(date +%s.%N)
  "$BIN" db import "$CORPUS" --cache-dir "$WORK/c$i" >/dev/null 2>&1
  end=$(date +%s.%N)
  times+=("$(python3 -c "print($end - $start)")")
done
start=$(date +%s.%N)
"$BIN" db import "$CORPUS" --cache-dir "$WORK/c1" >/dev/null 2>&1
end=$(date +%s.%N)
again=$(python3 -c "print($end - $start)")
records=$("$BIN" db status --json --cache-dir "$WORK/c1" | python3 -c "import json,sys; print(json.load(sys.stdin)['records'])")
python3 - "$records" "$again" "${times[@]}" <<'PY'
import sys
records, again, times = int(sys.argv[1]), float(sys.argv[2]), [float(t) for t in sys.argv[3:]]
print(f"import of the OSV corpus ({records} records): best {min(times):.2f} s, mean {sum(times)/len(times):.2f} s over {len(times)} runs (target < 2 s)")
print(f"second import on top of it: {again:.2f} s")
PY
