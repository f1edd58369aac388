"""The site builder's promise (no browser): a site is built aside and swapped in, so Ctrl-C at any
point keeps the last site whole (or leaves nothing new); and it is never reported built over a
model that does not read back: weights in external data files, a split model whose style encoder
is another network or empty, metadata naming an output the graph lacks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import onnx
import pytest
from rlministyler.web.site import build_site

from rlministyler.errors import UserError

QUIET = {"log": lambda text: None}


@pytest.fixture(scope="module")
def models(tmp_path_factory, weights_dir):
    from rlministyler.export.exporter import ExportOptions, export_model

    out = tmp_path_factory.mktemp("builder-models")
    made = {}
    wanted = {"all2": dict(steps=2, all_steps=True), "split1": dict(steps=1, variant="split")}
    for key, kwargs in wanted.items():
        opts = ExportOptions(output=out / f"{key}.onnx", checkpoint=str(weights_dir), verify=False,
                             quiet=True, **kwargs)
        export_model(opts)
        made[key] = opts.output
    return made


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_model(src: Path, dest: Path) -> Path:
    shutil.copyfile(src, dest)
    shutil.copyfile(src.with_suffix(".json"), dest.with_suffix(".json"))
    style = src.with_name(f"{src.stem}_style.onnx")
    if style.is_file():
        shutil.copyfile(style, dest.with_name(f"{dest.stem}_style.onnx"))
    return dest


@pytest.mark.parametrize("when", ["writing models", "reading back"])
def test_ctrl_c_during_a_rebuild_keeps_the_last_site_whole(models, tmp_path, monkeypatch, when):
    from rlministyler.web import site as site_module
    from rlministyler.web import staging

    site = tmp_path / "site"
    build_site(models["all2"], site, **QUIET)
    before = snapshot(site)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    target = (site_module, "_write_models") if when == "writing models" else (staging, "read_back")
    monkeypatch.setattr(*target, interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_site(models["all2"], site, steps=[1], **QUIET)
    assert snapshot(site) == before  # the manifest still names models that are there
    manifest = json.loads((site / "manifest.json").read_text())
    assert all((site / f).is_file() for f in manifest["model"]["files"].values())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no staging folder left


def test_ctrl_c_during_a_first_build_leaves_nothing_and_a_rebuild_works(models, tmp_path, monkeypatch):
    from rlministyler.web import staging

    site = tmp_path / "site"
    with monkeypatch.context() as patch:
        patch.setattr(staging, "read_back", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
        with pytest.raises(KeyboardInterrupt):
            build_site(models["all2"], site, **QUIET)
    assert list(tmp_path.iterdir()) == []
    build_site(models["all2"], site, **QUIET)
    assert (site / "manifest.json").is_file() and (site / "models" / "step2.onnx").is_file()


def test_weights_in_external_data_files_are_refused(models, tmp_path):
    folder = tmp_path / "external"
    folder.mkdir()
    model = onnx.load(str(models["all2"]))
    path = folder / "all2.onnx"
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="all2.weights", size_threshold=0)
    shutil.copyfile(models["all2"].with_suffix(".json"), path.with_suffix(".json"))
    with pytest.raises(UserError, match="external data files"):
        build_site(path, tmp_path / "site", **QUIET)
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("encoder", ["the frame model", "empty"])
def test_a_split_model_whose_encoder_is_not_its_own_is_refused(models, tmp_path, encoder):
    path = copy_model(models["split1"], tmp_path / "split1.onnx")
    style = path.with_name("split1_style.onnx")
    if encoder == "empty":
        style.write_bytes(b"")
    else:
        shutil.copyfile(path, style)
    with pytest.raises(UserError) as refused:
        build_site(path, tmp_path / "site", **QUIET)
    assert "style encoder" in str(refused.value) or "split1_style.onnx" in str(refused.value)
    assert not (tmp_path / "site").exists()


def test_metadata_naming_an_output_the_graph_lacks_is_refused(models, tmp_path):
    path = copy_model(models["all2"], tmp_path / "all2.onnx")
    model = onnx.load(str(path))
    kept = [o for o in model.graph.output if o.name != "step_2"]
    del model.graph.output[:]
    model.graph.output.extend(kept)
    onnx.save(model, str(path))
    with pytest.raises(UserError, match=r"step_2|does not load|steps"):
        build_site(path, tmp_path / "site", **QUIET)
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize(("key", "value"), [("size_multiple", 0), ("size_multiple", 7), ("steps", 5)])
def test_impossible_metadata_is_refused(models, tmp_path, key, value):
    from rlministyler.contract import METADATA_KEY

    path = copy_model(models["all2"], tmp_path / "all2.onnx")
    model = onnx.load(str(path))
    entry = next(e for e in model.metadata_props if e.key == METADATA_KEY)
    meta = json.loads(entry.value)
    meta[key] = value
    entry.value = json.dumps(meta)
    onnx.save(model, str(path))
    sidecar = json.loads(path.with_suffix(".json").read_text())
    sidecar[key] = value
    path.with_suffix(".json").write_text(json.dumps(sidecar))
    with pytest.raises(UserError, match=key):
        build_site(path, tmp_path / "site", **QUIET)
    assert not (tmp_path / "site").exists()


def test_an_fp32_site_carries_fp16_copies_for_webgpu(models, tmp_path, data_dir):
    """For adapters with shader-f16: one fp16 copy per step, same tensors, close to the fp32 file."""
    import cv2
    import numpy as np
    import onnxruntime as ort

    site = tmp_path / "site"
    build_site(models["all2"], site, **QUIET)
    manifest = json.loads((site / "manifest.json").read_text())["model"]
    assert sorted(manifest["files_fp16"]) == sorted(manifest["files"]) == ["1", "2"]
    content = cv2.resize(cv2.imread(str(sorted((data_dir / "content").iterdir())[0])), (64, 48))
    content = content[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255
    style = cv2.resize(cv2.imread(str(sorted((data_dir / "style").iterdir())[0])), (64, 64))
    style = style[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255
    for step, name in manifest["files_fp16"].items():
        full = ort.InferenceSession(str(site / manifest["files"][step]), providers=["CPUExecutionProvider"])
        half = ort.InferenceSession(str(site / name), providers=["CPUExecutionProvider"])
        assert [i.type for i in half.get_inputs()] == [i.type for i in full.get_inputs()]  # float32 io
        feeds = {"content": content, "style": style}
        a, b = full.run(None, feeds)[0], half.run(None, feeds)[0]
        psnr = 10 * np.log10(1 / float(np.mean((a.clip(0, 1) - b.clip(0, 1)) ** 2)))
        assert psnr > 35, (step, psnr)
