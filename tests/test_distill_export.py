"""The one-pass model exported: one file serves every step, each output one pass from the content;
verified against the PyTorch model at every step for each target, imported by check-unity, and run
by the runtime with the cost of one pass at any step."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rlministyler.errors import UserError


@pytest.fixture(scope="module")
def distilled(tmp_path_factory, weights_dir):
    """A student whose steps differ (a random step table), saved as a distill run would."""
    from rlministyler.training.distill.checkpoint import save_distilled
    from rlministyler.training.distill.model import OnePassStylizer
    from rlministyler.training.model import load_pair

    model = OnePassStylizer(*load_pair(weights_dir), max_steps=4)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for table in model.conditioning.parameters():
            table.copy_(0.1 * torch.randn(table.shape, generator=generator))
    folder = tmp_path_factory.mktemp("distilled")
    save_distilled(model, folder / "distilled.pth.tar", {})
    return folder


def _export(tmp_path, distilled, data_dir, **kwargs):
    from rlministyler.export.exporter import ExportOptions, export_model

    opts = ExportOptions(output=tmp_path / "d.onnx", model=str(distilled), quiet=True,
                         verify_images=(data_dir / "content" / "adain_cornell.jpg",
                                        data_dir / "style" / "adain_mondrian.jpg"), **kwargs)
    return export_model(opts)


@pytest.mark.parametrize("kwargs", [
    dict(steps=4, all_steps=True, variant="split"),
    dict(steps=3, all_steps=True, variant="full", target="sentis"),
    dict(steps=2, all_steps=True, variant="split", target="barracuda", size=(64, 64)),
    dict(steps=4, variant="baked", precision="fp16"),
], ids=["split", "sentis", "barracuda", "baked-fp16"])
def test_every_step_exports_verified_and_imports(tmp_path, distilled, data_dir, kwargs):
    if kwargs.get("variant") == "baked":
        kwargs = {**kwargs, "style": data_dir / "style" / "adain_la_muse.jpg"}
    result = _export(tmp_path, distilled, data_dir, **kwargs)
    steps = range(1, kwargs["steps"] + 1) if kwargs.get("all_steps") else [kwargs["steps"]]
    names = [f"step_{k}" for k in steps] if kwargs.get("all_steps") else ["stylized"]
    meta = result.metadata
    assert [o["name"] for o in meta["outputs"]] == names
    assert set(meta["checkpoint_sha256"]) == {"distilled.pth.tar"} and meta["checkpoint_official"] is False
    assert "fold-modulation" not in meta["rewrites"]
    if kwargs.get("precision") == "fp16":
        assert all(p >= 30 for p in result.psnr.values())
    else:
        assert all(d <= 1e-3 for d in result.max_abs_diff.values()), result.max_abs_diff


def test_the_runtime_switches_steps_at_the_cost_of_one_pass(tmp_path, distilled, data_dir):
    import cv2
    from rlministyler.runtime import Stylizer
    from rlministyler.runtime.pruning import prune_to_output

    path = _export(tmp_path, distilled, data_dir, steps=4, all_steps=True, variant="split").files[0]
    import onnx

    sizes = [len(onnx.load_from_string(prune_to_output(path, f"step_{k}")).graph.node) for k in (1, 4)]
    assert sizes[0] == sizes[1]  # step 4 is one pass, like step 1 (the sequence's would be 4x)
    stylizer = Stylizer(path, "cpu")
    stylizer.set_style(data_dir / "style" / "adain_mondrian.jpg")
    frame = cv2.resize(cv2.imread(str(data_dir / "content" / "adain_cornell.jpg")), (96, 64))
    outputs = {}
    for step in (1, 4):
        stylizer.step = step
        outputs[step] = stylizer.stylize(frame, bgr=True).astype(np.int16)
    assert np.abs(outputs[1] - outputs[4]).mean() > 1  # the step input matters


def test_what_a_distilled_export_refuses(tmp_path, distilled, data_dir):
    from rlministyler.export.exporter import ExportOptions, export_model
    from rlministyler.runtime import Stylizer
    from rlministyler.runtime.engine import EngineOptions

    with pytest.raises(UserError, match=r"serves steps 1\.\.4"):
        export_model(ExportOptions(output=tmp_path / "x.onnx", steps=5, model=str(distilled), quiet=True))
    assert not (tmp_path / "x.onnx").exists()
    with pytest.raises(UserError, match="a distilled model reads a different code at each step"):
        export_model(ExportOptions(output=tmp_path / "x.onnx", steps=1, model=str(distilled), quiet=True,
                                   rewrites=("fold-modulation",)))
    path = _export(tmp_path, distilled, data_dir, steps=1, variant="split").files[0]
    with pytest.raises(UserError, match="distilled one-pass export"):
        Stylizer(path, engine="torch", engine_options=EngineOptions("cpu"))
