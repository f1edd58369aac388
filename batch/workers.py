"""The Ray actors of a batch run: each holds one runtime ``Stylizer`` (made once, reused for every
file it gets) and writes what it stylises itself, atomically. Every file's outcome comes back as a
row (status, reason, frames, busy seconds, which worker), so one failing file never stops the rest."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
from rlministyler.runtime.build import StylizerOptions
from rlministyler.runtime.frame_stylizer import FrameStylizer

from rlministyler.errors import UserError


@dataclass(frozen=True)
class Setup:
    """What every worker's stylizer is made from: ``run``'s options, the style and the output folder."""

    options: StylizerOptions
    style: str | None
    out: str

    def stylizer(self, temporal: str = "off") -> FrameStylizer:
        from rlministyler.runtime.build import build_stylizer

        stylizer = build_stylizer(replace(self.options, temporal=temporal))
        if self.style:
            stylizer.set_style(self.style)
        return stylizer


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def reason_of(exc: BaseException) -> str:
    """One line: ours as it is, anything else with its type."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text if isinstance(exc, UserError) else f"{type(exc).__name__}: {text}"


def _result(output: str, status: str, reason: str, frames: int, seconds: float) -> dict[str, np.ndarray]:
    return {"output": np.array([output]), "status": np.array([status]), "reason": np.array([reason]),
            "frames": np.array([frames]), "seconds": np.array([seconds]), "worker": np.array([worker_name()])}


def decode_image(row: dict) -> dict:
    """The reading stage (Ray tasks): the image is decoded here, not in the actors; an unreadable
    file becomes an empty image and a reason."""
    from rlministyler.runtime.sources import read_bgr

    try:
        image = read_bgr(Path(row["input"]))
        reason = "" if image is not None else "not an image OpenCV can decode"
    except (OSError, UserError) as exc:
        image, reason = None, reason_of(exc)
    row["image"] = image if image is not None else np.zeros((0, 0, 3), np.uint8)
    row["error"] = reason
    return row


class ImageWorker:
    """Stylises decoded images and writes them (the temporal filter is off: images stand alone).
    The pipeline subclasses it with its ``setup``."""

    setup: Setup

    def __init__(self) -> None:
        from .ledger import Ledger

        self.stylizer = self.setup.stylizer("off")
        self.ledger = Ledger(Path(self.setup.out))

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        from rlministyler.images import write_bgr

        output, key, source = str(batch["output"][0]), str(batch["key"][0]), str(batch["input"][0])
        if str(batch["error"][0]):
            return _result(output, "failed", f"{source}: {batch['error'][0]}", 0, 0.0)
        start = time.perf_counter()
        try:
            image = np.ascontiguousarray(batch["image"][0], dtype=np.uint8)
            write_bgr(Path(output), self.stylizer.stylize(image, bgr=True))
            self.ledger.mark_done(Path(output), key, 1)
        except Exception as exc:
            return _result(output, "failed", f"{source}: {reason_of(exc)}", 0, 0.0)
        return _result(output, "done", "", 1, time.perf_counter() - start)


class SegmentWorker:
    """Stylises one video segment into PNGs: first its overlap frames (only to warm the temporal
    filter up, as if the video had been played from the start), then its own frames. The pipeline
    subclasses it with its ``setup``."""

    setup: Setup

    def __init__(self) -> None:
        self.stylizer = self.setup.stylizer(self.setup.options.temporal)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        import shutil

        from .segments import COMPLETE, read_frames

        video, folder = Path(str(batch["input"][0])), Path(str(batch["folder"][0]))
        start, stop, overlap = (int(batch[k][0]) for k in ("start", "stop", "overlap"))
        label = f"{batch['output'][0]}#{int(batch['index'][0])}"
        began = time.perf_counter()
        try:
            shutil.rmtree(folder, ignore_errors=True)  # half a segment is redone whole
            folder.mkdir(parents=True)
            options = self.setup.options
            self.stylizer.set_temporal(options.temporal, options.temporal_weight)  # a fresh filter
            for index, image in read_frames(video, max(0, start - overlap), stop):
                styled = self.stylizer.stylize(image, bgr=True)
                if index >= start and not cv2.imwrite(str(folder / f"{index - start:06d}.png"), styled):
                    raise UserError(f"cannot write a frame into {folder}")
            (folder / COMPLETE).write_text(f"{stop - start}\n")
        except Exception as exc:
            return _result(label, "failed", f"{video}: {reason_of(exc)}", 0, 0.0)
        return _result(label, "done", "", stop - start, time.perf_counter() - began)
