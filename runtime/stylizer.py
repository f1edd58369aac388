"""The runtime's public object: open an exported model, set a style and a step, stylise frames.

    from rlministyler.runtime import Stylizer
    stylizer = Stylizer("style5.onnx", provider="auto")
    stylizer.set_style(cv2.imread("la_muse.jpg"), bgr=True)
    out = stylizer.stylize(frame, bgr=True)        # HxWx3 uint8 in, HxWx3 uint8 out

Frames of any size are reflect-padded to the model's size multiple and cropped back (the same as
``rlministyler stylize``); a static-size model gets the frame resized in and out.
``network_scale`` (``run --scale``) runs the network on a smaller frame and upsamples the result
(``upsample``: ``guided``, the default below network scale 1, takes the edges from the
full-resolution frame; or ``bilinear``; see runtime.upsample). The network itself runs on an
engine (:mod:`runtime.engine`; onnxruntime by default); all else here is the same for every engine.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from rlministyler import spec
from rlministyler.errors import UserError
from rlministyler.images import read_image, resize_shorter

from .engine import DEFAULT_ENGINE, Engine, EngineOptions, Style, open_engine
from .frame_stylizer import FrameTiming
from .metadata import ModelInfo
from .temporal import TemporalFilter, make_filter
from .upsample import choose_upsampler, upsample

__all__ = ["FrameTiming", "Style", "Stylizer"]


class Stylizer:
    """Stylise HxWx3 uint8 frames with an exported RLMiniStyler model (full, baked or split).

    ``engine``: a registered engine's name (runtime.engine), opened on ``model`` with
    ``engine_options``, else with ``provider``, ``threads`` and ``device_id``; or an engine already
    made (``model`` and those options are then not used)."""

    pacing_text: str | None = None  # a plain stylizer does not adapt itself (see runtime.pacing)
    pacing_history: list[dict] | None = None

    def __init__(self, model: str | Path, provider: str = "auto", *, engine: str | Engine = DEFAULT_ENGINE,
                 step: int | None = None, network_scale: float = 1.0, temporal: str = "off",
                 temporal_weight: float = spec.TEMPORAL_WEIGHT, threads: int | None = None,
                 device_id: int = 0,
                 style_size: int = spec.STYLE_SIZE, upsample: str | None = None,
                 engine_options: EngineOptions | None = None) -> None:
        problem = spec.scale_error(network_scale)
        if problem:
            raise UserError(problem)
        chosen = choose_upsampler(upsample, network_scale)
        self._engine: Engine = engine if not isinstance(engine, str) else open_engine(
            engine, model, engine_options or EngineOptions(provider, threads, device_id))
        self.network_scale = network_scale
        self.upsample = chosen
        self.style_size = style_size
        self._style: Style | None = None
        self._step = self.info.default_step
        if step is not None:
            self.step = step
        self.temporal: TemporalFilter = make_filter("off")
        self.set_temporal(temporal, temporal_weight)
        self.last_timing = FrameTiming()

    # --- settings -------------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        """What runs the network (see runtime.engine)."""
        return self._engine

    @property
    def info(self) -> ModelInfo:
        return self.engine.info

    @property
    def steps(self) -> list[int]:
        """The steps this model can output (all of 1..K for an all-steps model, else just K)."""
        return self.engine.steps

    @property
    def step(self) -> int:
        return self._step

    @step.setter
    def step(self, value: int) -> None:
        if value not in self.engine.steps:
            if self.info.any_step:
                raise UserError(f"step {value} is out of range: this model has steps 1..{self.info.steps}")
            raise UserError(f"this model was exported for step {self.info.steps} only; export with "
                            f"--all-steps --steps {max(value, self.info.steps)} to choose the step")
        self._step = value

    @property
    def temporal_mode(self) -> str:
        return self.temporal.mode

    def set_temporal(self, mode: str, weight: float | None = None) -> None:
        """``off``, ``ema`` or ``flow`` (see :mod:`runtime.temporal`)."""
        if mode not in spec.TEMPORAL_MODES:
            raise UserError(f"unknown temporal mode {mode!r}: use one of {', '.join(spec.TEMPORAL_MODES)}")
        weight = self.temporal.weight if weight is None else weight
        if not 0.0 <= weight < 1.0:
            raise UserError(f"temporal weight must be in [0, 1), got {weight}")
        self.temporal = make_filter(mode, weight)

    # --- style ----------------------------------------------------------------------------
    @property
    def style(self) -> Style | None:
        return self._style

    @style.setter
    def style(self, style: Style) -> None:
        self._style = style
        self.temporal.reset()

    def encode_style(self, image: np.ndarray | str | Path, *, bgr: bool = False, name: str | None = None
                     ) -> Style:
        """Prepare a style (an image path or an HxWx3 uint8 array) once, to switch to it cheaply."""
        if self.info.variant == "baked":
            raise UserError(f"{self.info.path.name} has its style baked in "
                            f"({self.info.style_file or 'at export'}); --style is not used with it")
        if isinstance(image, (str, Path)):
            name = name or Path(image).name
            rgb = read_image(image)  # float32 RGB in [0, 1], as `export` reads it
        else:
            if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
                raise UserError("a style must be an HxWx3 uint8 image")
            rgb = (image[..., ::-1] if bgr else image).astype(np.float32) / np.float32(255)
        name = name or f"style{id(image)}"
        static = self.info.style_static_size
        if static:
            rgb = cv2.resize(rgb, (static[1], static[0]), interpolation=cv2.INTER_AREA)
        elif self.style_size:
            rgb = resize_shorter(rgb, self.style_size)
        if min(rgb.shape[:2]) < self.info.min_size:
            raise UserError(f"style image is too small: at least {self.info.min_size}x{self.info.min_size}")
        return self.engine.encode_style(name, rgb)

    def set_style(self, image: np.ndarray | str | Path, *, bgr: bool = False) -> Style:
        """Encode ``image`` and use it from the next frame on."""
        self.style = self.encode_style(image, bgr=bgr)
        return self.style

    # --- frames ---------------------------------------------------------------------------
    def network_size(self, height: int, width: int) -> tuple[int, int, int, int]:
        """(run height, run width, padded height, padded width) for a frame of this size."""
        if self.info.static_size:
            h, w = self.info.static_size
            return h, w, h, w
        m, low = self.info.size_multiple, self.info.min_size
        h = max(low, round(height * self.network_scale))
        w = max(low, round(width * self.network_scale))
        return h, w, -(-h // m) * m, -(-w // m) * m

    def stylize(self, frame: np.ndarray, *, bgr: bool = False) -> np.ndarray:
        """Stylise one HxWx3 uint8 frame (RGB, or BGR with ``bgr=True``) at the current step."""
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise UserError(f"expected an HxWx3 uint8 frame, got {frame.dtype} {frame.shape}")
        if self.info.needs_style and self._style is None:
            raise UserError(f"{self.info.path.name} is a {self.info.variant} model: give a style")
        height, width = frame.shape[:2]
        if min(height, width) < self.info.min_size:
            raise UserError(f"frame {width}x{height} is too small: at least "
                            f"{self.info.min_size}x{self.info.min_size}")
        t0 = time.perf_counter()
        h, w, ph, pw = self.network_size(height, width)
        small = frame
        if (h, w) != (height, width):
            shrink = h * w < height * width
            small = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
        if (ph, pw) != (h, w):
            small = cv2.copyMakeBorder(small, 0, ph - h, 0, pw - w, cv2.BORDER_REFLECT_101)
        content = self.engine.input_buffer(self._step, ph, pw)
        planes = small.transpose(2, 0, 1)
        np.multiply(planes[::-1] if bgr else planes, np.float32(1 / 255), out=content[0], casting="unsafe")
        t1 = time.perf_counter()
        result = self.engine.run(content, self._step, self._style)
        t2 = time.perf_counter()
        out = result[0, :, :h, :w]
        chans = [out[2], out[1], out[0]] if bgr else [out[0], out[1], out[2]]
        merged = cv2.merge([np.ascontiguousarray(c, np.float32) for c in chans])
        if (h, w) != (height, width):  # from the float output: no 8-bit rounding amplified
            image = upsample(self.upsample if h < height else "bilinear", frame, merged, small[:h, :w])
        else:
            image = cv2.convertScaleAbs(merged, alpha=255.0)
        image = self.temporal(frame, image)
        self.last_timing = FrameTiming(t1 - t0, t2 - t1, time.perf_counter() - t2)
        return image

    def warm_up(self, height: int, width: int, runs: int = 2) -> None:
        """Run a few frames of this size so the first real frame is not the slow one."""
        dummy = np.full((height, width, 3), 128, np.uint8)
        mode, weight = self.temporal.mode, self.temporal.weight
        for _ in range(runs):
            self.stylize(dummy)
        self.set_temporal(mode, weight)

    def close(self) -> None:
        """Nothing to stop: a plain stylizer has no worker threads."""
