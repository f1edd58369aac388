"""Verification, in memory before anything is written: the ONNX model(s) in onnxruntime against
the PyTorch sequence on the same pair, within the precision's tolerance (fp32 with a float64 second
opinion); an internal-scale graph against the runtime's own upsampler instead."""

from __future__ import annotations

import copy
from collections.abc import Callable

import cv2
import numpy as np
import onnx
import torch
from rlministyler.runtime.providers import cpu_session
from rlministyler.runtime.upsample import upsample
from rlministyler.training.sequence import TorchStylizer, to_tensor

from rlministyler.contract import UpsamplerCheck, Verification
from rlministyler.errors import UserError
from rlministyler.metrics import psnr

from .inputs import ExportInputs, scaled_verification_pair, step_value, style_feeds, verification_pair
from .plan import ExportPlan
from .targets import STEP_INPUT

TOLERANCE = {"fp32": {"max_abs": 1e-3}, "fp16": {"psnr": 30.0}, "int8": {"psnr": 30.0}}
Log = Callable[[str], None]


def verify_export(plan: ExportPlan, models: dict[str, onnx.ModelProto], reference: TorchStylizer,
                  inputs: ExportInputs, log: Log) -> Verification:
    """What the check measured against ``reference`` (the official sequence, or a distilled model's
    one-pass stylizer, on the CPU in float32); a one-line UserError when an output is off."""
    if plan.factor > 1:  # against the runtime's own upsampler
        content, style = scaled_verification_pair(plan, inputs)
        return verify_internal_scale(plan, models, reference, content, style, log)
    content, style = verification_pair(plan, inputs, log)
    return verify(plan, models, reference, content, style, log)


def checked_steps(plan: ExportPlan) -> dict[str, int]:
    """What verification compares, by name, and the step of each: the outputs, or with a step
    input its one output at every step (``step_1`` .. ``step_K``)."""
    if plan.opts.step_input:
        return {f"step_{t}": t for t in range(1, plan.opts.steps + 1)}
    return plan.output_steps


def _run_onnx(plan: ExportPlan, models: dict[str, onnx.ModelProto], content: np.ndarray,
              style: np.ndarray) -> dict[str, np.ndarray]:
    """The frame model's outputs by :func:`checked_steps`' names, for NCHW ``content`` and ``style``."""
    main = cpu_session(models["main"].SerializeToString())
    feeds = {"content": content, **style_feeds(plan.variant, style, models.get("style"))}
    names = [o.name for o in main.get_outputs()]
    if plan.opts.step_input:
        return {name: main.run(names, {**feeds, STEP_INPUT: step_value(t)})[0]
                for name, t in checked_steps(plan).items()}
    return dict(zip(names, main.run(names, feeds), strict=True))


def verify(plan: ExportPlan, models: dict[str, onnx.ModelProto], stylizer: TorchStylizer,
           content: np.ndarray, style: np.ndarray, log: Log) -> Verification:
    """Run the ONNX model(s) in onnxruntime and the PyTorch model on the same pair; compare."""
    precision = plan.opts.precision
    c = to_tensor(content).numpy()
    s = to_tensor(style).numpy()
    got = _run_onnx(plan, models, c, s)
    step_of = checked_steps(plan)
    ref = stylizer.sequence(torch.from_numpy(c), torch.from_numpy(s), steps=list(step_of.values()))
    tol = TOLERANCE[precision]
    measured = Verification(max_abs_diff={}, psnr_db={})
    failures = []
    expected_by_name: dict[str, np.ndarray] = {}
    for name, t in step_of.items():
        expected = expected_by_name[name] = ref[t].clamp(0, 1).numpy()
        diff = float(np.abs(got[name] - expected).max())
        measured.max_abs_diff[name] = diff
        measured.psnr_db[name] = round(psnr(got[name], expected), 2)
        log(f"verify {name}: max abs diff {diff:.2e}, PSNR {measured.psnr_db[name]:.1f} dB "
            f"({content.shape[1]}x{content.shape[0]}, {precision})")
        too_far = diff > tol["max_abs"] if "max_abs" in tol else measured.psnr_db[name] < tol["psnr"]
        if not np.isfinite(got[name]).all():  # NaN compares as "not too far": refuse it outright
            raise UserError(f"verification failed for {name}: the ONNX model outputs NaN or "
                            f"infinite values; nothing was written")
        if too_far:
            failures.append(name)
    if failures and precision == "fp32":
        failures = float64_check(failures, got, expected_by_name, stylizer, c, s, step_of, tol["max_abs"],
                                 measured, log)
    if failures:
        limit = f"max abs {tol['max_abs']}" if "max_abs" in tol else f"PSNR {tol['psnr']} dB"
        raise UserError(f"verification failed for {', '.join(failures)}: ONNX and PyTorch differ "
                        f"beyond the {precision} tolerance ({limit}); nothing was written")
    return measured


