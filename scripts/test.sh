#!/usr/bin/env bash
# Install everything the tests need into .venv, then lint and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh torch,dev
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
