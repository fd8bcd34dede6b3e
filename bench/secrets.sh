#!/usr/bin/env bash
# Throughput of shipshape-secrets against gitleaks, on the same inputs, one run each:
#   1. a directory tree: the shared corpus plus the trees given as arguments (e.g. a rootfs such as
#      /usr), combined into one scratch directory (hard links when possible);
#   2. a git history of BENCH_COMMITS (default 3000) synthetic commits built with git fast-import.
# Prints MB/s for both tools and the ratios (git part: best of GIT_RUNS runs each). Peers (gitleaks) come from lib.sh.
# The engine is driven through the secrets crate's `scan` example, which also reports the bytes it
# read (the same engine and walker as `shipshape secrets`).
source "$(dirname "$0")/lib.sh"
HERE=$PWD/bench
REPO=$PWD
CORPUS="$SHARED/corpus"
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
SCAN=${SHIPSHAPE_SCAN_BIN:-$TARGET/release/examples/scan}
COMMITS=${BENCH_COMMITS:-3000}

command -v gitleaks >/dev/null || { echo "gitleaks is not on PATH" >&2; exit 2; }
cargo build -q --release -p shipshape-secrets --example scan

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
ratio() { python3 -c "print(f'{$1/$2:.1f}')"; }
mbps() { python3 -c "print(f'{$1/1e6/$2:.1f}')"; }

# ---- 1. tree ------------------------------------------------------------------------------
TREE="$WORK/tree"
mkdir -p "$TREE"
for src in "$CORPUS" "$@"; do
  [ -d "$src" ] || { echo "skipping missing $src" >&2; continue; }
  dst="$TREE/$(basename "$src")"
  cp -al "$src" "$dst" 2>/dev/null || cp -a "$src" "$dst"
done
# warm the page cache so that neither tool pays for the first read
find "$TREE" -type f -exec cat {} + > /dev/null 2>&1 || true

t0=$(now)
"$SCAN" --no-ignore "$TREE" > "$WORK/ours.jsonl" 2> "$WORK/ours.err"
t1=$(now)
gitleaks dir --no-banner --log-level error -f json -r "$WORK/gl.json" --exit-code 0 "$TREE"
t2=$(now)
ours=$(python3 -c "print($t1-$t0)"); gl=$(python3 -c "print($t2-$t1)")
bytes=$(python3 -c "import re;print(re.search(r', ([0-9.]+) MB in', open('$WORK/ours.err').read()).group(1))")
bytes=$(python3 -c "print(int(float('$bytes')*1e6))")
echo "tree: $(du -sh "$TREE" | cut -f1) on disk, $(python3 -c "print(round($bytes/1e6))") MB of text"
echo "  shipshape: $(printf %.2f "$ours") s, $(mbps "$bytes" "$ours") MB/s, $(wc -l < "$WORK/ours.jsonl") findings"
echo "  gitleaks:  $(printf %.2f "$gl") s, $(mbps "$bytes" "$gl") MB/s, $(python3 -c "import json;print(len(json.load(open('$WORK/gl.json'))))") findings"
echo "  ratio: $(ratio "$gl" "$ours")x"

# ---- 2. git history -----------------------------------------------------------------------
GITREPO="$WORK/history"
git init -q -b main "$GITREPO"
python3 "$HERE/make_history.py" "$CORPUS" "$COMMITS" | (cd "$GITREPO" && git fast-import --quiet)
(cd "$GITREPO" && git gc -q --aggressive >/dev/null 2>&1 || true)
# sub-second runs: the best of GIT_RUNS (default 3) for each tool, alternating, so that one
# scheduling hiccup on a shared machine does not decide the ratio
ours=999; gl=999
for _ in $(seq "${GIT_RUNS:-3}"); do
  t0=$(now)
  "$SCAN" --git "$GITREPO" > "$WORK/ours-git.jsonl" 2> "$WORK/ours-git.err"
  t1=$(now)
  gitleaks git --no-banner --log-level error -f json -r "$WORK/gl-git.json" --exit-code 0 "$GITREPO"
  t2=$(now)
  ours=$(python3 -c "print(min($ours, $t1-$t0))"); gl=$(python3 -c "print(min($gl, $t2-$t1))")
done
bytes=$(python3 -c "import re;print(int(float(re.search(r', ([0-9.]+) MB in', open('$WORK/ours-git.err').read()).group(1))*1e6))")
echo "git history: $COMMITS commits, $(python3 -c "print(round($bytes/1e6))") MB of distinct blobs"
echo "  shipshape: $(printf %.2f "$ours") s, $(mbps "$bytes" "$ours") MB/s, $(wc -l < "$WORK/ours-git.jsonl") findings"
echo "  gitleaks:  $(printf %.2f "$gl") s, $(mbps "$bytes" "$gl") MB/s, $(python3 -c "import json;print(len(json.load(open('$WORK/gl-git.json'))))") findings"
echo "  ratio: $(ratio "$gl" "$ours")x"
