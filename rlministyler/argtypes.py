"""The argparse pieces every subcommand shares: a parser with one-line errors and the value types
(steps, counts, rewrites), with the bounds from :mod:`rlministyler.constants`."""

from __future__ import annotations

import argparse

from .constants import MAX_STEPS, REWRITES


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line (and exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parse_steps(text: str) -> list[int]:
    """``5``, ``1,5,10``, ``1-10``, ``3-5,10`` or ``all`` (= 1-10); each step in 1..64."""
    text = text.strip().lower()
    if text == "all":
        return list(range(1, 11))
    steps: set[int] = set()
    try:
        for part in text.split(","):
            if "-" in part.strip()[1:]:
                lo, hi = part.split("-", 1)
                steps.update(range(int(lo), int(hi) + 1))
            else:
                steps.add(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid steps {text!r}: use e.g. 5, 1,5,10, 1-10 or all") from None
    if not steps:
        raise argparse.ArgumentTypeError(f"invalid steps {text!r}: no step given")
    return [check_step(s) for s in sorted(steps)]


def check_step(value: int) -> int:
    if not 1 <= value <= MAX_STEPS:
        raise argparse.ArgumentTypeError(f"step {value} is out of range: steps go from 1 to {MAX_STEPS}")
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
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text}")
    return value


def positive_int(text: str) -> int:
    value = non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected 1 or more")
    return value


def rewrites(text: str) -> tuple[str, ...]:
    names = () if text.strip().lower() == "none" else tuple(t.strip() for t in text.split(",") if t.strip())
    for name in names:
        if name not in REWRITES:
            raise argparse.ArgumentTypeError(f"unknown rewrite {name!r}: use {', '.join(REWRITES)} or none")
    return names


def steps_count(text: str) -> int:
    return check_step(whole_number(text, "a step number"))
