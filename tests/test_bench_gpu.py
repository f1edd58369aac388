"""``rlministyler bench --suite gpu``, run as a GPU session would run it, here on the CPU at 64x96:
every section is there and sane, the JSON holds it and the table comes last."""

from __future__ import annotations

import json
import math

from rlministyler.cli import main


def test_gpu_suite_on_the_cpu(tmp_path, weights_dir, data_dir, capsys, monkeypatch):
    monkeypatch.setenv("RLMINISTYLER_CACHE", str(tmp_path / "cache"))  # the fast path's compile cache
    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)
    code = main(["bench", "--suite", "gpu", "--quick", "--device", "cpu", "-o", str(tmp_path),
                 "--checkpoint", str(weights_dir), "--data", str(data_dir), "-q"])
    assert code == 0
    gpu = json.loads((tmp_path / "results.json").read_text())["gpu"]
    assert gpu["device"]["device"] == "cpu" and gpu["skipped"] == []
    for name in ("fp32", "tf32", "fast fp32"):
        levels = gpu["faithful"]["max_levels_by_step"][name]
        assert len(levels) == 10 and max(levels) < 1.0, name  # within one 8-bit level
    modes = {r["mode"] for r in gpu["speed"]}
    assert {"eager tf32 (PyTorch default)", "eager fp32 (faithful)", "fast fp32 (not compiled)",
            "fast fp16 (not compiled)", "internal 1/4 + guided (fp32)", "johnson_fast_neural_style",
            "adain_vgg19"} <= modes
    assert all(math.isfinite(r["median_ms"]) and 0 < r["median_ms"] <= r["p95_ms"] for r in gpu["speed"])
    psnr = gpu["half"]["psnr_db_by_step"]
    assert all(p >= 40 for p in psnr["fp16"] + psnr["bf16"])
    step = gpu["floor"]["steps"][0]
    assert 0.15 <= step["gmac_per_step"] <= 0.2  # ~30,000 MACs a pixel: 64 x 96 x 3e4 = 0.18 G
    assert gpu["training"]["updates_per_s"] > 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("bf16: PSNR to fp32")
    assert any(line.startswith("| size | mode |") for line in out)
