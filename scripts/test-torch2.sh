#!/usr/bin/env bash
# Builds the second variant (scripts/build-torch2.sh: PyPI's LibTorch 2.x with CUDA and NCCL)
# and runs the CPU suites (labels unit and cli) against it. Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
./scripts/install-deps.sh
./scripts/build-torch2.sh
built=$(date +%s)
echo "torch2 venv + build: $((built - start)) s"
cd "${TWINFORGE_TORCH2_BUILD_DIR:-build-torch2}"
grep -q TWINFORGE_WITH_NCCL build.ninja || { echo "test-torch2: the NCCL path was not compiled" >&2; exit 1; }
QT_QPA_PLATFORM=offscreen ctest --output-on-failure -L "unit|cli" "$@"
echo "torch2 tests: $(( $(date +%s) - built )) s; total: $(( $(date +%s) - start )) s"
