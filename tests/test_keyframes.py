"""Keyframes + reprojection on a synthetic translating scene, with stand-in stylizers."""

from __future__ import annotations

import numpy as np
import pytest
from rlministyler.runtime.frame_stylizer import FrameTiming
from rlministyler.runtime.keyframes import KeyframeStylizer

from rlministyler.spec import parse_keyframe_interval

W, H, SHIFT = 160, 96, 3


class Invert:
    """A stand-in 'network': 255 - frame (pointwise, so a warped keyframe equals a fresh pass)."""

    def __init__(self, value: int | None = None) -> None:
        self.value, self.calls, self.step, self.style = value, 0, 1, None
        self.last_timing = FrameTiming()

    def stylize(self, frame: np.ndarray, *, bgr: bool = False) -> np.ndarray:
        self.calls += 1
        return np.full_like(frame, self.value) if self.value is not None else 255 - frame


def _world(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (H // 8, (W + 64) // 8, 3), dtype=np.uint8)
    import cv2

    return cv2.GaussianBlur(cv2.resize(base, (W + 64, H), interpolation=cv2.INTER_CUBIC), (5, 5), 0)


def _frame(world: np.ndarray, k: int) -> np.ndarray:
    """The camera pans left: the scene moves right by SHIFT px a frame, new content enters at x=0."""
    x0 = 64 - k * SHIFT
    return np.ascontiguousarray(world[:, x0:x0 + W])


def test_in_between_frames_are_the_warped_keyframe_and_fresh_at_disocclusions():
    world = _world()
    full, cheap = Invert(), Invert(value=7)
    ks = KeyframeStylizer(full, cheap, interval=4, concurrent=False)
    first = _frame(world, 0)
    assert np.array_equal(ks.stylize(first), 255 - first) and ks.last_was_keyframe
    for k in (1, 2, 3):
        frame = _frame(world, k)
        out = ks.stylize(frame).astype(int)
        assert not ks.last_was_keyframe and full.calls == 1
        mask = ks.last_mask
        interior = mask.copy()
        interior[:, : k * SHIFT + 8] = False  # away from the entering strip
        interior[:4], interior[-4:], interior[:, -4:] = False, False, False
        assert interior.mean() > 0.6
        assert np.abs(out - (255 - frame.astype(int)))[interior].mean() < 3  # the warped keyframe
        entering = np.zeros_like(mask)
        entering[:, : k * SHIFT] = True
        assert not mask[entering].any()  # nothing warped from outside the keyframe
        assert (out[entering] == 7).all()  # the fresh pass where the flow has no source
    ks.stylize(_frame(world, 4))
    assert ks.last_was_keyframe and full.calls == 2  # every 4th frame


def test_a_cut_forces_a_keyframe():
    full, cheap = Invert(), Invert(value=7)
    ks = KeyframeStylizer(full, cheap, interval=100, concurrent=False)
    world = _world(0)
    ks.stylize(_frame(world, 0))
    ks.stylize(_frame(world, 1))
    assert full.calls == 1
    other = _frame(_world(5), 0)
    assert np.array_equal(ks.stylize(other), 255 - other)
    assert ks.last_was_keyframe and ks.cuts == 1 and full.calls == 2


def test_concurrent_keyframes_are_taken_up():
    full, cheap = Invert(), Invert(value=7)
    ks = KeyframeStylizer(full, cheap, interval=2, concurrent=True)
    world = _world()
    for k in range(8):
        ks.stylize(_frame(world, k))
    ks.close()
    assert ks.keyframes >= 3 and full.calls >= 3


def test_the_fresh_pass_beside_the_flow_gives_the_serial_result():
    world = _world()
    runs = []
    for concurrent in (False, True):
        full, cheap = Invert(), Invert(value=7)
        ks = KeyframeStylizer(full, cheap, interval=100, concurrent=concurrent)
        runs.append([ks.stylize(_frame(world, k)) for k in range(5)])
        ks.close()
        assert full.calls == 1 and cheap.calls == 4  # one keyframe, a fresh pass for each frame after
    for serial, concurrent in zip(*runs, strict=True):
        assert np.array_equal(serial, concurrent)


def test_step_and_style_go_to_both_stylizers():
    full, cheap = Invert(), Invert(value=7)
    ks = KeyframeStylizer(full, cheap, interval=2, concurrent=False)
    ks.step = 3
    assert full.step == cheap.step == 3 and ks.step == 3


def test_parse_interval():
    assert parse_keyframe_interval("4") == 4 and parse_keyframe_interval("auto") == "auto"
    with pytest.raises(ValueError):
        parse_keyframe_interval("0")


def test_every_mode_is_a_frame_stylizer():
    """The plain stylizer and the real-time modes offer all the player reads and sets."""
    from rlministyler.runtime.frame_stylizer import FrameStylizer
    from rlministyler.runtime.pacing import PacedStylizer
    from rlministyler.runtime.stylizer import Stylizer

    members = {name for name in vars(FrameStylizer) if not name.startswith("_")} - {"last_timing"}
    assert {"stylize", "step", "style", "steps", "info", "engine", "pacing_history"} <= members
    for cls in (Stylizer, KeyframeStylizer, PacedStylizer):
        assert members <= set(dir(cls)), (cls.__name__, members - set(dir(cls)))
    ks = KeyframeStylizer(Invert(), Invert(value=7), interval=2, concurrent=False)
    paced = PacedStylizer(ks, 30.0)
    assert isinstance(ks.last_timing, FrameTiming) and paced.last_timing is ks.last_timing
    assert ks.pacing_history is None and paced.pacing_history[0]["frame"] == 0

