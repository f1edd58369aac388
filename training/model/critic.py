"""The critic (training only): a per-location Q map for a moving image and an action."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .layers import DownStage, ReflectConv


class Critic(nn.Module):
    """Q(moving, action) -> (N, 64, H/4, W/4).

    The authors' critic ends in a ReLU, which cannot represent the negative returns that
    reward = -style loss produces; ``final_relu=False`` (our default) drops it so Q can match
    its targets. Pass ``final_relu=True`` for the published layout.
    """

    def __init__(self, action_channels: int = 64, final_relu: bool = False) -> None:
        super().__init__()
        self.stem = ReflectConv(3, 16, 9)
        self.down1 = DownStage(16, 32)
        self.down2 = DownStage(32, 64)
        self.mix = ReflectConv(64 + action_channels, 128, 3)
        self.out = ReflectConv(128, 64, 1)
        self.final_relu = final_relu

    def forward(self, moving: Tensor, action: Tensor) -> Tensor:
        s = self.down2(self.down1(torch.relu(self.stem(moving))))
        q = self.out(torch.relu(self.mix(torch.cat([s, action], dim=1))))
        return torch.relu(q) if self.final_relu else q
