"""Hostile and careless input, second round: outputs that are not what they seem, the operating
system's limits, models that disagree with themselves, damaged checkpoints, numbers and paths
checked up front, and messages that name the real problem.

Every case runs the real command (``rlministyler.cli.main`` in this process, or ``python -m
rlministyler`` where the process itself is the subject: its stdout, a hang, a crash) on real files
built here, and asserts exit code 2, one line on stderr naming the problem, no traceback, and that
no user file changed. Nothing here touches a path outside its temporary folder."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from rlministyler.cli import main

ROOT = Path(__file__).resolve().parents[1]
LONG = "x" * 300  # longer than any file system's name limit (255 bytes on Linux file systems)


# --- helpers -------------------------------------------------------------------------------------
def png(path: Path, h: int = 16, w: int = 16, seed: int = 0) -> Path:
    cv2.imwrite(str(path), np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8))
    return path


def one_line(capsys, code: int, *needles: str) -> str:
    """Exit code 2 and exactly one line on stderr holding every needle."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert "Traceback" not in err and len(lines) == 1 and ": error: " in lines[0], err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def cli(*argv: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120,
        **popen) -> subprocess.CompletedProcess:
    """``python -m rlministyler ARGV`` as a child process (a hang fails the test, never CI)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "rlministyler", *argv], cwd=cwd or ROOT, env=full_env,
                          timeout=timeout, text=True, **({"capture_output": True} | popen))


def child_one_line(proc: subprocess.CompletedProcess, *needles: str) -> str:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def kinds(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every path under ``folder``: its kind (file, dir, FIFO, device...) and a regular file's bytes."""
    out = {}
    for p in sorted(folder.rglob("*")):
        mode = os.lstat(p).st_mode
        out[str(p.relative_to(folder))] = (stat.S_IFMT(mode), p.read_bytes() if stat.S_ISREG(mode) else None)
    return out


def set_metadata(src: Path, dst: Path, **changes) -> Path:
    """A copy of the model ``src`` at ``dst`` whose embedded metadata has ``changes``."""
    import onnx

    model = onnx.load(str(src))
    for prop in model.metadata_props:
        if prop.key == "rlministyler":
            prop.value = json.dumps({**json.loads(prop.value), **changes})
    onnx.save(model, str(dst))
    return dst


@pytest.fixture(scope="module")
def exported(tmp_path_factory, weights_dir):
    """A baked one-step model and a split two-step (all steps) model, exported once."""
    from rlministyler.export.exporter import ExportOptions, export_model

    styles = sorted((Path(weights_dir).parents[1] / "data" / "style").glob("*.jpg"))
    if not styles:
        pytest.skip("no style image in the shared data")
    folder = tmp_path_factory.mktemp("models2")
    common = dict(checkpoint=str(weights_dir), verify=False, quiet=True)
    export_model(ExportOptions(output=folder / "baked1.onnx", steps=1, variant="baked", style=styles[0],
                               **common))
    export_model(ExportOptions(output=folder / "split2.onnx", steps=2, all_steps=True, variant="split",
                               **common))
    return {"baked": folder / "baked1.onnx", "split": folder / "split2.onnx", "style": styles[0]}


@pytest.fixture
def baked(exported, tmp_path):
    """The baked model and a content image in a fresh folder."""
    model = tmp_path / "baked1.onnx"
    shutil.copy(exported["baked"], model)
    return model, png(tmp_path / "a.png")


