"""``rlministyler bench --suite gpu``: the PyTorch path on a CUDA GPU, in one run of a few minutes.

What it measures, in order of importance (each section checks the time budget and is skipped,
saying so, when it has run out):
1. **faithful**: every step 1-10 on the device against the float32 CPU reference, in 8-bit levels,
   for ``fp32`` (TF32 off, the default), ``tf32`` and the fast path;
2. **speed**: ms per frame (batch 1, style encoded once, median over frames after warm-up, CUDA
   events) at each size and step: eager with TF32 (PyTorch's default), eager fp32, the fast path
   (compiled + CUDA graph) in fp32/fp16/bf16, the in-graph 1/4 internal scale with the guided
   upsampler, and two peers (Johnson et al.'s transformer, AdaIN) at the same sizes;
3. **half**: PSNR of fp16 and bf16 to fp32 at every step, at the largest size;
4. **floor**: multiply-accumulates per step, the device's measured rate on a 64-channel 3x3 fp16
   convolution and its copy bandwidth, and the time one step would take at that rate;
5. **tests**: the CUDA tests of the suite (``pytest -k cuda``);
6. **training**: ``rlministyler train`` updates per second (batch 8).
On a machine without CUDA it runs on the CPU at the plan's sizes (``--quick``: tiny), which is how
the suite itself is tested.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from rlministyler.metrics import psnr
from rlministyler.spec import TORCH_PRECISIONS

ROOT = Path(__file__).resolve().parents[1]
AUTOTUNE_RESERVE_S = 150.0  # an autotuned row starts only with this much of the budget left


@dataclass(frozen=True)
class GpuPlan:
    sizes: tuple[tuple[int, int], ...]  # (height, width), largest first
    steps: tuple[int, ...]
    frames: int
    fidelity_size: tuple[int, int]
    fast: tuple[tuple[str, str], ...]  # (precision, how): "graph" (not compiled), "compile", "autotune"
    peers: bool
    training: tuple[int, int]  # crop size, timed updates (0: skipped)
    tests: bool
    budget_s: float
    warmup: int = 3  # untimed runs before each timing (compiling and autotuning happen there)


FULL_PLAN = GpuPlan(((1080, 1920), (720, 1280)), (1, 3, 5, 10), 30, (256, 384),
                    (("fp32", "compile"), ("fp16", "compile"), ("bf16", "compile"), ("fp16", "autotune")),
                    True, (256, 20), True, 330.0)
QUICK_PLAN = GpuPlan(((64, 96),), (1, 2), 2, (40, 52), (("fp32", "graph"), ("fp16", "graph")), True,
                     (64, 1), False, 600.0, warmup=1)


class _Clock:
    """Median and p95 of a function's time on the device (CUDA events) or the CPU."""

    def __init__(self, device: torch.device, warmup: int) -> None:
        self.cuda, self.warmup = device.type == "cuda", warmup

    def ms(self, fn: Callable[[], object], frames: int) -> dict[str, float]:
        for _ in range(self.warmup):
            fn()
        times = []
        for _ in range(frames):
            if self.cuda:
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                fn()
                end.record()
                end.synchronize()
                times.append(start.elapsed_time(end))
            else:
                t0 = time.perf_counter()
                fn()
                times.append(1000 * (time.perf_counter() - t0))
        times.sort()
        return {"median_ms": round(statistics.median(times), 3),
                "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 3)}


def _frame(rgb: np.ndarray, size: tuple[int, int], device: torch.device) -> Tensor:
    import cv2

    resized = cv2.resize(rgb, (size[1], size[0]), interpolation=cv2.INTER_AREA)
    return torch.from_numpy(np.ascontiguousarray(resized.transpose(2, 0, 1)))[None].float().to(device)


def _psnr(a: Tensor, b: Tensor) -> float:
    return round(psnr(a.clamp(0, 1).cpu().numpy(), b.clamp(0, 1).cpu().numpy()), 2)


def _levels(a: Tensor, b: Tensor) -> float:
    return round(float((a.clamp(0, 1).cpu() - b.clamp(0, 1).cpu()).abs().max()) * 255, 3)


def device_info(device: torch.device) -> dict:
    info = {"device": str(device), "torch": torch.__version__, "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
            "default_cudnn_allow_tf32": torch.backends.cudnn.allow_tf32}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info.update(name=props.name, memory_gb=round(props.total_memory / 2**30, 1),
                    capability=f"{props.major}.{props.minor}")
    return info


def run_gpu(checkpoint: str | None, content_rgb: np.ndarray, style_rgb: np.ndarray, plan: GpuPlan,
            device_name: str | None, say: Callable[[str], None]) -> dict:
    from rlministyler.training.sequence import TorchStylizer, resolve_device, to_tensor

    device = resolve_device(device_name)
    start, clock = time.perf_counter(), _Clock(device, plan.warmup)
    results: dict = {"plan": asdict(plan), "device": device_info(device), "skipped": []}

    def left(reserve: float = 0.0) -> bool:
        """Whether the budget still has ``reserve`` seconds in it."""
        return time.perf_counter() - start < plan.budget_s - reserve

    stylizers = {p: TorchStylizer.from_checkpoint(checkpoint, device, p) for p in TORCH_PRECISIONS}
    style = to_tensor(style_rgb).to(device)
    codes = {p: s.encode_style(style) for p, s in stylizers.items()}
    say(f"gpu: {results['device'].get('name', device)}")
    results["faithful"] = _faithful(checkpoint, stylizers, content_rgb, style_rgb, plan, device)
    results["speed"], results["half"] = [], {}
    for size in plan.sizes:
        if not left():
            results["skipped"].append(f"speed {size[0]}x{size[1]}: time budget")
            continue
        frame = _frame(content_rgb, size, device)
        results["speed"] += _speed_rows(stylizers, codes, frame, plan, clock, style, left, say)
        if size == plan.sizes[0]:
            results["half"] = _half(stylizers, codes, frame, plan)
    results["floor"] = _floor(stylizers["fp32"], codes["fp32"], plan, clock, device)
    if plan.tests and left():
        results["tests"] = _cuda_tests()
    if plan.training[1] and left():
        from .training_speed import measure

        with tempfile.TemporaryDirectory(prefix="rlms_gpu_train_") as tmp:
            results["training"] = measure(plan.training[0], 8, plan.training[1], str(device), 0, Path(tmp))
    results["duration_s"] = round(time.perf_counter() - start, 1)
    return results


def _faithful(checkpoint, stylizers: dict, content_rgb, style_rgb, plan: GpuPlan, device) -> dict:
    """Max difference to the CPU float32 reference, 8-bit levels, per step 1..10."""
    from rlministyler.training.sequence import TorchStylizer, to_tensor

    content = _frame(content_rgb, plan.fidelity_size, torch.device("cpu"))
    style = to_tensor(style_rgb)
    reference = TorchStylizer.from_checkpoint(checkpoint, "cpu").sequence(content, style, range(1, 11))
    rows = {}
    for name in ("fp32", "tf32"):
        got = stylizers[name].sequence(content, style, range(1, 11))
        rows[name] = [_levels(got[t], reference[t]) for t in range(1, 11)]
    fast = TorchStylizer.from_checkpoint(checkpoint, device, "fp32", fast=True)
    got = fast.sequence(content, style, range(1, 11))
    rows["fast fp32"] = [_levels(got[t], reference[t]) for t in range(1, 11)]
    return {"size": list(plan.fidelity_size), "max_levels_by_step": rows}


def _speed_rows(stylizers: dict, codes: dict, frame: Tensor, plan: GpuPlan, clock: _Clock, style: Tensor,
                left: Callable[..., bool], say) -> list[dict]:
    from rlministyler.training.fast import FastSequence
    from rlministyler.training.precision import tf32_mode

    size = f"{frame.shape[2]}x{frame.shape[3]}"
    rows = []

    def add(mode: str, step: int | None, fn) -> None:
        with torch.inference_mode():
            row = {"size": size, "mode": mode, "step": step, **clock.ms(fn, plan.frames)}
        rows.append(row)
        say(f"gpu: {size} {mode} step {step}: {row['median_ms']} ms")

    for precision, label in (("tf32", "eager tf32 (PyTorch default)"), ("fp32", "eager fp32 (faithful)")):
        s, code = stylizers[precision], codes[precision]
        for k in plan.steps:
            def eager(s=s, code=code, k=k, precision=precision):
                with tf32_mode(precision):
                    moving = frame
                    for _ in range(k):
                        moving = s._builder(s._actor.act(moving), code)
                return moving
            add(label, k, eager)
    labels = {"graph": " (not compiled)", "compile": "", "autotune": " (autotuned)"}
    for precision, how in plan.fast:
        if not left(AUTOTUNE_RESERVE_S if how == "autotune" else 0.0):  # autotuning compiles for minutes
            say(f"gpu: fast {precision}{labels[how]} skipped: time budget")
            continue
        fast = FastSequence(stylizers[precision], compile=how != "graph", autotune=how == "autotune")
        for k in plan.steps:
            add(f"fast {precision}{labels[how]}", k,
                lambda fast=fast, k=k, precision=precision: fast.run(frame, codes[precision], [k]))
    if left():
        rows += _internal_scale_rows(stylizers["fp32"], codes["fp32"], frame, plan, clock, say)
    if plan.peers and left():
        from .gpu_peers import peer_runners

        for name, peer in peer_runners(frame.device, style).items():
            add(name, None, lambda peer=peer: peer(frame))
    return rows


def _internal_scale_rows(stylizer, code, frame: Tensor, plan: GpuPlan, clock: _Clock, say) -> list[dict]:
    """The exporter's in-graph internal scale (1/4, guided upsampler), in PyTorch on the device."""
    from rlministyler.export.internal_scale import InternalScale
    from torch import nn

    class Steps(nn.Module):
        def __init__(self, k: int) -> None:
            super().__init__()
            self.k = k

        def forward(self, small: Tensor) -> tuple[Tensor]:
            for _ in range(self.k):
                small = stylizer._builder(stylizer._actor.act(small), code)
            return (small,)

    rows = []
    size = f"{frame.shape[2]}x{frame.shape[3]}"
    for k in plan.steps:
        graph = InternalScale(Steps(k), 4, "guided")
        with torch.inference_mode():
            row = {"size": size, "mode": "internal 1/4 + guided (fp32)", "step": k,
                   **clock.ms(lambda graph=graph: graph(frame), plan.frames)}
        rows.append(row)
        say(f"gpu: {size} internal 1/4 step {k}: {row['median_ms']} ms")
    return rows


def _half(stylizers: dict, codes: dict, frame: Tensor, plan: GpuPlan) -> dict:
    steps = range(1, max(plan.steps) + 1)
    reference = stylizers["fp32"].sequence(frame, codes["fp32"], steps)
    return {"size": f"{frame.shape[2]}x{frame.shape[3]}", "psnr_db_by_step": {
        p: [_psnr(out, reference[t]) for t, out in stylizers[p].sequence(frame, codes[p], steps).items()]
        for p in ("fp16", "bf16")}}


def _floor(stylizer, code, plan: GpuPlan, clock: _Clock, device: torch.device) -> dict:
    """MACs per step from the convolutions actually run, and what the device does at best."""
    macs = []
    counted = [0]

    def hook(module, inputs, output):
        counted[0] += output.numel() // output.shape[0] * module.in_channels // module.groups \
            * module.kernel_size[0] * module.kernel_size[1]

    convs = [m for m in [*stylizer._actor.modules(), *stylizer._builder.modules()]
             if isinstance(m, torch.nn.Conv2d)]
    handles = [m.register_forward_hook(hook) for m in convs]
    for size in plan.sizes:
        counted[0] = 0
        with torch.inference_mode():
            stylizer._builder(stylizer._actor.act(torch.rand(1, 3, *size, device=device)), code)
        macs.append({"size": f"{size[0]}x{size[1]}", "gmac_per_step": round(counted[0] / 1e9, 2)})
    for h in handles:
        h.remove()
    h, w = plan.sizes[0][0] // 4, plan.sizes[0][1] // 4
    dtype = torch.float16 if device.type == "cuda" else torch.float32
    conv = torch.nn.Conv2d(64, 64, 3, padding=1).to(device, dtype).to(memory_format=torch.channels_last)
    x = torch.rand(1, 64, h, w, device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        ms = clock.ms(lambda: conv(x), plan.frames)["median_ms"]
    rate = 2 * 64 * 64 * 9 * h * w / (ms / 1000) / 1e12
    big = torch.empty(2**28 if device.type == "cuda" else 2**22, dtype=torch.uint8, device=device)
    copy_ms = clock.ms(lambda: big.clone(), plan.frames)["median_ms"]
    bandwidth = 2 * big.numel() / (copy_ms / 1000) / 1e12
    for row in macs:
        row["floor_ms_per_step"] = round(2 * row["gmac_per_step"] * 1e9 / (rate * 1e12) * 1000, 3)
    return {"conv3x3_64ch_tflops": round(rate, 2), "conv_dtype": str(dtype).replace("torch.", ""),
            "copy_tb_per_s": round(bandwidth, 3), "steps": macs}


def _cuda_tests() -> dict:
    # the CUDA tests and the one-GPU training set-up; not this suite's own CPU test
    command = [sys.executable, "-m", "pytest", "-q", "-k", "cuda or one_gpu", "-p", "no:cacheprovider",
               str(ROOT / "tests")]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=240)
    lines = [line for line in proc.stdout.strip().splitlines() if line.strip()]
    return {"exit_code": proc.returncode, "summary": lines[-1] if lines else proc.stderr[-300:]}


def table(results: dict) -> str:
    """The short table printed last: ms per frame by size and mode, one column per step."""
    steps = sorted({r["step"] for r in results["speed"] if r["step"] is not None})
    lines = ["| size | mode | " + " | ".join(f"step {k}" for k in steps) + " |",
             "|---|---|" + "---|" * len(steps)]
    seen: dict[tuple[str, str], dict] = {}
    for row in results["speed"]:
        seen.setdefault((row["size"], row["mode"]), {})[row["step"]] = row["median_ms"]
    for (size, mode), by_step in seen.items():
        cells = [str(by_step.get(k, "—")) for k in steps] if None not in by_step else [str(by_step[None])] \
            + [""] * (len(steps) - 1)
        lines.append(f"| {size} | {mode} | " + " | ".join(cells) + " |")
    faithful = results.get("faithful", {}).get("max_levels_by_step", {})
    for name, levels in faithful.items():
        lines.append(f"\nfaithful {name}: max 8-bit levels from the CPU reference at steps 1-10: {levels}")
    for name, values in results.get("half", {}).get("psnr_db_by_step", {}).items():
        lines.append(f"{name}: PSNR to fp32 at steps 1-{len(values)}: {values} dB")
    return "\n".join(lines)
