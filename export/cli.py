"""``rlministyler export`` and ``check-unity``: their parsers (no torch: ``--help`` stays instant) and
command-line arguments -> ``ExportOptions`` -> files."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from rlministyler.argtypes import internal_scale, non_negative, rewrites, steps_count
from rlministyler.errors import UserError
from rlministyler.spec import MAX_STEPS, SIZE_MULTIPLE, STYLE_SIZE, UNITY_ENGINES, UPSAMPLERS

from .plan import ExportOptions, parse_size  # no torch either
from .targets import PRECISIONS, TARGETS, VARIANTS, table  # data only: no torch


def options_from_args(args: argparse.Namespace) -> ExportOptions:
    verify = None
    if args.verify:
        verify = (Path(args.verify[0]), Path(args.verify[1]))
    return ExportOptions(
        output=Path(args.output), steps=args.steps, all_steps=args.all_steps, variant=args.variant,
        style=Path(args.style) if args.style else None, target=args.target, precision=args.precision,
        size=parse_size(args.size) if args.size else None, opset=args.opset,
        checkpoint=args.checkpoint, calibration=Path(args.calibration) if args.calibration else None,
        verify_images=verify, style_size=args.style_size, verify=not args.no_verify, quiet=args.quiet,
        rewrites=getattr(args, "rewrites", None), internal_scale=getattr(args, "internal_scale", 1.0),
        upsample=getattr(args, "upsample", None) or "guided", model=getattr(args, "model", "official"),
        step_input=getattr(args, "step_input", False))


def run(args: argparse.Namespace) -> int:
    from rlministyler.limits import check_export_size
    from rlministyler.safety import refuse_overlap

    out = Path(args.output)
    refuse_overlap([("-o", out), ("-o", out.with_suffix(".json")),
                    *(("-o", out.with_name(f"{out.stem}_{part}{out.suffix}")) for part in ("style", "main"))],
                   [("--style", args.style), ("--calibration", args.calibration),
                    ("--checkpoint", args.checkpoint), *(("--verify", v) for v in args.verify or ()),
                    ("--model", args.model if args.model not in ("official", "distilled") else None)])
    from rlministyler.safety import check_output_folder
    if TARGETS[args.target].repository:  # -o is the repository's folder: new or empty
        from .triton import SIDECAR, check_destination

        check_destination(out)
        check_output_folder(out / SIDECAR)
    else:  # every file the export writes: a regular file or a new path (no half of a split export)
        for path in (out, out.with_suffix(".json"),
                     *((out.with_name(f"{out.stem}_style{out.suffix}"),) if args.variant == "split" else ())):
            check_output_folder(path)
    opts = options_from_args(args)
    if opts.size is not None:
        check_export_size(*opts.size)
    if opts.style is not None and not opts.style.is_file():
        raise UserError(f"image not found: {opts.style}")
    from .exporter import export_model

    result = export_model(opts)
    for path in result.files:
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    if TARGETS[opts.target].repository:
        print(f"wrote the Triton model repository {out} (tritonserver --model-repository {out})")
    else:
        print(f"wrote {result.sidecar}")
    served = " (all outputs)" if opts.all_steps else " (step input)" if opts.step_input else ""
    print(f"{opts.variant} model, {opts.steps} step(s){served}, "
          f"{opts.precision}, opset {result.metadata['opset']}, {result.nodes_after} nodes, "
          f"{result.seconds:.1f} s")
    return 0


EXPORT_EPILOG = "variants:\n" + "\n".join(
    textwrap.fill(f"{v.name:<7} {v.summary}", 96, initial_indent="  ", subsequent_indent=" " * 10)
    for v in VARIANTS.values()) + """
targets (from export/targets.py):
""" + table() + """
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