# --- 3. outputs that are not what they seem ------------------------------------------------------
def _special(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "special"
    if kind == "fifo":
        os.mkfifo(path)
    else:  # a character device like /dev/null, made here (as root) so no real one is at stake
        try:
            os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("making a device node needs root")
    return path


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_stats_json_onto_a_special_file_is_refused(baked, tmp_path, capsys, kind):
    model, image = baked
    target = _special(tmp_path, kind)
    before = kinds(tmp_path)
    code = main(["run", str(model), "-i", str(image), "-o", str(tmp_path / "o.png"), "-q",
                 "--stats-json", str(target)])
    one_line(capsys, code, "--stats-json", "not a regular file")
    assert kinds(tmp_path) == before


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_an_image_output_onto_a_special_file_is_refused(baked, tmp_path, capsys, kind):
    model, image = baked
    target = _special(tmp_path, kind).rename(tmp_path / "special.png")
    before = kinds(tmp_path)
    code = main(["run", str(model), "-i", str(image), "-o", str(target), "-q"])
    one_line(capsys, code, "-o", "not a regular file")
    assert kinds(tmp_path) == before


def test_stylize_output_onto_a_fifo_is_refused(tmp_path, capsys):
    content, style = png(tmp_path / "c.png"), png(tmp_path / "s.png", seed=1)
    os.mkfifo(tmp_path / "out.png")
    before = kinds(tmp_path)
    code = main(["stylize", str(content), "--style", str(style), "-o", str(tmp_path / "out.png"), "-q"])
    one_line(capsys, code, "not a regular file")
    assert kinds(tmp_path) == before


def test_stats_json_equal_to_the_output_is_refused(baked, tmp_path, capsys):
    model, image = baked
    out = tmp_path / "o.png"
    code = main(["run", str(model), "-i", str(image), "-o", str(out), "-q", "--stats-json",
                 str(tmp_path / "." / "o.png")])
    one_line(capsys, code, "--stats-json", "-o", "same file")
    assert not out.exists()


def test_images_that_share_a_name_are_refused_before_a_folder_output(baked, tmp_path, capsys):
    model, _ = baked
    folder = tmp_path / "in"
    folder.mkdir()
    for seed, ext in enumerate((".png", ".jpg", ".webp")):
        png(folder / f"a{ext}", seed=seed)
    before = kinds(tmp_path)
    code = main(["run", str(model), "-i", str(folder), "-o", str(tmp_path / "out"), "-q"])
    one_line(capsys, code, "a.jpg", "a.png")
    assert kinds(tmp_path) == before  # no output folder made, nothing written


def test_a_split_export_whose_style_file_is_a_folder_writes_nothing(weights_dir, tmp_path, capsys):
    (tmp_path / "m_style.onnx").mkdir()
    before = kinds(tmp_path)
    code = main(["export", "--steps", "1", "--variant", "split", "--checkpoint", str(weights_dir),
                 "--no-verify", "-q", "-o", str(tmp_path / "m.onnx")])
    one_line(capsys, code, "m_style.onnx", "directory")
    assert kinds(tmp_path) == before


def test_an_export_onto_a_fifo_is_refused(weights_dir, tmp_path, capsys):
    os.mkfifo(tmp_path / "m.onnx")
    before = kinds(tmp_path)
    code = main(["export", "--steps", "1", "--checkpoint", str(weights_dir), "--no-verify", "-q",
                 "-o", str(tmp_path / "m.onnx")])
    one_line(capsys, code, "m.onnx", "not a regular file")
    assert kinds(tmp_path) == before


def test_a_multi_file_write_checks_every_target_before_renaming_any(tmp_path):
    from rlministyler.errors import UserError
    from rlministyler.safety import write_all

    (tmp_path / "b").mkdir()
    (tmp_path / "a").write_text("old")
    with pytest.raises(UserError):
        write_all({tmp_path / "a": lambda p: p.write_text("new"),
                   tmp_path / "b": lambda p: p.write_text("new")})
    assert (tmp_path / "a").read_text() == "old" and (tmp_path / "b").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


# --- 4. limits of the operating system -----------------------------------------------------------
@pytest.mark.parametrize("case", ["run -o", "run -i", "run model", "run --stats-json", "stylize -o",
                                  "stylize content", "export -o", "check-unity", "bench -o"])
def test_a_name_longer_than_the_file_system_allows_is_one_line(baked, tmp_path, capsys, case):
    model, image = baked
    style = png(tmp_path / "s.png", seed=1)
    long_png, long_onnx = str(tmp_path / f"{LONG}.png"), str(tmp_path / f"{LONG}.onnx")
    argv = {
        "run -o": ["run", str(model), "-i", str(image), "-o", long_png, "-q"],
        "run -i": ["run", str(model), "-i", long_png, "-o", str(tmp_path / "o.png"), "-q"],
        "run model": ["run", long_onnx, "-i", str(image), "-o", str(tmp_path / "o.png"), "-q"],
        "run --stats-json": ["run", str(model), "-i", str(image), "-o", str(tmp_path / "o.png"), "-q",
                             "--stats-json", str(tmp_path / f"{LONG}.json")],
        "stylize -o": ["stylize", str(image), "--style", str(style), "-o", long_png, "-q"],
        "stylize content": ["stylize", long_png, "--style", str(style), "-o", str(tmp_path / "o.png"), "-q"],
        "export -o": ["export", "--steps", "1", "--no-verify", "-q", "-o", long_onnx],
        "check-unity": ["check-unity", long_onnx],
        "bench -o": ["bench", "--quick", "-o", str(tmp_path / LONG)],
    }[case]
    before = kinds(tmp_path)
    code = main(argv)
    one_line(capsys, code, "too long")
    assert kinds(tmp_path) == before


def test_a_name_that_fits_only_without_the_temporary_suffix_is_refused_up_front(baked, tmp_path, capsys):
    """The output is written through ``.NAME.PID.tmp``: a 250-byte name fits, its temporary does not."""
    model, image = baked
    code = main(["run", str(model), "-i", str(image), "-o", str(tmp_path / ("y" * 246 + ".png")), "-q"])
    one_line(capsys, code, "too long")


def test_a_full_stdout_is_one_line_and_the_work_is_kept(baked, tmp_path):
    model, image = baked
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        proc = cli("run", str(model), "-i", str(image), "-o", str(tmp_path / "o.png"), "-q",
                   stdout=full, stderr=subprocess.PIPE, capture_output=False)
    child_one_line(proc, "standard output", "No space left")
    assert cv2.imread(str(tmp_path / "o.png")) is not None


def test_a_full_stderr_loses_only_the_progress(baked, tmp_path):
    """Progress and statistics go to stderr: when it is full the work is done and kept all the same,
    and a bad input still exits 2 (its one line has nowhere to go), never 1 from a traceback."""
    model, image = baked
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        done = cli("run", str(model), "-i", str(image), "-o", str(tmp_path / "o.png"),
                   stdout=subprocess.PIPE, stderr=full, capture_output=False)
        bad = cli("run", str(model), "-i", str(tmp_path / "missing.png"), "-o", str(tmp_path / "p.png"),
                  stdout=subprocess.PIPE, stderr=full, capture_output=False)
    assert done.returncode == 0 and "wrote 1 frame" in done.stdout
    assert cv2.imread(str(tmp_path / "o.png")) is not None
    assert bad.returncode == 2 and not (tmp_path / "p.png").exists()


def test_help_into_a_full_stdout_is_not_a_success():
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        proc = cli("--help", stdout=full, stderr=subprocess.PIPE, capture_output=False)
    child_one_line(proc, "standard output")


@pytest.mark.parametrize("command", ["run", "check-unity"])
def test_a_closed_pipe_on_stdout_is_a_quiet_failure(baked, tmp_path, command):
    model, image = baked
    read, write = os.pipe()
    os.close(read)  # the reader is gone, as with `| true`
    argv = (["run", str(model), "-i", str(image), "-o", str(tmp_path / "o.png"), "-q"] if command == "run"
            else ["check-unity", str(model)])
    try:
        proc = cli(*argv, stdout=write, stderr=subprocess.PIPE, capture_output=False)
    finally:
        os.close(write)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception" not in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 1, proc.stderr


# --- 5. models that disagree with themselves -----------------------------------------------------
@pytest.fixture
def split_copy(exported, tmp_path):
    """The split pair copied under its own names into a fresh folder."""
    folder = tmp_path / "split"
    folder.mkdir()
    for name in ("split2.onnx", "split2_style.onnx", "split2.json"):
        shutil.copy(exported["split"].with_name(name), folder / name)
    return folder / "split2.onnx", exported["style"]


def _identity_model(path: Path, name: str = "style") -> Path:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Identity", [name], ["y"])], "g",
                              [helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 3, "h", "w"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, "h", "w"])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))
    return path


