"""The one-pass student: the teacher's actor and builder (initialised from its weights) plus a
small per-step table that conditions one pass on the step.

Step ``k`` (1..``max_steps``) selects a row of :class:`StepConditioning`, which modulates what the
builder reads: the 12 style-code vectors (the AdaIN targets of both stages and the scale-and-shift
of every modulated block: so per-step FiLM on the whole builder) and the action map's channels.
``v -> v * exp(gain[k]) + bias[k]``, with no bias on the two standard deviations (they must stay
positive). The table starts at zero, so before training every step is the teacher's step 1: the
student starts from the teacher's one-pass output and learns how each further step moves it.
About 13,000 parameters for 10 steps, on top of the teacher's 371,155.
"""

from __future__ import annotations

import torch
from rlministyler.training.model import Actor, Builder, StyleCode
from torch import Tensor, nn

# StyleCode's fields and their channel counts, in order
CODE_CHANNELS = (("f1_mean", 64), ("f1_std", 64), ("f2_mean", 64), ("f2_std", 64), ("w1", 64), ("b1", 64),
                 ("w2", 64), ("b2", 64), ("w12", 16), ("b12", 16), ("w13", 32), ("b13", 32))
CODE_WIDTH = sum(c for _, c in CODE_CHANNELS)
ACTION_CHANNELS = 64


class StepConditioning(nn.Module):
    """Per-step gains (as logs) and biases for the flattened style code and the action map."""

    def __init__(self, max_steps: int = 10) -> None:
        super().__init__()
        self.max_steps = max_steps
        self.code_gain = nn.Parameter(torch.zeros(max_steps, CODE_WIDTH))
        self.code_bias = nn.Parameter(torch.zeros(max_steps, CODE_WIDTH))
        self.action_gain = nn.Parameter(torch.zeros(max_steps, ACTION_CHANNELS))
        self.action_bias = nn.Parameter(torch.zeros(max_steps, ACTION_CHANNELS))
        mask = torch.ones(CODE_WIDTH)
        start = 0
        for name, channels in CODE_CHANNELS:
            if name.endswith("_std"):
                mask[start:start + channels] = 0
            start += channels
        self.register_buffer("bias_mask", mask, persistent=False)

    def code(self, code: StyleCode, steps: Tensor) -> StyleCode:
        """``code`` (N or 1 rows) as step ``steps`` (N,) reads it."""
        flat = torch.cat([v.flatten(1) for v in code], dim=1)
        rows = steps - 1
        flat = flat * self.code_gain[rows].exp() + self.code_bias[rows] * self.bias_mask
        parts, start = [], 0
        for _, channels in CODE_CHANNELS:
            parts.append(flat[:, start:start + channels, None, None])
            start += channels
        return StyleCode(*parts)

    def action(self, action: Tensor, steps: Tensor) -> Tensor:
        rows = steps - 1
        gain, bias = self.action_gain[rows].exp(), self.action_bias[rows]
        return action * gain[:, :, None, None] + bias[:, :, None, None]


class OnePassStylizer(nn.Module):
    """Content, style code and step in; the student's image for that step out, in one pass."""

    def __init__(self, actor: Actor, builder: Builder, max_steps: int = 10) -> None:
        super().__init__()
        self.actor, self.builder = actor, builder
        self.conditioning = StepConditioning(max_steps)

    @property
    def max_steps(self) -> int:
        return self.conditioning.max_steps

    def encode_style(self, style: Tensor) -> StyleCode:
        return self.actor.encode_style(style)

    def forward(self, content: Tensor, code: StyleCode, steps: Tensor) -> Tensor:
        """``content`` (N, 3, H, W) padded to a multiple of 4, ``steps`` (N,) int64 in 1..max_steps."""
        action = self.conditioning.action(self.actor.act(content), steps)
        return self.builder(action, self.conditioning.code(code, steps))
