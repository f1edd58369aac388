"""``rlministyler distill``: the teacher's step sequence taught to the one-pass student.

Each iteration draws a batch of content and style crops from the training split and a step ``k``
per sample (uniform in 1..max_steps); the teacher runs its sequence up to the batch's largest
``k`` (no gradient: computed on the fly, so any crop and any step is a target) and the student
makes each sample's step in one pass. The loss, all against the teacher's step ``k``:
``pixel_weight * L1 + style_weight * VGG channel statistics (relu1_1..relu4_1) + content_weight *
VGG relu4_1 MSE``, with the training's Gatys-normalised VGG-19. Every Nth content and style image
(sorted by name) is kept out; at each checkpoint the student is scored on held-out pairs (per
step: PSNR to the teacher, and its VGG style and content losses as ratios to the teacher's, in
``log.jsonl`` and the model card).

Run directory (``--out``)::

    config.json                     the settings (DistillConfig); --resume reads them
    vgg_normalisation.pth           the loss network's filter means
    latest/distilled.pth.tar        the newest student (``--model PATH`` takes the folder)
    state/update_N/distiller.pth    student, optimiser, data stream, generators, iteration
    state/LATEST                    the newest complete state
    samples/update_N.png            content, style, the teacher's and the student's steps 1, 3, 5, 10
    log.jsonl                       losses, and the held-out scores at each checkpoint

Resuming continues exactly as an uninterrupted run would; Ctrl-C saves and stops.
"""

from __future__ import annotations

import copy
import json
import signal
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from rlministyler.training.model import StyleCode, load_pair
from rlministyler.training.model.checkpoint import save_atomic
from rlministyler.training.train import state as S
from rlministyler.training.train.data import PairSource, load_center, scan_images, spread
from rlministyler.training.train.distributed import setup_device
from rlministyler.training.train.guard import RunLock, check_losses
from rlministyler.training.train.losses import content_loss, evaluate_pair, style_loss, style_stats
from rlministyler.training.train.vgg import CONTENT_LAYER, STYLE_LAYERS, build_loss_network
from rlministyler.training.weights import resolve_checkpoint_dir, sha256_of

from rlministyler.errors import UserError
from rlministyler.metrics import psnr

from ..weights import DISTILLED_FILE
from .card import machine, write_card
from .checkpoint import load_distilled, save_distilled
from .config import DistillConfig
from .data import VariedPairSource
from .model import OnePassStylizer

STATE_FILE = "distiller.pth"
EVAL_STYLES_PER_CONTENT = 2  # each held-out content is scored with this many held-out styles
BEST_DIR = "best"  # the model with the best held-out score so far (mean PSNR over steps 2..max)


def split(files: list[Path], every: int) -> tuple[list[Path], list[Path]]:
    """(training, held out): every ``every``-th file of the sorted list is held out."""
    held = [f for i, f in enumerate(files) if i % every == every - 1]
    return [f for f in files if f not in held], held


def mean_beyond_first(scores: dict[str, float] | None) -> float | None:
    """The held-out score that picks the best model: mean PSNR over steps 2..max (step 1 alone when
    the model serves one step)."""
    if not scores:
        return None
    values = [v for k, v in scores.items() if int(k) > 1] or list(scores.values())
    return float(np.mean(values))


def _pixels(x: torch.Tensor) -> np.ndarray:
    return x.clamp(0, 1).cpu().numpy()


