"""Temporal metrics: warping error along optical flow, and instability to sensor noise.

Warping error: the mean absolute difference (8-bit levels) between each stylised frame and the
previous stylised frame warped by the optical flow of the *input* frames, over pixels where the
forward and backward flows agree (Sundaram et al.'s check) and the warped input matches. The
flow is OpenCV DIS at its *medium* preset at full resolution — not the runtime's own (fast,
reduced) flow, so the ``flow`` mode is not graded by the flow it uses.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from rlministyler.runtime.temporal import consistent_flow


@dataclass
class FlowPair:
    """Backward sampling maps (frame t -> t-1) and the mask of reliable pixels."""

    maps: np.ndarray
    mask: np.ndarray


def reference_flows(frames: Sequence[np.ndarray]) -> list[FlowPair]:
    """One FlowPair per consecutive pair of input frames (BGR uint8)."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    greys = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames]
    h, w = greys[0].shape
    grid = np.dstack(np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)))
    pairs = []
    for prev, cur in itertools.pairwise(greys):
        _, maps, mask = consistent_flow(dis, prev, cur, grid, photometric=20)
        pairs.append(FlowPair(maps, mask))
    return pairs


def warping_error(outputs: Sequence[np.ndarray], flows: Sequence[FlowPair]) -> float:
    """Mean over frame pairs of the masked mean |out_t - warp(out_{t-1})|, in 8-bit levels."""
    errors = []
    for (prev, cur), pair in zip(itertools.pairwise(outputs), flows, strict=False):
        if prev.shape[:2] != pair.maps.shape[:2]:
            size = (pair.maps.shape[1], pair.maps.shape[0])
            prev, cur = cv2.resize(prev, size), cv2.resize(cur, size)
        warped = cv2.remap(prev, pair.maps, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        diff = cv2.absdiff(warped, cur).astype(np.float32).mean(axis=2)
        if pair.mask.any():
            errors.append(float(diff[pair.mask].mean()))
    return float(np.mean(errors)) if errors else float("nan")


def noisy_copies(frame: np.ndarray, count: int, sigma: float = 2.0, seed: int = 0) -> list[np.ndarray]:
    """The same frame ``count`` times with independent Gaussian noise (8-bit levels)."""
    rng = np.random.default_rng(seed)
    return [np.clip(frame + rng.normal(0, sigma, frame.shape), 0, 255).astype(np.uint8)
            for _ in range(count)]


def instability(outputs: Sequence[np.ndarray], skip: int = 1) -> float:
    """Mean |out_t - out_{t-1}| (8-bit levels) over a sequence of outputs of one noisy scene."""
    pairs = list(zip(outputs[skip:], outputs[skip + 1:], strict=False))
    return float(np.mean([cv2.absdiff(a, b).astype(np.float32).mean() for a, b in pairs]))


def apply_filter(make: Callable[[], object], inputs: Sequence[np.ndarray],
                 outputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Run a runtime temporal filter over precomputed raw outputs (the runtime applies it the
    same way: after inference, on the frame and its stylised output)."""
    filt = make()
    return [filt(src, out) for src, out in zip(inputs, outputs, strict=True)]
