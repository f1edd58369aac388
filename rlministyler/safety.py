"""Outputs never destroy inputs, and names are literal.

``refuse_overlap`` is the one check of a command's paths, called by every command before any work:
every name fits the file system's limits (an output's with room for its temporary name), an
output is a regular file, a folder or a new path (never a FIFO, a device or a socket), no two
outputs are one file, and an output that resolves (through symbolic links, ``..`` or a hard link)
to an input file, or lies inside an input directory, is refused; each in one line.

Name rule: a name is a printf pattern only when it holds a real integer conversion (``%d``,
``%04d``, ``%5d``); ``%%`` stands for one literal ``%``. Any other ``%`` (``50%off.png``,
``100%.png``, ``%o``) is part of a literal file name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from . import spec
from .errors import UserError
from .limits import check_replaceable, file_kind

_CONVERSION = re.compile(r"%%|%0?\d*d")


def is_pattern(name: str) -> bool:
    """Whether ``name`` holds a real integer conversion (``%d``, ``%04d``), not counting ``%%``."""
    return any(m.group() != "%%" for m in _CONVERSION.finditer(name))


def literal(name: str) -> str:
    """A literal name (no conversion) as the file name on disk: ``%%`` -> ``%``."""
    return name.replace("%%", "%")


def format_pattern(pattern: str, number: int) -> str:
    """Fill the one conversion of ``pattern`` with ``number``; ``%%`` -> ``%``; any other ``%`` stays."""
    def sub(m: re.Match) -> str:
        return "%" if m.group() == "%%" else m.group() % number
    return _CONVERSION.sub(sub, pattern)


def check_pattern(pattern: str) -> None:
    """A sequence pattern holds exactly one conversion."""
    n = sum(1 for m in _CONVERSION.finditer(Path(pattern).name) if m.group() != "%%")
    if n != 1 or any(m.group() != "%%" for m in _CONVERSION.finditer(str(Path(pattern).parent))):
        raise UserError(f"bad pattern {pattern}: use one %d or %0Nd in the file name, e.g. out/%04d.png")


def _real(path: str | os.PathLike) -> Path:
    return Path(os.path.realpath(os.path.abspath(os.fspath(path))))


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _inside(child: Path, folder: Path) -> bool:
    try:
        child.relative_to(folder)
        return True
    except ValueError:
        return False


def _shown(path: str) -> str:
    """A path short enough for a one-line message."""
    return path if len(path) <= 80 else f"{path[:36]}...{path[-36:]}"


def name_limits(path: str | os.PathLike) -> tuple[int, int]:
    """(longest name, longest path) in bytes on the file system ``path`` is or would be on."""
    probe = os.path.dirname(os.path.abspath(os.fspath(path)))
    while not os.path.isdir(probe) and probe != os.path.dirname(probe):
        probe = os.path.dirname(probe)
    try:
        return os.pathconf(probe, "PC_NAME_MAX"), os.pathconf(probe, "PC_PATH_MAX")
    except (OSError, ValueError):
        return 255, 4096


def check_name(role: str, path: str | os.PathLike, reserve: int = 0) -> None:
    """Refuse a name longer than the file system takes, up front: each part of ``path`` fits the
    name limit (its last part with ``reserve`` bytes to spare, for the temporary name an output is
    written through) and the whole fits the path limit."""
    text = os.fspath(path)
    full = os.path.abspath(text)
    name_max, path_max = name_limits(full)
    parts = Path(full).parts[1:]
    for i, part in enumerate(parts):
        spare = reserve if i == len(parts) - 1 else 0
        size = len(os.fsencode(part))
        if size + spare > name_max:
            raise UserError(f"{role} {_shown(text)}: file name too long ({size} bytes; at most "
                            f"{name_max - spare} here)")
    if len(os.fsencode(full)) + reserve >= path_max:
        raise UserError(f"{role} {_shown(text)}: path too long ({len(os.fsencode(full))} bytes; at most "
                        f"{path_max - 1 - reserve} here)")


def _refuse_same_outputs(outputs: list[tuple[str, str]]) -> None:
    """No two outputs of one call are one file (the second would replace the first)."""
    for i, (role, out) in enumerate(outputs):
        for other_role, other in outputs[:i]:
            if _real(literal(out)) == _real(literal(other)) or _same(Path(out), Path(other)):
                raise UserError(f"{other_role} {_shown(other)} and {role} {_shown(out)} are the same file: "
                                f"give each output its own path")


def refuse_overlap(outputs: Iterable[tuple[str, str | os.PathLike | None]],
                   inputs: Iterable[tuple[str, str | os.PathLike | None]]) -> None:
    """The paths of one command, checked before any work; one line for the first problem.

    Every name fits the file system (:func:`check_name`); an output is a regular file, a folder or
    a new path, never a FIFO, a device or a socket; no two outputs are one file; and no output
    would replace or write into an input.

    ``outputs`` and ``inputs`` are ``(role, path)`` pairs (role: ``"-o"``, ``"content"``,
    ``"--style"``, ...). A pattern (``%04d``) output is checked by its folder against input files
    and folders, and by its name against the input pattern's frames. ``None`` inputs are skipped.
    """
    outputs = [(role, os.fspath(p)) for role, p in outputs if p is not None and os.fspath(p) != ""]
    ins = [(role, os.fspath(p)) for role, p in inputs if p is not None and str(p) != ""]
    for role, inp in ins:
        if not inp.startswith("camera:"):
            check_name(role, inp)
    for role, out in outputs:
        check_name(role, out, spec.TEMP_NAME_EXTRA)
        if not os.path.isdir(out):  # a folder output is checked by the form of -o
            check_replaceable(literal(out), role)
    _refuse_same_outputs(outputs)
    for out_role, out in outputs:
        if out is None or os.fspath(out) == "":
            continue
        out = os.fspath(out)
        out_real = _real(out)
        out_is_pattern = is_pattern(out_real.name)
        for in_role, inp in ins:
            if inp.startswith("camera:"):
                inp = inp[len("camera:"):]
                if not Path(inp).exists():
                    continue
            in_real = _real(inp)
            if is_pattern(in_real.name) and not Path(inp).exists():
                # an input sequence: its folder holds the inputs
                if out_is_pattern and out_real == in_real:
                    _refuse(out_role, out, in_role, inp, "the same files")
                if not out_is_pattern and out_real.parent == in_real.parent:
                    m = re.fullmatch(_to_regex(in_real.name), out_real.name)
                    if m or out_real == in_real.parent:
                        _refuse(out_role, out, in_role, inp, "one of its frames")
                continue
            if out_is_pattern:
                folder = out_real.parent
                if Path(inp).is_dir() and _real(inp) == folder:
                    _refuse(out_role, out, in_role, inp, "files inside it")
                if Path(inp).is_file() and re.fullmatch(_to_regex(out_real.name), in_real.name) \
                        and in_real.parent == folder:
                    _refuse(out_role, out, in_role, inp, "it")
                continue
            if out_real == in_real or _same(Path(out), Path(inp)):
                _refuse(out_role, out, in_role, inp, "it")
            if Path(inp).is_dir() and _inside(out_real, in_real):
                _refuse(out_role, out, in_role, inp, "a file inside it")


def refuse_inputs_inside(role: str, folder: str | os.PathLike,
                         inputs: Iterable[tuple[str, str | os.PathLike | None]]) -> None:
    """For an output folder whose contents are replaced: no input may lie inside it (or be it)."""
    top = _real(folder)
    for in_role, inp in inputs:
        if inp is None or os.fspath(inp) == "":
            continue
        if _inside(_real(inp), top):
            raise UserError(f"{role} {folder} would replace files holding the {in_role} input {inp}: "
                            f"choose another output folder")


def _to_regex(name: str) -> str:
    out, pos = [], 0
    for m in _CONVERSION.finditer(name):
        out.append(re.escape(name[pos:m.start()]))
        out.append("%" if m.group() == "%%" else r"\d+")
        pos = m.end()
    out.append(re.escape(name[pos:]))
    return "".join(out)


def _refuse(out_role: str, out: str, in_role: str, inp: str, what: str) -> None:
    where = {"it": "", "the same files": "the frames of ", "one of its frames": "a frame of ",
             "files inside it": "files inside ", "a file inside it": "a file inside "}[what]
    raise UserError(f"{out_role} {out} would overwrite {where}the {in_role} input {inp}: "
                    f"choose another output")


def write_text(path: str | os.PathLike, text: str, what: str = "file") -> Path:
    """Write a small text file through a unique temporary file and an atomic rename; one-line
    errors (a missing folder, no permission, a full disk) naming the path."""
    path = Path(path)
    check_replaceable(path, what)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, FileNotFoundError) and not path.parent.is_dir():
            reason = f"folder {path.parent} does not exist"
        raise UserError(f"cannot write {what} {path}: {reason}") from None
    return path


def write_all(writers: dict[Path, Callable[[Path], None]]) -> None:
    """Write several files as one: each through a unique temporary file, then all renamed; if any
    write fails none of the targets is touched and no temporary file is left behind."""
    for path in writers:  # every target first: a folder or a FIFO found late would leave half the files
        check_replaceable(path, "output")
    tmps: dict[Path, Path] = {}
    current = None
    try:
        for path, write in writers.items():
            current = path
            tmps[path] = tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            write(tmp)
        for path, tmp in tmps.items():
            current = path
            os.replace(tmp, path)
    except OSError as exc:
        for tmp in tmps.values():
            try:
                tmp.unlink()
            except OSError:
                pass
        from .images import disk_reason
        raise UserError(f"cannot write {current}: {disk_reason(exc, Path(current))}") from None


def make_output_folder(folder: Path, role: str = "-o") -> Path:
    """Create the folder outputs go into (and its parents); one line when that cannot be."""
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{role} {folder}: a file of that name exists, not a directory")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {role} {folder}: {exc.strerror}") from None
    if not os.access(folder, os.W_OK):
        raise UserError(f"cannot write into {role} {folder}: not writable")
    return folder


def check_folder_output(folder: str | os.PathLike, role: str) -> None:
    """Before any work, creating nothing: ``folder`` is a folder, or can be made where the first
    existing part of its path is a writable folder (not a file)."""
    folder = Path(folder)
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise UserError(f"cannot use {role} {folder}: {probe} is {file_kind(os.stat(probe).st_mode)}, "
                        f"not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UserError(f"cannot use {role} {folder}: {probe} is not writable")


def check_output_folder(path: str | os.PathLike, role: str = "-o") -> None:
    """Before any work: the folder of an output file exists (or can be made) and is writable."""
    folder = Path(path).parent if str(Path(path).parent) else Path(".")
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise UserError(f"cannot write {role} {path}: {probe} is not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {role} {path}: {probe} is not writable")
    if Path(path).is_dir():
        raise UserError(f"cannot write {role} {path}: it is a directory")
