"""``rlministyler export`` by stage: plan (every check, before any work), inputs, rewrites and
tracing, simplification, precision, verification, description and writing."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from rlministyler.training.model import Actor, Builder, load_pair
from rlministyler.training.sequence import TorchStylizer
from rlministyler.training.weights import OFFICIAL_FILES, resolve_checkpoint_dir

from rlministyler.contract import Verification
from rlministyler.errors import UserError
from rlministyler.onnx_fp16 import to_fp16

from . import triton
from .describe import describe, write_export
from .importer import check_written, drop_ignored
from .inputs import calibration_feeds, load_inputs
from .layer_costs import conv_macs_per_pixel
from .plan import ExportOptions, make_plan
from .precision import to_int8
from .rewrites import rewritten_pair
from .trace import name_output_dims, node_count, simplify, trace_models
from .verification import verify_export

__all__ = ["ExportOptions", "ExportResult", "export_model"]
OFFICIAL_NAMES = tuple(w.name for w in OFFICIAL_FILES)


@dataclass
class ExportResult:
    files: list[Path]
    sidecar: Path
    metadata: dict
    nodes_before: int
    nodes_after: int
    seconds: float
    max_abs_diff: dict[str, float] = field(default_factory=dict)
    psnr: dict[str, float] = field(default_factory=dict)
    float64_max_abs_diff: dict[str, dict[str, float]] = field(default_factory=dict)


def _load_model(plan) -> tuple[Actor, Builder, torch.nn.Module | None, list[Path], TorchStylizer]:
    """The model the plan exports: actor, builder, the step table (None for the official sequence),
    the weight files, and the PyTorch stylizer verification compares the ONNX model with."""
    if plan.distilled is None:
        checkpoint = resolve_checkpoint_dir(plan.opts.checkpoint)
        actor, builder = load_pair(checkpoint)
        return actor, builder, None, [checkpoint / name for name in OFFICIAL_NAMES], \
            TorchStylizer(actor, builder, "cpu")
    from rlministyler.training.distill.checkpoint import load_distilled
    from rlministyler.training.distill.stylizer import OnePassTorchStylizer

    model, record = load_distilled(plan.distilled)
    if plan.opts.steps > record["max_steps"]:
        raise UserError(f"--steps {plan.opts.steps}: {plan.distilled} serves steps 1..{record['max_steps']}")
    reference = OnePassTorchStylizer(model, "cpu")
    return model.actor, model.builder, model.conditioning, [plan.distilled], reference


def export_model(opts: ExportOptions) -> ExportResult:
    """Export, simplify, convert, verify and write the model(s) plus the JSON sidecar."""
    plan = make_plan(opts)
    if plan.repository is None:
        return _export(plan)
    try:
        return _export(plan)
    finally:  # the staging folder is ours; renamed to -o when the repository passed its check
        shutil.rmtree(plan.sidecar.parent, ignore_errors=True)


def _export(plan) -> ExportResult:
    opts = plan.opts
    log = (lambda *a: None) if opts.quiet else print
    start = time.perf_counter()
    actor, builder, conditioning, weights, reference = _load_model(plan)
    for path in plan.files.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    inputs = load_inputs(plan)

    rewritten_actor, rewritten_builder, applied = rewritten_pair(plan, actor, builder, inputs.style)
    models = trace_models(plan, rewritten_actor, rewritten_builder, inputs.style, conditioning)
    nodes_before = node_count(models)
    models = {key: simplify(model) for key, model in models.items()}
    name_output_dims(models["main"], opts.size)
    log(f"onnxsim: {nodes_before} nodes -> {node_count(models)}")

    int8 = None
    if opts.precision == "fp16":
        models = {key: to_fp16(model) for key, model in models.items()}
    elif opts.precision == "int8":
        feeds = calibration_feeds(plan, inputs, models.get("style"))
        models["main"], int8 = to_int8(models["main"], feeds, log=log)
    drop_ignored(models, plan.target, log)  # before verification, which proves this changes nothing

    # in memory: a model that fails is never written
    verification = verify_export(plan, models, reference, inputs, log) if opts.verify else None
    # the Unity sample spreads an inference over frames by these
    conv_macs = conv_macs_per_pixel(models["main"]) if plan.target.urp else None
    meta = describe(plan, weights, inputs.style, applied, int8, verification, conv_macs)
    write_export(plan, models, meta)
    files, sidecar = list(plan.files.values()), plan.sidecar
    check_written(files, plan.sidecar, plan.target, log)  # what the engine will import
    if plan.repository is not None:
        files = triton.finish_repository(plan.sidecar.parent, plan.repository, models, log)
        sidecar = plan.repository / triton.SIDECAR
    measured = verification or Verification()
    return ExportResult(files, sidecar, meta.to_dict(), nodes_before, node_count(models),
                        time.perf_counter() - start, max_abs_diff=measured.max_abs_diff or {},
                        psnr=measured.psnr_db or {}, float64_max_abs_diff=measured.float64_max_abs_diff or {})
