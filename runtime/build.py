"""The one builder of a frame stylizer from options, for ``run`` and the benchmarks: a plain
:class:`~runtime.stylizer.Stylizer`, or with keyframes (``keyframe_interval`` other than 1) a
:class:`~runtime.keyframes.KeyframeStylizer` of two, paced by a
:class:`~runtime.pacing.PacedStylizer` when ``target_fps`` is given."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rlministyler import spec

from .engine import DEFAULT_ENGINE, EngineOptions
from .frame_stylizer import FrameStylizer
from .keyframes import KeyframeStylizer, cheap_scale, keyframe_threads
from .pacing import PacedStylizer
from .stylizer import Stylizer


@dataclass(frozen=True)
class StylizerOptions:
    """What a frame stylizer is made from (the options of ``rlministyler run``)."""

    model: str | Path
    engine: str = DEFAULT_ENGINE
    provider: str = "auto"
    step: int | None = None  # None: the model's last
    network_scale: float = 1.0  # `run --scale`: the network runs at this fraction of the frame
    upsample: str | None = None  # None: guided below network scale 1, else bilinear
    temporal: str = "off"
    temporal_weight: float = spec.TEMPORAL_WEIGHT
    keyframe_interval: int | str = 1  # N or "auto"
    target_fps: float | None = None
    threads: int | None = None
    device_id: int = 0
    style_size: int = spec.STYLE_SIZE
    checkpoint: str | None = None  # engine "torch": the weights folder
    precision: str = "fp32"  # engine "torch": spec.TORCH_PRECISIONS

    def engine_options(self, threads: int | None) -> EngineOptions:
        return EngineOptions(self.provider, threads, self.device_id, self.checkpoint, self.precision)

    @property
    def keyframed(self) -> bool:
        """Whether two stylizers run (keyframes, or pacing, which moves the interval)."""
        return self.keyframe_interval != 1 or bool(self.target_fps)


def build_stylizer(options: StylizerOptions) -> FrameStylizer:
    """The frame stylizer ``options`` describe; its style is still to be set."""
    # two stylizers at once: each gets half the cores
    threads = keyframe_threads(options.threads) if options.keyframed else options.threads
    full = Stylizer(options.model, engine=options.engine, step=options.step,
                    network_scale=options.network_scale, temporal=options.temporal,
                    temporal_weight=options.temporal_weight, style_size=options.style_size,
                    upsample=options.upsample, engine_options=options.engine_options(threads))
    if not options.keyframed:
        return full
    cheap = Stylizer(options.model, engine=options.engine, step=options.step,
                     network_scale=cheap_scale(options.network_scale), style_size=options.style_size,
                     engine_options=options.engine_options(threads))
    keyframes = KeyframeStylizer(full, cheap, options.keyframe_interval)
    return PacedStylizer(keyframes, options.target_fps) if options.target_fps else keyframes
