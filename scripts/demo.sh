#!/usr/bin/env bash
# One command from a fresh clone to a stylised sequence:
#   bash scripts/demo.sh [CONTENT STYLE]
# Installs .venv, finds the official weights (RLMINISTYLER_CHECKPOINT, ../shared, else downloads
# them), stylises a photo with a painting at steps 1, 5 and 10 with a contact sheet, and prints
# the files it wrote (in demo_out/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh torch
shared=../shared
content="${1:-$shared/data/content/adain_chicago.jpg}"
style="${2:-$shared/data/style/adain_la_muse.jpg}"
if [ -z "${RLMINISTYLER_CHECKPOINT:-}" ]; then
    if [ -f "$shared/weights/rlministyler/actor.pth.tar" ]; then
        export RLMINISTYLER_CHECKPOINT="$shared/weights/rlministyler"
    else
        .venv/bin/rlministyler weights download
    fi
fi
if [ ! -f "$content" ] || [ ! -f "$style" ]; then
    echo "demo: no sample images here; run: bash scripts/demo.sh YOUR_PHOTO.jpg YOUR_PAINTING.jpg" >&2
    exit 2
fi
.venv/bin/rlministyler stylize "$content" --style "$style" --steps 1,5,10 --size 512 --sheet -o demo_out
