"""Several processes through ``torchrun``: one environment and replay memory per rank,
gradients averaged across ranks before every optimiser step.

DistributedDataParallel's wrapper assumes one ``forward`` per ``backward``; an update calls the
actor in three roles (policy, style pass, style pass of the generated image) and the critics in
two, so we do DDP's reduction explicitly: after each backward, the gradients of the parameters
about to be stepped are flattened, all-reduced (sum) and divided by the world size. Parameters
are broadcast from rank 0 at the start, so all ranks hold identical models throughout.
Backend: NCCL on CUDA, gloo on the CPU. Multi-node works as torchrun sets it up
(``--nnodes``, ``--rdzv-endpoint``); the run directory must then be on a shared file system.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import torch
import torch.distributed as dist
from rlministyler.training.sequence import resolve_device
from torch import nn

from rlministyler.errors import UserError


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup(device: torch.device | None) -> DistInfo:
    """Join the process group that torchrun describes in the environment (if any)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    rank, local = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    backend = "nccl" if device is not None and device.type == "cuda" else "gloo"
    if not dist.is_initialized():
        try:
            dist.init_process_group(backend=backend)
        except Exception as exc:
            raise UserError(f"cannot join the torchrun process group ({backend}): {exc}") from None
    return DistInfo(rank, world, local)


def rank_device(device: torch.device, info: DistInfo) -> torch.device:
    """The device this rank trains on, always with an index on CUDA (``torch.cuda.set_device``
    refuses a bare ``cuda``): ``cuda`` / ``auto`` become ``cuda:<local rank>`` under torchrun and
    the current CUDA device (0 unless CUDA_VISIBLE_DEVICES says otherwise) alone; ``cuda:N`` stays."""
    if device.type != "cuda" or device.index is not None:
        return device
    index = info.local_rank if info.enabled else torch.cuda.current_device()
    return torch.device("cuda", index)


def setup_device(requested: str | None) -> tuple[torch.device, DistInfo]:
    """Resolve ``--device`` (``auto``, ``cpu``, ``cuda``, ``cuda:N``), join torchrun's group if
    there is one, and make this rank's CUDA device current."""
    device = resolve_device(requested)
    info = setup(device)
    device = rank_device(device, info)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    return device, info


def cleanup() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


def average_gradients(params: Iterable[nn.Parameter], info: DistInfo) -> None:
    """Replace each gradient by its mean over the ranks (one flat all-reduce)."""
    if not info.enabled:
        return
    params = [p for p in params if p.requires_grad]
    for p in params:
        if p.grad is None:
            p.grad = torch.zeros_like(p)
    flat = torch.cat([p.grad.reshape(-1) for p in params])
    dist.all_reduce(flat)
    flat /= info.world
    offset = 0
    for p in params:
        n = p.numel()
        p.grad.copy_(flat[offset:offset + n].view_as(p.grad))
        offset += n


def broadcast_tensors(tensors: Iterable[torch.Tensor], info: DistInfo) -> None:
    """Copy rank 0's values into every rank's tensors (parameters, buffers)."""
    if not info.enabled:
        return
    with torch.no_grad():
        for t in tensors:
            dist.broadcast(t.data, src=0)


def all_mean(values: dict[str, float], info: DistInfo, device: torch.device) -> dict[str, float]:
    """Average logged scalars over the ranks (same keys on every rank)."""
    if not info.enabled or not values:
        return values
    keys = sorted(values)
    t = torch.tensor([values[k] for k in keys], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return {k: float(v) / info.world for k, v in zip(keys, t.tolist(), strict=True)}
