"""Sentis' CPU fallback: which layers of a model run on the CPU although the worker runs on the GPU.

Sentis runs a layer on its CPU backend when a later layer reads that layer's output on the CPU (a
Reshape's shape, a Resize's sizes, a Slice's starts, ...: ``SENTIS_CPU_READ_INPUTS``) and the value is
not a constant after import; the need spreads back through every layer that computes it, up to a
``Shape``-like layer that reads only its input's shape (``CPUFallbackCalculator.cs``). Before such a
layer ``Worker.Schedule`` / ``ScheduleIterable`` may run the pending GPU commands at once
(``ExecuteCommandBufferAndClear``), on whatever command buffer the worker was given. In URP that is
the render pipeline's own buffer: its commands would run out of order and be cleared. So for a model
meant for URP every CPU-fallback layer is a failure; elsewhere it is a warning (a GPU readback).

What the importer folds away is followed where it is plain: constants and everything computed from
constants only, the static dimensions of a ``Shape``, and Sentis' Reshape simplification
(``SimplifyReshapeInputPass``: a dimension copied from the Reshape's own input becomes 0, a single
unknown becomes -1). Anything else counts as a fallback, so the rule errs on the side of failing.
"""

from __future__ import annotations

from collections import Counter

from .graph import Model, attr_value, short_list
from .report import Findings
from .tables import DEFAULT_DOMAINS, SENTIS_CPU_ONLY_OPS, SENTIS_CPU_READ_INPUTS, SENTIS_NO_DATA_INPUTS

# One element of a small integer tensor: its value, a dimension ("tensor", axis), or None (unknown).
Element = int | tuple[str, int] | None
_PASS_THROUGH = ("Unsqueeze", "Squeeze", "Cast", "Identity")
_RANDOM = ("RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial",
           "Bernoulli")


class _Values:
    """Forward pass over the graph: which tensors are constants after import, and the elements of the
    small integer tensors that shape computations build (Shape, Gather, Concat, ...)."""

    def __init__(self, m: Model) -> None:
        self.m = m
        self.constant: set[str] = set(m.const_tensors)
        self.elements: dict[str, list[Element]] = {}
        for name in m.const_tensors:
            values = m.values(name)
            if values is not None and len(values) <= 64 and all(v == int(v) for v in values):
                self.elements[name] = [int(v) for v in values]
        for node in m.model.graph.node:
            self._visit(node)

    def _visit(self, node) -> None:
        inputs = [i for i in node.input if i]
        if node.op_type not in _RANDOM and all(i in self.constant for i in inputs):
            self.constant.update(node.output)  # folded at import
        found = self._elements(node)
        if found is not None and node.output:
            self.elements[node.output[0]] = found
            if all(isinstance(e, int) for e in found):
                self.constant.add(node.output[0])

    def of(self, name: str) -> list[Element] | None:
        """The elements of ``name``; unknown ones as None when only the length is known."""
        if name in self.elements:
            return self.elements[name]
        dims = self.m.dims.get(name)
        if dims is not None and len(dims) <= 1 and all(isinstance(d, int) for d in dims):
            return [None] * (dims[0] if dims else 1)
        return None

    def _elements(self, node) -> list[Element] | None:
        op, ins = node.op_type, list(node.input)
        if node.domain not in DEFAULT_DOMAINS:
            return None
        if op == "Shape":
            dims = self.m.dims.get(ins[0])
            if dims is None:
                return None
            every = [d if isinstance(d, int) else (ins[0], i) for i, d in enumerate(dims)]
            start, end = attr_value(node, "start", 0), attr_value(node, "end", None)
            return every[int(start):None if end is None else int(end)]
        if op in _PASS_THROUGH:
            return self.of(ins[0])
        if op == "Concat" and int(attr_value(node, "axis", 0)) == 0:
            parts = [self.of(i) for i in ins]
            return None if any(p is None for p in parts) else [e for p in parts for e in p]
        if op == "Gather" and int(attr_value(node, "axis", 0)) == 0:
            data, index = self.of(ins[0]), self.elements.get(ins[1])
            if data is None or index is None:
                return None
            try:
                return [data[i] for i in index]
            except IndexError:
                return None
        if op == "Slice" and len(ins) >= 3:
            data, starts, ends = self.of(ins[0]), self.elements.get(ins[1]), self.elements.get(ins[2])
            steps = self.elements.get(ins[4]) if len(ins) > 4 and ins[4] else [1]
            if data is None or not starts or not ends or not steps or steps[0] == 0:
                return None
            return data[slice(starts[0], ends[0], steps[0])]
        return None

    def reshape_folds(self, node) -> bool:
        """Whether Sentis turns this Reshape's shape input into a constant (SimplifyReshapeInputPass)."""
        shape = self.of(node.input[1])
        if shape is None:
            return False
        allow_zero = int(attr_value(node, "allowzero", 0) or 0) != 0
        out_dims = self.m.dims.get(node.output[0]) or []
        folded: list[int | None] = []
        for i, e in enumerate(shape):
            if isinstance(e, int):
                folded.append(e)
            elif i < len(out_dims) and isinstance(out_dims[i], int):
                folded.append(out_dims[i])
            elif isinstance(e, tuple) and not allow_zero and self._same_dimension(e, node.input[0], i):
                folded.append(0)
            else:
                folded.append(None)
        unknown = folded.count(None)
        if unknown == 1 and -1 not in folded and (not allow_zero or 0 not in folded):
            return True
        return unknown == 0

    def _same_dimension(self, element: tuple[str, int], data: str, axis: int) -> bool:
        """Whether ``element`` is dimension ``axis`` of the Reshape input ``data``: the same tensor and
        axis, or the same named dimension (Sentis tracks named dimensions through the graph)."""
        tensor, at = element
        if (tensor, at) == (data, axis):
            return True
        mine = (self.m.dims.get(data) or [])[axis:axis + 1]
        theirs = (self.m.dims.get(tensor) or [])[at:at + 1]
        return bool(mine) and mine == theirs and isinstance(mine[0], str) and mine[0] != "?" \
            and not mine[0].startswith("unk__")


