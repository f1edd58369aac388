"""The sequence API: one call runs actor and builder step after step for a content and a style.

    stylizer = TorchStylizer.from_checkpoint("../shared/weights/rlministyler")
    outputs = stylizer.sequence(content, style, steps=[1, 5, 10])   # {1: tensor, 5: ..., 10: ...}

Inputs are float RGB tensors in [0, 1], (3, H, W) or (N, 3, H, W), any size of at least 8x8.
The style pass runs once and is reused at every step. Each step's unclamped output feeds the
next one; outputs are returned unclamped too (clamp for display and files).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from rlministyler.errors import UserError
from rlministyler.spec import MIN_SIZE, SIZE_MULTIPLE, step_error

from .model import Actor, Builder, StyleCode, load_pair
from .precision import check_precision, tf32_mode, with_precision
from .weights import resolve_checkpoint_dir

MULTIPLE = SIZE_MULTIPLE


def to_tensor(rgb: np.ndarray) -> torch.Tensor:
    """(H, W, 3) float array -> (1, 3, H, W) tensor."""
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1))).unsqueeze(0)


def to_array(x: torch.Tensor) -> np.ndarray:
    """(1, 3, H, W) or (3, H, W) tensor -> (H, W, 3) float array (not clamped)."""
    return x.detach().float().cpu().reshape(-1, *x.shape[-2:]).permute(1, 2, 0).numpy()


def resolve_device(name: str | None) -> torch.device:
    """``cpu``, ``cuda``, ``cuda:N`` or ``auto``/None (CUDA when available)."""
    if name in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise UserError(f"unknown device {name!r}: use cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UserError(f"device {name} requested but CUDA is not available on this machine")
    if device.type not in ("cpu", "cuda"):
        raise UserError(f"unsupported device {name!r}: use cpu, cuda or cuda:N")
    return device


def check_steps(steps: Iterable[int]) -> list[int]:
    """Sorted, de-duplicated steps, each in 1..64."""
    chosen = sorted(set(int(s) for s in steps))
    if not chosen:
        raise UserError("no steps given")
    problems = [step_error(s) for s in chosen if step_error(s)]
    if problems:
        raise UserError(problems[0])
    return chosen


def check_size(x: Tensor, what: str) -> None:
    h, w = x.shape[-2:]
    if min(h, w) < MIN_SIZE:
        raise UserError(f"{what} of {w}x{h} is too small: RLMiniStyler needs at least "
                        f"{MIN_SIZE}x{MIN_SIZE} pixels")


def pad_to_multiple(x: Tensor, multiple: int = MULTIPLE) -> tuple[Tensor, tuple[int, int]]:
    """Reflect-pad bottom and right to a multiple of ``multiple``; returns the original (H, W)."""
    check_size(x, "image")
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="reflect")
    return x, (h, w)


def _as_batch(x: Tensor, what: str) -> Tensor:
    if x.dim() == 3:
        x = x.unsqueeze(0)
    if x.dim() != 4 or x.shape[1] != 3:
        raise UserError(f"{what} must be an RGB tensor of shape (3, H, W) or (N, 3, H, W), "
                        f"got {tuple(x.shape)}")
    return x


class TorchStylizer:
    """Actor + builder in PyTorch on one device, with the RLMiniStyler step sequence (the ONNX
    player is :class:`rlministyler.runtime.Stylizer`)."""

    one_pass = False  # step t is t passes (the distilled model's stylizer: one)

    def __init__(self, actor: Actor, builder: Builder, device: str | torch.device | None = "cpu",
                 precision: str = "fp32", fast: bool = False):
        """``precision``: ``fp32`` (faithful: TF32 off), ``tf32``, ``fp16`` or ``bf16`` (half-precision
        convolutions, statistics and arithmetic in float32); see :mod:`.precision`. ``fast``: the
        mean-action ``sequence`` runs compiled, channels-last and, on CUDA, as one CUDA graph per
        (shape, steps) (see :mod:`.fast`; the first call of a shape compiles)."""
        self.device = device if isinstance(device, torch.device) else resolve_device(device)
        self.precision = check_precision(precision)
        self.actor = actor.to(self.device).eval()  # float32: what checkpoints and the exporter read
        self.builder = builder.to(self.device).eval()
        self._actor, self._builder = with_precision(self.actor, self.builder, precision)
        self.fast = fast
        self._fast = None

    @classmethod
    def from_checkpoint(cls, directory: str | os.PathLike | None = None,
                        device: str | torch.device | None = "cpu", precision: str = "fp32",
                        fast: bool = False) -> TorchStylizer:
        """Load from ``directory``, else $RLMINISTYLER_CHECKPOINT, else the download cache."""
        actor, builder = load_pair(resolve_checkpoint_dir(directory))
        return cls(actor, builder, device, precision, fast)

    @torch.inference_mode()
    def encode_style(self, style: Tensor) -> StyleCode:
        """The style pass, once per style image; pass the result to ``sequence`` to reuse it.

        The style image needs no padding: the builder reads only its channel statistics.
        """
        style = _as_batch(style, "style").to(self.device, torch.float32)
        check_size(style, "style image")
        with tf32_mode(self.precision):
            return self._actor.encode_style(style)

    @torch.inference_mode()
    def step(self, moving: Tensor, style: StyleCode, eps: Tensor | None = None) -> Tensor:
        """One step: the next image from a (padded) moving image. Mean action unless ``eps``."""
        with tf32_mode(self.precision):
            return self._builder(self._actor.act(moving, eps), style)

    @torch.inference_mode()
    def iterate(self, content: Tensor, style: Tensor | StyleCode, last_step: int, *,
                stochastic: bool = False, seed: int | None = None,
                noise: Sequence[Tensor] | None = None) -> Iterator[tuple[int, Tensor]]:
        """Yield ``(t, output of step t)`` for t = 1..last_step, cropped to the content's size.

        ``stochastic`` samples ``mean + scale * eps`` with eps from a generator seeded by ``seed``;
        ``noise`` gives eps explicitly, one tensor per step (shaped like the action).
        """
        last_step = check_steps([last_step])[0]
        content = _as_batch(content, "content").to(self.device, torch.float32)
        code = style if isinstance(style, StyleCode) else self.encode_style(style)
        moving, (h, w) = pad_to_multiple(content)
        generator = None
        if stochastic and noise is None:
            generator = torch.Generator(device=self.device)
            generator.manual_seed(seed if seed is not None else int(torch.seed()))
        for t in range(1, last_step + 1):
            eps = None
            if noise is not None:
                eps = noise[t - 1].to(self.device)
            elif generator is not None:
                shape = (moving.shape[0], 64, moving.shape[2] // MULTIPLE, moving.shape[3] // MULTIPLE)
                eps = torch.randn(shape, generator=generator, device=self.device)
            moving = self.step(moving, code, eps)
            yield t, moving[..., :h, :w]

    def sequence(self, content: Tensor, style: Tensor | StyleCode,
                 steps: Iterable[int] = range(1, 11), **kwargs) -> dict[int, Tensor]:
        """Outputs of the chosen steps, ``{step: (N, 3, H, W)}``, unclamped, on this device.

        Keyword arguments are those of ``iterate`` (``stochastic``, ``seed``, ``noise``).
        """
        wanted = check_steps(steps)
        if self.fast and not kwargs.get("stochastic") and kwargs.get("noise") is None:
            return self._fast_sequence(content, style, wanted)
        return {t: out for t, out in self.iterate(content, style, wanted[-1], **kwargs)
                if t in wanted}

    def _fast_sequence(self, content: Tensor, style: Tensor | StyleCode, wanted: list[int]
                       ) -> dict[int, Tensor]:
        from .fast import FastSequence

        if self._fast is None:
            self._fast = FastSequence(self)
        content = _as_batch(content, "content").to(self.device, torch.float32)
        code = style if isinstance(style, StyleCode) else self.encode_style(style)
        moving, (h, w) = pad_to_multiple(content)
        return {t: out[..., :h, :w] for t, out in self._fast.run(moving, code, wanted).items()}
