"""``run --engine torch``: an exported model's network in PyTorch, from the weights it was exported
from (checked by their sha256 in the model's metadata), through the fast path of
:mod:`rlministyler.training.fast`: on a CUDA GPU compiled, channels-last and one CUDA graph per
frame size and step; on the CPU eager. A user with an NVIDIA GPU and PyTorch gets the live player
without onnxruntime-gpu. The model file gives the contract (steps, variant, sizes); full and split
exports run, a baked one does not (its style exists only inside its weights), nor an in-graph
internal scale (use ``run --scale``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from rlministyler.runtime.engine import EngineOptions, Style
from rlministyler.runtime.metadata import ModelInfo, read_model_info
from rlministyler.training.fast import FastSequence
from rlministyler.training.sequence import TorchStylizer, to_tensor
from rlministyler.training.weights import resolve_checkpoint_dir, sha256_of

from rlministyler.errors import UserError


def _device(options: EngineOptions) -> torch.device:
    if options.provider == "cpu":
        return torch.device("cpu")
    if options.provider == "tensorrt":
        raise UserError("--provider tensorrt is onnxruntime's: --engine torch runs on cuda or cpu")
    if torch.cuda.is_available():
        return torch.device("cuda", options.device_id)
    if options.provider == "cuda":
        raise UserError("--provider cuda: PyTorch sees no CUDA device on this machine")
    return torch.device("cpu")


def _checked_weights(info: ModelInfo, checkpoint: str | None) -> Path:
    """The weights folder, refused unless its files are the ones the model was exported from."""
    folder = resolve_checkpoint_dir(checkpoint)
    for name, expected in info.metadata.checkpoint_sha256.items():
        if sha256_of(folder / name) != expected:
            raise UserError(f"{folder / name} is not the {name} {info.path.name} was exported from "
                            f"(sha256 {expected[:12]}...): pass --checkpoint with those weights")
    return folder


class TorchEngine:
    """See :class:`rlministyler.runtime.engine.Engine`."""

    def __init__(self, model: str | Path, options: EngineOptions | None = None) -> None:
        options = options or EngineOptions()
        self._info = read_model_info(model)
        if self._info.variant == "baked":
            raise UserError(f"{self._info.path.name} is baked: its style exists only inside its weights, so "
                            "--engine torch cannot run it; export a split or full model")
        if self._info.one_pass:
            raise UserError(f"{self._info.path.name} is a distilled one-pass export: --engine torch runs the "
                            "official sequence; run it with --engine onnxruntime")
        if self._info.metadata.internal_scale:
            raise UserError(f"{self._info.path.name} runs at an internal scale inside its graph; with "
                            "--engine torch export it at full scale and use run --scale")
        if options.threads:
            torch.set_num_threads(options.threads)
        self._device = _device(options)
        weights = _checked_weights(self._info, options.checkpoint)
        self.stylizer = TorchStylizer.from_checkpoint(weights, self._device, options.precision)
        self.fast = FastSequence(self.stylizer, compile=self._device.type == "cuda")
        self._inputs: dict[tuple[int, int], np.ndarray] = {}

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def device(self) -> str:
        return self._device.type

    @property
    def label(self) -> str:
        return f"torch-{self._device.type}"

    @property
    def steps(self) -> list[int]:
        return sorted(self._info.outputs)

    def describe(self) -> str:
        how = "compiled, channels-last, CUDA graphs" if self._device.type == "cuda" else "eager"
        return f"engine: torch {torch.__version__} on {self._device} ({self.stylizer.precision}, {how})"

    def encode_style(self, name: str, rgb: np.ndarray) -> Style:
        return Style(name, {"code": self.stylizer.encode_style(to_tensor(np.ascontiguousarray(rgb)))})

    def input_buffer(self, step: int, height: int, width: int) -> np.ndarray:
        if (height, width) not in self._inputs:
            if len(self._inputs) >= 8:
                self._inputs.clear()
            self._inputs[height, width] = np.empty((1, 3, height, width), np.float32)
        return self._inputs[height, width]

    def run(self, content: np.ndarray, step: int, style: Style | None) -> np.ndarray:
        if style is None:
            raise UserError(f"{self._info.path.name} is a {self._info.variant} model: give a style")
        frame = torch.from_numpy(np.ascontiguousarray(content, np.float32)).to(self._device)
        output = self.fast.run(frame, style.feeds["code"], [step])[step]
        return output.clamp(0.0, 1.0).cpu().numpy()  # an export's outputs are clamped to [0, 1]
