"""In-graph internal scale: the exported graph takes the full-resolution frame, averages it down by
an integer factor, runs the K steps there and upsamples each output, guided by the full frame.

Same inputs and outputs as a plain export, so the runtime, Unity and any engine use it unchanged.
Only ops the Sentis and Barracuda importers accept: AveragePool (downsampling and the box
filters, after an edge Pad), Resize (linear), Slice, Concat and element-wise arithmetic. The
numbers are those of :func:`rlministyler.runtime.upsample.guided_upsample` (colour fast guided
filter, coefficients at the low resolution, replicated borders, half-pixel bilinear upsampling).
"""

from __future__ import annotations

import torch
from rlministyler.runtime.upsample import GUIDED_EPS, GUIDED_RADIUS
from rlministyler.training.sequence import MIN_SIZE, MULTIPLE
from torch import Tensor, nn
from torch.nn import functional as F

from rlministyler.errors import UserError

INTERNAL_UPSAMPLERS = ("guided", "bilinear")


def scale_factor(internal_scale: float) -> int:
    """The integer downsampling factor for ``internal_scale`` (1/2 -> 2, 0.25 -> 4); else an error."""
    factor = round(1 / internal_scale)
    if factor < 1 or abs(factor * internal_scale - 1) > 1e-6:
        raise ValueError(f"--internal-scale must be 1/N for a whole N (0.5, 0.25, ...), got {internal_scale}")
    return factor


def _box(x: Tensor, r: int) -> Tensor:
    """Mean over a (2r+1)^2 window with replicated edges: Pad(edge) + AveragePool."""
    padded = F.pad(x, (r, r, r, r), mode="replicate")
    return F.avg_pool2d(padded, 2 * r + 1, stride=1, count_include_pad=False)


def guided_upsample_graph(guide: Tensor, small_guide: Tensor, src: Tensor, factor: int,
                          radius: int = GUIDED_RADIUS, eps: float = GUIDED_EPS) -> Tensor:
    """The colour fast guided filter in traceable ops; NCHW tensors in [0, 1]."""
    g = [small_guide[:, i:i + 1] for i in range(3)]
    mean_i = [_box(c, radius) for c in g]
    mean_p = _box(src, radius)
    cov = {}
    for a in range(3):
        for c in range(a, 3):
            ridge = eps if a == c else 0.0
            cov[a, c] = cov[c, a] = _box(g[a] * g[c], radius) - mean_i[a] * mean_i[c] + ridge
    cross = [_box(g[a] * src, radius) - mean_i[a] * mean_p for a in range(3)]  # each (N, 3 out, h, w)
    # the symmetric 3x3 inverse by its adjugate, as runtime.upsample._adjugate_sym3
    m00, m01, m02, m11, m12, m22 = cov[0, 0], cov[0, 1], cov[0, 2], cov[1, 1], cov[1, 2], cov[2, 2]
    inv = {(0, 0): m11 * m22 - m12 * m12, (0, 1): m02 * m12 - m01 * m22, (0, 2): m01 * m12 - m02 * m11,
           (1, 1): m00 * m22 - m02 * m02, (1, 2): m01 * m02 - m00 * m12, (2, 2): m00 * m11 - m01 * m01}
    for (i, j) in list(inv):
        inv[j, i] = inv[i, j]
    det = m00 * inv[0, 0] + m01 * inv[0, 1] + m02 * inv[0, 2]
    coef = [(inv[i, 0] * cross[0] + inv[i, 1] * cross[1] + inv[i, 2] * cross[2]) / det for i in range(3)]
    b = mean_p - (coef[0] * mean_i[0] + coef[1] * mean_i[1] + coef[2] * mean_i[2])
    stacked = _box(torch.cat([*coef, b], dim=1), radius)  # (N, 12, h, w): A per input channel, b
    up = F.interpolate(stacked, scale_factor=float(factor), mode="bilinear", align_corners=False)
    return (up[:, 0:3] * guide[:, 0:1] + up[:, 3:6] * guide[:, 1:2] + up[:, 6:9] * guide[:, 2:3]
            + up[:, 9:12])


class InternalScale(nn.Module):
    """Wrap a frame graph (``content`` first, other inputs passed through) to run at 1/``factor``."""

    def __init__(self, inner: nn.Module, factor: int, upsample: str = "guided") -> None:
        super().__init__()
        if upsample not in INTERNAL_UPSAMPLERS:
            raise ValueError(f"unknown upsampler {upsample!r}")
        self.inner, self.factor, self.upsample = inner, factor, upsample

    def forward(self, content: Tensor, *rest: Tensor) -> tuple[Tensor, ...]:
        # AveragePool by the factor: the same numbers as cv2.INTER_AREA
        small = F.avg_pool2d(content, self.factor, stride=self.factor, count_include_pad=False)
        outputs = self.inner(small, *rest)
        result = []
        for out in outputs:
            if self.upsample == "guided":
                up = guided_upsample_graph(content, small, out, self.factor)
            else:
                up = F.interpolate(out, scale_factor=float(self.factor), mode="bilinear", align_corners=False)
            result.append(up.clamp(0.0, 1.0))
        return tuple(result)


