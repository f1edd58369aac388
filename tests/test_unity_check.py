"""``export.unity_check``: small real ONNX models, checked against the Sentis and Barracuda rules."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from rlministyler.export.unity_check import check_model, format_report, run

from rlministyler.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
RNG = np.random.default_rng(0)


def _init(name: str, array) -> TensorProto:
    return numpy_helper.from_array(np.asarray(array), name)


def _weights(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def _save(model: onnx.ModelProto, tmp_path: Path, name: str, check: bool = True) -> Path:
    if check:
        onnx.checker.check_model(model, full_check=True)
    path = tmp_path / name
    onnx.save(model, str(path))
    return path


def _model(nodes, inputs, outputs, inits, opset: int, extra_opsets=()) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=inits)
    opsets = [helper.make_opsetid("", opset), *extra_opsets]
    return helper.make_model(graph, opset_imports=opsets, ir_version=8)


def stylenet(opset: int, dynamic: bool, *, resize_mode: str = "linear",
             ctm: str = "pytorch_half_pixel", channels: int = 8) -> onnx.ModelProto:
    """Pad(reflect) -> Conv -> Relu -> Resize/Upsample x2 -> x - ReduceMean(x): the network's pattern."""
    h, w = ("height", "width") if dynamic else (32, 32)
    oh, ow = ("out_h", "out_w") if dynamic else (64, 64)
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, h, w])
    y = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, channels, oh, ow])
    inits = [_init("W", _weights(channels, 3, 3, 3)), _init("B", _weights(channels))]
    nodes = []
    if opset >= 11:
        inits.append(_init("pads", np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64)))
        nodes.append(helper.make_node("Pad", ["image", "pads"], ["padded"], "pad", mode="reflect"))
    else:
        nodes.append(helper.make_node("Pad", ["image"], ["padded"], "pad", mode="reflect",
                                      pads=[0, 0, 1, 1, 0, 0, 1, 1]))
    nodes += [helper.make_node("Conv", ["padded", "W", "B"], ["conv"], "conv", kernel_shape=[3, 3]),
              helper.make_node("Relu", ["conv"], ["relu"], "relu")]
    inits.append(_init("scales", np.array([1, 1, 2, 2], np.float32)))
    if opset >= 11:
        nodes.append(helper.make_node("Resize", ["relu", "", "scales"], ["up"], "up", mode=resize_mode,
                                      coordinate_transformation_mode=ctm))
    else:
        nodes.append(helper.make_node("Upsample", ["relu", "scales"], ["up"], "up", mode=resize_mode))
    if opset >= 18:  # ReduceMean-18 takes axes as an input
        inits.append(_init("axes", np.array([2, 3], np.int64)))
        nodes.append(helper.make_node("ReduceMean", ["up", "axes"], ["mean"], "mean", keepdims=1))
    else:
        nodes.append(helper.make_node("ReduceMean", ["up"], ["mean"], "mean", axes=[2, 3], keepdims=1))
    nodes.append(helper.make_node("Sub", ["up", "mean"], ["out"], "sub"))
    return _model(nodes, [x], [y], inits, opset)


def qdq_model() -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 6, 6])
    inits = [_init("s", np.array(0.02, np.float32)), _init("zp", np.array(0, np.int8)),
             _init("Wq", RNG.integers(-100, 100, (4, 3, 3, 3)).astype(np.int8)),
             _init("ws", np.array(0.01, np.float32))]
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["xq"], "quant_x"),
             helper.make_node("DequantizeLinear", ["xq", "s", "zp"], ["xd"], "dequant_x"),
             helper.make_node("DequantizeLinear", ["Wq", "ws", "zp"], ["W"], "dequant_w"),
             helper.make_node("Conv", ["xd", "W"], ["y"], "conv")]
    return _model(nodes, [x], [y], inits, 13)


def conv_model(opset: int, weight_shape, group: int = 1, op: str = "Conv", in_ch: int = 4, **attrs):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, in_ch, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    node = helper.make_node(op, ["x", "W"], ["y"], "c", group=group, **attrs)
    return _model([node], [x], [y], [_init("W", _weights(*weight_shape))], opset)


# ---------------------------------------------------------------------------------------------------


