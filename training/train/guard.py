"""Guards for a training run: one process per run directory (a lock naming its holder), a
``log.jsonl`` that a crash left with a torn last line, and losses that stop being finite."""

from __future__ import annotations

import json
import math
import os
import socket
from pathlib import Path

from rlministyler.errors import UserError

LOCK_FILE = ".lock"


class RunLock:
    """An exclusive ``flock`` on ``RUN_DIR/.lock``, held for the life of the process; the file
    says who holds it (pid, host), so a second run refuses naming the holder."""

    def __init__(self, run_dir: Path) -> None:
        import fcntl

        self.path = run_dir / LOCK_FILE
        run_dir.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                holder = os.pread(self.fd, 200, 0).decode(errors="replace").strip() or "another process"
            finally:
                os.close(self.fd)
            raise UserError(f"{run_dir} is in use by another training ({holder}): wait for it to end "
                            f"or choose another --out") from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def read_log(path: Path) -> list[dict]:
    """The records of ``log.jsonl``; a torn last line (what a crash leaves) is dropped, damage
    anywhere else is one line naming the line number."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    records = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not an object")
        except ValueError:
            if n == len(lines):  # torn by a crash: drop it
                break
            raise UserError(f"{path} line {n} is damaged (not a JSON object); fix or remove it "
                            f"to resume") from None
        records.append(record)
    return records


def check_losses(values: dict, update: int, run_dir: Path) -> None:
    """Stop in one line at the first non-finite loss, before anything is saved from it."""
    for name, value in values.items():
        try:
            bad = not math.isfinite(float(value))
        except (TypeError, ValueError):
            continue
        if bad:
            raise UserError(f"update {update}: the {name} loss is {value} (training diverged; a lower "
                            f"--lr?); stopped without saving it, the last good checkpoint in "
                            f"{run_dir / 'latest'} is kept")


def check_weights(actor, builder, update: int, run_dir: Path) -> None:
    """Refuse to save a checkpoint whose weights are no longer finite."""
    from rlministyler.training.model.checkpoint import check_finite

    for module in (actor, builder):
        try:
            check_finite(module, f"update {update}")
        except UserError as exc:
            raise UserError(f"{exc}; stopped without saving, the last good checkpoint in "
                            f"{run_dir / 'latest'} is kept") from None
