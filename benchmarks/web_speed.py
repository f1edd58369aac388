"""The ``web`` bench suite: frames per second of the page that ``rlministyler web`` builds, on the
WebAssembly backend of onnxruntime-web in headless Chromium, against ``rlministyler run``'s
Stylizer on the CPU, in the same run, at 640x360 for steps 1 and 3.

Three numbers per step:
- ``run`` (Python onnxruntime, CPU): the whole ``Stylizer.stylize`` call, and inference alone;
- ``stylize()`` in the page: the scripting hook's call, i.e. pixels to the worker, padding and
  tensor, inference, back to pixels; and the worker's inference time alone;
- live: a fake camera playing the sample clip at 640x360, frames shown per second by the page
  (grab, worker, draw; frames the model cannot keep up with are dropped).
The Python runs go first, the browser after, so the two never share the cores.

Then, side by side at a small size (``SMALL``, where a software GPU finishes in seconds), every
backend on the same frame: native onnxruntime, the page on WebAssembly with 1 and 2 threads (and 2
without spinning, ``?spin=0``), and
the page on WebGPU on SwiftShader's software adapter (headless Chromium with ``WEBGPU_FLAGS``):
ms per ``stylize()`` call and the largest difference from ``rlministyler run`` in 8-bit levels. A
software adapter gives correctness and relative cost only, not a GPU's speed.

``python -m rlministyler.benchmarks.web_speed --screenshot FILE`` writes the README's screenshot instead: the
live page on the sample clip with a generated style (no third-party painting in it).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from .chromium import WEBGPU_CHECK, WEBGPU_FLAGS, Chromium, find_chromium, write_y4m

SIZE = (640, 360)  # width, height
SMALL = (128, 72)  # the side-by-side comparison's size, software WebGPU included
STEPS = (1, 3)
PAGE_HELPERS = """
window.__toImage = (b64, w, h) =>
  new ImageData(Uint8ClampedArray.from(atob(b64), (c) => c.charCodeAt(0)), w, h);
