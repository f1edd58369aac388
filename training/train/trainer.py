"""The training loop: one environment step and one update per iteration, checkpoints, logs."""

from __future__ import annotations

import json
import signal
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from rlministyler.training.model import Actor, Builder, load_pair

from rlministyler.errors import UserError
from rlministyler.images import write_image
from rlministyler.sheet import contact_sheet

from . import distributed as D
from . import state as S
from .config import TrainConfig
from .data import PairSource, load_center, scan_images, spread
from .env import Environment
from .guard import RunLock, check_losses, check_weights, read_log
from .losses import evaluate_pair
from .replay import ReplayMemory
from .sac import Agent
from .vgg import build_loss_network

SAMPLE_STEPS = tuple(range(1, 11))
LOG_FILE = "log.jsonl"
# logged every update on every rank (averaged over ranks); the rest is rank 0's own
SHARED_KEYS = ("critic", "q", "q_target", "alpha", "content", "style", "hsrcl", "generative", "reward")


def initial_models(init: str) -> tuple[Actor, Builder]:
    """``scratch`` (fresh weights from the seeded generator), ``official`` or a checkpoint folder."""
    if init == "scratch":
        return Actor(), Builder()
    if init == "official":
        from rlministyler.training.weights import resolve_checkpoint_dir

        return load_pair(resolve_checkpoint_dir(None))
    folder = Path(init).expanduser()
    if (folder / "latest" / "actor.pth.tar").is_file():  # a run directory
        folder = folder / "latest"
    if not folder.is_dir():
        raise UserError(f"--init {init}: use scratch, official, or a folder with actor.pth.tar and "
                        "builder.pth.tar (a run directory works too)")
    for name in ("actor.pth.tar", "builder.pth.tar"):
        if not (folder / name).is_file():
            raise UserError(f"--init {init}: {name} not found in {folder}")
    return load_pair(folder)


