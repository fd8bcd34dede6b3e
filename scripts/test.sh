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
# Binary catalogers' tests build a Go program, a Java archive and an ELF with a cargo-auditable
# section (objcopy) in the test.
command -v go >/dev/null 2>&1 || need+=(golang-go)
command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)
command -v objcopy >/dev/null 2>&1 || need+=(binutils)
# rpm lists Berkeley DB package databases (its read-only bdb_ro backend) to check ours against;
# db5.3_load writes real Berkeley DB hash databases for the rpm reader's tests.
command -v rpm >/dev/null 2>&1 || need+=(rpm)
command -v db5.3_load >/dev/null 2>&1 || need+=(db5.3-util)
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

# The official SBOM validators (CycloneDX: cyclonedx-python-lib; SPDX: spdx-tools' pyspdxtools) and
# the in-toto attestation bindings (in-toto statements), in a virtual environment under target/
# when they are not on PATH already.
VALIDATORS="$PWD/target/validators"
if ! { command -v cdx-validate && command -v pyspdxtools && command -v intoto-validate; } >/dev/null 2>&1; then
  if { [ ! -x "$VALIDATORS/bin/pyspdxtools" ] || ! "$VALIDATORS/bin/python" -c 'import in_toto_attestation' 2>/dev/null; } && command -v python3 >/dev/null 2>&1; then
    echo "installing SBOM validators into target/validators"
    if ! python3 -m venv "$VALIDATORS" >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
      python3 -m venv "$VALIDATORS" || true
    fi
    "$VALIDATORS/bin/pip" install -q 'cyclonedx-python-lib[validation]==11.12.0' spdx-tools==0.8.5 in-toto-attestation==0.9.3 \
      || echo "NOTE: the SBOM validators could not be installed; the tests that need them will be skipped"
  fi
  if [ -x "$VALIDATORS/bin/pyspdxtools" ]; then
    printf '#!/bin/sh\nexec "%s/bin/python" "%s/scripts/cdx-validate.py" "$@"\n' "$VALIDATORS" "$PWD" > "$VALIDATORS/bin/cdx-validate"
    printf '#!/bin/sh\nexec "%s/bin/python" "%s/scripts/intoto-validate.py" "$@"\n' "$VALIDATORS" "$PWD" > "$VALIDATORS/bin/intoto-validate"
    chmod +x "$VALIDATORS/bin/cdx-validate" "$VALIDATORS/bin/intoto-validate"
    export PATH="$VALIDATORS/bin:$PATH"
  fi
fi

cargo test --workspace --locked --no-fail-fast "$@"
