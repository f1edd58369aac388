"""The runtime's public object: open an exported model, set a style and a step, stylise frames.

    from rlministyler.runtime import Stylizer
    stylizer = Stylizer("style5.onnx", provider="auto")
    stylizer.set_style(cv2.imread("la_muse.jpg"), bgr=True)
    out = stylizer.stylize(frame, bgr=True)        # HxWx3 uint8 in, HxWx3 uint8 out

Frames of any size are reflect-padded to the model's size multiple and cropped back (the same as
``rlministyler stylize``); a static-size model gets the frame resized in and out. ``scale`` runs the
network on a smaller frame and upsamples the result (``upsample``: ``guided``, the default below
scale 1, takes the edges from the full-resolution frame; or ``bilinear``; see runtime.upsample).
Buffers and the IO binding are made once per network input size; on CUDA the inputs and outputs
stay on the device between frames.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from rlministyler.errors import UserError
from rlministyler.images import read_image, resize_shorter

from . import providers
from .metadata import ModelInfo, from_session_metadata
from .temporal import MODES, TemporalFilter, make_filter
from .upsample import UPSAMPLERS, upsample

DEFAULT_STYLE_SIZE = 256  # the style's shorter side, as `rlministyler export` encodes it


@dataclass
class FrameTiming:
    """Seconds spent on one frame: pre-processing, inference, post-processing (incl. temporal)."""

    pre: float = 0.0
    infer: float = 0.0
    post: float = 0.0

    @property
    def total(self) -> float:
        return self.pre + self.infer + self.post


@dataclass
class Style:
    """A style ready to feed: the image tensor (full) or the encoder's tensors (split)."""

    name: str
    feeds: dict[str, np.ndarray]


class _Buffers:
    """Host arrays and the IO binding for one network input size."""

    def __init__(self, session: ort.InferenceSession, device: str, device_id: int, input_name: str,
                 shape: tuple[int, int, int, int], dtype: np.dtype) -> None:
        self.host_in = np.empty(shape, dtype)
        self.host_out = np.empty(shape, dtype)
        self.binding = session.io_binding()
        self.device, self.device_id, self.input_name = device, device_id, input_name
        if device == "cpu":
            self.input = ort.OrtValue.ortvalue_from_numpy(self.host_in)
            self.output = ort.OrtValue.ortvalue_from_numpy(self.host_out)
        else:
            self.input = ort.OrtValue.ortvalue_from_shape_and_type(shape, dtype, "cuda", device_id)
            self.output = ort.OrtValue.ortvalue_from_shape_and_type(shape, dtype, "cuda", device_id)
        self.binding.bind_ortvalue_input(input_name, self.input)
        self.output_name: str | None = None
        self.bound_style: Style | None = None

    def bind_output(self, name: str) -> None:
        if name != self.output_name:
            self.binding.clear_binding_outputs()
            self.binding.bind_ortvalue_output(name, self.output)
            self.output_name = name

    def bind_style(self, style: Style, device_values: dict[str, ort.OrtValue]) -> None:
        if style is not self.bound_style:  # identity: two style files may share a name
            for name, value in device_values.items():
                self.binding.bind_ortvalue_input(name, value)
            self.bound_style = style

    def run(self, session: ort.InferenceSession) -> np.ndarray:
        if self.device != "cpu":
            self.input.update_inplace(self.host_in)
        session.run_with_iobinding(self.binding)
        if self.device != "cpu":
            self.binding.synchronize_outputs()
            return self.output.numpy()
        return self.host_out




