"""The frame loop: read -> stylise -> show / write, with reading and writing in their own threads.

Reading and writing overlap with inference through small bounded queues, so the slowest stage
sets the pace and memory stays flat however long the video. A live source keeps only the newest
frame (stale frames are dropped and counted) so the picture never lags behind the camera.
Display, keys and the overlay run in the calling thread, as OpenCV's HighGUI requires.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from rlministyler.errors import UserError

from .engine import Style
from .frame_stylizer import FrameStylizer
from .sinks import Sink
from .sources import Frame, Source
from .stats import FpsMeter, LatencyStats
from .writer import END, WRITER_TIMEOUT, finish_writer

WINDOW = "rlministyler"
KEYS_HELP = "keys: 1..9,0 step  s style  t temporal  f overlay  q/Esc quit"


def display_available() -> bool:
    """Whether a window can be opened (an X11/Wayland display on Linux; always elsewhere)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


@dataclass
class PlayReport:
    """What a run did: frames read/processed/written, drops, timing, and how it ended."""

    stats: LatencyStats
    written: int = 0
    dropped: int = 0
    skipped: list[str] = field(default_factory=list)
    interrupted: bool = False
    error: str | None = None
    ended_early: bool = False
    pacing: list[dict] | None = None  # --target-fps: {frame, scale, keyframe_interval} changes


