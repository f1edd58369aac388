"""Barracuda 3.0.1 rules: opset advice, Resize/Upsample, Pad, convolutions, rank limits, and what its
importer warns about."""

from __future__ import annotations

import onnx

from .common import check_importer_attrs
from .graph import Model, attr_value, walk
from .report import Findings
from .tables import (
    BARRACUDA_IMPORTER_ATTRS,
    BARRACUDA_OPSET_ADVISED,
    BARRACUDA_RANK_LIMITS,
    DEFAULT_DOMAINS,
    IMPORTER_NAMES,
    SENTIS_OPSET_MISSING,
)


def check_opset(m: Model, f: Findings) -> int:
    if m.opset is None:
        f.notes.append(f"no default-domain opset import: read as opset {SENTIS_OPSET_MISSING}")
        opset = SENTIS_OPSET_MISSING
    else:
        opset = m.opset
    if opset > BARRACUDA_OPSET_ADVISED:
        f.warnings.append(f"opset {opset}: Barracuda's docs advise exporting at opset "
                          f"{BARRACUDA_OPSET_ADVISED} (\"wider coverage in Barracuda\"); later opsets turned "
                          "some attributes into inputs that Barracuda may not read")
    return opset


def _resize_scales(m: Model, node: onnx.NodeProto) -> tuple[list[float] | None, bool]:
    """(scales, uses_sizes) for Resize/Upsample when the scales are constants."""
    inputs = list(node.input)
    if node.op_type == "Upsample":
        scales = attr_value(node, "scales")
        if scales is not None:
            return [float(s) for s in scales], False
        return (m.values(inputs[1]) if len(inputs) > 1 else None), False
    if len(inputs) == 2:  # Resize-10: (X, scales)
        return m.values(inputs[1]), False
    if len(inputs) > 3 and inputs[3]:
        return None, True
    scales = m.values(inputs[2]) if len(inputs) > 2 else None
    return (scales or None), False


def check_resize(m: Model, f: Findings) -> None:
    for node, label in walk(m.model.graph):
        if node.domain not in DEFAULT_DOMAINS or node.op_type not in ("Resize", "Upsample"):
            continue
        op = node.op_type
        mode = str(attr_value(node, "mode", "nearest")).lower()
        if mode not in ("nearest", "linear", "bilinear"):
            f.group("fail", f"{op}|mode '{mode}': Barracuda resamples with nearest or bilinear only "
                    "(other modes fall back to nearest)", label)
            continue
        scales, uses_sizes = _resize_scales(m, node)
        integer_up = scales is not None and all(s >= 1 and abs(s - round(s)) < 1e-6 for s in scales)
        if scales is not None:
            up = [s for s in scales if s >= 1]
            down = [s for s in scales if 0 < s < 1]
            uneven = [s for s in up if abs(s - round(s)) > 1e-6]
            uneven += [s for s in down if abs(1 / s - round(1 / s)) > 1e-6]
            if uneven:
                f.group("warn", f"{op}|scales {scales}: Barracuda rounds upscales (and inverse "
                        "downscales) to integers", label)
            if down:
                f.group("warn", f"{op}|scales {scales}: Barracuda downsamples by average pooling, not by "
                        f"{mode} sampling", label)
        if mode == "nearest" and integer_up:
            continue
        ctm = attr_value(node, "coordinate_transformation_mode")
        what = (f"coordinate_transformation_mode '{ctm}'" if ctm else "the coordinate mode") + (
            " and nearest_mode" if mode == "nearest" else "")
        how = ("target sizes" if uses_sizes else "scales computed at run time" if scales is None
               else "non-integer scales" if mode == "nearest" else "linear interpolation")
        f.group("warn", f"{op}|Barracuda ignores {what}: with {how} its output differs from "
                "PyTorch/onnxruntime (exact only for nearest with integer scales)", label)


