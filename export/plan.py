"""The export plan: ``ExportOptions`` checked and resolved before any work is done (no weights
loaded, no torch imported): the target and variant records, the opset, the internal-scale factor,
the rewrites, the outputs and the files to write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rlministyler.training.weights import resolve_model  # torch-free

from rlministyler.errors import UserError
from rlministyler.spec import (
    MIN_SIZE,
    REWRITES,
    SIZE_MULTIPLE,
    STYLE_SIZE,
    UPSAMPLERS,
    internal_scale_error,
    internal_scale_factor,
    parse_hxw,
    step_error,
)

from . import triton  # its path helpers import no onnx
from .targets import PRECISIONS, TARGETS, VARIANTS, Target, Variant


@dataclass
class ExportOptions:
    """Everything ``rlministyler export`` takes; see ``export --help``."""

    output: Path
    steps: int
    all_steps: bool = False
    variant: str = "full"
    style: Path | None = None
    target: str = "onnxruntime"
    precision: str = "fp32"
    size: tuple[int, int] | None = None
    opset: int | None = None
    checkpoint: str | None = None
    calibration: Path | None = None
    verify_images: tuple[Path, Path] | None = None
    style_size: int = STYLE_SIZE
    verify: bool = True
    quiet: bool = False
    rewrites: tuple[str, ...] | None = None  # None: the target's default_rewrites
    internal_scale: float = 1.0  # run the steps at this fraction of each side (export/internal_scale.py)
    upsample: str = "guided"  # how the internal scale comes back: guided or bilinear
    model: str = "official"  # official (the step sequence), distilled, or a distilled model's path
    step_input: bool = False  # a distilled model's step as an input (STEP_INPUT): one output, every step


@dataclass(frozen=True)
class ExportPlan:
    """What an export will do, every option checked."""

    opts: ExportOptions
    target: Target
    variant: Variant
    opset: int
    factor: int  # the internal scale is 1/factor (1: the steps run at the frame's size)
    rewrites: tuple[str, ...]  # asked for; the ones that apply are recorded after tracing
    output_steps: dict[str, int]  # each frame-model output and the step it shows
    files: dict[str, Path]  # "main" (the frame model) and, with a style encoder, "style"
    sidecar: Path
    distilled: Path | None = None  # the one-pass model's file (None: the official sequence)
    repository: Path | None = None  # a repository target's -o; ``files`` are then in its staging folder


def size_error(height: int, width: int, multiple: int = SIZE_MULTIPLE) -> str | None:
    """Why a static frame size cannot be exported (None when it can)."""
    if height % multiple or width % multiple or min(height, width) < MIN_SIZE:
        return f"height and width must be multiples of {multiple} and at least {MIN_SIZE}"
    return None


def parse_size(text: str) -> tuple[int, int]:
    """``HxW`` (e.g. ``512x512``), both multiples of 4 and at least 8."""
    try:
        h, w = parse_hxw(text)
    except ValueError:
        raise UserError(f"invalid --size {text!r}: use HxW, e.g. 512x512 or 720x1280") from None
    problem = size_error(h, w)
    if problem:
        raise UserError(f"invalid --size {text}: {problem} (the runtime pads frames to fit)")
    return h, w


def scale_factor(internal_scale: float) -> int:
    """The whole downsampling factor N of ``internal_scale`` = 1/N (0.5 -> 2, 0.25 -> 4)."""
    factor = internal_scale_factor(internal_scale)
    if factor is None:
        raise UserError(internal_scale_error(internal_scale))
    return factor


def output_steps(steps: int, all_steps: bool) -> dict[str, int]:
    """The frame model's outputs and their steps: ``stylized`` (step K), or ``step_1`` .. ``step_K``."""
    if all_steps:
        return {f"step_{t}": t for t in range(1, steps + 1)}
    return {"stylized": steps}


def _records(opts: ExportOptions) -> tuple[Target, Variant]:
    problem = step_error(opts.steps)
    if problem:
        raise UserError(problem)
    if opts.variant not in VARIANTS:
        raise UserError(f"unknown variant {opts.variant!r}: use one of {', '.join(VARIANTS)}")
    if opts.target not in TARGETS:
        raise UserError(f"unknown target {opts.target!r}: use one of {', '.join(TARGETS)}")
    if opts.precision not in PRECISIONS:
        raise UserError(f"unknown precision {opts.precision!r}: use one of {', '.join(PRECISIONS)}")
    return TARGETS[opts.target], VARIANTS[opts.variant]


