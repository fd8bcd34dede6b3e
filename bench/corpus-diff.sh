#!/usr/bin/env bash
# Lists every finding that a change makes appear, disappear or change on the shared corpus: runs
# the shipshape of OLD_REV and the new one (the working tree, or NEW_REV) with
# `check DIR --format json --no-color` on every corpus directory, then compares the reports
# (bench/corpus_diff.py). Documented in docs/redesign-diff.md.
#
#   bench/corpus-diff.sh OLD_REV [NEW_REV | --worktree] [--out FILE] [--limit N] [--keep]
#
#   OLD_REV      a commit (tag, branch, HEAD~5, ...), built in a temporary git worktree
#   NEW_REV      another commit, built the same way; default (--worktree): the working tree,
#                built in place with `cargo build --release -p shipshape`
#   --out FILE   also write the full list to FILE (stdout then shows the first 50 lines of
#                each list; --limit N changes that number, 0 = all)
#   --keep       keep the raw reports (their folder is printed)
#
# Environment: SHIPSHAPE_CORPUS (default: ../shared/corpus from the repository root, or from the
# main checkout when this is a linked worktree), CORPUS_DIFF_TIMEOUT (seconds per run, default 600).
# Builds of commits are cached under target/corpus-diff/ (a cargo target dir of their own, and
# one binary per commit), so a second run against the same OLD_REV does not build it again.
# Exit status: 0 no differences, 1 differences, 2 usage error, missing corpus or failed build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd -P)

usage() { sed -n '7,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
old_rev="" new_rev="--worktree" out="" limit="" keep=0
positional=()
while [ $# -gt 0 ]; do
  case $1 in
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    --out=*) out=${1#--out=}; shift ;;
    --limit) [ $# -ge 2 ] || usage; limit=$2; shift 2 ;;
    --limit=*) limit=${1#--limit=}; shift ;;
    --keep) keep=1; shift ;;
    --worktree) positional+=("--worktree"); shift ;;
    -h|--help) usage ;;
    -*) echo "corpus-diff: unknown option $1" >&2; usage ;;
    *) positional+=("$1"); shift ;;
  esac
