"""The guided upsampler against its float64 reference, and its use by the runtime's Stylizer."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from rlministyler.runtime.upsample import guided_upsample, guided_upsample_reference, upsample


def _scene(h: int, w: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([xx * 255 / w, yy * 255 / h, 128 + 100 * np.sin(xx / 5.0)], -1)
    img[(xx // 12 + yy // 9) % 2 == 0] *= 0.5
    return np.clip(img + rng.normal(0, 6, img.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("radius,eps,saturated", [(1, 1e-3, False), (4, 1e-3, False), (1, 1e-3, True)])
def test_guided_matches_float64_reference(radius, eps, saturated):
    full = _scene(48, 64)
    low_guide = cv2.resize(full, (16, 12), interpolation=cv2.INTER_AREA)
    src = cv2.GaussianBlur(255 - low_guide, (3, 3), 0)  # a "stylised" image related to the guide
    if saturated:  # black and white patches: the affine fit overshoots below 0 and above 1
        src[::3, ::2] = 0
        src[1::4, 1::3] = 255
        src[full.shape[0] // 8:, :4] = 0
    got = guided_upsample(full, src, radius, eps, guide_low=low_guide).astype(np.float64)
    ref = guided_upsample_reference(full / 255.0, low_guide / 255.0, src / 255.0, radius, eps)
    expected = np.clip(np.round(ref * 255), 0, 255)
    if saturated:
        assert (ref < -2 / 255).any()  # convertScaleAbs alone would fold these to positive levels
    assert np.abs(got - expected).max() <= 1  # float32 vs float64, then rounding
    assert np.mean(got != expected) < 0.02


def test_guided_restores_edges_that_bilinear_blurs():
    full = _scene(96, 128, seed=1)
    low = cv2.resize(full, (32, 24), interpolation=cv2.INTER_AREA)
    target = 255 - full  # a per-pixel colour transform: the guided filter can recover it exactly
    src = 255 - low
    err_g = np.abs(upsample("guided", full, src, low).astype(int) - target).mean()
    err_b = np.abs(upsample("bilinear", full, src, low).astype(int) - target).mean()
    assert err_g < 0.5 * err_b


@pytest.fixture(scope="module")
def baked1(tmp_path_factory, weights_dir, data_dir):
    from rlministyler.export.exporter import ExportOptions, export_model

    out = tmp_path_factory.mktemp("upsample") / "baked1.onnx"
    export_model(ExportOptions(output=out, checkpoint=str(weights_dir), verify=False, quiet=True, steps=1,
                               variant="baked", style=data_dir / "style" / "adain_la_muse.jpg"))
    return out


def test_stylizer_upsample_choice(baked1):
    from rlministyler.runtime.stylizer import Stylizer

    from rlministyler.errors import UserError

    assert Stylizer(baked1, "cpu", network_scale=0.5).upsample == "guided"
    assert Stylizer(baked1, "cpu").upsample == "bilinear"
    with pytest.raises(UserError, match="upsample"):
        Stylizer(baked1, "cpu", network_scale=0.5, upsample="nearest")
    frame = _scene(72, 96)
    guided = Stylizer(baked1, "cpu", network_scale=0.5).stylize(frame)
    bilinear = Stylizer(baked1, "cpu", network_scale=0.5, upsample="bilinear").stylize(frame)
    assert guided.shape == bilinear.shape == frame.shape
    assert np.abs(guided.astype(int) - bilinear).mean() > 1  # the guided path is really taken
