"""``rlministyler export``: trace, simplify, convert, verify and describe an unrolled model."""

from __future__ import annotations

import copy
import dataclasses
import functools
import io
import json
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
import torch
from rlministyler.training.model import Actor, Builder, load_pair
from rlministyler.training.sequence import MAX_STEPS, MIN_SIZE, MULTIPLE, to_tensor
from rlministyler.training.weights import resolve_checkpoint_dir, sha256_of, verify_official

from rlministyler import __version__
from rlministyler.contract import (
    FORMAT,
    FORMAT_VERSION,
    METADATA_KEY,
    ExportMetadata,
    Files,
    Int8Summary,
    Output,
    StyleEncoder,
    Tensor,
    Verification,
)
from rlministyler.errors import UserError
from rlministyler.spec import REWRITES

from .graphs import (
    STYLE_CHANNELS,
    STYLE_TENSORS,
    BakedGraph,
    FrameGraph,
    FullGraph,
    StyleEncoderGraph,
    apply_rewrites,
    densify_grouped_convs,
    output_names,
    use_phase_upsampling,
)
from .internal_scale import internal_scale_metadata, scaled_graph, verify_internal_scale
from .precision import CALIBRATION_FRAMES, psnr
from .targets import PRECISIONS, TARGETS, VARIANTS, Variant


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
    style_size: int = 256
    verify: bool = True
    quiet: bool = False
    rewrites: tuple[str, ...] | None = None  # None: the target's default_rewrites
    internal_scale: float = 1.0  # run the steps at this fraction of each side (export/internal_scale.py)
    upsample: str = "guided"  # how the internal scale comes back: guided or bilinear


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


def parse_size(text: str) -> tuple[int, int]:
    """``HxW`` (e.g. ``512x512``), both multiples of 4 and at least 8."""
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UserError(f"invalid --size {text!r}: use HxW, e.g. 512x512 or 720x1280") from None
    if h % MULTIPLE or w % MULTIPLE or min(h, w) < MIN_SIZE:
        raise UserError(f"invalid --size {text}: height and width must be multiples of {MULTIPLE} "
                        f"and at least {MIN_SIZE} (the runtime pads frames to fit)")
    return h, w


def check_options(opts: ExportOptions) -> int:
    """Refuse what cannot work, before any work is done; returns the opset to use."""
    if not 1 <= opts.steps <= MAX_STEPS:
        raise UserError(f"--steps {opts.steps} is out of range: steps go from 1 to {MAX_STEPS}")
    if opts.variant not in VARIANTS:
        raise UserError(f"unknown variant {opts.variant!r}: use one of {', '.join(VARIANTS)}")
    if opts.target not in TARGETS:
        raise UserError(f"unknown target {opts.target!r}: use one of {', '.join(TARGETS)}")
    if opts.precision not in PRECISIONS:
        raise UserError(f"unknown precision {opts.precision!r}: use one of {', '.join(PRECISIONS)}")
    target, variant = TARGETS[opts.target], VARIANTS[opts.variant]
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
    unknown = [r for r in (opts.rewrites or ()) if r not in REWRITES]
    if unknown:
        raise UserError(f"unknown rewrite {unknown[0]!r}: use some of {', '.join(REWRITES)} or none")
    lo, hi = target.opsets
    opset = opts.opset or target.opset
    if opts.precision == "int8":
        lo = max(lo, 13)  # per-channel QDQ needs the axis attribute of opset 13
    if not lo <= opset <= hi:
        raise UserError(f"--opset {opset} is not usable for --target {opts.target}"
                        f"{' with int8' if opts.precision == 'int8' else ''}: use {lo}"
                        + (f"..{hi}" if hi != lo else ""))
    out = Path(opts.output)
    if out.suffix.lower() != ".onnx":
        raise UserError(f"-o {out}: the output file must end in .onnx")
    if out.is_dir() or (out.parent.exists() and not out.parent.is_dir()):
        raise UserError(f"cannot write {out}")
    return opset


