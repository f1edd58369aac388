"""What a run directory holds, and writing/reading checkpoints atomically.

    RUN_DIR/config.json                  the settings (``TrainConfig``)
    RUN_DIR/vgg_normalisation.pth        the loss network's per-filter means
    RUN_DIR/latest/{actor,builder}.pth.tar          the newest checkpoint, official format
    RUN_DIR/checkpoints/update_NNNNNNNN/{actor,builder}.pth.tar   every checkpoint
    RUN_DIR/state/update_NNNNNNNN/trainer.pth       models, critics, optimisers, temperature, AML
    RUN_DIR/state/update_NNNNNNNN/rank_R.pth        per rank: environment, replay memory, data
                                                    stream and random generators
    RUN_DIR/state/LATEST                 names the newest complete state directory
    RUN_DIR/samples/update_NNNNNNNN.png  sample grids (also in TensorBoard)
    RUN_DIR/tb/                          TensorBoard event files
    RUN_DIR/log.jsonl                    one line of losses per logged update

A state directory is complete once ``LATEST`` names it: ``LATEST`` is replaced (atomically)
only after every rank has written its file, so a crash during a save leaves the previous state.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import torch
from rlministyler.training.model.checkpoint import ACTOR_KEYS, BUILDER_KEYS, save_atomic, to_official

from rlministyler.errors import UserError

LATEST = "LATEST"


def tag(update: int) -> str:
    return f"update_{update:08d}"


def write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save_models(actor: torch.nn.Module, builder: torch.nn.Module, run_dir: Path, update: int,
                keep: int) -> Path:
    """The actor and builder in the published format, as ``checkpoints/update_N`` and ``latest``."""
    actor_sd, builder_sd = to_official(actor, ACTOR_KEYS), to_official(builder, BUILDER_KEYS)
    folder = run_dir / "checkpoints" / tag(update)
    for directory in (folder, run_dir / "latest"):
        save_atomic(actor_sd, directory / "actor.pth.tar")
        save_atomic(builder_sd, directory / "builder.pth.tar")
    if keep > 0:
        for old in sorted((run_dir / "checkpoints").glob("update_*"))[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def state_dir(run_dir: Path, update: int) -> Path:
    return run_dir / "state" / tag(update)


def commit_state(run_dir: Path, update: int) -> None:
    """Point ``LATEST`` at the state just written, then drop the older states (rank 0)."""
    write_text_atomic(run_dir / "state" / LATEST, tag(update) + "\n")
    for old in (run_dir / "state").glob("update_*"):
        if old.name != tag(update):
            shutil.rmtree(old, ignore_errors=True)


def latest_state(run_dir: Path) -> Path | None:
    pointer = run_dir / "state" / LATEST
    if not pointer.is_file():
        return None
    folder = run_dir / "state" / pointer.read_text().strip()
    return folder if folder.is_dir() else None


def read(path: Path) -> dict[str, Any]:
    """A training-state file, with a one-line error when it is missing or damaged."""
    if not path.is_file():
        raise UserError(f"training state incomplete: {path} is missing")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated or foreign files raise many types
        raise UserError(f"corrupt training state {path} ({type(exc).__name__}); resume from an "
                        "earlier run directory or start a new run") from None
    if not isinstance(state, dict):
        raise UserError(f"corrupt training state {path}: not a dict")
    return state
