"""Choosing an onnxruntime execution provider by what really works on this machine.

``onnxruntime-gpu`` lists TensorRT and CUDA as "available" whenever it is installed, even on a
machine without a GPU or without the CUDA libraries, and it then falls back to the CPU with a
screenful of logs. Here each candidate is probed quietly: its provider library is loaded first
(which names the missing dependency when it fails), then a session is made and asked which
provider it really got.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import onnxruntime as ort

from rlministyler import spec
from rlministyler.errors import UserError

ORT_NAMES = {"tensorrt": "TensorrtExecutionProvider", "cuda": "CUDAExecutionProvider",
             "cpu": "CPUExecutionProvider"}
_LIBRARIES = {"tensorrt": "libonnxruntime_providers_tensorrt", "cuda": "libonnxruntime_providers_cuda"}
QUIET = 4  # onnxruntime log severity: fatal only


@dataclass
class ProviderChoice:
    """The provider a session will use, the list given to onnxruntime, and what was skipped."""

    name: str
    providers: list = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def describe(self) -> str:
        text = f"provider: {self.name}"
        if self.skipped:
            text += " (" + "; ".join(self.skipped) + ")"
        return text


def _provider_options(name: str, device_id: int, cache_dir: Path | None) -> tuple:
    if name == "cuda":
        return ORT_NAMES[name], {"device_id": device_id, "cudnn_conv_algo_search": "HEURISTIC"}
    if name == "tensorrt":
        options = {"device_id": device_id, "trt_fp16_enable": False}
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            options.update(trt_engine_cache_enable=True, trt_engine_cache_path=str(cache_dir),
                           trt_timing_cache_enable=True, trt_timing_cache_path=str(cache_dir))
        return ORT_NAMES[name], options
    return ORT_NAMES["cpu"], {}


@functools.cache
def _library_problem(name: str) -> str | None:
    """Why the provider's shared library cannot load, or None when it loads."""
    if ORT_NAMES[name] not in ort.get_available_providers():
        return "not in this onnxruntime build (install onnxruntime-gpu)"
    if hasattr(ort, "preload_dlls"):
        # CUDA / cuDNN from the nvidia-* pip packages when they are installed; it prints what it
        # cannot find, and the load below reports the first missing library in one line instead
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                ort.preload_dlls(directory="")
            except Exception:  # best effort only
                pass
    capi = Path(ort.__file__).parent / "capi"
    libs = sorted(capi.glob(_LIBRARIES[name] + (".dll" if os.name == "nt" else ".so")))
    if not libs:
        return "its provider library is missing"
    try:
        ctypes.CDLL(str(libs[0]))
    except OSError as exc:
        reason = str(exc).split(": cannot open")[0].strip()
        return f"{reason} not found" if "cannot open" in str(exc) else reason
    return None


def session_options(threads: int | None = None) -> ort.SessionOptions:
    """Full graph optimisation, quiet logs, and the intra-op thread count (None: onnxruntime's)."""
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = QUIET
    if threads:
        opts.intra_op_num_threads = threads
    return opts


def make_session(model: bytes | str, choice: ProviderChoice, options: ort.SessionOptions
                 ) -> ort.InferenceSession:
    """An InferenceSession on the chosen provider (CPU kept as the fallback for unsupported ops)."""
    ort.set_default_logger_severity(QUIET)
    try:
        return ort.InferenceSession(model, options, providers=choice.providers)
    except Exception as exc:  # onnxruntime raises its own exception types for bad files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"onnxruntime cannot load the model: {first[:300]}") from None


def cpu_session(model: bytes | str, threads: int | None = None) -> ort.InferenceSession:
    """A quiet CPU session with full graph optimisation: for checks, calibration and benchmarks."""
    return make_session(model, ProviderChoice("cpu", [ORT_NAMES["cpu"]], []), session_options(threads))


def choose(requested: str, model: bytes | str, device_id: int = 0, threads: int | None = None,
           cache_dir: Path | None = None) -> tuple[ProviderChoice, ort.InferenceSession]:
    """Probe providers in order (auto: TensorRT, CUDA, CPU) and return the first that works.

    An explicit ``cuda`` or ``tensorrt`` that cannot run is an error, not a silent CPU run.
    """
    if requested not in spec.PROVIDERS:
        raise UserError(f"unknown provider {requested!r}: use one of {', '.join(spec.PROVIDERS)}")
    order = ["tensorrt", "cuda", "cpu"] if requested == "auto" else [requested]
    skipped: list[str] = []
    options = session_options(threads)
    for name in order:
        if name != "cpu":
            problem = _library_problem(name)
            if problem is None:
                choice = ProviderChoice(name, [_provider_options(name, device_id, cache_dir),
                                               ORT_NAMES["cpu"]], list(skipped))
                try:
                    session = make_session(model, choice, options)
                except UserError as exc:
                    problem = str(exc)
                else:
                    if session.get_providers()[0] == ORT_NAMES[name]:
                        return choice, session
                    problem = "no usable GPU"
            skipped.append(f"{name} skipped: {problem}")
            if requested != "auto":
                raise UserError(f"provider {name} cannot run here: {problem}")
            continue
        choice = ProviderChoice("cpu", [ORT_NAMES["cpu"]], skipped)
        return choice, make_session(model, choice, options)
    raise AssertionError("unreachable: cpu is always last")
