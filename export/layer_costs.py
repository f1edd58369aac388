"""Each convolution's cost, for engines that spread one inference over several frames (the Unity
sample's Frames Per Inference): multiply-accumulates per pixel of the content input, counted on the
frame model with its dimensions fixed at a reference size, in graph order. Inference Engine keeps one
Conv layer per ONNX Conv, in the same order, and a model cut at an earlier step keeps a prefix of
them, so the sample pairs its Conv layers with this list by position. Convolutions carry all but a
sliver of the network's arithmetic; the other layers are counted as free."""

from __future__ import annotations

import math

import onnx
from onnx import shape_inference

REFERENCE_SIZE = 256  # content (and style image) height and width the costs are counted at


def conv_macs_per_pixel(model: onnx.ModelProto, size: int = REFERENCE_SIZE) -> list[float]:
    """Each Conv node's multiply-accumulates divided by the content's pixel count, in graph order."""
    fixed = onnx.ModelProto()
    fixed.CopyFrom(model)
    for value in fixed.graph.input:
        dims = value.type.tensor_type.shape.dim
        if len(dims) == 4:  # (batch, channels, height, width): the content and a style image
            for dim, fixed_value in ((dims[0], 1), (dims[2], size), (dims[3], size)):
                if not dim.HasField("dim_value"):
                    dim.dim_value = fixed_value
    content = fixed.graph.input[0].type.tensor_type.shape.dim  # the content comes first
    pixels = content[2].dim_value * content[3].dim_value     # a static export keeps its own size
    del fixed.graph.value_info[:]  # the traced ones carry the dynamic dimensions
    inferred = shape_inference.infer_shapes(fixed, strict_mode=True)
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
              for v in [*inferred.graph.value_info, *inferred.graph.output]}
    shapes.update({t.name: list(t.dims) for t in inferred.graph.initializer})
    shapes.update({n.output[0]: list(a.t.dims) for n in inferred.graph.node if n.op_type == "Constant"
                   for a in n.attribute if a.name == "value"})
    costs = []
    for node in inferred.graph.node:
        if node.op_type != "Conv":
            continue
        out = shapes[node.output[0]]
        # out_channels x in_channels / group x kernel, for every output position
        costs.append(math.prod(shapes[node.input[1]]) * out[2] * out[3] / pixels)
    return costs
