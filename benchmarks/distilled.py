"""``rlministyler bench --suite distilled``: the one-pass model against its teacher, on held-out pairs.

For every step k: PSNR and SSIM of the one-pass model to the teacher's step k, beside the two
cheap stand-ins it must beat (the teacher's own step 1, and the teacher's step k at half scale,
upsampled bilinearly); the VGG content and style losses of both (against the content and the
style image; ratios of means over the pairs); the cost per frame of both (PyTorch, this machine);
and, on the clip, the warping error of both at step 5. A contact sheet (teacher and one-pass, per
step) and a plot go beside the report. Held-out pairs: every Nth content and style as
``rlministyler distill`` kept them out (N from the model's run, else 5).

Live (with the clip and an official step-5 export): the clip at 640x360 through the runtime as
``rlministyler run`` plays it, at step 5: the teacher's export at full resolution, the one-pass
export at full resolution, and the one-pass export with ``--target-fps 30``; frames per second and
the VGG style loss of each (``bench --suite realtime``'s losses), the last two also as a ratio to
the teacher's.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
import torch

from rlministyler.metrics import PSNR_CAP, psnr

from .flicker import reference_flows, warping_error
from .quality import _tensor, load_pair, score, ssim
from .timing import QUICK, measure


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return round(psnr(a, b, cap=PSNR_CAP), 3)


def _rgb(x: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(x[0].clamp(0, 1).permute(1, 2, 0).cpu().numpy())


def held_out(files: list[Path], every: int) -> list[Path]:
    from rlministyler.training.distill.trainer import split

    return split(files, every)[1]


def _half_scale(teacher, content: np.ndarray, code, steps: Sequence[int]) -> dict[int, np.ndarray]:
    h, w = content.shape[:2]
    small = cv2.resize(content, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    outs = teacher.sequence(_tensor(small), code, steps)
    return {k: np.clip(cv2.resize(_rgb(o), (w, h), interpolation=cv2.INTER_LINEAR), 0, 1)
            for k, o in outs.items()}


def _ms(fn: Callable[[], object]) -> float:
    """Median ms per call (benchmarks.timing's quick budget)."""
    return round(1000 * float(np.median(measure(fn, QUICK))), 2)


def run_distilled(checkpoint: str | None, model: Path, contents: list[Path], styles: list[Path],
                  video: Path | None, out: Path, vgg, *, size: int = 384, steps: Sequence[int] = range(1, 11),
                  pairs: int = 24, frames: int = 24, official_export: Path | None = None,
                  live_style: tuple[Path, np.ndarray] | None = None, threads: int | None = None,
                  say: Callable[[str], None] = print) -> dict:
    """The suite; ``official_export`` (an all-steps official export with step 5) and ``live_style``
    (the style file and its RGB image, shorter side 256) add the live measurement."""
    from rlministyler.training.distill.card import write_card
    from rlministyler.training.distill.checkpoint import load_distilled
    from rlministyler.training.distill.stylizer import OnePassTorchStylizer
    from rlministyler.training.sequence import TorchStylizer

    student_model, record = load_distilled(model)
    every = int(record.get("holdout_every", 5))
    teacher = TorchStylizer.from_checkpoint(checkpoint, "cpu")
    student = OnePassTorchStylizer(student_model, "cpu")
    steps = [k for k in steps if k <= student.max_steps]
    chosen = [(c, s) for c in held_out(contents, every) for s in held_out(styles, every)][:pairs]
    per_step: dict[int, dict[str, list[float]]] = {k: {} for k in steps}
    sheet_tiles: list[tuple[str, np.ndarray]] = []
    for index, (content_path, style_path) in enumerate(chosen):
        content, style = load_pair(content_path, style_path, size)
        t_code, s_code = teacher.encode_style(_tensor(style)), student.encode_style(_tensor(style))
        ref = {k: _rgb(o) for k, o in teacher.sequence(_tensor(content), t_code, steps).items()}
        one = {k: _rgb(o) for k, o in student.sequence(_tensor(content), s_code, steps).items()}
        first = _rgb(teacher.sequence(_tensor(content), t_code, [1])[1])
        half = _half_scale(teacher, content, t_code, steps)
        ref_scores, one_scores = score(vgg, content, style, ref), score(vgg, content, style, one)
        for k in steps:
            row = per_step[k]
            for name, image in (("one_pass", one[k]), ("teacher_step1", first), ("teacher_half", half[k])):
                row.setdefault(f"{name}_psnr", []).append(_psnr(image, ref[k]))
                row.setdefault(f"{name}_ssim", []).append(ssim(image, ref[k]))
            for loss in ("style", "content"):
                row.setdefault(f"teacher_{loss}", []).append(ref_scores[k][loss])
                row.setdefault(f"one_pass_{loss}", []).append(one_scores[k][loss])
        if index == 0:
            sheet_tiles = [("content", content), ("style", style)]
            sheet_tiles += [tile for k in steps if k in (1, 3, 5, 10)
                            for tile in ((f"teacher {k}", ref[k]), (f"one pass {k}", one[k]))]
        say(f"distilled: pair {index + 1}/{len(chosen)}")
    rows = [_row(k, per_step[k]) for k in steps]
    content, style = load_pair(chosen[0][0], chosen[0][1], size)
    t_code, s_code = teacher.encode_style(_tensor(style)), student.encode_style(_tensor(style))
    for row in rows:
        k = row["step"]
        row["teacher_ms"] = _ms(lambda k=k: teacher.sequence(_tensor(content), t_code, [k]))
        row["one_pass_ms"] = _ms(lambda k=k: student.sequence(_tensor(content), s_code, [k]))
    result = {"model": str(model), "pairs": len(chosen), "size": size, "holdout_every": every, "rows": rows,
              "strength_order": strength_order(rows)}
    if video is not None and 5 in steps:
        result["warping_error_step5"] = _flicker(teacher, student, video, style, frames)
        if official_export is not None and live_style is not None:
            result["live"] = _live(official_export, model, video, *live_style, out, vgg, 2 * frames, threads,
                                   say)
    result["sheet"] = _sheet(sheet_tiles, out / "distilled_sheet.jpg").name
    result["plot"] = _plot(rows, out / "distilled.png").name
    result["card"] = write_card(out, record, measured_section(result)).name
    return result


def measured_section(result: dict) -> str:
    """The model card's measured section: this run's table and the warping error."""
    lines = [f"## Measured by `rlministyler bench --suite distilled` ({result['pairs']} held-out pairs at "
             f"{result['size']} px)", "",
             "PSNR / SSIM to the teacher's step k, beside the teacher's own step 1 and its step k at 1/2 "
             "scale (bilinear); VGG loss ratios one pass / teacher; ms per frame in PyTorch on the "
             "benchmark's machine.", "", markdown_table(result)]
    order = result.get("strength_order")
    if order:
        lines += ["", "Strength in step order (the one pass's mean VGG losses): style loss falls at every "
                  "step" + (": yes" if not order["style_not_falling"] else
                     f": no, not at step {', '.join(map(str, order['style_not_falling']))}")
                  + "; content loss rises at every step"
                  + (": yes." if not order["content_not_rising"] else
                     f": no, not at step {', '.join(map(str, order['content_not_rising']))}.")]
    warp = result.get("warping_error_step5")
    if warp:
        lines += ["", f"Warping error at step 5 on the clip: teacher {warp['teacher']}, "
                  f"one pass {warp['one_pass']}."]
    if result.get("live"):
        lines += ["", live_table(result["live"])]
    return "\n".join(lines)


def live_table(live: dict) -> str:
    """The live measurement as Markdown: a sentence and a table."""
    lines = [f"Live, the clip at {live['size']}, step {live['step']}, `rlministyler run` on the benchmark's "
             "CPU:", "", "| | fps | VGG style loss | / teacher's |", "|---|---|---|---|"]
    lines += [f"| {r['label']}{' (' + r['pacing'] + ')' if r.get('pacing') else ''} | {r['fps']} | "
              f"{r['style']} | {r['style_ratio']} |" for r in live["rows"]]
    return "\n".join(lines)


LIVE_SIZE = (360, 640)  # (h, w)
LIVE_STEP = 5
LIVE_FPS = 30.0
SETTLE_PASSES = 6  # passes over the clip the pacing may take to settle before the measured one


def _live(official: Path, model: Path, video: Path, style_path: Path, style_rgb: np.ndarray, out: Path,
          vgg, frames: int, threads: int | None, say: Callable[[str], None]) -> dict:
    """The clip through the runtime at step 5: the teacher's export at full resolution, the one-pass
    export at full resolution and with ``--target-fps 30`` (measured once its level has held for a
    whole pass of the clip, or after ``SETTLE_PASSES``)."""
    import time

    from rlministyler.export.exporter import ExportOptions, export_model
    from rlministyler.runtime.build import StylizerOptions, build_stylizer
    from rlministyler.training.weights import sha256_of

    from .realtime import LOSS_SIZE, _frames, _VggLosses

    one_pass = out / "models" / f"distilled_{sha256_of(model)[:12]}_all{LIVE_STEP}.onnx"
    if not one_pass.is_file():
        export_model(ExportOptions(output=one_pass, steps=LIVE_STEP, all_steps=True, variant="split",
                                   model=str(model), quiet=True))
    clip = _frames(video, frames, LIVE_SIZE)
    losses = _VggLosses(vgg, style_rgb, LOSS_SIZE)
    rows = []
    for label, path, target in (("teacher, full resolution", official, None),
                                ("one pass, full resolution", one_pass, None),
                                (f"one pass, --target-fps {LIVE_FPS:g}", one_pass, LIVE_FPS)):
        runner = build_stylizer(StylizerOptions(path, provider="cpu", step=LIVE_STEP, target_fps=target,
                                                threads=threads))
        runner.set_style(style_path)
        for frame in clip[:1]:  # warm-up (sessions, buffers)
            runner.stylize(frame, bgr=True)
        for _ in range(SETTLE_PASSES if target else 0):  # until the pacing holds one level for a pass
            moves = len(runner.pacing_history)
            for frame in clip:
                runner.stylize(frame, bgr=True)
            if len(runner.pacing_history) == moves:
                break
        start, outputs = time.perf_counter(), []
        for frame in clip:
            outputs.append(runner.stylize(frame, bgr=True))
        fps = round(len(clip) / (time.perf_counter() - start), 2)
        runner.close()
        rows.append({"label": label, "fps": fps, "style": losses(clip, outputs)["style"],
                     **({"pacing": runner.pacing_text} if target else {})})
        say(f"distilled live: {rows[-1]}")
    for row in rows:
        row["style_ratio"] = round(row["style"] / rows[0]["style"], 3)
    return {"size": f"{LIVE_SIZE[1]}x{LIVE_SIZE[0]}", "step": LIVE_STEP, "frames": len(clip), "rows": rows}


def strength_order(rows: list[dict]) -> dict[str, list[int]]:
    """Where the step fails to order the one-pass model's strength: the steps (after the first) at
    which its mean VGG style loss does not fall, and those at which its content loss does not rise;
    both empty for a model whose step input is a monotonic strength control."""
    pairs = list(itertools.pairwise(sorted(rows, key=lambda r: r["step"])))
    style = [b["step"] for a, b in pairs if b["one_pass_style"] >= a["one_pass_style"]]
    content = [b["step"] for a, b in pairs if b["one_pass_content"] <= a["one_pass_content"]]
    return {"style_not_falling": style, "content_not_rising": content}


def _row(k: int, values: dict[str, list[float]]) -> dict:
    mean = {name: float(np.mean(v)) for name, v in values.items()}
    return {"step": k, **{n: round(v, 4) for n, v in mean.items() if n.endswith(("_psnr", "_ssim"))},
            "one_pass_style": round(mean["one_pass_style"], 4),
            "one_pass_content": round(mean["one_pass_content"], 4),
            "style_ratio": round(mean["one_pass_style"] / mean["teacher_style"], 3),
            "content_ratio": round(mean["one_pass_content"] / mean["teacher_content"], 3)}


def _flicker(teacher, student, video: Path, style: np.ndarray, count: int) -> dict[str, float]:
    capture = cv2.VideoCapture(str(video))
    frames = []
    while len(frames) < count:
        ok, frame = capture.read()
        if not ok:
            break
        h, w = frame.shape[:2]
        frames.append(cv2.resize(frame, (w // 2 // 4 * 4, h // 2 // 4 * 4), interpolation=cv2.INTER_AREA))
    capture.release()
    flows = reference_flows(frames)
    result = {}
    for name, model in (("teacher", teacher), ("one_pass", student)):
        code = model.encode_style(_tensor(style))
        outs = []
        for frame in frames:
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB).astype(np.float32) / 255
            styled = _rgb(model.sequence(_tensor(rgb), code, [5])[5])
            outs.append(cv2.cvtColor((styled * 255).round().astype(np.uint8), cv2.COLOR_RGB2BGR))
        result[name] = round(warping_error(outs, flows), 3)
    return result


def _sheet(tiles: list[tuple[str, np.ndarray]], path: Path) -> Path:
    from rlministyler.images import write_image
    from rlministyler.sheet import contact_sheet

    return write_image(path, contact_sheet(tiles, tile_height=256, per_row=6))


def _plot(rows: list[dict], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r["step"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for key, label in (("one_pass_psnr", "one pass"), ("teacher_step1_psnr", "teacher step 1"),
                       ("teacher_half_psnr", "teacher at 1/2, bilinear")):
        ax1.plot(steps, [min(r[key], 60) for r in rows], marker="o", label=label)
    ax1.set(xlabel="step k", ylabel="PSNR to the teacher's step k (dB)", title="closeness to the teacher")
    ax1.legend()
    ax2.plot(steps, [r["style_ratio"] for r in rows], marker="o", label="style loss / teacher's")
    ax2.plot(steps, [r["content_ratio"] for r in rows], marker="s", label="content loss / teacher's")
    ax2.axhline(1.25, color="grey", linestyle=":")
    ax2.set(xlabel="step k", ylabel="ratio", title="VGG losses, one pass vs teacher")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def markdown_table(result: dict) -> str:
    lines = ["| step | one pass PSNR / SSIM | teacher step 1 | teacher at 1/2 | style ratio | "
             "content ratio | ms teacher / one pass |", "|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        lines.append(f"| {r['step']} | {r['one_pass_psnr']:.2f} / {r['one_pass_ssim']:.3f} | "
                     f"{r['teacher_step1_psnr']:.2f} / {r['teacher_step1_ssim']:.3f} | "
                     f"{r['teacher_half_psnr']:.2f} / {r['teacher_half_ssim']:.3f} | {r['style_ratio']} | "
                     f"{r['content_ratio']} | {r['teacher_ms']} / {r['one_pass_ms']} |")
    return "\n".join(lines)
