"""Two classic feed-forward stylisers, for GPU speed only (random weights: the numbers compare time,
not pictures): Johnson et al.'s image transformation network (as in PyTorch's
``examples/fast_neural_style``) and AdaIN (Huang and Belongie: VGG-19 to relu4_1, AdaIN, the mirror
decoder), both written here from their papers' layer tables."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.nn import functional as F


def _conv(cin: int, cout: int, kernel: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.ReflectionPad2d(kernel // 2), nn.Conv2d(cin, cout, kernel, stride))


class _Residual(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(_conv(channels, channels, 3), nn.InstanceNorm2d(channels, affine=True),
                                  nn.ReLU(), _conv(channels, channels, 3),
                                  nn.InstanceNorm2d(channels, affine=True))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class _Up(nn.Module):
    """Nearest x2 then a convolution (the upsample-convolution of fast_neural_style)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = _conv(cin, cout, 3)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


def johnson_transformer() -> nn.Module:
    """1.68 M parameters: 9x9 in, two stride-2 convs, five residual blocks at 128 channels, two
    upsampling convs, 9x9 out; instance norm and ReLU between."""
    def block(layer: nn.Module, channels: int) -> list[nn.Module]:
        return [layer, nn.InstanceNorm2d(channels, affine=True), nn.ReLU()]

    return nn.Sequential(*block(_conv(3, 32, 9), 32), *block(_conv(32, 64, 3, 2), 64),
                         *block(_conv(64, 128, 3, 2), 128), *[_Residual(128) for _ in range(5)],
                         *block(_Up(128, 64), 64), *block(_Up(64, 32), 32), _conv(32, 3, 9))


VGG_TO_RELU4_1 = (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512)


def _vgg_encoder() -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(3, 3, 1)]
    cin = 3
    for item in VGG_TO_RELU4_1:
        if item == "M":
            layers.append(nn.MaxPool2d(2, ceil_mode=True))
        else:
            layers += [_conv(cin, int(item), 3), nn.ReLU()]
            cin = int(item)
    return nn.Sequential(*layers)


def _decoder() -> nn.Sequential:
    plan = (256, "U", 256, 256, 256, 128, "U", 128, 64, "U", 64)
    layers: list[nn.Module] = []
    cin = 512
    for item in plan:
        if item == "U":
            layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
        else:
            layers += [_conv(cin, int(item), 3), nn.ReLU()]
            cin = int(item)
    return nn.Sequential(*layers, _conv(64, 3, 3))


class AdaIN(nn.Module):
    """VGG-19 to relu4_1 on the content, AdaIN to precomputed style statistics, the decoder."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder, self.decoder = _vgg_encoder(), _decoder()

    def style_stats(self, style: Tensor) -> tuple[Tensor, Tensor]:
        feat = self.encoder(style)
        return feat.mean((2, 3), keepdim=True), feat.std((2, 3), keepdim=True) + 1e-5

    def forward(self, content: Tensor, mean: Tensor, std: Tensor) -> Tensor:
        feat = self.encoder(content)
        normal = (feat - feat.mean((2, 3), keepdim=True)) / (feat.std((2, 3), keepdim=True) + 1e-5)
        return self.decoder(normal * std + mean)


def peer_runners(device: torch.device, style: Tensor) -> dict[str, Callable[[Tensor], Tensor]]:
    """name -> a function of the content batch, each peer in float32 on ``device``, eval mode."""
    torch.manual_seed(0)
    johnson = johnson_transformer().to(device).eval()
    adain = AdaIN().to(device).eval()
    with torch.inference_mode():
        stats = adain.style_stats(style.to(device))
    return {"johnson_fast_neural_style": johnson, "adain_vgg19": lambda x: adain(x, *stats)}
