#!/usr/bin/env bash
# Prints the path of a Python virtual environment holding PyPI's PyTorch 2.x
# (bench/peer/requirements-torch2.txt): the LibTorch of the second build (scripts/build-torch2.sh)
# and the benchmarks' peer. Made on first use (about 3 GB with CUDA's libraries) and kept in
# ~/.cache/twinforge; a new requirements file makes a new one.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
req="$here/bench/peer/requirements-torch2.txt"
key=$(sha256sum "$req" | cut -c1-12)
venv="${TWINFORGE_TORCH2_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/twinforge/torch2-venv-$key}"
if [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  echo "torch2-venv: installing PyPI's PyTorch into $venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
  touch "$venv/.complete"
fi
echo "$venv"
