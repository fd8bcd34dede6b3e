# Shared helpers of the benchmark scripts: peers, build, timing and ratios.
# Benchmarks run shipshape and a peer on the same input in one run and print the ratio; they are
# never tests. Peers come from ../shared/peers/install.sh into $PEERS (default: target/peers).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SHARED=${SHARED:-../shared}
PEERS=${PEERS:-target/peers}
if [ ! -f "$PEERS/env.sh" ]; then
  echo "installing peer tools into $PEERS (once)" >&2
  bash "$SHARED/peers/install.sh" "$PEERS" >&2
fi
# shellcheck disable=SC1091
source "$PEERS/env.sh"
export TRIVY_DISABLE_VEX_NOTICE=true
cargo build --release -q -p shipshape
SHIPSHAPE=$PWD/target/release/shipshape
RUNS=${RUNS:-3}
OUT=$(mktemp -d)

# bench NAME COMMAND: hyperfine over RUNS runs (exit codes ignored: linters exit 1 on findings).
bench() {
  local name=$1; shift
  hyperfine --style none --ignore-failure --warmup 1 --runs "$RUNS" \
    --export-json "$OUT/$name.json" -- "$*" >/dev/null 2>&1 || {
      echo "$name: failed to run: $*" >&2; return 1; }
}

# peak resident memory in MB of one run of COMMAND (its exit code ignored: scanners exit 1 on
# findings)
peak_mb() {
  { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null || true; } | tail -n 1 | awk '{printf "%.1f", $1/1024}'
}

mean() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['mean'])" "$OUT/$1.json"; }

# ratio BASE OTHER: prints "OTHER takes Nx as long as BASE"
report() {
  local base=$1; shift
  local b; b=$(mean "$base")
  printf '%-24s %9.3f s\n' "$base" "$b"
  for other in "$@"; do
    [ -f "$OUT/$other.json" ] || continue
    local o; o=$(mean "$other")
    python3 -c "import sys; b,o=float(sys.argv[1]),float(sys.argv[2]); print(f'{sys.argv[3]:<24} {o:9.3f} s   shipshape is {o/b:7.1f}x faster')" "$b" "$o" "$other"
  done
}

# debian_image DIR: builds the debootstrap Debian bookworm image into DIR once (a few minutes);
# later runs reuse DIR/debian-minbase.docker.tar.
debian_image() {
  mkdir -p "$1"
  if [ ! -f "$1/debian-minbase.docker.tar" ]; then
    echo "== building the Debian bookworm image (debootstrap, a few minutes)"
    bash "$SHARED/peers/build-debian-image.sh" "$1"
  fi
}
