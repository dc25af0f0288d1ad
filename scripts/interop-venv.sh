#!/usr/bin/env bash
# Prints the path of a Python virtual environment holding MLflow's and TensorBoard's own
# clients (tests/interop/requirements.txt), made from PyPI on first use and kept between runs
# in ~/.cache/twinforge (a new requirements file makes a new one).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
exec "$here/scripts/pypi-venv.sh" "$here/tests/interop/requirements.txt" interop-venv "${TWINFORGE_INTEROP_VENV:-}"
