"""ONNX export: every variant against the PyTorch sequence and the authors' reference outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from rlministyler.export import verification
from rlministyler.export.exporter import ExportOptions, export_model
from rlministyler.export.plan import make_plan, parse_size
from rlministyler.export.targets import STYLE_TENSORS
from rlministyler.export.unity_check import check_model, format_report
from rlministyler.runtime.metadata import read_metadata

from rlministyler.contract import Verification
from rlministyler.errors import UserError
from rlministyler.images import read_image

from .conftest import load_reference

ROOT = Path(__file__).resolve().parents[1]
FP32_TOL = 1e-3


def session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def run(path: Path, **feeds: np.ndarray) -> dict[str, np.ndarray]:
    sess = session(path)
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, feeds), strict=True))


@pytest.fixture(scope="module")
def images(data_dir) -> tuple[Path, Path]:
    return data_dir / "content" / "adain_golden_gate.jpg", data_dir / "style" / "adain_la_muse.jpg"


@pytest.fixture(scope="module")
def exported(tmp_path_factory, weights_dir, images):
    """One export per variant, shared by the tests below (each is verified while exporting)."""
    out = tmp_path_factory.mktemp("onnx")
    made = {}
    for key, kwargs in {
        "full1": dict(steps=1),
        "full5": dict(steps=5),
        "all5": dict(steps=5, all_steps=True),
        "baked5": dict(steps=5, variant="baked", style=images[1]),
        "split5": dict(steps=5, variant="split"),
        "static": dict(steps=2, size=(64, 96)),
        "sentis": dict(steps=3, all_steps=True, target="sentis"),
    }.items():
        opts = ExportOptions(output=out / f"{key}.onnx", checkpoint=str(weights_dir),
                             verify_images=images, quiet=True, **kwargs)
        made[key] = export_model(opts)
    return made


def test_full_matches_the_reference(exported):
    for case in ("a", "b"):
        ref = load_reference(case)
        got = run(exported["full5"].files[0], content=ref["content"], style=ref["style"])
        assert np.abs(got["stylized"] - np.clip(ref["mean_outputs"][4], 0, 1)).max() < FP32_TOL
        got = run(exported["full1"].files[0], content=ref["content"], style=ref["style"])
        assert np.abs(got["stylized"] - np.clip(ref["mean_outputs"][0], 0, 1)).max() < FP32_TOL


def test_all_steps_outputs_every_step(exported):
    ref = load_reference("b")
    got = run(exported["all5"].files[0], content=ref["content"], style=ref["style"])
    assert list(got) == [f"step_{t}" for t in range(1, 6)]
    for t in range(1, 6):
        assert np.abs(got[f"step_{t}"] - np.clip(ref["mean_outputs"][t - 1], 0, 1)).max() < FP32_TOL
    assert np.abs(got["step_1"] - got["step_5"]).max() > 0.05
    meta = read_metadata(exported["all5"].files[0])
    assert [o["step"] for o in meta["outputs"]] == [1, 2, 3, 4, 5]


def test_dynamic_sizes_and_batches(exported, stylizer):
    rng = np.random.default_rng(1)
    style = rng.random((1, 3, 40, 52), dtype=np.float32)
    for shape in [(1, 3, 32, 48), (2, 3, 72, 40)]:
        content = rng.random(shape, dtype=np.float32)
        got = run(exported["full5"].files[0], content=content, style=style)["stylized"]
        expected = stylizer.sequence(torch.from_numpy(content), torch.from_numpy(style), steps=[5])[5]
        assert got.shape == shape
        assert np.abs(got - expected.clamp(0, 1).numpy()).max() < FP32_TOL


def test_baked_has_no_style_input_and_fewer_nodes(exported, images, stylizer):
    baked, full = exported["baked5"], exported["full5"]
    sess = session(baked.files[0])
    assert [i.name for i in sess.get_inputs()] == ["content"]
    assert baked.nodes_after < full.nodes_after
    model = onnx.load(str(baked.files[0]))
    assert not any(i.name == "style" for i in model.graph.input)
    meta = read_metadata(baked.files[0])
    assert meta["style_file"] == images[1].name and len(meta["style_sha256"]) == 64
    ref = load_reference("a")
    from rlministyler.training.sequence import to_tensor

    from rlministyler.images import read_image, resize_shorter

    style = to_tensor(resize_shorter(read_image(images[1]), 256))
    got = run(baked.files[0], content=ref["content"])["stylized"]
    expected = stylizer.sequence(torch.from_numpy(ref["content"]), style, steps=[5])[5]
    assert np.abs(got - expected.clamp(0, 1).numpy()).max() < FP32_TOL


def test_split_composed_equals_full(exported):
    split = exported["split5"]
    assert [p.name for p in split.files] == ["split5.onnx", "split5_style.onnx"]
    ref = load_reference("b")
    tensors = run(split.files[1], style=ref["style"])
    assert list(tensors) == list(STYLE_TENSORS)
    meta = read_metadata(split.sidecar)
    shapes = {t["name"]: t["shape"] for t in meta["style_encoder"]["outputs"]}
    for name, value in tensors.items():
        assert list(value.shape) == shapes[name]
    got = run(split.files[0], content=ref["content"], **tensors)["stylized"]
    full = run(exported["full5"].files[0], content=ref["content"], style=ref["style"])["stylized"]
    assert np.abs(got - full).max() < 1e-5
    assert meta["files"] == {"model": "split5.onnx", "style_encoder": "split5_style.onnx"}


def test_static_size_is_fixed(exported):
    model = onnx.load(str(exported["static"].files[0]))
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, 64, 96]
    with pytest.raises(Exception, match=r"(?i)dimension|shape"):
        run(exported["static"].files[0], content=np.zeros((1, 3, 64, 64), np.float32),
            style=np.zeros((1, 3, 64, 64), np.float32))


def test_metadata_and_sidecar_agree(exported, weights_dir):
    result = exported["full5"]
    inside = read_metadata(result.files[0])
    sidecar = json.loads(result.sidecar.read_text())
    assert inside == {**sidecar, "role": "frame"}
    assert sidecar["steps"] == 5 and sidecar["variant"] == "full" and sidecar["precision"] == "fp32"
    assert sidecar["size_multiple"] == 4 and sidecar["layout"] == "NCHW"
    assert sidecar["value_range"] == [0.0, 1.0] and sidecar["opset"] == 17
    assert sidecar["checkpoint_official"] is True
    assert [i["name"] for i in sidecar["inputs"]] == ["content", "style"]
    assert sidecar["verification"]["max_abs_diff"]["stylized"] < FP32_TOL


def test_sentis_export_passes_check_unity(exported):
    report = check_model(exported["sentis"].files[0], "sentis")
    assert report.ok, report.failures
    assert report.opset == 15


def test_sentis_export_imports_without_importer_warnings(exported):
    # PyTorch writes cubic_coeff_a on every Resize (6 here); Inference Engine 2.4 warns on
    # each: the sentis target removes them before verification
    path = exported["sentis"].files[0]
    report = check_model(path, "sentis")
    assert report.failures == [] and report.importer_warnings == [], format_report(report)
    model = onnx.load(str(path))
    resizes = [n for n in model.graph.node if n.op_type == "Resize"]
    assert resizes
    assert not any(a.name in ("cubic_coeff_a", "exclude_outside") for n in resizes for a in n.attribute)


def test_unity_target_fails_on_check_unity_failures(weights_dir, tmp_path, monkeypatch):
    import rlministyler.export.unity_check as unity_check

    def failing(path, engine="sentis", **options):
        report = check_model(path, engine, **options)
        report.failures.append("Conv (c): made up for this test")
        return report

    monkeypatch.setattr(unity_check, "check_model", failing)
    with pytest.raises(UserError, match=r"(?s)check-unity --engine sentis fails on .*made up for this test"):
        export_model(ExportOptions(output=tmp_path / "u.onnx", steps=1, target="sentis",
                                   checkpoint=str(weights_dir), quiet=True))
    assert list(tmp_path.iterdir()) == []  # a model Unity would not import is not left behind


def test_barracuda_export_is_static_opset9_and_imports(weights_dir, images, tmp_path):
    result = export_model(ExportOptions(output=tmp_path / "b.onnx", steps=2, target="barracuda",
                                        size=(64, 64), checkpoint=str(weights_dir),
                                        verify_images=images, quiet=True))
    report = check_model(result.files[0], "barracuda")
    assert report.ok, report.failures
    assert report.opset == 9
    assert "Resize" not in report.op_histogram and "Upsample" not in report.op_histogram
    assert report.importer_warnings == [], format_report(report)
    assert all(check_model(f, "barracuda").clean for f in result.files)
    ref = load_reference("a")
    got = run(result.files[0], content=ref["content"], style=ref["style"])["stylized"]
    assert np.abs(got - np.clip(ref["mean_outputs"][1], 0, 1)).max() < FP32_TOL


def test_fp16_keeps_float32_io(weights_dir, images, tmp_path):
    result = export_model(ExportOptions(output=tmp_path / "h.onnx", steps=2, precision="fp16",
                                        checkpoint=str(weights_dir), verify_images=images, quiet=True))
    sess = session(result.files[0])
    assert all(i.type == "tensor(float)" for i in sess.get_inputs())
    assert all(o.type == "tensor(float)" for o in sess.get_outputs())
    model = onnx.load(str(result.files[0]))
    assert any(t.data_type == onnx.TensorProto.FLOAT16 for t in model.graph.initializer)
    assert result.psnr["stylized"] >= 30
    assert check_model(result.files[0], "sentis").ok


def test_int8_is_qdq_and_not_for_unity(weights_dir, images, data_dir, tmp_path):
    calib = tmp_path / "calib"
    calib.mkdir()
    for name in ("adain_chicago.jpg", "adain_sailboat.jpg", "lst_corgi.png"):
        (calib / name).write_bytes((data_dir / "content" / name).read_bytes())
    result = export_model(ExportOptions(output=tmp_path / "q.onnx", steps=1, precision="int8",
                                        variant="baked", style=images[1], calibration=calib,
                                        size=(128, 128), checkpoint=str(weights_dir),
                                        verify_images=images, quiet=True))
    report = check_model(result.files[0], "sentis")
    assert not report.ok
    assert "QuantizeLinear" in " ".join(report.failures)
    assert result.psnr["stylized"] >= 30
    meta = read_metadata(result.files[0])
    assert 0 < meta["int8"]["int8_conv_groups"] <= meta["int8"]["conv_groups"]


def _worst_psnr(model_a, model_b, paths: list[Path], size: int = 128) -> float:
    """The worst PSNR between two models' outputs over ``paths`` (area-resized to ``size``²)."""
    from rlministyler.metrics import psnr

    sessions = [ort.InferenceSession(m if isinstance(m, bytes) else str(m),
                                     providers=["CPUExecutionProvider"])
                for m in (model_a, model_b)]
    worst = 99.0
    for path in paths:
        rgb = cv2.resize(read_image(path), (size, size), interpolation=cv2.INTER_AREA)
        x = rgb.transpose(2, 0, 1)[None].copy()
        a, b = (s.run(None, {"content": x})[0] for s in sessions)
        worst = min(worst, psnr(a, b))
    return worst


