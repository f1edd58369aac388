"""Rules shared by both engines: operator support, tensors and constants, ignored attributes."""

from __future__ import annotations

from collections import Counter

from .graph import Model, attr_value, fmt_dims, graphs, has_attr, short_list, value_dims, walk
from .report import Findings
from .tables import (
    _BAD_DTYPES,
    _CONTROL_FLOW,
    _HALF_DTYPES,
    _NORMALISATION,
    _QUANTISED,
    _RECURRENT,
    _SEQUENCE,
    BARRACUDA_MAX_RANK,
    BARRACUDA_OPS,
    DEFAULT_DOMAINS,
    ENGINE_NAMES,
    NOT_SUPPORTED_EITHER,
    SENTIS_BACKEND_GAPS,
    SENTIS_DOCUMENTED_UNSUPPORTED,
    SENTIS_MAX_RANK,
    SENTIS_OPS,
    ImporterAttr,
)


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


def check_ops(m: Model, engine: str, f: Findings) -> None:
    whitelist = SENTIS_OPS if engine == "sentis" else BARRACUDA_OPS
    for node, label in walk(m.model.graph):
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


def check_tensors(m: Model, engine: str, f: Findings) -> tuple[list, list]:
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
            dims = value_dims(vi)
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
                f.failures.append(f"{kind} '{vi.name}' has {len(dims)} dimensions {fmt_dims(dims)}: "
                                  f"{who} supports at most {max_rank}")
            dynamic = [d for d in dims if not isinstance(d, int)]
            if kind == "input" and dynamic:
                if engine == "barracuda":
                    f.failures.append(
                        f"input '{vi.name}' {fmt_dims(dims)} has dynamic dimensions "
                        f"({', '.join(map(str, dynamic))}): Barracuda needs static shapes (export without "
                        "dynamic_axes, or fix them with onnxsim --overwrite-input-shape)")
                else:
                    f.notes.append(
                        f"input '{vi.name}' {fmt_dims(dims)} has dynamic dimensions "
                        f"({', '.join(map(str, dynamic))}): fine for Sentis; fixing them in the model's "
                        "import settings lets it optimise better")
    if engine == "sentis":
        listed = {vi.name for vi in [*graph.input, *graph.output]}
        big = sorted(name for name, r in m.ranks.items() if r > SENTIS_MAX_RANK and name not in listed)
        if big:
            f.failures.append(f"tensors with more than {SENTIS_MAX_RANK} dimensions ({short_list(big)}): "
                              "not supported by Sentis")
    # initializers: sparse, strings, half precision
    half: Counter[str] = Counter()
    half_bytes = 0
    for graph_ in graphs(graph):
        if graph_.sparse_initializer:
            f.failures.append(f"{len(graph_.sparse_initializer)} sparse initializer(s) "
                              f"({short_list([t.values.name for t in graph_.sparse_initializer])}): "
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


def check_unsupported_attrs(m: Model, engine: str, f: Findings) -> None:
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
    for node, label in walk(m.model.graph):
        if node.domain not in DEFAULT_DOMAINS:
            continue
        for op, name, is_default, severity in rules:
            if node.op_type != op or not has_attr(node, name):
                continue
            value = attr_value(node, name)
            if is_default(value):
                continue
            shown = value if not isinstance(value, (list, tuple)) else list(value)
            if severity == "fail":
                why = f"{name}={shown} is not supported by {who}"
            else:
                why = f"{name}={shown} is not supported by {who}: the importer ignores it, results may differ"
            f.group(severity, f"{op}|{why}", label)


def check_importer_attrs(m: Model, f: Findings, table: tuple[ImporterAttr, ...], who: str) -> None:
    """Attributes the importer logs "Unsupported attribute ... Value will be ignored" for.

    Each entry says whether the importer warns on the attribute's mere presence or only on a value
    other than its default; ``drop_ignored_attributes`` removes the ones whose removal changes nothing.
    """
    opset = m.opset or 0
    for node, label in walk(m.model.graph):
        if node.domain not in DEFAULT_DOMAINS:
            continue
        for rule in table:
            if node.op_type != rule.op or not has_attr(node, rule.name) or opset < rule.min_opset:
                continue
            value = attr_value(node, rule.name)
            if not rule.on_presence and rule.is_default(value):
                continue
            shown = list(value) if isinstance(value, (list, tuple)) else value
            when = "whenever it is present, whatever its value" if rule.on_presence else (
                f"because it is not the default {rule.default!r}")
            f.group("importer", f"{rule.op}|{rule.name}={shown!r}: {who} logs \"Unsupported attribute "
                    f"`{rule.name}`. Value will be ignored\" ({when}); {rule.advice}", label)
