"""Building blocks shared by the actor, the builder and the critic.

Every convolution in RLMiniStyler is a reflection-padded convolution with bias; the
statistics used by AdaIN and the style losses use the unbiased variance.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

EPS = 1e-5


class ReflectConv(nn.Module):
    """Reflection padding of ``kernel // 2`` on every side, then a biased convolution.

    When the convolution's weights are in another dtype than the input (half precision, see
    :mod:`rlministyler.training.precision`), it computes in the weights' dtype and returns the
    input's: everything around the convolutions stays in float32."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1) -> None:
        super().__init__()
        self.pad = kernel // 2
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, groups=groups)

    def forward(self, x: Tensor) -> Tensor:
        if self.pad:
            x = F.pad(x, (self.pad,) * 4, mode="reflect")
        dtype = self.conv.weight.dtype
        if dtype != x.dtype:
            return self.conv(x.to(dtype)).to(x.dtype)
        return self.conv(x)


class ResidualBlock(nn.Module):
    """``x + conv3x3(relu(conv3x3(x)))``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = ReflectConv(channels, channels, 3)
        self.conv2 = ReflectConv(channels, channels, 3)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv2(torch.relu(self.conv1(x)))


class ModulatedResidualBlock(nn.Module):
    """Residual block whose two convolutions are modulated by per-channel ``w`` and ``b``.

    ``y = w * conv1(x) + b * x``; ``z = relu(y)``; ``out = x + w * conv2(z) + b * z``.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = ReflectConv(channels, channels, 3)
        self.conv2 = ReflectConv(channels, channels, 3)

    def forward(self, x: Tensor, w: Tensor, b: Tensor) -> Tensor:
        y = torch.relu(w * self.conv1(x) + b * x)
        return x + (w * self.conv2(y) + b * y)


class Bilinear2x(nn.Module):
    """Bilinear x2 upsampling (``align_corners=False``), as the published model uses."""

    def forward(self, x: Tensor) -> Tensor:
        return F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)


class ModulatedUpsample(nn.Module):
    """Bilinear x2, grouped 3x3 conv, 1x1 conv, modulated by ``w`` and ``b`` from the style pass.

    ``upsample`` has no weights; the exporter may swap it for an equivalent made of other ops.
    """

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.upsample: nn.Module = Bilinear2x()
        self.conv1 = ReflectConv(cin, cout, 3, groups=cout)
        self.conv2 = ReflectConv(cout, cout, 1)

    def forward(self, x: Tensor, w: Tensor, b: Tensor) -> Tensor:
        x = self.upsample(x)
        u = torch.relu(self.conv1(x))
        return torch.relu(w * self.conv2(u) + b * u)


class PooledConv(nn.Module):
    """A convolution followed by global average pooling: one value per channel (N, C, 1, 1)."""

    def __init__(self, cin: int, cout: int, groups: int) -> None:
        super().__init__()
        self.conv = ReflectConv(cin, cout, 3, groups=groups)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x).mean(dim=(2, 3), keepdim=True)


class ScaleShift(nn.Module):
    """Two pooled convolutions that turn a feature map into a per-channel scale and shift."""

    def __init__(self, cin: int, cout: int, groups: int) -> None:
        super().__init__()
        self.weight = PooledConv(cin, cout, groups)
        self.bias = PooledConv(cin, cout, groups)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return self.weight(x), self.bias(x)


def mean_std(feat: Tensor, eps: float = EPS) -> tuple[Tensor, Tensor]:
    """Per-sample, per-channel mean and ``sqrt(unbiased var + eps)``, each shaped (N, C, 1, 1)."""
    n, c = feat.shape[:2]
    flat = feat.reshape(n, c, -1)
    mean = flat.mean(dim=2).reshape(n, c, 1, 1)
    std = (flat.var(dim=2, unbiased=True) + eps).sqrt().reshape(n, c, 1, 1)
    return mean, std


def adain_to(x: Tensor, mean: Tensor, std: Tensor) -> Tensor:
    """Normalise ``x`` per channel, then give it the channel ``mean`` and ``std``."""
    x_mean, x_std = mean_std(x)
    return (x - x_mean) / x_std * std + mean


def adain(content: Tensor, style: Tensor) -> Tensor:
    """Adaptive instance normalisation: give ``content`` the channel statistics of ``style``."""
    return adain_to(content, *mean_std(style))


class DownStage(nn.Module):
    """Grouped stride-2 3x3 convolution, ReLU, 1x1 convolution, ReLU: halves the resolution."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.depthwise = ReflectConv(cin, cout, 3, stride=2, groups=cin)
        self.pointwise = ReflectConv(cout, cout, 1)

    def forward(self, x: Tensor) -> Tensor:
        return torch.relu(self.pointwise(torch.relu(self.depthwise(x))))
