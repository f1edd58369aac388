"""The onnxruntime player: sources, outputs, models, steps, errors and interruption, headless."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from rlministyler.runtime import Stylizer
from rlministyler.runtime.sources import open_source

from rlministyler.cli import main
from rlministyler.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
BLOCK_TORCH = "import sys; sys.modules['torch'] = None; "


@pytest.fixture(scope="module")
def style_path(data_dir) -> Path:
    return data_dir / "style" / "adain_la_muse.jpg"


@pytest.fixture(scope="module")
def video_path(data_dir) -> Path:
    return data_dir / "video" / "cutBunny.mp4"


@pytest.fixture(scope="module")
def content_bgr(data_dir) -> np.ndarray:
    image = cv2.imread(str(data_dir / "content" / "adain_chicago.jpg"))
    return cv2.resize(image, (150, 101), interpolation=cv2.INTER_AREA)  # odd sizes: pad and crop


@pytest.fixture(scope="module")
def models(tmp_path_factory, weights_dir, style_path) -> dict[str, Path]:
    """Small exports shared by the tests (verification is covered by test_export)."""
    from rlministyler.export.exporter import ExportOptions, export_model

    out = tmp_path_factory.mktemp("runtime_models")
    made = {}
    for key, kwargs in {
        "all3": dict(steps=3, all_steps=True),
        "full2": dict(steps=2),
        "split2": dict(steps=2, variant="split"),
        "baked1": dict(steps=1, variant="baked", style=style_path),
        "static1": dict(steps=1, variant="baked", style=style_path, size=(64, 96)),
        "fp16all2": dict(steps=2, all_steps=True, variant="baked", style=style_path, precision="fp16"),
    }.items():
        opts = ExportOptions(output=out / f"{key}.onnx", checkpoint=str(weights_dir), verify=False,
                             quiet=True, **kwargs)
        export_model(opts)
        made[key] = opts.output
    return made


def read_video(path: Path) -> tuple[int, float, tuple[int, int]]:
    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened(), f"{path} does not open"
    frames = 0
    while capture.read()[0]:
        frames += 1
    fps = capture.get(cv2.CAP_PROP_FPS)
    size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    capture.release()
    return frames, fps, size


def cli(*args: str | Path) -> int:
    return main(["run", *map(str, args), "-q"])


# --- the Stylizer API -------------------------------------------------------------------------
def test_matches_pytorch_stylize(models, style_path, content_bgr, stylizer):
    """The runtime's pad/crop and style encoding reproduce `rlministyler stylize` to 8-bit rounding."""
    import torch
    from rlministyler.training.sequence import to_array, to_tensor

    rgb = content_bgr[..., ::-1].astype(np.float32) / 255
    from rlministyler.images import read_image, resize_shorter, to_uint8

    style = resize_shorter(read_image(style_path), 256)
    with torch.no_grad():
        code = stylizer.encode_style(to_tensor(style))
        expected = to_uint8(to_array(stylizer.sequence(to_tensor(rgb), code, [2])[2]))
    runtime = Stylizer(models["all3"], "cpu", step=2)
    runtime.set_style(style_path)
    got = runtime.stylize(content_bgr[..., ::-1].copy())
    assert got.shape == content_bgr.shape
    assert np.abs(got.astype(int) - expected).max() <= 1


def test_all_steps_model_step_equals_single_step_model(models, style_path, content_bgr):
    all_steps = Stylizer(models["all3"], "cpu", step=2)
    single = Stylizer(models["full2"], "cpu")
    assert all_steps.steps == [1, 2, 3] and single.steps == [2]
    for s in (all_steps, single):
        s.set_style(style_path)
    a = all_steps.stylize(content_bgr, bgr=True)
    b = single.stylize(content_bgr, bgr=True)
    assert np.abs(a.astype(int) - b).max() <= 1
    all_steps.step = 3
    c = all_steps.stylize(content_bgr, bgr=True)
    assert np.abs(c.astype(int) - a).mean() > 1  # step 3 really is another output


