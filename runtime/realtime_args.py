"""Command-line options of ``rlministyler run`` for real-time modes (issue 15), in one place."""

from __future__ import annotations

import argparse

UPSAMPLERS = ("bilinear", "guided")  # as runtime.upsample.UPSAMPLERS (not imported: --help stays instant)


def add_realtime_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``--upsample`` on the ``run`` parser."""
    parser.add_argument("--upsample", choices=UPSAMPLERS, default=None,
                        help="how a --scale below 1 comes back to the frame size: guided (default; "
                             "edges from the full-resolution frame, fast guided filter) or bilinear")