@pytest.mark.parametrize("encoder", ["frame model", "another network", "a baked model"])
def test_a_split_pair_with_a_foreign_style_encoder_is_one_line(split_copy, exported, tmp_path, capsys,
                                                              encoder):
    model, style = split_copy
    target = model.with_name("split2_style.onnx")
    if encoder == "frame model":
        shutil.copy(model, target)
    elif encoder == "another network":
        _identity_model(target)
    else:
        shutil.copy(exported["baked"], target)
    image = png(tmp_path / "a.png")
    code = main(["run", str(model), "-i", str(image), "--style", str(style), "-o", str(tmp_path / "o.png"),
                 "-q"])
    one_line(capsys, code, "split2_style.onnx", "style encoder")
    assert not (tmp_path / "o.png").exists()


@pytest.mark.parametrize("changes, needle", [
    ({"steps": 5}, "claims step 5"),
    ({"steps": 9,
      "outputs": [{"name": "step_9", "shape": [1, 3, "h", "w"], "dtype": "float32", "step": 9}]}, "step_9"),
    ({"size_multiple": 0}, "size_multiple"),
    ({"size_multiple": 7}, "size_multiple"),
    ({"min_size": 0}, "min_size"),
])
def test_metadata_that_disagrees_with_the_graph_is_refused_when_the_model_opens(baked, tmp_path, capsys,
                                                                                changes, needle):
    model, image = baked
    edited = set_metadata(model, tmp_path / "edited.onnx", **changes)
    code = main(["run", str(edited), "-i", str(image), "-o", str(tmp_path / "o.png"), "-q"])
    one_line(capsys, code, "edited.onnx", needle)
    assert not (tmp_path / "o.png").exists()


