"""The fast PyTorch path, checked on the CPU: channels-last eager and Inductor's CPU backend (the
compiler that makes the CUDA kernels on a GPU) against the eager reference, the compile cache in
the rlministyler cache folder, and ``stylize --fast``."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlministyler.errors import UserError
from rlministyler.images import read_image


@pytest.fixture(scope="module")
def pair(data_dir):
    from rlministyler.training.sequence import to_tensor

    from rlministyler.images import resize_shorter

    content = to_tensor(resize_shorter(read_image(data_dir / "content" / "adain_cornell.jpg"), 40))
    style = to_tensor(resize_shorter(read_image(data_dir / "style" / "adain_mondrian.jpg"), 64))
    return content[..., :40, :52], style  # 52: padded to 52, cropped back


def test_channels_last_eager_matches_the_reference(stylizer, pair):
    from rlministyler.training.fast import FastSequence

    fast = FastSequence(stylizer, compile=False, channels_last=True)
    code = stylizer.encode_style(pair[1])
    got = fast.run(pair[0], code, [1, 3])
    ref = stylizer.sequence(pair[0], code, steps=[1, 3])
    for t in (1, 3):
        assert (got[t] - ref[t]).abs().max() < 1e-5
    assert stylizer.actor.encoder.stem.conv.weight.is_contiguous()  # the stylizer's model untouched


def test_inductor_compiled_steps_match_the_reference(weights_dir, stylizer, pair, tmp_path, monkeypatch):
    from rlministyler.training.sequence import TorchStylizer

    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)
    monkeypatch.setenv("RLMINISTYLER_CACHE", str(tmp_path))
    fast = TorchStylizer.from_checkpoint(weights_dir, "cpu", fast=True)
    got = fast.sequence(*pair, steps=[1, 2])
    ref = stylizer.sequence(*pair, steps=[1, 2])
    for t in (1, 2):
        assert got[t].shape == ref[t].shape == (1, 3, 40, 52)
        assert (got[t] - ref[t]).abs().max() < 1e-4
    from torch._inductor.runtime.cache_dir_utils import cache_dir

    assert Path(cache_dir()) == tmp_path / "inductor", "the compile cache is not in the rlministyler cache"


def test_stylize_fast_refuses_stochastic(weights_dir, data_dir, tmp_path, capsys):
    from rlministyler.cli import main

    code = main(["stylize", str(data_dir / "content" / "adain_chicago.jpg"), "--style",
                 str(data_dir / "style" / "adain_la_muse.jpg"), "--fast", "--stochastic",
                 "--checkpoint", str(weights_dir), "-o", str(tmp_path / "x.png")])
    err = capsys.readouterr().err
    assert code == 2 and "--fast runs the mean action only" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


def test_fast_falls_back_to_the_sampled_path_and_checks_steps(weights_dir, pair):
    from rlministyler.training.sequence import TorchStylizer

    fast = TorchStylizer.from_checkpoint(weights_dir, "cpu", fast=True)
    out = fast.sequence(*pair, steps=[1], stochastic=True, seed=1)  # falls back to the sampled path
    assert out[1].shape == (1, 3, 40, 52)
    with pytest.raises(UserError):
        fast.sequence(*pair, steps=[0])
