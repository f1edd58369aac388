"""Content and style images from folders: scanning, resize + random crop, prefetching.

Every image is resized to ``load_size x load_size`` (512 by default, as published) and a random
``size x size`` crop (256) is taken. Pairs are drawn by a seeded generator in the main thread and
decoded by a small thread pool ahead of time; the generator state and the pairs already drawn
are part of the training state, so ``--resume`` sees the same images in the same order.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import cv2
import numpy as np
import torch
from torch import Tensor

from rlministyler.errors import UserError
from rlministyler.images import read_image

# what OpenCV decodes; files with other suffixes (text, json, videos) are ignored silently
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".jpe", ".webp", ".bmp", ".dib", ".tif", ".tiff", ".jp2",
                  ".ppm", ".pgm", ".pbm", ".pnm", ".sr", ".ras", ".exr", ".hdr", ".pic"}


def scan_images(folder: str | Path, what: str) -> tuple[list[Path], int]:
    """Image files under ``folder`` (recursively, sorted) and how many were skipped as unreadable.

    A file with an image suffix whose header OpenCV does not recognise is skipped and counted;
    files that pass this check but fail to decode are skipped (and counted) when first drawn.
    """
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise UserError(f"--{what}-dir {folder}: no such directory")
    files, skipped = [], 0
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
            continue
        try:
            readable = path.stat().st_size > 0 and cv2.haveImageReader(str(path))
        except (OSError, cv2.error):
            readable = False
        if readable:
            files.append(path)
        else:
            skipped += 1
    if not files:
        extra = f" ({skipped} unreadable)" if skipped else ""
        raise UserError(f"--{what}-dir {folder}: no image files found{extra}")
    return files, skipped


def load_resized(path: Path, load_size: int) -> np.ndarray | None:
    """RGB float32 resized to ``load_size`` square, or None if the file cannot be decoded."""
    try:
        rgb = read_image(path)
    except UserError:
        return None
    h, w = rgb.shape[:2]
    interp = cv2.INTER_AREA if min(h, w) >= load_size else cv2.INTER_CUBIC
    return np.clip(cv2.resize(rgb, (load_size, load_size), interpolation=interp), 0.0, 1.0)


def to_chw(rgb: np.ndarray) -> Tensor:
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))


def load_center(path: Path, size: int, load_size: int) -> Tensor | None:
    """The centre ``size`` crop of the resized image, (3, size, size), or None if unreadable."""
    rgb = load_resized(path, load_size)
    if rgb is None:
        return None
    o = (load_size - size) // 2
    return to_chw(rgb[o:o + size, o:o + size])


def spread(files: list[Path], count: int) -> list[Path]:
    """``count`` files spread evenly over the sorted list (deterministic)."""
    if count >= len(files):
        return list(files)
    return [files[round(i * (len(files) - 1) / max(1, count - 1))] for i in range(count)]


class Task(NamedTuple):
    content: int
    style: int
    content_yx: tuple[int, int]
    style_yx: tuple[int, int]


class PairSource:
    """An endless, seeded stream of (content crop, style crop) pairs, prefetched by threads."""

    def __init__(self, contents: list[Path], styles: list[Path], size: int, load_size: int,
                 seed: int, workers: int = 2) -> None:
        self.contents, self.styles = contents, styles
        self.size, self.load_size = size, load_size
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.bad: set[tuple[str, int]] = set()
        self.unreadable = 0
        self.depth = max(1, workers)
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="rlms-data")
        self.pending: deque[tuple[Task, Future]] = deque()

    def _draw(self) -> Task:
        span = self.load_size - self.size + 1
        while True:
            ci = int(self.rng.integers(len(self.contents)))
            si = int(self.rng.integers(len(self.styles)))
            yx = self.rng.integers(span, size=4)
            if ("content", ci) not in self.bad and ("style", si) not in self.bad:
                return Task(ci, si, (int(yx[0]), int(yx[1])), (int(yx[2]), int(yx[3])))

    def _load(self, task: Task) -> tuple[Tensor | None, Tensor | None]:
        s = self.size
        out = []
        for path, (y, x) in ((self.contents[task.content], task.content_yx),
                             (self.styles[task.style], task.style_yx)):
            rgb = load_resized(path, self.load_size)
            out.append(None if rgb is None else to_chw(rgb[y:y + s, x:x + s]))
        return out[0], out[1]

    def _fill(self) -> None:
        while len(self.pending) < self.depth:
            task = self._draw()
            self.pending.append((task, self.pool.submit(self._load, task)))

    def next_pair(self) -> tuple[Tensor, Tensor, int]:
        """The next (content, style, style file index); images (3, size, size) float32 in [0, 1]."""
        while True:
            self._fill()
            task, future = self.pending.popleft()
            content, style = future.result()
            if content is not None and style is not None:
                self._fill()
                return content, style, task.style
            for kind, index, img in (("content", task.content, content), ("style", task.style, style)):
                if img is None and (kind, index) not in self.bad:
                    self.bad.add((kind, index))
                    self.unreadable += 1
            if len(self.bad) >= len(self.contents) + len(self.styles) or \
                    all(("content", i) in self.bad for i in range(len(self.contents))) or \
                    all(("style", i) in self.bad for i in range(len(self.styles))):
                raise UserError("no readable content or style images are left")

    def state_dict(self) -> dict[str, Any]:
        """Generator state and the pairs already drawn but not yet used."""
        return {"rng": self.rng.bit_generator.state, "pending": [list(t) for t, _ in self.pending],
                "bad": sorted(self.bad), "unreadable": self.unreadable}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for _, future in self.pending:
            future.cancel()
        self.pending.clear()
        self.rng.bit_generator.state = state["rng"]
        self.bad = {(k, int(i)) for k, i in state["bad"]}
        self.unreadable = int(state["unreadable"])
        for t in state["pending"]:
            task = self._restore_task(t)
            self.pending.append((task, self.pool.submit(self._load, task)))

    @staticmethod
    def _restore_task(t: list) -> Task:
        """A drawn task back from its saved list form."""
        return Task(int(t[0]), int(t[1]), tuple(t[2]), tuple(t[3]))

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