def test_dynamic_opset15_model_passes_sentis_and_fails_barracuda(tmp_path):
    path = _save(stylenet(15, dynamic=True), tmp_path, "dyn15.onnx")

    sentis = check_model(path, "sentis")
    assert sentis.ok, sentis.failures
    assert sentis.opset == 15 and sentis.ir_version == 8
    assert sentis.inputs == [("image", [1, 3, "height", "width"])]
    assert sentis.outputs == [("out", [1, 8, "out_h", "out_w"])]
    assert sentis.op_histogram == {"Conv": 1, "Pad": 1, "ReduceMean": 1, "Relu": 1, "Resize": 1, "Sub": 1}
    assert any("height" in n and "width" in n for n in sentis.notes)
    assert not sentis.warnings

    barracuda = check_model(path, "barracuda")
    assert not barracuda.ok
    assert any("static shapes" in x and "image" in x for x in barracuda.failures), barracuda.failures
    assert any("opset 15" in w for w in barracuda.warnings)
    assert any("Resize" in w and "pytorch_half_pixel" in w for w in barracuda.warnings)


def test_static_opset9_model_passes_barracuda(tmp_path):
    path = _save(stylenet(9, dynamic=False), tmp_path, "static9.onnx")
    report = check_model(path, "barracuda")
    assert report.ok, report.failures
    assert report.opset == 9
    assert report.inputs == [("image", [1, 3, 32, 32])]
    assert "Upsample" in report.op_histogram
    # linear upsampling: Barracuda ignores coordinate modes, so it warns but still imports
    assert any("Upsample" in w and "differs from" in w for w in report.warnings), report.warnings
    assert check_model(path, "sentis").ok


def test_static_nearest_integer_upsample_has_no_resize_warning(tmp_path):
    path = _save(stylenet(9, dynamic=False, resize_mode="nearest"), tmp_path, "nearest9.onnx")
    report = check_model(path, "barracuda")
    assert report.ok
    assert not report.warnings, report.warnings


def test_qdq_model_fails_both_engines_naming_the_ops(tmp_path):
    path = _save(qdq_model(), tmp_path, "qdq.onnx")
    for engine in ("sentis", "barracuda"):
        report = check_model(path, engine)
        assert not report.ok
        text = "\n".join(report.failures)
        assert "QuantizeLinear" in text and "DequantizeLinear" in text, text
        assert "quant_x" in text and "dequant_w" in text
        assert "DequantizeLinear x2" in text  # one line per op, naming every node


@pytest.mark.parametrize(("opset", "mode", "ctm", "needle"), [
    (19, "linear", "half_pixel_symmetric", "half_pixel_symmetric"),
    (15, "cubic", "half_pixel", "cubic"),
    (15, "linear", "tf_crop_and_resize", "tf_crop_and_resize"),
])
def test_unsupported_resize_fails_sentis(tmp_path, opset, mode, ctm, needle):
    model = stylenet(opset, dynamic=False, resize_mode=mode, ctm=ctm)
    report = check_model(_save(model, tmp_path, "r.onnx", check=ctm != "tf_crop_and_resize"), "sentis")
    assert not report.ok
    assert any("Resize" in x and needle in x for x in report.failures), report.failures


def test_opset18_warns_for_sentis_but_imports(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 1, 1])
    axes = _init("axes", np.array([2, 3], np.int64))
    nodes = [helper.make_node("Relu", ["x"], ["r"]),
             helper.make_node("ReduceMean", ["r", "axes"], ["y"], keepdims=1)]
    report = check_model(_save(_model(nodes, [x], [y], [axes], 18), tmp_path, "o18.onnx"), "sentis")
    assert report.ok, report.failures
    assert report.opset == 18
    assert any("opset 18" in w and "2.6" in w for w in report.warnings), report.warnings


@pytest.mark.parametrize(("opset", "ok"), [(5, False), (7, True), (26, False)])
def test_sentis_opset_bounds(opset, ok):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])
    model = _model([helper.make_node("Relu", ["x"], ["y"])], [x], [y], [], opset)
    report = check_model(model, "sentis")
    assert report.ok is ok, report.failures
    assert report.opset == opset


def test_missing_opset_import_reads_as_15():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    model = helper.make_model(graph)
    del model.opset_import[:]
    report = check_model(model, "sentis")
    assert report.opset == 15 and report.ok
    assert any("opset 15" in n for n in report.notes)


