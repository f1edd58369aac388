"""Training's device set-up on one GPU, tested without one: a stand-in for ``torch.cuda`` that,
like the real one, refuses ``set_device`` of a CUDA device without an index."""

from __future__ import annotations

import pytest
import torch
from rlministyler.training.train import distributed as D


class FakeCuda:
    """What the device set-up calls on ``torch.cuda``, on a machine with ``count`` GPUs."""

    def __init__(self, count: int = 2, current: int = 0) -> None:
        self.count, self.current = count, current
        self.set_to: list[torch.device] = []

    def is_available(self) -> bool:
        return True

    def current_device(self) -> int:
        return self.current

    def set_device(self, device: torch.device) -> None:
        if isinstance(device, torch.device) and device.index is None:  # torch's own refusal
            raise ValueError("Expected a torch.device with a specified index or an integer")
        self.set_to.append(device)


@pytest.fixture
def cuda(monkeypatch) -> FakeCuda:
    fake = FakeCuda()
    for name in ("is_available", "current_device", "set_device"):
        monkeypatch.setattr(torch.cuda, name, getattr(fake, name))
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    return fake


@pytest.mark.parametrize(("requested", "expected"), [
    ("cuda", "cuda:0"), ("auto", "cuda:0"), (None, "cuda:0"), ("cuda:1", "cuda:1"), ("cpu", "cpu"),
])
def test_one_gpu_training_gets_an_indexed_current_device(cuda, requested, expected):
    device, info = D.setup_device(requested)
    assert str(device) == expected and not info.enabled
    assert cuda.set_to == ([] if expected == "cpu" else [torch.device(expected)])


def test_a_bare_cuda_follows_the_current_device(cuda):
    cuda.current = 1  # e.g. torch.cuda.set_device(1) by the caller
    device, _ = D.setup_device("cuda")
    assert device == torch.device("cuda", 1) and cuda.set_to == [device]


def test_under_torchrun_each_rank_takes_its_local_gpu():
    info = D.DistInfo(rank=3, world=4, local_rank=1)
    assert D.rank_device(torch.device("cuda"), info) == torch.device("cuda", 1)
    assert D.rank_device(torch.device("cuda", 0), info) == torch.device("cuda", 0)  # as asked
    assert D.rank_device(torch.device("cpu"), info) == torch.device("cpu")