done
if [ ${#positional[@]} -lt 1 ] || [ ${#positional[@]} -gt 2 ]; then usage; fi
old_rev=${positional[0]}
[ ${#positional[@]} -eq 2 ] && new_rev=${positional[1]}
[ "$old_rev" != "--worktree" ] || usage
# --out is relative to where the script was called from, not to the repository root
if [ -n "$out" ]; then
  case $out in /*) ;; *) out="$OLDPWD/$out" ;; esac
fi

# ---- the corpus --------------------------------------------------------------------------------
if [ -n "${SHIPSHAPE_CORPUS:-}" ]; then
  corpus=$SHIPSHAPE_CORPUS
else
  corpus=$ROOT/../shared/corpus
  if [ ! -d "$corpus" ]; then
    # a linked worktree: ../shared sits beside the main checkout
    common=$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
    [ -n "$common" ] && [ -d "$(dirname "$common")/../shared/corpus" ] &&
      corpus=$(dirname "$common")/../shared/corpus
  fi
fi
if [ ! -d "$corpus" ]; then
  echo "corpus-diff: no corpus at $corpus (set SHIPSHAPE_CORPUS to the shared corpus folder)" >&2
  exit 2
fi
corpus=$(cd "$corpus" && pwd -P)

# ---- the two binaries --------------------------------------------------------------------------
cache=$ROOT/target/corpus-diff
mkdir -p "$cache/bin"
run=$(mktemp -d)
wt="" wt_parent="" built=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [ -n "$wt" ] && [ -d "$wt" ]; then git worktree remove --force "$wt" >/dev/null 2>&1 || true; fi
  if [ -n "$wt_parent" ]; then rm -rf "$wt_parent"; fi
  git worktree prune >/dev/null 2>&1 || true
  if [ "$keep" = 1 ]; then echo "corpus-diff: raw reports kept in $run" >&2; else rm -rf "$run"; fi
}
trap cleanup EXIT

resolve() {
  git rev-parse --verify --quiet "$1^{commit}" || {
    echo "corpus-diff: $1 is not a commit of this repository" >&2; exit 2; }
}

# build_rev SHA: sets `built` to the path of shipshape built from commit SHA (cached per commit)
build_rev() {
  local sha=$1 bin=$cache/bin/shipshape-$1
  if [ ! -x "$bin" ]; then
    # A cargo target dir of its own keeps the working tree's build untouched. Seeded once from
    # the working tree's release build: the registry dependencies then need no rebuild.
    local target=$cache/target
    if [ ! -d "$target/release" ] && [ -d "${CARGO_TARGET_DIR:-$ROOT/target}/release/deps" ]; then
      echo "corpus-diff: seeding $target from the working tree's release build" >&2
      mkdir -p "$target"
      cp -r "${CARGO_TARGET_DIR:-$ROOT/target}/release" "$target/" 2>/dev/null || true
    fi
    wt_parent=$(mktemp -d)
    wt=$wt_parent/src
    echo "corpus-diff: building ${sha:0:12} in a temporary worktree" >&2
    git worktree add --quiet --detach "$wt" "$sha"
    if ! (cd "$wt" && CARGO_TARGET_DIR=$target cargo build --release -q -p shipshape) >&2; then
      echo "corpus-diff: building ${sha:0:12} failed" >&2; exit 2
    fi
    cp "$target/release/shipshape" "$bin.tmp" && mv "$bin.tmp" "$bin"
    git worktree remove --force "$wt" >/dev/null 2>&1 || true
    rm -rf "$wt_parent"
    wt="" wt_parent=""
  fi
  built=$bin
}

describe() { git log -1 --format='%h %s' "$1" | cut -c1-100; }

old_sha=$(resolve "$old_rev")
build_rev "$old_sha"
old_bin=$built
echo "$old_rev = $(describe "$old_sha")" > "$run/labels.txt"
if [ "$new_rev" = "--worktree" ]; then
  echo "corpus-diff: building the working tree" >&2
  cargo build --release -q -p shipshape >&2 || { echo "corpus-diff: building the working tree failed" >&2; exit 2; }
  # a copy: a build started elsewhere during the runs must not swap the binary under them
  new_bin=$run/shipshape-new
  cp "${CARGO_TARGET_DIR:-$ROOT/target}/release/shipshape" "$new_bin"
  dirty=$(git status --porcelain --untracked-files=no | wc -l)
  echo "working tree on $(describe HEAD)$([ "$dirty" -gt 0 ] && echo " + $dirty changed files")" >> "$run/labels.txt"
else
  new_sha=$(resolve "$new_rev")
  build_rev "$new_sha"
  new_bin=$built
  echo "$new_rev = $(describe "$new_sha")" >> "$run/labels.txt"
fi

# ---- the runs ----------------------------------------------------------------------------------
# One run per repository (or project) folder of each category, e.g. compose/<owner>+<repo>, and
# one per file lying directly in the corpus or in a category folder. Both binaries run from the
# corpus folder on the same relative paths, so the paths in their reports compare as they are.
(
  cd "$corpus"
  find . -mindepth 1 -maxdepth 1 -type f -printf '%P\n' | LC_ALL=C sort
  find . -mindepth 2 -maxdepth 2 -printf '%P\n' | LC_ALL=C sort
) > "$run/units.txt"
n=$(wc -l < "$run/units.txt")
timeout_s=${CORPUS_DIFF_TIMEOUT:-600}
for side in old new; do
  bin=$old_bin; [ "$side" = new ] && bin=$new_bin
  mkdir -p "$run/$side"
  echo "corpus-diff: $side: $n corpus directories" >&2
  i=0
  while IFS= read -r unit; do
    rc=0
    (cd "$corpus" && NO_COLOR=1 timeout "$timeout_s" "$bin" check "$unit" --format json --no-color \
      > "$run/$side/$i.json" 2> "$run/$side/$i.err") || rc=$?
    [ "$rc" = 124 ] && echo "timed out after ${timeout_s}s" >> "$run/$side/$i.err"
    echo "$rc" > "$run/$side/$i.rc"
    i=$((i + 1))
  done < "$run/units.txt"
done

rc=0
python3 "$ROOT/bench/corpus_diff.py" "$run" ${out:+--out "$out"} ${limit:+--limit "$limit"} || rc=$?
exit "$rc"
