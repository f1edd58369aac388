"""Exact graph rewrites: the speed rewrites (``--rewrites``: :func:`apply_rewrites`) and the op
substitutes some engines need (:func:`use_phase_upsampling`, :func:`densify_grouped_convs`).
Each one computes the same numbers as the layers it replaces, up to float rounding.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from rlministyler.training.model import Actor, Builder, StyleCode
from rlministyler.training.sequence import to_tensor
from torch import Tensor, nn
from torch.nn import functional as F

from .plan import ExportPlan


def rewritten_pair(plan: ExportPlan, actor: Actor, builder: Builder, style: np.ndarray | None
                   ) -> tuple[Actor, Builder, list[str]]:
    """Copies of the pair with the plan's rewrites and the target's op substitutes applied, and the
    rewrites that applied (``fold-modulation`` needs the style folded in: ``style``)."""
    rewritten_actor, rewritten_builder = copy.deepcopy(actor), copy.deepcopy(builder)
    code = None
    if plan.variant.needs_style:
        with torch.no_grad():
            code = actor.encode_style(to_tensor(style))
    applied = apply_rewrites(rewritten_actor, rewritten_builder, plan.rewrites, code)
    if plan.target.dense_convs:
        use_phase_upsampling(rewritten_builder)
        densify_grouped_convs(rewritten_actor)
        densify_grouped_convs(rewritten_builder)
    return rewritten_actor, rewritten_builder, applied


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


class SpaceToDepth2(torch.autograd.Function):
    """ONNX SpaceToDepth (block 2): (h*2 + b1, w*2 + b2) of channel c goes to channel
    (b1 * 2 + b2) * C + c. Traced as one node; the inverse of :class:`DepthToSpace2`."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        x = x.reshape(n, c, h // 2, 2, w // 2, 2).permute(0, 3, 5, 1, 2, 4)
        return x.reshape(n, 4 * c, h // 2, w // 2)

    @staticmethod
    def symbolic(g, x):
        return g.op("SpaceToDepth", x, blocksize_i=2)


class HalfResolutionConv(nn.Module):
    """A reflect-padded k x k convolution computed at half resolution: the padded input goes
    through SpaceToDepth(2), a dense (k//2 + 1)-wide convolution maps its 4 * Cin
    phases to 4 * Cout output phases, and DepthToSpace(2) interleaves them. The same sums as the
    original (weights are only rearranged; 19 % of the new taps are zeros). It pays for convs
    with few output channels: the 9x9 16 -> 3 output layer runs 2.7x faster in onnxruntime,
    whose CPU kernels compute output channels in blocks of 8."""

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        cout, cin, k, k2 = conv.weight.shape
        if k != k2 or conv.groups != 1 or conv.stride != (1, 1) or k % 2 == 0:
            raise ValueError("only odd square, stride-1, ungrouped convolutions")
        self.pad = k // 2
        taps = k // 2 + 1
        source = conv.weight.detach()
        weight = torch.zeros(4 * cout, 4 * cin, taps, taps, dtype=source.dtype)
        for a in (0, 1):  # output phase (row, column) = (a, e)
            for e in (0, 1):
                for p in (0, 1):  # input phase (p, q)
                    for q in (0, 1):
                        for m in range(taps):
                            for n in range(taps):
                                dy, dx = 2 * m + p - a, 2 * n + q - e
                                if 0 <= dy < k and 0 <= dx < k:
                                    rows = slice((2 * a + e) * cout, (2 * a + e + 1) * cout)
                                    cols = slice((2 * p + q) * cin, (2 * p + q + 1) * cin)
                                    weight[rows, cols, m, n] = source[:, :, dy, dx]
        self.conv = nn.Conv2d(4 * cin, 4 * cout, taps, bias=conv.bias is not None)
        self.conv.weight.data.copy_(weight)
        if conv.bias is not None:
            self.conv.bias.data.copy_(conv.bias.detach().repeat(4))

    def forward(self, x: Tensor) -> Tensor:
        x = F.pad(x, (self.pad,) * 4, mode="reflect")
        return DepthToSpace2.apply(self.conv(SpaceToDepth2.apply(x)))


class SplitDepthwiseDown(nn.Module):
    """A :class:`DownStage` whose grouped conv (one input channel per group, ``m`` outputs) runs
    as ``m`` plain depthwise convs on the same padded input. Their outputs are concatenated
    multiplier-major and the 1x1 conv's input channels are permuted to match, so the sums are
    the original ones. onnxruntime has fast kernels for depthwise convs only (groups == in ==
    out channels); the grouped form runs about 10x slower per multiply-accumulate."""

    def __init__(self, stage: nn.Module) -> None:
        super().__init__()
        grouped, pointwise = stage.depthwise.conv, stage.pointwise.conv
        cin, cout = grouped.in_channels, grouped.out_channels
        if grouped.groups != cin or cout % cin:
            raise ValueError("expected one input channel per group")
        self.pad = stage.depthwise.pad
        self.parts = nn.ModuleList()
        multiplier = cout // cin
        for m in range(multiplier):
            part = nn.Conv2d(cin, cin, grouped.kernel_size, stride=grouped.stride, groups=cin)
            part.weight.data.copy_(grouped.weight.detach()[m::multiplier])
            part.bias.data.copy_(grouped.bias.detach()[m::multiplier])
            self.parts.append(part)
        order = [g * multiplier + m for m in range(multiplier) for g in range(cin)]
        self.pointwise = nn.Conv2d(cout, pointwise.out_channels, 1)
        self.pointwise.weight.data.copy_(pointwise.weight.detach()[:, order])
        self.pointwise.bias.data.copy_(pointwise.bias.detach())

    def forward(self, x: Tensor) -> Tensor:
        x = F.pad(x, (self.pad,) * 4, mode="reflect")
        x = torch.cat([part(x) for part in self.parts], dim=1)
        return torch.relu(self.pointwise(torch.relu(x)))


class PairSumDepthwise(nn.Module):
    """A reflect-padded grouped conv with several input channels and one output per group, as a
    depthwise conv over every input channel followed by a 1x1 conv of ones that adds each
    group's channels (and the bias). Exact up to float rounding; see :class:`SplitDepthwiseDown`
    for why it pays."""

    def __init__(self, conv: nn.Module) -> None:
        super().__init__()
        grouped = conv.conv
        cin, cout, groups = grouped.in_channels, grouped.out_channels, grouped.groups
        if groups != cout or cin % cout:
            raise ValueError("expected one output channel per group")
        per_group = cin // cout
        self.pad = conv.pad
        self.depthwise = nn.Conv2d(cin, cin, grouped.kernel_size, groups=cin, bias=False)
        self.depthwise.weight.data.copy_(grouped.weight.detach().reshape(cin, 1, *grouped.kernel_size))
        self.pair_sum = nn.Conv2d(cin, cout, 1)
        weight = torch.zeros(cout, cin, 1, 1)
        for c in range(cout):
            weight[c, c * per_group:(c + 1) * per_group] = 1.0
        self.pair_sum.weight.data.copy_(weight)
        self.pair_sum.bias.data.copy_(grouped.bias.detach())

    def forward(self, x: Tensor) -> Tensor:
        x = F.pad(x, (self.pad,) * 4, mode="reflect")
        return self.pair_sum(self.depthwise(x))


def _fold_modulation(conv: nn.Conv2d, w: Tensor, b: Tensor) -> nn.Conv2d:
    """A convolution computing ``w * conv(x) + b * x`` (w, b per channel, constants): the weights
    scaled by ``w`` and ``b`` added to the centre tap of each channel's own input. Reflection
    padding does not touch the centre tap, so the fold is exact."""
    cout, cin, kh, kw = conv.weight.shape
    if cout != cin or conv.groups != 1:
        raise ValueError("modulation folds need a square, ungrouped convolution")
    folded = nn.Conv2d(cin, cout, (kh, kw), bias=True)
    scale = w.detach().reshape(-1)
    weight = conv.weight.detach() * scale.view(-1, 1, 1, 1)
    index = torch.arange(cout)
    weight[index, index, kh // 2, kw // 2] += b.detach().reshape(-1)
    folded.weight.data.copy_(weight)
    bias = conv.bias.detach() if conv.bias is not None else torch.zeros(cout)
    folded.bias.data.copy_(bias * scale)
    return folded


class _FoldedResidual(nn.Module):
    """ModulatedResidualBlock with constant ``w``, ``b`` folded into its two convolutions."""

    def __init__(self, block: nn.Module, w: Tensor, b: Tensor) -> None:
        super().__init__()
        self.conv1, self.conv2 = copy.deepcopy(block.conv1), copy.deepcopy(block.conv2)
        self.conv1.conv = _fold_modulation(block.conv1.conv, w, b)
        self.conv2.conv = _fold_modulation(block.conv2.conv, w, b)

    def forward(self, x: Tensor, w: Tensor, b: Tensor) -> Tensor:
        return x + self.conv2(torch.relu(self.conv1(x)))


class _FoldedUpsample(nn.Module):
    """ModulatedUpsample with constant ``w``, ``b`` folded into its 1x1 convolution."""

    def __init__(self, block: nn.Module, w: Tensor, b: Tensor) -> None:
        super().__init__()
        self.upsample, self.conv1 = block.upsample, block.conv1
        self.conv2 = copy.deepcopy(block.conv2)
        self.conv2.conv = _fold_modulation(block.conv2.conv, w, b)

    def forward(self, x: Tensor, w: Tensor, b: Tensor) -> Tensor:
        u = torch.relu(self.conv1(self.upsample(x)))
        return torch.relu(self.conv2(u))


def apply_rewrites(actor: Actor, builder: Builder, rewrites: tuple[str, ...],
                   style: StyleCode | None = None) -> list[str]:
    """Exact graph rewrites for speed (see ``export --help``), in place; returns those applied.
    ``fold-modulation`` needs the style code as constants, so it applies to baked models only."""
    applied = []
    for name in rewrites:
        if name == "half-res-head":
            builder.head = HalfResolutionConv(builder.head.conv)
        elif name == "fold-modulation":
            if style is None:
                continue
            builder.res_deep = _FoldedResidual(builder.res_deep, style.w2, style.b2)
            builder.res_shallow = _FoldedResidual(builder.res_shallow, style.w1, style.b1)
            builder.up1 = _FoldedUpsample(builder.up1, style.w13, style.b13)
            builder.up2 = _FoldedUpsample(builder.up2, style.w12, style.b12)
        elif name == "depthwise-groups":
            encoder = actor.encoder
            encoder.down1 = SplitDepthwiseDown(encoder.down1)
            encoder.down2 = SplitDepthwiseDown(encoder.down2)
            for block in (builder.up1, builder.up2):
                block.conv1 = PairSumDepthwise(block.conv1)
            for pooled in (encoder.style_mod1.weight, encoder.style_mod1.bias,
                           encoder.style_mod2.weight, encoder.style_mod2.bias):  # style pass
                pooled.conv = PairSumDepthwise(pooled.conv)
        else:
            raise ValueError(f"unknown rewrite {name!r}")
        applied.append(name)
    return applied


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
