"""In-graph internal scale: the exported graph takes the full-resolution frame, averages it down by
an integer factor, runs the K steps there and upsamples each output, guided by the full frame.

Same inputs and outputs as a plain export, so the runtime, Unity and any engine use it unchanged.
Only ops the Sentis and Barracuda importers accept: AveragePool (downsampling and the box
filters, after an edge Pad), Resize (linear), Slice, Concat and element-wise arithmetic. The
numbers are those of :func:`rlministyler.runtime.upsample.guided_upsample` (colour fast guided
filter, coefficients at the low resolution, replicated borders, half-pixel bilinear upsampling).
The graph only: the plan checks the factor and the sizes, verification compares the exported graph
with the runtime's upsampler, and the description records the scale and the upsampler.
"""

from __future__ import annotations

import torch
from rlministyler.runtime.upsample import GUIDED_EPS, GUIDED_RADIUS
from torch import Tensor, nn
from torch.nn import functional as F

from rlministyler.spec import UPSAMPLERS


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
        if upsample not in UPSAMPLERS:
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


def scaled_graph(graph: nn.Module, factor: int, upsample: str) -> nn.Module:
    """``graph`` wrapped in :class:`InternalScale` when ``factor`` is above 1."""
    return graph if factor == 1 else InternalScale(graph, factor, upsample)
