"""`run --keyframe-interval / --target-fps / --upsample` end to end, and the realtime bench suite."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest


@pytest.fixture(scope="module")
def split1(tmp_path_factory, weights_dir):
    from rlministyler.export.exporter import ExportOptions, export_model

    out = tmp_path_factory.mktemp("realtime") / "split1.onnx"
    export_model(ExportOptions(output=out, checkpoint=str(weights_dir), steps=1, variant="split",
                               verify=False, quiet=True))
    return out


@pytest.fixture(scope="module")
def split3(tmp_path_factory, weights_dir):
    from rlministyler.export.exporter import ExportOptions, export_model

    out = tmp_path_factory.mktemp("realtime") / "split3.onnx"
    export_model(ExportOptions(output=out, checkpoint=str(weights_dir), steps=3, all_steps=True,
                               variant="split", verify=False, quiet=True))
    return out


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A 12-frame 128x96 pan over a smooth texture."""
    path = tmp_path_factory.mktemp("clip") / "pan.avi"
    rng = np.random.default_rng(0)
    world = cv2.resize(rng.integers(0, 256, (12, 30, 3), dtype=np.uint8), (240, 96),
                       interpolation=cv2.INTER_CUBIC)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 12, (128, 96))
    for k in range(12):
        writer.write(np.ascontiguousarray(world[:, 100 - 4 * k:228 - 4 * k]))
    writer.release()
    return path


@pytest.mark.parametrize("extra", [["--keyframe-interval", "3"], ["--keyframe-interval", "auto"],
                                   ["--target-fps", "1000"]])
def test_run_realtime_modes(split1, clip, data_dir, tmp_path, extra):
    from rlministyler.cli import main

    stats = tmp_path / "s.json"
    out = tmp_path / "out.avi"
    style = data_dir / "style" / "adain_la_muse.jpg"
    code = main(["run", str(split1), "-i", str(clip), "--style", str(style), "--scale", "0.5",
                 "-o", str(out), "-q", "--stats-json", str(stats), *extra])
    assert code == 0
    data = json.loads(stats.read_text())
    assert data["written"] == 12
    if "--target-fps" in extra:  # an impossible target: the controller goes cheaper and records it
        assert len(data["pacing"]) >= 2 and data["pacing"][-1]["scale"] < 0.5
    else:
        assert "pacing" not in data


def test_realtime_suite_rows_plot_and_sheet(split1, clip, data_dir, tmp_path):
    from rlministyler.benchmarks.realtime import MODES, markdown_table, run_realtime

    result = run_realtime(split1, data_dir / "style" / "adain_la_muse.jpg", clip, tmp_path,
                          sizes=((64, 96),), steps=(1,), frames=6, threads=1, say=lambda text: None)
    rows = result["rows"]
    assert [r["mode"] for r in rows] == [m[0] for m in MODES]
    assert rows[0]["ssim"] == 1.0 and all(r["ssim"] < 1.0 for r in rows[1:])
    assert all(r["fps"] > 0 and r["warping_error"] >= 0 for r in rows)
    assert (tmp_path / "realtime_fps_ssim.png").is_file() and (tmp_path / "realtime_sheet.jpg").is_file()
    assert markdown_table(rows).count("\n") == len(rows) + 1
    assert all("content" not in r for r in rows)  # no loss network given: no loss columns


def test_realtime_suite_vgg_losses_grow_with_the_step(split3, data_dir, tmp_path):
    """The content loss to the input frame rises with the step and the style loss falls."""
    from rlministyler.benchmarks.quality import loss_network
    from rlministyler.benchmarks.realtime import run_realtime

    from rlministyler.images import read_image, resize_shorter

    style = data_dir / "style" / "adain_la_muse.jpg"
    vgg = loss_network(sorted((data_dir / "content").glob("*.jpg"))[-2:], lambda text: None)
    video = data_dir / "video" / "cutBunny.mp4"
    result = run_realtime(split3, style, video, tmp_path, sizes=((72, 128),), steps=(1, 3), frames=4,
                          threads=1, vgg=vgg, style_rgb=resize_shorter(read_image(style), 256),
                          loss_size=(72, 128), say=lambda text: None)
    full = {r["step"]: r for r in result["rows"] if r["mode"] == "full"}
    assert full[1]["content"] < full[3]["content"] and full[1]["style"] > full[3]["style"]
    assert all(r["content"] > 0 and r["style"] > 0 for r in result["rows"])
