"""The argparse pieces every subcommand shares: a parser with one-line errors and the value types
(steps, counts, rewrites), with the bounds from :mod:`rlministyler.spec`."""

from __future__ import annotations

import argparse
import math

from . import spec


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line (and exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parse_steps(text: str) -> list[int]:
    """``5``, ``1,5,10``, ``1-10``, ``3-5,10`` or ``all`` (= 1-10); each step in 1..64."""
    text = text.strip().lower()
    if text == "all":
        return list(spec.ALL_STEPS)
    steps: set[int] = set()
    try:
        for part in text.split(","):
            if "-" in part.strip()[1:]:
                lo, hi = part.split("-", 1)
                first, last = check_step(int(lo)), check_step(int(hi))  # bounded before any range
                steps.update(range(first, last + 1))
            else:
                steps.add(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid steps {text!r}: use e.g. 5, 1,5,10, 1-10 or all") from None
    if not steps:
        raise argparse.ArgumentTypeError(f"invalid steps {text!r}: no step given")
    return [check_step(s) for s in sorted(steps)]


def check_step(value: int) -> int:
    problem = spec.step_error(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def whole_number(text: str, what: str = "a whole number") -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None


def non_negative(text: str) -> int:
    value = whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number above 0, got {text}")
    return value


def temporal_weight(text: str) -> float:
    """The previous output's weight in the temporal blend: in [0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a weight in [0, 1), got {text}")
    return value


def positive_int(text: str) -> int:
    value = non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected 1 or more")
    return value


def rewrites(text: str) -> tuple[str, ...]:
    names = () if text.strip().lower() == "none" else tuple(t.strip() for t in text.split(",") if t.strip())
    for name in names:
        if name not in spec.REWRITES:
            raise argparse.ArgumentTypeError(
                f"unknown rewrite {name!r}: use {', '.join(spec.REWRITES)} or none")
    return names


def steps_count(text: str) -> int:
    return check_step(whole_number(text, "a step number"))


def frame_rate(text: str) -> float:
    """A frame rate: finite, above 0, at most MAX_FPS (an infinite rate hangs video writers)."""
    from .limits import MAX_FPS

    value = positive_float(text)
    if not math.isfinite(value) or value > MAX_FPS:
        raise argparse.ArgumentTypeError(f"frame rate {text}: expected a finite number up to {MAX_FPS:g}")
    return value


def port_number(text: str) -> int:
    """A TCP port: 0 (any free one) to 65535."""
    value = non_negative(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, got {value}")
    return value


def thread_count(text: str) -> int:
    """0 (one per core) up to a few times the machine's cores."""
    from .errors import UserError
    from .limits import check_threads

    value = non_negative(text)
    try:
        return check_threads(value)
    except UserError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("--threads ", "")) from None


def internal_scale(text: str) -> float:
    """An export's in-graph scale: 1/N for a whole N (1, 0.5, 0.25), finite."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    problem = spec.internal_scale_error(value)
    if problem:
        raise argparse.ArgumentTypeError(problem.replace("--internal-scale ", ""))
    return value


def image_side(text: str) -> int:
    """A size in pixels (0 keeps the image as it is), at most limits.MAX_SIZE."""
    from .limits import MAX_SIZE

    value = non_negative(text)
    if value > MAX_SIZE:
        raise argparse.ArgumentTypeError(f"{value}: at most {MAX_SIZE} pixels")
    return value


def fourcc(text: str) -> str:
    """A video codec code: exactly four printable ASCII characters (mp4v, MJPG, avc1, VP80)."""
    if len(text) != 4 or not all(32 <= ord(c) < 127 for c in text):
        raise argparse.ArgumentTypeError(f"{text!r}: a codec is four characters, e.g. mp4v, MJPG, avc1, VP80")
    return text


def keyframe_interval(text: str) -> int | str:
    """``N`` (1 = every frame) or ``auto``."""
    try:
        return spec.parse_keyframe_interval(text)
    except ValueError as exc:  # argparse names the option itself
        message = str(exc).removeprefix("--keyframe-interval: ").removeprefix("--keyframe-interval ")
        raise argparse.ArgumentTypeError(message) from None


def network_scale(text: str) -> float:
    """The runtime's network scale, in spec.MIN_SCALE..spec.MAX_SCALE."""
    value = positive_float(text)
    problem = spec.scale_error(value)
    if problem:
        raise argparse.ArgumentTypeError(problem.replace("--scale ", ""))
    return value


def hxw(text: str) -> tuple[int, int]:
    """``HxW``: two whole numbers (a capture size)."""
    try:
        return spec.parse_hxw(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
