"""The onnxruntime engine: provider choice, one session per step (all-steps models pruned to the
step's output), the style encoder's session (split models), and IO binding buffers made once per
network input size; on CUDA the inputs and outputs stay on the device between frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort

from rlministyler.errors import UserError
from rlministyler.limits import check_regular_file

from .agreement import check_frame_graph, check_style_encoder
from .engine import EngineOptions, Style
from .metadata import ModelInfo, from_session_metadata
from .providers import choose, make_session, session_options
from .pruning import prune_to_output

MAX_SIZES = 8  # input sizes whose buffers are kept (a directory of many sizes: do not hoard memory)


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
        self.bound_step: int | None = None

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

    def bind_step(self, name: str, step: int, value: ort.OrtValue) -> None:
        """A step-input model's step: a new number, the same session."""
        if step != self.bound_step:
            self.binding.bind_ortvalue_input(name, value)
            self.bound_step = step

    def run(self, session: ort.InferenceSession) -> np.ndarray:
        if self.device != "cpu":
            self.input.update_inplace(self.host_in)
        session.run_with_iobinding(self.binding)
        if self.device != "cpu":
            self.binding.synchronize_outputs()
            return self.output.numpy()
        return self.host_out


class OrtEngine:
    """An exported model (full, baked or split) on onnxruntime; see :class:`runtime.engine.Engine`."""

    def __init__(self, model: str | Path, options: EngineOptions | None = None) -> None:
        options = options or EngineOptions()
        path = Path(model)
        if not path.is_file():
            raise UserError(f"model not found: {path}")
        cache = path.parent / ".trt_cache" if options.provider in ("tensorrt", "auto") else None
        self.choice, self.session = choose(options.provider, str(path), options.device_id, options.threads,
                                           cache)
        self._info = from_session_metadata(self.session.get_modelmeta().custom_metadata_map, path)
        check_frame_graph(self.session, self._info)
        self.style_session: ort.InferenceSession | None = None
        if self._info.variant == "split":
            encoder = self._info.style_encoder
            if encoder is None or not encoder.exists():
                raise UserError(f"style encoder of the split model not found: {encoder}")
            check_regular_file(encoder, "style encoder")  # a FIFO would be waited on forever
            self.style_session = make_session(str(encoder), self.choice, session_options(options.threads))
            check_style_encoder(self.style_session, self._info)
        inputs = {i.name: i for i in self.session.get_inputs()}
        if "content" not in inputs:
            raise UserError(f"{path}: no 'content' input: not a model exported by rlministyler")
        self.io_dtype = np.float16 if inputs["content"].type == "tensor(float16)" else np.float32
        self.device_id = options.device_id
        self._threads = options.threads
        self._buffers: dict[tuple[int, int, int], _Buffers] = {}
        self._step_sessions: dict[int, ort.InferenceSession] = {}
        self._style_of_values: Style | None = None
        self._style_values: dict[str, ort.OrtValue] = {}
        # a step-input model's step values, one per step, on the CPU (ORT copies the 8 bytes over)
        self._step_values = {t: ort.OrtValue.ortvalue_from_numpy(np.array([t], np.int64))
                             for t in self._info.outputs} if self._info.step_input else {}

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def device(self) -> str:
        return "cpu" if self.choice.name == "cpu" else "cuda"

    @property
    def label(self) -> str:
        return self.choice.name

    @property
    def steps(self) -> list[int]:
        return sorted(self._info.outputs)

    def describe(self) -> str:
        return self.choice.describe()

    # --- style ------------------------------------------------------------------------------
    def encode_style(self, name: str, rgb: np.ndarray) -> Style:
        tensor = np.ascontiguousarray(rgb.transpose(2, 0, 1)[None]).astype(self.io_dtype)
        if self._info.variant == "full":
            return Style(name, {"style": tensor})
        assert self.style_session is not None, "a baked model takes no style"
        values = self.style_session.run(None, {self._info.style_inputs[0]: tensor})
        names = [o.name for o in self.style_session.get_outputs()]
        return Style(name, dict(zip(names, values, strict=True)))

    def _device_values(self, style: Style) -> dict[str, ort.OrtValue]:
        """The style's tensors as OrtValues (on the GPU for CUDA), made once per style switch."""
        if style is not self._style_of_values:
            if self.device != "cpu":
                self._style_values = {k: ort.OrtValue.ortvalue_from_numpy(v, "cuda", self.device_id)
                                      for k, v in style.feeds.items()}
            else:
                self._style_values = {k: ort.OrtValue.ortvalue_from_numpy(v) for k, v in style.feeds.items()}
            self._style_of_values = style
        return self._style_values

    # --- the network ------------------------------------------------------------------------
    def session_for_step(self, step: int) -> ort.InferenceSession:
        """The session that computes ``step``: an all-steps model pruned to the step's output (made
        once per step, when the ``onnx`` package is there), so step 1 of 10 costs one step. The last
        step of the official sequence needs the whole graph anyway; a one-pass model's does not."""
        if not self._info.all_steps or (step == self._info.steps and not self._info.one_pass):
            return self.session
        if step not in self._step_sessions:
            pruned = prune_to_output(self._info.path, self._info.outputs[step])
            self._step_sessions[step] = self.session if pruned is None else make_session(
                pruned, self.choice, session_options(self._threads))
        return self._step_sessions[step]

    def _buffers_for(self, session: ort.InferenceSession, height: int, width: int) -> _Buffers:
        key = (id(session), height, width)
        buffers = self._buffers.get(key)
        if buffers is None:
            if len(self._buffers) >= MAX_SIZES:
                self._buffers.clear()
            buffers = _Buffers(session, self.device, self.device_id, "content", (1, 3, height, width),
                               self.io_dtype)
            self._buffers[key] = buffers
        return buffers

    def input_buffer(self, step: int, height: int, width: int) -> np.ndarray:
        return self._buffers_for(self.session_for_step(step), height, width).host_in

    def run(self, content: np.ndarray, step: int, style: Style | None) -> np.ndarray:
        session = self.session_for_step(step)
        buffers = self._buffers_for(session, content.shape[2], content.shape[3])
        if content is not buffers.host_in:
            buffers.host_in[...] = content
        buffers.bind_output(self._info.outputs[step])
        if self._info.step_input:
            buffers.bind_step(self._info.step_input, step, self._step_values[step])
        if style is not None:
            buffers.bind_style(style, self._device_values(style))
        return buffers.run(session)
