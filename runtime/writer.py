"""The player's writer thread: the end marker on its queues, and finishing the writer without
waiting forever on one that no longer responds (a codec that hangs, a stalled disk)."""

from __future__ import annotations

import queue
import threading
import time
from typing import Protocol

from .sinks import Sink

END = object()  # the last item on the player's queues
WRITER_TIMEOUT = 10.0  # seconds a writer may take to take a frame or finish before it is abandoned


class Feeds(Protocol):
    """What feeds the writer thread: its queue and the sink it writes to (the player)."""

    out_q: queue.Queue
    sink: Sink


def finish_writer(player: Feeds, writer: threading.Thread, timeout: float = WRITER_TIMEOUT) -> bool:
    """Hand the writer thread its end marker and wait for it, at most ``timeout`` seconds of no
    progress; False when it is stuck (the caller abandons the sink rather than waiting forever)."""
    deadline = time.monotonic() + timeout
    last = player.sink.written
    while time.monotonic() < deadline:
        try:
            player.out_q.put(END, timeout=0.1)
            break
        except queue.Full:
            if player.sink.written != last:  # still making progress
                last, deadline = player.sink.written, time.monotonic() + timeout
    else:
        return False
    while writer.is_alive():
        writer.join(timeout=0.1)
        if player.sink.written != last:
            last, deadline = player.sink.written, time.monotonic() + timeout
        if time.monotonic() > deadline:
            return False
    return True
