"""``rlministyler batch`` on a local Ray: a folder of images and two short videos (one cut into
segments) gives every output, equal to ``rlministyler run`` within one level; a corrupt file fails
alone; a second run redoes only what is missing (a half-done video's finished segments kept); a
file at an output path that batch did not write is never overwritten; bad setups are one line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("ray")
ROOT = Path(__file__).resolve().parents[1]
FPS = 10


def cli(*args, timeout: int = 420) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAY_DEDUP_LOGS": "0"}
    return subprocess.run([sys.executable, "-m", "rlministyler", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def write_clip(path: Path, frames: list[np.ndarray]) -> None:
    fourcc = "mp4v" if path.suffix == ".mp4" else "MJPG"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), FPS, frames[0].shape[1::-1])
    for frame in frames:
        writer.write(frame)
    writer.release()


def frames_of(path: Path) -> list[np.ndarray]:
    capture, frames = cv2.VideoCapture(str(path)), []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


@pytest.fixture(scope="module")
def setup(tmp_path_factory, weights_dir, data_dir):
    """A split 2-step model, a style, and an input tree: 3 images (one in a subfolder, one JPEG), a
    corrupt image, a 14-frame MP4 (3 segments at --segment-seconds 0.5) and a 4-frame AVI."""
    root = tmp_path_factory.mktemp("batch")
    model = root / "split2.onnx"
    done = cli("export", "--steps", "2", "--variant", "split", "--checkpoint", weights_dir, "--no-verify",
               "-q", "-o", model)
    assert done.returncode == 0, done.stderr
    inputs = root / "in"
    (inputs / "sub").mkdir(parents=True)
    photos = sorted((data_dir / "content").iterdir())[:3]
    for path, name in zip(photos, ("a.png", "b.jpg", "sub/c.png"), strict=True):
        small = cv2.resize(cv2.imread(str(path)), (96, 64), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(inputs / name), small)
    (inputs / "broken.jpg").write_bytes(b"not an image at all")
    capture = cv2.VideoCapture(str(next((data_dir / "video").iterdir())))
    clip = [cv2.resize(capture.read()[1], (96, 64), interpolation=cv2.INTER_AREA) for _ in range(18)]
    write_clip(inputs / "long.mp4", clip[:14])
    write_clip(inputs / "sub" / "short.avi", clip[14:])
    style = sorted((data_dir / "style").iterdir())[0]
    return model, style, inputs


def batch(model, style, inputs, out, *extra):
    return cli("batch", model, inputs, "--style", style, "-o", out, "--segment-seconds", "0.5",
               "--workers", "2", "-q", *extra)


def summary_of(out: Path) -> dict:
    return json.loads((out / ".rlministyler-batch" / "summary.json").read_text())


def test_every_output_equals_run_and_a_corrupt_file_fails_alone(setup, tmp_path):
    model, style, inputs = setup
    out = tmp_path / "out"
    proc = batch(model, style, inputs, out)
    assert proc.returncode == 1, proc.stderr  # one file failed, the rest were done
    assert "broken.jpg" in proc.stdout and "not an image" in proc.stdout and "Traceback" not in proc.stderr
    summary = summary_of(out)
    assert summary["files"] == 6 and summary["work_items"] == 4 + 3 + 1 and len(summary["failures"]) == 1
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if ".rlministyler-batch" not in p.parts
                     and p.is_file())
    assert written == ["a.png", "b.jpg", "long.mp4", "sub/c.png", "sub/short.avi"]
    assert not list((out / ".rlministyler-batch").glob("segments/*/*"))  # joined and cleaned up
    for name in ("a.png", "b.jpg", "sub/c.png", "long.mp4", "sub/short.avi"):
        reference = tmp_path / "run" / name
        reference.parent.mkdir(parents=True, exist_ok=True)
        done = cli("run", model, "-i", inputs / name, "--style", style, "-o", reference, "-q")
        assert done.returncode == 0, done.stderr
        if reference.suffix in (".mp4", ".avi"):
            ours, theirs = frames_of(out / name), frames_of(reference)
            assert len(ours) == len(theirs) == (14 if name == "long.mp4" else 4)  # every frame
        else:
            ours, theirs = [cv2.imread(str(out / name))], [cv2.imread(str(reference))]
        for a, b in zip(ours, theirs, strict=True):
            assert np.abs(a.astype(int) - b.astype(int)).max() <= 1, name


def test_a_second_run_redoes_only_what_is_missing(setup, tmp_path):
    from rlministyler.batch.pipeline import BatchOptions, check_setup
    from rlministyler.batch.segments import plan_segments, probe, segment_work_folder
    from rlministyler.batch.workers import SegmentWorker

    model, style, inputs = setup
    out = tmp_path / "out"
    assert batch(model, style, inputs, out).returncode == 1
    untouched = (out / "b.jpg", out / "sub" / "c.png", out / "sub" / "short.avi")
    kept = {p: p.stat().st_mtime_ns for p in untouched}
    (out / "a.png").unlink()  # gone: redone
    (out / "long.mp4").unlink()  # and this video half done: its first segment finished, then a stop
    records = out / ".rlministyler-batch" / "done"
    for record in records.iterdir():
        if json.loads(record.read_text())["output"] == "long.mp4":
            key = json.loads(record.read_text())["key"]
            record.unlink()
    frames, fps = probe(inputs / "long.mp4")
    segments = plan_segments(inputs / "long.mp4", frames, fps, 0.5, 8, segment_work_folder(out, key))
    opts = BatchOptions(model, [str(inputs)], out, style)
    worker = type("Bound", (SegmentWorker,), {"setup": check_setup(opts)})()
    first = segments[0]
    row = worker({"input": np.array([str(first.video)]), "folder": np.array([str(first.folder)]),
                  "output": np.array(["long.mp4"]), "index": np.array([0]), "start": np.array([first.start]),
                  "stop": np.array([first.stop]), "overlap": np.array([8])})
    assert row["status"][0] == "done" and first.is_complete()
    (segments[1].folder).mkdir(parents=True)  # a second segment half written: redone whole
    cv2.imwrite(str(segments[1].folder / "000000.png"), np.zeros((64, 96, 3), np.uint8))

    proc = batch(model, style, inputs, out)
    assert proc.returncode == 1, proc.stderr
    summary = summary_of(out)
    assert summary["skipped"] == 3 and summary["work_items"] == 2 + 2  # a.png, broken.jpg; segments 2, 3
    assert len(frames_of(out / "long.mp4")) == 14 and (out / "a.png").is_file()
    assert {p: p.stat().st_mtime_ns for p in kept} == kept  # what was done is not rewritten


def test_a_file_batch_did_not_write_is_never_overwritten(setup, tmp_path):
    model, style, inputs = setup
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "sub" / "c.png").write_bytes(b"the user's own file")
    proc = batch(model, style, inputs, out)
    assert proc.returncode == 1
    assert (out / "sub" / "c.png").read_bytes() == b"the user's own file"
    assert "sub/c.png: exists and was not written by rlministyler batch" in proc.stdout
    assert (out / "a.png").is_file()  # the rest go on


@pytest.mark.parametrize(("case", "needle"), [
    ("inside", "inside the INPUT input"),
    ("missing", "input not found"),
    ("model", "model not found"),
])
def test_bad_setups_are_one_line_before_any_work(setup, tmp_path, case, needle):
    model, style, inputs = setup
    out = {"inside": inputs / "styled", "missing": tmp_path / "o", "model": tmp_path / "o"}[case]
    source = tmp_path / "nothing-here" if case == "missing" else inputs
    chosen = tmp_path / "no.onnx" if case == "model" else model
    proc = cli("batch", chosen, source, "--style", style, "-o", out)
    assert proc.returncode == 2 and needle in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()
    shutil.rmtree(tmp_path / "o", ignore_errors=True)
