"""Temporal smoothing: less flicker on still and moving scenes, no ghosting across motion or cuts."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest
from rlministyler.runtime.temporal import EmaFilter, FlowFilter, make_filter


def texture(seed: int, h: int = 120, w: int = 160) -> np.ndarray:
    """A smooth random colour texture with structure at several scales (flow needs some)."""
    rng = np.random.default_rng(seed)
    out = np.zeros((h, w, 3), np.float32)
    for cells in (4, 12, 30):
        noise = rng.random((cells, cells * w // h, 3)).astype(np.float32)
        out += cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
    out -= out.min()
    return (255 * out / out.max()).astype(np.uint8)


def fake_style(frame: np.ndarray, rng: np.random.Generator, flicker: float = 12.0) -> np.ndarray:
    """A per-pixel 'stylisation' plus independent noise each frame: the flicker to remove."""
    styled = 255 - frame.astype(np.float32) * 0.8
    return np.clip(styled + rng.normal(0, flicker, frame.shape), 0, 255).astype(np.uint8)


def shift(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(image, m, image.shape[1::-1], borderMode=cv2.BORDER_REFLECT)


def clean_style(frame: np.ndarray) -> np.ndarray:
    return 255 - frame.astype(np.float32) * 0.8


def run(filt, frames, styled):
    return [filt(f, s) for f, s in zip(frames, styled, strict=True)]


def test_still_scene_flicker_is_reduced():
    rng = np.random.default_rng(1)
    frame = texture(0)
    styled = [fake_style(frame, rng) for _ in range(12)]
    def flicker(outs):
        return np.mean([np.abs(a.astype(float) - b).mean() for a, b in itertools.pairwise(outs[5:])])

    raw = flicker(styled)
    for mode in ("ema", "flow"):
        smoothed = flicker(run(make_filter(mode, 0.6), [frame] * 12, styled))
        assert smoothed < 0.6 * raw, (mode, smoothed, raw)


def test_flow_follows_motion_where_ema_ghosts():
    rng = np.random.default_rng(2)
    frames = [shift(texture(3), 3 * t, 2 * t) for t in range(6)]
    styled = [fake_style(f, rng) for f in frames]
    inner = (slice(15, -15), slice(20, -20))  # away from the borders that move in

    def error(filt):
        outs = run(filt, frames, styled)
        return np.mean([np.abs(o.astype(np.float32) - clean_style(f))[inner].mean()
                        for o, f in zip(outs[2:], frames[2:], strict=True)])

    off, ema, flow = error(make_filter("off")), error(EmaFilter(0.6)), error(FlowFilter(0.6))
    assert flow < 0.85 * off, (flow, off)  # flicker removed along the motion
    assert flow < 0.7 * ema, (flow, ema)  # ema smears the moving texture (ghosting)


@pytest.mark.parametrize("mode", ["ema", "flow"])
def test_scene_cut_takes_the_new_frame(mode):
    rng = np.random.default_rng(4)
    a, b = texture(5), 255 - texture(6)
    filt = make_filter(mode, 0.8)
    filt(a, fake_style(a, rng))
    filt(a, fake_style(a, rng))
    new = fake_style(b, rng)
    assert np.array_equal(filt(b, new), new)
    assert filt.resets == 1


def test_flow_mask_rejects_occlusions():
    """Where something appears that was not in the previous frame, the new output is kept."""
    before = texture(7)
    after = before.copy()
    after[40:80, 60:100] = texture(8)[40:80, 60:100]  # a patch appears
    flow = FlowFilter(0.6)
    _, mask = flow.reliable(cv2.cvtColor(before, cv2.COLOR_BGR2GRAY), cv2.cvtColor(after, cv2.COLOR_BGR2GRAY))
    assert mask[50:70, 70:90].mean() < 0.2
    assert mask[:30, :50].mean() > 0.8


def test_weight_bounds():
    with pytest.raises(ValueError):
        make_filter("ema", 1.0)
    with pytest.raises(ValueError):
        make_filter("blur")
