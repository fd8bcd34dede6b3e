#!/usr/bin/env bash
# Compose analysis speed: shipshape vs compose-lint on every compose file of
# ../shared/corpus/compose, one invocation per tool over the whole set, in one run.
# Usage: bench/compose.sh        (RUNS=5 for more runs, PEERS=dir for the peer tools)
source "$(dirname "$0")/lib.sh"
CORPUS=$SHARED/corpus/compose
LIST=$OUT/files.txt
find "$CORPUS" -type f \( -name 'compose*.y*ml' -o -name 'docker-compose*.y*ml' \) | sort > "$LIST"
n=$(wc -l < "$LIST")
echo "corpus: $n compose files"
# compose-lint checks compose files only: shipshape skips its file-wide secrets scan here.
bench shipshape "$SHIPSHAPE check $CORPUS --no-secrets --format json --output /dev/null"
# compose-lint lints the files given; one invocation over all of them
bench compose-lint "xargs -a $LIST -d '\n' compose-lint check --format json > /dev/null"
report shipshape compose-lint
echo "peak memory: shipshape $(peak_mb "$SHIPSHAPE" check "$CORPUS" --no-secrets --format json --output /dev/null) MB"
