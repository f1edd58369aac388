"""Training speed: updates per second of ``rlministyler train`` at given crop sizes.

One iteration of the training loop = one environment step (actor + builder + VGG reward) and
one update (critics, every 4th the SAC actor and temperature, generative learning through the
VGG, target critics) on a replay batch. Timed after a warm-up, with the published batch of 8.

    python benchmarks/training_speed.py                       # 128 and 256 on this machine
    python benchmarks/training_speed.py --sizes 256 512 --device cuda
    python benchmarks/training_speed.py --threads 1 --updates 5

Images come from ../shared/data when it is there, else from random noise (speed does not
depend on the pictures).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _data(tmp: Path) -> tuple[Path, Path]:
    shared = ROOT.parent / "shared" / "data"
    if (shared / "content").is_dir() and (shared / "style").is_dir():
        return shared / "content", shared / "style"
    import cv2
    import numpy as np

    rng = np.random.default_rng(0)
    for kind in ("content", "style"):
        (tmp / kind).mkdir()
        for i in range(4):
            cv2.imwrite(str(tmp / kind / f"{i}.png"), rng.integers(0, 256, (512, 512, 3), dtype=np.uint8))
    return tmp / "content", tmp / "style"


def measure(size: int, batch: int, updates: int, device: str, threads: int, tmp: Path) -> dict:
    import torch
    from rlministyler.training.train.config import TrainConfig
    from rlministyler.training.train.trainer import Trainer

    content, style = _data(tmp) if not (tmp / "content").exists() else (tmp / "content", tmp / "style")
    out = tmp / f"run_{size}"
    shutil.rmtree(out, ignore_errors=True)
    cfg = TrainConfig(content_dir=str(content), style_dir=str(style), out=str(out), size=size,
                      load_size=max(512, size), batch_size=batch, warmup_episodes=1, checkpoint_every=0,
                      sample_every=0, log_every=0, vgg_calibration=8, device=device, threads=threads,
                      max_updates=0)
    trainer = Trainer(cfg, quiet=True)
    agent, env = trainer.agent, trainer.env
    sync = torch.cuda.synchronize if trainer.device.type == "cuda" else (lambda: None)

    def iteration(index: int) -> tuple[float, float]:
        t0 = time.perf_counter()
        env.step(agent.actor, agent.builder)
        sync()
        t1 = time.perf_counter()
        batch_ = trainer.replay.sample(cfg.batch_size, trainer.update_gen, trainer.device)
        agent.update(batch_, index, trainer.update_gen)
        sync()
        return t1 - t0, time.perf_counter() - t1

    for _ in range(max(cfg.batch_size, cfg.episode_steps)):
        env.step(agent.actor, agent.builder)
    for i in range(2):  # warm-up (allocator, cuDNN autotuning)
        iteration(i + 1)
    env_s, upd_s = 0.0, 0.0
    start = time.perf_counter()
    for i in range(updates):
        e, u = iteration(i + 1)
        env_s += e
        upd_s += u
    total = time.perf_counter() - start
    trainer.close()
    return {"size": size, "batch": batch, "device": str(trainer.device), "threads": torch.get_num_threads(),
            "updates": updates, "updates_per_s": updates / total, "s_per_update": total / updates,
            "env_step_s": env_s / updates, "update_s": upd_s / updates}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--updates", type=int, default=8, help="timed iterations per size")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="rlms_train_speed_") as tmp:
        import os

        os.environ.setdefault("RLMINISTYLER_CACHE", str(Path(tmp) / "cache"))
        for size in args.sizes:
            row = measure(size, args.batch_size, args.updates, args.device, args.threads, Path(tmp))
            rows.append(row)
            print(f"{row['size']:>4}x{row['size']:<4} batch {row['batch']}  {row['device']:<6} "
                  f"{row['threads']} thread(s): {row['updates_per_s']:.3f} updates/s "
                  f"({row['s_per_update']:.2f} s/update: env step {row['env_step_s']:.2f} s, "
                  f"update {row['update_s']:.2f} s)", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
