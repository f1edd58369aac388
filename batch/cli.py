"""``rlministyler batch``: its parser (argparse only: ``--help`` stays instant and needs no Ray)
and its runner."""

from __future__ import annotations

import argparse
from pathlib import Path

from rlministyler import spec
from rlministyler.argtypes import (
    image_side,
    non_negative,
    positive_float,
    positive_int,
    steps_count,
    temporal_weight,
)

EPILOG = """\
inputs: folders (searched recursively), globs ('shots/**/*.mp4', quoted), list files (.txt or .lst,
one path per line, relative to the list) and single files; the outputs mirror each input's tree
under -o with the same stems (images keep their format, videos become .mp4 unless .mov/.mkv/.avi).

how: on Ray (a local one by default; --address joins a cluster). Images are decoded in Ray tasks
and stylised and written by a pool of --workers actors, each with one onnxruntime session (or the
PyTorch engine with --engine torch, on a GPU with --gpus-per-worker 1). Videos are cut into
segments of about --segment-seconds, stylised in parallel (each after --overlap frames that warm
the temporal filter up) and joined in order; the result has every frame.

resumable: a second run skips every output already done with the same input, model, style and
settings (by content hash) and redoes what was half done. A file that fails is reported with its
reason and the rest go on (exit 1 at the end). A file at an output path that this command did not
write is never overwritten. Ray's package: pip install 'rlministyler[ray]'.

examples:
  rlministyler batch all3.onnx photos/ --style art.jpg --step 3 -o styled/
  rlministyler batch split3.onnx 'season1/**/*.mp4' --style art.jpg --temporal flow --workers 8 -o out/
  rlministyler batch all3.onnx shots.txt --style art.jpg --address ray://head:10001 -o /shared/out/
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("batch", help="stylise folders of images and videos on Ray, resumable",
                       description="Stylise many images and videos with an exported model, in parallel "
                                   "on Ray\n(a local cluster by default), resumable.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("model", metavar="MODEL.onnx", help="a model written by `rlministyler export`")
    b.add_argument("inputs", nargs="+", metavar="INPUT", help="folder, glob, list file or file")
    b.add_argument("-o", "--output", required=True, metavar="DIR", help="where the outputs go (made if new)")
    b.add_argument("--style", metavar="IMAGE", help="the style image (not for a baked model)")
    b.add_argument("--step", type=steps_count, metavar="K", help="the step of an all-steps model")
    b.add_argument("--workers", type=positive_int, default=2, metavar="N", help="stylizer actors (default 2)")
    b.add_argument("--address", metavar="ADDR", help="a Ray cluster to join (default: start one here)")
    b.add_argument("--segment-seconds", type=positive_float, default=10.0, metavar="S",
                   help="video segment length (default 10)")
    b.add_argument("--overlap", type=non_negative, default=8, metavar="N",
                   help="frames before each segment that warm the temporal filter up (default 8)")
    b.add_argument("--temporal", choices=spec.TEMPORAL_MODES, default="off",
                   help="temporal smoothing of videos, as in `run` (default off)")
    b.add_argument("--temporal-weight", type=temporal_weight, default=spec.TEMPORAL_WEIGHT, metavar="W",
                   help="weight of the previous output in the blend, in [0, 1) "
                        f"(default {spec.TEMPORAL_WEIGHT})")
    b.add_argument("--style-size", type=image_side, default=spec.STYLE_SIZE, metavar="N",
                   help=f"the style's shorter side when encoded (default {spec.STYLE_SIZE})")
    b.add_argument("--engine", choices=spec.RUNTIME_ENGINES, default="onnxruntime",
                   help="onnxruntime (default) or torch (the PyTorch engine, needs --checkpoint)")
    b.add_argument("--provider", choices=spec.PROVIDERS, default="cpu",
                   help="onnxruntime provider (default cpu)")
    b.add_argument("--cpus-per-worker", type=positive_float, default=1.0, metavar="N",
                   help="CPUs each actor reserves, and its threads (default 1)")
    b.add_argument("--gpus-per-worker", type=float, default=0.0, metavar="N",
                   help="GPUs each actor reserves (default 0)")
    b.add_argument("--checkpoint", metavar="DIR", help="--engine torch: the weights folder")
    b.add_argument("--precision", choices=spec.TORCH_PRECISIONS, default="fp32",
                   help="--engine torch: its precision (default fp32)")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    b.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rlministyler.errors import UserError
    from rlministyler.safety import refuse_overlap

    refuse_overlap([("-o", args.output)], [("MODEL.onnx", args.model), ("--style", args.style),
                                           *(("INPUT", i) for i in args.inputs if Path(i).exists())])
    model = Path(args.model)
    if not model.is_file():
        raise UserError(f"model not found: {model}")
    if args.style and not Path(args.style).is_file():
        raise UserError(f"style image not found: {args.style}")
    if not 0 <= args.gpus_per_worker < 1e6:
        raise UserError(f"--gpus-per-worker {args.gpus_per_worker}: not a number of GPUs")
    try:
        import ray  # noqa: F401 - only to say what is missing before any work
    except ModuleNotFoundError:
        raise UserError("batch needs Ray: pip install 'rlministyler[ray]'") from None
    from .pipeline import BatchOptions, run_batch

    opts = BatchOptions(
        model, args.inputs, Path(args.output), Path(args.style) if args.style else None, args.step,
        args.workers, args.address, args.segment_seconds, args.overlap, args.temporal, args.temporal_weight,
        args.style_size, args.engine, args.provider, args.cpus_per_worker, args.gpus_per_worker,
        args.checkpoint, args.precision, args.quiet)
    summary = run_batch(opts)
    print(summary.text())
    return 1 if summary.failures else 0
