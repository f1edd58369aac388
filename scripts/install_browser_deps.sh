#!/usr/bin/env bash
# What the browser tests (tests/test_web.py) need besides .venv: Debian's Chromium (installed with
# apt-get when missing, as check_csharp.sh installs mcs; no browser download) and onnxruntime-web in
# web/node_modules (`npm ci`, pinned by web/package-lock.json). Exits 0 with a warning when either
# cannot be had: the tests that need it then skip and say why.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "install_browser_deps: $*"; }

have_chromium() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
    || [ -n "${RLMINISTYLER_CHROMIUM:-}" ]; }

if ! have_chromium; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing chromium with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        lock=(-o DPkg::Lock::Timeout=300)
        if ! apt-get install -y -qq "${lock[@]}" chromium >/dev/null 2>&1; then
            apt-get update -qq "${lock[@]}" >/dev/null 2>&1 || true
            apt-get install -y -qq "${lock[@]}" chromium >/dev/null 2>&1 || true
        fi
    fi
    if ! have_chromium; then
        say "warning: Chromium is not installed and could not be installed (needs root and apt-get);" \
            "the browser tests will skip" >&2
    fi
fi

if [ ! -f web/node_modules/onnxruntime-web/package.json ]; then
    if command -v npm >/dev/null 2>&1; then
        say "installing onnxruntime-web with npm ci in web/"
        if ! (cd web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null); then
            say "warning: npm ci in web/ failed; the browser tests will skip" >&2
        fi
    else
        say "warning: npm not found: onnxruntime-web cannot be installed; the browser tests will skip" >&2
    fi
fi