class Trainer:
    """Sets up a run (new or resumed) on this rank and runs it to ``cfg.max_updates``."""

    def __init__(self, cfg: TrainConfig, resume: bool = False, quiet: bool = False) -> None:
        cfg.validate()
        self.cfg, self.quiet = cfg, quiet
        self.run_dir = Path(cfg.out).expanduser()
        self.device, self.dist = D.setup_device(cfg.device)
        device = self.device
        if cfg.threads > 0:
            torch.set_num_threads(cfg.threads)
        self.main = self.dist.main
        self.lock = RunLock(self.run_dir) if self.main else None  # a second run here refuses
        self._check_run_dir(resume)

        contents, skipped_c = scan_images(cfg.content_dir, "content")
        styles, skipped_s = scan_images(cfg.style_dir, "style")
        self.contents, self.styles = contents, styles
        self.log(f"data: {len(contents)} content and {len(styles)} style images"
                 + (f" ({skipped_c + skipped_s} unreadable files skipped)" if skipped_c + skipped_s else ""))
        if self.main:  # on --resume: the same settings with the new run controls
            cfg.save(self.run_dir)

        calibration = (spread(contents, cfg.vgg_calibration // 2)
                       + spread(styles, cfg.vgg_calibration - cfg.vgg_calibration // 2))
        saved = self.run_dir / "vgg_normalisation.pth"
        if self.main:
            vgg = build_loss_network(cfg.vgg, calibration, cfg.size, cfg.load_size, saved=saved, log=self.log)
        D.barrier(self.dist)
        if not self.main:
            vgg = build_loss_network(cfg.vgg, calibration, cfg.size, cfg.load_size, saved=saved,
                                     log=lambda *_: None)
        self.vgg = vgg.to(device)

        torch.manual_seed(cfg.seed)
        actor, builder = initial_models(cfg.init) if not resume else (Actor(), Builder())
        self.agent = Agent(cfg, actor, builder, self.vgg, device, self.dist)
        rank_seed = cfg.seed * 1_000_003 + self.dist.rank * 7919
        dtype = torch.float16 if cfg.replay_dtype == "float16" else torch.float32
        self.replay = ReplayMemory(cfg.replay_size, dtype)
        self.source = PairSource(contents, styles, cfg.size, cfg.load_size, rank_seed, cfg.workers)
        self.env_gen = torch.Generator(device).manual_seed(rank_seed + 1)
        self.update_gen = torch.Generator(device).manual_seed(rank_seed + 2)
        self.env = Environment(self.source, self.vgg, self.replay, cfg.episode_steps, device, self.env_gen,
                               cfg.done_threshold, cfg.done_bonus)
        self.update, self.env_steps = 0, 0
        if resume:
            self._load()
        else:
            D.broadcast_tensors(self.agent.all_tensors(), self.dist)
        self.stop_requested = False
        self.writer = None
        if self.main:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(self.run_dir / "tb"), purge_step=self.update if resume else None)
            if resume:
                self._truncate_log()

    # ---------------------------------------------------------------- setup helpers
    def log(self, message: str) -> None:
        if self.main and not self.quiet:
            from tqdm import tqdm

            tqdm.write(message)

    def _check_run_dir(self, resume: bool) -> None:
        # a run exists once it has saved a state; a start that failed earlier may be started again
        has_run = S.latest_state(self.run_dir) is not None or (self.run_dir / LOG_FILE).is_file()
        if resume:
            if S.latest_state(self.run_dir) is None:
                raise UserError(f"nothing to resume in {self.run_dir}: no saved training state "
                                "(a run saves one every --checkpoint-every updates and when it stops)")
        elif has_run:
            raise UserError(f"{self.run_dir} already holds a training run: add --resume to continue it, "
                            "or choose another --out")
        if self.main:
            try:
                self.run_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UserError(f"cannot create run directory {self.run_dir}: {exc.strerror}") from None
            if not resume:  # left by a start that failed, maybe with other --vgg settings
                (self.run_dir / "vgg_normalisation.pth").unlink(missing_ok=True)

    def _load(self) -> None:
        folder = S.latest_state(self.run_dir)
        assert folder is not None
        trainer = S.read(folder / "trainer.pth")
        if trainer.get("world", 1) != self.dist.world:
            raise UserError(f"{self.run_dir} was trained with {trainer.get('world')} process(es); resume "
                            f"it with the same number (now {self.dist.world})")
        try:
            self.agent.load_state_dict(trainer["agent"])
            mine = S.read(folder / f"rank_{self.dist.rank}.pth")
            self.replay.load_state_dict(mine["replay"])
            self.env.load_state_dict(mine["env"])
            self.source.load_state_dict(mine["data"])
            self.update_gen.set_state(mine["update_gen"])
            torch.set_rng_state(mine["torch_rng"])
        except (KeyError, RuntimeError, ValueError, TypeError) as exc:
            raise UserError(f"corrupt training state in {folder}: {str(exc).splitlines()[0][:160]}") from None
        self.update, self.env_steps = int(trainer["update"]), int(mine["env_steps"])
        self.log(f"resumed {self.run_dir} at update {self.update} ({len(self.replay)} transitions in memory)")

    def _truncate_log(self) -> None:
        path = self.run_dir / LOG_FILE
        if not path.is_file():
            return
        keep = [json.dumps(r) for r in read_log(path) if r.get("update", 0) <= self.update]
        S.write_text_atomic(path, "".join(line + "\n" for line in keep))

    # ---------------------------------------------------------------- saving
    def save(self) -> None:
        """Models (official format) and the full state; every rank writes its own part."""
        check_weights(self.agent.actor, self.agent.builder, self.update, self.run_dir)  # never save NaN
        folder = S.state_dir(self.run_dir, self.update)
        if self.main:
            folder.mkdir(parents=True, exist_ok=True)
        D.barrier(self.dist)
        from rlministyler.training.model.checkpoint import save_atomic

        save_atomic({"replay": self.replay.state_dict(), "env": self.env.state_dict(),
                     "data": self.source.state_dict(), "update_gen": self.update_gen.get_state(),
                     "torch_rng": torch.get_rng_state(), "env_steps": self.env_steps,
                     "model_checksum": self._checksum()},
                    folder / f"rank_{self.dist.rank}.pth")
        if self.main:
            save_atomic({"update": self.update, "world": self.dist.world, "agent": self.agent.state_dict()},
                        folder / "trainer.pth")
            S.save_models(self.agent.actor, self.agent.builder, self.run_dir, self.update,
                          self.cfg.keep_checkpoints)
        D.barrier(self.dist)
        if self.main:
            S.commit_state(self.run_dir, self.update)
        D.barrier(self.dist)

    def _checksum(self) -> float:
        """Sum of every learned value: equal on all ranks when gradients are averaged."""
        with torch.no_grad():
            return float(sum(t.double().sum() for t in self.agent.all_tensors()))

    # ---------------------------------------------------------------- samples
    @torch.no_grad()
    def samples(self) -> Path | None:
        """A grid per sample pair: content, style, steps 1..10 (mean action); PNG + TensorBoard."""
        if not self.main or self.cfg.samples <= 0:
            return None
        if not hasattr(self, "_sample_pairs"):
            pairs = []
            for c, s in zip(spread(self.contents, self.cfg.samples), spread(self.styles, self.cfg.samples),
                            strict=False):
                content, style = (load_center(c, self.cfg.size, self.cfg.load_size),
                                  load_center(s, self.cfg.size, self.cfg.load_size))
                if content is not None and style is not None:
                    pairs.append((content.unsqueeze(0).to(self.device), style.unsqueeze(0).to(self.device)))
            self._sample_pairs = pairs
        actor, builder = self.agent.actor, self.agent.builder
        tiles, evals = [], defaultdict(list)
        for content, style in self._sample_pairs:
            code = actor.encode_style(style)
            moving, outputs = content, {}
            for t in SAMPLE_STEPS:
                moving = builder(actor.act(moving), code)
                outputs[t] = moving
            for t, values in evaluate_pair(self.vgg, content, style, outputs).items():
                for k, v in values.items():
                    evals[f"eval/{k}_step{t}"].append(v)
            tiles += [("content", _rgb(content)), ("style", _rgb(style))]
            tiles += [(f"step {t}", _rgb(outputs[t])) for t in SAMPLE_STEPS]
        if not tiles:
            return None
        sheet = contact_sheet(tiles, tile_height=min(256, max(64, self.cfg.size)),
                              per_row=2 + len(SAMPLE_STEPS))
        path = write_image(self.run_dir / "samples" / f"{S.tag(self.update)}.png", sheet)
        if self.writer is not None:
            self.writer.add_image("samples", sheet, self.update, dataformats="HWC")
            for k, v in evals.items():
                self.writer.add_scalar(k, float(np.mean(v)), self.update)
        return path

    # ---------------------------------------------------------------- the loop
    def _install_stop_handlers(self) -> dict:
        def request_stop(signum, frame):
            self.stop_requested = True
        previous = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                previous[sig] = signal.signal(sig, request_stop)
            except ValueError:  # not the main thread
                pass
        return previous

    def _should_stop(self) -> bool:
        if not self.dist.enabled:
            return self.stop_requested
        flag = torch.tensor([1.0 if self.stop_requested else 0.0], device=self.device)
        torch.distributed.all_reduce(flag)
        return bool(flag.item() > 0)

    def run(self) -> dict[str, Any]:
        """Train until ``max_updates`` (or a stop signal: then save and return)."""
        cfg = self.cfg
        from tqdm import tqdm

        warmup = cfg.warmup_episodes * cfg.episode_steps
        bar = tqdm(total=cfg.max_updates, initial=self.update, unit="upd", dynamic_ncols=True,
                   disable=self.quiet or not self.main, smoothing=0.1)
        previous = self._install_stop_handlers()
        window: dict[str, list[float]] = defaultdict(list)
        last_saved = self.update if self.update else -1
        if self.update == 0 and cfg.sample_every:
            self.samples()
        started, start_update = time.perf_counter(), self.update
        window_start = time.perf_counter()
        try:
            while self.update < cfg.max_updates:
                if self._should_stop():
                    self.log(f"stopping at update {self.update}: saving the state for --resume")
                    break
                info = self.env.step(self.agent.actor, self.agent.builder)
                self.env_steps += 1
                for k, v in info.items():
                    window[k].append(v)
                if self.env_steps <= warmup:
                    bar.set_description(f"filling replay {self.env_steps}/{warmup}")
                    continue
                batch = self.replay.sample(cfg.batch_size, self.update_gen, self.device)
                self.update += 1
                losses = self.agent.update(batch, self.update, self.update_gen)
                check_losses(losses, self.update, self.run_dir)
                for k, v in losses.items():
                    window[k].append(v)
                bar.update(1)
                if cfg.log_every and self.update % cfg.log_every == 0:
                    elapsed = time.perf_counter() - window_start
                    self._log(window, cfg.log_every / max(elapsed, 1e-9), bar)
                    window = defaultdict(list)
                    window_start = time.perf_counter()
                if cfg.sample_every and self.update % cfg.sample_every == 0:
                    self.samples()
                if cfg.checkpoint_every and self.update % cfg.checkpoint_every == 0:
                    self.save()
                    last_saved = self.update
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            bar.close()
        if last_saved != self.update:
            self.save()
        elapsed = time.perf_counter() - started
        if self.writer is not None:
            self.writer.flush()
        summary = {"update": self.update, "stopped": self.update < cfg.max_updates,
                   "updates_per_s": (self.update - start_update) / max(elapsed, 1e-9),
                   "unreadable": self.source.unreadable, "checkpoint": str(self.run_dir / "latest")}
        skipped = self.source.unreadable
        self.log(f"update {self.update}: checkpoint {self.run_dir / 'latest'} (actor + builder)"
                 + (f"; {skipped} unreadable images skipped" if skipped else ""))
        return summary

    def _log(self, window: dict[str, list[float]], speed: float, bar) -> None:
        shared = {k: float(np.mean(window[k])) for k in SHARED_KEYS if window.get(k)}
        shared = D.all_mean(shared, self.dist, self.device)
        if not self.main:
            return
        record: dict[str, float] = {k: float(np.mean(v)) for k, v in window.items() if v}
        record.update(shared)
        record["updates_per_s"] = speed
        record["unreadable"] = float(self.source.unreadable)
        assert self.writer is not None
        groups = {"critic": "loss", "actor": "loss", "alpha_loss": "loss", "content": "loss", "style": "loss",
                  "hsrcl": "loss", "generative": "loss", "reward": "env", "episode_return": "env",
                  "episode_length": "env", "alpha": "sac", "entropy": "sac", "q": "sac", "q_target": "sac"}
        for k, v in record.items():
            group = groups.get(k, "aml" if k.startswith("aml_") else "run")
            self.writer.add_scalar(f"{group}/{k}", v, self.update)
        with open(self.run_dir / LOG_FILE, "a") as f:
            f.write(json.dumps({"update": self.update, **record}) + "\n")
        bar.set_description("training")
        bar.set_postfix_str(f"critic {record.get('critic', 0):.3g} style {record.get('style', 0):.3g} "
                            f"content {record.get('content', 0):.3g} hsrcl {record.get('hsrcl', 0):.3g} "
                            f"alpha {record.get('alpha', 0):.3g}", refresh=False)

    def close(self) -> None:
        if getattr(self, "lock", None) is not None:
            self.lock.release()
        self.source.close()
        if self.writer is not None:
            self.writer.close()
        D.cleanup()


def _rgb(x: torch.Tensor) -> np.ndarray:
    return x[0].detach().float().clamp(0, 1).permute(1, 2, 0).cpu().numpy()
