"""The PyTorch path's precisions on the CPU (torch's CPU half kernels): fp32 and tf32 are the
reference itself there; fp16 and bf16 keep at least 40 dB PSNR to fp32 at every step 1-10 on real
pairs, stay finite, and leave the float32 model untouched."""

from __future__ import annotations

import pytest
import torch

from rlministyler.errors import UserError
from rlministyler.images import read_image, resize_shorter
from rlministyler.metrics import psnr

PAIRS = [("adain_golden_gate.jpg", "adain_la_muse.jpg"), ("adain_chicago.jpg", "adain_brushstrokes.jpg")]


def _psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    return psnr(a.cpu().numpy(), b.cpu().numpy())


@pytest.fixture(scope="module", params=PAIRS, ids=lambda p: p[0].split(".")[0])
def pair(request, data_dir):
    from rlministyler.training.sequence import to_tensor

    content, style = request.param
    c = to_tensor(resize_shorter(read_image(data_dir / "content" / content), 96))[..., :96, :128]
    s = to_tensor(resize_shorter(read_image(data_dir / "style" / style), 128))
    return c, s


@pytest.fixture(scope="module")
def reference(stylizer, pair):
    return {t: out.clamp(0, 1) for t, out in stylizer.iterate(*pair, 10)}


@pytest.mark.parametrize("precision", ["fp16", "bf16"])
def test_half_precision_keeps_40_db_at_every_step(weights_dir, pair, reference, precision):
    from rlministyler.training.sequence import TorchStylizer

    half = TorchStylizer.from_checkpoint(weights_dir, "cpu", precision)
    outputs = dict(half.iterate(*pair, 10))
    for t in range(1, 11):
        assert outputs[t].dtype == torch.float32 and torch.isfinite(outputs[t]).all()
        assert _psnr(outputs[t].clamp(0, 1), reference[t]) >= 40.0, (precision, t)
    assert half.actor.encoder.stem.conv.weight.dtype == torch.float32  # the fp32 model is kept
    assert half._actor.encoder.stem.conv.weight.dtype == {"fp16": torch.float16, "bf16": torch.bfloat16}[
        precision]


def test_all_in_half_is_what_the_float32_statistics_prevent(stylizer, pair, reference):
    """The control: the whole model in float16 (statistics included) loses the 40 dB at step 1."""
    import copy

    actor, builder = copy.deepcopy(stylizer.actor).half(), copy.deepcopy(stylizer.builder).half()
    with torch.inference_mode():
        out = builder(actor.act(pair[0].half()), actor.encode_style(pair[1].half())).float()
    assert _psnr(out.clamp(0, 1), reference[1]) < 40.0


def test_fp32_and_tf32_are_the_reference_on_a_cpu(weights_dir, stylizer, pair):
    from rlministyler.training.sequence import TorchStylizer

    tf32 = TorchStylizer.from_checkpoint(weights_dir, "cpu", "tf32")
    a = tf32.sequence(*pair, steps=[3])[3]
    assert torch.equal(a, stylizer.sequence(*pair, steps=[3])[3])


def test_tf32_is_off_while_fp32_runs_and_the_callers_setting_comes_back(stylizer, pair):
    seen = []
    hook = stylizer.builder.head.register_forward_hook(
        lambda *_: seen.append(torch.backends.cudnn.allow_tf32))
    before = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = True
    try:
        stylizer.sequence(*pair, steps=[1])
        assert seen == [False] and torch.backends.cudnn.allow_tf32 is True
    finally:
        hook.remove()
        torch.backends.cudnn.allow_tf32 = before


def test_unknown_precision_is_a_one_line_error(weights_dir):
    from rlministyler.training.sequence import TorchStylizer

    with pytest.raises(UserError, match="unknown precision 'fp8': use one of fp32, tf32, fp16, bf16"):
        TorchStylizer.from_checkpoint(weights_dir, "cpu", "fp8")


def test_stylize_runs_in_half_precision_on_the_cpu(weights_dir, data_dir, tmp_path, capsys):
    from rlministyler.cli import main

    out = tmp_path / "half.png"
    code = main(["stylize", str(data_dir / "content" / "adain_chicago.jpg"), "--style",
                 str(data_dir / "style" / "adain_la_muse.jpg"), "--size", "64", "--steps", "3",
                 "--device", "cpu", "--precision", "fp16", "--checkpoint", str(weights_dir), "-q",
                 "-o", str(out)])
    assert code == 0 and "(fp16)" in capsys.readouterr().out
    assert read_image(out).shape[0] == 64
