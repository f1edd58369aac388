"""The agent's learning: soft actor-critic (control) and generative learning, one update each step.

Per update, on one replay batch:

1. critics: y = r + mask * gamma * (min_k target_Q_k(s', a') - alpha * log pi(a'|s')), a' ~ pi(.|s'),
   elementwise over the 64-channel Q and action maps; loss = MSE(Q1(s, a), y) + MSE(Q2(s, a), y).
2. every ``actor_interval`` updates: actor loss = mean(alpha * log pi(a|s) - min_k Q_k(s, a)) with
   a = mu + scale * eps (reparameterised), then the temperature: loss = -mean(log alpha *
   (log pi + target)) with the target entropy -64 x (H/4) x (W/4) per image (-64*64*64 at 256),
   i.e. -1 per action element, the form used here because log pi is elementwise.
3. generative learning: a ~ pi(.|s), new = builder(a, style code of the actor); content loss
   (relu4_1 MSE against s), style loss (relu1_1..relu4_1 mean_std against the style), HSRCL;
   their AML-weighted sum updates actor, builder and the AML weights.
4. Polyak averaging of the target critics (tau).

log pi of the Gaussian head: scale = exp(logvar) is the standard deviation (as published), so
log pi(mu + scale * eps) = -eps^2 / 2 - logvar - log(2 pi) / 2 per element.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch
from rlministyler.training.model import Actor, Builder, Critic
from torch import Tensor
from torch.nn import functional as F

from .config import TrainConfig
from .distributed import DistInfo, average_gradients
from .losses import UncertaintyWeighting, content_loss, hsrcl, style_loss, style_stats
from .replay import Batch
from .vgg import CONTENT_LAYER, STYLE_LAYERS, VGG

HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class Agent:
    """Actor, builder, twin critics with targets, temperature, AML weights and their optimisers."""

    def __init__(self, cfg: TrainConfig, actor: Actor, builder: Builder, vgg: VGG,
                 device: torch.device, dist: DistInfo) -> None:
        self.cfg, self.vgg, self.device, self.dist = cfg, vgg, device, dist
        self.actor, self.builder = actor.to(device).train(), builder.to(device).train()
        self.q1 = Critic(final_relu=cfg.critic_final_relu).to(device)
        self.q2 = Critic(final_relu=cfg.critic_final_relu).to(device)
        self.q1_target = copy.deepcopy(self.q1).requires_grad_(False)
        self.q2_target = copy.deepcopy(self.q2).requires_grad_(False)
        self.log_alpha = torch.tensor(math.log(cfg.init_alpha), device=device, requires_grad=True)
        self.aml = UncertaintyWeighting().to(device)
        betas = (cfg.beta1, cfg.beta2)
        self.critic_params = [*self.q1.parameters(), *self.q2.parameters()]
        self.opt = {
            "actor": torch.optim.Adam(self.actor.parameters(), cfg.actor_lr, betas),
            "builder": torch.optim.Adam(self.builder.parameters(), cfg.lr, betas),
            "critic": torch.optim.Adam(self.critic_params, cfg.lr, betas),
            "alpha": torch.optim.Adam([self.log_alpha], cfg.lr, betas),
            "aml": torch.optim.Adam(self.aml.parameters(), cfg.lr, betas),
        }

    @property
    def alpha(self) -> Tensor:
        return self.log_alpha.exp()

    def policy(self, moving: Tensor, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        """A reparameterised action and its elementwise log-probability."""
        mu, scale = self.actor(moving)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device)
        log_pi = -0.5 * eps.pow(2) - torch.log(scale) - HALF_LOG_2PI
        return mu + scale * eps, log_pi

    def _step(self, name: str, loss: Tensor, params: list) -> None:
        self.opt[name].zero_grad(set_to_none=True)
        loss.backward()
        average_gradients(params, self.dist)
        self.opt[name].step()

    def update(self, batch: Batch, index: int, generator: torch.Generator) -> dict[str, float]:
        """One update (critic, maybe actor + temperature, generative, targets); the losses."""
        cfg, log = self.cfg, {}
        # 1. critics
        with torch.no_grad():
            next_action, next_log_pi = self.policy(batch.next_moving, generator)
            q_next = torch.min(self.q1_target(batch.next_moving, next_action),
                               self.q2_target(batch.next_moving, next_action))
            target = batch.reward.view(-1, 1, 1, 1) + batch.mask.view(-1, 1, 1, 1) * cfg.gamma * (
                q_next - self.alpha * next_log_pi)
        q1, q2 = self.q1(batch.moving, batch.action), self.q2(batch.moving, batch.action)
        critic_loss = F.mse_loss(q1, target) + F.mse_loss(q2, target)
        self._step("critic", critic_loss, self.critic_params)
        log.update(critic=critic_loss.item(), q=q1.mean().item(), q_target=target.mean().item())

        # 2. actor and temperature (delayed)
        if index % cfg.actor_interval == 0:
            action, log_pi = self.policy(batch.moving, generator)
            q = torch.min(self.q1(batch.moving, action), self.q2(batch.moving, action))
            actor_loss = (self.alpha.detach() * log_pi - q).mean()
            self._step("actor", actor_loss, list(self.actor.parameters()))
            alpha_loss = -(self.log_alpha * (log_pi.detach() + 1.0)).mean()
            self._step("alpha", alpha_loss, [self.log_alpha])
            log.update(actor=actor_loss.item(), alpha_loss=alpha_loss.item(),
                       entropy=-log_pi.mean().item())
        log["alpha"] = self.alpha.item()

        # 3. generative learning
        action, _ = self.policy(batch.moving, generator)
        style_feats = self.actor.style_features(batch.style)
        new = self.builder(action, style_feats.code())
        with torch.no_grad():
            moving_feat = self.vgg(batch.moving, (CONTENT_LAYER,))[CONTENT_LAYER]
        feats = self.vgg(new, STYLE_LAYERS)
        losses = {"content": content_loss(feats[CONTENT_LAYER], moving_feat),
                  "style": style_loss(style_stats(feats), batch.style_stats),
                  "hsrcl": hsrcl(self.actor.style_features(new), style_feats, batch.style_id)}
        total = self.aml(losses)
        for name in ("actor", "builder", "aml"):
            self.opt[name].zero_grad(set_to_none=True)
        total.backward()
        average_gradients([*self.actor.parameters(), *self.builder.parameters(), *self.aml.parameters()],
                          self.dist)
        for name in ("actor", "builder", "aml"):
            self.opt[name].step()
        log.update({k: v.item() for k, v in losses.items()}, generative=total.item())
        log.update({f"aml_{k}": v for k, v in self.aml.weights().items()})

        # 4. targets
        with torch.no_grad():
            for net, tgt in ((self.q1, self.q1_target), (self.q2, self.q2_target)):
                for p, pt in zip(net.parameters(), tgt.parameters(), strict=True):
                    pt.mul_(1.0 - cfg.tau).add_(p, alpha=cfg.tau)
        return log

    def modules(self) -> dict[str, torch.nn.Module]:
        return {"actor": self.actor, "builder": self.builder, "q1": self.q1, "q2": self.q2,
                "q1_target": self.q1_target, "q2_target": self.q2_target, "aml": self.aml}

    def all_tensors(self) -> list[Tensor]:
        """Every learned tensor, in a fixed order (for broadcasting from rank 0)."""
        tensors = [t for m in self.modules().values() for t in m.state_dict().values()]
        return [*tensors, self.log_alpha]

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {name: m.state_dict() for name, m in self.modules().items()}
        state["log_alpha"] = self.log_alpha.detach().cpu()
        state["optimizers"] = {name: opt.state_dict() for name, opt in self.opt.items()}
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name, module in self.modules().items():
            module.load_state_dict(state[name])
        with torch.no_grad():
            self.log_alpha.copy_(state["log_alpha"])
        for name, opt in self.opt.items():
            opt.load_state_dict(state["optimizers"][name])
