#!/usr/bin/env bash
# Configures (once) and builds TwinForge into ./build with Ninja; ccache is used when present.
# Extra arguments go to the CMake configure step, e.g. -DTWINFORGE_BUILD_GUI=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${TWINFORGE_BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
if [ ! -f "$BUILD_DIR/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja "$@"
fi
# Each LibTorch file needs ~1.1 GB to compile; cap jobs by memory as well as cores.
mem_jobs=$(( $(awk '/MemAvailable/ {print $2}' /proc/meminfo) / 1500000 ))
[ "$mem_jobs" -ge 1 ] && [ "$mem_jobs" -lt "$JOBS" ] && JOBS=$mem_jobs
cmake --build "$BUILD_DIR" -j "$JOBS"
