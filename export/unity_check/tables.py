"""Operator and attribute tables for ``check-unity``: what each Unity importer accepts, and where it
only warns. Every table names its source."""

from __future__ import annotations

from dataclasses import dataclass

from onnx import TensorProto

from rlministyler.spec import UNITY_ENGINES as ENGINES  # noqa: F401  (re-exported: the engines check-unity knows)

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

# Inputs Sentis reads on the CPU (a shape, axes, pads, sizes): its layer definitions' `inputCPURead`
# (com.unity.ai.inference 2.4 Runtime/Core/Layers/Layer.*.cs), by ONNX input position. When such an
# input is not a constant after import, the layers computing it run on the CPU fallback
# (Runtime/Core/Backends/CPUFallbackCalculator.cs).
SENTIS_CPU_READ_INPUTS: dict[str, tuple[int, ...]] = {
    "Reshape": (1,), "Expand": (1,), "Tile": (1,), "Pad": (1, 2, 3), "Resize": (2, 3), "Upsample": (1,),
    "Slice": (1, 2, 3, 4), "Split": (1,), "Squeeze": (1,), "Unsqueeze": (1,), "Clip": (1, 2),
    "CumSum": (1,), "TopK": (1,), "OneHot": (1, 2), "Range": (0, 1, 2), "ConstantOfShape": (0,),
    "NonMaxSuppression": (2, 3, 4), "Trilu": (1,), "DFT": (1, 2), "STFT": (1, 3),
    "BlackmanWindow": (0,), "HammingWindow": (0,), "HannWindow": (0,), "MelWeightMatrix": (0, 1, 2, 3, 4),
    **{op: (1,) for op in ("ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
                           "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare")},
}
# Inputs whose shape, not data, a layer uses (`inputNoDataDependency`): the fallback stops there.
SENTIS_NO_DATA_INPUTS: dict[str, tuple[int, ...]] = {
    "Shape": (0,), "Size": (0,), "RandomNormalLike": (0,), "RandomUniformLike": (0,), "CastLike": (1,),
}
# Ops the GPU backends do not implement at all (SENTIS_BACKEND_GAPS): they run on the CPU too.
SENTIS_CPU_ONLY_OPS = frozenset({"Compress", "NonZero", "LRN"})

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


# --------------------------------------------------------------------------------------------------
# What the importers only warn about


@dataclass(frozen=True)
class ImporterAttr:
    """An attribute the importer ignores and logs a warning for ("Unsupported attribute ...").

    ``default`` is both the ONNX default and the value the importer uses instead, so removing an
    attribute that holds it changes nothing; ``on_presence``: the importer warns whenever the attribute
    is there (Inference Engine 2.4), else only when its value differs from ``default``.
    """

    op: str
    name: str
    default: object
    on_presence: bool
    min_opset: int = 0  # the importer reads the attribute only from this opset (Resize-11+)
    advice: str = "remove it where it holds the default (the sentis and barracuda exports do)"

    def is_default(self, value) -> bool:
        if value is None:
            return True
        if isinstance(self.default, (list, tuple)):
            return [int(v) for v in value] == list(self.default)
        if isinstance(self.default, float):
            return float(value) == self.default
        return value == self.default


_CUBIC = "ignored by every mode but cubic, which Sentis does not support: remove it"
# com.unity.ai.inference 2.4 (needle-mirror/com.unity.ai.inference, 2.4.0 commit 12c709b):
# Editor/ONNX/ONNXModelConverter.cs calls ONNXNodeWrapper.UnsupportedAttribute(name, default) for
# these; in 2.4 its int, float and string overloads warn whenever the attribute is present (2.2 and
# 2.3 warned only on a value other than the default), its int-array overload on a different value.
# Resize reads them from Resize-11 on. PyTorch writes cubic_coeff_a on every
# Resize. ConvTranspose output_shape and Constant sparse_value/value_string(s) also warn there: the
# common rules count them as failures.
SENTIS_IMPORTER_ATTRS = (
    ImporterAttr("Resize", "cubic_coeff_a", -0.75, True, 11, _CUBIC),
    ImporterAttr("Resize", "exclude_outside", 0, True, 11),
    ImporterAttr("Resize", "extrapolation_value", 0.0, True, 11,
                 "used only by tf_crop_and_resize, which Sentis does not support: remove it"),
    ImporterAttr("AveragePool", "ceil_mode", 0, True), ImporterAttr("AveragePool", "storage_order", 0, True),
    ImporterAttr("AveragePool", "count_include_pad", 0, True),
    ImporterAttr("AveragePool", "dilations", (1, 1), False),
    ImporterAttr("MaxPool", "ceil_mode", 0, True), ImporterAttr("MaxPool", "storage_order", 0, True),
    ImporterAttr("MaxPool", "dilations", (1, 1), False),
    ImporterAttr("LayerNormalization", "axis", -1, True),
    *(ImporterAttr(op, "output_datatype", 1, True)
      for op in ("BlackmanWindow", "HammingWindow", "HannWindow", "MelWeightMatrix")),
)

# Barracuda 3.0.1 (Unity-Technologies/barracuda-release, Barracuda/Runtime/ONNX/ONNXModelConverter.cs
# and ONNXNodeWrapper.cs, commit b1eac6c3): UnsupportedAttribute warns on a value other than the
# default, or on presence for the overload without one. Resize reads them with 3+ inputs (Resize-11+).
# Its Resize ignores the coordinate mode: the Resize rule also warns that the results differ.
BARRACUDA_IMPORTER_ATTRS = (
    ImporterAttr("Resize", "coordinate_transformation_mode", "half_pixel", False, 11,
                 "Barracuda resamples with its own coordinates whatever the mode"),
    ImporterAttr("Resize", "cubic_coeff_a", -0.75, False, 11, _CUBIC.replace("Sentis", "Barracuda")),
    ImporterAttr("Resize", "exclude_outside", 0, False, 11),
    ImporterAttr("Resize", "extrapolation_value", 0.0, False, 11,
                 "used only by tf_crop_and_resize: remove it"),
    ImporterAttr("Resize", "nearest_mode", "round_prefer_floor", False, 11,
                 "used only by nearest mode: remove it on linear Resizes"),
    ImporterAttr("AveragePool", "ceil_mode", 0, False),
    ImporterAttr("AveragePool", "count_include_pad", 0, False),
    ImporterAttr("MaxPool", "ceil_mode", 0, False), ImporterAttr("MaxPool", "storage_order", 0, False),
    ImporterAttr("MaxPool", "dilations", (1, 1), False),
    ImporterAttr("Gemm", "alpha", 1.0, False), ImporterAttr("Gemm", "beta", 1.0, False),
    ImporterAttr("Gemm", "transA", 0, False), ImporterAttr("Flatten", "axis", 1, False),
    ImporterAttr("OneHot", "axis", -1, False),
    ImporterAttr("ArgMax", "select_last_index", 0, True),
    ImporterAttr("ArgMin", "select_last_index", 0, True),
)

IMPORTER_ATTRS = {"sentis": SENTIS_IMPORTER_ATTRS, "barracuda": BARRACUDA_IMPORTER_ATTRS}
IMPORTER_NAMES = {"sentis": "Inference Engine 2.4's ONNX importer",
                  "barracuda": "Barracuda's ONNX importer"}
