"""Check any ONNX file against what Unity's importers accept: ``rlministyler check-unity``.

Two engines:

- ``sentis``: Unity Sentis / Inference Engine (``com.unity.sentis`` 2.x, ``com.unity.ai.inference``
  2.2 and later, shown as "Sentis" again from 2.4).
- ``barracuda``: Unity Barracuda 3.0.1, the older engine.

The rules come from Unity's package documentation (supported-operator tables, supported models,
export advice) and, for Barracuda, from its ONNX importer source where the docs are silent; each table
below names its source. Only ``onnx`` and the standard library are used (no torch), so the check runs
anywhere the CLI does.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import onnx
from onnx import TensorProto, external_data_helper, numpy_helper

from rlministyler.errors import UserError

ENGINES = ("sentis", "barracuda")
ENGINE_NAMES = {
    "sentis": "Unity Sentis / Inference Engine",
    "barracuda": "Unity Barracuda 3.0.1",
}

DEFAULT_DOMAINS = ("", "ai.onnx")
SENTIS_OPSET_SAFE = (7, 15)  # supported-models page (2.2-2.5): "opset version 7 to 15"; export at 15
SENTIS_OPSET_MAX = 25  # com.unity.ai.inference 2.6 changelog: "Officially support ONNX opset up to 25"
SENTIS_OPSET_MISSING = 15  # a model without a default-domain opset import is read as opset 15
BARRACUDA_OPSET_ADVISED = 9  # barracuda-release Documentation~/Exporting.md: "use ONNX opset=9"
SENTIS_MAX_RANK = 8  # supported-models page: no "tensors with more than eight dimensions"
BARRACUDA_MAX_RANK = 8  # Barracuda tensors hold at most 8 dimensions

# Unity Sentis "Supported ONNX operators" table, com.unity.ai.inference 2.4 (docs.unity3d.com
# Packages/com.unity.ai.inference@2.4/manual/supported-operators.html; package source
# Documentation~/supported-operators.md as mirrored in needle-mirror/com.unity.ai.inference, commit
# d39a1d4b). 2.5 and 2.6 add no new ONNX operator names in their changelogs (2.5: LRN and 3-D pools on
# every backend; 2.6: opsets up to 25). Sentis-only layers (Gelu, Swish, Dense, ...) are not ONNX ops.
SENTIS_OPS = frozenset({
    "Abs", "Acos", "Acosh", "Add", "And", "ArgMax", "ArgMin", "Asin", "Asinh", "Atan", "Atanh",
    "AveragePool", "BatchNormalization", "Bernoulli", "BitwiseAnd", "BitwiseNot", "BitwiseOr",
    "BitwiseXor", "BlackmanWindow", "Cast", "CastLike", "Ceil", "Celu", "Clip", "Compress", "Concat",
    "Constant", "ConstantOfShape", "Conv", "ConvTranspose", "Cos", "Cosh", "CumSum", "DepthToSpace",
    "DFT", "Div", "Dropout", "Einsum", "Elu", "Equal", "Erf", "Exp", "Expand", "Flatten", "Floor",
    "Gather", "GatherElements", "GatherND", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "Greater",
    "GreaterOrEqual", "GridSample", "HammingWindow", "HannWindow", "Hardmax", "HardSigmoid",
    "HardSwish", "Identity", "InstanceNormalization", "IsInf", "IsNaN", "LayerNormalization",
    "LeakyRelu", "Less", "LessOrEqual", "Log", "LogSoftmax", "LRN", "LSTM", "MatMul", "Max", "MaxPool",
    "Mean", "MelWeightMatrix", "Min", "Mish", "Mod", "Mul", "Multinomial", "Neg", "NonMaxSuppression",
    "NonZero", "Not", "OneHot", "Or", "Pad", "Pow", "PRelu", "RandomNormal", "RandomNormalLike",
    "RandomUniform", "RandomUniformLike", "Range", "Reciprocal", "ReduceL1", "ReduceL2", "ReduceLogSum",
    "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum",
    "ReduceSumSquare", "Relu", "Reshape", "Resize", "RoiAlign", "Round", "Scatter", "ScatterElements",
    "ScatterND", "Selu", "Shape", "Shrink", "Sigmoid", "Sign", "Sin", "Sinh", "Size", "Slice", "Softmax",
    "Softplus", "Softsign", "SpaceToDepth", "Split", "Sqrt", "Squeeze", "STFT", "Sub", "Sum", "Tan",
    "Tanh", "ThresholdedRelu", "Tile", "TopK", "Transpose", "Trilu", "Unsqueeze", "Upsample", "Where",
    "Xor",
})

# The same page's "Unsupported operators" list (2.4).
SENTIS_DOCUMENTED_UNSUPPORTED = frozenset({
    "AffineGrid", "BitShift", "CenterCropPad", "Col2Im", "ConcatFromSequence", "ConvInteger",
    "DeformConv", "DequantizeLinear", "Det", "DynamicQuantizeLinear", "EyeLike", "GlobalLpPool",
    "GroupNormalization", "GRU", "If", "ImageDecoder", "Loop", "LpNormalization", "LpPool",
    "MatMulInteger", "MaxRoiPool", "MaxUnpool", "MeanVarianceNormalization", "NegativeLogLikelihoodLoss",
    "Optional", "OptionalGetElement", "OptionalHasElement", "QLinearConv", "QLinearMatMul",
    "QuantizeLinear", "RegexFullMatch", "ReverseSequence", "RNN", "Scan", "SequenceAt",
    "SequenceConstruct", "SequenceEmpty", "SequenceErase", "SequenceInsert", "SequenceLength",
    "SequenceMap", "SoftmaxCrossEntropyLoss", "SplitToSequence", "StringConcat", "StringNormalizer",
    "StringSplit", "TfIdfVectorizer", "Unique",
})

# Per-backend gaps in the 2.4 table: the op imports, but that backend runs it on the CPU fallback.
SENTIS_BACKEND_GAPS = {
    "Compress": "runs on the CPU only (not GPUCompute or GPUPixel)",
    "NonZero": "runs on the CPU only (not GPUCompute or GPUPixel)",
    "LRN": "runs on the CPU only before com.unity.ai.inference 2.5",
    "Einsum": "not on GPUPixel; GPUCompute only with 1 or 2 inputs",
    "LSTM": "runs on CPU and GPUCompute, not GPUPixel",
    "NonMaxSuppression": "not on GPUPixel",
    "TopK": "not on GPUPixel",
}

# Unity Barracuda "Supported ONNX operators" (barracuda-release Documentation~/SupportedOperators.md,
# commit 76077c0b; the same list as docs.unity3d.com Packages/com.unity.barracuda@2.0/manual/
# SupportedOperators.html, the last version of that page in the stored docs). Erf, Range and Sign are
# not on the page but are registered by the standard importer (Barracuda/Runtime/ONNX/
# ONNXModelConverter.cs, commit b1eac6c3), so they import too.
BARRACUDA_OPS = frozenset({
    "Add", "And", "ArgMax", "ArgMin", "AveragePool", "BatchNormalization", "Cast", "Concat", "Constant",
    "ConstantOfShape", "Conv", "ConvTranspose", "DepthToSpace", "Div", "Dropout", "Equal", "Expand",
    "Flatten", "Gather", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "Greater", "Identity",
    "ImageScaler", "InstanceNormalization", "Less", "LessOrEqual", "LRN", "LSTM", "MatMul", "Max",
    "MaxPool", "Mean", "Min", "Mul", "Multinomial", "NonMaxSuppression", "NonZero", "Not", "OneHot", "Or",
    "Pad", "Pow", "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "ReduceMax",
    "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "Reshape", "Resize", "Shape", "Slice",
    "SpaceToDepth", "Split", "Squeeze", "Sub", "Sum", "Tile", "TopK", "Transpose", "Unsqueeze",
    "Upsample", "Where", "Xor",
    # activations
    "Abs", "Acos", "Acosh", "Asin", "Asinh", "Atan", "Atanh", "Ceil", "Clip", "Cos", "Cosh", "Elu", "Exp",
    "Floor", "LeakyRelu", "Log", "LogSoftmax", "Neg", "PRelu", "Reciprocal", "Relu", "Round", "Selu",
    "Sigmoid", "Sin", "Sinh", "Softmax", "Sqrt", "Tan", "Tanh",
    # importer only (see above)
    "Erf", "Range", "Sign",
})

# Barracuda ops with a rank limit on their first input (SupportedOperators.md notes: "Support up to
# 4D", "No spatial 3D support"; the importer's Reduce path: "Reduce ops support up to 4D").
BARRACUDA_RANK_LIMITS = {
    "InstanceNormalization": 4, "AveragePool": 4, "MaxPool": 4, "GlobalAveragePool": 4,
    "GlobalMaxPool": 4, "ConvTranspose": 4, "TopK": 4, "ReduceMax": 4, "ReduceMean": 4, "ReduceMin": 4,
    "ReduceProd": 4, "ReduceSum": 4, "ArgMax": 4, "ArgMin": 4, "Softmax": 6, "LogSoftmax": 6,
}

# The project's facts file (shared/docs/unity-sentis-notes.md): not supported, for either engine.
_QUANTISED = frozenset({
    "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv", "QLinearMatMul",
    "ConvInteger", "MatMulInteger",
})
_CONTROL_FLOW = frozenset({"If", "Loop", "Scan"})
_RECURRENT = frozenset({"RNN", "GRU"})
_NORMALISATION = frozenset({"GroupNormalization", "MeanVarianceNormalization"})
_SEQUENCE = frozenset({
    "SequenceAt", "SequenceConstruct", "SequenceEmpty", "SequenceErase", "SequenceInsert",
    "SequenceLength", "SequenceMap", "SplitToSequence", "ConcatFromSequence", "ReverseSequence",
    "Optional", "OptionalGetElement", "OptionalHasElement",
})
NOT_SUPPORTED_EITHER = _QUANTISED | _CONTROL_FLOW | _RECURRENT | _NORMALISATION | _SEQUENCE

_BAD_DTYPES = {
    TensorProto.STRING: "string",
    TensorProto.COMPLEX64: "complex64",
    TensorProto.COMPLEX128: "complex128",
}
_HALF_DTYPES = {TensorProto.FLOAT16: "float16", TensorProto.BFLOAT16: "bfloat16"}


@dataclass
class CheckReport:
    """What ``check_model`` found: the model's interface and ops, and each problem by severity."""

    path: str
    engine: str
    opset: int
    ir_version: int
    inputs: list[tuple[str, list[int | str]]]
    outputs: list[tuple[str, list[int | str]]]
    op_histogram: dict[str, int]
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing would stop the import (warnings allowed)."""
        return not self.failures


# --------------------------------------------------------------------------------------------------
# Loading and walking the model


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _load(path: str | os.PathLike) -> onnx.ModelProto:
    """Read ``path`` with its external data; every failure is a one-line ``UserError``."""
    p = Path(os.fspath(path))
    if not p.exists():
        raise UserError(f"model file not found: {p}")
    if p.is_dir():
        raise UserError(f"{p} is a directory, not an ONNX file")
    try:
        model = onnx.load(str(p), load_external_data=False)
    except Exception as exc:  # protobuf DecodeError, ValueError, OSError, ...
        raise UserError(f"{p} is not a readable ONNX model ({_one_line(exc)})") from None
    if not model.HasField("graph") or model.ir_version == 0:
        raise UserError(f"{p} is not an ONNX model (no graph or IR version in the file)")
    if any(external_data_helper.uses_external_data(t) for t in _all_tensors(model)):
        try:
            external_data_helper.load_external_data_for_model(model, str(p.parent))
        except Exception as exc:
            raise UserError(f"{p}: cannot read its external weight data ({_one_line(exc)})") from None
    return model


def _all_tensors(model: onnx.ModelProto) -> Iterator[TensorProto]:
    """Initializers and tensor attributes of every graph (where external data can live)."""
    for graph in _graphs(model.graph):
        yield from graph.initializer
        for node in graph.node:
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.TENSOR:
                    yield attr.t
                elif attr.type == onnx.AttributeProto.TENSORS:
                    yield from attr.tensors


def _subgraphs(node: onnx.NodeProto) -> Iterator[tuple[str, onnx.GraphProto]]:
    for attr in node.attribute:
        if attr.type == onnx.AttributeProto.GRAPH:
            yield attr.name, attr.g
        elif attr.type == onnx.AttributeProto.GRAPHS:
            for i, g in enumerate(attr.graphs):
                yield f"{attr.name}[{i}]", g


def _walk(graph: onnx.GraphProto, prefix: str = "") -> Iterator[tuple[onnx.NodeProto, str]]:
    """Every node of ``graph`` and of its subgraphs (If/Loop/Scan bodies), with a readable label."""
    for i, node in enumerate(graph.node):
        label = node.name or (f"{node.op_type}->{node.output[0]}" if node.output else f"{node.op_type}#{i}")
        label = prefix + label
        yield node, label
        for name, sub in _subgraphs(node):
            yield from _walk(sub, f"{label}/{name}/")


def _graphs(graph: onnx.GraphProto) -> Iterator[onnx.GraphProto]:
    yield graph
    for node in graph.node:
        for _, sub in _subgraphs(node):
            yield from _graphs(sub)


def _attr(node: onnx.NodeProto, name: str, default=None):
    for a in node.attribute:
        if a.name == name:
            value = onnx.helper.get_attribute_value(a)
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return default


def _has_attr(node: onnx.NodeProto, name: str) -> bool:
    return any(a.name == name for a in node.attribute)


def _dims(value_info: onnx.ValueInfoProto) -> list[int | str] | None:
    """Dims as ints, symbolic names, or "?" for unnamed unknowns; None when the rank is unknown."""
    ttype = value_info.type.tensor_type
    if not ttype.HasField("shape"):
        return None
    dims: list[int | str] = []
    for d in ttype.shape.dim:
        if d.HasField("dim_value"):
            dims.append(int(d.dim_value))
        elif d.HasField("dim_param") and d.dim_param:
            dims.append(d.dim_param)
        else:
            dims.append("?")
    return dims


def _fmt_dims(dims: list[int | str] | None) -> str:
    return "[unknown rank]" if dims is None else "[" + ", ".join(str(d) for d in dims) + "]"


def _names(labels: list[str], limit: int = 4) -> str:
    shown = ", ".join(labels[:limit])
    return shown + (f", +{len(labels) - limit} more" if len(labels) > limit else "")


def _constant_tensor(node: onnx.NodeProto) -> TensorProto | None:
    """The value of a Constant node as a tensor (value, value_float(s), value_int(s))."""
    value = _attr(node, "value")
    if isinstance(value, TensorProto):
        return value
    for name, dtype, scalar in (("value_float", TensorProto.FLOAT, True),
                                ("value_int", TensorProto.INT64, True),
                                ("value_floats", TensorProto.FLOAT, False),
                                ("value_ints", TensorProto.INT64, False)):
        if _has_attr(node, name):
            data = _attr(node, name)
            return onnx.helper.make_tensor(name, dtype, [] if scalar else [len(data)],
                                           [data] if scalar else list(data))
    return None


class _Model:
    """Lookups the rules need: constant values and shapes, tensor ranks, initializers."""

    def __init__(self, model: onnx.ModelProto) -> None:
        self.model = model
        self.opset = None
        for imp in model.opset_import:
            if imp.domain in DEFAULT_DOMAINS:
                self.opset = max(self.opset or 0, int(imp.version))
        self.const_shapes: dict[str, list[int]] = {}
        self.const_tensors: dict[str, TensorProto] = {}
        for graph in _graphs(model.graph):
            for init in graph.initializer:
                self.const_tensors[init.name] = init
                self.const_shapes[init.name] = list(init.dims)
            for node in graph.node:
                if node.op_type == "Constant" and node.domain in DEFAULT_DOMAINS and node.output:
                    tensor = _constant_tensor(node)
                    if tensor is not None:
                        self.const_tensors[node.output[0]] = tensor
                        self.const_shapes[node.output[0]] = list(tensor.dims)
        self.ranks: dict[str, int] = {}
        inferred = model
        try:
            inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False)
        except Exception:  # >2 GB, unknown domains, broken graphs: fall back to declared shapes
            pass
        for graph in _graphs(inferred.graph):
            for vi in [*graph.input, *graph.output, *graph.value_info]:
                dims = _dims(vi)
                if dims is not None:
                    self.ranks[vi.name] = len(dims)
        for name, shape in self.const_shapes.items():
            self.ranks.setdefault(name, len(shape))

    def values(self, name: str) -> list[float] | None:
        """The flat values of a constant input (initializer or Constant node), else None."""
        if not name or name not in self.const_tensors:
            return None
        try:
            return [float(v) for v in numpy_helper.to_array(self.const_tensors[name]).reshape(-1)]
        except Exception:
            return None

    def rank(self, name: str) -> int | None:
        return self.ranks.get(name)


# --------------------------------------------------------------------------------------------------
# Rules shared by both engines


class _Findings:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.warnings: list[str] = []
        self.notes: list[str] = []
        # (severity, key) -> node labels, so one message covers every node with the same problem
        self._grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._order: list[tuple[str, str]] = []

    def group(self, severity: str, message: str, label: str) -> None:
        key = (severity, message)
        if key not in self._grouped:
            self._order.append(key)
        self._grouped[key].append(label)

    def flush(self) -> None:
        for severity, message in self._order:
            labels = self._grouped[(severity, message)]
            op, _, why = message.partition("|")
            count = f" x{len(labels)}" if len(labels) > 1 else ""
            text = f"{op}{count} ({_names(labels)}): {why}"
            {"fail": self.failures, "warn": self.warnings, "note": self.notes}[severity].append(text)
        self._grouped.clear()
        self._order.clear()


def _not_supported_reason(op: str, engine: str) -> str:
    who = ENGINE_NAMES[engine]
    if op in _QUANTISED:
        extra = (" (quantised int8/QDQ ONNX models do not import; export float32 and, for smaller files, "
                 "use Sentis' own weight quantisation ModelQuantizer.QuantizeWeights)"
                 if engine == "sentis" else " (quantised int8/QDQ ONNX models do not import; export float32)")
        return f"not supported by {who}{extra}"
    if op in _CONTROL_FLOW:
        return f"control flow is not supported by {who} (export with fixed loop counts / unrolled)"
    if op in _RECURRENT:
        return f"not supported by {who}"
    if op in _NORMALISATION:
        return (f"not supported by {who} (express it with ReduceMean/Sub/Mul/Div or "
                "InstanceNormalization)")
    if op in _SEQUENCE:
        return f"sequence/optional ops are not supported by {who}"
    return f"not supported by {who}"


def _check_ops(m: _Model, engine: str, f: _Findings) -> None:
    whitelist = SENTIS_OPS if engine == "sentis" else BARRACUDA_OPS
    for node, label in _walk(m.model.graph):
        op = node.op_type
        if node.domain not in DEFAULT_DOMAINS:
            f.group("fail", f"{node.domain}.{op}|op in the non-default domain '{node.domain}' "
                    f"(e.g. an onnxruntime fused op): {ENGINE_NAMES[engine]} imports only standard "
                    "ONNX ops; export without onnxruntime graph optimisations", label)
            continue
        if op in NOT_SUPPORTED_EITHER:
            f.group("fail", f"{op}|{_not_supported_reason(op, engine)}", label)
        elif engine == "sentis" and op in SENTIS_DOCUMENTED_UNSUPPORTED:
            f.group("fail", f"{op}|listed as unsupported on the Sentis supported-operators page", label)
        elif engine == "barracuda" and op == "LSTM":
            f.group("fail", "LSTM|Barracuda imports LSTM for ML-Agents models only", label)
        elif op not in whitelist:
            where = ("the Sentis / Inference Engine supported-operators table (2.4)" if engine == "sentis"
                     else "Barracuda's supported-operators list")
            f.group("fail", f"{op}|not in {where}", label)
        elif engine == "sentis" and op in SENTIS_BACKEND_GAPS:
            f.group("warn", f"{op}|{SENTIS_BACKEND_GAPS[op]}", label)


def _check_tensors(m: _Model, engine: str, f: _Findings) -> tuple[list, list]:
    graph = m.model.graph
    init_names = {t.name for t in graph.initializer}
    inputs: list[tuple[str, list[int | str]]] = []
    outputs: list[tuple[str, list[int | str]]] = []
    who = ENGINE_NAMES[engine]
    max_rank = SENTIS_MAX_RANK if engine == "sentis" else BARRACUDA_MAX_RANK
    for kind, values, sink in (("input", graph.input, inputs), ("output", graph.output, outputs)):
        for vi in values:
            if kind == "input" and vi.name in init_names:
                continue  # IR < 4 lists initializers among the inputs
            if not vi.type.HasField("tensor_type"):
                sink.append((vi.name, []))
                f.failures.append(f"{kind} '{vi.name}' is not a tensor ({vi.type.WhichOneof('value')}): "
                                  f"{who} takes tensor inputs and outputs only")
                continue
            dims = _dims(vi)
            sink.append((vi.name, dims if dims is not None else []))
            if dims is None and kind == "output":
                f.notes.append(f"output '{vi.name}' declares no shape (listed as [])")
            dtype = vi.type.tensor_type.elem_type
            if dtype in _BAD_DTYPES:
                f.failures.append(f"{kind} '{vi.name}' is a {_BAD_DTYPES[dtype]} tensor: "
                                  f"not supported by {who}")
            if dims is None:
                if kind == "input":
                    (f.failures if engine == "barracuda" else f.warnings).append(
                        f"input '{vi.name}' has no shape (unknown rank)"
                        + (": Barracuda needs static shapes" if engine == "barracuda"
                           else ": Sentis treats every dimension as dynamic"))
                continue
            if len(dims) > max_rank:
                f.failures.append(f"{kind} '{vi.name}' has {len(dims)} dimensions {_fmt_dims(dims)}: "
                                  f"{who} supports at most {max_rank}")
            dynamic = [d for d in dims if not isinstance(d, int)]
            if kind == "input" and dynamic:
                if engine == "barracuda":
                    f.failures.append(
                        f"input '{vi.name}' {_fmt_dims(dims)} has dynamic dimensions "
                        f"({', '.join(map(str, dynamic))}): Barracuda needs static shapes (export without "
                        "dynamic_axes, or fix them with onnxsim --overwrite-input-shape)")
                else:
                    f.notes.append(
                        f"input '{vi.name}' {_fmt_dims(dims)} has dynamic dimensions "
                        f"({', '.join(map(str, dynamic))}): fine for Sentis; fixing them in the model's "
                        "import settings lets it optimise better")
    if engine == "sentis":
        listed = {vi.name for vi in [*graph.input, *graph.output]}
        big = sorted(name for name, r in m.ranks.items() if r > SENTIS_MAX_RANK and name not in listed)
        if big:
            f.failures.append(f"tensors with more than {SENTIS_MAX_RANK} dimensions ({_names(big)}): "
                              "not supported by Sentis")
    # initializers: sparse, strings, half precision
    half: Counter[str] = Counter()
    half_bytes = 0
    for graph_ in _graphs(graph):
        if graph_.sparse_initializer:
            f.failures.append(f"{len(graph_.sparse_initializer)} sparse initializer(s) "
                              f"({_names([t.values.name for t in graph_.sparse_initializer])}): "
                              f"sparse constants are not supported by {who}")
    for name, tensor in m.const_tensors.items():
        if tensor.data_type in _BAD_DTYPES:
            f.failures.append(f"constant '{name}' is a {_BAD_DTYPES[tensor.data_type]} tensor: "
                              f"not supported by {who}")
        elif tensor.data_type in _HALF_DTYPES:
            half[_HALF_DTYPES[tensor.data_type]] += 1
            n = 1
            for d in tensor.dims:
                n *= d
            half_bytes += 2 * n
    if half:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(half.items()))
        if engine == "sentis":
            f.notes.append(f"{kinds} weight tensor(s) ({half_bytes / 1e6:.1f} MB): Sentis upcasts them to "
                           "float32 at import and computes in float32 (its own ModelQuantizer can store "
                           "float16 weights)")
        elif "bfloat16" in half:
            f.warnings.append(f"{kinds} weight tensor(s): Barracuda documents float16 import (upcast to "
                              "float32) but not bfloat16; export float32")
        else:
            f.notes.append(f"{kinds} weight tensor(s): Barracuda upcasts float16 weights to float32 "
                           "at import")
    return inputs, outputs


def _check_unsupported_attrs(m: _Model, engine: str, f: _Findings) -> None:
    """Attributes the docs call unsupported, flagged only when set to a non-default value."""
    def ones(v) -> bool:
        return v is None or all(int(x) == 1 for x in v)

    def zero(v) -> bool:
        return v is None or int(v) == 0

    def one(v) -> bool:
        return v is None or float(v) == 1.0

    if engine == "sentis":
        # (op, attribute, is_default, severity)
        rules = [
            ("AveragePool", "ceil_mode", zero, "warn"), ("AveragePool", "count_include_pad", zero, "warn"),
            ("MaxPool", "ceil_mode", zero, "warn"), ("MaxPool", "storage_order", zero, "warn"),
            ("MaxPool", "dilations", ones, "warn"), ("BatchNormalization", "training_mode", zero, "warn"),
            ("BatchNormalization", "spatial", lambda v: v is None or int(v) == 1, "warn"),
            ("ConvTranspose", "output_shape", lambda v: v is None, "fail"),
            ("Constant", "sparse_value", lambda v: v is None, "fail"),
            ("Constant", "value_string", lambda v: v is None, "fail"),
            ("Constant", "value_strings", lambda v: v is None, "fail"),
        ]
    else:
        rules = [
            ("ArgMax", "select_last_index", zero, "warn"), ("ArgMin", "select_last_index", zero, "warn"),
            ("AveragePool", "ceil_mode", zero, "warn"), ("AveragePool", "count_include_pad", zero, "warn"),
            ("MaxPool", "ceil_mode", zero, "warn"), ("MaxPool", "storage_order", zero, "warn"),
            ("MaxPool", "dilations", ones, "warn"),
            ("Gemm", "alpha", one, "warn"), ("Gemm", "beta", one, "warn"), ("Gemm", "transA", zero, "warn"),
            ("Flatten", "axis", lambda v: v is None or int(v) == 1, "warn"),
            ("OneHot", "axis", lambda v: v is None or int(v) == -1, "warn"),
            ("Constant", "sparse_value", lambda v: v is None, "fail"),
            ("ConvTranspose", "group", lambda v: v is None or int(v) == 1, "fail"),
            ("ConvTranspose", "dilations", ones, "fail"),
            ("ConvTranspose", "output_shape", lambda v: v is None, "fail"),
        ]
    who = ENGINE_NAMES[engine]
    for node, label in _walk(m.model.graph):
        if node.domain not in DEFAULT_DOMAINS:
            continue
        for op, name, is_default, severity in rules:
            if node.op_type != op or not _has_attr(node, name):
                continue
            value = _attr(node, name)
            if is_default(value):
                continue
            shown = value if not isinstance(value, (list, tuple)) else list(value)
            if severity == "fail":
                why = f"{name}={shown} is not supported by {who}"
            else:
                why = f"{name}={shown} is not supported by {who}: the importer ignores it, results may differ"
            f.group(severity, f"{op}|{why}", label)


# --------------------------------------------------------------------------------------------------
# Sentis


def _check_sentis_opset(m: _Model, f: _Findings) -> int:
    lo, hi = SENTIS_OPSET_SAFE
    if m.opset is None:
        f.notes.append("no default-domain opset import: Sentis reads the model as opset "
                       f"{SENTIS_OPSET_MISSING}")
        return SENTIS_OPSET_MISSING
    opset = m.opset
    if opset < lo:
        f.failures.append(f"opset {opset} is below {lo}, the lowest opset Sentis imports; "
                          "re-export at opset 15")
    elif opset > SENTIS_OPSET_MAX:
        f.failures.append(f"opset {opset} is above {SENTIS_OPSET_MAX}, the highest opset any Sentis / "
                          "Inference Engine version supports; re-export at opset 15")
    elif opset > hi:
        f.warnings.append(f"opset {opset} imports only with Sentis / Inference Engine 2.6+ (opsets up to "
                          f"{SENTIS_OPSET_MAX}); versions before 2.6 document opsets {lo}-{hi} only and may "
                          "import it with unpredictable results; export at opset 15 for every version")
    return opset


def _check_sentis_resize(m: _Model, f: _Findings) -> None:
    for node, label in _walk(m.model.graph):
        if node.domain not in DEFAULT_DOMAINS or node.op_type not in ("Resize", "Upsample"):
            continue
        op = node.op_type
        mode = str(_attr(node, "mode", "nearest")).lower()
        allowed = ("nearest", "linear") if op == "Resize" else ("nearest", "linear", "bilinear")
        if mode not in allowed:
            extra = " (with cubic_coeff_a)" if _has_attr(node, "cubic_coeff_a") else ""
            f.group("fail", f"{op}|mode '{mode}'{extra}: Sentis resizes with nearest or linear only "
                    "(cubic parameters are not supported)", label)
        ctm = str(_attr(node, "coordinate_transformation_mode", "half_pixel"))
        if ctm == "half_pixel_symmetric":
            f.group("fail", f"{op}|coordinate_transformation_mode 'half_pixel_symmetric' is not supported "
                    "by Sentis (use half_pixel / pytorch_half_pixel / align_corners / asymmetric)", label)
        elif ctm == "tf_crop_and_resize":
            f.group("fail", f"{op}|coordinate_transformation_mode 'tf_crop_and_resize' needs the roi input, "
                    "which Sentis does not support", label)
        if int(_attr(node, "exclude_outside", 0) or 0) != 0:
            f.group("fail", f"{op}|exclude_outside=1 is not supported by Sentis", label)
        if int(_attr(node, "antialias", 0) or 0) != 0:
            f.group("warn", f"{op}|antialias=1 is not documented for Sentis; results may differ", label)


# --------------------------------------------------------------------------------------------------
# Barracuda


def _check_barracuda_opset(m: _Model, f: _Findings) -> int:
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


def _resize_scales(m: _Model, node: onnx.NodeProto) -> tuple[list[float] | None, bool]:
    """(scales, uses_sizes) for Resize/Upsample when the scales are constants."""
    inputs = list(node.input)
    if node.op_type == "Upsample":
        scales = _attr(node, "scales")
        if scales is not None:
            return [float(s) for s in scales], False
        return (m.values(inputs[1]) if len(inputs) > 1 else None), False
    if len(inputs) == 2:  # Resize-10: (X, scales)
        return m.values(inputs[1]), False
    if len(inputs) > 3 and inputs[3]:
        return None, True
    scales = m.values(inputs[2]) if len(inputs) > 2 else None
    return (scales or None), False


def _check_barracuda_resize(m: _Model, f: _Findings) -> None:
    for node, label in _walk(m.model.graph):
        if node.domain not in DEFAULT_DOMAINS or node.op_type not in ("Resize", "Upsample"):
            continue
        op = node.op_type
        mode = str(_attr(node, "mode", "nearest")).lower()
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
        ctm = _attr(node, "coordinate_transformation_mode")
        what = (f"coordinate_transformation_mode '{ctm}'" if ctm else "the coordinate mode") + (
            " and nearest_mode" if mode == "nearest" else "")
        how = ("target sizes" if uses_sizes else "scales computed at run time" if scales is None
               else "non-integer scales" if mode == "nearest" else "linear interpolation")
        f.group("warn", f"{op}|Barracuda ignores {what}: with {how} its output differs from "
                "PyTorch/onnxruntime (exact only for nearest with integer scales)", label)


def _check_barracuda_pad(m: _Model, f: _Findings) -> None:
    for node, label in _walk(m.model.graph):
        if node.domain not in DEFAULT_DOMAINS or node.op_type != "Pad":
            continue
        mode = str(_attr(node, "mode", "constant"))
        if mode not in ("constant", "reflect", "edge"):
            f.group("fail", f"Pad|mode '{mode}': Barracuda pads with constant, reflect or edge only", label)
            continue
        inputs = list(node.input)
        if len(inputs) > 1 and inputs[1]:
            pads = m.values(inputs[1])
        else:
            pads = _attr(node, "pads", _attr(node, "paddings"))
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


def _check_barracuda_convs(m: _Model, f: _Findings) -> None:
    for node, label in _walk(m.model.graph):
        if node.domain not in DEFAULT_DOMAINS or node.op_type not in ("Conv", "ConvTranspose"):
            continue
        op = node.op_type
        inputs = list(node.input)
        w_shape = m.const_shapes.get(inputs[1]) if len(inputs) > 1 else None
        if w_shape is None:
            f.group("fail", f"{op}|weights are a run-time tensor: Barracuda needs constant {op} weights",
                    label)
            continue
        group = int(_attr(node, "group", 1) or 1)
        if op == "ConvTranspose":
            if len(w_shape) == 5:
                f.group("fail", "ConvTranspose|3-D transposed convolution is not supported by Barracuda",
                        label)
            continue  # group, dilations and output_shape: see _check_unsupported_attrs
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


def _check_barracuda_misc(m: _Model, f: _Findings) -> None:
    for node, label in _walk(m.model.graph):
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


# --------------------------------------------------------------------------------------------------
# Public API


def check_model(model: str | os.PathLike | onnx.ModelProto, engine: str = "sentis") -> CheckReport:
    """Check an ONNX model (a path or a loaded ``ModelProto``) against one Unity engine's importer.

    Raises ``UserError`` for a missing or unreadable file and for an unknown engine.
    """
    engine_key = str(engine).strip().lower()
    if engine_key not in ENGINES:
        raise UserError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if isinstance(model, onnx.ModelProto):
        proto, path = model, f"<ModelProto graph '{model.graph.name}'>"
    elif isinstance(model, (str, os.PathLike)):
        proto, path = _load(model), os.fspath(model)
    else:
        raise TypeError(f"check_model takes a path or an onnx.ModelProto, not {type(model).__name__}")

    m = _Model(proto)
    f = _Findings()
    opset = _check_sentis_opset(m, f) if engine_key == "sentis" else _check_barracuda_opset(m, f)
    inputs, outputs = _check_tensors(m, engine_key, f)
    _check_ops(m, engine_key, f)
    f.flush()
    _check_unsupported_attrs(m, engine_key, f)
    if engine_key == "sentis":
        _check_sentis_resize(m, f)
    else:
        _check_barracuda_resize(m, f)
        _check_barracuda_pad(m, f)
        _check_barracuda_convs(m, f)
        _check_barracuda_misc(m, f)
    f.flush()
    other = sorted(f"{imp.domain} v{imp.version}" for imp in proto.opset_import
                   if imp.domain not in DEFAULT_DOMAINS)
    if other:
        f.notes.append(f"other opset imports declared: {', '.join(other)}")

    counts = Counter(node.op_type if node.domain in DEFAULT_DOMAINS else f"{node.domain}.{node.op_type}"
                     for node, _ in _walk(proto.graph))
    histogram = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return CheckReport(path=path, engine=engine_key, opset=opset, ir_version=int(proto.ir_version),
                       inputs=inputs, outputs=outputs, op_histogram=histogram,
                       failures=f.failures, warnings=f.warnings, notes=f.notes)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def format_report(report: CheckReport) -> str:
    """A readable multi-line report: verdict, opset, interface, op histogram, then FAIL/WARN/NOTE lines."""
    verdict = "OK" if report.ok else "FAIL"
    lines = [f"{verdict}: {report.path} for {ENGINE_NAMES[report.engine]} "
             f"({_plural(len(report.failures), 'failure')}, {_plural(len(report.warnings), 'warning')})",
             f"  opset {report.opset}, IR version {report.ir_version}, "
             f"{_plural(sum(report.op_histogram.values()), 'node')}"]
    for kind, values in (("input ", report.inputs), ("output", report.outputs)):
        for name, dims in values:
            lines.append(f"  {kind} {name} {_fmt_dims(dims)}")
    if report.op_histogram:
        ops = ", ".join(f"{op} x{n}" for op, n in report.op_histogram.items())
        lines.append(f"  ops: {ops}")
    lines += [f"FAIL  {x}" for x in report.failures]
    lines += [f"WARN  {x}" for x in report.warnings]
    lines += [f"NOTE  {x}" for x in report.notes]
    return "\n".join(lines)


def run(args) -> int:
    """``rlministyler check-unity``: print the report; 0 when the model would import, 1 if not."""
    report = check_model(args.model, getattr(args, "engine", None) or "sentis")
    print(format_report(report))
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m rlministyler.export.unity_check MODEL.onnx [--engine ...]`` (usually: check-unity)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m rlministyler.export.unity_check",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("model", metavar="MODEL.onnx")
    parser.add_argument("--engine", choices=ENGINES, default="sentis")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except UserError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
