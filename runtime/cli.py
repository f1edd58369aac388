"""``rlministyler run``: stylise images, videos, image sequences or a camera with an exported model."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rlministyler import spec
from rlministyler.errors import UserError

if TYPE_CHECKING:
    from .build import StylizerOptions
    from .player import PlayReport


def _default_output(source: str, source_kind: str, step_text: str) -> str:
    stem = Path(source.replace("%", "")).stem or "frames"
    if source_kind == "images" and not Path(source).is_dir():
        return f"{stem}_{step_text}.png"
    if source_kind in ("images", "sequence"):
        return f"{stem}_{step_text}"
    return f"{stem}_{step_text}.mp4"


def run(args: argparse.Namespace) -> int:
    """``rlministyler run``: open the model, the source and the sink, play, report."""
    from .build import build_stylizer
    from .player import KEYS_HELP, Player, display_available
    from .sinks import open_sink, output_kind
    from .sources import open_source
    from .upsample import choose_upsampler

    display = args.display
    if display is None:
        display = args.input.startswith("camera:") and display_available()
    elif display and not display_available():
        raise UserError("--display: no display available (no DISPLAY or WAYLAND_DISPLAY); use -o instead")
    if args.input.startswith("camera:") and not display and not args.output:
        raise UserError("nothing to do: a camera needs a display or -o OUT.mp4")

    from rlministyler.limits import check_regular_file
    from rlministyler.safety import refuse_overlap

    check_regular_file(args.model, "model")
    refuse_overlap([("-o", args.output), ("--stats-json", args.stats_json)],
                   [("model", args.model), ("--input", args.input), ("--checkpoint", args.checkpoint),
                    *(("--style", s) for s in args.style or ())])
    options = stylizer_options(args)
    stylizer = build_stylizer(options)
    info = stylizer.info
    styles = []
    if info.needs_style:
        if not args.style:
            raise UserError(f"{info.path.name} is a {info.variant} model: give --style IMAGE")
        styles = [stylizer.encode_style(path) for path in args.style]
        stylizer.style = styles[0]
    elif args.style:
        stylizer.encode_style(args.style[0])  # raises the "style is baked in" error

    source = open_source(args.input, fps=args.fps, camera_size=args.camera_size)
    output = args.output
    if output is None and not display:
        output = _default_output(args.input, source.kind, f"step{stylizer.step}")
    one_image = source.count == 1 and source.kind == "images"
    if output is not None and output_kind(output) == "video" and one_image:
        raise UserError("one image in, video out: give an image file or a directory for -o")
    sink = open_sink(output, source, fps=args.fps, fourcc=args.fourcc) if output else None

    say = (lambda *a: None) if args.quiet else (lambda text: print(text, file=sys.stderr))
    scaled = options.network_scale != 1
    upsampling = choose_upsampler(options.upsample, options.network_scale)
    say(f"{info.describe()}; running step {stylizer.step}"
        + (f" at scale {options.network_scale:g} ({upsampling} upsampling)" if scaled else ""))
    say(stylizer.engine.describe())
    if info.static_size and scaled:
        say(f"note: --scale does not apply to a static-size model; frames are resized to "
            f"{info.static_size[1]}x{info.static_size[0]}")
    say(f"input: {source.description}" + (f" -> {sink.target}" if sink else ""))
    if display:
        say(KEYS_HELP)

    player = Player(stylizer, source, sink, styles=styles, display=display, overlay=not args.no_overlay,
                    max_frames=args.frames, progress=not args.quiet,
                    temporal_toggle=args.temporal if args.temporal != "off" else "flow",
                    exits_on_interrupt=True)
    report = player.run()
    return _finish(report, args, sink)


def _finish(report: PlayReport, args: argparse.Namespace, sink) -> int:
    print(report.stats.report())
    if report.dropped:
        print(f"dropped {report.dropped} camera frames while busy (the stylizer is slower than the camera)")
    if report.skipped:
        print(f"skipped {len(report.skipped)} unreadable file(s): {', '.join(report.skipped[:5])}"
              + (" ..." if len(report.skipped) > 5 else ""))
    if report.ended_early:
        print("warning: the video ended before its stated frame count (a truncated or damaged file?)")
    if sink is not None and report.written:
        print(f"wrote {report.written} frame(s) to {sink.target}")
    if args.stats_json:
        data = {"summary": report.stats.summary(), "written": report.written, "dropped": report.dropped,
                "interrupted": report.interrupted, "error": report.error}
        if report.pacing is not None:  # --target-fps: the scale and interval chosen over time
            data["pacing"] = report.pacing
        from rlministyler.safety import write_text
        write_text(args.stats_json, json.dumps(data, indent=2) + "\n", "--stats-json")
    kept = f"the {report.written} frame(s) done were kept" if report.written else "nothing was written"
    if report.error:
        raise UserError(f"stopped at {report.error}; {kept}")
    if sink is not None and not report.written and not report.interrupted:
        raise UserError(f"{args.input} gave no frame: nothing was written to {sink.target}")
    if report.interrupted:
        print(f"interrupted: kept the {report.written} frame(s) done", file=sys.stderr)
        return 130
    return 0


def stylizer_options(args: argparse.Namespace) -> StylizerOptions:
    """The frame stylizer's options from ``run``'s arguments (see runtime.build)."""
    from .build import StylizerOptions

    if args.engine != "torch" and (args.checkpoint or args.precision != "fp32"):
        raise UserError("--checkpoint and --precision choose the weights and numbers of --engine torch; "
                        "an ONNX model's precision was fixed when it was exported")
    return StylizerOptions(args.model, provider=args.provider, step=args.step, network_scale=args.scale,
                           upsample=args.upsample, temporal=args.temporal,
                           temporal_weight=args.temporal_weight, keyframe_interval=args.keyframe_interval,
                           target_fps=args.target_fps, threads=args.threads, device_id=args.device_id,
                           style_size=args.style_size, engine=args.engine, checkpoint=args.checkpoint,
                           precision=args.precision)


RUN_EPILOG = """\
inputs (--input): an image, a directory of images, a video file, an image sequence
(frames/%04d.png) or a camera: camera:0 (camera:FILE plays a video as if it were a live camera).
outputs (-o), by form: an image (.png/.jpg/...), a directory, a pattern (out/%04d.png) or a
video (.mp4, .avi, .mkv, .mov, .webm; same fps as the input). Without -o, a file input is
written next to the working directory as <name>_step<K> (.png, a directory, or .mp4); a
camera is shown in a window.