def float64_check(failures: list[str], got: dict[str, np.ndarray], expected: dict[str, np.ndarray],
                  stylizer: TorchStylizer, content: np.ndarray, style: np.ndarray, step_of: dict[str, int],
                  tol: float, measured: Verification, log: Log) -> list[str]:
    """Second opinion for fp32 outputs beyond ``tol``: some inputs make the deep steps amplify
    float32 rounding, so that PyTorch float32 itself strays from the exact (float64) sequence by
    more than ``tol``. Such a step passes when ONNX is no farther from float64 than PyTorch
    float32 is (with 25% slack), i.e. the difference is rounding, not a wrong graph. ``expected``
    holds PyTorch's clamped float32 outputs, as verification computed them; what this measures
    goes to ``measured.float64_max_abs_diff``. Returns the outputs that still fail."""
    exact = _float64_outputs(stylizer, content, style, sorted({step_of[n] for n in failures}))
    still = []
    measured.float64_max_abs_diff = {}
    for name in failures:
        t = step_of[name]
        onnx64 = float(np.abs(got[name] - exact[t]).max())
        torch32 = float(np.abs(expected[name] - exact[t]).max())
        measured.float64_max_abs_diff[name] = {"onnx": onnx64, "pytorch_fp32": torch32}
        ok = onnx64 <= max(tol, 1.25 * torch32)
        log(f"verify {name}: vs float64, ONNX {onnx64:.2e}, PyTorch fp32 {torch32:.2e}: "
            + ("float32 rounding amplified by this input; accepted" if ok else "ONNX is off"))
        if not ok:
            still.append(name)
    return still


def _float64_outputs(stylizer: TorchStylizer, content: np.ndarray, style: np.ndarray, steps: list[int]
                     ) -> dict[int, np.ndarray]:
    """The exact (float64) outputs of ``stylizer``'s model at ``steps``, clamped: the sequence, or
    one pass per step for a distilled model."""
    actor64 = copy.deepcopy(stylizer.actor).double()
    builder64 = copy.deepcopy(stylizer.builder).double()
    table = getattr(stylizer, "conditioning", None)
    table64 = copy.deepcopy(table).double() if table is not None else None
    exact: dict[int, np.ndarray] = {}
    with torch.inference_mode():
        code = actor64.encode_style(torch.from_numpy(style).double())
        moving = torch.from_numpy(content).double()
        if table64 is not None:
            action = actor64.act(moving, None)
            for t in steps:
                step = torch.full((moving.shape[0],), t, dtype=torch.long)
                out = builder64(table64.action(action, step), table64.code(code, step))
                exact[t] = out.clamp(0, 1).numpy()
            return exact
        for t in range(1, steps[-1] + 1):
            moving = builder64(actor64.act(moving, None), code)
            exact[t] = moving.clamp(0, 1).numpy()
    return exact


def _nchw(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None]).astype(np.float32)


def verify_internal_scale(plan: ExportPlan, models: dict[str, onnx.ModelProto], stylizer: TorchStylizer,
                          content: np.ndarray, style: np.ndarray, log: Log) -> Verification:
    """Run the exported graph in onnxruntime; compare it with the PyTorch sequence at the low
    resolution upsampled by the runtime's own upsampler (uint8, as ``rlministyler run --scale``
    would give). Raises when an output is more than two 8-bit levels off anywhere or more than
    one level off on more than 0.1 % of the pixels."""
    factor, kind = plan.factor, plan.opts.upsample
    h, w = content.shape[:2]
    content8 = np.round(content * 255).astype(np.uint8)
    # what the graph's AveragePool gives (float, not rounded): the network's input and the guide
    small = cv2.resize(content8.astype(np.float32) / 255, (w // factor, h // factor),
                       interpolation=cv2.INTER_AREA)
    got = _run_onnx(plan, models, _nchw(content8 / 255.0), _nchw(style))
    step_of = plan.output_steps
    with torch.inference_mode():
        ref = stylizer.sequence(torch.from_numpy(_nchw(small)), torch.from_numpy(_nchw(style)),
                                steps=list(step_of.values()))
    report, failures = {}, []
    for name, t in step_of.items():
        low = np.ascontiguousarray(ref[t].clamp(0, 1).numpy()[0].transpose(1, 2, 0), np.float32)
        expected = upsample(kind, content8, low, small).astype(np.int16)
        onnx8 = np.round(np.clip(got[name][0].transpose(1, 2, 0), 0, 1) * 255).astype(np.int16)
        diff = np.abs(onnx8 - expected)
        report[name] = UpsamplerCheck(max_levels=int(diff.max()), over_one_level=float((diff > 1).mean()))
        log(f"verify {name} (internal scale 1/{factor}, {kind}) vs the runtime's upsampler: "
            f"max {int(diff.max())} levels, {100 * report[name].over_one_level:.3f} % over one level")
        if diff.max() > 2 or report[name].over_one_level > 1e-3:
            failures.append(name)
    if failures:
        raise UserError(f"verification failed for {', '.join(failures)}: the in-graph upsampler differs "
                        f"from the runtime's; nothing was written")
    return Verification(vs_runtime_upsampler_8bit=report)
