"""The target engine's importer (``Target.importer``, a check-unity engine): the attributes it ignores
and warns about, removed before verification, and check-unity run on the files as written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import onnx

from rlministyler.errors import UserError

from . import unity_check
from .targets import Target


def drop_ignored(models: dict[str, onnx.ModelProto], target: Target, log: Callable[[str], None]) -> None:
    """Remove, in place, what ``target``'s importer ignores (verification then proves it changes nothing)."""
    if not target.importer:
        return
    dropped = [d for m in models.values() for d in unity_check.drop_ignored_attributes(m, target.importer)]
    if dropped:
        log(f"{target.name}: removed {len(dropped)} attribute(s) the importer ignores and warns about")


def check_written(files: list[Path], sidecar: Path, target: Target, log: Callable[[str], None]) -> None:
    """check-unity on what was written: when a file fails, every file of the export is removed."""
    if not target.importer:
        return
    for path in files:
        report = unity_check.check_model(path, target.importer, urp=target.urp)
        if not report.ok:
            for written in (*files, sidecar):
                written.unlink(missing_ok=True)
            more = f" (and {len(report.failures) - 1} more)" if len(report.failures) > 1 else ""
            urp = " (with --urp: the Unity sample runs it in URP)" if target.urp else ""
            raise UserError(f"check-unity --engine {target.importer} fails on {path}{urp}: "
                            f"{report.failures[0]}{more}; nothing was written")
        for line in report.importer_warnings:
            log(f"check-unity: importer warning: {line}")