def check_pad(m: Model, f: Findings) -> None:
    for node, label in walk(m.model.graph):
        if node.domain not in DEFAULT_DOMAINS or node.op_type != "Pad":
            continue
        mode = str(attr_value(node, "mode", "constant"))
        if mode not in ("constant", "reflect", "edge"):
            f.group("fail", f"Pad|mode '{mode}': Barracuda pads with constant, reflect or edge only", label)
            continue
        inputs = list(node.input)
        if len(inputs) > 1 and inputs[1]:
            pads = m.values(inputs[1])
        else:
            pads = attr_value(node, "pads", attr_value(node, "paddings"))
        if pads is None:
            f.group("warn", "Pad|pads are computed at run time, so they cannot be checked (to touch only H "
                    "and W); fold them into constants with static shapes, e.g. onnxsim", label)
            continue
        pads = [int(p) for p in pads]
        n = len(pads) // 2
        rank = m.rank(inputs[0]) if inputs else None
        axes: list[int] = list(range(n))
        if len(inputs) > 3 and inputs[3]:
            raw = m.values(inputs[3])
            if raw is None:
                f.group("warn", "Pad|axes are computed at run time: cannot check them", label)
                continue
            axes = [int(a) + (rank or 0) if a < 0 else int(a) for a in raw]
        elif rank is None:
            rank = n
        bad = [ax for i, ax in enumerate(axes) if ax in (0, 1) and (pads[i] or pads[i + n])]
        if bad:
            f.group("fail", "Pad|pads the batch or channel axis: Barracuda pads only the spatial axes "
                    "(H, W of NCHW)", label)
        elif rank is not None and rank > 5:
            f.group("fail", f"Pad|{rank}-D input: Barracuda pads 4-D (NCHW) tensors, 5-D with constant mode "
                    "only", label)
        elif rank == 5 and mode != "constant":
            f.group("fail", f"Pad|5-D input with mode '{mode}': Barracuda's 3-D padding is constant mode "
                    "only", label)


def check_convs(m: Model, f: Findings) -> None:
    for node, label in walk(m.model.graph):
        if node.domain not in DEFAULT_DOMAINS or node.op_type not in ("Conv", "ConvTranspose"):
            continue
        op = node.op_type
        inputs = list(node.input)
        w_shape = m.const_shapes.get(inputs[1]) if len(inputs) > 1 else None
        if w_shape is None:
            f.group("fail", f"{op}|weights are a run-time tensor: Barracuda needs constant {op} weights",
                    label)
            continue
        group = int(attr_value(node, "group", 1) or 1)
        if op == "ConvTranspose":
            if len(w_shape) == 5:
                f.group("fail", "ConvTranspose|3-D transposed convolution is not supported by Barracuda",
                        label)
            continue  # group, dilations and output_shape: see common.check_unsupported_attrs
        if group > 1 and len(w_shape) >= 2:
            per_group = w_shape[1]
            if per_group != 1:
                f.group("fail", f"Conv|group={group} with {per_group} input channels per group: Barracuda "
                        "imports every Conv with group>1 as a depthwise convolution, so a grouped (not "
                        "depthwise) Conv gives wrong results; split it into per-group Convs + Concat", label)
            elif w_shape[0] != group:
                f.group("warn", f"Conv|depthwise with channel multiplier {w_shape[0] // max(group, 1)} "
                        f"({w_shape[0]} outputs from {group} inputs): check Barracuda's output against "
                        "onnxruntime", label)


def check_misc(m: Model, f: Findings) -> None:
    for node, label in walk(m.model.graph):
        if node.domain not in DEFAULT_DOMAINS:
            continue
        op = node.op_type
        limit = BARRACUDA_RANK_LIMITS.get(op)
        rank = m.rank(node.input[0]) if node.input else None
        if limit is not None and rank is not None and rank > limit:
            f.group("fail", f"{op}|{rank}-D input: Barracuda's {op} supports up to {limit}-D", label)
        if op == "Split" and len(node.input) > 1 and node.input[1]:
            f.group("warn", "Split|split sizes given as an input (opset 13+): Barracuda's maintainers report "
                    "this form unsupported (barracuda-release issue #271); export at opset 11 or lower",
                    label)


def check_importer_warnings(m: Model, f: Findings) -> None:
    check_importer_attrs(m, f, BARRACUDA_IMPORTER_ATTRS, IMPORTER_NAMES["barracuda"])


def check(m: Model, f: Findings) -> None:
    """Every Barracuda-only rule except the opset (run first by ``check_model``)."""
    check_resize(m, f)
    check_pad(m, f)
    check_convs(m, f)
    check_misc(m, f)
    check_importer_warnings(m, f)