def _opset(opts: ExportOptions, target: Target) -> int:
    lo, hi = target.opsets
    opset = opts.opset or target.opset
    if opts.precision == "int8":
        lo = max(lo, 13)  # per-channel QDQ needs the axis attribute of opset 13
    if not lo <= opset <= hi:
        raise UserError(f"--opset {opset} is not usable for --target {opts.target}"
                        f"{' with int8' if opts.precision == 'int8' else ''}: use {lo}"
                        + (f"..{hi}" if hi != lo else ""))
    return opset


def _internal_scale(opts: ExportOptions) -> int:
    """The factor, with the upsampler and the static size it needs checked."""
    if opts.internal_scale == 1:
        return 1
    factor = scale_factor(opts.internal_scale)
    if opts.upsample not in UPSAMPLERS:
        raise UserError(f"--upsample must be one of {', '.join(UPSAMPLERS)}")
    if opts.size and size_error(*opts.size, SIZE_MULTIPLE * factor):
        raise UserError(f"--size with --internal-scale {opts.internal_scale:g}: height and width must be "
                        f"multiples of {SIZE_MULTIPLE * factor}")
    return factor


def _check_step_input(opts: ExportOptions, target: Target, distilled: Path | None, factor: int) -> None:
    """--step-input is for one-pass models, one output, one file to run."""
    if distilled is None:
        raise UserError("--step-input needs a distilled model (--model distilled|PATH): the official "
                        "sequence's step is how many passes it runs, not an input")
    if opts.all_steps:
        raise UserError("--step-input and --all-steps: choose one (the step input already serves every "
                        "step from one output)")
    if factor > 1:
        raise UserError("--step-input with --internal-scale: not supported; export without one of them")
    if target.repository:
        raise UserError(f"--step-input cannot target {target.name}: its repository batches requests, and "
                        "requests at different steps would need different inputs; use --all-steps")


def make_plan(opts: ExportOptions) -> ExportPlan:
    """Refuse what cannot work, before any work is done; resolve the rest."""
    target, variant = _records(opts)
    if variant.needs_style and opts.style is None:
        raise UserError(f"--variant {variant.name} needs --style IMAGE: the style to fold into the model")
    if opts.precision not in target.precisions:
        raise UserError(f"--precision {opts.precision} cannot target {opts.target}: use "
                        f"{' or '.join(target.precisions)}"
                        + (" (Unity's importer has no QuantizeLinear/DequantizeLinear; Unity quantises "
                           "weights itself with ModelQuantizer)" if target.importer else ""))
    if opts.precision == "int8":
        if opts.calibration is None:
            raise UserError("--precision int8 needs --calibration DIR: a folder of typical frames")
        if not Path(opts.calibration).is_dir():
            raise UserError(f"calibration folder not found: {opts.calibration}")
    if target.static_size and opts.size is None:
        raise UserError(f"--target {target.name} needs --size HxW: it imports static shapes only")
    problem = size_error(*opts.size) if opts.size is not None else None
    if problem:
        raise UserError(f"invalid --size {opts.size[0]}x{opts.size[1]}: {problem}")
    unknown = [r for r in (opts.rewrites or ()) if r not in REWRITES]
    if unknown:
        raise UserError(f"unknown rewrite {unknown[0]!r}: use some of {', '.join(REWRITES)} or none")
    opset = _opset(opts, target)
    out = Path(opts.output)
    if target.repository:
        triton.check_destination(out)
    else:
        if out.suffix.lower() != ".onnx":
            raise UserError(f"-o {out}: the output file must end in .onnx")
        if out.is_dir() or (out.parent.exists() and not out.parent.is_dir()):
            raise UserError(f"cannot write {out}")
    factor = _internal_scale(opts)
    distilled = resolve_model(opts.model)
    if opts.step_input:
        _check_step_input(opts, target, distilled, factor)
    rewrites = target.default_rewrites if opts.rewrites is None else tuple(opts.rewrites)
    if distilled is not None and "fold-modulation" in rewrites:
        if opts.rewrites is not None:
            raise UserError("--rewrites fold-modulation folds one style code into the weights; a distilled "
                            "model reads a different code at each step")
        rewrites = tuple(r for r in rewrites if r != "fold-modulation")
    files, sidecar, repository = {"main": out}, out.with_suffix(".json"), None
    if variant.style_encoder:
        files["style"] = out.with_name(f"{out.stem}_style.onnx")
    if target.repository:  # built in a staging folder, renamed to -o once checked
        staging = triton.staging_folder(out)
        files, sidecar, repository = triton.repository_files(staging, variant.style_encoder), \
            staging / triton.SIDECAR, out
    return ExportPlan(opts=opts, target=target, variant=variant, opset=opset, factor=factor,
                      rewrites=rewrites, output_steps=output_steps(opts.steps, opts.all_steps), files=files,
                      sidecar=sidecar, distilled=distilled, repository=repository)
