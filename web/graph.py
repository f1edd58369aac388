"""The site's models rewritten for onnxruntime-web's WebGPU execution provider, which has no
SpaceToDepth kernel (onnxruntime places it on the CPU, so every frame would leave the GPU and
come back): each SpaceToDepth becomes the Reshape, Transpose, Reshape it stands for. The result is
the same numbers on every backend; with the frame size fixed (the page's WebGPU sessions), the
shape arithmetic folds to constants and every node runs on the GPU."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper


def _const(name: str, values: list[int]) -> onnx.NodeProto:
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.array(values, np.int64)))


def _space_to_depth(node: onnx.NodeProto) -> list[onnx.NodeProto]:
    """NCHW -> [N, C, H/b, b, W/b, b] -> [N, b, b, C, H/b, W/b] -> [N, C*b*b, H/b, W/b]."""
    block = next(helper.get_attribute_value(a) for a in node.attribute if a.name == "blocksize")
    x, y = node.input[0], node.output[0]
    p = f"{node.name or y}/as_reshape"
    return [
        _const(f"{p}/b", [block]), _const(f"{p}/n_c_end", [2]), _const(f"{p}/zero", [0]),
        _const(f"{p}/two", [2]), _const(f"{p}/three", [3]), _const(f"{p}/four", [4]),
        _const(f"{p}/keep_n_rest", [0, -1]),
        helper.make_node("Shape", [x], [f"{p}/shape"]),
        helper.make_node("Slice", [f"{p}/shape", f"{p}/zero", f"{p}/n_c_end"], [f"{p}/n_c"]),
        helper.make_node("Slice", [f"{p}/shape", f"{p}/two", f"{p}/three"], [f"{p}/h"]),
        helper.make_node("Slice", [f"{p}/shape", f"{p}/three", f"{p}/four"], [f"{p}/w"]),
        helper.make_node("Div", [f"{p}/h", f"{p}/b"], [f"{p}/hb"]),
        helper.make_node("Div", [f"{p}/w", f"{p}/b"], [f"{p}/wb"]),
        helper.make_node("Concat", [f"{p}/n_c", f"{p}/hb", f"{p}/b", f"{p}/wb", f"{p}/b"], [f"{p}/six"],
                         axis=0),
        helper.make_node("Reshape", [x, f"{p}/six"], [f"{p}/blocks"]),
        helper.make_node("Transpose", [f"{p}/blocks"], [f"{p}/moved"], perm=[0, 3, 5, 1, 2, 4]),
        helper.make_node("Concat", [f"{p}/keep_n_rest", f"{p}/hb", f"{p}/wb"], [f"{p}/four_d"], axis=0),
        helper.make_node("Reshape", [f"{p}/moved", f"{p}/four_d"], [y]),
    ]


def without_space_to_depth(data: bytes) -> bytes:
    """The serialised model ``data`` with every SpaceToDepth replaced by its reshapes (unchanged,
    byte for byte, when it has none)."""
    model = onnx.load_from_string(data)
    if not any(n.op_type == "SpaceToDepth" for n in model.graph.node):
        return data
    nodes: list[onnx.NodeProto] = []
    for node in model.graph.node:
        nodes.extend(_space_to_depth(node) if node.op_type == "SpaceToDepth" else [node])
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return model.SerializeToString()
