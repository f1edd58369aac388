"""The export's description: its metadata, built once from the plan and what the stages found, put
into each model (with the file's ``role``) and into the JSON sidecar, and every file written at once."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import numpy as np
import onnx
from rlministyler.runtime.upsample import GUIDED_EPS, GUIDED_RADIUS
from rlministyler.training.weights import OFFICIAL_FILES, sha256_of

from rlministyler import __version__
from rlministyler.contract import (
    FORMAT,
    METADATA_KEY,
    STEP_INPUT_FORMAT,
    ExportMetadata,
    Files,
    GuidedFilter,
    Int8Summary,
    Output,
    StyleEncoder,
    Tensor,
    Verification,
)
from rlministyler.safety import write_all
from rlministyler.spec import MIN_SIZE, SIZE_MULTIPLE

from .plan import ExportPlan
from .targets import STEP_INPUT, STYLE_TENSORS
from .unrolled import STYLE_CHANNELS


def describe(plan: ExportPlan, weights: list[Path], style: np.ndarray | None, rewrites: list[str],
             int8: dict | None, verification: Verification | None,
             conv_macs: list[float] | None = None) -> ExportMetadata:
    """The metadata of the export ``plan`` made: ``weights`` the weight files (the official pair, or a
    distilled model's file: ``checkpoint_sha256`` names which), ``style`` the
    --style image as read, ``rewrites`` those applied, ``int8`` the int8 search's summary,
    ``conv_macs`` the frame model's convolution costs (export/layer_costs.py)."""
    opts, variant = plan.opts, plan.variant
    h, w = opts.size if opts.size else ("height", "width")
    batch = 1 if opts.size else "batch"
    style_batch = "batch" if plan.target.batched_style else 1
    style_hw = opts.size if plan.target.static_size else ("style_height", "style_width")
    style_shape = [style_batch, 3, *style_hw]
    tensors = {n: Tensor(n, [style_batch, STYLE_CHANNELS[n[len("style_"):]], 1, 1], "float32")
               for n in STYLE_TENSORS}
    tensors["style"] = Tensor("style", style_shape, "float32")
    digests = {path.name: sha256_of(path) for path in weights}
    official = {w.name: w.sha256 for w in OFFICIAL_FILES}
    baked = style is not None and variant.needs_style
    scaled = plan.factor > 1
    return ExportMetadata(
        format=FORMAT, format_version=STEP_INPUT_FORMAT if opts.step_input else 1,
        package_version=__version__,
        variant=variant.name, steps=opts.steps, all_steps=opts.all_steps,
        outputs=[Output(n, [batch, 3, h, w], "float32", t) for n, t in plan.output_steps.items()],
        inputs=[Tensor("content", [batch, 3, h, w], "float32"), *(tensors[n] for n in variant.extra_inputs),
                *((Tensor(STEP_INPUT, [1], "int64"),) if opts.step_input else ())],
        layout="NCHW", color="RGB", value_range=[0.0, 1.0],
        # the inner graph of an internal scale gets whole pixels: sizes are multiples of 4 x the factor
        size_multiple=SIZE_MULTIPLE * plan.factor, min_size=MIN_SIZE * plan.factor,
        static_size=list(opts.size) if opts.size else None,
        precision=opts.precision, io_dtype="float32", opset=plan.opset, target=plan.target.name,
        checkpoint_sha256=digests,
        checkpoint_official=all(official.get(name) == digest for name, digest in digests.items()),
        files=Files(model=plan.files["main"].name,
                    style_encoder=plan.files["style"].name if variant.style_encoder else None),
        rewrites=list(rewrites),
        style_encoder=(StyleEncoder([tensors["style"]], [tensors[n] for n in STYLE_TENSORS])
                       if variant.style_encoder else None),
        style_sha256=sha256_of(Path(opts.style)) if baked else None,
        style_file=Path(opts.style).name if baked else None,
        style_size=list(style.shape[:2]) if baked else None,
        int8=Int8Summary(**int8) if int8 else None,
        verification=verification,
        # the Unity sample reads internal_scale and upsample
        internal_scale=1.0 / plan.factor if scaled else None,
        upsample=opts.upsample if scaled else None,
        guided_filter=(GuidedFilter(radius=GUIDED_RADIUS, eps=GUIDED_EPS, guide="rgb")
                       if scaled and opts.upsample == "guided" else None),
        conv_macs=[round(c, 1) for c in conv_macs] if conv_macs else None,
        step_input=STEP_INPUT if opts.step_input else None,
        one_pass=True if plan.distilled is not None else None)


def embed_metadata(model: onnx.ModelProto, meta: ExportMetadata) -> None:
    """``meta`` as the model's metadata: the JSON under METADATA_KEY, plus a few plain entries."""
    del model.metadata_props[:]
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(meta.to_dict(), sort_keys=True)
    for key in ("variant", "steps", "precision", "target"):  # for tools that show the plain entries
        entry = model.metadata_props.add()
        entry.key, entry.value = f"{METADATA_KEY}.{key}", str(getattr(meta, key))
    model.producer_name, model.producer_version = "rlministyler", __version__


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)


def _save(model: onnx.ModelProto, path: Path) -> None:
    onnx.save(model, str(path))


def write_export(plan: ExportPlan, models: dict[str, onnx.ModelProto], meta: ExportMetadata) -> None:
    """Every model with its metadata, and the sidecar: all files or none (no half of a split export)."""
    for key, model in models.items():
        embed_metadata(model, dataclasses.replace(meta, role="style_encoder" if key == "style" else "frame"))
    write_all({**{plan.files[k]: functools.partial(_save, m) for k, m in models.items()},
               plan.sidecar: lambda tmp: write_json(tmp, meta.to_dict())})
