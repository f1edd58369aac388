"""Numeric precision of the PyTorch path: ``fp32`` (faithful, the default), ``tf32``, ``fp16`` and
``bf16``.

- ``fp32``: TensorFloat-32 is switched off for convolutions and matrix products while the model
  runs. PyTorch lets cuDNN use TF32 for float32 convolutions on Ampere and newer GPUs by default,
  and AdaIN's renormalisation of low-variance channels amplifies its 10-bit rounding: on an H200,
  step 5 was 39 8-bit levels from the CPU reference with TF32 and within one level without it.
- ``tf32``: TF32 allowed (faster on those GPUs; off by up to tens of 8-bit levels at deep steps).
  On a CPU it is fp32.
- ``fp16`` / ``bf16``: half-precision convolutions with everything between them in float32: the
  channel statistics and AdaIN, the style modulation, the residual sums and the image carried
  from step to step. Computing all of it in half loses 10-20 dB (fp16: 30 dB at step 1, 19 dB at
  step 10) because the statistics of a whole feature map do not fit 11 bits. ``fp16`` runs every
  convolution in half; ``bf16`` keeps 8 bits of mantissa, too few for the 1/4-resolution layers
  the step sequence feeds back, so only the full-resolution convolutions (the 9x9 stem and head
  and the last upsampling stage) run in bfloat16.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator

import torch
from torch import nn

from rlministyler.errors import UserError
from rlministyler.spec import TORCH_PRECISIONS

from .model import Actor, Builder
from .model.layers import ReflectConv

HALF = {"fp16": torch.float16, "bf16": torch.bfloat16}
# bf16: the full-resolution convolutions only (their names in Actor and in Builder)
BF16_ACTOR = ("encoder.stem",)
BF16_BUILDER = ("up2.conv1", "up2.conv2", "head")


def check_precision(precision: str) -> str:
    if precision not in TORCH_PRECISIONS:
        raise UserError(f"unknown precision {precision!r}: use one of {', '.join(TORCH_PRECISIONS)}")
    return precision


def _half_convs(module: nn.Module, dtype: torch.dtype, names: tuple[str, ...] | None) -> None:
    """Convert the convolutions called ``names`` (all when None) to ``dtype``."""
    for name, child in module.named_modules():
        if isinstance(child, ReflectConv) and (names is None or name in names):
            child.conv.to(dtype)


def with_precision(actor: Actor, builder: Builder, precision: str) -> tuple[Actor, Builder]:
    """``actor`` and ``builder`` as they run in ``precision``: the same modules for fp32 and tf32,
    copies with half-precision convolutions for fp16 and bf16 (the originals stay float32)."""
    check_precision(precision)
    if precision not in HALF:
        return actor, builder
    actor, builder = copy.deepcopy(actor), copy.deepcopy(builder)
    if precision == "fp16":
        _half_convs(actor, torch.float16, None)
        _half_convs(builder, torch.float16, None)
    else:
        _half_convs(actor, torch.bfloat16, BF16_ACTOR)
        _half_convs(builder, torch.bfloat16, BF16_BUILDER)
    return actor, builder


@contextlib.contextmanager
def tf32_mode(precision: str) -> Iterator[None]:
    """TF32 on for ``tf32``, off otherwise, for the duration; the caller's settings come back."""
    allow = precision == "tf32"
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = allow
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved
