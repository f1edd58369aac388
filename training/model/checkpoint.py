"""Loading and saving the actor and builder in the authors' checkpoint format.

Our modules have descriptive names; the published files use the authors' names. The two
tables below map one to the other, convolution by convolution, so both directions are explicit.
"""

from __future__ import annotations

import os
import pickle
import re
import tempfile
import warnings
from pathlib import Path

import torch
from torch import nn

from rlministyler.errors import UserError
from rlministyler.limits import check_regular_file

from .actor import Actor
from .builder import Builder

ACTOR_FILE = "actor.pth.tar"
BUILDER_FILE = "builder.pth.tar"

# our module prefix -> the authors' module prefix, for every convolution
ACTOR_KEYS: dict[str, str] = {
    "encoder.stem": "encoder.enc1_1.0",
    "encoder.down1.depthwise": "encoder.enc1_2.0",
    "encoder.down1.pointwise": "encoder.enc1_2.2",
    "encoder.style_refine1": "encoder.style1_2.0",
    "encoder.style_mod1.weight.conv": "encoder.modulator1_2.weight1.0",
    "encoder.style_mod1.bias.conv": "encoder.modulator1_2.bias1.0",
    "encoder.down2.depthwise": "encoder.enc1_3.0",
    "encoder.down2.pointwise": "encoder.enc1_3.2",
    "encoder.style_refine2": "encoder.style1_3.0",
    "encoder.style_mod2.weight.conv": "encoder.modulator1_3.weight1.0",
    "encoder.style_mod2.bias.conv": "encoder.modulator1_3.bias1.0",
    "encoder.res1.conv1": "encoder.enc1_4.0.conv1",
    "encoder.res1.conv2": "encoder.enc1_4.0.conv2",
    "encoder.res2.conv1": "encoder.enc2.0.conv1",
    "encoder.res2.conv2": "encoder.enc2.0.conv2",
    "modulator.w1.conv": "modulator.weight1.0",
    "modulator.b1.conv": "modulator.bias1.0",
    "modulator.w2.conv": "modulator.weight2.0",
    "modulator.b2.conv": "modulator.bias2.0",
    "head.shared": "dist_builder.conv_layer",
    "head.mean": "dist_builder.mean",
    "head.log_scale": "dist_builder.std",
}

BUILDER_KEYS: dict[str, str] = {
    "res_deep.conv1": "dec1.conv1",
    "res_deep.conv2": "dec1.conv2",
    "res_shallow.conv1": "dec2.conv1",
    "res_shallow.conv2": "dec2.conv2",
    "up1.conv1": "dec3.conv1",
    "up1.conv2": "dec3.conv2",
    "up2.conv1": "dec4.conv1",
    "up2.conv2": "dec4.conv2",
    "head": "dec5.0",
}


def _key_pairs(table: dict[str, str]) -> list[tuple[str, str]]:
    return [(f"{ours}.conv.{p}", f"{theirs}.conv_layer.{p}")
            for ours, theirs in table.items() for p in ("weight", "bias")]


def to_official(module: nn.Module, table: dict[str, str]) -> dict[str, torch.Tensor]:
    """State dict of ``module`` under the authors' key names (the format we publish)."""
    ours = module.state_dict()
    return {theirs: ours[mine].detach().cpu().clone() for mine, theirs in _key_pairs(table)}


