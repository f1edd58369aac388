"""fp16 ONNX models from fp32 ones, for the exporter's ``--precision fp16`` and for the browser
site's fp16 companions (WebGPU adapters with ``shader-f16``). No torch here: onnx and onnxruntime's
converter only."""

from __future__ import annotations

import copy

import onnx


def to_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    """Weights and compute in float16; inputs and outputs stay float32 (a Cast at each end).

    Resize's scales and the Clip bounds are kept in the types their ops require.
    """
    from onnxruntime.transformers.float16 import convert_float_to_float16

    blocked = ("Resize", "Upsample")
    model = _unshare_initializers(model, blocked)
    return convert_float_to_float16(model, keep_io_types=True, disable_shape_infer=False,
                                    op_block_list=list(blocked))


def _unshare_initializers(model: onnx.ModelProto, op_types: tuple[str, ...]) -> onnx.ModelProto:
    """Give every ``op_types`` node its own copy of shared initializers.

    The fp16 converter inserts one Cast per consumer of a kept-float32 tensor and names them
    all after the tensor; onnxsim shares one scales constant between all Resize nodes, which
    would give the Casts the same name.
    """
    model = copy.deepcopy(model)
    constants = [n for n in model.graph.node if n.op_type == "Constant" and n.attribute[0].name == "value"]
    for node in constants:  # as initializers, so they can be copied like the others
        tensor = copy.deepcopy(node.attribute[0].t)
        tensor.name = node.output[0]
        model.graph.initializer.append(tensor)
        model.graph.node.remove(node)
    inits = {t.name: t for t in model.graph.initializer}
    for index, node in enumerate(model.graph.node):
        if node.op_type not in op_types:
            continue
        for i, name in enumerate(node.input):
            if name in inits:
                clone = copy.deepcopy(inits[name])
                clone.name = f"{name}__{node.op_type.lower()}{index}"
                model.graph.initializer.append(clone)
                node.input[i] = clone.name
    used = {name for node in model.graph.node for name in node.input}
    keep = [t for t in model.graph.initializer if t.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(keep)
    return model