class Stylizer:
    """Stylise HxWx3 uint8 frames with an exported RLMiniStyler model (full, baked or split)."""

    def __init__(self, model: str | Path, provider: str = "auto", *, step: int | None = None,
                 scale: float = 1.0, temporal: str = "off", temporal_weight: float = 0.6,
                 threads: int | None = None, device_id: int = 0, style_size: int = DEFAULT_STYLE_SIZE,
                 upsample: str | None = None) -> None:
        path = Path(model)
        if not path.is_file():
            raise UserError(f"model not found: {path}")
        if not 0.05 <= scale <= 1.0:
            raise UserError(f"--scale must be between 0.05 and 1, got {scale}")
        cache = path.parent / ".trt_cache" if provider in ("tensorrt", "auto") else None
        self.choice, self.session = providers.choose(provider, str(path), device_id, threads, cache)
        self.info: ModelInfo = from_session_metadata(
            self.session.get_modelmeta().custom_metadata_map, path)
        self.style_session: ort.InferenceSession | None = None
        if self.info.variant == "split":
            encoder = self.info.style_encoder
            if encoder is None or not encoder.is_file():
                raise UserError(f"style encoder of the split model not found: {encoder}")
            self.style_session = providers.make_session(str(encoder), self.choice,
                                                        providers.session_options(threads))
        self.device = "cpu" if self.choice.name == "cpu" else "cuda"
        self.device_id = device_id
        self.scale = scale
        self.upsample = upsample or ("guided" if scale < 1 else "bilinear")  # see runtime.upsample
        if self.upsample not in UPSAMPLERS:
            raise UserError(f"unknown --upsample {upsample!r}: use one of {', '.join(UPSAMPLERS)}")
        self.style_size = style_size
        inputs = {i.name: i for i in self.session.get_inputs()}
        if "content" not in inputs:
            raise UserError(f"{path}: no 'content' input: not a model exported by rlministyler")
        self.io_dtype = np.float16 if inputs["content"].type == "tensor(float16)" else np.float32
        self._buffers: dict[tuple[int, int, int], _Buffers] = {}
        self._threads = threads
        self._step_sessions: dict[int, ort.InferenceSession] = {}
        self._style: Style | None = None
        self._style_values: dict[str, ort.OrtValue] = {}
        self._step = self.info.default_step
        if step is not None:
            self.step = step
        self.temporal: TemporalFilter = make_filter("off")
        self.set_temporal(temporal, temporal_weight)
        self.last_timing = FrameTiming()

    # --- settings -------------------------------------------------------------------------
    @property
    def steps(self) -> list[int]:
        """The steps this model can output (all of 1..K for an all-steps model, else just K)."""
        return sorted(self.info.outputs)

    @property
    def step(self) -> int:
        return self._step

    @step.setter
    def step(self, value: int) -> None:
        if value not in self.info.outputs:
            if self.info.all_steps:
                raise UserError(f"step {value} is out of range: this model has steps 1..{self.info.steps}")
            raise UserError(f"this model was exported for step {self.info.steps} only; export with "
                            f"--all-steps --steps {max(value, self.info.steps)} to choose the step")
        self._step = value

    def set_temporal(self, mode: str, weight: float | None = None) -> None:
        """``off``, ``ema`` or ``flow`` (see :mod:`runtime.temporal`)."""
        if mode not in MODES:
            raise UserError(f"unknown temporal mode {mode!r}: use one of {', '.join(MODES)}")
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
        if self.device != "cpu":
            self._style_values = {k: ort.OrtValue.ortvalue_from_numpy(v, "cuda", self.device_id)
                                  for k, v in style.feeds.items()}
        else:
            self._style_values = {k: ort.OrtValue.ortvalue_from_numpy(v) for k, v in style.feeds.items()}
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
        tensor = np.ascontiguousarray(rgb.transpose(2, 0, 1)[None]).astype(self.io_dtype)
        if self.info.variant == "full":
            return Style(name, {"style": tensor})
        assert self.style_session is not None
        values = self.style_session.run(None, {self.info.style_inputs[0]: tensor})
        names = [o.name for o in self.style_session.get_outputs()]
        return Style(name, dict(zip(names, values, strict=True)))

    def set_style(self, image: np.ndarray | str | Path, *, bgr: bool = False) -> Style:
        """Encode ``image`` and use it from the next frame on."""
        self.style = self.encode_style(image, bgr=bgr)
        return self._style

    # --- frames ---------------------------------------------------------------------------
    def network_size(self, height: int, width: int) -> tuple[int, int, int, int]:
        """(run height, run width, padded height, padded width) for a frame of this size."""
        if self.info.static_size:
            h, w = self.info.static_size
            return h, w, h, w
        m, low = self.info.size_multiple, self.info.min_size
        h = max(low, round(height * self.scale))
        w = max(low, round(width * self.scale))
        return h, w, -(-h // m) * m, -(-w // m) * m

    def session_for_step(self, step: int) -> ort.InferenceSession:
        """The session that computes ``step``. onnxruntime runs every node of a graph whatever
        outputs are asked for, so an all-steps model is pruned to the chosen step's output (made
        once per step, when the ``onnx`` package is there); step 1 of a 10-step model then costs
        one step, not ten."""
        if not self.info.all_steps or step == self.info.steps:
            return self.session
        if step not in self._step_sessions:
            pruned = prune_to_output(self.info.path, self.info.outputs[step])
            self._step_sessions[step] = self.session if pruned is None else providers.make_session(
                pruned, self.choice, providers.session_options(self._threads))
        return self._step_sessions[step]

    def _buffers_for(self, session: ort.InferenceSession, ph: int, pw: int) -> _Buffers:
        key = (id(session), ph, pw)
        buffers = self._buffers.get(key)
        if buffers is None:
            if len(self._buffers) >= 8:  # a directory of many sizes: do not hoard memory
                self._buffers.clear()
            buffers = _Buffers(session, self.device, self.device_id, "content", (1, 3, ph, pw),
                               self.io_dtype)
            self._buffers[key] = buffers
        return buffers

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
        session = self.session_for_step(self._step)
        buffers = self._buffers_for(session, ph, pw)
        planes = small.transpose(2, 0, 1)
        np.multiply(planes[::-1] if bgr else planes, np.float32(1 / 255), out=buffers.host_in[0],
                    casting="unsafe")
        buffers.bind_output(self.info.outputs[self._step])
        if self._style is not None:
            buffers.bind_style(self._style, self._style_values)
        t1 = time.perf_counter()
        result = buffers.run(session)
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


def prune_to_output(path: Path, output: str) -> bytes | None:
    """The model at ``path`` reduced to the nodes ``output`` depends on, serialised; None when the
    ``onnx`` package is not installed (the runtime then runs the whole graph)."""
    try:
        import onnx
    except ImportError:
        return None
    model = onnx.load(str(path))
    graph = model.graph
    needed: set[str] = {output}
    kept: set[int] = set()
    changed = True
    while changed:  # to a fixed point: converters (fp16) leave nodes out of topological order
        changed = False
        for index, node in enumerate(graph.node):
            if index not in kept and any(name in needed for name in node.output):
                kept.add(index)
                needed.update(node.input)
                changed = True
    kept_nodes = [node for index, node in enumerate(graph.node) if index in kept]
    del graph.node[:]
    graph.node.extend(kept_nodes)
    outputs = [o for o in graph.output if o.name == output]
    del graph.output[:]
    graph.output.extend(outputs)
    initializers = [t for t in graph.initializer if t.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    values = [v for v in graph.value_info if v.name in needed]
    del graph.value_info[:]
    graph.value_info.extend(values)
    return model.SerializeToString()
