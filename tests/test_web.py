"""`rlministyler web`: the site builder, the server, and the page in a real (headless) Chromium:
parity with `rlministyler run`, a live fake camera fed from the sample clip, and in-page errors."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import cv2
import jsonschema
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from rlministyler.benchmarks.chromium import (
    WEBGPU_CHECK,
    WEBGPU_FLAGS,
    BrowserError,
    Chromium,
    find_chromium,
    write_y4m,
)
from rlministyler.runtime import Stylizer
from rlministyler.web.ort_web import LOCK_FILES, ORT_ENV, find_ort, locked_ort_version
from rlministyler.web.serve import serve_in_thread, url_of
from rlministyler.web.site import SITE_MARKER, build_site, web_dir

from rlministyler.cli import main
from rlministyler.contract import MANIFEST_SCHEMA_PATH, SiteManifest
from rlministyler.errors import UserError
from tests.web_page import HELPERS, stylize_in_page

NO_CHROMIUM = ("Chromium not found (scripts/test.sh installs Debian's chromium with apt-get; "
               "set RLMINISTYLER_CHROMIUM to another binary)")


@pytest.fixture(scope="module")
def ort_web() -> None:
    """onnxruntime-web in web/node_modules, or npm to install it (build_site runs `npm ci`)."""
    if not (web_dir() / "node_modules" / "onnxruntime-web" / "package.json").is_file() \
            and shutil.which("npm") is None:
        pytest.skip("onnxruntime-web is not installed in web/node_modules and npm is not there to "
                    "install it (scripts/test.sh runs `npm ci` in web/)")


@pytest.fixture(scope="module")
def style_path(data_dir) -> Path:
    return data_dir / "style" / "adain_la_muse.jpg"


@pytest.fixture(scope="module")
def models(tmp_path_factory, weights_dir, style_path, ort_web) -> dict[str, Path]:
    from rlministyler.export.exporter import ExportOptions, export_model

    out = tmp_path_factory.mktemp("web_models")
    made = {}
    for key, kwargs in {"all3": dict(steps=3, all_steps=True, variant="split"),
                        "full1": dict(steps=1),
                        "baked1": dict(steps=1, variant="baked", style=style_path),
                        "fp16": dict(steps=1, variant="split", precision="fp16")}.items():
        opts = ExportOptions(output=out / f"{key}.onnx", checkpoint=str(weights_dir), verify=False,
                             quiet=True, **kwargs)
        export_model(opts)
        made[key] = opts.output
    return made


@pytest.fixture(scope="module")
def site(tmp_path_factory, models, style_path) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(models["all3"], out, styles=[style_path], log=lambda text: None)
    return out


@pytest.fixture(scope="module")
def served(site):
    server = serve_in_thread(site)
    yield url_of(server)
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if find_chromium() is None:
        pytest.skip(NO_CHROMIUM)
    with Chromium() as chromium:
        yield chromium


def open_page(browser: Chromium, url: str, query: str = "?backend=wasm", timeout: float = 90):
    page = browser.new_page()
    page.goto(url + query)
    page.wait_for("window.rlministyler && (rlministyler.status().ready || rlministyler.status().error)",
                  timeout)
    page.evaluate(HELPERS)
    return page


def content_rgb(data_dir: Path, name: str, size: tuple[int, int]) -> np.ndarray:
    bgr = cv2.resize(cv2.imread(str(data_dir / "content" / name)), size, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


# --- the builder and the server (no browser) ---------------------------------------------------
def test_site_holds_one_pruned_model_per_step(site, models):
    manifest = json.loads((site / "manifest.json").read_text())
    assert manifest["model"]["steps"] == [1, 2, 3]
    assert manifest["model"]["variant"] == "split"
    for name in ("index.html", "main.js", "worker.js", "tensor.js", "style.css", "models/style_encoder.onnx",
                 "ort/ort.wasm.min.mjs", "ort/ort-wasm-simd-threaded.wasm", "ort/ort.webgpu.min.mjs"):
        assert (site / name).is_file(), name
    assert [s["file"] for s in manifest["styles"]] == ["styles/01_adain_la_muse.png"]
    style = cv2.imread(str(site / manifest["styles"][0]["file"]))
    assert min(style.shape[:2]) == 256  # scaled as `rlministyler run` scales a style
    counts = []
    rng = np.random.default_rng(0)
    content = rng.random((1, 3, 64, 64), dtype=np.float32)
    full = ort.InferenceSession(str(models["all3"]), providers=["CPUExecutionProvider"])
    encoder = ort.InferenceSession(str(site / "models/style_encoder.onnx"),
                                   providers=["CPUExecutionProvider"])
    style_feeds = dict(zip([o.name for o in encoder.get_outputs()],
                           encoder.run(None, {"style": rng.random((1, 3, 64, 64), dtype=np.float32)}),
                           strict=True))
    expected = dict(zip([o.name for o in full.get_outputs()],
                        full.run(None, {"content": content, **style_feeds}), strict=True))
    for step in (1, 2, 3):
        model = onnx.load(str(site / manifest["model"]["files"][str(step)]))
        assert [o.name for o in model.graph.output] == [f"step_{step}"]
        counts.append(len(model.graph.node))
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        got = session.run(None, {"content": content, **style_feeds})[0]
        np.testing.assert_allclose(got, expected[f"step_{step}"], atol=1e-5)
    assert counts[0] < counts[1] < counts[2]  # step 1 runs one step, not three


def test_manifest_follows_the_contract(site):
    data = json.loads((site / "manifest.json").read_text())
    jsonschema.validate(data, json.loads(MANIFEST_SCHEMA_PATH.read_text()))
    assert SiteManifest.from_dict(data, site / "manifest.json").to_dict() == data


def test_installed_package_installs_ort_web_into_the_cache(tmp_path, monkeypatch):
    """Outside a checkout, onnxruntime-web comes from the user cache (npm ci there), never from beside
    the installed package."""
    web = tmp_path / "site-packages" / "rlministyler" / "web"
    web.mkdir(parents=True)
    for name in LOCK_FILES:
        shutil.copyfile(web_dir() / name, web / name)
    cache = tmp_path / "cache"
    monkeypatch.setenv("RLMINISTYLER_CACHE", str(cache))
    monkeypatch.delenv(ORT_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(UserError, match=rf"installed in {cache / 'ort-web'} and npm is not on PATH"):
        find_ort(web, None, lambda text: None, checkout=False)
    checkout_copy = web_dir() / "node_modules" / "onnxruntime-web"
    if not (checkout_copy / "package.json").is_file():
        pytest.skip("onnxruntime-web is not installed in web/node_modules")
    cached = cache / "ort-web" / "node_modules" / "onnxruntime-web"
    cached.parent.mkdir(parents=True)
    cached.symlink_to(checkout_copy, target_is_directory=True)  # as `npm ci` there would leave it
    dist, version = find_ort(web, None, lambda text: None, checkout=False)
    assert dist == cached / "dist" and version == locked_ort_version(web)
    assert not (web / "node_modules").exists()


def test_build_refuses_what_cannot_work(models, style_path, tmp_path):
    with pytest.raises(UserError, match="exported for step 1 only"):
        build_site(models["full1"], tmp_path / "a", steps=[2], log=lambda text: None)
    with pytest.raises(UserError, match="baked in"):
        build_site(models["baked1"], tmp_path / "b", styles=[style_path], log=lambda text: None)
    with pytest.raises(UserError, match=r"steps 1\.\.3"):
        build_site(models["all3"], tmp_path / "c", steps=[4], log=lambda text: None)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not empty"):
        build_site(models["all3"], tmp_path / "d", log=lambda text: None)
    with pytest.raises(UserError, match="not onnxruntime-web's dist"):
        build_site(models["all3"], tmp_path / "e", ort_dir=tmp_path, log=lambda text: None)


def test_build_without_npm_says_what_to_do(models, tmp_path, monkeypatch):
    web = tmp_path / "web"
    web.mkdir()
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(web_dir() / name, web / name)
    shutil.copytree(web_dir() / "app", web / "app")
    monkeypatch.setenv("RLMINISTYLER_WEB_DIR", str(web))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(UserError, match=r"npm is not on PATH: install Node.js and run `npm ci`"):
        build_site(models["all3"], tmp_path / "site", log=lambda text: None)


def test_cli_builds_and_serve_sends_isolation_headers(models, style_path, tmp_path, capsys):
    out = tmp_path / "site"
    assert main(["web", str(models["full1"]), "--style", str(style_path), "-o", str(out)]) == 0
    assert "rlministyler web --serve" in capsys.readouterr().err
    assert main(["web", str(models["full1"])]) == 2  # no -o
    assert "give MODEL.onnx and -o SITE/" in capsys.readouterr().err
    server = serve_in_thread(out)
    try:
        for path, mime in (("", "text/html"), ("main.js", "text/javascript"),
                           ("ort/ort.wasm.min.mjs", "text/javascript"),
                           ("ort/ort-wasm-simd-threaded.wasm", "application/wasm"),
                           ("models/step1.onnx", "application/octet-stream")):
            with urllib.request.urlopen(url_of(server) + path) as reply:
                assert reply.headers["Content-Type"].split(";")[0] == mime, path
                assert reply.headers["Cross-Origin-Opener-Policy"] == "same-origin"
                assert reply.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    finally:
        server.shutdown()


# --- in the browser -----------------------------------------------------------------------------
def test_stylize_in_page_equals_rlministyler_run(browser, served, models, style_path, data_dir):
    page = open_page(browser, served)
    status = page.evaluate("rlministyler.status()")
    assert status["error"] is None and status["backend"].startswith("WASM"), status
    stylizer = Stylizer(models["all3"], "cpu")
    stylizer.set_style(style_path)  # the original file: the site's PNG is this, scaled and rounded
    for name, size in (("adain_chicago.jpg", (150, 101)), ("adain_sailboat.jpg", (96, 128))):
        rgb = content_rgb(data_dir, name, size)  # odd sizes: padded and cropped back
        for step in (1, 3):
            stylizer.step = step
            expected = stylizer.stylize(rgb)
            got = stylize_in_page(page, rgb, step)
            diff = np.abs(got.astype(int) - expected.astype(int))
            assert got.shape == expected.shape
            assert diff.max() <= 2, f"{name} step {step}: max diff {diff.max()}, mean {diff.mean():.3f}"


@pytest.mark.parametrize("key", ["full1", "baked1"])
def test_full_and_baked_parity(browser, models, style_path, data_dir, tmp_path, key):
    out = tmp_path / key
    build_site(models[key], out, styles=[] if key == "baked1" else [style_path], log=lambda text: None)
    server = serve_in_thread(out)
    try:
        page = open_page(browser, url_of(server))
        assert page.evaluate("rlministyler.status().error") is None
        shown = page.evaluate("getComputedStyle(document.getElementById('style-box')).display")
        assert (shown == "none") == (key == "baked1"), shown  # no style picker for a baked style
        stylizer = Stylizer(models[key], "cpu")
        if key == "full1":
            stylizer.set_style(style_path)
        rgb = content_rgb(data_dir, "adain_cornell.jpg", (120, 88))
        diff = np.abs(stylize_in_page(page, rgb, 1).astype(int) - stylizer.stylize(rgb).astype(int))
        assert diff.max() <= 2, diff.max()
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def camera_browser(tmp_path_factory, data_dir):
    if find_chromium() is None:
        pytest.skip(NO_CHROMIUM)
    y4m = write_y4m(data_dir / "video" / "cutBunny.mp4", tmp_path_factory.mktemp("cam") / "bunny.y4m",
                    frames=48, size=(192, 108))
    with Chromium(["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={y4m}",
                   "--use-fake-ui-for-media-stream"]) as chromium:
        yield chromium


FRAME_CHECK = """(async () => {
  const f = rlministyler.frame();
  const mean = (a, b) => { let s = 0; for (let i = 0; i < a.data.length; i += 4)
    for (let c = 0; c < 3; c++) s += Math.abs(a.data[i + c] - b.data[i + c]);
    return s / (a.data.length / 4 * 3); };
  const max = (a, b) => { let m = 0;
    for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
    return m; };
  const same = await rlministyler.stylize(f.input, {step: f.step});
  const other = await rlministyler.stylize(f.input, {step: 1});
  return {step: f.step, width: f.input.width, height: f.input.height, maxSame: max(same, f.output),
          meanOther: mean(other, f.output), meanInput: mean(f.input, f.output)};
})()"""


def test_live_fake_camera(camera_browser, served, tmp_path):
    page = open_page(camera_browser, served, "?backend=wasm&source=camera&step=1")
    page.wait_for("rlministyler.status().frames >= 5 || rlministyler.status().error", 90)
    first = page.evaluate("rlministyler.status()")
    assert first["error"] is None and first["source"] == "camera", first
    page.wait_for(f"rlministyler.status().frames >= {first['frames'] + 5}", 60)
    status = page.evaluate("rlministyler.status()")
    assert status["fps"] > 0 and status["step"] == 1
    assert status["paced"] is True  # frames counted by requestVideoFrameCallback
    page.evaluate("rlministyler.setStep(3)")
    page.wait_for("rlministyler.frame() && rlministyler.frame().step === 3", 60)
    check = page.evaluate(FRAME_CHECK)
    assert (check["width"], check["height"]) == (192, 108)
    assert check["maxSame"] <= 1, check  # the live frame is step 3 of its input ...
    assert check["meanOther"] > 3, check  # ... and step 1 of it looks different
    assert page.evaluate("rlministyler.status().step") == 3
    shot = page.screenshot(tmp_path / "live.png")
    image = cv2.imread(str(shot))
    assert image is not None and image.std() > 5  # a picture, not a blank page


def test_corrupt_model_shows_its_error(browser, site, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(site, broken)
    (broken / "models" / "step2.onnx").write_bytes(b"not an onnx model" * 100)
    server = serve_in_thread(broken)
    try:
        page = open_page(browser, url_of(server))
        text = page.wait_for("!document.getElementById('error').hidden && "
                             "document.getElementById('error').textContent", 30)
        assert "models/step2.onnx failed to load" in text
        assert page.evaluate("rlministyler.status().error") == text
        with pytest.raises(BrowserError, match="failed to load"):  # the API rejects, never hangs
            page.evaluate("rlministyler.stylize(new ImageData(16, 16), {step: 1})", timeout=30)
    finally:
        server.shutdown()


def test_malformed_manifest_shows_the_field(browser, site, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(site, broken)
    data = json.loads((broken / "manifest.json").read_text())
    del data["model"]["files"]["2"]
    (broken / "manifest.json").write_text(json.dumps(data))
    server = serve_in_thread(broken)
    try:
        page = open_page(browser, url_of(server))
        text = page.evaluate("rlministyler.status().error")
        assert text == "manifest.json: field 'model.files.2' must be a string, got nothing"
        assert page.evaluate("document.getElementById('error').textContent") == text
    finally:
        server.shutdown()


def test_webgpu_asked_for_where_there_is_none(browser, served):
    page = open_page(browser, served, "?backend=webgpu")
    has_gpu = page.evaluate("(async () => !!(navigator.gpu && await navigator.gpu.requestAdapter()))()")
    status = page.evaluate("rlministyler.status()")
    if has_gpu:
        assert status["error"] is None and status["backend"] == "WebGPU", status
    else:  # headless Chromium with --disable-gpu: no adapter
        assert status["error"].startswith("WebGPU cannot run here: no WebGPU adapter"), status


def test_denied_camera_shows_its_error(data_dir, served, tmp_path):
    if find_chromium() is None:
        pytest.skip(NO_CHROMIUM)
    with Chromium(["--use-fake-device-for-media-stream"]) as chromium:
        chromium.set_permission("camera", "denied", served.rstrip("/"))
        page = open_page(chromium, served)
        page.evaluate("rlministyler.startCamera()", timeout=30)
        text = page.wait_for("!document.getElementById('error').hidden && "
                             "document.getElementById('error').textContent", 30)
        assert text == "camera: permission denied"
        assert page.evaluate("rlministyler.status().source") is None


def test_web_needs_no_torch(models, style_path, tmp_path):
    import subprocess
    import sys

    code = ("import sys; sys.modules['torch'] = None; from rlministyler.cli import main; "
            f"sys.exit(main(['web', {str(models['all3'])!r}, '--steps', '1', '--style', {str(style_path)!r}, "
            f"'-o', {str(tmp_path / 'site')!r}, '-q']))")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "site" / "manifest.json").read_text())["model"]["steps"] == [1]


def test_image_and_video_files_as_sources(browser, served, data_dir, tmp_path):
    page = open_page(browser, served, "?backend=wasm&step=2&scale=0.25")  # quick frames
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), cv2.resize(cv2.imread(str(data_dir / "content" / "adain_flowers.jpg")),
                                       (120, 80)))
    page.set_files("#file", [photo])
    page.wait_for("rlministyler.status().frames >= 1 || rlministyler.status().error", 60)
    status = page.evaluate("rlministyler.status()")
    assert status["error"] is None and status["source"] == "image", status
    page.evaluate("rlministyler.setStep(1)")  # a still is stylised again when the step changes
    page.wait_for("rlministyler.frame().step === 1", 60)
    page.set_files("#file", [data_dir / "video" / "cutBunny.mp4"])
    page.wait_for("rlministyler.status().source === 'video' || rlministyler.status().error", 60)
    frames = page.evaluate("rlministyler.status().frames")
    page.wait_for(f"rlministyler.status().frames >= {frames + 3} || rlministyler.status().error", 90)
    status = page.evaluate("rlministyler.status()")
    assert status["error"] is None and status["source"] == "video", status
    # a style uploaded in the page is encoded there and used from the next frame on
    from rlministyler.benchmarks.web_speed import generated_style

    cv2.imwrite(str(tmp_path / "glass.png"), generated_style(300))
    page.set_files("#style-upload", [tmp_path / "glass.png"])
    page.wait_for("rlministyler.frame() && rlministyler.frame().style === 'glass.png' || "
                  "rlministyler.status().error", 90)
    assert page.evaluate("rlministyler.status()")["style"] == "glass.png"


# --- the page's defects, each shown in the browser -----------------------------------------------
def test_build_never_replaces_a_folder_it_did_not_make(models, tmp_path):
    """A web project with its own manifest.json (a PWA) is refused untouched; the builder's own
    folder (its marker) is rebuilt."""
    pwa = tmp_path / "pwa"
    (pwa / "models").mkdir(parents=True)
    for name, text in (("manifest.json", '{"name": "my app"}'), ("index.html", "<p>mine</p>"),
                       ("models/mine.onnx", "mine")):
        (pwa / name).write_text(text)
    with pytest.raises(UserError, match="was not made by rlministyler web"):
        build_site(models["full1"], pwa, log=lambda text: None)
    assert (pwa / "index.html").read_text() == "<p>mine</p>" and (pwa / "models/mine.onnx").is_file()
    assert json.loads((pwa / "manifest.json").read_text()) == {"name": "my app"}
    ours = tmp_path / "ours"
    build_site(models["full1"], ours, log=lambda text: None)
    (ours / "notes.txt").write_text("kept")
    build_site(models["full1"], ours, log=lambda text: None)  # a rebuild of its own folder
    assert (ours / SITE_MARKER).is_file() and (ours / "notes.txt").read_text() == "kept"


def test_style_named_with_url_characters(browser, models, style_path, tmp_path):
    odd = tmp_path / "a#b?c%d.jpg"
    shutil.copyfile(style_path, odd)
    out = tmp_path / "site"
    build_site(models["full1"], out, styles=[odd], log=lambda text: None)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["styles"][0]["name"] == "a#b?c%d.jpg"
    assert not set("#?%") & set(manifest["styles"][0]["file"])
    # a site whose style file itself has such a name (built elsewhere, or by hand): fetched escaped
    shutil.move(out / manifest["styles"][0]["file"], out / "styles" / "01_a#b?c%d.png")
    manifest["styles"][0]["file"] = "styles/01_a#b?c%d.png"
    (out / "manifest.json").write_text(json.dumps(manifest))
    server = serve_in_thread(out)
    try:
        page = open_page(browser, url_of(server))
        status = page.evaluate("rlministyler.status()")
        assert status["error"] is None and status["style"] == "a#b?c%d.jpg", status
        (out / "styles" / "01_a#b?c%d.png").unlink()  # a missing file: its HTTP status, not "unreadable"
        page = open_page(browser, url_of(server))
        assert page.evaluate("rlministyler.status().error") == \
            "style a#b?c%d.jpg: styles/01_a#b?c%d.png answered HTTP 404"
    finally:
        server.shutdown()


def test_serve_says_when_other_machines_get_no_secure_context(site, capsys, monkeypatch):
    from http.server import ThreadingHTTPServer

    monkeypatch.setattr(ThreadingHTTPServer, "serve_forever", lambda self, *a, **k: None)
    assert main(["web", "--serve", str(site), "--port", "0", "--host", "0.0.0.0"]) == 0
    err = capsys.readouterr().err
    assert "not a secure context: no camera, no WebGPU and one thread" in err
    assert main(["web", "--serve", str(site), "--port", "0"]) == 0
    out = capsys.readouterr()
    assert "cross-origin isolated" in out.out and "secure context" not in out.err


def test_page_warns_on_plain_http_from_another_machine(served):
    """A name other than localhost over http (as a phone on the LAN sees it) is no secure context."""
    if find_chromium() is None:
        pytest.skip(NO_CHROMIUM)
    port = served.rstrip("/").rsplit(":", 1)[1]
    with Chromium(["--host-resolver-rules=MAP phone.test 127.0.0.1"]) as chromium:
        page = open_page(chromium, f"http://phone.test:{port}/")
        status = page.evaluate("rlministyler.status()")
        assert status["secure"] is False and status["threads"] == 1, status
        assert "is not a secure context" in status["notice"] and "no camera" in status["notice"], status


def test_bad_scale_is_said_once_and_frames_go_on(browser, served, data_dir, tmp_path):
    page = open_page(browser, served, "?backend=wasm&scale=abc")
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), cv2.resize(cv2.imread(str(data_dir / "content" / "adain_flowers.jpg")), (64, 48)))
    page.set_files("#file", [photo])
    page.wait_for("rlministyler.status().frames >= 1 || rlministyler.status().error", 60)
    status = page.evaluate("rlministyler.status()")
    assert status["error"] is None and status["scale"] == 1, status
    assert status["notice"] == "?scale=abc: use one of 1, 0.75, 0.5, 0.25; running at scale 1"


SOURCE_WATCH = """
window.__streams = [];
const realGum = MediaDevices.prototype.getUserMedia;
MediaDevices.prototype.getUserMedia = async function (c) {
  const s = await realGum.call(this, c); window.__streams.push(s); return s; };
