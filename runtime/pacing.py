"""``--target-fps``: dynamic resolution as games do it.

A :class:`FpsController` walks a ladder of (internal scale, keyframe interval) levels, from the
dearest to the cheapest, on a smoothed frame time: one level cheaper when the frame time stays
above the budget, one level dearer only when it stays well below (hysteresis: different
thresholds up and down, a run of frames before each move, and a cooldown after it).
:class:`PacedStylizer` applies the chosen level to a :class:`~runtime.keyframes.KeyframeStylizer`
and records the levels chosen over time (for the overlay and ``--stats-json``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

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
        """The dearest cheaper level whose predicted time (cost ~ scale^2 / interval) fits 0.9 x
        the budget; the cheapest when none does."""
        def model(level: int) -> float:
            scale, interval = self.ladder[level]
            return scale * scale / interval

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
        scale, interval = self.setting
        self.history.append({"frame": self._frame, "scale": scale, "keyframe_interval": interval})
        return True


class PacedStylizer:
    """A keyframe stylizer whose scale and interval follow an :class:`FpsController`."""

    def __init__(self, keyframes, target_fps: float, ladder: tuple[tuple[float, int], ...] = LADDER,
                 start: tuple[float, int] = START) -> None:
        controller = FpsController(target_fps, ladder, level=ladder.index(start) if start in ladder else 0)
        self.__dict__.update(inner=keyframes, controller=controller)
        self._apply()
        self.controller.history.append({"frame": 0, "scale": self.controller.setting[0],
                                        "keyframe_interval": self.controller.setting[1]})

    def __getattr__(self, name: str):
        return getattr(self.__dict__["inner"], name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self.inner, name, value)

    def _apply(self) -> None:
        scale, interval = self.controller.setting
        inner = self.inner
        inner.full.scale = scale
        inner.cheap.scale = max(0.05, scale / 2)
        inner.__dict__["interval"] = interval

    @property
    def pacing_text(self) -> str:
        scale, interval = self.controller.setting
        return f"target {self.controller.target_fps:g} fps: scale {scale:g}, keyframe every {interval}"

    @property
    def pacing_history(self) -> list[dict]:
        return self.controller.history

    def stylize(self, frame, *, bgr: bool = False):
        t0 = time.perf_counter()
        image = self.inner.stylize(frame, bgr=bgr)
        if self.controller.update(time.perf_counter() - t0):
            self._apply()
        return image