def _node_count(model: onnx.ModelProto) -> int:
    return len(model.graph.node)


def _trace(module: torch.nn.Module, args: tuple, input_names: list[str], outputs: list[str],
           dynamic: dict, opset: int) -> onnx.ModelProto:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), args, buffer, opset_version=opset, dynamo=False,
                          input_names=input_names, output_names=outputs,
                          dynamic_axes=dynamic or None, do_constant_folding=True)
    return onnx.load_from_string(buffer.getvalue())


def _simplify(model: onnx.ModelProto) -> onnx.ModelProto:
    import onnxsim

    simplified, ok = onnxsim.simplify(model)
    if not ok:
        raise UserError("onnxsim could not validate the simplified model")
    return simplified


def _name_output_dims(model: onnx.ModelProto, size: tuple[int, int] | None) -> None:
    """Outputs have the content's shape; say so instead of the names shape inference invents."""
    dims = [1, 3, *size] if size else ["batch", 3, "height", "width"]
    for output in model.graph.output:
        shape = output.type.tensor_type.shape
        for dim, value in zip(shape.dim, dims, strict=True):
            dim.Clear()
            if isinstance(value, int):
                dim.dim_value = value
            else:
                dim.dim_param = value


def _set_metadata(model: onnx.ModelProto, meta: ExportMetadata) -> None:
    del model.metadata_props[:]
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(meta.to_dict(), sort_keys=True)
    for key in ("variant", "steps", "precision", "target"):  # for tools that show the plain entries
        entry = model.metadata_props.add()
        entry.key, entry.value = f"{METADATA_KEY}.{key}", str(getattr(meta, key))
    model.producer_name, model.producer_version = "rlministyler", __version__


def _read_rgb(path: Path, shorter: int) -> np.ndarray:
    from rlministyler.images import read_image, resize_shorter

    return resize_shorter(read_image(path), shorter)