class Player:
    """Run a source through a frame stylizer into a sink and/or a window."""

    def __init__(self, stylizer: FrameStylizer, source: Source, sink: Sink | None = None, *,
                 styles: list[Style] | None = None, display: bool = False, overlay: bool = True,
                 max_frames: int | None = None, progress: bool = True, queue_size: int = 4,
                 temporal_toggle: str = "flow", exits_on_interrupt: bool = False) -> None:
        self.stylizer, self.source, self.sink = stylizer, source, sink
        # a command that exits after an interrupt keeps further Ctrl-C/SIGTERM ignored, so a
        # signal sent while it prints its report cannot kill it with another exit code
        self.exits_on_interrupt = exits_on_interrupt
        self.styles = styles or []
        self.display, self.overlay = display, overlay
        self.max_frames, self.progress = max_frames, progress
        self.in_q: queue.Queue = queue.Queue(maxsize=1 if source.live else queue_size)
        self.out_q: queue.Queue = queue.Queue(maxsize=queue_size)
        self.stop = threading.Event()
        self.dropped = 0
        self.meter = FpsMeter()
        self.temporal_toggle = temporal_toggle
        self.message = ""
        self.message_until = 0.0
        self._errors: list[BaseException] = []
        self._window = False

    # --- threads ------------------------------------------------------------------------
    def _read(self) -> None:
        try:
            for n, frame in enumerate(self.source.frames()):
                if self.stop.is_set() or (self.max_frames is not None and n >= self.max_frames):
                    break
                if self.source.live:
                    try:  # keep only the newest frame
                        self.in_q.get_nowait()
                        self.dropped += 1
                    except queue.Empty:
                        pass
                    self.in_q.put(frame)
                else:
                    while not self.stop.is_set():
                        try:
                            self.in_q.put(frame, timeout=0.1)
                            break
                        except queue.Full:
                            continue
        except BaseException as exc:  # handed to the main thread, which reports it
            self._errors.append(exc)
        finally:
            self._put_end(self.in_q, may_drop=True)

    def _put_end(self, q: queue.Queue, may_drop: bool = False) -> None:
        while True:
            try:
                q.put(END, timeout=0.1)
                return
            except queue.Full:
                if may_drop and self.stop.is_set():  # unread input frames may go; results never
                    try:
                        q.get_nowait()
                    except queue.Empty:
                        pass

    def _write(self) -> None:
        assert self.sink is not None
        while True:
            item = self.out_q.get()
            if item is END:
                return
            if self._errors:
                continue  # after a write error, drain without writing
            frame, image = item
            try:
                self.sink.write(frame, image)
            except BaseException as exc:
                self._errors.append(exc)
                self.stop.set()

    # --- main loop ----------------------------------------------------------------------
    def _next_frame(self) -> Frame | None:
        while True:
            try:
                item = self.in_q.get(timeout=0.1)
            except queue.Empty:
                if self._errors:
                    raise self._errors[0] from None
                continue
            if item is END:
                if self._errors:
                    raise self._errors[0]
                return None
            return item

    def _emit(self, frame: Frame, image: np.ndarray) -> None:
        if self.sink is None:
            return
        waited_since, last = time.monotonic(), self.sink.written
        while True:
            if self._errors:
                raise self._errors[0]
            try:
                self.out_q.put((frame, image), timeout=0.1)
                return
            except queue.Full:
                if self.sink.written != last:
                    waited_since, last = time.monotonic(), self.sink.written
                elif time.monotonic() - waited_since > WRITER_TIMEOUT:
                    raise UserError(f"the writer for {self.sink.target} has not taken a frame in "
                                    f"{WRITER_TIMEOUT:g} s; abandoned it") from None

    def run(self) -> PlayReport:
        """Process until the source ends, ``q`` is pressed, Ctrl-C, or an error; always finalise."""
        stats = LatencyStats()
        report = PlayReport(stats)
        reader = threading.Thread(target=self._read, name="reader", daemon=True)
        writer = threading.Thread(target=self._write, name="writer", daemon=True) if self.sink else None
        bar = self._bar()
        stop_signals = _StopSignals()
        reader.start()
        if writer:
            writer.start()
        warmed = False
        try:
            while True:
                frame = self._next_frame()
                if frame is None:
                    break
                if not warmed and (self.source.live or (self.source.count or 2) > 1):
                    self.stylizer.warm_up(*frame.image.shape[:2], runs=1)
                    warmed = True
                image = self.stylizer.stylize(frame.image, bgr=True)
                stats.add(self.stylizer.last_timing)
                self.meter.tick()
                self._emit(frame, image)
                if bar is not None:
                    bar.update(1)
                    if stats.frames % 10 == 0:
                        bar.set_postfix_str(f"{self.meter.fps:.1f} fps")
                if self.display and not self._show(image):
                    break
        except KeyboardInterrupt:
            report.interrupted = True
        except UserError as exc:
            report.error = f"frame {stats.frames + 1}: {exc}"
        except Exception as exc:  # a failing frame must not lose the frames already done
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            report.error = f"frame {stats.frames + 1}: {text[:300]}"
        finally:
            # finalise without being interrupted again: a further Ctrl-C/SIGTERM would lose the video
            stop_signals.ignore()
            try:
                self.stop.set()
                stuck = writer is not None and not finish_writer(self, writer)
                reader.join(timeout=2.0)
                if stuck:
                    report.error = report.error or (
                        f"the video writer for {self.sink.target} stopped responding "
                        f"(codec or --fps it cannot encode?); abandoned it, nothing was written")
                    self.sink.abandon()
                elif self.sink is not None:
                    try:
                        self.sink.close()
                    except UserError as exc:
                        report.error = report.error or str(exc)
                self.source.close()
                if bar is not None:
                    bar.close()
                if self.display:
                    cv2.destroyAllWindows()
            finally:
                if not (report.interrupted and self.exits_on_interrupt):
                    stop_signals.restore()
        if self._errors and report.error is None and not report.interrupted:
            exc = self._errors[0]
            report.error = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
        report.written = self.sink.written if self.sink else 0
        report.dropped = self.dropped
        report.pacing = self.stylizer.pacing_history
        report.skipped = list(self.source.skipped)
        report.ended_early = bool(getattr(self.source, "ended_early", False))
        return report

    def _bar(self):
        if not self.progress or self.source.live or (self.source.count or 0) <= 1:
            return None
        from tqdm import tqdm

        total = self.source.count if self.max_frames is None else min(self.source.count, self.max_frames)
        return tqdm(total=total, unit="frame", leave=False, dynamic_ncols=True)

    # --- window -------------------------------------------------------------------------
    def _show(self, image: np.ndarray) -> bool:
        """Show a frame, handle keys; False when the user quits or closes the window."""
        shown = self._draw_overlay(image) if self.overlay else image
        if not self._window:
            # Qt builds of OpenCV warn about fonts on stderr; the window does not need them
            os.environ.setdefault("QT_LOGGING_RULES", "*=false")
            cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
            cv2.resizeWindow(WINDOW, image.shape[1], image.shape[0])
            self._window = True
        cv2.imshow(WINDOW, shown)
        key = cv2.waitKey(1) & 0xFF
        if key in (ord("q"), 27):
            return False
        if key != 0xFF:
            self._key(chr(key))
        try:
            return cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) >= 1
        except cv2.error:
            return False

    def _say(self, text: str) -> None:
        self.message, self.message_until = text, time.perf_counter() + 2.0

    def _key(self, key: str) -> None:
        """1..9, 0: step (0 = 10); s: next style; t: temporal on/off; f: overlay."""
        s = self.stylizer
        if key.isdigit():
            step = int(key) or 10
            if step in s.steps:
                s.step = step
                self._say(f"step {step}")
            else:
                self._say(f"step {step} not in this model (steps {', '.join(map(str, s.steps))})")
        elif key == "s" and len(self.styles) > 1:
            i = next((k for k, st in enumerate(self.styles) if st is s.style), -1)
            s.style = self.styles[(i + 1) % len(self.styles)]
            self._say(f"style {s.style.name}")
        elif key == "t":
            mode = "off" if s.temporal_mode != "off" else self.temporal_toggle
            s.set_temporal(mode)
            self._say(f"temporal {mode}")
        elif key == "f":
            self.overlay = not self.overlay

    def _draw_overlay(self, image: np.ndarray) -> np.ndarray:
        s = self.stylizer
        shown = image.copy()
        lines = [f"{self.meter.fps:5.1f} fps  step {s.step}/{max(s.steps)}  {s.engine.label}"
                 f"  temporal {s.temporal_mode}"]
        if s.pacing_text:
            lines.append(s.pacing_text)
        if s.style is not None and len(self.styles) > 1:
            lines.append(f"style {s.style.name}")
        if time.perf_counter() < self.message_until:
            lines.append(self.message)
        text_scale = max(0.75, image.shape[0] / 720)
        y = int(26 * text_scale)
        for line in lines:
            for color, thick in (((0, 0, 0), 3), ((255, 255, 255), 1)):
                cv2.putText(shown, line, (int(10 * text_scale), y), cv2.FONT_HERSHEY_SIMPLEX,
                            0.55 * text_scale, color, max(1, round(thick * text_scale)), cv2.LINE_AA)
            y += int(24 * text_scale)
        return shown


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


class _StopSignals:
    """Ctrl-C and SIGTERM during a run: the first raises KeyboardInterrupt, later ones are ignored.

    Installed only on the main thread (Python allows handlers nowhere else); a signal that is
    ignored already (nohup, a parent's SIG_IGN) stays ignored.
    """

    def __init__(self) -> None:
        self.raised = False
        self.previous: dict[int, object] = {}
        if not _main_thread():
            return
        for sig in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
            if sig is not None and signal.getsignal(sig) is not signal.SIG_IGN:
                self.previous[sig] = signal.signal(sig, self._handle)

    def _handle(self, signum, frame) -> None:
        if not self.raised:
            self.raised = True
            raise KeyboardInterrupt

    def ignore(self) -> None:
        for sig in self.previous:
            signal.signal(sig, signal.SIG_IGN)

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
