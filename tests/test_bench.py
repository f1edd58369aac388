"""``rlministyler bench --quick``: every suite runs, the JSON has its schema, numbers are sane."""

from __future__ import annotations

import json
import math

import pytest

from rlministyler.cli import main


def _positive(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


@pytest.fixture(scope="module")
def quick(tmp_path_factory, weights_dir, data_dir):
    out = tmp_path_factory.mktemp("bench")
    code = main(["bench", "--quick", "-o", str(out), "--checkpoint", str(weights_dir),
                 "--data", str(data_dir), "-q"])
    assert code == 0
    return out, json.loads((out / "results.json").read_text())


def test_files_and_machine(quick):
    out, results = quick
    assert results["schema"] == 1 and results["settings"]["quick"] is True
    assert (out / "report.md").read_text().startswith("# rlministyler benchmark (quick)")
    assert sorted(results["plots"]) == ["quality.png", "speed.png", "temporal.png"]
    for name in results["plots"]:
        assert (out / name).stat().st_size > 10_000
    machine = results["machine"]
    assert machine["cores"] >= 1 and "onnxruntime" in " ".join(machine["versions"])
    assert _positive(results["duration_s"])


def test_speed_rows(quick):
    _, results = quick
    onnx_rows = [r for r in results["speed"] if r["engine"] == "onnxruntime"]
    assert {r["step"] for r in onnx_rows} == {1, 5}
    for row in onnx_rows:
        for key in ("median_ms", "p95_ms", "fps", "infer_median_ms", "gmac", "gflops", "peak_rss_mb"):
            assert _positive(row[key]), (key, row)
        assert row["median_ms"] <= row["p95_ms"]
    by_step = {r["step"]: r for r in onnx_rows}
    # the work is counted from the graph: 5 steps are 5 times the multiply-accumulates of one
    assert by_step[5]["gmac"] == pytest.approx(5 * by_step[1]["gmac"], rel=1e-3)
    assert 25_000 < by_step[1]["gmac"] * 1e9 / (256 * 256) < 31_000  # ~28k MACs per pixel and step
    assert any(r["engine"] == "pytorch" and _positive(r["median_ms"]) for r in results["speed"])


def test_peers_quality_and_flicker(quick):
    _, results = quick
    peer_rows = results["peers"]["speed"]
    assert peer_rows[0]["method"] == "magenta" and peer_rows[0]["ratio_to_magenta"] == 1.0
    assert all(_positive(r["median_ms"]) and _positive(r["ratio_to_magenta"]) for r in peer_rows)
    averages = results["quality"]["averages"]
    ours = {r["step"]: r for r in averages if r["method"] == "rlministyler"}
    assert set(ours) == {1, 5, 10}
    for row in averages:
        assert _positive(row["content"]) and _positive(row["style"]) and 0 < row["ssim"] <= 1
    # the sequence: more steps, lower style loss, further from the content
    assert ours[10]["style"] < ours[1]["style"] and ours[10]["ssim"] < ours[1]["ssim"]
    assert any(r["method"] == "magenta" for r in averages)
    temporal = results["temporal"]
    assert all(_positive(r["warping_error"]) and _positive(r["noise_instability"]) for r in temporal)
    ours_t = {(r["step"], r["temporal"]): r["warping_error"]
              for r in temporal if r["source"] == "rlministyler"}
    assert ours_t[(5, "flow")] < ours_t[(5, "off")]  # flow smoothing really cuts flicker on the clip


def test_bad_suite_is_one_line_error(tmp_path, capsys):
    assert main(["bench", "--suite", "speed,colour", "-o", str(tmp_path)]) == 2
    assert "unknown suite 'colour'" in capsys.readouterr().err


def test_compare_prints_ratios_to_magenta(quick, capsys):
    from rlministyler.benchmarks.compare import main as compare

    out, _ = quick
    model = out / "models" / "baked_fp32_k1.onnx"
    assert compare([str(model), "--rounds", "2", "--size", "128"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("magenta: median") and lines[0].endswith("ratio to Magenta 1.000")
    ratio = float(lines[1].rsplit(" ", 1)[1])
    assert lines[1].startswith(str(model)) and _positive(ratio)
