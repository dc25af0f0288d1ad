#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine: installs the packages, builds, and
# runs every ctest suite (GUI tests on a virtual X display). Extra arguments go to ctest,
# e.g. `scripts/test.sh -L unit` for the fast set.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
./scripts/install-deps.sh
./scripts/build.sh
built=$(date +%s)
echo "install + build: $((built - start)) s"
cd "${TWINFORGE_BUILD_DIR:-build}"
# xvfb-run gives the GUI tests a real X server with Mesa's software OpenGL.
xvfb-run -a -s "-screen 0 1280x1024x24" ctest --output-on-failure "$@"
echo "tests: $(( $(date +%s) - built )) s; total: $(( $(date +%s) - start )) s"
