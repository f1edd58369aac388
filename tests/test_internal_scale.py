"""``export --internal-scale``: the in-graph down/upsampler against the runtime's, and Unity's importer."""

from __future__ import annotations

import json

import numpy as np
import pytest


@pytest.fixture(scope="module")
def exported(tmp_path_factory, weights_dir, data_dir):
    from rlministyler.export.exporter import ExportOptions, export_model

    out = tmp_path_factory.mktemp("internal_scale")
    style = data_dir / "style" / "adain_la_muse.jpg"
    made = {}
    for key, kwargs in {"plain": {}, "guided": dict(internal_scale=0.25, target="sentis"),
                        "bilinear": dict(internal_scale=0.5, upsample="bilinear", target="sentis")}.items():
        opts = ExportOptions(output=out / f"{key}.onnx", checkpoint=str(weights_dir), steps=2,
                             variant="baked", style=style, quiet=True, verify=key != "plain", **kwargs)
        export_model(opts)
        made[key] = opts.output
    return made


def _frame(h: int = 96, w: int = 128) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([xx * 255 / w, yy * 255 / h, 128 + 90 * np.sin(xx / 4.0 + yy / 9.0)], -1)
    img[(xx // 16 + yy // 16) % 2 == 0] *= 0.55
    return img.astype(np.uint8)


def test_metadata_records_scale_and_upsampler(exported):
    meta = json.loads(exported["guided"].with_suffix(".json").read_text())
    assert meta["internal_scale"] == 0.25 and meta["upsample"] == "guided"
    assert meta["size_multiple"] == 16
    assert meta["verification"]["vs_runtime_upsampler_8bit"]["stylized"]["max_levels"] <= 1
    meta = json.loads(exported["bilinear"].with_suffix(".json").read_text())
    assert meta["internal_scale"] == 0.5 and meta["upsample"] == "bilinear"


@pytest.mark.parametrize("key,scale,upsample", [("guided", 0.25, "guided"), ("bilinear", 0.5, "bilinear")])
def test_in_graph_equals_runtime_upsampler_within_one_level(exported, key, scale, upsample):
    from rlministyler.runtime.stylizer import Stylizer

    frame = _frame()
    in_graph = Stylizer(exported[key], "cpu").stylize(frame).astype(int)
    runtime = Stylizer(exported["plain"], "cpu", network_scale=scale,
                       upsample=upsample).stylize(frame).astype(int)
    assert in_graph.shape == frame.shape
    assert np.abs(in_graph - runtime).max() <= 1


def test_guided_internal_scale_passes_check_unity_for_sentis(exported):
    from rlministyler.export.unity_check import check_model

    report = check_model(exported["guided"], "sentis")
    assert report.ok, report.failures
    assert not report.warnings, report.warnings


def test_internal_scale_must_be_one_over_n(weights_dir, tmp_path):
    from rlministyler.export.exporter import ExportOptions, export_model

    from rlministyler.errors import UserError

    with pytest.raises(UserError, match="internal-scale"):
        export_model(ExportOptions(output=tmp_path / "x.onnx", checkpoint=str(weights_dir), steps=1,
                                   internal_scale=0.3, quiet=True, verify=False))