true
"""


def _b64_rgba(rgb: np.ndarray) -> str:
    import base64

    rgba = np.concatenate([rgb, np.full((*rgb.shape[:2], 1), 255, np.uint8)], axis=2)
    return base64.b64encode(np.ascontiguousarray(rgba).tobytes()).decode()


def _python_rows(model: Path, style: Path, rgb: np.ndarray, frames: int, threads: int | None) -> list[dict]:
    from rlministyler.runtime import Stylizer

    stylizer = Stylizer(model, "cpu", threads=threads)
    stylizer.set_style(style)
    rows = []
    for step in STEPS:
        stylizer.step = step
        stylizer.warm_up(rgb.shape[0], rgb.shape[1])
        whole, infer = [], []
        for _ in range(frames):
            t = time.perf_counter()
            stylizer.stylize(rgb)
            whole.append(time.perf_counter() - t)
            infer.append(stylizer.last_timing.infer)
        rows.append({"engine": "rlministyler run (onnxruntime CPU)", "step": step,
                     "threads": threads or "default", "frame_ms": round(1000 * statistics.median(whole), 1),
                     "infer_ms": round(1000 * statistics.median(infer), 1),
                     "fps": round(1 / statistics.median(whole), 2)})
    return rows


def _open(browser: Chromium, url: str, query: str):
    page = browser.new_page()
    page.goto(url + query)
    page.wait_for("window.rlministyler && (rlministyler.status().ready || rlministyler.status().error)", 120)
    error = page.evaluate("rlministyler.status().error")
    if error:
        raise RuntimeError(f"the page failed: {error}")
    page.evaluate(PAGE_HELPERS)
    return page


def _browser_rows(page, rgb: np.ndarray, frames: int) -> list[dict]:
    h, w = rgb.shape[:2]
    page.evaluate(f"window.__frame = __toImage('{_b64_rgba(rgb)}', {w}, {h}); true")
    status = page.evaluate("rlministyler.status()")
    rows = []
    for step in STEPS:
        times = page.evaluate(f"""(async () => {{
          for (let i = 0; i < 2; i++) await rlministyler.stylize(__frame, {{step: {step}}});
          const whole = [], infer = [];
          for (let i = 0; i < {frames}; i++) {{
            const t = performance.now();
            await rlministyler.stylize(__frame, {{step: {step}}});
            whole.push(performance.now() - t);
            infer.push(rlministyler.status().inferMs);
          }}
          return {{whole, infer}};
        }})()""", timeout=600)
        whole = statistics.median(times["whole"])
        rows.append({"engine": "page stylize() (onnxruntime-web)", "backend": status["backend"], "step": step,
                     "frame_ms": round(whole, 1), "infer_ms": round(statistics.median(times["infer"]), 1),
                     "fps": round(1000 / whole, 2)})
    return rows


def _stylize_ms(page, rgb: np.ndarray, step: int, frames: int) -> tuple[float, np.ndarray]:
    """Median ms of ``frames`` stylize() calls (after one warm-up) and the last output."""
    import base64

    h, w = rgb.shape[:2]
    page.evaluate(f"window.__small = __toImage('{_b64_rgba(rgb)}', {w}, {h}); true")
    value = page.evaluate(f"""(async () => {{
      let out = await rlministyler.stylize(__small, {{step: {step}}});
      const times = [];
      for (let i = 0; i < {frames}; i++) {{
        const t = performance.now();
        out = await rlministyler.stylize(__small, {{step: {step}}});
        times.push(performance.now() - t);
      }}
      let s = ''; for (let i = 0; i < out.data.length; i += 0x8000)
        s += String.fromCharCode.apply(null, out.data.subarray(i, i + 0x8000));
      return {{times, b64: btoa(s)}};
    }})()""", timeout=600)
    data = np.frombuffer(base64.b64decode(value["b64"]), np.uint8).reshape(h, w, 4)[..., :3]
    return statistics.median(value["times"]), data


def _side_by_side(url: str, model: Path, style: Path, rgb: np.ndarray, frames: int, browser: Chromium,
                  say) -> list[dict]:
    """Every backend at ``SMALL`` on one frame: ms per call and max difference from run."""
    from rlministyler.runtime import Stylizer

    stylizer = Stylizer(model, "cpu")
    stylizer.set_style(style)
    expected, rows = {}, []
    size = f"{rgb.shape[1]}x{rgb.shape[0]}"
    for step in STEPS:
        stylizer.step = step
        expected[step] = stylizer.stylize(rgb)
        times = []
        for _ in range(frames):
            t = time.perf_counter()
            stylizer.stylize(rgb)
            times.append(1000 * (time.perf_counter() - t))
        rows.append({"engine": f"rlministyler run at {size}", "backend": "onnxruntime CPU", "step": step,
                     "frame_ms": round(statistics.median(times), 1), "max_diff": 0})
    pages = [("?backend=wasm&threads=1", browser), ("?backend=wasm&threads=2", browser),
             ("?backend=wasm&threads=2&spin=0", browser)]
    gpu_browser = Chromium(WEBGPU_FLAGS)
    try:
        pages.append(("?backend=webgpu", gpu_browser))
        for query, where in pages:
            page = where.new_page()
            page.goto(url + query)
            page.wait_for("window.rlministyler && (rlministyler.status().ready || "
                          "rlministyler.status().error)", 180)
            status = page.evaluate("rlministyler.status()")
            if status["error"] or (query.endswith("webgpu") and not page.evaluate(WEBGPU_CHECK)):
                say(f"web: {query}: {status['error'] or 'no WebGPU adapter'}; row left out")
                continue
            page.evaluate(PAGE_HELPERS)
            label = "WebGPU (SwiftShader, software)" if status["provider"] == "webgpu" else status["backend"]
            label += ", no spinning" if query.endswith("spin=0") else ""
            say(f"web: {label} at {size}")
            for step in STEPS:
                ms, got = _stylize_ms(page, rgb, step, frames)
                diff = int(np.abs(got.astype(int) - expected[step].astype(int)).max())
                rows.append({"engine": f"page stylize() at {size}", "backend": f"{label} · max diff {diff}",
                             "step": step, "frame_ms": round(ms, 1), "max_diff": diff})
    finally:
        gpu_browser.close()
    return rows


def _live_rows(page, seconds: float) -> list[dict]:
    page.evaluate("rlministyler.startCamera()", timeout=60)
    page.wait_for("rlministyler.status().frames >= 2 || rlministyler.status().error", 120)
    rows = []
    for step in STEPS:
        page.evaluate(f"rlministyler.setStep({step})")
        page.wait_for(f"rlministyler.frame() && rlministyler.frame().step === {step}", 120)
        time.sleep(min(2.0, seconds / 2))  # settle
        first = page.evaluate("[rlministyler.status().frames, performance.now()]")
        time.sleep(seconds)
        last = page.evaluate("[rlministyler.status().frames, performance.now()]")
        status = page.evaluate("rlministyler.status()")
        fps = (last[0] - first[0]) / ((last[1] - first[1]) / 1000)
        rows.append({"engine": "page live camera (onnxruntime-web)", "backend": status["backend"],
                     "step": step, "fps": round(fps, 2), "frames": last[0] - first[0],
                     "infer_ms": round(status["inferMs"], 1)})
    return rows


def run_web(model: Path, style: Path, content_bgr: np.ndarray, video: Path, out: Path, *, quick: bool,
            threads: int | None, say) -> dict:
    """The suite's rows (see the module docstring) and where the site and screenshot went."""
    from rlministyler.web.serve import serve_in_thread, url_of
    from rlministyler.web.site import build_site

    if find_chromium() is None:
        say("web: Chromium not found; the web suite is skipped (install Debian's chromium)")
        return {"skipped": "Chromium not found"}
    frames = 5 if quick else 20
    seconds = 4.0 if quick else 12.0
    rgb = cv2.cvtColor(cv2.resize(content_bgr, SIZE, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
    site = out / "web_site"
    build_site(model, site, styles=[style], steps=list(STEPS), log=say)
    say("web: rlministyler run on the CPU")
    rows = _python_rows(model, style, rgb, frames, threads)
    y4m = write_y4m(video, out / "web_camera.y4m", frames=120, size=SIZE)
    server = serve_in_thread(site)
    query = "?backend=wasm" + (f"&threads={threads}" if threads else "")
    try:
        with Chromium(["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={y4m}",
                       "--use-fake-ui-for-media-stream"]) as browser:
            say(f"web: {browser.version}, stylize() calls")
            page = _open(browser, url_of(server), query)
            webgpu = page.evaluate(WEBGPU_CHECK)
            rows += _browser_rows(page, rgb, frames)
            say("web: live fake camera")
            rows += _live_rows(page, seconds)
            page.screenshot(out / "web_live.png")
            version = browser.version
            page.goto("about:blank")  # the live page stops, so nothing else takes the cores
            small = cv2.cvtColor(cv2.resize(content_bgr, SMALL, interpolation=cv2.INTER_AREA),
                                 cv2.COLOR_BGR2RGB)
            rows += _side_by_side(url_of(server), model, style, small, 2 if quick else 5, browser, say)
    finally:
        server.shutdown()
        y4m.unlink(missing_ok=True)
    return {"size": f"{SIZE[0]}x{SIZE[1]}", "browser": version, "rows": rows,
            "screenshot": "web_live.png", "webgpu_adapter": webgpu,
            "note": f"{SIZE[0]}x{SIZE[1]} rows: WebAssembly (?backend=wasm; WebGPU adapter "
                    + ("available" if webgpu else "not available with --disable-gpu alone")
                    + f"); {SMALL[0]}x{SMALL[1]} rows: every backend on one frame, WebGPU on SwiftShader's "
                      "software adapter (correctness and relative cost only), max diff: largest difference "
                      "from rlministyler run in 8-bit levels"}


def generated_style(size: int = 256, seed: int = 3) -> np.ndarray:
    """A stained-glass texture (bright Voronoi cells, dark leading), HxWx3 uint8 BGR."""
    rng = np.random.default_rng(seed)
    points = rng.random((40, 2)) * size
    colours = rng.integers(40, 255, (40, 3))
    yy, xx = np.mgrid[0:size, 0:size]
    d = (yy[..., None] - points[:, 0]) ** 2 + (xx[..., None] - points[:, 1]) ** 2
    order = np.sort(d, axis=2)
    nearest = np.argmin(d, axis=2)
    image = colours[nearest].astype(np.float32)
    edge = (np.sqrt(order[..., 1]) - np.sqrt(order[..., 0])) < 3
    image[edge] = 20
    return cv2.GaussianBlur(image, (3, 3), 0).astype(np.uint8)


def screenshot(model: Path, video: Path, dest: Path, step: int = 3) -> Path:
    """The README's screenshot: the live page on ``video`` at ``step`` with the generated style."""
    from rlministyler.web.serve import serve_in_thread, url_of
    from rlministyler.web.site import build_site

    with tempfile.TemporaryDirectory() as tmp:
        style = Path(tmp) / "stained_glass.png"
        cv2.imwrite(str(style), generated_style())
        site = Path(tmp) / "site"
        build_site(model, site, styles=[style], log=lambda text: None)
        y4m = write_y4m(video, Path(tmp) / "cam.y4m", frames=72, size=SIZE)
        server = serve_in_thread(site)
        try:
            with Chromium(["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={y4m}",
                           "--use-fake-ui-for-media-stream"]) as browser:
                page = _open(browser, url_of(server), f"?backend=wasm&source=camera&step={step}")
                page.wait_for("rlministyler.status().frames >= 8", 300)
                page.screenshot(dest, width=1200, height=600)
        finally:
            server.shutdown()
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path, help="a split --all-steps export with steps 1..3 or more")
    parser.add_argument("--video", type=Path, required=True, help="the clip for the fake camera")
    parser.add_argument("--screenshot", type=Path, required=True, help="PNG to write")
    parser.add_argument("--step", type=int, default=3)
    args = parser.parse_args()
    print(screenshot(args.model, args.video, args.screenshot, args.step))


if __name__ == "__main__":
    main()
