#!/usr/bin/env bash
# Packs a build made here against PyPI's torch (scripts/build-torch2.sh) for a GPU machine that
# has the same torch version but none of Debian's packages: twinforge-run, train_bench, the core
# library, the plugins, and the Debian libraries they need beyond LibTorch and the C/C++
# runtimes (HDF5, yaml-cpp, curl and theirs). bench/gpu-check.sh runs it there with
#   TWINFORGE_GPU_BUILD=PACK TWINFORGE_GPU_DEPS=PACK/deps bench/gpu-check.sh OUT
# Usage: bench/gpu-pack.sh [BUILD_DIR] [PACK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-torch2}
pack=${2:-.gpu}
rm -rf "$pack"
mkdir -p "$pack/bin" "$pack/lib" "$pack/plugins" "$pack/deps"
cp "$build/bin/twinforge-run" "$build/bin/train_bench" "$pack/bin/"
cp -P "$build"/lib/libtwinforge_core.so* "$pack/lib/"
cp "$build"/plugins/*.so "$pack/plugins/"
ldd "$pack"/bin/* "$pack"/lib/*.so.0 "$pack"/plugins/*.so | awk '/=> \// {print $3}' | sort -u |
  grep -v -E '/(site-packages|cuda[^/]*)/|/(libc\.so|libm\.so|libstdc\+\+|libgcc_s|ld-linux|libpthread|libdl\.so|librt\.so|libresolv|libutil|libtwinforge)' |
  while read -r lib; do cp -L "$lib" "$pack/deps/"; done
du -sh "$pack"
