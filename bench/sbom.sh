#!/usr/bin/env bash
# SBOM: shipshape vs syft. Times both on the debootstrap Debian bookworm image (run alternately,
# bench/paired.py: the median of the per-pair ratios printed), on a first scan (every layer
# hashed) and on a scan of the unchanged archive again (digests remembered); peak memory of
# shipshape; checks
# that the OS package sets are equal, then
# compares the packages of both on ../shared/corpus/pkgdb (bench/compare-syft-sbom.py; the
# differences are explained in docs/sbom-vs-syft.md).
#   bench/sbom.sh [WORKDIR]    (WORKDIR default: target/bench-image, shared with bench/image.sh)
source "$(dirname "$0")/lib.sh"
work=$(realpath -m "${1:-target/bench-image}")
deb="$work/debian"
mkdir -p "$work"
debian_image "$deb"
img="docker-archive:$deb/debian-minbase.docker.tar"

# Two runs: every layer hashed (--no-digest-cache: a first scan of an archive), and the archive
# scanned again unchanged (its layer's digests remembered from the warm-up: the default).
echo "== Debian bookworm image, first scan: shipshape sbom --no-digest-cache vs syft (alternately, $RUNS runs each after a warm-up)"
python3 bench/paired.py "$RUNS" "shipshape sbom (hashed)" \
  "$(printf '%q ' "$SHIPSHAPE" sbom -q -f json --no-digest-cache "$img")" \
  "syft" "$(printf '%q ' syft -q "$img" -o syft-json)"
echo "== Debian bookworm image, scanned again: shipshape sbom vs syft (alternately, $RUNS runs each after a warm-up)"
python3 bench/paired.py "$RUNS" "shipshape sbom (again)" "$(printf '%q ' "$SHIPSHAPE" sbom -q -f json "$img")" \
  "syft" "$(printf '%q ' syft -q "$img" -o syft-json)"
echo "(target: >= 30x)"
"$SHIPSHAPE" sbom -q -f json "$img" >"$OUT/ours.json"
syft -q "$img" -o syft-json >"$OUT/syft.json"
python3 - "$OUT/ours.json" "$OUT/syft.json" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1])); theirs = json.load(open(sys.argv[2]))
a = {(p["name"], p["version"]) for p in ours["packages"] if p["purl"].startswith("pkg:deb/")}
b = {(p["name"], p["version"]) for p in theirs["artifacts"] if p["type"] == "deb"}
print(f"OS packages: {len(a)} shipshape, {len(b)} syft; equal: {a == b}")
for k in sorted(a - b): print("  only shipshape", *k)
for k in sorted(b - a): print("  only syft", *k)
PY
echo "shipshape peak memory: $(peak_mb "$SHIPSHAPE" sbom -f json "$img") MB"

echo "== ../shared/corpus/pkgdb (root filesystems and real lockfiles)"
P="$SHARED/corpus/pkgdb"
python3 bench/compare-syft-sbom.py "$SHIPSHAPE" syft \
  "$P"/os/aquasecurity+trivy/image-extracted/* \
  "$P"/os/anchore+syft/syft/pkg/cataloger/debian/testdata/image-dpkg \
  "$P"/os/anchore+syft/syft/pkg/cataloger/debian/testdata/image-distroless-deb \
  "$P"/lockfiles-real/*
