"""Videos in segments: each of about ``seconds`` of frames, stylised on its own (after ``overlap``
frames before it that only warm the temporal filter up), its frames kept losslessly as PNGs until
all segments are there; then joined, in order, into the output video by the runtime's video sink,
which checks the file reads back with every frame."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from rlministyler.runtime.sinks import VideoSink
from rlministyler.runtime.sources import Frame

from rlministyler.errors import UserError
from rlministyler.images import quiet_opencv

from .inputs import WORK_FOLDER

COMPLETE = "complete"  # the marker a finished segment's folder holds (its frame count)


@dataclass(frozen=True)
class Segment:
    """Frames ``start`` to ``stop`` (exclusive) of a video, written as PNGs into ``folder``."""

    video: Path
    index: int
    start: int
    stop: int
    overlap: int
    folder: Path

    def is_complete(self) -> bool:
        marker = self.folder / COMPLETE
        return marker.is_file() and marker.read_text().strip() == str(self.stop - self.start)


def probe(path: Path) -> tuple[int, float]:
    """(frames that really decode, frames per second) of a video; one line when it cannot be read."""
    with quiet_opencv():
        capture = cv2.VideoCapture(str(path))
        try:
            if not capture.isOpened():
                raise UserError(f"cannot read video {path}: not a video OpenCV can decode")
            fps = capture.get(cv2.CAP_PROP_FPS)
            frames = 0
            while capture.grab():
                frames += 1
        finally:
            capture.release()
    if frames == 0:
        raise UserError(f"cannot read video {path}: no frame could be decoded")
    return frames, fps if 0 < fps < 1000 else 30.0


def plan_segments(video: Path, frames: int, fps: float, seconds: float, overlap: int,
                  work: Path) -> list[Segment]:
    """Segments of about ``seconds`` (at least one frame each), their folders under ``work``."""
    length = max(1, round(seconds * fps))
    return [Segment(video, i, start, min(start + length, frames), overlap, work / f"{i:05d}")
            for i, start in enumerate(range(0, frames, length))]


def segment_work_folder(out: Path, key: str) -> Path:
    return out / WORK_FOLDER / "segments" / key[:32]


def read_frames(video: Path, start: int, stop: int) -> Iterator[tuple[int, np.ndarray]]:
    """Frames ``start``..``stop`` (exclusive) as BGR, decoded in order from the first frame: exact
    where seeking in a compressed stream is not."""
    with quiet_opencv():
        capture = cv2.VideoCapture(str(video))
    try:
        index = 0
        while index < stop:
            if index < start:
                if not capture.grab():
                    break
            else:
                ok, image = capture.read()
                if not ok:
                    break
                yield index, image
            index += 1
        if index < stop:
            raise UserError(f"{video}: frame {index} could not be decoded")
    finally:
        capture.release()


def join(segments: list[Segment], output: Path, fps: float) -> int:
    """The segments' frames, in order, into ``output`` (atomically, checked to read back); returns
    the frame count. The segments' folders are removed once the video is in place."""
    sink = VideoSink(output, fps)
    written = 0
    try:
        for segment in segments:
            for number in range(segment.stop - segment.start):
                image = cv2.imread(str(segment.folder / f"{number:06d}.png"), cv2.IMREAD_COLOR)
                if image is None:
                    raise UserError(f"segment {segment.index} of {segment.video.name} lost frame {number}")
                sink.write(Frame(written, image, str(written), written + 1, 0.0), image)
                written += 1
        sink.close()
    except BaseException:
        sink.abandon()
        raise
    for segment in segments:
        shutil.rmtree(segment.folder, ignore_errors=True)
    return written
