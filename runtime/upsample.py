"""Upsampling a stylisation computed at a fraction of the frame back to the frame's size.

- ``bilinear``: ``cv2.resize``; every edge of the frame comes out blurred by the scale factor.
- ``guided``: the fast guided filter (He and Sun, 2015) with the full-resolution frame as a
  *colour* guide. At the low resolution each output channel is fitted, per box window, as an
  affine function of the three guide channels (``q = A . I + b``); ``A`` and ``b`` are
  box-averaged, upsampled bilinearly and applied to the full-resolution guide, so edges come from
  the frame and colours from the stylisation.

Everything is float32 with OpenCV box filters (SIMD); ``guided_upsample_reference`` is the same
algorithm in float64 NumPy for the tests.
"""

from __future__ import annotations

import cv2
import numpy as np

from rlministyler import spec
from rlministyler.errors import UserError

# Chosen by measurement (4 sample photos at 360p, la_muse, steps 3 and 5, SSIM to the full-size
# output, the network run on the area-downscaled photo): at 1/4 scale, step 3: bilinear 0.314;
# guided eps 1e-3: r2 0.453, r3 0.476, r4 0.490, r6 0.505, r8 0.511 (step 5 alike, 0.273 to
# 0.446 at r6; bilinear at 1/2 scale: 0.442 step 3, 0.387 step 5). Gains flatten beyond r6 while
# the window turns into a recolouring of large parts of the frame (13 px at 1/4 of 360p is 14 %
# of its height), so radius 6; eps 1e-3: 1e-4 is 0.012 higher but amplifies tiny differences in
# the network output where the guide is flat, which the in-graph export must reproduce; 1e-2 is
# 0.05 lower.
GUIDED_RADIUS = 6
GUIDED_EPS = 1e-3


