"""From PyTorch modules to simplified ONNX models: the frame graph (and a split variant's style
encoder) traced with the plan's shapes, then simplified by onnxsim."""

from __future__ import annotations

import io
import warnings

import numpy as np
import onnx
import torch
from rlministyler.training.model import Actor, Builder
from rlministyler.training.sequence import to_tensor

from rlministyler.errors import UserError

from .internal_scale import scaled_graph
from .plan import ExportPlan
from .targets import STEP_INPUT, STYLE_TENSORS
from .unrolled import FRAME_GRAPHS, StyleEncoderGraph

EXAMPLE_HW = (64, 64)  # the traced example's size where the shapes stay dynamic


def _trace(module: torch.nn.Module, args: tuple, input_names: list[str], outputs: list[str],
           dynamic: dict, opset: int) -> onnx.ModelProto:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), args, buffer, opset_version=opset, dynamo=False,
                          input_names=input_names, output_names=outputs,
                          dynamic_axes=dynamic or None, do_constant_folding=True)
    return onnx.load_from_string(buffer.getvalue())


def trace_models(plan: ExportPlan, actor: Actor, builder: Builder, style: np.ndarray | None,
                 conditioning: torch.nn.Module | None = None) -> dict[str, onnx.ModelProto]:
    """``main``, the frame model, and ``style``, the style encoder where the variant has one, traced
    from the (rewritten) pair; ``style`` is the style image a baked variant folds in;
    ``conditioning`` a distilled model's step table."""
    opts, static_style = plan.opts, plan.target.static_size
    content = torch.rand(1, 3, *(opts.size or EXAMPLE_HW))
    batch = {0: "batch"} if plan.target.batched_style else {}
    dims = {"content": {} if opts.size else {0: "batch", 2: "height", 3: "width"},
            "style": {**batch, **({} if static_style else {2: "style_height", 3: "style_width"})},
            **{name: batch for name in STYLE_TENSORS}}
    style_hw = (opts.size or EXAMPLE_HW) if static_style else EXAMPLE_HW
    frame = FRAME_GRAPHS[plan.variant.graph].build(actor, builder, opts.steps, opts.all_steps,
                                                   to_tensor(style) if style is not None else None,
                                                   conditioning, opts.step_input)
    inputs = ["content", *plan.variant.extra_inputs, *((STEP_INPUT,) if opts.step_input else ())]
    models = {"main": _trace(scaled_graph(frame, plan.factor, opts.upsample),
                             (content, *frame.example_inputs(style_hw)), inputs, list(plan.output_steps),
                             {name: dims[name] for name in inputs if dims.get(name)}, plan.opset)}
    if plan.variant.style_encoder:
        encoder_dims = {name: dims[name] for name in ("style", *STYLE_TENSORS) if dims[name]}
        models["style"] = _trace(StyleEncoderGraph(actor), (torch.rand(1, 3, *style_hw),), ["style"],
                                 list(STYLE_TENSORS), encoder_dims, plan.opset)
    return models


def simplify(model: onnx.ModelProto) -> onnx.ModelProto:
    import onnxsim

    simplified, ok = onnxsim.simplify(model)
    if not ok:
        raise UserError("onnxsim could not validate the simplified model")
    return simplified


def node_count(models: dict[str, onnx.ModelProto]) -> int:
    return sum(len(m.graph.node) for m in models.values())


def name_output_dims(model: onnx.ModelProto, size: tuple[int, int] | None) -> None:
    """Outputs have the content's shape; say so instead of the names shape inference invents."""
    dims = [1, 3, *size] if size else ["batch", 3, "height", "width"]
    for output in model.graph.output:
        shape = output.type.tensor_type.shape
        for dim, value in zip(shape.dim, dims, strict=True):
            dim.Clear()
            if isinstance(value, int):
                dim.dim_value = value
            else:
                dim.dim_param = value
