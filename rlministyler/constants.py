"""Numbers and names that the CLI, the exporter, the runtime and the model share (no torch)."""

from __future__ import annotations

MAX_STEPS = 64  # the longest sequence a model is unrolled or run for
SIZE_MULTIPLE = 4  # two stride-2 stages and two x2 upsamplings
MIN_SIZE = 8  # a reflect-padded 3x3 conv at 1/4 resolution needs at least 2 pixels
# the exact speed rewrites of the export (export.graphs applies them)
REWRITES = ("half-res-head", "fold-modulation", "depthwise-groups")