def test_all_steps_model_runs_only_the_chosen_step(models):
    s = Stylizer(models["all3"], "cpu")
    assert [o.name for o in s.engine.session_for_step(1).get_outputs()] == ["step_1"]
    assert s.engine.session_for_step(3) is s.engine.session  # the last step needs the whole graph anyway


def test_pruned_step_of_an_fp16_model_equals_the_whole_graph(models, content_bgr):
    """The fp16 converter leaves nodes out of topological order; pruning must still be right."""
    import onnxruntime as ort

    s = Stylizer(models["fp16all2"], "cpu", step=1)
    got = s.stylize(content_bgr[:100, :148], bgr=True)
    whole = ort.InferenceSession(str(models["fp16all2"]), providers=["CPUExecutionProvider"])
    x = (content_bgr[:100, :148, ::-1].transpose(2, 0, 1)[None] / 255).astype(np.float32)
    ref = whole.run(["step_1"], {"content": x})[0][0].transpose(1, 2, 0)[..., ::-1]
    assert np.abs(got.astype(int) - np.floor(np.clip(ref, 0, 1) * 255 + 0.5)).max() <= 1


def test_switching_between_styles_with_the_same_name(models, style_path, data_dir, content_bgr):
    s = Stylizer(models["split2"], "cpu")
    first = s.encode_style(style_path, name="painting.jpg")
    second = s.encode_style(data_dir / "style" / "adain_mondrian.jpg", name="painting.jpg")
    s.style = first
    a = s.stylize(content_bgr, bgr=True)
    s.style = second
    b = s.stylize(content_bgr, bgr=True)
    s.style = first
    assert np.abs(a.astype(int) - b).mean() > 5
    assert np.array_equal(s.stylize(content_bgr, bgr=True), a)


def test_window_keys_and_overlay(models, style_path, data_dir):
    from rlministyler.runtime.player import Player
    from rlministyler.runtime.sources import ImageFiles

    s = Stylizer(models["all3"], "cpu", temporal="ema")
    styles = [s.encode_style(style_path), s.encode_style(data_dir / "style" / "adain_mondrian.jpg")]
    s.style = styles[0]
    player = Player(s, ImageFiles([style_path], "x"), styles=styles, temporal_toggle="ema")
    player._key("2")
    assert s.step == 2
    player._key("0")  # step 10 is not in a 3-step model: a message, no change
    assert s.step == 2 and "not in this model" in player.message
    player._key("s")
    assert s.style is styles[1]
    player._key("s")
    assert s.style is styles[0]
    player._key("t")
    assert s.temporal.mode == "off"
    player._key("t")
    assert s.temporal.mode == "ema"
    player._key("f")
    assert player.overlay is False
    frame = np.zeros((90, 160, 3), np.uint8)
    drawn = player._draw_overlay(frame)
    assert drawn.shape == frame.shape and drawn.any() and not frame.any()


def test_split_model_equals_full_model(models, style_path, content_bgr):
    split = Stylizer(models["split2"], "cpu")
    full = Stylizer(models["full2"], "cpu")
    style = split.set_style(style_path)
    assert set(style.feeds) == {f"style_{n}" for n in ("f1_mean", "f1_std", "f2_mean", "f2_std", "w1", "b1",
                                                      "w2", "b2", "w12", "b12", "w13", "b13")}
    full.set_style(style_path)
    a = split.stylize(content_bgr, bgr=True)
    assert np.abs(a.astype(int) - full.stylize(content_bgr, bgr=True)).max() <= 1


def test_static_model_resizes_in_and_out(models, content_bgr):
    s = Stylizer(models["static1"], "cpu")
    assert s.network_size(101, 150) == (64, 96, 64, 96)
    assert s.stylize(content_bgr, bgr=True).shape == content_bgr.shape


