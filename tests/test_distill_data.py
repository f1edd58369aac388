"""Distillation's varied pairs: drawn from the training files only (paintings as contents too), at a
random scale, flipped and hue-rotated at random, the same on a resumed stream."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from rlministyler.training.distill.data import SCALE_RANGE, VariedPairSource, rotate_hue
from rlministyler.training.distill.trainer import split
from rlministyler.training.train.data import scan_images


@pytest.fixture(scope="module")
def training_files(data_dir):
    contents, _ = scan_images(data_dir / "content", "content")
    styles, _ = scan_images(data_dir / "style", "style")
    return split(contents, 5)[0], split(styles, 5)[0]


def _source(files, seed=0):
    return VariedPairSource(*files, size=32, load_size=64, seed=seed, workers=1)


def test_draws_vary_within_the_training_files(training_files):
    contents, styles = training_files
    source = _source(training_files)
    try:
        tasks = [source._draw() for _ in range(200)]
    finally:
        source.close()
    pool = [*contents, *styles]
    assert source.contents == pool and source.styles == styles  # paintings serve as contents too
    assert any(pool[t.content] in styles for t in tasks) and any(pool[t.content] in contents for t in tasks)
    sides = {s for t in tasks for s in (t.content_side, t.style_side)}
    assert min(sides) >= round(SCALE_RANGE[0] * 64) and max(sides) <= round(SCALE_RANGE[1] * 64)
    assert len(sides) > 10
    crops = [c for t in tasks for c in ((t.content_yx, t.content_side), (t.style_yx, t.style_side))]
    assert all(0 <= y <= side - 32 and 0 <= x <= side - 32 for (y, x), side in crops)
    flips = [t.content_flip for t in tasks] + [t.style_flip for t in tasks]
    assert 0.35 < np.mean(flips) < 0.65
    hues = [t.style_hue for t in tasks]
    assert 0.35 < np.mean([h > 0 for h in hues]) < 0.65 and max(hues) < 360


def test_a_resumed_stream_gives_the_same_pairs(training_files):
    first, second = _source(training_files), _source(training_files)
    try:
        for _ in range(3):
            first.next_pair()
        state = first.state_dict()
        second.load_state_dict(state)
        for _ in range(4):
            a, b = first.next_pair(), second.next_pair()
            assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
            assert a[0].shape == (3, 32, 32) and a[1].shape == (3, 32, 32)
    finally:
        first.close()
        second.close()


def test_rotate_hue_turns_red_to_green_and_keeps_grey():
    red = np.zeros((2, 2, 3), np.float32)
    red[..., 0] = 1.0
    green = rotate_hue(red, 120.0)
    assert np.allclose(green[0, 0], [0, 1, 0], atol=1e-5)
    grey = np.full((2, 2, 3), 0.4, np.float32)
    assert np.allclose(rotate_hue(grey, 77.0), grey, atol=1e-6)
