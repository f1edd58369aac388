"""Repeat a call and summarise its latency; warm-up runs are not counted."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Budget:
    """How long to measure one configuration."""

    warmup: int = 1
    min_runs: int = 5
    max_runs: int = 30
    min_seconds: float = 2.0


QUICK = Budget(warmup=1, min_runs=3, max_runs=10, min_seconds=0.3)
FULL = Budget(warmup=2, min_runs=5, max_runs=30, min_seconds=3.0)


def measure(fn: Callable[[], object], budget: Budget) -> np.ndarray:
    """Seconds per call, after ``budget.warmup`` uncounted calls. Slow calls (over 2 s) stop at 3
    runs, so a 1080p 10-step frame does not hold the benchmark for minutes."""
    for _ in range(budget.warmup):
        fn()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < budget.max_runs:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        enough = len(times) >= budget.min_runs and time.perf_counter() - start >= budget.min_seconds
        slow_enough = len(times) >= 3 and float(np.median(times)) > 2.0
        if enough or slow_enough:
            break
    return np.asarray(times)


def summary_ms(times: np.ndarray) -> dict:
    """median, p95, min (ms), fps from the median, and the number of runs."""
    median = float(np.median(times))
    return {"median_ms": round(median * 1000, 3), "p95_ms": round(float(np.percentile(times, 95)) * 1000, 3),
            "min_ms": round(float(times.min()) * 1000, 3), "fps": round(1.0 / median, 3) if median else None,
            "runs": int(times.size)}
