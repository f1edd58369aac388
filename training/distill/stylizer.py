"""The distilled model behind :class:`~rlministyler.training.sequence.TorchStylizer`'s interface:
step ``t`` is one pass from the content (not ``t`` passes), so every step costs the same."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import torch
from rlministyler.training.model import StyleCode
from rlministyler.training.precision import tf32_mode
from rlministyler.training.sequence import TorchStylizer, _as_batch, check_steps, pad_to_multiple
from torch import Tensor

from rlministyler.errors import UserError

from .checkpoint import load_distilled
from .model import OnePassStylizer


class OnePassTorchStylizer(TorchStylizer):
    """A distilled (step-conditioned, one-pass) model with the sequence API; mean action only."""

    one_pass = True

    def __init__(self, model: OnePassStylizer, device: str | torch.device | None = "cpu",
                 precision: str = "fp32") -> None:
        super().__init__(model.actor, model.builder, device, precision)
        self.conditioning = model.conditioning.to(self.device)
        self.max_steps = model.max_steps

    @classmethod
    def from_file(cls, path: str | os.PathLike, device: str | torch.device | None = "cpu",
                  precision: str = "fp32") -> OnePassTorchStylizer:
        return cls(load_distilled(Path(path))[0], device, precision)

    def _check(self, steps: Iterable[int]) -> list[int]:
        chosen = check_steps(steps)
        if chosen[-1] > self.max_steps:
            raise UserError(f"step {chosen[-1]}: this distilled model serves steps 1..{self.max_steps}")
        return chosen

    @torch.inference_mode()
    def one_pass_step(self, content: Tensor, style: StyleCode, step: int) -> Tensor:
        """Step ``step`` of a (padded) content, in one pass."""
        steps = torch.full((content.shape[0],), step, dtype=torch.long, device=self.device)
        with tf32_mode(self.precision):
            action = self.conditioning.action(self._actor.act(content), steps)
            return self._builder(action, self.conditioning.code(style, steps))

    def iterate(self, content: Tensor, style: Tensor | StyleCode, last_step: int, *,
                stochastic: bool = False, seed: int | None = None,
                noise: Sequence[Tensor] | None = None) -> Iterator[tuple[int, Tensor]]:
        yield from self.sequence(content, style, range(1, last_step + 1), stochastic=stochastic,
                                 noise=noise).items()

    def sequence(self, content: Tensor, style: Tensor | StyleCode,
                 steps: Iterable[int] = range(1, 11), **kwargs) -> dict[int, Tensor]:
        if kwargs.get("stochastic") or kwargs.get("noise") is not None:
            raise UserError("the distilled model runs the mean action only: drop --stochastic")
        wanted = self._check(steps)
        content = _as_batch(content, "content").to(self.device, torch.float32)
        code = style if isinstance(style, StyleCode) else self.encode_style(style)
        padded, (h, w) = pad_to_multiple(content)
        return {t: self.one_pass_step(padded, code, t)[..., :h, :w] for t in wanted}
