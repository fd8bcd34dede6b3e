#!/usr/bin/env bash
# Dockerfile analysis speed: shipshape vs hadolint, trivy config and checkov on every Dockerfile of
# ../shared/corpus/dockerfiles, one invocation per tool over the whole set, in one run.
# Usage: bench/dockerfile.sh        (RUNS=5 for more runs, PEERS=dir for the peer tools)
source "$(dirname "$0")/lib.sh"
CORPUS=$SHARED/corpus/dockerfiles
LIST=$OUT/files.txt
find "$CORPUS" -type f \( -name 'Dockerfile' -o -name 'Dockerfile.*' -o -name '*.Dockerfile' -o -name 'Dockerfile-*' -o -name 'Containerfile' \) \
  ! -name '*.dockerignore' | sort > "$LIST"
n=$(wc -l < "$LIST"); mb=$(xargs cat < "$LIST" | wc -c | awk '{printf "%.1f", $1/1048576}')
echo "corpus: $n Dockerfiles, $mb MB"
# shipshape discovers the same files itself (plus the .dockerignore files beside them). The peers
# check Dockerfiles only, so shipshape's file-wide secrets scan is left out (--no-secrets).
bench shipshape "$SHIPSHAPE check $CORPUS --no-secrets --format json --output /dev/null"
bench hadolint "xargs -a $LIST -d '\n' hadolint --no-fail --format json > /dev/null"
if [ "${SKIP_SLOW:-0}" != 1 ]; then
  bench trivy-config "trivy config --quiet --skip-check-update --format json --output /dev/null $CORPUS"
  bench checkov "checkov --quiet --compact --framework dockerfile -d $CORPUS -o json > /dev/null"
fi
report shipshape hadolint trivy-config checkov
echo "peak memory: shipshape $(peak_mb "$SHIPSHAPE" check "$CORPUS" --no-secrets --format json --output /dev/null) MB"
