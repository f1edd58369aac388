"""Resource limits checked before any work: the pixel cap read from an image's header (before it
is decoded), bounds on sizes, threads and frame rates, and regular files only as inputs.

The pixel cap is 100 megapixels by default; ``RLMINISTYLER_MAX_PIXELS`` changes it (a number of
pixels, e.g. ``400e6``; ``0`` turns the cap off).
"""

from __future__ import annotations

import math
import os
import stat
import struct
from pathlib import Path

from .errors import UserError
from .spec import MAX_THREADS

DEFAULT_MAX_PIXELS = 100_000_000
MAX_SIDE = 32768  # the largest side any image may claim (OpenCV's own decoders refuse beyond)
MAX_EXPORT_SIDE = 8192  # a fixed export size: the graph is traced at that size, memory grows with it
MAX_EXPORT_PIXELS = 16_777_216  # 4096x4096
MAX_FPS = 1000.0
MAX_SIZE = 16384  # --size: shorter side to scale to


def max_pixels() -> int:
    """The pixel cap: ``RLMINISTYLER_MAX_PIXELS`` (0 = no cap), else 100 megapixels."""
    text = os.environ.get("RLMINISTYLER_MAX_PIXELS", "").strip()
    if not text:
        return DEFAULT_MAX_PIXELS
    try:
        value = float(text)
    except ValueError:
        raise UserError(f"RLMINISTYLER_MAX_PIXELS: expected a number of pixels, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise UserError(f"RLMINISTYLER_MAX_PIXELS: expected 0 (no cap) or more, got {text!r}")
    return int(value)


def file_kind(mode: int) -> str:
    """What a file of ``mode`` is, in words: ``a file``, ``a directory``, ``a FIFO (named pipe)``,
    ``a device``, ``a socket``."""
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a socket" if stat.S_ISSOCK(mode) else "not a regular file"


def check_regular_file(path: str | os.PathLike, what: str = "input") -> Path:
    """Refuse FIFOs, devices, sockets and directories as input files (they can block forever)."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise UserError(f"{what} not found: {path}") from None
    except OSError as exc:
        raise UserError(f"cannot read {what} {path}: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise UserError(f"{what} {path} is a directory, not a file")
    if not stat.S_ISREG(mode):
        raise UserError(f"{what} {path} is {file_kind(mode)}: give a regular file")
    return path


def check_replaceable(path: str | os.PathLike, what: str = "-o") -> None:
    """An output may replace only a regular file: a FIFO, a device or a socket at ``path`` is
    refused (renaming over it would destroy it), and so is a directory."""
    try:
        mode = os.stat(path).st_mode
    except OSError:  # a new path (or one whose folder is checked where it is made)
        return
    if stat.S_ISDIR(mode):
        raise UserError(f"cannot write {what} {path}: it is a directory")
    if not stat.S_ISREG(mode):
        raise UserError(f"{what} {path} is {file_kind(mode)}, not a regular file: choose another output")


def image_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) from the first bytes of a PNG, JPEG, WebP or BMP; None if not recognised
    (a TIFF: :func:`tiff_size`)."""
    if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) >= 24:
        w, h = struct.unpack(">II", head[16:24])
        return w, h
    if head[:2] == b"BM" and len(head) >= 26:
        size = struct.unpack("<I", head[14:18])[0]
        if size == 12:
            w, h = struct.unpack("<HH", head[18:22])
        else:
            w, h = struct.unpack("<ii", head[18:26])
        return abs(w), abs(h)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and len(head) >= 30:
        chunk = head[12:16]
        if chunk == b"VP8X":
            w = 1 + int.from_bytes(head[24:27], "little")
            h = 1 + int.from_bytes(head[27:30], "little")
            return w, h
        if chunk == b"VP8 ":
            w, h = struct.unpack("<HH", head[26:30])
            return w & 0x3FFF, h & 0x3FFF
        if chunk == b"VP8L" and len(head) >= 25:
            bits = int.from_bytes(head[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return None
    if head[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(head):
            if head[i] != 0xFF:
                i += 1
                continue
            marker = head[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            length = struct.unpack(">H", head[i + 2:i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", head[i + 5:i + 9])
                return w, h
            i += 2 + length
        return None
    return None


def tiff_size(data: bytes | memoryview) -> tuple[int, int] | None:
    """(width, height) from a TIFF's first image directory (wherever in the file it is); None if
    ``data`` is not a TIFF or the directory cannot be read."""
    head = bytes(data[:8])
    if len(head) < 8 or head[:4] not in (b"II*\0", b"MM\0*"):
        return None
    order = "<" if head[:2] == b"II" else ">"
    offset = struct.unpack(order + "I", head[4:8])[0]
    count = bytes(data[offset:offset + 2])
    if len(count) < 2:
        return None
    table = bytes(data[offset + 2:offset + 2 + 12 * struct.unpack(order + "H", count)[0]])
    found = {}
    for i in range(len(table) // 12):
        tag, kind = struct.unpack(order + "HH", table[12 * i:12 * i + 4])
        if tag in (256, 257) and kind in (3, 4):  # ImageWidth, ImageLength as SHORT or LONG
            found[tag] = struct.unpack(order + ("H" if kind == 3 else "I"),
                                       table[12 * i + 8:12 * i + (10 if kind == 3 else 12)])[0]
    return (found[256], found[257]) if len(found) == 2 else None


def check_image_header(path: Path, data: bytes | memoryview) -> None:
    """Refuse an image whose header claims more pixels than the cap, before it is decoded."""
    size = image_size(bytes(data[:1 << 16])) or tiff_size(data)
    if size is None:
        return
    w, h = size
    cap = max_pixels()
    if w > MAX_SIDE or h > MAX_SIDE:
        raise UserError(f"image {path} claims {w}x{h} pixels: sides above {MAX_SIDE} are refused")
    if cap and w * h > cap:
        raise UserError(f"image {path} is {w}x{h} = {w * h / 1e6:.0f} megapixels, above the cap of "
                        f"{cap / 1e6:g} (set RLMINISTYLER_MAX_PIXELS to raise it)")


def check_threads(n: int) -> int:
    cores = os.cpu_count() or 1
    limit = min(MAX_THREADS, max(64, 4 * cores))
    if n > limit:
        raise UserError(f"--threads {n}: at most {limit} (this machine has {cores} CPU cores)")
    return n


def check_export_size(h: int, w: int) -> None:
    if h > MAX_EXPORT_SIDE or w > MAX_EXPORT_SIDE or h * w > MAX_EXPORT_PIXELS:
        raise UserError(f"--size {h}x{w}: too large to trace and verify (at most {MAX_EXPORT_SIDE} a "
                        f"side and {MAX_EXPORT_PIXELS // 1_000_000} megapixels; the model is "
                        f"resolution-independent without --size)")


def check_size(n: int, what: str = "--size") -> int:
    if n > MAX_SIZE:
        raise UserError(f"{what} {n}: at most {MAX_SIZE} pixels")
    return n
