"""Hostile and careless input: nothing lost, nothing overwritten, nothing hangs.

Every fixture is built here and kept tiny: forged PNG headers, FIFOs, hard links, a size-capped
process (RLIMIT_FSIZE) standing in for a full disk, edited logs, signals from this process."""

from __future__ import annotations

import os
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from rlministyler.cli import main
from rlministyler.errors import UserError

ROOT = Path(__file__).resolve().parents[1]


def one_line_error(capsys, code: int, *needles: str) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert len(err) == 1 and ": error: " in err[0], err
    for needle in needles:
        assert needle in err[0], err
    return err[0]


def png(path: Path, h: int = 8, w: int = 8) -> Path:
    rng = np.random.default_rng(0)
    cv2.imwrite(str(path), rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
    return path


def forged_png(path: Path, w: int, h: int) -> Path:
    """A valid PNG signature and IHDR claiming w x h, with a tiny (bogus) IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1800))
        + chunk(b"IEND", b"")
    )
    return path


def tiny_video(path: Path, frames: int = 6, size=(32, 24)) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, size)
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), (20 * i) % 256, np.uint8))
    writer.release()
    return path


# --- 1. never destroy an input -----------------------------------------------------------------
@pytest.fixture
def files(tmp_path):
    content, style = png(tmp_path / "x.png"), png(tmp_path / "s.png")
    model = tmp_path / "m.onnx"
    model.write_bytes(b"not really a model")
    return tmp_path, content, style, model


@pytest.mark.parametrize("case", ["content", "style", "hardlink", "symlink", "dotdot"])
def test_stylize_refuses_an_output_that_is_an_input(files, capsys, case):
    tmp, content, style, _ = files
    out = {"content": content, "style": style, "dotdot": tmp / "sub" / ".." / "x.png"}.get(case)
    if case == "hardlink":
        out = tmp / "link.png"
        os.link(content, out)
    if case == "symlink":
        out = tmp / "sym.png"
        out.symlink_to(content)
    (tmp / "sub").mkdir(exist_ok=True)
    before = content.read_bytes(), style.read_bytes()
    code = main(["stylize", str(content), "--style", str(style), "-o", str(out), "-q"])
    one_line_error(capsys, code, "would overwrite")
    assert (content.read_bytes(), style.read_bytes()) == before


@pytest.mark.parametrize("case", ["image", "style", "model", "video", "directory", "pattern", "inside"])
def test_run_refuses_an_output_that_is_an_input(files, capsys, case):
    tmp, content, style, model = files
    video = tiny_video(tmp / "v.avi")
    frames = tmp / "frames"
    frames.mkdir()
    for i in range(1, 3):
        png(frames / f"{i:04d}.png")
    source, out = {
        "image": (content, content),
        "style": (content, style),
        "model": (content, model),
        "video": (video, video),
        "directory": (frames, frames),
        "pattern": (f"{frames}/%04d.png", f"{frames}/%04d.png"),
        "inside": (frames, frames / "0001.png"),
    }[case]
    snapshot = {p: p.read_bytes() for p in tmp.rglob("*") if p.is_file()}
    code = main(["run", str(model), "-i", str(source), "--style", str(style), "-o", str(out), "-q"])
    one_line_error(capsys, code, "would overwrite")
    assert {p: p.read_bytes() for p in tmp.rglob("*") if p.is_file()} == snapshot


def test_export_refuses_writing_over_its_inputs(files, capsys):
    tmp, _, style, _ = files
    calib = tmp / "calib"
    calib.mkdir()
    png(calib / "a.png")
    code = main(
        [
            "export",
            "--steps",
            "1",
            "--style",
            str(style),
            "-o",
            str(style.with_suffix(".onnx")).replace("s.onnx", "s.png"),
        ]
    )
    one_line_error(capsys, code, "would overwrite", "--style")
    code = main(
        [
            "export",
            "--steps",
            "1",
            "--precision",
            "int8",
            "--calibration",
            str(calib),
            "-o",
            str(calib / "m.onnx"),
        ]
    )
    one_line_error(capsys, code, "inside", "--calibration")


def test_web_refuses_a_site_folder_holding_its_model(tmp_path, capsys):
    site = tmp_path / "site"
    (site / "models").mkdir(parents=True)
    model = site / "models" / "m.onnx"
    model.write_bytes(b"model")
    code = main(["web", str(model), "-o", str(site)])
    one_line_error(capsys, code, "would replace", "model")
    assert model.read_bytes() == b"model"


def test_export_into_a_read_only_folder_is_refused_before_work(tmp_path, capsys):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code = main(["export", "--steps", "1", "-o", str(folder / "m.onnx")])
        one_line_error(capsys, code, "not writable")
    finally:
        folder.chmod(0o755)


def test_export_output_folder_checks(tmp_path):
    from rlministyler.safety import check_output_folder

    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="not a directory"):
        check_output_folder(tmp_path / "file" / "m.onnx")
    check_output_folder(tmp_path / "new" / "deeper" / "m.onnx")  # creatable: fine
    with pytest.raises(UserError, match="is a directory"):
        check_output_folder(tmp_path)


def test_a_failed_multi_file_write_leaves_nothing(tmp_path):
    from rlministyler.safety import write_all

    def fail(tmp):
        raise OSError(28, "No space left on device")

    old = tmp_path / "m.onnx"
    old.write_text("previous export")
    with pytest.raises(UserError, match=r"cannot write .*m_style.onnx: No space left on device.*MB free"):
        write_all(
            {
                old: lambda t: t.write_text("new"),
                tmp_path / "m_style.onnx": fail,
                tmp_path / "m.json": lambda t: t.write_text("{}"),
            }
        )
    assert old.read_text() == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]


def test_stats_json_into_a_missing_folder_is_one_line(tmp_path):
    from rlministyler.safety import write_text

    with pytest.raises(UserError, match="does not exist"):
        write_text(tmp_path / "nope" / "s.json", "{}", "--stats-json")


# --- 2. resource limits ------------------------------------------------------------------------
def test_forged_png_header_is_refused_before_decoding(tmp_path):
    from rlministyler.images import read_image

    bomb = forged_png(tmp_path / "bomb.png", 60000, 60000)
    assert bomb.stat().st_size < 4000
    with pytest.raises(UserError, match="60000x60000"):
        read_image(bomb)
    with pytest.raises(UserError, match="megapixels"):
        read_image(forged_png(tmp_path / "big.png", 20000, 20000))


def test_pixel_cap_is_configurable(tmp_path, monkeypatch):
    from rlministyler.images import read_image

    path = png(tmp_path / "a.png", 40, 40)
    monkeypatch.setenv("RLMINISTYLER_MAX_PIXELS", "1000")
    with pytest.raises(UserError, match="RLMINISTYLER_MAX_PIXELS"):
        read_image(path)
    for name, ext in (("j", ".jpg"), ("w", ".webp"), ("b", ".bmp")):  # every format's header is read
        p = tmp_path / f"{name}{ext}"
        cv2.imwrite(str(p), np.zeros((40, 40, 3), np.uint8))
        with pytest.raises(UserError, match="40x40"):
            read_image(p)
    monkeypatch.setenv("RLMINISTYLER_MAX_PIXELS", "0")
    assert read_image(path).shape == (40, 40, 3)


def test_header_sizes_match_opencv(tmp_path):
    from rlministyler.limits import image_size

    for ext in (".png", ".jpg", ".webp", ".bmp"):
        p = tmp_path / f"a{ext}"
        cv2.imwrite(str(p), np.zeros((13, 21, 3), np.uint8))
        assert image_size(p.read_bytes()[:65536]) == (21, 13), ext


def test_fifos_are_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    model = tmp_path / "pipe.onnx"
    os.mkfifo(model)
    style = png(tmp_path / "s.png")
    for argv in (
        ["stylize", str(fifo), "--style", str(style), "-o", str(tmp_path / "o.png")],
        ["run", str(model), "-i", str(style), "-o", str(tmp_path / "o.png")],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "rlministyler", *argv, "-q"],
            cwd=ROOT,
            timeout=60,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 2 and "FIFO" in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["stylize", "x.png", "--style", "s.png", "--steps", "1-100000000"], "out of range"),
        (["stylize", "x.png", "--style", "s.png", "--size", "10000000"], "at most"),
        (["run", "m.onnx", "-i", "x.png", "--threads", "100000"], "at most"),
        (["run", "m.onnx", "-i", "x.png", "--fps", "inf"], "finite"),
        (["run", "m.onnx", "-i", "x.png", "--fps", "5000"], "up to 1000"),
        (["train", "--content-dir", ".", "--style-dir", ".", "--lr", "inf"], "finite"),
        (["run", "m.onnx", "-i", "x.png", "--fps", "nan"], "above 0"),
        (["export", "--steps", "1", "--size", "40000x40000", "-o", "big.onnx"], "too large"),
    ],
)
def test_bounds_are_checked_up_front(tmp_path, argv, needle):
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "rlministyler", *argv],
        cwd=tmp_path,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2, proc.stderr
    assert needle in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert time.monotonic() - start < 60


def test_bad_fourcc_and_bench_output_are_one_line(tmp_path, capsys):
    (tmp_path / "m.onnx").write_bytes(b"x")
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(tmp_path / "m.onnx"), "-i", "x.png", "-o", "o.mp4", "--fourcc", "h264x"])
    assert exit_.value.code == 2 and "four characters" in capsys.readouterr().err
    (tmp_path / "taken").write_text("x")
    code = main(["bench", "--quick", "-o", str(tmp_path / "taken")])
    one_line_error(capsys, code, "a file of that name exists")


@pytest.mark.parametrize("meta", ['{"a": ' * 100000 + "1" + "}" * 100000, '{"format_version": "x"}', "[]"])
def test_malformed_model_metadata_is_one_line(tmp_path, meta):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    from rlministyler.runtime.metadata import from_session_metadata, read_model_info

    from rlministyler.contract import METADATA_KEY

    graph = helper.make_graph(
        [helper.make_node("Identity", ["content"], ["out"])],
        "g",
        [helper.make_tensor_value_info("content", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, 8, 8])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    helper.set_model_props(model, {METADATA_KEY: meta})
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    for reader in (read_model_info, lambda p: from_session_metadata({METADATA_KEY: meta}, p)):
        with pytest.raises(UserError) as err:
            reader(path)
        assert "\n" not in str(err.value) and str(path) in str(err.value)


# --- 3. names are literal ----------------------------------------------------------------------
def test_percent_names_are_literal(tmp_path):
    from rlministyler.runtime.sinks import open_sink, output_kind
    from rlministyler.runtime.sources import open_source

    from rlministyler.safety import format_pattern, is_pattern

    assert output_kind("out/50%off.png") == "image" and output_kind("out/%04d.png") == "sequence"
    assert not is_pattern("100%.png") and not is_pattern("a%%d.png") and is_pattern("f_%d.png")
    assert format_pattern("a%%_%03d.png", 7) == "a%_007.png"
    src = png(tmp_path / "100%.png")
    source = open_source(str(src))
    frame = next(source.frames())
    sink = open_sink(str(tmp_path / "out" / "50%off.png"), source)
    sink.write(frame, frame.image)
    assert (tmp_path / "out" / "50%off.png").is_file()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["50%off.png"]


def test_sequence_with_escaped_percent(tmp_path):
    from rlministyler.runtime.sources import open_source

    for i in (1, 2):
        png(tmp_path / f"a%_{i:03d}.png")
    source = open_source(str(tmp_path / "a%%_%03d.png"))
    assert source.kind == "sequence" and source.count == 2


# --- 4. never report success over a broken file ------------------------------------------------
CAPPED = """
import resource, signal, sys
import numpy as np
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # beyond the cap a write fails with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, ({cap}, {cap}))
from rlministyler.errors import UserError
from rlministyler.runtime.sinks import VideoSink
from rlministyler.runtime.sources import Frame
from rlministyler.images import write_bgr
from pathlib import Path
rng = np.random.default_rng(0)
try:
    if sys.argv[1] == "video":
        sink = VideoSink(Path(sys.argv[2]), 10.0, "MJPG")
        for i in range(100):
            sink.write(Frame(i, rng.integers(0, 255, (96, 128, 3), dtype=np.uint8), str(i), i + 1, i / 10),
                       None or
                       rng.integers(0, 255, (96, 128, 3), dtype=np.uint8))
        sink.close()
    else:
        write_bgr(Path(sys.argv[2]), rng.integers(0, 255, (400, 400, 3), dtype=np.uint8))
except UserError as exc:
    print(exc, file=sys.stderr); sys.exit(2)
print("ok")
"""


@pytest.mark.parametrize("kind, name", [("video", "v.avi"), ("image", "i.png")])
def test_a_full_disk_is_an_error_naming_the_path(tmp_path, kind, name):
    out = tmp_path / name
    proc = subprocess.run(
        [sys.executable, "-c", CAPPED.format(cap=100_000), kind, str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert str(out) in proc.stderr and "ok" not in proc.stdout
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name or p.suffix == ".tmp"]


def test_video_is_reopened_and_counted(tmp_path):
    from rlministyler.runtime.sinks import count_frames

    video = tiny_video(tmp_path / "v.avi", frames=5)
    assert count_frames(video, 5) == 5
    junk = tmp_path / "junk.avi"
    junk.write_bytes(video.read_bytes()[:300])
    assert count_frames(junk, 5) < 5


def test_non_finite_weights_are_refused(weights_dir, tmp_path):
    torch = pytest.importorskip("torch")
    from rlministyler.training.model import load_pair
    from rlministyler.training.model.checkpoint import check_finite, save_pair

    actor, builder = load_pair(weights_dir)
    check_finite(actor, "ok")
    with torch.no_grad():
        next(builder.parameters()).view(-1)[0] = float("nan")
    save_pair(actor, builder, tmp_path)
    with pytest.raises(UserError, match="NaN or infinite"):
        load_pair(tmp_path)


def test_a_non_finite_loss_stops_training_in_one_line(tmp_path):
    from rlministyler.training.train.guard import check_losses

    check_losses({"critic": 1.0, "actor": -2.0}, 3, tmp_path)
    with pytest.raises(UserError, match=r"critic loss is nan.*last good checkpoint"):
        check_losses({"critic": float("nan")}, 4, tmp_path)


TRAIN_FAST = [
    "--size",
    "64",
    "--load-size",
    "80",
    "--batch-size",
    "2",
    "--warmup-episodes",
    "1",
    "--vgg-calibration",
    "2",
    "--threads",
    "1",
    "--workers",
    "1",
    "-q",
]


@pytest.fixture(scope="module")
def train_data(tmp_path_factory, data_dir):
    pytest.importorskip("torch")
    root = tmp_path_factory.mktemp("train_data")
    for kind in ("content", "style"):
        (root / kind).mkdir()
        for i, p in enumerate(sorted((data_dir / kind).glob("adain_*"))[:2]):
            cv2.imwrite(str(root / kind / f"{i}.png"), cv2.resize(cv2.imread(str(p)), (80, 80)))
    return root


def train(root: Path, *args, wait: bool = True):
    cmd = [sys.executable, "-m", "rlministyler", "train", *map(str, args), *TRAIN_FAST]
    env = {**os.environ, "RLMINISTYLER_CACHE": str(root / "cache")}
    if not wait:
        return subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)


def test_train_lock_torn_log_and_damaged_vgg_record(train_data, tmp_path):
    import shutil

    dirs = ["--content-dir", train_data / "content", "--style-dir", train_data / "style"]
    run = tmp_path / "run"
    first = train(train_data, *dirs, "--out", run, "--max-updates", "100000", "--log-every", "1", wait=False)
    try:
        deadline = time.monotonic() + 120
        while not (run / ".lock").is_file() or not (run / ".lock").read_text().strip():
            assert time.monotonic() < deadline and first.poll() is None, (
                first.stderr.read() if first.poll() else ""
            )
            time.sleep(0.2)
        second = train(train_data, *dirs, "--out", run, "--max-updates", "4")
        lines = [line for line in second.stderr.splitlines() if line.strip()]
        assert second.returncode == 2 and len(lines) == 1, second.stderr
        assert f"in use by another training (pid {first.pid} " in lines[0]
        log = run / "log.jsonl"
        while not (log.is_file() and log.read_text().strip()):  # trained a little, so there is a log
            assert time.monotonic() < deadline + 180 and first.poll() is None
            time.sleep(0.5)
    finally:
        first.send_signal(signal.SIGINT)  # saves and stops
        first.communicate(timeout=120)
    import json

    done = max(json.loads(line)["update"] for line in (run / "log.jsonl").read_text().splitlines() if line)
    with open(run / "log.jsonl", "a") as f:
        f.write('{"update": 99, "torn')  # what a crash mid-write leaves
    damaged = tmp_path / "damaged"
    shutil.copytree(run, damaged)
    resumed = train(train_data, "--out", run, "--resume", "--max-updates", done + 2)
    assert resumed.returncode == 0, resumed.stderr
    text = (run / "log.jsonl").read_text()
    assert '"torn' not in text and all(json.loads(line) for line in text.splitlines())  # torn line dropped
    vgg = next(damaged.glob("vgg*.pth"), None)
    if vgg is None:
        pytest.skip("this run keeps no VGG record")
    vgg.write_bytes(vgg.read_bytes()[:100])
    proc = train(train_data, "--out", damaged, "--resume", "--max-updates", "1000")
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and "damaged" in lines[0], proc.stderr


def test_a_diverging_training_stops_keeping_the_last_good_checkpoint(train_data, tmp_path):
    run = tmp_path / "run"
    proc = train(
        train_data,
        "--content-dir",
        train_data / "content",
        "--style-dir",
        train_data / "style",
        "--out",
        run,
        "--lr",
        "1e30",
        "--actor-lr",
        "1e30",
        "--max-updates",
        "6",
        "--checkpoint-every",
        "100",
    )
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert "last good checkpoint" in lines[0] and "Traceback" not in proc.stderr
    assert not (run / "latest" / "actor.pth.tar").exists()  # nothing non-finite was saved


# --- 5. exclusive outputs ----------------------------------------------------------------------
def test_partial_names_are_unique_per_process(tmp_path):
    from rlministyler.runtime.sinks import VideoSink

    sink = VideoSink(tmp_path / "o.mp4", 10.0)
    assert str(os.getpid()) in sink.partial.name and sink.partial.parent == tmp_path


def test_train_lock_refuses_a_second_run_naming_the_holder(tmp_path):
    from rlministyler.training.train.guard import RunLock

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from rlministyler.training.train.guard import RunLock; "
            f"RunLock(Path({str(tmp_path)!r})); print('held', flush=True); time.sleep(60)",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(UserError, match=f"in use by another training \\(pid {holder.pid} "):
            RunLock(tmp_path)
    finally:
        holder.kill()
        holder.wait()
    RunLock(tmp_path).release()  # free again once the holder is gone


def test_torn_last_log_line_is_tolerated(tmp_path):
    from rlministyler.training.train.guard import read_log

    log = tmp_path / "log.jsonl"
    log.write_text('{"update": 1}\n{"update": 2}\n{"upda')
    assert [r["update"] for r in read_log(log)] == [1, 2]
    log.write_text('{"update": 1}\ngarbage\n{"update": 3}\n')
    with pytest.raises(UserError, match="line 2 is damaged"):
        read_log(log)


def test_malformed_config_is_one_line(tmp_path):
    pytest.importorskip("torch")
    from rlministyler.training.train.config import TrainConfig

    (tmp_path / "config.json").write_text("[1, 2]")
    with pytest.raises(UserError, match="JSON object"):
        TrainConfig.load(tmp_path)
    (tmp_path / "config.json").write_text('{"size": "big"}')
    with pytest.raises(UserError, match="cannot read"):
        TrainConfig.load(tmp_path)


# --- 6. signals and stuck writers --------------------------------------------------------------
def test_a_stuck_writer_is_abandoned(tmp_path):
    from rlministyler.runtime.sinks import Sink
    from rlministyler.runtime.writer import finish_writer

    class Stuck(Sink):
        target = "stuck.mp4"

        def write(self, frame, image):
            threading.Event().wait()

    class FakePlayer:
        sink = Stuck()
        out_q: queue.Queue = queue.Queue(maxsize=1)

    player = FakePlayer()
    player.out_q.put("frame")
    writer = threading.Thread(target=lambda: player.sink.write(None, None), daemon=True)
    writer.start()
    start = time.monotonic()
    assert finish_writer(player, writer, timeout=0.5) is False
    assert time.monotonic() - start < 5


@pytest.fixture(scope="module")
def baked_model(tmp_path_factory, weights_dir):
    from rlministyler.export.exporter import ExportOptions, export_model

    style = Path(weights_dir).parents[1] / "data" / "style"
    styles = sorted(style.iterdir()) if style.is_dir() else []
    if not styles:
        pytest.skip("no style image in the shared data")
    out = tmp_path_factory.mktemp("hostile") / "baked1.onnx"
    export_model(
        ExportOptions(
            output=out,
            steps=1,
            variant="baked",
            style=styles[0],
            checkpoint=str(weights_dir),
            verify=False,
            quiet=True,
        )
    )
    return out


def _run_command(model: Path, src: Path, out: Path) -> list[str]:
    """``rlministyler run MODEL -i SRC -o OUT`` as a child process, quiet, one thread."""
    return [sys.executable, "-m", "rlministyler", "run", str(model), "-i", str(src), "-o", str(out),
            "-q", "--threads", "1"]


def _frames(path: Path) -> int:
    capture = cv2.VideoCapture(str(path))
    n = 0
    while capture.read()[0]:
        n += 1
    capture.release()
    return n


@pytest.mark.parametrize("signals", [("TERM", "TERM"), ("INT", "TERM", "INT", "TERM")])
def test_signals_while_finalising_still_leave_a_playable_video(baked_model, tmp_path, signals):
    src = tiny_video(tmp_path / "in.avi", frames=400, size=(64, 48))
    out = tmp_path / "out.mp4"
    proc = subprocess.Popen(
        _run_command(baked_model, src, out),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 90
    while not list(tmp_path.glob(".out.*.partial.mp4")) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    assert proc.poll() is None, "finished before it could be interrupted"
    first = time.monotonic()
    for name in signals:
        proc.send_signal(getattr(signal, f"SIG{name}"))
        time.sleep(0.05)
    # then keep signalling through finalising and the report, up to the exit: none may change the code
    while proc.poll() is None and time.monotonic() - first < 15:
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.01)
    stdout, stderr = proc.communicate(timeout=60)
    assert time.monotonic() - first < 15
    assert proc.returncode == 130, stderr
    written = int(stdout.split("wrote ")[1].split(" frame")[0])
    assert 0 < written < 400 and _frames(out) == written
    assert not list(tmp_path.glob(".out.*partial*"))


def test_two_runs_on_one_output_never_corrupt_it(baked_model, tmp_path):
    src = tiny_video(tmp_path / "in.avi", frames=30, size=(64, 48))
    out = tmp_path / "out.mp4"
    cmd = _run_command(baked_model, src, out)
    procs = [
        subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert _frames(out) == 30
    assert not list(tmp_path.glob(".out.*"))


# --- 7. quiet failures -------------------------------------------------------------------------
def test_broken_png_is_one_line_without_library_noise(tmp_path):
    good = png(tmp_path / "good.png", 64, 64).read_bytes()
    broken = tmp_path / "broken.png"
    broken.write_bytes(good[:60] + b"\0" * 40)
    style = png(tmp_path / "s.png")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rlministyler",
            "stylize",
            str(broken),
            "--style",
            str(style),
            "-o",
            str(tmp_path / "o.png"),
            "-q",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a readable image" in lines[0], proc.stderr


def test_a_broken_video_is_one_line_without_ffmpeg_noise(tmp_path):
    good = tiny_video(tmp_path / "v.mp4", frames=10)
    for name, data in (("trunc.mp4", good.read_bytes()[:200]), ("junk.mp4", b"junk" * 100)):
        bad = tmp_path / name
        bad.write_bytes(data)
        code = (
            "import sys; from pathlib import Path; from rlministyler.errors import UserError\n"
            "from rlministyler.runtime.sources import open_source\n"
            f"try: open_source({str(bad)!r})\n"
            "except UserError as e: print(e, file=sys.stderr); sys.exit(2)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={k: v for k, v in os.environ.items() if k != "OPENCV_FFMPEG_LOGLEVEL"},
        )
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and "cannot read video" in lines[0], proc.stderr
