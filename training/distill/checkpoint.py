"""The one-pass model's file, ``distilled.pth.tar``: a folder with it is a distilled checkpoint.

One ``torch.save`` dict (read with ``weights_only=True``): ``format``, ``max_steps``, the actor and
builder in the published key format, the conditioning table, and the sha256 of the teacher's files.
"""

from __future__ import annotations

from pathlib import Path

from rlministyler.training.model import Actor, Builder
from rlministyler.training.model.checkpoint import (
    ACTOR_KEYS,
    BUILDER_KEYS,
    check_finite,
    load_official,
    read_state_dict,
    save_atomic,
    to_official,
)

from rlministyler.errors import UserError

from ..weights import DISTILLED_FILE
from .model import OnePassStylizer

FORMAT = "rlministyler-distilled"


def save_distilled(model: OnePassStylizer, path: Path, teacher_sha256: dict[str, str],
                   training: dict | None = None) -> None:
    """``training``: how it was made (iteration, crop size, the hold-out rule), for the model card
    and for scoring on the pairs it never saw."""
    save_atomic({"format": FORMAT, "format_version": 1, "max_steps": model.max_steps,
                 "training": dict(training or {}),
                 "actor": to_official(model.actor, ACTOR_KEYS),
                 "builder": to_official(model.builder, BUILDER_KEYS),
                 "conditioning": {k: v.detach().cpu() for k, v in model.conditioning.state_dict().items()},
                 "teacher_sha256": dict(teacher_sha256)}, path)


def load_distilled(path: Path) -> tuple[OnePassStylizer, dict]:
    """The model in ``path`` (a file, or a folder holding ``distilled.pth.tar``) and its record."""
    path = Path(path)
    if path.is_dir():
        path = path / DISTILLED_FILE
    state = read_state_dict(path)
    if state.get("format") != FORMAT or not isinstance(state.get("max_steps"), int):
        raise UserError(f"{path} is not a distilled rlministyler model")
    actor, builder = Actor(), Builder()
    load_official(actor, state["actor"], ACTOR_KEYS, str(path))
    load_official(builder, state["builder"], BUILDER_KEYS, str(path))
    model = OnePassStylizer(actor, builder, state["max_steps"])
    try:
        model.conditioning.load_state_dict(state["conditioning"])
    except (RuntimeError, KeyError, TypeError) as exc:
        raise UserError(f"{path}: the step table does not fit ({str(exc).splitlines()[0][:120]})") from None
    check_finite(model, path)
    record = {k: state[k] for k in ("format_version", "max_steps", "teacher_sha256") if k in state}
    record.update(state.get("training") or {})
    return model.eval(), record