def test_scale_runs_smaller_network(models, content_bgr):
    s = Stylizer(models["baked1"], "cpu", network_scale=0.5)
    assert s.network_size(101, 150) == (50, 75, 52, 76)
    out = s.stylize(content_bgr, bgr=True)
    assert out.shape == content_bgr.shape
    with pytest.raises(UserError, match="--scale"):
        Stylizer(models["baked1"], "cpu", network_scale=2.0)


def test_step_and_style_errors(models, style_path):
    with pytest.raises(UserError, match=r"out of range: this model has steps 1\.\.3"):
        Stylizer(models["all3"], "cpu", step=5)
    with pytest.raises(UserError, match="exported for step 2 only"):
        Stylizer(models["full2"], "cpu", step=1)
    with pytest.raises(UserError, match="baked in"):
        Stylizer(models["baked1"], "cpu").set_style(style_path)
    with pytest.raises(UserError, match="give a style"):
        Stylizer(models["full2"], "cpu").stylize(np.zeros((32, 32, 3), np.uint8))
    with pytest.raises(UserError, match="HxWx3 uint8"):
        Stylizer(models["baked1"], "cpu").stylize(np.zeros((32, 32), np.uint8))


def test_explicit_gpu_provider_that_cannot_run_is_an_error(models):
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        try:
            s = Stylizer(models["baked1"], "cuda")
        except UserError as exc:
            assert "provider cuda cannot run here" in str(exc)
        else:
            assert s.engine.choice.name == "cuda"
    auto = Stylizer(models["baked1"], "auto")
    assert auto.engine.choice.describe().startswith(f"provider: {auto.engine.choice.name}")


def test_an_engine_plugs_in_by_name_and_loads_when_chosen(models, content_bgr, monkeypatch):
    """Another engine (a PyTorch one, say, from outside the runtime) registers by name; the
    Stylizer's frame work is the same whatever runs the network."""
    from rlministyler.runtime import engine
    from rlministyler.runtime.ort_engine import OrtEngine

    calls = []

    class Recording(OrtEngine):
        def run(self, content, step, style):
            calls.append((content.shape, step))
            return super().run(content, step, style)

    monkeypatch.setitem(engine._REGISTRY, "recording", Recording)
    monkeypatch.setitem(engine._REGISTRY, "lazy", "rlministyler.runtime.no_such_module:Engine")
    recorded = Stylizer(models["baked1"], "cpu", engine="recording").stylize(content_bgr, bgr=True)
    assert calls == [((1, 3, 104, 152), 1)]  # padded to the size multiple
    assert np.array_equal(recorded, Stylizer(models["baked1"], "cpu").stylize(content_bgr, bgr=True))
    with pytest.raises(UserError, match="unknown engine 'nope': use one of onnxruntime"):
        Stylizer(models["baked1"], "cpu", engine="nope")
    with pytest.raises(UserError, match="engine 'lazy' cannot be loaded"):
        Stylizer(models["baked1"], "cpu", engine="lazy")


# --- the command: sources and outputs ------------------------------------------------------
def test_image_to_image(models, content_bgr, tmp_path, capsys):
    src = tmp_path / "in.png"
    cv2.imwrite(str(src), content_bgr)
    assert cli(models["baked1"], "-i", src, "-o", tmp_path / "out.jpg") == 0
    out = cv2.imread(str(tmp_path / "out.jpg"))
    assert out.shape == content_bgr.shape
    assert "1 frames in" in capsys.readouterr().out


def test_directory_to_directory_keeps_names_and_sizes(models, data_dir, tmp_path, capsys):
    src = tmp_path / "photos"
    src.mkdir()
    sizes = {"a": (70, 90), "b": (64, 64), "c": (45, 121)}
    for name, (h, w) in sizes.items():
        cv2.imwrite(str(src / f"{name}.png"), np.random.default_rng(0).integers(0, 255, (h, w, 3), np.uint8))
    (src / "broken.jpg").write_bytes(b"not a jpeg")
    assert cli(models["baked1"], "-i", src, "-o", tmp_path / "out") == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["a.png", "b.png", "c.png"]
    for name, (h, w) in sizes.items():
        assert cv2.imread(str(tmp_path / "out" / f"{name}.png")).shape == (h, w, 3)
    assert "skipped 1 unreadable file(s): broken.jpg" in capsys.readouterr().out


