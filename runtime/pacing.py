"""``--target-fps``: dynamic resolution as games do it.

A :class:`FpsController` walks a ladder of (network scale, keyframe interval) levels, from the
dearest to the cheapest, on a smoothed frame time: one level cheaper when the frame time stays
above the budget, one level dearer only when it stays well below (hysteresis: different
thresholds up and down, a run of frames before each move, and a cooldown after it).
:class:`PacedStylizer` applies the chosen level to a :class:`~runtime.keyframes.KeyframeStylizer`
and records the levels chosen over time (for the overlay and ``--stats-json``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .engine import Engine, Style
from .frame_stylizer import FrameTiming
from .keyframes import KeyframeStylizer
from .metadata import ModelInfo

LADDER: tuple[tuple[float, int], ...] = (
    (1.0, 1), (0.75, 1), (0.5, 1), (0.5, 2), (0.375, 2), (0.25, 2), (0.25, 4), (0.1875, 4),
    (0.125, 4), (0.125, 8),
)
START = (0.25, 4)  # a full-size first frame costs seconds at step 5 on a CPU: start lower, climb
SLOWER_ABOVE = 1.05  # step cheaper when the smoothed frame time exceeds 1.05 x the budget
FASTER_BELOW = 0.65  # step dearer only below 0.65 x the budget (dearer levels cost ~1.5-2x)


@dataclass
class FpsController:
    """Pick a ladder level that holds ``target_fps``; ``update(seconds)`` after every frame."""

    target_fps: float
    ladder: tuple[tuple[float, int], ...] = LADDER
    level: int = 0
    patience: int = 5  # frames beyond a threshold before a move
    cooldown: int = 10  # frames after a move before the next
    smoothing: float = 0.3
    history: list[dict] = field(default_factory=list)
    _ema: float | None = None
    _over: int = 0
    _under: int = 0
    _wait: int = 0
    _frame: int = 0

    @property
    def budget(self) -> float:
        return 1.0 / self.target_fps

    @property
    def setting(self) -> tuple[float, int]:
        return self.ladder[self.level]

    def _cheaper_level(self, seconds: float) -> int:
        """The dearest cheaper level whose predicted time (cost ~ network scale^2 / interval) fits 0.9 x
        the budget; the cheapest when none does."""
        def model(level: int) -> float:
            network_scale, interval = self.ladder[level]
            return network_scale * network_scale / interval

        for level in range(self.level + 1, len(self.ladder)):
            if seconds * model(level) / model(self.level) <= 0.9 * self.budget:
                return level
        return len(self.ladder) - 1

    def update(self, seconds: float) -> bool:
        """Feed one frame's time; True when the level changed."""
        self._frame += 1
        self._ema = seconds if self._ema is None else self._ema + self.smoothing * (seconds - self._ema)
        if self._wait > 0:
            self._wait -= 1
            return False
        ratio = self._ema / self.budget
        self._over = self._over + 1 if ratio > SLOWER_ABOVE else 0
        self._under = self._under + 1 if ratio < FASTER_BELOW else 0
        move = 0
        far = ratio > 2.0  # far over budget (a start at full size, a bigger frame): jump at once
        if (self._over >= self.patience or (far and self._over >= 2)) and self.level < len(self.ladder) - 1:
            move = self._cheaper_level(self._ema) - self.level if far else 1
        elif self._under >= 2 * self.patience and self.level > 0:
            move = -1
        if not move:
            return False
        self.level += move
        self._over = self._under = 0
        self._wait = self.cooldown
        self._ema = None  # the new level's cost is measured afresh
        network_scale, interval = self.setting
        self.history.append({"frame": self._frame, "scale": network_scale, "keyframe_interval": interval})
        return True


class PacedStylizer:
    """A frame stylizer: a :class:`~runtime.keyframes.KeyframeStylizer` whose network scale and
    keyframe interval follow an :class:`FpsController`."""

    def __init__(self, keyframes: KeyframeStylizer, target_fps: float,
                 ladder: tuple[tuple[float, int], ...] = LADDER, start: tuple[float, int] = START) -> None:
        self.inner = keyframes
        level = ladder.index(start) if start in ladder else 0
        self.controller = FpsController(target_fps, ladder, level=level)
        self._apply()
        network_scale, interval = self.controller.setting
        self.controller.history.append({"frame": 0, "scale": network_scale, "keyframe_interval": interval})

    def _apply(self) -> None:
        self.inner.network_scale, self.inner.interval = self.controller.setting

    @property
    def pacing_text(self) -> str:
        network_scale, interval = self.controller.setting
        target = self.controller.target_fps
        return f"target {target:g} fps: scale {network_scale:g}, keyframe every {interval}"

    @property
    def pacing_history(self) -> list[dict]:
        return self.controller.history

    # --- what the player reads and sets: the keyframe stylizer's ------------------------------
    @property
    def last_timing(self) -> FrameTiming:
        return self.inner.last_timing

    @property
    def info(self) -> ModelInfo:
        return self.inner.info

    @property
    def engine(self) -> Engine:
        return self.inner.engine

    @property
    def steps(self) -> list[int]:
        return self.inner.steps

    @property
    def step(self) -> int:
        return self.inner.step

    @step.setter
    def step(self, value: int) -> None:
        self.inner.step = value

    @property
    def style(self) -> Style | None:
        return self.inner.style

    @style.setter
    def style(self, style: Style) -> None:
        self.inner.style = style

    @property
    def temporal_mode(self) -> str:
        return self.inner.temporal_mode

    def set_temporal(self, mode: str, weight: float | None = None) -> None:
        self.inner.set_temporal(mode, weight)

    def encode_style(self, image: np.ndarray | str | Path, *, bgr: bool = False, name: str | None = None
                     ) -> Style:
        return self.inner.encode_style(image, bgr=bgr, name=name)

    def set_style(self, image: np.ndarray | str | Path, *, bgr: bool = False) -> Style:
        return self.inner.set_style(image, bgr=bgr)

    def warm_up(self, height: int, width: int, runs: int = 2) -> None:
        self.inner.warm_up(height, width, runs)

    def close(self) -> None:
        self.inner.close()

    def stylize(self, frame: np.ndarray, *, bgr: bool = False) -> np.ndarray:
        t0 = time.perf_counter()
        image = self.inner.stylize(frame, bgr=bgr)
        if self.controller.update(time.perf_counter() - t0):
            self._apply()
        return image
