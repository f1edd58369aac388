"""Speed against the peers at Magenta's fixed 384x384: the same frame, the same threads, one run."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .models import ModelCache, ModelSpec
from .peers import MAGENTA_SIZE, AuthorsWay, Magenta
from .speed import test_frame, timed_stylize
from .timing import Budget, measure, summary_ms


def run_peer_speed(cache: ModelCache, content: np.ndarray, style_path, style_rgb: np.ndarray,
                   ours: Sequence[tuple[str, str]], steps: Sequence[int], peers: dict, budget: Budget,
                   threads: int | None, log: Callable[[str], None]) -> list[dict]:
    """Rows for Magenta's transformer, the authors' way, and ours (inference only, style once),
    each of ours with ``ratio_to_magenta`` = our time / Magenta's."""
    from rlministyler.runtime import Stylizer

    size = MAGENTA_SIZE
    frame = test_frame(content, size, size)
    rows = []
    magenta: Magenta | None = peers.get("magenta")
    base = None
    if magenta is not None:
        magenta.set_style(np.ascontiguousarray((style_rgb[..., ::-1] * 255).round().astype(np.uint8)))
        x, _ = magenta.prepare(frame)
        stats = summary_ms(measure(lambda: magenta.run_tensor(x), budget))
        base = stats["median_ms"]
        rows.append({"method": "magenta", "precision": "int8", "step": None, **stats,
                     "ratio_to_magenta": 1.0})
        log(f"peers magenta transformer 384: {base:.1f} ms")
    for variant, precision in ours:
        for step in steps if precision != "int8" else steps[:1]:
            spec = ModelSpec(variant, precision, step, False)
            stylizer = Stylizer(cache.get(spec), "cpu", threads=threads)
            if stylizer.info.needs_style:
                stylizer.set_style(style_path)
            infer: list[float] = []
            times = measure(timed_stylize(stylizer, frame, infer), budget)
            stats = summary_ms(np.asarray(infer[-times.size:]))  # inference only, like Magenta's row
            rows.append({"method": f"rlministyler {variant}", "precision": precision, "step": step, **stats,
                         "ratio_to_magenta": round(stats["median_ms"] / base, 3) if base else None})
            log(f"peers ours {variant} {precision} step {step}: {stats['median_ms']:.1f} ms")
    authors: AuthorsWay | None = peers.get("authors")
    if authors is not None:
        authors.set_style(style_rgb)
        rgb = frame[..., ::-1].astype(np.float32) / 255
        for step in steps:
            stats = summary_ms(measure(lambda s=step: authors.sequence(rgb, s), budget))
            rows.append({"method": "authors-way", "precision": "fp32", "step": step, **stats,
                         "ratio_to_magenta": round(stats["median_ms"] / base, 3) if base else None})
    return rows