models: any `rlministyler export` model. full and split models need --style (several
--style: the s key cycles); baked models carry their style. An --all-steps model runs the
chosen --step (default: its last); a single-step model runs its own step only.

window keys: 1..9 and 0 choose step 1..10 (all-steps models), s next style, t temporal
smoothing on/off, f the fps overlay, q or Esc quits. At the end: frames, mean fps, and
per-frame latency p50/p95/max split into pre-processing, inference and post-processing.
Ctrl-C finalises the video with the frames done so far.

examples:
  rlministyler export --steps 10 --all-steps -o all10.onnx
  rlministyler run all10.onnx --input clip.mp4 --style la_muse.jpg --step 5 -o clip_muse.mp4
  rlministyler run all10.onnx --input camera:0 --style la_muse.jpg --style mondrian.jpg --temporal flow
  rlministyler run muse5.onnx --input photos/ -o out/ --provider cpu
  rlministyler run all10.onnx --input frames/%04d.png --style la_muse.jpg -o out/%04d.png --scale 0.5
"""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``run`` on the main parser's subcommands."""
    from rlministyler.argtypes import (
        fourcc,
        frame_rate,
        hxw,
        image_side,
        keyframe_interval,
        network_scale,
        non_negative,
        positive_int,
        steps_count,
        temporal_weight,
        thread_count,
    )

    r = sub.add_parser(
        "run", help="stylise images, videos or a camera with an exported model (onnxruntime, or PyTorch "
                    "with --engine torch)",
        description="Stylise an image, a directory, a video, an image sequence or a live camera with an "
                    "exported\nONNX model on onnxruntime (or PyTorch, --engine torch), at a chosen step, "
                    "and measure the frame rate.",
        epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("model", metavar="MODEL.onnx", help="a model written by `rlministyler export`")
    r.add_argument("-i", "--input", required=True, metavar="SOURCE",
                   help="image, directory, video, pattern (frames/%%04d.png) or camera:N")
    r.add_argument("--style", action="append", metavar="IMAGE",
                   help="style image for full and split models; repeat to cycle with the s key")
    r.add_argument("--step", type=steps_count, metavar="K",
                   help="step to output (all-steps models; default: the model's last step)")
    r.add_argument("-o", "--output", metavar="OUT", help="image, directory, pattern or video (see below)")
    r.add_argument("--engine", choices=spec.RUNTIME_ENGINES, default="onnxruntime",
                   help="what runs the network: onnxruntime (default) or torch (PyTorch from the "
                        "weights the model was exported from: compiled, one CUDA graph per size on a "
                        "GPU; needs the [torch] extra, no onnxruntime-gpu)")
    r.add_argument("--provider", choices=spec.PROVIDERS, default="auto",
                   help="auto (default) takes TensorRT, then CUDA, then CPU, whichever really works; "
                        "with --engine torch: auto or cuda (the GPU when there is one) or cpu")
    r.add_argument("--checkpoint", metavar="DIR",
                   help="--engine torch: the weights folder the model was exported from (default: "
                        "$RLMINISTYLER_CHECKPOINT, else the download cache); checked by sha256")
    r.add_argument("--precision", choices=spec.TORCH_PRECISIONS, default="fp32",
                   help="--engine torch: fp32 (default, faithful), tf32, fp16 or bf16 (see stylize)")
    r.add_argument("--scale", type=network_scale, default=1.0, metavar="F",
                   help=f"network scale: run the network at F x the frame size ({spec.MIN_SCALE:g}.."
                        f"{spec.MAX_SCALE:g}) and upsample; 0.5 is ~4x faster")
    r.add_argument("--upsample", choices=spec.UPSAMPLERS, default=None,
                   help="how a --scale below 1 comes back to the frame size: guided (default; edges from "
                        "the full-resolution frame, fast guided filter) or bilinear")
    r.add_argument("--keyframe-interval", type=keyframe_interval, default=1, metavar="N|auto",
                   help="run the network on every Nth frame (1 = every frame, default) and reproject the "
                        "last keyframe along the optical flow between; auto: a keyframe when motion or "
                        "disocclusion grows; a scene cut forces one")
    r.add_argument("--target-fps", type=frame_rate, default=None, metavar="F",
                   help="hold F frames per second: the network scale and the keyframe interval adapt "
                        "(dynamic resolution, with hysteresis); shown in the overlay and --stats-json")
    r.add_argument("--temporal", choices=spec.TEMPORAL_MODES, default="off",
                   help="smoothing between frames: ema blends with the previous output; flow warps it "
                        "along the optical flow and blends where the flow is reliable (default: off)")
    r.add_argument("--temporal-weight", type=temporal_weight, default=spec.TEMPORAL_WEIGHT, metavar="W",
                   help="weight of the previous output in the blend, in [0, 1) "
                        f"(default {spec.TEMPORAL_WEIGHT})")
    r.add_argument("--display", action=argparse.BooleanOptionalAction, default=None,
                   help="show the result in a window (default: on for cameras when a display exists)")
    r.add_argument("--no-overlay", action="store_true", help="start with the fps overlay hidden")
    r.add_argument("--fps", type=frame_rate, metavar="F",
                   help="frame rate of the output video (default: the input's; 30 for image sequences); "
                        "for camera: the rate asked of the camera, and the rate a camera:FILE plays at")
    r.add_argument("--fourcc", type=fourcc, metavar="CODE",
                   help="video codec (default: mp4v for .mp4/.mov/.mkv, "
                   "MJPG for .avi, VP80 for .webm)")
    r.add_argument("--frames", type=positive_int, metavar="N", help="stop after N frames")
    r.add_argument("--style-size", type=image_side, default=spec.STYLE_SIZE, metavar="N",
                   help=f"scale the style's shorter side to N before encoding (default {spec.STYLE_SIZE}, "
                        "as export)")
    r.add_argument("--camera-size", type=hxw, metavar="HxW", help="ask the camera for this capture size")
    r.add_argument("--threads", type=thread_count, default=0, metavar="N",
                   help="CPU threads for onnxruntime (default 0: one per physical core)")
    r.add_argument("--device-id", type=non_negative, default=0, metavar="N",
                   help="GPU index (CUDA/TensorRT)")
    r.add_argument("--stats-json", metavar="FILE", help="also write the timing summary as JSON")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bar or start-up lines")
    r.set_defaults(func=run)
