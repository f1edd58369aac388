"""Reading an ONNX file and walking its graphs (subgraphs included) for the ``check-unity`` rules."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import onnx
from onnx import TensorProto, external_data_helper, numpy_helper

from rlministyler.errors import UserError

from .tables import DEFAULT_DOMAINS


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def load_model(path: str | os.PathLike) -> onnx.ModelProto:
    """Read ``path`` with its external data; every failure is a one-line ``UserError``."""
    p = Path(os.fspath(path))
    if not p.exists():
        raise UserError(f"model file not found: {p}")
    if p.is_dir():
        raise UserError(f"{p} is a directory, not an ONNX file")
    try:
        model = onnx.load(str(p), load_external_data=False)
    except Exception as exc:  # protobuf DecodeError, ValueError, OSError, ...
        raise UserError(f"{p} is not a readable ONNX model ({one_line(exc)})") from None
    if not model.HasField("graph") or model.ir_version == 0:
        raise UserError(f"{p} is not an ONNX model (no graph or IR version in the file)")
    if any(external_data_helper.uses_external_data(t) for t in all_tensors(model)):
        try:
            external_data_helper.load_external_data_for_model(model, str(p.parent))
        except Exception as exc:
            raise UserError(f"{p}: cannot read its external weight data ({one_line(exc)})") from None
    return model


def all_tensors(model: onnx.ModelProto) -> Iterator[TensorProto]:
    """Initializers and tensor attributes of every graph (where external data can live)."""
    for graph in graphs(model.graph):
        yield from graph.initializer
        for node in graph.node:
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.TENSOR:
                    yield attr.t
                elif attr.type == onnx.AttributeProto.TENSORS:
                    yield from attr.tensors


def subgraphs(node: onnx.NodeProto) -> Iterator[tuple[str, onnx.GraphProto]]:
    for attr in node.attribute:
        if attr.type == onnx.AttributeProto.GRAPH:
            yield attr.name, attr.g
        elif attr.type == onnx.AttributeProto.GRAPHS:
            for i, g in enumerate(attr.graphs):
                yield f"{attr.name}[{i}]", g


def walk(graph: onnx.GraphProto, prefix: str = "") -> Iterator[tuple[onnx.NodeProto, str]]:
    """Every node of ``graph`` and of its subgraphs (If/Loop/Scan bodies), with a readable label."""
    for i, node in enumerate(graph.node):
        label = node.name or (f"{node.op_type}->{node.output[0]}" if node.output else f"{node.op_type}#{i}")
        label = prefix + label
        yield node, label
        for name, sub in subgraphs(node):
            yield from walk(sub, f"{label}/{name}/")


def graphs(graph: onnx.GraphProto) -> Iterator[onnx.GraphProto]:
    yield graph
    for node in graph.node:
        for _, sub in subgraphs(node):
            yield from graphs(sub)


def attr_value(node: onnx.NodeProto, name: str, default=None):
    for a in node.attribute:
        if a.name == name:
            value = onnx.helper.get_attribute_value(a)
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return default


def has_attr(node: onnx.NodeProto, name: str) -> bool:
    return any(a.name == name for a in node.attribute)


def value_dims(value_info: onnx.ValueInfoProto) -> list[int | str] | None:
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


def fmt_dims(dims: list[int | str] | None) -> str:
    return "[unknown rank]" if dims is None else "[" + ", ".join(str(d) for d in dims) + "]"


def short_list(labels: list[str], limit: int = 4) -> str:
    shown = ", ".join(labels[:limit])
    return shown + (f", +{len(labels) - limit} more" if len(labels) > limit else "")


def constant_tensor(node: onnx.NodeProto) -> TensorProto | None:
    """The value of a Constant node as a tensor (value, value_float(s), value_int(s))."""
    value = attr_value(node, "value")
    if isinstance(value, TensorProto):
        return value
    for name, dtype, scalar in (("value_float", TensorProto.FLOAT, True),
                                ("value_int", TensorProto.INT64, True),
                                ("value_floats", TensorProto.FLOAT, False),
                                ("value_ints", TensorProto.INT64, False)):
        if has_attr(node, name):
            data = attr_value(node, name)
            return onnx.helper.make_tensor(name, dtype, [] if scalar else [len(data)],
                                           [data] if scalar else list(data))
    return None


class Model:
    """Lookups the rules need: constant values and shapes, tensor ranks, initializers."""

    def __init__(self, model: onnx.ModelProto) -> None:
        self.model = model
        self.opset = None
        for imp in model.opset_import:
            if imp.domain in DEFAULT_DOMAINS:
                self.opset = max(self.opset or 0, int(imp.version))
        self.const_shapes: dict[str, list[int]] = {}
        self.const_tensors: dict[str, TensorProto] = {}
        for graph in graphs(model.graph):
            for init in graph.initializer:
                self.const_tensors[init.name] = init
                self.const_shapes[init.name] = list(init.dims)
            for node in graph.node:
                if node.op_type == "Constant" and node.domain in DEFAULT_DOMAINS and node.output:
                    tensor = constant_tensor(node)
                    if tensor is not None:
                        self.const_tensors[node.output[0]] = tensor
                        self.const_shapes[node.output[0]] = list(tensor.dims)
        self.ranks: dict[str, int] = {}
        self.dims: dict[str, list[int | str]] = {}
        inferred = model
        try:
            inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False)
        except Exception:  # >2 GB, unknown domains, broken graphs: fall back to declared shapes
            pass
        for graph in graphs(inferred.graph):
            for vi in [*graph.input, *graph.output, *graph.value_info]:
                dims = value_dims(vi)
                if dims is not None:
                    self.ranks[vi.name] = len(dims)
                    self.dims[vi.name] = dims
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

