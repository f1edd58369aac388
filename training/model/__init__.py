"""RLMiniStyler in PyTorch: actor, builder, critic and the published checkpoint format."""

from .actor import Actor, StyleCode, StyleFeatures
from .builder import Builder
from .checkpoint import load_actor, load_builder, load_pair, save_pair
from .critic import Critic

__all__ = ["Actor", "Builder", "Critic", "StyleCode", "StyleFeatures", "load_actor",
           "load_builder", "load_pair", "save_pair"]
