"""The replay memory: a bounded FIFO of transitions, kept on the CPU.

A transition is (moving, style, action, reward, next moving, mask), plus the index of its style
file (so that the contrastive loss knows which samples share a style) and the style's VGG statistics
(computed once per episode, so updates need no VGG pass over the style images). Images and
actions are stored in ``dtype`` (float16 by default: half the memory, rounding ~1e-3). Within an
episode the next image of step t *is* the moving image of step t+1 and the style image is one
tensor, so each transition costs about one image plus one action map: at 256x256 and float16,
~0.9 MB, ~4.6 GB for the published 5000 transitions.
"""

from __future__ import annotations

from collections import deque
from typing import Any, NamedTuple

import torch
from torch import Tensor

from .losses import Stats


class Transition(NamedTuple):
    moving: Tensor      # (3, H, W)
    style: Tensor       # (3, H, W), shared by the episode
    action: Tensor      # (64, H/4, W/4)
    reward: float
    next_moving: Tensor  # (3, H, W), the moving image of the next transition
    mask: float
    style_id: int       # index of the style image file: crops of one painting are one style
    style_stats: Stats  # shared by the episode


class Batch(NamedTuple):
    moving: Tensor
    style: Tensor
    action: Tensor
    reward: Tensor       # (N,)
    next_moving: Tensor
    mask: Tensor         # (N,)
    style_id: Tensor     # (N,) int64
    style_stats: Stats


class ReplayMemory:
    """Holds at most ``capacity`` transitions; the oldest are dropped first."""

    def __init__(self, capacity: int, dtype: torch.dtype = torch.float16) -> None:
        self.capacity = capacity
        self.dtype = dtype
        self.items: deque[Transition] = deque(maxlen=capacity)

    def __len__(self) -> int:
        return len(self.items)

    def store(self, x: Tensor) -> Tensor:
        """A CPU copy of one image or action in the storage dtype (share it between transitions)."""
        return x.detach().to("cpu", self.dtype, copy=True)

    def push(self, t: Transition) -> None:
        self.items.append(t)

    def sample(self, batch_size: int, generator: torch.Generator, device: torch.device) -> Batch:
        """A uniform batch (with replacement), as float32 tensors on ``device``."""
        index = torch.randint(len(self.items), (batch_size,), generator=generator,
                              device=generator.device).tolist()
        picked = [self.items[i] for i in index]

        def stack(xs: list[Tensor]) -> Tensor:
            return torch.stack(xs).to(device, torch.float32, non_blocking=True)

        stats = [(stack([p.style_stats[k][0] for p in picked]), stack([p.style_stats[k][1] for p in picked]))
                 for k in range(len(picked[0].style_stats))]
        return Batch(stack([p.moving for p in picked]), stack([p.style for p in picked]),
                     stack([p.action for p in picked]),
                     torch.tensor([p.reward for p in picked], device=device),
                     stack([p.next_moving for p in picked]),
                     torch.tensor([p.mask for p in picked], device=device),
                     torch.tensor([p.style_id for p in picked], device=device), stats)

    def state_dict(self) -> dict[str, Any]:
        """Everything, sharing preserved (torch.save writes a shared tensor once)."""
        return {"capacity": self.capacity, "items": [t._asdict() for t in self.items]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.items = deque((Transition(**d) for d in state["items"]), maxlen=self.capacity)