def test_int8_is_within_35_db_of_fp32_on_every_sample_image(weights_dir, images, data_dir, tmp_path):
    """The int8 quality bound: calibrated on the sample photos, every one of them, the 7 that the
    exporter does not read included, comes out of the int8 model within 35 dB PSNR of the fp32 model
    (same export, same size). The int8 arithmetic is the same on every x86-64 CPU (7-bit weights, see
    the next test), so the bound does not depend on the CPU the test runs on. Negative control: the
    same check fails on the model with every candidate convolution in int8."""
    from rlministyler.export import precision

    folder = data_dir / "content"
    common = dict(steps=1, variant="baked", style=images[1], size=(128, 128), checkpoint=str(weights_dir),
                  verify_images=images, quiet=True)
    fp32 = export_model(ExportOptions(output=tmp_path / "f.onnx", **common))
    int8 = export_model(ExportOptions(output=tmp_path / "q.onnx", precision="int8", calibration=folder,
                                      **common))
    summary = int8.metadata["int8"]
    assert summary["int8_conv_groups"] >= 1
    assert summary["worst_probe_psnr_db"] >= 35.0 + summary["search_margin_db"]
    assert summary["measured_on_cpu"] == precision.cpu_features()
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    assert len(paths) > precision.CALIBRATION_FRAMES  # some photos were not seen by the search
    assert _worst_psnr(fp32.files[0], int8.files[0], paths) >= 35.0

    float_model = onnx.load(str(fp32.files[0]))
    shapes = {t.name: list(t.dims) for t in float_model.graph.initializer}
    every = [n.name for n in float_model.graph.node
             if n.op_type == "Conv" and precision._pays_in_int8(n, shapes)]
    feeds = [{"content": cv2.resize(read_image(p), (128, 128), interpolation=cv2.INTER_AREA)
              .transpose(2, 0, 1)[None].copy()} for p in paths[:8]]
    all_int8 = precision._quantize(float_model, feeds, every)
    assert _worst_psnr(fp32.files[0], all_int8.SerializeToString(), paths) < 35.0


