"""``export.layer_costs``: each convolution's multiply-accumulates per content pixel, in graph order (the
sidecar's ``conv_macs``, by which the Unity sample spreads an inference over frames)."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from rlministyler.export.layer_costs import REFERENCE_SIZE, conv_macs_per_pixel


def _init(name: str, shape: tuple[int, ...]) -> TensorProto:
    return numpy_helper.from_array(np.zeros(shape, np.float32), name)


def small_frame_model() -> onnx.ModelProto:
    """3x3 conv 3->8 at full size, a strided 3x3 conv 8->16 (1/2), a 1x1 conv 16->3 after a 2x Resize."""
    x = helper.make_tensor_value_info("content", TensorProto.FLOAT, ["batch", 3, "height", "width"])
    y = helper.make_tensor_value_info("out", TensorProto.FLOAT, ["batch", 3, "height", "width"])
    inits = [_init("w1", (8, 3, 3, 3)), _init("w2", (16, 8, 3, 3)), _init("w3", (3, 16, 1, 1)),
             numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")]
    nodes = [helper.make_node("Conv", ["content", "w1"], ["a"], "c1", pads=[1] * 4),
             helper.make_node("Relu", ["a"], ["b"], "r"),
             helper.make_node("Conv", ["b", "w2"], ["c"], "c2", pads=[1] * 4, strides=[2, 2]),
             helper.make_node("Resize", ["c", "", "scales"], ["d"], "up", mode="nearest"),
             helper.make_node("Conv", ["d", "w3"], ["out"], "c3")]
    graph = helper.make_graph(nodes, "g", [x], [y], initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)], ir_version=8)


def test_costs_are_per_content_pixel_in_graph_order():
    model = small_frame_model()
    assert conv_macs_per_pixel(model) == [8 * 3 * 9, 16 * 8 * 9 / 4, 3 * 16]
    assert conv_macs_per_pixel(model, size=64) == conv_macs_per_pixel(model)  # per pixel: size-free here


def test_a_static_model_is_counted_at_its_own_size():
    model = small_frame_model()
    for dim, value in zip(model.graph.input[0].type.tensor_type.shape.dim, (1, 3, 32, 48), strict=True):
        dim.dim_value = value
    assert conv_macs_per_pixel(model) == conv_macs_per_pixel(small_frame_model())


def test_the_model_itself_is_left_dynamic():
    model = small_frame_model()
    conv_macs_per_pixel(model)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param for d in dims] == ["batch", "", "height", "width"] and REFERENCE_SIZE == 256
