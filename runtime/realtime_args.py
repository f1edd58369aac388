"""Command-line options of ``rlministyler run`` for real-time modes (issue 15), in one place."""

from __future__ import annotations

import argparse

UPSAMPLERS = ("bilinear", "guided")  # as runtime.upsample.UPSAMPLERS (not imported: --help stays instant)


def add_realtime_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``--upsample``, ``--keyframe-interval`` and ``--target-fps`` on the ``run`` parser."""
    parser.add_argument("--upsample", choices=UPSAMPLERS, default=None,
                        help="how a --scale below 1 comes back to the frame size: guided (default; "
                             "edges from the full-resolution frame, fast guided filter) or bilinear")
    parser.add_argument("--keyframe-interval", type=_interval, default=1, metavar="N|auto",
                        help="run the network on every Nth frame (1 = every frame, default) and "
                             "reproject the last keyframe along the optical flow between; auto: a "
                             "keyframe when motion or disocclusion grows; a scene cut forces one")

    parser.add_argument("--target-fps", type=float, default=None, metavar="F",
                        help="hold F frames per second: the internal scale and the keyframe interval "
                             "adapt (dynamic resolution, with hysteresis); shown in the overlay and "
                             "--stats-json")


def _interval(text: str) -> int | str:
    if text.lower() == "auto":
        return "auto"
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a whole number >= 1 or 'auto', got {text!r}")


def add_internal_scale_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``--internal-scale`` and ``--upsample`` on the ``export`` parser."""
    parser.add_argument("--internal-scale", type=float, default=1.0, metavar="F",
                        help="run the steps inside the graph at F of each side (1/N: 0.5, 0.25) and "
                             "upsample there; same inputs and outputs (default 1)")
    parser.add_argument("--upsample", choices=UPSAMPLERS, default=None,
                        help="with --internal-scale: guided (default; the frame is the guide) or bilinear")