def test_the_metadata_reader_refuses_a_bad_size_multiple(baked):
    from rlministyler.runtime.metadata import read_model_info

    from rlministyler.errors import UserError

    model, _ = baked
    for value in (0, 7, -4):
        with pytest.raises(UserError, match="size_multiple"):
            read_model_info(set_metadata(model, model.with_name(f"m{value}.onnx"), size_multiple=value))


# --- 6. checkpoints ------------------------------------------------------------------------------
def _checkpoint(folder: Path, weights_dir: Path, edit) -> Path:
    import torch

    folder.mkdir()
    state = torch.load(weights_dir / "actor.pth.tar", map_location="cpu", weights_only=True)
    torch.save(edit(state), folder / "actor.pth.tar")
    shutil.copy(weights_dir / "builder.pth.tar", folder / "builder.pth.tar")
    return folder


class _Payload:
    def __reduce__(self):
        return (print, ("this must never run",))


@pytest.mark.parametrize("case, needle", [
    ("mixed keys", "key"),
    ("only a foreign key", "key"),
    ("complex", "complex"),
    ("integer", "int64"),
    ("pickle", "not plain tensors"),
])
def test_a_damaged_checkpoint_is_one_line_of_ours(weights_dir, tmp_path, case, needle):
    import torch

    edit = {
        "mixed keys": lambda s: {**s, 3: torch.zeros(1), (1, 2): torch.zeros(1)},
        "only a foreign key": lambda s: {**{k: v for k, v in list(s.items())[1:]}, 7: next(iter(s.values()))},
        "complex": lambda s: {k: v.to(torch.complex64) for k, v in s.items()},
        "integer": lambda s: {k: v.to(torch.int64) for k, v in s.items()},
        "pickle": lambda s: {**s, "extra": _Payload()},
    }[case]
    folder = _checkpoint(tmp_path / "ck", weights_dir, edit)
    content = png(tmp_path / "c.png")
    proc = cli("stylize", str(content), "--style", str(content), "--checkpoint", str(folder), "-q",
               "-o", str(tmp_path / "o.png"))
    line = child_one_line(proc, needle, "actor.pth.tar")
    assert "\x1b[" not in line and "Warning" not in proc.stderr and "must never run" not in proc.stdout
    assert not (tmp_path / "o.png").exists()


