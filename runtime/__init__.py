"""Runtime: stylise images, video and a live camera with an exported model on onnxruntime.

Depends on onnxruntime, NumPy and OpenCV only; importing it never imports torch.

    from rlministyler.runtime import Stylizer
    stylizer = Stylizer("all10.onnx", provider="auto", step=5)
    stylizer.set_style("la_muse.jpg")
    out = stylizer.stylize(frame_bgr, bgr=True)   # HxWx3 uint8 in and out
"""

from __future__ import annotations

__all__ = ["FrameTiming", "Style", "Stylizer"]


def __getattr__(name: str):
    """Import onnxruntime and OpenCV only when the Stylizer is used, so that registering the
    subcommands (``runtime.web_cli``) keeps ``rlministyler --help`` instant."""
    if name in __all__:
        from . import stylizer

        return getattr(stylizer, name)
    raise AttributeError(f"module 'runtime' has no attribute {name!r}")
