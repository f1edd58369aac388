"""Temporal smoothing of stylised video: fewer flickering brush strokes from frame to frame.

Both filters work on uint8 BGR or RGB frames (the channel order does not matter to them) with
OpenCV's SIMD kernels throughout (``flow`` costs ~13 ms at 640x360 and ~50 ms at 1080p on a
2-core CPU; ``ema`` 1 and 5 ms).

- ``ema``: blend the new output with the previous one. Cheap; moving objects leave a faint trail.
- ``flow``: warp the previous output along the optical flow of the *input* frames (OpenCV DIS,
  computed at a reduced resolution), blend only where forward and backward flow agree and the
  warped input matches, and take the new output elsewhere (occlusions, things entering the frame).

Both start afresh on a scene cut (a large change between consecutive input frames).
"""

from __future__ import annotations

import cv2
import numpy as np

from rlministyler import spec

CUT_THRESHOLD = 40.0  # mean absolute grey-level change (0..255) between inputs that counts as a cut
CUT_CORRELATION = 0.4  # ... or a correlation of blurred 32-pixel-wide thumbnails below this
FLOW_WIDTH = 320  # flow is computed at this width at most; it is smooth, and 1080p flow is slow


def _small_grey(frame: np.ndarray, width: int) -> np.ndarray:
    h, w = frame.shape[:2]
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    if w <= width:
        return grey
    return cv2.resize(grey, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def _thumbnail(grey: np.ndarray) -> np.ndarray:
    h, w = grey.shape
    small = cv2.resize(grey, (32, max(1, round(32 * h / w))), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small.astype(np.float32), (3, 3), 0)


def consistent_flow(dis, prev_grey: np.ndarray, grey: np.ndarray, grid: np.ndarray, photometric: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flow from ``grey`` back to ``prev_grey`` and where to trust it.

    Returns the backward flow, the sampling maps (``grid`` + flow, for ``cv2.remap``) and a
    boolean mask of pixels whose forward-backward round trip comes back home (Sundaram et al.
    2010), whose warped previous grey level is within ``photometric`` of the current one, and
    whose source lies inside the frame. ``dis`` is an OpenCV DIS optical-flow object.
    """
    h, w = grey.shape
    backward = dis.calc(grey, prev_grey, None)
    forward = dis.calc(prev_grey, grey, None)
    maps = cv2.add(grid, backward)
    fwd_at = cv2.remap(forward, maps, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    round_trip = np.square(backward + fwd_at).sum(axis=2)
    motion = np.square(backward).sum(axis=2) + np.square(fwd_at).sum(axis=2)
    consistent = round_trip <= 0.01 * motion + 0.5
    warped = cv2.remap(prev_grey, maps, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    matches = cv2.absdiff(warped, grey) < photometric
    map_x, map_y = maps[..., 0], maps[..., 1]
    inside = (map_x >= 0) & (map_x <= w - 1) & (map_y >= 0) & (map_y <= h - 1)
    return backward, maps, consistent & matches & inside


class TemporalFilter:
    """Base: holds the previous output and detects cuts. ``__call__(source, stylized) -> uint8``."""

    mode = "off"

    def __init__(self, weight: float = spec.TEMPORAL_WEIGHT) -> None:
        if not 0.0 <= weight < 1.0:
            raise ValueError(f"temporal weight must be in [0, 1), got {weight}")
        self.weight = weight
        self.resets = 0
        self.reset()

    def reset(self) -> None:
        self._prev_out: np.ndarray | None = None
        self._prev_grey: np.ndarray | None = None

    def _is_cut(self, grey: np.ndarray) -> bool:
        prev = self._prev_grey
        if prev is None or prev.shape != grey.shape:
            return True
        if float(cv2.absdiff(prev, grey).mean()) > CUT_THRESHOLD:
            return True
        # a cut between shots of similar brightness: the thumbnails stop being correlated
        a, b = _thumbnail(prev), _thumbnail(grey)
        a, b = a - a.mean(), b - b.mean()
        denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
        return denom > 0 and float((a * b).sum()) / denom < CUT_CORRELATION

    def _start(self, grey: np.ndarray, stylized: np.ndarray) -> np.ndarray:
        if self._prev_out is not None:
            self.resets += 1
        self._prev_grey = grey
        self._prev_out = stylized
        return stylized

    def __call__(self, source: np.ndarray, stylized: np.ndarray) -> np.ndarray:
        return stylized


class EmaFilter(TemporalFilter):
    """Exponential moving average: ``out = weight * previous + (1 - weight) * new``."""

    mode = "ema"

    def __call__(self, source: np.ndarray, stylized: np.ndarray) -> np.ndarray:
        grey = _small_grey(source, FLOW_WIDTH)
        if self._is_cut(grey) or self._prev_out is None or self._prev_out.shape != stylized.shape:
            return self._start(grey, stylized)
        self._prev_grey = grey
        self._prev_out = cv2.addWeighted(self._prev_out, self.weight, stylized, 1.0 - self.weight, 0.0)
        return self._prev_out


class FlowFilter(TemporalFilter):
    """Blend with the previous output warped by the input's optical flow, where the flow is reliable."""

    mode = "flow"

    def __init__(self, weight: float = spec.TEMPORAL_WEIGHT, flow_width: int = FLOW_WIDTH) -> None:
        super().__init__(weight)
        self.flow_width = flow_width
        self._dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        self._grids: dict[tuple[int, int], np.ndarray] = {}
        self.last_coverage = 0.0  # fraction of pixels blended in the last frame

    def _grid(self, h: int, w: int) -> np.ndarray:
        """(h, w, 2) float32 pixel coordinates (x, y), made once per size."""
        if (h, w) not in self._grids:
            if len(self._grids) > 4:
                self._grids.clear()
            xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
            self._grids[(h, w)] = np.dstack([xs, ys])
        return self._grids[(h, w)]

    def reliable(self, prev_grey: np.ndarray, grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Backward flow (current -> previous, in pixels of ``grey``) and a 0..1 confidence map."""
        backward, _, reliable = consistent_flow(self._dis, prev_grey, grey,
                                                self._grid(*grey.shape), photometric=24)
        mask = reliable.astype(np.float32)
        # soften the edges of the mask so the blend leaves no seams; shrink it a little first
        mask = cv2.erode(mask, np.ones((3, 3), np.uint8))
        return backward, cv2.GaussianBlur(mask, (5, 5), 0)

    def __call__(self, source: np.ndarray, stylized: np.ndarray) -> np.ndarray:
        grey = _small_grey(source, self.flow_width)
        prev_grey = self._prev_grey
        if self._is_cut(grey) or self._prev_out is None or self._prev_out.shape != stylized.shape:
            self.last_coverage = 0.0
            return self._start(grey, stylized)
        backward, mask = self.reliable(prev_grey, grey)
        self._prev_grey = grey
        self.last_coverage = float(mask.mean())
        h, w = stylized.shape[:2]
        sh, sw = grey.shape
        if (sh, sw) != (h, w):
            backward = cv2.multiply(cv2.resize(backward, (w, h), interpolation=cv2.INTER_LINEAR),
                                    (w / sw, h / sh, 0.0, 0.0))
            mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
        maps = cv2.add(self._grid(h, w), backward)
        warped = cv2.remap(self._prev_out, maps, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        keep = cv2.multiply(mask, self.weight)
        self._prev_out = cv2.blendLinear(warped, stylized, keep, cv2.subtract(1.0, keep))
        return self._prev_out


def make_filter(mode: str, weight: float = spec.TEMPORAL_WEIGHT) -> TemporalFilter:
    """``off``, ``ema`` or ``flow``."""
    if mode == "ema":
        return EmaFilter(weight)
    if mode == "flow":
        return FlowFilter(weight)
    if mode == "off":
        return TemporalFilter(weight)
    raise ValueError(f"unknown temporal mode {mode!r}: use one of {', '.join(spec.TEMPORAL_MODES)}")
