"""PyTorch modules that are traced into ONNX: the sequence unrolled for a fixed number of steps.

Every graph applies actor (mean action) and builder K times, feeding each step's unclamped
output to the next, and clamps what it returns to [0, 1].
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from training.model import Actor, Builder, StyleCode

STYLE_TENSORS = tuple(f"style_{name}" for name in StyleCode._fields)
STYLE_CHANNELS = {"f1_mean": 64, "f1_std": 64, "f2_mean": 64, "f2_std": 64, "w1": 64, "b1": 64,
                  "w2": 64, "b2": 64, "w12": 16, "b12": 16, "w13": 32, "b13": 32}


def output_names(steps: int, all_steps: bool) -> list[str]:
    return [f"step_{t}" for t in range(1, steps + 1)] if all_steps else ["stylized"]


class PhaseBilinear2x(nn.Module):
    """Bilinear x2 (``align_corners=False``) from ops that old importers read exactly.

    Each of the four output phases is a fixed depthwise 3x3 convolution of the edge-padded
    input (weights 0.25/0.75 per axis); DepthToSpace interleaves them. Same numbers as
    ``F.interpolate`` up to float rounding, without Resize's coordinate modes.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        taps = {0: torch.tensor([0.25, 0.75, 0.0]), 1: torch.tensor([0.0, 0.75, 0.25])}
        kernels = [torch.outer(taps[a], taps[b]) for a in (0, 1) for b in (0, 1)]
        weight = torch.stack(kernels).unsqueeze(1).repeat(1, channels, 1, 1)  # (4, C, 3, 3)
        self.register_buffer("weight", weight.reshape(4 * channels, 1, 3, 3), persistent=False)
        self.channels = channels

    def forward(self, x: Tensor) -> Tensor:
        c = self.channels
        x = F.pad(x, (1, 1, 1, 1), mode="replicate")
        phases = [F.conv2d(x, self.weight[p * c:(p + 1) * c], groups=c) for p in range(4)]
        return DepthToSpace2.apply(torch.cat(phases, dim=1))


class DepthToSpace2(torch.autograd.Function):
    """ONNX DepthToSpace (DCR, block 2): channel (b1 * 2 + b2) * C + c goes to (2h + b1, 2w + b2).

    Traced as one DepthToSpace node (every opset has DCR), not as 6-D reshapes.
    """

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        n, c4, h, w = x.shape
        c = c4 // 4
        x = x.reshape(n, 2, 2, c, h, w).permute(0, 3, 4, 1, 5, 2)
        return x.reshape(n, c, h * 2, w * 2)

    @staticmethod
    def symbolic(g, x):
        return g.op("DepthToSpace", x, blocksize_i=2)


class _Unrolled(nn.Module):
    def __init__(self, actor: Actor, builder: Builder, steps: int, all_steps: bool) -> None:
        super().__init__()
        self.actor = actor
        self.builder = builder
        self.steps = steps
        self.all_steps = all_steps

    def unroll(self, content: Tensor, code: StyleCode) -> tuple[Tensor, ...]:
        moving, outputs = content, []
        for t in range(1, self.steps + 1):
            moving = self.builder(self.actor.act(moving), code)
            if self.all_steps or t == self.steps:
                outputs.append(moving.clamp(0.0, 1.0))
        return tuple(outputs)


class FullGraph(_Unrolled):
    """Inputs ``content`` and ``style``; the style pass runs once inside the graph."""

    def forward(self, content: Tensor, style: Tensor) -> tuple[Tensor, ...]:
        return self.unroll(content, self.actor.encode_style(style))


class BakedGraph(_Unrolled):
    """Input ``content``; the style image is a constant, so onnxsim folds the style pass away."""

    def __init__(self, actor: Actor, builder: Builder, steps: int, all_steps: bool, style: Tensor):
        super().__init__(actor, builder, steps, all_steps)
        self.register_buffer("style", style, persistent=False)

    def forward(self, content: Tensor) -> tuple[Tensor, ...]:
        return self.unroll(content, self.actor.encode_style(self.style))


class FrameGraph(_Unrolled):
    """Split variant, per frame: ``content`` and the twelve style tensors -> output(s)."""

    def forward(self, content: Tensor, *style: Tensor) -> tuple[Tensor, ...]:
        return self.unroll(content, StyleCode(*style))


class StyleEncoderGraph(nn.Module):
    """Split variant, once per style: ``style`` -> the twelve (1, C, 1, 1) style tensors."""

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor

    def forward(self, style: Tensor) -> tuple[Tensor, ...]:
        return tuple(self.actor.encode_style(style))


def use_phase_upsampling(builder: Builder) -> None:
    """Swap the builder's bilinear Resize for the exact DepthToSpace form (for Barracuda)."""
    builder.up1.upsample = PhaseBilinear2x(64)
    builder.up2.upsample = PhaseBilinear2x(32)


def densify_grouped_convs(module: nn.Module) -> int:
    """Replace grouped convolutions that are not plain depthwise (groups == in == out channels)
    by dense ones with block-diagonal weights: same numbers, ops Barracuda reads correctly
    (its importer takes every grouped Conv for a depthwise one). Returns how many were replaced."""
    replaced = 0
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if not isinstance(child, nn.Conv2d) or child.groups == 1:
                continue
            if child.groups == child.in_channels == child.out_channels:
                continue
            dense = nn.Conv2d(child.in_channels, child.out_channels, child.kernel_size,
                              stride=child.stride, padding=child.padding, bias=child.bias is not None)
            weight = torch.zeros_like(dense.weight)
            cin_g, cout_g = child.in_channels // child.groups, child.out_channels // child.groups
            for g in range(child.groups):
                weight[g * cout_g:(g + 1) * cout_g, g * cin_g:(g + 1) * cin_g] = \
                    child.weight.data[g * cout_g:(g + 1) * cout_g]
            dense.weight.data.copy_(weight)
            if child.bias is not None:
                dense.bias.data.copy_(child.bias.data)
            setattr(parent, name, dense)
            replaced += 1
    return replaced
