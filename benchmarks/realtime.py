"""``bench --suite realtime``: what amortising in space (scale + upsampler) and time (keyframes)
buys in frame rate and costs in fidelity, on the sample clip, in one run.

For each size, step and mode: fps and p95 frame time (the frames run one after another through
the runtime, no reader/writer threads), SSIM and PSNR to the per-frame full-resolution output,
the warping error (``benchmarks.flicker``), and the quality suite's VGG content and style losses
(on ``LOSS_FRAMES`` frames spread over the clip, at 640x360 for every size: VGG-19 on 720p frames
on a CPU would take longer than the modes themselves). Writes ``realtime_fps_ssim.png`` (one curve
per size and step) and ``realtime_sheet.jpg`` (one frame across the modes).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
from rlministyler.runtime.build import StylizerOptions, build_stylizer
from rlministyler.runtime.frame_stylizer import FrameStylizer
from rlministyler.runtime.keyframes import KeyframeStylizer

from rlministyler.metrics import PSNR_CAP, psnr

from .flicker import reference_flows, warping_error
from .quality import ssim

# (label, network scale, upsample, keyframe interval)
MODES: tuple[tuple[str, float, str, int | str], ...] = (
    ("full", 1.0, "bilinear", 1),
    ("1/2 bilinear", 0.5, "bilinear", 1), ("1/2 guided", 0.5, "guided", 1),
    ("1/4 bilinear", 0.25, "bilinear", 1), ("1/4 guided", 0.25, "guided", 1),
    ("1/4 guided kf2", 0.25, "guided", 2), ("1/4 guided kf4", 0.25, "guided", 4),
    ("1/4 guided kf auto", 0.25, "guided", "auto"),
)
LOSS_FRAMES = 4
LOSS_SIZE = (360, 640)


def _frames(video: Path, count: int, size: tuple[int, int]) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(video))
    frames = []
    while len(frames) < count:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(cv2.resize(frame, (size[1], size[0]), interpolation=cv2.INTER_AREA))
    cap.release()
    return frames


def _stylizer(model: Path, style: Path, step: int, network_scale: float, upsample: str,
              interval: int | str, threads: int | None) -> FrameStylizer:
    """The mode's frame stylizer, built as `run` builds it, with the style set."""
    stylizer = build_stylizer(StylizerOptions(model, provider="cpu", step=step, network_scale=network_scale,
                                              upsample=upsample, keyframe_interval=interval, threads=threads))
    stylizer.set_style(style)
    return stylizer


class _VggLosses:
    """The quality suite's content and style losses for many outputs of few frames: the style
    target and each input frame's content features are computed once."""

    def __init__(self, vgg, style_rgb: np.ndarray, size: tuple[int, int]) -> None:
        import torch
        from rlministyler.training.train.losses import STYLE_LAYERS, style_stats

        self.vgg, self.size, self.torch = vgg, size, torch
        with torch.inference_mode():
            self.target = style_stats(vgg(self._tensor(style_rgb, resize=False), STYLE_LAYERS))
        self.content: dict[int, object] = {}

    def _tensor(self, image: np.ndarray, resize: bool = True):
        """BGR uint8 (any size) -> the loss size, RGB; or an RGB float image as it is."""
        from .quality import _tensor

        if resize:
            small = cv2.resize(image, (self.size[1], self.size[0]), interpolation=cv2.INTER_AREA)
            image = small[..., ::-1].astype(np.float32) / 255.0
        return _tensor(image)

    def __call__(self, clip: list[np.ndarray], outputs: list[np.ndarray]) -> dict:
        """Mean content loss (to the input frame) and style loss over ``LOSS_FRAMES`` frames."""
        from rlministyler.training.train.losses import (
            CONTENT_LAYER,
            STYLE_LAYERS,
            content_loss,
            style_loss,
            style_stats,
        )

        picks = np.linspace(0, len(clip) - 1, min(LOSS_FRAMES, len(clip))).round().astype(int)
        content, style = [], []
        with self.torch.inference_mode():
            for i in picks:
                if i not in self.content:
                    self.content[i] = self.vgg(self._tensor(clip[i]), (CONTENT_LAYER,))[CONTENT_LAYER]
                feats = self.vgg(self._tensor(outputs[i]), STYLE_LAYERS)
                content.append(float(content_loss(feats[CONTENT_LAYER], self.content[i])))
                style.append(float(style_loss(style_stats(feats), self.target)))
        return {"content": round(float(np.mean(content)), 4), "style": round(float(np.mean(style)), 4)}


