"""What a batch run works on: inputs (folders, globs, list files, files) resolved to jobs, each
with the output that mirrors it under ``-o``; every check here runs before any work."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from rlministyler.runtime.sources import VIDEO_EXTENSIONS

from rlministyler.errors import UserError
from rlministyler.images import READ_EXTENSIONS
from rlministyler.safety import is_pattern

LIST_SUFFIXES = (".txt", ".lst")  # an input file with one path per line
VIDEO_OUT = {".mp4": ".mp4", ".m4v": ".mp4", ".mov": ".mov", ".mkv": ".mkv", ".avi": ".avi"}  # else .mp4
WORK_FOLDER = ".rlministyler-batch"  # under -o: the ledger, segments in progress, the summary


@dataclass(frozen=True)
class Job:
    """One input file and the output it becomes."""

    input: Path
    output: Path
    kind: str  # "image" or "video"


def _kind(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in READ_EXTENSIONS:
        return "image"
    if suffix in VIDEO_EXTENSIONS and suffix != ".gif":
        return "video"
    return None


def _scan(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and _kind(p) and WORK_FOLDER not in p.parts)


def _from_list(path: Path) -> tuple[list[Path], Path]:
    """The files a list file names (one per line, relative to the list's folder; # comments) and
    their common folder."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise UserError(f"cannot read the list file {path}: {reason}") from None
    names = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    files = [(path.parent / name).resolve() for name in names]
    for file in files:
        if not file.is_file() or not _kind(file):
            raise UserError(f"{path} lists {file}, which is not an image or video file")
    if not files:
        raise UserError(f"the list file {path} names no file")
    return files, Path(os.path.commonpath([str(f.parent) for f in files]))


def expand(spec: str) -> tuple[list[Path], Path]:
    """The files one INPUT names and the folder their outputs mirror."""
    path = Path(spec)
    if path.is_dir():
        return _scan(path), path
    if path.is_file():  # an existing name is literal, even with * or ? in it
        if path.suffix.lower() in LIST_SUFFIXES:
            return _from_list(path)
        if not _kind(path):
            raise UserError(f"{path}: not an image ({', '.join(READ_EXTENSIONS)}) or a video")
        return [path], path.parent
    if is_pattern(spec):
        matches = sorted(Path(p) for p in glob.glob(spec, recursive=True))
        files = [p for p in matches if p.is_file() and _kind(p)]
        prefix = Path(spec.split("*")[0].split("?")[0].split("[")[0])
        root = prefix if spec.endswith(("/", "\\")) or prefix.is_dir() else prefix.parent
        if not files:
            raise UserError(f"{spec} matches no image or video")
        return files, root
    raise UserError(f"input not found: {spec}")


def output_for(file: Path, root: Path, out: Path, kind: str) -> Path:
    """``file``'s output: the same place under ``out`` as under ``root``, the same stem."""
    relative = file.resolve().relative_to(root.resolve())
    suffix = file.suffix.lower() if kind == "image" else VIDEO_OUT.get(file.suffix.lower(), ".mp4")
    return out / relative.with_suffix(suffix)


def plan_jobs(inputs: list[str], out: Path) -> list[Job]:
    """Every input resolved; refused before any work: no file at all, an input that is its own
    output, two inputs with the same output."""
    jobs: dict[Path, Job] = {}
    for spec in inputs:
        files, root = expand(spec)  # -o inside an input folder: refused by the CLI's overlap check
        for file in files:
            kind = _kind(file)
            assert kind is not None
            target = output_for(file, root, out, kind)
            if target.resolve() == file.resolve():
                raise UserError(f"{file} would be overwritten by its own output: choose another -o")
            other = jobs.get(target)
            if other is not None and other.input.resolve() != file.resolve():
                raise UserError(f"{other.input} and {file} would both be written to {target}")
            jobs[target] = Job(file, target, kind)
    if not jobs:
        raise UserError("no image or video among the inputs")
    return list(jobs.values())
