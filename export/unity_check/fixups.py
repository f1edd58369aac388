"""Remove the attributes Unity's importers ignore (and warn about) where removing them changes nothing.

The sentis and barracuda exports call ``drop_ignored_attributes`` before their verification, so the
verification against PyTorch proves the graph computes the same; ``check-unity`` then finds no
importer warning for these attributes. An attribute is removed only when

- it holds its ONNX default (which is also the value the importer uses instead), or
- the node's mode never reads it: ``cubic_coeff_a`` outside cubic mode, ``nearest_mode`` outside
  nearest mode, ``extrapolation_value`` outside ``tf_crop_and_resize``.

Anything else (a value that matters and that the importer ignores) stays, for ``check-unity`` to report.
"""

from __future__ import annotations

import onnx

from .graph import attr_value, graphs
from .tables import DEFAULT_DOMAINS, ENGINES, IMPORTER_ATTRS


def _unused_by_mode(node: onnx.NodeProto, name: str) -> bool:
    if node.op_type != "Resize":
        return False
    mode = str(attr_value(node, "mode", "nearest")).lower()
    ctm = str(attr_value(node, "coordinate_transformation_mode", "half_pixel"))
    return ((name == "cubic_coeff_a" and mode != "cubic")
            or (name == "nearest_mode" and mode != "nearest")
            or (name == "extrapolation_value" and ctm != "tf_crop_and_resize"))


def drop_ignored_attributes(model: onnx.ModelProto, engine: str) -> list[str]:
    """Remove, in place, the attributes ``engine``'s importer warns about and that change nothing.

    Returns one "op.attribute" entry per removed attribute (for logs and tests).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    rules: dict[str, dict[str, object]] = {}
    for rule in IMPORTER_ATTRS[engine]:
        rules.setdefault(rule.op, {})[rule.name] = rule
    dropped: list[str] = []
    for graph in graphs(model.graph):
        for node in graph.node:
            names = rules.get(node.op_type) if node.domain in DEFAULT_DOMAINS else None
            if not names:
                continue
            keep = []
            for attr in node.attribute:
                rule = names.get(attr.name)
                if rule is not None and (_unused_by_mode(node, attr.name)
                                         or rule.is_default(onnx.helper.get_attribute_value(attr)
                                                            if attr.type != onnx.AttributeProto.STRING
                                                            else attr.s.decode("utf-8", "replace"))):
                    dropped.append(f"{node.op_type}.{attr.name}")
                else:
                    keep.append(attr)
            if len(keep) != len(node.attribute):
                del node.attribute[:]
                node.attribute.extend(keep)
    return dropped