def _box(x: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window, edges replicated (what AveragePool over a padded input gives)."""
    return cv2.blur(x, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REPLICATE)


_PAIRS = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))  # the guide covariance's upper triangle


def guided_coefficients(guide: np.ndarray, src: np.ndarray, radius: int = GUIDED_RADIUS,
                        eps: float = GUIDED_EPS) -> tuple[np.ndarray, np.ndarray]:
    """Box-averaged affine coefficients of ``src`` (h, w, 3) on ``guide`` (h, w, 3), both float32
    in [0, 1]: ``A`` (h, w, 3 out, 3 in) and ``b`` (h, w, 3)."""
    g = guide.astype(np.float32, copy=False)
    p = src.astype(np.float32, copy=False)
    h, w = g.shape[:2]
    # every windowed mean in one box pass: I (3), p (3), I_a I_c (6), I_a p_o (9)
    stack = np.empty((h, w, 21), np.float32)
    stack[..., 0:3], stack[..., 3:6] = g, p
    for k, (a, c) in enumerate(_PAIRS):
        stack[..., 6 + k] = g[..., a] * g[..., c]
    for a in range(3):
        stack[..., 12 + 3 * a:15 + 3 * a] = g[..., a:a + 1] * p
    m = np.ascontiguousarray(np.moveaxis(_box(stack, radius), 2, 0))  # planar: fast arithmetic
    mean_i, mean_p = m[0:3], m[3:6]
    cov = {}
    for k, (a, c) in enumerate(_PAIRS):
        cov[a, c] = cov[c, a] = m[6 + k] - mean_i[a] * mean_i[c] + (np.float32(eps) if a == c else 0)
    cross = [[m[12 + 3 * a + o] - mean_i[a] * mean_p[o] for o in range(3)] for a in range(3)]
    inv = _adjugate_sym3(cov)
    rdet = 1.0 / (cov[0, 0] * inv[0, 0] + cov[0, 1] * inv[0, 1] + cov[0, 2] * inv[0, 2])
    coef = np.empty((h, w, 12), np.float32)  # A[o, i] at 3 o + i, then b[o]
    for o in range(3):
        b = mean_p[o].copy()
        for i in range(3):
            a_oi = (inv[i, 0] * cross[0][o] + inv[i, 1] * cross[1][o] + inv[i, 2] * cross[2][o]) * rdet
            coef[..., 3 * o + i] = a_oi
            b -= a_oi * mean_i[i]
        coef[..., 9 + o] = b
    smooth = _box(coef, radius)
    return smooth[..., :9].reshape(h, w, 3, 3), np.ascontiguousarray(smooth[..., 9:])


def _adjugate_sym3(m: dict) -> dict:
    """The adjugate of a symmetric 3x3 matrix of planes ``m[i, j]`` (so m^-1 = adj / det)."""
    a, b, c = m[0, 0], m[0, 1], m[0, 2]
    e, f, i = m[1, 1], m[1, 2], m[2, 2]
    adj = {(0, 0): e * i - f * f, (0, 1): c * f - b * i, (0, 2): b * f - c * e,
           (1, 1): a * i - c * c, (1, 2): b * c - a * f, (2, 2): a * e - b * b}
    for r, c_ in list(adj):
        adj[c_, r] = adj[r, c_]
    return adj


def guided_upsample(guide_full: np.ndarray, src_low: np.ndarray, radius: int = GUIDED_RADIUS,
                    eps: float = GUIDED_EPS, guide_low: np.ndarray | None = None) -> np.ndarray:
    """Upsample ``src_low`` (h, w, 3; uint8, or float32 in [0, 1]) to the size of ``guide_full``
    (H, W, 3, uint8; any channel order, the same in both); returns uint8. ``guide_low``: the
    frame as the network saw it (area-resized to h x w; uint8 or float) if the caller has it."""
    height, width = guide_full.shape[:2]
    h, w = src_low.shape[:2]
    if guide_low is None:
        guide_low = cv2.resize(guide_full, (w, h), interpolation=cv2.INTER_AREA)
    scale = np.float32(1 / 255)
    src = src_low.astype(np.float32) * scale if src_low.dtype == np.uint8 else src_low
    g_low = guide_low.astype(np.float32) * scale if guide_low.dtype == np.uint8 else guide_low
    a, b = guided_coefficients(g_low, src, radius, eps)
    # at full resolution, per output channel: bilinear-upsampled b (in 8-bit levels) plus the
    # upsampled A times each guide channel (0..255, so the 1/255 of A and the 255 of the output
    # cancel), accumulated in place: no full-size 4-channel temporaries
    guide = [plane.astype(np.float32) for plane in cv2.split(guide_full)]
    out = []
    for o in range(3):
        acc = cv2.resize(np.ascontiguousarray(b[:, :, o]) * np.float32(255), (width, height),
                         interpolation=cv2.INTER_LINEAR)
        for i in range(3):
            a_oi = cv2.resize(np.ascontiguousarray(a[:, :, o, i]), (width, height),
                              interpolation=cv2.INTER_LINEAR)
            cv2.accumulateProduct(a_oi, guide[i], acc)
        out.append(cv2.convertScaleAbs(cv2.max(acc, 0.0)))  # clamp first: Abs would fold negatives
    return cv2.merge(out)


def choose_upsampler(requested: str | None, network_scale: float) -> str:
    """``requested``, checked; by default ``guided`` below network scale 1, else ``bilinear``."""
    chosen = requested or ("guided" if network_scale < 1 else "bilinear")
    if chosen not in spec.UPSAMPLERS:
        raise UserError(f"unknown --upsample {requested!r}: use one of {', '.join(spec.UPSAMPLERS)}")
    return chosen


def upsample(kind: str, guide_full: np.ndarray, src_low: np.ndarray,
             guide_low: np.ndarray | None = None) -> np.ndarray:
    """``bilinear`` or ``guided`` upsampling of ``src_low`` (uint8, or float32 in [0, 1]) to
    ``guide_full``'s size; returns uint8."""
    if kind == "bilinear":
        out = cv2.resize(src_low, (guide_full.shape[1], guide_full.shape[0]), interpolation=cv2.INTER_LINEAR)
        return out if out.dtype == np.uint8 else cv2.convertScaleAbs(out, alpha=255.0)
    if kind == "guided":
        return guided_upsample(guide_full, src_low, guide_low=guide_low)
    raise ValueError(f"unknown upsampler {kind!r}: use one of {', '.join(spec.UPSAMPLERS)}")


# --- float64 reference (tests) ---------------------------------------------------------------
def _box64(x: np.ndarray, r: int) -> np.ndarray:
    pad = np.pad(x, [(r, r), (r, r)] + [(0, 0)] * (x.ndim - 2), mode="edge")
    c = np.cumsum(np.cumsum(pad, axis=0), axis=1)
    c = np.pad(c, [(1, 0), (1, 0)] + [(0, 0)] * (x.ndim - 2))
    k = 2 * r + 1
    h, w = x.shape[:2]
    return (c[k:k + h, k:k + w] - c[:h, k:k + w] - c[k:k + h, :w] + c[:h, :w]) / (k * k)


def _bilinear64(x: np.ndarray, height: int, width: int) -> np.ndarray:
    """Half-pixel-centre bilinear resize (``cv2.INTER_LINEAR`` / ``align_corners=False``)."""
    h, w = x.shape[:2]

    def axis(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, pos - lo

    y0, y1, fy = axis(height, h)
    x0, x1, fx = axis(width, w)
    fy = fy.reshape(-1, 1, *([1] * (x.ndim - 2)))
    fx = fx.reshape(1, -1, *([1] * (x.ndim - 2)))
    top = x[y0][:, x0] * (1 - fx) + x[y0][:, x1] * fx
    bottom = x[y1][:, x0] * (1 - fx) + x[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def guided_upsample_reference(guide_full: np.ndarray, guide_low: np.ndarray, src_low: np.ndarray,
                              radius: int = GUIDED_RADIUS, eps: float = GUIDED_EPS) -> np.ndarray:
    """The colour fast guided filter in float64 NumPy (``np.linalg.solve`` per pixel); inputs
    and output float in [0, 1]."""
    g = guide_low.astype(np.float64)
    p = src_low.astype(np.float64)
    mean_i, mean_p = _box64(g, radius), _box64(p, radius)
    cov = _box64(g[..., :, None] * g[..., None, :], radius) - mean_i[..., :, None] * mean_i[..., None, :]
    cross = _box64(g[..., :, None] * p[..., None, :], radius) - mean_i[..., :, None] * mean_p[..., None, :]
    coef = np.linalg.solve(cov + eps * np.eye(3), cross)  # [..., in, out]
    b = mean_p - np.einsum("hwio,hwi->hwo", coef, mean_i)
    a = _box64(coef, radius)
    b = _box64(b, radius)
    height, width = guide_full.shape[:2]
    a_full = _bilinear64(a, height, width)
    b_full = _bilinear64(b, height, width)
    return np.einsum("hwio,hwi->hwo", a_full, guide_full.astype(np.float64)) + b_full
