#!/usr/bin/env bash
# Prints the path of a Python virtual environment holding PyPI's PyTorch 2.x
# (bench/peer/requirements-torch2.txt): the LibTorch of the second build (scripts/build-torch2.sh)
# and the benchmarks' peer. Made on first use (about 3 GB with CUDA's libraries) and kept in
# ~/.cache/twinforge; a new requirements file makes a new one.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
exec "$here/scripts/pypi-venv.sh" "$here/bench/peer/requirements-torch2.txt" torch2-venv "${TWINFORGE_TORCH2_VENV:-}"