# --- 7. numbers and paths checked up front -------------------------------------------------------
@pytest.mark.parametrize("argv, needle", [
    (["export", "--steps", "1", "--internal-scale", "0", "-o", "m.onnx"], "--internal-scale"),
    (["export", "--steps", "1", "--internal-scale", "nan", "-o", "m.onnx"], "--internal-scale"),
    (["export", "--steps", "1", "--internal-scale", "1e-320", "-o", "m.onnx"], "--internal-scale"),
    (["export", "--steps", "1", "--internal-scale", "0.3", "-o", "m.onnx"], "--internal-scale"),
    (["run", "m.onnx", "-i", "x.png", "--target-fps", "inf"], "--target-fps"),
    (["run", "m.onnx", "-i", "x.png", "--temporal-weight", "1"], "--temporal-weight"),
    (["batch", "m.onnx", "x.png", "-o", "out", "--temporal-weight", "-0.1"], "--temporal-weight"),
    (["bench", "--threads", "100000", "-o", "b"], "--threads"),
    (["bench", "--threads", "-1", "-o", "b"], "--threads"),
])
def test_numbers_are_refused_by_the_parser(tmp_path, argv, needle):
    """Refused as a usage error, before anything is loaded or started (no checkpoint is set)."""
    proc = cli(*argv, cwd=tmp_path, env={"RLMINISTYLER_CHECKPOINT": str(tmp_path / "none")}, timeout=60)
    line = child_one_line(proc, needle, "argument")
    assert "see --help" in line and not list(tmp_path.iterdir())


def test_bench_models_naming_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "models").write_text("not a folder")
    before = kinds(tmp_path)
    code = main(["bench", "--quick", "-o", str(tmp_path / "out"), "--models", str(tmp_path / "models")])
    one_line(capsys, code, "--models")
    assert kinds(tmp_path) == before


@pytest.fixture
def train_folders(tmp_path):
    content, style = tmp_path / "content", tmp_path / "style"
    content.mkdir()
    style.mkdir()
    png(content / "c.png", 64, 64)
    png(style / "s.png", 64, 64, seed=1)
    return content, style


@pytest.mark.parametrize("where", ["under a file", "inside the content folder", "inside the style folder"])
def test_train_out_is_checked_before_any_work(tmp_path, capsys, train_folders, where):
    content, style = train_folders
    (tmp_path / "file").write_text("x")
    out = {"under a file": tmp_path / "file" / "run", "inside the content folder": content / "run",
           "inside the style folder": style}[where]
    before = kinds(tmp_path)
    code = main(["train", "--content-dir", str(content), "--style-dir", str(style), "--out", str(out),
                 "--max-updates", "1", "-q"])
    one_line(capsys, code, "--out")
    assert kinds(tmp_path) == before


def test_check_unity_on_a_fifo_is_refused_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "m.onnx")
    proc = cli("check-unity", str(tmp_path / "m.onnx"), timeout=60)
    child_one_line(proc, "FIFO")


@pytest.mark.parametrize("ext", [".tif", ".tiff"])
def test_run_reads_a_single_frame_tiff_as_stylize_does(baked, tmp_path, capsys, ext):
    model, _ = baked
    image = png(tmp_path / "a.png")
    tiff = tmp_path / f"a{ext}"
    cv2.imwrite(str(tiff), cv2.imread(str(image)))
    assert main(["run", str(model), "-i", str(tiff), "-o", str(tmp_path / "o.png"), "-q"]) == 0
    assert cv2.imread(str(tmp_path / "o.png")).shape == (16, 16, 3)


# --- 8. messages that name the real problem ------------------------------------------------------
def test_a_checkpoint_variable_naming_a_file_says_so(tmp_path, monkeypatch, capsys):
    content = png(tmp_path / "c.png")
    monkeypatch.setenv("RLMINISTYLER_CHECKPOINT", str(content))
    code = main(["stylize", str(content), "--style", str(content), "-o", str(tmp_path / "o.png"), "-q"])
    line = one_line(capsys, code, "RLMINISTYLER_CHECKPOINT", "is a file")
    assert "does not exist" not in line