def load_official(module: nn.Module, state: dict[str, torch.Tensor], table: dict[str, str],
                  what: str) -> None:
    """Copy an authors'-format state dict into ``module``; a clear error on any mismatch."""
    pairs = _key_pairs(table)
    foreign = next((key for key in state if not isinstance(key, str)), None)
    if foreign is not None:
        raise UserError(f"{what} is not an RLMiniStyler checkpoint: it has a key of type "
                        f"{type(foreign).__name__} ({str(foreign)[:40]}), where tensor names are expected")
    missing = [theirs for _, theirs in pairs if theirs not in state]
    if missing:
        raise UserError(f"{what} is not an RLMiniStyler {module.__class__.__name__.lower()} "
                        f"checkpoint: {len(missing)} of {len(pairs)} tensors missing "
                        f"(first: {missing[0]})")
    extra = sorted(set(state) - {theirs for _, theirs in pairs})
    if extra:
        raise UserError(f"{what} has unexpected tensors for an RLMiniStyler "
                        f"{module.__class__.__name__.lower()} (first: {extra[0]})")
    ours = module.state_dict()
    mapped = {}
    for mine, theirs in pairs:
        tensor = state[theirs]
        if not isinstance(tensor, torch.Tensor) or tensor.shape != ours[mine].shape:
            shape = tuple(tensor.shape) if isinstance(tensor, torch.Tensor) else type(tensor).__name__
            raise UserError(f"{what}: tensor {theirs} has shape {shape}, "
                            f"expected {tuple(ours[mine].shape)}")
        if not tensor.is_floating_point():  # complex or integer weights would be cast silently
            raise UserError(f"{what}: tensor {theirs} is {str(tensor.dtype).removeprefix('torch.')}, "
                            f"expected real floating-point weights")
        mapped[mine] = tensor
    module.load_state_dict(mapped, strict=True)


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """``torch.load(weights_only=True)`` with one-line errors for missing or corrupt files."""
    if not path.exists():
        raise UserError(f"checkpoint file not found: {path}")
    check_regular_file(path, "checkpoint")  # a FIFO would be waited on forever
    try:
        with warnings.catch_warnings():  # the one line is ours, never torch's warning first
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:  # torch's text is many lines of advice: say it in one
        found = re.search(r"Unsupported global: GLOBAL (\S+)", str(exc))
        if found:
            raise UserError(f"checkpoint {path} holds Python objects ({found.group(1)}), not plain tensors: "
                            f"refused without running them (only weights are read from a checkpoint)"
                            ) from None
        raise UserError(f"corrupt or unreadable checkpoint {path}: not the pickled tensors of a checkpoint"
                        ) from None
    except Exception as exc:  # torch raises many types for truncated or foreign files
        raise UserError(f"corrupt or unreadable checkpoint {path}: {_first_line(exc)}") from None
    if not isinstance(state, dict):
        raise UserError(f"checkpoint {path} holds a {type(state).__name__}, not a state dict")
    return state


def _first_line(exc: Exception) -> str:
    """The first line of an exception's text, without terminal escapes, at most 200 characters."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


def load_actor(path: Path) -> Actor:
    actor = Actor()
    load_official(actor, read_state_dict(path), ACTOR_KEYS, str(path))
    return actor.eval()


def load_builder(path: Path) -> Builder:
    builder = Builder()
    load_official(builder, read_state_dict(path), BUILDER_KEYS, str(path))
    return builder.eval()


def load_pair(directory: Path) -> tuple[Actor, Builder]:
    """Load ``actor.pth.tar`` and ``builder.pth.tar`` from a checkpoint directory; a weight that is
    NaN or infinite (a diverged training) is refused in one line naming it."""
    actor, builder = load_actor(directory / ACTOR_FILE), load_builder(directory / BUILDER_FILE)
    for file, module in ((ACTOR_FILE, actor), (BUILDER_FILE, builder)):
        check_finite(module, directory / file)
    return actor, builder


def check_finite(module: torch.nn.Module, path: Path | str) -> None:
    """Refuse a module with a non-finite parameter or buffer, naming the first one."""
    for name, tensor in [*module.named_parameters(), *module.named_buffers()]:
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise UserError(f"{path}: weight {name} holds NaN or infinite values (a diverged "
                            f"training?); refusing to use it")


def save_atomic(state: dict[str, torch.Tensor], path: Path) -> None:
    """Write a state dict so that a crash never leaves a half-written file at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_pair(actor: Actor, builder: Builder, directory: Path) -> None:
    """Write the actor and builder in the published format, readable by ``load_pair``."""
    save_atomic(to_official(actor, ACTOR_KEYS), directory / ACTOR_FILE)
    save_atomic(to_official(builder, BUILDER_KEYS), directory / BUILDER_FILE)
