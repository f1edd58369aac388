"""Multiply-accumulates of an ONNX model at a given frame size, counted from its graph.

Convolutions carry all but a sliver of the work in these networks; the count is
``out_h * out_w * out_channels * in_channels / groups * kh * kw`` per Conv (or ConvInteger /
QLinearConv) node, with shapes from ONNX shape inference at the concrete size.
"""

from __future__ import annotations

from pathlib import Path

import onnx
from onnx import shape_inference


def _fix_inputs(model: onnx.ModelProto, height: int, width: int) -> None:
    for value in model.graph.input:
        dims = value.type.tensor_type.shape.dim
        if len(dims) != 4:
            continue
        concrete = [1, dims[1].dim_value or 3, height, width]
        if value.name.startswith("style") or value.name == "style":
            concrete = [1, 3, 256, 256] if value.name == "style" else [d.dim_value or 1 for d in dims]
        for dim, size in zip(dims, concrete, strict=True):
            dim.ClearField("dim_param")
            dim.dim_value = size


def conv_macs(model: str | Path | onnx.ModelProto, height: int, width: int) -> int:
    """Total conv multiply-accumulates for one (1, 3, height, width) frame; the style pass of a
    ``full`` model is counted at a 256x256 style image."""
    proto = onnx.load(str(model)) if not isinstance(model, onnx.ModelProto) else model
    proto = onnx.ModelProto.FromString(proto.SerializeToString())
    _fix_inputs(proto, height, width)
    inferred = shape_inference.infer_shapes(proto, data_prop=True)
    shapes: dict[str, list[int]] = {}
    for value in [*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output]:
        dims = value.type.tensor_type.shape.dim
        shapes[value.name] = [d.dim_value for d in dims]
    for init in inferred.graph.initializer:
        shapes[init.name] = list(init.dims)
    total = 0
    for node in inferred.graph.node:
        if node.op_type not in ("Conv", "ConvInteger", "QLinearConv"):
            continue
        weight = node.input[3] if node.op_type == "QLinearConv" else node.input[1]
        out = shapes.get(node.output[0])
        w = shapes.get(weight)
        if not out or not w or len(out) != 4 or 0 in out:
            continue
        cout, cin_per_group, kh, kw = w  # a grouped conv's weight holds in_channels / groups
        total += out[2] * out[3] * cout * cin_per_group * kh * kw
    return total
