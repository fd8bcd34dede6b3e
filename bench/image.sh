#!/usr/bin/env bash
# Image audit benchmark: shipshape vs `trivy image` (secret + misconfig scanners) on a debootstrap
# Debian bookworm image, the docker-archive read speed against the disk, and peak memory on a
# ~1 GiB image.
#   bench/image.sh [WORKDIR]
# WORKDIR (default: target/bench-image) keeps the built images between runs. Building the Debian
# image needs root, debootstrap, umoci and skopeo (see ../shared/peers/build-debian-image.sh).
source "$(dirname "$0")/lib.sh"
repo=$PWD
work=$(realpath -m "${1:-target/bench-image}")
mkdir -p "$work"

deb="$work/debian"
if [ ! -f "$deb/debian-minbase.docker.tar" ]; then
  echo "== building the Debian bookworm image (debootstrap, a few minutes)"
  bash "$SHARED/peers/build-debian-image.sh" "$deb"
fi


# seconds and peak RSS (KiB) of a command, best of 3 for the time
measure() {
  local best="" rss=0 t m
  for _ in 1 2 3; do
    # exit 1 means "found something" for shipshape and trivy alike; 2 and up is a failure
    local rc=0
    /usr/bin/time -f '%e %M' -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || rc=$?
    if [ "$rc" -ge 2 ]; then cat "$work/stderr.txt" >&2; return 1; fi
    read -r t m <"$work/time.txt"
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    [ "$m" -gt "$rss" ] && rss=$m
  done
  echo "$best $rss"
}
ratio() { awk "BEGIN{ if ($2 > 0) printf \"%.1f\", $1 / $2; else print \"inf\" }"; }
mbps() { awk "BEGIN{ if ($2 > 0) printf \"%.0f\", $1 / 1048576 / $2; else print \"inf\" }"; }

tar_file="$deb/debian-minbase.docker.tar"
size=$(stat -c %s "$tar_file")
cat "$tar_file" >/dev/null # warm the page cache for both sides

echo "== shipshape on $(basename "$tar_file") ($((size / 1048576)) MiB)"
read -r s_docker s_docker_rss < <(measure "$SHIPSHAPE" image --format json --output /dev/null "docker-archive:$tar_file")
read -r s_oci s_oci_rss < <(measure "$SHIPSHAPE" image --format json --output /dev/null "oci-archive:$deb/debian-minbase.oci.tar")
read -r s_dir _ < <(measure "$SHIPSHAPE" image --format json --output /dev/null "oci:$deb/oci:debian-minbase")
read -r cat_t _ < <(measure cat "$tar_file")
echo "docker-archive: ${s_docker}s ($(mbps "$size" "$s_docker") MiB/s, peak ${s_docker_rss} KiB)"
echo "oci-archive:    ${s_oci}s (peak ${s_oci_rss} KiB)"
echo "oci layout:     ${s_dir}s"
echo "disk (cat):     ${cat_t}s ($(mbps "$size" "$cat_t") MiB/s)"
echo "docker-archive read speed vs disk: $(ratio "$cat_t" "$s_docker")x of cat's speed"

if command -v trivy >/dev/null; then
  echo "== trivy image --scanners secret,misconfig"
  read -r t_docker t_rss < <(measure trivy image -q --scanners secret,misconfig --skip-db-update --offline-scan \
    --cache-dir "$work/trivy-cache" --input "$tar_file")
  echo "trivy: ${t_docker}s (peak ${t_rss} KiB)"
  echo "RATIO full audit: shipshape is $(ratio "$t_docker" "$s_docker")x faster than trivy (target: >= 10x)"
else
  echo "== trivy not found among the peers: ratio skipped"
fi

big="$work/big"
if [ ! -f "$big/big.docker.tar" ]; then
  echo "== building a ~1 GiB image (incompressible files over 4 layers)"
  rm -rf "$big" && mkdir -p "$big"
  umoci init --layout "$big/oci" >/dev/null
  umoci new --image "$big/oci:big" >/dev/null
  for l in 1 2 3 4; do
    rm -rf "$big/root" && mkdir -p "$big/root/data$l"
    for i in $(seq 1 64); do head -c $((4 << 20)) /dev/urandom >"$big/root/data$l/f$i"; done
    umoci insert --image "$big/oci:big" "$big/root" / >/dev/null
  done
  rm -rf "$big/root"
  skopeo --insecure-policy copy -q "oci:$big/oci:big" "docker-archive:$big/big.docker.tar:big:latest"
fi
bsize=$(stat -c %s "$big/big.docker.tar")
read -r b_t b_rss < <(measure "$SHIPSHAPE" image --format json --output /dev/null "docker-archive:$big/big.docker.tar")
read -r b_oci_t b_oci_rss < <(measure "$SHIPSHAPE" image --format json --output /dev/null "oci:$big/oci:big")
echo "== 1 GiB image: docker-archive ${b_t}s ($(mbps "$bsize" "$b_t") MiB/s), peak $((b_rss / 1024)) MiB; oci layout (gzip) ${b_oci_t}s, peak $((b_oci_rss / 1024)) MiB (target: < 100 MiB)"
