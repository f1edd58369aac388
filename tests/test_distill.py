"""``rlministyler distill``: the untrained student is the teacher's step 1 at every step, a run of a
few iterations resumes exactly, the model file loads back, and bad settings are one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--size", "32", "--load-size", "48", "--batch-size", "2", "--steps-per-pair", "2", "--log-every", "1",
        "--sample-every", "0", "--vgg-calibration", "4", "--threads", "1", "--workers", "1", "-q"]


def distill(*args, cache: Path, weights: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "RLMINISTYLER_CACHE": str(cache), "RLMINISTYLER_CHECKPOINT": str(weights)}
    return subprocess.run([sys.executable, "-m", "rlministyler", "distill", *map(str, args)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


def test_untrained_student_is_the_teachers_step_one_at_every_step(weights_dir):
    from rlministyler.training.distill.model import OnePassStylizer
    from rlministyler.training.model import load_pair

    actor, builder = load_pair(weights_dir)
    student = OnePassStylizer(actor, builder, max_steps=10).eval()
    content, style = torch.rand(3, 3, 32, 40), torch.rand(1, 3, 48, 48)
    with torch.no_grad():
        code = student.encode_style(style)
        out = student(content, code, torch.tensor([1, 4, 10]))
        assert torch.equal(out, builder(actor.act(content), code))


def test_a_run_resumes_exactly_and_its_model_loads(tmp_path, weights_dir, data_dir):
    from rlministyler.training.distill.checkpoint import load_distilled
    from rlministyler.training.train.state import read as read_state

    common = ["--content-dir", data_dir / "content", "--style-dir", data_dir / "style", *TINY]
    straight = distill(*common, "--out", tmp_path / "a", "--iterations", "4", "--checkpoint-every", "2",
                       cache=tmp_path / "cache", weights=weights_dir)
    assert straight.returncode == 0, straight.stderr
    first = distill(*common, "--out", tmp_path / "b", "--iterations", "2", "--checkpoint-every", "2",
                    cache=tmp_path / "cache", weights=weights_dir)
    assert first.returncode == 0, first.stderr
    again = distill("--out", tmp_path / "b", "--resume", "--iterations", "4", "-q",
                    cache=tmp_path / "cache", weights=weights_dir)
    assert again.returncode == 0, again.stderr
    logs = [[json.loads(line) for line in (tmp_path / run / "log.jsonl").read_text().splitlines()]
            for run in ("a", "b")]
    strip = [[{k: v for k, v in r.items() if k != "s_per_it"} for r in log] for log in logs]
    assert strip[0] == strip[1] and len(strip[0]) == 6  # 4 loss lines, 2 held-out scores
    a, record = load_distilled(tmp_path / "a" / "latest")
    b, _ = load_distilled(tmp_path / "b" / "latest" / "distilled.pth.tar")
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.equal(x, y), name
    assert record["max_steps"] == 10 and set(record["teacher_sha256"]) == {"actor.pth.tar", "builder.pth.tar"}
    assert not torch.equal(a.conditioning.code_gain, torch.zeros_like(a.conditioning.code_gain))  # it learned
    # the saved weights are the moving average; warmed up, after 4 iterations it is near the training
    # weights, not near the start (0.999 alone would leave it at 0.4 % of the way)
    raw = read_state(tmp_path / "a" / "state" / "update_00000004" / "distiller.pth")
    gain = raw["student"]["conditioning.code_gain"]
    assert (a.conditioning.code_gain - gain).abs().sum() < 0.5 * gain.abs().sum()
    scores = [r for r in logs[0] if "heldout_psnr_db" in r][-1]["heldout_psnr_db"]
    assert record["iteration"] == 4 and record["heldout_psnr_db"] == scores and record["elapsed_s"] > 0
    assert record["config"]["steps_per_pair"] == 2 and "content_dir" in record["config"]
    card = (tmp_path / "a" / "latest" / "MODEL_CARD.md").read_text()  # the card beside the model
    assert "4 iterations" in card and f"{scores['10']:.2f}" in card and record["held_out"][0] in card
    assert f"{record['train_contents']} photos and {record['train_styles']} paintings" in card
    # four iterations leave the student near the teacher's step 1 at every step: against the
    # teacher's step 10 it is weaker in style (higher style loss) and closer to the content
    ratios = record["heldout_ratios"]
    assert ratios == {k.removeprefix("heldout_"): v for k, v in logs[0][-1].items() if k.endswith("_ratio")}
    assert ratios["style_ratio"]["10"] > ratios["style_ratio"]["1"] > 0
    assert ratios["content_ratio"]["10"] < ratios["content_ratio"]["1"]
    assert f"VGG style loss / the teacher's | {ratios['style_ratio']['1']:.2f}" in card


@pytest.mark.parametrize(("args", "needle"), [
    (["--iterations", "2"], "--content-dir and --style-dir are needed"),
    (["--resume"], "holds no distillation run"),
    (["--content-dir", "x", "--style-dir", "y", "--size", "30"], "--size 30: a multiple of 4"),
])
def test_bad_settings_are_one_line(tmp_path, weights_dir, args, needle):
    proc = distill(*args, "--out", tmp_path / "run", cache=tmp_path / "cache", weights=weights_dir)
    assert proc.returncode == 2 and needle in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_stylize_with_a_distilled_model_runs_one_pass_per_step(tmp_path, weights_dir, data_dir, capsys):
    """An untrained student is the teacher's step 1 at every step: so `--model PATH --steps 5` gives
    what the official `--steps 1` gives; a step past the model's table is refused before any file."""
    from rlministyler.training.distill.checkpoint import save_distilled
    from rlministyler.training.distill.model import OnePassStylizer
    from rlministyler.training.model import load_pair

    from rlministyler.cli import main
    from rlministyler.images import read_image

    untrained = OnePassStylizer(*load_pair(weights_dir), max_steps=6)
    save_distilled(untrained, tmp_path / "m" / "distilled.pth.tar", {})
    common = [str(data_dir / "content" / "adain_chicago.jpg"), "--style",
              str(data_dir / "style" / "adain_la_muse.jpg"), "--size", "64", "-q", "--device", "cpu"]
    assert main(["stylize", *common, "--model", str(tmp_path / "m"), "--steps", "5",
                 "-o", str(tmp_path / "one_pass.png")]) == 0
    assert main(["stylize", *common, "--checkpoint", str(weights_dir), "--steps", "1",
                 "-o", str(tmp_path / "official1.png")]) == 0
    assert (read_image(tmp_path / "one_pass.png") == read_image(tmp_path / "official1.png")).all()
    capsys.readouterr()
    code = main(["stylize", *common, "--model", str(tmp_path / "m"), "--steps", "7",
                 "-o", str(tmp_path / "o")])
    assert code == 2 and "serves steps 1..6" in capsys.readouterr().err and not (tmp_path / "o").exists()
    code = main(["stylize", *common, "--model", str(tmp_path / "nowhere"), "-o", str(tmp_path / "p.png")])
    assert code == 2 and "neither official, distilled nor a distilled model file" in capsys.readouterr().err


