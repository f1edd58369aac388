"""Exported models the benchmarks run, made once with ``rlministyler export`` and kept in a cache."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from rlministyler.images import READ_EXTENSIONS


@dataclass(frozen=True)
class ModelSpec:
    variant: str  # full, baked, split
    precision: str  # fp32, fp16, int8
    steps: int
    all_steps: bool

    @property
    def name(self) -> str:
        kind = f"all{self.steps}" if self.all_steps else f"k{self.steps}"
        return f"{self.variant}_{self.precision}_{kind}"


class ModelCache:
    """Export on first use into ``folder``; a later run with the same folder reuses the files."""

    def __init__(self, folder: Path, style: Path, calibration: list[Path], checkpoint: str | None,
                 quiet: bool = True) -> None:
        self.folder, self.style, self.calibration = folder, style, calibration
        self.checkpoint, self.quiet = checkpoint, quiet
        folder.mkdir(parents=True, exist_ok=True)
        self.export_seconds: dict[str, float] = {}

    def _calibration_dir(self) -> Path:
        folder = self.folder / "calibration"
        if not folder.is_dir():
            folder.mkdir()
            for path in self.calibration:
                if path.suffix.lower() in READ_EXTENSIONS:
                    shutil.copy(path, folder / path.name)
        return folder

    def get(self, spec: ModelSpec) -> Path:
        """The model file for ``spec``, exported now if it is not in the cache."""
        path = self.folder / f"{spec.name}.onnx"
        if path.is_file() and path.with_suffix(".json").is_file():
            return path
        from rlministyler.export.exporter import ExportOptions, export_model

        opts = ExportOptions(
            output=path, steps=spec.steps, all_steps=spec.all_steps, variant=spec.variant,
            style=self.style, precision=spec.precision, checkpoint=self.checkpoint,
            calibration=self._calibration_dir() if spec.precision == "int8" else None,
            quiet=self.quiet)
        result = export_model(opts)
        self.export_seconds[spec.name] = round(result.seconds, 1)
        return path
