"""The model card that travels with a distilled model: ``MODEL_CARD.md`` beside ``distilled.pth.tar``.

Written from the model file's own record (what the run saved: settings, data, time, machine and the
held-out PSNR at its last checkpoint) and, when given, the table ``bench --suite distilled`` measured
(the bench writes that card into its own output folder), so the card never says more than the file
and a measurement can back.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

CARD_FILE = "MODEL_CARD.md"
LICENCE = ("MIT, like the official RLMiniStyler checkpoints it is distilled from "
           "(https://github.com/fengxiaoming520/RLMiniStyler)")


def machine() -> str:
    """This machine in a few words: CPU model and cores, or the CUDA device."""
    import torch

    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}"
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name}, {os.cpu_count()} cores, torch {torch.__version__}"


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def _loss(cfg: dict) -> str:
    terms = [(cfg.get("pixel_weight"), "L1"), (cfg.get("style_weight"), "VGG style"),
             (cfg.get("content_weight"), "VGG content")]
    return " + ".join(f"{w} x {name}" for w, name in terms if w) or "none"


def render(record: dict, measured: str | None = None) -> str:
    """The card's Markdown for a model whose record (``load_distilled``'s) is ``record``."""
    cfg, get = record.get("config", {}), record.get
    digests = sorted(get("teacher_sha256", {}).items())
    teacher = ", ".join(f"{name} `{digest[:12]}`" for name, digest in digests)
    held = ", ".join(get("held_out", [])) or "not recorded"
    lines = [
        "# RLMiniStyler one-pass model (distilled)", "",
        f"A step-conditioned, one-pass student of the official RLMiniStyler step sequence: step k (1.."
        f"{get('max_steps')}) costs one pass of the network instead of k. Licence: {LICENCE}.", "",
        "## How it was made", "",
        f"- Command: `rlministyler distill`, {get('iteration', '?')} iterations, "
        f"{_hours(float(get('elapsed_s', 0)))} on {get('machine', 'an unrecorded machine')}.",
        f"- Teacher: the checkpoint with sha256 {teacher}.",
        f"- Data: {get('train_contents', '?')} photos and {get('train_styles', '?')} paintings for training; "
        f"every {get('holdout_every', '?')}th of each (sorted by name) held out: {held}.",
        f"- Crops of {cfg.get('size')} px from images resized to {cfg.get('load_size')}, "
        f"{cfg.get('batch_size')} pairs x {cfg.get('steps_per_pair', 1)} steps per iteration.",
        f"- Loss, all to the teacher's step k: {_loss(cfg)}; Adam, lr {cfg.get('lr')} for the network "
        f"and {cfg.get('table_lr')} for the step table.",
    ]
    if cfg.get("augment"):
        lines.append("- Varied pairs (`--augment`): paintings as contents too, a random scale of 0.75-1.25x, "
                     "random flips, half the styles hue-rotated; training files only.")
    if cfg.get("ema"):
        warm = ", at most (1 + t) / (10 + t) at iteration t" if cfg.get("ema_warmup") else ""
        lines.append(f"- The weights are a moving average of training's (decay {cfg['ema']}{warm}).")
    if cfg.get("init"):
        lines.append(f"- Started from the distilled model `{cfg['init']}` (`--init`), not from the teacher.")
    scores = get("heldout_psnr_db")
    if scores:
        lines += ["", "## Held-out scores at the last checkpoint", "",
                  f"Against the teacher's step k, held-out pairs, {cfg.get('size')} px centre crops:",
                  "",
                  "| step | " + " | ".join(scores) + " |", "|---" * (len(scores) + 1) + "|",
                  "| PSNR dB | " + " | ".join(f"{v:.2f}" for v in scores.values()) + " |"]
        ratios = get("heldout_ratios") or {}
        for name in ("style", "content"):
            row = ratios.get(f"{name}_ratio")
            if row:
                lines.append(f"| VGG {name} loss / the teacher's | "
                             + " | ".join(f"{row.get(k, float('nan')):.2f}" for k in scores) + " |")
    if measured:
        lines += ["", measured.strip()]
    lines += ["", "## Use", "", "```bash",
              "rlministyler stylize photo.jpg --style art.jpg --model distilled --steps 5 -o out.png",
              "rlministyler export --model distilled --steps 10 --all-steps -o distilled10.onnx",
              "rlministyler export --model distilled --steps 10 --step-input --target sentis -o unity10.onnx",
              "```", ""]
    return "\n".join(lines)


def write_card(folder: Path, record: dict, measured: str | None = None) -> Path:
    """``MODEL_CARD.md`` in ``folder`` (a run's ``latest/`` or a bench's output), replaced atomically."""
    from rlministyler.training.train.state import write_text_atomic

    path = Path(folder) / CARD_FILE
    write_text_atomic(path, render(record, measured))
    return path
