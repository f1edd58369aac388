"""Keyframes and reprojection: the network on every Nth frame, the frames between reprojected.

An in-between frame is the last keyframe's stylisation warped along the optical flow of the
*input* from the keyframe to the current frame (one warp, never chained), and every pixel where
that flow is inconsistent (forward-backward check, photometric check, source outside the frame:
occlusions, things entering) comes from a cheap fresh pass of the current frame (the network at
:func:`cheap_scale` of the keyframes' network scale, guided-upsampled), so nothing ghosts. A scene
cut forces a keyframe. With ``concurrent=True`` the keyframe's inference runs in a worker thread
while the frames after it are still reprojected from the previous keyframe, so frame times stay
even; the new keyframe is taken up as soon as it is ready (its flow is still measured from its own
input frame), and each in-between frame's fresh pass runs in a second worker while the flow is
computed.

``interval="auto"`` starts a keyframe when the consistent fraction drops below
``AUTO_COVERAGE`` or ``AUTO_MAX_INTERVAL`` frames have passed.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from rlministyler import spec

from .engine import Engine, Style
from .frame_stylizer import FrameTiming
from .metadata import ModelInfo
from .temporal import FLOW_WIDTH, TemporalFilter, _small_grey, consistent_flow

if TYPE_CHECKING:
    from .stylizer import Stylizer

AUTO_COVERAGE = 0.85  # auto: a new keyframe when less than this fraction of pixels is reprojectable
AUTO_MAX_INTERVAL = 8


@dataclass
class _Key:
    grey: np.ndarray  # the keyframe's input, small grey (flow resolution)
    image: np.ndarray  # its stylisation, uint8, frame size


class KeyframeStylizer:
    """A frame stylizer made of a stylizer (``full``) for the keyframes and a cheaper one
    (``cheap``: the same model, step and style at a lower network scale) for the fresh passes."""

    pacing_text: str | None = None
    pacing_history: list[dict] | None = None

    def __init__(self, full: Stylizer, cheap: Stylizer, interval: int | str = 4, *, concurrent: bool = True,
                 flow_width: int = FLOW_WIDTH) -> None:
        self.full, self.cheap = full, cheap
        self.interval = interval
        self.concurrent, self.flow_width = concurrent, flow_width
        self._dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="keyframe") if concurrent else None
        self._fresh_pool = ThreadPoolExecutor(1, thread_name_prefix="fresh") if concurrent else None
        self._pending: Future | None = None
        self.restart()

    def restart(self) -> None:
        """Start afresh: the next frame is a keyframe, and the counts start from zero."""
        if self._pending is not None:  # the full stylizer is not shared between threads
            self._pending.result()
        self._pending = None
        self._cut = TemporalFilter()
        self._key: _Key | None = None
        self._since = 0
        self.keyframes = self.cuts = 0
        self.last_was_keyframe = False
        self.last_coverage = 0.0
        self.last_mask: np.ndarray | None = None
        self.last_timing = FrameTiming()

    # --- what the player reads and sets: the full stylizer's, and the cheap one follows ------
    @property
    def info(self) -> ModelInfo:
        return self.full.info

    @property
    def engine(self) -> Engine:
        return self.full.engine

    @property
    def steps(self) -> list[int]:
        return self.full.steps

    @property
    def step(self) -> int:
        return self.full.step

    @step.setter
    def step(self, value: int) -> None:
        self.full.step = value
        self.cheap.step = value
        self._key = None  # a new look: start from a fresh keyframe

    @property
    def style(self) -> Style | None:
        return self.full.style

    @style.setter
    def style(self, style: Style) -> None:
        self.full.style = style
        self.cheap.style = style
        self._key = None

    @property
    def network_scale(self) -> float:
        """The keyframes' network scale; the fresh passes run at :func:`cheap_scale` of it."""
        return self.full.network_scale

    @network_scale.setter
    def network_scale(self, value: float) -> None:
        self.full.network_scale = value
        self.cheap.network_scale = cheap_scale(value)

    @property
    def temporal_mode(self) -> str:
        return self.full.temporal_mode

    def set_temporal(self, mode: str, weight: float | None = None) -> None:
        self.full.set_temporal(mode, weight)

    def encode_style(self, image: np.ndarray | str | Path, *, bgr: bool = False, name: str | None = None
                     ) -> Style:
        return self.full.encode_style(image, bgr=bgr, name=name)

    def set_style(self, image: np.ndarray | str | Path, *, bgr: bool = False) -> Style:
        self.style = self.encode_style(image, bgr=bgr)
        return self.style

    def warm_up(self, height: int, width: int, runs: int = 2) -> None:
        self.full.warm_up(height, width, runs)

    # --- frames -----------------------------------------------------------------------------
    def _grid(self, h: int, w: int) -> np.ndarray:
        xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        return np.dstack([xs, ys])

    def _make_key(self, frame: np.ndarray, grey: np.ndarray, bgr: bool) -> _Key:
        return _Key(grey, self.full.stylize(frame, bgr=bgr))

    def _due(self) -> bool:
        if self.interval == "auto":
            return self._since >= AUTO_MAX_INTERVAL or self.last_coverage < AUTO_COVERAGE
        return self._since >= self.interval

    def _keyframe_now(self, frame: np.ndarray, grey: np.ndarray, bgr: bool) -> np.ndarray:
        image = self.full.stylize(frame, bgr=bgr)
        self._key, self._since, self.last_was_keyframe, self.last_coverage = _Key(grey, image), 1, True, 1.0
        self.keyframes += 1
        return image

    def stylize(self, frame: np.ndarray, *, bgr: bool = False) -> np.ndarray:
        """The next frame: a keyframe, or the reprojected keyframe filled in by the cheap pass."""
        t0 = time.perf_counter()
        grey = _small_grey(frame, self.flow_width)
        self.last_was_keyframe = False
        key = self._key
        cut = key is not None and (key.image.shape != frame.shape or self._cut._is_cut(grey))
        self._cut._prev_grey = grey  # cuts are judged between consecutive inputs
        if cut:
            self.cuts += 1
        if key is None or cut or self.interval == 1:
            if self._pending is not None:  # the full stylizer is not shared between threads
                self._pending.result()
                self._pending = None
            image = self._keyframe_now(frame, grey, bgr)
            self.last_timing = FrameTiming(0.0, time.perf_counter() - t0, 0.0)
            return image
        pending: Future | None = self._pending
        if pending is not None and pending.done():
            self._key, self._pending = pending.result(), None
            self.keyframes += 1
            key = self._key
        if self._due() and self._pending is None:
            if self.concurrent:
                self._pending = self._pool.submit(self._make_key, frame.copy(), grey, bgr)
                self._since = 0
            else:
                image = self._keyframe_now(frame, grey, bgr)
                self.last_timing = FrameTiming(0.0, time.perf_counter() - t0, 0.0)
                return image
        # the fresh pass does not depend on the flow: with two cores it runs beside it
        fresh = self._fresh_pool.submit(self.cheap.stylize, frame, bgr=bgr) if self.concurrent else None
        image = self._reproject(key, frame, grey, bgr, fresh)
        self._since += 1
        self.last_timing = FrameTiming(0.0, time.perf_counter() - t0, 0.0)
        return image

    def _reproject(self, key: _Key, frame: np.ndarray, grey: np.ndarray, bgr: bool,
                   fresh: Future | None = None) -> np.ndarray:
        sh, sw = grey.shape
        backward, _, reliable = consistent_flow(self._dis, key.grey, grey, self._grid(sh, sw), photometric=24)
        mask = cv2.erode(reliable.astype(np.float32), np.ones((3, 3), np.uint8))
        self.last_coverage = float(mask.mean())
        h, w = frame.shape[:2]
        if (sh, sw) != (h, w):
            backward = cv2.multiply(cv2.resize(backward, (w, h), interpolation=cv2.INTER_LINEAR),
                                    (w / sw, h / sh, 0.0, 0.0))
            mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
        mask = (mask > 0.99).astype(np.float32)  # hard: where the flow is unsure, the fresh pass
        self.last_mask = mask > 0.5
        warped = cv2.remap(key.image, cv2.add(self._grid(h, w), backward), None, cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
        if mask.min() > 0.5:
            if fresh is not None:
                fresh.result()  # the cheap stylizer is not shared between threads: let it finish
            return warped
        fresh_image = fresh.result() if fresh is not None else self.cheap.stylize(frame, bgr=bgr)
        return cv2.blendLinear(warped, fresh_image, mask, cv2.subtract(1.0, mask))

    def close(self) -> None:
        """Stop the worker threads (waiting for the one at work)."""
        for pool in (self._pool, self._fresh_pool):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)


def keyframe_threads(threads: int | None) -> int:
    """onnxruntime threads for each of the two stylizers of a concurrent keyframe mode: half the
    cores each. Measured at 640x360, step 5, 1/4 scale, keyframes every 4 on 2 cores: 2 + 2
    threads (oversubscribed) 12.9 fps, p95 1.61x the mean; 1 + 1 threads 20.1 fps, p95 1.16x."""
    return max(1, (threads or os.cpu_count() or 2) // 2)


def cheap_scale(network_scale: float) -> float:
    """The fresh passes' network scale: half the keyframes' (guided-upsampled), at least MIN_SCALE."""
    return max(spec.MIN_SCALE, network_scale / 2)
