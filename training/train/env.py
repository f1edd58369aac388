"""The environment: a content image is stylised step by step towards a style image.

An episode starts with moving = content. Each step the actor samples an action (mean + scale *
noise), the builder makes the next moving image (unclamped, as at inference), and the reward is
minus the style loss between that image and the style image. The episode ends after
``episode_steps`` steps, or when the reward exceeds ``done_threshold`` (0: in practice never),
which adds ``done_bonus`` and sets the mask to 0; otherwise the mask stays 1, also at the last step.
"""

from __future__ import annotations

from typing import Any

import torch
from rlministyler.training.model import Actor, Builder
from torch import Tensor

from .data import PairSource
from .losses import reward_of, style_stats
from .replay import ReplayMemory, Transition
from .vgg import STYLE_LAYERS, VGG


class Environment:
    """One environment (batch 1) that writes every transition into ``replay``."""

    def __init__(self, source: PairSource, vgg: VGG, replay: ReplayMemory, episode_steps: int,
                 device: torch.device, generator: torch.Generator, done_threshold: float = 0.0,
                 done_bonus: float = 10.0) -> None:
        self.source, self.vgg, self.replay = source, vgg, replay
        self.episode_steps = episode_steps
        self.device, self.generator = device, generator
        self.done_threshold, self.done_bonus = done_threshold, done_bonus
        self.episode = -1          # id of the current episode (counts episodes started)
        self.t = episode_steps     # steps taken in the current episode; full = start a new one
        self.episode_return = 0.0
        self.moving: Tensor | None = None
        self.style: Tensor | None = None
        self.style_id = -1
        self.cpu: dict[str, Any] = {}

    def _reset(self) -> None:
        content, style, self.style_id = self.source.next_pair()
        self.moving = content.unsqueeze(0).to(self.device)
        self.style = style.unsqueeze(0).to(self.device)
        with torch.no_grad():
            stats = style_stats(self.vgg(self.style, STYLE_LAYERS))
        self.cpu = {"moving": self.replay.store(self.moving[0]), "style": self.replay.store(self.style[0]),
                    "stats": [(m[0].detach().cpu().clone(), s[0].detach().cpu().clone()) for m, s in stats]}
        self.episode += 1
        self.t = 0
        self.episode_return = 0.0

    @torch.no_grad()
    def step(self, actor: Actor, builder: Builder) -> dict[str, float]:
        """One environment step; returns the reward, and the return when an episode ends."""
        if self.t >= self.episode_steps:
            self._reset()
        assert self.moving is not None and self.style is not None
        code = actor.encode_style(self.style)
        mu, scale = actor(self.moving)
        eps = torch.randn(mu.shape, generator=self.generator, device=self.device)
        action = mu + scale * eps
        nxt = builder(action, code)
        stats = [(m.to(self.device).unsqueeze(0), s.to(self.device).unsqueeze(0))
                 for m, s in self.cpu["stats"]]
        reward = float(reward_of(self.vgg, nxt, stats)[0])
        done = reward > self.done_threshold
        if done:
            reward += self.done_bonus
        next_cpu = self.replay.store(nxt[0])
        self.replay.push(Transition(self.cpu["moving"], self.cpu["style"], self.replay.store(action[0]),
                                    reward, next_cpu, 0.0 if done else 1.0, self.style_id, self.cpu["stats"]))
        self.moving = nxt
        self.cpu["moving"] = next_cpu
        self.t += 1
        self.episode_return += reward
        info = {"reward": reward}
        if done or self.t >= self.episode_steps:
            info["episode_return"] = self.episode_return
            info["episode_length"] = float(self.t)
            self.t = self.episode_steps
        return info

    def state_dict(self) -> dict[str, Any]:
        """Save together with the replay memory (one torch.save) to keep tensors shared."""
        return {"episode": self.episode, "t": self.t, "style_id": self.style_id,
                "episode_return": self.episode_return,
                "moving": None if self.moving is None else self.moving.cpu(),
                "style": None if self.style is None else self.style.cpu(), "cpu": self.cpu,
                "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.episode, self.t = int(state["episode"]), int(state["t"])
        self.style_id = int(state["style_id"])
        self.episode_return = float(state["episode_return"])
        self.moving = None if state["moving"] is None else state["moving"].to(self.device)
        self.style = None if state["style"] is None else state["style"].to(self.device)
        self.cpu = state["cpu"]
        self.generator.set_state(state["generator"])
