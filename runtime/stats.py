"""Frame-rate measurement: a rolling fps for the overlay and per-stage latency statistics."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .frame_stylizer import FrameTiming

STAGES = ("pre", "infer", "post", "total")


class FpsMeter:
    """Frames per second over the last ``window`` frames (what the overlay shows)."""

    def __init__(self, window: int = 30) -> None:
        self.times: deque[float] = deque(maxlen=window)

    def tick(self, now: float | None = None) -> None:
        self.times.append(time.perf_counter() if now is None else now)

    @property
    def fps(self) -> float:
        if len(self.times) < 2:
            return 0.0
        span = self.times[-1] - self.times[0]
        return (len(self.times) - 1) / span if span > 0 else 0.0


@dataclass
class LatencyStats:
    """Per-frame seconds for each stage, and the wall-clock span of the run."""

    pre: list[float] = field(default_factory=list)
    infer: list[float] = field(default_factory=list)
    post: list[float] = field(default_factory=list)
    start: float | None = None
    end: float | None = None

    def add(self, timing: FrameTiming) -> None:
        now = time.perf_counter()
        if self.start is None:
            self.start = now - timing.total
        self.end = now
        self.pre.append(timing.pre)
        self.infer.append(timing.infer)
        self.post.append(timing.post)

    @property
    def frames(self) -> int:
        return len(self.infer)

    @property
    def wall(self) -> float:
        return (self.end - self.start) if self.start is not None and self.end is not None else 0.0

    @property
    def mean_fps(self) -> float:
        return self.frames / self.wall if self.wall > 0 else 0.0

    def stage(self, name: str) -> np.ndarray:
        if name == "total":
            return np.add(np.add(self.pre, self.infer), self.post)
        return np.asarray(getattr(self, name), dtype=np.float64)

    def summary(self) -> dict:
        """{'frames', 'seconds', 'mean_fps', stage: {'mean','p50','p95','max'} in ms}."""
        out: dict = {"frames": self.frames, "seconds": round(self.wall, 4),
                     "mean_fps": round(self.mean_fps, 3)}
        for name in STAGES:
            values = self.stage(name) * 1000.0
            if values.size:
                out[name] = {"mean": float(values.mean()), "p50": float(np.percentile(values, 50)),
                             "p95": float(np.percentile(values, 95)), "max": float(values.max())}
        return out

    def report(self) -> str:
        """Two lines: frames and mean fps, then p50 / p95 / max per stage in milliseconds."""
        if not self.frames:
            return "no frames processed"
        s = self.summary()
        head = f"{self.frames} frames in {self.wall:.2f} s: {self.mean_fps:.1f} fps"
        parts = [f"{name} {s[name]['p50']:.1f} / {s[name]['p95']:.1f} / {s[name]['max']:.1f}"
                 for name in STAGES]
        return head + "\nper frame p50 / p95 / max ms: " + ", ".join(parts)
