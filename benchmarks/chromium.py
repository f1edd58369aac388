"""Headless Chromium driven over its DevTools protocol (CDP) with websocket-client: enough for the
browser tests and the web benchmark (navigate, evaluate JavaScript, permissions, screenshots).
Uses the system's Chromium (Debian's ``chromium``); nothing is downloaded.

WebGPU headless: ``WEBGPU_FLAGS`` give SwiftShader's software Vulkan adapter (Debian's Chromium
ships it); ``--disable-gpu`` may stay."""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

BASE_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-extensions", "--mute-audio", "--remote-debugging-port=0",
              "--disable-background-timer-throttling", "--disable-renderer-backgrounding")

# a software WebGPU adapter (SwiftShader, vendor "google", architecture "swiftshader") in headless
# Chromium: correct and slow (no shader-f16)
WEBGPU_FLAGS = ("--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader")
WEBGPU_CHECK = "(async () => !!(navigator.gpu && await navigator.gpu.requestAdapter()))()"


class BrowserError(RuntimeError):
    """Chromium could not be started, or a CDP call or page script failed."""


def find_chromium() -> str | None:
    """``$RLMINISTYLER_CHROMIUM``, else chromium / chromium-browser / google-chrome on PATH."""
    given = os.environ.get("RLMINISTYLER_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _Socket:
    """One CDP websocket: numbered calls and the events received meanwhile."""

    def __init__(self, url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(url, timeout=120, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 120) -> dict:
        call_id = next(self.ids)
        message = {"id": call_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                reply = json.loads(self.ws.recv())
            except Exception as exc:  # websocket timeout or closed
                raise BrowserError(f"{method}: no answer from Chromium ({type(exc).__name__})") from None
            if reply.get("id") == call_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def close(self) -> None:
        self.ws.close()


class Page:
    """A tab: navigate, evaluate, wait for a condition, screenshot; console lines are kept."""

    def __init__(self, socket: _Socket) -> None:
        self.socket = socket
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method: str, params: dict | None = None, timeout: float = 120) -> dict:
        return self.socket.call(method, params, timeout=timeout)

    def console(self) -> list[str]:
        lines = []
        for event in self.socket.events:
            if event["method"] == "Runtime.consoleAPICalled":
                args = event["params"]["args"]
                lines.append(" ".join(str(a.get("value", a.get("description", ""))) for a in args))
            elif event["method"] == "Runtime.exceptionThrown":
                lines.append(event["params"]["exceptionDetails"].get("text", "exception"))
        return lines

    def goto(self, url: str, timeout: float = 60) -> None:
        self.call("Page.navigate", {"url": url}, timeout)
        self.wait_for("document.readyState === 'complete'", timeout)

    def evaluate(self, expression: str, timeout: float = 120):
        """The value of ``expression`` (Promises awaited); a JS exception raises BrowserError."""
        result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True, "timeout": int(timeout * 1000)},
                           timeout + 5)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"page script failed: {text}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60, interval: float = 0.1):
        """Poll until ``expression`` is truthy; returns its value or raises BrowserError."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out after {timeout:g} s waiting for {expression}")
            time.sleep(interval)

    def add_init_script(self, source: str) -> None:
        """Run ``source`` in every document this tab loads, before the page's own scripts."""
        self.call("Page.addScriptToEvaluateOnNewDocument", {"source": source})

    def worker_evaluate(self, expression: str, timeout: float = 30):
        """Evaluate ``expression`` in the page's first dedicated worker (attached over CDP)."""
        self.call("Target.setAutoAttach",
                  {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": True})
        deadline = time.monotonic() + timeout
        while True:
            attached = [e["params"] for e in self.socket.events if e["method"] == "Target.attachedToTarget"
                        and e["params"]["targetInfo"]["type"] == "worker"]
            if attached:
                break
            if time.monotonic() > deadline:
                raise BrowserError("no worker attached")
            self.call("Runtime.evaluate", {"expression": "0"})  # lets the attach events arrive
            time.sleep(0.1)
        result = self.socket.call("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                                  session=attached[0]["sessionId"], timeout=timeout)
        if "exceptionDetails" in result:
            raise BrowserError(f"worker script failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def set_files(self, selector: str, paths: Sequence[str | Path]) -> None:
        """Choose ``paths`` in the file input ``selector`` (fires its change event)."""
        root = self.call("DOM.getDocument")["root"]["nodeId"]
        node = self.call("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        if not node:
            raise BrowserError(f"no element {selector}")
        self.call("DOM.setFileInputFiles", {"nodeId": node, "files": [str(Path(p).resolve()) for p in paths]})

    def screenshot(self, path: str | Path, width: int = 1100, height: int = 560) -> Path:
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)


class Chromium:
    """A headless Chromium with a fresh profile; ``with Chromium() as browser: page = browser.new_page()``."""

    def __init__(self, extra_flags: Sequence[str] = (), binary: str | None = None, start_timeout: float = 60
                 ) -> None:
        binary = binary or find_chromium()
        if binary is None:
            raise BrowserError("Chromium not found: install Debian's chromium package or set "
                               "RLMINISTYLER_CHROMIUM")
        self.profile = tempfile.mkdtemp(prefix="rlministyler-chromium-")
        self.process = subprocess.Popen(
            [binary, *BASE_FLAGS, f"--user-data-dir={self.profile}", *extra_flags, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.log: list[str] = []
        found: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert self.process.stderr is not None
            for line in self.process.stderr:
                self.log.append(line.rstrip())
                match = re.search(r"DevTools listening on (ws://\S+)", line)
                if match and not found:
                    found.append(match.group(1))
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(start_timeout) or not found:
            self.close()
            raise BrowserError("Chromium did not start: " + " | ".join(self.log[-5:]))
        self.ws_url = found[0]
        self.browser = _Socket(self.ws_url)
        self.version = self.browser.call("Browser.getVersion").get("product", "?")
        self.pages: list[Page] = []

    def new_page(self) -> Page:
        target = self.browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        host = self.ws_url.split("/devtools/")[0]
        page = Page(_Socket(f"{host}/devtools/page/{target}"))
        self.pages.append(page)
        return page

    def set_permission(self, name: str, setting: str, origin: str) -> None:
        """``Browser.setPermission``, e.g. ("camera", "denied", "http://localhost:8000")."""
        self.browser.call("Browser.setPermission",
                          {"permission": {"name": name}, "setting": setting, "origin": origin})

    def close(self) -> None:
        for page in getattr(self, "pages", []):
            page.socket.close()
        if getattr(self, "browser", None) is not None:
            try:
                self.browser.call("Browser.close", timeout=5)
            except BrowserError:
                pass
            self.browser.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_y4m(video: str | Path, out: str | Path, frames: int, size: tuple[int, int] | None = None,
              fps: int = 24) -> Path:
    """The first ``frames`` frames of ``video`` (resized to ``size`` = (width, height)) as a .y4m
    file, the format Chromium's fake camera plays (--use-file-for-fake-video-capture)."""
    import cv2

    capture = cv2.VideoCapture(str(video))
    if not capture.isOpened():
        raise BrowserError(f"cannot open {video}")
    written = 0
    with open(out, "wb") as f:
        while written < frames:
            ok, bgr = capture.read()
            if not ok:
                break
            if size:
                bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
            h, w = bgr.shape[:2]
            if written == 0:
                f.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
            f.write(b"FRAME\n" + cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420).tobytes())
            written += 1
    capture.release()
    if not written:
        raise BrowserError(f"no frames read from {video}")
    return Path(out)
