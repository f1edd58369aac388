"""Where frames come from: an image, a directory of images, a video file, an image sequence
(``frames/%04d.png``) or a camera (``camera:0``). Frames are BGR uint8, as OpenCV reads them.

``camera:PATH`` plays a video file at its own frame rate as if it were a camera (frames that the
stylizer is too slow for are dropped, exactly as with a real camera); it is how the live path is
tested without one, and it also opens network streams (``camera:rtsp://...``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from rlministyler.errors import UserError
from rlministyler.images import READ_EXTENSIONS, quiet_opencv, read_bytes
from rlministyler.limits import check_regular_file
from rlministyler.safety import check_pattern, is_pattern, literal

VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".gif")
DEFAULT_SEQUENCE_FPS = 30.0


@dataclass
class Frame:
    """One input frame: its position, pixels (BGR uint8), a name for outputs, capture time."""

    index: int
    image: np.ndarray
    name: str
    number: int
    timestamp: float


def read_bgr(path: Path) -> np.ndarray | None:
    """Decode an image file to 8-bit BGR, or None when it is not a readable image."""
    data = read_bytes(path)  # a FIFO, or a header above the pixel cap: one line, never a hang
    if not data.size:
        return None
    with quiet_opencv():
        return cv2.imdecode(data, cv2.IMREAD_COLOR)


class Source:
    """Base class. ``count`` is None for live sources; ``fps`` is None when it has no meaning."""

    kind = "source"
    live = False
    fps: float | None = None
    count: int | None = None
    description = ""
    skipped: list[str]

    def __init__(self) -> None:
        self.skipped = []

    def frames(self) -> Iterator[Frame]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class ImageFiles(Source):
    """One image, or every image in a directory (sorted by name, not recursive)."""

    kind = "images"

    def __init__(self, paths: list[Path], description: str, fps: float | None = None) -> None:
        super().__init__()
        self.paths = paths
        self.count = len(paths)
        self.description = description
        self.fps = fps

    def frames(self) -> Iterator[Frame]:
        for i, path in enumerate(self.paths):
            image = read_bgr(path)
            if image is None:
                if self.count == 1:
                    raise UserError(f"not a readable image (PNG, JPEG, WebP, BMP or TIFF): {path}")
                self.skipped.append(path.name)
                continue
            yield Frame(i, image, path.stem, i + 1, time.perf_counter())


class ImageSequence(ImageFiles):
    """Files matching a printf pattern such as ``frames/%04d.png``, in numeric order."""

    kind = "sequence"

    def __init__(self, pattern: str, fps: float | None) -> None:
        matches = _match_pattern(pattern)
        if not matches:
            raise UserError(f"no files match the image sequence {pattern}")
        self.numbers = [n for n, _ in matches]
        super().__init__([p for _, p in matches], f"{pattern} ({len(matches)} frames)",
                         fps or DEFAULT_SEQUENCE_FPS)

    def frames(self) -> Iterator[Frame]:
        for frame in super().frames():
            frame.number = self.numbers[frame.index]
            yield frame


def _match_pattern(pattern: str) -> list[tuple[int, Path]]:
    path = Path(pattern)
    check_pattern(pattern)
    spec = next(m for m in re.finditer(r"%%|%(0?)(\d*)d", path.name) if m.group() != "%%")
    head, tail = literal(path.name[:spec.start()]), literal(path.name[spec.end():])
    zero, width = spec.groups()
    digits = rf"\d{{{width}}}" if zero and width else r"\d+"
    regex = re.compile(re.escape(head) + f"({digits})" + re.escape(tail))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"folder not found for the image sequence: {folder}")
    found = []
    for entry in folder.iterdir():
        m = regex.fullmatch(entry.name)
        if m and entry.is_file():
            found.append((int(m.group(1)), entry))
    return sorted(found)


class VideoFile(Source):
    """A video file read with OpenCV's FFmpeg backend."""

    kind = "video"

    def __init__(self, path: Path) -> None:
        super().__init__()
        check_regular_file(path, "video")
        with quiet_opencv():
            self.capture = cv2.VideoCapture(str(path))
        if not self.capture.isOpened():
            raise UserError(f"cannot read video {path}: not a video OpenCV can decode")
        self.path = path
        fps = self.capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 0 < fps < 1000 else 30.0
        count = int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.count = count if count > 0 else None
        w = int(self.capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        h = int(self.capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.description = f"{path.name} ({w}x{h}, {self.fps:g} fps, {self.count or '?'} frames)"
        self.ended_early = False

    def frames(self) -> Iterator[Frame]:
        index = 0
        while True:
            ok, image = self.capture.read()
            if not ok:
                break
            yield Frame(index, image, f"{index + 1:06d}", index + 1, time.perf_counter())
            index += 1
        if index == 0:
            raise UserError(f"cannot read video {self.path}: no frame could be decoded")
        # the container's frame count is an estimate; only a large shortfall means a broken file
        self.ended_early = self.count is not None and index < 0.9 * self.count
        self.count = index

    def close(self) -> None:
        self.capture.release()


class Camera(Source):
    """A live source: a camera index, a stream URL, or a video file played in real time."""

    kind = "camera"
    live = True

    def __init__(self, device: str, width: int | None = None, height: int | None = None,
                 fps: float | None = None) -> None:
        """``fps``: the rate asked of a camera, or the rate a file standing in for one plays at."""
        super().__init__()
        self.device = int(device) if device.isdigit() else device
        self.paced = isinstance(self.device, str) and Path(self.device).is_file()
        if isinstance(self.device, str) and not self.paced and "://" not in self.device:
            raise UserError(f"no camera {device!r}: use camera:N for camera N, or a video file or stream URL")
        with quiet_opencv():
            self.capture = cv2.VideoCapture(self.device)
            if width and height and not self.paced:
                self.capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
                self.capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
            if fps and not self.paced:
                self.capture.set(cv2.CAP_PROP_FPS, fps)
            opened = self.capture.isOpened()
        if not opened:
            raise UserError(f"no camera at camera:{device} (none connected, busy, or no permission)")
        own = self.capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and self.paced else (own if 0 < own < 1000 else 30.0)
        w = int(self.capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        h = int(self.capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.description = f"camera:{device} ({w}x{h}, {self.fps:g} fps)"

    def frames(self) -> Iterator[Frame]:
        index = 0
        start = time.perf_counter()
        while True:
            ok, image = self.capture.read()
            if not ok:
                if index == 0:
                    raise UserError(f"camera:{self.device} gives no frames")
                return
            if self.paced:  # a file standing in for a camera delivers frames at its frame rate
                delay = start + index / self.fps - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            yield Frame(index, image, f"{index + 1:06d}", index + 1, time.perf_counter())
            index += 1

    def close(self) -> None:
        self.capture.release()


def open_source(spec: str, fps: float | None = None, camera_size: tuple[int, int] | None = None
                ) -> Source:
    """Open ``spec``: ``camera:N`` / ``camera:URL-or-file``, a %d pattern, a directory, an image or
    a video file."""
    if spec.startswith("camera:"):
        h, w = camera_size or (None, None)
        return Camera(spec[len("camera:"):], width=w, height=h, fps=fps)
    path = Path(spec)
    if is_pattern(path.name) and not path.exists():
        return ImageSequence(spec, fps)
    path = Path(literal(spec)) if not path.exists() else path
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in READ_EXTENSIONS)
        if not files:
            raise UserError(f"no images ({', '.join(READ_EXTENSIONS)}) in directory {path}")
        return ImageFiles(files, f"{path} ({len(files)} images)", fps or DEFAULT_SEQUENCE_FPS)
    if not path.exists():
        raise UserError(f"input not found: {path}")
    if path.suffix.lower() in READ_EXTENSIONS:
        return ImageFiles([path], path.name, fps)
    return VideoFile(path)