def test_int8_weights_cannot_saturate_any_x86_kernel(weights_dir, images, data_dir, tmp_path):
    """Without VNNI, onnxruntime's u8s8 kernels add pairs of uint8 x int8 products in int16; with
    weights in [-64, 64] the pair stays within int16 (2 x 255 x 64 = 32640), so AVX2, AVX-512, VNNI and
    AMX kernels compute the same integers. Checked on the weights the exporter writes."""
    calib = tmp_path / "calib"
    calib.mkdir()
    for name in ("adain_chicago.jpg", "lst_corgi.png"):
        (calib / name).write_bytes((data_dir / "content" / name).read_bytes())
    result = export_model(ExportOptions(output=tmp_path / "q.onnx", steps=1, precision="int8",
                                        variant="baked", style=images[1], calibration=calib,
                                        size=(64, 64), checkpoint=str(weights_dir),
                                        verify_images=images, quiet=True))
    model = onnx.load(str(result.files[0]))
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    quantized = [inits[n.input[0]] for n in model.graph.node
                 if n.op_type == "DequantizeLinear" and inits.get(n.input[0]) is not None
                 and inits[n.input[0]].dtype == np.int8]
    assert len(quantized) >= result.metadata["int8"]["int8_conv_groups"]
    for weights in quantized:
        assert int(np.abs(weights.astype(np.int32)).max()) <= 64
    assert "7-bit" in result.metadata["int8"]["format"]["weights"]


