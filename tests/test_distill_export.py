"""The one-pass model exported: one file serves every step, each output one pass from the content;
verified against the PyTorch model at every step for each target, imported by check-unity, and run
by the runtime with the cost of one pass at any step."""

from __future__ import annotations

import numpy as np
import pytest

from rlministyler.errors import UserError


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
    assert meta["one_pass"] is True  # readers prune an all-steps export to the step shown, the last one too
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


def test_a_step_input_export_serves_every_step_from_one_session(tmp_path, distilled, data_dir):
    """--step-input: one output, the step an int64 input; verified at every step, and the runtime gives
    what the all-steps export gives at each step, from one session (a new number, not a new model)."""
    import cv2
    from rlministyler.runtime import Stylizer

    one = _export(tmp_path / "one", distilled, data_dir, steps=4, step_input=True, variant="split")
    meta = one.metadata
    assert meta["step_input"] == "step" and meta["format_version"] == 2 and not meta["all_steps"]
    assert meta["inputs"][-1] == {"name": "step", "shape": [1], "dtype": "int64"}
    assert [o["name"] for o in meta["outputs"]] == ["stylized"]
    assert sorted(one.max_abs_diff) == [f"step_{k}" for k in range(1, 5)]  # verified at every step
    assert all(d <= 1e-3 for d in one.max_abs_diff.values())
    every = _export(tmp_path / "all", distilled, data_dir, steps=4, all_steps=True, variant="split")
    frame = cv2.resize(cv2.imread(str(data_dir / "content" / "adain_cornell.jpg")), (96, 64))
    runs = {}
    for name, result in (("one", one), ("all", every)):
        stylizer = Stylizer(result.files[0], "cpu")
        stylizer.set_style(data_dir / "style" / "adain_mondrian.jpg")
        assert stylizer.steps == [1, 2, 3, 4]
        for step in (1, 3, 4, 2):
            stylizer.step = step
            runs[name, step] = stylizer.stylize(frame, bgr=True).astype(np.int16)
        if name == "one":
            engine = stylizer.engine
            assert all(engine.session_for_step(k) is engine.session for k in range(1, 5))
        else:  # the one-pass model's last step is pruned too: one builder, not four
            assert stylizer.engine.session_for_step(4) is not stylizer.engine.session
    for step in (1, 2, 3, 4):
        assert np.abs(runs["one", step] - runs["all", step]).max() <= 1, step
    assert np.abs(runs["one", 1] - runs["one", 4]).mean() > 1  # the step input matters


def test_a_step_input_passes_the_unity_checks(tmp_path, distilled, data_dir):
    import json

    from rlministyler.export.unity_check import check_model

    result = _export(tmp_path, distilled, data_dir, steps=4, step_input=True, variant="split",
                     target="sentis", size=(64, 64))
    report = check_model(result.files[0], "sentis", urp=True)
    assert report.clean, report.failures + report.importer_warnings
    meta = json.loads(result.sidecar.read_text())
    assert meta["step_input"] == "step"


@pytest.mark.parametrize(("kwargs", "needle"), [
    (dict(model="official"), "--step-input needs a distilled model"),
    (dict(all_steps=True), "--step-input and --all-steps"),
    (dict(target="triton"), "--step-input cannot target triton"),
])
def test_what_a_step_input_refuses(tmp_path, distilled, kwargs, needle):
    from rlministyler.export.exporter import ExportOptions, export_model

    options = {"model": str(distilled), **kwargs}
    out = tmp_path / ("repo" if kwargs.get("target") == "triton" else "x.onnx")
    with pytest.raises(UserError, match=needle):
        export_model(ExportOptions(output=out, steps=2, step_input=True, quiet=True, **options))
    assert not out.exists()


def test_the_web_builder_points_a_step_input_model_to_all_steps(tmp_path, distilled, data_dir):
    from rlministyler.web.site import build_site

    path = _export(tmp_path, distilled, data_dir, steps=2, step_input=True, variant="split").files[0]
    with pytest.raises(UserError, match="--all-steps --steps 2 instead"):
        build_site(path, tmp_path / "site", styles=[data_dir / "style" / "adain_mondrian.jpg"],
                   log=lambda *a: None)
    assert not (tmp_path / "site").exists()
