"""Runtime: stylise images, video and a live camera with an exported model on onnxruntime.

Depends on onnxruntime, NumPy and OpenCV only; importing it never imports torch.

    from rlministyler.runtime import Stylizer
    stylizer = Stylizer("all10.onnx", provider="auto", step=5)
    stylizer.set_style("la_muse.jpg")
    out = stylizer.stylize(frame_bgr, bgr=True)   # HxWx3 uint8 in and out
"""

from .stylizer import FrameTiming, Style, Stylizer

__all__ = ["FrameTiming", "Style", "Stylizer"]
