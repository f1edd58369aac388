"""``run --engine torch``: the exported model's network in PyTorch from the weights it came from,
through the runtime's engine seam: the same frames as onnxruntime (to 8-bit rounding), refused
when the weights are not the model's, for baked models, and for torch options without it."""

from __future__ import annotations

import shutil

import cv2
import numpy as np
import pytest

from rlministyler.errors import UserError


@pytest.fixture(scope="module")
def exported(tmp_path_factory, weights_dir, data_dir):
    from rlministyler.export.exporter import ExportOptions, export_model

    out = tmp_path_factory.mktemp("torch_engine")
    models = {}
    for key, kwargs in {"split2": dict(steps=2, all_steps=True, variant="split"),
                        "baked1": dict(steps=1, variant="baked",
                                       style=data_dir / "style" / "adain_la_muse.jpg")}.items():
        opts = ExportOptions(output=out / f"{key}.onnx", checkpoint=str(weights_dir), verify=False,
                             quiet=True, **kwargs)
        export_model(opts)
        models[key] = opts.output
    return models


@pytest.fixture(scope="module")
def frame(data_dir) -> np.ndarray:
    image = cv2.imread(str(data_dir / "content" / "adain_cornell.jpg"))
    return cv2.resize(image, (90, 70), interpolation=cv2.INTER_AREA)  # odd sizes: padded and cropped


@pytest.mark.parametrize("step", [1, 2])
def test_torch_engine_gives_the_onnxruntime_frames(exported, weights_dir, data_dir, frame, step):
    from rlministyler.runtime import Stylizer
    from rlministyler.runtime.engine import EngineOptions

    style = data_dir / "style" / "adain_mondrian.jpg"
    ort = Stylizer(exported["split2"], "cpu", step=step)
    torch_ = Stylizer(exported["split2"], engine="torch", step=step,
                      engine_options=EngineOptions("cpu", checkpoint=str(weights_dir)))
    assert torch_.engine.label == "torch-cpu" and torch_.steps == [1, 2]
    outputs = []
    for stylizer in (ort, torch_):
        stylizer.set_style(style)
        outputs.append(stylizer.stylize(frame, bgr=True).astype(np.int16))
    assert outputs[0].shape == outputs[1].shape == frame.shape
    assert np.abs(outputs[0] - outputs[1]).max() <= 1


def test_weights_that_are_not_the_models_are_refused(exported, weights_dir, tmp_path):
    from rlministyler.runtime import Stylizer
    from rlministyler.runtime.engine import EngineOptions

    other = tmp_path / "other"
    shutil.copytree(weights_dir, other)
    with open(other / "builder.pth.tar", "ab") as f:
        f.write(b"\0")
    with pytest.raises(UserError, match=r"is not the builder\.pth\.tar split2\.onnx was exported from"):
        Stylizer(exported["split2"], engine="torch",
                 engine_options=EngineOptions("cpu", checkpoint=str(other)))


def test_a_baked_model_is_refused(exported, weights_dir):
    from rlministyler.runtime import Stylizer
    from rlministyler.runtime.engine import EngineOptions

    with pytest.raises(UserError, match="baked: its style exists only inside its weights"):
        Stylizer(exported["baked1"], engine="torch",
                 engine_options=EngineOptions("cpu", checkpoint=str(weights_dir)))


def test_run_with_the_torch_engine(exported, weights_dir, data_dir, tmp_path, capsys):
    from rlministyler.cli import main

    out = tmp_path / "out.png"
    args = ["run", str(exported["split2"]), "-i", str(data_dir / "content" / "adain_cornell.jpg"),
            "--style", str(data_dir / "style" / "adain_mondrian.jpg"), "--step", "1", "-o", str(out)]
    assert main([*args, "--engine", "torch", "--provider", "cpu", "--checkpoint", str(weights_dir)]) == 0
    said = capsys.readouterr()
    assert "engine: torch" in said.out + said.err and cv2.imread(str(out)) is not None
    code = main([*args[:-1], str(tmp_path / "x.png"), "--precision", "fp16"])
    err = capsys.readouterr().err
    assert code == 2 and "--checkpoint and --precision choose the weights and numbers of --engine" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "x.png").exists()
