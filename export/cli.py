"""``rlministyler export``: command-line arguments -> ``ExportOptions`` -> files."""

from __future__ import annotations

import argparse
from pathlib import Path

from rlministyler.errors import UserError

from .exporter import ExportOptions, export_model, parse_size


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
        upsample=getattr(args, "upsample", None) or "guided")


def run(args: argparse.Namespace) -> int:
    opts = options_from_args(args)
    if opts.style is not None and not opts.style.is_file():
        raise UserError(f"image not found: {opts.style}")
    result = export_model(opts)
    for path in result.files:
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    print(f"wrote {result.sidecar}")
    print(f"{opts.variant} model, {opts.steps} step(s){' (all outputs)' if opts.all_steps else ''}, "
          f"{opts.precision}, opset {result.metadata['opset']}, {result.nodes_after} nodes, "
          f"{result.seconds:.1f} s")
    return 0