def test_microsoft_domain_op_fails(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 6, 6])
    node = helper.make_node("FusedConv", ["x", "W"], ["y"], "fused", domain="com.microsoft",
                            activation="Relu")
    model = _model([node], [x], [y], [_init("W", _weights(4, 3, 3, 3))], 15,
                   extra_opsets=[helper.make_opsetid("com.microsoft", 1)])
    path = _save(model, tmp_path, "ms.onnx", check=False)
    for engine in ("sentis", "barracuda"):
        report = check_model(path, engine)
        assert not report.ok
        assert any("com.microsoft.FusedConv" in x and "fused" in x for x in report.failures), report.failures
        assert report.op_histogram == {"com.microsoft.FusedConv": 1}


def test_more_than_eight_dims_fails_sentis():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1] * 9)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1] * 9)
    model = _model([helper.make_node("Relu", ["x"], ["y"])], [x], [y], [], 15)
    report = check_model(model, "sentis")
    assert not report.ok
    assert any("9 dimensions" in x for x in report.failures)


def test_fp16_weights_are_a_note_for_sentis():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT16, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT16, [1, 4, 6, 6])
    w = _init("W", _weights(4, 3, 3, 3).astype(np.float16))
    model = _model([helper.make_node("Conv", ["x", "W"], ["y"])], [x], [y], [w], 15)
    report = check_model(model, "sentis")
    assert report.ok
    assert any("float16" in n and "float32" in n for n in report.notes)


def test_subgraphs_are_counted_and_control_flow_fails():
    cond = helper.make_tensor_value_info("cond", TensorProto.BOOL, [])
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])
    then_g = helper.make_graph([helper.make_node("Relu", ["x"], ["t"])], "then", [],
                               [helper.make_tensor_value_info("t", TensorProto.FLOAT, [1, 3])])
    else_g = helper.make_graph([helper.make_node("Tanh", ["x"], ["e"])], "else", [],
                               [helper.make_tensor_value_info("e", TensorProto.FLOAT, [1, 3])])
    node = helper.make_node("If", ["cond"], ["y"], "branch", then_branch=then_g, else_branch=else_g)
    report = check_model(_model([node], [cond, x], [y], [], 15), "sentis")
    assert report.op_histogram == {"If": 1, "Relu": 1, "Tanh": 1}
    assert not report.ok
    assert any(x.startswith("If") and "branch" in x for x in report.failures)


def test_barracuda_grouped_conv_fails_but_depthwise_passes():
    grouped = check_model(conv_model(9, (4, 2, 3, 3), group=2), "barracuda")
    assert not grouped.ok
    assert any("group=2" in x and "depthwise" in x for x in grouped.failures), grouped.failures
    assert check_model(conv_model(9, (4, 2, 3, 3), group=2), "sentis").ok
    depthwise = check_model(conv_model(9, (4, 1, 3, 3), group=4), "barracuda")
    assert depthwise.ok, depthwise.failures


def test_barracuda_grouped_conv_transpose_fails():
    report = check_model(conv_model(9, (4, 2, 3, 3), group=2, op="ConvTranspose"), "barracuda")
    assert not report.ok
    assert any("ConvTranspose" in x and "group=2" in x for x in report.failures), report.failures
    assert check_model(conv_model(15, (4, 2, 3, 3), group=2, op="ConvTranspose"), "sentis").ok


@pytest.mark.parametrize(("mode", "pads", "opset", "needle"), [
    ("wrap", [0, 0, 1, 1, 0, 0, 1, 1], 19, "wrap"),
    ("constant", [0, 1, 0, 0, 0, 1, 0, 0], 11, "channel"),
])
def test_barracuda_pad_rules(mode, pads, opset, needle):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    node = helper.make_node("Pad", ["x", "pads"], ["y"], "p", mode=mode)
    model = _model([node], [x], [y], [_init("pads", np.array(pads, np.int64))], opset)
    report = check_model(model, "barracuda")
    assert not report.ok
    assert any("Pad" in x and needle in x for x in report.failures), report.failures
    assert check_model(model, "sentis").ok


def test_check_model_accepts_a_model_proto_and_unknown_engine_is_a_user_error():
    model = stylenet(15, dynamic=False)
    assert check_model(model).ok
    with pytest.raises(UserError, match="unknown engine"):
        check_model(model, "tensorrt")