window.__sizes = 0;
for (const key of ['width', 'height']) {
  const real = Object.getOwnPropertyDescriptor(HTMLCanvasElement.prototype, key);
  Object.defineProperty(HTMLCanvasElement.prototype, key, { get: real.get,
    set(v) { window.__sizes += 1; real.set.call(this, v); } });
}
"""

INPUT_CHANGE = """(async () => {
  const a = rlministyler.frame().input; const n = rlministyler.status().frames;
  while (rlministyler.status().frames < n + 3) await new Promise((r) => setTimeout(r, 50));
  const b = rlministyler.frame().input; let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i] - b.data[i]);
  return s / a.data.length;
})()"""


def test_switching_sources_keeps_the_picture_moving(camera_browser, served, data_dir):
    """Video file, then camera: the camera's picture moves (the file's stop once paused it); the
    canvas is not resized frame after frame."""
    page = camera_browser.new_page()
    page.add_init_script(SOURCE_WATCH)
    page.goto(served + "?backend=wasm&scale=0.25")
    page.wait_for("window.rlministyler && rlministyler.status().ready", 90)
    page.set_files("#file", [data_dir / "video" / "cutBunny.mp4"])
    page.wait_for("rlministyler.status().source === 'video' && rlministyler.status().frames >= 2", 90)
    page.evaluate("rlministyler.startCamera()", timeout=60)
    page.wait_for("rlministyler.status().source === 'camera'", 30)
    frames = page.evaluate("rlministyler.status().frames")
    page.wait_for(f"rlministyler.status().frames >= {frames + 3}", 90)
    assert page.evaluate(INPUT_CHANGE, timeout=90) > 1  # the camera's frames change
    sizes = page.evaluate("[window.__sizes, rlministyler.status().frames]")
    page.wait_for(f"rlministyler.status().frames >= {sizes[1] + 4}", 90)
    assert page.evaluate("window.__sizes") == sizes[0]  # same size frames: no canvas reallocated
    assert page.evaluate("rlministyler.status().error") is None


def test_camera_that_cannot_play_or_goes_away_is_closed(camera_browser, served):
    page = camera_browser.new_page()
    page.add_init_script(SOURCE_WATCH)
    page.goto(served + "?backend=wasm&scale=0.25")
    page.wait_for("window.rlministyler && rlministyler.status().ready", 90)
    page.evaluate("window.__play = HTMLMediaElement.prototype.play; HTMLMediaElement.prototype.play = "
                  "() => Promise.reject(new DOMException('blocked', 'NotAllowedError')); true")
    page.evaluate("rlministyler.startCamera()", timeout=30)
    assert page.evaluate("rlministyler.status().error").startswith("camera: cannot play its video here")
    assert page.evaluate("__streams.length === 1 && __streams[0].getTracks().every((t) => "
                         "t.readyState === 'ended')")  # released, not left open
    page.evaluate("HTMLMediaElement.prototype.play = window.__play; true")
    page.evaluate("rlministyler.startCamera()", timeout=30)
    page.wait_for("rlministyler.status().source === 'camera' && rlministyler.status().frames >= 1", 90)
    page.evaluate("__streams[1].getVideoTracks()[0].dispatchEvent(new Event('ended')); true")  # unplugged
    page.wait_for("rlministyler.status().source === null", 10)
    assert "stopped sending frames" in page.evaluate("rlministyler.status().error")
    assert page.evaluate("__streams[1].getTracks().every((t) => t.readyState === 'ended')")


def test_a_dead_worker_fails_every_call_at_once(browser, served):
    page = open_page(browser, served)
    page.worker_evaluate("self.onmessage = null; "  # stuck, as after an abort in WebAssembly
                         "setTimeout(() => { throw new Error('simulated crash'); }); 1")
    page.wait_for("rlministyler.status().error", 10)
    with pytest.raises(BrowserError, match=r"inference worker failed: .*simulated crash"):
        page.evaluate("rlministyler.stylize(new ImageData(16, 16), {step: 1})", timeout=20)
    assert page.evaluate("rlministyler.status().ready") is False


# --- the webcam tool ------------------------------------------------------------------------------
def test_record_clean_view_and_kept_styles(camera_browser, served, tmp_path):
    page = open_page(camera_browser, served, "?backend=wasm&source=camera&scale=0.25")
    page.wait_for("rlministyler.status().frames >= 2 || rlministyler.status().error", 90)
    assert page.evaluate("rlministyler.status().error") is None
    recorded = page.evaluate("""(async () => {
      await rlministyler.record();
      const n = rlministyler.status().frames;
      while (rlministyler.status().frames < n + 3) await new Promise((r) => setTimeout(r, 100));
      const blob = await rlministyler.record();
      return [blob.size, blob.type];
    })()""", timeout=120)
    assert recorded[0] > 1000 and recorded[1] in ("video/webm", "video/mp4"), recorded
    page.evaluate("rlministyler.cleanView(true)")
    layout = page.evaluate("""[getComputedStyle(document.getElementById('controls')).display,
      document.getElementById('view').getBoundingClientRect().width, innerWidth]""")
    assert layout[0] == "none" and layout[1] == layout[2], layout  # only the picture, window-wide
    page.evaluate("rlministyler.cleanView(false)")
    # an uploaded style is kept in the browser and is back after a reload
    from rlministyler.benchmarks.web_speed import generated_style

    cv2.imwrite(str(tmp_path / "glass.png"), generated_style(300))
    page.set_files("#style-upload", [tmp_path / "glass.png"])
    page.wait_for("rlministyler.status().style === 'glass.png' || rlministyler.status().error", 60)
    page.goto(served + "?backend=wasm")
    page.wait_for("window.rlministyler && rlministyler.status().ready", 90)
    names = page.evaluate("[...document.getElementById('style').options].map((o) => o.text)")
    assert names == ["adain_la_muse.jpg", "glass.png"], names
    page.evaluate("rlministyler.setStyle('glass.png'); document.getElementById('style-forget').click(); true")
    page.wait_for("document.getElementById('style').options.length === 1", 10)


# --- WebGPU on a software adapter ------------------------------------------------------------------
@pytest.fixture(scope="module")
def gpu_browser():
    if find_chromium() is None:
        pytest.skip(NO_CHROMIUM)
    with Chromium(WEBGPU_FLAGS) as chromium:
        yield chromium


def open_gpu_page(browser: Chromium, url: str, query: str):
    page = open_page(browser, url, query, timeout=120)
    if not page.evaluate(WEBGPU_CHECK):
        pytest.skip(f"no WebGPU adapter in this Chromium with {' '.join(WEBGPU_FLAGS)}")
    return page


def test_webgpu_parity_with_every_node_on_the_gpu(gpu_browser, served, models, style_path, data_dir):
    """Step 1 twice (graph capture records the first run and replays the second), then step 3."""
    page = open_gpu_page(gpu_browser, served, "?backend=webgpu")
    stylizer = Stylizer(models["all3"], "cpu")
    stylizer.set_style(style_path)
    rgb = content_rgb(data_dir, "adain_chicago.jpg", (50, 34))  # odd: padded on the GPU, cropped back
    for step in (1, 1, 3):
        stylizer.step = step
        diff = np.abs(stylize_in_page(page, rgb, step).astype(int) - stylizer.stylize(rgb).astype(int))
        status = page.evaluate("rlministyler.status()")
        assert status["provider"] == "webgpu" and status["notice"] is None, status
        assert status["capture"] is True, status
        assert diff.max() <= 2, f"step {step}: max diff {diff.max()}"
    verbose = open_gpu_page(gpu_browser, served, "?backend=webgpu&verbose=1")
    stylize_in_page(verbose, rgb, 1)
    placement = verbose.evaluate("rlministyler.status().placement")
    assert list(placement) == ["WebGpuExecutionProvider"], placement  # no node on the CPU


def test_webgpu_live_fake_camera(served, tmp_path, data_dir):
    """The camera's frames as ImageBitmaps into the GPU: each live output is the stylisation of its
    input."""
    if find_chromium() is None:
        pytest.skip(NO_CHROMIUM)
    y4m = write_y4m(data_dir / "video" / "cutBunny.mp4", tmp_path / "cam.y4m", frames=24, size=(192, 108))
    with Chromium([*WEBGPU_FLAGS, "--use-fake-device-for-media-stream",
                   f"--use-file-for-fake-video-capture={y4m}", "--use-fake-ui-for-media-stream"]) as chromium:
        page = open_gpu_page(chromium, served, "?backend=webgpu&source=camera&scale=0.25&step=1")
        page.wait_for("rlministyler.status().frames >= 2 || rlministyler.status().error", 120)
        status = page.evaluate("rlministyler.status()")
        assert status["error"] is None and status["provider"] == "webgpu" and status["capture"], status
        check = page.evaluate(FRAME_CHECK, timeout=120)
        assert (check["width"], check["height"]) == (48, 27)  # resized by createImageBitmap
        assert check["maxSame"] <= 2 and check["meanInput"] > 3, check


def test_webgpu_refuses_what_it_cannot_run(gpu_browser, models, site, style_path, tmp_path):
    """fp16 without shader-f16, and int8, go to WebAssembly with a notice, before any frame."""
    out = tmp_path / "fp16"
    build_site(models["fp16"], out, styles=[style_path], log=lambda text: None)
    int8 = tmp_path / "int8"
    shutil.copytree(site, int8)
    data = json.loads((int8 / "manifest.json").read_text())
    data["model"]["precision"] = "int8"  # the page decides from the manifest
    (int8 / "manifest.json").write_text(json.dumps(data))
    for folder, words in ((out, "shader-f16"), (int8, "int8")):
        server = serve_in_thread(folder)
        try:
            page = open_gpu_page(gpu_browser, url_of(server), "?backend=auto")
            if words == "shader-f16" and page.evaluate(
                    "(async () => (await navigator.gpu.requestAdapter()).features.has('shader-f16'))()"):
                continue
            status = page.evaluate("rlministyler.status()")
            assert status["provider"] == "wasm" and status["error"] is None, status
            assert words in status["notice"], status
        finally:
            server.shutdown()


def test_webgpu_failing_at_run_time_falls_back(gpu_browser, models, style_path, data_dir, tmp_path):
    """A site whose manifest says fp32 over fp16 files: WebGPU (no shader-f16) fails on the first
    frame; the page releases its WebGPU sessions and answers that frame from WebAssembly."""
    out = tmp_path / "lying"
    build_site(models["fp16"], out, styles=[style_path], log=lambda text: None)
    data = json.loads((out / "manifest.json").read_text())
    data["model"]["precision"] = "fp32"
    (out / "manifest.json").write_text(json.dumps(data))
    server = serve_in_thread(out)
    try:
        page = open_gpu_page(gpu_browser, url_of(server), "?backend=auto")
        if page.evaluate("(async () => (await navigator.gpu.requestAdapter()).features.has('shader-f16'))()"):
            pytest.skip("this adapter runs fp16: nothing fails")
        assert page.evaluate("rlministyler.status().provider") == "webgpu"
        stylizer = Stylizer(models["fp16"], "cpu")
        stylizer.set_style(style_path)
        rgb = content_rgb(data_dir, "adain_cornell.jpg", (40, 28))
        diff = np.abs(stylize_in_page(page, rgb, 1).astype(int) - stylizer.stylize(rgb).astype(int))
        status = page.evaluate("rlministyler.status()")
        assert status["provider"] == "wasm" and status["error"] is None, status
        assert status["notice"].startswith("WebGPU failed (") and "f16" in status["notice"], status
        assert status["sessions"] == 2 and status["released"] == 1, status  # the encoder made for WebGPU
        assert diff.max() <= 2, diff.max()
    finally:
        server.shutdown()


def test_a_lost_gpu_device_moves_the_page_to_webassembly(gpu_browser, served, models, style_path, data_dir):
    page = open_gpu_page(gpu_browser, served, "?backend=auto")
    stylizer = Stylizer(models["all3"], "cpu")
    stylizer.set_style(style_path)
    stylizer.step = 1
    rgb = content_rgb(data_dir, "adain_sailboat.jpg", (36, 28))
    stylize_in_page(page, rgb, 1)
    assert page.evaluate("rlministyler.status().provider") == "webgpu"
    page.worker_evaluate("self.gpuDevice.destroy(); 1")  # as a driver reset or a removed GPU does
    diff = np.abs(stylize_in_page(page, rgb, 1).astype(int) - stylizer.stylize(rgb).astype(int))
    status = page.evaluate("rlministyler.status()")
    assert status["provider"] == "wasm" and status["error"] is None, status
    assert "the GPU device was lost" in status["notice"], status
    assert status["released"] == 2, status  # the WebGPU session and the encoder, released
    assert diff.max() <= 2, diff.max()
