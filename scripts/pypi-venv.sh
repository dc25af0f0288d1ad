#!/usr/bin/env bash
# Prints the path of a Python virtual environment made from PyPI with a requirements file, on
# first use, and kept in ~/.cache/twinforge/NAME-<hash of the file> (a new requirements file
# makes a new one; a half-made one is made again).
# Usage: scripts/pypi-venv.sh REQUIREMENTS NAME [PATH]   (PATH: use this folder instead)
set -euo pipefail
req=$1
name=$2
key=$(sha256sum "$req" | cut -c1-12)
venv="${3:-${XDG_CACHE_HOME:-$HOME/.cache}/twinforge/$name-$key}"
if [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  echo "pypi-venv: installing $req into $venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
  touch "$venv/.complete"
fi
echo "$venv"
