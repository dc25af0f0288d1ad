#!/usr/bin/env bash
# ctest's entry to the interop tests: the clients' virtual environment (made once), then the tests.
set -euo pipefail
venv="$("$(dirname "$0")/../../scripts/interop-venv.sh")"
exec "$venv/bin/python" "$(dirname "$0")/test_interop.py" "$@"