def test_video_to_video_same_fps_and_size(models, style_path, video_path, tmp_path, capsys):
    out = tmp_path / "clip.mp4"
    stats = tmp_path / "stats.json"
    assert cli(models["all3"], "-i", video_path, "--style", style_path, "--step", "1", "--scale", "0.25",
               "--frames", "12", "--temporal", "flow", "-o", out, "--stats-json", stats) == 0
    assert read_video(out) == (12, 24.0, (640, 360))
    assert not list(tmp_path.glob(".*partial*"))
    import json

    summary = json.loads(stats.read_text())["summary"]
    assert summary["frames"] == 12 and summary["mean_fps"] > 0
    for stage in ("pre", "infer", "post", "total"):
        assert 0 < summary[stage]["p50"] <= summary[stage]["p95"] <= summary[stage]["max"]
    text = capsys.readouterr().out
    assert "12 frames in" in text and "per frame p50 / p95 / max ms: pre" in text
    assert "wrote 12 frame(s)" in text


def test_image_sequence_to_pattern_keeps_numbers(models, content_bgr, tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    for n in range(7, 12):
        cv2.imwrite(str(frames / f"{n:04d}.png"), np.roll(content_bgr, n, axis=1))
    (frames / "notes.txt").write_text("not a frame")
    assert cli(models["baked1"], "-i", frames / "%04d.png", "-o", tmp_path / "out" / "s_%03d.png") == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"s_{n:03d}.png" for n in range(7, 12)]


def test_image_sequence_to_video(models, content_bgr, tmp_path):
    for n in range(1, 6):
        cv2.imwrite(str(tmp_path / f"f{n}.png"), np.roll(content_bgr, n, axis=0))
    out = tmp_path / "seq.avi"
    assert cli(models["baked1"], "-i", tmp_path / "f%d.png", "--fps", "12", "-o", out) == 0
    assert read_video(out) == (5, 12.0, (150, 102))  # odd height padded by one edge row


def test_video_file_stands_in_for_camera(models, video_path, tmp_path, capsys):
    """camera:FILE runs the live path (newest frame only, real-time pacing) without a camera."""
    out = tmp_path / "live.mp4"
    assert cli(models["baked1"], "-i", f"camera:{video_path}", "--no-display", "--scale", "0.25",
               "--frames", "24", "-o", out) == 0
    frames, fps, size = read_video(out)
    assert fps == 24.0 and size == (640, 360)
    # one second of camera time; frames the stylizer missed are repeated, so it plays in real time
    assert 20 <= frames <= 30
    assert "frames in" in capsys.readouterr().out


def _first_frames(source, count: int) -> list:
    """The first ``count`` frames of a live source, then close it."""
    frames = []
    for frame in source.frames():
        frames.append(frame)
        if len(frames) == count:
            break
    source.close()
    return frames


def test_camera_source_reads_frames_with_timestamps(video_path):
    source = open_source(f"camera:{video_path}")
    assert source.live and source.count is None and source.fps == 24.0
    frames = _first_frames(source, 6)
    gaps = np.diff([f.timestamp for f in frames])
    assert gaps.min() > 0.5 / 24  # paced at the file's frame rate, not as fast as it decodes


def test_camera_file_plays_at_the_asked_rate(video_path):
    """--fps on camera:FILE: the clip stands in for a camera of that rate (a 24 fps clip as 60 fps)."""
    source = open_source(f"camera:{video_path}", fps=60.0)
    assert source.fps == 60.0 and "60 fps" in source.description
    frames = _first_frames(source, 13)
    span = frames[-1].timestamp - frames[0].timestamp
    assert 0.9 * 12 / 60 < span < 12 / 24  # paced at 60, faster than the file's own 24


