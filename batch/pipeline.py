"""A batch run on Ray: the jobs planned and checked, what is done skipped, images through a Ray
Dataset (decoded in reading tasks, stylised and written by a pool of actors), videos as segments
through a second pool and joined in order here, and a summary (files, frames, fps per worker,
failures) printed and kept as ``-o/.rlministyler-batch/summary.json``."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rlministyler.runtime.build import StylizerOptions
from rlministyler.runtime.engine import DEFAULT_ENGINE

from rlministyler import spec
from rlministyler.errors import UserError
from rlministyler.safety import make_output_folder, write_text

from .inputs import WORK_FOLDER, Job, plan_jobs
from .ledger import Ledger, file_sha256, job_key, setup_key
from .segments import Segment, join, plan_segments, probe, segment_work_folder
from .workers import ImageWorker, SegmentWorker, Setup

SUMMARY_FILE = "summary.json"


@dataclass
class BatchOptions:
    """Everything ``rlministyler batch`` takes."""

    model: Path
    inputs: list[str]
    out: Path
    style: Path | None = None
    step: int | None = None
    workers: int = 2
    address: str | None = None
    segment_seconds: float = 10.0
    overlap: int = 8
    temporal: str = "off"
    temporal_weight: float = spec.TEMPORAL_WEIGHT
    style_size: int = spec.STYLE_SIZE
    engine: str = DEFAULT_ENGINE
    provider: str = "cpu"
    cpus_per_worker: float = 1.0
    gpus_per_worker: float = 0.0
    checkpoint: str | None = None
    precision: str = "fp32"
    quiet: bool = False


@dataclass
class Summary:
    files: int = 0
    images: int = 0
    videos: int = 0
    frames: int = 0
    skipped: int = 0
    work_items: int = 0  # images and video segments this run stylised (the rest were done before)
    seconds: float = 0.0
    failures: list[dict[str, str]] = field(default_factory=list)
    workers: dict[str, dict[str, float]] = field(default_factory=dict)

    def add(self, row: dict) -> None:
        if row["status"] == "failed":
            self.failures.append({"file": str(row["output"]), "reason": str(row["reason"])})
            return
        worker = self.workers.setdefault(str(row["worker"]), {"frames": 0, "seconds": 0.0})
        worker["frames"] += int(row["frames"])
        worker["seconds"] += float(row["seconds"])

    def text(self) -> str:
        lines = [f"batch: {self.files} file(s) ({self.images} image(s), {self.videos} video(s)), "
                 f"{self.frames} frame(s) in {self.seconds:.1f} s; {self.skipped} already done, "
                 f"{len(self.failures)} failed"]
        for name, w in sorted(self.workers.items()):
            fps = w["frames"] / w["seconds"] if w["seconds"] else 0.0
            lines.append(f"  worker {name}: {int(w['frames'])} frame(s), {fps:.2f} fps while busy")
        lines += [f"  failed: {f['file']}: {f['reason']}" for f in self.failures]
        return "\n".join(lines)


def check_setup(opts: BatchOptions) -> Setup:
    """Model, style and step checked here, once, before Ray starts: a model every actor would
    refuse is one line now, not one failure per file."""
    options = StylizerOptions(str(opts.model), engine=opts.engine, provider=opts.provider, step=opts.step,
                              temporal=opts.temporal, temporal_weight=opts.temporal_weight,
                              threads=max(1, int(opts.cpus_per_worker)), style_size=opts.style_size,
                              checkpoint=opts.checkpoint, precision=opts.precision)
    setup = Setup(options, str(opts.style) if opts.style else None, str(opts.out))
    stylizer = setup.stylizer(opts.temporal)
    stylizer.close()
    return setup


def _init_ray(opts: BatchOptions) -> None:
    import ray

    logging.getLogger("ray").setLevel(logging.ERROR)
    # the core workers' own log lines (C++, to stderr) would interleave with the progress bar
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    if not ray.is_initialized():
        ray.init(address=opts.address, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.ERROR, configure_logging=True)
    from ray.data import DataContext

    context = DataContext.get_current()
    context.enable_progress_bars = False  # one bar: ours
    context.print_on_execution_start = False
    for name in ("ray", "ray.data"):  # Ray Data sets its own levels when imported
        logging.getLogger(name).setLevel(logging.ERROR)


def _pool(worker: type, setup: Setup, opts: BatchOptions, rows: list[dict], reader: Callable | None = None
          ) -> Iterable[dict]:
    """``rows`` through a pool of ``opts.workers`` actors of ``worker``, one row per call."""
    import ray.data

    dataset = ray.data.from_items(rows, override_num_blocks=max(1, len(rows)))
    if reader is not None:
        dataset = dataset.map(reader)
    size = max(1, min(opts.workers, len(rows)))
    gpus = {"num_gpus": opts.gpus_per_worker} if opts.gpus_per_worker else {}
    # the setup travels inside the class (pickled by value), not as constructor arguments in the
    # object store, which Ray warns cannot be recovered when an actor restarts
    bound = type(worker.__name__, (worker,), {"setup": setup})
    dataset = dataset.map_batches(bound, batch_size=1, compute=ray.data.ActorPoolStrategy(size=size),
                                  num_cpus=opts.cpus_per_worker, **gpus)
    return dataset.iter_rows()


def run_batch(opts: BatchOptions, say: Callable[[str], None] = print) -> Summary:
    from tqdm import tqdm

    from .workers import decode_image

    start = time.perf_counter()
    jobs = plan_jobs(opts.inputs, opts.out)
    setup = check_setup(opts)
    make_output_folder(opts.out)
    ledger = Ledger(opts.out)
    settings = {"step": opts.step, "temporal": opts.temporal, "temporal_weight": opts.temporal_weight,
                "style_size": opts.style_size, "precision": opts.precision, "engine": opts.engine}
    base = setup_key(file_sha256(opts.model), file_sha256(opts.style) if opts.style else None, settings)
    summary = Summary(files=len(jobs), images=sum(j.kind == "image" for j in jobs),
                      videos=sum(j.kind == "video" for j in jobs))
    pending: list[tuple[Job, str]] = []
    for job in jobs:
        key = job_key(file_sha256(job.input), base)
        if ledger.is_done(job.output, key):
            summary.skipped += 1
        elif job.output.exists() and not ledger.owns(job.output):
            summary.failures.append({"file": str(job.output), "reason": "exists and was not written by "
                                     "rlministyler batch: left as it is"})
        else:
            pending.append((job, key))
    images = [{"input": str(j.input), "output": str(j.output), "key": k}
              for j, k in pending if j.kind == "image"]
    videos = [(j, k) for j, k in pending if j.kind == "video"]
    plans = _video_plans(videos, opts, summary)
    videos = [(j, k) for j, k in videos if j.input in plans]
    segments = [s for segs, _ in plans.values() for s in segs if not s.is_complete()]
    work = summary.work_items = len(images) + len(segments)
    if work:
        _init_ray(opts)
    bar = tqdm(total=work, unit="item", disable=opts.quiet, desc="batch")
    for image in images:
        Path(image["output"]).parent.mkdir(parents=True, exist_ok=True)
    if images:
        for row in _pool(ImageWorker, setup, opts, images, decode_image):
            summary.add(row)
            summary.frames += int(row["frames"])
            bar.update(1)
    if segments:
        outputs = {j.input: j.output for j, _ in videos}
        rows = [{"input": str(s.video), "output": str(outputs[s.video]), "folder": str(s.folder),
                 "index": s.index, "start": s.start, "stop": s.stop, "overlap": s.overlap} for s in segments]
        for row in _pool(SegmentWorker, setup, opts, rows):
            summary.add(row)
            bar.update(1)
    bar.close()
    for job, key in videos:
        segs, fps = plans[job.input]
        if not all(s.is_complete() for s in segs):
            if not any(f["file"].startswith(str(job.output)) for f in summary.failures):
                summary.failures.append({"file": str(job.output), "reason": "a segment did not finish"})
            continue
        try:
            summary.frames += join(segs, job.output, fps)
            ledger.mark_done(job.output, key, segs[-1].stop)
        except UserError as exc:
            summary.failures.append({"file": str(job.output), "reason": str(exc)})
    summary.seconds = time.perf_counter() - start
    write_text(opts.out / WORK_FOLDER / SUMMARY_FILE, json.dumps(asdict(summary), indent=2) + "\n", "summary")
    return summary


def _video_plans(videos: list[tuple[Job, str]], opts: BatchOptions, summary: Summary
                 ) -> dict[Path, tuple[list[Segment], float]]:
    """Each video's segments (a video that cannot be read is a failure of its own)."""
    plans = {}
    for job, key in videos:
        try:
            frames, fps = probe(job.input)
        except UserError as exc:
            summary.failures.append({"file": str(job.output), "reason": str(exc)})
            continue
        plans[job.input] = (plan_segments(job.input, frames, fps, opts.segment_seconds, opts.overlap,
                                          segment_work_folder(opts.out, key)), fps)
    return plans