def test_failed_verification_removes_the_files(weights_dir, images, tmp_path, monkeypatch):
    monkeypatch.setitem(verification.TOLERANCE, "fp32", {"max_abs": 0.0})
    monkeypatch.setattr(verification, "float64_check", lambda failures, *args: failures)
    out = tmp_path / "x.onnx"
    with pytest.raises(UserError, match="verification failed"):
        export_model(ExportOptions(output=out, steps=1, variant="split", checkpoint=str(weights_dir),
                                   verify_images=images, quiet=True))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("kwargs", "needle"), [
    (dict(steps=0), "out of range"),
    (dict(steps=65), "out of range"),
    (dict(steps=1, variant="baked"), "needs --style"),
    (dict(steps=1, target="sentis", precision="int8", calibration=Path(".")), "cannot target sentis"),
    (dict(steps=1, precision="int8"), "needs --calibration"),
    (dict(steps=1, target="barracuda"), "static shapes"),
    (dict(steps=1, target="sentis", opset=18), "not usable for --target sentis"),
    (dict(steps=1, output=Path("model.pt")), "must end in .onnx"),
])
def test_bad_options_are_refused_before_work(kwargs, needle, tmp_path):
    opts = {"output": tmp_path / "m.onnx", **kwargs}
    with pytest.raises(UserError, match=needle):
        make_plan(ExportOptions(**opts))


@pytest.mark.parametrize("size", ["63x64", "4x4", "512"])
def test_bad_sizes(size):
    with pytest.raises(UserError, match="size"):
        parse_size(size)


