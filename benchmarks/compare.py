"""A/B timing of exported models against Magenta's transformer, interleaved in one process.

    python -m rlministyler.benchmarks.compare plain.onnx rewritten.onnx \
        [--threads 2] [--rounds 15] [--size 384]

Each round runs every model in turn, Magenta first, each ``--repeat`` times back to back (the
first run of each is dropped: switching models leaves caches and threads cold, which at 384² made
Magenta's first run 60 % slower and ours 45 %), and each model's ratio is taken within the
round; the medians of those ratios cancel most of the drift of a noisy machine. Baked or split models at
a static or dynamic size; inference only (style encoded once), as ``bench``'s peers table.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import onnxruntime as ort
from rlministyler.runtime.providers import cpu_session

from rlministyler.spec import STYLE_SIZE

from .peers import MAGENTA_SIZE, Magenta, magenta_dir


def _feeds(session: ort.InferenceSession, size: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    feeds = {}
    for value in session.get_inputs():
        shape = [d if isinstance(d, int) else (size if i >= 2 else 1) for i, d in enumerate(value.shape)]
        if value.name == "style":
            shape = [1, 3, STYLE_SIZE, STYLE_SIZE]
        feeds[value.name] = rng.random(shape, dtype=np.float32)
    return feeds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", help="exported .onnx files")
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: onnxruntime's)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=4,
                        help="back-to-back runs of a model per round; the first is dropped (it pays for "
                             "the caches and threads the previous model left cold), the rest give a median")
    parser.add_argument("--size", type=int, default=MAGENTA_SIZE, help="frame side for dynamic models")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    calls = {}
    folder = magenta_dir()
    if folder is not None:
        magenta = Magenta(folder, args.threads or None)
        magenta.set_style(rng.integers(0, 256, (256, 256, 3), dtype=np.uint8))
        frame, _ = magenta.prepare(rng.integers(0, 256, (MAGENTA_SIZE, MAGENTA_SIZE, 3), dtype=np.uint8))
        calls["magenta"] = lambda: magenta.run_tensor(frame)
    for path in args.models:
        session = cpu_session(path, args.threads or None)
        feeds = _feeds(session, args.size, rng)
        calls[path] = lambda s=session, f=feeds: s.run(None, f)
    for call in calls.values():
        call()
        call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(args.rounds):
        for name, call in calls.items():
            runs = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                call()
                runs.append(time.perf_counter() - start)
            times[name].append(float(np.median(runs[1:] if len(runs) > 1 else runs)))
    base = np.asarray(times.get("magenta", [np.nan] * args.rounds))
    for name, values in times.items():
        v = np.asarray(values)
        print(f"{name}: median {np.median(v) * 1000:.1f} ms, ratio to Magenta {np.median(v / base):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
