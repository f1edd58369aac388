"""What a batch run has finished, so that a second run skips it: one small JSON record per output
under ``-o/.rlministyler-batch/done/``, keyed by the content hash of the input, the model and the
style and by the settings. An output whose record is missing or has another key is redone; a file
at an output path with no record of ours is someone else's and is never overwritten."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from rlministyler.safety import write_text

from .inputs import WORK_FOLDER


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def job_key(input_sha256: str, setup_key: str) -> str:
    """The key of one output: its input's content and everything else that shapes it."""
    return hashlib.sha256(f"{input_sha256}:{setup_key}".encode()).hexdigest()


def setup_key(model_sha256: str, style_sha256: str | None, settings: dict) -> str:
    """Model, style and settings in one digest (settings that change pixels only)."""
    text = json.dumps({"model": model_sha256, "style": style_sha256, **settings}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class Ledger:
    """The done records of one output folder."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.folder = out / WORK_FOLDER / "done"

    def _record(self, output: Path) -> Path:
        name = hashlib.sha256(str(output.relative_to(self.out)).encode()).hexdigest()[:32]
        return self.folder / f"{name}.json"

    def read(self, output: Path) -> dict | None:
        try:
            return json.loads(self._record(output).read_text())
        except (OSError, ValueError):
            return None

    def is_done(self, output: Path, key: str) -> bool:
        record = self.read(output)
        return bool(record and record.get("key") == key and output.is_file())

    def owns(self, output: Path) -> bool:
        """Whether an existing ``output`` was written by a batch run into this folder."""
        return self.read(output) is not None

    def mark_done(self, output: Path, key: str, frames: int) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {"output": str(output.relative_to(self.out)), "key": key, "frames": frames}
        write_text(self._record(output), json.dumps(record) + "\n", "batch record")
