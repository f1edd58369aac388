"""The --target-fps controller on a simulated cost model."""

from __future__ import annotations

import numpy as np
from rlministyler.runtime.pacing import LADDER, FpsController


def _cost(scale: float, interval: int, rng: np.random.Generator) -> float:
    """Seconds a frame: network ~0.9 s x scale^2 amortised over the interval, 10 ms fixed, noise."""
    return (0.9 * scale**2 / interval + 0.010) * float(rng.uniform(0.9, 1.1))


def _run(target: float, frames: int, seed: int = 0) -> FpsController:
    rng = np.random.default_rng(seed)
    c = FpsController(target)
    for _ in range(frames):
        c.update(_cost(*c.setting, rng))
    return c


def test_settles_on_a_level_that_holds_the_target():
    c = _run(30.0, 600)
    last = c.history[-1]["frame"]
    assert last < 400, c.history  # settled: no moves in the last third
    scale, interval = c.setting
    assert 0.9 * 0.9 * scale**2 / interval + 0.010 <= 1.1 / 30  # holds ~30 fps
    # and not needlessly cheap: the next dearer level would miss the budget
    dearer = LADDER[c.level - 1]
    assert 0.9 * dearer[0] ** 2 / dearer[1] + 0.010 > 0.65 / 30


def test_no_oscillation_and_goes_back_up_when_load_drops():
    rng = np.random.default_rng(1)
    c = FpsController(10.0)
    for _ in range(300):  # heavy load: 3x the cost
        c.update(3 * _cost(*c.setting, rng))
    heavy = c.level
    moves = len(c.history)
    for _ in range(300):
        c.update(_cost(*c.setting, rng))
    assert c.level < heavy  # dearer again once there is headroom
    assert len(c.history) - moves <= 4  # a few steps, not a flip-flop


def test_easy_target_keeps_full_quality():
    c = _run(0.5, 200)
    assert c.level == 0 and c.history == []