def _run_check_unity(args: argparse.Namespace) -> int:
    from rlministyler.limits import check_regular_file

    check_regular_file(args.model, "model")  # a FIFO would be waited on forever
    from .unity_check import run as check

    return check(args)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``export`` and ``check-unity`` on the main parser's subcommands."""
    e = sub.add_parser(
        "export", help="export actor + builder unrolled for K steps to ONNX",
        description="Export the RLMiniStyler sequence, unrolled for a fixed number of steps, to an "
                    "ONNX model\nfor onnxruntime, Unity Sentis / Inference Engine or Barracuda.",
        epilog=EXPORT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("--steps", type=steps_count, required=True, metavar="K",
                   help=f"number of steps to unroll (1..{MAX_STEPS}); the output is step K")
    e.add_argument("--all-steps", action="store_true",
                   help="one output per step (step_1 .. step_K) to pick the step at run time")
    e.add_argument("--variant", choices=tuple(VARIANTS), default="full",
                   help="full (default), split or baked; see below")
    e.add_argument("--style", metavar="IMAGE", help="style image: required for baked; used for "
                   "verification and int8 calibration otherwise")
    e.add_argument("--style-size", type=non_negative, default=STYLE_SIZE, metavar="N",
                   help=f"scale the style image's shorter side to N before encoding (default {STYLE_SIZE}; "
                        "0 keeps)")
    e.add_argument("--target", choices=tuple(TARGETS), default="onnxruntime",
                   help="engine to export for (default: onnxruntime)")
    e.add_argument("--precision", choices=PRECISIONS, default="fp32",
                   help="fp32 (default); fp16 weights and compute with float32 inputs/outputs; "
                        "int8 static QDQ for CPU onnxruntime (needs --calibration)")
    e.add_argument("--calibration", metavar="DIR", help="folder of typical frames for int8 calibration")
    e.add_argument("--size", metavar="HxW",
                   help=f"fix height and width (multiples of {SIZE_MULTIPLE}); default: dynamic")
    e.add_argument("--opset", type=int, metavar="N", help="ONNX opset (default: " + ", ".join(
                   f"{t.opset} {t.name}" for t in TARGETS.values()) + ")")
    e.add_argument("--checkpoint", metavar="DIR", help="weights folder (default: "
                   "$RLMINISTYLER_CHECKPOINT, else the download cache)")
    e.add_argument("--model", default="official", metavar="official|distilled|PATH",
                   help="official (default): the step sequence, unrolled (step K costs K passes); "
                        "distilled or PATH (a `distill` run's latest/ folder or file): the one-pass "
                        "model, each output step one pass from the content (with --all-steps, pruned "
                        "to one step by run and web)")
    e.add_argument("--step-input", action="store_true",
                   help="distilled models: the step is an input (int64, shape [1], 1..--steps), one "
                        "output; one file serves every step and switching steps is a new number, not "
                        "a new model (the Unity sample's form)")
    e.add_argument("--verify", nargs=2, metavar=("CONTENT", "STYLE"),
                   help="real image pair to verify on (default: --style and a synthetic content)")
    e.add_argument("--no-verify", action="store_true", help="skip the onnxruntime-vs-PyTorch check")
    e.add_argument("--internal-scale", type=internal_scale, default=1.0, metavar="F",
                   help="run the steps inside the graph at F of each side (1/N: 0.5, 0.25) and "
                        "upsample there; same inputs and outputs (default 1)")
    e.add_argument("--upsample", choices=UPSAMPLERS, default=None,
                   help="with --internal-scale: guided (default; the frame is the guide) or bilinear")
    e.add_argument("--rewrites", type=rewrites, metavar="LIST",
                   help="exact speed rewrites, comma-separated: half-res-head (the 9x9 output conv at "
                        "half resolution), fold-modulation (baked: style modulation folded into the "
                        "convs), depthwise-groups (grouped convs as depthwise + 1x1), or none "
                        "(default: all three for onnxruntime, none for Unity targets)")
    e.add_argument("-o", "--output", required=True, metavar="OUT.onnx",
                   help="the model file to write (--target triton: a new or empty folder, the repository)")
    e.add_argument("-q", "--quiet", action="store_true", help="print only the files written")
    e.set_defaults(func=run)

    u = sub.add_parser(
        "check-unity", help="check that an ONNX file imports into Unity Sentis or Barracuda",
        description="Report opset, dynamic dimensions, the op histogram and every op or attribute "
                    "the chosen\nUnity importer does not support. Exit 0 when it would import, 1 if not.")
    u.add_argument("model", metavar="MODEL.onnx", help="any ONNX file")
    u.add_argument("--engine", choices=UNITY_ENGINES, default="sentis",
                   help="sentis (Sentis / Inference Engine, default) or barracuda")
    u.add_argument("--urp", action="store_true",
                   help="sentis: the model runs in URP, scheduled into the render pipeline's command buffer, "
                        "so a layer on Sentis' CPU fallback fails the check instead of warning")
    u.set_defaults(func=_run_check_unity)
