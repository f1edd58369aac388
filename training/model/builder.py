"""The builder (decoder): turns an action map and a style code into the next image."""

from __future__ import annotations

from torch import Tensor, nn

from .actor import StyleCode
from .layers import ModulatedResidualBlock, ModulatedUpsample, ReflectConv, adain_to


class Builder(nn.Module):
    """AdaIN + modulated residual blocks at 1/4 resolution, two modulated x2 upsamplings, a 9x9
    output convolution (153,843 parameters). The output is not clamped."""

    def __init__(self) -> None:
        super().__init__()
        self.res_deep = ModulatedResidualBlock(64)
        self.res_shallow = ModulatedResidualBlock(64)
        self.up1 = ModulatedUpsample(64, 32)
        self.up2 = ModulatedUpsample(32, 16)
        self.head = ReflectConv(16, 3, 9)

    def forward(self, action: Tensor, style: StyleCode) -> Tensor:
        x = adain_to(action, style.f2_mean, style.f2_std)
        x = self.res_deep(x, style.w2, style.b2)
        x = adain_to(x, style.f1_mean, style.f1_std)
        x = self.res_shallow(x, style.w1, style.b1)
        x = self.up1(x, style.w13, style.b13)
        x = self.up2(x, style.w12, style.b12)
        return self.head(x)
