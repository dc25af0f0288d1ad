#!/usr/bin/env bash
# Prints the path of a Python virtual environment holding MLflow's and TensorBoard's own
# clients (tests/interop/requirements.txt), made from PyPI on first use and kept between runs
# in ~/.cache/twinforge (a new requirements file makes a new one).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
req="$here/tests/interop/requirements.txt"
key=$(sha256sum "$req" | cut -c1-12)
venv="${TWINFORGE_INTEROP_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/twinforge/interop-venv-$key}"
if [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
  touch "$venv/.complete"
fi
echo "$venv"
