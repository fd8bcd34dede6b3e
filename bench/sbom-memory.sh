#!/usr/bin/env bash
# Peak memory on a big image: shipshape sbom and shipshape image (audit, secrets, SBOM in one
# pass) vs syft, on a ~1 GiB image archive (the debootstrap Debian image plus layers of
# incompressible files, many small files and one file rewritten and one deleted in later
# layers). One run each; prints peak resident memory and the ratio. Target: shipshape sbom under
# 50 MB.
#   bench/sbom-memory.sh [WORKDIR]   (WORKDIR default: target/bench-image)
source "$(dirname "$0")/lib.sh"
work=$(realpath -m "${1:-target/bench-image}")
deb="$work/debian"
big="$work/big"
mkdir -p "$work"
debian_image "$deb"
archive="$big/big.docker.tar"
if [ ! -f "$archive" ]; then
  echo "== building a ~1 GiB image on top of it"
  docker load -q -i "$deb/debian-minbase.docker.tar" >/dev/null
  rm -rf "$big" && mkdir -p "$big/ctx/data" "$big/ctx/small"
  for i in 1 2 3 4; do head -c $((200 << 20)) /dev/urandom >"$big/ctx/data/blob$i.bin"; done
  for i in $(seq 1 20000); do head -c 2048 /dev/urandom >"$big/ctx/small/f$i"; done
  cat >"$big/ctx/Dockerfile" <<'DF'
FROM debian-minbase:latest
COPY data/blob1.bin data/blob2.bin /opt/data/
COPY data/blob3.bin /opt/more/
COPY small/ /srv/small/
COPY data/blob4.bin /opt/deleted.bin
RUN rm /opt/deleted.bin && cp /var/lib/dpkg/status /var/lib/dpkg/status.copy && echo >>/var/lib/dpkg/status
DF
  docker build -q -t shipshape-bench-big:latest "$big/ctx" >/dev/null
  docker save -o "$archive" shipshape-bench-big:latest
  rm -rf "$big/ctx"
fi
img="docker-archive:$archive"
printf '== image archive: %.0f MiB\n' "$(($(stat -c %s "$archive") >> 20))"
ours_sbom=$(peak_mb "$SHIPSHAPE" sbom -q -f json "$img")
ours_image=$(peak_mb "$SHIPSHAPE" image -q -f json "$img")
theirs=$(peak_mb syft -q "$img" -o syft-json)
python3 - "$ours_sbom" "$ours_image" "$theirs" <<'PY'
import sys
s, i, t = map(float, sys.argv[1:4])
print(f"shipshape sbom   {s:8.1f} MB peak  (target < 50 MB: {'met' if s < 50 else 'NOT met'})")
print(f"shipshape image  {i:8.1f} MB peak  (audit + secrets + SBOM + vulnerabilities, one pass)")
print(f"syft             {t:8.1f} MB peak  syft uses {t/max(s,0.1):.1f}x the memory of shipshape sbom")
PY
