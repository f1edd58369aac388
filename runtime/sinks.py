"""Where stylised frames go; the form of ``-o`` decides: an image file, a directory, an image
sequence pattern (``out/%04d.png``) or a video file (``.mp4`` by default).

Images are written through a temporary file, read back and renamed. A video is written to a
hidden ``.NAME.PID.partial.EXT`` beside the target (unique per process, so two runs on one output
never share it), reopened when it is finalised to check that every frame is in it, and only then
renamed over the target (atomically), which ``close`` always does (also after Ctrl-C or a failing
frame), so the file at the target path is always playable. A file that does not read back (a full
disk) is an error naming the path and the free space, never a success.

Names are literal unless they hold a real ``%d``/``%04d`` conversion (see rlministyler.safety).
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from rlministyler.errors import UserError
from rlministyler.images import WRITE_EXTENSIONS, disk_reason, free_space, quiet_opencv, write_bgr
from rlministyler.safety import check_pattern, format_pattern, is_pattern, literal, make_output_folder

from .sources import VIDEO_EXTENSIONS, Frame, Source

FOURCC = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".mkv": "mp4v", ".avi": "MJPG",
          ".webm": "VP80"}


class Sink:
    """Base class: ``write(frame, image)`` then ``close()``; ``written`` counts frames written."""

    target = ""

    def __init__(self) -> None:
        self.written = 0

    def write(self, frame: Frame, image: np.ndarray) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def abandon(self) -> None:
        """Give up on a writer thread that no longer responds."""


class ImageSink(Sink):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = self.target = path

    def write(self, frame: Frame, image: np.ndarray) -> None:
        write_bgr(self.path, image)
        self.written += 1


class DirectorySink(Sink):
    """``DIR/<input name>.png`` for images, ``DIR/<frame number>.png`` for video frames."""

    def __init__(self, folder: Path, ext: str = ".png") -> None:
        super().__init__()
        self.folder, self.ext = folder, ext
        self.target = f"{folder}{os.sep}"

    def write(self, frame: Frame, image: np.ndarray) -> None:
        write_bgr(self.folder / f"{frame.name}{self.ext}", image)
        self.written += 1


class SequenceSink(Sink):
    """``out/%04d.png``: numbered like the input sequence, else from 1."""

    def __init__(self, pattern: str) -> None:
        super().__init__()
        self.pattern = self.target = pattern

    def write(self, frame: Frame, image: np.ndarray) -> None:
        write_bgr(Path(format_pattern(self.pattern, frame.number)), image)
        self.written += 1


class VideoSink(Sink):
    """A video at ``fps``. Opened at the first frame: its size is the video's size (an odd width or
    height gets one edge pixel more, as video codecs need even sizes); later frames of another
    size are resized. ``constant_rate``: for live sources, frames are repeated so that
    the video plays in real time although the stylizer is slower than the camera."""

    def __init__(self, path: Path, fps: float, fourcc: str | None = None, constant_rate: bool = False
                 ) -> None:
        super().__init__()
        self.path, self.fps = path, fps
        self.target = str(path)
        self.fourcc = fourcc or FOURCC.get(path.suffix.lower(), "mp4v")
        self.partial = path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}")
        self.writer: cv2.VideoWriter | None = None
        self.size: tuple[int, int] | None = None
        self.constant_rate = constant_rate
        self.encoded = 0  # frames in the file (more than `written` when live frames are repeated)
        self._start: float | None = None

    def _open(self, image: np.ndarray) -> None:
        h, w = image.shape[:2]
        self.size = (w + w % 2, h + h % 2)  # 4:2:0 codecs need even sizes: pad, never crop
        with quiet_opencv():
            self.writer = cv2.VideoWriter(str(self.partial), cv2.VideoWriter_fourcc(*self.fourcc),
                                          self.fps, self.size)
        if not self.writer.isOpened():
            self.partial.unlink(missing_ok=True)
            raise UserError(f"cannot write video {self.path} with codec {self.fourcc} "
                            f"(try another --fourcc or extension, e.g. .mp4 or .avi)")

    def write(self, frame: Frame, image: np.ndarray) -> None:
        if self.writer is None:
            self._open(image)
        assert self.writer is not None and self.size is not None
        h, w = image.shape[:2]
        if (w + w % 2, h + h % 2) != self.size:
            image = cv2.resize(image, (self.size[0] - w % 2, self.size[1] - h % 2),
                               interpolation=cv2.INTER_AREA)
            h, w = image.shape[:2]
        if (w, h) != self.size:
            image = cv2.copyMakeBorder(image, 0, self.size[1] - h, 0, self.size[0] - w, cv2.BORDER_REPLICATE)
        repeats = 1
        if self.constant_rate:
            if self._start is None:
                self._start = frame.timestamp
            due = round((frame.timestamp - self._start) * self.fps) + 1
            repeats = max(1, due - self.encoded)
        for _ in range(repeats):
            self.writer.write(image)
        self.encoded += repeats
        self.written += 1

    def close(self) -> None:
        if self.writer is None:
            return
        self.writer.release()
        self.writer = None
        try:
            self._verify()
            os.replace(self.partial, self.path)
        except OSError as exc:
            self.partial.unlink(missing_ok=True)
            raise UserError(f"cannot write video {self.path}: {disk_reason(exc, self.path)}") from None
        except UserError:
            self.partial.unlink(missing_ok=True)
            raise

    def abandon(self) -> None:
        """Give up on a writer that no longer responds: drop the partial file, keep the target."""
        self.writer = None
        self.partial.unlink(missing_ok=True)

    def _verify(self) -> None:
        """Reopen the written file: it must hold every frame encoded (a full disk leaves a file
        with none, or with fewer)."""
        found = count_frames(self.partial, self.encoded)
        if found < self.encoded:
            free = free_space(self.path)
            raise UserError(f"cannot write video {self.path}: it reads back with {found} of "
                            f"{self.encoded} frames (disk full? {free})")


def count_frames(path: Path, expected: int) -> int:
    """Frames in a video file: the container's count when it agrees with ``expected``, else the
    frames that really decode (up to ``expected``)."""
    with quiet_opencv():
        capture = cv2.VideoCapture(str(path))
        try:
            if not capture.isOpened():
                return 0
            stated = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
            if stated == expected:
                ok, _ = capture.read()
                return stated if ok else 0
            n = 0
            while n < expected and capture.grab():
                n += 1
            return n
        finally:
            capture.release()


def _check_folder(folder: Path) -> None:
    make_output_folder(folder, "the output folder")


def output_kind(spec: str) -> str:
    """``sequence``, ``video``, ``image`` or ``directory``, from the form of ``-o``; a new name with
    an extension that is neither an image's nor a video's is refused (not taken for a folder)."""
    path = Path(spec)
    if is_pattern(path.name):
        return "sequence"
    suffix = path.suffix.lower()
    if suffix in VIDEO_EXTENSIONS:
        return "video"
    if suffix in WRITE_EXTENSIONS and not path.is_dir():
        return "image"
    if suffix and not path.is_dir() and not spec.endswith(("/", os.sep)):
        raise UserError(f"-o {spec}: unknown extension {path.suffix}: use an image "
                        f"({', '.join(WRITE_EXTENSIONS)}), a video ({', '.join(FOURCC)}), a pattern "
                        f"(out/%04d.png) or a folder (a name without extension, or ending in /)")
    return "directory"


def _refuse_shared_names(source: Source, folder: Path, ext: str) -> None:
    """A folder output names each image after its input: two inputs with one stem (a.png, a.jpg)
    would write one file."""
    seen: dict[str, Path] = {}
    for path in getattr(source, "paths", ()):
        if path.stem in seen:
            raise UserError(f"{seen[path.stem].name} and {path.name} would both be written as "
                            f"{folder / (path.stem + ext)}: rename one, or give a pattern (out/%04d.png) "
                            f"or a video for -o")
        seen[path.stem] = path


def open_sink(spec: str, source: Source, fps: float | None = None, fourcc: str | None = None) -> Sink:
    """Check ``-o`` against the source before any work and make the sink."""
    kind = output_kind(spec)
    path = Path(spec) if kind == "sequence" else Path(literal(spec))
    if kind == "sequence":
        check_pattern(spec)
        if path.suffix.lower() not in WRITE_EXTENSIONS:
            raise UserError(f"cannot write {spec}: use one of {', '.join(WRITE_EXTENSIONS)}")
        _check_folder(path.parent if str(path.parent) else Path("."))
        return SequenceSink(spec)
    if kind == "video":
        if path.suffix.lower() == ".gif":
            raise UserError("cannot write .gif video: use .mp4, .avi, .mkv, .mov or .webm")
        if path.is_dir():
            raise UserError(f"cannot write {path}: it is a directory")
        _check_folder(path.parent if str(path.parent) else Path("."))
        rate = fps or source.fps or 30.0
        return VideoSink(path, rate, fourcc, constant_rate=source.live)
    if kind == "image":
        if source.count != 1:
            raise UserError(f"-o {spec} names one image, but the input has "
                            f"{source.count or 'many'} frames: give a directory, a pattern or a video")
        _check_folder(path.parent if str(path.parent) else Path("."))
        return ImageSink(path)
    _refuse_shared_names(source, path, ".png")
    _check_folder(path)
    return DirectorySink(path)
