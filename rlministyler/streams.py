"""Guarded standard output and standard error for every command.

A closed pipe (``| head``, ``| true``) or a full device (``> /dev/full``) on stdout never ends in a
traceback and never stops the work: the first failed write is remembered, stdout is pointed at
``/dev/null`` (so nothing fails again, also not the interpreter's flush at exit), and the command
finishes; then it exits with code 2, quietly for a closed pipe, with one line for any other
failure. Standard error (progress bars, statistics, the one-line errors) is guarded the same way,
but losing it changes nothing: the work is done and the exit code still says how it went.
Standard descriptors that were closed at start are opened on ``/dev/null`` first, so no file the
command opens can take their number and receive another library's output.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from typing import Any, TextIO


def reopen_closed_descriptors() -> None:
    """Open ``/dev/null`` on whichever of descriptors 0, 1 and 2 is closed."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)


class GuardedStream:
    """Wraps a text stream: writes and flushes that fail are swallowed and remembered."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.failure: OSError | None = None

    def write(self, text: str) -> int:
        if self.failure is None:
            try:
                return self._stream.write(text)
            except OSError as exc:
                self._fail(exc)
        return len(text)

    def flush(self) -> None:
        if self.failure is None:
            try:
                self._stream.flush()
            except OSError as exc:
                self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        self.failure = exc
        # what the stream still buffers would fail again at exit: its descriptor now goes nowhere
        try:
            fd = self._stream.fileno()
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fd)
            os.close(null)
        except (OSError, ValueError, io.UnsupportedOperation):
            pass

    @property
    def problem(self) -> str | None:
        """None when every write went through or the reader closed the pipe; else the reason."""
        if self.failure is None or self.failure.errno == errno.EPIPE:
            return None
        return self.failure.strerror or type(self.failure).__name__

    def __getattr__(self, name: str) -> Any:  # fileno, isatty, encoding, buffer, ...
        return getattr(self._stream, name)


def install(name: str = "stdout") -> GuardedStream | None:
    """Guard ``sys.stdout`` or ``sys.stderr`` (None when there is none or it is guarded already)."""
    reopen_closed_descriptors()
    stream = getattr(sys, name)
    if stream is None or isinstance(stream, GuardedStream):
        return None
    guard = GuardedStream(stream)
    setattr(sys, name, guard)
    return guard


def uninstall(guard: GuardedStream | None, name: str = "stdout") -> None:
    """Flush through the guard and put the wrapped stream back."""
    if guard is None:
        return
    guard.flush()
    if getattr(sys, name) is guard:
        setattr(sys, name, guard._stream)
