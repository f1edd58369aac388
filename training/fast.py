"""The fast path of the PyTorch sequence: channels-last tensors, the step body compiled by
Inductor (``torch.compile``, with a persistent on-disk cache so that a second process starts in
seconds), and on CUDA the whole K-step sequence captured once per (shape, steps) as a CUDA graph
and replayed for every frame (one launch instead of K x ~40 kernels).

The numbers are those of :class:`~rlministyler.training.sequence.TorchStylizer` in the same
precision (compiled kernels may reorder float sums: about 1e-5 apart in float32); the tests check
Inductor's CPU backend against the eager reference.
"""

from __future__ import annotations

import copy
import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from rlministyler.cache import cache_root

from .model import StyleCode
from .precision import tf32_mode

INDUCTOR_CACHE_ENV = "TORCHINDUCTOR_CACHE_DIR"
MAX_GRAPHS = 4  # captured graphs kept (each holds its own memory pool)
# Dynamo compiles the step once per (FastSequence, frame shape) and, past its recompile limit (8 by
# default), silently runs eager: a benchmark of three precisions at two sizes is already 6
RECOMPILE_LIMIT = 64


def use_persistent_compile_cache() -> str:
    """Point Inductor's caches at ``<rlministyler cache>/inductor`` unless the user chose a folder;
    returns the folder. Compiling the step takes about a minute; a cached one, seconds."""
    if not os.environ.get(INDUCTOR_CACHE_ENV):
        os.environ[INDUCTOR_CACHE_ENV] = str(cache_root() / "inductor")
    from torch._dynamo import config as dynamo_config
    from torch._inductor import config

    config.fx_graph_cache = True
    dynamo_config.recompile_limit = max(dynamo_config.recompile_limit, RECOMPILE_LIMIT)
    return os.environ[INDUCTOR_CACHE_ENV]


@dataclass
class _Captured:
    graph: torch.cuda.CUDAGraph
    content: Tensor
    code: list[Tensor]
    outputs: list[Tensor]


class FastSequence:
    """Run the step sequence of a stylizer's model as fast as its device allows.

    ``compile``: the step body through ``torch.compile`` (Inductor; Triton kernels on CUDA, C++ on
    the CPU); ``autotune``: Inductor's ``max-autotune-no-cudagraphs`` (benchmarks kernel choices:
    minutes of compiling per shape, for a long-running process) instead of its default mode.
    ``cuda_graphs`` and ``channels_last`` default to on for CUDA and off elsewhere.
    """

    def __init__(self, stylizer, *, compile: bool = True, autotune: bool = False,
                 cuda_graphs: bool | None = None, channels_last: bool | None = None) -> None:
        self.device, self.precision = stylizer.device, stylizer.precision
        on_cuda = self.device.type == "cuda"
        self.cuda_graphs = on_cuda if cuda_graphs is None else cuda_graphs and on_cuda
        self.channels_last = on_cuda if channels_last is None else channels_last
        self.memory_format = torch.channels_last if self.channels_last else torch.contiguous_format
        # own copies: channels-last weights must not leak into the stylizer's (exported) model
        self.actor = copy.deepcopy(stylizer._actor).to(memory_format=self.memory_format)
        self.builder = copy.deepcopy(stylizer._builder).to(memory_format=self.memory_format)
        self.step: Callable[..., Tensor] = self._step
        if compile:
            use_persistent_compile_cache()
            mode = "max-autotune-no-cudagraphs" if autotune else None  # CUDA graphs are ours, below
            self.step = torch.compile(self._step, dynamic=False, mode=mode)
        self._graphs: OrderedDict[tuple, _Captured] = OrderedDict()

    def _step(self, moving: Tensor, *code: Tensor) -> Tensor:
        return self.builder(self.actor.act(moving), StyleCode(*code))

    def _unroll(self, content: Tensor, code: Sequence[Tensor], wanted: Sequence[int]) -> list[Tensor]:
        outputs, moving = [], content
        for t in range(1, wanted[-1] + 1):
            moving = self.step(moving, *code)
            if t in wanted:
                outputs.append(moving)
        return outputs

    @torch.inference_mode()
    def run(self, content: Tensor, code: StyleCode, steps: Sequence[int]) -> dict[int, Tensor]:
        """``{step: output}`` for a padded float32 batch (N, 3, H, W) on the device; outputs are
        unclamped, like :meth:`TorchStylizer.sequence`, and fresh tensors (not graph buffers)."""
        wanted = sorted(set(steps))
        content = content.contiguous(memory_format=self.memory_format)
        with tf32_mode(self.precision):
            if not self.cuda_graphs:
                return dict(zip(wanted, self._unroll(content, list(code), wanted), strict=True))
            captured = self._captured(content, code, tuple(wanted))
            captured.content.copy_(content)
            for buffer, value in zip(captured.code, code, strict=True):
                buffer.copy_(value)
            captured.graph.replay()
            return {t: out.clone() for t, out in zip(wanted, captured.outputs, strict=True)}

    def _captured(self, content: Tensor, code: StyleCode, wanted: tuple[int, ...]) -> _Captured:
        key = (tuple(content.shape), tuple(tuple(c.shape) for c in code), wanted)
        if key in self._graphs:
            self._graphs.move_to_end(key)
            return self._graphs[key]
        static_in = content.clone()
        static_code = [c.clone() for c in code]
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # warm-up outside the capture: compiling, autotuning, cuDNN plans
            for _ in range(2):
                self._unroll(static_in, static_code, wanted)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            outputs = self._unroll(static_in, static_code, wanted)
        if len(self._graphs) >= MAX_GRAPHS:
            self._graphs.popitem(last=False)
        self._graphs[key] = _Captured(graph, static_in, static_code, outputs)
        return self._graphs[key]
