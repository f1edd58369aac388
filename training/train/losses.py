"""The losses of generative learning and the reward: content, style, HSRCL and AML.

``mean_std`` is the model's own (unbiased variance, eps 1e-5). MSE is the mean over the batch
and the channels, as in the paper and the AdaIN family.
"""

from __future__ import annotations

import torch
from rlministyler.training.model import StyleFeatures
from rlministyler.training.model.layers import mean_std
from torch import Tensor, nn

from .vgg import CONTENT_LAYER, STYLE_LAYERS, VGG

Stats = list[tuple[Tensor, Tensor]]


def style_stats(feats: dict[str, Tensor], layers: tuple[str, ...] = STYLE_LAYERS) -> Stats:
    """Channel means and stds at each style layer (what the style loss compares)."""
    return [mean_std(feats[name]) for name in layers]


def style_loss_per_sample(stats: Stats, target: Stats) -> Tensor:
    """Sum over layers of MSE(means) + MSE(stds), one value per sample: shape (N,)."""
    total = stats[0][0].new_zeros(stats[0][0].shape[0])
    for (m, s), (tm, ts) in zip(stats, target, strict=True):
        total = total + (m - tm).pow(2).flatten(1).mean(1) + (s - ts).pow(2).flatten(1).mean(1)
    return total


def style_loss(stats: Stats, target: Stats) -> Tensor:
    """The batch style loss (mean over samples of the per-sample loss)."""
    return style_loss_per_sample(stats, target).mean()


def content_loss(feat: Tensor, target: Tensor) -> Tensor:
    """MSE of relu4_1 features."""
    return (feat - target).pow(2).mean()


@torch.no_grad()
def reward_of(vgg: VGG, image: Tensor, style_target: Stats) -> Tensor:
    """Reward = minus the style loss between ``image`` and the style, per sample: (N,)."""
    return -style_loss_per_sample(style_stats(vgg(image, STYLE_LAYERS)), style_target)


def _pair_mse(a: Tensor, b: Tensor) -> Tensor:
    """(N, C) x (M, C) -> (N, M): mean over channels of the squared difference."""
    return (a.unsqueeze(1) - b.unsqueeze(0)).pow(2).mean(-1)


def style_distance(x: StyleFeatures, y: StyleFeatures) -> Tensor:
    """Distances between every style representation of ``x`` and of ``y``: (N, M).

    Deep and shallow levels together (paper eq. 6): the mean_std loss over the encoder features
    f1, f2, e2, e3, plus the MSE over the modulation vectors w1, w2, b1, b2, w12, b12, w13, b13.
    """
    total = None
    for name in ("f1", "f2", "e2", "e3"):
        xm, xs = mean_std(getattr(x, name))
        ym, ys = mean_std(getattr(y, name))
        d = _pair_mse(xm.flatten(1), ym.flatten(1)) + _pair_mse(xs.flatten(1), ys.flatten(1))
        total = d if total is None else total + d
    for name in ("w1", "w2", "b1", "b2", "w12", "b12", "w13", "b13"):
        total = total + _pair_mse(getattr(x, name).flatten(1), getattr(y, name).flatten(1))
    assert total is not None
    return total


def hsrcl(generated: StyleFeatures, styles: StyleFeatures, style_ids: Tensor) -> Tensor:
    """Hierarchical style representation contrastive loss over the batch.

    For sample i: positive = distance from its generated image to its own style, negatives = the
    sum of distances to every style j of the batch that is a different style (``style_ids``
    differ: another crop of the same painting is not a negative). Loss = sum_i positive / negatives,
    over the samples that have at least one negative (0 when none has).
    """
    d = style_distance(generated, styles)
    same = style_ids.view(-1, 1) == style_ids.view(1, -1)
    positive = d.diagonal()
    negatives = (d * (~same)).sum(1)
    has_negative = (~same).any(1)
    if not bool(has_negative.any()):
        return d.sum() * 0.0
    return (positive[has_negative] / (negatives[has_negative] + 1e-8)).sum()


class UncertaintyWeighting(nn.Module):
    """AML (paper eq. 7, after Kendall et al. 2018): sum_k 0.5 / s_k^2 * L_k + log(1 + s_k^2).

    One learnable s_k per loss, initialised to 1, trained with its own optimiser.
    """

    def __init__(self, names: tuple[str, ...] = ("content", "style", "hsrcl")) -> None:
        super().__init__()
        self.names = names
        self.s = nn.Parameter(torch.ones(len(names)))

    def forward(self, losses: dict[str, Tensor]) -> Tensor:
        s2 = self.s.pow(2)
        terms = [0.5 / s2[k] * losses[name] + torch.log1p(s2[k]) for k, name in enumerate(self.names)]
        return torch.stack(terms).sum()

    def weights(self) -> dict[str, float]:
        """The effective weight 0.5 / s_k^2 of each loss."""
        return {name: float(0.5 / self.s[k].detach() ** 2) for k, name in enumerate(self.names)}


@torch.no_grad()
def evaluate_pair(vgg: VGG, content: Tensor, style: Tensor, outputs: dict[int, Tensor]
                  ) -> dict[int, dict[str, float]]:
    """Training-scale losses of sequence outputs: style (sum over relu1_1..relu4_1) and content
    (relu4_1 MSE against the content), per step."""
    target = style_stats(vgg(style, STYLE_LAYERS))
    content_feat = vgg(content, (CONTENT_LAYER,))[CONTENT_LAYER]
    result = {}
    for t, out in outputs.items():
        feats = vgg(out, STYLE_LAYERS)
        result[t] = {"style": float(style_loss(style_stats(feats), target)),
                     "content": float(content_loss(feats[CONTENT_LAYER], content_feat))}
    return result
