"""The one home of every value the commands, the exporter, the runtime, the page and the model
share: step range, sizes, the style size, the scale range and the lists of names. Standard library
only, so every ``--help`` can read it; parsers, the runtime, the exporter and the web builder import
it and type none of these values again. Each ``*_error`` function is the one wording of its check.
"""

from __future__ import annotations

import math

# --- steps ------------------------------------------------------------------------------------
MAX_STEPS = 64  # the longest sequence a model is unrolled or run for
# a distilled one-pass model's file (training.distill); an export's checkpoint_sha256 names it
DISTILLED_FILE = "distilled.pth.tar"
DEFAULT_STEP = 5  # `stylize` without --steps
ALL_STEPS = tuple(range(1, 11))  # `--steps all`

# --- sizes ------------------------------------------------------------------------------------
SIZE_MULTIPLE = 4  # two stride-2 stages and two x2 upsamplings
MIN_SIZE = 8  # a reflect-padded 3x3 conv at 1/4 resolution needs at least 2 pixels
STYLE_SIZE = 256  # the style's shorter side when it is encoded (export, run, web, the page)

# --- resources --------------------------------------------------------------------------------
MAX_THREADS = 1024  # --threads, whatever the machine (limits.check_threads: also a few per core)
TEMP_NAME_EXTRA = 24  # bytes a temporary name adds to an output's name (.NAME.PID.partial)

# --- the runtime's network scale (`run --scale`) ---------------------------------------------
MAX_INTERNAL_FACTOR = 16  # `export --internal-scale` 1/N: N at most this
MIN_SCALE = 0.05
MAX_SCALE = 1.0

# --- names ------------------------------------------------------------------------------------
PROVIDERS = ("auto", "cpu", "cuda", "tensorrt")  # onnxruntime execution providers `run` offers
UPSAMPLERS = ("bilinear", "guided")  # how a smaller network output returns to the frame size
TEMPORAL_MODES = ("off", "ema", "flow")  # runtime.temporal
TEMPORAL_WEIGHT = 0.6  # the previous output's weight in the temporal blend (default); in [0, 1)
UNITY_ENGINES = ("sentis", "barracuda")  # the Unity importers check-unity knows
RUNTIME_ENGINES = ("onnxruntime", "torch")  # what runs the network for `run` (runtime.engine)
# the exact speed rewrites of the export (export.rewrites applies them)
REWRITES = ("half-res-head", "fold-modulation", "depthwise-groups")


def step_error(step: int) -> str | None:
    """Why ``step`` is not a step (None when it is)."""
    if not 1 <= step <= MAX_STEPS:
        return f"step {step} is out of range: steps go from 1 to {MAX_STEPS}"
    return None


def scale_error(scale: float) -> str | None:
    """Why ``scale`` is not a usable network scale (None when it is)."""
    if not MIN_SCALE <= scale <= MAX_SCALE:
        return f"--scale must be between {MIN_SCALE:g} and {MAX_SCALE:g}, got {scale}"
    return None


def internal_scale_factor(value: float) -> int | None:
    """The whole N of an export's ``--internal-scale`` 1/N (0.5 -> 2), or None when ``value`` is
    not 1/N for a whole N (0, negative, above 1, not finite, 0.3)."""
    if not math.isfinite(value) or not 1 / MAX_INTERNAL_FACTOR <= value <= 1:
        return None
    factor = round(1 / value)
    return factor if abs(factor * value - 1) <= 1e-6 else None


def internal_scale_error(value: float) -> str | None:
    """Why ``value`` is not a usable ``--internal-scale`` (None when it is)."""
    if internal_scale_factor(value) is None:
        return (f"--internal-scale must be 1/N for a whole N up to {MAX_INTERNAL_FACTOR} (1, 0.5, 0.25, "
                f"...), got {value:g}")
    return None


def parse_hxw(text: str) -> tuple[int, int]:
    """``HxW`` (``720x1280``) as two whole numbers; ValueError otherwise."""
    parts = text.strip().lower().split("x")
    if len(parts) != 2:
        raise ValueError(f"{text!r}: use HxW, e.g. 512x512 or 720x1280")
    try:
        return int(parts[0]), int(parts[1])
    except ValueError:
        raise ValueError(f"{text!r}: use HxW, e.g. 512x512 or 720x1280") from None


def parse_keyframe_interval(text: str | int) -> int | str:
    """``N`` (1 = every frame) or ``auto``; ValueError otherwise."""
    if isinstance(text, int) or str(text).strip().isdigit():
        value = int(text)
        if value < 1:
            raise ValueError("--keyframe-interval must be at least 1")
        return value
    if str(text).strip().lower() == "auto":
        return "auto"
    raise ValueError(f"--keyframe-interval: a whole number >= 1 or 'auto', got {text!r}")

# --- the PyTorch path's numeric precision (`stylize --precision`, TorchStylizer) -------------
TORCH_PRECISIONS = ("fp32", "tf32", "fp16", "bf16")
