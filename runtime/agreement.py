"""A model's graphs against its own metadata, checked when it is opened (before any frame): the
frame model takes and gives the tensors its metadata names, and a split model's style encoder is
the encoder of that export (its role, its inputs, the tensors the frame model takes), not another
network or the frame model itself. A file that fails was edited or mixed up; it is refused in one
line instead of failing at the first frame with onnxruntime's words."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rlministyler.contract import METADATA_KEY
from rlministyler.errors import UserError

from .metadata import ModelInfo

AGAIN = "export the model again"


def _names(tensors: list[Any]) -> list[str]:
    return [t.name for t in tensors]


def _role(session: Any) -> str | None:
    """The ``role`` an export wrote into the file (``frame`` or ``style_encoder``), if any."""
    text = session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None
    role = data.get("role") if isinstance(data, dict) else None
    return role if isinstance(role, str) else None


def check_frame_graph(session: Any, info: ModelInfo) -> None:
    """The frame model's graph takes the inputs and has the outputs its metadata names."""
    inputs, outputs = _names(session.get_inputs()), set(_names(session.get_outputs()))
    if sorted(inputs) != sorted(info.frame_inputs):
        extra = sorted(set(inputs) ^ set(info.frame_inputs))
        raise UserError(f"{info.path}: the graph's inputs ({', '.join(inputs)}) are not those its metadata "
                        f"names (first difference: {extra[0]}): {AGAIN}")
    for step, name in sorted(info.outputs.items()):
        if name not in outputs:
            raise UserError(f"{info.path}: its metadata names output {name} for step {step}, which the graph "
                            f"does not have (it has {', '.join(sorted(outputs))}): {AGAIN}")


def check_style_encoder(session: Any, info: ModelInfo) -> None:
    """``session`` (the file ``info.style_encoder``) is the style encoder ``info``'s frame model needs."""
    path = Path(info.style_encoder or "")
    mine = f"{path} is not the style encoder of {info.path.name}"
    role = _role(session)
    if role not in (None, "style_encoder"):
        raise UserError(f"{mine}: it is a {role} model ({AGAIN})")
    inputs, outputs = _names(session.get_inputs()), set(_names(session.get_outputs()))
    if inputs != list(info.style_inputs):
        raise UserError(f"{mine}: it takes {', '.join(inputs) or 'nothing'}, the encoder takes "
                        f"{', '.join(info.style_inputs)} ({AGAIN})")
    needed = [name for name in info.frame_inputs if name not in ("content", info.step_input)]
    missing = [name for name in needed if name not in outputs]
    if missing:
        raise UserError(f"{mine}: it does not give {missing[0]}, which the frame model takes ({AGAIN})")
