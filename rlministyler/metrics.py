"""PSNR, the one image-similarity score the exporter's checks, the trainer and the benchmarks share."""

from __future__ import annotations

import math

import numpy as np

PSNR_CAP = 99.0  # what reports write for identical images: JSON has no infinity


def psnr(a: np.ndarray, b: np.ndarray, peak: float = 1.0, cap: float | None = None) -> float:
    """Peak signal-to-noise ratio in dB of two same-shaped images whose values run 0..``peak``.

    Identical images score infinity, or ``cap`` when given (reports pass ``PSNR_CAP``)."""
    mse = float(np.mean((np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) ** 2))
    value = math.inf if mse == 0 else 10.0 * math.log10(peak * peak / mse)
    return value if cap is None else min(value, cap)
