"""The engine seam: what runs the network for the :class:`~runtime.stylizer.Stylizer`, and the
registry the Stylizer finds engines in.

An engine runs an exported model on a prepared network-size input (1x3xHxW, values in [0, 1])
for a step with a style and returns the float output; it also encodes a style, names the steps
it offers, and carries the model's :class:`~runtime.metadata.ModelInfo` and its device. All frame
work (pad/crop/resize, uint8<->float, upsampling, temporal filtering, timing) stays in the
Stylizer, the same for every engine.

onnxruntime is the engine here (:mod:`runtime.ort_engine`). Another engine (a PyTorch CUDA one,
say) lives outside ``runtime`` (which never imports torch) and plugs in by name::

    register_engine("torch-cuda", "some.package.module:TorchEngine")
    Stylizer("model.onnx", engine="torch-cuda")

An engine is imported only when it is chosen: the registry holds ``module:attribute`` strings.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rlministyler.errors import UserError

from .metadata import ModelInfo

DEFAULT_ENGINE = "onnxruntime"


@dataclass
class Style:
    """A style ready to feed: the engine's tensors by input name (the style image for a full
    model, the style encoder's outputs for a split one)."""

    name: str
    feeds: dict[str, Any]


@dataclass(frozen=True)
class EngineOptions:
    """What the caller asks of an engine; an engine ignores what does not apply to it."""

    provider: str = "auto"  # onnxruntime: auto, cpu, cuda, tensorrt (spec.PROVIDERS)
    threads: int | None = None  # CPU threads (None: the library's default)
    device_id: int = 0  # GPU index
    checkpoint: str | None = None  # torch: the weights the model was exported from (None: the default)
    precision: str = "fp32"  # torch: spec.TORCH_PRECISIONS


class Engine(Protocol):
    """Runs an exported model's network; made by a factory ``(model path, EngineOptions)``."""

    @property
    def info(self) -> ModelInfo:
        """The model's metadata, read through :mod:`runtime.metadata`."""

    @property
    def device(self) -> str:
        """Where the network runs: ``cpu`` or ``cuda``."""

    @property
    def label(self) -> str:
        """A short name for the overlay (``cpu``, ``cuda``, ``tensorrt``)."""

    @property
    def steps(self) -> list[int]:
        """The steps the model outputs, ascending."""

    def describe(self) -> str:
        """One line for the start-up report: what runs the model, and what was skipped."""

    def encode_style(self, name: str, rgb: np.ndarray) -> Style:
        """A style from an HxWx3 float32 RGB image in [0, 1], already at the model's style size."""

    def input_buffer(self, step: int, height: int, width: int) -> np.ndarray:
        """A writable (1, 3, height, width) array of the network's input type; filling it and
        passing it to :meth:`run` spares a copy. Reused between frames of one size."""

    def run(self, content: np.ndarray, step: int, style: Style | None) -> np.ndarray:
        """The network's output for ``content`` (1, 3, H, W) at ``step``: (1, 3, H, W) float."""


EngineFactory = Callable[[Path, EngineOptions], Engine]

# name -> "module:attribute" of its factory (imported when chosen) or the factory itself
_REGISTRY: dict[str, str | EngineFactory] = {
    DEFAULT_ENGINE: "rlministyler.runtime.ort_engine:OrtEngine",
    "torch": "rlministyler.engines.torch_engine:TorchEngine",  # outside runtime: it imports torch
}


def register_engine(name: str, factory: str | EngineFactory) -> None:
    """Make an engine available by ``name``: a factory or its ``"module:attribute"`` path."""
    _REGISTRY[name] = factory


def engine_factory(name: str) -> EngineFactory:
    """The factory registered as ``name``, imported now if it was given as a path."""
    if name not in _REGISTRY:
        raise UserError(f"unknown engine {name!r}: use one of {', '.join(_REGISTRY)}")
    factory = _REGISTRY[name]
    if isinstance(factory, str):
        module, _, attribute = factory.partition(":")
        try:
            factory = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as exc:
            raise UserError(f"engine {name!r} cannot be loaded from {_REGISTRY[name]}: {exc}") from None
        _REGISTRY[name] = factory
    return factory


def open_engine(name: str, model: str | Path, options: EngineOptions | None = None) -> Engine:
    """The engine ``name`` on ``model``."""
    return engine_factory(name)(Path(model), options or EngineOptions())
