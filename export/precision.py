"""Precision conversions of an exported (simplified) model: fp16 and static int8 QDQ."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import onnx
from rlministyler.runtime.providers import cpu_session

from rlministyler.errors import UserError
from rlministyler.metrics import psnr


class _Feeds:
    """onnxruntime's CalibrationDataReader protocol over a list of input dicts."""

    def __init__(self, feeds: list[dict[str, np.ndarray]]) -> None:
        self._iter = iter(feeds)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._iter, None)

    def rewind(self) -> None:  # pragma: no cover - required by some onnxruntime versions
        pass


CALIBRATION_FRAMES = 32  # the most the exporter reads from a folder; the search probes them all
# The search asks this much more than the promised bound of the calibration frames, so that frames it
# did not see (measured: the held-out sample photos land up to 1.1 dB below the worst probe frame)
# still keep the bound.
GENERALISATION_MARGIN_DB = 1.5
# What the int8 arithmetic is, recorded in the metadata. Weights use 7 bits (reduce_range) so that no
# x86 kernel can saturate: without VNNI, onnxruntime's u8s8 kernels add pairs of uint8 x int8 products
# in int16 (VPMADDUBSW), which overflows for 8-bit weights (2 x 255 x 127 > 32767) but not for 7-bit
# ones (2 x 255 x 64 < 32767). With VNNI or AMX the sums are int32. Every path then computes the same
# integers, so the quality the search measures here is the quality on any x86-64 CPU.
INT8_FORMAT = {"activations": "uint8, per tensor, min/max calibration",
               "weights": "int8 per output channel, 7-bit range (reduce_range: no x86 kernel saturates)"}


def to_int8(model: onnx.ModelProto, feeds: list[dict[str, np.ndarray]], target_psnr: float = 35.0,
            log=print, margin_db: float = GENERALISATION_MARGIN_DB) -> tuple[onnx.ModelProto, dict]:
    """Static QDQ quantisation for CPU onnxruntime, calibrated on ``feeds``; mixed precision.

    This network is unusually sensitive to quantisation: AdaIN renormalises the action map, whose
    channels vary little, so int8 noise in the actor's last layers is amplified. Each group of
    convolutions (one weight tensor, shared by every step) is quantised alone to measure its
    effect; the most tolerant groups are then taken together, as many as keep the output within
    ``target_psnr + margin_db`` of fp32 on each calibration frame (at most ``CALIBRATION_FRAMES``,
    spread over the set); the margin is for frames the search did not see. The others stay float;
    so do convolutions that int8 would not speed up (:func:`_pays_in_int8`).
    The arithmetic is :data:`INT8_FORMAT`, the same integers on every x86-64 CPU.
    Returns the model and a summary for the metadata.
    """
    if not feeds:
        raise UserError("int8 calibration needs at least one image")
    groups: dict[str, list[str]] = {}
    shapes = {t.name: list(t.dims) for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Conv" and len(node.input) > 1 and _pays_in_int8(node, shapes):
            groups.setdefault(node.input[1], []).append(node.name)
    if not groups:
        raise UserError("this model has no convolution that runs faster in int8: use fp32")
    probe = feeds[:: max(1, -(-len(feeds) // CALIBRATION_FRAMES))]  # evenly spaced
    reference = _run(model, probe)
    trials: dict[tuple[str, ...], tuple[onnx.ModelProto, float]] = {}

    def trial(chosen: list[str]) -> tuple[onnx.ModelProto, float]:
        """The model with ``chosen`` groups in int8, and its worst probe PSNR (not the average)."""
        key = tuple(chosen)
        if key not in trials:
            quantized = _quantize(model, feeds, [n for g in chosen for n in groups[g]])
            got = _run(quantized, probe)
            trials[key] = quantized, min(psnr(a, b) for a, b in zip(got, reference, strict=True))
        return trials[key]

    required = target_psnr + margin_db
    single = {g: trial([g])[1] for g in groups}
    order = sorted(groups, key=lambda g: -single[g])
    lo, hi = 0, sum(1 for g in order if single[g] >= required)
    while lo < hi:  # the longest prefix of the tolerance-ordered groups that meets the target
        mid = (lo + hi + 1) // 2
        if trial(order[:mid])[1] >= required:
            lo = mid
        else:
            hi = mid - 1
    chosen = order[:lo]
    if not chosen:
        raise UserError(f"no convolution can be quantised to int8 within {required:g} dB of fp32 "
                        "on these calibration frames: use fp16 or fp32")
    nodes = [n for g in chosen for n in groups[g]]
    quantized, worst = trial(chosen)  # the search has already built and measured it
    kept = sorted(set(groups) - set(chosen))
    log(f"int8: {len(chosen)} of {len(groups)} convolution groups quantised "
        f"({len(nodes)} nodes; worst of {len(probe)} frames {worst:.1f} dB); "
        f"kept float: {', '.join(_short(k) for k in kept) or 'none'}")
    return quantized, {"int8_conv_groups": len(chosen), "conv_groups": len(groups),
                       "float_conv_groups": [_short(k) for k in kept], "target_psnr_db": target_psnr,
                       "search_margin_db": margin_db, "probe_frames": len(probe),
                       "worst_probe_psnr_db": round(worst, 2), "format": INT8_FORMAT,
                       "measured_on_cpu": cpu_features()}


def cpu_features() -> list[str]:
    """The x86 features that choose onnxruntime's int8 kernels, as this CPU reports them (Linux)."""
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return []
    return [name for name in wanted if name in flags]


def _pays_in_int8(node: onnx.NodeProto, shapes: dict[str, list[int]]) -> bool:
    """Whether onnxruntime's int8 kernels beat float for this Conv on a CPU without VNNI.

    Measured at 384², one thread: dense convs with at least 16 input and output channels run about
    2x faster (the 64 -> 64 3x3 convs: 3.7 against 7.3 ms), but the 3 -> 16 input layer (23.5
    against 16 ms), the 64 -> 12 half-resolution output layer (no gain) and grouped or depthwise
    convs (up to 16x slower) do not; quantising those would only cost quality.
    """
    weight = shapes.get(node.input[1])
    if weight is None or len(weight) != 4:
        return False
    groups = next((a.i for a in node.attribute if a.name == "group"), 1)
    return groups == 1 and weight[0] >= 16 and weight[1] >= 16


def _short(name: str) -> str:
    return name.replace("onnx::Conv_", "conv_").strip("/")


def _quantize(model: onnx.ModelProto, feeds: list[dict[str, np.ndarray]], nodes: list[str]
              ) -> onnx.ModelProto:
    import logging

    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    logging.getLogger().setLevel(logging.ERROR)  # the quantiser logs every skipped tensor
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.onnx", Path(tmp) / "out.onnx"
        onnx.save(model, str(src))
        quantize_static(str(src), str(dst), _Feeds(feeds), quant_format=QuantFormat.QDQ,
                        per_channel=True, reduce_range=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, op_types_to_quantize=["Conv"],
                        nodes_to_quantize=nodes, calibrate_method=CalibrationMethod.MinMax)
        return onnx.load(str(dst))


def _run(model: onnx.ModelProto, feeds: list[dict[str, np.ndarray]]) -> list[np.ndarray]:
    session = cpu_session(model.SerializeToString())
    return [session.run(None, feed)[0] for feed in feeds]
