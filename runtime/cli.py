"""``rlministyler run``: stylise images, videos, image sequences or a camera with an exported model."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rlministyler.errors import UserError

from .keyframes import keyframe_threads, with_keyframes
from .player import KEYS_HELP, Player, PlayReport, display_available
from .sinks import open_sink, output_kind
from .sources import open_source
from .stylizer import Stylizer


def _default_output(spec: str, source_kind: str, step_text: str) -> str:
    stem = Path(spec.replace("%", "")).stem or "frames"
    if source_kind == "images" and not Path(spec).is_dir():
        return f"{stem}_{step_text}.png"
    if source_kind in ("images", "sequence"):
        return f"{stem}_{step_text}"
    return f"{stem}_{step_text}.mp4"


def run(args: argparse.Namespace) -> int:
    display = args.display
    if display is None:
        display = args.input.startswith("camera:") and display_available()
    elif display and not display_available():
        raise UserError("--display: no display available (no DISPLAY or WAYLAND_DISPLAY); use -o instead")
    if args.input.startswith("camera:") and not display and not args.output:
        raise UserError("nothing to do: a camera needs a display or -o OUT.mp4")

    amortised = getattr(args, "keyframe_interval", 1) != 1 or getattr(args, "target_fps", None)
    threads = keyframe_threads(args.threads) if amortised else args.threads  # two stylizers at once
    stylizer = Stylizer(args.model, args.provider, step=args.step, scale=args.scale,
                        temporal=args.temporal, temporal_weight=args.temporal_weight,
                        threads=threads, device_id=args.device_id, style_size=args.style_size,
                        upsample=getattr(args, "upsample", None))
    info = stylizer.info
    stylizer = with_keyframes(stylizer, getattr(args, "keyframe_interval", 1), lambda scale: Stylizer(
        args.model, args.provider, step=args.step, scale=scale, threads=threads,
        device_id=args.device_id, style_size=args.style_size), getattr(args, "target_fps", None))
    styles = []
    if info.needs_style:
        if not args.style:
            raise UserError(f"{info.path.name} is a {info.variant} model: give --style IMAGE")
        styles = [stylizer.encode_style(path) for path in args.style]
        stylizer.style = styles[0]
    elif args.style:
        stylizer.encode_style(args.style[0])  # raises the "style is baked in" error

    source = open_source(args.input, fps=args.fps,
                         camera_size=_parse_size(args.camera_size) if args.camera_size else None)
    output = args.output
    if output is None and not display:
        output = _default_output(args.input, source.kind, f"step{stylizer.step}")
    one_image = source.count == 1 and source.kind == "images"
    if output is not None and output_kind(output) == "video" and one_image:
        raise UserError("one image in, video out: give an image file or a directory for -o")
    sink = open_sink(output, source, fps=args.fps, fourcc=args.fourcc) if output else None

    say = (lambda *a: None) if args.quiet else (lambda text: print(text, file=sys.stderr))
    say(f"{info.describe()}; running step {stylizer.step}"
        + (f" at scale {args.scale:g} ({stylizer.upsample} upsampling)" if args.scale != 1 else ""))
    say(stylizer.choice.describe())
    if info.static_size and args.scale != 1:
        say(f"note: --scale does not apply to a static-size model; frames are resized to "
            f"{info.static_size[1]}x{info.static_size[0]}")
    say(f"input: {source.description}" + (f" -> {sink.target}" if sink else ""))
    if display:
        say(KEYS_HELP)

    player = Player(stylizer, source, sink, styles=styles, display=display, overlay=not args.no_overlay,
                    max_frames=args.frames, progress=not args.quiet,
                    temporal_toggle=args.temporal if args.temporal != "off" else "flow")
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
    if sink is not None:
        print(f"wrote {report.written} frame(s) to {sink.target}")
    if args.stats_json:
        data = {"summary": report.stats.summary(), "written": report.written, "dropped": report.dropped,
                "interrupted": report.interrupted, "error": report.error}
        if report.pacing is not None:  # --target-fps: the scale and interval chosen over time
            data["pacing"] = report.pacing
        Path(args.stats_json).write_text(json.dumps(data, indent=2) + "\n")
    if report.error:
        raise UserError(f"stopped at {report.error}; the {report.written} frame(s) done were kept")
    if report.interrupted:
        print(f"interrupted: kept the {report.written} frame(s) done", file=sys.stderr)
        return 130
    return 0


def _parse_size(text: str) -> tuple[int, int]:
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UserError(f"--camera-size: expected HxW such as 720x1280, got {text!r}") from None
    return h, w
