"""Speed: per-frame latency and fps of the exported models (onnxruntime, through the runtime's
Stylizer) and of PyTorch eager, over sizes, steps, variants, precisions and providers, with the
work per frame and the arithmetic rate it achieves next to the machine's peak."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from .machine import peak_rss_mb, reset_peak_rss
from .macs import conv_macs
from .models import ModelCache, ModelSpec
from .timing import Budget, measure, summary_ms

SIZES = {"256x256": (256, 256), "384x384": (384, 384), "512x512": (512, 512), "720p": (720, 1280),
         "1080p": (1080, 1920)}


@dataclass(frozen=True)
class SpeedPlan:
    """Which configurations to time: (variant, precision) -> sizes and steps."""

    onnx: dict[tuple[str, str], tuple[tuple[str, ...], tuple[int, ...]]]
    torch: tuple[tuple[str, ...], tuple[int, ...]]
    providers: tuple[str, ...]


QUICK_PLAN = SpeedPlan(onnx={("split", "fp32"): (("256x256",), (1, 5))},
                       torch=(("256x256",), (1,)), providers=("auto",))
FULL_PLAN = SpeedPlan(
    onnx={("split", "fp32"): (("256x256", "384x384", "512x512", "720p", "1080p"), (1, 5, 10)),
          ("baked", "fp32"): (("256x256", "384x384", "512x512", "720p", "1080p"), (1, 5, 10)),
          ("full", "fp32"): (("256x256", "384x384", "512x512"), (1, 5, 10)),
          ("baked", "fp16"): (("256x256", "384x384", "512x512", "720p"), (1, 5)),
          # int8 exports run a per-model sensitivity pass (minutes for 5 steps): step 1 only
          ("baked", "int8"): (("256x256", "384x384", "512x512", "720p"), (1,))},
    torch=(("256x256", "384x384", "512x512", "720p"), (1, 5)), providers=("auto",))


def test_frame(content: np.ndarray, height: int, width: int) -> np.ndarray:
    """A real photo cropped and scaled to the size (BGR uint8), so timings see real data."""
    h, w = content.shape[:2]
    scale = max(height / h, width / w)
    resized = cv2.resize(content, (max(width, round(w * scale)), max(height, round(h * scale))),
                         interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    top, left = (resized.shape[0] - height) // 2, (resized.shape[1] - width) // 2
    return np.ascontiguousarray(resized[top:top + height, left:left + width])


def _onnx_rows(cache: ModelCache, plan: SpeedPlan, content: np.ndarray, style_path, budget: Budget,
               threads: int | None, log: Callable[[str], None]) -> Iterable[dict]:
    import onnx
    from rlministyler.runtime import Stylizer
    from rlministyler.runtime.pruning import prune_to_output

    frames = {size: test_frame(content, *SIZES[size]) for sizes, _ in plan.onnx.values() for size in sizes}
    for (variant, precision), (sizes, steps) in plan.onnx.items():
        if precision == "int8":  # int8 exports are single-step (the sensitivity pass is per model)
            specs = {t: ModelSpec(variant, precision, t, False) for t in steps}
        else:
            spec = ModelSpec(variant, precision, max(steps), True)
            specs = dict.fromkeys(steps, spec)
        for provider in plan.providers:
            stylizers: dict = {}  # one per model file: an all-steps model serves every step
            for step in steps:
                path = cache.get(specs[step])
                if path not in stylizers:
                    stylizers[path] = Stylizer(path, provider, threads=threads)
                    if stylizers[path].info.needs_style:
                        stylizers[path].set_style(style_path)
                stylizer = stylizers[path]
                stylizer.step = step
                out_name = stylizer.info.outputs[step]
                pruned = onnx.ModelProto.FromString(prune_to_output(path, out_name) or path.read_bytes())
                for size in sizes:
                    h, w = SIZES[size]
                    reset_peak_rss()
                    infer: list[float] = []
                    times = measure(timed_stylize(stylizer, frames[size], infer), budget)
                    macs = conv_macs(pruned, h, w) or None  # 0: shapes not inferable (fp16 casts)
                    infer_ms = float(np.median(infer[-times.size:])) * 1000
                    row = {"engine": "onnxruntime", "provider": stylizer.engine.label, "variant": variant,
                           "precision": precision, "size": size, "height": h, "width": w, "step": step,
                           **summary_ms(times), "infer_median_ms": round(infer_ms, 3),
                           "gmac": round(macs / 1e9, 3) if macs else None,
                           "gflops": round(2 * macs / (infer_ms / 1000) / 1e9, 2) if macs else None,
                           "peak_rss_mb": peak_rss_mb(), "model": path.name}
                    log(f"speed {variant} {precision} {stylizer.engine.label} {size} step {step}: "
                        f"{row['median_ms']:.1f} ms ({row['fps']:.2f} fps)")
                    yield row


def timed_stylize(stylizer, frame: np.ndarray, infer: list[float]) -> Callable[[], None]:
    """A call that stylises ``frame`` and records the inference time of each call in ``infer``."""
    def run() -> None:
        stylizer.stylize(frame, bgr=True)
        infer.append(stylizer.last_timing.infer)

    return run


def _torch_frame(stylizer, code, x, steps: int) -> None:
    import torch

    with torch.inference_mode():
        moving = x
        for _ in range(steps):
            moving = stylizer.builder(stylizer.actor.act(moving, None), code)
        moving.clamp(0, 1).float().cpu()


def _torch_rows(plan: SpeedPlan, content: np.ndarray, style_rgb: np.ndarray, checkpoint: str | None,
                budget: Budget, log: Callable[[str], None]) -> Iterable[dict]:
    import torch
    from rlministyler.training.sequence import TorchStylizer, to_tensor

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    sizes, steps = plan.torch
    for device in devices:
        stylizer = TorchStylizer.from_checkpoint(checkpoint, device)
        precision = "fp32"
        if device == "cuda":
            stylizer.actor.half()
            stylizer.builder.half()
            precision = "fp16"
        dtype = torch.float16 if device == "cuda" else torch.float32
        code = stylizer.encode_style(to_tensor(style_rgb).to(device))
        code = type(code)(*(t.to(dtype) for t in code))
        for size in sizes:
            h, w = SIZES[size]
            frame = test_frame(content, h, w)[..., ::-1].astype(np.float32) / 255
            x = to_tensor(frame).to(device, dtype)
            for step in steps:
                reset_peak_rss()
                times = measure(functools.partial(_torch_frame, stylizer, code, x, step), budget)
                row = {"engine": "pytorch", "provider": device, "variant": "eager", "precision": precision,
                       "size": size, "height": h, "width": w, "step": step, **summary_ms(times),
                       "peak_rss_mb": peak_rss_mb() if device == "cpu" else None}
                log(f"speed pytorch {device} {size} step {step}: {row['median_ms']:.1f} ms")
                yield row


def run_speed(cache: ModelCache, plan: SpeedPlan, content: np.ndarray, style_path, style_rgb: np.ndarray,
              checkpoint: str | None, budget: Budget, threads: int | None, peak_gflops: float | None,
              log: Callable[[str], None], with_torch: bool = True) -> list[dict]:
    """All speed rows; each ONNX row has the share of the machine's peak it reaches."""
    rows = list(_onnx_rows(cache, plan, content, style_path, budget, threads, log))
    for row in rows:
        known = peak_gflops and row["gflops"]
        row["peak_pct"] = round(100 * row["gflops"] / peak_gflops, 1) if known else None
    if with_torch:
        rows += list(_torch_rows(plan, content, style_rgb, checkpoint, budget, log))
    return rows