def scaled_graph(graph: nn.Module, opts) -> nn.Module:
    """``graph`` wrapped in :class:`InternalScale` when ``opts.internal_scale`` is below 1."""
    if opts.internal_scale == 1:
        return graph
    try:
        factor = scale_factor(opts.internal_scale)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if opts.upsample not in INTERNAL_UPSAMPLERS:
        raise UserError(f"--upsample must be one of {', '.join(INTERNAL_UPSAMPLERS)}")
    if opts.size and (opts.size[0] % (MULTIPLE * factor) or opts.size[1] % (MULTIPLE * factor)):
        raise UserError(f"--size with --internal-scale {opts.internal_scale:g}: height and width must be "
                        f"multiples of {MULTIPLE * factor}")
    return InternalScale(graph, factor, opts.upsample)


def internal_scale_metadata(opts) -> dict:
    """Top-level metadata keys (the Unity sample reads ``internal_scale`` and ``upsample``); the
    frame must be a multiple of 4 x the factor so that the inner graph gets whole pixels."""
    factor = scale_factor(opts.internal_scale)
    meta = {"internal_scale": 1.0 / factor, "upsample": opts.upsample,
            "size_multiple": MULTIPLE * factor, "min_size": MIN_SIZE * factor}
    if opts.upsample == "guided":
        meta["guided_filter"] = {"radius": GUIDED_RADIUS, "eps": GUIDED_EPS, "guide": "rgb"}
    return meta


def verify_internal_scale(models: dict, opts, actor, builder, log) -> dict:
    """Run the exported graph in onnxruntime; compare it with the PyTorch sequence at the low
    resolution upsampled by the runtime's own upsampler (uint8, as ``rlministyler run --scale``
    would give). Raises when an output is more than two 8-bit levels off anywhere or more than
    one level off on more than 0.1 % of the pixels."""
    import cv2
    import numpy as np
    import onnxruntime as ort
    from rlministyler.runtime.upsample import upsample
    from rlministyler.training.sequence import TorchStylizer

    from .exporter import _read_rgb, _style_feeds, _synthetic_pair
    from .targets import VARIANTS

    factor = scale_factor(opts.internal_scale)
    h, w = opts.size or (MULTIPLE * factor * 9, MULTIPLE * factor * 12)
    content, style = _synthetic_pair((h, w))
    if opts.verify_images:
        content = cv2.resize(_read_rgb(opts.verify_images[0], 0), (w, h), interpolation=cv2.INTER_AREA)
    if opts.style is not None:
        style = _read_rgb(opts.style, opts.style_size)
    if opts.target == "barracuda":
        style = cv2.resize(style, (w, h), interpolation=cv2.INTER_AREA)
    content8 = np.round(content * 255).astype(np.uint8)
    # what the graph's AveragePool gives (float, not rounded): the network's input and the guide
    small = cv2.resize(content8.astype(np.float32) / 255, (w // factor, h // factor),
                       interpolation=cv2.INTER_AREA)

    def nchw(x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(x.transpose(2, 0, 1)[None]).astype(np.float32)

    so = ort.SessionOptions()
    so.log_severity_level = 3
    main = ort.InferenceSession(models["main"].SerializeToString(), so, providers=["CPUExecutionProvider"])
    feeds = {"content": nchw(content8 / 255.0),
             **_style_feeds(VARIANTS[opts.variant], nchw(style), models.get("style"))}
    names = [o.name for o in main.get_outputs()]
    got = dict(zip(names, main.run(names, feeds), strict=True))
    steps = list(range(1, opts.steps + 1)) if opts.all_steps else [opts.steps]
    with torch.inference_mode():
        ref = TorchStylizer(actor, builder, "cpu").sequence(torch.from_numpy(nchw(small)),
                                                       torch.from_numpy(nchw(style)), steps=steps)
    report, failures = {}, []
    for name, t in zip(names, steps, strict=True):
        low = np.ascontiguousarray(ref[t].clamp(0, 1).numpy()[0].transpose(1, 2, 0), np.float32)
        expected = upsample(opts.upsample, content8, low, small).astype(np.int16)
        onnx8 = np.round(np.clip(got[name][0].transpose(1, 2, 0), 0, 1) * 255).astype(np.int16)
        diff = np.abs(onnx8 - expected)
        report[name] = {"max_levels": int(diff.max()), "over_one_level": float((diff > 1).mean())}
        log(f"verify {name} (internal scale 1/{factor}, {opts.upsample}) vs the runtime's upsampler: "
            f"max {int(diff.max())} levels, {100 * report[name]['over_one_level']:.3f} % over one level")
        if diff.max() > 2 or report[name]["over_one_level"] > 1e-3:
            failures.append(name)
    if failures:
        raise UserError(f"verification failed for {', '.join(failures)}: the in-graph upsampler differs "
                        f"from the runtime's; nothing was written")
    return {"vs_runtime_upsampler_8bit": report}