def run_realtime(model: Path, style: Path, video: Path, out: Path, *, sizes: Sequence[tuple[int, int]],
                 steps: Sequence[int], frames: int, threads: int | None = None, vgg=None,
                 style_rgb: np.ndarray | None = None, loss_size: tuple[int, int] = LOSS_SIZE,
                 say: Callable[[str], None] = print) -> dict:
    """Rows per (size, step, mode); ``vgg`` (the quality suite's loss network) and ``style_rgb``
    (the style image, RGB float, shorter side 256) add the content and style losses, measured
    at ``loss_size`` (h, w)."""
    rows, sheet = [], {}
    for size in sizes:
        clip = _frames(video, frames, size)
        flows = reference_flows(clip)
        losses = _VggLosses(vgg, style_rgb, loss_size) if vgg is not None and style_rgb is not None else None
        for step in steps:
            reference: list[np.ndarray] = []
            for label, network_scale, upsample, interval in MODES:
                runner = _stylizer(model, style, step, network_scale, upsample, interval, threads)
                runner.stylize(clip[0], bgr=True)  # warm-up (sizes, pruned sessions)
                keyed = isinstance(runner, KeyframeStylizer)
                if keyed:
                    runner.restart()  # the measured run starts from a keyframe
                times, outputs = [], []
                start = time.perf_counter()
                for frame in clip:
                    t0 = time.perf_counter()
                    outputs.append(runner.stylize(frame, bgr=True))
                    times.append(time.perf_counter() - t0)
                wall = time.perf_counter() - start
                keyframes = runner.keyframes if keyed else len(clip)
                runner.close()
                if label == "full":
                    reference = outputs
                row = {"size": f"{size[1]}x{size[0]}", "step": step, "mode": label,
                       "fps": round(len(clip) / wall, 2),
                       "mean_ms": round(1000 * float(np.mean(times)), 1),
                       "p95_ms": round(1000 * float(np.percentile(times, 95)), 1),
                       "ssim": round(float(np.mean([ssim(o / 255.0, r / 255.0)
                                                    for o, r in zip(outputs, reference, strict=True)])), 4),
                       "psnr": round(float(np.mean([psnr(o, r, peak=255.0, cap=PSNR_CAP)
                                                    for o, r in zip(outputs, reference, strict=True)])), 2),
                       "warping_error": round(warping_error(outputs, flows), 3),
                       "keyframes": keyframes}
                if losses is not None:
                    row.update(losses(clip, outputs))
                rows.append(row)
                say(f"realtime {row}")
                if size == sizes[0] and step == steps[-1]:
                    sheet[label] = outputs[len(outputs) // 2]
    files = {"plot": str(_plot(rows, out / "realtime_fps_ssim.png")),
             "sheet": str(_sheet(sheet, out / "realtime_sheet.jpg"))}
    return {"rows": rows, "frames": frames, "files": files}


def _plot(rows: list[dict], path: Path) -> Path:
    """fps against SSIM: one panel per size, one curve per step through its modes (fastest last)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    sizes = sorted({r["size"] for r in rows}, key=lambda s: int(s.split("x")[0]))
    fig, axes = plt.subplots(1, len(sizes), figsize=(6.5 * len(sizes), 4.8), squeeze=False)
    for ax, size in zip(axes[0], sizes, strict=True):
        for step in sorted({r["step"] for r in rows if r["size"] == size}):
            pts = sorted((r for r in rows if r["size"] == size and r["step"] == step), key=lambda r: r["fps"])
            line, = ax.plot([r["fps"] for r in pts], [r["ssim"] for r in pts], "o-", label=f"step {step}")
            for r in pts:
                ax.annotate(r["mode"], (r["fps"], r["ssim"]), fontsize=6, color=line.get_color(),
                            xytext=(3, 3), textcoords="offset points")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_title(size)
        ax.set_xlabel("fps (onnxruntime, CPU)")
        ax.set_ylabel("SSIM to per-frame full resolution")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _sheet(images: dict[str, np.ndarray], path: Path) -> Path:
    tiles = []
    for label, image in images.items():
        tile = image.copy()
        cv2.putText(tile, label, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(tile, label, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 1, cv2.LINE_AA)
        tiles.append(tile)
    while len(tiles) % 4:
        tiles.append(np.zeros_like(tiles[0]))
    grid = np.vstack([np.hstack(tiles[i:i + 4]) for i in range(0, len(tiles), 4)])
    if not cv2.imwrite(str(path), grid, [cv2.IMWRITE_JPEG_QUALITY, 90]):
        raise OSError(f"could not write {path}")
    return path


def markdown_table(rows: list[dict]) -> str:
    head = ("| size | step | mode | fps | p95 / mean | SSIM | PSNR dB | warping error | content | style |\n"
            "|---|---|---|---|---|---|---|---|---|---|")
    body = [f"| {r['size']} | {r['step']} | {r['mode']} | {r['fps']} | "
            f"{r['p95_ms'] / max(r['mean_ms'], 1e-9):.2f} | {r['ssim']} | {r['psnr']} | "
            f"{r['warping_error']} | {r.get('content', '-')} | {r.get('style', '-')} |" for r in rows]
    return "\n".join([head, *body])
