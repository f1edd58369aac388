"""The command line as a user runs it: outputs, naming, sizes, errors and help."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rlministyler.images import read_image

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "rlministyler", *map(str, args)], cwd=cwd,
                          env=full_env, capture_output=True, text=True, timeout=300)


def assert_one_line_error(proc: subprocess.CompletedProcess, needle: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert needle in lines[0], lines[0]


@pytest.fixture(scope="module")
def small_inputs(tmp_path_factory, data_dir):
    """A 70x93 content (not a multiple of 4) and a small style, as real image files."""
    import cv2

    folder = tmp_path_factory.mktemp("inputs")
    content = cv2.imread(str(data_dir / "content" / "adain_chicago.jpg"))
    style = cv2.imread(str(data_dir / "style" / "adain_mondrian.jpg"))
    cv2.imwrite(str(folder / "chicago.png"), cv2.resize(content, (93, 70), interpolation=cv2.INTER_AREA))
    cv2.imwrite(str(folder / "sail.webp"), cv2.resize(content, (64, 48), interpolation=cv2.INTER_AREA))
    cv2.imwrite(str(folder / "mondrian.bmp"), cv2.resize(style, (80, 80), interpolation=cv2.INTER_AREA))
    return folder


@pytest.fixture()
def env(weights_dir):
    return {"RLMINISTYLER_CHECKPOINT": str(weights_dir)}


def test_single_output_file_matches_the_api(small_inputs, tmp_path, env, stylizer):
    out = tmp_path / "result.png"
    proc = cli("stylize", small_inputs / "chicago.png", "--style", small_inputs / "mondrian.bmp",
               "--steps", "3", "-q", "-o", out, env=env)
    assert proc.returncode == 0, proc.stderr
    assert str(out) in proc.stdout
    written = read_image(out)
    assert written.shape == (70, 93, 3)
    from rlministyler.training.sequence import to_array, to_tensor

    expected = to_array(stylizer.sequence(to_tensor(read_image(small_inputs / "chicago.png")),
                                          to_tensor(read_image(small_inputs / "mondrian.bmp")),
                                          steps=[3])[3])
    expected8 = np.floor(np.clip(expected, 0, 1) * 255 + 0.5) / 255
    assert np.abs(written - expected8).max() <= 1 / 255 + 1e-6
    assert np.mean(written == expected8) > 0.99


def test_directory_output_names_steps_and_writes_sheets(small_inputs, tmp_path, env):
    out = tmp_path / "out"
    proc = cli("stylize", small_inputs / "chicago.png", small_inputs / "sail.webp",
               "--style", small_inputs / "mondrian.bmp", "--steps", "1,5,10", "--sheet", "-q",
               "-o", out, env=env)
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"{stem}_step{k}.png" for stem in ("chicago", "sail") for k in (1, 5, 10)]
                           + ["chicago_sheet.png", "sail_sheet.png"])
    assert read_image(out / "sail_step10.png").shape == (48, 64, 3)
    sheet = read_image(out / "chicago_sheet.png")
    assert sheet.shape[0] > 256 and sheet.shape[1] > 5 * 256  # content, style and 3 steps
    assert "wrote 8 file(s)" in proc.stdout
    step1, step10 = read_image(out / "chicago_step1.png"), read_image(out / "chicago_step10.png")
    assert np.abs(step1 - step10).mean() > 0.02  # the sequence progresses


def test_size_scales_the_shorter_side(small_inputs, tmp_path, env):
    out = tmp_path / "big.jpg"
    proc = cli("stylize", small_inputs / "chicago.png", "--style", small_inputs / "mondrian.bmp",
               "--size", "100", "-q", "-o", out, env=env)
    assert proc.returncode == 0, proc.stderr
    assert read_image(out).shape == (100, 133, 3)


def test_stochastic_seed_is_repeatable(small_inputs, tmp_path, env):
    paths = []
    for name, seed in (("a.png", "4"), ("b.png", "4"), ("c.png", "5")):
        proc = cli("stylize", small_inputs / "chicago.png", "--style", small_inputs / "mondrian.bmp",
                   "--stochastic", "--seed", seed, "-q", "-o", tmp_path / name, env=env)
        assert proc.returncode == 0, proc.stderr
        paths.append(read_image(tmp_path / name))
    assert np.array_equal(paths[0], paths[1])
    assert not np.array_equal(paths[0], paths[2])


def test_checkpoint_flag_beats_environment(small_inputs, tmp_path, weights_dir):
    proc = cli("stylize", small_inputs / "chicago.png", "--style", small_inputs / "mondrian.bmp",
               "--checkpoint", weights_dir, "-q", "-o", tmp_path / "x.png",
               env={"RLMINISTYLER_CHECKPOINT": str(tmp_path / "nowhere")})
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(("args", "needle"), [
    (["--steps", "0"], "step 0 is out of range"),
    (["--steps", "65"], "step 65 is out of range"),
    (["--steps", "1-x"], "invalid steps"),
    (["--size", "-3"], "expected 0 or more"),
    (["--seed", "3"], "--seed only applies to --stochastic"),
    (["--device", "tpu"], "unknown device"),
])
def test_bad_options(small_inputs, tmp_path, env, args, needle):
    proc = cli("stylize", small_inputs / "chicago.png", "--style", small_inputs / "mondrian.bmp",
               *args, "-o", tmp_path / "x.png", env=env)
    assert_one_line_error(proc, needle)
    assert not (tmp_path / "x.png").exists()


def test_missing_and_unreadable_images(small_inputs, tmp_path, env):
    proc = cli("stylize", tmp_path / "nope.jpg", "--style", small_inputs / "mondrian.bmp",
               "-o", tmp_path / "x.png", env=env)
    assert_one_line_error(proc, "image not found")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    proc = cli("stylize", small_inputs / "chicago.png", "--style", tmp_path / "broken.png",
               "-o", tmp_path / "x.png", env=env)
    assert_one_line_error(proc, "not a readable image")


def test_corrupt_and_missing_checkpoints(small_inputs, tmp_path, weights_dir):
    bad = tmp_path / "ckpt"
    bad.mkdir()
    (bad / "actor.pth.tar").write_bytes(b"garbage")
    (bad / "builder.pth.tar").write_bytes((weights_dir / "builder.pth.tar").read_bytes())
    args = ["stylize", small_inputs / "chicago.png", "--style", small_inputs / "mondrian.bmp",
            "-o", tmp_path / "x.png"]
    assert_one_line_error(cli(*args, "--checkpoint", bad), "corrupt or unreadable checkpoint")
    assert_one_line_error(cli(*args, "--checkpoint", tmp_path / "none"), "rlministyler weights download")
    proc = cli(*args, env={"RLMINISTYLER_CHECKPOINT": "", "RLMINISTYLER_CACHE": str(tmp_path / "c")})
    assert_one_line_error(proc, "rlministyler weights download")


def test_unwritable_outputs(small_inputs, tmp_path, env):
    base = ["stylize", small_inputs / "chicago.png", "--style", small_inputs / "mondrian.bmp"]
    assert_one_line_error(cli(*base, "-o", tmp_path / "x.gif", env=env), "cannot write")
    (tmp_path / "plain").write_text("a file")
    assert_one_line_error(cli(*base, "--steps", "1,2", "-o", tmp_path / "plain", env=env),
                          "is not a directory")
    assert_one_line_error(cli(*base, "--steps", "1,2", "-o", tmp_path / "x.png", env=env),
                          "give a directory")
    assert_one_line_error(cli(*base, "-o", tmp_path / "plain" / "x.png", env=env), "not a directory")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert_one_line_error(cli(*base, "-o", locked / "x.png", env=env), "not writable")


def test_duplicate_stems_are_refused(small_inputs, tmp_path, env):
    other = tmp_path / "b"
    other.mkdir()
    (other / "chicago.png").write_bytes((small_inputs / "chicago.png").read_bytes())
    proc = cli("stylize", small_inputs / "chicago.png", other / "chicago.png", "--style",
               small_inputs / "mondrian.bmp", "-o", tmp_path / "out", env=env)
    assert_one_line_error(proc, "share the name")


def test_weights_show(weights_dir):
    proc = cli("weights", "show", "--checkpoint", weights_dir)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("official (sha256 ok)") == 2


@pytest.mark.parametrize("args", [[], ["stylize"], ["weights"], ["weights", "download"],
                                  ["weights", "show"]])
def test_help_is_available(args):
    proc = cli(*args, "--help")
    assert proc.returncode == 0
    assert "usage: rlministyler" in proc.stdout


def test_no_command_prints_help_and_fails():
    proc = cli()
    assert proc.returncode == 2 and "stylize" in proc.stdout


def test_help_does_not_load_torch():
    code = ("import sys; from rlministyler.cli import build_parser; build_parser(); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "False"


def test_each_package_registers_its_own_subcommands():
    import argparse

    from rlministyler.batch import cli as batch_cli
    from rlministyler.benchmarks import cli as bench_cli
    from rlministyler.export import cli as export_cli
    from rlministyler.runtime import cli as run_cli
    from rlministyler.training import cli as training_cli
    from rlministyler.web import cli as web_cli

    from rlministyler.argtypes import Parser
    from rlministyler.cli import build_parser

    registered = {}
    for name, register in (("training", training_cli.add_parsers), ("export", export_cli.add_parsers),
                           ("runtime", run_cli.add_parsers), ("bench", bench_cli.add_parsers),
                           ("web", web_cli.add_parsers), ("batch", batch_cli.add_parser)):
        sub = argparse.ArgumentParser().add_subparsers(parser_class=Parser)
        register(sub)
        registered[name] = set(sub.choices)
    assert registered == {"training": {"stylize", "train", "distill", "weights"},
                          "export": {"export", "check-unity"}, "runtime": {"run"}, "bench": {"bench"},
                          "web": {"web"}, "batch": {"batch"}}
    main_sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(main_sub.choices) == set().union(*registered.values())


def test_train_help_shows_the_config_defaults():
    """The train options' defaults in --help come from TrainConfig, not from retyped numbers."""
    import argparse

    from rlministyler.training.train.config import TrainConfig

    from rlministyler.cli import build_parser

    config = TrainConfig()
    main_sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    shown = 0
    for action in main_sub.choices["train"]._actions:
        if action.dest in {"batch_size", "lr", "gamma", "tau", "replay_size", "max_updates", "size",
                           "load_size", "checkpoint_every", "sample_every", "log_every", "replay_dtype"}:
            assert str(getattr(config, action.dest)) in action.help, (action.dest, action.help)
            shown += 1
    assert shown == 12
