#!/usr/bin/env bash
# One command from a fresh clone to a stylised sequence:
#   bash scripts/demo.sh [CONTENT STYLE [VIDEO]]
# Installs .venv, finds the official weights (RLMINISTYLER_CHECKPOINT, ../shared, else downloads
# them), stylises a photo with a painting at steps 1, 5 and 10 with a contact sheet, and prints
# the files it wrote (in demo_out/); then exports an ONNX model and stylises the sample video with
# the onnxruntime player, printing its frame-rate report.
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

# the runtime: export a 10-step split model (style encoded once) with every step as an output,
# stylise the sample video at step 5 on onnxruntime (no torch), print the frame-rate report
video="${3:-$shared/data/video/cutBunny.mp4}"
.venv/bin/rlministyler export --steps 10 --all-steps --variant split --style "$style" -o demo_out/all10.onnx -q
if [ -f "$video" ]; then
    .venv/bin/rlministyler run demo_out/all10.onnx --input "$video" --style "$style" --step 5 \
        --scale 0.5 --temporal flow -o demo_out/video_step5.mp4
else
    .venv/bin/rlministyler run demo_out/all10.onnx --input "$content" --style "$style" --step 5 \
        -o demo_out/runtime_step5.png
fi
