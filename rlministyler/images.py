"""Image files in and out, as float32 RGB arrays in [0, 1] (H, W, 3). NumPy and OpenCV only.

Files are decoded from bytes (``np.fromfile`` + ``cv2.imdecode``) so that paths with any
characters work, and written through a temporary file so a failed write never leaves half a file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

# FFmpeg's own log ("moov atom not found", ...) would come before our one-line error; quiet it
# unless the user asked for it (read when OpenCV's FFmpeg backend starts, so before any video).
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

import cv2
import numpy as np

from .errors import UserError
from .limits import check_image_header, check_regular_file, check_replaceable

READ_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
WRITE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read PNG/JPEG/WebP/BMP/TIFF (8 or 16 bit, grey, RGB or RGBA; EXIF orientation applied)."""
    data = read_bytes(path)
    path = Path(path)
    bgr = _decode(data) if data.size else None
    if bgr is None:
        raise UserError(f"not a readable image (PNG, JPEG, WebP, BMP or TIFF): {path}")
    scale = 65535.0 if bgr.dtype == np.uint16 else 255.0
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32)
    if bgr.dtype == np.float32:  # 32-bit float images are taken as already in [0, 1]
        return np.clip(rgb, 0.0, 1.0)
    return rgb / np.float32(scale)


def read_bytes(path: str | os.PathLike, what: str = "image") -> np.ndarray:
    """The bytes of a regular image file (a FIFO or device is refused: it could block forever),
    after checking the pixel count its header claims against the cap."""
    path = check_regular_file(path, what)
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise UserError(f"cannot read {what} {path}: {exc.strerror}") from None
    check_image_header(path, data.data)
    return data


def verify_image(path: Path, shape: tuple[int, ...]) -> None:
    """Re-read a written image: it must decode to the size that was written."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise UserError(f"cannot read back {path}: {exc.strerror}") from None
    back = _decode(data) if data.size else None
    if back is None or back.shape[:2] != tuple(shape[:2]):
        raise UserError(f"wrote {path} but it does not read back as the image written "
                        f"(disk full or a failing drive?)")


@contextlib.contextmanager
def quiet_opencv() -> Iterator[None]:
    """Silence OpenCV's own log while decoding or opening media: broken files are reported by
    the caller in one line instead."""
    previous = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(previous)


def _decode(data: np.ndarray) -> np.ndarray | None:
    with quiet_opencv():
        return cv2.imdecode(data, cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH)


def to_uint8(rgb: np.ndarray) -> np.ndarray:
    """Clamp to [0, 1], scale to 0..255 and round to nearest (not truncate)."""
    return np.floor(np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def check_writable(path: str | os.PathLike) -> Path:
    """Fail early, before any work, if ``path`` cannot be written as an image."""
    path = Path(path)
    if path.suffix.lower() not in WRITE_EXTENSIONS:
        raise UserError(f"cannot write {path}: use one of {', '.join(WRITE_EXTENSIONS)}")
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UserError(f"cannot write {path}: it is a directory")
    if parent.exists() and not parent.is_dir():
        raise UserError(f"cannot write {path}: {parent} is not a directory")
    if parent.is_dir() and not os.access(parent, os.W_OK):
        raise UserError(f"cannot write {path}: directory {parent} is not writable")
    return path


def write_image(path: str | os.PathLike, rgb: np.ndarray, quality: int = 95) -> Path:
    """Write a float RGB array (clamped, rounded to 8 bit) or a uint8 RGB array."""
    path = check_writable(path)
    pixels = rgb if rgb.dtype == np.uint8 else to_uint8(rgb)
    return write_bgr(path, cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR), quality)


def write_bgr(path: Path, bgr: np.ndarray, quality: int = 95) -> Path:
    """Encode a uint8 BGR array by the file's extension (JPEG at ``quality``, WebP lossless) and
    write it through a temporary file, so a failed write never leaves half a file."""
    ext = path.suffix.lower()
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if ext in (".jpg", ".jpeg") else []
    if ext == ".webp":
        params = [cv2.IMWRITE_WEBP_QUALITY, 101]  # lossless
    check_replaceable(path)  # a FIFO or a device at the target is never renamed over
    ok, encoded = cv2.imencode(ext, bgr, params)
    if not ok:
        raise UserError(f"could not encode {path}")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # unique per process
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(encoded.tobytes())
            f.flush()
            os.fsync(f.fileno())
        verify_image(tmp, bgr.shape)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {disk_reason(exc, path)}") from None
    except UserError:
        tmp.unlink(missing_ok=True)
        raise
    return path


def disk_reason(exc: OSError, path: Path) -> str:
    """The OS error in words; a full disk also says how much space is free there."""
    import errno

    text = exc.strerror or type(exc).__name__
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        text += f" ({free_space(path)})"
    return text


def free_space(path: Path) -> str:
    """``12.3 MB free on its disk`` for the folder of ``path``."""
    import shutil

    try:
        free = shutil.disk_usage(path.parent if str(path.parent) else '.').free
        return f"{free / 1e6:.1f} MB free on its disk"
    except OSError:
        return "free space unknown"


def resize_shorter(rgb: np.ndarray, shorter: int) -> np.ndarray:
    """Scale so the shorter side is ``shorter`` pixels (``0`` keeps the image as it is)."""
    if shorter <= 0:
        return rgb
    h, w = rgb.shape[:2]
    factor = shorter / min(h, w)
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    if size == (w, h):
        return rgb
    if factor < 1:
        return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return np.clip(cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC), 0.0, 1.0)
