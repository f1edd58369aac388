"""Pruning an all-steps model to one step's output: onnxruntime (and onnxruntime-web) run every
node of a graph whatever outputs are asked for, so step 1 of a 10-step model would cost ten."""

from __future__ import annotations

from pathlib import Path


def prune_to_output(path: Path, output: str) -> bytes | None:
    """The model at ``path`` reduced to the nodes ``output`` depends on, serialised; None when the
    ``onnx`` package is not installed (the runtime then runs the whole graph)."""
    try:
        import onnx
    except ImportError:
        return None
    model = onnx.load(str(path))
    graph = model.graph
    needed: set[str] = {output}
    kept: set[int] = set()
    changed = True
    while changed:  # to a fixed point: converters (fp16) leave nodes out of topological order
        changed = False
        for index, node in enumerate(graph.node):
            if index not in kept and any(name in needed for name in node.output):
                kept.add(index)
                needed.update(node.input)
                changed = True
    kept_nodes = [node for index, node in enumerate(graph.node) if index in kept]
    del graph.node[:]
    graph.node.extend(kept_nodes)
    outputs = [o for o in graph.output if o.name == output]
    del graph.output[:]
    graph.output.extend(outputs)
    initializers = [t for t in graph.initializer if t.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    values = [v for v in graph.value_info if v.name in needed]
    del graph.value_info[:]
    graph.value_info.extend(values)
    return model.SerializeToString()
