"""Helpers for the browser tests: move ImageData between Python and the page as base64 RGBA."""

from __future__ import annotations

import base64

import numpy as np

# page-side helpers, defined once per page
HELPERS = """
window.__toImage = (b64, w, h) => {
  const bytes = Uint8ClampedArray.from(atob(b64), (c) => c.charCodeAt(0));
  return new ImageData(bytes, w, h);
};
window.__fromImage = (img) => {
  let s = ''; const d = img.data;
  for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode.apply(null, d.subarray(i, i + 0x8000));
  return {b64: btoa(s), width: img.width, height: img.height};
};
true
"""


def to_b64(rgb: np.ndarray) -> str:
    """HxWx3 uint8 RGB -> base64 of its RGBA bytes."""
    rgba = np.concatenate([rgb, np.full((*rgb.shape[:2], 1), 255, np.uint8)], axis=2)
    return base64.b64encode(np.ascontiguousarray(rgba).tobytes()).decode()


def from_page(value: dict) -> np.ndarray:
    """{b64, width, height} from ``__fromImage`` -> HxWx3 uint8 RGB."""
    data = np.frombuffer(base64.b64decode(value["b64"]), np.uint8)
    return data.reshape(value["height"], value["width"], 4)[..., :3]


def stylize_in_page(page, rgb: np.ndarray, step: int, timeout: float = 120) -> np.ndarray:
    """``window.rlministyler.stylize`` of ``rgb`` at ``step``, back as HxWx3 uint8 RGB."""
    h, w = rgb.shape[:2]
    value = page.evaluate(f"(async () => __fromImage(await rlministyler.stylize("
                          f"__toImage('{to_b64(rgb)}', {w}, {h}), {{step: {step}}})))()", timeout)
    return from_page(value)
