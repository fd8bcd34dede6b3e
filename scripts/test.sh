#!/usr/bin/env bash
# Runs every test of shipshape. Installs the system tools some tests use (image building and a
# local registry) when they are missing and this user can install packages; tests that need a
# tool, the Docker Engine or ../shared skip with a visible message when it is absent, unless
# SHIPSHAPE_REQUIRE_TOOLS / SHIPSHAPE_REQUIRE_DOCKER / SHIPSHAPE_REQUIRE_CORPUS is set to 1.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for tool in umoci skopeo; do
  command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing test tools: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    # The registry package starts a system service; the tests start their own on loopback.
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now docker-registry >/dev/null 2>&1 || true; fi
  else
    echo "NOTE: ${need[*]} missing and cannot be installed here; tests that need them will be skipped"
  fi
fi

cargo test --workspace --locked --no-fail-fast "$@"