def test_a_checkpoint_file_that_is_a_fifo_says_so(weights_dir, tmp_path, capsys):
    folder = tmp_path / "ck"
    folder.mkdir()
    os.mkfifo(folder / "actor.pth.tar")
    shutil.copy(weights_dir / "builder.pth.tar", folder)
    content = png(tmp_path / "c.png")
    code = main(["stylize", str(content), "--style", str(content), "--checkpoint", str(folder), "-q",
                 "-o", str(tmp_path / "o.png")])
    line = one_line(capsys, code, "actor.pth.tar", "FIFO")
    assert "not found" not in line


@pytest.mark.parametrize("command", ["stylize", "export"])
def test_a_fifo_model_says_fifo(tmp_path, capsys, command):
    os.mkfifo(tmp_path / "model.pth.tar")
    content = png(tmp_path / "c.png")
    argv = {"stylize": ["stylize", str(content), "--style", str(content), "-o", str(tmp_path / "o.png")],
            "export": ["export", "--steps", "1", "-o", str(tmp_path / "m.onnx")]}[command]
    code = main([*argv, "--model", str(tmp_path / "model.pth.tar"), "-q"])
    line = one_line(capsys, code, "FIFO")
    assert "not found" not in line


def test_a_zero_frame_video_claims_nothing_written(baked, tmp_path):
    model, _ = baked
    video = tmp_path / "zero.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (32, 24))
    writer.release()
    out = tmp_path / "out.mp4"
    proc = cli("run", str(model), "-i", str(video), "-o", str(out), "-q")
    line = child_one_line(proc, "nothing was written")
    assert "wrote 0" not in proc.stdout and "were kept" not in line and not out.exists()


@pytest.mark.parametrize("name", ["x.xyz", "clip.mp5"])
def test_an_unknown_output_extension_is_refused(baked, tmp_path, capsys, name):
    model, image = baked
    before = kinds(tmp_path)
    code = main(["run", str(model), "-i", str(image), "-o", str(tmp_path / name), "-q"])
    one_line(capsys, code, Path(name).suffix)
    assert kinds(tmp_path) == before


def test_an_existing_folder_with_a_dot_is_still_a_folder_output(baked, tmp_path, capsys):
    model, image = baked
    (tmp_path / "out.v2").mkdir()
    assert main(["run", str(model), "-i", str(image), "-o", str(tmp_path / "out.v2"), "-q"]) == 0
    assert (tmp_path / "out.v2" / "a.png").is_file()


# --- more of the same mechanisms -----------------------------------------------------------------
def test_a_fifo_inside_a_folder_output_is_never_renamed_over(baked, tmp_path):
    """The folder output itself is fine; the image written into it would replace a FIFO."""
    model, image = baked
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "a.png")
    proc = cli("run", str(model), "-i", str(image), "-o", str(out), "-q", timeout=120)
    child_one_line(proc, "a.png", "not a regular file")
    assert stat.S_ISFIFO(os.lstat(out / "a.png").st_mode)


def test_a_split_model_whose_style_encoder_is_a_fifo_says_so(split_copy, tmp_path):
    model, style = split_copy
    encoder = model.with_name("split2_style.onnx")
    encoder.unlink()
    os.mkfifo(encoder)
    image = png(tmp_path / "a.png")
    proc = cli("run", str(model), "-i", str(image), "--style", str(style), "-o", str(tmp_path / "o.png"),
               "-q", timeout=120)
    child_one_line(proc, "style encoder", "FIFO")


def test_a_tiff_claiming_too_many_pixels_is_refused_before_decoding(tmp_path, capsys):
    import struct

    tiff = tmp_path / "big.tif"
    entries = [(256, 4, 1, 60000), (257, 4, 1, 60000), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 2),
               (273, 4, 1, 8), (277, 3, 1, 3), (279, 4, 1, 16)]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHI", tag, kind, count) + (struct.pack("<HH", value, 0) if kind == 3
                                                   else struct.pack("<I", value))
        for tag, kind, count, value in entries) + b"\0\0\0\0"
    tiff.write_bytes(b"II*\0" + struct.pack("<I", 24) + b"\0" * 16 + ifd)
    style = png(tmp_path / "s.png")
    code = main(["stylize", str(tiff), "--style", str(style), "-o", str(tmp_path / "o.png"), "-q"])
    one_line(capsys, code, "60000x60000")
