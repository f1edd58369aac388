"""The PyTorch modules traced into ONNX: the sequence unrolled for a fixed number of steps.

Every frame graph applies actor (mean action) and builder K times, feeding each step's unclamped
output to the next, and clamps what it returns to [0, 1]. With a distilled model's step table
(``conditioning``) each output step is instead one pass from the content, the table's row for that
step folded in as constants: the actor runs once, and pruning an all-steps model to one output
leaves one builder; or, with ``step_input``, the step is the graph's last input and its row is
gathered from the table inside: one output, every step one pass. A variant names its frame graph
(``Variant.graph``); :data:`FRAME_GRAPHS` finds the class.
"""

from __future__ import annotations

import torch
from rlministyler.training.model import Actor, Builder, StyleCode
from torch import Tensor, nn

from .targets import STYLE_TENSORS

assert STYLE_TENSORS == tuple(f"style_{name}" for name in StyleCode._fields), "style tensors changed"
STYLE_CHANNELS = {"f1_mean": 64, "f1_std": 64, "f2_mean": 64, "f2_std": 64, "w1": 64, "b1": 64,
                  "w2": 64, "b2": 64, "w12": 16, "b12": 16, "w13": 32, "b13": 32}


class _Unrolled(nn.Module):
    def __init__(self, actor: Actor, builder: Builder, steps: int, all_steps: bool,
                 conditioning: nn.Module | None = None, step_input: bool = False) -> None:
        super().__init__()
        self.actor = actor
        self.builder = builder
        self.steps = steps
        self.all_steps = all_steps
        self.conditioning = conditioning
        self.step_input = step_input

    @classmethod
    def build(cls, actor: Actor, builder: Builder, steps: int, all_steps: bool,
              style: Tensor | None, conditioning: nn.Module | None = None,
              step_input: bool = False) -> _Unrolled:
        """The graph for this pair; ``style`` is the style image, used where it is folded in;
        ``conditioning`` a distilled model's step table; ``step_input`` takes the step as input."""
        return cls(actor, builder, steps, all_steps, conditioning, step_input)

    def example_inputs(self, style_hw: tuple[int, int]) -> tuple[Tensor, ...]:
        """Inputs after ``content`` to trace with (a ``style_hw`` style image where one is taken;
        the step last, with ``step_input``)."""
        step = (torch.tensor([self.steps], dtype=torch.int64),) if self.step_input else ()
        return (*self.style_examples(style_hw), *step)

    def style_examples(self, style_hw: tuple[int, int]) -> tuple[Tensor, ...]:
        raise NotImplementedError

    def code_of(self, *style: Tensor) -> StyleCode:
        """The style code from the style inputs."""
        raise NotImplementedError

    def forward(self, content: Tensor, *rest: Tensor) -> tuple[Tensor, ...]:
        if self.step_input:
            *style, step = rest
            code = self.code_of(*style)
            out = self.builder(self.conditioning.action(self.actor.act(content), step),
                               self.conditioning.code(code, step))
            return (out.clamp(0.0, 1.0),)
        return self.unroll(content, self.code_of(*rest))

    def unroll(self, content: Tensor, code: StyleCode) -> tuple[Tensor, ...]:
        if self.conditioning is not None:
            return self.one_pass(content, code)
        moving, outputs = content, []
        for t in range(1, self.steps + 1):
            moving = self.builder(self.actor.act(moving), code)
            if self.all_steps or t == self.steps:
                outputs.append(moving.clamp(0.0, 1.0))
        return tuple(outputs)

    def one_pass(self, content: Tensor, code: StyleCode) -> tuple[Tensor, ...]:
        action, outputs = self.actor.act(content), []
        for t in range(1 if self.all_steps else self.steps, self.steps + 1):
            step = torch.tensor([t])  # a constant row index: broadcast over the batch, no Shape ops
            out = self.builder(self.conditioning.action(action, step), self.conditioning.code(code, step))
            outputs.append(out.clamp(0.0, 1.0))
        return tuple(outputs)


class FullGraph(_Unrolled):
    """Inputs ``content`` and ``style``; the style pass runs once inside the graph."""

    def style_examples(self, style_hw: tuple[int, int]) -> tuple[Tensor, ...]:
        return (torch.rand(1, 3, *style_hw),)

    def code_of(self, style: Tensor) -> StyleCode:
        return self.actor.encode_style(style)


class BakedGraph(_Unrolled):
    """Input ``content``; the style image is a constant, so onnxsim folds the style pass away."""

    def __init__(self, actor: Actor, builder: Builder, steps: int, all_steps: bool, style: Tensor,
                 conditioning: nn.Module | None = None, step_input: bool = False):
        super().__init__(actor, builder, steps, all_steps, conditioning, step_input)
        self.register_buffer("style", style, persistent=False)

    @classmethod
    def build(cls, actor: Actor, builder: Builder, steps: int, all_steps: bool,
              style: Tensor | None, conditioning: nn.Module | None = None,
              step_input: bool = False) -> _Unrolled:
        return cls(actor, builder, steps, all_steps, style, conditioning, step_input)

    def style_examples(self, style_hw: tuple[int, int]) -> tuple[Tensor, ...]:
        return ()

    def code_of(self) -> StyleCode:
        return self.actor.encode_style(self.style)


class FrameGraph(_Unrolled):
    """Split variant, per frame: ``content`` and the twelve style tensors -> output(s)."""

    def style_examples(self, style_hw: tuple[int, int]) -> tuple[Tensor, ...]:
        return tuple(self.actor.encode_style(torch.rand(1, 3, *style_hw)))

    def code_of(self, *style: Tensor) -> StyleCode:
        return StyleCode(*style)


class StyleEncoderGraph(nn.Module):
    """Split variant, once per style: ``style`` -> the twelve (1, C, 1, 1) style tensors."""

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor

    def forward(self, style: Tensor) -> tuple[Tensor, ...]:
        return tuple(self.actor.encode_style(style))


FRAME_GRAPHS: dict[str, type[_Unrolled]] = {g.__name__: g for g in (FullGraph, BakedGraph, FrameGraph)}