def test_bench_distilled_scores_an_untrained_student_as_the_teachers_step_one(tmp_path, weights_dir,
                                                                                data_dir):
    """Untrained, the one-pass model IS the teacher's step 1: the suite must say so, step by step."""
    from rlministyler.training.distill.checkpoint import save_distilled
    from rlministyler.training.distill.model import OnePassStylizer
    from rlministyler.training.model import load_pair

    from rlministyler.cli import main

    save_distilled(OnePassStylizer(*load_pair(weights_dir)), tmp_path / "m" / "distilled.pth.tar", {},
                   {"holdout_every": 5})
    out = tmp_path / "bench"
    assert main(["bench", "--suite", "distilled", "--quick", "--distilled", str(tmp_path / "m"),
                 "--checkpoint", str(weights_dir), "--data", str(data_dir), "-q", "-o", str(out)]) == 0
    result = json.loads((out / "results.json").read_text())["distilled"]
    assert [r["step"] for r in result["rows"]] == [1, 5, 10] and result["pairs"] == 2
    for row in result["rows"]:
        assert row["one_pass_psnr"] == row["teacher_step1_psnr"]
        assert row["one_pass_ssim"] == row["teacher_step1_ssim"]
        assert row["teacher_ms"] > 0 and row["one_pass_ms"] > 0
    assert result["rows"][0]["one_pass_psnr"] == 99.0 and result["rows"][0]["style_ratio"] == 1.0
    assert result["rows"][2]["style_ratio"] > 1.0  # step 1's style is weaker than step 10's
    assert result["warping_error_step5"]["one_pass"] > 0
    assert (out / result["sheet"]).stat().st_size > 10_000 and (out / result["plot"]).is_file()
    report = (out / "report.md").read_text()
    assert "## The one-pass model against its teacher" in report
    card = (out / result["card"]).read_text()  # the model card, with this run's measured table
    assert "## Measured by `rlministyler bench --suite distilled` (2 held-out pairs at 128 px)" in card
    assert f"| 5 | {result['rows'][1]['one_pass_psnr']:.2f} / " in card and "Licence: MIT" in card
    # every step is the same image, so the step orders nothing: the suite says where, in the card too
    assert result["strength_order"] == {"style_not_falling": [5, 10], "content_not_rising": [5, 10]}
    assert "style loss falls at every step: no, not at step 5, 10" in card
    live = result["live"]  # the clip through the runtime at step 5, as `run` plays it
    assert [r["label"] for r in live["rows"]] == ["teacher, full resolution", "one pass, full resolution",
                                                  "one pass, --target-fps 30"]
    assert live["size"] == "640x360" and live["frames"] == 12 and all(r["fps"] > 0 for r in live["rows"])
    assert live["rows"][0]["style_ratio"] == 1.0 and live["rows"][1]["style_ratio"] > 1.0  # step 1 is weaker
    assert "| one pass, --target-fps 30 (target 30 fps: scale " in card
    assert "--target-fps 30 (target" in report


