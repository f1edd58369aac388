"""Temporal suite: flicker of our model per step and ``--temporal`` mode, of the peers, and of
the input itself, on a video (default: the sample clip)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from rlministyler.errors import UserError
from rlministyler.spec import STYLE_SIZE, TEMPORAL_MODES

from .flicker import apply_filter, instability, noisy_copies, reference_flows, warping_error


def read_frames(video: Path, count: int, scale: float) -> tuple[list[np.ndarray], float]:
    """The first ``count`` frames (BGR), scaled by ``scale`` to sides that are multiples of 4."""
    capture = cv2.VideoCapture(str(video))
    if not capture.isOpened():
        raise UserError(f"cannot read video {video}")
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while len(frames) < count:
        ok, frame = capture.read()
        if not ok:
            break
        if scale != 1.0:
            h, w = frame.shape[:2]
            size = (max(4, round(w * scale / 4) * 4), max(4, round(h * scale / 4) * 4))
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        frames.append(frame)
    capture.release()
    if len(frames) < 3:
        raise UserError(f"{video}: fewer than 3 frames could be read")
    return frames, fps


def run_temporal(model: Path, style_path: Path, video: Path, steps: Sequence[int], frames_count: int,
                 scale: float, peers: dict, threads: int | None, log: Callable[[str], None],
                 authors_step: int | None = None) -> list[dict]:
    """Rows: {source, step, temporal, warping_error, noise_instability} (8-bit levels)."""
    from rlministyler.runtime import Stylizer
    from rlministyler.runtime.temporal import make_filter

    frames, _ = read_frames(video, frames_count, scale)
    flows = reference_flows(frames)
    still = noisy_copies(frames[len(frames) // 2], 8)
    rows = [{"source": "input frames", "step": None, "temporal": None,
             "warping_error": round(warping_error(frames, flows), 4),
             "noise_instability": round(instability(still), 4)}]
    stylizer = Stylizer(model, "cpu", threads=threads)
    stylizer.set_style(style_path)
    for step in steps:
        stylizer.step = step
        raw = [stylizer.stylize(f, bgr=True) for f in frames]
        raw_still = [stylizer.stylize(f, bgr=True) for f in still]
        for mode in TEMPORAL_MODES:
            outs = apply_filter(lambda m=mode: make_filter(m), frames, raw)
            outs_still = apply_filter(lambda m=mode: make_filter(m), still, raw_still)
            rows.append({"source": "rlministyler", "step": step, "temporal": mode,
                         "warping_error": round(warping_error(outs, flows), 4),
                         "noise_instability": round(instability(outs_still), 4)})
            log(f"temporal step {step} {mode}: warping error {rows[-1]['warping_error']:.2f}")
    magenta = peers.get("magenta")
    if magenta is not None:
        magenta.set_style(cv2.imread(str(style_path)))
        outs = [magenta.stylize(f) for f in frames]
        rows.append({"source": "magenta", "step": None, "temporal": "off",
                     "warping_error": round(warping_error(outs, flows), 4),
                     "noise_instability": round(instability([magenta.stylize(f) for f in still]), 4)})
    authors = peers.get("authors")
    if authors is not None:
        from rlministyler.images import read_image, resize_shorter

        authors.set_style(resize_shorter(read_image(style_path), STYLE_SIZE))
        step = authors_step or min(steps)

        def run(frame: np.ndarray) -> np.ndarray:
            rgb = frame[..., ::-1].astype(np.float32) / 255
            out = authors.sequence(rgb, step)[step]
            return np.ascontiguousarray((out[..., ::-1] * 255 + 0.5).astype(np.uint8))

        rows.append({"source": "authors-way", "step": step, "temporal": "off",
                     "warping_error": round(warping_error([run(f) for f in frames], flows), 4),
                     "noise_instability": round(instability([run(f) for f in still]), 4)})
    return rows
