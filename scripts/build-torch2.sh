#!/usr/bin/env bash
# The second build: core, the plugins, twinforge-run, the benchmarks and the Qt Test suites
# against PyPI's LibTorch 2.x (with CUDA and NCCL) from the virtual environment of
# scripts/torch2-venv.sh, into build-torch2/ (no GUI: the workbench stays on Debian's LibTorch).
# Needs scripts/install-deps.sh's packages and the CUDA toolkit (nvcc, NCCL) that PyPI's CUDA
# LibTorch is configured with; compiling and linking need no GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(scripts/torch2-venv.sh)
troot=$("$venv/bin/python" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=/usr/local/cuda/bin:$PATH; fi
export TWINFORGE_BUILD_DIR=${TWINFORGE_TORCH2_BUILD_DIR:-build-torch2}
# torch's own folder first: find_library would otherwise take Debian's libtorch.so from /usr/lib.
exec scripts/build.sh -DCMAKE_PREFIX_PATH="$troot;$troot/share/cmake" -DTWINFORGE_BUILD_GUI=OFF \
  -DTORCH_CUDA_ARCH_LIST=9.0 -Wno-dev
