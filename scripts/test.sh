#!/usr/bin/env bash
# Install everything the tests need into .venv, then lint, compile-check the Unity sample's C# and
# run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh torch,bench,dev,ray
.venv/bin/ruff check .
# compiles unity_sample/Assets/**/*.cs against the stubs in tests/unity_compile (installs mono-mcs
# when missing); a machine where no compiler can be installed (exit 3) only warns
status=0
bash scripts/check_csharp.sh || status=$?
if [ "$status" -eq 3 ]; then
    echo "test.sh: warning: C# compile check skipped (no mcs)" >&2
elif [ "$status" -ne 0 ]; then
    exit "$status"
fi
# glslang's HLSL front end for the reprojection kernel's compile test (skips, saying why, without it)
if ! command -v glslangValidator >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq -o DPkg::Lock::Timeout=300 glslang-tools >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null 2>&1 || true; apt-get install -y -qq glslang-tools >/dev/null 2>&1 || true; }
    command -v glslangValidator >/dev/null 2>&1 || echo "test.sh: warning: glslang-tools not installed" >&2
fi
# Chromium and onnxruntime-web for the browser tests (they skip, saying why, where neither can be had)
bash scripts/install_browser_deps.sh
.venv/bin/python -m pytest "$@"