# --- errors -----------------------------------------------------------------------------------
def _foreign_model(path: Path) -> Path:
    node = helper.make_node("Identity", ["content"], ["out"])
    graph = helper.make_graph([node], "g",
                              [helper.make_tensor_value_info("content", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, 8, 8])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(model, str(path))
    return path


@pytest.mark.parametrize("case, message", [
    ("missing_model", "model not found"),
    ("foreign_model", "not a model exported by rlministyler"),
    ("corrupt_model", "onnxruntime cannot load the model"),
    ("style_encoder", "is the style encoder of a split model"),
    ("missing_input", "input not found"),
    ("corrupt_video", "cannot read video"),
    ("no_camera", "no camera at camera:97"),
    ("bad_step", "out of range"),
    ("needs_style", "give --style"),
    ("baked_style", "baked in"),
    ("image_out_many_in", "names one image"),
])
def test_bad_input_is_one_line_exit_2(case, message, models, video_path, style_path, tmp_path, capsys):
    model, src, extra = models["all3"], video_path, ["--style", str(style_path)]
    out = tmp_path / "o.mp4"
    if case == "missing_model":
        model = tmp_path / "nope.onnx"
    elif case == "foreign_model":
        model = _foreign_model(tmp_path / "foreign.onnx")
    elif case == "corrupt_model":
        model = tmp_path / "bad.onnx"
        model.write_bytes(b"\x08\x07garbage")
    elif case == "style_encoder":
        model = models["split2"].with_name("split2_style.onnx")
    elif case == "missing_input":
        src = tmp_path / "nope.mp4"
    elif case == "corrupt_video":
        src = tmp_path / "bad.mp4"
        src.write_bytes(b"this is not a video" * 100)
    elif case == "no_camera":
        src = "camera:97"
    elif case == "bad_step":
        extra += ["--step", "7"]
    elif case == "needs_style":
        extra = []
    elif case == "baked_style":
        model = models["baked1"]
    elif case == "image_out_many_in":
        out = tmp_path / "one.png"
    code = cli(model, "-i", src, "-o", out, *extra)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("rlministyler run: error:") and message in err[0], err
    assert not out.exists()


# --- interruption and the no-torch rule ------------------------------------------------------
def test_ctrl_c_leaves_a_playable_video(models, style_path, video_path, tmp_path):
    out = tmp_path / "interrupted.mp4"
    # full size, so that on an idle machine the clip still takes seconds after its first frames are
    # on disk: at half size it could end (or be closing the file) before the signal arrives
    proc = subprocess.Popen([sys.executable, "-m", "rlministyler", "run", str(models["baked1"]), "-i",
                             str(video_path), "--threads", "1", "-o", str(out), "-q"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # a terminal's Ctrl-C, whatever the test process's own disposition is
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    partial = tmp_path / f".interrupted.{proc.pid}.partial.mp4"  # unique per process
    deadline = time.monotonic() + 60
    while not (partial.exists() and partial.stat().st_size > 2000) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.3)
    assert proc.poll() is None, "finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    written = int(stdout.split("wrote ")[1].split(" frame")[0])
    frames, fps, size = read_video(out)
    assert 0 < written < 240 and frames == written and fps == 24.0 and size == (640, 360)
    assert not partial.exists()
    assert "interrupted: kept the" in stderr


def test_run_works_with_torch_unimportable(models, content_bgr, tmp_path):
    src = tmp_path / "in.png"
    cv2.imwrite(str(src), content_bgr)
    code = (BLOCK_TORCH + "from rlministyler.cli import main; "
            f"rc = main(['run', {str(models['baked1'])!r}, '-i', {str(src)!r}, '-o', "
            f"{str(tmp_path / 'out.png')!r}, '-q']); "
            "assert 'torch' not in sys.modules or sys.modules['torch'] is None; sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.returncode == 0, proc.stderr
    assert cv2.imread(str(tmp_path / "out.png")).shape == content_bgr.shape