def test_cli_export_and_errors(weights_dir, images, tmp_path):
    env_cmd = [sys.executable, "-m", "rlministyler"]
    out = tmp_path / "cli.onnx"
    proc = subprocess.run([*env_cmd, "export", "--steps", "2", "--checkpoint", str(weights_dir),
                           "--verify", str(images[0]), str(images[1]), "-o", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "onnxsim:" in proc.stdout and "verify stylized: max abs diff" in proc.stdout
    assert out.is_file() and out.with_suffix(".json").is_file()
    proc = subprocess.run([*env_cmd, "check-unity", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0 and "opset 17" in proc.stdout
    proc = subprocess.run([*env_cmd, "export", "--steps", "3", "--variant", "baked", "-o", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "needs --style" in proc.stderr
    proc = subprocess.run([*env_cmd, "export", "--steps", "99", "-o", str(out)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "out of range" in proc.stderr


def test_deep_steps_judged_against_float64_when_fp32_rounding_is_amplified(weights_dir, images, tmp_path):
    """On the synthetic pair with this style, PyTorch fp32 itself drifts > 1e-3 from float64 by
    step 8; the export is accepted because ONNX stays as close to float64 as PyTorch does."""
    result = export_model(ExportOptions(output=tmp_path / "deep.onnx", steps=8, style=images[1],
                                        checkpoint=str(weights_dir), quiet=True))
    assert result.max_abs_diff["stylized"] > FP32_TOL  # the first opinion alone would refuse it
    second = result.float64_max_abs_diff["stylized"]
    assert second["onnx"] <= 1.25 * second["pytorch_fp32"]
    assert read_metadata(result.files[0])["verification"]["float64_max_abs_diff"] == {"stylized": second}


def test_float64_second_opinion_still_rejects_a_wrong_output(stylizer, images):
    rng = np.random.default_rng(0)
    content = rng.random((1, 3, 32, 40), dtype=np.float32)
    style = rng.random((1, 3, 32, 32), dtype=np.float32)
    with torch.no_grad():
        right = stylizer.sequence(torch.from_numpy(content), torch.from_numpy(style), [2])[2]
    right = right.clamp(0, 1).numpy()
    result = Verification()
    got = {"good": right, "bad": np.clip(right + 0.01, 0, 1)}
    still = verification.float64_check(["good", "bad"], got, {"good": right, "bad": right}, stylizer,
                                       content, style, {"good": 2, "bad": 2}, FP32_TOL, result,
                                       lambda _: None)
    assert still == ["bad"]


@pytest.mark.parametrize(("cin", "cout", "k"), [(16, 3, 9), (8, 5, 3), (3, 16, 9)])
def test_half_resolution_conv_is_the_same_convolution(cin, cout, k):
    from rlministyler.export.rewrites import HalfResolutionConv
    from torch import nn
    from torch.nn import functional as F

    torch.manual_seed(0)
    conv = nn.Conv2d(cin, cout, k)
    x = torch.randn(2, cin, 20, 28)
    with torch.no_grad():
        expected = conv(F.pad(x, (k // 2,) * 4, mode="reflect"))
        got = HalfResolutionConv(conv)(x)
    assert got.shape == expected.shape
    assert float((got - expected).abs().max()) < 1e-5


def test_folded_modulation_is_the_same_sum():
    from rlministyler.export.rewrites import _fold_modulation
    from torch import nn
    from torch.nn import functional as F

    torch.manual_seed(1)
    for k in (1, 3):
        conv = nn.Conv2d(8, 8, k)
        w, b = torch.randn(1, 8, 1, 1), torch.randn(1, 8, 1, 1)
        x = torch.randn(2, 8, 12, 10)
        padded = F.pad(x, (k // 2,) * 4, mode="reflect") if k > 1 else x
        with torch.no_grad():
            expected = w * conv(padded) + b * x
            got = _fold_modulation(conv, w, b)(padded)
        assert float((got - expected).abs().max()) < 1e-5


def test_rewrites_are_recorded_and_target_specific(exported):
    ort_path, unity_path = exported["full1"].files[0], exported["sentis"].files[0]
    ort_model, unity_model = onnx.load(str(ort_path)), onnx.load(str(unity_path))
    # fold-modulation: baked only
    assert read_metadata(ort_path)["rewrites"] == ["half-res-head", "depthwise-groups"]
    baked = exported["baked5"].files[0]
    assert read_metadata(baked)["rewrites"] == ["half-res-head", "fold-modulation", "depthwise-groups"]
    assert exported["baked5"].max_abs_diff["stylized"] < FP32_TOL
    assert read_metadata(unity_path)["rewrites"] == []
    assert "SpaceToDepth" in {n.op_type for n in ort_model.graph.node}
    assert "SpaceToDepth" not in {n.op_type for n in unity_model.graph.node}
    assert _grouped_convs(ort_model) == []  # depthwise-groups: only plain depthwise convs are left
    assert _grouped_convs(unity_model)  # Unity targets keep the original grouped convs


def _grouped_convs(model: onnx.ModelProto) -> list[str]:
    """Convs with groups that are not plain depthwise (groups == in == out channels)."""
    shapes = {t.name: list(t.dims) for t in model.graph.initializer}
    found = []
    for node in model.graph.node:
        groups = next((a.i for a in node.attribute if a.name == "group"), 1)
        if node.op_type == "Conv" and groups > 1:
            cout, cin_per_group = shapes[node.input[1]][:2]
            if not (cin_per_group == 1 and cout == groups):
                found.append(node.name)
    return found


def test_depthwise_groups_are_the_same_layers():
    from rlministyler.export.rewrites import PairSumDepthwise, SplitDepthwiseDown
    from rlministyler.training.model.layers import DownStage, ReflectConv
    from torch import nn

    torch.manual_seed(2)
    x = torch.randn(2, 16, 22, 18)
    stage = DownStage(16, 32)
    up = ReflectConv(32, 16, 3, groups=16)
    with torch.no_grad():
        for conv in (stage.depthwise.conv, stage.pointwise.conv, up.conv):
            conv.bias.normal_()
        down = SplitDepthwiseDown(stage)
        assert all(p.groups == 16 for p in down.parts)
        assert float((down(x) - stage(x)).abs().max()) < 1e-5
        y = torch.randn(2, 32, 12, 14)
        pair = PairSumDepthwise(up)
        assert pair.depthwise.groups == 32 and isinstance(pair.pair_sum, nn.Conv2d)
        assert float((pair(y) - up(y)).abs().max()) < 1e-5


def test_cli_knows_every_rewrite(weights_dir):
    """The rewrite names live in rlministyler.spec (so --help needs no torch); every one of them is
    a rewrite the exporter applies, and the CLI accepts them all."""
    from rlministyler.export.rewrites import apply_rewrites
    from rlministyler.training.model import load_pair

    from rlministyler.argtypes import rewrites as _rewrites
    from rlministyler.spec import REWRITES

    actor, builder = load_pair(weights_dir)
    with torch.no_grad():
        code = actor.encode_style(torch.rand(1, 3, 64, 64))
    assert list(apply_rewrites(actor, builder, REWRITES, code)) == list(REWRITES)
    assert _rewrites(",".join(REWRITES)) == REWRITES
    assert _rewrites("none") == ()


def test_a_target_is_one_record(monkeypatch, tmp_path):
    """make_plan reads the target records: a new engine is one Target, and its limits apply."""
    from rlministyler.export import targets

    engine = targets.Target("engine-x", "a test engine", 13, (13, 17), ("fp32", "fp16"), (), static_size=True)
    monkeypatch.setitem(targets.TARGETS, "engine-x", engine)
    out = tmp_path / "m.onnx"
    assert make_plan(ExportOptions(output=out, steps=1, target="engine-x", size=(64, 64))).opset == 13
    with pytest.raises(UserError, match=r"--precision int8 cannot target engine-x: use fp32 or fp16"):
        make_plan(ExportOptions(output=out, steps=1, target="engine-x", size=(64, 64), precision="int8"))
    with pytest.raises(UserError, match=r"--target engine-x needs --size"):
        make_plan(ExportOptions(output=out, steps=1, target="engine-x"))
    with pytest.raises(UserError, match=r"--opset 12 is not usable for --target engine-x: use 13\.\.17"):
        make_plan(ExportOptions(output=out, steps=1, target="engine-x", size=(64, 64), opset=12))


@pytest.mark.parametrize(("kwargs", "needle"), [
    (dict(internal_scale=0.3), "must be 1/N"),
    (dict(internal_scale=0.0), "must be 1/N"),
    (dict(internal_scale=0.5, upsample="nearest"), "--upsample must be one of"),
    (dict(internal_scale=0.25, size=(64, 72)), "multiples of 16"),
    (dict(size=(63, 64)), "invalid --size"),
])
def test_internal_scale_and_size_are_refused_in_the_plan(kwargs, needle, tmp_path):
    """The plan refuses them before any weights are looked for (this checkpoint does not exist)."""
    opts = ExportOptions(output=tmp_path / "m.onnx", steps=1, checkpoint=str(tmp_path / "none"), **kwargs)
    with pytest.raises(UserError, match=needle):
        make_plan(opts)
    with pytest.raises(UserError, match=needle):
        export_model(opts)


def test_every_variant_names_a_frame_graph():
    from rlministyler.export.targets import VARIANTS
    from rlministyler.export.unrolled import FRAME_GRAPHS

    assert {v.graph for v in VARIANTS.values()} <= set(FRAME_GRAPHS)
    plan = make_plan(ExportOptions(output=Path("m.onnx"), steps=3, all_steps=True, internal_scale=0.5))
    assert plan.factor == 2 and plan.output_steps == {"step_1": 1, "step_2": 2, "step_3": 3}
