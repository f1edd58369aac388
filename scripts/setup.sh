#!/usr/bin/env bash
# Create .venv in the repository and install rlministyler with the PyTorch extra.
# torch is pinned to 2.13.0: here that resolves to the local CPU wheel; an unpinned torch
# would pull several GB of CUDA packages. Set RLMINISTYLER_TORCH to choose another spec.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-torch}"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
if ! .venv/bin/python -m pip install --disable-pip-version-check \
        "${RLMINISTYLER_TORCH:-torch==2.13.0}" -e ".[${extras}]" > .venv/pip.log 2>&1; then
    tail -n 30 .venv/pip.log >&2
    echo "setup failed: the full pip log is in .venv/pip.log" >&2
    exit 1
fi
