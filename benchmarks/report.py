"""results.json, report.md and the PNG plots of a benchmark run."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=float) + "\n")
    os.replace(tmp, path)


def _table(rows: Sequence[dict], columns: Sequence[tuple[str, str]]) -> str:
    def cell(value) -> str:
        if value is None:
            return "—"
        if isinstance(value, float):
            return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"
        return str(value)

    head = "| " + " | ".join(title for _, title in columns) + " |"
    rule = "|" + "---|" * len(columns)
    body = ["| " + " | ".join(cell(row.get(key)) for key, _ in columns) + " |" for row in rows]
    return "\n".join([head, rule, *body])


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [f"# rlministyler benchmark ({'quick' if results['settings']['quick'] else 'full'})", "",
             f"{m['cpu']}, {m['cores']} cores ({', '.join(m['simd'])}), peak fp32 "
             f"{m.get('peak_gflops_fp32') or 0:.0f} GFLOP/s (theoretical)"
             + (f", sgemm {m['sgemm_gflops_fp32']:.0f} GFLOP/s" if m.get("sgemm_gflops_fp32") else "")
             + f"; GPU: {m.get('gpu') or 'none'}; "
             f"onnxruntime {m['versions'].get('onnxruntime') or m['versions'].get('onnxruntime-gpu', '?')}; "
             f"{results['duration_s']:.0f} s in all.", ""]
    if results.get("speed"):
        lines += ["## Speed", "", "Per frame, warm-up excluded; `median`/`p95` are the whole frame "
                  "(pre + inference + post), `infer` inference only; GMAC = conv multiply-accumulates; "
                  "GFLOP/s from `infer`; `peak %` of the machine's peak: the theoretical one, or the "
                  "measured sgemm rate where that is higher.", "",
                  _table(results["speed"], [("engine", "engine"), ("provider", "provider"),
                                            ("variant", "variant"), ("precision", "precision"),
                                            ("size", "size"), ("step", "step"),
                                            ("median_ms", "median ms"), ("p95_ms", "p95 ms"),
                                            ("infer_median_ms", "infer ms"), ("fps", "fps"), ("gmac", "GMAC"),
                                            ("gflops", "GFLOP/s"), ("peak_pct", "peak %"),
                                            ("peak_rss_mb", "peak RSS MiB")]), ""]
    if results.get("peers", {}).get("speed"):
        lines += ["## Against the peers at 384x384", "", "Inference only, style computed once, same frame "
                  "and threads; ratio = time / Magenta's transformer.", "",
                  _table(results["peers"]["speed"], [("method", "method"), ("precision", "precision"),
                                                     ("step", "step"), ("median_ms", "median ms"),
                                                     ("p95_ms", "p95 ms"),
                                                     ("ratio_to_magenta", "ratio")]), ""]
    web = results.get("web")
    if web and web.get("rows"):
        lines += [f"## In the browser at {web['size']}", "",
                  f"{web['browser']}; {web['note']}. `frame ms` is the whole call (run: Stylizer.stylize; "
                  "page: stylize() through the worker), `infer ms` inference alone; live fps: frames shown "
                  "per second from a fake camera playing the clip.", "",
                  _table(web["rows"], [("engine", "engine"), ("backend", "backend"), ("step", "step"),
                                       ("frame_ms", "frame ms"), ("infer_ms", "infer ms"),
                                       ("fps", "fps")]), ""]
    quality = results.get("quality")
    if quality:
        lines += ["## Quality per step", "", f"Mean over {quality['pairs']} content/style pairs at "
                  f"{quality['size']} px (shorter side). Style and content losses through the training's "
                  "Gatys-normalised VGG-19; SSIM against the content. Magenta has no steps.", "",
                  _table(quality["averages"], [("method", "method"), ("step", "step"),
                                               ("content", "content loss"), ("style", "style loss"),
                                               ("ssim", "SSIM")]), "",
                  _table(quality["models"], [("model", "model"), ("parameters", "parameters"),
                                             ("bytes", "file bytes")]), ""]
    if results.get("temporal"):
        lines += ["## Flicker", "", "Warping error: mean |frame_t - warp(frame_t-1)| along the input's "
                  "optical flow where it is reliable; noise instability: the same frame with noise "
                  "(sigma 2 levels), mean change between outputs. Both in 8-bit levels; lower is steadier.",
                  "",
                  _table(results["temporal"], [("source", "source"), ("step", "step"),
                                               ("temporal", "temporal"),
                                               ("warping_error", "warping error"),
                                               ("noise_instability", "noise instability")]), ""]
    realtime = results.get("realtime")
    if realtime and realtime.get("rows"):
        from .realtime import markdown_table

        lines += ["## Real time: amortising in space and time", "",
                  f"{realtime['frames']} frames of the clip per size, one after another through the runtime. "
                  "`p95 / mean`: p95 frame time over the mean (even frame times: at most 1.5). SSIM and PSNR "
                  "to the per-frame full-resolution output; warping error as in the flicker table; content "
                  "and style: the quality suite's VGG losses on frames spread over the clip (at 640x360). "
                  "kf N: a keyframe every N frames, reprojected between; auto: a keyframe when the "
                  "reprojectable part drops.", "",
                  markdown_table(realtime["rows"]), ""]
        files = realtime.get("files", {})
        lines += [f"![{Path(f).stem}]({Path(f).name})" for f in files.values()] + [""]
    plots = results.get("plots", [])
    if plots:
        lines += ["## Plots", ""] + [f"![{Path(p).stem}]({Path(p).name})" for p in plots] + [""]
    distilled = results.get("distilled")
    if distilled and distilled.get("rows"):
        from .distilled import live_table
        from .distilled import markdown_table as distilled_table

        flicker = distilled.get("warping_error_step5")
        lines += [f"## The one-pass model against its teacher ({distilled['pairs']} held-out pairs at "
                  f"{distilled['size']} px)", "", "PSNR / SSIM to the teacher's step k; the loss ratios are "
                  "one pass / teacher (ratios of means); ms per frame in PyTorch on this machine."
                  + (f" Warping error at step 5 on the clip: teacher {flicker['teacher']}, one pass "
                     f"{flicker['one_pass']}." if flicker else ""), "", distilled_table(distilled), "",
                  *([live_table(distilled["live"]), ""] if distilled.get("live") else []),
                  f"![one pass vs teacher]({distilled['plot']})", f"![sheet]({distilled['sheet']})", ""]
    return "\n".join(lines)


def plots(results: dict, folder: Path) -> list[str]:
    """PNG plots next to the report; returns their file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    speed = [r for r in results.get("speed", []) if r["engine"] == "onnxruntime"]
    if speed:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
        styles = {1: "-", 5: "--", 10: ":"}
        kinds = sorted({(r["variant"], r["precision"]) for r in speed})
        colours = {kind: f"C{i}" for i, kind in enumerate(kinds)}
        for (variant, precision, step), rows in _group(speed, ("variant", "precision", "step")).items():
            rows = sorted(rows, key=lambda r: r["height"] * r["width"])
            px = [r["height"] * r["width"] / 1e6 for r in rows]
            colour = colours[(variant, precision)]
            ax1.plot(px, [r["fps"] for r in rows], marker="o", color=colour, linestyle=styles.get(step, "-"),
                     label=f"{variant} {precision} step {step}")
            ax2.plot([p * step for p in px], [r["infer_median_ms"] for r in rows], marker="o", color=colour,
                     linestyle="none", label=f"{variant} {precision}" if step == min(
                         r["step"] for r in speed if (r["variant"], r["precision"]) == (variant, precision))
                     else None)
        work = [(r["height"] * r["width"] * r["step"] / 1e6, r["infer_median_ms"]) for r in speed]
        rate = float(np.median([ms / mp for mp, ms in work]))
        span = np.array([min(w for w, _ in work), max(w for w, _ in work)])
        ax2.plot(span, rate * span, linestyle="--", color="black", linewidth=0.8,
                 label=f"linear: {rate:.0f} ms per megapixel-step")
        ax2.legend(fontsize=6)
        ax1.set(xlabel="megapixels per frame", ylabel="frames per second", xscale="log", yscale="log",
                title="fps by frame size")
        ax2.set(xlabel="megapixels x steps", ylabel="inference ms", xscale="log", yscale="log",
                title="cost is linear in pixels x steps")
        ax1.legend(fontsize=6)
        fig.tight_layout()
        made.append(_save(fig, folder / "speed.png"))
    quality = results.get("quality")
    if quality:
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
        for key, ax in zip(("style", "content", "ssim"), axes, strict=True):
            for method in sorted({r["method"] for r in quality["averages"]}):
                rows = [r for r in quality["averages"] if r["method"] == method]
                if rows[0]["step"] is None:
                    ax.axhline(rows[0][key], linestyle="--", color="grey", label=method)
                else:
                    ax.plot([r["step"] for r in rows], [r[key] for r in rows], marker="o", label=method)
            titles = {"style": "style loss", "content": "content loss", "ssim": "SSIM"}
            ax.set(xlabel="step", title=titles[key])
        axes[0].legend(fontsize=7)
        fig.tight_layout()
        made.append(_save(fig, folder / "quality.png"))
    temporal = results.get("temporal")
    if temporal:
        fig, ax = plt.subplots(figsize=(6, 3.8))
        ours = [r for r in temporal if r["source"] == "rlministyler"]
        for mode, rows in _group(ours, ("temporal",)).items():
            ax.plot([r["step"] for r in rows], [r["warping_error"] for r in rows], marker="o",
                    label=f"ours, temporal {mode[0]}")
        colours = {"input frames": "grey", "magenta": "tab:red", "authors-way": "tab:purple"}
        for r in temporal:
            if r["source"] == "rlministyler":
                continue
            colour = colours.get(r["source"], "black")
            if r["step"] is None:
                ax.axhline(r["warping_error"], linestyle="--", color=colour, label=r["source"])
            else:
                ax.plot([r["step"]], [r["warping_error"]], marker="s", linestyle="none", color=colour,
                        label=f"{r['source']} (step {r['step']})")
        ax.set(xlabel="step", ylabel="warping error (8-bit levels)", title="flicker on video")
        ax.legend(fontsize=7)
        fig.tight_layout()
        made.append(_save(fig, folder / "temporal.png"))
    return made


def _group(rows: Sequence[dict], keys: tuple[str, ...]) -> dict[tuple, list[dict]]:
    out: dict[tuple, list[dict]] = {}
    for row in rows:
        out.setdefault(tuple(row[k] for k in keys), []).append(row)
    return out


def _save(fig, path: Path) -> str:
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path.name
