"""The one interface the player, ``run`` and the benchmarks drive: a frame stylizer. The
:class:`~runtime.stylizer.Stylizer` is one; the real-time modes (:mod:`runtime.keyframes`,
:mod:`runtime.pacing`) wrap one and are frame stylizers themselves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .engine import Engine, Style
from .metadata import ModelInfo


@dataclass
class FrameTiming:
    """Seconds spent on one frame: pre-processing, inference, post-processing (incl. temporal)."""

    pre: float = 0.0
    infer: float = 0.0
    post: float = 0.0

    @property
    def total(self) -> float:
        return self.pre + self.infer + self.post


class FrameStylizer(Protocol):
    """Stylises HxWx3 uint8 frames at a step with a style; what the player reads and sets."""

    last_timing: FrameTiming  # the last frame's

    @property
    def info(self) -> ModelInfo: ...

    @property
    def engine(self) -> Engine:
        """What runs the network (the overlay shows its label, ``run`` its description)."""

    @property
    def steps(self) -> list[int]: ...

    @property
    def step(self) -> int: ...

    @step.setter
    def step(self, value: int) -> None: ...

    @property
    def style(self) -> Style | None: ...

    @style.setter
    def style(self, style: Style) -> None: ...

    @property
    def temporal_mode(self) -> str: ...

    @property
    def pacing_text(self) -> str | None:
        """A line for the overlay when the mode adapts itself (``--target-fps``), else None."""

    @property
    def pacing_history(self) -> list[dict] | None:
        """The levels chosen over time (``--target-fps``), else None."""

    def encode_style(self, image: np.ndarray | str | Path, *, bgr: bool = False, name: str | None = None
                     ) -> Style: ...

    def set_style(self, image: np.ndarray | str | Path, *, bgr: bool = False) -> Style: ...

    def set_temporal(self, mode: str, weight: float | None = None) -> None: ...

    def stylize(self, frame: np.ndarray, *, bgr: bool = False) -> np.ndarray: ...

    def warm_up(self, height: int, width: int, runs: int = 2) -> None: ...

    def close(self) -> None:
        """Stop any worker threads."""