def test_external_data_is_loaded_and_missing_external_data_is_a_user_error(tmp_path):
    model = stylenet(15, dynamic=False, channels=64)
    path = tmp_path / "ext.onnx"
    onnx.save(model, str(path), save_as_external_data=True, location="ext.onnx.data", size_threshold=0)
    assert (tmp_path / "ext.onnx.data").is_file()
    report = check_model(path, "barracuda")
    assert report.ok, report.failures
    (tmp_path / "ext.onnx.data").unlink()
    with pytest.raises(UserError, match="external"):
        check_model(path)


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="not found"):
        check_model(tmp_path / "nope.onnx")


@pytest.mark.parametrize("content", [b"\x08\x96\x01garbage\xff\xfe\x00 not onnx at all" * 3, b"",
                                     b"just some text, not a model\n"])
def test_garbage_file_is_a_user_error(tmp_path, content):
    path = tmp_path / "bad.onnx"
    path.write_bytes(content)
    with pytest.raises(UserError) as info:
        check_model(path)
    assert "\n" not in str(info.value)
    assert "bad.onnx" in str(info.value)


def test_run_prints_the_verdict_and_returns_0_or_1(tmp_path, capsys):
    path = _save(stylenet(15, dynamic=True), tmp_path, "dyn.onnx")
    assert run(argparse.Namespace(model=str(path), engine="sentis")) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: ") and "Sentis" in out
    assert "input  image [1, 3, height, width]" in out
    assert "Conv x1" in out

    assert run(argparse.Namespace(model=str(path), engine="barracuda")) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAIL: ") and "Barracuda" in out
    assert "\nFAIL  input 'image'" in out and "\nWARN  " in out


def test_format_report_lists_every_finding(tmp_path):
    report = check_model(_save(qdq_model(), tmp_path, "qdq.onnx"), "sentis")
    text = format_report(report)
    assert text.splitlines()[0].startswith("FAIL: ")
    assert sum(line.startswith("FAIL  ") for line in text.splitlines()) == len(report.failures)


def test_imports_without_torch():
    code = "import sys; sys.modules['torch'] = None; import rlministyler.export.unity_check"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr


# ---------------------------------------------------------------------------------------------------
# Importer warnings: what Unity's importer logs while still importing, kept apart from failures