def test_weights_install_makes_a_model_the_distilled_one(tmp_path, distilled, weights_dir, monkeypatch,
                                                         capsys):
    """Offline, from a local path: checked by loading, copied atomically with its card; another model
    replaces it only with --force; a file that is not a distilled model is one line, nothing installed."""
    from rlministyler.training.weights import resolve_model, sha256_of

    from rlministyler.cli import main

    monkeypatch.setenv("RLMINISTYLER_CACHE", str(tmp_path / "cache"))
    installed = tmp_path / "cache" / "weights" / "distilled" / "distilled.pth.tar"
    assert main(["weights", "install", str(weights_dir / "actor.pth.tar")]) == 2
    assert "not a distilled rlministyler model" in capsys.readouterr().err and not installed.exists()
    (distilled / "MODEL_CARD.md").write_text("# the card\n")
    try:
        assert main(["weights", "install", str(distilled)]) == 0
    finally:
        (distilled / "MODEL_CARD.md").unlink()
    assert resolve_model("distilled") == installed
    assert sha256_of(installed) == sha256_of(distilled / "distilled.pth.tar")
    assert installed.with_name("MODEL_CARD.md").read_text() == "# the card\n"
    other = tmp_path / "other.pth.tar"
    from rlministyler.training.distill.checkpoint import load_distilled, save_distilled

    model, _ = load_distilled(distilled)
    with torch.no_grad():
        model.conditioning.code_bias.add_(0.01)
    save_distilled(model, other, {})
    capsys.readouterr()
    assert main(["weights", "install", str(other)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["weights", "install", str(other), "--force"]) == 0
    assert sha256_of(installed) == sha256_of(other) and not installed.with_name("MODEL_CARD.md").exists()
    monkeypatch.setenv("RLMINISTYLER_CHECKPOINT", str(weights_dir))
    assert main(["weights", "show"]) == 0
    assert f"{installed} ({installed.stat().st_size:,} bytes)" in capsys.readouterr().out


def test_a_run_folder_inside_the_training_images_is_refused(tmp_path, weights_dir, data_dir):
    """Its samples and models would become training images: one line, nothing made."""
    import shutil

    content = tmp_path / "content"
    shutil.copytree(data_dir / "content", content)
    proc = distill("--content-dir", content, "--style-dir", data_dir / "style", "--out", content / "run",
                   cache=tmp_path / "cache", weights=weights_dir)
    assert proc.returncode == 2 and "--content-dir" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and not (content / "run").exists()
