"""Varied training pairs for distillation: the teacher labels any input, so the student may see more
than the photo/painting pairs of the training split.

With 32 photos and 28 paintings to learn from, the first runs' training L1 halved while the held-out
PSNR stayed flat, which looked like overfitting (measured later, it was not: the student gains less
on its training pairs than on held-out ones; docs/distill.md). :class:`VariedPairSource` is kept
(the run using it, with the moving average, gained slowly and steadily; its own share is not
measured apart). It widens what each draw can be, from the same
training files only (the held-out ones never enter): contents come from the photos *and* the
paintings, every image is resized to a random side in ``[0.75, 1.25] x load_size`` before the crop
(stroke and detail sizes vary), flipped left-right at random, and styles are hue-rotated at random
half of the time (new palettes with the same strokes). Draws are seeded and saved like
:class:`PairSource`'s, so a resumed run sees the same pairs.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
from rlministyler.training.train.data import PairSource, load_resized, to_chw
from torch import Tensor

SCALE_RANGE = (0.75, 1.25)  # of load_size
HUE_PROBABILITY = 0.5


class VariedTask(NamedTuple):
    content: int
    style: int
    content_yx: tuple[int, int]
    style_yx: tuple[int, int]
    content_side: int
    style_side: int
    content_flip: bool
    style_flip: bool
    style_hue: float  # degrees; 0: as painted


def rotate_hue(rgb: np.ndarray, degrees: float) -> np.ndarray:
    """``rgb`` (float32 in [0, 1]) with its hue turned by ``degrees``."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + degrees) % 360.0
    return np.clip(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB), 0.0, 1.0)


class VariedPairSource(PairSource):
    """:class:`PairSource` with paintings as contents too, random scale, flips and style hue."""

    def __init__(self, contents: list[Path], styles: list[Path], size: int, load_size: int,
                 seed: int, workers: int = 2) -> None:
        super().__init__([*contents, *styles], styles, size, load_size, seed, workers)
        self.sides = tuple(max(size, round(f * load_size)) for f in SCALE_RANGE)

    def _draw(self) -> VariedTask:
        while True:
            ci = int(self.rng.integers(len(self.contents)))
            si = int(self.rng.integers(len(self.styles)))
            sides = self.rng.integers(self.sides[0], self.sides[1] + 1, size=2)
            yx = [int(self.rng.integers(int(side) - self.size + 1)) for side in sides for _ in range(2)]
            flips = self.rng.random(2) < 0.5
            hue = float(self.rng.uniform(0.0, 360.0)) if self.rng.random() < HUE_PROBABILITY else 0.0
            if ("content", ci) not in self.bad and ("style", si) not in self.bad:
                return VariedTask(ci, si, (yx[0], yx[1]), (yx[2], yx[3]), int(sides[0]), int(sides[1]),
                                  bool(flips[0]), bool(flips[1]), hue)

    def _load(self, task: VariedTask) -> tuple[Tensor | None, Tensor | None]:
        s = self.size
        out = []
        for path, (y, x), side, flip, hue in (
                (self.contents[task.content], task.content_yx, task.content_side, task.content_flip, 0.0),
                (self.styles[task.style], task.style_yx, task.style_side, task.style_flip, task.style_hue)):
            rgb = load_resized(path, side)
            if rgb is None:
                out.append(None)
                continue
            crop = rgb[y:y + s, x:x + s]
            if flip:
                crop = crop[:, ::-1]
            if hue:
                crop = rotate_hue(np.ascontiguousarray(crop), hue)
            out.append(to_chw(crop))
        return out[0], out[1]

    @staticmethod
    def _restore_task(t: list) -> VariedTask:
        return VariedTask(int(t[0]), int(t[1]), tuple(t[2]), tuple(t[3]), int(t[4]), int(t[5]),
                          bool(t[6]), bool(t[7]), float(t[8]))