def _resize(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2

    return np.clip(cv2.resize(rgb, (size[1], size[0]), interpolation=cv2.INTER_AREA), 0.0, 1.0)


def _fit(rgb: np.ndarray, size: tuple[int, int] | None, shorter: int = 256) -> np.ndarray:
    """A verification frame: the export's static size, or shorter side ``shorter``, multiple of 4."""
    from rlministyler.images import resize_shorter

    if size is not None:
        return _resize(rgb, size)
    rgb = resize_shorter(rgb, shorter)
    h, w = rgb.shape[:2]
    return np.ascontiguousarray(rgb[: h - h % MULTIPLE, : w - w % MULTIPLE])


def _synthetic_pair(size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A structured stand-in when no real images are given (edges, gradients, texture)."""
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    content = np.stack([xx / w, yy / h, 0.5 + 0.5 * np.sin(xx / 7.0) * np.cos(yy / 11.0)], -1)
    content[(xx // 32 + yy // 32) % 2 == 0] *= 0.6
    rng = np.random.default_rng(0)
    style = np.clip(rng.random((128, 128, 3), dtype=np.float32) * 0.3
                    + np.array([0.8, 0.4, 0.2], np.float32), 0, 1)
    return content.astype(np.float32), style.astype(np.float32)


def export_model(opts: ExportOptions) -> ExportResult:
    """Export, simplify, convert, verify and write the model(s) plus the JSON sidecar."""
    opset = check_options(opts)
    target, variant = TARGETS[opts.target], VARIANTS[opts.variant]
    log = (lambda *a: None) if opts.quiet else print
    start = time.perf_counter()
    ckpt_dir = resolve_checkpoint_dir(opts.checkpoint)
    actor, builder = load_pair(ckpt_dir)
    out = Path(opts.output)
    out.parent.mkdir(parents=True, exist_ok=True)

    style_rgb = _read_rgb(opts.style, opts.style_size) if opts.style is not None else None
    verify_content = verify_style = None
    if opts.verify_images:
        verify_content = _read_rgb(opts.verify_images[0], 0)
        verify_style = _read_rgb(opts.verify_images[1], opts.style_size)
    if variant.needs_style or verify_style is None:
        verify_style = style_rgb if style_rgb is not None else verify_style
    calibration = _calibration_images(Path(opts.calibration), opts.size) if opts.calibration else None

    export_actor, export_builder = copy.deepcopy(actor), copy.deepcopy(builder)
    rewrites = target.default_rewrites if opts.rewrites is None else tuple(opts.rewrites)
    baked_code = None
    if variant.needs_style and "fold-modulation" in rewrites:
        with torch.no_grad():
            baked_code = actor.encode_style(to_tensor(style_rgb))
    applied = apply_rewrites(export_actor, export_builder, rewrites, baked_code)
    if target.dense_convs:
        use_phase_upsampling(export_builder)
        densify_grouped_convs(export_actor)
        densify_grouped_convs(export_builder)
    outputs = output_names(opts.steps, opts.all_steps)
    h, w = opts.size or (64, 64)
    dummy = torch.rand(1, 3, h, w)
    content_dims = {} if opts.size else {0: "batch", 2: "height", 3: "width"}
    style_dims = {} if target.static_size else {2: "style_height", 3: "style_width"}
    style_hw = (opts.size or (64, 64)) if target.static_size else (64, 64)

    models: dict[str, onnx.ModelProto] = {}
    if opts.variant == "full":
        graph = FullGraph(export_actor, export_builder, opts.steps, opts.all_steps)
        dyn = {"content": content_dims, **({"style": style_dims} if style_dims else {})}
        models["main"] = _trace(scaled_graph(graph, opts), (dummy, torch.rand(1, 3, *style_hw)),
                                ["content", "style"], outputs, {k: v for k, v in dyn.items() if v}, opset)
    elif opts.variant == "baked":
        graph = BakedGraph(export_actor, export_builder, opts.steps, opts.all_steps, to_tensor(style_rgb))
        models["main"] = _trace(scaled_graph(graph, opts), (dummy,), ["content"], outputs,
                                {"content": content_dims} if content_dims else {}, opset)
    else:
        code = export_actor.encode_style(torch.rand(1, 3, *style_hw))
        graph = FrameGraph(export_actor, export_builder, opts.steps, opts.all_steps)
        models["main"] = _trace(scaled_graph(graph, opts), (dummy, *code), ["content", *STYLE_TENSORS],
                                outputs, {"content": content_dims} if content_dims else {}, opset)
        models["style"] = _trace(StyleEncoderGraph(export_actor), (torch.rand(1, 3, *style_hw),), ["style"],
                                 list(STYLE_TENSORS), {"style": style_dims} if style_dims else {}, opset)

    int8_summary: dict = {}
    nodes_before = sum(_node_count(m) for m in models.values())
    models = {k: _simplify(m) for k, m in models.items()}
    _name_output_dims(models["main"], opts.size)
    nodes_after = sum(_node_count(m) for m in models.values())
    log(f"onnxsim: {nodes_before} nodes -> {nodes_after}")

    from .precision import to_fp16, to_int8

    if opts.precision == "fp16":
        models = {k: to_fp16(m) for k, m in models.items()}
    elif opts.precision == "int8":
        models["main"], int8_summary = to_int8(models["main"], _calibration_feeds(
            opts, calibration, style_rgb if style_rgb is not None else verify_style, models.get("style")),
            log=log)

    if target.importer:  # before verification, which proves this changes nothing
        from .unity_check import drop_ignored_attributes

        dropped = [d for m in models.values() for d in drop_ignored_attributes(m, target.importer)]
        if dropped:
            log(f"{opts.target}: removed {len(dropped)} attribute(s) the importer ignores and warns about")

    files = {"main": out}
    if "style" in models:
        files["style"] = out.with_name(f"{out.stem}_style.onnx")
    sidecar = out.with_suffix(".json")
    meta = _metadata(opts, opset, outputs, ckpt_dir, files, style_rgb)
    meta.rewrites = list(applied)
    if int8_summary:
        meta.int8 = Int8Summary(**int8_summary)
    result = ExportResult(list(files.values()), sidecar, meta.to_dict(), nodes_before,
                          sum(_node_count(m) for m in models.values()), 0.0)
    if opts.internal_scale != 1:  # the contract checks the keys internal_scale.py adds
        meta = ExportMetadata.from_dict({**meta.to_dict(), **internal_scale_metadata(opts)}, out)
    if opts.verify and opts.internal_scale != 1:  # against the runtime's own upsampler
        meta = ExportMetadata.from_dict(
            {**meta.to_dict(), "verification": verify_internal_scale(models, opts, actor, builder, log)}, out)
    elif opts.verify:  # in memory: a model that fails is never written
        if verify_content is None:
            verify_content, synthetic_style = _synthetic_pair(opts.size or (128, 160))
            verify_style = verify_style if verify_style is not None else synthetic_style
            log("verifying on a synthetic image pair (pass --verify CONTENT STYLE for real images)")
        if target.static_size:  # static style input: the frame size
            verify_style = _resize(verify_style, opts.size)
        _verify(result, models, opts, actor, builder, _fit(verify_content, opts.size), verify_style, log)
        meta.verification = Verification(max_abs_diff=result.max_abs_diff, psnr_db=result.psnr,
                                         float64_max_abs_diff=result.float64_max_abs_diff or None)
    result.metadata = meta.to_dict()
    for key, model in models.items():
        _set_metadata(model, dataclasses.replace(meta, role="style_encoder" if key == "style" else "frame"))
    from rlministyler.safety import write_all  # every file or none: no half of a split export
    write_all({**{files[k]: functools.partial(_save_to, m) for k, m in models.items()},
               sidecar: lambda tmp: _write_json(tmp, result.metadata)})
    if target.importer:  # what the engine will import: check-unity on the written files
        from .unity_check import check_model

        for path in files.values():
            report = check_model(path, target.importer)
            if not report.ok:
                for written in (*files.values(), sidecar):
                    written.unlink(missing_ok=True)
                more = f" (and {len(report.failures) - 1} more)" if len(report.failures) > 1 else ""
                raise UserError(f"check-unity --engine {target.importer} fails on {path}: "
                                f"{report.failures[0]}{more}; nothing was written")
            for line in report.importer_warnings:
                log(f"check-unity: importer warning: {line}")
    result.seconds = time.perf_counter() - start
    return result


def _save(model: onnx.ModelProto, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        onnx.save(model, str(tmp))
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {exc.strerror}") from None


def _save_to(model: onnx.ModelProto, tmp: Path) -> None:
    onnx.save(model, str(tmp))


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)


def _metadata(opts: ExportOptions, opset: int, outputs: list[str], ckpt_dir: Path,
              files: dict[str, Path], style_rgb: np.ndarray | None) -> ExportMetadata:
    h, w = opts.size if opts.size else ("height", "width")
    batch = 1 if opts.size else "batch"
    frame_inputs = [Tensor("content", [batch, 3, h, w], "float32")]
    static_style = TARGETS[opts.target].static_size
    style_shape = [1, 3, *(opts.size if static_style else ("style_height", "style_width"))]
    variant = VARIANTS[opts.variant]
    tensors = {n: Tensor(n, [1, STYLE_CHANNELS[n[len("style_"):]], 1, 1], "float32") for n in STYLE_TENSORS}
    tensors["style"] = Tensor("style", style_shape, "float32")
    frame_inputs += [tensors[n] for n in variant.extra_inputs]
    official = verify_official(ckpt_dir)
    baked = style_rgb is not None and opts.variant == "baked"
    return ExportMetadata(
        format=FORMAT, format_version=FORMAT_VERSION, package_version=__version__,
        variant=opts.variant, steps=opts.steps, all_steps=opts.all_steps,
        outputs=[Output(n, [batch, 3, h, w], "float32", i + 1 if opts.all_steps else opts.steps)
                 for i, n in enumerate(outputs)],
        inputs=frame_inputs, layout="NCHW", color="RGB", value_range=[0.0, 1.0],
        size_multiple=MULTIPLE, min_size=MIN_SIZE, static_size=list(opts.size) if opts.size else None,
        precision=opts.precision, io_dtype="float32", opset=opset, target=opts.target,
        checkpoint_sha256={name: sha256_of(ckpt_dir / name) for name in official},
        checkpoint_official=all(official.values()),
        files=Files(model=files["main"].name,
                    style_encoder=files["style"].name if variant.style_encoder else None),
        style_encoder=(StyleEncoder([tensors["style"]], [tensors[n] for n in STYLE_TENSORS])
                       if variant.style_encoder else None),
        style_sha256=sha256_of(Path(opts.style)) if baked else None,
        style_file=Path(opts.style).name if baked else None,
        style_size=list(style_rgb.shape[:2]) if baked else None)


def _calibration_images(folder: Path, size: tuple[int, int] | None) -> list[np.ndarray]:
    from rlministyler.images import READ_EXTENSIONS

    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in READ_EXTENSIONS)
    images = []
    for path in paths[:CALIBRATION_FRAMES]:
        try:  # one size for all: the calibrator stacks the activations of every image
            images.append(_resize(_read_rgb(path, 0), size or (256, 256)))
        except UserError:
            continue
    if not images:
        raise UserError(f"no readable images in calibration folder {folder}")
    return images


def _calibration_feeds(opts: ExportOptions, images: list[np.ndarray], style_rgb: np.ndarray | None,
                       style_model: onnx.ModelProto | None) -> list[dict[str, np.ndarray]]:
    """Inputs for int8 calibration: each calibration frame with the style the model will see."""
    if style_rgb is None:
        style_rgb = _synthetic_pair((MIN_SIZE, MIN_SIZE))[1]
    extra = _style_feeds(VARIANTS[opts.variant], to_tensor(style_rgb).numpy(), style_model)
    return [{"content": to_tensor(img).numpy(), **extra} for img in images]


def _style_feeds(variant: Variant, style: np.ndarray, style_model: onnx.ModelProto | None
                 ) -> dict[str, np.ndarray]:
    """The frame model's inputs besides the content, for ``variant``: the style image itself, the
    style encoder's tensors, or nothing (baked)."""
    import onnxruntime as ort

    available = {"style": style}
    if variant.style_encoder:
        so = ort.SessionOptions()
        so.log_severity_level = 3
        session = ort.InferenceSession(style_model.SerializeToString(), so,
                                       providers=["CPUExecutionProvider"])
        available.update(zip(STYLE_TENSORS, session.run(list(STYLE_TENSORS), {"style": style}), strict=True))
    return {name: available[name] for name in variant.extra_inputs}


TOLERANCE = {"fp32": {"max_abs": 1e-3}, "fp16": {"psnr": 30.0}, "int8": {"psnr": 30.0}}


def _float64_check(failures: list[str], got: dict[str, np.ndarray], expected: dict[str, np.ndarray],
                   stylizer, content: np.ndarray, style: np.ndarray, step_of: dict[str, int], tol: float,
                   result: ExportResult, log) -> list[str]:
    """Second opinion for fp32 outputs beyond ``tol``: some inputs make the deep steps amplify
    float32 rounding, so that PyTorch float32 itself strays from the exact (float64) sequence by
    more than ``tol``. Such a step passes when ONNX is no farther from float64 than PyTorch
    float32 is (with 25% slack), i.e. the difference is rounding, not a wrong graph. ``expected``
    holds PyTorch's clamped float32 outputs, as verification computed them."""
    actor64 = copy.deepcopy(stylizer.actor).double()
    builder64 = copy.deepcopy(stylizer.builder).double()
    last = max(step_of[n] for n in failures)
    exact: dict[int, np.ndarray] = {}
    with torch.inference_mode():
        code = actor64.encode_style(torch.from_numpy(style).double())
        moving = torch.from_numpy(content).double()
        for t in range(1, last + 1):
            moving = builder64(actor64.act(moving, None), code)
            exact[t] = moving.clamp(0, 1).numpy()
    still = []
    result.float64_max_abs_diff = {}
    for name in failures:
        t = step_of[name]
        onnx64 = float(np.abs(got[name] - exact[t]).max())
        torch32 = float(np.abs(expected[name] - exact[t]).max())
        result.float64_max_abs_diff[name] = {"onnx": onnx64, "pytorch_fp32": torch32}
        ok = onnx64 <= max(tol, 1.25 * torch32)
        log(f"verify {name}: vs float64, ONNX {onnx64:.2e}, PyTorch fp32 {torch32:.2e}: "
            + ("float32 rounding amplified by this input; accepted" if ok else "ONNX is off"))
        if not ok:
            still.append(name)
    return still


def _verify(result: ExportResult, models: dict[str, onnx.ModelProto], opts: ExportOptions,
            actor: Actor, builder: Builder, content: np.ndarray, style: np.ndarray, log) -> None:
    """Run the ONNX model(s) in onnxruntime and the PyTorch sequence on the same pair; compare."""
    import onnxruntime as ort
    from rlministyler.training.sequence import TorchStylizer

    so = ort.SessionOptions()
    so.log_severity_level = 3
    c = to_tensor(content).numpy()
    s = to_tensor(style).numpy()
    main = ort.InferenceSession(models["main"].SerializeToString(), so, providers=["CPUExecutionProvider"])
    feeds = {"content": c, **_style_feeds(VARIANTS[opts.variant], s, models.get("style"))}
    names = [o.name for o in main.get_outputs()]
    got = dict(zip(names, main.run(names, feeds), strict=True))

    stylizer = TorchStylizer(actor, builder, "cpu")
    steps = range(1, opts.steps + 1) if opts.all_steps else [opts.steps]
    ref = stylizer.sequence(torch.from_numpy(c), torch.from_numpy(s), steps=steps)
    tol = TOLERANCE[opts.precision]
    failures = []
    expected_by_name: dict[str, np.ndarray] = {}
    for name, t in zip(names, steps, strict=True):
        expected = expected_by_name[name] = ref[t].clamp(0, 1).numpy()
        diff = float(np.abs(got[name] - expected).max())
        result.max_abs_diff[name] = diff
        result.psnr[name] = round(psnr(got[name], expected), 2)
        log(f"verify {name}: max abs diff {diff:.2e}, PSNR {result.psnr[name]:.1f} dB "
            f"({content.shape[1]}x{content.shape[0]}, {opts.precision})")
        too_far = diff > tol["max_abs"] if "max_abs" in tol else result.psnr[name] < tol["psnr"]
        if not np.isfinite(got[name]).all():  # NaN compares as "not too far": refuse it outright
            raise UserError(f"verification failed for {name}: the ONNX model outputs NaN or "
                            f"infinite values; nothing was written")
        if too_far:
            failures.append(name)
    if failures and opts.precision == "fp32":
        failures = _float64_check(failures, got, expected_by_name, stylizer, c, s,
                                  dict(zip(names, steps, strict=True)), tol["max_abs"], result, log)
    if failures:
        limit = f"max abs {tol['max_abs']}" if "max_abs" in tol else f"PSNR {tol['psnr']} dB"
        raise UserError(f"verification failed for {', '.join(failures)}: ONNX and PyTorch differ "
                        f"beyond the {opts.precision} tolerance ({limit}); nothing was written")
