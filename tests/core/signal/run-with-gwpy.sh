#!/usr/bin/env bash
# Runs a test binary with gwpy (from PyPI, in a cached virtual environment) as its reference
# Python and gwpy required: what the interop run uses for the GW checks.
set -euo pipefail
here="$(cd "$(dirname "$0")/../../.." && pwd)"
venv=$("$here/scripts/pypi-venv.sh" "$here/tests/core/signal/gwpy-requirements.txt" gwpy-venv "${TWINFORGE_GWPY_VENV:-}")
TF_REFERENCE_PYTHON="$venv/bin/python" TF_REQUIRE_GWPY=1 exec "$@"
