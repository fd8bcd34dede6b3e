#!/usr/bin/env bash
# Image audit benchmark: shipshape vs `trivy image` (secret + misconfig scanners) on a debootstrap
# Debian bookworm image, the docker-archive read speed against the disk, and peak memory on a
# ~1 GiB image.
#   bench/image.sh [WORKDIR]      (SHIPSHAPE_BIN=… AUDIT_BIN=… time other builds of the two)
# WORKDIR (default: target/bench-image) keeps the built images between runs. Building the Debian
# image needs root, debootstrap, umoci and skopeo (see ../shared/peers/build-debian-image.sh).
source "$(dirname "$0")/lib.sh"
repo=$PWD
work=$(realpath -m "${1:-target/bench-image}")
mkdir -p "$work"

deb="$work/debian"
debian_image "$deb"


# seconds (best of 5, nanosecond clock: the small image reads in tens of milliseconds) and peak
# RSS (KiB, the largest over the runs) of a command
measure() {
  local best="" rss=0 t m t0 t1
  for _ in 1 2 3 4 5; do
    # exit 1 means "found something" for shipshape and trivy alike; 2 and up is a failure
    local rc=0
    t0=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || rc=$?
    t1=$(date +%s%N)
    if [ "$rc" -ge 2 ]; then cat "$work/stderr.txt" >&2; return 1; fi
    m=$(tail -n 1 "$work/time.txt") # GNU time puts "Command exited with non-zero status" first
    t=$(awk "BEGIN{printf \"%.3f\", ($t1 - $t0) / 1e9}")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    [ "$m" -gt "$rss" ] && rss=$m
  done
  echo "$best $rss"
}
ratio() { awk "BEGIN{ if ($2 > 0) printf \"%.2f\", $1 / $2; else print \"inf\" }"; }
mbps() { awk "BEGIN{ if ($2 > 0) printf \"%.0f\", $1 / 1048576 / $2; else print \"inf\" }"; }

tar_file="$deb/debian-minbase.docker.tar"
size=$(stat -c %s "$tar_file")
cat "$tar_file" >/dev/null # warm the page cache for both sides
# The image crate alone (layer reading, digests, the SS3xxx rules), without the secrets engine
# that `shipshape image` also runs over every layer file.
cargo build --release -q -p shipshape-image --example audit
AUDIT=${AUDIT_BIN:-$PWD/target/release/examples/audit}
# SHIPSHAPE_BIN / AUDIT_BIN: time other builds (an older commit's, for before/after figures)
SHIPSHAPE=${SHIPSHAPE_BIN:-$SHIPSHAPE}

echo "== $(basename "$tar_file") ($((size / 1048576)) MiB, page cache warm), best of 5"
read -r cat_t _ < <(measure cat "$tar_file")
# The disk itself: O_DIRECT reads bypass the page cache, so this is what the storage delivers to
# a reader that has not just read the file (the `cat` line above is memory speed).
read -r disk_t _ < <(measure dd if="$tar_file" of=/dev/null bs=4M iflag=direct)
read -r a_docker a_docker_rss < <(measure "$AUDIT" --quiet "docker-archive:$tar_file")
read -r s_docker s_docker_rss < <(measure "$SHIPSHAPE" image --format json --output /dev/null "docker-archive:$tar_file")
read -r s_oci s_oci_rss < <(measure "$SHIPSHAPE" image --format json --output /dev/null "oci-archive:$deb/debian-minbase.oci.tar")
read -r s_dir _ < <(measure "$SHIPSHAPE" image --format json --output /dev/null "oci:$deb/oci:debian-minbase")
printf '%-44s %6ss %6s MiB/s  peak %6s KiB\n' \
  "page cache (cat)" "$cat_t" "$(mbps "$size" "$cat_t")" "-" \
  "disk (dd iflag=direct, page cache bypassed)" "$disk_t" "$(mbps "$size" "$disk_t")" "-" \
  "image crate alone (audit example)" "$a_docker" "$(mbps "$size" "$a_docker")" "$a_docker_rss" \
  "shipshape image docker-archive (+ secrets)" "$s_docker" "$(mbps "$size" "$s_docker")" "$s_docker_rss" \
  "shipshape image oci-archive (gzip)" "$s_oci" "$(mbps "$size" "$s_oci")" "$s_oci_rss" \
  "shipshape image oci layout (gzip)" "$s_dir" "$(mbps "$size" "$s_dir")" "-"
echo "RATIO read speed vs the disk: image crate $(ratio "$disk_t" "$a_docker")x of the disk's speed, shipshape image $(ratio "$disk_t" "$s_docker")x (target: 1x)"
echo "RATIO read speed vs the page cache: image crate $(ratio "$cat_t" "$a_docker")x, shipshape image $(ratio "$cat_t" "$s_docker")x (every byte is SHA-256-verified: one core hashes at $(openssl speed -seconds 1 -bytes 1048576 sha256 2>/dev/null | awk '/^sha256/{printf "%.0f", $2/1024}') MiB/s here)"

if command -v trivy >/dev/null; then
  # `--cache-backend memory`: a fresh analysis every run. With the default file cache, trivy
  # skips a layer it analysed before (by diff id), so repeated runs would time the cache lookup,
  # not the scan; that figure is printed too, for reference.
  echo "== trivy image --scanners secret,misconfig"
  read -r t_docker t_rss < <(measure trivy image -q --scanners secret,misconfig --skip-db-update --offline-scan \
    --cache-backend memory --input "$tar_file")
  read -r t_cached _ < <(measure trivy image -q --scanners secret,misconfig --skip-db-update --offline-scan \
    --cache-dir "$work/trivy-cache" --input "$tar_file")
  echo "trivy (layer cache warm, the image was analysed before): ${t_cached}s"
  echo "trivy: ${t_docker}s (peak ${t_rss} KiB)"
  echo "RATIO full audit: shipshape image is $(ratio "$t_docker" "$s_docker")x faster than trivy (target: >= 10x); the image crate alone $(ratio "$t_docker" "$a_docker")x"
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
echo "== 1 GiB image ($((bsize / 1048576)) MiB)"
echo "docker-archive: ${b_t}s ($(mbps "$bsize" "$b_t") MiB/s); oci layout (gzip): ${b_oci_t}s"
echo "PEAK MEMORY on the 1 GiB image: docker-archive $((b_rss / 1024)) MiB, oci layout $((b_oci_rss / 1024)) MiB (target: < 100 MiB)"
