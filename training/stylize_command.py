"""``rlministyler stylize``: content images + a style image -> chosen steps of the sequence."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from rlministyler.errors import UserError
from rlministyler.images import WRITE_EXTENSIONS, check_writable, read_image, resize_shorter, write_image
from rlministyler.safety import refuse_overlap
from rlministyler.sheet import contact_sheet

from .sequence import TorchStylizer, check_steps, to_array, to_tensor


def plan_outputs(contents: list[Path], steps: list[int], out: Path, sheet: bool
                 ) -> tuple[dict[tuple[int, int], Path], dict[int, Path]]:
    """Files to write: {(content index, step): path} and {content index: sheet path}."""
    single = len(contents) == 1 and len(steps) == 1
    if single and out.suffix and not out.is_dir():
        check_writable(out)
        sheet_path = out.with_name(f"{out.stem}_sheet.png")
        return {(0, steps[0]): out}, ({0: sheet_path} if sheet else {})
    if out.suffix.lower() in WRITE_EXTENSIONS and not out.is_dir():
        raise UserError(f"-o {out} names an image file, but {len(contents)} content(s) x "
                        f"{len(steps)} step(s) make several outputs: give a directory")
    if out.exists() and not out.is_dir():
        raise UserError(f"-o {out} exists and is not a directory")
    stems = [c.stem for c in contents]
    dupes = sorted({s for s in stems if stems.count(s) > 1})
    if dupes:
        raise UserError(f"two contents share the name {dupes[0]!r}: outputs would overwrite each other")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create output directory {out}: {exc.strerror}") from None
    files = {(i, t): check_writable(out / f"{stem}_step{t}.png") for i, stem in enumerate(stems)
             for t in steps}
    sheets = {i: out / f"{stem}_sheet.png" for i, stem in enumerate(stems)} if sheet else {}
    return files, sheets


def _distilled_model(args: argparse.Namespace, steps: list[int]):
    """(file, model) of the distilled model ``--model`` names, loaded and checked before any
    output is planned; (None, None) for the official sequence."""
    from .distill.checkpoint import load_distilled
    from .weights import resolve_model

    path = resolve_model(args.model)
    if path is None:
        return None, None
    if args.checkpoint or args.fast or args.stochastic:
        raise UserError(f"--model {args.model} is a one-pass model: --checkpoint, --fast and "
                        "--stochastic apply to the official sequence")
    model, record = load_distilled(path)
    if steps[-1] > record["max_steps"]:
        raise UserError(f"step {steps[-1]}: {path} serves steps 1..{record['max_steps']}")
    return path, model


def _stylizer(args: argparse.Namespace, distilled) -> TorchStylizer:
    """The official sequence (``--checkpoint``), or the distilled one-pass model."""
    if distilled is None:
        return TorchStylizer.from_checkpoint(args.checkpoint, args.device, args.precision, args.fast)
    from .distill.stylizer import OnePassTorchStylizer

    return OnePassTorchStylizer(distilled, args.device, args.precision)


def run(args: argparse.Namespace) -> int:
    if args.fast and args.stochastic:
        raise UserError("--fast runs the mean action only: drop --stochastic or --fast")
    if args.seed is not None and not args.stochastic:
        raise UserError("--seed only applies to --stochastic sampling (the mean action is deterministic)")
    steps = check_steps(args.steps)
    model_path, distilled = _distilled_model(args, steps)
    contents = [Path(c) for c in args.content]
    inputs = [*(("content", c) for c in contents), ("--style", args.style), ("--checkpoint", args.checkpoint),
              ("--model", model_path)]
    refuse_overlap([("-o", args.output)], inputs)
    style_rgb = resize_shorter(read_image(args.style), args.style_size)
    images = [resize_shorter(read_image(c), args.size) for c in contents]
    files, sheets = plan_outputs(contents, steps, Path(args.output), args.sheet)
    refuse_overlap([("-o", p) for p in [*files.values(), *sheets.values()]], inputs)

    stylizer = _stylizer(args, distilled)
    from tqdm import tqdm

    start = time.perf_counter()
    code = stylizer.encode_style(to_tensor(style_rgb))
    bar = tqdm(total=len(contents) * steps[-1], unit="step", disable=args.quiet, leave=False)
    written: list[Path] = []
    try:
        for i, rgb in enumerate(images):
            bar.set_description(contents[i].name)
            tiles = [("content", rgb), ("style", style_rgb)]
            seed = None if args.seed is None else args.seed + i
            if stylizer.fast or stylizer.one_pass:  # only the wanted steps (compiled; or one pass each)
                results = stylizer.sequence(to_tensor(rgb), code, steps).items()
            else:
                results = stylizer.iterate(to_tensor(rgb), code, steps[-1], stochastic=args.stochastic,
                                           seed=seed)
            done = 0
            for t, out in results:
                bar.update(t - done)
                done = t
                if t in steps:
                    result = to_array(out)
                    written.append(write_image(files[(i, t)], result))
                    tiles.append((f"step {t}", result))
            if i in sheets:
                written.append(write_image(sheets[i], contact_sheet(tiles)))
    except torch.cuda.OutOfMemoryError:
        raise UserError("out of GPU memory: use --size to shrink the images or --device cpu") from None
    finally:
        bar.close()
    elapsed = time.perf_counter() - start
    for path in written:
        print(path)
    print(f"wrote {len(written)} file(s) in {elapsed:.2f} s on {stylizer.device} ({stylizer.precision})")
    return 0
