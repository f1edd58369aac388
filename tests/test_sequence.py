"""The sequence API: sizes, batches, the cached style pass, noise, steps and devices."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from rlministyler.training.sequence import to_tensor
from torch.nn import functional as F

from rlministyler.errors import UserError
from rlministyler.images import read_image, resize_shorter


@pytest.fixture(scope="module")
def pair(data_dir):
    content = resize_shorter(read_image(data_dir / "content" / "adain_golden_gate.jpg"), 96)
    style = resize_shorter(read_image(data_dir / "style" / "adain_la_muse.jpg"), 96)
    return to_tensor(content), to_tensor(style)


def test_odd_size_is_padded_and_cropped_back(stylizer, pair):
    content, style = pair
    odd = content[..., :66, :71]
    out = stylizer.sequence(odd, style, steps=[1, 3])
    assert out[1].shape == (1, 3, 66, 71) and out[3].shape == (1, 3, 66, 71)
    # same as padding by hand (reflect, bottom/right) to 68x72, running, and cropping
    padded = F.pad(odd, (0, 1, 0, 2), mode="reflect")
    full = stylizer.sequence(padded, style, steps=[3])[3]
    assert torch.equal(out[3], full[..., :66, :71])


def test_hd_frame_keeps_its_size(stylizer, pair):
    _, style = pair
    frame = torch.rand(1, 3, 768, 1366, generator=torch.Generator().manual_seed(0))
    out = stylizer.sequence(frame, style, steps=[1])[1]
    assert out.shape == (1, 3, 768, 1366)
    assert torch.isfinite(out).all()


def test_batch_of_contents_matches_one_by_one(stylizer, pair, data_dir):
    content, style = pair
    other = to_tensor(read_image(data_dir / "content" / "adain_chicago.jpg"))
    other = F.interpolate(other, size=content.shape[-2:], mode="area")
    batch = stylizer.sequence(torch.cat([content, other]), style, steps=[2])[2]
    single = [stylizer.sequence(x, style, steps=[2])[2] for x in (content, other)]
    assert batch.shape == (2, 3, *content.shape[-2:])
    assert (batch - torch.cat(single)).abs().max().item() < 1e-5
    assert (batch[0] - batch[1]).abs().max().item() > 0.1


def test_batch_of_styles_pairs_with_contents(stylizer, pair, data_dir):
    content, style = pair
    style2 = to_tensor(resize_shorter(read_image(data_dir / "style" / "adain_mondrian.jpg"), 96))
    style2 = F.interpolate(style2, size=style.shape[-2:], mode="area")
    both = stylizer.sequence(content.repeat(2, 1, 1, 1), torch.cat([style, style2]), steps=[1])[1]
    assert (both[0] - stylizer.sequence(content, style, steps=[1])[1][0]).abs().max() < 1e-5
    assert (both[1] - stylizer.sequence(content, style2, steps=[1])[1][0]).abs().max() < 1e-5


def test_cached_style_equals_recomputing_it_every_step(stylizer, pair):
    content, style = pair
    cached = stylizer.sequence(content, stylizer.encode_style(style), steps=range(1, 6))
    moving = content
    with torch.inference_mode():
        for t in range(1, 6):  # the authors' way: the style pass redone at every step
            moving = stylizer.builder(stylizer.actor.act(moving), stylizer.actor.encode_style(style))
            assert torch.equal(cached[t], moving)


def test_unclamped_output_feeds_the_next_step(stylizer, pair):
    content, style = pair
    out = stylizer.sequence(content, style, steps=[1, 2])
    assert out[1].min() < 0 or out[1].max() > 1  # the network leaves [0, 1]
    with torch.inference_mode():
        code = stylizer.encode_style(style)
        from_unclamped = stylizer.step(out[1], code)
        from_clamped = stylizer.step(out[1].clamp(0, 1), code)
    assert torch.equal(out[2], from_unclamped)
    assert not torch.equal(out[2], from_clamped)


def test_only_requested_steps_are_returned(stylizer, pair):
    content, style = pair
    out = stylizer.sequence(content, style, steps=[4, 2, 4])
    assert sorted(out) == [2, 4]


def test_stochastic_is_seeded_and_differs_from_the_mean(stylizer, pair):
    content, style = pair
    a = stylizer.sequence(content, style, steps=[3], stochastic=True, seed=11)[3]
    b = stylizer.sequence(content, style, steps=[3], stochastic=True, seed=11)[3]
    c = stylizer.sequence(content, style, steps=[3], stochastic=True, seed=12)[3]
    mean = stylizer.sequence(content, style, steps=[3])[3]
    assert torch.equal(a, b)
    assert (a - c).abs().max() > 1e-3
    assert (a - mean).abs().max() > 1e-3
    assert torch.equal(mean, stylizer.sequence(content, style, steps=[3])[3])


@pytest.mark.parametrize("steps", [[0], [65], [-1, 3]])
def test_out_of_range_steps_are_refused(stylizer, pair, steps):
    with pytest.raises(UserError, match="out of range"):
        stylizer.sequence(*pair, steps=steps)


def test_step_64_is_allowed(stylizer, pair):
    content, style = pair
    out = stylizer.sequence(content[..., :16, :16], style, steps=[64])
    assert out[64].shape == (1, 3, 16, 16) and torch.isfinite(out[64]).all()


def test_too_small_images_are_refused(stylizer, pair):
    content, style = pair
    with pytest.raises(UserError, match="too small"):
        stylizer.sequence(content[..., :6, :40], style, steps=[1])
    with pytest.raises(UserError, match="too small"):
        stylizer.sequence(content, style[..., :5, :5], steps=[1])


def test_wrong_channel_count_is_refused(stylizer, pair):
    with pytest.raises(UserError, match="RGB"):
        stylizer.sequence(torch.zeros(1, 4, 32, 32), pair[1], steps=[1])


def test_three_dim_input_is_accepted(stylizer, pair):
    content, style = pair
    out = stylizer.sequence(content[0], style[0], steps=[1])[1]
    assert torch.equal(out, stylizer.sequence(content, style, steps=[1])[1])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu(stylizer, pair, weights_dir):
    from rlministyler.training.sequence import TorchStylizer

    gpu = TorchStylizer.from_checkpoint(weights_dir, "cuda")
    content, style = pair
    a = gpu.sequence(content, style, steps=[5])[5].cpu()
    b = stylizer.sequence(content, style, steps=[5])[5]
    assert np.abs((a - b).numpy()).max() < 1e-3


def test_cuda_request_without_cuda_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    from rlministyler.training.sequence import resolve_device

    with pytest.raises(UserError, match="CUDA is not available"):
        resolve_device("cuda")
