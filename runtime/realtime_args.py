"""Command-line options of ``rlministyler run`` for real-time modes (issue 15), in one place."""

from __future__ import annotations

import argparse

UPSAMPLERS = ("bilinear", "guided")  # as runtime.upsample.UPSAMPLERS (not imported: --help stays instant)


def add_realtime_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``--upsample`` on the ``run`` parser."""
    parser.add_argument("--upsample", choices=UPSAMPLERS, default=None,
                        help="how a --scale below 1 comes back to the frame size: guided (default; "
                             "edges from the full-resolution frame, fast guided filter) or bilinear")


def add_internal_scale_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``--internal-scale`` and ``--upsample`` on the ``export`` parser."""
    parser.add_argument("--internal-scale", type=float, default=1.0, metavar="F",
                        help="run the steps inside the graph at F of each side (1/N: 0.5, 0.25) and "
                             "upsample there; same inputs and outputs (default 1)")
    parser.add_argument("--upsample", choices=UPSAMPLERS, default=None,
                        help="with --internal-scale: guided (default; the frame is the guide) or bilinear")
