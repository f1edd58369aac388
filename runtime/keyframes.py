"""Keyframes and reprojection: the network on every Nth frame, the frames between reprojected.

An in-between frame is the last keyframe's stylisation warped along the optical flow of the
*input* from the keyframe to the current frame (one warp, never chained), and every pixel where
that flow is inconsistent (forward-backward check, photometric check, source outside the frame:
occlusions, things entering) comes from a cheap fresh pass of the current frame (the network at a
lower scale, guided-upsampled), so nothing ghosts. A scene cut forces a keyframe. With
``concurrent=True`` the keyframe's inference runs in a worker thread while the frames after it
are still reprojected from the previous keyframe, so frame times stay even; the new keyframe is
taken up as soon as it is ready (its flow is still measured from its own input frame), and each
in-between frame's fresh pass runs in a second worker while the flow is computed.

``interval="auto"`` starts a keyframe when the consistent fraction drops below
``AUTO_COVERAGE`` or ``AUTO_MAX_INTERVAL`` frames have passed.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np

from .temporal import FLOW_WIDTH, TemporalFilter, _small_grey, consistent_flow

AUTO_COVERAGE = 0.85  # auto: a new keyframe when less than this fraction of pixels is reprojectable
AUTO_MAX_INTERVAL = 8


@dataclass
class _Key:
    grey: np.ndarray  # the keyframe's input, small grey (flow resolution)
    image: np.ndarray  # its stylisation, uint8, frame size


def parse_interval(text: str | int) -> int | str:
    """``N`` (1 = every frame) or ``auto``."""
    if isinstance(text, int) or str(text).isdigit():
        value = int(text)
        if value < 1:
            raise ValueError("--keyframe-interval must be at least 1")
        return value
    if str(text).lower() == "auto":
        return "auto"
    raise ValueError(f"--keyframe-interval: a whole number or 'auto', got {text!r}")


class KeyframeStylizer:
    """Wrap a stylizer (``full``) and a cheaper one (``cheap``, same step and style) into one with
    the same ``stylize(frame, bgr=)`` and ``last_timing``; other attributes are the full one's."""

    def __init__(self, full, cheap, interval: int | str = 4, *, concurrent: bool = True,
                 flow_width: int = FLOW_WIDTH) -> None:
        self.__dict__.update(full=full, cheap=cheap, interval=interval, concurrent=concurrent,
                             flow_width=flow_width)
        self.__dict__.update(_dis=cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST),
                             _cut=TemporalFilter(), _key=None, _pending=None, _since=0,
                             _pool=ThreadPoolExecutor(1, thread_name_prefix="keyframe")
                             if concurrent else None,
                             _fresh_pool=ThreadPoolExecutor(1, thread_name_prefix="fresh")
                             if concurrent else None,
                             keyframes=0, cuts=0, last_was_keyframe=False, last_coverage=0.0,
                             last_mask=None, last_timing=None)

    # attributes the player reads and sets go to the full stylizer (and the cheap one follows)
    def __getattr__(self, name: str):
        return getattr(self.__dict__["full"], name)

    def __setattr__(self, name: str, value) -> None:
        if name in ("step", "style"):
            setattr(self.full, name, value)
            setattr(self.cheap, name, value)
            self.__dict__["_key"] = None  # a new look: start from a fresh keyframe
        elif name in self.__dict__:
            self.__dict__[name] = value
        else:
            setattr(self.full, name, value)

    def set_temporal(self, mode: str, weight: float | None = None) -> None:
        self.full.set_temporal(mode, weight)

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
        self.__dict__.update(_key=_Key(grey, image), _since=1, last_was_keyframe=True, last_coverage=1.0,
                             keyframes=self.keyframes + 1)
        return image

    def stylize(self, frame: np.ndarray, *, bgr: bool = False) -> np.ndarray:
        """The next frame: a keyframe, or the reprojected keyframe filled in by the cheap pass."""
        from .stylizer import FrameTiming

        t0 = time.perf_counter()
        grey = _small_grey(frame, self.flow_width)
        self.__dict__["last_was_keyframe"] = False
        key = self._key
        cut = key is not None and (key.image.shape != frame.shape or self._cut._is_cut(grey))
        self._cut._prev_grey = grey  # cuts are judged between consecutive inputs
        if cut:
            self.__dict__["cuts"] = self.cuts + 1
        if key is None or cut or self.interval == 1:
            if self._pending is not None:  # the full stylizer is not shared between threads
                self._pending.result()
                self.__dict__["_pending"] = None
            image = self._keyframe_now(frame, grey, bgr)
            self.__dict__["last_timing"] = FrameTiming(0.0, time.perf_counter() - t0, 0.0)
            return image
        pending: Future | None = self._pending
        if pending is not None and pending.done():
            self.__dict__.update(_key=pending.result(), _pending=None, keyframes=self.keyframes + 1)
            key = self._key
        if self._due() and self._pending is None:
            if self.concurrent:
                self.__dict__["_pending"] = self._pool.submit(self._make_key, frame.copy(), grey, bgr)
                self.__dict__["_since"] = 0
            else:
                image = self._keyframe_now(frame, grey, bgr)
                self.__dict__["last_timing"] = FrameTiming(0.0, time.perf_counter() - t0, 0.0)
                return image
        # the fresh pass does not depend on the flow: with two cores it runs beside it
        fresh = self._fresh_pool.submit(self.cheap.stylize, frame, bgr=bgr) if self.concurrent else None
        image = self._reproject(key, frame, grey, bgr, fresh)
        self.__dict__["_since"] = self._since + 1
        self.__dict__["last_timing"] = FrameTiming(0.0, time.perf_counter() - t0, 0.0)
        return image

    def _reproject(self, key: _Key, frame: np.ndarray, grey: np.ndarray, bgr: bool,
                   fresh: Future | None = None) -> np.ndarray:
        sh, sw = grey.shape
        backward, _, reliable = consistent_flow(self._dis, key.grey, grey, self._grid(sh, sw), photometric=24)
        mask = cv2.erode(reliable.astype(np.float32), np.ones((3, 3), np.uint8))
        self.__dict__["last_coverage"] = float(mask.mean())
        h, w = frame.shape[:2]
        if (sh, sw) != (h, w):
            backward = cv2.multiply(cv2.resize(backward, (w, h), interpolation=cv2.INTER_LINEAR),
                                    (w / sw, h / sh, 0.0, 0.0))
            mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
        mask = (mask > 0.99).astype(np.float32)  # hard: where the flow is unsure, the fresh pass
        self.__dict__["last_mask"] = mask > 0.5
        warped = cv2.remap(key.image, cv2.add(self._grid(h, w), backward), None, cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
        if mask.min() > 0.5:
            if fresh is not None:
                fresh.result()  # the cheap stylizer is not shared between threads: let it finish
            return warped
        fresh_image = fresh.result() if fresh is not None else self.cheap.stylize(frame, bgr=bgr)
        return cv2.blendLinear(warped, fresh_image, mask, cv2.subtract(1.0, mask))

    def close(self) -> None:
        for pool in (self._pool, self._fresh_pool):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)


def keyframe_threads(threads: int | None) -> int:
    """onnxruntime threads for each of the two stylizers of a concurrent keyframe mode: half the
    cores each. Measured at 640x360, step 5, 1/4 scale, keyframes every 4 on 2 cores: 2 + 2
    threads (oversubscribed) 12.9 fps, p95 1.61x the mean; 1 + 1 threads 20.1 fps, p95 1.16x."""
    import os

    return max(1, (threads or os.cpu_count() or 2) // 2)


def with_keyframes(full, interval: int | str, make_cheap, target_fps: float | None = None):
    """``full`` itself for interval 1 (and no target); else a :class:`KeyframeStylizer` whose cheap
    pass is ``make_cheap(scale)`` at half the full pass's scale (guided-upsampled), paced by a
    :class:`~runtime.pacing.PacedStylizer` when ``target_fps`` is given."""
    if interval == 1 and not target_fps:
        return full
    keyframes = KeyframeStylizer(full, make_cheap(max(0.05, full.scale / 2)), interval)
    if target_fps:
        from .pacing import PacedStylizer

        return PacedStylizer(keyframes, target_fps)
    return keyframes