def cpu_fallback_layers(m: Model) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """The layers Sentis runs on the CPU: [(op, node label)], the reasons (what reads a computed value
    on the CPU) and the graph inputs read on the CPU."""
    values = _Values(m)
    graph = m.model.graph
    needed: set[str] = set()
    reasons: list[str] = []
    for node in graph.node:
        if node.domain not in DEFAULT_DOMAINS:
            continue
        positions = SENTIS_CPU_READ_INPUTS.get(node.op_type, ())
        if node.op_type == "Reshape" and len(node.input) > 1 and values.reshape_folds(node):
            positions = ()
        label = node.name or node.output[0]
        for p in positions:
            if p < len(node.input) and node.input[p] and node.input[p] not in values.constant:
                needed.add(node.input[p])
                reasons.append(f"{node.op_type} '{label}' input {p}")
    layers: list[tuple[str, str]] = []
    for node in reversed(graph.node):
        cpu_only = node.domain in DEFAULT_DOMAINS and node.op_type in SENTIS_CPU_ONLY_OPS
        if not cpu_only and not any(o in needed for o in node.output):
            continue
        if all(o in values.constant for o in node.output):
            continue
        layers.append((node.op_type, node.name or node.output[0]))
        needed.update(node.output)
        skip = SENTIS_NO_DATA_INPUTS.get(node.op_type, ())
        for p, name in enumerate(node.input):
            if name and p not in skip and name not in values.constant:
                needed.add(name)
        if cpu_only:
            reasons.append(f"{node.op_type} '{node.name or node.output[0]}' (no GPU implementation)")
    inputs = [vi.name for vi in graph.input if vi.name in needed and vi.name not in values.constant]
    return layers[::-1], reasons, inputs


def check(m: Model, f: Findings, urp: bool) -> None:
    """A failure for a model meant for URP, else a warning, when any layer runs on the CPU fallback."""
    layers, reasons, inputs = cpu_fallback_layers(m)
    if not layers and not inputs:
        return
    ops = ", ".join(f"{op} x{n}" for op, n in Counter(op for op, _ in layers).items())
    names = short_list([n for _, n in layers])
    what = (f"{len(layers)} layer(s) run on Sentis' CPU fallback ({ops}: {names})" if layers
            else "no layer runs on the CPU fallback")
    if inputs:
        what += f"; graph input(s) {short_list(inputs)} are read on the CPU"
    why = f"{what}, because {short_list(reasons)} must be known on the CPU"
    if urp:
        f.failures.append(f"{why}. Scheduled into URP's command buffer, the worker executes and clears "
                          "that buffer before such a layer (ExecuteCommandBufferAndClear): URP's recorded "
                          "commands run out of order and are lost. Export with static shapes or shape "
                          "values from constants")
    else:
        f.warnings.append(f"{why}: each inference waits for a GPU readback there (and in URP it would break "
                          "the render pipeline's command buffer: check with --urp)")
