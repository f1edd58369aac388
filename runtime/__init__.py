"""Runtime: stylise images, video and a live camera with an exported model on onnxruntime.

Depends on onnxruntime, NumPy and OpenCV only; importing it never imports torch.

    from rlministyler.runtime import Stylizer
    stylizer = Stylizer("all10.onnx", provider="auto", step=5)
    stylizer.set_style("la_muse.jpg")
    out = stylizer.stylize(frame_bgr, bgr=True)   # HxWx3 uint8 in and out

Another engine than onnxruntime plugs in through :func:`register_engine` (see runtime.engine).
"""

from __future__ import annotations

# public name -> the module that holds it
_HOMES = {"FrameTiming": "frame_stylizer", "FrameStylizer": "frame_stylizer", "Style": "engine",
          "Stylizer": "stylizer", "register_engine": "engine", "StylizerOptions": "build",
          "build_stylizer": "build"}
__all__ = list(_HOMES)


def __getattr__(name: str):
    """Import onnxruntime and OpenCV only when the Stylizer is used, so that registering the
    subcommands keeps ``rlministyler --help`` instant."""
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'runtime' has no attribute {name!r}")
