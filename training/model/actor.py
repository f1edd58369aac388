"""The actor: one encoder for the moving image and the style image, a modulator and a Gaussian head."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from .layers import DownStage, PooledConv, ReflectConv, ResidualBlock, ScaleShift, mean_std


class StyleFeatures(NamedTuple):
    """Everything the style pass produces; the contrastive loss compares these between images."""

    f1: Tensor
    f2: Tensor
    e2: Tensor
    e3: Tensor
    w12: Tensor
    b12: Tensor
    w13: Tensor
    b13: Tensor
    w1: Tensor
    b1: Tensor
    w2: Tensor
    b2: Tensor

    def code(self) -> StyleCode:
        """The part of the style pass the builder reads, reduced to per-channel vectors."""
        f1_mean, f1_std = mean_std(self.f1)
        f2_mean, f2_std = mean_std(self.f2)
        return StyleCode(f1_mean, f1_std, f2_mean, f2_std, self.w1, self.b1, self.w2, self.b2,
                         self.w12, self.b12, self.w13, self.b13)


class StyleCode(NamedTuple):
    """What the builder needs from a style image: twelve (N, C, 1, 1) vectors.

    The builder only reads the channel statistics of the style features (through AdaIN), so
    this is all a per-frame model needs once a style has been encoded.
    """

    f1_mean: Tensor
    f1_std: Tensor
    f2_mean: Tensor
    f2_std: Tensor
    w1: Tensor
    b1: Tensor
    w2: Tensor
    b2: Tensor
    w12: Tensor
    b12: Tensor
    w13: Tensor
    b13: Tensor


class Encoder(nn.Module):
    """Shared encoder; in style mode two refinement convs replace e2 and e3 and feed modulators."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = ReflectConv(3, 16, 9)
        self.down1 = DownStage(16, 32)
        self.style_refine1 = ReflectConv(32, 32, 3)
        self.style_mod1 = ScaleShift(32, 16, groups=16)
        self.down2 = DownStage(32, 64)
        self.style_refine2 = ReflectConv(64, 64, 3)
        self.style_mod2 = ScaleShift(64, 32, groups=32)
        self.res1 = ResidualBlock(64)
        self.res2 = ResidualBlock(64)

    def forward_moving(self, x: Tensor) -> Tensor:
        """Encode the moving image; returns f2, the only feature the Gaussian head reads."""
        e3 = self.down2(self.down1(torch.relu(self.stem(x))))
        return self.res2(self.res1(e3))

    def forward_style(self, x: Tensor) -> tuple[Tensor, ...]:
        """Encode a style image: (f1, f2, e2, e3, w12, b12, w13, b13)."""
        e2 = self.down1(torch.relu(self.stem(x)))
        e2 = torch.relu(self.style_refine1(e2))
        w12, b12 = self.style_mod1(e2)
        e3 = self.down2(e2)
        e3 = torch.relu(self.style_refine2(e3))
        w13, b13 = self.style_mod2(e3)
        f1 = self.res1(e3)
        f2 = self.res2(f1)
        return f1, f2, e2, e3, w12, b12, w13, b13


class Modulator(nn.Module):
    """Four depthwise pooled convs: (w1, b1) from f1 and (w2, b2) from f2 of the style pass."""

    def __init__(self, channels: int = 64) -> None:
        super().__init__()
        self.w1 = PooledConv(channels, channels, groups=channels)
        self.b1 = PooledConv(channels, channels, groups=channels)
        self.w2 = PooledConv(channels, channels, groups=channels)
        self.b2 = PooledConv(channels, channels, groups=channels)

    def forward(self, f1: Tensor, f2: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        return self.w1(f1), self.b1(f1), self.w2(f2), self.b2(f2)


class GaussianHead(nn.Module):
    """Mean and scale of the per-location Gaussian policy over the 64-channel action map.

    As in the published checkpoint, ``exp(logvar)`` is used directly as the standard deviation.
    """

    def __init__(self, channels: int = 64) -> None:
        super().__init__()
        self.shared = ReflectConv(channels, channels, 3, groups=channels)
        self.mean = ReflectConv(channels, channels, 1)
        self.log_scale = ReflectConv(channels, channels, 1)

    def forward(self, f2: Tensor) -> tuple[Tensor, Tensor]:
        h = self.shared(f2)
        logvar = -10.0 + 6.0 * (torch.tanh(self.log_scale(h)) + 1.0)
        return self.mean(h), torch.exp(logvar)

    def mean_only(self, f2: Tensor) -> Tensor:
        """The mean alone (the deterministic action), without computing the scale."""
        return self.mean(self.shared(f2))


class Actor(nn.Module):
    """The unified policy (217,312 parameters)."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = Encoder()
        self.modulator = Modulator()
        self.head = GaussianHead()

    def style_features(self, style: Tensor) -> StyleFeatures:
        """Full style pass (encoder in style mode, then modulator)."""
        f1, f2, e2, e3, w12, b12, w13, b13 = self.encoder.forward_style(style)
        w1, b1, w2, b2 = self.modulator(f1, f2)
        return StyleFeatures(f1, f2, e2, e3, w12, b12, w13, b13, w1, b1, w2, b2)

    def encode_style(self, style: Tensor) -> StyleCode:
        """The style pass reduced to what the builder reads; compute once per style image."""
        return self.style_features(style).code()

    def forward(self, moving: Tensor) -> tuple[Tensor, Tensor]:
        """Policy parameters for a moving image: (mean, scale), each (N, 64, H/4, W/4)."""
        return self.head(self.encoder.forward_moving(moving))

    def act(self, moving: Tensor, eps: Tensor | None = None) -> Tensor:
        """The action: the mean, or ``mean + scale * eps`` when noise is given."""
        if eps is None:
            return self.head.mean_only(self.encoder.forward_moving(moving))
        mu, scale = self(moving)
        return mu + scale * eps
