#!/usr/bin/env bash
# The hardening suites: builds TwinForge with clang under AddressSanitizer and
# UndefinedBehaviorSanitizer (plus libFuzzer's coverage, so the same build serves the fuzz
# targets) into ./build-asan, runs every ctest suite under it, then replays the saved fuzz
# inputs (scripts/fuzz.sh --regress). Any sanitizer report fails the run.
# Extra arguments go to ctest, e.g. `scripts/sanitize.sh -R test_config`.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
./scripts/install-deps.sh
export TWINFORGE_BUILD_DIR=${TWINFORGE_ASAN_BUILD_DIR:-build-asan}
CC=clang CXX=clang++ ./scripts/build.sh -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DTWINFORGE_SANITIZE=address,undefined -DTWINFORGE_FUZZ=ON
built=$(date +%s)
echo "sanitize: install + build: $((built - start)) s"
source scripts/sanitizer-env.sh
cd "$TWINFORGE_BUILD_DIR"
ctest --output-on-failure -L 'unit|cli|cluster' -LE gui "$@"
# The GUI suites load X11, Mesa and D-Bus, which are not ours: see sanitizer-env.sh.
ASAN_OPTIONS="$ASAN_OPTIONS_GUI" xvfb-run -a -s "-screen 0 1280x1024x24" ctest --output-on-failure -L gui "$@"
cd - >/dev/null
tested=$(date +%s)
echo "sanitize: suites: $((tested - built)) s"
./scripts/fuzz.sh --regress
echo "sanitize: fuzz regression: $(( $(date +%s) - tested )) s; total: $(( $(date +%s) - start )) s"