def resize_model(opset: int = 15, mode: str = "linear", ctm: str = "pytorch_half_pixel", **attrs):
    """x -> Resize x2, with the attributes PyTorch writes (cubic_coeff_a, exclude_outside, ...)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 8, 8])
    node = helper.make_node("Resize", ["x", "", "scales"], ["y"], "up", mode=mode,
                            coordinate_transformation_mode=ctm, **attrs)
    return _model([node], [x], [y], [_init("scales", np.array([1, 1, 2, 2], np.float32))], opset)


def _run_ort(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"x": x})[0]


def test_cubic_coeff_a_is_an_importer_warning_not_a_failure(tmp_path):
    # what torch.onnx writes for F.interpolate(mode="bilinear"): Inference Engine 2.4 warns on it,
    # whatever its value
    for value in (-0.75, -0.5):
        path = _save(resize_model(cubic_coeff_a=value, exclude_outside=0, nearest_mode="floor"),
                     tmp_path, f"r{value}.onnx")
        report = check_model(path, "sentis")
        assert report.ok and not report.clean, report.failures
        assert any("cubic_coeff_a" in w and "Value will be ignored" in w for w in report.importer_warnings)
        assert any("exclude_outside" in w for w in report.importer_warnings)
        assert not any("cubic_coeff_a" in x for x in report.failures + report.warnings)
        assert not any("nearest_mode" in w for w in report.importer_warnings)  # 2.4 does not warn on it
    assert check_model(_save(resize_model(), tmp_path, "plain.onnx"), "sentis").clean


def test_importer_warnings_group_nodes_and_skip_resize10(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 16, 16])
    nodes = [helper.make_node("Resize", [src, "", "scales"], [dst], name, mode="linear", cubic_coeff_a=-0.75)
             for src, dst, name in (("x", "m", "up1"), ("m", "y", "up2"))]
    model = _model(nodes, [x], [y], [_init("scales", np.array([1, 1, 2, 2], np.float32))], 15)
    report = check_model(model, "sentis")
    assert len(report.importer_warnings) == 1
    assert report.importer_warnings[0].startswith("Resize x2 (up1, up2)")
    # Resize-10 (opset 10): the importer does not read these attributes, so no warning
    old = helper.make_node("Resize", ["x", "scales"], ["y"], "up", mode="linear")
    old.attribute.append(helper.make_attribute("cubic_coeff_a", -0.75))
    assert not check_model(_model([old], [x], [y], [_init("scales", np.array([1, 1, 4, 4], np.float32))],
                                  10), "sentis").importer_warnings


def test_format_report_keeps_failures_importer_warnings_and_warnings_apart(tmp_path):
    model = resize_model(cubic_coeff_a=-0.75, exclude_outside=1)  # exclude_outside=1: a failure
    report = check_model(model, "sentis")
    assert any("exclude_outside=1" in x for x in report.failures)
    assert any("cubic_coeff_a" in w for w in report.importer_warnings)
    text = format_report(report)
    lines = text.splitlines()
    assert "1 failure, 2 importer warnings, 0 warnings" in lines[0]
    assert sum(line.startswith("FAIL  ") for line in lines) == len(report.failures)
    assert sum(line.startswith("IMPORTER WARN  ") for line in lines) == len(report.importer_warnings)
    assert not any(line.startswith("WARN  ") for line in lines)
    fails = [i for i, line in enumerate(lines) if line.startswith("FAIL  ")]
    imports = [i for i, line in enumerate(lines) if line.startswith("IMPORTER WARN  ")]
    assert max(fails) < min(imports)


def test_barracuda_importer_warns_on_resize11_attributes_that_differ():
    report = check_model(resize_model(11, ctm="pytorch_half_pixel", cubic_coeff_a=-0.75), "barracuda")
    assert any("coordinate_transformation_mode" in w for w in report.importer_warnings)
    assert not any("cubic_coeff_a" in w for w in report.importer_warnings)  # the default: no warning
    assert any("pytorch_half_pixel" in w for w in report.warnings)  # the checker's own advice stays


def test_drop_ignored_attributes_removes_only_what_changes_nothing():
    from rlministyler.export.unity_check import drop_ignored_attributes

    model = resize_model(cubic_coeff_a=-0.5, exclude_outside=0, extrapolation_value=0.0, nearest_mode="floor")
    x = RNG.standard_normal((1, 2, 4, 4)).astype(np.float32)
    before = _run_ort(model, x)
    dropped = drop_ignored_attributes(model, "sentis")
    assert sorted(dropped) == ["Resize.cubic_coeff_a", "Resize.exclude_outside", "Resize.extrapolation_value"]
    assert check_model(model, "sentis").clean
    np.testing.assert_array_equal(_run_ort(model, x), before)
    names = {a.name for a in model.graph.node[0].attribute}
    assert names == {"mode", "coordinate_transformation_mode", "nearest_mode"}

    barracuda = resize_model(11, cubic_coeff_a=-0.5, nearest_mode="floor")
    assert sorted(drop_ignored_attributes(barracuda, "barracuda")) == ["Resize.cubic_coeff_a",
                                                                       "Resize.nearest_mode"]
    # the coordinate mode matters for the result: it stays, and so does its importer warning
    left = check_model(barracuda, "barracuda").importer_warnings
    assert any("coordinate_transformation_mode" in w for w in left)

    cubic = resize_model(mode="cubic", cubic_coeff_a=-0.5, exclude_outside=1)
    assert drop_ignored_attributes(cubic, "sentis") == []
    assert not check_model(cubic, "sentis").ok


def test_cli_lists_importer_warnings(tmp_path):
    path = _save(resize_model(cubic_coeff_a=-0.75), tmp_path, "r.onnx")
    proc = subprocess.run([sys.executable, "-m", "rlministyler.export.unity_check", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("OK: ") and "1 importer warning" in proc.stdout.splitlines()[0]
    assert "\nIMPORTER WARN  Resize (up): cubic_coeff_a=-0.75" in proc.stdout


# --------------------------------------------------------------------------------------------------
# Sentis' CPU fallback, and URP (--urp): a model scheduled into URP's command buffer must have none


def shape_model(pattern: str) -> onnx.ModelProto:
    """Conv on a dynamic frame (batch too, as the exports), then a shape computed at run time:
    ``resize``: Resize to twice the input's size (sizes from Shape -> Slice -> Mul -> Concat), a
    computation Sentis runs on the CPU; ``view``: ``x.view(x.size(0), C, -1)``, which Sentis' Reshape
    simplification folds into a constant; ``static``: the same view of a frame of fixed size."""
    n, h, w = (1, 32, 32) if pattern == "static" else ("batch", "height", "width")
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, [n, 3, h, w])
    inits = [_init("W", _weights(4, 3, 3, 3)), _init("B", _weights(4))]
    nodes = [helper.make_node("Conv", ["image", "W", "B"], ["conv"], "conv", kernel_shape=[3, 3],
                              pads=[1] * 4),
             helper.make_node("Shape", ["conv"], ["shape"], "shape")]
    if pattern == "resize":
        inits += [_init("s0", np.array([0], np.int64)), _init("s2", np.array([2], np.int64)),
                  _init("s4", np.array([4], np.int64)), _init("two", np.array([2, 2], np.int64)),
                  _init("roi", np.array([], np.float32)), _init("no_scales", np.array([], np.float32))]
        nodes += [helper.make_node("Slice", ["shape", "s0", "s2"], ["nc"], "nc"),
                  helper.make_node("Slice", ["shape", "s2", "s4"], ["hw"], "hw"),
                  helper.make_node("Mul", ["hw", "two"], ["hw2"], "hw2"),
                  helper.make_node("Concat", ["nc", "hw2"], ["sizes"], "sizes", axis=0),
                  helper.make_node("Resize", ["conv", "roi", "no_scales", "sizes"], ["out"], "up",
                                   mode="linear")]
        y = helper.make_tensor_value_info("out", TensorProto.FLOAT, [n, 4, "out_h", "out_w"])
    else:
        inits += [_init("i0", np.array(0, np.int64)), _init("rest", np.array([4, -1], np.int64))]
        nodes += [helper.make_node("Gather", ["shape", "i0"], ["n"], "n", axis=0),
                  helper.make_node("Unsqueeze", ["n"], ["n1"], "n1", axes=[0]),
                  helper.make_node("Concat", ["n1", "rest"], ["view_shape"], "view_shape", axis=0),
                  helper.make_node("Reshape", ["conv", "view_shape"], ["out"], "view")]
        length = 32 * 32 if pattern == "static" else "n"
        y = helper.make_tensor_value_info("out", TensorProto.FLOAT, [n, 4, length])
    return _model(nodes, [x], [y], inits, 12)


def test_cpu_fallback_fails_for_urp_and_warns_otherwise(tmp_path):
    path = _save(shape_model("resize"), tmp_path, "resize.onnx")
    report = check_model(path, "sentis")
    assert report.ok and not report.failures
    warning, = [w for w in report.warnings if "CPU fallback" in w]
    assert "Resize 'up' input 3" in warning and "Shape" in warning and "--urp" in warning

    urp = check_model(path, "sentis", urp=True)
    assert not urp.ok
    failure, = urp.failures
    assert "5 layer(s) run on Sentis' CPU fallback (Shape x1, Slice x2, Mul x1, Concat x1" in failure
    assert "ExecuteCommandBufferAndClear" in failure
    assert run(argparse.Namespace(model=str(path), engine="sentis", urp=True)) == 1


@pytest.mark.parametrize("pattern", ["view", "static"])
def test_shape_computations_the_importer_folds_pass_for_urp(tmp_path, pattern):
    report = check_model(_save(shape_model(pattern), tmp_path, f"{pattern}.onnx"), "sentis", urp=True)
    assert report.ok, report.failures
    assert not [w for w in report.warnings if "CPU" in w]


def test_ops_without_a_gpu_implementation_fail_for_urp():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.INT64, [2, "n"])
    model = _model([helper.make_node("NonZero", ["x"], ["y"], "nz")], [x], [y], [], 15)
    report = check_model(model, "sentis", urp=True)
    assert any("NonZero 'nz' (no GPU implementation)" in f for f in report.failures), report.failures


def test_urp_applies_to_sentis_only(tmp_path):
    with pytest.raises(UserError, match="--urp"):
        check_model(stylenet(9, dynamic=False), "barracuda", urp=True)


def test_cli_takes_urp(tmp_path):
    path = _save(shape_model("resize"), tmp_path, "resize.onnx")
    proc = subprocess.run([sys.executable, "-m", "rlministyler", "check-unity", str(path), "--urp"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAIL  5 layer(s) run on Sentis' CPU fallback" in proc.stdout