class Distiller:
    """Sets up a distillation run (new or resumed) and runs it to ``cfg.iterations``."""

    def __init__(self, cfg: DistillConfig, resume: bool = False, quiet: bool = False) -> None:
        cfg.validate()
        self.cfg, self.quiet = cfg, quiet
        self.run_dir = Path(cfg.out).expanduser()
        saved = S.latest_state(self.run_dir) if resume else None
        if resume and saved is None:
            raise UserError(f"--resume: {self.run_dir} holds no saved distillation state")
        if not resume and (self.run_dir / "config.json").exists():
            raise UserError(f"{self.run_dir} already holds a run: pass --resume to continue it or "
                            "choose another --out")
        self.lock = RunLock(self.run_dir)
        self.device, _ = setup_device(cfg.device)
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        contents, _ = scan_images(cfg.content_dir, "content")
        styles, _ = scan_images(cfg.style_dir, "style")
        (self.contents, self.held_contents), (self.styles, self.held_styles) = (
            split(contents, cfg.holdout_every), split(styles, cfg.holdout_every))
        if not (self.contents and self.styles and self.held_contents and self.held_styles):
            raise UserError(f"--holdout-every {cfg.holdout_every}: too few images to keep some out "
                            f"({len(contents)} contents, {len(styles)} styles)")
        teacher_dir = resolve_checkpoint_dir(cfg.teacher)
        actor, builder = load_pair(teacher_dir)
        self.teacher_sha256 = {p.name: sha256_of(p) for p in sorted(teacher_dir.glob("*.pth.tar"))}
        self.teacher = (actor.to(self.device).eval(), builder.to(self.device).eval())
        for p in [*actor.parameters(), *builder.parameters()]:
            p.requires_grad_(False)
        self.student = OnePassStylizer(copy.deepcopy(actor), copy.deepcopy(builder), cfg.max_steps)
        if cfg.init:
            self._start_from(Path(cfg.init).expanduser())
        self.student.to(self.device).train()
        for p in self.student.parameters():
            p.requires_grad_(True)
        # the moving average of the weights is what is scored and saved: batch-of-2 steps are noisy
        self.average = copy.deepcopy(self.student).eval() if cfg.ema else None
        for p in self.average.parameters() if self.average else ():
            p.requires_grad_(False)
        say = (lambda *a: None) if quiet else print
        self.vgg = build_loss_network(cfg.vgg, spread(self.contents, cfg.vgg_calibration), cfg.size,
                                      cfg.load_size, saved=self.run_dir / "vgg_normalisation.pth",
                                      log=say).to(self.device)
        table = list(self.student.conditioning.parameters())
        body = [p for n, p in self.student.named_parameters() if not n.startswith("conditioning.")]
        self.optimizer = torch.optim.Adam([{"params": body, "lr": cfg.lr},
                                           {"params": table, "lr": cfg.table_lr}])
        source = VariedPairSource if cfg.augment else PairSource
        self.source = source(self.contents, self.styles, cfg.size, cfg.load_size, cfg.seed, cfg.workers)
        self.steps_gen = torch.Generator().manual_seed(cfg.seed + 1)
        self.iteration = 0
        self.elapsed_s = 0.0  # training time over all sessions of the run (for the model card)
        self.last_scores: dict[str, float] | None = None  # held-out PSNR per step
        self.last_ratios: dict[str, dict[str, float]] | None = None  # style and content ratios per step
        self.best_score = float("-inf")
        self.stop_requested = False
        self.eval_set = self._eval_set()
        if saved is not None:
            self._load_state(saved)
        else:
            cfg.save(self.run_dir)

    def _start_from(self, path: Path) -> None:
        """``--init``: the student starts as the distilled model in ``path``."""
        model, _ = load_distilled(path)
        if model.max_steps != self.cfg.max_steps:
            raise UserError(f"--init {path}: serves {model.max_steps} steps, not --max-steps "
                            f"{self.cfg.max_steps}")
        self.student.load_state_dict(model.state_dict())

    @property
    def model(self) -> OnePassStylizer:
        """The weights that are scored, sampled and saved: the moving average when there is one."""
        return self.average if self.average is not None else self.student

    # --- data and targets ---------------------------------------------------------------------
    def _eval_set(self) -> list[tuple[torch.Tensor, torch.Tensor, dict[int, torch.Tensor], dict[int, dict]]]:
        """Held-out pairs (centre crops) with the teacher's steps and their VGG losses, computed
        once: every held-out content with ``EVAL_STYLES_PER_CONTENT`` held-out styles, spread over
        them."""
        styles = self.held_styles
        pairs = [(c, styles[(i + j * len(styles) // EVAL_STYLES_PER_CONTENT) % len(styles)])
                 for i, c in enumerate(self.held_contents)
                 for j in range(min(EVAL_STYLES_PER_CONTENT, len(styles)))]
        out = []
        for content_path, style_path in pairs:
            content = load_center(content_path, self.cfg.size, self.cfg.load_size)
            style = load_center(style_path, self.cfg.size, self.cfg.load_size)
            if content is None or style is None:
                continue
            content, style = content[None].to(self.device), style[None].to(self.device)
            teacher = self._teacher_steps(content, style, self.cfg.max_steps)
            with torch.no_grad():
                losses = evaluate_pair(self.vgg, content, style, teacher)
            out.append((content, style, teacher, losses))
        return out

    @torch.no_grad()
    def _teacher_steps(self, content: torch.Tensor, style: torch.Tensor, last: int
                       ) -> dict[int, torch.Tensor]:
        actor, builder = self.teacher
        code, moving, outputs = actor.encode_style(style), content, {}
        for t in range(1, last + 1):
            moving = builder(actor.act(moving), code)
            outputs[t] = moving
        return outputs

    def _batch(self) -> tuple[torch.Tensor, StyleCode, torch.Tensor, torch.Tensor]:
        """``batch_size`` pairs, each at ``steps_per_pair`` distinct steps: the teacher runs once
        per pair up to the largest step drawn, and every step it passes on the way is a target."""
        cfg = self.cfg
        per = cfg.steps_per_pair
        pairs = [self.source.next_pair() for _ in range(cfg.batch_size)]
        content = torch.stack([p[0] for p in pairs]).to(self.device)
        style = torch.stack([p[1] for p in pairs]).to(self.device)
        steps = torch.stack([torch.randperm(cfg.max_steps, generator=self.steps_gen)[:per] + 1
                             for _ in pairs])
        outputs = self._teacher_steps(content, style, int(steps.max()))
        target = torch.stack([outputs[int(k)][i] for i, row in enumerate(steps) for k in row])
        code = StyleCode(*(v.repeat_interleave(per, 0) for v in self.student.encode_style(style)))
        return content.repeat_interleave(per, 0), code, steps.flatten().to(self.device), target

    # --- one iteration ------------------------------------------------------------------------
    def _update(self) -> dict[str, float]:
        cfg = self.cfg
        content, code, steps, target = self._batch()
        out = self.student(content, code, steps)
        parts = {"pixel": (out - target).abs().mean()}
        if cfg.style_weight or cfg.content_weight:  # the loss network costs far more than the student
            feats = self.vgg(out, STYLE_LAYERS)
            with torch.no_grad():
                target_feats = self.vgg(target, STYLE_LAYERS)
            parts["style"] = style_loss(style_stats(feats), style_stats(target_feats))
            parts["content"] = content_loss(feats[CONTENT_LAYER], target_feats[CONTENT_LAYER])
        weights = {"pixel": cfg.pixel_weight, "style": cfg.style_weight, "content": cfg.content_weight}
        loss = sum(weights[name] * value for name, value in parts.items())
        values = {"loss": float(loss.detach()), **{k: float(v.detach()) for k, v in parts.items()}}
        check_losses(values, self.iteration + 1, self.run_dir)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        if self.average is not None:
            decay = self.cfg.ema
            if self.cfg.ema_warmup:  # iteration t (from 0): at most (1 + t) / (10 + t), 0.5 at t = 8
                decay = min(decay, (1 + self.iteration) / (10 + self.iteration))
            with torch.no_grad():
                for mine, theirs in zip(self.average.parameters(), self.student.parameters(), strict=True):
                    mine.lerp_(theirs, 1.0 - decay)
        return values

    @torch.no_grad()
    def evaluate(self) -> dict[str, dict[str, float]]:
        """Per step on the held-out pairs: the student's mean PSNR to the teacher (``psnr_db``) and
        its mean VGG style and content losses over the teacher's (``style_ratio``,
        ``content_ratio``: the targets' ratios of means)."""
        model = self.model
        model.eval()
        steps = range(1, self.cfg.max_steps + 1)
        values: dict[int, list[float]] = {k: [] for k in steps}
        mine: dict[int, list[dict]] = {k: [] for k in steps}
        for content, style, teacher, _ in self.eval_set:
            code = model.encode_style(style)
            outs = {k: model(content, code, torch.tensor([k], device=self.device)) for k in steps}
            for k, losses in evaluate_pair(self.vgg, content, style, outs).items():
                values[k].append(psnr(_pixels(outs[k]), _pixels(teacher[k])))
                mine[k].append(losses)
        scores: dict[str, dict[str, float]] = {"psnr_db": {}, "style_ratio": {}, "content_ratio": {}}
        for k in steps:
            scores["psnr_db"][str(k)] = round(float(np.mean(values[k])), 3)
            for name in ("style", "content"):
                theirs = np.mean([losses[k][name] for *_, losses in self.eval_set])
                ratio = np.mean([m[name] for m in mine[k]]) / max(theirs, 1e-12)
                scores[f"{name}_ratio"][str(k)] = round(float(ratio), 3)
        self.student.train()
        return scores

    # --- the loop ---------------------------------------------------------------------------
    def run(self) -> Path:
        from tqdm import tqdm

        previous = signal.signal(signal.SIGINT, self._request_stop)
        bar = tqdm(total=self.cfg.iterations, initial=self.iteration, unit="it", disable=self.quiet,
                   desc="distill")
        try:
            while self.iteration < self.cfg.iterations and not self.stop_requested:
                start = time.perf_counter()
                values = self._update()
                self.elapsed_s += time.perf_counter() - start
                self.iteration += 1
                bar.update(1)
                if self.iteration % self.cfg.log_every == 0:
                    self._log({"iteration": self.iteration, **{k: round(v, 6) for k, v in values.items()},
                               "s_per_it": round(time.perf_counter() - start, 3)})
                    bar.set_postfix(loss=f"{values['loss']:.4f}")
                if self.iteration % self.cfg.checkpoint_every == 0:
                    self.save(evaluate=True)
                if self.cfg.sample_every and self.iteration % self.cfg.sample_every == 0:
                    self.sample()
            if self.iteration % self.cfg.checkpoint_every or self.stop_requested:
                self.save(evaluate=not self.stop_requested)
        finally:
            bar.close()
            signal.signal(signal.SIGINT, previous)
            self.close()
        return self.run_dir / "latest" / DISTILLED_FILE

    def _request_stop(self, *_) -> None:
        self.stop_requested = True

    def _log(self, record: dict) -> None:
        with open(self.run_dir / "log.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")

    def save(self, evaluate: bool = True) -> None:
        measured = self.evaluate() if evaluate and self.eval_set else None
        scores = measured["psnr_db"] if measured else None
        if measured is not None:
            self._log({"iteration": self.iteration, **{f"heldout_{k}": v for k, v in measured.items()}})
            self.last_scores = scores
            self.last_ratios = {k: v for k, v in measured.items() if k != "psnr_db"}
        record = self.record()
        folders = ["latest"]
        score = mean_beyond_first(scores)
        if score is not None and score > self.best_score:
            self.best_score = score
            folders.append(BEST_DIR)
        for name in folders:
            save_distilled(self.model, self.run_dir / name / DISTILLED_FILE, self.teacher_sha256, record)
            write_card(self.run_dir / name, {**record, "max_steps": self.cfg.max_steps,
                                              "teacher_sha256": self.teacher_sha256})
        folder = S.state_dir(self.run_dir, self.iteration)
        save_atomic({"iteration": self.iteration, "student": self.student.state_dict(),
                     "average": self.average.state_dict() if self.average is not None else None,
                     "optimizer": self.optimizer.state_dict(), "source": self.source.state_dict(),
                     "steps_gen": self.steps_gen.get_state(), "torch_rng": torch.get_rng_state(),
                     "elapsed_s": self.elapsed_s, "last_scores": self.last_scores,
                     "last_ratios": self.last_ratios,
                     "best_score": self.best_score},
                    folder / STATE_FILE)
        S.commit_state(self.run_dir, self.iteration)

    def record(self) -> dict:
        """How the model was made, saved in its file: the card and the bench read it."""
        return {"iteration": self.iteration, "holdout_every": self.cfg.holdout_every, "size": self.cfg.size,
                "batch_size": self.cfg.batch_size, "config": asdict(self.cfg),
                "elapsed_s": round(self.elapsed_s, 1), "machine": machine(),
                "train_contents": len(self.contents), "train_styles": len(self.styles),
                "held_out": [p.name for p in [*self.held_contents, *self.held_styles]],
                "heldout_psnr_db": self.last_scores, "heldout_ratios": self.last_ratios}

    def _load_state(self, folder: Path) -> None:
        state = S.read(folder / STATE_FILE)
        try:
            self.student.load_state_dict(state["student"])
            if self.average is not None:
                self.average.load_state_dict(state["average"])
            self.best_score = float(state.get("best_score", float("-inf")))
            self.optimizer.load_state_dict(state["optimizer"])
            self.source.load_state_dict(state["source"])
            self.steps_gen.set_state(state["steps_gen"])
            torch.set_rng_state(state["torch_rng"])
            self.iteration = int(state["iteration"])
            self.elapsed_s = float(state.get("elapsed_s", 0.0))
            self.last_scores = state.get("last_scores")
            self.last_ratios = state.get("last_ratios")
        except (KeyError, RuntimeError, ValueError, TypeError) as exc:
            raise UserError(f"{folder / STATE_FILE} does not fit this run ({type(exc).__name__}); start a "
                            "new --out") from None

    @torch.no_grad()
    def sample(self) -> Path:
        from rlministyler.images import write_image
        from rlministyler.sheet import contact_sheet

        content, style, teacher, _ = self.eval_set[0]
        model = self.model
        model.eval()
        code = model.encode_style(style)

        def rgb(x: torch.Tensor) -> np.ndarray:
            return x[0].clamp(0, 1).permute(1, 2, 0).cpu().numpy()

        tiles = [("content", rgb(content)), ("style", rgb(style))]
        for k in (1, 3, 5, 10):
            if k <= self.cfg.max_steps:
                student = model(content, code, torch.tensor([k], device=self.device))
                tiles += [(f"teacher {k}", rgb(teacher[k])), (f"one pass {k}", rgb(student))]
        self.student.train()
        return write_image(self.run_dir / "samples" / f"{S.tag(self.iteration)}.png",
                           contact_sheet(tiles, tile_height=self.cfg.size, per_row=10))

    def close(self) -> None:
        self.source.close()
        self.lock.release()
